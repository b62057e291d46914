/* rd-call-row.h — one call in a boxed list: direction, the caller's name (shortened in the
 * middle when long) and number (never cut), company, time and outcome, and what can be done:
 * call back ("app.call"), open the CRM record ("app.open-record") or, for an unknown number,
 * create a contact or lead ("app.create-record"). Text from the hub lands in plain labels. */
#pragma once

#include <gtk/gtk.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

#define RD_TYPE_CALL_ROW (rd_call_row_get_type ())
G_DECLARE_FINAL_TYPE (RdCallRow, rd_call_row, RD, CALL_ROW, GtkListBoxRow)

GtkWidget  *rd_call_row_new        (const RdAgentRecentCall *call,
                                    gint64                   now_unix);
const char *rd_call_row_get_number (RdCallRow               *self);

G_END_DECLS
