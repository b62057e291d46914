/* rd-test-util.h — shared set-up for the app tests (header-only). */
#pragma once

#include <gio/gio.h>
#include <glib/gstdio.h>

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

/* Private HOME and XDG user dirs in a new temporary directory (returned), keeping the
 * system XDG_DATA_DIRS (G_TEST_OPTION_ISOLATE_DIRS would hide shared-mime-info, and
 * without it gdk-pixbuf cannot recognise SVG icons). */
static inline char *
rd_test_isolate_home (void)
{
  char *dir;

  /* A g_test_trap_subprocess child shares its parent's directories (and keyring). */
  if (g_getenv ("RD_TEST_ISOLATED_DIR"))
    return g_strdup (g_getenv ("RD_TEST_ISOLATED_DIR"));
  dir = g_dir_make_tmp ("rd-app-test-XXXXXX", NULL);
  g_setenv ("RD_TEST_ISOLATED_DIR", dir, TRUE);
  const char *subdirs[][2] = {
    { "HOME", "home" }, { "XDG_CONFIG_HOME", "config" }, { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" }, { "XDG_STATE_HOME", "state" }, { "XDG_RUNTIME_DIR", "runtime" },
  };

  g_assert_nonnull (dir);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (dir, subdirs[i][1], NULL);
      g_mkdir_with_parents (path, 0700);
      g_setenv (subdirs[i][0], path, TRUE);
    }
  return dir;
}

/* Removes @dir and everything under it (the test's own temporary tree). */
static inline void
rd_test_remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        rd_test_remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}
