#include "config.h"

#include "hub/rd-agent-session.h"

#include "hub/rd-agent-frames.h"

RdAgentSession *
rd_agent_session_new (SoupWebsocketConnection *connection, const char *peer)
{
  RdAgentSession *session = g_new0 (RdAgentSession, 1);

  g_atomic_ref_count_init (&session->ref_count);
  session->connection = g_object_ref (connection);
  session->peer = g_strdup (peer);
  session->cancellable = g_cancellable_new ();
  session->state = RD_AGENT_SESSION_HELLO;
  return session;
}

RdAgentSession *
rd_agent_session_ref (RdAgentSession *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

void
rd_agent_session_unref (RdAgentSession *session)
{
  if (session == NULL || !g_atomic_ref_count_dec (&session->ref_count))
    return;
  g_clear_handle_id (&session->hello_timeout_id, g_source_remove);
  g_clear_signal_handler (&session->message_handler, session->connection);
  g_clear_signal_handler (&session->closed_handler, session->connection);
  g_cancellable_cancel (session->cancellable);
  g_object_unref (session->cancellable);
  g_object_unref (session->connection);
  rd_agent_identity_free (session->identity);
  g_free (session->peer);
  g_free (session);
}

gboolean
rd_agent_session_is_open (RdAgentSession *session)
{
  return session->state != RD_AGENT_SESSION_CLOSED &&
         soup_websocket_connection_get_state (session->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

void
rd_agent_session_send_text (RdAgentSession *session, const char *text)
{
  if (rd_agent_session_is_open (session))
    soup_websocket_connection_send_text (session->connection, text);
}

void
rd_agent_session_send (RdAgentSession *session, JsonObject *frame)
{
  g_autofree char *text = NULL;

  if (!rd_agent_session_is_open (session))
    return;
  text = rd_agent_frame_to_text (frame, NULL);
  soup_websocket_connection_send_text (session->connection, text);
}

void
rd_agent_session_close (RdAgentSession *session, gushort code, const char *reason)
{
  gboolean open = rd_agent_session_is_open (session);

  session->state = RD_AGENT_SESSION_CLOSED;
  g_clear_handle_id (&session->hello_timeout_id, g_source_remove);
  g_cancellable_cancel (session->cancellable);
  if (open)
    soup_websocket_connection_close (session->connection, code, reason);
}
