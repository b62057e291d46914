/* rd-store.h — durable state in SQLite (WAL, foreign keys, busy timeout).
 *
 * One RdStore per database file. The store owns the schema of its own tables
 * (settings, calls, outbox) and lets higher layers keep their own tables with
 * per-component forward migrations (rd_store_migrate()).
 *
 * The durable outbox: every side effect on the CRM (a call log, an auto-create,
 * a phonebook upsert) is enqueued under a unique idempotency key; a duplicate
 * enqueue is a no-op. Workers claim due items under a lease, then complete them
 * or fail them (exponential backoff with a last-error text). Items whose claimer
 * died are claimable again when the lease runs out.
 *
 * All calls are synchronous and short; the store is used from the main thread.
 *
 * Durability: WAL with synchronous=FULL, so a call that returned TRUE (or a
 * rd_store_commit()) is on disk: it survives a process crash and a power loss.
 * Except between rd_store_relaxed_begin() and _end() (rd-store-sync.c): those
 * commits survive a process crash at once and a power loss a few milliseconds
 * later, once the store's sync thread has synced them; rd_store_sync_async()
 * tells when.
 * Errors are RD_ERROR_FAILED unless stated (messages carry the SQLite code).
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "rd-call.h"

G_BEGIN_DECLS

#define RD_TYPE_STORE (rd_store_get_type ())
G_DECLARE_FINAL_TYPE (RdStore, rd_store, RD, STORE, GObject)

typedef enum {
  RD_OUTBOX_PENDING,    /* waiting (maybe until next_attempt) */
  RD_OUTBOX_CLAIMED,    /* leased by a worker */
  RD_OUTBOX_DONE,
  RD_OUTBOX_DEAD,       /* failed permanently; kept for inspection */
} RdOutboxState;

typedef struct {
  gint64         id;
  char          *key;           /* idempotency key, unique */
  char          *kind;          /* e.g. "call-log", "auto-create", "phonebook-upsert" */
  char          *payload;       /* JSON text */
  RdOutboxState  state;
  guint          attempts;      /* failed attempts so far */
  gint64         next_attempt;  /* unix seconds */
  char          *last_error;    /* may be NULL */
  gint64         created;       /* unix seconds */
} RdOutboxItem;

void          rd_outbox_item_free (RdOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdOutboxItem, rd_outbox_item_free)

/* Opens (creating if needed) and migrates the database. @path may be ":memory:". */
RdStore      *rd_store_open             (const char  *path,
                                         GError     **error);
/* Opens (creating if needed) a database for a layer's tables alone: the store's own tables
 * (settings, calls, outbox …) are not created, everything else (WAL, the main-loop busy
 * handling, checkpoints off the main loop, migrations, transactions) is as rd_store_open(). */
RdStore      *rd_store_open_empty       (const char  *path,
                                         GError     **error);
sqlite3      *rd_store_get_db           (RdStore     *self);   /* for layer-owned tables */
const char   *rd_store_get_path         (RdStore     *self);

/* Per-component schema: applies migrations[current..n-1] in one transaction each,
 * recording the component's version. @migrations are SQL scripts, index i takes
 * the schema from version i to i+1. */
gboolean      rd_store_migrate          (RdStore     *self,
                                         const char  *component,
                                         const char * const *migrations,
                                         guint        n_migrations,
                                         GError     **error);
int           rd_store_get_schema_version (RdStore *self, const char *component);

/* Transactions (nestable through savepoints). */
gboolean      rd_store_begin            (RdStore *self, GError **error);
gboolean      rd_store_commit           (RdStore *self, GError **error);
void          rd_store_rollback         (RdStore *self);

/* Relaxed commits (rd-store-sync.c). The disk sync (milliseconds; tens of them while something
 * else writes a lot) is the one slow part of a commit, and the main loop must not wait for it
 * where nothing depends on it yet: the commits made between rd_store_relaxed_begin() and
 * rd_store_relaxed_end() (outside a transaction; they nest) return without syncing, and a
 * thread of the store syncs them right after. Only for writes that a power cut may take back
 * (a suffix of them, never a part of one: WAL order) without harm, or that nothing outside the
 * hub sees before rd_store_sync_async() says they are on disk. */
void          rd_store_relaxed_begin    (RdStore *self);
void          rd_store_relaxed_end      (RdStore *self);
/* Completes (on the caller's main context) once every commit made so far is on disk. */
void          rd_store_sync_async       (RdStore *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean      rd_store_sync_finish      (RdStore *self, GAsyncResult *result, GError **error);

/* Small key/value settings (not for secrets). */
char         *rd_store_get_setting      (RdStore *self, const char *key);          /* NULL if absent */
gboolean      rd_store_set_setting      (RdStore *self, const char *key,
                                         const char *value, GError **error);       /* NULL deletes */
gint64        rd_store_get_setting_int  (RdStore *self, const char *key, gint64 fallback);
gboolean      rd_store_set_setting_int  (RdStore *self, const char *key,
                                         gint64 value, GError **error);

/* Call records, keyed by rd_call_record_key(). @match_json is the CRM match
 * the hub attached (may be NULL). Returns TRUE on success, FALSE with @error set
 * on failure (GLib convention); *@out_inserted is TRUE when the key was new and
 * FALSE when it was already present (then the row is updated; a NULL
 * @match_json keeps the match stored earlier). A record with neither uid nor
 * call_id is refused (RD_ERROR_INVALID_INPUT). */
gboolean      rd_store_call_upsert      (RdStore            *self,
                                         const RdCallRecord *record,
                                         const char         *match_json,
                                         gboolean           *out_inserted,
                                         GError            **error);
/* Legs in progress (what agents were shown), kept so that a restart can carry on. */
/* Stores @event as the leg's last state; a NULL @match_json keeps the stored match. */
gboolean      rd_store_live_call_put    (RdStore           *self,
                                         const RdCallEvent *event,
                                         const char        *match_json,
                                         GError           **error);
gboolean      rd_store_live_call_remove (RdStore *self, const char *call_id, const char *extension,
                                         GError **error);
/* Every leg (RdCallEvent, last state) with its match JSON in the parallel @out_matches
 * (char*, may hold NULL); legs not updated for @max_age_s seconds are dropped first. */
GPtrArray    *rd_store_live_calls_list  (RdStore     *self,
                                         gint64       max_age_s,
                                         GPtrArray  **out_matches,
                                         GError     **error);

/* Newest first (start time, then insertion); @extension may be NULL for all;
 * @limit 0 means no limit. Element type RdCallRecord; the
 * match JSON of each row in the parallel @out_matches (element type char*, may hold NULL). */
GPtrArray    *rd_store_calls_recent     (RdStore     *self,
                                         const char  *extension,
                                         guint        limit,
                                         GPtrArray  **out_matches,
                                         GError     **error);
gboolean      rd_store_call_exists      (RdStore *self, const char *key);

/* Outbox. @key, @kind must be non-empty; @payload must be valid JSON
 * (RD_ERROR_INVALID_INPUT otherwise). A duplicate @key is a no-op that
 * succeeds with *@out_inserted = FALSE. */
gboolean      rd_store_outbox_enqueue   (RdStore     *self,
                                         const char  *key,
                                         const char  *kind,
                                         const char  *payload,
                                         gboolean    *out_inserted,
                                         GError     **error);
/* Claims up to @max due items (pending with next_attempt <= now, or claimed with
 * an expired lease) for @claimer, leasing them for @lease_seconds. Oldest first.
 * Element type RdOutboxItem. */
GPtrArray    *rd_store_outbox_claim     (RdStore     *self,
                                         const char  *claimer,
                                         guint        max,
                                         guint        lease_seconds,
                                         GError     **error);
/* complete/fail succeed only for the claimer that holds the item now:
 * RD_ERROR_CONFLICT when it was claimed again by another worker (after the
 * lease ran out), released, completed or dead; RD_ERROR_NOT_FOUND for an
 * unknown id. A holder whose lease ran out but was not re-claimed may still
 * finish its item. Complete inside your own rd_store_begin() transaction to
 * make a database-side effect atomic with the completion. */
gboolean      rd_store_outbox_complete  (RdStore     *self,
                                         gint64       id,
                                         const char  *claimer,
                                         GError     **error);
/* Backoff: next_attempt = now + min(base * 2^(attempts-1), max), minus up to
 * 20 % at random (jitter), at least 1 s; @error_text is kept as last_error;
 * @permanent moves the item to DEAD. */
gboolean      rd_store_outbox_fail      (RdStore     *self,
                                         gint64       id,
                                         const char  *claimer,
                                         const char  *error_text,
                                         gboolean     permanent,
                                         GError     **error);
/* Gives back every lease held by @claimer (NULL = all claimers): start-up after a crash. */
gboolean      rd_store_outbox_release   (RdStore *self, const char *claimer, GError **error);
guint         rd_store_outbox_count     (RdStore *self, RdOutboxState state);
/* Unix seconds of the earliest pending next_attempt, or -1 when nothing is pending. */
gint64        rd_store_outbox_next_due  (RdStore *self);
RdOutboxItem *rd_store_outbox_get       (RdStore *self, const char *key);
/* Items whose state is in @states (a mask of 1 << RdOutboxState), newest first,
 * at most @limit (0 = all). Element type RdOutboxItem. */
GPtrArray    *rd_store_outbox_list      (RdStore *self, guint states, guint limit, GError **error);
/* Makes a pending item due now, or gives a dead one a fresh start (attempts 0); a claimed
 * item is left to its worker (TRUE). RD_ERROR_NOT_FOUND for an unknown id,
 * RD_ERROR_CONFLICT for a done item. */
gboolean      rd_store_outbox_retry     (RdStore *self, gint64 id, GError **error);
/* Default 2 s → 600 s; base is at least 1 s, max at least base. */
void          rd_store_outbox_set_backoff (RdStore *self, guint base_seconds, guint max_seconds);
/* Removes DONE items older than @age_seconds. */
gboolean      rd_store_outbox_prune     (RdStore *self, gint64 age_seconds, GError **error);

/* Test hook: a clock override (unix seconds); 0 restores the real clock. */
void          rd_store_set_clock        (RdStore *self, gint64 now);

G_END_DECLS
