/* The administration (RdHubAdmin) on its own: a store in memory, real bindings, phone index,
 * links, live-call table and outbox worker, a fake engine (tests/hub/fake-context.c: its
 * RdHubContext and RdHubControl) with a fake CRM and PBX. Binding by hand and by e-mail,
 * agent keys, settings checks, connecting a PBX of a kind registered at run time, and
 * disconnecting the CRM. */
#include "config.h"

#include "fake-context.h"
#include "hub-wait.h"

#include "core/rd-error.h"
#include "hub/rd-hub-admin.h"

#include <string.h>

#define WAIT_MS 10000

typedef struct {
  FakeContext    *context;
  RdStore        *store;
  RdSecrets      *secrets;
  RdBindings     *bindings;
  RdPhoneIndex   *index;
  RdCrmLink      *crm_link;
  RdPbxLink      *pbx_link;
  RdCallTable    *calls;
  RdOutboxWorker *outbox;
  RdHubAdmin     *admin;
  HubWait         wait;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  RdHubAdminParts parts = { 0 };

  f->context = fake_context_new ();
  fake_crm_add_user (f->context->crm, 7, "Alice", "alice@example.com", RD_CRM_USER_INTERNAL);
  fake_crm_add_user (f->context->crm, 8, "Bob", "bob@example.com", RD_CRM_USER_PORTAL);
  fake_pbx_add_extension (f->context->pbx, "2001", "Alice", "alice@example.com");
  fake_pbx_add_extension (f->context->pbx, "2002", "Bob", "bob@example.com");
  f->store = rd_store_open (":memory:", &error);
  g_assert_no_error (error);
  f->secrets = rd_secrets_new (NULL, NULL);
  f->bindings = rd_bindings_new (f->store, &error);
  g_assert_no_error (error);
  f->index = rd_phone_index_new (f->store, &error);
  g_assert_no_error (error);
  f->crm_link = rd_crm_link_new ();
  rd_crm_link_set_crm (f->crm_link, RD_CRM (f->context->crm));
  rd_crm_link_set_state (f->crm_link, RD_HUB_CRM_CONNECTED, NULL);
  f->pbx_link = rd_pbx_link_new (f->store, f->secrets);
  rd_pbx_link_set_pbx (f->pbx_link, RD_PBX (f->context->pbx));
  f->calls = rd_call_table_new (RD_HUB_CONTEXT (f->context), f->store, f->bindings);
  f->outbox = rd_outbox_worker_new (RD_HUB_CONTEXT (f->context), f->store, f->index, "test", &error);
  g_assert_no_error (error);

  parts.store = f->store;
  parts.secrets = f->secrets;
  parts.bindings = f->bindings;
  parts.index = f->index;
  parts.crm_link = f->crm_link;
  parts.pbx_link = f->pbx_link;
  parts.calls = f->calls;
  parts.outbox = f->outbox;
  f->admin = rd_hub_admin_new (RD_HUB_CONTEXT (f->context), RD_HUB_CONTROL (f->context), &parts);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->admin);
  rd_outbox_worker_stop (f->outbox);
  g_clear_object (&f->outbox);
  g_clear_object (&f->calls);
  rd_pbx_link_set_pbx (f->pbx_link, NULL);
  g_clear_object (&f->pbx_link);
  rd_crm_link_stop (f->crm_link);
  g_clear_object (&f->crm_link);
  g_clear_object (&f->index);
  g_clear_object (&f->bindings);
  g_clear_object (&f->secrets);
  g_clear_object (&f->store);
  g_clear_object (&f->context);
  hub_wait_clear (&f->wait);
}

static gboolean
bind (Fixture *f, const char *extension, const char *user, gboolean force, GError **error)
{
  rd_hub_admin_bind_async (f->admin, extension, user, force, NULL, hub_wait_cb, &f->wait);
  return rd_hub_admin_bind_finish (f->admin, hub_wait_result (&f->wait, WAIT_MS), error);
}

static void
test_bind (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) plan = NULL;
  g_autoptr(RdBinding) alice = NULL;
  g_autoptr(RdBinding) bob = NULL;
  JsonObject *skipped;
  guint bound, changes;

  /* by e-mail: the internal user only; a portal user could set that address themselves */
  rd_hub_admin_bind_auto_async (f->admin, FALSE, NULL, hub_wait_cb, &f->wait);
  bound = rd_hub_admin_bind_auto_finish (f->admin, hub_wait_result (&f->wait, WAIT_MS), &plan, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bound, ==, 1);
  alice = rd_bindings_get_by_extension (f->bindings, "2001");
  g_assert_nonnull (alice);
  g_assert_cmpint (alice->user_id, ==, 7);
  g_assert_cmpstr (alice->how, ==, "auto");
  g_assert_cmpuint (json_array_get_length (plan), ==, 2);
  skipped = json_array_get_object_element (plan, 1);
  g_assert_cmpstr (json_object_get_string_member (skipped, "extension"), ==, "2002");
  g_assert_cmpstr (json_object_get_string_member (skipped, "reason_code"), ==, "not-internal");
  g_assert_cmpuint (f->context->status_changes, >=, 1);

  /* Alice is taken; an unknown extension or user is refused */
  g_assert_false (bind (f, "2002", "alice@example.com", FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (bind (f, "2009", "bob@example.com", TRUE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (bind (f, "2002", "nobody@example.com", TRUE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* a portal user by hand, forced */
  changes = f->context->status_changes;
  g_assert_true (bind (f, "2002", "bob@example.com", TRUE, &error));
  g_assert_no_error (error);
  bob = rd_bindings_get_by_extension (f->bindings, "2002");
  g_assert_cmpint (bob->user_id, ==, 8);
  g_assert_cmpuint (f->context->status_changes, >, changes);

  g_assert_true (rd_hub_admin_unbind (f->admin, "2002", &error));
  g_assert_no_error (error);
  g_assert_null (rd_bindings_get_by_extension (f->bindings, "2002"));
  g_assert_false (rd_hub_admin_unbind (f->admin, "2002", &error));
  g_assert_nonnull (error);
}

static void
test_bind_needs_crm (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  rd_crm_link_set_state (f->crm_link, RD_HUB_CRM_UNREACHABLE, "no route to host");
  g_assert_false (bind (f, "2001", "alice@example.com", FALSE, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "no route to host"));
  g_clear_error (&error);

  rd_crm_link_set_crm (f->crm_link, NULL);
  rd_crm_link_set_state (f->crm_link, RD_HUB_CRM_NOT_CONFIGURED, NULL);
  g_assert_false (bind (f, "2001", "alice@example.com", FALSE, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "connect-crm"));
}

static void
test_agent_keys (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *bad = NULL;
  g_autoptr(JsonArray) keys = NULL;
  g_autoptr(JsonArray) none = NULL;
  g_autoptr(RdAgentKey) checked = NULL;
  gint64 id;

  bad = rd_hub_admin_issue_agent_key (f->admin, "not a number", &error);
  g_assert_null (bad);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  key = rd_hub_admin_issue_agent_key (f->admin, "2001", &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  checked = rd_bindings_check_key (f->bindings, "2001", key);
  g_assert_nonnull (checked);
  keys = rd_hub_admin_list_agent_keys (f->admin);
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
  id = json_object_get_int_member (json_array_get_object_element (keys, 0), "id");
  g_assert_cmpint (id, ==, checked->id);

  /* the id with another extension: not this key */
  g_assert_false (rd_hub_admin_revoke_agent_key (f->admin, id, "2002", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (rd_hub_admin_revoke_agent_key (f->admin, id, "2001", &error));
  g_assert_no_error (error);
  none = rd_hub_admin_list_agent_keys (f->admin);
  g_assert_cmpuint (json_array_get_length (none), ==, 0);
}

static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (rd_hub_admin_set_region (f->admin, "XX", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpuint (f->context->saves, ==, 0);
  g_assert_true (rd_hub_admin_set_region (f->admin, "de", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (f->context->settings.region, ==, "DE");
  g_assert_cmpuint (f->context->saves, ==, 1);

  g_assert_false (rd_hub_admin_configure_autocreate (f->admin, TRUE, RD_HUB_CALLS_INBOUND, RD_CRM_KIND_LEAD,
                                                     "bad\nprefix", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_true (rd_hub_admin_configure_autocreate (f->admin, TRUE, RD_HUB_CALLS_INBOUND, RD_CRM_KIND_LEAD,
                                                    "Caller ", &error));
  g_assert_no_error (error);
  g_assert_true (f->context->settings.autocreate_enabled);
  g_assert_cmpint (f->context->settings.autocreate_kind, ==, RD_CRM_KIND_LEAD);
  g_assert_cmpstr (f->context->settings.autocreate_prefix, ==, "Caller ");
  g_assert_cmpstr (f->context->settings.region, ==, "DE");   /* the rest kept */

  g_assert_true (rd_hub_admin_set_enabled (f->admin, FALSE, &error));
  g_assert_false (f->context->settings.enabled);
}

/* ---- connect-pbx with a backend of a kind registered at run time ---- */

static RdPbx *
candidate_new (const RdPbxConfig *config, GError **error)
{
  FakePbx *pbx = fake_pbx_new ();

  pbx->state = RD_PBX_STATE_DISCONNECTED;
  pbx->connect_on_start = TRUE;
  return RD_PBX (pbx);
}

static const RdOptionSpec candidate_options[] = {
  { "token", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET, "Test PBX token", NULL },
  { NULL },
};

static const RdPbxBackend candidate_backend = {
  .kind = "testpbx", .name = "Test PBX", .options = candidate_options, .new_func = candidate_new,
};

static gboolean
connect_pbx (Fixture *f, const char *token, GError **error)
{
  RdPbxConfig config = { .kind = (char *) "testpbx", .base_url = (char *) "http://127.0.0.1:9" };
  gboolean ok;

  config.options = rd_options_new ();
  if (token != NULL)
    rd_options_set (config.options, "token", token);
  rd_hub_admin_connect_pbx_async (f->admin, &config, NULL, hub_wait_cb, &f->wait);
  rd_options_unref (config.options);
  ok = rd_hub_admin_connect_pbx_finish (f->admin, hub_wait_result (&f->wait, WAIT_MS), error);
  return ok;
}

static void
test_connect_pbx (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *url = NULL;
  g_autofree char *secret = NULL;

  rd_pbx_register_backend (&candidate_backend);

  /* its required option missing: refused before anything is built */
  g_assert_false (connect_pbx (f, NULL, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpint (f->context->attached, ==, 0);

  f->context->running = FALSE;
  g_assert_false (connect_pbx (f, "t0ken", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  f->context->running = TRUE;

  /* verified (the candidate connects once started), then saved and handed to the engine */
  g_assert_true (connect_pbx (f, "t0ken", &error));
  g_assert_no_error (error);
  g_assert_cmpint (f->context->attached, ==, 1);
  g_assert_cmpint (f->context->pbx->state, ==, RD_PBX_STATE_CONNECTED);
  g_assert_cmpuint (f->context->pbx->starts, ==, 1);
  kind = rd_store_get_setting (f->store, "pbx.kind");
  url = rd_store_get_setting (f->store, "pbx.url");
  g_assert_cmpstr (kind, ==, "testpbx");
  g_assert_cmpstr (url, ==, "http://127.0.0.1:9");
  /* the secret option is with the secrets, not in the settings table */
  g_assert_null (rd_store_get_setting (f->store, "pbx.token"));
  secret = rd_secrets_get (f->secrets, "pbx-token", NULL);
  g_assert_cmpstr (secret, ==, "t0ken");
}

static void
test_disconnect_crm (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 epoch = f->context->settings.epoch;

  g_assert_true (bind (f, "2001", "alice@example.com", FALSE, &error));
  g_assert_true (rd_hub_admin_disconnect_crm (f->admin, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_bindings_count (f->bindings), ==, 0);
  g_assert_null (f->context->crm);   /* the engine was told: no CRM */
  g_assert_cmpint (rd_store_get_setting_int (f->store, "crm.epoch", 0), ==, epoch + 1);
  g_assert_cmpuint (f->context->reloads, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hub-admin/bind", Fixture, NULL, setup, test_bind, teardown);
  g_test_add ("/hub-admin/bind-needs-crm", Fixture, NULL, setup, test_bind_needs_crm, teardown);
  g_test_add ("/hub-admin/agent-keys", Fixture, NULL, setup, test_agent_keys, teardown);
  g_test_add ("/hub-admin/settings", Fixture, NULL, setup, test_settings, teardown);
  g_test_add ("/hub-admin/connect-pbx", Fixture, NULL, setup, test_connect_pbx, teardown);
  g_test_add ("/hub-admin/disconnect-crm", Fixture, NULL, setup, test_disconnect_crm, teardown);
  return g_test_run ();
}
