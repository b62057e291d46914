/* rd-application.h — the single-instance Ringdesk application.
 *
 * Owns the connection (agent client), the notifier, the tray and the windows, and glues them
 * with application actions. Exported on the session bus (org.gtk.Actions), so any program of
 * the session can use them:
 *   app.dial(s)            number or tel:/callto:/sip: link; asks first per "confirm-dial"
 *   app.open-record(s)     open an http(s) CRM URL in the default browser
 *   app.create-record((ss)) (kind, number) create a CRM contact or lead, then open it
 *   app.pops-paused        stateful, bound to GSettings
 *   app.show-window, app.dial-prompt, app.recent-calls, app.preferences, app.reconnect,
 *   app.demo-call(s), app.about, app.quit
 * Not exported: app.call(s), which dials at once a number the user picked in Ringdesk itself
 * (typed in the window, "Call Back" on a call or in a notification, the tray's missed-call
 * items). It lives in a private action group that the windows, the notifier and the tray
 * use under the same "app." prefix.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RD_TYPE_APPLICATION (rd_application_get_type ())
G_DECLARE_FINAL_TYPE (RdApplication, rd_application, RD, APPLICATION, GtkApplication)

RdApplication *rd_application_new        (void);
/* libadwaita and Ringdesk's style sheet (style.css), once: before the first window. */
void           rd_application_init_style (void);

G_END_DECLS
