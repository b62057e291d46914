#include "config.h"

#include "hub/rd-crm-link.h"

#include "core/rd-error.h"

struct _RdCrmLink
{
  GObject        parent_instance;

  RdCrm         *crm;
  GCancellable  *cancellable;
  RdHubCrmState  state;
  char          *message;
  guint          retry_id;
  guint          retry_delay;    /* seconds, 0 = no failure yet */
  guint          probe_id;
  gboolean       stopped;
  guint          retry_min;
  guint          retry_max;
  guint          probe_seconds;
};

G_DEFINE_FINAL_TYPE (RdCrmLink, rd_crm_link, G_TYPE_OBJECT)

enum { SIGNAL_STATE_CHANGED, SIGNAL_CONNECTED, SIGNAL_REACHABLE_AGAIN, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_message (RdCrmLink *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
}

/* ---- reachability ---------------------------------------------------------- */

static void
probed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* the answer (or none) comes back through the CRM's own reachability signal */
  if (!rd_crm_probe_finish (RD_CRM (source), result, &error))
    g_debug ("CRM probe: %s", error->message);
}

static gboolean
probe_cb (gpointer user_data)
{
  RdCrmLink *self = user_data;

  if (self->crm != NULL && self->state == RD_HUB_CRM_UNREACHABLE)
    rd_crm_probe_async (self->crm, self->cancellable, probed_cb, NULL);
  return G_SOURCE_CONTINUE;
}

/* Any CRM request that gets no answer makes the CRM unreachable at once (status, agents'
 * status frames, the last error); CRM work pauses and a probe every few seconds notices
 * when it answers again, which any request may notice first. */
static void
on_reachability (RdCrm *crm, gboolean reachable, const char *why, RdCrmLink *self)
{
  if (crm != self->crm)
    return;
  if (!reachable && (self->state == RD_HUB_CRM_CONNECTED || self->state == RD_HUB_CRM_UNREACHABLE))
    {
      if (self->state == RD_HUB_CRM_UNREACHABLE && g_strcmp0 (self->message, why) == 0)
        return;
      if (self->state == RD_HUB_CRM_CONNECTED)
        g_warning ("CRM unreachable: %s", why ? why : "no answer");
      self->state = RD_HUB_CRM_UNREACHABLE;
      set_message (self, why);
      if (self->probe_id == 0)
        self->probe_id = g_timeout_add_seconds (self->probe_seconds, probe_cb, self);
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
    }
  else if (reachable && self->state == RD_HUB_CRM_UNREACHABLE)
    {
      g_message ("CRM reachable again");
      self->state = RD_HUB_CRM_CONNECTED;
      set_message (self, NULL);
      g_clear_handle_id (&self->probe_id, g_source_remove);
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
      g_signal_emit (self, signals[SIGNAL_REACHABLE_AGAIN], 0);
    }
}

/* ---- the CRM and connecting -------------------------------------------------- */

static void
forget_crm (RdCrmLink *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  if (self->crm != NULL)
    g_signal_handlers_disconnect_by_func (self->crm, on_reachability, self);
  g_clear_object (&self->crm);
}

void
rd_crm_link_set_crm (RdCrmLink *self, RdCrm *crm)
{
  g_return_if_fail (RD_IS_CRM_LINK (self));
  forget_crm (self);
  if (crm != NULL)
    {
      self->crm = g_object_ref (crm);
      self->cancellable = g_cancellable_new ();
      g_signal_connect (crm, "reachability-changed", G_CALLBACK (on_reachability), self);
    }
  self->state = crm != NULL ? RD_HUB_CRM_CONNECTING : RD_HUB_CRM_NOT_CONFIGURED;
  set_message (self, NULL);
}

static gboolean
retry_cb (gpointer user_data)
{
  RdCrmLink *self = user_data;

  self->retry_id = 0;
  rd_crm_link_connect (self);
  return G_SOURCE_REMOVE;
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(RdCrmLink) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmInfo) info = rd_crm_connect_finish (RD_CRM (source), result, &error);

  if (RD_CRM (source) != self->crm || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (info == NULL)
    {
      self->state = RD_HUB_CRM_FAILED;
      set_message (self, error->message);
      if (rd_error_is_transient (error) && !self->stopped)
        {
          self->retry_delay = CLAMP (self->retry_delay * 2, self->retry_min, self->retry_max);
          self->retry_id = g_timeout_add_seconds (self->retry_delay, retry_cb, self);
          g_warning ("CRM connection failed (retrying in %u s): %s", self->retry_delay, error->message);
        }
      else
        g_warning ("CRM connection failed: %s", error->message);
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
      return;
    }

  self->retry_delay = 0;
  self->state = RD_HUB_CRM_CONNECTED;
  set_message (self, NULL);
  g_message ("CRM connected (version %s)", info->version ? info->version : "unknown");
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, info);
}

void
rd_crm_link_connect (RdCrmLink *self)
{
  g_return_if_fail (RD_IS_CRM_LINK (self));
  if (self->crm == NULL || self->stopped)
    return;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->state = RD_HUB_CRM_CONNECTING;
  rd_crm_connect_async (self->crm, self->cancellable, connected_cb, g_object_ref (self));
}

/* ---- accessors --------------------------------------------------------------- */

RdCrm *
rd_crm_link_get_crm (RdCrmLink *self)
{
  g_return_val_if_fail (RD_IS_CRM_LINK (self), NULL);
  return self->crm;
}

GCancellable *
rd_crm_link_get_cancellable (RdCrmLink *self)
{
  g_return_val_if_fail (RD_IS_CRM_LINK (self), NULL);
  return self->cancellable;
}

RdHubCrmState
rd_crm_link_get_state (RdCrmLink *self)
{
  g_return_val_if_fail (RD_IS_CRM_LINK (self), RD_HUB_CRM_NOT_CONFIGURED);
  return self->state;
}

const char *
rd_crm_link_get_message (RdCrmLink *self)
{
  g_return_val_if_fail (RD_IS_CRM_LINK (self), NULL);
  return self->message;
}

void
rd_crm_link_set_state (RdCrmLink *self, RdHubCrmState state, const char *message)
{
  g_return_if_fail (RD_IS_CRM_LINK (self));
  self->state = state;
  set_message (self, message);
  if (state == RD_HUB_CRM_CONNECTED)
    self->retry_delay = 0;
}

void
rd_crm_link_stop (RdCrmLink *self)
{
  g_return_if_fail (RD_IS_CRM_LINK (self));
  self->stopped = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
}

void
rd_crm_link_set_timings (RdCrmLink *self, guint retry_min, guint retry_max, guint probe)
{
  g_return_if_fail (RD_IS_CRM_LINK (self));
  if (retry_min > 0)
    self->retry_min = retry_min;
  if (retry_max > 0)
    self->retry_max = retry_max;
  if (probe > 0)
    self->probe_seconds = probe;
}

/* ---- object -------------------------------------------------------------------- */

static void
rd_crm_link_dispose (GObject *object)
{
  RdCrmLink *self = RD_CRM_LINK (object);

  forget_crm (self);
  G_OBJECT_CLASS (rd_crm_link_parent_class)->dispose (object);
}

static void
rd_crm_link_finalize (GObject *object)
{
  g_free (RD_CRM_LINK (object)->message);
  G_OBJECT_CLASS (rd_crm_link_parent_class)->finalize (object);
}

static void
rd_crm_link_class_init (RdCrmLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_crm_link_dispose;
  object_class->finalize = rd_crm_link_finalize;

  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", RD_TYPE_CRM_LINK, G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 0);
  /** RdCrmLink::connected: (info: RdCrmInfo, transfer none) */
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", RD_TYPE_CRM_LINK, G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_REACHABLE_AGAIN] = g_signal_new ("reachable-again", RD_TYPE_CRM_LINK, G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_crm_link_init (RdCrmLink *self)
{
  self->state = RD_HUB_CRM_NOT_CONFIGURED;
  self->retry_min = 5;
  self->retry_max = 300;
  self->probe_seconds = 3;
}

RdCrmLink *
rd_crm_link_new (void)
{
  return g_object_new (RD_TYPE_CRM_LINK, NULL);
}
