/* odoo-reply-check.h — what the crm fuzz target (tests/fuzz/crm) and the parse tests run on
 * any Odoo reply body (test code: not in the production library).
 *
 * Feeds @data as a JSON-RPC and as a JSON-2 reply body (several HTTP statuses)
 * through reply parsing, error classification, version parsing, fields_get
 * parsing and record parsing (partners, leads, users, changes), and compares the
 * fast page reader with the general path. Never crashes; every failure must be a
 * GError in RD_ERROR.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void odoo_check_reply (const guint8 *data, gsize size);
/* The fast page reader (rd-odoo-rows.h) against the general path on @body as a JSON-RPC (or
 * JSON-2) reply: where the fast one accepts, the general one must give the same changes (aborts
 * otherwise). Returns whether the fast one accepted. */
gboolean odoo_check_rows (const char *body, gsize size, gboolean json2);

G_END_DECLS
