#include "config.h"

#include "hub/rd-desk-quota.h"

#define PRUNE_ABOVE 1024

typedef struct {
  gint64 refilled_us[RD_DESK_QUOTA_N_KINDS];   /* the time at which the bucket was last full */
} Buckets;

struct _RdDeskQuota {
  GHashTable *identities;   /* char* → Buckets* */
};

static const struct {
  guint burst;
  guint every_ms;
} policy[RD_DESK_QUOTA_N_KINDS] = {
  [RD_DESK_QUOTA_RECENT] = { RD_DESK_QUOTA_RECENT_BURST, RD_DESK_QUOTA_RECENT_EVERY_MS },
  [RD_DESK_QUOTA_LOOKUP] = { RD_DESK_QUOTA_LOOKUP_BURST, RD_DESK_QUOTA_LOOKUP_EVERY_MS },
  [RD_DESK_QUOTA_CREATE] = { RD_DESK_QUOTA_CREATE_BURST, RD_DESK_QUOTA_CREATE_EVERY_MS },
};

RdDeskQuota *
rd_desk_quota_new (void)
{
  RdDeskQuota *self = g_new0 (RdDeskQuota, 1);

  self->identities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
rd_desk_quota_free (RdDeskQuota *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->identities);
  g_free (self);
}

/* A bucket is kept as the time it is (or was) full again: each token is one period of refill.
 * Empty of history = full. */
static gboolean
bucket_is_full (const Buckets *buckets, gint64 now_us)
{
  for (guint kind = 0; kind < RD_DESK_QUOTA_N_KINDS; kind++)
    if (buckets->refilled_us[kind] > now_us)
      return FALSE;
  return TRUE;
}

static void
prune (RdDeskQuota *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->identities);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (bucket_is_full (value, now_us))
      g_hash_table_iter_remove (&iter);
}

gboolean
rd_desk_quota_take (RdDeskQuota *self, const char *identity, RdDeskQuotaKind kind, guint cost,
                     gint64 now_us, guint *retry_after)
{
  Buckets *buckets;
  gint64 period_us, full_at, after;

  g_return_val_if_fail (self != NULL && identity != NULL && kind < RD_DESK_QUOTA_N_KINDS, FALSE);

  buckets = g_hash_table_lookup (self->identities, identity);
  if (buckets == NULL)
    {
      if (g_hash_table_size (self->identities) >= PRUNE_ABOVE)
        prune (self, now_us);
      buckets = g_new0 (Buckets, 1);
      g_hash_table_insert (self->identities, g_strdup (identity), buckets);
    }
  period_us = (gint64) policy[kind].every_ms * 1000;
  full_at = MAX (buckets->refilled_us[kind], now_us);
  after = full_at + (gint64) cost * period_us;
  /* The bucket holds at most burst tokens: it may not run more than burst periods ahead. */
  if (after - now_us > (gint64) policy[kind].burst * period_us)
    {
      if (retry_after != NULL)
        *retry_after = (guint) MAX (1, (after - now_us - (gint64) policy[kind].burst * period_us + 999999) / 1000000);
      return FALSE;
    }
  buckets->refilled_us[kind] = after;
  if (retry_after != NULL)
    *retry_after = 0;
  return TRUE;
}

guint
rd_desk_quota_count (RdDeskQuota *self)
{
  return g_hash_table_size (self->identities);
}
