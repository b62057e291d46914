#include "config.h"

#include "rd-odoo-json.h"

static JsonNode *
member_node (JsonObject *obj, const char *member)
{
  if (obj == NULL || member == NULL)
    return NULL;
  return json_object_get_member (obj, member);
}

static gboolean
node_is_empty (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node) ||
         (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
          !json_node_get_boolean (node));
}

const char *
rd_odoo_json_get_string (JsonObject *obj, const char *member, gboolean *wrong_type)
{
  JsonNode *node = member_node (obj, member);

  if (node_is_empty (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (wrong_type != NULL)
    *wrong_type = TRUE;
  return NULL;
}

gint64
rd_odoo_json_node_int (JsonNode *node, gint64 fallback)
{
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return fallback;
}

gint64
rd_odoo_json_get_int (JsonObject *obj, const char *member, gint64 fallback)
{
  return rd_odoo_json_node_int (member_node (obj, member), fallback);
}

gboolean
rd_odoo_json_get_bool (JsonObject *obj, const char *member, gboolean fallback)
{
  JsonNode *node = member_node (obj, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return fallback;
}

gint64
rd_odoo_json_get_m2o_id (JsonObject *obj, const char *member)
{
  JsonNode *node = member_node (obj, member);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *pair = json_node_get_array (node);

      if (json_array_get_length (pair) >= 1)
        return rd_odoo_json_node_int (json_array_get_element (pair, 0), 0);
      return 0;
    }
  return rd_odoo_json_node_int (node, 0);
}

const char *
rd_odoo_json_get_m2o_name (JsonObject *obj, const char *member)
{
  JsonNode *node = member_node (obj, member);
  JsonArray *pair;
  JsonNode *name;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  pair = json_node_get_array (node);
  if (json_array_get_length (pair) < 2)
    return NULL;
  name = json_array_get_element (pair, 1);
  if (JSON_NODE_HOLDS_VALUE (name) && json_node_get_value_type (name) == G_TYPE_STRING)
    return json_node_get_string (name);
  return NULL;
}

gboolean
rd_odoo_json_node_ids (JsonNode *node, GArray *out_ids)
{
  gint64 id = rd_odoo_json_node_int (node, 0);

  if (id > 0)
    {
      g_array_append_val (out_ids, id);
      return TRUE;
    }
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          id = rd_odoo_json_node_int (json_array_get_element (arr, i), 0);
          if (id <= 0)
            return FALSE;
          g_array_append_val (out_ids, id);
        }
      return TRUE;
    }
  return FALSE;
}

JsonNode *
rd_odoo_json_string_new (const char *value)
{
  return value != NULL ? json_node_init_string (json_node_alloc (), value)
                       : json_node_init_boolean (json_node_alloc (), FALSE);
}

JsonNode *
rd_odoo_json_int_new (gint64 value)
{
  return json_node_init_int (json_node_alloc (), value);
}

JsonNode *
rd_odoo_json_bool_new (gboolean value)
{
  return json_node_init_boolean (json_node_alloc (), value);
}

JsonNode *
rd_odoo_json_strv_new (const char * const *values)
{
  JsonArray *arr = json_array_new ();
  JsonNode *node;

  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_array_add_string_element (arr, values[i]);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, arr);
  return node;
}

JsonNode *
rd_odoo_json_ids_new (const gint64 *ids, guint n_ids)
{
  JsonArray *arr = json_array_sized_new (n_ids);
  JsonNode *node;

  for (guint i = 0; i < n_ids; i++)
    json_array_add_int_element (arr, ids[i]);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, arr);
  return node;
}

void
rd_odoo_domain_add_leaf (JsonArray *domain, const char *field, const char *op, JsonNode *value)
{
  JsonArray *leaf = json_array_sized_new (3);

  json_array_add_string_element (leaf, field);
  json_array_add_string_element (leaf, op);
  json_array_add_element (leaf, value);
  json_array_add_array_element (domain, leaf);
}

void
rd_odoo_domain_add_op (JsonArray *domain, const char *op)
{
  json_array_add_string_element (domain, op);
}

JsonObject *
rd_odoo_search_params (JsonArray *domain, const char * const *fields, const char *order, guint limit)
{
  JsonObject *params = json_object_new ();

  json_object_set_array_member (params, "domain", domain);
  if (fields != NULL)
    json_object_set_member (params, "fields", rd_odoo_json_strv_new (fields));
  if (order != NULL)
    json_object_set_string_member (params, "order", order);
  if (limit > 0)
    json_object_set_int_member (params, "limit", limit);
  return params;
}

char *
rd_odoo_json_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}
