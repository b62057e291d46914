/* rd-odoo-transport.h — one Odoo server over HTTP(S): JSON-RPC and JSON-2.
 *
 * JSON-RPC: `POST /jsonrpc` with `common.version`, `common.authenticate` and
 * `object.execute_kw(db, uid, key, model, method, args, kwargs)` (14 → 19).
 * JSON-2 (19+): `POST /json/2/<model>/<method>` with `Authorization: bearer`,
 * `X-Odoo-Database` and named arguments.
 *
 * rd_odoo_transport_execute_async() takes the call in one shape for both: the
 * record ids (NULL for @api.model methods) and the named parameters. On
 * JSON-RPC, `domain` (search*) and `vals_list` (create) go positional because
 * their keyword names changed across versions (search_count(args) ≤16).
 *
 * Every request carries the User-Agent and a context with `lang` and `tz`. TLS
 * is always verified; a pinned SHA-256 certificate fingerprint trusts a
 * self-signed server and must then match. The API key is never logged.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_TYPE_ODOO_TRANSPORT (rd_odoo_transport_get_type ())
G_DECLARE_FINAL_TYPE (RdOdooTransport, rd_odoo_transport, RD, ODOO_TRANSPORT, GObject)

RdOdooTransport *rd_odoo_transport_new             (const char *base_url,
                                                    const char *database,
                                                    guint       timeout_seconds,
                                                    const char *cert_sha256,
                                                    gboolean    allow_insecure,
                                                    GError    **error);
const char      *rd_odoo_transport_get_base_url    (RdOdooTransport *self);
const char      *rd_odoo_transport_get_database    (RdOdooTransport *self);
void             rd_odoo_transport_set_credentials (RdOdooTransport *self, gint64 uid, const char *key);
void             rd_odoo_transport_set_json2       (RdOdooTransport *self, gboolean json2);
void             rd_odoo_transport_set_timezone    (RdOdooTransport *self, const char *tz);

/* GET @path (e.g. "/web/version"), JSON body. */
void             rd_odoo_transport_get_async       (RdOdooTransport *self, const char *path,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
/* JSON-RPC service call (`common`, `db`); @args is consumed. */
void             rd_odoo_transport_rpc_async       (RdOdooTransport *self, const char *service,
                                                    const char *method, JsonArray *args,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
/* A model method with the transport's credentials; @ids and @params are consumed. */
void             rd_odoo_transport_execute_async   (RdOdooTransport *self, const char *model,
                                                    const char *method, JsonArray *ids,
                                                    JsonObject *params,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
/* Same with someone else's credentials (agent sign-in). @uid is ignored on JSON-2. */
void             rd_odoo_transport_execute_as_async (RdOdooTransport *self, gint64 uid, const char *key,
                                                    const char *model, const char *method,
                                                    JsonArray *ids, JsonObject *params,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
/* All four finish with the result node (transfer full) or a classified error. */
JsonNode        *rd_odoo_transport_finish          (RdOdooTransport *self, GAsyncResult *result,
                                                    GError **error);

/* rd_odoo_transport_execute_async() whose reply is handed over unparsed, for big
 * replies parsed on a worker thread: finish with rd_odoo_transport_finish_raw()
 * (transport errors only), then rd_odoo_raw_parse() anywhere. */
typedef struct {
  GBytes  *body;
  guint    status;
  gboolean json2;
} RdOdooRaw;

void             rd_odoo_transport_execute_raw_async (RdOdooTransport *self, const char *model,
                                                      const char *method, JsonArray *ids,
                                                      JsonObject *params, GCancellable *cancellable,
                                                      GAsyncReadyCallback callback, gpointer user_data);
RdOdooRaw       *rd_odoo_transport_finish_raw      (RdOdooTransport *self, GAsyncResult *result,
                                                    GError **error);
/* The result node or a classified error, as rd_odoo_transport_finish() gives; thread-safe. */
JsonNode        *rd_odoo_raw_parse                 (const RdOdooRaw *raw, GError **error);
void             rd_odoo_raw_free                  (RdOdooRaw *raw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdOdooRaw, rd_odoo_raw_free)

/* The server's clock now (unix seconds), from the HTTP Date header of its latest
 * reply plus the time elapsed here since; this computer's clock before any reply. */
gint64           rd_odoo_transport_server_now      (RdOdooTransport *self);

G_END_DECLS
