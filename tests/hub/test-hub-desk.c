/* The desk backend (RdHubDesk) on its own: a store in memory, real bindings, phone index and
 * live-call table, a fake engine (tests/hub/fake-context.c) with a fake CRM and PBX. Sign-in
 * by agent key and by CRM key, the status fields, dial, lookup, create-record, recent calls. */
#include "config.h"

#include "fake-context.h"
#include "hub-wait.h"

#include "core/rd-error.h"
#include "hub/rd-desk-server.h"
#include "hub/rd-hub-desk.h"

#include <string.h>

#define WAIT_MS 10000

#define CALLER "+8613500000001"

typedef struct {
  FakeContext  *context;
  RdStore      *store;
  RdBindings   *bindings;
  RdPhoneIndex *index;
  RdCallTable  *calls;
  RdHubDesk    *desk;
  HubWait       wait;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->context = fake_context_new ();
  fake_store_with_alice ("alice@example.com", &f->store, &f->bindings);
  f->index = rd_phone_index_new (f->store, &error);
  g_assert_no_error (error);
  f->calls = rd_call_table_new (RD_HUB_CONTEXT (f->context), f->store, f->bindings);
  f->desk = rd_hub_desk_new (RD_HUB_CONTEXT (f->context), f->store, f->bindings, f->index, f->calls);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->desk);
  g_clear_object (&f->calls);
  g_clear_object (&f->index);
  g_clear_object (&f->bindings);
  g_clear_object (&f->store);
  g_clear_object (&f->context);
  hub_wait_clear (&f->wait);
}

static RdDeskIdentity *
sign_in (Fixture *f, const char *method, const char *who, const char *key, GError **error)
{
  RdDeskBackend *backend = RD_DESK_BACKEND (f->desk);

  rd_desk_backend_authenticate_async (backend, method, who, key, NULL, hub_wait_cb, &f->wait);
  return rd_desk_backend_authenticate_finish (backend, hub_wait_result (&f->wait, WAIT_MS), error);
}

static void
test_agent_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdDeskIdentity) identity = NULL;
  g_autoptr(RdDeskIdentity) wrong = NULL;
  g_autofree char *key = NULL;
  gint64 key_id = 0;

  key = rd_bindings_issue_key (f->bindings, "2001", &key_id, NULL, &error);
  g_assert_no_error (error);

  wrong = sign_in (f, "agent-key", "2001", "not-the-key", &error);
  g_assert_null (wrong);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_assert_cmpstr (error->message, ==, RD_DESK_WRONG_CREDENTIALS);
  g_clear_error (&error);

  identity = sign_in (f, "agent-key", "2001", key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (identity->extension, ==, "2001");
  g_assert_cmpint (identity->user_id, ==, 7);
  g_assert_cmpstr (identity->user_name, ==, "Alice");
  g_assert_cmpint (identity->key_id, ==, key_id);
  g_assert_true (rd_desk_backend_identity_is_current (RD_DESK_BACKEND (f->desk), identity));

  /* the key revoked: a resumed session no longer holds */
  g_assert_true (rd_bindings_revoke_key (f->bindings, key_id, &error));
  g_assert_false (rd_desk_backend_identity_is_current (RD_DESK_BACKEND (f->desk), identity));
  g_clear_pointer (&identity, rd_desk_identity_free);

  identity = sign_in (f, "other", "2001", key, &error);
  g_assert_null (identity);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
}

static void
test_crm_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdDeskIdentity) identity = NULL;
  RdBinding rebound = { .extension = (char *) "2001", .user_id = 8, .user_name = (char *) "Bob" };

  f->context->crm->user_login = g_strdup ("alice@example.com");
  f->context->crm->user_key = g_strdup ("k3y");
  f->context->crm->user_id = 7;

  /* an unbound login is refused without asking the CRM */
  identity = sign_in (f, "crm-key", "mallory@example.com", "k3y", &error);
  g_assert_null (identity);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_assert_cmpstr (error->message, ==, RD_DESK_WRONG_CREDENTIALS);
  g_assert_cmpuint (f->context->crm->authentications, ==, 0);
  g_clear_error (&error);

  identity = sign_in (f, "crm-key", "alice@example.com", "wrong", &error);
  g_assert_null (identity);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_assert_cmpstr (error->message, ==, RD_DESK_WRONG_CREDENTIALS);
  g_clear_error (&error);

  identity = sign_in (f, "crm-key", "alice@example.com", "k3y", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (identity->extension, ==, "2001");
  g_assert_cmpint (identity->user_id, ==, 7);
  g_assert_cmpint (identity->key_id, ==, 0);
  g_assert_cmpuint (f->context->crm->authentications, ==, 2);
  g_assert_true (rd_desk_backend_identity_is_current (RD_DESK_BACKEND (f->desk), identity));
  /* the extension bound to someone else: the session ends */
  g_assert_true (rd_bindings_unbind (f->bindings, "2001", &error));
  g_assert_true (rd_bindings_bind (f->bindings, &rebound, &error));
  g_assert_false (rd_desk_backend_identity_is_current (RD_DESK_BACKEND (f->desk), identity));
  g_clear_pointer (&identity, rd_desk_identity_free);

  /* the CRM not reachable: unavailable, said so, the CRM not asked */
  f->context->ready = FALSE;
  f->context->crm_state = "unreachable";
  f->context->crm_message = g_strdup ("no route to host");
  identity = sign_in (f, "crm-key", "bob", "k3y", &error);
  g_assert_null (identity);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);   /* bob has no login bound */
  g_clear_error (&error);
  rebound.user_login = (char *) "bob";
  g_assert_true (rd_bindings_unbind (f->bindings, "2001", &error));
  g_assert_true (rd_bindings_bind (f->bindings, &rebound, &error));
  identity = sign_in (f, "crm-key", "bob", "k3y", &error);
  g_assert_null (identity);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "no route to host"));
  g_clear_error (&error);
  /* disabled: unavailable too (an agent cannot tell disabled from down) */
  f->context->settings.enabled = FALSE;
  identity = sign_in (f, "crm-key", "bob", "k3y", &error);
  g_assert_null (identity);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_assert_cmpuint (f->context->crm->authentications, ==, 2);
}

static void
test_status (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) ok = rd_desk_backend_get_status (RD_DESK_BACKEND (f->desk));
  g_autoptr(JsonObject) connecting = NULL;
  g_autoptr(JsonObject) pbx_down = NULL;
  g_autoptr(JsonObject) off = NULL;

  g_assert_cmpstr (json_object_get_string_member (ok, "hub"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (ok, "pbx"), ==, "connected");
  g_assert_cmpstr (json_object_get_string_member (ok, "crm"), ==, "connected");
  g_assert_true (json_object_get_null_member (ok, "message"));

  /* connecting is "failed" for an agent, with a sentence */
  f->context->ready = FALSE;
  f->context->crm_state = "connecting";
  connecting = rd_desk_backend_get_status (RD_DESK_BACKEND (f->desk));
  g_assert_cmpstr (json_object_get_string_member (connecting, "crm"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (connecting, "message"), ==, "Connecting to the CRM");

  /* the CRM fine, the PBX down: the PBX's message */
  f->context->ready = TRUE;
  fake_pbx_set_state (f->context->pbx, RD_PBX_STATE_FAILED, "PBX says no");
  pbx_down = rd_desk_backend_get_status (RD_DESK_BACKEND (f->desk));
  g_assert_cmpstr (json_object_get_string_member (pbx_down, "pbx"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (pbx_down, "message"), ==, "PBX says no");

  /* no PBX, CRM failed: the CRM's message first */
  g_clear_object (&f->context->pbx);
  f->context->ready = FALSE;
  f->context->crm_state = "failed";
  f->context->crm_message = g_strdup ("key revoked");
  off = rd_desk_backend_get_status (RD_DESK_BACKEND (f->desk));
  g_assert_cmpstr (json_object_get_string_member (off, "pbx"), ==, "disconnected");
  g_assert_cmpstr (json_object_get_string_member (off, "crm"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (off, "message"), ==, "key revoked");
}

static char *
dial (Fixture *f, const char *number, GError **error)
{
  rd_desk_backend_dial_async (RD_DESK_BACKEND (f->desk), "2001", number, NULL, hub_wait_cb, &f->wait);
  return rd_desk_backend_dial_finish (RD_DESK_BACKEND (f->desk), hub_wait_result (&f->wait, WAIT_MS), error);
}

static void
test_dial (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *self_call = NULL;
  g_autofree char *nothing = NULL;
  g_autofree char *down = NULL;

  /* national digits read with the engine's region (CN), dialed as E.164 */
  call_id = dial (f, "135 0000 0001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (call_id, ==, "call-1");
  g_assert_cmpuint (f->context->pbx->dials->len, ==, 1);
  g_assert_cmpstr (f->context->pbx->dials->pdata[0], ==, "2001>" CALLER);

  self_call = dial (f, "2001", &error);
  g_assert_null (self_call);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  nothing = dial (f, "", &error);
  g_assert_null (nothing);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  fake_pbx_set_state (f->context->pbx, RD_PBX_STATE_CONNECTING, NULL);
  down = dial (f, CALLER, &error);
  g_assert_null (down);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_assert_cmpuint (f->context->pbx->dials->len, ==, 1);
}

static JsonObject *
lookup (Fixture *f, const char *number, GError **error)
{
  rd_desk_backend_lookup_async (RD_DESK_BACKEND (f->desk), "2001", number, NULL, hub_wait_cb, &f->wait);
  return rd_desk_backend_lookup_finish (RD_DESK_BACKEND (f->desk), hub_wait_result (&f->wait, WAIT_MS), error);
}

static void
test_lookup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) found = NULL;
  g_autoptr(JsonObject) missing = NULL;
  g_autoptr(JsonObject) disabled = NULL;
  JsonObject *match;

  fake_crm_add_record (f->context->crm, RD_CRM_KIND_INDIVIDUAL, "Carol", CALLER);
  found = lookup (f, "13500000001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (found, "number"), "e164"), ==,
                   CALLER);
  match = json_object_get_object_member (found, "match");
  g_assert_cmpstr (json_object_get_string_member (match, "name"), ==, "Carol");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (found, "matches")), ==, 1);
  g_assert_cmpuint (f->context->lookups, ==, 1);

  missing = lookup (f, "+8613500000009", &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_null_member (missing, "match"));

  f->context->settings.enabled = FALSE;
  disabled = lookup (f, CALLER, &error);
  g_assert_null (disabled);
  g_assert_error (error, RD_ERROR, RD_ERROR_DISABLED);
}

static JsonObject *
create (Fixture *f, const char *number, const char *kind, const char *name, GError **error)
{
  rd_desk_backend_create_record_async (RD_DESK_BACKEND (f->desk), "2001", number, kind, name, NULL, hub_wait_cb,
                                       &f->wait);
  return rd_desk_backend_create_record_finish (RD_DESK_BACKEND (f->desk), hub_wait_result (&f->wait, WAIT_MS), error);
}

static void
test_create_record (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) company = NULL;
  g_autoptr(JsonObject) internal = NULL;
  g_autoptr(RdPhoneNumber) number = rd_phone_parse (CALLER, -1, NULL, NULL, NULL);
  g_autoptr(GPtrArray) indexed = NULL;

  company = create (f, CALLER, "company", NULL, &error);
  g_assert_null (company);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  internal = create (f, "2002", "individual", NULL, &error);
  g_assert_null (internal);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* no name: the configured prefix and the number */
  created = create (f, CALLER, "individual", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (created, "name"), ==, "New - +86 135 0000 0001");
  g_assert_nonnull (strstr (json_object_get_string_member (created, "url"), "https://crm.example.com/"));
  g_assert_cmpuint (f->context->crm->creates, ==, 1);
  /* the phone index has it at once */
  indexed = rd_phone_index_lookup (f->index, number, NULL);
  g_assert_cmpuint (indexed->len, ==, 1);

  /* the engine's index answers for the number now: a second one is a conflict */
  fake_context_add_local (f->context, f->context->crm->records->pdata[0]);
  again = create (f, CALLER, "lead", "Someone", &error);
  g_assert_null (again);
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_assert_cmpuint (f->context->crm->creates, ==, 1);
}

static void
test_recent (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) all = NULL;
  g_autoptr(JsonArray) found = NULL;
  g_autoptr(JsonArray) bad = NULL;
  g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (f->bindings, "2001");
  const char *names[] = { "Dora", "Erik", "Old" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(RdCallRecord) record = rd_call_record_new ();
      gboolean inserted = FALSE;

      record->call_id = g_strdup_printf ("c%u", i);
      record->direction = RD_DIRECTION_INBOUND;
      record->from_number = g_strdup_printf ("+861350000010%u", i);
      record->from_name = g_strdup (names[i]);
      record->to_number = g_strdup ("2001");
      record->extension = g_strdup ("2001");
      /* the last one is from before the binding: not this agent's */
      record->start_unix = i < 2 ? binding->created + 10 - i : binding->created - 100;
      record->outcome = RD_OUTCOME_ANSWERED;
      g_assert_true (rd_store_call_upsert (f->store, record, NULL, &inserted, &error));
    }
  all = rd_desk_backend_recent_calls (RD_DESK_BACKEND (f->desk), "2001", 50, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (all), ==, 2);
  found = rd_desk_backend_recent_calls (RD_DESK_BACKEND (f->desk), "2001", 50, "erik", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (found), ==, 1);
  bad = rd_desk_backend_recent_calls (RD_DESK_BACKEND (f->desk), "2001", 50, "\xff", &error);
  g_assert_null (bad);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* The engine went (it disposed the desk) while a session still holds it: refused, not crashed. */
static void
test_engine_gone (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) found = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonArray) recent = NULL;
  g_autofree char *call_id = NULL;

  g_object_run_dispose (G_OBJECT (f->desk));
  g_clear_object (&f->context);   /* gone for good: a use would be a use after free */

  found = lookup (f, CALLER, &error);
  g_assert_null (found);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  call_id = dial (f, CALLER, &error);
  g_assert_null (call_id);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  recent = rd_desk_backend_recent_calls (RD_DESK_BACKEND (f->desk), "2001", 10, NULL, &error);
  g_assert_null (recent);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  status = rd_desk_backend_get_status (RD_DESK_BACKEND (f->desk));
  g_assert_cmpstr (json_object_get_string_member (status, "crm"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (status, "pbx"), ==, "disconnected");
  g_assert_cmpstr (json_object_get_string_member (status, "message"), ==, "The hub is stopping");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hub-desk/agent-key", Fixture, NULL, setup, test_agent_key, teardown);
  g_test_add ("/hub-desk/crm-key", Fixture, NULL, setup, test_crm_key, teardown);
  g_test_add ("/hub-desk/status", Fixture, NULL, setup, test_status, teardown);
  g_test_add ("/hub-desk/dial", Fixture, NULL, setup, test_dial, teardown);
  g_test_add ("/hub-desk/lookup", Fixture, NULL, setup, test_lookup, teardown);
  g_test_add ("/hub-desk/create-record", Fixture, NULL, setup, test_create_record, teardown);
  g_test_add ("/hub-desk/recent", Fixture, NULL, setup, test_recent, teardown);
  g_test_add ("/hub-desk/engine-gone", Fixture, NULL, setup, test_engine_gone, teardown);
  return g_test_run ();
}
