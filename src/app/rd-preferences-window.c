/* rd-preferences-window.c — see rd-preferences-window.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "rd-autostart.h"
#include "rd-embedded.h"
#include "rd-keyring.h"
#include "rd-local-settings.h"
#include "rd-preferences-window.h"
#include "rd-uri.h"

/* A row made from one of the backend's options. */
typedef struct {
  const RdOptionSpec *spec;
  GtkWidget          *row;
  GtkWidget          *saved_label;   /* SECRET: "Saved", while the keyring holds one for this account */
} Field;

/* The PBX or the CRM of "This computer": the kind, the address, the backend's own rows. */
typedef struct {
  RdEmbeddedPart           part;
  GtkWidget               *group;
  AdwComboRow             *kind_row;
  GPtrArray               *trailing;       /* generic rows shown after the backend's (GtkWidget, ref) */
  GPtrArray               *backends;       /* RdEmbeddedBackend; NULL until "This computer" is shown */
  const RdEmbeddedBackend *backend;        /* whose rows are shown */
  GPtrArray               *fields;         /* Field */
  const RdEmbeddedBackend *saved_backend;  /* as stored */
  RdOptions               *saved;
  char                    *saved_account;
  GHashTable              *saved_secrets;  /* names of the SECRET options the keyring holds for it */
} Part;

struct _RdPreferencesWindow {
  AdwPreferencesWindow parent_instance;

  GtkWidget    *demo_group, *mode_group, *remote_group, *pbx_group, *crm_group, *signin_group;
  AdwComboRow  *mode_row, *method_row, *pop_when_row, *confirm_row;
  GtkWidget    *hub_url_row, *hub_cert_row;
  AdwComboRow  *pbx_kind_row, *crm_kind_row;
  GtkWidget    *pbx_url_row;
  GtkWidget    *crm_url_row, *crm_admin_login_row, *crm_admin_key_row;
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
  Part          parts[2];        /* RD_EMBEDDED_PBX, RD_EMBEDDED_CRM */
  char         *load_error;      /* why the backends could not be listed */
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

static void ensure_backends (RdPreferencesWindow *self);

static void
update_visibility (RdPreferencesWindow *self)
{
  gboolean local = is_local (self);
  gboolean agent = uses_agent_key (self);

  if (local)
    ensure_backends (self);

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

/* ---- the backends' own settings ("This computer") ----------------------------------------- */

static void
field_free (Field *f)
{
  g_free (f);
}

static const char *
spec_title (const RdOptionSpec *spec)
{
  return _(spec->title ? spec->title : spec->label);
}

/* The row's value: its text (trimmed) or the name of the chosen choice. */
static char *
field_value (Field *f)
{
  if (f->spec->type == RD_OPTION_CHOICE)
    {
      guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (f->row));
      return g_strdup (i < g_strv_length ((char **) f->spec->choices) ? f->spec->choices[i] : "");
    }
  return row_text (f->row);
}

/* The values of the rows (empty ones unset; secrets included when typed). */
static RdOptions *
part_values (Part *part)
{
  RdOptions *options = rd_options_new ();

  for (guint i = 0; part->fields && i < part->fields->len; i++)
    {
      Field *f = part->fields->pdata[i];
      g_autofree char *value = field_value (f);

      if (*value != '\0')
        rd_options_set (options, f->spec->name, value);
    }
  return options;
}

/* The account the rows name now is the one whose secrets are saved. */
static gboolean
part_is_saved_account (Part *part)
{
  g_autoptr(RdOptions) values = NULL;
  g_autofree char *account = NULL;

  if (part->backend == NULL || part->backend != part->saved_backend)
    return FALSE;
  values = part_values (part);
  account = rd_local_settings_secret_account (part->backend->options, values);
  return g_strcmp0 (account, part->saved_account) == 0;
}

static void
part_update_saved (Part *part)
{
  gboolean same = part_is_saved_account (part);

  for (guint i = 0; part->fields && i < part->fields->len; i++)
    {
      Field *f = part->fields->pdata[i];

      if (f->saved_label)
        gtk_widget_set_visible (f->saved_label,
                                same && g_hash_table_contains (part->saved_secrets, f->spec->name) &&
                                *gtk_editable_get_text (GTK_EDITABLE (f->row)) == '\0');
    }
}

static void
on_option_changed (RdPreferencesWindow *self)
{
  clear_error (self);
  part_update_saved (&self->parts[RD_EMBEDDED_PBX]);
  part_update_saved (&self->parts[RD_EMBEDDED_CRM]);
}

/* A UINT row takes digits only. */
static void
on_digits_insert (GtkEditable *editable, const char *text, int length, int *position, gpointer user_data)
{
  gsize n = length < 0 ? strlen (text) : (gsize) length;

  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (text[i]))
      {
        g_signal_stop_emission_by_name (editable, "insert-text");
        gtk_widget_error_bell (GTK_WIDGET (editable));
        return;
      }
}

/* libadwaita 1.2 rows have no room for a description: the hint is behind an info button. */
static GtkWidget *
hint_button_new (const char *hint)
{
  GtkWidget *label = gtk_label_new (hint);
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *button = gtk_menu_button_new ();

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_popover_set_child (GTK_POPOVER (popover), label);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "dialog-information-symbolic");
  gtk_widget_set_tooltip_text (button, hint);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, hint, -1);
  return button;
}

static Field *
field_new (RdPreferencesWindow *self, const RdOptionSpec *spec, const char *value)
{
  Field *f = g_new0 (Field, 1);

  f->spec = spec;
  if (spec->type == RD_OPTION_CHOICE)
    {
      g_autoptr(GtkStringList) model = gtk_string_list_new ((const char * const *) spec->choices);
      guint selected = 0;

      f->row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (f->row), G_LIST_MODEL (model));
      for (guint i = 0; value && spec->choices && spec->choices[i]; i++)
        if (g_str_equal (spec->choices[i], value))
          selected = i;
      adw_combo_row_set_selected (ADW_COMBO_ROW (f->row), selected);
      g_signal_connect_swapped (f->row, "notify::selected", G_CALLBACK (on_option_changed), self);
    }
  else
    {
      /* A secret is never shown again: "Saved" says there is one; typing replaces it. */
      f->row = spec->flags & RD_OPTION_SECRET ? adw_password_entry_row_new () : adw_entry_row_new ();
      if (!(spec->flags & RD_OPTION_SECRET) && value)
        gtk_editable_set_text (GTK_EDITABLE (f->row), value);
      if (spec->type == RD_OPTION_UINT)
        {
          g_object_set (f->row, "input-purpose", GTK_INPUT_PURPOSE_DIGITS, NULL);
          g_signal_connect (gtk_editable_get_delegate (GTK_EDITABLE (f->row)), "insert-text",
                            G_CALLBACK (on_digits_insert), NULL);
        }
      if (spec->flags & RD_OPTION_SECRET)
        {
          f->saved_label = gtk_label_new (_("Saved"));
          gtk_widget_add_css_class (f->saved_label, "dim-label");
          gtk_widget_set_visible (f->saved_label, FALSE);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (f->row), f->saved_label);
        }
      g_signal_connect_swapped (f->row, "changed", G_CALLBACK (on_option_changed), self);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), spec_title (spec));
  gtk_widget_set_name (f->row, spec->name);
  /* AdwEntryRow's title stands where a placeholder would (and GtkText's placeholder overlaps it
   * while typing): the example goes with the hint. */
  if (spec->hint || spec->placeholder)
    {
      g_autofree char *example = spec->placeholder ? g_strdup_printf (_("For example: %s"), spec->placeholder) : NULL;
      g_autofree char *hint = spec->hint && example ? g_strdup_printf ("%s\n%s", _(spec->hint), example)
                                                    : g_strdup (spec->hint ? _(spec->hint) : example);
      GtkWidget *button = hint_button_new (hint);

      if (ADW_IS_ENTRY_ROW (f->row))
        adw_entry_row_add_suffix (ADW_ENTRY_ROW (f->row), button);
      else
        adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), button);
    }

  return f;
}

/* Rows for part->backend's options, filled with what is stored when it is the stored backend. */
static void
part_build_rows (RdPreferencesWindow *self, Part *part)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (part->group);
  RdOptions *values = part->backend == part->saved_backend ? part->saved : NULL;

  for (guint i = 0; part->fields && i < part->fields->len; i++)
    adw_preferences_group_remove (group, ((Field *) part->fields->pdata[i])->row);
  g_clear_pointer (&part->fields, g_ptr_array_unref);
  for (guint i = 0; i < part->trailing->len; i++)
    adw_preferences_group_remove (group, part->trailing->pdata[i]);

  part->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  for (const RdOptionSpec *spec = part->backend->options; spec->name != NULL; spec++)
    {
      Field *f = field_new (self, spec, rd_options_get (values, spec->name));

      g_ptr_array_add (part->fields, f);
      adw_preferences_group_add (group, f->row);
    }
  for (guint i = 0; i < part->trailing->len; i++)
    adw_preferences_group_add (group, part->trailing->pdata[i]);
  if (part->part == RD_EMBEDDED_CRM)
    adw_preferences_group_set_title (group, part->backend->name);
  part_update_saved (part);
}

static void
on_kind_selected (RdPreferencesWindow *self, GParamSpec *pspec, AdwComboRow *row)
{
  Part *part = &self->parts[row == self->pbx_kind_row ? RD_EMBEDDED_PBX : RD_EMBEDDED_CRM];
  guint i = adw_combo_row_get_selected (row);

  if (part->backends == NULL || i >= part->backends->len || part->backends->pdata[i] == part->backend)
    return;
  part->backend = part->backends->pdata[i];
  part_build_rows (self, part);
  clear_error (self);
}

typedef struct {
  RdPreferencesWindow *self;
  Part                *part;
  char                *option;
} SavedLookup;

static void
on_saved_secret (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SavedLookup *l = user_data;
  char *secret = rd_keyring_lookup_finish (res, NULL);

  /* Only whether there is one matters; it is not kept. */
  if (secret != NULL && !g_cancellable_is_cancelled (l->self->cancellable))
    {
      g_hash_table_add (l->part->saved_secrets, g_strdup (l->option));
      part_update_saved (l->part);
    }
  rd_keyring_free (secret);
  g_object_unref (l->self);
  g_free (l->option);
  g_free (l);
}

/* Reads what is stored for @part (settings, and which secrets the keyring holds). */
static void
part_read_saved (RdPreferencesWindow *self, Part *part)
{
  g_autofree char *kind = rd_local_settings_get_kind (self->settings, part->part);

  g_clear_pointer (&part->saved, rd_options_unref);
  g_clear_pointer (&part->saved_account, g_free);
  g_hash_table_remove_all (part->saved_secrets);
  part->saved = rd_local_settings_get_options (self->settings, part->part);
  part->saved_backend = rd_local_settings_find_backend (part->backends, kind);
  if (part->saved_backend == NULL)
    return;
  part->saved_account = rd_local_settings_secret_account (part->saved_backend->options, part->saved);
  if (self->demo)
    return;   /* the demo never touches the keyring */
  for (const RdOptionSpec *spec = part->saved_backend->options; spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_SECRET)
      {
        SavedLookup *l = g_new0 (SavedLookup, 1);
        g_autofree char *item = rd_local_settings_secret_kind (part->part, part->saved_backend->kind, spec->name);

        l->self = g_object_ref (self);
        l->part = part;
        l->option = g_strdup (spec->name);
        rd_keyring_lookup_item_async (item, part->saved_account, self->cancellable, on_saved_secret, l);
      }
}

static void
part_load (RdPreferencesWindow *self, Part *part, const RdEmbedded *embedded)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  part->backends = embedded->list_backends (part->part);
  if (part->backends->len == 0)
    return;
  part_read_saved (self, part);
  part->backend = part->saved_backend ? part->saved_backend : part->backends->pdata[0];
  for (guint i = 0; i < part->backends->len; i++)
    gtk_string_list_append (names, ((RdEmbeddedBackend *) part->backends->pdata[i])->name);
  adw_combo_row_set_model (part->kind_row, G_LIST_MODEL (names));
  for (guint i = 0; i < part->backends->len; i++)
    if (part->backends->pdata[i] == part->backend)
      adw_combo_row_set_selected (part->kind_row, i);
  /* One backend: nothing to choose. */
  gtk_widget_set_visible (GTK_WIDGET (part->kind_row), part->backends->len > 1);
  g_signal_connect_swapped (part->kind_row, "notify::selected", G_CALLBACK (on_kind_selected), self);
  part_build_rows (self, part);
}

/* The backends come from the hub's module: loaded when "This computer" is first shown. */
static void
ensure_backends (RdPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  const RdEmbedded *embedded;

  if (self->parts[RD_EMBEDDED_PBX].backends != NULL || self->load_error != NULL)
    return;
  embedded = rd_embedded_load (&error);
  if (embedded == NULL)
    {
      self->load_error = g_strdup (error->message);
      show_error (self, NULL, self->load_error);
      return;
    }
  part_load (self, &self->parts[RD_EMBEDDED_PBX], embedded);
  part_load (self, &self->parts[RD_EMBEDDED_CRM], embedded);
}

/* Checks each row with the backend's table; the first wrong one is marked. */
static gboolean
part_validate (RdPreferencesWindow *self, Part *part)
{
  gboolean saved_account = part_is_saved_account (part);

  for (guint i = 0; i < part->fields->len; i++)
    {
      Field *f = part->fields->pdata[i];
      const RdOptionSpec one[2] = { *f->spec, { NULL } };
      g_autoptr(RdOptions) bag = rd_options_new ();
      g_autofree char *value = field_value (f);
      g_autofree char *message = NULL;

      /* An empty secret keeps the saved one, if the keyring has one for this account. */
      if ((f->spec->flags & RD_OPTION_SECRET) && *value == '\0' && saved_account &&
          g_hash_table_contains (part->saved_secrets, f->spec->name))
        continue;
      rd_options_set (bag, f->spec->name, *value ? value : NULL);
      if (rd_options_validate (bag, one, NULL))
        continue;
      if (*value == '\0')
        message = g_strdup_printf (_("Enter “%s”."), spec_title (f->spec));
      else if (f->spec->type == RD_OPTION_UINT)
        message = g_strdup_printf (_("“%s” must be a whole number."), spec_title (f->spec));
      else
        message = g_strdup_printf (_("“%s” is too long or contains characters that cannot be used."),
                                   spec_title (f->spec));
      show_error (self, f->row, message);
      return FALSE;
    }
  return TRUE;
}

static void
part_clear (Part *part)
{
  g_clear_pointer (&part->fields, g_ptr_array_unref);
  g_clear_pointer (&part->trailing, g_ptr_array_unref);
  g_clear_pointer (&part->backends, g_ptr_array_unref);
  g_clear_pointer (&part->saved, rd_options_unref);
  g_clear_pointer (&part->saved_account, g_free);
  g_clear_pointer (&part->saved_secrets, g_hash_table_unref);
}

/* ---- saving ------------------------------------------------------------------------------ */

static void
finish_save (RdPreferencesWindow *self)
{
  GtkWidget *secrets[] = { self->crm_admin_key_row, self->crm_key_row, self->agent_key_row };

  gtk_widget_set_sensitive (self->save_button, TRUE);
  if (self->store_failed)
    return;
  g_settings_set_boolean (self->settings, "configured", TRUE);
  /* Cleared so that secrets do not linger in widgets. */
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    gtk_editable_set_text (GTK_EDITABLE (secrets[i]), "");
  for (guint p = 0; p < G_N_ELEMENTS (self->parts); p++)
    if (self->parts[p].backends != NULL && is_local (self))
      {
        Part *part = &self->parts[p];

        for (guint i = 0; part->fields && i < part->fields->len; i++)
          {
            Field *f = part->fields->pdata[i];
            if (f->spec->flags & RD_OPTION_SECRET)
              gtk_editable_set_text (GTK_EDITABLE (f->row), "");
          }
        part_read_saved (self, part);
        part_update_saved (part);
      }
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

/* Stores the secrets typed in @part's rows, for the account its rows name. */
static void
part_store_secrets (RdPreferencesWindow *self, Part *part, const RdOptions *values)
{
  g_autofree char *account = rd_local_settings_secret_account (part->backend->options, values);

  for (guint i = 0; i < part->fields->len; i++)
    {
      Field *f = part->fields->pdata[i];
      const char *secret = rd_options_get (values, f->spec->name);
      g_autofree char *kind = NULL;
      g_autofree char *label = NULL;

      if (!(f->spec->flags & RD_OPTION_SECRET) || secret == NULL || self->demo)
        continue;
      kind = rd_local_settings_secret_kind (part->part, part->backend->kind, f->spec->name);
      label = rd_local_settings_secret_label (part->backend, f->spec, account);
      self->pending_stores++;
      rd_keyring_store_item_async (kind, account, label, secret, self->cancellable, on_stored, self);
    }
}

/* A GSettings on the same schema, backend and path as @settings, in delay-apply mode. */
static GSettings *
settings_batch (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *path = NULL;
  GSettings *batch;

  g_object_get (settings, "settings-schema", &schema, "backend", &backend, "path", &path, NULL);
  batch = g_settings_new_full (schema, backend, path);
  g_settings_delay (batch);
  return batch;
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
  g_autofree char *admin_login = row_text (self->crm_admin_login_row);
  g_autoptr(RdOptions) pbx_values = NULL;
  g_autoptr(RdOptions) crm_values = NULL;
  g_autoptr(GSettings) batch = NULL;

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
  else if (self->parts[RD_EMBEDDED_PBX].backend == NULL || self->parts[RD_EMBEDDED_CRM].backend == NULL)
    {
      show_error (self, NULL, self->load_error ? self->load_error : _("No phone system or CRM can be used."));
      return;
    }
  else if (!check_web_url (self, self->pbx_url_row, _("The PBX address must start with https:// (or http://) and name a server.")) ||
           !part_validate (self, &self->parts[RD_EMBEDDED_PBX]) ||
           !check_web_url (self, self->crm_url_row, _("The CRM address must start with https:// (or http://) and name a server.")) ||
           !part_validate (self, &self->parts[RD_EMBEDDED_CRM]) ||
           !require (self, self->crm_admin_login_row, _("Enter the administrator login.")))
    return;
  if (agent ? !require (self, self->extension_row, _("Enter your extension."))
            : !require (self, self->crm_login_row, _("Enter your Odoo login.")))
    return;
  if (agent && strspn (extension, "0123456789") != strlen (extension))
    {
      show_error (self, self->extension_row, _("An extension is made of digits only."));
      return;
    }

  /* Written together, through a second object: delay-apply mode cannot be left, and the window's
   * settings (the app's) must keep writing the pop-up switches at once. */
  batch = settings_batch (self->settings);
  g_settings_set_enum (batch, "hub-mode", local ? 1 : 0);
  if (hub_url)
    {
      g_autofree char *cert = row_text (self->hub_cert_row);
      g_settings_set_string (batch, "hub-url", hub_url);
      g_settings_set_string (batch, "hub-certificate", cert);
      gtk_editable_set_text (GTK_EDITABLE (self->hub_url_row), hub_url);
    }
  else
    {
      g_autofree char *pbx_url = row_text (self->pbx_url_row);
      g_autofree char *crm_url = row_text (self->crm_url_row);
      Part *pbx = &self->parts[RD_EMBEDDED_PBX], *crm = &self->parts[RD_EMBEDDED_CRM];

      pbx_values = part_values (pbx);
      crm_values = part_values (crm);
      g_settings_set_string (batch, "local-pbx-url", pbx_url);
      rd_local_settings_set (batch, RD_EMBEDDED_PBX, pbx->backend->kind, pbx->backend->options, pbx_values);
      g_settings_set_string (batch, "local-crm-url", crm_url);
      rd_local_settings_set (batch, RD_EMBEDDED_CRM, crm->backend->kind, crm->backend->options, crm_values);
      g_settings_set_string (batch, "local-crm-login", admin_login);
      g_settings_set_boolean (batch, "local-bind-auto", gtk_switch_get_active (self->bind_auto_switch));
    }
  g_settings_set_enum (batch, "sign-in-method", agent ? 1 : 0);
  g_settings_set_string (batch, "crm-login", crm_login);
  g_settings_set_string (batch, "extension", extension);
  g_settings_apply (batch);

  self->store_failed = FALSE;
  self->pending_stores = 1;   /* held until every store has started */
  gtk_widget_set_sensitive (self->save_button, FALSE);
  if (local)
    {
      part_store_secrets (self, &self->parts[RD_EMBEDDED_PBX], pbx_values);
      part_store_secrets (self, &self->parts[RD_EMBEDDED_CRM], crm_values);
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
    { self->pbx_url_row, "local-pbx-url" }, { self->crm_url_row, "local-crm-url" },
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
  for (guint i = 0; i < G_N_ELEMENTS (self->parts); i++)
    part_clear (&self->parts[i]);
  g_clear_pointer (&self->load_error, g_free);
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
  BIND (hub_url_row); BIND (hub_cert_row); BIND (pbx_kind_row); BIND (pbx_url_row); BIND (crm_kind_row);
  BIND (crm_url_row); BIND (crm_admin_login_row);
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
    self->hub_url_row, self->hub_cert_row, self->pbx_url_row, self->crm_url_row, self->crm_admin_login_row,
    self->crm_admin_key_row, self->crm_login_row, self->crm_key_row, self->extension_row,
    self->agent_key_row,
  };
  GtkWidget *crm_trailing[] = { self->crm_admin_login_row, self->crm_admin_key_row, self->bind_auto_row };

  for (guint i = 0; i < G_N_ELEMENTS (self->parts); i++)
    {
      Part *part = &self->parts[i];

      part->part = i;
      part->group = i == RD_EMBEDDED_PBX ? self->pbx_group : self->crm_group;
      part->kind_row = i == RD_EMBEDDED_PBX ? self->pbx_kind_row : self->crm_kind_row;
      part->trailing = g_ptr_array_new_with_free_func (g_object_unref);
      part->saved_secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (crm_trailing); i++)
    g_ptr_array_add (self->parts[RD_EMBEDDED_CRM].trailing, g_object_ref (crm_trailing[i]));
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
