/* Unit tests of the hub's parts that need no network: phone index, bindings and
 * agent keys, secrets, keyfile configuration. */
#include "config.h"

#include "core/rd-error.h"
#include "hub/rd-backend-settings.h"
#include "hub/rd-bindings.h"
#include "hub/rd-flow-window.h"
#include "hub/rd-hub-config.h"
#include "hub/rd-phone-index.h"
#include "hub/rd-secrets.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db-files.h"

static RdCrmChange *
change_new (RdCrmKind kind, gint64 id, const char *name, const char *country, const char *const *numbers,
            const char *write_date)
{
  RdCrmChange *change = g_new0 (RdCrmChange, 1);

  change->kind = kind;
  change->id = id;
  change->active = TRUE;
  change->name = g_strdup (name);
  change->country_code = g_strdup (country);
  change->numbers = g_strdupv ((char **) numbers);
  change->write_date = g_strdup (write_date);
  return change;
}

static RdPhoneNumber *
parse (const char *text, const char *region)
{
  g_autoptr(GError) error = NULL;
  RdPhoneNumber *number = rd_phone_parse (text, -1, region, NULL, &error);

  g_assert_no_error (error);
  return number;
}

static GPtrArray *
lookup (RdPhoneIndex *index, const char *text, const char *region)
{
  g_autoptr(RdPhoneNumber) number = parse (text, region);
  g_autoptr(GError) error = NULL;
  GPtrArray *matches = rd_phone_index_lookup (index, number, &error);

  g_assert_no_error (error);
  return matches;
}

static void
test_phone_index_basics (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdPhoneIndex) index = NULL;
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
  g_autoptr(GPtrArray) matches = NULL;

  g_assert_no_error (error);
  index = rd_phone_index_new (store, &error);
  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");

  /* National numbers take the record's country, else the index region. */
  g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, 7, "Li Lei", NULL,
                                     (const char *[]) { "138 0013 8000", "", "not a number", NULL }, "2024-01-02"));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_COMPANY, 3, "Acme", "FR",
                                     (const char *[]) { "01 42 68 53 00", "+86 138-0013-8000", NULL }, "2024-01-03"));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_LEAD, 9, "Lead <b>X</b>", NULL,
                                     (const char *[]) { "+8613800138000", NULL }, "2024-01-04"));
  /* Bogus kinds and ids are skipped, not fatal. */
  g_ptr_array_add (page, change_new (0, 5, "Nobody", NULL, (const char *[]) { "+8613900000000", NULL }, NULL));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, -1, "Negative", NULL,
                                     (const char *[]) { "+8613900000001", NULL }, NULL));
  g_assert_true (rd_phone_index_apply (index, RD_CRM_KIND_ALL, page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 4);

  /* Best first: individual, company, lead. */
  matches = lookup (index, "+86 138 0013 8000", "US");
  g_assert_cmpuint (matches->len, ==, 3);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[0])->name, ==, "Li Lei");
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[1])->kind, ==, RD_CRM_KIND_COMPANY);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[2])->kind, ==, RD_CRM_KIND_LEAD);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[2])->name, ==, "Lead <b>X</b>");
  g_clear_pointer (&matches, g_ptr_array_unref);

  matches = lookup (index, "+33 1 42 68 53 00", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 3);
  g_clear_pointer (&matches, g_ptr_array_unref);

  matches = lookup (index, "+8613900000000", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);

  /* A change replaces the record's numbers; an archived record leaves. */
  g_ptr_array_set_size (page, 0);
  g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, 7, "Li Lei", NULL,
                                     (const char *[]) { "+86 139 0000 0000", NULL }, "2024-02-01"));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_LEAD, 9, "Lead", NULL, (const char *[]) { "+8613800138000", NULL }, NULL));
  ((RdCrmChange *) page->pdata[1])->active = FALSE;
  g_assert_true (rd_phone_index_apply (index, RD_CRM_KIND_ALL, page, &error));
  matches = lookup (index, "+8613800138000", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->kind, ==, RD_CRM_KIND_COMPANY);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = lookup (index, "13900000000", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 7);
  g_clear_pointer (&matches, g_ptr_array_unref);

  /* Withheld and internal numbers never match. */
  matches = lookup (index, "anonymous", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = lookup (index, "2001", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);

  g_assert_true (rd_phone_index_clear (index, &error));
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 0);
}

static void
test_phone_index_put_match (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) matches = NULL;
  RdCrmMatch match = { 0 };
  char *numbers[] = { (char *) "+1 202-555-0142", (char *) "+44 20 7946 0958", NULL };

  g_assert_no_error (error);
  match.kind = RD_CRM_KIND_LEAD;
  match.id = 42;
  match.name = (char *) "Automatic New Contact - +1 202-555-0142";
  match.numbers = numbers;
  g_assert_true (rd_phone_index_put_match (index, &match, &error));
  g_assert_no_error (error);
  matches = lookup (index, "+442079460958", NULL);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 42);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[0])->name, ==, match.name);
}

/* Individuals and companies of a CRM that keeps them in one id space: a contact that becomes a
 * company replaces its old entry; spaces are reconciled by id ranges; the number count stays
 * right without scanning. */
static void
test_phone_index_spaces (void)
{
  static const RdCrmKind spaces[4] = { RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, RD_CRM_KIND_LEAD, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 id;

  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");
  rd_phone_index_set_id_spaces (index, spaces);
  g_assert_cmpint (rd_phone_index_space_of (index, RD_CRM_KIND_COMPANY), ==, spaces[0]);
  g_assert_cmpint (rd_phone_index_space_of (index, RD_CRM_KIND_LEAD), ==, RD_CRM_KIND_LEAD);

  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *phone = g_strdup_printf ("+86 139 0000 000%u", i);

      g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, i * 10, "Person", NULL,
                                         (const char *[]) { phone, NULL }, "2024-01-01 00:00:00"));
    }
  g_ptr_array_add (page, change_new (RD_CRM_KIND_LEAD, 20, "Lead twenty", NULL,
                                     (const char *[]) { "+86 139 0000 0099", NULL }, "2024-01-01 00:00:00"));
  g_assert_true (rd_phone_index_apply (index, spaces[0], page, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 6);   /* the lead is not of this space */
  g_ptr_array_set_size (page, 0);
  g_ptr_array_add (page, change_new (RD_CRM_KIND_LEAD, 20, "Lead twenty", NULL,
                                     (const char *[]) { "+86 139 0000 0099", NULL }, "2024-01-01 00:00:00"));
  g_assert_true (rd_phone_index_apply (index, RD_CRM_KIND_LEAD, page, &error));
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 7);

  /* Person 20 becomes a company with another number: one entry, the new one. */
  g_ptr_array_set_size (page, 0);
  g_ptr_array_add (page, change_new (RD_CRM_KIND_COMPANY, 20, "Now a company", NULL,
                                     (const char *[]) { "+86 21 6123 4567", NULL }, "2024-02-01 00:00:00"));
  g_assert_true (rd_phone_index_apply (index, spaces[0], page, &error));
  matches = lookup (index, "+86 139 0000 0002", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = lookup (index, "021 6123 4567", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->kind, ==, RD_CRM_KIND_COMPANY);
  g_clear_pointer (&matches, g_ptr_array_unref);
  /* Lead 20 is another space: untouched. */
  matches = lookup (index, "+86 139 0000 0099", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_clear_pointer (&matches, g_ptr_array_unref);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 7);

  /* Ids of a space in a range, and dropping some. */
  ids = rd_phone_index_list_ids (index, spaces[0], 20, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, 20);
  g_assert_cmpint (g_array_index (ids, gint64, 2), ==, 40);
  g_clear_pointer (&ids, g_array_unref);
  ids = rd_phone_index_list_ids (index, spaces[0], 1, 0, &error);
  g_assert_cmpuint (ids->len, ==, 6);
  g_clear_pointer (&ids, g_array_unref);
  id = 20;
  g_array_append_val (gone, id);
  id = 60;
  g_array_append_val (gone, id);
  g_assert_true (rd_phone_index_forget_ids (index, spaces[0], gone, &error));
  g_assert_no_error (error);
  ids = rd_phone_index_list_ids (index, spaces[0], 1, 0, &error);
  g_assert_cmpuint (ids->len, ==, 4);
  g_clear_pointer (&ids, g_array_unref);
  matches = lookup (index, "+86 139 0000 0099", "CN");   /* the lead with the same id stays */
  g_assert_cmpuint (matches->len, ==, 1);
  g_clear_pointer (&matches, g_ptr_array_unref);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 5);

  /* The cached count equals a fresh count (a new index object counts from scratch). */
  {
    g_autoptr(RdPhoneIndex) again = rd_phone_index_new (store, &error);

    g_assert_cmpuint (rd_phone_index_count_numbers (again), ==, 5);
  }
}

static void
test_phone_index_space_state (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(RdIndexSpace) got = NULL;
  RdIndexSpace state = { TRUE, 1001, 1000, 1200, (char *) "2024-01-01 00:00:00", NULL, 101, 51 };

  g_assert_no_error (error);
  g_assert_null (rd_phone_index_get_space (index, RD_CRM_KIND_LEAD));
  g_assert_true (rd_phone_index_set_space (index, RD_CRM_KIND_LEAD, &state, &error));
  g_assert_no_error (error);
  got = rd_phone_index_get_space (index, RD_CRM_KIND_LEAD);
  g_assert_nonnull (got);
  g_assert_true (got->filled);
  g_assert_cmpint (got->fill_next, ==, 1001);
  g_assert_cmpint (got->fill_end, ==, 1000);
  g_assert_cmpint (got->max_id, ==, 1200);
  g_assert_cmpstr (got->mark, ==, "2024-01-01 00:00:00");
  g_assert_null (got->next_mark);
  g_assert_cmpint (got->sweep_id, ==, 101);
  g_assert_cmpint (got->reconcile_id, ==, 51);
  g_assert_true (rd_phone_index_clear (index, &error));
  g_assert_null (rd_phone_index_get_space (index, RD_CRM_KIND_LEAD));
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError  *error;
} ApplyWait;

static void
applied_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ApplyWait *w = user_data;

  w->ok = rd_phone_index_apply_finish (RD_PHONE_INDEX (source), result, &w->error);
  w->done = TRUE;
}

static GPtrArray *
bulk_page (guint first, guint n)
{
  GPtrArray *page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *phone = g_strdup_printf ("+86 138 %04u %04u", i / 10000, i % 10000);
      g_autofree char *name = g_strdup_printf ("Person %u", i);

      g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, i, name, NULL, (const char *[]) { phone, NULL },
                                         "2024-01-01 00:00:00"));
    }
  return page;
}

/* Bulk writes off the main loop: to a database file on a second connection from a worker thread,
 * to an in-memory database in main-loop chunks; a clear() meanwhile stops them. */
static void
test_phone_index_apply_async (gconstpointer data)
{
  gboolean file = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-index-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(RdStore) store = rd_store_open (file ? path : ":memory:", &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) page = bulk_page (1, 3000);
  g_autoptr(GPtrArray) matches = NULL;
  ApplyWait w = { 0 };

  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");
  rd_phone_index_apply_async (index, RD_CRM_KIND_INDIVIDUAL, page, NULL, applied_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 3000);
  matches = lookup (index, "13800002999", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[0])->name, ==, "Person 2999");

  /* Cleared while a batch is being written: it stops, and nothing of it comes back afterwards. */
  g_clear_pointer (&page, g_ptr_array_unref);
  page = bulk_page (10001, 20000);
  w = (ApplyWait) { 0 };
  rd_phone_index_apply_async (index, RD_CRM_KIND_INDIVIDUAL, page, NULL, applied_cb, &w);
  g_assert_true (rd_phone_index_clear (index, &error));
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 0);
  {
    g_autoptr(RdPhoneIndex) again = rd_phone_index_new (store, &error);

    g_assert_cmpuint (rd_phone_index_count_numbers (again), ==, 0);
  }
  g_clear_object (&index);
  g_clear_object (&store);
  if (file)
    test_remove_db_files (path);
  g_rmdir (dir);
}

/* The index in a file of its own: while a bulk write holds the index file's write lock (here a
 * second connection in a transaction), the hub's own writes (calls, outbox, settings) go on at
 * once and lookups read the index; while the store is in a write transaction, the index is
 * written. In the store's file they waited for each other (and a store write failed after the
 * busy timeout). */
static void
test_phone_index_own_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-index-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autofree char *index_path = g_build_filename (dir, "hub-index.db", NULL);
  g_autofree char *own_path = rd_phone_index_file_for (path);
  g_autofree char *no_suffix = rd_phone_index_file_for ("/var/lib/hub/state");
  g_autoptr(RdStore) store = rd_store_open (path, &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) page = bulk_page (1, 10);
  g_autoptr(GPtrArray) matches = NULL;
  RdCrmMatch match = { .kind = RD_CRM_KIND_INDIVIDUAL, .id = 500, .name = (char *) "Found on a miss",
                       .numbers = (char *[]) { (char *) "+86 139 0000 0500", NULL } };
  sqlite3 *bulk = NULL;
  GStatBuf st;
  gint64 start;

  g_assert_no_error (error);
  g_assert_cmpstr (own_path, ==, index_path);
  g_assert_null (rd_phone_index_file_for (":memory:"));
  g_assert_null (rd_phone_index_file_for ("file:x?mode=memory"));
  g_assert_cmpstr (no_suffix, ==, "/var/lib/hub/state-index");
  g_assert_cmpint (g_stat (index_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);   /* names of the CRM's contacts */
  rd_phone_index_set_region (index, "CN");
  g_assert_true (rd_phone_index_apply (index, RD_CRM_KIND_INDIVIDUAL, page, &error));
  g_assert_no_error (error);

  /* A bulk write in progress on the index's file. */
  g_assert_cmpint (sqlite3_open (index_path, &bulk), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (bulk, "BEGIN IMMEDIATE; DELETE FROM phone_index_number WHERE rec_id = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  start = g_get_monotonic_time ();
  g_assert_true (rd_store_set_setting (store, "test.key", "written", &error));
  g_assert_no_error (error);
  /* Not the busy timeout (5 s): no wait at all. A generous bound for a loaded machine. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  matches = lookup (index, "13800000001", "CN");   /* the committed state */
  g_assert_cmpuint (matches->len, ==, 1);
  g_clear_pointer (&matches, g_ptr_array_unref);
  g_assert_cmpint (sqlite3_exec (bulk, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (bulk);

  /* A store transaction in progress: the index is written meanwhile. */
  g_assert_true (rd_store_begin (store, &error));
  g_assert_true (rd_store_set_setting (store, "test.key", "again", &error));
  g_assert_true (rd_phone_index_put_match (index, &match, &error));
  g_assert_no_error (error);
  g_assert_true (rd_store_commit (store, &error));
  matches = lookup (index, "13900000500", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_clear_pointer (&matches, g_ptr_array_unref);

  /* The store itself holds no index tables. */
  {
    sqlite3_stmt *s = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (rd_store_get_db (store),
                                         "SELECT count(*) FROM sqlite_master WHERE name LIKE 'phone_index%'",
                                         -1, &s, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (s, 0), ==, 0);
    sqlite3_finalize (s);
  }
  g_clear_object (&index);
  g_clear_object (&store);
  test_remove_db_files (path);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Main-loop writes to the index while the fill's writer is busy with a large batch: each record
 * put meanwhile is written (after the writer's chunk, from a worker thread, the call returning at
 * once), nothing is lost or doubled, and the fill's progress is saved only when it costs no wait. */
static void
test_phone_index_put_during_bulk (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-index-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(RdStore) store = rd_store_open (path, &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) page = bulk_page (1, 10000);
  g_autoptr(RdIndexSpace) state = g_new0 (RdIndexSpace, 1);
  g_autoptr(RdIndexSpace) read = NULL;
  ApplyWait w = { 0 };
  guint puts = 0, found = 0;
  gboolean saved = FALSE;
  gint64 deadline;

  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");
  rd_phone_index_apply_async (index, RD_CRM_KIND_INDIVIDUAL, page, NULL, applied_cb, &w);
  while (!w.done && puts < 100)
    {
      g_autofree char *number = g_strdup_printf ("+86 139 0000 %04u", puts);
      RdCrmMatch match = { .kind = RD_CRM_KIND_COMPANY, .id = 100000 + puts, .name = (char *) "Put meanwhile",
                           .numbers = (char *[]) { number, NULL } };

      g_assert_true (rd_phone_index_put_match (index, &match, &error));
      g_assert_no_error (error);
      /* The same record again with another number: written in order, the second one wins. */
      match.id = 200000 + puts;
      match.numbers[0] = (char *) "+86 139 1111 0000";
      g_assert_true (rd_phone_index_put_match (index, &match, &error));
      g_free (number);
      number = g_strdup_printf ("+86 139 2222 %04u", puts);
      match.numbers[0] = number;
      g_assert_true (rd_phone_index_put_match (index, &match, &error));
      g_assert_no_error (error);
      state->fill_next = puts;
      g_assert_true (rd_phone_index_set_space_if_idle (index, RD_CRM_KIND_INDIVIDUAL, state, &saved, &error));
      g_assert_no_error (error);
      if (saved)
        {
          read = rd_phone_index_get_space (index, RD_CRM_KIND_INDIVIDUAL);
          g_assert_cmpint (read->fill_next, ==, puts);
          g_clear_pointer (&read, rd_index_space_free);
        }
      puts++;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);
  g_assert_cmpuint (puts, >, 0);
  /* The last puts may still be on their way. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (found < puts && g_get_monotonic_time () < deadline)
    {
      found = 0;
      for (guint i = 0; i < puts; i++)
        {
          g_autofree char *number = g_strdup_printf ("139 0000 %04u", i);
          g_autoptr(GPtrArray) matches = lookup (index, number, "CN");

          g_autofree char *again = g_strdup_printf ("139 2222 %04u", i);
          g_autoptr(GPtrArray) second = lookup (index, again, "CN");

          found += matches->len == 1 && ((RdCrmMatch *) matches->pdata[0])->id == 100000 + i &&
                   second->len == 1 && ((RdCrmMatch *) second->pdata[0])->id == 200000 + i;
        }
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpuint (found, ==, puts);
  g_clear_pointer (&page, g_ptr_array_unref);
  {
    g_autoptr(GPtrArray) first = lookup (index, "139 1111 0000", "CN");   /* replaced every time */

    g_assert_cmpuint (first->len, ==, 0);
  }
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 10000 + 2 * puts);
  /* The writer idle: saved at once. */
  state->fill_next = 777;
  g_assert_true (rd_phone_index_set_space_if_idle (index, RD_CRM_KIND_INDIVIDUAL, state, &saved, &error));
  g_assert_true (saved);
  read = rd_phone_index_get_space (index, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpint (read->fill_next, ==, 777);
  {
    g_autoptr(RdPhoneIndex) again = rd_phone_index_new (store, &error);   /* counts from scratch */

    g_assert_cmpuint (rd_phone_index_count_numbers (again), ==, 10000 + 2 * puts);
  }
  g_clear_object (&index);
  g_clear_object (&store);
  test_remove_db_files (path);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A first fill inserts each chunk's numbers in key order, apart from their records: records
 * with several numbers, numbers shared by two records, keys in the reverse order of the ids,
 * across more than one writer transaction — every number finds all its records, and only them. */
static void
test_phone_index_first_fill_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-index-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(RdStore) store = rd_store_open (path, &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
  const guint n = 12001;
  ApplyWait w = { 0 };

  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *own = g_strdup_printf ("+86 139 %04u %04u", (n - i) / 10000, (n - i) % 10000);
      g_autofree char *shared = g_strdup_printf ("+86 137 0000 %04u", i / 2);
      g_autofree char *name = g_strdup_printf ("Person %u", i);

      g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, i, name, NULL,
                                         (const char *[]) { shared, own, shared, NULL }, "2024-01-01 00:00:00"));
    }
  rd_phone_index_apply_async (index, RD_CRM_KIND_INDIVIDUAL, page, NULL, applied_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 2 * n);
  /* Right after the fill the writer keeps its page cache (megabytes: another page may follow);
   * idle a few seconds, it gives it back. */
  g_assert_cmpint (rd_phone_index_get_writer_cache_bytes (index), >, 256 * 1024);
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (rd_phone_index_get_writer_cache_bytes (index) >= 64 * 1024 && g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
  }
  g_assert_cmpint (rd_phone_index_get_writer_cache_bytes (index), >=, 0);
  g_assert_cmpint (rd_phone_index_get_writer_cache_bytes (index), <, 64 * 1024);
  for (guint i = 1; i <= n; i += 997)
    {
      g_autofree char *own = g_strdup_printf ("139 %04u %04u", (n - i) / 10000, (n - i) % 10000);
      g_autofree char *shared = g_strdup_printf ("137 0000 %04u", i / 2);
      g_autoptr(GPtrArray) mine = lookup (index, own, "CN");
      g_autoptr(GPtrArray) both = lookup (index, shared, "CN");
      g_autofree char *name = g_strdup_printf ("Person %u", i);
      gint64 other = i % 2 == 0 ? i + 1 : i - 1;

      g_assert_cmpuint (mine->len, ==, 1);
      g_assert_cmpint (((RdCrmMatch *) mine->pdata[0])->id, ==, i);
      g_assert_cmpstr (((RdCrmMatch *) mine->pdata[0])->name, ==, name);
      g_assert_cmpuint (both->len, ==, other >= 1 && other <= n ? 2 : 1);
      for (guint m = 0; m < both->len; m++)
        g_assert_true (((RdCrmMatch *) both->pdata[m])->id == i || ((RdCrmMatch *) both->pdata[m])->id == other);
    }
  g_clear_object (&index);
  g_clear_object (&store);
  test_remove_db_files (path);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The index as versions up to schema 2 kept it, in the store's own file: moved into the file of
 * its own at the first start (content and fill state kept, nothing read again from the CRM), and
 * dropped from the store. */
static const char * const old_index_schema[] = {
  "CREATE TABLE phone_index_record ("
  "  kind INTEGER NOT NULL, rec_id INTEGER NOT NULL,"
  "  name TEXT, company TEXT, write_date TEXT,"
  "  PRIMARY KEY (kind, rec_id)) WITHOUT ROWID;"
  "CREATE TABLE phone_index_number ("
  "  key TEXT NOT NULL, kind INTEGER NOT NULL, rec_id INTEGER NOT NULL,"
  "  PRIMARY KEY (key, kind, rec_id)) WITHOUT ROWID;"
  "CREATE INDEX phone_index_number_rec ON phone_index_number (kind, rec_id);"
  "CREATE TABLE phone_index_cursor ("
  "  kind INTEGER PRIMARY KEY, mark TEXT, after_id INTEGER NOT NULL DEFAULT 0);",
  "DROP TABLE phone_index_cursor;"
  "CREATE TABLE phone_index_space ("
  "  space INTEGER PRIMARY KEY,"
  "  filled INTEGER NOT NULL DEFAULT 0,"
  "  fill_next INTEGER NOT NULL DEFAULT 0,"
  "  fill_end INTEGER NOT NULL DEFAULT 0,"
  "  max_id INTEGER NOT NULL DEFAULT 0,"
  "  mark TEXT, next_mark TEXT,"
  "  sweep_id INTEGER NOT NULL DEFAULT 0,"
  "  reconcile_id INTEGER NOT NULL DEFAULT 0);",
};

static void
test_phone_index_moved_from_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-index-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(RdStore) store = rd_store_open (path, &error);
  g_autoptr(RdPhoneIndex) index = NULL;
  g_autoptr(RdIndexSpace) state = NULL;
  g_autoptr(GPtrArray) matches = NULL;

  g_assert_no_error (error);
  g_assert_true (rd_store_migrate (store, "phone-index", old_index_schema, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (rd_store_get_db (store),
                                 "INSERT INTO phone_index_record VALUES (1, 42, 'Li Lei', 'Acme', '2024-01-01 00:00:00');"
                                 "INSERT INTO phone_index_number VALUES ('+8613800138000', 1, 42);"
                                 "INSERT INTO phone_index_space VALUES (3, 1, 1001, 1000, 1000, 'm1', NULL, 7, 9);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  for (guint round = 0; round < 2; round++)   /* moved once; the second start finds it moved */
    {
      index = rd_phone_index_new (store, &error);
      g_assert_no_error (error);
      matches = lookup (index, "138 0013 8000", "CN");
      g_assert_cmpuint (matches->len, ==, 1);
      g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 42);
      g_assert_cmpstr (((RdCrmMatch *) matches->pdata[0])->company, ==, "Acme");
      g_clear_pointer (&matches, g_ptr_array_unref);
      g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 1);
      state = rd_phone_index_get_space (index, 3);
      g_assert_nonnull (state);
      g_assert_true (state->filled);
      g_assert_cmpint (state->max_id, ==, 1000);
      g_assert_cmpstr (state->mark, ==, "m1");
      g_assert_cmpint (state->reconcile_id, ==, 9);
      g_clear_pointer (&state, rd_index_space_free);
      g_assert_cmpint (rd_store_get_schema_version (store, "phone-index"), ==, 3);
      g_assert_cmpint (sqlite3_exec (rd_store_get_db (store), "SELECT 1 FROM phone_index_number",
                                     NULL, NULL, NULL), ==, SQLITE_ERROR);   /* no such table */
      g_clear_object (&index);
    }
  g_clear_object (&store);
  test_remove_db_files (path);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The flow window (rd-flow-window.h) against a CRM model: @workers requests served at once,
 * each taking 100 ms for 1000 records; the others queue. */
static guint
settle (guint workers, guint max)
{
  RdFlowWindow w;

  rd_flow_window_init (&w, max);
  for (guint round = 0; round < 60; round++)
    {
      /* With `size` requests in flight, each waits for ceil(size / workers) service times. */
      gint64 answer = 100000 * (gint64) ((w.size + workers - 1) / workers);

      for (guint i = 0, n = w.size; i < n; i++)
        rd_flow_window_answer (&w, answer, 1000, TRUE);
    }
  return w.size;
}

static void
test_flow_window (void)
{
  RdFlowWindow w;

  g_assert_cmpuint (settle (1, 4), <=, 2);   /* one at a time: never queue more than one behind */
  g_assert_cmpuint (settle (2, 4), ==, 2);
  g_assert_cmpuint (settle (8, 4), ==, 4);   /* enough workers: up to the bound */
  g_assert_cmpuint (settle (8, 1), ==, 1);

  /* Small answers say nothing; an error drops to one and holds a few rounds. */
  rd_flow_window_init (&w, 4);
  for (guint i = 0; i < 20; i++)
    rd_flow_window_answer (&w, 100000, 10, TRUE);
  g_assert_cmpuint (w.size, ==, 1);
  for (guint i = 0; i < 10; i++)
    rd_flow_window_answer (&w, 100000, 1000, TRUE);
  g_assert_cmpuint (w.size, >, 1);
  rd_flow_window_error (&w);
  g_assert_cmpuint (w.size, ==, 1);
  rd_flow_window_answer (&w, 100000, 1000, TRUE);
  g_assert_cmpuint (w.size, ==, 1);

  /* A caller that keeps only one request in flight (its writer is behind): fast answers do
   * not grow a window it does not use */
  rd_flow_window_init (&w, 4);
  for (guint i = 0; i < 100; i++)
    rd_flow_window_answer (&w, 100000, 1000, w.size == 1);
  g_assert_cmpuint (w.size, ==, 2);
}

static void
test_bindings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdBindings) bindings = rd_bindings_new (store, &error);
  g_autoptr(RdBinding) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *key = NULL;
  g_autofree char *key2 = NULL;
  g_autofree char *key3 = NULL;
  RdAgentKey *checked = NULL;
  gint64 id1 = 0, id2 = 0, id3 = 0, replaced = -1;
  RdBinding alice_again = { (char *) "2001", 7, (char *) "Alice", (char *) "alice", NULL, NULL, 0 };
  RdBinding alice = { (char *) "2001", 7, (char *) "Alice", (char *) "alice", (char *) "alice@example.com",
                      (char *) "auto", 0 };
  RdBinding bob = { (char *) "2002", 8, (char *) "Bob", (char *) "bob", NULL, NULL, 0 };

  g_assert_no_error (error);
  g_assert_true (rd_bindings_bind (bindings, &alice, &error));
  g_assert_true (rd_bindings_bind (bindings, &bob, &error));
  g_assert_no_error (error);

  /* One extension per user, one user per extension. */
  alice.extension = (char *) "2002";
  g_assert_false (rd_bindings_bind (bindings, &alice, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  alice.extension = (char *) "2001";
  alice.user_id = 8;
  g_assert_false (rd_bindings_bind (bindings, &alice, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  alice.extension = (char *) "20'01; DROP TABLE hub_binding";
  alice.user_id = 9;
  g_assert_false (rd_bindings_bind (bindings, &alice, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  found = rd_bindings_get_by_user (bindings, 8);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->extension, ==, "2002");
  g_assert_cmpstr (found->how, ==, "manual");
  list = rd_bindings_list (bindings);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (rd_bindings_count (bindings), ==, 2);

  g_assert_true (rd_bindings_unbind (bindings, "2002", &error));
  g_assert_false (rd_bindings_unbind (bindings, "2002", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Keys: random, checked by digest, replaced on reissue, issued to the binding. */
  key = rd_bindings_issue_key (bindings, "2001", &id1, &replaced, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (key, "rdk_"));
  g_assert_cmpuint (strlen (key), >=, 40);
  g_assert_cmpint (replaced, ==, 0);
  checked = rd_bindings_check_key (bindings, "2001", key);
  g_assert_nonnull (checked);
  g_assert_cmpint (checked->id, ==, id1);
  g_assert_cmpint (checked->user_id, ==, 7);
  g_clear_pointer (&checked, rd_agent_key_free);
  g_assert_null (rd_bindings_check_key (bindings, "2002", key));
  g_assert_null (rd_bindings_check_key (bindings, "2001", "rdk_wrong"));
  g_assert_null (rd_bindings_check_key (bindings, "2001", ""));
  key2 = rd_bindings_issue_key (bindings, "2001", &id2, &replaced, &error);
  g_assert_cmpstr (key, !=, key2);
  g_assert_cmpint (replaced, ==, id1);
  g_assert_cmpint (id2, !=, id1);
  g_assert_null (rd_bindings_check_key (bindings, "2001", key));
  checked = rd_bindings_check_key (bindings, "2001", key2);
  g_assert_nonnull (checked);
  g_clear_pointer (&checked, rd_agent_key_free);
  g_assert_null (rd_bindings_issue_key (bindings, "x", NULL, NULL, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* A key of an unbound extension ends when it is bound; unbinding ends a bound one's key. */
  key3 = rd_bindings_issue_key (bindings, "2002", &id3, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (rd_bindings_has_key (bindings, "2002"));
  g_assert_true (rd_bindings_bind (bindings, &bob, &error));
  g_assert_false (rd_bindings_has_key (bindings, "2002"));
  g_assert_null (rd_bindings_check_key (bindings, "2002", key3));
  g_assert_true (rd_bindings_unbind (bindings, "2001", &error));
  g_assert_false (rd_bindings_has_key (bindings, "2001"));
  g_assert_true (rd_bindings_bind (bindings, &alice_again, &error));
  g_assert_null (rd_bindings_check_key (bindings, "2001", key2));
  g_assert_no_error (error);

  g_assert_true (rd_bindings_clear (bindings, &error));
  g_assert_cmpuint (rd_bindings_count (bindings), ==, 0);
}

static void
test_secrets (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("rd-secrets-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "secrets", NULL);
  g_autofree char *creds = g_build_filename (tmp, "creds", NULL);
  g_autofree char *path = g_build_filename (dir, RD_SECRET_CRM_API_KEY, NULL);
  g_autofree char *cred_path = g_build_filename (creds, RD_SECRET_PBX_CLIENT_SECRET, NULL);
  g_autoptr(RdSecrets) secrets = NULL;
  g_autoptr(RdSecrets) memory = rd_secrets_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  struct stat st;

  g_mkdir (creds, 0700);
  g_assert_true (g_file_set_contents (cred_path, "from-systemd\n", -1, NULL));
  secrets = rd_secrets_new (dir, creds);

  g_assert_null (rd_secrets_get (secrets, RD_SECRET_CRM_API_KEY, &error));
  g_assert_no_error (error);
  g_assert_true (rd_secrets_set (secrets, RD_SECRET_CRM_API_KEY, "k3y with spaces", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  value = rd_secrets_get (secrets, RD_SECRET_CRM_API_KEY, &error);
  g_assert_cmpstr (value, ==, "k3y with spaces");
  g_clear_pointer (&value, g_free);

  /* systemd credentials are read when the directory has no such secret. */
  value = rd_secrets_get (secrets, RD_SECRET_PBX_CLIENT_SECRET, &error);
  g_assert_cmpstr (value, ==, "from-systemd");
  g_clear_pointer (&value, g_free);

  /* A file others can read is refused. */
  g_chmod (path, 0644);
  g_assert_null (rd_secrets_get (secrets, RD_SECRET_CRM_API_KEY, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_ACCESS);
  g_clear_error (&error);

  g_assert_true (rd_secrets_set (secrets, RD_SECRET_CRM_API_KEY, NULL, &error));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (rd_secrets_set (memory, "x", "in memory", &error));
  value = rd_secrets_get (memory, "x", &error);
  g_assert_cmpstr (value, ==, "in memory");
  g_clear_pointer (&value, g_free);

  /* Administrator files: first line only; empty refused. */
  g_assert_true (g_file_set_contents (cred_path, "line1\nline2\n", -1, NULL));
  value = rd_secrets_read_file (cred_path, &error);
  g_assert_cmpstr (value, ==, "line1");
  g_clear_pointer (&value, g_free);
  g_assert_true (g_file_set_contents (cred_path, "\n", -1, NULL));
  g_assert_null (rd_secrets_read_file (cred_path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (rd_secrets_read_file ("/nonexistent/secret", &error));
  g_assert_nonnull (error);
}

/* Where the hub keeps any backend's own options: by name in the settings (a choice as its
 * index, as hubs did before backends had option tables), secrets in the secrets store only. */
static const char * const styles[] = { "activity", "note", NULL };
static const RdOptionSpec backend_options[] = {
  { "database", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "database name", NULL },
  { "log-style", RD_OPTION_CHOICE, 0, "call log style", styles },
  { "token", RD_OPTION_STRING, RD_OPTION_SECRET, "token", NULL },
  { NULL },
};

static void
test_backend_settings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdSecrets) secrets = rd_secrets_new (NULL, NULL);
  g_autoptr(RdOptions) options = rd_options_new ();
  g_autoptr(RdOptions) loaded = NULL;
  g_autoptr(RdOptions) other = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *value = NULL;
  g_autofree char *account = NULL;

  g_assert_no_error (error);
  /* an older hub's settings: log style as its index, no kind */
  g_assert_true (rd_store_set_setting (store, "crm.database", "prod", &error));
  g_assert_true (rd_store_set_setting_int (store, "crm.log-style", 1, &error));
  loaded = rd_backend_settings_load (store, secrets, "crm", backend_options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rd_options_get (loaded, "database"), ==, "prod");
  g_assert_cmpstr (rd_options_get (loaded, "log-style"), ==, "note");
  g_assert_null (rd_options_get (loaded, "token"));
  rd_options_set (options, "database", "prod");
  g_assert_true (rd_backend_settings_same_account (store, "crm", "odoo", backend_options, options));
  g_clear_pointer (&loaded, rd_options_unref);

  /* saved: the kind, the options by name, the secret in the secrets only */
  rd_options_set (options, "log-style", "activity");
  rd_options_set (options, "token", "t0ken");
  g_assert_true (rd_backend_settings_save_secrets (secrets, "crm", backend_options, options, &error));
  g_assert_true (rd_backend_settings_save (store, "crm", "odoo", backend_options, options, &error));
  g_assert_no_error (error);
  value = rd_store_get_setting (store, "crm.kind");
  g_assert_cmpstr (value, ==, "odoo");
  g_clear_pointer (&value, g_free);
  value = rd_store_get_setting (store, "crm.log-style");
  g_assert_cmpstr (value, ==, "0");
  g_clear_pointer (&value, g_free);
  g_assert_null (rd_store_get_setting (store, "crm.token"));
  value = rd_secrets_get (secrets, "crm-token", &error);
  g_assert_cmpstr (value, ==, "t0ken");
  g_clear_pointer (&value, g_free);
  loaded = rd_backend_settings_load (store, secrets, "crm", backend_options, &error);
  g_assert_cmpstr (rd_options_get (loaded, "log-style"), ==, "activity");
  g_assert_cmpstr (rd_options_get (loaded, "token"), ==, "t0ken");

  /* the same account: same kind and identity options; a log style or token is not an account */
  other = rd_options_copy (options);
  rd_options_set (other, "log-style", "note");
  rd_options_set (other, "token", "another");
  g_assert_true (rd_backend_settings_same_account (store, "crm", "odoo", backend_options, other));
  rd_options_set (other, "database", "test");
  g_assert_false (rd_backend_settings_same_account (store, "crm", "odoo", backend_options, other));
  g_assert_false (rd_backend_settings_same_account (store, "crm", "other-kind", backend_options, options));
  account = rd_backend_settings_describe_account (store, "crm", backend_options);
  g_assert_cmpstr (account, ==, "database prod");

  /* the admin API's names: '_' for '-'; other types are not values */
  json_object_set_string_member (body, "database", "prod");
  json_object_set_string_member (body, "log_style", "note");
  json_object_set_int_member (body, "token", 5);
  json_object_set_string_member (body, "url", "https://crm");
  g_clear_pointer (&other, rd_options_unref);
  other = rd_backend_settings_from_json (body, backend_options);
  g_assert_cmpstr (rd_options_get (other, "database"), ==, "prod");
  g_assert_cmpstr (rd_options_get (other, "log-style"), ==, "note");
  g_assert_null (rd_options_get (other, "token"));
  g_assert_null (rd_options_get (other, "url"));

  /* a request without the secret gets the saved one; one with it keeps its own */
  {
    g_autoptr(RdOptions) request = rd_options_new ();

    rd_options_set (request, "database", "prod");
    rd_backend_settings_fill_secrets (secrets, "crm", backend_options, request);
    g_assert_cmpstr (rd_options_get (request, "token"), ==, "t0ken");
    rd_options_set (request, "token", "new");
    rd_backend_settings_fill_secrets (secrets, "crm", backend_options, request);
    g_assert_cmpstr (rd_options_get (request, "token"), ==, "new");
  }

  /* cleared: settings and secrets */
  g_assert_true (rd_backend_settings_clear (store, secrets, "crm", backend_options, &error));
  g_assert_null (rd_store_get_setting (store, "crm.kind"));
  g_assert_null (rd_store_get_setting (store, "crm.database"));
  g_assert_null (rd_store_get_setting (store, "crm.log-style"));
  g_assert_null (rd_secrets_get (secrets, "crm-token", &error));
  g_assert_no_error (error);
}

static void
test_config (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("rd-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "hub.conf", NULL);
  g_autofree char *db = g_build_filename (tmp, "state", "hub.db", NULL);
  g_autoptr(GError) error = NULL;
  RdHubConfig config;

  g_assert_true (g_file_set_contents (path,
                                      "[hub]\nlisten-address=0.0.0.0\nport=8443\ndatabase=state/hub.db\n"
                                      "tls-certificate=/etc/ringdesk/hub.pem\ntls-key=/etc/ringdesk/hub.key\n"
                                      "[engine]\nretry-base=2\nretry-max=30\n", -1, NULL));
  g_assert_true (rd_hub_config_load (&config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config.options.listen_address, ==, "0.0.0.0");
  g_assert_cmpuint (config.options.port, ==, 8443);
  g_assert_cmpstr (config.options.database_path, ==, db);
  g_assert_cmpstr (config.options.tls_key, ==, "/etc/ringdesk/hub.key");
  g_assert_nonnull (config.options.admin_socket);
  g_assert_cmpuint (config.retry_base, ==, 2);
  g_assert_cmpuint (config.retry_max, ==, 30);
  rd_hub_config_clear (&config);

  /* Secrets do not belong in the keyfile. */
  g_assert_true (g_file_set_contents (path, "[crm]\napi-key=hunter2\n", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_null (strstr (error->message, "hunter2"));
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_true (g_file_set_contents (path, "[hub]\nport=99999\n", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_true (g_file_set_contents (path, "[hub]\ntls-certificate=/x.pem\n", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_true (g_file_set_contents (path, "not a keyfile [", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_false (rd_hub_config_load (&config, "/nonexistent/hub.conf", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  rd_hub_config_clear (&config);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub/phone-index/basics", test_phone_index_basics);
  g_test_add_func ("/hub/phone-index/put-match", test_phone_index_put_match);
  g_test_add_func ("/hub/phone-index/spaces", test_phone_index_spaces);
  g_test_add_func ("/hub/phone-index/space-state", test_phone_index_space_state);
  g_test_add_data_func ("/hub/phone-index/apply-async/file", GINT_TO_POINTER (TRUE), test_phone_index_apply_async);
  g_test_add_data_func ("/hub/phone-index/apply-async/memory", GINT_TO_POINTER (FALSE), test_phone_index_apply_async);
  g_test_add_func ("/hub/phone-index/own-file", test_phone_index_own_file);
  g_test_add_func ("/hub/phone-index/moved-from-store", test_phone_index_moved_from_store);
  g_test_add_func ("/hub/phone-index/put-during-bulk", test_phone_index_put_during_bulk);
  g_test_add_func ("/hub/phone-index/first-fill-order", test_phone_index_first_fill_order);
  g_test_add_func ("/hub/flow-window", test_flow_window);
  g_test_add_func ("/hub/bindings", test_bindings);
  g_test_add_func ("/hub/secrets", test_secrets);
  g_test_add_func ("/hub/config", test_config);
  g_test_add_func ("/hub/backend-settings", test_backend_settings);
  return g_test_run ();
}
