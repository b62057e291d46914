#include "config.h"

#include "hub/console/rd-console-accounts.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#include <argon2.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define ARGON2_T_COST 3
#define ARGON2_M_COST_KIB (64 * 1024)
#define ARGON2_LANES 1
#define ARGON2_SALT_LEN 16
#define ARGON2_HASH_LEN 32

struct _RdConsoleAccounts
{
  GObject  parent_instance;

  RdStore *store;
  sqlite3 *db;
  char    *dummy_hash;   /* checked against for unknown names */
};

G_DEFINE_FINAL_TYPE (RdConsoleAccounts, rd_console_accounts, G_TYPE_OBJECT)

static const char * const migrations[] = {
  "CREATE TABLE console_admin ("
  "  name TEXT PRIMARY KEY, hash TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL);",
};

static void
rd_console_accounts_finalize (GObject *object)
{
  RdConsoleAccounts *self = RD_CONSOLE_ACCOUNTS (object);

  g_clear_object (&self->store);
  g_free (self->dummy_hash);
  G_OBJECT_CLASS (rd_console_accounts_parent_class)->finalize (object);
}

static void
rd_console_accounts_class_init (RdConsoleAccountsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_console_accounts_finalize;
}

static void
rd_console_accounts_init (RdConsoleAccounts *self)
{
}

RdConsoleAccounts *
rd_console_accounts_new (RdStore *store, GError **error)
{
  RdConsoleAccounts *self;

  g_return_val_if_fail (RD_IS_STORE (store), NULL);

  if (!rd_store_migrate (store, "console-accounts", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;
  self = g_object_new (RD_TYPE_CONSOLE_ACCOUNTS, NULL);
  self->store = g_object_ref (store);
  self->db = rd_store_get_db (store);
  return self;
}

/* ---- hashing ---------------------------------------------------------------------- */

char *
rd_console_password_hash (const char *password, GError **error)
{
  guint8 salt[ARGON2_SALT_LEN];
  gsize got = 0;
  gsize length = argon2_encodedlen (ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_LANES, ARGON2_SALT_LEN,
                                    ARGON2_HASH_LEN, Argon2_id);
  g_autofree char *encoded = g_malloc0 (length);
  int rc;

  while (got < sizeof salt)
    {
      ssize_t n = getrandom (salt + got, sizeof salt - got, 0);

      if (n > 0)
        got += (gsize) n;
      else if (errno != EINTR)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "No random numbers: %s", g_strerror (errno));
          return NULL;
        }
    }
  rc = argon2id_hash_encoded (ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_LANES, password, strlen (password),
                              salt, sizeof salt, ARGON2_HASH_LEN, encoded, length);
  if (rc != ARGON2_OK)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot hash the password: %s", argon2_error_message (rc));
      return NULL;
    }
  return g_steal_pointer (&encoded);
}

gboolean
rd_console_password_verify (const char *encoded, const char *password)
{
  if (encoded == NULL || password == NULL || !g_str_has_prefix (encoded, "$argon2id$"))
    return FALSE;
  return argon2id_verify (encoded, password, strlen (password)) == ARGON2_OK;
}

/* ---- checks ------------------------------------------------------------------------- */

gboolean
rd_console_accounts_check_name (const char *name, GError **error)
{
  glong length;

  if (name == NULL || !g_utf8_validate (name, -1, NULL) || (length = g_utf8_strlen (name, -1)) == 0 ||
      length > RD_CONSOLE_NAME_MAX || g_unichar_isspace (g_utf8_get_char (name)) ||
      g_unichar_isspace (g_utf8_get_char (g_utf8_find_prev_char (name, name + strlen (name)))))
    goto bad;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      goto bad;
  return TRUE;

bad:
  g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
               "A name is 1 to %d characters, without control characters or spaces around it",
               RD_CONSOLE_NAME_MAX);
  return FALSE;
}

gboolean
rd_console_accounts_check_password (const char *password, GError **error)
{
  glong length = password != NULL && g_utf8_validate (password, -1, NULL) ? g_utf8_strlen (password, -1) : 0;

  if (length < RD_CONSOLE_PASSWORD_MIN || strlen (password) > RD_CONSOLE_PASSWORD_MAX)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "A password is %d to %d characters long",
                   RD_CONSOLE_PASSWORD_MIN, RD_CONSOLE_PASSWORD_MAX);
      return FALSE;
    }
  return TRUE;
}

/* ---- the table ---------------------------------------------------------------------- */

static char *
get_hash (RdConsoleAccounts *self, const char *name)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "SELECT hash FROM console_admin WHERE name = ?1", NULL);

  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, name);
  return sqlite3_step (stmt) == SQLITE_ROW ? rd_store_column_dup (stmt, 0) : NULL;
}

guint
rd_console_accounts_count (RdConsoleAccounts *self)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "SELECT count(*) FROM console_admin", NULL);

  return stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
}

GStrv
rd_console_accounts_list (RdConsoleAccounts *self)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "SELECT name FROM console_admin ORDER BY name", NULL);

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (names, (const char *) sqlite3_column_text (stmt, 0));
  return g_strv_builder_end (names);
}

gboolean
rd_console_accounts_exists (RdConsoleAccounts *self, const char *name)
{
  g_autofree char *hash = get_hash (self, name);

  return hash != NULL;
}

gboolean
rd_console_accounts_remove (RdConsoleAccounts *self, const char *name, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  if (!rd_console_accounts_exists (self, name))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "There is no administrator “%s”", name);
      return FALSE;
    }
  if (rd_console_accounts_count (self) <= 1)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_CONFLICT, "The last administrator cannot be removed");
      return FALSE;
    }
  stmt = rd_store_stmt (self->store, "DELETE FROM console_admin WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, name);
  return rd_store_stmt_done (self->store, stmt, "removing an administrator", error);
}

/* ---- worker-thread jobs ---------------------------------------------------------------- */

typedef struct {
  char *name;
  char *password;
  char *stored;     /* verify: the stored hash (or a dummy) */
  gboolean known;
} Job;

static void
job_free (Job *job)
{
  g_free (job->name);
  if (job->password != NULL)
    explicit_bzero (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job->stored);
  g_free (job);
}

static Job *
job_new (const char *name, const char *password)
{
  Job *job = g_new0 (Job, 1);

  job->name = g_strdup (name);
  job->password = g_strdup (password);
  return job;
}

static void
hash_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  GError *error = NULL;
  char *encoded = rd_console_password_hash (job->password, &error);

  if (encoded == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, encoded, g_free);
}

static void
hashed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdConsoleAccounts *self = RD_CONSOLE_ACCOUNTS (source);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(RdStoreStmt) stmt = NULL;
  gint64 t = g_get_real_time () / G_USEC_PER_SEC;

  if (encoded == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  stmt = rd_store_stmt (self->store, "INSERT INTO console_admin (name, hash, created, updated)"
                             " VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO UPDATE SET hash = ?2, updated = ?3",
                             &error);
  if (stmt != NULL)
    {
      rd_store_bind_text (stmt, 1, job->name);
      rd_store_bind_text (stmt, 2, encoded);
      sqlite3_bind_int64 (stmt, 3, t);
    }
  if (stmt == NULL || !rd_store_stmt_done (self->store, stmt, "saving an administrator", &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
rd_console_accounts_set_password_async (RdConsoleAccounts *self, const char *name, const char *password,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) worker = NULL;
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, rd_console_accounts_set_password_async);
  if (!rd_console_accounts_check_name (name, &error) || !rd_console_accounts_check_password (password, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, job_new (name, password), (GDestroyNotify) job_free);
  worker = g_task_new (self, cancellable, hashed_cb, g_steal_pointer (&task));
  g_task_set_task_data (worker, job_new (name, password), (GDestroyNotify) job_free);
  g_task_run_in_thread (worker, hash_thread);
}

gboolean
rd_console_accounts_set_password_finish (RdConsoleAccounts *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  gboolean ok = rd_console_password_verify (job->stored, job->password);

  g_task_return_boolean (task, ok && job->known);
}

void
rd_console_accounts_verify_async (RdConsoleAccounts *self, const char *name, const char *password,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Job *job = job_new (name, password != NULL ? password : "");

  g_task_set_source_tag (task, rd_console_accounts_verify_async);
  job->stored = name != NULL ? get_hash (self, name) : NULL;
  job->known = job->stored != NULL;
  if (!job->known)
    {
      /* Same work for an unknown name, so timing tells nothing. */
      if (self->dummy_hash == NULL)
        self->dummy_hash = rd_console_password_hash ("not a password of anyone", NULL);
      job->stored = g_strdup (self->dummy_hash);
    }
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, verify_thread);
}

gboolean
rd_console_accounts_verify_finish (RdConsoleAccounts *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
