/* End-to-end flows of the seed manual, with the hub in-process and the PBX and
 * Odoo simulators on loopback: binding, pop, click-to-call, call logs, call-backs,
 * auto-create, contact sync, disable / enable, disconnect, CRM outage, PBX drop. */
#include "config.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"
#include "hub-test-util.h"
#include "../rd-test-fds.h"

#include <string.h>

typedef struct {
  HubSims        sims;
  RdHub         *hub;
  RdAgentClient *agent;
  GPtrArray     *calls;     /* RdAgentCall received */
  GPtrArray     *matches;   /* RdAgentMatch or NULL, from late "match" frames */
  guint          n_matches;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  hub_sims_start (&f->sims);
  f->hub = hub_new_connected_full (&f->sims, NULL, GPOINTER_TO_UINT (data));   /* @data: CRM timeout (s) */
  f->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_call_free);
  f->matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_match_free);
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->agent != NULL)
    {
      rd_agent_client_stop (f->agent);
      g_clear_object (&f->agent);
    }
  if (f->hub != NULL)
    {
      /* nothing keeps the hub once its owner lets go (requests in flight end first) */
      gpointer weak = f->hub;

      g_object_add_weak_pointer (weak, &weak);
      g_clear_object (&f->hub);
      if (!hub_wait_until (pointer_is_null, &weak, 10000))
        {
          g_object_remove_weak_pointer (weak, &weak);
          g_error ("the hub outlived its owner by 10 s");
        }
    }
  g_ptr_array_unref (f->calls);
  g_ptr_array_unref (f->matches);
  hub_sims_stop (&f->sims);
}

/* ---- helpers --------------------------------------------------------------- */

typedef struct {
  gboolean  done;
  GError   *error;
  guint     count;
  JsonArray *array;
} Op;

static gboolean
op_done (gpointer data)
{
  return ((Op *) data)->done;
}

static void
bind_auto_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  op->count = rd_hub_bind_auto_finish (RD_HUB (source), result, &op->array, &op->error);
  op->done = TRUE;
}

static void
bool_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  if (g_async_result_is_tagged (result, rd_hub_bind_async))
    rd_hub_bind_finish (RD_HUB (source), result, &op->error);
  else
    rd_hub_configure_sync_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static void
users_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  op->array = rd_hub_list_users_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static void
extensions_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  op->array = rd_hub_list_extensions_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static guint
bind_auto (Fixture *f)
{
  Op op = { 0 };

  rd_hub_bind_auto_async (f->hub, FALSE, NULL, bind_auto_cb, &op);
  g_assert_true (hub_wait_until (op_done, &op, 10000));
  g_assert_no_error (op.error);
  g_clear_pointer (&op.array, json_array_unref);
  return op.count;
}

static GError *
bind (Fixture *f, const char *extension, const char *user)   /* forced: these flows are not about who may be bound */
{
  Op op = { 0 };

  rd_hub_bind_async (f->hub, extension, user, TRUE, NULL, bool_cb, &op);
  g_assert_true (hub_wait_until (op_done, &op, 10000));
  return op.error;
}

static GError *
configure_sync (Fixture *f, gboolean on, RdCrmKind kinds, const char *phonebook)
{
  Op op = { 0 };

  rd_hub_configure_sync_async (f->hub, on, kinds, phonebook, NULL, bool_cb, &op);
  g_assert_true (hub_wait_until (op_done, &op, 10000));
  return op.error;
}

/* Alice (internal) by e-mail, and Bob (a portal user) on 2002 by hand. */
static void
bind_team (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (bind_auto (f), ==, 1);
  error = bind (f, "2002", "bob");
  g_assert_no_error (error);
}

static void
on_call (RdAgentClient *client, RdAgentCall *call, Fixture *f)
{
  g_ptr_array_add (f->calls, rd_agent_call_copy (call));
}

static void
on_match (RdAgentClient *client, const char *call_id, RdAgentMatch *match, Fixture *f)
{
  g_ptr_array_add (f->matches, match != NULL ? rd_agent_match_copy (match) : NULL);
  f->n_matches++;
}

static gboolean
agent_signed_in (gpointer data)
{
  return rd_agent_client_get_state (data) == RD_AGENT_STATE_SIGNED_IN;
}

static void
connect_agent (Fixture *f, const char *extension)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = rd_hub_issue_agent_key (f->hub, extension, &error);
  g_autofree char *url = rd_hub_get_agent_url (f->hub);

  g_assert_no_error (error);
  f->agent = rd_agent_client_new (url);
  rd_agent_client_set_agent_key (f->agent, extension, key);
  g_signal_connect (f->agent, "call", G_CALLBACK (on_call), f);
  g_signal_connect (f->agent, "match", G_CALLBACK (on_match), f);
  rd_agent_client_start (f->agent);
  g_assert_true (hub_wait_until (agent_signed_in, f->agent, 10000));
}

static RdAgentCall *
find_call (Fixture *f, const char *call_id, const char *event)
{
  for (guint i = 0; i < f->calls->len; i++)
    {
      RdAgentCall *call = g_ptr_array_index (f->calls, i);

      if (g_strcmp0 (call->call_id, call_id) == 0 && g_strcmp0 (call->event, event) == 0)
        return call;
    }
  return NULL;
}

static RdAgentCall *
first_call (Fixture *f, const char *call_id)
{
  for (guint i = 0; i < f->calls->len; i++)
    {
      RdAgentCall *call = g_ptr_array_index (f->calls, i);

      if (g_strcmp0 (call->call_id, call_id) == 0)
        return call;
    }
  return NULL;
}

typedef struct {
  Fixture    *f;
  const char *call_id;
  const char *event;
} CallWait;

static gboolean
has_call (gpointer data)
{
  CallWait *wait = data;

  return find_call (wait->f, wait->call_id, wait->event) != NULL;
}

static RdAgentCall *
wait_call (Fixture *f, const char *call_id, const char *event)
{
  CallWait wait = { f, call_id, event };

  hub_wait_until (has_call, &wait, 10000);
  return find_call (f, call_id, event);
}

static gboolean
call_stored (gpointer data)
{
  CallWait *wait = data;
  g_autofree char *key = g_strconcat ("call:", wait->call_id, NULL);
  RdStore *store = rd_hub_get_store (wait->f->hub);
  g_autoptr(GPtrArray) calls = rd_store_calls_recent (store, NULL, 0, NULL, NULL);

  for (guint i = 0; calls != NULL && i < calls->len; i++)
    if (g_strcmp0 (((RdCallRecord *) calls->pdata[i])->call_id, wait->call_id) == 0)
      return TRUE;
  return FALSE;
}

/* Waits until the call's record is stored and every CRM write is done. */
static void
wait_logged (Fixture *f, const char *call_id)
{
  CallWait wait = { f, call_id, NULL };

  g_assert_true (hub_wait_until (call_stored, &wait, 15000));
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
}

static const char *
status_member (Fixture *f, const char *object, const char *member)
{
  static char buffer[128];
  g_autoptr(JsonObject) status = rd_hub_get_status_json (f->hub);
  JsonObject *inner = json_object_get_object_member (status, object);

  g_strlcpy (buffer, json_object_get_string_member_with_default (inner, member, ""), sizeof buffer);
  return buffer;
}

static const char * const ring_2001[] = { "2001", NULL };
static const char * const ring_2002[] = { "2002", NULL };

/* ---- binding --------------------------------------------------------------- */

static void
test_bind (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  Op op = { 0 };
  gboolean saw_portal = FALSE, saw_public = FALSE;

  /* Auto: e-mails equal ignoring case; Bob is a portal user (never bound by e-mail), Carol's
   * differ, the front desk has none. */
  g_assert_cmpuint (bind_auto (f), ==, 1);
  g_assert_cmpuint (bind_auto (f), ==, 0);

  rd_hub_list_users_async (f->hub, NULL, users_cb, &op);
  g_assert_true (hub_wait_until (op_done, &op, 10000));
  g_assert_no_error (op.error);
  for (guint i = 0; i < json_array_get_length (op.array); i++)
    {
      JsonObject *user = json_array_get_object_element (op.array, i);
      const char *login = json_object_get_string_member (user, "login");

      saw_portal |= g_str_equal (json_object_get_string_member (user, "type"), "portal");
      saw_public |= g_str_equal (json_object_get_string_member (user, "type"), "public");
      if (g_str_equal (login, "alice"))
        g_assert_cmpstr (json_object_get_string_member (user, "extension"), ==, "2001");
      if (g_str_equal (login, "bob"))
        g_assert_true (json_object_get_null_member (user, "extension"));
      if (g_str_equal (login, "carol"))
        g_assert_true (json_object_get_null_member (user, "extension"));
    }
  g_assert_true (saw_portal && saw_public);
  json_array_unref (op.array);

  /* Manual: by login, e-mail or id; conflicts and unknowns are refused. */
  error = bind (f, "2003", "carol@example.com");   /* a public user: forced, see bind () */
  g_assert_no_error (error);
  error = bind (f, "2002", "bob");
  g_assert_no_error (error);
  error = bind (f, "2004", "alice");
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_clear_error (&error);
  error = bind (f, "2099", "dave");
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  error = bind (f, "2004", "nobody@example.com");
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  error = bind (f, "20 04", "dave");
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, f->sims.dave_id);

    error = bind (f, "2004", id);
    g_assert_no_error (error);
  }

  memset (&op, 0, sizeof op);
  rd_hub_list_extensions_async (f->hub, NULL, extensions_cb, &op);
  g_assert_true (hub_wait_until (op_done, &op, 10000));
  g_assert_no_error (op.error);
  g_assert_cmpuint (json_array_get_length (op.array), ==, 4);
  for (guint i = 0; i < json_array_get_length (op.array); i++)
    {
      JsonObject *ext = json_array_get_object_element (op.array, i);
      JsonObject *user = json_object_get_object_member (ext, "user");

      g_assert_nonnull (user);
      if (g_str_equal (json_object_get_string_member (ext, "number"), "2004"))
        {
          g_assert_cmpstr (json_object_get_string_member (user, "name"), ==, "Dave <script>");
          g_assert_cmpstr (json_object_get_string_member (user, "how"), ==, "manual");
        }
    }
  json_array_unref (op.array);

  g_assert_true (rd_hub_unbind (f->hub, "2003", &error));
  g_assert_false (rd_hub_unbind (f->hub, "2003", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
}

/* ---- pop ------------------------------------------------------------------------ */

static void
test_pop (Fixture *f, gconstpointer data)
{
  g_autofree char *known = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *other = NULL;
  RdAgentCall *call;

  bind_team (f);
  connect_agent (f, "2001");

  known = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 200, 300);
  call = wait_call (f, known, "ringing");
  g_assert_nonnull (call);
  g_assert_cmpstr (call->direction, ==, "inbound");
  g_assert_cmpstr (call->number_e164, ==, "+8613800138000");
  g_assert_cmpstr (call->number_kind, ==, "external");
  g_assert_nonnull (call->match);
  g_assert_cmpstr (call->match->kind, ==, "individual");
  g_assert_cmpint (call->match->id, ==, f->sims.li_lei);
  g_assert_cmpstr (call->match->name, ==, "Li Lei");
  g_assert_nonnull (call->match->url);
  g_assert_false (call->lookup_pending);
  g_assert_nonnull (wait_call (f, known, "ended"));

  unknown = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 150 0000 9999", "01088880000", ring_2001, NULL, 200, 0);
  call = wait_call (f, unknown, "ringing");
  g_assert_nonnull (call);
  g_assert_null (call->match);
  g_assert_cmpstr (call->number_e164, ==, "+8615000009999");

  /* Another extension's calls never reach this agent. */
  other = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2002, "2002", 100, 100);
  wait_logged (f, other);
  g_assert_null (find_call (f, other, "ringing"));
}

static gboolean
one_match (gpointer data)
{
  return ((Fixture *) data)->n_matches > 0;
}

static void
test_pop_slow_crm (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  gint64 late;
  RdAgentCall *call;
  RdAgentMatch *match;

  bind_team (f);
  connect_agent (f, "2001");
  /* Added after the index was filled (no refresh): only the CRM knows it, and it is slow. */
  late = rd_sim_odoo_add_partner (f->sims.odoo, "Late Comer", "+86 186 0000 1234", NULL, FALSE, 0, NULL);
  rd_sim_odoo_set_delay (f->sims.odoo, 1500);

  call_id = rd_sim_pbx_play_inbound (f->sims.pbx, "+8618600001234", "01088880000", ring_2001, NULL, 3000, 0);
  call = wait_call (f, call_id, "ringing");
  g_assert_nonnull (call);
  g_assert_null (call->match);
  g_assert_true (call->lookup_pending);
  g_assert_true (hub_wait_until (one_match, f, 10000));
  match = g_ptr_array_index (f->matches, 0);
  g_assert_nonnull (match);
  g_assert_cmpint (match->id, ==, late);
  g_assert_cmpstr (match->name, ==, "Late Comer");
  rd_sim_odoo_set_delay (f->sims.odoo, 0);
}

/* ---- click-to-call --------------------------------------------------------------- */

typedef struct {
  gboolean  done;
  char     *call_id;
  GError   *error;
} DialOp;

static void
dial_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  DialOp *op = data;

  op->call_id = rd_agent_client_dial_finish (RD_AGENT_CLIENT (source), result, &op->error);
  op->done = TRUE;
}

static gboolean
dial_done (gpointer data)
{
  return ((DialOp *) data)->done;
}

static void
test_dial (Fixture *f, gconstpointer data)
{
  DialOp op = { 0 };
  RdAgentCall *call;

  bind_team (f);
  connect_agent (f, "2002");
  rd_sim_pbx_set_dial_timings (f->sims.pbx, 100, 100);

  /* The PBX rings the agent's own phone first and shows that leg as RING or ALERT, before
   * or after its reply to call/dial: whatever the order, the agent's first frame is the
   * outgoing call, with the number and the CRM record. */
  for (guint i = 0; i < 4; i++)
    {
      memset (&op, 0, sizeof op);
      rd_sim_pbx_set_dial_caller_leg (f->sims.pbx, i % 2 ? "ALERT" : "RING", i >= 2);
      rd_agent_client_dial_async (f->agent, "tel:+86-138-0013-8000", NULL, dial_cb, &op);
      g_assert_true (hub_wait_until (dial_done, &op, 10000));
      g_assert_no_error (op.error);
      g_assert_nonnull (op.call_id);
      g_assert_cmpuint (rd_sim_pbx_count_requests (f->sims.pbx, "call/dial"), ==, i + 1);
      /* The PBX placed it from the agent's own extension: its events are 2002's. */
      call = wait_call (f, op.call_id, "ended");
      g_assert_nonnull (call);
      g_assert_cmpstr (call->direction, ==, "outbound");
      call = first_call (f, op.call_id);
      g_assert_cmpstr (call->event, ==, "dialing");
      g_assert_cmpstr (call->direction, ==, "outbound");
      g_assert_cmpstr (call->number_e164, ==, "+8613800138000");
      g_assert_nonnull (call->match);
      g_assert_cmpstr (call->match->name, ==, "Li Lei");
      wait_logged (f, op.call_id);
      g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, i + 1);
      g_free (op.call_id);
    }

  /* Withheld / empty numbers are refused by the hub, not sent to the PBX. */
  memset (&op, 0, sizeof op);
  rd_agent_client_dial_async (f->agent, "anonymous", NULL, dial_cb, &op);
  g_assert_true (hub_wait_until (dial_done, &op, 10000));
  g_assert_nonnull (op.error);
  g_clear_error (&op.error);
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sims.pbx, "call/dial"), ==, 4);
}

/* A call placed from elsewhere (the PBX portal, Linkus) rings the agent's own phone with
 * no number at first; the number comes when the PBX dials out, and so does the match. */
static void
test_dial_from_elsewhere (Fixture *f, gconstpointer data)
{
  g_autofree char *id = NULL;
  RdAgentCall *call;

  bind_team (f);
  connect_agent (f, "2002");
  rd_sim_pbx_set_dial_timings (f->sims.pbx, 200, 100);
  id = rd_sim_pbx_play_click_to_call (f->sims.pbx, "2002", "13800138000");
  call = wait_call (f, id, "ended");
  g_assert_nonnull (call);
  g_assert_cmpstr (first_call (f, id)->event, ==, "ringing");   /* the PBX says nothing more yet */
  g_assert_null (first_call (f, id)->match);
  call = wait_call (f, id, "dialing");
  g_assert_nonnull (call);
  g_assert_cmpstr (call->direction, ==, "outbound");
  g_assert_cmpstr (call->number_e164, ==, "+8613800138000");
  g_assert_nonnull (call->match);
  g_assert_cmpstr (call->match->name, ==, "Li Lei");
}

/* ---- call logs ------------------------------------------------------------------- */

static void
test_call_logs (Fixture *f, gconstpointer data)
{
  g_autofree char *answered = NULL;
  g_autofree char *missed = NULL;
  g_autofree char *outbound = NULL;
  g_autofree char *internal = NULL;
  g_autofree char *unbound = NULL;
  g_autoptr(GArray) open = NULL;
  g_autoptr(JsonObject) activity = NULL;
  JsonNode *user_node;

  bind_team (f);

  answered = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 200);
  wait_logged (f, answered);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 0);

  missed = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 139 1111 2222", "01088880000", ring_2001, NULL, 200, 0);
  wait_logged (f, missed);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "crm.lead", f->sims.lead), ==, 1);
  /* Missed inbound → an open call-back activity for the bound user. */
  open = rd_sim_odoo_open_activities (f->sims.odoo, "crm.lead", f->sims.lead);
  g_assert_cmpuint (open->len, ==, 1);
  activity = rd_sim_odoo_read (f->sims.odoo, "mail.activity", g_array_index (open, gint64, 0));
  g_assert_nonnull (activity);
  user_node = json_object_get_member (activity, "user_id");
  g_assert_nonnull (user_node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (user_node));
  g_assert_cmpint (json_array_get_int_element (json_node_get_array (user_node), 0), ==, f->sims.alice_id);

  outbound = rd_sim_pbx_play_outbound (f->sims.pbx, "2002", "+861088880000", TRUE, 100, 100);
  wait_logged (f, outbound);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.acme), ==, 1);

  /* Internal calls and calls of unbound extensions are not logged in the CRM. */
  internal = rd_sim_pbx_play_internal (f->sims.pbx, "2001", "2002", TRUE, 100, 100);
  unbound = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", (const char *[]) { "2004", NULL },
                                     "2004", 100, 100);
  hub_wait_ms (1500);
  g_assert_true (hub_outbox_idle (f->hub));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
}

/* A contact deleted in Odoo after the index saw it: the log goes to the record that now holds the
 * number (found in the CRM afresh), the deleted one leaves the index, and nothing is given up. */
static void
test_deleted_record (Fixture *f, gconstpointer data)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  gint64 successor;

  bind_team (f);
  first = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, first);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);

  /* Someone merges Li Lei into a new contact in Odoo: the old one is deleted. */
  successor = rd_sim_odoo_add_partner (f->sims.odoo, "Li Lei (merged)", "+86 138 0013 8000", NULL, FALSE, 0, "CN");
  rd_sim_odoo_delete (f->sims.odoo, "res.partner", f->sims.li_lei);

  second = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, second);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", successor), ==, 1);
  g_assert_cmpuint (rd_store_outbox_count (rd_hub_get_store (f->hub), RD_OUTBOX_DEAD), ==, 0);

  /* The next caller lookup (the pop) no longer offers the deleted record. */
  {
    g_autoptr(RdPhoneNumber) number = rd_hub_parse_number (f->hub, "+86 138 0013 8000", NULL);
    g_autoptr(GPtrArray) local = rd_hub_lookup_local (f->hub, number);

    g_assert_cmpuint (local->len, ==, 1);
    g_assert_cmpint (((RdCrmMatch *) local->pdata[0])->id, ==, successor);
  }
}

static gboolean
not_indexed (RdHub *hub, const char *text)
{
  g_autoptr(RdPhoneNumber) number = rd_hub_parse_number (hub, text, NULL);
  g_autoptr(GPtrArray) local = rd_hub_lookup_local (hub, number);

  return local->len == 0;
}

static gboolean
both_gone (gpointer data)
{
  Fixture *f = data;

  return not_indexed (f->hub, "+86 138 0013 8000") && not_indexed (f->hub, LEAD_NUMBER);
}

/* Deleted and archived in Odoo, and never called since: the periodic reconciliation drops them
 * from the index, so nobody pops a record that no longer exists. */
static void
test_deleted_leaves_index (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  RdAgentCall *call;

  bind_team (f);
  connect_agent (f, "2001");
  g_assert_false (not_indexed (f->hub, "+86 138 0013 8000"));
  g_assert_false (not_indexed (f->hub, LEAD_NUMBER));
  rd_sim_odoo_delete (f->sims.odoo, "res.partner", f->sims.li_lei);
  rd_sim_odoo_archive (f->sims.odoo, "crm.lead", f->sims.lead);
  rd_hub_set_index_reconcile (f->hub, 1);
  g_assert_true (hub_wait_until (both_gone, f, 10000));
  g_assert_false (not_indexed (f->hub, ACME_NUMBER));   /* the others stay */
  call_id = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, NULL, 200, 0);
  call = wait_call (f, call_id, "ringing");
  g_assert_nonnull (call);
  g_assert_null (call->match);
  rd_hub_set_index_reconcile (f->hub, 0);
}

/* ---- auto-create -------------------------------------------------------------------- */

static gboolean
partner_named (RdSimOdoo *odoo, const char *model, guint first_id, guint last_id, const char *name, gint64 *out_id)
{
  for (guint id = first_id; id <= last_id; id++)
    {
      g_autoptr(JsonObject) record = rd_sim_odoo_read (odoo, model, id);

      if (record != NULL && g_strcmp0 (json_object_get_string_member_with_default (record, "name", NULL), name) == 0)
        {
          *out_id = id;
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_autocreate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *out_call = NULL;
  g_autofree char *not_configured = NULL;
  guint partners, leads;
  gint64 created = 0;

  bind_team (f);
  g_assert_true (rd_hub_configure_autocreate (f->hub, TRUE, RD_HUB_CALLS_INBOUND, RD_CRM_KIND_INDIVIDUAL, NULL, &error));
  g_assert_no_error (error);
  partners = rd_sim_odoo_count_records (f->sims.odoo, "res.partner");
  leads = rd_sim_odoo_count_records (f->sims.odoo, "crm.lead");

  first = rd_sim_pbx_play_inbound (f->sims.pbx, "015012345678", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, first);
  g_assert_cmpuint (rd_sim_odoo_count_records (f->sims.odoo, "res.partner"), ==, partners + 1);
  g_assert_true (partner_named (f->sims.odoo, "res.partner", 1, partners + 50,
                                "Automatic New Contact - +86 150 1234 5678", &created));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", created), ==, 1);

  /* The same caller again: no second record; the log lands on the first. */
  again = rd_sim_pbx_play_inbound (f->sims.pbx, "+8615012345678", "01088880000", ring_2001, NULL, 100, 0);
  wait_logged (f, again);
  g_assert_cmpuint (rd_sim_odoo_count_records (f->sims.odoo, "res.partner"), ==, partners + 1);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", created), ==, 2);

  /* Outbound only, as a lead, with a custom prefix. */
  g_assert_true (rd_hub_configure_autocreate (f->hub, TRUE, RD_HUB_CALLS_OUTBOUND, RD_CRM_KIND_LEAD, "CTI: ", &error));
  not_configured = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 151 0000 0001", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, not_configured);
  g_assert_cmpuint (rd_sim_odoo_count_records (f->sims.odoo, "res.partner"), ==, partners + 1);
  g_assert_cmpuint (rd_sim_odoo_count_records (f->sims.odoo, "crm.lead"), ==, leads);

  out_call = rd_sim_pbx_play_outbound (f->sims.pbx, "2002", "+33 1 42 68 53 00", TRUE, 100, 100);
  wait_logged (f, out_call);
  g_assert_cmpuint (rd_sim_odoo_count_records (f->sims.odoo, "crm.lead"), ==, leads + 1);
  g_assert_true (partner_named (f->sims.odoo, "crm.lead", 1, leads + 50, "CTI: +33 1 42 68 53 00", &created));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "crm.lead", created), ==, 1);

  /* Bad settings are refused with a reason. */
  g_assert_false (rd_hub_configure_autocreate (f->hub, TRUE, 0, RD_CRM_KIND_COMPANY, NULL, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (rd_hub_configure_autocreate (f->hub, TRUE, 0, 0, "bad\nprefix", &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
}

/* ---- contact sync ------------------------------------------------------------------ */

static GPtrArray *
synced_contacts (Fixture *f)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (f->hub);
  gint64 book = json_object_get_int_member (json_object_get_object_member (status, "sync"), "phonebook_id");

  return rd_sim_pbx_list_contacts (f->sims.pbx, book);
}

/* Is a contact named @name (first and last joined) in the synced phonebook? */
static gboolean
synced_named (Fixture *f, const char *name)
{
  g_autoptr(GPtrArray) contacts = synced_contacts (f);

  for (guint i = 0; i < contacts->len; i++)
    {
      RdPbxContact *contact = g_ptr_array_index (contacts, i);
      g_autofree char *joined = contact->last_name != NULL && *contact->last_name != '\0'
                                  ? g_strjoin (" ", contact->first_name, contact->last_name, NULL)
                                  : g_strdup (contact->first_name);

      if (g_strcmp0 (joined, name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Plays a call from a new record named like the CRM layer's fallback for its own
 * id ("Contact 12", "Lead 3"): a real name, to be synced. */
static char *
call_from_fallback_named (Fixture *f, RdCrmKind kind, const char *number, char **out_name)
{
  gboolean lead = kind == RD_CRM_KIND_LEAD;
  gint64 next = rd_sim_odoo_count_records (f->sims.odoo, lead ? "crm.lead" : "res.partner") + 1;   /* ids are dense */
  g_autofree char *name = g_strdup_printf ("%s %" G_GINT64_FORMAT, lead ? "Lead" : "Contact", next);
  char *call_id;

  if (lead)
    g_assert_cmpint (rd_sim_odoo_add_lead (f->sims.odoo, name, NULL, NULL, number), ==, next);
  else
    g_assert_cmpint (rd_sim_odoo_add_partner (f->sims.odoo, name, number, NULL,
                                              kind == RD_CRM_KIND_COMPANY, 0, NULL), ==, next);
  call_id = rd_sim_pbx_play_inbound (f->sims.pbx, number, "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, call_id);
  *out_name = g_steal_pointer (&name);
  return call_id;
}

static void
test_sync (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL, *c5 = NULL, *c6 = NULL, *c7 = NULL, *c8 = NULL;
  g_autofree char *named = NULL;
  g_autofree char *remark = NULL;
  RdPbxContact *contact;
  RdPbxContact *filler = rd_pbx_contact_new ();
  gint64 full;

  bind_team (f);

  /* A phonebook that already holds contacts is refused. */
  full = rd_sim_pbx_add_phonebook (f->sims.pbx, "Sales team");
  filler->first_name = g_strdup ("Someone");
  rd_pbx_contact_add_number (filler, "mobile_number", "13911112222");
  {
    GPtrArray *none = rd_sim_pbx_list_contacts (f->sims.pbx, full);

    g_assert_cmpuint (none->len, ==, 0);
    g_ptr_array_unref (none);
  }
  rd_pbx_upsert_contact_async (rd_hub_get_pbx (f->hub), full, filler, NULL, NULL, NULL);
  rd_pbx_contact_free (filler);
  hub_wait_ms (500);
  error = configure_sync (f, TRUE, RD_CRM_KIND_INDIVIDUAL, "Sales team");
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);
  error = configure_sync (f, TRUE, RD_CRM_KIND_INDIVIDUAL, NULL);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* A new phonebook by name, individuals only. */
  error = configure_sync (f, TRUE, RD_CRM_KIND_INDIVIDUAL, "CRM_Synchronization");
  g_assert_no_error (error);
  g_assert_cmpstr (status_member (f, "sync", "phonebook"), ==, "CRM_Synchronization");

  c1 = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, c1);
  contacts = synced_contacts (f);
  g_assert_cmpuint (contacts->len, ==, 1);
  contact = g_ptr_array_index (contacts, 0);
  remark = g_strdup_printf ("crm:individual:%" G_GINT64_FORMAT, f->sims.li_lei);
  g_assert_cmpstr (contact->remark, ==, remark);
  {
    g_autofree char *joined = g_strjoin (" ", contact->first_name, contact->last_name, NULL);

    g_assert_cmpstr (joined, ==, "Li Lei");
  }
  g_assert_cmpuint (contact->numbers->len, >=, 1);
  g_assert_cmpstr (((RdPbxContactNumber *) contact->numbers->pdata[0])->number, ==, "+8613800138000");
  g_clear_pointer (&contacts, g_ptr_array_unref);

  /* A company (not a synced kind), the same contact again, and a contact without a name. */
  c2 = rd_sim_pbx_play_inbound (f->sims.pbx, ACME_NUMBER, "01088880000", ring_2001, "2001", 100, 100);
  c3 = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2002, "2002", 100, 100);
  c4 = rd_sim_pbx_play_inbound (f->sims.pbx, NO_NAME_NUMBER, "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, c2);
  wait_logged (f, c3);
  wait_logged (f, c4);
  contacts = synced_contacts (f);
  g_assert_cmpuint (contacts->len, ==, 1);
  g_clear_pointer (&contacts, g_ptr_array_unref);

  /* A contact really named like the CRM layer's fallback for its own id is named. */
  c6 = call_from_fallback_named (f, RD_CRM_KIND_INDIVIDUAL, "+86 136 0000 7777", &named);
  contacts = synced_contacts (f);
  g_assert_cmpuint (contacts->len, ==, 2);
  g_clear_pointer (&contacts, g_ptr_array_unref);
  g_assert_true (synced_named (f, named));
  g_clear_pointer (&named, g_free);

  /* Leads only now: a lead caller is synced. */
  error = configure_sync (f, TRUE, RD_CRM_KIND_LEAD, NULL);
  g_assert_no_error (error);
  c5 = rd_sim_pbx_play_inbound (f->sims.pbx, LEAD_NUMBER, "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, c5);
  contacts = synced_contacts (f);
  g_assert_cmpuint (contacts->len, ==, 3);
  g_clear_pointer (&contacts, g_ptr_array_unref);
  /* A lead titled "Lead N" without a contact name: a name all the same. */
  c7 = call_from_fallback_named (f, RD_CRM_KIND_LEAD, "+86 136 0000 8888", &named);
  g_assert_true (synced_named (f, named));
  g_clear_pointer (&named, g_free);

  /* Companies only now: a company named "Contact N" is synced. */
  error = configure_sync (f, TRUE, RD_CRM_KIND_COMPANY, NULL);
  g_assert_no_error (error);
  c8 = call_from_fallback_named (f, RD_CRM_KIND_COMPANY, "+86 10 6000 9999", &named);
  g_assert_true (synced_named (f, named));
  g_clear_pointer (&named, g_free);
  contacts = synced_contacts (f);
  g_assert_cmpuint (contacts->len, ==, 5);
  g_clear_pointer (&contacts, g_ptr_array_unref);

  /* Disconnect: settings and bindings go, the phonebook stays on the PBX. */
  {
    gint64 book = 0;
    g_autoptr(JsonObject) status = rd_hub_get_status_json (f->hub);

    book = json_object_get_int_member (json_object_get_object_member (status, "sync"), "phonebook_id");
    g_assert_true (rd_hub_disconnect_crm (f->hub, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (status_member (f, "crm", "state"), ==, "not-configured");
    g_clear_pointer (&status, json_object_unref);
    status = rd_hub_get_status_json (f->hub);
    g_assert_cmpint (json_object_get_int_member (status, "bindings"), ==, 0);
    g_assert_false (json_object_get_boolean_member (json_object_get_object_member (status, "sync"), "enabled"));
    g_assert_false (json_object_get_boolean_member (json_object_get_object_member (status, "autocreate"), "enabled"));
    contacts = rd_sim_pbx_list_contacts (f->sims.pbx, book);
    g_assert_cmpuint (contacts->len, ==, 5);
    g_assert_false (rd_hub_disconnect_crm (f->hub, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE);
  }
}

static const char *
first_number (RdPbxContact *contact)
{
  return contact->numbers->len > 0 ? ((RdPbxContactNumber *) contact->numbers->pdata[0])->number : NULL;
}

/* Phonebook numbers are written in full international form from the record's own country,
 * else its company's, else the hub's region (here CN, as a hub in China would have): a US
 * contact's "(212) 555-1234" is +12125551234, not +86…. A contact is pushed again only when
 * what the PBX holds would change. */
static void
test_sync_numbers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL;
  gint64 acme_us, john, wang;
  guint creates, updates;

  acme_us = rd_sim_odoo_add_partner (f->sims.odoo, "Acme US", "(212) 555-1234", NULL, TRUE, 0, "US");
  john = rd_sim_odoo_add_partner (f->sims.odoo, "John Doe", "(212) 555-9876", NULL, FALSE, acme_us, NULL);
  wang = rd_sim_odoo_add_partner (f->sims.odoo, "Wang Fang", "010 6123 4567", NULL, FALSE, 0, NULL);
  g_assert_true (rd_hub_set_region (f->hub, "CN", &error));
  g_assert_no_error (error);
  rd_hub_refresh_index (f->hub);
  hub_wait_ms (500);
  bind_team (f);
  error = configure_sync (f, TRUE, RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY, "CRM_Synchronization");
  g_assert_no_error (error);

  c1 = rd_sim_pbx_play_inbound (f->sims.pbx, "+1 212 555 9876", "01088880000", ring_2001, "2001", 100, 100);
  c2 = rd_sim_pbx_play_inbound (f->sims.pbx, "+1 212 555 1234", "01088880000", ring_2002, "2002", 100, 100);
  c3 = rd_sim_pbx_play_inbound (f->sims.pbx, "01061234567", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, c1);
  wait_logged (f, c2);
  wait_logged (f, c3);
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
  contacts = synced_contacts (f);
  g_assert_cmpuint (contacts->len, ==, 3);
  for (guint i = 0; i < contacts->len; i++)
    {
      RdPbxContact *contact = g_ptr_array_index (contacts, i);
      g_autofree char *john_tag = g_strdup_printf ("crm:individual:%" G_GINT64_FORMAT, john);
      g_autofree char *acme_tag = g_strdup_printf ("crm:company:%" G_GINT64_FORMAT, acme_us);
      g_autofree char *wang_tag = g_strdup_printf ("crm:individual:%" G_GINT64_FORMAT, wang);

      if (g_str_equal (contact->remark, john_tag))
        g_assert_cmpstr (first_number (contact), ==, "+12125559876");   /* the company's country */
      else if (g_str_equal (contact->remark, acme_tag))
        g_assert_cmpstr (first_number (contact), ==, "+12125551234");   /* its own */
      else if (g_str_equal (contact->remark, wang_tag))
        g_assert_cmpstr (first_number (contact), ==, "+861061234567");  /* the hub's region */
      else
        g_assert_not_reached ();
    }
  g_clear_pointer (&contacts, g_ptr_array_unref);

  /* John calls again: nothing changed, nothing is pushed */
  creates = rd_sim_pbx_count_requests (f->sims.pbx, "company_contact/create");
  updates = rd_sim_pbx_count_requests (f->sims.pbx, "company_contact/update");
  g_assert_cmpuint (creates, ==, 3);
  c4 = rd_sim_pbx_play_inbound (f->sims.pbx, "+1 212 555 9876", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, c4);
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sims.pbx, "company_contact/create"), ==, creates);
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sims.pbx, "company_contact/update"), ==, updates);

  /* his number changes in the CRM: the next call pushes it */
  rd_sim_odoo_set_phone (f->sims.odoo, "res.partner", john, "(212) 555-0000");
  g_clear_pointer (&c4, g_free);
  c4 = rd_sim_pbx_play_inbound (f->sims.pbx, "+1 212 555 9876", "01088880000", ring_2001, "2001", 100, 100);
  wait_logged (f, c4);
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sims.pbx, "company_contact/update"), ==, updates + 1);
  contacts = synced_contacts (f);
  for (guint i = 0; i < contacts->len; i++)
    if (g_strcmp0 (((RdPbxContact *) contacts->pdata[i])->first_name, "John") == 0)
      g_assert_cmpstr (first_number (contacts->pdata[i]), ==, "+12125550000");
}

/* The PBX may write a caller the way the trunk sent it ("013500000001"): the call log and the
 * call-back's title read it in international form, like every other. */
static void
test_callback_title (Fixture *f, gconstpointer data)
{
  g_autofree char *missed = NULL;
  g_autoptr(GArray) open = NULL;
  g_autoptr(JsonObject) act = NULL;
  g_autoptr(GPtrArray) bodies = NULL;
  gint64 zhao = rd_sim_odoo_add_partner (f->sims.odoo, "Zhao Min", "135 0000 0001", NULL, FALSE, 0, NULL);

  rd_hub_refresh_index (f->hub);
  hub_wait_ms (300);
  bind_team (f);
  missed = rd_sim_pbx_play_inbound (f->sims.pbx, "013500000001", "01088880000", ring_2001, NULL, 100, 0);
  wait_logged (f, missed);
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
  open = rd_sim_odoo_open_activities (f->sims.odoo, "res.partner", zhao);
  g_assert_cmpuint (open->len, ==, 1);
  act = rd_sim_odoo_read (f->sims.odoo, "mail.activity", g_array_index (open, gint64, 0));
  g_assert_cmpstr (json_object_get_string_member (act, "summary"), ==, "Call back +86 135 0000 0001");
  bodies = rd_sim_odoo_messages_for (f->sims.odoo, "res.partner", zhao);
  g_assert_cmpuint (bodies->len, ==, 1);
  g_assert_nonnull (strstr (bodies->pdata[0], "from +86 135 0000 0001 to"));
}

/* ---- disable / enable ------------------------------------------------------------------ */

static void
test_disable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = NULL;
  RdAgentCall *call;
  CallWait wait = { f, NULL, NULL };

  bind_team (f);
  g_assert_true (rd_hub_configure_autocreate (f->hub, TRUE, RD_HUB_CALLS_BOTH, RD_CRM_KIND_LEAD, NULL, &error));
  connect_agent (f, "2001");
  g_assert_true (rd_hub_set_enabled (f->hub, FALSE, &error));
  g_assert_cmpstr (status_member (f, "crm", "state"), ==, "disabled");

  /* Paused: no lookup for the pop, the call is kept and its log waits. */
  call_id = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 100);
  call = wait_call (f, call_id, "ringing");
  g_assert_nonnull (call);
  g_assert_null (call->match);
  wait.call_id = call_id;
  g_assert_true (hub_wait_until (call_stored, &wait, 10000));
  hub_wait_ms (1500);
  g_assert_false (hub_outbox_idle (f->hub));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 0);

  /* Settings were kept. */
  {
    g_autoptr(JsonObject) status = rd_hub_get_status_json (f->hub);

    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "autocreate"), "enabled"));
    g_assert_cmpint (json_object_get_int_member (status, "bindings"), ==, 2);
  }

  g_assert_true (rd_hub_set_enabled (f->hub, TRUE, &error));
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
  g_assert_cmpstr (status_member (f, "crm", "state"), ==, "connected");
}

/* ---- faults ---------------------------------------------------------------------------- */

static gboolean
crm_unreachable (gpointer data)
{
  return g_str_equal (status_member (data, "crm", "state"), "unreachable");
}

static gboolean
crm_connected (gpointer data)
{
  return g_str_equal (status_member (data, "crm", "state"), "connected");
}

static gboolean
agent_sees_crm_unreachable (gpointer data)
{
  return g_strcmp0 (rd_agent_client_get_crm_status (((Fixture *) data)->agent), "unreachable") == 0;
}

static gboolean
agent_sees_crm_connected (gpointer data)
{
  return g_strcmp0 (rd_agent_client_get_crm_status (((Fixture *) data)->agent), "connected") == 0;
}

static void
test_crm_down (Fixture *f, gconstpointer data)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  CallWait wait = { f, NULL, NULL };

  gint64 down_at, failed_at, back_at;

  bind_team (f);
  connect_agent (f, "2001");
  rd_sim_odoo_set_down (f->sims.odoo, TRUE);
  down_at = g_get_monotonic_time ();
  a = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 100);
  b = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2002, NULL, 100, 0);
  c = rd_sim_pbx_play_outbound (f->sims.pbx, "2001", "+86 10 8888 0000", TRUE, 100, 100);
  wait.call_id = c;
  g_assert_true (hub_wait_until (call_stored, &wait, 10000));
  /* the first CRM request that gets no answer shows: status and the agents' status frames,
   * with the last error (the outage began at the first failure, a few hundred ms in) */
  g_assert_true (hub_wait_until (crm_unreachable, f, 10000));
  failed_at = g_get_monotonic_time ();
  g_test_message ("CRM shown unreachable %.1f s after it went down", (failed_at - down_at) / 1e6);
  g_assert_cmpint (failed_at - down_at, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (status_member (f, "crm", "message"), "reach"));
  g_assert_true (hub_wait_until (agent_sees_crm_unreachable, f, 5000));
  g_assert_nonnull (rd_agent_client_get_status_message (f->agent));
  hub_wait_ms (2500);
  g_assert_false (hub_outbox_idle (f->hub));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 0);
  g_assert_cmpstr (status_member (f, "crm", "state"), ==, "unreachable");

  /* Back, with a server fault first (uncertain: the hub checks before re-posting). */
  rd_sim_odoo_set_down (f->sims.odoo, FALSE);
  rd_sim_odoo_fail_next (f->sims.odoo, "503", 1);
  back_at = g_get_monotonic_time ();
  g_assert_true (hub_wait_until (crm_connected, f, 15000));
  g_test_message ("CRM shown connected %.1f s after it came back", (g_get_monotonic_time () - back_at) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - back_at, <, 10 * G_USEC_PER_SEC);
  g_assert_true (hub_wait_until (agent_sees_crm_connected, f, 5000));
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 30000));
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 2);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.acme), ==, 1);
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
}

static gboolean
li_lei_logged (gpointer data)
{
  Fixture *f = data;

  return hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei) > 0;
}

static void
test_pbx_drop (Fixture *f, gconstpointer data)
{
  g_autofree char *during = NULL;

  bind_team (f);
  /* The event socket drops; a call ends while the hub is away; catch-up brings it. */
  rd_sim_pbx_set_events_paused (f->sims.pbx, TRUE);
  rd_sim_pbx_drop_sockets (f->sims.pbx);
  during = rd_sim_pbx_play_inbound (f->sims.pbx, "+86 138 0013 8000", "01088880000", ring_2001, "2001", 100, 100);
  hub_wait_ms (600);
  rd_sim_pbx_set_events_paused (f->sims.pbx, FALSE);
  /* Catch-up rows may carry only the CDR uid, not the live call id: wait for the log itself. */
  g_assert_true (hub_wait_until (li_lei_logged, f, 15000));
  g_assert_true (hub_wait_until (hub_outbox_idle, f->hub, 15000));
  hub_wait_ms (1500);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_status_pbx_down (RdHub *hub, gboolean *seen)
{
  RdPbx *pbx = rd_hub_get_pbx (hub);

  if (pbx != NULL && rd_pbx_get_state (pbx) != RD_PBX_STATE_CONNECTED)
    *seen = TRUE;
}

/* The PBX's own state changes reach the hub's status (console, agents' status frames) when the
 * PBX was connected with connect-pbx, not only when it was started from the saved settings. */
static void
test_pbx_state_reported (Fixture *f, gconstpointer data)
{
  gboolean seen = FALSE;
  gulong handler = g_signal_connect (f->hub, "status-changed", G_CALLBACK (on_status_pbx_down), &seen);

  rd_sim_pbx_drop_sockets (f->sims.pbx);
  g_assert_true (hub_wait_until (flag_set, &seen, 15000));
  g_signal_handler_disconnect (f->hub, handler);
}

static RdSimPbx *gap_pbx;

static gboolean
subscribed_again (gpointer data)
{
  return rd_sim_pbx_count_requests (gap_pbx, "subscribe") > *(guint *) data;
}

static gboolean
rd_sim_pbx_count_active_calls_is_zero (gpointer pbx)
{
  return rd_sim_pbx_count_active_calls (pbx) == 0;
}

static void
hub_stopped_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  rd_hub_stop_finish (RD_HUB (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
pbx_state_connected (gpointer hub)
{
  return rd_hub_get_pbx (hub) != NULL && rd_pbx_get_state (rd_hub_get_pbx (hub)) == RD_PBX_STATE_CONNECTED;
}

/* After a restart the PBX's call records come again from the saved mark (catch-up): rows
 * without a call id (v1 CDR rows) merge into the stored calls and erase nothing. */
static void
test_restart_keeps_call_ids (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->sims.tmp, "restart.db", NULL);
  g_autofree char *secrets = g_build_filename (f->sims.tmp, "secrets", NULL);
  RdHubOptions options = { .database_path = db, .secrets_dir = secrets };
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stopped = FALSE;
  guint catch_ups;

  g_clear_object (&f->hub);
  rd_sim_pbx_set_cdr_fields (f->sims.pbx, TRUE, FALSE);   /* rows carry the uid, not the call id */
  f->hub = hub_new_connected (&f->sims, db);
  bind_team (f);
  for (guint i = 0; i < 3; i++)
    {
      g_ptr_array_add (ids, rd_sim_pbx_play_inbound (f->sims.pbx, LI_LEI_NUMBER, "01088880000", ring_2001,
                                                    "2001", 50, 50));
      wait_logged (f, ids->pdata[i]);
    }
  rd_hub_stop_async (f->hub, NULL, hub_stopped_cb, &stopped);
  g_assert_true (hub_wait_until (flag_set, &stopped, 10000));
  g_clear_object (&f->hub);

  catch_ups = rd_sim_pbx_count_requests (f->sims.pbx, "cdr/search");
  f->hub = rd_hub_new (&options);
  rd_hub_set_index_refresh (f->hub, 0);
  g_assert_true (rd_hub_start (f->hub, &error));
  g_assert_no_error (error);
  g_assert_true (hub_wait_until (pbx_state_connected, f->hub, 10000));
  while (rd_sim_pbx_count_requests (f->sims.pbx, "cdr/search") == catch_ups)
    hub_wait_ms (20);
  hub_wait_ms (300);

  calls = rd_store_calls_recent (rd_hub_get_store (f->hub), NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, ==, 3);
  for (guint i = 0; i < calls->len; i++)
    {
      RdCallRecord *call = g_ptr_array_index (calls, i);

      g_assert_nonnull (call->call_id);
      g_assert_true (g_ptr_array_find_with_equal_func (ids, call->call_id, g_str_equal, NULL));
      g_assert_nonnull (call->uid);
    }
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 3);
}

/* A call that ends in a gap of the PBX event stream ends for the agent too, whatever the gap:
 * the event socket dropped, the access token expired (a PBX that closes sockets with their
 * token), or the hub itself was down (killed) — then the agent learns it when it signs in
 * again. Catch-up rows here carry no call id. */
static void
test_gap_ends_calls (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->sims.tmp, "gap.db", NULL);
  g_autofree char *secrets = g_build_filename (f->sims.tmp, "secrets", NULL);
  RdHubOptions options = { .database_path = db, .secrets_dir = secrets };
  const char *gaps[] = { "socket drop", "token expiry", "hub killed" };
  gboolean stopped = FALSE;

  gap_pbx = f->sims.pbx;
  rd_hub_stop_async (f->hub, NULL, hub_stopped_cb, &stopped);
  g_assert_true (hub_wait_until (flag_set, &stopped, 10000));
  g_clear_object (&f->hub);
  f->hub = hub_new_connected (&f->sims, db);
  bind_team (f);
  connect_agent (f, "2001");
  for (guint g = 0; g < G_N_ELEMENTS (gaps); g++)
    {
      g_autofree char *missed = NULL, *answered = NULL;
      guint subscribes = rd_sim_pbx_count_requests (f->sims.pbx, "subscribe");
      RdAgentCall *call;

      g_test_message ("gap: %s", gaps[g]);
      missed = rd_sim_pbx_play_inbound (f->sims.pbx, LI_LEI_NUMBER, "01088880000", ring_2001, NULL, 600, 0);
      g_assert_nonnull (wait_call (f, missed, "ringing"));
      rd_sim_pbx_set_events_paused (f->sims.pbx, TRUE);
      if (g == 2)
        {
          /* "kill -9": the hub goes at once, the agent loses it */
          g_object_run_dispose (G_OBJECT (f->hub));
          g_clear_object (&f->hub);
        }
      g_assert_true (hub_wait_until (rd_sim_pbx_count_active_calls_is_zero, f->sims.pbx, 15000));
      rd_sim_pbx_set_events_paused (f->sims.pbx, FALSE);
      if (g == 0)
        rd_sim_pbx_drop_sockets (f->sims.pbx);
      else if (g == 1)
        {
          rd_sim_pbx_set_close_sockets_on_token_expiry (f->sims.pbx, TRUE);
          rd_sim_pbx_expire_tokens (f->sims.pbx);
        }
      else
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *url = NULL;

          f->hub = rd_hub_new (&options);
          rd_hub_set_index_refresh (f->hub, 0);
          g_assert_true (rd_hub_start (f->hub, &error));
          g_assert_no_error (error);
          url = rd_hub_get_agent_url (f->hub);
          rd_agent_client_set_hub_url (f->agent, url);
        }
      call = wait_call (f, missed, "ended");
      g_assert_nonnull (call);
      g_assert_cmpstr (call->direction, ==, "inbound");

      /* and the next call, once the gap is over (the stream subscribed again), pops as usual */
      g_assert_true (hub_wait_until (subscribed_again, &subscribes, 15000));
      rd_sim_pbx_set_close_sockets_on_token_expiry (f->sims.pbx, FALSE);
      g_assert_true (hub_wait_until (agent_signed_in, f->agent, 15000));
      g_assert_true (hub_wait_until (pbx_state_connected, f->hub, 15000));
      answered = rd_sim_pbx_play_inbound (f->sims.pbx, LI_LEI_NUMBER, "01088880000", ring_2001, "2001", 100, 100);
      g_assert_nonnull (wait_call (f, answered, "ended"));
    }
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sims.pbx, "call/query"), >=, 2);
}

static void
http_get_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  *(gboolean *) data = TRUE;
}


/* Plain HTTP requests on the agent port (a browser, a health check, a scanner) are answered and
 * their connections closed, however many come: none is left behind in CLOSE-WAIT. */
static void
test_http_connections_released (Fixture *f, gconstpointer data)
{
  g_autofree char *agent_url = g_strdup_printf ("http://127.0.0.1:%u/agent/v1", rd_hub_get_port (f->hub));
  g_autofree char *root_url = g_strdup_printf ("http://127.0.0.1:%u/", rd_hub_get_port (f->hub));
  guint before;

  hub_wait_ms (200);
  before = rd_test_count_descriptors (NULL);
  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(SoupSession) session = soup_session_new ();
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", i % 2 ? agent_url : root_url);
      gboolean done = FALSE;

      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, http_get_cb, &done);
      g_assert_true (hub_wait_until (flag_set, &done, 10000));
      g_assert_cmpuint (soup_message_get_status (msg), >=, 400);
    }
  hub_wait_ms (200);
  g_assert_cmpuint (rd_test_count_descriptors (NULL), <=, before + 2);
}

static gboolean
li_lei_has_activity (gpointer data)
{
  Fixture *f = data;

  return rd_sim_odoo_count_open_activities (f->sims.odoo, "res.partner", f->sims.li_lei) > 0;
}

/* The outbox item of @w->call_id's call log is done. */
static gboolean
call_log_done (gpointer data)
{
  CallWait *w = data;
  g_autoptr(GPtrArray) calls = rd_store_calls_recent (rd_hub_get_store (w->f->hub), NULL, 0, NULL, NULL);

  for (guint i = 0; calls != NULL && i < calls->len; i++)
    if (g_strcmp0 (((RdCallRecord *) calls->pdata[i])->call_id, w->call_id) == 0)
      {
        g_autofree char *call_key = rd_call_record_key (calls->pdata[i]);
        g_autofree char *key = g_strconcat ("call-log:", call_key, NULL);
        g_autoptr(RdOutboxItem) item = rd_store_outbox_get (rd_hub_get_store (w->f->hub), key);

        return item != NULL && item->state == RD_OUTBOX_DONE;
      }
  return FALSE;
}

static void
test_callback_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *missed = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(RdOutboxItem) item = NULL;

  CallWait log_done = { f, NULL, NULL };

  bind_team (f);
  missed = rd_sim_pbx_play_inbound (f->sims.pbx, LI_LEI_NUMBER, "01088880000", ring_2001, NULL, 200, 0);
  /* The call log goes first (all of it: the message, then its author); then the call-back is
   * created in the CRM, but its reply comes after the hub's 1 s timeout: an uncertain failure
   * (and the CRM counts as unreachable until it answers in time again). */
  g_assert_true (hub_wait_until (li_lei_logged, f, 15000));
  log_done.call_id = missed;
  g_assert_true (hub_wait_until (call_log_done, &log_done, 15000));
  rd_sim_odoo_set_delay (f->sims.odoo, 1500);
  g_assert_true (hub_wait_until (li_lei_has_activity, f, 10000));
  rd_sim_odoo_set_delay (f->sims.odoo, 0);
  wait_logged (f, missed);
  hub_wait_ms (1500);   /* nothing more may arrive */

  calls = rd_store_calls_recent (rd_hub_get_store (f->hub), NULL, 0, NULL, NULL);
  for (guint i = 0; calls != NULL && i < calls->len && key == NULL; i++)
    if (g_strcmp0 (((RdCallRecord *) calls->pdata[i])->call_id, missed) == 0)
      {
        g_autofree char *call_key = rd_call_record_key (calls->pdata[i]);

        key = g_strconcat ("callback:", call_key, NULL);
      }
  g_assert_nonnull (key);
  item = rd_store_outbox_get (rd_hub_get_store (f->hub), key);
  g_assert_nonnull (item);
  g_assert_cmpint (item->state, ==, RD_OUTBOX_DONE);
  g_assert_cmpuint (item->attempts, ==, 1);   /* the retry checked, found it and did not post again */
  g_assert_cmpuint (rd_sim_odoo_count_open_activities (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
  g_assert_cmpuint (hub_count_logs (f->sims.odoo, "res.partner", f->sims.li_lei), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Faults are part of these flows: warnings (plain-HTTP simulators, CRM outages) are expected. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add ("/hub/e2e/bind", Fixture, NULL, setup, test_bind, teardown);
  g_test_add ("/hub/e2e/pop", Fixture, NULL, setup, test_pop, teardown);
  g_test_add ("/hub/e2e/pop-slow-crm", Fixture, NULL, setup, test_pop_slow_crm, teardown);
  g_test_add ("/hub/e2e/dial", Fixture, NULL, setup, test_dial, teardown);
  g_test_add ("/hub/e2e/dial-from-elsewhere", Fixture, NULL, setup, test_dial_from_elsewhere, teardown);
  g_test_add ("/hub/e2e/call-logs", Fixture, NULL, setup, test_call_logs, teardown);
  g_test_add ("/hub/e2e/deleted-record", Fixture, NULL, setup, test_deleted_record, teardown);
  g_test_add ("/hub/e2e/deleted-leaves-index", Fixture, NULL, setup, test_deleted_leaves_index, teardown);
  g_test_add ("/hub/e2e/autocreate", Fixture, NULL, setup, test_autocreate, teardown);
  g_test_add ("/hub/e2e/sync-and-disconnect", Fixture, NULL, setup, test_sync, teardown);
  g_test_add ("/hub/e2e/sync-numbers", Fixture, NULL, setup, test_sync_numbers, teardown);
  g_test_add ("/hub/e2e/callback-title", Fixture, NULL, setup, test_callback_title, teardown);
  g_test_add ("/hub/e2e/disable-enable", Fixture, NULL, setup, test_disable, teardown);
  g_test_add ("/hub/e2e/crm-down", Fixture, NULL, setup, test_crm_down, teardown);
  g_test_add ("/hub/e2e/pbx-drop", Fixture, NULL, setup, test_pbx_drop, teardown);
  g_test_add ("/hub/e2e/pbx-state-reported", Fixture, NULL, setup, test_pbx_state_reported, teardown);
  g_test_add ("/hub/e2e/gap-ends-calls", Fixture, NULL, setup, test_gap_ends_calls, teardown);
  g_test_add ("/hub/e2e/restart-keeps-call-ids", Fixture, NULL, setup, test_restart_keeps_call_ids, teardown);
  g_test_add ("/hub/e2e/http-connections-released", Fixture, NULL, setup, test_http_connections_released, teardown);
  g_test_add ("/hub/e2e/callback-timeout", Fixture, GUINT_TO_POINTER (1), setup, test_callback_timeout, teardown);
  return g_test_run ();
}
