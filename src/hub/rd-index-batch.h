/* rd-index-batch.h — a page of CRM records made ready for the phone index.
 *
 * Turning a record's numbers into index keys means a libphonenumber parse per
 * number: the dearest part of filling an index of a million contacts. A batch
 * does it without touching the database, so it runs on a worker thread
 * (rd_index_batch_new_async) while the main loop goes on with lookups and pops;
 * the main thread then writes it with rd_phone_index_apply_batch().
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-phone.h"
#include "crm/rd-crm.h"

G_BEGIN_DECLS

typedef struct {
  RdCrmKind  kind;
  gint64     id;
  char      *name;
  char      *company;
  char      *write_date;
  char     **keys;        /* NULL-terminated; empty: drop the record from the index */
} RdIndexRecord;

typedef struct {
  RdCrmKind  space;       /* the id space the records come from (rd_crm_info_id_spaces) */
  GPtrArray *records;     /* RdIndexRecord, in the order of the changes */
  guint      applied;     /* records written so far (rd_phone_index_apply_batch) */
  guint      n_numbers;   /* keys in all records */
} RdIndexBatch;

/* The index key of a parsed number: its E.164 form, else its dialable digits
 * (5 or more); NULL for withheld, internal or too short numbers. */
char         *rd_index_key_for          (const RdPhoneNumber *number);
/* Keys of @numbers (as stored in the CRM), parsed with @country, else @region;
 * duplicates dropped. Thread-safe. */
char        **rd_index_keys_for_numbers (const char * const *numbers, const char *country, const char *region);

/* Takes the changes' strings (@changes stays valid, its strings may be gone). Thread-safe. */
RdIndexBatch *rd_index_batch_new        (RdCrmKind space, GPtrArray *changes, const char *region);
void          rd_index_batch_free       (RdIndexBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdIndexBatch, rd_index_batch_free)

/* rd_index_batch_new() on a worker thread; @changes is referenced until then. */
void          rd_index_batch_new_async  (RdCrmKind space, GPtrArray *changes, const char *region,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
RdIndexBatch *rd_index_batch_new_finish (GAsyncResult *result, GError **error);

G_END_DECLS
