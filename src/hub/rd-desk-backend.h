/* rd-desk-backend.h — what the agent protocol server (rd-desk-server) needs from the engine.
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
} RdDeskIdentity;

void             rd_desk_identity_free (RdDeskIdentity *identity);
RdDeskIdentity *rd_desk_identity_copy (const RdDeskIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDeskIdentity, rd_desk_identity_free)

#define RD_TYPE_DESK_BACKEND (rd_desk_backend_get_type ())
G_DECLARE_INTERFACE (RdDeskBackend, rd_desk_backend, RD, DESK_BACKEND, GObject)

struct _RdDeskBackendInterface
{
  GTypeInterface parent_iface;

  /* @method: "agent-key" (@who = extension) or "crm-key" (@who = CRM login).
   * Errors: RD_ERROR_AUTH (bad credentials), RD_ERROR_NOT_FOUND (user not bound),
   * RD_ERROR_UNAVAILABLE (CRM not configured / unreachable for crm-key). */
  void             (*authenticate_async)   (RdDeskBackend *self, const char *method, const char *who,
                                            const char *key, GCancellable *c,
                                            GAsyncReadyCallback cb, gpointer data);
  RdDeskIdentity *(*authenticate_finish)  (RdDeskBackend *self, GAsyncResult *res, GError **error);

  /* Fields of the "status" frame: hub, pbx, crm, message (see docs/agent-protocol.md). New ref. */
  JsonObject      *(*get_status)           (RdDeskBackend *self);

  void             (*dial_async)           (RdDeskBackend *self, const char *extension, const char *number,
                                            GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  char            *(*dial_finish)          (RdDeskBackend *self, GAsyncResult *res, GError **error); /* call id */

  /* Array of recent-call objects as in the "recent-result" frame. New ref. */
  JsonArray       *(*recent_calls)         (RdDeskBackend *self, const char *extension, guint limit,
                                            const char *query, GError **error);

  void             (*lookup_async)         (RdDeskBackend *self, const char *extension, const char *number,
                                            GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  /* {number:{raw,e164,display,kind}, match: object|null, matches:[…]}. New ref. */
  JsonObject      *(*lookup_finish)        (RdDeskBackend *self, GAsyncResult *res, GError **error);

  /* @kind "individual" or "lead"; @name may be NULL (the configured default is used). */
  void             (*create_record_async)  (RdDeskBackend *self, const char *extension, const char *number,
                                            const char *kind, const char *name, GCancellable *c,
                                            GAsyncReadyCallback cb, gpointer data);
  JsonObject      *(*create_record_finish) (RdDeskBackend *self, GAsyncResult *res, GError **error); /* match */

  /* Optional: is the binding (and the agent key) of a resumed session still in force? A
   * session token outlives hub restarts, so this is checked at every resume. NULL = yes. */
  gboolean         (*identity_is_current)  (RdDeskBackend *self, const RdDeskIdentity *identity);
  /* Optional: the "call" frames of @extension's calls in progress, for the welcome. New ref. */
  JsonArray       *(*live_calls)           (RdDeskBackend *self, const char *extension);
};

void             rd_desk_backend_authenticate_async   (RdDeskBackend *self, const char *method, const char *who,
                                                        const char *key, GCancellable *c,
                                                        GAsyncReadyCallback cb, gpointer data);
RdDeskIdentity *rd_desk_backend_authenticate_finish  (RdDeskBackend *self, GAsyncResult *res, GError **error);
JsonObject      *rd_desk_backend_get_status           (RdDeskBackend *self);
void             rd_desk_backend_dial_async           (RdDeskBackend *self, const char *extension, const char *number,
                                                        GCancellable *c, GAsyncReadyCallback cb, gpointer data);
char            *rd_desk_backend_dial_finish          (RdDeskBackend *self, GAsyncResult *res, GError **error);
JsonArray       *rd_desk_backend_recent_calls         (RdDeskBackend *self, const char *extension, guint limit,
                                                        const char *query, GError **error);
void             rd_desk_backend_lookup_async         (RdDeskBackend *self, const char *extension, const char *number,
                                                        GCancellable *c, GAsyncReadyCallback cb, gpointer data);
JsonObject      *rd_desk_backend_lookup_finish        (RdDeskBackend *self, GAsyncResult *res, GError **error);
void             rd_desk_backend_create_record_async  (RdDeskBackend *self, const char *extension, const char *number,
                                                        const char *kind, const char *name, GCancellable *c,
                                                        GAsyncReadyCallback cb, gpointer data);
JsonObject      *rd_desk_backend_create_record_finish (RdDeskBackend *self, GAsyncResult *res, GError **error);
gboolean         rd_desk_backend_identity_is_current  (RdDeskBackend *self, const RdDeskIdentity *identity);
/* NULL when the backend does not tell. */
JsonArray       *rd_desk_backend_live_calls           (RdDeskBackend *self, const char *extension);

G_END_DECLS
