#include "config.h"

#include "rd-odoo-features.h"
#include "rd-odoo-json.h"
#include "core/rd-error.h"
#include "core/rd-phone.h"

void
rd_odoo_features_free (RdOdooFeatures *features)
{
  if (features == NULL)
    return;
  rd_crm_info_free (features->info);
  g_free (features->groups_field);
  g_free (features);
}

/* ---- version ------------------------------------------------------------ */

static gboolean
parse_major (JsonNode *node, guint *major, gboolean *saas)
{
  const char *text;
  guint64 value;

  if (rd_odoo_json_node_int (node, -1) >= 0)
    {
      *major = (guint) MIN (rd_odoo_json_node_int (node, 0), G_MAXUINT);
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  text = json_node_get_string (node);
  if (g_str_has_prefix (text, "saas~"))
    {
      text += 5;
      *saas = TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 1, 999, &value, NULL))
    return FALSE;
  *major = (guint) value;
  return TRUE;
}

/* "17.0-20240709", "saas~17.2+e", "16.0+e" → major, minor */
static gboolean
parse_version_text (const char *text, guint *major, guint *minor, gboolean *saas)
{
  g_auto(GStrv) parts = NULL;
  guint64 a, b = 0;
  g_autofree char *digits = NULL;
  gsize n;

  if (text == NULL)
    return FALSE;
  if (g_str_has_prefix (text, "saas~"))
    {
      text += 5;
      *saas = TRUE;
    }
  n = strspn (text, "0123456789.");
  digits = g_strndup (text, n);
  parts = g_strsplit (digits, ".", 3);
  if (parts[0] == NULL || !g_ascii_string_to_unsigned (parts[0], 10, 1, 999, &a, NULL))
    return FALSE;
  if (parts[1] != NULL && *parts[1] != '\0' &&
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 999, &b, NULL))
    return FALSE;
  *major = (guint) a;
  *minor = (guint) b;
  return TRUE;
}

RdOdooFeatures *
rd_odoo_features_new_from_version (JsonNode *reply, GError **error)
{
  g_autoptr(RdOdooFeatures) f = g_new0 (RdOdooFeatures, 1);
  JsonObject *obj;
  JsonNode *info_node;
  const char *text;
  const char *serie;
  guint major = 0, minor = 0;
  gboolean saas = FALSE, have = FALSE;

  f->info = g_new0 (RdCrmInfo, 1);
  f->info->leads_enabled = TRUE;   /* until default_get says otherwise */
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                           "Odoo's version reply is not an object");
      return NULL;
    }
  obj = json_node_get_object (reply);
  text = rd_odoo_json_get_string (obj, "server_version", NULL);
  if (text == NULL)
    text = rd_odoo_json_get_string (obj, "version", NULL);
  serie = rd_odoo_json_get_string (obj, "server_serie", NULL);
  info_node = json_object_get_member (obj, "server_version_info");
  if (info_node == NULL)
    info_node = json_object_get_member (obj, "version_info");

  if (info_node != NULL && JSON_NODE_HOLDS_ARRAY (info_node))
    {
      JsonArray *arr = json_node_get_array (info_node);
      guint len = json_array_get_length (arr);

      if (len >= 2 && parse_major (json_array_get_element (arr, 0), &major, &saas) &&
          rd_odoo_json_node_int (json_array_get_element (arr, 1), -1) >= 0)
        {
          minor = (guint) MIN (rd_odoo_json_node_int (json_array_get_element (arr, 1), 0), 999);
          have = TRUE;
        }
      if (len >= 6)
        {
          JsonNode *last = json_array_get_element (arr, 5);
          if (JSON_NODE_HOLDS_VALUE (last) && json_node_get_value_type (last) == G_TYPE_STRING &&
              g_str_equal (json_node_get_string (last), "e"))
            f->info->enterprise = TRUE;
        }
    }
  if (!have)
    have = parse_version_text (serie != NULL ? serie : text, &major, &minor, &saas);
  if (!have)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                           "Odoo's version reply carries no version number");
      return NULL;
    }
  if (text != NULL && g_str_has_suffix (text, "+e"))
    f->info->enterprise = TRUE;
  if (major < 14)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE,
                   "Odoo %u is not supported: API keys need Odoo 14 or newer", major);
      return NULL;
    }
  if (major > 99)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo reported an implausible version (%u)", major);
      return NULL;
    }

  f->saas = saas;
  f->info->major = major;
  f->info->minor = minor;
  f->info->version = saas ? g_strdup_printf ("saas~%u.%u", major, minor)
                          : g_strdup_printf ("%u.%u", major, minor);
  f->json2 = major >= 19;
  f->url_paths = major > 17 || (major == 17 && minor >= 2);
  f->body_is_html = major >= 17;
  f->has_access = major >= 18;
  f->groups_field = g_strdup (major >= 19 ? "group_ids" : "groups_id");
  return g_steal_pointer (&f);
}

static gboolean
stored (JsonObject *fields, const char *name)
{
  JsonNode *node = json_object_get_member (fields, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) && rd_odoo_json_get_bool (json_node_get_object (node), "store", FALSE);
}

gboolean
rd_odoo_features_parse_phone_fields (JsonNode *reply, RdOdooPhoneFields *out, RdOdooIndexFields *index,
                                     GError **error)
{
  JsonObject *obj;
  JsonNode *node;

  memset (out, 0, sizeof *out);
  if (index != NULL)
    memset (index, 0, sizeof *index);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo's fields_get reply is not an object");
      return FALSE;
    }
  obj = json_node_get_object (reply);
  node = json_object_get_member (obj, "mobile");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    out->mobile = rd_odoo_json_get_bool (json_node_get_object (node), "store", TRUE);
  node = json_object_get_member (obj, "phone_sanitized");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    out->phone_sanitized = rd_odoo_json_get_bool (json_node_get_object (node), "store", TRUE);
  node = json_object_get_member (obj, "phone_mobile_search");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    out->phone_search = rd_odoo_json_get_bool (json_node_get_object (node), "searchable", TRUE);
  if (index != NULL)
    {
      index->complete_name = stored (obj, "complete_name");
      index->commercial_company_name = stored (obj, "commercial_company_name");
    }
  return TRUE;
}

/* ---- detection sequence ------------------------------------------------- */

typedef enum {
  STEP_WEB_VERSION,
  STEP_RPC_VERSION,
  STEP_AUTHENTICATE,
  STEP_USER,
  STEP_COMPANY,
  STEP_COUNTRY,
  STEP_PARTNER_FIELDS,
  STEP_CRM,
  STEP_LEAD_FIELDS,
  STEP_USER_FIELDS,
  STEP_PARTNER_RIGHTS,
  STEP_LEAD_RIGHTS,
  STEP_LEAD_TYPE,     /* crm.lead default_get(['type']): "lead", or "opportunity" with Leads off */
  STEP_DONE,
} Step;

typedef struct {
  RdOdooTransport *transport;
  char            *login;
  char            *key;
  RdOdooFeatures  *features;
  gint64           country_id;
  Step             step;
} Detect;

static void
detect_free (Detect *d)
{
  g_clear_object (&d->transport);
  g_free (d->login);
  if (d->key != NULL)
    memset (d->key, 0, strlen (d->key));
  g_free (d->key);
  rd_odoo_features_free (d->features);
  g_free (d);
}

static void detect_run (GTask *task);
static void on_detect_reply (GObject *source, GAsyncResult *result, gpointer user_data);

static JsonObject *
search_params (const char *field, const char *op, JsonNode *value, const char * const *fields)
{
  JsonArray *domain = json_array_new ();

  rd_odoo_domain_add_leaf (domain, field, op, value);
  return rd_odoo_search_params (domain, fields, NULL, 0);
}

static JsonObject *
fields_get_params (const char * const *fields)
{
  static const char * const attributes[] = { "type", "store", "searchable", NULL };
  JsonObject *params = json_object_new ();

  json_object_set_member (params, "allfields", rd_odoo_json_strv_new (fields));
  json_object_set_member (params, "attributes", rd_odoo_json_strv_new (attributes));
  return params;
}

static void
execute (GTask *task, const char *model, const char *method, JsonArray *ids, JsonObject *params)
{
  Detect *d = g_task_get_task_data (task);

  rd_odoo_transport_execute_async (d->transport, model, method, ids, params,
                                   g_task_get_cancellable (task), on_detect_reply, task);
}

static void
rights_probe (GTask *task, const char *model)
{
  Detect *d = g_task_get_task_data (task);
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, "operation", "create");
  if (d->features->has_access)
    execute (task, model, "has_access", json_array_new (), params);
  else
    {
      json_object_set_boolean_member (params, "raise_exception", FALSE);
      execute (task, model, "check_access_rights", NULL, params);
    }
}

static void
detect_run (GTask *task)
{
  Detect *d = g_task_get_task_data (task);
  RdOdooFeatures *f = d->features;
  static const char * const phone_fields[] = { "phone_sanitized", "phone_mobile_search", "mobile", NULL };
  static const char * const partner_fields[] = { "phone_sanitized", "phone_mobile_search", "mobile",
                                                 "complete_name", "commercial_company_name", NULL };
  static const char * const group_fields[] = { "groups_id", "group_ids", NULL };

  switch (d->step)
    {
    case STEP_WEB_VERSION:
      rd_odoo_transport_get_async (d->transport, "/web/version", g_task_get_cancellable (task),
                                   on_detect_reply, task);
      return;
    case STEP_RPC_VERSION:
      rd_odoo_transport_rpc_async (d->transport, "common", "version", NULL,
                                   g_task_get_cancellable (task), on_detect_reply, task);
      return;
    case STEP_AUTHENTICATE:
      rd_odoo_transport_set_json2 (d->transport, f->json2);
      if (f->json2)
        {
          rd_odoo_transport_set_credentials (d->transport, 0, d->key);
          execute (task, "res.users", "context_get", NULL, NULL);
        }
      else
        {
          JsonArray *args = json_array_new ();
          json_array_add_string_element (args, rd_odoo_transport_get_database (d->transport));
          json_array_add_string_element (args, d->login);
          json_array_add_string_element (args, d->key);
          json_array_add_object_element (args, json_object_new ());
          rd_odoo_transport_rpc_async (d->transport, "common", "authenticate", args,
                                       g_task_get_cancellable (task), on_detect_reply, task);
        }
      return;
    case STEP_USER:
      {
        static const char * const fields[] = { "login", "tz", "company_id", NULL };
        execute (task, "res.users", "search_read",
                 NULL, search_params ("id", "=", rd_odoo_json_int_new (f->info->admin_user_id), fields));
      }
      return;
    case STEP_COMPANY:
      {
        static const char * const fields[] = { "country_id", NULL };
        execute (task, "res.company", "search_read",
                 NULL, search_params ("id", "=", rd_odoo_json_int_new (f->company_id), fields));
      }
      return;
    case STEP_COUNTRY:
      {
        static const char * const fields[] = { "code", NULL };
        execute (task, "res.country", "search_read",
                 NULL, search_params ("id", "=", rd_odoo_json_int_new (d->country_id), fields));
      }
      return;
    case STEP_PARTNER_FIELDS:
      execute (task, "res.partner", "fields_get", NULL, fields_get_params (partner_fields));
      return;
    case STEP_CRM:
      execute (task, "ir.model", "search_count", NULL,
               search_params ("model", "=", rd_odoo_json_string_new ("crm.lead"), NULL));
      return;
    case STEP_LEAD_FIELDS:
      execute (task, "crm.lead", "fields_get", NULL, fields_get_params (phone_fields));
      return;
    case STEP_USER_FIELDS:
      execute (task, "res.users", "fields_get", NULL, fields_get_params (group_fields));
      return;
    case STEP_PARTNER_RIGHTS:
      rights_probe (task, "res.partner");
      return;
    case STEP_LEAD_RIGHTS:
      rights_probe (task, "crm.lead");
      return;
    case STEP_LEAD_TYPE:
      {
        JsonObject *params = json_object_new ();
        JsonArray *fields = json_array_new ();

        json_array_add_string_element (fields, "type");
        /* JSON-RPC passes it by position; JSON-2 (19+) names it "fields" */
        json_object_set_array_member (params, "fields", fields);
        execute (task, "crm.lead", "default_get", NULL, params);
      }
      return;
    case STEP_DONE:
      g_task_return_pointer (task, g_steal_pointer (&d->features), (GDestroyNotify) rd_odoo_features_free);
      g_object_unref (task);
      return;
    }
}

static JsonObject *
first_record (JsonNode *reply, const char *what, GError **error)
{
  JsonArray *arr;
  JsonNode *first;

  if (reply == NULL || !JSON_NODE_HOLDS_ARRAY (reply))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo's %s reply is not a list", what);
      return NULL;
    }
  arr = json_node_get_array (reply);
  if (json_array_get_length (arr) == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_ACCESS, "Odoo shows no %s record to this user", what);
      return NULL;
    }
  first = json_array_get_element (arr, 0);
  if (!JSON_NODE_HOLDS_OBJECT (first))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo's %s record is not an object", what);
      return NULL;
    }
  return json_node_get_object (first);
}

/* Handles one reply; returns FALSE with @error set to stop. */
static gboolean
detect_take (Detect *d, JsonNode *reply, GError **error)
{
  RdOdooFeatures *f = d->features;
  JsonObject *rec;

  switch (d->step)
    {
    case STEP_WEB_VERSION:
    case STEP_RPC_VERSION:
      d->features = rd_odoo_features_new_from_version (reply, error);
      if (d->features == NULL)
        return FALSE;
      rd_odoo_features_free (f);
      g_debug ("Odoo %s%s", d->features->info->version, d->features->info->enterprise ? " Enterprise" : "");
      d->step = STEP_AUTHENTICATE;
      return TRUE;
    case STEP_AUTHENTICATE:
      {
        gint64 uid;

        if (f->json2)
          uid = JSON_NODE_HOLDS_OBJECT (reply) ? rd_odoo_json_get_int (json_node_get_object (reply), "uid", 0) : -1;
        else
          uid = rd_odoo_json_node_int (reply, JSON_NODE_HOLDS_VALUE (reply) &&
                                               json_node_get_value_type (reply) == G_TYPE_BOOLEAN ? 0 : -1);
        if (uid == 0)
          {
            g_set_error (error, RD_ERROR, RD_ERROR_AUTH,
                         "Odoo rejected the login “%s” or its API key (wrong, expired or revoked)", d->login);
            return FALSE;
          }
        if (uid < 0)
          {
            g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                                 "Odoo's authentication reply carries no user id");
            return FALSE;
          }
        f->info->admin_user_id = uid;
        rd_odoo_transport_set_credentials (d->transport, uid, d->key);
        d->step = STEP_USER;
        return TRUE;
      }
    case STEP_USER:
      {
        const char *login;

        rec = first_record (reply, "user", error);
        if (rec == NULL)
          return FALSE;
        login = rd_odoo_json_get_string (rec, "login", NULL);
        if (f->json2 && (login == NULL || g_ascii_strcasecmp (login, d->login) != 0))
          {
            g_set_error (error, RD_ERROR, RD_ERROR_AUTH,
                         "The API key does not belong to the Odoo user “%s”", d->login);
            return FALSE;
          }
        f->info->timezone = g_strdup (rd_odoo_json_get_string (rec, "tz", NULL));
        rd_odoo_transport_set_timezone (d->transport, f->info->timezone);
        f->company_id = rd_odoo_json_get_m2o_id (rec, "company_id");
        d->step = f->company_id > 0 ? STEP_COMPANY : STEP_PARTNER_FIELDS;
        return TRUE;
      }
    case STEP_COMPANY:
      rec = first_record (reply, "company", error);
      if (rec == NULL)
        return FALSE;
      /* The country's code is not in the many2one pair: read it from res.country. */
      d->country_id = rd_odoo_json_get_m2o_id (rec, "country_id");
      d->step = d->country_id > 0 ? STEP_COUNTRY : STEP_PARTNER_FIELDS;
      return TRUE;
    case STEP_COUNTRY:
      {
        const char *code;

        rec = first_record (reply, "country", error);
        if (rec == NULL)
          return FALSE;
        code = rd_odoo_json_get_string (rec, "code", NULL);
        if (code != NULL && rd_phone_region_is_valid (code))
          f->info->country_code = g_ascii_strup (code, -1);
        d->step = STEP_PARTNER_FIELDS;
        return TRUE;
      }
    case STEP_PARTNER_FIELDS:
      if (!rd_odoo_features_parse_phone_fields (reply, &f->partner, &f->partner_index, error))
        return FALSE;
      f->info->has_mobile = f->partner.mobile;
      f->info->has_phone_search = f->partner.phone_search;
      d->step = STEP_CRM;
      return TRUE;
    case STEP_CRM:
      if (rd_odoo_json_node_int (reply, -1) < 0)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo's search_count reply is not a number");
          return FALSE;
        }
      f->info->has_leads = rd_odoo_json_node_int (reply, 0) > 0;
      /* Individuals and companies are both res.partner: one sequence of ids. */
      f->info->id_spaces[0] = RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY;
      f->info->id_spaces[1] = f->info->has_leads ? RD_CRM_KIND_LEAD : RD_CRM_KIND_NONE;
      d->step = f->info->has_leads ? STEP_LEAD_FIELDS : STEP_USER_FIELDS;
      return TRUE;
    case STEP_LEAD_FIELDS:
      if (!rd_odoo_features_parse_phone_fields (reply, &f->lead, NULL, error))
        return FALSE;
      d->step = STEP_USER_FIELDS;
      return TRUE;
    case STEP_USER_FIELDS:
      if (!JSON_NODE_HOLDS_OBJECT (reply))
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo's fields_get reply is not an object");
          return FALSE;
        }
      if (json_object_has_member (json_node_get_object (reply), "group_ids"))
        {
          g_free (f->groups_field);
          f->groups_field = g_strdup ("group_ids");
        }
      else if (json_object_has_member (json_node_get_object (reply), "groups_id"))
        {
          g_free (f->groups_field);
          f->groups_field = g_strdup ("groups_id");
        }
      d->step = STEP_PARTNER_RIGHTS;
      return TRUE;
    case STEP_PARTNER_RIGHTS:
      f->can_create_partners = JSON_NODE_HOLDS_VALUE (reply) && json_node_get_value_type (reply) == G_TYPE_BOOLEAN &&
                               json_node_get_boolean (reply);
      d->step = f->info->has_leads ? STEP_LEAD_RIGHTS : STEP_DONE;
      return TRUE;
    case STEP_LEAD_RIGHTS:
      f->can_create_leads = JSON_NODE_HOLDS_VALUE (reply) && json_node_get_value_type (reply) == G_TYPE_BOOLEAN &&
                            json_node_get_boolean (reply);
      d->step = STEP_LEAD_TYPE;
      return TRUE;
    case STEP_LEAD_TYPE:
      if (JSON_NODE_HOLDS_OBJECT (reply))
        f->info->leads_enabled = g_strcmp0 (rd_odoo_json_get_string (json_node_get_object (reply), "type", NULL),
                                            "opportunity") != 0;
      d->step = STEP_DONE;
      return TRUE;
    case STEP_DONE:
      break;
    }
  g_assert_not_reached ();
}

static void
on_detect_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Detect *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);

  if (reply == NULL && d->step == STEP_WEB_VERSION &&
      (g_error_matches (error, RD_ERROR, RD_ERROR_NOT_FOUND) ||
       g_error_matches (error, RD_ERROR, RD_ERROR_PROTOCOL)))
    {
      /* No /web/version before 19: ask JSON-RPC. */
      d->step = STEP_RPC_VERSION;
      detect_run (task);
      return;
    }
  if (reply == NULL && (d->step == STEP_PARTNER_RIGHTS || d->step == STEP_LEAD_RIGHTS) &&
      g_error_matches (error, RD_ERROR, RD_ERROR_ACCESS))
    {
      g_clear_error (&error);
      reply = json_node_init_boolean (json_node_alloc (), FALSE);
    }
  if (reply == NULL && d->step == STEP_LEAD_TYPE && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !rd_error_is_transient (error))
    {
      /* the Leads setting stays unknown: taken as on */
      g_debug ("crm.lead default_get: %s", error->message);
      g_clear_error (&error);
      reply = json_node_init_object (json_node_alloc (), json_object_new ());
    }
  if (reply == NULL || !detect_take (d, reply, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  detect_run (task);
}

void
rd_odoo_features_detect_async (RdOdooTransport *transport, const char *login, const char *key,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  Detect *d = g_new0 (Detect, 1);

  g_task_set_source_tag (task, rd_odoo_features_detect_async);
  d->transport = g_object_ref (transport);
  d->login = g_strdup (login);
  d->key = g_strdup (key);
  d->step = STEP_WEB_VERSION;
  g_task_set_task_data (task, d, (GDestroyNotify) detect_free);

  if (login == NULL || *login == '\0' || key == NULL || *key == '\0')
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "The Odoo login and API key must be set");
      g_object_unref (task);
      return;
    }
  detect_run (task);
}

RdOdooFeatures *
rd_odoo_features_detect_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
