#include "config.h"

#include "hub/rd-audit-log.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#define KEEP_SECONDS (400 * 24 * 3600)
#define KEEP_ROWS 100000
#define MAX_TEXT 2000

struct _RdAuditLog
{
  GObject  parent_instance;

  RdStore *store;
  sqlite3 *db;
  guint    added;
};

G_DEFINE_FINAL_TYPE (RdAuditLog, rd_audit_log, G_TYPE_OBJECT)

static const char * const migrations[] = {
  "CREATE TABLE hub_audit ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
  "  actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT);",
};

void
rd_audit_entry_free (RdAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->actor);
  g_free (entry->action);
  g_free (entry->detail);
  g_free (entry);
}

static void
rd_audit_log_finalize (GObject *object)
{
  RdAuditLog *self = RD_AUDIT_LOG (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (rd_audit_log_parent_class)->finalize (object);
}

static void
rd_audit_log_class_init (RdAuditLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_audit_log_finalize;
}

static void
rd_audit_log_init (RdAuditLog *self)
{
}

RdAuditLog *
rd_audit_log_new (RdStore *store, GError **error)
{
  RdAuditLog *self;

  g_return_val_if_fail (RD_IS_STORE (store), NULL);

  if (!rd_store_migrate (store, "hub-audit", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;
  self = g_object_new (RD_TYPE_AUDIT_LOG, NULL);
  self->store = g_object_ref (store);
  self->db = rd_store_get_db (store);
  return self;
}

/* Valid UTF-8 of bounded length: the text as given, or a cleaned copy. */
static char *
clean (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  if (g_utf8_strlen (valid, -1) > MAX_TEXT)
    *g_utf8_offset_to_pointer (valid, MAX_TEXT) = '\0';
  return g_steal_pointer (&valid);
}

static void
prune (RdAuditLog *self)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store,
      "DELETE FROM hub_audit WHERE time < ?1 OR id <= (SELECT max (id) FROM hub_audit) - ?2", NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () / G_USEC_PER_SEC - KEEP_SECONDS);
  sqlite3_bind_int64 (stmt, 2, KEEP_ROWS);
  rd_store_stmt_done (self->store, stmt, "audit pruning", NULL);
}

gboolean
rd_audit_log_add (RdAuditLog *self, const char *actor, const char *action, const char *detail, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autofree char *clean_actor = clean (actor != NULL ? actor : "unknown");
  g_autofree char *clean_action = clean (action);
  g_autofree char *clean_detail = clean (detail);

  g_return_val_if_fail (RD_IS_AUDIT_LOG (self), FALSE);
  g_return_val_if_fail (action != NULL, FALSE);

  stmt = rd_store_stmt (self->store, "INSERT INTO hub_audit (time, actor, action, detail)"
                             " VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () / G_USEC_PER_SEC);
  rd_store_bind_text (stmt, 2, clean_actor);
  rd_store_bind_text (stmt, 3, clean_action);
  rd_store_bind_text (stmt, 4, clean_detail != NULL && *clean_detail != '\0' ? clean_detail : NULL);
  if (!rd_store_stmt_done (self->store, stmt, "audit entry", error))
    return FALSE;
  if (++self->added % 100 == 1)
    prune (self);
  return TRUE;
}

GPtrArray *
rd_audit_log_list (RdAuditLog *self, guint limit, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_audit_entry_free);
  int rc;

  g_return_val_if_fail (RD_IS_AUDIT_LOG (self), NULL);

  stmt = rd_store_stmt (self->store, "SELECT id, time, actor, action, detail FROM hub_audit"
                             " ORDER BY id DESC LIMIT ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RdAuditEntry *entry = g_new0 (RdAuditEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->time = sqlite3_column_int64 (stmt, 1);
      entry->actor = rd_store_column_dup (stmt, 2);
      entry->action = rd_store_column_dup (stmt, 3);
      entry->detail = rd_store_column_dup (stmt, 4);
      g_ptr_array_add (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      rd_store_set_db_error (self->store, error, "reading the audit log");
      return NULL;
    }
  return g_steal_pointer (&entries);
}
