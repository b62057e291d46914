/* rd-application.c — see rd-application.h. */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gi18n.h>

#include "rd-application.h"
#include "rd-autostart.h"
#include "rd-connection.h"
#include "rd-dial-dialog.h"
#include "rd-format.h"
#include "rd-handlers.h"
#include "rd-main-window.h"
#include "rd-memory.h"
#include "rd-notifier.h"
#include "rd-paths.h"
#include "rd-preferences-window.h"
#include "rd-recent-calls.h"
#include "rd-recent-window.h"
#include "rd-status.h"
#include "rd-tray.h"
#include "rd-uri.h"

#define PENDING_DIAL_TIMEOUT_S 20
#define DIAL_FEEDBACK_TIMEOUT_S 120   /* "Calling…" goes away at the latest then */
#define FAILURE_TOAST_S 8

/* A call this app asked the PBX to place, until it is answered or fails. */
typedef struct {
  guint          serial;     /* which dial request this is */
  char          *call_id;    /* NULL until the hub confirmed the dial */
  char          *who;        /* "Li Wei (+86 186 2100 3344)" or the formatted number */
  guint          timeout_id;
  gboolean       in_window;  /* feedback as a toast in the window, else a notification */
} Dial;

struct _RdApplication {
  GtkApplication       parent_instance;

  GSettings           *settings;
  RdConnection        *connection;
  RdAgentClient       *client;           /* the connection's */
  RdNotifier          *notifier;
  RdTray              *tray;
  GSimpleActionGroup  *actions;          /* every action, "call" included; never exported */
  GtkBuilder          *menus;            /* gtk/menus.ui */
  GMenu               *status_section;   /* of the tray menu */
  RdMainWindow        *window;
  RdPreferencesWindow *preferences;
  RdRecentWindow      *recent_window;
  RdRecentCalls       *recent;           /* the main window's last calls */
  GHashTable          *asking;           /* number → RdDialDialog, or NULL while looking up */
  Dial                *dial;             /* the call being placed, if any */
  guint                dial_serial;
  GCancellable        *cancellable;      /* cancelled on shutdown */

  char                *pending_dial;     /* dial requested before sign-in */
  guint                pending_dial_id;
  guint                trim_id;           /* memory given back a while after a call ended */
  RdAgentState         last_state;

  guint                demo_mode : 1;
  guint                background : 1;
  guint                close_hint_shown : 1;
  guint                trimmed : 1;
};

G_DEFINE_FINAL_TYPE (RdApplication, rd_application, GTK_TYPE_APPLICATION)

#define RESOURCE_PATH "/io/github/ringdesk/Ringdesk"

static void update_status (RdApplication *self);
static void dial_checked (RdApplication *self, const char *number, gboolean confirm, gboolean in_window);
static void present_main_window (RdApplication *self);

/* ---- small helpers ---------------------------------------------------------- */

void
rd_application_init_style (void)
{
  static gboolean done;
  g_autoptr(GtkCssProvider) css = NULL;

  if (done)
    return;
  done = TRUE;
  adw_init ();
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    RESOURCE_PATH "/icons");
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/ringdesk/Ringdesk/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
trim (gpointer data)
{
  rd_memory_release ();
}

/* libadwaita (its style sheet and style manager) and Ringdesk's own style sheet are set up
 * with the first window: Ringdesk mostly runs in the background without one, and this saves
 * about 2.4 MB there (bench B4). What building the first window needed only for a moment goes
 * back to the system once it is up. */
static void
ui_ready (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  rd_application_init_style ();
  g_idle_add_once (trim, NULL);
}

static GtkWindow *
parent_window (RdApplication *self)
{
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (self));
  return w && gtk_widget_get_visible (GTK_WIDGET (w)) ? w : NULL;
}

static gboolean
window_in_use (RdApplication *self)
{
  return self->window && gtk_widget_get_visible (GTK_WIDGET (self->window)) &&
         gtk_window_is_active (GTK_WINDOW (self->window));
}

/* A problem or a result the user should see: in the window when they are using it, else as a
 * notification. */
static void
message (RdApplication *self, const char *tag, const char *category, const char *summary, const char *body)
{
  if (window_in_use (self))
    {
      g_autofree char *line = body ? g_strdup_printf ("%s: %s", summary, body) : g_strdup (summary);
      rd_main_window_show_toast (self->window, tag, line, FAILURE_TOAST_S);
      return;
    }
  rd_notifier_show_message (self->notifier, tag, category, summary, body);
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
    message (self, "browser", NULL, _("The browser could not be opened"), error->message);
}

static void
open_record (RdApplication *self, const char *url)
{
  if (!rd_uri_is_web_url (url))
    {
      message (self, "browser", NULL, _("The record could not be opened"),
               _("The CRM sent an address that is not a web page."));
      return;
    }
  g_debug ("opening a CRM record in the browser");
  gtk_show_uri_full (parent_window (self), url, GDK_CURRENT_TIME, self->cancellable,
                     on_uri_shown, g_object_ref (self));
}

/* ---- feedback while a call is placed ------------------------------------------------ */

static void
dial_feedback_clear (RdApplication *self)
{
  Dial *d = g_steal_pointer (&self->dial);

  if (d == NULL)
    return;
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  if (self->window)
    rd_main_window_dismiss_toast (self->window, "dial");
  rd_notifier_withdraw_message (self->notifier, "dial");
  g_free (d->call_id);
  g_free (d->who);
  g_free (d);
}

static void
dial_failed (RdApplication *self, const char *summary, const char *reason)
{
  gboolean in_window = self->dial ? self->dial->in_window : window_in_use (self);

  dial_feedback_clear (self);
  if (in_window && self->window)
    {
      g_autofree char *line = reason ? g_strdup_printf ("%s: %s", summary, reason) : g_strdup (summary);
      rd_main_window_show_toast (self->window, "dial", line, FAILURE_TOAST_S);
    }
  else
    rd_notifier_show_message (self->notifier, "dial", "call.ended", summary, reason);
}

static gboolean
on_dial_feedback_timeout (gpointer user_data)
{
  RdApplication *self = user_data;

  self->dial->timeout_id = 0;
  dial_feedback_clear (self);
  return G_SOURCE_REMOVE;
}

/* "Calling Li Wei…", kept until the call is answered or fails (or DIAL_FEEDBACK_TIMEOUT_S). */
static void
dial_feedback_start (RdApplication *self, const char *who, gboolean in_window)
{
  g_autofree char *title = g_strdup_printf (_("Calling %s…"), who);
  const char *body = _("Your phone rings first; pick it up to connect.");

  dial_feedback_clear (self);
  self->dial = g_new0 (Dial, 1);
  self->dial->serial = ++self->dial_serial;
  self->dial->who = g_strdup (who);
  self->dial->in_window = in_window && self->window != NULL;
  self->dial->timeout_id = g_timeout_add_seconds (DIAL_FEEDBACK_TIMEOUT_S, on_dial_feedback_timeout, self);
  if (self->dial->in_window)
    rd_main_window_show_toast (self->window, "dial", title, 0);   /* short: a toast is one line */
  else
    rd_notifier_show_message (self->notifier, "dial", "call", title, body);
}

/* The call's own events end the feedback: answered, or ended without an answer. */
static void
dial_feedback_on_call (RdApplication *self, const RdAgentCall *call)
{
  if (self->dial == NULL || g_strcmp0 (self->dial->call_id, call->call_id) != 0)
    return;
  if (g_str_equal (call->event, "answered"))
    dial_feedback_clear (self);
  else if (g_str_equal (call->event, "ended"))
    {
      g_autofree char *summary = g_strdup_printf (_("The call to %s was not connected"), self->dial->who);
      dial_failed (self, summary, NULL);
    }
}

/* ---- dialing ------------------------------------------------------------------- */

typedef struct {
  RdApplication *self;
  guint          serial;
} DialReply;

static void
on_dialed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DialReply *reply = user_data;
  g_autoptr(RdApplication) self = reply->self;
  guint serial = reply->serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = rd_agent_client_dial_finish (RD_AGENT_CLIENT (source), res, &error);
  gboolean current = self->dial && self->dial->serial == serial;   /* not overtaken by a later dial */

  g_free (reply);
  if (call_id == NULL)
    {
      if (current && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dial_failed (self, _("The call could not be placed"), error->message);
      return;
    }
  if (current)
    self->dial->call_id = g_steal_pointer (&call_id);
}

static void
dial_now (RdApplication *self, const char *number, const char *display, const char *name, gboolean in_window)
{
  g_autofree char *shown = rd_uri_display_excerpt (display && *display ? display : number, 64);
  /* Short enough that the number always fits in a toast or a notification's title. */
  g_autofree char *who_name = name ? rd_format_middle (name, 24) : NULL;
  /* TRANSLATORS: "Li Wei (+86 186 2100 3344)" */
  g_autofree char *who = who_name ? g_strdup_printf (_("%s (%s)"), who_name, shown) : g_strdup (shown);

  DialReply *reply = g_new0 (DialReply, 1);

  dial_feedback_start (self, who, in_window);
  reply->self = g_object_ref (self);
  reply->serial = self->dial->serial;
  rd_agent_client_dial_async (self->client, number, self->cancellable, on_dialed, reply);
}

/* A dial waiting for the hub's lookup (name, formatted number) and maybe the user's answer. */
typedef struct {
  RdApplication *self;
  char          *number;
  int            policy;     /* "confirm-dial": 0 never, 1 unknown numbers, 2 always */
  gboolean       in_window;
  char          *display;
  char          *name;
} DialData;

static void
dial_data_free (DialData *d)
{
  g_object_unref (d->self);
  g_free (d->number);
  g_free (d->display);
  g_free (d->name);
  g_free (d);
}

static void
on_confirm_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  DialData *d = user_data;

  g_hash_table_remove (d->self->asking, d->number);
  if (g_str_equal (response, "call"))
    dial_now (d->self, d->number, d->display, d->name, d->in_window);
  dial_data_free (d);
}

static void
confirm_dial (DialData *d)
{
  RdDialDialog *dialog;

  ui_ready ();
  dialog = rd_dial_dialog_new (parent_window (d->self), d->number, d->display, d->name);

  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (d->self));
  g_hash_table_replace (d->self->asking, g_strdup (d->number), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_confirm_response), d);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_dial_lookup (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DialData *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdAgentMatch) match = rd_agent_client_lookup_finish_full (RD_AGENT_CLIENT (source), res,
                                                                      &d->display, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_hash_table_remove (d->self->asking, d->number);
      dial_data_free (d);
      return;
    }
  d->name = g_strdup (rd_format_person_name (match));
  if (d->policy == 0 || (match && d->policy == 1))
    {
      g_hash_table_remove (d->self->asking, d->number);
      dial_now (d->self, d->number, d->display, d->name, d->in_window);
      dial_data_free (d);
    }
  else
    confirm_dial (d);   /* unknown (or the lookup failed), or "always": ask */
}

/* Dials per the "confirm-dial" setting when @confirm (links, --dial, D-Bus), else at once (the
 * user picked the number in Ringdesk itself). One question per number at a time: asking again
 * brings the open one forward. */
static void
dial_checked (RdApplication *self, const char *number, gboolean confirm, gboolean in_window)
{
  DialData *d;

  if (g_hash_table_contains (self->asking, number))
    {
      GtkWindow *open = g_hash_table_lookup (self->asking, number);
      if (open)
        gtk_window_present (open);
      return;
    }
  d = g_new0 (DialData, 1);
  d->self = g_object_ref (self);
  d->number = g_strdup (number);
  d->policy = confirm ? g_settings_get_enum (self->settings, "confirm-dial") : 0;
  d->in_window = in_window;
  g_hash_table_insert (self->asking, g_strdup (number), NULL);
  rd_agent_client_lookup_async (self->client, number, self->cancellable, on_dial_lookup, d);
}

static gboolean
on_pending_dial_timeout (gpointer user_data)
{
  RdApplication *self = user_data;

  self->pending_dial_id = 0;
  g_clear_pointer (&self->pending_dial, g_free);
  message (self, "dial", "call.ended", _("The call could not be placed"),
           _("Ringdesk is not connected to the hub. Open Ringdesk to see what is wrong."));
  return G_SOURCE_REMOVE;
}

/* Entry point for every dial request: typed text, a link from the desktop, the CLI. */
static void
dial_request (RdApplication *self, const char *text, gboolean confirm)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *number = rd_uri_to_number (text, &error);
  gboolean in_window = !confirm && window_in_use (self);

  if (number == NULL)
    {
      g_autofree char *shown = rd_uri_display_excerpt (text, 60);
      g_autofree char *body = g_strdup_printf ("%s\n%s", error->message, shown);
      message (self, "dial", "call", _("Ringdesk did not dial this link"), in_window ? error->message : body);
      return;
    }
  if (signed_in (self))
    {
      dial_checked (self, number, confirm, in_window);
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
        rd_main_window_show_toast (self->window, "dial", _("Waiting for the connection to the hub before dialing…"), 0);
      return;
    }
  message (self, "dial", "call.ended", _("The call could not be placed"),
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

static RdRecentCalls *main_recent (RdApplication *self);

typedef struct {
  RdApplication *self;
  char          *number;
} Create;

static void
on_created (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Create *c = user_data;
  g_autoptr(RdApplication) self = c->self;
  g_autofree char *number = c->number;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdAgentMatch) match = rd_agent_client_create_record_finish (RD_AGENT_CLIENT (source), res, &error);

  g_free (c);
  if (match == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message (self, "create", NULL, _("The record could not be created"),
                 error ? error->message : _("The hub returned no record."));
      return;
    }
  /* Whatever offered "Create" for this number now offers the record. */
  rd_notifier_record_created (self->notifier, number, match);
  rd_recent_calls_record_created (main_recent (self), number, match);
  if (self->window)
    rd_recent_calls_refresh (self->recent);
  if (self->recent_window)
    rd_recent_window_refresh (self->recent_window);
  if (self->window)
    rd_main_window_show_toast (self->window, "create",
                               g_str_equal (match->kind, "lead") ? _("Lead created in Odoo") : _("Contact created in Odoo"),
                               4);
  if (match->url)
    open_record (self, match->url);
}

static void
act_create_record (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;
  const char *kind, *number;
  Create *c;

  g_variant_get (p, "(&s&s)", &kind, &number);
  if (!g_str_equal (kind, "individual") && !g_str_equal (kind, "lead"))
    return;
  if (!signed_in (self))
    {
      message (self, "create", NULL, _("The record could not be created"), _("Ringdesk is not connected to the hub."));
      return;
    }
  c = g_new0 (Create, 1);
  c->self = g_object_ref (self);
  c->number = g_strdup (number);
  rd_agent_client_create_record_async (self->client, number, kind, NULL, self->cancellable, on_created, c);
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

static RdRecentCalls *
main_recent (RdApplication *self)
{
  if (self->recent == NULL)
    self->recent = rd_recent_calls_new (self->client, RD_RECENT_LIMIT);
  return self->recent;
}

static void
act_recent (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;

  ui_ready ();
  if (self->recent_window == NULL)
    {
      g_autoptr(RdRecentCalls) recent = rd_recent_calls_new (self->client, RD_RECENT_LIMIT);

      self->recent_window = rd_recent_window_new (GTK_APPLICATION (self), recent);
      g_object_add_weak_pointer (G_OBJECT (self->recent_window), (gpointer *) &self->recent_window);
      gtk_widget_insert_action_group (GTK_WIDGET (self->recent_window), "app", G_ACTION_GROUP (self->actions));
    }
  rd_notifier_clear_missed (self->notifier);
  gtk_window_present (GTK_WINDOW (self->recent_window));
  rd_recent_window_refresh (self->recent_window);
}

static void
act_preferences (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  RdApplication *self = user_data;

  ui_ready ();
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

  rd_connection_play_demo (self->connection, g_variant_get_string (p, NULL));
}

static void
act_about (GSimpleAction *a, GVariant *p, gpointer user_data)
{
  ui_ready ();
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/ringdesk/Ringdesk/ui/rd-about-window.ui");
  GtkWindow *about = GTK_WINDOW (gtk_builder_get_object (builder, "about"));

  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PACKAGE_VERSION);
  gtk_window_set_transient_for (about, parent_window (user_data));
  gtk_window_set_application (about, GTK_APPLICATION (user_data));
  gtk_window_present (about);
}

static void
act_quit (GSimpleAction *a, GVariant *p, gpointer self)
{
  g_application_quit (G_APPLICATION (self));
}

/* Exported on the session bus with the application. */
static const GActionEntry app_entries[] = {
  { "dial", act_dial, "s", NULL, NULL, { 0 } },
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

/* In-process only: dialing without the confirmation policy. */
static const GActionEntry private_entries[] = {
  { "call", act_call, "s", NULL, NULL, { 0 } },
};

/* The private group holds the very same action objects as the application plus "call". */
static void
add_actions (RdApplication *self)
{
  g_autoptr(GAction) paused = g_settings_create_action (self->settings, "pops-paused");

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  g_action_map_add_action (G_ACTION_MAP (self), paused);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "demo-call")),
                               self->demo_mode);

  self->actions = g_simple_action_group_new ();
  for (guint i = 0; i < G_N_ELEMENTS (app_entries); i++)
    g_action_map_add_action (G_ACTION_MAP (self->actions),
                             g_action_map_lookup_action (G_ACTION_MAP (self), app_entries[i].name));
  g_action_map_add_action (G_ACTION_MAP (self->actions), paused);
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), private_entries,
                                   G_N_ELEMENTS (private_entries), self);
}

/* ---- status --------------------------------------------------------------------- */

static void
set_status_line (RdApplication *self, const char *line)
{
  g_autofree char *current = NULL;
  g_autofree char *label = rd_format_menu_label (line);

  if (g_menu_model_get_n_items (G_MENU_MODEL (self->status_section)) > 0 &&
      g_menu_model_get_item_attribute (G_MENU_MODEL (self->status_section), 0,
                                       G_MENU_ATTRIBUTE_LABEL, "s", &current) &&
      g_strcmp0 (current, label) == 0)
    return;
  g_menu_remove_all (self->status_section);
  g_menu_append (self->status_section, label, NULL);   /* no action: shown disabled */
}

static void
update_paused (RdApplication *self)
{
  gboolean paused = g_settings_get_boolean (self->settings, "pops-paused");

  if (self->tray)
    rd_tray_set_paused (self->tray, paused);
  if (self->window)
    rd_main_window_set_paused (self->window, paused);
}

static void
update_status (RdApplication *self)
{
  RdAgentState state = rd_agent_client_get_state (self->client);
  const char *pbx = rd_agent_client_get_pbx_status (self->client);
  const char *crm = rd_agent_client_get_crm_status (self->client);
  const char *problem = rd_connection_get_problem (self->connection);
  gboolean paused = g_settings_get_boolean (self->settings, "pops-paused");
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
    {
      rd_main_window_set_status (self->window, text, rd_connection_get_hub_label (self->connection),
                                 state == RD_AGENT_STATE_SIGNED_IN ? rd_status_pbx_label (pbx) : NULL,
                                 state == RD_AGENT_STATE_SIGNED_IN ? rd_status_crm_label (crm) : NULL);
      rd_main_window_set_account (self->window, rd_agent_client_get_user_name (self->client),
                                  rd_agent_client_get_extension (self->client));
    }
  set_status_line (self, paused ? _("Pop-ups paused") : text->summary);
  if (self->tray)
    {
      g_autofree char *title = paused ? g_strdup_printf (_("%s — pop-ups paused"), text->title) : NULL;
      rd_tray_set_tooltip (self->tray, title ? title : text->title, text->advice);
    }

  /* Losing the connection after having had it is worth a notification; getting it back
   * withdraws it. */
  if (state == RD_AGENT_STATE_SIGNED_IN)
    rd_notifier_withdraw_message (self->notifier, "connection");
  else if ((state == RD_AGENT_STATE_RECONNECTING || state == RD_AGENT_STATE_AUTH_FAILED) &&
           self->last_state == RD_AGENT_STATE_SIGNED_IN)
    rd_notifier_show_message (self->notifier, "connection",
                              state == RD_AGENT_STATE_AUTH_FAILED ? "network.error" : "network.disconnected",
                              text->title, text->advice);
  self->last_state = state;
}

static void
on_paused_changed (RdApplication *self)
{
  update_paused (self);
  update_status (self);
}

static void
on_client_state (RdAgentClient *client, GParamSpec *pspec, RdApplication *self)
{
  RdAgentState state = rd_agent_client_get_state (client);

  update_status (self);
  if (state == RD_AGENT_STATE_SIGNED_IN && !self->trimmed)
    {
      /* Start-up is over (settings, keyring, hub, tray): give the memory it used back. */
      self->trimmed = TRUE;
      rd_memory_release ();
    }
  if (state != RD_AGENT_STATE_SIGNED_IN && self->dial)
    dial_failed (self, _("The call could not be placed"), _("The connection to the hub was lost."));
  if (state == RD_AGENT_STATE_SIGNED_IN && self->pending_dial)
    {
      g_autofree char *number = g_steal_pointer (&self->pending_dial);
      g_clear_handle_id (&self->pending_dial_id, g_source_remove);
      if (self->window)
        rd_main_window_dismiss_toast (self->window, "dial");
      dial_checked (self, number, TRUE, FALSE);
    }
  else if (state == RD_AGENT_STATE_AUTH_FAILED && self->pending_dial)
    {
      g_clear_handle_id (&self->pending_dial_id, g_source_remove);
      on_pending_dial_timeout (self);
    }
}

static gboolean
trim_after_call (gpointer user_data)
{
  RdApplication *self = user_data;

  self->trim_id = 0;
  rd_memory_release ();
  return G_SOURCE_REMOVE;
}

static void
on_client_call (RdAgentClient *client, RdAgentCall *call, RdApplication *self)
{
  dial_feedback_on_call (self, call);
  rd_notifier_handle_call (self->notifier, call);
  /* A call's pop-up, lookups and list reloads leave freed memory behind that malloc keeps
   * (the demo: 4 MB): give it back once things have settled (bench B4). */
  if (g_str_equal (call->event, "ended"))
    {
      g_clear_handle_id (&self->trim_id, g_source_remove);
      self->trim_id = g_timeout_add_seconds (10, trim_after_call, self);
    }
}

static void
on_client_match (RdAgentClient *client, const char *call_id, RdAgentMatch *match, RdApplication *self)
{
  rd_notifier_handle_match (self->notifier, call_id, match);
}

static void
on_client_dial_failed (RdAgentClient *client, const char *call_id, const char *reason, RdApplication *self)
{
  dial_failed (self, _("The call could not be placed"), reason);
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
  if (self->window)
    rd_main_window_set_demo_url (self->window, rd_connection_get_demo_url (connection));
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
      rd_notifier_show_message (self->notifier, "background", NULL, _("Ringdesk is still running"),
                                _("It keeps showing incoming calls. Choose Quit in its menu to stop it."));
    }
  return FALSE;   /* hide-on-close does the rest */
}

/* The shortcuts window (Ctrl+?), built the first time it is asked for: most people never open
 * it, and building it with the main window kept most of 0.9 MB (bench B4, the demo). Our own
 * "win.show-help-overlay" comes first, so GtkApplicationWindow adds none of its own when the
 * overlay is set. */
static void
on_show_help_overlay (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplicationWindow *window = user_data;
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (window);

  if (overlay == NULL)
    {
      g_autoptr(GtkBuilder) help = gtk_builder_new_from_resource (RESOURCE_PATH "/gtk/help-overlay.ui");

      overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (help, "help_overlay"));
      gtk_application_window_set_help_overlay (window, overlay);
    }
  gtk_window_present (GTK_WINDOW (overlay));
}

static void
add_help_overlay_action (GtkApplicationWindow *window)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("show-help-overlay", NULL);

  g_signal_connect_object (action, "activate", G_CALLBACK (on_show_help_overlay), window, 0);
  g_action_map_add_action (G_ACTION_MAP (window), G_ACTION (action));
}

static void
present_main_window (RdApplication *self)
{
  ui_ready ();
  if (self->window == NULL)
    {
      GMenuModel *menu = G_MENU_MODEL (gtk_builder_get_object (self->menus, "primary-menu"));

      self->window = rd_main_window_new (GTK_APPLICATION (self), menu);
      add_help_overlay_action (GTK_APPLICATION_WINDOW (self->window));
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      gtk_widget_insert_action_group (GTK_WIDGET (self->window), "app", G_ACTION_GROUP (self->actions));
      gtk_window_set_hide_on_close (GTK_WINDOW (self->window), TRUE);
      g_signal_connect (self->window, "close-request", G_CALLBACK (on_main_close), self);
      rd_main_window_set_recent (self->window, main_recent (self));
      rd_recent_calls_refresh (self->recent);
      update_paused (self);
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

/* The installed schema, or (running from the build folder, e.g. tools/run-demo.sh) the one
 * compiled there. The demo keeps its settings in memory only. */
static GSettings *
new_settings (gboolean in_memory)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = in_memory ? g_memory_settings_backend_new () : NULL;
  const char *build_dir = rd_paths_get_schema_dir ();

  if (source)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL && build_dir)
    {
      build_source = g_settings_schema_source_new_from_directory (build_dir, source, FALSE, NULL);
      if (build_source)
        schema = g_settings_schema_source_lookup (build_source, APP_ID, TRUE);
    }
  if (schema == NULL)
    g_error ("The settings schema %s is not installed (run “ninja install”, or set GSETTINGS_SCHEMA_DIR).", APP_ID);
  return g_settings_new_full (schema, backend, NULL);
}

static int
handlers (gboolean register_them)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", &error);

  if (exe && (register_them ? rd_handlers_register (exe, &error) : rd_handlers_unregister (&error)))
    {
      if (register_them)
        g_print (_("Phone links (tel:, callto:, sip:, sips:) now open %s.\n"), exe);
      else
        g_print (_("Ringdesk no longer handles phone links for this user (unless it is installed).\n"));
      return 0;
    }
  g_printerr ("%s\n", error->message);
  return 1;
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
  if (g_variant_dict_contains (options, "register-handlers"))
    return handlers (TRUE);
  if (g_variant_dict_contains (options, "unregister-handlers"))
    return handlers (FALSE);
  /* Only matters if this process becomes the primary instance (see startup). */
  self->demo_mode = g_variant_dict_contains (options, "demo");
  self->background = g_variant_dict_contains (options, "background");
  return -1;
}

static void
on_background_granted (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!rd_autostart_request_background_finish (res, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Running in the background: %s", error->message);
}

static void
start_tray (RdApplication *self, GDBusConnection *bus)
{
  g_autoptr(GError) error = NULL;
  GMenu *tray_menu = G_MENU (gtk_builder_get_object (self->menus, "tray-menu"));

  self->status_section = G_MENU (g_object_ref (gtk_builder_get_object (self->menus, "tray-status-section")));
  /* The missed-call actions go after the first two sections (status, windows). */
  g_menu_insert_section (tray_menu, 2, NULL, rd_notifier_get_mirror_menu (self->notifier));

  self->tray = rd_tray_new (bus, G_MENU_MODEL (tray_menu), G_ACTION_GROUP (self->actions));
  if (!rd_tray_start (self->tray, &error))
    {
      g_warning ("No tray icon: %s", error->message);
      g_clear_object (&self->tray);
      return;
    }
  g_signal_connect_swapped (self->tray, "activate", G_CALLBACK (present_main_window), self);
  g_signal_connect (self->settings, "changed::show-tray-icon", G_CALLBACK (on_show_tray_changed), self);
  on_show_tray_changed (self->settings, "show-tray-icon", self);
}

static void
rd_application_startup (GApplication *app)
{
  RdApplication *self = RD_APPLICATION (app);
  GDBusConnection *bus;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *dial_accels[] = { "<Control>d", NULL };
  static const char *recent_accels[] = { "<Control>r", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };
  static const char *help_accels[] = { "<Control>question", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  /* The primary instance: its windows' class (X11 WM_CLASS) is the app id, as the desktop
   * entry's name and StartupWMClass say. */
  g_set_prgname (APP_ID);
  G_APPLICATION_CLASS (rd_application_parent_class)->startup (app);
  /* GTK is up on the empty theme main.c asked for: keep it (libadwaita would set the same), and
   * do not hand GTK_THEME on to the browser or anything else Ringdesk starts. */
  if (g_strcmp0 (g_getenv ("GTK_THEME"), "Adwaita-empty") == 0)
    {
      g_object_set (gtk_settings_get_default (), "gtk-theme-name", "Adwaita-empty", NULL);
      g_unsetenv ("GTK_THEME");
    }

  self->settings = new_settings (self->demo_mode);
  self->menus = gtk_builder_new_from_resource (RESOURCE_PATH "/gtk/menus.ui");
  add_actions (self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.dial-prompt", dial_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.recent-calls", recent_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay", help_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);

  connect_client (self);
  self->notifier = rd_notifier_new (G_ACTION_GROUP (self->actions), self->settings);
  g_signal_connect (self->notifier, "notify::missed-count", G_CALLBACK (on_missed_count), self);

  bus = g_application_get_dbus_connection (app);
  if (bus)
    start_tray (self, bus);
  else
    self->status_section = g_menu_new ();
  update_paused (self);

  /* In a sandbox, running without a window (and starting at login) goes through the portal. */
  if (bus && rd_autostart_is_sandboxed () && !self->demo_mode)
    rd_autostart_request_background_async (bus, "", g_settings_get_boolean (self->settings, "start-at-login"),
                                           self->cancellable, on_background_granted, NULL);

  /* A telephony helper lives in the background; Quit (menu, Ctrl+Q, --quit) ends it. */
  g_application_hold (app);
  g_signal_connect_swapped (self->settings, "changed::configured", G_CALLBACK (update_status), self);
  g_signal_connect_swapped (self->settings, "changed::pops-paused", G_CALLBACK (on_paused_changed), self);
  rd_connection_reconnect (self->connection);
}

static void
rd_application_shutdown (GApplication *app)
{
  RdApplication *self = RD_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pending_dial_id, g_source_remove);
  g_clear_handle_id (&self->trim_id, g_source_remove);
  if (self->dial)
    g_clear_handle_id (&self->dial->timeout_id, g_source_remove);
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
  if (self->dial)
    {
      g_free (self->dial->call_id);
      g_free (self->dial->who);
      g_free (self->dial);
    }
  g_clear_object (&self->recent);
  g_clear_object (&self->connection);
  g_clear_object (&self->notifier);
  g_clear_object (&self->actions);
  g_clear_object (&self->status_section);
  g_clear_object (&self->menus);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->asking);
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
    { "register-handlers", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Let this ringdesk binary open tel:, callto:, sip: and sips: links for you (for a build that is not installed)"), NULL },
    { "unregister-handlers", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Undo --register-handlers"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[LINK…]") },
    { NULL }
  };

  self->cancellable = g_cancellable_new ();
  self->asking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->last_state = RD_AGENT_STATE_DISCONNECTED;
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Caller pop-ups and click-to-call for Odoo.\n"
                                              "LINK is a tel:, callto:, sip: or sips: link to dial."));
}

RdApplication *
rd_application_new (void)
{
  /* No resource base path: GtkApplication would add its icons to the icon theme at start-up,
   * which makes GTK read the whole icon theme (Adwaita, hicolor: 1.5 MB kept, bench B4) in a
   * background process that shows no icon itself (the tray sends pictures, notifications send
   * names). The menus, the shortcuts window and the icons are loaded by hand instead: menus at
   * start-up, the rest with the first window (rd_application_init_style). */
  return g_object_new (RD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", NULL,
                       NULL);
}
