/* The live-call table on its own: a store in memory, real bindings, a fake engine
 * (tests/hub/fake-context.c). The pop, the wait for the CRM, unbound extensions, dial failures,
 * and legs carried across a restart. */
#include "config.h"

#include "fake-context.h"

#include "hub/rd-call-table.h"

#include <string.h>

#define CALLER "+8613500000001"
#define WAIT_MS 5000

typedef struct {
  FakeContext *context;
  RdStore     *store;
  RdBindings  *bindings;
  RdCallTable *table;
  GPtrArray   *frames;    /* "extension|type|event|match name" of every frame sent */
} Fixture;

static void
on_send (RdCallTable *table, const char *extension, JsonObject *frame, Fixture *f)
{
  JsonObject *match = json_object_has_member (frame, "match") && !json_object_get_null_member (frame, "match")
                      ? json_object_get_object_member (frame, "match") : NULL;

  g_ptr_array_add (f->frames, g_strdup_printf ("%s|%s|%s|%s", extension,
                                               json_object_get_string_member (frame, "type"),
                                               json_object_get_string_member_with_default (frame, "event", ""),
                                               match != NULL ? json_object_get_string_member (match, "name") : ""));
}

static void
make_table (Fixture *f)
{
  f->table = rd_call_table_new (RD_HUB_CONTEXT (f->context), f->store, f->bindings);
  g_signal_connect (f->table, "send", G_CALLBACK (on_send), f);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->context = fake_context_new ();
  fake_store_with_alice (NULL, &f->store, &f->bindings);
  f->frames = g_ptr_array_new_with_free_func (g_free);
  make_table (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->table);
  g_clear_object (&f->bindings);
  g_clear_object (&f->store);
  g_clear_object (&f->context);
  g_ptr_array_unref (f->frames);
}

static void
event (Fixture *f, const char *call_id, const char *extension, RdCallState state, const char *remote)
{
  g_autoptr(RdCallEvent) e = rd_call_event_new ();

  e->call_id = g_strdup (call_id);
  e->extension = g_strdup (extension);
  e->state = state;
  e->direction = RD_DIRECTION_INBOUND;
  e->remote_number = g_strdup (remote);
  e->timestamp_us = g_get_real_time ();
  rd_call_table_on_event (f->table, e);
}

static void
assert_frames (Fixture *f, const char * const *expected)
{
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < MIN (n, f->frames->len); i++)
    g_assert_cmpstr (f->frames->pdata[i], ==, expected[i]);
  g_assert_cmpuint (f->frames->len, ==, n);
}

static gboolean
frames_at_least (Fixture *f, guint n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (f->frames->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return f->frames->len >= n;
}

/* The index knows the caller: the first frame carries the record at once, no CRM search. */
static void
test_pop_from_index (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  g_autoptr(GPtrArray) legs = NULL;
  g_autoptr(JsonArray) snapshot = NULL;

  fake_context_add_local (f->context, li);
  event (f, "c1", "2001", RD_CALL_STATE_RINGING, CALLER);
  event (f, "c1", "2001", RD_CALL_STATE_ANSWERED, CALLER);
  legs = rd_call_table_dup_legs (f->table);
  g_assert_cmpuint (legs->len, ==, 1);
  snapshot = rd_call_table_snapshot (f->table, "2001");
  g_assert_cmpuint (json_array_get_length (snapshot), ==, 1);
  event (f, "c1", "2001", RD_CALL_STATE_ENDED, CALLER);
  assert_frames (f, (const char *[]) { "2001|call|ringing|Li Lei", "2001|call|answered|Li Lei",
                                       "2001|call|ended|Li Lei", NULL });
  g_assert_cmpuint (f->context->lookups, ==, 0);
  g_clear_pointer (&legs, g_ptr_array_unref);
  legs = rd_call_table_dup_legs (f->table);
  g_assert_cmpuint (legs->len, ==, 0);   /* ended and forgotten */
}

/* The index does not know the caller, the CRM does: the first frame waits for the search and
 * goes out with the record (events that came meanwhile follow it, in order). */
static void
test_pop_waits_for_crm (Fixture *f, gconstpointer data)
{
  fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Han Meimei", CALLER);
  event (f, "c2", "2001", RD_CALL_STATE_RINGING, CALLER);
  g_assert_cmpuint (f->frames->len, ==, 0);   /* held for the lookup */
  g_assert_cmpuint (f->context->lookups, ==, 1);
  g_assert_true (frames_at_least (f, 1));
  assert_frames (f, (const char *[]) { "2001|call|ringing|Han Meimei", NULL });

  /* a CRM that does not answer a paused integration: no lookup, the pop goes out unknown */
  f->context->settings.enabled = FALSE;
  event (f, "c3", "2001", RD_CALL_STATE_RINGING, "+8613500000002");
  assert_frames (f, (const char *[]) { "2001|call|ringing|Han Meimei", "2001|call|ringing|", NULL });
  g_assert_cmpuint (f->context->lookups, ==, 1);
}

/* An unknown caller: held at most for the search, then unknown; no "match" frame. */
static void
test_pop_unknown (Fixture *f, gconstpointer data)
{
  event (f, "c4", "2001", RD_CALL_STATE_RINGING, "+8613500000009");
  g_assert_true (frames_at_least (f, 1));
  assert_frames (f, (const char *[]) { "2001|call|ringing|", NULL });
}

/* Legs of extensions bound to nobody are not the hub's business. */
static void
test_unbound (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) legs = NULL;

  event (f, "c5", "2002", RD_CALL_STATE_RINGING, CALLER);
  legs = rd_call_table_dup_legs (f->table);
  g_assert_cmpuint (legs->len, ==, 0);
  g_assert_cmpuint (f->frames->len, ==, 0);
}

/* A dial's failure reaches the agent who dialed, once; after the call's record, none. */
static void
test_dial_failed (Fixture *f, gconstpointer data)
{
  rd_call_table_remember_dial (f->table, "d1", "2001");
  rd_call_table_dial_failed (f->table, "d1", "User Busy");
  rd_call_table_dial_failed (f->table, "d1", "User Busy");
  assert_frames (f, (const char *[]) { "2001|dial-failed||", NULL });
  rd_call_table_remember_dial (f->table, "d2", "2001");
  rd_call_table_forget_dial (f->table, "d2");
  rd_call_table_dial_failed (f->table, "d2", "User Busy");
  g_assert_cmpuint (f->frames->len, ==, 1);
}

/* A leg in progress at a stop comes back in the next table on the same store (with its
 * record); ending all legs tells the agent. */
static void
test_restore (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  g_autoptr(GPtrArray) legs = NULL;

  fake_context_add_local (f->context, li);
  event (f, "c6", "2001", RD_CALL_STATE_ANSWERED, CALLER);
  g_clear_object (&f->table);
  g_ptr_array_set_size (f->frames, 0);

  make_table (f);
  rd_call_table_restore (f->table);
  legs = rd_call_table_dup_legs (f->table);
  g_assert_cmpuint (legs->len, ==, 1);
  g_assert_cmpstr (((RdCallEvent *) legs->pdata[0])->call_id, ==, "c6");
  rd_call_table_end_all (f->table);
  assert_frames (f, (const char *[]) { "2001|call|ended|Li Lei", NULL });
  g_clear_pointer (&legs, g_ptr_array_unref);
  legs = rd_call_table_dup_legs (f->table);
  g_assert_cmpuint (legs->len, ==, 0);

  /* and the store no longer has it */
  g_clear_object (&f->table);
  make_table (f);
  rd_call_table_restore (f->table);
  g_clear_pointer (&legs, g_ptr_array_unref);
  legs = rd_call_table_dup_legs (f->table);
  g_assert_cmpuint (legs->len, ==, 0);
}

/* What the store holds of the legs now: "call id|match JSON" each. */
static char *
stored_legs (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GPtrArray) legs = rd_store_live_calls_list (f->store, 86400, &matches, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < legs->len; i++)
    g_string_append_printf (out, "%s%s|%s", i > 0 ? ";" : "", ((RdCallEvent *) legs->pdata[i])->call_id,
                            matches->pdata[i] != NULL ? (char *) matches->pdata[i] : "");
  return g_string_free (out, FALSE);
}

static void
on_send_look_at_store (RdCallTable *table, const char *extension, JsonObject *frame, Fixture *f)
{
  g_autofree char *legs = stored_legs (f);

  g_ptr_array_add (f->frames, g_strdup_printf ("stored: %s", legs));
}

/* The pop goes out before the leg is kept for a restart (the store's commit syncs the disk: tens
 * of milliseconds when the phone index's fill or anything else writes a lot); the leg, with its
 * record, is kept right after. From the index and after a CRM search. */
static void
test_pop_before_store (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  g_autofree char *after = NULL;
  gint64 deadline;

  fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Han Meimei", "+8613500000002");
  fake_context_add_local (f->context, li);
  g_signal_connect (f->table, "send", G_CALLBACK (on_send_look_at_store), f);
  event (f, "c7", "2001", RD_CALL_STATE_RINGING, CALLER);
  assert_frames (f, (const char *[]) { "2001|call|ringing|Li Lei", "stored: ", NULL });
  event (f, "c8", "2001", RD_CALL_STATE_RINGING, "+8613500000002");
  g_assert_true (frames_at_least (f, 4));
  g_assert_cmpstr (f->frames->pdata[2], ==, "2001|call|ringing|Han Meimei");
  g_assert_false (strstr (f->frames->pdata[3], "Han Meimei"));   /* its record not stored yet */
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  do
    {
      g_clear_pointer (&after, g_free);
      g_main_context_iteration (NULL, FALSE);
      after = stored_legs (f);
    }
  while ((!strstr (after, "Li Lei") || !strstr (after, "Han Meimei")) && g_get_monotonic_time () < deadline);
  g_assert_nonnull (strstr (after, "c7|"));
  g_assert_nonnull (strstr (after, "Li Lei"));
  g_assert_nonnull (strstr (after, "c8|"));
  g_assert_nonnull (strstr (after, "Han Meimei"));
  /* An ended leg leaves the store with the table's memory of it. */
  event (f, "c7", "2001", RD_CALL_STATE_ENDED, CALLER);
  g_clear_pointer (&after, g_free);
  after = stored_legs (f);
  g_assert_null (strstr (after, "c7|"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/call-table/pop-from-index", test_pop_from_index);
  ADD ("/call-table/pop-waits-for-crm", test_pop_waits_for_crm);
  ADD ("/call-table/pop-unknown", test_pop_unknown);
  ADD ("/call-table/unbound", test_unbound);
  ADD ("/call-table/dial-failed", test_dial_failed);
  ADD ("/call-table/restore", test_restore);
  ADD ("/call-table/pop-before-store", test_pop_before_store);
#undef ADD
  return g_test_run ();
}
