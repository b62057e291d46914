#include "config.h"

#include "rd-odoo-logger.h"
#include "rd-odoo-json.h"
#include "rd-odoo-records.h"
#include "core/rd-error.h"

/* ---- shared ids --------------------------------------------------------- */

RdOdooLogIds *
rd_odoo_log_ids_new (void)
{
  RdOdooLogIds *ids = g_atomic_rc_box_new0 (RdOdooLogIds);

  ids->user_partners = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  ids->call_type_keeps = -1;
  return ids;
}

RdOdooLogIds *
rd_odoo_log_ids_ref (RdOdooLogIds *ids)
{
  return g_atomic_rc_box_acquire (ids);
}

static void
log_ids_clear (gpointer data)
{
  RdOdooLogIds *ids = data;

  g_clear_pointer (&ids->user_partners, g_hash_table_unref);
}

void
rd_odoo_log_ids_unref (RdOdooLogIds *ids)
{
  g_atomic_rc_box_release_full (ids, log_ids_clear);
}

/* ---- text --------------------------------------------------------------- */

char *
rd_odoo_format_duration (guint seconds)
{
  guint h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;

  if (h > 0)
    return g_strdup_printf ("%u h %02u min %02u s", h, m, s);
  if (m > 0)
    return g_strdup_printf ("%u min %u s", m, s);
  return g_strdup_printf ("%u s", s);
}

static GTimeZone *
zone_for (const char *tz)
{
  GTimeZone *zone = NULL;

  if (tz != NULL && *tz != '\0')
    zone = g_time_zone_new_identifier (tz);
  return zone != NULL ? zone : g_time_zone_new_utc ();
}

char *
rd_odoo_today (const char *tz)
{
  g_autoptr(GTimeZone) zone = zone_for (tz);
  g_autoptr(GDateTime) now = g_date_time_new_now (zone);

  return g_date_time_format (now, "%Y-%m-%d");
}

static const char *
direction_label (RdDirection direction)
{
  switch (direction)
    {
    case RD_DIRECTION_INBOUND:  return "Inbound call";
    case RD_DIRECTION_OUTBOUND: return "Outbound call";
    case RD_DIRECTION_INTERNAL: return "Internal call";
    case RD_DIRECTION_UNKNOWN:
    default:                    return "Call";
    }
}

static const char *
outcome_label (RdOutcome outcome)
{
  switch (outcome)
    {
    case RD_OUTCOME_ANSWERED:  return "answered";
    case RD_OUTCOME_NO_ANSWER: return "not answered (missed)";
    case RD_OUTCOME_BUSY:      return "busy";
    case RD_OUTCOME_FAILED:    return "failed";
    case RD_OUTCOME_VOICEMAIL: return "voicemail";
    case RD_OUTCOME_UNKNOWN:
    default:                   return "unknown";
    }
}

static char *
clean (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL || *text == '\0')
    return g_strdup ("unknown");
  valid = g_utf8_make_valid (text, -1);
  /* one line per item: fold line breaks and other controls */
  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_steal_pointer (&valid);
}

static void
builder_take (GStrvBuilder *b, char *line)
{
  g_strv_builder_add (b, line);
  g_free (line);
}

static char **
lines_with_label (const RdCrmCallLog *log, const char *key_label)
{
  GStrvBuilder *b = g_strv_builder_new ();
  g_autofree char *from = clean (log->from_number);
  g_autofree char *to = clean (log->to_number);
  g_autofree char *agent = clean (log->agent_name);
  g_autofree char *key = clean (log->call_key);
  g_autofree char *ring = rd_odoo_format_duration (log->ring_seconds);
  g_autofree char *talk = rd_odoo_format_duration (log->talk_seconds);
  g_autoptr(GTimeZone) zone = zone_for (log->timezone);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (log->start_unix);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, zone) : NULL;
  g_autofree char *start = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("unknown");
  char **out;

  builder_take (b, g_strdup_printf ("%s from %s to %s", direction_label (log->direction), from, to));
  builder_take (b, g_strdup_printf ("Agent: %s", agent));
  builder_take (b, g_strdup_printf ("Started: %s (%s)", start, g_time_zone_get_identifier (zone)));
  builder_take (b, g_strdup_printf ("Ringing: %s, talking: %s", ring, talk));
  builder_take (b, g_strdup_printf ("Outcome: %s", outcome_label (log->outcome)));
  builder_take (b, g_strdup_printf ("%s%s", key_label, key));
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static char *
html_with_label (const RdCrmCallLog *log, const char *key_label)
{
  g_auto(GStrv) lines = lines_with_label (log, key_label);
  GString *html = g_string_new ("<p>");

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (lines[i], -1);

      if (i > 0)
        g_string_append (html, "<br>");
      g_string_append (html, escaped);
    }
  g_string_append (html, "</p>");
  return g_string_free (html, FALSE);
}

char *
rd_odoo_call_log_html (const RdCrmCallLog *log)
{
  return html_with_label (log, RD_ODOO_CALL_KEY_LABEL);
}

char *
rd_odoo_call_back_html (const RdCrmCallLog *log)
{
  return html_with_label (log, RD_ODOO_CALL_BACK_KEY_LABEL);
}

char *
rd_odoo_call_log_summary (const RdCrmCallLog *log)
{
  g_autofree char *talk = rd_odoo_format_duration (log->talk_seconds);

  if (log->outcome == RD_OUTCOME_ANSWERED)
    return g_strdup_printf ("%s, %s", direction_label (log->direction), talk);
  return g_strdup_printf ("%s, %s", direction_label (log->direction), outcome_label (log->outcome));
}

static char *
call_back_summary (const RdCrmCallLog *log)
{
  g_autofree char *from = clean (log->direction == RD_DIRECTION_OUTBOUND ? log->to_number : log->from_number);

  return g_strdup_printf ("Call back %s", from);
}

/* Plain text for action_feedback (Odoo escapes it when rendering). */
static char *
feedback_text (const RdCrmCallLog *log)
{
  g_autofree char *summary = rd_odoo_call_log_summary (log);
  g_autofree char *key = clean (log->call_key);

  return g_strdup_printf ("%s\n" RD_ODOO_CALL_KEY_LABEL "%s", summary, key);
}

/* ---- writing ------------------------------------------------------------ */

typedef enum {
  STEP_TYPE,         /* ir.model.data → Call activity type */
  STEP_TYPE_BY_NAME, /* fallback: mail.activity.type named like "call" */
  STEP_MODEL,        /* ir.model id of the record's model */
  STEP_KEEPS,        /* does the Call type keep done activities (17+)? */
  STEP_CREATE,       /* mail.activity.create */
  STEP_FEEDBACK,     /* action_feedback */
  STEP_UNLINK,       /* cleanup after a failed action_feedback */
  STEP_AUTHOR,       /* res.users → partner (≤17) */
  STEP_POST,         /* message_post */
  STEP_SIGN,         /* the "Call done" message's author: the bound user's contact */
  STEP_DONE,
} Step;

typedef struct {
  RdOdooTransport *transport;
  RdOdooLogIds    *ids;
  RdCrmCallLog     log;       /* shallow fields + owned strings below */
  char            *model;
  gboolean         done_activity;  /* FALSE: open call-back activity */
  gboolean         note;
  gboolean         body_is_html;
  gboolean         author_ok;
  gint64           user_id;
  gint64           api_user_id;    /* the key's own user */
  gboolean         keeps_supported; /* 17+: types may keep done activities */
  gint64           activity_id;
  gint64           message_id;     /* what action_feedback posted */
  char            *html;
  GError          *pending_error;
  Step             step;
} Writer;

static void
writer_free (Writer *w)
{
  g_clear_object (&w->transport);
  g_clear_pointer (&w->ids, rd_odoo_log_ids_unref);
  g_free (w->log.agent_name);
  g_free (w->log.call_key);
  g_free (w->log.from_number);
  g_free (w->log.to_number);
  g_free (w->log.timezone);
  g_free (w->model);
  g_free (w->html);
  g_clear_error (&w->pending_error);
  g_free (w);
}

static void writer_run (GTask *task);

static void
finish_error (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

#define FAIL(task, error) G_STMT_START { finish_error ((task), (error)); return; } G_STMT_END

static gint64
first_id (JsonNode *reply, const char *member, GError **error)
{
  JsonArray *arr;
  JsonNode *first;

  if (!JSON_NODE_HOLDS_ARRAY (reply))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent records that are not a list");
      return -1;
    }
  arr = json_node_get_array (reply);
  if (json_array_get_length (arr) == 0)
    return 0;
  first = json_array_get_element (arr, 0);
  if (!JSON_NODE_HOLDS_OBJECT (first))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo sent a record that is not an object");
      return -1;
    }
  return MAX (rd_odoo_json_get_m2o_id (json_node_get_object (first), member), 0);
}

static void
on_writer_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Writer *w = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  gint64 id;

  if (reply == NULL && !w->note && w->message_id > 0 && (w->step == STEP_AUTHOR || w->step == STEP_SIGN) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* the log is written; only its author could not be set */
      g_debug ("The call log is written, authored by the API user: %s", error->message);
      w->step = STEP_DONE;
      writer_run (task);
      return;
    }
  if (reply == NULL)
    {
      if (w->step == STEP_FEEDBACK && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !rd_error_is_uncertain (error))
        {
          /* Don't leave an open "Call" activity behind; the caller will retry the log. */
          w->pending_error = g_steal_pointer (&error);
          w->step = STEP_UNLINK;
          writer_run (task);
          return;
        }
      if (w->step == STEP_UNLINK)
        {
          g_debug ("Could not remove the unfinished call activity: %s", error->message);
          finish_error (task, g_steal_pointer (&w->pending_error));
          return;
        }
      finish_error (task, g_steal_pointer (&error));
      return;
    }

  switch (w->step)
    {
    case STEP_TYPE:
    case STEP_TYPE_BY_NAME:
      id = first_id (reply, w->step == STEP_TYPE ? "res_id" : "id", &error);
      if (id < 0)
        FAIL (task, g_steal_pointer (&error));
      if (id > 0)
        {
          w->ids->call_type_id = id;
          w->step = STEP_MODEL;
        }
      else if (w->step == STEP_TYPE)
        w->step = STEP_TYPE_BY_NAME;
      else
        {
          w->ids->call_type_id = -1;
          w->step = w->done_activity ? STEP_AUTHOR : STEP_MODEL;
          w->note = w->done_activity;
        }
      break;
    case STEP_MODEL:
      id = first_id (reply, "id", &error);
      if (id < 0)
        FAIL (task, g_steal_pointer (&error));
      if (id == 0)
        FAIL (task, g_error_new (RD_ERROR, RD_ERROR_UNAVAILABLE,
                                                "Odoo does not know the model %s", w->model));
      if (g_str_equal (w->model, RD_ODOO_LEAD))
        w->ids->lead_model_id = id;
      else
        w->ids->partner_model_id = id;
      w->step = STEP_KEEPS;
      break;
    case STEP_KEEPS:
      {
        JsonArray *rows = JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
        JsonNode *row = rows != NULL && json_array_get_length (rows) > 0 ? json_array_get_element (rows, 0) : NULL;
        JsonNode *keep = row != NULL && JSON_NODE_HOLDS_OBJECT (row)
                         ? json_object_get_member (json_node_get_object (row), "keep_done") : NULL;

        w->ids->call_type_keeps = keep != NULL && JSON_NODE_HOLDS_VALUE (keep) &&
                                  json_node_get_value_type (keep) == G_TYPE_BOOLEAN && json_node_get_boolean (keep);
        w->step = STEP_CREATE;
      }
      break;
    case STEP_CREATE:
      {
        g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

        if (!rd_odoo_json_node_ids (reply, ids) || ids->len != 1)
          FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_PROTOCOL,
                                                          "Odoo's create reply is not one record id"));
        w->activity_id = g_array_index (ids, gint64, 0);
        w->step = w->done_activity ? STEP_FEEDBACK : STEP_DONE;
      }
      break;
    case STEP_FEEDBACK:
      /* the "Call done" message; on 19 possibly [id] */
      if (JSON_NODE_HOLDS_VALUE (reply) && json_node_get_value_type (reply) == G_TYPE_INT64)
        w->message_id = json_node_get_int (reply);
      else if (JSON_NODE_HOLDS_ARRAY (reply) && json_array_get_length (json_node_get_array (reply)) == 1)
        w->message_id = json_array_get_int_element (json_node_get_array (reply), 0);
      w->step = w->message_id > 0 && w->author_ok && w->user_id != w->api_user_id ? STEP_AUTHOR : STEP_DONE;
      break;
    case STEP_POST:
    case STEP_SIGN:
      w->step = STEP_DONE;
      break;
    case STEP_UNLINK:
      FAIL (task, g_steal_pointer (&w->pending_error));
    case STEP_AUTHOR:
      id = first_id (reply, "partner_id", &error);
      if (id < 0)
        FAIL (task, g_steal_pointer (&error));
      if (id > 0)
        g_hash_table_replace (w->ids->user_partners, g_memdup2 (&w->user_id, sizeof (gint64)),
                              g_memdup2 (&id, sizeof id));
      w->step = w->note ? STEP_POST : STEP_SIGN;
      break;
    case STEP_DONE:
      g_assert_not_reached ();
    }
  writer_run (task);
}

static void
call (GTask *task, const char *model, const char *method, JsonArray *ids, JsonObject *params)
{
  Writer *w = g_task_get_task_data (task);

  rd_odoo_transport_execute_async (w->transport, model, method, ids, params,
                                   g_task_get_cancellable (task), on_writer_reply, task);
}

static JsonArray *
one_id (gint64 id)
{
  JsonArray *arr = json_array_new ();

  json_array_add_int_element (arr, id);
  return arr;
}

static void
writer_run (GTask *task)
{
  Writer *w = g_task_get_task_data (task);

  for (;;)
    switch (w->step)
      {
      case STEP_TYPE:
        if (w->ids->call_type_id != 0)
          {
            if (w->ids->call_type_id < 0 && w->done_activity)
              {
                w->note = TRUE;
                w->step = STEP_AUTHOR;
              }
            else
              w->step = STEP_MODEL;
            break;
          }
        {
          static const char * const fields[] = { "res_id", NULL };
          JsonArray *domain = json_array_new ();

          rd_odoo_domain_add_leaf (domain, "module", "=", rd_odoo_json_string_new ("mail"));
          rd_odoo_domain_add_leaf (domain, "name", "=", rd_odoo_json_string_new ("mail_activity_data_call"));
          rd_odoo_domain_add_leaf (domain, "model", "=", rd_odoo_json_string_new ("mail.activity.type"));
          call (task, "ir.model.data", "search_read", NULL, rd_odoo_search_params (domain, fields, NULL, 1));
        }
        return;

      case STEP_TYPE_BY_NAME:
        {
          static const char * const fields[] = { "id", NULL };
          JsonArray *domain = json_array_new ();

          rd_odoo_domain_add_leaf (domain, "name", "ilike", rd_odoo_json_string_new ("call"));
          call (task, "mail.activity.type", "search_read", NULL, rd_odoo_search_params (domain, fields, NULL, 1));
        }
        return;

      case STEP_MODEL:
        if (w->ids->call_type_id < 0)
          {
            /* no "Call" type at all: a call-back cannot be scheduled */
            FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_UNAVAILABLE,
                                                            "Odoo has no “Call” activity type"));
          }
        if ((g_str_equal (w->model, RD_ODOO_LEAD) ? w->ids->lead_model_id : w->ids->partner_model_id) > 0)
          {
            w->step = STEP_KEEPS;
            break;
          }
        {
          static const char * const fields[] = { "id", NULL };
          JsonArray *domain = json_array_new ();

          rd_odoo_domain_add_leaf (domain, "model", "=", rd_odoo_json_string_new (w->model));
          call (task, "ir.model", "search_read", NULL, rd_odoo_search_params (domain, fields, NULL, 1));
        }
        return;

      case STEP_KEEPS:
        if (!w->done_activity || !w->keeps_supported || w->ids->call_type_keeps >= 0)
          {
            if (!w->keeps_supported)
              w->ids->call_type_keeps = 0;   /* ≤16: done activities are deleted */
            w->step = STEP_CREATE;
            break;
          }
        {
          static const char * const fields[] = { "keep_done", NULL };
          JsonArray *domain = json_array_new ();

          rd_odoo_domain_add_leaf (domain, "id", "=", rd_odoo_json_int_new (w->ids->call_type_id));
          call (task, "mail.activity.type", "search_read", NULL, rd_odoo_search_params (domain, fields, NULL, 1));
        }
        return;

      case STEP_CREATE:
        {
          JsonObject *vals = json_object_new ();
          JsonArray *vals_list = json_array_new ();
          JsonObject *params = json_object_new ();
          g_autofree char *summary = w->done_activity ? rd_odoo_call_log_summary (&w->log)
                                                      : call_back_summary (&w->log);
          g_autofree char *today = rd_odoo_today (w->log.timezone);
          gint64 model_id = g_str_equal (w->model, RD_ODOO_LEAD) ? w->ids->lead_model_id
                                                                 : w->ids->partner_model_id;

          json_object_set_int_member (vals, "res_model_id", model_id);
          json_object_set_int_member (vals, "res_id", w->log.record_id);
          json_object_set_int_member (vals, "activity_type_id", w->ids->call_type_id);
          json_object_set_string_member (vals, "summary", summary);
          json_object_set_string_member (vals, "note", w->html);
          json_object_set_string_member (vals, "date_deadline", today);
          if (w->done_activity)
            {
              JsonObject *ctx = json_object_new ();

              /* a log, not a task: no "assigned to you" e-mail; the bound user only when
               * the type keeps done activities (its reports), else no one is subscribed */
              json_object_set_int_member (vals, "user_id", w->ids->call_type_keeps > 0 ? w->user_id : w->api_user_id);
              json_object_set_boolean_member (ctx, "mail_activity_quick_update", TRUE);
              json_object_set_object_member (params, "context", ctx);
            }
          else
            json_object_set_int_member (vals, "user_id", w->user_id);   /* a call-back: Odoo tells them */
          json_array_add_object_element (vals_list, vals);
          json_object_set_array_member (params, "vals_list", vals_list);
          call (task, "mail.activity", "create", NULL, params);
        }
        return;

      case STEP_FEEDBACK:
        {
          JsonObject *params = json_object_new ();
          g_autofree char *feedback = feedback_text (&w->log);

          json_object_set_string_member (params, "feedback", feedback);
          call (task, "mail.activity", "action_feedback", one_id (w->activity_id), params);
        }
        return;

      case STEP_UNLINK:
        call (task, "mail.activity", "unlink", one_id (w->activity_id), NULL);
        return;

      case STEP_AUTHOR:
        if (!w->author_ok || g_hash_table_contains (w->ids->user_partners, &w->user_id))
          {
            w->step = w->note ? STEP_POST : STEP_SIGN;
            break;
          }
        {
          static const char * const fields[] = { "partner_id", NULL };
          JsonArray *domain = json_array_new ();

          rd_odoo_domain_add_leaf (domain, "id", "=", rd_odoo_json_int_new (w->user_id));
          call (task, "res.users", "search_read", NULL, rd_odoo_search_params (domain, fields, NULL, 1));
        }
        return;

      case STEP_POST:
        {
          JsonObject *params = json_object_new ();
          gint64 *author = w->author_ok ? g_hash_table_lookup (w->ids->user_partners, &w->user_id) : NULL;

          json_object_set_string_member (params, "body", w->html);
          if (w->body_is_html)
            json_object_set_boolean_member (params, "body_is_html", TRUE);
          json_object_set_string_member (params, "message_type", "comment");
          json_object_set_string_member (params, "subtype_xmlid", "mail.mt_note");
          if (author != NULL)
            json_object_set_int_member (params, "author_id", *author);
          call (task, w->model, "message_post", one_id (w->log.record_id), params);
        }
        return;

      case STEP_SIGN:
        {
          gint64 *author = g_hash_table_lookup (w->ids->user_partners, &w->user_id);
          JsonObject *params = json_object_new ();
          JsonObject *vals = json_object_new ();

          if (author == NULL)
            {
              json_object_unref (params);
              json_object_unref (vals);
              w->step = STEP_DONE;
              break;
            }
          json_object_set_int_member (vals, "author_id", *author);
          json_object_set_object_member (params, "vals", vals);
          call (task, "mail.message", "write", one_id (w->message_id), params);
        }
        return;

      case STEP_DONE:
        g_task_return_boolean (task, TRUE);
        g_object_unref (task);
        return;
      }
}

static void
writer_start (RdOdooTransport *transport, const RdOdooFeatures *features, RdOdooLogIds *ids,
              const RdCrmCallLog *log, gboolean done_activity, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  Writer *w = g_new0 (Writer, 1);
  const char *model = log != NULL ? rd_odoo_model_for_kind (log->kind) : NULL;

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, w, (GDestroyNotify) writer_free);
  if (log == NULL || model == NULL || log->record_id <= 0 ||
      (log->kind != RD_CRM_KIND_INDIVIDUAL && log->kind != RD_CRM_KIND_COMPANY && log->kind != RD_CRM_KIND_LEAD))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                    "A call log needs one target record (kind and id)"));
  if (done_activity && (log->call_key == NULL || *log->call_key == '\0'))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                    "A call log needs its call key"));
  if (!done_activity && log->user_id <= 0 && features->info->admin_user_id <= 0)
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                    "A call-back task needs a user"));

  w->transport = g_object_ref (transport);
  w->ids = rd_odoo_log_ids_ref (ids);
  w->log = *log;
  w->log.agent_name = g_strdup (log->agent_name);
  w->log.call_key = g_strdup (log->call_key);
  w->log.from_number = g_strdup (log->from_number);
  w->log.to_number = g_strdup (log->to_number);
  w->log.timezone = g_strdup (log->timezone);
  w->model = g_strdup (model);
  w->done_activity = done_activity;
  w->note = done_activity && log->style == RD_CRM_LOG_NOTE;
  w->body_is_html = features->body_is_html;
  w->author_ok = log->user_id > 0 && features->info->major <= 17;   /* 18/19: UNCONFIRMED */
  w->user_id = log->user_id > 0 ? log->user_id : features->info->admin_user_id;
  w->api_user_id = features->info->admin_user_id > 0 ? features->info->admin_user_id : w->user_id;
  w->keeps_supported = features->info->major >= 17;
  /* A call-back carries its own label: a done call-back (its note lands in the
   * chatter) is not mistaken for the call log, nor the call log for it. */
  w->html = done_activity ? rd_odoo_call_log_html (log) : rd_odoo_call_back_html (log);
  w->step = w->note ? STEP_AUTHOR : STEP_TYPE;
  writer_run (task);
}

void
rd_odoo_logger_log_async (RdOdooTransport *transport, const RdOdooFeatures *features, RdOdooLogIds *ids,
                          const RdCrmCallLog *log, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  writer_start (transport, features, ids, log, TRUE, cancellable, callback, user_data,
                rd_odoo_logger_log_async);
}

void
rd_odoo_logger_callback_async (RdOdooTransport *transport, const RdOdooFeatures *features,
                               RdOdooLogIds *ids, const RdCrmCallLog *log, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  writer_start (transport, features, ids, log, FALSE, cancellable, callback, user_data,
                rd_odoo_logger_callback_async);
}

gboolean
rd_odoo_logger_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- exactly-once check ------------------------------------------------- */

/* The searchable start of "<label><key>": up to the first character that Odoo
 * may store as an entity. */
static char *
search_term (const char *label, const char *key)
{
  gsize n = strcspn (key, "&<>'\"");

  return g_strdup_printf ("%s%.*s", label, (int) n, key);
}

/* Body text with the entities Odoo / QWeb / lxml produce decoded. */
static char *
unescape_body (const char *body)
{
  static const struct { const char *entity; char c; } table[] = {
    { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
    { "&#34;", '"' }, { "&#39;", '\'' }, { "&#x27;", '\'' }, { "&apos;", '\'' },
  };
  GString *out = g_string_sized_new (strlen (body));

  for (const char *p = body; *p != '\0'; )
    {
      gboolean done = FALSE;

      if (*p == '&')
        for (guint i = 0; i < G_N_ELEMENTS (table) && !done; i++)
          if (g_str_has_prefix (p, table[i].entity))
            {
              g_string_append_c (out, table[i].c);
              p += strlen (table[i].entity);
              done = TRUE;
            }
      if (!done)
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

/* Does @body carry exactly "<label>@key" (not a longer key)? */
static gboolean
body_has_key (const char *body, const char *label, const char *key)
{
  g_autofree char *text = unescape_body (body);
  g_autofree char *needle = g_strconcat (label, key, NULL);
  gsize len = strlen (needle);

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    {
      char next = p[len];

      if (next == '\0' || next == '<' || g_ascii_isspace (next))
        return TRUE;
    }
  return FALSE;
}

typedef enum {
  FIND_MESSAGES,     /* mail.message bodies: done logs, done call-backs */
  FIND_ACTIVITIES,   /* mail.activity notes: call-backs (open, or archived once done) */
  FIND_ORPHANS,      /* open call-log activities whose action_feedback never ran */
  FIND_UNLINK,       /* …removed, so that the log is written again, once */
} FindStep;

typedef struct {
  RdOdooTransport *transport;
  gboolean         callback;   /* looking for a call-back, not a call log */
  gboolean         archived;   /* mail.activity has `active` (17+) */
  char            *model;
  gint64           record_id;
  char            *key;        /* as written (cleaned) */
  char            *term;
  FindStep         step;
  GArray          *orphans;    /* gint64 */
} Finder;

static void
finder_free (Finder *fd)
{
  g_clear_object (&fd->transport);
  g_free (fd->model);
  g_free (fd->key);
  g_free (fd->term);
  g_clear_pointer (&fd->orphans, g_array_unref);
  g_free (fd);
}

static void on_find (GObject *source, GAsyncResult *result, gpointer user_data);

static void
finder_run (GTask *task)
{
  Finder *fd = g_task_get_task_data (task);
  static const char * const body_fields[] = { "body", NULL };
  static const char * const note_fields[] = { "note", NULL };
  JsonArray *domain = json_array_new ();
  JsonArray *ids;

  switch (fd->step)
    {
    case FIND_MESSAGES:
      rd_odoo_domain_add_leaf (domain, "model", "=", rd_odoo_json_string_new (fd->model));
      rd_odoo_domain_add_leaf (domain, "res_id", "=", rd_odoo_json_int_new (fd->record_id));
      rd_odoo_domain_add_leaf (domain, "body", "ilike", rd_odoo_json_string_new (fd->term));
      rd_odoo_transport_execute_async (fd->transport, "mail.message", "search_read", NULL,
                                       rd_odoo_search_params (domain, body_fields, NULL, 20),
                                       g_task_get_cancellable (task), on_find, task);
      return;
    case FIND_ACTIVITIES:
    case FIND_ORPHANS:
      rd_odoo_domain_add_leaf (domain, "res_model", "=", rd_odoo_json_string_new (fd->model));
      rd_odoo_domain_add_leaf (domain, "res_id", "=", rd_odoo_json_int_new (fd->record_id));
      rd_odoo_domain_add_leaf (domain, "note", "ilike", rd_odoo_json_string_new (fd->term));
      if (fd->step == FIND_ACTIVITIES && fd->archived)
        {
          /* 17+ can keep done activities, archived: a done call-back counts too. */
          JsonArray *both = json_array_new ();

          json_array_add_boolean_element (both, TRUE);
          json_array_add_boolean_element (both, FALSE);
          rd_odoo_domain_add_leaf (domain, "active", "in", json_node_init_array (json_node_alloc (), both));
          json_array_unref (both);
        }
      rd_odoo_transport_execute_async (fd->transport, "mail.activity", "search_read", NULL,
                                       rd_odoo_search_params (domain, note_fields, NULL, 20),
                                       g_task_get_cancellable (task), on_find, task);
      return;
    case FIND_UNLINK:
      json_array_unref (domain);
      ids = json_array_new ();
      for (guint i = 0; i < fd->orphans->len; i++)
        json_array_add_int_element (ids, g_array_index (fd->orphans, gint64, i));
      rd_odoo_transport_execute_async (fd->transport, "mail.activity", "unlink", ids, NULL,
                                       g_task_get_cancellable (task), on_find, task);
      return;
    }
  g_assert_not_reached ();
}

static void
on_find (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Finder *fd = g_task_get_task_data (task);
  const char *label = fd->callback ? RD_ODOO_CALL_BACK_KEY_LABEL : RD_ODOO_CALL_KEY_LABEL;
  const char *member = fd->step == FIND_MESSAGES ? "body" : "note";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (fd->step == FIND_UNLINK)
    {
      g_debug ("Removed %u unfinished call-log activities", fd->orphans->len);
      g_task_return_int (task, 0);
      return;
    }
  rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* `ilike` treats % and _ as wildcards and the term may be a prefix of a
   * longer key: confirm the exact key is there. */
  for (guint i = 0; i < rows->len; i++)
    {
      const char *text = rd_odoo_json_get_string (rows->pdata[i], member, NULL);

      if (text == NULL || !body_has_key (text, label, fd->key))
        continue;
      if (fd->step != FIND_ORPHANS)
        {
          g_task_return_int (task, 1);
          return;
        }
      {
        gint64 id = rd_odoo_json_get_int (rows->pdata[i], "id", 0);

        g_array_append_val (fd->orphans, id);
      }
    }

  switch (fd->step)
    {
    case FIND_MESSAGES:
      if (fd->callback)
        {
          g_task_return_int (task, 0);
          return;
        }
      /* Not logged. An open "Call" activity with this key is a log whose
       * action_feedback never ran (the hub died or timed out in between). */
      fd->step = FIND_ORPHANS;
      break;
    case FIND_ACTIVITIES:
      /* Done and deleted (≤16, or a type that keeps no done activities): the
       * note survives in the "… done" message. */
      fd->step = FIND_MESSAGES;
      break;
    case FIND_ORPHANS:
      if (fd->orphans->len == 0)
        {
          g_task_return_int (task, 0);
          return;
        }
      fd->step = FIND_UNLINK;
      break;
    case FIND_UNLINK:
    default:
      g_assert_not_reached ();
    }
  finder_run (g_steal_pointer (&task));
}

static void
finder_start (RdOdooTransport *transport, gboolean callback, gboolean archived, const char *model,
              gint64 record_id, const char *call_key, GCancellable *cancellable,
              GAsyncReadyCallback done, gpointer user_data, gpointer tag)
{
  GTask *task = g_task_new (transport, cancellable, done, user_data);
  Finder *fd;

  g_task_set_source_tag (task, tag);
  if (model == NULL || record_id <= 0 || call_key == NULL || *call_key == '\0')
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               callback ? "Checking for a call-back needs a record and a call key"
                                        : "Checking for a call log needs a record and a call key");
      g_object_unref (task);
      return;
    }
  fd = g_new0 (Finder, 1);
  fd->transport = g_object_ref (transport);
  fd->callback = callback;
  fd->archived = archived;
  fd->model = g_strdup (model);
  fd->record_id = record_id;
  fd->key = clean (call_key);
  fd->term = search_term (callback ? RD_ODOO_CALL_BACK_KEY_LABEL : RD_ODOO_CALL_KEY_LABEL, fd->key);
  fd->step = callback ? FIND_ACTIVITIES : FIND_MESSAGES;
  fd->orphans = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_task_set_task_data (task, fd, (GDestroyNotify) finder_free);
  finder_run (task);
}

void
rd_odoo_logger_find_async (RdOdooTransport *transport, const char *model, gint64 record_id,
                           const char *call_key, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  finder_start (transport, FALSE, FALSE, model, record_id, call_key, cancellable, callback, user_data,
                rd_odoo_logger_find_async);
}

void
rd_odoo_logger_find_callback_async (RdOdooTransport *transport, const RdOdooFeatures *features,
                                    const char *model, gint64 record_id, const char *call_key,
                                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  finder_start (transport, TRUE, features->info->major >= 17, model, record_id, call_key, cancellable,
                callback, user_data, rd_odoo_logger_find_callback_async);
}

gboolean
rd_odoo_logger_find_finish (GAsyncResult *result, gboolean *out_found, GError **error)
{
  g_autoptr(GError) local = NULL;
  gssize found = g_task_propagate_int (G_TASK (result), &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (out_found != NULL)
    *out_found = found > 0;
  return TRUE;
}
