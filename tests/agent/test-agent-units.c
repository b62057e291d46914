/* Unit tests of the agent protocol's pure parts: frame builders, the hub's request
 * parser, the client's frame parser, the sign-in rate limit and the token store. */
#include "config.h"

#include "agent/rd-agent-hub-frame.h"
#include "core/rd-error.h"
#include "hub/rd-desk-frames.h"
#include "hub/rd-desk-ratelimit.h"
#include "hub/rd-desk-request.h"
#include "hub/rd-desk-tokens.h"

#include <string.h>

static JsonObject *
reparse (JsonObject *frame)
{
  g_autofree char *text = rd_desk_frame_to_text (frame, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_utf8_validate (text, -1, NULL));
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Builds a frame with the hub's builders and parses it with the client's parser. */
static RdAgentHubFrame *
round_trip (JsonObject *frame)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  RdAgentHubFrame *parsed;

  text = rd_desk_frame_to_text (frame, &length);
  parsed = rd_agent_hub_frame_parse (text, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  g_assert_no_error (parsed->malformed);
  return parsed;
}

static RdPhoneNumber
external_number (void)
{
  RdPhoneNumber number = {
    .kind = RD_NUMBER_EXTERNAL,
    .raw = (char *) "008613800138000",
    .digits = (char *) "008613800138000",
    .e164 = (char *) "+8613800138000",
    .nsn = (char *) "13800138000",
    .region = (char *) "CN",
    .country_code = 86,
    .national = (char *) "138 0013 8000",
    .international = (char *) "+86 138 0013 8000",
  };
  return number;
}

/* ---- builders ------------------------------------------------------------ */

static void
test_frame_call (void)
{
  g_autoptr(RdCallEvent) event = rd_call_event_new ();
  RdPhoneNumber number = external_number ();
  g_autoptr(JsonObject) match = json_object_new ();
  g_autoptr(JsonObject) frame = NULL;
  g_autoptr(JsonObject) parsed = NULL;
  g_autoptr(RdAgentHubFrame) hub = NULL;
  JsonObject *num;

  event->call_id = g_strdup ("1650012665.266");
  event->extension = g_strdup ("2001");
  event->direction = RD_DIRECTION_INBOUND;
  event->state = RD_CALL_STATE_RINGING;
  event->remote_number = g_strdup ("008613800138000");
  event->did = g_strdup ("4000123456");
  event->call_path = g_strdup ("queue:6400");
  event->timestamp_us = 1700000000999999;
  json_object_set_string_member (match, "kind", "individual");
  json_object_set_int_member (match, "id", 42);
  json_object_set_string_member (match, "name", "Jane Doe");

  frame = rd_desk_frame_call (event, &number, match, FALSE);
  /* the match was copied, not shared */
  json_object_set_string_member (match, "name", "Changed");
  parsed = reparse (frame);
  g_assert_cmpstr (json_object_get_string_member (parsed, "type"), ==, "call");
  g_assert_cmpstr (json_object_get_string_member (parsed, "event"), ==, "ringing");
  g_assert_cmpstr (json_object_get_string_member (parsed, "direction"), ==, "inbound");
  g_assert_cmpstr (json_object_get_string_member (parsed, "call_path"), ==, "queue:6400");
  g_assert_cmpstr (json_object_get_string_member (parsed, "lookup"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (parsed, "at"), ==, 1700000000999);
  g_assert_false (json_object_has_member (parsed, "extension"));
  num = json_object_get_object_member (parsed, "number");
  g_assert_cmpstr (json_object_get_string_member (num, "raw"), ==, "008613800138000");
  g_assert_cmpstr (json_object_get_string_member (num, "e164"), ==, "+8613800138000");
  g_assert_cmpstr (json_object_get_string_member (num, "display"), ==, "+86 138 0013 8000");
  g_assert_cmpstr (json_object_get_string_member (num, "kind"), ==, "external");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (parsed, "match"), "name"),
                   ==, "Jane Doe");

  hub = round_trip (frame);
  g_assert_cmpint (hub->type, ==, RD_AGENT_HUB_FRAME_CALL);
  g_assert_cmpstr (hub->call->call_id, ==, "1650012665.266");
  g_assert_cmpstr (hub->call->number_e164, ==, "+8613800138000");
  g_assert_cmpstr (hub->call->number_display, ==, "+86 138 0013 8000");
  g_assert_cmpstr (hub->call->did, ==, "4000123456");
  g_assert_cmpstr (hub->call->match->name, ==, "Jane Doe");
  g_assert_cmpint (hub->call->match->id, ==, 42);
  g_assert_false (hub->call->lookup_pending);
  g_assert_cmpint (hub->call->at_ms, ==, 1700000000999);
}

static void
test_frame_numbers (void)
{
  RdPhoneNumber internal = { .kind = RD_NUMBER_INTERNAL, .raw = (char *) " 2001", .digits = (char *) "2001" };
  RdPhoneNumber withheld = { .kind = RD_NUMBER_WITHHELD, .raw = (char *) "anonymous" };
  g_autoptr(JsonObject) a = rd_desk_number_to_json (" 2001", &internal);
  g_autoptr(JsonObject) b = rd_desk_number_to_json ("anonymous", &withheld);
  g_autoptr(JsonObject) c = rd_desk_number_to_json ("12ab", NULL);
  g_autoptr(JsonObject) d = rd_desk_number_to_json (NULL, NULL);

  g_assert_cmpstr (json_object_get_string_member (a, "display"), ==, "2001");
  g_assert_cmpstr (json_object_get_string_member (a, "kind"), ==, "internal");
  g_assert_true (json_object_get_null_member (a, "e164"));
  g_assert_cmpstr (json_object_get_string_member (b, "kind"), ==, "withheld");
  g_assert_cmpstr (json_object_get_string_member (b, "display"), ==, "anonymous");
  g_assert_cmpstr (json_object_get_string_member (c, "kind"), ==, "invalid");
  g_assert_cmpstr (json_object_get_string_member (c, "display"), ==, "12ab");
  g_assert_cmpstr (json_object_get_string_member (d, "kind"), ==, "withheld");
  g_assert_cmpstr (json_object_get_string_member (d, "display"), ==, "");
}

static void
test_frame_match_and_recent (void)
{
  RdCrmMatch match = {
    .kind = RD_CRM_KIND_LEAD, .id = 7, .name = (char *) "Li Lei", .company = NULL,
    .owner_name = (char *) "Alice Zhang", .url = (char *) "https://crm.example.com/odoo/crm/7",
  };
  g_autoptr(JsonObject) m = rd_desk_match_to_json (&match);
  g_autoptr(RdCallRecord) record = rd_call_record_new ();
  RdPhoneNumber remote = external_number ();
  g_autoptr(JsonObject) recent = NULL;
  g_autoptr(JsonObject) unmatched = NULL;

  g_assert_cmpstr (json_object_get_string_member (m, "kind"), ==, "lead");
  g_assert_cmpint (json_object_get_int_member (m, "id"), ==, 7);
  g_assert_true (json_object_get_null_member (m, "company"));
  g_assert_cmpstr (json_object_get_string_member (m, "owner"), ==, "Alice Zhang");
  g_assert_cmpstr (json_object_get_string_member (m, "url"), ==, "https://crm.example.com/odoo/crm/7");

  record->call_id = g_strdup ("c1");
  record->direction = RD_DIRECTION_OUTBOUND;
  record->from_number = g_strdup ("2001");
  record->to_number = g_strdup ("13800138000");
  record->start_unix = 1700000000;
  record->ring_seconds = 4;
  record->talk_seconds = 61;
  record->outcome = RD_OUTCOME_NO_ANSWER;
  recent = rd_desk_recent_call_to_json (record, &remote, m);
  g_assert_cmpstr (json_object_get_string_member (recent, "number"), ==, "+86 138 0013 8000");
  g_assert_cmpstr (json_object_get_string_member (recent, "name"), ==, "Li Lei");
  g_assert_cmpstr (json_object_get_string_member (recent, "outcome"), ==, "no-answer");
  g_assert_cmpint (json_object_get_int_member (recent, "talk"), ==, 61);

  /* without a parsed number: the other party's raw number, from the agent's side */
  unmatched = rd_desk_recent_call_to_json (record, NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (unmatched, "number"), ==, "13800138000");
  g_assert_true (json_object_get_null_member (unmatched, "name"));
  g_assert_true (json_object_get_null_member (unmatched, "match"));
  record->direction = RD_DIRECTION_INBOUND;
  g_clear_pointer (&unmatched, json_object_unref);
  unmatched = rd_desk_recent_call_to_json (record, NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (unmatched, "number"), ==, "2001");
}

static void
test_frame_small (void)
{
  g_autoptr(JsonObject) logged = rd_desk_frame_call_logged ("c1", RD_OUTCOME_BUSY, 0);
  g_autoptr(JsonObject) failed = rd_desk_frame_dial_failed ("c2", "Number unreachable");
  g_autoptr(JsonObject) late = rd_desk_frame_match ("c3", NULL);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(GError) error = g_error_new_literal (RD_ERROR, RD_ERROR_ACCESS, "Not yours");
  g_autoptr(JsonNode) id = json_node_init_int (json_node_alloc (), 12);
  g_autoptr(JsonObject) err = rd_desk_frame_error (id, error);
  g_autoptr(JsonObject) denied = rd_desk_frame_auth_failed (error, 8);
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(RdAgentHubFrame) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL, p5 = NULL, p6 = NULL, p7 = NULL;

  p1 = round_trip (logged);
  g_assert_cmpint (p1->type, ==, RD_AGENT_HUB_FRAME_CALL_LOGGED);
  g_assert_cmpstr (p1->call_id, ==, "c1");
  g_assert_cmpstr (p1->outcome, ==, "busy");

  p2 = round_trip (failed);
  g_assert_cmpint (p2->type, ==, RD_AGENT_HUB_FRAME_DIAL_FAILED);
  g_assert_cmpstr (p2->reason, ==, "Number unreachable");

  p3 = round_trip (late);
  g_assert_cmpint (p3->type, ==, RD_AGENT_HUB_FRAME_MATCH);
  g_assert_null (p3->match);

  json_object_set_string_member (fields, "hub", "ok");
  json_object_set_string_member (fields, "pbx", "failed");
  json_object_set_string_member (fields, "crm", "disabled");
  json_object_set_string_member (fields, "message", "PBX password changed");
  status = rd_desk_frame_status (fields);
  g_assert_false (json_object_has_member (fields, "type"));   /* not modified */
  p4 = round_trip (status);
  g_assert_cmpint (p4->type, ==, RD_AGENT_HUB_FRAME_STATUS);
  g_assert_cmpstr (p4->pbx_status, ==, "failed");
  g_assert_cmpstr (p4->crm_status, ==, "disabled");
  g_assert_cmpstr (p4->status_message, ==, "PBX password changed");

  p5 = round_trip (err);
  g_assert_cmpint (p5->type, ==, RD_AGENT_HUB_FRAME_ERROR);
  g_assert_cmpint (p5->id, ==, 12);
  g_assert_error (p5->error, RD_ERROR, RD_ERROR_ACCESS);
  g_assert_cmpstr (p5->error->message, ==, "Not yours");

  p6 = round_trip (denied);
  g_assert_cmpint (p6->type, ==, RD_AGENT_HUB_FRAME_AUTH_FAILED);
  g_assert_cmpuint (p6->retry_after, ==, 8);
  g_assert_error (p6->error, RD_ERROR, RD_ERROR_ACCESS);

  welcome = rd_desk_frame_welcome ("2001", 7, "Alice Zhang", "abcd", 1767225600, status);
  p7 = round_trip (welcome);
  g_assert_cmpint (p7->type, ==, RD_AGENT_HUB_FRAME_WELCOME);
  g_assert_cmpstr (p7->extension, ==, "2001");
  g_assert_cmpint (p7->user_id, ==, 7);
  g_assert_cmpstr (p7->user_name, ==, "Alice Zhang");
  g_assert_cmpstr (p7->token, ==, "abcd");
  g_assert_cmpint (p7->token_expires, ==, 1767225600);
  g_assert_true (p7->has_status);
  g_assert_cmpstr (p7->pbx_status, ==, "failed");
}

static void
test_frame_invalid_utf8 (void)
{
  g_autoptr(JsonObject) frame = rd_desk_frame_dial_failed ("c\xff\xfe", "bad \xc3(");
  g_autoptr(RdAgentHubFrame) parsed = round_trip (frame);

  g_assert_true (g_utf8_validate (parsed->call_id, -1, NULL));
  g_assert_true (g_str_has_prefix (parsed->call_id, "c"));
  g_assert_true (g_utf8_validate (parsed->reason, -1, NULL));
}

/* ---- the hub's request parser -------------------------------------------- */

static void
test_request_parse (void)
{
  static const struct {
    const char        *text;
    gboolean           parsed;      /* a request object comes back */
    RdDeskRequestType type;
    gboolean           valid;
  } cases[] = {
    { "", FALSE, 0, FALSE },
    { "null", FALSE, 0, FALSE },
    { "{\"type\":null}", FALSE, 0, FALSE },
    { "{\"type\":\"ping\"}", TRUE, RD_DESK_REQUEST_PING, TRUE },
    { "{\"type\":\"ping\",\"id\":1.5}", TRUE, RD_DESK_REQUEST_PING, FALSE },
    { "{\"type\":\"something-new\",\"whatever\":[1]}", TRUE, RD_DESK_REQUEST_UNKNOWN, TRUE },
    { "{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2001\",\"key\":\"k\"}}",
      TRUE, RD_DESK_REQUEST_HELLO, TRUE },
    { "{\"type\":\"hello\",\"v\":2,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2001\",\"key\":\"k\"}}",
      TRUE, RD_DESK_REQUEST_HELLO, FALSE },
    { "{\"type\":\"hello\",\"auth\":{\"method\":\"agent-key\",\"extension\":\"2001\"}}", TRUE, RD_DESK_REQUEST_HELLO, FALSE },
    { "{\"type\":\"hello\",\"auth\":{\"method\":\"crm-key\",\"login\":\"a@b\",\"key\":\"k\"}}", TRUE, RD_DESK_REQUEST_HELLO, TRUE },
    { "{\"type\":\"hello\",\"auth\":{\"method\":\"session\",\"token\":\"t\"}}", TRUE, RD_DESK_REQUEST_HELLO, TRUE },
    { "{\"type\":\"hello\",\"auth\":\"session\"}", TRUE, RD_DESK_REQUEST_HELLO, FALSE },
    { "{\"type\":\"dial\",\"id\":\"a\",\"number\":\"tel:+1\"}", TRUE, RD_DESK_REQUEST_DIAL, TRUE },
    { "{\"type\":\"dial\",\"id\":\"a\",\"number\":null}", TRUE, RD_DESK_REQUEST_DIAL, FALSE },
    { "{\"type\":\"recent\"}", TRUE, RD_DESK_REQUEST_RECENT, TRUE },
    { "{\"type\":\"recent\",\"limit\":0}", TRUE, RD_DESK_REQUEST_RECENT, FALSE },
    { "{\"type\":\"recent\",\"query\":5}", TRUE, RD_DESK_REQUEST_RECENT, FALSE },
    { "{\"type\":\"create-record\",\"number\":\"1\",\"kind\":\"individual\",\"name\":\"N\"}",
      TRUE, RD_DESK_REQUEST_CREATE_RECORD, TRUE },
    { "{\"type\":\"create-record\",\"number\":\"1\"}", TRUE, RD_DESK_REQUEST_CREATE_RECORD, FALSE },
    { "{\"type\":\"lookup\",\"number\":\"1\",\"extension\":[]}", TRUE, RD_DESK_REQUEST_LOOKUP, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RdDeskRequest) request = rd_desk_request_parse (cases[i].text, strlen (cases[i].text), &error);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
      if (!cases[i].parsed)
        {
          g_assert_null (request);
          g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
          continue;
        }
      g_assert_no_error (error);
      g_assert_nonnull (request);
      g_assert_cmpint (request->type, ==, cases[i].type);
      if (cases[i].valid)
        g_assert_no_error (request->error);
      else
        g_assert_error (request->error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    }
}

static void
test_request_fields (void)
{
  const char *text = "{\"type\":\"recent\",\"id\":\"q1\",\"limit\":1000,\"query\":\"Acme\",\"extension\":\"2001\"}";
  g_autoptr(RdDeskRequest) recent = rd_desk_request_parse (text, strlen (text), NULL);
  const char *hello = "{\"type\":\"hello\",\"auth\":{\"method\":\"crm-key\",\"login\":\"a@b.c\",\"key\":\"s3cret\"}}";
  g_autoptr(RdDeskRequest) h = rd_desk_request_parse (hello, strlen (hello), NULL);
  g_autoptr(GString) long_number = g_string_new ("{\"type\":\"dial\",\"number\":\"");
  g_autoptr(RdDeskRequest) too_long = NULL;

  g_assert_cmpuint (recent->limit, ==, RD_DESK_MAX_RECENT);
  g_assert_cmpstr (recent->query, ==, "Acme");
  g_assert_cmpstr (recent->extension, ==, "2001");
  g_assert_cmpstr (json_node_get_string (recent->id), ==, "q1");
  g_assert_cmpstr (h->method, ==, "crm-key");
  g_assert_cmpstr (h->who, ==, "a@b.c");
  g_assert_cmpstr (h->secret, ==, "s3cret");

  for (int i = 0; i < RD_PHONE_MAX_INPUT + 1; i++)
    g_string_append_c (long_number, '1');
  g_string_append (long_number, "\"}");
  too_long = rd_desk_request_parse (long_number->str, long_number->len, NULL);
  g_assert_error (too_long->error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

static char *
nested_frame (const char *type, guint extra_depth)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "{\"type\":\"%s\",\"x\":", type);
  for (guint i = 0; i < extra_depth; i++)
    g_string_append_c (s, '[');
  g_string_append (s, "\"[[[[\\\"{{{{\"");   /* brackets in a string, after an escaped quote */
  for (guint i = 0; i < extra_depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_json_depth (void)
{
  /* Both parsers refuse nesting deeper than 16 before json-glib sees it
   * (rd_json_depth_ok itself is tested in the core suite). */
  g_autofree char *hub_ok = nested_frame ("status", 15);
  g_autofree char *hub_deep = nested_frame ("status", 16);
  g_autofree char *client_ok = nested_frame ("ended", 15);
  g_autofree char *client_deep = nested_frame ("ended", 16);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdDeskRequest) request = NULL;
  g_autoptr(RdAgentHubFrame) frame = NULL;

  request = rd_desk_request_parse (hub_deep, strlen (hub_deep), &error);
  g_assert_null (request);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "deeply"));
  g_clear_error (&error);
  request = rd_desk_request_parse (hub_ok, strlen (hub_ok), &error);
  g_assert_true (request != NULL || strstr (error->message, "deeply") == NULL);
  g_clear_error (&error);

  frame = rd_agent_hub_frame_parse (client_deep, strlen (client_deep), &error);
  g_assert_null (frame);
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "not JSON text"));
  g_clear_error (&error);
  frame = rd_agent_hub_frame_parse (client_ok, strlen (client_ok), &error);
  g_assert_true (frame != NULL || strstr (error->message, "not JSON text") == NULL);
  g_clear_error (&error);

  g_assert_false (rd_desk_request_parse ("\xff{}", 3, NULL) != NULL);
}

/* ---- the client's frame parser -------------------------------------------- */

static void
test_hub_frame_parse (void)
{
  static const struct {
    const char          *text;
    gboolean             parsed;
    RdAgentHubFrameType  type;
    gboolean             malformed;
  } cases[] = {
    { "nope", FALSE, 0, FALSE },
    { "[]", FALSE, 0, FALSE },
    { "{\"id\":1}", FALSE, 0, FALSE },
    { "{\"type\":\"brand-new\"}", TRUE, RD_AGENT_HUB_FRAME_UNKNOWN, FALSE },
    { "{\"type\":\"call\"}", TRUE, RD_AGENT_HUB_FRAME_CALL, TRUE },
    { "{\"type\":\"call\",\"event\":\"ringing\",\"call_id\":\"c\"}", TRUE, RD_AGENT_HUB_FRAME_CALL, FALSE },
    { "{\"type\":\"call\",\"event\":\"ringing\",\"call_id\":\"c\",\"number\":\"123\"}", TRUE, RD_AGENT_HUB_FRAME_CALL, TRUE },
    { "{\"type\":\"call\",\"event\":\"ringing\",\"call_id\":\"c\",\"match\":{\"kind\":\"lead\"}}",
      TRUE, RD_AGENT_HUB_FRAME_CALL, TRUE },
    { "{\"type\":\"call\",\"event\":\"ringing\",\"call_id\":\"c\",\"at\":\"now\"}", TRUE, RD_AGENT_HUB_FRAME_CALL, TRUE },
    { "{\"type\":\"welcome\"}", TRUE, RD_AGENT_HUB_FRAME_WELCOME, TRUE },
    { "{\"type\":\"welcome\",\"extension\":\"2001\",\"user\":[]}", TRUE, RD_AGENT_HUB_FRAME_WELCOME, TRUE },
    { "{\"type\":\"auth-failed\"}", TRUE, RD_AGENT_HUB_FRAME_AUTH_FAILED, TRUE },
    { "{\"type\":\"auth-failed\",\"error\":{\"code\":\"auth\"},\"retry_after\":-4}", TRUE, RD_AGENT_HUB_FRAME_AUTH_FAILED, TRUE },
    { "{\"type\":\"dial-result\",\"id\":3,\"ok\":true}", TRUE, RD_AGENT_HUB_FRAME_DIAL_RESULT, TRUE },
    { "{\"type\":\"dial-result\",\"id\":3,\"ok\":\"yes\",\"call_id\":\"c\"}", TRUE, RD_AGENT_HUB_FRAME_DIAL_RESULT, TRUE },
    { "{\"type\":\"dial-result\",\"id\":-3,\"ok\":true,\"call_id\":\"c\"}", TRUE, RD_AGENT_HUB_FRAME_DIAL_RESULT, TRUE },
    { "{\"type\":\"recent-result\",\"id\":3,\"calls\":[1]}", TRUE, RD_AGENT_HUB_FRAME_RECENT_RESULT, TRUE },
    { "{\"type\":\"recent-result\",\"id\":3,\"calls\":[{\"direction\":\"inbound\",\"talk\":-1}]}",
      TRUE, RD_AGENT_HUB_FRAME_RECENT_RESULT, TRUE },
    { "{\"type\":\"create-result\",\"id\":3,\"ok\":true,\"match\":null}", TRUE, RD_AGENT_HUB_FRAME_CREATE_RESULT, TRUE },
    { "{\"type\":\"status\",\"pbx\":7}", TRUE, RD_AGENT_HUB_FRAME_STATUS, TRUE },
    { "{\"type\":\"pong\",\"id\":4}", TRUE, RD_AGENT_HUB_FRAME_PONG, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RdAgentHubFrame) frame = rd_agent_hub_frame_parse (cases[i].text, strlen (cases[i].text), &error);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
      if (!cases[i].parsed)
        {
          g_assert_null (frame);
          g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
          continue;
        }
      g_assert_nonnull (frame);
      g_assert_cmpint (frame->type, ==, cases[i].type);
      if (cases[i].malformed)
        g_assert_error (frame->malformed, RD_ERROR, RD_ERROR_PROTOCOL);
      else
        g_assert_no_error (frame->malformed);
    }
}

static void
test_hub_frame_defaults (void)
{
  const char *text = "{\"type\":\"call\",\"event\":\"ringing\",\"call_id\":\"c\",\"number\":{\"raw\":\"\"}}";
  g_autoptr(RdAgentHubFrame) frame = rd_agent_hub_frame_parse (text, strlen (text), NULL);
  const char *bad_code = "{\"type\":\"error\",\"id\":2,\"error\":{\"code\":\"made-up\",\"message\":\"m\"}}";
  g_autoptr(RdAgentHubFrame) err = rd_agent_hub_frame_parse (bad_code, strlen (bad_code), NULL);

  g_assert_nonnull (frame->call->number_display);
  g_assert_cmpstr (frame->call->number_kind, ==, "withheld");
  g_assert_null (frame->call->match);
  g_assert_error (err->error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_cmpint (err->id, ==, 2);
}

/* ---- rate limit ------------------------------------------------------------ */

#define S(x) ((gint64) (x) * G_USEC_PER_SEC)

static void
test_ratelimit_delays (void)
{
  static const guint expected[] = { 0, 1, 2, 4, 8, 16, 32, 60, 60, 60 };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpuint (rd_desk_ratelimit_delay (i), ==, expected[i]);
  g_assert_cmpuint (rd_desk_ratelimit_delay (G_MAXUINT), ==, 60);
}

#define BEGIN(rl, peer, who, now, retry) rd_desk_ratelimit_begin (rl, peer, who, FALSE, now, retry)
#define END(rl, peer, who, attempt, now) rd_desk_ratelimit_end (rl, peer, who, FALSE, attempt, now)

static void
test_ratelimit_policy (void)
{
  g_autoptr(RdDeskRatelimit) rl = rd_desk_ratelimit_new ();
  gint64 now = S (1000);
  guint retry = 99;

  /* successes leave no trace */
  g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
  g_assert_cmpuint (retry, ==, 0);
  g_assert_cmpuint (END (rl, "10.0.0.1", "agent-key:2001", RD_DESK_ATTEMPT_OK, now), ==, 0);
  g_assert_cmpuint (rd_desk_ratelimit_count_peers (rl), ==, 0);

  /* failures of one identity at one address: 1, 2, 4 … and locked in between */
  for (guint n = 1; n <= 9; n++)
    {
      guint delay = rd_desk_ratelimit_delay (n);

      g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
      g_assert_cmpuint (END (rl, "10.0.0.1", "agent-key:2001", RD_DESK_ATTEMPT_FAILED, now), ==, delay);
      g_assert_false (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
      g_assert_cmpuint (retry, ==, delay);
      g_assert_false (BEGIN (rl, "10.0.0.1", "agent-key:2001", now + S (delay) - 1, &retry));
      g_assert_cmpuint (retry, ==, 1);
      now += S (delay);
    }
  /* other addresses are not affected, and neither is another identity at the same address */
  g_assert_true (BEGIN (rl, "10.0.0.2", "agent-key:2001", now, &retry));
  g_assert_cmpuint (END (rl, "10.0.0.2", "agent-key:2001", RD_DESK_ATTEMPT_NEUTRAL, now), ==, 0);
  g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2002", now, &retry));
  g_assert_cmpuint (END (rl, "10.0.0.1", "agent-key:2002", RD_DESK_ATTEMPT_OK, now), ==, 0);

  /* a failing identity gets one check at a time */
  g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
  g_assert_false (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
  g_assert_cmpuint (retry, >=, 1);
  /* a neutral outcome (CRM down) does not count */
  g_assert_cmpuint (END (rl, "10.0.0.1", "agent-key:2001", RD_DESK_ATTEMPT_NEUTRAL, now), ==, 0);
  /* success clears the identity at the address */
  g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
  END (rl, "10.0.0.1", "agent-key:2001", RD_DESK_ATTEMPT_OK, now);
  g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
  g_assert_cmpuint (END (rl, "10.0.0.1", "agent-key:2001", RD_DESK_ATTEMPT_FAILED, now), ==, 1);

  /* failures are forgotten after a quiet period */
  now += S (RD_DESK_RATELIMIT_FORGET + 1);
  g_assert_true (BEGIN (rl, "10.0.0.1", "agent-key:2001", now, &retry));
  g_assert_cmpuint (END (rl, "10.0.0.1", "agent-key:2001", RD_DESK_ATTEMPT_FAILED, now), ==, 1);
}

/* Spraying many identities from one address slows the address down, past its free failures;
 * they wear off one a minute. */
static void
test_ratelimit_address (void)
{
  g_autoptr(RdDeskRatelimit) rl = rd_desk_ratelimit_new ();
  gint64 now = S (5000);
  guint retry = 0;

  for (guint i = 0; i < RD_DESK_RATELIMIT_ADDRESS_FREE; i++)
    {
      g_autofree char *who = g_strdup_printf ("crm-key:user%u", i);

      g_assert_true (BEGIN (rl, "192.0.2.1", who, now, &retry));
      END (rl, "192.0.2.1", who, RD_DESK_ATTEMPT_FAILED, now);
    }
  /* still free: a colleague behind the same NAT signs in */
  g_assert_true (BEGIN (rl, "192.0.2.1", "crm-key:alice", now, &retry));
  END (rl, "192.0.2.1", "crm-key:alice", RD_DESK_ATTEMPT_OK, now);
  /* one more failure and the address waits, whoever it tries */
  g_assert_true (BEGIN (rl, "192.0.2.1", "crm-key:mallory", now, &retry));
  g_assert_cmpuint (END (rl, "192.0.2.1", "crm-key:mallory", RD_DESK_ATTEMPT_FAILED, now), >=, 1);
  g_assert_false (BEGIN (rl, "192.0.2.1", "crm-key:alice", now, &retry));
  g_assert_cmpuint (retry, >=, 1);
  /* … until failures wear off */
  now += S (2 * RD_DESK_RATELIMIT_ADDRESS_DECAY);
  g_assert_true (BEGIN (rl, "192.0.2.1", "crm-key:alice", now, &retry));
  END (rl, "192.0.2.1", "crm-key:alice", RD_DESK_ATTEMPT_OK, now);
}

/* Checks that ask the CRM share a hub-wide budget of failures, whatever the addresses. */
static void
test_ratelimit_remote_budget (void)
{
  g_autoptr(RdDeskRatelimit) rl = rd_desk_ratelimit_new ();
  gint64 now = S (9000);
  guint retry = 0;

  for (guint i = 0; i < RD_DESK_RATELIMIT_REMOTE_BUDGET; i++)
    {
      g_autofree char *peer = g_strdup_printf ("198.51.100.%u", i + 1);

      g_assert_true (rd_desk_ratelimit_begin (rl, peer, "crm-key:admin", TRUE, now, &retry));
      rd_desk_ratelimit_end (rl, peer, "crm-key:admin", TRUE, RD_DESK_ATTEMPT_FAILED, now);
    }
  g_assert_false (rd_desk_ratelimit_begin (rl, "203.0.113.9", "crm-key:bob", TRUE, now, &retry));
  g_assert_cmpuint (retry, ==, RD_DESK_RATELIMIT_REMOTE_WINDOW);
  /* agent keys are checked locally: not affected */
  g_assert_true (rd_desk_ratelimit_begin (rl, "203.0.113.9", "agent-key:2001", FALSE, now, &retry));
  rd_desk_ratelimit_end (rl, "203.0.113.9", "agent-key:2001", FALSE, RD_DESK_ATTEMPT_OK, now);
  /* running checks count too; successes free the budget at once */
  now += S (RD_DESK_RATELIMIT_REMOTE_WINDOW);
  for (guint i = 0; i < RD_DESK_RATELIMIT_REMOTE_BUDGET; i++)
    g_assert_true (rd_desk_ratelimit_begin (rl, "203.0.113.9", "crm-key:bob", TRUE, now, &retry));
  g_assert_false (rd_desk_ratelimit_begin (rl, "203.0.113.10", "crm-key:carol", TRUE, now, &retry));
  rd_desk_ratelimit_end (rl, "203.0.113.9", "crm-key:bob", TRUE, RD_DESK_ATTEMPT_OK, now);
  g_assert_true (rd_desk_ratelimit_begin (rl, "203.0.113.10", "crm-key:carol", TRUE, now, &retry));
  rd_desk_ratelimit_end (rl, "203.0.113.10", "crm-key:carol", TRUE, RD_DESK_ATTEMPT_OK, now);
}

static void
test_ratelimit_inflight_cap (void)
{
  g_autoptr(RdDeskRatelimit) rl = rd_desk_ratelimit_new ();
  guint retry;

  for (guint i = 0; i < RD_DESK_RATELIMIT_MAX_INFLIGHT; i++)
    {
      g_autofree char *who = g_strdup_printf ("agent-key:%u", 2000 + i);

      g_assert_true (BEGIN (rl, "::1", who, 0, &retry));
    }
  g_assert_false (BEGIN (rl, "::1", "agent-key:3000", 0, &retry));
  g_assert_cmpuint (retry, ==, 1);
  END (rl, "::1", "agent-key:2000", RD_DESK_ATTEMPT_OK, 0);
  g_assert_true (BEGIN (rl, "::1", "agent-key:3000", 0, &retry));
}

static void
test_ratelimit_peer_key (void)
{
  static const struct { const char *address; const char *key; } cases[] = {
    { "192.0.2.7", "192.0.2.7" },
    { "::ffff:192.0.2.7", "192.0.2.7" },
    { "::1", "::1" },
    { "2001:db8:1:2:3:4:5:6", "2001:0db8:0001:0002::/64" },
    { "2001:db8:1:2:ffff::9", "2001:0db8:0001:0002::/64" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (cases[i].address);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 443);
      g_autofree char *key = rd_desk_ratelimit_peer_key (address);

      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

/* ---- tokens ---------------------------------------------------------------- */

static void
test_tokens (void)
{
  g_autoptr(RdDeskTokens) tokens = rd_desk_tokens_new (NULL, NULL);
  RdDeskIdentity alice = { .extension = (char *) "2002", .user_id = 7, .user_name = (char *) "Alice" };
  RdDeskIdentity bob = { .extension = (char *) "2003" };
  g_autoptr(GError) error = NULL;
  g_autofree char *t1 = rd_desk_tokens_issue (tokens, &alice, 2000, 1000, &error);
  g_autofree char *t2 = rd_desk_tokens_issue (tokens, &alice, 2000, 1000, NULL);
  g_autofree char *t3 = rd_desk_tokens_issue (tokens, &bob, 1500, 1000, NULL);
  g_autofree char *upper = NULL;
  g_autoptr(RdDeskIdentity) taken = NULL;
  g_autoptr(RdDeskIdentity) expired = NULL;
  gint64 expires = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (t1), ==, RD_DESK_TOKEN_LENGTH);
  g_assert_cmpstr (t1, !=, t2);
  g_assert_cmpuint (rd_desk_tokens_count (tokens, 1000), ==, 3);

  /* malformed tokens are refused before any lookup */
  g_assert_null (rd_desk_tokens_take (tokens, "", 1000, NULL));
  g_assert_null (rd_desk_tokens_take (tokens, NULL, 1000, NULL));
  upper = g_ascii_strup (t1, -1);
  g_assert_null (rd_desk_tokens_take (tokens, upper, 1000, NULL));

  taken = rd_desk_tokens_take (tokens, t1, 1999, &expires);
  g_assert_nonnull (taken);
  g_assert_cmpstr (taken->extension, ==, "2002");
  g_assert_cmpint (taken->user_id, ==, 7);
  g_assert_cmpint (expires, ==, 2000);
  g_assert_null (rd_desk_tokens_take (tokens, t1, 1999, NULL));   /* single use */

  expired = rd_desk_tokens_take (tokens, t3, 1500, NULL);
  g_assert_null (expired);
  g_assert_cmpuint (rd_desk_tokens_count (tokens, 1000), ==, 1);

  g_assert_cmpuint (rd_desk_tokens_revoke (tokens, "2002", 0), ==, 1);
  g_assert_null (rd_desk_tokens_take (tokens, t2, 1000, NULL));

  /* Revoking one agent key's tokens leaves the extension's others. */
  {
    RdDeskIdentity by_key = { .extension = (char *) "2004", .key_id = 12 };
    RdDeskIdentity by_crm = { .extension = (char *) "2004", .user_id = 9 };
    g_autofree char *t4 = rd_desk_tokens_issue (tokens, &by_key, 2000, 1000, NULL);
    g_autofree char *t5 = rd_desk_tokens_issue (tokens, &by_crm, 2000, 1000, NULL);
    g_autoptr(RdDeskIdentity) back = NULL;

    g_assert_cmpuint (rd_desk_tokens_revoke (tokens, "2004", 12), ==, 1);
    g_assert_null (rd_desk_tokens_take (tokens, t4, 1000, NULL));
    back = rd_desk_tokens_take (tokens, t5, 1000, NULL);
    g_assert_nonnull (back);
    g_assert_cmpint (back->user_id, ==, 9);
    g_assert_cmpint (back->key_id, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent/frames/call", test_frame_call);
  g_test_add_func ("/agent/frames/numbers", test_frame_numbers);
  g_test_add_func ("/agent/frames/match-and-recent", test_frame_match_and_recent);
  g_test_add_func ("/agent/frames/small", test_frame_small);
  g_test_add_func ("/agent/frames/invalid-utf8", test_frame_invalid_utf8);
  g_test_add_func ("/agent/request/parse", test_request_parse);
  g_test_add_func ("/agent/request/fields", test_request_fields);
  g_test_add_func ("/agent/request/json-depth", test_json_depth);
  g_test_add_func ("/agent/hub-frame/parse", test_hub_frame_parse);
  g_test_add_func ("/agent/hub-frame/defaults", test_hub_frame_defaults);
  g_test_add_func ("/agent/ratelimit/delays", test_ratelimit_delays);
  g_test_add_func ("/agent/ratelimit/policy", test_ratelimit_policy);
  g_test_add_func ("/agent/ratelimit/address", test_ratelimit_address);
  g_test_add_func ("/agent/ratelimit/remote-budget", test_ratelimit_remote_budget);
  g_test_add_func ("/agent/ratelimit/inflight-cap", test_ratelimit_inflight_cap);
  g_test_add_func ("/agent/ratelimit/peer-key", test_ratelimit_peer_key);
  g_test_add_func ("/agent/tokens", test_tokens);

  return g_test_run ();
}
