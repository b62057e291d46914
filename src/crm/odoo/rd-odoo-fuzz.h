/* rd-odoo-fuzz.h — one entry point for the fuzz target (tests/fuzz/crm).
 *
 * Feeds @data as a JSON-RPC and as a JSON-2 reply body (several HTTP statuses)
 * through reply parsing, error classification, version parsing, fields_get
 * parsing and record parsing (partners, leads, users, changes). Never crashes;
 * every failure must be a GError in RD_ERROR.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void rd_odoo_fuzz_reply (const guint8 *data, gsize size);

G_END_DECLS
