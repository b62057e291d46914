/* rd-store-sync.c — relaxed commits: synced by a thread of the store, not by the committer.
 *
 * A commit under synchronous=FULL appends to the WAL and then syncs it, on the thread that
 * commits: the main loop. The append takes microseconds; the sync a few milliseconds, and tens of
 * them while other writers keep the disk busy (the phone index's first fill, a database on the
 * same disk), during which a pop that arrives waits. Between rd_store_relaxed_begin() and _end()
 * the connection commits under synchronous=NORMAL (append only; in WAL mode that can lose the
 * last commits to a power cut, never corrupt the file), and this file's thread syncs the WAL
 * right after, through a descriptor of its own (a sync flushes the file, whichever descriptor
 * asks). Whoever must not act before those commits are on disk (the outbox, before it posts to
 * the CRM) waits for rd_store_sync_async().
 */
#include "config.h"

#include "rd-store-private.h"

#include "rd-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

typedef struct {
  GTask   *task;
  guint64  target;    /* on disk once synced_seq reaches it */
} SyncWaiter;

void
rd_store_sync_init (RdStore *self)
{
  g_mutex_init (&self->sync_lock);
  g_cond_init (&self->sync_cond);
  g_queue_init (&self->sync_waiters);
  self->relaxed_saved = -1;
  self->wal_fd = -1;
}

/* A database in memory has nothing to sync. */
static gboolean
on_disk (RdStore *self)
{
  return self->path != NULL && !g_str_equal (self->path, ":memory:") && !g_str_has_prefix (self->path, "file:");
}

static gboolean
sync_wal (RdStore *self, GError **error)
{
  if (self->wal_fd < 0)
    {
      g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);

      self->wal_fd = g_open (wal, O_RDONLY | O_CLOEXEC, 0);
      if (self->wal_fd < 0)
        {
          int saved = errno;

          g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Store (%s): cannot open the WAL to sync it: %s",
                       self->path, g_strerror (saved));
          return FALSE;
        }
    }
  if (fdatasync (self->wal_fd) != 0)
    {
      int saved = errno;

      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Store (%s): cannot sync the WAL to disk: %s",
                   self->path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Under sync_lock: the waiters whose target is at most @upto, out of the queue into @out. */
static void
take_waiters (RdStore *self, guint64 upto, GQueue *out)
{
  GList *l = self->sync_waiters.head;

  while (l != NULL)
    {
      GList *next = l->next;
      SyncWaiter *w = l->data;

      if (w->target <= upto)
        {
          g_queue_unlink (&self->sync_waiters, l);
          g_queue_push_tail_link (out, l);
        }
      l = next;
    }
}

static void
return_waiters (GQueue *done, const GError *error)
{
  SyncWaiter *w;

  /* GTask returns in the context of whoever asked. */
  while ((w = g_queue_pop_head (done)) != NULL)
    {
      if (error != NULL)
        g_task_return_error (w->task, g_error_copy (error));
      else
        g_task_return_boolean (w->task, TRUE);
      g_object_unref (w->task);
      g_free (w);
    }
}

/* The sync thread: syncs until everything relaxed so far is on disk. */
static void
sync_thread (gpointer data, gpointer user_data)
{
  RdStore *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GQueue done = G_QUEUE_INIT;
      guint64 target;
      gboolean ok, warn;

      g_mutex_lock (&self->sync_lock);
      while (self->sync_hold)
        g_cond_wait (&self->sync_cond, &self->sync_lock);
      target = self->relaxed_seq;
      if (self->synced_seq >= target)
        {
          self->sync_queued = FALSE;
          g_mutex_unlock (&self->sync_lock);
          return;
        }
      g_mutex_unlock (&self->sync_lock);

      ok = sync_wal (self, &error);

      g_mutex_lock (&self->sync_lock);
      if (ok)
        {
          self->synced_seq = MAX (self->synced_seq, target);
          self->syncs++;
          self->sync_warned = FALSE;
        }
      else
        self->sync_queued = FALSE;   /* the next relaxed commit or wait tries again */
      /* On a failure every waiter hears of it (nothing syncs again until asked). */
      take_waiters (self, ok ? target : G_MAXUINT64, &done);
      warn = !ok && !self->sync_warned;
      self->sync_warned = self->sync_warned || !ok;
      g_mutex_unlock (&self->sync_lock);
      /* Once until a sync succeeds again, not for every commit meanwhile. */
      if (warn)
        g_warning ("%s", error->message);
      return_waiters (&done, error);
      if (!ok)
        return;
    }
}

/* Under sync_lock. */
static void
queue_sync (RdStore *self)
{
  if (self->sync_queued)
    return;
  self->sync_queued = TRUE;
  if (self->sync_pool == NULL)
    self->sync_pool = g_thread_pool_new (sync_thread, self, 1, FALSE, NULL);
  g_thread_pool_push (self->sync_pool, GINT_TO_POINTER (1), NULL);
}

static int
synchronous_level (RdStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int level = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA synchronous", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    level = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return level;
}

void
rd_store_relaxed_begin (RdStore *self)
{
  g_return_if_fail (RD_IS_STORE (self));

  if (self->relaxed_depth++ > 0 || !on_disk (self))
    return;
  self->relaxed_saved = -1;
  /* SQLite refuses to change the level inside a transaction: the caller's commit then syncs. */
  if (!sqlite3_get_autocommit (self->db))
    return;
  if (synchronous_level (self) > 1 && sqlite3_exec (self->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK)
    self->relaxed_saved = 2;
}

void
rd_store_relaxed_end (RdStore *self)
{
  g_return_if_fail (RD_IS_STORE (self));
  g_return_if_fail (self->relaxed_depth > 0);

  if (--self->relaxed_depth > 0 || !on_disk (self))
    return;
  if (self->relaxed_saved > 1)
    {
      if (!sqlite3_get_autocommit (self->db) ||
          sqlite3_exec (self->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
        /* A transaction left open in between: FULL again at its end. */
        g_warning ("Store (%s): cannot restore synchronous=FULL: %s", self->path, sqlite3_errmsg (self->db));
      self->relaxed_saved = -1;
    }
  g_mutex_lock (&self->sync_lock);
  self->relaxed_seq++;
  queue_sync (self);
  g_mutex_unlock (&self->sync_lock);
}

void
rd_store_sync_async (RdStore *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  SyncWaiter *w;

  g_return_if_fail (RD_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_store_sync_async);
  g_mutex_lock (&self->sync_lock);
  if (!on_disk (self) || self->synced_seq >= self->relaxed_seq)
    {
      g_mutex_unlock (&self->sync_lock);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  w = g_new0 (SyncWaiter, 1);
  w->task = task;
  w->target = self->relaxed_seq;
  g_queue_push_tail (&self->sync_waiters, w);
  queue_sync (self);
  g_mutex_unlock (&self->sync_lock);
}

gboolean
rd_store_sync_finish (RdStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
rd_store_get_syncs (RdStore *self)
{
  guint n;

  g_mutex_lock (&self->sync_lock);
  n = self->syncs;
  g_mutex_unlock (&self->sync_lock);
  return n;
}

void
rd_store_hold_syncs (RdStore *self, gboolean hold)
{
  g_mutex_lock (&self->sync_lock);
  self->sync_hold = hold;
  g_cond_broadcast (&self->sync_cond);
  g_mutex_unlock (&self->sync_lock);
}

/* At close: the thread's work done, and whatever is left synced here (a clean stop loses
 * nothing, power cut or not). No waiter can be left: each holds a reference on the store. */
void
rd_store_sync_close (RdStore *self)
{
  g_autoptr(GError) error = NULL;

  rd_store_hold_syncs (self, FALSE);
  if (self->sync_pool != NULL)
    g_thread_pool_free (self->sync_pool, FALSE, TRUE);
  self->sync_pool = NULL;
  if (on_disk (self) && self->synced_seq < self->relaxed_seq && !sync_wal (self, &error) && !self->sync_warned)
    g_warning ("%s", error->message);
  if (self->wal_fd >= 0)
    g_close (self->wal_fd, NULL);
  self->wal_fd = -1;
  g_cond_clear (&self->sync_cond);
  g_mutex_clear (&self->sync_lock);
}
