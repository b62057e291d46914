/* rd-desk-server-private.h — test hooks of the agent server. */
#pragma once

#include "hub/rd-desk-server.h"

G_BEGIN_DECLS

#define RD_DESK_HELLO_TIMEOUT_MS     10000
#define RD_DESK_KEEPALIVE_SECONDS    30
#define RD_DESK_MAX_IN_FLIGHT        32     /* backend requests per session */

/* Time a new connection has to send hello (default 10 s). */
void  rd_desk_server_set_hello_timeout (RdDeskServer *self, guint milliseconds);
/* Closes every connection (1001, "going away") but keeps the session tokens,
 * as a hub restart behind a load balancer or a network blip would. */
void  rd_desk_server_drop_connections  (RdDeskServer *self);
/* Live session tokens (issued, not yet used or expired). */
guint rd_desk_server_count_tokens      (RdDeskServer *self);
/* How far a reader may fall behind before it is closed (default RD_DESK_SEND_BUDGET). */
void  rd_desk_server_set_send_budget   (RdDeskServer *self, gsize bytes);
/* Connections whose socket sends small frames at once (TCP_NODELAY), of @total. */
guint rd_desk_server_count_no_delay    (RdDeskServer *self, guint *total);

G_END_DECLS
