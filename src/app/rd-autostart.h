/* rd-autostart.h — "Start at login" on the host: an XDG autostart entry.
 *
 * Writes or removes $XDG_CONFIG_HOME/autostart/<app-id>.desktop that runs the app in the
 * background. TODO(flatpak): inside the sandbox the Background portal
 * (org.freedesktop.portal.Background.RequestBackground with autostart=true) must be used
 * instead; rd_autostart_set_enabled refuses with G_IO_ERROR_NOT_SUPPORTED there.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *rd_autostart_get_path    (void);
gboolean  rd_autostart_is_enabled  (void);
/* @exec_path: the ringdesk binary to start (absolute). */
gboolean  rd_autostart_set_enabled (gboolean     enabled,
                                    const char  *exec_path,
                                    GError     **error);
/* Quotes @arg for a desktop file Exec line (spec: "Exec key"). */
char     *rd_autostart_quote_exec_arg (const char *arg);

G_END_DECLS
