/* bench-sim-thread.c — the Odoo simulator on a thread of its own (see the header). */
#include "config.h"

#include "bench-sim-thread.h"

static gpointer
sim_thread_main (gpointer data)
{
  BenchSimThread *st = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (st->context);
  if (!rd_sim_odoo_start (st->odoo, &error))
    g_error ("Odoo simulator: %s", error->message);
  g_atomic_int_set (&st->started, 1);
  g_main_loop_run (st->loop);
  g_main_context_pop_thread_default (st->context);
  return NULL;
}

BenchSimThread *
bench_sim_thread_start (RdSimOdoo *odoo)
{
  BenchSimThread *st = g_new0 (BenchSimThread, 1);

  st->odoo = odoo;
  st->context = g_main_context_new ();
  st->loop = g_main_loop_new (st->context, FALSE);
  st->thread = g_thread_new ("odoo-sim", sim_thread_main, st);
  while (!g_atomic_int_get (&st->started))
    g_usleep (1000);
  return st;
}

static gboolean
sim_thread_quit (gpointer data)
{
  BenchSimThread *st = data;

  /* The server goes with the simulator, on its own thread. */
  g_clear_object (&st->odoo);
  g_main_loop_quit (st->loop);
  return G_SOURCE_REMOVE;
}

void
bench_sim_thread_stop (BenchSimThread *st)
{
  g_main_context_invoke (st->context, sim_thread_quit, st);
  g_thread_join (st->thread);
  g_main_loop_unref (st->loop);
  g_main_context_unref (st->context);
  g_free (st);
}
