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
};

gint64        rd_store_now             (RdStore     *self);

/* Test hook: opens @path migrating the "store" component only up to
 * @store_version (an older schema), to test upgrades of real databases. */
RdStore      *rd_store_open_at_version (const char  *path,
                                        guint        store_version,
                                        GError     **error);
/* The number of "store" migrations this build knows. */
guint         rd_store_schema_latest   (void);

G_END_DECLS
