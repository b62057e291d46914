#include "config.h"

#include "hub/rd-desk-tokens.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define PRUNE_EVERY 256   /* issues between two sweeps of expired tokens */

static const char * const migrations[] = {
  "CREATE TABLE agent_session ("
  "  digest    TEXT PRIMARY KEY NOT NULL,"       /* SHA-256 hex of the token */
  "  extension TEXT NOT NULL,"
  "  user_id   INTEGER NOT NULL DEFAULT 0,"
  "  user_name TEXT,"
  "  key_id    INTEGER NOT NULL DEFAULT 0,"      /* the agent key signed in with; 0 = a CRM key */
  "  expires   INTEGER NOT NULL,"
  "  created   INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX agent_session_extension ON agent_session (extension);",
};

struct _RdDeskTokens {
  RdStore *store;
  sqlite3 *db;
  guint    issued;
};

RdDeskTokens *
rd_desk_tokens_new (RdStore *store, GError **error)
{
  g_autoptr(RdStore) own = NULL;
  RdDeskTokens *self;

  if (store == NULL)
    {
      own = rd_store_open (":memory:", error);
      if (own == NULL)
        return NULL;
      store = own;
    }
  if (!rd_store_migrate (store, "agent-sessions", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;
  self = g_new0 (RdDeskTokens, 1);
  self->store = g_object_ref (store);
  self->db = rd_store_get_db (store);
  return self;
}

void
rd_desk_tokens_free (RdDeskTokens *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->store);
  g_free (self);
}

static gboolean
fill_random (guint8 *buffer, gsize length, GError **error)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;

          g_set_error (error, RD_ERROR, RD_ERROR_FAILED,
                       "No random bytes for a session token: %s", g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

static void
prune_expired (RdDeskTokens *self, gint64 now_unix)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "DELETE FROM agent_session WHERE expires <= ?1", NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, now_unix);
  rd_store_stmt_done (self->store, stmt, "prune session tokens", NULL);
}

char *
rd_desk_tokens_issue (RdDeskTokens *self, const RdDeskIdentity *identity,
                       gint64 expires_unix, gint64 now_unix, GError **error)
{
  guint8 bytes[RD_DESK_TOKEN_LENGTH / 2];
  g_autoptr(GString) token = NULL;
  g_autofree char *digest = NULL;
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (self != NULL && identity != NULL && identity->extension != NULL, NULL);

  if (!fill_random (bytes, sizeof bytes, error))
    return NULL;
  token = g_string_sized_new (RD_DESK_TOKEN_LENGTH);
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  explicit_bzero (bytes, sizeof bytes);

  if (++self->issued % PRUNE_EVERY == 0)
    prune_expired (self, now_unix);

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token->str, token->len);
  stmt = rd_store_stmt (self->store,
                             "INSERT OR REPLACE INTO agent_session"
                             " (digest, extension, user_id, user_name, key_id, expires, created)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    {
      explicit_bzero (token->str, token->len);
      return NULL;
    }
  rd_store_bind_text (stmt, 1, digest);
  rd_store_bind_text (stmt, 2, identity->extension);
  sqlite3_bind_int64 (stmt, 3, identity->user_id);
  rd_store_bind_text (stmt, 4, identity->user_name);
  sqlite3_bind_int64 (stmt, 5, identity->key_id);
  sqlite3_bind_int64 (stmt, 6, expires_unix);
  sqlite3_bind_int64 (stmt, 7, now_unix);
  if (!rd_store_stmt_done (self->store, stmt, "session token", error))
    {
      explicit_bzero (token->str, token->len);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&token), FALSE);
}

static gboolean
token_is_well_formed (const char *token)
{
  if (token == NULL || strlen (token) != RD_DESK_TOKEN_LENGTH)
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

RdDeskIdentity *
rd_desk_tokens_take (RdDeskTokens *self, const char *token, gint64 now_unix, gint64 *expires_unix)
{
  g_autofree char *digest = NULL;
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autoptr(RdStoreStmt) drop = NULL;
  g_autoptr(RdDeskIdentity) identity = NULL;
  gint64 expires;

  g_return_val_if_fail (self != NULL, NULL);

  if (!token_is_well_formed (token))
    return NULL;
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  stmt = rd_store_stmt (self->store, "SELECT extension, user_id, user_name, key_id, expires"
                                       " FROM agent_session WHERE digest = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, digest);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  identity = g_new0 (RdDeskIdentity, 1);
  identity->extension = rd_store_column_dup (stmt, 0);
  identity->user_id = sqlite3_column_int64 (stmt, 1);
  identity->user_name = rd_store_column_dup (stmt, 2);
  identity->key_id = sqlite3_column_int64 (stmt, 3);
  expires = sqlite3_column_int64 (stmt, 4);
  sqlite3_reset (stmt);

  /* Single use: the row goes whether or not it is still valid. A token that could not be
   * forgotten is not honoured either. */
  drop = rd_store_stmt (self->store, "DELETE FROM agent_session WHERE digest = ?1", NULL);
  if (drop == NULL)
    return NULL;
  rd_store_bind_text (drop, 1, digest);
  if (!rd_store_stmt_done (self->store, drop, "use a session token", NULL) || sqlite3_changes (self->db) != 1)
    return NULL;
  if (expires <= now_unix || identity->extension == NULL)
    return NULL;
  if (expires_unix != NULL)
    *expires_unix = expires;
  return g_steal_pointer (&identity);
}

guint
rd_desk_tokens_revoke (RdDeskTokens *self, const char *extension, gint64 key_id)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (self != NULL && extension != NULL, 0);

  if (key_id == 0)
    stmt = rd_store_stmt (self->store, "DELETE FROM agent_session WHERE extension = ?1", &error);
  else
    stmt = rd_store_stmt (self->store, "DELETE FROM agent_session WHERE extension = ?1 AND key_id = ?2", &error);
  if (stmt != NULL)
    {
      rd_store_bind_text (stmt, 1, extension);
      if (key_id != 0)
        sqlite3_bind_int64 (stmt, 2, key_id);
    }
  if (stmt == NULL || !rd_store_stmt_done (self->store, stmt, "revoke session tokens", &error))
    {
      /* Revocation must not fail quietly: the sessions are closed anyway, and a token left
       * behind is refused later by the backend's check of the binding. */
      g_warning ("Session tokens of extension %s could not be deleted: %s", extension, error->message);
      return 0;
    }
  return (guint) sqlite3_changes (self->db);
}

guint
rd_desk_tokens_count (RdDeskTokens *self, gint64 now_unix)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, 0);

  stmt = rd_store_stmt (self->store, "SELECT count(*) FROM agent_session WHERE expires > ?1", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, now_unix);
  return sqlite3_step (stmt) == SQLITE_ROW ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
}
