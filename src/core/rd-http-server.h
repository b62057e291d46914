/* rd-http-server.h — one rule for every SoupServer in the tree (hub agent and admin endpoints,
 * simulators). Header-only, so that core itself needs no libsoup; include it only where libsoup
 * is a dependency already. */
#pragma once

#include <libsoup/soup.h>

static inline void
rd_http_server_on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  /* A WebSocket handshake replaces this with "Upgrade"; every other reply closes the connection. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

/* Makes @server close each HTTP connection once its reply is written. libsoup 3.2 (Debian 12)
 * never notices that a client closed an idle keep-alive connection, so each one stays in
 * CLOSE-WAIT and holds a descriptor until the process runs out of them (fixed in libsoup 3.3).
 * Our clients send one request per connection anyway (admin commands, agent upgrades), and a
 * simulator that keeps connections alive behaves no better for the clients under test. */
static inline void
rd_http_server_close_after_response (SoupServer *server)
{
  g_signal_connect (server, "request-started", G_CALLBACK (rd_http_server_on_request_started), NULL);
}
