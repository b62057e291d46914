#include "config.h"

#include "hub/rd-desk-server.h"
#include "hub/rd-desk-server-private.h"

#include "core/rd-error.h"
#include "core/rd-tcp.h"
#include "hub/rd-desk-frames.h"
#include "hub/rd-desk-quota.h"
#include "hub/rd-desk-ratelimit.h"
#include "hub/rd-desk-request.h"
#include "hub/rd-desk-session.h"
#include "hub/rd-desk-tokens.h"
#include "hub/rd-listener.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define AGENT_PATH "/agent/v1"
#define TRIM_DELAY_S 2

/* WebSocket close codes of the protocol. */
#define CLOSE_UNAUTHORIZED 4401
#define CLOSE_FORBIDDEN    4403
#define CLOSE_REVOKED      4410

struct _RdDeskServer
{
  GObject           parent_instance;

  RdDeskBackend   *backend;
  SoupServer       *soup_server;    /* weak */
  GHashTable       *sessions;       /* RdDeskSession* (owned) → itself: every connection */
  GHashTable       *by_extension;   /* extension → GQueue of signed-in RdDeskSession* */
  guint             signed_in;
  RdDeskTokens    *tokens;
  RdDeskRatelimit *ratelimit;
  RdDeskQuota     *quota;
  RdListener       *listener;       /* weak, may be NULL: told each connection's stage */
  guint             lifetime;       /* session token lifetime, seconds */
  guint             hello_timeout_ms;
  gsize             send_budget;
  guint             trim_id;
};

G_DEFINE_FINAL_TYPE (RdDeskServer, rd_desk_server, G_TYPE_OBJECT)

/* ---- registry ------------------------------------------------------------ */

/* Session tokens: in the store given to rd_desk_server_set_store(), else (tests) in a private
 * in-memory database made on first use. */
static RdDeskTokens *
tokens_of (RdDeskServer *self)
{
  if (self->tokens == NULL)
    {
      self->tokens = rd_desk_tokens_new (NULL, NULL);
      if (self->tokens == NULL)
        g_error ("No in-memory database for session tokens");
    }
  return self->tokens;
}

static void
set_stage (RdDeskServer *self, RdDeskSession *session, RdListenerStage stage)
{
  if (self->listener != NULL)
    rd_listener_set_stage (self->listener, soup_websocket_connection_get_io_stream (session->connection), stage);
}

/* Gives memory back to the system some time after sessions closed: a reader that fell behind
 * or a flood of replies leaves freed blocks that glibc keeps otherwise. */
static gboolean
trim_cb (gpointer data)
{
  RdDeskServer *self = data;

  self->trim_id = 0;
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

static void
unregister_session (RdDeskServer *self, RdDeskSession *session)
{
  GQueue *queue;

  if (session->link == NULL)
    return;
  queue = g_hash_table_lookup (self->by_extension, session->identity->extension);
  g_queue_delete_link (queue, session->link);
  session->link = NULL;
  self->signed_in--;
  if (g_queue_is_empty (queue))
    g_hash_table_remove (self->by_extension, session->identity->extension);
}

static void
register_session (RdDeskServer *self, RdDeskSession *session)
{
  GQueue *queue = g_hash_table_lookup (self->by_extension, session->identity->extension);

  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->by_extension, g_strdup (session->identity->extension), queue);
    }
  g_queue_push_tail (queue, session);
  session->link = g_queue_peek_tail_link (queue);
  self->signed_in++;
}

static void
close_session (RdDeskServer *self, RdDeskSession *session, gushort code, const char *reason)
{
  unregister_session (self, session);
  rd_desk_session_close (session, code, reason);
}

static void
on_closed (SoupWebsocketConnection *connection, gpointer user_data)
{
  RdDeskSession *session = user_data;
  RdDeskServer *self = session->server;

  if (self == NULL)
    return;
  g_debug ("agent session from %s closed (%u)", session->peer,
           soup_websocket_connection_get_close_code (connection));
  unregister_session (self, session);
  rd_desk_session_close (session, 0, NULL);
  g_hash_table_remove (self->sessions, session);
  if (self->trim_id == 0)
    self->trim_id = g_timeout_add_seconds (TRIM_DELAY_S, trim_cb, self);
}

/* ---- sign-in ------------------------------------------------------------- */

static void
refuse_sign_in (RdDeskSession *session, const GError *error, guint retry_after)
{
  g_autoptr(JsonObject) frame = rd_desk_frame_auth_failed (error, retry_after);

  g_debug ("agent sign-in from %s refused: %s (retry after %u s)",
           session->peer, error->message, retry_after);
  rd_desk_session_send (session, frame);
}

static void
complete_sign_in (RdDeskServer *self, RdDeskSession *session,
                  RdDeskIdentity *identity, gint64 expires_unix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonObject) welcome = NULL;
  g_autofree char *token = NULL;

  token = rd_desk_tokens_issue (tokens_of (self), identity, expires_unix,
                                 g_get_real_time () / G_USEC_PER_SEC, &error);
  if (token == NULL)
    {
      refuse_sign_in (session, error, 0);
      close_session (self, session, CLOSE_UNAUTHORIZED, "sign-in failed");
      return;
    }

  session->identity = rd_desk_identity_copy (identity);
  session->state = RD_DESK_SESSION_SIGNED_IN;
  register_session (self, session);
  set_stage (self, session, RD_LISTENER_SIGNED_IN);
  g_debug ("agent session from %s signed in as extension %s", session->peer, identity->extension);

  status = rd_desk_backend_get_status (self->backend);
  welcome = rd_desk_frame_welcome (identity->extension, identity->user_id, identity->user_name,
                                    token, expires_unix, status);
  {
    /* what the agent should be showing now: it drops calls that ended while it was away */
    JsonArray *calls = rd_desk_backend_live_calls (self->backend, identity->extension);

    if (calls != NULL)
      json_object_set_array_member (welcome, "calls", calls);
  }
  rd_desk_session_send (session, welcome);
}

static RdDeskAttempt
attempt_from_error (const GError *error)
{
  if (error == NULL)
    return RD_DESK_ATTEMPT_OK;
  if (error->domain == RD_ERROR &&
      (error->code == RD_ERROR_AUTH || error->code == RD_ERROR_NOT_FOUND ||
       error->code == RD_ERROR_ACCESS || error->code == RD_ERROR_INVALID_INPUT))
    return RD_DESK_ATTEMPT_FAILED;
  return RD_DESK_ATTEMPT_NEUTRAL;
}

typedef struct {
  RdDeskServer  *server;    /* weak: NULL once disposed */
  RdDeskSession *session;
  char           *identity;  /* what the rate limit counts: "agent-key:2001", "crm-key:alice" */
  gboolean        remote;    /* the check asks the CRM */
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_clear_weak_pointer (&sign_in->server);
  rd_desk_session_unref (sign_in->session);
  g_free (sign_in->identity);
  g_free (sign_in);
}

/* The identity a hello tries, for the rate limits: logins are compared without case. */
static char *
attempted_identity (RdDeskRequest *hello)
{
  g_autofree char *who = g_utf8_casefold (hello->who != NULL ? hello->who : "", -1);

  return g_strconcat (hello->method, ":", g_strstrip (who), NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SignIn, sign_in_free)

static void
on_authenticated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SignIn) sign_in = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdDeskIdentity) identity = NULL;
  RdDeskSession *session = sign_in->session;
  RdDeskServer *self = sign_in->server;
  guint retry_after;

  identity = rd_desk_backend_authenticate_finish (RD_DESK_BACKEND (source), result, &error);
  if (identity != NULL && (identity->extension == NULL || *identity->extension == '\0'))
    g_clear_pointer (&identity, rd_desk_identity_free);
  if (identity == NULL && error == NULL)
    g_set_error_literal (&error, RD_ERROR, RD_ERROR_AUTH, RD_DESK_WRONG_CREDENTIALS);
  /* One answer for "wrong credentials" and "no extension bound": the difference would tell an
   * attacker which stolen or guessed credentials are valid. */
  if (error != NULL && error->domain == RD_ERROR &&
      (error->code == RD_ERROR_AUTH || error->code == RD_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      g_set_error_literal (&error, RD_ERROR, RD_ERROR_AUTH, RD_DESK_WRONG_CREDENTIALS);
    }

  if (self == NULL)
    return;
  retry_after = rd_desk_ratelimit_end (self->ratelimit, session->peer, sign_in->identity, sign_in->remote,
                                        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                          ? RD_DESK_ATTEMPT_NEUTRAL : attempt_from_error (error),
                                        g_get_monotonic_time ());
  if (session->state != RD_DESK_SESSION_AUTHENTICATING)
    return;

  if (error != NULL)
    {
      refuse_sign_in (session, error, retry_after);
      close_session (self, session, CLOSE_UNAUTHORIZED, "sign-in failed");
      return;
    }
  complete_sign_in (self, session, identity,
                    g_get_real_time () / G_USEC_PER_SEC + self->lifetime);
}

static void
start_sign_in (RdDeskServer *self, RdDeskSession *session, RdDeskRequest *hello)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tried = NULL;
  SignIn *sign_in;
  guint retry_after = 0;
  gboolean remote;

  g_clear_handle_id (&session->hello_timeout_id, g_source_remove);
  set_stage (self, session, RD_LISTENER_AUTHENTICATING);

  if (hello->error != NULL)
    {
      refuse_sign_in (session, hello->error, 0);
      close_session (self, session, CLOSE_UNAUTHORIZED, "bad hello");
      return;
    }

  if (g_str_equal (hello->method, "session"))
    {
      /* A token is 256 random bits: guessing is hopeless, so expired tokens
       * (common after a night off) do not count as failures. */
      gint64 expires = 0;
      g_autoptr(RdDeskIdentity) identity =
        rd_desk_tokens_take (tokens_of (self), hello->secret, g_get_real_time () / G_USEC_PER_SEC, &expires);

      /* Tokens outlive restarts: the binding (and key) they were issued to must still hold. */
      if (identity != NULL && !rd_desk_backend_identity_is_current (self->backend, identity))
        {
          g_debug ("agent session from %s: token of extension %s no longer matches its binding",
                   session->peer, identity->extension);
          g_clear_pointer (&identity, rd_desk_identity_free);
        }
      if (identity == NULL)
        {
          g_set_error_literal (&error, RD_ERROR, RD_ERROR_AUTH, "The session has expired; sign in again");
          refuse_sign_in (session, error, 0);
          close_session (self, session, CLOSE_UNAUTHORIZED, "session expired");
          return;
        }
      complete_sign_in (self, session, identity, expires);
      return;
    }

  tried = attempted_identity (hello);
  remote = g_str_equal (hello->method, "crm-key");
  if (!rd_desk_ratelimit_begin (self->ratelimit, session->peer, tried, remote, g_get_monotonic_time (),
                                 &retry_after))
    {
      g_set_error (&error, RD_ERROR, RD_ERROR_LIMIT,
                   "Too many failed sign-ins; try again in %u s", retry_after);
      refuse_sign_in (session, error, retry_after);
      close_session (self, session, CLOSE_UNAUTHORIZED, "rate limited");
      return;
    }

  session->state = RD_DESK_SESSION_AUTHENTICATING;
  sign_in = g_new0 (SignIn, 1);
  g_set_weak_pointer (&sign_in->server, self);
  sign_in->session = rd_desk_session_ref (session);
  sign_in->identity = g_steal_pointer (&tried);
  sign_in->remote = remote;
  rd_desk_backend_authenticate_async (self->backend, hello->method, hello->who, hello->secret,
                                       session->cancellable, on_authenticated, sign_in);
}

static gboolean
on_hello_timeout (gpointer user_data)
{
  RdDeskSession *session = user_data;

  session->hello_timeout_id = 0;
  g_debug ("agent connection from %s sent no hello in time", session->peer);
  rd_desk_session_close (session, CLOSE_UNAUTHORIZED, "no hello");
  return G_SOURCE_REMOVE;
}

/* ---- requests ------------------------------------------------------------ */

typedef struct {
  RdDeskSession *session;
  JsonNode       *id;
} Request;

static Request *
request_new (RdDeskSession *session, RdDeskRequest *parsed)
{
  Request *request = g_new0 (Request, 1);

  request->session = rd_desk_session_ref (session);
  request->id = parsed->id != NULL ? json_node_copy (parsed->id) : NULL;
  session->in_flight++;
  return request;
}

static void
request_free (Request *request)
{
  request->session->in_flight--;
  rd_desk_session_unref (request->session);
  g_clear_pointer (&request->id, json_node_unref);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static gboolean
request_is_live (Request *request)
{
  return request->session->state == RD_DESK_SESSION_SIGNED_IN;
}

static void
reply_error (RdDeskSession *session, JsonNode *id, const GError *error)
{
  g_autoptr(JsonObject) frame = rd_desk_frame_error (id, error);

  rd_desk_session_send (session, frame);
}

/* "dial-result" / "create-result": {id, ok, …} or {id, ok:false, error}. */
static JsonObject *
result_frame (const char *type, JsonNode *id, const GError *error)
{
  JsonObject *frame = rd_desk_frame_reply (type, id);

  json_object_set_boolean_member (frame, "ok", error == NULL);
  if (error != NULL)
    json_object_set_object_member (frame, "error", rd_desk_error_to_json (error));
  return frame;
}

static void
on_dialed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = rd_desk_backend_dial_finish (RD_DESK_BACKEND (source), result, &error);
  g_autoptr(JsonObject) frame = NULL;

  if (!request_is_live (request))
    return;
  if (call_id == NULL && error == NULL)
    g_set_error_literal (&error, RD_ERROR, RD_ERROR_FAILED, "The call could not be started");
  frame = result_frame ("dial-result", request->id, error);
  if (call_id != NULL)
    json_object_set_string_member (frame, "call_id", call_id);
  rd_desk_session_send (request->session, frame);
}

static void
on_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) found = rd_desk_backend_lookup_finish (RD_DESK_BACKEND (source), result, &error);
  g_autoptr(JsonObject) frame = NULL;

  if (!request_is_live (request))
    return;
  if (found == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, RD_ERROR, RD_ERROR_FAILED, "Lookup failed");
      reply_error (request->session, request->id, error);
      return;
    }
  frame = rd_desk_json_object_copy (found);
  json_object_set_string_member (frame, "type", "lookup-result");
  if (request->id != NULL)
    json_object_set_member (frame, "id", json_node_copy (request->id));
  else
    json_object_remove_member (frame, "id");
  if (!json_object_has_member (frame, "match"))
    json_object_set_null_member (frame, "match");
  if (!json_object_has_member (frame, "matches"))
    json_object_set_array_member (frame, "matches", json_array_new ());
  rd_desk_session_send (request->session, frame);
}

static void
on_record_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) match = rd_desk_backend_create_record_finish (RD_DESK_BACKEND (source), result, &error);
  g_autoptr(JsonObject) frame = NULL;

  if (!request_is_live (request))
    return;
  if (match == NULL && error == NULL)
    g_set_error_literal (&error, RD_ERROR, RD_ERROR_FAILED, "The record could not be created");
  frame = result_frame ("create-result", request->id, match != NULL ? NULL : error);
  if (match != NULL)
    json_object_set_object_member (frame, "match", rd_desk_json_object_copy (match));
  rd_desk_session_send (request->session, frame);
}

static void
reply_recent (RdDeskServer *self, RdDeskSession *session, RdDeskRequest *parsed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) calls = NULL;
  g_autoptr(JsonObject) frame = NULL;
  JsonArray *copy;

  calls = rd_desk_backend_recent_calls (self->backend, session->identity->extension,
                                         parsed->limit, parsed->query, &error);
  if (calls == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, RD_ERROR, RD_ERROR_FAILED, "Recent calls are not available");
      reply_error (session, parsed->id, error);
      return;
    }
  frame = rd_desk_frame_reply ("recent-result", parsed->id);
  copy = json_array_sized_new (MIN (json_array_get_length (calls), parsed->limit));
  for (guint i = 0; i < json_array_get_length (calls) && i < parsed->limit; i++)
    {
      JsonNode *element = json_array_get_element (calls, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        json_array_add_object_element (copy, rd_desk_json_object_copy (json_node_get_object (element)));
    }
  json_object_set_array_member (frame, "calls", copy);
  rd_desk_session_send (session, frame);
}

/* Costly requests draw on the identity's budgets (rd-desk-quota.h); an empty one answers
 * `limit` with the seconds to wait. */
static gboolean
within_quota (RdDeskServer *self, RdDeskSession *session, RdDeskRequest *parsed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) frame = NULL;
  RdDeskQuotaKind kind;
  guint cost = 1;
  guint retry_after = 0;

  switch (parsed->type)
    {
    case RD_DESK_REQUEST_RECENT:
      kind = RD_DESK_QUOTA_RECENT;
      if (parsed->query != NULL && *parsed->query != '\0')
        cost = 2;
      break;
    case RD_DESK_REQUEST_LOOKUP:
      kind = RD_DESK_QUOTA_LOOKUP;
      break;
    case RD_DESK_REQUEST_CREATE_RECORD:
      kind = RD_DESK_QUOTA_CREATE;
      break;
    default:
      return TRUE;
    }
  if (rd_desk_quota_take (self->quota, session->identity->extension, kind, cost, g_get_monotonic_time (),
                           &retry_after))
    return TRUE;
  g_set_error (&error, RD_ERROR, RD_ERROR_LIMIT, "Too many requests; try again in %u s", retry_after);
  frame = rd_desk_frame_error (parsed->id, error);
  json_object_set_int_member (frame, "retry_after", retry_after);
  rd_desk_session_send (session, frame);
  return FALSE;
}

static void
dispatch (RdDeskServer *self, RdDeskSession *session, RdDeskRequest *parsed)
{
  const char *extension = session->identity->extension;
  g_autoptr(GError) error = NULL;

  if (parsed->type == RD_DESK_REQUEST_UNKNOWN)
    return;   /* forward compatibility */
  if (parsed->error != NULL)
    {
      reply_error (session, parsed->id, parsed->error);
      return;
    }
  /* The session's extension is the only one it may act as or see. */
  if (parsed->extension != NULL && g_strcmp0 (parsed->extension, extension) != 0)
    {
      g_debug ("agent session of %s (%s) named another extension: refused", extension, session->peer);
      g_set_error_literal (&error, RD_ERROR, RD_ERROR_ACCESS,
                           "A session can only act as its own extension");
      reply_error (session, parsed->id, error);
      return;
    }
  if (!within_quota (self, session, parsed))
    return;
  if (session->in_flight >= RD_DESK_MAX_IN_FLIGHT &&
      (parsed->type == RD_DESK_REQUEST_DIAL || parsed->type == RD_DESK_REQUEST_LOOKUP ||
       parsed->type == RD_DESK_REQUEST_CREATE_RECORD))
    {
      g_set_error_literal (&error, RD_ERROR, RD_ERROR_LIMIT, "Too many requests in flight");
      reply_error (session, parsed->id, error);
      return;
    }

  switch (parsed->type)
    {
    case RD_DESK_REQUEST_PING:
      {
        g_autoptr(JsonObject) pong = rd_desk_frame_reply ("pong", parsed->id);
        rd_desk_session_send (session, pong);
      }
      break;
    case RD_DESK_REQUEST_HELLO:
      g_set_error_literal (&error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Already signed in");
      reply_error (session, parsed->id, error);
      break;
    case RD_DESK_REQUEST_DIAL:
      rd_desk_backend_dial_async (self->backend, extension, parsed->number, session->cancellable,
                                   on_dialed, request_new (session, parsed));
      break;
    case RD_DESK_REQUEST_LOOKUP:
      rd_desk_backend_lookup_async (self->backend, extension, parsed->number, session->cancellable,
                                     on_looked_up, request_new (session, parsed));
      break;
    case RD_DESK_REQUEST_CREATE_RECORD:
      rd_desk_backend_create_record_async (self->backend, extension, parsed->number, parsed->kind,
                                            parsed->name, session->cancellable,
                                            on_record_created, request_new (session, parsed));
      break;
    case RD_DESK_REQUEST_RECENT:
      reply_recent (self, session, parsed);
      break;
    case RD_DESK_REQUEST_UNKNOWN:
    default:
      break;
    }
}

static void
on_message (SoupWebsocketConnection *connection, gint type, GBytes *message, gpointer user_data)
{
  RdDeskSession *session = user_data;
  RdDeskServer *self = session->server;
  g_autoptr(RdDeskRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);

  if (self == NULL || session->state == RD_DESK_SESSION_CLOSED)
    return;
  if (length > RD_DESK_MAX_FRAME)
    {
      g_debug ("frame of %" G_GSIZE_FORMAT " bytes from %s: closing", length, session->peer);
      close_session (self, session, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "frame too big");
      return;
    }

  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    request = rd_desk_request_parse (data, length, &error);
  else
    g_set_error_literal (&error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Frames must be UTF-8 JSON text");

  switch (session->state)
    {
    case RD_DESK_SESSION_HELLO:
      if (request == NULL || request->type != RD_DESK_REQUEST_HELLO)
        {
          if (error != NULL)
            reply_error (session, NULL, error);
          close_session (self, session, CLOSE_UNAUTHORIZED, "sign in first");
          return;
        }
      start_sign_in (self, session, request);
      return;
    case RD_DESK_SESSION_AUTHENTICATING:
      close_session (self, session, CLOSE_UNAUTHORIZED, "sign in first");
      return;
    case RD_DESK_SESSION_SIGNED_IN:
      if (request == NULL)
        {
          g_debug ("malformed frame from %s: %s", session->peer, error->message);
          reply_error (session, NULL, error);
          return;
        }
      dispatch (self, session, request);
      return;
    case RD_DESK_SESSION_CLOSED:
    default:
      return;
    }
}

/* ---- connections --------------------------------------------------------- */

/* @peer is the rate-limit key, which already maps ::ffff:a.b.c.d to a.b.c.d. */
static gboolean
address_is_loopback (GSocketAddress *address, const char *peer)
{
  return G_IS_INET_SOCKET_ADDRESS (address) &&
         (g_inet_address_get_is_loopback (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address))) ||
          g_str_has_prefix (peer, "127."));
}

static gboolean
message_is_tls (SoupServerMessage *msg, SoupWebsocketConnection *connection)
{
  GUri *uri = soup_server_message_get_uri (msg);
  GIOStream *stream = soup_websocket_connection_get_io_stream (connection);

  if (G_IS_TLS_CONNECTION (stream))
    return TRUE;
  return uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0;
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *connection, gpointer user_data)
{
  g_autoptr(RdDeskServer) self = g_weak_ref_get (user_data);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *peer = rd_desk_ratelimit_peer_key (remote);
  RdDeskSession *session;

  if (self == NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "shutting down");
      return;
    }
  if (peer == NULL)
    peer = g_strdup ("local");

  /* Browsers always send Origin; a web page must never reach the agent API. */
  if (soup_message_headers_get_one (headers, "Origin") != NULL)
    {
      g_debug ("agent connection from %s refused: browser origin", peer);
      soup_websocket_connection_close (connection, CLOSE_FORBIDDEN, "browsers are not agents");
      return;
    }
  if (!message_is_tls (msg, connection) && !address_is_loopback (remote, peer))
    {
      g_debug ("agent connection from %s refused: plain ws:// from a remote peer", peer);
      soup_websocket_connection_close (connection, CLOSE_FORBIDDEN, "use wss://");
      return;
    }

  /* libsoup drops the socket without a close frame past its limit: keep that for
   * absurd sizes and answer merely oversized frames with 1009 in on_message(). */
  soup_websocket_connection_set_max_incoming_payload_size (connection, RD_DESK_DROP_FRAME);
  soup_websocket_connection_set_keepalive_interval (connection, RD_DESK_KEEPALIVE_SECONDS);

  session = rd_desk_session_new (connection, peer);
  session->server = self;
  session->budget = self->send_budget;
  g_hash_table_add (self->sessions, session);
  session->message_handler = g_signal_connect (connection, "message", G_CALLBACK (on_message), session);
  session->closed_handler = g_signal_connect (connection, "closed", G_CALLBACK (on_closed), session);
  session->hello_timeout_id = g_timeout_add (self->hello_timeout_ms, on_hello_timeout, session);
  set_stage (self, session, RD_LISTENER_UPGRADED);
  g_debug ("agent connection from %s", peer);
}

/* ---- public API ------------------------------------------------------------ */

RdDeskServer *
rd_desk_server_new (RdDeskBackend *backend)
{
  RdDeskServer *self;

  g_return_val_if_fail (RD_IS_DESK_BACKEND (backend), NULL);

  self = g_object_new (RD_TYPE_DESK_SERVER, NULL);
  self->backend = g_object_ref (backend);
  return self;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

void
rd_desk_server_attach (RdDeskServer *self, SoupServer *server)
{
  GWeakRef *ref;

  g_return_if_fail (RD_IS_DESK_SERVER (self));
  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (self->soup_server == NULL);

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  g_set_weak_pointer (&self->soup_server, server);
  soup_server_add_websocket_handler (server, AGENT_PATH, NULL, NULL, on_websocket, ref, weak_ref_free);
}

void
rd_desk_server_send_to_extension (RdDeskServer *self, const char *extension, JsonObject *frame)
{
  g_autofree char *text = NULL;
  GQueue *queue;

  g_return_if_fail (RD_IS_DESK_SERVER (self));
  g_return_if_fail (extension != NULL && frame != NULL);

  queue = g_hash_table_lookup (self->by_extension, extension);
  if (queue == NULL)
    return;
  text = rd_desk_frame_to_text (frame, NULL);
  for (GList *l = queue->head; l != NULL; l = l->next)
    rd_desk_session_send_text (l->data, text);
}

void
rd_desk_server_broadcast (RdDeskServer *self, JsonObject *frame)
{
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (RD_IS_DESK_SERVER (self));
  g_return_if_fail (frame != NULL);

  text = rd_desk_frame_to_text (frame, NULL);
  g_hash_table_iter_init (&iter, self->by_extension);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    for (GList *l = ((GQueue *) value)->head; l != NULL; l = l->next)
      rd_desk_session_send_text (l->data, text);
}

void
rd_desk_server_set_listener (RdDeskServer *self, RdListener *listener)
{
  g_return_if_fail (RD_IS_DESK_SERVER (self));
  g_set_weak_pointer (&self->listener, listener);
}

gboolean
rd_desk_server_set_store (RdDeskServer *self, RdStore *store, GError **error)
{
  RdDeskTokens *tokens;

  g_return_val_if_fail (RD_IS_DESK_SERVER (self), FALSE);
  g_return_val_if_fail (RD_IS_STORE (store), FALSE);

  tokens = rd_desk_tokens_new (store, error);
  if (tokens == NULL)
    return FALSE;
  rd_desk_tokens_free (self->tokens);
  self->tokens = tokens;
  return TRUE;
}

void
rd_desk_server_revoke (RdDeskServer *self, const char *extension, gint64 key_id, const char *reason)
{
  g_autoptr(GPtrArray) ending = g_ptr_array_new ();
  GQueue *queue;
  guint tokens;

  g_return_if_fail (RD_IS_DESK_SERVER (self));
  g_return_if_fail (extension != NULL && reason != NULL);

  tokens = rd_desk_tokens_revoke (tokens_of (self), extension, key_id);
  queue = g_hash_table_lookup (self->by_extension, extension);
  for (GList *l = queue != NULL ? queue->head : NULL; l != NULL; l = l->next)
    if (key_id == 0 || ((RdDeskSession *) l->data)->identity->key_id == key_id)
      g_ptr_array_add (ending, l->data);
  if (ending->len > 0 || tokens > 0)
    g_message ("Access of extension %s ended (%s): %u session(s) closed, %u token(s) forgotten",
               extension, reason, ending->len, tokens);
  for (guint i = 0; i < ending->len; i++)
    close_session (self, g_ptr_array_index (ending, i), CLOSE_REVOKED, reason);
}

guint
rd_desk_server_count_no_delay (RdDeskServer *self, guint *total)
{
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_return_val_if_fail (RD_IS_DESK_SERVER (self), 0);

  *total = 0;
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      RdDeskSession *session = key;

      (*total)++;
      n += rd_tcp_get_no_delay (soup_websocket_connection_get_io_stream (session->connection));
    }
  return n;
}

guint
rd_desk_server_count_key_sessions (RdDeskServer *self, gint64 key_id)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (RD_IS_DESK_SERVER (self), 0);

  g_hash_table_iter_init (&iter, self->by_extension);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    for (GList *l = ((GQueue *) value)->head; l != NULL; l = l->next)
      if (((RdDeskSession *) l->data)->identity->key_id == key_id)
        n++;
  return n;
}

guint
rd_desk_server_count_sessions (RdDeskServer *self)
{
  g_return_val_if_fail (RD_IS_DESK_SERVER (self), 0);
  return self->signed_in;
}

void
rd_desk_server_set_session_lifetime (RdDeskServer *self, guint seconds)
{
  g_return_if_fail (RD_IS_DESK_SERVER (self));
  g_return_if_fail (seconds > 0);
  self->lifetime = seconds;
}

void
rd_desk_server_set_hello_timeout (RdDeskServer *self, guint milliseconds)
{
  g_return_if_fail (RD_IS_DESK_SERVER (self));
  self->hello_timeout_ms = MAX (1, milliseconds);
}

void
rd_desk_server_set_send_budget (RdDeskServer *self, gsize bytes)
{
  g_return_if_fail (RD_IS_DESK_SERVER (self));
  self->send_budget = MAX (bytes, 1024);
}

void
rd_desk_server_drop_connections (RdDeskServer *self)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (RD_IS_DESK_SERVER (self));

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (all, key);
  for (guint i = 0; i < all->len; i++)
    close_session (self, g_ptr_array_index (all, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "going away");
}

guint
rd_desk_server_count_tokens (RdDeskServer *self)
{
  g_return_val_if_fail (RD_IS_DESK_SERVER (self), 0);
  return rd_desk_tokens_count (tokens_of (self), g_get_real_time () / G_USEC_PER_SEC);
}

static void
rd_desk_server_dispose (GObject *object)
{
  RdDeskServer *self = RD_DESK_SERVER (object);
  GHashTableIter iter;
  gpointer key;

  if (self->soup_server != NULL)
    soup_server_remove_handler (self->soup_server, AGENT_PATH);
  g_clear_weak_pointer (&self->soup_server);
  g_clear_weak_pointer (&self->listener);
  g_clear_handle_id (&self->trim_id, g_source_remove);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      RdDeskSession *session = key;

      session->server = NULL;
      session->link = NULL;
      rd_desk_session_close (session, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "hub stopping");
      g_hash_table_iter_remove (&iter);
    }
  g_hash_table_remove_all (self->by_extension);
  self->signed_in = 0;
  g_clear_object (&self->backend);

  G_OBJECT_CLASS (rd_desk_server_parent_class)->dispose (object);
}

static void
rd_desk_server_finalize (GObject *object)
{
  RdDeskServer *self = RD_DESK_SERVER (object);

  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->by_extension);
  rd_desk_tokens_free (self->tokens);
  rd_desk_ratelimit_free (self->ratelimit);
  rd_desk_quota_free (self->quota);

  G_OBJECT_CLASS (rd_desk_server_parent_class)->finalize (object);
}

static void
rd_desk_server_class_init (RdDeskServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_desk_server_dispose;
  object_class->finalize = rd_desk_server_finalize;
}

static void
rd_desk_server_init (RdDeskServer *self)
{
  self->sessions = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                          (GDestroyNotify) rd_desk_session_unref, NULL);
  self->by_extension = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_queue_free);
  self->ratelimit = rd_desk_ratelimit_new ();
  self->quota = rd_desk_quota_new ();
  self->lifetime = 12 * 60 * 60;
  self->hello_timeout_ms = RD_DESK_HELLO_TIMEOUT_MS;
  self->send_budget = RD_DESK_SEND_BUDGET;
}
