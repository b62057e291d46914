/* rd-call-row.c — see rd-call-row.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "rd-call-row.h"
#include "rd-format.h"
#include "rd-uri.h"

#define MAX_NAME 200   /* characters kept of a name; the label shortens it further to fit */

struct _RdCallRow {
  GtkListBoxRow  parent_instance;

  GtkImage      *direction_icon;
  GtkLabel      *name_label;
  GtkWidget     *number_box;
  GtkLabel      *number_label;
  GtkLabel      *company_label;
  GtkLabel      *detail_label;
  GtkWidget     *call_button;
  GtkWidget     *open_button;
  GtkMenuButton *create_button;

  char          *number;
};

G_DEFINE_FINAL_TYPE (RdCallRow, rd_call_row, GTK_TYPE_LIST_BOX_ROW)

/* Icon name and words for a call's direction and outcome. */
static void
direction (const RdAgentRecentCall *c, const char **icon, const char **label)
{
  gboolean outbound = g_strcmp0 (c->direction, "outbound") == 0;
  gboolean answered = g_strcmp0 (c->outcome, "answered") == 0;

  if (!outbound && !answered)
    {
      *icon = "call-missed-symbolic";
      *label = _("Missed call");
    }
  else if (outbound)
    {
      *icon = "call-outgoing-symbolic";
      *label = _("Outgoing call");
    }
  else
    {
      *icon = "call-incoming-symbolic";
      *label = g_strcmp0 (c->direction, "internal") == 0 ? _("Internal call") : _("Incoming call");
    }
}

static GMenuModel *
create_menu (const char *number)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenuItem) contact = g_menu_item_new (_("Create _Contact"), NULL);
  g_autoptr(GMenuItem) lead = g_menu_item_new (_("Create _Lead"), NULL);

  g_menu_item_set_action_and_target (contact, "app.create-record", "(ss)", "individual", number);
  g_menu_item_set_action_and_target (lead, "app.create-record", "(ss)", "lead", number);
  g_menu_append_item (menu, contact);
  g_menu_append_item (menu, lead);
  return G_MENU_MODEL (menu);
}

/* The Create menu's popover is built when it first opens: most rows' never do, and each
 * built popover kept its widgets (bench B4). */
static void
create_menu_popup (GtkMenuButton *button, gpointer user_data)
{
  RdCallRow *self = user_data;

  if (gtk_menu_button_get_menu_model (button) == NULL)
    {
      g_autoptr(GMenuModel) menu = create_menu (self->number);
      gtk_menu_button_set_menu_model (button, menu);
    }
}

static void
fill (RdCallRow *self, const RdAgentRecentCall *c, gint64 now)
{
  const char *icon, *dir_label;
  const char *person = rd_format_person_name (c->match);
  const char *name = person ? person : (c->name && *c->name ? c->name : NULL);
  const char *company = c->match && c->match->company && *c->match->company &&
                        g_strcmp0 (c->match->company, name) != 0 ? c->match->company : NULL;
  g_autofree char *number = rd_uri_display_excerpt (c->number ? c->number : "", 64);
  g_autofree char *shown_name = name ? rd_format_middle (name, MAX_NAME) : NULL;
  g_autofree char *shown_company = company ? rd_uri_display_excerpt (company, MAX_NAME) : NULL;
  g_autofree char *when = rd_format_time (c->start, now);
  g_autofree char *duration = rd_format_duration (c->talk);
  g_autofree char *detail = NULL, *row_label = NULL;
  gboolean dialable = c->number && *c->number;
  gboolean has_url = c->match && rd_uri_is_web_url (c->match->url);

  self->number = g_strdup (c->number ? c->number : "");
  direction (c, &icon, &dir_label);
  gtk_image_set_from_icon_name (self->direction_icon, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->direction_icon), dir_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->direction_icon), GTK_ACCESSIBLE_PROPERTY_LABEL, dir_label, -1);
  if (g_str_equal (icon, "call-missed-symbolic"))
    gtk_widget_add_css_class (GTK_WIDGET (self->direction_icon), "error");

  if (shown_name)
    {
      gtk_label_set_text (self->name_label, shown_name);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), shown_name);
      gtk_label_set_text (self->number_label, number);
      gtk_label_set_text (self->company_label, shown_company ? shown_company : "");
      gtk_widget_set_visible (GTK_WIDGET (self->company_label), shown_company != NULL);
    }
  else
    {
      /* An unknown caller: the number is the title, and is never shortened. */
      gtk_label_set_text (self->name_label, *number ? number : _("Unknown number"));
      gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_NONE);
      gtk_widget_add_css_class (GTK_WIDGET (self->name_label), "numeric");
      gtk_widget_set_visible (self->number_box, FALSE);
    }

  if (g_strcmp0 (c->outcome, "answered") == 0)
    /* TRANSLATORS: "Yesterday 14:05 · Answered · 2:05" (when, outcome, talk time) */
    detail = g_strdup_printf (_("%s · %s · %s"), when, rd_format_outcome (c->outcome), duration);
  else
    /* TRANSLATORS: "Yesterday 14:05 · Not answered" (when, outcome) */
    detail = g_strdup_printf (_("%s · %s"), when, rd_format_outcome (c->outcome));
  gtk_label_set_text (self->detail_label, detail);

  /* Each button names its action only together with its target. */
  if (dialable)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_button), "s", self->number);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->call_button), "app.call");
    }
  gtk_widget_set_visible (self->call_button, dialable);
  if (has_url)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->open_button), "s", c->match->url);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->open_button), "app.open-record");
    }
  gtk_widget_set_visible (self->open_button, has_url);
  /* An unknown external number can become a CRM record (not extensions, not withheld). */
  if (c->match == NULL && dialable && (c->number[0] == '+' || strlen (c->number) > 6))
    gtk_menu_button_set_create_popup_func (self->create_button, create_menu_popup, self, NULL);
  else
    gtk_widget_set_visible (GTK_WIDGET (self->create_button), FALSE);

  row_label = g_strdup_printf ("%s, %s%s%s, %s", dir_label, shown_name ? shown_name : number,
                               shown_name ? ", " : "", shown_name ? number : "", detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, row_label, -1);
}

const char *
rd_call_row_get_number (RdCallRow *self)
{
  g_return_val_if_fail (RD_IS_CALL_ROW (self), NULL);
  return self->number;
}

static void
rd_call_row_finalize (GObject *object)
{
  g_free (RD_CALL_ROW (object)->number);
  G_OBJECT_CLASS (rd_call_row_parent_class)->finalize (object);
}

static void
rd_call_row_class_init (RdCallRowClass *klass)
{
  GtkWidgetClass *w = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = rd_call_row_finalize;
  gtk_widget_class_set_template_from_resource (w, "/io/github/ringdesk/Ringdesk/ui/rd-call-row.ui");
  gtk_widget_class_bind_template_child (w, RdCallRow, direction_icon);
  gtk_widget_class_bind_template_child (w, RdCallRow, name_label);
  gtk_widget_class_bind_template_child (w, RdCallRow, number_box);
  gtk_widget_class_bind_template_child (w, RdCallRow, number_label);
  gtk_widget_class_bind_template_child (w, RdCallRow, company_label);
  gtk_widget_class_bind_template_child (w, RdCallRow, detail_label);
  gtk_widget_class_bind_template_child (w, RdCallRow, call_button);
  gtk_widget_class_bind_template_child (w, RdCallRow, open_button);
  gtk_widget_class_bind_template_child (w, RdCallRow, create_button);
}

static void
rd_call_row_init (RdCallRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
rd_call_row_new (const RdAgentRecentCall *call, gint64 now_unix)
{
  RdCallRow *self;

  g_return_val_if_fail (call != NULL, NULL);

  self = g_object_new (RD_TYPE_CALL_ROW, NULL);
  fill (self, call, now_unix);
  return GTK_WIDGET (self);
}
