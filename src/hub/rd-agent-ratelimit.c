#include "config.h"

#include "hub/rd-agent-ratelimit.h"

#include <string.h>

typedef struct {
  guint  failures;
  guint  inflight;
  gint64 last_failure_us;
  gint64 locked_until_us;
} Peer;

struct _RdAgentRatelimit {
  GHashTable *peers;        /* char* key → Peer* */
  guint       prune_above;  /* prune stale peers when the table grows past this */
};

#define USEC G_USEC_PER_SEC

RdAgentRatelimit *
rd_agent_ratelimit_new (void)
{
  RdAgentRatelimit *self = g_new0 (RdAgentRatelimit, 1);

  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->prune_above = 1024;
  return self;
}

void
rd_agent_ratelimit_free (RdAgentRatelimit *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->peers);
  g_free (self);
}

char *
rd_agent_ratelimit_peer_key (GSocketAddress *address)
{
  GInetAddress *inet;
  const guint8 *bytes;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    return g_inet_address_to_string (inet);

  bytes = g_inet_address_to_bytes (inet);
  /* IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 peer. */
  {
    static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    if (memcmp (bytes, mapped, sizeof mapped) == 0)
      return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
  }
  if (g_inet_address_get_is_loopback (inet))
    return g_strdup ("::1");
  /* One IPv6 subscriber usually owns a whole /64. */
  return g_strdup_printf ("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
                          bytes[0], bytes[1], bytes[2], bytes[3],
                          bytes[4], bytes[5], bytes[6], bytes[7]);
}

guint
rd_agent_ratelimit_delay (guint failures)
{
  if (failures == 0)
    return 0;
  if (failures > 7)
    return RD_AGENT_RATELIMIT_MAX_DELAY;
  return MIN ((guint) RD_AGENT_RATELIMIT_MAX_DELAY, 1u << (failures - 1));
}

static guint
seconds_left (const Peer *peer, gint64 now_us)
{
  if (peer->locked_until_us <= now_us)
    return 0;
  return (guint) ((peer->locked_until_us - now_us + USEC - 1) / USEC);
}

static gboolean
peer_is_stale (const Peer *peer, gint64 now_us)
{
  return peer->inflight == 0 &&
         (peer->failures == 0 || now_us - peer->last_failure_us > (gint64) RD_AGENT_RATELIMIT_FORGET * USEC) &&
         peer->locked_until_us <= now_us;
}

static void
prune (RdAgentRatelimit *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (peer_is_stale (value, now_us))
      g_hash_table_iter_remove (&iter);
  self->prune_above = MAX (1024, 2 * g_hash_table_size (self->peers));
}

gboolean
rd_agent_ratelimit_begin (RdAgentRatelimit *self, const char *peer_key,
                          gint64 now_us, guint *retry_after)
{
  Peer *peer;
  guint wait;

  g_return_val_if_fail (self != NULL && peer_key != NULL, FALSE);

  peer = g_hash_table_lookup (self->peers, peer_key);
  if (peer == NULL)
    {
      if (g_hash_table_size (self->peers) >= self->prune_above)
        prune (self, now_us);
      peer = g_new0 (Peer, 1);
      g_hash_table_insert (self->peers, g_strdup (peer_key), peer);
    }
  else if (peer->failures > 0 &&
           now_us - peer->last_failure_us > (gint64) RD_AGENT_RATELIMIT_FORGET * USEC)
    {
      peer->failures = 0;
      peer->locked_until_us = 0;
    }

  wait = seconds_left (peer, now_us);
  /* A failing peer gets one check at a time; anyone gets a bounded number. */
  if (wait == 0 && ((peer->failures > 0 && peer->inflight > 0) ||
                    peer->inflight >= RD_AGENT_RATELIMIT_MAX_INFLIGHT))
    wait = MAX (1u, rd_agent_ratelimit_delay (peer->failures));
  if (wait > 0)
    {
      if (retry_after != NULL)
        *retry_after = wait;
      return FALSE;
    }

  peer->inflight++;
  if (retry_after != NULL)
    *retry_after = 0;
  return TRUE;
}

guint
rd_agent_ratelimit_end (RdAgentRatelimit *self, const char *peer_key,
                        RdAgentAttempt attempt, gint64 now_us)
{
  Peer *peer;
  guint wait;

  g_return_val_if_fail (self != NULL && peer_key != NULL, 0);

  peer = g_hash_table_lookup (self->peers, peer_key);
  g_return_val_if_fail (peer != NULL && peer->inflight > 0, 0);

  peer->inflight--;
  switch (attempt)
    {
    case RD_AGENT_ATTEMPT_OK:
      peer->failures = 0;
      peer->locked_until_us = 0;
      break;
    case RD_AGENT_ATTEMPT_FAILED:
      if (peer->failures < G_MAXUINT)
        peer->failures++;
      peer->last_failure_us = now_us;
      peer->locked_until_us = now_us + (gint64) rd_agent_ratelimit_delay (peer->failures) * USEC;
      break;
    case RD_AGENT_ATTEMPT_NEUTRAL:
    default:
      break;
    }

  wait = seconds_left (peer, now_us);
  if (peer->failures == 0 && peer->inflight == 0)
    g_hash_table_remove (self->peers, peer_key);
  return wait;
}

guint
rd_agent_ratelimit_count_peers (RdAgentRatelimit *self)
{
  return g_hash_table_size (self->peers);
}
