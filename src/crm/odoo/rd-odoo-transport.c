#include "config.h"

#include "rd-odoo-transport.h"
#include "rd-odoo-errors.h"
#include "rd-odoo-json.h"
#include "core/rd-error.h"
#include "core/rd-loopback.h"
#include "core/rd-tls-pin.h"

#include <libsoup/soup.h>

#define DEFAULT_TIMEOUT 20

struct _RdOdooTransport
{
  GObject     parent_instance;

  SoupSession *session;
  GUri        *base;
  char        *base_url;     /* without trailing slash */
  char        *database;
  RdTlsPin    *pin;          /* the session's TLS database when a certificate is pinned */
  gint64       uid;
  char        *key;
  char        *tz;
  gboolean     json2;
  gint64       next_id;
  gint64       server_time;    /* Date of the latest reply (unix s), 0 = none */
  gint64       server_time_at; /* g_get_monotonic_time () when it came */
  gboolean     unreachable;  /* the last request did not get an answer from Odoo */
};

G_DEFINE_FINAL_TYPE (RdOdooTransport, rd_odoo_transport, G_TYPE_OBJECT)

enum { SIGNAL_REACHABILITY, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  SoupMessage *msg;
  gboolean     json2;
  gboolean     raw;       /* hand the body over unparsed */
} Request;

static void
request_free (Request *req)
{
  g_clear_object (&req->msg);
  g_free (req);
}

static void
rd_odoo_transport_finalize (GObject *object)
{
  RdOdooTransport *self = RD_ODOO_TRANSPORT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->base, g_uri_unref);
  g_free (self->base_url);
  g_free (self->database);
  g_clear_object (&self->pin);
  if (self->key != NULL)
    memset (self->key, 0, strlen (self->key));
  g_free (self->key);
  g_free (self->tz);
  G_OBJECT_CLASS (rd_odoo_transport_parent_class)->finalize (object);
}

static void
rd_odoo_transport_class_init (RdOdooTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_odoo_transport_finalize;

  /* ::reachability (gboolean reachable, const char *why): a request got no answer from
   * Odoo after the last one did (why: the error), or the other way round (why: NULL). */
  signals[SIGNAL_REACHABILITY] = g_signal_new ("reachability", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                               G_TYPE_BOOLEAN, G_TYPE_STRING);
}

/* Whether Odoo answered: any HTTP reply from Odoo itself does, however it refused the
 * request; no reply (refused, reset, timeout, TLS) or a gateway's 502/503/504 does not. */
static void
note_reachable (RdOdooTransport *self, gboolean reachable, const char *why)
{
  if (self->unreachable == !reachable)
    return;
  self->unreachable = !reachable;
  g_signal_emit (self, signals[SIGNAL_REACHABILITY], 0, reachable, reachable ? NULL : why);
}

static void
rd_odoo_transport_init (RdOdooTransport *self)
{
  self->next_id = 1;
}

RdOdooTransport *
rd_odoo_transport_new (const char *base_url, const char *database, guint timeout_seconds,
                       const char *cert_sha256, gboolean allow_insecure, GError **error)
{
  g_autoptr(RdOdooTransport) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *user_agent = NULL;
  gboolean pinned = cert_sha256 != NULL && *cert_sha256 != '\0';

  if (base_url == NULL || *base_url == '\0')
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The Odoo URL is not set");
      return NULL;
    }
  if (!rd_tls_pin_check_url (base_url, pinned, allow_insecure, "Odoo", error))
    return NULL;
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (g_uri_get_query (uri) != NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "The Odoo URL must not carry credentials or a query");
      return NULL;
    }
  if (database == NULL || *database == '\0')
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The Odoo database name is not set");
      return NULL;
    }

  self = g_object_new (RD_TYPE_ODOO_TRANSPORT, NULL);
  if (pinned)
    {
      self->pin = rd_tls_pin_new (cert_sha256, error);
      if (self->pin == NULL)
        return NULL;
    }
  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->base = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  self->database = g_strdup (database);
  user_agent = g_strdup_printf ("Ringdesk/%s", PACKAGE_VERSION);
  /* libsoup's default of 2 connections per host would queue the phone index's pages in flight
   * (up to 4) and a caller lookup behind them. */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "timeout", timeout_seconds ? timeout_seconds : DEFAULT_TIMEOUT,
                                                 "idle-timeout", 60,
                                                 "max-conns-per-host", 8,
                                                 "max-conns", 16,
                                                 NULL);
  /* With a pin, the handshake itself refuses any other certificate, CA-signed or not, before
   * a request (and the API key in it) is written. */
  if (self->pin != NULL)
    g_object_set (self->session, "tls-database", self->pin, NULL);
  /* A CRM on this computer is reached directly: no proxy lookup (rd-loopback.h). */
  if (rd_loopback_url (self->base_url))
    g_object_set (self->session, "proxy-resolver", NULL, NULL);
  if (rd_tls_pin_url_is_insecure (self->base_url))
    g_warning ("The Odoo address is plain http:// to another computer (allowed by the administrator): "
               "the API key and call data travel unencrypted");
  return g_steal_pointer (&self);
}

const char *
rd_odoo_transport_get_base_url (RdOdooTransport *self)
{
  return self->base_url;
}

const char *
rd_odoo_transport_get_database (RdOdooTransport *self)
{
  return self->database;
}

void
rd_odoo_transport_set_credentials (RdOdooTransport *self, gint64 uid, const char *key)
{
  self->uid = uid;
  if (key != self->key)
    {
      if (self->key != NULL)
        memset (self->key, 0, strlen (self->key));
      g_free (self->key);
      self->key = g_strdup (key);
    }
}

void
rd_odoo_transport_set_json2 (RdOdooTransport *self, gboolean json2)
{
  self->json2 = json2;
}

void
rd_odoo_transport_set_timezone (RdOdooTransport *self, const char *tz)
{
  g_free (self->tz);
  self->tz = g_strdup (tz);
}

/* ---- TLS ----------------------------------------------------------------- */

/* Reached only when the certificate was refused (by the pin, or by the CAs without one): never
 * overrule that; keep what was seen for the error message. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  g_object_set_data_full (G_OBJECT (msg), "rd-seen-fingerprint", rd_tls_pin_certificate_digest (cert), g_free);
  return FALSE;
}

static GError *
tls_error (RdOdooTransport *self, SoupMessage *msg)
{
  const char *seen = g_object_get_data (G_OBJECT (msg), "rd-seen-fingerprint");
  g_autofree char *shown = seen != NULL ? rd_tls_pin_display (seen) : g_strdup ("unknown");

  if (self->pin != NULL)
    {
      g_autofree char *pinned = rd_tls_pin_display (rd_tls_pin_get_digest (self->pin));

      return g_error_new (RD_ERROR, RD_ERROR_TLS, "Odoo's TLS certificate (SHA-256 %s) does not match the "
                          "pinned fingerprint %s", shown, pinned);
    }
  return g_error_new (RD_ERROR, RD_ERROR_TLS, "Odoo's TLS certificate is not trusted (SHA-256 %s); if this is "
                      "your server, pin this fingerprint", shown);
}

/* ---- requests ----------------------------------------------------------- */

static JsonObject *
make_context (RdOdooTransport *self)
{
  JsonObject *ctx = json_object_new ();

  json_object_set_string_member (ctx, "lang", "en_US");
  json_object_set_string_member (ctx, "tz", self->tz != NULL ? self->tz : "UTC");
  return ctx;
}

static void
note_server_time (RdOdooTransport *self, SoupMessage *msg)
{
  const char *date = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Date");
  g_autoptr(GDateTime) t = date != NULL ? soup_date_time_new_from_http_string (date) : NULL;

  if (t == NULL)
    return;
  self->server_time = g_date_time_to_unix (t);
  self->server_time_at = g_get_monotonic_time ();
}

gint64
rd_odoo_transport_server_now (RdOdooTransport *self)
{
  if (self->server_time == 0)
    return g_get_real_time () / G_USEC_PER_SEC;
  return self->server_time + (g_get_monotonic_time () - self->server_time_at) / G_USEC_PER_SEC;
}

JsonNode *
rd_odoo_raw_parse (const RdOdooRaw *raw, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (raw->body, &len);

  if (raw->json2)
    return rd_odoo_reply_parse_json2 (data, len, raw->status, error);
  return rd_odoo_reply_parse_jsonrpc (data, len, raw->status, error);
}

void
rd_odoo_raw_free (RdOdooRaw *raw)
{
  if (raw == NULL)
    return;
  g_bytes_unref (raw->body);
  g_free (raw);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdOdooTransport *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  JsonNode *node;
  gsize len = 0;
  const char *data;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      g_autoptr(GError) classified = rd_odoo_error_from_transport (error);

      g_debug ("Odoo request failed: %s", error->message);
      if (error->domain == G_TLS_ERROR || g_object_get_data (G_OBJECT (req->msg), "rd-seen-fingerprint") != NULL)
        {
          g_autoptr(GError) tls = tls_error (self, req->msg);

          note_reachable (self, FALSE, tls->message);
          g_task_return_error (task, g_steal_pointer (&tls));
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        note_reachable (self, FALSE, classified->message);
      g_task_return_error (task, g_steal_pointer (&classified));
      return;
    }
  status = soup_message_get_status (req->msg);
  note_server_time (self, req->msg);
  if (req->raw)
    {
      RdOdooRaw *raw = g_new0 (RdOdooRaw, 1);

      raw->body = g_steal_pointer (&bytes);
      raw->status = status;
      raw->json2 = req->json2;
      g_task_return_pointer (task, raw, (GDestroyNotify) rd_odoo_raw_free);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (status == SOUP_STATUS_BAD_GATEWAY || status == SOUP_STATUS_SERVICE_UNAVAILABLE ||
      status == SOUP_STATUS_GATEWAY_TIMEOUT)
    {
      g_autofree char *why = g_strdup_printf ("Odoo's address answers HTTP %u (%s): Odoo itself is not reachable",
                                              status, soup_status_get_phrase (status));

      note_reachable (self, FALSE, why);
    }
  else
    note_reachable (self, TRUE, NULL);
  if (req->json2)
    node = rd_odoo_reply_parse_json2 (data, len, status, &error);
  else
    node = rd_odoo_reply_parse_jsonrpc (data, len, status, &error);
  if (node == NULL)
    {
      g_debug ("Odoo replied with an error: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
send_request (RdOdooTransport *self, const char *method, const char *path, JsonNode *body,
              const char *bearer, gboolean json2, gboolean raw, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GUri) uri = NULL;
  Request *req = g_new0 (Request, 1);
  SoupMessageHeaders *headers;

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);
  req->json2 = json2;
  req->raw = raw;

  uri = g_uri_parse_relative (self->base, path, G_URI_FLAGS_ENCODED_PATH, NULL);
  if (uri == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "Invalid Odoo request path");
      return;
    }
  req->msg = soup_message_new_from_uri (method, uri);
  headers = soup_message_get_request_headers (req->msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (json2)
    soup_message_headers_replace (headers, "X-Odoo-Database", self->database);
  if (bearer != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("bearer %s", bearer);
      soup_message_headers_replace (headers, "Authorization", auth);
      memset (auth, 0, strlen (auth));
    }
  if (body != NULL)
    {
      g_autofree char *text = rd_odoo_json_to_string (body);
      gsize text_len = strlen (text);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), text_len);

      soup_message_set_request_body_from_bytes (req->msg, "application/json; charset=utf-8", bytes);
    }
  g_signal_connect (req->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  g_debug ("Odoo %s %s", method, path);   /* paths never carry secrets */
  soup_session_send_and_read_async (self->session, req->msg, G_PRIORITY_DEFAULT, cancellable,
                                    on_sent, g_steal_pointer (&task));
}

void
rd_odoo_transport_get_async (RdOdooTransport *self, const char *path, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  send_request (self, SOUP_METHOD_GET, path, NULL, NULL, TRUE, FALSE, cancellable, callback, user_data,
                rd_odoo_transport_get_async);
}

static JsonNode *
jsonrpc_envelope (RdOdooTransport *self, const char *service, const char *method, JsonArray *args)
{
  JsonObject *params = json_object_new ();
  JsonObject *env = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (params, "service", service);
  json_object_set_string_member (params, "method", method);
  json_object_set_array_member (params, "args", args);
  json_object_set_string_member (env, "jsonrpc", "2.0");
  json_object_set_string_member (env, "method", "call");
  json_object_set_int_member (env, "id", self->next_id++);
  json_object_set_object_member (env, "params", params);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, env);
  return node;
}

void
rd_odoo_transport_rpc_async (RdOdooTransport *self, const char *service, const char *method,
                             JsonArray *args, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(JsonNode) body = jsonrpc_envelope (self, service, method,
                                               args != NULL ? args : json_array_new ());

  send_request (self, SOUP_METHOD_POST, "/jsonrpc", body, NULL, FALSE, FALSE, cancellable, callback,
                user_data, rd_odoo_transport_rpc_async);
}

static gboolean
is_search_method (const char *method)
{
  return g_str_equal (method, "search") || g_str_equal (method, "search_read") ||
         g_str_equal (method, "search_count");
}

static void
execute (RdOdooTransport *self, gint64 uid, const char *key, const char *model, const char *method,
         JsonArray *ids, JsonObject *params, gboolean raw, GCancellable *cancellable,
         GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  g_autoptr(JsonArray) owned_ids = ids;
  g_autoptr(JsonObject) kwargs = params != NULL ? params : json_object_new ();
  g_autoptr(JsonNode) body = NULL;

  {
    /* the caller's context keys (e.g. mail_activity_quick_update) on top of lang and tz */
    JsonObject *ctx = make_context (self);
    JsonNode *given = json_object_get_member (kwargs, "context");

    if (given != NULL && JSON_NODE_HOLDS_OBJECT (given))
      {
        JsonObject *extra = json_node_get_object (given);
        g_autoptr(GList) names = json_object_get_members (extra);

        for (GList *l = names; l != NULL; l = l->next)
          json_object_set_member (ctx, l->data, json_node_copy (json_object_get_member (extra, l->data)));
      }
    json_object_set_object_member (kwargs, "context", ctx);
  }

  if (self->json2)
    {
      g_autofree char *path = NULL;
      g_autofree char *model_e = g_uri_escape_string (model, NULL, FALSE);
      g_autofree char *method_e = g_uri_escape_string (method, NULL, FALSE);

      if (owned_ids != NULL)
        json_object_set_array_member (kwargs, "ids", g_steal_pointer (&owned_ids));
      path = g_strdup_printf ("/json/2/%s/%s", model_e, method_e);
      body = json_node_init_object (json_node_alloc (), kwargs);
      send_request (self, SOUP_METHOD_POST, path, body, key != NULL ? key : "", TRUE, raw, cancellable,
                    callback, user_data, tag);
      return;
    }
  else
    {
      JsonArray *args = json_array_new ();
      JsonArray *call_args = json_array_new ();

      if (owned_ids != NULL)
        json_array_add_array_element (call_args, g_steal_pointer (&owned_ids));
      else if (is_search_method (method) && json_object_has_member (kwargs, "domain"))
        {
          json_array_add_element (call_args, json_object_dup_member (kwargs, "domain"));
          json_object_remove_member (kwargs, "domain");
        }
      else if (g_str_equal (method, "create") && json_object_has_member (kwargs, "vals_list"))
        {
          json_array_add_element (call_args, json_object_dup_member (kwargs, "vals_list"));
          json_object_remove_member (kwargs, "vals_list");
        }
      else if (g_str_equal (method, "default_get") && json_object_has_member (kwargs, "fields"))
        {
          /* fields_list up to 17, fields later: positional is right in every version */
          json_array_add_element (call_args, json_object_dup_member (kwargs, "fields"));
          json_object_remove_member (kwargs, "fields");
        }
      json_array_add_string_element (args, self->database);
      json_array_add_int_element (args, uid);
      json_array_add_string_element (args, key != NULL ? key : "");
      json_array_add_string_element (args, model);
      json_array_add_string_element (args, method);
      json_array_add_array_element (args, call_args);
      json_array_add_object_element (args, g_steal_pointer (&kwargs));
      body = jsonrpc_envelope (self, "object", "execute_kw", args);
      g_debug ("Odoo execute_kw %s.%s", model, method);
      send_request (self, SOUP_METHOD_POST, "/jsonrpc", body, NULL, FALSE, raw, cancellable, callback,
                    user_data, tag);
    }
}

void
rd_odoo_transport_execute_as_async (RdOdooTransport *self, gint64 uid, const char *key,
                                    const char *model, const char *method,
                                    JsonArray *ids, JsonObject *params,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  execute (self, uid, key, model, method, ids, params, FALSE, cancellable, callback, user_data,
           rd_odoo_transport_execute_as_async);
}

void
rd_odoo_transport_execute_raw_async (RdOdooTransport *self, const char *model, const char *method,
                                     JsonArray *ids, JsonObject *params, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  execute (self, self->uid, self->key, model, method, ids, params, TRUE, cancellable, callback, user_data,
           rd_odoo_transport_execute_raw_async);
}

RdOdooRaw *
rd_odoo_transport_finish_raw (RdOdooTransport *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
rd_odoo_transport_execute_async (RdOdooTransport *self, const char *model, const char *method,
                                 JsonArray *ids, JsonObject *params, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  rd_odoo_transport_execute_as_async (self, self->uid, self->key, model, method, ids, params,
                                      cancellable, callback, user_data);
}

JsonNode *
rd_odoo_transport_finish (RdOdooTransport *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
