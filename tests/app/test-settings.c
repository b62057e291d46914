/* Settings that leave the process: the keyring (SECRET_BACKEND=file), the autostart
 * entry, and the GSettings schema defaults the rest of the app relies on. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "rd-autostart.h"
#include "rd-keyring.h"
#include "rd-test-util.h"

static void
on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (res);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
test_keyring_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *res = NULL;
  char *secret;
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;

  rd_keyring_store_async (RD_KEYRING_AGENT_KEY, "2001", "rdk_secret_value_1", NULL, on_done, &res);
  g_assert_true (rd_keyring_store_finish (wait_result (&res), &error));
  g_assert_no_error (error);
  g_clear_object (&res);

  rd_keyring_store_async (RD_KEYRING_CRM_KEY, "alice@example.com", "crm-key-2", NULL, on_done, &res);
  g_assert_true (rd_keyring_store_finish (wait_result (&res), &error));
  g_clear_object (&res);

  rd_keyring_lookup_async (RD_KEYRING_AGENT_KEY, "2001", NULL, on_done, &res);
  secret = rd_keyring_lookup_finish (wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "rdk_secret_value_1");
  rd_keyring_free (secret);
  g_clear_object (&res);

  /* Kind and account both select: no cross-talk. */
  rd_keyring_lookup_async (RD_KEYRING_CRM_KEY, "2001", NULL, on_done, &res);
  secret = rd_keyring_lookup_finish (wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_null (secret);
  g_clear_object (&res);

  /* The keyring file is encrypted: the secret is not in it as text. */
  file = g_strdup (g_getenv ("SECRET_FILE_TEST_PATH"));
  g_assert_nonnull (file);
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_null (g_strstr_len (contents, -1, "rdk_secret_value_1"));

  rd_keyring_clear_async (RD_KEYRING_AGENT_KEY, "2001", NULL, on_done, &res);
  g_assert_true (rd_keyring_clear_finish (wait_result (&res), &error));
  g_clear_object (&res);
  rd_keyring_lookup_async (RD_KEYRING_AGENT_KEY, "2001", NULL, on_done, &res);
  secret = rd_keyring_lookup_finish (wait_result (&res), &error);
  g_assert_null (secret);
  g_clear_object (&res);
}

static void
test_autostart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = rd_autostart_get_path ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *exec = NULL;
  g_autofree char *q1 = rd_autostart_quote_exec_arg ("/usr/bin/ringdesk");
  g_autofree char *q2 = rd_autostart_quote_exec_arg ("/opt/my apps/ring\"desk$x");

  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_assert_false (rd_autostart_is_enabled ());

  g_assert_true (rd_autostart_set_enabled (TRUE, "/opt/my apps/ringdesk", &error));
  g_assert_no_error (error);
  g_assert_true (rd_autostart_is_enabled ());
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error));
  exec = g_key_file_get_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Exec", &error);
  g_assert_cmpstr (exec, ==, "\"/opt/my apps/ringdesk\" --background");

  g_assert_cmpstr (q1, ==, "/usr/bin/ringdesk");
  g_assert_cmpstr (q2, ==, "\"/opt/my apps/ring\\\\\"desk\\\\$x\"");

  g_assert_true (rd_autostart_set_enabled (FALSE, NULL, &error));
  g_assert_false (rd_autostart_is_enabled ());
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Removing twice is fine. */
  g_assert_true (rd_autostart_set_enabled (FALSE, NULL, &error));
}

static void
test_schema_defaults (void)
{
  g_autoptr(GSettings) s = g_settings_new (APP_ID);

  g_assert_false (g_settings_get_boolean (s, "configured"));
  g_assert_cmpstr (g_settings_get_string (s, "hub-url"), ==, "");   /* leaks a little; fine in a test */
  g_assert_true (g_settings_get_boolean (s, "pop-crm-only"));
  g_assert_false (g_settings_get_boolean (s, "pops-paused"));
  g_assert_cmpint (g_settings_get_enum (s, "confirm-dial"), ==, 1);   /* unknown numbers */
  g_assert_cmpint (g_settings_get_enum (s, "pop-when"), ==, 0);       /* ring */
  /* No key may hold a secret. */
  {
    g_autoptr(GSettingsSchema) schema = NULL;
    g_auto(GStrv) keys = NULL;
    g_object_get (s, "settings-schema", &schema, NULL);
    keys = g_settings_schema_list_keys (schema);
    for (guint i = 0; keys[i]; i++)
      {
        g_assert_null (g_strstr_len (keys[i], -1, "secret"));
        g_assert_null (g_strstr_len (keys[i], -1, "password"));
        g_assert_false (g_str_has_suffix (keys[i], "-key") && !g_str_equal (keys[i], "pop-crm-only"));
      }
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *keyring = NULL;

  rd_test_env_init ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  dir = g_dir_make_tmp ("rd-settings-XXXXXX", NULL);
  keyring = g_build_filename (dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);

  g_test_add_func ("/app/settings/keyring", test_keyring_roundtrip);
  g_test_add_func ("/app/settings/autostart", test_autostart);
  g_test_add_func ("/app/settings/schema", test_schema_defaults);
  int ret = g_test_run ();
  g_unlink (keyring);
  g_rmdir (dir);
  return ret;
}
