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
  char        *out;                 /* the hub's stdout: no log line may land there */
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

  /* The log (stderr) is searched for secrets; stdout must stay empty; neither reaches TAP */
  g_subprocess_launcher_set_stdout_file_path (launcher, f->out);
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
  f->out = g_build_filename (f->sims.tmp, "hub.out", NULL);
  text = g_strdup_printf ("[hub]\nlisten-address=127.0.0.1\nport=0\ndatabase=hub.db\nadmin-socket=run/admin.sock\n"
                          "secrets-dir=secrets\n[console]\nport=0\n[engine]\nretry-base=1\nretry-max=2\nindex-refresh=0\n");
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
  g_free (f->out);
  hub_sims_stop (&f->sims);
}

/* `serve` says it logs to stderr: with debug on, every line goes there and stdout stays empty
 * (GLib's default writer sends info and debug to stdout). */
static void
test_logs_on_stderr (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;

  stop_hub (f, FALSE);
  g_assert_true (g_file_get_contents (f->out, &out, NULL, NULL));
  g_assert_true (g_file_get_contents (f->log, &log, NULL, NULL));
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (log, "DEBUG"));
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
cli_va (Fixture *f, const char *input, char **out, char **err, const char *first, va_list ap)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  g_ptr_array_add (argv, (char *) hub_binary);
  g_ptr_array_add (argv, (char *) "--config");
  g_ptr_array_add (argv, f->config);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
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
  if (err != NULL)
    *err = g_steal_pointer (&run.err);
  g_free (run.out);
  g_free (run.err);
  return run.status;
}

static int
cli (Fixture *f, const char *input, char **out, const char *first, ...)
{
  va_list ap;
  int status;

  va_start (ap, first);
  status = cli_va (f, input, out, NULL, first, ap);
  va_end (ap);
  return status;
}

/* The same, keeping stderr. */
static int
cli_err (Fixture *f, const char *input, char **err, const char *first, ...)
{
  va_list ap;
  int status;

  va_start (ap, first);
  status = cli_va (f, input, NULL, err, first, ap);
  va_end (ap);
  return status;
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

static gboolean
pbx_is_connected (gpointer data)
{
  return g_str_equal (state_of (data, "pbx"), "connected");
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

/* The same through the backends' settings by name. */
static void
connect_both_by_name (Fixture *f)
{
  g_autofree char *key_file = g_build_filename (f->sims.tmp, "odoo-key", NULL);
  g_autofree char *secret_file = g_build_filename (f->sims.tmp, "pbx-secret", NULL);
  g_autofree char *database = g_strconcat ("database=", rd_sim_odoo_get_database (f->sims.odoo), NULL);
  g_autofree char *secret = g_strconcat ("client-secret=", secret_file, NULL);

  g_assert_true (g_file_set_contents (key_file, ADMIN_KEY "\n", -1, NULL));
  g_assert_true (g_file_set_contents (secret_file, RD_SIM_PBX_DEFAULT_SECRET "\n", -1, NULL));
  g_chmod (key_file, 0600);
  g_chmod (secret_file, 0600);
  g_assert_cmpint (cli (f, NULL, NULL, "connect-pbx", "--url",
                        rd_sim_pbx_get_base_url (f->sims.pbx), "--set", "client-id=" RD_SIM_PBX_DEFAULT_CLIENT_ID,
                        "--set-file", secret, "--set", "time-zone=Asia/Shanghai", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "connect-crm", "--url", rd_sim_odoo_get_url (f->sims.odoo),
                        "--set", database, "--login", "admin", "--api-key-file", key_file, NULL), ==, 0);
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
  /* The backend's own settings by name: checked against its table before anything is read or
   * sent; a secret never on the command line. */
  {
    g_autofree char *err = NULL;

    g_assert_cmpint (cli_err (f, NULL, &err, "connect-pbx", "--url", "http://127.0.0.1:1", "--set", "nope=1", NULL),
                     ==, 2);
    g_assert_nonnull (strstr (err, "no setting “nope”"));
    g_assert_nonnull (strstr (err, "client-id (PBX client id)"));
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli_err (f, NULL, &err, "connect-pbx", "--url", "http://127.0.0.1:1", "--client-id", "x",
                              "--set", "client-secret=s3cret", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "--set-file client-secret=FILE"));
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli_err (f, NULL, &err, "connect-pbx", "--url", "http://127.0.0.1:1", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "--client-id or --set client-id=VALUE"));
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli_err (f, NULL, &err, "connect-pbx", "--kind", "no-such-pbx", "--url", "http://127.0.0.1:1",
                              "--client-id", "x", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "no-such-pbx"));
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli_err (f, NULL, &err, "connect-crm", "--url", "http://127.0.0.1:1", "--login", "admin",
                              "--set", "database", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "NAME=VALUE"));
    /* the same settings as --set / --set-file reach the PBX: the wrong secret from stdin is refused there */
    g_assert_cmpint (cli (f, "wrong-secret\n", NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                          "--set", "client-id=" RD_SIM_PBX_DEFAULT_CLIENT_ID, "--set-file", "client-secret=-",
                          NULL), ==, 1);
  }

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

  /* What the web console shows is also on the command line. */
  g_assert_cmpint (cli (f, NULL, &out, "admin-link", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^http://127\\.0\\.0\\.1:[0-9]+/link\\?t=[A-Za-z0-9_-]{43}\n$", out, 0, 0));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "test-crm", "--url", rd_sim_odoo_get_url (f->sims.odoo), "--database",
                        rd_sim_odoo_get_database (f->sims.odoo), "--login", "admin", "--keep-key", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Version:      17.0"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, "wrong\n", NULL, "test-crm", "--url", rd_sim_odoo_get_url (f->sims.odoo), "--database",
                        rd_sim_odoo_get_database (f->sims.odoo), "--login", "admin", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, NULL, "logging", "note", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "logging", "loud", NULL), ==, 1);
  status = status_json (f);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "crm"), "log_style"), ==, "note");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (status, "console_url"), "http://127.0.0.1:"));
  g_clear_pointer (&status, json_object_unref);
  g_assert_cmpint (cli (f, NULL, NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx), "--client-id",
                        RD_SIM_PBX_DEFAULT_CLIENT_ID, "--keep-secret", "--time-zone", "Nowhere/Special", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx), "--client-id",
                        RD_SIM_PBX_DEFAULT_CLIENT_ID, "--keep-secret", "--time-zone", "Asia/Shanghai", NULL), ==, 0);
  /* The saved secret never goes to another address. */
  g_assert_cmpint (cli (f, NULL, NULL, "connect-pbx", "--url", "http://127.0.0.1:9", "--client-id",
                        RD_SIM_PBX_DEFAULT_CLIENT_ID, "--keep-secret", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, NULL, "certificate", rd_sim_pbx_get_base_url (f->sims.pbx), NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, &out, "calls", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "OTHER PARTY"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "outbox", "--failed", "--json", NULL), ==, 0);
  g_assert_cmpstr (g_strstrip (out), ==, "[]");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, NULL, "retry", NULL), ==, 2);
  g_assert_cmpint (cli (f, NULL, NULL, "retry", "999", NULL), ==, 1);
  g_assert_cmpint (cli (f, NULL, &out, "retry", "--all-failed", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "0 item(s)"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "audit", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "command line (uid"));
  g_assert_nonnull (strstr (out, "connect-crm"));
  g_assert_nonnull (strstr (out, "api_key=(given)"));
  g_assert_null (strstr (out, ADMIN_KEY));
  g_assert_null (strstr (out, RD_SIM_PBX_DEFAULT_SECRET));
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

/* Display columns as a terminal counts them (CJK: two). */
static guint
columns (const char *text, gsize bytes)
{
  guint width = 0;

  for (const char *p = text; p < text + bytes; p = g_utf8_next_char (p))
    width += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return width;
}

/* What an administrator trips over: a KEY=value key file, a CRM company without a country,
 * `region` saying nothing, CJK names breaking the columns. */
static void
test_admin_friction (Fixture *f, gconstpointer data)
{
  g_autofree char *env_file = g_build_filename (f->sims.tmp, "odoo.env", NULL);
  g_autofree char *key_file = g_build_filename (f->sims.tmp, "odoo-key", NULL);
  g_autofree char *secret_line = g_strconcat (RD_SIM_PBX_DEFAULT_SECRET, "\n", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_auto(GStrv) lines = NULL;
  guint checked = 0;

  rd_sim_odoo_set_company_country (f->sims.odoo, NULL);
  rd_sim_odoo_add_user (f->sims.odoo, "zhangwei", "张伟", "zhang.wei@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_odoo_add_user (f->sims.odoo, "sato", "佐藤 花子 (営業部)", "sato@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_odoo_add_user (f->sims.odoo, "long", "王小明王小明王小明王小明王小明王小明王小明王小明", "long@example.com", NULL,
                        RD_CRM_USER_INTERNAL, FALSE);

  /* a key file written as an environment file: refused for what it is */
  g_assert_true (g_file_set_contents (env_file, "ODOO_API_KEY=" ADMIN_KEY "\n", -1, NULL));
  g_chmod (env_file, 0600);
  g_assert_cmpint (cli_err (f, NULL, &err, "connect-crm", "--url", rd_sim_odoo_get_url (f->sims.odoo),
                            "--database", rd_sim_odoo_get_database (f->sims.odoo), "--login", "admin",
                            "--api-key-file", env_file, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "NAME=value"));
  g_assert_null (strstr (err, "rejected"));
  g_clear_pointer (&err, g_free);

  /* a company without a country: said at connect and in status, with what to do */
  g_assert_true (g_file_set_contents (key_file, ADMIN_KEY "\n", -1, NULL));
  g_chmod (key_file, 0600);
  /* a log style the CRM does not have: refused, saying which it has */
  g_assert_cmpint (cli_err (f, NULL, &err, "connect-crm", "--url", rd_sim_odoo_get_url (f->sims.odoo),
                            "--database", rd_sim_odoo_get_database (f->sims.odoo), "--login", "admin",
                            "--api-key-file", key_file, "--log-style", "chatter", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "activity or note"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "connect-crm", "--url", rd_sim_odoo_get_url (f->sims.odoo),
                        "--database", rd_sim_odoo_get_database (f->sims.odoo), "--login", "admin",
                        "--api-key-file", key_file, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "no country"));
  g_assert_nonnull (strstr (out, "region CODE"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Region:      -"));
  g_assert_nonnull (strstr (out, "no country"));
  g_clear_pointer (&out, g_free);

  /* region says what it did */
  g_assert_cmpint (cli (f, NULL, &out, "region", "cn", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Region CN"));
  g_clear_pointer (&out, g_free);
  status = status_json (f);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "crm"), "region"), ==, "CN");
  g_assert_cmpint (cli (f, NULL, &out, "region", "auto", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "has none"));
  g_clear_pointer (&out, g_free);

  /* CJK names keep the columns: every e-mail starts in the same display column */
  g_assert_cmpint (cli (f, NULL, &out, "users", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *at = strstr (lines[i], "@example.com");
      const char *start = at;

      if (at == NULL)
        continue;
      while (start > lines[i] && start[-1] != ' ')
        start--;
      g_assert_cmpuint (columns (lines[i], start - lines[i]), ==, 8 + 1 + 30 + 1);
      checked++;
    }
  g_assert_cmpuint (checked, >=, 3);
  g_assert_nonnull (strstr (out, "…"));   /* the long name is cut, not spilled */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, secret_line, NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                        "--client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID, NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, &out, "extensions", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "EXTENSION"));
}

static RdSimOdoo *leads_sim;

static gboolean
one_more_lead (gpointer data)
{
  return rd_sim_odoo_count_records (leads_sim, "crm.lead") > *(guint *) data;
}

/* A CRM with Leads turned off makes every crm.lead an opportunity: `autocreate --as lead` says
 * so, status says so, and what it creates is what the CRM shows (an opportunity). */
static void
test_autocreate_leads_off (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) status = NULL;
  JsonObject *autocreate;

  leads_sim = f->sims.odoo;
  rd_sim_odoo_set_leads_enabled (f->sims.odoo, FALSE);
  connect_both_by_name (f);
  g_assert_cmpint (cli (f, NULL, &out, "autocreate", "on", "--as", "lead", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "opportunit"));
  g_assert_nonnull (strstr (out, "Leads are turned off"));
  status = status_json (f);
  autocreate = json_object_get_object_member (status, "autocreate");
  g_assert_cmpstr (json_object_get_string_member (autocreate, "as"), ==, "lead");
  g_assert_cmpstr (json_object_get_string_member (autocreate, "creates"), ==, "opportunity");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, NULL, &out, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Leads are turned off"));
  /* each backend's own settings, by the names --set takes; never a secret */
  {
    g_autofree char *pbx_line = g_strdup_printf ("PBX:         connected  %s  %s  client-id %s  time-zone Asia/Shanghai\n",
                                                 rd_pbx_find_backend (NULL, NULL)->kind,
                                                 rd_sim_pbx_get_base_url (f->sims.pbx), RD_SIM_PBX_DEFAULT_CLIENT_ID);
    g_autofree char *crm_line = g_strdup_printf ("  %s  database %s\n", rd_sim_odoo_get_url (f->sims.odoo),
                                                 rd_sim_odoo_get_database (f->sims.odoo));
    JsonObject *pbx_options = json_object_get_object_member (json_object_get_object_member (status, "pbx"), "options");

    g_assert_nonnull (strstr (out, pbx_line));
    g_assert_nonnull (strstr (out, crm_line));
    g_assert_null (strstr (out, RD_SIM_PBX_DEFAULT_SECRET));
    g_assert_cmpstr (json_object_get_string_member (pbx_options, "client_id"), ==, RD_SIM_PBX_DEFAULT_CLIENT_ID);
    g_assert_cmpstr (json_object_get_string_member (pbx_options, "time_zone"), ==, "Asia/Shanghai");
    g_assert_false (json_object_has_member (pbx_options, "client_secret"));
  }
  g_clear_pointer (&out, g_free);

  /* an unknown caller: an opportunity, as the CRM's pipeline shows it */
  {
    static const char * const ring[] = { "2001", NULL };
    guint leads = rd_sim_odoo_count_records (f->sims.odoo, "crm.lead");
    g_autoptr(JsonObject) created = NULL;

    g_assert_cmpint (cli (f, NULL, NULL, "bind", "--auto", NULL), ==, 0);
    g_free (rd_sim_pbx_play_inbound (f->sims.pbx, "+86 135 0000 0001", "01088880000", (const char * const *) ring,
                                     "2001", 50, 50));
    g_assert_true (hub_wait_until (one_more_lead, &leads, 15000));
    created = rd_sim_odoo_read (f->sims.odoo, "crm.lead", leads + 1);
    g_assert_cmpstr (json_object_get_string_member (created, "type"), ==, "opportunity");
  }

  /* individuals: nothing to say */
  g_assert_cmpint (cli (f, NULL, &out, "autocreate", "on", "--as", "individual", NULL), ==, 0);
  g_assert_null (strstr (out, "Note"));
}

static void
other_stopped_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  rd_pbx_stop_finish (RD_PBX (source), result, NULL);
  *(gboolean *) data = TRUE;
}

/* A PBX that allows two tokens per API client, both held by other programs: connect-pbx
 * answers at once with the reason (not a timeout, not an HTTP status). Once one frees its
 * token the hub connects; connecting the same PBX again gives the running connection's token
 * back first, so it needs no second one. */
static void
test_connect_pbx_pool_full (Fixture *f, gconstpointer data)
{
  g_autofree char *secret_line = g_strconcat (RD_SIM_PBX_DEFAULT_SECRET, "\n", NULL);
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(RdOptions) options = rd_options_new ();
  RdPbxConfig config = { .base_url = (char *) rd_sim_pbx_get_base_url (f->sims.pbx), .options = options };
  gboolean stopped = FALSE;
  gint64 started;

  rd_options_set (options, "client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID);
  rd_options_set (options, "client-secret", RD_SIM_PBX_DEFAULT_SECRET);
  rd_sim_pbx_set_max_tokens (f->sims.pbx, 2);
  for (guint i = 0; i < 2; i++)
    {
      RdPbx *other = rd_pbx_new (&config, NULL);

      g_ptr_array_add (others, other);
      rd_pbx_start (other);
    }
  hub_wait_ms (500);
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->sims.pbx), ==, 2);

  started = g_get_monotonic_time ();
  g_assert_cmpint (cli_err (f, secret_line, &err, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                            "--client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID, NULL), ==, 1);
  g_test_message ("connect-pbx answered in %.1f s: %s", (g_get_monotonic_time () - started) / 1e6, err);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (err, "pool of valid tokens is full"));
  g_assert_null (strstr (err, "HTTP"));
  g_assert_cmpstr (state_of (f, "pbx"), ==, "not-configured");

  rd_pbx_stop_async (others->pdata[0], NULL, other_stopped_cb, &stopped);
  g_assert_true (hub_wait_until (flag_set, &stopped, 5000));
  connect_both (f);
  g_assert_cmpstr (state_of (f, "pbx"), ==, "connected");
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->sims.pbx), ==, 2);
  g_assert_cmpint (cli (f, secret_line, NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                        "--client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID, NULL), ==, 0);
  g_assert_cmpstr (state_of (f, "pbx"), ==, "connected");
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->sims.pbx), ==, 2);

  /* a wrong secret for the same PBX: refused, and the hub is back on what worked */
  g_assert_cmpint (cli (f, "wrong\n", NULL, "connect-pbx", "--url", rd_sim_pbx_get_base_url (f->sims.pbx),
                        "--client-id", RD_SIM_PBX_DEFAULT_CLIENT_ID, NULL), ==, 1);
  g_assert_true (hub_wait_until (pbx_is_connected, f, 10000));

  /* failed verifications are not running event streams that broke */
  stop_hub (f, FALSE);
  g_assert_true (g_file_get_contents (f->log, &log, NULL, NULL));
  g_assert_null (strstr (log, "PBX event stream stopped"));
  stopped = FALSE;
  rd_pbx_stop_async (others->pdata[1], NULL, other_stopped_cb, &stopped);
  g_assert_true (hub_wait_until (flag_set, &stopped, 5000));
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

/* `backends` lists this program's own registry, no hub needed: every backend of each family, the
 * default marked, and each setting with its title, type and flags (human and --json). */
static void
test_backends (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) pbx = rd_pbx_list_backends ();
  g_autoptr(GPtrArray) crm = rd_crm_list_backends ();
  JsonObject *root;

  stop_hub (f, FALSE);
  g_assert_cmpint (cli (f, NULL, &out, "backends", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, &json, "backends", "--json", NULL), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "backends", "extra", NULL), ==, 2);
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));

  g_assert_true (g_str_has_prefix (out, "PBX backends:\n"));
  g_assert_nonnull (strstr (out, "\nCRM backends:\n"));
  for (guint family = 0; family < 2; family++)
    {
      GPtrArray *list = family == 0 ? pbx : crm;
      JsonArray *listed = json_object_get_array_member (root, family == 0 ? "pbx" : "crm");

      g_assert_cmpuint (list->len, >, 0);
      g_assert_cmpuint (json_array_get_length (listed), ==, list->len);
      for (guint i = 0; i < list->len; i++)
        {
          /* RdPbxBackend and RdCrmBackend begin alike: kind, name, options */
          const char *kind = family == 0 ? ((const RdPbxBackend *) list->pdata[i])->kind
                                         : ((const RdCrmBackend *) list->pdata[i])->kind;
          const char *name = family == 0 ? ((const RdPbxBackend *) list->pdata[i])->name
                                         : ((const RdCrmBackend *) list->pdata[i])->name;
          const RdOptionSpec *specs = family == 0 ? ((const RdPbxBackend *) list->pdata[i])->options
                                                  : ((const RdCrmBackend *) list->pdata[i])->options;
          JsonObject *backend = json_array_get_object_element (listed, i);
          JsonArray *options = json_object_get_array_member (backend, "options");
          g_autofree char *line = g_strdup_printf ("\n  %s  %s%s\n", kind, name, i == 0 ? "  (default)" : "");
          guint n = 0;

          g_assert_nonnull (strstr (out, line));
          g_assert_cmpstr (json_object_get_string_member (backend, "kind"), ==, kind);
          g_assert_cmpstr (json_object_get_string_member (backend, "name"), ==, name);
          g_assert_true (json_object_get_boolean_member (backend, "default") == (i == 0));
          for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++, n++)
            {
              JsonObject *option = json_array_get_object_element (options, n);
              g_autofree char *field = g_strdelimit (g_strdup (spec->name), "-", '_');
              g_autofree char *row = g_strdup_printf ("    %-16s %-24s %s%s%s%s", spec->name,
                                                      spec->title != NULL ? spec->title : spec->label,
                                                      spec->type == RD_OPTION_UINT ? "uint"
                                                      : spec->type == RD_OPTION_CHOICE ? "choice" : "string",
                                                      spec->flags & RD_OPTION_REQUIRED ? ", required" : "",
                                                      spec->flags & RD_OPTION_SECRET ? ", secret" : "",
                                                      spec->flags & RD_OPTION_IDENTITY ? ", identity\n" : "\n");

              if (spec->type != RD_OPTION_CHOICE)
                g_assert_nonnull (strstr (out, row));
              g_assert_cmpstr (json_object_get_string_member (option, "name"), ==, spec->name);
              g_assert_cmpstr (json_object_get_string_member (option, "field"), ==, field);
              g_assert_true (json_object_get_boolean_member (option, "secret") == !!(spec->flags & RD_OPTION_SECRET));
              g_assert_true (json_object_get_boolean_member (option, "required") ==
                             !!(spec->flags & RD_OPTION_REQUIRED));
              g_assert_true (json_object_get_boolean_member (option, "identity") ==
                             !!(spec->flags & RD_OPTION_IDENTITY));
            }
          g_assert_cmpuint (json_array_get_length (options), ==, n);
        }
    }
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
  g_test_add ("/hub/cli/backends", Fixture, NULL, setup, test_backends, teardown);
  g_test_add ("/hub/cli/logs-on-stderr", Fixture, NULL, setup, test_logs_on_stderr, teardown);
  g_test_add ("/hub/cli/admin", Fixture, NULL, setup, test_admin, teardown);
  g_test_add ("/hub/cli/admin-friction", Fixture, NULL, setup, test_admin_friction, teardown);
  g_test_add ("/hub/cli/autocreate-leads-off", Fixture, NULL, setup, test_autocreate_leads_off, teardown);
  g_test_add ("/hub/cli/connect-pbx-pool-full", Fixture, NULL, setup, test_connect_pbx_pool_full, teardown);
  g_test_add ("/hub/cli/sigkill-mid-burst", Fixture, NULL, setup, test_sigkill, teardown);
  return g_test_run ();
}
