/* Administration that an attacker cannot steer (issue 10 items 4, 7 and 9): auto-bind binds
 * internal users only and can be dry-run; binding a portal or public user by hand needs --force;
 * CRM and PBX text reaches terminals, logs and the app without control characters; agent keys
 * are written to 0600 files. Hub in-process against the simulators; the CLI as a process. */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "core/rd-text.h"
#include "hub-test-util.h"
#include "hub/rd-admin-server.h"
#include "security-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* What anyone who can edit a CRM user, a contact or a PBX extension can type. */
#define HOSTILE_USER    "Mallory\x1b[2J\x1b]0;pwned\x07 \xe2\x80\xae" "evil"
#define HOSTILE_PARTNER "Evil\x1b[31m Corp\r\n\xe2\x80\x8f"
#define HOSTILE_DESK    "Desk\x1b[5m\x7f"
#define HOSTILE_NUMBER  "+86 139 0000 7777"

typedef struct {
  HubSims        sims;
  RdHub         *hub;
  RdAdminServer *admin;
  char          *socket;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  hub_sims_start (&f->sims);
  rd_sim_odoo_add_user (f->sims.odoo, "mallory", HOSTILE_USER, "mallory@example.com", NULL, RD_CRM_USER_INTERNAL,
                        FALSE);
  rd_sim_odoo_add_partner (f->sims.odoo, HOSTILE_PARTNER, HOSTILE_NUMBER, NULL, FALSE, 0, NULL);
  rd_sim_pbx_add_extension (f->sims.pbx, "2006", HOSTILE_DESK, NULL);
  f->hub = hub_new_connected (&f->sims, NULL);
  /* The CLI's way in. */
  f->socket = g_build_filename (f->sims.tmp, "admin", "admin.sock", NULL);
  f->admin = rd_admin_server_new (f->hub);
  g_assert_true (rd_admin_server_listen (f->admin, f->socket, &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  rd_admin_server_close (f->admin);
  g_clear_object (&f->admin);
  g_clear_object (&f->hub);
  sec_wait_ms (50);
  hub_sims_stop (&f->sims);
  g_free (f->socket);
}

/* ---- the CLI as a process ---------------------------------------------------------------------- */

static char *
hub_binary (void)
{
  return g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".", "..", "src", "hub",
                           "ringdesk-hub", NULL);
}

typedef struct {
  gboolean  done;
  int       status;
  char     *out;
  char     *err;
} Run;

static void
run_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Run *run = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err, NULL);
  run->status = g_subprocess_get_exit_status (G_SUBPROCESS (source));
  run->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->done;
}

/* Runs `ringdesk-hub --socket … ARGS` (the hub keeps serving on this main context); @stdout_path:
 * send its output to that file instead. Returns the exit status; *out gets stdout. */
static int
cli (Fixture *f, const char *stdout_path, char **out, const char *first, ...)
{
  g_autofree char *binary = hub_binary ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  va_list ap;

  g_ptr_array_add (argv, binary);
  g_ptr_array_add (argv, (char *) "--socket");
  g_ptr_array_add (argv, f->socket);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        (stdout_path == NULL ? G_SUBPROCESS_FLAGS_STDOUT_PIPE : 0));
  if (stdout_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, stdout_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, run_cb, &run);
  g_assert_true (sec_wait_until (run_done, &run, 60000));
  g_test_message ("%s → %d: %s", first, run.status, run.err ? run.err : "");
  if (out != NULL)
    *out = g_steal_pointer (&run.out);
  g_free (run.out);
  g_free (run.err);
  return run.status;
}

/* No byte of the terminal's control set (C0 but newline, DEL, C1) and no bidi override. */
static void
assert_terminal_safe (const char *text)
{
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        continue;
      g_assert_false (g_unichar_iscntrl (c));
      g_assert_false (c >= 0x202a && c <= 0x202e);
      g_assert_false (c == 0x200f || c == 0x200e);
    }
}

typedef struct {
  gboolean   done;
  GError    *error;
  guint      count;
  JsonArray *plan;
} Op;

static gboolean
op_done (gpointer data)
{
  return ((Op *) data)->done;
}

static void
auto_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  op->count = rd_hub_bind_auto_finish (RD_HUB (source), result, &op->plan, &op->error);
  op->done = TRUE;
}

static JsonArray *
bind_auto (Fixture *f, gboolean dry_run, guint *count)
{
  Op op = { 0 };

  rd_hub_bind_auto_async (f->hub, dry_run, NULL, auto_cb, &op);
  g_assert_true (sec_wait_until (op_done, &op, 10000));
  g_assert_no_error (op.error);
  *count = op.count;
  return op.plan;
}

static GError *
bind (Fixture *f, const char *extension, const char *user, gboolean force)
{
  return sec_bind (f->hub, extension, user, force);
}

static JsonObject *
plan_entry (JsonArray *plan, const char *extension)
{
  for (guint i = 0; i < json_array_get_length (plan); i++)
    {
      JsonObject *entry = json_array_get_object_element (plan, i);

      if (g_str_equal (json_object_get_string_member (entry, "extension"), extension))
        return entry;
    }
  return NULL;
}

/* ---- item 4: auto-bind ------------------------------------------------------------------------ */

/* A portal user can set their own e-mail in the portal, then got an unbound extension at the next
 * auto-bind (Bob, portal, has the e-mail of extension 2002). */
static void
test_auto_bind_internal_only (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonArray) dry = NULL;
  g_autoptr(JsonArray) real = NULL;
  JsonObject *entry;
  guint count = 0;

  /* Two internal users with one address: neither is chosen. */
  rd_sim_odoo_add_user (f->sims.odoo, "dave2", "Dave Two", "dave@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_pbx_add_extension (f->sims.pbx, "2005", "Dave", "dave@example.com");

  dry = bind_auto (f, TRUE, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpuint (rd_bindings_count (f->hub->bindings), ==, 0);   /* a dry run changes nothing */
  entry = plan_entry (dry, "2001");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "would-bind");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "user"), "login"), ==, "alice");
  entry = plan_entry (dry, "2002");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "skipped");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "user"), "type"), ==, "portal");
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "reason"), "--force"));
  entry = plan_entry (dry, "2005");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "skipped");
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "reason"), "several"));

  real = bind_auto (f, FALSE, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (plan_entry (real, "2001"), "result"), ==, "bound");
  g_assert_null (rd_bindings_get_by_extension (f->hub->bindings, "2002"));
  g_assert_null (rd_bindings_get_by_extension (f->hub->bindings, "2005"));
}

/* By hand, a portal or public user needs --force, and the refusal says why. */
static void
test_bind_needs_force (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) portal = bind (f, "2002", "bob", FALSE);
  g_autoptr(GError) public = bind (f, "2003", "carol", FALSE);
  g_autoptr(GError) forced = NULL;
  g_autoptr(GError) internal = NULL;
  g_autoptr(RdBinding) bound = NULL;

  g_assert_error (portal, RD_ERROR, RD_ERROR_ACCESS);
  g_assert_nonnull (strstr (portal->message, "portal"));
  g_assert_nonnull (strstr (portal->message, "--force"));
  g_assert_error (public, RD_ERROR, RD_ERROR_ACCESS);
  g_assert_cmpuint (rd_bindings_count (f->hub->bindings), ==, 0);

  forced = bind (f, "2002", "bob", TRUE);
  g_assert_no_error (forced);
  bound = rd_bindings_get_by_extension (f->hub->bindings, "2002");
  g_assert_nonnull (bound);
  g_assert_cmpint (bound->user_id, ==, f->sims.bob_id);
  internal = bind (f, "2004", "dave", FALSE);
  g_assert_no_error (internal);
}

/* ---- item 7: control characters ------------------------------------------------------------------ */

/* `users` and `extensions` printed CRM names raw: ESC[2J reached the terminal. */
static void
test_cli_clean (Fixture *f, gconstpointer data)
{
  g_autofree char *users = NULL;
  g_autofree char *extensions = NULL;
  g_autofree char *json = NULL;

  g_assert_cmpint (cli (f, NULL, &users, "users", NULL), ==, 0);
  g_assert_nonnull (strstr (users, "Mallory"));
  assert_terminal_safe (users);
  g_assert_cmpint (cli (f, NULL, &extensions, "extensions", NULL), ==, 0);
  g_assert_nonnull (strstr (extensions, "Desk"));
  assert_terminal_safe (extensions);
  /* --json keeps the data, escaped by JSON itself. */
  g_assert_cmpint (cli (f, NULL, &json, "users", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (json, "\\u001b[2J"));
  g_assert_null (strchr (json, 0x1b));
}

/* The agent client (and so the app) gets names without control characters. */
static gboolean
looked_up (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static gboolean
signed_in (gpointer data)
{
  return rd_agent_client_get_state (data) == RD_AGENT_STATE_SIGNED_IN;
}

static void
test_agent_clean (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = rd_hub_get_agent_url (f->hub);
  g_autoptr(RdAgentClient) client = rd_agent_client_new (url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(RdAgentMatch) match = NULL;
  g_autoptr(GError) bound = bind (f, "2001", "alice", FALSE);

  g_assert_no_error (bound);
  key = rd_hub_issue_agent_key (f->hub, "2001", &error);
  rd_agent_client_set_agent_key (client, "2001", key);
  rd_agent_client_start (client);
  g_assert_true (sec_wait_until (signed_in, client, 10000));
  rd_agent_client_lookup_async (client, HOSTILE_NUMBER, NULL, store_result, &result);
  g_assert_true (sec_wait_until (looked_up, &result, 10000));
  match = rd_agent_client_lookup_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (match);
  g_test_message ("match: %s", match->name);
  g_assert_true (g_str_has_prefix (match->name, "Evil"));
  assert_terminal_safe (match->name);
  g_assert_true (rd_text_is_clean (match->name));
  rd_agent_client_stop (client);
}

/* Log lines quote CRM text: the writer the hub and the app install cleans them. */
static void
test_log_clean (void)
{
  if (g_test_subprocess ())
    {
      g_log_set_writer_func (rd_text_log_writer, NULL, NULL);
      g_message ("Bound extension 2001 to %s", HOSTILE_USER);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Bound extension 2001 to Mallory*");
  g_test_trap_assert_stderr_unmatched ("*\x1b*");
  g_test_trap_assert_stderr_unmatched ("*\x07*");
}

/* ---- item 9: agent key files ---------------------------------------------------------------------- */

static guint
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* `agent-key 2001 > key.txt`, as the docs said, left the key world-readable. */
static void
test_key_files (Fixture *f, gconstpointer data)
{
  g_autofree char *output = g_build_filename (f->sims.tmp, "key-2001.txt", NULL);
  g_autofree char *redirected = g_build_filename (f->sims.tmp, "redirected.txt", NULL);
  g_autofree char *link = g_build_filename (f->sims.tmp, "link.txt", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  mode_t old_mask = umask (0022);

  /* --output: a new file, 0600 */
  g_assert_cmpint (cli (f, NULL, &out, "agent-key", "2001", "--output", output, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");   /* nothing on stdout */
  g_assert_cmpuint (mode_of (output), ==, 0600);
  g_assert_true (g_file_get_contents (output, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "rdk_"));
  g_clear_pointer (&contents, g_free);
  /* an existing, readable file is made private before the key is written */
  g_assert_cmpint (g_chmod (output, 0644), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "agent-key", "2001", "--output", output, NULL), ==, 0);
  g_assert_cmpuint (mode_of (output), ==, 0600);
  /* never through a symbolic link */
  g_assert_cmpint (symlink (redirected, link), ==, 0);
  g_assert_cmpint (cli (f, NULL, NULL, "agent-key", "2001", "--output", link, NULL), ==, 1);
  g_assert_false (g_file_test (redirected, G_FILE_TEST_EXISTS));

  /* > FILE: the shell creates it 0644; the CLI makes it private. */
  g_assert_cmpint (cli (f, redirected, NULL, "agent-key", "2001", NULL), ==, 0);
  g_assert_cmpuint (mode_of (redirected), ==, 0600);
  g_assert_true (g_file_get_contents (redirected, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "rdk_"));
  umask (old_mask);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add ("/security/admin/auto-bind-internal-only", Fixture, NULL, setup, test_auto_bind_internal_only, teardown);
  g_test_add ("/security/admin/bind-needs-force", Fixture, NULL, setup, test_bind_needs_force, teardown);
  g_test_add ("/security/admin/cli-clean", Fixture, NULL, setup, test_cli_clean, teardown);
  g_test_add ("/security/admin/agent-clean", Fixture, NULL, setup, test_agent_clean, teardown);
  g_test_add_func ("/security/admin/log-clean", test_log_clean);
  g_test_add ("/security/admin/key-files", Fixture, NULL, setup, test_key_files, teardown);
  return g_test_run ();
}
