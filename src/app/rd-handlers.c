/* rd-handlers.c — see rd-handlers.h. */
#include "config.h"

#include <errno.h>
#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rd-autostart.h"
#include "rd-handlers.h"

const char * const rd_handlers_schemes[] = { "tel", "callto", "sip", "sips", NULL };

char *
rd_handlers_get_desktop_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "applications", RD_HANDLERS_DESKTOP_ID, NULL);
}

gboolean
rd_handlers_register (const char *exec_path, GError **error)
{
  g_autofree char *path = rd_handlers_get_desktop_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *quoted = NULL, *exec = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GString) mime = g_string_new (NULL);
  g_autoptr(GDesktopAppInfo) info = NULL;

  g_return_val_if_fail (exec_path != NULL && g_path_is_absolute (exec_path), FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  for (guint i = 0; rd_handlers_schemes[i]; i++)
    g_string_append_printf (mime, "x-scheme-handler/%s;", rd_handlers_schemes[i]);
  quoted = rd_autostart_quote_exec_arg (exec_path);
  exec = g_strdup_printf ("%s %%u", quoted);
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Type", "Application");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Name", "Ringdesk");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Comment", _("Dials phone links with Ringdesk"));
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "Icon", APP_ID);
  g_key_file_set_value (kf, G_KEY_FILE_DESKTOP_GROUP, "Exec", exec);
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "MimeType", mime->str);
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "StartupWMClass", APP_ID);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "NoDisplay", TRUE);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "Terminal", FALSE);
  if (!g_key_file_save_to_file (kf, path, error))
    return FALSE;

  info = g_desktop_app_info_new_from_filename (path);
  if (info == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The desktop entry %s could not be read back."), path);
      return FALSE;
    }
  g_clear_object (&info);
  info = g_desktop_app_info_new (RD_HANDLERS_DESKTOP_ID);
  if (info == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The desktop entry %s is not found where applications are looked up (is XDG_DATA_HOME unusual?)."),
                   path);
      return FALSE;
    }
  for (guint i = 0; rd_handlers_schemes[i]; i++)
    {
      g_autofree char *type = g_strdup_printf ("x-scheme-handler/%s", rd_handlers_schemes[i]);
      if (!g_app_info_set_as_default_for_type (G_APP_INFO (info), type, error))
        return FALSE;
    }
  return TRUE;
}

/* Drops @id from a ";"-list value; returns NULL when nothing is left. */
static char *
without_id (const char *list, const char *id)
{
  g_auto(GStrv) items = g_strsplit (list, ";", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; items[i]; i++)
    if (*items[i] && !g_str_equal (items[i], id))
      g_string_append_printf (out, "%s;", items[i]);
  return out->len ? g_strdup (out->str) : NULL;
}

gboolean
rd_handlers_unregister (GError **error)
{
  g_autofree char *path = rd_handlers_get_desktop_path ();
  g_autofree char *mimeapps = g_build_filename (g_get_user_config_dir (), "mimeapps.list", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  const char *groups[] = { "Default Applications", "Added Associations" };
  gboolean changed = FALSE;

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not remove %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (!g_key_file_load_from_file (kf, mimeapps, G_KEY_FILE_KEEP_COMMENTS, NULL))
    return TRUE;   /* no associations of the user's own */
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint i = 0; rd_handlers_schemes[i]; i++)
      {
        g_autofree char *type = g_strdup_printf ("x-scheme-handler/%s", rd_handlers_schemes[i]);
        g_autofree char *value = g_key_file_get_value (kf, groups[g], type, NULL);
        g_autofree char *rest = NULL;

        if (value == NULL || strstr (value, RD_HANDLERS_DESKTOP_ID) == NULL)
          continue;
        rest = without_id (value, RD_HANDLERS_DESKTOP_ID);
        if (rest)
          g_key_file_set_value (kf, groups[g], type, rest);
        else
          g_key_file_remove_key (kf, groups[g], type, NULL);
        changed = TRUE;
      }
  return !changed || g_key_file_save_to_file (kf, mimeapps, error);
}
