/* test-chaos.c — the reliability suite. `ringdesk-hub serve` runs as a separate process
 * (proc-hub.c); the PBX and Odoo simulators and the agents run here.
 *
 *   /chaos/kills-drops-outages  N calls while the hub is SIGKILLed 10 times, the CRM is down
 *                               twice and the PBX event socket drops 10 times: every call is
 *                               logged exactly once, each unknown caller auto-created once,
 *                               nothing stuck in the outbox.
 *   /chaos/restart-token-pool   ten SIGKILL restarts with real token lifetimes on a PBX that
 *                               allows 2 tokens per API client: at most 2 in use, the hub
 *                               still reaches the PBX and logs a call; a clean stop frees it.
 *   /chaos/token-lifecycle      short PBX token lifetimes (an accelerated 48 h) through the hub:
 *                               every call pops once, is logged once, the token pool never fills.
 *   /chaos/security             known secrets never in logs, state files or argv; secrets files
 *                               0600; extensions are isolated; a wrong pinned certificate is
 *                               refused; hostile text is escaped in the chatter; failed sign-ins
 *                               are slowed down.
 *
 * RD_CHAOS_CALLS overrides N (default 1000); RD_CHAOS_SEED fixes the fault schedule (it is
 * printed either way); RD_HUB_BINARY overrides the hub path.
 */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "proc-hub.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#define DID "01088880000"

typedef struct {
  RdSimPbx  *pbx;
  RdSimOdoo *odoo;
  ProcHub   *hub;
  char      *tmp;
  char      *pbx_secret;
  char      *admin_key;
  char      *alice_key;
} Fixture;

static char *
hub_binary (void)
{
  const char *env = g_getenv ("RD_HUB_BINARY");

  if (env != NULL)
    return g_strdup (env);
  return g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".", "..", "src", "hub",
                           "ringdesk-hub", NULL);
}

static char *
random_secret (const char *prefix)
{
  return g_strdup_printf ("%s-%08x%08x%08x", prefix, g_random_int (), g_random_int (), g_random_int ());
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bin = hub_binary ();
  g_autofree char *dir = NULL;

  if (!g_file_test (bin, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("no ringdesk-hub at %s (set RD_HUB_BINARY)", bin);
  f->tmp = g_dir_make_tmp ("rd-chaos-XXXXXX", &error);
  g_assert_no_error (error);
  f->pbx_secret = random_secret ("pbx-secret");
  f->admin_key = random_secret ("odoo-admin-key");
  f->alice_key = random_secret ("alice-personal-key");

  f->pbx = rd_sim_pbx_new ();
  rd_sim_pbx_set_credentials (f->pbx, "chaos-client", f->pbx_secret);
  rd_sim_pbx_add_extension (f->pbx, "2001", "Alice Zhang", "alice@example.com");
  rd_sim_pbx_add_extension (f->pbx, "2002", "Bob Li", "bob@example.com");
  rd_sim_pbx_add_extension (f->pbx, "2003", "Eve", "eve@example.com");
  rd_sim_pbx_set_cdr_fields (f->pbx, TRUE, TRUE);

  f->odoo = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_set_company_country (f->odoo, "CN");
  rd_sim_odoo_add_user (f->odoo, "admin", "Administrator", "admin@example.com", f->admin_key,
                        RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_add_user (f->odoo, "alice", "Alice Zhang", "alice@example.com", f->alice_key,
                        RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_odoo_add_user (f->odoo, "bob", "Bob Li", "bob@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_odoo_add_user (f->odoo, "eve", "Eve <script>alert(1)</script>", "eve@example.com", NULL,
                        RD_CRM_USER_INTERNAL, FALSE);

  dir = g_build_filename (f->tmp, "state", NULL);
  f->hub = proc_hub_new (bin, dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = NULL;

  proc_hub_free (f->hub);
  g_clear_object (&f->pbx);
  g_clear_object (&f->odoo);
  cmd = g_strdup_printf ("rm -rf '%s'", f->tmp);
  if (g_getenv ("RD_CHAOS_KEEP") == NULL)
    (void) !system (cmd);
  else
    g_test_message ("kept %s", f->tmp);
  g_free (f->tmp);
  g_free (f->pbx_secret);
  g_free (f->admin_key);
  g_free (f->alice_key);
}

static void
start_sims (Fixture *f, GTlsCertificate *pbx_cert)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (rd_sim_pbx_start (f->pbx, &error));
  g_assert_no_error (error);
  g_assert_true (rd_sim_odoo_start (f->odoo, &error));
  g_assert_no_error (error);
}

static JsonObject *
admin (Fixture *f, const char *command, JsonObject *body)
{
  g_autoptr(GError) error = NULL;
  JsonObject *reply = proc_hub_admin (f->hub, command, body, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

static gboolean
index_ready (gpointer data)
{
  Fixture *f = data;
  g_autoptr(JsonObject) status = proc_hub_status (f->hub);

  return status != NULL && json_object_get_boolean_member_with_default (status, "index_ready", FALSE);
}

/* Starts the hub and connects it as an administrator would; binds users by e-mail. */
static void
start_hub (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) pbx = json_object_new ();
  g_autoptr(JsonObject) crm = json_object_new ();
  g_autoptr(JsonObject) bind = json_object_new ();
  g_autoptr(JsonObject) r1 = NULL, r2 = NULL, r3 = NULL;

  g_assert_true (proc_hub_start (f->hub, 30000, &error));
  g_assert_no_error (error);
  json_object_set_string_member (pbx, "url", rd_sim_pbx_get_base_url (f->pbx));
  json_object_set_string_member (pbx, "client_id", "chaos-client");
  json_object_set_string_member (pbx, "client_secret", f->pbx_secret);
  r1 = admin (f, "connect-pbx", pbx);
  json_object_set_string_member (crm, "url", rd_sim_odoo_get_url (f->odoo));
  json_object_set_string_member (crm, "database", rd_sim_odoo_get_database (f->odoo));
  json_object_set_string_member (crm, "login", "admin");
  json_object_set_string_member (crm, "api_key", f->admin_key);
  r2 = admin (f, "connect-crm", crm);
  g_assert_true (hub_wait_until_every (index_ready, f, 60000, 100));
  json_object_set_boolean_member (bind, "auto", TRUE);
  r3 = admin (f, "bind", bind);
}

static gint64
status_int (Fixture *f, const char *object, const char *member)
{
  g_autoptr(JsonObject) status = proc_hub_status (f->hub);
  JsonObject *o = status;

  if (status == NULL)
    return -1;
  if (object != NULL)
    o = json_object_get_object_member (status, object);
  return o != NULL ? json_object_get_int_member_with_default (o, member, -1) : -1;
}

/* Call keys logged on every partner: key → number of messages carrying it. */
static GHashTable *
all_logged_keys (Fixture *f)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = rd_sim_odoo_count_records (f->odoo, "res.partner") + 50;

  for (guint id = 1; id <= n; id++)
    {
      g_autoptr(GPtrArray) bodies = rd_sim_odoo_messages_for (f->odoo, "res.partner", id);

      proc_count_call_keys (bodies, keys);
    }
  return keys;
}

/* ---- agents ---------------------------------------------------------------------------------- */

typedef struct {
  RdAgentClient *client;
  char          *extension;
  GHashTable    *ringing;   /* call id → count of ringing frames */
  GHashTable    *all;       /* call id → count of frames of any event */
} Agent;

static void
on_call (RdAgentClient *client, RdAgentCall *call, Agent *agent)
{
  g_hash_table_insert (agent->all, g_strdup (call->call_id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (agent->all, call->call_id)) + 1));
  if (g_str_equal (call->event, "ringing"))
    g_hash_table_insert (agent->ringing, g_strdup (call->call_id),
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (agent->ringing, call->call_id)) + 1));
}

static gboolean
signed_in (gpointer data)
{
  return rd_agent_client_get_state (((Agent *) data)->client) == RD_AGENT_STATE_SIGNED_IN;
}

static Agent *
agent_new (Fixture *f, const char *extension, const char *pin, char **out_key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = proc_hub_agent_key (f->hub, extension, &url, &error);
  Agent *agent = g_new0 (Agent, 1);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  agent->extension = g_strdup (extension);
  agent->ringing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  agent->all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  agent->client = rd_agent_client_new (url);
  if (pin != NULL)
    rd_agent_client_set_pinned_certificate (agent->client, pin);
  rd_agent_client_set_agent_key (agent->client, extension, key);
  g_signal_connect (agent->client, "call", G_CALLBACK (on_call), agent);
  rd_agent_client_start (agent->client);
  if (out_key != NULL)
    *out_key = g_steal_pointer (&key);
  return agent;
}

static void
agent_free (Agent *agent)
{
  rd_agent_client_stop (agent->client);
  g_object_unref (agent->client);
  g_hash_table_unref (agent->ringing);
  g_hash_table_unref (agent->all);
  g_free (agent->extension);
  g_free (agent);
}

/* ---- /chaos/kills-drops-outages ---------------------------------------------------------------- */

typedef enum { FAULT_KILL, FAULT_CRM_DOWN, FAULT_PBX_DROP } FaultKind;

typedef struct {
  double    at_s;
  FaultKind kind;
} Fault;

static int
fault_cmp (gconstpointer a, gconstpointer b)
{
  double x = ((const Fault *) a)->at_s, y = ((const Fault *) b)->at_s;

  return x < y ? -1 : x > y ? 1 : 0;
}

typedef struct {
  Fixture *f;
  guint    n_calls;
  guint    n_keys;
} DrainWait;

static gboolean
drained (gpointer data)
{
  DrainWait *w = data;
  g_autoptr(GHashTable) keys = NULL;

  if (rd_sim_pbx_count_cdrs (w->f->pbx) < w->n_calls)
    return FALSE;
  if (status_int (w->f, "outbox", "pending") != 0)
    return FALSE;
  keys = all_logged_keys (w->f);
  w->n_keys = g_hash_table_size (keys);
  return w->n_keys >= w->n_calls;
}

static void
test_kills (Fixture *f, gconstpointer data)
{
  const char *env_calls = g_getenv ("RD_CHAOS_CALLS");
  const char *env_seed = g_getenv ("RD_CHAOS_SEED");
  guint n_calls = env_calls ? (guint) g_ascii_strtoull (env_calls, NULL, 10) : 1000;
  guint32 seed = env_seed ? (guint32) g_ascii_strtoull (env_seed, NULL, 10) : g_random_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GArray) faults = g_array_new (FALSE, FALSE, sizeof (Fault));
  g_autoptr(GPtrArray) unknown = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) known = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) called_unknown = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GHashTable) created = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonObject) autocreate = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  const double rate = 10.0;   /* calls per second */
  double duration = n_calls / rate, t0, crm_up_at = -1;
  guint started = 0, next_fault = 0, kills = 0, drops = 0, outages = 0;
  guint once = 0, more = 0;
  DrainWait drain = { f, n_calls, 0 };
  GHashTableIter iter;
  gpointer key, value;

  g_test_message ("seed %u (RD_CHAOS_SEED), %u calls over %.0f s", seed, n_calls, duration);
  for (guint i = 0; i < 30; i++)
    {
      char *number = g_strdup_printf ("+86 139 0000 %04u", i);

      rd_sim_odoo_add_partner (f->odoo, "Known caller", number, NULL, FALSE, 0, NULL);
      g_ptr_array_add (known, number);
    }
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (unknown, g_strdup_printf ("+86 150 0000 %04u", i));
  /* Access tokens live 20 s here (30 min on a real PBX): across the kills, the restarted hub
   * takes over a session whose token has expired meanwhile as well as one still valid (the
   * token pool itself is checked by /chaos/restart-token-pool). */
  rd_sim_pbx_set_token_lifetimes (f->pbx, 20, 120);
  start_sims (f, NULL);
  start_hub (f);
  json_object_set_boolean_member (autocreate, "enabled", TRUE);
  json_object_set_string_member (autocreate, "calls", "inbound");
  json_object_set_string_member (autocreate, "as", "individual");
  reply = admin (f, "autocreate", autocreate);

  /* The fault schedule: 10 kills, 2 CRM outages, 10 PBX socket drops, at random moments. */
  for (guint i = 0; i < 22; i++)
    {
      Fault fault;

      fault.kind = i < 10 ? FAULT_KILL : i < 12 ? FAULT_CRM_DOWN : FAULT_PBX_DROP;
      /* the outages in separate halves so they never merge into one */
      if (fault.kind == FAULT_CRM_DOWN)
        fault.at_s = (i - 10) * duration / 2 + g_rand_double_range (rand, 0.05, 0.35) * duration;
      else
        fault.at_s = g_rand_double_range (rand, 0.02, 0.95) * duration;
      g_array_append_val (faults, fault);
    }
  g_array_sort (faults, fault_cmp);

  t0 = g_get_monotonic_time () / 1e6;
  while (started < n_calls || next_fault < faults->len || crm_up_at >= 0)
    {
      double now = g_get_monotonic_time () / 1e6 - t0;
      guint due = MIN ((guint) (now * rate), n_calls);

      for (; started < due; started++)
        {
          const char *ext = g_rand_boolean (rand) ? "2001" : "2002";
          const char *ring[] = { ext, NULL };
          gboolean is_unknown = g_rand_int_range (rand, 0, 4) == 0;
          const char *from = is_unknown ? unknown->pdata[g_rand_int_range (rand, 0, unknown->len)]
                                        : known->pdata[g_rand_int_range (rand, 0, known->len)];
          gboolean answer = g_rand_boolean (rand);

          if (is_unknown)
            g_hash_table_add (called_unknown, (gpointer) from);
          g_free (rd_sim_pbx_play_inbound (f->pbx, from, DID, ring, answer ? ext : NULL,
                                           g_rand_int_range (rand, 100, 800), answer ? g_rand_int_range (rand, 100, 800) : 0));
        }
      if (crm_up_at >= 0 && now >= crm_up_at)
        {
          rd_sim_odoo_set_down (f->odoo, FALSE);
          crm_up_at = -1;
        }
      if (next_fault < faults->len && now >= g_array_index (faults, Fault, next_fault).at_s)
        {
          Fault *fault = &g_array_index (faults, Fault, next_fault++);

          switch (fault->kind)
            {
            case FAULT_KILL:
              {
                g_autoptr(GError) error = NULL;

                proc_hub_kill (f->hub, SIGKILL);
                kills++;
                hub_wait_ms (g_rand_int_range (rand, 100, 1500));
                g_assert_true (proc_hub_start (f->hub, 30000, &error));
                g_assert_no_error (error);
              }
              break;
            case FAULT_CRM_DOWN:
              rd_sim_odoo_set_down (f->odoo, TRUE);
              crm_up_at = now + g_rand_double_range (rand, 3, 6);
              outages++;
              break;
            case FAULT_PBX_DROP:
              rd_sim_pbx_drop_sockets (f->pbx);
              drops++;
              break;
            }
        }
      hub_wait_ms (5);
    }
  g_test_message ("faults done: %u kills, %u CRM outages, %u PBX drops; %.1f s", kills, outages, drops,
                  g_get_monotonic_time () / 1e6 - t0);
  g_assert_cmpuint (kills, ==, 10);
  g_assert_cmpuint (outages, ==, 2);
  g_assert_cmpuint (drops, ==, 10);

  if (!hub_wait_until_every (drained, &drain, 180000, 1000))
    g_test_message ("not drained: %u CDRs of %u calls, outbox pending %" G_GINT64_FORMAT ", %u keys logged",
                    rd_sim_pbx_count_cdrs (f->pbx), n_calls, status_int (f, "outbox", "pending"), drain.n_keys);
  g_test_message ("drained after %.1f s", g_get_monotonic_time () / 1e6 - t0);

  /* Every call logged exactly once. */
  keys = all_logged_keys (f);
  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (GPOINTER_TO_UINT (value) == 1)
        once++;
      else
        {
          more++;
          g_test_message ("logged %u times: %s", GPOINTER_TO_UINT (value), (char *) key);
        }
    }
  g_test_message ("%u calls: %u logged once, %u more than once, %u not at all", n_calls, once, more,
                  n_calls - MIN (n_calls, g_hash_table_size (keys)));
  g_assert_cmpuint (rd_sim_pbx_count_cdrs (f->pbx), ==, n_calls);
  g_assert_cmpuint (more, ==, 0);
  g_assert_cmpuint (once, ==, n_calls);

  /* Every auto-create happened once: one record per unknown caller. */
  for (guint id = 1; id <= rd_sim_odoo_count_records (f->odoo, "res.partner") + 50; id++)
    {
      g_autoptr(JsonObject) rec = rd_sim_odoo_read (f->odoo, "res.partner", id);
      const char *name = rec ? json_object_get_string_member_with_default (rec, "name", "") : "";

      if (g_str_has_prefix (name, "Automatic New Contact - "))
        g_hash_table_insert (created, g_strdup (name),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (created, name)) + 1));
    }
  g_hash_table_iter_init (&iter, created);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (GPOINTER_TO_UINT (value) != 1)
        g_test_message ("auto-created %u times: %s", GPOINTER_TO_UINT (value), (char *) key);
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
    }
  g_assert_cmpuint (g_hash_table_size (created), ==, g_hash_table_size (called_unknown));

  /* Nothing stuck. */
  g_assert_cmpint (status_int (f, "outbox", "pending"), ==, 0);
  g_assert_cmpint (status_int (f, "outbox", "dead"), ==, 0);
}

/* ---- /chaos/restart-token-pool --------------------------------------------------------------------- */

static gboolean
pbx_connected (gpointer data)
{
  Fixture *f = data;
  g_autoptr(JsonObject) status = proc_hub_status (f->hub);
  JsonObject *pbx = status ? json_object_get_object_member (status, "pbx") : NULL;

  return pbx != NULL && g_strcmp0 (json_object_get_string_member_with_default (pbx, "state", ""), "connected") == 0;
}

static gboolean
one_key_logged (gpointer data)
{
  g_autoptr(GHashTable) keys = all_logged_keys (data);

  return g_hash_table_size (keys) >= 1;
}

/* Real token lifetimes (30 min / 24 h) on a PBX that, like one seen in the field, allows an API
 * client only 2 valid tokens: a hub that crash-loops ten times takes over the PBX session it kept
 * (secrets dir) instead of adding a token each time, so it still reaches the PBX and at most 2
 * tokens are ever in use; a clean stop releases its token. */
static void
test_restart_pool (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) keys = NULL;
  const char *ring[] = { "2001", NULL };
  g_autofree char *call_id = NULL;
  g_autofree char *session = NULL;
  guint restarts = 0, most = 0;
  struct stat st;

  rd_sim_pbx_set_max_tokens (f->pbx, 2);
  rd_sim_odoo_add_partner (f->odoo, "Li Lei", "+86 138 0013 8000", NULL, FALSE, 0, NULL);
  start_sims (f, NULL);
  start_hub (f);
  session = g_build_filename (f->hub->secrets_dir, "pbx-session", NULL);
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (hub_wait_until_every (pbx_connected, f, 15000, 100));
      g_assert_cmpint (g_stat (session, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      proc_hub_kill (f->hub, SIGKILL);
      g_assert_true (proc_hub_start (f->hub, 30000, &error));
      g_assert_no_error (error);
      restarts++;
      if (!hub_wait_until_every (pbx_connected, f, 15000, 100))
        {
          g_autoptr(JsonObject) status = proc_hub_status (f->hub);
          JsonObject *pbx = json_object_get_object_member (status, "pbx");

          g_error ("after %u SIGKILL restarts the hub cannot reach the PBX: %s; valid tokens on the PBX: %u",
                   restarts, json_object_get_string_member_with_default (pbx, "message", "?"),
                   rd_sim_pbx_count_valid_tokens (f->pbx));
        }
      most = MAX (most, rd_sim_pbx_count_valid_tokens (f->pbx));
      g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->pbx), <=, 2);
    }
  g_test_message ("%u restarts, at most %u valid tokens on the PBX, %u get_token", restarts, most,
                  rd_sim_pbx_count_requests (f->pbx, "get_token"));
  g_assert_cmpuint (restarts, ==, 10);
  g_assert_cmpuint (most, <=, 2);
  call_id = rd_sim_pbx_play_inbound (f->pbx, "+86 138 0013 8000", DID, ring, "2001", 100, 100);
  g_assert_true (hub_wait_until_every (one_key_logged, f, 20000, 200));
  keys = all_logged_keys (f);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 1);

  /* a clean stop gives the token back (del_token) and keeps nothing */
  proc_hub_kill (f->hub, SIGTERM);
  g_assert_cmpuint (rd_sim_pbx_count_valid_tokens (f->pbx), ==, 0);
  g_assert_false (g_file_test (session, G_FILE_TEST_EXISTS));
}

/* ---- /chaos/token-lifecycle -------------------------------------------------------------------- */

typedef struct {
  Fixture *f;
  guint    max_tokens;
} TokenSampler;

static gboolean
sample_tokens (gpointer data)
{
  TokenSampler *s = data;

  s->max_tokens = MAX (s->max_tokens, rd_sim_pbx_count_valid_tokens (s->f->pbx));
  return G_SOURCE_CONTINUE;
}

typedef struct {
  Agent     *agent;
  GPtrArray *ids;
  Fixture   *f;
} AllRang;

static gboolean
all_rang_and_logged (gpointer data)
{
  AllRang *w = data;
  g_autoptr(GHashTable) keys = NULL;

  for (guint i = 0; i < w->ids->len; i++)
    if (!g_hash_table_contains (w->agent->ringing, w->ids->pdata[i]))
      return FALSE;
  keys = all_logged_keys (w->f);
  return g_hash_table_size (keys) >= w->ids->len && status_int (w->f, "outbox", "pending") == 0;
}

static void
test_tokens (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) keys = NULL;
  TokenSampler sampler = { f, 0 };
  const char *ring[] = { "2001", NULL };
  guint sampler_id, get_token_after_connect, missed = 0, dup = 0;
  double t0;
  Agent *agent;
  AllRang wait;
  GHashTableIter iter;
  gpointer value;

  /* Access tokens live 2 s and refresh tokens 8 s: the real 30 min / 24 h compressed (the ratio
   * too, 1:4 instead of 1:48) so that 24 s of calls span three refresh-token lifetimes (like 48 h
   * plus a margin) and twelve access-token lifetimes. */
  rd_sim_pbx_set_token_lifetimes (f->pbx, 2, 8);
  rd_sim_odoo_add_partner (f->odoo, "Li Lei", "+86 138 0013 8000", NULL, FALSE, 0, NULL);
  start_sims (f, NULL);
  start_hub (f);
  get_token_after_connect = rd_sim_pbx_count_requests (f->pbx, "get_token");
  agent = agent_new (f, "2001", NULL, NULL);
  g_assert_true (hub_wait_until (signed_in, agent, 10000));
  sampler_id = g_timeout_add (20, sample_tokens, &sampler);

  t0 = g_get_monotonic_time () / 1e6;
  while (g_get_monotonic_time () / 1e6 - t0 < 24)
    {
      g_ptr_array_add (ids, rd_sim_pbx_play_inbound (f->pbx, "+86 138 0013 8000", DID, ring,
                                                     ids->len % 2 ? "2001" : NULL, 100, 100));
      hub_wait_ms (250);
    }
  wait = (AllRang) { agent, ids, f };
  hub_wait_until_every (all_rang_and_logged, &wait, 30000, 500);
  g_source_remove (sampler_id);

  for (guint i = 0; i < ids->len; i++)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (agent->ringing, ids->pdata[i]));

      missed += n == 0;
      dup += n > 1;
    }
  keys = all_logged_keys (f);
  g_test_message ("%u calls, %u missed pops, %u duplicated pops, %u logged; get_token %u (%u at connect), "
                  "refresh_token %u, subscribe %u, max valid tokens %u",
                  ids->len, missed, dup, g_hash_table_size (keys),
                  rd_sim_pbx_count_requests (f->pbx, "get_token"), get_token_after_connect,
                  rd_sim_pbx_count_requests (f->pbx, "refresh_token"), rd_sim_pbx_count_requests (f->pbx, "subscribe"),
                  sampler.max_tokens);
  g_assert_cmpuint (ids->len, >=, 80);
  g_assert_cmpuint (missed, ==, 0);
  g_assert_cmpuint (dup, ==, 0);
  g_assert_cmpuint (g_hash_table_size (keys), ==, ids->len);
  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
  /* The pool (8 per client) never fills; tokens are refreshed, not re-requested each time. */
  g_assert_cmpuint (sampler.max_tokens, <, 8);
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->pbx, "refresh_token"), >=, 6);
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->pbx, "get_token"), <=, get_token_after_connect + 3);
  agent_free (agent);
}

/* ---- /chaos/security ------------------------------------------------------------------------------ */

static GTlsCertificate *
test_certificate (char **out_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR") ? g_getenv ("G_TEST_SRCDIR") : ".",
                                            "pbx", "sim-pbx-cert.pem", NULL);
  GTlsCertificate *cert = g_tls_certificate_new_from_file (path, &error);

  g_assert_no_error (error);
  *out_path = g_steal_pointer (&path);
  return cert;
}

static char *
certificate_sha256 (GTlsCertificate *cert)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (cert, "certificate", &der, NULL);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

/* A bare WebSocket client, for frames RdAgentClient would never send. */
typedef struct {
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GPtrArray               *frames;    /* JsonObject */
  GTlsCertificate         *cert;
  GError                  *error;
  gboolean                 done;
} RawWs;

static gboolean
accept_pinned (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors, RawWs *raw)
{
  return g_tls_certificate_is_same (peer, raw->cert);
}

static void
raw_message (SoupWebsocketConnection *ws, gint type, GBytes *bytes, RawWs *raw)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (json_parser_load_from_data (parser, data, (gssize) len, NULL) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_ptr_array_add (raw->frames, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
raw_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  RawWs *raw = data;

  raw->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &raw->error);
  if (raw->ws != NULL)
    g_signal_connect (raw->ws, "message", G_CALLBACK (raw_message), raw);
  raw->done = TRUE;
}

static gboolean
raw_done (gpointer data)
{
  return ((RawWs *) data)->done;
}

static RawWs *
raw_connect (const char *url, GTlsCertificate *cert)
{
  RawWs *raw = g_new0 (RawWs, 1);
  SoupMessage *msg = soup_message_new ("GET", url);

  raw->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  raw->cert = cert;
  raw->session = soup_session_new ();
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_pinned), raw);
  soup_session_websocket_connect_async (raw->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, raw_connected, raw);
  g_object_unref (msg);
  g_assert_true (hub_wait_until (raw_done, raw, 10000));
  g_assert_no_error (raw->error);
  return raw;
}

static void
raw_free (RawWs *raw)
{
  if (raw->ws != NULL && soup_websocket_connection_get_state (raw->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (raw->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&raw->ws);
  g_clear_object (&raw->session);
  g_ptr_array_unref (raw->frames);
  g_free (raw);
}

static void
raw_send (RawWs *raw, const char *text)
{
  soup_websocket_connection_send_text (raw->ws, text);
}

typedef struct {
  RawWs      *raw;
  const char *type;
  const char *call_id;
} FrameWait;

static JsonObject *
raw_find (RawWs *raw, const char *type, const char *call_id)
{
  for (guint i = 0; i < raw->frames->len; i++)
    {
      JsonObject *o = raw->frames->pdata[i];

      if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", NULL), type) == 0 &&
          (call_id == NULL || g_strcmp0 (json_object_get_string_member_with_default (o, "call_id", NULL), call_id) == 0))
        return o;
    }
  return NULL;
}

static gboolean
has_frame (gpointer data)
{
  FrameWait *w = data;

  return raw_find (w->raw, w->type, w->call_id) != NULL;
}

static JsonObject *
raw_wait (RawWs *raw, const char *type, const char *call_id, guint timeout_ms)
{
  FrameWait w = { raw, type, call_id };

  if (!hub_wait_until (has_frame, &w, timeout_ms))
    for (guint i = 0; i < raw->frames->len; i++)
      {
        g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), raw->frames->pdata[i]);
        g_autofree char *text = json_to_string (node, FALSE);

        g_test_message ("no %s frame; got %s", type, text);
      }
  return raw_find (raw, type, call_id);
}

static gboolean
raw_mentions (RawWs *raw, const char *call_id)
{
  for (guint i = 0; i < raw->frames->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (raw->frames->pdata[i], "call_id", NULL), call_id) == 0)
      return TRUE;
  return FALSE;
}

/* Is any of @secrets in the @len bytes of @data? */
static const char *
find_secret (const char *data, gsize len, const char * const *secrets)
{
  for (guint i = 0; secrets[i] != NULL; i++)
    if (memmem (data, len, secrets[i], strlen (secrets[i])) != NULL)
      return secrets[i];
  return NULL;
}

static void
scan_tree (const char *path, const char *secrets_dir, const char * const *secrets, guint *n_files, guint *n_secret_files)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      g_assert_cmpint (g_lstat (child, &st), ==, 0);
      if (S_ISDIR (st.st_mode))
        {
          scan_tree (child, secrets_dir, secrets, n_files, n_secret_files);
          continue;
        }
      if (!S_ISREG (st.st_mode))
        continue;   /* the admin socket */
      if (g_str_has_prefix (child, secrets_dir))
        {
          /* The secrets files: only their owner may read them. */
          if ((st.st_mode & 0777) != 0600)
            g_test_message ("%s has mode %o", child, st.st_mode & 0777);
          g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
          (*n_secret_files)++;
          continue;
        }
      {
        g_autofree char *data = NULL;
        gsize len = 0;
        const char *found;

        g_assert_true (g_file_get_contents (child, &data, &len, NULL));
        found = find_secret (data, len, secrets);
        if (found != NULL)
          g_test_message ("a secret (%.6s…) is in %s", found, child);
        g_assert_null (found);
        (*n_files)++;
      }
    }
}

static gboolean
agent_failed (gpointer data)
{
  RdAgentState state = rd_agent_client_get_state (((Agent *) data)->client);

  return state == RD_AGENT_STATE_RECONNECTING || state == RD_AGENT_STATE_AUTH_FAILED;
}

static void
test_security (Fixture *f, gconstpointer data)
{
  g_autofree char *cert_path = NULL;
  g_autoptr(GTlsCertificate) cert = test_certificate (&cert_path);
  g_autofree char *pin = certificate_sha256 (cert);
  g_autofree char *key_2001 = NULL, *key_2002 = NULL;
  g_autofree char *url = NULL;
  g_autofree char *hello = NULL;
  g_autofree char *in_2002 = NULL, *hostile_call = NULL, *hostile_number_call = NULL;
  g_autoptr(JsonObject) autocreate = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  const char *ring_2002[] = { "2002", NULL };
  const char *ring_2003[] = { "2003", NULL };
  gint64 hostile_partner;
  const char *spoof_call;
  JsonObject *frame;
  Agent *a2001, *a2002, *wrong_pin;
  RawWs *raw;
  guint n_files = 0, n_secret_files = 0;
  gint64 last_retry = -1;

  rd_sim_odoo_add_partner (f->odoo, "Li Lei", "+86 138 0013 8000", NULL, FALSE, 0, NULL);
  hostile_partner = rd_sim_odoo_add_partner (f->odoo, "<img src=x onerror=alert(1)> & Co", "+86 139 9999 0001",
                                             NULL, FALSE, 0, NULL);
  start_sims (f, NULL);
  f->hub->debug_logs = TRUE;   /* every log level is searched */
  f->hub->tls_certificate = g_strdup (cert_path);
  f->hub->tls_key = g_strdup (cert_path);
  start_hub (f);
  json_object_set_boolean_member (autocreate, "enabled", TRUE);
  json_object_set_string_member (autocreate, "calls", "inbound");
  reply = admin (f, "autocreate", autocreate);

  /* Agents over wss:// with the pinned hub certificate. */
  a2001 = agent_new (f, "2001", pin, &key_2001);
  a2002 = agent_new (f, "2002", pin, &key_2002);
  g_assert_true (hub_wait_until (signed_in, a2001, 10000));
  g_assert_true (hub_wait_until (signed_in, a2002, 10000));

  /* A mismatched pin is refused (and the right one, above, accepted). */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *u = NULL;
    g_autofree char *k = proc_hub_agent_key (f->hub, "2003", &u, &error);

    g_assert_no_error (error);
    wrong_pin = g_new0 (Agent, 1);
    wrong_pin->ringing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    wrong_pin->all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    wrong_pin->client = rd_agent_client_new (u);
    rd_agent_client_set_pinned_certificate (wrong_pin->client,
                                            "0000000000000000000000000000000000000000000000000000000000000000");
    rd_agent_client_set_agent_key (wrong_pin->client, "2003", k);
    rd_agent_client_start (wrong_pin->client);
    g_assert_true (hub_wait_until (agent_failed, wrong_pin, 10000));
    hub_wait_ms (1000);
    g_assert_cmpint (rd_agent_client_get_state (wrong_pin->client), !=, RD_AGENT_STATE_SIGNED_IN);
    g_test_message ("wrong pin: %s (%s)", rd_agent_state_to_string (rd_agent_client_get_state (wrong_pin->client)),
                    rd_agent_client_get_last_error (wrong_pin->client));
    agent_free (wrong_pin);
  }

  /* An agent cannot dial from another extension: extra members naming 2002 are ignored. */
  url = g_strdup_printf ("wss://127.0.0.1:%u/agent/v1", f->hub->port);
  raw = raw_connect (url, cert);
  hello = g_strdup_printf ("{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2001\",\"key\":\"%s\"}}",
                           key_2001);
  raw_send (raw, hello);
  g_assert_nonnull (raw_wait (raw, "welcome", NULL, 10000));
  raw_send (raw, "{\"type\":\"dial\",\"id\":\"s1\",\"number\":\"+86 138 0013 8000\",\"extension\":\"2002\","
                 "\"from\":\"2002\",\"caller\":\"2002\",\"auth\":{\"extension\":\"2002\"}}");
  {
    guint dials = rd_sim_pbx_count_requests (f->pbx, "call/dial");

    for (guint i = 0; i < 100 && (frame = raw_find (raw, "dial-result", NULL)) == NULL &&
                      (frame = raw_find (raw, "error", NULL)) == NULL; i++)
      hub_wait_ms (100);
    g_assert_nonnull (frame);
    if (g_str_equal (json_object_get_string_member (frame, "type"), "error"))
      {
        /* Refused outright: nothing reached the PBX. */
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (frame, "error"), "code"), ==,
                         "access");
        hub_wait_ms (500);
        g_assert_cmpuint (rd_sim_pbx_count_requests (f->pbx, "call/dial"), ==, dials);
      }
    else
      {
        /* Placed, but from the session's own extension: 2001 sees it, 2002 never does. */
        g_assert_true (json_object_get_boolean_member_with_default (frame, "ok", FALSE));
        spoof_call = json_object_get_string_member (frame, "call_id");
        g_assert_nonnull (raw_wait (raw, "call", spoof_call, 10000));
        hub_wait_ms (1500);
        g_assert_false (g_hash_table_contains (a2002->all, spoof_call));
      }
  }

  /* An agent never receives another extension's calls. */
  in_2002 = rd_sim_pbx_play_inbound (f->pbx, "+86 138 0013 8000", DID, ring_2002, "2002", 200, 200);
  {
    Agent *w = a2002;
    FrameWait dummy = { NULL, NULL, NULL };

    (void) dummy;
    hub_wait_ms (1500);
    g_assert_true (g_hash_table_contains (w->ringing, in_2002));   /* positive control */
  }
  g_assert_false (raw_mentions (raw, in_2002));
  g_assert_false (g_hash_table_contains (a2001->all, in_2002));

  /* Also the agent-key of 2001 does not sign in as 2002. */
  {
    RawWs *other = raw_connect (url, cert);
    g_autofree char *spoof = g_strdup_printf (
      "{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2002\",\"key\":\"%s\"}}", key_2001);

    raw_send (other, spoof);
    g_assert_nonnull (raw_wait (other, "auth-failed", NULL, 15000));
    g_assert_null (raw_find (other, "welcome", NULL));
    raw_free (other);
  }

  /* Hostile names (CRM) and numbers (PBX) are escaped in the chatter. */
  hostile_call = rd_sim_pbx_play_inbound (f->pbx, "+86 139 9999 0001", DID, ring_2003, "2003", 100, 100);
  hostile_number_call = rd_sim_pbx_play_inbound (f->pbx, "<b>+86 150 1111 2222</b>", "<script>1</script>", ring_2003,
                                                 NULL, 100, 0);
  {
    gboolean seen_escaped = FALSE;

    for (guint i = 0; i < 100; i++)
      {
        g_autoptr(GPtrArray) bodies = rd_sim_odoo_messages_for (f->odoo, "res.partner", hostile_partner);

        if (bodies->len > 0 && status_int (f, "outbox", "pending") == 0)
          break;
        hub_wait_ms (100);
      }
    hub_wait_ms (1000);
    for (guint id = 1; id <= rd_sim_odoo_count_records (f->odoo, "res.partner") + 20; id++)
      {
        g_autoptr(GPtrArray) bodies = rd_sim_odoo_messages_for (f->odoo, "res.partner", id);

        for (guint j = 0; j < bodies->len; j++)
          {
            const char *body = bodies->pdata[j];

            if (strstr (body, "<script") || strstr (body, "<img") || strstr (body, "<b>"))
              g_test_message ("unescaped markup on res.partner %u: %s", id, body);
            g_assert_null (strstr (body, "<script"));
            g_assert_null (strstr (body, "<img"));
            g_assert_null (strstr (body, "<b>"));
            seen_escaped |= strstr (body, "&lt;script&gt;") != NULL;
          }
      }
    /* Eve's name (bound to 2003) is in the log on the hostile partner, escaped. */
    g_assert_true (seen_escaped);
  }

  /* Repeated failed sign-ins are slowed down: a client that honours retry_after is told to wait
   * longer after each failure, and while it must wait even the right key is refused. */
  for (guint i = 0; i < 3; i++)
    {
      RawWs *bad = raw_connect (url, cert);
      gint64 retry;

      raw_send (bad, "{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2002\","
                     "\"key\":\"rdk_wrong-key\"}}");
      frame = raw_wait (bad, "auth-failed", NULL, 15000);
      g_assert_nonnull (frame);
      retry = json_object_get_int_member_with_default (frame, "retry_after", 0);
      g_test_message ("failed sign-in %u: retry_after %" G_GINT64_FORMAT " s", i + 1, retry);
      g_assert_cmpint (retry, >, last_retry);
      last_retry = retry;
      raw_free (bad);
      if (i < 2)
        hub_wait_ms (retry * 1000 + 300);
    }
  g_assert_cmpint (last_retry, >=, 4);
  {
    RawWs *right = raw_connect (url, cert);
    g_autofree char *good = g_strdup_printf (
      "{\"type\":\"hello\",\"v\":1,\"auth\":{\"method\":\"agent-key\",\"extension\":\"2002\",\"key\":\"%s\"}}", key_2002);

    raw_send (right, good);
    frame = raw_wait (right, "auth-failed", NULL, 15000);
    g_assert_nonnull (frame);
    g_assert_null (raw_find (right, "welcome", NULL));
    g_test_message ("right key while locked: refused, retry_after %" G_GINT64_FORMAT " s",
                    json_object_get_int_member_with_default (frame, "retry_after", 0));
    raw_free (right);
  }

  raw_free (raw);
  agent_free (a2001);
  agent_free (a2002);
  hub_wait_ms (300);

  /* No secret in argv, in any log line, or in any state file (the 0600 secrets files aside). */
  {
    const char *secrets[] = { f->pbx_secret, f->admin_key, f->alice_key, key_2001, key_2002, NULL };
    g_autofree char *cmdline = proc_cmdline (proc_hub_pid (f->hub));

    /* the search itself finds what it looks for */
    g_assert_nonnull (find_secret (f->admin_key, strlen (f->admin_key), secrets));
    g_assert_true (strlen (cmdline) > 0);
    g_assert_null (find_secret (cmdline, strlen (cmdline), secrets));
    proc_hub_kill (f->hub, SIGTERM);
    for (guint i = 0; i < f->hub->stderr_paths->len; i++)
      {
        g_autofree char *log = NULL;
        gsize len = 0;

        g_assert_true (g_file_get_contents (f->hub->stderr_paths->pdata[i], &log, &len, NULL));
        g_test_message ("hub log %u: %" G_GSIZE_FORMAT " bytes", i, len);
        g_assert_cmpuint (len, >, 0);
        g_assert_null (find_secret (log, len, secrets));
      }
    scan_tree (f->hub->dir, f->hub->secrets_dir, secrets, &n_files, &n_secret_files);
    g_test_message ("%u state files searched, %u secrets files checked for mode 0600", n_files, n_secret_files);
    g_assert_cmpuint (n_secret_files, >=, 2);
    g_assert_cmpuint (n_files, >=, 2);
  }
  (void) hostile_number_call;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Outages, kills and refused sign-ins produce warnings on purpose. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  signal (SIGPIPE, SIG_IGN);
  g_test_add ("/chaos/kills-drops-outages", Fixture, NULL, setup, test_kills, teardown);
  g_test_add ("/chaos/restart-token-pool", Fixture, NULL, setup, test_restart_pool, teardown);
  g_test_add ("/chaos/token-lifecycle", Fixture, NULL, setup, test_tokens, teardown);
  g_test_add ("/chaos/security", Fixture, NULL, setup, test_security, teardown);
  return g_test_run ();
}
