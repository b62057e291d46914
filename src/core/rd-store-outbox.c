/* rd-store-outbox.c — the durable outbox of RdStore.
 *
 * Life of an item: PENDING → (claim) CLAIMED → DONE, or back to PENDING with a
 * backoff (fail), or DEAD (permanent fail). A claim is one UPDATE … RETURNING,
 * so two workers (threads or processes) never get the same item. The lease
 * protects work in progress: complete/fail only succeed for the claimer that
 * holds the item now, so a worker whose lease ran out and whose item was
 * claimed again by another worker gets RD_ERROR_CONFLICT instead of
 * overwriting the other worker's outcome.
 *
 * Exactly once: the store guarantees that an item is completed at most once and
 * is claimable until it is completed (or dead). An effect recorded in this same
 * database inside the transaction that calls rd_store_outbox_complete() therefore
 * happens exactly once, crashes included. An effect outside the database (an
 * CRM write) happens at least once; it is made exactly once by its idempotency
 * key (the item key), which the worker checks with the peer before re-posting
 * after an uncertain failure.
 */
#include "config.h"

#include "rd-store-private.h"

#include "rd-error.h"

#include <string.h>

#define OUTBOX_COLUMNS "id, key, kind, payload, state, attempts, next_attempt, last_error, created"

void
rd_outbox_item_free (RdOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->key);
  g_free (item->kind);
  g_free (item->payload);
  g_free (item->last_error);
  g_free (item);
}

static RdOutboxItem *
read_item (RdStoreStmt *stmt)
{
  RdOutboxItem *item = g_new0 (RdOutboxItem, 1);

  item->id = sqlite3_column_int64 (stmt, 0);
  item->key = rd_store_column_dup (stmt, 1);
  item->kind = rd_store_column_dup (stmt, 2);
  item->payload = rd_store_column_dup (stmt, 3);
  item->state = (RdOutboxState) sqlite3_column_int (stmt, 4);
  item->attempts = (guint) sqlite3_column_int64 (stmt, 5);
  item->next_attempt = sqlite3_column_int64 (stmt, 6);
  item->last_error = rd_store_column_dup (stmt, 7);
  item->created = sqlite3_column_int64 (stmt, 8);
  return item;
}

static gboolean
check_text (const char *what, const char *text, GError **error)
{
  if (text != NULL && *text != '\0')
    return TRUE;
  g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Outbox: the %s must not be empty", what);
  return FALSE;
}

gboolean
rd_store_outbox_enqueue (RdStore    *self,
                         const char *key,
                         const char *kind,
                         const char *payload,
                         gboolean   *out_inserted,
                         GError    **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  gint64 now;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_text ("idempotency key", key, error) || !check_text ("kind", kind, error) ||
      !check_text ("payload", payload, error))
    return FALSE;

  /* json_valid() here rather than only the CHECK constraint: a clear error. */
  stmt = rd_store_stmt (self,
                        "INSERT INTO outbox (key, kind, payload, next_attempt, created, updated) "
                        "SELECT ?1, ?2, ?3, ?4, ?4, ?4 WHERE json_valid (?3) "
                        "ON CONFLICT (key) DO NOTHING RETURNING id",
                        error);
  if (stmt == NULL)
    return FALSE;
  now = rd_store_now (self);
  rd_store_bind_text (stmt, 1, key);
  rd_store_bind_text (stmt, 2, kind);
  rd_store_bind_text (stmt, 3, payload);
  sqlite3_bind_int64 (stmt, 4, now);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      if (out_inserted != NULL)
        *out_inserted = TRUE;
      return rd_store_stmt_done (self, stmt, "enqueuing", error);
    case SQLITE_DONE:
      break;
    default:
      rd_store_set_db_error (self, error, "enqueuing");
      return FALSE;
    }
  rd_store_stmt_reset (stmt);

  /* Nothing inserted: a duplicate key, or a payload that is not JSON. */
  stmt = rd_store_stmt (self, "SELECT json_valid (?1)", error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, payload);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      rd_store_set_db_error (self, error, "checking a payload");
      return FALSE;
    }
  if (sqlite3_column_int (stmt, 0) == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Outbox: the payload of “%s” is not valid JSON", kind);
      return FALSE;
    }
  if (out_inserted != NULL)
    *out_inserted = FALSE;
  return TRUE;
}

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  const RdOutboxItem *ia = *(RdOutboxItem * const *) a;
  const RdOutboxItem *ib = *(RdOutboxItem * const *) b;

  return (ia->id > ib->id) - (ia->id < ib->id);
}

GPtrArray *
rd_store_outbox_claim (RdStore    *self,
                       const char *claimer,
                       guint       max,
                       guint       lease_seconds,
                       GError    **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(RdStoreStmt) stmt = NULL;
  gint64 now;
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_text ("claimer", claimer, error))
    return NULL;
  if (lease_seconds == 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "Outbox: a lease must last at least one second");
      return NULL;
    }
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_outbox_item_free);
  if (max == 0)
    return g_steal_pointer (&items);

  /* One statement: atomic against other connections and processes. */
  stmt = rd_store_stmt (self,
                        "UPDATE outbox SET state = 1, claimer = ?1, lease_until = ?2 + ?3,"
                        " updated = ?2 "
                        "WHERE id IN (SELECT id FROM outbox"
                        "             WHERE (state = 0 AND next_attempt <= ?2)"
                        "                OR (state = 1 AND lease_until <= ?2)"
                        "             ORDER BY id LIMIT ?4) "
                        "RETURNING " OUTBOX_COLUMNS,
                        error);
  if (stmt == NULL)
    return NULL;
  now = rd_store_now (self);
  rd_store_bind_text (stmt, 1, claimer);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_int64 (stmt, 3, lease_seconds);
  sqlite3_bind_int64 (stmt, 4, max);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, read_item (stmt));
  if (rc != SQLITE_DONE)
    {
      rd_store_set_db_error (self, error, "claiming");
      return NULL;
    }
  /* RETURNING gives no order guarantee. */
  g_ptr_array_sort (items, compare_ids);
  return g_steal_pointer (&items);
}

/* Inside a transaction: checks that @claimer holds item @id, and reads its attempts. */
static gboolean
check_holder (RdStore *self, gint64 id, const char *claimer, guint *out_attempts, GError **error)
{
  g_autoptr(RdStoreStmt) stmt =
    rd_store_stmt (self, "SELECT state, claimer, attempts FROM outbox WHERE id = ?1", error);
  const char *holder;
  int state;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND,
                   "Outbox: no item %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      rd_store_set_db_error (self, error, "reading an item");
      return FALSE;
    }
  state = sqlite3_column_int (stmt, 0);
  holder = (const char *) sqlite3_column_text (stmt, 1);
  if (state != RD_OUTBOX_CLAIMED || g_strcmp0 (holder, claimer) != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_CONFLICT,
                   "Outbox: item %" G_GINT64_FORMAT " is not held by “%s” any more (%s)",
                   id, claimer,
                   state == RD_OUTBOX_CLAIMED ? "claimed again by another worker" :
                   state == RD_OUTBOX_DONE ? "already completed" :
                   state == RD_OUTBOX_DEAD ? "dead" : "released");
      return FALSE;
    }
  *out_attempts = (guint) sqlite3_column_int64 (stmt, 2);
  return TRUE;
}

/* Runs @update (binding ?1 = id, ?2 = now, then @extra) if @claimer holds @id. */
static gboolean
finish_item (RdStore     *self,
             gint64       id,
             const char  *claimer,
             const char  *update,
             void       (*bind_extra) (RdStore *, RdStoreStmt *, guint, gpointer),
             gpointer     data,
             GError     **error)
{
  RdStoreStmt *stmt;
  guint attempts = 0;

  if (!check_text ("claimer", claimer, error))
    return FALSE;
  if (!rd_store_begin (self, error))
    return FALSE;
  if (!check_holder (self, id, claimer, &attempts, error))
    goto fail;
  stmt = rd_store_stmt (self, update, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, rd_store_now (self));
  if (bind_extra != NULL)
    bind_extra (self, stmt, attempts, data);
  if (!rd_store_stmt_done (self, stmt, "updating an item", error))
    goto fail;
  return rd_store_commit (self, error);

fail:
  rd_store_rollback (self);
  return FALSE;
}

gboolean
rd_store_outbox_complete (RdStore    *self,
                          gint64      id,
                          const char *claimer,
                          GError    **error)
{
  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return finish_item (self, id, claimer,
                      "UPDATE outbox SET state = 2, claimer = NULL, lease_until = NULL,"
                      " updated = ?2 WHERE id = ?1",
                      NULL, NULL, error);
}

/* min (base · 2^(attempts-1), max), then up to 20 % shaved off at random so
 * that items failing together do not retry together; never below 1 s. */
static gint64
backoff_delay (RdStore *self, guint attempts)
{
  gint64 delay = self->backoff_max;
  guint shift = attempts > 0 ? attempts - 1 : 0;

  if (shift < 32 && ((gint64) self->backoff_base << shift) < self->backoff_max)
    delay = (gint64) self->backoff_base << shift;
  delay -= (gint64) (delay * 0.2 * g_rand_double (self->rand));
  return MAX (delay, 1);
}

typedef struct {
  const char *error_text;
  gboolean    permanent;
} FailData;

static void
bind_fail (RdStore *self, RdStoreStmt *stmt, guint attempts, gpointer data)
{
  FailData *fail = data;
  guint now_attempts = attempts + 1;

  sqlite3_bind_int (stmt, 3, fail->permanent ? RD_OUTBOX_DEAD : RD_OUTBOX_PENDING);
  sqlite3_bind_int64 (stmt, 4, now_attempts);
  sqlite3_bind_int64 (stmt, 5, backoff_delay (self, now_attempts));
  rd_store_bind_text (stmt, 6, fail->error_text);
}

gboolean
rd_store_outbox_fail (RdStore    *self,
                      gint64      id,
                      const char *claimer,
                      const char *error_text,
                      gboolean    permanent,
                      GError    **error)
{
  FailData data = { error_text, permanent };

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A dead item keeps its last next_attempt: nothing is due any more. */
  return finish_item (self, id, claimer,
                      "UPDATE outbox SET state = ?3, attempts = ?4,"
                      " next_attempt = CASE WHEN ?3 = 3 THEN next_attempt ELSE ?2 + ?5 END,"
                      " last_error = ?6, claimer = NULL, lease_until = NULL, updated = ?2"
                      " WHERE id = ?1",
                      bind_fail, &data, error);
}

gboolean
rd_store_outbox_release (RdStore *self, const char *claimer, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  guint released;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = rd_store_stmt (self,
                        "UPDATE outbox SET state = 0, claimer = NULL, lease_until = NULL,"
                        " updated = ?2 WHERE state = 1 AND (?1 IS NULL OR claimer = ?1)",
                        error);
  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, claimer);
  sqlite3_bind_int64 (stmt, 2, rd_store_now (self));
  if (!rd_store_stmt_done (self, stmt, "releasing leases", error))
    return FALSE;
  released = (guint) sqlite3_changes (self->db);
  if (released > 0)
    g_debug ("Released %u outbox lease(s)", released);
  return TRUE;
}

guint
rd_store_outbox_count (RdStore *self, RdOutboxState state)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_STORE (self), 0);

  stmt = rd_store_stmt_or_warn (self, "SELECT count(*) FROM outbox WHERE state = ?1");
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int (stmt, 1, state);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      rd_store_warn_db_error (self, "counting items");
      return 0;
    }
  return (guint) sqlite3_column_int64 (stmt, 0);
}

gint64
rd_store_outbox_next_due (RdStore *self)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_STORE (self), -1);

  stmt = rd_store_stmt_or_warn (self, "SELECT min (next_attempt) FROM outbox WHERE state = 0");
  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      rd_store_warn_db_error (self, "reading the next due item");
      return -1;
    }
  if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

RdOutboxItem *
rd_store_outbox_get (RdStore *self, const char *key)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  stmt = rd_store_stmt_or_warn (self, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE key = ?1");
  if (stmt == NULL)
    return NULL;
  rd_store_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return read_item (stmt);
  if (rc != SQLITE_DONE)
    rd_store_warn_db_error (self, "reading an item");
  return NULL;
}

void
rd_store_outbox_set_backoff (RdStore *self, guint base_seconds, guint max_seconds)
{
  g_return_if_fail (RD_IS_STORE (self));

  self->backoff_base = MAX (base_seconds, 1);
  self->backoff_max = MAX (max_seconds, self->backoff_base);
}

gboolean
rd_store_outbox_prune (RdStore *self, gint64 age_seconds, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (age_seconds < 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "Outbox: the prune age must not be negative");
      return FALSE;
    }
  stmt = rd_store_stmt (self, "DELETE FROM outbox WHERE state = 2 AND updated <= ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rd_store_now (self) - age_seconds);
  return rd_store_stmt_done (self, stmt, "pruning", error);
}

GPtrArray *
rd_store_outbox_list (RdStore *self, guint states, guint limit, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_outbox_item_free);
  int rc;

  g_return_val_if_fail (RD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Newest first; the state set is a bit mask (1 << RdOutboxState). */
  stmt = rd_store_stmt (self, "SELECT " OUTBOX_COLUMNS " FROM outbox"
                        " WHERE ((1 << state) & ?1) != 0 ORDER BY id DESC LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, (int) states);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, read_item (stmt));
  if (rc != SQLITE_DONE)
    {
      rd_store_set_db_error (self, error, "Outbox: listing items");
      return NULL;
    }
  return g_steal_pointer (&items);
}

gboolean
rd_store_outbox_retry (RdStore *self, gint64 id, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = NULL;
  int rc;
  RdOutboxState state;

  g_return_val_if_fail (RD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!rd_store_begin (self, error))
    return FALSE;
  stmt = rd_store_stmt (self, "SELECT state FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "Outbox: there is no item %" G_GINT64_FORMAT, id);
      else
        rd_store_set_db_error (self, error, "Outbox: reading an item");
      goto fail;
    }
  state = (RdOutboxState) sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, rd_store_stmt_reset);
  if (state == RD_OUTBOX_CLAIMED)
    return rd_store_commit (self, error);   /* a worker is on it right now: as due as it gets */
  if (state == RD_OUTBOX_DONE)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_CONFLICT, "Outbox: item %" G_GINT64_FORMAT " is already done", id);
      goto fail;
    }
  /* A dead item starts over with a fresh backoff; a waiting one is simply due now. */
  stmt = rd_store_stmt (self, "UPDATE outbox SET state = 0, next_attempt = ?2, updated = ?2,"
                        " attempts = CASE WHEN state = 3 THEN 0 ELSE attempts END WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, rd_store_now (self));
  if (!rd_store_stmt_done (self, stmt, "retrying an item", error))
    goto fail;
  return rd_store_commit (self, error);

fail:
  rd_store_rollback (self);
  return FALSE;
}
