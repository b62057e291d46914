/* rd-hub-parts.c — RdHub as the context of its parts (RdHubContext: the outbox worker, the
 * live-call table, the index keeper, the desk backend), as what the administration controls
 * (RdHubControl: the admin and the activity objects), and the hub's handle on the outbox
 * worker (rd-outbox-worker.h). */
#include "config.h"

#include "hub/rd-hub-private.h"

#include "core/rd-error.h"

#include <unistd.h>

static gboolean
context_crm_ready (RdHubContext *context)
{
  return rd_hub_crm_ready (RD_HUB (context));
}

static gboolean
context_crm_configured (RdHubContext *context)
{
  return rd_crm_link_get_state (RD_HUB (context)->crm_link) != RD_HUB_CRM_NOT_CONFIGURED;
}

static const char *
context_crm_status (RdHubContext *context, const char **message)
{
  RdHub *self = RD_HUB (context);

  *message = rd_crm_link_get_message (self->crm_link);
  return rd_hub_crm_state_string (self);
}

static GPtrArray *
context_lookup_local (RdHubContext *context, const RdPhoneNumber *number)
{
  return rd_hub_lookup_local (RD_HUB (context), number);
}

static RdCrm *
context_get_crm (RdHubContext *context)
{
  return rd_crm_link_get_crm (RD_HUB (context)->crm_link);
}

static RdPbx *
context_get_pbx (RdHubContext *context)
{
  return rd_hub_get_pbx (RD_HUB (context));
}

static const RdHubSettings *
context_get_settings (RdHubContext *context)
{
  return &RD_HUB (context)->settings;
}

static const char *
context_get_region (RdHubContext *context)
{
  return rd_hub_region (RD_HUB (context));
}

static void
context_lookup_async (RdHubContext *context, const RdPhoneNumber *number, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  rd_hub_lookup_async (RD_HUB (context), number, cancellable, callback, user_data);
}

static GPtrArray *
context_lookup_finish (RdHubContext *context, GAsyncResult *result, GError **error)
{
  return rd_hub_lookup_finish (RD_HUB (context), result, error);
}

static void
context_credentials_refused (RdHubContext *context, const char *message)
{
  RdHub *self = RD_HUB (context);

  if (rd_crm_link_get_state (self->crm_link) != RD_HUB_CRM_CONNECTED)
    return;
  /* A revoked key or a removed right: stop CRM work until the administrator acts. */
  rd_crm_link_set_state (self->crm_link, RD_HUB_CRM_FAILED, message);
  rd_hub_emit_status (self);
}

void
rd_hub_parts_context_iface_init (RdHubContextInterface *iface)
{
  iface->crm_ready = context_crm_ready;
  iface->crm_configured = context_crm_configured;
  iface->crm_status = context_crm_status;
  iface->lookup_local = context_lookup_local;
  iface->get_crm = context_get_crm;
  iface->get_pbx = context_get_pbx;
  iface->get_settings = context_get_settings;
  iface->get_region = context_get_region;
  iface->lookup_async = context_lookup_async;
  iface->lookup_finish = context_lookup_finish;
  iface->credentials_refused = context_credentials_refused;
}

/* ---- RdHubControl ---------------------------------------------------------------- */

static gboolean
control_is_running (RdHubControl *control)
{
  RdHub *self = RD_HUB (control);

  return self->started && !self->stopping;
}

static void
control_status_changed (RdHubControl *control)
{
  rd_hub_emit_status (RD_HUB (control));
}

static void
control_kick_outbox (RdHubControl *control)
{
  rd_hub_outbox_kick (RD_HUB (control));
}

static void
control_refresh_index (RdHubControl *control)
{
  rd_hub_refresh_index (RD_HUB (control));
}

static gboolean
control_save_settings (RdHubControl *control, const RdHubSettings *settings, GError **error)
{
  return rd_hub_save_settings (RD_HUB (control), settings, error);
}

static void
control_reload_settings (RdHubControl *control)
{
  rd_hub_load_settings (RD_HUB (control));
}

static void
control_attach_pbx (RdHubControl *control, RdPbx *pbx)
{
  rd_hub_attach_pbx (RD_HUB (control), pbx);
}

static void
control_detach_pbx (RdHubControl *control, RdPbx *pbx)
{
  g_signal_handlers_disconnect_by_data (pbx, control);
}

static void
control_set_pbx (RdHubControl *control, RdPbx *pbx)
{
  rd_hub_set_pbx (RD_HUB (control), pbx);
}

static void
control_start_saved_pbx (RdHubControl *control)
{
  rd_hub_start_saved_pbx (RD_HUB (control));
}

static void
control_set_crm (RdHubControl *control, RdCrm *crm)
{
  rd_hub_set_crm (RD_HUB (control), crm);
}

void
rd_hub_parts_control_iface_init (RdHubControlInterface *iface)
{
  iface->is_running = control_is_running;
  iface->status_changed = control_status_changed;
  iface->kick_outbox = control_kick_outbox;
  iface->refresh_index = control_refresh_index;
  iface->save_settings = control_save_settings;
  iface->reload_settings = control_reload_settings;
  iface->attach_pbx = control_attach_pbx;
  iface->detach_pbx = control_detach_pbx;
  iface->set_pbx = control_set_pbx;
  iface->start_saved_pbx = control_start_saved_pbx;
  iface->set_crm = control_set_crm;
}

/* ---- the outbox worker ------------------------------------------------------------- */

gboolean
rd_hub_outbox_init (RdHub *self, GError **error)
{
  g_autofree char *claimer = g_strdup_printf ("hub-%d", (int) getpid ());

  self->outbox = rd_outbox_worker_new (RD_HUB_CONTEXT (self), self->store, self->index, claimer, error);
  return self->outbox != NULL;
}

void
rd_hub_outbox_kick (RdHub *self)
{
  if (self->outbox != NULL && !self->stopping)
    rd_outbox_worker_kick (self->outbox);
}

void
rd_hub_outbox_stop (RdHub *self)
{
  if (self->outbox != NULL)
    rd_outbox_worker_stop (self->outbox);
}

/* ---- the administration (rd-hub-admin.h): the hub's API forwards to it -------------- */

/* The administration's asynchronous answers come back as the hub's own: callers see the hub
 * as the source object, as they always did. */
static void
forward_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_pointer (task, g_object_ref (result), g_object_unref);
}

/* NULL (the task answered with the error) when the hub has no administration yet. */
static GTask *
forward_task (RdHub *self, gpointer tag, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_check_cancellable (task, FALSE);   /* the administration's answer says */
  if (self->admin != NULL)
    return task;
  g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
  g_object_unref (task);
  return NULL;
}

/* The administration's result, or NULL with its error. */
static GAsyncResult *
forwarded (RdHub *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The administration and the activity exist from start on. */
static gboolean
require_running (RdHub *self, gpointer part, GError **error)
{
  if (part != NULL)
    return TRUE;
  g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
  return FALSE;
}

void
rd_hub_connect_pbx_async (RdHub *self, const RdPbxConfig *config, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_connect_pbx_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_connect_pbx_async (self->admin, config, cancellable, forward_cb, task);
}

gboolean
rd_hub_connect_pbx_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL && rd_hub_admin_connect_pbx_finish (self->admin, inner, error);
}

void
rd_hub_connect_crm_async (RdHub *self, const RdCrmConfig *config, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_connect_crm_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_connect_crm_async (self->admin, config, cancellable, forward_cb, task);
}

gboolean
rd_hub_connect_crm_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL && rd_hub_admin_connect_crm_finish (self->admin, inner, error);
}

void
rd_hub_bind_auto_async (RdHub *self, gboolean dry_run, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_bind_auto_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_bind_auto_async (self->admin, dry_run, cancellable, forward_cb, task);
}

guint
rd_hub_bind_auto_finish (RdHub *self, GAsyncResult *result, JsonArray **plan, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  if (inner == NULL)
    {
      if (plan != NULL)
        *plan = json_array_new ();
      return 0;
    }
  return rd_hub_admin_bind_auto_finish (self->admin, inner, plan, error);
}

void
rd_hub_bind_async (RdHub *self, const char *extension, const char *user, gboolean force,
                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_bind_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_bind_async (self->admin, extension, user, force, cancellable, forward_cb, task);
}

gboolean
rd_hub_bind_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL && rd_hub_admin_bind_finish (self->admin, inner, error);
}

gboolean
rd_hub_unbind (RdHub *self, const char *extension, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_unbind (self->admin, extension, error);
}

void
rd_hub_list_users_async (RdHub *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_list_users_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_list_users_async (self->admin, cancellable, forward_cb, task);
}

JsonArray *
rd_hub_list_users_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL ? rd_hub_admin_list_users_finish (self->admin, inner, error) : NULL;
}

void
rd_hub_list_extensions_async (RdHub *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_list_extensions_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_list_extensions_async (self->admin, cancellable, forward_cb, task);
}

JsonArray *
rd_hub_list_extensions_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL ? rd_hub_admin_list_extensions_finish (self->admin, inner, error) : NULL;
}

void
rd_hub_configure_sync_async (RdHub *self, gboolean enabled, RdCrmKind kinds, const char *phonebook,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_configure_sync_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_configure_sync_async (self->admin, enabled, kinds, phonebook, cancellable, forward_cb, task);
}

gboolean
rd_hub_configure_sync_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL && rd_hub_admin_configure_sync_finish (self->admin, inner, error);
}

gboolean
rd_hub_configure_autocreate (RdHub *self, gboolean enabled, RdHubCalls calls, RdCrmKind kind,
                             const char *prefix, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_configure_autocreate (self->admin, enabled, calls, kind, prefix, error);
}

gboolean
rd_hub_set_region (RdHub *self, const char *region, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_set_region (self->admin, region, error);
}

gboolean
rd_hub_set_enabled (RdHub *self, gboolean enabled, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_set_enabled (self->admin, enabled, error);
}

gboolean
rd_hub_disconnect_crm (RdHub *self, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_disconnect_crm (self->admin, error);
}

char *
rd_hub_issue_agent_key (RdHub *self, const char *extension, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), NULL);
  if (!require_running (self, self->admin, error))
    return NULL;
  return rd_hub_admin_issue_agent_key (self->admin, extension, error);
}

JsonArray *
rd_hub_list_agent_keys (RdHub *self)
{
  g_return_val_if_fail (RD_IS_HUB (self), NULL);
  if (self->admin == NULL)
    return json_array_new ();
  return rd_hub_admin_list_agent_keys (self->admin);
}

gboolean
rd_hub_revoke_agent_key (RdHub *self, gint64 id, const char *extension, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_revoke_agent_key (self->admin, id, extension, error);
}

void
rd_hub_test_crm_async (RdHub *self, const RdCrmConfig *config, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_test_crm_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_test_crm_async (self->admin, config, cancellable, forward_cb, task);
}

JsonObject *
rd_hub_test_crm_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL ? rd_hub_admin_test_crm_finish (self->admin, inner, error) : NULL;
}

void
rd_hub_probe_certificate_async (RdHub *self, const char *url, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_probe_certificate_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_probe_certificate_async (self->admin, url, cancellable, forward_cb, task);
}

JsonObject *
rd_hub_probe_certificate_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL ? rd_hub_admin_probe_certificate_finish (self->admin, inner, error) : NULL;
}

gboolean
rd_hub_set_log_style (RdHub *self, RdCrmLogStyle style, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (!require_running (self, self->admin, error))
    return FALSE;
  return rd_hub_admin_set_log_style (self->admin, style, error);
}

void
rd_hub_verify_crm_admin_async (RdHub *self, const char *login, const char *key, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_HUB (self));
  task = forward_task (self, rd_hub_verify_crm_admin_async, cancellable, callback, user_data);
  if (task != NULL)
    rd_hub_admin_verify_crm_admin_async (self->admin, login, key, cancellable, forward_cb, task);
}

JsonObject *
rd_hub_verify_crm_admin_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GAsyncResult) inner = forwarded (self, result, error);

  return inner != NULL ? rd_hub_admin_verify_crm_admin_finish (self->admin, inner, error) : NULL;
}

/* ---- the activity listings (rd-hub-activity.h): the hub's API forwards to them ------- */

JsonArray *
rd_hub_list_outbox (RdHub *self, gboolean failed_only, guint limit, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), NULL);
  if (!require_running (self, self->activity, error))
    return NULL;
  return rd_hub_activity_list_outbox (self->activity, failed_only, limit, error);
}

gboolean
rd_hub_retry_outbox (RdHub *self, gint64 id, guint *out_count, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  if (out_count != NULL)
    *out_count = 0;
  if (!require_running (self, self->activity, error))
    return FALSE;
  return rd_hub_activity_retry_outbox (self->activity, id, out_count, error);
}

JsonArray *
rd_hub_list_calls (RdHub *self, guint limit, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), NULL);
  if (!require_running (self, self->activity, error))
    return NULL;
  return rd_hub_activity_list_calls (self->activity, limit, error);
}

void
rd_hub_audit (RdHub *self, const char *actor, const char *action, const char *detail)
{
  g_return_if_fail (RD_IS_HUB (self));
  if (self->activity != NULL)
    rd_hub_activity_audit (self->activity, actor, action, detail);
}

JsonArray *
rd_hub_list_audit (RdHub *self, guint limit, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), NULL);
  if (!require_running (self, self->activity, error))
    return NULL;
  return rd_hub_activity_list_audit (self->activity, limit, error);
}
