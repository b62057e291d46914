/* rd-pbx-link.h — the hub's link to its PBX: the PBX object it works with, why the saved PBX
 * could not be started (reported as the PBX's message while there is none), the end-of-call
 * high-water mark as saved in the store (so that a restart catches up from where records
 * stopped), and the PBX session (its tokens) kept in the secrets across restarts, crashes
 * included, so that a restart takes it over instead of opening another one on the PBX.
 *
 * The link listens to the PBX's "state-changed" and "session-changed" only; the hub wires the
 * call signals itself. Signal: "state-changed" () when the current PBX's connection state
 * changed. Changes made with rd_pbx_link_set_pbx() emit nothing: the caller reports them.
 * Main context only.
 */
#pragma once

#include "core/rd-store.h"
#include "hub/rd-secrets.h"
#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_TYPE_PBX_LINK (rd_pbx_link_get_type ())
G_DECLARE_FINAL_TYPE (RdPbxLink, rd_pbx_link, RD, PBX_LINK, GObject)

RdPbxLink  *rd_pbx_link_new             (RdStore *store, RdSecrets *secrets);
RdPbx      *rd_pbx_link_get_pbx         (RdPbxLink *self);   /* NULL: none */
/* There is a PBX and it is connected. */
gboolean    rd_pbx_link_is_connected    (RdPbxLink *self);
/* Why the saved PBX could not be started, or NULL. */
const char *rd_pbx_link_get_problem     (RdPbxLink *self);
void        rd_pbx_link_clear_problem   (RdPbxLink *self);
/* The PBX from the saved settings and session, its high-water mark set, not started (the
 * caller wires and starts it); NULL without a saved PBX (no error) or when it cannot be made
 * (@error; a PBX that cannot be created is also the problem rd_pbx_link_get_problem() reports). */
RdPbx      *rd_pbx_link_load_saved      (RdPbxLink *self, GError **error);
/* Sets @pbx's catch-up mark: the saved one when @same_pbx and there is one, else now. It is
 * also the mark rd_pbx_link_get_saved_mark() returns from now on. */
void        rd_pbx_link_load_mark       (RdPbxLink *self, RdPbx *pbx, gboolean same_pbx);
gint64      rd_pbx_link_get_saved_mark  (RdPbxLink *self);
/* Saves @pbx's high-water mark when @pbx is the current PBX and its mark advanced. */
void        rd_pbx_link_save_mark       (RdPbxLink *self, RdPbx *pbx);
/* The PBX to work with from now on (NULL: none): the old one is stopped (not waited for) and
 * left alone; the new one's session is kept now and whenever it changes. */
void        rd_pbx_link_set_pbx         (RdPbxLink *self, RdPbx *pbx);
/* Takes the PBX out of the link and stops it, giving its session back to the PBX; then keeps
 * what is left of the session (nothing, unless the PBX could not be told). Completes at once
 * without a PBX. */
void        rd_pbx_link_release_async   (RdPbxLink *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean    rd_pbx_link_release_finish  (RdPbxLink *self, GAsyncResult *result, GError **error);

G_END_DECLS
