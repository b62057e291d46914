/* rd-test-fds.h — open descriptors of a process, for the tests that prove connections are closed. */
#pragma once

#include <glib.h>

/* Entries in /proc/PID/fd; @pid NULL = this process. */
static inline guint
rd_test_count_descriptors (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", pid != NULL ? pid : "self");
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}
