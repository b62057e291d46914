/* rd-application.h — the single-instance Ringdesk application.
 *
 * Owns the agent client, the notifier, the tray and the windows, and glues them with
 * application actions (one GMenuModel for the window's menu and the tray):
 *   app.dial(s)            number or tel:/callto:/sip: link; confirms per "confirm-dial"
 *   app.call(s)            dial at once: a number the user picked in Ringdesk (typed, call back)
 *   app.open-record(s)     open an http(s) CRM URL in the default browser
 *   app.create-record((ss)) (kind, number) create a CRM contact or lead, then open it
 *   app.pops-paused        stateful, bound to GSettings
 *   app.show-window, app.dial-prompt, app.recent-calls, app.preferences, app.reconnect,
 *   app.demo-call(s), app.about, app.quit
 */
#pragma once

#include <gtk/gtk.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

#define RD_TYPE_APPLICATION (rd_application_get_type ())
G_DECLARE_FINAL_TYPE (RdApplication, rd_application, RD, APPLICATION, GtkApplication)

RdApplication *rd_application_new          (void);

G_END_DECLS
