/* rd-console.h — the hub's web console: administration in the browser.
 *
 * Its own HTTP(S) port (loopback by default; any other address needs the hub's TLS
 * certificate). Server-rendered HTML, one small script for the copy button, assets
 * compiled into the binary (GResource). Every page acts through the same
 * administration API as the command line (rd-admin-commands.h); the console adds
 * only what a browser needs: sign-in (one-time links, console administrators with
 * Argon2id passwords, CRM administrators with their own API key), sessions, CSRF
 * tokens, rate limiting, and per-request translation from Accept-Language.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-store.h"
#include "hub/rd-hub.h"

G_BEGIN_DECLS

#define RD_CONSOLE_DEFAULT_PORT 8470

#define RD_TYPE_CONSOLE (rd_console_get_type ())
G_DECLARE_FINAL_TYPE (RdConsole, rd_console, RD, CONSOLE, GObject)

/* Holds a weak reference on @hub; keeps its own tables in @store. */
RdConsole  *rd_console_new         (RdHub *hub, RdStore *store);
/* @certificate: serve HTTPS with it (required for a non-loopback @address). */
gboolean    rd_console_listen      (RdConsole *self, const char *address, guint port,
                                    GTlsCertificate *certificate, GError **error);
void        rd_console_close       (RdConsole *self);
guint       rd_console_get_port    (RdConsole *self);
/* "http://127.0.0.1:8470/" */
char       *rd_console_get_url     (RdConsole *self);
/* A one-time sign-in URL (single use, RD_CONSOLE_LINK_LIFETIME_S). */
char       *rd_console_issue_link  (RdConsole *self, GError **error);

G_END_DECLS
