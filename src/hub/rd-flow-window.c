#include "config.h"

#include "hub/rd-flow-window.h"

void
rd_flow_window_init (RdFlowWindow *w, guint max)
{
  *w = (RdFlowWindow) { 0 };
  w->max = MAX (max, 1);
  w->size = 1;
}

static void
decide (RdFlowWindow *w)
{
  double ratio = w->smooth_us / w->base_us;
  gboolean limited = w->round_limited;

  w->in_round = 0;
  w->round_limited = FALSE;
  if (ratio >= RD_FLOW_WINDOW_SHRINK)
    {
      if (w->size > 1)
        {
          w->size--;
          w->shrinks++;
        }
      w->freeze = RD_FLOW_WINDOW_FREEZE;
      return;
    }
  if (w->freeze > 0)
    {
      w->freeze--;
      return;
    }
  if (ratio <= RD_FLOW_WINDOW_GROW && w->size < w->max && !limited)
    {
      w->size++;
      w->grows++;
    }
}

void
rd_flow_window_answer (RdFlowWindow *w, gint64 answer_us, guint rows, gboolean window_full)
{
  double per_row;

  if (rows < RD_FLOW_WINDOW_MIN_ROWS || answer_us <= 0)
    return;
  if (!window_full)
    w->round_limited = TRUE;
  per_row = (double) answer_us / rows;
  /* The base is what one request alone costs: taken at a window of one only (beyond, our own
   * requests may queue behind each other, and a queue must not become the norm). It drifts up by
   * 1 % an answer, so a CRM that became slower for good (more data, a busier machine) gets a new
   * base instead of a window of one for ever. */
  if (w->size == 1 || w->base_us == 0)
    w->base_us = w->base_us == 0 ? per_row : MIN (w->base_us * 1.01, per_row);
  /* A short average: a window's worth of answers decides. */
  w->smooth_us = w->smooth_us == 0 ? per_row : 0.5 * w->smooth_us + 0.5 * per_row;
  if (++w->in_round >= w->size)
    decide (w);
}

void
rd_flow_window_error (RdFlowWindow *w)
{
  if (w->size > 1)
    w->shrinks++;
  w->size = 1;
  w->in_round = 0;
  w->round_limited = FALSE;
  w->freeze = RD_FLOW_WINDOW_FREEZE;
}
