/* rd-main-window.c — see rd-main-window.h. All text from the network lands in plain
 * (non-markup) labels. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-main-window.h"

struct _RdMainWindow {
  GtkApplicationWindow parent_instance;

  GtkMenuButton *menu_button;
  GtkStack      *stack;
  GtkButton     *setup_button;
  GtkImage      *status_icon;
  GtkLabel      *status_title;
  GtkLabel      *status_advice;
  GtkButton     *fix_button;
  GtkLabel      *hub_label;
  GtkLabel      *pbx_label;
  GtkLabel      *crm_label;
  GtkEntry      *dial_entry;
  GtkLabel      *message_label;
  GtkBox        *mirror_box;
  GtkBox        *mirror_buttons;
  GtkBox        *demo_box;
  GtkLinkButton *odoo_link;
  GtkLabel      *odoo_url_label;

  GMenuModel    *mirror;
};

G_DEFINE_FINAL_TYPE (RdMainWindow, rd_main_window, GTK_TYPE_APPLICATION_WINDOW)

static void
on_dial_activate (RdMainWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->dial_entry));

  if (text == NULL || *text == '\0')
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->dial_entry));
      gtk_widget_error_bell (GTK_WIDGET (self->dial_entry));
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (self), "app.call", "s", text);
}

static void
rebuild_mirror (RdMainWindow *self)
{
  GtkWidget *child;
  guint shown = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->mirror_buttons))))
    gtk_box_remove (self->mirror_buttons, child);

  for (gint s = 0; self->mirror && s < g_menu_model_get_n_items (self->mirror); s++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (self->mirror, s, G_MENU_LINK_SECTION);
      GtkWidget *row;

      if (section == NULL)
        continue;
      row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      for (gint i = 0; i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *label = NULL, *action = NULL;
          g_autoptr(GVariant) target = NULL;
          GtkWidget *button;

          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
          target = g_menu_model_get_item_attribute_value (section, i, G_MENU_ATTRIBUTE_TARGET, NULL);
          button = gtk_button_new_with_label (label ? label : "");
          gtk_label_set_ellipsize (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), PANGO_ELLIPSIZE_END);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
          if (target)
            gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
          gtk_box_append (GTK_BOX (row), button);
          shown++;
        }
      gtk_box_append (self->mirror_buttons, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->mirror_box), shown > 0);
}

static void
on_mirror_changed (GMenuModel *model, gint pos, gint removed, gint added, RdMainWindow *self)
{
  rebuild_mirror (self);
}

void
rd_main_window_set_status (RdMainWindow *self, const RdStatusText *status, const char *hub,
                           const char *pbx, const char *crm)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));
  g_return_if_fail (status != NULL);

  gtk_stack_set_visible_child_name (self->stack, status->level == RD_STATUS_SETUP ? "welcome" : "status");
  gtk_window_set_default_widget (GTK_WINDOW (self), status->level == RD_STATUS_SETUP
                                 ? GTK_WIDGET (self->setup_button) : NULL);
  gtk_image_set_from_icon_name (self->status_icon, rd_status_level_icon (status->level));
  gtk_label_set_text (self->status_title, status->title);
  gtk_label_set_text (self->status_advice, status->advice ? status->advice : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_advice), status->advice != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->fix_button), status->level == RD_STATUS_ERROR);
  gtk_label_set_text (self->hub_label, hub ? hub : "—");
  gtk_label_set_text (self->pbx_label, pbx ? pbx : "—");
  gtk_label_set_text (self->crm_label, crm ? crm : "—");
}

void
rd_main_window_set_demo_url (RdMainWindow *self, const char *odoo_url)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->demo_box), odoo_url != NULL);
  if (odoo_url)
    {
      gtk_link_button_set_uri (self->odoo_link, odoo_url);
      gtk_label_set_text (self->odoo_url_label, odoo_url);
    }
}

void
rd_main_window_set_message (RdMainWindow *self, const char *text)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  gtk_label_set_text (self->message_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text != NULL);
}

void
rd_main_window_focus_dial (RdMainWindow *self, const char *number)
{
  g_return_if_fail (RD_IS_MAIN_WINDOW (self));

  if (number)
    gtk_editable_set_text (GTK_EDITABLE (self->dial_entry), number);
  gtk_widget_grab_focus (GTK_WIDGET (self->dial_entry));
}

static void
rd_main_window_dispose (GObject *object)
{
  RdMainWindow *self = RD_MAIN_WINDOW (object);

  if (self->mirror)
    g_signal_handlers_disconnect_by_data (self->mirror, self);
  g_clear_object (&self->mirror);
  G_OBJECT_CLASS (rd_main_window_parent_class)->dispose (object);
}

static void
rd_main_window_class_init (RdMainWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = rd_main_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/ringdesk/Ringdesk/ui/rd-main-window.ui");
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, setup_button);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, status_title);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, status_advice);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, fix_button);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, hub_label);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, pbx_label);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, crm_label);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, dial_entry);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, mirror_box);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, mirror_buttons);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, demo_box);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, odoo_link);
  gtk_widget_class_bind_template_child (widget_class, RdMainWindow, odoo_url_label);
  gtk_widget_class_bind_template_callback (widget_class, on_dial_activate);
}

static void
rd_main_window_init (RdMainWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->dial_entry));
}

RdMainWindow *
rd_main_window_new (GtkApplication *app, GMenuModel *menu, GMenuModel *mirror)
{
  RdMainWindow *self = g_object_new (RD_TYPE_MAIN_WINDOW, "application", app, NULL);

  gtk_menu_button_set_menu_model (self->menu_button, menu);
  if (mirror)
    {
      self->mirror = g_object_ref (mirror);
      g_signal_connect (mirror, "items-changed", G_CALLBACK (on_mirror_changed), self);
      rebuild_mirror (self);
    }
  return self;
}
