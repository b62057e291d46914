/* rd-listener.h — the hub's agent port, hardened: accepts TCP connections itself, does the TLS
 * handshake, and hands each connection to the hub's SoupServer (soup_server_accept_iostream).
 *
 * A connection is *pending* from accept until its agent signs in. Pending connections are capped,
 * in all and per peer address (IPv4 address, IPv6 /64): past a cap the oldest pending connection
 * of the peer (or of the peer holding the most) is closed to make room, so idle sockets cannot
 * lock anyone out, and a new sign-in always gets its chance. A connection has a deadline to finish
 * the TLS handshake and the WebSocket upgrade (the agent server's own deadline covers the hello).
 * When the process runs out of descriptors, a spare one is used to accept and close the waiting
 * connection instead of leaving the listener spinning.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum {
  RD_LISTENER_HANDSHAKE,       /* TLS handshake / HTTP request until the WebSocket upgrade */
  RD_LISTENER_UPGRADED,        /* WebSocket open, waiting for the hello */
  RD_LISTENER_AUTHENTICATING,  /* hello received, credentials being checked: never evicted */
  RD_LISTENER_SIGNED_IN,       /* no longer pending (forgotten by the listener) */
} RdListenerStage;

#define RD_LISTENER_HANDSHAKE_MS 10000

#define RD_TYPE_LISTENER (rd_listener_get_type ())
G_DECLARE_FINAL_TYPE (RdListener, rd_listener, RD, LISTENER, GObject)

/* @certificate: serve TLS with it (NULL = plain). */
RdListener *rd_listener_new              (SoupServer *server, GTlsCertificate *certificate);
gboolean    rd_listener_listen           (RdListener *self, GSocketAddress *address, GError **error);
guint       rd_listener_get_port         (RdListener *self);
void        rd_listener_close            (RdListener *self);

/* Caps on pending connections (0 = keep): in all, per peer; deadline of the handshake stage. The
 * defaults follow the process's descriptor limit (a quarter of it for pending connections, at
 * most 4096, an eighth of that per peer). */
void        rd_listener_set_limits       (RdListener *self, guint max_pending, guint max_pending_per_peer,
                                          guint handshake_ms);
void        rd_listener_get_limits       (RdListener *self, guint *max_pending, guint *max_pending_per_peer);

/* The agent server reports the stage of the connection under a WebSocket's io stream. */
void        rd_listener_set_stage        (RdListener *self, GIOStream *stream, RdListenerStage stage);

guint       rd_listener_count_pending    (RdListener *self);
/* Connections closed by the caps and by the handshake deadline, since the start. */
guint       rd_listener_count_evicted    (RdListener *self);
guint       rd_listener_count_timed_out  (RdListener *self);

/* The soft limit on open descriptors ("Max open files" of /proc/self/limits), 0 if unknown. Read
 * from /proc so that no resource syscall is needed (the unit's seccomp filter forbids them). */
guint       rd_listener_descriptor_limit (void);

G_END_DECLS
