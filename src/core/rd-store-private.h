/* rd-store-private.h — the store's struct, shared by rd-store*.c, plus hooks for the store's
 * own tests. Not for other layers: they use rd-store.h and rd-store-sql.h.
 */
#pragma once

#include "core/rd-store-sql.h"

G_BEGIN_DECLS

struct _RdStore
{
  GObject     parent_instance;

  sqlite3    *db;
  char       *path;
  GHashTable *stmts;          /* SQL text (static string) → sqlite3_stmt*, prepared once */
  guint       txn_depth;      /* 0 = autocommit; 1 = BEGIN; >1 = savepoints */
  gint64      clock_override; /* 0 = real clock */
  guint       backoff_base;   /* seconds */
  guint       backoff_max;    /* seconds */
  GRand      *rand;           /* backoff jitter */
  GThreadPool *ckpt_pool;     /* one thread for checkpoints (rd-store.c), created when needed */
  sqlite3    *ckpt_db;        /* that thread's own connection */
  gint        ckpt_running;   /* a checkpoint is queued or under way (atomic) */
  /* relaxed commits (rd-store-sync.c) */
  guint       relaxed_depth;
  int         relaxed_saved;  /* the synchronous level to restore at the end, -1: left as it was */
  GMutex      sync_lock;
  guint64     relaxed_seq;    /* relaxed sections ended (sync_lock) */
  guint64     synced_seq;     /* of those, known to be on disk (sync_lock) */
  gboolean    sync_queued;    /* the sync thread has work (sync_lock) */
  GQueue      sync_waiters;   /* SyncWaiter*: rd_store_sync_async() calls (sync_lock) */
  GThreadPool *sync_pool;     /* one thread, created when needed */
  int         wal_fd;         /* that thread's descriptor on the WAL file, -1 until opened */
  guint       syncs;          /* syncs done, for the tests (sync_lock) */
  gboolean    sync_warned;    /* a failed sync was logged; quiet until one succeeds (sync_lock) */
  gboolean    sync_hold;      /* test hook: the sync thread waits (sync_lock, sync_cond) */
  GCond       sync_cond;
};

gint64        rd_store_now             (RdStore     *self);
/* rd-store-sync.c: set-up and the last sync at close. */
void          rd_store_sync_init       (RdStore     *self);
void          rd_store_sync_close      (RdStore     *self);
/* Test hooks: how many times the sync thread synced the WAL; holding it before its next sync. */
guint         rd_store_get_syncs       (RdStore     *self);
void          rd_store_hold_syncs      (RdStore     *self,
                                        gboolean     hold);

/* Test hook: opens @path migrating the "store" component only up to
 * @store_version (an older schema), to test upgrades of real databases. */
RdStore      *rd_store_open_at_version (const char  *path,
                                        guint        store_version,
                                        GError     **error);
/* The number of "store" migrations this build knows. */
guint         rd_store_schema_latest   (void);

G_END_DECLS
