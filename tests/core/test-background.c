/* test-background.c — rd_background_run(): the work runs off the main thread at a lower CPU
 * priority, its result comes back on the caller's main context, the caller's own priority and
 * GLib's shared threads are untouched. */
#include "config.h"

#include "core/rd-background.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
  GThread *thread;
  int      nice;
} Seen;

static int
my_nice (void)
{
  return getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
}

static void
work (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Seen *seen = g_new0 (Seen, 1);

  seen->thread = g_thread_self ();
  seen->nice = my_nice ();
  g_task_return_pointer (task, seen, g_free);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Seen **out = data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  *out = g_task_propagate_pointer (G_TASK (result), NULL);
}

static Seen *
run_one (void)
{
  Seen *seen = NULL;
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_done, &seen);

  rd_background_run (task, work);
  while (seen == NULL)
    g_main_context_iteration (NULL, TRUE);
  return seen;
}

static void
shared_work (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_task_return_int (task, my_nice ());
}

static void
test_lower_priority (void)
{
  int before = my_nice ();

  for (guint i = 0; i < 8; i++)
    {
      g_autofree Seen *seen = run_one ();

      g_assert_true (seen->thread != g_thread_self ());
      g_assert_cmpint (seen->nice, ==, MIN (before + RD_BACKGROUND_NICE, 19));
    }
  /* the caller keeps its priority, and so do GLib's own worker threads (g_task_run_in_thread) */
  g_assert_cmpint (my_nice (), ==, before);
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

      g_task_run_in_thread_sync (task, shared_work);
      g_assert_cmpint (g_task_propagate_int (task, NULL), ==, before);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/background/lower-priority", test_lower_priority);
  return g_test_run ();
}
