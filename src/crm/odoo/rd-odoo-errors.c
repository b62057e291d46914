#include "config.h"

#include "rd-odoo-errors.h"
#include "rd-odoo-json.h"
#include "core/rd-json.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#define MAX_MESSAGE_CHARS 300

static gboolean
name_is (const char *name, const char *cls)
{
  gsize nlen, clen;

  if (name == NULL)
    return FALSE;
  nlen = strlen (name);
  clen = strlen (cls);
  /* "odoo.exceptions.AccessDenied", "AccessDenied", "odoo.exceptions.except_orm.AccessDenied" */
  return nlen >= clen && strcmp (name + nlen - clen, cls) == 0 &&
         (nlen == clen || name[nlen - clen - 1] == '.');
}

RdErrorCode
rd_odoo_error_code_for_name (const char *name)
{
  if (name_is (name, "AccessDenied"))
    return RD_ERROR_AUTH;
  if (name_is (name, "Unauthorized"))      /* werkzeug.exceptions.Unauthorized (JSON-2 bad key) */
    return RD_ERROR_AUTH;
  if (name_is (name, "AccessError") || name_is (name, "Forbidden"))
    return RD_ERROR_ACCESS;
  if (name_is (name, "MissingError") || name_is (name, "NotFound"))
    return RD_ERROR_NOT_FOUND;
  if (name_is (name, "UserError") || name_is (name, "ValidationError") ||
      name_is (name, "RedirectWarning") || name_is (name, "Warning") ||
      name_is (name, "except_orm"))
    return RD_ERROR_BUSINESS;
  if (name_is (name, "TooManyRequests"))
    return RD_ERROR_LIMIT;
  return RD_ERROR_SERVER;
}

char *
rd_odoo_error_clean_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;
  const char *p;
  guint n = 0;

  if (text == NULL || *text == '\0')
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (p = valid; *p != '\0' && n < MAX_MESSAGE_CHARS; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        c = ' ';
      g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  g_strstrip (out->str);
  out->len = strlen (out->str);
  if (out->len == 0)
    return g_string_free (out, TRUE), NULL;
  return g_string_free (out, FALSE);
}

static const char *
prefix_for (RdErrorCode code)
{
  switch (code)
    {
    case RD_ERROR_AUTH:      return "Odoo rejected the login or API key (wrong, expired or revoked)";
    case RD_ERROR_ACCESS:    return "Odoo denied access to this operation";
    case RD_ERROR_NOT_FOUND: return "The Odoo record or endpoint does not exist";
    case RD_ERROR_BUSINESS:  return "Odoo refused the operation";
    case RD_ERROR_LIMIT:     return "Odoo is rate-limiting requests";
    case RD_ERROR_PROTOCOL:  return "Odoo sent an unexpected reply";
    case RD_ERROR_SERVER:
    default:                 return "Odoo reported a server error";
    }
}

static GError *
make_error (RdErrorCode code, const char *name, const char *message)
{
  g_autofree char *clean_msg = rd_odoo_error_clean_text (message);
  g_autofree char *clean_name = rd_odoo_error_clean_text (name);

  if (clean_msg != NULL && clean_name != NULL && code == RD_ERROR_SERVER)
    return g_error_new (RD_ERROR, code, "%s: %s (%s)", prefix_for (code), clean_msg, clean_name);
  if (clean_msg != NULL)
    return g_error_new (RD_ERROR, code, "%s: %s", prefix_for (code), clean_msg);
  if (clean_name != NULL)
    return g_error_new (RD_ERROR, code, "%s (%s)", prefix_for (code), clean_name);
  return g_error_new_literal (RD_ERROR, code, prefix_for (code));
}

GError *
rd_odoo_error_from_object (JsonObject *error_object, guint http_status)
{
  JsonObject *data = NULL;
  JsonNode *data_node;
  const char *name = NULL;
  const char *message = NULL;
  RdErrorCode code;

  if (error_object == NULL)
    return rd_odoo_error_from_status (http_status, NULL);

  /* JSON-RPC: {code, message, data: {name, message, …}}; JSON-2: {name, message, …} */
  data_node = json_object_get_member (error_object, "data");
  if (data_node != NULL && JSON_NODE_HOLDS_OBJECT (data_node))
    data = json_node_get_object (data_node);
  if (data != NULL)
    {
      name = rd_odoo_json_get_string (data, "name", NULL);
      message = rd_odoo_json_get_string (data, "message", NULL);
    }
  if (name == NULL)
    name = rd_odoo_json_get_string (error_object, "name", NULL);
  if (message == NULL)
    message = rd_odoo_json_get_string (error_object, "message", NULL);

  if (name != NULL)
    {
      code = rd_odoo_error_code_for_name (name);
      /* JSON-2 "bad arguments" is our bug or a version mismatch, not a business refusal. */
      if (code == RD_ERROR_SERVER && http_status == 422 && name_is (name, "UnprocessableEntity"))
        code = RD_ERROR_PROTOCOL;
      return make_error (code, name, message);
    }
  if (http_status != 200)
    {
      g_autoptr(GError) by_status = rd_odoo_error_from_status (http_status, NULL);
      return make_error ((RdErrorCode) by_status->code, NULL, message);
    }
  return make_error (RD_ERROR_SERVER, NULL, message);
}

GError *
rd_odoo_error_from_status (guint status, const char *reason)
{
  RdErrorCode code;
  g_autofree char *clean = rd_odoo_error_clean_text (reason);

  if (status == 401)
    code = RD_ERROR_AUTH;
  else if (status == 403)
    code = RD_ERROR_ACCESS;
  else if (status == 404)
    code = RD_ERROR_NOT_FOUND;
  else if (status == 429)
    code = RD_ERROR_LIMIT;
  else if (status >= 500 && status < 600)
    code = RD_ERROR_SERVER;
  else
    code = RD_ERROR_PROTOCOL;
  if (clean != NULL)
    return g_error_new (RD_ERROR, code, "%s (HTTP %u %s)", prefix_for (code), status, clean);
  return g_error_new (RD_ERROR, code, "%s (HTTP %u)", prefix_for (code), status);
}

GError *
rd_odoo_error_from_transport (const GError *error)
{
  g_autofree char *msg = rd_odoo_error_clean_text (error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (error->domain == RD_ERROR)
    return g_error_copy (error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (RD_ERROR, RD_ERROR_TIMEOUT, "Odoo did not answer in time: %s", msg);
  if (error->domain == G_TLS_ERROR)
    return g_error_new (RD_ERROR, RD_ERROR_TLS, "Odoo's TLS certificate was refused: %s", msg);
  if (error->domain == SOUP_SESSION_ERROR &&
      (error->code == SOUP_SESSION_ERROR_PARSING || error->code == SOUP_SESSION_ERROR_ENCODING ||
       error->code == SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS ||
       error->code == SOUP_SESSION_ERROR_REDIRECT_BAD_URI))
    return g_error_new (RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent an unreadable HTTP reply: %s", msg);
  return g_error_new (RD_ERROR, RD_ERROR_NETWORK, "Could not reach Odoo: %s", msg);
}

#define MAX_JSON_DEPTH 64

static JsonNode *
parse_json (const char *body, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (body == NULL || len == 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent an empty reply");
      return NULL;
    }
  if (len > G_MAXSSIZE || !g_utf8_validate_len (body, len, NULL))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a reply that is not valid UTF-8 JSON");
      return NULL;
    }
  if (!rd_json_depth_ok (body, len, MAX_JSON_DEPTH))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent JSON nested too deeply");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, body, (gssize) len, &local))
    {
      g_autofree char *msg = rd_odoo_error_clean_text (local->message);
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent malformed JSON: %s", msg ? msg : "?");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent an empty JSON document");
      return NULL;
    }
  return json_node_ref (root);
}

JsonNode *
rd_odoo_reply_parse_jsonrpc (const char *body, gsize len, guint http_status, GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *obj;
  JsonNode *member;

  if (http_status != 200)
    {
      /* Some proxies answer JSON-RPC errors with a JSON body; use it when it parses. */
      root = parse_json (body, len, NULL);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        {
          member = json_object_get_member (json_node_get_object (root), "error");
          if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
            {
              g_propagate_error (error, rd_odoo_error_from_object (json_node_get_object (member), http_status));
              return NULL;
            }
        }
      g_propagate_error (error, rd_odoo_error_from_status (http_status, NULL));
      return NULL;
    }

  root = parse_json (body, len, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                           "Odoo sent a JSON-RPC reply that is not an object");
      return NULL;
    }
  obj = json_node_get_object (root);
  member = json_object_get_member (obj, "error");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                               "Odoo sent a JSON-RPC error that is not an object");
          return NULL;
        }
      g_propagate_error (error, rd_odoo_error_from_object (json_node_get_object (member), 200));
      return NULL;
    }
  member = json_object_get_member (obj, "result");
  if (member == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                           "Odoo sent a JSON-RPC reply without result or error");
      return NULL;
    }
  return json_node_copy (member);
}

JsonNode *
rd_odoo_reply_parse_json2 (const char *body, gsize len, guint http_status, GError **error)
{
  g_autoptr(JsonNode) root = NULL;

  if (http_status >= 200 && http_status < 300)
    return parse_json (body, len, error);

  root = parse_json (body, len, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    g_propagate_error (error, rd_odoo_error_from_object (json_node_get_object (root), http_status));
  else
    g_propagate_error (error, rd_odoo_error_from_status (http_status, NULL));
  return NULL;
}
