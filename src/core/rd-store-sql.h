/* rd-store-sql.h — the one set of SQLite statement helpers of the tree, for the store's own
 * tables and for the tables other layers keep in the same database (bindings, session tokens,
 * the outbox bookkeeping, the phone index).
 *
 * Statements are prepared once per store and kept (SQLITE_PREPARE_PERSISTENT); the SQL text is
 * the cache key, so it must have static storage (a string literal). The autoptr cleanup of an
 * RdStoreStmt resets the statement and clears its bindings: it is never finalized before the
 * store is. A statement must not be used again while a caller still steps through it.
 *
 * Code that keeps a connection of its own (a second connection for bulk writes) prepares its
 * statements itself and uses the same RdStoreStmt type and the rd_sql_* functions below.
 */
#pragma once

#include <sqlite3.h>

#include "core/rd-store.h"

G_BEGIN_DECLS

typedef sqlite3_stmt RdStoreStmt;
void          rd_store_stmt_reset      (RdStoreStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdStoreStmt, rd_store_stmt_reset)

/* The cached statement for @sql (static storage), prepared on first use; NULL with an
 * RD_ERROR_FAILED error when SQLite refuses it. */
RdStoreStmt  *rd_store_stmt            (RdStore     *self,
                                        const char  *sql,
                                        GError     **error);
/* For getters without a GError: the statement, or NULL after logging why. */
RdStoreStmt  *rd_store_stmt_or_warn    (RdStore     *self,
                                        const char  *sql);
/* Logs the connection's last error (getters without a GError). */
void          rd_store_warn_db_error   (RdStore     *self,
                                        const char  *what);
/* Sets @error (RD_ERROR_FAILED) from the connection's last error, prefixed with @what. */
void          rd_store_set_db_error    (RdStore     *self,
                                        GError     **error,
                                        const char  *what);
/* Steps a statement to the end (ignoring rows), then resets it. */
gboolean      rd_store_stmt_done       (RdStore     *self,
                                        RdStoreStmt *stmt,
                                        const char  *what,
                                        GError     **error);
/* The same for a connection the store does not own: @error (RD_ERROR_FAILED) from @db's last
 * error, prefixed with @what; a statement stepped to the end, then reset. */
void          rd_sql_set_error         (sqlite3     *db,
                                        GError     **error,
                                        const char  *what);
gboolean      rd_sql_stmt_done         (sqlite3     *db,
                                        RdStoreStmt *stmt,
                                        const char  *what,
                                        GError     **error);
/* Binds text by length, so any NUL-free bytes are stored verbatim; NULL binds NULL. */
void          rd_store_bind_text       (RdStoreStmt *stmt,
                                        int          index,
                                        const char  *text);
/* Copies a text column; NULL stays NULL. */
char         *rd_store_column_dup      (RdStoreStmt *stmt,
                                        int          column);

G_END_DECLS
