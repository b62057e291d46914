/* rd-agent-server.h — the hub side of the agent protocol (docs/agent-protocol.md).
 *
 * Accepts WebSocket sessions at /agent/v1 on a SoupServer the hub owns, signs them in
 * through an RdAgentBackend, rate-limits failed sign-ins per peer address, issues
 * expiring session tokens, dispatches requests and pushes frames to the sessions of
 * one extension. Plain ws:// is accepted only from loopback peers.
 */
#pragma once

#include <libsoup/soup.h>

#include "hub/rd-agent-backend.h"

G_BEGIN_DECLS

#define RD_TYPE_AGENT_SERVER (rd_agent_server_get_type ())
G_DECLARE_FINAL_TYPE (RdAgentServer, rd_agent_server, RD, AGENT_SERVER, GObject)

RdAgentServer *rd_agent_server_new                (RdAgentBackend *backend);
/* Adds the /agent/v1 WebSocket handler to @server. */
void           rd_agent_server_attach             (RdAgentServer  *self,
                                                   SoupServer     *server);
/* Sends @frame (not consumed) to every signed-in session of @extension. */
void           rd_agent_server_send_to_extension  (RdAgentServer  *self,
                                                   const char     *extension,
                                                   JsonObject     *frame);
/* Sends @frame (not consumed) to every signed-in session. */
void           rd_agent_server_broadcast          (RdAgentServer  *self,
                                                   JsonObject     *frame);
/* Closes the sessions of @extension and forgets its session tokens (unbind, key change). */
void           rd_agent_server_revoke_extension   (RdAgentServer  *self,
                                                   const char     *extension);
guint          rd_agent_server_count_sessions     (RdAgentServer  *self);
/* Session lifetime in seconds (default 12 h). */
void           rd_agent_server_set_session_lifetime (RdAgentServer *self, guint seconds);

G_END_DECLS
