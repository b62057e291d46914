/* rd-uri.h — checking what the desktop hands us: tel:/callto:/sip:/sips: links and web URLs.
 *
 * Everything here is pure (no GTK, no I/O) so it is unit-tested with hostile input.
 * Nothing ever reaches a shell: numbers go to the hub as data, URLs to GIO/the portal.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_URI_MAX_DIGITS 32

/* TRUE for tel, callto, sip and sips (case-insensitive). */
gboolean  rd_uri_has_phone_scheme (const char *uri);

/* The dialable number of a tel:/callto:/sip:/sips: URI or of plain typed text: only
 * '+' (leading), digits, '*' and '#'. Refuses (RD_ERROR_INVALID_INPUT, with a message a
 * user understands) other schemes, control characters, invalid UTF-8, over-long input,
 * SIP addresses that are names rather than numbers, and anything without digits. */
char     *rd_uri_to_number        (const char *uri_or_text,
                                   GError    **error);

/* TRUE when @url is an absolute http(s) URL with a host and no control characters or
 * spaces: the only kind we hand to the browser (a CRM record URL comes from the network). */
gboolean  rd_uri_is_web_url       (const char *url);

/* A hub address the agent client may use: ws:// or wss:// (http/https are accepted and
 * converted), with a host; plain ws:// only to a loopback host. Returns the normalized URL
 * or NULL with a message a user understands. */
char     *rd_uri_normalize_hub_url (const char  *text,
                                    GError     **error);

/* @text shortened to at most @max_chars characters (with an ellipsis), control characters
 * replaced, invalid UTF-8 repaired: safe to show in a message. */
char     *rd_uri_display_excerpt  (const char *text,
                                   guint       max_chars);

G_END_DECLS
