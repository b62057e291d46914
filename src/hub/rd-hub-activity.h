/* rd-hub-activity.h — what the hub did, for its administrators: the outbox items (and retrying
 * the failed ones), the calls of every extension with their CRM record and the state of their
 * log, the audit log of administrative changes.
 *
 * It reads the store, the bindings and the audit log it is given; the region, the CRM (for
 * record URLs) and the phone index's answer come through an RdHubContext, and a retry is
 * reported through an RdHubControl (the outbox has work, the status changed). RdHub exposes
 * these as rd_hub_list_outbox() and the like (rd-hub.h). Main context only.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-store.h"
#include "hub/rd-audit-log.h"
#include "hub/rd-bindings.h"
#include "hub/rd-hub-context.h"
#include "hub/rd-hub-control.h"

G_BEGIN_DECLS

#define RD_TYPE_HUB_ACTIVITY (rd_hub_activity_get_type ())
G_DECLARE_FINAL_TYPE (RdHubActivity, rd_hub_activity, RD, HUB_ACTIVITY, GObject)

/* @context and @control (the engine) are not referenced: they must outlive the activity. */
RdHubActivity *rd_hub_activity_new          (RdHubContext *context, RdHubControl *control, RdStore *store,
                                             RdBindings *bindings, RdAuditLog *audit);
/* As rd_hub_list_outbox(), rd_hub_retry_outbox(), rd_hub_list_calls(), rd_hub_audit() and
 * rd_hub_list_audit() (rd-hub.h). */
JsonArray     *rd_hub_activity_list_outbox  (RdHubActivity *self, gboolean failed_only, guint limit,
                                             GError **error);
gboolean       rd_hub_activity_retry_outbox (RdHubActivity *self, gint64 id, guint *out_count, GError **error);
JsonArray     *rd_hub_activity_list_calls   (RdHubActivity *self, guint limit, GError **error);
void           rd_hub_activity_audit        (RdHubActivity *self, const char *actor, const char *action,
                                             const char *detail);
JsonArray     *rd_hub_activity_list_audit   (RdHubActivity *self, guint limit, GError **error);

G_END_DECLS
