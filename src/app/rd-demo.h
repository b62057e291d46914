/* rd-demo.h — `ringdesk --demo`: the PBX and Odoo simulators plus a hub, all in-process on
 * loopback, with seeded contacts (the Odoo simulator's demo seed; extensions 2001 Alice and
 * 2002 Bob), a temporary database, and scripted calls. Nothing is written to the keyring
 * or to the user's settings. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_DEMO_EXTENSION "2001"

#define RD_TYPE_DEMO (rd_demo_get_type ())
G_DECLARE_FINAL_TYPE (RdDemo, rd_demo, RD, DEMO, GObject)

RdDemo     *rd_demo_new            (void);
void        rd_demo_start_async    (RdDemo *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean    rd_demo_start_finish   (RdDemo *self, GAsyncResult *result, GError **error);
const char *rd_demo_get_agent_url  (RdDemo *self);
const char *rd_demo_get_agent_key  (RdDemo *self);   /* issued for RD_DEMO_EXTENSION, memory only */
const char *rd_demo_get_odoo_url   (RdDemo *self);   /* the simulated Odoo's record lists (/web) */
/* "answered": a CRM contact calls and 2001 answers; "missed": an unknown number rings 2001
 * and hangs up. Returns FALSE for anything else. */
gboolean    rd_demo_play           (RdDemo *self, const char *what);
/* The opening script: an answered call from a contact now, then a missed call. */
void        rd_demo_play_script    (RdDemo *self);

G_END_DECLS
