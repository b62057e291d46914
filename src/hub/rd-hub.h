/* rd-hub.h — the integration engine for one PBX (ringdesk-hub, or embedded in the app).
 *
 * An RdHub owns the SQLite store, the PBX and CRM connections, the agent protocol
 * listener and (optionally) the local administration socket. It tracks the calls
 * of bound extensions, pops the caller's CRM record to the agent's desktop, logs
 * every call exactly once through the durable outbox, auto-creates unknown
 * callers and syncs CRM contacts into a PBX phonebook.
 *
 * Every administration call verifies before it saves and reports a clear GError
 * in the RD_ERROR domain. Secrets (CRM API key, PBX client secret) are kept in
 * 0600 files of the secrets directory, never in the database and never in logs.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm/rd-crm.h"
#include "hub/rd-index-sync.h"
#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

typedef struct {
  char  *listen_address;   /* NULL = "127.0.0.1"; non-loopback needs TLS */
  guint  port;             /* 0 = any free port */
  char  *database_path;    /* NULL = ":memory:" (tests, demo) */
  char  *tls_certificate;  /* PEM file, with tls_key: serve wss:// */
  char  *tls_key;
  char  *admin_socket;     /* NULL = no admin endpoint */
  char  *secrets_dir;      /* NULL = secrets kept in memory only (demo) */
  char  *console_address;  /* web console; NULL = none. Non-loopback needs TLS (the agent port's certificate) */
  guint  console_port;     /* 0 = any free port */
} RdHubOptions;

void          rd_hub_options_clear (RdHubOptions *options);

/* Call types that trigger auto-create. */
typedef enum {
  RD_HUB_CALLS_NONE     = 0,
  RD_HUB_CALLS_INBOUND  = 1 << 0,
  RD_HUB_CALLS_OUTBOUND = 1 << 1,
  RD_HUB_CALLS_BOTH     = 0x3,
} RdHubCalls;

#define RD_TYPE_HUB (rd_hub_get_type ())
G_DECLARE_FINAL_TYPE (RdHub, rd_hub, RD, HUB, GObject)

/* Signals: "status-changed" () whenever the PBX / CRM state or a setting changes. */

RdHub       *rd_hub_new                 (const RdHubOptions *options);
/* Opens the store, listens, connects PBX + CRM from saved settings. */
gboolean     rd_hub_start               (RdHub *self, GError **error);
guint        rd_hub_get_port            (RdHub *self);
/* "ws://127.0.0.1:PORT/agent/v1" (wss when TLS). */
char        *rd_hub_get_agent_url       (RdHub *self);
/* Stops the listeners and the PBX/CRM work; pending outbox items stay in the store. */
void         rd_hub_stop_async          (RdHub *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_stop_finish         (RdHub *self, GAsyncResult *result, GError **error);

/* Outbox retry policy (seconds); defaults 5 and 600. */
void         rd_hub_set_retry_policy    (RdHub *self, guint base_seconds, guint max_seconds);
/* Phone index refresh period in seconds (default 45; 0 = only on demand). */
void         rd_hub_set_index_refresh   (RdHub *self, guint seconds);
/* Period of the phone index's reconciliation with the CRM's ids, which drops records
 * deleted or archived in the CRM (default 600; 0 = never). */
void         rd_hub_set_index_reconcile (RdHub *self, guint seconds);
/* Sizes of the phone index's requests (rd-index-sync.h); zero members keep the default. */
void         rd_hub_set_index_limits    (RdHub *self, const RdIndexSyncLimits *limits);

/* ---- administration ---------------------------------------------------- */

void         rd_hub_connect_pbx_async   (RdHub *self, const RdPbxConfig *config, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_connect_pbx_finish  (RdHub *self, GAsyncResult *result, GError **error);
/* A NULL client secret (PBX) or API key (CRM) keeps the saved one, for the saved address only. */
void         rd_hub_connect_crm_async   (RdHub *self, const RdCrmConfig *config, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_connect_crm_finish  (RdHub *self, GAsyncResult *result, GError **error);

/* Binds every unbound extension to the one unbound internal CRM user whose e-mail (or login)
 * equals the extension's; never portal or public users. @dry_run: change nothing, only report.
 * Finish: the number bound (or that would be), and *@plan (optional, new ref):
 * [{extension, user:{id,name,login,email,type}, result:"bound"|"would-bind"|"skipped"|"failed",
 *   reason|null}] — skipped entries say why (not internal, ambiguous, user bound elsewhere). */
void         rd_hub_bind_auto_async     (RdHub *self, gboolean dry_run, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
guint        rd_hub_bind_auto_finish    (RdHub *self, GAsyncResult *result, JsonArray **plan, GError **error);
/* @user: CRM user id, login or e-mail. Both sides are checked to exist. A portal or public user
 * needs @force (RD_ERROR_ACCESS otherwise, saying why that is risky). */
void         rd_hub_bind_async          (RdHub *self, const char *extension, const char *user, gboolean force,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_bind_finish         (RdHub *self, GAsyncResult *result, GError **error);
gboolean     rd_hub_unbind              (RdHub *self, const char *extension, GError **error);

/* Arrays of objects: users {id, name, login, email, type, admin, extension|null};
 * extensions {number, name, email, extension_id, user|null}. */
void         rd_hub_list_users_async    (RdHub *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
JsonArray   *rd_hub_list_users_finish   (RdHub *self, GAsyncResult *result, GError **error);
void         rd_hub_list_extensions_async (RdHub *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
JsonArray   *rd_hub_list_extensions_finish (RdHub *self, GAsyncResult *result, GError **error);

/* Contact sync. @kinds 0 = keep; @phonebook NULL = keep, else an id or a name:
 * an existing phonebook must be empty (RD_ERROR_CONFLICT otherwise), an unknown
 * name is created. */
void         rd_hub_configure_sync_async  (RdHub *self, gboolean enabled, RdCrmKind kinds,
                                           const char *phonebook, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_configure_sync_finish (RdHub *self, GAsyncResult *result, GError **error);

/* Auto-create. @calls 0 = keep; @kind 0 = keep (INDIVIDUAL or LEAD); @prefix NULL = keep. */
gboolean     rd_hub_configure_autocreate (RdHub *self, gboolean enabled, RdHubCalls calls,
                                          RdCrmKind kind, const char *prefix, GError **error);

/* Default region for numbers without a country code (NULL = the CRM company's country). */
gboolean     rd_hub_set_region          (RdHub *self, const char *region, GError **error);

/* Disable pauses all CRM work (no lookups; logs are queued) and keeps every setting. */
gboolean     rd_hub_set_enabled         (RdHub *self, gboolean enabled, GError **error);
/* Clears the CRM connection, bindings and options; the synced phonebook stays on the PBX. */
gboolean     rd_hub_disconnect_crm      (RdHub *self, GError **error);

/* Issues the agent key of @extension (replacing any older one, whose sessions end) to the
 * extension's current binding; shown once. The key ends with the binding. */
char        *rd_hub_issue_agent_key     (RdHub *self, const char *extension, GError **error);
/* Agent keys: [{id, extension, user:{id,name,login}|null, created, last_used|null, sessions}]. */
JsonArray   *rd_hub_list_agent_keys     (RdHub *self);
/* Deletes agent key @id (or, with @id 0, the key of @extension) and ends its sessions. */
gboolean     rd_hub_revoke_agent_key    (RdHub *self, gint64 id, const char *extension, GError **error);

/* Verifies CRM credentials without saving anything (a NULL API key: the saved one, for the
 * saved CRM). Result: {version, major, enterprise, leads, mobile, phone_search, country, timezone}. */
void         rd_hub_test_crm_async      (RdHub *self, const RdCrmConfig *config, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
JsonObject  *rd_hub_test_crm_finish     (RdHub *self, GAsyncResult *result, GError **error);
/* The certificate an https:// server presents: {sha256 (AA:BB:…), subject, issuer, not_before,
 * not_after, trusted (by the system's CAs, for that host), problems: […]}. */
void         rd_hub_probe_certificate_async  (RdHub *self, const char *url, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
JsonObject  *rd_hub_probe_certificate_finish (RdHub *self, GAsyncResult *result, GError **error);
/* How calls are written in the CRM (a done activity or a note); kept across reconnects. */
gboolean     rd_hub_set_log_style       (RdHub *self, RdCrmLogStyle style, GError **error);

/* Outbox items, newest first: {id, kind, state (pending|working|failed), attempts, next_attempt,
 * last_error, created, call_key|null}; @failed_only: the failed ones only. */
JsonArray   *rd_hub_list_outbox         (RdHub *self, gboolean failed_only, guint limit, GError **error);
/* Retries item @id now (a failed one starts over), or every failed item when @id is 0. */
gboolean     rd_hub_retry_outbox        (RdHub *self, gint64 id, guint *out_count, GError **error);
/* Calls of every extension, newest first: {key, start, direction, extension, user, from, to,
 * outcome, ring, talk, match:{kind,id,name,url}|null, log:{state,attempts,error}|null}. */
JsonArray   *rd_hub_list_calls          (RdHub *self, guint limit, GError **error);

/* The audit log: who changed what, when (never secrets). */
void         rd_hub_audit               (RdHub *self, const char *actor, const char *action, const char *detail);
/* Newest first: {time, actor, action, detail}. */
JsonArray   *rd_hub_list_audit          (RdHub *self, guint limit, GError **error);
/* Checks a CRM user's own login and API key and that the user administers the CRM (its
 * settings group); result {id, name, login}. One RD_ERROR_AUTH answer for every refusal. */
void         rd_hub_verify_crm_admin_async  (RdHub *self, const char *login, const char *key,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
JsonObject  *rd_hub_verify_crm_admin_finish (RdHub *self, GAsyncResult *result, GError **error);
/* A one-time sign-in URL of the web console (single use, 15 minutes). */
char        *rd_hub_issue_console_link  (RdHub *self, GError **error);

/* {hub, pbx:{state,message,url,kind,options:{…}}, crm:{state,message,url,kind,options:{…},login,version},
 *  (options: the backend's own settings that are not secrets, by admin API name: "client_id")
 *  sync:{…}, autocreate:{…}, bindings, agents, outbox:{pending,done,dead}, index:{numbers}} */
JsonObject  *rd_hub_get_status_json     (RdHub *self);

G_END_DECLS
