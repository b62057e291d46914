/* rd-module.c — see rd-module.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "rd-module.h"
#include "rd-paths.h"

typedef gconstpointer (*GetFunc) (guint version);

gconstpointer
rd_module_load (const char *name, const char *symbol, guint version, GError **error)
{
  g_autofree char *path = rd_paths_get_module (name);
  GModule *module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  GetFunc get = NULL;
  gconstpointer table;

  if (module == NULL)
    {
      /* TRANSLATORS: %s is a file, then why it could not be opened */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s could not be loaded (%s)"), name,
                   g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, symbol, (gpointer *) &get) || get == NULL || (table = get (version)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s is from another version"), path);
      g_module_close (module);
      return NULL;
    }
  g_module_make_resident (module);
  g_debug ("loaded %s", path);
  return table;
}
