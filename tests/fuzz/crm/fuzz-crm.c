/* fuzz-crm.c — every input is an Odoo reply body: JSON-RPC and JSON-2 parsing with several
 * HTTP statuses, error classification, version / fields_get parsing, record parsing (partners,
 * leads, users, changes) and the fast page reader against the general path. Any error must be
 * a classified RD_ERROR with a valid UTF-8 message; nothing may crash, leak or abort. See
 * tests/crm/odoo-reply-check.h. */
#include "config.h"

#include "../../crm/odoo-reply-check.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  odoo_check_reply (data, size);
  return 0;
}
