/* rd-outbox-worker.c — the outbox worker: every CRM / phonebook side effect, exactly once.
 *
 * Items (key → kind):
 *   auto-create:<call key>   create the unknown caller as an individual or a lead
 *   call-log:<call key>      the call log on the matched (or auto-created) record, as the bound user
 *   callback:<call key>      an open call-back activity for a missed inbound call
 *   phonebook:<kind>:<id>:<why>  upsert the CRM record into the synced PBX phonebook
 *
 * Before a side effect starts, its key is written to hub_outbox_begun; the mark
 * goes away with the completion, in one transaction. Finding the mark on a later
 * attempt (after an uncertain failure or a crash mid-request) means "it may have
 * happened": the call log is checked with rd_crm_has_call_log(), the call-back
 * with rd_crm_has_callback(), the auto-create searches the CRM first, the
 * phonebook upsert searches the PBX by its remark tag.
 * Items carry the CRM epoch; items of an older (disconnected) CRM are dropped.
 */
#include "config.h"

#include "hub/rd-outbox-worker.h"

#include "hub/rd-desk-frames.h"

#include "core/rd-error.h"
#include "core/rd-store-sql.h"

#define CLAIM_BATCH 16
#define LEASE_SECONDS 300
#define MAX_ATTEMPTS 8
#define PRUNE_AGE (7 * 24 * 3600)

static const char * const migrations[] = {
  "CREATE TABLE hub_outbox_begun (key TEXT PRIMARY KEY, started INTEGER NOT NULL);"
  "CREATE TABLE hub_sync_map ("
  "  kind INTEGER NOT NULL, rec_id INTEGER NOT NULL, phonebook_id INTEGER NOT NULL,"
  "  contact_id INTEGER NOT NULL, updated INTEGER NOT NULL,"
  "  PRIMARY KEY (kind, rec_id, phonebook_id)) WITHOUT ROWID;",
  /* what was pushed last (rd_pbx_contact digest): an unchanged contact is not pushed again */
  "ALTER TABLE hub_sync_map ADD COLUMN digest TEXT;",
};

struct _RdOutboxWorker
{
  GObject          parent_instance;

  RdHubContext *context;     /* not owned: the engine owns the worker */
  RdStore         *store;
  RdPhoneIndex    *index;
  char            *claimer;     /* this worker's name on its leases */
  GCancellable    *cancellable; /* cancelled by stop */
  GPtrArray       *batch;       /* RdOutboxItem claimed and not yet processed */
  guint            timer_id;
  gboolean         busy;        /* a batch is being worked through */
  gboolean         again;       /* a kick is queued */
  gboolean         stopped;
};

G_DEFINE_FINAL_TYPE (RdOutboxWorker, rd_outbox_worker, G_TYPE_OBJECT)

#define SETTINGS(self) (rd_hub_context_get_settings ((self)->context))
#define CRM(self)      (rd_hub_context_get_crm ((self)->context))
#define PBX(self)      (rd_hub_context_get_pbx ((self)->context))

typedef struct _Job Job;
typedef void (*JobStep) (Job *job);

struct _Job {
  RdOutboxWorker *worker;
  GObject        *context;        /* a reference: the engine outlives the job, as the worker did */
  RdOutboxItem   *item;
  JsonObject     *payload;
  RdCrmKind       target_kind;
  gint64          target_id;
  JobStep         with_target;
  gboolean        retargeted;     /* the first target was gone; looked up again once */
};

static void run_batch (RdOutboxWorker *self);
static void process_next (RdOutboxWorker *self);
static gboolean retarget_if_gone (Job *job, const GError *failure);
static void job_fail (Job *job, const GError *failure);


static void
job_free (Job *job)
{
  rd_outbox_item_free (job->item);
  g_clear_pointer (&job->payload, json_object_unref);
  g_object_unref (job->context);
  g_object_unref (job->worker);
  g_free (job);
}

/* ---- durable marks and the sync map ------------------------------------------ */

static gboolean
begun_exists (RdOutboxWorker *self, const char *key)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "SELECT 1 FROM hub_outbox_begun WHERE key = ?1", NULL);

  if (stmt == NULL)
    return TRUE;   /* cannot tell: behave as if it may have happened */
  rd_store_bind_text (stmt, 1, key);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

/* Relaxed (rd_store_relaxed_begin()): the mark is on disk before anything outside depends on it
 * (begin_then()); a cleared mark a power cut may take back: the item is then checked again. */
static gboolean
begun_set (RdOutboxWorker *self, const char *key, gboolean on, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, on
      ? "INSERT OR REPLACE INTO hub_outbox_begun (key, started) VALUES (?1, ?2)"
      : "DELETE FROM hub_outbox_begun WHERE key = ?1", error);
  gboolean ok;

  if (stmt == NULL)
    return FALSE;
  rd_store_bind_text (stmt, 1, key);
  if (on)
    sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  rd_store_relaxed_begin (self->store);
  ok = rd_store_stmt_done (self->store, stmt, "outbox mark", error);
  rd_store_relaxed_end (self->store);
  return ok;
}

/* ---- an effect outside, once its item is marked begun on disk ---------------------------
 * After a power cut an item marked begun is checked in the CRM (or PBX) before it is done
 * again; so the mark must be on disk before the request leaves, and the store syncs it on a
 * thread of its own (rd_store_sync_async()) while the main loop goes on. */

typedef void (*BegunStep) (Job *job, gpointer data);

typedef struct {
  Job           *job;
  BegunStep      then;
  gpointer       data;
  GDestroyNotify free_data;
} Begun;

static void
begun_synced_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Begun *b = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_store_sync_finish (RD_STORE (source), result, &error))
    job_fail (b->job, error);
  else
    b->then (b->job, b->data);
  if (b->free_data != NULL && b->data != NULL)
    b->free_data (b->data);
  g_free (b);
}

/* Marks @job's item begun, then runs @then (@data: freed with @free_data afterwards). */
static void
begin_then (Job *job, BegunStep then, gpointer data, GDestroyNotify free_data)
{
  g_autoptr(GError) error = NULL;
  Begun *b;

  if (!begun_set (job->worker, job->item->key, TRUE, &error))
    {
      if (free_data != NULL && data != NULL)
        free_data (data);
      job_fail (job, error);
      return;
    }
  b = g_new0 (Begun, 1);
  b->job = job;
  b->then = then;
  b->data = data;
  b->free_data = free_data;
  rd_store_sync_async (job->worker->store, job->worker->cancellable, begun_synced_cb, b);
}

/* The PBX contact a CRM record was pushed as, and a digest of what was pushed. */
static gint64
sync_map_get (RdOutboxWorker *self, RdCrmKind kind, gint64 id, gint64 phonebook_id, char **out_digest)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "SELECT contact_id, digest FROM hub_sync_map"
                                                  " WHERE kind = ?1 AND rec_id = ?2 AND phonebook_id = ?3", NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int (stmt, 1, kind);
  sqlite3_bind_int64 (stmt, 2, id);
  sqlite3_bind_int64 (stmt, 3, phonebook_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  if (out_digest != NULL && sqlite3_column_type (stmt, 1) == SQLITE_TEXT)
    *out_digest = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
sync_map_put (RdOutboxWorker *self, RdCrmKind kind, gint64 id, gint64 phonebook_id, gint64 contact_id,
              const char *digest, GError **error)
{
  g_autoptr(RdStoreStmt) stmt = rd_store_stmt (self->store, "INSERT OR REPLACE INTO hub_sync_map"
                                                  " (kind, rec_id, phonebook_id, contact_id, updated, digest)"
                                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, kind);
  sqlite3_bind_int64 (stmt, 2, id);
  sqlite3_bind_int64 (stmt, 3, phonebook_id);
  sqlite3_bind_int64 (stmt, 4, contact_id);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / G_USEC_PER_SEC);
  rd_store_bind_text (stmt, 6, digest);
  return rd_store_stmt_done (self->store, stmt, "sync map", error);
}

gboolean
rd_outbox_worker_clear_sync_map (RdOutboxWorker *self, GError **error)
{
  sqlite3 *db = rd_store_get_db (self->store);

  if (sqlite3_exec (db, "DELETE FROM hub_sync_map", NULL, NULL, NULL) != SQLITE_OK)
    {
      rd_store_set_db_error (self->store, error, "clear sync map");
      return FALSE;
    }
  return TRUE;
}

/* ---- enqueue ---------------------------------------------------------------- */

static gboolean
enqueue (RdOutboxWorker *self, const char *key, const char *kind, JsonObject *payload, GError **error)
{
  g_autofree char *text = rd_desk_frame_to_text (payload, NULL);
  gboolean inserted = FALSE;

  if (!rd_store_outbox_enqueue (self->store, key, kind, text, &inserted, error))
    return FALSE;
  if (inserted)
    g_debug ("Outbox: queued %s", key);
  return TRUE;
}

static gboolean
is_missed (RdOutcome outcome)
{
  return outcome == RD_OUTCOME_NO_ANSWER || outcome == RD_OUTCOME_BUSY ||
         outcome == RD_OUTCOME_VOICEMAIL || outcome == RD_OUTCOME_FAILED;
}

gboolean
rd_outbox_worker_enqueue_call (RdOutboxWorker *self, const RdCallRecord *record, const RdBinding *binding,
                               const RdPhoneNumber *remote, JsonObject *match, GError **error)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autofree char *call_key = rd_call_record_key (record);
  g_autofree char *log_key = g_strconcat ("call-log:", call_key, NULL);
  const char *remote_raw = record->direction == RD_DIRECTION_INBOUND ? record->from_number : record->to_number;
  RdHubCalls call_type = record->direction == RD_DIRECTION_INBOUND ? RD_HUB_CALLS_INBOUND : RD_HUB_CALLS_OUTBOUND;

  json_object_set_int_member (payload, "epoch", SETTINGS (self)->epoch);
  json_object_set_string_member (payload, "call_key", call_key);
  json_object_set_string_member (payload, "call_id", record->call_id ? record->call_id : "");
  json_object_set_string_member (payload, "extension", binding->extension);
  json_object_set_int_member (payload, "user_id", binding->user_id);
  json_object_set_string_member (payload, "user_name", binding->user_name ? binding->user_name : binding->extension);
  json_object_set_string_member (payload, "direction", rd_direction_to_string (record->direction));
  /* the outside party as people read it ("+86 135 0000 0001"), however the PBX wrote it
   * ("013500000001"): the log's text, the call-back's title; extensions stay as they are */
  {
    const char *shown = remote != NULL && remote->international != NULL ? remote->international : remote_raw;
    gboolean inbound = record->direction == RD_DIRECTION_INBOUND;

    json_object_set_string_member (payload, "from", inbound && shown ? shown
                                                    : record->from_number ? record->from_number : "");
    json_object_set_string_member (payload, "to", !inbound && shown ? shown
                                                  : record->to_number ? record->to_number : "");
  }
  json_object_set_string_member (payload, "remote", remote_raw ? remote_raw : "");
  json_object_set_int_member (payload, "start", record->start_unix);
  json_object_set_int_member (payload, "ring", record->ring_seconds);
  json_object_set_int_member (payload, "talk", record->talk_seconds);
  json_object_set_string_member (payload, "outcome", rd_outcome_to_string (record->outcome));
  if (match != NULL)
    {
      json_object_set_string_member (payload, "target_kind", json_object_get_string_member_with_default (match, "kind", ""));
      json_object_set_int_member (payload, "target_id", json_object_get_int_member_with_default (match, "id", 0));
    }

  if (match == NULL && remote != NULL && remote->e164 != NULL && SETTINGS (self)->autocreate_enabled &&
      (SETTINGS (self)->autocreate_calls & call_type) != 0)
    {
      g_autofree char *key = g_strconcat ("auto-create:", call_key, NULL);

      if (!enqueue (self, key, "auto-create", payload, error))
        return FALSE;
    }
  if (!enqueue (self, log_key, "call-log", payload, error))
    return FALSE;
  if (record->direction == RD_DIRECTION_INBOUND && is_missed (record->outcome))
    {
      g_autofree char *key = g_strconcat ("callback:", call_key, NULL);

      if (!enqueue (self, key, "callback", payload, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
rd_outbox_worker_enqueue_sync (RdOutboxWorker *self, RdCrmKind kind, gint64 id, const char *reason, GError **error)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autofree char *key = NULL;

  if (!SETTINGS (self)->sync_enabled || (SETTINGS (self)->sync_kinds & kind) == 0 ||
      SETTINGS (self)->sync_phonebook_id <= 0)
    return TRUE;
  key = g_strdup_printf ("phonebook:%s:%" G_GINT64_FORMAT ":%s", rd_crm_kind_to_string (kind), id, reason);
  json_object_set_int_member (payload, "epoch", SETTINGS (self)->epoch);
  json_object_set_string_member (payload, "target_kind", rd_crm_kind_to_string (kind));
  json_object_set_int_member (payload, "target_id", id);
  return enqueue (self, key, "phonebook-upsert", payload, error);
}

/* ---- job outcomes --------------------------------------------------------------- */

/* Frees @job, then takes the next item (@next) unless the worker stopped meanwhile. The job's
 * references may be the last ones on the worker and on the engine (an answer that arrives after
 * the engine's owner let go): both are kept until this returns. */
static void
job_done (Job *job, gboolean next)
{
  g_autoptr(RdOutboxWorker) self = g_object_ref (job->worker);
  g_autoptr(GObject) context = g_object_ref (job->context);

  job_free (job);
  if (next && !self->stopped)
    process_next (self);
  else
    self->busy = FALSE;
}

/* Completes the item (and whatever @extra does, in the same transaction). */
static void
job_complete (Job *job, const char *note, gboolean (*extra) (Job *job, GError **error))
{
  RdOutboxWorker *self = job->worker;
  g_autoptr(GError) error = NULL;

  if (note != NULL)
    g_message ("Outbox: %s: %s", job->item->key, note);
  else
    g_debug ("Outbox: %s done", job->item->key);

  /* Relaxed: a completion a power cut takes back leaves the item begun, checked before it is
   * done again. */
  rd_store_relaxed_begin (self->store);
  if (!rd_store_begin (self->store, &error) ||
      (extra != NULL && !extra (job, &error)) ||
      !begun_set (self, job->item->key, FALSE, &error) ||
      !rd_store_outbox_complete (self->store, job->item->id, self->claimer, &error) ||
      !rd_store_commit (self->store, &error))
    {
      rd_store_rollback (self->store);
      g_warning ("Outbox: cannot complete %s: %s", job->item->key, error->message);
    }
  rd_store_relaxed_end (self->store);
  job_done (job, TRUE);
}

static void
job_fail (Job *job, const GError *failure)
{
  RdOutboxWorker *self = job->worker;
  g_autoptr(GError) error = NULL;
  gboolean auth = g_error_matches (failure, RD_ERROR, RD_ERROR_AUTH) ||
                  g_error_matches (failure, RD_ERROR, RD_ERROR_ACCESS);
  gboolean transient = failure->domain != RD_ERROR || rd_error_is_transient (failure);
  gboolean permanent = !auth && !transient && job->item->attempts + 1 >= MAX_ATTEMPTS;

  if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The hub is stopping: the lease stays and is released at the next start. */
      job_done (job, FALSE);
      return;
    }
  if (retarget_if_gone (job, failure))
    return;
  rd_store_relaxed_begin (self->store);
  if (!rd_error_is_uncertain (failure))
    begun_set (self, job->item->key, FALSE, NULL);
  if (!rd_store_outbox_fail (self->store, job->item->id, self->claimer, failure->message, permanent, &error))
    g_warning ("Outbox: cannot record the failure of %s: %s", job->item->key, error->message);
  rd_store_relaxed_end (self->store);
  if (permanent)
    g_warning ("Outbox: giving up on %s: %s", job->item->key, failure->message);
  else
    g_message ("Outbox: %s failed (attempt %u, will retry): %s", job->item->key,
               job->item->attempts + 1, failure->message);

  if (auth)
    {
      /* A revoked key or a removed right: CRM work stops until the administrator acts. */
      g_autofree char *message = g_strdup_printf ("The CRM refused the hub's credentials: %s", failure->message);

      rd_hub_context_credentials_refused (self->context, message);
    }
  job_done (job, TRUE);
}

static void
job_fail_literal (Job *job, RdErrorCode code, const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (RD_ERROR, code, message);

  job_fail (job, error);
}

/* ---- target resolution ------------------------------------------------------------ */

static RdPhoneNumber *
job_remote (Job *job)
{
  return rd_phone_parse (json_object_get_string_member_with_default (job->payload, "remote", ""), -1,
                         rd_hub_context_get_region (job->worker->context), NULL, NULL);
}

static void
resolve_crm_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_hub_context_lookup_finish (RD_HUB_CONTEXT (source), result, &error);
  g_autoptr(RdOutboxItem) creator = NULL;
  g_autofree char *creator_key = NULL;

  if (matches == NULL)
    {
      job_fail (job, error);
      return;
    }
  if (matches->len > 0)
    {
      RdCrmMatch *match = g_ptr_array_index (matches, 0);

      job->target_kind = match->kind;
      job->target_id = match->id;
      job->with_target (job);
      return;
    }

  creator_key = g_strconcat ("auto-create:", json_object_get_string_member_with_default (job->payload, "call_key", ""), NULL);
  creator = rd_store_outbox_get (job->worker->store, creator_key);
  if (creator != NULL && (creator->state == RD_OUTBOX_PENDING || creator->state == RD_OUTBOX_CLAIMED))
    {
      job_fail_literal (job, RD_ERROR_NETWORK, "waiting for the auto-created record");
      return;
    }
  job_complete (job, "no CRM record for this number; nothing to log", NULL);
}

static void
resolve_target (Job *job)
{
  g_autoptr(RdPhoneNumber) remote = NULL;
  const char *kind = json_object_get_string_member_with_default (job->payload, "target_kind", NULL);

  if (kind != NULL)
    {
      job->target_kind = rd_crm_kind_from_string (kind);
      job->target_id = json_object_get_int_member_with_default (job->payload, "target_id", 0);
      if (job->target_id > 0 && (job->target_kind == RD_CRM_KIND_INDIVIDUAL ||
                                 job->target_kind == RD_CRM_KIND_COMPANY ||
                                 job->target_kind == RD_CRM_KIND_LEAD))
        {
          job->with_target (job);
          return;
        }
    }
  remote = job_remote (job);
  if (remote == NULL || !rd_phone_index_is_searchable (remote))
    {
      job_complete (job, "the remote number is not searchable; nothing to log", NULL);
      return;
    }
  rd_hub_context_lookup_async (job->worker->context, remote, job->worker->cancellable, resolve_crm_cb, job);
}

/* The record a log or call-back was for is gone from the CRM (deleted since the index or the call
 * saw it). Retrying it would only fail again until the item is given up, and the call would never
 * be logged: forget the record in the index and find the number's record again, once per attempt
 * (the lookup goes to the CRM when the index has nothing else). */
static gboolean
retarget_if_gone (Job *job, const GError *failure)
{
  g_autoptr(GError) error = NULL;

  if (!g_error_matches (failure, RD_ERROR, RD_ERROR_NOT_FOUND) || job->with_target == NULL ||
      job->target_id <= 0 || job->retargeted)
    return FALSE;
  g_message ("Outbox: %s: %s %" G_GINT64_FORMAT " no longer exists in the CRM; looking the number up again",
             job->item->key, rd_crm_kind_to_string (job->target_kind), job->target_id);
  if (!rd_phone_index_forget (job->worker->index, job->target_kind, job->target_id, &error))
    g_warning ("Phone index update failed: %s", error->message);
  begun_set (job->worker, job->item->key, FALSE, NULL);
  json_object_remove_member (job->payload, "target_kind");
  json_object_remove_member (job->payload, "target_id");
  job->target_id = 0;
  job->retargeted = TRUE;
  resolve_target (job);
  return TRUE;
}

static RdCrmCallLog *
job_call_log (Job *job)
{
  RdCrmCallLog *log = rd_crm_call_log_new ();
  const RdCrmInfo *info = rd_crm_get_info (CRM (job->worker));

  log->kind = job->target_kind;
  log->record_id = job->target_id;
  log->user_id = json_object_get_int_member_with_default (job->payload, "user_id", 0);
  log->agent_name = g_strdup (json_object_get_string_member_with_default (job->payload, "user_name", ""));
  log->call_key = g_strdup (json_object_get_string_member_with_default (job->payload, "call_key", ""));
  log->direction = rd_direction_from_string (json_object_get_string_member_with_default (job->payload, "direction", ""));
  log->from_number = g_strdup (json_object_get_string_member_with_default (job->payload, "from", ""));
  log->to_number = g_strdup (json_object_get_string_member_with_default (job->payload, "to", ""));
  log->start_unix = json_object_get_int_member_with_default (job->payload, "start", 0);
  log->ring_seconds = (guint) json_object_get_int_member_with_default (job->payload, "ring", 0);
  log->talk_seconds = (guint) json_object_get_int_member_with_default (job->payload, "talk", 0);
  log->outcome = rd_outcome_from_string (json_object_get_string_member_with_default (job->payload, "outcome", ""));
  log->timezone = g_strdup (info != NULL ? info->timezone : NULL);
  log->style = (RdCrmLogStyle) rd_store_get_setting_int (job->worker->store, "crm.log-style", RD_CRM_LOG_ACTIVITY);
  return log;
}

/* ---- call-log ------------------------------------------------------------------- */

static gboolean
after_log (Job *job, GError **error)
{
  /* A CRM contact called in: sync it to the PBX phonebook when configured. */
  if (g_strcmp0 (json_object_get_string_member_with_default (job->payload, "direction", ""), "inbound") != 0)
    return TRUE;
  return rd_outbox_worker_enqueue_sync (job->worker, job->target_kind, job->target_id,
                                     json_object_get_string_member_with_default (job->payload, "call_key", "call"),
                                     error);
}

static void
log_posted_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_crm_log_call_finish (RD_CRM (source), result, &error))
    job_fail (job, error);
  else
    job_complete (job, NULL, after_log);
}

static void
post_log_now (Job *job, gpointer unused)
{
  g_autoptr(RdCrmCallLog) log = job_call_log (job);

  rd_crm_log_call_async (CRM (job->worker), log, job->worker->cancellable, log_posted_cb, job);
}

static void
post_log (Job *job)
{
  begin_then (job, post_log_now, NULL, NULL);
}

static void
has_log_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  if (!rd_crm_has_call_log_finish (RD_CRM (source), result, &found, &error))
    job_fail (job, error);
  else if (found)
    job_complete (job, "already logged by an earlier attempt", after_log);
  else
    post_log (job);
}

static void
log_with_target (Job *job)
{
  if (begun_exists (job->worker, job->item->key))
    rd_crm_has_call_log_async (CRM (job->worker), job->target_kind, job->target_id,
                               json_object_get_string_member_with_default (job->payload, "call_key", ""),
                               job->worker->cancellable, has_log_cb, job);
  else
    post_log (job);
}

/* ---- callback -------------------------------------------------------------------- */

static void
callback_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_crm_schedule_callback_finish (RD_CRM (source), result, &error))
    job_fail (job, error);
  else
    job_complete (job, NULL, NULL);
}

static void
post_callback_now (Job *job, gpointer unused)
{
  g_autoptr(RdCrmCallLog) log = job_call_log (job);

  rd_crm_schedule_callback_async (CRM (job->worker), log, job->worker->cancellable, callback_done_cb, job);
}

static void
post_callback (Job *job)
{
  begin_then (job, post_callback_now, NULL, NULL);
}

static void
has_callback_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  if (!rd_crm_has_callback_finish (RD_CRM (source), result, &found, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          job_fail (job, error);
          return;
        }
      /* The CRM cannot tell: a second task beats a lost one. */
      g_debug ("Outbox: %s: %s; scheduling again", job->item->key, error->message);
      post_callback (job);
    }
  else if (found)
    job_complete (job, "call-back already scheduled by an earlier attempt", NULL);
  else
    post_callback (job);
}

static void
callback_with_target (Job *job)
{
  if (begun_exists (job->worker, job->item->key))
    rd_crm_has_callback_async (CRM (job->worker), job->target_kind, job->target_id,
                               json_object_get_string_member_with_default (job->payload, "call_key", ""),
                               job->worker->cancellable, has_callback_cb, job);
  else
    post_callback (job);
}

/* ---- auto-create -------------------------------------------------------------------- */

static gboolean
after_create (Job *job, GError **error)
{
  return rd_outbox_worker_enqueue_sync (job->worker, job->target_kind, job->target_id, "created", error);
}

static void
created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmMatch) match = rd_crm_create_record_finish (RD_CRM (source), result, &error);
  g_autoptr(GError) index_error = NULL;

  if (match == NULL)
    {
      job_fail (job, error);
      return;
    }
  if (match->numbers == NULL || match->numbers[0] == NULL)
    {
      g_autoptr(RdPhoneNumber) remote = job_remote (job);

      g_strfreev (match->numbers);
      match->numbers = g_new0 (char *, 2);
      match->numbers[0] = g_strdup (remote != NULL && remote->e164 ? remote->e164 : "");
    }
  /* The call log that follows finds the new record through the index at once. */
  if (!rd_phone_index_put_match (job->worker->index, match, &index_error))
    g_warning ("Phone index update failed: %s", index_error->message);
  job->target_kind = match->kind;
  job->target_id = match->id;
  g_message ("Auto-created %s %" G_GINT64_FORMAT " for an unknown %s caller",
             rd_crm_kind_to_string (match->kind), match->id,
             json_object_get_string_member_with_default (job->payload, "direction", ""));
  job_complete (job, NULL, after_create);
}

static void
create_now (Job *job, gpointer unused)
{
  RdOutboxWorker *self = job->worker;
  g_autoptr(RdPhoneNumber) remote = job_remote (job);
  const char *display = remote->international != NULL ? remote->international : remote->e164;
  g_autofree char *name = g_strconcat (SETTINGS (self)->autocreate_prefix ? SETTINGS (self)->autocreate_prefix : "",
                                       display, NULL);

  rd_crm_create_record_async (CRM (self), SETTINGS (self)->autocreate_kind, name, display,
                              json_object_get_int_member_with_default (job->payload, "user_id", 0),
                              self->cancellable, created_cb, job);
}

static void
create_search_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_hub_context_lookup_finish (RD_HUB_CONTEXT (source), result, &error);

  if (matches == NULL)
    {
      job_fail (job, error);
      return;
    }
  if (matches->len > 0)
    {
      job_complete (job, "the number is known to the CRM now; nothing to create", NULL);
      return;
    }
  begin_then (job, create_now, NULL, NULL);
}

static void
process_auto_create (Job *job)
{
  g_autoptr(RdPhoneNumber) remote = job_remote (job);

  if (!SETTINGS (job->worker)->autocreate_enabled)
    {
      job_complete (job, "auto-create was turned off; skipped", NULL);
      return;
    }
  if (remote == NULL || remote->e164 == NULL)
    {
      job_complete (job, "the number is not a valid public number; nothing to create", NULL);
      return;
    }
  /* Always search first: a record from an earlier uncertain attempt, or made by hand, wins. */
  rd_hub_context_lookup_async (job->worker->context, remote, job->worker->cancellable, create_search_cb, job);
}

/* ---- phonebook upsert ---------------------------------------------------------------- */

static char *
sync_remark (RdCrmKind kind, gint64 id)
{
  return g_strdup_printf ("crm:%s:%" G_GINT64_FORMAT, rd_crm_kind_to_string (kind), id);
}

static gboolean
after_upsert (Job *job, GError **error)
{
  return sync_map_put (job->worker, job->target_kind, job->target_id, SETTINGS (job->worker)->sync_phonebook_id,
                       json_object_get_int_member_with_default (job->payload, "contact_id", 0),
                       json_object_get_string_member_with_default (job->payload, "digest", NULL), error);
}

/* What the PBX would be told: names, company, e-mail, tag and every number. */
static char *
contact_digest (const RdPbxContact *contact)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *parts[] = { contact->first_name, contact->last_name, contact->company, contact->email,
                          contact->remark };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_checksum_update (sum, (const guchar *) (parts[i] ? parts[i] : ""), -1);
      g_checksum_update (sum, (const guchar *) "\x1f", 1);
    }
  for (guint i = 0; contact->numbers != NULL && i < contact->numbers->len; i++)
    {
      const RdPbxContactNumber *n = g_ptr_array_index (contact->numbers, i);

      g_checksum_update (sum, (const guchar *) n->type, -1);
      g_checksum_update (sum, (const guchar *) "=", 1);
      g_checksum_update (sum, (const guchar *) n->number, -1);
      g_checksum_update (sum, (const guchar *) "\x1f", 1);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static void
upserted_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gint64 contact_id = rd_pbx_upsert_contact_finish (RD_PBX (source), result, &error);

  if (contact_id <= 0)
    {
      if (error == NULL)
        error = g_error_new_literal (RD_ERROR, RD_ERROR_PROTOCOL, "The PBX returned no contact id");
      job_fail (job, error);
      return;
    }
  json_object_set_int_member (job->payload, "contact_id", contact_id);
  job_complete (job, NULL, after_upsert);
}

static const char * const number_types[] = {
  "business_number", "mobile_number", "business_number2", "mobile_number2",
  "home_number", "home_number2", "other_number",
};

static RdPbxContact *
contact_from_match (RdOutboxWorker *self, const RdCrmMatch *match)
{
  RdPbxContact *contact = rd_pbx_contact_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *region;
  guint n = 0;

  if ((match->first_name == NULL || *match->first_name == '\0') &&
      (match->last_name == NULL || *match->last_name == '\0'))
    contact->first_name = g_strdup (match->name);
  else
    {
      contact->first_name = g_strdup (match->first_name);
      contact->last_name = g_strdup (match->last_name);
    }
  if (match->kind == RD_CRM_KIND_COMPANY)
    contact->company = g_strdup (match->name);
  else
    contact->company = g_strdup (match->company);
  contact->email = g_strdup (match->email);
  contact->remark = sync_remark (match->kind, match->id);
  /* national numbers belong to the record's country, else its company's (both from the
   * CRM), else the hub's region: a US contact's "(212) 555-1234" is +1 212…, even in CN */
  region = match->country_code != NULL && rd_phone_region_is_valid (match->country_code)
           ? match->country_code : rd_hub_context_get_region (self->context);
  for (guint i = 0; match->numbers != NULL && match->numbers[i] != NULL && n < G_N_ELEMENTS (number_types); i++)
    {
      g_autoptr(RdPhoneNumber) number = rd_phone_parse (match->numbers[i], -1, region, NULL, NULL);
      const char *text;

      if (number == NULL || number->kind == RD_NUMBER_WITHHELD)
        continue;
      text = number->e164 != NULL ? number->e164 : number->digits;
      if (text == NULL || *text == '\0' || g_hash_table_contains (seen, text))
        continue;
      g_hash_table_add (seen, g_strdup (text));
      rd_pbx_contact_add_number (contact, number_types[n++], text);
    }
  return contact;
}

typedef struct {
  Job          *job;
  RdPbxContact *contact;
} UpsertData;

static void
upsert_send (Job *job, gpointer contact)
{
  rd_pbx_upsert_contact_async (PBX (job->worker), SETTINGS (job->worker)->sync_phonebook_id, contact,
                               job->worker->cancellable, upserted_cb, job);
}

/* Takes @contact. */
static void
upsert_now (Job *job, RdPbxContact *contact)
{
  begin_then (job, upsert_send, contact, (GDestroyNotify) rd_pbx_contact_free);
}

static void
search_tag_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UpsertData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = rd_pbx_search_contacts_finish (RD_PBX (source), result, &error);
  Job *job = data->job;
  RdPbxContact *contact = data->contact;

  g_free (data);
  if (found == NULL)
    {
      rd_pbx_contact_free (contact);
      job_fail (job, error);
      return;
    }
  for (guint i = 0; i < found->len; i++)
    {
      RdPbxContact *existing = g_ptr_array_index (found, i);

      if (g_strcmp0 (existing->remark, contact->remark) == 0)
        contact->id = existing->id;
    }
  upsert_now (job, contact);
}

static void
sync_record_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  RdOutboxWorker *self = job->worker;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmMatch) match = rd_crm_get_record_finish (RD_CRM (source), result, &error);
  g_autofree char *digest = NULL;
  g_autofree char *pushed = NULL;
  RdPbxContact *contact;

  if (match == NULL)
    {
      if (g_error_matches (error, RD_ERROR, RD_ERROR_NOT_FOUND))
        job_complete (job, "the CRM record is gone; not synced", NULL);
      else
        job_fail (job, error);
      return;
    }
  if (!match->has_name)
    {
      job_complete (job, "contact sync skipped: the CRM record has no name", NULL);
      return;
    }
  contact = contact_from_match (self, match);
  if (contact->numbers == NULL || contact->numbers->len == 0)
    {
      rd_pbx_contact_free (contact);
      job_complete (job, "contact sync skipped: the CRM record has no phone number", NULL);
      return;
    }
  digest = contact_digest (contact);
  contact->id = sync_map_get (self, job->target_kind, job->target_id, SETTINGS (self)->sync_phonebook_id,
                              &pushed);
  if (contact->id > 0 && g_strcmp0 (pushed, digest) == 0)
    {
      rd_pbx_contact_free (contact);
      job_complete (job, "the PBX contact is up to date; not pushed again", NULL);
      return;
    }
  json_object_set_string_member (job->payload, "digest", digest);
  if (contact->id == 0 && begun_exists (self, job->item->key))
    {
      UpsertData *data = g_new0 (UpsertData, 1);

      /* An earlier attempt may have created it: find it by its tag before creating again. */
      data->job = job;
      data->contact = contact;
      rd_pbx_search_contacts_async (PBX (self), contact->remark, self->cancellable, search_tag_cb, data);
      return;
    }
  upsert_now (job, contact);
}

static void
process_phonebook (Job *job)
{
  RdOutboxWorker *self = job->worker;
  const char *kind = json_object_get_string_member_with_default (job->payload, "target_kind", "");

  job->target_kind = rd_crm_kind_from_string (kind);
  job->target_id = json_object_get_int_member_with_default (job->payload, "target_id", 0);
  if (!SETTINGS (self)->sync_enabled || SETTINGS (self)->sync_phonebook_id <= 0 ||
      (SETTINGS (self)->sync_kinds & job->target_kind) == 0 || job->target_id <= 0)
    {
      job_complete (job, "contact sync is off for this kind; skipped", NULL);
      return;
    }
  if (PBX (self) == NULL || rd_pbx_get_state (PBX (self)) != RD_PBX_STATE_CONNECTED)
    {
      job_fail_literal (job, RD_ERROR_NETWORK, "the PBX is not connected");
      return;
    }
  rd_crm_get_record_async (CRM (self), job->target_kind, job->target_id, self->cancellable, sync_record_cb, job);
}

/* ---- the worker ---------------------------------------------------------------------- */

static void
process_item (RdOutboxWorker *self, RdOutboxItem *item)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Job *job = g_new0 (Job, 1);
  JsonNode *root;

  job->worker = g_object_ref (self);
  job->context = g_object_ref (G_OBJECT (self->context));
  job->item = item;
  if (!json_parser_load_from_data (parser, item->payload, -1, &error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autoptr(GError) bad = g_error_new (RD_ERROR, RD_ERROR_INVALID_INPUT, "unreadable payload: %s",
                                           error ? error->message : "not an object");

      job->item->attempts = MAX_ATTEMPTS;
      job_fail (job, bad);
      return;
    }
  job->payload = json_object_ref (json_node_get_object (root));

  if (json_object_get_int_member_with_default (job->payload, "epoch", 0) != SETTINGS (self)->epoch)
    {
      job_complete (job, "belongs to a disconnected CRM; dropped", NULL);
      return;
    }

  if (g_str_equal (item->kind, "call-log"))
    {
      job->with_target = log_with_target;
      resolve_target (job);
    }
  else if (g_str_equal (item->kind, "callback"))
    {
      job->with_target = callback_with_target;
      resolve_target (job);
    }
  else if (g_str_equal (item->kind, "auto-create"))
    process_auto_create (job);
  else if (g_str_equal (item->kind, "phonebook-upsert"))
    process_phonebook (job);
  else
    {
      job->item->attempts = MAX_ATTEMPTS;
      job_fail_literal (job, RD_ERROR_INVALID_INPUT, "unknown outbox item kind");
    }
}

static void
process_next (RdOutboxWorker *self)
{
  GPtrArray *batch = self->batch;

  if (batch != NULL && batch->len > 0 && !self->stopped && rd_hub_context_crm_ready (self->context))
    {
      RdOutboxItem *item = g_ptr_array_steal_index (batch, 0);

      process_item (self, item);
      return;
    }
  if (batch != NULL && batch->len > 0)
    {
      /* Paused mid-batch (disabled, CRM lost, stopping): give the leases back. */
      g_ptr_array_set_size (batch, 0);
      rd_store_outbox_release (self->store, self->claimer, NULL);
    }
  self->busy = FALSE;
  if (!self->stopped)
    run_batch (self);
}

static gboolean
outbox_timer_cb (gpointer user_data)
{
  RdOutboxWorker *self = user_data;

  self->timer_id = 0;
  run_batch (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_timer (RdOutboxWorker *self, guint delay_ms)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add (delay_ms, outbox_timer_cb, self);
}

static void
run_batch (RdOutboxWorker *self)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *claimed;
  gint64 due;

  if (self->busy || self->stopped || self->store == NULL)
    return;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (!rd_hub_context_crm_ready (self->context))
    return;   /* kicked again when the CRM connects or the integration is enabled */

  /* Relaxed: a lease a power cut takes back is simply claimed again. */
  rd_store_relaxed_begin (self->store);
  claimed = rd_store_outbox_claim (self->store, self->claimer, CLAIM_BATCH, LEASE_SECONDS, &error);
  rd_store_relaxed_end (self->store);
  if (claimed == NULL)
    {
      g_warning ("Outbox: cannot claim items: %s", error->message);
      schedule_timer (self, 5000);
      return;
    }
  if (claimed->len > 0)
    {
      g_ptr_array_set_free_func (claimed, (GDestroyNotify) rd_outbox_item_free);
      g_clear_pointer (&self->batch, g_ptr_array_unref);
      self->batch = claimed;
      self->busy = TRUE;
      process_next (self);
      return;
    }
  g_ptr_array_unref (claimed);

  due = rd_store_outbox_next_due (self->store);
  if (due >= 0)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      schedule_timer (self, (guint) CLAMP (due - now, 0, 3600) * 1000 + 50);
    }
}

static gboolean
kick_idle_cb (gpointer user_data)
{
  RdOutboxWorker *self = user_data;

  self->again = FALSE;
  run_batch (self);
  return G_SOURCE_REMOVE;
}

void
rd_outbox_worker_kick (RdOutboxWorker *self)
{
  g_return_if_fail (RD_IS_OUTBOX_WORKER (self));
  if (self->busy || self->again || self->stopped)
    return;
  self->again = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, kick_idle_cb, g_object_ref (self), g_object_unref);
}

void
rd_outbox_worker_stop (RdOutboxWorker *self)
{
  g_return_if_fail (RD_IS_OUTBOX_WORKER (self));
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_pointer (&self->batch, g_ptr_array_unref);
}

gboolean
rd_outbox_worker_is_busy (RdOutboxWorker *self)
{
  g_return_val_if_fail (RD_IS_OUTBOX_WORKER (self), FALSE);
  return self->busy || self->again;
}

static void
rd_outbox_worker_dispose (GObject *object)
{
  RdOutboxWorker *self = RD_OUTBOX_WORKER (object);

  rd_outbox_worker_stop (self);
  G_OBJECT_CLASS (rd_outbox_worker_parent_class)->dispose (object);
}

static void
rd_outbox_worker_finalize (GObject *object)
{
  RdOutboxWorker *self = RD_OUTBOX_WORKER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->index);
  g_clear_object (&self->cancellable);
  g_free (self->claimer);
  G_OBJECT_CLASS (rd_outbox_worker_parent_class)->finalize (object);
}

static void
rd_outbox_worker_class_init (RdOutboxWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_outbox_worker_dispose;
  object_class->finalize = rd_outbox_worker_finalize;
}

static void
rd_outbox_worker_init (RdOutboxWorker *self)
{
  self->cancellable = g_cancellable_new ();
}

RdOutboxWorker *
rd_outbox_worker_new (RdHubContext *context, RdStore *store, RdPhoneIndex *index, const char *claimer,
                      GError **error)
{
  g_autoptr(RdOutboxWorker) self = NULL;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (context), NULL);
  g_return_val_if_fail (RD_IS_STORE (store), NULL);
  g_return_val_if_fail (RD_IS_PHONE_INDEX (index), NULL);
  g_return_val_if_fail (claimer != NULL, NULL);

  if (!rd_store_migrate (store, "hub-outbox", migrations, G_N_ELEMENTS (migrations), error))
    return NULL;
  /* One hub per database: leases of an earlier (crashed) process are ours to take back. */
  if (!rd_store_outbox_release (store, NULL, error))
    return NULL;
  if (!rd_store_outbox_prune (store, PRUNE_AGE, error))
    return NULL;
  self = g_object_new (RD_TYPE_OUTBOX_WORKER, NULL);
  self->context = context;
  self->store = g_object_ref (store);
  self->index = g_object_ref (index);
  self->claimer = g_strdup (claimer);
  return g_steal_pointer (&self);
}
