/* rd-desk-quota.h — per-identity budgets of costly agent requests (private to the agent server).
 *
 * Each signed-in identity (its extension, shared by all its sessions, so that opening more
 * sessions buys nothing) has a token bucket per kind of costly request: `recent` (a database scan;
 * with a search text it costs double), `lookup` (reveals who owns a number; on a miss it asks the
 * CRM) and `create-record` (writes to the CRM). A request that finds its bucket empty is refused
 * with `limit` and the seconds until it would pass. Times are passed in (monotonic µs) so that the
 * policy is testable without sleeping.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RD_DESK_QUOTA_RECENT,
  RD_DESK_QUOTA_LOOKUP,
  RD_DESK_QUOTA_CREATE,
  RD_DESK_QUOTA_N_KINDS
} RdDeskQuotaKind;

/* Burst and steady rate of each kind. */
#define RD_DESK_QUOTA_RECENT_BURST     10
#define RD_DESK_QUOTA_RECENT_EVERY_MS  500     /* 2 per second */
#define RD_DESK_QUOTA_LOOKUP_BURST     10
#define RD_DESK_QUOTA_LOOKUP_EVERY_MS  6000    /* 10 per minute */
#define RD_DESK_QUOTA_CREATE_BURST     5
#define RD_DESK_QUOTA_CREATE_EVERY_MS  12000   /* 5 per minute */

typedef struct _RdDeskQuota RdDeskQuota;

RdDeskQuota *rd_desk_quota_new   (void);
void          rd_desk_quota_free  (RdDeskQuota *self);
/* Takes @cost tokens of @kind from @identity's bucket. FALSE (and *@retry_after, seconds ≥ 1)
 * when there are not enough; nothing is taken then. */
gboolean      rd_desk_quota_take  (RdDeskQuota *self, const char *identity, RdDeskQuotaKind kind,
                                    guint cost, gint64 now_us, guint *retry_after);
guint         rd_desk_quota_count (RdDeskQuota *self);   /* identities tracked */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDeskQuota, rd_desk_quota_free)

G_END_DECLS
