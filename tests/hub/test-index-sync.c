/* The phone index kept in step with the Odoo simulator (rd-index-sync.h): the pipelined first
 * fill and its flow window, resuming an interrupted fill, the refresh's one query per space and
 * its edit sweep, and the reconciliation that drops deleted and archived records. Small pages
 * and a few thousand records: the figures at a million are bench/'s business. */
#include "config.h"

#include "core/rd-error.h"
#include "crm/rd-crm.h"
#include "hub/rd-index-sync.h"
#include "sim/odoo/rd-sim-odoo.h"

#include <glib/gstdio.h>
#include <string.h>

#include "db-files.h"

#define ADMIN_KEY "sync-admin-key"
#define N_BULK    1500

typedef struct {
  RdSimOdoo    *sim;
  RdCrm        *crm;
  RdStore      *store;
  RdPhoneIndex *index;
  RdIndexSync  *sync;
  char         *dir;
  char         *db;
  gint64        first_bulk;   /* id of the first bulk partner */
  gint64        lead;
} Fixture;

typedef struct {
  gboolean     done;
  gpointer     value;
  gint64       count;
  gboolean     ok;
  GError      *error;
} Wait;

static void
wait_until (gboolean *flag, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_true (*flag);
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->value = rd_crm_connect_finish (RD_CRM (source), result, &w->error);
  w->done = TRUE;
}

static void
open_index (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->store = rd_store_open (f->db, &error);
  g_assert_no_error (error);
  f->index = rd_phone_index_new (f->store, &error);
  g_assert_no_error (error);
  rd_phone_index_set_region (f->index, "CN");
  f->sync = rd_index_sync_new (f->index, f->crm);
  rd_index_sync_set_limits (f->sync, &(RdIndexSyncLimits) { .page_rows = 100, .max_in_flight = 4,
                                                            .sweep_span = 600, .reconcile_span = 500 });
}

static void
close_index (Fixture *f)
{
  g_clear_object (&f->sync);
  g_clear_object (&f->index);
  g_clear_object (&f->store);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  RdCrmConfig config = { 0 };
  Wait w = { 0 };

  f->sim = rd_sim_odoo_new (data != NULL ? data : "17.0");
  rd_sim_odoo_set_company_country (f->sim, "CN");
  rd_sim_odoo_add_user (f->sim, "admin", "Administrator", "admin@example.com", ADMIN_KEY, RD_CRM_USER_INTERNAL, TRUE);
  f->first_bulk = rd_sim_odoo_count_records (f->sim, "res.partner") + 1;
  rd_sim_odoo_bulk_add_partners (f->sim, N_BULK, 3);
  f->lead = rd_sim_odoo_add_lead (f->sim, "Prospect", "Sun Mei", "Pearl Delta Imports", "+86 137 1234 5678");
  g_assert_true (rd_sim_odoo_start (f->sim, &error));

  config.url = (char *) rd_sim_odoo_get_url (f->sim);
  config.options = rd_options_new ();
  rd_options_set (config.options, "database", rd_sim_odoo_get_database (f->sim));
  config.login = (char *) "admin";
  config.api_key = (char *) ADMIN_KEY;
  f->crm = rd_crm_new (&config, &error);
  g_clear_pointer (&config.options, rd_options_unref);
  g_assert_no_error (error);
  rd_crm_connect_async (f->crm, NULL, connected_cb, &w);
  wait_until (&w.done, 10000);
  g_assert_no_error (w.error);
  rd_crm_info_free (w.value);

  f->dir = g_dir_make_tmp ("rd-index-sync-XXXXXX", NULL);
  f->db = g_build_filename (f->dir, "hub.db", NULL);
  open_index (f);
}

static void
remove_db (Fixture *f)
{
  test_remove_db_files (f->db);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  close_index (f);
  g_clear_object (&f->crm);
  g_clear_object (&f->sim);
  remove_db (f);
  g_rmdir (f->dir);
  g_free (f->db);
  g_free (f->dir);
}

static void
refreshed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->ok = rd_index_sync_refresh_finish (RD_INDEX_SYNC (source), result, &w->count, &w->error);
  w->done = TRUE;
}

static void
reconciled_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->ok = rd_index_sync_reconcile_finish (RD_INDEX_SYNC (source), result, &w->count, &w->error);
  w->done = TRUE;
}

static gint64
refresh (Fixture *f)
{
  Wait w = { 0 };

  rd_index_sync_refresh_async (f->sync, NULL, refreshed_cb, &w);
  wait_until (&w.done, 60000);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  return w.count;
}

static gint64
reconcile (Fixture *f)
{
  Wait w = { 0 };

  rd_index_sync_reconcile_async (f->sync, NULL, reconciled_cb, &w);
  wait_until (&w.done, 60000);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  return w.count;
}

/* The id of the record that holds @text, 0 for none. The simulator's bulk partners write US
 * numbers as "(212) …" and German ones as "030 …", with their country. */
static gint64
holder (Fixture *f, const char *text)
{
  const char *region = text[0] == '(' ? "US" : g_str_has_prefix (text, "030") ? "DE" : "CN";
  g_autoptr(RdPhoneNumber) number = rd_phone_parse (text, -1, region, NULL, NULL);
  g_autoptr(GPtrArray) matches = rd_phone_index_lookup (f->index, number, NULL);

  g_assert_nonnull (matches);
  return matches->len > 0 ? ((RdCrmMatch *) matches->pdata[0])->id : 0;
}

static const char *
phone_of (Fixture *f, gint64 id, char buffer[64])
{
  g_autoptr(JsonObject) rec = rd_sim_odoo_read (f->sim, "res.partner", id);

  g_strlcpy (buffer, json_object_get_string_member (rec, "phone"), 64);
  return buffer;
}

static gint64
status_int (Fixture *f, const char *member)
{
  g_autoptr(JsonObject) status = rd_index_sync_get_status (f->sync);

  return json_object_get_int_member (status, member);
}

/* Every bulk partner is found by its number. */
static void
assert_all_indexed (Fixture *f)
{
  char buffer[64];

  for (gint64 id = f->first_bulk; id < f->first_bulk + N_BULK; id++)
    g_assert_cmpint (holder (f, phone_of (f, id, buffer)), ==, id);
  g_assert_cmpint (holder (f, "+86 137 1234 5678"), ==, f->lead);
}

/* A CRM that serves 4 requests at a time: pages are asked for side by side, the window grows
 * towards its bound, and everything arrives. */
static void
test_fill_pipelined (Fixture *f, gconstpointer data)
{
  g_autoptr(RdIndexSpace) state = NULL;
  guint pages;

  /* 1 s a page, as for one worker: the answer time must dominate what this process adds to it.
   * The simulator runs in this process, so with pages in flight one's JSON work delays another's
   * answer, and a writer that falls behind holds the window back (rightly). At 300 ms a page,
   * under ASan in a CI run at load 9, the window stayed at 2. */
  rd_sim_odoo_set_delay (f->sim, 1000);
  rd_sim_odoo_set_workers (f->sim, 4);
  rd_sim_odoo_reset_counts (f->sim);
  g_assert_cmpint (refresh (f), >=, N_BULK);
  assert_all_indexed (f);
  g_test_message ("window peak %" G_GINT64_FORMAT ", grows %" G_GINT64_FORMAT ", shrinks %" G_GINT64_FORMAT
                  ", CRM in flight at most %u", status_int (f, "window_peak"), status_int (f, "window_grows"),
                  status_int (f, "window_shrinks"), rd_sim_odoo_max_in_flight (f->sim));
  g_assert_cmpint (status_int (f, "window_peak"), >=, 3);   /* beyond what one worker gets (≤ 2) */
  /* side by side; how many at once also depends on the writer keeping up (pages read but not
   * yet stored count against the window), which a loaded machine under ASan does not */
  g_assert_cmpuint (rd_sim_odoo_max_in_flight (f->sim), >=, 2);
  /* Ranges sized to ~100 records: about N/100 pages, not one per id or one per record. */
  pages = rd_sim_odoo_count_calls (f->sim, "res.partner", "search_read");
  g_assert_cmpuint (pages, >=, N_BULK / 200);
  g_assert_cmpuint (pages, <=, N_BULK / 50 + 6);
  state = rd_phone_index_get_space (f->index, RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY);
  g_assert_nonnull (state);
  g_assert_true (state->filled);
  g_assert_cmpint (state->fill_next, ==, state->fill_end + 1);
}

/* A CRM that serves one request at a time: the window stays at one, now and then two, so its
 * users never queue behind more than one page. */
static void
test_fill_one_worker (Fixture *f, gconstpointer data)
{
  /* 1 s a page: the queue behind the one worker must dominate the answer time. The simulator
   * shares this process's CPU, so its own JSON work is part of every answer: under ASan on a
   * loaded machine that was ~300 ms, and at 100 ms a page two in flight looked only 1.25×
   * slower than one (the window then grew to 3). */
  rd_sim_odoo_set_delay (f->sim, 1000);
  rd_sim_odoo_set_workers (f->sim, 1);
  rd_sim_odoo_reset_counts (f->sim);
  refresh (f);
  assert_all_indexed (f);
  g_test_message ("window peak %" G_GINT64_FORMAT ", grows %" G_GINT64_FORMAT ", shrinks %" G_GINT64_FORMAT
                  ", CRM in flight at most %u", status_int (f, "window_peak"), status_int (f, "window_grows"),
                  status_int (f, "window_shrinks"), rd_sim_odoo_max_in_flight (f->sim));
  g_assert_cmpuint (rd_sim_odoo_max_in_flight (f->sim), <=, 2);
  g_assert_cmpint (status_int (f, "window_peak"), <=, 2);
}

static gboolean
third_in (gpointer data)
{
  Fixture *f = data;

  return rd_phone_index_count_numbers (f->index) > N_BULK / 3;
}

/* Interrupted (the hub stops) a third of the way: the next pass reads only what is left. */
static void
test_fill_resumes (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Wait w = { 0 };
  guint first_pages, second_pages;

  rd_sim_odoo_set_delay (f->sim, 20);
  rd_sim_odoo_set_workers (f->sim, 1);
  rd_sim_odoo_reset_counts (f->sim);
  rd_index_sync_refresh_async (f->sync, cancellable, refreshed_cb, &w);
  while (!third_in (f))
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);   /* what is written is saved as the pass ends */
  wait_until (&w.done, 20000);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  first_pages = rd_sim_odoo_count_calls (f->sim, "res.partner", "search_read");

  /* A new hub process: a new connection to the same database. */
  close_index (f);
  open_index (f);
  rd_sim_odoo_reset_counts (f->sim);
  refresh (f);
  assert_all_indexed (f);
  second_pages = rd_sim_odoo_count_calls (f->sim, "res.partner", "search_read");
  g_assert_cmpuint (second_pages, <, (first_pages + second_pages) * 9 / 10);
  g_assert_cmpuint (first_pages + second_pages, <=, N_BULK / 50 + 12);
}

/* After the fill, a refresh is ONE query per space: new records (id above the highest seen) and
 * edits inside one window of ids; an edit elsewhere is seen within one round of windows. */
static void
test_refresh_one_query (Fixture *f, gconstpointer data)
{
  gint64 fresh, far = f->first_bulk + N_BULK - 10, near = f->first_bulk + 5;
  char far_before[64];
  guint passes = 0;

  refresh (f);
  phone_of (f, far, far_before);
  rd_sim_odoo_reset_counts (f->sim);
  fresh = rd_sim_odoo_add_partner (f->sim, "Brand New", "+86 186 0000 0001", NULL, FALSE, 0, NULL);
  rd_sim_odoo_set_phone (f->sim, "res.partner", near, "+86 186 0000 0002");
  rd_sim_odoo_set_phone (f->sim, "res.partner", far, "+86 186 0000 0003");
  refresh (f);
  g_assert_cmpuint (rd_sim_odoo_count_calls (f->sim, "res.partner", "search_read"), ==, 1);
  g_assert_cmpuint (rd_sim_odoo_count_calls (f->sim, "crm.lead", "search_read"), ==, 1);
  /* New records come with every pass. */
  g_assert_cmpint (holder (f, "+86 186 0000 0001"), ==, fresh);
  /* The query is bounded by ids (an index range), never a bare write_date filter. */
  g_assert_nonnull (strstr (rd_sim_odoo_last_request (f->sim), "\"id\",\">=\""));
  /* Edits, wherever they are, within one round of windows (600 ids each), one query a pass. */
  for (passes = 1; holder (f, "+86 186 0000 0002") != near || holder (f, "+86 186 0000 0003") != far; passes++)
    {
      refresh (f);
      g_assert_cmpuint (rd_sim_odoo_count_calls (f->sim, "res.partner", "search_read"), ==, passes + 1);
      g_assert_cmpuint (passes, <=, (N_BULK + 600) / 600 + 1);
    }
  /* Its old number no longer points there. */
  g_assert_cmpint (holder (f, far_before), !=, far);
}

/* Deleted and archived records leave the index at the next reconciliation; ids only, in ranges. */
static void
test_reconcile (Fixture *f, gconstpointer data)
{
  gint64 deleted = f->first_bulk + 10, archived = f->first_bulk + N_BULK - 1;
  char deleted_phone[64], archived_phone[64];

  refresh (f);
  phone_of (f, deleted, deleted_phone);
  phone_of (f, archived, archived_phone);
  g_assert_cmpint (holder (f, deleted_phone), ==, deleted);
  rd_sim_odoo_delete (f->sim, "res.partner", deleted);
  rd_sim_odoo_archive (f->sim, "res.partner", archived);
  rd_sim_odoo_archive (f->sim, "crm.lead", f->lead);
  rd_sim_odoo_reset_counts (f->sim);
  g_assert_cmpint (reconcile (f), ==, 3);
  g_assert_cmpint (holder (f, deleted_phone), ==, 0);
  g_assert_cmpint (holder (f, archived_phone), ==, 0);
  g_assert_cmpint (holder (f, "+86 137 1234 5678"), ==, 0);
  g_assert_cmpint (status_int (f, "removed"), ==, 3);
  /* Ids only (search, not search_read), in ranges of 500 ids. */
  g_assert_cmpuint (rd_sim_odoo_count_calls (f->sim, "res.partner", "search_read"), ==, 0);
  g_assert_cmpuint (rd_sim_odoo_count_calls (f->sim, "res.partner", "search"), ==,
                    (f->first_bulk + N_BULK - 1 + 499) / 500);
  /* The rest is still there; a second round finds nothing more. */
  g_assert_cmpint (reconcile (f), ==, 0);
  {
    char buffer[64];

    g_assert_cmpint (holder (f, phone_of (f, deleted + 1, buffer)), ==, deleted + 1);
  }
}

/* A transient CRM failure mid-fill is retried; a refused key fails the pass, and the next one
 * resumes. */
static void
test_fill_errors (Fixture *f, gconstpointer data)
{
  Wait w = { 0 };

  rd_sim_odoo_fail_next (f->sim, "none", 3);
  rd_sim_odoo_fail_next (f->sim, "503", 1);
  refresh (f);
  assert_all_indexed (f);

  close_index (f);
  remove_db (f);
  open_index (f);
  rd_sim_odoo_fail_next (f->sim, "none", 4);
  rd_sim_odoo_fail_next (f->sim, "access-denied", 1);
  rd_index_sync_refresh_async (f->sync, NULL, refreshed_cb, &w);
  wait_until (&w.done, 20000);
  g_assert_error (w.error, RD_ERROR, RD_ERROR_AUTH);
  g_clear_error (&w.error);
  refresh (f);
  assert_all_indexed (f);
}

/* RD_INDEX_SYNC_GROUP picks one group (meson runs each as a test of its own, side by side, as
 * the flow-window ones wait ~15–50 s each on a CRM that takes 1 s a page); unset: all of them. */
static const struct {
  const char *group;
  const char *path;
  const char *version;
  void      (*fn) (Fixture *f, gconstpointer data);
} tests[] = {
  { "pipelined-17", "/index-sync/pipelined/odoo17", "17.0", test_fill_pipelined },
  { "pipelined-15", "/index-sync/pipelined/odoo15", "15.0", test_fill_pipelined },
  { "one-worker", "/index-sync/one-worker", "17.0", test_fill_one_worker },
  { "passes", "/index-sync/fill-resumes", "17.0", test_fill_resumes },
  { "passes", "/index-sync/fill-errors", "17.0", test_fill_errors },
  { "passes", "/index-sync/refresh-one-query", "17.0", test_refresh_one_query },
  { "passes", "/index-sync/refresh-one-query-19", "19.0", test_refresh_one_query },
  { "passes", "/index-sync/reconcile", "17.0", test_reconcile },
};

int
main (int argc, char **argv)
{
  const char *group = g_getenv ("RD_INDEX_SYNC_GROUP");

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    if (group == NULL || g_str_equal (group, tests[i].group))
      g_test_add (tests[i].path, Fixture, tests[i].version, setup, tests[i].fn, teardown);
  return g_test_run ();
}
