/* The two ways the app runs its own hub, as a user runs them (under Xvfb with a mock
 * notification server and a fake browser).
 *
 * `ringdesk --demo`: the demo signs in by itself, a seeded Odoo contact calls (notification +
 * the contact opened at the Odoo simulator, where the call then shows as logged), then an
 * unknown number's missed call; click-to-call works from a second instance; and the demo
 * writes nothing to the keyring or to the user's settings. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "crm/rd-crm.h"
#include "pbx/rd-pbx.h"
#include "rd-keyring.h"
#include "rd-test-desktop.h"
#include "rd-test-util.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

static char *
http_get (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* Is a file whose name contains @name mapped in @process? */
static gboolean
maps_contain (GSubprocess *process, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/maps", g_subprocess_get_identifier (process));
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents (path, &maps, NULL, NULL));
  return strstr (maps, name) != NULL;
}

static void
test_demo (void)
{
  g_autofree char *tmp = g_strdup (g_get_home_dir ());
  g_autofree char *notify_log = g_build_filename (tmp, "notify.log", NULL);
  g_autofree char *browser_log = g_build_filename (tmp, "browser.log", NULL);
  g_autofree char *app_log = g_build_filename (tmp, "app.log", NULL);
  g_autofree char *second_log = g_build_filename (tmp, "second.log", NULL);
  g_autofree char *keyfile = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", "keyfile", NULL);
  g_autofree char *url = NULL, *page = NULL;
  g_autoptr(GSubprocess) notifyd = NULL, app = NULL, dial = NULL, quit = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      (notifyd = rd_test_start_notification_server ("body actions persistence", notify_log)) == NULL)
    {
      g_test_skip ("needs DISPLAY, a session bus and python3-dbusmock");
      return;
    }
  rd_test_install_fake_browser (tmp, browser_log);

  app = rd_test_spawn (app_log, &error, RD_TEST_RINGDESK, "--demo", NULL);
  g_assert_no_error (error);

  /* The first seeded contact (Li Wei of Acme Shanghai) calls within a few seconds. */
  g_assert_true (rd_test_wait_file (notify_log, "\"Li Wei\" \"Acme Shanghai Co., Ltd.", 1));
  g_assert_true (rd_test_wait_file (browser_log, "http://127.0.0.1:", 1));
  url = rd_test_read_file (browser_log);
  g_strstrip (url);
  /* The page the browser was sent to is that contact on the simulated Odoo, and the
   * answered call shows up in its chatter (the hub's outbox posts it as Alice). */
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    g_assert_nonnull (strstr (url, "/odoo/res.partner/"));
    do
      {
        g_free (page);
        page = http_get (url);
        if (strstr (page, "Outcome: answered"))
          break;
        rd_test_spin (500);
      }
    while (g_get_monotonic_time () < end);
    g_assert_nonnull (strstr (page, "Li Wei"));
    g_assert_nonnull (strstr (page, "Outcome: answered"));
    g_assert_nonnull (strstr (page, "Alice Zhang"));
  }

  /* Click-to-call from a second instance: a CRM contact's number needs no confirmation. */
  dial = rd_test_spawn (second_log, &error, RD_TEST_RINGDESK, "tel:+86-186-2100-3344", NULL);
  g_assert_no_error (error);
  g_assert_true (rd_test_wait_for (rd_test_subprocess_done, dial, RD_TEST_TIMEOUT_MS));
  g_assert_cmpint (g_subprocess_get_exit_status (dial), ==, 0);
  g_assert_true (rd_test_wait_file (notify_log, "Calling Chen Jing (+86 186 2100 3344)…", 1));

  /* Then an unknown number rings and hangs up: a missed call with Call Back / Create. */
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while (rd_test_count_in_file (notify_log, "Missed call from") == 0 && g_get_monotonic_time () < end)
      rd_test_spin (100);
  }
  g_assert_cmpuint (rd_test_count_in_file (notify_log, "Missed call from +86 139 1234 0000"), ==, 1);
  g_assert_cmpuint (rd_test_count_in_file (notify_log, "\"call-back\", \"Call Back\""), ==, 1);
  g_assert_cmpuint (rd_test_count_in_file (notify_log, "could not be placed"), ==, 0);

  /* The demo never touches the keyring, so its libsecret half (with libgcrypt) is not loaded
   * (rd-keyring-backend.h); the hub's module is. */
  g_assert_true (maps_contain (app, "ringdesk-embedded.so"));
  g_assert_false (maps_contain (app, "ringdesk-keyring.so"));
  g_assert_false (maps_contain (app, "libsecret-1.so"));

  quit = rd_test_spawn (NULL, &error, RD_TEST_RINGDESK, "--quit", NULL);
  g_assert_true (rd_test_wait_for (rd_test_subprocess_done, app, RD_TEST_TIMEOUT_MS));
  g_assert_cmpint (g_subprocess_get_exit_status (app), ==, 0);

  /* Nothing persisted: no keyring file, no settings written. */
  g_assert_true (rd_test_wait_for (rd_test_subprocess_done, quit, RD_TEST_TIMEOUT_MS));
  g_assert_false (g_file_test (g_getenv ("SECRET_FILE_TEST_PATH"), G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (keyfile, G_FILE_TEST_EXISTS));
  g_subprocess_force_exit (notifyd);
  if (g_test_failed ())
    {
      g_autofree char *log = rd_test_read_file (app_log);
      g_test_message ("app log:\n%s", log);
    }
}

/* "This computer": settings and keyring as an older version's preferences window left them
 * (local-pbx-client-id, local-crm-database, the secret as the "pbx-secret" item by client ID):
 * the app moves them to the backends' option bags (rd-local-settings.h) once, then
 * starts the hub in-process, connects the PBX and Odoo simulators (secrets from the
 * keyring), binds users by e-mail, issues its own agent key for 2001 (and keeps it in the
 * keyring), signs in, and dials a link it was started with. */
static void
on_stored (GObject *source, GAsyncResult *res, gpointer data)
{
  g_assert_true (rd_keyring_store_finish (res, NULL));
  (*(guint *) data)++;
}

static gboolean
count_reached (gpointer data)
{
  return ((guint *) data)[0] >= ((guint *) data)[1];
}

static void
on_lookup (GObject *source, GAsyncResult *res, gpointer data)
{
  *(char **) data = rd_keyring_lookup_finish (res, NULL);
  if (*(char **) data == NULL)
    *(char **) data = g_strdup ("");
}

static gboolean
string_set (gpointer data)
{
  return *(char **) data != NULL;
}

static gboolean
dialed (gpointer pbx)
{
  return rd_sim_pbx_count_requests (pbx, "call/dial") >= 1;
}

static const char *self_path;

static void
test_this_computer (void)
{
  g_autoptr(RdSimPbx) pbx = NULL;
  g_autoptr(RdSimOdoo) odoo = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GSubprocess) notifyd = NULL, app = NULL, quit = NULL, check = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_strdup (g_get_home_dir ());
  g_autofree char *notify_log = g_build_filename (tmp, "notify-local.log", NULL);
  g_autofree char *app_log = g_build_filename (tmp, "app-local.log", NULL);
  guint stores[2] = { 0, 2 };

  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      (notifyd = rd_test_start_notification_server ("body actions persistence", notify_log)) == NULL)
    {
      g_test_skip ("needs DISPLAY, a session bus and python3-dbusmock");
      return;
    }

  pbx = rd_sim_pbx_new ();
  rd_sim_pbx_set_credentials (pbx, "local-client", "local-pbx-secret");
  rd_sim_pbx_add_extension (pbx, "2001", "Alice", "alice@example.com");
  g_assert_true (rd_sim_pbx_start (pbx, &error));
  odoo = rd_sim_odoo_new ("17.0");
  g_assert_true (rd_sim_odoo_start (odoo, &error));
  rd_sim_odoo_add_user (odoo, "admin", "Admin", "admin@example.com", "local-admin-key", RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_add_user (odoo, "alice@example.com", "Alice Zhang", "alice@example.com", "alice-key",
                        RD_CRM_USER_INTERNAL, FALSE);

  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "configured", TRUE);
  g_settings_set_enum (settings, "hub-mode", 1);
  g_settings_set_string (settings, "local-pbx-url", rd_sim_pbx_get_base_url (pbx));
  g_settings_set_string (settings, "local-pbx-client-id", "local-client");
  g_settings_set_string (settings, "local-crm-url", rd_sim_odoo_get_url (odoo));
  g_settings_set_string (settings, "local-crm-database", rd_sim_odoo_get_database (odoo));
  g_settings_set_string (settings, "local-crm-login", "admin");
  g_settings_set_enum (settings, "sign-in-method", 1);
  g_settings_set_string (settings, "extension", "2001");
  g_settings_set_enum (settings, "confirm-dial", 0);
  g_settings_sync ();
  /* Started together, as the preferences window did (rd-keyring serialises them). */
  rd_keyring_store_item_async ("pbx-secret", "local-client", "Ringdesk PBX client secret for local-client",
                               "local-pbx-secret", NULL, on_stored, &stores[0]);
  rd_keyring_store_async (RD_KEYRING_CRM_ADMIN_KEY, "admin", "local-admin-key", NULL, on_stored, &stores[0]);
  g_assert_true (rd_test_wait_for (count_reached, stores, RD_TEST_TIMEOUT_MS));

  /* Started by a link (as the desktop does): the dial waits for the sign-in, then happens. */
  app = rd_test_spawn (app_log, &error, RD_TEST_RINGDESK, "tel:+8613900001111", NULL);
  g_assert_no_error (error);
  if (!rd_test_wait_for (dialed, pbx, 30000))
    {
      g_autofree char *log = rd_test_read_file (app_log);
      g_test_message ("app log:\n%s", log);
      g_assert_not_reached ();
    }
  g_assert_cmpuint (rd_test_count_in_file (notify_log, "could not be placed"), ==, 0);
  /* It read its secrets from the keyring: through the keyring module, loaded on that first use. */
  g_assert_true (maps_contain (app, "ringdesk-keyring.so"));
  g_assert_true (maps_contain (app, "libsecret-1.so"));

  quit = rd_test_spawn (NULL, &error, RD_TEST_RINGDESK, "--quit", NULL);
  g_assert_true (rd_test_wait_for (rd_test_subprocess_done, app, RD_TEST_TIMEOUT_MS));
  g_assert_true (rd_test_wait_for (rd_test_subprocess_done, quit, RD_TEST_TIMEOUT_MS));
  g_subprocess_force_exit (notifyd);

  /* The key the embedded hub issued is kept for the next start. Checked from a fresh
   * process (this binary again): libsecret's file backend does not see other processes'
   * writes once it has loaded the file. */
  g_setenv ("RD_TEST_CHECK_ISSUED_KEY", "1", TRUE);
  check = rd_test_spawn (NULL, &error, self_path, NULL);
  g_unsetenv ("RD_TEST_CHECK_ISSUED_KEY");
  g_assert_no_error (error);
  g_assert_true (rd_test_wait_for (rd_test_subprocess_done, check, RD_TEST_TIMEOUT_MS));
  g_assert_cmpint (g_subprocess_get_exit_status (check), ==, 0);
}

static char *
lookup_item (const char *kind, const char *account)
{
  char *secret = NULL;

  rd_keyring_lookup_item_async (kind, account, NULL, on_lookup, &secret);
  if (!rd_test_wait_for (string_set, &secret, RD_TEST_TIMEOUT_MS))
    return NULL;
  return secret;
}

/* In the checking process: exit status 0 when extension 2001's agent key is stored and the older
 * version's settings were moved: the client ID and the database into the default backends'
 * options, the PBX secret into the item of the default PBX backend's secret option, the old keys
 * and the old item gone. */
static int
check_issued_key (void)
{
  g_autofree char *agent_key = lookup_item ("agent-key", "2001");
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *client_id = NULL, *database = NULL, *pbx_kind = NULL, *crm_kind = NULL;
  g_autofree char *moved = NULL, *legacy = NULL, *item = NULL;
  g_autoptr(GVariant) pbx_options = g_settings_get_value (settings, "local-pbx-options");
  g_autoptr(GVariant) crm_options = g_settings_get_value (settings, "local-crm-options");
  const RdPbxBackend *pbx = rd_pbx_find_backend (NULL, NULL);
  const RdCrmBackend *crm = rd_crm_find_backend (NULL, NULL);

  if (agent_key == NULL || strlen (agent_key) < 16)
    return 1;
  client_id = g_settings_get_string (settings, "local-pbx-client-id");
  database = g_settings_get_string (settings, "local-crm-database");
  pbx_kind = g_settings_get_string (settings, "local-pbx-kind");
  crm_kind = g_settings_get_string (settings, "local-crm-kind");
  if (*client_id != '\0' || *database != '\0')
    return 3;
  if (g_strcmp0 (pbx_kind, pbx->kind) != 0 || g_strcmp0 (crm_kind, crm->kind) != 0)
    return 4;
  /* The one identity option of each built-in backend: the client ID, the database. */
  if (g_variant_n_children (pbx_options) != 1 || g_variant_n_children (crm_options) != 1)
    return 5;
  {
    g_autofree char *dump = g_variant_print (pbx_options, FALSE);
    g_autofree char *crm_dump = g_variant_print (crm_options, FALSE);
    if (strstr (dump, "'local-client'") == NULL || strstr (crm_dump, "'ringdesk'") == NULL)
      {
        g_printerr ("moved options: %s %s\n", dump, crm_dump);
        return 6;
      }
  }
  for (const RdOptionSpec *spec = pbx->options; spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_SECRET)
      item = g_strdup_printf ("pbx:%s:%s", pbx->kind, spec->name);
  moved = lookup_item (item, "local-client");
  legacy = lookup_item ("pbx-secret", "local-client");
  if (g_strcmp0 (moved, "local-pbx-secret") != 0)
    return 7;
  if (legacy == NULL || *legacy != '\0')
    return 8;
  return 0;
}

/* Issue 14, defect 10: run from the build folder, ringdesk speaks the user's language (its
 * catalogues are found beside it, not under the install prefix). */
static void
test_translated_from_build (void)
{
  const char *langs[][2] = { { "zh_CN", "拨打指定号码" }, { "de", "NUMMER" }, { "fr", "Appeler NUMÉRO" } };

  for (guint i = 0; i < G_N_ELEMENTS (langs); i++)
    {
      g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                    G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr(GSubprocess) p = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      g_subprocess_launcher_setenv (l, "LANGUAGE", langs[i][0], TRUE);
      p = g_subprocess_launcher_spawn (l, &error, RD_TEST_RINGDESK, "--help", NULL);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
      g_assert_no_error (error);
      if (strstr (out, langs[i][1]) == NULL)
        g_error ("ringdesk --help in %s does not say “%s”:\n%s", langs[i][0], langs[i][1], out);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = NULL;
  g_autofree char *keyring = NULL;
  int ret;

  rd_test_env_init ();
  tmp = rd_test_isolate_home ();
  keyring = g_build_filename (tmp, "must-not-exist.keyring", NULL);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);
  g_setenv ("G_MESSAGES_DEBUG", "RdApp", TRUE);
  if (g_getenv ("RD_TEST_CHECK_ISSUED_KEY"))
    return check_issued_key ();
  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);
  /* The simulators speak plain http on loopback; the PBX layer rightly warns about it. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/app/standalone/demo", test_demo);
  g_test_add_func ("/app/standalone/this-computer", test_this_computer);
  g_test_add_func ("/app/standalone/translated-from-build", test_translated_from_build);
  ret = g_test_run ();
  if (ret == 0)
    rd_test_remove_tree (tmp);
  return ret;
}
