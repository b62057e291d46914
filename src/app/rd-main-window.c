/* rd-main-window.c — see rd-main-window.h. All text from the network lands in plain
 * (non-markup) labels; AdwActionRow titles are set with use-markup off. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-call-row.h"
#include "rd-main-window.h"
#include "rd-uri.h"

struct _RdMainWindow {
  AdwApplicationWindow parent_instance;

  GtkMenuButton   *menu_button;
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GtkWidget       *scroller;
  GtkWidget       *setup_button;   /* these four: NULL until their page is first shown */
  AdwStatusPage   *status_page;
  GtkWidget       *fix_button;
  GtkWidget       *retry_button;
  AdwActionRow    *problem_row;
  GtkImage        *problem_icon;
  GtkWidget       *paused_row;
  AdwActionRow    *account_row;
  AdwAvatar       *avatar;
  AdwActionRow    *hub_row;
  AdwActionRow    *pbx_row;
  AdwActionRow    *crm_row;
  AdwEntryRow     *dial_row;
  GtkListBox      *last_calls_list;
  GtkWidget       *demo_group;
  AdwActionRow    *odoo_row;

  GMenuModel      *menu;     /* the primary menu, given to menu_button when first opened */
  RdRecentCalls   *recent;
  GHashTable      *toasts;   /* tag → AdwToast (borrowed; removed when dismissed) */
};

G_DEFINE_FINAL_TYPE (RdMainWindow, rd_main_window, ADW_TYPE_APPLICATION_WINDOW)

static void
on_dial_activate (RdMainWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->dial_row))));

  if (*text == '\0')
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->dial_row));
      gtk_widget_error_bell (GTK_WIDGET (self->dial_row));
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (self), "app.call", "s", text);
}

/* @text made safe to show, keeping its own line breaks. */
static char *
lines_excerpt (const char *text, guint max_chars)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", 8);

  for (guint i = 0; lines[i]; i++)
    {
      char *safe = rd_uri_display_excerpt (lines[i], max_chars);
      g_free (lines[i]);
      lines[i] = safe;
    }
  return g_strjoinv ("\n", lines);
}

static void
set_row (AdwActionRow *row, const char *title, const char *subtitle)
{
  g_autofree char *t = title ? rd_uri_display_excerpt (title, 200) : NULL;
  g_autofree char *s = subtitle ? rd_uri_display_excerpt (subtitle, 400) : NULL;

  if (title)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), t);
  adw_action_row_set_subtitle (row, s ? s : "");
}

/* The welcome and signed-out pages are built the first time they are shown, from
 * rd-main-window-pages.ui: built with the window, they kept their widgets, labels and the
 * 128 px icon in sessions that sign in at once (bench B4, the demo). The stack holds them from
 * then on. */
static void
build_page (RdMainWindow *self, const char *id, const char *name)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  const char *ids[] = { id, NULL };
  g_autoptr(GError) error = NULL;
  GtkWidget *page;

  if (!gtk_builder_add_objects_from_resource (builder, "/io/github/ringdesk/Ringdesk/ui/rd-main-window-pages.ui",
                                              ids, &error))
    g_error ("rd-main-window-pages.ui: %s", error->message);   /* a resource of our own */
  page = GTK_WIDGET (gtk_builder_get_object (builder, id));
  gtk_stack_add_named (self->stack, page, name);
  if (g_str_equal (id, "welcome_page"))
    self->setup_button = GTK_WIDGET (gtk_builder_get_object (builder, "setup_button"));
  else
    {
      self->status_page = ADW_STATUS_PAGE (page);
      self->fix_button = GTK_WIDGET (gtk_builder_get_object (builder, "fix_button"));
      self->retry_button = GTK_WIDGET (gtk_builder_get_object (builder, "retry_button"));
    }
}

static void
show_page (RdMainWindow *self, const char *id, const char *name)
{
  if (gtk_stack_get_child_by_name (self->stack, name) == NULL)
    build_page (self, id, name);
  gtk_stack_set_visible_child_name (self->stack, name);
}

void
rd_main_window_set_status (RdMainWindow *self, const RdStatusText *status, const char *hub,
                           const char *pbx, const char *crm)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));
  g_return_if_fail (status != NULL);

  if (status->level == RD_STATUS_SETUP)
    show_page (self, "welcome_page", "welcome");
  else if (!status->signed_in)
    {
      g_autofree char *title = rd_uri_display_excerpt (status->title, 200);
      g_autofree char *advice = status->advice ? lines_excerpt (status->advice, 400) : NULL;

      if (self->status_page == NULL)
        build_page (self, "status_page", "signed-out");

      adw_status_page_set_icon_name (self->status_page, status->icon ? status->icon : rd_status_level_icon (status->level));
      adw_status_page_set_title (self->status_page, title);
      /* The description is markup; the advice may quote the hub or the network. */
      g_autofree char *escaped = advice ? g_markup_escape_text (advice, -1) : NULL;
      adw_status_page_set_description (self->status_page, escaped);
      gtk_widget_set_visible (self->fix_button, status->level == RD_STATUS_ERROR);
      gtk_widget_set_visible (self->retry_button, status->level == RD_STATUS_ERROR);
      gtk_stack_set_visible_child_name (self->stack, "signed-out");
    }
  else
    {
      gboolean problem = status->level == RD_STATUS_WARNING || status->level == RD_STATUS_ERROR;

      gtk_widget_set_visible (GTK_WIDGET (self->problem_row), problem);
      if (problem)
        {
          g_autofree char *advice = lines_excerpt (status->advice ? status->advice : status->title, 400);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->problem_row), advice);
          gtk_image_set_from_icon_name (self->problem_icon, rd_status_level_icon (status->level));
          gtk_widget_remove_css_class (GTK_WIDGET (self->problem_icon), "warning");
          gtk_widget_remove_css_class (GTK_WIDGET (self->problem_icon), "error");
          gtk_widget_add_css_class (GTK_WIDGET (self->problem_icon),
                                    status->level == RD_STATUS_ERROR ? "error" : "warning");
        }
      gtk_stack_set_visible_child_name (self->stack, "signed-in");
    }
  gtk_window_set_default_widget (GTK_WINDOW (self), status->level == RD_STATUS_SETUP ? self->setup_button : NULL);
  set_row (self->hub_row, NULL, hub ? hub : "—");
  set_row (self->pbx_row, NULL, pbx ? pbx : "—");
  set_row (self->crm_row, NULL, crm ? crm : "—");
}

void
rd_main_window_set_account (RdMainWindow *self, const char *name, const char *extension)
{
  g_autofree char *ext = NULL;

  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  if (extension && *extension)
    ext = g_strdup_printf (_("Extension %s"), extension);
  set_row (self->account_row, name && *name ? name : (ext ? ext : _("Signed in")),
           name && *name ? ext : NULL);
  adw_avatar_set_text (self->avatar, name && *name ? name : NULL);
}

void
rd_main_window_set_paused (RdMainWindow *self, gboolean paused)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));
  gtk_widget_set_visible (self->paused_row, paused);
}

void
rd_main_window_set_demo_url (RdMainWindow *self, const char *odoo_url)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  gtk_widget_set_visible (self->demo_group, odoo_url != NULL);
  adw_action_row_set_subtitle (self->odoo_row, odoo_url ? odoo_url : "");
  /* Target first, then the name: the row never refers to the action without its URL. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->odoo_row), NULL);
  if (odoo_url)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->odoo_row), "s", odoo_url);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->odoo_row), "app.open-record");
    }
}

static void
rebuild_last_calls (RdMainWindow *self)
{
  GPtrArray *calls = rd_recent_calls_get_calls (self->recent);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->last_calls_list))))
    {
      if (GTK_IS_LIST_BOX_ROW (child))
        gtk_list_box_remove (self->last_calls_list, child);
      else
        break;
    }
  for (guint i = 0; i < calls->len && i < RD_MAIN_WINDOW_LAST_CALLS; i++)
    gtk_list_box_append (self->last_calls_list, rd_call_row_new (g_ptr_array_index (calls, i), now));
}

void
rd_main_window_set_recent (RdMainWindow *self, RdRecentCalls *recent)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  if (self->recent)
    g_signal_handlers_disconnect_by_data (self->recent, self);
  g_set_object (&self->recent, recent);
  if (recent)
    {
      g_signal_connect_swapped (recent, "changed", G_CALLBACK (rebuild_last_calls), self);
      rebuild_last_calls (self);
    }
}

static void
on_toast_dismissed (AdwToast *toast, RdMainWindow *self)
{
  const char *tag = g_object_get_data (G_OBJECT (toast), "rd-tag");

  if (tag && g_hash_table_lookup (self->toasts, tag) == toast)
    g_hash_table_remove (self->toasts, tag);
}

void
rd_main_window_show_toast (RdMainWindow *self, const char *tag, const char *title, guint timeout_s)
{
  AdwToast *toast;
  g_autofree char *safe = rd_uri_display_excerpt (title, 300);

  g_return_if_fail (RD_IS_MAIN_WINDOW (self));
  g_return_if_fail (tag != NULL && title != NULL);

  rd_main_window_dismiss_toast (self, tag);
  {
    /* A toast's title is markup; text from the network is escaped. */
    g_autofree char *escaped = g_markup_escape_text (safe, -1);
    toast = adw_toast_new (escaped);
  }
  adw_toast_set_timeout (toast, timeout_s);
  g_object_set_data_full (G_OBJECT (toast), "rd-tag", g_strdup (tag), g_free);
  g_object_set_data_full (G_OBJECT (toast), "rd-text", g_steal_pointer (&safe), g_free);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);
  g_hash_table_insert (self->toasts, g_strdup (tag), toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);   /* takes the reference */
}

void
rd_main_window_dismiss_toast (RdMainWindow *self, const char *tag)
{
  AdwToast *toast;

  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  toast = g_hash_table_lookup (self->toasts, tag);
  if (toast)
    {
      g_hash_table_remove (self->toasts, tag);
      adw_toast_dismiss (toast);
    }
}

const char *
rd_main_window_get_toast (RdMainWindow *self, const char *tag)
{
  AdwToast *toast;

  g_return_val_if_fail (RD_IS_MAIN_WINDOW (self), NULL);

  toast = g_hash_table_lookup (self->toasts, tag);
  return toast ? g_object_get_data (G_OBJECT (toast), "rd-text") : NULL;
}

void
rd_main_window_focus_dial (RdMainWindow *self, const char *number)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "signed-in") != 0)
    return;
  if (number)
    gtk_editable_set_text (GTK_EDITABLE (self->dial_row), number);
  gtk_widget_grab_focus (GTK_WIDGET (self->dial_row));
}

static void
rd_main_window_dispose (GObject *object)
{
  RdMainWindow *self = RD_MAIN_WINDOW (object);

  if (self->recent)
    g_signal_handlers_disconnect_by_data (self->recent, self);
  g_clear_object (&self->recent);
  g_clear_object (&self->menu);
  G_OBJECT_CLASS (rd_main_window_parent_class)->dispose (object);
}

static void
rd_main_window_finalize (GObject *object)
{
  g_hash_table_unref (RD_MAIN_WINDOW (object)->toasts);
  G_OBJECT_CLASS (rd_main_window_parent_class)->finalize (object);
}

static void
rd_main_window_class_init (RdMainWindowClass *klass)
{
  GtkWidgetClass *w = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = rd_main_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = rd_main_window_finalize;

  gtk_widget_class_set_template_from_resource (w, "/io/github/ringdesk/Ringdesk/ui/rd-main-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (w, RdMainWindow, name)
  BIND (menu_button); BIND (toast_overlay); BIND (stack); BIND (scroller); BIND (problem_row); BIND (problem_icon); BIND (paused_row);
  BIND (account_row); BIND (avatar); BIND (hub_row); BIND (pbx_row); BIND (crm_row); BIND (dial_row);
  BIND (last_calls_list); BIND (demo_group); BIND (odoo_row);
#undef BIND
  gtk_widget_class_bind_template_callback (w, on_dial_activate);
}

static void
rd_main_window_init (RdMainWindow *self)
{
  self->toasts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Names, hub texts and addresses come from the network or the user: never markup. */
  AdwActionRow *plain[] = { self->account_row, self->problem_row, self->hub_row, self->pbx_row,
                            self->crm_row, self->odoo_row };
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (plain[i]), FALSE);
}

/* The primary menu's popover is built the first time it opens (click or F10): built with the
 * window, it kept its widgets for sessions that never open it (bench B4, the demo). */
static void
create_menu_popup (GtkMenuButton *button, gpointer user_data)
{
  RdMainWindow *self = user_data;

  if (gtk_menu_button_get_menu_model (button) == NULL && self->menu)
    gtk_menu_button_set_menu_model (button, self->menu);
}

RdMainWindow *
rd_main_window_new (GtkApplication *app, GMenuModel *menu)
{
  RdMainWindow *self = g_object_new (RD_TYPE_MAIN_WINDOW, "application", app, NULL);

  self->menu = menu ? g_object_ref (menu) : NULL;
  gtk_menu_button_set_create_popup_func (self->menu_button, create_menu_popup, self, NULL);
  return self;
}
