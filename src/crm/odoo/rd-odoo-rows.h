/* rd-odoo-rows.h — pages of partners for the phone index, read straight from the reply text.
 *
 * A page of 5,000 contacts is about a megabyte of JSON, which json-glib turns into a tree of
 * some 100,000 nodes and hash tables: most of the cost of reading a page. This reader walks the
 * text once and fills RdCrmChange directly, for the one shape it knows: a JSON-RPC reply
 * (`{"jsonrpc": "2.0", "id": …, "result": […]}`) or a JSON-2 body (`[…]`) that is a list of
 * flat objects of the lean partner fields (rd_odoo_index_fields: complete_name, is_company,
 * commercial_company_name, phone, mobile, country_id, write_date, active, id).
 *
 * Whatever else it meets — an error envelope, an HTTP status other than 200, a value of a type
 * it does not expect, a duplicate member, a \u escape of a surrogate or of NUL, JSON deeper
 * than the general parser allows, anything not JSON — makes it step aside and return NULL; the
 * caller then takes the general path (rd_odoo_raw_parse + rd_odoo_change_from_row), which reads
 * everything and classifies errors. It never accepts what that path rejects and gives the same
 * changes (the crm fuzz target compares the two on every input). Pure: any thread.
 */
#pragma once

#include <glib.h>

#include "crm/rd-crm.h"

G_BEGIN_DECLS

/* Changes (RdCrmChange, country codes unset) of @kinds, with each one's res.country id appended
 * to @country_ids; NULL: not a reply this reader handles (nothing appended). */
GPtrArray *rd_odoo_rows_read (const char *data, gsize len, guint http_status, gboolean json2,
                              RdCrmKind kinds, GArray *country_ids);

G_END_DECLS
