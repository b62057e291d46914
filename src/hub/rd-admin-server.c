#include "config.h"

#include "hub/rd-admin-server.h"

#include "core/rd-error.h"
#include "core/rd-http-server.h"
#include "hub/rd-hub-private.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_BODY (64 * 1024)

struct _RdAdminServer
{
  GObject     parent_instance;

  GWeakRef    hub;
  SoupServer *server;
  char       *path;
};

G_DEFINE_FINAL_TYPE (RdAdminServer, rd_admin_server, G_TYPE_OBJECT)

static void
rd_admin_server_finalize (GObject *object)
{
  RdAdminServer *self = RD_ADMIN_SERVER (object);

  rd_admin_server_close (self);
  g_weak_ref_clear (&self->hub);
  G_OBJECT_CLASS (rd_admin_server_parent_class)->finalize (object);
}

static void
rd_admin_server_class_init (RdAdminServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_admin_server_finalize;
}

static void
rd_admin_server_init (RdAdminServer *self)
{
  g_weak_ref_init (&self->hub, NULL);
}

RdAdminServer *
rd_admin_server_new (RdHub *hub)
{
  RdAdminServer *self = g_object_new (RD_TYPE_ADMIN_SERVER, NULL);

  g_weak_ref_set (&self->hub, hub);
  return self;
}

/* ---- replies --------------------------------------------------------------- */

static guint
http_status_for (const GError *error)
{
  if (error->domain != RD_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  switch ((RdErrorCode) error->code)
    {
    case RD_ERROR_INVALID_INPUT: return SOUP_STATUS_BAD_REQUEST;
    case RD_ERROR_NOT_FOUND: return SOUP_STATUS_NOT_FOUND;
    case RD_ERROR_CONFLICT: return SOUP_STATUS_CONFLICT;
    case RD_ERROR_AUTH: return SOUP_STATUS_UNAUTHORIZED;
    case RD_ERROR_ACCESS: return SOUP_STATUS_FORBIDDEN;
    case RD_ERROR_UNAVAILABLE:
    case RD_ERROR_DISABLED: return SOUP_STATUS_SERVICE_UNAVAILABLE;
    case RD_ERROR_TIMEOUT: return SOUP_STATUS_GATEWAY_TIMEOUT;
    default: return SOUP_STATUS_BAD_GATEWAY;
    }
}

static void
reply_json (SoupServerMessage *msg, guint status, JsonObject *body)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);
  gsize length = 0;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

static void
reply_ok (SoupServerMessage *msg, JsonObject *extra)
{
  g_autoptr(JsonObject) body = extra != NULL ? json_object_ref (extra) : json_object_new ();

  json_object_set_boolean_member (body, "ok", TRUE);
  reply_json (msg, SOUP_STATUS_OK, body);
}

static void
reply_error (SoupServerMessage *msg, const GError *error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *detail = json_object_new ();

  json_object_set_string_member (detail, "code", error->domain == RD_ERROR
                                 ? rd_error_code_to_string (error->code) : "failed");
  json_object_set_string_member (detail, "message", error->message);
  json_object_set_boolean_member (body, "ok", FALSE);
  json_object_set_object_member (body, "error", detail);
  reply_json (msg, http_status_for (error), body);
}

static void
reply_new_error (SoupServerMessage *msg, RdErrorCode code, const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (RD_ERROR, code, message);

  reply_error (msg, error);
}

/* An async command finishing: answer the paused message. */
typedef struct {
  SoupServerMessage *msg;
} Pending;

static Pending *
pending_new (SoupServerMessage *msg)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  return pending;
}

static void
pending_finish (Pending *pending, const GError *error, JsonObject *extra)
{
  if (error != NULL)
    reply_error (pending->msg, error);
  else
    reply_ok (pending->msg, extra);
  soup_server_message_unpause (pending->msg);
  g_object_unref (pending->msg);
  g_free (pending);
}

static void
connect_pbx_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_connect_pbx_finish (RD_HUB (source), result, &error);
  pending_finish (user_data, error, NULL);
}

static void
connect_crm_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_connect_crm_finish (RD_HUB (source), result, &error);
  pending_finish (user_data, error, NULL);
}

static void
bind_auto_cb (GObject *source, GAsyncResult *result, gpointer user_data, gboolean dry_run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extra = json_object_new ();
  JsonArray *plan = NULL;
  guint bound = rd_hub_bind_auto_finish (RD_HUB (source), result, &plan, &error);

  json_object_set_int_member (extra, "bound", bound);
  json_object_set_boolean_member (extra, "dry_run", dry_run);
  json_object_set_array_member (extra, "plan", plan);
  pending_finish (user_data, error, extra);
}

static void
bind_auto_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  bind_auto_cb (source, result, user_data, FALSE);
}

static void
bind_auto_dry_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  bind_auto_cb (source, result, user_data, TRUE);
}

static void
bind_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_bind_finish (RD_HUB (source), result, &error);
  pending_finish (user_data, error, NULL);
}

static void
sync_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_configure_sync_finish (RD_HUB (source), result, &error);
  pending_finish (user_data, error, NULL);
}

static void
list_cb (GObject *source, GAsyncResult *result, gpointer user_data, gboolean users)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extra = json_object_new ();
  JsonArray *array = users ? rd_hub_list_users_finish (RD_HUB (source), result, &error)
                           : rd_hub_list_extensions_finish (RD_HUB (source), result, &error);

  if (array != NULL)
    json_object_set_array_member (extra, users ? "users" : "extensions", array);
  pending_finish (user_data, error, extra);
}

static void
users_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  list_cb (source, result, user_data, TRUE);
}

static void
extensions_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  list_cb (source, result, user_data, FALSE);
}

/* ---- request parsing ---------------------------------------------------------- */

static const char *
get_string (JsonObject *body, const char *name)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_bool (JsonObject *body, const char *name, gboolean fallback)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

static JsonObject *
parse_body (SoupServerMessage *msg, GError **error)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize size;
  const char *data;

  if (request == NULL || request->length == 0)
    return json_object_new ();
  if (request->length > MAX_BODY)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The request is too large");
      return NULL;
    }
  bytes = soup_message_body_flatten (request);
  data = g_bytes_get_data (bytes, &size);
  if (!json_parser_load_from_data (parser, data, (gssize) size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The request body must be a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static RdCrmKind
parse_kinds (const char *text, GError **error)
{
  g_auto(GStrv) parts = NULL;
  RdCrmKind kinds = RD_CRM_KIND_NONE;

  if (text == NULL)
    return RD_CRM_KIND_NONE;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      RdCrmKind one;

      g_strstrip (parts[i]);
      if (*parts[i] == '\0')
        continue;
      one = rd_crm_kind_from_string (parts[i]);
      if (one == RD_CRM_KIND_NONE)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "Unknown kind “%s” (use individual, company, lead)", parts[i]);
          return RD_CRM_KIND_NONE;
        }
      kinds |= one;
    }
  if (kinds == RD_CRM_KIND_NONE)
    g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Give at least one kind");
  return kinds;
}

/* ---- dispatch ------------------------------------------------------------------- */

static void
dispatch (RdHub *hub, SoupServerMessage *msg, const char *command, JsonObject *body)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (command, "status"))
    {
      g_autoptr(JsonObject) status = rd_hub_get_status_json (hub);

      reply_ok (msg, status);
    }
  else if (g_str_equal (command, "users"))
    rd_hub_list_users_async (hub, NULL, users_cb, pending_new (msg));
  else if (g_str_equal (command, "agent-keys"))
    {
      g_autoptr(JsonObject) extra = json_object_new ();

      json_object_set_array_member (extra, "keys", rd_hub_list_agent_keys (hub));
      reply_ok (msg, extra);
    }
  else if (g_str_equal (command, "revoke"))
    {
      JsonNode *id = json_object_get_member (body, "id");
      gint64 key_id = 0;

      if (id != NULL && (!JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_INT64 ||
                         (key_id = json_node_get_int (id)) <= 0))
        g_set_error_literal (&error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“id” must be a key id (a positive integer)");
      if (error == NULL && rd_hub_revoke_agent_key (hub, key_id, get_string (body, "extension"), &error))
        reply_ok (msg, NULL);
      else
        reply_error (msg, error);
    }
  else if (g_str_equal (command, "extensions"))
    rd_hub_list_extensions_async (hub, NULL, extensions_cb, pending_new (msg));
  else if (g_str_equal (command, "connect-crm"))
    {
      RdCrmConfig config = { 0 };
      const char *style = get_string (body, "log_style");

      config.url = g_strdup (get_string (body, "url"));
      config.database = g_strdup (get_string (body, "database"));
      config.login = g_strdup (get_string (body, "login"));
      config.api_key = g_strdup (get_string (body, "api_key"));
      config.cert_sha256 = g_strdup (get_string (body, "cert_sha256"));
      config.allow_insecure = get_bool (body, "insecure_http", FALSE);
      config.log_style = g_strcmp0 (style, "note") == 0 ? RD_CRM_LOG_NOTE : RD_CRM_LOG_ACTIVITY;
      rd_hub_connect_crm_async (hub, &config, NULL, connect_crm_cb, pending_new (msg));
      rd_crm_config_clear (&config);
    }
  else if (g_str_equal (command, "connect-pbx"))
    {
      RdPbxConfig config = { 0 };

      config.base_url = g_strdup (get_string (body, "url"));
      config.client_id = g_strdup (get_string (body, "client_id"));
      config.client_secret = g_strdup (get_string (body, "client_secret"));
      config.cert_sha256 = g_strdup (get_string (body, "cert_sha256"));
      config.time_zone = g_strdup (get_string (body, "time_zone"));
      config.allow_insecure = get_bool (body, "insecure_http", FALSE);
      rd_hub_connect_pbx_async (hub, &config, NULL, connect_pbx_cb, pending_new (msg));
      rd_pbx_config_clear (&config);
    }
  else if (g_str_equal (command, "bind"))
    {
      gboolean dry_run = get_bool (body, "dry_run", FALSE);

      if (get_bool (body, "auto", FALSE))
        rd_hub_bind_auto_async (hub, dry_run, NULL, dry_run ? bind_auto_dry_cb : bind_auto_done_cb,
                                pending_new (msg));
      else
        rd_hub_bind_async (hub, get_string (body, "extension"), get_string (body, "user"),
                           get_bool (body, "force", FALSE), NULL, bind_cb, pending_new (msg));
    }
  else if (g_str_equal (command, "unbind"))
    {
      if (rd_hub_unbind (hub, get_string (body, "extension"), &error))
        reply_ok (msg, NULL);
      else
        reply_error (msg, error);
    }
  else if (g_str_equal (command, "sync"))
    {
      RdCrmKind kinds = parse_kinds (get_string (body, "kinds"), &error);

      if (error != NULL)
        reply_error (msg, error);
      else
        rd_hub_configure_sync_async (hub, get_bool (body, "enabled", FALSE), kinds, get_string (body, "phonebook"),
                                     NULL, sync_cb, pending_new (msg));
    }
  else if (g_str_equal (command, "autocreate"))
    {
      const char *calls_text = get_string (body, "calls");
      RdHubCalls calls = calls_text != NULL ? rd_hub_calls_from_string (calls_text, &error) : RD_HUB_CALLS_NONE;
      const char *as = get_string (body, "as");
      RdCrmKind kind = RD_CRM_KIND_NONE;

      if (error == NULL && as != NULL)
        {
          kind = rd_crm_kind_from_string (as);
          if (kind != RD_CRM_KIND_INDIVIDUAL && kind != RD_CRM_KIND_LEAD)
            g_set_error_literal (&error, RD_ERROR, RD_ERROR_INVALID_INPUT, "--as is individual or lead");
        }
      if (error == NULL)
        rd_hub_configure_autocreate (hub, get_bool (body, "enabled", FALSE), calls, kind,
                                     get_string (body, "prefix"), &error);
      if (error != NULL)
        reply_error (msg, error);
      else
        reply_ok (msg, NULL);
    }
  else if (g_str_equal (command, "region"))
    {
      if (rd_hub_set_region (hub, get_string (body, "region"), &error))
        reply_ok (msg, NULL);
      else
        reply_error (msg, error);
    }
  else if (g_str_equal (command, "enable") || g_str_equal (command, "disable"))
    {
      if (rd_hub_set_enabled (hub, g_str_equal (command, "enable"), &error))
        reply_ok (msg, NULL);
      else
        reply_error (msg, error);
    }
  else if (g_str_equal (command, "disconnect"))
    {
      if (rd_hub_disconnect_crm (hub, &error))
        reply_ok (msg, NULL);
      else
        reply_error (msg, error);
    }
  else if (g_str_equal (command, "agent-key"))
    {
      g_autofree char *key = rd_hub_issue_agent_key (hub, get_string (body, "extension"), &error);

      if (key == NULL)
        reply_error (msg, error);
      else
        {
          g_autoptr(JsonObject) extra = json_object_new ();
          g_autofree char *url = rd_hub_get_agent_url (hub);

          json_object_set_string_member (extra, "key", key);
          json_object_set_string_member (extra, "url", url);
          reply_ok (msg, extra);
          explicit_bzero (key, strlen (key));
        }
    }
  else
    reply_new_error (msg, RD_ERROR_NOT_FOUND, "Unknown command");
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  RdAdminServer *self = user_data;
  g_autoptr(RdHub) hub = g_weak_ref_get (&self->hub);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *method = soup_server_message_get_method (msg);
  const char *command;
  gboolean read_only;

  if (hub == NULL)
    {
      reply_new_error (msg, RD_ERROR_UNAVAILABLE, "The hub is stopping");
      return;
    }
  if (!g_str_has_prefix (path, "/v1/"))
    {
      reply_new_error (msg, RD_ERROR_NOT_FOUND, "Unknown path");
      return;
    }
  command = path + strlen ("/v1/");
  read_only = g_str_equal (command, "status") || g_str_equal (command, "users") ||
              g_str_equal (command, "extensions") || g_str_equal (command, "agent-keys");
  if (g_strcmp0 (method, read_only ? SOUP_METHOD_GET : SOUP_METHOD_POST) != 0)
    {
      reply_new_error (msg, RD_ERROR_INVALID_INPUT, read_only ? "Use GET" : "Use POST");
      return;
    }
  body = parse_body (msg, &error);
  if (body == NULL)
    {
      reply_error (msg, error);
      return;
    }
  g_debug ("Admin command %s", command);
  dispatch (hub, msg, command, body);
}

/* ---- socket ------------------------------------------------------------------------ */

static gboolean
socket_is_live (const char *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  return connection != NULL;
}

gboolean
rd_admin_server_listen (RdAdminServer *self, const char *path, GError **error)
{
  g_autofree char *dir = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  mode_t old_mask;
  gboolean bound;

  g_return_val_if_fail (RD_IS_ADMIN_SERVER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (socket_is_live (path))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_CONFLICT,
                       "Another hub is already running (its admin socket %s answers)", path);
          return FALSE;
        }
      g_unlink (path);
    }

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;
  address = g_unix_socket_address_new (path);
  old_mask = umask (0177);
  bound = g_socket_bind (socket, address, FALSE, error);
  umask (old_mask);
  if (!bound)
    {
      g_prefix_error (error, "Cannot create the admin socket %s: ", path);
      return FALSE;
    }
  if (g_chmod (path, 0600) != 0 || !g_socket_listen (socket, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot secure the admin socket %s: %s",
                     path, g_strerror (errno));
      g_unlink (path);
      return FALSE;
    }

  self->server = soup_server_new ("server-header", "ringdesk-hub-admin", NULL);
  rd_http_server_close_after_response (self->server);
  soup_server_add_handler (self->server, "/v1", handle_request, self, NULL);
  if (!soup_server_listen_socket (self->server, socket, 0, error))
    {
      g_clear_object (&self->server);
      g_unlink (path);
      return FALSE;
    }
  self->path = g_strdup (path);
  g_message ("Administration socket: %s", path);
  return TRUE;
}

void
rd_admin_server_close (RdAdminServer *self)
{
  g_return_if_fail (RD_IS_ADMIN_SERVER (self));

  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  if (self->path != NULL)
    {
      g_unlink (self->path);
      g_clear_pointer (&self->path, g_free);
    }
}
