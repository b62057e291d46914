/* End-to-end tests of the agent protocol: the real server (RdDeskServer on a
 * SoupServer bound to 127.0.0.1:0) with a fake backend, driven by the real client
 * (RdAgentClient) and by a raw WebSocket client for hostile input. */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "core/rd-tcp.h"
#include "core/rd-text.h"
#include "fake-backend.h"
#include "../rd-test-proxy.h"
#include "hub/rd-desk-frames.h"
#include "hub/rd-desk-server.h"
#include "hub/rd-desk-server-private.h"
#include "hub/rd-listener.h"

#include <glib/gstdio.h>
#include <string.h>

/* A hang guard, not a performance assertion. */
#define WAIT_LIMIT_S 60

#define WAIT_FOR(expr)                                                              \
  G_STMT_START {                                                                    \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;      \
    while (!(expr))                                                                 \
      {                                                                             \
        if (g_get_monotonic_time () > deadline_)                                     \
          g_error ("gave up waiting for: %s", #expr);                               \
        g_main_context_iteration (NULL, TRUE);                                      \
      }                                                                             \
  } G_STMT_END

typedef struct {
  SoupServer    *soup;
  RdDeskServer *server;
  FakeBackend   *backend;
  char          *url;
  guint          ticker;
} Fixture;

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->backend = fake_backend_new ();
  f->server = rd_desk_server_new (RD_DESK_BACKEND (f->backend));
  f->soup = soup_server_new (NULL, NULL);
  rd_desk_server_attach (f->server, f->soup);
  g_assert_true (soup_server_listen_local (f->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->soup);
  f->url = g_strdup_printf ("ws://127.0.0.1:%d/agent/v1", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  f->ticker = g_timeout_add (50, tick, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->server);
  soup_server_disconnect (f->soup);
  g_clear_object (&f->soup);
  g_clear_object (&f->backend);
  g_free (f->url);
  g_source_remove (f->ticker);
  /* Let closing sockets finish. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- raw WebSocket client -------------------------------------------------- */

typedef struct {
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GError                  *error;
  GPtrArray               *frames;    /* JsonObject* */
  guint                    next;
  gboolean                 closed;
  gushort                  close_code;
} Raw;

static void
raw_on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  Raw *raw = data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *text = g_bytes_get_data (message, &len);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (g_utf8_validate_len (text, len, NULL));
  json_parser_load_from_data (parser, text, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_ptr_array_add (raw->frames, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
raw_on_closed (SoupWebsocketConnection *ws, gpointer data)
{
  Raw *raw = data;

  raw->closed = TRUE;
  raw->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
raw_on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Raw *raw = data;

  raw->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &raw->error);
  if (raw->ws != NULL)
    {
      g_signal_connect (raw->ws, "message", G_CALLBACK (raw_on_message), raw);
      g_signal_connect (raw->ws, "closed", G_CALLBACK (raw_on_closed), raw);
    }
}

static void
raw_free (Raw *raw)
{
  if (raw->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (raw->ws, raw);
      if (soup_websocket_connection_get_state (raw->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (raw->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (raw->ws);
    }
  g_clear_error (&raw->error);
  g_ptr_array_unref (raw->frames);
  g_object_unref (raw->session);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static Raw *
raw_connect (Fixture *f, const char *origin)
{
  Raw *raw = g_new0 (Raw, 1);
  g_autofree char *http = g_strconcat ("http", f->url + 2, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", http);

  raw->session = soup_session_new ();
  raw->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  soup_session_websocket_connect_async (raw->session, msg, origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                        raw_on_connected, raw);
  WAIT_FOR (raw->ws != NULL || raw->error != NULL);
  g_assert_no_error (raw->error);
  /* the server allows our frames up to 64 KiB; make sure we can send bigger ones */
  soup_websocket_connection_set_max_incoming_payload_size (raw->ws, 4 * 1024 * 1024);
  return raw;
}

static void
raw_send (Raw *raw, const char *text)
{
  soup_websocket_connection_send_text (raw->ws, text);
}

static JsonObject *
raw_next (Raw *raw)
{
  WAIT_FOR (raw->frames->len > raw->next || raw->closed);
  if (raw->frames->len <= raw->next)
    g_error ("connection closed (%u) while waiting for a frame", raw->close_code);
  return g_ptr_array_index (raw->frames, raw->next++);
}

static const char *
frame_type (JsonObject *frame)
{
  return json_object_get_string_member (frame, "type");
}

static const char *
frame_error_code (JsonObject *frame)
{
  g_assert_true (json_object_has_member (frame, "error"));
  return json_object_get_string_member (json_object_get_object_member (frame, "error"), "code");
}

static void
raw_wait_closed (Raw *raw, gushort code)
{
  WAIT_FOR (raw->closed);
  g_assert_cmpuint (raw->close_code, ==, code);
}

static void
raw_hello_agent_key (Raw *raw, const char *extension, const char *key)
{
  g_autofree char *hello = g_strdup_printf ("{\"type\":\"hello\",\"v\":1,\"client\":\"test\","
                                            "\"auth\":{\"method\":\"agent-key\",\"extension\":\"%s\",\"key\":\"%s\"}}",
                                            extension, key);
  raw_send (raw, hello);
}

/* A raw client signed in as @extension; the welcome frame is consumed. */
static Raw *
raw_sign_in (Fixture *f, const char *extension, char **token)
{
  Raw *raw = raw_connect (f, NULL);
  g_autofree char *key = g_strconcat ("key-", extension, NULL);
  JsonObject *welcome;

  raw_hello_agent_key (raw, extension, key);
  welcome = raw_next (raw);
  g_assert_cmpstr (frame_type (welcome), ==, "welcome");
  g_assert_cmpstr (json_object_get_string_member (welcome, "extension"), ==, extension);
  if (token != NULL)
    *token = g_strdup (json_object_get_string_member (json_object_get_object_member (welcome, "session"), "token"));
  return raw;
}

/* ---- real client helpers --------------------------------------------------- */

static RdAgentClient *
client_start_agent (Fixture *f, const char *extension, const char *key)
{
  RdAgentClient *client = rd_agent_client_new (f->url);

  rd_agent_client_set_agent_key (client, extension, key);
  rd_agent_client_start (client);
  return client;
}

static RdAgentClient *
client_signed_in (Fixture *f, const char *extension)
{
  g_autofree char *key = g_strconcat ("key-", extension, NULL);
  RdAgentClient *client = client_start_agent (f, extension, key);

  WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpstr (rd_agent_client_get_extension (client), ==, extension);
  return client;
}

static gboolean
client_settled (RdAgentClient *client)
{
  RdAgentState state = rd_agent_client_get_state (client);

  return state == RD_AGENT_STATE_SIGNED_IN || state == RD_AGENT_STATE_AUTH_FAILED;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

typedef struct {
  GPtrArray *calls;      /* RdAgentCall* */
  GPtrArray *matches;    /* call ids of "match" signals */
  GPtrArray *logged;     /* call ids of "call-logged" */
  GPtrArray *failed;     /* "call_id:reason" of "dial-failed" */
  guint      status_changes;
} Events;

static void
on_call (RdAgentClient *client, RdAgentCall *call, Events *events)
{
  g_ptr_array_add (events->calls, rd_agent_call_copy (call));
}

static void
on_match (RdAgentClient *client, const char *call_id, RdAgentMatch *match, Events *events)
{
  g_ptr_array_add (events->matches, g_strdup_printf ("%s:%s", call_id, match != NULL ? match->name : "-"));
}

static void
on_call_logged (RdAgentClient *client, const char *call_id, Events *events)
{
  g_ptr_array_add (events->logged, g_strdup (call_id));
}

static void
on_dial_failed (RdAgentClient *client, const char *call_id, const char *reason, Events *events)
{
  g_ptr_array_add (events->failed, g_strdup_printf ("%s:%s", call_id, reason));
}

static void
on_status_changed (RdAgentClient *client, Events *events)
{
  events->status_changes++;
}

static Events *
events_watch (RdAgentClient *client)
{
  Events *events = g_new0 (Events, 1);

  events->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_call_free);
  events->matches = g_ptr_array_new_with_free_func (g_free);
  events->logged = g_ptr_array_new_with_free_func (g_free);
  events->failed = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (client, "call", G_CALLBACK (on_call), events);
  g_signal_connect (client, "match", G_CALLBACK (on_match), events);
  g_signal_connect (client, "call-logged", G_CALLBACK (on_call_logged), events);
  g_signal_connect (client, "dial-failed", G_CALLBACK (on_dial_failed), events);
  g_signal_connect (client, "status-changed", G_CALLBACK (on_status_changed), events);
  return events;
}

static void
events_free (Events *events)
{
  g_ptr_array_unref (events->calls);
  g_ptr_array_unref (events->matches);
  g_ptr_array_unref (events->logged);
  g_ptr_array_unref (events->failed);
  g_free (events);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Events, events_free)

static JsonObject *
call_frame (const char *call_id, const char *remote, RdCallState state)
{
  g_autoptr(RdCallEvent) event = rd_call_event_new ();

  event->call_id = g_strdup (call_id);
  event->extension = g_strdup ("ignored");
  event->direction = RD_DIRECTION_INBOUND;
  event->state = state;
  event->remote_number = g_strdup (remote);
  event->timestamp_us = 1700000000123456;
  return rd_desk_frame_call (event, NULL, NULL, TRUE);
}

/* ---- sign-in --------------------------------------------------------------- */

static void
test_sign_in_agent_key (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);
  g_autoptr(Events) events = events_watch (client);

  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_DISCONNECTED);
  rd_agent_client_set_agent_key (client, "2001", "key-2001");
  rd_agent_client_start (client);
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpstr (rd_agent_client_get_extension (client), ==, "2001");
  g_assert_null (rd_agent_client_get_user_name (client));
  g_assert_null (rd_agent_client_get_last_error (client));
  g_assert_cmpuint (rd_desk_server_count_sessions (f->server), ==, 1);
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);

  /* welcome carried the status */
  g_assert_cmpstr (rd_agent_client_get_pbx_status (client), ==, "connected");
  g_assert_cmpstr (rd_agent_client_get_crm_status (client), ==, "connected");
  g_assert_null (rd_agent_client_get_status_message (client));
  g_assert_cmpuint (events->status_changes, ==, 1);

  rd_agent_client_stop (client);
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_DISCONNECTED);
  WAIT_FOR (rd_desk_server_count_sessions (f->server) == 0);
}

static void
test_sign_in_agent_key_bad (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = client_start_agent (f, "2001", "wrong");

  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  g_assert_cmpstr (rd_agent_client_get_last_error (client), ==, RD_DESK_WRONG_CREDENTIALS);
  g_assert_cmpuint (rd_desk_server_count_sessions (f->server), ==, 0);

  /* No hammering: AUTH_FAILED waits for new credentials. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);

  /* New credentials: signs in once the hub's delay (1 s after one failure) is over. */
  rd_agent_client_set_agent_key (client, "2001", "key-2001");
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpuint (f->backend->auth_calls, ==, 2);
}

static void
test_sign_in_agent_key_unbound (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = client_start_agent (f, "5555", "key-5555");

  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  /* The same answer as a wrong key: which credentials are valid stays unknown. */
  g_assert_cmpstr (rd_agent_client_get_last_error (client), ==, RD_DESK_WRONG_CREDENTIALS);
}

static void
test_sign_in_crm_key (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);

  rd_agent_client_set_crm_key (client, "alice@example.com", "alice-key");
  rd_agent_client_start (client);
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpstr (rd_agent_client_get_extension (client), ==, "2002");
  g_assert_cmpstr (rd_agent_client_get_user_name (client), ==, "Alice Zhang");
}

static void
test_sign_in_crm_key_bad (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);

  rd_agent_client_set_crm_key (client, "alice@example.com", "not-her-key");
  rd_agent_client_start (client);
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  g_assert_cmpstr (rd_agent_client_get_last_error (client), ==, RD_DESK_WRONG_CREDENTIALS);
}

static void
test_sign_in_crm_key_unbound (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);

  rd_agent_client_set_crm_key (client, "bob@example.com", "bob-key");
  rd_agent_client_start (client);
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  g_assert_cmpstr (rd_agent_client_get_last_error (client), ==, RD_DESK_WRONG_CREDENTIALS);
}

static void
test_sign_in_crm_unavailable (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);

  /* Not a refusal: the client keeps trying, and gets in once the CRM is back. */
  f->backend->crm_down = TRUE;
  rd_agent_client_set_crm_key (client, "alice@example.com", "alice-key");
  rd_agent_client_start (client);
  WAIT_FOR (f->backend->auth_calls == 1 && rd_agent_client_get_last_error (client) != NULL);
  WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_RECONNECTING);
  g_assert_cmpstr (rd_agent_client_get_last_error (client), ==, "The CRM is unreachable");
  f->backend->crm_down = FALSE;
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpuint (f->backend->auth_calls, ==, 2);
}

static void
test_sign_in_no_credentials (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);

  rd_agent_client_start (client);
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  g_assert_nonnull (rd_agent_client_get_last_error (client));
  g_assert_cmpuint (f->backend->auth_calls, ==, 0);
}

static void
test_sign_in_hello_rules (Fixture *f, gconstpointer data)
{
  /* Anything but hello first: 4401. */
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);

    raw_send (raw, "{\"type\":\"ping\",\"id\":1}");
    raw_wait_closed (raw, 4401);
    g_assert_cmpuint (raw->frames->len, ==, 0);
  }
  /* Malformed JSON first: an error frame, then 4401. */
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);

    raw_send (raw, "{\"type\":\"hello\",");
    g_assert_cmpstr (frame_type (raw_next (raw)), ==, "error");
    raw_wait_closed (raw, 4401);
  }
  /* A hello with an unknown method: auth-failed (invalid-input), 4401, backend not asked. */
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);
    JsonObject *frame;

    raw_send (raw, "{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"password\",\"key\":\"x\"}}");
    frame = raw_next (raw);
    g_assert_cmpstr (frame_type (frame), ==, "auth-failed");
    g_assert_cmpstr (frame_error_code (frame), ==, "invalid-input");
    raw_wait_closed (raw, 4401);
  }
  /* Silence: closed after the hello timeout. */
  {
    g_autoptr(Raw) raw = NULL;

    rd_desk_server_set_hello_timeout (f->server, 200);
    raw = raw_connect (f, NULL);
    raw_wait_closed (raw, 4401);
  }
  /* A browser (Origin header) is refused outright. */
  {
    g_autoptr(Raw) raw = raw_connect (f, "https://evil.example");

    raw_wait_closed (raw, 4403);
  }
  g_assert_cmpuint (f->backend->auth_calls, ==, 0);
}

/* ---- rate limiting --------------------------------------------------------- */

static guint
expect_auth_failed (Fixture *f, const char *extension, const char *key, const char *code)
{
  g_autoptr(Raw) raw = raw_connect (f, NULL);
  JsonObject *frame;
  guint retry_after;

  raw_hello_agent_key (raw, extension, key);
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "auth-failed");
  g_assert_cmpstr (frame_error_code (frame), ==, code);
  retry_after = (guint) json_object_get_int_member (frame, "retry_after");
  raw_wait_closed (raw, 4401);
  return retry_after;
}

static void
wait_seconds (guint seconds)
{
  gint64 until = g_get_monotonic_time () + seconds * G_USEC_PER_SEC + 100000;

  WAIT_FOR (g_get_monotonic_time () >= until);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  guint retry;

  /* 1st failure: wait 1 s. */
  g_assert_cmpuint (expect_auth_failed (f, "2001", "bad", "auth"), ==, 1);
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);

  /* While locked: refused without asking the backend, even with the right key. */
  retry = expect_auth_failed (f, "2001", "bad", "limit");
  g_assert_cmpuint (retry, >=, 1);
  g_assert_cmpuint (expect_auth_failed (f, "2001", "key-2001", "limit"), >=, 1);
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);

  /* Session tokens are not slowed down (256 random bits cannot be guessed). */
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);
    JsonObject *frame;

    raw_send (raw, "{\"type\":\"hello\",\"auth\":{\"method\":\"session\",\"token\":\"00\"}}");
    frame = raw_next (raw);
    g_assert_cmpstr (frame_error_code (frame), ==, "auth");
    g_assert_cmpint (json_object_get_int_member (frame, "retry_after"), ==, 0);
  }

  /* Growing delays: 2 s, then 4 s. */
  wait_seconds (retry);
  g_assert_cmpuint (expect_auth_failed (f, "2001", "bad", "auth"), ==, 2);
  g_assert_cmpuint (f->backend->auth_calls, ==, 2);
  wait_seconds (2);
  g_assert_cmpuint (expect_auth_failed (f, "2001", "bad", "auth"), ==, 4);
  g_assert_cmpuint (f->backend->auth_calls, ==, 3);
  g_assert_cmpuint (expect_auth_failed (f, "2001", "key-2001", "limit"), >=, 3);
  g_assert_cmpuint (f->backend->auth_calls, ==, 3);

  /* The real client honours retry_after instead of hammering. */
  {
    g_autoptr(RdAgentClient) client = client_start_agent (f, "2001", "key-2001");

    WAIT_FOR (client_settled (client));
    g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
    /* one refused attempt (not reaching the backend), then one good one */
    g_assert_cmpuint (f->backend->auth_calls, ==, 4);
  }
}

/* ---- sessions -------------------------------------------------------------- */

static void
test_session_token (Fixture *f, gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *hello = NULL;
  g_autofree char *token2 = NULL;
  g_autoptr(Raw) first = raw_sign_in (f, "2001", &token);
  guint calls = f->backend->auth_calls;

  g_assert_cmpuint (strlen (token), ==, 64);
  g_assert_cmpuint (rd_desk_server_count_tokens (f->server), ==, 1);

  /* Resume: same extension, a fresh token, no credential check. */
  hello = g_strdup_printf ("{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"session\",\"token\":\"%s\"}}", token);
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);
    JsonObject *welcome;

    raw_send (raw, hello);
    welcome = raw_next (raw);
    g_assert_cmpstr (frame_type (welcome), ==, "welcome");
    g_assert_cmpstr (json_object_get_string_member (welcome, "extension"), ==, "2001");
    token2 = g_strdup (json_object_get_string_member (json_object_get_object_member (welcome, "session"), "token"));
    g_assert_cmpstr (token2, !=, token);
    g_assert_cmpuint (f->backend->auth_calls, ==, calls);
  }
  /* A token is single use. */
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);
    JsonObject *frame;

    raw_send (raw, hello);
    frame = raw_next (raw);
    g_assert_cmpstr (frame_type (frame), ==, "auth-failed");
    g_assert_cmpstr (frame_error_code (frame), ==, "auth");
    raw_wait_closed (raw, 4401);
  }
  /* Revoking the extension forgets its tokens and closes its sessions, saying why. */
  rd_desk_server_revoke (f->server, "2001", 0, RD_DESK_REVOKED_UNBOUND);
  raw_wait_closed (first, 4410);
  g_assert_cmpuint (rd_desk_server_count_tokens (f->server), ==, 0);
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);
    g_autofree char *hello2 = g_strdup_printf ("{\"type\":\"hello\",\"auth\":{\"method\":\"session\",\"token\":\"%s\"}}", token2);

    raw_send (raw, hello2);
    g_assert_cmpstr (frame_type (raw_next (raw)), ==, "auth-failed");
  }
  WAIT_FOR (rd_desk_server_count_sessions (f->server) == 0);
}

static void
test_session_expiry (Fixture *f, gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *hello = NULL;

  rd_desk_server_set_session_lifetime (f->server, 1);
  {
    g_autoptr(Raw) raw = raw_sign_in (f, "2001", &token);
  }
  wait_seconds (2);
  hello = g_strdup_printf ("{\"type\":\"hello\",\"auth\":{\"method\":\"session\",\"token\":\"%s\"}}", token);
  {
    g_autoptr(Raw) raw = raw_connect (f, NULL);

    raw_send (raw, hello);
    g_assert_cmpstr (frame_error_code (raw_next (raw)), ==, "auth");
  }
}

static void
test_session_resume_after_drop (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = client_signed_in (f, "2001");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = NULL;

  g_assert_cmpuint (f->backend->auth_calls, ==, 1);

  /* A request in flight when the socket drops fails with RD_ERROR_NETWORK. */
  rd_agent_client_dial_async (client, "+8613800138000", NULL, store_result, &result);
  rd_desk_server_drop_connections (f->server);
  WAIT_FOR (result != NULL);
  call_id = rd_agent_client_dial_finish (client, result, &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_NETWORK);
  g_assert_null (call_id);
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_RECONNECTING);

  /* Comes back with its session token: the backend is not asked again. */
  WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);
  g_assert_cmpuint (rd_desk_server_count_sessions (f->server), ==, 1);

  /* After a revoke the session and its token are gone, and so is the access the credential
   * gave: the client stops, tells why, and waits for new credentials. */
  rd_desk_server_revoke (f->server, "2001", 0, RD_DESK_REVOKED_KEY_REISSUED);
  WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_AUTH_FAILED);
  g_assert_cmpstr (rd_agent_client_get_revoked_reason (client), ==, RD_DESK_REVOKED_KEY_REISSUED);
  g_assert_nonnull (rd_agent_client_get_close_message (client));
  g_assert_cmpstr (rd_agent_client_get_last_error (client), ==, rd_agent_client_get_close_message (client));
  wait_seconds (2);
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);
}

/* ---- routing --------------------------------------------------------------- */

static void
test_routing (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) a1 = client_signed_in (f, "2001");
  g_autoptr(RdAgentClient) a2 = client_signed_in (f, "2001");
  g_autoptr(RdAgentClient) b = client_signed_in (f, "2002");
  g_autoptr(Events) ea1 = events_watch (a1);
  g_autoptr(Events) ea2 = events_watch (a2);
  g_autoptr(Events) eb = events_watch (b);
  g_autoptr(JsonObject) to_a = call_frame ("c-a", "+8613800138000", RD_CALL_STATE_RINGING);
  g_autoptr(JsonObject) to_b = call_frame ("c-b", "2001", RD_CALL_STATE_ANSWERED);
  g_autoptr(JsonObject) match = json_object_new ();
  g_autoptr(JsonObject) match_frame = NULL;
  g_autoptr(JsonObject) logged = rd_desk_frame_call_logged ("c-a", RD_OUTCOME_ANSWERED, 42);
  g_autoptr(JsonObject) failed = rd_desk_frame_dial_failed ("c-b", "busy");
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) status = NULL;
  RdAgentCall *call;

  g_assert_cmpuint (rd_desk_server_count_sessions (f->server), ==, 3);

  rd_desk_server_send_to_extension (f->server, "2001", to_a);
  rd_desk_server_send_to_extension (f->server, "2002", to_b);
  rd_desk_server_send_to_extension (f->server, "9999", to_b);   /* nobody: dropped */
  WAIT_FOR (ea1->calls->len == 1 && ea2->calls->len == 1 && eb->calls->len == 1);
  /* frames arrive in order: had B received A's call, it would have come first */
  call = g_ptr_array_index (eb->calls, 0);
  g_assert_cmpstr (call->call_id, ==, "c-b");
  g_assert_cmpstr (call->event, ==, "answered");
  g_assert_cmpstr (call->number_kind, ==, "invalid");
  call = g_ptr_array_index (ea1->calls, 0);
  g_assert_cmpstr (call->call_id, ==, "c-a");
  g_assert_cmpstr (call->event, ==, "ringing");
  g_assert_cmpstr (call->direction, ==, "inbound");
  g_assert_cmpstr (call->number_raw, ==, "+8613800138000");
  g_assert_cmpstr (call->number_display, ==, "+8613800138000");
  g_assert_true (call->lookup_pending);
  g_assert_null (call->match);
  g_assert_cmpint (call->at_ms, ==, 1700000000123);
  g_assert_cmpstr (((RdAgentCall *) g_ptr_array_index (ea2->calls, 0))->call_id, ==, "c-a");

  /* late match, call-logged, dial-failed */
  json_object_set_string_member (match, "kind", "company");
  json_object_set_int_member (match, "id", 5);
  json_object_set_string_member (match, "name", "Acme");
  match_frame = rd_desk_frame_match ("c-a", match);
  rd_desk_server_send_to_extension (f->server, "2001", match_frame);
  rd_desk_server_send_to_extension (f->server, "2001", logged);
  rd_desk_server_send_to_extension (f->server, "2002", failed);
  WAIT_FOR (ea1->logged->len == 1 && ea2->logged->len == 1 && eb->failed->len == 1);
  g_assert_cmpuint (ea1->matches->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (ea1->matches, 0), ==, "c-a:Acme");
  g_assert_cmpstr (g_ptr_array_index (ea1->logged, 0), ==, "c-a");
  g_assert_cmpstr (g_ptr_array_index (eb->failed, 0), ==, "c-b:busy");
  g_assert_cmpuint (eb->matches->len, ==, 0);
  g_assert_cmpuint (eb->logged->len, ==, 0);
  g_assert_cmpuint (ea1->failed->len, ==, 0);

  /* status goes to everyone */
  json_object_set_string_member (fields, "hub", "ok");
  json_object_set_string_member (fields, "pbx", "reconnecting");
  json_object_set_string_member (fields, "crm", "connected");
  json_object_set_string_member (fields, "message", "PBX connection lost");
  status = rd_desk_frame_status (fields);
  rd_desk_server_broadcast (f->server, status);
  WAIT_FOR (ea1->status_changes == 1 && ea2->status_changes == 1 && eb->status_changes == 1);
  g_assert_cmpstr (rd_agent_client_get_pbx_status (b), ==, "reconnecting");
  g_assert_cmpstr (rd_agent_client_get_status_message (a1), ==, "PBX connection lost");
}

static void
test_extension_spoofing (Fixture *f, gconstpointer data)
{
  g_autoptr(Raw) raw = raw_sign_in (f, "2001", NULL);
  JsonObject *frame;

  raw_send (raw, "{\"type\":\"dial\",\"id\":1,\"extension\":\"2002\",\"number\":\"+8613800138000\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "error");
  g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, 1);
  g_assert_cmpstr (frame_error_code (frame), ==, "access");

  raw_send (raw, "{\"type\":\"recent\",\"id\":\"r2\",\"extension\":\"2002\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (json_object_get_string_member (frame, "id"), ==, "r2");
  g_assert_cmpstr (frame_error_code (frame), ==, "access");

  raw_send (raw, "{\"type\":\"lookup\",\"id\":3,\"extension\":2002,\"number\":\"1\"}");
  g_assert_cmpstr (frame_error_code (raw_next (raw)), ==, "invalid-input");
  g_assert_cmpuint (f->backend->dial_calls + f->backend->other_calls, ==, 0);

  /* naming its own extension is fine; the backend always gets the session's */
  raw_send (raw, "{\"type\":\"dial\",\"id\":4,\"extension\":\"2001\",\"number\":\"+8613800138000\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "dial-result");
  g_assert_true (json_object_get_boolean_member (frame, "ok"));
  g_assert_cmpuint (f->backend->extensions_seen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->backend->extensions_seen, 0), ==, "2001");
}

/* ---- requests -------------------------------------------------------------- */

static void
test_requests (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = client_signed_in (f, "2002");
  GAsyncResult *result = NULL;
  GError *error = NULL;

  /* dial */
  {
    g_autofree char *call_id = NULL;

    rd_agent_client_dial_async (client, "tel:+86-138-0013-8000", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    call_id = rd_agent_client_dial_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (call_id, ==, "call-1");
    g_assert_cmpstr (f->backend->last_number, ==, "tel:+86-138-0013-8000");
    g_clear_object (&result);

    rd_agent_client_dial_async (client, "fail-me", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_dial_finish (client, result, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_BUSINESS);
    g_assert_cmpstr (error->message, ==, "Trunk busy");
    g_clear_error (&error);
    g_clear_object (&result);

    rd_agent_client_dial_async (client, "", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_dial_finish (client, result, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    g_clear_error (&error);
    g_clear_object (&result);
  }
  /* recent */
  {
    g_autoptr(GPtrArray) calls = NULL;
    RdAgentRecentCall *first;

    rd_agent_client_recent_async (client, 500, NULL, NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    calls = rd_agent_client_recent_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (calls->len, ==, 200);   /* clamped */
    first = g_ptr_array_index (calls, 0);
    g_assert_cmpstr (first->call_id, ==, "2002-0");
    g_assert_cmpstr (first->direction, ==, "inbound");
    g_assert_cmpstr (first->name, ==, "Jane Doe");
    g_assert_cmpstr (first->match->kind, ==, "individual");
    g_assert_cmpint (first->match->id, ==, 42);
    g_assert_cmpint (first->start, ==, 1700000000);
    g_assert_cmpuint (first->talk, ==, 60);
    g_assert_cmpstr (first->outcome, ==, "answered");
    g_assert_null (((RdAgentRecentCall *) g_ptr_array_index (calls, 1))->match);
    g_clear_object (&result);

    rd_agent_client_recent_async (client, 5, "error", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_recent_finish (client, result, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
    g_clear_error (&error);
    g_clear_object (&result);
  }
  /* lookup */
  {
    g_autoptr(RdAgentMatch) match = NULL;

    rd_agent_client_lookup_async (client, "+8613800138000", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    match = rd_agent_client_lookup_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (match->name, ==, "+8613800138000");
    g_assert_cmpstr (match->company, ==, "Acme");
    g_assert_cmpstr (match->url, ==, "https://crm.example.com/odoo/contacts/42");
    g_assert_null (match->owner);
    g_clear_object (&result);

    /* The same with the number as the hub formats it (the app's dial confirmation shows it). */
    {
      g_autoptr(RdAgentMatch) again = NULL;
      g_autofree char *display = NULL;

      rd_agent_client_lookup_async (client, "+8613800138000", NULL, store_result, &result);
      WAIT_FOR (result != NULL);
      again = rd_agent_client_lookup_finish_full (client, result, &display, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (again->name, ==, "+8613800138000");
      /* The hub's number.display (this fake backend leaves the E.164 form as it is). */
      g_assert_cmpstr (display, ==, "+8613800138000");
      g_clear_object (&result);
    }

    rd_agent_client_lookup_async (client, "unknown", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_lookup_finish (client, result, &error));
    g_assert_no_error (error);
    g_clear_object (&result);

    rd_agent_client_lookup_async (client, "fail", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_lookup_finish (client, result, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_NETWORK);
    g_clear_error (&error);
    g_clear_object (&result);
  }
  /* create-record */
  {
    g_autoptr(RdAgentMatch) match = NULL;

    rd_agent_client_create_record_async (client, "+8613800138000", "lead", "Li Lei", NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    match = rd_agent_client_create_record_finish (client, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (match->kind, ==, "lead");
    g_assert_cmpstr (match->name, ==, "Li Lei");
    g_assert_cmpint (match->id, ==, 99);
    g_clear_object (&result);

    rd_agent_client_create_record_async (client, "fail", "individual", NULL, NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_create_record_finish (client, result, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_ACCESS);
    g_clear_error (&error);
    g_clear_object (&result);

    rd_agent_client_create_record_async (client, "+8613800138000", "company", NULL, NULL, store_result, &result);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_create_record_finish (client, result, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    g_clear_error (&error);
    g_clear_object (&result);
  }
  /* cancelled */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    rd_agent_client_lookup_async (client, "+8613800138000", cancellable, store_result, &result);
    g_cancellable_cancel (cancellable);
    WAIT_FOR (result != NULL);
    g_assert_null (rd_agent_client_lookup_finish (client, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_clear_object (&result);
  }
  /* every request acted as the session's extension */
  for (guint i = 0; i < f->backend->extensions_seen->len; i++)
    g_assert_cmpstr (g_ptr_array_index (f->backend->extensions_seen, i), ==, "2002");

  /* not connected */
  rd_agent_client_stop (client);
  rd_agent_client_dial_async (client, "+8613800138000", NULL, store_result, &result);
  WAIT_FOR (result != NULL);
  g_assert_null (rd_agent_client_dial_finish (client, result, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NETWORK);
  g_clear_error (&error);
  g_clear_object (&result);
}

static void
test_raw_requests (Fixture *f, gconstpointer data)
{
  g_autoptr(Raw) raw = raw_sign_in (f, "2001", NULL);
  JsonObject *frame;

  raw_send (raw, "{\"type\":\"ping\",\"id\":\"p\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "pong");
  g_assert_cmpstr (json_object_get_string_member (frame, "id"), ==, "p");

  raw_send (raw, "{\"type\":\"lookup\",\"id\":2,\"number\":\"+8613800138000\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "lookup-result");
  g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (frame, "matches")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (frame, "number"), "kind"), ==, "external");

  raw_send (raw, "{\"type\":\"create-record\",\"id\":3,\"number\":\"fail\",\"kind\":\"lead\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "create-result");
  g_assert_false (json_object_get_boolean_member (frame, "ok"));
  g_assert_cmpstr (frame_error_code (frame), ==, "access");

  raw_send (raw, "{\"type\":\"dial\",\"id\":4,\"number\":\"fail\"}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "dial-result");
  g_assert_false (json_object_get_boolean_member (frame, "ok"));
  g_assert_cmpstr (frame_error_code (frame), ==, "business");

  raw_send (raw, "{\"type\":\"hello\",\"id\":5,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2002\",\"key\":\"key-2002\"}}");
  g_assert_cmpstr (frame_error_code (raw_next (raw)), ==, "invalid-input");
  g_assert_cmpuint (f->backend->auth_calls, ==, 1);
}

/* ---- hostile input --------------------------------------------------------- */

static void
test_malformed_frames (Fixture *f, gconstpointer data)
{
  g_autoptr(Raw) raw = raw_sign_in (f, "2001", NULL);
  static const char *bad[] = {
    "{not json",
    "[1,2,3]",
    "\"hello\"",
    "{\"type\":42}",
    "{}",
    "{\"type\":\"dial\",\"id\":{\"x\":1},\"number\":\"1\"}",
    "{\"type\":\"dial\",\"id\":7}",
    "{\"type\":\"dial\",\"id\":7,\"number\":\"\"}",
    "{\"type\":\"dial\",\"id\":7,\"number\":[\"1\"]}",
    "{\"type\":\"recent\",\"id\":7,\"limit\":-1}",
    "{\"type\":\"recent\",\"id\":7,\"limit\":\"10\"}",
    "{\"type\":\"create-record\",\"id\":7,\"number\":\"1\",\"kind\":\"company\"}",
    "{\"type\":\"lookup\",\"id\":\"x\",\"number\":1e400}",
  };
  g_autoptr(GString) deep = g_string_new ("{\"type\":\"ping\",\"x\":");
  g_autoptr(GString) big = g_string_new ("{\"type\":\"dial\",\"id\":1,\"number\":\"");
  JsonObject *frame;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      raw_send (raw, bad[i]);
      frame = raw_next (raw);
      g_assert_cmpstr (frame_type (frame), ==, "error");
      g_assert_cmpstr (frame_error_code (frame), ==, "invalid-input");
      if (strstr (bad[i], "\"id\":7") != NULL)
        g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, 7);
    }

  /* nesting that would blow a recursive parser's stack */
  for (int i = 0; i < 20000; i++)
    g_string_append_c (deep, '[');
  raw_send (raw, deep->str);
  g_assert_cmpstr (frame_error_code (raw_next (raw)), ==, "invalid-input");

  /* binary frame */
  soup_websocket_connection_send_binary (raw->ws, "\x00\x01", 2);
  g_assert_cmpstr (frame_error_code (raw_next (raw)), ==, "invalid-input");

  /* unknown types are ignored: the next frame is the pong */
  raw_send (raw, "{\"type\":\"future-thing\",\"id\":9}");
  raw_send (raw, "{\"type\":\"ping\",\"id\":10}");
  frame = raw_next (raw);
  g_assert_cmpstr (frame_type (frame), ==, "pong");
  g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, 10);
  g_assert_cmpuint (f->backend->dial_calls + f->backend->other_calls, ==, 0);

  /* oversized: closed with 1009, nothing reached the backend */
  for (int i = 0; i < 70 * 1024; i++)
    g_string_append_c (big, '1');
  g_string_append (big, "\"}");
  raw_send (raw, big->str);
  raw_wait_closed (raw, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  g_assert_cmpuint (f->backend->dial_calls, ==, 0);
  WAIT_FOR (rd_desk_server_count_sessions (f->server) == 0);

  /* absurdly large: the connection is dropped before the frame is buffered */
  {
    g_autoptr(Raw) raw2 = raw_sign_in (f, "2001", NULL);

    for (int i = 0; i < 300 * 1024; i++)
      g_string_append_c (big, '1');
    raw_send (raw2, big->str);
    WAIT_FOR (raw2->closed);
    g_assert_cmpuint (f->backend->dial_calls, ==, 0);
  }
}

static const char *hostile[] = {
  "<script>alert('x')</script>",
  "\"quoted\" \\back\\slash\\ \n\t\r",
  "\u202eevil\u202c \u2028 \u2029",
  "Zhāng Wěi 张伟 👩‍💼",
  "'; DROP TABLE calls; --",
  "%s%n%x %p",
  "\x01\x02\x1f",
};

static void
test_hostile_strings (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = client_signed_in (f, "2001");
  g_autoptr(Events) events = events_watch (client);
  g_autoptr(GString) long_text = g_string_new ("echo:");

  for (int i = 0; i < 1000; i++)
    g_string_append_c (long_text, "0123456789"[i % 10]);

  for (gsize i = 0; i <= G_N_ELEMENTS (hostile); i++)
    {
      const char *text = i < G_N_ELEMENTS (hostile) ? hostile[i] : long_text->str;
      g_autofree char *number = g_str_has_prefix (text, "echo:") ? g_strdup (text) : g_strconcat ("echo:", text, NULL);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *call_id = NULL;
      g_autoptr(JsonObject) frame = NULL;
      g_autoptr(JsonObject) match = json_object_new ();
      g_autoptr(RdCallEvent) event = rd_call_event_new ();
      g_autofree char *shown = rd_text_clean (text);
      RdAgentCall *call;

      /* client → hub → backend → hub → client */
      rd_agent_client_dial_async (client, number, NULL, store_result, &result);
      WAIT_FOR (result != NULL);
      call_id = rd_agent_client_dial_finish (client, result, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (f->backend->last_number, ==, number);
      g_assert_cmpstr (call_id, ==, number);

      /* hub → client in a call frame */
      json_object_set_string_member (match, "kind", "individual");
      json_object_set_int_member (match, "id", 1);
      json_object_set_string_member (match, "name", text);
      json_object_set_string_member (match, "company", text);
      json_object_set_string_member (match, "url", text);
      event->call_id = g_strdup (text);
      event->remote_number = g_strdup (text);
      event->did = g_strdup (text);
      frame = rd_desk_frame_call (event, NULL, match, FALSE);
      rd_desk_server_send_to_extension (f->server, "2001", frame);
      WAIT_FOR (events->calls->len == i + 1);
      call = g_ptr_array_index (events->calls, i);
      /* Identifiers byte for byte; text for people without control characters (issue 10). */
      g_assert_cmpstr (call->call_id, ==, text);
      g_assert_cmpstr (call->number_raw, ==, text);
      g_assert_cmpstr (call->did, ==, text);
      g_assert_cmpstr (call->match->name, ==, shown);
      g_assert_cmpstr (call->match->company, ==, shown);
      g_assert_cmpstr (call->match->url, ==, shown);
      g_assert_false (call->lookup_pending);
    }
}

/* ---- TLS with a pinned certificate ---------------------------------------- */

/* A throw-away self-signed certificate made with openssl(1); NULL (test skipped) without it. */
static GTlsCertificate *
make_certificate (const char *dir)
{
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-nodes", "-subj", "/CN=127.0.0.1", "-days", "2", "-keyout", key, "-out", cert, NULL };
  g_autoptr(GError) error = NULL;
  gint status = 0;
  GTlsCertificate *certificate;

  if (openssl == NULL)
    return NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  return certificate;
}

static void
test_tls_pinning (void)
{
  g_autofree char *dir = g_dir_make_tmp ("rd-agent-tls-XXXXXX", NULL);
  g_autoptr(GTlsCertificate) certificate = make_certificate (dir);
  g_autoptr(FakeBackend) backend = fake_backend_new ();
  g_autoptr(RdDeskServer) server = NULL;
  g_autoptr(SoupServer) soup = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint ticker;

  if (certificate == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }
  ticker = g_timeout_add (50, tick, NULL);
  g_object_get (certificate, "certificate", &der, NULL);
  pin = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);

  server = rd_desk_server_new (RD_DESK_BACKEND (backend));
  soup = soup_server_new ("tls-certificate", certificate, NULL);
  rd_desk_server_attach (server, soup);
  g_assert_true (soup_server_listen_local (soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup);
  url = g_strdup_printf ("wss://127.0.0.1:%d/agent/v1", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* unknown self-signed certificate, no pin: refused before any credential is sent */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);

    rd_agent_client_set_agent_key (client, "2001", "key-2001");
    rd_agent_client_start (client);
    WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_RECONNECTING);
    g_assert_nonnull (strstr (rd_agent_client_get_last_error (client), "TLS"));
  }
  /* wrong pin */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);

    rd_agent_client_set_pinned_certificate (client, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    rd_agent_client_set_agent_key (client, "2001", "key-2001");
    rd_agent_client_start (client);
    WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_RECONNECTING);
  }
  /* a malformed pin is an error the user sees, not a pin that silently matches nothing */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);

    rd_agent_client_set_pinned_certificate (client, "00:11:22:33");
    rd_agent_client_set_agent_key (client, "2001", "key-2001");
    rd_agent_client_start (client);
    WAIT_FOR (rd_agent_client_get_state (client) == RD_AGENT_STATE_AUTH_FAILED);
    g_assert_nonnull (strstr (rd_agent_client_get_last_error (client), "fingerprint"));
  }
  g_assert_cmpuint (backend->auth_calls, ==, 0);

  /* the pinned certificate (upper case, with colons, as tools print it) */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);
    g_autoptr(GString) printed = g_string_new (NULL);

    for (const char *p = pin; *p != '\0'; p += 2)
      g_string_append_printf (printed, "%s%c%c", printed->len ? ":" : "", g_ascii_toupper (p[0]), g_ascii_toupper (p[1]));
    rd_agent_client_set_pinned_certificate (client, printed->str);
    rd_agent_client_set_agent_key (client, "2001", "key-2001");
    rd_agent_client_start (client);
    WAIT_FOR (client_settled (client));
    g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
    g_assert_cmpuint (backend->auth_calls, ==, 1);
  }

  g_clear_object (&server);
  soup_server_disconnect (soup);
  g_source_remove (ticker);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  {
    g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
    g_autofree char *key = g_build_filename (dir, "key.pem", NULL);

    g_unlink (cert);
    g_unlink (key);
    g_rmdir (dir);
  }
}

/* ---- scale ----------------------------------------------------------------- */

#define N_CONCURRENT 200

static gboolean
all_signed_in (GPtrArray *clients)
{
  gboolean all = TRUE;

  for (guint i = 0; i < clients->len; i++)
    {
      RdAgentState state = rd_agent_client_get_state (g_ptr_array_index (clients, i));

      g_assert_cmpint (state, !=, RD_AGENT_STATE_AUTH_FAILED);
      all = all && state == RD_AGENT_STATE_SIGNED_IN;
    }
  return all;
}

static void
test_concurrent_sessions (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) events_free);

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *extension = g_strdup_printf ("%u", 3000 + i);
      g_autofree char *key = g_strconcat ("key-", extension, NULL);
      RdAgentClient *client = client_start_agent (f, extension, key);

      g_ptr_array_add (clients, client);
      g_ptr_array_add (events, events_watch (client));
    }
  WAIT_FOR (all_signed_in (clients));
  g_assert_cmpuint (rd_desk_server_count_sessions (f->server), ==, N_CONCURRENT);

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *extension = g_strdup_printf ("%u", 3000 + i);
      g_autofree char *call_id = g_strdup_printf ("c-%u", 3000 + i);
      g_autoptr(JsonObject) frame = call_frame (call_id, "+8613800138000", RD_CALL_STATE_RINGING);

      rd_desk_server_send_to_extension (f->server, extension, frame);
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      Events *e = g_ptr_array_index (events, i);
      g_autofree char *call_id = g_strdup_printf ("c-%u", 3000 + i);

      WAIT_FOR (e->calls->len >= 1);
      g_assert_cmpuint (e->calls->len, ==, 1);
      g_assert_cmpstr (((RdAgentCall *) g_ptr_array_index (e->calls, 0))->call_id, ==, call_id);
    }
  /* and nobody got anything else after a final broadcast */
  {
    g_autoptr(JsonObject) fields = json_object_new ();
    g_autoptr(JsonObject) status = NULL;

    json_object_set_string_member (fields, "pbx", "failed");
    status = rd_desk_frame_status (fields);
    rd_desk_server_broadcast (f->server, status);
    for (guint i = 0; i < N_CONCURRENT; i++)
      {
        RdAgentClient *client = g_ptr_array_index (clients, i);

        WAIT_FOR (g_strcmp0 (rd_agent_client_get_pbx_status (client), "failed") == 0);
        g_assert_cmpuint (((Events *) g_ptr_array_index (events, i))->calls->len, ==, 1);
      }
  }
}

/* ---- a client on a worker thread ---------------------------------------------------- */

typedef struct {
  char         *url;
  GMainContext *context;
  gint          stop;
  gint          foreign_thread;  /* a state change arrived on another thread */
  GThread      *thread;
  GThread      *worker_self;     /* set by the worker itself: it may run before g_thread_new() returns */
} Worker;

static void
worker_on_state (RdAgentClient *client, GParamSpec *pspec, Worker *w)
{
  if (g_thread_self () != w->worker_self)
    g_atomic_int_set (&w->foreign_thread, 1);
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  g_autoptr(RdAgentClient) client = NULL;

  w->worker_self = g_thread_self ();
  g_main_context_push_thread_default (w->context);
  client = rd_agent_client_new (w->url);
  rd_agent_client_set_agent_key (client, "2001", "rdk_not-a-hub");
  g_signal_connect (client, "notify::state", G_CALLBACK (worker_on_state), w);
  rd_agent_client_start (client);
  while (!g_atomic_int_get (&w->stop))
    g_main_context_iteration (w->context, TRUE);
  rd_agent_client_stop (client);
  g_clear_object (&client);
  while (g_main_context_iteration (w->context, FALSE))
    ;
  g_main_context_pop_thread_default (w->context);
  return NULL;
}

static GSocket *
accept_within (GSocket *listener, guint seconds)
{
  g_autoptr(GError) error = NULL;
  GSocket *accepted;

  g_socket_set_timeout (listener, seconds);
  accepted = g_socket_accept (listener, NULL, &error);
  if (accepted == NULL)
    g_test_message ("accept: %s", error->message);
  return accepted;
}

/* A client created on a worker thread (with that thread's own main context) keeps all its timers
 * and I/O there, even while the global default context is never run: the bench drives agents
 * this way, and a timer on the wrong thread would race with the WebSocket. Here a "hub" that
 * hangs up at once makes the client retry: the retry timer must fire on the worker's context. */
static void
test_worker_thread (void)
{
  g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *first, *second;
  Worker w = { 0 };

  g_assert_true (g_socket_bind (listener, any, FALSE, NULL));
  g_assert_true (g_socket_listen (listener, NULL));
  bound = g_socket_get_local_address (listener, NULL);
  w.url = g_strdup_printf ("ws://127.0.0.1:%u/agent/v1",
                           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  w.context = g_main_context_new ();
  w.thread = g_thread_new ("agent-worker", worker_main, &w);

  first = accept_within (listener, 10);
  g_assert_nonnull (first);
  g_socket_close (first, NULL);
  g_object_unref (first);
  second = accept_within (listener, 10);   /* the retry, about a second later */
  g_assert_nonnull (second);
  g_object_unref (second);

  g_atomic_int_set (&w.stop, 1);
  g_main_context_wakeup (w.context);
  g_thread_join (w.thread);
  g_assert_false (g_atomic_int_get (&w.foreign_thread));
  g_main_context_unref (w.context);
  g_free (w.url);
}

/* A hub on this computer is reached without asking GIO for a proxy (which would load its proxy
 * modules, libproxy); a hub elsewhere goes through the system's proxy, also after the address
 * changes from one to the other (rd-loopback.h). */
static void
test_proxy (Fixture *f, gconstpointer data)
{
  g_autoptr(RdAgentClient) client = rd_agent_client_new (f->url);
  g_autofree char *remote = NULL;
  g_autofree char *proxy = NULL;
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);
  guint before = rd_test_proxy_lookups ();
  int port;

  rd_agent_client_set_agent_key (client, "2001", "key-2001");
  rd_agent_client_start (client);
  WAIT_FOR (client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpuint (rd_test_proxy_lookups (), ==, before);

  /* The same hub, as another computer's, with this one's port as the proxy. */
  port = g_uri_get_port (uri);
  remote = g_strdup_printf ("ws://hub.example.test:%d/agent/v1", port);
  proxy = g_strdup_printf ("http://127.0.0.1:%d", port);
  rd_test_proxy_set (proxy);
  rd_agent_client_set_hub_url (client, remote);
  WAIT_FOR (rd_test_proxy_lookups () > before && client_settled (client));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_nonnull (strstr (rd_test_proxy_last (), "hub.example.test"));

  /* Back on this computer: direct again. */
  before = rd_test_proxy_lookups ();
  rd_agent_client_set_hub_url (client, f->url);
  WAIT_FOR (client_settled (client) && rd_desk_server_count_sessions (f->server) == 1);
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
  g_assert_cmpuint (rd_test_proxy_lookups (), ==, before);
  rd_test_proxy_set (NULL);
  rd_agent_client_stop (client);
  WAIT_FOR (rd_desk_server_count_sessions (f->server) == 0);
}

/* The hub sends small frames at once (TCP_NODELAY): with Nagle's algorithm a frame sent while
 * the previous one was unacknowledged waited for the agent's delayed acknowledgement, and a pop
 * right after another frame reached the agent 40 ms late. libsoup's client sets it itself.
 * rd_tcp_socket_set_no_delay() leaves what is not TCP alone. */
static void
test_no_delay (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL, client = NULL, accepted = NULL, unix_socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketConnection) plain = NULL, unix_connection = NULL;
  g_autoptr(RdListener) hub_listener = rd_listener_new (f->soup, NULL);
  g_autofree char *url = NULL;
  Raw *raw;
  guint total = 0;

  /* Through the hub's own listener (it accepts the sockets itself, so libsoup's listener, which
   * sets TCP_NODELAY, does not see them). */
  g_assert_true (rd_listener_listen (hub_listener, any, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/agent/v1", rd_listener_get_port (hub_listener));
  g_free (f->url);
  f->url = g_steal_pointer (&url);
  raw = raw_connect (f, NULL);
  WAIT_FOR ((rd_desk_server_count_no_delay (f->server, &total), total == 1));
  g_assert_cmpuint (rd_desk_server_count_no_delay (f->server, &total), ==, 1);
  g_assert_nonnull (rd_tcp_socket_of (soup_websocket_connection_get_io_stream (raw->ws)));
  g_assert_true (rd_tcp_get_no_delay (soup_websocket_connection_get_io_stream (raw->ws)));   /* libsoup's client */
  raw_free (raw);
  rd_listener_close (hub_listener);

  /* A plain accepted TCP socket has it off; the helper turns it on. */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  bound = g_socket_get_local_address (listener, &error);
  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_true (g_socket_connect (client, bound, NULL, &error));
  accepted = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);
  plain = g_socket_connection_factory_create_connection (accepted);
  g_assert_false (rd_tcp_get_no_delay (G_IO_STREAM (plain)));
  g_assert_true (rd_tcp_socket_set_no_delay (accepted, &error));
  g_assert_no_error (error);
  g_assert_true (rd_tcp_get_no_delay (G_IO_STREAM (plain)));

  /* Not TCP: nothing to set, no error. */
  unix_socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  unix_connection = g_socket_connection_factory_create_connection (unix_socket);
  g_assert_true (rd_tcp_socket_set_no_delay (unix_socket, &error));
  g_assert_no_error (error);
  g_assert_false (rd_tcp_get_no_delay (G_IO_STREAM (unix_connection)));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rd_test_proxy_install ();

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/agent/connection/no-delay", test_no_delay);
  ADD ("/agent/sign-in/agent-key", test_sign_in_agent_key);
  ADD ("/agent/sign-in/agent-key-bad", test_sign_in_agent_key_bad);
  ADD ("/agent/sign-in/agent-key-unbound", test_sign_in_agent_key_unbound);
  ADD ("/agent/sign-in/crm-key", test_sign_in_crm_key);
  ADD ("/agent/sign-in/crm-key-bad", test_sign_in_crm_key_bad);
  ADD ("/agent/sign-in/crm-key-unbound", test_sign_in_crm_key_unbound);
  ADD ("/agent/sign-in/crm-unavailable", test_sign_in_crm_unavailable);
  ADD ("/agent/sign-in/no-credentials", test_sign_in_no_credentials);
  ADD ("/agent/connection/proxy", test_proxy);
  ADD ("/agent/sign-in/hello-rules", test_sign_in_hello_rules);
  ADD ("/agent/sign-in/rate-limit", test_rate_limit);
  ADD ("/agent/session/token", test_session_token);
  ADD ("/agent/session/expiry", test_session_expiry);
  ADD ("/agent/session/resume-after-drop", test_session_resume_after_drop);
  ADD ("/agent/routing/per-extension", test_routing);
  ADD ("/agent/routing/extension-spoofing", test_extension_spoofing);
  ADD ("/agent/requests/client", test_requests);
  ADD ("/agent/requests/raw", test_raw_requests);
  ADD ("/agent/hostile/malformed-frames", test_malformed_frames);
  ADD ("/agent/hostile/strings", test_hostile_strings);
  ADD ("/agent/scale/concurrent-sessions", test_concurrent_sessions);
  g_test_add_func ("/agent/tls/pinned-certificate", test_tls_pinning);
  g_test_add_func ("/agent/client/worker-thread", test_worker_thread);
#undef ADD

  return g_test_run ();
}
