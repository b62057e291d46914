/* rd-odoo-crm.h — the Odoo backend of RdCrm (14 → 19, JSON-RPC / JSON-2).
 *
 * Built by rd_crm_new() (kind "odoo"); nothing outside src/crm names this type.
 *
 * list_changes and deletions: Odoo keeps no tombstones for unlinked records.
 * Archived records come back with active = FALSE (the query asks for
 * `active in [True, False]`); a deleted record simply stops appearing, so the
 * caller notices deletions by re-listing from the beginning (since = NULL)
 * now and then and dropping ids it did not see.
 */
#pragma once

#include "crm/rd-crm.h"

G_BEGIN_DECLS

#define RD_TYPE_ODOO_CRM (rd_odoo_crm_get_type ())
G_DECLARE_FINAL_TYPE (RdOdooCrm, rd_odoo_crm, RD, ODOO_CRM, GObject)

/* kind "odoo"; options: database (required) */
extern const RdCrmBackend rd_odoo_crm_backend;

RdOdooCrm *rd_odoo_crm_new (const RdCrmConfig *config, GError **error);

G_END_DECLS
