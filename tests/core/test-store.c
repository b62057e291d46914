#include "config.h"

#include "core/rd-error.h"
#include "core/rd-store.h"
#include "core/rd-store-private.h"
#include "core/rd-store-sql.h"

#include <glib/gstdio.h>
#include <string.h>

#define T0 1700000000

typedef struct {
  char    *dir;
  char    *path;
  RdStore *store;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("rd-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "hub.db", NULL);
  f->store = rd_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  rd_store_set_clock (f->store, T0);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  f->store = rd_store_open (f->path, &error);
  g_assert_no_error (error);
  rd_store_set_clock (f->store, T0);
}

static char *
pragma (RdStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (rd_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static void
exec_ok (RdStore *store, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec (rd_store_get_db (store), sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

/* ---- open, pragmas, bad files --------------------------------------------- */

typedef struct {
  sqlite3 *db;
  guint    hold_ms;
} Holder;

static gpointer
hold_then_commit (gpointer data)
{
  Holder *h = data;

  g_usleep (h->hold_ms * 1000);
  g_assert_cmpint (sqlite3_exec (h->db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  return NULL;
}

/* Another connection (the phone index's writer) holds the write lock: a store write waits for it
 * instead of failing, and goes on as soon as it is free (SQLite's default back-off would sleep on
 * for up to 100 ms a step). */
static void
test_open_busy (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  Holder h = { NULL, 300 };
  GThread *thread;
  gint64 t0;
  double waited_ms;

  g_assert_cmpint (sqlite3_open (f->path, &h.db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (h.db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  thread = g_thread_new ("holder", hold_then_commit, &h);
  t0 = g_get_monotonic_time ();
  g_assert_true (rd_store_set_setting (f->store, "busy.test", "yes", &error));
  g_assert_no_error (error);
  waited_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_thread_join (thread);
  sqlite3_close (h.db);
  g_assert_cmpfloat (waited_ms, >=, 250);
  g_test_message ("waited %.1f ms for a 300 ms lock", waited_ms);
}

/* Checkpoints run on a thread of the store's own: the WAL does not grow without end when many
 * commits pass its threshold. */
static void
test_open_checkpoints (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *blob = g_strnfill (3000, 'x');
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  gint64 db_before, end, wal_before = 0;

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  db_before = st.st_size;
  /* 3,000 commits of a 3 kB row each: about 9 MB through the WAL, its threshold (1,000 pages,
   * about 4 MB) passed twice. */
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *key = g_strdup_printf ("blob.%u", i % 50);
      g_autofree char *value = g_strdup_printf ("%u %s", i, blob);

      g_assert_true (rd_store_set_setting (f->store, key, value, &error));
    }
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  /* The database file received the pages: a checkpoint ran. */
  while (g_get_monotonic_time () < end && (g_stat (f->path, &st) != 0 || st.st_size <= db_before))
    g_usleep (10000);
  g_assert_cmpint (st.st_size, >, db_before);
  /* Once it has caught up, the WAL starts again from its beginning instead of growing. */
  g_usleep (500000);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *key = g_strdup_printf ("blob.%u", i % 50);
      g_autofree char *value = g_strdup_printf ("again %u %s", i, blob);

      g_assert_cmpint (g_stat (wal, &st), ==, 0);
      wal_before = MAX (wal_before, st.st_size);
      g_assert_true (rd_store_set_setting (f->store, key, value, &error));
      if (i % 100 == 99)
        g_usleep (20000);   /* a hub's pace: the checkpoints keep up */
    }
  /* Without the restarts the 2,000 commits (two pages each) would have grown it by some 16 MB;
   * with them it stays where it was, give or take the frames of the last few commits when the
   * checkpoint thread is a little behind (seen under ASan on a busy machine: one frame). */
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, wal_before + 16 * (4096 + 24));
}

static void
test_open_pragmas (Fixture *f, gconstpointer data)
{
  g_autofree char *mode = pragma (f->store, "PRAGMA journal_mode");
  g_autofree char *fk = pragma (f->store, "PRAGMA foreign_keys");
  g_autofree char *sync = pragma (f->store, "PRAGMA synchronous");
  GStatBuf st;

  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpstr (fk, ==, "1");
  g_assert_cmpstr (sync, ==, "2"); /* FULL */
  g_assert_cmpstr (rd_store_get_path (f->store), ==, f->path);
  g_assert_cmpint (rd_store_get_schema_version (f->store, "store"), ==, rd_store_schema_latest ());
  g_assert_cmpint (rd_store_get_schema_version (f->store, "nobody"), ==, 0);

  /* Personal data: the file is private to the hub's user. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_garbage_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "dir", "hub.db", NULL);
  g_autofree char *after = NULL;
  const char *text = "These are my notes, not a database. Keep them.\n";
  RdStore *store;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  store = rd_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "notes.txt"));
  /* The file is left exactly as it was. */
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, text);
  g_clear_error (&error);

  store = rd_store_open (missing, &error);
  g_assert_null (store);
  g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
  g_clear_error (&error);

  store = rd_store_open ("", &error);
  g_assert_null (store);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);

  remove_dir (dir);
}

static void
test_open_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  gboolean inserted = FALSE;

  g_assert_no_error (error);
  g_assert_true (rd_store_outbox_enqueue (store, "k", "kind", "{}", &inserted, &error));
  g_assert_no_error (error);
  g_assert_true (inserted);
}

/* ---- migrations ------------------------------------------------------------ */

static const char * const widget_migrations[] = {
  "CREATE TABLE widget (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
  "ALTER TABLE widget ADD COLUMN colour TEXT NOT NULL DEFAULT 'grey';",
  "CREATE TABLE part (id INTEGER PRIMARY KEY,"
  " widget INTEGER NOT NULL REFERENCES widget (id) ON DELETE CASCADE);",
};

static void
test_migrate_component (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *colour = NULL;
  const char * const broken[] = {
    widget_migrations[0], widget_migrations[1], widget_migrations[2],
    "CREATE TABLE gadget (id INTEGER PRIMARY KEY);"
    "INSERT INTO gadget VALUES (1);"
    "THIS IS NOT SQL;",
  };

  /* Version 1, with data. */
  g_assert_true (rd_store_migrate (f->store, "widgets", widget_migrations, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rd_store_get_schema_version (f->store, "widgets"), ==, 1);
  exec_ok (f->store, "INSERT INTO widget (id, name) VALUES (7, 'it''s')");

  /* A later build brings two more steps; the data survives. */
  reopen (f);
  g_assert_true (rd_store_migrate (f->store, "widgets", widget_migrations, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rd_store_get_schema_version (f->store, "widgets"), ==, 3);
  colour = pragma (f->store, "SELECT colour || ':' || name FROM widget WHERE id = 7");
  g_assert_cmpstr (colour, ==, "grey:it's");
  /* Foreign keys are enforced. */
  g_assert_cmpint (sqlite3_exec (rd_store_get_db (f->store),
                                 "INSERT INTO part (widget) VALUES (99)", NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT_FOREIGNKEY);

  /* Running again is a no-op. */
  g_assert_true (rd_store_migrate (f->store, "widgets", widget_migrations, 3, &error));
  g_assert_no_error (error);

  /* A failing step rolls back entirely and leaves the version alone. */
  g_assert_false (rd_store_migrate (f->store, "widgets", broken, 4, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "from version 3 to 4"));
  g_clear_error (&error);
  g_assert_cmpint (rd_store_get_schema_version (f->store, "widgets"), ==, 3);
  g_assert_cmpint (sqlite3_exec (rd_store_get_db (f->store), "SELECT * FROM gadget",
                                 NULL, NULL, NULL), ==, SQLITE_ERROR);

  /* An older build (knows 2 steps) refuses the version-3 database. */
  g_assert_false (rd_store_migrate (f->store, "widgets", widget_migrations, 2, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);
  g_assert_cmpint (rd_store_get_schema_version (f->store, "widgets"), ==, 3);

  g_assert_false (rd_store_migrate (f->store, "", widget_migrations, 1, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

static void
test_migrate_store_from_older (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autoptr(RdStore) store = NULL;
  g_autoptr(RdCallRecord) rec = rd_call_record_new ();
  g_autoptr(GPtrArray) calls = NULL;
  g_autofree char *value = NULL;
  gboolean inserted = FALSE;

  /* A database written by the first release: schema version 1, no outbox. */
  store = rd_store_open_at_version (path, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_store_get_schema_version (store, "store"), ==, 1);
  g_assert_cmpint (sqlite3_exec (rd_store_get_db (store), "SELECT * FROM outbox",
                                 NULL, NULL, NULL), ==, SQLITE_ERROR);
  rec->call_id = g_strdup ("1650012665.266");
  rec->extension = g_strdup ("2002");
  rec->start_unix = T0;
  g_assert_true (rd_store_call_upsert (store, rec, NULL, &inserted, &error));
  g_assert_no_error (error);
  g_assert_true (rd_store_set_setting (store, "cdr.high_water", "12345", &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* Today's build upgrades it in place. */
  store = rd_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_store_get_schema_version (store, "store"), ==, rd_store_schema_latest ());
  g_assert_true (rd_store_call_exists (store, "call:1650012665.266"));
  value = rd_store_get_setting (store, "cdr.high_water");
  g_assert_cmpstr (value, ==, "12345");
  g_assert_true (rd_store_outbox_enqueue (store, "k1", "call-log", "{}", &inserted, &error));
  g_assert_no_error (error);
  calls = rd_store_calls_recent (store, "2002", 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 1);
  g_clear_object (&store);
  remove_dir (dir);
}

static void
test_refuse_newer_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "new.db", NULL);
  g_autofree char *sql = NULL;
  g_autoptr(RdStore) store = rd_store_open (path, &error);
  g_autofree char *value = NULL;

  g_assert_no_error (error);
  g_assert_true (rd_store_set_setting (store, "keep", "me", &error));
  sql = g_strdup_printf ("UPDATE schema_versions SET version = %u WHERE component = 'store'",
                         rd_store_schema_latest () + 1);
  exec_ok (store, sql);
  g_clear_object (&store);

  store = rd_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_assert_nonnull (strstr (error->message, "“store”"));
  g_clear_error (&error);

  /* Nothing was lost or changed by the refusal. */
  store = rd_store_open_at_version (path, 0, &error);
  g_assert_null (store);
  g_clear_error (&error);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT value FROM settings WHERE key = 'keep'",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  g_assert_cmpstr (value, ==, "me");
  remove_dir (dir);
}

/* ---- transactions ---------------------------------------------------------- */

static void
test_nested_transactions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  g_assert_true (rd_store_begin (f->store, &error));
  g_assert_true (rd_store_set_setting (f->store, "a", "1", &error));
  g_assert_true (rd_store_begin (f->store, &error));
  g_assert_true (rd_store_set_setting (f->store, "b", "2", &error));
  rd_store_rollback (f->store);                         /* inner: b undone */
  g_assert_true (rd_store_begin (f->store, &error));
  g_assert_true (rd_store_set_setting (f->store, "c", "3", &error));
  g_assert_true (rd_store_commit (f->store, &error));   /* inner: c kept */
  g_assert_true (rd_store_commit (f->store, &error));   /* outer */
  g_assert_no_error (error);

  reopen (f);
  a = rd_store_get_setting (f->store, "a");
  b = rd_store_get_setting (f->store, "b");
  c = rd_store_get_setting (f->store, "c");
  g_assert_cmpstr (a, ==, "1");
  g_assert_null (b);
  g_assert_cmpstr (c, ==, "3");

  /* An outer rollback undoes everything, including committed inner levels. */
  g_assert_true (rd_store_begin (f->store, &error));
  g_assert_true (rd_store_set_setting (f->store, "a", "changed", &error));
  g_assert_true (rd_store_begin (f->store, &error));
  g_assert_true (rd_store_set_setting (f->store, "d", "4", &error));
  g_assert_true (rd_store_commit (f->store, &error));
  rd_store_rollback (f->store);
  g_clear_pointer (&a, g_free);
  a = rd_store_get_setting (f->store, "a");
  g_assert_cmpstr (a, ==, "1");
  g_assert_null (rd_store_get_setting (f->store, "d"));
}

/* ---- settings -------------------------------------------------------------- */

static char *
hostile_text (gsize len)
{
  /* Every byte value except NUL, quotes and SQL/JSON metacharacters included. */
  GString *s = g_string_sized_new (len + 1);

  for (gsize i = 0; s->len < len; i++)
    {
      char c = (char) (1 + i % 255);
      g_string_append_c (s, c);
      if (i % 97 == 0)
        g_string_append (s, "'); DROP TABLE settings; --\"\\%_");
    }
  g_string_truncate (s, len);
  return g_string_free (s, FALSE);
}

static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hostile = hostile_text (100 * 1024);
  g_autofree char *back = NULL;
  g_autofree char *v = NULL;

  g_assert_null (rd_store_get_setting (f->store, "missing"));
  g_assert_true (rd_store_set_setting (f->store, "pbx.host", "pbx.example.com", &error));
  g_assert_true (rd_store_set_setting (f->store, "pbx.host", "10.0.0.2", &error));
  v = rd_store_get_setting (f->store, "pbx.host");
  g_assert_cmpstr (v, ==, "10.0.0.2");
  g_assert_true (rd_store_set_setting (f->store, "pbx.host", NULL, &error));
  g_assert_null (rd_store_get_setting (f->store, "pbx.host"));
  g_assert_true (rd_store_set_setting (f->store, "gone-already", NULL, &error));
  g_assert_no_error (error);

  g_assert_true (rd_store_set_setting_int (f->store, "hw", G_MININT64, &error));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "hw", 5), ==, G_MININT64);
  g_assert_true (rd_store_set_setting_int (f->store, "hw", G_MAXINT64, &error));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "hw", 5), ==, G_MAXINT64);
  g_assert_cmpint (rd_store_get_setting_int (f->store, "nope", -3), ==, -3);
  g_assert_true (rd_store_set_setting (f->store, "hw", "12abc", &error));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "hw", 9), ==, 9);

  g_assert_true (rd_store_set_setting (f->store, hostile + 50000, hostile, &error));
  g_assert_no_error (error);
  reopen (f);
  back = rd_store_get_setting (f->store, hostile + 50000);
  g_assert_nonnull (back);
  g_assert_cmpuint (strlen (back), ==, 100 * 1024);
  g_assert_cmpmem (back, strlen (back), hostile, strlen (hostile));

  g_assert_false (rd_store_set_setting (f->store, "", "x", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* ---- calls ----------------------------------------------------------------- */

static RdCallRecord *
make_call (const char *call_id, const char *extension, gint64 start)
{
  RdCallRecord *r = rd_call_record_new ();

  r->call_id = g_strdup (call_id);
  r->extension = g_strdup (extension);
  r->direction = RD_DIRECTION_INBOUND;
  r->from_number = g_strdup ("+8613800138000");
  r->to_number = g_strdup (extension);
  r->start_unix = start;
  r->ring_seconds = 4;
  r->talk_seconds = 61;
  r->total_seconds = 65;
  r->outcome = RD_OUTCOME_ANSWERED;
  return r;
}

static void
upsert (RdStore *store, const RdCallRecord *r, const char *match, gboolean expect_inserted)
{
  g_autoptr(GError) error = NULL;
  gboolean inserted = !expect_inserted;

  g_assert_true (rd_store_call_upsert (store, r, match, &inserted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (inserted, ==, expect_inserted);
}

static void
test_calls_upsert (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCallRecord) r = make_call ("1.1", "2002", T0);
  g_autoptr(RdCallRecord) nokey = rd_call_record_new ();
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  RdCallRecord *got;
  gboolean inserted = FALSE;

  r->from_name = g_strdup ("Zhang Wei");
  r->did = g_strdup ("+862155550000");
  r->recording = g_strdup ("20240101-1.1.wav");
  upsert (f->store, r, "{\"model\":\"res.partner\",\"id\":7}", TRUE);
  g_assert_true (rd_store_call_exists (f->store, "call:1.1"));
  g_assert_false (rd_store_call_exists (f->store, "call:1.2"));

  /* The same call again (e.g. CDR catch-up): updated, not duplicated, match kept. */
  r->talk_seconds = 62;
  r->outcome = RD_OUTCOME_VOICEMAIL;
  upsert (f->store, r, NULL, FALSE);

  calls = rd_store_calls_recent (f->store, NULL, 0, &matches, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmpuint (matches->len, ==, 1);
  got = g_ptr_array_index (calls, 0);
  g_assert_cmpstr (got->call_id, ==, "1.1");
  g_assert_null (got->uid);
  g_assert_cmpint (got->direction, ==, RD_DIRECTION_INBOUND);
  g_assert_cmpstr (got->from_number, ==, "+8613800138000");
  g_assert_cmpstr (got->from_name, ==, "Zhang Wei");
  g_assert_cmpstr (got->to_number, ==, "2002");
  g_assert_null (got->to_name);
  g_assert_cmpstr (got->extension, ==, "2002");
  g_assert_cmpstr (got->did, ==, "+862155550000");
  g_assert_cmpint (got->start_unix, ==, T0);
  g_assert_cmpuint (got->ring_seconds, ==, 4);
  g_assert_cmpuint (got->talk_seconds, ==, 62);
  g_assert_cmpuint (got->total_seconds, ==, 65);
  g_assert_cmpint (got->outcome, ==, RD_OUTCOME_VOICEMAIL);
  g_assert_cmpstr (got->recording, ==, "20240101-1.1.wav");
  g_assert_null (got->reason);
  g_assert_cmpstr (g_ptr_array_index (matches, 0), ==, "{\"model\":\"res.partner\",\"id\":7}");

  /* A uid makes it a different key; a row keyed by the CDR uid is new. */
  r->uid = g_strdup ("cdr-9");
  g_free (r->call_id);
  r->call_id = g_strdup ("1.9");
  upsert (f->store, r, NULL, TRUE);
  g_assert_true (rd_store_call_exists (f->store, "uid:cdr-9"));

  g_assert_false (rd_store_call_upsert (f->store, nokey, NULL, &inserted, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* The live end-of-call event (older firmware: call id, no uid) and the catch-up
 * row of the same call (uid, with or without the call id) are one call; transfer
 * legs (same call id, each its own uid) and other calls stay apart. */
static void
test_calls_same_call (Fixture *f, gconstpointer data)
{
  g_autoptr(RdCallRecord) live = make_call ("7.1", "2001", T0);
  g_autoptr(RdCallRecord) row = make_call ("7.1", "2001", T0 + 1);
  g_autoptr(RdCallRecord) row_no_id = make_call (NULL, "2001", T0);
  g_autoptr(RdCallRecord) leg1 = make_call ("8.1", "2001", T0 + 100);
  g_autoptr(RdCallRecord) leg2 = make_call ("8.1", "2002", T0 + 130);
  g_autoptr(RdCallRecord) other = make_call (NULL, "2001", T0 + 60);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GError) error = NULL;

  upsert (f->store, live, NULL, TRUE);
  row->uid = g_strdup ("u-71");
  upsert (f->store, row, NULL, FALSE);             /* same call id, one side without uid */
  row_no_id->uid = g_strdup ("u-71");
  upsert (f->store, row_no_id, NULL, FALSE);       /* no call id: same start, numbers, extension */

  leg1->uid = g_strdup ("u-81");
  leg2->uid = g_strdup ("u-82");
  upsert (f->store, leg1, NULL, TRUE);
  upsert (f->store, leg2, NULL, TRUE);             /* transfer leg: same call id, own uid */
  upsert (f->store, leg2, NULL, FALSE);

  other->uid = g_strdup ("u-99");
  upsert (f->store, other, NULL, TRUE);            /* another call a minute later */

  calls = rd_store_calls_recent (f->store, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 4);
  g_assert_true (rd_store_call_exists (f->store, "call:7.1"));
  g_assert_false (rd_store_call_exists (f->store, "uid:u-71"));
  /* the row without a call id did not erase it */
  for (guint i = 0; i < calls->len; i++)
    {
      RdCallRecord *got = g_ptr_array_index (calls, i);

      if (g_strcmp0 (got->uid, "u-71") == 0)
        g_assert_cmpstr (got->call_id, ==, "7.1");
    }
}

/* Catch-up merges into what was stored: a CDR row that lacks the call id, names, the DID
 * or the recording (v1 rows often do) never erases them; what it brings is added. */
static void
test_calls_merge (Fixture *f, gconstpointer data)
{
  g_autoptr(RdCallRecord) live = make_call ("9.1", "2001", T0);
  g_autoptr(RdCallRecord) row = make_call (NULL, "2001", T0);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GError) error = NULL;
  RdCallRecord *got;

  live->uid = g_strdup ("u-91");
  live->from_name = g_strdup ("Li Lei");
  live->did = g_strdup ("01088880000");
  upsert (f->store, live, "{\"model\":\"res.partner\",\"id\":7}", TRUE);

  row->uid = g_strdup ("u-91");
  row->direction = RD_DIRECTION_UNKNOWN;
  row->outcome = RD_OUTCOME_UNKNOWN;
  row->recording = g_strdup ("20240101-9.1.wav");
  upsert (f->store, row, NULL, FALSE);

  calls = rd_store_calls_recent (f->store, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 1);
  got = g_ptr_array_index (calls, 0);
  g_assert_cmpstr (got->call_id, ==, "9.1");
  g_assert_cmpstr (got->uid, ==, "u-91");
  g_assert_cmpstr (got->from_name, ==, "Li Lei");
  g_assert_cmpstr (got->did, ==, "01088880000");
  g_assert_cmpstr (got->recording, ==, "20240101-9.1.wav");
  g_assert_cmpint (got->direction, ==, RD_DIRECTION_INBOUND);
  g_assert_cmpint (got->outcome, ==, live->outcome);
  g_assert_true (rd_store_call_exists (f->store, "uid:u-91"));
}

/* The legs in progress survive a reopen (a restart); the last state wins, a later NULL
 * match keeps the stored one; removed and stale legs go. */
static void
test_live_calls (Fixture *f, gconstpointer data)
{
  g_autoptr(RdCallEvent) ringing = rd_call_event_new ();
  g_autoptr(RdCallEvent) other = rd_call_event_new ();
  g_autoptr(GPtrArray) legs = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GError) error = NULL;
  RdCallEvent *got;

  ringing->call_id = g_strdup ("5.1");
  ringing->extension = g_strdup ("2001");
  ringing->state = RD_CALL_STATE_RINGING;
  ringing->direction = RD_DIRECTION_INBOUND;
  ringing->remote_number = g_strdup ("+8613800138000");
  ringing->did = g_strdup ("01088880000");
  g_assert_true (rd_store_live_call_put (f->store, ringing, "{\"id\":7}", &error));
  ringing->state = RD_CALL_STATE_ANSWERED;
  g_assert_true (rd_store_live_call_put (f->store, ringing, NULL, &error));
  other->call_id = g_strdup ("5.2");
  other->extension = g_strdup ("2002");
  other->state = RD_CALL_STATE_DIALING;
  other->direction = RD_DIRECTION_OUTBOUND;
  g_assert_true (rd_store_live_call_put (f->store, other, NULL, &error));
  g_assert_no_error (error);

  reopen (f);
  legs = rd_store_live_calls_list (f->store, 3600, &matches, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (legs->len, ==, 2);
  got = g_ptr_array_index (legs, 0);
  g_assert_cmpstr (got->call_id, ==, "5.1");
  g_assert_cmpstr (got->extension, ==, "2001");
  g_assert_cmpint (got->state, ==, RD_CALL_STATE_ANSWERED);
  g_assert_cmpint (got->direction, ==, RD_DIRECTION_INBOUND);
  g_assert_cmpstr (got->remote_number, ==, "+8613800138000");
  g_assert_cmpstr (got->did, ==, "01088880000");
  g_assert_cmpstr (g_ptr_array_index (matches, 0), ==, "{\"id\":7}");
  g_assert_null (g_ptr_array_index (matches, 1));
  g_clear_pointer (&legs, g_ptr_array_unref);
  g_clear_pointer (&matches, g_ptr_array_unref);

  g_assert_true (rd_store_live_call_remove (f->store, "5.1", "2001", &error));
  legs = rd_store_live_calls_list (f->store, 3600, NULL, &error);
  g_assert_cmpuint (legs->len, ==, 1);
  g_clear_pointer (&legs, g_ptr_array_unref);

  /* a leg nothing was heard of for longer than the age limit is dropped */
  rd_store_set_clock (f->store, g_get_real_time () / G_USEC_PER_SEC + 7200);
  legs = rd_store_live_calls_list (f->store, 3600, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (legs->len, ==, 0);
}

static void
test_calls_recent (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) top = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GPtrArray) nobody = NULL;
  /* Inserted out of order; two share a start time (insertion order breaks the tie). */
  struct { const char *id; const char *ext; gint64 start; } rows[] = {
    { "c1", "2002", T0 + 10 }, { "c2", "2003", T0 + 50 }, { "c3", "2002", T0 + 30 },
    { "c4", "2002", T0 + 30 }, { "c5", NULL, T0 + 99 },   { "c6", "2002", T0 - 5 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(RdCallRecord) r = make_call (rows[i].id, rows[i].ext, rows[i].start);
      g_autofree char *match = i == 2 ? g_strdup ("{\"id\":3}") : NULL;

      upsert (f->store, r, match, TRUE);
    }

  all = rd_store_calls_recent (f->store, NULL, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 6);
  {
    const char *expect[] = { "c5", "c2", "c4", "c3", "c1", "c6" };
    for (guint i = 0; i < all->len; i++)
      g_assert_cmpstr (((RdCallRecord *) g_ptr_array_index (all, i))->call_id, ==, expect[i]);
  }

  mine = rd_store_calls_recent (f->store, "2002", 0, &matches, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mine->len, ==, 4);
  {
    const char *expect[] = { "c4", "c3", "c1", "c6" };
    for (guint i = 0; i < mine->len; i++)
      {
        RdCallRecord *r = g_ptr_array_index (mine, i);
        g_assert_cmpstr (r->call_id, ==, expect[i]);
        g_assert_cmpstr (r->extension, ==, "2002");
        g_assert_cmpstr (g_ptr_array_index (matches, i), ==, i == 1 ? "{\"id\":3}" : NULL);
      }
  }

  top = rd_store_calls_recent (f->store, "2002", 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (top->len, ==, 2);
  g_assert_cmpstr (((RdCallRecord *) g_ptr_array_index (top, 1))->call_id, ==, "c3");

  nobody = rd_store_calls_recent (f->store, "9999", 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nobody->len, ==, 0);
}

static void
test_calls_hostile (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = hostile_text (100 * 1024);
  g_autoptr(RdCallRecord) r = make_call ("x'); DELETE FROM calls; --", "2'0\"0\\2", T0);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autofree char *match = g_strdup_printf ("{\"name\":\"%s\"}", "李雷 \\\"quoted\\\" 'single'");
  RdCallRecord *got;

  r->from_name = g_strdup (big);
  r->reason = g_strdup ("\x01\x02\x7f\xc3\x28 not UTF-8 \xff\xfe");
  upsert (f->store, r, match, TRUE);
  reopen (f);

  calls = rd_store_calls_recent (f->store, "2'0\"0\\2", 5, &matches, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 1);
  got = g_ptr_array_index (calls, 0);
  g_assert_cmpstr (got->call_id, ==, "x'); DELETE FROM calls; --");
  g_assert_cmpuint (strlen (got->from_name), ==, strlen (big));
  g_assert_cmpmem (got->from_name, strlen (got->from_name), big, strlen (big));
  g_assert_cmpstr (got->reason, ==, "\x01\x02\x7f\xc3\x28 not UTF-8 \xff\xfe");
  g_assert_cmpstr (g_ptr_array_index (matches, 0), ==, match);
}

/* ---- outbox ---------------------------------------------------------------- */

/* JSON string body for hostile text: control characters as \u00XX, quotes and
 * backslashes escaped, bytes >= 0x80 taken as code points U+0080…U+00FF. */
static char *
json_escape (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != 0; p++)
    {
      if (*p < 0x20)
        g_string_append_printf (s, "\\u%04x", *p);
      else if (*p == '"' || *p == '\\')
        g_string_append_printf (s, "\\%c", *p);
      else if (*p >= 0x80)
        g_string_append_unichar (s, *p);
      else
        g_string_append_c (s, (char) *p);
    }
  return g_string_free (s, FALSE);
}

static void
enqueue (RdStore *store, const char *key, gboolean expect_inserted)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = json_escape (key);
  g_autofree char *payload = g_strdup_printf ("{\"key\":\"%s\"}", escaped);
  gboolean inserted = !expect_inserted;

  g_assert_true (rd_store_outbox_enqueue (store, key, "call-log", payload, &inserted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (inserted, ==, expect_inserted);
}

static GPtrArray *
claim (RdStore *store, const char *claimer, guint max, guint lease)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *items = rd_store_outbox_claim (store, claimer, max, lease, &error);

  g_assert_no_error (error);
  g_assert_nonnull (items);
  return items;
}

#define ITEM(items, i) ((RdOutboxItem *) g_ptr_array_index ((items), (i)))

static void
test_outbox_enqueue (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdOutboxItem) item = NULL;
  g_autoptr(RdOutboxItem) again = NULL;
  g_autofree char *text = hostile_text (100 * 1024);
  g_autofree char *escaped = json_escape (text);
  g_autofree char *payload = g_strdup_printf ("{\"note\":\"%s\",\"emoji\":\"😀\"}", escaped);
  g_autoptr(GPtrArray) items = NULL;
  gboolean inserted = FALSE;

  g_assert_true (rd_store_outbox_enqueue (f->store, "uid:1\"'", "call-log", payload, &inserted,
                                          &error));
  g_assert_no_error (error);
  g_assert_true (inserted);

  /* A duplicate (even with a different payload) is a no-op. */
  g_assert_true (rd_store_outbox_enqueue (f->store, "uid:1\"'", "call-log", "{\"other\":1}",
                                          &inserted, &error));
  g_assert_no_error (error);
  g_assert_false (inserted);
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_PENDING), ==, 1);

  reopen (f);
  item = rd_store_outbox_get (f->store, "uid:1\"'");
  g_assert_nonnull (item);
  g_assert_cmpstr (item->key, ==, "uid:1\"'");
  g_assert_cmpstr (item->kind, ==, "call-log");
  g_assert_cmpuint (strlen (item->payload), ==, strlen (payload));
  g_assert_cmpmem (item->payload, strlen (item->payload), payload, strlen (payload));
  g_assert_cmpint (item->state, ==, RD_OUTBOX_PENDING);
  g_assert_cmpuint (item->attempts, ==, 0);
  g_assert_cmpint (item->created, ==, T0);
  g_assert_cmpint (item->next_attempt, ==, T0);
  g_assert_null (item->last_error);
  g_assert_null (rd_store_outbox_get (f->store, "uid:2"));

  /* Done items keep their key: a late duplicate still does nothing. */
  items = claim (f->store, "w", 10, 30);
  g_assert_true (rd_store_outbox_complete (f->store, ITEM (items, 0)->id, "w", &error));
  g_assert_no_error (error);
  enqueue (f->store, "uid:1\"'", FALSE);
  again = rd_store_outbox_get (f->store, "uid:1\"'");
  g_assert_cmpint (again->state, ==, RD_OUTBOX_DONE);

  /* Bad input: clear errors, nothing stored. */
  g_assert_false (rd_store_outbox_enqueue (f->store, "k", "call-log", "{not json", &inserted,
                                           &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (rd_store_outbox_enqueue (f->store, "", "call-log", "{}", &inserted, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (rd_store_outbox_enqueue (f->store, "k", NULL, "{}", &inserted, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (rd_store_outbox_get (f->store, "k"));
}

static void
test_outbox_claim_order (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) empty = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      enqueue (f->store, key, TRUE);
    }
  g_assert_cmpint (rd_store_outbox_next_due (f->store), ==, T0);

  first = claim (f->store, "a", 3, 60);
  g_assert_cmpuint (first->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      g_assert_cmpstr (ITEM (first, i)->key, ==, key);
      g_assert_cmpint (ITEM (first, i)->state, ==, RD_OUTBOX_CLAIMED);
    }
  /* A second worker gets only what is left. */
  second = claim (f->store, "b", 10, 60);
  g_assert_cmpuint (second->len, ==, 2);
  g_assert_cmpstr (ITEM (second, 0)->key, ==, "k3");
  g_assert_cmpstr (ITEM (second, 1)->key, ==, "k4");
  none = claim (f->store, "c", 10, 60);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_CLAIMED), ==, 5);
  g_assert_cmpint (rd_store_outbox_next_due (f->store), ==, -1);

  empty = claim (f->store, "c", 0, 60);
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_null (rd_store_outbox_claim (f->store, "", 1, 60, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (rd_store_outbox_claim (f->store, "c", 1, 0, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

static void
test_outbox_backoff (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 now = T0;
  gint64 previous_nominal = 0;
  gint64 previous_delay = 0;

  /* The default is 2 s doubling up to 10 min. */
  enqueue (f->store, "flaky", TRUE);

  for (guint attempt = 1; attempt <= 14; attempt++)
    {
      g_autoptr(GPtrArray) items = NULL;
      g_autoptr(GPtrArray) early = NULL;
      g_autoptr(RdOutboxItem) item = NULL;
      g_autofree char *why = g_strdup_printf ("HTTP 503 #%u", attempt);
      gint64 nominal = MIN ((gint64) 2 << (attempt - 1), 600);
      gint64 delay;

      rd_store_set_clock (f->store, now);
      items = claim (f->store, "w", 1, 30);
      g_assert_cmpuint (items->len, ==, 1);
      g_assert_true (rd_store_outbox_fail (f->store, ITEM (items, 0)->id, "w", why, FALSE, &error));
      g_assert_no_error (error);

      item = rd_store_outbox_get (f->store, "flaky");
      g_assert_cmpint (item->state, ==, RD_OUTBOX_PENDING);
      g_assert_cmpuint (item->attempts, ==, attempt);
      g_assert_cmpstr (item->last_error, ==, why);
      delay = item->next_attempt - now;
      /* Nominal delay doubles up to the cap; jitter takes off at most 20 %. */
      g_assert_cmpint (delay, <=, nominal);
      g_assert_cmpint (delay, >=, nominal - nominal / 5);
      if (nominal == 2 * previous_nominal)
        g_assert_cmpint (delay, >, previous_delay);
      previous_nominal = nominal;
      previous_delay = delay;
      g_assert_cmpint (rd_store_outbox_next_due (f->store), ==, item->next_attempt);

      /* Not due before its time. */
      rd_store_set_clock (f->store, item->next_attempt - 1);
      early = claim (f->store, "w", 1, 30);
      g_assert_cmpuint (early->len, ==, 0);
      now = item->next_attempt;
    }

  /* The minimum of one second. */
  rd_store_outbox_set_backoff (f->store, 0, 0);
  {
    g_autoptr(GPtrArray) items = NULL;
    g_autoptr(RdOutboxItem) item = NULL;

    rd_store_set_clock (f->store, now);
    items = claim (f->store, "w", 1, 30);
    g_assert_true (rd_store_outbox_fail (f->store, ITEM (items, 0)->id, "w", "x", FALSE, &error));
    item = rd_store_outbox_get (f->store, "flaky");
    g_assert_cmpint (item->next_attempt, ==, now + 1);
  }
}

/* Items failing together spread out: jitter is real. */
static void
test_outbox_jitter (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gint64 *dues = g_new0 (gint64, 20);

  rd_store_outbox_set_backoff (f->store, 100, 1000);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      enqueue (f->store, key, TRUE);
    }
  items = claim (f->store, "w", 20, 30);
  g_assert_cmpuint (items->len, ==, 20);
  for (guint i = 0; i < items->len; i++)
    {
      g_autoptr(RdOutboxItem) item = NULL;

      g_assert_true (rd_store_outbox_fail (f->store, ITEM (items, i)->id, "w", "down", FALSE,
                                           &error));
      item = rd_store_outbox_get (f->store, ITEM (items, i)->key);
      g_assert_cmpint (item->next_attempt, >, T0 + 80);
      g_assert_cmpint (item->next_attempt, <=, T0 + 100);
      dues[i] = item->next_attempt;
      g_hash_table_add (seen, &dues[i]);
    }
  g_assert_cmpuint (g_hash_table_size (seen), >, 1);
}

static void
test_outbox_permanent (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(RdOutboxItem) item = NULL;

  enqueue (f->store, "bad", TRUE);
  items = claim (f->store, "w", 1, 30);
  g_assert_true (rd_store_outbox_fail (f->store, ITEM (items, 0)->id, "w",
                                       "ValidationError: partner_id 'x' is not valid", TRUE,
                                       &error));
  g_assert_no_error (error);
  item = rd_store_outbox_get (f->store, "bad");
  g_assert_cmpint (item->state, ==, RD_OUTBOX_DEAD);
  g_assert_cmpuint (item->attempts, ==, 1);
  g_assert_cmpstr (item->last_error, ==, "ValidationError: partner_id 'x' is not valid");
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_DEAD), ==, 1);

  /* Dead stays dead: never claimed again, not even much later. */
  rd_store_set_clock (f->store, T0 + 365 * 86400);
  after = claim (f->store, "w", 10, 30);
  g_assert_cmpuint (after->len, ==, 0);
  g_assert_cmpint (rd_store_outbox_next_due (f->store), ==, -1);
  g_assert_false (rd_store_outbox_complete (f->store, ITEM (items, 0)->id, "w", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
}

static void
test_outbox_lease_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) early = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(RdOutboxItem) item = NULL;
  gint64 id;

  enqueue (f->store, "k", TRUE);
  a = claim (f->store, "worker-a", 1, 30);
  g_assert_cmpuint (a->len, ==, 1);
  id = ITEM (a, 0)->id;

  /* Still leased: nobody else can take it. */
  rd_store_set_clock (f->store, T0 + 29);
  early = claim (f->store, "worker-b", 1, 30);
  g_assert_cmpuint (early->len, ==, 0);

  /* Worker a hangs; its lease runs out; b takes over. */
  rd_store_set_clock (f->store, T0 + 30);
  b = claim (f->store, "worker-b", 1, 30);
  g_assert_cmpuint (b->len, ==, 1);
  g_assert_cmpint (ITEM (b, 0)->id, ==, id);

  /* a wakes up: it must not clobber b's work, either way. */
  g_assert_false (rd_store_outbox_complete (f->store, id, "worker-a", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (rd_store_outbox_fail (f->store, id, "worker-a", "timeout", FALSE, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  item = rd_store_outbox_get (f->store, "k");
  g_assert_cmpint (item->state, ==, RD_OUTBOX_CLAIMED);
  g_assert_cmpuint (item->attempts, ==, 0);

  g_assert_true (rd_store_outbox_complete (f->store, id, "worker-b", &error));
  g_assert_no_error (error);
  /* Completing twice is a conflict, not a silent success. */
  g_assert_false (rd_store_outbox_complete (f->store, id, "worker-b", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (rd_store_outbox_complete (f->store, id + 1000, "worker-b", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* An expired lease that nobody took over can still be finished by its holder. */
  enqueue (f->store, "k2", TRUE);
  {
    g_autoptr(GPtrArray) c = claim (f->store, "worker-c", 1, 5);

    rd_store_set_clock (f->store, T0 + 3600);
    g_assert_true (rd_store_outbox_complete (f->store, ITEM (c, 0)->id, "worker-c", &error));
    g_assert_no_error (error);
  }
}

static void
test_outbox_release (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GPtrArray) c = NULL;
  g_autoptr(GPtrArray) d = NULL;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      enqueue (f->store, key, TRUE);
    }
  a = claim (f->store, "hub-1", 2, 600);
  b = claim (f->store, "hub-2", 2, 600);

  /* hub-1 restarts after a crash: it gives back its own leases at once. */
  reopen (f);
  g_assert_true (rd_store_outbox_release (f->store, "hub-1", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_PENDING), ==, 2);
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_CLAIMED), ==, 2);
  c = claim (f->store, "hub-1b", 10, 600);
  g_assert_cmpuint (c->len, ==, 2);
  g_assert_cmpstr (ITEM (c, 0)->key, ==, "k0");
  g_assert_cmpstr (ITEM (c, 1)->key, ==, "k1");
  /* The old hub-1 identity lost them. */
  g_assert_false (rd_store_outbox_complete (f->store, ITEM (a, 0)->id, "hub-1", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);

  /* Single hub start-up: release everything. */
  g_assert_true (rd_store_outbox_release (f->store, NULL, &error));
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_CLAIMED), ==, 0);
  d = claim (f->store, "hub", 10, 600);
  g_assert_cmpuint (d->len, ==, 4);
}

static void
test_outbox_prune (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  enqueue (f->store, "old", TRUE);
  enqueue (f->store, "new", TRUE);
  enqueue (f->store, "pending", TRUE);
  items = claim (f->store, "w", 2, 60);
  g_assert_true (rd_store_outbox_complete (f->store, ITEM (items, 0)->id, "w", &error));
  rd_store_set_clock (f->store, T0 + 86400);
  g_assert_true (rd_store_outbox_complete (f->store, ITEM (items, 1)->id, "w", &error));
  g_assert_no_error (error);

  rd_store_set_clock (f->store, T0 + 86400 + 10);
  g_assert_true (rd_store_outbox_prune (f->store, 3600, &error));
  g_assert_no_error (error);
  g_assert_null (rd_store_outbox_get (f->store, "old"));
  {
    g_autoptr(RdOutboxItem) kept = rd_store_outbox_get (f->store, "new");
    g_assert_nonnull (kept);
    g_assert_cmpint (kept->state, ==, RD_OUTBOX_DONE);
  }
  g_assert_cmpuint (rd_store_outbox_count (f->store, RD_OUTBOX_PENDING), ==, 1);

  g_assert_false (rd_store_outbox_prune (f->store, -1, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* Exactly once for an effect in the same database: the delivery row and the
 * completion commit together, so a failed complete (conflict) undoes the effect. */
static void
test_outbox_atomic_effect (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autofree char *count = NULL;
  const char * const schema[] = { "CREATE TABLE delivered (key TEXT NOT NULL);" };

  g_assert_true (rd_store_migrate (f->store, "test-effects", schema, 1, &error));
  enqueue (f->store, "k", TRUE);
  a = claim (f->store, "a", 1, 10);
  rd_store_set_clock (f->store, T0 + 10);
  b = claim (f->store, "b", 1, 10);

  for (guint i = 0; i < 2; i++)
    {
      const char *who = i == 0 ? "a" : "b";
      RdOutboxItem *item = ITEM (i == 0 ? a : b, 0);
      g_autofree char *sql = g_strdup_printf ("INSERT INTO delivered VALUES ('%s')", item->key);

      g_assert_true (rd_store_begin (f->store, &error));
      exec_ok (f->store, sql);
      if (rd_store_outbox_complete (f->store, item->id, who, &error))
        g_assert_true (rd_store_commit (f->store, &error));
      else
        {
          g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
          g_clear_error (&error);
          rd_store_rollback (f->store);
        }
    }
  count = pragma (f->store, "SELECT count(*) FROM delivered");
  g_assert_cmpstr (count, ==, "1");
}

/* The statement helpers every layer uses for its own tables: a statement is prepared once per
 * store, the autoptr cleanup resets it and clears its bindings (so a half-read SELECT neither
 * holds a read transaction nor leaks its bindings into the next use), and errors name what
 * failed. */
static const char *const SQL_INSERT = "INSERT INTO helper_test (k, v) VALUES (?1, ?2)";
static const char *const SQL_SELECT = "SELECT v FROM helper_test WHERE k >= ?1 ORDER BY k";

static void
test_statement_helpers (Fixture *f, gconstpointer data)
{
  static const char *const migrations[] = { "CREATE TABLE helper_test (k INTEGER PRIMARY KEY, v TEXT);" };
  g_autoptr(GError) error = NULL;
  RdStoreStmt *first = NULL;
  RdStoreStmt *select = NULL;

  g_assert_true (rd_store_migrate (f->store, "helper-test", migrations, 1, &error));
  g_assert_no_error (error);
  for (gint64 k = 1; k <= 3; k++)
    {
      g_autoptr(RdStoreStmt) stmt = rd_store_stmt (f->store, SQL_INSERT, &error);

      g_assert_no_error (error);
      if (first == NULL)
        first = stmt;
      g_assert_true (stmt == first);   /* prepared once */
      sqlite3_bind_int64 (stmt, 1, k);
      rd_store_bind_text (stmt, 2, k == 2 ? NULL : "v\xc3\xa9");
      g_assert_true (rd_store_stmt_done (f->store, stmt, "insert", &error));
      g_assert_no_error (error);
    }

  {
    g_autoptr(RdStoreStmt) stmt = rd_store_stmt (f->store, SQL_SELECT, &error);
    g_autofree char *v = NULL;

    g_assert_no_error (error);
    select = stmt;
    sqlite3_bind_int64 (stmt, 1, 1);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    v = rd_store_column_dup (stmt, 0);
    g_assert_cmpstr (v, ==, "v\xc3\xa9");
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_null (rd_store_column_dup (stmt, 0));   /* NULL stays NULL */
    g_assert_true (sqlite3_stmt_busy (stmt));
    /* left in the middle of its rows */
  }
  g_assert_false (sqlite3_stmt_busy (select));                    /* reset, */
  g_assert_cmpint (sqlite3_bind_parameter_count (select), ==, 1);
  {
    g_autoptr(RdStoreStmt) stmt = rd_store_stmt (f->store, SQL_SELECT, &error);

    g_assert_true (stmt == select);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);     /* bindings cleared: k >= NULL */
  }

  /* a broken statement: NULL and an error naming the store; a failing step names @what */
  g_assert_null (rd_store_stmt (f->store, "SELECT nope FROM nowhere", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no such table"));
  g_clear_error (&error);
  {
    g_autoptr(RdStoreStmt) stmt = rd_store_stmt (f->store, SQL_INSERT, &error);

    sqlite3_bind_int64 (stmt, 1, 1);   /* duplicate key */
    g_assert_false (rd_store_stmt_done (f->store, stmt, "duplicate insert", &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "duplicate insert"));
    g_assert_false (sqlite3_stmt_busy (stmt));
  }

  /* the same helpers on a connection the store does not own */
  g_clear_error (&error);
  {
    sqlite3 *db = NULL;
    RdStoreStmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (k INTEGER PRIMARY KEY)", NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO t (k) VALUES (1)", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_true (rd_sql_stmt_done (db, stmt, "first insert", &error));
    g_assert_no_error (error);
    g_assert_false (rd_sql_stmt_done (db, stmt, "second insert", &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "second insert"));
    g_assert_nonnull (strstr (error->message, "UNIQUE"));
    g_assert_false (sqlite3_stmt_busy (stmt));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
}

/* No connection of the store takes SQLite's up-front block of page-cache slots (~87 KB each,
 * resident while the connection is open): the largest allocation SQLite made while a store was
 * opened, written and read is smaller than that block. In a fresh process, as
 * the setting must come before SQLite's first connection. */
static void
test_open_no_pagecache_block (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("rd-store-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "hub.sqlite", NULL);
      g_autoptr(RdStore) store = NULL;
      g_autoptr(GError) error = NULL;
      sqlite3_int64 current = 0, largest = 0;

      store = rd_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_true (rd_store_set_setting_int (store, "rd-test", 42, &error));
      g_assert_no_error (error);
      g_assert_cmpint (rd_store_get_setting_int (store, "rd-test", 0), ==, 42);
      g_assert_cmpint (sqlite3_status64 (SQLITE_STATUS_MALLOC_SIZE, &current, &largest, 0), ==, SQLITE_OK);
      g_test_message ("largest SQLite allocation: %" G_GINT64_FORMAT " bytes", (gint64) largest);
      /* The block is 20 slots of a 4 KB page and its header (87 200 bytes here); the largest
       * other allocation seen here is 64 KB. */
      g_assert_cmpint (largest, <, 20 * 4096);
      g_clear_object (&store);
      g_unlink (path);
      g_remove (dir);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- relaxed commits (rd-store-sync.c) ------------------------------------------------ */

static int
synchronous (RdStore *store)
{
  sqlite3_stmt *stmt = NULL;
  int level = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (rd_store_get_db (store), "PRAGMA synchronous", -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    level = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return level;
}

static void
sync_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **out = user_data;

  if (!rd_store_sync_finish (RD_STORE (source), result, out) && *out == NULL)
    g_assert_not_reached ();
  g_object_set_data (source, "sync-done", GINT_TO_POINTER (1));
}

/* Waits for rd_store_sync_async(); returns its error (NULL: on disk). */
static GError *
wait_sync (RdStore *store)
{
  GError *error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_object_set_data (G_OBJECT (store), "sync-done", NULL);
  rd_store_sync_async (store, NULL, sync_done_cb, &error);
  while (g_object_get_data (G_OBJECT (store), "sync-done") == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (g_object_get_data (G_OBJECT (store), "sync-done"));
  return error;
}

/* Relaxed sections commit without a sync (synchronous=NORMAL), nest, leave a transaction's own
 * level alone, and are synced by the store's thread: a wait completes once they are on disk.
 * What they wrote is there after a reopen. */
static void
test_sync_relaxed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  guint syncs;

  g_assert_cmpint (synchronous (f->store), ==, 2);
  g_assert_null (wait_sync (f->store));          /* nothing relaxed yet: at once, no sync */
  g_assert_cmpuint (rd_store_get_syncs (f->store), ==, 0);

  rd_store_hold_syncs (f->store, TRUE);
  rd_store_relaxed_begin (f->store);
  g_assert_cmpint (synchronous (f->store), ==, 1);
  rd_store_relaxed_begin (f->store);
  g_assert_true (rd_store_set_setting (f->store, "relaxed", "yes", &error));
  rd_store_relaxed_end (f->store);
  g_assert_cmpint (synchronous (f->store), ==, 1);   /* still inside the outer section */
  rd_store_relaxed_end (f->store);
  g_assert_cmpint (synchronous (f->store), ==, 2);
  g_assert_cmpuint (rd_store_get_syncs (f->store), ==, 0);   /* held */
  rd_store_hold_syncs (f->store, FALSE);
  g_assert_null (wait_sync (f->store));
  syncs = rd_store_get_syncs (f->store);
  g_assert_cmpuint (syncs, >=, 1);

  /* Inside a transaction SQLite keeps the level: the commit syncs as before. */
  g_assert_true (rd_store_begin (f->store, &error));
  rd_store_relaxed_begin (f->store);
  g_assert_cmpint (synchronous (f->store), ==, 2);
  g_assert_true (rd_store_set_setting (f->store, "in-transaction", "yes", &error));
  rd_store_relaxed_end (f->store);
  g_assert_true (rd_store_commit (f->store, &error));
  g_assert_cmpint (synchronous (f->store), ==, 2);
  g_assert_null (wait_sync (f->store));
  g_assert_no_error (error);

  reopen (f);
  value = rd_store_get_setting (f->store, "relaxed");
  g_assert_cmpstr (value, ==, "yes");
}

/* A store in memory has nothing to sync: waits complete at once, no thread syncs. */
static void
test_sync_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);

  g_assert_no_error (error);
  rd_store_relaxed_begin (store);
  g_assert_true (rd_store_set_setting (store, "k", "v", &error));
  rd_store_relaxed_end (store);
  g_assert_null (wait_sync (store));
  g_assert_cmpuint (rd_store_get_syncs (store), ==, 0);
}

/* The WAL cannot be synced (here: gone from under the store): the wait fails with a clear
 * error, logged once, and nothing is lost from the connection's view. */
static void
test_sync_error (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) sync_error = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *value = NULL;

  rd_store_hold_syncs (f->store, TRUE);
  rd_store_relaxed_begin (f->store);
  g_assert_true (rd_store_set_setting (f->store, "k", "v", &error));
  rd_store_relaxed_end (f->store);
  g_assert_cmpint (g_unlink (wal), ==, 0);
  g_test_expect_message ("RdCore", G_LOG_LEVEL_WARNING, "*cannot open the WAL to sync it*");
  rd_store_hold_syncs (f->store, FALSE);
  sync_error = wait_sync (f->store);
  g_assert_error (sync_error, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (sync_error->message, f->path));
  g_clear_error (&sync_error);
  sync_error = wait_sync (f->store);   /* asked again: fails again, not logged again */
  g_assert_error (sync_error, RD_ERROR, RD_ERROR_FAILED);
  g_test_assert_expected_messages ();
  value = rd_store_get_setting (f->store, "k");
  g_assert_cmpstr (value, ==, "v");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) g_test_add ("/store/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("open/pragmas", test_open_pragmas);
  ADD ("open/busy", test_open_busy);
  ADD ("open/checkpoints", test_open_checkpoints);
  g_test_add_func ("/store/open/garbage-file", test_open_garbage_file);
  g_test_add_func ("/store/open/memory", test_open_memory);
  g_test_add_func ("/store/open/no-pagecache-block", test_open_no_pagecache_block);
  ADD ("migrate/component", test_migrate_component);
  g_test_add_func ("/store/migrate/store-from-older", test_migrate_store_from_older);
  g_test_add_func ("/store/migrate/refuse-newer", test_refuse_newer_store);
  ADD ("transactions/nested", test_nested_transactions);
  ADD ("statements/helpers", test_statement_helpers);
  ADD ("settings/round-trip", test_settings);
  ADD ("calls/upsert", test_calls_upsert);
  ADD ("calls/merge", test_calls_merge);
  ADD ("calls/live", test_live_calls);
  ADD ("calls/recent", test_calls_recent);
  ADD ("calls/same-call", test_calls_same_call);
  ADD ("calls/hostile", test_calls_hostile);
  ADD ("outbox/enqueue", test_outbox_enqueue);
  ADD ("outbox/claim-order", test_outbox_claim_order);
  ADD ("outbox/backoff", test_outbox_backoff);
  ADD ("outbox/jitter", test_outbox_jitter);
  ADD ("outbox/permanent", test_outbox_permanent);
  ADD ("outbox/lease-expiry", test_outbox_lease_expiry);
  ADD ("outbox/release", test_outbox_release);
  ADD ("outbox/prune", test_outbox_prune);
  ADD ("outbox/atomic-effect", test_outbox_atomic_effect);
  ADD ("sync/relaxed", test_sync_relaxed);
  g_test_add_func ("/store/sync/memory", test_sync_memory);
  ADD ("sync/error", test_sync_error);
#undef ADD

  return g_test_run ();
}
