/* The windows under Xvfb: what each state shows, hostile text shown literally, nothing cut at
 * the minimum size (360 × 294) and content clamped in a large window, numbers never shortened,
 * preferences saved to GSettings and the keyring (SECRET_BACKEND=file) with errors that go away
 * when they no longer apply, the dial confirmation, and the menus. The whole program reports a
 * skip without a display. Screenshots are test-app-screenshots' business. */
#include "config.h"

#include <string.h>

#include "rd-call-row.h"
#include "rd-dial-dialog.h"
#include "rd-keyring.h"
#include "rd-main-window.h"
#include "rd-preferences-window.h"
#include "rd-recent-window.h"
#include "rd-test-calls.h"
#include "rd-test-gui.h"

#define MIN_W 360
#define MIN_H 294

static GtkLabel *
find_label (GtkWidget *w, const char *needle)
{
  if (GTK_IS_LABEL (w) && strstr (gtk_label_get_text (GTK_LABEL (w)), needle))
    return GTK_LABEL (w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_label (c, needle);
      if (found)
        return found;
    }
  return NULL;
}

/* The button under @w that activates @action (a page built by the window, not a template child). */
static GtkWidget *
find_button (GtkWidget *w, const char *action)
{
  if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (w)), action) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, action);
      if (found)
        return found;
    }
  return NULL;
}

static GPtrArray *
rows_of (GtkWidget *list)
{
  GPtrArray *rows = g_ptr_array_new ();

  for (GtkWidget *r = gtk_widget_get_first_child (list); r; r = gtk_widget_get_next_sibling (r))
    if (RD_IS_CALL_ROW (r))
      g_ptr_array_add (rows, r);
  return rows;
}

/* Numbers are never shortened, and names come without the company prefix. */
static void
assert_rows_readable (GtkWidget *list)
{
  g_autoptr(GPtrArray) rows = rows_of (list);

  g_assert_cmpuint (rows->len, >, 0);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);
      GtkLabel *number = GTK_LABEL (rd_test_child (row, RD_TYPE_CALL_ROW, "number_label"));
      GtkLabel *name = GTK_LABEL (rd_test_child (row, RD_TYPE_CALL_ROW, "name_label"));

      if (gtk_widget_is_drawable (GTK_WIDGET (number)))
        g_assert_false (rd_test_label_is_ellipsized (number));
      else   /* an unknown caller: the number is the title */
        {
          g_assert_false (rd_test_label_is_ellipsized (name));
          g_assert_cmpint (gtk_label_get_ellipsize (name), ==, PANGO_ELLIPSIZE_NONE);
        }
      g_assert_null (strstr (gtk_label_get_text (name), "Acme Shanghai Co., Ltd., "));
      g_assert_false (gtk_label_get_use_markup (name));
    }
}

/* ---- the main window ------------------------------------------------------------------- */

static void
test_main_states (void)
{
  g_autoptr(GMenuModel) menu = rd_test_primary_menu ();
  g_autoptr(RdStatusText) setup = rd_status_describe (FALSE, RD_AGENT_STATE_DISCONNECTED, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) refused = rd_status_describe (TRUE, RD_AGENT_STATE_AUTH_FAILED, NULL, NULL, NULL, NULL, NULL,
                                                        "Session closed: " RD_TEST_HOSTILE);
  g_autoptr(RdStatusText) busy = rd_status_describe (TRUE, RD_AGENT_STATE_CONNECTING, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) ok = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, RD_TEST_HOSTILE, "2001",
                                                   "connected", "connected", NULL, NULL);
  g_autoptr(RdStatusText) crm_paused = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice", "2001",
                                                           "connected", "disabled", NULL, NULL);
  RdMainWindow *win = rd_main_window_new (NULL, menu);
  GtkWidget *w = GTK_WIDGET (win);
  GtkStack *stack = GTK_STACK (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "stack"));
  GtkWidget *status_page;
  GtkLabel *label;

  rd_test_show_at (win, 520, 680);

  rd_main_window_set_status (win, setup, NULL, NULL, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "welcome");
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (win))
                 == find_button (gtk_stack_get_visible_child (stack), "app.preferences"));

  /* Not signed in: a status page that says why (the hub's words, literally) and what to do. */
  rd_main_window_set_status (win, refused, "wss://hub.example.com:8443", NULL, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "signed-out");
  g_assert_null (gtk_window_get_default_widget (GTK_WINDOW (win)));
  status_page = gtk_stack_get_visible_child (stack);
  g_assert_true (ADW_IS_STATUS_PAGE (status_page));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status_page)), ==, "Sign-in was refused");
  rd_test_gui_spin (100);
  label = find_label (status_page, "Session closed: <b>Eve</b> & <i>Co</i>");
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_visible (find_button (status_page, "app.preferences")));
  g_assert_true (gtk_widget_get_visible (find_button (status_page, "app.reconnect")));
  rd_main_window_set_status (win, busy, NULL, NULL, NULL);
  g_assert_false (gtk_widget_get_visible (find_button (status_page, "app.preferences")));
  g_assert_false (gtk_widget_get_visible (find_button (status_page, "app.reconnect")));

  /* Signed in: the account, the connection, no problem row. */
  rd_main_window_set_status (win, ok, "wss://hub.example.com:8443", "Connected", "Connected");
  rd_main_window_set_account (win, RD_TEST_HOSTILE, "2001");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "signed-in");
  g_assert_false (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "problem_row")));
  rd_test_gui_spin (100);
  label = find_label (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "account_row"), "<b>Eve</b>");
  g_assert_nonnull (label);
  g_assert_false (gtk_label_get_use_markup (label));
  g_assert_null (strstr (gtk_label_get_text (label), "\xe2\x80\xae"));   /* no bidi override */

  /* A partial outage shows as a row on top, with the advice. */
  rd_main_window_set_status (win, crm_paused, "wss://hub.example.com:8443", "Connected", "Paused by the administrator");
  g_assert_true (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "problem_row")));
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "problem_row"))),
                            "paused the CRM connection"));

  /* Pause Pop-ups is visible in the window (issue 14, defect 8). */
  g_assert_false (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "paused_row")));
  rd_main_window_set_paused (win, TRUE);
  g_assert_true (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "paused_row")));
  rd_main_window_set_paused (win, FALSE);
  g_assert_false (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "paused_row")));

  /* The demo's simulated Odoo: the address as a row's subtitle, opened by the row. */
  rd_main_window_set_demo_url (win, "http://127.0.0.1:8069/web");
  g_assert_true (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "demo_group")));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "odoo_row"))),
                   ==, "http://127.0.0.1:8069/web");
  rd_main_window_set_demo_url (win, NULL);
  g_assert_false (gtk_widget_get_visible (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "demo_group")));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* The welcome and signed-out pages are built the first time they are shown, once each: a
 * window that signs in at once never builds them (bench B4, the demo's footprint). */
static void
test_main_pages_when_shown (void)
{
  g_autoptr(GMenuModel) menu = rd_test_primary_menu ();
  g_autoptr(RdStatusText) setup = rd_status_describe (FALSE, RD_AGENT_STATE_DISCONNECTED, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) refused = rd_status_describe (TRUE, RD_AGENT_STATE_AUTH_FAILED, NULL, NULL, NULL, NULL, NULL, "No");
  g_autoptr(RdStatusText) busy = rd_status_describe (TRUE, RD_AGENT_STATE_CONNECTING, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) ok = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice", "2001",
                                                   "connected", "connected", NULL, NULL);
  RdMainWindow *win = rd_main_window_new (NULL, menu);
  GtkStack *stack = GTK_STACK (rd_test_child (win, RD_TYPE_MAIN_WINDOW, "stack"));
  GtkWidget *welcome, *signed_out;

  rd_main_window_set_status (win, ok, "wss://hub.example.com:8443", "Connected", "Connected");
  rd_test_show_at (win, 520, 680);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "signed-in");
  g_assert_null (gtk_stack_get_child_by_name (stack, "welcome"));
  g_assert_null (gtk_stack_get_child_by_name (stack, "signed-out"));

  rd_main_window_set_status (win, busy, NULL, NULL, NULL);
  signed_out = gtk_stack_get_child_by_name (stack, "signed-out");
  g_assert_true (ADW_IS_STATUS_PAGE (signed_out));
  g_assert_true (gtk_stack_get_visible_child (stack) == signed_out);
  g_assert_null (gtk_stack_get_child_by_name (stack, "welcome"));
  rd_main_window_set_status (win, ok, NULL, NULL, NULL);
  rd_main_window_set_status (win, refused, NULL, NULL, NULL);
  g_assert_true (gtk_stack_get_child_by_name (stack, "signed-out") == signed_out);   /* the same page */
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (signed_out)), ==, "Sign-in was refused");

  rd_main_window_set_status (win, setup, NULL, NULL, NULL);
  welcome = gtk_stack_get_child_by_name (stack, "welcome");
  g_assert_true (ADW_IS_STATUS_PAGE (welcome));
  g_assert_true (gtk_stack_get_visible_child (stack) == welcome);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (welcome)), ==, "Welcome to Ringdesk");
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (win)) == find_button (welcome, "app.preferences"));
  rd_main_window_set_status (win, ok, NULL, NULL, NULL);
  g_assert_null (gtk_window_get_default_widget (GTK_WINDOW (win)));
  rd_main_window_set_status (win, setup, NULL, NULL, NULL);
  g_assert_true (gtk_stack_get_child_by_name (stack, "welcome") == welcome);
  rd_test_gui_spin (50);
  g_assert_true (gtk_widget_get_mapped (welcome));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Feedback stays as long as it is true: "Calling…" until dismissed, replaced by its own tag
 * (issue 14, defects 2 and 6: no status line that keeps an old message forever). */
static void
test_main_toasts (void)
{
  g_autoptr(GMenuModel) menu = rd_test_primary_menu ();
  RdMainWindow *win = rd_main_window_new (NULL, menu);

  rd_test_show_at (win, 520, 680);
  rd_main_window_show_toast (win, "dial", "Calling Li Wei (+86 138 0013 8000)…", 0);
  rd_test_gui_spin (1500);
  g_assert_cmpstr (rd_main_window_get_toast (win, "dial"), ==, "Calling Li Wei (+86 138 0013 8000)…");
  rd_main_window_show_toast (win, "dial", "The call could not be placed: <busy> & gone", 1);
  g_assert_cmpstr (rd_main_window_get_toast (win, "dial"), ==, "The call could not be placed: <busy> & gone");
  rd_test_gui_spin (1600);
  g_assert_null (rd_main_window_get_toast (win, "dial"));
  rd_main_window_show_toast (win, "dial", "Calling 2002…", 0);
  rd_main_window_dismiss_toast (win, "dial");
  g_assert_null (rd_main_window_get_toast (win, "dial"));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The primary menu opens (button or F10) with its items; its popover is built the first time
 * (bench B4) and the same one opens again. */
static void
test_main_menu (void)
{
  g_autoptr(GMenuModel) menu = rd_test_primary_menu ();
  RdMainWindow *win = rd_main_window_new (NULL, menu);
  GtkMenuButton *button = GTK_MENU_BUTTON (rd_test_child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "menu_button"));
  GtkPopover *popover;

  rd_test_show_at (win, 520, 680);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  g_assert_null (gtk_menu_button_get_popover (button));
  gtk_menu_button_popup (button);
  rd_test_gui_spin (300);
  g_assert_true (gtk_menu_button_get_menu_model (button) == menu);
  popover = gtk_menu_button_get_popover (button);
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  g_assert_nonnull (find_label (GTK_WIDGET (popover), "Preferences"));
  gtk_menu_button_popdown (button);
  rd_test_gui_spin (300);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (popover)));
  gtk_menu_button_popup (button);
  rd_test_gui_spin (300);
  g_assert_true (gtk_menu_button_get_popover (button) == popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  gtk_menu_button_popdown (button);
  rd_test_gui_spin (300);
  gtk_window_destroy (GTK_WINDOW (win));
  rd_test_gui_spin (100);
}

/* Issue 14, defects 1 and 4: at the minimum size everything fits across and scrolls down; in
 * a large window the lists stay clamped; numbers are never cut. */
static void
test_main_sizes (void)
{
  g_autoptr(GMenuModel) menu = rd_test_primary_menu ();
  g_autoptr(RdRecentCalls) recent = rd_test_sample_recent (0, TRUE);
  g_autoptr(RdStatusText) ok = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice Zhang", "2001",
                                                   "connected", "disabled", NULL, NULL);
  g_autoptr(RdStatusText) refused = rd_status_describe (TRUE, RD_AGENT_STATE_AUTH_FAILED, NULL, NULL, NULL, NULL, NULL,
                                                        "The hub closed the session: this agent key was revoked by the administrator");
  g_autoptr(RdStatusText) setup = rd_status_describe (FALSE, RD_AGENT_STATE_DISCONNECTED, NULL, NULL, NULL, NULL, NULL, NULL);
  const int sizes[][2] = { { MIN_W, MIN_H }, { 1200, 900 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      RdMainWindow *win = rd_main_window_new (NULL, menu);
      GtkWidget *w = GTK_WIDGET (win);
      GtkWidget *list = rd_test_child (w, RD_TYPE_MAIN_WINDOW, "last_calls_list");
      GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (rd_test_child (w, RD_TYPE_MAIN_WINDOW, "scroller"));
      GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroller);
      graphene_rect_t r;

      rd_main_window_set_status (win, ok, "Demo hub on this computer", "Connected", "Paused by the administrator");
      rd_main_window_set_account (win, "Alice Zhang", "2001");
      rd_main_window_set_paused (win, TRUE);
      rd_main_window_set_demo_url (win, "http://127.0.0.1:41234/web");
      rd_main_window_set_recent (win, recent);
      rd_test_show_at (win, sizes[s][0], sizes[s][1]);

      rd_test_assert_fits (win, sizes[s][0]);
      assert_rows_readable (list);
      {
        g_autoptr(GPtrArray) rows = rows_of (list);
        g_assert_cmpuint (rows->len, ==, RD_MAIN_WINDOW_LAST_CALLS);
      }
      if (s == 0)
        {
          /* Taller than the window: it scrolls, and the last row can be reached. */
          g_assert_cmpfloat (gtk_adjustment_get_upper (v), >, gtk_adjustment_get_page_size (v));
          gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
          rd_test_gui_spin (200);
          g_assert_cmpfloat (gtk_adjustment_get_value (v) + gtk_adjustment_get_page_size (v), >=,
                             gtk_adjustment_get_upper (v) - 1);
        }
      else
        {
          /* Clamped: the lists do not stretch across a wide window. */
          g_assert_true (gtk_widget_compute_bounds (list, w, &r));
          g_assert_cmpfloat (r.size.width, <=, 600);
          g_assert_cmpfloat (r.origin.x, >, 300);
        }

      /* The other pages fit too. */
      rd_main_window_set_status (win, refused, "wss://hub.example.com:8443", NULL, NULL);
      rd_test_gui_spin (200);
      rd_test_assert_fits (win, sizes[s][0]);
      rd_main_window_set_status (win, setup, NULL, NULL, NULL);
      rd_test_gui_spin (200);
      rd_test_assert_fits (win, sizes[s][0]);
      gtk_window_destroy (GTK_WINDOW (win));
    }
}

/* ---- recent calls ---------------------------------------------------------------------- */

static void
test_recent_window (void)
{
  g_autoptr(RdAgentClient) offline = rd_agent_client_new (NULL);
  g_autoptr(RdRecentCalls) recent = rd_recent_calls_new (offline, RD_RECENT_LIMIT);
  g_autoptr(GPtrArray) calls = rd_test_recent_calls (g_get_real_time () / G_USEC_PER_SEC, TRUE);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  RdRecentWindow *win = rd_recent_window_new (NULL, recent);
  GtkWidget *w = GTK_WIDGET (win);
  GtkStack *stack = GTK_STACK (rd_test_child (w, RD_TYPE_RECENT_WINDOW, "stack"));
  GtkWidget *list = rd_test_child (w, RD_TYPE_RECENT_WINDOW, "list");
  g_autoptr(GPtrArray) rows = NULL;

  rd_test_show_at (win, MIN_W, MIN_H);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "loading");
  rd_recent_calls_refresh (recent);   /* the client is not signed in */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (rd_test_child (w, RD_TYPE_RECENT_WINDOW, "empty_page"))),
                   ==, "Not Signed In");

  rd_recent_calls_set_calls (recent, calls);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  g_assert_cmpuint (rd_recent_window_get_count (win), ==, calls->len);
  rd_test_gui_spin (200);
  rd_test_assert_fits (win, MIN_W);
  assert_rows_readable (list);

  rows = rows_of (list);
  /* Li Wei of Acme: the person's name (issue 14, defect 13), the company beside the number,
   * call back and open in Odoo. */
  {
    GtkWidget *row = g_ptr_array_index (rows, 1);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (rd_test_child (row, RD_TYPE_CALL_ROW, "name_label"))), ==, "Li Wei");
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (rd_test_child (row, RD_TYPE_CALL_ROW, "company_label"))), ==,
                     "Acme Shanghai Co., Ltd.");
    g_assert_true (gtk_widget_get_visible (rd_test_child (row, RD_TYPE_CALL_ROW, "open_button")));
    g_assert_false (gtk_widget_get_visible (rd_test_child (row, RD_TYPE_CALL_ROW, "create_button")));
  }
  /* The unknown caller: no Odoo button, but Create. */
  {
    GtkWidget *row = g_ptr_array_index (rows, 0);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (rd_test_child (row, RD_TYPE_CALL_ROW, "name_label"))), ==,
                     "+86 139 1234 0000");
    g_assert_false (gtk_widget_get_visible (rd_test_child (row, RD_TYPE_CALL_ROW, "open_button")));
    g_assert_true (gtk_widget_get_visible (rd_test_child (row, RD_TYPE_CALL_ROW, "create_button")));
    /* Its menu (built when it first opens, bench B4): contact or lead, for this number. */
    {
      GtkMenuButton *create = GTK_MENU_BUTTON (rd_test_child (row, RD_TYPE_CALL_ROW, "create_button"));
      GMenuModel *model;
      g_autoptr(GVariant) target = NULL;

      g_assert_null (gtk_menu_button_get_popover (create));
      gtk_menu_button_popup (create);
      rd_test_gui_spin (300);
      model = gtk_menu_button_get_menu_model (create);
      g_assert_nonnull (model);
      g_assert_cmpint (g_menu_model_get_n_items (model), ==, 2);
      target = g_menu_model_get_item_attribute_value (model, 1, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE ("(ss)"));
      g_assert_nonnull (target);
      g_assert_cmpstr (g_variant_get_type_string (target), ==, "(ss)");
      {
        const char *kind, *num;
        g_variant_get (target, "(&s&s)", &kind, &num);
        g_assert_cmpstr (kind, ==, "lead");
        g_assert_cmpstr (num, ==, rd_call_row_get_number (RD_CALL_ROW (row)));
      }
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (gtk_menu_button_get_popover (create))));
      gtk_menu_button_popdown (create);
      rd_test_gui_spin (300);
    }
  }
  /* The hostile name: literal, shortened in the middle, and its javascript: link refused. */
  {
    GtkWidget *row = g_ptr_array_index (rows, 3);
    GtkLabel *name = GTK_LABEL (rd_test_child (row, RD_TYPE_CALL_ROW, "name_label"));
    g_assert_true (g_str_has_prefix (gtk_label_get_text (name), "<b>Eve</b> & <i>Co</i>"));
    g_assert_cmpint (gtk_label_get_ellipsize (name), ==, PANGO_ELLIPSIZE_MIDDLE);
    g_assert_true (rd_test_label_is_ellipsized (name));
    g_assert_false (gtk_widget_get_visible (rd_test_child (row, RD_TYPE_CALL_ROW, "open_button")));
  }

  rd_recent_calls_set_calls (recent, none);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (rd_test_child (w, RD_TYPE_RECENT_WINDOW, "empty_page"))),
                   ==, "No Calls Yet");
  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- preferences ------------------------------------------------------------------------ */

static void
on_lookup (GObject *source, GAsyncResult *res, gpointer data)
{
  *(char **) data = rd_keyring_lookup_finish (res, NULL);
  if (*(char **) data == NULL)
    *(char **) data = g_strdup ("");
}

static char *
keyring_get (RdKeyringKind kind, const char *account)
{
  char *secret = NULL;

  rd_keyring_lookup_async (kind, account, NULL, on_lookup, &secret);
  while (secret == NULL)
    g_main_context_iteration (NULL, TRUE);
  return secret;
}

#define PREF(name) rd_test_child (w, RD_TYPE_PREFERENCES_WINDOW, name)

static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  RdPreferencesWindow *win = rd_preferences_window_new (NULL, settings, FALSE);
  GtkWidget *w = GTK_WIDGET (win);
  g_autofree char *hub = NULL, *secret = NULL, *installed = g_build_filename (BINDIR, "ringdesk", NULL);

  rd_test_show_at (win, MIN_W, 600);
  rd_test_assert_fits (win, MIN_W);

  /* A plain ws:// address to another host is refused with a message, the row marked. */
  gtk_editable_set_text (GTK_EDITABLE (PREF ("hub_url_row")), "ws://hub.example.com:8443");
  adw_combo_row_set_selected (ADW_COMBO_ROW (PREF ("method_row")), 1);
  gtk_editable_set_text (GTK_EDITABLE (PREF ("extension_row")), "2001");
  gtk_editable_set_text (GTK_EDITABLE (PREF ("agent_key_row")), "rdk_test_key_123");
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  g_assert_nonnull (rd_preferences_window_get_error (win));
  g_assert_nonnull (strstr (rd_preferences_window_get_error (win), "wss://"));
  g_assert_true (gtk_widget_has_css_class (PREF ("hub_url_row"), "error"));
  g_assert_false (g_settings_get_boolean (settings, "configured"));

  /* Issue 14, defect 6: the complaint goes once it no longer applies (another mode) … */
  gtk_editable_set_text (GTK_EDITABLE (PREF ("hub_url_row")), "");
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  g_assert_cmpstr (rd_preferences_window_get_error (win), ==, "Enter the hub address.");
  adw_combo_row_set_selected (ADW_COMBO_ROW (PREF ("mode_row")), 1);
  g_assert_null (rd_preferences_window_get_error (win));
  g_assert_false (gtk_widget_has_css_class (PREF ("hub_url_row"), "error"));
  g_assert_true (gtk_widget_get_visible (PREF ("pbx_group")));
  g_assert_false (gtk_widget_get_visible (PREF ("remote_group")));
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  g_assert_nonnull (strstr (rd_preferences_window_get_error (win), "PBX address"));
  /* … or once the user edits the field. */
  gtk_editable_set_text (GTK_EDITABLE (PREF ("pbx_url_row")), "https://pbx.example.com");
  g_assert_null (rd_preferences_window_get_error (win));
  adw_combo_row_set_selected (ADW_COMBO_ROW (PREF ("mode_row")), 0);

  /* A good address: settings saved, the key goes to the keyring and not to GSettings. */
  gtk_editable_set_text (GTK_EDITABLE (PREF ("hub_url_row")), "hub.example.com:8443");
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  while (!g_settings_get_boolean (settings, "configured"))
    g_main_context_iteration (NULL, TRUE);
  hub = g_settings_get_string (settings, "hub-url");
  g_assert_cmpstr (hub, ==, "wss://hub.example.com:8443");
  g_assert_cmpint (g_settings_get_enum (settings, "sign-in-method"), ==, 1);
  {
    g_autofree char *ext = g_settings_get_string (settings, "extension");
    g_assert_cmpstr (ext, ==, "2001");
  }
  secret = keyring_get (RD_KEYRING_AGENT_KEY, "2001");
  g_assert_cmpstr (secret, ==, "rdk_test_key_123");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (PREF ("agent_key_row"))), ==, "");
  g_assert_null (rd_preferences_window_get_error (win));

  /* Pop-up settings apply at once, both ways. */
  rd_preferences_window_show_page (win, "popups");
  adw_combo_row_set_selected (ADW_COMBO_ROW (PREF ("pop_when_row")), 1);
  gtk_switch_set_active (GTK_SWITCH (PREF ("crm_only_switch")), FALSE);
  g_assert_cmpint (g_settings_get_enum (settings, "pop-when"), ==, 1);
  g_assert_false (g_settings_get_boolean (settings, "pop-crm-only"));
  /* … and are written at once, also after a "Save and Connect" (which once left the app's settings
   * in delay-apply mode for good: later changes were lost at quit). */
  {
    g_autoptr(GSettings) stored = g_settings_new (APP_ID);
    g_assert_cmpint (g_settings_get_enum (stored, "pop-when"), ==, 1);
    g_assert_false (g_settings_get_boolean (stored, "pop-crm-only"));
  }
  g_settings_set_boolean (settings, "pops-paused", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (PREF ("paused_switch"))));
  g_settings_set_enum (settings, "confirm-dial", 2);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (PREF ("confirm_row"))), ==, 2);
  rd_test_gui_spin (200);
  rd_test_assert_fits (win, MIN_W);

  /* Start at login is only offered when there is an installed binary to start. */
  rd_preferences_window_show_page (win, "general");
  rd_test_gui_spin (200);
  g_assert_cmpint (gtk_widget_get_sensitive (PREF ("autostart_switch")), ==,
                   g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE));
  rd_test_assert_fits (win, MIN_W);
  gtk_window_destroy (GTK_WINDOW (win));
  g_settings_reset (settings, "pops-paused");
  g_settings_reset (settings, "confirm-dial");
}

/* Width of @text in the units of GtkLabel:max-width-chars (wide CJK characters count twice). */
static guint
text_width (const char *text)
{
  guint w = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    w += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return w;
}

/* AdwComboRow's popover shows each choice in at most 20 characters and cuts the rest: every
 * choice is short enough in every language Ringdesk speaks. */
static void
test_preferences_choices (void)
{
  static const char *langs[] = { "C", "de", "fr", "zh_CN" };
  static const char *rows[] = { "mode_row", "method_row", "pop_when_row", "confirm_row" };
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  guint checked = 0;

  for (guint l = 0; l < G_N_ELEMENTS (langs); l++)
    {
      RdPreferencesWindow *win;

      g_setenv ("LANGUAGE", langs[l], TRUE);
      setlocale (LC_MESSAGES, "");   /* makes gettext read the catalogues again */
      win = rd_preferences_window_new (NULL, settings, FALSE);
      for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
        {
          GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (rd_test_child (win, RD_TYPE_PREFERENCES_WINDOW, rows[r])));
          for (guint i = 0; i < g_list_model_get_n_items (model); i++)
            {
              const char *item = gtk_string_list_get_string (GTK_STRING_LIST (model), i);
              if (text_width (item) > 20)
                g_error ("%s: the choice “%s” of %s is cut in its popover (%u > 20)", langs[l], item, rows[r],
                         text_width (item));
              checked++;
            }
        }
      if (!g_str_equal (langs[l], "C"))
        g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (
                           ADW_COMBO_ROW (rd_test_child (win, RD_TYPE_PREFERENCES_WINDOW, "pop_when_row")))), 2), !=, "Never");
      gtk_window_destroy (GTK_WINDOW (win));
    }
  g_unsetenv ("LANGUAGE");
  setlocale (LC_MESSAGES, "");
  g_assert_cmpuint (checked, ==, 4 * 10);
}

/* ---- the dial confirmation -------------------------------------------------------------- */

static void
test_dial_dialog (void)
{
  GtkWidget *parent = gtk_window_new ();
  RdDialDialog *unknown = rd_dial_dialog_new (GTK_WINDOW (parent), "+12125550100", "+1 212-555-0100", NULL);
  RdDialDialog *known = rd_dial_dialog_new (GTK_WINDOW (parent), "+8613800138000", "+86 138 0013 8000", "Li Wei");
  AdwMessageDialog *d = ADW_MESSAGE_DIALOG (unknown);

  /* Issue 14, defect 13: the number as formatted elsewhere, never raw. */
  /* … and on one line: no-break space and hyphen. */
  g_assert_cmpstr (adw_message_dialog_get_heading (d), ==, "Call +1\xc2\xa0" "212\xe2\x80\x91" "555\xe2\x80\x91" "0100?");
  g_assert_cmpstr (rd_dial_dialog_get_number (unknown), ==, "+12125550100");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (d, "call"), ==, ADW_RESPONSE_SUGGESTED);
  g_assert_cmpstr (adw_message_dialog_get_default_response (d), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_close_response (d), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (known)), ==, "Call Li Wei?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (known)),
                            "+86\xc2\xa0" "138\xc2\xa0" "0013\xc2\xa0" "8000"));
  gtk_window_present (GTK_WINDOW (unknown));
  rd_test_gui_spin (200);
  rd_test_assert_fits (unknown, gtk_widget_get_width (GTK_WIDGET (unknown)));
  gtk_window_destroy (GTK_WINDOW (unknown));
  gtk_window_destroy (GTK_WINDOW (known));
  gtk_window_destroy (GTK_WINDOW (parent));
}

/* ---- menus (issue 14, defect 12) --------------------------------------------------------- */

static void
check_menu (GMenuModel *menu, gboolean window_menu, GHashTable *mnemonics)
{
  for (gint i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autofree char *label = NULL, *action = NULL;
      const char *u;

      if (section)
        {
          check_menu (section, window_menu, mnemonics);
          continue;
        }
      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
      /* Every item does something; the window's menu does not offer the window itself. */
      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
      if (window_menu)
        g_assert_cmpstr (action, !=, "app.show-window");
      u = strchr (label, '_');
      g_assert_nonnull (u);
      {
        g_autofree char *key = g_utf8_strdown (u + 1, 1);
        if (g_hash_table_contains (mnemonics, key))
          g_error ("mnemonic %s used twice (%s and %s)", key, (char *) g_hash_table_lookup (mnemonics, key), label);
        g_hash_table_insert (mnemonics, g_steal_pointer (&key), g_strdup (label));
      }
    }
}

static void
test_menus (void)
{
  g_autoptr(GtkBuilder) b = gtk_builder_new_from_resource ("/io/github/ringdesk/Ringdesk/gtk/menus.ui");
  g_autoptr(GHashTable) primary = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) tray = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  check_menu (G_MENU_MODEL (gtk_builder_get_object (b, "primary-menu")), TRUE, primary);
  check_menu (G_MENU_MODEL (gtk_builder_get_object (b, "tray-menu")), FALSE, tray);
  g_assert_true (g_hash_table_contains (primary, "u"));   /* Pa_use Pop-Ups */
  g_assert_true (g_hash_table_contains (primary, "p"));   /* _Preferences */
  g_assert_cmpuint (g_hash_table_size (tray), >=, 7);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *keyring = NULL;
  int ret;

  rd_test_env_init ();
  g_setenv ("TZ", "UTC", TRUE);
  dir = rd_test_isolate_home ();
  g_test_init (&argc, &argv, NULL);
  rd_test_gui_init ();
  keyring = g_build_filename (dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);

  g_test_add_func ("/app/windows/main/states", test_main_states);
  g_test_add_func ("/app/windows/main/pages-when-shown", test_main_pages_when_shown);
  g_test_add_func ("/app/windows/main/toasts", test_main_toasts);
  g_test_add_func ("/app/windows/main/menu", test_main_menu);
  g_test_add_func ("/app/windows/main/sizes", test_main_sizes);
  g_test_add_func ("/app/windows/recent", test_recent_window);
  g_test_add_func ("/app/windows/preferences", test_preferences);
  g_test_add_func ("/app/windows/preferences-choices", test_preferences_choices);
  g_test_add_func ("/app/windows/dial-dialog", test_dial_dialog);
  g_test_add_func ("/app/windows/menus", test_menus);
  ret = g_test_run ();
  rd_test_remove_tree (dir);
  return ret;
}
