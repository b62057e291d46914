/* rd-store-live.c — the legs in progress, in RdStore.
 *
 * The hub shows agents their calls live; when it stops (a crash included) in the middle of
 * a call, the next start must still end that call for the agent (or carry it on). So each
 * leg's last state lives here, from its first event to its end.
 */
#include "config.h"

#include "rd-store-private.h"

#include "rd-error.h"

gboolean
rd_store_live_call_put (RdStore *self, const RdCallEvent *event, const char *match_json, GError **error)
{
  RdStoreStmt *stmt;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (event != NULL && event->call_id != NULL && event->extension != NULL, FALSE);

  stmt = rd_store_stmt (self,
                        "INSERT INTO live_calls (call_id, extension, state, direction, remote, did, call_path,"
                        " match_json, seen_us, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                        " ON CONFLICT (call_id, extension) DO UPDATE SET state = ?3, direction = ?4,"
                        " remote = coalesce (?5, remote), did = coalesce (?6, did),"
                        " call_path = coalesce (?7, call_path), match_json = coalesce (?8, match_json),"
                        " updated = ?10",
                        error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, event->call_id);
  rd_store_bind_text (stmt, 2, event->extension);
  rd_store_bind_text (stmt, 3, rd_call_state_to_string (event->state));
  rd_store_bind_text (stmt, 4, rd_direction_to_string (event->direction));
  rd_store_bind_text (stmt, 5, event->remote_number);
  rd_store_bind_text (stmt, 6, event->did);
  rd_store_bind_text (stmt, 7, event->call_path);
  rd_store_bind_text (stmt, 8, match_json);
  sqlite3_bind_int64 (stmt, 9, event->timestamp_us > 0 ? event->timestamp_us : g_get_real_time ());
  sqlite3_bind_int64 (stmt, 10, rd_store_now (self));
  return rd_store_stmt_done (self, stmt, "keeping a call in progress", error);
}

gboolean
rd_store_live_call_remove (RdStore *self, const char *call_id, const char *extension, GError **error)
{
  RdStoreStmt *stmt;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  stmt = rd_store_stmt (self, "DELETE FROM live_calls WHERE call_id = ?1 AND extension = ?2", error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, call_id);
  rd_store_bind_text (stmt, 2, extension);
  return rd_store_stmt_done (self, stmt, "forgetting a call that ended", error);
}

GPtrArray *
rd_store_live_calls_list (RdStore *self, gint64 max_age_s, GPtrArray **out_matches, GError **error)
{
  g_autoptr(GPtrArray) legs = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_event_free);
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func (g_free);
  RdStoreStmt *stmt;
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), NULL);

  stmt = rd_store_stmt (self, "DELETE FROM live_calls WHERE updated < ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, rd_store_now (self) - max_age_s);
  if (!rd_store_stmt_done (self, stmt, "dropping stale calls in progress", error))
    return NULL;

  stmt = rd_store_stmt (self,
                        "SELECT call_id, extension, state, direction, remote, did, call_path, match_json, seen_us"
                        " FROM live_calls ORDER BY seen_us",
                        error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RdCallEvent *leg = rd_call_event_new ();
      g_autofree char *state = rd_store_column_dup (stmt, 2);
      g_autofree char *direction = rd_store_column_dup (stmt, 3);

      leg->call_id = rd_store_column_dup (stmt, 0);
      leg->extension = rd_store_column_dup (stmt, 1);
      leg->state = rd_call_state_from_string (state);
      leg->direction = rd_direction_from_string (direction);
      leg->remote_number = rd_store_column_dup (stmt, 4);
      leg->did = rd_store_column_dup (stmt, 5);
      leg->call_path = rd_store_column_dup (stmt, 6);
      leg->timestamp_us = sqlite3_column_int64 (stmt, 8);
      g_ptr_array_add (legs, leg);
      g_ptr_array_add (matches, rd_store_column_dup (stmt, 7));
    }
  rd_store_stmt_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      rd_store_set_db_error (self, error, "reading the calls in progress");
      return NULL;
    }
  if (out_matches != NULL)
    *out_matches = g_steal_pointer (&matches);
  return g_steal_pointer (&legs);
}
