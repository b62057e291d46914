/* rd-desk-ratelimit.h — slows down failed agent sign-ins (private to the agent server).
 *
 * Failures are counted per identity tried *at* an address (an agent key's extension, a CRM login;
 * addresses keyed by IPv4 address or IPv6 /64), so one client behind a NAT or proxy cannot lock out
 * another one there: each failure of an identity from an address doubles that pair's wait, 1, 2, 4
 * … 60 s, and a failing pair gets one check at a time. The address as a whole is slowed down only
 * past RD_DESK_RATELIMIT_ADDRESS_FREE failures (of any identities) that have not yet worn off (one
 * wears off per minute), which stops spraying many identities without punishing a busy office.
 * Checks that ask the CRM (a CRM key) also draw on a budget for the whole hub: at most
 * RD_DESK_RATELIMIT_REMOTE_BUDGET failed (or running) ones per minute, below the login cooldown
 * of Odoo, which keys failures by the one address of the hub and would lock out everyone.
 * Times are passed in (monotonic µs) so that the policy is testable without sleeping.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_DESK_RATELIMIT_MAX_DELAY      60    /* seconds */
#define RD_DESK_RATELIMIT_FORGET         (15 * 60)
#define RD_DESK_RATELIMIT_MAX_INFLIGHT   32    /* concurrent checks per address */
#define RD_DESK_RATELIMIT_ADDRESS_FREE   10    /* failures an address may have before it waits */
#define RD_DESK_RATELIMIT_ADDRESS_DECAY  60    /* seconds for one address failure to wear off */
#define RD_DESK_RATELIMIT_REMOTE_BUDGET  5     /* failed CRM checks per window, hub-wide */
#define RD_DESK_RATELIMIT_REMOTE_WINDOW  60    /* seconds */

typedef enum {
  RD_DESK_ATTEMPT_OK,       /* credentials accepted */
  RD_DESK_ATTEMPT_FAILED,   /* credentials refused: counts */
  RD_DESK_ATTEMPT_NEUTRAL,  /* no verdict (backend unavailable, cancelled) */
} RdDeskAttempt;

typedef struct _RdDeskRatelimit RdDeskRatelimit;

RdDeskRatelimit *rd_desk_ratelimit_new      (void);
void              rd_desk_ratelimit_free     (RdDeskRatelimit *self);
/* The key for @address ("127.0.0.1", "2001:db8:1:2::/64"); NULL for non-IP addresses. */
char             *rd_desk_ratelimit_peer_key (GSocketAddress *address);
/* Starts a check of @identity from @peer; @remote: it asks the CRM. FALSE (and *retry_after,
 * seconds ≥ 1) when it must wait; the backend must not be asked then. */
gboolean          rd_desk_ratelimit_begin    (RdDeskRatelimit *self, const char *peer, const char *identity,
                                               gboolean remote, gint64 now_us, guint *retry_after);
/* Ends a check started by a successful begin() (same arguments); returns the seconds @identity
 * must now wait at @peer. */
guint             rd_desk_ratelimit_end      (RdDeskRatelimit *self, const char *peer, const char *identity,
                                               gboolean remote, RdDeskAttempt attempt, gint64 now_us);
/* Delay after @failures consecutive failures: 0, 1, 2, 4 … capped. */
guint             rd_desk_ratelimit_delay    (guint failures);
/* Entries kept (addresses and identity@address pairs). */
guint             rd_desk_ratelimit_count_peers (RdDeskRatelimit *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDeskRatelimit, rd_desk_ratelimit_free)

G_END_DECLS
