/* The outbox worker on its own: a store in memory, a fake CRM and a fake PBX, and a fake engine
 * (RdHubContext). Each side effect happens exactly once, through uncertain failures,
 * refusals and restarts. */
#include "config.h"

#include "fake-context.h"

#include "core/rd-error.h"
#include "core/rd-store-private.h"
#include "hub/rd-outbox-worker.h"

#include <glib/gstdio.h>

#include <string.h>

#define CALLER "+8613500000001"
#define WAIT_MS 10000

/* ---- fixture -------------------------------------------------------------------------- */

typedef struct {
  FakeContext    *context;
  RdStore        *store;
  RdPhoneIndex   *index;
  RdOutboxWorker *worker;
  RdBinding       binding;
  char           *dir;          /* a store on disk (setup_file) */
} Fixture;

static void
start_worker (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->worker = rd_outbox_worker_new (RD_HUB_CONTEXT (f->context), f->store, f->index, "test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->worker);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->context = fake_context_new ();
  if (data != NULL)
    {
      f->dir = g_dir_make_tmp ("rd-outbox-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (f->dir, "hub.db", NULL);
    }
  f->store = rd_store_open (path != NULL ? path : ":memory:", &error);
  g_assert_no_error (error);
  rd_store_outbox_set_backoff (f->store, 1, 1);
  f->index = rd_phone_index_new (f->store, &error);
  g_assert_no_error (error);
  f->binding.extension = (char *) "2001";
  f->binding.user_id = 7;
  f->binding.user_name = (char *) "Alice";
  start_worker (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->worker != NULL)
    rd_outbox_worker_stop (f->worker);
  g_clear_object (&f->worker);
  g_clear_object (&f->index);
  g_clear_object (&f->store);
  g_clear_object (&f->context);
  if (f->dir != NULL)
    {
      const char *suffixes[] = { "hub.db", "hub.db-wal", "hub.db-shm" };

      for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
        {
          g_autofree char *p = g_build_filename (f->dir, suffixes[i], NULL);
          g_unlink (p);
        }
      g_rmdir (f->dir);
      g_free (f->dir);
    }
}

static gboolean
wait_until (gboolean (*done) (Fixture *f), Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (!done (f) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return done (f);
}

static gboolean
idle (Fixture *f)
{
  return !rd_outbox_worker_is_busy (f->worker);
}

/* Lets the worker run until it has nothing left to do now. */
static void
settle (Fixture *f)
{
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (wait_until (idle, f));
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static guint
count (Fixture *f, RdOutboxState state)
{
  return rd_store_outbox_count (f->store, state);
}

static gboolean
nothing_pending (Fixture *f)
{
  return count (f, RD_OUTBOX_PENDING) == 0 && count (f, RD_OUTBOX_CLAIMED) == 0;
}

static void
enqueue_call (Fixture *f, const char *call_id, RdOutcome outcome, const RdCrmMatch *match)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCallRecord) record = rd_call_record_new ();
  g_autoptr(RdPhoneNumber) remote = rd_phone_parse (CALLER, -1, "CN", NULL, NULL);
  g_autoptr(JsonObject) found = NULL;

  record->call_id = g_strdup (call_id);
  record->direction = RD_DIRECTION_INBOUND;
  record->from_number = g_strdup (CALLER);
  record->to_number = g_strdup ("2001");
  record->extension = g_strdup ("2001");
  record->start_unix = 1700000000;
  record->talk_seconds = outcome == RD_OUTCOME_ANSWERED ? 61 : 0;
  record->outcome = outcome;
  if (match != NULL)
    {
      found = json_object_new ();
      json_object_set_string_member (found, "kind", rd_crm_kind_to_string (match->kind));
      json_object_set_int_member (found, "id", match->id);
    }
  g_assert_true (rd_store_begin (f->store, &error));
  g_assert_true (rd_outbox_worker_enqueue_call (f->worker, record, &f->binding, remote, found, &error));
  g_assert_true (rd_store_commit (f->store, &error));
  g_assert_no_error (error);
}

/* ---- tests ------------------------------------------------------------------------------ */

/* A call to a known record: one log on that record, once, even when the same call is
 * recorded again (a catch-up after a gap); answered, so no call-back. */
static void
test_call_log_once (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  g_autofree char *expected = g_strdup_printf ("individual:%" G_GINT64_FORMAT ":", li->id);

  enqueue_call (f, "c1", RD_OUTCOME_ANSWERED, li);
  enqueue_call (f, "c1", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
  g_assert_true (g_str_has_prefix (f->context->crm->logs->pdata[0], expected));
  g_assert_cmpuint (f->context->crm->callbacks->len, ==, 0);
  g_assert_cmpuint (f->context->crm->searches, ==, 0);   /* the pop's match is used as it is */
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 1);
}

static gboolean
logged (Fixture *f)
{
  return f->context->crm->logs->len > 0;
}

static gboolean
pause_ms_done (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
pause_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, pause_ms_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* A store on disk: the item is marked begun with a relaxed commit, and the log leaves for the
 * CRM only once that mark is on disk (after a power cut a begun item is checked in the CRM
 * before it is logged again). With the store's sync thread held, nothing leaves; released,
 * the call is logged once. */
static void
test_begun_on_disk_first (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);

  enqueue_call (f, "c1", RD_OUTCOME_ANSWERED, li);
  rd_store_hold_syncs (f->store, TRUE);
  rd_outbox_worker_kick (f->worker);
  pause_ms (300);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 0);
  g_assert_cmpuint (count (f, RD_OUTBOX_CLAIMED), ==, 1);
  rd_store_hold_syncs (f->store, FALSE);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
  g_assert_cmpuint (rd_store_get_syncs (f->store), >=, 1);
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 1);
}

/* The engine stops and its owner lets go while a log's answer is still on its way: the answer
 * arrives (here as cancelled: the fake's task sees the stop; a real backend may answer with
 * success), nothing reaches the worker or the engine after they are gone, and both are freed;
 * the item stays claimed, released at the next start. */
static void
test_answer_after_engine_gone (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  gpointer worker = f->worker;
  gpointer context = f->context;
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  enqueue_call (f, "c9", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (logged, f));   /* written; its answer is not dispatched yet */
  g_assert_true (rd_outbox_worker_is_busy (f->worker));

  g_object_add_weak_pointer (worker, &worker);
  g_object_add_weak_pointer (context, &context);
  rd_outbox_worker_stop (f->worker);
  g_clear_object (&f->worker);
  g_clear_object (&f->context);
  while ((worker != NULL || context != NULL) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (worker);
  g_assert_null (context);
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 0);
  g_assert_cmpuint (count (f, RD_OUTBOX_CLAIMED), ==, 1);
}

/* The log reached the CRM but its answer was lost: the retry asks the CRM before writing and
 * finds it there; so does a new worker on the same store (a restart in between). Never a
 * second log. */
static void
test_uncertain_retry (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);

  fake_crm_fail_next (f->context->crm, RD_ERROR_TIMEOUT, TRUE);
  enqueue_call (f, "c2", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 1);

  /* the same after a restart between the write and its answer */
  fake_crm_fail_next (f->context->crm, RD_ERROR_TIMEOUT, TRUE);
  enqueue_call (f, "c3", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (idle, f));
  g_assert_cmpuint (f->context->crm->logs->len, ==, 2);
  rd_outbox_worker_stop (f->worker);
  g_clear_object (&f->worker);
  start_worker (f);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 2);
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 2);
}

/* A missed call from an unknown number with auto-create on: the record is created once, the
 * log and the call-back land on it. */
static void
test_missed_unknown (Fixture *f, gconstpointer data)
{
  RdCrmMatch *created;
  g_autofree char *log = NULL;
  g_autofree char *callback = NULL;

  f->context->settings.autocreate_enabled = TRUE;
  f->context->settings.autocreate_calls = RD_HUB_CALLS_INBOUND;
  enqueue_call (f, "c4", RD_OUTCOME_NO_ANSWER, NULL);
  g_assert_cmpuint (count (f, RD_OUTBOX_PENDING), ==, 3);   /* auto-create, call-log, callback */
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->creates, ==, 1);
  g_assert_cmpuint (f->context->crm->records->len, ==, 1);
  created = f->context->crm->records->pdata[0];
  g_assert_cmpstr (created->name, ==, "New - +86 135 0000 0001");
  log = g_strdup_printf ("individual:%" G_GINT64_FORMAT ":", created->id);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
  g_assert_true (g_str_has_prefix (f->context->crm->logs->pdata[0], log));
  g_assert_cmpuint (f->context->crm->callbacks->len, ==, 1);
  g_assert_true (g_str_has_prefix (f->context->crm->callbacks->pdata[0], log));
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 3);
}

/* A refused key: the engine is told (CRM work stops), the item stays for later; once the CRM
 * is back it is written, once. */
static void
test_credentials_refused (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);

  fake_crm_fail_next (f->context->crm, RD_ERROR_AUTH, FALSE);
  enqueue_call (f, "c5", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (idle, f));
  settle (f);
  g_assert_nonnull (f->context->refused);
  g_assert_nonnull (strstr (f->context->refused, "refused the hub's credentials"));
  g_assert_cmpuint (f->context->crm->logs->len, ==, 0);
  g_assert_cmpuint (count (f, RD_OUTBOX_PENDING), ==, 1);

  f->context->ready = TRUE;
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
}

/* Items of a CRM that was disconnected since (an older epoch) are dropped, not written. */
static void
test_epoch (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);

  enqueue_call (f, "c6", RD_OUTCOME_ANSWERED, li);
  f->context->settings.epoch = 2;
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 0);
  g_assert_cmpuint (count (f, RD_OUTBOX_DONE), ==, 1);
}

/* A paused integration (not ready) leaves items queued; a kick after it is ready runs them. */
static void
test_paused (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);

  f->context->ready = FALSE;
  enqueue_call (f, "c7", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  settle (f);
  g_assert_cmpuint (count (f, RD_OUTBOX_PENDING), ==, 1);
  f->context->ready = TRUE;
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
}

/* Contact sync: an inbound call's record is pushed to the phonebook once; the same record
 * again, unchanged, is not pushed again; a cleared sync map (the CRM was disconnected: a new
 * sync needs an empty phonebook) pushes it as a new contact. */
static void
test_phonebook (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  g_autoptr(GError) error = NULL;
  RdPbxContact *contact;

  f->context->settings.sync_enabled = TRUE;
  f->context->settings.sync_kinds = RD_CRM_KIND_INDIVIDUAL;
  f->context->settings.sync_phonebook_id = 3;
  enqueue_call (f, "c8", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);
  g_assert_cmpuint (f->context->pbx->upserts, ==, 1);
  contact = f->context->pbx->contacts->pdata[0];
  g_assert_cmpstr (contact->first_name, ==, "Li Lei");
  g_assert_cmpstr (((RdPbxContactNumber *) contact->numbers->pdata[0])->number, ==, CALLER);

  g_assert_true (rd_outbox_worker_enqueue_sync (f->worker, RD_CRM_KIND_INDIVIDUAL, li->id, "again", &error));
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->pbx->upserts, ==, 1);   /* up to date: not pushed */

  /* a kind sync does not cover: not even queued */
  g_assert_true (rd_outbox_worker_enqueue_sync (f->worker, RD_CRM_KIND_LEAD, 9, "x", &error));
  g_assert_true (nothing_pending (f));

  g_assert_true (rd_outbox_worker_clear_sync_map (f->worker, &error));
  g_assert_no_error (error);
  g_assert_true (rd_outbox_worker_enqueue_sync (f->worker, RD_CRM_KIND_INDIVIDUAL, li->id, "cleared", &error));
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->pbx->upserts, ==, 2);
  g_assert_cmpint (((RdPbxContact *) f->context->pbx->contacts->pdata[1])->id, !=, contact->id);
}

static gboolean
log_sent (Fixture *f)
{
  return f->context->crm->logs->len > 0;
}

/* The hub stops and drops the worker while a CRM request is in flight: the request ends as
 * cancelled, and the job that ends it held the worker's last reference (ASan saw the worker
 * used after that job freed it, when a stopping hub's call-back came back). The worker goes
 * away once the job is done; the item's lease stays for the next start. */
static void
test_dropped_mid_job (Fixture *f, gconstpointer data)
{
  RdCrmMatch *li = fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Li Lei", CALLER);
  RdOutboxWorker *worker;

  enqueue_call (f, "c1", RD_OUTCOME_ANSWERED, li);
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (log_sent, f));   /* written; its answer not yet delivered */
  worker = f->worker;
  g_object_add_weak_pointer (G_OBJECT (worker), (gpointer *) &worker);
  rd_outbox_worker_stop (f->worker);
  g_clear_object (&f->worker);
  g_assert_nonnull (worker);                  /* the job in flight holds it */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (worker);
  g_assert_cmpuint (count (f, RD_OUTBOX_CLAIMED), ==, 1);
  start_worker (f);                           /* the next start takes the lease back */
  rd_outbox_worker_kick (f->worker);
  g_assert_true (wait_until (nothing_pending, f));
  settle (f);
  g_assert_cmpuint (f->context->crm->logs->len, ==, 1);   /* found there, not written twice */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/outbox-worker/answer-after-engine-gone", test_answer_after_engine_gone);
  ADD ("/outbox-worker/call-log-once", test_call_log_once);
  ADD ("/outbox-worker/uncertain-retry", test_uncertain_retry);
  ADD ("/outbox-worker/missed-unknown", test_missed_unknown);
  ADD ("/outbox-worker/credentials-refused", test_credentials_refused);
  ADD ("/outbox-worker/epoch", test_epoch);
  ADD ("/outbox-worker/paused", test_paused);
  ADD ("/outbox-worker/phonebook", test_phonebook);
  ADD ("/outbox-worker/dropped-mid-job", test_dropped_mid_job);
  g_test_add ("/outbox-worker/begun-on-disk-first", Fixture, "file", setup, test_begun_on_disk_first, teardown);
#undef ADD
  return g_test_run ();
}
