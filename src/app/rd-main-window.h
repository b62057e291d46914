/* rd-main-window.h — the window: first-run welcome, connection status in words, dial box,
 * mirrored notification actions, and in demo mode the simulators' addresses. */
#pragma once

#include <gtk/gtk.h>

#include "rd-status.h"

G_BEGIN_DECLS

#define RD_TYPE_MAIN_WINDOW (rd_main_window_get_type ())
G_DECLARE_FINAL_TYPE (RdMainWindow, rd_main_window, RD, MAIN_WINDOW, GtkApplicationWindow)

RdMainWindow *rd_main_window_new            (GtkApplication     *app,
                                             GMenuModel         *menu,
                                             GMenuModel         *mirror);
void          rd_main_window_set_status     (RdMainWindow       *self,
                                             const RdStatusText *status,
                                             const char         *hub,
                                             const char         *pbx,
                                             const char         *crm);
/* NULL hides the demo section. */
void          rd_main_window_set_demo_url   (RdMainWindow       *self,
                                             const char         *odoo_url);
void          rd_main_window_set_message    (RdMainWindow       *self,
                                             const char         *text);
void          rd_main_window_focus_dial     (RdMainWindow       *self,
                                             const char         *number);

G_END_DECLS
