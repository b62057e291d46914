/* rd-agent-backend.h — what the agent protocol server (rd-agent-server) needs from the engine.
 *
 * The server (WebSocket sessions, sign-in rate limiting, session tokens, framing) is
 * independent of the engine; the engine (RdHub) implements this interface. The
 * server guarantees that the @extension passed to dial / recent / lookup /
 * create_record is the signed-in session's own extension — never a value taken
 * from the client's frame.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Who a session is: a binding (extension + CRM user, or no user), and the agent key it signed
 * in with. Sessions end when the binding or the key ends. */
typedef struct {
  char   *extension;   /* the extension the session acts as */
  gint64  user_id;     /* CRM user bound to it, 0 if none */
  char   *user_name;   /* display name, may be NULL */
  gint64  key_id;      /* the agent key signed in with; 0 = a CRM key */
} RdAgentIdentity;

void             rd_agent_identity_free (RdAgentIdentity *identity);
RdAgentIdentity *rd_agent_identity_copy (const RdAgentIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentIdentity, rd_agent_identity_free)

#define RD_TYPE_AGENT_BACKEND (rd_agent_backend_get_type ())
G_DECLARE_INTERFACE (RdAgentBackend, rd_agent_backend, RD, AGENT_BACKEND, GObject)

struct _RdAgentBackendInterface
{
  GTypeInterface parent_iface;

  /* @method: "agent-key" (@who = extension) or "crm-key" (@who = CRM login).
   * Errors: RD_ERROR_AUTH (bad credentials), RD_ERROR_NOT_FOUND (user not bound),
   * RD_ERROR_UNAVAILABLE (CRM not configured / unreachable for crm-key). */
  void             (*authenticate_async)   (RdAgentBackend *self, const char *method, const char *who,
                                            const char *key, GCancellable *c,
                                            GAsyncReadyCallback cb, gpointer data);
  RdAgentIdentity *(*authenticate_finish)  (RdAgentBackend *self, GAsyncResult *res, GError **error);

  /* Fields of the "status" frame: hub, pbx, crm, message (see docs/agent-protocol.md). New ref. */
  JsonObject      *(*get_status)           (RdAgentBackend *self);

  void             (*dial_async)           (RdAgentBackend *self, const char *extension, const char *number,
                                            GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  char            *(*dial_finish)          (RdAgentBackend *self, GAsyncResult *res, GError **error); /* call id */

  /* Array of recent-call objects as in the "recent-result" frame. New ref. */
  JsonArray       *(*recent_calls)         (RdAgentBackend *self, const char *extension, guint limit,
                                            const char *query, GError **error);

  void             (*lookup_async)         (RdAgentBackend *self, const char *extension, const char *number,
                                            GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  /* {number:{raw,e164,display,kind}, match: object|null, matches:[…]}. New ref. */
  JsonObject      *(*lookup_finish)        (RdAgentBackend *self, GAsyncResult *res, GError **error);

  /* @kind "individual" or "lead"; @name may be NULL (the configured default is used). */
  void             (*create_record_async)  (RdAgentBackend *self, const char *extension, const char *number,
                                            const char *kind, const char *name, GCancellable *c,
                                            GAsyncReadyCallback cb, gpointer data);
  JsonObject      *(*create_record_finish) (RdAgentBackend *self, GAsyncResult *res, GError **error); /* match */

  /* Optional: is the binding (and the agent key) of a resumed session still in force? A
   * session token outlives hub restarts, so this is checked at every resume. NULL = yes. */
  gboolean         (*identity_is_current)  (RdAgentBackend *self, const RdAgentIdentity *identity);
  /* Optional: the "call" frames of @extension's calls in progress, for the welcome. New ref. */
  JsonArray       *(*live_calls)           (RdAgentBackend *self, const char *extension);
};

void             rd_agent_backend_authenticate_async   (RdAgentBackend *self, const char *method, const char *who,
                                                        const char *key, GCancellable *c,
                                                        GAsyncReadyCallback cb, gpointer data);
RdAgentIdentity *rd_agent_backend_authenticate_finish  (RdAgentBackend *self, GAsyncResult *res, GError **error);
JsonObject      *rd_agent_backend_get_status           (RdAgentBackend *self);
void             rd_agent_backend_dial_async           (RdAgentBackend *self, const char *extension, const char *number,
                                                        GCancellable *c, GAsyncReadyCallback cb, gpointer data);
char            *rd_agent_backend_dial_finish          (RdAgentBackend *self, GAsyncResult *res, GError **error);
JsonArray       *rd_agent_backend_recent_calls         (RdAgentBackend *self, const char *extension, guint limit,
                                                        const char *query, GError **error);
void             rd_agent_backend_lookup_async         (RdAgentBackend *self, const char *extension, const char *number,
                                                        GCancellable *c, GAsyncReadyCallback cb, gpointer data);
JsonObject      *rd_agent_backend_lookup_finish        (RdAgentBackend *self, GAsyncResult *res, GError **error);
void             rd_agent_backend_create_record_async  (RdAgentBackend *self, const char *extension, const char *number,
                                                        const char *kind, const char *name, GCancellable *c,
                                                        GAsyncReadyCallback cb, gpointer data);
JsonObject      *rd_agent_backend_create_record_finish (RdAgentBackend *self, GAsyncResult *res, GError **error);
gboolean         rd_agent_backend_identity_is_current  (RdAgentBackend *self, const RdAgentIdentity *identity);
/* NULL when the backend does not tell. */
JsonArray       *rd_agent_backend_live_calls           (RdAgentBackend *self, const char *extension);

G_END_DECLS
