#include "config.h"

#include "hub/console/rd-console-request.h"

#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"
#include "hub/rd-admin-commands.h"

#include <string.h>

struct _RdConsoleRequest
{
  GObject            parent_instance;

  RdConsole         *console;
  RdHub             *hub;
  SoupServerMessage *msg;
  char              *path;
  GHashTable        *form;
  RdConsoleSession  *session;   /* owned by the sessions table; valid while the request runs */
  char              *token;
  RdConsoleCatalog  *catalog;
  char              *peer;
  gboolean           replied;
};

G_DEFINE_FINAL_TYPE (RdConsoleRequest, rd_console_request, G_TYPE_OBJECT)

static void
rd_console_request_finalize (GObject *object)
{
  RdConsoleRequest *self = RD_CONSOLE_REQUEST (object);

  if (!self->replied)
    {
      soup_server_message_set_status (self->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_unpause (self->msg);
    }
  g_clear_object (&self->console);
  g_clear_object (&self->hub);
  g_clear_object (&self->msg);
  g_free (self->path);
  g_clear_pointer (&self->form, g_hash_table_unref);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);
  g_clear_object (&self->catalog);
  g_free (self->peer);
  G_OBJECT_CLASS (rd_console_request_parent_class)->finalize (object);
}

static void
rd_console_request_class_init (RdConsoleRequestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_console_request_finalize;
}

static void
rd_console_request_init (RdConsoleRequest *self)
{
}

RdConsoleRequest *
rd_console_request_new (RdConsole *console, RdHub *hub, SoupServerMessage *msg, const char *path,
                        GHashTable *form, RdConsoleSession *session, const char *token,
                        RdConsoleCatalog *catalog)
{
  RdConsoleRequest *self = g_object_new (RD_TYPE_CONSOLE_REQUEST, NULL);
  GInetSocketAddress *remote = G_INET_SOCKET_ADDRESS (soup_server_message_get_remote_address (msg));

  self->console = g_object_ref (console);
  self->hub = g_object_ref (hub);
  self->msg = g_object_ref (msg);
  self->path = g_strdup (path);
  self->form = form != NULL ? g_hash_table_ref (form) : g_hash_table_new (g_str_hash, g_str_equal);
  self->session = session;
  self->token = g_strdup (token);
  self->catalog = catalog != NULL ? g_object_ref (catalog) : NULL;
  self->peer = remote != NULL ? g_inet_address_to_string (g_inet_socket_address_get_address (remote))
                              : g_strdup ("unknown");
  soup_server_message_pause (msg);
  return self;
}

RdConsole *
rd_console_request_get_console (RdConsoleRequest *self)
{
  return self->console;
}

RdHub *
rd_console_request_get_hub (RdConsoleRequest *self)
{
  return self->hub;
}

RdConsoleSession *
rd_console_request_get_session (RdConsoleRequest *self)
{
  return self->session;
}

const char *
rd_console_request_get_token (RdConsoleRequest *self)
{
  return self->token;
}

const char *
rd_console_request_get_path (RdConsoleRequest *self)
{
  return self->path;
}

const char *
rd_console_request_get_peer (RdConsoleRequest *self)
{
  return self->peer;
}

const char *
rd_console_request_field (RdConsoleRequest *self, const char *name)
{
  return g_hash_table_lookup (self->form, name);
}

char *
rd_console_request_field_trimmed (RdConsoleRequest *self, const char *name)
{
  const char *value = rd_console_request_field (self, name);
  char *copy;

  if (value == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (value));
  if (*copy == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

gboolean
rd_console_request_checkbox (RdConsoleRequest *self, const char *name)
{
  return rd_console_request_field (self, name) != NULL;
}

const char *
rd_console_request_gettext (RdConsoleRequest *self, const char *msgid)
{
  return rd_console_catalog_get (self->catalog, msgid);
}

const char *
rd_console_request_language (RdConsoleRequest *self)
{
  return self->catalog != NULL ? rd_console_catalog_language (self->catalog) : "en";
}

const char *
rd_console_request_actor (RdConsoleRequest *self)
{
  return self->session != NULL && self->session->actor != NULL ? self->session->actor : "anonymous";
}

/* ---- cookies -------------------------------------------------------------------- */

static void
set_cookie (RdConsoleRequest *self, const char *value, gboolean expire)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (self->msg);
  g_autofree char *cookie = g_strdup_printf ("%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
                                             rd_console_cookie_name (self->console), value,
                                             rd_console_is_tls (self->console) ? "; Secure" : "",
                                             expire ? "; Max-Age=0" : "");

  soup_message_headers_append (headers, "Set-Cookie", cookie);
}

void
rd_console_request_set_cookie (RdConsoleRequest *self)
{
  set_cookie (self, self->token, FALSE);
}

void
rd_console_request_sign_in (RdConsoleRequest *self, const char *actor, const char *display_name)
{
  RdConsoleSessions *sessions = rd_console_get_sessions (self->console);

  self->session = rd_console_sessions_sign_in (sessions, &self->token, actor, display_name);
  if (self->session == NULL)
    self->session = rd_console_sessions_create (sessions, &self->token);
  set_cookie (self, self->token, FALSE);
}

void
rd_console_request_sign_out (RdConsoleRequest *self)
{
  rd_console_sessions_end (rd_console_get_sessions (self->console), self->token);
  self->session = NULL;
  set_cookie (self, "", TRUE);
}

/* ---- replies ---------------------------------------------------------------------- */

static void
security_headers (RdConsoleRequest *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (self->msg);

  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");
  /* same-origin: nothing leaves for other sites (a CRM record link), while our own forms keep
   * a real Origin header (no-referrer would make browsers send "Origin: null"). */
  soup_message_headers_replace (headers, "Referrer-Policy", "same-origin");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Content-Language", rd_console_request_language (self));
  if (rd_console_is_tls (self->console))
    soup_message_headers_replace (headers, "Strict-Transport-Security", "max-age=31536000");
}

static void
finish (RdConsoleRequest *self)
{
  g_return_if_fail (!self->replied);
  self->replied = TRUE;
  security_headers (self);
  soup_server_message_unpause (self->msg);
}

void
rd_console_request_reply_page (RdConsoleRequest *self, guint status, const char *title, const char *nav,
                               RdHtml *content)
{
  char *page = rd_console_layout_page (self, title, nav, content);

  soup_server_message_set_status (self->msg, status, NULL);
  soup_server_message_set_response (self->msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, page, strlen (page));
  finish (self);
}

void
rd_console_request_redirect (RdConsoleRequest *self, const char *location)
{
  soup_server_message_set_redirect (self->msg, SOUP_STATUS_SEE_OTHER, location);
  finish (self);
}

void
rd_console_request_redirect_with (RdConsoleRequest *self, const char *location, const char *message,
                                  gboolean is_error)
{
  if (self->session != NULL)
    rd_console_session_set_flash (self->session, message, is_error);
  rd_console_request_redirect (self, location);
}

void
rd_console_request_reply_status (RdConsoleRequest *self, guint status, const char *text)
{
  soup_server_message_set_status (self->msg, status, NULL);
  soup_server_message_set_response (self->msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, strlen (text));
  finish (self);
}

void
rd_console_request_refresh (RdConsoleRequest *self)
{
  self->session = rd_console_sessions_lookup (rd_console_get_sessions (self->console), self->token);
}

/* ---- administration ----------------------------------------------------------------- */

typedef struct {
  RdConsoleRequest *req;
  RdConsoleDone     done;
} Run;

static void
run_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = rd_admin_commands_run_finish (RD_HUB (source), result, &error);

  rd_console_request_refresh (run->req);
  run->done (run->req, reply, error);
  g_object_unref (run->req);
  g_free (run);
}

void
rd_console_request_run (RdConsoleRequest *self, const char *command, JsonObject *body, RdConsoleDone done)
{
  Run *run = g_new0 (Run, 1);

  run->req = g_object_ref (self);
  run->done = done;
  rd_admin_commands_run_async (self->hub, rd_console_request_actor (self), command, body, NULL, run_cb, run);
}

void
rd_console_form_open (RdConsoleRequest *self, RdHtml *html, const char *action, const char *css_class)
{
  rd_html_printf (html, "<form method=\"post\" action=\"%s\" class=\"%s\">"
                  "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                  action, css_class != NULL ? css_class : "",
                  self->session != NULL ? self->session->csrf : "");
}
