#include "config.h"

#include "crm/rd-crm.h"

#include "core/rd-backend-registry.h"
#include "core/rd-error.h"
#include "crm/rd-crm-backends.h"

#include <string.h>

G_DEFINE_INTERFACE (RdCrm, rd_crm, G_TYPE_OBJECT)

static void
rd_crm_default_init (RdCrmInterface *iface)
{
  g_signal_new ("reachability-changed", RD_TYPE_CRM, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

/* ---- boxed helpers ------------------------------------------------------ */

void
rd_crm_info_free (RdCrmInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->version);
  g_free (info->country_code);
  g_free (info->timezone);
  g_free (info);
}

RdCrmMatch *
rd_crm_match_copy (const RdCrmMatch *match)
{
  RdCrmMatch *copy;

  if (match == NULL)
    return NULL;
  copy = g_new0 (RdCrmMatch, 1);
  copy->kind = match->kind;
  copy->id = match->id;
  copy->name = g_strdup (match->name);
  copy->first_name = g_strdup (match->first_name);
  copy->last_name = g_strdup (match->last_name);
  copy->company = g_strdup (match->company);
  copy->email = g_strdup (match->email);
  copy->owner_id = match->owner_id;
  copy->owner_name = g_strdup (match->owner_name);
  copy->numbers = g_strdupv (match->numbers);
  copy->url = g_strdup (match->url);
  copy->write_date = g_strdup (match->write_date);
  copy->has_name = match->has_name;
  copy->country_code = g_strdup (match->country_code);
  return copy;
}

void
rd_crm_match_free (RdCrmMatch *match)
{
  if (match == NULL)
    return;
  g_free (match->name);
  g_free (match->first_name);
  g_free (match->last_name);
  g_free (match->company);
  g_free (match->email);
  g_free (match->owner_name);
  g_strfreev (match->numbers);
  g_free (match->url);
  g_free (match->write_date);
  g_free (match->country_code);
  g_free (match);
}

void
rd_crm_user_free (RdCrmUser *user)
{
  if (user == NULL)
    return;
  g_free (user->name);
  g_free (user->login);
  g_free (user->email);
  g_free (user);
}

RdCrmCallLog *
rd_crm_call_log_new (void)
{
  return g_new0 (RdCrmCallLog, 1);
}

void
rd_crm_call_log_free (RdCrmCallLog *log)
{
  if (log == NULL)
    return;
  g_free (log->agent_name);
  g_free (log->call_key);
  g_free (log->from_number);
  g_free (log->to_number);
  g_free (log->timezone);
  g_free (log);
}

void
rd_crm_change_free (RdCrmChange *change)
{
  if (change == NULL)
    return;
  g_strfreev (change->numbers);
  g_free (change->name);
  g_free (change->company);
  g_free (change->country_code);
  g_free (change->write_date);
  g_free (change);
}

void
rd_crm_change_page_free (RdCrmChangePage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->changes, g_ptr_array_unref);
  g_free (page->next_mark);
  g_free (page);
}

void
rd_crm_id_bounds_free (RdCrmIdBounds *bounds)
{
  if (bounds == NULL)
    return;
  g_free (bounds->mark);
  g_free (bounds);
}

const char *
rd_crm_kind_to_string (RdCrmKind kind)
{
  switch (kind)
    {
    case RD_CRM_KIND_INDIVIDUAL: return "individual";
    case RD_CRM_KIND_COMPANY:    return "company";
    case RD_CRM_KIND_LEAD:       return "lead";
    case RD_CRM_KIND_ALL:        return "all";
    case RD_CRM_KIND_NONE:       return "none";
    default:                     return "mixed";
    }
}

RdCrmKind
rd_crm_kind_from_string (const char *text)
{
  g_auto(GStrv) parts = NULL;
  RdCrmKind kind = RD_CRM_KIND_NONE;

  if (text == NULL)
    return RD_CRM_KIND_NONE;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = g_strstrip (parts[i]);

      if (g_ascii_strcasecmp (p, "individual") == 0 || g_ascii_strcasecmp (p, "person") == 0 ||
          g_ascii_strcasecmp (p, "contact") == 0)
        kind |= RD_CRM_KIND_INDIVIDUAL;
      else if (g_ascii_strcasecmp (p, "company") == 0)
        kind |= RD_CRM_KIND_COMPANY;
      else if (g_ascii_strcasecmp (p, "lead") == 0)
        kind |= RD_CRM_KIND_LEAD;
      else if (g_ascii_strcasecmp (p, "all") == 0)
        kind |= RD_CRM_KIND_ALL;
    }
  return kind;
}

const char *
rd_crm_user_type_to_string (RdCrmUserType type)
{
  switch (type)
    {
    case RD_CRM_USER_INTERNAL: return "internal";
    case RD_CRM_USER_PORTAL:   return "portal";
    case RD_CRM_USER_PUBLIC:   return "public";
    }
  return "unknown";
}

void
rd_crm_config_clear (RdCrmConfig *config)
{
  if (config == NULL)
    return;
  g_clear_pointer (&config->kind, g_free);
  g_clear_pointer (&config->url, g_free);
  g_clear_pointer (&config->login, g_free);
  if (config->api_key != NULL)
    explicit_bzero (config->api_key, strlen (config->api_key));
  g_clear_pointer (&config->api_key, g_free);
  g_clear_pointer (&config->cert_sha256, g_free);
  g_clear_pointer (&config->options, rd_options_unref);
  config->timeout = 0;
  config->allow_insecure = FALSE;
}

void
rd_crm_config_copy (const RdCrmConfig *config, RdCrmConfig *dest)
{
  g_return_if_fail (config != NULL && dest != NULL);
  dest->kind = g_strdup (config->kind);
  dest->url = g_strdup (config->url);
  dest->login = g_strdup (config->login);
  dest->api_key = g_strdup (config->api_key);
  dest->cert_sha256 = g_strdup (config->cert_sha256);
  dest->timeout = config->timeout;
  dest->allow_insecure = config->allow_insecure;
  dest->options = rd_options_copy (config->options);
}

/* ---- the backend registry ------------------------------------------------ */

static RdBackendRegistry registry;

void
rd_crm_register_backend (const RdCrmBackend *backend)
{
  g_return_if_fail (backend != NULL && backend->kind != NULL && backend->new_func != NULL);
  rd_backend_registry_add (&registry, backend);
}

const RdCrmBackend *
rd_crm_find_backend (const char *kind, GError **error)
{
  return rd_backend_registry_find (&registry, (const gconstpointer *) rd_crm_builtin_backends, kind, "CRM",
                                   error);
}

GPtrArray *
rd_crm_list_backends (void)
{
  return rd_backend_registry_list (&registry, (const gconstpointer *) rd_crm_builtin_backends);
}

RdCrm *
rd_crm_new (const RdCrmConfig *config, GError **error)
{
  const RdCrmBackend *backend;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  backend = rd_crm_find_backend (config->kind, error);
  if (backend == NULL || !rd_options_validate (config->options, backend->options, error))
    return NULL;
  return backend->new_func (config, error);
}

/* ---- dispatch ----------------------------------------------------------- */

#define IFACE(self) (RD_CRM_GET_IFACE (self))

void
rd_crm_connect_async (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->connect_async (self, c, cb, data);
}

RdCrmInfo *
rd_crm_connect_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->connect_finish (self, res, error);
}

const RdCrmInfo *
rd_crm_get_info (RdCrm *self)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->get_info (self);
}

void
rd_crm_find_by_phone_async (RdCrm *self, const RdPhoneNumber *number, RdCrmKind kinds,
                            GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->find_by_phone_async (self, number, kinds, c, cb, data);
}

GPtrArray *
rd_crm_find_by_phone_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->find_by_phone_finish (self, res, error);
}

void
rd_crm_get_record_async (RdCrm *self, RdCrmKind kind, gint64 id,
                         GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->get_record_async (self, kind, id, c, cb, data);
}

RdCrmMatch *
rd_crm_get_record_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->get_record_finish (self, res, error);
}

void
rd_crm_create_record_async (RdCrm *self, RdCrmKind kind, const char *name, const char *number,
                            gint64 owner_user_id, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->create_record_async (self, kind, name, number, owner_user_id, c, cb, data);
}

RdCrmMatch *
rd_crm_create_record_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->create_record_finish (self, res, error);
}

void
rd_crm_log_call_async (RdCrm *self, const RdCrmCallLog *log,
                       GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->log_call_async (self, log, c, cb, data);
}

gboolean
rd_crm_log_call_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), FALSE);
  return IFACE (self)->log_call_finish (self, res, error);
}

void
rd_crm_has_call_log_async (RdCrm *self, RdCrmKind kind, gint64 record_id, const char *call_key,
                           GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->has_call_log_async (self, kind, record_id, call_key, c, cb, data);
}

gboolean
rd_crm_has_call_log_finish (RdCrm *self, GAsyncResult *res, gboolean *out_found, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), FALSE);
  return IFACE (self)->has_call_log_finish (self, res, out_found, error);
}

void
rd_crm_schedule_callback_async (RdCrm *self, const RdCrmCallLog *log,
                                GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->schedule_callback_async (self, log, c, cb, data);
}

gboolean
rd_crm_schedule_callback_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), FALSE);
  return IFACE (self)->schedule_callback_finish (self, res, error);
}

void
rd_crm_list_users_async (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->list_users_async (self, c, cb, data);
}

GPtrArray *
rd_crm_list_users_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->list_users_finish (self, res, error);
}

void
rd_crm_authenticate_user_async (RdCrm *self, const char *login, const char *key,
                                GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->authenticate_user_async (self, login, key, c, cb, data);
}

gint64
rd_crm_authenticate_user_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), 0);
  return IFACE (self)->authenticate_user_finish (self, res, error);
}

void
rd_crm_get_id_bounds_async (RdCrm *self, RdCrmKind kinds, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->get_id_bounds_async (self, kinds, c, cb, data);
}

RdCrmIdBounds *
rd_crm_get_id_bounds_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->get_id_bounds_finish (self, res, error);
}

void
rd_crm_list_records_async (RdCrm *self, const RdCrmRecordQuery *query,
                           GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  g_return_if_fail (query != NULL);
  IFACE (self)->list_records_async (self, query, c, cb, data);
}

RdCrmChangePage *
rd_crm_list_records_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->list_records_finish (self, res, error);
}

void
rd_crm_list_ids_async (RdCrm *self, RdCrmKind kinds, gint64 first_id, gint64 end_id,
                       GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->list_ids_async (self, kinds, first_id, end_id, c, cb, data);
}

GArray *
rd_crm_list_ids_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->list_ids_finish (self, res, error);
}

void
rd_crm_info_id_spaces (const RdCrmInfo *info, RdCrmKind out[4])
{
  static const RdCrmKind own[] = { RD_CRM_KIND_INDIVIDUAL, RD_CRM_KIND_COMPANY, RD_CRM_KIND_LEAD, RD_CRM_KIND_NONE };

  memset (out, 0, 4 * sizeof (RdCrmKind));
  if (info != NULL && info->id_spaces[0] != RD_CRM_KIND_NONE)
    memcpy (out, info->id_spaces, 3 * sizeof (RdCrmKind));
  else
    memcpy (out, own, sizeof own);
}

char *
rd_crm_record_url (RdCrm *self, RdCrmKind kind, gint64 id)
{
  g_return_val_if_fail (RD_IS_CRM (self), NULL);
  return IFACE (self)->record_url (self, kind, id);
}

void
rd_crm_has_callback_async (RdCrm *self, RdCrmKind kind, gint64 record_id, const char *call_key,
                           GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  if (IFACE (self)->has_callback_async == NULL)
    {
      g_task_report_new_error (self, cb, data, rd_crm_has_callback_async, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "This CRM cannot look for an earlier call-back task");
      return;
    }
  IFACE (self)->has_callback_async (self, kind, record_id, call_key, c, cb, data);
}

gboolean
rd_crm_has_callback_finish (RdCrm *self, GAsyncResult *res, gboolean *out_found, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), FALSE);
  if (g_async_result_is_tagged (res, rd_crm_has_callback_async))
    return g_task_propagate_boolean (G_TASK (res), error);
  return IFACE (self)->has_callback_finish (self, res, out_found, error);
}

void
rd_crm_probe_async (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_CRM (self));
  IFACE (self)->probe_async (self, c, cb, data);
}

gboolean
rd_crm_probe_finish (RdCrm *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_CRM (self), FALSE);
  return IFACE (self)->probe_finish (self, res, error);
}
