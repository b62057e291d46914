/* rd-preferences-window.h — connection, sign-in, pop-up and background settings.
 *
 * Pop-up settings apply at once (GSettings bindings). Connection and sign-in apply with
 * "Save and Connect": checked first (a clear message and the row marked, until the user
 * changes something), keys stored in the keyring (never in GSettings; not at all in demo
 * mode), then "app.reconnect" is activated.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RD_TYPE_PREFERENCES_WINDOW (rd_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (RdPreferencesWindow, rd_preferences_window, RD, PREFERENCES_WINDOW, AdwPreferencesWindow)

RdPreferencesWindow *rd_preferences_window_new      (GtkApplication      *app,
                                                     GSettings           *settings,
                                                     gboolean             demo);
/* "connection", "signin" (the sign-in rows of the connection page), "popups" or "general". */
void                 rd_preferences_window_show_page (RdPreferencesWindow *self,
                                                      const char          *page);
/* The message shown after a refused "Save and Connect", or NULL. */
const char          *rd_preferences_window_get_error (RdPreferencesWindow *self);

G_END_DECLS
