/* rd-flow-window.h — how many requests to keep in flight to a CRM.
 *
 * Delay-based, like TCP Vegas: the CRM's answer time per record is compared with
 * the lowest one seen. While it stays close (≤ 1.3×), the CRM had spare capacity
 * for the extra request and the window grows by one per round (a round = as many
 * answers as the window); once it grows clearly (≥ 1.8×), requests queue inside
 * the CRM — behind them its users' requests would queue too — so the window
 * shrinks by one and stays put for a few rounds. An error drops it to one. On an
 * Odoo serving one request at a time this settles at one (or briefly two); with
 * several workers it grows up to the maximum. It grows only after a round whose requests
 * were all sent with the whole window in flight: when the caller is the bottleneck (its
 * writer falls behind, fewer requests go out than the window allows), fast answers say
 * nothing about room for one more (as TCP's congestion window validation, RFC 7661).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint  size;          /* requests to keep in flight, 1..max */
  guint  max;
  double base_us;       /* lowest answer time per record seen lately (µs), 0 = none */
  double smooth_us;     /* recent answer time per record (moving average), 0 = none */
  guint  in_round;      /* answers since the last decision */
  gboolean round_limited; /* an answer of this round was sent with the window not full */
  guint  freeze;        /* rounds to wait before growing again */
  guint  grows, shrinks;/* decisions taken (figures for the status) */
} RdFlowWindow;

#define RD_FLOW_WINDOW_GROW   1.3
#define RD_FLOW_WINDOW_SHRINK 1.8
#define RD_FLOW_WINDOW_FREEZE 4
/* Answers with fewer records say little about the cost per record. */
#define RD_FLOW_WINDOW_MIN_ROWS 64

void rd_flow_window_init   (RdFlowWindow *w, guint max);
/* One answer of @rows records that took @answer_us; @window_full: its request was sent with
 * the whole window in flight. */
void rd_flow_window_answer (RdFlowWindow *w, gint64 answer_us, guint rows, gboolean window_full);
/* A request failed (timeout, server error). */
void rd_flow_window_error  (RdFlowWindow *w);

G_END_DECLS
