/* rd-desk-session.h — one agent WebSocket connection on the hub (private to the agent server). */
#pragma once

#include <libsoup/soup.h>

#include "hub/rd-desk-backend.h"

G_BEGIN_DECLS

typedef enum {
  RD_DESK_SESSION_HELLO,           /* waiting for the hello frame */
  RD_DESK_SESSION_AUTHENTICATING,  /* credentials being checked */
  RD_DESK_SESSION_SIGNED_IN,
  RD_DESK_SESSION_CLOSED,
} RdDeskSessionState;

typedef struct {
  gatomicrefcount          ref_count;
  SoupWebsocketConnection *connection;
  char                    *peer;          /* rate-limit key of the peer address */
  RdDeskSessionState      state;
  RdDeskIdentity         *identity;      /* set once signed in */
  GCancellable            *cancellable;   /* cancelled when the session closes */
  guint                    hello_timeout_id;
  guint                    in_flight;     /* requests waiting for the backend */
  gpointer                 server;        /* the RdDeskServer (not owned); NULL once it is gone */
  GList                   *link;          /* in the server's queue for the extension */
  gulong                   message_handler;
  gulong                   closed_handler;
  GSocket                 *socket;        /* the TCP socket under the WebSocket, or NULL */
  guint64                  sent;          /* bytes handed to the WebSocket since it opened */
  guint64                  acked_base;    /* the socket's acknowledged bytes when it opened */
  gsize                    budget;        /* RD_DESK_SEND_BUDGET unless a test says otherwise */
} RdDeskSession;

/* How far a session's reader may fall behind: frames sent but not yet acknowledged by its TCP
 * peer. Past this the session is closed (4408) rather than queued without end. */
#define RD_DESK_SEND_BUDGET (4 * 1024 * 1024)

RdDeskSession *rd_desk_session_new        (SoupWebsocketConnection *connection, const char *peer);
RdDeskSession *rd_desk_session_ref        (RdDeskSession *session);
void            rd_desk_session_unref      (RdDeskSession *session);
gboolean        rd_desk_session_is_open    (RdDeskSession *session);
/* Sends @frame (not consumed) if the connection is open. A reader more than its budget
 * behind is closed with 4408 instead; FALSE then. */
gboolean        rd_desk_session_send       (RdDeskSession *session, JsonObject *frame);
gboolean        rd_desk_session_send_text  (RdDeskSession *session, const char *text);
/* Bytes sent and not yet acknowledged by the peer (0 when unknown). */
guint64         rd_desk_session_backlog    (RdDeskSession *session);
/* Marks the session closed, cancels its work and closes the socket with @code. */
void            rd_desk_session_close      (RdDeskSession *session, gushort code, const char *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDeskSession, rd_desk_session_unref)

G_END_DECLS
