/* rd-call-table.c — the live-call table: the legs of bound extensions' calls in progress, the
 * pop (the first frame may wait a moment for the caller's CRM record), the dials agents
 * started. */
#include "config.h"

#include "hub/rd-call-table.h"

#include "hub/rd-desk-frames.h"
#include "hub/rd-phone-index.h"

/* How long the first frame of a call may wait for the CRM on an index miss. */
#define POP_WAIT_MS 300
/* Live calls not seen for this long are forgotten (their ENDED event was lost). */
#define LIVE_CALL_MAX_AGE_US (6 * G_TIME_SPAN_HOUR)
#define DIALED_MAX 4096

struct _RdCallTable
{
  GObject       parent_instance;

  RdHubContext *context;    /* not owned: the engine owns the table */
  RdStore      *store;
  RdBindings   *bindings;
  GHashTable   *calls;      /* "call_id\x1fextension" → LiveCall */
  GHashTable   *dialed;     /* call id → extension that dialed it (agent dial) */
};

G_DEFINE_FINAL_TYPE (RdCallTable, rd_call_table, G_TYPE_OBJECT)

enum { SIGNAL_SEND, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  RdCallTable   *table;           /* not owned */
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
  guint          keep_id;         /* live_call_keep() to come (live_call_keep_soon) */
} LiveCall;

static void live_call_keep (LiveCall *live);

static void
live_call_free (LiveCall *live)
{
  /* A leg that goes (ended) is removed from the store now, not never. */
  if (live->keep_id != 0)
    {
      g_clear_handle_id (&live->keep_id, g_source_remove);
      live_call_keep (live);
    }
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


/* ---- live events ---------------------------------------------------------- */

static void
send_event (LiveCall *live, const RdCallEvent *event)
{
  g_autoptr(JsonObject) frame = rd_desk_frame_call (event, live->number, live->match, live->lookup_pending);

  g_signal_emit (live->table, signals[SIGNAL_SEND], 0, live->extension, frame);
}

/* The leg's last state (and match) is kept in the store from its first event to its end,
 * so that a restart can end it for the agent, or carry it on. */
static void
live_call_keep (LiveCall *live)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *match = NULL;
  gboolean ok;

  if (live->last == NULL || live->table->store == NULL)
    return;
  /* A relaxed commit: what a power cut takes back is a call that ended with it anyway. */
  rd_store_relaxed_begin (live->table->store);
  if (live->ended)
    ok = rd_store_live_call_remove (live->table->store, live->call_id, live->extension, &error);
  else
    {
      match = live->match != NULL ? rd_desk_frame_to_text (live->match, NULL) : NULL;
      ok = rd_store_live_call_put (live->table->store, live->last, match, &error);
    }
  rd_store_relaxed_end (live->table->store);
  if (!ok)
    g_warning ("Call %s: %s", live->call_id, error->message);
}

static gboolean
keep_cb (gpointer user_data)
{
  LiveCall *live = user_data;

  live->keep_id = 0;
  live_call_keep (live);
  return G_SOURCE_REMOVE;
}

/* live_call_keep() once the main loop has nothing more urgent to do (the first frame waits for
 * the lookup's answer, which comes in a later iteration). Several changes meanwhile are kept
 * at once. */
static void
live_call_keep_soon (LiveCall *live)
{
  if (live->keep_id == 0)
    live->keep_id = g_idle_add_full (G_PRIORITY_LOW, keep_cb, live, NULL);
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
    g_hash_table_remove (live->table->calls, live->key);
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
  RdCallTable *table;
  char  *key;
} LiveRef;

static void
live_lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LiveRef *ref = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_hub_context_lookup_finish (RD_HUB_CONTEXT (source), result, &error);
  LiveCall *live = NULL;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && ref->table->calls != NULL)
    live = g_hash_table_lookup (ref->table->calls, ref->key);
  g_free (ref->key);
  g_object_unref (ref->table);
  g_free (ref);
  if (live == NULL)
    return;

  if (matches == NULL)
    g_warning ("Call %s: CRM lookup failed: %s", live->call_id, error->message);
  else if (matches->len > 0)
    {
      g_clear_pointer (&live->match, json_object_unref);
      live->match = rd_desk_match_to_json (g_ptr_array_index (matches, 0));
      live_call_keep_soon (live);
    }
  live->lookup_pending = FALSE;

  if (!live->first_sent)
    flush_first (live);
  else
    {
      g_autoptr(JsonObject) frame = rd_desk_frame_match (live->call_id, live->match);

      g_signal_emit (live->table, signals[SIGNAL_SEND], 0, live->extension, frame);
    }
  forget_if_ended (live);
}

static void
sweep_stale_calls (RdCallTable *self, gint64 now)
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
  RdCallTable *self = live->table;
  g_autoptr(GPtrArray) local = NULL;

  /* A paused integration does no lookups at all. */
  if (live->number == NULL || !rd_hub_context_get_settings (self->context)->enabled ||
      !rd_hub_context_crm_configured (self->context) || !rd_phone_index_is_searchable (live->number))
    return;

  local = rd_hub_context_lookup_local (self->context, live->number);
  if (local->len > 0)
    {
      g_clear_pointer (&live->match, json_object_unref);
      live->match = rd_desk_match_to_json (g_ptr_array_index (local, 0));
      return;
    }
  if (rd_hub_context_crm_ready (self->context) && !live->lookup_pending)
    {
      LiveRef *ref = g_new0 (LiveRef, 1);

      ref->table = g_object_ref (self);
      ref->key = g_strdup (live->key);
      live->lookup_pending = TRUE;
      g_clear_object (&live->cancellable);
      live->cancellable = g_cancellable_new ();
      if (!live->first_sent)
        {
          live->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_event_free);
          live->wait_id = g_timeout_add (POP_WAIT_MS, pop_wait_cb, live);
        }
      rd_hub_context_lookup_async (self->context, live->number, live->cancellable, live_lookup_cb, ref);
    }
}

static void
live_call_set_number (LiveCall *live, const char *remote_number)
{
  g_autoptr(GError) error = NULL;

  live->number = rd_phone_parse (remote_number != NULL ? remote_number : "", -1,
                                 rd_hub_context_get_region (live->table->context), NULL, &error);
  if (live->number == NULL)
    g_debug ("Call %s: caller id not usable: %s", live->call_id, error->message);
}

static LiveCall *
live_call_new (RdCallTable *self, const RdCallEvent *event, char *key)
{
  LiveCall *live = g_new0 (LiveCall, 1);

  live->table = self;
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
rd_call_table_on_event (RdCallTable *self, const RdCallEvent *event)
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
  live_call_keep_soon (live);   /* for a restart, after the frame */
  forget_if_ended (live);
}

/* ---- across restarts and PBX changes ------------------------------------------- */

/* Takes back the legs in progress when the hub stopped (a crash included): the agents
 * were shown them, so they are ended, or carried on, as the PBX tells after connecting. */
void
rd_call_table_restore (RdCallTable *self)
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

      live->table = self;
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
rd_call_table_dup_legs (RdCallTable *self)
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
rd_call_table_snapshot (RdCallTable *self, const char *extension)
{
  JsonArray *calls = json_array_new ();
  GHashTableIter iter;
  LiveCall *live;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &live))
    if (!live->ended && live->first_sent && live->last != NULL && g_strcmp0 (live->extension, extension) == 0)
      json_array_add_object_element (calls, rd_desk_frame_call (live->last, live->number, live->match,
                                                                 live->lookup_pending));
  return calls;
}

void
rd_call_table_end_all (RdCallTable *self)
{
  g_autoptr(GPtrArray) legs = rd_call_table_dup_legs (self);

  for (guint i = 0; i < legs->len; i++)
    {
      RdCallEvent *leg = g_ptr_array_index (legs, i);

      leg->state = RD_CALL_STATE_ENDED;
      leg->timestamp_us = g_get_real_time ();
      rd_call_table_on_event (self, leg);
    }
}

void
rd_call_table_dial_failed (RdCallTable *self, const char *call_id, const char *reason)
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
  {
    g_autoptr(JsonObject) frame = rd_desk_frame_dial_failed (call_id, reason ? reason : "failed");

    g_signal_emit (self, signals[SIGNAL_SEND], 0, extension, frame);
  }
  g_hash_table_remove (self->dialed, call_id);
}

void
rd_call_table_remember_dial (RdCallTable *self, const char *call_id, const char *extension)
{
  if (g_hash_table_size (self->dialed) >= DIALED_MAX)
    g_hash_table_remove_all (self->dialed);
  g_hash_table_replace (self->dialed, g_strdup (call_id), g_strdup (extension));
}

void
rd_call_table_forget_dial (RdCallTable *self, const char *call_id)
{
  if (call_id != NULL)
    g_hash_table_remove (self->dialed, call_id);
}

guint
rd_call_table_count_calls (RdCallTable *self)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  LiveCall *live;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &live))
    g_hash_table_add (ids, g_strdup (live->call_id));
  return g_hash_table_size (ids);
}

static void
rd_call_table_dispose (GObject *object)
{
  RdCallTable *self = RD_CALL_TABLE (object);

  g_clear_pointer (&self->calls, g_hash_table_unref);   /* cancels the lookups in flight */
  g_clear_pointer (&self->dialed, g_hash_table_unref);
  G_OBJECT_CLASS (rd_call_table_parent_class)->dispose (object);
}

static void
rd_call_table_finalize (GObject *object)
{
  RdCallTable *self = RD_CALL_TABLE (object);

  g_clear_object (&self->store);
  g_clear_object (&self->bindings);
  G_OBJECT_CLASS (rd_call_table_parent_class)->finalize (object);
}

static void
rd_call_table_class_init (RdCallTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_call_table_dispose;
  object_class->finalize = rd_call_table_finalize;

  /**
   * RdCallTable::send:
   * @extension: the agent's extension
   * @frame: (transfer none): a hub → agent frame (docs/agent-protocol.md)
   *
   * A frame for the sessions of @extension.
   */
  signals[SIGNAL_SEND] = g_signal_new ("send", RD_TYPE_CALL_TABLE, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
}

static void
rd_call_table_init (RdCallTable *self)
{
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) live_call_free);
  self->dialed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

RdCallTable *
rd_call_table_new (RdHubContext *context, RdStore *store, RdBindings *bindings)
{
  RdCallTable *self;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (context), NULL);
  g_return_val_if_fail (RD_IS_STORE (store), NULL);
  g_return_val_if_fail (RD_IS_BINDINGS (bindings), NULL);

  self = g_object_new (RD_TYPE_CALL_TABLE, NULL);
  self->context = context;
  self->store = g_object_ref (store);
  self->bindings = g_object_ref (bindings);
  return self;
}
