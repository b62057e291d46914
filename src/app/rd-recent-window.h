/* rd-recent-window.h — recent calls (from the hub), search, call back, open in Odoo.
 * Refreshes itself on the client's "call-logged" signal. Signal "loaded" () after each load. */
#pragma once

#include <gtk/gtk.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

#define RD_TYPE_RECENT_WINDOW (rd_recent_window_get_type ())
G_DECLARE_FINAL_TYPE (RdRecentWindow, rd_recent_window, RD, RECENT_WINDOW, GtkWindow)

RdRecentWindow *rd_recent_window_new        (GtkApplication *app,
                                             RdAgentClient  *client);
void            rd_recent_window_refresh    (RdRecentWindow *self);
/* Shows @calls (RdAgentRecentCall) directly; times are relative to @now_unix. */
void            rd_recent_window_set_calls  (RdRecentWindow *self,
                                             GPtrArray      *calls,
                                             gint64          now_unix);
guint           rd_recent_window_get_count  (RdRecentWindow *self);

/* Formatting, exposed for tests. */
char           *rd_recent_format_duration   (guint           seconds);
char           *rd_recent_format_time       (gint64          unix_seconds,
                                             gint64          now_unix);
const char     *rd_recent_outcome_label     (const char     *outcome);

G_END_DECLS
