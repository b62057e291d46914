/* rd-recent-window.c — the agent's recent calls from the hub, searchable, with call back
 * and open-in-Odoo buttons. Text from the hub lands in plain labels (never markup). */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-recent-window.h"
#include "rd-uri.h"

#define RECENT_LIMIT 100

struct _RdRecentWindow {
  GtkWindow       parent_instance;

  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkListBox     *list;
  GtkImage       *empty_icon;
  GtkLabel       *empty_title;
  GtkLabel       *empty_detail;

  RdAgentClient  *client;
  GCancellable   *cancellable;
  guint           loaded_count;
};

G_DEFINE_FINAL_TYPE (RdRecentWindow, rd_recent_window, GTK_TYPE_WINDOW)

enum { SIGNAL_LOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- formatting ----------------------------------------------------------------- */

char *
rd_recent_format_duration (guint seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  return g_strdup_printf ("%u:%02u", seconds / 60, seconds % 60);
}

char *
rd_recent_format_time (gint64 unix_seconds, gint64 now_unix)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (unix_seconds);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_unix);
  g_autoptr(GDateTime) yesterday = NULL;

  if (t == NULL || now == NULL)
    return g_strdup ("");
  yesterday = g_date_time_add_days (now, -1);
  if (g_date_time_get_year (t) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (t) == g_date_time_get_day_of_year (now))
    return g_date_time_format (t, "%H:%M");
  if (g_date_time_get_year (t) == g_date_time_get_year (yesterday) &&
      g_date_time_get_day_of_year (t) == g_date_time_get_day_of_year (yesterday))
    {
      g_autofree char *hm = g_date_time_format (t, "%H:%M");
      /* TRANSLATORS: "Yesterday 14:05" */
      return g_strdup_printf (_("Yesterday %s"), hm);
    }
  return g_date_time_format (t, "%x %H:%M");
}

const char *
rd_recent_outcome_label (const char *outcome)
{
  if (g_strcmp0 (outcome, "answered") == 0)
    return _("Answered");
  if (g_strcmp0 (outcome, "no-answer") == 0)
    return _("Not answered");
  if (g_strcmp0 (outcome, "busy") == 0)
    return _("Busy");
  if (g_strcmp0 (outcome, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (outcome, "voicemail") == 0)
    return _("Voicemail");
  return _("Unknown");
}

/* Icon name and accessible label for a call's direction and outcome. */
static void
direction_icon (const RdAgentRecentCall *c, const char **icon, const char **label)
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

static GtkWidget *
plain_label (const char *text, guint max_chars, gboolean dim)
{
  g_autofree char *safe = rd_uri_display_excerpt (text ? text : "", max_chars);
  GtkWidget *label = gtk_label_new (safe);   /* gtk_label_new never parses markup */

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static GtkWidget *
make_row (const RdAgentRecentCall *c, gint64 now)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *meta = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *image, *button;
  const char *icon, *dir_label;
  const char *name = c->name && *c->name ? c->name : (c->match ? c->match->name : NULL);
  g_autofree char *when = rd_recent_format_time (c->start, now);
  g_autofree char *duration = rd_recent_format_duration (c->talk);
  g_autofree char *outcome = NULL;
  g_autofree char *row_label = NULL;

  direction_icon (c, &icon, &dir_label);
  image = gtk_image_new_from_icon_name (icon);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, dir_label, -1);
  gtk_widget_set_tooltip_text (image, dir_label);
  if (g_str_equal (icon, "call-missed-symbolic"))
    gtk_widget_add_css_class (image, "error");
  gtk_box_append (GTK_BOX (box), image);

  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), plain_label (name && *name ? name : c->number, 60, FALSE));
  if (name && *name)
    gtk_box_append (GTK_BOX (texts), plain_label (c->number, 40, TRUE));
  gtk_box_append (GTK_BOX (box), texts);

  outcome = g_strcmp0 (c->outcome, "answered") == 0
    ? g_strdup_printf ("%s · %s", rd_recent_outcome_label (c->outcome), duration)
    : g_strdup (rd_recent_outcome_label (c->outcome));
  gtk_box_append (GTK_BOX (meta), plain_label (when, 30, FALSE));
  gtk_box_append (GTK_BOX (meta), plain_label (outcome, 30, TRUE));
  gtk_widget_set_halign (meta, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (box), meta);

  button = gtk_button_new_from_icon_name ("call-start-symbolic");
  gtk_widget_set_tooltip_text (button, _("Call back"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Call back"), -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.call");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", c->number ? c->number : "");
  gtk_widget_set_sensitive (button, c->number && *c->number);
  gtk_box_append (GTK_BOX (box), button);

  button = gtk_button_new_from_icon_name ("web-browser-symbolic");
  gtk_widget_set_tooltip_text (button, _("Open in Odoo"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open in Odoo"), -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (c->match && rd_uri_is_web_url (c->match->url))
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.open-record");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", c->match->url);
    }
  else
    gtk_widget_set_sensitive (button, FALSE);
  gtk_box_append (GTK_BOX (box), button);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  row_label = g_strdup_printf ("%s, %s, %s, %s", dir_label, name && *name ? name : (c->number ? c->number : ""), when, outcome);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, row_label, -1);
  return row;
}

static void
show_empty (RdRecentWindow *self, const char *icon, const char *title, const char *detail)
{
  gtk_image_set_from_icon_name (self->empty_icon, icon);
  gtk_label_set_text (self->empty_title, title);
  gtk_label_set_text (self->empty_detail, detail ? detail : "");
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

void
rd_recent_window_set_calls (RdRecentWindow *self, GPtrArray *calls, gint64 now_unix)
{
  GtkWidget *child;

  g_return_if_fail (RD_IS_RECENT_WINDOW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
  self->loaded_count = calls ? calls->len : 0;
  for (guint i = 0; calls && i < calls->len; i++)
    gtk_list_box_append (self->list, make_row (g_ptr_array_index (calls, i), now_unix));

  if (self->loaded_count > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)))
    show_empty (self, "edit-find-symbolic", _("No calls match"), _("Try another name or number."));
  else
    show_empty (self, "document-open-recent-symbolic", _("No calls yet"),
                _("Calls you make and receive appear here once they are logged."));
}

static void
on_recent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) calls = rd_agent_client_recent_finish (RD_AGENT_CLIENT (source), res, &error);
  RdRecentWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = RD_RECENT_WINDOW (user_data);
  if (calls == NULL)
    {
      g_autofree char *detail = rd_uri_display_excerpt (error->message, 200);
      show_empty (self, "network-offline-symbolic", _("Recent calls are not available"), detail);
    }
  else
    rd_recent_window_set_calls (self, calls, g_get_real_time () / G_USEC_PER_SEC);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
on_refresh (RdRecentWindow *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->client == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (rd_agent_client_get_state (self->client) != RD_AGENT_STATE_SIGNED_IN)
    {
      show_empty (self, "network-offline-symbolic", _("Not signed in"),
                  _("Recent calls appear once Ringdesk is connected to the hub."));
      g_signal_emit (self, signals[SIGNAL_LOADED], 0);
      return;
    }
  rd_agent_client_recent_async (self->client, RECENT_LIMIT, query && *query ? query : NULL,
                                self->cancellable, on_recent, self);
}

void
rd_recent_window_refresh (RdRecentWindow *self)
{
  g_return_if_fail (RD_IS_RECENT_WINDOW (self));
  on_refresh (self);
}

guint
rd_recent_window_get_count (RdRecentWindow *self)
{
  g_return_val_if_fail (RD_IS_RECENT_WINDOW (self), 0);
  return self->loaded_count;
}

static void
on_call_logged (RdAgentClient *client, const char *call_id, RdRecentWindow *self)
{
  on_refresh (self);
}

static void
on_state (RdAgentClient *client, GParamSpec *pspec, RdRecentWindow *self)
{
  if (rd_agent_client_get_state (client) == RD_AGENT_STATE_SIGNED_IN)
    on_refresh (self);
}

static void
refresh_action (GtkWidget *widget, const char *name, GVariant *param)
{
  on_refresh (RD_RECENT_WINDOW (widget));
}

static void
rd_recent_window_dispose (GObject *object)
{
  RdRecentWindow *self = RD_RECENT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->client)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
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
  gtk_widget_class_bind_template_child (w, RdRecentWindow, empty_icon);
  gtk_widget_class_bind_template_child (w, RdRecentWindow, empty_title);
  gtk_widget_class_bind_template_child (w, RdRecentWindow, empty_detail);
  gtk_widget_class_bind_template_callback (w, on_refresh);
  gtk_widget_class_add_binding_action (w, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (w, GDK_KEY_F5, 0, "recent.refresh", NULL);
  gtk_widget_class_install_action (w, "recent.refresh", NULL, refresh_action);

  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_recent_window_init (RdRecentWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
}

RdRecentWindow *
rd_recent_window_new (GtkApplication *app, RdAgentClient *client)
{
  RdRecentWindow *self = g_object_new (RD_TYPE_RECENT_WINDOW, "application", app, NULL);

  if (client)
    {
      self->client = g_object_ref (client);
      g_signal_connect (client, "call-logged", G_CALLBACK (on_call_logged), self);
      g_signal_connect (client, "notify::state", G_CALLBACK (on_state), self);
    }
  return self;
}
