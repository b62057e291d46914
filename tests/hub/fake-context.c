#include "config.h"

#include "fake-context.h"

static void fake_context_iface_init (RdHubContextInterface *iface);
static void fake_control_iface_init (RdHubControlInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeContext, fake_context, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_HUB_CONTEXT, fake_context_iface_init)
                               G_IMPLEMENT_INTERFACE (RD_TYPE_HUB_CONTROL, fake_control_iface_init))

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

static const char *
ctx_crm_status (RdHubContext *context, const char **message)
{
  FakeContext *self = FAKE_CONTEXT (context);

  *message = self->crm_message;
  if (!self->configured)
    return "not-configured";
  if (!self->settings.enabled)
    return "disabled";
  if (self->ready)
    return "connected";
  return self->crm_state != NULL ? self->crm_state : "failed";
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
  iface->crm_status = ctx_crm_status;
  iface->lookup_local = ctx_lookup_local;
  iface->get_crm = ctx_get_crm;
  iface->get_pbx = ctx_get_pbx;
  iface->get_settings = ctx_get_settings;
  iface->get_region = ctx_get_region;
  iface->lookup_async = ctx_lookup_async;
  iface->lookup_finish = ctx_lookup_finish;
  iface->credentials_refused = ctx_credentials_refused;
}

/* ---- RdHubControl ---- */

static gboolean
ctl_is_running (RdHubControl *control)
{
  return FAKE_CONTEXT (control)->running;
}

static void
ctl_status_changed (RdHubControl *control)
{
  FAKE_CONTEXT (control)->status_changes++;
}

static void
ctl_kick_outbox (RdHubControl *control)
{
  FAKE_CONTEXT (control)->kicks++;
}

static void
ctl_refresh_index (RdHubControl *control)
{
  FAKE_CONTEXT (control)->refreshes++;
}

static gboolean
ctl_save_settings (RdHubControl *control, const RdHubSettings *settings, GError **error)
{
  FakeContext *self = FAKE_CONTEXT (control);
  RdHubSettings copy = *settings;

  copy.sync_phonebook_name = g_strdup (settings->sync_phonebook_name);
  copy.autocreate_prefix = g_strdup (settings->autocreate_prefix);
  copy.region = g_strdup (settings->region);
  rd_hub_settings_clear (&self->settings);
  self->settings = copy;
  self->saves++;
  self->status_changes++;
  return TRUE;
}

static void
ctl_reload_settings (RdHubControl *control)
{
  FAKE_CONTEXT (control)->reloads++;
}

static void
ctl_attach_pbx (RdHubControl *control, RdPbx *pbx)
{
  FAKE_CONTEXT (control)->attached++;
}

static void
ctl_detach_pbx (RdHubControl *control, RdPbx *pbx)
{
  FAKE_CONTEXT (control)->attached--;
}

static void
ctl_set_pbx (RdHubControl *control, RdPbx *pbx)
{
  FakeContext *self = FAKE_CONTEXT (control);

  g_set_object (&self->pbx, (FakePbx *) pbx);
  self->status_changes++;
}

static void
ctl_start_saved_pbx (RdHubControl *control)
{
  FAKE_CONTEXT (control)->saved_pbx_starts++;
}

static void
ctl_set_crm (RdHubControl *control, RdCrm *crm)
{
  FakeContext *self = FAKE_CONTEXT (control);

  g_set_object (&self->crm, (FakeCrm *) crm);
  self->configured = crm != NULL;
}

static void
fake_control_iface_init (RdHubControlInterface *iface)
{
  iface->is_running = ctl_is_running;
  iface->status_changed = ctl_status_changed;
  iface->kick_outbox = ctl_kick_outbox;
  iface->refresh_index = ctl_refresh_index;
  iface->save_settings = ctl_save_settings;
  iface->reload_settings = ctl_reload_settings;
  iface->attach_pbx = ctl_attach_pbx;
  iface->detach_pbx = ctl_detach_pbx;
  iface->set_pbx = ctl_set_pbx;
  iface->start_saved_pbx = ctl_start_saved_pbx;
  iface->set_crm = ctl_set_crm;
}

static void
fake_context_finalize (GObject *object)
{
  FakeContext *self = FAKE_CONTEXT (object);

  g_clear_object (&self->crm);
  g_clear_object (&self->pbx);
  g_free (self->refused);
  g_free (self->crm_message);
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
  self->running = TRUE;
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

void
fake_store_with_alice (const char *alice_login, RdStore **store, RdBindings **bindings)
{
  g_autoptr(GError) error = NULL;
  RdBinding alice = { .extension = (char *) "2001", .user_id = 7, .user_name = (char *) "Alice",
                      .user_login = (char *) alice_login };

  *store = rd_store_open (":memory:", &error);
  g_assert_no_error (error);
  *bindings = rd_bindings_new (*store, &error);
  g_assert_no_error (error);
  g_assert_true (rd_bindings_bind (*bindings, &alice, &error));
}
