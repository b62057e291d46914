/* rd-phone-index.h — the hub's own index of the CRM's phone numbers.
 *
 * Keys are E.164 numbers (or, for numbers libphonenumber rejects, their dialable
 * digits); values are the CRM records holding them (kind, id, display name,
 * company). Kept in an SQLite database file of its own next to the hub's store
 * (rd_phone_index_file_for: hub.db → hub-index.db; an in-memory store keeps it
 * itself), filled and kept fresh by RdIndexSync (rd-index-sync.h) and by
 * immediate puts after the hub creates or edits a record, so a caller lookup
 * costs no CRM round trip. Its own file: the fill's bulk writes hold that file's
 * write lock, never the store's, so the main loop's writes (calls, outbox) never
 * wait for them, and lookups (WAL readers) never wait at all.
 *
 * Writes come in batches (rd-index-batch.h) whose keys were parsed on a worker
 * thread, applied a bounded number of records per transaction so the main loop
 * is never held for long. The state of each id space (how far the first fill
 * got, the highest id seen, where the edit sweep and the reconciliation are) is
 * kept here too, so an interrupted fill resumes where it stopped.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-phone.h"
#include "core/rd-store.h"
#include "crm/rd-crm.h"
#include "hub/rd-index-batch.h"

G_BEGIN_DECLS

#define RD_TYPE_PHONE_INDEX (rd_phone_index_get_type ())
G_DECLARE_FINAL_TYPE (RdPhoneIndex, rd_phone_index, RD, PHONE_INDEX, GObject)

/* Where the enumeration of one id space stands. */
typedef struct {
  gboolean filled;        /* the first fill finished */
  gint64   fill_next;     /* first fill: every id below this was read */
  gint64   fill_end;      /* first fill: ids up to here (the highest when it began) */
  gint64   max_id;        /* the highest id read; newer records come after it */
  char    *mark;          /* edit sweep: records written after this mark are read again */
  char    *next_mark;     /* edit sweep: the mark of the next round */
  gint64   sweep_id;      /* edit sweep: the next window starts at this id */
  gint64   reconcile_id;  /* reconciliation: the next range starts at this id */
} RdIndexSpace;

void          rd_index_space_free          (RdIndexSpace *space);
RdIndexSpace *rd_index_space_copy          (const RdIndexSpace *space);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdIndexSpace, rd_index_space_free)

/* Opens the index kept beside @store (creating and migrating its file; an index that an
 * older version kept inside @store is moved there once); for an in-memory @store, in it. */
RdPhoneIndex *rd_phone_index_new           (RdStore *store, GError **error);
/* The index's database file for a store at @store_path (NULL for an in-memory store). */
char         *rd_phone_index_file_for      (const char *store_path);
/* Region for records without a country of their own ("CN"); NULL = international only. */
void          rd_phone_index_set_region    (RdPhoneIndex *self, const char *region);
/* The CRM's id spaces (rd_crm_info_id_spaces): a record that changes kind within
 * its space replaces its old entry. Default: every kind a space of its own. */
void          rd_phone_index_set_id_spaces (RdPhoneIndex *self, const RdCrmKind spaces[4]);
/* The space @kind belongs to. */
RdCrmKind     rd_phone_index_space_of      (RdPhoneIndex *self, RdCrmKind kind);

/* The index key of a parsed number, or NULL for withheld / internal numbers. */
char         *rd_phone_index_key_for       (const RdPhoneNumber *number);
/* Can @number be looked up (it has a key: an external or unparsed public number)? */
gboolean      rd_phone_index_is_searchable (const RdPhoneNumber *number);

/* Records holding @number, best first (individual, company, lead; newest write
 * first). Element type RdCrmMatch with kind, id, name, company, write_date set
 * (url and numbers are not). Empty array on a miss. */
GPtrArray    *rd_phone_index_lookup        (RdPhoneIndex *self, const RdPhoneNumber *number,
                                            GError **error);

/* Writes @changes (RdCrmChange of @space; their strings are taken) into the index:
 * keys parsed on a worker thread, then, for a database file, written there too on
 * a second connection (transactions of a thousand records, not fsync'ed one by
 * one); for an in-memory database, written on the main loop a few hundred records
 * per iteration. A clear() meanwhile makes it stop (G_IO_ERROR_CANCELLED). */
void          rd_phone_index_apply_async   (RdPhoneIndex *self, RdCrmKind space, GPtrArray *changes,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean      rd_phone_index_apply_finish  (RdPhoneIndex *self, GAsyncResult *result, GError **error);
/* The same at once, in one transaction on the calling (main) thread. */
gboolean      rd_phone_index_apply         (RdPhoneIndex *self, RdCrmKind space, GPtrArray *changes,
                                            GError **error);
/* Puts one record (from a CRM reply) into the index at once; while a bulk write holds the index's
 * file, right after its current chunk, from a worker thread (the main loop never waits for it). */
gboolean      rd_phone_index_put_match     (RdPhoneIndex *self, const RdCrmMatch *match,
                                            GError **error);
/* Forgets one record (the CRM said it no longer exists). */
gboolean      rd_phone_index_forget        (RdPhoneIndex *self, RdCrmKind kind, gint64 id,
                                            GError **error);
/* Ids (ascending, gint64) of the indexed records of @space with @first_id <= id < @end_id
 * (@end_id 0 = no bound). */
GArray       *rd_phone_index_list_ids      (RdPhoneIndex *self, RdCrmKind space, gint64 first_id,
                                            gint64 end_id, GError **error);
/* Forgets the records of @space with these ids (any kind of the space), in one transaction. */
gboolean      rd_phone_index_forget_ids    (RdPhoneIndex *self, RdCrmKind space, GArray *ids,
                                            GError **error);
/* Forgets every number and every space's state (CRM disconnected). */
gboolean      rd_phone_index_clear         (RdPhoneIndex *self, GError **error);
guint         rd_phone_index_count_numbers (RdPhoneIndex *self);
/* The bulk writer's page cache in bytes (-1: no writer connection). Once no bulk write
 * (rd_phone_index_apply_async) has run for a few seconds, it is given back: a filled index keeps
 * no fill's cache. */
gint64        rd_phone_index_get_writer_cache_bytes (RdPhoneIndex *self);

/* The state of @space; NULL = never enumerated. */
RdIndexSpace *rd_phone_index_get_space     (RdPhoneIndex *self, RdCrmKind space);
gboolean      rd_phone_index_set_space     (RdPhoneIndex *self, RdCrmKind space, const RdIndexSpace *state,
                                            GError **error);
/* The same only if no bulk write holds the index's file now (then at once); otherwise nothing is
 * written, *@out_saved is FALSE and the result TRUE: for progress saved now and then. */
gboolean      rd_phone_index_set_space_if_idle (RdPhoneIndex *self, RdCrmKind space,
                                                const RdIndexSpace *state, gboolean *out_saved,
                                                GError **error);

G_END_DECLS
