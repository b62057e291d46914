#include "config.h"

#include "agent/rd-agent-hub-frame.h"

#include "core/rd-error.h"
#include "core/rd-text.h"
#include "core/rd-json.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define MAX_DEPTH 16

void
rd_agent_hub_frame_free (RdAgentHubFrame *frame)
{
  if (frame == NULL)
    return;
  g_clear_error (&frame->malformed);
  g_clear_error (&frame->error);
  g_free (frame->extension);
  g_free (frame->user_name);
  if (frame->token != NULL)
    {
      memset (frame->token, 0, strlen (frame->token));
      g_free (frame->token);
    }
  g_free (frame->pbx_status);
  g_free (frame->crm_status);
  g_free (frame->status_message);
  rd_agent_call_free (frame->call);
  g_free (frame->call_id);
  g_free (frame->reason);
  g_free (frame->outcome);
  rd_agent_match_free (frame->match);
  g_clear_pointer (&frame->recent, g_ptr_array_unref);
  g_clear_pointer (&frame->live_calls, g_ptr_array_unref);
  g_free (frame);
}

/* ---- typed field access: absent/null → default, wrong type → error ------ */

static gboolean
bad_field (GError **error, const char *name)
{
  if (error != NULL && *error == NULL)
    g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Field “%s” is missing or has the wrong type", name);
  return FALSE;
}

static gboolean
opt_string (JsonObject *object, const char *name, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  g_clear_pointer (out, g_free);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad_field (error, name);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* Text for people: names, companies, numbers as shown, messages. They come from the CRM and the
 * PBX, typed by anyone: no control characters or bidirectional overrides reach the desktop.
 * (Identifiers — call ids, tokens, kinds — are kept byte for byte.) */
static gboolean
opt_text (JsonObject *object, const char *name, char **out, GError **error)
{
  char *raw;

  if (!opt_string (object, name, out, error))
    return FALSE;
  raw = *out;
  *out = rd_text_clean (raw);
  g_free (raw);
  return TRUE;
}

static gboolean
req_text (JsonObject *object, const char *name, char **out, GError **error)
{
  if (!opt_text (object, name, out, error))
    return FALSE;
  if (*out == NULL)
    return bad_field (error, name);
  return TRUE;
}

static gboolean
req_string (JsonObject *object, const char *name, char **out, GError **error)
{
  if (!opt_string (object, name, out, error))
    return FALSE;
  if (*out == NULL)
    return bad_field (error, name);
  return TRUE;
}

static gboolean
opt_int (JsonObject *object, const char *name, gint64 min, gint64 max, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return bad_field (error, name);
  value = json_node_get_int (node);
  if (value < min || value > max)
    return bad_field (error, name);
  *out = value;
  return TRUE;
}

static gboolean
opt_uint (JsonObject *object, const char *name, guint *out, GError **error)
{
  gint64 value = *out;

  if (!opt_int (object, name, 0, G_MAXUINT, &value, error))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

/* Object member: absent/null → *out NULL; not an object → error. */
static gboolean
opt_object (JsonObject *object, const char *name, JsonObject **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad_field (error, name);
  *out = json_node_get_object (node);
  return TRUE;
}

/* ---- nested objects ------------------------------------------------------ */

static gboolean
parse_match (JsonObject *parent, const char *name, RdAgentMatch **out, GError **error)
{
  g_autoptr(RdAgentMatch) match = NULL;
  JsonObject *object;

  *out = NULL;
  if (!opt_object (parent, name, &object, error))
    return FALSE;
  if (object == NULL)
    return TRUE;

  match = g_new0 (RdAgentMatch, 1);
  if (!req_string (object, "kind", &match->kind, error) ||
      !opt_int (object, "id", G_MININT64, G_MAXINT64, &match->id, error) ||
      !req_text (object, "name", &match->name, error) ||
      !opt_text (object, "company", &match->company, error) ||
      !opt_text (object, "url", &match->url, error) ||
      !opt_text (object, "owner", &match->owner, error))
    return FALSE;
  *out = g_steal_pointer (&match);
  return TRUE;
}

static gboolean
parse_error_object (JsonObject *parent, GError **out, GError **error)
{
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  JsonObject *object;
  RdErrorCode value = RD_ERROR_FAILED;

  if (!opt_object (parent, "error", &object, error))
    return FALSE;
  if (object == NULL)
    return bad_field (error, "error");
  if (!opt_string (object, "code", &code, error) || !opt_text (object, "message", &message, error))
    return FALSE;
  for (int i = RD_ERROR_FAILED; i <= RD_ERROR_DISABLED; i++)
    if (g_strcmp0 (code, rd_error_code_to_string ((RdErrorCode) i)) == 0)
      value = (RdErrorCode) i;
  g_clear_error (out);
  g_set_error_literal (out, RD_ERROR, value,
                       message != NULL && *message != '\0' ? message : "The hub refused the request");
  return TRUE;
}

static gboolean
parse_status (JsonObject *object, RdAgentHubFrame *frame, GError **error)
{
  frame->has_status = TRUE;
  return opt_string (object, "pbx", &frame->pbx_status, error) &&
         opt_string (object, "crm", &frame->crm_status, error) &&
         opt_text (object, "message", &frame->status_message, error);
}

static gboolean
parse_call (JsonObject *root, RdAgentHubFrame *frame, GError **error)
{
  g_autoptr(RdAgentCall) call = g_new0 (RdAgentCall, 1);
  g_autofree char *lookup = NULL;
  JsonObject *number;

  if (!req_string (root, "event", &call->event, error) ||
      !req_string (root, "call_id", &call->call_id, error) ||
      !opt_string (root, "direction", &call->direction, error) ||
      !opt_object (root, "number", &number, error) ||
      !opt_string (root, "did", &call->did, error) ||
      !parse_match (root, "match", &call->match, error) ||
      !opt_string (root, "lookup", &lookup, error) ||
      !opt_int (root, "at", 0, G_MAXINT64, &call->at_ms, error))
    return FALSE;
  if (number != NULL &&
      (!opt_string (number, "raw", &call->number_raw, error) ||
       !opt_string (number, "e164", &call->number_e164, error) ||
       !opt_text (number, "display", &call->number_display, error) ||
       !opt_string (number, "kind", &call->number_kind, error)))
    return FALSE;

  if (call->direction == NULL)
    call->direction = g_strdup ("inbound");
  if (call->number_raw == NULL)
    call->number_raw = g_strdup ("");
  if (call->number_display == NULL || *call->number_display == '\0')
    {
      g_free (call->number_display);
      call->number_display = g_strdup (call->number_e164 != NULL ? call->number_e164 : call->number_raw);
    }
  if (call->number_kind == NULL)
    call->number_kind = g_strdup (*call->number_raw == '\0' ? "withheld" : "invalid");
  call->lookup_pending = g_strcmp0 (lookup, "pending") == 0;
  frame->call = g_steal_pointer (&call);
  return TRUE;
}

/* welcome "calls": an array of call frames (absent: the hub does not say) */
static gboolean
parse_live_calls (JsonObject *root, RdAgentHubFrame *frame, GError **error)
{
  JsonNode *node = json_object_get_member (root, "calls");
  JsonArray *calls;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad_field (error, "calls");
  calls = json_node_get_array (node);
  frame->live_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_call_free);
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonNode *element = json_array_get_element (calls, i);
      g_autoptr(RdAgentHubFrame) one = g_new0 (RdAgentHubFrame, 1);

      if (!JSON_NODE_HOLDS_OBJECT (element) || !parse_call (json_node_get_object (element), one, error))
        return bad_field (error, "calls");   /* keeps the element's own error when it has one */
      g_ptr_array_add (frame->live_calls, g_steal_pointer (&one->call));
    }
  return TRUE;
}

static gboolean
parse_recent (JsonObject *root, RdAgentHubFrame *frame, GError **error)
{
  JsonNode *node = json_object_get_member (root, "calls");
  JsonArray *calls;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return bad_field (error, "calls");
  calls = json_node_get_array (node);
  frame->recent = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_recent_call_free);
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonNode *element = json_array_get_element (calls, i);
      g_autoptr(RdAgentRecentCall) call = g_new0 (RdAgentRecentCall, 1);
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return bad_field (error, "calls");
      object = json_node_get_object (element);
      if (!opt_string (object, "call_id", &call->call_id, error) ||
          !req_string (object, "direction", &call->direction, error) ||
          !opt_text (object, "number", &call->number, error) ||
          !opt_text (object, "name", &call->name, error) ||
          !parse_match (object, "match", &call->match, error) ||
          !opt_int (object, "start", G_MININT64, G_MAXINT64, &call->start, error) ||
          !opt_uint (object, "ring", &call->ring, error) ||
          !opt_uint (object, "talk", &call->talk, error) ||
          !opt_string (object, "outcome", &call->outcome, error))
        return FALSE;
      if (call->number == NULL)
        call->number = g_strdup ("");
      if (call->outcome == NULL)
        call->outcome = g_strdup ("unknown");
      g_ptr_array_add (frame->recent, g_steal_pointer (&call));
    }
  return TRUE;
}

/* {ok:true, …} or {ok:false, error:{…}} */
static gboolean
parse_ok (JsonObject *root, RdAgentHubFrame *frame, GError **error)
{
  JsonNode *ok = json_object_get_member (root, "ok");

  if (ok == NULL || !JSON_NODE_HOLDS_VALUE (ok) || json_node_get_value_type (ok) != G_TYPE_BOOLEAN)
    return bad_field (error, "ok");
  if (!json_node_get_boolean (ok))
    return parse_error_object (root, &frame->error, error);
  return TRUE;
}

static gboolean
parse_body (JsonObject *root, RdAgentHubFrame *frame, GError **error)
{
  JsonObject *object;
  gint64 value;

  switch (frame->type)
    {
    case RD_AGENT_HUB_FRAME_WELCOME:
      if (!req_string (root, "extension", &frame->extension, error) ||
          !opt_object (root, "user", &object, error))
        return FALSE;
      if (object != NULL &&
          (!opt_int (object, "id", G_MININT64, G_MAXINT64, &frame->user_id, error) ||
           !opt_text (object, "name", &frame->user_name, error)))
        return FALSE;
      if (!opt_object (root, "session", &object, error))
        return FALSE;
      if (object != NULL &&
          (!opt_string (object, "token", &frame->token, error) ||
           !opt_int (object, "expires", 0, G_MAXINT64, &frame->token_expires, error)))
        return FALSE;
      if (!opt_object (root, "status", &object, error))
        return FALSE;
      if (object != NULL && !parse_status (object, frame, error))
        return FALSE;
      return parse_live_calls (root, frame, error);

    case RD_AGENT_HUB_FRAME_AUTH_FAILED:
      value = 0;
      if (!opt_int (root, "retry_after", 0, 24 * 60 * 60, &value, error))
        return FALSE;
      frame->retry_after = (guint) value;
      return parse_error_object (root, &frame->error, error);

    case RD_AGENT_HUB_FRAME_ERROR:
      return parse_error_object (root, &frame->error, error);

    case RD_AGENT_HUB_FRAME_STATUS:
      return parse_status (root, frame, error);

    case RD_AGENT_HUB_FRAME_CALL:
      return parse_call (root, frame, error);

    case RD_AGENT_HUB_FRAME_MATCH:
      return req_string (root, "call_id", &frame->call_id, error) &&
             parse_match (root, "match", &frame->match, error);

    case RD_AGENT_HUB_FRAME_DIAL_FAILED:
      return req_string (root, "call_id", &frame->call_id, error) &&
             opt_text (root, "reason", &frame->reason, error);

    case RD_AGENT_HUB_FRAME_CALL_LOGGED:
      return req_string (root, "call_id", &frame->call_id, error) &&
             opt_string (root, "outcome", &frame->outcome, error) &&
             opt_uint (root, "duration", &frame->duration, error);

    case RD_AGENT_HUB_FRAME_DIAL_RESULT:
      if (!parse_ok (root, frame, error))
        return FALSE;
      if (frame->error == NULL && !req_string (root, "call_id", &frame->call_id, error))
        return FALSE;
      return TRUE;

    case RD_AGENT_HUB_FRAME_CREATE_RESULT:
      if (!parse_ok (root, frame, error))
        return FALSE;
      if (frame->error == NULL &&
          (!parse_match (root, "match", &frame->match, error) || frame->match == NULL))
        return bad_field (error, "match");
      return TRUE;

    case RD_AGENT_HUB_FRAME_LOOKUP_RESULT:
      return parse_match (root, "match", &frame->match, error);

    case RD_AGENT_HUB_FRAME_RECENT_RESULT:
      return parse_recent (root, frame, error);

    case RD_AGENT_HUB_FRAME_PONG:
    case RD_AGENT_HUB_FRAME_UNKNOWN:
    default:
      return TRUE;
    }
}

static const struct {
  const char          *name;
  RdAgentHubFrameType  type;
} frame_types[] = {
  { "welcome", RD_AGENT_HUB_FRAME_WELCOME },
  { "auth-failed", RD_AGENT_HUB_FRAME_AUTH_FAILED },
  { "status", RD_AGENT_HUB_FRAME_STATUS },
  { "call", RD_AGENT_HUB_FRAME_CALL },
  { "match", RD_AGENT_HUB_FRAME_MATCH },
  { "dial-failed", RD_AGENT_HUB_FRAME_DIAL_FAILED },
  { "call-logged", RD_AGENT_HUB_FRAME_CALL_LOGGED },
  { "pong", RD_AGENT_HUB_FRAME_PONG },
  { "error", RD_AGENT_HUB_FRAME_ERROR },
  { "dial-result", RD_AGENT_HUB_FRAME_DIAL_RESULT },
  { "recent-result", RD_AGENT_HUB_FRAME_RECENT_RESULT },
  { "lookup-result", RD_AGENT_HUB_FRAME_LOOKUP_RESULT },
  { "create-result", RD_AGENT_HUB_FRAME_CREATE_RESULT },
};

RdAgentHubFrame *
rd_agent_hub_frame_parse (const char *data, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  RdAgentHubFrame *frame;
  JsonObject *root;
  JsonNode *node;
  g_autofree char *type = NULL;

  if (length > RD_AGENT_MAX_HUB_FRAME || !g_utf8_validate_len (data, length, NULL) ||
      !rd_json_depth_ok (data, length, MAX_DEPTH))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "The hub sent a frame that is not JSON text");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "The hub sent malformed JSON: %s", local_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      !req_string (json_node_get_object (node), "type", &type, NULL))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "The hub sent a frame without a type");
      return NULL;
    }
  root = json_node_get_object (node);

  frame = g_new0 (RdAgentHubFrame, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (frame_types); i++)
    if (g_str_equal (type, frame_types[i].name))
      frame->type = frame_types[i].type;
  if (opt_int (root, "id", 1, G_MAXINT64, &frame->id, &frame->malformed))
    parse_body (root, frame, &frame->malformed);
  return frame;
}
