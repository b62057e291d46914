/* Memory given back while the app idles (bench B4): the main thread's stack below the caller. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rd-memory.h"

#define DEEP (1024 * 1024)

/* The resident size of the main thread's stack, in kB (smaps). */
static gsize
stack_rss_kb (void)
{
  g_autofree char *smaps = NULL;
  const char *at, *rss;

  g_assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL));
  at = strstr (smaps, "[stack]");
  g_assert_nonnull (at);
  rss = strstr (at, "\nRss:");
  g_assert_nonnull (rss);
  return g_ascii_strtoull (rss + strlen ("\nRss:"), NULL, 10);
}

/* Uses about 1 MB of stack (every page written), as a deep recursion would. */
static G_GNUC_NO_INLINE guint
use_deep_stack (guint seed)
{
  volatile unsigned char buf[DEEP];
  guint sum = 0;

  for (gsize i = 0; i < DEEP; i += 1024)
    buf[i] = (unsigned char) (seed + i / 1024);
  for (gsize i = 0; i < DEEP; i += 1024)
    sum += buf[i];
  return sum;
}

static guint
expected_sum (guint seed)
{
  guint sum = 0;

  for (gsize i = 0; i < DEEP; i += 1024)
    sum += (unsigned char) (seed + i / 1024);
  return sum;
}

static gpointer
release_in_thread (gpointer data)
{
  return GSIZE_TO_POINTER (rd_memory_release_stack ());
}

static void
test_stack_released (void)
{
  gsize before, after;
  GThread *thread;

  g_assert_cmpuint (use_deep_stack (3), ==, expected_sum (3));
  before = stack_rss_kb ();
  g_assert_cmpuint (before, >=, DEEP / 1024);

  g_assert_cmpuint (rd_memory_release_stack (), >=, (DEEP - 128 * 1024));
  after = stack_rss_kb ();
  g_test_message ("main stack: %" G_GSIZE_FORMAT " kB -> %" G_GSIZE_FORMAT " kB", before, after);
  g_assert_cmpuint (after + (DEEP - 128 * 1024) / 1024, <=, before);

  /* The stack is as usable as before, the same depth again included. */
  g_assert_cmpuint (use_deep_stack (7), ==, expected_sum (7));
  g_assert_cmpuint (stack_rss_kb (), >=, DEEP / 1024);
  rd_memory_release ();
  g_assert_cmpuint (stack_rss_kb (), <, DEEP / 1024);

  /* Another thread's call leaves the main thread's stack (and its own) alone. */
  thread = g_thread_new ("release", release_in_thread, NULL);
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_thread_join (thread)), ==, 0);
}

int
main (int argc, char **argv)
{
  rd_memory_init ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/memory/stack-released", test_stack_released);
  return g_test_run ();
}
