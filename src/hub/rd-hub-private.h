/* rd-hub-private.h — RdHub internals shared by its source files:
 *   rd-hub.c          lifecycle, listener, PBX/CRM connections, settings, status
 *   rd-hub-calls.c    live call events (pop), end-of-call records (store + outbox)
 *   rd-hub-outbox.c   the outbox worker: call logs, call-backs, auto-create, phonebook sync
 *   rd-hub-admin.c    administration (bind, sync, auto-create, enable, disconnect, keys)
 *   rd-hub-backend.c  the RdAgentBackend implementation (agent sign-in, dial, lookup …)
 *   rd-hub-activity.c outbox listing and retry, recent calls, the audit log
 * plus test hooks (backend factories) for the hub's own tests.
 */
#pragma once

#include "core/rd-phone.h"
#include "core/rd-store.h"
#include "hub/rd-admin-server.h"
#include "hub/rd-agent-frames.h"
#include "hub/rd-agent-server.h"
#include "hub/rd-audit-log.h"
#include "hub/rd-bindings.h"
#include "hub/console/rd-console.h"
#include "hub/rd-hub.h"
#include "hub/rd-index-sync.h"
#include "hub/rd-listener.h"
#include "hub/rd-phone-index.h"
#include "hub/rd-secrets.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum {
  RD_HUB_CRM_NOT_CONFIGURED,
  RD_HUB_CRM_CONNECTING,
  RD_HUB_CRM_CONNECTED,
  RD_HUB_CRM_FAILED,
  RD_HUB_CRM_UNREACHABLE,    /* connected before, requests get no answer now: probed until they do */
} RdHubCrmState;

/* The integration's settings, cached from the store's settings table. */
typedef struct {
  gboolean    enabled;             /* crm.enabled */
  gint64      epoch;               /* crm.epoch: bumped by disconnect; older outbox items are dropped */
  gboolean    sync_enabled;
  RdCrmKind   sync_kinds;
  gint64      sync_phonebook_id;
  char       *sync_phonebook_name;
  gboolean    autocreate_enabled;
  RdHubCalls  autocreate_calls;
  RdCrmKind   autocreate_kind;     /* INDIVIDUAL or LEAD */
  char       *autocreate_prefix;
  char       *region;              /* override of the CRM company's country, or NULL */
} RdHubSettings;

#define RD_HUB_DEFAULT_PREFIX "Automatic New Contact - "

typedef RdPbx *(*RdHubPbxFactory) (const RdPbxConfig *config, gpointer data, GError **error);
typedef RdCrm *(*RdHubCrmFactory) (const RdCrmConfig *config, gpointer data, GError **error);

struct _RdHub
{
  GObject         parent_instance;

  RdHubOptions    options;
  GCancellable   *cancellable;
  gboolean        started;
  gboolean        stopping;

  RdStore        *store;
  RdBindings     *bindings;
  RdPhoneIndex   *index;
  RdSecrets      *secrets;
  RdAuditLog     *audit;
  RdHubSettings   settings;

  SoupServer     *server;
  RdListener     *listener;
  RdAgentServer  *agent_server;
  RdAdminServer  *admin;
  RdConsole      *console;          /* the web console, or NULL */
  guint           port;
  gboolean        tls;
  guint           sigterm_id;

  RdPbx          *pbx;
  char           *pbx_problem;      /* why the saved PBX could not be started, or NULL */
  GCancellable   *pbx_cancellable;
  gint64          pbx_mark_saved;

  RdCrm          *crm;
  GCancellable   *crm_cancellable;
  RdHubCrmState   crm_state;
  char           *crm_message;
  guint           crm_retry_id;
  guint           crm_retry_delay;
  guint           crm_probe_id;

  GHashTable     *calls;            /* "call_id\x1fextension" → live call (rd-hub-calls.c) */
  GHashTable     *dialed;           /* call id → extension that dialed it (agent dial) */

  char           *claimer;
  GPtrArray      *outbox_batch;     /* RdOutboxItem claimed and not yet processed */
  guint           outbox_timer_id;
  gboolean        outbox_busy;
  gboolean        outbox_again;
  guint           retry_base;
  guint           retry_max;

  RdIndexSync    *index_sync;       /* with the CRM */
  RdIndexSyncLimits index_limits;
  guint           index_timer_id;
  guint           index_period;
  guint           reconcile_timer_id;
  guint           reconcile_period;
  gboolean        index_busy;       /* a refresh or a reconciliation runs */
  gboolean        reconcile_due;    /* a reconciliation waits for the refresh to end */
  gboolean        index_filled;     /* the first fill after connect finished */
  gint64          index_refreshed;  /* unix seconds of the last finished refresh, 0 = none */

  RdHubPbxFactory pbx_factory;
  RdHubCrmFactory crm_factory;
  gpointer        factory_data;
};

/* rd-hub.c */
void        rd_hub_settings_clear      (RdHubSettings *settings);
void        rd_hub_load_settings       (RdHub *self);
gboolean    rd_hub_save_settings       (RdHub *self, const RdHubSettings *settings, GError **error);
void        rd_hub_emit_status         (RdHub *self);
/* The region for caller numbers: the override, else the CRM company's country. */
const char *rd_hub_region              (RdHub *self);
/* Why there is no region and how to set one, or NULL when there is one (or no CRM yet). */
const char *rd_hub_region_note         (RdHub *self);
/* Parses a number with the hub's region and rules; never NULL for non-hostile text. */
RdPhoneNumber *rd_hub_parse_number     (RdHub *self, const char *text, GError **error);
/* Can @number be looked up (an external or unparsed public number)? */
gboolean    rd_hub_number_is_searchable (const RdPhoneNumber *number);
gboolean    rd_hub_crm_ready           (RdHub *self);   /* connected and enabled */
const char *rd_hub_crm_state_string    (RdHub *self);
/* What auto-create makes of a caller: "individual", "lead", or "opportunity" (leads asked for,
 * but the CRM has them turned off); and a sentence saying so in that case, else NULL. */
const char *rd_hub_autocreate_creates  (RdHub *self, const char **out_note);
void        rd_hub_set_pbx             (RdHub *self, RdPbx *pbx);
void        rd_hub_start_saved_pbx     (RdHub *self);
/* Keeps what @pbx needs to take over its PBX session after a restart (NULL: nothing). */
void        rd_hub_save_pbx_session    (RdHub *self, RdPbx *pbx);
void        rd_hub_set_crm             (RdHub *self, RdCrm *crm);
void        rd_hub_refresh_index       (RdHub *self);
void        rd_hub_reconcile_index     (RdHub *self);
RdPbx      *rd_hub_create_pbx          (RdHub *self, const RdPbxConfig *config, GError **error);
RdCrm      *rd_hub_create_crm          (RdHub *self, const RdCrmConfig *config, GError **error);
/* An RdCrmMatch with url filled in from the CRM (when connected). */
void        rd_hub_fill_match_url      (RdHub *self, RdCrmMatch *match);
const char *rd_hub_kind_string         (RdCrmKind kinds, char buffer[64]);
/* {version, major, enterprise, leads, mobile, phone_search, country, timezone} */
JsonObject *rd_hub_crm_info_to_json    (const RdCrmInfo *info);
/* "inbound,outbound" → flags; unknown words are an RD_ERROR_INVALID_INPUT error. */
RdHubCalls  rd_hub_calls_from_string   (const char *text, GError **error);

/* rd-hub-calls.c */
void        rd_hub_calls_init          (RdHub *self);
void        rd_hub_on_call_event       (RdPbx *pbx, RdCallEvent *event, RdHub *self);
void        rd_hub_on_call_record      (RdPbx *pbx, RdCallRecord *record, RdHub *self);
void        rd_hub_on_dial_failed      (RdPbx *pbx, const char *call_id, const char *reason, RdHub *self);
/* The best match for @number: the phone index; on a miss and when the CRM is
 * ready, one CRM search. Result: GPtrArray of RdCrmMatch (maybe empty). */
void        rd_hub_lookup_async        (RdHub *self, const RdPhoneNumber *number, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
GPtrArray  *rd_hub_lookup_finish       (RdHub *self, GAsyncResult *result, GError **error);
GPtrArray  *rd_hub_lookup_local        (RdHub *self, const RdPhoneNumber *number);
/* The legs in progress kept at the last stop: back as live calls (call at start). */
void        rd_hub_calls_restore       (RdHub *self);
/* The live legs (RdCallEvent copies), for a PBX backend to adopt. */
GPtrArray  *rd_hub_calls_dup_legs      (RdHub *self);
/* The "call" frames of @extension's calls in progress (for a signing-in agent). */
JsonArray  *rd_hub_calls_snapshot      (RdHub *self, const char *extension);
/* Ends every live leg for its agent (the PBX they were on is gone). */
void        rd_hub_calls_end_all       (RdHub *self);
/* Remembers which extension dialed @call_id, so a later dial failure reaches that agent. */
void        rd_hub_remember_dial       (RdHub *self, const char *call_id, const char *extension);

/* rd-hub-outbox.c */
gboolean    rd_hub_outbox_init         (RdHub *self, GError **error);
/* Runs due items now (or soon). */
void        rd_hub_outbox_kick         (RdHub *self);
void        rd_hub_outbox_stop         (RdHub *self);
/* Enqueues the CRM work for a stored call; to be called inside a store transaction. */
gboolean    rd_hub_outbox_enqueue_call (RdHub *self, const RdCallRecord *record, const RdBinding *binding,
                                        const RdPhoneNumber *remote, JsonObject *match, GError **error);
/* Enqueues a phonebook upsert of one CRM record (contact sync). */
gboolean    rd_hub_outbox_enqueue_sync (RdHub *self, RdCrmKind kind, gint64 id, const char *reason,
                                        GError **error);
gboolean    rd_hub_sync_map_clear      (RdHub *self, GError **error);

/* rd-hub-backend.c */
void        rd_hub_backend_iface_init  (RdAgentBackendInterface *iface);
JsonObject *rd_hub_agent_status        (RdHub *self);

/* Test hooks: construct PBX / CRM backends through these instead of rd_pbx_new / rd_crm_new. */
void        rd_hub_set_backend_factories (RdHub *self, RdHubPbxFactory pbx_factory,
                                          RdHubCrmFactory crm_factory, gpointer data);
RdStore    *rd_hub_get_store           (RdHub *self);
RdPhoneIndex *rd_hub_get_phone_index   (RdHub *self);
RdAgentServer *rd_hub_get_agent_server (RdHub *self);
RdListener *rd_hub_get_listener        (RdHub *self);
RdPbx      *rd_hub_get_pbx             (RdHub *self);
RdCrm      *rd_hub_get_crm             (RdHub *self);

G_END_DECLS
