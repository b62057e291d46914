/* rd-odoo-errors.h — Odoo replies → results or classified RD_ERROR errors.
 *
 * JSON-RPC (`/jsonrpc`, 14 → 19): HTTP 200 and an envelope with `result` or
 * `error.data.name` (the Python exception class). JSON-2 (`/json/2/…`, 19+):
 * the HTTP status carries the outcome and error bodies are
 * `{"name", "message", …}`. Classification (spec §1.2, §1.4):
 *
 *   …AccessDenied, 401                       → RD_ERROR_AUTH
 *   …AccessError, 403                        → RD_ERROR_ACCESS
 *   …MissingError, 404                       → RD_ERROR_NOT_FOUND
 *   …UserError/ValidationError/RedirectWarning, 422 with one of those → RD_ERROR_BUSINESS
 *   any other exception, HTTP 5xx            → RD_ERROR_SERVER
 *   429                                      → RD_ERROR_LIMIT
 *   malformed JSON / unexpected shapes, 422 without a known class → RD_ERROR_PROTOCOL
 *   transport: timeout → RD_ERROR_TIMEOUT, TLS → RD_ERROR_TLS, other I/O → RD_ERROR_NETWORK
 *
 * Messages are human-readable and carry the server's message (made valid UTF-8,
 * control characters removed, shortened), never the traceback.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-error.h"

G_BEGIN_DECLS

RdErrorCode rd_odoo_error_code_for_name (const char *exception_name);

/* From a JSON-RPC `error` object or a JSON-2 error body; @http_status 200 for JSON-RPC. */
GError     *rd_odoo_error_from_object   (JsonObject *error_object, guint http_status);
GError     *rd_odoo_error_from_status   (guint http_status, const char *reason);
/* From a libsoup / GIO failure. Cancellation stays G_IO_ERROR_CANCELLED. */
GError     *rd_odoo_error_from_transport (const GError *error);

/* The `result` of a JSON-RPC reply (never NULL on success: `null` results become a
 * JSON null node). */
JsonNode   *rd_odoo_reply_parse_jsonrpc (const char *body, gsize len, guint http_status, GError **error);
/* The body of a JSON-2 reply. */
JsonNode   *rd_odoo_reply_parse_json2   (const char *body, gsize len, guint http_status, GError **error);

/* Shortened, valid UTF-8, printable copy of server text for messages. */
char       *rd_odoo_error_clean_text    (const char *text);

G_END_DECLS
