/* rd-yeastar-json.c — defensive JSON accessors. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-json.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "core/rd-error.h"
#include "core/rd-json.h"

JsonObject *
rd_yeastar_json_parse_object (const char *data, gssize len, GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (data == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "empty JSON text");
      return NULL;
    }
  if (len < 0)
    len = strlen (data);
  if (!g_utf8_validate (data, len, NULL))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "JSON text is not valid UTF-8");
      return NULL;
    }
  /* json-glib recurses; refuse absurd nesting before it does. */
  if (!rd_json_depth_ok (data, (gsize) len, RD_YEASTAR_JSON_MAX_DEPTH))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "JSON text is nested too deeply");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &local))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "invalid JSON: %s", local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "JSON text is not an object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static JsonNode *
member (JsonObject *obj, const char *name)
{
  if (obj == NULL || !json_object_has_member (obj, name))
    return NULL;
  return json_object_get_member (obj, name);
}

const char *
rd_yeastar_json_get_string (JsonObject *obj, const char *name)
{
  JsonNode *node = member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

char *
rd_yeastar_json_dup_text (JsonObject *obj, const char *name)
{
  const char *s = rd_yeastar_json_get_string (obj, name);
  g_autofree char *copy = NULL;

  if (s == NULL)
    {
      gint64 n;

      /* numbers sent as JSON ints (e.g. "number": 2001) are still text to us */
      if (rd_yeastar_json_get_int (obj, name, &n))
        return g_strdup_printf ("%" G_GINT64_FORMAT, n);
      return NULL;
    }
  copy = g_strstrip (g_strdup (s));
  if (*copy == '\0')
    return NULL;
  return g_steal_pointer (&copy);
}

char *
rd_yeastar_json_dup_field (JsonObject *obj, const char *name, gsize max_chars)
{
  g_autofree char *text = rd_yeastar_json_dup_text (obj, name);

  return text ? rd_yeastar_json_clean_text (text, max_chars) : NULL;
}

gboolean
rd_yeastar_json_get_int (JsonObject *obj, const char *name, gint64 *out)
{
  JsonNode *node = member (obj, name);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (d != d || d < (double) G_MININT64 || d > (double) G_MAXINT64)
        return FALSE;
      *out = (gint64) d;
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);
      char *end = NULL;
      gint64 v;

      while (*s == ' ')
        s++;
      if (*s == '\0')
        return FALSE;
      errno = 0;
      v = g_ascii_strtoll (s, &end, 10);
      if (errno != 0 || end == s)
        return FALSE;
      while (*end == ' ')
        end++;
      if (*end != '\0')
        return FALSE;
      *out = v;
      return TRUE;
    }
  return FALSE;
}

JsonObject *
rd_yeastar_json_get_object (JsonObject *obj, const char *name)
{
  JsonNode *node = member (obj, name);

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
rd_yeastar_json_get_array (JsonObject *obj, const char *name)
{
  JsonNode *node = member (obj, name);

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

char *
rd_yeastar_json_clean_text (const char *text, gsize max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  const char *p;
  gsize n = 0;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (p = valid; *p && n < max_chars; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}
