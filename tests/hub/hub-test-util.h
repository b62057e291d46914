/* hub-test-util.h — shared set-up of the hub's end-to-end suites: the PBX and Odoo
 * simulators on loopback with the seed people of the manual, and small waits. */
#pragma once

#include "hub-wait.h"

#include "hub/rd-hub-private.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

G_BEGIN_DECLS

typedef struct {
  RdSimPbx  *pbx;
  RdSimOdoo *odoo;
  char      *tmp;          /* private temp directory */
  gint64     admin_id, alice_id, bob_id, carol_id, dave_id;
  gint64     li_lei, acme, no_name, lead;
} HubSims;

#define ALICE_KEY "alice-personal-key"
#define ADMIN_KEY "admin-api-key"

/* Numbers of the seed records. */
#define LI_LEI_NUMBER   "+86 138 0013 8000"     /* stored nationally: "138 0013 8000" */
#define ACME_NUMBER     "+86 10 8888 0000"
#define LEAD_NUMBER     "+86 139 1111 2222"
#define NO_NAME_NUMBER  "+86 137 0000 1111"

void      hub_sims_start   (HubSims *sims);
void      hub_sims_stop    (HubSims *sims);


/* A started hub connected to both simulators (index filled). @db may be NULL. */
RdHub    *hub_new_connected (HubSims *sims, const char *db);
/* The same with a CRM request timeout in seconds (0 = the default). */
RdHub    *hub_new_connected_full (HubSims *sims, const char *db, guint crm_timeout);
/* The same, returned as soon as both are connected: the phone index may still be filling. */
RdHub    *hub_new_connecting (HubSims *sims, const char *db, guint crm_timeout);
gboolean  hub_outbox_idle   (gpointer hub);   /* nothing pending or claimed */

/* Log messages ("Ringdesk call id: …") on one record. */
guint     hub_count_logs    (RdSimOdoo *odoo, const char *model, gint64 id);

G_END_DECLS
