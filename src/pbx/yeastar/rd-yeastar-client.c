/* rd-yeastar-client.c — REST transport for the Yeastar OpenAPI. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-client.h"

#include <string.h>

#include "core/rd-error.h"
#include "core/rd-loopback.h"
#include "core/rd-tls-pin.h"
#include "pbx/yeastar/rd-yeastar-json.h"

#define DEFAULT_TIMEOUT_S 15
#define FINGERPRINT_KEY "rd-seen-fingerprint"

struct _RdYeastarClient
{
  GObject      parent_instance;

  GUri        *base;          /* scheme, host, port; path ignored */
  char        *user_agent;
  RdTlsPin    *pin;           /* the sessions' TLS database when a certificate is pinned */
  SoupSession *session;       /* REST, with timeout */
  SoupSession *ws_session;    /* WebSocket, no I/O timeout (idle sockets are normal) */
};

G_DEFINE_FINAL_TYPE (RdYeastarClient, rd_yeastar_client, G_TYPE_OBJECT)

static void
rd_yeastar_client_finalize (GObject *object)
{
  RdYeastarClient *self = RD_YEASTAR_CLIENT (object);

  g_clear_pointer (&self->base, g_uri_unref);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_object (&self->pin);
  g_clear_object (&self->session);
  g_clear_object (&self->ws_session);
  G_OBJECT_CLASS (rd_yeastar_client_parent_class)->finalize (object);
}

static void
rd_yeastar_client_class_init (RdYeastarClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_yeastar_client_finalize;
}

static void
rd_yeastar_client_init (RdYeastarClient *self)
{
}

char *
rd_yeastar_certificate_fingerprint (GTlsCertificate *cert)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (cert), NULL);
  return rd_tls_pin_certificate_digest (cert);
}

RdYeastarClient *
rd_yeastar_client_new (const char *base_url, const char *user_agent, const char *cert_sha256,
                       gboolean allow_insecure, guint timeout_s, GError **error)
{
  g_autoptr(RdYeastarClient) self = NULL;
  g_autoptr(GUri) uri = NULL;
  gboolean pinned = cert_sha256 != NULL && *cert_sha256 != '\0';

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (base_url == NULL || *base_url == '\0')
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "No PBX address configured");
      return NULL;
    }
  if (!rd_tls_pin_check_url (base_url, pinned, allow_insecure, "PBX", error))
    return NULL;
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (g_uri_get_query (uri) != NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The PBX address must not carry credentials or a query");
      return NULL;
    }

  self = g_object_new (RD_TYPE_YEASTAR_CLIENT, NULL);
  self->base = g_steal_pointer (&uri);
  self->user_agent = g_strdup (user_agent && *user_agent ? user_agent : "Ringdesk/" PACKAGE_VERSION);
  if (pinned)
    {
      self->pin = rd_tls_pin_new (cert_sha256, error);
      if (self->pin == NULL)
        return NULL;
    }
  if (!rd_yeastar_client_is_tls (self))
    g_warning ("The PBX API is configured over plain http://: tokens and call data travel "
               "unencrypted. Use https:// with a pinned certificate where possible.");

  self->session = soup_session_new_with_options ("timeout", timeout_s ? timeout_s : DEFAULT_TIMEOUT_S,
                                                 "user-agent", self->user_agent,
                                                 NULL);
  self->ws_session = soup_session_new_with_options ("user-agent", self->user_agent, NULL);
  /* With a pin, the handshake itself refuses any other certificate, CA-signed or not: the
   * token request and the event socket's access token are never sent to it. */
  if (self->pin != NULL)
    {
      g_object_set (self->session, "tls-database", self->pin, NULL);
      g_object_set (self->ws_session, "tls-database", self->pin, NULL);
    }
  /* A PBX on this computer is reached directly: no proxy lookup (rd-loopback.h). */
  if (rd_loopback_host (g_uri_get_host (self->base)))
    {
      g_object_set (self->session, "proxy-resolver", NULL, NULL);
      g_object_set (self->ws_session, "proxy-resolver", NULL, NULL);
    }
  return g_steal_pointer (&self);
}

char *
rd_yeastar_client_dup_origin (RdYeastarClient *self)
{
  g_return_val_if_fail (RD_IS_YEASTAR_CLIENT (self), NULL);
  if (g_uri_get_port (self->base) < 0)
    return g_strdup_printf ("%s://%s", g_uri_get_scheme (self->base), g_uri_get_host (self->base));
  return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (self->base), g_uri_get_host (self->base),
                          g_uri_get_port (self->base));
}

SoupSession *
rd_yeastar_client_get_session (RdYeastarClient *self)
{
  g_return_val_if_fail (RD_IS_YEASTAR_CLIENT (self), NULL);
  return self->ws_session;
}

gboolean
rd_yeastar_client_is_tls (RdYeastarClient *self)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (self->base), "https") == 0;
}

/* Reached only when the certificate was refused (by the pin, or by the CAs without one):
 * remember what was seen for the error message, and never overrule the refusal. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  g_object_set_data_full (G_OBJECT (msg), FINGERPRINT_KEY, rd_tls_pin_certificate_digest (cert), g_free);
  return FALSE;
}

SoupMessage *
rd_yeastar_client_new_message (RdYeastarClient *self, const char *method, const char *endpoint,
                               const char *access_token, const char * const *query,
                               gboolean websocket)
{
  g_autoptr(GString) q = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  SoupMessage *msg;

  g_return_val_if_fail (RD_IS_YEASTAR_CLIENT (self), NULL);

  if (access_token != NULL)
    {
      g_autofree char *esc = g_uri_escape_string (access_token, NULL, FALSE);
      g_string_append_printf (q, "access_token=%s", esc);
    }
  for (guint i = 0; query != NULL && query[i] != NULL && query[i + 1] != NULL; i += 2)
    {
      g_autofree char *k = g_uri_escape_string (query[i], NULL, FALSE);
      g_autofree char *v = g_uri_escape_string (query[i + 1], NULL, FALSE);
      g_string_append_printf (q, "%s%s=%s", q->len ? "&" : "", k, v);
    }
  if (rd_yeastar_client_is_tls (self))
    scheme = websocket ? "wss" : "https";
  else
    scheme = websocket ? "ws" : "http";
  path = g_strconcat (RD_YEASTAR_API_PATH, endpoint, NULL);
  uri = g_uri_build (G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_PATH, scheme, NULL,
                     g_uri_get_host (self->base), g_uri_get_port (self->base), path,
                     q->len ? q->str : NULL, NULL);
  msg = soup_message_new_from_uri (method, uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "User-Agent", self->user_agent);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  return msg;
}

GError *
rd_yeastar_client_transport_error (RdYeastarClient *self, SoupMessage *msg,
                                   const GError *error, const char *what)
{
  const char *seen = msg ? g_object_get_data (G_OBJECT (msg), FINGERPRINT_KEY) : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (error->domain == G_TLS_ERROR || seen != NULL)
    {
      g_autofree char *shown = seen ? rd_tls_pin_display (seen) : g_strdup ("unknown");

      if (self->pin != NULL)
        {
          g_autofree char *pinned = rd_tls_pin_display (rd_tls_pin_get_digest (self->pin));
          return g_error_new (RD_ERROR, RD_ERROR_TLS,
                              "%s: the PBX certificate (SHA-256 %s) does not match the pinned "
                              "fingerprint %s", what, shown, pinned);
        }
      return g_error_new (RD_ERROR, RD_ERROR_TLS,
                          "%s: the PBX certificate is not trusted (SHA-256 %s); if this is "
                          "your PBX, pin this fingerprint as cert_sha256", what, shown);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (RD_ERROR, RD_ERROR_TIMEOUT, "%s: the PBX did not answer in time", what);
  return g_error_new (RD_ERROR, RD_ERROR_NETWORK, "%s: cannot reach the PBX: %s", what, error->message);
}

gboolean
rd_yeastar_errcode_is_fatal (int errcode)
{
  return errcode == RD_YEASTAR_ERRCODE_IP_BLOCKED || errcode == RD_YEASTAR_ERRCODE_IP_FORBIDDEN ||
         errcode == RD_YEASTAR_ERRCODE_API_UNAVAILABLE;
}

GError *
rd_yeastar_error_new (int errcode, const char *errmsg, const char *endpoint)
{
  g_autofree char *msg = rd_yeastar_json_clean_text (errmsg, 120);
  RdErrorCode code;
  const char *what;

  switch (errcode)
    {
    case -2: code = RD_ERROR_SERVER; what = "internal PBX error"; break;
    case -1: code = RD_ERROR_FAILED; what = "the PBX reported a failure"; break;
    case 10001: case 10002: case 10003:
      code = RD_ERROR_UNAVAILABLE; what = "this API is not available on the PBX firmware"; break;
    case 10004: code = RD_ERROR_AUTH; what = "the access token expired"; break;
    case 10005: code = RD_ERROR_ACCESS; what = "access denied"; break;
    case 10009: code = RD_ERROR_ACCESS; what = "operation failed (feature off or no permission)"; break;
    case 40001: case 40002: code = RD_ERROR_INVALID_INPUT; what = "the PBX rejected the parameters"; break;
    case 40003: code = RD_ERROR_CONFLICT; what = "duplicate value"; break;
    case 60001: case 70093: case 70128: case 70130:
      code = RD_ERROR_NOT_FOUND; what = "not found on the PBX"; break;
    case 60002: code = RD_ERROR_LIMIT; what = "PBX limit reached"; break;
    case 70004: code = RD_ERROR_ACCESS; what = "this address is blocked by the PBX (unblock it in the PBX security settings)"; break;
    case 70087: code = RD_ERROR_ACCESS; what = "this address is not in the PBX API allowed-IP list"; break;
    case 70091: code = RD_ERROR_CONFLICT; what = "still referenced (e.g. contact in a phonebook)"; break;
    case 70123: code = RD_ERROR_UNAVAILABLE; what = "the API is disabled on the PBX (Integrations > API)"; break;
    case 70132: code = RD_ERROR_UNAVAILABLE; what = "operation not supported"; break;
    default: code = RD_ERROR_FAILED; what = "the PBX refused the request"; break;
    }
  return g_error_new (RD_ERROR, code, "PBX %s: %s (errcode %d%s%s)", endpoint, what, errcode,
                      msg && *msg ? ", " : "", msg && *msg ? msg : "");
}

/* ---- one request ---------------------------------------------------------- */

typedef struct {
  SoupMessage *msg;
  char        *endpoint;
  int          errcode;
} CallData;

static void
call_data_free (gpointer data)
{
  CallData *cd = data;

  g_clear_object (&cd->msg);
  g_free (cd->endpoint);
  g_free (cd);
}

static void
on_call_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdYeastarClient *self = g_task_get_source_object (task);
  CallData *cd = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) envelope = NULL;
  guint status;
  gint64 errcode;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  if (bytes == NULL)
    {
      g_autofree char *what = g_strdup_printf ("PBX %s", cd->endpoint);
      g_debug ("%s failed: %s", what, error->message);
      g_task_return_error (task, rd_yeastar_client_transport_error (self, cd->msg, error, what));
      return;
    }
  status = soup_message_get_status (cd->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_new_error (task, RD_ERROR, status >= 500 ? RD_ERROR_SERVER : RD_ERROR_PROTOCOL,
                               "PBX %s: HTTP status %u", cd->endpoint, status);
      return;
    }
  envelope = rd_yeastar_json_parse_object (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  if (envelope == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "PBX %s: malformed reply: %s",
                               cd->endpoint, error->message);
      return;
    }
  if (!rd_yeastar_json_get_int (envelope, "errcode", &errcode))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL,
                               "PBX %s: reply without an errcode", cd->endpoint);
      return;
    }
  if (errcode != 0)
    {
      cd->errcode = (int) CLAMP (errcode, G_MININT + 1, G_MAXINT);
      g_debug ("PBX %s: errcode %d", cd->endpoint, cd->errcode);
      g_task_return_error (task, rd_yeastar_error_new (cd->errcode,
                                                       rd_yeastar_json_get_string (envelope, "errmsg"),
                                                       cd->endpoint));
      return;
    }
  cd->errcode = 0;
  g_task_return_pointer (task, g_steal_pointer (&envelope), (GDestroyNotify) json_object_unref);
}

void
rd_yeastar_client_call_async (RdYeastarClient *self, const char *method, const char *endpoint,
                              const char *access_token, const char * const *query, JsonNode *body,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *cd;

  g_return_if_fail (RD_IS_YEASTAR_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_yeastar_client_call_async);
  cd = g_new0 (CallData, 1);
  cd->errcode = RD_YEASTAR_ERRCODE_TRANSPORT;
  cd->endpoint = g_strdup (endpoint);
  cd->msg = rd_yeastar_client_new_message (self, method, endpoint, access_token, query, FALSE);
  g_task_set_task_data (task, cd, call_data_free);

  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

      soup_message_set_request_body_from_bytes (cd->msg, "application/json", bytes);
    }
  g_debug ("PBX %s %s", method, endpoint);
  soup_session_send_and_read_async (self->session, cd->msg, G_PRIORITY_DEFAULT, cancellable,
                                    on_call_read, g_steal_pointer (&task));
}

JsonObject *
rd_yeastar_client_call_finish (RdYeastarClient *self, GAsyncResult *result, int *errcode, GError **error)
{
  CallData *cd;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  cd = g_task_get_task_data (G_TASK (result));
  if (errcode != NULL)
    *errcode = cd->errcode;
  return g_task_propagate_pointer (G_TASK (result), error);
}
