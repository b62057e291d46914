/* rd-odoo-json.h — small helpers for the JSON shapes Odoo sends and expects.
 *
 * Odoo writes `false` for every empty value (char, many2one, date …); the
 * getters here return NULL / 0 for `false`, `null` and absent members and never
 * warn on a value of the wrong type (they report it instead), so hostile replies
 * cannot trip json-glib's assertions.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Member as a string: NULL when absent, false or null; sets *wrong_type (if not
 * NULL) when the member holds something else. */
const char *rd_odoo_json_get_string   (JsonObject *obj, const char *member, gboolean *wrong_type);
/* Integer member (JSON integer only); @fallback when absent / false / other type. */
gint64      rd_odoo_json_get_int      (JsonObject *obj, const char *member, gint64 fallback);
gboolean    rd_odoo_json_get_bool     (JsonObject *obj, const char *member, gboolean fallback);
/* many2one: `[id, "display name"]`, a bare id, or false. */
gint64      rd_odoo_json_get_m2o_id   (JsonObject *obj, const char *member);
const char *rd_odoo_json_get_m2o_name (JsonObject *obj, const char *member);
/* An integer node (JSON integer), or @fallback. */
gint64      rd_odoo_json_node_int     (JsonNode *node, gint64 fallback);
/* Ids from `[1, 2]` or a bare `7` (what create/message_post return);
 * FALSE when the node is anything else. */
gboolean    rd_odoo_json_node_ids     (JsonNode *node, GArray *out_ids);

JsonNode   *rd_odoo_json_string_new   (const char *value);          /* NULL → false */
JsonNode   *rd_odoo_json_int_new      (gint64 value);
JsonNode   *rd_odoo_json_bool_new     (gboolean value);
JsonNode   *rd_odoo_json_strv_new     (const char * const *values);
JsonNode   *rd_odoo_json_ids_new      (const gint64 *ids, guint n_ids);

/* Domains: Polish-notation arrays of operators and `[field, op, value]` leaves. */
void        rd_odoo_domain_add_leaf   (JsonArray *domain, const char *field, const char *op, JsonNode *value);
void        rd_odoo_domain_add_op     (JsonArray *domain, const char *op);

/* Named parameters of search_read / search_count: @domain is consumed; @fields,
 * @order may be NULL, @limit 0 = none. */
JsonObject *rd_odoo_search_params     (JsonArray *domain, const char * const *fields, const char *order,
                                       guint limit);

char       *rd_odoo_json_to_string    (JsonNode *node);

G_END_DECLS
