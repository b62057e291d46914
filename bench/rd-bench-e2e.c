/* rd-bench-e2e — B8: the screen pop end to end, from the PBX's ring event to the moment the
 * desktop app asks the desktop to open the caller's record (and to show the notification), with
 * the real `ringdesk` app, a thousand agents signed in and a million contacts. Run by
 * bench/e2e-pop.sh under Xvfb and a private D-Bus session bus.
 *
 *   rd-bench-e2e HUB_BINARY RINGDESK_BINARY SCHEMA_DIR [--contacts N] [--agents N] [--calls N]
 *
 * The seams, untouched app: the app opens web pages through GTK and GIO, which with
 * GTK_USE_PORTAL=1 (as inside Flatpak) call org.freedesktop.portal.OpenURI.OpenURI on the session
 * bus; libnotify calls org.freedesktop.Notifications.Notify. This process owns both names (and a
 * StatusNotifierWatcher for the tray) on the private bus, served on a thread and main context of
 * their own, and stamps each call as it arrives with CLOCK_MONOTONIC — the clock of the PBX
 * simulator's signal RdSimPbx::event-pushed, emitted as it hands the call's first 30011 (RING)
 * frame to the hub. Between the two: the hub (its own process), the agent protocol, the app.
 *
 * The PBX simulator and the other agents (RdAgentClient, one per extension) run on this process's
 * main thread, the Odoo simulator on a thread of its own (bench-sim-thread.h: the hub's CRM work
 * after each call — logging it, with a million records in the simulator — held the thread the
 * PBX simulator writes ring events from, for seconds at times). The callers are chosen before it
 * starts. The hub's periodic index refresh and reconciliation are off.
 */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "app/rd-keyring.h"
#include "bench-sim-thread.h"
#include "proc-hub.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#define ADMIN_KEY "bench-e2e-admin-key"
#define DID       "01088880000"
#define APP_EXT   "2001"
/* The summary of the app's missed-call notification (the app runs untranslated). */
#define MISSED_PREFIX "Missed call"

static void
result (const char *name, double value, const char *unit)
{
  if (value == (gint64) value && ABS (value) < 1e15)
    g_print ("%s: %" G_GINT64_FORMAT " %s\n", name, (gint64) value, unit);
  else
    g_print ("%s: %.3f %s\n", name, value, unit);
}

static double t_start;
#define progress(...) G_STMT_START { g_printerr ("[rd-bench-e2e %6.1f s] ", g_get_monotonic_time () / 1e6 - t_start); \
                                     g_printerr (__VA_ARGS__); g_printerr ("\n"); } G_STMT_END

/* ---- the desktop's side of the bus: portals, notification server, tray watcher ------------------ */

static const char introspection[] =
  "<node>"
  " <interface name='org.freedesktop.portal.OpenURI'>"
  "  <method name='OpenURI'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "   <arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
  "  <property name='version' type='u' access='read'/>"
  " </interface>"
  " <interface name='org.freedesktop.portal.ProxyResolver'>"
  "  <method name='Lookup'><arg type='s' direction='in'/><arg type='as' direction='out'/></method>"
  "  <property name='version' type='u' access='read'/>"
  " </interface>"
  " <interface name='org.freedesktop.Notifications'>"
  "  <method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "   <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "   <arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "   <arg type='u' direction='out'/></method>"
  "  <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "  <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "  <method name='GetServerInformation'><arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "   <arg type='s' direction='out'/><arg type='s' direction='out'/></method>"
  "  <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  " </interface>"
  " <interface name='org.kde.StatusNotifierWatcher'>"
  "  <method name='RegisterStatusNotifierItem'><arg type='s' direction='in'/></method>"
  "  <method name='RegisterStatusNotifierHost'><arg type='s' direction='in'/></method>"
  "  <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
  "  <property name='ProtocolVersion' type='i' access='read'/>"
  "  <property name='RegisteredStatusNotifierItems' type='as' access='read'/>"
  " </interface>"
  "</node>";

typedef struct {
  gint64  t_us;   /* g_get_monotonic_time () on arrival */
  char   *what;   /* "open URL" / "notify SUMMARY" */
} Stamp;

typedef struct {
  GMutex      lock;
  GArray     *opens;       /* Stamp: arrival of each OpenURI, its URL */
  GArray     *notifies;    /* Stamp: arrival of each Notify, its summary */
  guint       next_id;
  gboolean    tray;        /* RegisterStatusNotifierItem seen */
  GMainContext *context;
  GMainLoop  *loop;
  GThread    *thread;
  gint        ready;
} Desktop;

static void
on_method (GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *method,
           GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
  Desktop *d = data;
  gint64 now = g_get_monotonic_time ();

  if (g_str_equal (method, "OpenURI"))
    {
      const char *parent, *uri;
      g_autoptr(GVariant) options = NULL;
      const char *token = "t";
      g_autofree char *who = g_strdup (sender + 1);
      g_autofree char *handle = NULL;

      g_variant_get (params, "(&s&s@a{sv})", &parent, &uri, &options);
      g_variant_lookup (options, "handle_token", "&s", &token);
      g_strdelimit (who, ".", '_');
      handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", who, token);
      g_mutex_lock (&d->lock);
      g_array_append_val (d->opens, ((Stamp) { now, g_strdup (uri) }));
      g_mutex_unlock (&d->lock);
      g_dbus_method_invocation_return_value (inv, g_variant_new ("(o)", handle));
      /* The browser started: the request's answer, as the portal sends it. */
      g_dbus_connection_emit_signal (bus, sender, handle, "org.freedesktop.portal.Request", "Response",
                                     g_variant_new ("(u@a{sv})", 0, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                                     NULL);
    }
  else if (g_str_equal (method, "Notify"))
    {
      const char *summary;
      guint id;

      g_variant_get_child (params, 3, "&s", &summary);
      g_mutex_lock (&d->lock);
      g_array_append_val (d->notifies, ((Stamp) { now, g_strdup (summary) }));
      id = ++d->next_id;
      g_mutex_unlock (&d->lock);
      g_dbus_method_invocation_return_value (inv, g_variant_new ("(u)", id));
    }
  else if (g_str_equal (method, "Lookup"))
    {
      /* GIO asks the portal for a proxy before each connection (the app's to the hub). */
      const char *direct[] = { "direct://", NULL };

      g_dbus_method_invocation_return_value (inv, g_variant_new ("(^as)", direct));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "body", "actions", "persistence", NULL };

      g_dbus_method_invocation_return_value (inv, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method, "GetServerInformation"))
    g_dbus_method_invocation_return_value (inv, g_variant_new ("(ssss)", "rd-bench-e2e", "Ringdesk", "1", "1.2"));
  else if (g_str_equal (method, "RegisterStatusNotifierItem"))
    {
      g_atomic_int_set (&d->tray, TRUE);
      g_dbus_method_invocation_return_value (inv, NULL);
    }
  else
    g_dbus_method_invocation_return_value (inv, NULL);
}

static GVariant *
on_property (GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *name,
             GError **error, gpointer data)
{
  if (g_str_equal (name, "version"))
    return g_variant_new_uint32 (3);
  if (g_str_equal (name, "IsStatusNotifierHostRegistered"))
    return g_variant_new_boolean (TRUE);
  if (g_str_equal (name, "ProtocolVersion"))
    return g_variant_new_int32 (0);
  return g_variant_new_strv (NULL, 0);
}

static gpointer
desktop_thread (gpointer data)
{
  Desktop *d = data;
  static const GDBusInterfaceVTable vtable = { on_method, on_property, NULL, { 0 } };
  static const struct { const char *name, *path, *iface; } services[] = {
    { "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop", "org.freedesktop.portal.OpenURI" },
    { NULL, "/org/freedesktop/portal/desktop", "org.freedesktop.portal.ProxyResolver" },
    { "org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.freedesktop.Notifications" },
    { "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, &error);
  g_autoptr(GDBusConnection) bus = NULL;

  g_main_context_push_thread_default (d->context);
  /* A connection of this thread's own: its calls are dispatched here, never behind the main thread. */
  bus = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autoptr(GVariant) reply = NULL;

      g_dbus_connection_register_object (bus, services[i].path,
                                         g_dbus_node_info_lookup_interface (info, services[i].iface),
                                         &vtable, d, NULL, &error);
      g_assert_no_error (error);
      if (services[i].name == NULL)
        continue;
      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "RequestName", g_variant_new ("(su)", services[i].name, 4 /* do not queue */),
                                           G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
      g_assert_no_error (error);
    }
  g_atomic_int_set (&d->ready, 1);
  g_main_loop_run (d->loop);
  g_main_context_pop_thread_default (d->context);
  return NULL;
}

static Desktop *
desktop_start (void)
{
  Desktop *d = g_new0 (Desktop, 1);

  g_mutex_init (&d->lock);
  d->opens = g_array_new (FALSE, FALSE, sizeof (Stamp));
  d->notifies = g_array_new (FALSE, FALSE, sizeof (Stamp));
  d->context = g_main_context_new ();
  d->loop = g_main_loop_new (d->context, FALSE);
  d->thread = g_thread_new ("desktop", desktop_thread, d);
  while (!g_atomic_int_get (&d->ready))
    g_usleep (1000);
  return d;
}

/* The first stamp of @stamps at or after @t_us whose text contains @with (NULL: any) and does not
 * begin with @without (NULL: none), -1 if none. Matching by content, not by order, so that a late
 * desktop call of one call (a missed-call notification, a slow open) is never taken for the next
 * call's. */
static gint64
first_after (Desktop *d, GArray *stamps, gint64 t_us, const char *with, const char *without)
{
  gint64 found = -1;

  g_mutex_lock (&d->lock);
  for (guint i = 0; i < stamps->len && found < 0; i++)
    {
      Stamp *st = &g_array_index (stamps, Stamp, i);

      if (st->t_us >= t_us && (with == NULL || strstr (st->what, with) != NULL) &&
          (without == NULL || !g_str_has_prefix (st->what, without)))
        found = st->t_us;
    }
  g_mutex_unlock (&d->lock);
  return found;
}

/* For a call that missed its deadline: where the desktop calls around its ring event were, in ms
 * from it (negative: before it), with what they said. */
static void
describe_around (Desktop *d, GArray *stamps, gint64 t_us, const char *what)
{
  g_mutex_lock (&d->lock);
  for (guint i = 0; i < stamps->len; i++)
    {
      Stamp *st = &g_array_index (stamps, Stamp, i);

      if (st->t_us > t_us - 2 * G_USEC_PER_SEC && st->t_us < t_us + 5 * G_USEC_PER_SEC)
        g_printerr ("    %s %+.1f ms: %s\n", what, (st->t_us - t_us) / 1000.0, st->what);
    }
  g_mutex_unlock (&d->lock);
}

/* OpenURI calls whose URL names none of the partners that called (@url_parts). */
static guint
count_wrong_opens (Desktop *d, GPtrArray *url_parts)
{
  guint n = 0;

  g_mutex_lock (&d->lock);
  for (guint i = 0; i < d->opens->len; i++)
    {
      Stamp *st = &g_array_index (d->opens, Stamp, i);
      gboolean known = FALSE;

      for (guint j = 0; j < url_parts->len && !known; j++)
        known = strstr (st->what, url_parts->pdata[j]) != NULL;
      n += !known;
    }
  g_mutex_unlock (&d->lock);
  return n;
}

/* ---- the calls -------------------------------------------------------------------------------- */

typedef struct {
  GHashTable *emitted;   /* call id → gint64* first 30011 emission */
} Emissions;

static void
on_event_pushed (RdSimPbx *pbx, int type, const char *call_id, Emissions *e)
{
  gint64 now = g_get_monotonic_time ();

  if (type == 30011 && call_id != NULL && !g_hash_table_contains (e->emitted, call_id))
    g_hash_table_insert (e->emitted, g_strdup (call_id), g_memdup2 (&now, sizeof now));
}

static gboolean
index_ready (gpointer hub)
{
  g_autoptr(JsonObject) status = proc_hub_status (hub);

  return status != NULL && json_object_get_boolean_member_with_default (status, "index_ready", FALSE);
}

typedef struct {
  ProcHub *hub;
  guint    want;
} AgentsWait;

static gboolean
agents_counted (gpointer data)
{
  AgentsWait *w = data;
  g_autoptr(JsonObject) status = proc_hub_status (w->hub);

  return status != NULL && (guint) json_object_get_int_member_with_default (status, "agents", 0) >= w->want;
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

static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static guint
opt_uint (int argc, char **argv, const char *name, guint fallback)
{
  for (int i = 0; i + 1 < argc; i++)
    if (g_str_equal (argv[i], name))
      return (guint) g_ascii_strtoull (argv[i + 1], NULL, 10);
  return fallback;
}

typedef struct {
  Desktop    *d;
  gint64      t_emit;
  const char *url_part;   /* "id=N&": the calling partner's record */
} OpenWait;

/* The app asked to open the caller's record and showed the call's notification. */
static gboolean
opened (gpointer data)
{
  OpenWait *w = data;

  return first_after (w->d, w->d->opens, w->t_emit, w->url_part, NULL) >= 0 &&
         first_after (w->d, w->d->notifies, w->t_emit, NULL, MISSED_PREFIX) >= 0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL, *keyring = NULL, *app_log = NULL, *hub_dir = NULL;
  g_autofree char *url = NULL, *key = NULL;
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(JsonObject) pbx_body = json_object_new ();
  g_autoptr(JsonObject) crm_body = json_object_new ();
  g_autoptr(JsonObject) bind = json_object_new ();
  g_autoptr(JsonObject) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) open_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GPtrArray) url_parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) callers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) caller_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  BenchSimThread *sim;
  g_autoptr(GArray) notify_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  Emissions emissions = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
  guint contacts, n_agents, n_calls, no_open = 0, no_notify = 0, wrong_url = 0;
  gint64 first_id;
  gboolean stored = FALSE;
  RdSimPbx *pbx;
  RdSimOdoo *odoo;
  ProcHub *hub;
  Desktop *desktop;
  AgentsWait aw;
  double t;

  t_start = g_get_monotonic_time () / 1e6;
  if (argc < 4)
    {
      g_printerr ("usage: %s HUB_BINARY RINGDESK_BINARY SCHEMA_DIR [--contacts N] [--agents N] [--calls N]\n", argv[0]);
      return 2;
    }
  contacts = opt_uint (argc, argv, "--contacts", 1000000);
  n_agents = MAX (opt_uint (argc, argv, "--agents", 1000), 1);
  n_calls = opt_uint (argc, argv, "--calls", 300);
  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("needs DISPLAY and a session bus (run through bench/e2e-pop.sh)");
  signal (SIGPIPE, SIG_IGN);
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  {
    /* A thousand agents need more than 1,024 descriptors here and in the hub (which inherits this). */
    struct rlimit lim;

    if (getrlimit (RLIMIT_NOFILE, &lim) == 0)
      {
        lim.rlim_cur = lim.rlim_max;
        setrlimit (RLIMIT_NOFILE, &lim);
      }
  }

  /* A private home, settings in a keyfile and a file keyring, shared with the app process. */
  tmp = g_dir_make_tmp ("rd-bench-e2e-XXXXXX", &error);
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
  app_log = g_build_filename (tmp, "app.log", NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", argv[3], TRUE);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "bench-password", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  desktop = desktop_start ();

  /* Simulators: the app's extension and n_agents - 1 others, a user each, a million contacts. */
  pbx = rd_sim_pbx_new ();
  odoo = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_set_company_country (odoo, "CN");
  rd_sim_odoo_add_user (odoo, "admin", "Administrator", "admin@example.com", ADMIN_KEY, RD_CRM_USER_INTERNAL, TRUE);
  for (guint i = 0; i < n_agents; i++)
    {
      g_autofree char *ext = i == 0 ? g_strdup (APP_EXT) : g_strdup_printf ("%u", 3000 + i);
      g_autofree char *email = g_strdup_printf ("agent%s@example.com", ext);
      g_autofree char *name = g_strdup_printf ("Agent %s", ext);
      g_autofree char *login = g_strdup_printf ("agent%s", ext);

      rd_sim_pbx_add_extension (pbx, ext, name, email);
      rd_sim_odoo_add_user (odoo, login, name, email, NULL, RD_CRM_USER_INTERNAL, FALSE);
    }
  first_id = rd_sim_odoo_count_records (odoo, "res.partner") + 1;
  rd_sim_odoo_set_clock (odoo, g_get_real_time () / G_USEC_PER_SEC - 86400);
  rd_sim_odoo_bulk_add_partners (odoo, contacts, 42);
  rd_sim_odoo_set_clock (odoo, 0);
  g_signal_connect (pbx, "event-pushed", G_CALLBACK (on_event_pushed), &emissions);
  g_assert_true (rd_sim_pbx_start (pbx, &error));
  /* The callers (partners with a Chinese number, as the PBX presents them), then the simulator
   * goes to its own thread. */
  while (callers->len < n_calls)
    {
      gint64 id = first_id + g_rand_int_range (rand, 0, (gint32) contacts);
      char *phone = rd_sim_odoo_get_string (odoo, "res.partner", id, "phone");

      if (phone == NULL || !g_str_has_prefix (phone, "+86 "))
        {
          g_free (phone);
          continue;
        }
      g_ptr_array_add (callers, phone);
      g_array_append_val (caller_ids, id);
    }
  sim = bench_sim_thread_start (odoo);

  hub_dir = g_build_filename (tmp, "hub", NULL);
  hub = proc_hub_new (argv[1], hub_dir);
  hub->debug_logs = g_getenv ("RD_BENCH_HUB_DEBUG") != NULL;
  hub->engine_extra = g_strdup ("index-reconcile=0\n");   /* and index-refresh=0 (proc-hub's default) */
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
  if (!hub_wait_until_every (index_ready, hub, 30 * 60 * 1000, 200))
    g_error ("the phone index was not filled in 30 minutes");
  progress ("hub: %u contacts indexed", contacts);
  json_object_set_boolean_member (bind, "auto", TRUE);
  r3 = proc_hub_admin (hub, "bind", bind, &error);
  g_assert_no_error (error);

  /* The other agents, signed in here. */
  for (guint i = 1; i < n_agents; i++)
    {
      g_autofree char *ext = g_strdup_printf ("%u", 3000 + i);
      g_autofree char *agent_url = NULL;
      g_autofree char *agent_key = proc_hub_agent_key (hub, ext, &agent_url, &error);
      RdAgentClient *client;

      g_assert_no_error (error);
      client = rd_agent_client_new (agent_url);
      rd_agent_client_set_agent_key (client, ext, agent_key);
      rd_agent_client_start (client);
      g_ptr_array_add (agents, client);
    }

  /* The app, configured as its user would, signed in as the app's extension. */
  key = proc_hub_agent_key (hub, APP_EXT, &url, &error);
  g_assert_no_error (error);
  rd_keyring_store_async (RD_KEYRING_AGENT_KEY, APP_EXT, key, NULL, stored_cb, &stored);
  hub_wait_until (flag, &stored, 20000);
  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "configured", TRUE);
  g_settings_set_string (settings, "hub-url", url);
  g_settings_set_enum (settings, "sign-in-method", 1);
  g_settings_set_string (settings, "extension", APP_EXT);
  g_settings_sync ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, app_log);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* URLs through the OpenURI portal, as the Flatpak build does: GLib 2.74 reads GTK_USE_PORTAL
   * (later GLib releases GIO_USE_PORTALS). */
  g_subprocess_launcher_setenv (launcher, "GTK_USE_PORTAL", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GIO_USE_PORTALS", "1", TRUE);
  {
    /* ... and GIO asks the portal only when it knows no browser itself (as in the sandbox): the app
     * sees no system .desktop files. */
    g_autofree char *xdg = g_build_filename (tmp, "xdg", NULL);

    g_mkdir_with_parents (xdg, 0700);
    g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", xdg, TRUE);
  }
  if (g_getenv ("RD_BENCH_APP_DEBUG") != NULL)
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  app = g_subprocess_launcher_spawn (launcher, &error, argv[2], "--background", NULL);
  g_assert_no_error (error);
  aw = (AgentsWait) { hub, n_agents };
  if (!hub_wait_until_every (agents_counted, &aw, 600000, 200))
    {
      g_autofree char *log = NULL;

      g_file_get_contents (app_log, &log, NULL, NULL);
      g_printerr ("app log:\n%s\n", log ? log : "");
      g_error ("not every agent signed in");
    }
  progress ("%u agents signed in (the app one of them)", n_agents);
  hub_wait_ms (2000);

  /* Calls to the app's extension from random contacts, one at a time. */
  t = g_get_monotonic_time () / 1e6;
  for (guint i = 0; i < n_calls; i++)
    {
      const char *ring[] = { APP_EXT, NULL };
      gint64 id = g_array_index (caller_ids, gint64, i);
      const char *phone = callers->pdata[i];
      g_autofree char *call_id = NULL;
      g_autofree char *url_part = g_strdup_printf ("id=%" G_GINT64_FORMAT "&", id);
      gint64 *t_emit, t_open, t_notify;
      OpenWait w;

      call_id = rd_sim_pbx_play_inbound (pbx, phone, DID, ring, NULL, 400, 0);
      while ((t_emit = g_hash_table_lookup (emissions.emitted, call_id)) == NULL)
        g_main_context_iteration (NULL, TRUE);
      w = (OpenWait) { desktop, *t_emit, url_part };
      hub_wait_until (opened, &w, 3000);
      t_open = first_after (desktop, desktop->opens, *t_emit, url_part, NULL);
      t_notify = first_after (desktop, desktop->notifies, *t_emit, NULL, MISSED_PREFIX);
      g_ptr_array_add (url_parts, g_strdup (url_part));
      if (t_open < 0)
        {
          no_open++;
          progress ("call %s from %s (%s): no OpenURI within 3 s", call_id, phone, url_part);
          describe_around (desktop, desktop->opens, *t_emit, "open");
        }
      else
        {
          double ms = (t_open - *t_emit) / 1000.0;

          g_array_append_val (open_ms, ms);
        }
      if (t_notify < 0)
        {
          no_notify++;
          progress ("call %s from %s: no notification within 3 s", call_id, phone);
          describe_around (desktop, desktop->notifies, *t_emit, "notify");
        }
      else
        {
          double ms = (t_notify - *t_emit) / 1000.0;

          g_array_append_val (notify_ms, ms);
        }
      hub_wait_ms (600);   /* the call rings out; the missed-call notification goes by */
      if (i % 50 == 49)
        progress ("%u calls", i + 1);
    }

  wrong_url = count_wrong_opens (desktop, url_parts);
  result ("b8_contacts", contacts, "contacts");
  result ("b8_agents_signed_in", n_agents, "agents");
  result ("b8_calls", n_calls, "calls");
  result ("b8_pop_open_samples", open_ms->len, "count");
  result ("b8_pop_open_p50", proc_percentile (open_ms, 50), "ms");
  result ("b8_pop_open_p99", proc_percentile (open_ms, 99), "ms");
  result ("b8_pop_open_max", proc_percentile (open_ms, 100), "ms");
  result ("b8_pop_notify_p50", proc_percentile (notify_ms, 50), "ms");
  result ("b8_pop_notify_p99", proc_percentile (notify_ms, 99), "ms");
  result ("b8_pop_notify_max", proc_percentile (notify_ms, 100), "ms");
  result ("b8_no_open", no_open, "calls");
  result ("b8_no_notify", no_notify, "calls");
  result ("b8_wrong_record", wrong_url, "opens");
  result ("b8_hub_rss", proc_status_field (proc_hub_pid (hub), "VmRSS") / 1024.0, "MB");
  progress ("%u calls in %.1f s", n_calls, g_get_monotonic_time () / 1e6 - t);

  g_subprocess_send_signal (app, SIGTERM);
  g_subprocess_wait (app, NULL, NULL);
  for (guint i = 0; i < agents->len; i++)
    rd_agent_client_stop (agents->pdata[i]);
  g_ptr_array_set_size (agents, 0);
  proc_hub_free (hub);
  g_object_unref (pbx);
  bench_sim_thread_stop (sim);
  g_hash_table_unref (emissions.emitted);
  if (g_getenv ("RD_BENCH_KEEP") == NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);

      (void) !system (cmd);
    }
  else
    g_printerr ("kept %s\n", tmp);
  return 0;
}
