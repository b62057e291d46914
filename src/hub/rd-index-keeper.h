/* rd-index-keeper.h — keeps the hub's phone index in step with its CRM: the RdIndexSync of the
 * CRM in use, the refresh every few seconds (45 by default) and the reconciliation every ten
 * minutes while the CRM is ready (RdHubContext), one pass at a time, a reconciliation asked for
 * during a refresh or before the first fill run after it; whether the first fill since the CRM
 * was set finished, and when the last refresh did.
 *
 * Signal: "filled" () when the first fill since rd_index_keeper_set_crm() finished.
 * The context is not referenced: it must outlive the keeper's use (rd_index_keeper_set_crm
 * (NULL) ends it). Main context only.
 */
#pragma once

#include "crm/rd-crm.h"
#include "hub/rd-hub-context.h"
#include "hub/rd-index-sync.h"
#include "hub/rd-phone-index.h"

G_BEGIN_DECLS

#define RD_TYPE_INDEX_KEEPER (rd_index_keeper_get_type ())
G_DECLARE_FINAL_TYPE (RdIndexKeeper, rd_index_keeper, RD, INDEX_KEEPER, GObject)

RdIndexKeeper *rd_index_keeper_new          (RdHubContext *context);
/* The index to keep; before the first rd_index_keeper_set_crm() with a CRM. */
void           rd_index_keeper_set_index    (RdIndexKeeper *self, RdPhoneIndex *index);
/* The CRM to keep the index in step with (NULL: none), its requests cancelled with
 * @cancellable: a pass of the previous one is forgotten, the index counts as not filled. */
void           rd_index_keeper_set_crm      (RdIndexKeeper *self, RdCrm *crm, GCancellable *cancellable);
/* Timers run between start and stop (periods of 0: no timer). */
void           rd_index_keeper_start        (RdIndexKeeper *self);
void           rd_index_keeper_stop         (RdIndexKeeper *self);
void           rd_index_keeper_set_periods  (RdIndexKeeper *self, guint refresh_seconds, guint reconcile_seconds);
void           rd_index_keeper_get_periods  (RdIndexKeeper *self, guint *refresh_seconds, guint *reconcile_seconds);
void           rd_index_keeper_set_limits   (RdIndexKeeper *self, const RdIndexSyncLimits *limits);
/* Refreshes now unless a pass runs or the CRM is not ready. */
void           rd_index_keeper_refresh      (RdIndexKeeper *self);
/* Reconciles now, or after the running pass or the first fill. */
void           rd_index_keeper_reconcile    (RdIndexKeeper *self);
gboolean       rd_index_keeper_is_filled    (RdIndexKeeper *self);
/* Unix seconds of the last finished refresh, 0: none. */
gint64         rd_index_keeper_get_refreshed (RdIndexKeeper *self);
RdIndexSync   *rd_index_keeper_get_sync     (RdIndexKeeper *self);   /* NULL without a CRM */

G_END_DECLS
