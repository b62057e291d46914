#include "config.h"

#include "hub/rd-tls-probe.h"

#include "core/rd-error.h"
#include "core/rd-tls-pin.h"

#define PROBE_TIMEOUT_S 10

static gboolean
accept_any (GTlsConnection *connection, GTlsCertificate *certificate, GTlsCertificateFlags errors,
            gpointer user_data)
{
  return TRUE;   /* only looking: nothing is sent over this connection */
}

static void
on_event (GSocketClient *client, GSocketClientEvent event, GSocketConnectable *connectable,
          GIOStream *connection, gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CLIENT_CONNECTION (connection))
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any), NULL);
}

static void
set_time (JsonObject *object, const char *name, GDateTime *time)
{
  if (time != NULL)
    json_object_set_int_member (object, name, g_date_time_to_unix (time));
  else
    json_object_set_null_member (object, name);
}

static JsonObject *
describe (GTlsConnection *tls)
{
  static const struct { GTlsCertificateFlags flag; const char *name; } flags[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
  };
  GTlsCertificate *certificate = g_tls_connection_get_peer_certificate (tls);
  GTlsCertificateFlags errors = g_tls_connection_get_peer_certificate_errors (tls);
  JsonObject *object = json_object_new ();
  JsonArray *problems = json_array_new ();
  g_autofree char *digest = rd_tls_pin_certificate_digest (certificate);
  g_autofree char *sha256 = rd_tls_pin_display (digest);
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);
  g_autoptr(GDateTime) not_before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (certificate);

  json_object_set_string_member (object, "sha256", sha256);
  json_object_set_string_member (object, "subject", subject != NULL ? subject : "");
  json_object_set_string_member (object, "issuer", issuer != NULL ? issuer : "");
  set_time (object, "not_before", not_before);
  set_time (object, "not_after", not_after);
  json_object_set_boolean_member (object, "trusted", errors == 0);
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (errors & flags[i].flag)
      json_array_add_string_element (problems, flags[i].name);
  json_object_set_array_member (object, "problems", problems);
  return object;
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (source), result, &error);
  GIOStream *stream;

  if (connection == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NETWORK, "No TLS handshake with %s: %s",
                               (const char *) g_task_get_task_data (task), error->message);
      return;
    }
  stream = G_IO_STREAM (connection);
  if (G_IS_TCP_WRAPPER_CONNECTION (stream))
    stream = g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (stream));
  if (!G_IS_TLS_CONNECTION (stream) || g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (stream)) == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NETWORK, "%s presented no certificate",
                               (const char *) g_task_get_task_data (task));
      return;
    }
  g_task_return_pointer (task, describe (G_TLS_CONNECTION (stream)), (GDestroyNotify) json_object_unref);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

void
rd_tls_probe_async (const char *url, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  g_task_set_source_tag (task, rd_tls_probe_async);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Only an https:// address has a certificate to look at");
      return;
    }
  g_task_set_task_data (task, g_strdup (g_uri_get_host (uri)), g_free);
  client = g_socket_client_new ();
  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_timeout (client, PROBE_TIMEOUT_S);
  g_signal_connect (client, "event", G_CALLBACK (on_event), NULL);
  g_socket_client_connect_to_uri_async (client, url, 443, cancellable, connected_cb, g_steal_pointer (&task));
}

JsonObject *
rd_tls_probe_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
