/* rd-format.h — how names, numbers, times and outcomes are written in the windows, the tray
 * menu and notifications. Pure functions (no GTK); everything from the network passes through
 * rd_uri_display_excerpt first. */
#pragma once

#include <glib.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

/* @text made safe to show (see rd_uri_display_excerpt) and, when longer than @max_chars,
 * shortened in the middle: "Acme Shanghai…Li Wei". Never use it for numbers. */
char       *rd_format_middle         (const char *text,
                                      guint       max_chars);
/* The person's name: CRM display names of company contacts read "Company, Person", and the
 * company is shown on its own; NULL when @match has no name. */
const char *rd_format_person_name    (const RdAgentMatch *match);
/* A phone number that never breaks across lines: spaces and hyphens become their
 * non-breaking forms (U+00A0, U+2011). */
char       *rd_format_number_nowrap  (const char *number);
/* @text for a menu label whose '_' marks a mnemonic: every '_' doubled. */
char       *rd_format_menu_label     (const char *text);
/* "2:05", "1:02:05". */
char       *rd_format_duration       (guint       seconds);
/* "14:05" today, "Yesterday 14:05", else the locale's date and the time. */
char       *rd_format_time           (gint64      unix_seconds,
                                      gint64      now_unix);
const char *rd_format_outcome        (const char *outcome);

G_END_DECLS
