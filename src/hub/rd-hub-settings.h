/* rd-hub-settings.h — the integration's settings as the hub caches them from the store's
 * settings table (rd_hub_load_settings()); read by the hub's parts, written only by the hub.
 * Also two readings of the CRM's facts that the hub and its administration both give. */
#pragma once

#include "crm/rd-crm.h"
#include "hub/rd-hub.h"

G_BEGIN_DECLS

/* The integration's settings, cached from the store's settings table. */
typedef struct {
  gboolean    enabled;             /* crm.enabled */
  gint64      epoch;               /* crm.epoch: bumped by disconnect; older outbox items are dropped */
  gboolean    sync_enabled;
  RdCrmKind   sync_kinds;
  gint64      sync_phonebook_id;
  char       *sync_phonebook_name;
  gboolean    autocreate_enabled;
  RdHubCalls  autocreate_calls;
  RdCrmKind   autocreate_kind;     /* INDIVIDUAL or LEAD */
  char       *autocreate_prefix;
  char       *region;              /* override of the CRM company's country, or NULL */
} RdHubSettings;

void        rd_hub_settings_clear      (RdHubSettings *settings);

/* Why there is no region for numbers and how to set one, or NULL when @region is set (or no
 * CRM is connected yet): @region is the override, else the CRM company's country. */
const char *rd_hub_settings_region_note (const char *region, RdCrm *crm);
/* {version, major, enterprise, leads, mobile, phone_search, country, timezone} */
JsonObject *rd_hub_crm_info_to_json    (const RdCrmInfo *info);

G_END_DECLS
