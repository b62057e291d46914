/* The activity listings (RdHubActivity) on their own: a store in memory, real bindings and
 * audit log, a fake engine (tests/hub/fake-context.c). Outbox listing and retry, the calls
 * with their match and log state, the audit log. */
#include "config.h"

#include "fake-context.h"

#include "core/rd-error.h"
#include "hub/rd-hub-activity.h"

#define CALLER "+8613500000001"

typedef struct {
  FakeContext   *context;
  RdStore       *store;
  RdBindings    *bindings;
  RdAuditLog    *audit;
  RdHubActivity *activity;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->context = fake_context_new ();
  fake_store_with_alice (NULL, &f->store, &f->bindings);
  f->audit = rd_audit_log_new (f->store, &error);
  g_assert_no_error (error);
  f->activity = rd_hub_activity_new (RD_HUB_CONTEXT (f->context), RD_HUB_CONTROL (f->context), f->store,
                                     f->bindings, f->audit);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->activity);
  g_clear_object (&f->audit);
  g_clear_object (&f->bindings);
  g_clear_object (&f->store);
  g_clear_object (&f->context);
}

static void
add_item (Fixture *f, const char *key)
{
  g_autoptr(GError) error = NULL;
  gboolean inserted = FALSE;

  g_assert_true (rd_store_outbox_enqueue (f->store, key, "call-log", "{}", &inserted, &error));
  g_assert_no_error (error);
  g_assert_true (inserted);
}

static void
test_outbox (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) all = NULL;
  g_autoptr(JsonArray) failed = NULL;
  g_autoptr(JsonArray) after = NULL;
  g_autoptr(GPtrArray) claimed = NULL;
  gint64 first, second;
  guint count = 99;

  add_item (f, "call-log:uid:1");
  add_item (f, "phonebook:individual:4:x");
  claimed = rd_store_outbox_claim (f->store, "hub-test", 10, 60, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (claimed->len, ==, 2);
  first = ((RdOutboxItem *) claimed->pdata[0])->id;
  second = ((RdOutboxItem *) claimed->pdata[1])->id;
  g_assert_true (rd_store_outbox_fail (f->store, second, "hub-test", "the CRM said no", TRUE, &error));
  all = rd_hub_activity_list_outbox (f->activity, FALSE, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (all), ==, 2);
  failed = rd_hub_activity_list_outbox (f->activity, TRUE, 10, &error);
  g_assert_cmpuint (json_array_get_length (failed), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (failed, 0), "id"), ==, second);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (failed, 0), "state"), ==,
                   "failed");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (failed, 0), "last_error"), ==,
                   "the CRM said no");
  g_assert_true (json_object_get_null_member (json_array_get_object_element (failed, 0), "call_key"));
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *item = json_array_get_object_element (all, i);

      if (json_object_get_int_member (item, "id") == first)
        {
          g_assert_cmpstr (json_object_get_string_member (item, "call_key"), ==, "uid:1");
          g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "working");
        }
    }

  g_assert_false (rd_hub_activity_retry_outbox (f->activity, -1, &count, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpuint (f->context->kicks, ==, 0);

  /* every failed item: started over, the worker told, the status changed */
  g_assert_true (rd_hub_activity_retry_outbox (f->activity, 0, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpuint (f->context->kicks, ==, 1);
  g_assert_cmpuint (f->context->status_changes, ==, 1);
  after = rd_hub_activity_list_outbox (f->activity, TRUE, 10, &error);
  g_assert_cmpuint (json_array_get_length (after), ==, 0);
}

static void
test_calls (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) calls = NULL;
  g_autoptr(RdCallRecord) known = rd_call_record_new ();
  g_autoptr(RdCallRecord) stored = rd_call_record_new ();
  g_autofree char *known_key = NULL;
  RdCrmMatch carol = { .kind = RD_CRM_KIND_INDIVIDUAL, .id = 42, .name = (char *) "Carol",
                       .numbers = (char *[]) { (char *) CALLER, NULL } };
  JsonObject *call, *match, *log;
  gboolean inserted;

  fake_context_add_local (f->context, &carol);
  /* an inbound call whose match was not stored: the phone index answers, national digits
   * read with the engine's region */
  known->call_id = g_strdup ("c1");
  known->direction = RD_DIRECTION_INBOUND;
  known->from_number = g_strdup ("13500000001");
  known->to_number = g_strdup ("2001");
  known->extension = g_strdup ("2001");
  known->start_unix = 1000;
  known->outcome = RD_OUTCOME_ANSWERED;
  g_assert_true (rd_store_call_upsert (f->store, known, NULL, &inserted, &error));
  known_key = rd_call_record_key (known);
  {
    g_autofree char *item_key = g_strconcat ("call-log:", known_key, NULL);

    add_item (f, item_key);
  }
  /* a call with its match stored (no URL in it: one is made from the CRM) */
  stored->call_id = g_strdup ("c2");
  stored->direction = RD_DIRECTION_OUTBOUND;
  stored->from_number = g_strdup ("2002");
  stored->to_number = g_strdup ("+8613900000002");
  stored->extension = g_strdup ("2002");
  stored->start_unix = 2000;
  stored->outcome = RD_OUTCOME_NO_ANSWER;
  g_assert_true (rd_store_call_upsert (f->store, stored, "{\"kind\":\"lead\",\"id\":9,\"name\":\"Dan\"}",
                                       &inserted, &error));

  calls = rd_hub_activity_list_calls (f->activity, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (calls), ==, 2);

  call = json_array_get_object_element (calls, 0);   /* newest first */
  g_assert_cmpstr (json_object_get_string_member (call, "extension"), ==, "2002");
  g_assert_true (json_object_get_null_member (call, "user"));
  match = json_object_get_object_member (call, "match");
  g_assert_cmpstr (json_object_get_string_member (match, "name"), ==, "Dan");
  g_assert_cmpstr (json_object_get_string_member (match, "url"), ==, "https://crm.example.com/lead/9");
  g_assert_true (json_object_get_null_member (call, "log"));

  call = json_array_get_object_element (calls, 1);
  g_assert_cmpstr (json_object_get_string_member (call, "key"), ==, known_key);
  g_assert_cmpstr (json_object_get_string_member (call, "user"), ==, "Alice");
  match = json_object_get_object_member (call, "match");
  g_assert_cmpstr (json_object_get_string_member (match, "name"), ==, "Carol");
  g_assert_cmpstr (json_object_get_string_member (match, "url"), ==, "https://crm.example.com/individual/42");
  log = json_object_get_object_member (call, "log");
  g_assert_cmpstr (json_object_get_string_member (log, "state"), ==, "pending");
}

static void
test_audit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) entries = NULL;
  JsonObject *newest;

  rd_hub_activity_audit (f->activity, "cli", "bind", "2001 → Alice");
  rd_hub_activity_audit (f->activity, "console:admin", "unbind", NULL);
  entries = rd_hub_activity_list_audit (f->activity, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  newest = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (newest, "actor"), ==, "console:admin");
  g_assert_cmpstr (json_object_get_string_member (newest, "action"), ==, "unbind");
  g_assert_true (json_object_get_null_member (newest, "detail"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hub-activity/outbox", Fixture, NULL, setup, test_outbox, teardown);
  g_test_add ("/hub-activity/calls", Fixture, NULL, setup, test_calls, teardown);
  g_test_add ("/hub-activity/audit", Fixture, NULL, setup, test_audit, teardown);
  return g_test_run ();
}
