/* rd-embedded.c — loading ringdesk-embedded.so (see rd-embedded.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "rd-embedded.h"
#include "rd-paths.h"

typedef const RdEmbedded *(*GetFunc) (guint version);

static const RdEmbedded *table;

void
rd_embedded_set_linked (const RdEmbedded *linked)
{
  table = linked;
}

const RdEmbedded *
rd_embedded_load (GError **error)
{
  g_autofree char *path = NULL;
  GModule *module;
  GetFunc get = NULL;

  if (table)
    return table;
  path = rd_paths_get_module (RD_EMBEDDED_MODULE);
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The hub for this computer could not be loaded (%s). Reinstall Ringdesk."),
                   g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, RD_EMBEDDED_SYMBOL, (gpointer *) &get) || get == NULL ||
      (table = get (RD_EMBEDDED_VERSION)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The hub for this computer could not be loaded (%s is from another version). Reinstall Ringdesk."),
                   path);
      g_module_close (module);
      return NULL;
    }
  /* Its types are registered with GObject now: it stays for the life of the process. */
  g_module_make_resident (module);
  g_debug ("loaded %s", path);
  return table;
}
