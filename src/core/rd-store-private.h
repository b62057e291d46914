/* rd-store-private.h — internals shared by rd-store.c and rd-store-outbox.c,
 * plus one hook for the store's own tests. Not for other layers.
 */
#pragma once

#include "rd-store.h"

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

/* A cached prepared statement; the autoptr cleanup resets it and clears its
 * bindings (it is never finalized before the store is). */
typedef sqlite3_stmt RdStoreStmt;
void          rd_store_stmt_reset      (RdStoreStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdStoreStmt, rd_store_stmt_reset)

/* @sql must be a string with static storage (it is the cache key). */
RdStoreStmt  *rd_store_stmt            (RdStore     *self,
                                        const char  *sql,
                                        GError     **error);
/* For getters without a GError: the statement, or NULL after logging why. */
RdStoreStmt  *rd_store_stmt_or_warn    (RdStore     *self,
                                        const char  *sql);
/* Logs the connection's last error (getters without a GError). */
void          rd_store_warn_db_error   (RdStore     *self,
                                        const char  *what);
/* Sets @error from the connection's last error, prefixed with @what. */
void          rd_store_set_db_error    (RdStore     *self,
                                        GError     **error,
                                        const char  *what);
/* Steps a statement to the end (ignoring rows), then resets it. */
gboolean      rd_store_stmt_done       (RdStore     *self,
                                        RdStoreStmt *stmt,
                                        const char  *what,
                                        GError     **error);
gint64        rd_store_now             (RdStore     *self);
/* Binds text by length, so any NUL-free bytes are stored verbatim; NULL binds NULL. */
void          rd_store_bind_text       (RdStoreStmt *stmt,
                                        int          index,
                                        const char  *text);
/* Copies a text column; NULL stays NULL. */
char         *rd_store_column_dup      (RdStoreStmt *stmt,
                                        int          column);

/* Test hook: opens @path migrating the "store" component only up to
 * @store_version (an older schema), to test upgrades of real databases. */
RdStore      *rd_store_open_at_version (const char  *path,
                                        guint        store_version,
                                        GError     **error);
/* The number of "store" migrations this build knows. */
guint         rd_store_schema_latest   (void);

G_END_DECLS
