/* bench-sim-thread.h — the Odoo simulator on a thread and main context of its own (benchmarks).
 *
 * Answering a page of a million records, or a search over them, takes the simulator tens of
 * milliseconds or more, during which the PBX simulator, if it shared the thread, could not write a
 * ring event it had just emitted: the pop would be charged for the simulator's own work. A real
 * Odoo is a process of its own. Only for runs where nothing else touches the simulator while it
 * runs (read what you need from it before starting the thread).
 */
#pragma once

#include "sim/odoo/rd-sim-odoo.h"

G_BEGIN_DECLS

typedef struct {
  RdSimOdoo    *odoo;
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  gint          started;
} BenchSimThread;

/* Takes @odoo (not started), starts it on a new thread and returns once it listens. */
BenchSimThread *bench_sim_thread_start (RdSimOdoo *odoo);
/* Stops the thread and frees the simulator there. */
void            bench_sim_thread_stop  (BenchSimThread *st);

G_END_DECLS
