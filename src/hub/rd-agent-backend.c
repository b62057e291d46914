#include "config.h"

#include "hub/rd-agent-backend.h"

G_DEFINE_INTERFACE (RdAgentBackend, rd_agent_backend, G_TYPE_OBJECT)

static void
rd_agent_backend_default_init (RdAgentBackendInterface *iface)
{
}

void
rd_agent_identity_free (RdAgentIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->extension);
  g_free (identity->user_name);
  g_free (identity);
}

RdAgentIdentity *
rd_agent_identity_copy (const RdAgentIdentity *identity)
{
  RdAgentIdentity *copy;

  if (identity == NULL)
    return NULL;
  copy = g_new0 (RdAgentIdentity, 1);
  copy->extension = g_strdup (identity->extension);
  copy->user_id = identity->user_id;
  copy->user_name = g_strdup (identity->user_name);
  copy->key_id = identity->key_id;
  return copy;
}

void
rd_agent_backend_authenticate_async (RdAgentBackend *self, const char *method, const char *who,
                                     const char *key, GCancellable *c,
                                     GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_AGENT_BACKEND (self));
  RD_AGENT_BACKEND_GET_IFACE (self)->authenticate_async (self, method, who, key, c, cb, data);
}

RdAgentIdentity *
rd_agent_backend_authenticate_finish (RdAgentBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  return RD_AGENT_BACKEND_GET_IFACE (self)->authenticate_finish (self, res, error);
}

JsonObject *
rd_agent_backend_get_status (RdAgentBackend *self)
{
  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  return RD_AGENT_BACKEND_GET_IFACE (self)->get_status (self);
}

void
rd_agent_backend_dial_async (RdAgentBackend *self, const char *extension, const char *number,
                             GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_AGENT_BACKEND (self));
  RD_AGENT_BACKEND_GET_IFACE (self)->dial_async (self, extension, number, c, cb, data);
}

char *
rd_agent_backend_dial_finish (RdAgentBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  return RD_AGENT_BACKEND_GET_IFACE (self)->dial_finish (self, res, error);
}

JsonArray *
rd_agent_backend_recent_calls (RdAgentBackend *self, const char *extension, guint limit,
                               const char *query, GError **error)
{
  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  return RD_AGENT_BACKEND_GET_IFACE (self)->recent_calls (self, extension, limit, query, error);
}

void
rd_agent_backend_lookup_async (RdAgentBackend *self, const char *extension, const char *number,
                               GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_AGENT_BACKEND (self));
  RD_AGENT_BACKEND_GET_IFACE (self)->lookup_async (self, extension, number, c, cb, data);
}

JsonObject *
rd_agent_backend_lookup_finish (RdAgentBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  return RD_AGENT_BACKEND_GET_IFACE (self)->lookup_finish (self, res, error);
}

void
rd_agent_backend_create_record_async (RdAgentBackend *self, const char *extension, const char *number,
                                      const char *kind, const char *name, GCancellable *c,
                                      GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_AGENT_BACKEND (self));
  RD_AGENT_BACKEND_GET_IFACE (self)->create_record_async (self, extension, number, kind, name, c, cb, data);
}

JsonObject *
rd_agent_backend_create_record_finish (RdAgentBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  return RD_AGENT_BACKEND_GET_IFACE (self)->create_record_finish (self, res, error);
}

gboolean
rd_agent_backend_identity_is_current (RdAgentBackend *self, const RdAgentIdentity *identity)
{
  RdAgentBackendInterface *iface;

  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), FALSE);
  iface = RD_AGENT_BACKEND_GET_IFACE (self);
  return iface->identity_is_current == NULL || iface->identity_is_current (self, identity);
}

JsonArray *
rd_agent_backend_live_calls (RdAgentBackend *self, const char *extension)
{
  RdAgentBackendInterface *iface;

  g_return_val_if_fail (RD_IS_AGENT_BACKEND (self), NULL);
  iface = RD_AGENT_BACKEND_GET_IFACE (self);
  return iface->live_calls != NULL ? iface->live_calls (self, extension) : NULL;
}
