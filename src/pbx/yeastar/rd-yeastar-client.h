/* rd-yeastar-client.h — Yeastar P-Series OpenAPI REST transport.
 *
 * Builds URLs ({base}/openapi/v1.0/{endpoint}?access_token=…), sets the mandatory
 * User-Agent on every request, pins the certificate by its SHA-256 fingerprint
 * (core/rd-tls-pin.h: checked in the handshake), applies the request timeout, and turns the {errcode, errmsg}
 * envelope into RD_ERROR codes. URLs are never logged (they carry tokens).
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RD_YEASTAR_API_PATH "/openapi/v1.0/"

/* errcodes with a meaning for the client (spec §1) */
enum {
  RD_YEASTAR_ERRCODE_NONE = 0,
  RD_YEASTAR_ERRCODE_TRANSPORT = G_MININT, /* no envelope: network, TLS, HTTP or parse failure */
  RD_YEASTAR_ERRCODE_TOKEN_EXPIRED = 10004,
  RD_YEASTAR_ERRCODE_MAX_LIMIT = 60002,
  RD_YEASTAR_ERRCODE_IP_BLOCKED = 70004,
  RD_YEASTAR_ERRCODE_IP_FORBIDDEN = 70087,
  RD_YEASTAR_ERRCODE_API_UNAVAILABLE = 70123,
};

#define RD_TYPE_YEASTAR_CLIENT (rd_yeastar_client_get_type ())
G_DECLARE_FINAL_TYPE (RdYeastarClient, rd_yeastar_client, RD, YEASTAR_CLIENT, GObject)

/* @cert_sha256: a pin (rd_tls_pin_normalize() syntax) or NULL; @allow_insecure: accept plain
 * http:// to another computer; @timeout_s 0 = 15 s. */
RdYeastarClient *rd_yeastar_client_new (const char *base_url, const char *user_agent,
                                        const char *cert_sha256, gboolean allow_insecure,
                                        guint timeout_s, GError **error);

SoupSession *rd_yeastar_client_get_session (RdYeastarClient *self);
/* "https://pbx.example.com:8088": which PBX this client talks to. */
char        *rd_yeastar_client_dup_origin  (RdYeastarClient *self);
gboolean     rd_yeastar_client_is_tls      (RdYeastarClient *self);

/* A message for {base}/openapi/v1.0/{endpoint} with User-Agent and pinning set up.
 * @query: NULL or a NULL-terminated list of key, value pairs (escaped here).
 * @websocket: use ws:// / wss:// instead of http:// / https://. */
SoupMessage *rd_yeastar_client_new_message (RdYeastarClient   *self,
                                            const char        *method,
                                            const char        *endpoint,
                                            const char        *access_token,
                                            const char * const *query,
                                            gboolean           websocket);

/* Turns a transport failure of @msg (TLS, network, timeout) into an RD_ERROR.
 * TLS errors name the certificate fingerprint that was seen. */
GError *rd_yeastar_client_transport_error (RdYeastarClient *self, SoupMessage *msg,
                                           const GError *error, const char *what);

/* One request; the reply is the envelope object when errcode == 0.
 * On failure *errcode (if not NULL) receives the PBX errcode, or
 * RD_YEASTAR_ERRCODE_TRANSPORT when there was no envelope. */
void        rd_yeastar_client_call_async  (RdYeastarClient    *self,
                                           const char         *method,
                                           const char         *endpoint,
                                           const char         *access_token,
                                           const char * const *query,
                                           JsonNode           *body,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
JsonObject *rd_yeastar_client_call_finish (RdYeastarClient *self, GAsyncResult *result,
                                           int *errcode, GError **error);

/* errcode (≠ 0) → RD_ERROR with a human message naming @endpoint. */
GError     *rd_yeastar_error_new          (int errcode, const char *errmsg, const char *endpoint);
/* TRUE for errcodes after which nothing will work until an administrator acts. */
gboolean    rd_yeastar_errcode_is_fatal   (int errcode);

/* Lower-case hex SHA-256 of the certificate's DER encoding. */
char       *rd_yeastar_certificate_fingerprint (GTlsCertificate *cert);

G_END_DECLS
