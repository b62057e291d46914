/* rd-yeastar-pbx.c — RdPbx over the Yeastar P-Series OpenAPI: state machine,
 * event dispatch, catch-up, and the REST operations. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-pbx.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-api.h"
#include "pbx/yeastar/rd-yeastar-call-tracker.h"
#include "pbx/yeastar/rd-yeastar-cdr.h"
#include "pbx/yeastar/rd-yeastar-directory.h"
#include "pbx/yeastar/rd-yeastar-events.h"
#include "pbx/yeastar/rd-yeastar-json.h"

#define CATCH_UP_MARGIN_S  300      /* spec §11: [mark − 5 min, now] */
#define SEEN_MAX           4096     /* record keys remembered to drop duplicates */
#define DEFAULT_PAGE_SIZE  100

struct _RdYeastarPbx
{
  GObject               parent_instance;

  RdYeastarClient      *client;
  RdYeastarToken       *token;
  RdYeastarEvents      *events;
  RdYeastarCallTracker *tracker;
  RdYeastarApi          api;
  GTimeZone            *tz;
  guint                 page_size;

  RdPbxState            state;
  char                 *state_message;
  gint64                high_water_mark;

  GCancellable         *cancellable;     /* catch-up and internal calls; reset on stop */
  gboolean              catching_up;
  gboolean              catch_up_again;
  guint                 catch_up_retry_id;
  guint                 catch_up_retry_ms;

  GHashTable           *seen;            /* record key set */
  GQueue                seen_order;

  gboolean              no_call_query;   /* the firmware has no call/query (10001) */
  guint                 reconcile_retry_id;
};

static void rd_yeastar_pbx_iface_init (RdPbxInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RdYeastarPbx, rd_yeastar_pbx, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_PBX, rd_yeastar_pbx_iface_init))

static void catch_up (RdYeastarPbx *self);
static void reconcile_calls (RdYeastarPbx *self);

/* ---- state ---------------------------------------------------------------------- */

static void
set_state (RdYeastarPbx *self, RdPbxState state, const char *message)
{
  if (self->state == state && g_strcmp0 (self->state_message, message) == 0)
    return;
  self->state = state;
  g_free (self->state_message);
  self->state_message = g_strdup (message);
  g_debug ("PBX state: %s%s%s", rd_pbx_state_to_string (state), message ? ": " : "", message ? message : "");
  g_signal_emit_by_name (self, "state-changed", (int) state, message);
}

static void
on_api_errcode (int errcode, const GError *error, GObject *owner)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (owner);

  if (rd_yeastar_errcode_is_fatal (errcode) && self->state != RD_PBX_STATE_DISCONNECTED)
    {
      rd_yeastar_events_stop (self->events);
      set_state (self, RD_PBX_STATE_FAILED, error->message);
    }
}

static void
on_events_connected (RdYeastarEvents *events, gboolean after_gap, gpointer user_data)
{
  RdYeastarPbx *self = user_data;

  if (self->high_water_mark == 0)
    self->high_water_mark = g_get_real_time () / G_USEC_PER_SEC;
  set_state (self, RD_PBX_STATE_CONNECTED, NULL);
  catch_up (self);
  if (after_gap)
    reconcile_calls (self);
}

static void
on_events_disconnected (RdYeastarEvents *events, GError *error, gpointer user_data)
{
  set_state (user_data, RD_PBX_STATE_RECONNECTING, error->message);
}

static void
on_events_failed (RdYeastarEvents *events, GError *error, gpointer user_data)
{
  set_state (user_data, RD_PBX_STATE_FAILED, error->message);
}

/* ---- records -------------------------------------------------------------------- */

static void
deliver_record (RdYeastarPbx *self, RdCallRecord *record)
{
  char *key = rd_call_record_key (record);

  if (g_hash_table_contains (self->seen, key))
    {
      g_debug ("record %s already delivered", key);
      g_free (key);
      return;
    }
  g_hash_table_add (self->seen, key);
  g_queue_push_tail (&self->seen_order, key);
  while (g_queue_get_length (&self->seen_order) > SEEN_MAX)
    g_hash_table_remove (self->seen, g_queue_pop_head (&self->seen_order));

  {
    const char *parties[] = { record->from_number, record->to_number, NULL };

    if (parties[0] == NULL)
      parties[0] = parties[1], parties[1] = NULL;
    if (record->call_id == NULL)
      rd_yeastar_call_tracker_end_matching (self->tracker, record);
    else if (record->outcome != RD_OUTCOME_ANSWERED)
      /* nobody took it (a ring group's or queue's one record names one member): all over */
      rd_yeastar_call_tracker_end_call (self->tracker, record->call_id, NULL);
    else
      rd_yeastar_call_tracker_end_call (self->tracker, record->call_id, parties);
  }
  if (record->start_unix > self->high_water_mark)
    self->high_water_mark = record->start_unix;
  g_signal_emit_by_name (self, "call-record", record);
}

static void
on_event (RdYeastarEvents *events, int type, JsonObject *msg, gpointer user_data)
{
  RdYeastarPbx *self = user_data;
  g_autoptr(GError) error = NULL;

  switch (type)
    {
    case 30011:
      if (!rd_yeastar_call_tracker_feed (self->tracker, msg, &error))
        g_warning ("ignoring a call status event: %s", error->message);
      break;
    case 30012:
      {
        g_autoptr(RdCallRecord) record = rd_yeastar_cdr_from_event (msg, self->tz, &error);

        if (record == NULL)
          {
            g_warning ("ignoring a call record event: %s", error->message);
            break;
          }
        deliver_record (self, record);
      }
      break;
    case 30015:
      {
        g_autofree char *call_id = rd_yeastar_json_dup_field (msg, "call_id", 128);
        g_autofree char *reason = rd_yeastar_json_dup_field (msg, "reason", 200);

        if (call_id == NULL)
          {
            g_warning ("ignoring a call-failed event without call_id");
            break;
          }
        rd_yeastar_call_tracker_end_call (self->tracker, call_id, NULL);
        g_signal_emit_by_name (self, "dial-failed", call_id, reason ? reason : "unknown reason");
      }
      break;
    case 30022:
      g_signal_emit_by_name (self, "extensions-changed");
      break;
    default:
      g_debug ("PBX event %d ignored", type);
      break;
    }
}

/* ---- catch-up ------------------------------------------------------------------- */

static int
compare_records (gconstpointer a, gconstpointer b)
{
  const RdCallRecord *ra = *(RdCallRecord * const *) a, *rb = *(RdCallRecord * const *) b;

  return (ra->start_unix > rb->start_unix) - (ra->start_unix < rb->start_unix);
}

static gboolean
on_catch_up_retry (gpointer user_data)
{
  RdYeastarPbx *self = user_data;

  self->catch_up_retry_id = 0;
  if (self->state == RD_PBX_STATE_CONNECTED)
    catch_up (self);
  return G_SOURCE_REMOVE;
}

static void
on_catch_up_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdYeastarPbx) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = rd_pbx_fetch_records_finish (RD_PBX (self), res, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->catching_up = FALSE;
  if (records == NULL)
    {
      g_warning ("catching up missed call records failed, will retry: %s", error->message);
      if (self->catch_up_retry_id == 0)
        self->catch_up_retry_id = g_timeout_add (self->catch_up_retry_ms, on_catch_up_retry, self);
      return;
    }
  g_debug ("catch-up: %u records", records->len);
  for (guint i = 0; i < records->len; i++)
    {
      RdCallRecord *record = g_ptr_array_index (records, i);

      deliver_record (self, record);
    }
  if (self->catch_up_again)
    {
      self->catch_up_again = FALSE;
      catch_up (self);
    }
}

static void
catch_up (RdYeastarPbx *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 from = self->high_water_mark;
  gint64 oldest = rd_yeastar_call_tracker_oldest_start (self->tracker);

  if (self->catching_up)
    {
      self->catch_up_again = TRUE;
      return;
    }
  /* a call still in progress started before the mark: its record must not be missed */
  if (oldest > 0 && oldest < from)
    from = oldest;
  from = MAX (0, from - CATCH_UP_MARGIN_S);
  self->catching_up = TRUE;
  rd_pbx_fetch_records_async (RD_PBX (self), from, now, self->cancellable, on_catch_up_done,
                              g_object_ref (self));
}

/* ---- reconciling live calls after a gap -------------------------------------------- */

/* Calls may have ended (or changed) while the event stream was away: a dropped socket,
 * an expired token, a restart. After every (re)connection each call still in progress
 * here is asked for (call/query): one the PBX no longer has is ended, the legs of one it
 * has are brought up to date. Records from the catch-up end calls too, but v1 CDR rows
 * often lack the call id, and unanswered legs have no record of their own. */

typedef struct {
  RdYeastarPbx *self;
  char         *call_id;
  gint64        asked;     /* monotonic µs */
} CallQuery;

static gboolean
on_reconcile_retry (gpointer user_data)
{
  RdYeastarPbx *self = user_data;

  self->reconcile_retry_id = 0;
  if (self->state == RD_PBX_STATE_CONNECTED)
    reconcile_calls (self);
  return G_SOURCE_REMOVE;
}

static void
on_call_queried (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallQuery *q = user_data;
  g_autoptr(RdYeastarPbx) self = q->self;
  g_autofree char *call_id = q->call_id;
  gint64 asked = q->asked;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = rd_yeastar_api_call_finish (res, &error);
  JsonArray *data;

  g_free (q);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* the event stream spoke of the call meanwhile (or ended it): it knows better now */
  if (rd_yeastar_call_tracker_last_seen (self->tracker, call_id) > asked ||
      rd_yeastar_call_tracker_last_seen (self->tracker, call_id) == 0)
    {
      g_debug ("call/query %s: the event stream has newer news", call_id);
      return;
    }
  if (reply == NULL && g_error_matches (error, RD_ERROR, RD_ERROR_UNAVAILABLE))
    {
      /* no call/query on this firmware: records are all there is to end calls with */
      g_message ("The PBX cannot list its active calls (%s): calls that ended while the event stream was "
                 "away end with their call records", error->message);
      self->no_call_query = TRUE;
      return;
    }
  if (reply == NULL && !g_error_matches (error, RD_ERROR, RD_ERROR_NOT_FOUND))
    {
      g_debug ("call/query %s: %s; asking again later", call_id, error->message);
      if (self->reconcile_retry_id == 0)
        self->reconcile_retry_id = g_timeout_add (self->catch_up_retry_ms, on_reconcile_retry, self);
      return;
    }
  data = reply != NULL ? rd_yeastar_json_get_array (reply, "data") : NULL;
  for (guint i = 0; data != NULL && i < json_array_get_length (data); i++)
    {
      JsonNode *node = json_array_get_element (data, i);
      JsonObject *call = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autoptr(GError) feed_error = NULL;

      if (call == NULL || g_strcmp0 (rd_yeastar_json_get_string (call, "call_id"), call_id) != 0)
        continue;
      if (!rd_yeastar_call_tracker_feed (self->tracker, call, &feed_error))
        g_warning ("ignoring the PBX's state of call %s: %s", call_id, feed_error->message);
      return;
    }
  g_debug ("call %s ended while the event stream was away", call_id);
  rd_yeastar_call_tracker_end_call (self->tracker, call_id, NULL);
}

static void
reconcile_calls (RdYeastarPbx *self)
{
  g_auto(GStrv) ids = rd_yeastar_call_tracker_dup_call_ids (self->tracker);

  g_clear_handle_id (&self->reconcile_retry_id, g_source_remove);
  if (self->no_call_query)
    return;
  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *query[] = { "call_id", ids[i], NULL };
      CallQuery *q = g_new0 (CallQuery, 1);

      q->self = g_object_ref (self);
      q->call_id = g_strdup (ids[i]);
      q->asked = g_get_monotonic_time ();
      rd_yeastar_api_call_async (&self->api, "GET", "call/query", query, NULL, self->cancellable,
                                 on_call_queried, q);
    }
}

/* ---- RdPbx: lifecycle ---------------------------------------------------------------- */

static void
pbx_start (RdPbx *pbx)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);

  if (self->state == RD_PBX_STATE_CONNECTED || self->state == RD_PBX_STATE_CONNECTING ||
      self->state == RD_PBX_STATE_RECONNECTING)
    return;
  set_state (self, RD_PBX_STATE_CONNECTING, NULL);
  rd_yeastar_events_start (self->events);
}

static void
on_revoked (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_yeastar_token_revoke_finish (RD_YEASTAR_TOKEN (source), res, &error))
    g_debug ("revoking tokens: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
pbx_stop_async (RdPbx *pbx, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);
  GTask *task = g_task_new (self, c, cb, data);

  g_task_set_source_tag (task, pbx_stop_async);
  rd_yeastar_events_stop (self->events);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->catching_up = self->catch_up_again = FALSE;
  g_clear_handle_id (&self->catch_up_retry_id, g_source_remove);
  g_clear_handle_id (&self->reconcile_retry_id, g_source_remove);
  set_state (self, RD_PBX_STATE_DISCONNECTED, NULL);
  rd_yeastar_token_revoke_async (self->token, c, on_revoked, task);
}

static gboolean
pbx_stop_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static RdPbxState
pbx_get_state (RdPbx *pbx)
{
  return RD_YEASTAR_PBX (pbx)->state;
}

static const char *
pbx_get_state_message (RdPbx *pbx)
{
  return RD_YEASTAR_PBX (pbx)->state_message;
}

static void
pbx_set_high_water_mark (RdPbx *pbx, gint64 unix_seconds)
{
  RD_YEASTAR_PBX (pbx)->high_water_mark = MAX (0, unix_seconds);
}

static gint64
pbx_get_high_water_mark (RdPbx *pbx)
{
  return RD_YEASTAR_PBX (pbx)->high_water_mark;
}

/* ---- shared async plumbing --------------------------------------------------------- */

static GTask *
new_task (RdYeastarPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data, gpointer tag)
{
  GTask *task = g_task_new (self, c, cb, data);

  g_task_set_source_tag (task, tag);
  return task;
}

static gboolean
reply_id (JsonObject *reply, const char *member, gint64 *id)
{
  JsonObject *data = rd_yeastar_json_get_object (reply, "data");

  return (rd_yeastar_json_get_int (reply, member, id) || rd_yeastar_json_get_int (data, member, id)) && *id > 0;
}

/* ---- dial --------------------------------------------------------------------------- */

static gboolean
valid_extension (const char *ext)
{
  gsize len = ext ? strlen (ext) : 0;

  if (len == 0 || len > 16)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (ext[i]))
      return FALSE;
  return TRUE;
}

/* Digits with an optional leading '+', '*' and '#'; spaces, dots, dashes and
 * parentheses dropped. NULL when nothing dialable is left or it is too long. */
static char *
dialable (const char *number)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (number == NULL)
    return NULL;
  for (const char *p = number; *p; p++)
    {
      if (g_ascii_isdigit (*p) || *p == '*' || *p == '#')
        g_string_append_c (out, *p);
      else if (*p == '+' && out->len == 0)
        g_string_append_c (out, *p);
      else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')')
        continue;
      else
        return NULL;
    }
  if (out->len == 0 || (out->len == 1 && out->str[0] == '+') || out->len > 32)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  RdYeastarCallTracker *tracker;
  guint                 ticket;
  char                 *extension;
  char                 *number;
} DialData;

static void
dial_data_free (gpointer data)
{
  DialData *d = data;

  if (d->ticket != 0)
    rd_yeastar_call_tracker_cancel_dial (d->tracker, d->ticket);   /* failed or cancelled */
  g_clear_object (&d->tracker);
  g_free (d->extension);
  g_free (d->number);
  g_free (d);
}

static void
on_dial_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdYeastarPbx *self = g_task_get_source_object (task);
  DialData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = rd_yeastar_api_call_finish (res, &error);
  g_autofree char *call_id = NULL;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  call_id = rd_yeastar_json_dup_text (reply, "call_id");
  if (call_id == NULL)
    call_id = rd_yeastar_json_dup_text (rd_yeastar_json_get_object (reply, "data"), "call_id");
  if (call_id == NULL || strlen (call_id) > 128)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "PBX call/dial: reply without a call_id");
      return;
    }
  rd_yeastar_call_tracker_note_dial (self->tracker, d->ticket, call_id, d->extension, d->number);
  d->ticket = 0;
  g_task_return_pointer (task, g_steal_pointer (&call_id), g_free);
}

static void
pbx_dial_async (RdPbx *pbx, const char *extension, const char *number,
                GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);
  g_autoptr(GTask) task = new_task (self, c, cb, data, pbx_dial_async);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *callee = dialable (number);
  DialData *d;

  if (!valid_extension (extension))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "“%s” is not an extension number", extension ? extension : "");
      return;
    }
  if (callee == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "the number to call is not dialable");
      return;
    }
  d = g_new0 (DialData, 1);
  d->tracker = g_object_ref (self->tracker);
  d->extension = g_strdup (extension);
  d->number = g_strdup (callee);
  d->ticket = rd_yeastar_call_tracker_begin_dial (self->tracker, extension, callee);
  g_task_set_task_data (task, d, dial_data_free);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "caller");
  json_builder_add_string_value (b, extension);
  json_builder_set_member_name (b, "callee");
  json_builder_add_string_value (b, callee);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  rd_yeastar_api_call_async (&self->api, "POST", "call/dial", NULL, body, c, on_dial_reply,
                             g_steal_pointer (&task));
}

static char *
pbx_dial_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- lists ----------------------------------------------------------------------- */

typedef gpointer (*ItemParser) (JsonObject *obj, GError **error);

typedef struct {
  ItemParser     parse;
  GDestroyNotify free_item;
  const char    *what;
} ListKind;

static const ListKind extension_list = { (ItemParser) rd_yeastar_extension_from_json,
                                         (GDestroyNotify) rd_extension_free, "extension" };
static const ListKind phonebook_list = { (ItemParser) rd_yeastar_phonebook_from_json,
                                         (GDestroyNotify) rd_phonebook_free, "phonebook" };
static const ListKind contact_list = { (ItemParser) rd_yeastar_contact_from_json,
                                       (GDestroyNotify) rd_pbx_contact_free, "contact" };

static void
on_list_fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  const ListKind *kind = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = rd_yeastar_api_fetch_all_finish (res, &error);
  g_autoptr(GPtrArray) out = NULL;

  if (items == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  out = g_ptr_array_new_full (items->len, kind->free_item);
  for (guint i = 0; i < items->len; i++)
    {
      g_autoptr(GError) item_error = NULL;
      gpointer item = kind->parse (g_ptr_array_index (items, i), &item_error);

      if (item != NULL)
        g_ptr_array_add (out, item);
      else
        g_warning ("skipping a malformed %s from the PBX: %s", kind->what, item_error->message);
    }
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
}

static void
fetch_list (RdYeastarPbx *self, const ListKind *kind, const char *endpoint, const char * const *query,
            GCancellable *c, GAsyncReadyCallback cb, gpointer data, gpointer tag)
{
  GTask *task = new_task (self, c, cb, data, tag);

  g_task_set_task_data (task, (gpointer) kind, NULL);
  rd_yeastar_api_fetch_all_async (&self->api, endpoint, query, self->page_size, c, on_list_fetched, task);
}

static GPtrArray *
list_finish (GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
pbx_list_extensions_async (RdPbx *pbx, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  fetch_list (RD_YEASTAR_PBX (pbx), &extension_list, "extension/list", NULL, c, cb, data,
              pbx_list_extensions_async);
}

static GPtrArray *
pbx_list_extensions_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return list_finish (res, error);
}

static void
pbx_list_phonebooks_async (RdPbx *pbx, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  fetch_list (RD_YEASTAR_PBX (pbx), &phonebook_list, "phonebook/list", NULL, c, cb, data,
              pbx_list_phonebooks_async);
}

static GPtrArray *
pbx_list_phonebooks_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return list_finish (res, error);
}

static void
pbx_search_contacts_async (RdPbx *pbx, const char *text, GCancellable *c, GAsyncReadyCallback cb,
                           gpointer data)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);
  const char *query[] = { "search_value", text, NULL };

  if (text == NULL || *text == '\0' || g_utf8_strlen (text, -1) > 64 || !g_utf8_validate (text, -1, NULL))
    {
      g_autoptr(GTask) task = new_task (self, c, cb, data, pbx_search_contacts_async);
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "contact search text must have 1 to 64 characters");
      return;
    }
  fetch_list (self, &contact_list, "company_contact/search", query, c, cb, data, pbx_search_contacts_async);
}

static GPtrArray *
pbx_search_contacts_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return list_finish (res, error);
}

/* ---- phonebooks and contacts --------------------------------------------------------- */

static void
on_id_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = rd_yeastar_api_call_finish (res, &error);
  gint64 id = 0;

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!reply_id (reply, "id", &id))
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "PBX reply without the new id");
  else
    g_task_return_int (task, id);
}

static gint64
id_finish (GAsyncResult *res, GError **error)
{
  g_autoptr(GError) local = NULL;
  gssize id = g_task_propagate_int (G_TASK (res), &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return 0;
    }
  return id;
}

static void
pbx_create_phonebook_async (RdPbx *pbx, const char *name, GCancellable *c, GAsyncReadyCallback cb,
                            gpointer data)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);
  g_autoptr(GTask) task = new_task (self, c, cb, data, pbx_create_phonebook_async);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *clean = name ? g_strstrip (g_strdup (name)) : NULL;

  if (clean == NULL || *clean == '\0' || g_utf8_strlen (clean, -1) > 64 || !g_utf8_validate (clean, -1, NULL))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "a phonebook name needs 1 to 64 characters");
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, clean);
  json_builder_set_member_name (b, "member_select");
  json_builder_add_string_value (b, "sel_specific");
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  rd_yeastar_api_call_async (&self->api, "POST", "phonebook/create", NULL, body, c, on_id_reply,
                             g_steal_pointer (&task));
}

static gint64
pbx_create_phonebook_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return id_finish (res, error);
}

typedef struct {
  RdPbxContact *contact;
  gint64        phonebook_id;
} UpsertData;

static void
upsert_data_free (gpointer data)
{
  UpsertData *u = data;

  rd_pbx_contact_free (u->contact);
  g_free (u);
}

static RdPbxContact *
contact_copy (const RdPbxContact *src)
{
  RdPbxContact *copy = rd_pbx_contact_new ();

  copy->id = src->id;
  copy->first_name = g_strdup (src->first_name);
  copy->last_name = g_strdup (src->last_name);
  copy->company = g_strdup (src->company);
  copy->email = g_strdup (src->email);
  copy->remark = g_strdup (src->remark);
  for (guint i = 0; src->numbers && i < src->numbers->len; i++)
    {
      const RdPbxContactNumber *n = g_ptr_array_index (src->numbers, i);
      rd_pbx_contact_add_number (copy, n->type ? n->type : "", n->number ? n->number : "");
    }
  return copy;
}

static void send_upsert (GTask *task);

static void
on_upsert_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  UpsertData *u = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = rd_yeastar_api_call_finish (res, &error);
  gint64 id = 0;

  if (reply == NULL && u->contact->id > 0 && g_error_matches (error, RD_ERROR, RD_ERROR_NOT_FOUND))
    {
      /* deleted on the PBX since we last saw it: create it again */
      g_debug ("contact %" G_GINT64_FORMAT " vanished from the PBX; re-creating it", u->contact->id);
      u->contact->id = 0;
      send_upsert (g_steal_pointer (&task));
      return;
    }
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (u->contact->id > 0)
    id = u->contact->id;
  else if (!reply_id (reply, "id", &id))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "PBX company_contact/create: reply without an id");
      return;
    }
  g_task_return_int (task, id);
}

static void
send_upsert (GTask *task)
{
  RdYeastarPbx *self = g_task_get_source_object (task);
  UpsertData *u = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = rd_yeastar_contact_to_json (u->contact, u->phonebook_id, &error);

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  rd_yeastar_api_call_async (&self->api, "POST",
                             u->contact->id > 0 ? "company_contact/update" : "company_contact/create",
                             NULL, body, g_task_get_cancellable (task), on_upsert_reply, task);
}

static void
pbx_upsert_contact_async (RdPbx *pbx, gint64 phonebook_id, const RdPbxContact *contact,
                          GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);
  GTask *task = new_task (self, c, cb, data, pbx_upsert_contact_async);
  UpsertData *u;

  if (contact == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "no contact given");
      g_object_unref (task);
      return;
    }
  u = g_new0 (UpsertData, 1);
  u->contact = contact_copy (contact);
  u->phonebook_id = phonebook_id;
  g_task_set_task_data (task, u, upsert_data_free);
  send_upsert (task);
}

static gint64
pbx_upsert_contact_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return id_finish (res, error);
}

/* ---- records ------------------------------------------------------------------------- */

static void
on_records_fetched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdYeastarPbx *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = rd_yeastar_api_fetch_all_finish (res, &error);
  g_autoptr(GPtrArray) records = NULL;

  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  records = g_ptr_array_new_full (rows->len, (GDestroyNotify) rd_call_record_free);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(GError) row_error = NULL;
      RdCallRecord *record = rd_yeastar_cdr_from_row (g_ptr_array_index (rows, i), self->tz, &row_error);

      if (record != NULL)
        g_ptr_array_add (records, record);
      else
        g_warning ("skipping a malformed call record row: %s", row_error->message);
    }
  g_ptr_array_sort (records, compare_records);
  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

static void
pbx_fetch_records_async (RdPbx *pbx, gint64 from, gint64 to, GCancellable *c, GAsyncReadyCallback cb,
                         gpointer data)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);
  GTask *task = new_task (self, c, cb, data, pbx_fetch_records_async);
  g_autofree char *start = g_strdup_printf ("%" G_GINT64_FORMAT, from);
  g_autofree char *end = g_strdup_printf ("%" G_GINT64_FORMAT, to);
  const char *query[] = { "start_time", start, "end_time", end, NULL };

  if (from < 0 || to < from)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "invalid record time range");
      g_object_unref (task);
      return;
    }
  rd_yeastar_api_fetch_all_async (&self->api, "cdr/search", query, self->page_size, c,
                                  on_records_fetched, task);
}

static GPtrArray *
pbx_fetch_records_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
pbx_adopt_calls (RdPbx *pbx, GPtrArray *legs)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (pbx);

  for (guint i = 0; legs != NULL && i < legs->len; i++)
    rd_yeastar_call_tracker_adopt (self->tracker, g_ptr_array_index (legs, i));
}

static char *
pbx_dup_session_state (RdPbx *pbx)
{
  return rd_yeastar_token_dup_state (RD_YEASTAR_PBX (pbx)->token);
}

static void
on_token_state_changed (RdYeastarToken *token, gpointer user_data)
{
  g_signal_emit_by_name (user_data, "session-changed");
}

/* ---- object ---------------------------------------------------------------------------- */

static void
rd_yeastar_pbx_iface_init (RdPbxInterface *iface)
{
  iface->start = pbx_start;
  iface->stop_async = pbx_stop_async;
  iface->stop_finish = pbx_stop_finish;
  iface->get_state = pbx_get_state;
  iface->get_state_message = pbx_get_state_message;
  iface->set_high_water_mark = pbx_set_high_water_mark;
  iface->get_high_water_mark = pbx_get_high_water_mark;
  iface->dial_async = pbx_dial_async;
  iface->dial_finish = pbx_dial_finish;
  iface->list_extensions_async = pbx_list_extensions_async;
  iface->list_extensions_finish = pbx_list_extensions_finish;
  iface->list_phonebooks_async = pbx_list_phonebooks_async;
  iface->list_phonebooks_finish = pbx_list_phonebooks_finish;
  iface->create_phonebook_async = pbx_create_phonebook_async;
  iface->create_phonebook_finish = pbx_create_phonebook_finish;
  iface->upsert_contact_async = pbx_upsert_contact_async;
  iface->upsert_contact_finish = pbx_upsert_contact_finish;
  iface->search_contacts_async = pbx_search_contacts_async;
  iface->search_contacts_finish = pbx_search_contacts_finish;
  iface->fetch_records_async = pbx_fetch_records_async;
  iface->fetch_records_finish = pbx_fetch_records_finish;
  iface->dup_session_state = pbx_dup_session_state;
  iface->adopt_calls = pbx_adopt_calls;
}

static void
rd_yeastar_pbx_dispose (GObject *object)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->catch_up_retry_id, g_source_remove);
  g_clear_handle_id (&self->reconcile_retry_id, g_source_remove);
  if (self->events != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->events, self);
      rd_yeastar_events_stop (self->events);
    }
  if (self->tracker != NULL)
    g_signal_handlers_disconnect_by_data (self->tracker, self);
  if (self->token != NULL)
    g_signal_handlers_disconnect_by_data (self->token, self);
  g_clear_object (&self->events);
  g_clear_object (&self->tracker);
  g_clear_object (&self->token);
  g_clear_object (&self->client);
  self->api.client = NULL;
  self->api.token = NULL;
  G_OBJECT_CLASS (rd_yeastar_pbx_parent_class)->dispose (object);
}

static void
rd_yeastar_pbx_finalize (GObject *object)
{
  RdYeastarPbx *self = RD_YEASTAR_PBX (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_free (self->state_message);
  g_queue_clear (&self->seen_order);
  g_hash_table_unref (self->seen);
  G_OBJECT_CLASS (rd_yeastar_pbx_parent_class)->finalize (object);
}

static void
rd_yeastar_pbx_class_init (RdYeastarPbxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_yeastar_pbx_dispose;
  object_class->finalize = rd_yeastar_pbx_finalize;
}

static void
rd_yeastar_pbx_init (RdYeastarPbx *self)
{
  self->state = RD_PBX_STATE_DISCONNECTED;
  self->page_size = DEFAULT_PAGE_SIZE;
  self->catch_up_retry_ms = 5000;
  self->cancellable = g_cancellable_new ();
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->seen_order);
}

static void
on_tracker_event (RdYeastarCallTracker *tracker, RdCallEvent *event, gpointer user_data)
{
  g_signal_emit_by_name (user_data, "call-event", event);
}

/* The backend's own settings (RdPbxConfig.options): the OpenAPI client's credentials and the
 * zone the PBX writes CDR times in. */
enum { OPT_CLIENT_ID, OPT_CLIENT_SECRET, OPT_TIME_ZONE };

static const RdOptionSpec yeastar_options[] = {
  [OPT_CLIENT_ID] = { "client-id", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "PBX client id", NULL,
                      N_("Client ID"),
                      N_("In the PBX's web portal: Integrations → API, with the API enabled."), NULL },
  [OPT_CLIENT_SECRET] = { "client-secret", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET,
                          "PBX client secret", NULL, N_("Client secret"),
                          N_("The secret can dial from any extension: it stays on the hub and is never shown "
                             "again."), NULL },
  [OPT_TIME_ZONE] = { "time-zone", RD_OPTION_STRING, 0, "PBX time zone", NULL, N_("PBX time zone"),
                      N_("The zone of the times in the PBX's call records (IANA name); empty: the hub's own "
                         "zone."), "Asia/Shanghai" },
  { NULL },
};

static RdPbx *
new_as_pbx (const RdPbxConfig *config, GError **error)
{
  return RD_PBX (rd_yeastar_pbx_new (config, error));
}

const RdPbxBackend rd_yeastar_pbx_backend = {
  .kind = "yeastar",
  .name = "Yeastar P-Series",
  .options = yeastar_options,
  .new_func = new_as_pbx,
};

RdYeastarPbx *
rd_yeastar_pbx_new (const RdPbxConfig *config, GError **error)
{
  g_autoptr(RdYeastarPbx) self = NULL;
  g_autoptr(RdYeastarClient) client = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  const char *time_zone;

  g_return_val_if_fail (config != NULL, NULL);

  if (!rd_options_validate (config->options, yeastar_options, error))
    return NULL;
  time_zone = rd_options_get_string (config->options, &yeastar_options[OPT_TIME_ZONE]);
  if (time_zone != NULL)
    {
      tz = g_time_zone_new_identifier (time_zone);
      if (tz == NULL)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "The PBX time zone must be a time zone name such as Asia/Shanghai or Europe/Paris");
          return NULL;
        }
    }
  else
    tz = g_time_zone_new_local ();
  client = rd_yeastar_client_new (config->base_url, config->user_agent, config->cert_sha256,
                                  config->allow_insecure, config->request_timeout, error);
  if (client == NULL)
    return NULL;

  self = g_object_new (RD_TYPE_YEASTAR_PBX, NULL);
  self->client = g_steal_pointer (&client);
  self->tz = g_steal_pointer (&tz);
  self->token = rd_yeastar_token_new (self->client,
                                      rd_options_get_string (config->options, &yeastar_options[OPT_CLIENT_ID]),
                                      rd_options_get_string (config->options, &yeastar_options[OPT_CLIENT_SECRET]));
  if (config->session_state != NULL)
    {
      g_autoptr(GError) restore_error = NULL;

      if (!rd_yeastar_token_restore (self->token, config->session_state, &restore_error))
        g_debug ("not reusing the saved PBX session: %s", restore_error->message);
    }
  g_signal_connect (self->token, "state-changed", G_CALLBACK (on_token_state_changed), self);
  self->events = rd_yeastar_events_new (self->client, self->token);
  self->tracker = rd_yeastar_call_tracker_new ();
  self->api = (RdYeastarApi) { self->client, self->token, on_api_errcode, G_OBJECT (self) };

  g_signal_connect (self->events, "connected", G_CALLBACK (on_events_connected), self);
  g_signal_connect (self->events, "disconnected", G_CALLBACK (on_events_disconnected), self);
  g_signal_connect (self->events, "failed", G_CALLBACK (on_events_failed), self);
  g_signal_connect (self->events, "event", G_CALLBACK (on_event), self);
  g_signal_connect (self->tracker, "call-event", G_CALLBACK (on_tracker_event), self);
  return g_steal_pointer (&self);
}

void
rd_yeastar_pbx_set_test_timings (RdYeastarPbx *self, guint heartbeat_ms, guint backoff_base_ms,
                                 guint backoff_max_ms, double refresh_fraction)
{
  g_return_if_fail (RD_IS_YEASTAR_PBX (self));
  rd_yeastar_events_set_timings (self->events, heartbeat_ms, backoff_base_ms, backoff_max_ms);
  if (refresh_fraction > 0)
    rd_yeastar_token_set_refresh_fraction (self->token, refresh_fraction);
  if (backoff_base_ms > 0)
    self->catch_up_retry_ms = backoff_base_ms;
}

void
rd_yeastar_pbx_set_page_size (RdYeastarPbx *self, guint page_size)
{
  g_return_if_fail (RD_IS_YEASTAR_PBX (self));
  if (page_size > 0)
    self->page_size = MIN (page_size, 10000);
}
