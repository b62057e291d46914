/* rd-hub-sql.h — small SQLite helpers shared by the hub's own tables. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef sqlite3_stmt RdHubStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdHubStmt, sqlite3_finalize)

/* Prepares @sql on @db; sets an RD_ERROR_FAILED error naming @what on failure. */
RdHubStmt *rd_hub_sql_prepare     (sqlite3 *db, const char *sql, GError **error);
/* Steps a statement whose rows are ignored; resets it. */
gboolean   rd_hub_sql_step_done   (sqlite3 *db, RdHubStmt *stmt, const char *what, GError **error);
void       rd_hub_sql_set_error   (sqlite3 *db, GError **error, const char *what);
/* NULL binds NULL. */
void       rd_hub_sql_bind_text   (RdHubStmt *stmt, int index, const char *text);
/* NULL stays NULL. */
char      *rd_hub_sql_column_dup  (RdHubStmt *stmt, int column);

G_END_DECLS
