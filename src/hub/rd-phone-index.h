/* rd-phone-index.h — the hub's own index of the CRM's phone numbers.
 *
 * Keys are E.164 numbers (or, for numbers libphonenumber rejects, their dialable
 * digits); values are the CRM records holding them (kind, id, display name,
 * company). Kept in the hub's SQLite store (component "phone-index"), filled at
 * connect from rd_crm_list_changes() and kept fresh by periodic refreshes and
 * immediate puts after the hub creates or edits a record, so a caller lookup
 * costs no CRM round trip. A page of changes is applied in one transaction with
 * prepared statements, together with the per-kind cursor, so a fill of millions
 * of records survives interruption and resumes where it stopped.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-phone.h"
#include "core/rd-store.h"
#include "crm/rd-crm.h"

G_BEGIN_DECLS

#define RD_TYPE_PHONE_INDEX (rd_phone_index_get_type ())
G_DECLARE_FINAL_TYPE (RdPhoneIndex, rd_phone_index, RD, PHONE_INDEX, GObject)

/* Migrates the index tables of @store. */
RdPhoneIndex *rd_phone_index_new           (RdStore *store, GError **error);
/* Region for records without a country of their own ("CN"); NULL = international only. */
void          rd_phone_index_set_region    (RdPhoneIndex *self, const char *region);

/* The index key of a parsed number, or NULL for withheld / internal numbers. */
char         *rd_phone_index_key_for       (const RdPhoneNumber *number);
/* Can @number be looked up (it has a key: an external or unparsed public number)? */
gboolean      rd_phone_index_is_searchable (const RdPhoneNumber *number);

/* Records holding @number, best first (individual, company, lead; newest write
 * first). Element type RdCrmMatch with kind, id, name, company, write_date set
 * (url and numbers are not). Empty array on a miss. */
GPtrArray    *rd_phone_index_lookup        (RdPhoneIndex *self, const RdPhoneNumber *number,
                                            GError **error);

/* Applies @changes (element type RdCrmChange) of @kind in one transaction and,
 * when @next_mark is not NULL, stores the kind's cursor with it. */
gboolean      rd_phone_index_apply         (RdPhoneIndex *self, RdCrmKind kind, GPtrArray *changes,
                                            const char *next_mark, gint64 next_after_id,
                                            GError **error);
/* Puts one record (from a CRM reply) into the index at once. */
gboolean      rd_phone_index_put_match     (RdPhoneIndex *self, const RdCrmMatch *match,
                                            GError **error);
/* Forgets one record (the CRM said it no longer exists). */
gboolean      rd_phone_index_forget        (RdPhoneIndex *self, RdCrmKind kind, gint64 id,
                                            GError **error);
/* Forgets every number and cursor (CRM disconnected). */
gboolean      rd_phone_index_clear         (RdPhoneIndex *self, GError **error);
guint         rd_phone_index_count_numbers (RdPhoneIndex *self);
/* The cursor of @kind (NULL = never filled). */
char         *rd_phone_index_get_cursor    (RdPhoneIndex *self, RdCrmKind kind, gint64 *out_after_id);

/* Pages rd_crm_list_changes() for each kind in @kinds until the CRM has nothing
 * more, applying each page. Kinds the CRM does not have (RD_ERROR_UNAVAILABLE)
 * are skipped. */
void          rd_phone_index_refresh_async (RdPhoneIndex *self, RdCrm *crm, RdCrmKind kinds,
                                            guint page_size, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* Returns the number of changed records applied, -1 on error. */
gint64        rd_phone_index_refresh_finish (RdPhoneIndex *self, GAsyncResult *result,
                                             GError **error);
/* TRUE while a refresh runs, with the kind it pages now and the records it has read so far. */
gboolean      rd_phone_index_get_progress  (RdPhoneIndex *self, RdCrmKind *out_kind, gint64 *out_read);

G_END_DECLS
