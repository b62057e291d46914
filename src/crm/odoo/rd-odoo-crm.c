#include "config.h"

#include "rd-odoo-crm.h"
#include "rd-odoo-enum.h"
#include "rd-odoo-features.h"
#include "rd-odoo-json.h"
#include "rd-odoo-logger.h"
#include "rd-odoo-lookup.h"
#include "rd-odoo-records.h"
#include "rd-odoo-transport.h"
#include "core/rd-error.h"

#include <glib/gi18n-lib.h>

struct _RdOdooCrm
{
  GObject          parent_instance;

  RdOdooTransport *transport;
  char            *login;
  char            *api_key;
  RdOdooFeatures  *features;       /* NULL until connected */
  GHashTable      *country_codes;  /* gint64* → char* */
  RdOdooLogIds    *log_ids;
  GCancellable    *cancellable;    /* cancelled in dispose */
};

static void rd_odoo_crm_iface_init (RdCrmInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RdOdooCrm, rd_odoo_crm, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_CRM, rd_odoo_crm_iface_init))

static void
rd_odoo_crm_dispose (GObject *object)
{
  RdOdooCrm *self = RD_ODOO_CRM (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (rd_odoo_crm_parent_class)->dispose (object);
}

static void
rd_odoo_crm_finalize (GObject *object)
{
  RdOdooCrm *self = RD_ODOO_CRM (object);

  g_clear_object (&self->transport);
  g_free (self->login);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  rd_odoo_features_free (self->features);
  g_clear_pointer (&self->country_codes, g_hash_table_unref);
  g_clear_pointer (&self->log_ids, rd_odoo_log_ids_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (rd_odoo_crm_parent_class)->finalize (object);
}

static void
rd_odoo_crm_class_init (RdOdooCrmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_odoo_crm_dispose;
  object_class->finalize = rd_odoo_crm_finalize;
}

static void
rd_odoo_crm_init (RdOdooCrm *self)
{
  self->country_codes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->log_ids = rd_odoo_log_ids_new ();
  self->cancellable = g_cancellable_new ();
}

static void
on_reachability (RdOdooTransport *transport, gboolean reachable, const char *why, RdOdooCrm *self)
{
  g_signal_emit_by_name (self, "reachability-changed", reachable, why);
}

/* The backend's own settings (RdCrmConfig.options). */
enum { OPT_DATABASE };

static const RdOptionSpec odoo_options[] = {
  [OPT_DATABASE] = { "database", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "database name", NULL,
                     N_("Database"), N_("The name of the Odoo database, as on Odoo's database selector."), NULL },
  { NULL },
};

static RdCrm *
new_as_crm (const RdCrmConfig *config, GError **error)
{
  return RD_CRM (rd_odoo_crm_new (config, error));
}

const RdCrmBackend rd_odoo_crm_backend = {
  .kind = "odoo",
  .name = "Odoo",
  .options = odoo_options,
  .new_func = new_as_crm,
};

RdOdooCrm *
rd_odoo_crm_new (const RdCrmConfig *config, GError **error)
{
  g_autoptr(RdOdooCrm) self = NULL;

  if (!rd_options_validate (config->options, odoo_options, error))
    return NULL;
  self = g_object_new (RD_TYPE_ODOO_CRM, NULL);
  if (config->login == NULL || *config->login == '\0' || config->api_key == NULL || *config->api_key == '\0')
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The Odoo login and API key must be set");
      return NULL;
    }
  self->transport = rd_odoo_transport_new (config->url,
                                           rd_options_get_string (config->options, &odoo_options[OPT_DATABASE]),
                                           config->timeout,
                                           config->cert_sha256, config->allow_insecure, error);
  if (self->transport == NULL)
    return NULL;
  g_signal_connect_object (self->transport, "reachability", G_CALLBACK (on_reachability), self, 0);
  self->login = g_strdup (config->login);
  self->api_key = g_strdup (config->api_key);
  return g_steal_pointer (&self);
}

/* ---- plumbing ----------------------------------------------------------- */

typedef struct {
  RdCrmKind   kind;
  gint64      id;
  char       *login;
  char       *key;
  gint64      portal_group;
  gint64      public_group;
  gint64      system_group;
  GPtrArray  *rows;
  gint64      uid;
  RdCrmMatch *match;        /* get_record: waiting for its country */
} Op;

static void
op_free (Op *op)
{
  g_free (op->login);
  if (op->key != NULL)
    memset (op->key, 0, strlen (op->key));
  g_free (op->key);
  g_clear_pointer (&op->rows, g_ptr_array_unref);
  rd_crm_match_free (op->match);
  g_free (op);
}

/* A task with an Op, or NULL after returning "not connected". */
static GTask *
op_task (RdOdooCrm *self, GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data,
         gpointer tag, gboolean need_connection)
{
  GTask *task = g_task_new (self, cancellable != NULL ? cancellable : self->cancellable, cb, data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, g_new0 (Op, 1), (GDestroyNotify) op_free);
  if (need_connection && self->features == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_FAILED, "Not connected to Odoo yet");
      g_object_unref (task);
      return NULL;
    }
  return task;
}

static void
task_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

#define FAIL(task, error) G_STMT_START { task_fail ((task), (error)); return; } G_STMT_END

static RdCrmMatch *
match_from_row (RdOdooCrm *self, JsonObject *row, RdCrmKind kind, GError **error)
{
  const char *base = rd_odoo_transport_get_base_url (self->transport);

  if (kind == RD_CRM_KIND_LEAD)
    return rd_odoo_match_from_lead (row, base, self->features->url_paths, error);
  return rd_odoo_match_from_partner (row, base, self->features->url_paths, error);
}

/* ---- connect ------------------------------------------------------------ */

static void
on_detected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdOdooCrm *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  RdOdooFeatures *features = rd_odoo_features_detect_finish (result, &error);
  RdCrmInfo *copy;

  if (features == NULL)
    FAIL (task, g_steal_pointer (&error));
  rd_odoo_features_free (self->features);
  self->features = features;
  copy = g_memdup2 (features->info, sizeof *copy);
  copy->version = g_strdup (features->info->version);
  copy->country_code = g_strdup (features->info->country_code);
  copy->timezone = g_strdup (features->info->timezone);
  g_debug ("Connected to Odoo %s as user %" G_GINT64_FORMAT " (%s, CRM %s, phone search %s)",
           copy->version, copy->admin_user_id, features->json2 ? "JSON-2" : "JSON-RPC",
           copy->has_leads ? "yes" : "no", copy->has_phone_search ? "yes" : "no");
  g_task_return_pointer (task, copy, (GDestroyNotify) rd_crm_info_free);
  g_object_unref (task);
}

static void
odoo_connect_async (RdCrm *crm, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_connect_async, FALSE);

  rd_odoo_features_detect_async (self->transport, self->login, self->api_key,
                                 g_task_get_cancellable (task), on_detected, task);
}

static RdCrmInfo *
odoo_connect_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static const RdCrmInfo *
odoo_get_info (RdCrm *crm)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);

  return self->features != NULL ? self->features->info : NULL;
}

/* ---- lookup ------------------------------------------------------------- */

static void
on_lookup (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  GPtrArray *matches = rd_odoo_lookup_finish (result, &error);

  if (matches == NULL)
    FAIL (task, error);
  g_task_return_pointer (task, matches, (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
odoo_find_by_phone_async (RdCrm *crm, const RdPhoneNumber *number, RdCrmKind kinds,
                          GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_find_by_phone_async, TRUE);

  if (task == NULL)
    return;
  if (number == NULL)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT, "No number to look up"));
  rd_odoo_lookup_async (self->transport, self->features, self->country_codes, number, kinds,
                        g_task_get_cancellable (task), on_lookup, task);
}

static GPtrArray *
odoo_find_by_phone_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- get / create ------------------------------------------------------- */

/* The record's country for its national numbers: its own country_id, else its company's
 * (a contact's parent, a lead's customer), as an ISO code. */
static void
on_country_known (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gint64 country;

  if (!rd_odoo_countries_finish (result, &error))
    FAIL (task, g_steal_pointer (&error));
  country = rd_odoo_json_get_m2o_id (op->rows->pdata[0], "country_id");
  op->match->country_code = g_strdup (g_hash_table_lookup (self->country_codes, &country));
  g_task_return_pointer (task, g_steal_pointer (&op->match), (GDestroyNotify) rd_crm_match_free);
  g_object_unref (task);
}

static void
resolve_country (GTask *task, GPtrArray *rows)
{
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->rows, g_ptr_array_unref);
  op->rows = g_ptr_array_ref (rows);
  if (rows->len == 0 || rd_odoo_json_get_m2o_id (rows->pdata[0], "country_id") <= 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&op->match), (GDestroyNotify) rd_crm_match_free);
      g_object_unref (task);
      return;
    }
  rd_odoo_countries_async (self->transport, self->country_codes, rows, g_task_get_cancellable (task),
                           on_country_known, task);
}

static void
on_company_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;

  if (reply != NULL)
    rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  resolve_country (task, rows);
}

static void
on_record_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;
  gint64 company;

  if (reply != NULL)
    rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  if (rows->len == 0)
    FAIL (task, g_error_new (RD_ERROR, RD_ERROR_NOT_FOUND,
                                         "The Odoo %s %" G_GINT64_FORMAT " does not exist or is archived",
                                         rd_crm_kind_to_string (op->kind), op->id));
  op->match = match_from_row (self, rows->pdata[0], op->kind, &error);
  if (op->match == NULL)
    FAIL (task, g_steal_pointer (&error));
  company = rd_odoo_json_get_m2o_id (rows->pdata[0], op->kind == RD_CRM_KIND_LEAD ? "partner_id" : "parent_id");
  if (rd_odoo_json_get_m2o_id (rows->pdata[0], "country_id") <= 0 && company > 0)
    {
      JsonArray *domain = json_array_new ();
      const char * const fields[] = { "country_id", NULL };

      rd_odoo_domain_add_leaf (domain, "id", "=", rd_odoo_json_int_new (company));
      rd_odoo_transport_execute_async (self->transport, "res.partner", "search_read", NULL,
                                       rd_odoo_search_params (domain, fields, NULL, 1),
                                       g_task_get_cancellable (task), on_company_read, task);
      return;
    }
  resolve_country (task, rows);
}

static void
read_record (GTask *task)
{
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  JsonArray *domain = json_array_new ();
  g_auto(GStrv) fields = op->kind == RD_CRM_KIND_LEAD ? rd_odoo_lead_fields (self->features)
                                                      : rd_odoo_partner_fields (self->features);

  rd_odoo_domain_add_leaf (domain, "id", "=", rd_odoo_json_int_new (op->id));
  rd_odoo_transport_execute_async (self->transport, rd_odoo_model_for_kind (op->kind), "search_read", NULL,
                                   rd_odoo_search_params (domain, (const char * const *) fields, NULL, 1),
                                   g_task_get_cancellable (task), on_record_read, task);
}

static gboolean
single_kind (RdCrmKind kind)
{
  return kind == RD_CRM_KIND_INDIVIDUAL || kind == RD_CRM_KIND_COMPANY || kind == RD_CRM_KIND_LEAD;
}

static void
odoo_get_record_async (RdCrm *crm, RdCrmKind kind, gint64 id,
                       GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_get_record_async, TRUE);
  Op *op;

  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  if (!single_kind (kind) || id <= 0)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                 "A record is read by one kind and a positive id"));
  if (kind == RD_CRM_KIND_LEAD && !self->features->info->has_leads)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_UNAVAILABLE,
                                                 "The CRM app is not installed in Odoo"));
  op->kind = kind;
  op->id = id;
  read_record (task);
}

static RdCrmMatch *
odoo_record_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (reply == NULL)
    FAIL (task, g_steal_pointer (&error));
  if (!rd_odoo_json_node_ids (reply, ids) || ids->len != 1)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_PROTOCOL,
                                                 "Odoo's create reply is not one record id"));
  op->id = g_array_index (ids, gint64, 0);
  g_debug ("Created Odoo %s %" G_GINT64_FORMAT, rd_crm_kind_to_string (op->kind), op->id);
  read_record (task);
}

static void
odoo_create_record_async (RdCrm *crm, RdCrmKind kind, const char *name, const char *number,
                          gint64 owner_user_id, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_create_record_async, TRUE);
  g_autoptr(RdPhoneNumber) parsed = NULL;
  g_autofree char *clean_name = NULL;
  JsonObject *vals, *params;
  JsonArray *vals_list;
  Op *op;

  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  if (!single_kind (kind))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                 "A record is created as an individual, a company or a lead"));
  if (kind == RD_CRM_KIND_LEAD && !self->features->info->has_leads)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_UNAVAILABLE,
                                                 "The CRM app is not installed in Odoo"));
  if (name == NULL || !g_utf8_validate (name, -1, NULL) || *(clean_name = g_strstrip (g_strdup (name))) == '\0')
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                 "A new record needs a name (valid UTF-8)"));
  if (number != NULL && *number != '\0')
    parsed = rd_phone_parse (number, -1, self->features->info->country_code, NULL, NULL);

  op->kind = kind;
  vals = json_object_new ();
  json_object_set_string_member (vals, "name", clean_name);
  if (parsed != NULL && parsed->international != NULL && parsed->e164 != NULL)
    json_object_set_string_member (vals, "phone", parsed->international);
  else if (parsed != NULL && parsed->digits != NULL)
    json_object_set_string_member (vals, "phone", parsed->digits);
  if (kind == RD_CRM_KIND_LEAD)
    {
      /* `type` omitted: Odoo picks lead or opportunity from the "Leads" setting. */
      json_object_set_member (vals, "user_id", owner_user_id > 0 ? rd_odoo_json_int_new (owner_user_id)
                                                                 : rd_odoo_json_bool_new (FALSE));
    }
  else
    {
      json_object_set_boolean_member (vals, "is_company", kind == RD_CRM_KIND_COMPANY);
      if (owner_user_id > 0)
        json_object_set_int_member (vals, "user_id", owner_user_id);
    }
  vals_list = json_array_new ();
  json_array_add_object_element (vals_list, vals);
  params = json_object_new ();
  json_object_set_array_member (params, "vals_list", vals_list);
  rd_odoo_transport_execute_async (self->transport, rd_odoo_model_for_kind (kind), "create", NULL, params,
                                   g_task_get_cancellable (task), on_created, task);
}

/* ---- call logs ---------------------------------------------------------- */

static void
on_logged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!rd_odoo_logger_finish (result, &error))
    FAIL (task, error);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
odoo_log_call_async (RdCrm *crm, const RdCrmCallLog *log, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_log_call_async, TRUE);

  if (task == NULL)
    return;
  if (log == NULL)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT, "No call log given"));
  if (log->kind == RD_CRM_KIND_LEAD && !self->features->info->has_leads)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_UNAVAILABLE,
                                                 "The CRM app is not installed in Odoo"));
  rd_odoo_logger_log_async (self->transport, self->features, self->log_ids, log,
                            g_task_get_cancellable (task), on_logged, task);
}

static gboolean
odoo_boolean_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
odoo_schedule_callback_async (RdCrm *crm, const RdCrmCallLog *log, GCancellable *c,
                              GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_schedule_callback_async, TRUE);

  if (task == NULL)
    return;
  if (log == NULL)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT, "No call given"));
  rd_odoo_logger_callback_async (self->transport, self->features, self->log_ids, log,
                                 g_task_get_cancellable (task), on_logged, task);
}

static void
on_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  gboolean found = FALSE;

  if (!rd_odoo_logger_find_finish (result, &found, &error))
    FAIL (task, error);
  g_task_return_int (task, found ? 1 : 0);
  g_object_unref (task);
}

static void
odoo_has_call_log_async (RdCrm *crm, RdCrmKind kind, gint64 record_id, const char *call_key,
                         GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_has_call_log_async, TRUE);

  if (task == NULL)
    return;
  if (!single_kind (kind))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                 "A call log is looked for on one record"));
  rd_odoo_logger_find_async (self->transport, rd_odoo_model_for_kind (kind), record_id, call_key,
                             g_task_get_cancellable (task), on_found, task);
}

static gboolean
odoo_has_call_log_finish (RdCrm *crm, GAsyncResult *res, gboolean *out_found, GError **error)
{
  g_autoptr(GError) local = NULL;
  gssize found = g_task_propagate_int (G_TASK (res), &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (out_found != NULL)
    *out_found = found > 0;
  return TRUE;
}

static void
odoo_has_callback_async (RdCrm *crm, RdCrmKind kind, gint64 record_id, const char *call_key,
                         GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_has_callback_async, TRUE);

  if (task == NULL)
    return;
  if (!single_kind (kind))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                     "A call-back is looked for on one record"));
  if (kind == RD_CRM_KIND_LEAD && !self->features->info->has_leads)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_UNAVAILABLE,
                                     "The CRM app is not installed in Odoo"));
  rd_odoo_logger_find_callback_async (self->transport, self->features, rd_odoo_model_for_kind (kind),
                                      record_id, call_key, g_task_get_cancellable (task), on_found, task);
}

/* ---- users -------------------------------------------------------------- */

static void
on_users (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_user_free);

  if (reply != NULL)
    rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  for (guint i = 0; i < rows->len; i++)
    {
      RdCrmUser *user = rd_odoo_user_from_record (rows->pdata[i], self->features->groups_field,
                                                  op->portal_group, op->public_group, &error);
      if (user == NULL)
        FAIL (task, g_steal_pointer (&error));
      /* Administration/Settings (base.group_system) */
      user->is_admin = user->type == RD_CRM_USER_INTERNAL &&
                       rd_odoo_user_in_group (rows->pdata[i], self->features->groups_field, op->system_group);
      g_ptr_array_add (users, user);
    }
  g_task_return_pointer (task, g_steal_pointer (&users), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_groups (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;
  const char * const fields[] = { "name", "login", "email", "share", "partner_id", self->features->groups_field, NULL };

  if (reply != NULL)
    rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  for (guint i = 0; i < rows->len; i++)
    {
      const char *name = rd_odoo_json_get_string (rows->pdata[i], "name", NULL);
      gint64 res_id = rd_odoo_json_get_int (rows->pdata[i], "res_id", 0);

      if (g_strcmp0 (name, "group_portal") == 0)
        op->portal_group = res_id;
      else if (g_strcmp0 (name, "group_public") == 0)
        op->public_group = res_id;
      else if (g_strcmp0 (name, "group_system") == 0)
        op->system_group = res_id;
    }
  /* Active users only (Odoo's default filter); portal and public users included. */
  rd_odoo_transport_execute_async (self->transport, "res.users", "search_read", NULL,
                                   rd_odoo_search_params (json_array_new (), fields, "id asc", 0),
                                   g_task_get_cancellable (task), on_users, task);
}

static void
odoo_list_users_async (RdCrm *crm, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_list_users_async, TRUE);
  static const char * const names[] = { "group_portal", "group_public", "group_system", NULL };
  static const char * const fields[] = { "name", "res_id", NULL };
  JsonArray *domain;

  if (task == NULL)
    return;
  domain = json_array_new ();
  rd_odoo_domain_add_leaf (domain, "module", "=", rd_odoo_json_string_new ("base"));
  rd_odoo_domain_add_leaf (domain, "name", "in", rd_odoo_json_strv_new (names));
  rd_odoo_domain_add_leaf (domain, "model", "=", rd_odoo_json_string_new ("res.groups"));
  rd_odoo_transport_execute_async (self->transport, "ir.model.data", "search_read", NULL,
                                   rd_odoo_search_params (domain, fields, NULL, 0),
                                   g_task_get_cancellable (task), on_groups, task);
}

static GPtrArray *
odoo_list_users_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- agent sign-in ------------------------------------------------------ */

static void
on_user_login (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;
  const char *login;

  if (reply != NULL)
    rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  login = rows->len > 0 ? rd_odoo_json_get_string (rows->pdata[0], "login", NULL) : NULL;
  if (login == NULL || g_ascii_strcasecmp (login, op->login) != 0)
    FAIL (task, g_error_new (RD_ERROR, RD_ERROR_AUTH,
                                         "The API key does not belong to the Odoo user “%s”", op->login));
  g_task_return_int (task, op->uid);
  g_object_unref (task);
}

static void
on_user_authenticated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdOdooCrm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  gint64 uid;

  if (reply == NULL)
    FAIL (task, g_steal_pointer (&error));
  if (self->features->json2)
    uid = JSON_NODE_HOLDS_OBJECT (reply) ? rd_odoo_json_get_int (json_node_get_object (reply), "uid", -1) : -1;
  else if (JSON_NODE_HOLDS_VALUE (reply) && json_node_get_value_type (reply) == G_TYPE_BOOLEAN &&
           !json_node_get_boolean (reply))
    uid = 0;
  else
    uid = rd_odoo_json_node_int (reply, -1);
  if (uid == 0)
    FAIL (task, g_error_new (RD_ERROR, RD_ERROR_AUTH,
                                         "Odoo rejected the login “%s” or its API key", op->login));
  if (uid < 0)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_PROTOCOL,
                                                 "Odoo's authentication reply carries no user id"));
  op->uid = uid;
  if (self->features->json2)
    {
      /* A bearer key names its user: make sure it is the one who signs in. */
      static const char * const fields[] = { "login", NULL };
      JsonArray *domain = json_array_new ();

      rd_odoo_domain_add_leaf (domain, "id", "=", rd_odoo_json_int_new (uid));
      rd_odoo_transport_execute_async (self->transport, "res.users", "search_read", NULL,
                                       rd_odoo_search_params (domain, fields, NULL, 1),
                                       g_task_get_cancellable (task), on_user_login, task);
      return;
    }
  g_task_return_int (task, uid);
  g_object_unref (task);
}

static void
odoo_authenticate_user_async (RdCrm *crm, const char *login, const char *key,
                              GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_authenticate_user_async, TRUE);
  Op *op;

  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  if (login == NULL || *login == '\0' || key == NULL || *key == '\0' ||
      !g_utf8_validate (login, -1, NULL) || !g_utf8_validate (key, -1, NULL))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_AUTH, "A login and an API key are needed"));
  op->login = g_strdup (login);
  op->key = g_strdup (key);
  if (self->features->json2)
    rd_odoo_transport_execute_as_async (self->transport, 0, op->key, "res.users", "context_get", NULL, NULL,
                                        g_task_get_cancellable (task), on_user_authenticated, task);
  else
    {
      JsonArray *args = json_array_new ();

      json_array_add_string_element (args, rd_odoo_transport_get_database (self->transport));
      json_array_add_string_element (args, login);
      json_array_add_string_element (args, key);
      json_array_add_object_element (args, json_object_new ());
      rd_odoo_transport_rpc_async (self->transport, "common", "authenticate", args,
                                   g_task_get_cancellable (task), on_user_authenticated, task);
    }
}

static gint64
odoo_authenticate_user_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  g_autoptr(GError) local = NULL;
  gssize uid = g_task_propagate_int (G_TASK (res), &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return 0;
    }
  return uid;
}

/* ---- enumeration for the phone index (rd-odoo-enum.c) --------------------- */

static void
on_bounds (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  RdCrmIdBounds *bounds = rd_odoo_enum_bounds_finish (result, &error);

  if (bounds == NULL)
    FAIL (task, error);
  g_task_return_pointer (task, bounds, (GDestroyNotify) rd_crm_id_bounds_free);
  g_object_unref (task);
}

static void
on_records (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  RdCrmChangePage *page = rd_odoo_enum_records_finish (result, &error);

  if (page == NULL)
    FAIL (task, error);
  g_task_return_pointer (task, page, (GDestroyNotify) rd_crm_change_page_free);
  g_object_unref (task);
}

static void
on_ids (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  GArray *ids = rd_odoo_enum_ids_finish (result, &error);

  if (ids == NULL)
    FAIL (task, error);
  g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
  g_object_unref (task);
}

static void
odoo_get_id_bounds_async (RdCrm *crm, RdCrmKind kinds, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_get_id_bounds_async, TRUE);

  if (task == NULL)
    return;
  rd_odoo_enum_bounds_async (self->transport, self->features, self->country_codes, kinds,
                             g_task_get_cancellable (task), on_bounds, task);
}

static void
odoo_list_records_async (RdCrm *crm, const RdCrmRecordQuery *query,
                         GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_list_records_async, TRUE);

  if (task == NULL)
    return;
  rd_odoo_enum_records_async (self->transport, self->features, self->country_codes, query,
                              g_task_get_cancellable (task), on_records, task);
}

static void
odoo_list_ids_async (RdCrm *crm, RdCrmKind kinds, gint64 first_id, gint64 end_id,
                     GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = op_task (self, c, cb, data, odoo_list_ids_async, TRUE);

  if (task == NULL)
    return;
  rd_odoo_enum_ids_async (self->transport, self->features, kinds, first_id, end_id,
                          g_task_get_cancellable (task), on_ids, task);
}

static gpointer
odoo_pointer_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- URLs --------------------------------------------------------------- */

static char *
odoo_record_url (RdCrm *crm, RdCrmKind kind, gint64 id)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  const char *model = single_kind (kind) ? rd_odoo_model_for_kind (kind) : NULL;
  const char *base = rd_odoo_transport_get_base_url (self->transport);

  if (model == NULL || id <= 0)
    return NULL;
  if (self->features == NULL)
    return rd_odoo_mail_view_url (base, model, id);   /* works on every version */
  return rd_odoo_record_url (base, self->features->url_paths, model, id);
}

static void
on_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
odoo_probe_async (RdCrm *crm, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  RdOdooCrm *self = RD_ODOO_CRM (crm);
  GTask *task = g_task_new (self, c, cb, data);

  g_task_set_source_tag (task, odoo_probe_async);
  rd_odoo_transport_rpc_async (self->transport, "common", "version", json_array_new (), c, on_probed, task);
}

static void
rd_odoo_crm_iface_init (RdCrmInterface *iface)
{
  iface->connect_async = odoo_connect_async;
  iface->connect_finish = odoo_connect_finish;
  iface->get_info = odoo_get_info;
  iface->find_by_phone_async = odoo_find_by_phone_async;
  iface->find_by_phone_finish = odoo_find_by_phone_finish;
  iface->get_record_async = odoo_get_record_async;
  iface->get_record_finish = odoo_record_finish;
  iface->create_record_async = odoo_create_record_async;
  iface->create_record_finish = odoo_record_finish;
  iface->log_call_async = odoo_log_call_async;
  iface->log_call_finish = odoo_boolean_finish;
  iface->has_call_log_async = odoo_has_call_log_async;
  iface->has_call_log_finish = odoo_has_call_log_finish;
  iface->schedule_callback_async = odoo_schedule_callback_async;
  iface->schedule_callback_finish = odoo_boolean_finish;
  iface->list_users_async = odoo_list_users_async;
  iface->list_users_finish = odoo_list_users_finish;
  iface->authenticate_user_async = odoo_authenticate_user_async;
  iface->authenticate_user_finish = odoo_authenticate_user_finish;
  iface->get_id_bounds_async = odoo_get_id_bounds_async;
  iface->get_id_bounds_finish = (RdCrmIdBounds *(*) (RdCrm *, GAsyncResult *, GError **)) odoo_pointer_finish;
  iface->list_records_async = odoo_list_records_async;
  iface->list_records_finish = (RdCrmChangePage *(*) (RdCrm *, GAsyncResult *, GError **)) odoo_pointer_finish;
  iface->list_ids_async = odoo_list_ids_async;
  iface->list_ids_finish = (GArray *(*) (RdCrm *, GAsyncResult *, GError **)) odoo_pointer_finish;
  iface->record_url = odoo_record_url;
  iface->has_callback_async = odoo_has_callback_async;
  iface->has_callback_finish = odoo_has_call_log_finish;
  iface->probe_async = odoo_probe_async;
  iface->probe_finish = odoo_boolean_finish;
}
