#include "config.h"

#include "hub-wait.h"

void
hub_wait_cb (GObject *source, GAsyncResult *result, gpointer wait)
{
  HubWait *self = wait;

  g_clear_object (&self->result);
  self->result = g_object_ref (result);
}

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;   /* only wakes the loop up */
}

gboolean
hub_wait_until (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_source_remove (tick);
  return check (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
hub_wait_ms (guint ms)
{
  hub_wait_until (never, NULL, ms);
}

gboolean
hub_wait_until_every (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms, guint period_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left;

      if (check (data))
        return TRUE;
      left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        return FALSE;
      hub_wait_ms (MIN ((gint64) period_ms, left));
    }
}

GAsyncResult *
hub_wait_result (HubWait *wait, guint timeout_ms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  GSource *timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, timed_out_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (wait->result == NULL && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);
  if (wait->result == NULL)
    g_error ("no answer within %u ms", timeout_ms);
  g_clear_object (&wait->taken);
  wait->taken = g_steal_pointer (&wait->result);
  return wait->taken;
}

void
hub_wait_clear (HubWait *wait)
{
  g_clear_object (&wait->result);
  g_clear_object (&wait->taken);
}
