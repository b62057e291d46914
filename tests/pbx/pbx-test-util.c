/* pbx-test-util.c — shared helpers for the PBX tests. */
#include "config.h"

#include "pbx-test-util.h"

#include <string.h>

static GPtrArray *tolerated;   /* substrings */
static guint      tolerated_count;

/* Warnings are not fatal (so that one test can expect some), but any warning a
 * test did not announce with pbx_test_tolerate() fails that test. */
static void
log_handler (const char *log_domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if ((level & G_LOG_LEVEL_WARNING) != 0 && g_strcmp0 (log_domain, "libsoup") == 0 && message != NULL &&
      strstr (message, "could not get remote address") != NULL)
    {
      /* libsoup 3.2's server (the simulator's) says so when a client closed a connection
       * before the server got to it: a client that gave up or moved on, not a fault */
      g_test_message ("libsoup: %s", message);
      return;
    }
  if ((level & G_LOG_LEVEL_WARNING) != 0)
    {
      for (guint i = 0; tolerated != NULL && message != NULL && i < tolerated->len; i++)
        if (strstr (message, tolerated->pdata[i]) != NULL)
          {
            tolerated_count++;
            g_test_message ("expected warning: %s", message);
            return;
          }
      g_test_message ("unexpected warning (%s): %s", log_domain ? log_domain : "", message);
      g_test_fail ();
      return;
    }
  g_log_default_handler (log_domain, level, message, user_data);
}

void
pbx_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_default_handler (log_handler, NULL);
}

void
pbx_test_tolerate (const char *substring)
{
  if (tolerated == NULL)
    tolerated = g_ptr_array_new_with_free_func (g_free);
  if (substring == NULL)
    g_ptr_array_set_size (tolerated, 0);
  else
    g_ptr_array_add (tolerated, g_strdup (substring));
  tolerated_count = 0;
}

guint
pbx_test_tolerated (void)
{
  return tolerated_count;
}

static void
on_call_event (RdPbx *pbx, RdCallEvent *event, PbxFixture *f)
{
  g_ptr_array_add (f->events, rd_call_event_copy (event));
}

static void
on_call_record (RdPbx *pbx, RdCallRecord *record, PbxFixture *f)
{
  g_ptr_array_add (f->records, rd_call_record_copy (record));
}

static void
on_state (RdPbx *pbx, int state, const char *message, PbxFixture *f)
{
  g_ptr_array_add (f->states, GINT_TO_POINTER (state));
}

static void
on_dial_failed (RdPbx *pbx, const char *call_id, const char *reason, PbxFixture *f)
{
  g_ptr_array_add (f->dial_failures, g_strdup_printf ("%s|%s", call_id, reason));
}

static void
on_extensions_changed (RdPbx *pbx, PbxFixture *f)
{
  f->extensions_changed++;
}

static void
on_finished (RdSimPbx *sim, const char *call_id, PbxFixture *f)
{
  g_ptr_array_add (f->finished, g_strdup (call_id));
}

void
pbx_fixture_setup (PbxFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  memset (f, 0, sizeof *f);
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_event_free);
  f->records = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_call_record_free);
  f->states = g_ptr_array_new ();
  f->dial_failures = g_ptr_array_new_with_free_func (g_free);
  f->finished = g_ptr_array_new_with_free_func (g_free);
  pbx_test_tolerate (NULL);
  f->sim = rd_sim_pbx_new ();
  g_signal_connect (f->sim, "call-finished", G_CALLBACK (on_finished), f);
  if (data == NULL)
    {
      g_assert_true (rd_sim_pbx_start (f->sim, &error));
      g_assert_no_error (error);
    }
  pbx_test_tolerate ("plain http://");
}

RdOptions *
pbx_test_options (const char *client_id, const char *client_secret, const char *time_zone)
{
  RdOptions *options = rd_options_new ();

  rd_options_set (options, "client-id", client_id);
  rd_options_set (options, "client-secret", client_secret);
  rd_options_set (options, "time-zone", time_zone);
  return options;
}

RdPbx *
pbx_fixture_make_pbx (PbxFixture *f, const RdPbxConfig *overrides)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdOptions) options = NULL;
  RdPbxConfig config = { 0 };

  if (overrides != NULL)
    config = *overrides;
  if (config.base_url == NULL)
    config.base_url = (char *) rd_sim_pbx_get_base_url (f->sim);
  /* the simulator's API client, unless the test says otherwise */
  options = rd_options_copy (config.options);
  if (rd_options_get (options, "client-id") == NULL)
    rd_options_set (options, "client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID);
  if (rd_options_get (options, "client-secret") == NULL)
    rd_options_set (options, "client-secret", RD_SIM_PBX_DEFAULT_SECRET);
  config.options = options;
  if (config.request_timeout == 0)
    config.request_timeout = 15;   /* the default: TLS handshakes under ASan on a loaded machine take seconds */
  f->pbx = rd_pbx_new (&config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->pbx);
  rd_yeastar_pbx_set_test_timings (RD_YEASTAR_PBX (f->pbx), 200, 50, 400, 0);
  g_signal_connect (f->pbx, "call-event", G_CALLBACK (on_call_event), f);
  g_signal_connect (f->pbx, "call-record", G_CALLBACK (on_call_record), f);
  g_signal_connect (f->pbx, "state-changed", G_CALLBACK (on_state), f);
  g_signal_connect (f->pbx, "dial-failed", G_CALLBACK (on_dial_failed), f);
  g_signal_connect (f->pbx, "extensions-changed", G_CALLBACK (on_extensions_changed), f);
  return f->pbx;
}

void
pbx_fixture_connect (PbxFixture *f)
{
  if (f->pbx == NULL)
    pbx_fixture_make_pbx (f, NULL);
  rd_pbx_start (f->pbx);
  /* an upper bound, not a speed target: under ASan with both cores busy the two TLS
   * handshakes of a first connection (token, event socket) alone take seconds */
  pbx_wait_state (f, RD_PBX_STATE_CONNECTED, 20000);
}

void
pbx_fixture_stop (PbxFixture *f)
{
  GAsyncResult *res = NULL;
  g_autoptr(GError) error = NULL;

  rd_pbx_stop_async (f->pbx, NULL, pbx_store_result, &res);
  pbx_wait_result (&res, 15000);
  g_assert_true (rd_pbx_stop_finish (f->pbx, res, &error));
  g_assert_no_error (error);
  g_object_unref (res);
}

void
pbx_fixture_teardown (PbxFixture *f, gconstpointer data)
{
  if (f->pbx != NULL && rd_pbx_get_state (f->pbx) != RD_PBX_STATE_DISCONNECTED)
    pbx_fixture_stop (f);
  g_clear_object (&f->pbx);
  g_clear_object (&f->sim);
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->records);
  g_ptr_array_unref (f->states);
  g_ptr_array_unref (f->dial_failures);
  g_ptr_array_unref (f->finished);
  /* let pending closes and callbacks run */
  pbx_sleep (20);
  pbx_test_tolerate (NULL);
}

/* ---- waiting ---------------------------------------------------------------------- */

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
pbx_wait (PbxCond cond, gpointer data, guint timeout_ms, const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &expired);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  if (!cond (data))
    g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
}

void
pbx_sleep (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, on_deadline, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct { PbxFixture *f; RdPbxState state; } StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;
  return rd_pbx_get_state (w->f->pbx) == w->state;
}

void
pbx_wait_state (PbxFixture *f, RdPbxState state, guint timeout_ms)
{
  StateWait w = { f, state };
  g_autofree char *what = g_strdup_printf ("state %s", rd_pbx_state_to_string (state));

  pbx_wait (state_reached, &w, timeout_ms, what);
}

typedef struct { PbxFixture *f; const char *call_id; guint n; } CallWait;

static gboolean
call_finished (gpointer data)
{
  CallWait *w = data;

  for (guint i = 0; i < w->f->finished->len; i++)
    if (g_str_equal (g_ptr_array_index (w->f->finished, i), w->call_id))
      return TRUE;
  return FALSE;
}

void
pbx_wait_finished (PbxFixture *f, const char *call_id, guint timeout_ms)
{
  CallWait w = { f, call_id, 0 };

  pbx_wait (call_finished, &w, timeout_ms, call_id);
}

static gboolean
records_arrived (gpointer data)
{
  CallWait *w = data;
  return w->f->records->len >= w->n;
}

void
pbx_wait_records (PbxFixture *f, guint n, guint timeout_ms)
{
  CallWait w = { f, NULL, n };
  g_autofree char *what = g_strdup_printf ("%u call records", n);

  pbx_wait (records_arrived, &w, timeout_ms, what);
}

/* ---- inspecting ------------------------------------------------------------------- */

char *
pbx_events_for (PbxFixture *f, const char *call_id, const char *extension)
{
  GString *s = g_string_new (extension);

  g_string_append_c (s, ':');
  for (guint i = 0, n = 0; i < f->events->len; i++)
    {
      RdCallEvent *e = g_ptr_array_index (f->events, i);

      if (g_strcmp0 (e->call_id, call_id) != 0 || g_strcmp0 (e->extension, extension) != 0)
        continue;
      g_string_append_printf (s, "%s%s", n++ ? "," : "", rd_call_state_to_string (e->state));
    }
  return g_string_free (s, FALSE);
}

const RdCallEvent *
pbx_first_event (PbxFixture *f, const char *call_id, const char *extension)
{
  for (guint i = 0; i < f->events->len; i++)
    {
      RdCallEvent *e = g_ptr_array_index (f->events, i);

      if (g_strcmp0 (e->call_id, call_id) == 0 && g_strcmp0 (e->extension, extension) == 0)
        return e;
    }
  return NULL;
}

const RdCallRecord *
pbx_record_for (PbxFixture *f, const char *call_id, guint index)
{
  for (guint i = 0; i < f->records->len; i++)
    {
      RdCallRecord *r = g_ptr_array_index (f->records, i);

      if (g_strcmp0 (r->call_id, call_id) == 0 && index-- == 0)
        return r;
    }
  return NULL;
}

guint
pbx_count_records (PbxFixture *f, const char *call_id)
{
  guint n = 0;

  for (guint i = 0; i < f->records->len; i++)
    if (g_strcmp0 (((RdCallRecord *) g_ptr_array_index (f->records, i))->call_id, call_id) == 0)
      n++;
  return n;
}

void
pbx_store_result (GObject *source, GAsyncResult *res, gpointer slot)
{
  *(GAsyncResult **) slot = g_object_ref (res);
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
pbx_wait_result (GAsyncResult **slot, guint timeout_ms)
{
  pbx_wait (result_ready, slot, timeout_ms, "an async result");
  return *slot;
}

/* ---- a TCP relay ------------------------------------------------------------------ */

struct _PbxProxy
{
  GSocketService *service;
  char           *upstream_host;
  guint16         upstream_port;
  char           *base_url;
  guint           close_delay_ms;
  GPtrArray      *pairs;
};

typedef struct {
  PbxProxy          *proxy;
  GSocketConnection *client;
  GSocketConnection *upstream;
  GCancellable      *cancellable;
  guint              close_id;
  guint              refs;       /* the proxy's and each running pump's */
} Pair;

typedef struct {
  Pair          *pair;
  GInputStream  *in;
  GOutputStream *out;
  gboolean       from_upstream;
  guint8         buffer[16384];
} Pump;

static void pump_read (Pump *pump);

static void
pair_unref (Pair *pair)
{
  if (--pair->refs > 0)
    return;
  g_object_unref (pair->client);
  g_object_unref (pair->upstream);
  g_object_unref (pair->cancellable);
  g_free (pair);
}

/* The proxy goes: both sides close now. */
static void
pair_release (gpointer data)
{
  Pair *pair = data;

  g_cancellable_cancel (pair->cancellable);
  g_clear_handle_id (&pair->close_id, g_source_remove);
  g_io_stream_close (G_IO_STREAM (pair->client), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (pair->upstream), NULL, NULL);
  pair_unref (pair);
}

static gboolean
close_client_later (gpointer data)
{
  Pair *pair = data;

  pair->close_id = 0;
  g_io_stream_close (G_IO_STREAM (pair->client), NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* One direction is over: the client side of a connection the PBX closed goes
 * after the close delay, the PBX side of one the client closed at once. */
static void
pump_done (Pump *pump)
{
  Pair *pair = pump->pair;

  if (!g_cancellable_is_cancelled (pair->cancellable))
    {
      if (pump->from_upstream && pair->proxy->close_delay_ms > 0)
        pair->close_id = g_timeout_add (pair->proxy->close_delay_ms, close_client_later, pair);
      else if (pump->from_upstream)
        g_io_stream_close (G_IO_STREAM (pair->client), NULL, NULL);
      else
        g_io_stream_close (G_IO_STREAM (pair->upstream), NULL, NULL);
    }
  g_free (pump);
  pair_unref (pair);
}

static void
on_pump_written (GObject *source, GAsyncResult *res, gpointer data)
{
  Pump *pump = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, NULL))
    {
      pump_done (pump);
      return;
    }
  pump_read (pump);
}

static void
on_pump_read (GObject *source, GAsyncResult *res, gpointer data)
{
  Pump *pump = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);

  if (n <= 0)
    {
      pump_done (pump);
      return;
    }
  g_output_stream_write_all_async (pump->out, pump->buffer, n, G_PRIORITY_DEFAULT, pump->pair->cancellable,
                                   on_pump_written, pump);
}

static void
pump_read (Pump *pump)
{
  g_input_stream_read_async (pump->in, pump->buffer, sizeof pump->buffer, G_PRIORITY_DEFAULT,
                             pump->pair->cancellable, on_pump_read, pump);
}

static void
pump_start (Pair *pair, GIOStream *from, GIOStream *to, gboolean from_upstream)
{
  Pump *pump = g_new0 (Pump, 1);

  pump->pair = pair;
  pump->in = g_io_stream_get_input_stream (from);
  pump->out = g_io_stream_get_output_stream (to);
  pump->from_upstream = from_upstream;
  pair->refs++;
  pump_read (pump);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer data)
{
  PbxProxy *proxy = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *upstream = g_socket_client_connect_to_host (client, proxy->upstream_host,
                                                                 proxy->upstream_port, NULL, &error);
  Pair *pair;

  if (upstream == NULL)
    {
      g_test_message ("proxy: cannot reach the simulator: %s", error->message);
      return FALSE;
    }
  pair = g_new0 (Pair, 1);
  pair->proxy = proxy;
  pair->client = g_object_ref (connection);
  pair->upstream = upstream;
  pair->cancellable = g_cancellable_new ();
  pair->refs = 1;
  g_ptr_array_add (proxy->pairs, pair);
  pump_start (pair, G_IO_STREAM (connection), G_IO_STREAM (upstream), FALSE);
  pump_start (pair, G_IO_STREAM (upstream), G_IO_STREAM (connection), TRUE);
  return TRUE;
}

PbxProxy *
pbx_proxy_new (const char *upstream_base_url)
{
  PbxProxy *proxy = g_new0 (PbxProxy, 1);
  g_autoptr(GUri) uri = g_uri_parse (upstream_base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_assert_nonnull (uri);
  proxy->upstream_host = g_strdup (g_uri_get_host (uri));
  proxy->upstream_port = (guint16) g_uri_get_port (uri);
  proxy->pairs = g_ptr_array_new_with_free_func (pair_release);
  proxy->service = g_socket_service_new ();
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (proxy->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (on_incoming), proxy);
  g_socket_service_start (proxy->service);
  proxy->base_url = g_strdup_printf ("%s://127.0.0.1:%u", g_uri_get_scheme (uri), port);
  return proxy;
}

const char *
pbx_proxy_get_base_url (PbxProxy *proxy)
{
  return proxy->base_url;
}

void
pbx_proxy_set_close_delay (PbxProxy *proxy, guint ms)
{
  proxy->close_delay_ms = ms;
}

void
pbx_proxy_free (PbxProxy *proxy)
{
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_object_unref (proxy->service);
  g_ptr_array_unref (proxy->pairs);
  g_free (proxy->upstream_host);
  g_free (proxy->base_url);
  g_free (proxy);
}
