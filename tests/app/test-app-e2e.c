/* End to end with the real `ringdesk` binary, under Xvfb and a private D-Bus session:
 *
 *   this test process runs the PBX and Odoo simulators and a hub (RdLocalHub), a mock
 *   notification server and a mock StatusNotifierWatcher (python3-dbusmock), and a fake
 *   browser (a desktop file for x-scheme-handler/http that logs the URL);
 *   the app is configured like a user would (GSettings keyfile + a file keyring holding the
 *   agent key of extension 2001) and started as the primary instance.
 *
 * Then: the tray registers and its menu works over dbusmenu; `ringdesk tel:…` from a second
 * process dials through the hub from extension 2001; a hostile link is refused with a
 * notification; a CRM caller pops a notification (hostile company text escaped) and the
 * record opens once in the browser; a missed call's "Call Back" and "Create Contact"
 * buttons work through ActionInvoked. Skips without a display or without dbusmock.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "agent/rd-agent-client.h"
#include "rd-keyring.h"
#include "rd-local-hub.h"
#include "rd-test-util.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

#define PYTHON "/usr/bin/python3"
#define EVE_NUMBER "+8613800138000"
#define UNKNOWN_NUMBER "+8613912340000"
#define DIAL_NUMBER "+8613900001111"
#define HOSTILE_COMPANY "<i>Evil</i> & Co"
#define TIMEOUT_MS 20000

typedef struct {
  char            *tmp;
  char            *notify_log, *watcher_log, *browser_log, *app_log, *pwned;
  GSubprocess     *notifyd, *watcher, *app;
  GDBusConnection *bus;
  RdSimPbx        *pbx;
  RdSimOdoo       *odoo;
  RdLocalHub      *hub;
  RdAgentClient   *observer;   /* a second session of 2001: sees what the app's calls do */
  GPtrArray       *observed;   /* RdAgentCall */
  char            *app_name;   /* unique bus name of the app */
  gint64           eve_id;
  gboolean         ready;
} Env;

static Env env;

/* ---- helpers ------------------------------------------------------------------- */

typedef gboolean (*Cond) (gpointer data);

static gboolean
wait_for (Cond cond, gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return TRUE;
}

static char *
read_file (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static guint
count_in_file (const char *path, const char *needle)
{
  g_autofree char *text = read_file (path);
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)); p += strlen (needle))
    n++;
  return n;
}

typedef struct { const char *path, *needle; guint min; } FileWait;

static gboolean
file_has (gpointer data)
{
  FileWait *w = data;
  return count_in_file (w->path, w->needle) >= w->min;
}

static gboolean
wait_file (const char *path, const char *needle, guint min)
{
  FileWait w = { path, needle, min };
  return wait_for (file_has, &w, TIMEOUT_MS);
}

static GSubprocess *
spawn (GSubprocessFlags flags, const char *log, GError **error, const char *first, ...)
{
  /* Never on our stdout: that is the TAP stream. */
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (flags | (log ? G_SUBPROCESS_FLAGS_STDERR_MERGE : G_SUBPROCESS_FLAGS_STDOUT_SILENCE));
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (log)
    g_subprocess_launcher_set_stdout_file_path (launcher, log);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

static gboolean
subprocess_done (gpointer data)
{
  return g_subprocess_get_identifier (G_SUBPROCESS (data)) == NULL;
}

/* Runs `ringdesk ARGS` as a second instance while the main loop (the hub) keeps running. */
static int
run_second_instance (const char *arg)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log = g_build_filename (env.tmp, "second.log", NULL);
  g_autoptr(GSubprocess) p = spawn (G_SUBPROCESS_FLAGS_NONE, log, &error, g_getenv ("RINGDESK"), arg, NULL);

  g_assert_no_error (error);
  g_assert_true (wait_for (subprocess_done, p, TIMEOUT_MS));
  return g_subprocess_get_exit_status (p);
}

static gboolean
name_has_owner (gpointer name)
{
  g_autoptr(GVariant) r = g_dbus_connection_call_sync (env.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                       "org.freedesktop.DBus", "NameHasOwner",
                                                       g_variant_new ("(s)", (const char *) name),
                                                       G_VARIANT_TYPE ("(b)"), 0, 2000, NULL, NULL);
  gboolean has = FALSE;

  if (r)
    g_variant_get (r, "(b)", &has);
  return has;
}

typedef struct { GAsyncResult *res; } Reply;

static void
on_reply (GObject *source, GAsyncResult *res, gpointer data)
{
  ((Reply *) data)->res = g_object_ref (res);
}

static gboolean
reply_ready (gpointer data)
{
  return ((Reply *) data)->res != NULL;
}

static GVariant *
dbus_call (const char *dest, const char *path, const char *iface, const char *method,
           GVariant *params, const char *reply_type)
{
  Reply reply = { NULL };
  g_autoptr(GError) error = NULL;
  GVariant *r;

  g_dbus_connection_call (env.bus, dest, path, iface, method, params,
                          reply_type ? G_VARIANT_TYPE (reply_type) : NULL, 0, 10000, NULL, on_reply, &reply);
  g_assert_true (wait_for (reply_ready, &reply, 15000));
  r = g_dbus_connection_call_finish (env.bus, reply.res, &error);
  g_object_unref (reply.res);
  g_assert_no_error (error);
  return r;
}

static void
on_observed_call (RdAgentClient *client, RdAgentCall *c, gpointer data)
{
  g_ptr_array_add (env.observed, rd_agent_call_copy (c));
}

typedef struct { const char *direction, *number_suffix; } CallWait;

static gboolean
observed_dial (gpointer data)
{
  CallWait *w = data;

  for (guint i = 0; i < env.observed->len; i++)
    {
      RdAgentCall *c = g_ptr_array_index (env.observed, i);
      if (g_strcmp0 (c->direction, w->direction) == 0 && c->number_raw &&
          g_str_has_suffix (c->number_raw, w->number_suffix))
        return TRUE;
    }
  return FALSE;
}

static gboolean
agents_signed_in (gpointer min)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_local_hub_get_hub (env.hub));
  return json_object_get_int_member_with_default (status, "agents", 0) >= GPOINTER_TO_INT (min);
}

static gboolean
observer_signed_in (gpointer data)
{
  return rd_agent_client_get_state (env.observer) == RD_AGENT_STATE_SIGNED_IN;
}

static void
on_hub_started (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GError) error = NULL;
  guint bound = 0;

  g_assert_true (rd_local_hub_start_finish (RD_LOCAL_HUB (source), res, &bound, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bound, >=, 1);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_stored (GObject *source, GAsyncResult *res, gpointer data)
{
  g_assert_true (rd_keyring_store_finish (res, NULL));
  *(gboolean *) data = TRUE;
}

/* Notification ids: the mock numbers new notifications 1, 2, … in order. */
static guint
notification_id_of (const char *summary_part)
{
  g_autofree char *log = read_file (env.notify_log);
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  guint id = 0;

  for (guint i = 0; lines[i]; i++)
    {
      if (!strstr (lines[i], " Notify \""))
        continue;
      if (strstr (lines[i], "\" 0 \""))
        id++;
      if (strstr (lines[i], summary_part))
        return id;
    }
  return 0;
}

static void
invoke_action (guint id, const char *action)
{
  g_autoptr(GVariant) r = dbus_call ("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                     "org.freedesktop.DBus.Mock", "EmitSignal",
                                     g_variant_new_parsed ("('org.freedesktop.Notifications', 'ActionInvoked', 'us', [<%u>, <%s>])",
                                                           id, action),
                                     NULL);
}

/* ---- set-up ---------------------------------------------------------------------- */

static void
write_browser (void)
{
  g_autofree char *apps = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  g_autofree char *script = g_build_filename (env.tmp, "fake-browser.sh", NULL);
  g_autofree char *desktop = g_build_filename (apps, "fake-browser.desktop", NULL);
  g_autofree char *script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> '%s'\n", env.browser_log);
  g_autofree char *desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Fake Browser\n"
                                                   "Exec=%s %%u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n",
                                                   script);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAppInfo) info = NULL;

  g_mkdir_with_parents (apps, 0700);
  g_assert_true (g_file_set_contents (script, script_text, -1, &error));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_assert_true (g_file_set_contents (desktop, desktop_text, -1, &error));
  {
    g_autoptr(GSubprocess) gio = spawn (G_SUBPROCESS_FLAGS_NONE, NULL, &error, "gio", "mime",
                                        "x-scheme-handler/http", "fake-browser.desktop", NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (gio, NULL, &error));
  }
  info = g_app_info_get_default_for_uri_scheme ("http");
  g_assert_nonnull (info);
  g_assert_cmpstr (g_app_info_get_id (info), ==, "fake-browser.desktop");
}

static gboolean
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *agent_key = NULL, *agent_url = NULL;
  static const char *pbx_secret = "e2e-pbx-secret";
  RdPbxConfig pbx = { 0 };
  RdCrmConfig crm = { 0 };
  gboolean started = FALSE, stored = FALSE;
  gint64 company;

  env.notify_log = g_build_filename (env.tmp, "notify.log", NULL);
  env.watcher_log = g_build_filename (env.tmp, "watcher.log", NULL);
  env.browser_log = g_build_filename (env.tmp, "browser.log", NULL);
  env.app_log = g_build_filename (env.tmp, "app.log", NULL);
  env.pwned = g_build_filename (env.tmp, "pwned", NULL);
  env.observed = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_call_free);
  env.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  /* Mock notification server with actions, and a mock tray watcher with a host. */
  env.notifyd = spawn (G_SUBPROCESS_FLAGS_NONE, NULL, &error, PYTHON, "-m", "dbusmock", "--session",
                       "-t", "notification_daemon", "-p", "{\"capabilities\": \"body actions persistence\"}",
                       "-l", env.notify_log, NULL);
  g_assert_no_error (error);
  env.watcher = spawn (G_SUBPROCESS_FLAGS_NONE, NULL, &error, PYTHON, "-m", "dbusmock", "--session",
                       "-l", env.watcher_log, "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
                       "org.kde.StatusNotifierWatcher", NULL);
  g_assert_no_error (error);
  if (!wait_for (name_has_owner, (gpointer) "org.freedesktop.Notifications", 15000) ||
      !wait_for (name_has_owner, (gpointer) "org.kde.StatusNotifierWatcher", 15000))
    return FALSE;
  g_variant_unref (dbus_call ("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher", "org.freedesktop.DBus.Mock",
                              "AddMethod", g_variant_new ("(sssss)", "org.kde.StatusNotifierWatcher",
                                                          "RegisterStatusNotifierItem", "s", "", ""), NULL));
  g_variant_unref (dbus_call ("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher", "org.freedesktop.DBus.Mock",
                              "AddProperty", g_variant_new ("(ssv)", "org.kde.StatusNotifierWatcher",
                                                            "IsStatusNotifierHostRegistered", g_variant_new_boolean (TRUE)), NULL));

  write_browser ();

  /* The phone system, Odoo (a contact with hostile text) and the hub. */
  env.pbx = rd_sim_pbx_new ();
  rd_sim_pbx_set_credentials (env.pbx, "e2e-client", pbx_secret);
  rd_sim_pbx_add_extension (env.pbx, "2001", "Alice", "alice@example.com");
  rd_sim_pbx_add_extension (env.pbx, "2002", "Bob", "bob@example.com");
  rd_sim_pbx_set_dial_timings (env.pbx, 800, 800);
  g_assert_true (rd_sim_pbx_start (env.pbx, &error));
  env.odoo = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_set_company_country (env.odoo, "CN");
  g_assert_true (rd_sim_odoo_start (env.odoo, &error));
  rd_sim_odoo_add_user (env.odoo, "admin", "Admin", "admin@example.com", "e2e-admin-key", RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_add_user (env.odoo, "alice@example.com", "Alice Zhang", "alice@example.com", "e2e-alice-key",
                        RD_CRM_USER_INTERNAL, FALSE);
  company = rd_sim_odoo_add_partner (env.odoo, HOSTILE_COMPANY, NULL, NULL, TRUE, 0, "CN");
  env.eve_id = rd_sim_odoo_add_partner (env.odoo, "Eve Wu", NULL, EVE_NUMBER, FALSE, company, "CN");

  env.hub = rd_local_hub_new (NULL, 0);
  pbx.base_url = (char *) rd_sim_pbx_get_base_url (env.pbx);
  pbx.client_id = (char *) "e2e-client";
  pbx.client_secret = (char *) pbx_secret;
  crm.url = (char *) rd_sim_odoo_get_url (env.odoo);
  crm.database = (char *) rd_sim_odoo_get_database (env.odoo);
  crm.login = (char *) "admin";
  crm.api_key = (char *) "e2e-admin-key";
  rd_local_hub_start_async (env.hub, &pbx, &crm, TRUE, NULL, on_hub_started, &started);
  g_assert_true (wait_for (flag_set, &started, TIMEOUT_MS));
  agent_key = rd_local_hub_issue_agent_key (env.hub, "2001", &error);
  g_assert_no_error (error);
  agent_url = rd_local_hub_get_agent_url (env.hub);

  /* Configure the app as a user would: settings plus the key in the keyring. */
  rd_keyring_store_async (RD_KEYRING_AGENT_KEY, "2001", agent_key, NULL, on_stored, &stored);
  g_assert_true (wait_for (flag_set, &stored, TIMEOUT_MS));
  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "configured", TRUE);
  g_settings_set_string (settings, "hub-url", agent_url);
  g_settings_set_enum (settings, "sign-in-method", 1);
  g_settings_set_string (settings, "extension", "2001");
  g_settings_set_enum (settings, "confirm-dial", 0);
  g_settings_sync ();

  /* The observer: a second session of 2001 that sees the calls the app places. */
  env.observer = rd_agent_client_new (agent_url);
  rd_agent_client_set_agent_key (env.observer, "2001", agent_key);
  g_signal_connect (env.observer, "call", G_CALLBACK (on_observed_call), NULL);
  rd_agent_client_start (env.observer);
  g_assert_true (wait_for (observer_signed_in, NULL, TIMEOUT_MS));

  /* The app, as the primary instance. */
  env.app = spawn (G_SUBPROCESS_FLAGS_NONE, env.app_log, &error, g_getenv ("RINGDESK"), "--background", NULL);
  g_assert_no_error (error);
  g_assert_true (wait_for (name_has_owner, (gpointer) APP_ID, TIMEOUT_MS));
  g_assert_true (wait_for (agents_signed_in, GINT_TO_POINTER (2), TIMEOUT_MS));
  {
    g_autoptr(GVariant) owner = dbus_call ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "GetNameOwner", g_variant_new ("(s)", APP_ID), "(s)");
    g_variant_get (owner, "(s)", &env.app_name);
  }
  return TRUE;
}

/* ---- tests ------------------------------------------------------------------------ */

static gint
find_menu_item (GVariant *node, const char *label)
{
  g_autoptr(GVariant) props = g_variant_get_child_value (node, 1);
  g_autoptr(GVariant) kids = g_variant_get_child_value (node, 2);
  const char *l = NULL;
  gint id;

  g_variant_get_child (node, 0, "i", &id);
  if (g_variant_lookup (props, "label", "&s", &l) && g_strcmp0 (l, label) == 0)
    return id;
  for (gsize i = 0; i < g_variant_n_children (kids); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (kids, i);
      g_autoptr(GVariant) child = g_variant_get_variant (boxed);
      gint found = find_menu_item (child, label);
      if (found >= 0)
        return found;
    }
  return -1;
}

static gboolean
paused_is (gpointer want)
{
  g_autoptr(GSettings) s = g_settings_new (APP_ID);
  return g_settings_get_boolean (s, "pops-paused") == GPOINTER_TO_INT (want);
}

static void
click_menu (const char *label)
{
  g_autoptr(GVariant) reply = dbus_call (env.app_name, "/StatusNotifierItem/Menu", "com.canonical.dbusmenu", "GetLayout",
                                         g_variant_new_parsed ("(0, -1, @as [])"), "(u(ia{sv}av))");
  g_autoptr(GVariant) layout = g_variant_get_child_value (reply, 1);
  gint id = find_menu_item (layout, label);

  g_assert_cmpint (id, >, 0);
  g_variant_unref (dbus_call (env.app_name, "/StatusNotifierItem/Menu", "com.canonical.dbusmenu", "Event",
                              g_variant_new ("(isvu)", id, "clicked", g_variant_new_int32 (0), 0), NULL));
}

static void
test_tray (void)
{
  g_autoptr(GVariant) all = NULL, props = NULL, reply = NULL, layout = NULL;
  gboolean item_is_menu = TRUE;
  const char *menu = NULL, *category = NULL, *status = NULL;

  if (!env.ready)
    {
      g_test_skip ("no display or no dbusmock");
      return;
    }
  g_assert_true (wait_file (env.watcher_log, "RegisterStatusNotifierItem \"/StatusNotifierItem\"", 1));

  all = dbus_call (env.app_name, "/StatusNotifierItem", "org.freedesktop.DBus.Properties", "GetAll",
                   g_variant_new ("(s)", "org.kde.StatusNotifierItem"), "(a{sv})");
  props = g_variant_get_child_value (all, 0);
  g_assert_true (g_variant_lookup (props, "ItemIsMenu", "b", &item_is_menu));
  g_assert_false (item_is_menu);
  g_assert_true (g_variant_lookup (props, "Menu", "&o", &menu));
  g_assert_cmpstr (menu, ==, "/StatusNotifierItem/Menu");
  g_assert_true (g_variant_lookup (props, "Category", "&s", &category));
  g_assert_cmpstr (category, ==, "Communications");
  g_assert_true (g_variant_lookup (props, "Status", "&s", &status));
  g_assert_cmpstr (status, ==, "Active");

  reply = dbus_call (env.app_name, "/StatusNotifierItem/Menu", "com.canonical.dbusmenu", "GetLayout",
                     g_variant_new_parsed ("(0, -1, @as [])"), "(u(ia{sv}av))");
  layout = g_variant_get_child_value (reply, 1);
  /* The status line says who is signed in, in words. */
  g_assert_cmpint (find_menu_item (layout, "Phone system: Connected · CRM: Connected"), >, 0);
  g_assert_cmpint (find_menu_item (layout, "_Quit"), >, 0);

  /* "Pause Pop-ups" toggles the setting through the app's action, and back. */
  click_menu ("_Pause Pop-ups");
  g_assert_true (wait_for (paused_is, GINT_TO_POINTER (TRUE), TIMEOUT_MS));
  click_menu ("_Pause Pop-ups");
  g_assert_true (wait_for (paused_is, GINT_TO_POINTER (FALSE), TIMEOUT_MS));
}

static void
test_uri_handoff (void)
{
  CallWait w = { "outbound", DIAL_NUMBER };
  guint dials;

  if (!env.ready)
    {
      g_test_skip ("no display or no dbusmock");
      return;
    }
  dials = rd_sim_pbx_count_requests (env.pbx, "call/dial");
  g_assert_cmpint (run_second_instance ("tel:" DIAL_NUMBER), ==, 0);
  /* The running instance dialled it through the hub, from extension 2001. */
  g_assert_true (wait_for (observed_dial, &w, TIMEOUT_MS));
  g_assert_cmpuint (rd_sim_pbx_count_requests (env.pbx, "call/dial"), ==, dials + 1);

  /* callto:// and sip: forms too. */
  g_assert_cmpint (run_second_instance ("callto://+8613900002222"), ==, 0);
  w.number_suffix = "13900002222";
  g_assert_true (wait_for (observed_dial, &w, TIMEOUT_MS));
}

static void
test_hostile_uri (void)
{
  guint dials;

  if (!env.ready)
    {
      g_test_skip ("no display or no dbusmock");
      return;
    }
  dials = rd_sim_pbx_count_requests (env.pbx, "call/dial");
  {
    g_autofree char *evil = g_strdup_printf ("tel:+86$(touch %s)", env.pwned);
    g_assert_cmpint (run_second_instance (evil), ==, 0);
  }
  g_assert_true (wait_file (env.notify_log, "Ringdesk did not dial this link", 1));
  g_assert_cmpint (run_second_instance ("sip:alice@example.com"), ==, 0);
  g_assert_true (wait_file (env.notify_log, "This SIP address is a name, not a phone number.", 1));
  /* Give a wrongly accepted dial time to show up, then check none did and nothing ran. */
  g_usleep (500 * 1000);
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (rd_sim_pbx_count_requests (env.pbx, "call/dial"), ==, dials);
  g_assert_false (g_file_test (env.pwned, G_FILE_TEST_EXISTS));
}

static void
test_screen_pop (void)
{
  static const char * const ring[] = { "2001", NULL };
  g_autofree char *id_param = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *browser = NULL;

  if (!env.ready)
    {
      g_test_skip ("no display or no dbusmock");
      return;
    }
  call_id = rd_sim_pbx_play_inbound (env.pbx, EVE_NUMBER, "+862180001000", ring, "2001", 5000, 1500);
  g_assert_nonnull (call_id);

  /* The notification names the caller and escapes the company's markup in the body. */
  g_assert_true (wait_file (env.notify_log, "\"Eve Wu\"", 1));
  g_assert_cmpuint (count_in_file (env.notify_log, "&lt;i&gt;Evil&lt;/i&gt; &amp; Co"), >=, 1);
  g_assert_cmpuint (count_in_file (env.notify_log, "<i>Evil</i>"), ==, 0);
  g_assert_cmpuint (count_in_file (env.notify_log, "\"open\", \"Open in Odoo\""), >=, 1);

  /* The record opens in the default browser, at the Odoo record of the caller … */
  g_assert_true (wait_file (env.browser_log, "http", 1));
  browser = read_file (env.browser_log);
  id_param = g_strdup_printf ("id=%" G_GINT64_FORMAT, env.eve_id);
  g_assert_true (g_str_has_prefix (browser, rd_sim_odoo_get_url (env.odoo)));
  g_assert_nonnull (strstr (browser, id_param));
  g_assert_nonnull (strstr (browser, "res.partner"));

  /* "Open in Odoo" on the ringing call's notification opens it again (the user asked) … */
  invoke_action (notification_id_of ("\"Eve Wu\""), "open");
  g_assert_true (wait_file (env.browser_log, "http", 2));

  /* … but the pop itself happens once per call: not again when answered or ended. */
  {
    gint64 end = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (10000);
      }
  }
  g_assert_cmpuint (count_in_file (env.browser_log, "http"), ==, 2);
  /* Answered, so no missed-call notification for it. */
  g_assert_cmpuint (count_in_file (env.notify_log, "Missed call from Eve Wu"), ==, 0);
}

static gboolean
partner_count_is (gpointer want)
{
  return rd_sim_odoo_count_records (env.odoo, "res.partner") == GPOINTER_TO_UINT (want);
}

static void
test_missed_call_actions (void)
{
  static const char * const ring[] = { "2001", NULL };
  g_autofree char *call_id = NULL;
  CallWait w = { "outbound", "13912340000" };
  guint id, partners, browser_before;

  if (!env.ready)
    {
      g_test_skip ("no display or no dbusmock");
      return;
    }
  call_id = rd_sim_pbx_play_inbound (env.pbx, UNKNOWN_NUMBER, "+862180001000", ring, NULL, 1200, 0);
  g_assert_nonnull (call_id);
  g_assert_true (wait_file (env.notify_log, "Missed call from", 1));
  g_assert_cmpuint (count_in_file (env.notify_log, "\"call-back\", \"Call Back\""), ==, 1);
  g_assert_cmpuint (count_in_file (env.notify_log, "\"create-contact\", \"Create Contact\""), ==, 1);
  id = notification_id_of ("Missed call from");
  g_assert_cmpuint (id, >, 0);

  /* "Call Back" dials the caller from 2001. */
  invoke_action (id, "call-back");
  g_assert_true (wait_for (observed_dial, &w, TIMEOUT_MS));

  /* "Create Contact" creates the record in Odoo and opens it. */
  partners = rd_sim_odoo_count_records (env.odoo, "res.partner");
  browser_before = count_in_file (env.browser_log, "http");
  invoke_action (id, "create-contact");
  g_assert_true (wait_for (partner_count_is, GUINT_TO_POINTER (partners + 1), TIMEOUT_MS));
  g_assert_true (wait_file (env.browser_log, "http", browser_before + 1));
}

static void
teardown (gboolean failed)
{
  if (env.app)
    {
      if (g_subprocess_get_identifier (env.app))
        run_second_instance ("--quit");
      if (!wait_for (subprocess_done, env.app, 10000))
        g_subprocess_force_exit (env.app);
    }
  if (env.notifyd)
    g_subprocess_force_exit (env.notifyd);
  if (env.watcher)
    g_subprocess_force_exit (env.watcher);
  if (env.observer)
    rd_agent_client_stop (env.observer);
  if (failed && env.app_log)
    {
      g_autofree char *log = read_file (env.app_log);
      g_printerr ("---- app log ----\n%s\n", log);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *keyring = NULL;
  int ret;

  rd_test_env_init ();
  env.tmp = rd_test_isolate_home ();
  keyring = g_build_filename (env.tmp, "test.keyring", NULL);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);   /* shared with the app process */
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);
  g_setenv ("RINGDESK", RD_TEST_RINGDESK, TRUE);
  g_setenv ("G_MESSAGES_DEBUG", "RdApp", TRUE);
  g_test_init (&argc, &argv, NULL);
  /* The simulators speak plain http on loopback and the PBX layer rightly warns about it:
   * warnings stay fatal for the layers under test here, not for RdPbx. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  for (guint i = 0; i < 4; i++)
    g_log_set_fatal_mask ((const char *[]) { "RdApp", "RdAppTest", "RdHub", "RdAgent" }[i],
                          G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  g_test_add_func ("/app/e2e/tray", test_tray);
  g_test_add_func ("/app/e2e/uri-handoff", test_uri_handoff);
  g_test_add_func ("/app/e2e/hostile-uri", test_hostile_uri);
  g_test_add_func ("/app/e2e/screen-pop", test_screen_pop);
  g_test_add_func ("/app/e2e/missed-call-actions", test_missed_call_actions);

  if (g_getenv ("DISPLAY") == NULL || !g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE) ||
      g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_test_message ("skipping: needs DISPLAY, a session bus and %s with dbusmock", PYTHON);
  else
    env.ready = setup ();

  ret = g_test_run ();
  teardown (ret != 0);
  return ret;
}
