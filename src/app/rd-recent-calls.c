/* rd-recent-calls.c — see rd-recent-calls.h. */
#include "config.h"

#include "rd-recent-calls.h"

#include "core/rd-error.h"

/* The hub allows an extension a few lookups (a burst of 10, then one every 6 s: on a miss each
 * asks the CRM) and a dial needs one to show the name and the formatted number. So an unknown
 * number is asked about again only after a while, a few per load, and not at all for a while
 * once the hub says "too many". */
#define MAX_LOOKUPS       3     /* unknown numbers looked up again per load */
#define RECHECK_AFTER_S   120   /* a number found unknown is asked about again after this */
#define LIMIT_PAUSE_S     10    /* no lookups for this long after the hub refused one */
#define UNKNOWNS_KEY      "rd-recent-calls-unknowns"

/* Shared by every RdRecentCalls of a client (the main window's, Recent Calls'), kept on it. */
typedef struct {
  GHashTable *checked;        /* number → gint64 *: when it was last found without a record */
  gint64      paused_until;   /* monotonic µs */
} Unknowns;

static void
unknowns_free (Unknowns *u)
{
  g_hash_table_unref (u->checked);
  g_free (u);
}

static Unknowns *
unknowns_of (RdAgentClient *client)
{
  Unknowns *u = g_object_get_data (G_OBJECT (client), UNKNOWNS_KEY);

  if (u == NULL)
    {
      u = g_new0 (Unknowns, 1);
      u->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_object_set_data_full (G_OBJECT (client), UNKNOWNS_KEY, u, (GDestroyNotify) unknowns_free);
    }
  return u;
}

static gboolean
recently_checked (Unknowns *u, const char *number, gint64 now)
{
  const gint64 *when = g_hash_table_lookup (u->checked, number);
  return when != NULL && now - *when < (gint64) RECHECK_AFTER_S * G_USEC_PER_SEC;
}

struct _RdRecentCalls {
  GObject        parent_instance;

  RdAgentClient *client;
  GCancellable  *cancellable;   /* the load under way */
  GCancellable  *lookups;       /* lookups outlive a reload (they apply by number) */
  GPtrArray     *calls;         /* RdAgentRecentCall */
  char          *query;
  char          *error;
  guint          limit;
  RdRecentState  state;
};

G_DEFINE_FINAL_TYPE (RdRecentCalls, rd_recent_calls, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_state (RdRecentCalls *self, RdRecentState state, const char *error)
{
  self->state = state;
  g_free (self->error);
  self->error = g_strdup (error);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* The calls from @number logged without a record show @match. */
static void
apply_match (RdRecentCalls *self, const char *number, const RdAgentMatch *match)
{
  gboolean changed = FALSE;

  for (guint i = 0; i < self->calls->len; i++)
    {
      RdAgentRecentCall *c = g_ptr_array_index (self->calls, i);
      if (c->match == NULL && g_strcmp0 (c->number, number) == 0)
        {
          c->match = rd_agent_match_copy (match);
          g_free (c->name);
          c->name = g_strdup (match->name);
          changed = TRUE;
        }
    }
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

typedef struct {
  RdRecentCalls *self;
  char          *number;
} Lookup;

static void
on_lookup (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Lookup *l = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdAgentMatch) match = rd_agent_client_lookup_finish (RD_AGENT_CLIENT (source), res, &error);
  Unknowns *u = unknowns_of (RD_AGENT_CLIENT (source));

  /* Marked as checked when asked: unmark what was not answered (or is known now). */
  if (g_error_matches (error, RD_ERROR, RD_ERROR_LIMIT))
    u->paused_until = g_get_monotonic_time () + (gint64) LIMIT_PAUSE_S * G_USEC_PER_SEC;
  if (match || error)
    g_hash_table_remove (u->checked, l->number);
  if (match)
    apply_match (l->self, l->number, match);
  g_object_unref (l->self);
  g_free (l->number);
  g_free (l);
}

/* Calls logged without a record: has one been created for the number since? */
static void
look_up_unknown (RdRecentCalls *self)
{
  g_autoptr(GHashTable) asked = g_hash_table_new (g_str_hash, g_str_equal);
  Unknowns *u = unknowns_of (self->client);
  gint64 now = g_get_monotonic_time ();

  if (now < u->paused_until)
    return;
  for (guint i = 0; i < self->calls->len && g_hash_table_size (asked) < MAX_LOOKUPS; i++)
    {
      RdAgentRecentCall *c = g_ptr_array_index (self->calls, i);
      Lookup *l;

      if (c->match || c->number == NULL || *c->number == '\0' || g_hash_table_contains (asked, c->number) ||
          recently_checked (u, c->number, now))
        continue;
      g_hash_table_add (asked, c->number);
      {
        gint64 *when = g_new (gint64, 1);
        *when = now;
        g_hash_table_replace (u->checked, g_strdup (c->number), when);
      }
      l = g_new0 (Lookup, 1);
      l->self = g_object_ref (self);
      l->number = g_strdup (c->number);
      rd_agent_client_lookup_async (self->client, c->number, self->lookups, on_lookup, l);
    }
}

static void
on_recent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdRecentCalls) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) calls = rd_agent_client_recent_finish (RD_AGENT_CLIENT (source), res, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (calls == NULL)
    {
      set_state (self, RD_RECENT_FAILED, error->message);
      return;
    }
  g_ptr_array_unref (self->calls);
  self->calls = g_steal_pointer (&calls);
  set_state (self, RD_RECENT_READY, NULL);
  look_up_unknown (self);
}

void
rd_recent_calls_refresh (RdRecentCalls *self)
{
  g_return_if_fail (RD_IS_RECENT_CALLS (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (rd_agent_client_get_state (self->client) != RD_AGENT_STATE_SIGNED_IN)
    {
      set_state (self, RD_RECENT_NOT_SIGNED_IN, NULL);
      return;
    }
  if (self->state != RD_RECENT_READY)
    set_state (self, RD_RECENT_LOADING, NULL);
  rd_agent_client_recent_async (self->client, self->limit, self->query, self->cancellable,
                                on_recent, g_object_ref (self));
}

void
rd_recent_calls_set_query (RdRecentCalls *self, const char *query)
{
  g_return_if_fail (RD_IS_RECENT_CALLS (self));

  g_free (self->query);
  self->query = query && *query ? g_strdup (query) : NULL;
  rd_recent_calls_refresh (self);
}

const char *
rd_recent_calls_get_query (RdRecentCalls *self)
{
  g_return_val_if_fail (RD_IS_RECENT_CALLS (self), NULL);
  return self->query;
}

RdRecentState
rd_recent_calls_get_state (RdRecentCalls *self)
{
  g_return_val_if_fail (RD_IS_RECENT_CALLS (self), RD_RECENT_NOT_LOADED);
  return self->state;
}

GPtrArray *
rd_recent_calls_get_calls (RdRecentCalls *self)
{
  g_return_val_if_fail (RD_IS_RECENT_CALLS (self), NULL);
  return self->calls;
}

const char *
rd_recent_calls_get_error (RdRecentCalls *self)
{
  g_return_val_if_fail (RD_IS_RECENT_CALLS (self), NULL);
  return self->error;
}

void
rd_recent_calls_set_calls (RdRecentCalls *self, GPtrArray *calls)
{
  g_return_if_fail (RD_IS_RECENT_CALLS (self));
  g_return_if_fail (calls != NULL);

  g_cancellable_cancel (self->cancellable);
  g_ptr_array_set_size (self->calls, 0);
  for (guint i = 0; i < calls->len; i++)
    {
      const RdAgentRecentCall *c = g_ptr_array_index (calls, i);
      RdAgentRecentCall *copy = g_new0 (RdAgentRecentCall, 1);

      copy->call_id = g_strdup (c->call_id);
      copy->direction = g_strdup (c->direction);
      copy->number = g_strdup (c->number);
      copy->name = g_strdup (c->name);
      copy->match = c->match ? rd_agent_match_copy (c->match) : NULL;
      copy->start = c->start;
      copy->ring = c->ring;
      copy->talk = c->talk;
      copy->outcome = g_strdup (c->outcome);
      g_ptr_array_add (self->calls, copy);
    }
  set_state (self, RD_RECENT_READY, NULL);
}

void
rd_recent_calls_record_created (RdRecentCalls *self, const char *number, const RdAgentMatch *match)
{
  g_return_if_fail (RD_IS_RECENT_CALLS (self));
  g_return_if_fail (number != NULL);

  g_hash_table_remove (unknowns_of (self->client)->checked, number);
  if (match)
    apply_match (self, number, match);
}

static void
on_call_logged (RdAgentClient *client, const char *call_id, RdRecentCalls *self)
{
  if (self->state != RD_RECENT_NOT_LOADED)   /* shown somewhere */
    rd_recent_calls_refresh (self);
}

static void
on_state (RdAgentClient *client, GParamSpec *pspec, RdRecentCalls *self)
{
  if (self->state != RD_RECENT_NOT_LOADED)
    rd_recent_calls_refresh (self);
}

static void
rd_recent_calls_dispose (GObject *object)
{
  RdRecentCalls *self = RD_RECENT_CALLS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->lookups);
  g_clear_object (&self->lookups);
  if (self->client)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (rd_recent_calls_parent_class)->dispose (object);
}

static void
rd_recent_calls_finalize (GObject *object)
{
  RdRecentCalls *self = RD_RECENT_CALLS (object);

  g_ptr_array_unref (self->calls);
  g_free (self->query);
  g_free (self->error);
  G_OBJECT_CLASS (rd_recent_calls_parent_class)->finalize (object);
}

static void
rd_recent_calls_class_init (RdRecentCallsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_recent_calls_dispose;
  object_class->finalize = rd_recent_calls_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_recent_calls_init (RdRecentCalls *self)
{
  self->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_recent_call_free);
  self->lookups = g_cancellable_new ();
  self->state = RD_RECENT_NOT_LOADED;
}

RdRecentCalls *
rd_recent_calls_new (RdAgentClient *client, guint limit)
{
  RdRecentCalls *self;

  g_return_val_if_fail (RD_IS_AGENT_CLIENT (client), NULL);

  self = g_object_new (RD_TYPE_RECENT_CALLS, NULL);
  self->client = g_object_ref (client);
  self->limit = limit;
  g_signal_connect (client, "call-logged", G_CALLBACK (on_call_logged), self);
  g_signal_connect (client, "notify::state", G_CALLBACK (on_state), self);
  return self;
}
