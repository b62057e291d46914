#include "config.h"

#include "fake-pbx.h"

static void fake_pbx_iface_init (RdPbxInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakePbx, fake_pbx, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_PBX, fake_pbx_iface_init))

static RdPbxContact *
contact_copy (const RdPbxContact *contact)
{
  RdPbxContact *copy = rd_pbx_contact_new ();

  copy->id = contact->id;
  copy->first_name = g_strdup (contact->first_name);
  copy->last_name = g_strdup (contact->last_name);
  copy->company = g_strdup (contact->company);
  copy->email = g_strdup (contact->email);
  copy->remark = g_strdup (contact->remark);
  for (guint i = 0; contact->numbers != NULL && i < contact->numbers->len; i++)
    {
      RdPbxContactNumber *number = contact->numbers->pdata[i];

      rd_pbx_contact_add_number (copy, number->type, number->number);
    }
  return copy;
}

static RdPbxState
fake_get_state (RdPbx *pbx)
{
  return FAKE_PBX (pbx)->state;
}

static const char *
fake_get_state_message (RdPbx *pbx)
{
  return FAKE_PBX (pbx)->message;
}

static gboolean
connect_later (gpointer data)
{
  FakePbx *self = data;

  fake_pbx_set_state (self, RD_PBX_STATE_CONNECTED, NULL);
  return G_SOURCE_REMOVE;
}

static void
fake_start (RdPbx *pbx)
{
  FakePbx *self = FAKE_PBX (pbx);

  self->starts++;
  if (self->connect_on_start && self->state != RD_PBX_STATE_CONNECTED)
    g_idle_add_full (G_PRIORITY_DEFAULT, connect_later, g_object_ref (self), g_object_unref);
}

static void
fake_adopt_calls (RdPbx *pbx, GPtrArray *legs)
{
  FAKE_PBX (pbx)->adopted += legs != NULL ? legs->len : 0;
}

static void
fake_list_extensions_async (RdPbx *pbx, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakePbx *self = FAKE_PBX (pbx);
  g_autoptr(GTask) task = g_task_new (pbx, c, cb, data);
  GPtrArray *extensions = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_extension_free);

  for (guint i = 0; i < self->extensions->len; i++)
    {
      const RdExtension *ext = self->extensions->pdata[i];
      RdExtension *copy = g_new0 (RdExtension, 1);

      copy->id = g_strdup (ext->id);
      copy->number = g_strdup (ext->number);
      copy->name = g_strdup (ext->name);
      copy->email = g_strdup (ext->email);
      g_ptr_array_add (extensions, copy);
    }
  g_task_return_pointer (task, extensions, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
fake_list_extensions_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_stop_async (RdPbx *pbx, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakePbx *self = FAKE_PBX (pbx);
  g_autoptr(GTask) task = g_task_new (pbx, c, cb, data);

  self->stops++;
  if (!self->stop_keeps_session)
    g_clear_pointer (&self->session, g_free);
  self->state = RD_PBX_STATE_DISCONNECTED;
  g_task_return_boolean (task, TRUE);
}

static gboolean
fake_stop_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
fake_set_high_water_mark (RdPbx *pbx, gint64 unix_seconds)
{
  FAKE_PBX (pbx)->mark = unix_seconds;
}

static gint64
fake_get_high_water_mark (RdPbx *pbx)
{
  return FAKE_PBX (pbx)->mark;
}

static char *
fake_dup_session_state (RdPbx *pbx)
{
  return g_strdup (FAKE_PBX (pbx)->session);
}

static void
fake_upsert_contact_async (RdPbx *pbx, gint64 phonebook_id, const RdPbxContact *contact, GCancellable *c,
                           GAsyncReadyCallback cb, gpointer data)
{
  FakePbx *self = FAKE_PBX (pbx);
  g_autoptr(GTask) task = g_task_new (pbx, c, cb, data);
  RdPbxContact *copy = contact_copy (contact);

  self->upserts++;
  if (copy->id == 0)
    copy->id = self->next_id++;
  for (guint i = 0; i < self->contacts->len; i++)
    if (((RdPbxContact *) self->contacts->pdata[i])->id == copy->id)
      {
        g_ptr_array_remove_index (self->contacts, i);
        break;
      }
  g_ptr_array_add (self->contacts, copy);
  g_task_return_int (task, copy->id);
}

static gint64
fake_upsert_contact_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_int (G_TASK (res), error);
}

static void
fake_search_contacts_async (RdPbx *pbx, const char *text, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakePbx *self = FAKE_PBX (pbx);
  g_autoptr(GTask) task = g_task_new (pbx, c, cb, data);
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_pbx_contact_free);

  for (guint i = 0; i < self->contacts->len; i++)
    {
      RdPbxContact *contact = self->contacts->pdata[i];

      if (g_strcmp0 (contact->remark, text) == 0)
        g_ptr_array_add (found, contact_copy (contact));
    }
  g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
fake_search_contacts_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_dial_async (RdPbx *pbx, const char *extension, const char *number, GCancellable *c, GAsyncReadyCallback cb,
                 gpointer data)
{
  FakePbx *self = FAKE_PBX (pbx);
  g_autoptr(GTask) task = g_task_new (pbx, c, cb, data);

  g_ptr_array_add (self->dials, g_strdup_printf ("%s>%s", extension, number));
  g_task_return_pointer (task, g_strdup_printf ("call-%u", self->dials->len), g_free);
}

static char *
fake_dial_finish (RdPbx *pbx, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_pbx_iface_init (RdPbxInterface *iface)
{
  iface->get_state = fake_get_state;
  iface->get_state_message = fake_get_state_message;
  iface->start = fake_start;
  iface->adopt_calls = fake_adopt_calls;
  iface->list_extensions_async = fake_list_extensions_async;
  iface->list_extensions_finish = fake_list_extensions_finish;
  iface->dial_async = fake_dial_async;
  iface->dial_finish = fake_dial_finish;
  iface->stop_async = fake_stop_async;
  iface->stop_finish = fake_stop_finish;
  iface->set_high_water_mark = fake_set_high_water_mark;
  iface->get_high_water_mark = fake_get_high_water_mark;
  iface->dup_session_state = fake_dup_session_state;
  iface->upsert_contact_async = fake_upsert_contact_async;
  iface->upsert_contact_finish = fake_upsert_contact_finish;
  iface->search_contacts_async = fake_search_contacts_async;
  iface->search_contacts_finish = fake_search_contacts_finish;
}

static void
fake_pbx_finalize (GObject *object)
{
  g_ptr_array_unref (FAKE_PBX (object)->contacts);
  g_ptr_array_unref (FAKE_PBX (object)->dials);
  g_ptr_array_unref (FAKE_PBX (object)->extensions);
  g_free (FAKE_PBX (object)->message);
  g_free (FAKE_PBX (object)->session);
  G_OBJECT_CLASS (fake_pbx_parent_class)->finalize (object);
}

static void
fake_pbx_class_init (FakePbxClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_pbx_finalize;
}

static void
fake_pbx_init (FakePbx *self)
{
  self->contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_pbx_contact_free);
  self->dials = g_ptr_array_new_with_free_func (g_free);
  self->extensions = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_extension_free);
  self->next_id = 500;
  self->state = RD_PBX_STATE_CONNECTED;
}

FakePbx *
fake_pbx_new (void)
{
  return g_object_new (FAKE_TYPE_PBX, NULL);
}

void
fake_pbx_set_state (FakePbx *self, RdPbxState state, const char *message)
{
  self->state = state;
  g_free (self->message);
  self->message = g_strdup (message);
  g_signal_emit_by_name (self, "state-changed", (int) state, message);
}

void
fake_pbx_set_session (FakePbx *self, const char *session)
{
  g_free (self->session);
  self->session = g_strdup (session);
  g_signal_emit_by_name (self, "session-changed");
}

void
fake_pbx_add_extension (FakePbx *self, const char *number, const char *name, const char *email)
{
  RdExtension *ext = g_new0 (RdExtension, 1);

  ext->id = g_strdup_printf ("%u", self->extensions->len + 1);
  ext->number = g_strdup (number);
  ext->name = g_strdup (name);
  ext->email = g_strdup (email);
  g_ptr_array_add (self->extensions, ext);
}

void
fake_pbx_emit_event (FakePbx *self, const char *call_id, const char *extension, RdCallState state,
                     RdDirection direction, const char *remote)
{
  g_autoptr(RdCallEvent) event = rd_call_event_new ();

  event->call_id = g_strdup (call_id);
  event->extension = g_strdup (extension);
  event->state = state;
  event->direction = direction;
  event->remote_number = g_strdup (remote);
  event->timestamp_us = g_get_real_time ();
  g_signal_emit_by_name (self, "call-event", event);
}
