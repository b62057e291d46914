#include "config.h"

#include "hub/rd-index-keeper.h"

struct _RdIndexKeeper
{
  GObject           parent_instance;

  RdHubContext     *context;          /* not referenced */
  RdPhoneIndex     *index;
  RdIndexSync      *sync;             /* with the CRM */
  GCancellable     *cancellable;      /* the CRM's requests */
  RdIndexSyncLimits limits;
  gboolean          running;
  guint             refresh_id;
  guint             refresh_period;
  guint             reconcile_id;
  guint             reconcile_period;
  gboolean          busy;             /* a refresh or a reconciliation runs */
  gboolean          reconcile_due;    /* a reconciliation waits for the refresh to end */
  gboolean          filled;           /* the first fill since the CRM was set finished */
  gint64            refreshed;        /* unix seconds of the last finished refresh, 0 = none */
};

G_DEFINE_FINAL_TYPE (RdIndexKeeper, rd_index_keeper, G_TYPE_OBJECT)

enum { SIGNAL_FILLED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void run_due (RdIndexKeeper *self);

static void
refreshed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(RdIndexKeeper) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 changed = 0;

  if (RD_INDEX_SYNC (source) != self->sync)
    return;   /* a pass of a CRM since replaced */
  self->busy = FALSE;
  if (!rd_index_sync_refresh_finish (RD_INDEX_SYNC (source), result, &changed, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not refresh the phone index: %s", error->message);
      run_due (self);
      return;
    }
  if (!self->filled)
    g_message ("Phone index ready: %u numbers", rd_phone_index_count_numbers (self->index));
  else if (changed > 0)
    g_debug ("Phone index: %" G_GINT64_FORMAT " records changed", changed);
  self->refreshed = g_get_real_time () / G_USEC_PER_SEC;
  if (!self->filled)
    {
      self->filled = TRUE;
      g_signal_emit (self, signals[SIGNAL_FILLED], 0);
    }
  run_due (self);
}

void
rd_index_keeper_refresh (RdIndexKeeper *self)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));

  if (self->busy || self->sync == NULL || !rd_hub_context_crm_ready (self->context))
    return;
  self->busy = TRUE;
  rd_index_sync_refresh_async (self->sync, self->cancellable, refreshed_cb, g_object_ref (self));
}

static void
reconciled_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(RdIndexKeeper) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 removed = 0;

  if (RD_INDEX_SYNC (source) != self->sync)
    return;
  self->busy = FALSE;
  if (!rd_index_sync_reconcile_finish (RD_INDEX_SYNC (source), result, &removed, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not reconcile the phone index with the CRM: %s", error->message);
  else if (removed > 0)
    g_debug ("Phone index: %" G_GINT64_FORMAT " records removed", removed);
}

void
rd_index_keeper_reconcile (RdIndexKeeper *self)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));

  if (self->sync == NULL || !rd_hub_context_crm_ready (self->context))
    return;
  /* Never beside a refresh (or the first fill): after it. */
  if (self->busy || !self->filled)
    {
      self->reconcile_due = TRUE;
      return;
    }
  self->reconcile_due = FALSE;
  self->busy = TRUE;
  rd_index_sync_reconcile_async (self->sync, self->cancellable, reconciled_cb, g_object_ref (self));
}

static void
run_due (RdIndexKeeper *self)
{
  if (self->reconcile_due && self->filled)
    rd_index_keeper_reconcile (self);
}

static gboolean
refresh_timer_cb (gpointer user_data)
{
  rd_index_keeper_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
reconcile_timer_cb (gpointer user_data)
{
  rd_index_keeper_reconcile (user_data);
  return G_SOURCE_CONTINUE;
}

static void
restart_timers (RdIndexKeeper *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->reconcile_id, g_source_remove);
  if (self->running && self->refresh_period > 0)
    self->refresh_id = g_timeout_add_seconds (self->refresh_period, refresh_timer_cb, self);
  if (self->running && self->reconcile_period > 0)
    self->reconcile_id = g_timeout_add_seconds (self->reconcile_period, reconcile_timer_cb, self);
}

void
rd_index_keeper_set_index (RdIndexKeeper *self, RdPhoneIndex *index)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  g_set_object (&self->index, index);
}

void
rd_index_keeper_set_crm (RdIndexKeeper *self, RdCrm *crm, GCancellable *cancellable)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  g_return_if_fail (crm == NULL || self->index != NULL);

  g_clear_object (&self->sync);
  g_clear_object (&self->cancellable);
  self->filled = FALSE;
  self->busy = FALSE;
  self->reconcile_due = FALSE;
  if (crm != NULL)
    {
      self->sync = rd_index_sync_new (self->index, crm);
      rd_index_sync_set_limits (self->sync, &self->limits);
      g_set_object (&self->cancellable, cancellable);
    }
}

void
rd_index_keeper_start (RdIndexKeeper *self)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  self->running = TRUE;
  restart_timers (self);
}

void
rd_index_keeper_stop (RdIndexKeeper *self)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  self->running = FALSE;
  restart_timers (self);
}

void
rd_index_keeper_set_periods (RdIndexKeeper *self, guint refresh_seconds, guint reconcile_seconds)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  self->refresh_period = refresh_seconds;
  self->reconcile_period = reconcile_seconds;
  restart_timers (self);
}

void
rd_index_keeper_get_periods (RdIndexKeeper *self, guint *refresh_seconds, guint *reconcile_seconds)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  if (refresh_seconds != NULL)
    *refresh_seconds = self->refresh_period;
  if (reconcile_seconds != NULL)
    *reconcile_seconds = self->reconcile_period;
}

void
rd_index_keeper_set_limits (RdIndexKeeper *self, const RdIndexSyncLimits *limits)
{
  g_return_if_fail (RD_IS_INDEX_KEEPER (self));
  g_return_if_fail (limits != NULL);
  self->limits = *limits;
  if (self->sync != NULL)
    rd_index_sync_set_limits (self->sync, limits);
}

gboolean
rd_index_keeper_is_filled (RdIndexKeeper *self)
{
  g_return_val_if_fail (RD_IS_INDEX_KEEPER (self), FALSE);
  return self->filled;
}

gint64
rd_index_keeper_get_refreshed (RdIndexKeeper *self)
{
  g_return_val_if_fail (RD_IS_INDEX_KEEPER (self), 0);
  return self->refreshed;
}

RdIndexSync *
rd_index_keeper_get_sync (RdIndexKeeper *self)
{
  g_return_val_if_fail (RD_IS_INDEX_KEEPER (self), NULL);
  return self->sync;
}

static void
rd_index_keeper_dispose (GObject *object)
{
  RdIndexKeeper *self = RD_INDEX_KEEPER (object);

  self->running = FALSE;
  restart_timers (self);
  g_clear_object (&self->sync);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->index);
  G_OBJECT_CLASS (rd_index_keeper_parent_class)->dispose (object);
}

static void
rd_index_keeper_class_init (RdIndexKeeperClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_index_keeper_dispose;
  signals[SIGNAL_FILLED] = g_signal_new ("filled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_index_keeper_init (RdIndexKeeper *self)
{
  self->refresh_period = 45;
  self->reconcile_period = 600;
}

RdIndexKeeper *
rd_index_keeper_new (RdHubContext *context)
{
  RdIndexKeeper *self;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (context), NULL);

  self = g_object_new (RD_TYPE_INDEX_KEEPER, NULL);
  self->context = context;
  return self;
}
