#include "config.h"

#include "hub/rd-phone-index.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define N_CONN_STMTS 11

/* A connection with its prepared statements. */
typedef struct {
  sqlite3      *db;
  sqlite3_stmt *stmts[N_CONN_STMTS];
  gboolean      own;          /* the writer: opened (and closed) here, transactions by hand */
  gint64        delta;        /* numbers added by the open transaction */
} Conn;

struct _RdPhoneIndex
{
  GObject       parent_instance;

  RdStore      *store;        /* the index's database: a file of its own next to the hub's store
                               * (rd_phone_index_file_for), or the hub's store when in memory */
  Conn          main;         /* its connection: main thread only */
  Conn          writer;       /* bulk writes from worker threads, under writer_lock; db NULL when
                               * the store is in memory (then bulk writes go to the main thread) */
  GMutex        writer_lock;
  GMutex        count_lock;   /* also guards puts and putting */
  GQueue        puts;         /* Put: single-record writes waiting for a bulk write's chunk */
  gboolean      putting;      /* a worker thread is writing them */
  gint64        n_numbers;    /* cached count of keys, -1 = unknown (count_lock) */
  gint          epoch;        /* bumped by clear: bulk writes begun before stop */
  gint          applying;     /* bulk writes begun and not ended (atomic) */
  GSource      *release;      /* gives the writer's memory back once it has been idle a while */
  char         *region;
  RdCrmKind     spaces[4];
};

/* A single-record write waiting for a bulk write's chunk (put_one). */
typedef struct {
  RdCrmKind kind;
  gint64    id;
  char     *name, *company, *write_date;
  char    **keys;
  gint      epoch;
} Put;

static void
put_free (Put *put)
{
  g_free (put->name);
  g_free (put->company);
  g_free (put->write_date);
  g_strfreev (put->keys);
  g_free (put);
}

/* Records per transaction of a bulk write on the writer connection (its own thread): larger
 * transactions write each B-tree page they touch once for many records (the numbers come in an
 * order unrelated to the ids, so most records touch a page of their own; a first fill inserts a
 * chunk's numbers in key order). Measured on a 1M simulator fill, hub CPU: 1,000 records 30 s,
 * 2,500 25.5 s, 5,000 22 s, 20,000 19 s with pops during the fill no better. The main loop never
 * waits for one: the hub's own writes (calls, outbox) go to another file, and the index's own
 * main-loop writes go through writer_lock without waiting (put_one, set_space_if_idle). On the
 * main thread (in-memory stores) a chunk is one main-loop iteration. */
#define WRITER_CHUNK 5000
/* The writer's frames are synced and copied into the database (a checkpoint, outside the write
 * lock) every this many chunks and at the end of each batch: a page written by several chunks
 * meanwhile is copied once. (SQLite's own automatic checkpoint, after every commit that leaves
 * 1,000 pages in the WAL — every chunk of a fill — is off on the writer: a 1M simulator fill
 * wrote 4.0 GB in 1.52M calls with it, 3.3 GB in 1.33M without.) */
#define WRITER_SYNC_EVERY 10
#define MAIN_CHUNK   500
/* Between two writer transactions: time for a main-loop write to the index to take writer_lock. */
#define WRITER_GAP_US 500

G_DEFINE_FINAL_TYPE (RdPhoneIndex, rd_phone_index, G_TYPE_OBJECT)

/* Schema: records, their numbers (key → record) and the state of each id space.
 * Append only: a released step is never edited. */
/* 0 → 1 */
#define MIGRATION_1 \
  "CREATE TABLE phone_index_record (" \
  "  kind INTEGER NOT NULL, rec_id INTEGER NOT NULL," \
  "  name TEXT, company TEXT, write_date TEXT," \
  "  PRIMARY KEY (kind, rec_id)) WITHOUT ROWID;" \
  "CREATE TABLE phone_index_number (" \
  "  key TEXT NOT NULL, kind INTEGER NOT NULL, rec_id INTEGER NOT NULL," \
  "  PRIMARY KEY (key, kind, rec_id)) WITHOUT ROWID;" \
  "CREATE INDEX phone_index_number_rec ON phone_index_number (kind, rec_id);" \
  "CREATE TABLE phone_index_cursor (" \
  "  kind INTEGER PRIMARY KEY, mark TEXT, after_id INTEGER NOT NULL DEFAULT 0);"
/* 1 → 2: enumeration by id ranges per id space. The per-kind cursors of the old
 * write_date paging are dropped: the index content stays (lookups go on) and the
 * next fill reads every record again, over it. */
#define MIGRATION_2 \
  "DROP TABLE phone_index_cursor;" \
  "CREATE TABLE phone_index_space (" \
  "  space INTEGER PRIMARY KEY," \
  "  filled INTEGER NOT NULL DEFAULT 0," \
  "  fill_next INTEGER NOT NULL DEFAULT 0," \
  "  fill_end INTEGER NOT NULL DEFAULT 0," \
  "  max_id INTEGER NOT NULL DEFAULT 0," \
  "  mark TEXT, next_mark TEXT," \
  "  sweep_id INTEGER NOT NULL DEFAULT 0," \
  "  reconcile_id INTEGER NOT NULL DEFAULT 0);"

/* The index's own database file (or the hub's in-memory store). */
static const char * const migrations[] = { MIGRATION_1, MIGRATION_2 };

/* The hub's store, which held the index up to version 2: 2 → 3 moves it out to the file of its
 * own (move_from_store() copies it there first). */
static const char * const store_migrations[] = {
  MIGRATION_1, MIGRATION_2,
  "DROP TABLE IF EXISTS phone_index_number; DROP TABLE IF EXISTS phone_index_record;"
  " DROP TABLE IF EXISTS phone_index_space;",
};

enum {
  STMT_DELETE_NUMBERS,
  STMT_DELETE_RECORD,
  STMT_UPSERT_RECORD,
  STMT_INSERT_NUMBER,
  STMT_LOOKUP,
  STMT_SET_SPACE,
  STMT_GET_SPACE,
  STMT_COUNT,
  STMT_LIST_IDS,
  STMT_ANY_IN_RANGE,
  STMT_INSERT_RECORD,
  N_STMTS
};

static const char * const stmt_sql[] = {
  [STMT_DELETE_NUMBERS] = "DELETE FROM phone_index_number WHERE kind = ?1 AND rec_id = ?2",
  [STMT_DELETE_RECORD] = "DELETE FROM phone_index_record WHERE kind = ?1 AND rec_id = ?2",
  [STMT_UPSERT_RECORD] = "INSERT INTO phone_index_record (kind, rec_id, name, company, write_date)"
                         " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, rec_id) DO UPDATE SET"
                         " name = excluded.name, company = excluded.company,"
                         " write_date = excluded.write_date",
  [STMT_INSERT_NUMBER] = "INSERT OR IGNORE INTO phone_index_number (key, kind, rec_id) VALUES (?1, ?2, ?3)",
  [STMT_LOOKUP] = "SELECT r.kind, r.rec_id, r.name, r.company, r.write_date"
                  " FROM phone_index_number n JOIN phone_index_record r"
                  " ON r.kind = n.kind AND r.rec_id = n.rec_id WHERE n.key = ?1"
                  " ORDER BY r.kind ASC, r.write_date DESC, r.rec_id DESC LIMIT 20",
  [STMT_SET_SPACE] = "INSERT OR REPLACE INTO phone_index_space (space, filled, fill_next, fill_end, max_id,"
                     " mark, next_mark, sweep_id, reconcile_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
  [STMT_GET_SPACE] = "SELECT filled, fill_next, fill_end, max_id, mark, next_mark, sweep_id, reconcile_id"
                     " FROM phone_index_space WHERE space = ?1",
  [STMT_COUNT] = "SELECT count(*) FROM phone_index_number",
  [STMT_ANY_IN_RANGE] = "SELECT 1 FROM phone_index_record WHERE kind = ?1 AND rec_id >= ?2 AND rec_id <= ?3 LIMIT 1",
  [STMT_INSERT_RECORD] = "INSERT INTO phone_index_record (kind, rec_id, name, company, write_date)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_LIST_IDS] = "SELECT rec_id FROM phone_index_record WHERE kind = ?1 AND rec_id >= ?2 AND rec_id < ?3"
                    " ORDER BY rec_id",
};

G_STATIC_ASSERT (N_STMTS <= N_CONN_STMTS);

static const RdCrmKind single_kinds[] = { RD_CRM_KIND_INDIVIDUAL, RD_CRM_KIND_COMPANY, RD_CRM_KIND_LEAD };

void
rd_index_space_free (RdIndexSpace *space)
{
  if (space == NULL)
    return;
  g_free (space->mark);
  g_free (space->next_mark);
  g_free (space);
}

RdIndexSpace *
rd_index_space_copy (const RdIndexSpace *space)
{
  RdIndexSpace *copy = g_memdup2 (space, sizeof *space);

  copy->mark = g_strdup (space->mark);
  copy->next_mark = g_strdup (space->next_mark);
  return copy;
}

static void
conn_close (Conn *c)
{
  for (guint i = 0; i < G_N_ELEMENTS (c->stmts); i++)
    g_clear_pointer (&c->stmts[i], sqlite3_finalize);
  if (c->own && c->db != NULL)
    sqlite3_close (c->db);
  c->db = NULL;
}

static void
rd_phone_index_finalize (GObject *object)
{
  RdPhoneIndex *self = RD_PHONE_INDEX (object);

  if (self->release != NULL)
    {
      g_source_destroy (self->release);
      g_source_unref (self->release);
    }
  conn_close (&self->main);
  conn_close (&self->writer);
  g_queue_clear_full (&self->puts, (GDestroyNotify) put_free);   /* empty: each drain holds a ref */
  g_mutex_clear (&self->writer_lock);
  g_mutex_clear (&self->count_lock);
  g_clear_object (&self->store);
  g_free (self->region);
  G_OBJECT_CLASS (rd_phone_index_parent_class)->finalize (object);
}

static void
rd_phone_index_class_init (RdPhoneIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_phone_index_finalize;
}

static void
rd_phone_index_init (RdPhoneIndex *self)
{
  self->n_numbers = -1;
  g_mutex_init (&self->writer_lock);
  g_mutex_init (&self->count_lock);
  memcpy (self->spaces, single_kinds, sizeof single_kinds);
}

/* A prepared statement of @c, reset and ready to bind. */
static sqlite3_stmt *
conn_stmt (Conn *c, guint which, GError **error)
{
  if (c->stmts[which] == NULL &&
      sqlite3_prepare_v3 (c->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                          &c->stmts[which], NULL) != SQLITE_OK)
    {
      rd_sql_set_error (c->db, error, "prepare");
      return NULL;
    }
  sqlite3_reset (c->stmts[which]);
  sqlite3_clear_bindings (c->stmts[which]);
  return c->stmts[which];
}

static sqlite3_stmt *
stmt (RdPhoneIndex *self, guint which, GError **error)
{
  return conn_stmt (&self->main, which, error);
}

#define WRITER_BUSY_TIMEOUT_MS 30000
/* The writer's page cache (KiB): the B-tree pages a fill touches again and again (the numbers are
 * inserted in an order unrelated to the ids) are read from the file far less often. */
#define WRITER_CACHE_KB 8192

/* Waits for the main connection's write lock a millisecond at a time: SQLite's own back-off
 * sleeps up to 100 ms a step, long after the lock is free. */
static int
writer_busy_wait (void *data, int count)
{
  if (count >= WRITER_BUSY_TIMEOUT_MS)
    return 0;
  g_usleep (1000);
  return 1;
}

/* The writer: a second connection to the index's file, used from worker threads, so that bulk
 * writes never hold up the main loop. A main-loop write to the index waits for the writer's
 * transaction to end, so that must be short. The writer does not sync in its commits
 * (synchronous=NORMAL, as the index's main connection: the index can always be read again from
 * the CRM; WAL keeps it consistent) but right after each few, outside the lock, with a checkpoint
 * (apply_thread). */
static void
open_writer (RdPhoneIndex *self)
{
  const char *path = rd_store_get_path (self->store);
  sqlite3 *db = NULL;

  if (path == NULL || *path == '\0' || g_str_equal (path, ":memory:") || g_str_has_prefix (path, "file:"))
    return;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
      sqlite3_busy_handler (db, writer_busy_wait, NULL) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-" G_STRINGIFY (WRITER_CACHE_KB),
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      g_warning ("Phone index: no second connection to %s (%s); bulk writes run on the main thread",
                 path, db != NULL ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return;
    }
  self->writer.db = db;
  self->writer.own = TRUE;
}

char *
rd_phone_index_file_for (const char *store_path)
{
  if (store_path == NULL || *store_path == '\0' || g_str_equal (store_path, ":memory:") ||
      g_str_has_prefix (store_path, "file:"))
    return NULL;
  if (g_str_has_suffix (store_path, ".db"))
    return g_strdup_printf ("%.*s-index.db", (int) strlen (store_path) - 3, store_path);
  return g_strconcat (store_path, "-index", NULL);
}

/* Copies the index an older version kept in the hub's store (schema version 2) into the fresh
 * file of its own @db (one transaction, a few seconds for a million numbers, once). */
static gboolean
move_from_store (sqlite3 *db, const char *store_path, GError **error)
{
  sqlite3_stmt *attach = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2 (db, "ATTACH DATABASE ?1 AS old", -1, &attach, NULL) != SQLITE_OK)
    {
      rd_sql_set_error (db, error, "phone index: attaching the store");
      return FALSE;
    }
  sqlite3_bind_text (attach, 1, store_path, -1, SQLITE_TRANSIENT);
  ok = rd_sql_stmt_done (db, attach, "phone index: attaching the store", error);
  sqlite3_finalize (attach);
  if (!ok)
    return FALSE;
  ok = sqlite3_exec (db,
                     "BEGIN IMMEDIATE;"
                     "INSERT INTO main.phone_index_record (kind, rec_id, name, company, write_date)"
                     " SELECT kind, rec_id, name, company, write_date FROM old.phone_index_record;"
                     "INSERT INTO main.phone_index_number (key, kind, rec_id)"
                     " SELECT key, kind, rec_id FROM old.phone_index_number;"
                     "INSERT INTO main.phone_index_space (space, filled, fill_next, fill_end, max_id, mark,"
                     " next_mark, sweep_id, reconcile_id) SELECT space, filled, fill_next, fill_end, max_id,"
                     " mark, next_mark, sweep_id, reconcile_id FROM old.phone_index_space;"
                     "COMMIT;", NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    {
      rd_sql_set_error (db, error, "phone index: copying it from the store");
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    }
  sqlite3_exec (db, "DETACH DATABASE old", NULL, NULL, NULL);
  return ok;
}

/* The index's own database file next to @store's, created and migrated; an index the store
 * itself held (versions up to 2) is moved there. */
static RdStore *
open_own_file (RdStore *store, const char *path, GError **error)
{
  g_autoptr(RdStore) own = rd_store_open_empty (path, error);
  int in_store, fresh;

  if (own == NULL)
    return NULL;
  /* Like the writer's: what a power cut takes is read again from the CRM. */
  if (sqlite3_exec (rd_store_get_db (own), "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
    {
      rd_sql_set_error (rd_store_get_db (own), error, "phone index: configuring");
      return NULL;
    }
  fresh = rd_store_get_schema_version (own, "phone-index") == 0;
  if (!rd_store_migrate (own, "phone-index", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;
  in_store = rd_store_get_schema_version (store, "phone-index");
  if (in_store == 1 || in_store == 2)
    {
      g_autoptr(GError) move_error = NULL;

      /* A version-1 index is brought to 2 first (its content stays, as that step says). */
      if (!rd_store_migrate (store, "phone-index", store_migrations, 2, error))
        return NULL;
      if (fresh)
        {
          if (move_from_store (rd_store_get_db (own), rd_store_get_path (store), &move_error))
            g_message ("Phone index moved to a database file of its own, %s", path);
          else
            /* Nothing lost: the next fill reads the CRM again. */
            g_warning ("Phone index: not moved to %s (%s); it is filled again from the CRM",
                       path, move_error->message);
        }
      if (!rd_store_migrate (store, "phone-index", store_migrations, G_N_ELEMENTS (store_migrations), error))
        return NULL;
    }
  return g_steal_pointer (&own);
}

RdPhoneIndex *
rd_phone_index_new (RdStore *store, GError **error)
{
  g_autoptr(RdPhoneIndex) self = NULL;
  g_autoptr(RdStore) own = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (RD_IS_STORE (store), NULL);

  /* A file of its own: the fill's writer thread holds the index file's write lock for each
   * chunk it writes; in the store's file it held up the main loop's writes (calls, outbox)
   * and their syncs had to flush the index's frames too. */
  path = rd_phone_index_file_for (rd_store_get_path (store));
  if (path != NULL)
    {
      if ((own = open_own_file (store, path, error)) == NULL)
        return NULL;
    }
  else
    {
      if (!rd_store_migrate (store, "phone-index", migrations, G_N_ELEMENTS (migrations), error))
        return NULL;
      own = g_object_ref (store);
    }

  self = g_object_new (RD_TYPE_PHONE_INDEX, NULL);
  self->store = g_steal_pointer (&own);
  self->main.db = rd_store_get_db (self->store);
  open_writer (self);
  return g_steal_pointer (&self);
}

void
rd_phone_index_set_region (RdPhoneIndex *self, const char *region)
{
  g_return_if_fail (RD_IS_PHONE_INDEX (self));
  g_free (self->region);
  self->region = g_strdup (region);
}

void
rd_phone_index_set_id_spaces (RdPhoneIndex *self, const RdCrmKind spaces[4])
{
  g_return_if_fail (RD_IS_PHONE_INDEX (self));
  memset (self->spaces, 0, sizeof self->spaces);
  for (guint i = 0; i < 3 && spaces[i] != RD_CRM_KIND_NONE; i++)
    self->spaces[i] = spaces[i] & RD_CRM_KIND_ALL;
}

RdCrmKind
rd_phone_index_space_of (RdPhoneIndex *self, RdCrmKind kind)
{
  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), kind);
  for (guint i = 0; i < 3 && self->spaces[i] != RD_CRM_KIND_NONE; i++)
    if (self->spaces[i] & kind)
      return self->spaces[i];
  return kind;
}

char *
rd_phone_index_key_for (const RdPhoneNumber *number)
{
  return rd_index_key_for (number);
}

gboolean
rd_phone_index_is_searchable (const RdPhoneNumber *number)
{
  g_autofree char *key = rd_index_key_for (number);

  return key != NULL;
}

GPtrArray *
rd_phone_index_lookup (RdPhoneIndex *self, const RdPhoneNumber *number, GError **error)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
  g_autofree char *key = rd_index_key_for (number);
  sqlite3_stmt *s;
  int rc;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), NULL);

  if (key == NULL)
    return g_steal_pointer (&matches);
  if ((s = stmt (self, STMT_LOOKUP, error)) == NULL)
    return NULL;
  rd_store_bind_text (s, 1, key);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      RdCrmMatch *match = g_new0 (RdCrmMatch, 1);

      match->kind = sqlite3_column_int (s, 0);
      match->id = sqlite3_column_int64 (s, 1);
      match->name = rd_store_column_dup (s, 2);
      match->company = rd_store_column_dup (s, 3);
      match->write_date = rd_store_column_dup (s, 4);
      g_ptr_array_add (matches, match);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      rd_sql_set_error (self->main.db, error, "lookup");
      return NULL;
    }
  return g_steal_pointer (&matches);
}

/* Steps a write of numbers, counting the rows it added (+) or removed (-). */
static gboolean
step_numbers (Conn *c, sqlite3_stmt *s, gint sign, GError **error)
{
  if (!rd_sql_stmt_done (c->db, s, "phone index", error))
    return FALSE;
  c->delta += sign * sqlite3_changes (c->db);
  return TRUE;
}

/* Replaces the numbers of one record: the record, under any kind of its space, gets
 * @keys; no keys removes it. Inside a transaction of @c. */
static gboolean
write_record (RdPhoneIndex *self, Conn *c, RdCrmKind kind, gint64 id, const char *name, const char *company,
              const char *write_date, const char * const *keys, GError **error)
{
  RdCrmKind space = rd_phone_index_space_of (self, kind);
  gboolean any = keys != NULL && keys[0] != NULL;
  sqlite3_stmt *s;

  for (guint k = 0; k < G_N_ELEMENTS (single_kinds); k++)
    {
      if ((space & single_kinds[k]) == 0)
        continue;
      if ((s = conn_stmt (c, STMT_DELETE_NUMBERS, error)) == NULL)
        return FALSE;
      sqlite3_bind_int (s, 1, single_kinds[k]);
      sqlite3_bind_int64 (s, 2, id);
      if (!step_numbers (c, s, -1, error))
        return FALSE;
      /* The record stays (upserted below) under its own kind when it has numbers. */
      if (any && single_kinds[k] == kind)
        continue;
      if ((s = conn_stmt (c, STMT_DELETE_RECORD, error)) == NULL)
        return FALSE;
      sqlite3_bind_int (s, 1, single_kinds[k]);
      sqlite3_bind_int64 (s, 2, id);
      if (!rd_sql_stmt_done (c->db, s, "phone index", error))
        return FALSE;
    }
  if (!any)
    return TRUE;

  for (guint i = 0; keys[i] != NULL; i++)
    {
      if ((s = conn_stmt (c, STMT_INSERT_NUMBER, error)) == NULL)
        return FALSE;
      rd_store_bind_text (s, 1, keys[i]);
      sqlite3_bind_int (s, 2, kind);
      sqlite3_bind_int64 (s, 3, id);
      if (!step_numbers (c, s, +1, error))
        return FALSE;
    }
  if ((s = conn_stmt (c, STMT_UPSERT_RECORD, error)) == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, kind);
  sqlite3_bind_int64 (s, 2, id);
  rd_store_bind_text (s, 3, name);
  rd_store_bind_text (s, 4, company);
  rd_store_bind_text (s, 5, write_date);
  return rd_sql_stmt_done (c->db, s, "phone index", error);
}

static gboolean
conn_exec (Conn *c, const char *sql, GError **error)
{
  if (sqlite3_exec (c->db, sql, NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  rd_sql_set_error (c->db, error, sql);
  return FALSE;
}

static gboolean
begin (RdPhoneIndex *self, Conn *c, GError **error)
{
  c->delta = 0;
  /* IMMEDIATE: take the write lock now (waiting up to the busy timeout), not halfway through. */
  return c->own ? conn_exec (c, "BEGIN IMMEDIATE", error) : rd_store_begin (self->store, error);
}

static void
rollback (RdPhoneIndex *self, Conn *c)
{
  if (c->own)
    sqlite3_exec (c->db, "ROLLBACK", NULL, NULL, NULL);
  else
    rd_store_rollback (self->store);
  c->delta = 0;
}

static gboolean
commit (RdPhoneIndex *self, Conn *c, GError **error)
{
  if (!(c->own ? conn_exec (c, "COMMIT", error) : rd_store_commit (self->store, error)))
    {
      rollback (self, c);
      return FALSE;
    }
  g_mutex_lock (&self->count_lock);
  if (self->n_numbers >= 0)
    self->n_numbers += c->delta;
  g_mutex_unlock (&self->count_lock);
  c->delta = 0;
  return TRUE;
}

/* Does the index hold any record of @space with an id in [@first, @last]? (in a transaction) */
static gboolean
any_in_range (RdPhoneIndex *self, Conn *c, RdCrmKind space, gint64 first, gint64 last, gboolean *out_any,
              GError **error)
{
  *out_any = FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (single_kinds) && !*out_any; k++)
    {
      sqlite3_stmt *s;
      int rc;

      if ((space & single_kinds[k]) == 0)
        continue;
      if ((s = conn_stmt (c, STMT_ANY_IN_RANGE, error)) == NULL)
        return FALSE;
      sqlite3_bind_int (s, 1, single_kinds[k]);
      sqlite3_bind_int64 (s, 2, first);
      sqlite3_bind_int64 (s, 3, last);
      rc = sqlite3_step (s);
      sqlite3_reset (s);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          rd_sql_set_error (c->db, error, "phone index range");
          return FALSE;
        }
      *out_any = rc == SQLITE_ROW;
    }
  return TRUE;
}

typedef struct {
  const char          *key;
  const RdIndexRecord *rec;
} NewNumber;

static int
new_number_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (((const NewNumber *) a)->key, ((const NewNumber *) b)->key);
}

/* The numbers of records [@from, @to) of @batch that the index holds nothing of yet (a first
 * fill), inserted in the order of their keys: a chunk's numbers land all over the number
 * B-tree, and in key order each of its pages is found once and written once. */
static gboolean
insert_numbers (Conn *c, RdIndexBatch *batch, guint from, guint to, GError **error)
{
  g_autoptr(GArray) numbers = g_array_sized_new (FALSE, FALSE, sizeof (NewNumber), batch->n_numbers);

  for (guint i = from; i < to; i++)
    {
      const RdIndexRecord *rec = batch->records->pdata[i];

      for (guint k = 0; rec->keys != NULL && rec->keys[k] != NULL; k++)
        g_array_append_val (numbers, ((NewNumber) { rec->keys[k], rec }));
    }
  g_array_sort (numbers, new_number_cmp);
  for (guint i = 0; i < numbers->len; i++)
    {
      const NewNumber *n = &g_array_index (numbers, NewNumber, i);
      sqlite3_stmt *s = conn_stmt (c, STMT_INSERT_NUMBER, error);

      if (s == NULL)
        return FALSE;
      rd_store_bind_text (s, 1, n->key);
      sqlite3_bind_int (s, 2, n->rec->kind);
      sqlite3_bind_int64 (s, 3, n->rec->id);
      if (!step_numbers (c, s, +1, error))
        return FALSE;
    }
  return TRUE;
}

/* A record the index holds nothing of yet (a first fill), inserted (its numbers by
 * insert_numbers()). */
static gboolean
insert_record (Conn *c, const RdIndexRecord *rec, GError **error)
{
  sqlite3_stmt *s;

  if (rec->keys == NULL || rec->keys[0] == NULL)
    return TRUE;
  if ((s = conn_stmt (c, STMT_INSERT_RECORD, error)) == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, rec->kind);
  sqlite3_bind_int64 (s, 2, rec->id);
  rd_store_bind_text (s, 3, rec->name);
  rd_store_bind_text (s, 4, rec->company);
  rd_store_bind_text (s, 5, rec->write_date);
  return rd_sql_stmt_done (c->db, s, "phone index", error);
}

/* Writes records [batch->applied, batch->applied + @max) of @batch in one transaction of @c. */
static gboolean
write_chunk (RdPhoneIndex *self, Conn *c, RdIndexBatch *batch, guint max, GError **error)
{
  guint end = max == 0 ? batch->records->len : MIN (batch->records->len, batch->applied + max);
  gint64 first = G_MAXINT64, last = 0;
  gboolean any = TRUE, ascending = TRUE;

  if (batch->applied >= end)
    return TRUE;
  if (!begin (self, c, error))
    return FALSE;
  /* A first fill writes ranges of ids the index knows nothing of: plain inserts then, without
   * first looking for older numbers of each record under each kind (a third of the work). */
  for (guint i = batch->applied; i < end; i++)
    {
      RdIndexRecord *rec = batch->records->pdata[i];

      ascending &= rec->id > last;   /* each id once */
      first = MIN (first, rec->id);
      last = MAX (last, rec->id);
    }
  if ((ascending && !any_in_range (self, c, batch->space, first, last, &any, error)) ||
      (!any && !insert_numbers (c, batch, batch->applied, end, error)))
    {
      rollback (self, c);
      return FALSE;
    }
  for (guint i = batch->applied; i < end; i++)
    {
      RdIndexRecord *rec = batch->records->pdata[i];
      gboolean ok;

      if (any)
        ok = write_record (self, c, rec->kind, rec->id, rec->name, rec->company, rec->write_date,
                           (const char * const *) rec->keys, error);
      else
        ok = insert_record (c, rec, error);
      if (!ok)
        {
          rollback (self, c);
          return FALSE;
        }
    }
  if (!commit (self, c, error))
    return FALSE;
  batch->applied = end;
  return TRUE;
}

/* ---- bulk writes off the main loop ------------------------------------------ */

typedef struct {
  RdCrmKind     space;
  GPtrArray    *changes;
  char         *region;
  gint          epoch;
  RdIndexBatch *batch;
  guint         idle_id;
} Apply;

static void
apply_free (Apply *a)
{
  g_clear_pointer (&a->changes, g_ptr_array_unref);
  g_free (a->region);
  g_clear_pointer (&a->batch, rd_index_batch_free);
  g_clear_handle_id (&a->idle_id, g_source_remove);
  g_free (a);
}

static gboolean
stale (RdPhoneIndex *self, Apply *a, GCancellable *cancellable, GError **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return TRUE;
  if (g_atomic_int_get (&self->epoch) != a->epoch)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The phone index was cleared meanwhile");
      return TRUE;
    }
  return FALSE;
}

/* No bulk write for this long (the fill is done, or a refresh's page written): the writer's page
 * cache and the heap the batches used go back to the system, not kept for the next fill. Not at
 * once: a fill from a CRM slower than the writer leaves it idle between two pages, and dropping
 * its cache each time would read the pages again (and trim the heap) for every page. */
#define WRITER_RELEASE_IDLE_MS 3000

static void
release_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RdPhoneIndex *self = source;

  g_mutex_lock (&self->writer_lock);
  if (self->writer.db != NULL && g_atomic_int_get (&self->applying) == 0)
    sqlite3_db_release_memory (self->writer.db);
  g_mutex_unlock (&self->writer_lock);
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  g_task_return_boolean (task, TRUE);
}

static gboolean
release_due (gpointer data)
{
  RdPhoneIndex *self = data;
  g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

  g_clear_pointer (&self->release, g_source_unref);
  g_task_run_in_thread (task, release_thread);
  return G_SOURCE_REMOVE;
}

/* On the main context: (re)starts the idle countdown when no bulk write is under way. */
static void
schedule_release (RdPhoneIndex *self)
{
  if (self->release != NULL)
    {
      g_source_destroy (self->release);
      g_clear_pointer (&self->release, g_source_unref);
    }
  if (self->writer.db == NULL || g_atomic_int_get (&self->applying) > 0)
    return;
  self->release = g_timeout_source_new (WRITER_RELEASE_IDLE_MS);
  g_source_set_callback (self->release, release_due, self, NULL);
  g_source_attach (self->release, g_main_context_get_thread_default ());
}

/* Worker thread: the keys, then (with a writer connection) the writes. */
static gboolean
write_batch (RdPhoneIndex *self, Apply *a, GCancellable *cancellable, GError **error)
{
  a->batch = rd_index_batch_new (a->space, a->changes, a->region);
  g_clear_pointer (&a->changes, g_ptr_array_unref);
  if (self->writer.db == NULL)
    return TRUE;   /* the main loop writes it (apply_idle) */
  for (guint chunk = 1; a->batch->applied < a->batch->records->len; chunk++)
    {
      gboolean ok;

      /* The lock is taken per chunk, so clear() and other bulk writes get their turn. */
      g_mutex_lock (&self->writer_lock);
      ok = !stale (self, a, cancellable, error) && write_chunk (self, &self->writer, a->batch, WRITER_CHUNK, error);
      if (ok && (chunk % WRITER_SYNC_EVERY == 0 || a->batch->applied >= a->batch->records->len))
        /* Syncs the WAL and copies it into the database, without holding the write lock. */
        sqlite3_wal_checkpoint_v2 (self->writer.db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      g_mutex_unlock (&self->writer_lock);
      if (!ok)
        return FALSE;
      g_usleep (WRITER_GAP_US);
    }
  /* Freed here, not with the task on the main loop: tens of thousands of strings a page. */
  g_clear_pointer (&a->batch, rd_index_batch_free);
  return TRUE;
}

static void
apply_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RdPhoneIndex *self = source;
  GError *error = NULL;
  gboolean ok = write_batch (self, data, cancellable, &error);

  g_atomic_int_add (&self->applying, -1);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
apply_idle (gpointer user_data)
{
  GTask *task = user_data;
  RdPhoneIndex *self = g_task_get_source_object (task);
  Apply *a = g_task_get_task_data (task);
  GError *error = NULL;

  if (stale (self, a, g_task_get_cancellable (task), &error) ||
      !write_chunk (self, &self->main, a->batch, MAIN_CHUNK, &error))
    {
      a->idle_id = 0;
      g_task_return_error (task, error);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  if (a->batch->applied < a->batch->records->len)
    return G_SOURCE_CONTINUE;
  a->idle_id = 0;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
on_apply_thread (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Apply *a = g_task_get_task_data (task);
  GError *error = NULL;

  schedule_release (RD_PHONE_INDEX (source));
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (a->batch == NULL || a->batch->applied >= a->batch->records->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  /* In-memory store: chunks on the main loop, between whatever else it has to do. */
  a->idle_id = g_idle_add (apply_idle, task);
}

void
rd_phone_index_apply_async (RdPhoneIndex *self, RdCrmKind space, GPtrArray *changes,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  g_autoptr(GTask) thread = NULL;
  Apply *a;

  g_return_if_fail (RD_IS_PHONE_INDEX (self));
  g_return_if_fail (changes != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_phone_index_apply_async);
  a = g_new0 (Apply, 1);
  a->space = space;
  a->changes = g_ptr_array_ref (changes);
  a->region = g_strdup (self->region);
  a->epoch = g_atomic_int_get (&self->epoch);
  g_task_set_task_data (task, a, (GDestroyNotify) apply_free);
  thread = g_task_new (self, cancellable, on_apply_thread, task);
  g_task_set_task_data (thread, a, NULL);
  g_atomic_int_inc (&self->applying);
  schedule_release (self);   /* stops the countdown */
  g_task_run_in_thread (thread, apply_thread);
}

gboolean
rd_phone_index_apply_finish (RdPhoneIndex *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
rd_phone_index_apply (RdPhoneIndex *self, RdCrmKind space, GPtrArray *changes, GError **error)
{
  g_autoptr(RdIndexBatch) batch = NULL;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  batch = rd_index_batch_new (space, changes, self->region);
  return write_chunk (self, &self->main, batch, 0, error);
}

/* ---- single records ---------------------------------------------------------- */

/* Worker thread: the puts that found a bulk write under way, in the order they came, each in a
 * transaction of its own on the writer connection between the bulk write's chunks. */
static void
puts_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  RdPhoneIndex *self = source;

  for (;;)
    {
      Put *put;
      GError *error = NULL;
      gboolean ok = TRUE;

      g_mutex_lock (&self->count_lock);
      put = g_queue_pop_head (&self->puts);
      if (put == NULL)
        self->putting = FALSE;   /* the next deferred put starts another drain */
      g_mutex_unlock (&self->count_lock);
      if (put == NULL)
        break;
      g_mutex_lock (&self->writer_lock);
      /* Cleared meanwhile: the record goes with the rest. */
      if (g_atomic_int_get (&self->epoch) == put->epoch)
        {
          ok = begin (self, &self->writer, &error);
          if (ok && !write_record (self, &self->writer, put->kind, put->id, put->name, put->company,
                                   put->write_date, (const char * const *) put->keys, &error))
            {
              rollback (self, &self->writer);
              ok = FALSE;
            }
          ok = ok && commit (self, &self->writer, &error);
        }
      g_mutex_unlock (&self->writer_lock);
      if (!ok)
        {
          g_warning ("Phone index: record %" G_GINT64_FORMAT " not written: %s", put->id, error->message);
          g_error_free (error);
        }
      put_free (put);
    }
  g_task_return_boolean (task, TRUE);
}

/* write_record() for one record, in a transaction of its own: on the main connection, or, while a
 * bulk write holds the index (a fill) or earlier puts still wait, queued for a worker thread that
 * writes them in order between that write's chunks, so that the main loop never waits for it. */
static gboolean
put_one (RdPhoneIndex *self, RdCrmKind kind, gint64 id, const char *name, const char *company,
         const char *write_date, const char * const *keys, GError **error)
{
  gboolean ok, queued = FALSE;

  if (self->writer.db != NULL)
    {
      g_mutex_lock (&self->count_lock);
      if (self->putting || !g_mutex_trylock (&self->writer_lock))
        {
          Put *put = g_new0 (Put, 1);

          put->kind = kind;
          put->id = id;
          put->name = g_strdup (name);
          put->company = g_strdup (company);
          put->write_date = g_strdup (write_date);
          put->keys = g_strdupv ((char **) keys);
          put->epoch = g_atomic_int_get (&self->epoch);
          g_queue_push_tail (&self->puts, put);
          queued = TRUE;
          g_debug ("Phone index: record %" G_GINT64_FORMAT " written after the bulk write's chunk", id);
          if (!self->putting)
            {
              g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

              self->putting = TRUE;
              g_task_set_source_tag (task, put_one);
              g_task_run_in_thread (task, puts_thread);
            }
        }
      g_mutex_unlock (&self->count_lock);
      if (queued)
        return TRUE;
    }
  /* Holding writer_lock (with a writer): no bulk transaction is open, the write lock is free. */
  ok = begin (self, &self->main, error);
  if (ok && !write_record (self, &self->main, kind, id, name, company, write_date, keys, error))
    {
      rollback (self, &self->main);
      ok = FALSE;
    }
  ok = ok && commit (self, &self->main, error);
  if (self->writer.db != NULL)
    g_mutex_unlock (&self->writer_lock);
  return ok;
}

gboolean
rd_phone_index_put_match (RdPhoneIndex *self, const RdCrmMatch *match, GError **error)
{
  g_auto(GStrv) keys = NULL;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);
  g_return_val_if_fail (match != NULL, FALSE);

  keys = rd_index_keys_for_numbers ((const char * const *) match->numbers, NULL, self->region);
  return put_one (self, match->kind, match->id, match->name, match->company, match->write_date,
                  (const char * const *) keys, error);
}

gboolean
rd_phone_index_forget (RdPhoneIndex *self, RdCrmKind kind, gint64 id, GError **error)
{
  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  return put_one (self, kind, id, NULL, NULL, NULL, NULL, error);
}

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

GArray *
rd_phone_index_list_ids (RdPhoneIndex *self, RdCrmKind space, gint64 first_id, gint64 end_id, GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), NULL);

  for (guint k = 0; k < G_N_ELEMENTS (single_kinds); k++)
    {
      sqlite3_stmt *s;
      int rc;

      if ((space & single_kinds[k]) == 0)
        continue;
      if ((s = stmt (self, STMT_LIST_IDS, error)) == NULL)
        return NULL;
      sqlite3_bind_int (s, 1, single_kinds[k]);
      sqlite3_bind_int64 (s, 2, first_id);
      sqlite3_bind_int64 (s, 3, end_id > 0 ? end_id : G_MAXINT64);
      while ((rc = sqlite3_step (s)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (s, 0);

          g_array_append_val (ids, id);
        }
      sqlite3_reset (s);
      if (rc != SQLITE_DONE)
        {
          rd_sql_set_error (self->main.db, error, "phone index ids");
          return NULL;
        }
    }
  g_array_sort (ids, compare_ids);
  return g_steal_pointer (&ids);
}

gboolean
rd_phone_index_forget_ids (RdPhoneIndex *self, RdCrmKind space, GArray *ids, GError **error)
{
  RdCrmKind kind = RD_CRM_KIND_NONE;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  if (ids == NULL || ids->len == 0)
    return TRUE;
  for (guint k = 0; k < G_N_ELEMENTS (single_kinds) && kind == RD_CRM_KIND_NONE; k++)
    if (space & single_kinds[k])
      kind = single_kinds[k];
  if (!begin (self, &self->main, error))
    return FALSE;
  /* write_record() clears an id under every kind of its space. */
  for (guint i = 0; i < ids->len; i++)
    if (!write_record (self, &self->main, kind, g_array_index (ids, gint64, i), NULL, NULL, NULL, NULL, error))
      {
        rollback (self, &self->main);
        return FALSE;
      }
  return commit (self, &self->main, error);
}

gboolean
rd_phone_index_clear (RdPhoneIndex *self, GError **error)
{
  char *message = NULL;
  gboolean ok;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  /* Bulk writes begun before stop at their next chunk; none is halfway through one now. */
  g_mutex_lock (&self->writer_lock);
  g_atomic_int_inc (&self->epoch);
  ok = sqlite3_exec (self->main.db,
                     "DELETE FROM phone_index_number; DELETE FROM phone_index_record;"
                     " DELETE FROM phone_index_space;", NULL, NULL, &message) == SQLITE_OK;
  g_mutex_unlock (&self->writer_lock);
  g_mutex_lock (&self->count_lock);
  self->n_numbers = ok ? 0 : -1;
  g_mutex_unlock (&self->count_lock);
  if (!ok)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Phone index: clear: %s", message);
      sqlite3_free (message);
    }
  return ok;
}

guint
rd_phone_index_count_numbers (RdPhoneIndex *self)
{
  gint64 n;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), 0);

  /* Counted once (a scan of the table), then kept up to date by the writes: status
   * requests must not scan a million rows on the main loop. */
  g_mutex_lock (&self->count_lock);
  n = self->n_numbers;
  g_mutex_unlock (&self->count_lock);
  if (n < 0)
    {
      sqlite3_stmt *s;

      /* Under writer_lock: no bulk transaction commits between the count and its use. */
      g_mutex_lock (&self->writer_lock);
      if ((s = stmt (self, STMT_COUNT, NULL)) != NULL && sqlite3_step (s) == SQLITE_ROW)
        n = sqlite3_column_int64 (s, 0);
      if (s != NULL)
        sqlite3_reset (s);
      g_mutex_lock (&self->count_lock);
      self->n_numbers = n;
      g_mutex_unlock (&self->count_lock);
      g_mutex_unlock (&self->writer_lock);
    }
  return (guint) MAX (n, 0);
}

RdIndexSpace *
rd_phone_index_get_space (RdPhoneIndex *self, RdCrmKind space)
{
  sqlite3_stmt *s;
  RdIndexSpace *state = NULL;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), NULL);

  if ((s = stmt (self, STMT_GET_SPACE, NULL)) == NULL)
    return NULL;
  sqlite3_bind_int (s, 1, space);
  if (sqlite3_step (s) == SQLITE_ROW)
    {
      state = g_new0 (RdIndexSpace, 1);
      state->filled = sqlite3_column_int (s, 0) != 0;
      state->fill_next = sqlite3_column_int64 (s, 1);
      state->fill_end = sqlite3_column_int64 (s, 2);
      state->max_id = sqlite3_column_int64 (s, 3);
      state->mark = rd_store_column_dup (s, 4);
      state->next_mark = rd_store_column_dup (s, 5);
      state->sweep_id = sqlite3_column_int64 (s, 6);
      state->reconcile_id = sqlite3_column_int64 (s, 7);
    }
  sqlite3_reset (s);
  return state;
}

gboolean
rd_phone_index_set_space_if_idle (RdPhoneIndex *self, RdCrmKind space, const RdIndexSpace *state,
                                  gboolean *out_saved, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);
  g_return_val_if_fail (out_saved != NULL, FALSE);

  *out_saved = FALSE;
  if (self->writer.db == NULL)
    ok = rd_phone_index_set_space (self, space, state, error);
  else if (!g_mutex_trylock (&self->writer_lock))
    return TRUE;   /* a bulk transaction is open: not now */
  else
    {
      /* No bulk transaction can begin meanwhile: the write lock is free. */
      ok = rd_phone_index_set_space (self, space, state, error);
      g_mutex_unlock (&self->writer_lock);
    }
  *out_saved = ok;
  return ok;
}

gboolean
rd_phone_index_set_space (RdPhoneIndex *self, RdCrmKind space, const RdIndexSpace *state, GError **error)
{
  sqlite3_stmt *s;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if ((s = stmt (self, STMT_SET_SPACE, error)) == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, space);
  sqlite3_bind_int (s, 2, state->filled);
  sqlite3_bind_int64 (s, 3, state->fill_next);
  sqlite3_bind_int64 (s, 4, state->fill_end);
  sqlite3_bind_int64 (s, 5, state->max_id);
  rd_store_bind_text (s, 6, state->mark);
  rd_store_bind_text (s, 7, state->next_mark);
  sqlite3_bind_int64 (s, 8, state->sweep_id);
  sqlite3_bind_int64 (s, 9, state->reconcile_id);
  return rd_sql_stmt_done (self->main.db, s, "phone index space", error);
}

gint64
rd_phone_index_get_writer_cache_bytes (RdPhoneIndex *self)
{
  int used = 0, high = 0;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), -1);

  if (self->writer.db == NULL)
    return -1;
  g_mutex_lock (&self->writer_lock);
  sqlite3_db_status (self->writer.db, SQLITE_DBSTATUS_CACHE_USED, &used, &high, FALSE);
  g_mutex_unlock (&self->writer_lock);
  return used;
}
