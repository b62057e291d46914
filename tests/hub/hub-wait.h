/* hub-wait.h — waiting in the hub's tests and the benchmarks: for a condition
 * (hub_wait_until()), or for one asynchronous answer:
 * give hub_wait_cb and a HubWait to any *_async call, then hub_wait_result() to its *_finish.
 *
 *   g_auto(HubWait) wait = { 0 };
 *   rd_crm_connect_async (crm, NULL, hub_wait_cb, &wait);
 *   info = rd_crm_connect_finish (crm, hub_wait_result (&wait, 10000), &error);
 *
 * A HubWait may be used for one call after the other.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GAsyncResult *result;   /* the answer, once it came */
  GAsyncResult *taken;    /* the last answer hub_wait_result() gave */
} HubWait;

/* The callback: keeps the answer in @wait (a HubWait). */
void          hub_wait_cb     (GObject *source, GAsyncResult *result, gpointer wait);
/* Runs the thread-default main context until the answer came; a test failure (g_error) when
 * it did not within @timeout_ms. Owned by @wait until its next answer or hub_wait_clear(). */
GAsyncResult *hub_wait_result (HubWait *wait, guint timeout_ms);
void          hub_wait_clear  (HubWait *wait);

/* Runs the default main context until @check returns TRUE or @timeout_ms passes; @check's
 * last answer. @check is asked at least every 50 ms, so it may read what changes outside the
 * main loop (another thread, another process). */
gboolean      hub_wait_until       (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms);
/* The same, asking @check only every @period_ms (a check that costs: a status request). */
gboolean      hub_wait_until_every (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms,
                                    guint period_ms);
void          hub_wait_ms          (guint ms);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HubWait, hub_wait_clear)

G_END_DECLS
