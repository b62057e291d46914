/* rd-agent-session.h — one agent WebSocket connection on the hub (private to the agent server). */
#pragma once

#include <libsoup/soup.h>

#include "hub/rd-agent-backend.h"

G_BEGIN_DECLS

typedef enum {
  RD_AGENT_SESSION_HELLO,           /* waiting for the hello frame */
  RD_AGENT_SESSION_AUTHENTICATING,  /* credentials being checked */
  RD_AGENT_SESSION_SIGNED_IN,
  RD_AGENT_SESSION_CLOSED,
} RdAgentSessionState;

typedef struct {
  gatomicrefcount          ref_count;
  SoupWebsocketConnection *connection;
  char                    *peer;          /* rate-limit key of the peer address */
  RdAgentSessionState      state;
  RdAgentIdentity         *identity;      /* set once signed in */
  GCancellable            *cancellable;   /* cancelled when the session closes */
  guint                    hello_timeout_id;
  guint                    in_flight;     /* requests waiting for the backend */
  gpointer                 server;        /* the RdAgentServer (not owned); NULL once it is gone */
  GList                   *link;          /* in the server's queue for the extension */
  gulong                   message_handler;
  gulong                   closed_handler;
} RdAgentSession;

RdAgentSession *rd_agent_session_new        (SoupWebsocketConnection *connection, const char *peer);
RdAgentSession *rd_agent_session_ref        (RdAgentSession *session);
void            rd_agent_session_unref      (RdAgentSession *session);
gboolean        rd_agent_session_is_open    (RdAgentSession *session);
/* Sends @frame (not consumed) if the connection is open. */
void            rd_agent_session_send       (RdAgentSession *session, JsonObject *frame);
void            rd_agent_session_send_text  (RdAgentSession *session, const char *text);
/* Marks the session closed, cancels its work and closes the socket with @code. */
void            rd_agent_session_close      (RdAgentSession *session, gushort code, const char *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentSession, rd_agent_session_unref)

G_END_DECLS
