/* Pure parts of the Odoo backend: reply parsing and classification, version
 * parsing, lookup domains, match quality and ranking, URLs, call log text. */
#include "config.h"

#include "odoo-reply-check.h"

#include "crm/odoo/rd-odoo-errors.h"
#include "crm/odoo/rd-odoo-features.h"
#include "crm/odoo/rd-odoo-logger.h"
#include "crm/odoo/rd-odoo-lookup.h"
#include "crm/odoo/rd-odoo-records.h"
#include "crm/odoo/rd-odoo-rows.h"
#include "crm/odoo/rd-odoo-json.h"
#include "core/rd-error.h"

static JsonNode *
parse_rpc (const char *body, guint status, GError **error)
{
  return rd_odoo_reply_parse_jsonrpc (body, strlen (body), status, error);
}

static void
test_classification (void)
{
  static const struct { const char *name; RdErrorCode code; } names[] = {
    { "odoo.exceptions.AccessDenied", RD_ERROR_AUTH },
    { "odoo.exceptions.AccessError", RD_ERROR_ACCESS },
    { "odoo.exceptions.UserError", RD_ERROR_BUSINESS },
    { "odoo.exceptions.ValidationError", RD_ERROR_BUSINESS },
    { "odoo.exceptions.RedirectWarning", RD_ERROR_BUSINESS },
    { "odoo.exceptions.MissingError", RD_ERROR_NOT_FOUND },
    { "psycopg2.errors.SerializationFailure", RD_ERROR_SERVER },
    { "builtins.ValueError", RD_ERROR_SERVER },
    { "builtins.TypeError", RD_ERROR_SERVER },
    { "NotAccessDenied", RD_ERROR_SERVER },
    { "werkzeug.exceptions.Unauthorized", RD_ERROR_AUTH },
  };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":200,\"message\":\"Odoo Server Error\","
                                               "\"data\":{\"name\":\"%s\",\"message\":\"boom\\nsecond line\",\"debug\":\"Traceback x\"}}}",
                                               names[i].name);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse_rpc (body, 200, &error);

      g_assert_null (node);
      g_assert_error (error, RD_ERROR, (gint) names[i].code);
      g_assert_nonnull (strstr (error->message, "boom second line"));
      g_assert_null (strstr (error->message, "Traceback"));
    }
}

static void
test_reply_shapes (void)
{
  static const struct { const char *body; guint status; int code; } cases[] = {
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1,2]}", 200, -1 },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", 200, -1 },
    { "{\"jsonrpc\":\"2.0\",\"id\":1}", 200, RD_ERROR_PROTOCOL },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"oops\"}", 200, RD_ERROR_PROTOCOL },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{}}", 200, RD_ERROR_SERVER },
    { "[1,2,3]", 200, RD_ERROR_PROTOCOL },
    { "{\"jsonrpc\": \"2.0\", \"res", 200, RD_ERROR_PROTOCOL },
    { "", 200, RD_ERROR_PROTOCOL },
    { "<html>Bad Gateway</html>", 502, RD_ERROR_SERVER },
    { "<html>Not Found</html>", 404, RD_ERROR_NOT_FOUND },
    { "Too many", 429, RD_ERROR_LIMIT },
    { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
      200, RD_ERROR_PROTOCOL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse_rpc (cases[i].body, cases[i].status, &error);

      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_nonnull (node);
        }
      else
        {
          g_assert_null (node);
          g_assert_error (error, RD_ERROR, (gint) cases[i].code);
        }
    }
  /* invalid UTF-8 and NUL bytes */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = rd_odoo_reply_parse_jsonrpc ("{\"result\":\"\xff\"}", 14, 200, &error);
    g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
    g_assert_null (node);
    g_clear_error (&error);
    node = rd_odoo_reply_parse_jsonrpc ("{\"result\":1}\0xx", 15, 200, &error);
    g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
  }
}

static void
test_json2_statuses (void)
{
  static const struct { guint status; const char *body; RdErrorCode code; } cases[] = {
    { 401, "{\"name\":\"werkzeug.exceptions.Unauthorized\",\"message\":\"Invalid apikey\"}", RD_ERROR_AUTH },
    { 401, "", RD_ERROR_AUTH },
    { 403, "{\"name\":\"odoo.exceptions.AccessError\",\"message\":\"no\"}", RD_ERROR_ACCESS },
    { 403, "{\"name\":\"odoo.exceptions.AccessDenied\",\"message\":\"no\"}", RD_ERROR_AUTH },
    { 404, "{\"name\":\"odoo.exceptions.MissingError\",\"message\":\"gone\"}", RD_ERROR_NOT_FOUND },
    { 404, "{\"name\":\"werkzeug.exceptions.NotFound\",\"message\":\"gone\"}", RD_ERROR_NOT_FOUND },
    { 422, "{\"name\":\"odoo.exceptions.UserError\",\"message\":\"no\"}", RD_ERROR_BUSINESS },
    { 422, "{\"name\":\"werkzeug.exceptions.UnprocessableEntity\",\"message\":\"bad args\"}", RD_ERROR_PROTOCOL },
    { 422, "{}", RD_ERROR_PROTOCOL },
    { 500, "{\"name\":\"builtins.KeyError\",\"message\":\"x\"}", RD_ERROR_SERVER },
    { 503, "<html>", RD_ERROR_SERVER },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = rd_odoo_reply_parse_json2 (cases[i].body, strlen (cases[i].body), cases[i].status, &error);

      g_assert_null (node);
      g_assert_error (error, RD_ERROR, (gint) cases[i].code);
    }
}

static void
test_transport_errors (void)
{
  g_autoptr(GError) t = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Socket I/O timed out");
  g_autoptr(GError) c = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");
  g_autoptr(GError) x = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  g_autoptr(GError) tls = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "bad");
  g_autoptr(GError) a = rd_odoo_error_from_transport (t);
  g_autoptr(GError) b = rd_odoo_error_from_transport (c);
  g_autoptr(GError) d = rd_odoo_error_from_transport (x);
  g_autoptr(GError) e = rd_odoo_error_from_transport (tls);

  g_assert_error (a, RD_ERROR, RD_ERROR_TIMEOUT);
  g_assert_error (b, RD_ERROR, RD_ERROR_NETWORK);
  g_assert_error (d, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (e, RD_ERROR, RD_ERROR_TLS);
}

static RdOdooFeatures *
version (const char *json, GError **error)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return rd_odoo_features_new_from_version (node, error);
}

static void
test_versions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdOdooFeatures) saas = version ("{\"server_version\":\"saas~17.2+e\",\"server_version_info\":[\"saas~17\",2,0,\"final\",0,\"e\"],"
                                            "\"server_serie\":\"saas~17.2\",\"protocol_version\":1}", &error);
  g_autoptr(RdOdooFeatures) v16 = NULL;
  g_autoptr(RdOdooFeatures) v17 = NULL;
  g_autoptr(RdOdooFeatures) v19 = NULL;
  g_autoptr(RdOdooFeatures) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (saas->info->version, ==, "saas~17.2");
  g_assert_cmpuint (saas->info->major, ==, 17);
  g_assert_cmpuint (saas->info->minor, ==, 2);
  g_assert_true (saas->info->enterprise);
  g_assert_true (saas->url_paths);
  g_assert_true (saas->body_is_html);
  g_assert_false (saas->json2);
  g_assert_false (saas->has_access);

  v16 = version ("{\"server_version\":\"16.0+e\",\"server_version_info\":[16,0,0,\"final\",0,\"e\"],\"server_serie\":\"16.0\"}", &error);
  g_assert_no_error (error);
  g_assert_true (v16->info->enterprise);
  g_assert_false (v16->url_paths);
  g_assert_false (v16->body_is_html);

  v17 = version ("{\"server_version\":\"17.0-20240709\",\"server_version_info\":[17,0,0,\"final\",0,\"\"],\"server_serie\":\"17.0\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (v17->info->version, ==, "17.0");
  g_assert_false (v17->info->enterprise);
  g_assert_false (v17->url_paths);

  v19 = version ("{\"version_info\":[19,0,0,\"final\",0,\"\"],\"version\":\"19.0\"}", &error);
  g_assert_no_error (error);
  g_assert_true (v19->json2);
  g_assert_true (v19->has_access);
  g_assert_cmpstr (v19->groups_field, ==, "group_ids");

  bad = version ("{\"server_version\":\"13.0\",\"server_version_info\":[13,0,0,\"final\",0,\"\"]}", &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  bad = version ("{\"server_version\":\"banana\"}", &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
  g_clear_error (&error);
  bad = version ("[17]", &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
}

static char *
domain_text (gboolean mobile, gboolean search, gboolean sanitized, guint major, const char *num)
{
  RdOdooPhoneFields fields = { mobile, search, sanitized };
  g_autoptr(RdPhoneNumber) n = rd_phone_parse (num, -1, "BE", NULL, NULL);
  g_autoptr(JsonArray) domain = rd_odoo_lookup_domain (&fields, major, n);
  g_autoptr(JsonNode) node = NULL;

  if (domain == NULL)
    return NULL;
  node = json_node_init_array (json_node_alloc (), domain);
  return rd_odoo_json_to_string (node);
}

static void
test_domains (void)
{
  g_autofree char *d16 = domain_text (TRUE, TRUE, TRUE, 16, "+32 485 11 22 33");
  g_autofree char *d14 = domain_text (TRUE, TRUE, TRUE, 14, "0485 11 22 33");
  g_autofree char *none = domain_text (TRUE, FALSE, FALSE, 17, "+32 485 11 22 33");
  g_autofree char *none19 = domain_text (FALSE, FALSE, FALSE, 19, "+32 485 11 22 33");
  g_autofree char *withheld = domain_text (TRUE, TRUE, TRUE, 17, "anonymous");

  g_assert_cmpstr (d16, ==, "[[\"phone_mobile_search\",\"ilike\",\"485112233\"]]");
  g_assert_cmpstr (d14, ==, "[\"|\",[\"phone_sanitized\",\"=\",\"+32485112233\"],[\"phone_mobile_search\",\"ilike\",\"485112233\"]]");
  g_assert_cmpstr (none, ==, "[\"|\",[\"phone\",\"=ilike\",\"%8%5%1%1%2%2%3%3\"],[\"mobile\",\"=ilike\",\"%8%5%1%1%2%2%3%3\"]]");
  g_assert_cmpstr (none19, ==, "[[\"phone\",\"=ilike\",\"%8%5%1%1%2%2%3%3\"]]");
  g_assert_null (withheld);
}

static void
test_quality_and_ranking (void)
{
  g_autoptr(RdPhoneNumber) caller = rd_phone_parse ("+32 485 11 22 33", -1, "BE", NULL, NULL);
  char *exact[] = { "0485/11.22.33", NULL };
  char *other[] = { "+32 2 123 45 67", "+32 485 11 22 34", NULL };
  char *invalid_tail[] = { "9485 11 22 33", NULL };
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
  g_autoptr(GHashTable) q = g_hash_table_new (NULL, NULL);
  static const struct { RdCrmKind kind; gint64 id; const char *date; RdOdooMatchQuality q; } rows[] = {
    { RD_CRM_KIND_LEAD, 1, "2025-01-03 00:00:00", RD_ODOO_MATCH_EXACT },
    { RD_CRM_KIND_INDIVIDUAL, 2, "2025-01-01 00:00:00", RD_ODOO_MATCH_TAIL },
    { RD_CRM_KIND_COMPANY, 3, "2025-01-02 00:00:00", RD_ODOO_MATCH_EXACT },
    { RD_CRM_KIND_INDIVIDUAL, 4, "2025-01-01 00:00:00", RD_ODOO_MATCH_EXACT },
    { RD_CRM_KIND_INDIVIDUAL, 5, "2025-01-02 00:00:00", RD_ODOO_MATCH_EXACT },
    { RD_CRM_KIND_INDIVIDUAL, 6, "2025-01-02 00:00:00", RD_ODOO_MATCH_EXACT },
  };
  static const gint64 expected[] = { 6, 5, 4, 3, 1, 2 };

  g_assert_cmpint (rd_odoo_lookup_quality (caller, exact, "BE"), ==, RD_ODOO_MATCH_EXACT);
  g_assert_cmpint (rd_odoo_lookup_quality (caller, exact, NULL), !=, RD_ODOO_MATCH_NONE);
  g_assert_cmpint (rd_odoo_lookup_quality (caller, other, "BE"), ==, RD_ODOO_MATCH_NONE);
  g_assert_cmpint (rd_odoo_lookup_quality (caller, invalid_tail, "BE"), ==, RD_ODOO_MATCH_TAIL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      RdCrmMatch *m = g_new0 (RdCrmMatch, 1);
      m->kind = rows[i].kind;
      m->id = rows[i].id;
      m->write_date = g_strdup (rows[i].date);
      g_hash_table_insert (q, m, GUINT_TO_POINTER (rows[i].q));
      g_ptr_array_add (matches, m);
    }
  rd_odoo_lookup_sort (matches, q);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (((RdCrmMatch *) matches->pdata[i])->id, ==, expected[i]);
}

static void
test_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) rows = json_from_string ("[{\"id\":7,\"display_name\":\"Acme, Jane Doe\",\"name\":\"Jane Doe\",\"is_company\":false,"
                                               "\"parent_id\":[3,\"Acme\"],\"phone\":false,\"mobile\":\" +32 485 \",\"email\":false,"
                                               "\"user_id\":[2,\"Admin\"],\"write_date\":\"2025-01-01 10:00:00\"}]", NULL);
  g_autoptr(GPtrArray) recs = rd_odoo_records_from_reply (rows, &error);
  g_autoptr(RdCrmMatch) m = NULL;
  g_autoptr(JsonNode) bad_rows = json_from_string ("[{\"id\":7,\"name\":42}]", NULL);
  g_autoptr(GPtrArray) bad = NULL;
  g_autoptr(RdCrmMatch) bm = NULL;
  g_autoptr(JsonNode) no_id = json_from_string ("[{\"name\":\"x\"}]", NULL);
  g_autoptr(GPtrArray) none = NULL;

  g_assert_no_error (error);
  m = rd_odoo_match_from_partner (recs->pdata[0], "https://crm.example.com", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->name, ==, "Acme, Jane Doe");
  g_assert_cmpstr (m->company, ==, "Acme");
  g_assert_cmpstr (m->first_name, ==, "Jane");
  g_assert_cmpstr (m->numbers[0], ==, "+32 485");
  g_assert_null (m->numbers[1]);
  g_assert_null (m->email);
  g_assert_cmpint (m->owner_id, ==, 2);
  g_assert_cmpstr (m->url, ==, "https://crm.example.com/web#id=7&model=res.partner&view_type=form");
  g_assert_true (m->has_name);
  {
    /* No name: a display fallback, flagged; a name that looks like the fallback is a name. */
    g_autoptr(JsonNode) unnamed_rows = json_from_string ("[{\"id\":7,\"display_name\":false,\"name\":\" \",\"is_company\":false},"
                                                         "{\"id\":7,\"display_name\":\"Contact 7\",\"name\":\"Contact 7\",\"is_company\":false},"
                                                         "{\"id\":8,\"name\":false,\"contact_name\":\"\",\"partner_name\":false}]", NULL);
    g_autoptr(GPtrArray) unnamed = rd_odoo_records_from_reply (unnamed_rows, &error);
    g_autoptr(RdCrmMatch) u = NULL;
    g_autoptr(RdCrmMatch) named = NULL;
    g_autoptr(RdCrmMatch) lead = NULL;
    g_autoptr(RdCrmMatch) copy = NULL;

    g_assert_no_error (error);
    u = rd_odoo_match_from_partner (unnamed->pdata[0], "https://x", TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (u->name, ==, "Contact 7");
    g_assert_false (u->has_name);
    named = rd_odoo_match_from_partner (unnamed->pdata[1], "https://x", TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (named->name, ==, "Contact 7");
    g_assert_true (named->has_name);
    copy = rd_crm_match_copy (named);
    g_assert_true (copy->has_name);
    lead = rd_odoo_match_from_lead (unnamed->pdata[2], "https://x", TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (lead->name, ==, "Lead 8");
    g_assert_false (lead->has_name);
  }

  bad = rd_odoo_records_from_reply (bad_rows, &error);
  g_assert_no_error (error);
  bm = rd_odoo_match_from_partner (bad->pdata[0], "https://x", TRUE, &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
  g_assert_null (bm);
  g_clear_error (&error);
  none = rd_odoo_records_from_reply (no_id, &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_PROTOCOL);
  g_assert_null (none);
}

/* The fast page reader (rd-odoo-rows.h): what it reads, it reads as the general path does; what
 * it does not know it leaves to the general path. */
static void
test_fast_rows (void)
{
  static const char *accepted[] = {
    "{\"jsonrpc\": \"2.0\", \"id\": 7, \"result\": ["
    " {\"id\": 3, \"complete_name\": \"Acme, Li Lei\", \"is_company\": false, \"commercial_company_name\": \"Acme\","
    "  \"phone\": \"+86 138 0013 8000\", \"mobile\": \"  139\\u00a0\", \"country_id\": 48, \"write_date\": \"2024-01-02 03:04:05\"},"
    " {\"id\": 4, \"complete_name\": false, \"is_company\": true, \"commercial_company_name\": null, \"phone\": \"\","
    "  \"mobile\": false, \"country_id\": [233, \"United States\"], \"write_date\": false, \"active\": false,"
    "  \"extra\": {\"nested\": [1, -2, \"x\", true, null, {}]}},"
    " {\"id\": 9, \"complete_name\": \"\\\"Q\\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9\\u4e2d \u674e\", \"country_id\": false}"
    "], \"error\": null}",
    "[]",
    "{\"result\": [], \"jsonrpc\": \"2.0\"}",
  };
  static const char *refused[] = {
    "{\"jsonrpc\": \"2.0\", \"id\": 1, \"error\": {\"code\": 200, \"message\": \"Odoo Server Error\"}}",
    "{\"jsonrpc\": \"2.0\", \"id\": 1}",
    "{\"result\": [{\"id\": 1, \"complete_name\": \"a\", \"complete_name\": \"b\"}]}",     /* a member twice */
    "{\"result\": [{\"id\": 1, \"complete_name\": \"a\\u0000b\"}]}",                        /* NUL */
    "{\"result\": [{\"id\": 1, \"complete_name\": \"\\ud83d\\ude00\"}]}",                   /* surrogates */
    "{\"result\": [{\"id\": 1.0, \"complete_name\": \"a\"}]}",                              /* not an integer */
    "{\"result\": [{\"id\": 1, \"complete_name\": \"a\", \"x\": 1e5}]}",
    "{\"result\": [{\"id\": 0, \"complete_name\": \"a\"}]}",
    "{\"result\": [{\"id\": 1, \"display_name\": \"a\"}]}",                                 /* not the lean fields */
    "{\"result\": [{\"id\": 1, \"complete_name\": 5}]}",                                    /* wrong type */
    "{\"result\": [{\"id\": 1, \"complete_name\": \"a\", \"is_company\": 1}]}",
    "{\"result\": [{\"id\": 1, \"complete_name\": \"a\"}]} x",                              /* trailing text */
    "{\"result\": [{\"id\": 1, \"complete_name\": \"a\"},]}",
    "{\"result\": [{\"id\": 01, \"complete_name\": \"a\"}]}",
    "{\"result\": [{\"id\": 1, \"complete_name\": \"tab\there\"}]}",                       /* raw control character */
    "{\"result\": [{\"id\": 99999999999999999999, \"complete_name\": \"a\"}]}",
    "{\"result\": [1]}",
    "{\"result\": {}}",
    "{\"result\": [], \"result\": []}",
  };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GString) deep = g_string_new ("{\"result\": [{\"id\": 1, \"complete_name\": \"a\", \"x\": ");
  RdCrmChange *c;

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    g_assert_true (odoo_check_rows (accepted[i], strlen (accepted[i]), accepted[i][0] == '['));
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_test_message ("refused: %s", refused[i]);
      g_assert_false (odoo_check_rows (refused[i], strlen (refused[i]), FALSE));
    }
  /* Not valid UTF-8, nested deeper than the general parser allows, another HTTP status, a kind
   * not asked for. */
  g_assert_false (odoo_check_rows ("{\"result\": [{\"id\": 1, \"complete_name\": \"\xff\"}]}", 47, FALSE));
  for (guint i = 0; i < 70; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 70; i++)
    g_string_append_c (deep, ']');
  g_string_append (deep, "}]}");
  g_assert_false (odoo_check_rows (deep->str, deep->len, FALSE));
  g_assert_null (rd_odoo_rows_read (accepted[0], strlen (accepted[0]), 500, FALSE, RD_CRM_KIND_ALL, ids));
  g_assert_null (rd_odoo_rows_read (accepted[0], strlen (accepted[0]), 200, FALSE, RD_CRM_KIND_COMPANY, ids));
  g_assert_cmpuint (ids->len, ==, 0);

  /* What the first page reads as. */
  page = rd_odoo_rows_read (accepted[0], strlen (accepted[0]), 200, FALSE, RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, ids);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->len, ==, 3);
  c = page->pdata[0];
  g_assert_cmpint (c->id, ==, 3);
  g_assert_cmpint (c->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpstr (c->name, ==, "Acme, Li Lei");
  g_assert_cmpstr (c->company, ==, "Acme");
  g_assert_cmpstr (c->numbers[0], ==, "+86 138 0013 8000");
  g_assert_cmpstr (c->numbers[1], ==, "139\u00a0");   /* only ASCII white space is trimmed */
  g_assert_true (c->active);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, 48);
  c = page->pdata[1];
  g_assert_cmpint (c->kind, ==, RD_CRM_KIND_COMPANY);
  g_assert_cmpstr (c->name, ==, "Contact 4");
  g_assert_null (c->company);
  g_assert_null (c->numbers[0]);
  g_assert_false (c->active);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, 233);
  c = page->pdata[2];
  g_assert_cmpstr (c->name, ==, "\"Q\" \\ / \b\f\n\r\t \u00e9\u4e2d \u674e");
  g_assert_cmpint (g_array_index (ids, gint64, 2), ==, 0);
}

static void
test_urls (void)
{
  g_autofree char *a = rd_odoo_record_url ("https://x.odoo.com", TRUE, "crm.lead", 7);
  g_autofree char *b = rd_odoo_mail_view_url ("https://x.odoo.com", "res.partner", 42);

  g_assert_cmpstr (a, ==, "https://x.odoo.com/odoo/crm.lead/7");
  g_assert_cmpstr (b, ==, "https://x.odoo.com/mail/view?model=res.partner&res_id=42");
}

static void
test_log_text (void)
{
  g_autoptr(RdCrmCallLog) log = rd_crm_call_log_new ();
  g_autofree char *html = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *d1 = rd_odoo_format_duration (45);
  g_autofree char *d2 = rd_odoo_format_duration (3723);

  log->direction = RD_DIRECTION_OUTBOUND;
  log->agent_name = g_strdup ("A<b>\nB");
  log->from_number = g_strdup ("2001");
  log->to_number = g_strdup ("+86 138 0013 8000");
  log->call_key = g_strdup ("uid:1");
  log->start_unix = 0;
  log->talk_seconds = 61;
  log->outcome = RD_OUTCOME_ANSWERED;
  log->timezone = g_strdup ("No/Such_Zone");
  html = rd_odoo_call_log_html (log);
  g_assert_cmpstr (html, ==, "<p>Outbound call from 2001 to +86 138 0013 8000<br>Agent: A&lt;b&gt; B<br>"
                             "Started: 1970-01-01 00:00:00 (UTC)<br>Ringing: 0 s, talking: 1 min 1 s<br>"
                             "Outcome: answered<br>Ringdesk call id: uid:1</p>");
  summary = rd_odoo_call_log_summary (log);
  g_assert_cmpstr (summary, ==, "Outbound call, 1 min 1 s");
  g_assert_cmpstr (d1, ==, "45 s");
  g_assert_cmpstr (d2, ==, "1 h 02 min 03 s");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crm/parse/classification", test_classification);
  g_test_add_func ("/crm/parse/reply-shapes", test_reply_shapes);
  g_test_add_func ("/crm/parse/json2-statuses", test_json2_statuses);
  g_test_add_func ("/crm/parse/transport-errors", test_transport_errors);
  g_test_add_func ("/crm/parse/versions", test_versions);
  g_test_add_func ("/crm/parse/domains", test_domains);
  g_test_add_func ("/crm/parse/quality-ranking", test_quality_and_ranking);
  g_test_add_func ("/crm/parse/records", test_records);
  g_test_add_func ("/crm/parse/fast-rows", test_fast_rows);
  g_test_add_func ("/crm/parse/urls", test_urls);
  g_test_add_func ("/crm/parse/log-text", test_log_text);
  return g_test_run ();
}
