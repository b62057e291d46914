/* proc-hub.h — `ringdesk-hub serve` as a separate process, for the reliability suite
 * (tests/chaos) and the benchmarks (bench/): start, administer over the admin socket
 * (without blocking the caller's main loop, which usually runs the simulators the hub
 * talks to), kill with any signal, restart on the same port and state, read /proc. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hub-wait.h"   /* hub_wait_until(), hub_wait_until_every(), hub_wait_ms() */

G_BEGIN_DECLS

typedef struct {
  char        *binary;        /* path of ringdesk-hub */
  char        *dir;           /* state dir: hub.conf, hub.db, secrets/, admin.sock, stderr-N.log */
  char        *config_path;
  char        *socket_path;
  char        *db_path;
  char        *secrets_dir;
  guint        port;          /* fixed across restarts */
  guint        retry_base, retry_max, index_refresh;
  char        *engine_extra;  /* more "key=value\n" lines for [engine] (optional) */
  char        *tls_certificate, *tls_key;   /* optional */
  gboolean     debug_logs;    /* G_MESSAGES_DEBUG=all */
  guint        nofile_limit;  /* 0 = inherited; else the hub's RLIMIT_NOFILE (as LimitNOFILE= sets it) */
  GSubprocess *proc;
  guint        starts;
  GPtrArray   *stderr_paths;  /* one per start */
} ProcHub;

/* @dir is created if needed. */
ProcHub    *proc_hub_new          (const char *binary, const char *dir);
void        proc_hub_free         (ProcHub *hub);
/* Writes the config and spawns the hub; waits (running the default main context) until the
 * admin socket answers `status`. */
gboolean    proc_hub_start        (ProcHub *hub, guint timeout_ms, GError **error);
/* Sends @sig and reaps the process (SIGTERM: waits for a clean exit). */
void        proc_hub_kill         (ProcHub *hub, int sig);
GPid        proc_hub_pid          (ProcHub *hub);   /* 0 when not running */
gboolean    proc_hub_running      (ProcHub *hub);
/* One admin command (see rd-admin-client.h) run in a worker thread while the default main
 * context keeps iterating. Returns the reply or NULL with an error. */
JsonObject *proc_hub_admin        (ProcHub *hub, const char *command, JsonObject *body, GError **error);
/* status --json, or NULL. */
JsonObject *proc_hub_status       (ProcHub *hub);
/* Issues an agent key; *out_url (optional) gets the agent URL. */
char       *proc_hub_agent_key    (ProcHub *hub, const char *extension, char **out_url, GError **error);

/* A kB field ("VmRSS", "VmHWM") or a counter ("voluntary_ctxt_switches") of /proc/PID/status; -1 if absent. */
gint64      proc_status_field     (GPid pid, const char *field);
/* User + system CPU time of @pid (all threads) in seconds, from /proc/PID/stat; -1 if gone. */
gdouble     proc_cpu_seconds      (GPid pid);
/* /proc/PID/cmdline with NULs turned into spaces. */
char       *proc_cmdline          (GPid pid);
guint       proc_free_port        (void);


/* Adds to @keys (char* → count) each distinct "Ringdesk call id: KEY" carried by each of the
 * message @bodies: a message counts once per key even when it quotes the key twice (an activity
 * done message holds the feedback and the original note). */
void        proc_count_call_keys  (GPtrArray *bodies, GHashTable *keys);

/* Percentile (0..100, nearest rank) of a GArray of gdouble; sorts it. */
gdouble     proc_percentile       (GArray *values, gdouble pct);

G_END_DECLS
