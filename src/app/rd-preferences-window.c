/* rd-preferences-window.c — see rd-preferences-window.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-autostart.h"
#include "rd-keyring.h"
#include "rd-preferences-window.h"
#include "rd-uri.h"

struct _RdPreferencesWindow {
  GtkWindow     parent_instance;

  GtkLabel     *demo_banner;
  GtkStack     *stack;
  GtkCheckButton *remote_radio, *local_radio;
  GtkWidget    *remote_grid, *local_grid, *crm_key_grid, *agent_key_grid;
  GtkEditable  *hub_url_entry, *hub_cert_entry;
  GtkEditable  *pbx_url_entry, *pbx_client_id_entry, *pbx_secret_entry;
  GtkEditable  *crm_url_entry, *crm_db_entry, *crm_admin_login_entry, *crm_admin_key_entry;
  GtkSwitch    *bind_auto_switch;
  GtkDropDown  *method_dropdown;
  GtkEditable  *crm_login_entry, *crm_key_entry, *extension_entry, *agent_key_entry;
  GtkDropDown  *pop_when_dropdown, *confirm_dropdown;
  GtkSwitch    *crm_only_switch, *open_browser_switch, *paused_switch, *autostart_switch, *tray_switch;
  GtkLabel     *autostart_error;
  GtkLabel     *connection_error, *signin_error;
  GtkWidget    *connection_save, *signin_save;

  GSettings    *settings;
  GCancellable *cancellable;
  guint         pending_stores;
  gboolean      store_failed;
  gboolean      demo;
};

G_DEFINE_FINAL_TYPE (RdPreferencesWindow, rd_preferences_window, GTK_TYPE_WINDOW)

/* ---- enum <-> dropdown ------------------------------------------------------ */

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

/* ---- visibility --------------------------------------------------------------- */

static void
update_visibility (RdPreferencesWindow *self)
{
  gboolean local = gtk_check_button_get_active (self->local_radio);
  gboolean agent = gtk_drop_down_get_selected (self->method_dropdown) == 1;

  gtk_widget_set_visible (self->remote_grid, !local);
  gtk_widget_set_visible (self->local_grid, local);
  gtk_widget_set_visible (self->crm_key_grid, !agent);
  gtk_widget_set_visible (self->agent_key_grid, agent);
}

static void
show_error (RdPreferencesWindow *self, const char *message)
{
  GtkLabel *labels[] = { self->connection_error, self->signin_error };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      gtk_label_set_text (labels[i], message ? message : "");
      gtk_widget_set_visible (GTK_WIDGET (labels[i]), message != NULL);
    }
}

static char *
entry_text (GtkEditable *e)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (e)));
}

/* ---- saving ------------------------------------------------------------------- */

static void
finish_save (RdPreferencesWindow *self)
{
  gtk_widget_set_sensitive (self->connection_save, TRUE);
  gtk_widget_set_sensitive (self->signin_save, TRUE);
  if (self->store_failed)
    return;
  g_settings_set_boolean (self->settings, "configured", TRUE);
  /* Cleared so that secrets do not linger in widgets. */
  gtk_editable_set_text (self->pbx_secret_entry, "");
  gtk_editable_set_text (self->crm_admin_key_entry, "");
  gtk_editable_set_text (self->crm_key_entry, "");
  gtk_editable_set_text (self->agent_key_entry, "");
  show_error (self, NULL);
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
      show_error (self, msg);
    }
  if (--self->pending_stores == 0)
    finish_save (self);
}

static void
store_if_set (RdPreferencesWindow *self, RdKeyringKind kind, const char *account, GtkEditable *entry)
{
  const char *secret = gtk_editable_get_text (entry);

  if (secret == NULL || *secret == '\0' || self->demo)
    return;
  self->pending_stores++;
  rd_keyring_store_async (kind, account, secret, self->cancellable, on_stored, self);
}

static gboolean
check_web_url (RdPreferencesWindow *self, GtkEditable *entry, const char *what)
{
  g_autofree char *url = entry_text (entry);

  if (rd_uri_is_web_url (url))
    return TRUE;
  g_autofree char *msg = g_strdup_printf (_("The %s address must start with https:// (or http://) and name a server."), what);
  show_error (self, msg);
  gtk_widget_grab_focus (GTK_WIDGET (entry));
  return FALSE;
}

static gboolean
require (RdPreferencesWindow *self, GtkEditable *entry, const char *message)
{
  g_autofree char *text = entry_text (entry);

  if (*text != '\0')
    return TRUE;
  show_error (self, message);
  gtk_stack_set_visible_child_name (self->stack,
                                    gtk_widget_is_ancestor (GTK_WIDGET (entry), GTK_WIDGET (self->crm_key_grid)) ||
                                    gtk_widget_is_ancestor (GTK_WIDGET (entry), GTK_WIDGET (self->agent_key_grid))
                                    ? "signin" : "connection");
  gtk_widget_grab_focus (GTK_WIDGET (entry));
  return FALSE;
}

static void
on_save_clicked (RdPreferencesWindow *self)
{
  gboolean local = gtk_check_button_get_active (self->local_radio);
  gboolean agent = gtk_drop_down_get_selected (self->method_dropdown) == 1;
  g_autofree char *hub_url = NULL;
  g_autofree char *crm_login = entry_text (self->crm_login_entry);
  g_autofree char *extension = entry_text (self->extension_entry);
  g_autofree char *client_id = entry_text (self->pbx_client_id_entry);
  g_autofree char *admin_login = entry_text (self->crm_admin_login_entry);

  if (!local)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *typed = entry_text (self->hub_url_entry);

      hub_url = rd_uri_normalize_hub_url (typed, &error);
      if (hub_url == NULL)
        {
          show_error (self, error->message);
          gtk_stack_set_visible_child_name (self->stack, "connection");
          gtk_widget_grab_focus (GTK_WIDGET (self->hub_url_entry));
          return;
        }
    }
  else
    {
      if (!check_web_url (self, self->pbx_url_entry, _("phone system")) ||
          !require (self, self->pbx_client_id_entry, _("Enter the API client ID of the phone system.")) ||
          !check_web_url (self, self->crm_url_entry, _("Odoo")) ||
          !require (self, self->crm_db_entry, _("Enter the Odoo database name.")) ||
          !require (self, self->crm_admin_login_entry, _("Enter the Odoo administrator login.")))
        return;
    }
  if (agent ? !require (self, self->extension_entry, _("Enter your extension."))
            : !require (self, self->crm_login_entry, _("Enter your Odoo login.")))
    return;
  if (agent && strspn (extension, "0123456789") != strlen (extension))
    {
      show_error (self, _("An extension is made of digits only."));
      return;
    }

  g_settings_delay (self->settings);
  g_settings_set_enum (self->settings, "hub-mode", local ? 1 : 0);
  if (hub_url)
    {
      g_autofree char *cert = entry_text (self->hub_cert_entry);
      g_settings_set_string (self->settings, "hub-url", hub_url);
      g_settings_set_string (self->settings, "hub-certificate", cert);
      gtk_editable_set_text (self->hub_url_entry, hub_url);
    }
  else
    {
      g_autofree char *pbx_url = entry_text (self->pbx_url_entry);
      g_autofree char *crm_url = entry_text (self->crm_url_entry);
      g_autofree char *crm_db = entry_text (self->crm_db_entry);
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
  gtk_widget_set_sensitive (self->connection_save, FALSE);
  gtk_widget_set_sensitive (self->signin_save, FALSE);
  if (local)
    {
      store_if_set (self, RD_KEYRING_PBX_SECRET, client_id, self->pbx_secret_entry);
      store_if_set (self, RD_KEYRING_CRM_ADMIN_KEY, admin_login, self->crm_admin_key_entry);
    }
  if (agent)
    store_if_set (self, RD_KEYRING_AGENT_KEY, extension, self->agent_key_entry);
  else
    store_if_set (self, RD_KEYRING_CRM_KEY, crm_login, self->crm_key_entry);
  if (--self->pending_stores == 0)
    finish_save (self);
}

/* ---- start at login ---------------------------------------------------------- */

static void
on_autostart_toggled (RdPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  gboolean want = gtk_switch_get_active (self->autostart_switch);

  if (want == rd_autostart_is_enabled ())
    return;
  if (!rd_autostart_set_enabled (want, exe, &error))
    {
      gtk_label_set_text (self->autostart_error, error->message);
      g_signal_handlers_block_by_func (self->autostart_switch, on_autostart_toggled, self);
      gtk_switch_set_active (self->autostart_switch, !want);
      g_signal_handlers_unblock_by_func (self->autostart_switch, on_autostart_toggled, self);
      return;
    }
  gtk_label_set_text (self->autostart_error, "");
  g_settings_set_boolean (self->settings, "start-at-login", want);
}

/* ---- loading ------------------------------------------------------------------ */

static void
load (RdPreferencesWindow *self)
{
  struct { GtkEditable *entry; const char *key; } strings[] = {
    { self->hub_url_entry, "hub-url" }, { self->hub_cert_entry, "hub-certificate" },
    { self->pbx_url_entry, "local-pbx-url" }, { self->pbx_client_id_entry, "local-pbx-client-id" },
    { self->crm_url_entry, "local-crm-url" }, { self->crm_db_entry, "local-crm-database" },
    { self->crm_admin_login_entry, "local-crm-login" },
    { self->crm_login_entry, "crm-login" }, { self->extension_entry, "extension" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autofree char *v = g_settings_get_string (self->settings, strings[i].key);
      gtk_editable_set_text (strings[i].entry, v);
    }
  gtk_check_button_set_active (g_settings_get_enum (self->settings, "hub-mode") == 1
                               ? self->local_radio : self->remote_radio, TRUE);
  gtk_switch_set_active (self->bind_auto_switch, g_settings_get_boolean (self->settings, "local-bind-auto"));
  gtk_drop_down_set_selected (self->method_dropdown, g_settings_get_enum (self->settings, "sign-in-method"));
  gtk_switch_set_active (self->autostart_switch, rd_autostart_is_enabled ());

  g_settings_bind_with_mapping (self->settings, "pop-when", self->pop_when_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) pop_when_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "confirm-dial", self->confirm_dropdown, "selected",
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

  if (page && gtk_stack_get_child_by_name (self->stack, page))
    gtk_stack_set_visible_child_name (self->stack, page);
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
  BIND (demo_banner); BIND (stack); BIND (remote_radio); BIND (local_radio);
  BIND (remote_grid); BIND (local_grid); BIND (crm_key_grid); BIND (agent_key_grid);
  BIND (hub_url_entry); BIND (hub_cert_entry); BIND (pbx_url_entry); BIND (pbx_client_id_entry);
  BIND (pbx_secret_entry); BIND (crm_url_entry); BIND (crm_db_entry); BIND (crm_admin_login_entry);
  BIND (crm_admin_key_entry); BIND (bind_auto_switch); BIND (method_dropdown); BIND (crm_login_entry);
  BIND (crm_key_entry); BIND (extension_entry); BIND (agent_key_entry); BIND (pop_when_dropdown);
  BIND (confirm_dropdown); BIND (crm_only_switch); BIND (open_browser_switch); BIND (paused_switch);
  BIND (autostart_switch); BIND (tray_switch); BIND (autostart_error); BIND (connection_error); BIND (signin_error);
  BIND (connection_save); BIND (signin_save);
#undef BIND
  gtk_widget_class_bind_template_callback (w, on_save_clicked);
  gtk_widget_class_add_binding_action (w, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
rd_preferences_window_init (RdPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->local_radio, "toggled", G_CALLBACK (update_visibility), self);
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (update_visibility), self);
}

RdPreferencesWindow *
rd_preferences_window_new (GtkApplication *app, GSettings *settings, gboolean demo)
{
  RdPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (RD_TYPE_PREFERENCES_WINDOW, "application", app, NULL);
  self->settings = g_object_ref (settings);
  self->demo = demo;
  gtk_widget_set_visible (GTK_WIDGET (self->demo_banner), demo);
  load (self);
  if (demo)
    {
      /* The demo owns its connection; only the pop-up settings are there to try. */
      GtkWidget *managed[] = {
        GTK_WIDGET (self->remote_radio), GTK_WIDGET (self->local_radio), self->remote_grid, self->local_grid,
        GTK_WIDGET (self->method_dropdown), self->crm_key_grid, self->agent_key_grid,
        self->connection_save, self->signin_save,
      };
      for (guint i = 0; i < G_N_ELEMENTS (managed); i++)
        gtk_widget_set_sensitive (managed[i], FALSE);
      rd_preferences_window_show_page (self, "popups");
    }
  g_signal_connect_swapped (self->autostart_switch, "notify::active", G_CALLBACK (on_autostart_toggled), self);
  return self;
}
