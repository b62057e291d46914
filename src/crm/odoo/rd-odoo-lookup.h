/* rd-odoo-lookup.h — finding callers by phone number (spec §2.6, §8).
 *
 * Per model (res.partner, then crm.lead when installed):
 *   16+ with phone_mobile_search : [('phone_mobile_search','ilike', nsn)]
 *   14–15 with it                : ['|', ('phone_sanitized','=', e164), ('phone_mobile_search','ilike', nsn)]
 *   without it                   : ['|', ('phone','=ilike','%d%d…'), ('mobile','=ilike', same)] (tail, no mobile on 19)
 * The server search only narrows down: every returned number is re-parsed with
 * the record's country (else the company's) and compared to the caller —
 * exact E.164 first, then a national-number tail match; anything else is
 * dropped. Child contacts of a matching company are returned after it.
 * Archived records are never returned (Odoo's default active filter).
 *
 * Ranking (deterministic): exact before tail before "contact of a matching
 * company"; individual before company before lead; newest write_date first;
 * then higher id first.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "core/rd-phone.h"
#include "crm/rd-crm.h"
#include "rd-odoo-features.h"
#include "rd-odoo-transport.h"

G_BEGIN_DECLS

typedef enum {
  RD_ODOO_MATCH_EXACT,          /* same E.164 */
  RD_ODOO_MATCH_TAIL,           /* same national number tail */
  RD_ODOO_MATCH_VIA_COMPANY,    /* a contact of a company that matched */
  RD_ODOO_MATCH_NONE,
} RdOdooMatchQuality;

/* The server-side domain for @number, or NULL when the number cannot be searched
 * (withheld, internal, fewer than 3 digits). */
JsonArray          *rd_odoo_lookup_domain  (const RdOdooPhoneFields *fields, guint major,
                                            const RdPhoneNumber *number);
/* Best quality among @numbers (as stored), parsed with @region (may be NULL). */
RdOdooMatchQuality  rd_odoo_lookup_quality (const RdPhoneNumber *number, char **numbers, const char *region);
/* Sorts RdCrmMatch* by the ranking above; @qualities maps each match pointer to its quality. */
void                rd_odoo_lookup_sort    (GPtrArray *matches, GHashTable *qualities);

/* @country_codes: the connection's cache of res.country id (gint64*) → code (char*), filled here. */
void                rd_odoo_lookup_async   (RdOdooTransport *transport, const RdOdooFeatures *features,
                                            GHashTable *country_codes, const RdPhoneNumber *number,
                                            RdCrmKind kinds, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray          *rd_odoo_lookup_finish  (GAsyncResult *result, GError **error);

/* Resolves the country codes of @rows' country_id into @country_codes (one
 * res.country read for the unknown ones). Shared with list_changes. */
void                rd_odoo_countries_async  (RdOdooTransport *transport, GHashTable *country_codes,
                                              GPtrArray *rows, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
/* The same for country ids (0 = none, skipped). */
void                rd_odoo_country_ids_async (RdOdooTransport *transport, GHashTable *country_codes,
                                               GArray *ids, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean            rd_odoo_countries_finish (GAsyncResult *result, GError **error);

G_END_DECLS
