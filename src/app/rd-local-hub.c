/* rd-local-hub.c — see rd-local-hub.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-local-hub.h"

struct _RdLocalHub {
  GObject  parent_instance;

  RdHub   *hub;
  gboolean started;
};

G_DEFINE_FINAL_TYPE (RdLocalHub, rd_local_hub, G_TYPE_OBJECT)

typedef struct {
  RdPbxConfig pbx;
  RdCrmConfig crm;
  gboolean    has_pbx, has_crm, bind_auto;
  guint       bound;
} StartData;

static void
start_data_free (StartData *d)
{
  rd_pbx_config_clear (&d->pbx);
  rd_crm_config_clear (&d->crm);
  g_free (d);
}

/* Prefixes @error's message with which part failed, in words for the user. */
static void
return_prefixed (GTask *task, GError *error, const char *what)
{
  g_task_return_new_error (task, error->domain, error->code, "%s: %s", what, error->message);
  g_error_free (error);
}

static void step_crm (GTask *task);
static void step_bind (GTask *task);

static void
on_bound (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->bound = rd_hub_bind_auto_finish (RD_HUB (source), res, NULL, &error);
  if (error)
    return_prefixed (task, error, _("Binding users to extensions failed"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
step_bind (GTask *task)
{
  RdLocalHub *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);

  if (!d->bind_auto || !d->has_pbx || !d->has_crm)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  rd_hub_bind_auto_async (self->hub, FALSE, g_task_get_cancellable (task), on_bound, task);
}

static void
on_crm (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!rd_hub_connect_crm_finish (RD_HUB (source), res, &error))
    {
      return_prefixed (task, error, _("Odoo could not be connected"));
      g_object_unref (task);
      return;
    }
  step_bind (task);
}

static void
step_crm (GTask *task)
{
  RdLocalHub *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);

  if (!d->has_crm)
    {
      step_bind (task);
      return;
    }
  rd_hub_connect_crm_async (self->hub, &d->crm, g_task_get_cancellable (task), on_crm, task);
}

static void
on_pbx (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!rd_hub_connect_pbx_finish (RD_HUB (source), res, &error))
    {
      return_prefixed (task, error, _("The phone system could not be connected"));
      g_object_unref (task);
      return;
    }
  step_crm (task);
}

void
rd_local_hub_start_async (RdLocalHub *self, const RdPbxConfig *pbx, const RdCrmConfig *crm,
                          gboolean bind_auto, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  StartData *d;
  GError *error = NULL;

  g_return_if_fail (RD_IS_LOCAL_HUB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_local_hub_start_async);
  d = g_new0 (StartData, 1);
  d->bind_auto = bind_auto;
  if (pbx)
    {
      d->has_pbx = TRUE;
      rd_pbx_config_copy (pbx, &d->pbx);
    }
  if (crm)
    {
      d->has_crm = TRUE;
      rd_crm_config_copy (crm, &d->crm);
    }
  g_task_set_task_data (task, d, (GDestroyNotify) start_data_free);

  if (!self->started)
    {
      if (!rd_hub_start (self->hub, &error))
        {
          return_prefixed (task, error, _("The hub on this computer could not start"));
          g_object_unref (task);
          return;
        }
      self->started = TRUE;
    }

  if (!d->has_pbx)
    {
      step_crm (task);
      return;
    }
  rd_hub_connect_pbx_async (self->hub, &d->pbx, cancellable, on_pbx, task);
}

gboolean
rd_local_hub_start_finish (RdLocalHub *self, GAsyncResult *result, guint *out_bound, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (out_bound)
    *out_bound = ((StartData *) g_task_get_task_data (G_TASK (result)))->bound;
  return g_task_propagate_boolean (G_TASK (result), error);
}

RdHub *
rd_local_hub_get_hub (RdLocalHub *self)
{
  g_return_val_if_fail (RD_IS_LOCAL_HUB (self), NULL);
  return self->hub;
}

char *
rd_local_hub_get_agent_url (RdLocalHub *self)
{
  g_return_val_if_fail (RD_IS_LOCAL_HUB (self), NULL);
  return self->started ? rd_hub_get_agent_url (self->hub) : NULL;
}

char *
rd_local_hub_issue_agent_key (RdLocalHub *self, const char *extension, GError **error)
{
  g_return_val_if_fail (RD_IS_LOCAL_HUB (self), NULL);
  return rd_hub_issue_agent_key (self->hub, extension, error);
}

static void
on_stopped (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!rd_hub_stop_finish (RD_HUB (source), res, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
rd_local_hub_stop_async (RdLocalHub *self, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_LOCAL_HUB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_local_hub_stop_async);
  if (!self->started)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  self->started = FALSE;
  rd_hub_stop_async (self->hub, cancellable, on_stopped, task);
}

gboolean
rd_local_hub_stop_finish (RdLocalHub *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
rd_local_hub_dispose (GObject *object)
{
  RdLocalHub *self = RD_LOCAL_HUB (object);

  g_clear_object (&self->hub);
  G_OBJECT_CLASS (rd_local_hub_parent_class)->dispose (object);
}

static void
rd_local_hub_class_init (RdLocalHubClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_local_hub_dispose;
}

static void
rd_local_hub_init (RdLocalHub *self)
{
}

RdLocalHub *
rd_local_hub_new (const char *database_path, guint port)
{
  RdLocalHub *self = g_object_new (RD_TYPE_LOCAL_HUB, NULL);
  RdHubOptions options = {
    .listen_address = (char *) "127.0.0.1",
    .port = port,
    .database_path = (char *) database_path,
  };

  self->hub = rd_hub_new (&options);
  return self;
}
