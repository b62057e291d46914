/* test-store-crash.c — the store survives SIGKILL at random moments.
 *
 * The test binary re-executes itself as worker processes ("--crash-child").
 * Each round starts two workers on the same database; each one, in a loop:
 *   1. in one transaction, enqueues a new item "<prefix>-<n>" and records n as
 *      its high-water mark (a setting), then appends "E <key>" to its ack file
 *      (only after the commit returned);
 *   2. claims up to 3 due items and for each one either
 *      - delivers it: in ONE transaction inserts a row into `delivered` and
 *        completes the item, then appends "D <key>"; or
 *      - fails it (transient, backoff 1 s); or
 *      - sits on it (leaves it claimed, as a hung worker would).
 * The parent kills each worker with SIGKILL after a random delay, mostly in
 * the middle of that loop, sometimes while it is still opening the database.
 *
 * Afterwards:
 *   - PRAGMA integrity_check says "ok";
 *   - every acknowledged enqueue is in the outbox (committed = durable);
 *   - every acknowledged delivery is in `delivered` and its item is DONE;
 *   - each worker's high-water mark n has its items 0..n in the outbox
 *     (a transaction is all or nothing);
 *   - no key was delivered twice;
 *   - a final drain (release of all leases at start-up, then claim/deliver
 *     until nothing is due) leaves every item DONE with exactly one delivery.
 *
 * The guarantee tested is "exactly once" for an effect kept in the same
 * database and committed in the same transaction as the completion. Effects
 * outside the database are at least once (the hub dedups them with the key).
 */
#include "config.h"

#include "core/rd-error.h"
#include "core/rd-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS  10
#define WORKERS 2

static const char * const crash_schema[] = {
  "CREATE TABLE delivered ("
  "  seq     INTEGER PRIMARY KEY,"
  "  key     TEXT NOT NULL,"
  "  claimer TEXT NOT NULL"
  ");",
};

/* ---- worker ---------------------------------------------------------------- */

static gint64 worker_start;

G_GNUC_NORETURN static void
die (const char *what, GError *error)
{
  g_printerr ("crash worker %d: %s after %" G_GINT64_FORMAT " ms: %s\n", (int) getpid (), what,
              (g_get_monotonic_time () - worker_start) / 1000,
              error != NULL ? error->message : "failed");
  _exit (3);
}

static void
ack (int fd, char tag, const char *key)
{
  g_autofree char *line = g_strdup_printf ("%c %s\n", tag, key);
  gsize len = strlen (line);

  /* One write() per line: the kernel keeps it when the process is killed. */
  if (write (fd, line, len) != (gssize) len)
    die ("writing the ack file", NULL);
}

static gboolean
deliver (RdStore *store, const RdOutboxItem *item, const char *claimer, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = rd_store_get_db (store);
  int rc;

  if (!rd_store_begin (store, error))
    return FALSE;
  if (sqlite3_prepare_v2 (db, "INSERT INTO delivered (key, claimer) VALUES (?1, ?2)", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "prepare: %s", sqlite3_errmsg (db));
      rd_store_rollback (store);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, item->key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, claimer, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "insert: %s", sqlite3_errmsg (db));
      rd_store_rollback (store);
      return FALSE;
    }
  if (!rd_store_outbox_complete (store, item->id, claimer, error))
    {
      rd_store_rollback (store);   /* the effect goes with the completion */
      return FALSE;
    }
  return rd_store_commit (store, error);
}

G_GNUC_NORETURN static void
worker_main (const char *db_path, const char *claimer, const char *prefix, const char *ack_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = NULL;
  g_autofree char *hw_key = g_strdup_printf ("hw:%s", prefix);
  int fd = open (ack_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  worker_start = g_get_monotonic_time ();
  /* Never outlive a failed parent. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () == 1)
    _exit (4);
  if (fd < 0)
    die ("opening the ack file", NULL);
  store = rd_store_open (db_path, &error);
  if (store == NULL)
    die ("opening the store", error);
  if (!rd_store_migrate (store, "crashtest", crash_schema, G_N_ELEMENTS (crash_schema), &error))
    die ("migrating", error);
  rd_store_outbox_set_backoff (store, 1, 1);
  /* Start-up after a crash: take back what this worker's last life held. */
  if (g_random_boolean () && !rd_store_outbox_release (store, claimer, &error))
    die ("releasing", error);

  for (guint n = 0; n < 100000; n++)
    {
      g_autofree char *key = g_strdup_printf ("%s-%u", prefix, n);
      g_autofree char *payload = g_strdup_printf ("{\"n\":%u,\"pad\":\"%0*d\"}", n,
                                                  g_random_int_range (0, 3000), 0);
      g_autoptr(GPtrArray) items = NULL;

      if (!rd_store_begin (store, &error) ||
          !rd_store_outbox_enqueue (store, key, "crash-test", payload, NULL, &error) ||
          !rd_store_set_setting_int (store, hw_key, n, &error) ||
          !rd_store_commit (store, &error))
        die ("enqueuing", error);
      ack (fd, 'E', key);

      items = rd_store_outbox_claim (store, claimer, 3, 1 + g_random_int_range (0, 2), &error);
      if (items == NULL)
        die ("claiming", error);
      for (guint i = 0; i < items->len; i++)
        {
          RdOutboxItem *item = g_ptr_array_index (items, i);
          int dice = g_random_int_range (0, 10);

          if (dice == 0)
            {
              if (!rd_store_outbox_fail (store, item->id, claimer, "simulated outage", FALSE,
                                         &error))
                die ("failing", error);
            }
          else if (dice == 1)
            continue;   /* hung: the lease will run out */
          else if (deliver (store, item, claimer, &error))
            ack (fd, 'D', item->key);
          else if (g_error_matches (error, RD_ERROR, RD_ERROR_CONFLICT))
            g_clear_error (&error);   /* our lease ran out and someone took over */
          else
            die ("delivering", error);
        }
      /* A real worker waits for work. A loop that re-takes the write lock at
       * once would starve the other process (SQLite's busy handler polls). */
      g_usleep (g_random_int_range (1000, 4000));
    }
  _exit (0);
}

/* ---- parent ---------------------------------------------------------------- */

typedef struct {
  GHashTable *enqueued;    /* key → itself, acknowledged enqueues */
  GHashTable *delivered;   /* key → itself, acknowledged deliveries */
} Acks;

static void
read_acks (const char *path, Acks *acks)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;   /* killed before it opened the file */
  lines = g_strsplit (text, "\n", -1);
  /* The last element follows the last newline: empty, or a torn line. */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      const char *line = lines[i];

      g_assert_true (line[0] == 'E' || line[0] == 'D');
      g_assert_cmpint (line[1], ==, ' ');
      g_hash_table_add (line[0] == 'E' ? acks->enqueued : acks->delivered, g_strdup (line + 2));
    }
}

static gsize
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gsize) st.st_size : 0;
}

static char *
query_text (RdStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (rd_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static gint64
query_int (RdStore *store, const char *sql)
{
  g_autofree char *text = query_text (store, sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static void
run_round (const char *exe, const char *db_path, const char *dir, guint round, Acks *acks)
{
  GPid pids[WORKERS];
  char *ack_paths[WORKERS];
  gboolean early_kill = round % 4 == 3;

  for (guint w = 0; w < WORKERS; w++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *claimer = g_strdup_printf ("worker-%u", w);
      g_autofree char *prefix = g_strdup_printf ("r%u-w%u", round, w);
      const char *argv[] = { exe, "--crash-child", db_path, claimer, prefix, NULL, NULL };

      ack_paths[w] = g_strdup_printf ("%s/%s.acks", dir, prefix);
      argv[5] = ack_paths[w];
      g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                    NULL, NULL, &pids[w], &error));
      g_assert_no_error (error);
    }

  for (guint w = 0; w < WORKERS; w++)
    {
      int status = 0;

      if (!early_kill)
        {
          /* Let it get going (however slow the machine), then kill it mid-loop. */
          for (guint waited = 0; file_size (ack_paths[w]) == 0 && waited < 20000; waited++)
            {
              g_assert_cmpint (waitpid (pids[w], &status, WNOHANG), ==, 0);
              g_usleep (1000);
            }
          g_usleep (g_test_rand_int_range (0, 120) * 1000);
        }
      else
        g_usleep (g_test_rand_int_range (0, 40) * 1000);

      g_assert_cmpint (kill (pids[w], SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pids[w], &status, 0), ==, pids[w]);
      /* Killed by us, or finished its loop; never an error exit. */
      if (!(WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL))
        g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
      g_spawn_close_pid (pids[w]);
      read_acks (ack_paths[w], acks);
      g_unlink (ack_paths[w]);
      g_free (ack_paths[w]);
    }
}

static void
check_acks (RdStore *store, Acks *acks)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, acks->enqueued);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(RdOutboxItem) item = rd_store_outbox_get (store, key);

      if (item == NULL)
        g_error ("acknowledged enqueue %s was lost", (char *) key);
    }
  g_hash_table_iter_init (&iter, acks->delivered);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(RdOutboxItem) item = rd_store_outbox_get (store, key);

      g_assert_nonnull (item);
      g_assert_cmpint (item->state, ==, RD_OUTBOX_DONE);
    }
}

/* Each worker's high-water mark n: its items 0..n are all there. */
static void
check_high_water (RdStore *store)
{
  for (guint round = 0; round < ROUNDS; round++)
    for (guint w = 0; w < WORKERS; w++)
      {
        g_autofree char *hw_key = g_strdup_printf ("hw:r%u-w%u", round, w);
        gint64 hw = rd_store_get_setting_int (store, hw_key, -1);
        g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM outbox WHERE key LIKE "
                                                "'r%u-w%u-%%'", round, w);

        g_assert_cmpint (query_int (store, sql), ==, hw + 1);
      }
}

static void
check_exactly_once (RdStore *store)
{
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM (SELECT key FROM delivered "
                                     "GROUP BY key HAVING count(*) > 1)"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM delivered d WHERE NOT EXISTS "
                                     "(SELECT 1 FROM outbox o WHERE o.key = d.key AND o.state = 2)"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM outbox o WHERE o.state = 2 AND "
                                     "NOT EXISTS (SELECT 1 FROM delivered d WHERE d.key = o.key)"),
                   ==, 0);
}

static void
drain (RdStore *store)
{
  g_autoptr(GError) error = NULL;

  /* Hub start-up: nobody else runs, every lease is stale. Time moves on a day
   * so that every backoff is over. */
  g_assert_true (rd_store_outbox_release (store, NULL, &error));
  g_assert_no_error (error);
  rd_store_set_clock (store, g_get_real_time () / G_USEC_PER_SEC + 86400);
  for (;;)
    {
      g_autoptr(GPtrArray) items = rd_store_outbox_claim (store, "drainer", 50, 60, &error);

      g_assert_no_error (error);
      if (items->len == 0)
        break;
      for (guint i = 0; i < items->len; i++)
        {
          g_assert_true (deliver (store, g_ptr_array_index (items, i), "drainer", &error));
          g_assert_no_error (error);
        }
    }
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
test_sigkill (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);
  g_autofree char *dir = g_dir_make_tmp ("rd-store-crash-XXXXXX", &error);
  g_autofree char *db_path = g_build_filename (dir, "hub.db", NULL);
  g_autoptr(RdStore) store = NULL;
  g_autofree char *integrity = NULL;
  Acks acks = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
  };
  gint64 total;

  g_assert_no_error (error);
  /* Create the database once, so that workers race on data, not on creation. */
  store = rd_store_open (db_path, &error);
  g_assert_no_error (error);
  g_assert_true (rd_store_migrate (store, "crashtest", crash_schema, 1, &error));
  g_clear_object (&store);

  for (guint round = 0; round < ROUNDS; round++)
    run_round (exe, db_path, dir, round, &acks);

  store = rd_store_open (db_path, &error);
  g_assert_no_error (error);
  integrity = query_text (store, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");

  /* The test did exercise something. */
  g_test_message ("acknowledged: %u enqueues, %u deliveries; outbox: %u pending, %u claimed, "
                  "%u done",
                  g_hash_table_size (acks.enqueued), g_hash_table_size (acks.delivered),
                  rd_store_outbox_count (store, RD_OUTBOX_PENDING),
                  rd_store_outbox_count (store, RD_OUTBOX_CLAIMED),
                  rd_store_outbox_count (store, RD_OUTBOX_DONE));
  g_assert_cmpuint (g_hash_table_size (acks.enqueued), >, 0);
  g_assert_cmpuint (g_hash_table_size (acks.delivered), >, 0);

  check_acks (store, &acks);
  check_high_water (store);
  check_exactly_once (store);

  drain (store);
  total = query_int (store, "SELECT count(*) FROM outbox");
  g_assert_cmpint (total, >=, g_hash_table_size (acks.enqueued));
  g_assert_cmpuint (rd_store_outbox_count (store, RD_OUTBOX_DONE), ==, total);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM delivered"), ==, total);
  check_exactly_once (store);
  g_clear_pointer (&integrity, g_free);
  integrity = query_text (store, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");

  g_clear_object (&store);
  g_hash_table_unref (acks.enqueued);
  g_hash_table_unref (acks.delivered);
  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  if (argc == 6 && g_str_equal (argv[1], "--crash-child"))
    worker_main (argv[2], argv[3], argv[4], argv[5]);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/crash/sigkill", test_sigkill);
  return g_test_run ();
}
