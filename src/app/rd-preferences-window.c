/* rd-preferences-window.c — see rd-preferences-window.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "rd-autostart.h"
#include "rd-keyring.h"
#include "rd-preferences-window.h"
#include "rd-uri.h"

struct _RdPreferencesWindow {
  AdwPreferencesWindow parent_instance;

  GtkWidget    *demo_group, *mode_group, *remote_group, *pbx_group, *crm_group, *signin_group;
  AdwComboRow  *mode_row, *method_row, *pop_when_row, *confirm_row;
  GtkWidget    *hub_url_row, *hub_cert_row;
  GtkWidget    *pbx_url_row, *pbx_client_id_row, *pbx_secret_row;
  GtkWidget    *crm_url_row, *crm_db_row, *crm_admin_login_row, *crm_admin_key_row;
  GtkWidget    *bind_auto_row;
  GtkSwitch    *bind_auto_switch;
  GtkWidget    *crm_login_row, *crm_key_row, *extension_row, *agent_key_row;
  GtkSwitch    *crm_only_switch, *open_browser_switch, *paused_switch, *autostart_switch, *tray_switch;
  GtkWidget    *autostart_row;
  GtkLabel     *error_label;
  GtkWidget    *save_button;

  GSettings    *settings;
  GCancellable *cancellable;
  GtkWidget    *error_row;       /* the row marked as wrong, if any */
  guint         pending_stores;
  gboolean      store_failed;
  gboolean      demo;
};

G_DEFINE_FINAL_TYPE (RdPreferencesWindow, rd_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- enum <-> combo row ---------------------------------------------------------------- */

static gboolean
enum_to_selected (GValue *value, GVariant *variant, gpointer user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i]; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
selected_to_enum (const GValue *value, const GVariantType *type, gpointer user_data)
{
  const char * const *nicks = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[i]);
}

static const char * const pop_when_nicks[] = { "ring", "answer", "never", NULL };
static const char * const confirm_nicks[] = { "never", "unknown", "always", NULL };

/* ---- errors and what is shown ------------------------------------------------------------ */

static gboolean
is_local (RdPreferencesWindow *self)
{
  return adw_combo_row_get_selected (self->mode_row) == 1;
}

static gboolean
uses_agent_key (RdPreferencesWindow *self)
{
  return adw_combo_row_get_selected (self->method_row) == 1;
}

static void
clear_error (RdPreferencesWindow *self)
{
  gtk_label_set_text (self->error_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  if (self->error_row)
    gtk_widget_remove_css_class (self->error_row, "error");
  self->error_row = NULL;
}

/* @row: the row to mark and focus, or NULL. */
static void
show_error (RdPreferencesWindow *self, GtkWidget *row, const char *message)
{
  clear_error (self);
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  if (row)
    {
      self->error_row = row;
      gtk_widget_add_css_class (row, "error");
      gtk_widget_grab_focus (row);
    }
}

static void
update_visibility (RdPreferencesWindow *self)
{
  gboolean local = is_local (self);
  gboolean agent = uses_agent_key (self);

  gtk_widget_set_visible (self->remote_group, !local);
  gtk_widget_set_visible (self->pbx_group, local);
  gtk_widget_set_visible (self->crm_group, local);
  gtk_widget_set_visible (self->crm_login_row, !agent);
  gtk_widget_set_visible (self->crm_key_row, !agent);
  gtk_widget_set_visible (self->extension_row, agent);
  gtk_widget_set_visible (self->agent_key_row, agent);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->signin_group),
                                         agent
                                         ? _("Your administrator creates the agent key for your extension. It is kept in the keyring; leave it empty to keep the saved one.")
                                         : _("Create the key in Odoo: your avatar → My Preferences → Account Security → New API Key. It is kept in the keyring; leave it empty to keep the saved one."));
}

/* Any change of the form makes an earlier complaint stale. */
static void
on_form_changed (RdPreferencesWindow *self)
{
  clear_error (self);
  update_visibility (self);
}

static char *
row_text (GtkWidget *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* ---- saving ------------------------------------------------------------------------------ */

static void
finish_save (RdPreferencesWindow *self)
{
  GtkWidget *secrets[] = { self->pbx_secret_row, self->crm_admin_key_row, self->crm_key_row, self->agent_key_row };

  gtk_widget_set_sensitive (self->save_button, TRUE);
  if (self->store_failed)
    return;
  g_settings_set_boolean (self->settings, "configured", TRUE);
  /* Cleared so that secrets do not linger in widgets. */
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    gtk_editable_set_text (GTK_EDITABLE (secrets[i]), "");
  clear_error (self);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (_("Saved. Connecting…")));
  gtk_widget_activate_action (GTK_WIDGET (self), "app.reconnect", NULL);
}

static void
on_stored (GObject *source, GAsyncResult *res, gpointer user_data)
{
  RdPreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_keyring_store_finish (res, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not store a key in the keyring: %s", error->message);
      g_autofree char *msg = g_strdup_printf (_("The key could not be saved in the keyring: %s. "
                                                "Make sure a keyring service (such as GNOME Keyring) is running and unlocked."),
                                              error->message);
      self->store_failed = TRUE;
      show_error (self, NULL, msg);
    }
  if (--self->pending_stores == 0)
    finish_save (self);
}

static void
store_if_set (RdPreferencesWindow *self, RdKeyringKind kind, const char *account, GtkWidget *row)
{
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (row));

  if (secret == NULL || *secret == '\0' || self->demo)
    return;
  self->pending_stores++;
  rd_keyring_store_async (kind, account, secret, self->cancellable, on_stored, self);
}

static gboolean
check_web_url (RdPreferencesWindow *self, GtkWidget *row, const char *message)
{
  g_autofree char *url = row_text (row);

  if (rd_uri_is_web_url (url))
    return TRUE;
  show_error (self, row, message);
  return FALSE;
}

static gboolean
require (RdPreferencesWindow *self, GtkWidget *row, const char *message)
{
  g_autofree char *text = row_text (row);

  if (*text != '\0')
    return TRUE;
  show_error (self, row, message);
  return FALSE;
}

static void
on_save_clicked (RdPreferencesWindow *self)
{
  gboolean local = is_local (self);
  gboolean agent = uses_agent_key (self);
  g_autofree char *hub_url = NULL;
  g_autofree char *crm_login = row_text (self->crm_login_row);
  g_autofree char *extension = row_text (self->extension_row);
  g_autofree char *client_id = row_text (self->pbx_client_id_row);
  g_autofree char *admin_login = row_text (self->crm_admin_login_row);

  clear_error (self);
  if (!local)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *typed = row_text (self->hub_url_row);

      hub_url = rd_uri_normalize_hub_url (typed, &error);
      if (hub_url == NULL)
        {
          show_error (self, self->hub_url_row, error->message);
          return;
        }
    }
  else if (!check_web_url (self, self->pbx_url_row, _("The PBX address must start with https:// (or http://) and name a server.")) ||
           !require (self, self->pbx_client_id_row, _("Enter the API client ID of the phone system.")) ||
           !check_web_url (self, self->crm_url_row, _("The Odoo address must start with https:// (or http://) and name a server.")) ||
           !require (self, self->crm_db_row, _("Enter the Odoo database name.")) ||
           !require (self, self->crm_admin_login_row, _("Enter the Odoo administrator login.")))
    return;
  if (agent ? !require (self, self->extension_row, _("Enter your extension."))
            : !require (self, self->crm_login_row, _("Enter your Odoo login.")))
    return;
  if (agent && strspn (extension, "0123456789") != strlen (extension))
    {
      show_error (self, self->extension_row, _("An extension is made of digits only."));
      return;
    }

  g_settings_delay (self->settings);
  g_settings_set_enum (self->settings, "hub-mode", local ? 1 : 0);
  if (hub_url)
    {
      g_autofree char *cert = row_text (self->hub_cert_row);
      g_settings_set_string (self->settings, "hub-url", hub_url);
      g_settings_set_string (self->settings, "hub-certificate", cert);
      gtk_editable_set_text (GTK_EDITABLE (self->hub_url_row), hub_url);
    }
  else
    {
      g_autofree char *pbx_url = row_text (self->pbx_url_row);
      g_autofree char *crm_url = row_text (self->crm_url_row);
      g_autofree char *crm_db = row_text (self->crm_db_row);
      g_settings_set_string (self->settings, "local-pbx-url", pbx_url);
      g_settings_set_string (self->settings, "local-pbx-client-id", client_id);
      g_settings_set_string (self->settings, "local-crm-url", crm_url);
      g_settings_set_string (self->settings, "local-crm-database", crm_db);
      g_settings_set_string (self->settings, "local-crm-login", admin_login);
      g_settings_set_boolean (self->settings, "local-bind-auto", gtk_switch_get_active (self->bind_auto_switch));
    }
  g_settings_set_enum (self->settings, "sign-in-method", agent ? 1 : 0);
  g_settings_set_string (self->settings, "crm-login", crm_login);
  g_settings_set_string (self->settings, "extension", extension);
  g_settings_apply (self->settings);

  self->store_failed = FALSE;
  self->pending_stores = 1;   /* held until every store has started */
  gtk_widget_set_sensitive (self->save_button, FALSE);
  if (local)
    {
      store_if_set (self, RD_KEYRING_PBX_SECRET, client_id, self->pbx_secret_row);
      store_if_set (self, RD_KEYRING_CRM_ADMIN_KEY, admin_login, self->crm_admin_key_row);
    }
  if (agent)
    store_if_set (self, RD_KEYRING_AGENT_KEY, extension, self->agent_key_row);
  else
    store_if_set (self, RD_KEYRING_CRM_KEY, crm_login, self->crm_key_row);
  if (--self->pending_stores == 0)
    finish_save (self);
}

/* ---- start at login -------------------------------------------------------------------- */

static void on_autostart_toggled (RdPreferencesWindow *self);

static void
set_autostart_switch (RdPreferencesWindow *self, gboolean active)
{
  g_signal_handlers_block_by_func (self->autostart_switch, on_autostart_toggled, self);
  gtk_switch_set_active (self->autostart_switch, active);
  g_signal_handlers_unblock_by_func (self->autostart_switch, on_autostart_toggled, self);
}

static void
on_autostart_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean want;

  if (!rd_autostart_set_enabled_finish (res, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && g_cancellable_is_cancelled (self->cancellable))
        return;
      want = gtk_switch_get_active (self->autostart_switch);
      set_autostart_switch (self, !want);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
    }
  else
    g_settings_set_boolean (self->settings, "start-at-login", gtk_switch_get_active (self->autostart_switch));
  gtk_widget_set_sensitive (GTK_WIDGET (self->autostart_switch), TRUE);
}

static void
on_autostart_toggled (RdPreferencesWindow *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->autostart_switch), FALSE);
  rd_autostart_set_enabled_async (gtk_switch_get_active (self->autostart_switch), self->cancellable,
                                  on_autostart_done, g_object_ref (self));
}

/* ---- loading ------------------------------------------------------------------------------ */

static void
load (RdPreferencesWindow *self)
{
  struct { GtkWidget *row; const char *key; } strings[] = {
    { self->hub_url_row, "hub-url" }, { self->hub_cert_row, "hub-certificate" },
    { self->pbx_url_row, "local-pbx-url" }, { self->pbx_client_id_row, "local-pbx-client-id" },
    { self->crm_url_row, "local-crm-url" }, { self->crm_db_row, "local-crm-database" },
    { self->crm_admin_login_row, "local-crm-login" },
    { self->crm_login_row, "crm-login" }, { self->extension_row, "extension" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autofree char *v = g_settings_get_string (self->settings, strings[i].key);
      gtk_editable_set_text (GTK_EDITABLE (strings[i].row), v);
    }
  adw_combo_row_set_selected (self->mode_row, g_settings_get_enum (self->settings, "hub-mode"));
  gtk_switch_set_active (self->bind_auto_switch, g_settings_get_boolean (self->settings, "local-bind-auto"));
  adw_combo_row_set_selected (self->method_row, g_settings_get_enum (self->settings, "sign-in-method"));
  set_autostart_switch (self, rd_autostart_is_sandboxed ()
                              ? g_settings_get_boolean (self->settings, "start-at-login")
                              : rd_autostart_is_enabled ());
  if (!rd_autostart_is_sandboxed ())
    {
      g_autofree char *command = rd_autostart_get_command (NULL);
      if (command == NULL && !gtk_switch_get_active (self->autostart_switch))
        {
          /* Run from a build folder: there is nothing that could start at login. */
          gtk_widget_set_sensitive (GTK_WIDGET (self->autostart_switch), FALSE);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (self->autostart_row),
                                       _("Available once Ringdesk is installed."));
        }
    }

  g_settings_bind_with_mapping (self->settings, "pop-when", self->pop_when_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) pop_when_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "confirm-dial", self->confirm_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) confirm_nicks, NULL);
  g_settings_bind (self->settings, "pop-crm-only", self->crm_only_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "pop-open-browser", self->open_browser_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "pops-paused", self->paused_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "show-tray-icon", self->tray_switch, "active", G_SETTINGS_BIND_DEFAULT);
  update_visibility (self);
}

void
rd_preferences_window_show_page (RdPreferencesWindow *self, const char *page)
{
  g_return_if_fail (RD_IS_PREFERENCES_WINDOW (self));

  if (g_strcmp0 (page, "signin") == 0)
    {
      adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), "connection");
      gtk_widget_grab_focus (uses_agent_key (self) ? self->extension_row : self->crm_login_row);
    }
  else if (g_strcmp0 (page, "connection") == 0 || g_strcmp0 (page, "popups") == 0 ||
           g_strcmp0 (page, "general") == 0)
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), page);
}

const char *
rd_preferences_window_get_error (RdPreferencesWindow *self)
{
  g_return_val_if_fail (RD_IS_PREFERENCES_WINDOW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label)) ? gtk_label_get_text (self->error_label) : NULL;
}

static void
rd_preferences_window_dispose (GObject *object)
{
  RdPreferencesWindow *self = RD_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (rd_preferences_window_parent_class)->dispose (object);
}

static void
rd_preferences_window_class_init (RdPreferencesWindowClass *klass)
{
  GtkWidgetClass *w = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = rd_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (w, "/io/github/ringdesk/Ringdesk/ui/rd-preferences-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (w, RdPreferencesWindow, name)
  BIND (demo_group); BIND (mode_group); BIND (remote_group); BIND (pbx_group); BIND (crm_group);
  BIND (signin_group); BIND (mode_row); BIND (method_row); BIND (pop_when_row); BIND (confirm_row);
  BIND (hub_url_row); BIND (hub_cert_row); BIND (pbx_url_row); BIND (pbx_client_id_row);
  BIND (pbx_secret_row); BIND (crm_url_row); BIND (crm_db_row); BIND (crm_admin_login_row);
  BIND (crm_admin_key_row); BIND (bind_auto_row); BIND (bind_auto_switch); BIND (crm_login_row);
  BIND (crm_key_row); BIND (extension_row); BIND (agent_key_row); BIND (crm_only_switch);
  BIND (open_browser_switch); BIND (paused_switch); BIND (autostart_switch); BIND (tray_switch);
  BIND (autostart_row); BIND (error_label); BIND (save_button);
#undef BIND
  gtk_widget_class_bind_template_callback (w, on_save_clicked);
}

static void
rd_preferences_window_init (RdPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  GtkWidget *form[] = {
    self->hub_url_row, self->hub_cert_row, self->pbx_url_row, self->pbx_client_id_row,
    self->pbx_secret_row, self->crm_url_row, self->crm_db_row, self->crm_admin_login_row,
    self->crm_admin_key_row, self->crm_login_row, self->crm_key_row, self->extension_row,
    self->agent_key_row,
  };
  for (guint i = 0; i < G_N_ELEMENTS (form); i++)
    g_signal_connect_swapped (form[i], "changed", G_CALLBACK (clear_error), self);
  g_signal_connect_swapped (self->mode_row, "notify::selected", G_CALLBACK (on_form_changed), self);
  g_signal_connect_swapped (self->method_row, "notify::selected", G_CALLBACK (on_form_changed), self);
}

RdPreferencesWindow *
rd_preferences_window_new (GtkApplication *app, GSettings *settings, gboolean demo)
{
  RdPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (RD_TYPE_PREFERENCES_WINDOW, "application", app, NULL);
  self->settings = g_object_ref (settings);
  self->demo = demo;
  load (self);
  gtk_widget_set_visible (self->demo_group, demo);
  if (demo)
    {
      /* The demo owns its connection; only the pop-up settings are there to try. */
      GtkWidget *managed[] = { self->mode_group, self->remote_group, self->pbx_group, self->crm_group,
                               self->signin_group, self->save_button };
      for (guint i = 0; i < G_N_ELEMENTS (managed); i++)
        gtk_widget_set_sensitive (managed[i], FALSE);
      rd_preferences_window_show_page (self, "popups");
    }
  g_signal_connect_swapped (self->autostart_switch, "notify::active", G_CALLBACK (on_autostart_toggled), self);
  return self;
}
