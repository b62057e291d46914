/* The windows under Xvfb: content, hostile text shown literally, preferences saved to
 * GSettings and the keyring (SECRET_BACKEND=file), and a screenshot of each window in
 * <builddir>/tests/app/artifacts/ (light and dark). Skips without a display. */
#include "config.h"

#include <gtk/gtk.h>

#include "rd-app-resources.h"
#include "rd-keyring.h"
#include "rd-main-window.h"
#include "rd-preferences-window.h"
#include "rd-recent-window.h"
#include "rd-test-util.h"

static gboolean have_display;

#define HOSTILE "<b>Eve</b> & <i>Co</i> \xe2\x80\xae<span foreground='red'>x</span>"

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
screenshot (GtkWidget *window, const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = rd_test_artifact_path (name);
  int w, h;

  spin (400);
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  g_assert_cmpint (w, >, 100);
  g_assert_cmpint (h, >, 100);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static GtkWidget *
child (GtkWidget *w, GType type, const char *name)
{
  GObject *o = gtk_widget_get_template_child (w, type, name);
  g_assert_nonnull (o);
  return GTK_WIDGET (o);
}

static void
set_dark (gboolean dark)
{
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", dark, NULL);
}

static void
test_main_window (void)
{
  RdMainWindow *win;
  g_autoptr(RdStatusText) ok = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, HOSTILE, "2001",
                                                  "connected", "connected", NULL, NULL);
  RdStatusText bad = { RD_STATUS_ERROR, (char *) "Sign-in was refused",
                       (char *) "Check your login and key in Preferences.", (char *) "Sign-in refused" };
  RdStatusText setup = { RD_STATUS_SETUP, (char *) "Ringdesk is not set up yet", NULL, (char *) "Not set up" };
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) mirror = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  g_menu_append (menu, "Quit", "app.quit");
  win = rd_main_window_new (NULL, G_MENU_MODEL (menu), G_MENU_MODEL (mirror));
  gtk_window_present (GTK_WINDOW (win));

  rd_main_window_set_status (win, &setup, NULL, NULL, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "stack"))), ==, "welcome");
  screenshot (GTK_WIDGET (win), "main-window-first-run.png");

  rd_main_window_set_status (win, ok, "wss://hub.example.com:8443", "Connected", "Connected");
  rd_main_window_set_demo_url (win, "http://127.0.0.1:8069/web");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "stack"))), ==, "status");
  /* Hostile text is shown as it is, not interpreted as markup. */
  g_assert_cmpint (ok->level, ==, RD_STATUS_OK);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "status_title"))), ==,
                   "Signed in as <b>Eve</b> & <i>Co</i> <span foreground='red'>x</span> (extension 2001)");
  g_assert_false (gtk_label_get_use_markup (GTK_LABEL (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "status_title"))));
  g_assert_false (gtk_widget_get_visible (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "fix_button")));
  g_assert_true (gtk_widget_get_visible (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "demo_box")));

  /* The notifier's mirrored actions appear as buttons. */
  g_menu_append (section, "Call Back — +86 139 1234 0000", "app.call::+8613912340000");
  g_menu_append (section, "Create Contact — +86 139 1234 0000", "app.quit");
  g_menu_append_section (mirror, NULL, G_MENU_MODEL (section));
  g_assert_true (gtk_widget_get_visible (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "mirror_box")));
  screenshot (GTK_WIDGET (win), "main-window-demo.png");

  set_dark (TRUE);
  screenshot (GTK_WIDGET (win), "main-window-demo-dark.png");
  set_dark (FALSE);

  rd_main_window_set_status (win, &bad, "wss://hub.example.com:8443", NULL, NULL);
  rd_main_window_set_demo_url (win, NULL);
  g_menu_remove_all (mirror);
  g_assert_true (gtk_widget_get_visible (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "fix_button")));
  g_assert_false (gtk_widget_get_visible (child (GTK_WIDGET (win), RD_TYPE_MAIN_WINDOW, "mirror_box")));
  screenshot (GTK_WIDGET (win), "main-window-error.png");

  gtk_window_destroy (GTK_WINDOW (win));
}

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

static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  RdPreferencesWindow *win;
  GtkWidget *w;
  g_autofree char *hub = NULL, *secret = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = rd_preferences_window_new (NULL, settings, FALSE);
  w = GTK_WIDGET (win);
  gtk_window_present (GTK_WINDOW (win));
  screenshot (w, "preferences-connection.png");

  /* A plain ws:// address to another host is refused with a message, nothing saved. */
  gtk_editable_set_text (GTK_EDITABLE (child (w, RD_TYPE_PREFERENCES_WINDOW, "hub_url_entry")), "ws://hub.example.com:8443");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (w, RD_TYPE_PREFERENCES_WINDOW, "method_dropdown")), 1);
  gtk_editable_set_text (GTK_EDITABLE (child (w, RD_TYPE_PREFERENCES_WINDOW, "extension_entry")), "2001");
  gtk_editable_set_text (GTK_EDITABLE (child (w, RD_TYPE_PREFERENCES_WINDOW, "agent_key_entry")), "rdk_test_key_123");
  g_signal_emit_by_name (child (w, RD_TYPE_PREFERENCES_WINDOW, "connection_save"), "clicked");
  g_assert_true (gtk_widget_get_visible (child (w, RD_TYPE_PREFERENCES_WINDOW, "connection_error")));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (w, RD_TYPE_PREFERENCES_WINDOW, "connection_error"))), "wss://"));
  g_assert_false (g_settings_get_boolean (settings, "configured"));
  screenshot (w, "preferences-error.png");

  /* A good address: settings saved, the key goes to the keyring and not to GSettings. */
  gtk_editable_set_text (GTK_EDITABLE (child (w, RD_TYPE_PREFERENCES_WINDOW, "hub_url_entry")), "hub.example.com:8443");
  g_signal_emit_by_name (child (w, RD_TYPE_PREFERENCES_WINDOW, "connection_save"), "clicked");
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
  /* The key entry is emptied after saving. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (w, RD_TYPE_PREFERENCES_WINDOW, "agent_key_entry"))), ==, "");

  rd_preferences_window_show_page (win, "signin");
  screenshot (w, "preferences-sign-in.png");

  /* Pop-up settings apply at once. */
  rd_preferences_window_show_page (win, "popups");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (w, RD_TYPE_PREFERENCES_WINDOW, "pop_when_dropdown")), 1);
  gtk_switch_set_active (GTK_SWITCH (child (w, RD_TYPE_PREFERENCES_WINDOW, "crm_only_switch")), FALSE);
  g_assert_cmpint (g_settings_get_enum (settings, "pop-when"), ==, 1);
  g_assert_false (g_settings_get_boolean (settings, "pop-crm-only"));
  g_settings_set_boolean (settings, "pops-paused", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (child (w, RD_TYPE_PREFERENCES_WINDOW, "paused_switch"))));
  screenshot (w, "preferences-popups.png");

  /* "This computer" shows the hub administration fields. */
  rd_preferences_window_show_page (win, "connection");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (w, RD_TYPE_PREFERENCES_WINDOW, "local_radio")), TRUE);
  g_assert_true (gtk_widget_get_visible (child (w, RD_TYPE_PREFERENCES_WINDOW, "local_grid")));
  g_assert_false (gtk_widget_get_visible (child (w, RD_TYPE_PREFERENCES_WINDOW, "remote_grid")));
  screenshot (w, "preferences-this-computer.png");

  gtk_window_destroy (GTK_WINDOW (win));
}

static RdAgentRecentCall *
recent (const char *direction, const char *number, const char *name, gint64 start, guint talk,
        const char *outcome, const char *url)
{
  RdAgentRecentCall *c = g_new0 (RdAgentRecentCall, 1);

  c->call_id = g_strdup_printf ("%" G_GINT64_FORMAT, start);
  c->direction = g_strdup (direction);
  c->number = g_strdup (number);
  c->name = g_strdup (name);
  c->start = start;
  c->talk = talk;
  c->outcome = g_strdup (outcome);
  if (url)
    {
      c->match = g_new0 (RdAgentMatch, 1);
      c->match->kind = g_strdup ("individual");
      c->match->name = g_strdup (name);
      c->match->url = g_strdup (url);
    }
  return c;
}

static void
test_recent_window (void)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_recent_call_free);
  gint64 now = 1767225600;   /* 2026-01-01 00:00 UTC */
  RdRecentWindow *win;
  GtkWidget *list;
  guint rows = 0;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  g_ptr_array_add (calls, recent ("inbound", "+86 138 0013 8000", "Zhang Wei", now - 600, 125, "answered",
                                  "http://127.0.0.1:8069/odoo/res.partner/7"));
  g_ptr_array_add (calls, recent ("inbound", "+86 139 1234 0000", NULL, now - 3600, 0, "no-answer", NULL));
  g_ptr_array_add (calls, recent ("outbound", "+49 30 1234567", HOSTILE, now - 90000, 3725, "answered",
                                  "javascript:alert(1)"));
  g_ptr_array_add (calls, recent ("outbound", "2002", "Bob", now - 200000, 0, "busy", NULL));

  win = rd_recent_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (win));
  rd_recent_window_set_calls (win, calls, now);
  g_assert_cmpuint (rd_recent_window_get_count (win), ==, 4);
  list = child (GTK_WIDGET (win), RD_TYPE_RECENT_WINDOW, "list");
  for (GtkWidget *r = gtk_widget_get_first_child (list); r; r = gtk_widget_get_next_sibling (r))
    rows++;
  g_assert_cmpuint (rows, ==, 4);
  screenshot (GTK_WIDGET (win), "recent-calls.png");

  set_dark (TRUE);
  screenshot (GTK_WIDGET (win), "recent-calls-dark.png");
  set_dark (FALSE);

  g_ptr_array_set_size (calls, 0);
  rd_recent_window_set_calls (win, calls, now);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (child (GTK_WIDGET (win), RD_TYPE_RECENT_WINDOW, "stack"))), ==, "empty");
  screenshot (GTK_WIDGET (win), "recent-calls-empty.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_recent_format (void)
{
  g_autofree char *d1 = rd_recent_format_duration (0);
  g_autofree char *d2 = rd_recent_format_duration (125);
  g_autofree char *d3 = rd_recent_format_duration (3725);

  g_assert_cmpstr (d1, ==, "0:00");
  g_assert_cmpstr (d2, ==, "2:05");
  g_assert_cmpstr (d3, ==, "1:02:05");
  g_assert_cmpstr (rd_recent_outcome_label ("no-answer"), ==, "Not answered");
  g_assert_cmpstr (rd_recent_outcome_label ("weird"), ==, "Unknown");
  {
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    g_autofree char *today = rd_recent_format_time (now, now);
    g_autofree char *yesterday = rd_recent_format_time (now - 86400, now);
    g_assert_cmpuint (strlen (today), ==, 5);   /* HH:MM */
    g_assert_true (g_str_has_prefix (yesterday, "Yesterday "));
  }
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
  keyring = g_build_filename (dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);

  have_display = gtk_init_check ();
  if (have_display)
    {
      rd_app_register_resource ();
      gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                        "/io/github/ringdesk/Ringdesk/icons");
    }

  g_test_add_func ("/app/windows/recent-format", test_recent_format);
  g_test_add_func ("/app/windows/main", test_main_window);
  g_test_add_func ("/app/windows/preferences", test_preferences);
  g_test_add_func ("/app/windows/recent", test_recent_window);
  ret = g_test_run ();
  rd_test_remove_tree (dir);
  return ret;
}
