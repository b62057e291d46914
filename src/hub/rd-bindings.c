#include "config.h"

#include "hub/rd-bindings.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

struct _RdBindings
{
  GObject  parent_instance;

  RdStore *store;
  sqlite3 *db;
};

G_DEFINE_FINAL_TYPE (RdBindings, rd_bindings, G_TYPE_OBJECT)

static const char * const migrations[] = {
  "CREATE TABLE hub_binding ("
  "  extension TEXT PRIMARY KEY, user_id INTEGER NOT NULL UNIQUE,"
  "  user_name TEXT, user_login TEXT, user_email TEXT, how TEXT NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE hub_agent_key ("
  "  extension TEXT PRIMARY KEY, digest TEXT NOT NULL, created INTEGER NOT NULL);",
  /* 2: a key belongs to a binding (extension + the user bound when it was issued), has an id
   * (listed, revoked one by one, a sign-in identity) and a last use. Keys issued before keep
   * the extension's current binding. */
  "CREATE TABLE hub_agent_key2 ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT, extension TEXT NOT NULL UNIQUE,"
  "  user_id INTEGER NOT NULL DEFAULT 0, digest TEXT NOT NULL, created INTEGER NOT NULL,"
  "  last_used INTEGER);"
  "INSERT INTO hub_agent_key2 (extension, user_id, digest, created)"
  "  SELECT k.extension, coalesce (b.user_id, 0), k.digest, k.created"
  "  FROM hub_agent_key k LEFT JOIN hub_binding b ON b.extension = k.extension;"
  "DROP TABLE hub_agent_key;"
  "ALTER TABLE hub_agent_key2 RENAME TO hub_agent_key;",
};

#define BINDING_COLUMNS "extension, user_id, user_name, user_login, user_email, how, created"

void
rd_binding_free (RdBinding *binding)
{
  if (binding == NULL)
    return;
  g_free (binding->extension);
  g_free (binding->user_name);
  g_free (binding->user_login);
  g_free (binding->user_email);
  g_free (binding->how);
  g_free (binding);
}

static void
rd_bindings_finalize (GObject *object)
{
  RdBindings *self = RD_BINDINGS (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (rd_bindings_parent_class)->finalize (object);
}

static void
rd_bindings_class_init (RdBindingsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_bindings_finalize;
}

static void
rd_bindings_init (RdBindings *self)
{
}

RdBindings *
rd_bindings_new (RdStore *store, GError **error)
{
  RdBindings *self;

  g_return_val_if_fail (RD_IS_STORE (store), NULL);

  if (!rd_store_migrate (store, "hub-bindings", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;
  self = g_object_new (RD_TYPE_BINDINGS, NULL);
  self->store = g_object_ref (store);
  self->db = rd_store_get_db (store);
  return self;
}

gboolean
rd_bindings_extension_is_valid (const char *text)
{
  gsize len;

  if (text == NULL)
    return FALSE;
  len = strlen (text);
  if (len == 0 || len > 16)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

static RdBinding *
binding_from_row (RdStoreStmt *stmt)
{
  RdBinding *binding = g_new0 (RdBinding, 1);

  binding->extension = rd_store_column_dup (stmt, 0);
  binding->user_id = sqlite3_column_int64 (stmt, 1);
  binding->user_name = rd_store_column_dup (stmt, 2);
  binding->user_login = rd_store_column_dup (stmt, 3);
  binding->user_email = rd_store_column_dup (stmt, 4);
  binding->how = rd_store_column_dup (stmt, 5);
  binding->created = sqlite3_column_int64 (stmt, 6);
  return binding;
}

RdBinding *
rd_bindings_get_by_extension (RdBindings *self, const char *extension)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  if (extension == NULL)
    return NULL;
  stmt = rd_store_stmt (self->store, "SELECT " BINDING_COLUMNS " FROM hub_binding WHERE extension = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, extension);
  return sqlite3_step (stmt) == SQLITE_ROW ? binding_from_row (stmt) : NULL;
}

RdBinding *
rd_bindings_get_by_user (RdBindings *self, gint64 user_id)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  stmt = rd_store_stmt (self->store, "SELECT " BINDING_COLUMNS " FROM hub_binding WHERE user_id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  return sqlite3_step (stmt) == SQLITE_ROW ? binding_from_row (stmt) : NULL;
}

RdBinding *
rd_bindings_get_by_login (RdBindings *self, const char *login)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  if (login == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (login));
  stmt = rd_store_stmt (self->store, "SELECT " BINDING_COLUMNS " FROM hub_binding"
                             " WHERE lower (user_login) = lower (?1)", NULL);
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, trimmed);
  return sqlite3_step (stmt) == SQLITE_ROW ? binding_from_row (stmt) : NULL;
}

GPtrArray *
rd_bindings_list (RdBindings *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_binding_free);
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), list);

  stmt = rd_store_stmt (self->store, "SELECT " BINDING_COLUMNS " FROM hub_binding"
                             " ORDER BY length(extension), extension", NULL);
  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (list, binding_from_row (stmt));
  return list;
}

guint
rd_bindings_count (RdBindings *self)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), 0);

  stmt = rd_store_stmt (self->store, "SELECT count(*) FROM hub_binding", NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return (guint) sqlite3_column_int64 (stmt, 0);
}

/* Runs @body inside a store transaction (nested ones are savepoints). */
static gboolean
in_transaction (RdBindings *self, gboolean (*body) (RdBindings *self, gconstpointer data, GError **error),
                gconstpointer data, GError **error)
{
  if (!rd_store_begin (self->store, error))
    return FALSE;
  if (!body (self, data, error) || !rd_store_commit (self->store, error))
    {
      rd_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

static gboolean
delete_key_of (RdBindings *self, const char *extension, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "DELETE FROM hub_agent_key WHERE extension = ?1", error);

  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, extension);
  return rd_store_stmt_done (self->store, stmt, "delete agent key", error);
}

static gboolean
bind_body (RdBindings *self, gconstpointer data, GError **error)
{
  const RdBinding *binding = data;
  g_autoptr(RdBinding) by_ext = rd_bindings_get_by_extension (self, binding->extension);
  g_autoptr(RdStoreStmt) stmt = NULL;

  /* A key issued while the extension was unbound does not carry over to its new user. */
  if (by_ext == NULL && !delete_key_of (self, binding->extension, error))
    return FALSE;
  stmt = rd_store_stmt (self->store,
                             "INSERT INTO hub_binding (" BINDING_COLUMNS ")"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (extension) DO UPDATE SET"
                             " user_name = excluded.user_name, user_login = excluded.user_login,"
                             " user_email = excluded.user_email", error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, binding->extension);
  sqlite3_bind_int64 (stmt, 2, binding->user_id);
  rd_store_bind_text (stmt, 3, binding->user_name);
  rd_store_bind_text (stmt, 4, binding->user_login);
  rd_store_bind_text (stmt, 5, binding->user_email);
  rd_store_bind_text (stmt, 6, binding->how ? binding->how : "manual");
  sqlite3_bind_int64 (stmt, 7, g_get_real_time () / G_USEC_PER_SEC);
  return rd_store_stmt_done (self->store, stmt, "bind", error);
}

gboolean
rd_bindings_bind (RdBindings *self, const RdBinding *binding, GError **error)
{
  g_autoptr(RdBinding) by_ext = NULL;
  g_autoptr(RdBinding) by_user = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);
  g_return_val_if_fail (binding != NULL, FALSE);

  if (!rd_bindings_extension_is_valid (binding->extension))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "“%s” is not an extension number", binding->extension ? binding->extension : "");
      return FALSE;
    }
  if (binding->user_id <= 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Invalid CRM user id");
      return FALSE;
    }

  by_ext = rd_bindings_get_by_extension (self, binding->extension);
  by_user = rd_bindings_get_by_user (self, binding->user_id);
  if (by_ext != NULL && by_ext->user_id != binding->user_id)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_CONFLICT,
                   "Extension %s is already bound to %s; unbind it first",
                   by_ext->extension, by_ext->user_name ? by_ext->user_name : "another user");
      return FALSE;
    }
  if (by_user != NULL && g_strcmp0 (by_user->extension, binding->extension) != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_CONFLICT,
                   "%s is already bound to extension %s; unbind it first",
                   by_user->user_name ? by_user->user_name : "This user", by_user->extension);
      return FALSE;
    }
  return in_transaction (self, bind_body, binding, error);
}

static gboolean
unbind_body (RdBindings *self, gconstpointer data, GError **error)
{
  const char *extension = data;
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "DELETE FROM hub_binding WHERE extension = ?1", error);

  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, extension);
  if (!rd_store_stmt_done (self->store, stmt, "unbind", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "Extension %s is not bound", extension);
      return FALSE;
    }
  return delete_key_of (self, extension, error);
}

gboolean
rd_bindings_unbind (RdBindings *self, const char *extension, GError **error)
{
  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  if (extension == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Give the extension to unbind");
      return FALSE;
    }
  return in_transaction (self, unbind_body, extension, error);
}

static gboolean
clear_body (RdBindings *self, gconstpointer data, GError **error)
{
  if (sqlite3_exec (self->db, "DELETE FROM hub_agent_key WHERE user_id != 0; DELETE FROM hub_binding",
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      rd_store_set_db_error (self->store, error, "clear bindings");
      return FALSE;
    }
  return TRUE;
}

gboolean
rd_bindings_clear (RdBindings *self, GError **error)
{
  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);
  return in_transaction (self, clear_body, NULL, error);
}

/* ---- agent keys --------------------------------------------------------- */

#define KEY_COLUMNS "id, extension, user_id, created, coalesce (last_used, 0)"

void
rd_agent_key_free (RdAgentKey *key)
{
  if (key == NULL)
    return;
  g_free (key->extension);
  g_free (key);
}

static RdAgentKey *
key_from_row (RdStoreStmt *stmt)
{
  RdAgentKey *key = g_new0 (RdAgentKey, 1);

  key->id = sqlite3_column_int64 (stmt, 0);
  key->extension = rd_store_column_dup (stmt, 1);
  key->user_id = sqlite3_column_int64 (stmt, 2);
  key->created = sqlite3_column_int64 (stmt, 3);
  key->last_used = sqlite3_column_int64 (stmt, 4);
  return key;
}

static char *
key_digest (const char *key)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
}

static char *
new_key_text (GError **error)
{
  guint8 raw[32];
  g_autofree char *b64 = NULL;
  gsize got = 0;

  while (got < sizeof raw)
    {
      ssize_t n = getrandom (raw + got, sizeof raw - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_FAILED, "No random numbers available");
          return NULL;
        }
      got += (gsize) n;
    }
  b64 = g_base64_encode (raw, sizeof raw);
  explicit_bzero (raw, sizeof raw);
  /* base64url without padding. */
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  g_strdelimit (b64, "=", '\0');
  return g_strconcat ("rdk_", b64, NULL);
}

typedef struct {
  const char *extension;
  const char *digest;
  gint64      replaced;
  gint64      id;
} Issue;

static gboolean
issue_body (RdBindings *self, gconstpointer data, GError **error)
{
  Issue *issue = (Issue *) data;
  g_autoptr(RdAgentKey) old = rd_bindings_get_key_of (self, issue->extension);
  g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (self, issue->extension);
  g_autoptr(RdStoreStmt) stmt = NULL;

  if (!delete_key_of (self, issue->extension, error))
    return FALSE;
  stmt = rd_store_stmt (self->store, "INSERT INTO hub_agent_key (extension, user_id, digest, created)"
                                       " VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, issue->extension);
  sqlite3_bind_int64 (stmt, 2, binding != NULL ? binding->user_id : 0);
  rd_store_bind_text (stmt, 3, issue->digest);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
  if (!rd_store_stmt_done (self->store, stmt, "agent key", error))
    return FALSE;
  issue->id = sqlite3_last_insert_rowid (self->db);
  issue->replaced = old != NULL ? old->id : 0;
  return TRUE;
}

char *
rd_bindings_issue_key (RdBindings *self, const char *extension, gint64 *key_id, gint64 *replaced_id,
                       GError **error)
{
  g_autofree char *key = NULL;
  g_autofree char *digest = NULL;
  Issue issue = { extension, NULL, 0, 0 };

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  if (!rd_bindings_extension_is_valid (extension))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” is not an extension number",
                   extension ? extension : "");
      return NULL;
    }
  key = new_key_text (error);
  if (key == NULL)
    return NULL;
  digest = key_digest (key);
  issue.digest = digest;
  if (!in_transaction (self, issue_body, &issue, error))
    {
      explicit_bzero (key, strlen (key));
      return NULL;
    }
  if (key_id != NULL)
    *key_id = issue.id;
  if (replaced_id != NULL)
    *replaced_id = issue.replaced;
  return g_steal_pointer (&key);
}

RdAgentKey *
rd_bindings_check_key (RdBindings *self, const char *extension, const char *key)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autoptr(RdAgentKey) found = NULL;
  g_autoptr(RdBinding) binding = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *stored = NULL;
  guint diff = 0;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  if (extension == NULL || key == NULL || strlen (key) > 256)
    return NULL;
  stmt = rd_store_stmt (self->store, "SELECT " KEY_COLUMNS ", digest FROM hub_agent_key WHERE extension = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, extension);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = key_from_row (stmt);
      stored = rd_store_column_dup (stmt, 5);
    }
  sqlite3_reset (stmt);
  digest = key_digest (key);
  if (stored == NULL || strlen (stored) != strlen (digest))
    return NULL;
  for (gsize i = 0; digest[i] != '\0'; i++)
    diff |= (guint) (digest[i] ^ stored[i]);
  if (diff != 0)
    return NULL;

  /* Issued to another binding than the extension's current one: it ended with that binding. */
  binding = rd_bindings_get_by_extension (self, extension);
  if ((binding != NULL ? binding->user_id : 0) != found->user_id)
    {
      g_autoptr(GError) error = NULL;

      g_message ("Refused the agent key of extension %s: issued to another binding; deleted", extension);
      if (!rd_bindings_revoke_key (self, found->id, &error))
        g_warning ("%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&found);
}

RdAgentKey *
rd_bindings_get_key (RdBindings *self, gint64 id)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  stmt = rd_store_stmt (self->store, "SELECT " KEY_COLUMNS " FROM hub_agent_key WHERE id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  return sqlite3_step (stmt) == SQLITE_ROW ? key_from_row (stmt) : NULL;
}

RdAgentKey *
rd_bindings_get_key_of (RdBindings *self, const char *extension)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  stmt = rd_store_stmt (self->store, "SELECT " KEY_COLUMNS " FROM hub_agent_key WHERE extension = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, extension);
  return sqlite3_step (stmt) == SQLITE_ROW ? key_from_row (stmt) : NULL;
}

GPtrArray *
rd_bindings_list_keys (RdBindings *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_key_free);
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), list);

  stmt = rd_store_stmt (self->store, "SELECT " KEY_COLUMNS " FROM hub_agent_key"
                             " ORDER BY length (extension), extension", NULL);
  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (list, key_from_row (stmt));
  return list;
}

gboolean
rd_bindings_has_key (RdBindings *self, const char *extension)
{
  g_autoptr(RdAgentKey) key = rd_bindings_get_key_of (self, extension);

  return key != NULL;
}

void
rd_bindings_touch_key (RdBindings *self, gint64 id, gint64 now_unix)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_if_fail (RD_IS_BINDINGS (self));

  stmt = rd_store_stmt (self->store, "UPDATE hub_agent_key SET last_used = ?2 WHERE id = ?1", NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, now_unix);
  rd_store_stmt_done (self->store, stmt, "agent key use", NULL);
}

gboolean
rd_bindings_revoke_key (RdBindings *self, gint64 id, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  stmt = rd_store_stmt (self->store, "DELETE FROM hub_agent_key WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!rd_store_stmt_done (self->store, stmt, "revoke key", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "There is no agent key %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}
