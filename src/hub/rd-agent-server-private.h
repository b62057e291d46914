/* rd-agent-server-private.h — test hooks of the agent server. */
#pragma once

#include "hub/rd-agent-server.h"

G_BEGIN_DECLS

#define RD_AGENT_HELLO_TIMEOUT_MS     10000
#define RD_AGENT_KEEPALIVE_SECONDS    30
#define RD_AGENT_MAX_IN_FLIGHT        32     /* backend requests per session */

/* Time a new connection has to send hello (default 10 s). */
void  rd_agent_server_set_hello_timeout (RdAgentServer *self, guint milliseconds);
/* Closes every connection (1001, "going away") but keeps the session tokens,
 * as a hub restart behind a load balancer or a network blip would. */
void  rd_agent_server_drop_connections  (RdAgentServer *self);
/* Live session tokens (issued, not yet used or expired). */
guint rd_agent_server_count_tokens      (RdAgentServer *self);
/* How far a reader may fall behind before it is closed (default RD_AGENT_SEND_BUDGET). */
void  rd_agent_server_set_send_budget   (RdAgentServer *self, gsize bytes);

G_END_DECLS
