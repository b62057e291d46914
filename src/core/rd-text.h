/* rd-text.h — text from the PBX or the CRM made safe to show: in a terminal (the CLI), a log, a
 * desktop label or notification. Such text is typed by anyone who can edit a contact, a user or
 * an extension; an ESC sequence in a name must not clear an administrator's screen or rewrite a
 * log line, and a bidirectional override must not make a name read as another.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @text as valid UTF-8 (invalid bytes become U+FFFD), with control characters (C0, DEL, C1, the
 * line and paragraph separators) turned into spaces and bidirectional overrides, embeddings,
 * isolates and marks removed. NULL stays NULL. */
char             *rd_text_clean      (const char *text);
/* Does @text need rd_text_clean()? */
gboolean          rd_text_is_clean   (const char *text);
/* Is @text usable as a setting typed by an administrator: valid UTF-8, at most @max bytes, no
 * control characters? (NULL is not.) */
gboolean          rd_text_is_setting (const char *text, gsize max);
/* A GLogWriterFunc for processes that log outside text: cleans the MESSAGE field, then hands the
 * record to g_log_writer_default(). */
GLogWriterOutput  rd_text_log_writer (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields,
                                      gpointer user_data);

G_END_DECLS
