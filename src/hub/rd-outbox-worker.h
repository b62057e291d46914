/* rd-outbox-worker.h — the hub's outbox worker: every CRM and phonebook side effect of a call
 * (auto-create, call log, call-back, phonebook upsert), exactly once.
 *
 * The worker owns the work in progress: its leases on the durable outbox (rd-store.h), the
 * batch it claimed, its timer, the "begun" marks of side effects that may have happened and
 * the phonebook sync map (tables hub_outbox_begun and hub_sync_map). What it reads but does
 * not own (the CRM and PBX connections, the settings, the region, the caller lookup) comes
 * from an RdHubContext, the engine. All on the main context of the thread that made it.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-call.h"
#include "core/rd-store.h"
#include "hub/rd-bindings.h"
#include "hub/rd-hub-context.h"
#include "hub/rd-phone-index.h"

G_BEGIN_DECLS

#define RD_TYPE_OUTBOX_WORKER (rd_outbox_worker_get_type ())
G_DECLARE_FINAL_TYPE (RdOutboxWorker, rd_outbox_worker, RD, OUTBOX_WORKER, GObject)

/* Migrates the worker's tables, takes back the leases of an earlier process on @store, prunes
 * old done items. @context is not referenced: it must outlive the worker. @claimer names this
 * worker on its leases. */
RdOutboxWorker *rd_outbox_worker_new           (RdHubContext *context, RdStore *store, RdPhoneIndex *index,
                                                const char *claimer, GError **error);
/* Runs due items soon (from an idle), when the CRM is ready. */
void            rd_outbox_worker_kick          (RdOutboxWorker *self);
/* Stops for good: cancels the requests in flight (their leases stay until the next start). */
void            rd_outbox_worker_stop          (RdOutboxWorker *self);
/* Is a batch being worked through, or a kick queued? */
gboolean        rd_outbox_worker_is_busy       (RdOutboxWorker *self);

/* Enqueues the CRM work for a stored call (auto-create, call log, call-back); to be called
 * inside a store transaction. @match: the caller's record as the pop found it, or NULL. */
gboolean        rd_outbox_worker_enqueue_call  (RdOutboxWorker *self, const RdCallRecord *record,
                                                const RdBinding *binding, const RdPhoneNumber *remote,
                                                JsonObject *match, GError **error);
/* Enqueues a phonebook upsert of one CRM record (contact sync), when sync covers @kind. */
gboolean        rd_outbox_worker_enqueue_sync  (RdOutboxWorker *self, RdCrmKind kind, gint64 id,
                                                const char *reason, GError **error);
/* Forgets which PBX contact each CRM record was pushed as (the CRM was disconnected). */
gboolean        rd_outbox_worker_clear_sync_map (RdOutboxWorker *self, GError **error);

G_END_DECLS
