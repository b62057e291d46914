/* rd-odoo-features.h — what this Odoo server is and has.
 *
 * The version (common.version or, on 19+, GET /web/version) gates what only the
 * version can tell: the JSON-2 transport (≥19), path URLs (≥saas~17.2),
 * `message_post(body_is_html=)` (≥17) and `has_access` (≥18). Everything the
 * server can tell us is detected instead (spec §3.4): the phone fields with
 * `fields_get` on res.partner and crm.lead, CRM with `ir.model`, the users'
 * groups field with `fields_get` on res.users, the company's country.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm/rd-crm.h"
#include "rd-odoo-transport.h"

G_BEGIN_DECLS

typedef struct {
  gboolean mobile;            /* `mobile` field stored (≤18, not saas-18.2+) */
  gboolean phone_search;      /* `phone_mobile_search` searchable */
  gboolean phone_sanitized;   /* `phone_sanitized` stored */
} RdOdooPhoneFields;

/* Stored partner fields that spare the phone index computed names (16+). */
typedef struct {
  gboolean complete_name;            /* "Company, Person", as display_name */
  gboolean commercial_company_name;  /* the company a contact belongs to */
} RdOdooIndexFields;

typedef struct {
  RdCrmInfo        *info;
  gboolean          saas;
  gboolean          json2;
  gboolean          url_paths;     /* /odoo/<model>/<id> */
  gboolean          body_is_html;
  gboolean          has_access;    /* has_access(op) instead of check_access_rights */
  char             *groups_field;  /* "groups_id" or "group_ids" */
  RdOdooPhoneFields partner;
  RdOdooPhoneFields lead;
  RdOdooIndexFields partner_index;
  gint64            company_id;
  gboolean          can_create_partners;
  gboolean          can_create_leads;
} RdOdooFeatures;

void            rd_odoo_features_free (RdOdooFeatures *features);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdOdooFeatures, rd_odoo_features_free)

/* Parses a common.version / /web/version reply and sets the version-gated flags. */
RdOdooFeatures *rd_odoo_features_new_from_version (JsonNode *reply, GError **error);
/* Reads a fields_get reply for the phone fields (and, if @index is not NULL, the index fields). */
gboolean        rd_odoo_features_parse_phone_fields (JsonNode *reply, RdOdooPhoneFields *out,
                                                     RdOdooIndexFields *index, GError **error);

/* The whole connect sequence: version, authentication (sets the transport's
 * uid, key and transport kind), fields, CRM, company country, admin tz, rights. */
void            rd_odoo_features_detect_async  (RdOdooTransport *transport, const char *login,
                                                const char *key, GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
RdOdooFeatures *rd_odoo_features_detect_finish (GAsyncResult *result, GError **error);

G_END_DECLS
