/* rd-recent-window.h — all recent calls (from the hub), searchable by name or number, with the
 * same rows as the main window's last calls: call back, open in Odoo, create a record. */
#pragma once

#include <adwaita.h>

#include "rd-recent-calls.h"

G_BEGIN_DECLS

#define RD_RECENT_LIMIT 100

#define RD_TYPE_RECENT_WINDOW (rd_recent_window_get_type ())
G_DECLARE_FINAL_TYPE (RdRecentWindow, rd_recent_window, RD, RECENT_WINDOW, AdwWindow)

/* @recent: the calls to show; the search field sets its query. */
RdRecentWindow *rd_recent_window_new        (GtkApplication *app,
                                             RdRecentCalls  *recent);
void            rd_recent_window_refresh    (RdRecentWindow *self);
/* Rows shown. */
guint           rd_recent_window_get_count  (RdRecentWindow *self);

G_END_DECLS
