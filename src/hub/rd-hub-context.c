#include "config.h"

#include "hub/rd-hub-context.h"

G_DEFINE_INTERFACE (RdHubContext, rd_hub_context, G_TYPE_OBJECT)

static void
rd_hub_context_default_init (RdHubContextInterface *iface)
{
}

#define IFACE(self) (RD_HUB_CONTEXT_GET_IFACE (self))

gboolean
rd_hub_context_crm_ready (RdHubContext *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), FALSE);
  return IFACE (self)->crm_ready (self);
}

gboolean
rd_hub_context_crm_configured (RdHubContext *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), FALSE);
  return IFACE (self)->crm_configured (self);
}

const char *
rd_hub_context_crm_status (RdHubContext *self, const char **message)
{
  const char *ignored = NULL;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), "failed");
  return IFACE (self)->crm_status (self, message != NULL ? message : &ignored);
}

GPtrArray *
rd_hub_context_lookup_local (RdHubContext *self, const RdPhoneNumber *number)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), NULL);
  return IFACE (self)->lookup_local (self, number);
}

RdCrm *
rd_hub_context_get_crm (RdHubContext *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), NULL);
  return IFACE (self)->get_crm (self);
}

RdPbx *
rd_hub_context_get_pbx (RdHubContext *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), NULL);
  return IFACE (self)->get_pbx (self);
}

const RdHubSettings *
rd_hub_context_get_settings (RdHubContext *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), NULL);
  return IFACE (self)->get_settings (self);
}

const char *
rd_hub_context_get_region (RdHubContext *self)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), NULL);
  return IFACE (self)->get_region (self);
}

void
rd_hub_context_lookup_async (RdHubContext *self, const RdPhoneNumber *number, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RD_IS_HUB_CONTEXT (self));
  IFACE (self)->lookup_async (self, number, cancellable, callback, user_data);
}

GPtrArray *
rd_hub_context_lookup_finish (RdHubContext *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB_CONTEXT (self), NULL);
  return IFACE (self)->lookup_finish (self, result, error);
}

void
rd_hub_context_credentials_refused (RdHubContext *self, const char *message)
{
  g_return_if_fail (RD_IS_HUB_CONTEXT (self));
  IFACE (self)->credentials_refused (self, message);
}
