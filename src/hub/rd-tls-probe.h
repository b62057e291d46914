/* rd-tls-probe.h — which certificate does an https:// server present?
 *
 * Connects, completes the TLS handshake whatever the certificate (nothing is
 * sent over the connection), and reports the certificate, so an administrator
 * can compare its fingerprint with the one the server's own console shows and
 * pin it. Reports whether the system's CAs trust it for that host name. The fingerprint
 * is core/rd-tls-pin.h's, in the one pin syntax: what is shown is what a pin accepts.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* @url: https://host[:port][/…]. Result: {sha256 ("AB:CD:…", rd_tls_pin_display ()), subject,
 * issuer, not_before, not_after (unix seconds, or null), trusted, problems: ["unknown-ca",
 * "bad-identity", "expired", "not-activated", "revoked", "insecure", "generic-error"]}.
 * RD_ERROR_INVALID_INPUT for a non-https URL; RD_ERROR_NETWORK when the server cannot be
 * reached or speaks no TLS. */
void        rd_tls_probe_async        (const char *url, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
JsonObject *rd_tls_probe_finish       (GAsyncResult *result, GError **error);

G_END_DECLS
