/* The Odoo simulator refuses what Odoo refuses (spec §1, §2.3, §5). */
#include "config.h"

#include "crm/odoo/rd-odoo-json.h"
#include "crm/odoo/rd-odoo-transport.h"
#include "core/rd-error.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "crm-test-util.h"
#include "../rd-test-fds.h"
#include "../rd-test-proxy.h"
#include "core/rd-loopback.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#define KEY "sim-admin-key"

typedef struct {
  RdSimOdoo       *sim;
  RdOdooTransport *t;
  gint64           uid;
} Sim;

static void
sim_setup (Sim *s, const char *version)
{
  g_autoptr(GError) error = NULL;

  s->sim = rd_sim_odoo_new (version);
  rd_sim_odoo_set_company_country (s->sim, "BE");
  s->uid = rd_sim_odoo_add_user (s->sim, "admin", "Admin", NULL, KEY, RD_CRM_USER_INTERNAL, TRUE);
  g_assert_true (rd_sim_odoo_start (s->sim, &error));
  s->t = rd_odoo_transport_new (rd_sim_odoo_get_url (s->sim), rd_sim_odoo_get_database (s->sim), 5, NULL, FALSE, &error);
  g_assert_no_error (error);
  rd_odoo_transport_set_credentials (s->t, s->uid, KEY);
  rd_odoo_transport_set_json2 (s->t, g_str_has_prefix (version, "19"));
}

static void
sim_teardown (Sim *s)
{
  g_clear_object (&s->t);
  g_clear_object (&s->sim);
}

/* @params_json: named parameters as JSON text; @ids_json: "[1]" or NULL. */
static JsonNode *
call (Sim *s, const char *model, const char *method, const char *ids_json, const char *params_json, GError **error)
{
  g_autoptr(JsonNode) params = json_from_string (params_json != NULL ? params_json : "{}", NULL);
  g_autoptr(JsonNode) ids = ids_json != NULL ? json_from_string (ids_json, NULL) : NULL;
  GAsyncResult *res = NULL;
  JsonNode *out;

  g_assert_nonnull (params);
  rd_odoo_transport_execute_async (s->t, model, method,
                                   ids != NULL ? json_array_ref (json_node_get_array (ids)) : NULL,
                                   json_object_ref (json_node_get_object (params)),
                                   NULL, crm_test_store_result, &res);
  out = rd_odoo_transport_finish (s->t, crm_test_wait (&res), error);
  g_object_unref (res);
  return out;
}

static gint64
count (Sim *s, const char *model, const char *domain_json, GError **error)
{
  g_autofree char *params = g_strdup_printf ("{\"domain\": %s}", domain_json);
  g_autoptr(JsonNode) n = call (s, model, "search_count", NULL, params, error);

  return n != NULL ? rd_odoo_json_node_int (n, -1) : -1;
}

static void
expect (Sim *s, const char *model, const char *method, const char *ids, const char *params, RdErrorCode code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) n = call (s, model, method, ids, params, &error);

  g_assert_null (n);
  g_assert_error (error, RD_ERROR, (gint) code);
}

static void
test_refusals (gconstpointer data)
{
  const char *version = data;
  gboolean v17 = !g_str_has_prefix (version, "14") && !g_str_has_prefix (version, "15") &&
                 !g_str_has_prefix (version, "16");
  Sim s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ok = NULL;
  gint64 p;

  sim_setup (&s, version);
  p = rd_sim_odoo_add_partner (s.sim, "Jane", "+32 485 11 22 33", NULL, FALSE, 0, "BE");
  /* UserError "Object … doesn't exist" over JSON-RPC, 404 over JSON-2 */
  expect (&s, "no.such.model", "search_read", NULL, "{\"domain\": []}",
          g_str_has_prefix (version, "19") ? RD_ERROR_NOT_FOUND : RD_ERROR_BUSINESS);
  expect (&s, "res.partner", "_read_group", NULL, "{}", RD_ERROR_ACCESS);
  expect (&s, "res.partner", "search_read", NULL, "{\"domain\": [[\"no_field\", \"=\", 1]]}", RD_ERROR_SERVER);
  expect (&s, "res.partner", "search_read", NULL, "{\"domain\": [], \"fields\": [\"no_field\"]}", RD_ERROR_SERVER);
  expect (&s, "res.partner", "no_such_method", NULL, "{}", g_str_has_prefix (version, "19") ? RD_ERROR_NOT_FOUND : RD_ERROR_SERVER);
  expect (&s, "res.partner", "search_read", NULL, "{\"domain\": [[\"phone_mobile_search\", \"ilike\", \"48\"]]}",
          RD_ERROR_BUSINESS);
  expect (&s, "mail.activity", "create", NULL, "{\"vals_list\": [{\"res_id\": 1, \"summary\": \"x\"}]}", RD_ERROR_BUSINESS);
  expect (&s, "res.partner", "write", "[999]", "{\"vals\": {\"name\": \"x\"}}", RD_ERROR_NOT_FOUND);
  /* mobile exists up to 18 (not saas~18.2) */
  ok = call (&s, "res.partner", "search_read", NULL, "{\"domain\": [], \"fields\": [\"mobile\"]}", &error);
  if (g_str_has_prefix (version, "19"))
    g_assert_error (error, RD_ERROR, RD_ERROR_SERVER);
  else
    g_assert_no_error (error);
  g_clear_error (&error);
  g_clear_pointer (&ok, json_node_unref);
  /* body_is_html appeared in 17 */
  ok = call (&s, "res.partner", "message_post", "[1]", "{\"body\": \"<p>x</p>\", \"body_is_html\": true}", &error);
  if (v17)
    g_assert_no_error (error);
  else
    g_assert_error (error, RD_ERROR, RD_ERROR_SERVER);
  g_clear_error (&error);
  g_clear_pointer (&ok, json_node_unref);
  /* has_access from 18 */
  ok = call (&s, "res.partner", "has_access", "[]", "{\"operation\": \"create\"}", &error);
  if (g_str_has_prefix (version, "18") || g_str_has_prefix (version, "19"))
    g_assert_no_error (error);
  else
    g_assert_error (error, RD_ERROR, RD_ERROR_SERVER);
  g_clear_error (&error);
  /* archived records are hidden unless the domain mentions active */
  rd_sim_odoo_archive (s.sim, "res.partner", p);
  {
    g_autofree char *by_id = g_strdup_printf ("[[\"id\", \"=\", %" G_GINT64_FORMAT "]]", p);
    g_assert_cmpint (count (&s, "res.partner", by_id, &error), ==, 0);
  }
  g_assert_cmpint (count (&s, "res.partner", "[[\"name\", \"=\", \"Jane\"]]", &error), ==, 0);
  g_assert_cmpint (count (&s, "res.partner", "[[\"name\", \"=\", \"Jane\"], [\"active\", \"in\", [true, false]]]", &error), ==, 1);
  g_assert_no_error (error);
  sim_teardown (&s);
}

static void
test_phone_search (gconstpointer data)
{
  const char *version = data;
  gboolean v16 = !g_str_has_prefix (version, "14") && !g_str_has_prefix (version, "15");
  Sim s = { 0 };
  g_autoptr(GError) error = NULL;

  sim_setup (&s, version);
  rd_sim_odoo_add_partner (s.sim, "Jane", "+32 485/11.22.33", NULL, FALSE, 0, "BE");
  rd_sim_odoo_add_partner (s.sim, "Joe", "0032 485 99 88 77", NULL, FALSE, 0, "BE");
  rd_sim_odoo_add_partner (s.sim, "National", "0485 11 22 44", NULL, FALSE, 0, NULL);
  /* contains on the stripped number */
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_mobile_search\", \"ilike\", \"485112233\"]]", &error), ==, 1);
  /* + and 00 inputs match both notations, as a prefix */
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_mobile_search\", \"ilike\", \"+32485998877\"]]", &error), ==, 1);
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_mobile_search\", \"ilike\", \"0032485112233\"]]", &error), ==, 1);
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_mobile_search\", \"ilike\", \"+3248\"]]", &error), ==, 2);
  /* national ↔ international is never converted */
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_mobile_search\", \"ilike\", \"+32485112244\"]]", &error), ==, 0);
  /* `=` is exact from 16, ignored (contains) before */
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_mobile_search\", \"=\", \"485112233\"]]", &error), ==, v16 ? 0 : 1);
  /* phone_sanitized: the record's country, else the company's */
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_sanitized\", \"=\", \"+32485112244\"]]", &error), ==, 1);
  g_assert_cmpint (count (&s, "res.partner", "[[\"phone_sanitized\", \"=\", \"+32485998877\"]]", &error), ==, 1);
  g_assert_no_error (error);
  sim_teardown (&s);
}

/* The server runs in this thread: send while iterating the main context. */
static GBytes *
send (SoupSession *session, SoupMessage *msg, GError **error)
{
  GAsyncResult *res = NULL;
  GBytes *body;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, crm_test_store_result, &res);
  body = soup_session_send_and_read_finish (session, crm_test_wait (&res), error);
  g_object_unref (res);
  return body;
}

static void
test_json2 (void)
{
  Sim s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) posted = NULL;

  sim_setup (&s, "19.0");
  expect (&s, "res.partner", "search_read", "[1]", "{\"domain\": []}", RD_ERROR_PROTOCOL);   /* 422: ids on @api.model */
  posted = call (&s, "res.partner", "message_post", "[1]", "{\"body\": \"x\"}", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (posted));   /* [id] on 19 */
  rd_odoo_transport_set_credentials (s.t, s.uid, "wrong");
  expect (&s, "res.partner", "search_read", NULL, "{\"domain\": []}", RD_ERROR_AUTH);
  /* no bearer at all: 401 */
  url = g_strdup_printf ("%s/json/2/res.partner/search_read", rd_sim_odoo_get_url (s.sim));
  msg = soup_message_new ("POST", url);
  {
    g_autoptr(GBytes) empty = g_bytes_new_static ("{}", 2);

    soup_message_set_request_body_from_bytes (msg, "application/json", empty);
  }
  body = send (session, msg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 401);
  sim_teardown (&s);
}

static guint
get_page (Sim *s, const char *path, char **out_body, char **out_location)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s%s", rd_sim_odoo_get_url (s->sim), path);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  body = send (session, msg, &error);
  g_assert_no_error (error);
  *out_body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (out_location != NULL)
    *out_location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
  return soup_message_get_status (msg);
}

static void
test_pages (void)
{
  Sim old = { 0 }, new = { 0 };
  g_autofree char *body = NULL;
  g_autofree char *location = NULL;
  g_autofree char *path = NULL;
  gint64 p;

  sim_setup (&old, "17.0");
  p = rd_sim_odoo_add_partner (old.sim, "<b>Evil</b> & Co", "+32 2 123 45 67", NULL, TRUE, 0, "BE");
  path = g_strdup_printf ("/mail/view?model=res.partner&res_id=%" G_GINT64_FORMAT, p);
  g_assert_cmpuint (get_page (&old, path, &body, NULL), ==, 200);
  g_assert_nonnull (strstr (body, "&lt;b&gt;Evil&lt;/b&gt; &amp; Co"));
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (get_page (&old, "/odoo/res.partner/1", &body, NULL), ==, 404);
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (get_page (&old, "/web", &body, NULL), ==, 200);
  g_assert_nonnull (strstr (body, "&lt;b&gt;Evil"));
  g_clear_pointer (&body, g_free);
  sim_teardown (&old);

  sim_setup (&new, "saas~17.2");
  p = rd_sim_odoo_add_partner (new.sim, "Jane", "+32 485 11 22 33", NULL, FALSE, 0, "BE");
  g_assert_cmpuint (get_page (&new, path, &body, &location), ==, 303);
  g_clear_pointer (&body, g_free);
  g_assert_nonnull (strstr (location, "/odoo/res.partner/"));
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/odoo/res.partner/%" G_GINT64_FORMAT, p);
  g_assert_cmpuint (get_page (&new, path, &body, NULL), ==, 200);
  g_assert_nonnull (strstr (body, "Jane"));
  sim_teardown (&new);
}

static void
test_modules_absent (void)
{
  Sim s = { 0 };
  g_autoptr(GError) error = NULL;

  s.sim = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_set_installed (s.sim, "crm", FALSE);
  rd_sim_odoo_set_installed (s.sim, "phone_validation", FALSE);
  s.uid = rd_sim_odoo_add_user (s.sim, "admin", "Admin", NULL, KEY, RD_CRM_USER_INTERNAL, TRUE);
  g_assert_true (rd_sim_odoo_start (s.sim, &error));
  s.t = rd_odoo_transport_new (rd_sim_odoo_get_url (s.sim), rd_sim_odoo_get_database (s.sim), 5, NULL, FALSE, &error);
  rd_odoo_transport_set_credentials (s.t, s.uid, KEY);
  expect (&s, "crm.lead", "fields_get", NULL, "{}", RD_ERROR_BUSINESS);
  expect (&s, "res.partner", "search_read", NULL, "{\"domain\": [[\"phone_mobile_search\", \"ilike\", \"485\"]]}", RD_ERROR_SERVER);
  g_assert_cmpint (count (&s, "ir.model", "[[\"model\", \"=\", \"crm.lead\"]]", &error), ==, 0);
  g_assert_no_error (error);
  sim_teardown (&s);
}

static void
test_seed (void)
{
  g_autoptr(RdSimOdoo) sim = rd_sim_odoo_new ("17.0");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "src", "sim", "odoo", "demo-seed.json", NULL);
  g_autofree char *bad = NULL;

  g_assert_true (rd_sim_odoo_load_seed (sim, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_sim_odoo_count_records (sim, "crm.lead"), ==, 3);
  g_assert_cmpuint (rd_sim_odoo_count_records (sim, "res.partner"), >=, 20);
  bad = g_build_filename (g_get_tmp_dir (), "rd-bad-seed.json", NULL);
  g_assert_true (g_file_set_contents (bad, "{\"partners\": [{\"name\": \"x\", \"colour\": \"red\"}]}", -1, NULL));
  g_assert_false (rd_sim_odoo_load_seed (sim, bad, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_unlink (bad);
}

static void
test_bulk (void)
{
  g_autoptr(RdSimOdoo) sim = rd_sim_odoo_new ("17.0");
  guint before = rd_sim_odoo_count_records (sim, "res.partner");

  rd_sim_odoo_bulk_add_partners (sim, 20000, 42);
  g_assert_cmpuint (rd_sim_odoo_count_records (sim, "res.partner"), ==, before + 20000);
}

/* Every connection a client closes is closed by the simulator too: a simulator that keeps them
 * (CLOSE-WAIT) runs out of descriptors in long runs. Both while up and while "down". */
static void
test_connections_released (void)
{
  Sim s = { 0 };
  guint before, after;

  sim_setup (&s, "17.0");
  before = rd_test_count_descriptors (NULL);
  for (guint round = 0; round < 2; round++)
    {
      rd_sim_odoo_set_down (s.sim, round == 1);
      for (guint i = 0; i < 40; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonNode) n = NULL;

          g_clear_object (&s.t);
          s.t = rd_odoo_transport_new (rd_sim_odoo_get_url (s.sim), rd_sim_odoo_get_database (s.sim), 5, NULL, FALSE, &error);
          g_assert_no_error (error);
          rd_odoo_transport_set_credentials (s.t, s.uid, KEY);
          n = call (&s, "res.partner", "search_count", NULL, "{\"domain\": []}", &error);
          g_assert_true (round == 1 ? n == NULL : n != NULL);
        }
    }
  g_clear_object (&s.t);
  /* Clients that connect and leave without a request, or in the middle of one. */
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GUri) uri = g_uri_parse (rd_sim_odoo_get_url (s.sim), G_URI_FLAGS_NONE, NULL);
      g_autoptr(GSocketConnection) c = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, NULL);

      g_assert_nonnull (c);
      if (i % 2 == 1)
        g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), "POST /jsonrpc HTTP/1.1\r\n", 25, NULL, NULL, NULL);
      for (guint j = 0; j < 20; j++)
        g_main_context_iteration (NULL, FALSE);
      g_io_stream_close (G_IO_STREAM (c), NULL, NULL);
    }
  for (guint i = 0; i < 200; i++)
    g_main_context_iteration (NULL, FALSE);
  after = rd_test_count_descriptors (NULL);
  g_assert_cmpuint (after, <=, before + 2);
  sim_teardown (&s);
}

/* A CRM on this computer is reached without asking GIO for a proxy (which would load its proxy
 * modules, libproxy); a CRM elsewhere still goes through the system's proxy (rd-loopback.h). */
static void
test_proxy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdOdooTransport) remote = NULL;
  g_autoptr(JsonNode) n = NULL;
  g_autoptr(JsonNode) count_node = NULL;
  Sim s = { 0 }, through;
  guint before;

  g_assert_true (rd_loopback_host ("127.0.0.1") && rd_loopback_host ("127.3.2.1") && rd_loopback_host ("::1") &&
                 rd_loopback_host ("[::1]") && rd_loopback_host ("LocalHost"));
  g_assert_false (rd_loopback_host ("10.0.0.1") || rd_loopback_host ("localhost.example.test") ||
                  rd_loopback_host ("[::1") || rd_loopback_host ("") || rd_loopback_host (NULL));
  g_assert_true (rd_loopback_url ("ws://127.0.0.1:8080/v1") && rd_loopback_url ("https://[::1]/"));
  g_assert_false (rd_loopback_url ("http://odoo.example.test/") || rd_loopback_url ("not a url") ||
                  rd_loopback_url (NULL));

  sim_setup (&s, "17.0");
  before = rd_test_proxy_lookups ();
  n = call (&s, "res.partner", "search_count", NULL, "{\"domain\": []}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (n);
  g_assert_cmpuint (rd_test_proxy_lookups (), ==, before);

  /* The same simulator as the proxy of a CRM that is not on this computer. */
  rd_test_proxy_set (rd_sim_odoo_get_url (s.sim));
  g_test_expect_message ("RdCrm", G_LOG_LEVEL_WARNING, "*plain http:// to another computer*");
  remote = rd_odoo_transport_new ("http://odoo.example.test:8069", rd_sim_odoo_get_database (s.sim), 5, NULL,
                                  TRUE, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  rd_odoo_transport_set_credentials (remote, s.uid, KEY);
  through = (Sim) { .sim = s.sim, .t = remote, .uid = s.uid };
  count_node = call (&through, "res.partner", "search_count", NULL, "{\"domain\": []}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (count_node);
  g_assert_cmpuint (rd_test_proxy_lookups (), >, before);
  g_assert_true (g_str_has_prefix (rd_test_proxy_last (), "http://odoo.example.test:8069"));
  rd_test_proxy_set (NULL);
  sim_teardown (&s);
}

int
main (int argc, char **argv)
{
  static const char * const versions[] = { "14.0", "15.0", "16.0", "17.0", "saas~17.2", "18.0", "19.0" };

  g_test_init (&argc, &argv, NULL);
  rd_test_proxy_install ();
  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autofree char *a = g_strdup_printf ("/crm/sim/%s/refusals", versions[i]);
      g_autofree char *b = g_strdup_printf ("/crm/sim/%s/phone-search", versions[i]);
      g_test_add_data_func (a, versions[i], test_refusals);
      g_test_add_data_func (b, versions[i], test_phone_search);
    }
  g_test_add_func ("/crm/sim/json2", test_json2);
  g_test_add_func ("/crm/sim/proxy", test_proxy);
  g_test_add_func ("/crm/sim/pages", test_pages);
  g_test_add_func ("/crm/sim/modules-absent", test_modules_absent);
  g_test_add_func ("/crm/sim/seed", test_seed);
  g_test_add_func ("/crm/sim/bulk", test_bulk);
  g_test_add_func ("/crm/sim/connections-released", test_connections_released);
  return g_test_run ();
}
