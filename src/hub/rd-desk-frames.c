#include "config.h"

#include "hub/rd-desk-frames.h"

#include "core/rd-error.h"

/* Strings that reach a frame come from the PBX, the CRM or a client: they are
 * made valid UTF-8 so that the frame is always valid text. */
static void
set_string (JsonObject *object, const char *name, const char *value)
{
  if (value == NULL)
    json_object_set_null_member (object, name);
  else if (g_utf8_validate (value, -1, NULL))
    json_object_set_string_member (object, name, value);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);
      json_object_set_string_member (object, name, valid);
    }
}

static JsonNode *
node_deep_copy (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonNode *result = json_node_new (JSON_NODE_OBJECT);

        json_node_take_object (result, rd_desk_json_object_copy (json_node_get_object (node)));
        return result;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (node);
        JsonArray *dst = json_array_sized_new (json_array_get_length (src));
        JsonNode *result;

        for (guint i = 0; i < json_array_get_length (src); i++)
          json_array_add_element (dst, node_deep_copy (json_array_get_element (src, i)));
        result = json_node_init_array (json_node_alloc (), dst);
        json_array_unref (dst);
        return result;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

JsonObject *
rd_desk_json_object_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (copy, name, node_deep_copy (member));
  return copy;
}

static void
set_object_copy (JsonObject *object, const char *name, JsonObject *value)
{
  if (value == NULL)
    json_object_set_null_member (object, name);
  else
    json_object_set_object_member (object, name, rd_desk_json_object_copy (value));
}

static JsonObject *
frame_new (const char *type)
{
  JsonObject *frame = json_object_new ();

  json_object_set_string_member (frame, "type", type);
  return frame;
}

static const char *
first_non_empty (const char *a, const char *b, const char *c)
{
  if (a != NULL && *a != '\0')
    return a;
  if (b != NULL && *b != '\0')
    return b;
  return c;
}

/* The best text to show for a number: international format for public
 * numbers, the digits for extensions, the input otherwise. */
static const char *
number_display (const char *raw, const RdPhoneNumber *number)
{
  const char *fallback = raw != NULL ? raw : "";

  if (number == NULL)
    return fallback;
  switch (number->kind)
    {
    case RD_NUMBER_EXTERNAL:
      return first_non_empty (number->international, number->e164,
                              first_non_empty (number->digits, number->raw, fallback));
    case RD_NUMBER_INTERNAL:
      return first_non_empty (number->digits, number->raw, fallback);
    case RD_NUMBER_WITHHELD:
    case RD_NUMBER_INVALID:
    default:
      return first_non_empty (number->raw, raw, "");
    }
}

JsonObject *
rd_desk_number_to_json (const char *raw, const RdPhoneNumber *number)
{
  JsonObject *object = json_object_new ();
  const char *kind;

  if (number != NULL)
    kind = rd_number_kind_to_string (number->kind);
  else
    kind = (raw == NULL || *raw == '\0') ? "withheld" : "invalid";

  set_string (object, "raw", raw != NULL ? raw : (number != NULL ? number->raw : ""));
  set_string (object, "e164", (number != NULL && number->kind == RD_NUMBER_EXTERNAL) ? number->e164 : NULL);
  set_string (object, "display", number_display (raw, number));
  json_object_set_string_member (object, "kind", kind);
  return object;
}

JsonObject *
rd_desk_match_to_json (const RdCrmMatch *match)
{
  JsonObject *object;

  g_return_val_if_fail (match != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "kind", rd_crm_kind_to_string (match->kind));
  json_object_set_int_member (object, "id", match->id);
  set_string (object, "name", match->name != NULL ? match->name : "");
  set_string (object, "company", match->company);
  set_string (object, "url", match->url);
  set_string (object, "owner", match->owner_name);
  return object;
}

JsonObject *
rd_desk_frame_call (const RdCallEvent *event, const RdPhoneNumber *number,
                     JsonObject *match, gboolean lookup_pending)
{
  JsonObject *frame;

  g_return_val_if_fail (event != NULL, NULL);

  frame = frame_new ("call");
  json_object_set_string_member (frame, "event", rd_call_state_to_string (event->state));
  set_string (frame, "call_id", event->call_id != NULL ? event->call_id : "");
  json_object_set_string_member (frame, "direction", rd_direction_to_string (event->direction));
  json_object_set_object_member (frame, "number", rd_desk_number_to_json (event->remote_number, number));
  set_string (frame, "did", event->did);
  set_string (frame, "call_path", event->call_path);
  set_object_copy (frame, "match", match);
  json_object_set_string_member (frame, "lookup", lookup_pending ? "pending" : "done");
  json_object_set_int_member (frame, "at", event->timestamp_us / 1000);
  return frame;
}

JsonObject *
rd_desk_frame_match (const char *call_id, JsonObject *match)
{
  JsonObject *frame = frame_new ("match");

  set_string (frame, "call_id", call_id != NULL ? call_id : "");
  set_object_copy (frame, "match", match);
  json_object_set_string_member (frame, "lookup", "done");
  return frame;
}

JsonObject *
rd_desk_frame_dial_failed (const char *call_id, const char *reason)
{
  JsonObject *frame = frame_new ("dial-failed");

  set_string (frame, "call_id", call_id != NULL ? call_id : "");
  set_string (frame, "reason", reason != NULL ? reason : "");
  return frame;
}

JsonObject *
rd_desk_frame_call_logged (const char *call_id, RdOutcome outcome, guint duration)
{
  JsonObject *frame = frame_new ("call-logged");

  set_string (frame, "call_id", call_id != NULL ? call_id : "");
  json_object_set_string_member (frame, "outcome", rd_outcome_to_string (outcome));
  json_object_set_int_member (frame, "duration", duration);
  return frame;
}

JsonObject *
rd_desk_frame_status (JsonObject *status_fields)
{
  JsonObject *frame = status_fields != NULL ? rd_desk_json_object_copy (status_fields) : json_object_new ();

  json_object_set_string_member (frame, "type", "status");
  return frame;
}

static const char *
recent_remote_number (const RdCallRecord *record)
{
  /* The other party, seen from the agent's extension. */
  if (record->direction == RD_DIRECTION_OUTBOUND)
    return record->to_number;
  if (record->direction == RD_DIRECTION_INTERNAL && record->extension != NULL &&
      g_strcmp0 (record->from_number, record->extension) == 0)
    return record->to_number;
  return record->from_number;
}

JsonObject *
rd_desk_recent_call_to_json (const RdCallRecord *record, const RdPhoneNumber *remote, JsonObject *match)
{
  JsonObject *object;
  const char *name = NULL;

  g_return_val_if_fail (record != NULL, NULL);

  if (match != NULL && json_object_has_member (match, "name") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (match, "name")))
    name = json_object_get_string_member (match, "name");

  object = json_object_new ();
  set_string (object, "call_id", record->call_id);
  json_object_set_string_member (object, "direction", rd_direction_to_string (record->direction));
  set_string (object, "number", number_display (recent_remote_number (record), remote));
  set_string (object, "name", name);
  set_object_copy (object, "match", match);
  json_object_set_int_member (object, "start", record->start_unix);
  json_object_set_int_member (object, "ring", record->ring_seconds);
  json_object_set_int_member (object, "talk", record->talk_seconds);
  json_object_set_string_member (object, "outcome", rd_outcome_to_string (record->outcome));
  return object;
}

JsonObject *
rd_desk_error_to_json (const GError *error)
{
  JsonObject *object = json_object_new ();
  const char *code = "failed";

  if (error != NULL && error->domain == RD_ERROR)
    code = rd_error_code_to_string ((RdErrorCode) error->code);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    code = "timeout";
  json_object_set_string_member (object, "code", code);
  set_string (object, "message", error != NULL ? error->message : "");
  return object;
}

JsonObject *
rd_desk_frame_welcome (const char *extension, gint64 user_id, const char *user_name,
                        const char *token, gint64 expires_unix, JsonObject *status_fields)
{
  JsonObject *frame = frame_new ("welcome");
  JsonObject *session = json_object_new ();
  JsonObject *status;

  json_object_set_int_member (frame, "v", 1);
  set_string (frame, "extension", extension);
  if (user_id != 0)
    {
      JsonObject *user = json_object_new ();

      json_object_set_int_member (user, "id", user_id);
      set_string (user, "name", user_name);
      json_object_set_object_member (frame, "user", user);
    }
  else
    json_object_set_null_member (frame, "user");

  set_string (session, "token", token);
  json_object_set_int_member (session, "expires", expires_unix);
  json_object_set_object_member (frame, "session", session);

  status = status_fields != NULL ? rd_desk_json_object_copy (status_fields) : json_object_new ();
  json_object_remove_member (status, "type");
  json_object_set_object_member (frame, "status", status);
  return frame;
}

JsonObject *
rd_desk_frame_auth_failed (const GError *error, guint retry_after)
{
  JsonObject *frame = frame_new ("auth-failed");

  json_object_set_object_member (frame, "error", rd_desk_error_to_json (error));
  json_object_set_int_member (frame, "retry_after", retry_after);
  return frame;
}

JsonObject *
rd_desk_frame_reply (const char *type, JsonNode *id)
{
  JsonObject *frame = frame_new (type);

  if (id != NULL)
    json_object_set_member (frame, "id", json_node_copy (id));
  return frame;
}

JsonObject *
rd_desk_frame_error (JsonNode *id, const GError *error)
{
  JsonObject *frame = rd_desk_frame_reply ("error", id);

  json_object_set_object_member (frame, "error", rd_desk_error_to_json (error));
  return frame;
}

char *
rd_desk_frame_to_text (JsonObject *frame, gsize *length)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), frame);
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, length);
}
