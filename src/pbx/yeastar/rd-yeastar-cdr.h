/* rd-yeastar-cdr.h — end-of-call records from the 30012 event and from cdr/search rows.
 *
 * Times without a zone (time_start, time) are PBX-local: @tz converts them
 * (NULL = the local zone of this machine). Blanks (" ") become NULL, status and
 * type are case-insensitive, "ANSWERD" and "NO ANSWER" are understood, and
 * ring time is call − talk when the PBX does not give it. */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-call.h"

G_BEGIN_DECLS

RdCallRecord *rd_yeastar_cdr_from_event (JsonObject *msg, GTimeZone *tz, GError **error);
RdCallRecord *rd_yeastar_cdr_from_row   (JsonObject *row, GTimeZone *tz, GError **error);

/* "YYYY-MM-DD HH:MM:SS" (also "YYYY/MM/DD", 'T', without seconds) in @tz → unix seconds. */
gboolean      rd_yeastar_parse_local_time (const char *text, GTimeZone *tz, gint64 *unix_seconds);

G_END_DECLS
