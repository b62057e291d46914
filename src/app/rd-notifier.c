/* rd-notifier.c — incoming-call and missed-call notifications, and the browser pop. */
#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>
#include <string.h>

#include "rd-format.h"
#include "rd-notifier.h"
#include "rd-uri.h"

#define MAX_TEXT      120   /* characters of CRM/PBX text shown per field */
#define MAX_MIRRORED  3     /* numbers whose actions are mirrored in the menu */
#define MAX_MENU_NAME 32    /* characters of a name in a menu label (shortened in the middle) */
#define MAX_OPENED    256   /* call ids remembered as "already opened in the browser" */
#define STALE_TRACK_MS (6 * 3600 * 1000)

typedef struct {
  char               *call_id;
  RdAgentCall        *call;          /* last state seen */
  RdAgentMatch       *match;         /* latest match (from the call or a late "match") */
  NotifyNotification *notification;
  guint               ringing_seen : 1;
  guint               answered_seen : 1;
  guint               notified : 1;
} Track;

struct _RdNotifier {
  GObject       parent_instance;

  GActionGroup *actions;    /* the application (weak: it owns us) */
  GSettings    *settings;
  GHashTable   *tracks;     /* call id → Track */
  GHashTable   *problems;   /* tag → NotifyNotification */
  GPtrArray    *missed;     /* NotifyNotification of missed calls, oldest first */
  GQueue        opened;     /* call ids already opened in the browser (bounded) */
  GMenu        *mirror;     /* actions mirrored when the server cannot show buttons */
  GPtrArray    *mirrored;   /* Mirrored, newest first: what the mirror menu is built from */
  guint         missed_count;
  guint         has_actions : 1;
  guint         has_persistence : 1;
};

G_DEFINE_FINAL_TYPE (RdNotifier, rd_notifier, G_TYPE_OBJECT)

enum { PROP_0, PROP_MISSED_COUNT, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- pure helpers --------------------------------------------------------- */

RdPopAction
rd_pop_policy_decide (const RdPopPolicy *policy, gboolean inbound, gboolean ringing_seen,
                      gboolean answered_seen, gboolean ended, gboolean has_match, gboolean has_url,
                      gboolean already_notified, gboolean already_opened)
{
  RdPopAction action = RD_POP_NONE;
  gboolean due;

  g_return_val_if_fail (policy != NULL, RD_POP_NONE);

  if (policy->paused || policy->when == RD_POP_WHEN_NEVER || !inbound || ended)
    return RD_POP_NONE;
  due = policy->when == RD_POP_WHEN_RING ? (ringing_seen || answered_seen) : answered_seen;
  if (!due)
    return RD_POP_NONE;
  if (policy->crm_only && !has_match)
    return RD_POP_NONE;
  if (!already_notified)
    action |= RD_POP_NOTIFY;
  if (policy->open_browser && has_match && has_url && !already_opened)
    action |= RD_POP_BROWSER;
  return action;
}

static char *
excerpt_escaped (const char *text)
{
  g_autofree char *plain = rd_uri_display_excerpt (text, MAX_TEXT);
  return g_markup_escape_text (plain, -1);
}

char *
rd_notifier_format_body (const RdAgentMatch *match, const char *number_display)
{
  GString *body = g_string_new (NULL);

  if (match && match->company && *match->company)
    {
      g_autofree char *company = excerpt_escaped (match->company);
      g_string_append_printf (body, "%s\n", company);
    }
  if (number_display && *number_display)
    {
      g_autofree char *number = excerpt_escaped (number_display);
      g_string_append (body, number);
    }
  if (match && match->owner && *match->owner)
    {
      g_autofree char *owner = excerpt_escaped (match->owner);
      g_string_append (body, "\n");
      /* TRANSLATORS: the salesperson who owns the CRM record */
      g_string_append_printf (body, _("Salesperson: %s"), owner);
    }
  return g_string_free (body, FALSE);
}

/* ---- tracks ------------------------------------------------------------------ */

static void
track_free (Track *t)
{
  if (t->notification)
    g_signal_handlers_disconnect_matched (t->notification, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, t);
  g_clear_object (&t->notification);
  g_clear_pointer (&t->call, rd_agent_call_free);
  g_clear_pointer (&t->match, rd_agent_match_free);
  g_free (t->call_id);
  g_free (t);
}

static const char *
call_number (const RdAgentCall *call)
{
  return call->number_e164 && *call->number_e164 ? call->number_e164 : call->number_raw;
}

static gboolean
is_inbound (const RdAgentCall *call)
{
  return g_strcmp0 (call->direction, "inbound") == 0 || g_strcmp0 (call->direction, "internal") == 0;
}

static gboolean
was_opened (RdNotifier *self, const char *call_id)
{
  return g_queue_find_custom (&self->opened, call_id, (GCompareFunc) g_strcmp0) != NULL;
}

static void
mark_opened (RdNotifier *self, const char *call_id)
{
  g_queue_push_tail (&self->opened, g_strdup (call_id));
  while (g_queue_get_length (&self->opened) > MAX_OPENED)
    g_free (g_queue_pop_head (&self->opened));
}

static RdPopPolicy
current_policy (RdNotifier *self)
{
  RdPopPolicy p = {
    .when = g_settings_get_enum (self->settings, "pop-when"),
    .crm_only = g_settings_get_boolean (self->settings, "pop-crm-only"),
    .open_browser = g_settings_get_boolean (self->settings, "pop-open-browser"),
    .paused = g_settings_get_boolean (self->settings, "pops-paused"),
  };
  return p;
}

/* ---- notification actions ------------------------------------------------------ */

typedef struct {
  RdNotifier *self;
  char       *action;   /* app action name */
  GVariant   *target;
} ActionData;

static void
action_data_free (gpointer data)
{
  ActionData *d = data;

  g_free (d->action);
  g_clear_pointer (&d->target, g_variant_unref);
  g_free (d);
}

static void
on_notification_action (NotifyNotification *n, char *action_id, gpointer user_data)
{
  ActionData *d = user_data;

  g_debug ("notification action %s → app.%s", action_id, d->action);
  g_action_group_activate_action (d->self->actions, d->action, d->target);
}

static void
add_action (RdNotifier *self, NotifyNotification *n, const char *id, const char *label,
            const char *action, GVariant *target)
{
  ActionData *d = g_new0 (ActionData, 1);

  d->self = self;
  d->action = g_strdup (action);
  d->target = target ? g_variant_ref_sink (target) : NULL;
  notify_notification_add_action (n, id, label, on_notification_action, d, action_data_free);
}

/* One description of the buttons for a call; used for the notification and the menu mirror. */
typedef struct {
  const char *id;
  char       *label;
  const char *action;
  GVariant   *target;
} Button;

static void
button_clear (Button *b)
{
  g_free (b->label);
  g_clear_pointer (&b->target, g_variant_unref);
}

static GArray *
buttons_for (const RdAgentCall *call, const RdAgentMatch *match, gboolean missed)
{
  GArray *buttons = g_array_new (FALSE, TRUE, sizeof (Button));
  const char *number = call_number (call);
  gboolean dialable = g_strcmp0 (call->number_kind, "external") == 0 ||
                      g_strcmp0 (call->number_kind, "internal") == 0;
  Button b;

  g_array_set_clear_func (buttons, (GDestroyNotify) button_clear);

  if (missed && dialable)
    {
      b = (Button) { "call-back", g_strdup (_("Call Back")), "call",
                     g_variant_ref_sink (g_variant_new_string (number)) };
      g_array_append_val (buttons, b);
    }
  if (match && rd_uri_is_web_url (match->url))
    {
      b = (Button) { "open", g_strdup (_("Open in Odoo")), "open-record",
                     g_variant_ref_sink (g_variant_new_string (match->url)) };
      g_array_append_val (buttons, b);
    }
  else if (match == NULL && g_strcmp0 (call->number_kind, "external") == 0)
    {
      b = (Button) { "create-contact", g_strdup (_("Create Contact")), "create-record",
                     g_variant_ref_sink (g_variant_new ("(ss)", "individual", number)) };
      g_array_append_val (buttons, b);
      b = (Button) { "create-lead", g_strdup (_("Create Lead")), "create-record",
                     g_variant_ref_sink (g_variant_new ("(ss)", "lead", number)) };
      g_array_append_val (buttons, b);
    }
  return buttons;
}

/* The calls whose buttons the menu mirrors: one per number, newest first. */
typedef struct {
  RdAgentCall  *call;
  RdAgentMatch *match;   /* may be NULL */
  gboolean      missed;
} Mirrored;

static void
mirrored_free (Mirrored *m)
{
  rd_agent_call_free (m->call);
  g_clear_pointer (&m->match, rd_agent_match_free);
  g_free (m);
}

/* Digits (and a leading '+') only, so "+86 139 1234 0000" and "+8613912340000" compare equal. */
static char *
number_key (const char *number)
{
  GString *s = g_string_new (NULL);

  for (const char *p = number ? number : ""; *p; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && s->len == 0))
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

static gboolean
same_number (const RdAgentCall *call, const char *number)
{
  g_autofree char *a = number_key (call_number (call));
  g_autofree char *b = number_key (number);
  g_autofree char *c = number_key (call->number_display);

  return *b != '\0' && (g_str_equal (a, b) || g_str_equal (c, b));
}

static void
rebuild_mirror (RdNotifier *self)
{
  g_menu_remove_all (self->mirror);
  for (guint m = 0; m < self->mirrored->len; m++)
    {
      Mirrored *entry = g_ptr_array_index (self->mirrored, m);
      const char *person = rd_format_person_name (entry->match);
      g_autoptr(GArray) buttons = buttons_for (entry->call, entry->match, entry->missed);
      g_autoptr(GMenu) section = g_menu_new ();
      g_autoptr(GMenuItem) section_item = NULL;
      g_autofree char *who = NULL, *who_label = NULL;

      if (buttons->len == 0)
        continue;
      /* Names are shortened in the middle; numbers are never cut. */
      who = person ? rd_format_middle (person, MAX_MENU_NAME) : rd_uri_display_excerpt (entry->call->number_display, 64);
      who_label = rd_format_menu_label (who);
      for (guint i = 0; i < buttons->len; i++)
        {
          Button *b = &g_array_index (buttons, Button, i);
          /* TRANSLATORS: a menu item: "Call Back — Li Wei" (what, who) */
          g_autofree char *label = g_strdup_printf (_("%s — %s"), b->label, who_label);
          g_autofree char *action = g_strconcat ("app.", b->action, NULL);
          g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);
          g_menu_item_set_action_and_target_value (item, action, b->target);
          g_menu_append_item (section, item);
        }
      section_item = g_menu_item_new_section (NULL, G_MENU_MODEL (section));
      g_menu_item_set_attribute (section_item, "x-call-id", "s", entry->call->call_id);
      g_menu_append_item (self->mirror, section_item);
    }
}

/* Mirrors @call's buttons, replacing what was mirrored for the same call or number. */
static void
update_mirror (RdNotifier *self, const RdAgentCall *call, const RdAgentMatch *match, gboolean missed)
{
  Mirrored *entry;

  for (guint i = self->mirrored->len; i > 0; i--)
    {
      Mirrored *old = g_ptr_array_index (self->mirrored, i - 1);
      if (g_strcmp0 (old->call->call_id, call->call_id) == 0 || same_number (old->call, call_number (call)))
        g_ptr_array_remove_index (self->mirrored, i - 1);
    }
  entry = g_new0 (Mirrored, 1);
  entry->call = rd_agent_call_copy (call);
  entry->match = match ? rd_agent_match_copy (match) : NULL;
  entry->missed = missed;
  g_ptr_array_insert (self->mirrored, 0, entry);
  if (self->mirrored->len > MAX_MIRRORED)
    g_ptr_array_set_size (self->mirrored, MAX_MIRRORED);
  rebuild_mirror (self);
}

/* ---- showing ----------------------------------------------------------------- */

static void
set_common_hints (NotifyNotification *n, const char *category)
{
  notify_notification_set_hint (n, "desktop-entry", g_variant_new_string (APP_ID));
  if (category)
    notify_notification_set_category (n, category);
  else
    notify_notification_set_hint (n, "category", NULL);
}

static void
show (NotifyNotification *n)
{
  g_autoptr(GError) error = NULL;

  if (!notify_notification_show (n, &error))
    g_warning ("Could not show a notification: %s", error->message);
}

/* Fills (or creates) @n for a call: who calls, the body without repeating the title's number,
 * the buttons. Returns @n, or the new notification. */
static NotifyNotification *
fill_call_notification (RdNotifier *self, NotifyNotification *n, const RdAgentCall *call,
                        const RdAgentMatch *match, gboolean missed)
{
  const char *person = rd_format_person_name (match);
  g_autofree char *who = NULL, *summary = NULL, *body = NULL;
  g_autoptr(GArray) buttons = NULL;

  who = rd_uri_display_excerpt (person ? person : call->number_display, MAX_TEXT);
  if (missed)
    summary = g_strdup_printf (_("Missed call from %s"), who);
  else if (person)
    summary = g_strdup (who);
  else
    summary = g_strdup (_("Incoming call"));
  /* A number already in the title is not repeated in the body. */
  body = rd_notifier_format_body (match, missed && person == NULL ? NULL : call->number_display);

  if (n == NULL)
    n = notify_notification_new (summary, *body ? body : NULL, APP_ID);
  else
    notify_notification_update (n, summary, *body ? body : NULL, APP_ID);

  notify_notification_clear_actions (n);
  set_common_hints (n, missed ? "call.unanswered" : "call.incoming");
  notify_notification_set_urgency (n, missed ? NOTIFY_URGENCY_NORMAL : NOTIFY_URGENCY_CRITICAL);
  notify_notification_set_timeout (n, missed ? NOTIFY_EXPIRES_DEFAULT : NOTIFY_EXPIRES_NEVER);

  buttons = buttons_for (call, match, missed);
  if (self->has_actions)
    {
      if (match && rd_uri_is_web_url (match->url))
        add_action (self, n, "default", _("Open in Odoo"), "open-record", g_variant_new_string (match->url));
      else
        add_action (self, n, "default", _("Show Ringdesk"), "show-window", NULL);
      for (guint i = 0; i < buttons->len; i++)
        {
          Button *b = &g_array_index (buttons, Button, i);
          add_action (self, n, b->id, b->label, b->action, b->target ? g_variant_ref (b->target) : NULL);
        }
    }
  /* Without buttons (or, for missed calls, without persistence) the menu keeps them. */
  if (!self->has_actions || (missed && !self->has_persistence))
    update_mirror (self, call, match, missed);
  return n;
}

static void
pop (RdNotifier *self, Track *t)
{
  RdPopPolicy policy = current_policy (self);
  gboolean has_url = t->match && rd_uri_is_web_url (t->match->url);
  RdPopAction action;

  action = rd_pop_policy_decide (&policy, is_inbound (t->call), t->ringing_seen, t->answered_seen,
                                 FALSE, t->match != NULL, has_url, t->notified,
                                 was_opened (self, t->call_id));

  if (t->notified && t->notification)
    {
      /* Already shown: a late match refreshes it (new name, new buttons). */
      fill_call_notification (self, t->notification, t->call, t->match, FALSE);
      show (t->notification);
    }
  if (action & RD_POP_NOTIFY)
    {
      t->notification = fill_call_notification (self, t->notification, t->call, t->match, FALSE);
      show (t->notification);
      t->notified = TRUE;
    }
  if (action & RD_POP_BROWSER)
    {
      mark_opened (self, t->call_id);
      g_action_group_activate_action (self->actions, "open-record",
                                      g_variant_new_string (t->match->url));
    }
}

static void
close_quietly (NotifyNotification *n)
{
  if (n)
    notify_notification_close (n, NULL);
}

static void
on_missed_closed (NotifyNotification *n, RdNotifier *self)
{
  g_ptr_array_remove (self->missed, n);
}

static void
missed_call (RdNotifier *self, Track *t)
{
  t->notification = fill_call_notification (self, t->notification, t->call, t->match, TRUE);
  /* Kept with the notification, so that it can be updated when a record is created. */
  g_object_set_data_full (G_OBJECT (t->notification), "rd-call", rd_agent_call_copy (t->call),
                          (GDestroyNotify) rd_agent_call_free);
  show (t->notification);
  g_signal_connect_object (t->notification, "closed", G_CALLBACK (on_missed_closed), self, 0);
  g_ptr_array_add (self->missed, g_steal_pointer (&t->notification));
  self->missed_count++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MISSED_COUNT]);
}

/* Calls whose "ended" never came (hub restarted, connection lost) are forgotten after a
 * while, so the table stays small. */
static void
prune_stale_tracks (RdNotifier *self, gint64 now_ms)
{
  GHashTableIter iter;
  Track *t;

  if (g_hash_table_size (self->tracks) < 32)
    return;
  g_hash_table_iter_init (&iter, self->tracks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (now_ms - t->call->at_ms > STALE_TRACK_MS)
      g_hash_table_iter_remove (&iter);
}

void
rd_notifier_handle_call (RdNotifier *self, const RdAgentCall *call)
{
  Track *t;

  g_return_if_fail (RD_IS_NOTIFIER (self));
  g_return_if_fail (call != NULL && call->call_id != NULL && call->event != NULL);

  t = g_hash_table_lookup (self->tracks, call->call_id);
  if (t == NULL)
    {
      prune_stale_tracks (self, call->at_ms);
      t = g_new0 (Track, 1);
      t->call_id = g_strdup (call->call_id);
      g_hash_table_insert (self->tracks, t->call_id, t);
    }
  g_clear_pointer (&t->call, rd_agent_call_free);
  t->call = rd_agent_call_copy (call);
  if (call->match)
    {
      g_clear_pointer (&t->match, rd_agent_match_free);
      t->match = rd_agent_match_copy (call->match);
    }

  if (g_str_equal (call->event, "ringing"))
    {
      t->ringing_seen = TRUE;
      pop (self, t);
    }
  else if (g_str_equal (call->event, "answered"))
    {
      gboolean was_answered = t->answered_seen;

      t->answered_seen = TRUE;
      /* The ringing notification is stale once the call is picked up. */
      if (!was_answered && t->notification && g_settings_get_enum (self->settings, "pop-when") != RD_POP_WHEN_ANSWER)
        {
          close_quietly (t->notification);
          g_clear_object (&t->notification);
        }
      pop (self, t);
    }
  else if (g_str_equal (call->event, "ended"))
    {
      if (t->ringing_seen && !t->answered_seen && is_inbound (call))
        missed_call (self, t);
      else
        close_quietly (t->notification);
      g_hash_table_remove (self->tracks, call->call_id);
    }
}

void
rd_notifier_handle_match (RdNotifier *self, const char *call_id, const RdAgentMatch *match)
{
  Track *t;

  g_return_if_fail (RD_IS_NOTIFIER (self));
  g_return_if_fail (call_id != NULL);

  t = g_hash_table_lookup (self->tracks, call_id);
  if (t == NULL || match == NULL)
    return;
  g_clear_pointer (&t->match, rd_agent_match_free);
  t->match = rd_agent_match_copy (match);
  pop (self, t);
}

void
rd_notifier_record_created (RdNotifier *self, const char *number, const RdAgentMatch *match)
{
  gboolean changed = FALSE;

  g_return_if_fail (RD_IS_NOTIFIER (self));
  g_return_if_fail (number != NULL && match != NULL);

  /* The menu: the number's entry now opens the record instead of offering to create one. */
  for (guint i = 0; i < self->mirrored->len; i++)
    {
      Mirrored *m = g_ptr_array_index (self->mirrored, i);
      if (same_number (m->call, number))
        {
          g_clear_pointer (&m->match, rd_agent_match_free);
          m->match = rd_agent_match_copy (match);
          changed = TRUE;
        }
    }
  if (changed)
    rebuild_mirror (self);
  /* Missed-call notifications still shown (servers with persistence): the same. */
  for (guint i = 0; i < self->missed->len; i++)
    {
      NotifyNotification *n = g_ptr_array_index (self->missed, i);
      RdAgentCall *call = g_object_get_data (G_OBJECT (n), "rd-call");
      if (call && same_number (call, number))
        {
          fill_call_notification (self, n, call, match, TRUE);
          show (n);
        }
    }
}

void
rd_notifier_show_message (RdNotifier *self, const char *tag, const char *category,
                          const char *summary, const char *body)
{
  NotifyNotification *n;
  g_autofree char *escaped = NULL;

  g_return_if_fail (RD_IS_NOTIFIER (self));
  g_return_if_fail (tag != NULL && summary != NULL);

  if (body)
    {
      /* Line by line: keep the message's own line breaks, nothing else. */
      g_auto(GStrv) lines = g_strsplit (body, "\n", 6);
      for (guint i = 0; lines[i]; i++)
        {
          char *e = excerpt_escaped (lines[i]);
          g_free (lines[i]);
          lines[i] = e;
        }
      escaped = g_strjoinv ("\n", lines);
    }
  n = g_hash_table_lookup (self->problems, tag);
  if (n == NULL)
    {
      n = notify_notification_new (summary, escaped, APP_ID);
      g_hash_table_insert (self->problems, g_strdup (tag), n);
    }
  else
    {
      notify_notification_update (n, summary, escaped, APP_ID);
      notify_notification_clear_actions (n);
    }
  set_common_hints (n, category);
  /* "Calling…" stays until the call is answered or fails (the caller withdraws it). */
  notify_notification_set_timeout (n, g_strcmp0 (category, "call") == 0 ? NOTIFY_EXPIRES_NEVER : NOTIFY_EXPIRES_DEFAULT);
  if (self->has_actions)
    add_action (self, n, "default", _("Show Ringdesk"), "show-window", NULL);
  show (n);
}

void
rd_notifier_withdraw_message (RdNotifier *self, const char *tag)
{
  NotifyNotification *n;

  g_return_if_fail (RD_IS_NOTIFIER (self));

  n = g_hash_table_lookup (self->problems, tag);
  if (n)
    {
      close_quietly (n);
      g_hash_table_remove (self->problems, tag);
    }
}

gboolean
rd_notifier_server_has_actions (RdNotifier *self)
{
  g_return_val_if_fail (RD_IS_NOTIFIER (self), FALSE);
  return self->has_actions;
}

GMenuModel *
rd_notifier_get_mirror_menu (RdNotifier *self)
{
  g_return_val_if_fail (RD_IS_NOTIFIER (self), NULL);
  return G_MENU_MODEL (self->mirror);
}

guint
rd_notifier_get_missed_count (RdNotifier *self)
{
  g_return_val_if_fail (RD_IS_NOTIFIER (self), 0);
  return self->missed_count;
}

void
rd_notifier_clear_missed (RdNotifier *self)
{
  g_return_if_fail (RD_IS_NOTIFIER (self));

  if (self->missed_count == 0)
    return;
  self->missed_count = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MISSED_COUNT]);
}

/* ---- GObject ------------------------------------------------------------------ */

static void
rd_notifier_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_MISSED_COUNT:
      g_value_set_uint (value, RD_NOTIFIER (object)->missed_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rd_notifier_dispose (GObject *object)
{
  RdNotifier *self = RD_NOTIFIER (object);

  g_clear_pointer (&self->tracks, g_hash_table_unref);
  g_clear_pointer (&self->problems, g_hash_table_unref);
  if (self->missed)
    for (guint i = 0; i < self->missed->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->missed, i), self);
  g_clear_pointer (&self->missed, g_ptr_array_unref);
  g_queue_clear_full (&self->opened, g_free);
  g_clear_pointer (&self->mirrored, g_ptr_array_unref);
  g_clear_object (&self->mirror);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (rd_notifier_parent_class)->dispose (object);
}

static void
rd_notifier_class_init (RdNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = rd_notifier_get_property;
  object_class->dispose = rd_notifier_dispose;

  properties[PROP_MISSED_COUNT] =
    g_param_spec_uint ("missed-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
rd_notifier_init (RdNotifier *self)
{
  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) track_free);
  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->missed = g_ptr_array_new_with_free_func (g_object_unref);
  self->mirror = g_menu_new ();
  self->mirrored = g_ptr_array_new_with_free_func ((GDestroyNotify) mirrored_free);
  g_queue_init (&self->opened);
}

RdNotifier *
rd_notifier_new (GActionGroup *actions, GSettings *settings)
{
  RdNotifier *self;
  GList *caps;

  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (RD_TYPE_NOTIFIER, NULL);
  self->actions = actions;
  self->settings = g_object_ref (settings);

  if (!notify_is_initted ())
    notify_init ("Ringdesk");
  caps = notify_get_server_caps ();
  for (GList *l = caps; l; l = l->next)
    {
      if (g_str_equal (l->data, "actions"))
        self->has_actions = TRUE;
      else if (g_str_equal (l->data, "persistence"))
        self->has_persistence = TRUE;
    }
  g_list_free_full (caps, g_free);
  g_debug ("notification server: actions=%d persistence=%d", self->has_actions, self->has_persistence);
  return self;
}
