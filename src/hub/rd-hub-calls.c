/* rd-hub-calls.c — live call events (the pop) and end-of-call records (store + outbox). */
#include "config.h"

#include "hub/rd-hub-private.h"

#include "core/rd-error.h"

/* How long the first frame of a call may wait for the CRM on an index miss. */
#define POP_WAIT_MS 300
/* Live calls not seen for this long are forgotten (their ENDED event was lost). */
#define LIVE_CALL_MAX_AGE_US (6 * G_TIME_SPAN_HOUR)
#define DIALED_MAX 4096

typedef struct {
  RdHub         *hub;             /* not owned */
  char          *key;
  char          *call_id;
  char          *extension;
  RdPhoneNumber *number;          /* NULL when the caller id could not be parsed */
  JsonObject    *match;           /* NULL = unknown (so far) */
  gboolean       lookup_pending;  /* a CRM search is running */
  gboolean       first_sent;      /* the first frame went out */
  gboolean       ended;
  GPtrArray     *queued;          /* RdCallEvent held while the first frame waits */
  guint          wait_id;
  GCancellable  *cancellable;
  gint64         last_seen;
  RdCallEvent   *last;            /* the leg as the agent was last shown it */
} LiveCall;

static void
live_call_free (LiveCall *live)
{
  if (live->cancellable != NULL)
    g_cancellable_cancel (live->cancellable);
  g_clear_object (&live->cancellable);
  g_clear_handle_id (&live->wait_id, g_source_remove);
  g_free (live->key);
  g_free (live->call_id);
  g_free (live->extension);
  g_clear_pointer (&live->number, rd_phone_number_free);
  g_clear_pointer (&live->match, json_object_unref);
  g_clear_pointer (&live->queued, g_ptr_array_unref);
  g_clear_pointer (&live->last, rd_call_event_free);
  g_free (live);
}

void
rd_hub_calls_init (RdHub *self)
{
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) live_call_free);
  self->dialed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* ---- lookup: index first, then one CRM search ----------------------------- */

GPtrArray *
rd_hub_lookup_local (RdHub *self, const RdPhoneNumber *number)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *matches = rd_phone_index_lookup (self->index, number, &error);

  if (matches == NULL)
    {
      g_warning ("Phone index lookup failed: %s", error->message);
      return g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
    }
  for (guint i = 0; i < matches->len; i++)
    rd_hub_fill_match_url (self, g_ptr_array_index (matches, i));
  return matches;
}

static void
lookup_crm_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHub *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_crm_find_by_phone_finish (RD_CRM (source), result, &error);

  if (matches == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Keep the index fresh with what the CRM just told us. */
  for (guint i = 0; i < matches->len; i++)
    {
      RdCrmMatch *match = g_ptr_array_index (matches, i);
      g_autoptr(GError) put_error = NULL;

      if (match->numbers != NULL && !rd_phone_index_put_match (self->index, match, &put_error))
        g_warning ("Phone index update failed: %s", put_error->message);
      rd_hub_fill_match_url (self, match);
    }
  g_task_return_pointer (task, g_steal_pointer (&matches), (GDestroyNotify) g_ptr_array_unref);
}

void
rd_hub_lookup_async (RdHub *self, const RdPhoneNumber *number, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GPtrArray) local = NULL;

  g_task_set_source_tag (task, rd_hub_lookup_async);
  local = rd_hub_lookup_local (self, number);
  if (local->len > 0 || !rd_hub_crm_ready (self) || !rd_hub_number_is_searchable (number))
    {
      g_task_return_pointer (task, g_steal_pointer (&local), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  rd_crm_find_by_phone_async (self->crm, number, RD_CRM_KIND_ALL, cancellable, lookup_crm_cb,
                              g_steal_pointer (&task));
}

GPtrArray *
rd_hub_lookup_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- live events ---------------------------------------------------------- */

static void
send_event (LiveCall *live, const RdCallEvent *event)
{
  g_autoptr(JsonObject) frame = rd_agent_frame_call (event, live->number, live->match, live->lookup_pending);

  if (live->hub->agent_server != NULL)
    rd_agent_server_send_to_extension (live->hub->agent_server, live->extension, frame);
}

/* The leg's last state (and match) is kept in the store from its first event to its end,
 * so that a restart can end it for the agent, or carry it on. */
static void
live_call_keep (LiveCall *live)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *match = NULL;
  gboolean ok;

  if (live->last == NULL || live->hub->store == NULL)
    return;
  if (live->ended)
    ok = rd_store_live_call_remove (live->hub->store, live->call_id, live->extension, &error);
  else
    {
      match = live->match != NULL ? rd_agent_frame_to_text (live->match, NULL) : NULL;
      ok = rd_store_live_call_put (live->hub->store, live->last, match, &error);
    }
  if (!ok)
    g_warning ("Call %s: %s", live->call_id, error->message);
}

/* Sends the first frame (and whatever queued behind it). */
static void
flush_first (LiveCall *live)
{
  g_clear_handle_id (&live->wait_id, g_source_remove);
  live->first_sent = TRUE;
  for (guint i = 0; live->queued != NULL && i < live->queued->len; i++)
    send_event (live, g_ptr_array_index (live->queued, i));
  g_clear_pointer (&live->queued, g_ptr_array_unref);
}

static void
forget_if_ended (LiveCall *live)
{
  if (live->ended && live->first_sent && !live->lookup_pending)
    g_hash_table_remove (live->hub->calls, live->key);
}

static gboolean
pop_wait_cb (gpointer user_data)
{
  LiveCall *live = user_data;

  live->wait_id = 0;
  g_debug ("Call %s: CRM lookup still running, sending the pop as unknown", live->call_id);
  flush_first (live);
  return G_SOURCE_REMOVE;
}

typedef struct {
  RdHub *hub;
  char  *key;
} LiveRef;

static void
live_lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LiveRef *ref = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_hub_lookup_finish (RD_HUB (source), result, &error);
  LiveCall *live = NULL;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && ref->hub->calls != NULL)
    live = g_hash_table_lookup (ref->hub->calls, ref->key);
  g_free (ref->key);
  g_object_unref (ref->hub);
  g_free (ref);
  if (live == NULL)
    return;

  if (matches == NULL)
    g_warning ("Call %s: CRM lookup failed: %s", live->call_id, error->message);
  else if (matches->len > 0)
    {
      g_clear_pointer (&live->match, json_object_unref);
      live->match = rd_agent_match_to_json (g_ptr_array_index (matches, 0));
      live_call_keep (live);
    }
  live->lookup_pending = FALSE;

  if (!live->first_sent)
    flush_first (live);
  else if (live->hub->agent_server != NULL)
    {
      g_autoptr(JsonObject) frame = rd_agent_frame_match (live->call_id, live->match);

      rd_agent_server_send_to_extension (live->hub->agent_server, live->extension, frame);
    }
  forget_if_ended (live);
}

static void
sweep_stale_calls (RdHub *self, gint64 now)
{
  GHashTableIter iter;
  LiveCall *live;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &live))
    if (now - live->last_seen > LIVE_CALL_MAX_AGE_US)
      {
        live->ended = TRUE;
        live_call_keep (live);
        g_hash_table_iter_remove (&iter);
      }
}

/* Finds the CRM record of the live call's number: the index, else one CRM search
 * (the first frame waits for it up to POP_WAIT_MS when it has not gone out yet). */
static void
live_call_lookup (LiveCall *live)
{
  RdHub *self = live->hub;
  g_autoptr(GPtrArray) local = NULL;

  /* A paused integration does no lookups at all. */
  if (live->number == NULL || !self->settings.enabled || self->crm_state == RD_HUB_CRM_NOT_CONFIGURED ||
      !rd_hub_number_is_searchable (live->number))
    return;

  local = rd_hub_lookup_local (self, live->number);
  if (local->len > 0)
    {
      g_clear_pointer (&live->match, json_object_unref);
      live->match = rd_agent_match_to_json (g_ptr_array_index (local, 0));
      return;
    }
  if (rd_hub_crm_ready (self) && !live->lookup_pending)
    {
      LiveRef *ref = g_new0 (LiveRef, 1);

      ref->hub = g_object_ref (self);
      ref->key = g_strdup (live->key);
      live->lookup_pending = TRUE;
      g_clear_object (&live->cancellable);
      live->cancellable = g_cancellable_new ();
      if (!live->first_sent)
        {
          live->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_event_free);
          live->wait_id = g_timeout_add (POP_WAIT_MS, pop_wait_cb, live);
        }
      rd_hub_lookup_async (self, live->number, live->cancellable, live_lookup_cb, ref);
    }
}

static void
live_call_set_number (LiveCall *live, const char *remote_number)
{
  g_autoptr(GError) error = NULL;

  live->number = rd_hub_parse_number (live->hub, remote_number, &error);
  if (live->number == NULL)
    g_debug ("Call %s: caller id not usable: %s", live->call_id, error->message);
}

static LiveCall *
live_call_new (RdHub *self, const RdCallEvent *event, char *key)
{
  LiveCall *live = g_new0 (LiveCall, 1);

  live->hub = self;
  live->key = key;
  live->call_id = g_strdup (event->call_id);
  live->extension = g_strdup (event->extension);
  g_hash_table_insert (self->calls, live->key, live);
  if (event->remote_number != NULL)
    live_call_set_number (live, event->remote_number);
  live_call_lookup (live);
  return live;
}

void
rd_hub_on_call_event (RdPbx *pbx, RdCallEvent *event, RdHub *self)
{
  g_autoptr(RdBinding) binding = NULL;
  LiveCall *live;
  char *key;
  gint64 now = g_get_monotonic_time ();

  if (event == NULL || event->call_id == NULL || *event->call_id == '\0' ||
      !rd_bindings_extension_is_valid (event->extension))
    {
      g_warning ("Ignoring a call event without a call id or extension");
      return;
    }
  binding = rd_bindings_get_by_extension (self->bindings, event->extension);
  if (binding == NULL)
    return;

  key = g_strdup_printf ("%s\x1f%s", event->call_id, event->extension);
  live = g_hash_table_lookup (self->calls, key);
  if (live == NULL)
    {
      sweep_stale_calls (self, now);
      live = live_call_new (self, event, key);
    }
  else
    {
      g_free (key);
      /* the PBX may name the other party only later (a call placed from elsewhere rings
       * the caller's own phone first): look it up as soon as it is known */
      if (live->number == NULL && event->remote_number != NULL && !live->ended)
        {
          live_call_set_number (live, event->remote_number);
          live_call_lookup (live);
        }
    }
  live->last_seen = now;
  if (event->state == RD_CALL_STATE_ENDED)
    live->ended = TRUE;
  g_clear_pointer (&live->last, rd_call_event_free);
  live->last = rd_call_event_copy (event);
  live_call_keep (live);

  if (!live->first_sent && live->queued != NULL)
    {
      g_ptr_array_add (live->queued, rd_call_event_copy (event));
      if (live->ended)
        flush_first (live);
    }
  else
    {
      live->first_sent = TRUE;
      send_event (live, event);
    }
  forget_if_ended (live);
}

/* ---- across restarts and PBX changes ------------------------------------------- */

/* Takes back the legs in progress when the hub stopped (a crash included): the agents
 * were shown them, so they are ended, or carried on, as the PBX tells after connecting. */
void
rd_hub_calls_restore (RdHub *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GPtrArray) legs = rd_store_live_calls_list (self->store, LIVE_CALL_MAX_AGE_US / G_USEC_PER_SEC,
                                                        &matches, &error);

  if (legs == NULL)
    {
      g_warning ("Cannot read the calls in progress at the last stop: %s", error->message);
      return;
    }
  for (guint i = 0; i < legs->len; i++)
    {
      RdCallEvent *leg = g_ptr_array_index (legs, i);
      const char *match = g_ptr_array_index (matches, i);
      LiveCall *live = g_new0 (LiveCall, 1);
      g_autoptr(JsonParser) parser = json_parser_new ();

      live->hub = self;
      live->key = g_strdup_printf ("%s\x1f%s", leg->call_id, leg->extension);
      live->call_id = g_strdup (leg->call_id);
      live->extension = g_strdup (leg->extension);
      live->first_sent = TRUE;
      live->last_seen = g_get_monotonic_time ();
      live->last = rd_call_event_copy (leg);
      if (leg->remote_number != NULL)
        live_call_set_number (live, leg->remote_number);
      if (match != NULL && json_parser_load_from_data (parser, match, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        live->match = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
      g_hash_table_replace (self->calls, live->key, live);
    }
  if (legs->len > 0)
    g_message ("%u call leg(s) were in progress at the last stop: checking them with the PBX", legs->len);
}

GPtrArray *
rd_hub_calls_dup_legs (RdHub *self)
{
  GPtrArray *legs = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_event_free);
  GHashTableIter iter;
  LiveCall *live;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &live))
    if (!live->ended && live->last != NULL)
      g_ptr_array_add (legs, rd_call_event_copy (live->last));
  return legs;
}

JsonArray *
rd_hub_calls_snapshot (RdHub *self, const char *extension)
{
  JsonArray *calls = json_array_new ();
  GHashTableIter iter;
  LiveCall *live;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &live))
    if (!live->ended && live->first_sent && live->last != NULL && g_strcmp0 (live->extension, extension) == 0)
      json_array_add_object_element (calls, rd_agent_frame_call (live->last, live->number, live->match,
                                                                 live->lookup_pending));
  return calls;
}

void
rd_hub_calls_end_all (RdHub *self)
{
  g_autoptr(GPtrArray) legs = rd_hub_calls_dup_legs (self);

  for (guint i = 0; i < legs->len; i++)
    {
      RdCallEvent *leg = g_ptr_array_index (legs, i);

      leg->state = RD_CALL_STATE_ENDED;
      leg->timestamp_us = g_get_real_time ();
      rd_hub_on_call_event (NULL, leg, self);
    }
}

void
rd_hub_on_dial_failed (RdPbx *pbx, const char *call_id, const char *reason, RdHub *self)
{
  const char *extension;

  if (call_id == NULL)
    return;
  extension = g_hash_table_lookup (self->dialed, call_id);
  if (extension == NULL)
    {
      g_debug ("Dial failure for call %s that no agent started here", call_id);
      return;
    }
  if (self->agent_server != NULL)
    {
      g_autoptr(JsonObject) frame = rd_agent_frame_dial_failed (call_id, reason ? reason : "failed");

      rd_agent_server_send_to_extension (self->agent_server, extension, frame);
    }
  g_hash_table_remove (self->dialed, call_id);
}

void
rd_hub_remember_dial (RdHub *self, const char *call_id, const char *extension)
{
  if (g_hash_table_size (self->dialed) >= DIALED_MAX)
    g_hash_table_remove_all (self->dialed);
  g_hash_table_replace (self->dialed, g_strdup (call_id), g_strdup (extension));
}

/* ---- end-of-call records ---------------------------------------------------- */

static void
save_high_water_mark (RdHub *self, RdPbx *pbx)
{
  g_autoptr(GError) error = NULL;
  gint64 mark = rd_pbx_get_high_water_mark (pbx);

  if (pbx != self->pbx || mark <= self->pbx_mark_saved)
    return;
  if (!rd_store_set_setting_int (self->store, "pbx.high-water-mark", mark, &error))
    {
      g_warning ("Cannot save the PBX high-water mark: %s", error->message);
      return;
    }
  self->pbx_mark_saved = mark;
}

/* Stores one record and enqueues its CRM work, atomically. Returns TRUE when new. */
static gboolean
intake_record (RdHub *self, const RdCallRecord *record, const RdBinding *binding, GError **error)
{
  const char *remote_raw = record->direction == RD_DIRECTION_INBOUND ? record->from_number : record->to_number;
  g_autoptr(RdPhoneNumber) remote = NULL;
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(JsonObject) match = NULL;
  g_autofree char *match_text = NULL;
  gboolean inserted = FALSE;
  gboolean external;

  external = record->direction == RD_DIRECTION_INBOUND || record->direction == RD_DIRECTION_OUTBOUND;
  if (external)
    {
      g_autoptr(GError) parse_error = NULL;

      remote = rd_hub_parse_number (self, remote_raw, &parse_error);
      if (remote == NULL)
        g_debug ("Call record %s: remote number not usable: %s", record->call_id, parse_error->message);
    }
  if (remote != NULL && rd_hub_number_is_searchable (remote) && self->crm_state != RD_HUB_CRM_NOT_CONFIGURED)
    {
      local = rd_hub_lookup_local (self, remote);
      if (local->len > 0)
        {
          match = rd_agent_match_to_json (g_ptr_array_index (local, 0));
          match_text = rd_agent_frame_to_text (match, NULL);
        }
    }

  if (!rd_store_begin (self->store, error))
    return FALSE;
  if (!rd_store_call_upsert (self->store, record, match_text, &inserted, error))
    goto fail;
  if (inserted && external && self->crm_state != RD_HUB_CRM_NOT_CONFIGURED &&
      !rd_hub_outbox_enqueue_call (self, record, binding, remote, match, error))
    goto fail;
  if (!rd_store_commit (self->store, error))
    goto fail;
  return inserted;

fail:
  rd_store_rollback (self->store);
  return FALSE;
}

void
rd_hub_on_call_record (RdPbx *pbx, RdCallRecord *record, RdHub *self)
{
  g_autoptr(RdBinding) binding = NULL;
  g_autoptr(GError) error = NULL;
  gboolean inserted;

  if (record == NULL || ((record->uid == NULL || *record->uid == '\0') &&
                         (record->call_id == NULL || *record->call_id == '\0')))
    {
      g_warning ("Ignoring a call record without a call id or uid");
      return;
    }

  binding = rd_bindings_get_by_extension (self->bindings, record->extension);
  if (binding != NULL)
    {
      inserted = intake_record (self, record, binding, &error);
      if (error != NULL)
        {
          /* Do not advance the mark past a record we could not keep: catch-up brings it back. */
          g_warning ("Cannot store call record %s: %s", record->call_id ? record->call_id : record->uid,
                     error->message);
          return;
        }
      if (inserted)
        {
          g_debug ("Call %s of extension %s recorded (%s)", record->call_id ? record->call_id : record->uid,
                   record->extension, rd_outcome_to_string (record->outcome));
          if (self->agent_server != NULL && record->call_id != NULL)
            {
              g_autoptr(JsonObject) frame = rd_agent_frame_call_logged (record->call_id, record->outcome,
                                                                        record->total_seconds);

              rd_agent_server_send_to_extension (self->agent_server, record->extension, frame);
            }
          rd_hub_outbox_kick (self);
        }
    }
  if (record->call_id != NULL)
    g_hash_table_remove (self->dialed, record->call_id);
  save_high_water_mark (self, pbx);
}
