#include "config.h"

#include "fake-context.h"

static void fake_context_iface_init (RdHubContextInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeContext, fake_context, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_HUB_CONTEXT, fake_context_iface_init))

static gboolean
ctx_crm_ready (RdHubContext *context)
{
  return FAKE_CONTEXT (context)->ready;
}

static gboolean
ctx_crm_configured (RdHubContext *context)
{
  return FAKE_CONTEXT (context)->configured;
}

static GPtrArray *
ctx_lookup_local (RdHubContext *context, const RdPhoneNumber *number)
{
  FakeContext *self = FAKE_CONTEXT (context);
  GPtrArray *matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);

  for (guint i = 0; number->e164 != NULL && i < self->local->len; i++)
    {
      RdCrmMatch *match = self->local->pdata[i];

      if (g_strv_contains ((const char * const *) match->numbers, number->e164))
        {
          RdCrmMatch *copy = g_new0 (RdCrmMatch, 1);

          copy->kind = match->kind;
          copy->id = match->id;
          copy->name = g_strdup (match->name);
          g_ptr_array_add (matches, copy);
        }
    }
  return matches;
}

static RdCrm *
ctx_get_crm (RdHubContext *context)
{
  return RD_CRM (FAKE_CONTEXT (context)->crm);
}

static RdPbx *
ctx_get_pbx (RdHubContext *context)
{
  return RD_PBX (FAKE_CONTEXT (context)->pbx);
}

static const RdHubSettings *
ctx_get_settings (RdHubContext *context)
{
  return &FAKE_CONTEXT (context)->settings;
}

static const char *
ctx_get_region (RdHubContext *context)
{
  return "CN";
}

static void
lookup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *matches = rd_crm_find_by_phone_finish (RD_CRM (source), result, &error);

  if (matches == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, matches, (GDestroyNotify) g_ptr_array_unref);
}

static void
ctx_lookup_async (RdHubContext *context, const RdPhoneNumber *number, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (context, cancellable, callback, user_data);

  FAKE_CONTEXT (context)->lookups++;
  rd_crm_find_by_phone_async (RD_CRM (FAKE_CONTEXT (context)->crm), number, RD_CRM_KIND_ALL, cancellable,
                              lookup_done, task);
}

static GPtrArray *
ctx_lookup_finish (RdHubContext *context, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ctx_credentials_refused (RdHubContext *context, const char *message)
{
  FakeContext *self = FAKE_CONTEXT (context);

  g_free (self->refused);
  self->refused = g_strdup (message);
  self->ready = FALSE;   /* as the hub does: CRM work stops */
}

static void
fake_context_iface_init (RdHubContextInterface *iface)
{
  iface->crm_ready = ctx_crm_ready;
  iface->crm_configured = ctx_crm_configured;
  iface->lookup_local = ctx_lookup_local;
  iface->get_crm = ctx_get_crm;
  iface->get_pbx = ctx_get_pbx;
  iface->get_settings = ctx_get_settings;
  iface->get_region = ctx_get_region;
  iface->lookup_async = ctx_lookup_async;
  iface->lookup_finish = ctx_lookup_finish;
  iface->credentials_refused = ctx_credentials_refused;
}

static void
fake_context_finalize (GObject *object)
{
  FakeContext *self = FAKE_CONTEXT (object);

  g_clear_object (&self->crm);
  g_clear_object (&self->pbx);
  g_free (self->refused);
  g_ptr_array_unref (self->local);
  rd_hub_settings_clear (&self->settings);
  G_OBJECT_CLASS (fake_context_parent_class)->finalize (object);
}

static void
fake_context_class_init (FakeContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_context_finalize;
}

static void
fake_context_init (FakeContext *self)
{
  self->ready = TRUE;
  self->configured = TRUE;
  self->local = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
  self->crm = fake_crm_new ();
  self->pbx = fake_pbx_new ();
  self->settings.enabled = TRUE;
  self->settings.epoch = 1;
  self->settings.autocreate_kind = RD_CRM_KIND_INDIVIDUAL;
  self->settings.autocreate_prefix = g_strdup ("New - ");
}

FakeContext *
fake_context_new (void)
{
  return g_object_new (FAKE_TYPE_CONTEXT, NULL);
}

void
fake_context_add_local (FakeContext *self, const RdCrmMatch *match)
{
  RdCrmMatch *copy = g_new0 (RdCrmMatch, 1);

  copy->kind = match->kind;
  copy->id = match->id;
  copy->name = g_strdup (match->name);
  copy->numbers = g_strdupv (match->numbers);
  g_ptr_array_add (self->local, copy);
}
