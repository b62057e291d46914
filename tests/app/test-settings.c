/* Settings that leave the process: the keyring (SECRET_BACKEND=file), the autostart
 * entry (on the host, and through the Background portal in a sandbox), and the GSettings
 * schema defaults the rest of the app relies on. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

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
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  dir = g_dir_make_tmp ("rd-settings-XXXXXX", NULL);
  keyring = g_build_filename (dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);

  g_test_add_func ("/app/settings/keyring", test_keyring_roundtrip);
  g_test_add_func ("/app/settings/autostart", test_autostart);
  g_test_add_func ("/app/settings/autostart-command", test_autostart_command);
  g_test_add_func ("/app/settings/background-portal", test_background_portal);
  g_test_add_func ("/app/settings/schema", test_schema_defaults);
  int ret = g_test_run ();
  g_unlink (keyring);
  g_rmdir (dir);
  return ret;
}
