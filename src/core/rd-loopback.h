/* rd-loopback.h — is a server on this computer? The one answer for the clients' address rule
 * (plain http:// only to loopback, rd-tls-pin.h) and for their proxy choice: a loopback target
 * is connected to directly, without asking GIO for a proxy, so GIO's proxy modules (libproxy,
 * the GNOME settings resolver) are not loaded for it; any other target goes through the
 * system's proxy settings as before. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "localhost" (any case), 127.0.0.0/8, ::1, with or without IPv6 brackets. NULL → FALSE. */
gboolean rd_loopback_host (const char *host);
/* The host of @url (any scheme: http, https, ws, wss) is a loopback host. Not a URL → FALSE. */
gboolean rd_loopback_url  (const char *url);

G_END_DECLS
