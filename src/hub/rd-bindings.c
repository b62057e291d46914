#include "config.h"

#include "hub/rd-bindings.h"

#include "core/rd-error.h"
#include "hub/rd-hub-sql.h"

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

RdBinding *
rd_binding_copy (const RdBinding *binding)
{
  RdBinding *copy = g_memdup2 (binding, sizeof *binding);

  copy->extension = g_strdup (binding->extension);
  copy->user_name = g_strdup (binding->user_name);
  copy->user_login = g_strdup (binding->user_login);
  copy->user_email = g_strdup (binding->user_email);
  copy->how = g_strdup (binding->how);
  return copy;
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
binding_from_row (RdHubStmt *stmt)
{
  RdBinding *binding = g_new0 (RdBinding, 1);

  binding->extension = rd_hub_sql_column_dup (stmt, 0);
  binding->user_id = sqlite3_column_int64 (stmt, 1);
  binding->user_name = rd_hub_sql_column_dup (stmt, 2);
  binding->user_login = rd_hub_sql_column_dup (stmt, 3);
  binding->user_email = rd_hub_sql_column_dup (stmt, 4);
  binding->how = rd_hub_sql_column_dup (stmt, 5);
  binding->created = sqlite3_column_int64 (stmt, 6);
  return binding;
}

RdBinding *
rd_bindings_get_by_extension (RdBindings *self, const char *extension)
{
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  if (extension == NULL)
    return NULL;
  stmt = rd_hub_sql_prepare (self->db, "SELECT " BINDING_COLUMNS " FROM hub_binding WHERE extension = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  rd_hub_sql_bind_text (stmt, 1, extension);
  return sqlite3_step (stmt) == SQLITE_ROW ? binding_from_row (stmt) : NULL;
}

RdBinding *
rd_bindings_get_by_user (RdBindings *self, gint64 user_id)
{
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  stmt = rd_hub_sql_prepare (self->db, "SELECT " BINDING_COLUMNS " FROM hub_binding WHERE user_id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  return sqlite3_step (stmt) == SQLITE_ROW ? binding_from_row (stmt) : NULL;
}

GPtrArray *
rd_bindings_list (RdBindings *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_binding_free);
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), list);

  stmt = rd_hub_sql_prepare (self->db, "SELECT " BINDING_COLUMNS " FROM hub_binding"
                             " ORDER BY length(extension), extension", NULL);
  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (list, binding_from_row (stmt));
  return list;
}

guint
rd_bindings_count (RdBindings *self)
{
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), 0);

  stmt = rd_hub_sql_prepare (self->db, "SELECT count(*) FROM hub_binding", NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return (guint) sqlite3_column_int64 (stmt, 0);
}

gboolean
rd_bindings_bind (RdBindings *self, const RdBinding *binding, GError **error)
{
  g_autoptr(RdBinding) by_ext = NULL;
  g_autoptr(RdBinding) by_user = NULL;
  g_autoptr(RdHubStmt) stmt = NULL;

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

  stmt = rd_hub_sql_prepare (self->db,
                             "INSERT INTO hub_binding (" BINDING_COLUMNS ")"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (extension) DO UPDATE SET"
                             " user_name = excluded.user_name, user_login = excluded.user_login,"
                             " user_email = excluded.user_email", error);
  if (stmt == NULL)
    return FALSE;
  rd_hub_sql_bind_text (stmt, 1, binding->extension);
  sqlite3_bind_int64 (stmt, 2, binding->user_id);
  rd_hub_sql_bind_text (stmt, 3, binding->user_name);
  rd_hub_sql_bind_text (stmt, 4, binding->user_login);
  rd_hub_sql_bind_text (stmt, 5, binding->user_email);
  rd_hub_sql_bind_text (stmt, 6, binding->how ? binding->how : "manual");
  sqlite3_bind_int64 (stmt, 7, g_get_real_time () / G_USEC_PER_SEC);
  return rd_hub_sql_step_done (self->db, stmt, "bind", error);
}

gboolean
rd_bindings_unbind (RdBindings *self, const char *extension, GError **error)
{
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  stmt = rd_hub_sql_prepare (self->db, "DELETE FROM hub_binding WHERE extension = ?1", error);
  if (stmt == NULL)
    return FALSE;
  rd_hub_sql_bind_text (stmt, 1, extension);
  if (!rd_hub_sql_step_done (self->db, stmt, "unbind", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "Extension %s is not bound",
                   extension ? extension : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
rd_bindings_clear (RdBindings *self, GError **error)
{
  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  if (sqlite3_exec (self->db, "DELETE FROM hub_binding", NULL, NULL, NULL) != SQLITE_OK)
    {
      rd_hub_sql_set_error (self->db, error, "clear bindings");
      return FALSE;
    }
  return TRUE;
}

/* ---- agent keys --------------------------------------------------------- */

static char *
key_digest (const char *key)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
}

char *
rd_bindings_issue_key (RdBindings *self, const char *extension, GError **error)
{
  guint8 raw[32];
  g_autofree char *b64 = NULL;
  g_autofree char *key = NULL;
  g_autofree char *digest = NULL;
  g_autoptr(RdHubStmt) stmt = NULL;
  gsize got = 0;

  g_return_val_if_fail (RD_IS_BINDINGS (self), NULL);

  if (!rd_bindings_extension_is_valid (extension))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” is not an extension number",
                   extension ? extension : "");
      return NULL;
    }

  while (got < sizeof raw)
    {
      ssize_t n = getrandom (raw + got, sizeof raw - got, 0);

      if (n < 0)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_FAILED, "No random numbers available");
          return NULL;
        }
      got += (gsize) n;
    }
  b64 = g_base64_encode (raw, sizeof raw);
  memset (raw, 0, sizeof raw);
  /* base64url without padding. */
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  g_strdelimit (b64, "=", '\0');
  key = g_strconcat ("rdk_", b64, NULL);
  digest = key_digest (key);

  stmt = rd_hub_sql_prepare (self->db,
                             "INSERT INTO hub_agent_key (extension, digest, created) VALUES (?1, ?2, ?3)"
                             " ON CONFLICT (extension) DO UPDATE SET digest = excluded.digest,"
                             " created = excluded.created", error);
  if (stmt == NULL)
    return NULL;
  rd_hub_sql_bind_text (stmt, 1, extension);
  rd_hub_sql_bind_text (stmt, 2, digest);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
  if (!rd_hub_sql_step_done (self->db, stmt, "agent key", error))
    return NULL;
  return g_steal_pointer (&key);
}

gboolean
rd_bindings_check_key (RdBindings *self, const char *extension, const char *key)
{
  g_autoptr(RdHubStmt) stmt = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *stored = NULL;
  guint diff = 0;

  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  if (extension == NULL || key == NULL || strlen (key) > 256)
    return FALSE;
  stmt = rd_hub_sql_prepare (self->db, "SELECT digest FROM hub_agent_key WHERE extension = ?1", NULL);
  if (stmt == NULL)
    return FALSE;
  rd_hub_sql_bind_text (stmt, 1, extension);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    stored = rd_hub_sql_column_dup (stmt, 0);
  digest = key_digest (key);
  if (stored == NULL || strlen (stored) != strlen (digest))
    return FALSE;
  for (gsize i = 0; digest[i] != '\0'; i++)
    diff |= (guint) (digest[i] ^ stored[i]);
  return diff == 0;
}

gboolean
rd_bindings_has_key (RdBindings *self, const char *extension)
{
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  stmt = rd_hub_sql_prepare (self->db, "SELECT 1 FROM hub_agent_key WHERE extension = ?1", NULL);
  if (stmt == NULL)
    return FALSE;
  rd_hub_sql_bind_text (stmt, 1, extension);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
rd_bindings_revoke_key (RdBindings *self, const char *extension, GError **error)
{
  g_autoptr(RdHubStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_BINDINGS (self), FALSE);

  stmt = rd_hub_sql_prepare (self->db, "DELETE FROM hub_agent_key WHERE extension = ?1", error);
  if (stmt == NULL)
    return FALSE;
  rd_hub_sql_bind_text (stmt, 1, extension);
  return rd_hub_sql_step_done (self->db, stmt, "revoke key", error);
}
