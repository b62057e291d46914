#include "config.h"

#include "hub/rd-agent-tokens.h"

#include "core/rd-error.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

typedef struct {
  RdAgentIdentity *identity;
  gint64           expires_unix;
} Entry;

struct _RdAgentTokens {
  GHashTable *entries;     /* SHA-256 hex of the token → Entry* */
  guint       prune_above;
};

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  rd_agent_identity_free (entry->identity);
  g_free (entry);
}

RdAgentTokens *
rd_agent_tokens_new (void)
{
  RdAgentTokens *self = g_new0 (RdAgentTokens, 1);

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  self->prune_above = 256;
  return self;
}

void
rd_agent_tokens_free (RdAgentTokens *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
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
prune_expired (RdAgentTokens *self, gint64 now_unix)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Entry *) value)->expires_unix <= now_unix)
      g_hash_table_iter_remove (&iter);
  self->prune_above = MAX (256, 2 * g_hash_table_size (self->entries));
}

char *
rd_agent_tokens_issue (RdAgentTokens *self, const RdAgentIdentity *identity,
                       gint64 expires_unix, gint64 now_unix, GError **error)
{
  guint8 bytes[RD_AGENT_TOKEN_LENGTH / 2];
  GString *token;
  Entry *entry;

  g_return_val_if_fail (self != NULL && identity != NULL, NULL);

  if (!fill_random (bytes, sizeof bytes, error))
    return NULL;
  token = g_string_sized_new (RD_AGENT_TOKEN_LENGTH);
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  memset (bytes, 0, sizeof bytes);

  if (g_hash_table_size (self->entries) >= self->prune_above)
    prune_expired (self, now_unix);

  entry = g_new0 (Entry, 1);
  entry->identity = rd_agent_identity_copy (identity);
  entry->expires_unix = expires_unix;
  g_hash_table_replace (self->entries,
                        g_compute_checksum_for_string (G_CHECKSUM_SHA256, token->str, token->len),
                        entry);
  return g_string_free (token, FALSE);
}

static gboolean
token_is_well_formed (const char *token)
{
  if (token == NULL || strlen (token) != RD_AGENT_TOKEN_LENGTH)
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

RdAgentIdentity *
rd_agent_tokens_take (RdAgentTokens *self, const char *token, gint64 now_unix, gint64 *expires_unix)
{
  g_autofree char *hash = NULL;
  gpointer key, value;
  RdAgentIdentity *identity;
  Entry *entry;

  g_return_val_if_fail (self != NULL, NULL);

  if (!token_is_well_formed (token))
    return NULL;
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  if (!g_hash_table_steal_extended (self->entries, hash, &key, &value))
    return NULL;
  g_free (key);
  entry = value;
  if (entry->expires_unix <= now_unix)
    {
      entry_free (entry);
      return NULL;
    }
  identity = g_steal_pointer (&entry->identity);
  if (expires_unix != NULL)
    *expires_unix = entry->expires_unix;
  entry_free (entry);
  return identity;
}

guint
rd_agent_tokens_revoke_extension (RdAgentTokens *self, const char *extension)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (self != NULL && extension != NULL, 0);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((Entry *) value)->identity->extension, extension) == 0)
      {
        g_hash_table_iter_remove (&iter);
        n++;
      }
  return n;
}

guint
rd_agent_tokens_count (RdAgentTokens *self)
{
  return g_hash_table_size (self->entries);
}
