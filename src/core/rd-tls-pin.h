/* rd-tls-pin.h — the one TLS certificate pin of the tree (PBX client, CRM transport, agent
 * client), and the rule for which server addresses a client may use.
 *
 * A pin is the SHA-256 digest of the server's DER certificate. With a pin, that certificate and
 * no other is accepted, whether or not a public CA vouches for another one: an RdTlsPin is a
 * GTlsDatabase that trusts exactly the pinned certificate, set as the client's "tls-database",
 * so the check is part of the TLS handshake and happens before any request (and any credential
 * in it) is written.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_TYPE_TLS_PIN (rd_tls_pin_get_type ())
G_DECLARE_FINAL_TYPE (RdTlsPin, rd_tls_pin, RD, TLS_PIN, GTlsDatabase)

/* The one pin syntax: 64 hexadecimal digits, plain ("ab12…") or as 32 pairs separated by ':'
 * ("AB:12:…", as `openssl x509 -noout -fingerprint -sha256` prints it), in either case.
 * Returns the digest in lower-case hex, or NULL with an RD_ERROR_INVALID_INPUT error saying what
 * is wrong. */
char       *rd_tls_pin_normalize         (const char *text, GError **error);
/* NULL with an error when @text is not a pin (see rd_tls_pin_normalize()). */
RdTlsPin   *rd_tls_pin_new               (const char *text, GError **error);
const char *rd_tls_pin_get_digest        (RdTlsPin *self);   /* lower-case hex */
gboolean    rd_tls_pin_matches           (RdTlsPin *self, GTlsCertificate *certificate);
/* SHA-256 of @certificate's DER form in lower-case hex; NULL without a certificate. */
char       *rd_tls_pin_certificate_digest (GTlsCertificate *certificate);
/* "AB:CD:…" for people (logs, errors). */
char       *rd_tls_pin_display           (const char *digest);

/* The address rule of every client: an http:// or https:// URL with a host and without
 * credentials; plain http:// only to this computer (localhost, 127.0.0.0/8, ::1) unless
 * @allow_insecure; a pin only with https://. @what names the server in errors ("CRM", "PBX").
 * RD_ERROR_INVALID_INPUT when the rule is broken. */
gboolean    rd_tls_pin_check_url         (const char *url, gboolean has_pin, gboolean allow_insecure,
                                          const char *what, GError **error);
/* Is @url plain http:// to another computer (allowed only with the insecure option)? */
gboolean    rd_tls_pin_url_is_insecure   (const char *url);

G_END_DECLS
