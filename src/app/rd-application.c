/* rd-application.c — see rd-application.h. */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gi18n.h>

#include "rd-application.h"
#include "rd-connection.h"
#include "rd-main-window.h"
#include "rd-notifier.h"
#include "rd-preferences-window.h"
#include "rd-recent-window.h"
#include "rd-status.h"
#include "rd-tray.h"
#include "rd-uri.h"

#define PENDING_DIAL_TIMEOUT_S 20

struct _RdApplication {
  GtkApplication       parent_instance;

  GSettings           *settings;
  RdConnection        *connection;
  RdAgentClient       *client;          /* the connection's */
  RdNotifier          *notifier;
  RdTray              *tray;
  GMenu               *menu;
  GMenu               *status_section;
  RdMainWindow        *window;
  RdPreferencesWindow *preferences;
  RdRecentWindow      *recent;
  GCancellable        *cancellable;     /* cancelled on shutdown */

  char                *pending_dial;    /* dial requested before sign-in */
  guint                pending_dial_id;
  RdAgentState         last_state;

  guint                demo_mode : 1;
  guint                background : 1;
  guint                close_hint_shown : 1;
};

G_DEFINE_FINAL_TYPE (RdApplication, rd_application, GTK_TYPE_APPLICATION)

static void update_status (RdApplication *self);
static void dial_checked (RdApplication *self, const char *number, gboolean confirm);
static void present_main_window (RdApplication *self);

/* ---- small helpers ---------------------------------------------------------- */

static void
message (RdApplication *self, const char *tag, const char *summary, const char *body)
{
  rd_notifier_show_message (self->notifier, tag, summary, body);
  if (self->window)
    {
      g_autofree char *line = body ? g_strdup_printf ("%s — %s", summary, body) : g_strdup (summary);
      rd_main_window_set_message (self->window, line);
    }
}

static GtkWindow *
parent_window (RdApplication *self)
{
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (self));
  return w && gtk_widget_get_visible (GTK_WIDGET (w)) ? w : NULL;
}

static gboolean
signed_in (RdApplication *self)
{
  return self->client && rd_agent_client_get_state (self->client) == RD_AGENT_STATE_SIGNED_IN;
}

/* ---- opening URLs ---------------------------------------------------------- */

static void
on_uri_shown (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), res, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message (self, "browser", _("The browser could not be opened"), error->message);
}

static void
open_record (RdApplication *self, const char *url)
{
  if (!rd_uri_is_web_url (url))
    {
      message (self, "browser", _("The record could not be opened"),
               _("The CRM sent an address that is not a web page."));
      return;
    }
  g_debug ("opening a CRM record in the browser");
  gtk_show_uri_full (parent_window (self), url, GDK_CURRENT_TIME, self->cancellable,
                     on_uri_shown, g_object_ref (self));
}

/* ---- dialing ------------------------------------------------------------------- */

static void
on_dialed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = rd_agent_client_dial_finish (RD_AGENT_CLIENT (source), res, &error);

  if (call_id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message (self, "dial", _("The call could not be placed"), error->message);
      return;
    }
  rd_notifier_withdraw_message (self->notifier, "dial");
  if (self->window)
    rd_main_window_set_message (self->window, _("Calling… your phone rings first; pick it up to connect."));
}

static void
dial_now (RdApplication *self, const char *number)
{
  g_autofree char *body = g_strdup_printf (_("Calling %s. Your phone rings first; pick it up to connect."), number);

  rd_notifier_show_message (self->notifier, "dial", _("Calling…"), body);
  rd_agent_client_dial_async (self->client, number, self->cancellable, on_dialed, g_object_ref (self));
}

/* A dial waiting for a CRM lookup and/or the user's confirmation. */
typedef struct {
  RdApplication *self;
  char          *number;
  int            policy;   /* "confirm-dial": 1 unknown numbers, 2 always */
} DialData;

static void
dial_data_free (DialData *d)
{
  g_object_unref (d->self);
  g_free (d->number);
  g_free (d);
}

static void
on_confirm_response (GtkDialog *dialog, int response, gpointer user_data)
{
  DialData *d = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    dial_now (d->self, d->number);
  gtk_window_destroy (GTK_WINDOW (dialog));
  dial_data_free (d);
}

static void
confirm_dial (DialData *d, const RdAgentMatch *match)
{
  GtkWidget *dialog;
  g_autofree char *who = match && match->name ? rd_uri_display_excerpt (match->name, 60) : NULL;

  dialog = gtk_message_dialog_new (parent_window (d->self), GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Call %s?"), d->number);
  if (who)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                              _("This number belongs to %s. A link asked Ringdesk to dial it."), who);
  else
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                              _("This number is not an Odoo contact. A link on a web page or in a document asked Ringdesk to dial it."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("C_all"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Confirm Call"));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (d->self));
  g_signal_connect (dialog, "response", G_CALLBACK (on_confirm_response), d);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_dial_lookup (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DialData *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdAgentMatch) match = rd_agent_client_lookup_finish (RD_AGENT_CLIENT (source), res, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    dial_data_free (d);
  else if (match && d->policy == 1)
    {
      dial_now (d->self, d->number);
      dial_data_free (d);
    }
  else
    confirm_dial (d, match);   /* unknown (or the lookup failed), or "always": ask */
}

/* Dials per the "confirm-dial" setting when @confirm (links, --dial), else at once (the
 * user picked the number in Ringdesk itself). */
static void
dial_checked (RdApplication *self, const char *number, gboolean confirm)
{
  int policy = confirm ? g_settings_get_enum (self->settings, "confirm-dial") : 0;
  DialData *d;

  if (policy == 0)
    {
      dial_now (self, number);
      return;
    }
  d = g_new0 (DialData, 1);
  d->self = g_object_ref (self);
  d->number = g_strdup (number);
  d->policy = policy;
  rd_agent_client_lookup_async (self->client, number, self->cancellable, on_dial_lookup, d);
}

static gboolean
on_pending_dial_timeout (gpointer user_data)
{
  RdApplication *self = user_data;

  self->pending_dial_id = 0;
  g_clear_pointer (&self->pending_dial, g_free);
  message (self, "dial", _("The call could not be placed"),
           _("Ringdesk is not connected to the hub. Open Ringdesk to see what is wrong."));
  return G_SOURCE_REMOVE;
}

/* Entry point for every dial request: typed text, a link from the desktop, the CLI. */
static void
dial_request (RdApplication *self, const char *text, gboolean confirm)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *number = rd_uri_to_number (text, &error);

  if (number == NULL)
    {
      g_autofree char *shown = rd_uri_display_excerpt (text, 60);
      g_autofree char *body = g_strdup_printf ("%s\n%s", error->message, shown);
      message (self, "dial", _("Ringdesk did not dial this link"), body);
      return;
    }
  if (signed_in (self))
    {
      dial_checked (self, number, confirm);
      return;
    }
  if (rd_connection_is_starting (self->connection))
    {
      /* Started by the link itself: dial once signed in (with confirmation if due). */
      g_free (self->pending_dial);
      self->pending_dial = g_strdup (number);
      g_clear_handle_id (&self->pending_dial_id, g_source_remove);
      self->pending_dial_id = g_timeout_add_seconds (PENDING_DIAL_TIMEOUT_S, on_pending_dial_timeout, self);
      if (self->window)
        rd_main_window_set_message (self->window, _("Waiting for the connection to the hub before dialing…"));
      return;
    }
  message (self, "dial", _("The call could not be placed"),
           rd_connection_is_configured (self->connection)
           ? _("Ringdesk is not connected to the hub. Open Ringdesk to see what is wrong.")
           : _("Ringdesk is not set up yet. Open Ringdesk to connect it to your hub."));
}

/* ---- actions ------------------------------------------------------------------ */

static void
act_dial (GSimpleAction *a, GVariant *p, gpointer self)
{
  dial_request (self, g_variant_get_string (p, NULL), TRUE);
}

static void
act_call (GSimpleAction *a, GVariant *p, gpointer self)
{
  dial_request (self, g_variant_get_string (p, NULL), FALSE);
}

static void
act_open_record (GSimpleAction *a, GVariant *p, gpointer self)
{
  open_record (self, g_variant_get_string (p, NULL));
}

static void
on_created (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdAgentMatch) match = rd_agent_client_create_record_finish (RD_AGENT_CLIENT (source), res, &error);

  if (match == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message (self, "create", _("The record could not be created"),
                 error ? error->message : _("The hub returned no record."));
      return;
    }
  if (match->url)
    open_record (self, match->url);
}

static void
act_create_record (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;
  const char *kind, *number;

  g_variant_get (p, "(&s&s)", &kind, &number);
  if (!g_str_equal (kind, "individual") && !g_str_equal (kind, "lead"))
    return;
  if (!signed_in (self))
    {
      message (self, "create", _("The record could not be created"), _("Ringdesk is not connected to the hub."));
      return;
    }
  rd_agent_client_create_record_async (self->client, number, kind, NULL, self->cancellable,
                                       on_created, g_object_ref (self));
}

static void
act_show_window (GSimpleAction *a, GVariant *p, gpointer self)
{
  present_main_window (self);
}

static void
act_dial_prompt (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;

  present_main_window (self);
  rd_main_window_focus_dial (self->window, NULL);
}

static void
act_recent (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;

  if (self->recent == NULL)
    {
      self->recent = rd_recent_window_new (GTK_APPLICATION (self), self->client);
      g_object_add_weak_pointer (G_OBJECT (self->recent), (gpointer *) &self->recent);
      gtk_window_set_hide_on_close (GTK_WINDOW (self->recent), FALSE);
    }
  rd_notifier_clear_missed (self->notifier);
  gtk_window_present (GTK_WINDOW (self->recent));
  rd_recent_window_refresh (self->recent);
}

static void
act_preferences (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;

  if (self->preferences == NULL)
    {
      self->preferences = rd_preferences_window_new (GTK_APPLICATION (self), self->settings, self->demo_mode);
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
      if (self->window && gtk_widget_get_visible (GTK_WIDGET (self->window)))
        gtk_window_set_transient_for (GTK_WINDOW (self->preferences), GTK_WINDOW (self->window));
    }
  if (p)
    rd_preferences_window_show_page (self->preferences, g_variant_get_string (p, NULL));
  gtk_window_present (GTK_WINDOW (self->preferences));
}

static void
act_reconnect (GSimpleAction *a, GVariant *p, gpointer self)
{
  rd_connection_reconnect (RD_APPLICATION (self)->connection);
}

static void
act_demo_call (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;

  RdDemo *demo = rd_connection_get_demo (self->connection);

  if (demo)
    rd_demo_play (demo, g_variant_get_string (p, NULL));
}

static void
act_about (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  static const char *authors[] = { "The Ringdesk authors", NULL };

  gtk_show_about_dialog (parent_window (user_data),
                         "program-name", "Ringdesk",
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Caller pop-ups, click-to-call and call logging for Odoo"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         NULL);
}

static void
act_quit (GSimpleAction *a, GVariant *p, gpointer self)
{
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_entries[] = {
  { "dial", act_dial, "s", NULL, NULL, { 0 } },
  { "call", act_call, "s", NULL, NULL, { 0 } },
  { "open-record", act_open_record, "s", NULL, NULL, { 0 } },
  { "create-record", act_create_record, "(ss)", NULL, NULL, { 0 } },
  { "show-window", act_show_window, NULL, NULL, NULL, { 0 } },
  { "dial-prompt", act_dial_prompt, NULL, NULL, NULL, { 0 } },
  { "recent-calls", act_recent, NULL, NULL, NULL, { 0 } },
  { "preferences", act_preferences, NULL, NULL, NULL, { 0 } },
  { "preferences-page", act_preferences, "s", NULL, NULL, { 0 } },
  { "reconnect", act_reconnect, NULL, NULL, NULL, { 0 } },
  { "demo-call", act_demo_call, "s", NULL, NULL, { 0 } },
  { "about", act_about, NULL, NULL, NULL, { 0 } },
  { "quit", act_quit, NULL, NULL, NULL, { 0 } },
};

/* ---- menu ----------------------------------------------------------------------- */

static void
build_menu (RdApplication *self)
{
  g_autoptr(GMenu) calls = g_menu_new ();
  g_autoptr(GMenu) app = g_menu_new ();

  self->menu = g_menu_new ();
  self->status_section = g_menu_new ();
  g_menu_append (self->status_section, _("Not set up"), NULL);
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->status_section));

  g_menu_append (calls, _("_Pause Pop-ups"), "app.pops-paused");
  g_menu_append (calls, _("_Dial a Number…"), "app.dial-prompt");
  g_menu_append (calls, _("_Recent Calls"), "app.recent-calls");
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (calls));

  /* Notification buttons mirrored here when the notification server cannot show them. */
  g_menu_append_section (self->menu, NULL, rd_notifier_get_mirror_menu (self->notifier));

  g_menu_append (app, _("_Show Ringdesk"), "app.show-window");
  g_menu_append (app, _("_Preferences"), "app.preferences");
  g_menu_append (app, _("_About Ringdesk"), "app.about");
  g_menu_append (app, _("_Quit"), "app.quit");
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (app));
}

static void
set_status_line (RdApplication *self, const char *line)
{
  g_autofree char *current = NULL;

  if (g_menu_model_get_item_attribute (G_MENU_MODEL (self->status_section), 0,
                                       G_MENU_ATTRIBUTE_LABEL, "s", &current) &&
      g_strcmp0 (current, line) == 0)
    return;
  g_menu_remove_all (self->status_section);
  g_menu_append (self->status_section, line, NULL);
}

/* ---- status --------------------------------------------------------------------- */

static void
update_status (RdApplication *self)
{
  RdAgentState state = rd_agent_client_get_state (self->client);
  const char *pbx = rd_agent_client_get_pbx_status (self->client);
  const char *crm = rd_agent_client_get_crm_status (self->client);
  const char *problem = rd_connection_get_problem (self->connection);
  g_autoptr(RdStatusText) text = NULL;

  text = rd_status_describe (rd_connection_is_configured (self->connection), state,
                             rd_agent_client_get_user_name (self->client),
                             rd_agent_client_get_extension (self->client), pbx, crm,
                             rd_agent_client_get_status_message (self->client),
                             problem ? problem : rd_agent_client_get_last_error (self->client));
  /* The hub ended our access (unbound, key replaced or revoked…): say that, not "refused". */
  if (state == RD_AGENT_STATE_AUTH_FAILED && rd_agent_client_get_close_message (self->client) != NULL)
    {
      g_free (text->title);
      text->title = g_strdup (_("Your access to the hub has ended"));
      g_free (text->summary);
      text->summary = g_strdup (_("Access ended"));
    }
  if (problem && text->level == RD_STATUS_OK)
    {
      text->level = RD_STATUS_ERROR;
      g_free (text->advice);
      text->advice = g_strdup_printf (_("%s\nCheck the phone system and Odoo details in Preferences."), problem);
    }

  if (self->window)
    rd_main_window_set_status (self->window, text, rd_connection_get_hub_label (self->connection),
                               state == RD_AGENT_STATE_SIGNED_IN ? rd_status_pbx_label (pbx) : NULL,
                               state == RD_AGENT_STATE_SIGNED_IN ? rd_status_crm_label (crm) : NULL);
  set_status_line (self, text->summary);
  if (self->tray)
    rd_tray_set_tooltip (self->tray, text->title, text->advice);

  /* Losing the connection after having had it is worth a notification; getting it back
   * withdraws it. */
  if (state == RD_AGENT_STATE_SIGNED_IN)
    rd_notifier_withdraw_message (self->notifier, "connection");
  else if ((state == RD_AGENT_STATE_RECONNECTING || state == RD_AGENT_STATE_AUTH_FAILED) &&
           self->last_state == RD_AGENT_STATE_SIGNED_IN)
    rd_notifier_show_message (self->notifier, "connection", text->title, text->advice);
  self->last_state = state;
}

static void
on_client_state (RdAgentClient *client, GParamSpec *pspec, RdApplication *self)
{
  RdAgentState state = rd_agent_client_get_state (client);

  update_status (self);
  if (state == RD_AGENT_STATE_SIGNED_IN && self->pending_dial)
    {
      g_autofree char *number = g_steal_pointer (&self->pending_dial);
      g_clear_handle_id (&self->pending_dial_id, g_source_remove);
      dial_checked (self, number, TRUE);
    }
  else if (state == RD_AGENT_STATE_AUTH_FAILED && self->pending_dial)
    {
      g_clear_handle_id (&self->pending_dial_id, g_source_remove);
      on_pending_dial_timeout (self);
    }
}

static void
on_client_call (RdAgentClient *client, RdAgentCall *call, RdApplication *self)
{
  rd_notifier_handle_call (self->notifier, call);
}

static void
on_client_match (RdAgentClient *client, const char *call_id, RdAgentMatch *match, RdApplication *self)
{
  rd_notifier_handle_match (self->notifier, call_id, match);
}

static void
on_client_dial_failed (RdAgentClient *client, const char *call_id, const char *reason, RdApplication *self)
{
  message (self, "dial", _("The call could not be placed"), reason);
}

static void
on_show_tray_changed (GSettings *settings, const char *key, RdApplication *self)
{
  if (self->tray)
    rd_tray_set_visible (self->tray, g_settings_get_boolean (settings, "show-tray-icon"));
}

static void
on_missed_count (RdNotifier *notifier, GParamSpec *pspec, RdApplication *self)
{
  if (self->tray)
    rd_tray_set_attention (self->tray, rd_notifier_get_missed_count (notifier) > 0);
}

static void
on_connection_changed (RdConnection *connection, RdApplication *self)
{
  RdDemo *demo = rd_connection_get_demo (connection);

  if (self->window && demo)
    rd_main_window_set_demo_url (self->window, rd_demo_get_odoo_url (demo));
  update_status (self);
}

static void
connect_client (RdApplication *self)
{
  self->connection = rd_connection_new (self->settings, self->demo_mode);
  self->client = rd_connection_get_client (self->connection);
  g_signal_connect (self->connection, "changed", G_CALLBACK (on_connection_changed), self);
  g_signal_connect (self->client, "notify::state", G_CALLBACK (on_client_state), self);
  g_signal_connect_swapped (self->client, "notify::last-error", G_CALLBACK (update_status), self);
  g_signal_connect_swapped (self->client, "status-changed", G_CALLBACK (update_status), self);
  g_signal_connect (self->client, "call", G_CALLBACK (on_client_call), self);
  g_signal_connect (self->client, "match", G_CALLBACK (on_client_match), self);
  g_signal_connect (self->client, "dial-failed", G_CALLBACK (on_client_dial_failed), self);
}

/* ---- windows --------------------------------------------------------------------- */

static gboolean
on_main_close (GtkWindow *window, RdApplication *self)
{
  gboolean in_tray = self->tray && rd_tray_get_available (self->tray) &&
                     g_settings_get_boolean (self->settings, "show-tray-icon");

  if (!self->close_hint_shown && !in_tray)
    {
      self->close_hint_shown = TRUE;
      rd_notifier_show_message (self->notifier, "background", _("Ringdesk is still running"),
                                _("It keeps showing incoming calls. Choose Quit in its menu to stop it."));
    }
  return FALSE;   /* hide-on-close does the rest */
}

static void
present_main_window (RdApplication *self)
{
  if (self->window == NULL)
    {
      self->window = rd_main_window_new (GTK_APPLICATION (self), G_MENU_MODEL (self->menu),
                                         rd_notifier_get_mirror_menu (self->notifier));
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      gtk_window_set_hide_on_close (GTK_WINDOW (self->window), TRUE);
      g_signal_connect (self->window, "close-request", G_CALLBACK (on_main_close), self);
      on_connection_changed (self->connection, self);
    }
  if (self->tray)
    {
      g_autofree char *token = rd_tray_take_activation_token (self->tray);
      if (token)
        gtk_window_set_startup_id (GTK_WINDOW (self->window), token);
    }
  rd_notifier_clear_missed (self->notifier);
  gtk_window_present (GTK_WINDOW (self->window));
}

/* ---- GApplication ------------------------------------------------------------------ */

static void
rd_application_activate (GApplication *app)
{
  present_main_window (RD_APPLICATION (app));
}

static void
rd_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      dial_request (RD_APPLICATION (app), uri, TRUE);
    }
}

static int
rd_application_command_line (GApplication *app, GApplicationCommandLine *cmdline)
{
  RdApplication *self = RD_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autofree char *dial = NULL;
  g_autofree const char **rest = NULL;
  gboolean did_something = FALSE;

  if (g_variant_dict_contains (options, "quit"))
    {
      g_application_quit (app);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo") && !self->demo_mode)
    {
      g_application_command_line_printerr (cmdline, "%s\n",
                                           _("Ringdesk is already running. Quit it first (ringdesk --quit) to start the demo."));
      return 1;
    }
  if (g_variant_dict_lookup (options, "dial", "s", &dial))
    {
      dial_request (self, dial, TRUE);
      did_something = TRUE;
    }
  if (g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &rest))
    for (guint i = 0; rest[i]; i++)
      {
        dial_request (self, rest[i], TRUE);
        did_something = TRUE;
      }
  if (g_variant_dict_contains (options, "preferences"))
    {
      g_action_group_activate_action (G_ACTION_GROUP (self), "preferences", NULL);
      did_something = TRUE;
    }
  if (!did_something && !(self->background && !g_application_command_line_get_is_remote (cmdline)))
    g_application_activate (app);
  return 0;
}

/* The installed schema, or (running from the build tree, e.g. tools/run-demo.sh) the one
 * compiled next to the build. The demo keeps its settings in memory only. */
static GSettings *
new_settings (gboolean in_memory)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = in_memory ? g_memory_settings_backend_new () : NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      build_source = g_settings_schema_source_new_from_directory (RD_BUILD_SCHEMA_DIR, source, FALSE, NULL);
      if (build_source)
        schema = g_settings_schema_source_lookup (build_source, APP_ID, TRUE);
    }
  if (schema == NULL)
    g_error ("The settings schema %s is not installed (run “ninja install”, or set GSETTINGS_SCHEMA_DIR).", APP_ID);
  return g_settings_new_full (schema, backend, NULL);
}

static int
rd_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  RdApplication *self = RD_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("ringdesk %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* Only matters if this process becomes the primary instance (see startup). */
  self->demo_mode = g_variant_dict_contains (options, "demo");
  self->background = g_variant_dict_contains (options, "background");
  return -1;
}

static void
rd_application_startup (GApplication *app)
{
  RdApplication *self = RD_APPLICATION (app);
  GDBusConnection *bus;
  g_autoptr(GAction) paused = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *dial_accels[] = { "<Control>d", NULL };
  static const char *recent_accels[] = { "<Control>r", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (rd_application_parent_class)->startup (app);

  self->settings = new_settings (self->demo_mode);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  paused = g_settings_create_action (self->settings, "pops-paused");
  g_action_map_add_action (G_ACTION_MAP (self), paused);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "demo-call")),
                               self->demo_mode);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.dial-prompt", dial_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.recent-calls", recent_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);

  connect_client (self);
  self->notifier = rd_notifier_new (G_ACTION_GROUP (self), self->settings);
  g_signal_connect (self->notifier, "notify::missed-count", G_CALLBACK (on_missed_count), self);
  build_menu (self);

  bus = g_application_get_dbus_connection (app);
  if (bus)
    {
      g_autoptr(GError) error = NULL;

      self->tray = rd_tray_new (bus, G_MENU_MODEL (self->menu), G_ACTION_GROUP (self));
      if (!rd_tray_start (self->tray, &error))
        {
          g_warning ("No tray icon: %s", error->message);
          g_clear_object (&self->tray);
        }
      else
        {
          g_signal_connect_swapped (self->tray, "activate", G_CALLBACK (present_main_window), self);
          g_signal_connect (self->settings, "changed::show-tray-icon", G_CALLBACK (on_show_tray_changed), self);
          on_show_tray_changed (self->settings, "show-tray-icon", self);
        }
    }

  /* A telephony helper lives in the background; Quit (menu, Ctrl+Q, --quit) ends it. */
  g_application_hold (app);
  g_signal_connect_swapped (self->settings, "changed::configured", G_CALLBACK (update_status), self);
  rd_connection_reconnect (self->connection);
}

static void
rd_application_shutdown (GApplication *app)
{
  RdApplication *self = RD_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pending_dial_id, g_source_remove);
  if (self->connection)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_signal_handlers_disconnect_by_data (self->connection, self);
      rd_connection_stop (self->connection);
    }
  g_clear_object (&self->tray);
  G_APPLICATION_CLASS (rd_application_parent_class)->shutdown (app);
}

static void
rd_application_finalize (GObject *object)
{
  RdApplication *self = RD_APPLICATION (object);

  self->client = NULL;
  g_clear_object (&self->connection);
  g_clear_object (&self->notifier);
  g_clear_object (&self->menu);
  g_clear_object (&self->status_section);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->pending_dial);
  G_OBJECT_CLASS (rd_application_parent_class)->finalize (object);
}

static void
rd_application_class_init (RdApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = rd_application_finalize;
  app_class->activate = rd_application_activate;
  app_class->open = rd_application_open;
  app_class->command_line = rd_application_command_line;
  app_class->handle_local_options = rd_application_handle_local_options;
  app_class->startup = rd_application_startup;
  app_class->shutdown = rd_application_shutdown;
}

static void
rd_application_init (RdApplication *self)
{
  const GOptionEntry options[] = {
    { "dial", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Dial NUMBER (or a tel:, callto: or sip: link)"), N_("NUMBER") },
    { "preferences", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Open the preferences"), NULL },
    { "quit", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Quit the running instance"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Run the demo with a simulated phone system and Odoo"), NULL },
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Start without opening a window"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[LINK…]") },
    { NULL }
  };

  self->cancellable = g_cancellable_new ();
  self->last_state = RD_AGENT_STATE_DISCONNECTED;
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Caller pop-ups and click-to-call for Odoo.\n"
                                              "LINK is a tel:, callto:, sip: or sips: link to dial."));
}

RdApplication *
rd_application_new (void)
{
  return g_object_new (RD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/io/github/ringdesk/Ringdesk",
                       NULL);
}

GSettings *
rd_application_get_settings (RdApplication *self)
{
  g_return_val_if_fail (RD_IS_APPLICATION (self), NULL);
  return self->settings;
}

RdAgentClient *
rd_application_get_client (RdApplication *self)
{
  g_return_val_if_fail (RD_IS_APPLICATION (self), NULL);
  return self->client;
}
