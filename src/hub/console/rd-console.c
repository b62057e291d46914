#include "config.h"

#include "hub/console/rd-console-private.h"

#include "core/rd-error.h"
#include "core/rd-http-server.h"

#include <string.h>

#define MAX_FORM (64 * 1024)

/* console.gresource.xml, compiled in (rd-console-resources.c); referenced here so that the
 * linker keeps it from the static library. */
GResource *rd_console_get_resource (void);
#define RESOURCE_PREFIX "/io/github/ringdesk/console/"

struct _RdConsole
{
  GObject            parent_instance;

  GWeakRef           hub;
  RdStore           *store;
  SoupServer        *server;
  char              *address;
  guint              port;
  gboolean           tls;
  RdConsoleSessions *sessions;
  RdConsoleThrottle *throttle;
  RdConsoleAccounts *accounts;
  GHashTable        *catalogs;    /* language → RdConsoleCatalog, or a NULL value when absent */
  char              *localedir;
};

G_DEFINE_FINAL_TYPE (RdConsole, rd_console, G_TYPE_OBJECT)

/* Languages with a catalogue (po/LINGUAS). */
static const char * const languages[] = { "de", "fr", "zh_CN", NULL };

typedef struct {
  const char *method;
  const char *path;
  void      (*handler) (RdConsoleRequest *req);
  gboolean    public;      /* reachable without signing in */
} Route;

static const Route routes[] = {
  { "GET", "/signin", rd_console_page_signin, TRUE },
  { "POST", "/signin", rd_console_page_signin_post, TRUE },
  { "POST", "/signout", rd_console_page_signout, TRUE },
  { "GET", "/link", rd_console_page_link, TRUE },
  { "POST", "/link", rd_console_page_link_post, TRUE },
  { "GET", "/overview", rd_console_page_overview, FALSE },
  { "GET", "/crm", rd_console_page_crm, FALSE },
  { "POST", "/crm", rd_console_page_crm_post, FALSE },
  { "GET", "/crm/confirm", rd_console_page_crm_confirm, FALSE },
  { "POST", "/crm/state", rd_console_page_crm_state, FALSE },
  { "GET", "/pbx", rd_console_page_pbx, FALSE },
  { "POST", "/pbx", rd_console_page_pbx_post, FALSE },
  { "GET", "/users", rd_console_page_users, FALSE },
  { "POST", "/users", rd_console_page_users_post, FALSE },
  { "POST", "/users/key", rd_console_page_users_key, FALSE },
  { "POST", "/users/auto", rd_console_page_users_auto, FALSE },
  { "POST", "/users/revoke", rd_console_page_users_revoke, FALSE },
  { "GET", "/sync", rd_console_page_sync, FALSE },
  { "POST", "/sync", rd_console_page_sync_post, FALSE },
  { "GET", "/autocreate", rd_console_page_autocreate, FALSE },
  { "POST", "/autocreate", rd_console_page_autocreate_post, FALSE },
  { "GET", "/logging", rd_console_page_logging, FALSE },
  { "POST", "/logging", rd_console_page_logging_post, FALSE },
  { "GET", "/activity", rd_console_page_activity, FALSE },
  { "POST", "/retry", rd_console_page_retry_post, FALSE },
  { "GET", "/audit", rd_console_page_audit, FALSE },
  { "GET", "/admins", rd_console_page_admins, FALSE },
  { "POST", "/admins", rd_console_page_admins_post, FALSE },
};

static void
rd_console_finalize (GObject *object)
{
  RdConsole *self = RD_CONSOLE (object);

  rd_console_close (self);
  g_weak_ref_clear (&self->hub);
  g_clear_object (&self->store);
  g_clear_object (&self->sessions);
  g_clear_object (&self->throttle);
  g_clear_object (&self->accounts);
  g_clear_pointer (&self->catalogs, g_hash_table_unref);
  g_free (self->localedir);
  g_free (self->address);
  G_OBJECT_CLASS (rd_console_parent_class)->finalize (object);
}

static void
rd_console_class_init (RdConsoleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_console_finalize;
}

static void
rd_console_init (RdConsole *self)
{
  const char *dir = g_getenv ("RINGDESK_LOCALEDIR");

  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      g_resources_register (rd_console_get_resource ());
      g_once_init_leave (&registered, 1);
    }
  g_weak_ref_init (&self->hub, NULL);
  self->sessions = rd_console_sessions_new ();
  self->throttle = rd_console_throttle_new ();
  self->catalogs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_object_unref);
  self->localedir = g_strdup (dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
}

RdConsole *
rd_console_new (RdHub *hub, RdStore *store)
{
  RdConsole *self = g_object_new (RD_TYPE_CONSOLE, NULL);

  g_weak_ref_set (&self->hub, hub);
  self->store = g_object_ref (store);
  return self;
}

RdHub *
rd_console_get_hub (RdConsole *self)
{
  return g_weak_ref_get (&self->hub);
}

RdConsoleSessions *
rd_console_get_sessions (RdConsole *self)
{
  return self->sessions;
}

RdConsoleThrottle *
rd_console_get_throttle (RdConsole *self)
{
  return self->throttle;
}

RdConsoleAccounts *
rd_console_get_accounts (RdConsole *self)
{
  return self->accounts;
}

gboolean
rd_console_is_tls (RdConsole *self)
{
  return self->tls;
}

const char *
rd_console_cookie_name (RdConsole *self)
{
  /* The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain. */
  return self->tls ? "__Host-rd_session" : "rd_session";
}

guint
rd_console_get_port (RdConsole *self)
{
  g_return_val_if_fail (RD_IS_CONSOLE (self), 0);
  return self->port;
}

char *
rd_console_get_url (RdConsole *self)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->address);
  const char *scheme = self->tls ? "https" : "http";

  if (inet != NULL && g_inet_address_get_is_any (inet))
    return g_strdup_printf ("%s://%s:%u/", scheme, g_get_host_name (), self->port);
  if (strchr (self->address, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%u/", scheme, self->address, self->port);
  return g_strdup_printf ("%s://%s:%u/", scheme, self->address, self->port);
}

char *
rd_console_issue_link (RdConsole *self, GError **error)
{
  g_autofree char *token = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (RD_IS_CONSOLE (self), NULL);

  if (self->server == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The web console is not running");
      return NULL;
    }
  token = rd_console_sessions_issue_link (self->sessions);
  base = rd_console_get_url (self);
  g_message ("Issued a one-time console sign-in link (valid %d minutes)", RD_CONSOLE_LINK_LIFETIME_S / 60);
  return g_strconcat (base, "link?t=", token, NULL);
}

/* ---- languages ------------------------------------------------------------------- */

static RdConsoleCatalog *
catalog_for (RdConsole *self, SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *language = rd_console_catalog_negotiate (soup_message_headers_get_one (headers, "Accept-Language"),
                                                       languages);
  RdConsoleCatalog *catalog;

  if (language == NULL)
    return NULL;
  if (!g_hash_table_lookup_extended (self->catalogs, language, NULL, (gpointer *) &catalog))
    {
      g_autoptr(GError) error = NULL;

      catalog = rd_console_catalog_load (self->localedir, language, GETTEXT_PACKAGE, &error);
      if (catalog == NULL)
        g_warning ("Console: no %s translations: %s", language, error->message);
      g_hash_table_insert (self->catalogs, g_strdup (language), catalog);
    }
  return catalog;
}

/* ---- assets ---------------------------------------------------------------------- */

static void
serve_asset (SoupServerMessage *msg, const char *path)
{
  static const struct { const char *name; const char *type; } assets[] = {
    { "console.css", "text/css; charset=utf-8" },
    { "console.js", "text/javascript; charset=utf-8" },
    { "icon.svg", "image/svg+xml" },
  };
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *name = path + strlen ("/assets/");

  for (guint i = 0; i < G_N_ELEMENTS (assets); i++)
    if (g_str_equal (name, assets[i].name))
      {
        g_autofree char *resource = g_strconcat (RESOURCE_PREFIX, name, NULL);
        g_autoptr(GBytes) bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

        if (bytes == NULL)
          break;
        soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
        soup_message_headers_replace (headers, "Cache-Control", "max-age=3600");
        soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
        soup_server_message_set_response (msg, assets[i].type, SOUP_MEMORY_COPY,
                                          g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
        return;
      }
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

/* ---- requests -------------------------------------------------------------------- */

static char *
session_cookie (RdConsole *self, SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *header = soup_message_headers_get_list (headers, "Cookie");
  g_auto(GStrv) pairs = NULL;
  const char *name = rd_console_cookie_name (self);
  gsize name_len = strlen (name);

  if (header == NULL)
    return NULL;
  pairs = g_strsplit (header, ";", 64);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *pair = pairs[i];

      while (*pair == ' ' || *pair == ',')
        pair++;
      if (strncmp (pair, name, name_len) == 0 && pair[name_len] == '=')
        return g_strstrip (g_strdup (pair + name_len + 1));
    }
  return NULL;
}

/* Decoded form fields (POST body or GET query); NULL for a malformed or oversized form. */
static GHashTable *
read_form (SoupServerMessage *msg, GHashTable *query)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GHashTable *form;
  GHashTableIter iter;
  gpointer key, value;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0)
    form = query != NULL ? g_hash_table_ref (query) : g_hash_table_new (g_str_hash, g_str_equal);
  else
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *text = NULL;

      if (body == NULL || body->length > MAX_FORM)
        return NULL;
      bytes = soup_message_body_flatten (body);
      text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      form = soup_form_decode (text);
      explicit_bzero (text, strlen (text));
    }
  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_utf8_validate (key, -1, NULL) || (value != NULL && !g_utf8_validate (value, -1, NULL)))
      {
        g_hash_table_unref (form);
        return NULL;
      }
  return form;
}

/* A POST must come from our own pages: same origin when the browser says, and the session's token. */
static gboolean
same_origin (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *host = soup_message_headers_get_one (headers, "Host");
  g_autoptr(GUri) uri = NULL;
  g_autofree char *origin_host = NULL;

  if (origin == NULL)
    return TRUE;    /* older browsers: the CSRF token decides */
  /* "null" (an opaque origin: a sandboxed frame, a data: page) is never ours. */
  if (host == NULL || (uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL)) == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;
  if (g_uri_get_port (uri) > 0)
    origin_host = g_strdup_printf (strchr (g_uri_get_host (uri), ':') ? "[%s]:%d" : "%s:%d",
                                   g_uri_get_host (uri), g_uri_get_port (uri));
  else
    origin_host = g_strdup (g_uri_get_host (uri));
  return g_ascii_strcasecmp (origin_host, host) == 0;
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  RdConsole *self = user_data;
  g_autoptr(RdHub) hub = rd_console_get_hub (self);
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *token = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(RdConsoleRequest) req = NULL;
  RdConsoleSession *session;
  const Route *route = NULL;
  gboolean is_post = g_strcmp0 (method, SOUP_METHOD_POST) == 0;
  gboolean fresh = FALSE;

  if (hub == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      return;
    }
  if (g_str_has_prefix (path, "/assets/") && g_strcmp0 (method, SOUP_METHOD_GET) == 0)
    {
      serve_asset (msg, path);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (routes) && route == NULL; i++)
    if (g_str_equal (routes[i].path, path) && g_strcmp0 (routes[i].method, method) == 0)
      route = &routes[i];

  token = session_cookie (self, msg);
  session = rd_console_sessions_lookup (self->sessions, token);
  if (session == NULL)
    {
      g_clear_pointer (&token, g_free);
      session = rd_console_sessions_create (self->sessions, &token);
      fresh = TRUE;
    }
  form = read_form (msg, query);
  req = rd_console_request_new (self, hub, msg, path, form, session, token, catalog_for (self, msg));
  if (fresh)
    rd_console_request_set_cookie (req);

  if (g_str_equal (path, "/") && g_strcmp0 (method, SOUP_METHOD_GET) == 0)
    {
      rd_console_request_redirect (req, session->actor != NULL ? "/overview" : "/signin");
      return;
    }
  if (route == NULL)
    {
      rd_console_request_reply_status (req, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  if (form == NULL)
    {
      rd_console_request_reply_status (req, SOUP_STATUS_BAD_REQUEST, "Malformed form");
      return;
    }
  if (is_post && (!same_origin (msg) ||
                  !rd_console_session_check_csrf (session, g_hash_table_lookup (form, "csrf"))))
    {
      g_message ("Console: refused a form without a valid CSRF token from %s", rd_console_request_get_peer (req));
      rd_console_request_reply_status (req, SOUP_STATUS_FORBIDDEN,
                                       "This form has expired or came from another site. Reload the page and try again.");
      return;
    }
  if (!route->public && session->actor == NULL)
    {
      rd_console_request_redirect (req, "/signin");
      return;
    }
  route->handler (req);
}

/* ---- listening ------------------------------------------------------------------- */

gboolean
rd_console_listen (RdConsole *self, const char *address, guint port, GTlsCertificate *certificate,
                   GError **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  GSList *uris;

  g_return_val_if_fail (RD_IS_CONSOLE (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  if (address == NULL || g_str_equal (address, "localhost"))
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The console address “%s” is not an IP address", address);
      return FALSE;
    }
  if (port > 65535)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The console port %u is out of range", port);
      return FALSE;
    }
  if (certificate == NULL && !g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The web console on %s needs the hub's TLS certificate and key; plain HTTP is for loopback only",
                   address);
      return FALSE;
    }
  if (self->accounts == NULL && (self->accounts = rd_console_accounts_new (self->store, error)) == NULL)
    return FALSE;

  self->tls = certificate != NULL;
  if (self->tls)
    self->server = soup_server_new ("server-header", "ringdesk-hub-console", "tls-certificate", certificate, NULL);
  else
    self->server = soup_server_new ("server-header", "ringdesk-hub-console", NULL);
  rd_http_server_close_after_response (self->server);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!soup_server_listen (self->server, socket_address, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    {
      g_prefix_error (error, "Cannot listen for the web console on %s port %u: ", address, port);
      g_clear_object (&self->server);
      return FALSE;
    }
  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    self->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_free (self->address);
  self->address = g_strdup (address);
  {
    g_autofree char *url = rd_console_get_url (self);

    g_message ("Web console: %s%s", url,
               rd_console_accounts_count (self->accounts) == 0 ? " (first visit: run “ringdesk-hub admin-link”)" : "");
  }
  return TRUE;
}

void
rd_console_close (RdConsole *self)
{
  g_return_if_fail (RD_IS_CONSOLE (self));

  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}
