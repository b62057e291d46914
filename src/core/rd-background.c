#include "config.h"

#include "core/rd-background.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Threads that do nothing but bulk work: GLib's shared pool threads also run everybody else's
 * GTasks (name lookups, file I/O) and a nice value, once raised, cannot be lowered again by an
 * unprivileged process, so these threads are our own. Two are enough to keep both cores of a
 * small server busy; more only queue on the index's one writer connection. */
#define MAX_THREADS 2

typedef struct {
  GTask          *task;
  GTaskThreadFunc func;
} Job;

static void
lower_priority_once (void)
{
  static GPrivate lowered;

  if (g_private_get (&lowered) != NULL)
    return;
  g_private_set (&lowered, GINT_TO_POINTER (1));
  /* Per thread on Linux (PRIO_PROCESS with a thread id). Failing only costs the priority. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), RD_BACKGROUND_NICE) != 0)
    g_debug ("background thread keeps its priority: %s", g_strerror (errno));
}

static void
run_job (gpointer data, gpointer user_data)
{
  Job *job = data;

  lower_priority_once ();
  job->func (job->task, g_task_get_source_object (job->task), g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
}

static gpointer
make_pool (gpointer data)
{
  g_autoptr(GError) error = NULL;
  GThreadPool *pool = g_thread_pool_new (run_job, NULL, MAX_THREADS, TRUE, &error);

  if (pool == NULL)
    g_error ("cannot create the background thread pool: %s", error->message);
  return pool;
}

void
rd_background_run (GTask *task, GTaskThreadFunc func)
{
  static GOnce once = G_ONCE_INIT;
  GThreadPool *pool = g_once (&once, make_pool, NULL);
  g_autoptr(GError) error = NULL;
  Job *job;

  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->task = g_object_ref (task);
  job->func = func;
  if (!g_thread_pool_push (pool, job, &error))
    g_error ("cannot queue background work: %s", error->message);
}
