/* rd-console-request.h — one browser request to the web console.
 *
 * Holds the message (paused until the handler replies), the visitor's session, the
 * decoded form, the language chosen from Accept-Language, and replies: a page in the
 * console's layout, a redirect (POST → redirect → GET, with a one-shot message), or a
 * plain status. Security headers (CSP without inline script or style, no framing, no
 * referrer, no caching of pages) go on every reply.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hub/console/rd-console-catalog.h"
#include "hub/console/rd-console-sessions.h"
#include "hub/console/rd-html.h"
#include "hub/rd-hub.h"

G_BEGIN_DECLS

typedef struct _RdConsole RdConsole;

#define RD_TYPE_CONSOLE_REQUEST (rd_console_request_get_type ())
G_DECLARE_FINAL_TYPE (RdConsoleRequest, rd_console_request, RD, CONSOLE_REQUEST, GObject)

/* @form: decoded fields (query for GET, body for POST), owned. @token: the session cookie. */
RdConsoleRequest *rd_console_request_new       (RdConsole *console, RdHub *hub, SoupServerMessage *msg,
                                                const char *path, GHashTable *form, RdConsoleSession *session,
                                                const char *token, RdConsoleCatalog *catalog);

RdConsole        *rd_console_request_get_console (RdConsoleRequest *self);
RdHub            *rd_console_request_get_hub   (RdConsoleRequest *self);
RdConsoleSession *rd_console_request_get_session (RdConsoleRequest *self);
const char       *rd_console_request_get_token (RdConsoleRequest *self);
const char       *rd_console_request_get_path  (RdConsoleRequest *self);
const char       *rd_console_request_get_peer  (RdConsoleRequest *self);
/* A form (or query) field, or NULL. */
const char       *rd_console_request_field     (RdConsoleRequest *self, const char *name);
/* The same, trimmed; NULL when absent or empty. */
char             *rd_console_request_field_trimmed (RdConsoleRequest *self, const char *name);
gboolean          rd_console_request_checkbox  (RdConsoleRequest *self, const char *name);

const char       *rd_console_request_gettext   (RdConsoleRequest *self, const char *msgid) G_GNUC_FORMAT (2);
/* "en", "zh_CN", … (for <html lang>) */
const char       *rd_console_request_language  (RdConsoleRequest *self);
/* The actor for the audit log: "console:NAME" or "crm:LOGIN". */
const char       *rd_console_request_actor     (RdConsoleRequest *self);

/* After waiting on something: the session again (it may have ended meanwhile), or NULL. */
void              rd_console_request_refresh   (RdConsoleRequest *self);
/* Sends the session cookie (a new visitor). */
void              rd_console_request_set_cookie (RdConsoleRequest *self);
/* Signs the visitor in (new cookie). */
void              rd_console_request_sign_in   (RdConsoleRequest *self, const char *actor, const char *display_name);
void              rd_console_request_sign_out  (RdConsoleRequest *self);

/* Replies. @content is consumed; @nav is the navigation entry to mark ("overview", …) or NULL. */
void              rd_console_request_reply_page (RdConsoleRequest *self, guint status, const char *title,
                                                 const char *nav, RdHtml *content);
void              rd_console_request_redirect  (RdConsoleRequest *self, const char *location);
/* A one-shot message on the next page, then a redirect. */
void              rd_console_request_redirect_with (RdConsoleRequest *self, const char *location,
                                                    const char *message, gboolean is_error);
void              rd_console_request_reply_status (RdConsoleRequest *self, guint status, const char *text);

/* Runs an administration command as the signed-in actor; @done gets the reply members or the error. */
typedef void (*RdConsoleDone) (RdConsoleRequest *req, JsonObject *reply, const GError *error);
void              rd_console_request_run       (RdConsoleRequest *self, const char *command, JsonObject *body,
                                                RdConsoleDone done);

/* <form method="post" action="@action"> with the CSRF token. */
void              rd_console_form_open         (RdConsoleRequest *self, RdHtml *html, const char *action,
                                                const char *css_class);

G_END_DECLS
