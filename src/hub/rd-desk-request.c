#include "config.h"

#include "hub/rd-desk-request.h"

#include "core/rd-error.h"
#include "core/rd-json.h"
#include "core/rd-phone.h"

#include <string.h>

#define MAX_ID       128
#define MAX_SHORT    256    /* names, logins, queries, client */
#define MAX_SECRET   512

void
rd_desk_request_free (RdDeskRequest *request)
{
  if (request == NULL)
    return;
  g_clear_pointer (&request->id, json_node_unref);
  g_free (request->extension);
  g_clear_error (&request->error);
  g_free (request->method);
  g_free (request->who);
  if (request->secret != NULL)
    {
      memset (request->secret, 0, strlen (request->secret));
      g_free (request->secret);
    }
  g_free (request->client);
  g_free (request->number);
  g_free (request->kind);
  g_free (request->name);
  g_free (request->query);
  g_free (request);
}

/* Reads an optional string member. Absent or null: TRUE with *out NULL. Wrong
 * type or too long: FALSE with @error. */
static gboolean
get_string (JsonObject *object, const char *name, gsize max, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” must be a string", name);
      return FALSE;
    }
  value = json_node_get_string (node);
  if (strlen (value) > max)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” is too long", name);
      return FALSE;
    }
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_required_string (JsonObject *object, const char *name, gsize max, char **out, GError **error)
{
  if (!get_string (object, name, max, out, error))
    return FALSE;
  if (*out == NULL || **out == '\0')
    {
      g_clear_pointer (out, g_free);
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” is missing", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_id (JsonObject *root, RdDeskRequest *request, GError **error)
{
  JsonNode *node = json_object_get_member (root, "id");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) &&
      ((json_node_get_value_type (node) == G_TYPE_STRING && strlen (json_node_get_string (node)) <= MAX_ID) ||
       json_node_get_value_type (node) == G_TYPE_INT64))
    {
      request->id = json_node_copy (node);
      return TRUE;
    }
  g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "“id” must be an integer or a short string");
  return FALSE;
}

static gboolean
parse_hello (JsonObject *root, RdDeskRequest *request, GError **error)
{
  JsonNode *v = json_object_get_member (root, "v");
  JsonNode *auth_node = json_object_get_member (root, "auth");
  JsonObject *auth;

  if (v != NULL && !(JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64 &&
                     json_node_get_int (v) == 1))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unsupported protocol version");
      return FALSE;
    }
  if (!get_string (root, "client", MAX_SHORT, &request->client, error))
    return FALSE;
  if (auth_node == NULL || !JSON_NODE_HOLDS_OBJECT (auth_node))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“auth” must be an object");
      return FALSE;
    }
  auth = json_node_get_object (auth_node);
  if (!get_required_string (auth, "method", MAX_SHORT, &request->method, error))
    return FALSE;

  if (g_str_equal (request->method, "agent-key"))
    return get_required_string (auth, "extension", MAX_SHORT, &request->who, error) &&
           get_required_string (auth, "key", MAX_SECRET, &request->secret, error);
  if (g_str_equal (request->method, "crm-key"))
    return get_required_string (auth, "login", MAX_SHORT, &request->who, error) &&
           get_required_string (auth, "key", MAX_SECRET, &request->secret, error);
  if (g_str_equal (request->method, "session"))
    return get_required_string (auth, "token", MAX_SECRET, &request->secret, error);

  g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unknown sign-in method");
  return FALSE;
}

static gboolean
parse_recent (JsonObject *root, RdDeskRequest *request, GError **error)
{
  JsonNode *limit = json_object_get_member (root, "limit");

  request->limit = RD_DESK_DEFAULT_RECENT;
  if (limit != NULL && !JSON_NODE_HOLDS_NULL (limit))
    {
      gint64 value;

      if (!JSON_NODE_HOLDS_VALUE (limit) || json_node_get_value_type (limit) != G_TYPE_INT64 ||
          (value = json_node_get_int (limit)) < 1)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "“limit” must be a positive integer");
          return FALSE;
        }
      request->limit = (guint) MIN (value, RD_DESK_MAX_RECENT);
    }
  return get_string (root, "query", MAX_SHORT, &request->query, error);
}

static gboolean
parse_create_record (JsonObject *root, RdDeskRequest *request, GError **error)
{
  if (!get_required_string (root, "number", RD_PHONE_MAX_INPUT, &request->number, error) ||
      !get_required_string (root, "kind", MAX_SHORT, &request->kind, error) ||
      !get_string (root, "name", MAX_SHORT, &request->name, error))
    return FALSE;
  if (!g_str_equal (request->kind, "individual") && !g_str_equal (request->kind, "lead"))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "“kind” must be “individual” or “lead”");
      return FALSE;
    }
  return TRUE;
}

static const struct {
  const char        *name;
  RdDeskRequestType type;
} request_types[] = {
  { "hello", RD_DESK_REQUEST_HELLO },
  { "dial", RD_DESK_REQUEST_DIAL },
  { "recent", RD_DESK_REQUEST_RECENT },
  { "lookup", RD_DESK_REQUEST_LOOKUP },
  { "create-record", RD_DESK_REQUEST_CREATE_RECORD },
  { "ping", RD_DESK_REQUEST_PING },
};

RdDeskRequest *
rd_desk_request_parse (const char *data, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(RdDeskRequest) request = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonNode *type;
  const char *type_name;

  if (length > RD_DESK_MAX_FRAME || !g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Frames must be UTF-8 JSON text");
      return NULL;
    }
  if (!rd_json_depth_ok (data, length, RD_DESK_MAX_DEPTH))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Frame nested too deeply");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Malformed JSON: %s", local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "A frame must be a JSON object");
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_member (root, "type");
  if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) || json_node_get_value_type (type) != G_TYPE_STRING)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "A frame needs a string “type”");
      return NULL;
    }

  request = g_new0 (RdDeskRequest, 1);
  type_name = json_node_get_string (type);
  for (gsize i = 0; i < G_N_ELEMENTS (request_types); i++)
    if (g_str_equal (type_name, request_types[i].name))
      request->type = request_types[i].type;

  if (!parse_id (root, request, &request->error) ||
      !get_string (root, "extension", MAX_SHORT, &request->extension, &request->error))
    return g_steal_pointer (&request);

  switch (request->type)
    {
    case RD_DESK_REQUEST_HELLO:
      parse_hello (root, request, &request->error);
      break;
    case RD_DESK_REQUEST_DIAL:
    case RD_DESK_REQUEST_LOOKUP:
      get_required_string (root, "number", RD_PHONE_MAX_INPUT, &request->number, &request->error);
      break;
    case RD_DESK_REQUEST_RECENT:
      parse_recent (root, request, &request->error);
      break;
    case RD_DESK_REQUEST_CREATE_RECORD:
      parse_create_record (root, request, &request->error);
      break;
    case RD_DESK_REQUEST_PING:
    case RD_DESK_REQUEST_UNKNOWN:
    default:
      break;
    }
  return g_steal_pointer (&request);
}
