#include "config.h"

#include "hub/rd-desk-ratelimit.h"

#include <string.h>

#define USEC G_USEC_PER_SEC

/* An identity tried at an address. */
typedef struct {
  guint  failures;
  guint  inflight;
  gint64 last_failure_us;
  gint64 locked_until_us;
} Pair;

/* An address. */
typedef struct {
  guint   inflight;
  gdouble score;        /* failures not yet worn off, as of updated_us */
  gint64  updated_us;
} Address;

struct _RdDeskRatelimit {
  GHashTable *pairs;          /* "identity\x1fpeer" → Pair* */
  GHashTable *addresses;      /* peer → Address* */
  GQueue      remote_failures; /* gint64* monotonic µs of the failed remote checks in the window */
  guint       remote_inflight;
  guint       prune_above;
};

RdDeskRatelimit *
rd_desk_ratelimit_new (void)
{
  RdDeskRatelimit *self = g_new0 (RdDeskRatelimit, 1);

  self->pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&self->remote_failures);
  self->prune_above = 1024;
  return self;
}

void
rd_desk_ratelimit_free (RdDeskRatelimit *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->pairs);
  g_hash_table_unref (self->addresses);
  g_queue_clear_full (&self->remote_failures, g_free);
  g_free (self);
}

char *
rd_desk_ratelimit_peer_key (GSocketAddress *address)
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
rd_desk_ratelimit_delay (guint failures)
{
  if (failures == 0)
    return 0;
  if (failures > 7)
    return RD_DESK_RATELIMIT_MAX_DELAY;
  return MIN ((guint) RD_DESK_RATELIMIT_MAX_DELAY, 1u << (failures - 1));
}

static guint
seconds_until (gint64 until_us, gint64 now_us)
{
  if (until_us <= now_us)
    return 0;
  return (guint) ((until_us - now_us + USEC - 1) / USEC);
}

/* ---- addresses: failures wear off one per RD_DESK_RATELIMIT_ADDRESS_DECAY ---------------- */

static gdouble
address_score (Address *address, gint64 now_us)
{
  gdouble worn = (gdouble) (now_us - address->updated_us) / ((gdouble) RD_DESK_RATELIMIT_ADDRESS_DECAY * USEC);

  address->score = MAX (0.0, address->score - MAX (0.0, worn));
  address->updated_us = now_us;
  return address->score;
}

/* Seconds the address must wait: once past the free failures, doubling with each one more. */
static guint
address_wait (Address *address, gint64 now_us)
{
  gdouble score = address_score (address, now_us);
  gdouble over = score - RD_DESK_RATELIMIT_ADDRESS_FREE;

  if (over <= 0.0)
    return 0;
  /* Until enough wears off to be back at the free count, at most the maximum delay. */
  return (guint) MIN ((gdouble) rd_desk_ratelimit_delay ((guint) over + 1),
                      MAX (1.0, over * RD_DESK_RATELIMIT_ADDRESS_DECAY));
}

/* ---- the hub-wide budget of remote checks ----------------------------------------------- */

static guint
remote_wait (RdDeskRatelimit *self, gint64 now_us)
{
  gint64 *oldest;

  while ((oldest = g_queue_peek_head (&self->remote_failures)) != NULL &&
         *oldest + (gint64) RD_DESK_RATELIMIT_REMOTE_WINDOW * USEC <= now_us)
    g_free (g_queue_pop_head (&self->remote_failures));
  if (self->remote_failures.length + self->remote_inflight < RD_DESK_RATELIMIT_REMOTE_BUDGET)
    return 0;
  if (oldest == NULL)
    return 1;   /* all of it in checks still running */
  return MAX (1u, seconds_until (*oldest + (gint64) RD_DESK_RATELIMIT_REMOTE_WINDOW * USEC, now_us));
}

/* ---- pairs ------------------------------------------------------------------------------ */

static char *
pair_key (const char *identity, const char *peer)
{
  return g_strconcat (identity, "\x1f", peer, NULL);
}

static gboolean
pair_is_stale (const Pair *pair, gint64 now_us)
{
  return pair->inflight == 0 &&
         (pair->failures == 0 || now_us - pair->last_failure_us > (gint64) RD_DESK_RATELIMIT_FORGET * USEC) &&
         pair->locked_until_us <= now_us;
}

static void
prune (RdDeskRatelimit *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pairs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (pair_is_stale (value, now_us))
      g_hash_table_iter_remove (&iter);
  g_hash_table_iter_init (&iter, self->addresses);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Address *) value)->inflight == 0 && address_score (value, now_us) <= 0.0)
      g_hash_table_iter_remove (&iter);
  self->prune_above = MAX (1024, 2 * (g_hash_table_size (self->pairs) + g_hash_table_size (self->addresses)));
}

static Pair *
get_pair (RdDeskRatelimit *self, const char *key, gint64 now_us)
{
  Pair *pair = g_hash_table_lookup (self->pairs, key);

  if (pair == NULL)
    {
      pair = g_new0 (Pair, 1);
      g_hash_table_insert (self->pairs, g_strdup (key), pair);
    }
  else if (pair->failures > 0 && now_us - pair->last_failure_us > (gint64) RD_DESK_RATELIMIT_FORGET * USEC)
    {
      pair->failures = 0;
      pair->locked_until_us = 0;
    }
  return pair;
}

static Address *
get_address (RdDeskRatelimit *self, const char *peer, gint64 now_us)
{
  Address *address = g_hash_table_lookup (self->addresses, peer);

  if (address == NULL)
    {
      address = g_new0 (Address, 1);
      address->updated_us = now_us;
      g_hash_table_insert (self->addresses, g_strdup (peer), address);
    }
  return address;
}

gboolean
rd_desk_ratelimit_begin (RdDeskRatelimit *self, const char *peer, const char *identity, gboolean remote,
                          gint64 now_us, guint *retry_after)
{
  g_autofree char *key = NULL;
  Pair *pair;
  Address *address;
  guint wait;

  g_return_val_if_fail (self != NULL && peer != NULL && identity != NULL, FALSE);

  if (g_hash_table_size (self->pairs) + g_hash_table_size (self->addresses) >= self->prune_above)
    prune (self, now_us);
  key = pair_key (identity, peer);
  pair = get_pair (self, key, now_us);
  address = get_address (self, peer, now_us);

  wait = MAX (seconds_until (pair->locked_until_us, now_us), address_wait (address, now_us));
  /* A failing identity gets one check at a time; an address a bounded number. */
  if (wait == 0 && ((pair->failures > 0 && pair->inflight > 0) ||
                    address->inflight >= RD_DESK_RATELIMIT_MAX_INFLIGHT))
    wait = MAX (1u, rd_desk_ratelimit_delay (pair->failures));
  if (wait == 0 && remote)
    wait = remote_wait (self, now_us);
  if (wait > 0)
    {
      if (retry_after != NULL)
        *retry_after = wait;
      return FALSE;
    }

  pair->inflight++;
  address->inflight++;
  if (remote)
    self->remote_inflight++;
  if (retry_after != NULL)
    *retry_after = 0;
  return TRUE;
}

guint
rd_desk_ratelimit_end (RdDeskRatelimit *self, const char *peer, const char *identity, gboolean remote,
                        RdDeskAttempt attempt, gint64 now_us)
{
  g_autofree char *key = NULL;
  Pair *pair;
  Address *address;
  guint wait;

  g_return_val_if_fail (self != NULL && peer != NULL && identity != NULL, 0);

  key = pair_key (identity, peer);
  pair = g_hash_table_lookup (self->pairs, key);
  address = g_hash_table_lookup (self->addresses, peer);
  g_return_val_if_fail (pair != NULL && pair->inflight > 0 && address != NULL && address->inflight > 0, 0);

  pair->inflight--;
  address->inflight--;
  if (remote && self->remote_inflight > 0)
    self->remote_inflight--;
  switch (attempt)
    {
    case RD_DESK_ATTEMPT_OK:
      pair->failures = 0;
      pair->locked_until_us = 0;
      break;
    case RD_DESK_ATTEMPT_FAILED:
      if (pair->failures < G_MAXUINT)
        pair->failures++;
      pair->last_failure_us = now_us;
      pair->locked_until_us = now_us + (gint64) rd_desk_ratelimit_delay (pair->failures) * USEC;
      address->score = address_score (address, now_us) + 1.0;
      if (remote)
        g_queue_push_tail (&self->remote_failures, g_memdup2 (&now_us, sizeof now_us));
      break;
    case RD_DESK_ATTEMPT_NEUTRAL:
    default:
      break;
    }

  wait = MAX (seconds_until (pair->locked_until_us, now_us), address_wait (address, now_us));
  if (pair->failures == 0 && pair->inflight == 0)
    g_hash_table_remove (self->pairs, key);
  if (address->inflight == 0 && address->score <= 0.0)
    g_hash_table_remove (self->addresses, peer);
  return wait;
}

guint
rd_desk_ratelimit_count_peers (RdDeskRatelimit *self)
{
  return g_hash_table_size (self->pairs) + g_hash_table_size (self->addresses);
}
