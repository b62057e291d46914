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

#define CALLER "+8613500000001"
#define WAIT_MS 10000

/* What the fake backends were last built with, and the objects they built. */
static FakePbx   *last_pbx;
static FakeCrm   *last_crm;
static RdOptions *last_pbx_options;
static RdOptions *last_crm_options;

static const char * const fake_pbx_modes[] = { "events", "polling", NULL };

static const RdOptionSpec fake_pbx_options[] = {
  { "tenant", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "PBX tenant", NULL },
  { "token", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET, "PBX token", NULL },
  { "mode", RD_OPTION_CHOICE, 0, "PBX mode", fake_pbx_modes },
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rd_pbx_register_backend (&fake_pbx_backend);
  rd_crm_register_backend (&fake_crm_backend);
  g_test_add ("/hub-backends/call-through-fake-backends", Fixture, NULL, setup, test_call_through_fake_backends,
              teardown);
  return g_test_run ();
}
