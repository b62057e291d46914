/* rd-dial-dialog.h — "Call Li Wei?": the confirmation before a link dials. Shows the number
 * as the hub formats it and who it belongs to; "call" is the suggested response. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RD_TYPE_DIAL_DIALOG (rd_dial_dialog_get_type ())
G_DECLARE_FINAL_TYPE (RdDialDialog, rd_dial_dialog, RD, DIAL_DIALOG, AdwMessageDialog)

/* @number: what will be dialled; @display: its formatted form (or NULL); @name: the CRM
 * contact it belongs to, or NULL for an unknown number. */
RdDialDialog *rd_dial_dialog_new        (GtkWindow  *parent,
                                         const char *number,
                                         const char *display,
                                         const char *name);
const char   *rd_dial_dialog_get_number (RdDialDialog *self);

G_END_DECLS
