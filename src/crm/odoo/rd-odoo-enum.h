/* rd-odoo-enum.h — partners and leads for the hub's phone index (rd-crm.h:
 * get_id_bounds, list_records, list_ids).
 *
 * Every query is an index range on the primary key, never a sort of the table:
 *   bounds   search_read [] ['id'] order 'id desc' limit 1 (archived included), then every
 *            res.country once
 *   records  ['|', ('id','>',N), '&', '&', ('id','>=',a), ('id','<',b), ('write_date','>',S)]
 *            (the parts that apply; order 'id'): PostgreSQL ORs two ranges of the
 *            primary key and filters write_date (which has no index) inside them
 *   ids      search [('id','>=',a), ('id','<',b)] order 'id' (ids only)
 * Records are read with the fields the index needs only; from 16 with `load=''`
 * (many2one as bare ids, so no display name is computed per record) and stored
 * names (complete_name, commercial_company_name). Replies are parsed on a worker
 * thread. Marks are "YYYY-MM-DD HH:MM:SS" (UTC, Odoo's write_date format): the
 * server's clock (its HTTP Date header) less RD_ODOO_MARK_MARGIN_S, since
 * write_date is the start of the writing transaction, not its commit.
 */
#pragma once

#include <gio/gio.h>

#include "crm/rd-crm.h"
#include "rd-odoo-features.h"
#include "rd-odoo-transport.h"

G_BEGIN_DECLS

#define RD_ODOO_MARK_MARGIN_S 60
#define RD_ODOO_ENUM_MAX_LIMIT 20000

/* Also reads every country into @country_codes (the connection's res.country id → code cache, main
 * thread only), so that the pages that follow need no res.country read of their own. */
void             rd_odoo_enum_bounds_async   (RdOdooTransport *transport, const RdOdooFeatures *features,
                                              GHashTable *country_codes, RdCrmKind kinds,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
RdCrmIdBounds   *rd_odoo_enum_bounds_finish  (GAsyncResult *result, GError **error);

/* @country_codes: the connection's res.country id → code cache (main thread only). */
void             rd_odoo_enum_records_async  (RdOdooTransport *transport, const RdOdooFeatures *features,
                                              GHashTable *country_codes, const RdCrmRecordQuery *query,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
RdCrmChangePage *rd_odoo_enum_records_finish (GAsyncResult *result, GError **error);

void             rd_odoo_enum_ids_async      (RdOdooTransport *transport, const RdOdooFeatures *features,
                                              RdCrmKind kinds, gint64 first_id, gint64 end_id,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
GArray          *rd_odoo_enum_ids_finish     (GAsyncResult *result, GError **error);

/* Is @mark a "YYYY-MM-DD HH:MM:SS" stamp? */
gboolean         rd_odoo_enum_mark_is_valid  (const char *mark);

G_END_DECLS
