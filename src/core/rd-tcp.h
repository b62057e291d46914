/* rd-tcp.h — TCP options of the hub's connections. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Small writes leave at once (TCP_NODELAY). With Nagle's algorithm a small write made while the
 * previous one is not yet acknowledged waits for that acknowledgement, which a peer with nothing
 * to send delays by up to 40 ms. A socket that is not TCP (a UNIX socket) is left alone: TRUE. */
gboolean  rd_tcp_socket_set_no_delay (GSocket *socket, GError **error);

/* The socket under @stream, through the wrappers TLS and libsoup put around it; NULL if none. */
GSocket  *rd_tcp_socket_of           (GIOStream *stream);
/* Whether TCP_NODELAY is set on the socket under @stream (FALSE if it is not TCP). */
gboolean  rd_tcp_get_no_delay        (GIOStream *stream);

G_END_DECLS
