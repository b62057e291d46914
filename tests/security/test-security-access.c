/* Access follows the binding (issue 10 item 1) and sessions survive a hub restart (issue 11
 * item 6): keys and sessions are issued to a binding; unbind, re-bind, disconnect and a re-issue
 * end them at once, with a reason the client shows; an agent sees only the calls made while it
 * held the binding; `agent-keys` lists keys and `revoke` ends one; session tokens are kept hashed
 * in SQLite with their expiry. Hub in-process against the simulators. */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "hub-test-util.h"
#include "hub/rd-desk-server-private.h"
#include "security-util.h"

#include <string.h>

typedef struct {
  HubSims  sims;
  RdHub   *hub;
  char    *db;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  hub_sims_start (&f->sims);
  f->db = g_build_filename (f->sims.tmp, "hub.db", NULL);
  f->hub = hub_new_connected (&f->sims, f->db);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->hub);
  sec_wait_ms (50);
  hub_sims_stop (&f->sims);
  g_free (f->db);
}

/* ---- helpers --------------------------------------------------------------------------- */

static void
bind (Fixture *f, const char *extension, const char *user)
{
  sec_bind_ok (f->hub, extension, user);
}

static char *
issue_key (Fixture *f, const char *extension)
{
  g_autoptr(GError) error = NULL;
  char *key = rd_hub_issue_agent_key (f->hub, extension, &error);

  g_assert_no_error (error);
  return key;
}

static SecWs *
connect_raw (Fixture *f)
{
  g_autofree char *url = rd_hub_get_agent_url (f->hub);
  g_autoptr(GError) error = NULL;
  SecWs *ws = sec_ws_connect (url, NULL, &error);

  g_assert_no_error (error);
  return ws;
}

/* Signs in with @key; returns the signed-in connection and its session token. */
static SecWs *
sign_in (Fixture *f, const char *extension, const char *key, char **token)
{
  SecWs *ws = connect_raw (f);
  JsonObject *welcome = sec_ws_hello_key (ws, extension, key);

  g_assert_cmpstr (sec_frame_type (welcome), ==, "welcome");
  if (token != NULL)
    *token = g_strdup (sec_welcome_token (welcome));
  return ws;
}

/* After a refusal, waits out the slow-down it earned, so that the next step is not refused
 * for that (the rate limits have tests of their own). */
static char *
reply_type (JsonObject *reply)
{
  gint64 wait = reply != NULL ? json_object_get_int_member_with_default (reply, "retry_after", 0) : 0;

  if (wait > 0)
    sec_wait_ms ((guint) wait * 1000 + 100);
  return g_strdup (sec_frame_type (reply));
}

/* A fresh connection's answer to hello with @key: "welcome" or "auth-failed". */
static char *
try_key (Fixture *f, const char *extension, const char *key)
{
  g_autoptr(SecWs) ws = connect_raw (f);

  return reply_type (sec_ws_hello_key (ws, extension, key));
}

static char *
try_token (Fixture *f, const char *token)
{
  g_autoptr(SecWs) ws = connect_raw (f);

  return reply_type (sec_ws_hello_token (ws, token));
}

static void
assert_ended (SecWs *ws, const char *reason)
{
  g_assert_cmpuint (sec_ws_wait_closed (ws, 5000), ==, 4410);
  g_assert_cmpstr (sec_ws_close_reason (ws), ==, reason);
}

#define assert_refused(expr) G_STMT_START { g_autofree char *_r = (expr); g_assert_cmpstr (_r, ==, "auth-failed"); } G_STMT_END
#define assert_welcome(expr) G_STMT_START { g_autofree char *_r = (expr); g_assert_cmpstr (_r, ==, "welcome"); } G_STMT_END

/* ---- keys and sessions end with the binding ----------------------------------------------- */

/* Unbinding ends the extension's key and its sessions: the same key no longer signs back in. */
static void
test_unbind (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL, *token = NULL;
  g_autoptr(SecWs) live = NULL;

  bind (f, "2001", "alice");
  key = issue_key (f, "2001");
  live = sign_in (f, "2001", key, &token);

  g_assert_true (rd_hub_unbind (f->hub, "2001", &error));
  g_assert_no_error (error);
  assert_ended (live, "unbound");
  assert_refused (try_key (f, "2001", key));
  assert_refused (try_token (f, token));
}

/* After `bind 2001 dave` the old user's key must not sign in as Dave (it did, and received
 * Dave's live calls); a key issued while the extension was unbound ends when it is bound. */
static void
test_rebind (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_key = NULL, *unbound_key = NULL, *token = NULL;
  g_autoptr(SecWs) live = NULL;

  bind (f, "2001", "alice");
  alice_key = issue_key (f, "2001");
  g_assert_true (rd_hub_unbind (f->hub, "2001", &error));
  bind (f, "2001", "dave");
  assert_refused (try_key (f, "2001", alice_key));

  /* The front desk (unbound) gets a key; then the extension is given to a user. */
  unbound_key = issue_key (f, "2004");
  live = sign_in (f, "2004", unbound_key, &token);
  bind (f, "2004", "admin");
  assert_ended (live, "rebound");
  assert_refused (try_key (f, "2004", unbound_key));
  assert_refused (try_token (f, token));
}

/* Disconnecting the CRM drops every binding: their keys and sessions end too. */
static void
test_disconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL, *token = NULL, *crm_token = NULL;
  g_autoptr(SecWs) live = NULL;
  g_autoptr(SecWs) crm = NULL;
  JsonObject *welcome;

  bind (f, "2001", "alice");
  key = issue_key (f, "2001");
  live = sign_in (f, "2001", key, &token);
  crm = connect_raw (f);
  welcome = sec_ws_hello_crm (crm, "alice", ALICE_KEY);
  g_assert_cmpstr (sec_frame_type (welcome), ==, "welcome");
  crm_token = g_strdup (sec_welcome_token (welcome));

  g_assert_true (rd_hub_disconnect_crm (f->hub, &error));
  g_assert_no_error (error);
  assert_ended (live, "crm-disconnected");
  assert_ended (crm, "crm-disconnected");
  assert_refused (try_key (f, "2001", key));
  assert_refused (try_token (f, token));
  assert_refused (try_token (f, crm_token));
}

/* A re-issued key replaces the old one at once: its sessions end, the new key works. */
static void
test_reissue (Fixture *f, gconstpointer data)
{
  g_autofree char *old_key = NULL, *new_key = NULL, *token = NULL;
  g_autoptr(SecWs) live = NULL;
  g_autoptr(SecWs) crm = NULL;

  bind (f, "2001", "alice");
  old_key = issue_key (f, "2001");
  live = sign_in (f, "2001", old_key, &token);
  /* Alice's own CRM-key session is not the key's: it stays. */
  crm = connect_raw (f);
  g_assert_cmpstr (sec_frame_type (sec_ws_hello_crm (crm, "alice", ALICE_KEY)), ==, "welcome");

  new_key = issue_key (f, "2001");
  assert_ended (live, "key-reissued");
  assert_refused (try_key (f, "2001", old_key));
  assert_refused (try_token (f, token));
  assert_welcome (try_key (f, "2001", new_key));
  g_assert_cmpuint (sec_ws_wait_closed (crm, 300), ==, 0);
}

/* `agent-keys` lists every key with its binding and use; `revoke` ends one. */
static void
test_list_and_revoke (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key1 = NULL, *key4 = NULL, *token = NULL;
  g_autoptr(JsonArray) keys = NULL;
  g_autoptr(SecWs) live = NULL;
  JsonObject *k1 = NULL, *k4 = NULL, *user;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  bind (f, "2001", "alice");
  key1 = issue_key (f, "2001");
  key4 = issue_key (f, "2004");
  live = sign_in (f, "2001", key1, &token);

  keys = rd_hub_list_agent_keys (f->hub);
  g_assert_cmpuint (json_array_get_length (keys), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *k = json_array_get_object_element (keys, i);

      if (g_str_equal (json_object_get_string_member (k, "extension"), "2001"))
        k1 = k;
      else
        k4 = k;
    }
  g_assert_nonnull (k1);
  g_assert_nonnull (k4);
  user = json_object_get_object_member (k1, "user");
  g_assert_cmpint (json_object_get_int_member (user, "id"), ==, f->sims.alice_id);
  g_assert_cmpstr (json_object_get_string_member (user, "login"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (k1, "created"), >=, now - 5);
  g_assert_cmpint (json_object_get_int_member (k1, "last_used"), >=, now - 5);
  g_assert_cmpint (json_object_get_int_member (k1, "sessions"), ==, 1);
  g_assert_true (json_object_get_null_member (k4, "user"));
  g_assert_true (json_object_get_null_member (k4, "last_used"));
  /* Listing never shows a key or its digest. */
  {
    g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), keys);
    g_autofree char *text = json_to_string (node, FALSE);
    g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key1, -1);

    g_assert_null (strstr (text, key1));
    g_assert_null (strstr (text, digest));
  }

  g_assert_false (rd_hub_revoke_agent_key (f->hub, 999999, NULL, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (rd_hub_revoke_agent_key (f->hub, json_object_get_int_member (k1, "id"), NULL, &error));
  g_assert_no_error (error);
  assert_ended (live, "key-revoked");
  assert_refused (try_key (f, "2001", key1));
  assert_refused (try_token (f, token));
  assert_welcome (try_key (f, "2004", key4));
  g_clear_pointer (&keys, json_array_unref);
  keys = rd_hub_list_agent_keys (f->hub);
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
}

/* The client says why: state AUTH_FAILED (no retry), a reason and a message for the user. */
static gboolean
access_ended (gpointer data)
{
  return rd_agent_client_get_close_message (data) != NULL;
}

static gboolean
signed_in (gpointer data)
{
  return rd_agent_client_get_state (data) == RD_AGENT_STATE_SIGNED_IN;
}

static void
on_access_ended (RdAgentClient *client, const char *reason, const char *message, char **out)
{
  *out = g_strdup (reason);
}

static void
test_client_told (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL, *signalled = NULL;
  g_autofree char *url = rd_hub_get_agent_url (f->hub);
  g_autoptr(RdAgentClient) client = rd_agent_client_new (url);

  bind (f, "2001", "alice");
  key = issue_key (f, "2001");
  rd_agent_client_set_agent_key (client, "2001", key);
  g_signal_connect (client, "access-ended", G_CALLBACK (on_access_ended), &signalled);
  rd_agent_client_start (client);
  g_assert_true (sec_wait_until (signed_in, client, 10000));

  g_assert_true (rd_hub_unbind (f->hub, "2001", &error));
  g_assert_true (sec_wait_until (access_ended, client, 5000));
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  g_assert_cmpstr (rd_agent_client_get_revoked_reason (client), ==, "unbound");
  g_assert_cmpstr (signalled, ==, "unbound");
  g_assert_nonnull (strstr (rd_agent_client_get_last_error (client), "administrator"));
  sec_wait_ms (2500);   /* no reconnect attempts with a credential that cannot work */
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  rd_agent_client_stop (client);
}

/* ---- history ----------------------------------------------------------------------------- */

static void
store_call (Fixture *f, const char *id, const char *extension, gint64 start)
{
  g_autoptr(RdCallRecord) record = rd_call_record_new ();
  g_autoptr(GError) error = NULL;

  record->call_id = g_strdup (id);
  record->direction = RD_DIRECTION_INBOUND;
  record->from_number = g_strdup ("+8613800138000");
  record->to_number = g_strdup (extension);
  record->extension = g_strdup (extension);
  record->start_unix = start;
  record->outcome = RD_OUTCOME_ANSWERED;
  g_assert_true (rd_store_call_upsert (rd_hub_get_store (f->hub), record, NULL, NULL, &error));
  g_assert_no_error (error);
}

static GPtrArray *
recent_ids (SecWs *ws)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  JsonObject *reply;
  JsonArray *calls;

  sec_ws_send (ws, "{\"type\":\"recent\",\"id\":1,\"limit\":50}");
  reply = sec_ws_next (ws, 5000);
  g_assert_cmpstr (sec_frame_type (reply), ==, "recent-result");
  calls = json_object_get_array_member (reply, "calls");
  for (guint i = 0; i < json_array_get_length (calls); i++)
    g_ptr_array_add (ids, g_strdup (json_object_get_string_member (json_array_get_object_element (calls, i), "call_id")));
  return ids;
}

static gboolean
has_id (GPtrArray *ids, const char *id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_str_equal (g_ptr_array_index (ids, i), id))
      return TRUE;
  return FALSE;
}

/* History is kept by extension; the new owner of 2001 must not see the previous owner's calls. */
static void
test_history (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_key = NULL, *dave_key = NULL;
  g_autoptr(GPtrArray) alice_sees = NULL;
  g_autoptr(GPtrArray) dave_sees = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  bind (f, "2001", "alice");
  store_call (f, "before-alice", "2001", now - 7200);
  /* Alice's binding began now: move it an hour back, as if she had it for a while. */
  g_assert_cmpint (sqlite3_exec (rd_store_get_db (rd_hub_get_store (f->hub)),
                                 "UPDATE hub_binding SET created = created - 3600", NULL, NULL, NULL), ==, SQLITE_OK);
  store_call (f, "alice-call", "2001", now - 600);
  alice_key = issue_key (f, "2001");
  {
    g_autoptr(SecWs) ws = sign_in (f, "2001", alice_key, NULL);

    alice_sees = recent_ids (ws);
  }
  g_assert_true (has_id (alice_sees, "alice-call"));
  g_assert_false (has_id (alice_sees, "before-alice"));

  g_assert_true (rd_hub_unbind (f->hub, "2001", &error));
  bind (f, "2001", "dave");
  store_call (f, "dave-call", "2001", now + 5);
  dave_key = issue_key (f, "2001");
  {
    g_autoptr(SecWs) ws = sign_in (f, "2001", dave_key, NULL);

    dave_sees = recent_ids (ws);
  }
  g_assert_true (has_id (dave_sees, "dave-call"));
  g_assert_false (has_id (dave_sees, "alice-call"));
  g_assert_false (has_id (dave_sees, "before-alice"));
}

/* ---- sessions across a restart (issue 11 item 6) ---------------------------------------------- */

static void
stopped_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  rd_hub_stop_finish (RD_HUB (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static RdHub *
restart (Fixture *f)
{
  gboolean stopped = FALSE;
  g_autofree char *secrets = g_build_filename (f->sims.tmp, "secrets", NULL);
  RdHubOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  guint port = rd_hub_get_port (f->hub);
  RdHub *hub;

  rd_hub_stop_async (f->hub, NULL, stopped_cb, &stopped);
  g_assert_true (sec_wait_until (flag_set, &stopped, 10000));
  g_clear_object (&f->hub);
  sec_wait_ms (100);
  options.database_path = f->db;
  options.secrets_dir = secrets;
  options.port = port;
  hub = rd_hub_new (&options);
  rd_hub_set_index_refresh (hub, 0);
  rd_hub_start (hub, &error);
  g_assert_no_error (error);
  return hub;
}

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

static void
test_sessions_survive_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL, *token = NULL, *token2 = NULL, *short_token = NULL, *wal = NULL;
  g_autofree char *digest = NULL;

  bind (f, "2001", "alice");
  bind (f, "2002", "dave");
  key = issue_key (f, "2001");
  {
    g_autoptr(SecWs) ws = sign_in (f, "2001", key, &token);
  }
  {
    g_autoptr(SecWs) ws = connect_raw (f);
    JsonObject *welcome = sec_ws_hello_crm (ws, "alice", ALICE_KEY);

    g_assert_cmpstr (sec_frame_type (welcome), ==, "welcome");
  }

  f->hub = restart (f);

  /* Kept hashed: neither the database nor its journal holds the token itself. */
  wal = g_strconcat (f->db, "-wal", NULL);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  g_assert_false (file_contains (f->db, token));
  g_assert_false (file_contains (wal, token));
  g_assert_true (file_contains (f->db, digest) || file_contains (wal, digest));

  /* The session resumes after the restart, without the key. */
  {
    g_autoptr(SecWs) ws = connect_raw (f);
    JsonObject *welcome = sec_ws_hello_token (ws, token);

    g_assert_cmpstr (sec_frame_type (welcome), ==, "welcome");
    g_assert_cmpstr (json_object_get_string_member (welcome, "extension"), ==, "2001");
    token2 = g_strdup (sec_welcome_token (welcome));
  }
  /* Still single use, and revocation reaches stored tokens. */
  assert_refused (try_token (f, token));
  g_assert_true (rd_hub_unbind (f->hub, "2001", &error));
  assert_refused (try_token (f, token2));

  /* Expiry is kept too. */
  rd_desk_server_set_session_lifetime (rd_hub_get_agent_server (f->hub), 1);
  {
    g_autofree char *key2 = issue_key (f, "2002");
    g_autoptr(SecWs) ws = sign_in (f, "2002", key2, &short_token);
  }
  f->hub = restart (f);
  sec_wait_ms (1500);
  assert_refused (try_token (f, short_token));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Warnings are the hub's reports (e.g. plain http:// to the simulators), not test failures. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add ("/security/access/unbind", Fixture, NULL, setup, test_unbind, teardown);
  g_test_add ("/security/access/rebind", Fixture, NULL, setup, test_rebind, teardown);
  g_test_add ("/security/access/disconnect", Fixture, NULL, setup, test_disconnect, teardown);
  g_test_add ("/security/access/reissue", Fixture, NULL, setup, test_reissue, teardown);
  g_test_add ("/security/access/list-and-revoke", Fixture, NULL, setup, test_list_and_revoke, teardown);
  g_test_add ("/security/access/client-told", Fixture, NULL, setup, test_client_told, teardown);
  g_test_add ("/security/access/history", Fixture, NULL, setup, test_history, teardown);
  g_test_add ("/security/access/sessions-survive-restart", Fixture, NULL, setup, test_sessions_survive_restart,
              teardown);
  return g_test_run ();
}
