/* rd-odoo-records.h — Odoo records (search_read rows) ↔ the CRM structs.
 *
 * Pure functions: no I/O, so the fuzz target can drive them. A row with a
 * missing or non-integer `id`, or a member of the wrong type, is a
 * RD_ERROR_PROTOCOL error; Odoo's `false` for empty values is accepted anywhere.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "crm/rd-crm.h"
#include "rd-odoo-features.h"

G_BEGIN_DECLS

#define RD_ODOO_PARTNER "res.partner"
#define RD_ODOO_LEAD    "crm.lead"

const char  *rd_odoo_model_for_kind    (RdCrmKind kind);   /* NULL for NONE / mixed */

/* search_read reply → array of JsonObject (refs), each with an integer id > 0. */
GPtrArray   *rd_odoo_records_from_reply (JsonNode *reply, GError **error);

/* Field lists for reads, depending on the detected fields (NULL-terminated, free with g_strfreev). */
char       **rd_odoo_partner_fields    (const RdOdooFeatures *features);
char       **rd_odoo_lead_fields       (const RdOdooFeatures *features);

/* The stored numbers of a row (`phone`, `mobile`), non-empty ones only. */
char       **rd_odoo_record_numbers    (JsonObject *record, GError **error);

RdCrmMatch  *rd_odoo_match_from_partner (JsonObject *record, const char *base_url, gboolean url_paths,
                                         GError **error);
RdCrmMatch  *rd_odoo_match_from_lead    (JsonObject *record, const char *base_url, gboolean url_paths,
                                         GError **error);
/* Does the user record list @group (an id) in its @groups_field? */
gboolean     rd_odoo_user_in_group      (JsonObject *record, const char *groups_field, gint64 group);
/* @portal_group / @public_group: ids of base.group_portal / base.group_public (0 = unknown). */
RdCrmUser   *rd_odoo_user_from_record   (JsonObject *record, const char *groups_field,
                                         gint64 portal_group, gint64 public_group, GError **error);
/* The fields the phone index reads for @kinds (partners or leads): only what it
 * needs. *out_lean: stored fields only, to be read with `load=''` (many2one as
 * bare ids; Odoo 16+ with complete_name and commercial_company_name stored). */
char       **rd_odoo_index_fields       (const RdOdooFeatures *features, RdCrmKind kinds, gboolean *out_lean);
/* A row of those fields → a change (country code unset: *out_country_id is the
 * res.country id, 0 = none). A record of a kind outside @kinds is a protocol
 * error. Pure: callable from any thread. */
RdCrmChange *rd_odoo_change_from_row    (JsonObject *row, RdCrmKind kinds, gint64 *out_country_id,
                                         GError **error);

/* Browser URL of a record (spec §6): path style from saas~17.2, `/web#` before. */
char        *rd_odoo_record_url         (const char *base_url, gboolean url_paths, const char *model, gint64 id);
/* The version-independent `/mail/view` URL. */
char        *rd_odoo_mail_view_url      (const char *base_url, const char *model, gint64 id);

G_END_DECLS
