/* rd-hub-private.h — RdHub internals shared by its source files:
 *   rd-hub.c          lifecycle, listener, the PBX link's (rd-pbx-link.c) and the CRM link's (rd-crm-link.c) signals,
 *                     the index keeper's (rd-index-keeper.c), settings, status
 *   rd-hub-calls.c    the caller lookup, end-of-call records (store + outbox); live events go to
 *                     the live-call table (rd-call-table.c)
 *   rd-hub-parts.c    the hub as its parts' context (RdHubContext) and as what the administration
 *                     controls (RdHubControl); the hub's API forwarding to the administration
 *                     (rd-hub-admin.c) and the activity listings (rd-hub-activity.c); the outbox
 *                     worker's handle (rd-outbox-worker.c)
 * The agent backend is rd-hub-desk.c. Also read by rd-admin-commands.c (the hub's readings
 * below) and by the end-to-end tests (the accessors at the end).
 */
#pragma once

#include "core/rd-phone.h"
#include "core/rd-store.h"
#include "hub/rd-admin-server.h"
#include "hub/rd-audit-log.h"
#include "hub/rd-bindings.h"
#include "hub/rd-call-table.h"
#include "hub/rd-crm-link.h"
#include "hub/rd-desk-frames.h"
#include "hub/rd-desk-server.h"
#include "hub/console/rd-console.h"
#include "hub/rd-hub.h"
#include "hub/rd-hub-activity.h"
#include "hub/rd-hub-admin.h"
#include "hub/rd-hub-control.h"
#include "hub/rd-hub-desk.h"
#include "hub/rd-hub-settings.h"
#include "hub/rd-index-keeper.h"
#include "hub/rd-listener.h"
#include "hub/rd-outbox-worker.h"
#include "hub/rd-pbx-link.h"
#include "hub/rd-phone-index.h"
#include "hub/rd-secrets.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RD_HUB_DEFAULT_PREFIX "Automatic New Contact - "

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
  RdDeskServer   *agent_server;
  RdHubAdmin     *admin;            /* connect, bind, sync, keys …; NULL until started */
  RdHubActivity  *activity;         /* outbox and call listings, the audit log; NULL until started */
  RdHubDesk      *desk;             /* the agent server's backend, NULL until started */
  RdAdminServer  *admin_server;     /* the admin socket, or NULL */
  RdConsole      *console;          /* the web console, or NULL */
  guint           port;
  gboolean        tls;
  guint           sigterm_id;

  RdPbxLink      *pbx_link;         /* the PBX, its session and high-water mark; NULL until started */

  RdCrmLink      *crm_link;         /* the CRM, its state, retries and probe */

  RdCallTable    *calls;            /* the live-call table, NULL until started */

  RdOutboxWorker *outbox;           /* NULL until started */
  guint           retry_base;
  guint           retry_max;

  RdIndexKeeper  *index_keeper;     /* the index's sync with the CRM, its timers, the first fill */
};

/* rd-hub.c */
void        rd_hub_load_settings       (RdHub *self);
gboolean    rd_hub_save_settings       (RdHub *self, const RdHubSettings *settings, GError **error);
void        rd_hub_emit_status         (RdHub *self);
/* The region for caller numbers: the override, else the CRM company's country. */
const char *rd_hub_region              (RdHub *self);
/* Why there is no region and how to set one, or NULL when there is one (or no CRM yet). */
const char *rd_hub_region_note         (RdHub *self);
/* Parses a number with the hub's region and rules; never NULL for non-hostile text. */
RdPhoneNumber *rd_hub_parse_number     (RdHub *self, const char *text, GError **error);
gboolean    rd_hub_crm_ready           (RdHub *self);   /* connected and enabled */
const char *rd_hub_crm_state_string    (RdHub *self);
/* What auto-create makes of a caller: "individual", "lead", or "opportunity" (leads asked for,
 * but the CRM has them turned off); and a sentence saying so in that case, else NULL. */
const char *rd_hub_autocreate_creates  (RdHub *self, const char **out_note);
void        rd_hub_set_pbx             (RdHub *self, RdPbx *pbx);
/* Wires @pbx's calls, records and dial failures to the engine (once). */
void        rd_hub_attach_pbx          (RdHub *self, RdPbx *pbx);
void        rd_hub_start_saved_pbx     (RdHub *self);
void        rd_hub_set_crm             (RdHub *self, RdCrm *crm);
void        rd_hub_refresh_index       (RdHub *self);
RdCrm      *rd_hub_create_crm          (RdHub *self, const RdCrmConfig *config, GError **error);
/* An RdCrmMatch with url filled in from the CRM (when connected). */
void        rd_hub_fill_match_url      (RdHub *self, RdCrmMatch *match);
const char *rd_hub_kind_string         (RdCrmKind kinds, char buffer[64]);
/* "inbound,outbound" → flags; unknown words are an RD_ERROR_INVALID_INPUT error. */
RdHubCalls  rd_hub_calls_from_string   (const char *text, GError **error);

/* rd-hub-calls.c */
void        rd_hub_on_call_event       (RdPbx *pbx, RdCallEvent *event, RdHub *self);
void        rd_hub_on_call_record      (RdPbx *pbx, RdCallRecord *record, RdHub *self);
void        rd_hub_on_dial_failed      (RdPbx *pbx, const char *call_id, const char *reason, RdHub *self);
/* The live-call table's frames, to the agent protocol server. */
void        rd_hub_on_calls_send       (RdCallTable *calls, const char *extension, JsonObject *frame, RdHub *self);
/* The best match for @number: the phone index; on a miss and when the CRM is
 * ready, one CRM search. Result: GPtrArray of RdCrmMatch (maybe empty). */
void        rd_hub_lookup_async        (RdHub *self, const RdPhoneNumber *number, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
GPtrArray  *rd_hub_lookup_finish       (RdHub *self, GAsyncResult *result, GError **error);
GPtrArray  *rd_hub_lookup_local        (RdHub *self, const RdPhoneNumber *number);

/* rd-hub-parts.c: the hub as the context of its parts, its handle on the outbox worker */
void        rd_hub_parts_context_iface_init (RdHubContextInterface *iface);
void        rd_hub_parts_control_iface_init (RdHubControlInterface *iface);
gboolean    rd_hub_outbox_init         (RdHub *self, GError **error);
/* Runs due items soon. */
void        rd_hub_outbox_kick         (RdHub *self);
void        rd_hub_outbox_stop         (RdHub *self);

RdStore    *rd_hub_get_store           (RdHub *self);
RdPhoneIndex *rd_hub_get_phone_index   (RdHub *self);
RdDeskServer *rd_hub_get_agent_server (RdHub *self);
RdListener *rd_hub_get_listener        (RdHub *self);
RdPbx      *rd_hub_get_pbx             (RdHub *self);
RdCrm      *rd_hub_get_crm             (RdHub *self);

G_END_DECLS
