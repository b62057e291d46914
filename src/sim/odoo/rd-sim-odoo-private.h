/* rd-sim-odoo-private.h — shared between the simulator's files (internal). */
#pragma once

#include <libsoup/soup.h>

#include "rd-sim-odoo.h"
#include "rd-sim-odoo-store.h"

G_BEGIN_DECLS

SimStore *rd_sim_odoo_get_store (RdSimOdoo *self);
/* GET pages: /web, /mail/view, /odoo/<model>/<id>. */
void      sim_pages_handle      (SimStore *store, SoupServerMessage *msg, const char *path, GHashTable *query);

G_END_DECLS
