/* rd-test-util.h — shared set-up for the app tests (header-only). */
#pragma once

#include <gio/gio.h>

/* Call before g_test_init: the compiled schema of this build, X11 under Xvfb, freedesktop
 * notifications, a file keyring. */
static inline void
rd_test_env_init (void)
{
  g_setenv ("GSETTINGS_SCHEMA_DIR", RD_TEST_SCHEMA_DIR, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
}

static inline char *
rd_test_artifact_path (const char *name)
{
  g_mkdir_with_parents (RD_TEST_ARTIFACTS_DIR, 0755);
  return g_build_filename (RD_TEST_ARTIFACTS_DIR, name, NULL);
}
