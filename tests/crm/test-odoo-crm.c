/* The Odoo backend of RdCrm against the simulator, in every version mode. */
#include "config.h"

#include "crm/rd-crm.h"
#include "core/rd-error.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "crm-test-util.h"

#include <stdio.h>
#include <string.h>

#define ADMIN_KEY "admin-key-0123456789"
#define ALICE_KEY "alice-key-0123456789"
#define BOB_KEY   "bob-key-0123456789"
#define HOSTILE   "<script>alert('x')</script> & \"Bob\" O'Brien \xe2\x80\x8f\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"

typedef struct {
  const char *version;
  RdSimOdoo  *sim;
  RdCrm      *crm;
  gint64      admin, alice, bob, portal, public_user;
  gint64      acme, li_wei, wang_fang, emily, lead;
} Fixture;

static gboolean
at_least (const char *version, guint major, guint minor)
{
  guint ma = 0, mi = 0;

  if (g_str_has_prefix (version, "saas~"))
    version += 5;
  sscanf (version, "%u.%u", &ma, &mi);
  return ma > major || (ma == major && mi >= minor);
}

static RdCrm *
make_crm (Fixture *f, const char *login, const char *key, guint timeout)
{
  RdCrmConfig config = { 0 };
  g_autoptr(GError) error = NULL;
  RdCrm *crm;

  config.url = g_strdup (rd_sim_odoo_get_url (f->sim));
  config.options = rd_options_new ();
  rd_options_set (config.options, "database", rd_sim_odoo_get_database (f->sim));
  config.login = g_strdup (login);
  config.api_key = g_strdup (key);
  config.timeout = timeout;
  crm = rd_crm_new (&config, &error);
  rd_crm_config_clear (&config);
  g_assert_no_error (error);
  return crm;
}

static RdCrmInfo *
connect_crm (RdCrm *crm, GError **error)
{
  GAsyncResult *res = NULL;
  RdCrmInfo *info;

  rd_crm_connect_async (crm, NULL, crm_test_store_result, &res);
  info = rd_crm_connect_finish (crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return info;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmInfo) info = NULL;

  f->version = data;
  f->sim = rd_sim_odoo_new (f->version);
  g_assert_nonnull (f->sim);
  rd_sim_odoo_set_company_country (f->sim, "CN");
  f->admin = rd_sim_odoo_add_user (f->sim, "admin", "Mitchell Admin", "admin@example.com", ADMIN_KEY,
                                   RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_set_user_tz (f->sim, f->admin, "Asia/Shanghai");
  f->alice = rd_sim_odoo_add_user (f->sim, "alice@example.com", "Alice Zhang", "alice@example.com", ALICE_KEY,
                                   RD_CRM_USER_INTERNAL, FALSE);
  f->bob = rd_sim_odoo_add_user (f->sim, "bob@example.com", "Bob Miller", "bob@example.com", BOB_KEY,
                                 RD_CRM_USER_INTERNAL, FALSE);
  f->portal = rd_sim_odoo_add_user (f->sim, "customer@example.net", "Portal Customer", "customer@example.net",
                                    "portal-key-0123456789", RD_CRM_USER_PORTAL, FALSE);
  f->public_user = rd_sim_odoo_add_user (f->sim, "kiosk", "Kiosk", NULL, NULL, RD_CRM_USER_PUBLIC, FALSE);
  f->acme = rd_sim_odoo_add_partner (f->sim, "Acme Shanghai Co., Ltd.", "+86 21 6123 4567", NULL, TRUE, 0, "CN");
  f->li_wei = rd_sim_odoo_add_partner (f->sim, "Li Wei", NULL, "+86 138 0013 8000", FALSE, f->acme, "CN");
  f->wang_fang = rd_sim_odoo_add_partner (f->sim, "Wang Fang", "021 6123 4568", NULL, FALSE, f->acme, NULL);
  f->emily = rd_sim_odoo_add_partner (f->sim, "Emily Johnson", "+1 212-736-3142", NULL, FALSE, 0, "US");
  f->lead = rd_sim_odoo_add_lead (f->sim, "Call from a prospect", "Sun Mei", "Pearl Delta Imports", "+86 137 1234 5678");
  g_assert_true (rd_sim_odoo_start (f->sim, &error));
  g_assert_no_error (error);

  f->crm = make_crm (f, "admin", ADMIN_KEY, 5);
  info = connect_crm (f->crm, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->crm);
  g_clear_object (&f->sim);
}

static RdPhoneNumber *
number (const char *text)
{
  g_autoptr(GError) error = NULL;
  RdPhoneNumber *n = rd_phone_parse (text, -1, "CN", NULL, &error);

  g_assert_no_error (error);
  return n;
}

static GPtrArray *
find (Fixture *f, const char *text, RdCrmKind kinds, GError **error)
{
  g_autoptr(RdPhoneNumber) n = number (text);
  GAsyncResult *res = NULL;
  GPtrArray *out;

  rd_crm_find_by_phone_async (f->crm, n, kinds, NULL, crm_test_store_result, &res);
  out = rd_crm_find_by_phone_finish (f->crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return out;
}

static RdCrmMatch *
match_at (GPtrArray *matches, guint i)
{
  g_assert_cmpuint (matches->len, >, i);
  return matches->pdata[i];
}

/* ---- connect ------------------------------------------------------------ */

static void
test_connect (Fixture *f, gconstpointer data)
{
  const RdCrmInfo *info = rd_crm_get_info (f->crm);
  g_autofree char *expected = g_strdup (f->version);

  g_assert_nonnull (info);
  g_assert_cmpstr (info->version, ==, expected);
  g_assert_cmpuint (info->major, >=, 14);
  g_assert_true (info->has_leads);
  g_assert_true (info->has_phone_search);
  g_assert_cmpint (info->has_mobile, ==, !at_least (f->version, 18, 2));
  g_assert_cmpstr (info->country_code, ==, "CN");
  g_assert_cmpstr (info->timezone, ==, "Asia/Shanghai");
  g_assert_cmpint (info->admin_user_id, ==, f->admin);
  g_assert_false (info->enterprise);
  if (at_least (f->version, 19, 0))
    {
      /* JSON-2 only on 19: the deprecated /jsonrpc is never touched */
      g_assert_cmpuint (rd_sim_odoo_count_requests (f->sim, "jsonrpc"), ==, 0);
      g_assert_cmpuint (rd_sim_odoo_count_requests (f->sim, "json2"), >, 0);
    }
  else
    g_assert_cmpuint (rd_sim_odoo_count_requests (f->sim, "json2"), ==, 1);   /* the /web/version probe */
}

static void
test_wrong_key (Fixture *f, gconstpointer data)
{
  g_autoptr(RdCrm) crm = make_crm (f, "admin", "not-the-key", 5);
  g_autoptr(RdCrm) other = make_crm (f, "alice@example.com", ADMIN_KEY, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmInfo) info = connect_crm (crm, &error);

  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_assert_null (info);
  g_assert_null (strstr (error->message, "not-the-key"));
  g_assert_null (rd_crm_get_info (crm));
  g_clear_error (&error);
  /* a valid key of another user: refused on every transport */
  info = connect_crm (other, &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_assert_null (info);
}

/* ---- lookup ------------------------------------------------------------- */

static void
check_li_wei_first (Fixture *f, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = find (f, text, RD_CRM_KIND_ALL, &error);
  RdCrmMatch *m;

  g_assert_no_error (error);
  m = match_at (matches, 0);
  g_assert_cmpint (m->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpint (m->id, ==, f->li_wei);
  g_assert_cmpstr (m->name, ==, "Acme Shanghai Co., Ltd., Li Wei");
  g_assert_cmpstr (m->company, ==, "Acme Shanghai Co., Ltd.");
  g_assert_cmpstr (m->first_name, ==, "Li");
  g_assert_cmpstr (m->last_name, ==, "Wei");
  g_assert_nonnull (m->numbers);
  g_assert_cmpstr (m->numbers[0], ==, "+86 138 0013 8000");
  g_assert_nonnull (m->write_date);
  g_assert_cmpuint (matches->len, ==, 1);
}

static void
test_lookup_forms (Fixture *f, gconstpointer data)
{
  check_li_wei_first (f, "13800138000");
  check_li_wei_first (f, "+86 138 0013 8000");
  check_li_wei_first (f, "008613800138000");
  check_li_wei_first (f, "tel:+86-138-0013-8000");
}

static void
test_lookup_international (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = find (f, "0012127363142", RD_CRM_KIND_ALL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (match_at (matches, 0)->id, ==, f->emily);
  g_assert_null (match_at (matches, 0)->company);
}

static void
test_lookup_extension_and_children (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = find (f, "+86 21 6123 4567 ext. 12", RD_CRM_KIND_ALL, &error);
  g_autoptr(GPtrArray) only_people = NULL;
  g_autoptr(GPtrArray) national = NULL;

  g_assert_no_error (error);
  /* the company matches exactly; its contacts follow */
  g_assert_cmpuint (matches->len, ==, 3);
  g_assert_cmpint (match_at (matches, 0)->kind, ==, RD_CRM_KIND_COMPANY);
  g_assert_cmpint (match_at (matches, 0)->id, ==, f->acme);
  g_assert_cmpstr (match_at (matches, 0)->company, ==, "Acme Shanghai Co., Ltd.");
  g_assert_cmpint (match_at (matches, 1)->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpint (match_at (matches, 2)->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_true ((match_at (matches, 1)->id == f->li_wei && match_at (matches, 2)->id == f->wang_fang) ||
                 (match_at (matches, 1)->id == f->wang_fang && match_at (matches, 2)->id == f->li_wei));

  /* only individuals asked: the company is used to find its contacts, not returned */
  only_people = find (f, "+862161234567", RD_CRM_KIND_INDIVIDUAL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (only_people->len, ==, 2);
  g_assert_cmpint (match_at (only_people, 0)->kind, ==, RD_CRM_KIND_INDIVIDUAL);

  /* a national number stored without a country: the company's country applies */
  national = find (f, "+86 21 6123 4568", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (match_at (national, 0)->id, ==, f->wang_fang);
  g_assert_cmpuint (national->len, ==, 1);
}

static void
test_lookup_ranking (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 older, newer, company, lead, tail, archived;

  rd_sim_odoo_set_clock (f->sim, now - 3600);
  older = rd_sim_odoo_add_partner (f->sim, "Zhou Min", "137 1234 5678", NULL, FALSE, 0, NULL);
  company = rd_sim_odoo_add_partner (f->sim, "Pearl Delta Imports", "+86-137-1234-5678", NULL, TRUE, 0, "CN");
  rd_sim_odoo_set_clock (f->sim, now - 60);
  newer = rd_sim_odoo_add_partner (f->sim, "Sun Mei", "+86 137 1234 5678", NULL, FALSE, 0, "CN");
  /* a number libphonenumber cannot validate: only the tail matches */
  tail = rd_sim_odoo_add_partner (f->sim, "Old Import", "9137 1234 5678", NULL, FALSE, 0, NULL);
  archived = rd_sim_odoo_add_partner (f->sim, "Gone Away", "+86 137 1234 5678", NULL, FALSE, 0, "CN");
  rd_sim_odoo_archive (f->sim, "res.partner", archived);
  lead = f->lead;
  rd_sim_odoo_set_clock (f->sim, 0);

  matches = find (f, "13712345678", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < matches->len; i++)
    g_assert_cmpint (match_at (matches, i)->id != archived || match_at (matches, i)->kind == RD_CRM_KIND_LEAD, ==, TRUE);
  /* exact individuals (newest first), exact company, exact lead, then the tail match */
  g_assert_cmpuint (matches->len, ==, 5);
  g_assert_cmpint (match_at (matches, 0)->id, ==, newer);
  g_assert_cmpint (match_at (matches, 1)->id, ==, older);
  g_assert_cmpint (match_at (matches, 2)->id, ==, company);
  g_assert_cmpint (match_at (matches, 2)->kind, ==, RD_CRM_KIND_COMPANY);
  g_assert_cmpint (match_at (matches, 3)->id, ==, lead);
  g_assert_cmpint (match_at (matches, 3)->kind, ==, RD_CRM_KIND_LEAD);
  g_assert_cmpstr (match_at (matches, 3)->company, ==, "Pearl Delta Imports");
  g_assert_cmpint (match_at (matches, 4)->id, ==, tail);
}

static void
test_lookup_archived_and_none (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = find (f, "+1 212 736 3142", RD_CRM_KIND_ALL, &error);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) withheld = NULL;
  guint requests;

  g_assert_no_error (error);
  g_assert_cmpuint (before->len, ==, 1);
  rd_sim_odoo_archive (f->sim, "res.partner", f->emily);
  after = find (f, "+1 212 736 3142", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 0);
  /* a contained number is not the same number */
  none = find (f, "+86 138 0013 800", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  /* nothing to look up: no request at all */
  requests = rd_sim_odoo_count_requests (f->sim, "all");
  withheld = find (f, "anonymous", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (withheld->len, ==, 0);
  g_assert_cmpuint (rd_sim_odoo_count_requests (f->sim, "all"), ==, requests);
}

/* ---- create ------------------------------------------------------------- */

static RdCrmMatch *
create (Fixture *f, RdCrmKind kind, const char *name, const char *num, gint64 owner, GError **error)
{
  GAsyncResult *res = NULL;
  RdCrmMatch *m;

  rd_crm_create_record_async (f->crm, kind, name, num, owner, NULL, crm_test_store_result, &res);
  m = rd_crm_create_record_finish (f->crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return m;
}

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmMatch) contact = create (f, RD_CRM_KIND_INDIVIDUAL, "Automatic New Contact - 13900001111",
                                          "13900001111", f->alice, &error);
  g_autoptr(RdCrmMatch) lead = NULL;
  g_autoptr(JsonObject) rec = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(RdCrmMatch) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (contact->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpstr (contact->name, ==, "Automatic New Contact - 13900001111");
  g_assert_cmpstr (contact->numbers[0], ==, "+86 139 0000 1111");
  g_assert_cmpint (contact->owner_id, ==, f->alice);
  rec = rd_sim_odoo_read (f->sim, "res.partner", contact->id);
  g_assert_cmpstr (json_object_get_string_member (rec, "phone"), ==, "+86 139 0000 1111");
  g_assert_false (json_object_get_boolean_member (rec, "is_company"));
  found = find (f, "13900001111", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (match_at (found, 0)->id, ==, contact->id);

  lead = create (f, RD_CRM_KIND_LEAD, "Automatic New Contact - 13900002222", "+8613900002222", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lead->kind, ==, RD_CRM_KIND_LEAD);
  g_assert_cmpint (lead->owner_id, ==, 0);   /* explicitly unassigned */
  g_assert_null (strstr (rd_sim_odoo_last_request (f->sim), "\"type\""));
  g_clear_pointer (&rec, json_object_unref);
  rec = rd_sim_odoo_read (f->sim, "crm.lead", lead->id);
  g_assert_cmpstr (json_object_get_string_member (rec, "type"), ==, "lead");
  g_assert_cmpstr (json_object_get_string_member (rec, "phone"), ==, "+86 139 0000 2222");

  bad = create (f, RD_CRM_KIND_INDIVIDUAL, "   ", "13900001111", 0, &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_null (bad);
}

/* ---- call logs ---------------------------------------------------------- */

static RdCrmCallLog *
call_log (Fixture *f, RdCrmKind kind, gint64 id, const char *key, RdOutcome outcome)
{
  RdCrmCallLog *log = rd_crm_call_log_new ();

  log->kind = kind;
  log->record_id = id;
  log->user_id = f->alice;
  log->agent_name = g_strdup (HOSTILE);
  log->call_key = g_strdup (key);
  log->direction = RD_DIRECTION_INBOUND;
  log->from_number = g_strdup ("+86 138 0013 8000 <b>&amp;</b>");
  log->to_number = g_strdup ("2001");
  log->start_unix = 1747634592;   /* 2025-05-19 06:03:12 UTC */
  log->ring_seconds = 12;
  log->talk_seconds = 133;
  log->outcome = outcome;
  log->timezone = g_strdup ("Asia/Shanghai");
  return log;
}

static gboolean
log_call (RdCrm *crm, RdCrmCallLog *log, gboolean callback, GError **error)
{
  GAsyncResult *res = NULL;
  gboolean ok;

  if (callback)
    rd_crm_schedule_callback_async (crm, log, NULL, crm_test_store_result, &res);
  else
    rd_crm_log_call_async (crm, log, NULL, crm_test_store_result, &res);
  crm_test_wait (&res);
  ok = callback ? rd_crm_schedule_callback_finish (crm, res, error) : rd_crm_log_call_finish (crm, res, error);
  g_object_unref (res);
  return ok;
}

static gboolean
has_log (Fixture *f, RdCrmKind kind, gint64 id, const char *key, GError **error)
{
  GAsyncResult *res = NULL;
  gboolean found = FALSE;

  rd_crm_has_call_log_async (f->crm, kind, id, key, NULL, crm_test_store_result, &res);
  g_assert_true (rd_crm_has_call_log_finish (f->crm, crm_test_wait (&res), &found, error) || *error != NULL);
  g_object_unref (res);
  return found;
}

static void
check_escaped (const char *body)
{
  g_assert_nonnull (strstr (body, "&lt;script&gt;"));
  g_assert_null (strstr (body, "<script"));
  g_assert_null (strstr (body, "<b>"));
  g_assert_null (strstr (body, "&amp;lt;"));              /* not escaped twice */
  g_assert_nonnull (strstr (body, "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"));   /* RTL text kept */
  g_assert_nonnull (strstr (body, "2025-05-19 14:03:12 (Asia/Shanghai)"));
  g_assert_nonnull (strstr (body, "2 min 13 s"));
  g_assert_nonnull (strstr (body, "Inbound call"));
  g_assert_nonnull (strstr (body, "answered"));
}

static void
test_log_activity (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmCallLog) log = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:1650012665.266", RD_OUTCOME_ANSWERED);
  g_autoptr(GPtrArray) bodies = NULL;

  g_assert_false (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:1650012665.266", &error));
  g_assert_no_error (error);
  g_assert_true (log_call (f->crm, log, FALSE, &error));
  g_assert_no_error (error);
  bodies = rd_sim_odoo_messages_for (f->sim, "res.partner", f->li_wei);
  g_assert_cmpuint (bodies->len, ==, 1);
  g_assert_nonnull (strstr (bodies->pdata[0], "Call done"));
  check_escaped (bodies->pdata[0]);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "res.partner", f->li_wei), ==, 0);
  g_assert_true (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:1650012665.266", &error));
  g_assert_no_error (error);
  /* a key that is a prefix of the logged one is a different call */
  g_assert_false (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:1650012665.26", &error));
  g_assert_false (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->wang_fang, "uid:1650012665.266", &error));
  g_assert_no_error (error);
}

static gint64
user_partner (Fixture *f, gint64 user)
{
  g_autoptr(JsonObject) row = rd_sim_odoo_read (f->sim, "res.users", user);

  return json_array_get_int_element (json_object_get_array_member (row, "partner_id"), 0);
}

static gint64
last_author (Fixture *f, const char *model, gint64 id)
{
  g_autoptr(GArray) ids = rd_sim_odoo_message_ids_for (f->sim, model, id);
  g_autoptr(JsonObject) row = NULL;
  JsonNode *author;

  g_assert_cmpuint (ids->len, >, 0);
  row = rd_sim_odoo_read (f->sim, "mail.message", g_array_index (ids, gint64, ids->len - 1));
  author = json_object_get_member (row, "author_id");
  return JSON_NODE_HOLDS_ARRAY (author) ? json_array_get_int_element (json_node_get_array (author), 0) : 0;
}

/* A call log is no task: no e-mail (Odoo would send "… assigned to you" for an activity
 * assigned to someone else), no "originally assigned to", and its author is the bound
 * user's contact where the version lets us set it (≤17). */
static void
test_log_no_mail (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmCallLog) log = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:mail-1", RD_OUTCOME_ANSWERED);
  g_autoptr(GPtrArray) bodies = NULL;
  g_autoptr(RdCrm) crm = make_crm (f, "admin", ADMIN_KEY, 5);
  g_autoptr(RdCrmInfo) info = NULL;
  g_autoptr(RdCrmCallLog) note = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:mail-2", RD_OUTCOME_ANSWERED);
  gint64 alice_partner = user_partner (f, f->alice);
  gboolean author_settable = !at_least (f->version, 18, 0);

  g_assert_cmpuint (rd_sim_odoo_count_mails (f->sim), ==, 0);
  g_assert_true (log_call (f->crm, log, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_sim_odoo_count_mails (f->sim), ==, 0);
  bodies = rd_sim_odoo_messages_for (f->sim, "res.partner", f->li_wei);
  g_assert_cmpuint (bodies->len, ==, 1);
  g_assert_null (strstr (bodies->pdata[0], "originally assigned"));
  if (author_settable)
    g_assert_cmpint (last_author (f, "res.partner", f->li_wei), ==, alice_partner);

  /* the note style */
  note->style = RD_CRM_LOG_NOTE;
  info = connect_crm (crm, &error);
  g_assert_no_error (error);
  g_assert_true (log_call (crm, note, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_sim_odoo_count_mails (f->sim), ==, 0);
  if (author_settable)
    g_assert_cmpint (last_author (f, "res.partner", f->li_wei), ==, alice_partner);
}

static void
test_log_unfinished (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmCallLog) warm = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:warm-1", RD_OUTCOME_ANSWERED);
  g_autoptr(RdCrmCallLog) log = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:half-2", RD_OUTCOME_ANSWERED);
  g_autoptr(GPtrArray) bodies = NULL;

  g_assert_true (log_call (f->crm, warm, FALSE, &error));   /* ids cached: create, then feedback */
  g_assert_no_error (error);
  /* The activity is created, marking it done fails uncertainly: it stays open. */
  rd_sim_odoo_fail_next (f->sim, "none", 1);
  rd_sim_odoo_fail_next (f->sim, "500", 1);
  g_assert_false (log_call (f->crm, log, FALSE, &error));
  g_assert_true (rd_error_is_uncertain (error));
  g_clear_error (&error);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "res.partner", f->li_wei), ==, 1);

  /* The check before re-posting: not logged, and the half-written activity goes. */
  g_assert_false (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:half-2", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "res.partner", f->li_wei), ==, 0);
  g_assert_true (log_call (f->crm, log, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:half-2", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "res.partner", f->li_wei), ==, 0);
  bodies = rd_sim_odoo_messages_for (f->sim, "res.partner", f->li_wei);
  g_assert_cmpuint (bodies->len, ==, 2);
}

static void
test_log_note (Fixture *f, gconstpointer data)
{
  g_autoptr(RdCrm) crm = make_crm (f, "admin", ADMIN_KEY, 5);
  g_autoptr(RdCrmInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmCallLog) log = call_log (f, RD_CRM_KIND_LEAD, f->lead, "call:1650012665.300 & <x>", RD_OUTCOME_ANSWERED);
  g_autoptr(GPtrArray) bodies = NULL;
  g_autoptr(RdCrm) keep = NULL;

  log->style = RD_CRM_LOG_NOTE;
  info = connect_crm (crm, &error);
  g_assert_no_error (error);
  g_assert_true (log_call (crm, log, FALSE, &error));
  g_assert_no_error (error);
  bodies = rd_sim_odoo_messages_for (f->sim, "crm.lead", f->lead);
  g_assert_cmpuint (bodies->len, ==, 1);
  g_assert_true (g_str_has_prefix (bodies->pdata[0], "<p>"));
  check_escaped (bodies->pdata[0]);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "crm.lead", f->lead), ==, 0);
  keep = g_steal_pointer (&f->crm);
  f->crm = g_object_ref (crm);
  g_assert_true (has_log (f, RD_CRM_KIND_LEAD, f->lead, "call:1650012665.300 & <x>", &error));
  g_assert_no_error (error);
  g_clear_object (&f->crm);
  f->crm = g_steal_pointer (&keep);
}

static void
test_missed_call_callback (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmCallLog) log = call_log (f, RD_CRM_KIND_COMPANY, f->acme, "uid:missed-1", RD_OUTCOME_NO_ANSWER);
  g_autoptr(GArray) open = NULL;
  g_autoptr(JsonObject) act = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  JsonArray *user;

  log->user_id = f->bob;
  g_assert_true (log_call (f->crm, log, TRUE, &error));
  g_assert_no_error (error);
  open = rd_sim_odoo_open_activities (f->sim, "res.partner", f->acme);
  g_assert_cmpuint (open->len, ==, 1);
  act = rd_sim_odoo_read (f->sim, "mail.activity", g_array_index (open, gint64, 0));
  user = json_object_get_array_member (act, "user_id");
  g_assert_cmpint (json_array_get_int_element (user, 0), ==, f->bob);
  g_assert_cmpstr (json_object_get_string_member (act, "date_deadline"), ==, today);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (act, "activity_type_id"), 1), ==, "Call");
  g_assert_cmpstr (json_object_get_string_member (act, "summary"), ==, "Call back +86 138 0013 8000 <b>&amp;</b>");
  check_escaped (json_object_get_string_member (act, "note"));
  /* a call-back is a task for Bob: Odoo tells him, as it tells any assignee */
  g_assert_cmpuint (rd_sim_odoo_count_mails (f->sim), ==, 1);
}

static gboolean
has_callback (Fixture *f, RdCrmKind kind, gint64 id, const char *key, GError **error)
{
  GAsyncResult *res = NULL;
  gboolean found = FALSE;

  rd_crm_has_callback_async (f->crm, kind, id, key, NULL, crm_test_store_result, &res);
  g_assert_true (rd_crm_has_callback_finish (f->crm, crm_test_wait (&res), &found, error) || *error != NULL);
  g_object_unref (res);
  return found;
}

static void
test_has_callback (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmCallLog) first = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-7", RD_OUTCOME_NO_ANSWER);
  g_autoptr(RdCrmCallLog) second = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-8", RD_OUTCOME_BUSY);
  g_autoptr(RdCrmCallLog) on_lead = call_log (f, RD_CRM_KIND_LEAD, f->lead, "call:cb-9 & <x>", RD_OUTCOME_NO_ANSWER);
  g_autoptr(GArray) open = NULL;
  g_autoptr(GArray) lead_open = NULL;

  g_assert_false (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-7", &error));
  g_assert_no_error (error);
  /* The call's log is not its call-back. */
  g_assert_true (log_call (f->crm, first, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-7", &error));
  g_assert_no_error (error);

  g_assert_true (log_call (f->crm, first, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (log_call (f->crm, second, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-7", &error));
  g_assert_no_error (error);
  /* Other keys (a prefix, a longer one) and other records are other call-backs. */
  g_assert_false (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-", &error));
  g_assert_false (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-77", &error));
  g_assert_false (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->wang_fang, "uid:cb-7", &error));
  g_assert_false (has_callback (f, RD_CRM_KIND_LEAD, f->lead, "uid:cb-7", &error));
  g_assert_no_error (error);

  /* Done by the agent: deleted (≤16, or a type that keeps no done activities)
   * or archived (19) — found either way. */
  open = rd_sim_odoo_open_activities (f->sim, "res.partner", f->li_wei);
  g_assert_cmpuint (open->len, ==, 2);
  for (guint i = 0; i < open->len; i++)
    g_assert_true (rd_sim_odoo_activity_done (f->sim, g_array_index (open, gint64, i), "Called back"));
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "res.partner", f->li_wei), ==, 0);
  g_assert_true (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-7", &error));
  g_assert_true (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-8", &error));
  g_assert_no_error (error);
  /* …and a done call-back (its note is quoted in the chatter) is not a call log. */
  g_assert_false (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-8", &error));
  g_assert_true (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:cb-7", &error));
  g_assert_no_error (error);

  /* Archived without a chatter message (17+ has archived activities). */
  g_assert_true (log_call (f->crm, on_lead, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (has_callback (f, RD_CRM_KIND_LEAD, f->lead, "call:cb-9 & <x>", &error));
  g_assert_false (has_callback (f, RD_CRM_KIND_LEAD, f->lead, "call:cb-9 & <x>y", &error));
  g_assert_no_error (error);
  if (at_least (f->version, 17, 0))
    {
      lead_open = rd_sim_odoo_open_activities (f->sim, "crm.lead", f->lead);
      g_assert_cmpuint (lead_open->len, ==, 1);
      rd_sim_odoo_archive (f->sim, "mail.activity", g_array_index (lead_open, gint64, 0));
      g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "crm.lead", f->lead), ==, 0);
      g_assert_true (has_callback (f, RD_CRM_KIND_LEAD, f->lead, "call:cb-9 & <x>", &error));
      g_assert_no_error (error);
    }

  /* Bad input is refused, not searched for. */
  g_assert_false (has_callback (f, RD_CRM_KIND_ALL, f->li_wei, "uid:cb-7", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (has_callback (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* ---- users, sign-in ----------------------------------------------------- */

static void
test_users (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *res = NULL;
  g_autoptr(GPtrArray) users = NULL;
  guint seen = 0;

  rd_crm_list_users_async (f->crm, NULL, crm_test_store_result, &res);
  users = rd_crm_list_users_finish (f->crm, crm_test_wait (&res), &error);
  g_object_unref (res);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 5);   /* OdooBot and the built-in public user are archived */
  for (guint i = 0; i < users->len; i++)
    {
      RdCrmUser *u = users->pdata[i];

      g_assert_cmpstr (u->login, !=, "__system__");
      if (u->id == f->alice)
        {
          g_assert_cmpint (u->type, ==, RD_CRM_USER_INTERNAL);
          g_assert_cmpstr (u->email, ==, "alice@example.com");
          g_assert_cmpstr (u->name, ==, "Alice Zhang");
          g_assert_cmpint (u->partner_id, >, 0);
          g_assert_false (u->is_admin);
          seen |= 1;
        }
      else if (u->id == f->portal)
        {
          g_assert_cmpint (u->type, ==, RD_CRM_USER_PORTAL);
          g_assert_false (u->is_admin);
          seen |= 2;
        }
      else if (u->id == f->admin)
        {
          /* The settings group, through the groups field of this version (groups_id / group_ids). */
          g_assert_true (u->is_admin);
          seen |= 8;
        }
      else if (u->id == f->public_user)
        {
          g_assert_cmpint (u->type, ==, RD_CRM_USER_PUBLIC);
          seen |= 4;
        }
    }
  g_assert_cmpuint (seen, ==, 15);
}

static gint64
sign_in (Fixture *f, const char *login, const char *key, GError **error)
{
  GAsyncResult *res = NULL;
  gint64 uid;

  rd_crm_authenticate_user_async (f->crm, login, key, NULL, crm_test_store_result, &res);
  uid = rd_crm_authenticate_user_finish (f->crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return uid;
}

static void
test_authenticate_user (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sign_in (f, "alice@example.com", ALICE_KEY, &error), ==, f->alice);
  g_assert_no_error (error);
  g_assert_cmpint (sign_in (f, "alice@example.com", BOB_KEY, &error), ==, 0);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_cmpint (sign_in (f, "alice@example.com", "", &error), ==, 0);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
  g_clear_error (&error);
  rd_sim_odoo_revoke_key (f->sim, ALICE_KEY);
  g_assert_cmpint (sign_in (f, "alice@example.com", ALICE_KEY, &error), ==, 0);
  g_assert_error (error, RD_ERROR, RD_ERROR_AUTH);
}

/* ---- enumeration for the phone index ---------------------------------------- */

static RdCrmChangePage *
records (Fixture *f, const RdCrmRecordQuery *q, GError **error)
{
  GAsyncResult *res = NULL;
  RdCrmChangePage *page;

  rd_crm_list_records_async (f->crm, q, NULL, crm_test_store_result, &res);
  page = rd_crm_list_records_finish (f->crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return page;
}

static GArray *
ids (Fixture *f, RdCrmKind kinds, gint64 first, gint64 end, GError **error)
{
  GAsyncResult *res = NULL;
  GArray *out;

  rd_crm_list_ids_async (f->crm, kinds, first, end, NULL, crm_test_store_result, &res);
  out = rd_crm_list_ids_finish (f->crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return out;
}

static RdCrmIdBounds *
bounds (Fixture *f, RdCrmKind kinds, GError **error)
{
  GAsyncResult *res = NULL;
  RdCrmIdBounds *out;

  rd_crm_get_id_bounds_async (f->crm, kinds, NULL, crm_test_store_result, &res);
  out = rd_crm_get_id_bounds_finish (f->crm, crm_test_wait (&res), error);
  g_object_unref (res);
  return out;
}

static RdCrmChange *
change_with_id (RdCrmChangePage *page, gint64 id)
{
  for (guint i = 0; i < page->changes->len; i++)
    if (((RdCrmChange *) page->changes->pdata[i])->id == id)
      return page->changes->pdata[i];
  return NULL;
}

static void
assert_ascending (RdCrmChangePage *page)
{
  for (guint i = 1; i < page->changes->len; i++)
    g_assert_cmpint (((RdCrmChange *) page->changes->pdata[i - 1])->id, <,
                     ((RdCrmChange *) page->changes->pdata[i])->id);
}

#define CONTACTS (RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY)

static void
test_enum_records (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const RdCrmInfo *info = rd_crm_get_info (f->crm);
  gint64 t = 1893456000;   /* 2030-01-01 */
  RdCrmRecordQuery q = { .kinds = CONTACTS, .first_id = f->acme, .end_id = f->emily + 1 };
  g_autoptr(RdCrmChangePage) page = NULL;
  g_autoptr(RdCrmIdBounds) b = NULL;
  RdCrmChange *c;
  gint64 fresh;

  /* Partners share one id space (individuals and companies); leads have their own. */
  g_assert_cmpint (info->id_spaces[0], ==, CONTACTS);
  g_assert_cmpint (info->id_spaces[1], ==, RD_CRM_KIND_LEAD);
  g_assert_cmpint (info->id_spaces[2], ==, RD_CRM_KIND_NONE);

  /* The highest id, archived records included; a mark of the server's clock less a margin. */
  rd_sim_odoo_set_clock (f->sim, t);
  rd_sim_odoo_archive (f->sim, "res.partner", f->emily);
  b = bounds (f, CONTACTS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->max_id, ==, f->emily);
  g_assert_cmpstr (b->mark, ==, "2029-12-31 23:59:00");

  /* A range: active records only, by id, every field the index needs. */
  page = records (f, &q, &error);
  g_assert_no_error (error);
  assert_ascending (page);
  g_assert_cmpuint (page->changes->len, ==, 3);
  g_assert_null (change_with_id (page, f->emily));   /* archived */
  g_assert_false (page->more);
  g_assert_cmpstr (page->next_mark, ==, "2029-12-31 23:59:00");
  c = change_with_id (page, f->acme);
  g_assert_cmpint (c->kind, ==, RD_CRM_KIND_COMPANY);
  g_assert_cmpstr (c->name, ==, "Acme Shanghai Co., Ltd.");
  g_assert_cmpstr (c->company, ==, "Acme Shanghai Co., Ltd.");
  g_assert_cmpstr (c->numbers[0], ==, "+86 21 6123 4567");
  g_assert_cmpstr (c->country_code, ==, "CN");
  g_assert_true (c->active);
  g_assert_nonnull (c->write_date);
  c = change_with_id (page, f->li_wei);
  g_assert_cmpint (c->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpstr (c->name, ==, "Acme Shanghai Co., Ltd., Li Wei");
  g_assert_cmpstr (c->company, ==, "Acme Shanghai Co., Ltd.");
  if (info->has_mobile)
    g_assert_cmpstr (c->numbers[0], ==, "+86 138 0013 8000");
  c = change_with_id (page, f->wang_fang);
  g_assert_cmpstr (c->numbers[0], ==, "021 6123 4568");
  /* Created under Acme without a country of her own: she has the company's (as in Odoo 17). */
  g_assert_cmpstr (c->country_code, ==, "CN");
  g_clear_pointer (&page, rd_crm_change_page_free);

  /* One kind of the space only. */
  q.kinds = RD_CRM_KIND_COMPANY;
  page = records (f, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->changes->len, ==, 1);
  g_assert_cmpint (((RdCrmChange *) page->changes->pdata[0])->id, ==, f->acme);
  g_clear_pointer (&page, rd_crm_change_page_free);
  /* From 16, stored names and many2one as bare ids (no name computed per record); the countries
   * were read once, so this was the last request. */
  if (at_least (f->version, 16, 0))
    {
      g_assert_nonnull (strstr (rd_sim_odoo_last_request (f->sim), "\"load\":\"\""));
      g_assert_null (strstr (rd_sim_odoo_last_request (f->sim), "display_name"));
    }
  else
    g_assert_null (strstr (rd_sim_odoo_last_request (f->sim), "\"load\""));
  q.kinds = RD_CRM_KIND_LEAD;
  q.first_id = 1;
  q.end_id = 0;
  page = records (f, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->changes->len, ==, 1);
  c = page->changes->pdata[0];
  g_assert_cmpint (c->kind, ==, RD_CRM_KIND_LEAD);
  g_assert_cmpstr (c->company, ==, "Pearl Delta Imports");
  g_clear_pointer (&page, rd_crm_change_page_free);

  /* A limit cuts the answer short and says where to go on. */
  q = (RdCrmRecordQuery) { .kinds = CONTACTS, .first_id = f->acme, .end_id = f->emily + 1, .limit = 2 };
  page = records (f, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->changes->len, ==, 2);
  g_assert_true (page->more);
  g_assert_cmpint (page->next_after_id, ==, ((RdCrmChange *) page->changes->pdata[1])->id);
  g_clear_pointer (&page, rd_crm_change_page_free);

  /* Written after a mark, inside the range; plus whatever is newer than an id. */
  rd_sim_odoo_set_clock (f->sim, t + 600);
  rd_sim_odoo_set_phone (f->sim, "res.partner", f->wang_fang, "021 6123 9999");
  fresh = rd_sim_odoo_add_partner (f->sim, "New Person", "+86 139 1111 2222", NULL, FALSE, 0, NULL);
  q = (RdCrmRecordQuery) { .kinds = CONTACTS, .first_id = f->acme, .end_id = f->emily + 1, .since = b->mark };
  page = records (f, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->changes->len, ==, 1);
  g_assert_cmpint (((RdCrmChange *) page->changes->pdata[0])->id, ==, f->wang_fang);
  g_clear_pointer (&page, rd_crm_change_page_free);
  q.newer_than = f->emily;
  page = records (f, &q, &error);
  g_assert_no_error (error);
  assert_ascending (page);
  g_assert_cmpuint (page->changes->len, ==, 2);
  g_assert_nonnull (change_with_id (page, f->wang_fang));
  g_assert_nonnull (change_with_id (page, fresh));
  g_clear_pointer (&page, rd_crm_change_page_free);
  /* New records only: an empty range. */
  q = (RdCrmRecordQuery) { .kinds = CONTACTS, .first_id = 1, .end_id = 1, .newer_than = f->emily };
  page = records (f, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->changes->len, ==, 1);
  g_assert_cmpint (((RdCrmChange *) page->changes->pdata[0])->id, ==, fresh);
  g_clear_pointer (&page, rd_crm_change_page_free);

  /* Both spaces at once, or a mark that is not a stamp, are refused. */
  q = (RdCrmRecordQuery) { .kinds = RD_CRM_KIND_ALL, .first_id = 1 };
  page = records (f, &q, &error);
  g_assert_null (page);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  q = (RdCrmRecordQuery) { .kinds = CONTACTS, .first_id = 1, .since = "yesterday" };
  page = records (f, &q, &error);
  g_assert_null (page);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* Ids only, ascending: what is missing was deleted or archived. */
static void
test_enum_ids (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) range = NULL;
  g_autoptr(GArray) leads = NULL;
  gboolean has_li = FALSE, has_wang = FALSE, has_emily = FALSE;

  rd_sim_odoo_archive (f->sim, "res.partner", f->li_wei);
  rd_sim_odoo_delete (f->sim, "res.partner", f->wang_fang);
  all = ids (f, CONTACTS, 1, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      gint64 id = g_array_index (all, gint64, i);

      if (i > 0)
        g_assert_cmpint (g_array_index (all, gint64, i - 1), <, id);
      has_li |= id == f->li_wei;
      has_wang |= id == f->wang_fang;
      has_emily |= id == f->emily;
    }
  g_assert_false (has_li);
  g_assert_false (has_wang);
  g_assert_true (has_emily);

  range = ids (f, CONTACTS, f->acme, f->emily, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (range->len, ==, 1);
  g_assert_cmpint (g_array_index (range, gint64, 0), ==, f->acme);
  g_assert_cmpuint (rd_sim_odoo_count_calls (f->sim, "res.partner", "search"), ==, 2);   /* ids only */

  leads = ids (f, RD_CRM_KIND_LEAD, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (leads->len, ==, 1);
  g_assert_cmpint (g_array_index (leads, gint64, 0), ==, f->lead);
}

/* ---- URLs --------------------------------------------------------------- */

static void
test_urls (Fixture *f, gconstpointer data)
{
  g_autofree char *partner = rd_crm_record_url (f->crm, RD_CRM_KIND_INDIVIDUAL, 42);
  g_autofree char *lead = rd_crm_record_url (f->crm, RD_CRM_KIND_LEAD, 7);
  g_autofree char *expected_partner = NULL;
  g_autofree char *expected_lead = NULL;
  const char *base = rd_sim_odoo_get_url (f->sim);

  if (at_least (f->version, 17, 2))
    {
      expected_partner = g_strdup_printf ("%s/odoo/res.partner/42", base);
      expected_lead = g_strdup_printf ("%s/odoo/crm.lead/7", base);
    }
  else
    {
      expected_partner = g_strdup_printf ("%s/web#id=42&model=res.partner&view_type=form", base);
      expected_lead = g_strdup_printf ("%s/web#id=7&model=crm.lead&view_type=form", base);
    }
  g_assert_cmpstr (partner, ==, expected_partner);
  g_assert_cmpstr (lead, ==, expected_lead);
  g_assert_null (rd_crm_record_url (f->crm, RD_CRM_KIND_ALL, 7));
}

/* ---- misbehaviour ------------------------------------------------------- */

static void
expect_lookup_error (Fixture *f, RdErrorCode code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = find (f, "13800138000", RD_CRM_KIND_ALL, &error);

  g_assert_null (matches);
  g_assert_error (error, RD_ERROR, (gint) code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (strstr (error->message, ADMIN_KEY));
  g_assert_null (strstr (error->message, "Traceback"));
}

static void
test_misbehaviour (Fixture *f, gconstpointer data)
{
  static const struct { const char *kind; RdErrorCode code; } cases[] = {
    { "500", RD_ERROR_SERVER }, { "503", RD_ERROR_SERVER }, { "malformed", RD_ERROR_PROTOCOL },
    { "access-denied", RD_ERROR_AUTH }, { "access-error", RD_ERROR_ACCESS }, { "user-error", RD_ERROR_BUSINESS },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ok = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      rd_sim_odoo_fail_next (f->sim, cases[i].kind, 1);
      expect_lookup_error (f, cases[i].code);
    }
  /* a failed activity write leaves no open activity behind */
  {
    g_autoptr(RdCrmCallLog) log = call_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:fail-1", RD_OUTCOME_ANSWERED);

    g_assert_true (log_call (f->crm, log, FALSE, &error));   /* warms the id caches */
    g_assert_no_error (error);
    g_free (log->call_key);
    log->call_key = g_strdup ("uid:fail-2");
    /* the caches are warm: request 1 creates the activity, request 2 (action_feedback) fails */
    rd_sim_odoo_fail_next (f->sim, "none", 1);
    rd_sim_odoo_fail_next (f->sim, "user-error", 1);
    g_assert_false (log_call (f->crm, log, FALSE, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_BUSINESS);
    g_clear_error (&error);
    g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sim, "res.partner", f->li_wei), ==, 0);
    g_assert_false (has_log (f, RD_CRM_KIND_INDIVIDUAL, f->li_wei, "uid:fail-2", &error));
    g_assert_no_error (error);
  }
  /* slow but in time */
  rd_sim_odoo_set_delay (f->sim, 200);
  ok = find (f, "13800138000", RD_CRM_KIND_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ok->len, ==, 1);
  rd_sim_odoo_set_delay (f->sim, 0);
  /* down */
  rd_sim_odoo_set_down (f->sim, TRUE);
  expect_lookup_error (f, RD_ERROR_NETWORK);
  rd_sim_odoo_set_down (f->sim, FALSE);
  /* revoked admin key mid-session */
  rd_sim_odoo_revoke_key (f->sim, ADMIN_KEY);
  expect_lookup_error (f, RD_ERROR_AUTH);
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(RdCrm) slow = make_crm (f, "admin", ADMIN_KEY, 1);
  g_autoptr(RdCrmInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  rd_sim_odoo_fail_next (f->sim, "timeout", 1);
  info = connect_crm (slow, &error);
  g_assert_error (error, RD_ERROR, RD_ERROR_TIMEOUT);
  g_assert_true (rd_error_is_uncertain (error));
  g_assert_null (info);
}

/* The registry: the default backend and its own options, checked before anything is built;
 * a backend added at run time (as a second CRM would be) is reached through rd_crm_new(). */
static const RdOptionSpec fake_options[] = {
  { "tenant", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "tenant", NULL },
  { NULL },
};

static guint fake_built;

static RdCrm *
fake_new (const RdCrmConfig *config, GError **error)
{
  g_assert_cmpstr (rd_options_get (config->options, "tenant"), ==, "acme");
  fake_built++;
  g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "fake backend reached");
  return NULL;
}

static const RdCrmBackend fake_backend = { "fake-crm", "Fake CRM", fake_options, fake_new };

static void
test_registry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdOptions) options = rd_options_new ();
  RdCrmConfig config = { .url = (char *) "https://crm.example.com", .login = (char *) "admin",
                         .api_key = (char *) "k", .options = options };
  const RdCrmBackend *backend = rd_crm_find_backend (NULL, &error);
  g_autoptr(RdCrm) crm = NULL;

  g_assert_no_error (error);
  g_assert_true (rd_crm_find_backend ("odoo", NULL) == backend);   /* the default */
  g_assert_true (rd_option_spec_find (backend->options, "database")->flags & RD_OPTION_REQUIRED);

  /* the default backend's own options */
  g_assert_null (rd_crm_new (&config, &error));                   /* no database */
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "database"));
  g_clear_error (&error);
  rd_options_set (options, "database", "ringdesk");
  rd_options_set (options, "client-id", "x");                     /* another backend's option */
  g_assert_null (rd_crm_new (&config, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "client-id"));
  g_clear_error (&error);
  rd_options_set (options, "client-id", NULL);
  crm = rd_crm_new (&config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (crm);

  /* a kind nobody registered, then a backend added at run time */
  config.kind = (char *) "fake-crm";
  g_assert_null (rd_crm_new (&config, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  rd_crm_register_backend (&fake_backend);
  g_assert_true (rd_crm_find_backend ("fake-crm", NULL) == &fake_backend);
  g_assert_null (rd_crm_new (&config, &error));                   /* the Odoo options are not its own */
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_clear_pointer (&config.options, rd_options_unref);
  options = NULL;
  config.options = rd_options_new ();
  rd_options_set (config.options, "tenant", "acme");
  g_assert_null (rd_crm_new (&config, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  g_assert_cmpuint (fake_built, ==, 1);
  rd_options_unref (config.options);
}

int
main (int argc, char **argv)
{
  static const char * const versions[] = { "14.0", "15.0", "16.0", "17.0", "saas~17.2", "18.0", "saas~18.2", "19.0" };
  static const struct { const char *name; void (*fn) (Fixture *, gconstpointer); } tests[] = {
    { "connect", test_connect },
    { "wrong-key", test_wrong_key },
    { "lookup-forms", test_lookup_forms },
    { "lookup-international", test_lookup_international },
    { "lookup-extension-children", test_lookup_extension_and_children },
    { "lookup-ranking", test_lookup_ranking },
    { "lookup-archived-none", test_lookup_archived_and_none },
    { "create", test_create },
    { "log-activity", test_log_activity },
    { "log-no-mail", test_log_no_mail },
    { "log-note", test_log_note },
    { "log-unfinished", test_log_unfinished },
    { "missed-call", test_missed_call_callback },
    { "has-callback", test_has_callback },
    { "users", test_users },
    { "authenticate-user", test_authenticate_user },
    { "enum-records", test_enum_records },
    { "enum-ids", test_enum_ids },
    { "urls", test_urls },
    { "misbehaviour", test_misbehaviour },
    { "timeout", test_timeout },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crm/registry", test_registry);
  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        g_autofree char *path = g_strdup_printf ("/crm/odoo/%s/%s", versions[v], tests[t].name);
        g_test_add (path, Fixture, versions[v], fixture_setup, tests[t].fn, fixture_teardown);
      }
  return g_test_run ();
}
