/* Sign-in without oracles (issue 10 items 5 and 6): one answer for "wrong credentials" and "no
 * extension bound" (and an unbound login never reaches the CRM); lockouts keyed by the identity
 * tried as well as the address, so one client cannot lock out another behind the same NAT; a
 * hub-wide budget of failed CRM checks that keeps Odoo's login cooldown (which counts the hub's
 * one address) from ever tripping; key-only checks where the CRM has them (JSON-2, Odoo 19+). */
#include "config.h"

#include "core/rd-error.h"
#include "hub-test-util.h"
#include "hub/rd-desk-ratelimit.h"
#include "hub/rd-desk-server.h"
#include "security-util.h"

#include <string.h>

#define ALICE_PASSWORD "alice-password"

typedef struct {
  HubSims  sims;
  RdHub   *hub;
  char    *key_2001;
} Fixture;

typedef struct {
  gboolean  done;
  GError   *error;
} Op;

static gboolean
op_done (gpointer data)
{
  return ((Op *) data)->done;
}

static void
bind (RdHub *hub, const char *extension, const char *user)
{
  sec_bind_ok (hub, extension, user);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  hub_sims_start (&f->sims);
  rd_sim_odoo_set_password (f->sims.odoo, "alice", ALICE_PASSWORD);
  rd_sim_odoo_set_password (f->sims.odoo, "admin", "admin");
  f->hub = hub_new_connected (&f->sims, NULL);
  bind (f->hub, "2001", "alice");
  bind (f->hub, "2002", "dave");
  f->key_2001 = rd_hub_issue_agent_key (f->hub, "2001", &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->hub);
  sec_wait_ms (50);
  hub_sims_stop (&f->sims);
  g_free (f->key_2001);
}

static SecWs *
connect_raw (RdHub *hub)
{
  g_autofree char *url = rd_hub_get_agent_url (hub);
  g_autoptr(GError) error = NULL;
  SecWs *ws = sec_ws_connect (url, NULL, &error);

  g_assert_no_error (error);
  return ws;
}

/* The reply to one hello: its "type", error code and message (owned by @ws). */
static JsonObject *
try_crm (RdHub *hub, SecWs **ws, const char *login, const char *key)
{
  *ws = connect_raw (hub);
  return sec_ws_hello_crm (*ws, login, key);
}

static JsonObject *
try_agent (RdHub *hub, SecWs **ws, const char *extension, const char *key)
{
  *ws = connect_raw (hub);
  return sec_ws_hello_key (*ws, extension, key);
}

static const char *
error_message (JsonObject *frame)
{
  return json_object_get_string_member (json_object_get_object_member (frame, "error"), "message");
}

/* ---- one answer ------------------------------------------------------------------------------ */

/* The distinct `not-found` answer confirmed the valid credentials of any unbound user, admin
 * included: the hub asked Odoo, then said "no extension bound". */
static void
test_one_answer (Fixture *f, gconstpointer data)
{
  const char *cases[][3] = {
    /* method, who, secret */
    { "crm-key", "admin", ADMIN_KEY },            /* right key, no extension bound */
    { "crm-key", "admin", "admin" },              /* right password, no extension bound */
    { "crm-key", "nobody", "whatever" },          /* no such login */
    { "crm-key", "alice", "not-her-key" },        /* bound, wrong key */
    { "agent-key", "2003", "rdk_guess" },         /* an extension without a key */
    { "agent-key", "2001", "rdk_wrong" },         /* wrong key */
  };
  guint requests = rd_sim_odoo_count_requests (f->sims.odoo, "jsonrpc");
  g_autofree char *answer = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SecWs) ws = NULL;
      JsonObject *reply = g_str_equal (cases[i][0], "crm-key")
                          ? try_crm (f->hub, &ws, cases[i][1], cases[i][2])
                          : try_agent (f->hub, &ws, cases[i][1], cases[i][2]);

      g_test_message ("%s %s → %s %s", cases[i][0], cases[i][1], sec_frame_error_code (reply),
                      reply ? error_message (reply) : "-");
      g_assert_cmpstr (sec_frame_type (reply), ==, "auth-failed");
      g_assert_cmpstr (sec_frame_error_code (reply), ==, "auth");
      if (answer == NULL)
        answer = g_strdup (error_message (reply));
      g_assert_cmpstr (error_message (reply), ==, answer);
      g_assert_cmpuint (sec_ws_wait_closed (ws, 5000), ==, 4401);
      /* The same identity tried again waits out its slow-down (tested on its own below). */
      sec_wait_ms ((guint) json_object_get_int_member (reply, "retry_after") * 1000 + 50);
    }
  /* Only the bound login's key went to Odoo. */
  g_assert_cmpuint (rd_sim_odoo_count_requests (f->sims.odoo, "jsonrpc"), ==, requests + 1);
}

/* ---- lockouts by identity ---------------------------------------------------------------------- */

/* One bad key locked out the correct key of another extension from the same address. */
static void
test_same_address (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_2002 = rd_hub_issue_agent_key (f->hub, "2002", &error);
  g_autoptr(SecWs) a = NULL;
  g_autoptr(SecWs) b = NULL;
  g_autoptr(SecWs) again = NULL;
  g_autoptr(SecWs) c = NULL;
  JsonObject *reply;

  g_assert_no_error (error);
  reply = try_agent (f->hub, &a, "2001", "rdk_wrong");
  g_assert_cmpstr (sec_frame_error_code (reply), ==, "auth");
  g_assert_cmpint (json_object_get_int_member (reply, "retry_after"), >=, 1);

  /* A colleague behind the same NAT signs in at once … */
  reply = try_agent (f->hub, &b, "2002", key_2002);
  g_assert_cmpstr (sec_frame_type (reply), ==, "welcome");
  /* … and so does Alice with her own CRM key; */
  reply = try_crm (f->hub, &c, "alice", ALICE_KEY);
  g_assert_cmpstr (sec_frame_type (reply), ==, "welcome");
  /* the failing identity waits. */
  reply = try_agent (f->hub, &again, "2001", f->key_2001);
  g_assert_cmpstr (sec_frame_error_code (reply), ==, "limit");
}

/* ---- the hub-wide budget of CRM checks ------------------------------------------------------------ */

/* A hello over a raw connection from @source; returns the reply frame's error code or type. */
static char *
raw_crm_hello (RdHub *hub, const char *source, const char *login, const char *key)
{
  guint port = rd_hub_get_port (hub);
  g_autoptr(GSocket) socket = sec_tcp_open (port, source, 0);
  g_autofree char *hello = g_strdup_printf ("{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"crm-key\","
                                            "\"login\":\"%s\",\"key\":\"%s\"}}", login, key);
  g_autofree char *reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *frame;

  g_assert_nonnull (socket);
  g_assert_true (sec_tcp_ws_upgrade (socket, port));
  g_assert_true (sec_tcp_ws_send (socket, hello));
  reply = sec_tcp_ws_read_text (socket, 10000);
  g_assert_nonnull (reply);
  g_assert_true (json_parser_load_from_data (parser, reply, -1, NULL));
  frame = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (sec_frame_error_code (frame) != NULL ? sec_frame_error_code (frame) : sec_frame_type (frame));
}

/* All checks reach Odoo from the hub's one address, and Odoo locks an address out after 10 failed
 * logins in a row: an attacker spraying from many addresses would lock out every user (and every
 * web login coming through the same address). */
static void
test_crm_budget (Fixture *f, gconstpointer data)
{
  guint limited = 0, refused = 0;
  g_autoptr(SecWs) key_user = NULL;
  JsonObject *reply;

  for (guint i = 0; i < 14; i++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.0.%u", 10 + i);
      g_autofree char *answer = raw_crm_hello (f->hub, source, "alice", "guess");

      if (g_str_equal (answer, "limit"))
        limited++;
      else if (g_str_equal (answer, "auth"))
        refused++;
    }
  g_test_message ("%u checked and refused, %u not checked (budget); Odoo counted %u failures", refused, limited,
                  rd_sim_odoo_count_login_failures (f->sims.odoo));
  g_assert_cmpuint (refused, ==, RD_DESK_RATELIMIT_REMOTE_BUDGET);
  g_assert_cmpuint (limited, ==, 14 - RD_DESK_RATELIMIT_REMOTE_BUDGET);
  g_assert_cmpuint (rd_sim_odoo_count_login_failures (f->sims.odoo), ==, RD_DESK_RATELIMIT_REMOTE_BUDGET);
  g_assert_false (rd_sim_odoo_login_on_cooldown (f->sims.odoo, NULL));

  /* Agent keys are checked by the hub itself: unaffected. */
  reply = try_agent (f->hub, &key_user, "2001", f->key_2001);
  g_assert_cmpstr (sec_frame_type (reply), ==, "welcome");
}

/* ---- key-only checks (JSON-2) --------------------------------------------------------------------- */

static void
crm_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  rd_hub_connect_crm_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static void
pbx_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  rd_hub_connect_pbx_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

/* Odoo's `authenticate` also takes the user's password (2FA off): where the CRM offers a check
 * that takes API keys only (JSON-2 bearer, Odoo 19+), a password must not sign anybody in. */
static void
test_key_only (void)
{
  g_autoptr(RdSimPbx) pbx = rd_sim_pbx_new ();
  g_autoptr(RdSimOdoo) odoo = rd_sim_odoo_new ("19.0");
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(GError) error = NULL;
  RdHubOptions options = { 0 };
  RdPbxConfig pbx_config = { 0 };
  RdCrmConfig crm_config = { 0 };
  Op op = { 0 };

  rd_sim_pbx_add_extension (pbx, "2001", "Alice Zhang", "alice@example.com");
  g_assert_true (rd_sim_pbx_start (pbx, &error));
  rd_sim_odoo_add_user (odoo, "admin", "Administrator", "admin@example.com", ADMIN_KEY, RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_add_user (odoo, "alice", "Alice Zhang", "alice@example.com", ALICE_KEY, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_odoo_set_password (odoo, "alice", ALICE_PASSWORD);
  g_assert_true (rd_sim_odoo_start (odoo, &error));

  hub = rd_hub_new (&options);
  rd_hub_set_index_refresh (hub, 0);
  g_assert_true (rd_hub_start (hub, &error));
  pbx_config.base_url = (char *) rd_sim_pbx_get_base_url (pbx);
  pbx_config.options = rd_options_new ();
  rd_options_set (pbx_config.options, "client-id", (char *) RD_SIM_PBX_DEFAULT_CLIENT_ID);
  rd_options_set (pbx_config.options, "client-secret", (char *) RD_SIM_PBX_DEFAULT_SECRET);
  rd_hub_connect_pbx_async (hub, &pbx_config, NULL, pbx_cb, &op);
  g_clear_pointer (&pbx_config.options, rd_options_unref);
  g_assert_true (sec_wait_until (op_done, &op, 20000));
  g_assert_no_error (op.error);
  op.done = FALSE;
  crm_config.url = (char *) rd_sim_odoo_get_url (odoo);
  crm_config.options = rd_options_new ();
  rd_options_set (crm_config.options, "database", (char *) rd_sim_odoo_get_database (odoo));
  crm_config.login = (char *) "admin";
  crm_config.api_key = (char *) ADMIN_KEY;
  rd_hub_connect_crm_async (hub, &crm_config, NULL, crm_cb, &op);
  g_clear_pointer (&crm_config.options, rd_options_unref);
  g_assert_true (sec_wait_until (op_done, &op, 20000));
  g_assert_no_error (op.error);
  bind (hub, "2001", "alice");

  {
    g_autoptr(SecWs) ws = NULL;
    JsonObject *reply = try_crm (hub, &ws, "alice", ALICE_PASSWORD);

    g_assert_cmpstr (sec_frame_error_code (reply), ==, "auth");
  }
  sec_wait_ms (1100);   /* the one failure's slow-down */
  {
    g_autoptr(SecWs) ws = NULL;
    JsonObject *reply = try_crm (hub, &ws, "alice", ALICE_KEY);

    g_assert_cmpstr (sec_frame_type (reply), ==, "welcome");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add ("/security/signin/one-answer", Fixture, NULL, setup, test_one_answer, teardown);
  g_test_add ("/security/signin/same-address", Fixture, NULL, setup, test_same_address, teardown);
  g_test_add ("/security/signin/crm-budget", Fixture, NULL, setup, test_crm_budget, teardown);
  g_test_add_func ("/security/signin/key-only", test_key_only);
  return g_test_run ();
}
