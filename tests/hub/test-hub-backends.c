/* A whole hub on backends it has never heard of: a fake PBX and a fake CRM (tests/hub/fake-*.c)
 * registered by kind at run time (rd_pbx_register_backend(), rd_crm_register_backend()), each
 * with option tables of their own (a secret, an identity, a choice). The hub is connected to
 * them, an extension bound, an agent signed in over the real agent protocol; a call rings, the
 * agent gets the frame with the caller's CRM record, the call is logged to the fake CRM, and
 * a restart brings both backends back from the saved settings.
 *
 * Nothing here needed a change to RdPbx, RdCrm, the hub or the admin API: this is the
 * "adding a backend touches no interface" of docs/architecture.md, checked. */
#include "config.h"

#include "fake-crm.h"
#include "fake-pbx.h"
#include "hub-wait.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "hub/rd-hub.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define CALLER "+8613500000001"
#define WAIT_MS 10000

/* What the fake backends were last built with, and the objects they built. */
static FakePbx   *last_pbx;
static FakeCrm   *last_crm;
static RdOptions *last_pbx_options;
static RdOptions *last_crm_options;

static const char * const fake_pbx_modes[] = { "events", "polling", NULL };

/* One option of each kind the console turns into a field: text, password, number, select. */
static const RdOptionSpec fake_pbx_options[] = {
  { "tenant", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "PBX tenant", NULL, "Tenant name",
    "The tenant <b>as</b> the fake PBX names it.", "acme-1" },
  { "token", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET, "PBX token", NULL, "Access token", NULL, NULL },
  { "mode", RD_OPTION_CHOICE, 0, "PBX mode", fake_pbx_modes, "Event delivery", NULL, NULL },
  { "poll-seconds", RD_OPTION_UINT, 0, "polling interval", NULL, "Polling interval (s)", NULL, "30" },
  { NULL },
};

static const RdOptionSpec fake_crm_options[] = {
  { "realm", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "CRM realm", NULL },
  { "page-size", RD_OPTION_UINT, 0, "CRM page size", NULL },
  { NULL },
};

static RdPbx *
fake_pbx_backend_new (const RdPbxConfig *config, GError **error)
{
  FakePbx *pbx = fake_pbx_new ();

  pbx->state = RD_PBX_STATE_DISCONNECTED;
  pbx->connect_on_start = TRUE;
  g_set_object (&last_pbx, pbx);
  g_clear_pointer (&last_pbx_options, rd_options_unref);
  last_pbx_options = rd_options_copy (config->options);
  return RD_PBX (pbx);
}

static RdCrm *
fake_crm_backend_new (const RdCrmConfig *config, GError **error)
{
  FakeCrm *crm = fake_crm_new ();

  fake_crm_add_user (crm, 7, "Alice", "alice@example.com", RD_CRM_USER_INTERNAL);
  fake_crm_add_record (crm, RD_CRM_KIND_INDIVIDUAL, "Carol", CALLER);
  g_set_object (&last_crm, crm);
  g_clear_pointer (&last_crm_options, rd_options_unref);
  last_crm_options = rd_options_copy (config->options);
  return RD_CRM (crm);
}

static const RdPbxBackend fake_pbx_backend = {
  .kind = "fakepbx", .name = "Fake PBX", .options = fake_pbx_options, .new_func = fake_pbx_backend_new,
};

static const RdCrmBackend fake_crm_backend = {
  .kind = "fakecrm", .name = "Fake CRM", .options = fake_crm_options, .new_func = fake_crm_backend_new,
};

typedef struct {
  char          *tmp;
  RdHub         *hub;
  RdAgentClient *agent;
  GPtrArray     *calls;     /* RdAgentCall */
  GPtrArray     *matches;   /* match names from "match" frames */
} Fixture;

static RdHub *
start_hub (Fixture *f)
{
  g_autofree char *db = g_build_filename (f->tmp, "hub.db", NULL);
  g_autofree char *secrets = g_build_filename (f->tmp, "secrets", NULL);
  RdHubOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  RdHub *hub;

  options.database_path = db;
  options.secrets_dir = secrets;
  hub = rd_hub_new (&options);
  rd_hub_set_retry_policy (hub, 1, 2);
  g_assert_true (rd_hub_start (hub, &error));
  g_assert_no_error (error);
  return hub;
}

static void
on_call (RdAgentClient *client, RdAgentCall *call, Fixture *f)
{
  g_ptr_array_add (f->calls, rd_agent_call_copy (call));
}

static void
on_match (RdAgentClient *client, const char *call_id, RdAgentMatch *match, Fixture *f)
{
  g_ptr_array_add (f->matches, g_strdup (match != NULL ? match->name : ""));
}

static gboolean
agent_signed_in (gpointer data)
{
  return rd_agent_client_get_state (data) == RD_AGENT_STATE_SIGNED_IN;
}

static gboolean
carol_popped (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->calls->len; i++)
    {
      RdAgentCall *call = f->calls->pdata[i];

      if (g_strcmp0 (call->event, "ringing") == 0 && call->match != NULL && g_strcmp0 (call->match->name, "Carol") == 0)
        return TRUE;
    }
  for (guint i = 0; i < f->matches->len; i++)
    if (g_str_equal (f->matches->pdata[i], "Carol"))
      return TRUE;
  return FALSE;
}

/* Written to the CRM and done in the outbox. */
static gboolean
call_logged (gpointer data)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (data);
  JsonObject *outbox = json_object_get_object_member (status, "outbox");

  return last_crm->logs->len > 0 && json_object_get_int_member (outbox, "pending") == 0 &&
         json_object_get_int_member (outbox, "done") == 1;
}

static gboolean
both_connected (gpointer data)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (data);
  JsonObject *pbx = json_object_get_object_member (status, "pbx");
  JsonObject *crm = json_object_get_object_member (status, "crm");

  return g_strcmp0 (json_object_get_string_member (pbx, "state"), "connected") == 0 &&
         g_strcmp0 (json_object_get_string_member (crm, "state"), "connected") == 0;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->tmp = g_dir_make_tmp ("rd-hub-backends-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  f->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_call_free);
  f->matches = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *secrets = g_build_filename (f->tmp, "secrets", NULL);
  const char *name;
  GDir *dir;

  if (f->agent != NULL)
    rd_agent_client_stop (f->agent);
  g_clear_object (&f->agent);
  g_clear_object (&f->hub);
  g_clear_object (&last_pbx);
  g_clear_object (&last_crm);
  g_clear_pointer (&last_pbx_options, rd_options_unref);
  g_clear_pointer (&last_crm_options, rd_options_unref);
  g_ptr_array_unref (f->calls);
  g_ptr_array_unref (f->matches);
  for (const char *sub = secrets; sub != NULL; sub = sub == secrets ? f->tmp : NULL)
    {
      dir = g_dir_open (sub, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (sub, name, NULL);

          g_remove (path);
        }
      if (dir != NULL)
        g_dir_close (dir);
    }
  g_rmdir (f->tmp);
  g_free (f->tmp);
}

static void
test_call_through_fake_backends (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  RdPbxConfig pbx = { 0 };
  RdCrmConfig crm = { 0 };
  g_auto(HubWait) wait = { 0 };
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *expected_log = NULL;
  g_autoptr(RdCallRecord) record = rd_call_record_new ();
  RdCrmMatch *carol;

  f->hub = start_hub (f);
  g_assert_true (rd_hub_set_region (f->hub, "CN", &error));

  /* an unknown option of the backend is refused before anything is built */
  pbx.kind = (char *) "fakepbx";
  pbx.base_url = (char *) "http://127.0.0.1:9";
  pbx.options = rd_options_new ();
  rd_options_set (pbx.options, "tenant", "t1");
  rd_options_set (pbx.options, "token", "pbx-secret-token");
  rd_options_set (pbx.options, "client-id", "not-ours");
  rd_hub_connect_pbx_async (f->hub, &pbx, NULL, hub_wait_cb, &wait);
  g_assert_false (rd_hub_connect_pbx_finish (f->hub, hub_wait_result (&wait, WAIT_MS), &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_null (last_pbx);
  g_clear_error (&error);

  rd_options_set (pbx.options, "client-id", NULL);
  rd_options_set (pbx.options, "mode", "polling");
  rd_hub_connect_pbx_async (f->hub, &pbx, NULL, hub_wait_cb, &wait);
  g_clear_pointer (&pbx.options, rd_options_unref);
  g_assert_true (rd_hub_connect_pbx_finish (f->hub, hub_wait_result (&wait, WAIT_MS), &error));
  g_assert_no_error (error);
  g_assert_nonnull (last_pbx);
  g_assert_cmpuint (last_pbx->starts, ==, 1);
  g_assert_cmpstr (rd_options_get (last_pbx_options, "tenant"), ==, "t1");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "token"), ==, "pbx-secret-token");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "mode"), ==, "polling");
  fake_pbx_add_extension (last_pbx, "2001", "Alice", "alice@example.com");

  crm.kind = (char *) "fakecrm";
  crm.url = (char *) "http://127.0.0.1:9";
  crm.login = (char *) "admin";
  crm.api_key = (char *) "crm-admin-key";
  crm.options = rd_options_new ();
  rd_options_set (crm.options, "realm", "north");
  rd_options_set (crm.options, "page-size", "50");
  rd_hub_connect_crm_async (f->hub, &crm, NULL, hub_wait_cb, &wait);
  g_clear_pointer (&crm.options, rd_options_unref);
  g_assert_true (rd_hub_connect_crm_finish (f->hub, hub_wait_result (&wait, WAIT_MS), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (rd_options_get (last_crm_options, "realm"), ==, "north");
  g_assert_cmpuint (last_crm->connects, ==, 1);
  g_assert_true (hub_wait_until (both_connected, f->hub, WAIT_MS));

  rd_hub_bind_async (f->hub, "2001", "alice@example.com", FALSE, NULL, hub_wait_cb, &wait);
  g_assert_true (rd_hub_bind_finish (f->hub, hub_wait_result (&wait, WAIT_MS), &error));
  g_assert_no_error (error);

  key = rd_hub_issue_agent_key (f->hub, "2001", &error);
  g_assert_no_error (error);
  url = rd_hub_get_agent_url (f->hub);
  f->agent = rd_agent_client_new (url);
  rd_agent_client_set_agent_key (f->agent, "2001", key);
  g_signal_connect (f->agent, "call", G_CALLBACK (on_call), f);
  g_signal_connect (f->agent, "match", G_CALLBACK (on_match), f);
  rd_agent_client_start (f->agent);
  g_assert_true (hub_wait_until (agent_signed_in, f->agent, WAIT_MS));
  g_assert_cmpstr (rd_agent_client_get_pbx_status (f->agent), ==, "connected");
  g_assert_cmpstr (rd_agent_client_get_crm_status (f->agent), ==, "connected");
  g_assert_cmpstr (rd_agent_client_get_user_name (f->agent), ==, "Alice");

  /* a call rings: the agent gets the frame with the caller's record */
  fake_pbx_emit_event (last_pbx, "call-1", "2001", RD_CALL_STATE_RINGING, RD_DIRECTION_INBOUND, "13500000001");
  g_assert_true (hub_wait_until (carol_popped, f, WAIT_MS));
  g_assert_cmpstr (((RdAgentCall *) f->calls->pdata[0])->call_id, ==, "call-1");
  g_assert_cmpstr (((RdAgentCall *) f->calls->pdata[0])->number_e164, ==, CALLER);
  fake_pbx_emit_event (last_pbx, "call-1", "2001", RD_CALL_STATE_ENDED, RD_DIRECTION_INBOUND, "13500000001");

  /* its record: logged on Carol's chatter in the fake CRM */
  record->call_id = g_strdup ("call-1");
  record->uid = g_strdup ("cdr-1");
  record->direction = RD_DIRECTION_INBOUND;
  record->from_number = g_strdup ("13500000001");
  record->to_number = g_strdup ("2001");
  record->extension = g_strdup ("2001");
  record->start_unix = g_get_real_time () / G_USEC_PER_SEC - 30;
  record->ring_seconds = 5;
  record->talk_seconds = 25;
  record->total_seconds = 30;
  record->outcome = RD_OUTCOME_ANSWERED;
  g_signal_emit_by_name (last_pbx, "call-record", record);
  g_assert_true (hub_wait_until (call_logged, f->hub, WAIT_MS));
  carol = last_crm->records->pdata[0];
  expected_log = g_strdup_printf ("individual:%" G_GINT64_FORMAT ":", carol->id);
  g_assert_cmpuint (last_crm->logs->len, ==, 1);
  g_assert_true (g_str_has_prefix (last_crm->logs->pdata[0], expected_log));

  /* a restart builds both backends again from what the hub saved, secrets included */
  rd_agent_client_stop (f->agent);
  g_clear_object (&f->agent);
  rd_hub_stop_async (f->hub, NULL, hub_wait_cb, &wait);
  g_assert_true (rd_hub_stop_finish (f->hub, hub_wait_result (&wait, WAIT_MS), &error));
  g_assert_no_error (error);
  g_clear_object (&f->hub);
  g_assert_cmpuint (last_pbx->stops, ==, 1);
  g_clear_object (&last_pbx);
  g_clear_object (&last_crm);
  g_clear_pointer (&last_pbx_options, rd_options_unref);
  g_clear_pointer (&last_crm_options, rd_options_unref);
  f->hub = start_hub (f);
  g_assert_nonnull (last_pbx);
  g_assert_nonnull (last_crm);
  g_assert_cmpstr (rd_options_get (last_pbx_options, "tenant"), ==, "t1");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "token"), ==, "pbx-secret-token");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "mode"), ==, "polling");
  g_assert_cmpstr (rd_options_get (last_crm_options, "realm"), ==, "north");
  g_assert_cmpstr (rd_options_get (last_crm_options, "page-size"), ==, "50");
  g_assert_true (hub_wait_until (both_connected, f->hub, WAIT_MS));
}

/* ---- the web console's forms for these backends --------------------------------------------------- */

/* A browser of the console: one session (cookie jar), the CSRF token of the last page. */
typedef struct {
  SoupSession *session;
  char        *base;
  char        *csrf;
  const char  *language;   /* Accept-Language, or NULL */
} Browser;

static void
browser_clear (Browser *b)
{
  g_clear_object (&b->session);
  g_clear_pointer (&b->base, g_free);
  g_clear_pointer (&b->csrf, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Browser, browser_clear)

/* GET (@form NULL) or POST @form (name, value, …, NULL; the CSRF token added) to @path, following
 * the redirect; the page, and its status in *@status. */
static char *
browse (Browser *b, const char *path, guint *status, const char *first, ...)
{
  g_autofree char *url = g_strconcat (b->base, path, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(HubWait) wait = { 0 };
  const char *at;
  char *page;

  if (first == NULL)
    msg = soup_message_new ("GET", url);
  else
    {
      g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
      va_list args;

      va_start (args, first);
      for (const char *name = first; name != NULL; name = va_arg (args, const char *))
        g_hash_table_insert (form, (char *) name, va_arg (args, char *));
      va_end (args);
      g_hash_table_insert (form, "csrf", b->csrf != NULL ? b->csrf : "");
      msg = soup_message_new_from_encoded_form ("POST", url, soup_form_encode_hash (form));
    }
  if (b->language != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept-Language", b->language);
  soup_session_send_and_read_async (b->session, msg, G_PRIORITY_DEFAULT, NULL, hub_wait_cb, &wait);
  bytes = soup_session_send_and_read_finish (b->session, hub_wait_result (&wait, WAIT_MS), &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  page = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if ((at = strstr (page, "name=\"csrf\" value=\"")) != NULL)
    {
      at += strlen ("name=\"csrf\" value=\"");
      g_free (b->csrf);
      b->csrf = g_strndup (at, strcspn (at, "\""));
    }
  return page;
}

#define assert_in(page, text) g_assert_nonnull (strstr ((page), (text)))
#define assert_not_in(page, text) g_assert_null (strstr ((page), (text)))

/* The markup of the form field @id (its tag, up to '>'), or "" when absent. */
static char *
field_tag (const char *page, const char *id)
{
  g_autofree char *needle = g_strdup_printf ("id=\"%s\"", id);
  const char *at = strstr (page, needle);
  const char *start;

  if (at == NULL)
    return g_strdup ("");
  for (start = at; start > page && *start != '<'; start--)
    ;
  return g_strndup (start, strchr (at, '>') - start + 1);
}

static void
sign_in (Fixture *f, Browser *b)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *link = rd_hub_issue_console_link (f->hub, &error);
  g_autofree char *page = NULL;
  g_autofree char *token = NULL;
  guint status;

  g_assert_no_error (error);
  b->session = soup_session_new ();
  soup_session_add_feature_by_type (b->session, SOUP_TYPE_COOKIE_JAR);
  b->base = g_strndup (link, strstr (link, "/link?") - link);
  token = g_strdup (strstr (link, "t=") + 2);
  g_free (browse (b, strstr (link, "/link?"), &status, NULL));
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  page = browse (b, "/link", &status, "t", token, "name", "admin", "password", "a long console password",
                 "repeat", "a long console password", NULL);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  assert_in (page, "Welcome. Connect");
}

static void
assert_status_has_no (RdHub *hub, const char *secret)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (hub);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), status);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) audit = rd_hub_list_audit (hub, 100, &error);
  g_autoptr(JsonNode) audit_node = json_node_init_array (json_node_alloc (), audit);
  g_autofree char *audit_text = json_to_string (audit_node, FALSE);

  g_assert_no_error (error);
  assert_not_in (text, secret);
  assert_not_in (audit_text, secret);
}

static void
test_console_forms (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->tmp, "hub.db", NULL);
  g_autofree char *secrets = g_build_filename (f->tmp, "secrets", NULL);
  RdHubOptions options = { .database_path = db, .secrets_dir = secrets, .console_address = (char *) "127.0.0.1" };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_auto(Browser) b = { 0 };
  JsonObject *pbx, *crm;
  char *page;
  char *tag;
  guint code;

  g_autofree char *po = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);

  g_setenv ("RINGDESK_LOCALEDIR", po, TRUE);   /* the translations of this build */
  f->hub = rd_hub_new (&options);
  g_assert_true (rd_hub_start (f->hub, &error));
  g_assert_no_error (error);
  g_assert_true (rd_hub_set_region (f->hub, "CN", &error));
  sign_in (f, &b);

  /* nothing connected: the default kind's fields, and the Kind select naming both */
  page = browse (&b, "/pbx", &code, NULL);
  g_assert_cmpuint (code, ==, SOUP_STATUS_OK);
  assert_in (page, "<select id=\"kind\" name=\"kind\"");
  assert_in (page, "<option value=\"fakepbx\">Fake PBX</option>");
  assert_in (page, "formnovalidate>Show its settings</button>");
  assert_in (page, "id=\"client_id\"");   /* the built-in default's, from its own table */
  assert_not_in (page, "id=\"tenant\"");
  g_free (page);

  /* choosing the fake kind (a submit, no script) shows its fields, nothing saved */
  page = browse (&b, "/pbx", &code, "do", "kind", "kind", "fakepbx", "url", "http://127.0.0.1:9", NULL);
  g_assert_cmpuint (code, ==, SOUP_STATUS_OK);
  assert_not_in (page, "id=\"client_id\"");
  assert_in (page, "<option value=\"fakepbx\" selected>Fake PBX</option>");
  assert_in (page, "value=\"http://127.0.0.1:9\"");
  assert_in (page, "<label for=\"tenant\">Tenant name</label>");
  tag = field_tag (page, "tenant");
  g_assert_cmpstr (tag, ==, "<input id=\"tenant\" name=\"tenant\" value=\"\" placeholder=\"acme-1\" "
                            "autocomplete=\"off\" required aria-describedby=\"tenant-hint\">");
  g_free (tag);
  assert_in (page, "<p class=\"hint\" id=\"tenant-hint\">The tenant &lt;b&gt;as&lt;/b&gt; the fake PBX names it.</p>");
  tag = field_tag (page, "token");
  g_assert_cmpstr (tag, ==, "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" "
                            "placeholder=\"\" required>");
  g_free (tag);
  tag = field_tag (page, "mode");
  g_assert_cmpstr (tag, ==, "<select id=\"mode\" name=\"mode\">");
  g_free (tag);
  assert_in (page, "<option value=\"events\">events</option><option value=\"polling\">polling</option></select>");
  tag = field_tag (page, "poll_seconds");
  g_assert_cmpstr (tag, ==, "<input id=\"poll_seconds\" name=\"poll_seconds\" value=\"\" placeholder=\"30\" "
                            "autocomplete=\"off\" type=\"number\" min=\"0\" step=\"1\" inputmode=\"numeric\">");
  g_free (tag);
  g_free (page);
  g_assert_null (last_pbx);

  /* a wrong value: the hub's error, the form refilled, the secret not sent back */
  page = browse (&b, "/pbx", &code, "do", "save", "kind", "fakepbx", "url", "http://127.0.0.1:9", "tenant", "t1",
                 "token", "console-secret-token", "mode", "polling", "poll_seconds", "soon", NULL);
  g_assert_cmpuint (code, ==, SOUP_STATUS_BAD_REQUEST);
  assert_in (page, "polling interval");
  assert_in (page, "value=\"t1\"");
  assert_in (page, "value=\"soon\"");
  assert_in (page, "<option value=\"polling\" selected>");
  assert_not_in (page, "console-secret-token");
  g_free (page);
  g_assert_null (last_pbx);

  /* saved: the hub built the backend with every setting; the page shows them, the secret as kept */
  page = browse (&b, "/pbx", &code, "do", "save", "kind", "fakepbx", "url", "http://127.0.0.1:9", "tenant", " t1 ",
                 "token", "console-secret-token", "mode", "polling", "poll_seconds", "45", NULL);
  g_assert_cmpuint (code, ==, SOUP_STATUS_OK);
  assert_in (page, "The PBX is connected and saved.");
  g_assert_nonnull (last_pbx);
  g_assert_cmpstr (rd_options_get (last_pbx_options, "tenant"), ==, "t1");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "token"), ==, "console-secret-token");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "mode"), ==, "polling");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "poll-seconds"), ==, "45");
  assert_in (page, "<option value=\"fakepbx\" selected>");
  assert_in (page, "value=\"t1\"");
  assert_in (page, "value=\"45\"");
  assert_in (page, "<option value=\"polling\" selected>");
  tag = field_tag (page, "token");   /* may stay empty now: not required */
  g_assert_cmpstr (tag, ==, "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" "
                            "placeholder=\"saved — leave empty to keep\">");
  g_free (tag);
  assert_not_in (page, "console-secret-token");
  g_free (page);

  /* the status reports the kind and the settings, by the admin API's names, never the secret */
  status = rd_hub_get_status_json (f->hub);
  pbx = json_object_get_object_member (status, "pbx");
  g_assert_cmpstr (json_object_get_string_member (pbx, "kind"), ==, "fakepbx");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (pbx, "options"), "tenant"), ==, "t1");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (pbx, "options"), "mode"), ==, "polling");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (pbx, "options"), "poll_seconds"), ==,
                   "45");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (pbx, "options")), ==, 3);
  assert_status_has_no (f->hub, "console-secret-token");

  /* saving again without the secret keeps it */
  g_clear_object (&last_pbx);
  page = browse (&b, "/pbx", &code, "do", "save", "kind", "fakepbx", "url", "http://127.0.0.1:9", "tenant", "t1",
                 "token", "", "mode", "events", "poll_seconds", "", NULL);
  assert_in (page, "The PBX is connected and saved.");
  g_free (page);
  g_assert_cmpstr (rd_options_get (last_pbx_options, "token"), ==, "console-secret-token");
  g_assert_cmpstr (rd_options_get (last_pbx_options, "mode"), ==, "events");
  g_assert_null (rd_options_get (last_pbx_options, "poll-seconds"));

  /* the CRM form the same way */
  page = browse (&b, "/crm", &code, NULL);
  assert_in (page, "<option value=\"fakecrm\">Fake CRM</option>");
  assert_in (page, "id=\"database\"");
  g_free (page);
  page = browse (&b, "/crm", &code, "do", "kind", "kind", "fakecrm", "url", "", "login", "", NULL);
  assert_not_in (page, "id=\"database\"");
  tag = field_tag (page, "page_size");
  assert_in (tag, "type=\"number\"");
  g_free (tag);
  assert_in (page, "<label for=\"realm\">CRM realm</label>");   /* no title: the label */
  g_free (page);
  page = browse (&b, "/crm", &code, "do", "save", "kind", "fakecrm", "url", "http://127.0.0.1:9", "realm", "north",
                 "page_size", "50", "login", "admin", "api_key", "console-crm-key", NULL);
  assert_in (page, "The CRM is connected and saved.");
  assert_in (page, "value=\"north\"");
  assert_not_in (page, "console-crm-key");
  g_free (page);
  g_assert_cmpstr (rd_options_get (last_crm_options, "realm"), ==, "north");
  g_assert_cmpstr (rd_options_get (last_crm_options, "page-size"), ==, "50");
  g_clear_pointer (&status, json_object_unref);
  status = rd_hub_get_status_json (f->hub);
  crm = json_object_get_object_member (status, "crm");
  g_assert_cmpstr (json_object_get_string_member (crm, "kind"), ==, "fakecrm");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (crm, "options"), "page_size"), ==, "50");
  assert_status_has_no (f->hub, "console-crm-key");

  /* another language: the built-in default backend's texts come translated */
  b.language = "de";
  page = browse (&b, "/pbx", &code, "do", "kind", "kind", rd_pbx_find_backend (NULL, NULL)->kind, "url", "", NULL);
  assert_in (page, "<label for=\"time_zone\">Zeitzone der Telefonanlage</label>");
  g_free (page);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rd_pbx_register_backend (&fake_pbx_backend);
  rd_crm_register_backend (&fake_crm_backend);
  g_test_add ("/hub-backends/call-through-fake-backends", Fixture, NULL, setup, test_call_through_fake_backends,
              teardown);
  g_test_add ("/hub-backends/console-forms", Fixture, NULL, setup, test_console_forms, teardown);
  return g_test_run ();
}
