/* rd-preferences-window.h — connection, sign-in, pop-up and login-start settings.
 *
 * Pop-up settings apply at once (GSettings bindings). Connection and sign-in apply with
 * "Save and Connect": checked first, keys stored in the keyring (never in GSettings; not
 * at all in demo mode), then "app.reconnect" is activated.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RD_TYPE_PREFERENCES_WINDOW (rd_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (RdPreferencesWindow, rd_preferences_window, RD, PREFERENCES_WINDOW, GtkWindow)

RdPreferencesWindow *rd_preferences_window_new      (GtkApplication      *app,
                                                     GSettings           *settings,
                                                     gboolean             demo);
/* "connection", "signin", "popups" or "general". */
void                 rd_preferences_window_show_page (RdPreferencesWindow *self,
                                                      const char          *page);

G_END_DECLS
