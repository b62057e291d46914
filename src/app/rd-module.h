/* rd-module.h — opening one of the app's own modules (ringdesk-embedded.so, ringdesk-keyring.so):
 * found by rd_paths_get_module() (the build folder, else PKGLIBDIR), each exporting one function
 * that takes the table version the app was built with and returns its table of functions, or
 * NULL for another version. A module that loaded stays for the life of the process (it registers
 * GObject types).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The table @symbol(@version) of module @name; NULL with an error whose message says, in the
 * user's language, what is wrong with the module (G_IO_ERROR_NOT_FOUND: it cannot be opened;
 * G_IO_ERROR_FAILED: it is from another version), for the caller to put in a sentence. */
gconstpointer rd_module_load (const char *name, const char *symbol, guint version, GError **error);

G_END_DECLS
