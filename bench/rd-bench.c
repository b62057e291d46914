/* rd-bench — the benchmark driver (see bench/README.md and bench/run.sh).
 *
 *   rd-bench HUB_BINARY pop    [--contacts N] [--calls N] [--lookups N]      B1 + B2
 *   rd-bench HUB_BINARY real   --url URL --database DB --key-file FILE       B1 + B2 against a real Odoo
 *                              [--login L] [--odoo-pid PID] [--calls N] [--lookups N] [--concurrency N]
 *   rd-bench HUB_BINARY scale  [--agents N] [--rate R] [--seconds S]         B3
 *   rd-bench HUB_BINARY abuse  [--agents N] [--rate R] [--seconds S]
 *                              [--attack N] [--flood N]                      B6 (B3 under attack)
 *   rd-bench HUB_BINARY outbox [--calls N] [--outage S]                      B5
 *   rd-bench HUB_BINARY serve  [--seconds S] [--out FILE]                    sims + hub for B4
 *
 * Process layout: this process runs the PBX and Odoo simulators and the agents
 * (RdAgentClient) on its main thread; `ringdesk-hub serve` runs as a separate process
 * (its RSS is read from /proc/PID/status), configured over its admin socket exactly as
 * an administrator would. Latencies are CLOCK_MONOTONIC differences inside this process.
 * Prints `name: value unit` lines on stdout; progress goes to stderr.
 */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "core/rd-phone.h"
#include "core/rd-store.h"
#include "crm/rd-crm.h"
#include "hub/rd-index-sync.h"
#include "hub/rd-phone-index.h"
#include "bench-sim-thread.h"
#include "proc-hub.h"
#include "hub-wait.h"
#include "security-util.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define ADMIN_KEY "bench-admin-api-key"
#define DID       "01088880000"

static const char *hub_binary;
static gboolean stopping_ok;

/* ---- output -------------------------------------------------------------------------- */

static void
result (const char *name, double value, const char *unit)
{
  if (value == (gint64) value && ABS (value) < 1e15)
    g_print ("%s: %" G_GINT64_FORMAT " %s\n", name, (gint64) value, unit);
  else
    g_print ("%s: %.3f %s\n", name, value, unit);
}

static void
result_latency (const char *prefix, GArray *ms)
{
  g_autofree char *n = g_strdup_printf ("%s_samples", prefix);
  g_autofree char *p50 = g_strdup_printf ("%s_p50", prefix);
  g_autofree char *p99 = g_strdup_printf ("%s_p99", prefix);
  g_autofree char *max = g_strdup_printf ("%s_max", prefix);

  result (n, ms->len, "count");
  result (p50, proc_percentile (ms, 50), "ms");
  result (p99, proc_percentile (ms, 99), "ms");
  result (max, proc_percentile (ms, 100), "ms");
}

#define progress(...) G_STMT_START { g_printerr ("[rd-bench %6.1f s] ", g_get_monotonic_time () / 1e6 - t_start); \
                                     g_printerr (__VA_ARGS__); g_printerr ("\n"); } G_STMT_END
static double t_start;

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* ---- the environment: simulators + hub process ------------------------------------------ */

typedef struct {
  RdSimPbx  *pbx;
  RdSimOdoo *odoo;         /* NULL against a real Odoo (or when on a thread of its own) */
  gboolean   simulated_crm;
  ProcHub   *hub;
  char      *tmp;
  GPtrArray *extensions;   /* char* */
  GPid       odoo_pid;     /* a real Odoo's server process, when known */
  double     fill_t0, fill_cpu0, fill_self_cpu0, fill_busy0, fill_odoo_cpu0, fill_pg_cpu0;
  /* CPU seconds during the index fill: hub process, this one, the real Odoo, its PostgreSQL
   * server, the machine (all cores) */
  double     fill_hub_cpu, fill_sim_cpu, fill_odoo_cpu, fill_pg_cpu, fill_busy;
} Env;

typedef struct _FillPops FillPops;
static void fill_pops_run (FillPops *pops);

/* Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat. */
/* CPU seconds of every process named "postgres" (a local PostgreSQL server: its backends and
 * background workers, other sessions' queries included). */
static double
postgres_cpu_seconds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  double sum = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *comm = NULL;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "comm", NULL);
      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_equal (g_strchomp (comm), "postgres"))
        sum += MAX (proc_cpu_seconds ((GPid) g_ascii_strtoll (name, NULL, 10)), 0);
    }
  return sum;
}

static double
system_busy_seconds (void)
{
  g_autofree char *text = NULL;
  guint64 v[8] = { 0 };

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) ||
      sscanf (text, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
    return 0;
  /* user nice system (idle iowait) irq softirq steal */
  return (double) (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / sysconf (_SC_CLK_TCK);
}

static void
env_sims (Env *env, guint n_extensions, guint first_extension)
{
  g_autoptr(GError) error = NULL;

  env->tmp = g_dir_make_tmp ("rd-bench-XXXXXX", &error);
  g_assert_no_error (error);
  env->extensions = g_ptr_array_new_with_free_func (g_free);
  env->pbx = rd_sim_pbx_new ();
  env->odoo = rd_sim_odoo_new ("17.0");
  env->simulated_crm = TRUE;
  rd_sim_odoo_set_company_country (env->odoo, "CN");
  rd_sim_odoo_add_user (env->odoo, "admin", "Administrator", "admin@example.com", ADMIN_KEY,
                        RD_CRM_USER_INTERNAL, TRUE);
  for (guint i = 0; i < n_extensions; i++)
    {
      g_autofree char *ext = g_strdup_printf ("%u", first_extension + i);
      g_autofree char *email = g_strdup_printf ("agent%u@example.com", first_extension + i);
      g_autofree char *name = g_strdup_printf ("Agent %u", first_extension + i);
      g_autofree char *login = g_strdup_printf ("agent%u", first_extension + i);

      rd_sim_pbx_add_extension (env->pbx, ext, name, email);
      rd_sim_odoo_add_user (env->odoo, login, name, email, NULL, RD_CRM_USER_INTERNAL, FALSE);
      g_ptr_array_add (env->extensions, g_steal_pointer (&ext));
    }
}

static void
env_start_sims (Env *env)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (rd_sim_pbx_start (env->pbx, &error));
  g_assert_true (rd_sim_odoo_start (env->odoo, &error));
}

static JsonObject *
admin (Env *env, const char *command, JsonObject *body)
{
  g_autoptr(GError) error = NULL;
  JsonObject *reply = proc_hub_admin (env->hub, command, body, &error);

  if (reply == NULL)
    g_error ("admin %s: %s", command, error->message);
  return reply;
}

static gboolean
index_ready (gpointer data)
{
  Env *env = data;
  g_autoptr(JsonObject) status = proc_hub_status (env->hub);

  return status != NULL && json_object_get_boolean_member_with_default (status, "index_ready", FALSE);
}

/* Starts the hub process and connects the PBX simulator. @engine_extra: more [engine] lines. */
static void
env_launch_hub (Env *env, guint retry_base, guint retry_max, const char *engine_extra)
{
  g_autofree char *dir = g_build_filename (env->tmp, "hub", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) pbx = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;

  env->hub = proc_hub_new (hub_binary, dir);
  env->hub->nofile_limit = 65536;   /* as LimitNOFILE= in the unit (kept lower if this user may not raise it) */
  env->hub->retry_base = retry_base;
  env->hub->retry_max = retry_max;
  env->hub->engine_extra = g_strdup (engine_extra);
  if (!proc_hub_start (env->hub, 30000, &error))
    g_error ("%s", error->message);
  json_object_set_string_member (pbx, "url", rd_sim_pbx_get_base_url (env->pbx));
  json_object_set_string_member (pbx, "client_id", RD_SIM_PBX_DEFAULT_CLIENT_ID);
  json_object_set_string_member (pbx, "client_secret", RD_SIM_PBX_DEFAULT_SECRET);
  reply = admin (env, "connect-pbx", pbx);
}

/* connect-crm: the hub verifies the CRM and starts filling its index. */
static void
env_connect_crm (Env *env, const char *url, const char *database, const char *login, const char *key)
{
  g_autoptr(JsonObject) crm = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;

  json_object_set_string_member (crm, "url", url);
  json_object_set_string_member (crm, "database", database);
  json_object_set_string_member (crm, "login", login);
  json_object_set_string_member (crm, "api_key", key);
  env->fill_t0 = now_ms ();
  env->fill_cpu0 = proc_cpu_seconds (proc_hub_pid (env->hub));
  env->fill_self_cpu0 = proc_cpu_seconds (getpid ());
  env->fill_busy0 = system_busy_seconds ();
  if (env->odoo_pid > 0)
    {
      env->fill_odoo_cpu0 = proc_cpu_seconds (env->odoo_pid);
      env->fill_pg_cpu0 = postgres_cpu_seconds ();
    }
  reply = admin (env, "connect-crm", crm);
}

/* Waits for index_ready; returns the fill time (ms) and notes who worked meanwhile. */
static double
env_wait_filled (Env *env, FillPops *pops)
{
  double fill;

  if (pops != NULL)
    fill_pops_run (pops);
  else if (!hub_wait_until_every (index_ready, env, 30 * 60 * 1000, 200))
    g_error ("the phone index was not filled in 30 minutes");
  fill = now_ms () - env->fill_t0;
  /* Who worked during the fill: the hub process, this one (the Odoo simulator answering
   * pages), the real Odoo (when its pid is known), and the whole machine. */
  env->fill_hub_cpu = proc_cpu_seconds (proc_hub_pid (env->hub)) - env->fill_cpu0;
  env->fill_sim_cpu = proc_cpu_seconds (getpid ()) - env->fill_self_cpu0;
  env->fill_busy = system_busy_seconds () - env->fill_busy0;
  if (env->odoo_pid > 0)
    {
      env->fill_odoo_cpu = proc_cpu_seconds (env->odoo_pid) - env->fill_odoo_cpu0;
      env->fill_pg_cpu = postgres_cpu_seconds () - env->fill_pg_cpu0;
    }
  return fill;
}

static void
env_bind_auto (Env *env)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) bound = NULL;

  json_object_set_boolean_member (body, "auto", TRUE);
  bound = admin (env, "bind", body);
}

/* Starts the hub process; connects the PBX and the CRM simulators. Returns the index fill time (ms). */
static double
env_start_hub (Env *env, guint retry_base, guint retry_max)
{
  double fill;

  env_launch_hub (env, retry_base, retry_max, NULL);
  env_connect_crm (env, rd_sim_odoo_get_url (env->odoo), rd_sim_odoo_get_database (env->odoo), "admin", ADMIN_KEY);
  fill = env_wait_filled (env, NULL);
  env_bind_auto (env);
  return fill;
}

static gint64
hub_status_int (Env *env, const char *object, const char *member)
{
  g_autoptr(JsonObject) status = proc_hub_status (env->hub);
  JsonObject *o = status;

  if (status == NULL)
    return -1;
  if (object != NULL)
    o = json_object_get_object_member (status, object);
  return o != NULL ? json_object_get_int_member_with_default (o, member, -1) : -1;
}

static void
env_stop (Env *env)
{
  if (env->hub != NULL)
    {
      proc_hub_kill (env->hub, SIGTERM);
      proc_hub_free (env->hub);
    }
  g_clear_object (&env->pbx);
  g_clear_object (&env->odoo);
  g_clear_pointer (&env->extensions, g_ptr_array_unref);
  if (env->tmp != NULL && !g_getenv ("RD_BENCH_KEEP"))
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", env->tmp);

      (void) !system (cmd);
    }
  g_clear_pointer (&env->tmp, g_free);
}

static void
report_hub_memory (Env *env, const char *prefix)
{
  GPid pid = proc_hub_pid (env->hub);
  g_autofree char *rss = g_strdup_printf ("%s_rss", prefix);
  g_autofree char *hwm = g_strdup_printf ("%s_rss_peak", prefix);

  result (rss, proc_status_field (pid, "VmRSS") / 1024.0, "MB");
  result (hwm, proc_status_field (pid, "VmHWM") / 1024.0, "MB");
}

/* ---- agents ------------------------------------------------------------------------------- */

typedef struct {
  double   t0;            /* scenario started (rd_sim_pbx_play_inbound called) */
  double   t_emit;        /* the simulator sent the first 30011 of the call */
  char    *extension;     /* expected agent */
  gint64   expect_id;     /* expected match id (0 = any) */
  double   t_ring;        /* first ringing at the expected agent */
  guint    n_ring;        /* ringing frames at the expected agent */
  guint    n_wrong;       /* frames of this call at any other agent */
  guint    n_ended;
  gboolean matched, match_right, pending;
} CallRec;

static void
call_rec_free (CallRec *rec)
{
  g_free (rec->extension);
  g_free (rec);
}

typedef struct {
  GHashTable *calls;      /* call id → CallRec */
  guint       unexpected; /* frames for calls we did not start */
} Book;

typedef struct {
  RdAgentClient *client;
  char          *extension;
  Book          *book;
} Agent;

/* Guards Book.calls when the agent runs on its own thread (pop mode). */
static GMutex book_lock;

static void on_call_locked (RdAgentClient *client, RdAgentCall *call, Agent *agent, double t);

/* The time is taken before the lock: the main thread may hold it (placing the next call) and be
 * descheduled meanwhile on a busy machine, which is this driver's bookkeeping, not the pop. */
static void
on_call (RdAgentClient *client, RdAgentCall *call, Agent *agent)
{
  double t = now_ms ();

  g_mutex_lock (&book_lock);
  on_call_locked (client, call, agent, t);
  g_mutex_unlock (&book_lock);
  g_main_context_wakeup (NULL);   /* the main thread may be waiting for this */
}

static void
on_call_locked (RdAgentClient *client, RdAgentCall *call, Agent *agent, double t)
{
  CallRec *rec = g_hash_table_lookup (agent->book->calls, call->call_id);

  if (rec == NULL)
    {
      agent->book->unexpected++;
      return;
    }
  if (g_strcmp0 (rec->extension, agent->extension) != 0)
    {
      rec->n_wrong++;
      return;
    }
  if (g_str_equal (call->event, "ringing"))
    {
      if (rec->n_ring++ == 0)
        {
          rec->t_ring = t;
          rec->matched = call->match != NULL;
          rec->match_right = call->match != NULL && (rec->expect_id == 0 || call->match->id == rec->expect_id);
          rec->pending = call->lookup_pending;
        }
    }
  else if (g_str_equal (call->event, "ended"))
    rec->n_ended++;
}

static Agent *
agent_new (Env *env, Book *book, const char *extension)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = proc_hub_agent_key (env->hub, extension, &url, &error);
  Agent *agent = g_new0 (Agent, 1);

  if (key == NULL)
    g_error ("agent-key %s: %s", extension, error->message);
  agent->extension = g_strdup (extension);
  agent->book = book;
  agent->client = rd_agent_client_new (url);
  rd_agent_client_set_agent_key (agent->client, extension, key);
  g_signal_connect (agent->client, "call", G_CALLBACK (on_call), agent);
  return agent;
}

static void
agent_free (Agent *agent)
{
  rd_agent_client_stop (agent->client);
  g_object_unref (agent->client);
  g_free (agent->extension);
  g_free (agent);
}

static gboolean
all_signed_in (gpointer data)
{
  GPtrArray *agents = data;

  for (guint i = 0; i < agents->len; i++)
    if (rd_agent_client_get_state (((Agent *) agents->pdata[i])->client) != RD_AGENT_STATE_SIGNED_IN)
      return FALSE;
  return TRUE;
}

typedef struct {
  Book *book;
  const char *call_id;
} RingWait;

static gboolean
rang (gpointer data)
{
  RingWait *w = data;
  CallRec *rec;
  gboolean yes;

  g_mutex_lock (&book_lock);
  rec = g_hash_table_lookup (w->book->calls, w->call_id);
  yes = rec != NULL && rec->n_ring > 0;
  g_mutex_unlock (&book_lock);
  return yes;
}

static gboolean
ended (gpointer data)
{
  RingWait *w = data;
  CallRec *rec;
  gboolean yes;

  g_mutex_lock (&book_lock);
  rec = g_hash_table_lookup (w->book->calls, w->call_id);
  yes = rec != NULL && rec->n_ended > 0;
  g_mutex_unlock (&book_lock);
  return yes;
}

/* RdSimPbx::event-pushed on the main thread: when the PBX emitted the call's first 30011. */
static void
on_event_pushed (RdSimPbx *pbx, int type, const char *call_id, Book *book)
{
  double t = now_ms ();   /* before the lock, as in on_call() */
  CallRec *rec;

  if (type != 30011 || call_id == NULL)
    return;
  g_mutex_lock (&book_lock);
  rec = g_hash_table_lookup (book->calls, call_id);
  if (rec != NULL && rec->t_emit == 0)
    rec->t_emit = t;
  g_mutex_unlock (&book_lock);
}

/* Pop latency from the PBX's emission (the target's definition) and, for comparison, from the
 * moment the driver asked the simulator for the call (adds the simulator's own main-loop delay:
 * the Odoo simulator shares that thread and may be busy answering the hub). */
static void
add_pop_sample (const CallRec *rec, GArray *from_emit, GArray *from_play)
{
  double t = rec->t_ring - rec->t0;

  g_array_append_val (from_play, t);
  if (rec->t_emit > 0)
    {
      t = rec->t_ring - rec->t_emit;
      g_array_append_val (from_emit, t);
    }
}

/* ---- an agent on its own thread and main context ----------------------------------------------
 * In pop mode the simulators answer the hub's CRM requests on the main thread; with 1,000,000
 * contacts one simulated search takes tens of milliseconds, during which an agent on the same
 * thread could not read its frames. The measured agent therefore runs on its own thread, as an
 * app does in its own process. */

typedef struct {
  GMainContext  *context;
  GMainLoop     *loop;
  GThread       *thread;
  char          *url, *key, *extension;
  Book          *book;
  Agent         *agent;
  gint           ready;
} AgentThread;

static gpointer
agent_thread_main (gpointer data)
{
  AgentThread *at = data;

  g_main_context_push_thread_default (at->context);
  at->agent = g_new0 (Agent, 1);
  at->agent->extension = g_strdup (at->extension);
  at->agent->book = at->book;
  at->agent->client = rd_agent_client_new (at->url);
  rd_agent_client_set_agent_key (at->agent->client, at->extension, at->key);
  g_signal_connect (at->agent->client, "call", G_CALLBACK (on_call), at->agent);
  rd_agent_client_start (at->agent->client);
  g_atomic_int_set (&at->ready, 1);
  g_main_loop_run (at->loop);
  rd_agent_client_stop (at->agent->client);
  g_clear_object (&at->agent->client);
  g_free (at->agent->extension);
  g_free (at->agent);
  g_main_context_pop_thread_default (at->context);
  return NULL;
}

static AgentThread *
agent_thread_new (Env *env, Book *book, const char *extension)
{
  g_autoptr(GError) error = NULL;
  AgentThread *at = g_new0 (AgentThread, 1);

  at->key = proc_hub_agent_key (env->hub, extension, &at->url, &error);
  if (at->key == NULL)
    g_error ("agent-key %s: %s", extension, error->message);
  at->extension = g_strdup (extension);
  at->book = book;
  at->context = g_main_context_new ();
  at->loop = g_main_loop_new (at->context, FALSE);
  at->thread = g_thread_new ("agent", agent_thread_main, at);
  while (!g_atomic_int_get (&at->ready))
    g_usleep (1000);
  return at;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
agent_thread_free (AgentThread *at)
{
  g_main_context_invoke (at->context, quit_loop, at->loop);
  g_thread_join (at->thread);
  g_main_loop_unref (at->loop);
  g_main_context_unref (at->context);
  g_free (at->url);
  g_free (at->key);
  g_free (at->extension);
  g_free (at);
}

static gboolean
thread_agent_signed_in (gpointer data)
{
  AgentThread *at = data;

  return rd_agent_client_get_state (at->agent->client) == RD_AGENT_STATE_SIGNED_IN;
}

/* A known caller: a random bulk partner with an international (+86) number. */
static char *
random_cn_partner (RdSimOdoo *odoo, GRand *rand, gint64 first_id, gint64 last_id, gint64 *out_id)
{
  for (;;)
    {
      gint64 id = g_rand_int_range (rand, (gint32) first_id, (gint32) last_id + 1);
      g_autofree char *phone = rd_sim_odoo_get_string (odoo, "res.partner", id, "phone");

      if (phone != NULL && g_str_has_prefix (phone, "+86 "))
        {
          *out_id = id;
          return g_steal_pointer (&phone);
        }
    }
}

/* ---- B1 + B2: screen pop and the phone index with N contacts ---------------------------------- */

typedef struct {
  gint          done;
  RdAgentClient *client;
  const char   *number;
  double        t0, t1;   /* both taken on the agent thread */
  RdAgentMatch *match;
  GError       *error;
} LookupOp;

static void
lookup_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  LookupOp *op = data;

  op->match = rd_agent_client_lookup_finish (RD_AGENT_CLIENT (source), res, &op->error);
  op->t1 = now_ms ();
  g_atomic_int_set (&op->done, 1);
  g_main_context_wakeup (NULL);
}

static gboolean
lookup_start (gpointer data)
{
  LookupOp *op = data;

  op->t0 = now_ms ();
  rd_agent_client_lookup_async (op->client, op->number, NULL, lookup_cb, op);
  return G_SOURCE_REMOVE;
}

static gboolean
lookup_done (gpointer data)
{
  return g_atomic_int_get (&((LookupOp *) data)->done);
}

/* ---- pops while the index fills ---------------------------------------------------------- */

struct _FillPops {
  Env         *env;
  Book        *book;
  AgentThread *agent;
  GPtrArray   *callers;      /* char*: numbers of records among the first ids (indexed first) */
  GArray      *ids;          /* gint64: their records */
  guint        min_numbers;  /* call once the index holds this many numbers */
  guint        interval_ms;  /* between calls */
  guint        next;
  GPtrArray   *call_ids;     /* char*: the calls placed during the fill */
  guint        numbers_at_ready;
};

static void
fill_pops_run (FillPops *p)
{
  const char *ring[] = { "2001", NULL };
  double deadline = now_ms () + 30 * 60 * 1000, next_poll = 0, next_call = 0;
  gint64 numbers = 0;
  gboolean ready = FALSE;

  while (!ready)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
      if (now_ms () >= next_poll)
        {
          g_autoptr(JsonObject) status = proc_hub_status (p->env->hub);

          if (status != NULL)
            {
              ready = json_object_get_boolean_member_with_default (status, "index_ready", FALSE);
              numbers = json_object_get_int_member_with_default (status, "index_numbers", 0);
            }
          next_poll = now_ms () + 200;
          if (now_ms () > deadline)
            g_error ("the phone index was not filled in 30 minutes");
        }
      /* A call every interval from a record indexed already, while the fill runs (each is then
       * logged in the CRM, as an agent's calls would be). */
      if (!ready && p->agent != NULL && p->callers->len > 0 && numbers >= p->min_numbers && now_ms () >= next_call &&
          rd_agent_client_get_state (p->agent->agent->client) == RD_AGENT_STATE_SIGNED_IN)
        {
          guint c = p->next++ % p->callers->len;
          CallRec *rec = g_new0 (CallRec, 1);
          char *call_id;

          rec->extension = g_strdup ("2001");
          rec->expect_id = g_array_index (p->ids, gint64, c);
          g_mutex_lock (&book_lock);
          rec->t0 = now_ms ();
          call_id = rd_sim_pbx_play_inbound (p->env->pbx, p->callers->pdata[c], DID, ring, NULL, 300, 0);
          g_hash_table_insert (p->book->calls, call_id, rec);
          g_mutex_unlock (&book_lock);
          g_ptr_array_add (p->call_ids, g_strdup (call_id));
          next_call = now_ms () + p->interval_ms;
        }
    }
  p->numbers_at_ready = numbers;
}

/* Pop latency of the calls placed during the fill (prefix_*), their matches and misses. */
static void
fill_pops_report (FillPops *p, const char *prefix)
{
  g_autoptr(GArray) pop_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) play_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree char *pop = g_strdup_printf ("%s_pop", prefix);
  g_autofree char *calls = g_strdup_printf ("%s_calls", prefix);
  g_autofree char *unmatched = g_strdup_printf ("%s_without_match", prefix);
  g_autofree char *lost = g_strdup_printf ("%s_lost", prefix);
  guint n_unmatched = 0, n_lost = 0;

  hub_wait_ms (1000);
  g_mutex_lock (&book_lock);
  for (guint i = 0; i < p->call_ids->len; i++)
    {
      CallRec *rec = g_hash_table_lookup (p->book->calls, p->call_ids->pdata[i]);

      if (rec == NULL || rec->n_ring == 0)
        {
          n_lost++;
          continue;
        }
      add_pop_sample (rec, pop_ms, play_ms);
      n_unmatched += !rec->matched;
    }
  g_mutex_unlock (&book_lock);
  result (calls, p->call_ids->len, "calls");
  result_latency (pop, pop_ms);
  result (unmatched, n_unmatched, "calls");
  result (lost, n_lost, "calls");
}

/* ---- B1 + B2: screen pop and the phone index with N contacts ---------------------------------- */

typedef struct {
  GPtrArray *numbers;   /* char*: callers the index knows (as a PBX presents them) */
  GArray    *ids;       /* gint64: the record holding each */
} Callers;

static void
callers_clear (Callers *c)
{
  g_clear_pointer (&c->numbers, g_ptr_array_unref);
  g_clear_pointer (&c->ids, g_array_unref);
}

static void
callers_init (Callers *c)
{
  c->numbers = g_ptr_array_new_with_free_func (g_free);
  c->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
callers_add (Callers *c, const char *number, gint64 id)
{
  g_ptr_array_add (c->numbers, g_strdup (number));
  g_array_append_val (c->ids, id);
}

/* After the fill: lookups through the agent protocol, screen pops one call at a time, then (the hub
 * stopped) lookups in the index file alone. Prefix "b1"/"b2" (simulator) or "b1r"/"b2r" (real). */
static void
pops_and_lookups (Env *env, Book *book, AgentThread *agent, Callers *known, guint n_calls, guint n_lookups,
                  const char *b1, const char *b2, const char *region)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GArray) pop_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) pop_play_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) lookup_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) direct_us = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GPtrArray) b1_ids = g_ptr_array_new_with_free_func (g_free);
  const char *ring[] = { "2001", NULL };
  guint lost = 0, dup = 0, unmatched = 0, wrong_match = 0, pending = 0, lookup_hits = 0, lookup_refused = 0;
  char name[64];
  double t;

  /* B2: lookups through the agent protocol (index hits: known numbers). */
  for (guint i = 0; i < n_lookups; i++)
    {
      LookupOp op = { 0 };

      op.client = agent->agent->client;
      op.number = known->numbers->pdata[g_rand_int_range (rand, 0, known->numbers->len)];
      g_main_context_invoke (agent->context, lookup_start, &op);
      hub_wait_until (lookup_done, &op, 10000);
      if (op.error != NULL)
        {
          /* The hub's per-extension lookup budget (a burst, then a few a minute) is spent: the
           * rest would only time refusals. */
          progress ("agent lookups: %u answered, then: %s", i, op.error->message);
          lookup_refused++;
          g_clear_pointer (&op.match, rd_agent_match_free);
          g_clear_error (&op.error);
          break;
        }
      t = op.t1 - op.t0;
      g_array_append_val (lookup_ms, t);
      if (op.match != NULL)
        lookup_hits++;
      g_clear_pointer (&op.match, rd_agent_match_free);
    }
  g_snprintf (name, sizeof name, "%s_agent_lookup", b2);
  result_latency (name, lookup_ms);
  g_snprintf (name, sizeof name, "%s_agent_lookup_hits", b2);
  result (name, lookup_hits, "count");
  g_snprintf (name, sizeof name, "%s_agent_lookup_refused", b2);
  result (name, lookup_refused, "count");

  /* B1: screen pops, one call at a time. */
  for (guint i = 0; i < n_calls; i++)
    {
      guint c = g_rand_int_range (rand, 0, known->numbers->len);
      CallRec *rec = g_new0 (CallRec, 1);
      RingWait w = { book, NULL };
      char *call_id;

      rec->extension = g_strdup ("2001");
      rec->expect_id = g_array_index (known->ids, gint64, c);
      g_mutex_lock (&book_lock);
      rec->t0 = now_ms ();
      call_id = rd_sim_pbx_play_inbound (env->pbx, known->numbers->pdata[c], DID, ring, NULL, 40, 0);
      g_hash_table_insert (book->calls, call_id, rec);
      g_mutex_unlock (&book_lock);
      g_ptr_array_add (b1_ids, g_strdup (call_id));
      w.call_id = call_id;
      hub_wait_until (rang, &w, 5000);
      hub_wait_until (ended, &w, 5000);
      if (i % 100 == 99)
        progress ("%u calls", i + 1);
    }
  hub_wait_ms (1000);
  g_mutex_lock (&book_lock);
  for (guint i = 0; i < b1_ids->len; i++)
    {
      CallRec *rec = g_hash_table_lookup (book->calls, b1_ids->pdata[i]);

      if (rec->n_ring == 0)
        {
          lost++;
          continue;
        }
      if (rec->n_ring > 1 || rec->n_wrong > 0)
        dup++;
      add_pop_sample (rec, pop_ms, pop_play_ms);
      unmatched += !rec->matched;
      /* The bulk numbers may repeat: another record with the same number is a right answer too. */
      wrong_match += rec->matched && !rec->match_right;
      pending += rec->pending;
    }
  g_mutex_unlock (&book_lock);
#define B1(suffix, value, unit) G_STMT_START { g_snprintf (name, sizeof name, "%s_%s", b1, suffix); \
                                               result (name, value, unit); } G_STMT_END
  B1 ("calls", n_calls, "calls");
  g_snprintf (name, sizeof name, "%s_pop", b1);
  result_latency (name, pop_ms);
  g_snprintf (name, sizeof name, "%s_pop_from_request", b1);
  result_latency (name, pop_play_ms);
  B1 ("lost", lost, "calls");
  B1 ("duplicated", dup, "calls");
  B1 ("without_match", unmatched, "calls");
  B1 ("match_other_record", wrong_match, "calls");
  B1 ("lookup_pending", pending, "calls");
#undef B1
  g_snprintf (name, sizeof name, "%s_hub_after_calls", b2);
  report_hub_memory (env, name);

  agent_thread_free (agent);
  proc_hub_kill (env->hub, SIGTERM);

  /* B2: the index alone, in this process, on the hub's database file. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(RdStore) store = rd_store_open (env->hub->db_path, &error);
    g_autoptr(RdPhoneIndex) index = NULL;
    guint hits = 0;
    GStatBuf st;

    g_assert_no_error (error);
    index = rd_phone_index_new (store, &error);
    g_assert_no_error (error);
    rd_phone_index_set_region (index, region);
    for (guint round = 0; round < 10; round++)
      for (guint i = 0; i < MIN (known->numbers->len, 2000u); i++)
        {
          g_autoptr(RdPhoneNumber) n = rd_phone_parse (known->numbers->pdata[i], -1, region, NULL, NULL);
          g_autoptr(GPtrArray) matches = NULL;
          gint64 t0 = g_get_monotonic_time ();
          double us;

          matches = rd_phone_index_lookup (index, n, NULL);
          us = g_get_monotonic_time () - t0;
          g_array_append_val (direct_us, us);
          hits += matches != NULL && matches->len > 0;
        }
    g_snprintf (name, sizeof name, "%s_index_lookup_samples", b2);
    result (name, direct_us->len, "count");
    g_snprintf (name, sizeof name, "%s_index_lookup_p50", b2);
    result (name, proc_percentile (direct_us, 50) / 1000.0, "ms");
    g_snprintf (name, sizeof name, "%s_index_lookup_p99", b2);
    result (name, proc_percentile (direct_us, 99) / 1000.0, "ms");
    g_snprintf (name, sizeof name, "%s_index_lookup_hits", b2);
    result (name, hits, "count");
    /* The store and the phone index's file of its own beside it. */
    g_snprintf (name, sizeof name, "%s_hub_db_size", b2);
    if (g_stat (env->hub->db_path, &st) == 0)
      {
        g_autofree char *index_path = rd_phone_index_file_for (env->hub->db_path);
        double size = st.st_size;

        if (g_stat (index_path, &st) == 0)
          size += st.st_size;
        result (name, size / 1048576.0, "MB");
      }
  }
}

static void
report_fill (Env *env, const char *b2, guint contacts, double fill_ms)
{
  char name[64];

#define R(suffix, value, unit) G_STMT_START { g_snprintf (name, sizeof name, "%s_%s", b2, suffix); \
                                              result (name, value, unit); } G_STMT_END
  R ("contacts", contacts, "contacts");
  R ("index_numbers", hub_status_int (env, NULL, "index_numbers"), "numbers");
  R ("fill_time", fill_ms / 1000.0, "s");
  R ("fill_rate", contacts / (fill_ms / 1000.0), "contacts/s");
  R ("fill_hub_cpu", env->fill_hub_cpu, "s");
  if (env->simulated_crm)
    R ("fill_simulator_cpu", env->fill_sim_cpu, "s");
  if (env->odoo_pid > 0)
    {
      R ("fill_odoo_cpu", env->fill_odoo_cpu, "s");
      R ("fill_postgres_cpu", env->fill_pg_cpu, "s");
    }
  R ("fill_machine_busy", env->fill_busy, "cpu-s");
  R ("fill_window_peak", hub_status_int (env, "index", "window_peak"), "requests");
#undef R
  g_snprintf (name, sizeof name, "%s_hub_after_fill", b2);
  report_hub_memory (env, name);
}

static int
run_pop (guint contacts, guint n_calls, guint n_lookups)
{
  Env env = { 0 };
  Book book = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) call_rec_free), 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  Callers known = { 0 }, early = { 0 };
  FillPops pops = { 0 };
  gint64 first_id, last_id;
  double t, fill_ms;
  AgentThread *agent;
  BenchSimThread *sim;
  g_autofree char *odoo_url = NULL;
  g_autofree char *odoo_db = NULL;

  env_sims (&env, 1, 2001);
  g_signal_connect (env.pbx, "event-pushed", G_CALLBACK (on_event_pushed), &book);
  first_id = rd_sim_odoo_count_records (env.odoo, "res.partner") + 1;
  t = now_ms ();
  /* A CRM's contacts were written over time, not all in the minute before the hub connects. */
  rd_sim_odoo_set_clock (env.odoo, g_get_real_time () / G_USEC_PER_SEC - 86400);
  rd_sim_odoo_bulk_add_partners (env.odoo, contacts, 42);
  rd_sim_odoo_set_clock (env.odoo, 0);
  last_id = first_id + contacts - 1;
  progress ("Odoo simulator: %u partners in %.1f s", contacts, (now_ms () - t) / 1000);
  callers_init (&known);
  callers_init (&early);
  for (guint i = 0; i < MAX (n_lookups, 2000u); i++)
    {
      gint64 id;
      g_autofree char *number = random_cn_partner (env.odoo, rand, first_id, last_id, &id);

      callers_add (&known, number, id);
    }
  /* Callers for the pops during the fill: among the first 2,000 records, which are read first. */
  for (guint i = 0; i < 200; i++)
    {
      gint64 id;
      g_autofree char *number = random_cn_partner (env.odoo, rand, first_id, MIN (first_id + 2000, last_id), &id);

      callers_add (&early, number, id);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (rd_sim_pbx_start (env.pbx, &error));
  }
  sim = bench_sim_thread_start (g_steal_pointer (&env.odoo));
  odoo_url = g_strdup (rd_sim_odoo_get_url (sim->odoo));
  odoo_db = g_strdup (rd_sim_odoo_get_database (sim->odoo));

  env_launch_hub (&env, 5, 60, NULL);
  env_connect_crm (&env, odoo_url, odoo_db, "admin", ADMIN_KEY);
  env_bind_auto (&env);
  agent = agent_thread_new (&env, &book, "2001");
  /* A call every 80 ms: ~200 during the fill, so that its p99 is not simply the worst call. */
  pops = (FillPops) { &env, &book, agent, early.numbers, early.ids, 20000, 80, 0, g_ptr_array_new_with_free_func (g_free), 0 };
  fill_ms = env_wait_filled (&env, &pops);
  report_fill (&env, "b2", contacts, fill_ms);
  fill_pops_report (&pops, "b2_during_fill");
  progress ("index filled in %.1f s", fill_ms / 1000);
  if (!hub_wait_until (thread_agent_signed_in, agent, 20000))
    g_error ("agent did not sign in");

  pops_and_lookups (&env, &book, agent, &known, n_calls, n_lookups, "b1", "b2", "CN");
  g_ptr_array_unref (pops.call_ids);
  callers_clear (&known);
  callers_clear (&early);
  g_hash_table_unref (book.calls);
  env_stop (&env);
  bench_sim_thread_stop (sim);
  return 0;
}

/* ---- B1 + B2 against a real Odoo --------------------------------------------------------- */

/* Waits for one answer of the CRM (any *_finish of it); a benchmark cannot go on without it. */
static GAsyncResult *
crm_answer (HubWait *wait)
{
  return hub_wait_result (wait, 600000);
}

static void
crm_failed (GError *error)
{
  g_error ("Odoo: %s", error != NULL ? error->message : "no answer");
}

static RdCrmChangePage *
real_page (RdCrm *crm, const RdCrmRecordQuery *q, double *out_ms)
{
  g_auto(HubWait) w = { 0 };
  g_autoptr(GError) error = NULL;
  RdCrmChangePage *page;
  double t0 = now_ms ();

  rd_crm_list_records_async (crm, q, NULL, hub_wait_cb, &w);
  page = rd_crm_list_records_finish (crm, crm_answer (&w), &error);
  if (page == NULL)
    crm_failed (error);
  if (out_ms != NULL)
    *out_ms = now_ms () - t0;
  return page;
}

/* Numbers of the records in @q as a PBX presents a caller (E.164), with their record. */
static void
add_callers_from (RdCrm *crm, const RdCrmRecordQuery *q, const char *region, Callers *out)
{
  g_autoptr(RdCrmChangePage) page = real_page (crm, q, NULL);

  for (guint i = 0; i < page->changes->len; i++)
    {
      RdCrmChange *c = page->changes->pdata[i];

      for (guint k = 0; c->numbers != NULL && c->numbers[k] != NULL; k++)
        {
          g_autoptr(RdPhoneNumber) n = rd_phone_parse (c->numbers[k], -1, c->country_code ? c->country_code : region,
                                                       NULL, NULL);

          if (n != NULL && n->e164 != NULL)
            {
              callers_add (out, n->e164, c->id);
              break;
            }
        }
    }
}

static double
median_ms (GArray *ms)
{
  return proc_percentile (ms, 50);
}

/* What the refresh and the reconciliation cost the CRM: the same queries as the hub's, timed here
 * (median of 5, after the fill). */
static void
real_query_costs (RdCrm *crm, gint64 max_id, const char *mark)
{
  g_autoptr(GArray) refresh = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) reconcile = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) fill_page = g_array_new (FALSE, FALSE, sizeof (gdouble));
  RdIndexSyncLimits defaults;

  rd_index_sync_default_limits (&defaults);
  for (guint i = 0; i < 5; i++)
    {
      gint64 first = 1 + (max_id / 5) * i;
      RdCrmRecordQuery q = { RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, first, first + defaults.sweep_span,
                             mark, max_id, 0 };
      RdCrmRecordQuery page_q = { RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, first, first + defaults.page_rows,
                                  NULL, 0, defaults.page_rows * 2 };
      g_autoptr(RdCrmChangePage) a = NULL;
      g_autoptr(RdCrmChangePage) b = NULL;
      g_auto(HubWait) w = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) ids = NULL;
      double t, t0;

      a = real_page (crm, &q, &t);
      g_array_append_val (refresh, t);
      b = real_page (crm, &page_q, &t);
      g_array_append_val (fill_page, t);
      t0 = now_ms ();
      rd_crm_list_ids_async (crm, RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, first, first + defaults.reconcile_span,
                             NULL, hub_wait_cb, &w);
      ids = rd_crm_list_ids_finish (crm, crm_answer (&w), &error);
      if (ids == NULL)
        crm_failed (error);
      t = now_ms () - t0;
      g_array_append_val (reconcile, t);
    }
  result ("b7r_refresh_query_p50", median_ms (refresh), "ms");
  result ("b7r_reconcile_range_p50", median_ms (reconcile), "ms");
  result ("b7r_fill_page_p50", median_ms (fill_page), "ms");
  /* A reconciliation round over every id, one range after the other. */
  result ("b7r_reconcile_round_estimate", median_ms (reconcile) * ((max_id + defaults.reconcile_span - 1) / defaults.reconcile_span) / 1000.0, "s");
}

static int
run_real (const char *url, const char *database, const char *login, const char *key_file, GPid odoo_pid,
          guint n_calls, guint n_lookups, guint concurrency)
{
  Env env = { 0 };
  Book book = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) call_rec_free), 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *engine = NULL;
  g_autoptr(RdCrm) crm = NULL;
  g_autoptr(RdCrmInfo) info = NULL;
  g_autoptr(RdCrmIdBounds) bounds = NULL;
  g_autoptr(JsonObject) bind = json_object_new ();
  g_autoptr(JsonObject) bound = NULL;
  RdCrmConfig config = { 0 };
  Callers known = { 0 }, early = { 0 };
  FillPops pops = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  const char *region;
  double fill_ms;
  AgentThread *agent;
  g_auto(HubWait) w = { 0 };

  if (!g_file_get_contents (key_file, &key, NULL, &error))
    g_error ("%s", error->message);
  g_strstrip (key);

  /* This process's own connection: callers to play, and the query costs. */
  config.url = (char *) url;
  config.options = rd_options_new ();
  rd_options_set (config.options, "database", database);
  config.login = (char *) login;
  config.api_key = key;
  config.timeout = 600;
  crm = rd_crm_new (&config, &error);
  g_clear_pointer (&config.options, rd_options_unref);
  if (crm == NULL)
    g_error ("%s", error->message);
  rd_crm_connect_async (crm, NULL, hub_wait_cb, &w);
  info = rd_crm_connect_finish (crm, hub_wait_result (&w, 60000), &error);
  if (info == NULL)
    crm_failed (error);
  region = info->country_code != NULL ? info->country_code : "CN";
  rd_crm_get_id_bounds_async (crm, RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, NULL, hub_wait_cb, &w);
  bounds = rd_crm_get_id_bounds_finish (crm, hub_wait_result (&w, 60000), &error);
  if (bounds == NULL)
    crm_failed (error);
  progress ("Odoo %s at %s, database %s: contacts up to id %" G_GINT64_FORMAT ", region %s",
            info->version, url, database, bounds->max_id, region);

  callers_init (&known);
  callers_init (&early);
  /* During the fill: records among the first 3,000 ids (read first). After it: 20 places across. */
  add_callers_from (crm, &(RdCrmRecordQuery) { RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, 1, 3000, NULL, 0, 0 },
                    region, &early);
  for (guint i = 0; i < 20; i++)
    {
      gint64 first = g_rand_int_range (rand, 1, (gint32) MAX (bounds->max_id - 200, 2));

      add_callers_from (crm, &(RdCrmRecordQuery) { RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, first, first + 200,
                                                   NULL, 0, 0 }, region, &known);
    }
  progress ("%u early and %u other callers", early.numbers->len, known.numbers->len);

  env.tmp = g_dir_make_tmp ("rd-bench-XXXXXX", &error);
  env.extensions = g_ptr_array_new_with_free_func (g_free);
  env.pbx = rd_sim_pbx_new ();
  env.odoo_pid = odoo_pid;
  rd_sim_pbx_add_extension (env.pbx, "2001", "Agent 2001", "agent2001@example.com");
  g_signal_connect (env.pbx, "event-pushed", G_CALLBACK (on_event_pushed), &book);
  if (!rd_sim_pbx_start (env.pbx, &error))
    g_error ("%s", error->message);

  engine = g_strdup_printf ("index-reconcile=0\nindex-concurrency=%u\n", concurrency);
  env_launch_hub (&env, 5, 60, engine);
  env_connect_crm (&env, url, database, login, key);
  json_object_set_string_member (bind, "extension", "2001");
  json_object_set_string_member (bind, "user", login);
  bound = admin (&env, "bind", bind);
  agent = agent_thread_new (&env, &book, "2001");
  /* A call every 500 ms: ~100 during a one-minute fill, so that its p99 is not simply the worst call.
   * Each is logged in the real Odoo too, which serves the fill on the same two cores: a call every
   * 250 ms (~230 samples, p99 11-14 ms) made the fill itself 6 s slower (58-59 s). */
  pops = (FillPops) { &env, &book, agent, early.numbers, early.ids, 20000, 500, 0, g_ptr_array_new_with_free_func (g_free), 0 };
  fill_ms = env_wait_filled (&env, &pops);
  report_fill (&env, "b2r", (guint) hub_status_int (&env, NULL, "index_numbers"), fill_ms);
  fill_pops_report (&pops, "b2r_during_fill");
  progress ("index filled in %.1f s", fill_ms / 1000);
  if (!hub_wait_until (thread_agent_signed_in, agent, 20000))
    g_error ("agent did not sign in");

  real_query_costs (crm, bounds->max_id, bounds->mark);
  pops_and_lookups (&env, &book, agent, &known, n_calls, n_lookups, "b1r", "b2r", region);
  g_ptr_array_unref (pops.call_ids);
  callers_clear (&known);
  callers_clear (&early);
  g_hash_table_unref (book.calls);
  env_stop (&env);
  memset (key, 0, strlen (key));
  return 0;
}

/* ---- B6: connections that never sign in, a reader that floods and does not read ----------------- */

#define N(suffix) (g_strconcat (b, "_", suffix, NULL))   /* leaked: a few dozen names per run */
#define ATTACK_SOURCES 20

/* A thread that keeps @n connections to the hub's agent port open (reopening the ones the hub
 * closes) from 127.0.0.2 … 127.0.0.21: half idle, half slow loris (an HTTP request that never
 * ends, one header line every 2 s). Plain POSIX sockets: it must not share the main loop. */
typedef struct {
  guint    port;
  guint    n;
  gint     stop;
  gint     open_now;
  gint     reopened;
  GThread *thread;
} Attack;

static int
attack_connect (guint port, guint i)
{
  struct sockaddr_in from = { .sin_family = AF_INET };
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons ((guint16) port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  from.sin_addr.s_addr = htonl (0x7f000002 + i % ATTACK_SOURCES);
  to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &from, sizeof from) != 0 ||
      connect (fd, (struct sockaddr *) &to, sizeof to) != 0)
    {
      close (fd);
      return -1;
    }
  if (i % 2 == 1)
    (void) !send (fd, "GET /agent/v1 HTTP/1.1\r\nHost: hub\r\n", 35, MSG_NOSIGNAL | MSG_DONTWAIT);
  return fd;
}

static gpointer
attack_main (gpointer data)
{
  Attack *a = data;
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, a->n);
  gint64 next_dribble = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  for (guint i = 0; i < a->n; i++)
    {
      fds[i].fd = attack_connect (a->port, i);
      fds[i].events = POLLIN;
    }
  while (!g_atomic_int_get (&a->stop))
    {
      gint open = 0;

      /* Only the connections the hub closed (or wrote to) wake this up. */
      poll (fds, a->n, 250);
      for (guint i = 0; i < a->n; i++)
        {
          char byte;

          if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
            {
              gssize n = recv (fds[i].fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

              if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                {
                  close (fds[i].fd);
                  fds[i].fd = -1;
                }
            }
          fds[i].revents = 0;
          if (fds[i].fd < 0)
            {
              fds[i].fd = attack_connect (a->port, i);
              if (fds[i].fd >= 0)
                g_atomic_int_inc (&a->reopened);
            }
          open += fds[i].fd >= 0;
        }
      if (g_get_monotonic_time () >= next_dribble)
        {
          next_dribble = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
          for (guint i = 1; i < a->n; i += 2)
            if (fds[i].fd >= 0)
              (void) !send (fds[i].fd, "X-Pad: y\r\n", 10, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
      g_atomic_int_set (&a->open_now, open);
    }
  for (guint i = 0; i < a->n; i++)
    if (fds[i].fd >= 0)
      close (fds[i].fd);
  return NULL;
}

static gboolean
attack_holding (gpointer data)
{
  Attack *a = data;

  return (guint) g_atomic_int_get (&a->open_now) >= a->n;
}

static Attack *
attack_start (Env *env, guint n)
{
  Attack *a = g_new0 (Attack, 1);

  a->port = env->hub->port;
  a->n = n;
  a->thread = g_thread_new ("attack", attack_main, a);
  if (!hub_wait_until (attack_holding, a, 30000))
    progress ("the attack holds only %d of %u connections", g_atomic_int_get (&a->open_now), n);
  progress ("%d connections held open that never sign in", g_atomic_int_get (&a->open_now));
  return a;
}

static void
attack_stop (Attack *a)
{
  g_atomic_int_set (&a->stop, 1);
  g_thread_join (a->thread);
  g_free (a);
}

static gboolean
client_signed_in (gpointer data)
{
  return rd_agent_client_get_state (data) == RD_AGENT_STATE_SIGNED_IN;
}

/* With the attack on: a new agent's sign-in (connect, upgrade, hello, welcome) and the admin's
 * `status`, twenty times each. */
static void
measure_under_attack (Env *env, Attack *attack, Agent *model)
{
  const char *b = "b6";
  g_autoptr(GArray) sign_in = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) status = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = NULL;
  char *extension = g_strdup_printf ("%s", model->extension);

  result (N ("attack_connections"), g_atomic_int_get (&attack->open_now), "connections");
  key = proc_hub_agent_key (env->hub, extension, &url, &error);
  if (key == NULL)
    g_error ("agent-key: %s", error->message);
  /* The model agent's key was just replaced: it signs in again with the new one too. */
  rd_agent_client_set_agent_key (model->client, extension, key);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(RdAgentClient) client = rd_agent_client_new (url);
      double t = now_ms (), d;

      rd_agent_client_set_agent_key (client, extension, key);
      rd_agent_client_start (client);
      if (!hub_wait_until (client_signed_in, client, 30000))
        g_warning ("a sign-in under attack did not finish in 30 s");
      d = now_ms () - t;
      g_array_append_val (sign_in, d);
      rd_agent_client_stop (client);
      hub_wait_ms (50);
    }
  for (guint i = 0; i < 20; i++)
    {
      double t = now_ms (), d;
      g_autoptr(JsonObject) reply = proc_hub_status (env->hub);

      d = now_ms () - t;
      if (reply == NULL)
        g_warning ("status did not answer under attack");
      g_array_append_val (status, d);
      hub_wait_ms (50);
    }
  result_latency (N ("new_sign_in"), sign_in);
  result_latency (N ("status"), status);
  if (!hub_wait_until (client_signed_in, model->client, 30000))
    g_warning ("agent %s did not sign in again with its new key", extension);
  result (N ("pending_connections"), hub_status_int (env, "connections", "pending"), "connections");
  g_free (extension);
}

/* A ping over @ws and the time until its pong (frames in between are skipped); -1 on timeout. */
static double
ping_ms (SecWs *ws, guint id)
{
  g_autofree char *ping = g_strdup_printf ("{\"type\":\"ping\",\"id\":%u}", id);
  double t = now_ms ();
  JsonObject *frame;

  sec_ws_send (ws, ping);
  while ((frame = sec_ws_next (ws, 10000)) != NULL)
    if (g_strcmp0 (sec_frame_type (frame), "pong") == 0)
      return now_ms () - t;
  return -1;
}

/* One agent sends @n `recent` requests and reads nothing; another pings meanwhile. Hub memory
 * before, at its highest while the flood lasts, and after the flooder's connection closed. */
static void
measure_flood (Env *env, GPtrArray *agents, guint n)
{
  const char *b = "b6";
  const char *flooder = ((Agent *) agents->pdata[1])->extension;
  const char *other = ((Agent *) agents->pdata[2])->extension;
  GPid pid = proc_hub_pid (env->hub);
  g_autoptr(GArray) pong = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *other_url = NULL;
  g_autofree char *key = proc_hub_agent_key (env->hub, flooder, &url, &error);
  g_autofree char *other_key = proc_hub_agent_key (env->hub, other, &other_url, &error);
  g_autofree char *hello = NULL;
  g_autofree char *welcome = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(SecWs) pinger = NULL;
  gint64 before, peak = 0, after;
  gushort close_code;

  if (key == NULL || other_key == NULL)
    g_error ("agent-key: %s", error->message);
  hub_wait_ms (12000);   /* the attack's connections have gone */
  pinger = sec_ws_connect (other_url, NULL, &error);
  if (pinger == NULL || g_strcmp0 (sec_frame_type (sec_ws_hello_key (pinger, other, other_key)), "welcome") != 0)
    g_error ("the pinging agent could not sign in");
  before = proc_status_field (pid, "VmRSS");
  socket = sec_tcp_open (env->hub->port, NULL, 4096);
  if (socket == NULL || !sec_tcp_ws_upgrade (socket, env->hub->port))
    g_error ("the flooder could not connect");
  hello = g_strdup_printf ("{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"agent-key\",\"extension\":\"%s\","
                           "\"key\":\"%s\"}}", flooder, key);
  sec_tcp_ws_send (socket, hello);
  welcome = sec_tcp_ws_read_text (socket, 10000);
  if (welcome == NULL || strstr (welcome, "welcome") == NULL)
    g_error ("the flooder was not welcomed");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *recent = g_strdup_printf ("{\"type\":\"recent\",\"id\":%u,\"limit\":200%s}", i + 1,
                                                 i % 2 ? ",\"query\":\"13\"" : "");

      if (!sec_tcp_ws_send (socket, recent))
        break;
      if (i % 50 == 0)
        {
          double d = ping_ms (pinger, i);

          if (d >= 0)
            g_array_append_val (pong, d);
          peak = MAX (peak, proc_status_field (pid, "VmRSS"));
        }
    }
  hub_wait_ms (500);
  peak = MAX (peak, proc_status_field (pid, "VmRSS"));
  close_code = sec_tcp_ws_read_until_close (socket, 1000, NULL);
  g_socket_close (socket, NULL);
  hub_wait_ms (5000);
  after = proc_status_field (pid, "VmRSS");
  result (N ("flood_requests"), n, "requests");
  result (N ("flood_close_code"), close_code, "code");
  result_latency (N ("pong_during_flood"), pong);
  result (N ("rss_before_flood"), before / 1024.0, "MB");
  result (N ("rss_peak_flood"), peak / 1024.0, "MB");
  result (N ("rss_after_flood"), after / 1024.0, "MB");
  result (N ("rss_after_flood_change"), 100.0 * (after - before) / before, "%");
}

/* ---- B3: hub scale -------------------------------------------------------------------------- */

typedef struct {
  Env       *env;
  Book      *book;
  GRand     *rand;
  GPtrArray *callers;      /* char* numbers */
  GArray    *caller_ids;   /* gint64 */
  double     t_begin;
  guint      rate, seconds, started;
  guint      answered;
  gboolean   finished;
} Burst;

static gboolean
burst_tick (gpointer data)
{
  Burst *b = data;
  double elapsed = (now_ms () - b->t_begin) / 1000.0;
  guint due = MIN ((guint) (elapsed * b->rate), b->rate * b->seconds);

  while (b->started < due)
    {
      guint c = g_rand_int_range (b->rand, 0, b->callers->len);
      const char *ext = b->env->extensions->pdata[g_rand_int_range (b->rand, 0, b->env->extensions->len)];
      const char *ring[] = { ext, NULL };
      gboolean answer = g_rand_boolean (b->rand);
      CallRec *rec = g_new0 (CallRec, 1);
      char *call_id;

      rec->extension = g_strdup (ext);
      rec->expect_id = g_array_index (b->caller_ids, gint64, c);
      rec->t0 = now_ms ();
      call_id = rd_sim_pbx_play_inbound (b->env->pbx, b->callers->pdata[c], DID, ring, answer ? ext : NULL,
                                         1500, answer ? 1000 : 0);
      g_hash_table_insert (b->book->calls, call_id, rec);
      b->started++;
      b->answered += answer;
    }
  if (b->started >= b->rate * b->seconds)
    {
      b->finished = TRUE;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
burst_finished (gpointer data)
{
  return ((Burst *) data)->finished;
}

static gboolean
all_ended (gpointer data)
{
  Book *book = data;
  GHashTableIter iter;
  CallRec *rec;

  g_hash_table_iter_init (&iter, book->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &rec))
    if (rec->n_ended == 0)
      return FALSE;
  return TRUE;
}

static gboolean
outbox_idle (gpointer data)
{
  Env *env = data;
  g_autoptr(JsonObject) status = proc_hub_status (env->hub);
  JsonObject *outbox = status ? json_object_get_object_member (status, "outbox") : NULL;

  return outbox != NULL && json_object_get_int_member_with_default (outbox, "pending", 1) == 0;
}

static int
run_scale (guint n_agents, guint rate, guint seconds, guint attack_n, guint flood_n)
{
  const char *b = attack_n > 0 ? "b6" : "b3";
  Attack *attack = NULL;
  Env env = { 0 };
  Book book = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) call_rec_free), 0 };
  g_autoptr(GArray) pop_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) pop_play_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func ((GDestroyNotify) agent_free);
  Burst burst = { 0 };
  guint lost = 0, dup = 0, wrong = 0, lost_end = 0, unmatched = 0;
  double t, cpu_hub0, cpu_self0;
  gint64 hub_rss_idle;

  env_sims (&env, n_agents, 3000);
  g_signal_connect (env.pbx, "event-pushed", G_CALLBACK (on_event_pushed), &book);
  burst.callers = g_ptr_array_new_with_free_func (g_free);
  burst.caller_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < 1000; i++)
    {
      char *phone = g_strdup_printf ("+86 139 %04u %04u", 1000 + i, 2000 + i);
      gint64 id = rd_sim_odoo_add_partner (env.odoo, "Caller", phone, NULL, FALSE, 0, NULL);

      g_ptr_array_add (burst.callers, phone);
      g_array_append_val (burst.caller_ids, id);
    }
  env_start_sims (&env);
  env_start_hub (&env, 5, 60);
  result (N ("agents"), n_agents, "agents");
  result (N ("hub_rss_before_agents"), proc_status_field (proc_hub_pid (env.hub), "VmRSS") / 1024.0, "MB");

  if (attack_n > 0)
    attack = attack_start (&env, attack_n);
  t = now_ms ();
  for (guint i = 0; i < env.extensions->len; i++)
    g_ptr_array_add (agents, agent_new (&env, &book, env.extensions->pdata[i]));
  progress ("%u agent keys issued in %.1f s", n_agents, (now_ms () - t) / 1000);
  t = now_ms ();
  for (guint i = 0; i < agents->len; i++)
    rd_agent_client_start (((Agent *) agents->pdata[i])->client);
  if (!hub_wait_until_every (all_signed_in, agents, 300000, 100))
    g_error ("not every agent signed in");
  result (N ("sign_in_all"), (now_ms () - t) / 1000.0, "s");
  result (N ("hub_agents_signed_in"), hub_status_int (&env, NULL, "agents"), "agents");
  hub_wait_ms (2000);
  if (attack != NULL)
    measure_under_attack (&env, attack, agents->pdata[0]);
  hub_rss_idle = proc_status_field (proc_hub_pid (env.hub), "VmRSS");
  result (N ("hub_rss_agents_idle"), hub_rss_idle / 1024.0, "MB");

  burst.env = &env;
  burst.book = &book;
  burst.rand = g_rand_new_with_seed (11);
  burst.rate = rate;
  burst.seconds = seconds;
  burst.t_begin = now_ms ();
  cpu_hub0 = proc_cpu_seconds (proc_hub_pid (env.hub));
  cpu_self0 = proc_cpu_seconds (getpid ());
  g_timeout_add (5, burst_tick, &burst);
  hub_wait_until (burst_finished, &burst, (seconds + 30) * 1000);
  /* Saturation check: CPU seconds used during the burst by the hub and by this driver (the
   * simulators and the 1,000 agents share its main thread). */
  result (N ("burst_hub_cpu"), proc_cpu_seconds (proc_hub_pid (env.hub)) - cpu_hub0, "s");
  result (N ("burst_driver_cpu"), proc_cpu_seconds (getpid ()) - cpu_self0, "s");
  progress ("%u calls started in %.1f s", burst.started, (now_ms () - burst.t_begin) / 1000);
  hub_wait_until_every (all_ended, &book, 30000, 100);
  report_hub_memory (&env, N ("hub"));

  {
    GHashTableIter iter;
    CallRec *rec;

    g_hash_table_iter_init (&iter, book.calls);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &rec))
      {
        lost += rec->n_ring == 0;
        dup += rec->n_ring > 1;
        wrong += rec->n_wrong > 0;
        lost_end += rec->n_ended == 0;
        if (rec->n_ring > 0)
          {
            add_pop_sample (rec, pop_ms, pop_play_ms);
            unmatched += !rec->match_right;
          }
      }
  }
  result (N ("calls"), burst.started, "calls");
  result (N ("rate"), rate, "calls/s");
  result (N ("duration"), seconds, "s");
  result_latency (N ("pop"), pop_ms);
  result_latency (N ("pop_from_request"), pop_play_ms);
  result (N ("lost_ringing"), lost, "events");
  result (N ("duplicated_ringing"), dup, "events");
  result (N ("to_wrong_agent"), wrong, "calls");
  result (N ("lost_ended"), lost_end, "events");
  result (N ("unexpected_frames"), book.unexpected, "frames");
  result (N ("wrong_or_no_match"), unmatched, "calls");
  t = now_ms ();
  hub_wait_until_every (outbox_idle, &env, 120000, 200);
  result (N ("outbox_drain_after_burst"), (now_ms () - t) / 1000.0, "s");
  result (N ("outbox_dead"), hub_status_int (&env, "outbox", "dead"), "items");
  if (attack != NULL)
    {
      result (N ("attack_reopened"), g_atomic_int_get (&attack->reopened), "connections");
      result (N ("closed_by_caps"), hub_status_int (&env, "connections", "closed_by_caps"), "connections");
      result (N ("closed_by_deadline"), hub_status_int (&env, "connections", "timed_out"), "connections");
      attack_stop (attack);
    }
  if (flood_n > 0)
    measure_flood (&env, agents, flood_n);

  g_ptr_array_unref (agents);
  agents = NULL;
  g_rand_free (burst.rand);
  g_ptr_array_unref (burst.callers);
  g_array_unref (burst.caller_ids);
  g_hash_table_unref (book.calls);
  env_stop (&env);
  return 0;
}

/* ---- B5: call-log throughput with a CRM outage ---------------------------------------------------- */

/* Counts "Ringdesk call id: KEY" per key over @ids of res.partner. */
static GHashTable *
count_logged_keys (RdSimOdoo *odoo, GArray *ids)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GPtrArray) bodies = rd_sim_odoo_messages_for (odoo, "res.partner", g_array_index (ids, gint64, i));

      proc_count_call_keys (bodies, keys);
    }
  return keys;
}

static guint
count_logs (RdSimOdoo *odoo, GArray *ids)
{
  g_autoptr(GHashTable) keys = count_logged_keys (odoo, ids);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += GPOINTER_TO_UINT (value);
  return n;
}

typedef struct {
  Env    *env;
  GArray *ids;
  guint   target;
} LogWait;

static gboolean
logs_reached (gpointer data)
{
  LogWait *w = data;

  /* Progress from the hub's outbox (cheap); the Odoo side is checked key by key at the end. */
  return hub_status_int (w->env, "outbox", "done") >= w->target;
}

typedef struct {
  Env   *env;
  guint  target;
} StoredWait;

static gboolean
calls_queued (gpointer data)
{
  StoredWait *w = data;

  return hub_status_int (w->env, "outbox", "pending") >= w->target;
}

static gboolean
pace_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
play_batch (gpointer data)
{
  Burst *b = data;

  return burst_tick (b);
}

static int
run_outbox (guint n_calls, guint outage_s)
{
  Env env = { 0 };
  Book book = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) call_rec_free), 0 };
  Burst burst = { 0 };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(JsonObject) reply = NULL;
  GHashTableIter iter;
  gpointer value;
  guint once = 0, twice = 0, pending0;
  double t_enable, t_down, t_up, t_done, t;
  LogWait half = { &env, ids, n_calls / 2 };
  LogWait all = { &env, ids, n_calls };
  StoredWait stored = { &env, n_calls };

  env_sims (&env, 1, 2001);
  burst.callers = g_ptr_array_new_with_free_func (g_free);
  burst.caller_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < 100; i++)
    {
      char *phone = g_strdup_printf ("+86 139 0000 %04u", i);
      gint64 id = rd_sim_odoo_add_partner (env.odoo, "Caller", phone, NULL, FALSE, 0, NULL);

      g_ptr_array_add (burst.callers, phone);
      g_array_append_val (burst.caller_ids, id);
      g_array_append_val (ids, id);
    }
  rd_sim_pbx_set_cdr_time_scale (env.pbx, 1000);
  env_start_sims (&env);
  env_start_hub (&env, 1, 4);

  /* Queue: the CRM work is paused while the calls happen (they are stored, their logs wait). */
  reply = admin (&env, "disable", NULL);
  burst.env = &env;
  burst.book = &book;
  burst.rand = g_rand_new_with_seed (5);
  burst.rate = 200;
  burst.seconds = (n_calls + 199) / 200;
  burst.t_begin = now_ms ();
  t = now_ms ();
  {
    /* Every call answered on 2001; short ring and talk. */
    guint started = 0;
    guint tick = g_timeout_add (5, pace_tick, NULL);
    while (started < n_calls)
      {
        guint due = MIN ((guint) ((now_ms () - t) / 1000.0 * burst.rate), n_calls);

        for (; started < due; started++)
          {
            const char *ring[] = { "2001", NULL };
            guint c = started % burst.callers->len;
            CallRec *rec = g_new0 (CallRec, 1);

            rec->extension = g_strdup ("2001");
            g_hash_table_insert (book.calls,
                                 rd_sim_pbx_play_inbound (env.pbx, burst.callers->pdata[c], DID, ring, "2001", 10, 10),
                                 rec);
          }
        g_main_context_iteration (NULL, TRUE);
      }
    g_source_remove (tick);
  }
  (void) play_batch;
  if (!hub_wait_until_every (calls_queued, &stored, 300000, 200))
    g_warning ("only %" G_GINT64_FORMAT " of %u logs queued", hub_status_int (&env, "outbox", "pending"), n_calls);
  pending0 = hub_status_int (&env, "outbox", "pending");
  result ("b5_calls", n_calls, "calls");
  result ("b5_queue_time", (now_ms () - t) / 1000.0, "s");
  result ("b5_queued_items", pending0, "items");
  progress ("%u outbox items queued", pending0);

  /* Drain, with an outage in the middle. */
  g_clear_pointer (&reply, json_object_unref);
  t_enable = now_ms ();
  reply = admin (&env, "enable", NULL);
  hub_wait_until_every (logs_reached, &half, 1800000, 100);
  t_down = now_ms ();
  rd_sim_odoo_set_down (env.odoo, TRUE);
  progress ("CRM down at %u logs", count_logs (env.odoo, ids));
  result ("b5_logs_when_crm_went_down", count_logs (env.odoo, ids), "logs");
  hub_wait_ms (outage_s * 1000);
  rd_sim_odoo_set_down (env.odoo, FALSE);
  t_up = now_ms ();
  progress ("CRM up");
  hub_wait_until_every (logs_reached, &all, 1800000, 250);
  hub_wait_until_every (outbox_idle, &env, 600000, 200);
  t_done = now_ms ();
  keys = count_logged_keys (env.odoo, ids);
  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      once += GPOINTER_TO_UINT (value) == 1;
      twice += GPOINTER_TO_UINT (value) > 1;
    }
  result ("b5_outage", (t_up - t_down) / 1000.0, "s");
  result ("b5_drain_total", (t_done - t_enable) / 1000.0, "s");
  result ("b5_logs_per_s_overall", n_calls / ((t_done - t_enable) / 1000.0), "logs/s");
  result ("b5_logs_per_s_crm_up", n_calls / ((t_done - t_enable - (t_up - t_down)) / 1000.0), "logs/s");
  result ("b5_first_half_logs_per_s", (n_calls / 2) / ((t_down - t_enable) / 1000.0), "logs/s");
  result ("b5_recovery_after_outage", (t_done - t_up) / 1000.0, "s");
  result ("b5_logged_once", once, "calls");
  result ("b5_logged_more_than_once", twice, "calls");
  result ("b5_not_logged", n_calls > g_hash_table_size (keys) ? n_calls - g_hash_table_size (keys) : 0, "calls");
  result ("b5_outbox_pending_after", hub_status_int (&env, "outbox", "pending"), "items");
  result ("b5_outbox_dead_after", hub_status_int (&env, "outbox", "dead"), "items");
  report_hub_memory (&env, "b5_hub");

  g_rand_free (burst.rand);
  g_ptr_array_unref (burst.callers);
  g_array_unref (burst.caller_ids);
  g_hash_table_unref (book.calls);
  env_stop (&env);
  return 0;
}

/* ---- serve: sims + hub for the app footprint run (B4) ------------------------------------------------ */

static int
run_serve (guint seconds, const char *out)
{
  Env env = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;

  env_sims (&env, 1, 2001);
  rd_sim_odoo_add_partner (env.odoo, "Li Lei", "+86 138 0013 8000", NULL, FALSE, 0, NULL);
  env_start_sims (&env);
  env_start_hub (&env, 5, 60);
  key = proc_hub_agent_key (env.hub, "2001", &url, &error);
  g_assert_no_error (error);
  /* The credential goes to a 0600 file, never to argv. */
  text = g_strdup_printf ("url=%s\nextension=2001\nkey=%s\nhub_pid=%d\n", url, key, (int) proc_hub_pid (env.hub));
  if (!g_file_set_contents_full (out, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_error ("%s", error->message);
  progress ("serving for %u s; credentials in %s", seconds, out);
  hub_wait_ms (seconds * 1000);
  env_stop (&env);
  return 0;
}

/* ---- main ---------------------------------------------------------------------------------------- */

static guint
opt_uint (int argc, char **argv, const char *name, guint fallback)
{
  for (int i = 0; i + 1 < argc; i++)
    if (g_str_equal (argv[i], name))
      return (guint) g_ascii_strtoull (argv[i + 1], NULL, 10);
  return fallback;
}

static const char *
opt_str (int argc, char **argv, const char *name, const char *fallback)
{
  for (int i = 0; i + 1 < argc; i++)
    if (g_str_equal (argv[i], name))
      return argv[i + 1];
  return fallback;
}

int
main (int argc, char **argv)
{
  struct rlimit lim;
  const char *mode;

  setlocale (LC_ALL, "");
  t_start = g_get_monotonic_time () / 1e6;
  if (argc < 3)
    {
      g_printerr ("usage: %s HUB_BINARY pop|scale|outbox|serve [options]\n", argv[0]);
      return 2;
    }
  /* 1,000 agents need more than 1,024 descriptors here and in the hub (which inherits this). */
  if (getrlimit (RLIMIT_NOFILE, &lim) == 0)
    {
      lim.rlim_cur = lim.rlim_max;
      setrlimit (RLIMIT_NOFILE, &lim);
    }
  signal (SIGPIPE, SIG_IGN);
  /* Simulated outages and plain-HTTP loopback produce warnings; they are part of the runs. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  hub_binary = argv[1];
  mode = argv[2];
  (void) stopping_ok;
  if (g_str_equal (mode, "pop"))
    return run_pop (opt_uint (argc, argv, "--contacts", 1000000), opt_uint (argc, argv, "--calls", 1000),
                    opt_uint (argc, argv, "--lookups", 2000));
  if (g_str_equal (mode, "scale"))
    return run_scale (opt_uint (argc, argv, "--agents", 1000), opt_uint (argc, argv, "--rate", 50),
                      opt_uint (argc, argv, "--seconds", 60), 0, 0);
  if (g_str_equal (mode, "abuse"))
    return run_scale (opt_uint (argc, argv, "--agents", 1000), opt_uint (argc, argv, "--rate", 50),
                      opt_uint (argc, argv, "--seconds", 60), opt_uint (argc, argv, "--attack", 2000),
                      opt_uint (argc, argv, "--flood", 3000));
  if (g_str_equal (mode, "outbox"))
    return run_outbox (opt_uint (argc, argv, "--calls", 10000), opt_uint (argc, argv, "--outage", 30));
  if (g_str_equal (mode, "real"))
    {
      const char *url = opt_str (argc, argv, "--url", NULL);
      const char *db = opt_str (argc, argv, "--database", NULL);
      const char *key_file = opt_str (argc, argv, "--key-file", NULL);

      if (url == NULL || db == NULL || key_file == NULL)
        {
          g_printerr ("usage: %s HUB real --url URL --database DB --key-file FILE [--login admin] [--odoo-pid PID]"
                      " [--calls N] [--lookups N] [--concurrency N]\n", argv[0]);
          return 2;
        }
      return run_real (url, db, opt_str (argc, argv, "--login", "admin"), key_file,
                       (GPid) opt_uint (argc, argv, "--odoo-pid", 0), opt_uint (argc, argv, "--calls", 1000),
                       opt_uint (argc, argv, "--lookups", 2000), opt_uint (argc, argv, "--concurrency", 4));
    }
  if (g_str_equal (mode, "serve"))
    return run_serve (opt_uint (argc, argv, "--seconds", 120), opt_str (argc, argv, "--out", "bench-agent.ini"));
  g_printerr ("unknown mode %s\n", mode);
  return 2;
}
