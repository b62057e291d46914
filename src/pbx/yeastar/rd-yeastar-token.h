/* rd-yeastar-token.h — the OpenAPI access token: get_token, proactive refresh,
 * single-flight, fall back to get_token, del_token on stop.
 *
 * One PBX API client may hold only a few valid access tokens (8 per the docs, fewer
 * on some PBXs), so this object revokes every token it replaces (after a short
 * grace for sockets that were opened with it) and on rd_yeastar_token_revoke_async(),
 * and its state can be kept across restarts (dup_state / restore). */
#pragma once

#include "pbx/yeastar/rd-yeastar-client.h"

G_BEGIN_DECLS

#define RD_TYPE_YEASTAR_TOKEN (rd_yeastar_token_get_type ())
G_DECLARE_FINAL_TYPE (RdYeastarToken, rd_yeastar_token, RD, YEASTAR_TOKEN, GObject)

RdYeastarToken *rd_yeastar_token_new (RdYeastarClient *client, const char *client_id,
                                      const char *client_secret);

/* A valid access token (cached, or fetched once for all concurrent callers). */
void     rd_yeastar_token_get_async   (RdYeastarToken *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
char    *rd_yeastar_token_get_finish  (RdYeastarToken *self, GAsyncResult *result, GError **error);

/* The PBX said @stale expired (10004): the next get refreshes. No-op if a newer
 * token is already current. */
void     rd_yeastar_token_invalidate  (RdYeastarToken *self, const char *stale);

/* Monotonic time (µs) when the current access token expires; 0 when none. */

/* Revokes (del_token) every token this object holds and forgets them. */
void     rd_yeastar_token_revoke_async  (RdYeastarToken *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean rd_yeastar_token_revoke_finish (RdYeastarToken *self, GAsyncResult *result, GError **error);

/* What to keep across restarts (JSON text holding the tokens, so a secret), or NULL
 * when nothing is held: the access and refresh tokens with their expiry times, and
 * tokens still to revoke. "state-changed" tells when it changed. */
char    *rd_yeastar_token_dup_state   (RdYeastarToken *self);
/* Takes over the state a previous process kept (same PBX and API client only): a
 * valid access token is used as it is, an expired one is replaced through the
 * refresh token, superseded tokens are revoked now. So a restart, even after a
 * crash, adds no token to the PBX's pool. FALSE (nothing changed) when @state is
 * unreadable or another PBX's. Call before first use. */
gboolean rd_yeastar_token_restore     (RdYeastarToken *self, const char *state, GError **error);

/* For tests: refresh when this fraction of the lifetime has passed (default 0.8). */
void     rd_yeastar_token_set_refresh_fraction (RdYeastarToken *self, double fraction);

G_END_DECLS
