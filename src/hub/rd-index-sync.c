#include "config.h"

#include "hub/rd-index-sync.h"

#include "core/rd-error.h"
#include "hub/rd-flow-window.h"

#define DEFAULT_PAGE_ROWS      10000
#define DEFAULT_IN_FLIGHT      4
#define DEFAULT_SWEEP_SPAN     100000
#define DEFAULT_RECONCILE_SPAN 50000
/* A range is asked for at most this many times (transient failures) before the pass fails. */
#define MAX_ATTEMPTS 4
/* The fill's progress is saved at most this often (each save is a synced write). */
#define SAVE_EVERY_US (2 * G_USEC_PER_SEC)

struct _RdIndexSync
{
  GObject            parent_instance;

  RdPhoneIndex      *index;
  RdCrm             *crm;
  RdIndexSyncLimits  limits;
  RdFlowWindow       window;
  guint              window_peak;
  /* figures */
  gboolean           filling;
  gboolean           pass_running; /* a refresh pass (with the first fill, if due) */
  RdCrmKind          pass_space;   /* the space it reads now */
  gint64             pass_written; /* written when it began */
  double             fill_progress;
  gint64             written, removed;
  double             last_refresh_s, last_reconcile_s, last_fill_s;
};

G_DEFINE_FINAL_TYPE (RdIndexSync, rd_index_sync, G_TYPE_OBJECT)

static void
rd_index_sync_finalize (GObject *object)
{
  RdIndexSync *self = RD_INDEX_SYNC (object);

  g_clear_object (&self->index);
  g_clear_object (&self->crm);
  G_OBJECT_CLASS (rd_index_sync_parent_class)->finalize (object);
}

static void
rd_index_sync_class_init (RdIndexSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_index_sync_finalize;
}

void
rd_index_sync_default_limits (RdIndexSyncLimits *out)
{
  *out = (RdIndexSyncLimits) { DEFAULT_PAGE_ROWS, DEFAULT_IN_FLIGHT, DEFAULT_SWEEP_SPAN, DEFAULT_RECONCILE_SPAN };
}

static void
rd_index_sync_init (RdIndexSync *self)
{
  rd_index_sync_default_limits (&self->limits);
  rd_flow_window_init (&self->window, DEFAULT_IN_FLIGHT);
}

RdIndexSync *
rd_index_sync_new (RdPhoneIndex *index, RdCrm *crm)
{
  RdIndexSync *self = g_object_new (RD_TYPE_INDEX_SYNC, NULL);

  self->index = g_object_ref (index);
  self->crm = g_object_ref (crm);
  return self;
}

void
rd_index_sync_set_limits (RdIndexSync *self, const RdIndexSyncLimits *limits)
{
  g_return_if_fail (RD_IS_INDEX_SYNC (self));
  if (limits->page_rows > 0)
    self->limits.page_rows = limits->page_rows;
  if (limits->max_in_flight > 0)
    self->limits.max_in_flight = limits->max_in_flight;
  if (limits->sweep_span > 0)
    self->limits.sweep_span = limits->sweep_span;
  if (limits->reconcile_span > 0)
    self->limits.reconcile_span = limits->reconcile_span;
}

void
rd_index_sync_get_limits (RdIndexSync *self, RdIndexSyncLimits *out)
{
  g_return_if_fail (RD_IS_INDEX_SYNC (self));
  *out = self->limits;
}

/* ---- a pass over the spaces ------------------------------------------------- */

typedef struct {
  gint64 first, end;      /* ids first <= id < end */
} Range;

typedef struct {
  gboolean      reconcile;
  RdCrmKind     spaces[4];
  guint         space_i;
  RdCrmKind     space;
  RdIndexSpace *state;
  gint64        count;        /* written (refresh) or removed (reconcile) */
  gint64        started_us;
  /* first fill */
  gboolean      fill;
  gint64        fill_count;
  gint64        fill_started_us;
  GQueue        todo;         /* Range*: remainders of cut-short answers, asked for first */
  gint64        next_first;   /* where the next new range starts */
  double        density;      /* records per id lately */
  guint         in_flight;    /* requests out or waiting for a retry */
  guint         writing;      /* answers being keyed and written */
  GArray       *done;         /* Range, sorted: written ranges above state->fill_next */
  GError       *error;        /* the first failure: nothing more is asked for */
  gint64        saved_us;
  /* refresh / reconciliation */
  RdCrmRecordQuery query;
  gint64        query_max;    /* highest id of the current refresh query's answers */
  gboolean      query_more;   /* that answer was cut short */
  GArray       *crm_ids;
} Pass;

static void
pass_free (Pass *p)
{
  rd_index_space_free (p->state);
  g_queue_clear_full (&p->todo, g_free);
  g_clear_pointer (&p->done, g_array_unref);
  g_clear_error (&p->error);
  g_clear_pointer (&p->crm_ids, g_array_unref);
  g_free (p);
}

static void next_space (GTask *task);

/* "contacts", "leads" … for messages. */
static const char *
space_name (RdCrmKind space)
{
  switch ((guint) space)
    {
    case RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY: return "contacts";
    case RD_CRM_KIND_INDIVIDUAL: return "individuals";
    case RD_CRM_KIND_COMPANY: return "companies";
    case RD_CRM_KIND_LEAD: return "leads";
    default: return "records";
    }
}

static RdIndexSync *
task_sync (GTask *task)
{
  return g_task_get_source_object (task);
}

static gboolean
save_state (GTask *task, GError **error)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);

  p->saved_us = g_get_monotonic_time ();
  return rd_phone_index_set_space (self->index, p->space, p->state, error);
}

static gboolean
save_state_if_idle (GTask *task, GError **error)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  gboolean saved = FALSE;

  if (!rd_phone_index_set_space_if_idle (self->index, p->space, p->state, &saved, error))
    return FALSE;
  if (saved)
    p->saved_us = g_get_monotonic_time ();
  return TRUE;
}

static void
pass_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

#define FAIL(task, error) G_STMT_START { pass_fail ((task), (error)); return; } G_STMT_END

static void
space_done (GTask *task)
{
  Pass *p = g_task_get_task_data (task);

  g_clear_pointer (&p->state, rd_index_space_free);
  p->space_i++;
  next_space (task);
}

/* ---- first fill ---------------------------------------------------------------- */

typedef struct {
  GTask  *task;
  Range   range;
  guint   attempts;
  gint64  last_id;      /* the answer's highest id */
  guint   rows;
  gboolean window_full;  /* sent with the whole window in flight (its answer can say whether
                          * the CRM had room for that many) */
} Req;

static void fill_issue (GTask *task);
static void fill_send (GTask *task, Req *req);
static void refresh_query (GTask *task);

static void
req_free (Req *req)
{
  g_object_unref (req->task);
  g_free (req);
}

static void
fill_update_progress (RdIndexSync *self, Pass *p)
{
  gint64 total = p->state->fill_end;

  self->fill_progress = total > 0 ? CLAMP ((double) (p->state->fill_next - 1) / total, 0.0, 1.0) : 1.0;
}

/* Moves fill_next over the written ranges that now follow it without a gap. */
static void
fill_advance (Pass *p)
{
  while (p->done->len > 0)
    {
      Range *r = &g_array_index (p->done, Range, 0);

      if (r->first > p->state->fill_next)
        break;
      p->state->fill_next = MAX (p->state->fill_next, r->end);
      g_array_remove_index (p->done, 0);
    }
}

static void
fill_mark_done (Pass *p, Range range)
{
  guint i = 0;

  while (i < p->done->len && g_array_index (p->done, Range, i).first < range.first)
    i++;
  g_array_insert_val (p->done, i, range);
  fill_advance (p);
}

static void
fill_finish (GTask *task)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->filling = FALSE;
  if (p->error != NULL)
    {
      /* What is written stays; the next pass resumes after it. */
      if (!save_state (task, &error))
        g_warning ("%s", error->message);
      FAIL (task, g_steal_pointer (&p->error));
    }
  p->state->filled = TRUE;
  p->state->fill_next = p->state->fill_end + 1;
  p->state->sweep_id = 1;
  g_clear_pointer (&p->state->next_mark, g_free);
  if (!save_state (task, &error))
    FAIL (task, g_steal_pointer (&error));
  self->fill_progress = 1.0;
  self->last_fill_s = (g_get_monotonic_time () - p->fill_started_us) / (double) G_USEC_PER_SEC;
  g_message ("Phone index: %s filled (%" G_GINT64_FORMAT " records) in %.1f s", space_name (p->space),
             p->fill_count, self->last_fill_s);
  /* Then at once what was created or written while it ran. */
  p->fill = FALSE;
  refresh_query (task);
}

static void
fill_check_end (GTask *task)
{
  Pass *p = g_task_get_task_data (task);

  if (p->in_flight > 0 || p->writing > 0)
    return;
  if (p->error != NULL || (g_queue_is_empty (&p->todo) && p->next_first > p->state->fill_end))
    fill_finish (task);
}

static void
on_fill_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Req *req = user_data;
  GTask *task = req->task;
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  GError *error = NULL;

  p->writing--;
  if (!rd_phone_index_apply_finish (RD_PHONE_INDEX (source), result, &error))
    {
      if (p->error == NULL)
        p->error = error;
      else
        g_error_free (error);
    }
  else
    {
      p->count += req->rows;
      p->fill_count += req->rows;
      self->written += req->rows;
      fill_mark_done (p, req->range);
      fill_update_progress (self, p);
      /* Progress for a resume, now and then: only between two of the writer's transactions,
       * never waiting for one (else at the next answer). */
      if (g_get_monotonic_time () - p->saved_us > SAVE_EVERY_US && !save_state_if_idle (task, &error))
        {
          g_warning ("%s", error->message);
          g_clear_error (&error);
        }
    }
  g_object_ref (task);
  req_free (req);
  fill_issue (task);
  fill_check_end (task);
  g_object_unref (task);
}

/* The retry's wait is over, or the fill was cancelled meanwhile (the hub stops): then the
 * request ends as a cancelled one, at once, instead of holding the fill until its timer. */
static gboolean
fill_retry_cb (GCancellable *cancellable, gpointer user_data)
{
  Req *req = user_data;
  GTask *task = req->task;
  Pass *p = g_task_get_task_data (task);

  if (!g_cancellable_is_cancelled (cancellable))
    {
      fill_send (task, req);
      return G_SOURCE_REMOVE;
    }
  p->in_flight--;
  if (p->error == NULL)
    p->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  g_object_ref (task);
  req_free (req);
  fill_check_end (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
fill_retry_later (Req *req, guint seconds)
{
  g_autoptr(GSource) source = g_cancellable_source_new (g_task_get_cancellable (req->task));

  /* ready at that time, or at once when cancelled */
  g_source_set_ready_time (source, g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC);
  g_source_set_callback (source, G_SOURCE_FUNC (fill_retry_cb), req, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
on_fill_page (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Req *req = user_data;
  GTask *task = req->task;
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmChangePage) page = rd_crm_list_records_finish (RD_CRM (source), result, &error);

  if (page == NULL)
    {
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      rd_flow_window_error (&self->window);
      if (!cancelled && p->error == NULL && rd_error_is_transient (error) && ++req->attempts < MAX_ATTEMPTS)
        {
          g_debug ("Phone index: ids %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT " again in %u s: %s",
                   req->range.first, req->range.end - 1, 1u << req->attempts, error->message);
          fill_retry_later (req, 1u << req->attempts);   /* still in flight */
          return;
        }
      p->in_flight--;
      if (p->error == NULL)
        p->error = g_steal_pointer (&error);
      g_object_ref (task);
      req_free (req);
      fill_check_end (task);
      g_object_unref (task);
      return;
    }

  p->in_flight--;
  rd_flow_window_answer (&self->window, page->answer_us, page->changes->len, req->window_full);
  self->window_peak = MAX (self->window_peak, self->window.size);
  req->rows = page->changes->len;
  if (page->more)
    {
      /* Cut short by the limit: the rest of the range goes first next. */
      Range *rest = g_new (Range, 1);

      rest->first = page->next_after_id + 1;
      rest->end = req->range.end;
      g_queue_push_head (&p->todo, rest);
      req->range.end = rest->first;
    }
  else if (req->range.end > req->range.first)
    {
      double d = (double) page->changes->len / (double) (req->range.end - req->range.first);

      p->density = 0.6 * p->density + 0.4 * d;
    }
  p->writing++;
  rd_phone_index_apply_async (self->index, p->space, page->changes, g_task_get_cancellable (task),
                              on_fill_written, req);
  g_object_ref (task);
  fill_issue (task);
  g_object_unref (task);
}

static void
fill_send (GTask *task, Req *req)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  RdCrmRecordQuery q = {
    .kinds = p->space,
    .first_id = req->range.first,
    .end_id = req->range.end,
    .limit = self->limits.page_rows * 2,
  };

  if (p->error != NULL || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      /* A retry that came due after the pass failed. */
      p->in_flight--;
      if (p->error == NULL)
        p->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      g_object_ref (task);
      req_free (req);
      fill_check_end (task);
      g_object_unref (task);
      return;
    }
  rd_crm_list_records_async (self->crm, &q, g_task_get_cancellable (task), on_fill_page, req);
}

/* Asks for more ranges while the window and the writer keep up. */
static void
fill_issue (GTask *task)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);

  while (p->error == NULL && p->in_flight < self->window.size &&
         p->in_flight + p->writing < self->window.size + 2)
    {
      Req *req;
      Range *queued = g_queue_pop_head (&p->todo);

      if (queued == NULL && p->next_first > p->state->fill_end)
        break;
      req = g_new0 (Req, 1);
      req->task = g_object_ref (task);
      if (queued != NULL)
        {
          req->range = *queued;
          g_free (queued);
        }
      else
        {
          /* A range that should hold about page_rows records at the density seen so far. */
          double want = self->limits.page_rows / MAX (p->density, 1e-3);
          gint64 span = (gint64) CLAMP (want, self->limits.page_rows / 4.0, self->limits.page_rows * 200.0);

          req->range.first = p->next_first;
          req->range.end = MIN (p->next_first + span, p->state->fill_end + 1);
          p->next_first = req->range.end;
        }
      p->in_flight++;
      req->window_full = p->in_flight >= self->window.size;
      fill_send (task, req);
    }
}

static void
fill_start (GTask *task)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);

  p->fill = TRUE;
  p->fill_count = 0;
  p->fill_started_us = g_get_monotonic_time ();
  p->saved_us = p->fill_started_us;
  p->next_first = MAX (p->state->fill_next, 1);
  p->density = 1.0;
  /* a pass fills space after space: each starts with no ranges done */
  if (p->done == NULL)
    p->done = g_array_new (FALSE, FALSE, sizeof (Range));
  g_array_set_size (p->done, 0);
  self->filling = TRUE;
  /* The window carries over from space to space and pass to pass (the CRM is the same); a new
   * bound starts it afresh. */
  if (self->window.max != self->limits.max_in_flight)
    rd_flow_window_init (&self->window, self->limits.max_in_flight);
  fill_update_progress (self, p);
  g_message ("Phone index: filling %s, ids %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, space_name (p->space),
             p->next_first, p->state->fill_end);
  fill_issue (task);
  fill_check_end (task);
}

static void
on_bounds (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Pass *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmIdBounds) bounds = rd_crm_get_id_bounds_finish (RD_CRM (source), result, &error);

  if (bounds == NULL)
    {
      if (g_error_matches (error, RD_ERROR, RD_ERROR_UNAVAILABLE))
        {
          g_debug ("Phone index: the CRM has no %s", space_name (p->space));
          space_done (task);
          return;
        }
      FAIL (task, g_steal_pointer (&error));
    }
  p->state = g_new0 (RdIndexSpace, 1);
  p->state->fill_next = 1;
  p->state->fill_end = bounds->max_id;
  p->state->max_id = bounds->max_id;
  /* Whatever is written from now on, in a range already read, is read again by the sweep. */
  p->state->mark = g_strdup (bounds->mark);
  p->state->sweep_id = 1;
  p->state->reconcile_id = 1;
  if (!save_state (task, &error))
    FAIL (task, g_steal_pointer (&error));
  fill_start (task);
}

/* ---- refresh: one query per space ------------------------------------------------ */

static void
on_refresh_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  RdIndexSpace *s = p->state;

  if (!rd_phone_index_apply_finish (RD_PHONE_INDEX (source), result, &error))
    FAIL (task, g_steal_pointer (&error));
  s->max_id = MAX (s->max_id, p->query_max);
  if (p->query_more)
    {
      /* Cut short: go on after the last id answered (the answer is ordered by id). */
      p->query_more = FALSE;
      p->query.first_id = MAX (p->query.first_id, p->query_max + 1);
      if (p->query.end_id > 0 && p->query.first_id >= p->query.end_id)
        p->query.first_id = p->query.end_id;
      p->query.newer_than = MAX (p->query.newer_than, p->query_max);
      refresh_query (task);
      return;
    }
  /* The window moves on; past the highest id a round ends and the next one reads what was
   * written since this one began. */
  s->sweep_id += self->limits.sweep_span;
  if (s->sweep_id > s->max_id)
    {
      if (s->next_mark != NULL)
        {
          g_free (s->mark);
          s->mark = g_steal_pointer (&s->next_mark);
        }
      s->sweep_id = 1;
    }
  if (!save_state (task, &error))
    FAIL (task, g_steal_pointer (&error));
  space_done (task);
}

static void
on_refresh_page (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmChangePage) page = rd_crm_list_records_finish (RD_CRM (source), result, &error);

  if (page == NULL)
    FAIL (task, g_steal_pointer (&error));
  if (p->state->next_mark == NULL && page->next_mark != NULL)
    p->state->next_mark = g_strdup (page->next_mark);   /* this round began now */
  p->query_max = page->changes->len > 0 ? ((RdCrmChange *) page->changes->pdata[page->changes->len - 1])->id : 0;
  p->count += page->changes->len;
  self->written += page->changes->len;
  p->query_more = page->more;   /* on_refresh_written asks for the rest */
  rd_phone_index_apply_async (self->index, p->space, page->changes, g_task_get_cancellable (task),
                              on_refresh_written, task);
}

static void
refresh_query (GTask *task)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  RdIndexSpace *s = p->state;

  if (p->query.kinds == RD_CRM_KIND_NONE)
    {
      p->query.kinds = p->space;
      p->query.first_id = MAX (s->sweep_id, 1);
      p->query.end_id = p->query.first_id + self->limits.sweep_span;
      p->query.since = s->mark;
      p->query.newer_than = s->max_id;
      p->query.limit = 0;
    }
  rd_crm_list_records_async (self->crm, &p->query, g_task_get_cancellable (task), on_refresh_page, task);
}

/* ---- reconciliation ------------------------------------------------------------- */

static void reconcile_range (GTask *task);

static void
on_crm_ids (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) crm_ids = rd_crm_list_ids_finish (RD_CRM (source), result, &error);
  g_autoptr(GArray) ours = NULL;
  g_autoptr(GArray) gone = NULL;
  guint j = 0;

  if (crm_ids == NULL)
    FAIL (task, g_steal_pointer (&error));
  ours = rd_phone_index_list_ids (self->index, p->space, p->query.first_id, p->query.end_id, &error);
  if (ours == NULL)
    FAIL (task, g_steal_pointer (&error));
  /* Both ascending: what the index has and the CRM does not list is gone. */
  gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < ours->len; i++)
    {
      gint64 id = g_array_index (ours, gint64, i);

      while (j < crm_ids->len && g_array_index (crm_ids, gint64, j) < id)
        j++;
      if (j >= crm_ids->len || g_array_index (crm_ids, gint64, j) != id)
        g_array_append_val (gone, id);
    }
  if (!rd_phone_index_forget_ids (self->index, p->space, gone, &error))
    FAIL (task, g_steal_pointer (&error));
  if (gone->len > 0)
    g_message ("Phone index: %u %s deleted or archived in the CRM were dropped", gone->len, space_name (p->space));
  p->count += gone->len;
  self->removed += gone->len;
  p->state->reconcile_id = p->query.end_id > p->state->max_id ? 1 : p->query.end_id;
  if (!save_state (task, &error))
    FAIL (task, g_steal_pointer (&error));
  if (p->state->reconcile_id == 1)
    {
      space_done (task);
      return;
    }
  reconcile_range (task);
}

static void
reconcile_range (GTask *task)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  /* Up to the highest id the refresh has seen: records put into the index since (the hub's own
   * creations) are not in this round's business yet. */
  p->query.first_id = MAX (p->state->reconcile_id, 1);
  p->query.end_id = MIN (p->query.first_id + self->limits.reconcile_span, p->state->max_id + 1);
  if (p->query.end_id <= p->query.first_id)
    {
      p->state->reconcile_id = 1;
      space_done (task);
      return;
    }
  rd_crm_list_ids_async (self->crm, p->space, p->query.first_id, p->query.end_id,
                         g_task_get_cancellable (task), on_crm_ids, task);
}

/* ---- the pass ------------------------------------------------------------------- */

static void
next_space (GTask *task)
{
  RdIndexSync *self = task_sync (task);
  Pass *p = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (p->space_i >= G_N_ELEMENTS (p->spaces) || p->spaces[p->space_i] == RD_CRM_KIND_NONE)
    {
      double s = (g_get_monotonic_time () - p->started_us) / (double) G_USEC_PER_SEC;

      if (p->reconcile)
        self->last_reconcile_s = s;
      else
        self->last_refresh_s = s;
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  p->space = p->spaces[p->space_i];
  if (!p->reconcile)
    self->pass_space = p->space;
  p->query = (RdCrmRecordQuery) { 0 };
  p->state = rd_phone_index_get_space (self->index, p->space);
  if (p->reconcile)
    {
      if (p->state == NULL || !p->state->filled)
        {
          space_done (task);
          return;
        }
      {
        reconcile_range (task);
        return;
      }
    }
  if (p->state == NULL)
    {
      rd_crm_get_id_bounds_async (self->crm, p->space, g_task_get_cancellable (task), on_bounds, task);
      return;
    }
  if (!p->state->filled)
    {
      fill_start (task);
      return;
    }
  refresh_query (task);
}

static void
pass_start (RdIndexSync *self, gboolean reconcile, GCancellable *cancellable, GAsyncReadyCallback callback,
            gpointer user_data, gpointer tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Pass *p = g_new0 (Pass, 1);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, p, (GDestroyNotify) pass_free);
  p->reconcile = reconcile;
  p->started_us = g_get_monotonic_time ();
  if (!reconcile)
    {
      self->pass_running = TRUE;
      self->pass_written = self->written;
    }
  g_queue_init (&p->todo);
  rd_crm_info_id_spaces (rd_crm_get_info (self->crm), p->spaces);
  rd_phone_index_set_id_spaces (self->index, p->spaces);
  next_space (task);
}

void
rd_index_sync_refresh_async (RdIndexSync *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (RD_IS_INDEX_SYNC (self));
  pass_start (self, FALSE, cancellable, callback, user_data, rd_index_sync_refresh_async);
}

static gboolean
pass_finish (RdIndexSync *self, GAsyncResult *result, gint64 *out_count, GError **error)
{
  Pass *p;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  p = g_task_get_task_data (G_TASK (result));
  if (!p->reconcile)
    self->pass_running = FALSE;
  if (out_count != NULL)
    *out_count = p->count;
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
rd_index_sync_refresh_finish (RdIndexSync *self, GAsyncResult *result, gint64 *out_changed, GError **error)
{
  return pass_finish (self, result, out_changed, error);
}

void
rd_index_sync_reconcile_async (RdIndexSync *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (RD_IS_INDEX_SYNC (self));
  pass_start (self, TRUE, cancellable, callback, user_data, rd_index_sync_reconcile_async);
}

gboolean
rd_index_sync_reconcile_finish (RdIndexSync *self, GAsyncResult *result, gint64 *out_removed, GError **error)
{
  return pass_finish (self, result, out_removed, error);
}

gboolean
rd_index_sync_get_fill (RdIndexSync *self, RdCrmKind *out_space, gint64 *out_read)
{
  g_return_val_if_fail (RD_IS_INDEX_SYNC (self), FALSE);
  if (out_space != NULL)
    *out_space = self->pass_running ? self->pass_space : RD_CRM_KIND_NONE;
  if (out_read != NULL)
    *out_read = self->pass_running ? self->written - self->pass_written : 0;
  return self->pass_running;
}

JsonObject *
rd_index_sync_get_status (RdIndexSync *self)
{
  JsonObject *o = json_object_new ();

  g_return_val_if_fail (RD_IS_INDEX_SYNC (self), o);
  json_object_set_boolean_member (o, "filling", self->filling);
  json_object_set_double_member (o, "fill_progress", self->fill_progress);
  json_object_set_int_member (o, "window", self->window.size);
  json_object_set_int_member (o, "window_max", self->window.max);
  json_object_set_int_member (o, "window_peak", self->window_peak);
  json_object_set_int_member (o, "window_grows", self->window.grows);
  json_object_set_int_member (o, "window_shrinks", self->window.shrinks);
  json_object_set_int_member (o, "written", self->written);
  json_object_set_int_member (o, "removed", self->removed);
  json_object_set_double_member (o, "last_fill_s", self->last_fill_s);
  json_object_set_double_member (o, "last_refresh_s", self->last_refresh_s);
  json_object_set_double_member (o, "last_reconcile_s", self->last_reconcile_s);
  return o;
}
