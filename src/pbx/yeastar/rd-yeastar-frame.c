/* rd-yeastar-frame.c — event WebSocket frame parsing. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-frame.h"

#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-json.h"

#define HEARTBEAT_REPLY "heartbeat response"

void
rd_yeastar_frame_clear (RdYeastarFrame *frame)
{
  g_clear_pointer (&frame->errmsg, g_free);
  g_clear_pointer (&frame->msg, json_object_unref);
  memset (frame, 0, sizeof *frame);
}

gboolean
rd_yeastar_frame_parse (const char *data, gsize len, RdYeastarFrame *frame, GError **error)
{
  g_autoptr(JsonObject) root = NULL;
  JsonNode *msg;
  gint64 n;

  memset (frame, 0, sizeof *frame);
  if (len > RD_YEASTAR_MAX_FRAME)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "event frame too large (%" G_GSIZE_FORMAT " bytes)", len);
      return FALSE;
    }
  /* tolerate surrounding whitespace / a trailing NUL around the literal */
  while (len > 0 && (data[len - 1] == '\0' || g_ascii_isspace (data[len - 1])))
    len--;
  while (len > 0 && g_ascii_isspace (*data))
    data++, len--;
  if (len == strlen (HEARTBEAT_REPLY) && memcmp (data, HEARTBEAT_REPLY, len) == 0)
    {
      frame->kind = RD_YEASTAR_FRAME_HEARTBEAT;
      return TRUE;
    }

  root = rd_yeastar_json_parse_object (data, len, error);
  if (root == NULL)
    return FALSE;

  if (!json_object_has_member (root, "type") && rd_yeastar_json_get_int (root, "errcode", &n))
    {
      frame->kind = RD_YEASTAR_FRAME_REPLY;
      frame->errcode = (int) CLAMP (n, G_MININT + 1, G_MAXINT);
      frame->errmsg = rd_yeastar_json_dup_text (root, "errmsg");
      return TRUE;
    }

  if (!rd_yeastar_json_get_int (root, "type", &n) || n <= 0 || n > G_MAXINT)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "event frame without a numeric \"type\"");
      return FALSE;
    }
  msg = json_object_has_member (root, "msg") ? json_object_get_member (root, "msg") : NULL;
  if (msg != NULL && JSON_NODE_HOLDS_OBJECT (msg))
    frame->msg = json_object_ref (json_node_get_object (msg));
  else if (msg != NULL && JSON_NODE_HOLDS_VALUE (msg) && json_node_get_value_type (msg) == G_TYPE_STRING)
    {
      g_autoptr(GError) local = NULL;

      frame->msg = rd_yeastar_json_parse_object (json_node_get_string (msg), -1, &local);
      if (frame->msg == NULL)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "event %d: msg is not a JSON object: %s",
                       (int) n, local->message);
          return FALSE;
        }
    }
  else
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "event %d without a msg object", (int) n);
      return FALSE;
    }
  frame->kind = RD_YEASTAR_FRAME_EVENT;
  frame->type = (int) n;
  return TRUE;
}
