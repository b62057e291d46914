/* rd-yeastar-events.c — event WebSocket with heartbeat, backoff and proactive reconnect. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-events.h"

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-frame.h"

#define ACK_TIMEOUT_MS  10000
#define PONG_TIMEOUT_MS 10000    /* a heartbeat not answered in this time: the stream is dead */
#define DRAIN_MS        1000     /* keep the replaced socket this long after the new one subscribed */
#define RECENT_MAX      64
#define RECENT_WINDOW_US (5 * G_USEC_PER_SEC)

typedef struct {
  guint    hash;
  guint    generation;
  gint64   at;
} Recent;

typedef struct {
  SoupWebsocketConnection *ws;
  guint                    generation;
} Conn;

struct _RdYeastarEvents
{
  GObject          parent_instance;

  RdYeastarClient *client;
  RdYeastarToken  *token;
  gulong           token_changed_id;

  gboolean         running;
  GCancellable    *connecting;     /* non-NULL while a connection attempt is under way */
  char            *pending_token;  /* token used by the attempt under way */
  Conn             pending;        /* connected, waiting for the topic_list ack */
  Conn             current;        /* subscribed */
  Conn             old;            /* replaced, draining */
  guint            generation;
  gboolean         ever_subscribed;

  guint            heartbeat_ms;
  guint            backoff_base_ms;
  guint            backoff_max_ms;
  guint            attempt;
  guint            heartbeat_id;
  guint            reconnect_id;
  guint            ack_id;
  guint            drain_id;
  guint            pong_id;
  gint64           last_rx;
  gint64           heartbeat_sent;

  Recent           recent[RECENT_MAX];
  guint            recent_next;
};

G_DEFINE_FINAL_TYPE (RdYeastarEvents, rd_yeastar_events, G_TYPE_OBJECT)

enum { SIGNAL_CONNECTED, SIGNAL_DISCONNECTED, SIGNAL_FAILED, SIGNAL_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void connect_now (RdYeastarEvents *self);
static void lost (RdYeastarEvents *self, GError *error);

gboolean
rd_yeastar_error_is_fatal (const GError *error)
{
  return error != NULL && error->domain == RD_ERROR &&
         (error->code == RD_ERROR_AUTH || error->code == RD_ERROR_ACCESS ||
          error->code == RD_ERROR_UNAVAILABLE || error->code == RD_ERROR_TLS ||
          error->code == RD_ERROR_INVALID_INPUT);
}

static void
conn_close (RdYeastarEvents *self, Conn *conn)
{
  g_autoptr(SoupWebsocketConnection) ws = g_steal_pointer (&conn->ws);

  if (ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (ws, self);
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static gboolean
conn_is_open (const Conn *conn)
{
  return conn->ws != NULL && soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* Only an OPEN socket takes frames: one the PBX began to close is CLOSING until
 * the TCP connection goes, which a slow peer or network can make last seconds. */
static gboolean
conn_send (const Conn *conn, const char *text)
{
  if (!conn_is_open (conn))
    return FALSE;
  soup_websocket_connection_send_text (conn->ws, text);
  return TRUE;
}

static void
stop_all (RdYeastarEvents *self)
{
  if (self->connecting)
    {
      g_cancellable_cancel (self->connecting);
      g_clear_object (&self->connecting);
    }
  g_clear_pointer (&self->pending_token, g_free);
  conn_close (self, &self->pending);
  conn_close (self, &self->current);
  conn_close (self, &self->old);
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->ack_id, g_source_remove);
  g_clear_handle_id (&self->drain_id, g_source_remove);
  g_clear_handle_id (&self->pong_id, g_source_remove);
}

static void
rd_yeastar_events_dispose (GObject *object)
{
  RdYeastarEvents *self = RD_YEASTAR_EVENTS (object);

  self->running = FALSE;
  stop_all (self);
  if (self->token != NULL)
    g_clear_signal_handler (&self->token_changed_id, self->token);
  g_clear_object (&self->token);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (rd_yeastar_events_parent_class)->dispose (object);
}

static void
rd_yeastar_events_class_init (RdYeastarEventsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_yeastar_events_dispose;

  /* ::connected (gboolean after_gap): subscribed; FALSE when the new socket replaced a live
   * one (a new token) without a moment without a stream */
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_DISCONNECTED] = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, JSON_TYPE_OBJECT);
}

static void
rd_yeastar_events_init (RdYeastarEvents *self)
{
  self->heartbeat_ms = 25000;
  self->backoff_base_ms = 1000;
  self->backoff_max_ms = 60000;
}

void
rd_yeastar_events_set_timings (RdYeastarEvents *self, guint heartbeat_ms,
                               guint backoff_base_ms, guint backoff_max_ms)
{
  g_return_if_fail (RD_IS_YEASTAR_EVENTS (self));
  if (heartbeat_ms > 0)
    self->heartbeat_ms = heartbeat_ms;
  if (backoff_base_ms > 0)
    self->backoff_base_ms = backoff_base_ms;
  if (backoff_max_ms > 0)
    self->backoff_max_ms = MAX (backoff_max_ms, self->backoff_base_ms);
}

/* ---- duplicate frames across overlapping sockets ------------------------------ */

static gboolean
seen_on_other_socket (RdYeastarEvents *self, const char *data, gsize len, guint generation)
{
  guint hash = 5381;
  gint64 now = g_get_monotonic_time ();
  gboolean dup = FALSE;

  for (gsize i = 0; i < len; i++)
    hash = hash * 33 + (guchar) data[i];
  for (guint i = 0; i < RECENT_MAX; i++)
    {
      Recent *r = &self->recent[i];

      if (r->at != 0 && r->hash == hash && r->generation != generation && now - r->at < RECENT_WINDOW_US)
        {
          dup = TRUE;
          r->at = 0;  /* each copy is consumed once */
          break;
        }
    }
  if (!dup)
    {
      self->recent[self->recent_next] = (Recent) { hash, generation, now };
      self->recent_next = (self->recent_next + 1) % RECENT_MAX;
    }
  return dup;
}

/* ---- heartbeat ------------------------------------------------------------------ */

static guint
pong_timeout_ms (RdYeastarEvents *self)
{
  return MIN (PONG_TIMEOUT_MS, MAX (self->heartbeat_ms, 2000));
}

/* The PBX answers each heartbeat at once: none within PONG_TIMEOUT_MS (a hung PBX, a
 * network that drops without a reset) means the stream is gone; reconnect now rather than
 * after several heartbeat periods. */
static gboolean
on_pong_due (gpointer user_data)
{
  RdYeastarEvents *self = user_data;

  self->pong_id = 0;
  if (self->current.ws == NULL || self->last_rx >= self->heartbeat_sent)
    return G_SOURCE_REMOVE;
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  conn_close (self, &self->current);
  lost (self, g_error_new (RD_ERROR, RD_ERROR_TIMEOUT,
                           "The PBX did not answer the event stream's heartbeat within %.0f s",
                           pong_timeout_ms (self) / 1000.0));
  return G_SOURCE_REMOVE;
}

static gboolean
on_heartbeat (gpointer user_data)
{
  RdYeastarEvents *self = user_data;

  if (self->current.ws == NULL)
    {
      self->heartbeat_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (conn_send (&self->current, "heartbeat"))
    {
      if (self->pong_id == 0)
        {
          self->heartbeat_sent = g_get_monotonic_time ();
          self->pong_id = g_timeout_add (pong_timeout_ms (self), on_pong_due, self);
        }
    }
  else
    {
      /* closing under us ("closing" reports that; this is the belt to its braces) */
      self->heartbeat_id = 0;
      conn_close (self, &self->current);
      lost (self, g_error_new_literal (RD_ERROR, RD_ERROR_NETWORK, "The PBX is closing the event stream"));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- reconnecting ---------------------------------------------------------------- */

static gboolean
on_reconnect_due (gpointer user_data)
{
  RdYeastarEvents *self = user_data;

  self->reconnect_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
fail (RdYeastarEvents *self, GError *error)
{
  g_autoptr(GError) owned = error;

  /* A stream that never ran did not "stop": its owner reports why it could not start. */
  if (self->ever_subscribed)
    g_warning ("PBX event stream stopped: %s", error->message);
  else
    g_debug ("PBX event stream could not start: %s", error->message);
  self->running = FALSE;
  stop_all (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, owned);
}

/* The attempt under way, or the subscribed socket, is gone: schedule another. */
static void
lost (RdYeastarEvents *self, GError *error)
{
  g_autoptr(GError) owned = error;
  guint64 delay;
  guint shift;

  if (!self->running)
    return;
  if (rd_yeastar_error_is_fatal (error))
    {
      fail (self, g_steal_pointer (&owned));
      return;
    }
  /* a replacement is already connecting or subscribed: nothing is lost yet */
  if (self->current.ws != NULL || self->pending.ws != NULL || self->connecting != NULL)
    return;
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  if (self->reconnect_id != 0)
    return;

  shift = MIN (self->attempt, 16);
  delay = MIN ((guint64) self->backoff_base_ms << shift, self->backoff_max_ms);
  delay = delay / 2 + g_random_int_range (0, (gint32) (delay / 2) + 1);   /* jitter in [d/2, d] */
  self->attempt++;
  g_debug ("PBX event stream lost (%s); reconnecting in %" G_GUINT64_FORMAT " ms", error->message, delay);
  self->reconnect_id = g_timeout_add ((guint) delay, on_reconnect_due, self);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, owned);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  RdYeastarEvents *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);

  if (ws == self->old.ws)
    {
      conn_close (self, &self->old);
      return;
    }
  if (ws == self->pending.ws)
    {
      conn_close (self, &self->pending);
      g_clear_handle_id (&self->ack_id, g_source_remove);
      lost (self, g_error_new (RD_ERROR, RD_ERROR_NETWORK,
                               "The PBX closed the event stream before subscribing (code %u)", code));
      return;
    }
  if (ws == self->current.ws)
    {
      conn_close (self, &self->current);
      lost (self, g_error_new (RD_ERROR, RD_ERROR_NETWORK, "The PBX closed the event stream (code %u)", code));
    }
}

/* The PBX began to close (its close frame arrived): the socket is useless from now
 * on, whatever the TCP connection does; report the loss now rather than when the
 * connection finally goes. */
static void
on_ws_closing (SoupWebsocketConnection *ws, gpointer user_data)
{
  on_ws_closed (ws, user_data);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  /* I/O errors are followed by "closed", which reports the loss */
  g_debug ("PBX event stream: %s", error->message);
}

static gboolean
on_drain_done (gpointer user_data)
{
  RdYeastarEvents *self = user_data;

  self->drain_id = 0;
  conn_close (self, &self->old);
  return G_SOURCE_REMOVE;
}

static void
subscribed (RdYeastarEvents *self)
{
  gboolean after_gap = self->current.ws == NULL;

  g_clear_handle_id (&self->ack_id, g_source_remove);
  if (self->current.ws != NULL)
    {
      /* make before break: let the replaced socket deliver what it already has */
      conn_close (self, &self->old);
      self->old = self->current;
      g_clear_handle_id (&self->drain_id, g_source_remove);
      self->drain_id = g_timeout_add (MIN (DRAIN_MS, self->heartbeat_ms), on_drain_done, self);
    }
  self->current = self->pending;
  self->pending = (Conn) { NULL, 0 };
  self->ever_subscribed = TRUE;
  self->attempt = 0;
  self->last_rx = g_get_monotonic_time ();
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  g_clear_handle_id (&self->pong_id, g_source_remove);
  self->heartbeat_id = g_timeout_add (self->heartbeat_ms, on_heartbeat, self);
  g_debug ("PBX event stream subscribed");
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, after_gap);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *bytes, gpointer user_data)
{
  RdYeastarEvents *self = user_data;
  g_auto(RdYeastarFrame) frame = { 0 };
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize len;
  guint generation;

  if (ws == self->current.ws)
    generation = self->current.generation;
  else if (ws == self->pending.ws)
    generation = self->pending.generation;
  else if (ws == self->old.ws)
    generation = self->old.generation;
  else
    return;
  if (ws != self->old.ws)
    self->last_rx = g_get_monotonic_time ();

  data = g_bytes_get_data (bytes, &len);
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_warning ("PBX event stream: ignoring a binary frame (%" G_GSIZE_FORMAT " bytes)", len);
      return;
    }
  if (!rd_yeastar_frame_parse (data, len, &frame, &error))
    {
      g_warning ("PBX event stream: ignoring a bad frame: %s", error->message);
      return;
    }
  switch (frame.kind)
    {
    case RD_YEASTAR_FRAME_HEARTBEAT:
      return;
    case RD_YEASTAR_FRAME_REPLY:
      if (ws != self->pending.ws)
        {
          if (frame.errcode != 0)
            g_warning ("PBX event stream: errcode %d", frame.errcode);
          return;
        }
      if (frame.errcode == 0)
        {
          subscribed (self);
          return;
        }
      if (frame.errcode == RD_YEASTAR_ERRCODE_TOKEN_EXPIRED)
        rd_yeastar_token_invalidate (self->token, self->pending_token);
      conn_close (self, &self->pending);
      g_clear_handle_id (&self->ack_id, g_source_remove);
      error = rd_yeastar_error_new (frame.errcode, frame.errmsg, "subscribe");
      if (!rd_yeastar_errcode_is_fatal (frame.errcode))
        error->code = RD_ERROR_PROTOCOL;   /* e.g. 10004: retry with a fresh token */
      lost (self, g_steal_pointer (&error));
      return;
    case RD_YEASTAR_FRAME_EVENT:
      if (seen_on_other_socket (self, data, len, generation))
        {
          g_debug ("PBX event %d already delivered on the other socket", frame.type);
          return;
        }
      g_signal_emit (self, signals[SIGNAL_EVENT], 0, frame.type, frame.msg);
      return;
    }
}

static gboolean
on_ack_timeout (gpointer user_data)
{
  RdYeastarEvents *self = user_data;

  self->ack_id = 0;
  conn_close (self, &self->pending);
  lost (self, g_error_new (RD_ERROR, RD_ERROR_TIMEOUT, "The PBX did not acknowledge the event subscription"));
  return G_SOURCE_REMOVE;
}

static void
on_ws_connected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdYeastarEvents) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  SoupMessage *msg = g_object_get_data (G_OBJECT (self), "rd-last-msg");

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->connecting);
  if (ws == NULL)
    {
      if (error->domain == SOUP_WEBSOCKET_ERROR)
        {
          /* the PBX answered without upgrading: most likely it refused the token */
          rd_yeastar_token_invalidate (self->token, self->pending_token);
          lost (self, g_error_new (RD_ERROR, RD_ERROR_PROTOCOL,
                                   "The PBX refused the event stream: %s", error->message));
        }
      else
        lost (self, rd_yeastar_client_transport_error (self->client, msg, error, "PBX event stream"));
      return;
    }
  self->pending = (Conn) { g_steal_pointer (&ws), ++self->generation };
  g_object_set (self->pending.ws, "max-incoming-payload-size", (guint64) 8 * RD_YEASTAR_MAX_FRAME,
                "keepalive-interval", 0, NULL);
  g_signal_connect (self->pending.ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (self->pending.ws, "closing", G_CALLBACK (on_ws_closing), self);
  g_signal_connect (self->pending.ws, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (self->pending.ws, "error", G_CALLBACK (on_ws_error), self);
  if (!conn_send (&self->pending, RD_YEASTAR_TOPICS))
    {
      /* closed before we could subscribe: its "closing"/"closed" may have gone already */
      conn_close (self, &self->pending);
      lost (self, g_error_new_literal (RD_ERROR, RD_ERROR_NETWORK,
                                       "The PBX closed the event stream before subscribing"));
      return;
    }
  self->ack_id = g_timeout_add (MAX (2000, MIN (ACK_TIMEOUT_MS, 2 * self->heartbeat_ms)), on_ack_timeout, self);
}

static void
on_token (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdYeastarEvents) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = rd_yeastar_token_get_finish (RD_YEASTAR_TOKEN (source), res, &error);
  g_autoptr(SoupMessage) msg = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->connecting == NULL)
    return;
  if (token == NULL)
    {
      g_clear_object (&self->connecting);
      lost (self, g_steal_pointer (&error));
      return;
    }
  g_free (self->pending_token);
  self->pending_token = g_steal_pointer (&token);
  msg = rd_yeastar_client_new_message (self->client, "GET", "subscribe", self->pending_token, NULL, TRUE);
  soup_session_websocket_connect_async (rd_yeastar_client_get_session (self->client), msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, self->connecting, on_ws_connected,
                                        g_object_ref (self));
  /* keep the message reachable for the TLS fingerprint in error reports */
  g_object_set_data_full (G_OBJECT (self), "rd-last-msg", g_object_ref (msg), g_object_unref);
}

static void
connect_now (RdYeastarEvents *self)
{
  if (!self->running || self->connecting != NULL || self->pending.ws != NULL)
    return;
  self->connecting = g_cancellable_new ();
  rd_yeastar_token_get_async (self->token, self->connecting, on_token, g_object_ref (self));
}

static void
on_token_changed (RdYeastarToken *token, gpointer user_data)
{
  RdYeastarEvents *self = user_data;

  if (self->running && self->current.ws != NULL)
    {
      g_debug ("access token replaced: reconnecting the event stream with the new one");
      connect_now (self);
    }
}

RdYeastarEvents *
rd_yeastar_events_new (RdYeastarClient *client, RdYeastarToken *token)
{
  RdYeastarEvents *self;

  g_return_val_if_fail (RD_IS_YEASTAR_CLIENT (client), NULL);
  g_return_val_if_fail (RD_IS_YEASTAR_TOKEN (token), NULL);

  self = g_object_new (RD_TYPE_YEASTAR_EVENTS, NULL);
  self->client = g_object_ref (client);
  self->token = g_object_ref (token);
  self->token_changed_id = g_signal_connect (token, "changed", G_CALLBACK (on_token_changed), self);
  return self;
}

void
rd_yeastar_events_start (RdYeastarEvents *self)
{
  g_return_if_fail (RD_IS_YEASTAR_EVENTS (self));
  if (self->running)
    return;
  self->running = TRUE;
  self->attempt = 0;
  connect_now (self);
}

void
rd_yeastar_events_stop (RdYeastarEvents *self)
{
  g_return_if_fail (RD_IS_YEASTAR_EVENTS (self));
  self->running = FALSE;
  stop_all (self);
}
