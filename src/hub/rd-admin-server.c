#include "config.h"

#include "hub/rd-admin-server.h"

#include "core/rd-error.h"
#include "core/rd-http-server.h"
#include "hub/rd-admin-commands.h"

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

/* The actor of a command: the Unix user on the other end of the socket. */
static char *
peer_actor (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autoptr(GCredentials) credentials = socket != NULL ? g_socket_get_credentials (socket, NULL) : NULL;
  uid_t uid = credentials != NULL ? g_credentials_get_unix_user (credentials, NULL) : (uid_t) -1;

  if (uid == (uid_t) -1)
    return g_strdup ("command line");
  return g_strdup_printf ("command line (uid %u)", (guint) uid);
}

static void
command_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extra = rd_admin_commands_run_finish (RD_HUB (source), result, &error);

  if (extra == NULL)
    reply_error (msg, error);
  else
    reply_ok (msg, extra);
  soup_server_message_unpause (msg);
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

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  RdAdminServer *self = user_data;
  g_autoptr(RdHub) hub = g_weak_ref_get (&self->hub);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *actor = NULL;
  const char *method = soup_server_message_get_method (msg);
  const char *command;
  gboolean uses_get;

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
  uses_get = rd_admin_command_uses_get (command);
  if (g_strcmp0 (method, uses_get ? SOUP_METHOD_GET : SOUP_METHOD_POST) != 0)
    {
      reply_new_error (msg, RD_ERROR_INVALID_INPUT, uses_get ? "Use GET" : "Use POST");
      return;
    }
  body = parse_body (msg, &error);
  if (body == NULL)
    {
      reply_error (msg, error);
      return;
    }
  actor = peer_actor (msg);
  soup_server_message_pause (msg);
  rd_admin_commands_run_async (hub, actor, command, body, NULL, command_done_cb, g_object_ref (msg));
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
