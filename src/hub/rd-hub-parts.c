/* rd-hub-parts.c — RdHub as the context of its parts (RdHubContext: the outbox worker, the
 * live-call table, the index keeper, the desk backend), as what the administration controls
 * (RdHubControl: the admin and the activity objects), and the hub's handle on the outbox
 * worker (rd-outbox-worker.h). */
#include "config.h"

#include "hub/rd-hub-private.h"

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
