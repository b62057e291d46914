/* rd-outbox-context.h — what the outbox worker (rd-outbox-worker.h) needs from the engine and
 * does not own: the CRM and PBX connections and whether CRM work may run, the integration's
 * settings, the region for numbers, the caller lookup; and where it reports that the CRM
 * refused the hub's credentials. RdHub implements it (rd-hub-outbox.c); tests use a fake.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-phone.h"
#include "crm/rd-crm.h"
#include "hub/rd-hub-settings.h"
#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_TYPE_OUTBOX_CONTEXT (rd_outbox_context_get_type ())
G_DECLARE_INTERFACE (RdOutboxContext, rd_outbox_context, RD, OUTBOX_CONTEXT, GObject)

struct _RdOutboxContextInterface
{
  GTypeInterface parent_iface;

  /* Connected and enabled: CRM work may run. */
  gboolean             (*crm_ready)           (RdOutboxContext *self);
  RdCrm               *(*get_crm)             (RdOutboxContext *self);   /* NULL: none */
  RdPbx               *(*get_pbx)             (RdOutboxContext *self);   /* NULL: none */
  const RdHubSettings *(*get_settings)        (RdOutboxContext *self);
  /* The region for numbers without a country code, or NULL. */
  const char          *(*get_region)          (RdOutboxContext *self);
  /* The records holding @number, best first (GPtrArray of RdCrmMatch, maybe empty). */
  void                 (*lookup_async)        (RdOutboxContext *self, const RdPhoneNumber *number,
                                               GCancellable *cancellable, GAsyncReadyCallback callback,
                                               gpointer user_data);
  GPtrArray           *(*lookup_finish)       (RdOutboxContext *self, GAsyncResult *result, GError **error);
  /* The CRM refused the hub's credentials or rights (a revoked key, a removed right). */
  void                 (*credentials_refused) (RdOutboxContext *self, const char *message);
};

gboolean             rd_outbox_context_crm_ready           (RdOutboxContext *self);
RdCrm               *rd_outbox_context_get_crm             (RdOutboxContext *self);
RdPbx               *rd_outbox_context_get_pbx             (RdOutboxContext *self);
const RdHubSettings *rd_outbox_context_get_settings        (RdOutboxContext *self);
const char          *rd_outbox_context_get_region          (RdOutboxContext *self);
void                 rd_outbox_context_lookup_async        (RdOutboxContext *self, const RdPhoneNumber *number,
                                                            GCancellable *cancellable,
                                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray           *rd_outbox_context_lookup_finish       (RdOutboxContext *self, GAsyncResult *result,
                                                            GError **error);
void                 rd_outbox_context_credentials_refused (RdOutboxContext *self, const char *message);

G_END_DECLS
