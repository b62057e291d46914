/* rd-recent-window.c — see rd-recent-window.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-call-row.h"
#include "rd-recent-window.h"
#include "rd-uri.h"

struct _RdRecentWindow {
  AdwWindow       parent_instance;

  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkListBox     *list;
  AdwStatusPage  *empty_page;
  GtkSpinner     *spinner;

  RdRecentCalls  *recent;
  guint           count;
};

G_DEFINE_FINAL_TYPE (RdRecentWindow, rd_recent_window, ADW_TYPE_WINDOW)

static void
show_empty (RdRecentWindow *self, const char *icon, const char *title, const char *detail)
{
  g_autofree char *escaped = detail ? g_markup_escape_text (detail, -1) : NULL;

  adw_status_page_set_icon_name (self->empty_page, icon);
  adw_status_page_set_title (self->empty_page, title);
  adw_status_page_set_description (self->empty_page, escaped);   /* markup */
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
rebuild (RdRecentWindow *self)
{
  GPtrArray *calls = rd_recent_calls_get_calls (self->recent);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GtkWidget *child;

  gtk_spinner_stop (self->spinner);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
  self->count = 0;

  switch (rd_recent_calls_get_state (self->recent))
    {
    case RD_RECENT_NOT_LOADED:
    case RD_RECENT_LOADING:
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    case RD_RECENT_NOT_SIGNED_IN:
      show_empty (self, "network-offline-symbolic", _("Not Signed In"),
                  _("Recent calls appear once Ringdesk is connected to the hub."));
      return;
    case RD_RECENT_FAILED:
      {
        g_autofree char *detail = rd_uri_display_excerpt (rd_recent_calls_get_error (self->recent), 200);
        show_empty (self, "network-offline-symbolic", _("Recent Calls Are Not Available"), detail);
      }
      return;
    case RD_RECENT_READY:
    default:
      break;
    }

  for (guint i = 0; i < calls->len; i++)
    gtk_list_box_append (self->list, rd_call_row_new (g_ptr_array_index (calls, i), now));
  self->count = calls->len;
  if (self->count > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else if (rd_recent_calls_get_query (self->recent))
    show_empty (self, "edit-find-symbolic", _("No Calls Match"), _("Try another name or number."));
  else
    show_empty (self, "document-open-recent-symbolic", _("No Calls Yet"),
                _("Calls you make and receive appear here once they are logged."));
}

static void
on_search_changed (RdRecentWindow *self)
{
  rd_recent_calls_set_query (self->recent, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

void
rd_recent_window_refresh (RdRecentWindow *self)
{
  g_return_if_fail (RD_IS_RECENT_WINDOW (self));
  rd_recent_calls_refresh (self->recent);
}

guint
rd_recent_window_get_count (RdRecentWindow *self)
{
  g_return_val_if_fail (RD_IS_RECENT_WINDOW (self), 0);
  return self->count;
}

static void
refresh_action (GtkWidget *widget, const char *name, GVariant *param)
{
  rd_recent_window_refresh (RD_RECENT_WINDOW (widget));
}

static void
rd_recent_window_dispose (GObject *object)
{
  RdRecentWindow *self = RD_RECENT_WINDOW (object);

  if (self->recent)
    g_signal_handlers_disconnect_by_data (self->recent, self);
  g_clear_object (&self->recent);
  G_OBJECT_CLASS (rd_recent_window_parent_class)->dispose (object);
}

static void
rd_recent_window_class_init (RdRecentWindowClass *klass)
{
  GtkWidgetClass *w = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = rd_recent_window_dispose;
  gtk_widget_class_set_template_from_resource (w, "/io/github/ringdesk/Ringdesk/ui/rd-recent-window.ui");
  gtk_widget_class_bind_template_child (w, RdRecentWindow, search_entry);
  gtk_widget_class_bind_template_child (w, RdRecentWindow, stack);
  gtk_widget_class_bind_template_child (w, RdRecentWindow, list);
  gtk_widget_class_bind_template_child (w, RdRecentWindow, empty_page);
  gtk_widget_class_bind_template_child (w, RdRecentWindow, spinner);
  gtk_widget_class_bind_template_callback (w, on_search_changed);
  gtk_widget_class_install_action (w, "recent.refresh", NULL, refresh_action);
  gtk_widget_class_add_binding_action (w, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (w, GDK_KEY_F5, 0, "recent.refresh", NULL);
  gtk_widget_class_add_binding_action (w, GDK_KEY_r, GDK_CONTROL_MASK, "recent.refresh", NULL);
}

static void
rd_recent_window_init (RdRecentWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
}

RdRecentWindow *
rd_recent_window_new (GtkApplication *app, RdRecentCalls *recent)
{
  RdRecentWindow *self;

  g_return_val_if_fail (RD_IS_RECENT_CALLS (recent), NULL);

  self = g_object_new (RD_TYPE_RECENT_WINDOW, "application", app, NULL);
  self->recent = g_object_ref (recent);
  g_signal_connect_swapped (recent, "changed", G_CALLBACK (rebuild), self);
  rebuild (self);
  return self;
}
