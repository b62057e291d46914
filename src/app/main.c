/* main.c — the ringdesk executable. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "rd-app-resources.h"
#include "rd-application.h"

int
main (int argc, char **argv)
{
  g_autoptr(RdApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("ringdesk");
  g_set_application_name ("Ringdesk");
  rd_app_register_resource ();

  app = rd_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
