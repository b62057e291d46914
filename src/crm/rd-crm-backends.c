/* rd-crm-backends.c — the built-in CRM backends: the one place that names them. A new backend
 * adds its RdCrmBackend here (and its sources to meson.build); nothing else changes. */
#include "config.h"

#include "crm/rd-crm-backends.h"

#include "crm/odoo/rd-odoo-crm.h"

const RdCrmBackend * const rd_crm_builtin_backends[] = {
  &rd_odoo_crm_backend,   /* the default */
  NULL,
};
