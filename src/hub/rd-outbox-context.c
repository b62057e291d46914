#include "config.h"

#include "hub/rd-outbox-context.h"

G_DEFINE_INTERFACE (RdOutboxContext, rd_outbox_context, G_TYPE_OBJECT)

static void
rd_outbox_context_default_init (RdOutboxContextInterface *iface)
{
}

#define IFACE(self) (RD_OUTBOX_CONTEXT_GET_IFACE (self))

gboolean
rd_outbox_context_crm_ready (RdOutboxContext *self)
{
  g_return_val_if_fail (RD_IS_OUTBOX_CONTEXT (self), FALSE);
  return IFACE (self)->crm_ready (self);
}

RdCrm *
rd_outbox_context_get_crm (RdOutboxContext *self)
{
  g_return_val_if_fail (RD_IS_OUTBOX_CONTEXT (self), NULL);
  return IFACE (self)->get_crm (self);
}

RdPbx *
rd_outbox_context_get_pbx (RdOutboxContext *self)
{
  g_return_val_if_fail (RD_IS_OUTBOX_CONTEXT (self), NULL);
  return IFACE (self)->get_pbx (self);
}

const RdHubSettings *
rd_outbox_context_get_settings (RdOutboxContext *self)
{
  g_return_val_if_fail (RD_IS_OUTBOX_CONTEXT (self), NULL);
  return IFACE (self)->get_settings (self);
}

const char *
rd_outbox_context_get_region (RdOutboxContext *self)
{
  g_return_val_if_fail (RD_IS_OUTBOX_CONTEXT (self), NULL);
  return IFACE (self)->get_region (self);
}

void
rd_outbox_context_lookup_async (RdOutboxContext *self, const RdPhoneNumber *number, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RD_IS_OUTBOX_CONTEXT (self));
  IFACE (self)->lookup_async (self, number, cancellable, callback, user_data);
}

GPtrArray *
rd_outbox_context_lookup_finish (RdOutboxContext *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RD_IS_OUTBOX_CONTEXT (self), NULL);
  return IFACE (self)->lookup_finish (self, result, error);
}

void
rd_outbox_context_credentials_refused (RdOutboxContext *self, const char *message)
{
  g_return_if_fail (RD_IS_OUTBOX_CONTEXT (self));
  IFACE (self)->credentials_refused (self, message);
}
