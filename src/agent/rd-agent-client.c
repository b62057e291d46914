#include "config.h"

#include "agent/rd-agent-client.h"

#include "agent/rd-agent-hub-frame.h"
#include "core/rd-error.h"
#include "core/rd-loopback.h"
#include "core/rd-tls-pin.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define REQUEST_TIMEOUT_S     15
#define HANDSHAKE_TIMEOUT_S   30   /* connect + sign-in */
#define PING_INTERVAL_S       30
#define KEEPALIVE_S           30
#define BACKOFF_MIN_MS        1000
#define BACKOFF_MAX_MS        60000
#define CLOSE_UNAUTHORIZED    4401
#define CLOSE_FORBIDDEN       4403
#define CLOSE_REVOKED         4410

typedef struct _Pending Pending;

struct _RdAgentClient
{
  GObject                  parent_instance;

  /* configuration */
  char                    *hub_url;
  RdTlsPin                *pin;             /* the hub's pinned certificate: the session's TLS database */
  char                    *pin_error;       /* why the configured pin is not usable */
  char                    *method;          /* "agent-key", "crm-key" or NULL */
  char                    *who;             /* extension or login */
  char                    *key;             /* never logged */
  gboolean                 started;

  /* session */
  char                    *token;           /* never logged */
  gint64                   token_expires;   /* unix seconds */
  gboolean                 resuming;        /* the current hello used the token */

  /* published state */
  RdAgentState             state;
  char                    *extension;
  char                    *user_name;
  char                    *pbx_status;
  char                    *crm_status;
  char                    *status_message;
  char                    *last_error;
  char                    *revoked_reason;   /* the hub's reason when it ended our access */
  char                    *close_message;    /* why the hub closed us, for the user (translated) */

  /* connection */
  GMainContext            *context;          /* the creator's thread-default context: all I/O and timers */
  SoupSession             *soup;
  gboolean                 direct;          /* soup asks for no proxy: the hub is on loopback */
  SoupMessage             *handshake;
  SoupWebsocketConnection *ws;
  GCancellable            *connect_cancellable;
  guint                    handshake_timeout_id;
  guint                    reconnect_id;
  guint                    ping_id;
  guint                    attempt;          /* reconnect attempts since the last sign-in */
  gint64                   not_before_us;    /* monotonic: the hub asked us to wait until then */

  /* calls in progress as last shown (call id → RdAgentCall): a welcome after a gap ends
   * those the hub no longer has */
  GHashTable              *live;

  /* requests */
  GHashTable              *pending;          /* gint64 id → Pending* */
  gint64                   next_id;
};

G_DEFINE_FINAL_TYPE (RdAgentClient, rd_agent_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_EXTENSION,
  PROP_USER_NAME,
  PROP_PBX_STATUS,
  PROP_CRM_STATUS,
  PROP_STATUS_MESSAGE,
  PROP_LAST_ERROR,
  PROP_REVOKED_REASON,
  PROP_CLOSE_MESSAGE,
  N_PROPS
};

enum {
  SIGNAL_CALL,
  SIGNAL_MATCH,
  SIGNAL_DIAL_FAILED,
  SIGNAL_CALL_LOGGED,
  SIGNAL_STATUS_CHANGED,
  SIGNAL_ACCESS_ENDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now        (RdAgentClient *self);
static void schedule_reconnect (RdAgentClient *self);
static void teardown           (RdAgentClient *self, const char *why);

/* ---- small helpers ------------------------------------------------------- */

static void
wipe_string (char **secret)
{
  if (*secret != NULL)
    {
      memset (*secret, 0, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static void
set_prop_string (RdAgentClient *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_state (RdAgentClient *self, RdAgentState state)
{
  if (self->state == state)
    return;
  g_debug ("agent client: %s -> %s", rd_agent_state_to_string (self->state),
           rd_agent_state_to_string (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_last_error (RdAgentClient *self, const char *message)
{
  set_prop_string (self, &self->last_error, message, PROP_LAST_ERROR);
}

static void
forget_token (RdAgentClient *self)
{
  wipe_string (&self->token);
  self->token_expires = 0;
}

/* ---- requests ------------------------------------------------------------ */

/* Timers run in the client's own main context (the thread-default one of the thread that created
 * it, where its SoupSession does its I/O too): a client living on a worker thread must never run
 * code, or touch its WebSocket, on another thread. g_timeout_add() would use the global default. */
static guint
client_timeout_add (RdAgentClient *self, guint interval_ms, gboolean seconds, GSourceFunc func, gpointer data)
{
  g_autoptr(GSource) source = seconds ? g_timeout_source_new_seconds (interval_ms / 1000)
                                      : g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, NULL);
  return g_source_attach (source, self->context);
}

static void
client_source_clear (RdAgentClient *self, guint *id)
{
  GSource *source;

  if (*id == 0)
    return;
  source = g_main_context_find_source_by_id (self->context, *id);
  if (source != NULL)
    g_source_destroy (source);
  *id = 0;
}

struct _Pending
{
  RdAgentClient       *self;
  gint64               id;
  GTask               *task;
  RdAgentHubFrameType  expect;
  guint                timeout_id;
  GSource             *cancel_source;
};

static void
pending_free (Pending *pending)
{
  client_source_clear (pending->self, &pending->timeout_id);
  if (pending->cancel_source != NULL)
    {
      g_source_destroy (pending->cancel_source);
      g_source_unref (pending->cancel_source);
    }
  g_clear_object (&pending->task);
  g_free (pending);
}

/* Removes the request @id and hands back its task (NULL if it is no longer pending). */
static GTask *
pending_take (RdAgentClient *self, gint64 id)
{
  Pending *pending = g_hash_table_lookup (self->pending, &id);
  GTask *task;

  if (pending == NULL)
    return NULL;
  task = g_steal_pointer (&pending->task);
  g_hash_table_remove (self->pending, &id);
  return task;
}

static void
pending_fail (RdAgentClient *self, gint64 id, GError *error)
{
  g_autoptr(GTask) task = pending_take (self, id);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static void
fail_all_pending (RdAgentClient *self, const char *why)
{
  g_autoptr(GList) ids = g_hash_table_get_keys (self->pending);
  g_autoptr(GArray) copy = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (GList *l = ids; l != NULL; l = l->next)
    g_array_append_val (copy, *(gint64 *) l->data);
  for (guint i = 0; i < copy->len; i++)
    pending_fail (self, g_array_index (copy, gint64, i),
                  g_error_new (RD_ERROR, RD_ERROR_NETWORK, "Connection to the hub lost: %s", why));
}

static gboolean
on_request_timeout (gpointer user_data)
{
  Pending *pending = user_data;

  pending->timeout_id = 0;
  pending_fail (pending->self, pending->id,
                g_error_new_literal (RD_ERROR, RD_ERROR_TIMEOUT, "The hub did not answer in time"));
  return G_SOURCE_REMOVE;
}

static gboolean
on_request_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Pending *pending = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  pending_fail (pending->self, pending->id, error);
  return G_SOURCE_REMOVE;
}

/* Sends a request frame (@fields consumed, "type" and "id" added) and keeps
 * @task (consumed) until the reply, a timeout, cancellation or a lost socket. */
static void
send_request (RdAgentClient *self, const char *type, JsonObject *fields, RdAgentHubFrameType expect,
              GTask *task)
{
  g_autoptr(JsonObject) frame = fields;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Pending *pending;

  if (self->state != RD_AGENT_STATE_SIGNED_IN || self->ws == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NETWORK, "Not connected to the hub");
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  pending = g_new0 (Pending, 1);
  pending->self = self;
  pending->id = ++self->next_id;
  pending->task = task;
  pending->expect = expect;
  pending->timeout_id = client_timeout_add (self, REQUEST_TIMEOUT_S * 1000, TRUE, on_request_timeout, pending);
  if (cancellable != NULL)
    {
      pending->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (pending->cancel_source, G_SOURCE_FUNC (on_request_cancelled), pending, NULL);
      g_source_attach (pending->cancel_source, self->context);
    }
  g_hash_table_insert (self->pending, &pending->id, pending);

  json_object_set_string_member (frame, "type", type);
  json_object_set_int_member (frame, "id", pending->id);
  root = json_node_init_object (json_node_alloc (), frame);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (self->ws, text);
}

typedef struct {
  RdAgentMatch *match;
  char         *number_display;
} LookupResult;

static void
lookup_result_free (LookupResult *r)
{
  g_clear_pointer (&r->match, rd_agent_match_free);
  g_free (r->number_display);
  g_free (r);
}

static void
complete_request (RdAgentClient *self, RdAgentHubFrame *frame)
{
  g_autoptr(GTask) task = NULL;
  Pending *pending = g_hash_table_lookup (self->pending, &frame->id);
  RdAgentHubFrameType expect;

  if (pending == NULL)
    {
      g_debug ("agent client: reply to unknown request %" G_GINT64_FORMAT " dropped", frame->id);
      return;
    }
  expect = pending->expect;
  task = pending_take (self, frame->id);

  if (frame->malformed != NULL)
    g_task_return_error (task, g_error_copy (frame->malformed));
  else if (frame->error != NULL)
    g_task_return_error (task, g_error_copy (frame->error));
  else if (frame->type != expect)
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "The hub sent an unexpected reply");
  else
    switch (frame->type)
      {
      case RD_AGENT_HUB_FRAME_DIAL_RESULT:
        g_task_return_pointer (task, g_steal_pointer (&frame->call_id), g_free);
        break;
      case RD_AGENT_HUB_FRAME_RECENT_RESULT:
        g_task_return_pointer (task, g_steal_pointer (&frame->recent), (GDestroyNotify) g_ptr_array_unref);
        break;
      case RD_AGENT_HUB_FRAME_LOOKUP_RESULT:
        {
          LookupResult *r = g_new0 (LookupResult, 1);
          r->match = g_steal_pointer (&frame->match);
          r->number_display = g_steal_pointer (&frame->number_display);
          g_task_return_pointer (task, r, (GDestroyNotify) lookup_result_free);
        }
        break;
      case RD_AGENT_HUB_FRAME_CREATE_RESULT:
        g_task_return_pointer (task, g_steal_pointer (&frame->match), (GDestroyNotify) rd_agent_match_free);
        break;
      default:
        g_task_return_boolean (task, TRUE);
        break;
      }
}

/* ---- liveness ping ------------------------------------------------------- */

static void
on_ping_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdAgentClient *self = RD_AGENT_CLIENT (source);
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    return;
  /* A timeout means a half-open connection (sleep, network change): start over. */
  if (g_error_matches (error, RD_ERROR, RD_ERROR_TIMEOUT) && self->state == RD_AGENT_STATE_SIGNED_IN)
    {
      g_debug ("agent client: the hub stopped answering pings");
      teardown (self, "no answer to ping");
      schedule_reconnect (self);
    }
}

static gboolean
on_ping_tick (gpointer user_data)
{
  RdAgentClient *self = user_data;

  send_request (self, "ping", json_object_new (), RD_AGENT_HUB_FRAME_PONG,
                g_task_new (self, NULL, on_ping_done, NULL));
  return G_SOURCE_CONTINUE;
}

/* ---- frames from the hub ------------------------------------------------- */

static void
apply_status (RdAgentClient *self, RdAgentHubFrame *frame)
{
  gboolean changed = g_strcmp0 (self->pbx_status, frame->pbx_status) != 0 ||
                     g_strcmp0 (self->crm_status, frame->crm_status) != 0 ||
                     g_strcmp0 (self->status_message, frame->status_message) != 0;

  g_object_freeze_notify (G_OBJECT (self));
  set_prop_string (self, &self->pbx_status, frame->pbx_status, PROP_PBX_STATUS);
  set_prop_string (self, &self->crm_status, frame->crm_status, PROP_CRM_STATUS);
  set_prop_string (self, &self->status_message, frame->status_message, PROP_STATUS_MESSAGE);
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

/* Every call frame passes here: the calls in progress are what the last frames said. */
static void
emit_call (RdAgentClient *self, RdAgentCall *call)
{
  if (g_strcmp0 (call->event, "ended") == 0)
    g_hash_table_remove (self->live, call->call_id);
  else
    g_hash_table_replace (self->live, g_strdup (call->call_id), rd_agent_call_copy (call));
  g_signal_emit (self, signals[SIGNAL_CALL], 0, call);
}

/* After a gap (a lost connection, a hub restart) the welcome lists the calls the hub still
 * has for us: one we show that is not among them ended meanwhile; one whose state moved on
 * is brought up to date. A hub that does not list them leaves everything as it is. */
static void
reconcile_calls (RdAgentClient *self, GPtrArray *now)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_call_free);
  GHashTableIter iter;
  gpointer value;

  if (now == NULL)
    return;
  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      RdAgentCall *held = value;
      gboolean present = FALSE;

      for (guint i = 0; i < now->len && !present; i++)
        present = g_strcmp0 (((RdAgentCall *) g_ptr_array_index (now, i))->call_id, held->call_id) == 0;
      if (!present)
        g_ptr_array_add (gone, rd_agent_call_copy (held));
    }
  for (guint i = 0; i < gone->len; i++)
    {
      RdAgentCall *ended = g_ptr_array_index (gone, i);

      g_debug ("agent client: call %s ended while away", ended->call_id);
      g_free (ended->event);
      ended->event = g_strdup ("ended");
      ended->lookup_pending = FALSE;
      ended->at_ms = g_get_real_time () / 1000;
      emit_call (self, ended);
    }
  for (guint i = 0; i < now->len; i++)
    {
      RdAgentCall *call = g_ptr_array_index (now, i);
      RdAgentCall *held = g_hash_table_lookup (self->live, call->call_id);

      if (held == NULL || g_strcmp0 (held->event, call->event) != 0)
        emit_call (self, call);
    }
}

static void
handle_welcome (RdAgentClient *self, RdAgentHubFrame *frame)
{
  client_source_clear (self, &self->handshake_timeout_id);
  forget_token (self);
  self->token = g_steal_pointer (&frame->token);
  self->token_expires = frame->token_expires;
  self->attempt = 0;
  self->not_before_us = 0;

  g_object_freeze_notify (G_OBJECT (self));
  set_prop_string (self, &self->extension, frame->extension, PROP_EXTENSION);
  set_prop_string (self, &self->user_name, frame->user_name, PROP_USER_NAME);
  set_last_error (self, NULL);
  set_prop_string (self, &self->revoked_reason, NULL, PROP_REVOKED_REASON);
  set_prop_string (self, &self->close_message, NULL, PROP_CLOSE_MESSAGE);
  if (frame->has_status)
    apply_status (self, frame);
  set_state (self, RD_AGENT_STATE_SIGNED_IN);
  g_object_thaw_notify (G_OBJECT (self));

  client_source_clear (self, &self->ping_id);
  self->ping_id = client_timeout_add (self, PING_INTERVAL_S * 1000, TRUE, on_ping_tick, self);
  g_debug ("agent client: signed in as extension %s", self->extension);
  reconcile_calls (self, frame->live_calls);
}

static gboolean
error_is_refusal (const GError *error)
{
  return error->domain == RD_ERROR &&
         (error->code == RD_ERROR_AUTH || error->code == RD_ERROR_NOT_FOUND ||
          error->code == RD_ERROR_ACCESS || error->code == RD_ERROR_INVALID_INPUT);
}

static void
handle_auth_failed (RdAgentClient *self, RdAgentHubFrame *frame)
{
  gboolean was_resuming = self->resuming;

  g_debug ("agent client: sign-in refused (%s), retry after %u s", frame->error->message, frame->retry_after);
  teardown (self, "sign-in refused");
  if (frame->retry_after > 0)
    self->not_before_us = g_get_monotonic_time () + (gint64) frame->retry_after * G_USEC_PER_SEC;

  if (was_resuming)
    {
      /* The token expired or was revoked: sign in again with the credential. */
      forget_token (self);
      schedule_reconnect (self);
    }
  else if (error_is_refusal (frame->error))
    {
      set_last_error (self, frame->error->message);
      set_state (self, RD_AGENT_STATE_AUTH_FAILED);
    }
  else
    {
      /* Rate limited, CRM unreachable …: try again later with the same credential. */
      set_last_error (self, frame->error->message);
      schedule_reconnect (self);
    }
}

static void
handle_frame (RdAgentClient *self, RdAgentHubFrame *frame)
{
  gboolean signed_in = self->state == RD_AGENT_STATE_SIGNED_IN;

  if (frame->malformed != NULL && !(signed_in && frame->id != 0))
    {
      g_warning ("Dropped a malformed frame from the hub: %s", frame->malformed->message);
      return;
    }

  switch (frame->type)
    {
    case RD_AGENT_HUB_FRAME_WELCOME:
      if (!signed_in)
        handle_welcome (self, frame);
      return;
    case RD_AGENT_HUB_FRAME_AUTH_FAILED:
      if (!signed_in)
        handle_auth_failed (self, frame);
      return;
    case RD_AGENT_HUB_FRAME_UNKNOWN:
      return;
    default:
      break;
    }
  if (!signed_in)
    {
      g_debug ("agent client: frame before welcome dropped");
      return;
    }

  switch (frame->type)
    {
    case RD_AGENT_HUB_FRAME_STATUS:
      apply_status (self, frame);
      break;
    case RD_AGENT_HUB_FRAME_CALL:
      emit_call (self, frame->call);
      break;
    case RD_AGENT_HUB_FRAME_MATCH:
      g_signal_emit (self, signals[SIGNAL_MATCH], 0, frame->call_id, frame->match);
      break;
    case RD_AGENT_HUB_FRAME_DIAL_FAILED:
      g_signal_emit (self, signals[SIGNAL_DIAL_FAILED], 0, frame->call_id,
                     frame->reason != NULL ? frame->reason : "");
      break;
    case RD_AGENT_HUB_FRAME_CALL_LOGGED:
      g_signal_emit (self, signals[SIGNAL_CALL_LOGGED], 0, frame->call_id);
      break;
    case RD_AGENT_HUB_FRAME_ERROR:
      if (frame->id == 0)
        g_debug ("agent client: the hub reported: %s", frame->error->message);
      else
        complete_request (self, frame);
      break;
    case RD_AGENT_HUB_FRAME_PONG:
    case RD_AGENT_HUB_FRAME_DIAL_RESULT:
    case RD_AGENT_HUB_FRAME_RECENT_RESULT:
    case RD_AGENT_HUB_FRAME_LOOKUP_RESULT:
    case RD_AGENT_HUB_FRAME_CREATE_RESULT:
      complete_request (self, frame);
      break;
    case RD_AGENT_HUB_FRAME_WELCOME:
    case RD_AGENT_HUB_FRAME_AUTH_FAILED:
    case RD_AGENT_HUB_FRAME_UNKNOWN:
    default:
      break;
    }
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  RdAgentClient *self = user_data;
  g_autoptr(RdAgentHubFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_warning ("Dropped a binary frame from the hub");
      return;
    }
  frame = rd_agent_hub_frame_parse (data, length, &error);
  if (frame == NULL)
    {
      g_warning ("Dropped a frame from the hub: %s", error->message);
      return;
    }
  g_object_ref (self);
  handle_frame (self, frame);
  g_object_unref (self);
}

/* The user-facing text for the reason of close code 4410 (docs/agent-protocol.md). */
static char *
access_ended_message (const char *reason)
{
  if (g_strcmp0 (reason, "unbound") == 0)
    return g_strdup (_("Your administrator removed your extension from your user account. This computer no longer receives its calls."));
  if (g_strcmp0 (reason, "rebound") == 0)
    return g_strdup (_("Your administrator gave your extension to a user account. Sign in again with that account’s credentials."));
  if (g_strcmp0 (reason, "key-reissued") == 0)
    return g_strdup (_("Your administrator issued a new agent key for your extension. Enter the new key in Preferences."));
  if (g_strcmp0 (reason, "key-revoked") == 0)
    return g_strdup (_("Your administrator revoked your agent key. Ask for a new one, then enter it in Preferences."));
  if (g_strcmp0 (reason, "crm-disconnected") == 0)
    return g_strdup (_("Your administrator disconnected the hub from the CRM, which ended every user’s access."));
  return g_strdup (_("Your administrator ended your access to the hub."));
}

/* The hub ended our access (4410): the session and the credential that opened it are gone.
 * Retrying would only be refused, so wait for new credentials and say why. */
static void
access_ended (RdAgentClient *self, const char *reason)
{
  g_autofree char *message = NULL;
  g_autofree char *token = NULL;

  /* The reason is the hub's text: keep a short, plain token of it. */
  if (reason != NULL)
    {
      token = g_strndup (reason, 32);
      g_strcanon (token, "abcdefghijklmnopqrstuvwxyz-", '?');
    }
  message = access_ended_message (token);
  g_debug ("agent client: access ended by the hub (%s)", token ? token : "no reason");
  forget_token (self);
  g_object_freeze_notify (G_OBJECT (self));
  set_prop_string (self, &self->revoked_reason, token, PROP_REVOKED_REASON);
  set_prop_string (self, &self->close_message, message, PROP_CLOSE_MESSAGE);
  set_last_error (self, message);
  set_state (self, RD_AGENT_STATE_AUTH_FAILED);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_ACCESS_ENDED], 0, token, message);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  RdAgentClient *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  g_autofree char *why = g_strdup_printf ("closed by the hub (%u)", code);
  gboolean was_resuming = self->resuming;
  gboolean was_signed_in = self->state == RD_AGENT_STATE_SIGNED_IN;

  g_debug ("agent client: %s", why);
  teardown (self, why);

  if (code == CLOSE_FORBIDDEN)
    {
      set_last_error (self, "The hub refused this connection; use a wss:// address");
      set_state (self, RD_AGENT_STATE_AUTH_FAILED);
      return;
    }
  if (code == CLOSE_REVOKED)
    {
      access_ended (self, soup_websocket_connection_get_close_data (ws));
      return;
    }
  /* 4401 on a live or resuming session: token revoked or expired. */
  if (code == CLOSE_UNAUTHORIZED && (was_signed_in || was_resuming))
    forget_token (self);
  schedule_reconnect (self);
}

/* ---- connection ---------------------------------------------------------- */

/* Drops the socket (if any), stops timers and fails pending requests. */
static void
teardown (RdAgentClient *self, const char *why)
{
  client_source_clear (self, &self->handshake_timeout_id);
  client_source_clear (self, &self->ping_id);
  if (self->connect_cancellable != NULL)
    {
      g_cancellable_cancel (self->connect_cancellable);
      g_clear_object (&self->connect_cancellable);
    }
  g_clear_object (&self->handshake);
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->ws);
    }
  self->resuming = FALSE;
  fail_all_pending (self, why);
}

static guint
backoff_ms (guint attempt)
{
  guint base = BACKOFF_MIN_MS << MIN (attempt, 6u);
  guint delay = (guint) (base * g_random_double_range (0.75, 1.25));

  return CLAMP (delay, BACKOFF_MIN_MS, BACKOFF_MAX_MS);
}

static gboolean
on_reconnect (gpointer user_data)
{
  RdAgentClient *self = user_data;

  self->reconnect_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_after (RdAgentClient *self, guint delay_ms)
{
  gint64 wait_us = self->not_before_us - g_get_monotonic_time ();

  if (wait_us > 0)
    delay_ms = MAX (delay_ms, (guint) MIN (wait_us / 1000 + 1, (gint64) G_MAXUINT));
  client_source_clear (self, &self->reconnect_id);
  self->reconnect_id = client_timeout_add (self, delay_ms, FALSE, on_reconnect, self);
}

static void
schedule_reconnect (RdAgentClient *self)
{
  guint delay;

  if (!self->started)
    return;
  delay = backoff_ms (self->attempt);
  if (self->attempt < G_MAXUINT)
    self->attempt++;
  set_state (self, RD_AGENT_STATE_RECONNECTING);
  g_debug ("agent client: reconnecting in %u ms", delay);
  schedule_after (self, delay);
}

static void
send_hello (RdAgentClient *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gboolean use_token = self->token != NULL &&
                       self->token_expires > g_get_real_time () / G_USEC_PER_SEC;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "hello");
  json_builder_set_member_name (builder, "v");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "client");
  json_builder_add_string_value (builder, "ringdesk/" PACKAGE_VERSION);
  json_builder_set_member_name (builder, "auth");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  if (use_token)
    {
      json_builder_add_string_value (builder, "session");
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, self->token);
    }
  else
    {
      json_builder_add_string_value (builder, self->method);
      json_builder_set_member_name (builder, g_str_equal (self->method, "agent-key") ? "extension" : "login");
      json_builder_add_string_value (builder, self->who);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, self->key);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  self->resuming = use_token;
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (self->ws, text);
  memset (text, 0, strlen (text));
  g_debug ("agent client: hello sent (%s)", use_token ? "session" : self->method);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  RdAgentClient *self;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopped, disposed or superseded: @user_data may be gone */
  self = RD_AGENT_CLIENT (user_data);
  g_clear_object (&self->connect_cancellable);

  if (ws == NULL)
    {
      const char *kind = error->domain == G_TLS_ERROR ? "TLS" : "network";
      g_autofree char *message = self->pin != NULL && error->domain == G_TLS_ERROR
        ? g_strdup ("The hub's certificate does not match the pinned certificate")
        : g_strdup_printf ("Cannot reach the hub (%s): %s", kind, error->message);

      g_debug ("agent client: %s", message);
      g_clear_object (&self->handshake);
      set_last_error (self, message);
      client_source_clear (self, &self->handshake_timeout_id);
      schedule_reconnect (self);
      return;
    }

  g_clear_object (&self->handshake);

  self->ws = g_steal_pointer (&ws);
  soup_websocket_connection_set_max_incoming_payload_size (self->ws, RD_AGENT_MAX_HUB_FRAME);
  soup_websocket_connection_set_keepalive_interval (self->ws, KEEPALIVE_S);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_ws_closed), self);
  send_hello (self);
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  RdAgentClient *self = user_data;

  self->handshake_timeout_id = 0;
  set_last_error (self, "The hub did not complete the sign-in in time");
  teardown (self, "sign-in timed out");
  schedule_reconnect (self);
  return G_SOURCE_REMOVE;
}

/* ws://… → http://…, wss://… → https://…; NULL for anything else. */
static char *
http_url_for (const char *hub_url)
{
  g_autoptr(GUri) uri = hub_url != NULL ? g_uri_parse (hub_url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *scheme;
  const char *http;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0)
    http = "http";
  else if (g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    http = "https";
  else
    return NULL;
  if (g_uri_get_userinfo (uri) != NULL)
    return NULL;   /* credentials never travel in the URL */
  return g_uri_join (G_URI_FLAGS_NONE, http, NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                     *g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/agent/v1",
                     g_uri_get_query (uri), NULL);
}

static void
connect_now (RdAgentClient *self)
{
  g_autofree char *url = NULL;

  client_source_clear (self, &self->reconnect_id);
  teardown (self, "reconnecting");
  if (!self->started)
    return;

  if (self->method == NULL && self->token == NULL)
    {
      set_last_error (self, "No credentials to sign in to the hub");
      set_state (self, RD_AGENT_STATE_AUTH_FAILED);
      return;
    }
  if (self->pin_error != NULL)
    {
      set_last_error (self, self->pin_error);
      set_state (self, RD_AGENT_STATE_AUTH_FAILED);
      return;
    }
  url = http_url_for (self->hub_url);
  if (url == NULL)
    {
      set_last_error (self, "The hub address must be a ws:// or wss:// URL");
      set_state (self, RD_AGENT_STATE_AUTH_FAILED);
      return;
    }
  if (self->state != RD_AGENT_STATE_RECONNECTING)
    set_state (self, RD_AGENT_STATE_CONNECTING);

  /* A hub on this computer is reached directly: no proxy lookup (rd-loopback.h). Any other
   * hub through the system's proxy settings, as libsoup does by default. */
  if (rd_loopback_url (url) != self->direct)
    {
      self->direct = !self->direct;
      g_object_set (self->soup, "proxy-resolver", self->direct ? NULL : g_proxy_resolver_get_default (), NULL);
    }
  self->handshake = soup_message_new (SOUP_METHOD_GET, url);
  if (self->handshake == NULL)
    {
      set_last_error (self, "The hub address is not valid");
      set_state (self, RD_AGENT_STATE_AUTH_FAILED);
      return;
    }
  self->connect_cancellable = g_cancellable_new ();
  self->handshake_timeout_id = client_timeout_add (self, HANDSHAKE_TIMEOUT_S * 1000, TRUE, on_handshake_timeout, self);
  soup_session_websocket_connect_async (self->soup, self->handshake, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->connect_cancellable, on_connected, self);
}

/* Credentials or hub changed: forget the session and, if running, sign in again now. */
static void
restart (RdAgentClient *self)
{
  forget_token (self);
  self->attempt = 0;
  set_last_error (self, NULL);
  if (!self->started)
    return;
  teardown (self, "settings changed");
  set_state (self, RD_AGENT_STATE_CONNECTING);
  schedule_after (self, 0);
}

/* ---- public API ---------------------------------------------------------- */

RdAgentClient *
rd_agent_client_new (const char *hub_url)
{
  RdAgentClient *self = g_object_new (RD_TYPE_AGENT_CLIENT, NULL);

  self->hub_url = g_strdup (hub_url);
  return self;
}

void
rd_agent_client_set_hub_url (RdAgentClient *self, const char *hub_url)
{
  g_return_if_fail (RD_IS_AGENT_CLIENT (self));

  if (g_strcmp0 (self->hub_url, hub_url) == 0)
    return;
  g_free (self->hub_url);
  self->hub_url = g_strdup (hub_url);
  restart (self);
}

void
rd_agent_client_set_pinned_certificate (RdAgentClient *self, const char *sha256_hex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdTlsPin) pin = NULL;
  g_autofree char *pin_error = NULL;

  g_return_if_fail (RD_IS_AGENT_CLIENT (self));

  if (sha256_hex != NULL && *sha256_hex != '\0')
    {
      pin = rd_tls_pin_new (sha256_hex, &error);
      if (pin == NULL)
        pin_error = g_strdup (error->message);
    }
  if (g_strcmp0 (pin != NULL ? rd_tls_pin_get_digest (pin) : NULL,
                 self->pin != NULL ? rd_tls_pin_get_digest (self->pin) : NULL) == 0 &&
      g_strcmp0 (pin_error, self->pin_error) == 0)
    return;
  g_set_object (&self->pin, pin);
  g_free (self->pin_error);
  self->pin_error = g_steal_pointer (&pin_error);
  /* With a pin the handshake itself refuses any other certificate, CA-signed or not, before the
   * hello (and the credential in it) is sent; without one, the system's CAs decide. */
  if (self->pin != NULL)
    g_object_set (self->soup, "tls-database", self->pin, NULL);
  else
    {
      g_autoptr(GTlsDatabase) system = g_tls_backend_get_default_database (g_tls_backend_get_default ());

      g_object_set (self->soup, "tls-database", system, NULL);
    }
  restart (self);
}

static void
set_credential (RdAgentClient *self, const char *method, const char *who, const char *key)
{
  g_free (self->method);
  g_free (self->who);
  wipe_string (&self->key);
  if (who != NULL && *who != '\0' && key != NULL && *key != '\0')
    {
      self->method = g_strdup (method);
      self->who = g_strdup (who);
      self->key = g_strdup (key);
    }
  else
    {
      self->method = NULL;
      self->who = NULL;
    }
  restart (self);
}

void
rd_agent_client_set_agent_key (RdAgentClient *self, const char *extension, const char *key)
{
  g_return_if_fail (RD_IS_AGENT_CLIENT (self));
  set_credential (self, "agent-key", extension, key);
}

void
rd_agent_client_set_crm_key (RdAgentClient *self, const char *login, const char *key)
{
  g_return_if_fail (RD_IS_AGENT_CLIENT (self));
  set_credential (self, "crm-key", login, key);
}

void
rd_agent_client_start (RdAgentClient *self)
{
  g_return_if_fail (RD_IS_AGENT_CLIENT (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->attempt = 0;
  connect_now (self);
}

void
rd_agent_client_stop (RdAgentClient *self)
{
  g_return_if_fail (RD_IS_AGENT_CLIENT (self));

  self->started = FALSE;
  client_source_clear (self, &self->reconnect_id);
  teardown (self, "stopped");
  set_state (self, RD_AGENT_STATE_DISCONNECTED);
}

RdAgentState
rd_agent_client_get_state (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), RD_AGENT_STATE_DISCONNECTED);
  return self->state;
}

const char *
rd_agent_client_get_extension (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->extension;
}

const char *
rd_agent_client_get_user_name (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->user_name;
}

const char *
rd_agent_client_get_pbx_status (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->pbx_status;
}

const char *
rd_agent_client_get_crm_status (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->crm_status;
}

const char *
rd_agent_client_get_status_message (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->status_message;
}

const char *
rd_agent_client_get_last_error (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->last_error;
}

const char *
rd_agent_client_get_revoked_reason (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->revoked_reason;
}

const char *
rd_agent_client_get_close_message (RdAgentClient *self)
{
  g_return_val_if_fail (RD_IS_AGENT_CLIENT (self), NULL);
  return self->close_message;
}

/* Starts an async request: validates @number, builds the task. */
static GTask *
request_task (RdAgentClient *self, gpointer tag, const char *number,
              GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  GTask *task = g_task_new (self, c, cb, data);

  g_task_set_source_tag (task, tag);
  if (number != NULL && (*number == '\0' || strlen (number) > 1024 || !g_utf8_validate (number, -1, NULL)))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "Not a phone number");
      g_object_unref (task);
      return NULL;
    }
  return task;
}

void
rd_agent_client_dial_async (RdAgentClient *self, const char *number,
                            GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  GTask *task;
  JsonObject *fields;

  g_return_if_fail (RD_IS_AGENT_CLIENT (self));
  g_return_if_fail (number != NULL);

  if ((task = request_task (self, rd_agent_client_dial_async, number, c, cb, data)) == NULL)
    return;
  fields = json_object_new ();
  json_object_set_string_member (fields, "number", number);
  send_request (self, "dial", fields, RD_AGENT_HUB_FRAME_DIAL_RESULT, task);
}

char *
rd_agent_client_dial_finish (RdAgentClient *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);
  return g_task_propagate_pointer (G_TASK (res), error);
}

void
rd_agent_client_recent_async (RdAgentClient *self, guint limit, const char *query,
                              GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  GTask *task;
  JsonObject *fields;

  g_return_if_fail (RD_IS_AGENT_CLIENT (self));

  task = request_task (self, rd_agent_client_recent_async, NULL, c, cb, data);
  fields = json_object_new ();
  json_object_set_int_member (fields, "limit", CLAMP (limit, 1, 200));
  if (query != NULL && *query != '\0')
    json_object_set_string_member (fields, "query", query);
  send_request (self, "recent", fields, RD_AGENT_HUB_FRAME_RECENT_RESULT, task);
}

GPtrArray *
rd_agent_client_recent_finish (RdAgentClient *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);
  return g_task_propagate_pointer (G_TASK (res), error);
}

void
rd_agent_client_lookup_async (RdAgentClient *self, const char *number,
                              GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  GTask *task;
  JsonObject *fields;

  g_return_if_fail (RD_IS_AGENT_CLIENT (self));
  g_return_if_fail (number != NULL);

  if ((task = request_task (self, rd_agent_client_lookup_async, number, c, cb, data)) == NULL)
    return;
  fields = json_object_new ();
  json_object_set_string_member (fields, "number", number);
  send_request (self, "lookup", fields, RD_AGENT_HUB_FRAME_LOOKUP_RESULT, task);
}

RdAgentMatch *
rd_agent_client_lookup_finish_full (RdAgentClient *self, GAsyncResult *res, char **number_display,
                                    GError **error)
{
  LookupResult *r;
  RdAgentMatch *match;

  g_return_val_if_fail (g_task_is_valid (res, self), NULL);

  if (number_display)
    *number_display = NULL;
  r = g_task_propagate_pointer (G_TASK (res), error);
  if (r == NULL)
    return NULL;
  match = g_steal_pointer (&r->match);
  if (number_display)
    *number_display = g_steal_pointer (&r->number_display);
  lookup_result_free (r);
  return match;
}

RdAgentMatch *
rd_agent_client_lookup_finish (RdAgentClient *self, GAsyncResult *res, GError **error)
{
  return rd_agent_client_lookup_finish_full (self, res, NULL, error);
}

void
rd_agent_client_create_record_async (RdAgentClient *self, const char *number, const char *kind,
                                     const char *name,
                                     GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  GTask *task;
  JsonObject *fields;

  g_return_if_fail (RD_IS_AGENT_CLIENT (self));
  g_return_if_fail (number != NULL);

  if ((task = request_task (self, rd_agent_client_create_record_async, number, c, cb, data)) == NULL)
    return;
  if (g_strcmp0 (kind, "individual") != 0 && g_strcmp0 (kind, "lead") != 0)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "A new record is an individual or a lead");
      g_object_unref (task);
      return;
    }
  fields = json_object_new ();
  json_object_set_string_member (fields, "number", number);
  json_object_set_string_member (fields, "kind", kind);
  if (name != NULL && *name != '\0')
    json_object_set_string_member (fields, "name", name);
  send_request (self, "create-record", fields, RD_AGENT_HUB_FRAME_CREATE_RESULT, task);
}

RdAgentMatch *
rd_agent_client_create_record_finish (RdAgentClient *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- GObject ------------------------------------------------------------- */

static void
rd_agent_client_dispose (GObject *object)
{
  RdAgentClient *self = RD_AGENT_CLIENT (object);

  self->started = FALSE;
  client_source_clear (self, &self->reconnect_id);
  teardown (self, "client disposed");
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (rd_agent_client_parent_class)->dispose (object);
}

static void
rd_agent_client_finalize (GObject *object)
{
  RdAgentClient *self = RD_AGENT_CLIENT (object);

  g_clear_pointer (&self->live, g_hash_table_unref);
  g_hash_table_unref (self->pending);
  g_main_context_unref (self->context);
  g_free (self->hub_url);
  g_clear_object (&self->pin);
  g_free (self->pin_error);
  g_free (self->method);
  g_free (self->who);
  wipe_string (&self->key);
  forget_token (self);
  g_free (self->extension);
  g_free (self->user_name);
  g_free (self->pbx_status);
  g_free (self->crm_status);
  g_free (self->status_message);
  g_free (self->last_error);
  g_free (self->revoked_reason);
  g_free (self->close_message);

  G_OBJECT_CLASS (rd_agent_client_parent_class)->finalize (object);
}

static void
rd_agent_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RdAgentClient *self = RD_AGENT_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_EXTENSION: g_value_set_string (value, self->extension); break;
    case PROP_USER_NAME: g_value_set_string (value, self->user_name); break;
    case PROP_PBX_STATUS: g_value_set_string (value, self->pbx_status); break;
    case PROP_CRM_STATUS: g_value_set_string (value, self->crm_status); break;
    case PROP_STATUS_MESSAGE: g_value_set_string (value, self->status_message); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_REVOKED_REASON: g_value_set_string (value, self->revoked_reason); break;
    case PROP_CLOSE_MESSAGE: g_value_set_string (value, self->close_message); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rd_agent_client_class_init (RdAgentClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = rd_agent_client_dispose;
  object_class->finalize = rd_agent_client_finalize;
  object_class->get_property = rd_agent_client_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, RD_TYPE_AGENT_STATE,
                                              RD_AGENT_STATE_DISCONNECTED, flags);
  properties[PROP_EXTENSION] = g_param_spec_string ("extension", NULL, NULL, NULL, flags);
  properties[PROP_USER_NAME] = g_param_spec_string ("user-name", NULL, NULL, NULL, flags);
  properties[PROP_PBX_STATUS] = g_param_spec_string ("pbx-status", NULL, NULL, NULL, flags);
  properties[PROP_CRM_STATUS] = g_param_spec_string ("crm-status", NULL, NULL, NULL, flags);
  properties[PROP_STATUS_MESSAGE] = g_param_spec_string ("status-message", NULL, NULL, NULL, flags);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  properties[PROP_REVOKED_REASON] = g_param_spec_string ("revoked-reason", NULL, NULL, NULL, flags);
  properties[PROP_CLOSE_MESSAGE] = g_param_spec_string ("close-message", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CALL] =
    g_signal_new ("call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, RD_TYPE_AGENT_CALL);
  signals[SIGNAL_MATCH] =
    g_signal_new ("match", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, RD_TYPE_AGENT_MATCH);
  signals[SIGNAL_DIAL_FAILED] =
    g_signal_new ("dial-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_CALL_LOGGED] =
    g_signal_new ("call-logged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_ACCESS_ENDED] =
    g_signal_new ("access-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
rd_agent_client_init (RdAgentClient *self)
{
  self->state = RD_AGENT_STATE_DISCONNECTED;
  self->context = g_main_context_ref_thread_default ();
  self->soup = soup_session_new_with_options ("user-agent", "ringdesk/" PACKAGE_VERSION, NULL);
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) pending_free);
  self->live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) rd_agent_call_free);
}
