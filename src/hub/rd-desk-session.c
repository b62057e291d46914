#include "config.h"

#include "hub/rd-desk-session.h"

#include "hub/rd-desk-frames.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define CLOSE_TOO_SLOW 4408

/* The TCP socket under a WebSocket's stream: libsoup's wrapper, a TLS connection, then the
 * socket connection (a listening SoupServer also leaves it as "GSocket" data). */
static GSocket *
find_socket (SoupWebsocketConnection *connection)
{
  GIOStream *stream = soup_websocket_connection_get_io_stream (connection);
  g_autoptr(GIOStream) held = NULL;
  GSocket *socket;

  if (stream == NULL)
    return NULL;
  socket = g_object_get_data (G_OBJECT (stream), "GSocket");
  if (G_IS_SOCKET (socket))
    return g_object_ref (socket);
  for (guint depth = 0; stream != NULL && depth < 4; depth++)
    {
      GIOStream *next = NULL;

      if (G_IS_SOCKET_CONNECTION (stream))
        return g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
      if (G_IS_TLS_CONNECTION (stream))
        g_object_get (stream, "base-io-stream", &next, NULL);
      else if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") != NULL)
        g_object_get (stream, "base-iostream", &next, NULL);
      g_clear_object (&held);
      held = next;
      stream = next;
    }
  return NULL;
}

/* Bytes the peer's TCP stack has acknowledged on @socket, or -1 when unknown. */
static gint64
bytes_acked (GSocket *socket)
{
  struct tcp_info info;
  socklen_t length = sizeof info;

  memset (&info, 0, sizeof info);
  if (socket == NULL || getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < offsetof (struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
    return -1;
  return (gint64) info.tcpi_bytes_acked;
}

RdDeskSession *
rd_desk_session_new (SoupWebsocketConnection *connection, const char *peer)
{
  RdDeskSession *session = g_new0 (RdDeskSession, 1);

  g_atomic_ref_count_init (&session->ref_count);
  session->connection = g_object_ref (connection);
  session->peer = g_strdup (peer);
  session->cancellable = g_cancellable_new ();
  session->state = RD_DESK_SESSION_HELLO;
  session->budget = RD_DESK_SEND_BUDGET;
  session->socket = find_socket (connection);
  if (bytes_acked (session->socket) < 0)
    g_clear_object (&session->socket);
  else
    session->acked_base = (guint64) bytes_acked (session->socket);
  return session;
}

RdDeskSession *
rd_desk_session_ref (RdDeskSession *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

void
rd_desk_session_unref (RdDeskSession *session)
{
  if (session == NULL || !g_atomic_ref_count_dec (&session->ref_count))
    return;
  g_clear_handle_id (&session->hello_timeout_id, g_source_remove);
  g_clear_signal_handler (&session->message_handler, session->connection);
  g_clear_signal_handler (&session->closed_handler, session->connection);
  g_cancellable_cancel (session->cancellable);
  g_object_unref (session->cancellable);
  g_object_unref (session->connection);
  g_clear_object (&session->socket);
  rd_desk_identity_free (session->identity);
  g_free (session->peer);
  g_free (session);
}

gboolean
rd_desk_session_is_open (RdDeskSession *session)
{
  return session->state != RD_DESK_SESSION_CLOSED &&
         soup_websocket_connection_get_state (session->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

guint64
rd_desk_session_backlog (RdDeskSession *session)
{
  gint64 acked = bytes_acked (session->socket);

  if (acked < 0)
    return 0;
  /* TLS records and the 101 reply make the peer acknowledge a little more than we count. */
  acked -= (gint64) session->acked_base;
  return session->sent > (guint64) MAX (acked, 0) ? session->sent - (guint64) acked : 0;
}

gboolean
rd_desk_session_send_text (RdDeskSession *session, const char *text)
{
  gsize length;

  if (!rd_desk_session_is_open (session))
    return FALSE;
  length = strlen (text);
  if (session->socket != NULL && rd_desk_session_backlog (session) + length > session->budget)
    {
      g_message ("Agent session from %s%s%s stopped reading (%" G_GUINT64_FORMAT " bytes behind): closed",
                 session->peer, session->identity ? ", extension " : "",
                 session->identity ? session->identity->extension : "", rd_desk_session_backlog (session));
      rd_desk_session_close (session, CLOSE_TOO_SLOW, "too slow");
      return FALSE;
    }
  soup_websocket_connection_send_text (session->connection, text);
  /* The frame's header: 2 bytes, 4 past 125 bytes, 10 past 64 KiB (server frames are unmasked). */
  session->sent += length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
  return TRUE;
}

gboolean
rd_desk_session_send (RdDeskSession *session, JsonObject *frame)
{
  g_autofree char *text = NULL;

  if (!rd_desk_session_is_open (session))
    return FALSE;
  text = rd_desk_frame_to_text (frame, NULL);
  return rd_desk_session_send_text (session, text);
}

void
rd_desk_session_close (RdDeskSession *session, gushort code, const char *reason)
{
  gboolean open = rd_desk_session_is_open (session);

  session->state = RD_DESK_SESSION_CLOSED;
  g_clear_handle_id (&session->hello_timeout_id, g_source_remove);
  g_cancellable_cancel (session->cancellable);
  if (open)
    soup_websocket_connection_close (session->connection, code, reason);
}
