/* fuzz-crm.c — every input is an Odoo reply body: JSON-RPC and JSON-2 parsing with
 * several HTTP statuses, error classification, version / fields_get parsing and
 * record parsing (partners, leads, users, changes). See rd-odoo-fuzz.h. */
#include "config.h"

#include "crm/odoo/rd-odoo-fuzz.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  rd_odoo_fuzz_reply (data, size);
  return 0;
}
