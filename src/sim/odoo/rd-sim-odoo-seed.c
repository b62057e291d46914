/* Seed files and bulk data for the Odoo simulator. */
#include "config.h"

#include "rd-sim-odoo-private.h"
#include "core/rd-error.h"

#include <string.h>

static gboolean
only_members (JsonObject *obj, const char * const *allowed, const char *what, GError **error)
{
  g_autoptr(GList) members = json_object_get_members (obj);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unknown member “%s” in a seed %s",
                     (const char *) l->data, what);
        return FALSE;
      }
  return TRUE;
}

static const char *
get_str (JsonObject *obj, const char *member)
{
  JsonNode *n = json_object_get_member (obj, member);

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static gboolean
get_bool (JsonObject *obj, const char *member)
{
  JsonNode *n = json_object_get_member (obj, member);

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (n);
}

/* The list under @member (NULL when absent); FALSE when it is not a list. */
static gboolean
get_list (JsonObject *root, const char *member, JsonArray **out, GError **error)
{
  JsonNode *n = json_object_get_member (root, member);

  *out = NULL;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The seed's “%s” must be a list", member);
      return FALSE;
    }
  *out = json_node_get_array (n);
  return TRUE;
}

static JsonObject *
get_item (JsonArray *list, guint i, const char *what, GError **error)
{
  JsonNode *n = json_array_get_element (list, i);

  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "A seed %s is not an object", what);
      return NULL;
    }
  return json_node_get_object (n);
}

gboolean
rd_sim_odoo_load_seed (RdSimOdoo *self, const char *json_path, GError **error)
{
  static const char * const root_members[] = { "company_country", "users", "partners", "leads", NULL };
  static const char * const user_members[] = { "login", "name", "email", "api_key", "type", "admin", "tz", NULL };
  static const char * const partner_members[] = { "ref", "name", "is_company", "parent", "phone", "mobile", "email", "country", NULL };
  static const char * const lead_members[] = { "name", "contact_name", "partner_name", "phone", NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local = NULL;
  SimStore *store = rd_sim_odoo_get_store (self);
  SimModel *partners = sim_store_model (store, "res.partner");
  JsonNode *root;
  JsonObject *obj;
  JsonArray *list;

  if (!json_parser_load_from_file (parser, json_path, &local))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Cannot read the seed %s: %s", json_path, local->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "A seed file holds one JSON object");
      return FALSE;
    }
  obj = json_node_get_object (root);
  if (!only_members (obj, root_members, "file", error))
    return FALSE;
  if (get_str (obj, "company_country") != NULL)
    rd_sim_odoo_set_company_country (self, get_str (obj, "company_country"));

  if (!get_list (obj, "users", &list, error))
    return FALSE;
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *u = get_item (list, i, "user", error);
      const char *type;
      RdCrmUserType t = RD_CRM_USER_INTERNAL;
      gint64 uid;

      if (u == NULL || !only_members (u, user_members, "user", error))
        return FALSE;
      type = get_str (u, "type");
      if (g_strcmp0 (type, "portal") == 0)
        t = RD_CRM_USER_PORTAL;
      else if (g_strcmp0 (type, "public") == 0)
        t = RD_CRM_USER_PUBLIC;
      else if (type != NULL && !g_str_equal (type, "internal"))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unknown user type “%s” in the seed", type);
          return FALSE;
        }
      if (get_str (u, "login") == NULL)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "A seed user has no login");
          return FALSE;
        }
      uid = rd_sim_odoo_add_user (self, get_str (u, "login"), get_str (u, "name"), get_str (u, "email"),
                                  get_str (u, "api_key"), t, get_bool (u, "admin"));
      if (get_str (u, "tz") != NULL)
        rd_sim_odoo_set_user_tz (self, uid, get_str (u, "tz"));
    }

  if (!get_list (obj, "partners", &list, error))
    return FALSE;
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *p = get_item (list, i, "partner", error);
      const char *parent_ref;
      gint64 parent = 0, id;

      if (p == NULL || !only_members (p, partner_members, "partner", error))
        return FALSE;
      parent_ref = get_str (p, "parent");
      if (parent_ref != NULL)
        {
          parent = GPOINTER_TO_SIZE (g_hash_table_lookup (refs, parent_ref));
          if (parent == 0)
            {
              g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Seed partner parent “%s” is not defined before", parent_ref);
              return FALSE;
            }
        }
      id = rd_sim_odoo_add_partner (self, get_str (p, "name"), get_str (p, "phone"), get_str (p, "mobile"),
                                    get_bool (p, "is_company"), parent, get_str (p, "country"));
      if (get_str (p, "email") != NULL)
        sim_record_set_string (store, partners, sim_model_get (partners, id), "email", get_str (p, "email"));
      if (get_str (p, "ref") != NULL)
        g_hash_table_replace (refs, g_strdup (get_str (p, "ref")), GSIZE_TO_POINTER ((gsize) id));
    }

  if (!get_list (obj, "leads", &list, error))
    return FALSE;
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *l = get_item (list, i, "lead", error);

      if (l == NULL || !only_members (l, lead_members, "lead", error))
        return FALSE;
      rd_sim_odoo_add_lead (self, get_str (l, "name"), get_str (l, "contact_name"), get_str (l, "partner_name"),
                            get_str (l, "phone"));
    }
  return TRUE;
}

void
rd_sim_odoo_bulk_add_partners (RdSimOdoo *self, guint count, guint seed)
{
  static const char * const first[] = { "Wei", "Anna", "James", "Mei", "Lukas", "Olivia", "Chen", "Sophie", "Jun", "Noah" };
  static const char * const last[] = { "Zhang", "Smith", "Müller", "Wang", "Brown", "Schmidt", "Li", "Taylor", "Liu", "Fischer" };
  static const char * const countries[] = { "CN", "US", "GB", "DE" };
  SimStore *store = rd_sim_odoo_get_store (self);
  SimModel *m = sim_store_model (store, "res.partner");
  GRand *rand = g_rand_new_with_seed (seed);
  SimField *phone = sim_model_field (m, "phone");
  SimField *name = sim_model_field (m, "name");
  SimField *country = sim_model_field (m, "country_id");
  gint64 country_ids[G_N_ELEMENTS (countries)];

  for (guint i = 0; i < G_N_ELEMENTS (countries); i++)
    country_ids[i] = sim_store_country_id (store, countries[i]);
  for (guint i = 0; i < count; i++)
    {
      SimRecord *rec = sim_model_new_record (store, m);
      guint c = g_rand_int_range (rand, 0, G_N_ELEMENTS (countries));
      guint32 n = g_rand_int (rand);

      rec->v[name->slot].s = g_strdup_printf ("%s %s %u", first[n % 10], last[(n / 10) % 10], i);
      rec->v[country->slot].i = country_ids[c];
      /* plausible, mostly valid numbers in national or international notation */
      switch (c)
        {
        case 0: rec->v[phone->slot].s = g_strdup_printf ("+86 13%u %04u %04u", n % 10, (n / 10) % 10000, i % 10000); break;
        case 1: rec->v[phone->slot].s = g_strdup_printf ("(212) %03u-%04u", 200 + n % 800, i % 10000); break;
        case 2: rec->v[phone->slot].s = g_strdup_printf ("+44 20 7%03u %04u", n % 1000, i % 10000); break;
        default: rec->v[phone->slot].s = g_strdup_printf ("030 %04u%04u", n % 10000, i % 10000); break;
        }
    }
  g_rand_free (rand);
}
