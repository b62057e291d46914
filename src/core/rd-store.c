/* rd-store.c — the SQLite connection, schema versions, transactions, settings, calls.
 *
 * Durability: the database runs in WAL mode with synchronous=FULL, so every
 * COMMIT has reached the disk (the WAL is fsync'ed) before it returns: a
 * committed outbox item survives a process crash (SIGKILL, abort) and also a
 * power loss or kernel crash. A transaction in progress when the process dies
 * is rolled back by SQLite on the next open. The outbox lives in rd-store-outbox.c.
 */
#include "config.h"

#include "rd-store-private.h"

#include "rd-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 5000

G_DEFINE_TYPE (RdStore, rd_store, G_TYPE_OBJECT)

/* The store's own schema. Append only: a released step is never edited. */
static const char * const store_migrations[] = {
  /* 0 → 1: settings and call records. */
  "CREATE TABLE settings ("
  "  key   TEXT PRIMARY KEY NOT NULL,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE calls ("
  "  key           TEXT PRIMARY KEY NOT NULL,"   /* rd_call_record_key() */
  "  call_id       TEXT,"
  "  uid           TEXT,"
  "  direction     TEXT NOT NULL,"
  "  from_number   TEXT,"
  "  from_name     TEXT,"
  "  to_number     TEXT,"
  "  to_name       TEXT,"
  "  extension     TEXT,"
  "  did           TEXT,"
  "  start_unix    INTEGER NOT NULL,"
  "  ring_seconds  INTEGER NOT NULL,"
  "  talk_seconds  INTEGER NOT NULL,"
  "  total_seconds INTEGER NOT NULL,"
  "  outcome       TEXT NOT NULL,"
  "  recording     TEXT,"
  "  reason        TEXT,"
  "  match_json    TEXT,"
  "  updated       INTEGER NOT NULL"
  ");"
  "CREATE INDEX calls_extension_start ON calls (extension, start_unix);"
  "CREATE INDEX calls_start ON calls (start_unix);",

  /* 1 → 2: the durable outbox. state: 0 pending, 1 claimed, 2 done, 3 dead. */
  "CREATE TABLE outbox ("
  "  id           INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  key          TEXT NOT NULL UNIQUE,"
  "  kind         TEXT NOT NULL,"
  "  payload      TEXT NOT NULL CHECK (json_valid (payload)),"
  "  state        INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),"
  "  attempts     INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt INTEGER NOT NULL,"
  "  claimer      TEXT,"
  "  lease_until  INTEGER,"
  "  last_error   TEXT,"
  "  created      INTEGER NOT NULL,"
  "  updated      INTEGER NOT NULL,"
  "  CHECK ((state = 1) = (claimer IS NOT NULL AND lease_until IS NOT NULL))"
  ");"
  "CREATE INDEX outbox_state_due ON outbox (state, next_attempt);"
  "CREATE INDEX outbox_leases ON outbox (lease_until) WHERE state = 1;",

  /* 2 → 3: find the row of a call by its PBX call id (see find_same_call). */
  "CREATE INDEX calls_call_id ON calls (call_id);",

  /* 3 → 4: the legs in progress, so that a restart can end (or carry on) what agents hold
   * (rd-store-live.c). state/direction as rd_call_state_to_string / rd_direction_to_string. */
  "CREATE TABLE live_calls ("
  "  call_id    TEXT NOT NULL,"
  "  extension  TEXT NOT NULL,"
  "  state      TEXT NOT NULL,"
  "  direction  TEXT NOT NULL,"
  "  remote     TEXT,"
  "  did        TEXT,"
  "  call_path  TEXT,"
  "  match_json TEXT,"
  "  seen_us    INTEGER NOT NULL,"
  "  updated    INTEGER NOT NULL,"
  "  PRIMARY KEY (call_id, extension)"
  ");",
};

guint
rd_store_schema_latest (void)
{
  return G_N_ELEMENTS (store_migrations);
}

/* ---- statements and errors ------------------------------------------------ */

void
rd_store_stmt_reset (RdStoreStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

void
rd_sql_set_error (sqlite3 *db, GError **error, const char *what)
{
  g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Database error (%s): %s (SQLite code %d)",
               what, sqlite3_errmsg (db), sqlite3_extended_errcode (db));
}

gboolean
rd_sql_stmt_done (sqlite3 *db, RdStoreStmt *stmt, const char *what, GError **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    rd_sql_set_error (db, error, what);
  rd_store_stmt_reset (stmt);
  return rc == SQLITE_DONE;
}

void
rd_store_set_db_error (RdStore *self, GError **error, const char *what)
{
  int code = sqlite3_extended_errcode (self->db);

  g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Store (%s): %s: %s (SQLite code %d)",
               self->path, what, sqlite3_errmsg (self->db), code);
}

RdStoreStmt *
rd_store_stmt (RdStore *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      rd_store_set_db_error (self, error, "preparing a statement");
      sqlite3_finalize (stmt);
      return NULL;
    }
  g_hash_table_insert (self->stmts, (gpointer) sql, stmt);
  return stmt;
}

RdStoreStmt *
rd_store_stmt_or_warn (RdStore *self, const char *sql)
{
  g_autoptr(GError) error = NULL;
  RdStoreStmt *stmt = rd_store_stmt (self, sql, &error);

  if (stmt == NULL)
    g_warning ("%s", error->message);
  return stmt;
}

void
rd_store_warn_db_error (RdStore *self, const char *what)
{
  g_autoptr(GError) error = NULL;

  rd_store_set_db_error (self, &error, what);
  g_warning ("%s", error->message);
}

gboolean
rd_store_stmt_done (RdStore *self, RdStoreStmt *stmt, const char *what, GError **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    rd_store_set_db_error (self, error, what);
  rd_store_stmt_reset (stmt);
  return rc == SQLITE_DONE;
}

void
rd_store_bind_text (RdStoreStmt *stmt, int index, const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, (int) strlen (text), SQLITE_TRANSIENT);
}

char *
rd_store_column_dup (RdStoreStmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  if (text == NULL)
    return NULL;
  return g_strndup ((const char *) text, sqlite3_column_bytes (stmt, column));
}

static gboolean
exec (RdStore *self, const char *sql, const char *what, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      rd_store_set_db_error (self, error, what);
      return FALSE;
    }
  return TRUE;
}

gint64
rd_store_now (RdStore *self)
{
  if (self->clock_override != 0)
    return self->clock_override;
  return g_get_real_time () / G_USEC_PER_SEC;
}

void
rd_store_set_clock (RdStore *self, gint64 now)
{
  g_return_if_fail (RD_IS_STORE (self));
  self->clock_override = now;
}

/* ---- object ---------------------------------------------------------------- */

static void
rd_store_finalize (GObject *object)
{
  RdStore *self = RD_STORE (object);

  if (self->txn_depth > 0)
    {
      g_warning ("Store closed with an open transaction; rolling it back");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
  /* Finalizes the cached statements (value destroy func) before closing. */
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  /* close_v2: statements a higher layer still holds keep the connection
   * alive until they are finalized, instead of failing the close. */
  if (self->ckpt_pool != NULL)
    g_thread_pool_free (self->ckpt_pool, FALSE, TRUE);   /* waits for a checkpoint under way */
  rd_store_sync_close (self);
  sqlite3_close_v2 (self->db);
  if (self->ckpt_db != NULL)
    sqlite3_close (self->ckpt_db);
  g_clear_pointer (&self->rand, g_rand_free);
  g_free (self->path);

  G_OBJECT_CLASS (rd_store_parent_class)->finalize (object);
}

static void
rd_store_class_init (RdStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_store_finalize;
}

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
rd_store_init (RdStore *self)
{
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_stmt);
  self->backoff_base = 2;
  self->backoff_max = 10 * 60;
  self->rand = g_rand_new ();
  rd_store_sync_init (self);
}

/* Call records and the outbox are personal data: a new database file is
 * created 0600 (SQLite gives its -wal and -shm files the same mode). */
static gboolean
create_private_file (const char *path, GError **error)
{
  int fd;

  if (g_str_equal (path, ":memory:") || g_str_has_prefix (path, "file:"))
    return TRUE;
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == EEXIST)
        return TRUE;
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Store (%s): cannot create the database: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

static gboolean
query_text (RdStore *self, const char *sql, char **out, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    {
      *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      ok = TRUE;
    }
  else
    rd_store_set_db_error (self, error, sql);
  sqlite3_finalize (stmt);
  return ok;
}

/* ---- checkpoints off the main loop -------------------------------------------------------
 * A checkpoint copies the WAL into the database file and syncs it: tens of milliseconds once the
 * WAL holds megabytes (the phone index writes them from a connection of its own). SQLite would run
 * it inside the commit that crossed its threshold, on the main loop. Instead this connection only
 * watches the WAL's size (a WAL hook, which replaces the automatic checkpoint) and a worker thread
 * checkpoints, PASSIVE (never waiting for readers or writers), on a connection of its own.
 * Durability is unchanged: every commit of this connection still syncs the WAL. */
#define CHECKPOINT_PAGES 1000

static void
checkpoint_thread (gpointer data, gpointer user_data)
{
  RdStore *self = user_data;

  /* A fresh connection knows the database is in WAL mode only once it has read it. */
  if (self->ckpt_db == NULL &&
      (sqlite3_open_v2 (self->path, &self->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
       sqlite3_exec (self->ckpt_db, "PRAGMA journal_mode", NULL, NULL, NULL) != SQLITE_OK))
    {
      g_warning ("Store (%s): no connection for checkpoints: %s", self->path,
                 self->ckpt_db != NULL ? sqlite3_errmsg (self->ckpt_db) : "out of memory");
      g_clear_pointer (&self->ckpt_db, sqlite3_close);
    }
  if (self->ckpt_db != NULL)
    sqlite3_wal_checkpoint_v2 (self->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  g_atomic_int_set (&self->ckpt_running, 0);
}

static int
wal_hook (void *data, sqlite3 *db, const char *name, int pages)
{
  RdStore *self = data;

  if (pages >= CHECKPOINT_PAGES && g_atomic_int_compare_and_exchange (&self->ckpt_running, 0, 1))
    {
      if (self->ckpt_pool == NULL)
        self->ckpt_pool = g_thread_pool_new (checkpoint_thread, self, 1, FALSE, NULL);
      g_thread_pool_push (self->ckpt_pool, GINT_TO_POINTER (1), NULL);
    }
  return SQLITE_OK;
}

/* Waits for another connection's write lock (the phone index writes from a thread of its own)
 * a millisecond at a time, up to BUSY_TIMEOUT_MS: SQLite's own back-off sleeps up to 100 ms a
 * step, long after the lock is free, and this runs on the main loop. */
static int
busy_wait (void *data, int count)
{
  if (count >= BUSY_TIMEOUT_MS)
    return 0;
  g_usleep (1000);
  return 1;
}

static gboolean
configure (RdStore *self, GError **error)
{
  g_autofree char *mode = NULL;
  g_autofree char *fk = NULL;

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_handler (self->db, busy_wait, NULL);

  /* The first statement reads the file: a file that is not a database fails here. */
  if (!query_text (self, "PRAGMA journal_mode=WAL", &mode, error))
    return FALSE;
  if (g_ascii_strcasecmp (mode, "wal") != 0 && g_ascii_strcasecmp (mode, "memory") != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED,
                   "Store (%s): cannot switch the database to WAL mode (journal mode is %s)",
                   self->path, mode);
      return FALSE;
    }
  if (!exec (self, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "configuring", error))
    return FALSE;
  if (g_ascii_strcasecmp (mode, "wal") == 0)
    sqlite3_wal_hook (self->db, wal_hook, self);
  if (!query_text (self, "PRAGMA foreign_keys", &fk, error))
    return FALSE;
  if (g_strcmp0 (fk, "1") != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED,
                   "Store (%s): SQLite refused to enable foreign keys", self->path);
      return FALSE;
    }
  return exec (self,
               "CREATE TABLE IF NOT EXISTS schema_versions ("
               "  component TEXT PRIMARY KEY NOT NULL,"
               "  version   INTEGER NOT NULL CHECK (version >= 0)"
               ")",
               "creating schema_versions", error);
}

/* Once per process, before its first SQLite connection (the store opens before the hub's other
 * connections): no up-front block of page-cache slots per connection. SQLite's default
 * (SQLITE_DEFAULT_PCACHE_INITSZ, 20 pages: ~87 KB, written through as a free list when the
 * connection first reads) is then taken by each connection that stays open: the store's, its
 * checkpointer's and the phone index's writer, ~0.26 MB in the demo, where each reads a few pages
 * of a small database. Pages are then allocated one at a time as a connection reads them, as
 * SQLite does anyway once the block is used up. If SQLite was already started by other code in
 * the process, this is refused (SQLITE_MISUSE) and SQLite's default stays. */
static void
configure_sqlite (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      if (sqlite3_config (SQLITE_CONFIG_PAGECACHE, NULL, 0, 0) != SQLITE_OK)
        g_debug ("SQLite was already initialised: its page cache keeps the default initial block");
      g_once_init_leave (&done, 1);
    }
}

RdStore *
rd_store_open_at_version (const char *path, guint store_version, GError **error)
{
  g_autoptr(RdStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*path == '\0')
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Store: empty database path");
      return NULL;
    }
  if (!create_private_file (path, error))
    return NULL;

  configure_sqlite ();
  self = g_object_new (RD_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                       NULL) != SQLITE_OK)
    {
      if (self->db == NULL)
        g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Store (%s): out of memory", path);
      else
        rd_store_set_db_error (self, error, "opening");
      return NULL;
    }
  if (!configure (self, error))
    return NULL;
  if (!rd_store_migrate (self, "store", store_migrations,
                         MIN (store_version, G_N_ELEMENTS (store_migrations)), error))
    return NULL;
  g_debug ("Opened store %s", path);
  return g_steal_pointer (&self);
}

RdStore *
rd_store_open (const char *path, GError **error)
{
  return rd_store_open_at_version (path, G_N_ELEMENTS (store_migrations), error);
}

RdStore *
rd_store_open_empty (const char *path, GError **error)
{
  return rd_store_open_at_version (path, 0, error);
}

sqlite3 *
rd_store_get_db (RdStore *self)
{
  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  return self->db;
}

const char *
rd_store_get_path (RdStore *self)
{
  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  return self->path;
}

/* ---- transactions ---------------------------------------------------------- */

gboolean
rd_store_begin (RdStore *self, GError **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);

  /* IMMEDIATE takes the write lock up front: two processes never deadlock
   * upgrading read locks, and waiting for the lock honours the busy timeout. */
  if (self->txn_depth == 0)
    sql = g_strdup ("BEGIN IMMEDIATE");
  else
    sql = g_strdup_printf ("SAVEPOINT rd_sp%u", self->txn_depth);
  if (!exec (self, sql, "beginning a transaction", error))
    return FALSE;
  self->txn_depth++;
  return TRUE;
}

gboolean
rd_store_commit (RdStore *self, GError **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->txn_depth > 0, FALSE);

  if (self->txn_depth == 1)
    sql = g_strdup ("COMMIT");
  else
    sql = g_strdup_printf ("RELEASE rd_sp%u", self->txn_depth - 1);
  if (!exec (self, sql, "committing", error))
    {
      /* Nothing half-done stays behind: undo this level. */
      rd_store_rollback (self);
      return FALSE;
    }
  self->txn_depth--;
  return TRUE;
}

void
rd_store_rollback (RdStore *self)
{
  g_autofree char *sql = NULL;

  g_return_if_fail (RD_IS_STORE (self));
  g_return_if_fail (self->txn_depth > 0);

  if (self->txn_depth == 1)
    sql = g_strdup ("ROLLBACK");
  else
    sql = g_strdup_printf ("ROLLBACK TO rd_sp%u; RELEASE rd_sp%u",
                           self->txn_depth - 1, self->txn_depth - 1);
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK &&
      sqlite3_get_autocommit (self->db) == 0)
    g_warning ("Store: rollback failed: %s", sqlite3_errmsg (self->db));
  self->txn_depth--;
}

/* ---- schema versions ------------------------------------------------------- */

static gboolean
read_version (RdStore *self, const char *component, gint64 *out, GError **error)
{
  g_autoptr(RdStoreStmt) stmt =
    rd_store_stmt (self, "SELECT version FROM schema_versions WHERE component = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, component);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64 (stmt, 0);
  else if (rc == SQLITE_DONE)
    *out = 0;
  else
    {
      rd_store_set_db_error (self, error, "reading a schema version");
      return FALSE;
    }
  return TRUE;
}

int
rd_store_get_schema_version (RdStore *self, const char *component)
{
  g_autoptr(GError) error = NULL;
  gint64 version = 0;

  g_return_val_if_fail (RD_IS_STORE (self), -1);
  g_return_val_if_fail (component != NULL, -1);

  if (!read_version (self, component, &version, &error))
    {
      g_warning ("%s", error->message);
      return -1;
    }
  return (int) version;
}

/* One step: re-reads the version inside the transaction, so two processes
 * opening the same new database apply each step once. Sets *out_done when the
 * component is already at @n_migrations. */
static gboolean
migrate_step (RdStore            *self,
              const char         *component,
              const char * const *migrations,
              guint               n_migrations,
              gboolean           *out_done,
              GError            **error)
{
  g_autoptr(GError) local = NULL;
  gint64 version = 0;
  RdStoreStmt *stmt;

  if (!rd_store_begin (self, error))
    return FALSE;
  if (!read_version (self, component, &version, &local))
    goto fail;
  if (version > n_migrations)
    {
      g_set_error (&local, RD_ERROR, RD_ERROR_FAILED,
                   "Store (%s): component “%s” has schema version %" G_GINT64_FORMAT
                   ", newer than version %u that this build knows; refusing to use a "
                   "database written by a newer Ringdesk",
                   self->path, component, version, n_migrations);
      goto fail;
    }
  if (version == n_migrations)
    {
      *out_done = TRUE;
      return rd_store_commit (self, error);
    }

  if (sqlite3_exec (self->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (&local, RD_ERROR, RD_ERROR_FAILED,
                   "Store (%s): migrating “%s” from version %" G_GINT64_FORMAT " to %"
                   G_GINT64_FORMAT " failed: %s",
                   self->path, component, version, version + 1, sqlite3_errmsg (self->db));
      goto fail;
    }
  stmt = rd_store_stmt (self,
                        "INSERT INTO schema_versions (component, version) VALUES (?1, ?2) "
                        "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                        &local);
  if (stmt == NULL)
    goto fail;
  rd_store_bind_text (stmt, 1, component);
  sqlite3_bind_int64 (stmt, 2, version + 1);
  if (!rd_store_stmt_done (self, stmt, "recording a schema version", &local))
    goto fail;
  if (!rd_store_commit (self, error))
    return FALSE;
  g_debug ("Migrated %s to schema version %" G_GINT64_FORMAT, component, version + 1);
  return TRUE;

fail:
  rd_store_rollback (self);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
rd_store_migrate (RdStore            *self,
                  const char         *component,
                  const char * const *migrations,
                  guint               n_migrations,
                  GError            **error)
{
  gboolean done = FALSE;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (migrations != NULL || n_migrations == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (component == NULL || *component == '\0')
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "Store: a schema component needs a name");
      return FALSE;
    }
  while (!done)
    if (!migrate_step (self, component, migrations, n_migrations, &done, error))
      return FALSE;
  return TRUE;
}

/* ---- settings -------------------------------------------------------------- */

static gboolean
check_key (const char *what, const char *key, GError **error)
{
  if (key != NULL && *key != '\0')
    return TRUE;
  g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Store: %s needs a non-empty key", what);
  return FALSE;
}

char *
rd_store_get_setting (RdStore *self, const char *key)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  stmt = rd_store_stmt_or_warn (self, "SELECT value FROM settings WHERE key = ?1");
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return rd_store_column_dup (stmt, 0);
  if (rc != SQLITE_DONE)
    rd_store_warn_db_error (self, "reading a setting");
  return NULL;
}

gboolean
rd_store_set_setting (RdStore *self, const char *key, const char *value, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_key ("a setting", key, error))
    return FALSE;
  if (value == NULL)
    stmt = rd_store_stmt (self, "DELETE FROM settings WHERE key = ?1", error);
  else
    stmt = rd_store_stmt (self,
                          "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, key);
  if (value != NULL)
    rd_store_bind_text (stmt, 2, value);
  return rd_store_stmt_done (self, stmt, "writing a setting", error);
}

gint64
rd_store_get_setting_int (RdStore *self, const char *key, gint64 fallback)
{
  g_autofree char *text = rd_store_get_setting (self, key);
  gint64 value;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL))
    return fallback;
  return value;
}

gboolean
rd_store_set_setting_int (RdStore *self, const char *key, gint64 value, GError **error)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  return rd_store_set_setting (self, key, text, error);
}

/* ---- call records ---------------------------------------------------------- */

#define CALL_COLUMNS \
  "call_id, uid, direction, from_number, from_name, to_number, to_name, extension, did, " \
  "start_unix, ring_seconds, talk_seconds, total_seconds, outcome, recording, reason, match_json"

static void
bind_call (RdStoreStmt *stmt, const RdCallRecord *r, const char *match_json)
{
  /* ?1 is the key; the columns follow in CALL_COLUMNS order from ?2. */
  rd_store_bind_text (stmt, 2, r->call_id);
  rd_store_bind_text (stmt, 3, r->uid);
  rd_store_bind_text (stmt, 4, rd_direction_to_string (r->direction));
  rd_store_bind_text (stmt, 5, r->from_number);
  rd_store_bind_text (stmt, 6, r->from_name);
  rd_store_bind_text (stmt, 7, r->to_number);
  rd_store_bind_text (stmt, 8, r->to_name);
  rd_store_bind_text (stmt, 9, r->extension);
  rd_store_bind_text (stmt, 10, r->did);
  sqlite3_bind_int64 (stmt, 11, r->start_unix);
  sqlite3_bind_int64 (stmt, 12, r->ring_seconds);
  sqlite3_bind_int64 (stmt, 13, r->talk_seconds);
  sqlite3_bind_int64 (stmt, 14, r->total_seconds);
  rd_store_bind_text (stmt, 15, rd_outcome_to_string (r->outcome));
  rd_store_bind_text (stmt, 16, r->recording);
  rd_store_bind_text (stmt, 17, r->reason);
  rd_store_bind_text (stmt, 18, match_json);
}

static RdCallRecord *
read_call (RdStoreStmt *stmt)
{
  RdCallRecord *r = rd_call_record_new ();
  g_autofree char *direction = rd_store_column_dup (stmt, 2);
  g_autofree char *outcome = rd_store_column_dup (stmt, 13);

  r->call_id = rd_store_column_dup (stmt, 0);
  r->uid = rd_store_column_dup (stmt, 1);
  r->direction = rd_direction_from_string (direction);
  r->from_number = rd_store_column_dup (stmt, 3);
  r->from_name = rd_store_column_dup (stmt, 4);
  r->to_number = rd_store_column_dup (stmt, 5);
  r->to_name = rd_store_column_dup (stmt, 6);
  r->extension = rd_store_column_dup (stmt, 7);
  r->did = rd_store_column_dup (stmt, 8);
  r->start_unix = sqlite3_column_int64 (stmt, 9);
  r->ring_seconds = (guint) sqlite3_column_int64 (stmt, 10);
  r->talk_seconds = (guint) sqlite3_column_int64 (stmt, 11);
  r->total_seconds = (guint) sqlite3_column_int64 (stmt, 12);
  r->outcome = rd_outcome_from_string (outcome);
  r->recording = rd_store_column_dup (stmt, 14);
  r->reason = rd_store_column_dup (stmt, 15);
  return r;
}

/* The key of a stored row that describes the same call as @record under another
 * key, or NULL. The live end-of-call event of older PBX firmware carries only the
 * call id while the catch-up row of the same call carries a CDR uid (and, in one
 * reading of the PBX API, no call id): the same call id where one side has no
 * uid is the same call (transfer legs each have their own uid), and without a
 * call id on one side, the same start (±2 s), numbers and extension are. */
static char *
find_same_call (RdStore *self, const RdCallRecord *record, GError **error)
{
  g_autofree char *key = rd_call_record_key (record);
  const char *call_id = record->call_id && *record->call_id ? record->call_id : NULL;
  const char *uid = record->uid && *record->uid ? record->uid : NULL;
  RdStoreStmt *stmt;
  char *found = NULL;
  int rc;

  stmt = rd_store_stmt (self,
                        "SELECT key FROM calls WHERE key != ?1 AND ("
                        " (?2 IS NOT NULL AND call_id = ?2 AND (uid IS NULL OR ?3 IS NULL))"
                        " OR ((?2 IS NULL OR call_id IS NULL) AND (uid IS NULL OR ?3 IS NULL OR uid = ?3)"
                        "     AND start_unix BETWEEN ?4 - 2 AND ?4 + 2"
                        "     AND from_number IS ?5 AND to_number IS ?6 AND extension IS ?7))"
                        " ORDER BY updated LIMIT 1",
                        error);
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, key);
  rd_store_bind_text (stmt, 2, call_id);
  rd_store_bind_text (stmt, 3, uid);
  sqlite3_bind_int64 (stmt, 4, record->start_unix);
  rd_store_bind_text (stmt, 5, record->from_number);
  rd_store_bind_text (stmt, 6, record->to_number);
  rd_store_bind_text (stmt, 7, record->extension);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    found = rd_store_column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    rd_store_set_db_error (self, error, "looking for the same call");
  rd_store_stmt_reset (stmt);
  return found;
}

gboolean
rd_store_call_upsert (RdStore            *self,
                      const RdCallRecord *record,
                      const char         *match_json,
                      gboolean           *out_inserted,
                      GError            **error)
{
  g_autofree char *key = NULL;
  RdStoreStmt *stmt;
  gboolean inserted;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((record->uid == NULL || *record->uid == '\0') &&
      (record->call_id == NULL || *record->call_id == '\0'))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "Store: a call record needs a CDR uid or a call id");
      return FALSE;
    }
  if (!rd_store_begin (self, error))
    return FALSE;
  key = find_same_call (self, record, error);
  if (key == NULL && error != NULL && *error != NULL)
    goto fail;
  if (key != NULL)
    {
      inserted = FALSE;
      goto update;
    }
  key = rd_call_record_key (record);

  stmt = rd_store_stmt (self,
                        "INSERT INTO calls (key, " CALL_COLUMNS ", updated) VALUES "
                        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                        " ?17, ?18, ?19) ON CONFLICT (key) DO NOTHING",
                        error);
  if (stmt == NULL)
    goto fail;
  rd_store_bind_text (stmt, 1, key);
  bind_call (stmt, record, match_json);
  sqlite3_bind_int64 (stmt, 19, rd_store_now (self));
  if (!rd_store_stmt_done (self, stmt, "inserting a call record", error))
    goto fail;
  inserted = sqlite3_changes (self->db) == 1;

update:
  if (!inserted)
    {
      /* A later CDR for the same call (e.g. catch-up) is merged in: it brings its
       * durations and outcome, and what the row lacked (a uid, a recording); what it
       * lacks itself (v1 rows often have no call id, names or DID; an unknown
       * direction or outcome) never erases what was stored, nor does a NULL match. */
      stmt = rd_store_stmt (self,
                            "UPDATE calls SET call_id = coalesce (?2, call_id), uid = coalesce (?3, uid),"
                            " direction = CASE WHEN ?4 = 'unknown' THEN direction ELSE ?4 END,"
                            " from_number = coalesce (?5, from_number), from_name = coalesce (?6, from_name),"
                            " to_number = coalesce (?7, to_number), to_name = coalesce (?8, to_name),"
                            " extension = coalesce (?9, extension), did = coalesce (?10, did),"
                            " start_unix = CASE WHEN ?11 > 0 THEN ?11 ELSE start_unix END,"
                            " ring_seconds = ?12, talk_seconds = ?13, total_seconds = ?14,"
                            " outcome = CASE WHEN ?15 = 'unknown' THEN outcome ELSE ?15 END,"
                            " recording = coalesce (?16, recording), reason = coalesce (?17, reason),"
                            " match_json = coalesce (?18, match_json), updated = ?19"
                            " WHERE key = ?1",
                            error);
      if (stmt == NULL)
        goto fail;
      rd_store_bind_text (stmt, 1, key);
      bind_call (stmt, record, match_json);
      sqlite3_bind_int64 (stmt, 19, rd_store_now (self));
      if (!rd_store_stmt_done (self, stmt, "updating a call record", error))
        goto fail;
    }
  if (!rd_store_commit (self, error))
    return FALSE;
  if (out_inserted != NULL)
    *out_inserted = inserted;
  return TRUE;

fail:
  rd_store_rollback (self);
  return FALSE;
}

GPtrArray *
rd_store_calls_recent (RdStore    *self,
                       const char *extension,
                       guint       limit,
                       GPtrArray **out_matches,
                       GError    **error)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(RdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Two statements rather than "?1 IS NULL OR …" so each one walks its index. */
  if (extension != NULL)
    stmt = rd_store_stmt (self,
                          "SELECT " CALL_COLUMNS " FROM calls WHERE extension = ?1 "
                          "ORDER BY start_unix DESC, rowid DESC LIMIT ?2",
                          error);
  else
    stmt = rd_store_stmt (self,
                          "SELECT " CALL_COLUMNS " FROM calls "
                          "ORDER BY start_unix DESC, rowid DESC LIMIT ?2",
                          error);
  if (stmt == NULL)
    return NULL;
  if (extension != NULL)
    rd_store_bind_text (stmt, 1, extension);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);

  calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_record_free);
  matches = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (calls, read_call (stmt));
      g_ptr_array_add (matches, rd_store_column_dup (stmt, 16));
    }
  if (rc != SQLITE_DONE)
    {
      rd_store_set_db_error (self, error, "reading recent calls");
      return NULL;
    }
  if (out_matches != NULL)
    *out_matches = g_steal_pointer (&matches);
  return g_steal_pointer (&calls);
}

gboolean
rd_store_call_exists (RdStore *self, const char *key)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  stmt = rd_store_stmt_or_warn (self, "SELECT 1 FROM calls WHERE key = ?1");
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    rd_store_warn_db_error (self, "looking up a call record");
  return rc == SQLITE_ROW;
}
