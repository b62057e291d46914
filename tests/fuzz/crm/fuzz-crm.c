/* fuzz-crm.c — every input is an Odoo reply body: JSON-RPC and JSON-2 parsing with
 * several HTTP statuses, error classification, version / fields_get parsing and
 * record parsing (partners, leads, users, changes). Any error must be a classified
 * RD_ERROR with a valid UTF-8 message; nothing may crash, leak or abort. */
#include "config.h"

#include <stdint.h>

#include "crm/odoo/rd-odoo-errors.h"
#include "crm/odoo/rd-odoo-features.h"
#include "crm/odoo/rd-odoo-records.h"
#include "core/rd-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_error (GError *error)
{
  /* Anything else than a classified RD_ERROR with a message is a bug. */
  if (error != NULL && (error->domain != RD_ERROR || error->message == NULL || *error->message == '\0' ||
                        !g_utf8_validate (error->message, -1, NULL)))
    g_error ("unclassified error: %s", error->message);
}

static void
drive_records (JsonNode *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = rd_odoo_records_from_reply (result, &error);
  g_autoptr(GHashTable) countries = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(RdOdooFeatures) features = NULL;
  RdOdooPhoneFields fields;

  check_error (error);
  g_clear_error (&error);
  features = rd_odoo_features_new_from_version (result, &error);
  check_error (error);
  g_clear_error (&error);
  rd_odoo_features_parse_phone_fields (result, &fields, &error);
  check_error (error);
  g_clear_error (&error);
  if (rows == NULL)
    return;
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *row = rows->pdata[i];
      RdCrmMatch *m;
      RdCrmUser *u;
      RdCrmChange *c;

      m = rd_odoo_match_from_partner (row, "https://odoo.example.com", i % 2 == 0, &error);
      check_error (error);
      g_clear_error (&error);
      rd_crm_match_free (m);
      m = rd_odoo_match_from_lead (row, "https://odoo.example.com", i % 2 == 1, &error);
      check_error (error);
      g_clear_error (&error);
      rd_crm_match_free (m);
      u = rd_odoo_user_from_record (row, i % 2 ? "group_ids" : "groups_id", 10, 11, &error);
      check_error (error);
      g_clear_error (&error);
      rd_crm_user_free (u);
      c = rd_odoo_change_from_record (row, i % 2 ? RD_CRM_KIND_LEAD : RD_CRM_KIND_INDIVIDUAL, countries, &error);
      check_error (error);
      g_clear_error (&error);
      rd_crm_change_free (c);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint statuses[] = { 200, 401, 403, 404, 422, 500 };
  const char *body = (const char *) data;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) result = rd_odoo_reply_parse_jsonrpc (body, size, statuses[i], &error);

      check_error (error);
      if (result != NULL)
        drive_records (result);
      g_clear_error (&error);
      g_clear_pointer (&result, json_node_unref);
      result = rd_odoo_reply_parse_json2 (body, size, statuses[i], &error);
      check_error (error);
      if (result != NULL)
        drive_records (result);
    }
  return 0;
}
