/* rd-console-layout.h — the frame around every console page, and small shared pieces. */
#pragma once

#include <json-glib/json-glib.h>

#include "hub/console/rd-console-request.h"
#include "hub/console/rd-html.h"

G_BEGIN_DECLS

/* The whole document: head, header (who is signed in, sign-out), navigation, the one-shot
 * message, @content (consumed). */
char       *rd_console_layout_page   (RdConsoleRequest *req, const char *title, const char *nav,
                                      RdHtml *content);

/* A notice box: kind "info", "ok", "warn" or "error"; @text escaped. */
void        rd_console_notice        (RdHtml *html, const char *kind, const char *text);
/* "2026-12-05 14:03" in UTC (the console's fixed zone: it says so in the footer). */
char       *rd_console_format_time   (gint64 unix_seconds);
/* The string member, or "" (for escaping). */
const char *rd_console_str           (JsonObject *object, const char *member);
/* The named state in words ("connected" → "Connected", translated). */
const char *rd_console_state_words   (RdConsoleRequest *req, const char *state);
/* "Internal", "Portal", "Public" (a CRM user's kind, translated). */
const char *rd_console_user_type_words (RdConsoleRequest *req, const char *type);
/* What the CRM's own settings make the hub do that the administrator may not expect, as notices:
 * no country for national numbers (@region), Leads turned off while auto-create makes leads (@leads). */
void        rd_console_crm_notes         (RdConsoleRequest *req, RdHtml *html, JsonObject *status,
                                          gboolean region, gboolean leads);
/* The warning `status` gives for a PBX (@pbx) or CRM (@crm) reached over plain http:// on
 * another computer, as a notice, when the status says so. */
void        rd_console_insecure_warnings (RdConsoleRequest *req, RdHtml *html, JsonObject *status,
                                          gboolean pbx, gboolean crm);
/* The "Allow plain http:// to another computer" checkbox (form field insecure_http) with @hint. */
void        rd_console_insecure_option (RdConsoleRequest *req, RdHtml *html, gboolean checked,
                                        const char *hint);

G_END_DECLS
