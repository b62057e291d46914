#include "config.h"

#include "hub/rd-hub-sql.h"

#include "core/rd-error.h"

void
rd_hub_sql_set_error (sqlite3 *db, GError **error, const char *what)
{
  g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Database error (%s): %s", what, sqlite3_errmsg (db));
}

RdHubStmt *
rd_hub_sql_prepare (sqlite3 *db, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      rd_hub_sql_set_error (db, error, "prepare");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

gboolean
rd_hub_sql_step_done (sqlite3 *db, RdHubStmt *stmt, const char *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      rd_hub_sql_set_error (db, error, what);
      return FALSE;
    }
  return TRUE;
}

void
rd_hub_sql_bind_text (RdHubStmt *stmt, int index, const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
rd_hub_sql_column_dup (RdHubStmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}
