/* The web console's parts and the administration API it shares with the command line:
 * HTML escaping, languages, sessions and one-time links (with a moved clock), sign-in
 * throttling, Argon2id accounts, the audit log (never a secret), outbox listing and retry,
 * agent keys listed and revoked (the agent's session ends), bind --auto's dry run (portal
 * users are not bound), binding a portal user with force only, plain http:// to another
 * computer with the explicit option only, the certificate probe (its fingerprint in the one
 * pin syntax), the console over TLS (cookie flags), and its configuration. */
#include "config.h"

#include "hub-test-util.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "core/rd-tls-pin.h"
#include "hub/console/rd-console-accounts.h"
#include "hub/console/rd-console-catalog.h"
#include "hub/console/rd-console-sessions.h"
#include "hub/console/rd-console-throttle.h"
#include "hub/console/rd-html.h"
#include "hub/rd-admin-commands.h"
#include "hub/rd-hub-config.h"
#include "hub/rd-tls-probe.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- HTML ------------------------------------------------------------------------------- */

static void
test_html_escapes (void)
{
  g_autoptr(RdHtml) html = rd_html_new ();
  g_autofree char *text = NULL;
  char invalid[] = { 'a', (char) 0xff, '<', 0 };

  rd_html_printf (html, "<a title=\"%s\">%s</a>", "\"><script>x</script>", "O'Brien & <b>");
  rd_html_text (html, invalid);
  text = rd_html_free_to_string (g_steal_pointer (&html));
  g_assert_cmpstr (text, ==, "<a title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">O&apos;Brien &amp; &lt;b&gt;</a>"
                             "a\xef\xbf\xbd&lt;");
}

/* ---- languages ----------------------------------------------------------------------------- */

static void
test_negotiate (void)
{
  static const char * const available[] = { "de", "fr", "zh_CN", NULL };

  g_assert_cmpstr (rd_console_catalog_negotiate ("zh-CN,zh;q=0.9,en;q=0.8", available), ==, "zh_CN");
  g_assert_cmpstr (rd_console_catalog_negotiate ("zh", available), ==, "zh_CN");
  g_assert_cmpstr (rd_console_catalog_negotiate ("de-AT, en;q=0.5", available), ==, "de");
  g_assert_cmpstr (rd_console_catalog_negotiate ("en;q=0.9, fr;q=0.4", available), ==, NULL);
  g_assert_cmpstr (rd_console_catalog_negotiate ("es, fr;q=0.3", available), ==, "fr");
  g_assert_cmpstr (rd_console_catalog_negotiate ("*", available), ==, NULL);
  g_assert_cmpstr (rd_console_catalog_negotiate ("", available), ==, NULL);
  g_assert_cmpstr (rd_console_catalog_negotiate (NULL, available), ==, NULL);
}

static void
test_catalog (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdConsoleCatalog) zh = rd_console_catalog_load (dir, "zh_CN", GETTEXT_PACKAGE, &error);
  g_autoptr(RdConsoleCatalog) none = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("rd-catalog-XXXXXX", NULL);
  g_autofree char *bad_dir = g_build_filename (tmp, "xx", "LC_MESSAGES", NULL);
  g_autofree char *bad = g_build_filename (bad_dir, GETTEXT_PACKAGE ".mo", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (rd_console_catalog_get (zh, "Overview"), ==, "概览");
  g_assert_cmpstr (rd_console_catalog_get (zh, "not a message of ours"), ==, "not a message of ours");
  g_assert_cmpstr (rd_console_catalog_get (NULL, "Overview"), ==, "Overview");

  g_mkdir_with_parents (bad_dir, 0700);
  g_file_set_contents (bad, "\xde\x12\x04\x95 truncated", -1, NULL);
  none = rd_console_catalog_load (tmp, "xx", GETTEXT_PACKAGE, &error);
  g_assert_null (none);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_unlink (bad);
  g_rmdir (bad_dir);
  g_autofree char *xx = g_build_filename (tmp, "xx", NULL);
  g_rmdir (xx);
  g_rmdir (tmp);
}

/* ---- sessions and links ---------------------------------------------------------------------- */

static void
test_sessions (void)
{
  g_autoptr(RdConsoleSessions) sessions = rd_console_sessions_new ();
  g_autofree char *token = NULL;
  g_autofree char *old = NULL;
  RdConsoleSession *session = rd_console_sessions_create (sessions, &token);
  g_autofree char *csrf_before = g_strdup (session->csrf);

  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_true (rd_console_sessions_lookup (sessions, token) == session);
  g_assert_null (session->actor);
  g_assert_null (rd_console_sessions_lookup (sessions, "x"));
  g_assert_true (rd_console_session_check_csrf (session, csrf_before));
  g_assert_false (rd_console_session_check_csrf (session, "nope"));
  g_assert_false (rd_console_session_check_csrf (session, NULL));

  /* Signing in moves the session to a new token and a new CSRF token. */
  old = g_strdup (token);
  session = rd_console_sessions_sign_in (sessions, &token, "console:admin", "admin");
  g_assert_nonnull (session);
  g_assert_cmpstr (token, !=, old);
  g_assert_null (rd_console_sessions_lookup (sessions, old));
  g_assert_true (rd_console_sessions_lookup (sessions, token) == session);
  g_assert_false (rd_console_session_check_csrf (session, csrf_before));

  /* Idle timeout: just within, then just past (each lookup counts as activity). */
  rd_console_sessions_set_clock_offset (sessions, RD_CONSOLE_SESSION_IDLE_S);
  g_assert_nonnull (rd_console_sessions_lookup (sessions, token));
  rd_console_sessions_set_clock_offset (sessions, 2 * RD_CONSOLE_SESSION_IDLE_S + 1);
  g_assert_null (rd_console_sessions_lookup (sessions, token));

  /* Sign-out. */
  g_clear_pointer (&token, g_free);
  session = rd_console_sessions_create (sessions, &token);
  rd_console_sessions_end (sessions, token);
  g_assert_null (rd_console_sessions_lookup (sessions, token));
}

static void
test_session_lifetime (void)
{
  g_autoptr(RdConsoleSessions) sessions = rd_console_sessions_new ();
  g_autofree char *token = NULL;
  gint64 t;

  rd_console_sessions_create (sessions, &token);
  rd_console_sessions_sign_in (sessions, &token, "console:admin", "admin");
  /* Active every 20 minutes: still ends after the maximum lifetime. */
  for (t = 1200; t <= RD_CONSOLE_SESSION_MAX_S; t += 1200)
    {
      rd_console_sessions_set_clock_offset (sessions, t);
      g_assert_nonnull (rd_console_sessions_lookup (sessions, token));
    }
  rd_console_sessions_set_clock_offset (sessions, RD_CONSOLE_SESSION_MAX_S + 1);
  g_assert_null (rd_console_sessions_lookup (sessions, token));
}

static void
test_links (void)
{
  g_autoptr(RdConsoleSessions) sessions = rd_console_sessions_new ();
  g_autofree char *link = rd_console_sessions_issue_link (sessions);
  g_autofree char *late = rd_console_sessions_issue_link (sessions);

  g_assert_true (rd_console_sessions_link_valid (sessions, link));
  g_assert_false (rd_console_sessions_link_valid (sessions, "forged"));
  g_assert_true (rd_console_sessions_consume_link (sessions, link));
  g_assert_false (rd_console_sessions_consume_link (sessions, link));    /* once */
  g_assert_false (rd_console_sessions_link_valid (sessions, link));

  rd_console_sessions_set_clock_offset (sessions, RD_CONSOLE_LINK_LIFETIME_S);
  g_assert_true (rd_console_sessions_link_valid (sessions, late));
  rd_console_sessions_set_clock_offset (sessions, RD_CONSOLE_LINK_LIFETIME_S + 1);
  g_assert_false (rd_console_sessions_link_valid (sessions, late));      /* 15 minutes */
  g_assert_false (rd_console_sessions_consume_link (sessions, late));
}

/* ---- throttling ---------------------------------------------------------------------------------- */

static void
test_throttle (void)
{
  g_autoptr(RdConsoleThrottle) throttle = rd_console_throttle_new ();
  gint64 wait = 0;

  for (guint i = 0; i < RD_CONSOLE_THROTTLE_IDENTITY_MAX; i++)
    {
      g_assert_true (rd_console_throttle_allowed (throttle, "console:admin", "10.0.0.1", NULL));
      rd_console_throttle_failed (throttle, "console:Admin", "10.0.0.1");   /* names fold case */
    }
  g_assert_false (rd_console_throttle_allowed (throttle, "console:admin", "10.0.0.9", &wait));
  g_assert_cmpint (wait, ==, RD_CONSOLE_THROTTLE_LOCK_S);
  /* Another account behind the same address is not locked out. */
  g_assert_true (rd_console_throttle_allowed (throttle, "console:other", "10.0.0.1", NULL));
  rd_console_throttle_set_clock_offset (throttle, RD_CONSOLE_THROTTLE_LOCK_S);
  g_assert_true (rd_console_throttle_allowed (throttle, "console:admin", "10.0.0.1", NULL));

  /* One address trying many names is stopped too. */
  for (guint i = 0; i < RD_CONSOLE_THROTTLE_ADDRESS_MAX; i++)
    {
      g_autofree char *name = g_strdup_printf ("console:guess%u", i);

      rd_console_throttle_failed (throttle, name, "10.0.0.2");
    }
  g_assert_false (rd_console_throttle_allowed (throttle, "console:fresh", "10.0.0.2", NULL));
  g_assert_true (rd_console_throttle_allowed (throttle, "console:fresh", "10.0.0.3", NULL));

  /* Failures older than the window are forgotten; a success clears the identity. */
  rd_console_throttle_failed (throttle, "console:slow", "10.0.0.4");
  rd_console_throttle_set_clock_offset (throttle, 2 * RD_CONSOLE_THROTTLE_LOCK_S + RD_CONSOLE_THROTTLE_WINDOW_S + 1);
  for (guint i = 0; i + 1 < RD_CONSOLE_THROTTLE_IDENTITY_MAX; i++)
    rd_console_throttle_failed (throttle, "console:slow", "10.0.0.4");
  g_assert_true (rd_console_throttle_allowed (throttle, "console:slow", "10.0.0.4", NULL));
  rd_console_throttle_succeeded (throttle, "console:slow");
  rd_console_throttle_failed (throttle, "console:slow", "10.0.0.4");
  g_assert_true (rd_console_throttle_allowed (throttle, "console:slow", "10.0.0.4", NULL));

  /* The hub-wide budget of CRM checks. */
  for (guint i = 0; i < RD_CONSOLE_THROTTLE_CRM_PER_MINUTE; i++)
    g_assert_true (rd_console_throttle_take_crm_check (throttle));
  g_assert_false (rd_console_throttle_take_crm_check (throttle));
  rd_console_throttle_set_clock_offset (throttle, 10 * RD_CONSOLE_THROTTLE_LOCK_S + 60);
  g_assert_true (rd_console_throttle_take_crm_check (throttle));
}

/* ---- passwords and accounts ------------------------------------------------------------------------ */

static gboolean
verify (RdConsoleAccounts *accounts, const char *name, const char *password)
{
  g_auto(HubWait) wait = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  rd_console_accounts_verify_async (accounts, name, password, NULL, hub_wait_cb, &wait);
  ok = rd_console_accounts_verify_finish (accounts, hub_wait_result (&wait, 20000), &error);
  g_assert_no_error (error);
  return ok;
}

static void
test_accounts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdConsoleAccounts) accounts = rd_console_accounts_new (store, &error);
  g_autofree char *hash = rd_console_password_hash ("correct horse battery", &error);
  g_auto(GStrv) names = NULL;
  g_auto(HubWait) wait = { 0 };

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (hash, "$argon2id$v=19$m=65536,t=3,p=1$"));
  g_assert_true (rd_console_password_verify (hash, "correct horse battery"));
  g_assert_false (rd_console_password_verify (hash, "correct horse batterY"));
  g_assert_false (rd_console_password_verify ("$2y$10$notargon", "x"));

  g_assert_false (rd_console_accounts_check_password ("short", NULL));
  g_assert_false (rd_console_accounts_check_name (" padded", NULL));
  g_assert_false (rd_console_accounts_check_name ("tab\there", NULL));
  g_assert_true (rd_console_accounts_check_name ("张伟", NULL));

  rd_console_accounts_set_password_async (accounts, "admin", "too short", NULL, hub_wait_cb, &wait);
  g_assert_false (rd_console_accounts_set_password_finish (accounts, hub_wait_result (&wait, 20000), &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  rd_console_accounts_set_password_async (accounts, "admin", "a long console password", NULL, hub_wait_cb, &wait);
  g_assert_true (rd_console_accounts_set_password_finish (accounts, hub_wait_result (&wait, 20000), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_console_accounts_count (accounts), ==, 1);
  g_assert_true (verify (accounts, "admin", "a long console password"));
  g_assert_false (verify (accounts, "admin", "a long console passwort"));
  g_assert_false (verify (accounts, "nobody", "a long console password"));

  /* The password is nowhere in the store in readable form. */
  {
    sqlite3_stmt *stmt = NULL;

    sqlite3_prepare_v2 (rd_store_get_db (store), "SELECT hash FROM console_admin", -1, &stmt, NULL);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_null (strstr ((const char *) sqlite3_column_text (stmt, 0), "console password"));
    sqlite3_finalize (stmt);
  }

  /* The last administrator stays. */
  g_assert_false (rd_console_accounts_remove (accounts, "admin", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  rd_console_accounts_set_password_async (accounts, "second", "another long password", NULL, hub_wait_cb, &wait);
  g_assert_true (rd_console_accounts_set_password_finish (accounts, hub_wait_result (&wait, 20000), &error));
  g_assert_true (rd_console_accounts_remove (accounts, "admin", &error));
  g_assert_no_error (error);
  names = rd_console_accounts_list (accounts);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_cmpstr (names[0], ==, "second");
}

/* ---- the administration API: audit, outbox ------------------------------------------------------------ */

static JsonObject *
run_command (RdHub *hub, const char *actor, const char *command, JsonObject *body, GError **error)
{
  g_auto(HubWait) wait = { 0 };

  rd_admin_commands_run_async (hub, actor, command, body, NULL, hub_wait_cb, &wait);
  return rd_admin_commands_run_finish (hub, hub_wait_result (&wait, 30000), error);
}

static void
test_audit (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) audit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonArray *entries;
  JsonObject *newest;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);

  json_object_set_string_member (body, "url", rd_sim_odoo_get_url (sims.odoo));
  json_object_set_string_member (body, "database", rd_sim_odoo_get_database (sims.odoo));
  json_object_set_string_member (body, "login", "admin");
  json_object_set_string_member (body, "api_key", ADMIN_KEY);
  reply = run_command (hub, "console:tester", "connect-crm", body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);

  /* A refused change is not a change. */
  json_object_set_string_member (body, "api_key", "wrong-key");
  refused = run_command (hub, "console:tester", "connect-crm", body, &error);
  g_assert_null (refused);
  g_assert_nonnull (error);
  g_clear_error (&error);

  audit = run_command (hub, "command line (uid 0)", "audit", NULL, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (audit, "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  newest = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (newest, "actor"), ==, "console:tester");
  g_assert_cmpstr (json_object_get_string_member (newest, "action"), ==, "connect-crm");
  g_assert_nonnull (strstr (json_object_get_string_member (newest, "detail"), "login=admin"));
  g_assert_nonnull (strstr (json_object_get_string_member (newest, "detail"), "api_key=(given)"));
  g_assert_cmpint (json_object_get_int_member (newest, "time"), >, 0);
  node = json_node_init_object (json_node_alloc (), audit);
  text = json_to_string (node, FALSE);
  g_assert_null (strstr (text, ADMIN_KEY));
  g_assert_null (strstr (text, "wrong-key"));

  /* Reading is not audited; an unknown command is refused. */
  g_clear_pointer (&audit, json_object_unref);
  g_assert_null (run_command (hub, "x", "no-such-command", NULL, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  audit = run_command (hub, "x", "audit", NULL, &error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (audit, "entries")), ==, 1);

  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

/* "Keep the saved secret" keeps it for the saved PBX only: another address never receives it. */
static void
test_saved_secret_stays (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(RdSimPbx) other = rd_sim_pbx_new ();
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);
  g_assert_true (rd_sim_pbx_start (other, &error));

  json_object_set_string_member (body, "url", rd_sim_pbx_get_base_url (other));
  json_object_set_string_member (body, "client_id", RD_SIM_PBX_DEFAULT_CLIENT_ID);
  reply = run_command (hub, "crm:someone", "connect-pbx", body, &error);
  g_assert_null (reply);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_cmpuint (rd_sim_pbx_count_requests (other, "get_token"), ==, 0);
  g_clear_error (&error);

  /* The same PBX again without the secret: kept. */
  json_object_set_string_member (body, "url", rd_sim_pbx_get_base_url (sims.pbx));
  reply = run_command (hub, "crm:someone", "connect-pbx", body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);

  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

static void
test_outbox_retry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(GPtrArray) claimed = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(RdOutboxItem) item = NULL;
  gint64 dead_id, done_id;

  g_assert_true (rd_store_outbox_enqueue (store, "a", "call-log", "{}", NULL, &error));
  g_assert_true (rd_store_outbox_enqueue (store, "b", "call-log", "{}", NULL, &error));
  g_assert_true (rd_store_outbox_enqueue (store, "c", "call-log", "{}", NULL, &error));
  claimed = rd_store_outbox_claim (store, "me", 2, 60, &error);
  g_assert_cmpuint (claimed->len, ==, 2);
  dead_id = ((RdOutboxItem *) claimed->pdata[0])->id;
  done_id = ((RdOutboxItem *) claimed->pdata[1])->id;
  g_assert_true (rd_store_outbox_fail (store, dead_id, "me", "gave up", TRUE, &error));
  g_assert_true (rd_store_outbox_complete (store, done_id, "me", &error));

  failed = rd_store_outbox_list (store, 1u << RD_OUTBOX_DEAD, 0, &error);
  g_assert_cmpuint (failed->len, ==, 1);
  g_assert_cmpstr (((RdOutboxItem *) failed->pdata[0])->last_error, ==, "gave up");
  all = rd_store_outbox_list (store, (1u << RD_OUTBOX_PENDING) | (1u << RD_OUTBOX_DEAD), 0, &error);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (((RdOutboxItem *) all->pdata[0])->key, ==, "c");   /* newest first */

  g_assert_true (rd_store_outbox_retry (store, dead_id, &error));
  g_assert_no_error (error);
  item = rd_store_outbox_get (store, "a");
  g_assert_cmpint (item->state, ==, RD_OUTBOX_PENDING);
  g_assert_cmpuint (item->attempts, ==, 0);
  g_assert_cmpuint (rd_store_outbox_count (store, RD_OUTBOX_DEAD), ==, 0);

  /* A claimed item is being sent already: nothing to do, and no error (the button raced the worker). */
  g_clear_pointer (&claimed, g_ptr_array_unref);
  claimed = rd_store_outbox_claim (store, "me", 1, 60, &error);
  g_assert_cmpuint (claimed->len, ==, 1);
  g_assert_true (rd_store_outbox_retry (store, ((RdOutboxItem *) claimed->pdata[0])->id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_store_outbox_count (store, RD_OUTBOX_CLAIMED), ==, 1);

  g_assert_false (rd_store_outbox_retry (store, done_id, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (rd_store_outbox_retry (store, 999, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
}

/* ---- agent keys, binding, plain http:// ------------------------------------------------------ */

static JsonObject *
run_ok (RdHub *hub, const char *command, JsonObject *body)
{
  g_autoptr(GError) error = NULL;
  JsonObject *reply = run_command (hub, "console:tester", command, body, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

static JsonObject *
body_of (const char *first_name, ...)
{
  JsonObject *body = json_object_new ();
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    json_object_set_string_member (body, name, va_arg (args, const char *));
  va_end (args);
  return body;
}

static gboolean
agent_signed_in (gpointer data)
{
  return rd_agent_client_get_state (data) == RD_AGENT_STATE_SIGNED_IN;
}

static gboolean
agent_ended (gpointer data)
{
  return rd_agent_client_get_revoked_reason (data) != NULL;
}

static JsonArray *
audit_entries (RdHub *hub, JsonObject **holder)
{
  *holder = run_ok (hub, "audit", NULL);
  return json_object_get_array_member (*holder, "entries");
}

/* The console's Users page lists keys with their user, creation and use, and Revoke ends the
 * desktop's session at once (the same commands as `agent-keys` and `revoke`). */
static void
test_agent_keys_revoke (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonObject) bind = NULL, bound = NULL, issued = NULL, listed = NULL, again = NULL, revoked = NULL;
  g_autoptr(JsonObject) after = NULL, audit = NULL, wrong = NULL, body = NULL;
  g_autoptr(RdAgentClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  JsonArray *keys;
  JsonObject *key, *user;
  gint64 id;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);
  bind = body_of ("extension", "2001", "user", "alice", NULL);
  bound = run_ok (hub, "bind", bind);
  issued = run_ok (hub, "agent-key", bind);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (issued, "key"), "rdk_"));

  listed = run_ok (hub, "agent-keys", NULL);
  keys = json_object_get_array_member (listed, "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
  key = json_array_get_object_element (keys, 0);
  g_assert_cmpstr (json_object_get_string_member (key, "extension"), ==, "2001");
  user = json_object_get_object_member (key, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "name"), ==, "Alice Zhang");
  g_assert_cmpint (json_object_get_int_member (key, "created"), >, 0);
  g_assert_true (json_object_get_null_member (key, "last_used"));
  g_assert_cmpint (json_object_get_int_member (key, "sessions"), ==, 0);
  g_assert_false (json_object_has_member (key, "key"));   /* a key is never shown again */
  id = json_object_get_int_member (key, "id");

  /* A desktop signs in with it: the list shows it used and signed in. */
  url = rd_hub_get_agent_url (hub);
  client = rd_agent_client_new (url);
  rd_agent_client_set_agent_key (client, "2001", json_object_get_string_member (issued, "key"));
  rd_agent_client_start (client);
  g_assert_true (hub_wait_until (agent_signed_in, client, 10000));
  again = run_ok (hub, "agent-keys", NULL);
  key = json_array_get_object_element (json_object_get_array_member (again, "keys"), 0);
  g_assert_cmpint (json_object_get_int_member (key, "last_used"), >, 0);
  g_assert_cmpint (json_object_get_int_member (key, "sessions"), ==, 1);

  /* Revoke names the key and its extension (what the confirmation showed): another
   * extension's id is refused, a malformed id too. */
  body = json_object_new ();
  json_object_set_int_member (body, "id", id);
  json_object_set_string_member (body, "extension", "2002");
  g_assert_null (run_command (hub, "console:tester", "revoke", body, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  wrong = body_of ("id", "3", NULL);
  g_assert_null (run_command (hub, "console:tester", "revoke", wrong, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);

  json_object_set_string_member (body, "extension", "2001");
  revoked = run_ok (hub, "revoke", body);
  g_assert_true (hub_wait_until (agent_ended, client, 5000));
  g_assert_cmpstr (rd_agent_client_get_revoked_reason (client), ==, "key-revoked");
  g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
  after = run_ok (hub, "agent-keys", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (after, "keys")), ==, 0);

  /* The audit log names the revocation and its actor. */
  key = json_array_get_object_element (audit_entries (hub, &audit), 0);
  g_assert_cmpstr (json_object_get_string_member (key, "action"), ==, "revoke");
  g_assert_cmpstr (json_object_get_string_member (key, "actor"), ==, "console:tester");

  rd_agent_client_stop (client);
  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

static JsonObject *
plan_entry (JsonArray *plan, const char *extension)
{
  for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (plan, i), "extension"), extension) == 0)
      return json_array_get_object_element (plan, i);
  return NULL;
}

static const char *
user_extension (RdHub *hub, const char *login, JsonObject **holder)
{
  JsonArray *users;

  *holder = run_ok (hub, "users", NULL);
  users = json_object_get_array_member (*holder, "users");
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member (user, "login"), login) == 0)
        return json_object_get_string_member_with_default (user, "extension", NULL);
    }
  return NULL;
}

/* The preview of Bind by e-mail is the dry run: it lists what would be bound (internal users)
 * and what is skipped and why (a portal user with the extension's e-mail), and changes nothing,
 * not even the audit log. Then the binding itself does what the preview said. */
static void
test_bind_preview (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) preview = NULL, applied = NULL, users = NULL, audit = NULL;
  JsonObject *alice, *bob, *entry;
  JsonArray *entries;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);
  json_object_set_boolean_member (body, "auto", TRUE);
  json_object_set_boolean_member (body, "dry_run", TRUE);
  preview = run_ok (hub, "bind", body);
  g_assert_true (json_object_get_boolean_member (preview, "dry_run"));
  g_assert_cmpint (json_object_get_int_member (preview, "bound"), ==, 1);
  alice = plan_entry (json_object_get_array_member (preview, "plan"), "2001");
  g_assert_cmpstr (json_object_get_string_member (alice, "result"), ==, "would-bind");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (alice, "user"), "login"), ==, "alice");
  /* 2002's e-mail is Bob's, a portal user: skipped, with the reason as a code and in words. */
  bob = plan_entry (json_object_get_array_member (preview, "plan"), "2002");
  g_assert_cmpstr (json_object_get_string_member (bob, "result"), ==, "skipped");
  g_assert_cmpstr (json_object_get_string_member (bob, "reason_code"), ==, "not-internal");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (bob, "user"), "type"), ==, "portal");
  g_assert_nonnull (strstr (json_object_get_string_member (bob, "reason"), "not an internal user"));
  g_assert_null (user_extension (hub, "alice", &users));
  g_clear_pointer (&users, json_object_unref);
  entries = audit_entries (hub, &audit);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, i), "action"), !=, "bind");
  g_clear_pointer (&audit, json_object_unref);

  json_object_set_boolean_member (body, "dry_run", FALSE);
  applied = run_ok (hub, "bind", body);
  g_assert_false (json_object_get_boolean_member (applied, "dry_run"));
  g_assert_cmpint (json_object_get_int_member (applied, "bound"), ==, 1);
  entry = plan_entry (json_object_get_array_member (applied, "plan"), "2001");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "bound");
  g_assert_cmpstr (user_extension (hub, "alice", &users), ==, "2001");
  g_clear_pointer (&users, json_object_unref);
  g_assert_null (user_extension (hub, "bob", &users));
  g_clear_pointer (&users, json_object_unref);
  entry = json_array_get_object_element (audit_entries (hub, &audit), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "action"), ==, "bind");

  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

/* Binding a portal user by hand is refused (access) unless forced; the console then asks for
 * the force confirmation. With force it is bound, and the audit log says it was forced. */
static void
test_bind_force (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonObject) body = NULL, bound = NULL, users = NULL, audit = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *newest;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);
  body = body_of ("extension", "2002", "user", "bob", NULL);
  g_assert_null (run_command (hub, "console:tester", "bind", body, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_ACCESS);
  g_assert_nonnull (strstr (error->message, "portal"));
  g_clear_error (&error);
  g_assert_null (user_extension (hub, "bob", &users));
  g_clear_pointer (&users, json_object_unref);

  json_object_set_boolean_member (body, "force", TRUE);
  bound = run_ok (hub, "bind", body);
  g_assert_cmpstr (user_extension (hub, "bob", &users), ==, "2002");
  newest = json_array_get_object_element (audit_entries (hub, &audit), 0);
  g_assert_cmpstr (json_object_get_string_member (newest, "action"), ==, "bind");
  g_assert_nonnull (strstr (json_object_get_string_member (newest, "detail"), "force=true"));

  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

/* Plain http:// to another computer needs the explicit option (the console's checkbox), and the
 * status then carries the warning the console shows. 0.0.0.0 is not a loopback address for the
 * rule, yet Linux connects it to this computer, where the simulator listens. */
static void
test_insecure_http (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) reply = NULL, status = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) sim = NULL;
  g_autofree char *url = NULL;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);
  sim = g_uri_parse (rd_sim_pbx_get_base_url (sims.pbx), G_URI_FLAGS_NONE, NULL);
  url = g_strdup_printf ("http://0.0.0.0:%d", g_uri_get_port (sim));
  json_object_set_string_member (body, "url", url);
  json_object_set_string_member (body, "client_id", RD_SIM_PBX_DEFAULT_CLIENT_ID);
  json_object_set_string_member (body, "client_secret", RD_SIM_PBX_DEFAULT_SECRET);
  g_assert_null (run_command (hub, "console:tester", "connect-pbx", body, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "http://"));
  g_clear_error (&error);
  status = rd_hub_get_status_json (hub);
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (status, "pbx"), "insecure"));
  g_clear_pointer (&status, json_object_unref);

  json_object_set_boolean_member (body, "insecure_http", TRUE);
  reply = run_ok (hub, "connect-pbx", body);
  status = rd_hub_get_status_json (hub);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "pbx"), "url"), ==, url);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "pbx"), "insecure"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (status, "warnings")), ==, 1);

  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

/* ---- the certificate probe, the console over TLS ------------------------------------------------------ */

static GTlsCertificate *
test_certificate (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "pbx", "sim-pbx-cert.pem", NULL);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate = g_tls_certificate_new_from_file (path, &error);

  g_assert_no_error (error);
  return certificate;
}

/* Signing in to the console as the CRM's administrator: the right key gives the user, a wrong
 * one is refused; the cancellable given is passed on to the CRM's requests (it was read from a
 * task already handed on: a critical warning, and no cancellable). */
static void
test_crm_admin_signin (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(HubWait) wait = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;

  hub_sims_start (&sims);
  hub = hub_new_connected (&sims, NULL);
  rd_hub_verify_crm_admin_async (hub, "admin", ADMIN_KEY, cancellable, hub_wait_cb, &wait);
  user = rd_hub_verify_crm_admin_finish (hub, hub_wait_result (&wait, 20000), &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
  g_clear_pointer (&user, json_object_unref);
  rd_hub_verify_crm_admin_async (hub, "admin", "not-the-key", cancellable, hub_wait_cb, &wait);
  user = rd_hub_verify_crm_admin_finish (hub, hub_wait_result (&wait, 20000), &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_assert_null (user);
  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

static void
test_probe (void)
{
  g_autoptr(GTlsCertificate) certificate = test_certificate ();
  g_autoptr(SoupServer) server = soup_server_new ("tls-certificate", certificate, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *digest = rd_tls_pin_certificate_digest (certificate);
  g_autofree char *expected = rd_tls_pin_display (digest);
  g_autofree char *normalized = NULL;
  g_autoptr(GSList) uris = NULL;
  g_auto(HubWait) wait = { 0 };
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) refused = NULL;
  JsonArray *problems;

  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("https://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  rd_tls_probe_async (url, NULL, hub_wait_cb, &wait);
  reply = rd_tls_probe_finish (hub_wait_result (&wait, 20000), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (reply, "sha256"), ==, expected);
  g_assert_cmpuint (strlen (expected), ==, 95);
  /* What the probe shows is a pin as rd-tls-pin reads it: pinning it pins this certificate. */
  normalized = rd_tls_pin_normalize (json_object_get_string_member (reply, "sha256"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (normalized, ==, digest);
  g_assert_false (json_object_get_boolean_member (reply, "trusted"));
  problems = json_object_get_array_member (reply, "problems");
  g_assert_cmpuint (json_array_get_length (problems), >, 0);

  rd_tls_probe_async ("http://127.0.0.1:1/", NULL, hub_wait_cb, &wait);
  refused = rd_tls_probe_finish (hub_wait_result (&wait, 20000), &error);
  g_assert_null (refused);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
}

static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

static void
test_console_tls (void)
{
  g_autoptr(GTlsCertificate) certificate = test_certificate ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("rd-console-tls-XXXXXX", NULL);
  g_autofree char *cert_path = g_test_build_filename (G_TEST_DIST, "pbx", "sim-pbx-cert.pem", NULL);
  RdHubOptions options = { 0 };
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(RdHub) plain = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_auto(HubWait) wait = { 0 };
  g_autoptr(GBytes) body = NULL;
  const char *cookie;

  options.tls_certificate = cert_path;
  options.tls_key = cert_path;
  options.console_address = (char *) "127.0.0.1";
  hub = rd_hub_new (&options);
  g_assert_true (rd_hub_start (hub, &error));
  g_assert_no_error (error);
  status = rd_hub_get_status_json (hub);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (status, "console_url"), "https://127.0.0.1:"));

  msg = soup_message_new ("GET", json_object_get_string_member (status, "console_url"));
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, hub_wait_cb, &wait);
  body = soup_session_send_and_read_finish (session, hub_wait_result (&wait, 20000), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);   /* the sign-in page */
  cookie = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Set-Cookie");
  g_assert_nonnull (cookie);
  g_assert_true (g_str_has_prefix (cookie, "__Host-rd_session="));
  g_assert_nonnull (strstr (cookie, "; Secure"));
  g_assert_nonnull (strstr (cookie, "; HttpOnly"));
  g_assert_nonnull (strstr (cookie, "; SameSite=Strict"));
  g_assert_nonnull (strstr (cookie, "; Path=/"));
  g_assert_null (strstr (cookie, "Domain"));
  g_assert_nonnull (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Strict-Transport-Security"));

  /* Without TLS, only loopback. */
  options.tls_certificate = options.tls_key = NULL;
  options.console_address = (char *) "0.0.0.0";
  plain = rd_hub_new (&options);
  g_assert_false (rd_hub_start (plain, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_rmdir (tmp);
}

static void
test_config (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("rd-console-conf-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "hub.conf", NULL);
  g_autoptr(GError) error = NULL;
  RdHubConfig config;

  g_file_set_contents (path, "[hub]\nport=1\n", -1, NULL);
  g_assert_true (rd_hub_config_load (&config, path, &error));
  g_assert_cmpstr (config.options.console_address, ==, "127.0.0.1");
  g_assert_cmpuint (config.options.console_port, ==, RD_HUB_DEFAULT_CONSOLE_PORT);
  rd_hub_config_clear (&config);

  g_file_set_contents (path, "[console]\nlisten-address=192.0.2.1\nport=9443\n", -1, NULL);
  g_assert_true (rd_hub_config_load (&config, path, &error));
  g_assert_cmpstr (config.options.console_address, ==, "192.0.2.1");
  g_assert_cmpuint (config.options.console_port, ==, 9443);
  rd_hub_config_clear (&config);

  g_file_set_contents (path, "[console]\nenabled=false\n", -1, NULL);
  g_assert_true (rd_hub_config_load (&config, path, &error));
  g_assert_null (config.options.console_address);
  rd_hub_config_clear (&config);

  g_file_set_contents (path, "[console]\nenabled=maybe\n", -1, NULL);
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  rd_hub_config_clear (&config);
  g_unlink (path);
  g_rmdir (tmp);
}

/* The first fill of the phone index says how far it got (records read, the kind read now), and
 * says nothing once the index is full. */
static gboolean
fill_moved (gpointer data)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (data);

  return json_object_get_int_member_with_default (status, "index_fill_read", 0) > 0;
}

static gboolean
fill_done (gpointer data)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (data);

  return json_object_get_boolean_member (status, "index_ready");
}

static void
test_index_fill_progress (void)
{
  HubSims sims;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonObject) filling = NULL;
  g_autoptr(JsonObject) full = NULL;
  const char *kind;

  hub_sims_start (&sims);
  rd_sim_odoo_set_delay (sims.odoo, 400);       /* every CRM request is slow: the fill takes seconds */
  hub = hub_new_connecting (&sims, NULL, 0);
  g_assert_true (hub_wait_until (fill_moved, hub, 20000));
  filling = rd_hub_get_status_json (hub);
  g_assert_false (json_object_get_boolean_member (filling, "index_ready"));
  kind = json_object_get_string_member (filling, "index_fill_kind");
  g_assert_true (g_strcmp0 (kind, "individual") == 0 || g_strcmp0 (kind, "company") == 0 ||
                 g_strcmp0 (kind, "lead") == 0);
  g_assert_cmpint (json_object_get_int_member (filling, "index_fill_read"), >=, 1);

  g_assert_true (hub_wait_until (fill_done, hub, 20000));
  full = rd_hub_get_status_json (hub);
  g_assert_false (json_object_has_member (full, "index_fill_read"));
  g_assert_false (json_object_has_member (full, "index_fill_kind"));
  g_assert_cmpint (json_object_get_int_member (full, "index_numbers"), >, 0);
  g_clear_object (&hub);
  hub_sims_stop (&sims);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The simulators speak plain HTTP and some checks refuse on purpose: warnings are expected. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/console/html-escapes", test_html_escapes);
  g_test_add_func ("/console/negotiate", test_negotiate);
  g_test_add_func ("/console/catalog", test_catalog);
  g_test_add_func ("/console/sessions", test_sessions);
  g_test_add_func ("/console/session-lifetime", test_session_lifetime);
  g_test_add_func ("/console/links", test_links);
  g_test_add_func ("/console/throttle", test_throttle);
  g_test_add_func ("/console/accounts", test_accounts);
  g_test_add_func ("/console/audit", test_audit);
  g_test_add_func ("/console/saved-secret-stays", test_saved_secret_stays);
  g_test_add_func ("/console/outbox-retry", test_outbox_retry);
  g_test_add_func ("/console/agent-keys-revoke", test_agent_keys_revoke);
  g_test_add_func ("/console/bind-preview", test_bind_preview);
  g_test_add_func ("/console/bind-force", test_bind_force);
  g_test_add_func ("/console/insecure-http", test_insecure_http);
  g_test_add_func ("/console/probe", test_probe);
  g_test_add_func ("/console/crm-admin-signin", test_crm_admin_signin);
  g_test_add_func ("/console/tls", test_console_tls);
  g_test_add_func ("/console/config", test_config);
  g_test_add_func ("/console/index-fill-progress", test_index_fill_progress);
  return g_test_run ();
}
