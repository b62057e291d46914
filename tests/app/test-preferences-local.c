/* Preferences → "This computer" made from the backends' option tables: a fake PBX backend
 * registered here (STRING, SECRET, UINT, CHOICE options) gets its rows and a Type row to choose
 * it; saving checks the rows with its table, stores the options by kind and name and the secret
 * in the keyring (SECRET_BACKEND=file), never in GSettings; the settings of an older version are
 * moved once. The hub's module is linked into this program (rd_embedded_set_linked), so that
 * the backend registered here is the one the window lists. */
#include "config.h"

#include <string.h>

#include "pbx/rd-pbx.h"
#include "rd-embedded.h"
#include "rd-keyring.h"
#include "rd-local-settings.h"
#include "rd-preferences-window.h"
#include "rd-test-gui.h"

const RdEmbedded *rd_embedded_get (guint version);   /* rd-embedded-module.c, linked in */

static const char * const fake_modes[] = { "fast", "safe", NULL };

static const RdOptionSpec fake_options[] = {
  { "account", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "account name", NULL, "Account",
    "The account on the fake PBX.", NULL },
  { "password", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET, "password", NULL, "Password", NULL, NULL },
  { "port", RD_OPTION_UINT, 0, "port", NULL, "Port", NULL, "5038" },
  { "mode", RD_OPTION_CHOICE, 0, "mode", fake_modes, "Mode", NULL, NULL },
  { NULL },
};

static RdPbx *
fake_new (const RdPbxConfig *config, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "a fake");
  return NULL;
}

static const RdPbxBackend fake_backend = {
  .kind = "fakepbx",
  .name = "Fake PBX",
  .options = fake_options,
  .new_func = fake_new,
};

#define PREF(name) rd_test_child (win, RD_TYPE_PREFERENCES_WINDOW, name)

typedef gboolean (*Match) (GtkWidget *w, gconstpointer data);

/* The first widget under @root (itself included, depth first) that @match takes. */
static GtkWidget *
find_widget (GtkWidget *root, Match match, gconstpointer data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, match, data);
      if (found)
        return found;
    }
  return NULL;
}

static gboolean
has_name (GtkWidget *w, gconstpointer name)
{
  return g_strcmp0 (gtk_widget_get_name (w), name) == 0;
}

static gboolean
has_type (GtkWidget *w, gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (w, GPOINTER_TO_SIZE (type));
}

static gboolean
says (GtkWidget *w, gconstpointer text)
{
  return GTK_IS_LABEL (w) && g_str_equal (gtk_label_get_text (GTK_LABEL (w)), text);
}

static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  return find_widget (root, has_name, name);
}

static GtkWidget *
option_row (RdPreferencesWindow *win, const char *name)
{
  GtkWidget *row = find_named (PREF ("pbx_group"), name);

  if (row == NULL)
    g_error ("no row %s (PBX: %s)", name,
             adw_combo_row_get_selected_item (ADW_COMBO_ROW (PREF ("pbx_kind_row")))
             ? gtk_string_object_get_string (adw_combo_row_get_selected_item (ADW_COMBO_ROW (PREF ("pbx_kind_row"))))
             : "none");
  return row;
}

/* The "Saved" label of a secret row is shown. */
static gboolean
saved_shown (GtkWidget *row)
{
  GtkWidget *label = find_widget (row, says, _("Saved"));

  return label != NULL && gtk_widget_is_visible (label);
}

static void
on_lookup (GObject *source, GAsyncResult *res, gpointer data)
{
  char *secret = rd_keyring_lookup_finish (res, NULL);

  *(char **) data = g_strdup (secret ? secret : "");
  rd_keyring_free (secret);
}

static char *
lookup_item (const char *kind, const char *account)
{
  char *secret = NULL;

  rd_keyring_lookup_item_async (kind, account, NULL, on_lookup, &secret);
  while (secret == NULL)
    g_main_context_iteration (NULL, TRUE);
  return secret;
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (res);
}

static void
select_kind (RdPreferencesWindow *win, const char *name)
{
  AdwComboRow *row = ADW_COMBO_ROW (PREF ("pbx_kind_row"));
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name))
      {
        adw_combo_row_set_selected (row, i);
        return;
      }
  g_error ("no backend %s to choose", name);
}

static void
save_and_wait (GSettings *settings, RdPreferencesWindow *win)
{
  g_settings_set_boolean (settings, "configured", FALSE);
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  while (!g_settings_get_boolean (settings, "configured") && rd_preferences_window_get_error (win) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (rd_preferences_window_get_error (win));
}

static void
fill_generic (RdPreferencesWindow *win)
{
  adw_combo_row_set_selected (ADW_COMBO_ROW (PREF ("mode_row")), 1);
  gtk_editable_set_text (GTK_EDITABLE (PREF ("pbx_url_row")), "https://pbx.example.com");
  gtk_editable_set_text (GTK_EDITABLE (PREF ("crm_url_row")), "https://odoo.example.com");
  gtk_editable_set_text (GTK_EDITABLE (find_named (PREF ("crm_group"), "database")), "prod");
  gtk_editable_set_text (GTK_EDITABLE (PREF ("crm_admin_login_row")), "admin");
  gtk_editable_set_text (GTK_EDITABLE (PREF ("crm_login_row")), "alice@example.com");
}

static void
test_fake_backend (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  RdPreferencesWindow *win = rd_preferences_window_new (NULL, settings, FALSE);
  g_autoptr(GVariant) stored = NULL;
  g_autofree char *kind = NULL, *secret = NULL, *dump = NULL;
  GtkWidget *port;

  rd_test_show_at (win, 600, 900);
  /* A company hub: the hub's backends are not asked for. */
  g_assert_false (gtk_widget_get_visible (PREF ("pbx_kind_row")));
  fill_generic (win);

  /* Two PBX backends (the built-in one and the fake): a Type row; one CRM backend: none. */
  g_assert_true (gtk_widget_get_visible (PREF ("pbx_kind_row")));
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (PREF ("pbx_kind_row")))), ==, 2);
  g_assert_false (gtk_widget_get_visible (PREF ("crm_kind_row")));
  select_kind (win, "Fake PBX");

  /* One row per option, of the option's type, titled from its table. */
  g_assert_true (ADW_IS_ENTRY_ROW (option_row (win, "account")) && !ADW_IS_PASSWORD_ENTRY_ROW (option_row (win, "account")));
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (option_row (win, "password")));
  g_assert_true (ADW_IS_ENTRY_ROW (option_row (win, "port")));
  g_assert_true (ADW_IS_COMBO_ROW (option_row (win, "mode")));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (option_row (win, "account"))), ==, "Account");
  g_assert_null (find_named (PREF ("pbx_group"), "client-id"));   /* the other backend's rows went */

  /* Checked with the table: the required account is missing. */
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  g_assert_cmpstr (rd_preferences_window_get_error (win), ==, "Enter “Account”.");
  g_assert_true (gtk_widget_has_css_class (option_row (win, "account"), "error"));
  gtk_editable_set_text (GTK_EDITABLE (option_row (win, "account")), "acc-1");
  g_assert_null (rd_preferences_window_get_error (win));
  /* The secret is required too, and none is saved yet. */
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  g_assert_cmpstr (rd_preferences_window_get_error (win), ==, "Enter “Password”.");
  g_assert_true (gtk_widget_has_css_class (option_row (win, "password"), "error"));

  /* The port takes digits only. */
  port = option_row (win, "port");
  gtk_editable_set_text (GTK_EDITABLE (port), "80a");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (port)), ==, "");
  gtk_editable_set_text (GTK_EDITABLE (port), "8080");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (port)), ==, "8080");
  adw_combo_row_set_selected (ADW_COMBO_ROW (option_row (win, "mode")), 1);
  gtk_editable_set_text (GTK_EDITABLE (option_row (win, "password")), "pw-123");
  g_assert_false (saved_shown (option_row (win, "password")));

  /* Saved: the kind and the options by name; the secret in the keyring only. */
  save_and_wait (settings, win);
  kind = g_settings_get_string (settings, "local-pbx-kind");
  g_assert_cmpstr (kind, ==, "fakepbx");
  stored = g_settings_get_value (settings, "local-pbx-options");
  dump = g_variant_print (stored, FALSE);
  g_assert_cmpstr (dump, ==, "{'account': 'acc-1', 'mode': 'safe', 'port': '8080'}");
  secret = lookup_item ("pbx:fakepbx:password", "acc-1");
  g_assert_cmpstr (secret, ==, "pw-123");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (option_row (win, "password"))), ==, "");
  while (!saved_shown (option_row (win, "password")))
    g_main_context_iteration (NULL, TRUE);
  {
    g_autofree char *path = g_build_filename (RD_TEST_SCREENSHOTS_DIR, "preferences-this-computer-en.png", NULL);
    rd_test_screenshot (win, path);
  }
  gtk_window_destroy (GTK_WINDOW (win));

  /* Opened again: the fake backend with its values; the secret not shown, but said to be saved. */
  win = rd_preferences_window_new (NULL, settings, FALSE);
  rd_test_show_at (win, 600, 900);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (option_row (win, "account"))), ==, "acc-1");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (option_row (win, "port"))), ==, "8080");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (option_row (win, "mode"))), ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (option_row (win, "password"))), ==, "");
  while (!saved_shown (option_row (win, "password")))
    g_main_context_iteration (NULL, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (PREF ("crm_login_row")), "alice@example.com");
  /* An empty secret keeps the saved one … */
  save_and_wait (settings, win);
  /* … for that account only: another account needs its own. */
  gtk_editable_set_text (GTK_EDITABLE (option_row (win, "account")), "acc-2");
  g_assert_false (saved_shown (option_row (win, "password")));
  g_signal_emit_by_name (PREF ("save_button"), "clicked");
  g_assert_cmpstr (rd_preferences_window_get_error (win), ==, "Enter “Password”.");
  gtk_window_destroy (GTK_WINDOW (win));
  g_settings_reset (settings, "local-pbx-kind");
  g_settings_reset (settings, "local-pbx-options");
  g_settings_reset (settings, "local-crm-kind");
  g_settings_reset (settings, "local-crm-options");
}

/* The page in German, for a look (the translations of the built-in backends' titles). */
static void
test_german (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *path = g_build_filename (RD_TEST_SCREENSHOTS_DIR, "preferences-this-computer-de.png", NULL);
  RdPreferencesWindow *win;

  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_MESSAGES, "");
  win = rd_preferences_window_new (NULL, settings, FALSE);
  rd_test_show_at (win, 600, 900);
  adw_combo_row_set_selected (ADW_COMBO_ROW (PREF ("mode_row")), 1);
  /* The built-in PBX backend is the default: its rows, titled in German. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (option_row (win, "client-id"))), !=,
                   "Client ID");
  rd_test_screenshot (win, path);
  /* The example value goes with the hint, behind the row's info button. */
  {
    GtkWidget *button = find_widget (option_row (win, "time-zone"), has_type, GSIZE_TO_POINTER (GTK_TYPE_MENU_BUTTON));
    const char *tip = gtk_widget_get_tooltip_text (button);

    g_assert_nonnull (strstr (tip, "Asia/Shanghai"));
    g_assert_nonnull (strstr (tip, "Zum Beispiel"));
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_popover_get_child (
                       gtk_menu_button_get_popover (GTK_MENU_BUTTON (button))))), ==, tip);
  }
  gtk_window_destroy (GTK_WINDOW (win));
  g_unsetenv ("LANGUAGE");
  setlocale (LC_MESSAGES, "");
}

static void
test_migration (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const RdEmbedded *embedded = rd_embedded_load (NULL);
  const RdPbxBackend *pbx = rd_pbx_find_backend (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) pbx_options = NULL, crm_options = NULL;
  g_autofree char *pbx_dump = NULL, *crm_dump = NULL, *pbx_kind = NULL, *item = NULL;
  g_autofree char *moved = NULL, *legacy = NULL;
  GAsyncResult *res = NULL;

  /* As an older version left them. */
  g_settings_set_string (settings, "local-pbx-client-id", "old-client");
  g_settings_set_string (settings, "local-crm-database", "old-db");
  rd_keyring_store_item_async ("pbx-secret", "old-client", "an older version's secret", "old-secret", NULL,
                               on_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (rd_keyring_store_finish (res, &error));
  g_clear_object (&res);
  g_assert_true (rd_local_settings_needs_migration (settings));

  rd_local_settings_migrate_async (settings, embedded, NULL, on_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (rd_local_settings_migrate_finish (res, &error));
  g_assert_no_error (error);
  g_clear_object (&res);

  /* Into the default backends' identity options … */
  pbx_kind = g_settings_get_string (settings, "local-pbx-kind");
  g_assert_cmpstr (pbx_kind, ==, pbx->kind);
  pbx_options = g_settings_get_value (settings, "local-pbx-options");
  crm_options = g_settings_get_value (settings, "local-crm-options");
  pbx_dump = g_variant_print (pbx_options, FALSE);
  crm_dump = g_variant_print (crm_options, FALSE);
  g_assert_cmpstr (pbx_dump, ==, "{'client-id': 'old-client'}");
  g_assert_cmpstr (crm_dump, ==, "{'database': 'old-db'}");
  /* … the secret into its option's item, the old ones gone: done once. */
  for (const RdOptionSpec *spec = pbx->options; spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_SECRET)
      item = rd_local_settings_secret_kind (RD_EMBEDDED_PBX, pbx->kind, spec->name);
  moved = lookup_item (item, "old-client");
  g_assert_cmpstr (moved, ==, "old-secret");
  legacy = lookup_item ("pbx-secret", "old-client");
  g_assert_cmpstr (legacy, ==, "");
  g_assert_false (rd_local_settings_needs_migration (settings));

  /* Options saved since are not overwritten by what an older version left behind. */
  g_settings_set_string (settings, "local-pbx-client-id", "stale");
  rd_local_settings_migrate_async (settings, embedded, NULL, on_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (rd_local_settings_migrate_finish (res, &error));
  g_clear_object (&res);
  g_clear_pointer (&pbx_options, g_variant_unref);
  g_clear_pointer (&pbx_dump, g_free);
  pbx_options = g_settings_get_value (settings, "local-pbx-options");
  pbx_dump = g_variant_print (pbx_options, FALSE);
  g_assert_cmpstr (pbx_dump, ==, "{'client-id': 'old-client'}");
  g_assert_false (rd_local_settings_needs_migration (settings));

  g_settings_reset (settings, "local-pbx-kind");
  g_settings_reset (settings, "local-pbx-options");
  g_settings_reset (settings, "local-crm-kind");
  g_settings_reset (settings, "local-crm-options");
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *keyring = NULL;
  int ret;

  rd_test_env_init ();
  dir = rd_test_isolate_home ();
  g_test_init (&argc, &argv, NULL);
  rd_test_gui_init ();
  keyring = g_build_filename (dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-password", TRUE);
  rd_pbx_register_backend (&fake_backend);
  rd_embedded_set_linked (rd_embedded_get (RD_EMBEDDED_VERSION));

  g_test_add_func ("/app/preferences-local/fake-backend", test_fake_backend);
  g_test_add_func ("/app/preferences-local/german", test_german);
  g_test_add_func ("/app/preferences-local/migration", test_migration);
  ret = g_test_run ();
  rd_test_remove_tree (dir);
  return ret;
}
