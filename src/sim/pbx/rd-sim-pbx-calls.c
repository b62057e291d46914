/* rd-sim-pbx-calls.c — the simulator's call engine: scenarios as timed steps that
 * push 30011 member lists, 30015 failures and 30012 CDRs, and store the CDRs. */
#include "config.h"

#include "sim/pbx/rd-sim-pbx-private.h"

#include <stdio.h>
#include <string.h>

typedef enum { STEP_MEMBERS, STEP_FAILED, STEP_CDR, STEP_FINISH } StepKind;

typedef struct {
  StepKind    kind;
  guint       delay_ms;
  JsonArray  *members;
  char       *reason;
  JsonObject *cdr;
} Step;

typedef struct {
  RdSimPbx *sim;
  char     *call_id;
  GQueue    steps;
  guint     source;
  guint     channel_seq;
  guint     elapsed_ms;   /* for CDR start times of later legs */
  gint64    start_us;
} SimCall;

static void
step_free (gpointer data)
{
  Step *s = data;

  g_clear_pointer (&s->members, json_array_unref);
  g_clear_pointer (&s->cdr, json_object_unref);
  g_free (s->reason);
  g_free (s);
}

static void
sim_call_free (SimCall *call)
{
  g_queue_clear_full (&call->steps, step_free);
  g_free (call->call_id);
  g_free (call);
}

char *
rd_sim_pbx_new_call_id (RdSimPbx *self)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%u", g_get_real_time () / G_USEC_PER_SEC, ++self->call_seq);
}

void
rd_sim_pbx_cancel_calls (RdSimPbx *self)
{
  GHashTableIter iter;
  gpointer key;

  if (self->sources == NULL)
    return;
  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      SimCall *call = key;

      g_source_remove (call->source);
      sim_call_free (call);
    }
  g_hash_table_remove_all (self->sources);
}

/* ---- members ------------------------------------------------------------------ */

static JsonObject *
ext_member (SimCall *call, const char *number, const char *status, const char *path)
{
  JsonObject *wrapper = json_object_new ();
  JsonObject *m = json_object_new ();
  g_autofree char *channel = g_strdup_printf ("PJSIP/%s-%08x", number, g_str_hash (call->call_id) + g_str_hash (number));

  json_object_set_string_member (m, "number", number);
  json_object_set_string_member (m, "channel_id", channel);
  json_object_set_string_member (m, "member_status", status);
  json_object_set_string_member (m, "call_path", path ? path : "");
  json_object_set_object_member (wrapper, "extension", m);
  return wrapper;
}

static JsonObject *
trunk_member (SimCall *call, const char *kind, const char *from, const char *to, const char *status)
{
  JsonObject *wrapper = json_object_new ();
  JsonObject *m = json_object_new ();
  g_autofree char *channel = g_strdup_printf ("PJSIP/trunk-sim-endpoint-%08x", g_str_hash (call->call_id));

  json_object_set_string_member (m, "from", from);
  json_object_set_string_member (m, "to", to);
  json_object_set_string_member (m, "trunk_name", "sim-trunk");
  json_object_set_string_member (m, "channel_id", channel);
  json_object_set_string_member (m, "member_status", status);
  json_object_set_string_member (m, "call_path", "");
  json_object_set_object_member (wrapper, kind, m);
  return wrapper;
}

/* ---- building scenarios --------------------------------------------------------- */

static SimCall *
call_new (RdSimPbx *self, const char *call_id)
{
  SimCall *call = g_new0 (SimCall, 1);

  call->sim = self;
  call->call_id = call_id ? g_strdup (call_id) : rd_sim_pbx_new_call_id (self);
  call->start_us = g_get_real_time ();
  g_queue_init (&call->steps);
  return call;
}

static Step *
add_step (SimCall *call, StepKind kind, guint delay_ms)
{
  Step *s = g_new0 (Step, 1);

  s->kind = kind;
  s->delay_ms = delay_ms;
  call->elapsed_ms += delay_ms;
  g_queue_push_tail (&call->steps, s);
  return s;
}

/* NULL-terminated list of member objects (ownership taken). */
static void
add_members (SimCall *call, guint delay_ms, ...)
{
  Step *s = add_step (call, STEP_MEMBERS, delay_ms);
  va_list ap;
  JsonObject *m;

  s->members = json_array_new ();
  va_start (ap, delay_ms);
  while ((m = va_arg (ap, JsonObject *)) != NULL)
    json_array_add_object_element (s->members, m);
  va_end (ap);
}

static void
add_failed (SimCall *call, guint delay_ms, const char *reason, JsonObject *member)
{
  Step *s = add_step (call, STEP_FAILED, delay_ms);

  s->reason = g_strdup (reason);
  s->members = json_array_new ();
  json_array_add_object_element (s->members, member);
}

static guint
scaled (RdSimPbx *self, guint ms)
{
  return (guint) (((guint64) ms * self->cdr_scale + 500) / 1000);
}

/* A CDR for a leg that started @leg_start_ms after the call began. */
static void
add_cdr (SimCall *call, guint delay_ms, guint leg_start_ms, const char *type, const char *from,
         const char *to, const char *status, guint ring_ms, guint talk_ms, const char *did)
{
  RdSimPbx *self = call->sim;
  Step *s = add_step (call, STEP_CDR, delay_ms);
  JsonObject *c = json_object_new ();
  g_autofree char *uid = g_strdup_printf ("%s-%u", call->call_id, g_queue_get_length (&call->steps));
  gint64 start_unix = (call->start_us / 1000 + leg_start_ms) / 1000;
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (start_unix);
  g_autoptr(GDateTime) start = g_date_time_to_timezone (utc, self->tz);
  g_autofree char *time_start = g_date_time_format (start, "%Y-%m-%d %H:%M:%S");

  json_object_set_string_member (c, "call_id", call->call_id);
  if (self->cdr_with_uid)
    json_object_set_string_member (c, "uid", uid);
  json_object_set_string_member (c, "time_start", time_start);
  json_object_set_string_member (c, "call_from", from);
  json_object_set_string_member (c, "call_to", to);
  json_object_set_int_member (c, "call_duration", scaled (self, ring_ms + talk_ms));
  json_object_set_int_member (c, "talk_duration", scaled (self, talk_ms));
  json_object_set_string_member (c, "src_trunk_name", g_str_equal (type, "Inbound") ? "sim-trunk" : " ");
  json_object_set_string_member (c, "dst_trunk_name", g_str_equal (type, "Outbound") ? "sim-trunk" : " ");
  json_object_set_string_member (c, "pin_code", " ");
  json_object_set_string_member (c, "status", status);
  json_object_set_string_member (c, "type", type);
  json_object_set_string_member (c, "recording", talk_ms > 0 ? "20240101-sim.wav" : " ");
  json_object_set_string_member (c, "did_number", did ? did : " ");
  json_object_set_int_member (c, "agent_ring_time", 0);
  s->cdr = c;
}

static void schedule_next (SimCall *call);

static gboolean
on_step (gpointer user_data)
{
  SimCall *call = user_data;
  RdSimPbx *self = call->sim;
  g_autoptr(JsonObject) msg = NULL;
  Step *s = g_queue_pop_head (&call->steps);

  g_hash_table_remove (self->sources, call);
  call->source = 0;
  switch (s->kind)
    {
    case STEP_MEMBERS:
    case STEP_FAILED:
      msg = json_object_new ();
      json_object_set_string_member (msg, "call_id", call->call_id);
      if (s->kind == STEP_FAILED)
        json_object_set_string_member (msg, "reason", s->reason);
      json_object_set_array_member (msg, "members", json_array_ref (s->members));
      rd_sim_pbx_set_call_members (self, call->call_id, s->kind == STEP_FAILED ? NULL : s->members);
      rd_sim_pbx_push_event (self, s->kind == STEP_FAILED ? 30015 : 30011, msg);
      break;
    case STEP_CDR:
      {
        SimCdr *cdr = g_new0 (SimCdr, 1);
        g_autoptr(GDateTime) dt = NULL;
        const char *ts = json_object_get_string_member (s->cdr, "time_start");
        int y, mo, d, h, mi, sec;

        cdr->id = self->cdrs->len + 1;
        cdr->event = json_object_ref (s->cdr);
        if (sscanf (ts, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) == 6 &&
            (dt = g_date_time_new (self->tz, y, mo, d, h, mi, sec)) != NULL)
          cdr->start_unix = g_date_time_to_unix (dt);
        g_ptr_array_add (self->cdrs, cdr);
        rd_sim_pbx_push_event (self, 30012, s->cdr);   /* not pushed while events are paused */
      }
      break;
    case STEP_FINISH:
      {
        g_autofree char *id = g_strdup (call->call_id);

        rd_sim_pbx_set_call_members (self, id, NULL);
        step_free (s);
        sim_call_free (call);
        rd_sim_pbx_emit_call_finished (self, id);
        return G_SOURCE_REMOVE;
      }
    }
  step_free (s);
  schedule_next (call);
  return G_SOURCE_REMOVE;
}

static void
schedule_next (SimCall *call)
{
  Step *s = g_queue_peek_head (&call->steps);

  call->source = g_timeout_add (s->delay_ms, on_step, call);
  g_hash_table_add (call->sim->sources, call);
}

static char *
call_start (SimCall *call)
{
  char *id = g_strdup (call->call_id);

  add_step (call, STEP_FINISH, 0);
  schedule_next (call);
  return id;
}

JsonObject *
rd_sim_pbx_cdr_row (RdSimPbx *self, const SimCdr *cdr)
{
  JsonObject *e = cdr->event;
  JsonObject *row = json_object_new ();
  gint64 total = json_object_get_int_member (e, "call_duration");
  gint64 talk = json_object_get_int_member (e, "talk_duration");

  json_object_set_int_member (row, "id", cdr->id);
  json_object_set_string_member (row, "time", json_object_get_string_member (e, "time_start"));
  json_object_set_int_member (row, "timestamp", cdr->start_unix);
  if (json_object_has_member (e, "uid"))
    json_object_set_string_member (row, "uid", json_object_get_string_member (e, "uid"));
  if (self->rows_with_call_id)
    json_object_set_string_member (row, "call_id", json_object_get_string_member (e, "call_id"));
  json_object_set_string_member (row, "call_from", json_object_get_string_member (e, "call_from"));
  json_object_set_string_member (row, "call_to", json_object_get_string_member (e, "call_to"));
  json_object_set_string_member (row, "src_addr", " ");
  json_object_set_string_member (row, "src_trunk", json_object_get_string_member (e, "src_trunk_name"));
  json_object_set_string_member (row, "dst_trunk", json_object_get_string_member (e, "dst_trunk_name"));
  json_object_set_int_member (row, "duration", total);
  json_object_set_int_member (row, "ring_duration", total - talk);
  json_object_set_int_member (row, "talk_duration", talk);
  json_object_set_string_member (row, "disposition", json_object_get_string_member (e, "status"));
  json_object_set_string_member (row, "call_type", json_object_get_string_member (e, "type"));
  json_object_set_string_member (row, "did_number", json_object_get_string_member (e, "did_number"));
  json_object_set_string_member (row, "dod_number", " ");
  return row;
}

/* ---- scenarios --------------------------------------------------------------------- */

char *
rd_sim_pbx_play_inbound (RdSimPbx *self, const char *from, const char *did,
                         const char * const *ring_extensions, const char *answer_extension,
                         guint ring_ms, guint talk_ms)
{
  SimCall *call;
  Step *s;
  guint n;
  const char *path;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  g_return_val_if_fail (from != NULL && did != NULL && ring_extensions != NULL && ring_extensions[0] != NULL, NULL);

  call = call_new (self, NULL);
  n = g_strv_length ((char **) ring_extensions);
  path = n > 1 ? "6300" : "";   /* a ring group number when several ring */

  s = add_step (call, STEP_MEMBERS, 0);
  s->members = json_array_new ();
  json_array_add_object_element (s->members, trunk_member (call, "inbound", from, did, "ALERT"));
  for (guint i = 0; i < n; i++)
    json_array_add_object_element (s->members, ext_member (call, ring_extensions[i], "RING", path));

  if (answer_extension != NULL)
    {
      add_members (call, ring_ms, trunk_member (call, "inbound", from, did, "ANSWERED"),
                   ext_member (call, answer_extension, "ANSWER", path), NULL);
      add_members (call, talk_ms, trunk_member (call, "inbound", from, did, "BYE"),
                   ext_member (call, answer_extension, "BYE", path), NULL);
      add_cdr (call, 0, 0, "Inbound", from, answer_extension, "ANSWERED", ring_ms, talk_ms, did);
    }
  else
    {
      s = add_step (call, STEP_MEMBERS, ring_ms);
      s->members = json_array_new ();
      json_array_add_object_element (s->members, trunk_member (call, "inbound", from, did, "BYE"));
      for (guint i = 0; i < n; i++)
        json_array_add_object_element (s->members, ext_member (call, ring_extensions[i], "BYE", path));
      add_cdr (call, 0, 0, "Inbound", from, ring_extensions[0], "NO ANSWER", ring_ms, 0, did);
    }
  return call_start (call);
}

/* An extension calling a party that is either another extension or an outside number. */
static void
add_two_party (SimCall *call, const char *ext, const char *to, gboolean to_is_ext, gboolean answered,
               guint delay_ms, guint ring_ms, guint talk_ms)
{
  const char *type = to_is_ext ? "Internal" : "Outbound";
#define CALLEE(status) (to_is_ext ? ext_member (call, to, status, "") : trunk_member (call, "outbound", ext, to, status))

  add_members (call, delay_ms, ext_member (call, ext, "ALERT", ""), CALLEE ("RING"), NULL);
  if (answered)
    {
      add_members (call, ring_ms, ext_member (call, ext, "ANSWERED", ""), CALLEE ("ANSWER"), NULL);
      add_members (call, talk_ms, ext_member (call, ext, "BYE", ""), CALLEE ("BYE"), NULL);
      add_cdr (call, 0, 0, type, ext, to, "ANSWERED", ring_ms, talk_ms, NULL);
    }
  else
    {
      add_members (call, ring_ms, ext_member (call, ext, "BYE", ""), CALLEE ("BYE"), NULL);
      add_cdr (call, 0, 0, type, ext, to, "NO ANSWER", ring_ms, 0, NULL);
    }
#undef CALLEE
}

char *
rd_sim_pbx_play_outbound (RdSimPbx *self, const char *extension, const char *to,
                          gboolean answered, guint ring_ms, guint talk_ms)
{
  SimCall *call;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  g_return_val_if_fail (extension != NULL && to != NULL, NULL);
  call = call_new (self, NULL);
  add_two_party (call, extension, to, FALSE, answered, 0, ring_ms, talk_ms);
  return call_start (call);
}

char *
rd_sim_pbx_play_internal (RdSimPbx *self, const char *from_ext, const char *to_ext,
                          gboolean answered, guint ring_ms, guint talk_ms)
{
  SimCall *call;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  g_return_val_if_fail (from_ext != NULL && to_ext != NULL, NULL);
  call = call_new (self, NULL);
  add_two_party (call, from_ext, to_ext, TRUE, answered, 0, ring_ms, talk_ms);
  return call_start (call);
}

char *
rd_sim_pbx_play_busy (RdSimPbx *self, const char *from, const char *extension)
{
  SimCall *call;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  g_return_val_if_fail (from != NULL && extension != NULL, NULL);
  /* the extension is busy (no call waiting): it never rings, the caller gets busy */
  call = call_new (self, NULL);
  add_members (call, 0, trunk_member (call, "inbound", from, extension, "ALERT"), NULL);
  add_members (call, 50, trunk_member (call, "inbound", from, extension, "BYE"), NULL);
  add_cdr (call, 0, 0, "Inbound", from, extension, "BUSY", 50, 0, NULL);
  return call_start (call);
}

char *
rd_sim_pbx_play_transfer (RdSimPbx *self, const char *from, const char *first_ext,
                          const char *second_ext, guint ring_ms, guint talk_ms)
{
  SimCall *call;
  const char *did = "6400";
  guint half = talk_ms / 2;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  g_return_val_if_fail (from != NULL && first_ext != NULL && second_ext != NULL, NULL);
  call = call_new (self, NULL);
  add_members (call, 0, trunk_member (call, "inbound", from, did, "ALERT"),
               ext_member (call, first_ext, "RING", ""), NULL);
  add_members (call, ring_ms, trunk_member (call, "inbound", from, did, "ANSWERED"),
               ext_member (call, first_ext, "ANSWER", ""), NULL);
  /* blind transfer: the first extension leaves, the second rings in the same call */
  add_members (call, half, trunk_member (call, "inbound", from, did, "ANSWERED"),
               ext_member (call, second_ext, "RING", ""), NULL);
  add_cdr (call, 0, 0, "Inbound", from, first_ext, "ANSWERED", ring_ms, half, did);
  add_members (call, ring_ms, trunk_member (call, "inbound", from, did, "ANSWERED"),
               ext_member (call, second_ext, "ANSWER", ""), NULL);
  add_members (call, talk_ms - half, trunk_member (call, "inbound", from, did, "BYE"),
               ext_member (call, second_ext, "BYE", ""), NULL);
  add_cdr (call, 0, ring_ms + half, "Inbound", from, second_ext, "ANSWERED", ring_ms, talk_ms - half, did);
  return call_start (call);
}

void
rd_sim_pbx_handle_dial (RdSimPbx *self, const char *caller, const char *callee, const char *call_id)
{
  SimExtension *ext = rd_sim_pbx_find_extension (self, caller);
  gboolean callee_is_ext = rd_sim_pbx_find_extension (self, callee) != NULL;
  SimCall *call;

  if (ext == NULL)
    return;   /* a non-extension caller may get success without a call (UNCONFIRMED) */
  call = call_new (self, call_id);
  if (!ext->can_dial)
    {
      add_failed (call, 20, "NO Dial Permission", ext_member (call, caller, "BYE", ""));
      g_free (call_start (call));
      return;
    }
  /* caller-first (spec §4.1): the caller's own phone rings, then the callee is dialled */
  add_members (call, self->dial_event_first ? 0 : 20, ext_member (call, caller, self->dial_caller_status, ""), NULL);
  if (g_hash_table_contains (self->busy_numbers, callee) || g_hash_table_contains (self->unreachable_numbers, callee))
    {
      gboolean busy = g_hash_table_contains (self->busy_numbers, callee);

      add_failed (call, self->dial_ring_ms, busy ? "User Busy" : "Line Unreachable",
                  ext_member (call, caller, "ALERT", ""));
      add_members (call, 10, ext_member (call, caller, "BYE", ""), NULL);
      if (busy)
        add_cdr (call, 0, 0, callee_is_ext ? "Internal" : "Outbound", caller, callee, "BUSY",
                 self->dial_ring_ms, 0, NULL);
    }
  else
    add_two_party (call, caller, callee, callee_is_ext, TRUE, self->dial_ring_ms, self->dial_ring_ms,
                   self->dial_talk_ms);
  g_free (call_start (call));
}

char *
rd_sim_pbx_play_click_to_call (RdSimPbx *self, const char *extension, const char *to)
{
  char *call_id;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  g_return_val_if_fail (extension != NULL && to != NULL, NULL);
  call_id = rd_sim_pbx_new_call_id (self);
  rd_sim_pbx_handle_dial (self, extension, to, call_id);
  return call_id;
}

/* ---- scenario files ------------------------------------------------------------------- */

typedef struct {
  RdSimPbx   *sim;
  JsonObject *step;
} Pending;

static const char *
get_str (JsonObject *o, const char *k)
{
  JsonNode *n = json_object_has_member (o, k) ? json_object_get_member (o, k) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : NULL;
}

static guint
get_ms (JsonObject *o, const char *k, guint def)
{
  JsonNode *n = json_object_has_member (o, k) ? json_object_get_member (o, k) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return def;
  return (guint) CLAMP (json_node_get_int (n), 0, 3600 * 1000);
}

static gboolean
play_step (gpointer data)
{
  Pending *p = data;
  JsonObject *o = p->step;
  const char *play = get_str (o, "play");
  g_autofree char *id = NULL;
  guint ring = get_ms (o, "ring_ms", 3000), talk = get_ms (o, "talk_ms", 10000);
  gboolean answered = !json_object_has_member (o, "answered") || json_object_get_boolean_member (o, "answered");

  if (g_strcmp0 (play, "inbound") == 0)
    {
      JsonArray *ring_list = json_object_get_array_member (o, "ring");
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      g_auto(GStrv) exts = NULL;

      for (guint i = 0; i < json_array_get_length (ring_list); i++)
        g_strv_builder_add (b, json_array_get_string_element (ring_list, i));
      exts = g_strv_builder_end (b);
      id = rd_sim_pbx_play_inbound (p->sim, get_str (o, "from"), get_str (o, "did"),
                                    (const char * const *) exts, get_str (o, "answer"), ring, talk);
    }
  else if (g_strcmp0 (play, "outbound") == 0)
    id = rd_sim_pbx_play_outbound (p->sim, get_str (o, "extension"), get_str (o, "to"), answered, ring, talk);
  else if (g_strcmp0 (play, "internal") == 0)
    id = rd_sim_pbx_play_internal (p->sim, get_str (o, "from"), get_str (o, "to"), answered, ring, talk);
  else if (g_strcmp0 (play, "busy") == 0)
    id = rd_sim_pbx_play_busy (p->sim, get_str (o, "from"), get_str (o, "extension"));
  else if (g_strcmp0 (play, "transfer") == 0)
    id = rd_sim_pbx_play_transfer (p->sim, get_str (o, "from"), get_str (o, "first"), get_str (o, "second"),
                                   ring, talk);
  return G_SOURCE_REMOVE;
}

static void
pending_free (gpointer data)
{
  Pending *p = data;

  json_object_unref (p->step);
  g_object_unref (p->sim);
  g_free (p);
}

gboolean
rd_sim_pbx_load_scenario (RdSimPbx *self, const char *json, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonArray *steps;
  static const char *required[][4] = {
    { "inbound", "from", "did", "ring" }, { "outbound", "extension", "to", NULL },
    { "internal", "from", "to", NULL }, { "busy", "from", "extension", NULL },
    { "transfer", "from", "first", "second" },
  };

  g_return_val_if_fail (RD_IS_SIM_PBX (self), FALSE);
  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a scenario is a JSON list of steps");
      return FALSE;
    }
  steps = json_node_get_array (root);
  /* validate everything before scheduling anything */
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonNode *n = json_array_get_element (steps, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *play = o ? get_str (o, "play") : NULL;
      gboolean known = FALSE;

      for (guint k = 0; play && k < G_N_ELEMENTS (required); k++)
        {
          if (!g_str_equal (required[k][0], play))
            continue;
          known = TRUE;
          for (guint f = 1; f < 4 && required[k][f]; f++)
            {
              gboolean ok = g_str_equal (required[k][f], "ring")
                              ? json_object_has_member (o, "ring") &&
                                JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "ring")) &&
                                json_array_get_length (json_object_get_array_member (o, "ring")) > 0
                              : get_str (o, required[k][f]) != NULL;
              if (!ok)
                {
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "scenario step %u (%s) needs “%s”",
                               i, play, required[k][f]);
                  return FALSE;
                }
            }
        }
      if (!known)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "scenario step %u: unknown play", i);
          return FALSE;
        }
    }
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      Pending *p = g_new0 (Pending, 1);
      JsonObject *o = json_array_get_object_element (steps, i);

      p->sim = g_object_ref (self);
      p->step = json_object_ref (o);
      g_timeout_add_full (G_PRIORITY_DEFAULT, get_ms (o, "at_ms", 0), play_step, p, pending_free);
    }
  return TRUE;
}
