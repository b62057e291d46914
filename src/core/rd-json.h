/* rd-json.h — a check on JSON text from outside, before a parser sees it.
 *
 * json-glib parses recursively: deeply nested text from a peer could exhaust
 * the stack. Every layer that parses peer JSON (the hub's agent requests, the
 * agent's hub frames, CRM and PBX replies) asks rd_json_depth_ok() first.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Do objects and arrays in the @len bytes at @text (no NUL needed) nest at
 * most @max_depth deep? Brackets inside strings, escaped quotes included, do
 * not count; a stray closing bracket does not lower the depth below zero. A
 * scanner, not a validator: malformed or truncated text that is shallow passes
 * and is left for the parser to refuse. */
gboolean rd_json_depth_ok (const char *text, gsize len, guint max_depth);

G_END_DECLS
