#include "config.h"

#include "odoo-reply-check.h"

#include "core/rd-error.h"
#include "crm/odoo/rd-odoo-errors.h"
#include "crm/odoo/rd-odoo-features.h"
#include "crm/odoo/rd-odoo-records.h"
#include "crm/odoo/rd-odoo-rows.h"

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

static void
same_change (const RdCrmChange *a, const RdCrmChange *b)
{
  if (a->kind != b->kind || a->id != b->id || a->active != b->active || g_strcmp0 (a->name, b->name) != 0 ||
      g_strcmp0 (a->company, b->company) != 0 || g_strcmp0 (a->write_date, b->write_date) != 0 ||
      !g_strv_equal ((const char * const *) a->numbers, (const char * const *) b->numbers))
    g_error ("the fast page reader and the general path disagree on record %" G_GINT64_FORMAT, a->id);
}

gboolean
odoo_check_rows (const char *body, gsize size, gboolean json2)
{
  static const RdCrmKind kinds = RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY;
  g_autoptr(GArray) fast_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) fast = rd_odoo_rows_read (body, size, 200, json2, kinds, fast_ids);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (fast == NULL)
    return FALSE;
  if (fast_ids->len != fast->len)
    g_error ("the fast page reader lost country ids");
  result = json2 ? rd_odoo_reply_parse_json2 (body, size, 200, &error) : rd_odoo_reply_parse_jsonrpc (body, size, 200, &error);
  rows = result != NULL ? rd_odoo_records_from_reply (result, &error) : NULL;
  if (rows == NULL || rows->len != fast->len)
    g_error ("the fast page reader accepted a reply the general path reads otherwise: %s",
             error != NULL ? error->message : "another number of rows");
  for (guint i = 0; i < rows->len; i++)
    {
      gint64 country_id = -1;
      g_autoptr(RdCrmChange) slow = rd_odoo_change_from_row (rows->pdata[i], kinds, &country_id, &error);

      if (slow == NULL)
        g_error ("the fast page reader accepted a row the general path refuses: %s", error->message);
      same_change (fast->pdata[i], slow);
      if (country_id != g_array_index (fast_ids, gint64, i))
        g_error ("the fast page reader and the general path disagree on a country");
    }
  return TRUE;
}

void
odoo_check_reply (const guint8 *data, gsize size)
{
  odoo_check_rows ((const char *) data, size, FALSE);
  odoo_check_rows ((const char *) data, size, TRUE);
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
