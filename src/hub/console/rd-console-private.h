/* rd-console-private.h — what the console's own files share: the parts of RdConsole the
 * request and the pages use, and the page handlers. Not for use outside src/hub/console. */
#pragma once

#include <libsoup/soup.h>

#include "hub/console/rd-console.h"
#include "hub/console/rd-console-accounts.h"
#include "hub/console/rd-console-catalog.h"
#include "hub/console/rd-console-request.h"
#include "hub/console/rd-console-sessions.h"
#include "hub/console/rd-console-throttle.h"

G_BEGIN_DECLS

RdHub             *rd_console_get_hub       (RdConsole *self);   /* a new reference, or NULL when stopping */
RdConsoleSessions *rd_console_get_sessions  (RdConsole *self);
RdConsoleThrottle *rd_console_get_throttle  (RdConsole *self);
RdConsoleAccounts *rd_console_get_accounts  (RdConsole *self);
gboolean           rd_console_is_tls        (RdConsole *self);
/* The session cookie's name ("__Host-rd_session" on TLS, "rd_session" otherwise). */
const char        *rd_console_cookie_name   (RdConsole *self);

/* A table of calls (the "calls" command's array), shared by Overview and Activity. */
void rd_console_render_calls (RdConsoleRequest *req, RdHtml *html, JsonArray *calls);
/* The agent keys (the "agent-keys" command's array) with Revoke, on the Users page. */
void rd_console_render_agent_keys (RdConsoleRequest *req, RdHtml *html, JsonArray *keys);

/* Page handlers (one file each). Each replies exactly once. */
void rd_console_page_signin        (RdConsoleRequest *req);
void rd_console_page_signin_post   (RdConsoleRequest *req);
void rd_console_page_signout       (RdConsoleRequest *req);
void rd_console_page_link          (RdConsoleRequest *req);
void rd_console_page_link_post     (RdConsoleRequest *req);
void rd_console_page_overview      (RdConsoleRequest *req);
void rd_console_page_crm           (RdConsoleRequest *req);
void rd_console_page_crm_post      (RdConsoleRequest *req);
void rd_console_page_crm_confirm   (RdConsoleRequest *req);
void rd_console_page_crm_state     (RdConsoleRequest *req);
void rd_console_page_pbx           (RdConsoleRequest *req);
void rd_console_page_pbx_post      (RdConsoleRequest *req);
void rd_console_page_users         (RdConsoleRequest *req);
void rd_console_page_users_post    (RdConsoleRequest *req);
void rd_console_page_users_key     (RdConsoleRequest *req);
void rd_console_page_users_auto    (RdConsoleRequest *req);
void rd_console_page_users_revoke  (RdConsoleRequest *req);
void rd_console_page_sync          (RdConsoleRequest *req);
void rd_console_page_sync_post     (RdConsoleRequest *req);
void rd_console_page_autocreate    (RdConsoleRequest *req);
void rd_console_page_autocreate_post (RdConsoleRequest *req);
void rd_console_page_logging       (RdConsoleRequest *req);
void rd_console_page_logging_post  (RdConsoleRequest *req);
void rd_console_page_activity      (RdConsoleRequest *req);
void rd_console_page_retry_post    (RdConsoleRequest *req);
void rd_console_page_audit         (RdConsoleRequest *req);
void rd_console_page_admins        (RdConsoleRequest *req);
void rd_console_page_admins_post   (RdConsoleRequest *req);

G_END_DECLS
