/* rd-autostart.c — the XDG autostart entry. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "rd-autostart.h"

char *
rd_autostart_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

gboolean
rd_autostart_is_enabled (void)
{
  g_autofree char *path = rd_autostart_get_path ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  return !g_key_file_get_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "Hidden", NULL) &&
         g_key_file_get_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL);
}

char *
rd_autostart_quote_exec_arg (const char *arg)
{
  GString *s;
  gboolean plain = *arg != '\0';

  for (const char *p = arg; *p; p++)
    if (!(g_ascii_isalnum (*p) || strchr ("/._-+", *p)))
      plain = FALSE;
  if (plain)
    return g_strdup (arg);

  s = g_string_new ("\"");
  for (const char *p = arg; *p; p++)
    {
      if (strchr ("\"`$\\", *p))
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  /* The key file format itself treats backslashes as escapes: double them again. */
  g_autofree char *inner = g_string_free (s, FALSE);
  GString *out = g_string_new (NULL);
  for (const char *p = inner; *p; p++)
    {
      if (*p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

gboolean
rd_autostart_set_enabled (gboolean enabled, const char *exec_path, GError **error)
{
  g_autofree char *path = rd_autostart_get_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *exec = NULL, *quoted = NULL;
  g_autoptr(GKeyFile) kf = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not remove the login start entry: %s"), g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Starting at login is not available in the sandboxed version yet."));
      return FALSE;
    }
  g_return_val_if_fail (exec_path != NULL && g_path_is_absolute (exec_path), FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  quoted = rd_autostart_quote_exec_arg (exec_path);
  exec = g_strdup_printf ("%s --background", quoted);
  kf = g_key_file_new ();
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Type", "Application");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Name", "Ringdesk");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Comment", _("Caller pop-ups and click-to-call for your CRM"));
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Icon", APP_ID);
  g_key_file_set_value (kf, G_KEY_FILE_DESKTOP_GROUP, "Exec", exec);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "NoDisplay", TRUE);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-Delay", "2");
  return g_key_file_save_to_file (kf, path, error);
}
