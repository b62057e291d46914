/* One TLS pin for the PBX, CRM and agent clients (issue 10 item 8, issue 12 item 2): with a pin,
 * the certificate must be the pinned one whether or not a CA vouches for another, checked in the
 * handshake before any credential is sent; one pin syntax, bad pins are errors; plain http:// to
 * another computer is refused unless the administrator allows it, and `status` warns then.
 *
 * The test CA (test-ca.pem) is made the process's default trust store, so that
 * ca-signed-server.pem is "publicly trusted" here, as a commercial certificate would be. */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "core/rd-tls-pin.h"
#include "hub-test-util.h"
#include "security-util.h"

#include <string.h>

static char *
data_path (const char *dir, const char *name)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR") ? g_getenv ("G_TEST_SRCDIR") : ".", dir, name, NULL);
}

static GTlsCertificate *
load (const char *dir, const char *name)
{
  g_autofree char *path = data_path (dir, name);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_file (path, &error);

  g_assert_no_error (error);
  return cert;
}

/* ---- the one syntax ---------------------------------------------------------------------- */

static void
test_pin_syntax (void)
{
  const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const char *good[] = {
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
  };
  const char *bad[] = {
    "",
    "0123456789abcdef",                                                          /* short */
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00",        /* long */
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",          /* not hex */
    "01-23-45-67-89-AB-CD-EF-01-23-45-67-89-ab-cd-ef-01-23-45-67-89-AB-CD-EF-01-23-45-67-89-AB-CD-EF",
    "01 23 45 67 89 AB CD EF 01 23 45 67 89 ab cd ef 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF",
    "0:123:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
    "sha256 Fingerprint=01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23",
    "invalid",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *digest = rd_tls_pin_normalize (good[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (digest, ==, hex);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RdTlsPin) pin = rd_tls_pin_new (bad[i], &error);

      g_test_message ("%s → %s", bad[i], error ? error->message : "accepted");
      g_assert_null (pin);
      g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    }
}

/* ---- PBX and CRM through the hub ------------------------------------------------------------ */

typedef struct {
  RdSimPbx  *pbx;
  RdSimOdoo *odoo;
  RdHub     *hub;
  char      *ca_signed_pin;   /* digest of ca-signed-server.pem */
  char      *other_pin;       /* digest of another certificate */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GTlsCertificate) server = load ("security", "ca-signed-server.pem");
  g_autoptr(GTlsCertificate) other = load ("pbx", "sim-pbx-cert.pem");
  g_autoptr(GError) error = NULL;
  RdHubOptions options = { 0 };

  f->ca_signed_pin = rd_tls_pin_certificate_digest (server);
  f->other_pin = rd_tls_pin_certificate_digest (other);

  f->pbx = rd_sim_pbx_new ();
  rd_sim_pbx_add_extension (f->pbx, "2001", "Alice Zhang", "alice@example.com");
  g_assert_true (rd_sim_pbx_start_tls (f->pbx, server, &error));
  f->odoo = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_add_user (f->odoo, "admin", "Administrator", "admin@example.com", ADMIN_KEY, RD_CRM_USER_INTERNAL, TRUE);
  g_assert_true (rd_sim_odoo_start_tls (f->odoo, server, &error));
  g_assert_no_error (error);

  f->hub = rd_hub_new (&options);
  rd_hub_set_index_refresh (f->hub, 0);
  g_assert_true (rd_hub_start (f->hub, &error));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->hub);
  sec_wait_ms (50);
  g_clear_object (&f->pbx);
  g_clear_object (&f->odoo);
  g_free (f->ca_signed_pin);
  g_free (f->other_pin);
}

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
connect_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  if (g_async_result_is_tagged (result, rd_hub_connect_pbx_async))
    rd_hub_connect_pbx_finish (RD_HUB (source), result, &op->error);
  else
    rd_hub_connect_crm_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static GError *
connect_pbx (Fixture *f, const char *url, const char *pin, gboolean insecure)
{
  RdPbxConfig config = { 0 };
  Op op = { 0 };

  config.base_url = (char *) url;
  config.options = rd_options_new ();
  rd_options_set (config.options, "client-id", (char *) RD_SIM_PBX_DEFAULT_CLIENT_ID);
  rd_options_set (config.options, "client-secret", (char *) RD_SIM_PBX_DEFAULT_SECRET);
  config.cert_sha256 = (char *) pin;
  config.allow_insecure = insecure;
  rd_hub_connect_pbx_async (f->hub, &config, NULL, connect_cb, &op);
  g_clear_pointer (&config.options, rd_options_unref);
  g_assert_true (sec_wait_until (op_done, &op, 30000));
  return op.error;
}

static GError *
connect_crm (Fixture *f, const char *url, const char *pin, gboolean insecure)
{
  RdCrmConfig config = { 0 };
  Op op = { 0 };

  config.url = (char *) url;
  config.options = rd_options_new ();
  rd_options_set (config.options, "database", (char *) rd_sim_odoo_get_database (f->odoo));
  config.login = (char *) "admin";
  config.api_key = (char *) ADMIN_KEY;
  config.cert_sha256 = (char *) pin;
  config.allow_insecure = insecure;
  config.timeout = 2;
  rd_hub_connect_crm_async (f->hub, &config, NULL, connect_cb, &op);
  g_clear_pointer (&config.options, rd_options_unref);
  g_assert_true (sec_wait_until (op_done, &op, 30000));
  return op.error;
}

/* The PBX pin was consulted only when normal verification failed: a CA-trusted certificate that
 * is not the pinned one was accepted, and the client secret sent to it. */
static void
test_pbx_pin_beats_ca (Fixture *f, gconstpointer data)
{
  const char *url = rd_sim_pbx_get_base_url (f->pbx);
  g_autoptr(GError) wrong = NULL;
  g_autoptr(GError) right = NULL;

  wrong = connect_pbx (f, url, f->other_pin, FALSE);
  g_assert_error (wrong, RD_ERROR, RD_ERROR_FAILED);
  g_assert_nonnull (strstr (wrong->message, "does not match the pinned"));
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->pbx, "get_token"), ==, 0);   /* no secret sent */
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->pbx), ==, 0);

  right = connect_pbx (f, url, f->ca_signed_pin, FALSE);
  g_assert_no_error (right);
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->pbx), ==, 1);
}

/* The Odoo pin was checked after the request, with the API key, had been sent. */
static void
test_crm_pin_in_handshake (Fixture *f, gconstpointer data)
{
  const char *url = rd_sim_odoo_get_url (f->odoo);
  g_autoptr(GError) wrong = NULL;
  g_autoptr(GError) right = NULL;

  wrong = connect_crm (f, url, f->other_pin, FALSE);
  g_assert_error (wrong, RD_ERROR, RD_ERROR_TLS);
  g_test_message ("%s", wrong->message);
  g_assert_cmpuint (rd_sim_odoo_count_requests (f->odoo, NULL), ==, 0);   /* the key never left */

  right = connect_crm (f, url, f->ca_signed_pin, FALSE);
  g_assert_no_error (right);
  g_assert_cmpuint (rd_sim_odoo_count_requests (f->odoo, NULL), >, 0);
}

/* Without a pin a CA-trusted server is fine (the rule only bites with a pin). */
static void
test_ca_without_pin (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) pbx = connect_pbx (f, rd_sim_pbx_get_base_url (f->pbx), NULL, FALSE);
  g_autoptr(GError) crm = connect_crm (f, rd_sim_odoo_get_url (f->odoo), NULL, FALSE);

  g_assert_no_error (pbx);
  g_assert_no_error (crm);
}

/* A bad pin is an error that says so, not a pin that silently matches nothing. */
static void
test_bad_pin_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) pbx = connect_pbx (f, rd_sim_pbx_get_base_url (f->pbx), "AB-CD", FALSE);
  g_autoptr(GError) crm = connect_crm (f, rd_sim_odoo_get_url (f->odoo), "not a fingerprint", FALSE);

  g_assert_error (pbx, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (pbx->message, "fingerprint"));
  g_assert_error (crm, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (crm->message, "fingerprint"));
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->pbx, "get_token"), ==, 0);
  g_assert_cmpuint (rd_sim_odoo_count_requests (f->odoo, NULL), ==, 0);
}

/* An http:// Odoo (or PBX) on another computer was accepted silently. */
static void
test_plain_http_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) crm = connect_crm (f, "http://192.0.2.10:8069", NULL, FALSE);
  g_autoptr(GError) pbx = connect_pbx (f, "http://192.0.2.10:8088", NULL, FALSE);
  g_autoptr(GError) pinned = connect_pbx (f, "http://127.0.0.1:8088", f->other_pin, FALSE);
  g_autoptr(GError) allowed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) status = NULL;
  JsonArray *warnings;

  g_assert_error (crm, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (crm->message, "http://"));
  g_assert_error (pbx, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_error (pinned, RD_ERROR, RD_ERROR_INVALID_INPUT);   /* a pin needs https:// */
  g_assert_true (rd_tls_pin_check_url ("http://127.0.0.1:8069", FALSE, FALSE, "CRM", &error));
  g_assert_true (rd_tls_pin_check_url ("http://localhost:8069", FALSE, FALSE, "CRM", &error));
  g_assert_true (rd_tls_pin_check_url ("http://[::1]:8069", FALSE, FALSE, "CRM", &error));
  g_assert_no_error (error);

  /* With the explicit option the address passes the rule … */
  g_assert_true (rd_tls_pin_check_url ("http://192.0.2.10:8069", FALSE, TRUE, "CRM", &error));
  g_assert_no_error (error);
  g_assert_false (rd_tls_pin_check_url ("http://192.0.2.10:8069", TRUE, TRUE, "CRM", &allowed));
  g_assert_error (allowed, RD_ERROR, RD_ERROR_INVALID_INPUT);   /* still no pin over http:// */

  /* … and a hub that keeps such an address says so in its status. */
  status = rd_hub_get_status_json (f->hub);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (status, "warnings")), ==, 0);
  g_clear_pointer (&status, json_object_unref);
  g_assert_true (rd_store_set_setting (rd_hub_get_store (f->hub), "crm.url", "http://192.0.2.10:8069", &error));
  status = rd_hub_get_status_json (f->hub);
  warnings = json_object_get_array_member (status, "warnings");
  g_assert_cmpuint (json_array_get_length (warnings), ==, 1);
  g_assert_nonnull (strstr (json_array_get_string_element (warnings, 0), "http://"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "crm"), "insecure"));
}

/* ---- the agent client ------------------------------------------------------------------------ */

static gboolean
client_settled (gpointer data)
{
  RdAgentState state = rd_agent_client_get_state (data);

  return state == RD_AGENT_STATE_SIGNED_IN || state == RD_AGENT_STATE_AUTH_FAILED ||
         (state == RD_AGENT_STATE_RECONNECTING && rd_agent_client_get_last_error (data) != NULL);
}

static void
test_agent_pin (void)
{
  g_autofree char *cert_path = data_path ("security", "ca-signed-server.pem");
  g_autoptr(GTlsCertificate) server = load ("security", "ca-signed-server.pem");
  g_autoptr(GTlsCertificate) other = load ("pbx", "sim-pbx-cert.pem");
  g_autofree char *right_pin = rd_tls_pin_certificate_digest (server);
  g_autofree char *wrong_pin = rd_tls_pin_certificate_digest (other);
  g_autofree char *url = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdHub) hub = NULL;
  g_autoptr(JsonArray) keys = NULL;
  RdHubOptions options = { 0 };

  options.tls_certificate = cert_path;
  options.tls_key = cert_path;
  hub = rd_hub_new (&options);
  g_assert_true (rd_hub_start (hub, &error));
  url = rd_hub_get_agent_url (hub);
  g_assert_true (g_str_has_prefix (url, "wss://"));
  key = rd_hub_issue_agent_key (hub, "2001", &error);
  g_assert_no_error (error);

  /* A wrong pin: the CA-valid hub is refused in the handshake; no hello (no key) is sent. */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);

    rd_agent_client_set_pinned_certificate (client, wrong_pin);
    rd_agent_client_set_agent_key (client, "2001", key);
    rd_agent_client_start (client);
    g_assert_true (sec_wait_until (client_settled, client, 10000));
    g_assert_cmpint (rd_agent_client_get_state (client), !=, RD_AGENT_STATE_SIGNED_IN);
    g_assert_nonnull (strstr (rd_agent_client_get_last_error (client), "pinned"));
    rd_agent_client_stop (client);
  }
  keys = rd_hub_list_agent_keys (hub);
  g_assert_true (json_object_get_null_member (json_array_get_object_element (keys, 0), "last_used"));

  /* A malformed pin is reported, not turned into a pin that matches nothing. */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);

    rd_agent_client_set_pinned_certificate (client, "AB-CD-EF");
    rd_agent_client_set_agent_key (client, "2001", key);
    rd_agent_client_start (client);
    g_assert_true (sec_wait_until (client_settled, client, 10000));
    g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_AUTH_FAILED);
    g_assert_nonnull (strstr (rd_agent_client_get_last_error (client), "fingerprint"));
    rd_agent_client_stop (client);
  }

  /* The right pin signs in. */
  {
    g_autoptr(RdAgentClient) client = rd_agent_client_new (url);
    g_autofree char *colons = rd_tls_pin_display (right_pin);

    rd_agent_client_set_pinned_certificate (client, colons);
    rd_agent_client_set_agent_key (client, "2001", key);
    rd_agent_client_start (client);
    g_assert_true (sec_wait_until (client_settled, client, 10000));
    g_assert_cmpint (rd_agent_client_get_state (client), ==, RD_AGENT_STATE_SIGNED_IN);
    rd_agent_client_stop (client);
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *ca = data_path ("security", "test-ca.pem");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) trust = NULL;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  trust = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);
  g_tls_backend_set_default_database (g_tls_backend_get_default (), trust);

  g_test_add_func ("/security/tls/pin-syntax", test_pin_syntax);
  g_test_add ("/security/tls/pbx-pin-beats-ca", Fixture, NULL, setup, test_pbx_pin_beats_ca, teardown);
  g_test_add ("/security/tls/crm-pin-in-handshake", Fixture, NULL, setup, test_crm_pin_in_handshake, teardown);
  g_test_add ("/security/tls/ca-without-pin", Fixture, NULL, setup, test_ca_without_pin, teardown);
  g_test_add ("/security/tls/bad-pin-refused", Fixture, NULL, setup, test_bad_pin_refused, teardown);
  g_test_add ("/security/tls/plain-http-refused", Fixture, NULL, setup, test_plain_http_refused, teardown);
  g_test_add_func ("/security/tls/agent-pin", test_agent_pin);
  return g_test_run ();
}
