/* rd-paths.c — see rd-paths.h. */
#include "config.h"

#include <gio/gio.h>

#include "rd-paths.h"

static char *
find_build_root (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL, *private_dir = NULL;

  if (exe == NULL)
    return NULL;
  dir = g_path_get_dirname (exe);
  private_dir = g_strconcat (exe, ".p", NULL);
  if (!g_file_test (private_dir, G_FILE_TEST_IS_DIR))
    return NULL;
  /* Walk up to the folder that has meson's own bookkeeping. */
  for (guint up = 0; up < 4; up++)
    {
      g_autofree char *marker = g_build_filename (dir, "meson-private", NULL);
      char *parent;

      if (g_file_test (marker, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&dir);
      parent = g_path_get_dirname (dir);
      g_free (dir);
      dir = parent;
    }
  return NULL;
}

const char *
rd_paths_get_build_root (void)
{
  static char *root;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      root = find_build_root ();
      g_once_init_leave (&done, 1);
    }
  return root;
}

const char *
rd_paths_get_locale_dir (void)
{
  static char *dir;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      const char *root = rd_paths_get_build_root ();
      dir = root ? g_build_filename (root, "po", NULL) : g_strdup (LOCALEDIR);
      g_once_init_leave (&done, 1);
    }
  return dir;
}

const char *
rd_paths_get_schema_dir (void)
{
  static char *dir;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      const char *root = rd_paths_get_build_root ();
      dir = root ? g_build_filename (root, "data", NULL) : NULL;
      g_once_init_leave (&done, 1);
    }
  return dir;
}

char *
rd_paths_get_module (const char *name)
{
  const char *root = rd_paths_get_build_root ();

  return root ? g_build_filename (root, "src", "app", name, NULL) : g_build_filename (PKGLIBDIR, name, NULL);
}
