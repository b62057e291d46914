/* main.c — the ringdesk executable. */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>

#include "core/rd-text.h"
#include "rd-app-resources.h"
#include "rd-application.h"
#include "rd-memory.h"
#include "rd-paths.h"

/* Ringdesk lives in the tray and shows small forms and lists now and then: software rendering
 * (cairo) draws them as well, and not loading the GL stack (which GTK's X11 backend does at
 * start-up, window or not) saves about 55 MB of memory and 0.4 s at every login (bench B4).
 * RINGDESK_GPU=1, or any GDK_DEBUG / GDK_DISABLE setting of the user's own, leaves GTK alone. */
static void
prefer_software_rendering (void)
{
  if (g_getenv ("RINGDESK_GPU") != NULL && g_strcmp0 (g_getenv ("RINGDESK_GPU"), "0") != 0)
    return;
  if (g_getenv ("GDK_DEBUG") != NULL || g_getenv ("GDK_DISABLE") != NULL)
    return;
#if GTK_CHECK_VERSION (4, 16, 0)
  g_setenv ("GDK_DISABLE", "gl,vulkan", FALSE);
#else
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
#endif
}

/* libadwaita replaces GTK's own theme (with the empty one, "Adwaita-empty") and brings its
 * style sheet with the first window. Starting on the empty theme spares parsing GTK's theme at
 * every start for nothing (about 1.7 MB, bench B4). The primary instance removes the variable
 * again once GTK is up (rd-application.c), so that programs it starts are not affected; a
 * GTK_THEME of the user's own is left alone. */
static void
prefer_empty_theme (void)
{
  if (g_getenv ("GTK_THEME") == NULL)
    g_setenv ("GTK_THEME", "Adwaita-empty", FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr(RdApplication) app = NULL;

  rd_memory_init ();   /* before any thread starts */
  setlocale (LC_ALL, "");
  /* Installed: LOCALEDIR; run from a build folder: the catalogues built there. */
  bindtextdomain (GETTEXT_PACKAGE, rd_paths_get_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  prefer_software_rendering ();
  prefer_empty_theme ();
  /* Log lines may quote CRM and PBX text (the hub on this computer logs here). */
  g_log_set_writer_func (rd_text_log_writer, NULL, NULL);
  g_set_prgname ("ringdesk");   /* for --help; the primary instance switches to the app id */
  g_set_application_name ("Ringdesk");
  rd_app_register_resource ();

  app = rd_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
