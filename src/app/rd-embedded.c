/* rd-embedded.c — loading ringdesk-embedded.so (see rd-embedded.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-embedded.h"
#include "rd-module.h"

static const RdEmbedded *table;

void
rd_embedded_set_linked (const RdEmbedded *linked)
{
  table = linked;
}

const RdEmbedded *
rd_embedded_load (GError **error)
{
  g_autoptr(GError) local = NULL;

  if (table == NULL && (table = rd_module_load (RD_EMBEDDED_MODULE, RD_EMBEDDED_SYMBOL, RD_EMBEDDED_VERSION,
                                                &local)) == NULL)
    /* TRANSLATORS: %s says what is wrong with the module */
    g_set_error (error, local->domain, local->code,
                 _("The hub for this computer could not be loaded: %s. Reinstall Ringdesk."), local->message);
  return table;
}
