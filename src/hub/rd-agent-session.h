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
  GSocket                 *socket;        /* the TCP socket under the WebSocket, or NULL */
  guint64                  sent;          /* bytes handed to the WebSocket since it opened */
  guint64                  acked_base;    /* the socket's acknowledged bytes when it opened */
  gsize                    budget;        /* RD_AGENT_SEND_BUDGET unless a test says otherwise */
} RdAgentSession;

/* How far a session's reader may fall behind: frames sent but not yet acknowledged by its TCP
 * peer. Past this the session is closed (4408) rather than queued without end. */
#define RD_AGENT_SEND_BUDGET (4 * 1024 * 1024)

RdAgentSession *rd_agent_session_new        (SoupWebsocketConnection *connection, const char *peer);
RdAgentSession *rd_agent_session_ref        (RdAgentSession *session);
void            rd_agent_session_unref      (RdAgentSession *session);
gboolean        rd_agent_session_is_open    (RdAgentSession *session);
/* Sends @frame (not consumed) if the connection is open. A reader more than its budget
 * behind is closed with 4408 instead; FALSE then. */
gboolean        rd_agent_session_send       (RdAgentSession *session, JsonObject *frame);
gboolean        rd_agent_session_send_text  (RdAgentSession *session, const char *text);
/* Bytes sent and not yet acknowledged by the peer (0 when unknown). */
guint64         rd_agent_session_backlog    (RdAgentSession *session);
/* Marks the session closed, cancels its work and closes the socket with @code. */
void            rd_agent_session_close      (RdAgentSession *session, gushort code, const char *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentSession, rd_agent_session_unref)

G_END_DECLS
