/* Settings that leave the process: the keyring (SECRET_BACKEND=file), the autostart
 * entry (on the host, and through the Background portal in a sandbox), and the GSettings
 * schema defaults the rest of the app relies on. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "rd-autostart.h"
#include "rd-keyring.h"
#include "rd-keyring-backend.h"
#include "rd-paths.h"
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

/* ---- the keyring's module missing or not the right one --------------------------------------- */

/* In a copy of this program inside a made-up build folder (see keyring_module_broken): every keyring
 * call fails with the translated reason, one after the other, and nothing crashes. Prints the
 * message; exit status 0 when all went as it should. */
static int
keyring_module_child (void)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *res = NULL;
  char *secret;
  GIOErrorEnum expected = g_str_equal (g_getenv ("RD_TEST_KEYRING_MODULE"), "missing")
                          ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, rd_paths_get_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  rd_keyring_store_async (RD_KEYRING_AGENT_KEY, "2001", "a-secret", NULL, on_done, &res);
  if (rd_keyring_store_finish (wait_result (&res), &error) || !g_error_matches (error, G_IO_ERROR, expected))
    return 2;
  g_clear_error (&error);
  g_clear_object (&res);
  /* Queued behind a store that failed: still answered. */
  rd_keyring_lookup_async (RD_KEYRING_AGENT_KEY, "2001", NULL, on_done, &res);
  secret = rd_keyring_lookup_finish (wait_result (&res), &error);
  if (secret != NULL || !g_error_matches (error, G_IO_ERROR, expected))
    return 3;
  g_print ("%s\n", error->message);
  g_clear_error (&error);
  g_clear_object (&res);
  rd_keyring_clear_async (RD_KEYRING_AGENT_KEY, "2001", NULL, on_done, &res);
  if (rd_keyring_clear_finish (wait_result (&res), &error) || error == NULL)
    return 4;
  g_clear_object (&res);
  /* A secret the app holds itself (a key the hub on this computer issued) is still wiped and freed. */
  rd_keyring_free (g_strdup ("issued-here"));
  return 0;
}

/* A build folder with this program, the catalogues and schemas of the real one, and in src/app
 * either no keyring module or @wrong_module under its name. */
static char *
keyring_module_broken (const char *how, const char *wrong_module, const char *language)
{
  g_autofree char *tmp = g_dir_make_tmp ("rd-module-XXXXXX", NULL);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = g_build_filename (tmp, "tests", "app", NULL);
  g_autofree char *exe = g_build_filename (exe_dir, "test-app-settings", NULL);
  g_autofree char *private = g_strconcat (exe, ".p", NULL);
  g_autofree char *marker = g_build_filename (tmp, "meson-private", NULL);
  g_autofree char *app_dir = g_build_filename (tmp, "src", "app", NULL);
  g_autofree char *po = g_build_filename (tmp, "po", NULL);
  g_autofree char *real_po = g_build_filename (rd_paths_get_build_root (), "po", NULL);
  g_autoptr(GFile) from = g_file_new_for_path (self_exe);
  g_autoptr(GFile) to = g_file_new_for_path (exe);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  g_assert_nonnull (rd_paths_get_build_root ());
  g_assert_cmpint (g_mkdir_with_parents (private, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (marker, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (app_dir, 0700), ==, 0);
  g_assert_cmpint (symlink (real_po, po), ==, 0);
  g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (exe, 0755), ==, 0);
  if (wrong_module != NULL)
    {
      g_autofree char *real = g_build_filename (rd_paths_get_build_root (), "src", "app", wrong_module, NULL);
      g_autofree char *fake = g_build_filename (app_dir, RD_KEYRING_BACKEND_MODULE, NULL);
      g_autoptr(GFile) module_from = g_file_new_for_path (real);
      g_autoptr(GFile) module_to = g_file_new_for_path (fake);

      g_assert_true (g_file_copy (module_from, module_to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
    }
  g_subprocess_launcher_setenv (launcher, "RD_TEST_KEYRING_MODULE", how, TRUE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", language, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, exe, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (child) || g_subprocess_get_exit_status (child) != 0)
    g_error ("the keyring with its module %s: the child failed (%d): %s", how, g_subprocess_get_status (child), out);
  rd_test_remove_tree (tmp);
  return out;
}

static void
test_keyring_module_missing (void)
{
  g_autofree char *de = keyring_module_broken ("missing", NULL, "de");
  g_autofree char *en = keyring_module_broken ("missing", NULL, "C");

  g_assert_nonnull (strstr (en, "The keyring could not be used: ringdesk-keyring.so could not be loaded ("));
  g_assert_nonnull (strstr (en, "Reinstall Ringdesk."));
  g_assert_nonnull (strstr (de, "Der Schlüsselbund"));
  g_assert_nonnull (strstr (de, "ringdesk-keyring.so"));
}

static void
test_keyring_module_wrong (void)
{
  /* A module without the keyring's entry point: the hub's. */
  g_autofree char *fr = keyring_module_broken ("wrong", "ringdesk-embedded.so", "fr");
  g_autofree char *en = keyring_module_broken ("wrong", "ringdesk-embedded.so", "C");

  g_assert_nonnull (strstr (en, "The keyring could not be used: "));
  g_assert_nonnull (strstr (en, "ringdesk-keyring.so is from another version. Reinstall Ringdesk."));
  g_assert_nonnull (strstr (fr, "trousseau"));
}

static void
test_autostart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = rd_autostart_get_path ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *exec = NULL, *wm_class = NULL;
  g_autofree char *q1 = rd_autostart_quote_exec_arg ("/usr/bin/ringdesk");
  g_autofree char *q2 = rd_autostart_quote_exec_arg ("/opt/my apps/ring\"desk$x");

  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_assert_false (rd_autostart_is_enabled ());

  g_assert_true (rd_autostart_write (TRUE, "/opt/my apps/ringdesk", &error));
  g_assert_no_error (error);
  g_assert_true (rd_autostart_is_enabled ());
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error));
  exec = g_key_file_get_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Exec", &error);
  g_assert_cmpstr (exec, ==, "\"/opt/my apps/ringdesk\" --background");
  /* The window it starts belongs to the same application as the desktop entry. */
  wm_class = g_key_file_get_string (kf, G_KEY_FILE_DESKTOP_GROUP, "StartupWMClass", &error);
  g_assert_cmpstr (wm_class, ==, APP_ID);

  g_assert_cmpstr (q1, ==, "/usr/bin/ringdesk");
  g_assert_cmpstr (q2, ==, "\"/opt/my apps/ring\\\\\"desk\\\\$x\"");

  g_assert_true (rd_autostart_write (FALSE, NULL, &error));
  g_assert_false (rd_autostart_is_enabled ());
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Removing twice is fine. */
  g_assert_true (rd_autostart_write (FALSE, NULL, &error));
}

/* "Start at login" as the preferences switch does it: the entry starts the installed binary
 * (BINDIR/ringdesk), never the binary that happens to run (a build folder's, here). */
static void
test_autostart_command (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autofree char *installed = g_build_filename (BINDIR, "ringdesk", NULL);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *path = rd_autostart_get_path ();
  g_autofree char *command = rd_autostart_get_command (&error);
  gboolean ok;

  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_assert_no_error (error);
      g_assert_cmpstr (command, ==, installed);
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_null (command);
    }
  g_clear_error (&error);

  rd_autostart_set_enabled_async (TRUE, NULL, on_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = rd_autostart_set_enabled_finish (res, &error);
  if (ok)
    {
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      g_autofree char *exec = NULL;
      g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL));
      exec = g_key_file_get_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Exec", NULL);
      g_assert_true (g_str_has_prefix (exec, installed));
    }
  else
    {
      /* Not installed: refused with a reason, and no entry pointing at this build. */
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  {
    g_autofree char *contents = NULL;
    if (g_file_get_contents (path, &contents, NULL, NULL))
      g_assert_null (strstr (contents, self_exe));
  }
  g_assert_true (rd_autostart_write (FALSE, NULL, NULL));
}

/* ---- the Background portal, played by this process on the session bus ---------------- */

typedef struct {
  gboolean  grant_background;
  gboolean  grant_autostart;
  gboolean  asked_autostart;
  char     *commandline;
  guint     calls;
} FakePortal;

static void
portal_method (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *method, GVariant *params, GDBusMethodInvocation *invocation, gpointer data)
{
  FakePortal *portal = data;
  g_autoptr(GVariant) options = NULL;
  g_auto(GStrv) argv = NULL;
  const char *parent, *token = "t";
  g_autofree char *unique = g_strdup (sender + 1);
  g_autofree char *request = NULL;
  GVariantBuilder results;

  g_variant_get (params, "(&s@a{sv})", &parent, &options);
  g_variant_lookup (options, "handle_token", "&s", &token);
  g_variant_lookup (options, "autostart", "b", &portal->asked_autostart);
  if (g_variant_lookup (options, "commandline", "^as", &argv))
    {
      g_free (portal->commandline);
      portal->commandline = g_strjoinv (" ", argv);
    }
  portal->calls++;
  g_strdelimit (unique, ".", '_');
  request = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", unique, token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request));

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (portal->grant_background));
  g_variant_builder_add (&results, "{sv}", "autostart",
                         g_variant_new_boolean (portal->asked_autostart && portal->grant_autostart));
  g_dbus_connection_emit_signal (bus, sender, request, "org.freedesktop.portal.Request", "Response",
                                 g_variant_new ("(ua{sv})", 0, &results), NULL);
}

static gboolean
request_background (GDBusConnection *bus, gboolean autostart, gboolean *granted, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  rd_autostart_request_background_async (bus, "", autostart, NULL, on_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return rd_autostart_request_background_finish (res, granted, error);
}

static void
test_background_portal (void)
{
  static const char xml[] =
    "<node><interface name='org.freedesktop.portal.Background'>"
    "<method name='RequestBackground'><arg type='s' direction='in'/><arg type='a{sv}' direction='in'/>"
    "<arg type='o' direction='out'/></method></interface></node>";
  static const GDBusInterfaceVTable vtable = { portal_method, NULL, NULL, { 0 } };
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  FakePortal portal = { TRUE, TRUE, FALSE, NULL, 0 };
  gboolean granted = FALSE;
  guint reg, own;

  if (bus == NULL)
    {
      g_test_skip ("needs a session bus");
      return;
    }
  info = g_dbus_node_info_new_for_xml (xml, NULL);
  reg = g_dbus_connection_register_object (bus, "/org/freedesktop/portal/desktop", info->interfaces[0],
                                           &vtable, &portal, NULL, &error);
  g_assert_no_error (error);
  own = g_bus_own_name_on_connection (bus, "org.freedesktop.portal.Desktop", G_BUS_NAME_OWNER_FLAGS_NONE,
                                      NULL, NULL, NULL, NULL);

  /* Granted: background and login start, with the command the portal's entry runs. */
  g_assert_true (request_background (bus, TRUE, &granted, &error));
  g_assert_no_error (error);
  g_assert_true (granted);
  g_assert_true (portal.asked_autostart);
  g_assert_cmpstr (portal.commandline, ==, "ringdesk --background");

  /* Turned off: asked without autostart. */
  g_assert_true (request_background (bus, FALSE, &granted, &error));
  g_assert_false (granted);
  g_assert_false (portal.asked_autostart);

  /* The user refused background running: a clear error. */
  portal.grant_background = FALSE;
  g_assert_false (request_background (bus, TRUE, &granted, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_cmpuint (portal.calls, ==, 3);

  g_bus_unown_name (own);
  g_dbus_connection_unregister_object (bus, reg);
  /* No portal at all (a desktop without it): an error, not a hang. */
  g_assert_false (request_background (bus, TRUE, &granted, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_free (portal.commandline);
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
  if (g_getenv ("RD_TEST_KEYRING_MODULE"))
    return keyring_module_child ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  dir = g_dir_make_tmp ("rd-settings-XXXXXX", NULL);
  keyring = g_build_filename (dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);

  g_test_add_func ("/app/settings/keyring", test_keyring_roundtrip);
  g_test_add_func ("/app/settings/keyring-module-missing", test_keyring_module_missing);
  g_test_add_func ("/app/settings/keyring-module-wrong", test_keyring_module_wrong);
  g_test_add_func ("/app/settings/autostart", test_autostart);
  g_test_add_func ("/app/settings/autostart-command", test_autostart_command);
  g_test_add_func ("/app/settings/background-portal", test_background_portal);
  g_test_add_func ("/app/settings/schema", test_schema_defaults);
  int ret = g_test_run ();
  g_unlink (keyring);
  g_rmdir (dir);
  return ret;
}
