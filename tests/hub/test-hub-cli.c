/* The admin command line against a running `ringdesk-hub serve` (a subprocess), with the
 * PBX and Odoo simulators in this process; and the hub killed with SIGKILL mid-burst. */
#include "config.h"

#include "hub-test-util.h"
#include "../rd-test-fds.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *hub_binary;

typedef struct {
  HubSims      sims;
  char        *config;
  char        *socket;
  char        *log;
  GSubprocess *hub;
} Fixture;

static gboolean
socket_exists (gpointer data)
{
  return g_file_test (((Fixture *) data)->socket, G_FILE_TEST_EXISTS);
}

static void
start_hub (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_stderr_file_path (launcher, f->log);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  f->hub = g_subprocess_launcher_spawn (launcher, &error, hub_binary, "--config", f->config, "serve", NULL);
  g_assert_no_error (error);
  g_assert_true (hub_wait_until (socket_exists, f, 10000));
}

static void
hub_waited_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
stop_hub (Fixture *f, gboolean kill)
{
  if (f->hub == NULL)
    return;
  if (kill)
    g_subprocess_force_exit (f->hub);
  else
    g_subprocess_send_signal (f->hub, SIGTERM);
  {
    gboolean exited = FALSE;

    g_subprocess_wait_async (f->hub, NULL, hub_waited_cb, &exited);
    g_assert_true (hub_wait_until (flag_set, &exited, 10000));
  }
  g_clear_object (&f->hub);
  if (kill)
    g_unlink (f->socket);   /* a killed hub leaves its socket; the next start replaces it */
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;

  hub_sims_start (&f->sims);
  f->config = g_build_filename (f->sims.tmp, "hub.conf", NULL);
  f->socket = g_build_filename (f->sims.tmp, "run", "admin.sock", NULL);
  f->log = g_build_filename (f->sims.tmp, "hub.log", NULL);
  text = g_strdup_printf ("[hub]\nlisten-address=127.0.0.1\nport=0\ndatabase=hub.db\nadmin-socket=run/admin.sock\n"
                          "secrets-dir=secrets\n[engine]\nretry-base=1\nretry-max=2\nindex-refresh=0\n");
  g_assert_true (g_file_set_contents (f->config, text, -1, NULL));
  start_hub (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  stop_hub (f, FALSE);
  g_free (f->config);
  g_free (f->socket);
  g_free (f->log);
  hub_sims_stop (&f->sims);
}

/* ---- running commands ------------------------------------------------------------ */

typedef struct {
  gboolean done;
  char    *out;
  char    *err;
  int      status;
} Run;

static void
communicated_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (G_SUBPROCESS (source)) ? g_subprocess_get_exit_status (G_SUBPROCESS (source)) : -1;
  run->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->done;
}

/* Runs `ringdesk-hub --config … ARGS` with @input on stdin, the simulators serving meanwhile. */
static int
cli (Fixture *f, const char *input, char **out, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  va_list ap;

  g_ptr_array_add (argv, (char *) hub_binary);
  g_ptr_array_add (argv, (char *) "--config");
  g_ptr_array_add (argv, f->config);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, input ? input : "", NULL, communicated_cb, &run);
  g_assert_true (hub_wait_until (run_done, &run, 60000));
  if (run.status != 0)
    g_test_message ("%s → %d: %s", first, run.status, run.err);
  if (out != NULL)
    *out = g_steal_pointer (&run.out);
  g_free (run.out);
  g_free (run.err);
  return run.status;
}

static JsonObject *
status_json (Fixture *f)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpint (cli (f, NULL, &out, "status", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static const char *
state_of (Fixture *f, const char *part)
{
  static char buffer[64];
  g_autoptr(JsonObject) status = status_json (f);

  g_strlcpy (buffer, json_object_get_string_member (json_object_get_object_member (status, part), "state"),
             sizeof buffer);
  return buffer;
}

static void
connect_both (Fixture *f)
{
  g_autofree char *key_file = g_build_filename (f->sims.tmp, "odoo-key", NULL);
  g_autofree char *secret_line = g_strconcat (RD_SIM_PBX_DEFAULT_SECRET, "\n", NULL);

  g_assert_true (g_file_set_contents (key_file, ADMIN_KEY "\n", -1, NULL));
  g_chmod (key_file, 0600);
  g_assert_cmpint (cli (f, secret_line, NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                        "--client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID, NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "connect-odoo", "--url", rd_sim_odoo_get_url (f->sims.odoo),
                        "--database", rd_sim_odoo_get_database (f->sims.odoo), "--login", "admin",
                        "--api-key-file", key_file, NULL), ==, 0);
}

/* ---- the admin command line --------------------------------------------------------- */

static void
test_admin (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;
  g_autofree char *secret_file = g_build_filename (f->sims.tmp, "secrets", "crm-api-key", NULL);
  g_autoptr(JsonObject) status = NULL;
  struct stat st;
  const char *hub_pid;
  guint fds;

  g_assert_cmpstr (state_of (f, "crm"), ==, "not-configured");
  g_assert_cmpint (g_stat (f->socket, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Usage errors (exit 2) and refusals (exit 1). */
  g_assert_cmpint (cli (f, NULL, NULL, "bind", NULL), ==, 2);
  g_assert_cmpint (cli (f, NULL, NULL, "sync", "maybe", NULL), ==, 2);
  g_assert_cmpint (cli (f, NULL, NULL, "frobnicate", NULL), ==, 2);
  g_assert_cmpint (cli (f, NULL, NULL, "connect-crm", "--url", "x", NULL), ==, 2);
  g_assert_cmpint (cli (f, NULL, NULL, "sync", "on", NULL), ==, 1);
  g_assert_cmpint (cli (f, "\n", NULL, "connect-pbx", "--url", "http://127.0.0.1:1", "--client-id", "x", NULL), ==, 1);
  g_assert_cmpint (cli (f, "wrong-secret\n", NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                        "--client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID, NULL), ==, 1);

  connect_both (f);
  g_assert_cmpstr (state_of (f, "crm"), ==, "connected");
  g_assert_cmpstr (state_of (f, "pbx"), ==, "connected");
  g_assert_cmpint (g_stat (secret_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* Another CRM needs a disconnect first. */
  g_assert_cmpint (cli (f, "k\n", NULL, "connect-crm", "--url", "https://other.example.com", "--database", "d",
                        "--login", "admin", NULL), ==, 1);

  /* Auto-bind binds internal users only (Bob is a portal user); a dry run changes nothing. */
  g_assert_cmpint (cli (f, NULL, &out, "bind", "--auto", "--dry-run", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "would bind   2001"));
  g_assert_nonnull (strstr (out, "skipped      2002"));
  g_assert_nonnull (strstr (out, "nothing was changed"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "bind", "--auto", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "1 extension(s) bound"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, NULL, "bind", "2003", "carol", NULL), ==, 1);   /* public: needs --force */
  g_assert_cmpint (cli (f, NULL, NULL, "bind", "2003", "carol", "--force", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "bind", "2004", "alice", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, &out, "users", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "portal"));
  g_assert_nonnull (strstr (out, "carol@example.com"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "extensions", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "(unbound)"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, NULL, "unbind", "2003", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "unbind", "2003", NULL), ==, 1);

  g_assert_cmpint (cli (f, NULL, NULL, "sync", "on", "--kinds", "individual,lead", "--phonebook", "CRM Sync", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "sync", "on", "--kinds", "people", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, NULL, "autocreate", "on", "--calls", "inbound", "--as", "lead", "--prefix",
                        "New caller ", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "autocreate", "on", "--as", "company", NULL), ==, 1);
  status = status_json (f);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "sync"), "enabled"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "sync"), "kinds"), ==,
                   "individual,lead");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "autocreate"), "as"), ==,
                   "lead");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "autocreate"), "prefix"), ==,
                   "New caller ");
  g_clear_pointer (&status, json_object_unref);

  g_assert_cmpint (cli (f, NULL, &out, "agent-key", "2001", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "rdk_"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "agent-keys", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "LAST USED"));
  g_assert_nonnull (strstr (out, "2001"));
  g_assert_nonnull (strstr (out, "never"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, NULL, "revoke", "2001x", NULL), ==, 2);
  g_assert_cmpint (cli (f, NULL, NULL, "revoke", "999999", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, NULL, "revoke", "--extension", "2001", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, &out, "agent-keys", "--json", NULL), ==, 0);
  g_assert_cmpstr (g_strstrip (out), ==, "[]");
  g_clear_pointer (&out, g_free);

  /* Every admin command's connection is closed by the hub, too (libsoup 3.2 would otherwise keep
   * each one in CLOSE-WAIT for the life of the process). */
  hub_pid = g_subprocess_get_identifier (f->hub);
  fds = rd_test_count_descriptors (hub_pid);
  for (guint i = 0; i < 30; i++)
    json_object_unref (status_json (f));
  g_test_message ("hub descriptors: %u before 30 commands, %u after", fds, rd_test_count_descriptors (hub_pid));
  g_assert_cmpuint (rd_test_count_descriptors (hub_pid), <=, fds + 3);

  g_assert_cmpint (cli (f, NULL, NULL, "disable", NULL), ==, 0);
  g_assert_cmpstr (state_of (f, "crm"), ==, "disabled");
  g_assert_cmpint (cli (f, NULL, NULL, "enable", NULL), ==, 0);
  g_assert_cmpstr (state_of (f, "crm"), ==, "connected");
  g_assert_cmpint (cli (f, NULL, NULL, "disconnect", NULL), ==, 0);
  g_assert_cmpstr (state_of (f, "crm"), ==, "not-configured");
  g_assert_false (g_file_test (secret_file, G_FILE_TEST_EXISTS));

  /* Secrets never reach the log. */
  stop_hub (f, FALSE);
  g_assert_true (g_file_get_contents (f->log, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "CRM connected"));
  g_assert_null (strstr (log, ADMIN_KEY));
  g_assert_null (strstr (log, RD_SIM_PBX_DEFAULT_SECRET));
  g_assert_null (strstr (log, "rdk_"));
}

/* ---- SIGKILL mid-burst --------------------------------------------------------------- */

typedef struct {
  Fixture *f;
  guint    expected;
} LogWait;

static gboolean
all_logged (gpointer data)
{
  LogWait *wait = data;

  return hub_count_logs (wait->f->sims.odoo, "res.partner", wait->f->sims.li_lei) >= wait->expected;
}

static void
test_sigkill (Fixture *f, gconstpointer data)
{
  static const char * const ring[] = { "2001", NULL };
  const guint n_calls = 8;
  LogWait wait = { f, n_calls };

  connect_both (f);
  g_assert_cmpint (cli (f, NULL, NULL, "bind", "--auto", NULL), ==, 0);
  /* Slow CRM: logs are in flight when the hub dies. */
  rd_sim_odoo_set_delay (f->sims.odoo, 150);

  for (guint i = 0; i < n_calls; i++)
    g_free (rd_sim_pbx_play_inbound (f->sims.pbx, LI_LEI_NUMBER, "01088880000", ring, i % 3 ? "2001" : NULL,
                                     50 + 100 * i, i % 3 ? 50 : 0));
  hub_wait_ms (450);
  stop_hub (f, TRUE);
  hub_wait_ms (900);   /* the rest of the burst ends while the hub is dead */
  rd_sim_odoo_set_delay (f->sims.odoo, 0);
  start_hub (f);

  g_assert_true (hub_wait_until (all_logged, &wait, 30000));
  hub_wait_ms (2500);   /* nothing more may arrive */
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, n_calls);
  /* Missed ones (every third) each got exactly one call-back: one in flight when the hub was
   * killed is looked for in the CRM before it is scheduled again. */
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sims.odoo, "res.partner", f->sims.li_lei), ==,
                    (n_calls + 2) / 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  hub_binary = argc > 1 ? argv[1] : g_getenv ("RINGDESK_HUB");
  if (hub_binary == NULL)
    {
      g_printerr ("usage: test-hub-cli PATH-TO-ringdesk-hub\n");
      return 2;
    }
  g_test_add ("/hub/cli/admin", Fixture, NULL, setup, test_admin, teardown);
  g_test_add ("/hub/cli/sigkill-mid-burst", Fixture, NULL, setup, test_sigkill, teardown);
  return g_test_run ();
}
