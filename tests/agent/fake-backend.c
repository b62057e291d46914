#include "config.h"

#include "fake-backend.h"

#include "core/rd-error.h"

static void fake_backend_iface_init (RdDeskBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeBackend, fake_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_DESK_BACKEND, fake_backend_iface_init))

static RdDeskIdentity *
identity_new (const char *extension, gint64 user_id, const char *name)
{
  RdDeskIdentity *identity = g_new0 (RdDeskIdentity, 1);

  identity->extension = g_strdup (extension);
  identity->user_id = user_id;
  identity->user_name = g_strdup (name);
  return identity;
}

static void
fake_authenticate_async (RdDeskBackend *backend, const char *method, const char *who, const char *key,
                         GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  g_autoptr(GTask) task = g_task_new (self, c, cb, data);

  self->auth_calls++;
  if (g_str_equal (method, "agent-key"))
    {
      g_autofree char *expected = g_strconcat ("key-", who, NULL);

      if (!g_str_equal (key, expected))
        g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, "Wrong agent key");
      else if (g_str_equal (who, "5555"))
        g_task_return_new_error (task, RD_ERROR, RD_ERROR_NOT_FOUND, "Extension 5555 is not bound");
      else
        g_task_return_pointer (task, identity_new (who, 0, NULL), (GDestroyNotify) rd_desk_identity_free);
    }
  else if (self->crm_down)
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The CRM is unreachable");
  else if (g_str_equal (who, "alice@example.com") && g_str_equal (key, "alice-key"))
    g_task_return_pointer (task, identity_new ("2002", 7, "Alice Zhang"), (GDestroyNotify) rd_desk_identity_free);
  else if (g_str_equal (who, "bob@example.com") && g_str_equal (key, "bob-key"))
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_NOT_FOUND, "No extension is bound to this user");
  else
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, "Wrong login or API key");
}

static RdDeskIdentity *
fake_authenticate_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static JsonObject *
fake_get_status (RdDeskBackend *backend)
{
  return json_object_ref (FAKE_BACKEND (backend)->status);
}

static void
seen (FakeBackend *self, const char *extension, const char *number)
{
  g_ptr_array_add (self->extensions_seen, g_strdup (extension));
  g_free (self->last_number);
  self->last_number = g_strdup (number);
}

static void
fake_dial_async (RdDeskBackend *backend, const char *extension, const char *number,
                 GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  g_autoptr(GTask) task = g_task_new (self, c, cb, data);

  self->dial_calls++;
  seen (self, extension, number);
  if (g_str_has_prefix (number, "fail"))
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_BUSINESS, "Trunk busy");
  else if (g_str_has_prefix (number, "echo:"))
    g_task_return_pointer (task, g_strdup (number), g_free);
  else
    g_task_return_pointer (task, g_strdup_printf ("call-%u", self->dial_calls), g_free);
}

static char *
fake_dial_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static JsonObject *
match_new (const char *kind, gint64 id, const char *name)
{
  JsonObject *match = json_object_new ();

  json_object_set_string_member (match, "kind", kind);
  json_object_set_int_member (match, "id", id);
  json_object_set_string_member (match, "name", name);
  json_object_set_string_member (match, "company", "Acme");
  json_object_set_string_member (match, "url", "https://crm.example.com/odoo/contacts/42");
  json_object_set_null_member (match, "owner");
  return match;
}

static JsonArray *
fake_recent_calls (RdDeskBackend *backend, const char *extension, guint limit,
                   const char *query, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  JsonArray *calls;

  self->other_calls++;
  seen (self, extension, NULL);
  if (g_strcmp0 (query, "error") == 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "History is not available");
      return NULL;
    }
  calls = json_array_new ();
  for (guint i = 0; i < limit; i++)
    {
      JsonObject *call = json_object_new ();
      g_autofree char *id = g_strdup_printf ("%s-%u", extension, i);

      json_object_set_string_member (call, "call_id", id);
      json_object_set_string_member (call, "direction", i % 2 ? "outbound" : "inbound");
      json_object_set_string_member (call, "number", "+86 138 0013 8000");
      if (i == 0)
        {
          json_object_set_string_member (call, "name", "Jane Doe");
          json_object_set_object_member (call, "match", match_new ("individual", 42, "Jane Doe"));
        }
      else
        {
          json_object_set_null_member (call, "name");
          json_object_set_null_member (call, "match");
        }
      json_object_set_int_member (call, "start", 1700000000 + i);
      json_object_set_int_member (call, "ring", 5);
      json_object_set_int_member (call, "talk", 60 + i);
      json_object_set_string_member (call, "outcome", "answered");
      json_array_add_object_element (calls, call);
    }
  return calls;
}

static void
fake_lookup_async (RdDeskBackend *backend, const char *extension, const char *number,
                   GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  g_autoptr(GTask) task = g_task_new (self, c, cb, data);
  JsonObject *result, *num;
  JsonArray *matches = json_array_new ();

  self->other_calls++;
  seen (self, extension, number);
  if (g_str_equal (number, "fail"))
    {
      json_array_unref (matches);
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NETWORK, "CRM unreachable");
      return;
    }
  result = json_object_new ();
  num = json_object_new ();
  json_object_set_string_member (num, "raw", number);
  json_object_set_null_member (num, "e164");
  json_object_set_string_member (num, "display", number);
  json_object_set_string_member (num, "kind", "external");
  json_object_set_object_member (result, "number", num);
  if (g_str_equal (number, "unknown"))
    json_object_set_null_member (result, "match");
  else
    {
      json_object_set_object_member (result, "match", match_new ("individual", 42, number));
      json_array_add_object_element (matches, match_new ("individual", 42, number));
      json_array_add_object_element (matches, match_new ("lead", 43, number));
    }
  json_object_set_array_member (result, "matches", matches);
  g_task_return_pointer (task, result, (GDestroyNotify) json_object_unref);
}

static JsonObject *
fake_lookup_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_create_record_async (RdDeskBackend *backend, const char *extension, const char *number,
                          const char *kind, const char *name, GCancellable *c,
                          GAsyncReadyCallback cb, gpointer data)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  g_autoptr(GTask) task = g_task_new (self, c, cb, data);

  self->other_calls++;
  seen (self, extension, number);
  if (g_str_equal (number, "fail"))
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_ACCESS, "Not allowed to create contacts");
  else
    g_task_return_pointer (task, match_new (kind, 99, name != NULL ? name : "New contact"),
                           (GDestroyNotify) json_object_unref);
}

static JsonObject *
fake_create_record_finish (RdDeskBackend *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_backend_iface_init (RdDeskBackendInterface *iface)
{
  iface->authenticate_async = fake_authenticate_async;
  iface->authenticate_finish = fake_authenticate_finish;
  iface->get_status = fake_get_status;
  iface->dial_async = fake_dial_async;
  iface->dial_finish = fake_dial_finish;
  iface->recent_calls = fake_recent_calls;
  iface->lookup_async = fake_lookup_async;
  iface->lookup_finish = fake_lookup_finish;
  iface->create_record_async = fake_create_record_async;
  iface->create_record_finish = fake_create_record_finish;
}

static void
fake_backend_finalize (GObject *object)
{
  FakeBackend *self = FAKE_BACKEND (object);

  g_ptr_array_unref (self->extensions_seen);
  g_free (self->last_number);
  json_object_unref (self->status);
  G_OBJECT_CLASS (fake_backend_parent_class)->finalize (object);
}

static void
fake_backend_class_init (FakeBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_backend_finalize;
}

static void
fake_backend_init (FakeBackend *self)
{
  self->extensions_seen = g_ptr_array_new_with_free_func (g_free);
  self->status = json_object_new ();
  json_object_set_string_member (self->status, "hub", "ok");
  json_object_set_string_member (self->status, "pbx", "connected");
  json_object_set_string_member (self->status, "crm", "connected");
  json_object_set_null_member (self->status, "message");
}

FakeBackend *
fake_backend_new (void)
{
  return g_object_new (FAKE_TYPE_BACKEND, NULL);
}
