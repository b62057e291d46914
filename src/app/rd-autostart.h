/* rd-autostart.h — "Start at login", and running in the background in a sandbox.
 *
 * On the host: an XDG autostart entry $XDG_CONFIG_HOME/autostart/<app-id>.desktop that starts
 * the installed binary (BINDIR/ringdesk, never a build folder) with --background; it needs
 * Ringdesk to be installed. In a Flatpak sandbox: the Background portal
 * (org.freedesktop.portal.Background.RequestBackground over D-Bus), which also grants running
 * without a window; the portal keeps the login entry itself.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char     *rd_autostart_get_path       (void);
gboolean  rd_autostart_is_sandboxed   (void);
/* The host entry exists and is enabled. (A sandbox cannot ask the portal; the
 * "start-at-login" setting remembers what it granted.) */
gboolean  rd_autostart_is_enabled     (void);
/* The command an autostart entry runs: the installed binary, or an error saying why there is
 * none (Ringdesk runs from a build folder and is not installed). */
char     *rd_autostart_get_command    (GError     **error);
/* Writes (or removes) the host entry running @exec_path (absolute) with --background. */
gboolean  rd_autostart_write          (gboolean     enabled,
                                       const char  *exec_path,
                                       GError     **error);
/* Quotes @arg for a desktop file Exec line (spec: "Exec key"). */
char     *rd_autostart_quote_exec_arg (const char  *arg);

/* The Background portal on @bus: asks to run in the background and, with @autostart, to start
 * at login (the user may be asked). @parent_window: "" or an exported window handle. Finishes
 * with what was granted; G_IO_ERROR_PERMISSION_DENIED when background running was refused,
 * G_IO_ERROR_CANCELLED when the user dismissed the question. */
void      rd_autostart_request_background_async  (GDBusConnection     *bus,
                                                  const char          *parent_window,
                                                  gboolean             autostart,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean  rd_autostart_request_background_finish (GAsyncResult        *result,
                                                  gboolean            *autostart_granted,
                                                  GError             **error);

/* Turns starting at login on or off the right way for where Ringdesk runs (host entry, or the
 * portal in a sandbox). Errors are worded for the user. */
void      rd_autostart_set_enabled_async  (gboolean             enabled,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean  rd_autostart_set_enabled_finish (GAsyncResult        *result,
                                           GError             **error);

G_END_DECLS
