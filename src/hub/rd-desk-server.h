/* rd-desk-server.h — the hub side of the agent protocol (docs/agent-protocol.md).
 *
 * Accepts WebSocket sessions at /agent/v1 on a SoupServer the hub owns, signs them in
 * through an RdDeskBackend, rate-limits failed sign-ins per peer address, issues
 * expiring session tokens, dispatches requests and pushes frames to the sessions of
 * one extension. Plain ws:// is accepted only from loopback peers.
 */
#pragma once

#include <libsoup/soup.h>

#include "core/rd-store.h"
#include "hub/rd-desk-backend.h"
#include "hub/rd-listener.h"

G_BEGIN_DECLS

#define RD_TYPE_DESK_SERVER (rd_desk_server_get_type ())
G_DECLARE_FINAL_TYPE (RdDeskServer, rd_desk_server, RD, DESK_SERVER, GObject)

RdDeskServer *rd_desk_server_new                (RdDeskBackend *backend);
/* Adds the /agent/v1 WebSocket handler to @server. */
void           rd_desk_server_attach             (RdDeskServer  *self,
                                                   SoupServer     *server);
/* Sends @frame (not consumed) to every signed-in session of @extension. */
void           rd_desk_server_send_to_extension  (RdDeskServer  *self,
                                                   const char     *extension,
                                                   JsonObject     *frame);
/* Sends @frame (not consumed) to every signed-in session. */
void           rd_desk_server_broadcast          (RdDeskServer  *self,
                                                   JsonObject     *frame);
/* The listener that accepted the connections (may be NULL): told when each one upgrades, sends
 * its hello and signs in, so that it can cap and time out the ones that have not yet. */
void           rd_desk_server_set_listener       (RdDeskServer  *self,
                                                   RdListener     *listener);
/* Keeps session tokens in @store (so that sessions survive a restart) instead of a private
 * in-memory database. Call before the first connection. */
gboolean       rd_desk_server_set_store          (RdDeskServer  *self,
                                                   RdStore        *store,
                                                   GError        **error);

/* The one answer to a refused credential, whatever the reason (wrong key, unknown extension,
 * wrong CRM login or key, no extension bound to the user). */
#define RD_DESK_WRONG_CREDENTIALS "Wrong login or key, or no extension is bound to this user"

/* Why access ended: the reason of close code 4410 (docs/agent-protocol.md). */
#define RD_DESK_REVOKED_UNBOUND          "unbound"           /* the extension was unbound */
#define RD_DESK_REVOKED_REBOUND          "rebound"           /* it was bound to a (new) user */
#define RD_DESK_REVOKED_KEY_REISSUED     "key-reissued"      /* a new agent key replaced this one */
#define RD_DESK_REVOKED_KEY_REVOKED      "key-revoked"       /* the administrator revoked the key */
#define RD_DESK_REVOKED_CRM_DISCONNECTED "crm-disconnected"  /* the CRM and its bindings were dropped */

/* Ends the sessions of @extension — all of them when @key_id is 0, else those signed in with
 * that agent key: forgets their tokens and closes them with 4410 and @reason. */
void           rd_desk_server_revoke             (RdDeskServer  *self,
                                                   const char     *extension,
                                                   gint64          key_id,
                                                   const char     *reason);
guint          rd_desk_server_count_sessions     (RdDeskServer  *self);
/* Signed-in sessions that came from agent key @key_id. */
guint          rd_desk_server_count_key_sessions (RdDeskServer  *self,
                                                   gint64          key_id);
/* Session lifetime in seconds (default 12 h). */
void           rd_desk_server_set_session_lifetime (RdDeskServer *self, guint seconds);

G_END_DECLS
