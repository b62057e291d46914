/* rd-hub-control.c — the RdHubControl interface's dispatch. */
#include "config.h"

#include "hub/rd-hub-control.h"

G_DEFINE_INTERFACE (RdHubControl, rd_hub_control, G_TYPE_OBJECT)

static void
rd_hub_control_default_init (RdHubControlInterface *iface)
{
}

#define IFACE(self) RD_HUB_CONTROL_GET_IFACE (self)

gboolean
rd_hub_control_is_running (RdHubControl *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTROL (self), FALSE);
  return IFACE (self)->is_running (self);
}

void
rd_hub_control_status_changed (RdHubControl *self)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->status_changed (self);
}

void
rd_hub_control_kick_outbox (RdHubControl *self)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->kick_outbox (self);
}

void
rd_hub_control_refresh_index (RdHubControl *self)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->refresh_index (self);
}

gboolean
rd_hub_control_save_settings (RdHubControl *self, const RdHubSettings *settings, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB_CONTROL (self), FALSE);
  return IFACE (self)->save_settings (self, settings, error);
}

void
rd_hub_control_reload_settings (RdHubControl *self)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->reload_settings (self);
}

void
rd_hub_control_attach_pbx (RdHubControl *self, RdPbx *pbx)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->attach_pbx (self, pbx);
}

void
rd_hub_control_detach_pbx (RdHubControl *self, RdPbx *pbx)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->detach_pbx (self, pbx);
}

void
rd_hub_control_set_pbx (RdHubControl *self, RdPbx *pbx)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->set_pbx (self, pbx);
}

void
rd_hub_control_start_saved_pbx (RdHubControl *self)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->start_saved_pbx (self);
}

void
rd_hub_control_set_crm (RdHubControl *self, RdCrm *crm)
{
  g_return_if_fail (RD_IS_HUB_CONTROL (self));
  IFACE (self)->set_crm (self, crm);
}
