/* rd-handlers.h — `ringdesk --register-handlers`: makes this very binary (a build folder's,
 * typically) the user's handler for tel:, callto:, sip: and sips: links, with a user-level
 * desktop entry (not shown in the application list) and the user's default for each scheme;
 * `--unregister-handlers` removes both again and leaves other defaults alone. An installed
 * Ringdesk needs none of this: its own desktop entry declares the schemes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_HANDLERS_DESKTOP_ID APP_ID ".Handler.desktop"

extern const char * const rd_handlers_schemes[];

char     *rd_handlers_get_desktop_path (void);
/* @exec_path: absolute path of the ringdesk binary the links should start. */
gboolean  rd_handlers_register         (const char  *exec_path,
                                        GError     **error);
gboolean  rd_handlers_unregister       (GError     **error);

G_END_DECLS
