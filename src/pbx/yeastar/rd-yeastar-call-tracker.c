/* rd-yeastar-call-tracker.c — 30011 member lists → per-extension call events. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-call-tracker.h"

#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-json.h"

#define MAX_CALLS        4096
#define MAX_MEMBERS      256
#define MAX_FIELD        128
#define STALE_CALL_US    (12 * G_TIME_SPAN_HOUR)
#define DIAL_MEMORY_US   (10 * G_TIME_SPAN_MINUTE)
#define PENDING_DIAL_US  (60 * G_TIME_SPAN_SECOND)   /* call/dial sent, no reply yet */

typedef enum { KIND_EXTENSION, KIND_INBOUND, KIND_OUTBOUND } MemberKind;

typedef struct {
  MemberKind kind;
  char      *number;     /* extension number */
  char      *from, *to;  /* trunk legs */
  char      *status;     /* upper case */
  char      *call_path;
} Member;

typedef struct {
  RdCallState  state;
  RdDirection  direction;
  char        *remote;
  char        *did;
  char        *call_path;
} Leg;

typedef struct {
  char       *fingerprint;
  GHashTable *legs;        /* extension → Leg */
  gint64      first_seen;  /* unix s */
  gint64      last_seen;   /* monotonic µs */
} Call;

typedef struct {
  char  *extension;
  char  *number;
  gint64 at;               /* monotonic µs */
} Dial;

/* A call/dial whose reply has not arrived yet. */
typedef struct {
  guint  ticket;
  char  *extension;
  char  *number;
  gint64 at;               /* monotonic µs */
  char  *claimed;          /* the call its caller's first event was taken for, or NULL */
} PendingDial;

struct _RdYeastarCallTracker
{
  GObject     parent_instance;
  GHashTable *calls;   /* call id → Call */
  GHashTable *dials;   /* call id → Dial */
  GQueue      pending; /* PendingDial, oldest first */
  guint       next_ticket;
};

G_DEFINE_FINAL_TYPE (RdYeastarCallTracker, rd_yeastar_call_tracker, G_TYPE_OBJECT)

enum { SIGNAL_CALL_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
member_clear (gpointer data)
{
  Member *m = data;

  g_free (m->number);
  g_free (m->from);
  g_free (m->to);
  g_free (m->status);
  g_free (m->call_path);
}

static void
leg_free (gpointer data)
{
  Leg *leg = data;

  g_free (leg->remote);
  g_free (leg->did);
  g_free (leg->call_path);
  g_free (leg);
}

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->fingerprint);
  g_hash_table_unref (call->legs);
  g_free (call);
}

static void
dial_free (gpointer data)
{
  Dial *dial = data;

  g_free (dial->extension);
  g_free (dial->number);
  g_free (dial);
}

static void
pending_dial_free (gpointer data)
{
  PendingDial *p = data;

  g_free (p->extension);
  g_free (p->number);
  g_free (p->claimed);
  g_free (p);
}

static void
rd_yeastar_call_tracker_finalize (GObject *object)
{
  RdYeastarCallTracker *self = RD_YEASTAR_CALL_TRACKER (object);

  g_queue_clear_full (&self->pending, pending_dial_free);
  g_hash_table_unref (self->calls);
  g_hash_table_unref (self->dials);
  G_OBJECT_CLASS (rd_yeastar_call_tracker_parent_class)->finalize (object);
}

static void
rd_yeastar_call_tracker_class_init (RdYeastarCallTrackerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_yeastar_call_tracker_finalize;

  signals[SIGNAL_CALL_EVENT] = g_signal_new ("call-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, RD_TYPE_CALL_EVENT);
}

static void
rd_yeastar_call_tracker_init (RdYeastarCallTracker *self)
{
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, call_free);
  self->dials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, dial_free);
  g_queue_init (&self->pending);
}

RdYeastarCallTracker *
rd_yeastar_call_tracker_new (void)
{
  return g_object_new (RD_TYPE_YEASTAR_CALL_TRACKER, NULL);
}

/* A short, clean text field; NULL when blank. */
static char *
field (JsonObject *obj, const char *name)
{
  return rd_yeastar_json_dup_field (obj, name, MAX_FIELD);
}

static gboolean
parse_members (JsonArray *array, GArray *out, GError **error)
{
  guint n = json_array_get_length (array);

  if (n > MAX_MEMBERS)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "call with %u members refused", n);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *wrapper, *inner;
      Member m = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      wrapper = json_node_get_object (node);
      if ((inner = rd_yeastar_json_get_object (wrapper, "extension")) != NULL)
        {
          m.kind = KIND_EXTENSION;
          m.number = field (inner, "number");
          if (m.number == NULL)
            continue;
        }
      else if ((inner = rd_yeastar_json_get_object (wrapper, "inbound")) != NULL)
        m.kind = KIND_INBOUND;
      else if ((inner = rd_yeastar_json_get_object (wrapper, "outbound")) != NULL)
        m.kind = KIND_OUTBOUND;
      else
        continue;   /* unknown member kind: newer firmware, ignore */
      m.from = field (inner, "from");
      m.to = field (inner, "to");
      m.call_path = field (inner, "call_path");
      m.status = field (inner, "member_status");
      if (m.status != NULL)
        {
          char *up = g_ascii_strup (m.status, -1);
          g_free (m.status);
          m.status = up;
        }
      g_array_append_val (out, m);
    }
  return TRUE;
}

static gboolean
state_from_status (const char *status, RdCallState *state)
{
  if (status == NULL)
    return FALSE;
  if (g_str_equal (status, "RING"))
    *state = RD_CALL_STATE_RINGING;
  else if (g_str_equal (status, "ALERT") || g_str_equal (status, "EARLYMEDIA"))
    *state = RD_CALL_STATE_DIALING;
  else if (g_str_equal (status, "ANSWER") || g_str_equal (status, "ANSWERED"))
    *state = RD_CALL_STATE_ANSWERED;
  else if (g_str_equal (status, "HOLD"))
    *state = RD_CALL_STATE_HELD;
  else if (g_str_equal (status, "BYE"))
    *state = RD_CALL_STATE_ENDED;
  else
    return FALSE;
  return TRUE;
}

static void
emit (RdYeastarCallTracker *self, const char *call_id, const char *extension, const Leg *leg)
{
  g_autoptr(RdCallEvent) event = rd_call_event_new ();

  event->call_id = g_strdup (call_id);
  event->extension = g_strdup (extension);
  event->direction = leg->direction;
  event->state = leg->state;
  event->remote_number = g_strdup (leg->remote);
  event->did = g_strdup (leg->did);
  event->call_path = g_strdup (leg->call_path);
  event->timestamp_us = g_get_real_time ();
  g_debug ("call %s ext %s: %s", call_id, extension, rd_call_state_to_string (leg->state));
  g_signal_emit (self, signals[SIGNAL_CALL_EVENT], 0, event);
}

/* What the leg of extension member @me looks like in this member list. */
static void
describe_leg (const Dial *dial, GArray *members, const Member *me, RdCallState state, Leg *out)
{
  const Member *inbound = NULL, *outbound = NULL, *other = NULL, *other_live = NULL;

  for (guint i = 0; i < members->len; i++)
    {
      const Member *m = &g_array_index (members, Member, i);

      if (m->kind == KIND_INBOUND && inbound == NULL)
        inbound = m;
      else if (m->kind == KIND_OUTBOUND && outbound == NULL)
        outbound = m;
      else if (m->kind == KIND_EXTENSION && m != me && g_strcmp0 (m->number, me->number) != 0)
        {
          if (other == NULL)
            other = m;
          if (other_live == NULL && g_strcmp0 (m->status, "BYE") != 0)
            other_live = m;
        }
    }

  out->state = state;
  out->did = NULL;
  out->call_path = g_strdup (me->call_path);
  if (inbound != NULL)
    {
      out->direction = RD_DIRECTION_INBOUND;
      out->remote = g_strdup (inbound->from);
      out->did = g_strdup (inbound->to);
    }
  else if (outbound != NULL)
    {
      out->direction = RD_DIRECTION_OUTBOUND;
      out->remote = g_strdup (outbound->to);
    }
  else if (other != NULL)
    {
      out->direction = RD_DIRECTION_INTERNAL;
      out->remote = g_strdup ((other_live ? other_live : other)->number);
    }
  else if (dial != NULL && g_strcmp0 (dial->extension, me->number) == 0)
    {
      /* alone in the call: the PBX rings a call/dial caller's own phone first; for
       * the agent it is the outgoing call to the number it dialled */
      out->direction = RD_DIRECTION_OUTBOUND;
      out->remote = g_strdup (dial->number);
    }
  else
    {
      out->direction = RD_DIRECTION_UNKNOWN;
      out->remote = NULL;
    }

  /* The caller of call/dial hears its own phone ring first (spec §4.1): for the
   * agent that is an outgoing call, not an incoming one. An extension ringing
   * next to a trunk leg that is only outbound is the same situation. */
  if (state == RD_CALL_STATE_RINGING &&
      ((dial != NULL && g_strcmp0 (dial->extension, me->number) == 0) ||
       (inbound == NULL && outbound != NULL)))
    out->state = RD_CALL_STATE_DIALING;
}

static gboolean
legs_differ (const Leg *a, const Leg *b)
{
  return a->state != b->state;
}

static void
purge (RdYeastarCallTracker *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->dials);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - ((Dial *) value)->at > DIAL_MEMORY_US)
      g_hash_table_iter_remove (&iter);

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - ((Call *) value)->last_seen > STALE_CALL_US)
      g_hash_table_iter_remove (&iter);

  while (g_queue_peek_head (&self->pending) != NULL &&
         now - ((PendingDial *) g_queue_peek_head (&self->pending))->at > PENDING_DIAL_US)
    pending_dial_free (g_queue_pop_head (&self->pending));

  while (g_hash_table_size (self->calls) >= MAX_CALLS)
    {
      const char *oldest_id = NULL;
      gint64 oldest = G_MAXINT64;
      gpointer key;

      g_hash_table_iter_init (&iter, self->calls);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (((Call *) value)->last_seen < oldest)
          {
            oldest = ((Call *) value)->last_seen;
            oldest_id = key;
          }
      g_warning ("tracking too many calls: forgetting call %s", oldest_id);
      g_hash_table_remove (self->calls, oldest_id);
    }
  while (g_hash_table_size (self->dials) >= MAX_CALLS)
    {
      g_hash_table_iter_init (&iter, self->dials);
      g_hash_table_iter_next (&iter, NULL, NULL);
      g_hash_table_iter_remove (&iter);
    }
}

static void
remember_dial (RdYeastarCallTracker *self, const char *call_id, const char *extension, const char *number)
{
  Dial *dial = g_new0 (Dial, 1);

  dial->extension = g_strdup (extension);
  dial->number = g_strdup (number);
  dial->at = g_get_monotonic_time ();
  g_hash_table_replace (self->dials, g_strdup (call_id), dial);
}

/* The PBX may show the caller of a call/dial (ringing its own phone, RING or ALERT)
 * before the REST reply brings the call id. A call whose only member is one
 * extension with a dial on its way is that dial: the oldest unclaimed one. */
static const Dial *
claim_pending_dial (RdYeastarCallTracker *self, const char *call_id, GArray *members)
{
  const Member *alone = NULL;

  for (guint i = 0; i < members->len; i++)
    {
      const Member *m = &g_array_index (members, Member, i);

      if (m->kind != KIND_EXTENSION || (alone != NULL && g_strcmp0 (alone->number, m->number) != 0))
        return NULL;
      alone = m;
    }
  if (alone == NULL || (g_strcmp0 (alone->status, "RING") != 0 && g_strcmp0 (alone->status, "ALERT") != 0))
    return NULL;
  for (GList *l = self->pending.head; l != NULL; l = l->next)
    {
      PendingDial *p = l->data;

      if (p->claimed != NULL || g_strcmp0 (p->extension, alone->number) != 0)
        continue;
      p->claimed = g_strdup (call_id);
      remember_dial (self, call_id, p->extension, p->number);
      g_debug ("call %s: the caller leg of a dial from %s whose reply is on its way", call_id, p->extension);
      return g_hash_table_lookup (self->dials, call_id);
    }
  return NULL;
}

gboolean
rd_yeastar_call_tracker_feed (RdYeastarCallTracker *self, JsonObject *msg, GError **error)
{
  g_autofree char *call_id = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GArray) members = NULL;
  g_autoptr(GHashTable) present = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;
  const Dial *dial;
  Call *call;
  gboolean live = FALSE;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self), FALSE);

  call_id = field (msg, "call_id");
  array = rd_yeastar_json_get_array (msg, "members");
  if (call_id == NULL || array == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "call status event without call_id or members");
      return FALSE;
    }
  members = g_array_new (FALSE, TRUE, sizeof (Member));
  g_array_set_clear_func (members, member_clear);
  if (!parse_members (array, members, error))
    return FALSE;

  node = json_node_init_object (json_node_alloc (), msg);
  fingerprint = json_to_string (node, FALSE);
  call = g_hash_table_lookup (self->calls, call_id);
  if (call != NULL && g_strcmp0 (call->fingerprint, fingerprint) == 0)
    return TRUE;   /* the same list again */

  if (call == NULL)
    {
      purge (self);
      call = g_new0 (Call, 1);
      call->legs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, leg_free);
      call->first_seen = g_get_real_time () / G_USEC_PER_SEC;
      g_hash_table_insert (self->calls, g_strdup (call_id), call);
    }
  g_free (call->fingerprint);
  call->fingerprint = g_steal_pointer (&fingerprint);
  call->last_seen = g_get_monotonic_time ();
  dial = g_hash_table_lookup (self->dials, call_id);
  if (dial == NULL)
    dial = claim_pending_dial (self, call_id, members);

  present = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < members->len; i++)
    {
      const Member *m = &g_array_index (members, Member, i);
      RdCallState state;
      Leg now = { 0 };
      Leg *leg;

      if (m->kind != KIND_EXTENSION)
        {
          if (g_strcmp0 (m->status, "BYE") != 0)
            live = TRUE;
          continue;
        }
      if (g_hash_table_contains (present, m->number))
        continue;   /* the same extension twice in one list: the first wins */
      g_hash_table_add (present, m->number);
      if (!state_from_status (m->status, &state))
        {
          g_debug ("call %s ext %s: unknown member_status, leg unchanged", call_id, m->number);
          live = TRUE;
          continue;
        }
      describe_leg (dial, members, m, state, &now);
      leg = g_hash_table_lookup (call->legs, m->number);
      if (leg == NULL && now.state == RD_CALL_STATE_ENDED)
        {
          /* never seen alive: nothing to end */
          g_free (now.remote);
          g_free (now.did);
          g_free (now.call_path);
          continue;
        }
      if (now.state != RD_CALL_STATE_ENDED)
        live = TRUE;
      if (leg == NULL || legs_differ (leg, &now))
        {
          if (leg == NULL)
            {
              leg = g_new0 (Leg, 1);
              g_hash_table_insert (call->legs, g_strdup (m->number), leg);
            }
          g_free (leg->remote);
          g_free (leg->did);
          g_free (leg->call_path);
          *leg = now;
          emit (self, call_id, m->number, leg);
        }
      else
        {
          g_free (now.remote);
          g_free (now.did);
          g_free (now.call_path);
        }
    }

  /* extensions that left the list (lost the race in a queue, transferred away) */
  g_hash_table_iter_init (&iter, call->legs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Leg *leg = value;

      if (!g_hash_table_contains (present, key) && leg->state != RD_CALL_STATE_ENDED)
        {
          leg->state = RD_CALL_STATE_ENDED;
          emit (self, call_id, key, leg);
        }
    }

  if (!live)
    g_hash_table_remove (self->calls, call_id);
  return TRUE;
}

static gboolean
is_party (const char * const *parties, const char *extension)
{
  for (guint i = 0; parties != NULL && parties[i] != NULL; i++)
    if (g_str_equal (parties[i], extension))
      return TRUE;
  return FALSE;
}

void
rd_yeastar_call_tracker_end_call (RdYeastarCallTracker *self, const char *call_id,
                                  const char * const *parties)
{
  Call *call;
  GHashTableIter iter;
  gpointer key, value;
  gboolean any_party = FALSE, live = FALSE;

  g_return_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self));
  if (call_id == NULL)
    return;
  call = g_hash_table_lookup (self->calls, call_id);
  if (call == NULL)
    {
      g_hash_table_remove (self->dials, call_id);
      return;
    }
  g_hash_table_iter_init (&iter, call->legs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    any_party = any_party || is_party (parties, key);

  /* A record names the legs it is about (a transfer produces one per leg); when it
   * names none we know, the whole call is over. */
  g_hash_table_iter_init (&iter, call->legs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Leg *leg = value;

      if (leg->state == RD_CALL_STATE_ENDED)
        continue;
      if (!any_party || is_party (parties, key))
        {
          leg->state = RD_CALL_STATE_ENDED;
          emit (self, call_id, key, leg);
        }
      else
        live = TRUE;
    }
  if (!live)
    {
      g_hash_table_remove (self->calls, call_id);
      g_hash_table_remove (self->dials, call_id);
    }
}

guint
rd_yeastar_call_tracker_begin_dial (RdYeastarCallTracker *self, const char *extension, const char *number)
{
  PendingDial *p;

  g_return_val_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self), 0);
  g_return_val_if_fail (extension != NULL, 0);
  purge (self);
  p = g_new0 (PendingDial, 1);
  p->ticket = ++self->next_ticket ? self->next_ticket : ++self->next_ticket;
  p->extension = g_strdup (extension);
  p->number = g_strdup (number);
  p->at = g_get_monotonic_time ();
  g_queue_push_tail (&self->pending, p);
  return p->ticket;
}

static PendingDial *
take_pending (RdYeastarCallTracker *self, guint ticket)
{
  for (GList *l = self->pending.head; l != NULL; l = l->next)
    if (((PendingDial *) l->data)->ticket == ticket)
      {
        PendingDial *p = l->data;

        g_queue_delete_link (&self->pending, l);
        return p;
      }
  return NULL;
}

void
rd_yeastar_call_tracker_note_dial (RdYeastarCallTracker *self, guint ticket, const char *call_id,
                                   const char *extension, const char *number)
{
  PendingDial *p;

  g_return_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self));
  g_return_if_fail (call_id != NULL && extension != NULL);
  p = take_pending (self, ticket);
  if (p != NULL && p->claimed != NULL && g_strcmp0 (p->claimed, call_id) != 0)
    {
      /* the lone ringing extension was another call after all: give that one back */
      g_debug ("call %s was not the dial of %s (call %s is)", p->claimed, extension, call_id);
      g_hash_table_remove (self->dials, p->claimed);
    }
  g_clear_pointer (&p, pending_dial_free);
  purge (self);
  remember_dial (self, call_id, extension, number);
}

void
rd_yeastar_call_tracker_cancel_dial (RdYeastarCallTracker *self, guint ticket)
{
  PendingDial *p;

  g_return_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self));
  p = take_pending (self, ticket);
  if (p != NULL && p->claimed != NULL)
    g_hash_table_remove (self->dials, p->claimed);
  g_clear_pointer (&p, pending_dial_free);
}

gint64
rd_yeastar_call_tracker_oldest_start (RdYeastarCallTracker *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 oldest = 0;

  g_return_val_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self), 0);
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (oldest == 0 || ((Call *) value)->first_seen < oldest)
      oldest = ((Call *) value)->first_seen;
  return oldest;
}

/* Does @number name the same party as @remote (a caller id may carry a prefix the
 * record drops, or the other way round)? */
static gboolean
same_party (const char *remote, const char *number)
{
  gsize a, b;

  if (remote == NULL || number == NULL || *remote == '\0' || *number == '\0')
    return FALSE;
  if (g_str_equal (remote, number))
    return TRUE;
  a = strlen (remote);
  b = strlen (number);
  /* the shorter one is the tail of the other, and long enough to mean something */
  return MIN (a, b) >= 7 && (a > b ? g_str_has_suffix (remote, number) : g_str_has_suffix (number, remote));
}

void
rd_yeastar_call_tracker_end_matching (RdYeastarCallTracker *self, const RdCallRecord *record)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func (g_free);
  const char *parties[] = { record->from_number, record->to_number, record->extension, NULL };

  g_return_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self));
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Call *call = value;
      GHashTableIter legs;
      gpointer ext, leg_value;

      /* seen after the call began: not a later call between the same parties */
      if (record->start_unix > 0 && call->first_seen + 5 < record->start_unix)
        continue;
      if (record->outcome != RD_OUTCOME_ANSWERED)
        {
          /* nobody took it: any leg of the call with the same other party will do */
          g_hash_table_iter_init (&legs, call->legs);
          while (g_hash_table_iter_next (&legs, &ext, &leg_value))
            if (((Leg *) leg_value)->state != RD_CALL_STATE_ENDED &&
                (same_party (((Leg *) leg_value)->remote, record->from_number) ||
                 same_party (((Leg *) leg_value)->remote, record->to_number)))
              {
                g_ptr_array_add (ended, g_strdup (key));
                break;
              }
          continue;
        }
      g_hash_table_iter_init (&legs, call->legs);
      while (g_hash_table_iter_next (&legs, &ext, &leg_value))
        {
          Leg *leg = leg_value;

          if (leg->state != RD_CALL_STATE_ENDED && is_party (parties, ext) &&
              (same_party (leg->remote, record->from_number) || same_party (leg->remote, record->to_number)))
            {
              g_ptr_array_add (ended, g_strdup (key));
              break;
            }
        }
    }
  for (guint i = 0; i < ended->len; i++)
    {
      g_debug ("call %s ends with a record that does not name it", (char *) ended->pdata[i]);
      rd_yeastar_call_tracker_end_call (self, ended->pdata[i],
                                        record->outcome == RD_OUTCOME_ANSWERED ? parties : NULL);
    }
}

gint64
rd_yeastar_call_tracker_last_seen (RdYeastarCallTracker *self, const char *call_id)
{
  Call *call;

  g_return_val_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self), 0);
  call = call_id != NULL ? g_hash_table_lookup (self->calls, call_id) : NULL;
  return call != NULL ? call->last_seen : 0;
}

GStrv
rd_yeastar_call_tracker_dup_call_ids (RdYeastarCallTracker *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self), NULL);
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (b, key);
  return g_strv_builder_end (b);
}

void
rd_yeastar_call_tracker_adopt (RdYeastarCallTracker *self, const RdCallEvent *event)
{
  Call *call;
  Leg *leg;

  g_return_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self));
  g_return_if_fail (event != NULL);
  if (event->call_id == NULL || event->extension == NULL || event->state == RD_CALL_STATE_ENDED)
    return;
  call = g_hash_table_lookup (self->calls, event->call_id);
  if (call == NULL)
    {
      purge (self);
      call = g_new0 (Call, 1);
      call->legs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, leg_free);
      call->first_seen = event->timestamp_us > 0 ? event->timestamp_us / G_USEC_PER_SEC
                                                 : g_get_real_time () / G_USEC_PER_SEC;
      call->last_seen = g_get_monotonic_time ();
      g_hash_table_insert (self->calls, g_strdup (event->call_id), call);
    }
  if (g_hash_table_contains (call->legs, event->extension))
    return;
  leg = g_new0 (Leg, 1);
  leg->state = event->state;
  leg->direction = event->direction;
  leg->remote = g_strdup (event->remote_number);
  leg->did = g_strdup (event->did);
  leg->call_path = g_strdup (event->call_path);
  g_hash_table_insert (call->legs, g_strdup (event->extension), leg);
}

guint
rd_yeastar_call_tracker_count_calls (RdYeastarCallTracker *self)
{
  g_return_val_if_fail (RD_IS_YEASTAR_CALL_TRACKER (self), 0);
  return g_hash_table_size (self->calls);
}
