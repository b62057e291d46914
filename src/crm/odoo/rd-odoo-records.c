#include "config.h"

#include "rd-odoo-records.h"
#include "rd-odoo-json.h"
#include "core/rd-error.h"

const char *
rd_odoo_model_for_kind (RdCrmKind kind)
{
  if (kind == RD_CRM_KIND_LEAD)
    return RD_ODOO_LEAD;
  if (kind != RD_CRM_KIND_NONE && (kind & ~(RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY)) == 0)
    return RD_ODOO_PARTNER;
  return NULL;
}

GPtrArray *
rd_odoo_records_from_reply (JsonNode *reply, GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  JsonArray *arr;

  if (reply == NULL || !JSON_NODE_HOLDS_ARRAY (reply))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent records that are not a list");
      return NULL;
    }
  arr = json_node_get_array (reply);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *node = json_array_get_element (arr, i);
      JsonObject *obj;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a record that is not an object");
          return NULL;
        }
      obj = json_node_get_object (node);
      if (rd_odoo_json_get_int (obj, "id", 0) <= 0)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a record without a valid id");
          return NULL;
        }
      g_ptr_array_add (rows, json_object_ref (obj));
    }
  return g_steal_pointer (&rows);
}

static char **
field_list (const char * const *base, gboolean mobile)
{
  GStrvBuilder *b = g_strv_builder_new ();
  char **out;

  g_strv_builder_addv (b, (const char **) base);
  if (mobile)
    g_strv_builder_add (b, "mobile");
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

char **
rd_odoo_partner_fields (const RdOdooFeatures *features)
{
  static const char * const base[] = {
    "display_name", "name", "is_company", "parent_id", "phone", "email", "user_id",
    "country_id", "write_date", "active", NULL
  };
  return field_list (base, features->partner.mobile);
}

char **
rd_odoo_lead_fields (const RdOdooFeatures *features)
{
  static const char * const base[] = {
    "name", "partner_id", "contact_name", "partner_name", "phone", "email_from", "user_id",
    "country_id", "write_date", "active", NULL
  };
  return field_list (base, features->lead.mobile);
}

/* A string member; a non-string non-false value is a protocol error. */
static gboolean
get_text (JsonObject *record, const char *member, const char **out, GError **error)
{
  gboolean wrong = FALSE;

  *out = rd_odoo_json_get_string (record, member, &wrong);
  if (wrong)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a record whose “%s” is not text", member);
      return FALSE;
    }
  return TRUE;
}

static char *
dup_clean (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  g_strstrip (valid);
  if (*valid == '\0')
    return NULL;
  return g_steal_pointer (&valid);
}

char **
rd_odoo_record_numbers (JsonObject *record, GError **error)
{
  static const char * const members[] = { "phone", "mobile", NULL };
  GStrvBuilder *b = g_strv_builder_new ();
  char **out;

  for (guint i = 0; members[i] != NULL; i++)
    {
      const char *value;
      g_autofree char *clean = NULL;

      if (!get_text (record, members[i], &value, error))
        {
          g_strv_builder_unref (b);
          return NULL;
        }
      clean = dup_clean (value);
      if (clean != NULL)
        g_strv_builder_add (b, clean);
    }
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

/* "Jane Doe" → Jane / Doe; "李伟" or "Madonna" → no split. */
static void
split_name (const char *name, char **first, char **last)
{
  const char *space;

  *first = *last = NULL;
  if (name == NULL)
    return;
  space = strrchr (name, ' ');
  if (space == NULL || space == name || space[1] == '\0')
    return;
  *first = g_strstrip (g_strndup (name, space - name));
  *last = g_strdup (space + 1);
}

char *
rd_odoo_record_url (const char *base_url, gboolean url_paths, const char *model, gint64 id)
{
  g_autofree char *model_e = g_uri_escape_string (model, NULL, FALSE);

  if (url_paths)
    return g_strdup_printf ("%s/odoo/%s/%" G_GINT64_FORMAT, base_url, model_e, id);
  return g_strdup_printf ("%s/web#id=%" G_GINT64_FORMAT "&model=%s&view_type=form", base_url, id, model_e);
}

char *
rd_odoo_mail_view_url (const char *base_url, const char *model, gint64 id)
{
  g_autofree char *model_e = g_uri_escape_string (model, NULL, FALSE);

  return g_strdup_printf ("%s/mail/view?model=%s&res_id=%" G_GINT64_FORMAT, base_url, model_e, id);
}

static RdCrmMatch *
match_common (JsonObject *record, const char *email_member, GError **error)
{
  g_autoptr(RdCrmMatch) m = g_new0 (RdCrmMatch, 1);
  const char *email, *write_date;

  m->id = rd_odoo_json_get_int (record, "id", 0);
  if (m->id <= 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a record without a valid id");
      return NULL;
    }
  m->numbers = rd_odoo_record_numbers (record, error);
  if (m->numbers == NULL)
    return NULL;
  if (!get_text (record, email_member, &email, error) || !get_text (record, "write_date", &write_date, error))
    return NULL;
  m->email = dup_clean (email);
  m->write_date = dup_clean (write_date);
  m->owner_id = MAX (rd_odoo_json_get_m2o_id (record, "user_id"), 0);
  m->owner_name = dup_clean (rd_odoo_json_get_m2o_name (record, "user_id"));
  return g_steal_pointer (&m);
}

RdCrmMatch *
rd_odoo_match_from_partner (JsonObject *record, const char *base_url, gboolean url_paths, GError **error)
{
  g_autoptr(RdCrmMatch) m = match_common (record, "email", error);
  const char *display, *name;

  if (m == NULL)
    return NULL;
  if (!get_text (record, "display_name", &display, error) || !get_text (record, "name", &name, error))
    return NULL;
  m->kind = rd_odoo_json_get_bool (record, "is_company", FALSE) ? RD_CRM_KIND_COMPANY : RD_CRM_KIND_INDIVIDUAL;
  m->name = dup_clean (display != NULL ? display : name);
  m->has_name = m->name != NULL;
  if (m->name == NULL)
    m->name = g_strdup_printf ("Contact %" G_GINT64_FORMAT, m->id);
  if (m->kind == RD_CRM_KIND_COMPANY)
    m->company = dup_clean (name != NULL ? name : display);
  else
    {
      m->company = dup_clean (rd_odoo_json_get_m2o_name (record, "parent_id"));
      split_name (name, &m->first_name, &m->last_name);
    }
  m->url = rd_odoo_record_url (base_url, url_paths, RD_ODOO_PARTNER, m->id);
  return g_steal_pointer (&m);
}

RdCrmMatch *
rd_odoo_match_from_lead (JsonObject *record, const char *base_url, gboolean url_paths, GError **error)
{
  g_autoptr(RdCrmMatch) m = match_common (record, "email_from", error);
  const char *name, *contact, *company;

  if (m == NULL)
    return NULL;
  if (!get_text (record, "name", &name, error) || !get_text (record, "contact_name", &contact, error) ||
      !get_text (record, "partner_name", &company, error))
    return NULL;
  m->kind = RD_CRM_KIND_LEAD;
  m->name = dup_clean (name);
  if (m->name == NULL)
    m->name = dup_clean (contact);
  m->has_name = m->name != NULL;
  if (m->name == NULL)
    m->name = g_strdup_printf ("Lead %" G_GINT64_FORMAT, m->id);
  m->company = dup_clean (company);
  if (m->company == NULL)
    m->company = dup_clean (rd_odoo_json_get_m2o_name (record, "partner_id"));
  split_name (contact, &m->first_name, &m->last_name);
  m->url = rd_odoo_record_url (base_url, url_paths, RD_ODOO_LEAD, m->id);
  return g_steal_pointer (&m);
}

static gboolean
ids_contain (JsonObject *record, const char *member, gint64 id)
{
  JsonNode *node = json_object_get_member (record, member);
  JsonArray *arr;

  if (id <= 0 || node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  arr = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    if (rd_odoo_json_node_int (json_array_get_element (arr, i), 0) == id)
      return TRUE;
  return FALSE;
}

gboolean
rd_odoo_user_in_group (JsonObject *record, const char *groups_field, gint64 group)
{
  return group > 0 && ids_contain (record, groups_field, group);
}

RdCrmUser *
rd_odoo_user_from_record (JsonObject *record, const char *groups_field, gint64 portal_group,
                          gint64 public_group, GError **error)
{
  g_autoptr(RdCrmUser) u = g_new0 (RdCrmUser, 1);
  const char *name, *login, *email;

  u->id = rd_odoo_json_get_int (record, "id", 0);
  if (u->id <= 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a user without a valid id");
      return NULL;
    }
  if (!get_text (record, "name", &name, error) || !get_text (record, "login", &login, error) ||
      !get_text (record, "email", &email, error))
    return NULL;
  if (login == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a user without a login");
      return NULL;
    }
  u->login = dup_clean (login);
  u->name = dup_clean (name != NULL ? name : login);
  u->email = dup_clean (email);
  u->partner_id = MAX (rd_odoo_json_get_m2o_id (record, "partner_id"), 0);
  if (!rd_odoo_json_get_bool (record, "share", FALSE))
    u->type = RD_CRM_USER_INTERNAL;
  else if (ids_contain (record, groups_field, public_group) && !ids_contain (record, groups_field, portal_group))
    u->type = RD_CRM_USER_PUBLIC;
  else
    u->type = RD_CRM_USER_PORTAL;
  return g_steal_pointer (&u);
}

char **
rd_odoo_index_fields (const RdOdooFeatures *features, RdCrmKind kinds, gboolean *out_lean)
{
  static const char * const lean[] = {
    "complete_name", "is_company", "commercial_company_name", "phone", "country_id", "write_date", NULL
  };
  static const char * const classic[] = {
    "display_name", "name", "is_company", "parent_id", "phone", "country_id", "write_date", NULL
  };
  static const char * const lead[] = {
    "name", "partner_id", "contact_name", "partner_name", "phone", "country_id", "write_date", NULL
  };

  *out_lean = FALSE;
  if (kinds == RD_CRM_KIND_LEAD)
    return field_list (lead, features->lead.mobile);
  /* Stored fields only, many2one as bare ids (`load=''`, 16+): no name to compute per record. */
  *out_lean = features->info->major >= 16 && features->partner_index.complete_name &&
              features->partner_index.commercial_company_name;
  return field_list (*out_lean ? lean : classic, features->partner.mobile);
}

RdCrmChange *
rd_odoo_change_from_row (JsonObject *row, RdCrmKind kinds, gint64 *out_country_id, GError **error)
{
  g_autoptr(RdCrmMatch) m = NULL;
  RdCrmChange *c;

  *out_country_id = 0;
  if (kinds == RD_CRM_KIND_LEAD)
    m = rd_odoo_match_from_lead (row, "", FALSE, error);
  else if (json_object_has_member (row, "complete_name"))
    {
      const char *complete, *company, *write_date;

      m = g_new0 (RdCrmMatch, 1);
      m->id = rd_odoo_json_get_int (row, "id", 0);
      if (m->id <= 0)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a record without a valid id");
          return NULL;
        }
      if (!get_text (row, "complete_name", &complete, error) ||
          !get_text (row, "commercial_company_name", &company, error) ||
          !get_text (row, "write_date", &write_date, error) ||
          (m->numbers = rd_odoo_record_numbers (row, error)) == NULL)
        return NULL;
      m->write_date = dup_clean (write_date);
      m->kind = rd_odoo_json_get_bool (row, "is_company", FALSE) ? RD_CRM_KIND_COMPANY : RD_CRM_KIND_INDIVIDUAL;
      m->name = dup_clean (complete);
      if (m->name == NULL)
        m->name = g_strdup_printf ("Contact %" G_GINT64_FORMAT, m->id);
      m->company = dup_clean (company);
    }
  else
    m = rd_odoo_match_from_partner (row, "", FALSE, error);
  if (m == NULL)
    return NULL;
  if (kinds != RD_CRM_KIND_NONE && (m->kind & kinds) == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a %s among the records asked for",
                   rd_crm_kind_to_string (m->kind));
      return NULL;
    }
  c = g_new0 (RdCrmChange, 1);
  c->kind = m->kind;
  c->id = m->id;
  c->active = rd_odoo_json_get_bool (row, "active", TRUE);
  c->numbers = g_steal_pointer (&m->numbers);
  c->name = g_steal_pointer (&m->name);
  c->company = g_steal_pointer (&m->company);
  c->write_date = g_steal_pointer (&m->write_date);
  *out_country_id = MAX (rd_odoo_json_get_m2o_id (row, "country_id"), 0);
  return c;
}
