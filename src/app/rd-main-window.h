/* rd-main-window.h — the window: a welcome page until Ringdesk is set up, a status page while
 * it is not signed in (what is wrong and what to do), and once signed in a clamped list of the
 * account and connection, the dial field, the last calls and (demo) the simulators. In-window
 * feedback comes as toasts. */
#pragma once

#include <adwaita.h>

#include "rd-recent-calls.h"
#include "rd-status.h"

G_BEGIN_DECLS

#define RD_MAIN_WINDOW_LAST_CALLS 5

#define RD_TYPE_MAIN_WINDOW (rd_main_window_get_type ())
G_DECLARE_FINAL_TYPE (RdMainWindow, rd_main_window, RD, MAIN_WINDOW, AdwApplicationWindow)

RdMainWindow *rd_main_window_new            (GtkApplication     *app,
                                             GMenuModel         *menu);
void          rd_main_window_set_status     (RdMainWindow       *self,
                                             const RdStatusText *status,
                                             const char         *hub,
                                             const char         *pbx,
                                             const char         *crm);
void          rd_main_window_set_account    (RdMainWindow       *self,
                                             const char         *name,
                                             const char         *extension);
void          rd_main_window_set_paused     (RdMainWindow       *self,
                                             gboolean            paused);
/* NULL hides the demo group. */
void          rd_main_window_set_demo_url   (RdMainWindow       *self,
                                             const char         *odoo_url);
/* The first RD_MAIN_WINDOW_LAST_CALLS calls of @recent, kept up to date. */
void          rd_main_window_set_recent     (RdMainWindow       *self,
                                             RdRecentCalls      *recent);
/* A toast under @tag (replacing one with the same tag); @timeout_s 0 keeps it until
 * rd_main_window_dismiss_toast. */
void          rd_main_window_show_toast     (RdMainWindow       *self,
                                             const char         *tag,
                                             const char         *title,
                                             guint               timeout_s);
void          rd_main_window_dismiss_toast  (RdMainWindow       *self,
                                             const char         *tag);
/* The title of the toast shown under @tag, or NULL. */
const char   *rd_main_window_get_toast      (RdMainWindow       *self,
                                             const char         *tag);
void          rd_main_window_focus_dial     (RdMainWindow       *self,
                                             const char         *number);

G_END_DECLS
