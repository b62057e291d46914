/* Screenshots of every window, in the language LANGUAGE names (meson runs this test for "en"
 * and for "zh_CN"), into <builddir>/tests/app/screenshots/<lang>/. The content is what a signed-in
 * agent sees: the demo's hub, calls from a company contact, an unknown number and a Chinese
 * contact. `meson compile -C build update-screenshots` copies the ones the AppStream metainfo
 * shows into data/screenshots/.
 *
 * It also checks what the pictures depend on: the catalogues are found in the build folder (the
 * windows are really translated), and a font draws every character (CJK needs fonts-noto-cjk). */
#include "config.h"

#include <string.h>

#include "rd-dial-dialog.h"
#include "rd-main-window.h"
#include "rd-preferences-window.h"
#include "rd-recent-window.h"
#include "rd-test-calls.h"
#include "rd-test-gui.h"

static const char *lang;

static char *
shot_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  return g_build_filename (RD_TEST_SCREENSHOTS_DIR, lang, file, NULL);
}

/* Every character of @text has a glyph in the fonts pango picks for it. */
static void
assert_drawable (GtkWidget *widget, const char *text)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);

  if (pango_layout_get_unknown_glyphs_count (layout) != 0)
    g_error ("No font draws “%s” (for Chinese, install fonts-noto-cjk)", text);
}

static void
test_language (void)
{
  GtkWidget *probe = gtk_label_new (NULL);

  g_object_ref_sink (probe);
  if (g_str_equal (lang, "zh_CN"))
    {
      /* Translated from the catalogue built in this build folder, and drawable. */
      g_assert_cmpstr (_("Recent Calls"), !=, "Recent Calls");
      g_assert_cmpstr (_("Dial a Number"), !=, "Dial a Number");
      assert_drawable (probe, _("Recent Calls"));
      assert_drawable (probe, _("Welcome to Ringdesk"));
    }
  else
    g_assert_cmpstr (_("Recent Calls"), ==, "Recent Calls");
  assert_drawable (probe, "王芳 上海贸易有限公司");
  g_object_unref (probe);
}

static void
noop (GSimpleAction *a, GVariant *p, gpointer data)
{
}

/* The application's actions, doing nothing: buttons look as they do in the running app. */
static void
add_app_actions (gpointer window)
{
  static const GActionEntry entries[] = {
    { "call", noop, "s", NULL, NULL, { 0 } }, { "open-record", noop, "s", NULL, NULL, { 0 } },
    { "create-record", noop, "(ss)", NULL, NULL, { 0 } }, { "recent-calls", noop, NULL, NULL, NULL, { 0 } },
    { "preferences", noop, NULL, NULL, NULL, { 0 } }, { "reconnect", noop, NULL, NULL, NULL, { 0 } },
    { "demo-call", noop, "s", NULL, NULL, { 0 } }, { "pops-paused", noop, NULL, "true", NULL, { 0 } },
    { "dial-prompt", noop, NULL, NULL, NULL, { 0 } }, { "about", noop, NULL, NULL, NULL, { 0 } },
    { "quit", noop, NULL, NULL, NULL, { 0 } },
  };
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), NULL);
  gtk_widget_insert_action_group (GTK_WIDGET (window), "app", G_ACTION_GROUP (group));
}

static void
shoot (gpointer window, const char *name, int width, int height)
{
  g_autofree char *path = shot_path (name);

  add_app_actions (window);
  rd_test_show_at (window, width, height);
  rd_test_assert_fits (window, width);
  rd_test_screenshot (window, path);
}

static void
test_main_window (void)
{
  g_autoptr(GMenuModel) menu = rd_test_primary_menu ();
  g_autoptr(RdRecentCalls) recent = rd_test_sample_recent (3600, FALSE);
  g_autoptr(RdStatusText) setup = rd_status_describe (FALSE, RD_AGENT_STATE_DISCONNECTED, NULL, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(RdStatusText) ok = rd_status_describe (TRUE, RD_AGENT_STATE_SIGNED_IN, "Alice Zhang", "2001",
                                                   "connected", "connected", NULL, NULL);
  g_autoptr(RdStatusText) lost = rd_status_describe (TRUE, RD_AGENT_STATE_RECONNECTING, NULL, NULL, NULL, NULL, NULL,
                                                     "Connection refused (wss://hub.example.com:8443)");
  RdMainWindow *win = rd_main_window_new (NULL, menu);

  rd_main_window_set_status (win, ok, _("Demo hub on this computer"), rd_status_pbx_label ("connected"),
                             rd_status_crm_label ("connected"));
  rd_main_window_set_account (win, "Alice Zhang", "2001");
  rd_main_window_set_demo_url (win, "http://127.0.0.1:41234/web");
  rd_main_window_set_recent (win, recent);
  shoot (win, "main-window", 520, 680);
  shoot (win, "main-window-narrow", 360, 640);

  rd_main_window_set_paused (win, TRUE);
  rd_main_window_show_toast (win, "dial", "Calling Li Wei (+86 138 0013 8000)…", 0);
  shoot (win, "main-window-paused-calling", 520, 680);
  rd_main_window_dismiss_toast (win, "dial");
  rd_main_window_set_paused (win, FALSE);

  rd_main_window_set_status (win, lost, "wss://hub.example.com:8443", NULL, NULL);
  shoot (win, "main-window-signed-out", 520, 680);
  rd_main_window_set_status (win, setup, NULL, NULL, NULL);
  shoot (win, "main-window-welcome", 520, 680);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_recent_window (void)
{
  g_autoptr(RdRecentCalls) recent = rd_test_sample_recent (3600, FALSE);
  RdRecentWindow *win = rd_recent_window_new (NULL, recent);

  shoot (win, "recent-calls", 560, 520);
  shoot (win, "recent-calls-narrow", 360, 640);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  RdPreferencesWindow *win;

  g_settings_set_string (settings, "hub-url", "wss://hub.example.com:8443");
  g_settings_set_string (settings, "crm-login", "alice@example.com");
  win = rd_preferences_window_new (NULL, settings, FALSE);
  shoot (win, "preferences", 640, 780);
  rd_preferences_window_show_page (win, "popups");
  shoot (win, "preferences-popups", 640, 520);
  rd_preferences_window_show_page (win, "general");
  shoot (win, "preferences-general", 640, 420);
  rd_preferences_window_show_page (win, "connection");
  shoot (win, "preferences-narrow", 360, 640);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_dialogs (void)
{
  GtkWidget *parent = gtk_window_new ();
  RdDialDialog *dial = rd_dial_dialog_new (GTK_WINDOW (parent), "+12125550100", "+1 212-555-0100", NULL);
  GtkBuilder *b = gtk_builder_new_from_resource ("/io/github/ringdesk/Ringdesk/ui/rd-about-window.ui");
  GtkWindow *about = g_object_ref (GTK_WINDOW (gtk_builder_get_object (b, "about")));
  g_autofree char *dial_path = shot_path ("dial-dialog");

  g_object_unref (b);

  /* Cancel and Call are told apart by the keyboard too, in every language. */
  {
    const char *cancel = adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (dial), "cancel");
    const char *call = adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (dial), "call");
    g_autofree char *ka = g_utf8_strdown (strchr (cancel, '_') + 1, 1);
    g_autofree char *kb = g_utf8_strdown (strchr (call, '_') + 1, 1);
    g_assert_cmpstr (ka, !=, kb);
  }
  gtk_window_present (GTK_WINDOW (dial));
  rd_test_gui_spin (300);
  rd_test_screenshot (dial, dial_path);
  gtk_window_destroy (GTK_WINDOW (dial));

  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PACKAGE_VERSION);
  gtk_window_set_transient_for (about, GTK_WINDOW (parent));
  shoot (about, "about", 360, 540);
  gtk_window_destroy (about);
  g_object_unref (about);
  gtk_window_destroy (GTK_WINDOW (parent));
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  int ret;

  rd_test_env_init ();
  dir = rd_test_isolate_home ();
  g_test_init (&argc, &argv, NULL);
  rd_test_gui_init ();
  lang = g_getenv ("LANGUAGE") && *g_getenv ("LANGUAGE") ? g_getenv ("LANGUAGE") : "en";
  g_setenv ("SECRET_BACKEND", "file", TRUE);

  g_test_add_func ("/app/screenshots/language", test_language);
  g_test_add_func ("/app/screenshots/main-window", test_main_window);
  g_test_add_func ("/app/screenshots/recent-calls", test_recent_window);
  g_test_add_func ("/app/screenshots/preferences", test_preferences);
  g_test_add_func ("/app/screenshots/dialogs", test_dialogs);
  ret = g_test_run ();
  rd_test_remove_tree (dir);
  return ret;
}
