/* rd-console-catalog.h — one language's translations for the web console.
 *
 * The console answers every request in the language its browser asks for
 * (Accept-Language), whatever the hub's own locale, so it reads the compiled
 * gettext catalogues (ringdesk.mo) itself instead of switching the process
 * locale per request. Plural forms are not needed by the console.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define RD_TYPE_CONSOLE_CATALOG (rd_console_catalog_get_type ())
G_DECLARE_FINAL_TYPE (RdConsoleCatalog, rd_console_catalog, RD, CONSOLE_CATALOG, GObject)

/* Loads @localedir/@language/LC_MESSAGES/@domain.mo; NULL (with @error) when absent or malformed. */
RdConsoleCatalog *rd_console_catalog_load     (const char *localedir, const char *language,
                                               const char *domain, GError **error);
const char       *rd_console_catalog_language (RdConsoleCatalog *self);
/* The translation of @msgid, or @msgid itself. */
const char       *rd_console_catalog_get      (RdConsoleCatalog *self, const char *msgid);

/* The best language among @available for an Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8"),
 * or NULL for English. */
const char       *rd_console_catalog_negotiate (const char *accept_language, const char * const *available);

G_END_DECLS
