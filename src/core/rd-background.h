/* rd-background.h — bulk work off the main thread, at a lower CPU priority.
 *
 * rd_background_run() is g_task_run_in_thread() for work that must never slow the main context
 * down (the phone index's fill: parsing CRM pages, computing keys, writing them). It runs on the
 * process's own few threads (started when first needed), at nice +10: on a busy machine the
 * scheduler gives the main context — pops, agents' replies — the CPU first, and the bulk work
 * what is left. @func must return the task's value (g_task_return_*), as with
 * g_task_run_in_thread(); the task is referenced until @func has returned. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void rd_background_run (GTask *task, GTaskThreadFunc func);

/* The nice value background threads run at (for tests and diagnostics). */
#define RD_BACKGROUND_NICE 10

G_END_DECLS
