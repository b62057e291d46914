/* rd-yeastar-events.h — the OpenAPI event WebSocket.
 *
 * Connects to /openapi/v1.0/subscribe?access_token=… (ws:// for http:// PBXes),
 * subscribes to the topics we use, sends "heartbeat" periodically, reconnects
 * with jittered exponential backoff, and reconnects proactively (make before
 * break) whenever the access token is replaced so that a socket never outlives
 * its token. Frames delivered twice during such an overlap are passed on once.
 *
 * Signals:
 *   "connected"    ()                 the subscription was acknowledged
 *   "disconnected" (GError *error)    lost; a reconnect is scheduled
 *   "failed"       (GError *error)    will not retry (credentials, IP blocked, API off, TLS)
 *   "event"        (int type, JsonObject *msg)
 */
#pragma once

#include "pbx/yeastar/rd-yeastar-client.h"
#include "pbx/yeastar/rd-yeastar-token.h"

G_BEGIN_DECLS

#define RD_YEASTAR_TOPICS "{\"topic_list\":[30008,30011,30012,30015,30022]}"

#define RD_TYPE_YEASTAR_EVENTS (rd_yeastar_events_get_type ())
G_DECLARE_FINAL_TYPE (RdYeastarEvents, rd_yeastar_events, RD, YEASTAR_EVENTS, GObject)

RdYeastarEvents *rd_yeastar_events_new   (RdYeastarClient *client, RdYeastarToken *token);
void             rd_yeastar_events_start (RdYeastarEvents *self);
void             rd_yeastar_events_stop  (RdYeastarEvents *self);

/* For tests: heartbeat interval, reconnect backoff base and cap (ms). */
void             rd_yeastar_events_set_timings (RdYeastarEvents *self, guint heartbeat_ms,
                                                guint backoff_base_ms, guint backoff_max_ms);

/* TRUE for errors after which retrying cannot help until an administrator acts. */
gboolean         rd_yeastar_error_is_fatal (const GError *error);

G_END_DECLS
