/* test-pbx-parse.c — unit tests of the Yeastar backend's parsers: event frames,
 * the call tracker, CDRs, contacts and errcode classification. No network. */
#include "config.h"

#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-call-tracker.h"
#include "pbx/yeastar/rd-yeastar-cdr.h"
#include "pbx/yeastar/rd-yeastar-client.h"
#include "pbx/yeastar/rd-yeastar-directory.h"
#include "pbx/yeastar/rd-yeastar-frame.h"
#include "pbx/yeastar/rd-yeastar-json.h"

static JsonObject *
obj (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonObject *o = rd_yeastar_json_parse_object (json, -1, &error);

  g_assert_no_error (error);
  return o;
}

static void
test_frames (void)
{
  g_auto(RdYeastarFrame) f = { 0 };
  g_autoptr(GError) error = NULL;
  const char *s_msg = "{\"type\":30011,\"sn\":\"X\",\"msg\":\"{\\\"call_id\\\":\\\"1.2\\\",\\\"members\\\":[]}\"}";
  const char *o_msg = "{\"type\":\"30012\",\"msg\":{\"call_id\":\"1.3\"}}";
  g_autofree char *deep = NULL;
  const char *bad[] = { "", "heartbeat", "{\"type\":30011}", "{\"type\":30011,\"msg\":42}", "{\"type\":-5,\"msg\":{}}",
                        "{\"type\":30011,\"msg\":\"[1]\"}", "{\"msg\":{}}", "[]", "{\"type\":30011,\"msg\":{}", NULL };

  g_assert_true (rd_yeastar_frame_parse ("heartbeat response", 18, &f, &error));
  g_assert_cmpint (f.kind, ==, RD_YEASTAR_FRAME_HEARTBEAT);
  rd_yeastar_frame_clear (&f);

  g_assert_true (rd_yeastar_frame_parse ("{\"errcode\":0,\"errmsg\":\"SUCCESS\"}", 32, &f, &error));
  g_assert_cmpint (f.kind, ==, RD_YEASTAR_FRAME_REPLY);
  g_assert_cmpint (f.errcode, ==, 0);
  rd_yeastar_frame_clear (&f);

  g_assert_true (rd_yeastar_frame_parse (s_msg, strlen (s_msg), &f, &error));
  g_assert_cmpint (f.kind, ==, RD_YEASTAR_FRAME_EVENT);
  g_assert_cmpint (f.type, ==, 30011);
  g_assert_cmpstr (json_object_get_string_member (f.msg, "call_id"), ==, "1.2");
  rd_yeastar_frame_clear (&f);

  g_assert_true (rd_yeastar_frame_parse (o_msg, strlen (o_msg), &f, &error));
  g_assert_cmpint (f.type, ==, 30012);
  rd_yeastar_frame_clear (&f);

  for (guint i = 0; bad[i]; i++)
    {
      g_assert_false (rd_yeastar_frame_parse (bad[i], strlen (bad[i]), &f, &error));
      g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
      g_clear_error (&error);
      rd_yeastar_frame_clear (&f);
    }

  /* nesting bombs and oversized frames are refused before json-glib sees them */
  deep = g_strnfill (5000, '[');
  g_assert_false (rd_yeastar_frame_parse (deep, strlen (deep), &f, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (rd_yeastar_frame_parse (deep, RD_YEASTAR_MAX_FRAME + 1, &f, &error));
  g_assert_nonnull (strstr (error->message, "too large"));
}

/* ---- tracker ----------------------------------------------------------------------- */

typedef struct {
  RdYeastarCallTracker *tracker;
  GString              *log;
} Tracker;

static void
on_event (RdYeastarCallTracker *t, RdCallEvent *e, GString *log)
{
  g_string_append_printf (log, "%s:%s:%s:%s:%s;", e->extension, rd_call_state_to_string (e->state),
                          rd_direction_to_string (e->direction), e->remote_number ? e->remote_number : "-",
                          e->did ? e->did : "-");
}

static void
tracker_setup (Tracker *t, gconstpointer data)
{
  t->tracker = rd_yeastar_call_tracker_new ();
  t->log = g_string_new (NULL);
  g_signal_connect (t->tracker, "call-event", G_CALLBACK (on_event), t->log);
}

static void
tracker_teardown (Tracker *t, gconstpointer data)
{
  g_object_unref (t->tracker);
  g_string_free (t->log, TRUE);
}

static void
feed (Tracker *t, const char *json)
{
  g_autoptr(JsonObject) o = obj (json);
  g_autoptr(GError) error = NULL;

  g_assert_true (rd_yeastar_call_tracker_feed (t->tracker, o, &error));
  g_assert_no_error (error);
}

#define IN(status)  "{\"inbound\":{\"from\":\"5503301\",\"to\":\"6400\",\"trunk_name\":\"t\",\"channel_id\":\"c\",\"member_status\":\"" status "\",\"call_path\":\"\"}}"
#define EXT(n, status) "{\"extension\":{\"number\":\"" n "\",\"channel_id\":\"PJSIP/" n "\",\"member_status\":\"" status "\",\"call_path\":\" \"}}"
#define CALL1(a) "{\"call_id\":\"1650012665.266\",\"members\":[" a "]}"
#define CALL2(a, b) CALL1 (a "," b)
#define CALL3(a, b, c) CALL1 (a "," b "," c)

static void
test_tracker_inbound (Tracker *t, gconstpointer data)
{
  feed (t, CALL2 (IN ("ALERT"), EXT ("2002", "RING")));
  feed (t, CALL2 (IN ("ALERT"), EXT ("2002", "RING")));          /* the same list again */
  feed (t, CALL2 (IN ("ANSWERED"), EXT ("2002", "ANSWER")));
  feed (t, CALL2 (IN ("ANSWERED"), EXT ("2002", "HOLD")));
  feed (t, CALL2 (IN ("ANSWERED"), EXT ("2002", "ANSWER")));
  feed (t, CALL2 (IN ("BYE"), EXT ("2002", "BYE")));
  g_assert_cmpstr (t->log->str, ==,
                   "2002:ringing:inbound:5503301:6400;2002:answered:inbound:5503301:6400;"
                   "2002:held:inbound:5503301:6400;2002:answered:inbound:5503301:6400;"
                   "2002:ended:inbound:5503301:6400;");
  g_assert_cmpuint (rd_yeastar_call_tracker_count_calls (t->tracker), ==, 0);
}

static void
test_tracker_queue (Tracker *t, gconstpointer data)
{
  feed (t, CALL3 (IN ("ALERT"), EXT ("2001", "RING"), EXT ("2002", "RING")));
  feed (t, CALL2 (IN ("ANSWERED"), EXT ("2002", "ANSWER")));   /* 2001 lost the race and left */
  g_assert_cmpstr (t->log->str, ==,
                   "2001:ringing:inbound:5503301:6400;2002:ringing:inbound:5503301:6400;"
                   "2002:answered:inbound:5503301:6400;2001:ended:inbound:5503301:6400;");
  /* a transfer: a new extension in the same call id */
  g_string_truncate (t->log, 0);
  feed (t, CALL2 (IN ("ANSWERED"), EXT ("2003", "RING")));
  g_assert_cmpstr (t->log->str, ==, "2003:ringing:inbound:5503301:6400;2002:ended:inbound:5503301:6400;");
  /* a record for the call ends what is still open */
  g_string_truncate (t->log, 0);
  rd_yeastar_call_tracker_end_call (t->tracker, "1650012665.266", NULL);
  g_assert_cmpstr (t->log->str, ==, "2003:ended:inbound:5503301:6400;");
  g_assert_cmpuint (rd_yeastar_call_tracker_count_calls (t->tracker), ==, 0);
}

static void
test_tracker_internal_and_dial (Tracker *t, gconstpointer data)
{
  guint ticket;

  feed (t, CALL2 (EXT ("2001", "ALERT"), EXT ("2004", "RING")));
  feed (t, CALL2 (EXT ("2001", "ANSWERED"), EXT ("2004", "ANSWER")));
  g_assert_cmpstr (t->log->str, ==,
                   "2001:dialing:internal:2004:-;2004:ringing:internal:2001:-;"
                   "2001:answered:internal:2004:-;2004:answered:internal:2001:-;");

  /* call/dial: the caller's phone rings first — for the agent that is an outgoing call */
  g_string_truncate (t->log, 0);
  ticket = rd_yeastar_call_tracker_begin_dial (t->tracker, "2003", "+8613800138000");
  rd_yeastar_call_tracker_note_dial (t->tracker, ticket, "9.9", "2003", "+8613800138000");
  feed (t, "{\"call_id\":\"9.9\",\"members\":[" EXT ("2003", "RING") "]}");
  feed (t, "{\"call_id\":\"9.9\",\"members\":[" EXT ("2003", "ALERT")
           ",{\"outbound\":{\"from\":\"2003\",\"to\":\"+8613800138000\",\"member_status\":\"EARLYMEDIA\"}}]}");
  feed (t, "{\"call_id\":\"9.9\",\"members\":[" EXT ("2003", "ANSWERED")
           ",{\"outbound\":{\"from\":\"2003\",\"to\":\"+8613800138000\",\"member_status\":\"ANSWER\"}}]}");
  g_assert_cmpstr (t->log->str, ==,
                   "2003:dialing:outbound:+8613800138000:-;2003:answered:outbound:+8613800138000:-;");
}

/* The PBX shows the caller of a call/dial before its REST reply (RING or ALERT):
 * still the agent's outgoing call, with the number. */
static void
test_tracker_dial_event_first (Tracker *t, gconstpointer data)
{
  const char *status[] = { "RING", "ALERT" };

  for (guint i = 0; i < G_N_ELEMENTS (status); i++)
    {
      g_autofree char *first = NULL, *second = NULL;
      g_autofree char *call_id = g_strdup_printf ("9.%u", i);
      guint ticket;

      g_string_truncate (t->log, 0);
      ticket = rd_yeastar_call_tracker_begin_dial (t->tracker, "2003", "13800138000");
      first = g_strdup_printf ("{\"call_id\":\"%s\",\"members\":[" EXT ("2003", "%s") "]}", call_id, status[i]);
      feed (t, first);
      rd_yeastar_call_tracker_note_dial (t->tracker, ticket, call_id, "2003", "13800138000");
      second = g_strdup_printf ("{\"call_id\":\"%s\",\"members\":[" EXT ("2003", "ANSWERED")
                                ",{\"outbound\":{\"from\":\"2003\",\"to\":\"13800138000\","
                                "\"member_status\":\"ANSWER\"}}]}", call_id);
      feed (t, second);
      g_assert_cmpstr (t->log->str, ==, "2003:dialing:outbound:13800138000:-;2003:answered:outbound:13800138000:-;");
    }

  /* without a dial on its way a lone ringing extension stays what it is */
  g_string_truncate (t->log, 0);
  feed (t, "{\"call_id\":\"8.1\",\"members\":[" EXT ("2004", "RING") "]}");
  g_assert_cmpstr (t->log->str, ==, "2004:ringing:unknown:-:-;");

  /* a dial that failed claims nothing; one for another extension neither */
  g_string_truncate (t->log, 0);
  rd_yeastar_call_tracker_cancel_dial (t->tracker, rd_yeastar_call_tracker_begin_dial (t->tracker, "2001", "110"));
  rd_yeastar_call_tracker_begin_dial (t->tracker, "2002", "110");
  feed (t, "{\"call_id\":\"8.2\",\"members\":[" EXT ("2001", "RING") "]}");
  g_assert_cmpstr (t->log->str, ==, "2001:ringing:unknown:-:-;");
}

static void
test_tracker_malformed (Tracker *t, gconstpointer data)
{
  const char *bad[] = { "{}", "{\"call_id\":\"1\"}", "{\"members\":[]}", "{\"call_id\":{},\"members\":[]}",
                        "{\"call_id\":\"1\",\"members\":{}}", NULL };

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(JsonObject) o = obj (bad[i]);
      g_autoptr(GError) error = NULL;

      g_assert_false (rd_yeastar_call_tracker_feed (t->tracker, o, &error));
      g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
    }
  /* odd members are skipped, not fatal */
  feed (t, CALL1 ("1,{},{\"extension\":{}},{\"extension\":{\"number\":\"2001\",\"member_status\":\"WHATEVER\"}},"
                  "{\"alien\":{}}," EXT ("2002", "ring")));
  g_assert_cmpstr (t->log->str, ==, "2002:ringing:internal:2001:-;");
  g_assert_cmpuint (rd_yeastar_call_tracker_count_calls (t->tracker), ==, 1);
}

/* ---- CDR ---------------------------------------------------------------------------- */

static void
test_cdr_event (void)
{
  g_autoptr(GTimeZone) shanghai = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(JsonObject) o = obj ("{\"call_id\":\"1650012665.266\",\"time_start\":\"2022-04-15 16:51:05\","
                                 "\"call_from\":\"5503301\",\"call_to\":\"2002\",\"call_duration\":30,"
                                 "\"talk_duration\":\"22\",\"src_trunk_name\":\"peer\",\"dst_trunk_name\":\" \","
                                 "\"status\":\"ANSWERD\",\"type\":\"Inbound\",\"recording\":\" \","
                                 "\"did_number\":\"6400\",\"pin_code\":\" \"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCallRecord) r = rd_yeastar_cdr_from_event (o, shanghai, &error);
  g_autofree char *key = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (r->start_unix, ==, 1650012665);   /* 08:51:05 UTC */
  g_assert_cmpint (r->direction, ==, RD_DIRECTION_INBOUND);
  g_assert_cmpint (r->outcome, ==, RD_OUTCOME_ANSWERED);
  g_assert_cmpuint (r->total_seconds, ==, 30);
  g_assert_cmpuint (r->talk_seconds, ==, 22);
  g_assert_cmpuint (r->ring_seconds, ==, 8);
  g_assert_null (r->recording);
  g_assert_null (r->uid);
  g_assert_cmpstr (r->extension, ==, "2002");
  key = rd_call_record_key (r);
  g_assert_cmpstr (key, ==, "call:1650012665.266");
}

static void
test_cdr_variants (void)
{
  const struct { const char *json; RdOutcome outcome; RdDirection dir; } ok[] = {
    { "{\"uid\":\"u1\",\"time_start\":\"2024-01-01 00:00:00\",\"status\":\"NO ANSWER\",\"type\":\"internal\"}",
      RD_OUTCOME_NO_ANSWER, RD_DIRECTION_INTERNAL },
    { "{\"call_id\":\"1\",\"time_start\":\"2024/01/01 00:00\",\"status\":\"busy\",\"type\":\"OUTBOUND\"}",
      RD_OUTCOME_BUSY, RD_DIRECTION_OUTBOUND },
    { "{\"call_id\":\"1\",\"time_start\":\"2024-01-01T00:00:00\",\"status\":\"VOICEMAIL\",\"type\":\" \"}",
      RD_OUTCOME_VOICEMAIL, RD_DIRECTION_UNKNOWN },
    { "{\"call_id\":\"1\",\"time_start\":\"2024-01-01 00:00:00\",\"status\":\"SOMETHING\"}",
      RD_OUTCOME_UNKNOWN, RD_DIRECTION_UNKNOWN },
  };
  const char *bad[] = {
    "{\"time_start\":\"2024-01-01 00:00:00\"}", "{\"call_id\":\" \",\"time_start\":\"2024-01-01 00:00:00\"}",
    "{\"call_id\":\"1\",\"time_start\":\"01/01/2024 00:00:00\"}", "{\"call_id\":\"1\",\"time_start\":\"2024-13-01 00:00:00\"}",
    "{\"call_id\":\"1\"}", "{\"call_id\":\"1\",\"time_start\":\"2024-01-01 00:00:00 junk\"}", NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(JsonObject) o = obj (ok[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(RdCallRecord) r = rd_yeastar_cdr_from_event (o, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (r->outcome, ==, ok[i].outcome);
      g_assert_cmpint (r->direction, ==, ok[i].dir);
    }
  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(JsonObject) o = obj (bad[i]);
      g_autoptr(GError) error = NULL;

      g_assert_null (rd_yeastar_cdr_from_event (o, NULL, &error));
      g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
    }
  /* negative / absurd durations are clamped */
  {
    g_autoptr(JsonObject) o = obj ("{\"call_id\":\"1\",\"time_start\":\"2024-01-01 00:00:00\","
                                   "\"call_duration\":-5,\"talk_duration\":99999999999}");
    g_autoptr(RdCallRecord) r = rd_yeastar_cdr_from_event (o, NULL, NULL);

    g_assert_cmpuint (r->total_seconds, ==, 0);
    g_assert_cmpuint (r->talk_seconds, ==, 0);
    g_assert_cmpuint (r->ring_seconds, ==, 0);
  }
}

static void
test_cdr_row (void)
{
  g_autoptr(JsonObject) o = obj ("{\"id\":7,\"time\":\"2024-01-01 10:00:00\",\"timestamp\":1704103200,"
                                 "\"uid\":\"1704103200.11\",\"call_from\":\"Ada Li<5503301>\",\"call_to\":\"2001\","
                                 "\"duration\":40,\"ring_duration\":5,\"talk_duration\":35,"
                                 "\"disposition\":\"ANSWERED\",\"call_type\":\"Inbound\",\"did_number\":\"6400\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCallRecord) r = rd_yeastar_cdr_from_row (o, NULL, &error);
  g_autofree char *key = NULL;

  g_assert_no_error (error);
  g_assert_null (r->call_id);
  g_assert_cmpint (r->start_unix, ==, 1704103200);
  g_assert_cmpstr (r->from_number, ==, "5503301");
  g_assert_cmpstr (r->from_name, ==, "Ada Li");
  g_assert_cmpuint (r->ring_seconds, ==, 5);
  key = rd_call_record_key (r);
  g_assert_cmpstr (key, ==, "uid:1704103200.11");
}

/* ---- contacts, errcodes -------------------------------------------------------------------- */

static void
test_contact_json (void)
{
  g_autoptr(JsonObject) flat = obj ("{\"id\":5,\"contact_name\":\"Ada Li\",\"company\":\"Demo\",\"business\":\"5503301\","
                                    "\"mobile\":\" \",\"home2\":\"123\",\"phonebook_list\":[{\"id\":1,\"name\":\"CRM\"}]}");
  g_autoptr(JsonObject) noid = obj ("{\"contact_name\":\"x\"}");
  g_autoptr(RdPbxContact) c = rd_yeastar_contact_from_json (flat, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (c->id, ==, 5);
  g_assert_cmpstr (c->first_name, ==, "Ada Li");
  g_assert_cmpuint (c->numbers->len, ==, 2);
  g_assert_cmpstr (((RdPbxContactNumber *) c->numbers->pdata[1])->type, ==, "home_number2");
  g_assert_null (rd_yeastar_contact_from_json (noid, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);

  body = rd_yeastar_contact_to_json (c, 9, NULL);
  text = json_to_string (body, FALSE);
  g_assert_nonnull (strstr (text, "\"id\":5"));
  g_assert_nonnull (strstr (text, "\"phonebook_id_list\":[9]"));
  g_assert_nonnull (strstr (text, "{\"num_type\":\"business_number\",\"number\":\"5503301\"}"));
}

static void
test_errcodes (void)
{
  const struct { int errcode; RdErrorCode code; } map[] = {
    { 10004, RD_ERROR_AUTH }, { 10005, RD_ERROR_ACCESS }, { 40003, RD_ERROR_CONFLICT }, { 60002, RD_ERROR_LIMIT },
    { 70004, RD_ERROR_ACCESS }, { 70087, RD_ERROR_ACCESS }, { 70091, RD_ERROR_CONFLICT },
    { 70123, RD_ERROR_UNAVAILABLE }, { 70128, RD_ERROR_NOT_FOUND }, { -2, RD_ERROR_SERVER }, { 12345, RD_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autoptr(GError) e = rd_yeastar_error_new (map[i].errcode, "MSG\n<b>", "x/y");

      g_assert_error (e, RD_ERROR, (int) map[i].code);
      g_assert_nonnull (strstr (e->message, "x/y"));
      g_assert_null (strchr (e->message, '\n'));   /* hostile errmsg is cleaned */
    }
  g_assert_true (rd_yeastar_errcode_is_fatal (70087));
  g_assert_false (rd_yeastar_errcode_is_fatal (10004));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pbx/parse/frames", test_frames);
  g_test_add ("/pbx/parse/tracker-inbound", Tracker, NULL, tracker_setup, test_tracker_inbound, tracker_teardown);
  g_test_add ("/pbx/parse/tracker-queue-transfer", Tracker, NULL, tracker_setup, test_tracker_queue, tracker_teardown);
  g_test_add ("/pbx/parse/tracker-internal-dial", Tracker, NULL, tracker_setup, test_tracker_internal_and_dial,
              tracker_teardown);
  g_test_add ("/pbx/parse/tracker-dial-event-first", Tracker, NULL, tracker_setup, test_tracker_dial_event_first,
              tracker_teardown);
  g_test_add ("/pbx/parse/tracker-malformed", Tracker, NULL, tracker_setup, test_tracker_malformed, tracker_teardown);
  g_test_add_func ("/pbx/parse/cdr-event", test_cdr_event);
  g_test_add_func ("/pbx/parse/cdr-variants", test_cdr_variants);
  g_test_add_func ("/pbx/parse/cdr-row", test_cdr_row);
  g_test_add_func ("/pbx/parse/contact-json", test_contact_json);
  g_test_add_func ("/pbx/parse/errcodes", test_errcodes);
  return g_test_run ();
}
