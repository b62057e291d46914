/* Unit tests of the hub's parts that need no network: phone index, bindings and
 * agent keys, secrets, keyfile configuration. */
#include "config.h"

#include "core/rd-error.h"
#include "hub/rd-bindings.h"
#include "hub/rd-hub-config.h"
#include "hub/rd-phone-index.h"
#include "hub/rd-secrets.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static RdCrmChange *
change_new (RdCrmKind kind, gint64 id, const char *name, const char *country, const char *const *numbers,
            const char *write_date)
{
  RdCrmChange *change = g_new0 (RdCrmChange, 1);

  change->kind = kind;
  change->id = id;
  change->active = TRUE;
  change->name = g_strdup (name);
  change->country_code = g_strdup (country);
  change->numbers = g_strdupv ((char **) numbers);
  change->write_date = g_strdup (write_date);
  return change;
}

static RdPhoneNumber *
parse (const char *text, const char *region)
{
  g_autoptr(GError) error = NULL;
  RdPhoneNumber *number = rd_phone_parse (text, -1, region, NULL, &error);

  g_assert_no_error (error);
  return number;
}

static GPtrArray *
lookup (RdPhoneIndex *index, const char *text, const char *region)
{
  g_autoptr(RdPhoneNumber) number = parse (text, region);
  g_autoptr(GError) error = NULL;
  GPtrArray *matches = rd_phone_index_lookup (index, number, &error);

  g_assert_no_error (error);
  return matches;
}

static void
test_phone_index_basics (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdPhoneIndex) index = NULL;
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
  g_autoptr(GPtrArray) matches = NULL;
  g_autofree char *cursor = NULL;
  gint64 after_id = 0;

  g_assert_no_error (error);
  index = rd_phone_index_new (store, &error);
  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");

  /* National numbers take the record's country, else the index region. */
  g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, 7, "Li Lei", NULL,
                                     (const char *[]) { "138 0013 8000", "", "not a number", NULL }, "2024-01-02"));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_COMPANY, 3, "Acme", "FR",
                                     (const char *[]) { "01 42 68 53 00", "+86 138-0013-8000", NULL }, "2024-01-03"));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_LEAD, 9, "Lead <b>X</b>", NULL,
                                     (const char *[]) { "+8613800138000", NULL }, "2024-01-04"));
  /* Bogus kinds and ids are skipped, not fatal. */
  g_ptr_array_add (page, change_new (0, 5, "Nobody", NULL, (const char *[]) { "+8613900000000", NULL }, NULL));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, -1, "Negative", NULL,
                                     (const char *[]) { "+8613900000001", NULL }, NULL));
  g_assert_true (rd_phone_index_apply (index, RD_CRM_KIND_INDIVIDUAL, page, "2024-01-04", 9, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 4);

  /* Best first: individual, company, lead. */
  matches = lookup (index, "+86 138 0013 8000", "US");
  g_assert_cmpuint (matches->len, ==, 3);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->kind, ==, RD_CRM_KIND_INDIVIDUAL);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[0])->name, ==, "Li Lei");
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[1])->kind, ==, RD_CRM_KIND_COMPANY);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[2])->kind, ==, RD_CRM_KIND_LEAD);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[2])->name, ==, "Lead <b>X</b>");
  g_clear_pointer (&matches, g_ptr_array_unref);

  matches = lookup (index, "+33 1 42 68 53 00", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 3);
  g_clear_pointer (&matches, g_ptr_array_unref);

  matches = lookup (index, "+8613900000000", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);

  cursor = rd_phone_index_get_cursor (index, RD_CRM_KIND_INDIVIDUAL, &after_id);
  g_assert_cmpstr (cursor, ==, "2024-01-04");
  g_assert_cmpint (after_id, ==, 9);
  g_clear_pointer (&cursor, g_free);
  g_assert_null (rd_phone_index_get_cursor (index, RD_CRM_KIND_LEAD, NULL));

  /* A change replaces the record's numbers; an archived record leaves. */
  g_ptr_array_set_size (page, 0);
  g_ptr_array_add (page, change_new (RD_CRM_KIND_INDIVIDUAL, 7, "Li Lei", NULL,
                                     (const char *[]) { "+86 139 0000 0000", NULL }, "2024-02-01"));
  g_ptr_array_add (page, change_new (RD_CRM_KIND_LEAD, 9, "Lead", NULL, (const char *[]) { "+8613800138000", NULL }, NULL));
  ((RdCrmChange *) page->pdata[1])->active = FALSE;
  g_assert_true (rd_phone_index_apply (index, RD_CRM_KIND_INDIVIDUAL, page, NULL, 0, &error));
  matches = lookup (index, "+8613800138000", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->kind, ==, RD_CRM_KIND_COMPANY);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = lookup (index, "13900000000", "CN");
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 7);
  g_clear_pointer (&matches, g_ptr_array_unref);
  /* The cursor was not moved by a page without a mark. */
  cursor = rd_phone_index_get_cursor (index, RD_CRM_KIND_INDIVIDUAL, NULL);
  g_assert_cmpstr (cursor, ==, "2024-01-04");

  /* Withheld and internal numbers never match. */
  matches = lookup (index, "anonymous", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);
  matches = lookup (index, "2001", "CN");
  g_assert_cmpuint (matches->len, ==, 0);
  g_clear_pointer (&matches, g_ptr_array_unref);

  g_assert_true (rd_phone_index_clear (index, &error));
  g_assert_cmpuint (rd_phone_index_count_numbers (index), ==, 0);
}

static void
test_phone_index_put_match (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdPhoneIndex) index = rd_phone_index_new (store, &error);
  g_autoptr(GPtrArray) matches = NULL;
  RdCrmMatch match = { 0 };
  char *numbers[] = { (char *) "+1 202-555-0142", (char *) "+44 20 7946 0958", NULL };

  g_assert_no_error (error);
  match.kind = RD_CRM_KIND_LEAD;
  match.id = 42;
  match.name = (char *) "Automatic New Contact - +1 202-555-0142";
  match.numbers = numbers;
  g_assert_true (rd_phone_index_put_match (index, &match, &error));
  g_assert_no_error (error);
  matches = lookup (index, "+442079460958", NULL);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpint (((RdCrmMatch *) matches->pdata[0])->id, ==, 42);
  g_assert_cmpstr (((RdCrmMatch *) matches->pdata[0])->name, ==, match.name);
}

static void
test_bindings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (":memory:", &error);
  g_autoptr(RdBindings) bindings = rd_bindings_new (store, &error);
  g_autoptr(RdBinding) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *key = NULL;
  g_autofree char *key2 = NULL;
  g_autofree char *key3 = NULL;
  RdAgentKey *checked = NULL;
  gint64 id1 = 0, id2 = 0, id3 = 0, replaced = -1;
  RdBinding alice_again = { (char *) "2001", 7, (char *) "Alice", (char *) "alice", NULL, NULL, 0 };
  RdBinding alice = { (char *) "2001", 7, (char *) "Alice", (char *) "alice", (char *) "alice@example.com",
                      (char *) "auto", 0 };
  RdBinding bob = { (char *) "2002", 8, (char *) "Bob", (char *) "bob", NULL, NULL, 0 };

  g_assert_no_error (error);
  g_assert_true (rd_bindings_bind (bindings, &alice, &error));
  g_assert_true (rd_bindings_bind (bindings, &bob, &error));
  g_assert_no_error (error);

  /* One extension per user, one user per extension. */
  alice.extension = (char *) "2002";
  g_assert_false (rd_bindings_bind (bindings, &alice, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  alice.extension = (char *) "2001";
  alice.user_id = 8;
  g_assert_false (rd_bindings_bind (bindings, &alice, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  alice.extension = (char *) "20'01; DROP TABLE hub_binding";
  alice.user_id = 9;
  g_assert_false (rd_bindings_bind (bindings, &alice, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  found = rd_bindings_get_by_user (bindings, 8);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->extension, ==, "2002");
  g_assert_cmpstr (found->how, ==, "manual");
  list = rd_bindings_list (bindings);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (rd_bindings_count (bindings), ==, 2);

  g_assert_true (rd_bindings_unbind (bindings, "2002", &error));
  g_assert_false (rd_bindings_unbind (bindings, "2002", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Keys: random, checked by digest, replaced on reissue, issued to the binding. */
  key = rd_bindings_issue_key (bindings, "2001", &id1, &replaced, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (key, "rdk_"));
  g_assert_cmpuint (strlen (key), >=, 40);
  g_assert_cmpint (replaced, ==, 0);
  checked = rd_bindings_check_key (bindings, "2001", key);
  g_assert_nonnull (checked);
  g_assert_cmpint (checked->id, ==, id1);
  g_assert_cmpint (checked->user_id, ==, 7);
  g_clear_pointer (&checked, rd_agent_key_free);
  g_assert_null (rd_bindings_check_key (bindings, "2002", key));
  g_assert_null (rd_bindings_check_key (bindings, "2001", "rdk_wrong"));
  g_assert_null (rd_bindings_check_key (bindings, "2001", ""));
  key2 = rd_bindings_issue_key (bindings, "2001", &id2, &replaced, &error);
  g_assert_cmpstr (key, !=, key2);
  g_assert_cmpint (replaced, ==, id1);
  g_assert_cmpint (id2, !=, id1);
  g_assert_null (rd_bindings_check_key (bindings, "2001", key));
  checked = rd_bindings_check_key (bindings, "2001", key2);
  g_assert_nonnull (checked);
  g_clear_pointer (&checked, rd_agent_key_free);
  g_assert_null (rd_bindings_issue_key (bindings, "x", NULL, NULL, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* A key of an unbound extension ends when it is bound; unbinding ends a bound one's key. */
  key3 = rd_bindings_issue_key (bindings, "2002", &id3, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (rd_bindings_has_key (bindings, "2002"));
  g_assert_true (rd_bindings_bind (bindings, &bob, &error));
  g_assert_false (rd_bindings_has_key (bindings, "2002"));
  g_assert_null (rd_bindings_check_key (bindings, "2002", key3));
  g_assert_true (rd_bindings_unbind (bindings, "2001", &error));
  g_assert_false (rd_bindings_has_key (bindings, "2001"));
  g_assert_true (rd_bindings_bind (bindings, &alice_again, &error));
  g_assert_null (rd_bindings_check_key (bindings, "2001", key2));
  g_assert_no_error (error);

  g_assert_true (rd_bindings_clear (bindings, &error));
  g_assert_cmpuint (rd_bindings_count (bindings), ==, 0);
}

static void
test_secrets (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("rd-secrets-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "secrets", NULL);
  g_autofree char *creds = g_build_filename (tmp, "creds", NULL);
  g_autofree char *path = g_build_filename (dir, RD_SECRET_CRM_API_KEY, NULL);
  g_autofree char *cred_path = g_build_filename (creds, RD_SECRET_PBX_CLIENT_SECRET, NULL);
  g_autoptr(RdSecrets) secrets = NULL;
  g_autoptr(RdSecrets) memory = rd_secrets_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  struct stat st;

  g_mkdir (creds, 0700);
  g_assert_true (g_file_set_contents (cred_path, "from-systemd\n", -1, NULL));
  secrets = rd_secrets_new (dir, creds);

  g_assert_null (rd_secrets_get (secrets, RD_SECRET_CRM_API_KEY, &error));
  g_assert_no_error (error);
  g_assert_true (rd_secrets_set (secrets, RD_SECRET_CRM_API_KEY, "k3y with spaces", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  value = rd_secrets_get (secrets, RD_SECRET_CRM_API_KEY, &error);
  g_assert_cmpstr (value, ==, "k3y with spaces");
  g_clear_pointer (&value, g_free);

  /* systemd credentials are read when the directory has no such secret. */
  value = rd_secrets_get (secrets, RD_SECRET_PBX_CLIENT_SECRET, &error);
  g_assert_cmpstr (value, ==, "from-systemd");
  g_clear_pointer (&value, g_free);

  /* A file others can read is refused. */
  g_chmod (path, 0644);
  g_assert_null (rd_secrets_get (secrets, RD_SECRET_CRM_API_KEY, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_ACCESS);
  g_clear_error (&error);

  g_assert_true (rd_secrets_set (secrets, RD_SECRET_CRM_API_KEY, NULL, &error));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (rd_secrets_set (memory, "x", "in memory", &error));
  value = rd_secrets_get (memory, "x", &error);
  g_assert_cmpstr (value, ==, "in memory");
  g_clear_pointer (&value, g_free);

  /* Administrator files: first line only; empty refused. */
  g_assert_true (g_file_set_contents (cred_path, "line1\nline2\n", -1, NULL));
  value = rd_secrets_read_file (cred_path, &error);
  g_assert_cmpstr (value, ==, "line1");
  g_clear_pointer (&value, g_free);
  g_assert_true (g_file_set_contents (cred_path, "\n", -1, NULL));
  g_assert_null (rd_secrets_read_file (cred_path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (rd_secrets_read_file ("/nonexistent/secret", &error));
  g_assert_nonnull (error);
}

static void
test_config (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("rd-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "hub.conf", NULL);
  g_autofree char *db = g_build_filename (tmp, "state", "hub.db", NULL);
  g_autoptr(GError) error = NULL;
  RdHubConfig config;

  g_assert_true (g_file_set_contents (path,
                                      "[hub]\nlisten-address=0.0.0.0\nport=8443\ndatabase=state/hub.db\n"
                                      "tls-certificate=/etc/ringdesk/hub.pem\ntls-key=/etc/ringdesk/hub.key\n"
                                      "[engine]\nretry-base=2\nretry-max=30\n", -1, NULL));
  g_assert_true (rd_hub_config_load (&config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config.options.listen_address, ==, "0.0.0.0");
  g_assert_cmpuint (config.options.port, ==, 8443);
  g_assert_cmpstr (config.options.database_path, ==, db);
  g_assert_cmpstr (config.options.tls_key, ==, "/etc/ringdesk/hub.key");
  g_assert_nonnull (config.options.admin_socket);
  g_assert_cmpuint (config.retry_base, ==, 2);
  g_assert_cmpuint (config.retry_max, ==, 30);
  rd_hub_config_clear (&config);

  /* Secrets do not belong in the keyfile. */
  g_assert_true (g_file_set_contents (path, "[crm]\napi-key=hunter2\n", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_null (strstr (error->message, "hunter2"));
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_true (g_file_set_contents (path, "[hub]\nport=99999\n", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_true (g_file_set_contents (path, "[hub]\ntls-certificate=/x.pem\n", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_true (g_file_set_contents (path, "not a keyfile [", -1, NULL));
  g_assert_false (rd_hub_config_load (&config, path, &error));
  g_clear_error (&error);
  rd_hub_config_clear (&config);

  g_assert_false (rd_hub_config_load (&config, "/nonexistent/hub.conf", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  rd_hub_config_clear (&config);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub/phone-index/basics", test_phone_index_basics);
  g_test_add_func ("/hub/phone-index/put-match", test_phone_index_put_match);
  g_test_add_func ("/hub/bindings", test_bindings);
  g_test_add_func ("/hub/secrets", test_secrets);
  g_test_add_func ("/hub/config", test_config);
  return g_test_run ();
}
