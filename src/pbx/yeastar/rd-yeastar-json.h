/* rd-yeastar-json.h — defensive JSON accessors for PBX replies and events.
 * The PBX mixes ints and numeric strings, uses " " for blanks, and may send
 * anything at all; these helpers never abort on a wrong type. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_YEASTAR_JSON_MAX_DEPTH 32

/* Parses @len bytes (need not be NUL-terminated) that must hold one JSON object. */
JsonObject *rd_yeastar_json_parse_object (const char *data, gssize len, GError **error);

/* The member as a string when it is a JSON string, else NULL. */
const char *rd_yeastar_json_get_string   (JsonObject *obj, const char *member);
/* As above, but blank (empty or only spaces) → NULL; a new string. */
char       *rd_yeastar_json_dup_text     (JsonObject *obj, const char *member);
/* rd_yeastar_json_dup_text() then rd_yeastar_json_clean_text(): a short, safe field. */
char       *rd_yeastar_json_dup_field    (JsonObject *obj, const char *member, gsize max_chars);
/* Integer member, accepting JSON numbers and decimal strings. */
gboolean    rd_yeastar_json_get_int      (JsonObject *obj, const char *member, gint64 *out);
JsonObject *rd_yeastar_json_get_object   (JsonObject *obj, const char *member);
JsonArray  *rd_yeastar_json_get_array    (JsonObject *obj, const char *member);

/* Valid UTF-8, control characters replaced, at most @max_chars characters. */
char       *rd_yeastar_json_clean_text   (const char *text, gsize max_chars);

G_END_DECLS
