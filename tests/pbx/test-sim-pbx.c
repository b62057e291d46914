/* test-sim-pbx.c — the simulator refuses what the real PBX refuses (spec §1–§3):
 * no User-Agent, Bearer instead of access_token, expired tokens, the 9th token,
 * unknown paths and methods, bad bodies, and unauthenticated event sockets. */
#include "config.h"

#include "pbx-test-util.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

typedef struct {
  RdSimPbx    *sim;
  SoupSession *session;
} Sim;

static void
sim_setup (Sim *s, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  s->sim = rd_sim_pbx_new ();
  g_assert_true (rd_sim_pbx_start (s->sim, &error));
  s->session = soup_session_new ();   /* no User-Agent unless a test sets one */
}

static void
sim_teardown (Sim *s, gconstpointer data)
{
  g_object_unref (s->session);
  g_object_unref (s->sim);
}

static void
on_read (GObject *source, GAsyncResult *res, gpointer slot)
{
  *(GBytes **) slot = soup_session_send_and_read_finish (SOUP_SESSION (source), res, NULL);
  if (*(GBytes **) slot == NULL)
    *(GBytes **) slot = g_bytes_new (NULL, 0);
}

static gboolean
bytes_ready (gpointer slot)
{
  return *(GBytes **) slot != NULL;
}

/* One request; returns the errcode of the envelope (or -100 for no envelope). */
static gint64
call (Sim *s, const char *method, const char *path_and_query, const char *body, const char *ua,
      JsonObject **reply)
{
  g_autofree char *url = g_strconcat (rd_sim_pbx_get_base_url (s->sim), "/openapi/v1.0/", path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (ua != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "User-Agent", ua);
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  soup_session_send_and_read_async (s->session, msg, G_PRIORITY_DEFAULT, NULL, on_read, &bytes);
  pbx_wait (bytes_ready, &bytes, 15000, "sim reply");
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL))
    return -100;
  o = json_node_get_object (json_parser_get_root (parser));
  if (reply != NULL)
    *reply = json_object_ref (o);
  return json_object_get_int_member (o, "errcode");
}

static char *
get_token (Sim *s, gint64 *errcode)
{
  g_autoptr(JsonObject) reply = NULL;

  *errcode = call (s, "POST", "get_token",
                   "{\"username\":\"" RD_SIM_PBX_DEFAULT_CLIENT_ID "\",\"password\":\"" RD_SIM_PBX_DEFAULT_SECRET "\"}",
                   "OpenAPI", &reply);
  return *errcode == 0 ? g_strdup (json_object_get_string_member (reply, "access_token")) : NULL;
}

static void
test_refusals (Sim *s, gconstpointer data)
{
  gint64 errcode;
  g_autofree char *token = get_token (s, &errcode);
  g_autofree char *q = g_strdup_printf ("extension/list?access_token=%s", token);
  g_autoptr(JsonObject) reply = NULL;

  g_assert_cmpint (errcode, ==, 0);
  g_assert_cmpint (call (s, "GET", q, NULL, "OpenAPI", &reply), ==, 0);
  g_assert_cmpint (json_object_get_int_member (reply, "total_number"), ==, 4);   /* seeded */

  g_assert_cmpint (call (s, "GET", q, NULL, NULL, NULL), ==, 40002);               /* no User-Agent */
  g_assert_cmpint (call (s, "POST", q, "{}", "OpenAPI", NULL), ==, 10001);         /* wrong method */
  g_assert_cmpint (call (s, "GET", "no/such?x=1", NULL, "OpenAPI", NULL), ==, 10001);
  g_assert_cmpint (call (s, "GET", "extension/list", NULL, "OpenAPI", NULL), ==, 10004);   /* no token */
  {
    g_autofree char *pq = g_strdup_printf ("extension/list?access_token=%s&page=0", token);
    g_assert_cmpint (call (s, "GET", pq, NULL, "OpenAPI", NULL), ==, 40002);
  }
  {
    g_autofree char *cq = g_strdup_printf ("company_contact/create?access_token=%s", token);
    g_assert_cmpint (call (s, "POST", cq, "{\"number_list\":[{\"num_type\":\"business_number\",\"number\":\"1\"}]}",
                           "OpenAPI", NULL), ==, 40002);   /* no first_name */
    g_assert_cmpint (call (s, "POST", cq, "{\"first_name\":\"A\"}", "OpenAPI", NULL), ==, 40002);
    g_assert_cmpint (call (s, "POST", cq, "not json", "OpenAPI", NULL), ==, 40001);
  }
  g_assert_cmpint (call (s, "POST", "get_token", "{\"username\":\"x\",\"password\":\"y\"}", "OpenAPI", NULL), !=, 0);

  rd_sim_pbx_expire_tokens (s->sim);
  g_assert_cmpint (call (s, "GET", q, NULL, "OpenAPI", NULL), ==, 10004);
}

static void
test_token_cap (Sim *s, gconstpointer data)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  gint64 errcode;
  char *ninth;

  for (guint i = 0; i < 8; i++)
    {
      g_ptr_array_add (tokens, get_token (s, &errcode));
      g_assert_cmpint (errcode, ==, 0);
    }
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (s->sim), ==, 8);
  ninth = get_token (s, &errcode);
  g_assert_null (ninth);
  g_assert_cmpint (errcode, ==, 60002);

  /* revoking one frees a slot */
  {
    g_autofree char *q = g_strdup_printf ("del_token?access_token=%s", (char *) tokens->pdata[0]);
    g_assert_cmpint (call (s, "GET", q, NULL, "OpenAPI", NULL), ==, 0);
    g_assert_cmpint (call (s, "GET", q, NULL, "OpenAPI", NULL), ==, 10004);   /* already revoked */
  }
  ninth = get_token (s, &errcode);
  g_assert_cmpint (errcode, ==, 0);
  g_free (ninth);
}

static void
test_refresh_and_bearer (Sim *s, gconstpointer data)
{
  g_autoptr(JsonObject) first = NULL, second = NULL;
  g_autofree char *body = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpint (call (s, "POST", "get_token",
                         "{\"username\":\"" RD_SIM_PBX_DEFAULT_CLIENT_ID "\",\"password\":\"" RD_SIM_PBX_DEFAULT_SECRET "\"}",
                         "OpenAPI", &first), ==, 0);
  g_assert_cmpint (json_object_get_int_member (first, "access_token_expire_time"), ==, 1800);
  g_assert_cmpint (json_object_get_int_member (first, "refresh_token_expire_time"), ==, 86400);
  body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", json_object_get_string_member (first, "refresh_token"));
  g_assert_cmpint (call (s, "POST", "refresh_token", body, "OpenAPI", &second), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (second, "access_token"), !=,
                   json_object_get_string_member (first, "access_token"));
  g_assert_cmpstr (json_object_get_string_member (second, "refresh_token"), !=,
                   json_object_get_string_member (first, "refresh_token"));
  /* a refresh token is used once */
  g_assert_cmpint (call (s, "POST", "refresh_token", body, "OpenAPI", NULL), ==, 10004);

  /* Authorization: Bearer is not part of the contract */
  url = g_strconcat (rd_sim_pbx_get_base_url (s->sim), "/openapi/v1.0/extension/list", NULL);
  msg = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "User-Agent", "OpenAPI");
  {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", json_object_get_string_member (second, "access_token"));
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  }
  soup_session_send_and_read_async (s->session, msg, G_PRIORITY_DEFAULT, NULL, on_read, &bytes);
  pbx_wait (bytes_ready, &bytes, 15000, "reply");
  g_assert_nonnull (strstr (g_bytes_get_data (bytes, NULL), "\"errcode\":10004"));
}

typedef struct {
  SoupWebsocketConnection *ws;
  GError                  *error;
} WsResult;

static void
on_ws (GObject *source, GAsyncResult *res, gpointer slot)
{
  WsResult *r = slot;

  r->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &r->error);
}

static gboolean
ptr_ready (gpointer slot)
{
  WsResult *r = slot;
  return r->ws != NULL || r->error != NULL;
}

static void
on_ws_text (SoupWebsocketConnection *ws, gint type, GBytes *bytes, gpointer data)
{
  GPtrArray *got = data;
  g_ptr_array_add (got, g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)));
}

static gboolean
got_n (gpointer data)
{
  return ((GPtrArray *) ((gpointer *) data)[0])->len >= GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

static void
test_socket (Sim *s, gconstpointer data)
{
  gint64 errcode;
  g_autofree char *token = get_token (s, &errcode);
  g_autofree char *bad_url = g_strdup_printf ("%s/openapi/v1.0/subscribe?access_token=nope", rd_sim_pbx_get_base_url (s->sim));
  g_autofree char *url = g_strdup_printf ("%s/openapi/v1.0/subscribe?access_token=%s", rd_sim_pbx_get_base_url (s->sim), token);
  g_autoptr(SoupMessage) bad = soup_message_new ("GET", bad_url);
  g_autoptr(SoupMessage) good = soup_message_new ("GET", url);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
  WsResult result = { NULL, NULL };
  SoupWebsocketConnection *ws;
  const char *ring[] = { "2001", NULL };
  g_autofree char *id = NULL;
  gpointer wait[2];

  soup_message_headers_replace (soup_message_get_request_headers (bad), "User-Agent", "OpenAPI");
  soup_session_websocket_connect_async (s->session, bad, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_ws, &result);
  pbx_wait (ptr_ready, &result, 15000, "refused socket");
  g_assert_null (result.ws);
  g_assert_nonnull (result.error);   /* 10004 envelope instead of an upgrade */
  g_clear_error (&result.error);

  soup_message_headers_replace (soup_message_get_request_headers (good), "User-Agent", "OpenAPI");
  soup_session_websocket_connect_async (s->session, good, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_ws, &result);
  pbx_wait (ptr_ready, &result, 15000, "socket");
  g_assert_no_error (result.error);
  ws = result.ws;
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_text), got);

  /* nothing is pushed before subscribing */
  id = rd_sim_pbx_play_inbound (s->sim, "1", "6400", ring, NULL, 10, 0);
  pbx_sleep (100);
  g_assert_cmpuint (got->len, ==, 0);

  soup_websocket_connection_send_text (ws, "{\"topic_list\":[30012]}");
  soup_websocket_connection_send_text (ws, "heartbeat");
  soup_websocket_connection_send_text (ws, "{\"topic_list\":\"all\"}");
  wait[0] = got; wait[1] = GUINT_TO_POINTER (3);
  pbx_wait (got_n, wait, 15000, "replies");
  g_assert_cmpstr (got->pdata[0], ==, "{\"errcode\":0,\"errmsg\":\"SUCCESS\"}");
  g_assert_cmpstr (got->pdata[1], ==, "heartbeat response");
  g_assert_cmpstr (got->pdata[2], ==, "{\"errcode\":40002,\"errmsg\":\"PARAMETER ERROR\"}");

  /* only subscribed topics arrive, msg as a JSON string */
  g_clear_pointer (&id, g_free);
  id = rd_sim_pbx_play_inbound (s->sim, "1", "6400", ring, NULL, 10, 0);
  wait[1] = GUINT_TO_POINTER (4);
  pbx_wait (got_n, wait, 15000, "CDR event");
  g_assert_true (g_str_has_prefix (got->pdata[3], "{\"type\":30012,"));
  g_assert_nonnull (strstr (got->pdata[3], "\"msg\":\"{\\\"call_id\\\""));
  g_assert_cmpuint (rd_sim_pbx_count_cdrs (s->sim), ==, 2);

  /* idle sockets are closed */
  rd_sim_pbx_set_idle_timeout (s->sim, 50);
  soup_websocket_connection_send_text (ws, "heartbeat");
  pbx_sleep (300);
  g_assert_cmpint (soup_websocket_connection_get_state (ws), ==, SOUP_WEBSOCKET_STATE_CLOSED);
  g_object_unref (ws);
}

int
main (int argc, char **argv)
{
  pbx_test_init (&argc, &argv);
  g_test_add ("/pbx/sim/refusals", Sim, NULL, sim_setup, test_refusals, sim_teardown);
  g_test_add ("/pbx/sim/token-cap", Sim, NULL, sim_setup, test_token_cap, sim_teardown);
  g_test_add ("/pbx/sim/refresh-bearer", Sim, NULL, sim_setup, test_refresh_and_bearer, sim_teardown);
  g_test_add ("/pbx/sim/socket", Sim, NULL, sim_setup, test_socket, sim_teardown);
  return g_test_run ();
}
