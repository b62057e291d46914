#include "config.h"

#include "proc-hub.h"

#include "hub/rd-admin-client.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

ProcHub *
proc_hub_new (const char *binary, const char *dir)
{
  ProcHub *hub = g_new0 (ProcHub, 1);

  hub->binary = g_strdup (binary);
  hub->dir = g_strdup (dir);
  g_mkdir_with_parents (dir, 0700);
  hub->config_path = g_build_filename (dir, "hub.conf", NULL);
  hub->socket_path = g_build_filename (dir, "admin.sock", NULL);
  hub->db_path = g_build_filename (dir, "hub.db", NULL);
  hub->secrets_dir = g_build_filename (dir, "secrets", NULL);
  hub->port = proc_free_port ();
  hub->retry_base = 1;
  hub->retry_max = 2;
  hub->index_refresh = 0;
  hub->stderr_paths = g_ptr_array_new_with_free_func (g_free);
  return hub;
}

void
proc_hub_free (ProcHub *hub)
{
  if (hub == NULL)
    return;
  if (proc_hub_running (hub))
    proc_hub_kill (hub, SIGKILL);
  g_clear_object (&hub->proc);
  g_free (hub->binary);
  g_free (hub->dir);
  g_free (hub->config_path);
  g_free (hub->socket_path);
  g_free (hub->db_path);
  g_free (hub->secrets_dir);
  g_free (hub->tls_certificate);
  g_free (hub->tls_key);
  g_free (hub->engine_extra);
  g_ptr_array_unref (hub->stderr_paths);
  g_free (hub);
}

static void
child_setup (gpointer data)
{
  ProcHub *hub = data;

  /* The hub never outlives the test or benchmark that started it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (hub->nofile_limit > 0)
    {
      struct rlimit limit = { hub->nofile_limit, hub->nofile_limit };

      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static gboolean
status_answers (gpointer data)
{
  ProcHub *hub = data;
  g_autoptr(JsonObject) status = NULL;

  if (!proc_hub_running (hub))
    return TRUE;   /* died: stop waiting */
  if (!g_file_test (hub->socket_path, G_FILE_TEST_EXISTS))
    return FALSE;
  status = rd_admin_client_call (hub->socket_path, "status", NULL, NULL);
  return status != NULL;
}

gboolean
proc_hub_start (ProcHub *hub, guint timeout_ms, GError **error)
{
  g_autoptr(GString) conf = g_string_new ("[hub]\n");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *stderr_path = NULL;

  g_return_val_if_fail (!proc_hub_running (hub), FALSE);

  g_string_append_printf (conf, "listen-address=127.0.0.1\nport=%u\ndatabase=%s\nadmin-socket=%s\nsecrets-dir=%s\n",
                          hub->port, hub->db_path, hub->socket_path, hub->secrets_dir);
  if (hub->tls_certificate != NULL)
    g_string_append_printf (conf, "tls-certificate=%s\ntls-key=%s\n", hub->tls_certificate, hub->tls_key);
  /* The web console on a free port: hubs of parallel test runs must not fight over 8470. */
  g_string_append (conf, "[console]\nport=0\n");
  g_string_append_printf (conf, "[engine]\nretry-base=%u\nretry-max=%u\nindex-refresh=%u\n%s",
                          hub->retry_base, hub->retry_max, hub->index_refresh,
                          hub->engine_extra != NULL ? hub->engine_extra : "");
  if (!g_file_set_contents (hub->config_path, conf->str, -1, error))
    return FALSE;

  stderr_path = g_strdup_printf ("%s/stderr-%u.log", hub->dir, hub->starts++);
  /* GLib writes debug and info to stdout: both streams go to the log file, never to the TAP output */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, stderr_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, hub, NULL);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", hub->debug_logs ? "all" : "", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  hub->proc = g_subprocess_launcher_spawn (launcher, error, hub->binary, "--config", hub->config_path,
                                           "--socket", hub->socket_path, "serve", NULL);
  g_ptr_array_add (hub->stderr_paths, g_steal_pointer (&stderr_path));
  if (hub->proc == NULL)
    return FALSE;
  if (!hub_wait_until_every (status_answers, hub, timeout_ms, 100) || !proc_hub_running (hub))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "ringdesk-hub did not come up (see %s)",
                   (char *) g_ptr_array_index (hub->stderr_paths, hub->stderr_paths->len - 1));
      if (proc_hub_running (hub))
        proc_hub_kill (hub, SIGKILL);
      return FALSE;
    }
  return TRUE;
}

gboolean
proc_hub_running (ProcHub *hub)
{
  return hub->proc != NULL && g_subprocess_get_identifier (hub->proc) != NULL;
}

GPid
proc_hub_pid (ProcHub *hub)
{
  const char *id = hub->proc != NULL ? g_subprocess_get_identifier (hub->proc) : NULL;

  return id != NULL ? (GPid) atoi (id) : 0;
}

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

void
proc_hub_kill (ProcHub *hub, int sig)
{
  gboolean done = FALSE;

  if (hub->proc == NULL)
    return;
  if (proc_hub_running (hub))
    g_subprocess_send_signal (hub->proc, sig);
  g_subprocess_wait_async (hub->proc, NULL, wait_cb, &done);
  if (!hub_wait_until (flag_set, &done, sig == SIGKILL ? 10000 : 30000))
    {
      g_subprocess_force_exit (hub->proc);
      hub_wait_until (flag_set, &done, 10000);
    }
  g_clear_object (&hub->proc);
}

/* ---- admin in a worker thread ------------------------------------------------------ */

typedef struct {
  char       *socket_path;
  char       *command;
  JsonObject *body;
  JsonObject *reply;
  GError     *error;
  gint        done;
} AdminCall;

static gpointer
admin_thread (gpointer data)
{
  AdminCall *call = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  call->reply = rd_admin_client_call (call->socket_path, call->command, call->body, &call->error);
  g_main_context_pop_thread_default (context);
  g_atomic_int_set (&call->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
admin_done (gpointer data)
{
  return g_atomic_int_get (&((AdminCall *) data)->done) != 0;
}

static gboolean
poll_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;   /* only wakes the loop up */
}

JsonObject *
proc_hub_admin (ProcHub *hub, const char *command, JsonObject *body, GError **error)
{
  AdminCall call = { 0 };
  GThread *thread;
  guint tick;

  call.socket_path = hub->socket_path;
  call.command = (char *) command;
  call.body = body;
  thread = g_thread_new ("admin", admin_thread, &call);
  tick = g_timeout_add (20, poll_tick, NULL);
  while (!admin_done (&call))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_thread_join (thread);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.reply;
}

JsonObject *
proc_hub_status (ProcHub *hub)
{
  return proc_hub_admin (hub, "status", NULL, NULL);
}

char *
proc_hub_agent_key (ProcHub *hub, const char *extension, char **out_url, GError **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;

  json_object_set_string_member (body, "extension", extension);
  reply = proc_hub_admin (hub, "agent-key", body, error);
  if (reply == NULL)
    return NULL;
  if (out_url != NULL)
    *out_url = g_strdup (json_object_get_string_member_with_default (reply, "url", NULL));
  return g_strdup (json_object_get_string_member_with_default (reply, "key", NULL));
}

/* ---- /proc -------------------------------------------------------------------------- */

gint64
proc_status_field (GPid pid, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize flen = strlen (field);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], field, flen) == 0 && lines[i][flen] == ':')
      return g_ascii_strtoll (lines[i] + flen + 1, NULL, 10);
  return -1;
}

gdouble
proc_cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return -1;
  /* fields after "(comm)": state is field 3; utime and stime are fields 14 and 15 */
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / (gdouble) sysconf (_SC_CLK_TCK);
}

char *
proc_cmdline (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return g_strdup ("");
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\0')
      text[i] = ' ';
  return text;
}

guint
proc_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port = 0;

  if (socket != NULL && g_socket_bind (socket, any, TRUE, NULL) &&
      (bound = g_socket_get_local_address (socket, NULL)) != NULL)
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  if (socket != NULL)
    g_socket_close (socket, NULL);
  return port;
}

/* ---- statistics ------------------------------------------------------------------------ */

void
proc_count_call_keys (GPtrArray *bodies, GHashTable *keys)
{
  static const char label[] = "Ringdesk call id: ";

  for (guint j = 0; bodies != NULL && j < bodies->len; j++)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      GHashTableIter iter;
      gpointer key;

      for (const char *p = strstr (bodies->pdata[j], label); p != NULL; p = strstr (p + 1, label))
        {
          const char *k = p + strlen (label);

          g_hash_table_add (seen, g_strndup (k, strcspn (k, "< \t\n&\"")));
        }
      g_hash_table_iter_init (&iter, seen);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_hash_table_insert (keys, g_strdup (key),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (keys, key)) + 1));
    }
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

gdouble
proc_percentile (GArray *values, gdouble pct)
{
  guint rank;

  if (values->len == 0)
    return 0;
  g_array_sort (values, cmp_double);
  rank = (guint) (pct / 100.0 * values->len + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > values->len)
    rank = values->len;
  return g_array_index (values, gdouble, rank - 1);
}
