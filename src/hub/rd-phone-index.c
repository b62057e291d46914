#include "config.h"

#include "hub/rd-phone-index.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#include <string.h>

struct _RdPhoneIndex
{
  GObject       parent_instance;

  RdStore      *store;
  sqlite3      *db;
  char         *region;
  RdPhoneRules  rules;

  /* The refresh under way, for the console's progress: records read so far and the kind now paged. */
  gboolean      refreshing;
  RdCrmKind     refresh_kind;
  gint64        refresh_read;
};

G_DEFINE_FINAL_TYPE (RdPhoneIndex, rd_phone_index, G_TYPE_OBJECT)

/* Schema v1: records, their numbers (key → record) and one cursor per kind. */
static const char * const migrations[] = {
  "CREATE TABLE phone_index_record ("
  "  kind INTEGER NOT NULL, rec_id INTEGER NOT NULL,"
  "  name TEXT, company TEXT, write_date TEXT,"
  "  PRIMARY KEY (kind, rec_id)) WITHOUT ROWID;"
  "CREATE TABLE phone_index_number ("
  "  key TEXT NOT NULL, kind INTEGER NOT NULL, rec_id INTEGER NOT NULL,"
  "  PRIMARY KEY (key, kind, rec_id)) WITHOUT ROWID;"
  "CREATE INDEX phone_index_number_rec ON phone_index_number (kind, rec_id);"
  "CREATE TABLE phone_index_cursor ("
  "  kind INTEGER PRIMARY KEY, mark TEXT, after_id INTEGER NOT NULL DEFAULT 0);",
};

enum {
  STMT_DELETE_NUMBERS,
  STMT_DELETE_RECORD,
  STMT_UPSERT_RECORD,
  STMT_INSERT_NUMBER,
  STMT_LOOKUP,
  STMT_SET_CURSOR,
  STMT_GET_CURSOR,
  STMT_COUNT,
};

static const char * const stmt_sql[] = {
  [STMT_DELETE_NUMBERS] = "DELETE FROM phone_index_number WHERE kind = ?1 AND rec_id = ?2",
  [STMT_DELETE_RECORD] = "DELETE FROM phone_index_record WHERE kind = ?1 AND rec_id = ?2",
  [STMT_UPSERT_RECORD] = "INSERT INTO phone_index_record (kind, rec_id, name, company, write_date)"
                         " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, rec_id) DO UPDATE SET"
                         " name = excluded.name, company = excluded.company,"
                         " write_date = excluded.write_date",
  [STMT_INSERT_NUMBER] = "INSERT OR IGNORE INTO phone_index_number (key, kind, rec_id) VALUES (?1, ?2, ?3)",
  [STMT_LOOKUP] = "SELECT r.kind, r.rec_id, r.name, r.company, r.write_date"
                  " FROM phone_index_number n JOIN phone_index_record r"
                  " ON r.kind = n.kind AND r.rec_id = n.rec_id WHERE n.key = ?1"
                  " ORDER BY r.kind ASC, r.write_date DESC, r.rec_id DESC LIMIT 20",
  [STMT_SET_CURSOR] = "INSERT INTO phone_index_cursor (kind, mark, after_id) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT (kind) DO UPDATE SET mark = excluded.mark, after_id = excluded.after_id",
  [STMT_GET_CURSOR] = "SELECT mark, after_id FROM phone_index_cursor WHERE kind = ?1",
  [STMT_COUNT] = "SELECT count(*) FROM phone_index_number",
};

static void
rd_phone_index_finalize (GObject *object)
{
  RdPhoneIndex *self = RD_PHONE_INDEX (object);

  g_clear_object (&self->store);
  g_free (self->region);
  rd_phone_rules_clear (&self->rules);
  G_OBJECT_CLASS (rd_phone_index_parent_class)->finalize (object);
}

static void
rd_phone_index_class_init (RdPhoneIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_phone_index_finalize;
}

static void
rd_phone_index_init (RdPhoneIndex *self)
{
  rd_phone_rules_init (&self->rules);
}

/* The store's cached statement, reset and ready to bind. */
static RdStoreStmt *
stmt (RdPhoneIndex *self, guint which, GError **error)
{
  RdStoreStmt *s = rd_store_stmt (self->store, stmt_sql[which], error);

  if (s != NULL)
    rd_store_stmt_reset (s);
  return s;
}

RdPhoneIndex *
rd_phone_index_new (RdStore *store, GError **error)
{
  g_autoptr(RdPhoneIndex) self = NULL;

  g_return_val_if_fail (RD_IS_STORE (store), NULL);

  if (!rd_store_migrate (store, "phone-index", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;

  self = g_object_new (RD_TYPE_PHONE_INDEX, NULL);
  self->store = g_object_ref (store);
  self->db = rd_store_get_db (store);
  return g_steal_pointer (&self);
}

void
rd_phone_index_set_region (RdPhoneIndex *self, const char *region)
{
  g_return_if_fail (RD_IS_PHONE_INDEX (self));
  g_free (self->region);
  self->region = g_strdup (region);
}

char *
rd_phone_index_key_for (const RdPhoneNumber *number)
{
  if (number == NULL)
    return NULL;
  if (number->kind == RD_NUMBER_EXTERNAL && number->e164 != NULL)
    return g_strdup (number->e164);
  if ((number->kind == RD_NUMBER_EXTERNAL || number->kind == RD_NUMBER_INVALID) &&
      number->digits != NULL && strlen (number->digits) >= 5)
    return g_strdup (number->digits);
  return NULL;
}

gboolean
rd_phone_index_is_searchable (const RdPhoneNumber *number)
{
  g_autofree char *key = rd_phone_index_key_for (number);

  return key != NULL;
}

GPtrArray *
rd_phone_index_lookup (RdPhoneIndex *self, const RdPhoneNumber *number, GError **error)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
  g_autofree char *key = rd_phone_index_key_for (number);
  sqlite3_stmt *s;
  int rc;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), NULL);

  if (key == NULL)
    return g_steal_pointer (&matches);
  if ((s = stmt (self, STMT_LOOKUP, error)) == NULL)
    return NULL;
  rd_store_bind_text (s, 1, key);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      RdCrmMatch *match = g_new0 (RdCrmMatch, 1);

      match->kind = sqlite3_column_int (s, 0);
      match->id = sqlite3_column_int64 (s, 1);
      match->name = rd_store_column_dup (s, 2);
      match->company = rd_store_column_dup (s, 3);
      match->write_date = rd_store_column_dup (s, 4);
      g_ptr_array_add (matches, match);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      rd_store_set_db_error (self->store, error, "lookup");
      return NULL;
    }
  return g_steal_pointer (&matches);
}

/* Replaces the numbers of one record; @numbers NULL or @active FALSE removes it. */
static gboolean
put_record (RdPhoneIndex *self, RdCrmKind kind, gint64 id, gboolean active, const char *name,
            const char *company, const char *write_date, const char * const *numbers,
            const char *country, GError **error)
{
  sqlite3_stmt *s;
  guint n_keys = 0;

  if ((s = stmt (self, STMT_DELETE_NUMBERS, error)) == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, kind);
  sqlite3_bind_int64 (s, 2, id);
  if (!rd_store_stmt_done (self->store, s, "phone index", error))
    return FALSE;

  for (guint i = 0; active && numbers != NULL && numbers[i] != NULL; i++)
    {
      g_autoptr(RdPhoneNumber) number = NULL;
      g_autofree char *key = NULL;
      const char *region = country != NULL && *country != '\0' ? country : self->region;

      if (*numbers[i] == '\0')
        continue;
      number = rd_phone_parse (numbers[i], -1, region, &self->rules, NULL);
      key = rd_phone_index_key_for (number);
      if (key == NULL)
        continue;
      if ((s = stmt (self, STMT_INSERT_NUMBER, error)) == NULL)
        return FALSE;
      rd_store_bind_text (s, 1, key);
      sqlite3_bind_int (s, 2, kind);
      sqlite3_bind_int64 (s, 3, id);
      if (!rd_store_stmt_done (self->store, s, "phone index", error))
        return FALSE;
      n_keys++;
    }

  if (n_keys == 0)
    {
      if ((s = stmt (self, STMT_DELETE_RECORD, error)) == NULL)
        return FALSE;
      sqlite3_bind_int (s, 1, kind);
      sqlite3_bind_int64 (s, 2, id);
      return rd_store_stmt_done (self->store, s, "phone index", error);
    }

  if ((s = stmt (self, STMT_UPSERT_RECORD, error)) == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, kind);
  sqlite3_bind_int64 (s, 2, id);
  rd_store_bind_text (s, 3, name);
  rd_store_bind_text (s, 4, company);
  rd_store_bind_text (s, 5, write_date);
  return rd_store_stmt_done (self->store, s, "phone index", error);
}

gboolean
rd_phone_index_apply (RdPhoneIndex *self, RdCrmKind kind, GPtrArray *changes,
                      const char *next_mark, gint64 next_after_id, GError **error)
{
  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  if (!rd_store_begin (self->store, error))
    return FALSE;

  for (guint i = 0; changes != NULL && i < changes->len; i++)
    {
      RdCrmChange *change = g_ptr_array_index (changes, i);

      /* A change of another kind than asked is a CRM bug; index it under its own kind. */
      if (change->id <= 0 || (change->kind != RD_CRM_KIND_INDIVIDUAL &&
                              change->kind != RD_CRM_KIND_COMPANY &&
                              change->kind != RD_CRM_KIND_LEAD))
        {
          g_debug ("Phone index: skipping a change with kind %d, id %" G_GINT64_FORMAT,
                   change->kind, change->id);
          continue;
        }
      if (!put_record (self, change->kind, change->id, change->active, change->name,
                       change->company, change->write_date,
                       (const char * const *) change->numbers, change->country_code, error))
        goto fail;
    }

  if (next_mark != NULL)
    {
      sqlite3_stmt *s = stmt (self, STMT_SET_CURSOR, error);

      if (s == NULL)
        goto fail;
      sqlite3_bind_int (s, 1, kind);
      rd_store_bind_text (s, 2, next_mark);
      sqlite3_bind_int64 (s, 3, next_after_id);
      if (!rd_store_stmt_done (self->store, s, "phone index", error))
        goto fail;
    }

  return rd_store_commit (self->store, error);

fail:
  rd_store_rollback (self->store);
  return FALSE;
}

/* put_record() for one record, in a transaction of its own. */
static gboolean
put_one (RdPhoneIndex *self, RdCrmKind kind, gint64 id, gboolean active, const char *name,
         const char *company, const char *write_date, const char * const *numbers, GError **error)
{
  if (!rd_store_begin (self->store, error))
    return FALSE;
  if (!put_record (self, kind, id, active, name, company, write_date, numbers, NULL, error))
    {
      rd_store_rollback (self->store);
      return FALSE;
    }
  return rd_store_commit (self->store, error);
}

gboolean
rd_phone_index_put_match (RdPhoneIndex *self, const RdCrmMatch *match, GError **error)
{
  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);
  g_return_val_if_fail (match != NULL, FALSE);

  return put_one (self, match->kind, match->id, TRUE, match->name, match->company, match->write_date,
                  (const char * const *) match->numbers, error);
}

gboolean
rd_phone_index_forget (RdPhoneIndex *self, RdCrmKind kind, gint64 id, GError **error)
{
  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  return put_one (self, kind, id, FALSE, NULL, NULL, NULL, NULL, error);
}

gboolean
rd_phone_index_clear (RdPhoneIndex *self, GError **error)
{
  char *message = NULL;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);

  if (sqlite3_exec (self->db,
                    "DELETE FROM phone_index_number; DELETE FROM phone_index_record;"
                    " DELETE FROM phone_index_cursor;", NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Phone index: clear: %s", message);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

guint
rd_phone_index_count_numbers (RdPhoneIndex *self)
{
  sqlite3_stmt *s;
  guint count = 0;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), 0);

  if ((s = stmt (self, STMT_COUNT, NULL)) == NULL)
    return 0;
  if (sqlite3_step (s) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (s, 0);
  sqlite3_reset (s);
  return count;
}

char *
rd_phone_index_get_cursor (RdPhoneIndex *self, RdCrmKind kind, gint64 *out_after_id)
{
  sqlite3_stmt *s;
  char *mark = NULL;

  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), NULL);

  if (out_after_id != NULL)
    *out_after_id = 0;
  if ((s = stmt (self, STMT_GET_CURSOR, NULL)) == NULL)
    return NULL;
  sqlite3_bind_int (s, 1, kind);
  if (sqlite3_step (s) == SQLITE_ROW)
    {
      mark = rd_store_column_dup (s, 0);
      if (out_after_id != NULL)
        *out_after_id = sqlite3_column_int64 (s, 1);
    }
  sqlite3_reset (s);
  return mark;
}

/* ---- refresh ------------------------------------------------------------ */

typedef struct {
  RdCrm     *crm;
  RdCrmKind  remaining;   /* kinds still to page */
  RdCrmKind  current;
  guint      page_size;
  gint64     applied;
  char      *last_mark;
  gint64     last_after_id;
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  g_clear_object (&data->crm);
  g_free (data->last_mark);
  g_free (data);
}

static void refresh_next (GTask *task);

/* Every way out of a refresh goes through here before the task returns. */
static void
refresh_end (RdPhoneIndex *self)
{
  self->refreshing = FALSE;
  self->refresh_kind = RD_CRM_KIND_NONE;
  self->refresh_read = 0;
}

static void
refresh_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdPhoneIndex *self = g_task_get_source_object (task);
  RefreshData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmChangePage) page = rd_crm_list_changes_finish (RD_CRM (source), result, &error);
  gboolean same_cursor;

  if (page == NULL)
    {
      if (g_error_matches (error, RD_ERROR, RD_ERROR_UNAVAILABLE))
        {
          g_debug ("Phone index: the CRM has no %s records", rd_crm_kind_to_string (data->current));
          data->current = RD_CRM_KIND_NONE;
          refresh_next (g_steal_pointer (&task));
          return;
        }
      g_prefix_error (&error, "Could not refresh the phone index: ");
      refresh_end (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!rd_phone_index_apply (self, data->current, page->changes, page->next_mark,
                             page->next_after_id, &error))
    {
      refresh_end (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data->applied += page->changes != NULL ? page->changes->len : 0;
  self->refresh_read += page->changes != NULL ? page->changes->len : 0;

  /* Stop when the CRM says so, and never loop on a cursor that does not move. */
  same_cursor = g_strcmp0 (page->next_mark, data->last_mark) == 0 &&
                page->next_after_id == data->last_after_id;
  if (!page->more || page->next_mark == NULL || same_cursor ||
      page->changes == NULL || page->changes->len == 0)
    data->current = RD_CRM_KIND_NONE;
  refresh_next (g_steal_pointer (&task));
}

static void
refresh_next (GTask *task)
{
  RdPhoneIndex *self = g_task_get_source_object (task);
  RefreshData *data = g_task_get_task_data (task);
  g_autofree char *mark = NULL;
  gint64 after_id = 0;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    refresh_end (self);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (data->current == RD_CRM_KIND_NONE)
    {
      static const RdCrmKind order[] = { RD_CRM_KIND_INDIVIDUAL, RD_CRM_KIND_COMPANY, RD_CRM_KIND_LEAD };

      for (guint i = 0; i < G_N_ELEMENTS (order) && data->current == RD_CRM_KIND_NONE; i++)
        if (data->remaining & order[i])
          {
            data->current = order[i];
            data->remaining &= ~order[i];
          }
      if (data->current == RD_CRM_KIND_NONE)
        {
          refresh_end (self);
          g_task_return_int (task, data->applied);
          g_object_unref (task);
          return;
        }
    }

  self->refresh_kind = data->current;
  mark = rd_phone_index_get_cursor (self, data->current, &after_id);
  g_free (data->last_mark);
  data->last_mark = g_strdup (mark);
  data->last_after_id = after_id;
  rd_crm_list_changes_async (data->crm, data->current, mark, after_id, data->page_size,
                             g_task_get_cancellable (task), refresh_page_cb, task);
}

void
rd_phone_index_refresh_async (RdPhoneIndex *self, RdCrm *crm, RdCrmKind kinds, guint page_size,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task;
  RefreshData *data;

  g_return_if_fail (RD_IS_PHONE_INDEX (self));
  g_return_if_fail (RD_IS_CRM (crm));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_phone_index_refresh_async);
  data = g_new0 (RefreshData, 1);
  data->crm = g_object_ref (crm);
  data->remaining = kinds & RD_CRM_KIND_ALL;
  data->page_size = page_size > 0 ? page_size : 1000;
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  self->refreshing = TRUE;
  self->refresh_read = 0;
  refresh_next (task);
}

gint64
rd_phone_index_refresh_finish (RdPhoneIndex *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

gboolean
rd_phone_index_get_progress (RdPhoneIndex *self, RdCrmKind *out_kind, gint64 *out_read)
{
  g_return_val_if_fail (RD_IS_PHONE_INDEX (self), FALSE);
  if (out_kind != NULL)
    *out_kind = self->refreshing ? self->refresh_kind : RD_CRM_KIND_NONE;
  if (out_read != NULL)
    *out_read = self->refreshing ? self->refresh_read : 0;
  return self->refreshing;
}
