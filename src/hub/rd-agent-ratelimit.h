/* rd-agent-ratelimit.h — slows down failed agent sign-ins per peer (private to the agent server).
 *
 * Each failed credential check from a peer doubles its wait: 1, 2, 4 … 60 s. While a
 * peer must wait, or while a failing peer already has a check in flight, new checks
 * are refused without asking the backend. A success clears the peer; failures are
 * forgotten after a quiet period. Peers are keyed by IPv4 address or IPv6 /64 prefix.
 * Times are passed in (monotonic µs) so that the policy is testable without sleeping.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_AGENT_RATELIMIT_MAX_DELAY    60    /* seconds */
#define RD_AGENT_RATELIMIT_FORGET       (15 * 60)
#define RD_AGENT_RATELIMIT_MAX_INFLIGHT 32    /* concurrent checks per peer */

typedef enum {
  RD_AGENT_ATTEMPT_OK,       /* credentials accepted */
  RD_AGENT_ATTEMPT_FAILED,   /* credentials refused: counts */
  RD_AGENT_ATTEMPT_NEUTRAL,  /* no verdict (backend unavailable, cancelled) */
} RdAgentAttempt;

typedef struct _RdAgentRatelimit RdAgentRatelimit;

RdAgentRatelimit *rd_agent_ratelimit_new      (void);
void              rd_agent_ratelimit_free     (RdAgentRatelimit *self);
/* The key for @address ("127.0.0.1", "2001:db8:1:2::/64"); NULL for non-IP addresses. */
char             *rd_agent_ratelimit_peer_key (GSocketAddress *address);
/* Starts a credential check for @peer. FALSE (and *retry_after, seconds ≥ 1) when the
 * peer must wait; the backend must not be asked then. */
gboolean          rd_agent_ratelimit_begin    (RdAgentRatelimit *self, const char *peer,
                                               gint64 now_us, guint *retry_after);
/* Ends a check started by a successful begin(); returns the seconds @peer must now wait. */
guint             rd_agent_ratelimit_end      (RdAgentRatelimit *self, const char *peer,
                                               RdAgentAttempt attempt, gint64 now_us);
/* Delay after @failures consecutive failures: 0, 1, 2, 4 … capped. */
guint             rd_agent_ratelimit_delay    (guint failures);
guint             rd_agent_ratelimit_count_peers (RdAgentRatelimit *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentRatelimit, rd_agent_ratelimit_free)

G_END_DECLS
