#include "config.h"

#include "rd-sim-odoo-methods.h"

#include <string.h>

#define SUBTYPE_COMMENT    1
#define SUBTYPE_NOTE       2
#define SUBTYPE_ACTIVITIES 3

static const char * const record_methods[] = {
  "read", "write", "unlink", "message_post", "action_feedback", "has_access", NULL
};

gboolean
sim_method_is_record (const char *method)
{
  return g_strv_contains (record_methods, method);
}

char *
sim_html_sanitize (const char *html)
{
  static GRegex *blocks, *handlers, *js;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (g_once_init_enter (&blocks))
    {
      handlers = g_regex_new ("\\s+on[a-z]+\\s*=\\s*(\"[^\"]*\"|'[^']*'|[^\\s>]+)", G_REGEX_CASELESS, 0, NULL);
      js = g_regex_new ("javascript:", G_REGEX_CASELESS, 0, NULL);
      g_once_init_leave (&blocks, g_regex_new ("<(script|style)\\b[^>]*>.*?</\\1\\s*>|<(script|style)\\b[^>]*/?>",
                                               G_REGEX_CASELESS | G_REGEX_DOTALL, 0, NULL));
    }
  a = g_regex_replace_literal (blocks, html, -1, 0, "", 0, NULL);
  b = g_regex_replace_literal (handlers, a, -1, 0, "", 0, NULL);
  return g_regex_replace_literal (js, b, -1, 0, "", 0, NULL);
}

/* ---- arguments ---------------------------------------------------------- */

static gboolean
check_signature (SimCall *call, guint max_positional, const char * const *names, GError **error)
{
  g_autoptr(GList) members = json_object_get_members (call->kwargs);

  if (json_array_get_length (call->args) > max_positional)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "%s() takes %u positional arguments but %u were given",
                   call->method, max_positional + 1, json_array_get_length (call->args) + 1);
      return FALSE;
    }
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (names, l->data))
      {
        g_set_error (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "%s() got an unexpected keyword argument '%s'",
                     call->method, (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static JsonNode *
param (SimCall *call, guint index, const char *name)
{
  if (index < json_array_get_length (call->args))
    return json_array_get_element (call->args, index);
  if (name != NULL && json_object_has_member (call->kwargs, name))
    return json_object_get_member (call->kwargs, name);
  return NULL;
}

static gint64
int_param (SimCall *call, guint index, const char *name, gint64 fallback)
{
  JsonNode *n = param (call, index, name);

  if (n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  return fallback;
}

static const char *
str_param (SimCall *call, guint index, const char *name)
{
  JsonNode *n = param (call, index, name);

  if (n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static GArray *
record_ids (SimCall *call, GError **error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; call->ids != NULL && i < json_array_get_length (call->ids); i++)
    {
      JsonNode *el = json_array_get_element (call->ids, i);

      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_INT64)
        {
          g_array_unref (ids);
          g_set_error_literal (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "ids must be a list of integers");
          return NULL;
        }
      {
        gint64 id = json_node_get_int (el);
        g_array_append_val (ids, id);
      }
    }
  return ids;
}

static JsonNode *
ids_node (GArray *ids)
{
  JsonArray *arr = json_array_new ();
  JsonNode *node;

  for (guint i = 0; i < ids->len; i++)
    json_array_add_int_element (arr, g_array_index (ids, gint64, i));
  node = json_node_init_array (json_node_alloc (), arr);
  json_array_unref (arr);
  return node;
}

/* ---- rights ------------------------------------------------------------- */

static gboolean
writable_model (const char *model)
{
  return g_str_equal (model, "res.partner") || g_str_equal (model, "crm.lead") ||
         g_str_equal (model, "mail.activity") || g_str_equal (model, "mail.message");
}

static gboolean
allowed (SimCall *call, const char *operation)
{
  if (call->admin)
    return TRUE;
  if (call->share)
    return FALSE;
  if (g_str_equal (operation, "read"))
    return TRUE;
  return writable_model (call->model);
}

static gboolean
require (SimCall *call, const char *operation, GError **error)
{
  SimModel *m = sim_store_model (call->store, call->model);

  if (allowed (call, operation))
    return TRUE;
  g_set_error (error, SIM_EXC, SIM_EXC_ACCESS_ERROR,
               "You are not allowed to %s '%s' (%s) records.\n\nThis operation is allowed for the following groups:\n\t- %s",
               g_str_equal (operation, "read") ? "access" : operation, m->description, call->model,
               call->share ? "Internal User" : "Administration/Settings");
  return FALSE;
}

/* ---- generic ORM methods ------------------------------------------------ */

/* read(load=…): "_classic_read" (the default) gives many2one as [id, name]; anything else
 * (Odoo documents '') as the bare id, without computing the name. */
static gboolean
classic_load (SimCall *call, guint index)
{
  JsonNode *load = param (call, index, "load");

  return load == NULL || (JSON_NODE_HOLDS_VALUE (load) && json_node_get_value_type (load) == G_TYPE_STRING &&
                          g_str_equal (json_node_get_string (load), "_classic_read"));
}

static JsonNode *
do_search (SimCall *call, gboolean read, GError **error)
{
  /* search_read passes **read_kwargs (load) to read() from 16 (spec: OCA backported it to 14/15). */
  static const char * const names[] = { "domain", "fields", "offset", "limit", "order", NULL };
  static const char * const names16[] = { "domain", "fields", "offset", "limit", "order", "load", NULL };
  static const char * const search_names[] = { "domain", "offset", "limit", "order", NULL };
  gboolean v16 = SIM_V_AT_LEAST (&call->store->version, 16, 0);
  g_autoptr(GArray) ids = NULL;

  if (!check_signature (call, read ? 5 : 4, read ? (v16 ? names16 : names) : search_names, error) ||
      !require (call, "read", error))
    return NULL;
  ids = sim_store_search (call->store, call->model, param (call, 0, "domain"), call->context,
                          str_param (call, read ? 4 : 3, "order"), int_param (call, read ? 2 : 1, "offset", 0),
                          int_param (call, read ? 3 : 2, "limit", 0), error);
  if (ids == NULL)
    return NULL;
  if (!read)
    return ids_node (ids);
  return sim_store_read_full (call->store, call->model, ids, param (call, 1, "fields"),
                              classic_load (call, G_MAXUINT), error);
}

static JsonNode *
do_search_count (SimCall *call, GError **error)
{
  /* search_count(args) up to 16, search_count(domain, limit=None) from 17 */
  const char *name = SIM_V_AT_LEAST (&call->store->version, 17, 0) ? "domain" : "args";
  const char * const names[] = { name, SIM_V_AT_LEAST (&call->store->version, 17, 0) ? "limit" : NULL, NULL };
  g_autoptr(GArray) ids = NULL;

  if (!check_signature (call, 2, names, error) || !require (call, "read", error))
    return NULL;
  ids = sim_store_search (call->store, call->model, param (call, 0, name), call->context, "id", 0,
                          int_param (call, 1, "limit", 0), error);
  if (ids == NULL)
    return NULL;
  return json_node_init_int (json_node_alloc (), ids->len);
}

static JsonNode *
do_read (SimCall *call, GError **error)
{
  static const char * const names[] = { "fields", "load", NULL };
  g_autoptr(GArray) ids = record_ids (call, error);

  if (ids == NULL || !check_signature (call, 2, names, error) || !require (call, "read", error))
    return NULL;
  return sim_store_read_full (call->store, call->model, ids, param (call, 0, "fields"), classic_load (call, 1), error);
}

/* crm.lead's type: "lead" when the user has crm.group_use_lead (the CRM setting "Leads"),
 * else "opportunity" — seen on a real Odoo 17, both ways. */
static const char *
lead_default_type (SimCall *call)
{
  return call->store->no_leads ? "opportunity" : "lead";
}

static gboolean
fill_defaults (SimCall *call, JsonObject *vals)
{
  if (g_str_equal (call->model, "crm.lead") && !json_object_has_member (vals, "user_id"))
    json_object_set_int_member (vals, "user_id", call->uid);
  if (g_str_equal (call->model, "crm.lead") && !json_object_has_member (vals, "type"))
    json_object_set_string_member (vals, "type", lead_default_type (call));
  return TRUE;
}

/* default_get(fields_list): the defaults of the fields asked for (the ones the sim knows) */
static JsonNode *
do_default_get (SimCall *call, GError **error)
{
  /* fields_list up to 17 (seen); "fields" from 18 (the type-hinted signatures; UNCONFIRMED) */
  static const char * const names17[] = { "fields_list", NULL };
  static const char * const names18[] = { "fields", NULL };
  gboolean v18 = SIM_V_AT_LEAST (&call->store->version, 18, 0);
  const char * const *names = v18 ? names18 : names17;
  JsonNode *fields = param (call, 0, names[0]);
  SimModel *model = sim_store_model (call->store, call->model);
  g_autoptr(JsonObject) out = NULL;

  if (!check_signature (call, 1, names, error))
    return NULL;
  if (fields == NULL || !JSON_NODE_HOLDS_ARRAY (fields))
    {
      g_set_error (error, SIM_EXC, SIM_EXC_TYPE_ERROR,
                   "default_get() missing 1 required positional argument: '%s'", names[0]);
      return NULL;
    }
  out = json_object_new ();
  for (guint i = 0; i < json_array_get_length (json_node_get_array (fields)); i++)
    {
      const char *name = json_array_get_string_element (json_node_get_array (fields), i);
      SimField *f = name != NULL ? sim_model_field (model, name) : NULL;

      if (f == NULL)
        continue;
      if (g_str_equal (call->model, "crm.lead") && g_str_equal (name, "type"))
        json_object_set_string_member (out, name, lead_default_type (call));
      else if (f->default_s != NULL)
        json_object_set_string_member (out, name, f->default_s);
    }
  return json_node_init_object (json_node_alloc (), out);   /* takes its own reference */
}

static JsonNode *create_activity (SimCall *call, JsonObject *vals, GError **error);

static JsonNode *
do_create (SimCall *call, GError **error)
{
  static const char * const names[] = { "vals_list", NULL };
  JsonNode *vals = param (call, 0, "vals_list");
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean single;
  JsonArray *list;

  if (!check_signature (call, 1, names, error) || !require (call, "create", error))
    return NULL;
  if (vals == NULL || (!JSON_NODE_HOLDS_OBJECT (vals) && !JSON_NODE_HOLDS_ARRAY (vals)))
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "create() missing 1 required positional argument: 'vals_list'");
      return NULL;
    }
  single = JSON_NODE_HOLDS_OBJECT (vals);
  list = json_array_new ();
  if (single)
    json_array_add_object_element (list, json_object_ref (json_node_get_object (vals)));
  else
    {
      JsonArray *src = json_node_get_array (vals);
      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (list, json_node_copy (json_array_get_element (src, i)));
    }
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *el = json_array_get_element (list, i);
      g_autoptr(JsonObject) copy = NULL;
      gint64 id;

      if (!JSON_NODE_HOLDS_OBJECT (el))
        {
          json_array_unref (list);
          g_set_error_literal (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "create() expects dictionaries of values");
          return NULL;
        }
      /* work on a copy: defaults must not leak into the caller's request */
      {
        g_autoptr(JsonNode) dup = json_node_copy (el);
        copy = json_object_ref (json_node_get_object (dup));
      }
      fill_defaults (call, copy);
      if (g_str_equal (call->model, "mail.activity"))
        {
          g_autoptr(JsonNode) r = create_activity (call, copy, error);
          if (r == NULL)
            {
              json_array_unref (list);
              return NULL;
            }
          id = json_node_get_int (r);
        }
      else
        id = sim_store_create (call->store, call->model, copy, error);
      if (id == 0)
        {
          json_array_unref (list);
          return NULL;
        }
      g_array_append_val (ids, id);
    }
  json_array_unref (list);
  if (single && !call->json2)
    return json_node_init_int (json_node_alloc (), g_array_index (ids, gint64, 0));
  return ids_node (ids);
}

static JsonNode *
do_write (SimCall *call, GError **error)
{
  static const char * const names[] = { "vals", NULL };
  g_autoptr(GArray) ids = record_ids (call, error);
  JsonNode *vals = param (call, 0, "vals");

  if (ids == NULL || !check_signature (call, 1, names, error) || !require (call, "write", error))
    return NULL;
  if (vals == NULL || !JSON_NODE_HOLDS_OBJECT (vals))
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "write() missing 1 required positional argument: 'vals'");
      return NULL;
    }
  for (guint i = 0; i < ids->len; i++)
    if (!sim_store_write (call->store, call->model, g_array_index (ids, gint64, i), json_node_get_object (vals), error))
      return NULL;
  return json_node_init_boolean (json_node_alloc (), TRUE);
}

static JsonNode *
do_unlink (SimCall *call, GError **error)
{
  static const char * const names[] = { NULL };
  g_autoptr(GArray) ids = record_ids (call, error);

  if (ids == NULL || !check_signature (call, 0, names, error) || !require (call, "unlink", error))
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    if (!sim_store_unlink (call->store, call->model, g_array_index (ids, gint64, i), error))
      return NULL;
  return json_node_init_boolean (json_node_alloc (), TRUE);
}

static const char *
type_name (SimType t)
{
  switch (t)
    {
    case SIM_HTML:      return "html";
    case SIM_SELECTION: return "selection";
    case SIM_BOOL:      return "boolean";
    case SIM_INT:       return "integer";
    case SIM_M2O:       return "many2one";
    case SIM_M2M:       return "many2many";
    case SIM_O2M:       return "one2many";
    case SIM_DATE:      return "date";
    case SIM_DATETIME:  return "datetime";
    default:            return "char";
    }
}

static JsonNode *
do_fields_get (SimCall *call, GError **error)
{
  static const char * const names[] = { "allfields", "attributes", NULL };
  JsonNode *allfields = param (call, 0, "allfields");
  JsonNode *attributes = param (call, 1, "attributes");
  SimModel *m = sim_store_model (call->store, call->model);
  JsonObject *out = json_object_new ();
  JsonNode *node;

  if (!check_signature (call, 2, names, error) || !require (call, "read", error))
    {
      json_object_unref (out);
      return NULL;
    }
  for (guint i = 0; i < m->fields->len; i++)
    {
      SimField *f = m->fields->pdata[i];
      JsonObject *desc;
      gboolean stored = f->type != SIM_O2M && f->type != SIM_PHONE_SEARCH && f->type != SIM_DISPLAY_NAME;
      gboolean wanted = allfields == NULL || !JSON_NODE_HOLDS_ARRAY (allfields) ||
                        json_array_get_length (json_node_get_array (allfields)) == 0;

      for (guint j = 0; !wanted && j < json_array_get_length (json_node_get_array (allfields)); j++)
        {
          JsonNode *el = json_array_get_element (json_node_get_array (allfields), j);
          wanted = JSON_NODE_HOLDS_VALUE (el) && json_node_get_value_type (el) == G_TYPE_STRING &&
                   g_str_equal (json_node_get_string (el), f->name);
        }
      if (!wanted)
        continue;
      desc = json_object_new ();
      {
        JsonArray *attrs = attributes != NULL && JSON_NODE_HOLDS_ARRAY (attributes) ? json_node_get_array (attributes) : NULL;
        gboolean all = attrs == NULL || json_array_get_length (attrs) == 0;
        const char *keys[] = { "type", "string", "store", "searchable", "required", "relation", NULL };

        for (guint k = 0; keys[k] != NULL; k++)
          {
            gboolean want = all;
            for (guint j = 0; !want && j < json_array_get_length (attrs); j++)
              {
                JsonNode *el = json_array_get_element (attrs, j);
                want = JSON_NODE_HOLDS_VALUE (el) && json_node_get_value_type (el) == G_TYPE_STRING &&
                       g_str_equal (json_node_get_string (el), keys[k]);
              }
            if (!want)
              continue;
            switch (k)
              {
              case 0: json_object_set_string_member (desc, "type", type_name (f->type)); break;
              case 1: json_object_set_string_member (desc, "string", f->name); break;
              case 2: json_object_set_boolean_member (desc, "store", stored); break;
              case 3: json_object_set_boolean_member (desc, "searchable", TRUE); break;
              case 4: json_object_set_boolean_member (desc, "required", f->required); break;
              case 5: if (f->relation) json_object_set_string_member (desc, "relation", f->relation); break;
              }
          }
      }
      json_object_set_object_member (out, f->name, desc);
    }
  node = json_node_init_object (json_node_alloc (), out);
  json_object_unref (out);
  return node;
}

static gboolean
valid_operation (const char *op)
{
  return op != NULL && (g_str_equal (op, "read") || g_str_equal (op, "write") ||
                        g_str_equal (op, "create") || g_str_equal (op, "unlink"));
}

static JsonNode *
do_access (SimCall *call, gboolean has_access, GError **error)
{
  static const char * const names_car[] = { "operation", "raise_exception", NULL };
  static const char * const names_ha[] = { "operation", NULL };
  const char *op = str_param (call, 0, "operation");
  JsonNode *raise = param (call, 1, "raise_exception");
  gboolean ok;

  if (!check_signature (call, has_access ? 1 : 2, has_access ? names_ha : names_car, error))
    return NULL;
  if (!valid_operation (op))
    {
      g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid access mode");
      return NULL;
    }
  ok = allowed (call, op);
  if (!ok && !has_access && (raise == NULL || !JSON_NODE_HOLDS_VALUE (raise) || json_node_get_boolean (raise)))
    {
      require (call, op, error);
      return NULL;
    }
  return json_node_init_boolean (json_node_alloc (), ok);
}

static JsonNode *
do_context_get (SimCall *call, GError **error)
{
  static const char * const names[] = { NULL };
  SimModel *users = sim_store_model (call->store, "res.users");
  SimRecord *me = sim_model_get (users, call->uid);
  const char *tz = me != NULL ? sim_record_get_string (users, me, "tz") : NULL;
  JsonObject *ctx;
  JsonNode *node;

  if (!check_signature (call, 0, names, error))
    return NULL;
  ctx = json_object_new ();
  json_object_set_string_member (ctx, "lang", "en_US");
  if (tz != NULL)
    json_object_set_string_member (ctx, "tz", tz);
  else
    json_object_set_boolean_member (ctx, "tz", FALSE);
  json_object_set_int_member (ctx, "uid", call->uid);
  node = json_node_init_object (json_node_alloc (), ctx);
  json_object_unref (ctx);
  return node;
}

/* ---- chatter ------------------------------------------------------------ */

static char *
today_in (SimCall *call)
{
  const char *tz = call->context != NULL && json_object_has_member (call->context, "tz") &&
                   JSON_NODE_HOLDS_VALUE (json_object_get_member (call->context, "tz")) &&
                   json_node_get_value_type (json_object_get_member (call->context, "tz")) == G_TYPE_STRING
                   ? json_object_get_string_member (call->context, "tz") : NULL;
  g_autoptr(GTimeZone) zone = tz != NULL ? g_time_zone_new_identifier (tz) : NULL;
  g_autoptr(GDateTime) now = NULL;

  if (zone == NULL)
    zone = g_time_zone_new_utc ();
  now = g_date_time_new_from_unix_local (sim_store_now (call->store));
  {
    g_autoptr(GDateTime) local = g_date_time_to_timezone (now, zone);
    return g_date_time_format (local, "%Y-%m-%d");
  }
}

static gint64
post_message (SimCall *call, const char *model, gint64 res_id, const char *body, const char *message_type,
              gint64 subtype, gint64 author, gint64 activity_type, GError **error)
{
  g_autoptr(JsonObject) vals = json_object_new ();
  g_autofree char *date = sim_format_datetime (sim_store_now (call->store));
  gint64 id;

  json_object_set_string_member (vals, "model", model);
  json_object_set_int_member (vals, "res_id", res_id);
  json_object_set_string_member (vals, "body", body);
  json_object_set_string_member (vals, "message_type", message_type);
  json_object_set_int_member (vals, "subtype_id", subtype);
  if (author > 0)
    json_object_set_int_member (vals, "author_id", author);
  if (activity_type > 0)
    json_object_set_int_member (vals, "mail_activity_type_id", activity_type);
  json_object_set_string_member (vals, "date", date);
  id = sim_store_create (call->store, "mail.message", vals, error);
  return id;
}

static JsonNode *
do_message_post (SimCall *call, GError **error)
{
  static const char * const names14[] = {
    "body", "subject", "message_type", "email_from", "author_id", "parent_id", "subtype_xmlid",
    "subtype_id", "partner_ids", "attachments", "attachment_ids", NULL
  };
  static const char * const names17[] = {
    "body", "subject", "message_type", "email_from", "author_id", "parent_id", "subtype_xmlid",
    "subtype_id", "partner_ids", "attachments", "attachment_ids", "body_is_html", NULL
  };
  gboolean v17 = SIM_V_AT_LEAST (&call->store->version, 17, 0);
  g_autoptr(GArray) ids = record_ids (call, error);
  SimModel *m = sim_store_model (call->store, call->model);
  JsonNode *body_node = param (call, G_MAXUINT, "body");
  JsonNode *html_node = param (call, G_MAXUINT, "body_is_html");
  const char *subtype_xmlid = str_param (call, G_MAXUINT, "subtype_xmlid");
  const char *message_type = str_param (call, G_MAXUINT, "message_type");
  g_autofree char *body = NULL;
  gint64 subtype = SUBTYPE_COMMENT, author, id;

  /* keyword-only: message_post(self, *, body='', …) */
  if (ids == NULL || !check_signature (call, 0, v17 ? names17 : names14, error) || !require (call, "write", error))
    return NULL;
  if (ids->len != 1)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Expected singleton: %s(%s)", call->model,
                   ids->len == 0 ? "" : "…");
      return NULL;
    }
  if (sim_model_get (m, g_array_index (ids, gint64, 0)) == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_MISSING_ERROR, "Record does not exist or has been deleted.");
      return NULL;
    }
  if (body_node != NULL && !(JSON_NODE_HOLDS_VALUE (body_node) && json_node_get_value_type (body_node) == G_TYPE_STRING))
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "body must be a string");
      return NULL;
    }
  if (subtype_xmlid != NULL)
    {
      if (g_str_equal (subtype_xmlid, "mail.mt_note"))
        subtype = SUBTYPE_NOTE;
      else if (g_str_equal (subtype_xmlid, "mail.mt_comment"))
        subtype = SUBTYPE_COMMENT;
      else
        {
          g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "External ID not found in the system: %s", subtype_xmlid);
          return NULL;
        }
    }
  body = g_strdup (body_node != NULL ? json_node_get_string (body_node) : "");
  if (v17 && !(html_node != NULL && JSON_NODE_HOLDS_VALUE (html_node) && json_node_get_boolean (html_node)))
    {
      /* 17+: a plain str body is escaped */
      g_autofree char *escaped = g_markup_escape_text (body, -1);
      g_free (body);
      body = g_steal_pointer (&escaped);
    }
  else
    {
      g_autofree char *clean = sim_html_sanitize (body);
      g_free (body);
      body = g_steal_pointer (&clean);
    }
  author = int_param (call, G_MAXUINT, "author_id", call->partner_id);
  if (sim_model_get (sim_store_model (call->store, "res.partner"), author) == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_VALIDATION_ERROR, "The author does not exist");
      return NULL;
    }
  id = post_message (call, call->model, g_array_index (ids, gint64, 0), body,
                     message_type != NULL ? message_type : "notification", subtype, author, 0, error);
  if (id == 0)
    return NULL;
  if (SIM_V_AT_LEAST (&call->store->version, 19, 0))
    {
      g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_array_append_val (out, id);
      return ids_node (out);   /* recordsets become id lists on 19 */
    }
  return json_node_init_int (json_node_alloc (), id);
}

static gboolean
context_flag (SimCall *call, const char *name)
{
  JsonNode *node = call->context != NULL && json_object_has_member (call->context, name)
                   ? json_object_get_member (call->context, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

/* Odoo 17 mail.activity.create: an activity for someone else tells them (action_notify),
 * unless the context says mail_activity_quick_update; a user who reads notifications by
 * e-mail (the default) gets a mail.mail "“<record>: <summary>” assigned to you". Seen on
 * a real Odoo 17 too. */
static void
notify_assignee (SimCall *call, gint64 activity_id)
{
  SimModel *acts = sim_store_model (call->store, "mail.activity");
  SimModel *users = sim_store_model (call->store, "res.users");
  SimRecord *act = sim_model_get (acts, activity_id);
  SimRecord *user = act != NULL ? sim_model_get (users, sim_record_get_int (acts, act, "user_id")) : NULL;
  SimModel *target;
  SimRecord *rec;
  g_autoptr(JsonObject) vals = NULL;
  g_autofree char *name = NULL;
  g_autofree char *subject = NULL;
  JsonArray *recipients;
  const char *summary;

  if (user == NULL || user->id == call->uid || context_flag (call, "mail_activity_quick_update") ||
      g_strcmp0 (sim_record_get_string (users, user, "notification_type"), "inbox") == 0)
    return;
  target = sim_store_model (call->store, sim_record_get_string (acts, act, "res_model"));
  rec = target != NULL ? sim_model_get (target, sim_record_get_int (acts, act, "res_id")) : NULL;
  name = rec != NULL ? sim_store_display_name (call->store, target, rec) : g_strdup ("");
  summary = sim_record_get_string (acts, act, "summary");
  subject = summary != NULL ? g_strdup_printf ("\"%s: %s\" assigned to you", name, summary)
                            : g_strdup_printf ("\"%s\" assigned to you", name);
  vals = json_object_new ();
  json_object_set_string_member (vals, "subject", subject);
  json_object_set_string_member (vals, "model", sim_record_get_string (acts, act, "res_model"));
  json_object_set_int_member (vals, "res_id", sim_record_get_int (acts, act, "res_id"));
  recipients = json_array_new ();
  json_array_add_int_element (recipients, sim_record_get_int (users, user, "partner_id"));
  json_object_set_array_member (vals, "recipient_ids", recipients);
  sim_store_create (call->store, "mail.mail", vals, NULL);
}

static JsonNode *
create_activity (SimCall *call, JsonObject *vals, GError **error)
{
  SimModel *models = sim_store_model (call->store, "ir.model");
  SimRecord *model_rec;
  SimModel *target;
  const char *target_name;
  gint64 id;

  if (!json_object_has_member (vals, "res_model_id") ||
      !JSON_NODE_HOLDS_VALUE (json_object_get_member (vals, "res_model_id")) ||
      json_node_get_value_type (json_object_get_member (vals, "res_model_id")) != G_TYPE_INT64)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_VALIDATION_ERROR,
                   "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
                   "- Delete: another model requires the record being deleted.\n\nModel: Activity (mail.activity), Field: Document Model (res_model_id)");
      return NULL;
    }
  model_rec = sim_model_get (models, json_object_get_int_member (vals, "res_model_id"));
  target_name = model_rec != NULL ? sim_record_get_string (models, model_rec, "model") : NULL;
  target = sim_store_model (call->store, target_name);
  if (target == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_VALIDATION_ERROR, "Invalid document model for the activity");
      return NULL;
    }
  if (!json_object_has_member (vals, "res_id") ||
      sim_model_get (target, json_node_get_value_type (json_object_get_member (vals, "res_id")) == G_TYPE_INT64
                                 ? json_object_get_int_member (vals, "res_id") : 0) == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_MISSING_ERROR, "Record does not exist or has been deleted.");
      return NULL;
    }
  json_object_set_string_member (vals, "res_model", target_name);
  if (!json_object_has_member (vals, "user_id"))
    json_object_set_int_member (vals, "user_id", call->uid);
  if (!json_object_has_member (vals, "date_deadline"))
    {
      g_autofree char *today = today_in (call);
      json_object_set_string_member (vals, "date_deadline", today);
    }
  if (json_object_has_member (vals, "note") && JSON_NODE_HOLDS_VALUE (json_object_get_member (vals, "note")) &&
      json_node_get_value_type (json_object_get_member (vals, "note")) == G_TYPE_STRING)
    {
      g_autofree char *clean = sim_html_sanitize (json_object_get_string_member (vals, "note"));
      json_object_set_string_member (vals, "note", clean);
    }
  id = sim_store_create (call->store, "mail.activity", vals, error);
  if (id == 0)
    return NULL;
  notify_assignee (call, id);
  return json_node_init_int (json_node_alloc (), id);
}

static void
append_escaped (GString *out, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  g_string_append (out, escaped);
}

static JsonNode *
do_action_feedback (SimCall *call, GError **error)
{
  static const char * const names[] = { "feedback", "attachment_ids", NULL };
  g_autoptr(GArray) ids = record_ids (call, error);
  SimModel *acts = sim_store_model (call->store, "mail.activity");
  SimModel *types = sim_store_model (call->store, "mail.activity.type");
  const char *feedback = str_param (call, 0, "feedback");
  gint64 last = 0;

  if (ids == NULL || !check_signature (call, 2, names, error) || !require (call, "write", error))
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      SimRecord *act = sim_model_get (acts, g_array_index (ids, gint64, i));
      g_autoptr(GString) body = g_string_new ("<div><p>");
      SimRecord *type;
      const char *summary, *note;
      gboolean archive;

      if (act == NULL || (sim_model_field (acts, "active") != NULL && !sim_record_get_int (acts, act, "active")))
        {
          g_set_error (error, SIM_EXC, SIM_EXC_MISSING_ERROR, "Record does not exist or has been deleted.");
          return NULL;
        }
      type = sim_model_get (types, sim_record_get_int (acts, act, "activity_type_id"));
      append_escaped (body, type != NULL ? sim_record_get_string (types, type, "name") : "Activity");
      g_string_append (body, " done");
      if (sim_record_get_int (acts, act, "user_id") != call->uid)
        {
          /* display_assignee in mail.message_activity_done */
          SimModel *users = sim_store_model (call->store, "res.users");
          SimRecord *assignee = sim_model_get (users, sim_record_get_int (acts, act, "user_id"));

          g_string_append (body, " (originally assigned to <span>");
          append_escaped (body, assignee != NULL ? sim_record_get_string (users, assignee, "name") : "");
          g_string_append (body, "</span>)");
        }
      summary = sim_record_get_string (acts, act, "summary");
      if (summary != NULL)
        {
          g_string_append (body, ": <span class=\"o_mail_activity_summary\">");
          append_escaped (body, summary);
          g_string_append (body, "</span>");
        }
      g_string_append (body, "</p>");
      if (feedback != NULL && *feedback != '\0')
        {
          g_auto(GStrv) lines = g_strsplit (feedback, "\n", -1);

          g_string_append (body, "<div>");
          for (guint j = 0; lines[j] != NULL; j++)
            {
              if (j > 0)
                g_string_append (body, "<br>");
              append_escaped (body, lines[j]);
            }
          g_string_append (body, "</div>");
        }
      note = sim_record_get_string (acts, act, "note");
      if (note != NULL && *note != '\0')
        {
          g_string_append (body, "<div class=\"o_mail_note_title\"><strong>Original note:</strong></div><div>");
          g_string_append (body, note);
          g_string_append (body, "</div>");
        }
      g_string_append (body, "</div>");
      last = post_message (call, sim_record_get_string (acts, act, "res_model"), sim_record_get_int (acts, act, "res_id"),
                           body->str, "notification", SUBTYPE_ACTIVITIES, call->partner_id,
                           type != NULL ? type->id : 0, error);
      if (last == 0)
        return NULL;
      /* ≤16: deleted; 17/18: archived if the type keeps done activities; 19: archived */
      archive = SIM_V_AT_LEAST (&call->store->version, 19, 0) ||
                (SIM_V_AT_LEAST (&call->store->version, 17, 0) && type != NULL &&
                 sim_record_get_int (types, type, "keep_done"));
      if (archive)
        sim_record_set_int (call->store, acts, act, "active", FALSE);
      else
        sim_store_unlink (call->store, "mail.activity", act->id, NULL);
    }
  if (last == 0)
    return json_node_init_boolean (json_node_alloc (), FALSE);
  return json_node_init_int (json_node_alloc (), last);
}

/* ---- dispatch ----------------------------------------------------------- */

JsonNode *
sim_call_execute (SimCall *call, GError **error)
{
  SimModel *model;
  const char *method = call->method;
  gboolean v18 = SIM_V_AT_LEAST (&call->store->version, 18, 0);

  if (method[0] == '_')
    {
      g_set_error (error, SIM_EXC, SIM_EXC_ACCESS_ERROR,
                   "Private methods (such as %s.%s) cannot be called remotely.", call->model, method);
      return NULL;
    }
  model = sim_store_model (call->store, call->model);
  if (model == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_USER_ERROR, "Object %s doesn't exist", call->model);
      return NULL;
    }
  if (sim_method_is_record (method) && call->ids == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "%s() missing the record ids", method);
      return NULL;
    }

  if (g_str_equal (method, "search_read"))
    return do_search (call, TRUE, error);
  if (g_str_equal (method, "search"))
    return do_search (call, FALSE, error);
  if (g_str_equal (method, "search_count"))
    return do_search_count (call, error);
  if (g_str_equal (method, "read"))
    return do_read (call, error);
  if (g_str_equal (method, "create"))
    return do_create (call, error);
  if (g_str_equal (method, "default_get"))
    return do_default_get (call, error);
  if (g_str_equal (method, "write"))
    return do_write (call, error);
  if (g_str_equal (method, "unlink"))
    return do_unlink (call, error);
  if (g_str_equal (method, "fields_get"))
    return do_fields_get (call, error);
  if (g_str_equal (method, "check_access_rights"))
    return do_access (call, FALSE, error);
  if (g_str_equal (method, "has_access") && v18)
    return do_access (call, TRUE, error);
  if (g_str_equal (method, "context_get") && g_str_equal (call->model, "res.users"))
    return do_context_get (call, error);
  if (g_str_equal (method, "message_post") && model->thread)
    return do_message_post (call, error);
  if (g_str_equal (method, "action_feedback") && g_str_equal (call->model, "mail.activity"))
    return do_action_feedback (call, error);

  g_set_error (error, SIM_EXC, SIM_EXC_ATTRIBUTE_ERROR, "The method '%s' does not exist on the model '%s'",
               method, call->model);
  return NULL;
}
