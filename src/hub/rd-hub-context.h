/* rd-hub-context.h — what the hub's parts (the outbox worker, rd-outbox-worker.h; the live-call
 * table, rd-call-table.h; the index keeper, rd-index-keeper.h) read from the engine and do not
 * own: the CRM and PBX connections and whether CRM work may run, the integration's settings,
 * the region for numbers, the caller lookup, the CRM link's state as agents see it; and where
 * the worker reports that the CRM refused the hub's credentials. The desk backend
 * (rd-hub-desk.h) reads the same. RdHub implements it (rd-hub-parts.c); tests use a fake
 * (tests/hub/fake-context.c).
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-phone.h"
#include "crm/rd-crm.h"
#include "hub/rd-hub-settings.h"
#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_TYPE_HUB_CONTEXT (rd_hub_context_get_type ())
G_DECLARE_INTERFACE (RdHubContext, rd_hub_context, RD, HUB_CONTEXT, GObject)

struct _RdHubContextInterface
{
  GTypeInterface parent_iface;

  /* Connected and enabled: CRM work may run. */
  gboolean             (*crm_ready)           (RdHubContext *self);
  /* A CRM is configured (connected or not, enabled or not). */
  gboolean             (*crm_configured)      (RdHubContext *self);
  /* The CRM's state for people: "not-configured", "disabled", "connected", "connecting",
   * "unreachable" or "failed"; @message (may be NULL) gets the last problem, or NULL. */
  const char          *(*crm_status)          (RdHubContext *self, const char **message);
  RdCrm               *(*get_crm)             (RdHubContext *self);   /* NULL: none */
  RdPbx               *(*get_pbx)             (RdHubContext *self);   /* NULL: none */
  const RdHubSettings *(*get_settings)        (RdHubContext *self);
  /* The region for numbers without a country code, or NULL. */
  const char          *(*get_region)          (RdHubContext *self);
  /* The records holding @number, best first (GPtrArray of RdCrmMatch, maybe empty). */
  void                 (*lookup_async)        (RdHubContext *self, const RdPhoneNumber *number,
                                               GCancellable *cancellable, GAsyncReadyCallback callback,
                                               gpointer user_data);
  GPtrArray           *(*lookup_finish)       (RdHubContext *self, GAsyncResult *result, GError **error);
  /* The same from the phone index alone, at once (never NULL). */
  GPtrArray           *(*lookup_local)        (RdHubContext *self, const RdPhoneNumber *number);
  /* The CRM refused the hub's credentials or rights (a revoked key, a removed right). */
  void                 (*credentials_refused) (RdHubContext *self, const char *message);
};

gboolean             rd_hub_context_crm_ready           (RdHubContext *self);
gboolean             rd_hub_context_crm_configured      (RdHubContext *self);
const char          *rd_hub_context_crm_status          (RdHubContext *self, const char **message);
RdCrm               *rd_hub_context_get_crm             (RdHubContext *self);
RdPbx               *rd_hub_context_get_pbx             (RdHubContext *self);
const RdHubSettings *rd_hub_context_get_settings        (RdHubContext *self);
const char          *rd_hub_context_get_region          (RdHubContext *self);
void                 rd_hub_context_lookup_async        (RdHubContext *self, const RdPhoneNumber *number,
                                                            GCancellable *cancellable,
                                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray           *rd_hub_context_lookup_finish       (RdHubContext *self, GAsyncResult *result,
                                                            GError **error);
GPtrArray           *rd_hub_context_lookup_local        (RdHubContext *self, const RdPhoneNumber *number);
void                 rd_hub_context_credentials_refused (RdHubContext *self, const char *message);

G_END_DECLS
