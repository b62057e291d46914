/* rd-agent-client.h — the desktop side of the agent protocol (docs/agent-protocol.md). No GTK.
 *
 * Connects to a hub (ws://127.0.0.1:PORT for an embedded or local hub, wss://host:PORT
 * otherwise, with an optional pinned certificate), signs in with one credential,
 * keeps the session alive (reconnects with jittered backoff 1 s → 60 s, resumes with
 * the session token), and turns frames into signals and async results.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  RD_AGENT_STATE_DISCONNECTED,   /* not started, or stopped */
  RD_AGENT_STATE_CONNECTING,     /* connecting / signing in */
  RD_AGENT_STATE_SIGNED_IN,
  RD_AGENT_STATE_RECONNECTING,   /* lost; retrying with backoff */
  RD_AGENT_STATE_AUTH_FAILED,    /* credentials refused; waits for new credentials */
} RdAgentState;

typedef struct {
  char   *kind;      /* "individual", "company", "lead" */
  gint64  id;
  char   *name;
  char   *company;   /* may be NULL */
  char   *url;       /* may be NULL */
  char   *owner;     /* may be NULL */
} RdAgentMatch;

typedef struct {
  char         *event;          /* "ringing", "dialing", "answered", "held", "ended" */
  char         *call_id;
  char         *direction;      /* "inbound", "outbound", "internal" */
  char         *number_raw;
  char         *number_e164;    /* may be NULL */
  char         *number_display; /* never NULL: best display form */
  char         *number_kind;    /* "external", "internal", "withheld", "invalid" */
  char         *did;            /* may be NULL */
  RdAgentMatch *match;          /* NULL = unknown caller (so far) */
  gboolean      lookup_pending; /* a "match" signal may follow */
  gint64        at_ms;
} RdAgentCall;

typedef struct {
  char         *call_id;
  char         *direction;
  char         *number;         /* display form */
  char         *name;           /* match name or NULL */
  RdAgentMatch *match;          /* may be NULL */
  gint64        start;          /* unix seconds */
  guint         ring;
  guint         talk;
  char         *outcome;        /* "answered", "no-answer", "busy", "failed", "voicemail" */
} RdAgentRecentCall;

#define RD_TYPE_AGENT_STATE (rd_agent_state_get_type ())
#define RD_TYPE_AGENT_MATCH (rd_agent_match_get_type ())
#define RD_TYPE_AGENT_CALL  (rd_agent_call_get_type ())
GType              rd_agent_state_get_type   (void) G_GNUC_CONST;
GType              rd_agent_match_get_type   (void) G_GNUC_CONST;
RdAgentMatch      *rd_agent_match_copy       (const RdAgentMatch *match);
void               rd_agent_match_free       (RdAgentMatch *match);
GType              rd_agent_call_get_type    (void) G_GNUC_CONST;
RdAgentCall       *rd_agent_call_copy        (const RdAgentCall *call);
void               rd_agent_call_free        (RdAgentCall *call);
void               rd_agent_recent_call_free (RdAgentRecentCall *call);
const char        *rd_agent_state_to_string  (RdAgentState state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentMatch, rd_agent_match_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentCall, rd_agent_call_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentRecentCall, rd_agent_recent_call_free)

#define RD_TYPE_AGENT_CLIENT (rd_agent_client_get_type ())
G_DECLARE_FINAL_TYPE (RdAgentClient, rd_agent_client, RD, AGENT_CLIENT, GObject)

/* Properties: "state" (RdAgentState), "extension", "user-name", "pbx-status",
 * "crm-status", "status-message", "last-error" (human text, may be NULL),
 * "revoked-reason" (the hub's reason when it ended our access: "unbound", "rebound",
 * "key-reissued", "key-revoked", "crm-disconnected"; NULL otherwise), "close-message" (why the
 * hub ended our access, translated, for the user; NULL otherwise). Both are cleared by the next
 * sign-in.
 * Signals:
 *   "call"        (RdAgentCall *)                     a call frame for our extension
 *   "match"       (const char *call_id, RdAgentMatch *) late lookup result (match may be NULL)
 *   "dial-failed" (const char *call_id, const char *reason)
 *   "call-logged" (const char *call_id)
 *   "status-changed" ()                                pbx/crm/status-message changed
 *   "access-ended" (const char *reason, const char *message)  the hub ended our access (close
 *                  code 4410); the client waits in RD_AGENT_STATE_AUTH_FAILED for new credentials */

RdAgentClient *rd_agent_client_new                 (const char *hub_url);
void           rd_agent_client_set_hub_url         (RdAgentClient *self, const char *hub_url);
void           rd_agent_client_set_pinned_certificate (RdAgentClient *self, const char *sha256_hex);
void           rd_agent_client_set_agent_key       (RdAgentClient *self, const char *extension, const char *key);
void           rd_agent_client_set_crm_key         (RdAgentClient *self, const char *login, const char *key);
void           rd_agent_client_start               (RdAgentClient *self);
void           rd_agent_client_stop                (RdAgentClient *self);
RdAgentState   rd_agent_client_get_state           (RdAgentClient *self);
const char    *rd_agent_client_get_extension       (RdAgentClient *self);
const char    *rd_agent_client_get_user_name       (RdAgentClient *self);
const char    *rd_agent_client_get_pbx_status      (RdAgentClient *self);
const char    *rd_agent_client_get_crm_status      (RdAgentClient *self);
const char    *rd_agent_client_get_status_message  (RdAgentClient *self);
const char    *rd_agent_client_get_last_error      (RdAgentClient *self);
const char    *rd_agent_client_get_revoked_reason  (RdAgentClient *self);
const char    *rd_agent_client_get_close_message   (RdAgentClient *self);

/* @number: text or a tel:/callto:/sip:/sips: URI; returns the PBX call id. */
void           rd_agent_client_dial_async          (RdAgentClient *self, const char *number,
                                                    GCancellable *c, GAsyncReadyCallback cb, gpointer data);
char          *rd_agent_client_dial_finish         (RdAgentClient *self, GAsyncResult *res, GError **error);
void           rd_agent_client_recent_async        (RdAgentClient *self, guint limit, const char *query,
                                                    GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray     *rd_agent_client_recent_finish       (RdAgentClient *self, GAsyncResult *res, GError **error); /* RdAgentRecentCall */
void           rd_agent_client_lookup_async        (RdAgentClient *self, const char *number,
                                                    GCancellable *c, GAsyncReadyCallback cb, gpointer data);
/* Returns the best match (NULL with no error = unknown number). */
RdAgentMatch  *rd_agent_client_lookup_finish       (RdAgentClient *self, GAsyncResult *res, GError **error);
void           rd_agent_client_create_record_async (RdAgentClient *self, const char *number, const char *kind,
                                                    const char *name,
                                                    GCancellable *c, GAsyncReadyCallback cb, gpointer data);
RdAgentMatch  *rd_agent_client_create_record_finish(RdAgentClient *self, GAsyncResult *res, GError **error);

G_END_DECLS
