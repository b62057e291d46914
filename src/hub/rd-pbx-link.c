#include "config.h"

#include "hub/rd-pbx-link.h"

#include "hub/rd-backend-settings.h"

#include <string.h>

#define MARK_SETTING "pbx.high-water-mark"

struct _RdPbxLink
{
  GObject     parent_instance;

  RdStore    *store;
  RdSecrets  *secrets;
  RdPbx      *pbx;
  char       *problem;      /* why the saved PBX could not be started, or NULL */
  gint64      mark_saved;   /* the high-water mark as the store has it */
};

G_DEFINE_FINAL_TYPE (RdPbxLink, rd_pbx_link, G_TYPE_OBJECT)

enum { SIGNAL_STATE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The PBX session (its tokens) outlives the process, crashes included: a restart
 * takes it over instead of opening another one on the PBX. */
static void
save_session (RdPbxLink *self, RdPbx *pbx)
{
  g_autofree char *state = rd_pbx_dup_session_state (pbx);
  g_autoptr(GError) error = NULL;

  if (!rd_secrets_set (self->secrets, RD_SECRET_PBX_SESSION, state, &error))
    g_warning ("Cannot keep the PBX session for the next start: %s", error->message);
  if (state != NULL)
    explicit_bzero (state, strlen (state));
}

static void
on_state_changed (RdPbx *pbx, int state, const char *message, RdPbxLink *self)
{
  g_message ("PBX %s%s%s", rd_pbx_state_to_string (state), message ? ": " : "", message ? message : "");
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
}

static void
on_session_changed (RdPbx *pbx, RdPbxLink *self)
{
  if (pbx == self->pbx)
    save_session (self, pbx);
}

static void
stopped_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!rd_pbx_stop_finish (RD_PBX (source), result, &error))
    g_debug ("PBX stop: %s", error->message);
}

/* Lets go of the current PBX: no more signals from it, stopped without waiting. */
static void
drop_pbx (RdPbxLink *self)
{
  if (self->pbx == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->pbx, self);
  rd_pbx_stop_async (self->pbx, NULL, stopped_cb, NULL);
  g_clear_object (&self->pbx);
}

RdPbx *
rd_pbx_link_get_pbx (RdPbxLink *self)
{
  g_return_val_if_fail (RD_IS_PBX_LINK (self), NULL);
  return self->pbx;
}

gboolean
rd_pbx_link_is_connected (RdPbxLink *self)
{
  g_return_val_if_fail (RD_IS_PBX_LINK (self), FALSE);
  return self->pbx != NULL && rd_pbx_get_state (self->pbx) == RD_PBX_STATE_CONNECTED;
}

const char *
rd_pbx_link_get_problem (RdPbxLink *self)
{
  g_return_val_if_fail (RD_IS_PBX_LINK (self), NULL);
  return self->problem;
}

void
rd_pbx_link_clear_problem (RdPbxLink *self)
{
  g_return_if_fail (RD_IS_PBX_LINK (self));
  g_clear_pointer (&self->problem, g_free);
}

RdPbx *
rd_pbx_link_load_saved (RdPbxLink *self, GError **error)
{
  RdPbxConfig config = { 0 };
  const RdPbxBackend *backend;
  g_autoptr(GError) local_error = NULL;
  RdPbx *pbx;

  g_return_val_if_fail (RD_IS_PBX_LINK (self), NULL);

  config.base_url = rd_store_get_setting (self->store, "pbx.url");
  if (config.base_url == NULL)
    return NULL;
  config.kind = rd_store_get_setting (self->store, "pbx.kind");
  config.cert_sha256 = rd_store_get_setting (self->store, "pbx.cert-sha256");
  config.allow_insecure = rd_store_get_setting_int (self->store, "pbx.insecure", 0) != 0;
  config.session_state = rd_secrets_get (self->secrets, RD_SECRET_PBX_SESSION, NULL);
  backend = rd_pbx_find_backend (config.kind, error);
  if (backend != NULL)
    config.options = rd_backend_settings_load (self->store, self->secrets, "pbx", backend->options, error);
  if (config.options == NULL)
    {
      rd_pbx_config_clear (&config);
      return NULL;
    }
  pbx = rd_pbx_new (&config, &local_error);
  rd_pbx_config_clear (&config);
  if (pbx == NULL)
    {
      g_free (self->problem);
      self->problem = g_strdup (local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  rd_pbx_link_load_mark (self, pbx, TRUE);
  return pbx;
}

void
rd_pbx_link_load_mark (RdPbxLink *self, RdPbx *pbx, gboolean same_pbx)
{
  gint64 mark;

  g_return_if_fail (RD_IS_PBX_LINK (self));
  g_return_if_fail (RD_IS_PBX (pbx));

  mark = rd_store_get_setting_int (self->store, MARK_SETTING, 0);
  if (!same_pbx || mark <= 0)
    mark = g_get_real_time () / G_USEC_PER_SEC;
  self->mark_saved = mark;
  rd_pbx_set_high_water_mark (pbx, mark);
}

gint64
rd_pbx_link_get_saved_mark (RdPbxLink *self)
{
  g_return_val_if_fail (RD_IS_PBX_LINK (self), 0);
  return self->mark_saved;
}

void
rd_pbx_link_save_mark (RdPbxLink *self, RdPbx *pbx)
{
  g_autoptr(GError) error = NULL;
  gint64 mark;

  g_return_if_fail (RD_IS_PBX_LINK (self));

  if (pbx == NULL || pbx != self->pbx)
    return;
  mark = rd_pbx_get_high_water_mark (pbx);
  if (mark <= self->mark_saved)
    return;
  if (!rd_store_set_setting_int (self->store, MARK_SETTING, mark, &error))
    {
      g_warning ("Cannot save the PBX high-water mark: %s", error->message);
      return;
    }
  self->mark_saved = mark;
}

void
rd_pbx_link_set_pbx (RdPbxLink *self, RdPbx *pbx)
{
  g_return_if_fail (RD_IS_PBX_LINK (self));
  g_return_if_fail (pbx == NULL || RD_IS_PBX (pbx));

  if (self->pbx == pbx)
    return;
  drop_pbx (self);
  if (pbx == NULL)
    return;
  self->pbx = g_object_ref (pbx);
  g_signal_connect (pbx, "state-changed", G_CALLBACK (on_state_changed), self);
  g_signal_connect (pbx, "session-changed", G_CALLBACK (on_session_changed), self);
  save_session (self, pbx);
}

static void
released_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_pbx_stop_finish (RD_PBX (source), result, &error))
    g_debug ("PBX stop: %s", error->message);
  /* given back on the PBX: nothing left to keep, unless the PBX could not be told */
  save_session (g_task_get_source_object (task), RD_PBX (source));
  g_task_return_boolean (task, TRUE);
}

void
rd_pbx_link_release_async (RdPbxLink *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(RdPbx) pbx = NULL;

  g_return_if_fail (RD_IS_PBX_LINK (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_pbx_link_release_async);
  if (self->pbx == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  pbx = g_steal_pointer (&self->pbx);
  g_signal_handlers_disconnect_by_data (pbx, self);
  rd_pbx_stop_async (pbx, cancellable, released_cb, g_steal_pointer (&task));
}

gboolean
rd_pbx_link_release_finish (RdPbxLink *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
rd_pbx_link_dispose (GObject *object)
{
  drop_pbx (RD_PBX_LINK (object));
  G_OBJECT_CLASS (rd_pbx_link_parent_class)->dispose (object);
}

static void
rd_pbx_link_finalize (GObject *object)
{
  RdPbxLink *self = RD_PBX_LINK (object);

  g_clear_object (&self->store);
  g_clear_object (&self->secrets);
  g_free (self->problem);
  G_OBJECT_CLASS (rd_pbx_link_parent_class)->finalize (object);
}

static void
rd_pbx_link_class_init (RdPbxLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_pbx_link_dispose;
  object_class->finalize = rd_pbx_link_finalize;
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_pbx_link_init (RdPbxLink *self)
{
}

RdPbxLink *
rd_pbx_link_new (RdStore *store, RdSecrets *secrets)
{
  RdPbxLink *self;

  g_return_val_if_fail (RD_IS_STORE (store), NULL);
  g_return_val_if_fail (RD_IS_SECRETS (secrets), NULL);

  self = g_object_new (RD_TYPE_PBX_LINK, NULL);
  self->store = g_object_ref (store);
  self->secrets = g_object_ref (secrets);
  return self;
}
