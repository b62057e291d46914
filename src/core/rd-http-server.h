/* rd-http-server.h — one rule for every SoupServer in the tree (hub agent and admin endpoints,
 * simulators). Header-only, so that core itself needs no libsoup; include it only where libsoup
 * is a dependency already. */
#pragma once

#include <libsoup/soup.h>

/* Runs after the server's own "got-body" handler (connected earlier, in libsoup's request set-up),
 * which has processed a WebSocket handshake by now: a 101 reply keeps the single
 * "Connection: Upgrade" libsoup gave it. Everything else says "close". */
static inline void
rd_http_server_on_got_body (SoupServerMessage *msg, gpointer user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (soup_server_message_get_status (msg) == SOUP_STATUS_SWITCHING_PROTOCOLS)
    soup_message_headers_replace (headers, "Connection", "Upgrade");
  else
    soup_message_headers_replace (headers, "Connection", "close");
}

static inline void
rd_http_server_on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  /* A reply that never reaches "got-body" (a malformed request) closes too. libsoup appends its
   * "Connection: Upgrade" to a handshake's reply instead of replacing this, so the got-body
   * handler sets the final value (two Connection headers make standard clients refuse). */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  g_signal_connect (msg, "got-body", G_CALLBACK (rd_http_server_on_got_body), NULL);
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
