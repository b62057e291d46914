/* rd-index-sync.h — keeps the phone index in step with the CRM.
 *
 * The CRM is read by ranges of record ids, one id space at a time (rd-crm.h):
 *
 *  - First fill: the ids 1..max (the highest when it began) in ranges sized to
 *    hold about `page_rows` records each, several requested side by side — as many
 *    as the CRM answers without slowing down (RdFlowWindow, at most
 *    `max_in_flight`) — while the answers already in are parsed and keyed on
 *    worker threads and written in bounded transactions. An interrupted fill
 *    resumes after the last range written in order.
 *  - Refresh (every period): ONE query per space: the records created since
 *    (id > the highest seen) or written since the sweep mark inside one window of
 *    `sweep_span` ids. The window moves on every pass; a round over all ids
 *    starts again with the mark taken when the previous round began, so an edit
 *    anywhere is seen within one round (ids / sweep_span passes). For Odoo that is
 *    an OR of two primary-key ranges, where asking for everything written since a
 *    mark would scan the whole table (write_date has no index).
 *  - Reconciliation (its own period): the ids of each space, ids only, in ranges of
 *    `reconcile_span`; whatever the index holds that the CRM no longer lists was
 *    deleted or archived and leaves the index.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm/rd-crm.h"
#include "hub/rd-phone-index.h"

G_BEGIN_DECLS

typedef struct {
  guint  page_rows;        /* records per first-fill request (10000) */
  guint  max_in_flight;    /* first-fill requests in flight at most (4; 1 = one at a time) */
  gint64 sweep_span;       /* ids per refresh window (100000) */
  gint64 reconcile_span;   /* ids per reconciliation request (50000) */
} RdIndexSyncLimits;

#define RD_TYPE_INDEX_SYNC (rd_index_sync_get_type ())
G_DECLARE_FINAL_TYPE (RdIndexSync, rd_index_sync, RD, INDEX_SYNC, GObject)

RdIndexSync *rd_index_sync_new              (RdPhoneIndex *index, RdCrm *crm);
void         rd_index_sync_default_limits   (RdIndexSyncLimits *out);
/* Zero members keep the default. */
void         rd_index_sync_set_limits       (RdIndexSync *self, const RdIndexSyncLimits *limits);
void         rd_index_sync_get_limits       (RdIndexSync *self, RdIndexSyncLimits *out);

/* One pass over every id space of the CRM: the first fill where it is not done
 * (or its remainder), then one refresh query. *out_changed: records written. A
 * pass and a reconciliation must not run at once (the caller serialises them). */
void         rd_index_sync_refresh_async    (RdIndexSync *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_index_sync_refresh_finish   (RdIndexSync *self, GAsyncResult *result,
                                             gint64 *out_changed, GError **error);
/* One reconciliation round over every filled space. *out_removed: records dropped. */
void         rd_index_sync_reconcile_async  (RdIndexSync *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean     rd_index_sync_reconcile_finish (RdIndexSync *self, GAsyncResult *result,
                                             gint64 *out_removed, GError **error);

/* Figures for the hub's status: filling (bool), fill progress (0..1), window,
 * window changes, records written and removed, duration of the last passes. */
JsonObject  *rd_index_sync_get_status       (RdIndexSync *self);
/* TRUE while a refresh pass runs (the first fill is one: the caller knows whether the index is
 * filled), with the id space it reads now (e.g. individuals and companies) and the records it has
 * written so far. */
gboolean     rd_index_sync_get_fill         (RdIndexSync *self, RdCrmKind *out_space, gint64 *out_read);

G_END_DECLS
