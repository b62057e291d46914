/* rd-hub-admin.h — the integration's administration: connect the PBX and the CRM (each
 * verified before it is saved), test a CRM, probe a certificate, bind extensions to CRM users
 * (by hand or by e-mail), list users and extensions, configure the phonebook sync and
 * auto-create, set the region, log style and enabled state, disconnect the CRM, issue, list
 * and revoke agent keys, verify a CRM administrator (the web console's sign-in).
 *
 * It owns no state of its own beyond its operations in flight: it works on the parts it is
 * given (RdHubAdminParts), reads the engine through an RdHubContext and asks it for what only
 * the engine does (take a new PBX or CRM, save the settings, report a change) through an
 * RdHubControl. RdHub exposes each operation as rd_hub_<operation>() (rd-hub.h), which
 * forwards here; the errors and results are described there. Main context only.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-store.h"
#include "hub/rd-bindings.h"
#include "hub/rd-call-table.h"
#include "hub/rd-crm-link.h"
#include "hub/rd-desk-server.h"
#include "hub/rd-hub-context.h"
#include "hub/rd-hub-control.h"
#include "hub/rd-hub.h"
#include "hub/rd-outbox-worker.h"
#include "hub/rd-pbx-link.h"
#include "hub/rd-phone-index.h"
#include "hub/rd-secrets.h"

G_BEGIN_DECLS

/* What the administration works on (all referenced; @desk_server may be NULL: no sessions to end). */
typedef struct {
  RdStore        *store;
  RdSecrets      *secrets;
  RdBindings     *bindings;
  RdPhoneIndex   *index;
  RdCrmLink      *crm_link;
  RdPbxLink      *pbx_link;
  RdCallTable    *calls;
  RdOutboxWorker *outbox;
  RdDeskServer   *desk_server;
} RdHubAdminParts;

#define RD_TYPE_HUB_ADMIN (rd_hub_admin_get_type ())
G_DECLARE_FINAL_TYPE (RdHubAdmin, rd_hub_admin, RD, HUB_ADMIN, GObject)

/* @context and @control (the engine) are not referenced: they must outlive the admin. */
RdHubAdmin  *rd_hub_admin_new                      (RdHubContext *context, RdHubControl *control,
                                                    const RdHubAdminParts *parts);

void         rd_hub_admin_connect_pbx_async        (RdHubAdmin *self, const RdPbxConfig *config,
                                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                                    gpointer user_data);
gboolean     rd_hub_admin_connect_pbx_finish       (RdHubAdmin *self, GAsyncResult *result, GError **error);
void         rd_hub_admin_connect_crm_async        (RdHubAdmin *self, const RdCrmConfig *config,
                                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                                    gpointer user_data);
gboolean     rd_hub_admin_connect_crm_finish       (RdHubAdmin *self, GAsyncResult *result, GError **error);
void         rd_hub_admin_bind_auto_async          (RdHubAdmin *self, gboolean dry_run, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
guint        rd_hub_admin_bind_auto_finish         (RdHubAdmin *self, GAsyncResult *result, JsonArray **plan,
                                                    GError **error);
void         rd_hub_admin_bind_async               (RdHubAdmin *self, const char *extension, const char *user,
                                                    gboolean force, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_admin_bind_finish              (RdHubAdmin *self, GAsyncResult *result, GError **error);
gboolean     rd_hub_admin_unbind                   (RdHubAdmin *self, const char *extension, GError **error);
void         rd_hub_admin_list_users_async         (RdHubAdmin *self, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
JsonArray   *rd_hub_admin_list_users_finish        (RdHubAdmin *self, GAsyncResult *result, GError **error);
void         rd_hub_admin_list_extensions_async    (RdHubAdmin *self, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
JsonArray   *rd_hub_admin_list_extensions_finish   (RdHubAdmin *self, GAsyncResult *result, GError **error);
void         rd_hub_admin_configure_sync_async     (RdHubAdmin *self, gboolean enabled, RdCrmKind kinds,
                                                    const char *phonebook, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_hub_admin_configure_sync_finish    (RdHubAdmin *self, GAsyncResult *result, GError **error);
gboolean     rd_hub_admin_configure_autocreate     (RdHubAdmin *self, gboolean enabled, RdHubCalls calls,
                                                    RdCrmKind kind, const char *prefix, GError **error);
gboolean     rd_hub_admin_set_region               (RdHubAdmin *self, const char *region, GError **error);
gboolean     rd_hub_admin_set_enabled              (RdHubAdmin *self, gboolean enabled, GError **error);
gboolean     rd_hub_admin_disconnect_crm           (RdHubAdmin *self, GError **error);
char        *rd_hub_admin_issue_agent_key          (RdHubAdmin *self, const char *extension, GError **error);
JsonArray   *rd_hub_admin_list_agent_keys          (RdHubAdmin *self);
gboolean     rd_hub_admin_revoke_agent_key         (RdHubAdmin *self, gint64 id, const char *extension,
                                                    GError **error);
void         rd_hub_admin_test_crm_async           (RdHubAdmin *self, const RdCrmConfig *config,
                                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                                    gpointer user_data);
JsonObject  *rd_hub_admin_test_crm_finish          (RdHubAdmin *self, GAsyncResult *result, GError **error);
void         rd_hub_admin_probe_certificate_async  (RdHubAdmin *self, const char *url, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
JsonObject  *rd_hub_admin_probe_certificate_finish (RdHubAdmin *self, GAsyncResult *result, GError **error);
gboolean     rd_hub_admin_set_log_style            (RdHubAdmin *self, RdCrmLogStyle style, GError **error);
void         rd_hub_admin_verify_crm_admin_async   (RdHubAdmin *self, const char *login, const char *key,
                                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                                    gpointer user_data);
JsonObject  *rd_hub_admin_verify_crm_admin_finish  (RdHubAdmin *self, GAsyncResult *result, GError **error);

G_END_DECLS
