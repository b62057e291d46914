#include "config.h"

#include "rd-odoo-fuzz.h"
#include "rd-odoo-errors.h"
#include "rd-odoo-features.h"
#include "rd-odoo-records.h"
#include "core/rd-error.h"

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
  g_autoptr(RdOdooFeatures) features = NULL;
  RdOdooPhoneFields fields;
  RdOdooIndexFields index_fields;

  check_error (error);
  g_clear_error (&error);
  features = rd_odoo_features_new_from_version (result, &error);
  check_error (error);
  g_clear_error (&error);
  rd_odoo_features_parse_phone_fields (result, &fields, &index_fields, &error);
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
      gint64 country_id;

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
      c = rd_odoo_change_from_row (row, i % 2 ? RD_CRM_KIND_LEAD : RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY,
                                   &country_id, &error);
      check_error (error);
      g_clear_error (&error);
      rd_crm_change_free (c);
    }
}

void
rd_odoo_fuzz_reply (const guint8 *data, gsize size)
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
}
