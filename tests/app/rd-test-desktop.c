/* rd-test-desktop.c — see rd-test-desktop.h. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "rd-test-desktop.h"

gboolean
rd_test_wait_for (RdTestCond cond, gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return TRUE;
}

void
rd_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

char *
rd_test_read_file (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

guint
rd_test_count_in_file (const char *path, const char *needle)
{
  g_autofree char *text = rd_test_read_file (path);
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)); p += strlen (needle))
    n++;
  return n;
}

typedef struct { const char *path, *needle; guint min; } FileWait;

static gboolean
file_has (gpointer data)
{
  FileWait *w = data;
  return rd_test_count_in_file (w->path, w->needle) >= w->min;
}

gboolean
rd_test_wait_file (const char *path, const char *needle, guint min)
{
  FileWait w = { path, needle, min };
  return rd_test_wait_for (file_has, &w, RD_TEST_TIMEOUT_MS);
}

GSubprocess *
rd_test_spawn (const char *log, GError **error, const char *first, ...)
{
  /* Never on our stdout: that is the TAP stream. */
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (log ? G_SUBPROCESS_FLAGS_STDERR_MERGE : G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (log)
    g_subprocess_launcher_set_stdout_file_path (launcher, log);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

gboolean
rd_test_subprocess_done (gpointer subprocess)
{
  return g_subprocess_get_identifier (G_SUBPROCESS (subprocess)) == NULL;
}

static GDBusConnection *
session (void)
{
  static GDBusConnection *bus;

  if (bus == NULL)
    bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_assert_nonnull (bus);
  return bus;
}

gboolean
rd_test_name_has_owner (gpointer name)
{
  g_autoptr(GVariant) r = g_dbus_connection_call_sync (session (), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                       "org.freedesktop.DBus", "NameHasOwner",
                                                       g_variant_new ("(s)", (const char *) name),
                                                       G_VARIANT_TYPE ("(b)"), 0, 2000, NULL, NULL);
  gboolean has = FALSE;

  if (r)
    g_variant_get (r, "(b)", &has);
  return has;
}

typedef struct { GAsyncResult *res; } Reply;

static void
on_reply (GObject *source, GAsyncResult *res, gpointer data)
{
  ((Reply *) data)->res = g_object_ref (res);
}

static gboolean
reply_ready (gpointer data)
{
  return ((Reply *) data)->res != NULL;
}

GVariant *
rd_test_dbus_call (const char *dest, const char *path, const char *iface, const char *method,
                   GVariant *params, const char *reply_type)
{
  Reply reply = { NULL };
  g_autoptr(GError) error = NULL;
  GVariant *r;

  /* Asynchronous with the main loop running: the hub in this process keeps serving. */
  g_dbus_connection_call (session (), dest, path, iface, method, params,
                          reply_type ? G_VARIANT_TYPE (reply_type) : NULL, 0, 10000, NULL, on_reply, &reply);
  g_assert_true (rd_test_wait_for (reply_ready, &reply, 15000));
  r = g_dbus_connection_call_finish (session (), reply.res, &error);
  g_object_unref (reply.res);
  g_assert_no_error (error);
  return r;
}

GSubprocess *
rd_test_start_notification_server (const char *caps, const char *log)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("{\"capabilities\": \"%s\"}", caps);
  GSubprocess *p;

  if (!g_file_test (RD_TEST_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  p = rd_test_spawn (NULL, &error, RD_TEST_PYTHON, "-m", "dbusmock", "--session", "-t", "notification_daemon",
                     "-p", params, "-l", log, NULL);
  g_assert_no_error (error);
  if (!rd_test_wait_for (rd_test_name_has_owner, (gpointer) "org.freedesktop.Notifications", 15000))
    {
      g_subprocess_force_exit (p);
      g_object_unref (p);
      return NULL;
    }
  return p;
}

void
rd_test_install_fake_browser (const char *dir, const char *log)
{
  g_autofree char *apps = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  g_autofree char *script = g_build_filename (dir, "fake-browser.sh", NULL);
  g_autofree char *desktop = g_build_filename (apps, "fake-browser.desktop", NULL);
  /* It logs the URL, and beside it (LOG.env) the GTK_THEME it was started with. */
  g_autofree char *script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> '%s'\n"
                                                  "printf 'GTK_THEME=%%s\\n' \"${GTK_THEME-}\" >> '%s.env'\n", log, log);
  g_autofree char *desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Fake Browser\n"
                                                   "Exec=%s %%u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n",
                                                   script);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAppInfo) info = NULL;
  g_autoptr(GSubprocess) gio = NULL;

  g_mkdir_with_parents (apps, 0700);
  g_assert_true (g_file_set_contents (script, script_text, -1, &error));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_assert_true (g_file_set_contents (desktop, desktop_text, -1, &error));
  gio = rd_test_spawn (NULL, &error, "gio", "mime", "x-scheme-handler/http", "fake-browser.desktop", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (gio, NULL, &error));
  info = g_app_info_get_default_for_uri_scheme ("http");
  g_assert_nonnull (info);
  g_assert_cmpstr (g_app_info_get_id (info), ==, "fake-browser.desktop");
}

void
rd_test_invoke_notification_action (guint id, const char *action)
{
  g_autoptr(GVariant) r =
    rd_test_dbus_call ("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                       "org.freedesktop.DBus.Mock", "EmitSignal",
                       g_variant_new_parsed ("('org.freedesktop.Notifications', 'ActionInvoked', 'us', [<%u>, <%s>])",
                                             id, action),
                       NULL);
}

guint
rd_test_notification_id (const char *log, const char *text)
{
  g_autofree char *contents = rd_test_read_file (log);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  guint id = 0;

  for (guint i = 0; lines[i]; i++)
    {
      if (!strstr (lines[i], " Notify \""))
        continue;
      if (strstr (lines[i], "\" 0 \""))
        id++;
      if (strstr (lines[i], text))
        return id;
    }
  return 0;
}
