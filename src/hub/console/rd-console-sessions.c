#include "config.h"

#include "hub/console/rd-console-sessions.h"

#include <string.h>
#include <errno.h>
#include <sys/random.h>

#define MAX_SESSIONS 2000
#define MAX_LINKS 20

struct _RdConsoleSessions
{
  GObject     parent_instance;

  GHashTable *sessions;   /* sha256 (token) → RdConsoleSession */
  GHashTable *links;      /* sha256 (token) → expiry (gint64 *, monotonic seconds) */
  gint64      clock_offset;
};

G_DEFINE_FINAL_TYPE (RdConsoleSessions, rd_console_sessions, G_TYPE_OBJECT)

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static void
session_free (RdConsoleSession *session)
{
  wipe_free (session->csrf);
  g_free (session->actor);
  g_free (session->display_name);
  wipe_free (session->link);
  g_free (session->flash);
  wipe_free (session->tested_crm_key);
  g_free (session->tested_crm);
  g_free (session);
}

static void
rd_console_sessions_finalize (GObject *object)
{
  RdConsoleSessions *self = RD_CONSOLE_SESSIONS (object);

  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->links);
  G_OBJECT_CLASS (rd_console_sessions_parent_class)->finalize (object);
}

static void
rd_console_sessions_class_init (RdConsoleSessionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_console_sessions_finalize;
}

static void
rd_console_sessions_init (RdConsoleSessions *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) session_free);
  self->links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

RdConsoleSessions *
rd_console_sessions_new (void)
{
  return g_object_new (RD_TYPE_CONSOLE_SESSIONS, NULL);
}

void
rd_console_sessions_set_clock_offset (RdConsoleSessions *self, gint64 seconds)
{
  self->clock_offset = seconds;
}

static gint64
now (RdConsoleSessions *self)
{
  return g_get_monotonic_time () / G_USEC_PER_SEC + self->clock_offset;
}

char *
rd_console_random_token (void)
{
  guint8 bytes[32];
  gsize got = 0;
  char *text;

  while (got < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);

      if (n > 0)
        got += (gsize) n;
      else
        g_assert (errno == EINTR);
    }
  text = g_base64_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  g_strdelimit (text, "=", '\0');
  return text;
}

gboolean
rd_console_equal_secret (const char *a, const char *b)
{
  gsize la, lb;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;
  la = strlen (a);
  lb = strlen (b);
  for (gsize i = 0; i < la; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i % MAX (lb, 1)];
  return diff == 0 && la == lb;
}

static char *
digest (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

static gboolean
expired (RdConsoleSessions *self, RdConsoleSession *session)
{
  gint64 t = now (self);

  return t - session->last_seen > RD_CONSOLE_SESSION_IDLE_S || t - session->created > RD_CONSOLE_SESSION_MAX_S;
}

static void
prune (RdConsoleSessions *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 t = now (self);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (expired (self, value))
      g_hash_table_iter_remove (&iter);
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (*(gint64 *) value < t)
      g_hash_table_iter_remove (&iter);
}

RdConsoleSession *
rd_console_sessions_lookup (RdConsoleSessions *self, const char *token)
{
  g_autofree char *key = NULL;
  RdConsoleSession *session;

  g_return_val_if_fail (RD_IS_CONSOLE_SESSIONS (self), NULL);

  if (token == NULL || strlen (token) != 43)
    return NULL;
  key = digest (token);
  session = g_hash_table_lookup (self->sessions, key);
  if (session == NULL)
    return NULL;
  if (expired (self, session))
    {
      g_hash_table_remove (self->sessions, key);
      return NULL;
    }
  session->last_seen = now (self);
  return session;
}

/* Drops the oldest anonymous session (or the oldest of all) when the table is full. */
static void
make_room (RdConsoleSessions *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gpointer oldest_key = NULL;
  gint64 oldest = G_MAXINT64;

  prune (self);
  if (g_hash_table_size (self->sessions) < MAX_SESSIONS)
    return;
  for (int pass = 0; pass < 2 && oldest_key == NULL; pass++)
    {
      g_hash_table_iter_init (&iter, self->sessions);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          RdConsoleSession *session = value;

          if ((pass == 1 || session->actor == NULL) && session->last_seen < oldest)
            {
              oldest = session->last_seen;
              oldest_key = key;
            }
        }
    }
  if (oldest_key != NULL)
    g_hash_table_remove (self->sessions, oldest_key);
}

RdConsoleSession *
rd_console_sessions_create (RdConsoleSessions *self, char **out_token)
{
  RdConsoleSession *session = g_new0 (RdConsoleSession, 1);
  char *token = rd_console_random_token ();

  g_return_val_if_fail (RD_IS_CONSOLE_SESSIONS (self), NULL);

  make_room (self);
  session->csrf = rd_console_random_token ();
  session->created = session->last_seen = now (self);
  g_hash_table_insert (self->sessions, digest (token), session);
  *out_token = token;
  return session;
}

RdConsoleSession *
rd_console_sessions_sign_in (RdConsoleSessions *self, char **token, const char *actor, const char *display_name)
{
  g_autofree char *old_key = digest (*token);
  RdConsoleSession *session;
  gpointer stolen_key = NULL;
  char *new_token;

  g_return_val_if_fail (RD_IS_CONSOLE_SESSIONS (self), NULL);

  if (!g_hash_table_steal_extended (self->sessions, old_key, &stolen_key, (gpointer *) &session))
    return NULL;
  g_free (stolen_key);
  new_token = rd_console_random_token ();
  g_free (session->actor);
  session->actor = g_strdup (actor);
  g_free (session->display_name);
  session->display_name = g_strdup (display_name);
  wipe_free (session->csrf);
  session->csrf = rd_console_random_token ();
  session->created = session->last_seen = now (self);
  g_hash_table_insert (self->sessions, digest (new_token), session);
  wipe_free (*token);
  *token = new_token;
  return session;
}

void
rd_console_sessions_end (RdConsoleSessions *self, const char *token)
{
  g_autofree char *key = NULL;

  g_return_if_fail (RD_IS_CONSOLE_SESSIONS (self));
  if (token == NULL)
    return;
  key = digest (token);
  g_hash_table_remove (self->sessions, key);
}

void
rd_console_sessions_end_actor (RdConsoleSessions *self, const char *actor)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((RdConsoleSession *) value)->actor, actor) == 0)
      g_hash_table_iter_remove (&iter);
}

gboolean
rd_console_session_check_csrf (RdConsoleSession *session, const char *candidate)
{
  return session != NULL && rd_console_equal_secret (session->csrf, candidate);
}

void
rd_console_session_set_flash (RdConsoleSession *session, const char *text, gboolean error)
{
  g_free (session->flash);
  session->flash = g_strdup (text);
  session->flash_is_error = error;
}

void
rd_console_session_forget_tested_crm (RdConsoleSession *session)
{
  g_clear_pointer (&session->tested_crm_key, wipe_free);
  g_clear_pointer (&session->tested_crm, g_free);
}

guint
rd_console_sessions_count (RdConsoleSessions *self)
{
  prune (self);
  return g_hash_table_size (self->sessions);
}

char *
rd_console_sessions_issue_link (RdConsoleSessions *self)
{
  char *token = rd_console_random_token ();
  gint64 *expiry = g_new (gint64, 1);

  prune (self);
  if (g_hash_table_size (self->links) >= MAX_LINKS)
    g_hash_table_remove_all (self->links);   /* someone is issuing in a loop: only the newest counts */
  *expiry = now (self) + RD_CONSOLE_LINK_LIFETIME_S;
  g_hash_table_insert (self->links, digest (token), expiry);
  return token;
}

gboolean
rd_console_sessions_link_valid (RdConsoleSessions *self, const char *token)
{
  g_autofree char *key = NULL;
  gint64 *expiry;

  if (token == NULL || strlen (token) != 43)
    return FALSE;
  key = digest (token);
  expiry = g_hash_table_lookup (self->links, key);
  return expiry != NULL && *expiry >= now (self);
}

gboolean
rd_console_sessions_consume_link (RdConsoleSessions *self, const char *token)
{
  g_autofree char *key = NULL;

  if (!rd_console_sessions_link_valid (self, token))
    return FALSE;
  key = digest (token);
  return g_hash_table_remove (self->links, key);
}
