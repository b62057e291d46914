/* rd-autostart.c — see rd-autostart.h. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rd-autostart.h"

#define PORTAL_NAME       "org.freedesktop.portal.Desktop"
#define PORTAL_PATH       "/org/freedesktop/portal/desktop"
#define BACKGROUND_IFACE  "org.freedesktop.portal.Background"
#define REQUEST_IFACE     "org.freedesktop.portal.Request"

char *
rd_autostart_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

gboolean
rd_autostart_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
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
rd_autostart_get_command (GError **error)
{
  g_autofree char *installed = g_build_filename (BINDIR, "ringdesk", NULL);

  if (!g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Start at login needs Ringdesk to be installed."));
      return NULL;
    }
  return g_steal_pointer (&installed);
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
rd_autostart_write (gboolean enabled, const char *exec_path, GError **error)
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
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "StartupWMClass", APP_ID);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "NoDisplay", TRUE);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-Delay", "2");
  return g_key_file_save_to_file (kf, path, error);
}

/* ---- the Background portal ------------------------------------------------------------ */

typedef struct {
  GDBusConnection *bus;
  char            *request_path;
  guint            signal_id;
  gulong           cancel_id;
  gboolean         autostart;
} PortalCall;

static void
portal_call_free (PortalCall *p)
{
  if (p->signal_id)
    g_dbus_connection_signal_unsubscribe (p->bus, p->signal_id);
  g_clear_object (&p->bus);
  g_free (p->request_path);
  g_free (p);
}

static void
on_portal_response (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                    const char *signal, GVariant *params, gpointer user_data)
{
  GTask *task = user_data;   /* owned by the subscription until here */
  PortalCall *p = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  guint32 response;
  gboolean background = FALSE, autostart = FALSE;

  g_variant_get (params, "(u@a{sv})", &response, &results);
  g_variant_lookup (results, "background", "b", &background);
  g_variant_lookup (results, "autostart", "b", &autostart);
  g_dbus_connection_signal_unsubscribe (bus, p->signal_id);
  p->signal_id = 0;
  if (response == 1)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The request was dismissed."));
  else if (response != 0 || !background)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _("Running in the background is not allowed for Ringdesk. Allow it in the system settings (Applications → Ringdesk)."));
  else
    {
      p->autostart = autostart;
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
on_background_requested (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  PortalCall *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);

  if (reply == NULL)
    {
      g_dbus_connection_signal_unsubscribe (p->bus, p->signal_id);
      p->signal_id = 0;
      g_dbus_error_strip_remote_error (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The desktop does not offer starting at login to sandboxed apps: %s"),
                               error->message);
      g_object_unref (task);   /* the subscription's reference */
    }
  /* Otherwise the Response signal completes the task. */
  g_object_unref (task);
}

void
rd_autostart_request_background_async (GDBusConnection *bus, const char *parent_window, gboolean autostart,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task;
  PortalCall *p;
  g_autofree char *sender = NULL, *token = NULL;
  GVariantBuilder options;
  const char *commandline[] = { "ringdesk", "--background", NULL };

  g_return_if_fail (G_IS_DBUS_CONNECTION (bus));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_autostart_request_background_async);
  p = g_new0 (PortalCall, 1);
  p->bus = g_object_ref (bus);
  g_task_set_task_data (task, p, (GDestroyNotify) portal_call_free);

  /* The request object's path is known in advance: subscribe before calling, so that a fast
   * Response cannot be missed. */
  sender = g_strdup (g_dbus_connection_get_unique_name (bus) + 1);
  g_strdelimit (sender, ".", '_');
  token = g_strdup_printf ("ringdesk%u", g_random_int ());
  p->request_path = g_strdup_printf (PORTAL_PATH "/request/%s/%s", sender, token);
  p->signal_id = g_dbus_connection_signal_subscribe (bus, PORTAL_NAME, REQUEST_IFACE, "Response",
                                                     p->request_path, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_portal_response, g_object_ref (task), NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Ringdesk shows incoming calls while its window is closed.")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus, PORTAL_NAME, PORTAL_PATH, BACKGROUND_IFACE, "RequestBackground",
                          g_variant_new ("(sa{sv})", parent_window ? parent_window : "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          on_background_requested, task);
}

gboolean
rd_autostart_request_background_finish (GAsyncResult *result, gboolean *autostart_granted, GError **error)
{
  GTask *task = G_TASK (result);

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (!g_task_propagate_boolean (task, error))
    return FALSE;
  if (autostart_granted)
    *autostart_granted = ((PortalCall *) g_task_get_task_data (task))->autostart;
  return TRUE;
}

/* ---- turning it on or off ------------------------------------------------------------- */

static void
on_set_by_portal (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  gboolean want = GPOINTER_TO_INT (g_task_get_task_data (task));
  gboolean granted = FALSE;
  GError *error = NULL;

  if (!rd_autostart_request_background_finish (res, &granted, &error))
    g_task_return_error (task, error);
  else if (want && !granted)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _("Starting at login was not allowed. Allow it in the system settings (Applications → Ringdesk)."));
  else
    g_task_return_boolean (task, TRUE);
}

void
rd_autostart_set_enabled_async (gboolean enabled, GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *command = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, rd_autostart_set_enabled_async);
  g_task_set_task_data (task, GINT_TO_POINTER (enabled), NULL);

  if (rd_autostart_is_sandboxed ())
    {
      g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
      if (bus == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      rd_autostart_request_background_async (bus, "", enabled, cancellable, on_set_by_portal,
                                             g_steal_pointer (&task));
      return;
    }
  if (enabled && (command = rd_autostart_get_command (&error)) == NULL)
    g_task_return_error (task, error);
  else if (!rd_autostart_write (enabled, command, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

gboolean
rd_autostart_set_enabled_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
