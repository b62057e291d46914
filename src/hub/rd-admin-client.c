#include "config.h"

#include "hub/rd-admin-client.h"

#include "core/rd-error.h"
#include "hub/rd-admin-commands.h"

#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>

static RdErrorCode
code_from_string (const char *text)
{
  for (int code = RD_ERROR_FAILED; code <= RD_ERROR_DISABLED; code++)
    if (g_strcmp0 (rd_error_code_to_string (code), text) == 0)
      return code;
  return RD_ERROR_FAILED;
}

JsonObject *
rd_admin_client_call (const char *socket_path, const char *command, JsonObject *body, GError **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  g_autofree char *uri = NULL;
  JsonNode *root;
  JsonObject *object;

  g_return_val_if_fail (socket_path != NULL && command != NULL, NULL);

  if (!g_file_test (socket_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE,
                   "No hub is running here (no admin socket at %s); start it with “ringdesk-hub serve”",
                   socket_path);
      return NULL;
    }
  address = g_unix_socket_address_new (socket_path);
  /* Admin commands that verify with the PBX or CRM may take a while. */
  session = soup_session_new_with_options ("remote-connectable", address, "timeout", 120, NULL);
  uri = g_strconcat ("http://localhost/v1/", command, NULL);
  msg = soup_message_new (rd_admin_command_uses_get (command) ? SOUP_METHOD_GET : SOUP_METHOD_POST, uri);
  if (msg == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Bad command “%s”", command);
      return NULL;
    }
  if (!rd_admin_command_uses_get (command))
    {
      g_autoptr(JsonObject) empty = json_object_new ();
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body ? body : empty);
      g_autofree char *text = json_to_string (node, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      explicit_bzero (text, strlen (text));   /* may carry a secret */
    }
  reply = soup_session_send_and_read (session, msg, NULL, &local);
  if (reply == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "Cannot reach the hub at %s: %s",
                   socket_path, local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "The hub sent an unreadable reply (HTTP %u)",
                   soup_message_get_status (msg));
      return NULL;
    }
  object = json_node_get_object (root);
  if (!json_object_get_boolean_member_with_default (object, "ok", FALSE))
    {
      JsonObject *detail = json_object_get_object_member (object, "error");
      const char *code = detail ? json_object_get_string_member_with_default (detail, "code", NULL) : NULL;
      const char *message = detail ? json_object_get_string_member_with_default (detail, "message", NULL) : NULL;

      g_set_error_literal (error, RD_ERROR, code_from_string (code),
                           message ? message : "The hub refused the command");
      return NULL;
    }
  return json_object_ref (object);
}
