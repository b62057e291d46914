/* Screen-pop decisions (pure), notification text, connection status in words, and the
 * notifier against a mock notification server WITHOUT the "actions" capability: buttons
 * are then mirrored in a menu, and a late CRM match still pops the record. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libnotify/notify.h>

#include "rd-notifier.h"
#include "rd-status.h"
#include "rd-test-desktop.h"
#include "rd-test-util.h"

/* ---- pop policy --------------------------------------------------------------------- */

static void
test_policy (void)
{
  RdPopPolicy ring = { RD_POP_WHEN_RING, TRUE, TRUE, FALSE };
  RdPopPolicy answer = { RD_POP_WHEN_ANSWER, FALSE, TRUE, FALSE };
  RdPopPolicy paused = ring, never = ring, no_browser = ring;

  paused.paused = TRUE;
  never.when = RD_POP_WHEN_NEVER;
  no_browser.open_browser = FALSE;

  /* inbound, ringing, ringing_seen, answered, ended, match, url, notified, opened */
  g_assert_cmpint (rd_pop_policy_decide (&ring, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE), ==,
                   RD_POP_NOTIFY | RD_POP_BROWSER);
  /* Only CRM callers: an unknown caller gets nothing (until a late match). */
  g_assert_cmpint (rd_pop_policy_decide (&ring, TRUE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE), ==, RD_POP_NONE);
  /* Never a second notification or tab for the same call. */
  g_assert_cmpint (rd_pop_policy_decide (&ring, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, TRUE, TRUE), ==, RD_POP_NONE);
  g_assert_cmpint (rd_pop_policy_decide (&ring, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, TRUE, FALSE), ==, RD_POP_BROWSER);
  /* A match without a URL: notify only. */
  g_assert_cmpint (rd_pop_policy_decide (&ring, TRUE, TRUE, FALSE, FALSE, TRUE, FALSE, FALSE, FALSE), ==, RD_POP_NOTIFY);
  /* Outbound calls and ended calls never pop. */
  g_assert_cmpint (rd_pop_policy_decide (&ring, FALSE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE), ==, RD_POP_NONE);
  g_assert_cmpint (rd_pop_policy_decide (&ring, TRUE, TRUE, FALSE, TRUE, TRUE, TRUE, FALSE, FALSE), ==, RD_POP_NONE);
  /* On answer: nothing while ringing, everything once answered; unknown callers too when allowed. */
  g_assert_cmpint (rd_pop_policy_decide (&answer, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE), ==, RD_POP_NONE);
  g_assert_cmpint (rd_pop_policy_decide (&answer, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, FALSE, FALSE), ==,
                   RD_POP_NOTIFY | RD_POP_BROWSER);
  g_assert_cmpint (rd_pop_policy_decide (&answer, TRUE, TRUE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE), ==, RD_POP_NOTIFY);
  /* Paused, never, no browser. */
  g_assert_cmpint (rd_pop_policy_decide (&paused, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE), ==, RD_POP_NONE);
  g_assert_cmpint (rd_pop_policy_decide (&never, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE), ==, RD_POP_NONE);
  g_assert_cmpint (rd_pop_policy_decide (&no_browser, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE), ==, RD_POP_NOTIFY);
}

static void
test_body (void)
{
  RdAgentMatch m = { (char *) "individual", 7, (char *) "Evil <b>Corp</b>, Eve", (char *) "Evil <b>Corp</b>",
                     (char *) "https://crm.example.com/x", (char *) "Bob & \"Alice\"" };
  g_autofree char *body = rd_notifier_format_body (&m, "+86 138 0013 8000");
  g_autofree char *plain = rd_notifier_format_body (NULL, "<script>");
  g_autofree char *longer = NULL;
  g_autofree char *huge = g_strnfill (5000, 'x');

  g_assert_cmpstr (body, ==, "Evil &lt;b&gt;Corp&lt;/b&gt;\n+86 138 0013 8000\nSalesperson: Bob &amp; &quot;Alice&quot;");
  g_assert_cmpstr (plain, ==, "&lt;script&gt;");
  /* CRM text is cut to a readable length. */
  longer = rd_notifier_format_body (NULL, huge);
  g_assert_cmpuint (g_utf8_strlen (longer, -1), <, 200);
}

static void
test_status (void)
{
  g_autoptr(RdStatusText) setup = rd_status_describe (FALSE, RD_AGENT_STATE_DISCONNECTED, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) ok = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice", "2001", "connected", "connected", NULL, NULL);
  g_autoptr(RdStatusText) auth = rd_status_describe (TRUE, RD_AGENT_STATE_AUTH_FAILED, NULL, NULL, NULL, NULL, NULL, "The key was revoked");
  g_autoptr(RdStatusText) lost = rd_status_describe (TRUE, RD_AGENT_STATE_RECONNECTING, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) pbx = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice", "2001", "failed", "connected", "PBX refused the client id", NULL);
  g_autoptr(RdStatusText) crm = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice", "2001", "connected", "disabled", NULL, NULL);
  g_autoptr(RdStatusText) evil = rd_status_describe (TRUE, RD_AGENT_STATE_AUTH_FAILED, NULL, NULL, NULL, NULL, NULL, "bad\n\x1b[31mkey\xe2\x80\xae");

  g_assert_cmpint (setup->level, ==, RD_STATUS_SETUP);
  g_assert_cmpint (ok->level, ==, RD_STATUS_OK);
  g_assert_cmpstr (ok->title, ==, "Signed in as Alice (extension 2001)");
  g_assert_cmpstr (ok->summary, ==, "Phone system: Connected · CRM: Connected");
  g_assert_null (ok->advice);
  g_assert_cmpint (auth->level, ==, RD_STATUS_ERROR);
  g_assert_nonnull (strstr (auth->advice, "The key was revoked"));
  g_assert_nonnull (strstr (auth->advice, "Preferences"));
  g_assert_cmpint (lost->level, ==, RD_STATUS_ERROR);
  g_assert_nonnull (strstr (lost->advice, "keeps trying"));
  g_assert_cmpint (pbx->level, ==, RD_STATUS_ERROR);
  g_assert_nonnull (strstr (pbx->advice, "administrator"));
  g_assert_nonnull (strstr (pbx->advice, "PBX refused the client id"));
  g_assert_cmpint (crm->level, ==, RD_STATUS_WARNING);
  g_assert_nonnull (strstr (crm->advice, "paused"));
  /* Error text from the network cannot inject control or bidi characters. */
  g_assert_null (strchr (evil->advice, '\x1b'));
  g_assert_null (strstr (evil->advice, "\xe2\x80\xae"));
}

/* ---- the notifier against a mock server without "actions" ------------------------- */

static GPtrArray *opened;     /* URLs passed to app.open-record */

static void
on_open_record (GSimpleAction *a, GVariant *p, gpointer data)
{
  g_ptr_array_add (opened, g_variant_dup_string (p, NULL));
}

static void
on_noop (GSimpleAction *a, GVariant *p, gpointer data)
{
}

static gboolean
name_gone (gpointer name)
{
  return !rd_test_name_has_owner (name);
}

/* The mock server goes, and libnotify forgets it (the next test starts its own). */
static void
stop_server (GSubprocess *mock)
{
  g_subprocess_force_exit (mock);
  g_assert_true (rd_test_wait_for (name_gone, (gpointer) "org.freedesktop.Notifications", RD_TEST_TIMEOUT_MS));
  notify_uninit ();
}

static RdAgentCall *
make_call (const char *event, const char *id, const char *number, RdAgentMatch *match, gboolean pending)
{
  RdAgentCall *c = g_new0 (RdAgentCall, 1);

  c->event = g_strdup (event);
  c->call_id = g_strdup (id);
  c->direction = g_strdup ("inbound");
  c->number_raw = g_strdup (number);
  c->number_e164 = g_strdup (number);
  c->number_display = g_strdup (number);
  c->number_kind = g_strdup ("external");
  c->match = match ? rd_agent_match_copy (match) : NULL;
  c->lookup_pending = pending;
  return c;
}

static void
test_no_actions_server (void)
{
  static const GActionEntry entries[] = {
    { "open-record", on_open_record, "s", NULL, NULL, { 0 } },
    { "call", on_noop, "s", NULL, NULL, { 0 } },
    { "create-record", on_noop, "(ss)", NULL, NULL, { 0 } },
    { "show-window", on_noop, NULL, NULL, NULL, { 0 } },
  };
  g_autofree char *dir = g_dir_make_tmp ("rd-notifier-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "notify.log", NULL);
  g_autoptr(GSubprocess) mock = NULL;
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(RdNotifier) notifier = NULL;
  g_autoptr(RdAgentCall) ringing = NULL, ended = NULL, second = NULL, second_end = NULL;
  RdAgentMatch late = { (char *) "individual", 9, (char *) "Late Larry", NULL,
                        (char *) "http://crm.example.com/odoo/contacts/9", NULL };
  GMenuModel *mirror;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      (mock = rd_test_start_notification_server ("body", log)) == NULL)
    {
      g_test_skip ("needs a session bus and python3-dbusmock");
      return;
    }

  opened = g_ptr_array_new_with_free_func (g_free);
  g_action_map_add_action_entries (G_ACTION_MAP (actions), entries, G_N_ELEMENTS (entries), NULL);
  notifier = rd_notifier_new (G_ACTION_GROUP (actions), settings);
  g_assert_false (rd_notifier_server_has_actions (notifier));
  mirror = rd_notifier_get_mirror_menu (notifier);

  /* An unknown caller rings: with "only CRM callers" nothing pops … */
  ringing = make_call ("ringing", "c1", "+8613800138000", NULL, TRUE);
  rd_notifier_handle_call (notifier, ringing);
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 0);
  /* … until the hub's late lookup finds the caller: the notification and the browser pop. */
  rd_notifier_handle_match (notifier, "c1", &late);
  g_assert_true (rd_test_wait_file (log, "\"Late Larry\"", 1));
  g_assert_cmpuint (opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (opened, 0), ==, late.url);
  /* No buttons sent to a server that cannot show them; the menu has them instead. */
  g_assert_true (rd_test_wait_file (log, "\"Late Larry\" \"+8613800138000\" [] {", 1));
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 1);
  /* A second match for the same call neither re-notifies as new nor opens another tab. */
  rd_notifier_handle_match (notifier, "c1", &late);
  g_assert_cmpuint (opened->len, ==, 1);

  /* It ends unanswered: a missed-call notification, counted. */
  ended = make_call ("ended", "c1", "+8613800138000", NULL, FALSE);
  rd_notifier_handle_call (notifier, ended);
  g_assert_true (rd_test_wait_file (log, "Missed call from Late Larry", 1));
  g_assert_cmpuint (rd_notifier_get_missed_count (notifier), ==, 1);
  /* The call's mirrored buttons are replaced, not duplicated: now "Call Back" leads. */
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 1);
  {
    g_autoptr(GMenuModel) section = g_menu_model_get_item_link (mirror, 0, G_MENU_LINK_SECTION);
    g_autofree char *action = NULL;
    g_assert_nonnull (section);
    g_assert_true (g_menu_model_get_item_attribute (section, 0, G_MENU_ATTRIBUTE_ACTION, "s", &action));
    g_assert_cmpstr (action, ==, "app.call");
  }

  /* Paused: no pop (no browser), but a missed call is still reported. */
  g_settings_set_boolean (settings, "pops-paused", TRUE);
  second = make_call ("ringing", "c2", "+8613900000000", &late, FALSE);
  rd_notifier_handle_call (notifier, second);
  g_assert_cmpuint (opened->len, ==, 1);
  second_end = make_call ("ended", "c2", "+8613900000000", NULL, FALSE);
  rd_notifier_handle_call (notifier, second_end);
  g_assert_true (rd_test_wait_file (log, "Missed call from Late Larry", 2));
  g_assert_cmpuint (rd_notifier_get_missed_count (notifier), ==, 2);
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 2);
  rd_notifier_clear_missed (notifier);
  g_assert_cmpuint (rd_notifier_get_missed_count (notifier), ==, 0);

  /* Messages escape their body too. */
  rd_notifier_show_message (notifier, "dial", "call", "Ringdesk did not dial this link", "bad <b>link</b>\nsecond line");
  g_assert_true (rd_test_wait_file (log, "bad &lt;b&gt;link&lt;/b&gt;\nsecond line", 1));

  g_clear_object (&notifier);
  stop_server (mock);
  g_ptr_array_unref (opened);
  g_unlink (log);
  g_rmdir (dir);
}

static char *
section_label (GMenuModel *mirror, gint section, gint item)
{
  g_autoptr(GMenuModel) sec = g_menu_model_get_item_link (mirror, section, G_MENU_LINK_SECTION);
  char *label = NULL;

  g_assert_nonnull (sec);
  if (item >= g_menu_model_get_n_items (sec))
    return NULL;
  g_assert_true (g_menu_model_get_item_attribute (sec, item, G_MENU_ATTRIBUTE_LABEL, "s", &label));
  return label;
}

static gint
section_items (GMenuModel *mirror, gint section)
{
  g_autoptr(GMenuModel) sec = g_menu_model_get_item_link (mirror, section, G_MENU_LINK_SECTION);
  return sec ? g_menu_model_get_n_items (sec) : -1;
}

/* Issue 14: one menu entry per number, names shortened in the middle and never the number,
 * entries that follow a record created from them, messages with the right categories, and a
 * missed call that does not repeat its number. */
static void
test_mirror_and_messages (void)
{
  static const GActionEntry entries[] = {
    { "open-record", on_noop, "s", NULL, NULL, { 0 } },
    { "call", on_noop, "s", NULL, NULL, { 0 } },
    { "create-record", on_noop, "(ss)", NULL, NULL, { 0 } },
    { "show-window", on_noop, NULL, NULL, NULL, { 0 } },
  };
  g_autofree char *dir = g_dir_make_tmp ("rd-notifier-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "notify.log", NULL);
  g_autoptr(GSubprocess) mock = NULL;
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(RdNotifier) notifier = NULL;
  g_autoptr(RdAgentCall) r1 = NULL, e1 = NULL, r2 = NULL, e2 = NULL, r3 = NULL, e3 = NULL;
  RdAgentMatch created = { (char *) "individual", 31, (char *) "New Contact", NULL,
                           (char *) "http://crm.example.com/odoo/contacts/31", NULL };
  RdAgentMatch company_person = { (char *) "individual", 32,
                                  (char *) "Acme_Shanghai Holding Co., Ltd., Li_Wei Alexander Montgomery-Smith",
                                  (char *) "Acme_Shanghai Holding Co., Ltd.", NULL, NULL };
  GMenuModel *mirror;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      (mock = rd_test_start_notification_server ("body", log)) == NULL)
    {
      g_test_skip ("needs a session bus and python3-dbusmock");
      return;
    }
  g_action_map_add_action_entries (G_ACTION_MAP (actions), entries, G_N_ELEMENTS (entries), NULL);
  g_settings_set_boolean (settings, "pop-crm-only", FALSE);
  notifier = rd_notifier_new (G_ACTION_GROUP (actions), settings);
  mirror = rd_notifier_get_mirror_menu (notifier);

  /* An unknown number rings and hangs up, twice: one entry for the number, never two. */
  r1 = make_call ("ringing", "m1", "+8613912340000", NULL, FALSE);
  e1 = make_call ("ended", "m1", "+8613912340000", NULL, FALSE);
  rd_notifier_handle_call (notifier, r1);
  rd_notifier_handle_call (notifier, e1);
  r2 = make_call ("ringing", "m2", "+8613912340000", NULL, FALSE);
  e2 = make_call ("ended", "m2", "+8613912340000", NULL, FALSE);
  rd_notifier_handle_call (notifier, r2);
  rd_notifier_handle_call (notifier, e2);
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 1);
  g_assert_cmpint (section_items (mirror, 0), ==, 3);
  {
    g_autofree char *l0 = section_label (mirror, 0, 0);
    g_autofree char *l1 = section_label (mirror, 0, 1);
    g_assert_cmpstr (l0, ==, "Call Back — +8613912340000");
    g_assert_cmpstr (l1, ==, "Create Contact — +8613912340000");
  }
  /* The missed-call notification names the number once: in the title, not again below. */
  g_assert_true (rd_test_wait_file (log, "\"Missed call from +8613912340000\" \"\" [] {", 2));
  g_assert_true (rd_test_wait_file (log, "\"category\": \"call.unanswered\"", 2));

  /* "Create Contact" was used: the entry now opens the record, and the notification too. */
  rd_notifier_record_created (notifier, "+86 139 1234 0000", &created);
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 1);
  g_assert_cmpint (section_items (mirror, 0), ==, 2);
  {
    g_autofree char *l0 = section_label (mirror, 0, 0);
    g_autofree char *l1 = section_label (mirror, 0, 1);
    g_assert_cmpstr (l0, ==, "Call Back — New Contact");
    g_assert_cmpstr (l1, ==, "Open in Odoo — New Contact");
  }
  g_assert_true (rd_test_wait_file (log, "\"Missed call from New Contact\" \"+8613912340000\"", 1));

  /* A long company contact: the person's name, shortened in the middle, '_' kept literal. */
  r3 = make_call ("ringing", "m3", "+8613800138000", &company_person, FALSE);
  e3 = make_call ("ended", "m3", "+8613800138000", &company_person, FALSE);
  rd_notifier_handle_call (notifier, r3);
  rd_notifier_handle_call (notifier, e3);
  g_assert_cmpint (g_menu_model_get_n_items (mirror), ==, 2);
  {
    g_autofree char *l0 = section_label (mirror, 0, 0);
    g_assert_true (g_str_has_prefix (l0, "Call Back — Li__Wei"));
    g_assert_nonnull (strstr (l0, "…"));
    g_assert_true (g_str_has_suffix (l0, "Smith"));
    g_assert_null (strstr (l0, "Acme"));
  }

  /* Messages carry a category of the notification spec: a call being placed stays until it
   * is withdrawn (expire timeout 0); a failure is "call.ended"; a lost hub "network.…". */
  rd_notifier_show_message (notifier, "dial", "call", "Calling +86 139 1234 0000…", "Your phone rings first.");
  g_assert_true (rd_test_wait_file (log, "\"category\": \"call\", \"desktop-entry\"", 1));
  g_assert_true (rd_test_wait_file (log, "Your phone rings first.\" [] {\"category\": \"call\", \"desktop-entry\": \"io.github.ringdesk.Ringdesk\", \"sender-pid\"", 1));
  {
    g_autofree char *text = rd_test_read_file (log);
    const char *line = strstr (text, "Calling +86 139 1234 0000");
    const char *eol = line ? strchr (line, '\n') : NULL;
    g_assert_nonnull (eol);
    g_assert_true (eol - line > 2 && strncmp (eol - 2, " 0", 2) == 0);
  }
  rd_notifier_show_message (notifier, "dial", "call.ended", "The call could not be placed", "busy");
  g_assert_true (rd_test_wait_file (log, "\"category\": \"call.ended\"", 1));
  rd_notifier_show_message (notifier, "connection", "network.disconnected", "The hub cannot be reached", NULL);
  g_assert_true (rd_test_wait_file (log, "\"category\": \"network.disconnected\"", 1));
  g_assert_cmpuint (rd_test_count_in_file (log, "\"category\": \"im\""), ==, 0);

  g_settings_reset (settings, "pop-crm-only");
  g_clear_object (&notifier);
  stop_server (mock);
  g_unlink (log);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *home = NULL;
  int ret;

  rd_test_env_init ();
  home = rd_test_isolate_home ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/notifier/policy", test_policy);
  g_test_add_func ("/app/notifier/body", test_body);
  g_test_add_func ("/app/notifier/status-text", test_status);
  g_test_add_func ("/app/notifier/no-actions-server", test_no_actions_server);
  g_test_add_func ("/app/notifier/mirror-and-messages", test_mirror_and_messages);
  ret = g_test_run ();
  rd_test_remove_tree (home);
  return ret;
}
