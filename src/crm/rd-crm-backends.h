/* rd-crm-backends.h — the built-in CRM backends (private to src/crm). */
#pragma once

#include "crm/rd-crm.h"

G_BEGIN_DECLS

/* NULL-terminated; the first one is the default. */
extern const RdCrmBackend * const rd_crm_builtin_backends[];

G_END_DECLS
