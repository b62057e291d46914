/* rd-bench-app — B4, the desktop app's footprint (run by bench/app-footprint.sh under Xvfb and a
 * private D-Bus session).
 *
 *   rd-bench-app HUB_BINARY RINGDESK_BINARY SCHEMA_DIR IDLE_SECONDS
 *
 * The PBX and Odoo simulators run here, `ringdesk-hub serve` as its own process. The app is
 * configured as a user would (GSettings keyfile + file keyring with the agent key of 2001), a
 * mock StatusNotifierWatcher (python3-dbusmock) stands in for the panel, and `ringdesk
 * --background` is started. Measured:
 *   b4_ready_signed_in  launch → the hub counts the app's session (admin status polled every 10 ms)
 *   b4_ready_tray       launch → RegisterStatusNotifierItem in the watcher's log (polled every 5 ms)
 *   b4_ready            the later of the two
 *   b4_rss, b4_rss_peak VmRSS / VmHWM of the app after the idle period
 *   b4_ctxt_switches_*  voluntary + involuntary context switches of all the app's threads
 *                       during the idle period (from /proc/PID/task/{*}/status), per minute
 *   b4_threads          threads of the app process
 * Wake-ups by cause (timer vs. file descriptor) come from strace in app-footprint.sh.
 */
#include "config.h"

#include "app/rd-keyring.h"
#include "proc-hub.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#define ADMIN_KEY "bench-app-admin-key"

static const char watcher_template[] =
  "import dbus\n"
  "BUS_NAME = 'org.kde.StatusNotifierWatcher'\n"
  "MAIN_OBJ = '/StatusNotifierWatcher'\n"
  "MAIN_IFACE = 'org.kde.StatusNotifierWatcher'\n"
  "SYSTEM_BUS = False\n"
  "def load(mock, parameters):\n"
  "    mock.AddMethods(MAIN_IFACE, [('RegisterStatusNotifierItem', 's', '', ''),\n"
  "                                 ('RegisterStatusNotifierHost', 's', '', '')])\n"
  "    mock.AddProperties(MAIN_IFACE, {'IsStatusNotifierHostRegistered': True,\n"
  "                                    'ProtocolVersion': dbus.Int32(0),\n"
  "                                    'RegisteredStatusNotifierItems': dbus.Array([], signature='s')})\n";

static void
result (const char *name, double value, const char *unit)
{
  g_print ("%s: %.3f %s\n", name, value, unit);
}

static gboolean
name_owned (gpointer name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean has = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", (const char *) name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has);
  return has;
}

static gboolean
file_has (const char *path, const char *needle)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn (const char *log, GError **error, const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (log ? G_SUBPROCESS_FLAGS_STDERR_MERGE
                                                                     : G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  if (log != NULL)
    g_subprocess_launcher_set_stdout_file_path (l, log);
  g_subprocess_launcher_set_child_setup (l, child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (l, argv, error);
}

/* Context switches (voluntary + involuntary) per thread id of @pid. */
static GHashTable *
threads_switches (GPid pid)
{
  g_autofree char *dir = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *tid;

  while (d != NULL && (tid = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/status", dir, tid);
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;
      gint64 sum = 0;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "voluntary_ctxt_switches:") ||
            g_str_has_prefix (lines[i], "nonvoluntary_ctxt_switches:"))
          sum += g_ascii_strtoll (strchr (lines[i], ':') + 1, NULL, 10);
      g_hash_table_insert (out, g_strdup (tid), g_memdup2 (&sum, sizeof sum));
    }
  return out;
}

/* Switches between two samples: deltas of threads alive in both, plus everything of threads
 * born in between (threads that ended in between are not counted). */
static gint64
switches_between (GHashTable *before, GHashTable *after)
{
  GHashTableIter iter;
  gpointer tid, value;
  gint64 total = 0;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &tid, &value))
    {
      gint64 *old = g_hash_table_lookup (before, tid);

      total += *(gint64 *) value - (old != NULL ? *old : 0);
    }
  return total;
}

typedef struct {
  ProcHub *hub;
} HubRef;

static gboolean
agent_counted (gpointer data)
{
  g_autoptr(JsonObject) status = proc_hub_status (data);

  return status != NULL && json_object_get_int_member_with_default (status, "agents", 0) >= 1;
}

static void
stored_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (!rd_keyring_store_finish (res, &error))
    g_error ("keyring: %s", error->message);
  *(gboolean *) data = TRUE;
}

static gboolean
flag (gpointer data)
{
  return *(gboolean *) data;
}

typedef struct {
  const char *path, *needle;
} FileWait;

static gboolean
file_wait (gpointer data)
{
  FileWait *w = data;

  return file_has (w->path, w->needle);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *keyring = NULL, *template = NULL, *watcher_log = NULL, *app_log = NULL, *hub_dir = NULL;
  g_autofree char *url = NULL, *key = NULL;
  g_autoptr(GSubprocess) watcher = NULL;
  g_autoptr(GSubprocess) notifyd = NULL;
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(JsonObject) pbx_body = json_object_new ();
  g_autoptr(JsonObject) crm_body = json_object_new ();
  g_autoptr(JsonObject) bind = json_object_new ();
  g_autoptr(JsonObject) r1 = NULL, r2 = NULL, r3 = NULL;
  RdSimPbx *pbx;
  RdSimOdoo *odoo;
  ProcHub *hub;
  gboolean stored = FALSE;
  double t0, t_signed = -1, t_tray = -1;
  guint idle_s;
  GPid pid;
  g_autoptr(GHashTable) sw0 = NULL;
  g_autoptr(GHashTable) sw1 = NULL;
  gint64 switches;
  FileWait tray_wait;

  if (argc != 5)
    {
      g_printerr ("usage: %s HUB_BINARY RINGDESK_BINARY SCHEMA_DIR IDLE_SECONDS\n", argv[0]);
      return 2;
    }
  idle_s = (guint) g_ascii_strtoull (argv[4], NULL, 10);
  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("needs DISPLAY and a session bus (run through bench/app-footprint.sh)");

  /* A private home, settings in a keyfile and a file keyring, shared with the app process. */
  tmp = g_dir_make_tmp ("rd-bench-app-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const char *dirs[][2] = { { "HOME", "home" }, { "XDG_CONFIG_HOME", "config" }, { "XDG_DATA_HOME", "data" },
                              { "XDG_CACHE_HOME", "cache" }, { "XDG_STATE_HOME", "state" } };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_autofree char *path = g_build_filename (tmp, dirs[i][1], NULL);

        g_mkdir_with_parents (path, 0700);
        g_setenv (dirs[i][0], path, TRUE);
      }
  }
  keyring = g_build_filename (tmp, "bench.keyring", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", argv[3], TRUE);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "bench-password", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK);

  /* The panel's tray watcher. */
  template = g_build_filename (tmp, "sni_watcher.py", NULL);
  watcher_log = g_build_filename (tmp, "watcher.log", NULL);
  app_log = g_build_filename (tmp, "app.log", NULL);
  g_file_set_contents (template, watcher_template, -1, NULL);
  watcher = spawn (NULL, &error, (const char *[]) { "/usr/bin/python3", "-m", "dbusmock", "--session", "-t", template,
                                                    "-l", watcher_log, NULL });
  g_assert_no_error (error);
  if (!hub_wait_until_every (name_owned, (gpointer) "org.kde.StatusNotifierWatcher", 15000, 50))
    g_error ("no mock StatusNotifierWatcher (python3-dbusmock)");
  /* A desktop also runs a notification server: without one, libnotify's first call waits for a
   * failed D-Bus activation (about 1.2 s measured here), which no user sees. */
  notifyd = spawn (NULL, &error, (const char *[]) { "/usr/bin/python3", "-m", "dbusmock", "--session", "-t",
                                                    "notification_daemon", NULL });
  g_assert_no_error (error);
  if (!hub_wait_until_every (name_owned, (gpointer) "org.freedesktop.Notifications", 15000, 50))
    g_error ("no mock notification server (python3-dbusmock)");

  /* Simulators and the hub. */
  pbx = rd_sim_pbx_new ();
  rd_sim_pbx_add_extension (pbx, "2001", "Alice Zhang", "alice@example.com");
  odoo = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_set_company_country (odoo, "CN");
  rd_sim_odoo_add_user (odoo, "admin", "Administrator", "admin@example.com", ADMIN_KEY, RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_add_user (odoo, "alice", "Alice Zhang", "alice@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_odoo_add_partner (odoo, "Li Lei", "+86 138 0013 8000", NULL, FALSE, 0, NULL);
  g_assert_true (rd_sim_pbx_start (pbx, &error));
  g_assert_true (rd_sim_odoo_start (odoo, &error));
  hub_dir = g_build_filename (tmp, "hub", NULL);
  hub = proc_hub_new (argv[1], hub_dir);
  if (!proc_hub_start (hub, 30000, &error))
    g_error ("%s", error->message);
  json_object_set_string_member (pbx_body, "url", rd_sim_pbx_get_base_url (pbx));
  json_object_set_string_member (pbx_body, "client_id", RD_SIM_PBX_DEFAULT_CLIENT_ID);
  json_object_set_string_member (pbx_body, "client_secret", RD_SIM_PBX_DEFAULT_SECRET);
  r1 = proc_hub_admin (hub, "connect-pbx", pbx_body, &error);
  g_assert_no_error (error);
  json_object_set_string_member (crm_body, "url", rd_sim_odoo_get_url (odoo));
  json_object_set_string_member (crm_body, "database", rd_sim_odoo_get_database (odoo));
  json_object_set_string_member (crm_body, "login", "admin");
  json_object_set_string_member (crm_body, "api_key", ADMIN_KEY);
  r2 = proc_hub_admin (hub, "connect-crm", crm_body, &error);
  g_assert_no_error (error);
  json_object_set_boolean_member (bind, "auto", TRUE);
  r3 = proc_hub_admin (hub, "bind", bind, &error);
  g_assert_no_error (error);
  key = proc_hub_agent_key (hub, "2001", &url, &error);
  g_assert_no_error (error);

  /* The user's configuration. */
  rd_keyring_store_async (RD_KEYRING_AGENT_KEY, "2001", key, NULL, stored_cb, &stored);
  hub_wait_until (flag, &stored, 20000);
  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "configured", TRUE);
  g_settings_set_string (settings, "hub-url", url);
  g_settings_set_enum (settings, "sign-in-method", 1);
  g_settings_set_string (settings, "extension", "2001");
  g_settings_sync ();

  /* Launch and wait for "ready": signed in and the tray registered. */
  t0 = g_get_monotonic_time () / 1000.0;
  app = spawn (app_log, &error, (const char *[]) { argv[2], "--background", NULL });
  g_assert_no_error (error);
  pid = (GPid) atoi (g_subprocess_get_identifier (app));
  tray_wait = (FileWait) { watcher_log, "RegisterStatusNotifierItem" };
  while ((t_signed < 0 || t_tray < 0) && g_get_monotonic_time () / 1000.0 - t0 < 20000)
    {
      if (t_tray < 0 && file_wait (&tray_wait))
        t_tray = g_get_monotonic_time () / 1000.0 - t0;
      if (t_signed < 0 && agent_counted (hub))
        t_signed = g_get_monotonic_time () / 1000.0 - t0;
      hub_wait_ms (5);
    }
  if (t_signed < 0 || t_tray < 0)
    {
      g_autofree char *log = NULL;

      g_file_get_contents (app_log, &log, NULL, NULL);
      g_printerr ("app log:\n%s\n", log ? log : "");
      g_error ("the app did not become ready (signed in %.0f ms, tray %.0f ms)", t_signed, t_tray);
    }
  result ("b4_ready_signed_in", t_signed, "ms");
  result ("b4_ready_tray", t_tray, "ms");
  result ("b4_ready", MAX (t_signed, t_tray), "ms");

  /* Idle: the app signed in, nothing happening. */
  hub_wait_ms (2000);
  g_print ("b4_app_pid: %d pid\n", (int) pid);
  fflush (stdout);
  {
    /* app-footprint.sh attaches strace to this pid for the idle period; give it a moment. */
    const char *ready_file = g_getenv ("RD_BENCH_APP_PIDFILE");

    if (ready_file != NULL)
      {
        g_autofree char *text = g_strdup_printf ("%d\n", (int) pid);

        g_file_set_contents (ready_file, text, -1, NULL);
        hub_wait_ms (1000);
      }
  }
  sw0 = threads_switches (pid);
  hub_wait_ms (idle_s * 1000);
  sw1 = threads_switches (pid);
  switches = switches_between (sw0, sw1);
  result ("b4_idle", idle_s, "s");
  result ("b4_threads", g_hash_table_size (sw1), "threads");
  result ("b4_ctxt_switches_idle", (double) switches, "switches");
  result ("b4_ctxt_switches_per_min", switches * 60.0 / idle_s, "switches/min");
  if (g_getenv ("RD_BENCH_APP_SMAPS") != NULL)
    {
      g_autofree char *src = g_strdup_printf ("/proc/%d/smaps", (int) pid);
      g_autofree char *text = NULL;

      if (g_file_get_contents (src, &text, NULL, NULL))
        g_file_set_contents (g_getenv ("RD_BENCH_APP_SMAPS"), text, -1, NULL);
    }
  result ("b4_rss", proc_status_field (pid, "VmRSS") / 1024.0, "MB");
  result ("b4_rss_peak", proc_status_field (pid, "VmHWM") / 1024.0, "MB");
  {
    /* Shared libraries count fully in RSS; PSS shares them out, private pages are the app's own. */
    g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", (int) pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gint64 pss = 0, priv = 0, anon = 0;

    if (g_file_get_contents (path, &text, NULL, NULL))
      {
        lines = g_strsplit (text, "\n", -1);
        for (guint i = 0; lines[i] != NULL; i++)
          {
            gint64 v = strchr (lines[i], ':') ? g_ascii_strtoll (strchr (lines[i], ':') + 1, NULL, 10) : 0;

            if (g_str_has_prefix (lines[i], "Pss:"))
              pss = v;
            else if (g_str_has_prefix (lines[i], "Private_Clean:") || g_str_has_prefix (lines[i], "Private_Dirty:"))
              priv += v;
            else if (g_str_has_prefix (lines[i], "Anonymous:"))
              anon = v;
          }
        result ("b4_pss", pss / 1024.0, "MB");
        result ("b4_private", priv / 1024.0, "MB");
        result ("b4_anonymous", anon / 1024.0, "MB");
      }
  }
  result ("b4_hub_agents", json_object_get_int_member_with_default (proc_hub_status (hub), "agents", 0), "agents");

  g_subprocess_send_signal (app, SIGTERM);
  g_subprocess_wait (app, NULL, NULL);
  g_subprocess_force_exit (watcher);
  g_subprocess_force_exit (notifyd);
  proc_hub_free (hub);
  g_object_unref (pbx);
  g_object_unref (odoo);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);

    if (g_getenv ("RD_BENCH_KEEP") == NULL)
      (void) !system (cmd);
    else
      g_printerr ("kept %s\n", tmp);
  }
  return 0;
}
