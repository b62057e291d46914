#include "config.h"

#include "hub/rd-desk-backend.h"

G_DEFINE_INTERFACE (RdDeskBackend, rd_desk_backend, G_TYPE_OBJECT)

static void
rd_desk_backend_default_init (RdDeskBackendInterface *iface)
{
}

void
rd_desk_identity_free (RdDeskIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->extension);
  g_free (identity->user_name);
  g_free (identity);
}

RdDeskIdentity *
rd_desk_identity_copy (const RdDeskIdentity *identity)
{
  RdDeskIdentity *copy;

  if (identity == NULL)
    return NULL;
  copy = g_new0 (RdDeskIdentity, 1);
  copy->extension = g_strdup (identity->extension);
  copy->user_id = identity->user_id;
  copy->user_name = g_strdup (identity->user_name);
  copy->key_id = identity->key_id;
  return copy;
}

void
rd_desk_backend_authenticate_async (RdDeskBackend *self, const char *method, const char *who,
                                     const char *key, GCancellable *c,
                                     GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_DESK_BACKEND (self));
  RD_DESK_BACKEND_GET_IFACE (self)->authenticate_async (self, method, who, key, c, cb, data);
}

RdDeskIdentity *
rd_desk_backend_authenticate_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  return RD_DESK_BACKEND_GET_IFACE (self)->authenticate_finish (self, res, error);
}

JsonObject *
rd_desk_backend_get_status (RdDeskBackend *self)
{
  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  return RD_DESK_BACKEND_GET_IFACE (self)->get_status (self);
}

void
rd_desk_backend_dial_async (RdDeskBackend *self, const char *extension, const char *number,
                             GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_DESK_BACKEND (self));
  RD_DESK_BACKEND_GET_IFACE (self)->dial_async (self, extension, number, c, cb, data);
}

char *
rd_desk_backend_dial_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  return RD_DESK_BACKEND_GET_IFACE (self)->dial_finish (self, res, error);
}

JsonArray *
rd_desk_backend_recent_calls (RdDeskBackend *self, const char *extension, guint limit,
                               const char *query, GError **error)
{
  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  return RD_DESK_BACKEND_GET_IFACE (self)->recent_calls (self, extension, limit, query, error);
}

void
rd_desk_backend_lookup_async (RdDeskBackend *self, const char *extension, const char *number,
                               GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_DESK_BACKEND (self));
  RD_DESK_BACKEND_GET_IFACE (self)->lookup_async (self, extension, number, c, cb, data);
}

JsonObject *
rd_desk_backend_lookup_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  return RD_DESK_BACKEND_GET_IFACE (self)->lookup_finish (self, res, error);
}

void
rd_desk_backend_create_record_async (RdDeskBackend *self, const char *extension, const char *number,
                                      const char *kind, const char *name, GCancellable *c,
                                      GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_DESK_BACKEND (self));
  RD_DESK_BACKEND_GET_IFACE (self)->create_record_async (self, extension, number, kind, name, c, cb, data);
}

JsonObject *
rd_desk_backend_create_record_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  return RD_DESK_BACKEND_GET_IFACE (self)->create_record_finish (self, res, error);
}

gboolean
rd_desk_backend_identity_is_current (RdDeskBackend *self, const RdDeskIdentity *identity)
{
  RdDeskBackendInterface *iface;

  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), FALSE);
  iface = RD_DESK_BACKEND_GET_IFACE (self);
  return iface->identity_is_current == NULL || iface->identity_is_current (self, identity);
}

JsonArray *
rd_desk_backend_live_calls (RdDeskBackend *self, const char *extension)
{
  RdDeskBackendInterface *iface;

  g_return_val_if_fail (RD_IS_DESK_BACKEND (self), NULL);
  iface = RD_DESK_BACKEND_GET_IFACE (self);
  return iface->live_calls != NULL ? iface->live_calls (self, extension) : NULL;
}
