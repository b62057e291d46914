/* rd-yeastar-cdr.c — CDR parsing. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-cdr.h"

#include <stdio.h>
#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-json.h"

#define MAX_FIELD       256
#define MAX_DURATION_S  (7 * 24 * 3600)

gboolean
rd_yeastar_parse_local_time (const char *text, GTimeZone *tz, gint64 *unix_seconds)
{
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GDateTime) dt = NULL;
  int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
  char sep1, sep2;

  if (text == NULL)
    return FALSE;
  if (sscanf (text, "%4d%c%2d%c%2d%n", &y, &sep1, &mo, &sep2, &d, &n) != 5 ||
      sep1 != sep2 || (sep1 != '-' && sep1 != '/'))
    return FALSE;
  text += n;
  if (*text == ' ' || *text == 'T')
    {
      int m = 0;

      text++;
      if (sscanf (text, "%2d:%2d%n", &h, &mi, &m) != 2)
        return FALSE;
      text += m;
      if (*text == ':')
        {
          text++;
          if (sscanf (text, "%2d%n", &s, &m) != 1)
            return FALSE;
          text += m;
        }
    }
  while (*text == ' ')
    text++;
  if (*text != '\0')
    return FALSE;
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    return FALSE;
  if (tz == NULL)
    tz = local = g_time_zone_new_local ();
  dt = g_date_time_new (tz, y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  *unix_seconds = g_date_time_to_unix (dt);
  return TRUE;
}

static char *
text (JsonObject *obj, const char *name)
{
  return rd_yeastar_json_dup_field (obj, name, MAX_FIELD);
}

static guint
duration (JsonObject *obj, const char *name, gboolean *present)
{
  gint64 v = 0;

  if (!rd_yeastar_json_get_int (obj, name, &v))
    {
      if (present)
        *present = FALSE;
      return 0;
    }
  if (present)
    *present = TRUE;
  return (guint) CLAMP (v, 0, MAX_DURATION_S);
}

/* "Name<number>" (v2 and some v1 rows) or a bare number. */
static void
split_party (char *value, char **number, char **name)
{
  char *lt, *gt;

  *number = NULL;
  *name = NULL;
  if (value == NULL)
    return;
  lt = strrchr (value, '<');
  gt = lt ? strchr (lt, '>') : NULL;
  if (lt != NULL && gt != NULL && gt[1] == '\0')
    {
      *gt = '\0';
      *lt = '\0';
      *number = g_strstrip (g_strdup (lt + 1));
      *name = g_strstrip (g_strdup (value));
      if (**name == '\0')
        g_clear_pointer (name, g_free);
      if (**number == '\0')
        g_clear_pointer (number, g_free);
      g_free (value);
      return;
    }
  *number = value;
}

static RdOutcome
outcome_of (const char *status)
{
  g_autofree char *norm = NULL;

  if (status == NULL)
    return RD_OUTCOME_UNKNOWN;
  norm = g_ascii_strup (status, -1);
  g_strstrip (norm);
  if (g_str_equal (norm, "ANSWERED") || g_str_equal (norm, "ANSWERD") || g_str_equal (norm, "ANSWER"))
    return RD_OUTCOME_ANSWERED;
  if (g_str_equal (norm, "NO ANSWER") || g_str_equal (norm, "NOANSWER") || g_str_equal (norm, "NO_ANSWER") ||
      g_str_equal (norm, "ABANDONED"))
    return RD_OUTCOME_NO_ANSWER;
  if (g_str_equal (norm, "BUSY"))
    return RD_OUTCOME_BUSY;
  if (g_str_equal (norm, "FAILED"))
    return RD_OUTCOME_FAILED;
  if (g_str_equal (norm, "VOICEMAIL"))
    return RD_OUTCOME_VOICEMAIL;
  return RD_OUTCOME_UNKNOWN;
}

static void
fill_extension (RdCallRecord *rec)
{
  switch (rec->direction)
    {
    case RD_DIRECTION_INBOUND:
      rec->extension = g_strdup (rec->to_number);
      break;
    case RD_DIRECTION_OUTBOUND:
    case RD_DIRECTION_INTERNAL:
      rec->extension = g_strdup (rec->from_number);
      break;
    case RD_DIRECTION_UNKNOWN:
    default:
      break;
    }
}

static gboolean
check_identity (RdCallRecord *rec, GError **error)
{
  if (rec->call_id == NULL && rec->uid == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "call record without call_id or uid");
      return FALSE;
    }
  return TRUE;
}

RdCallRecord *
rd_yeastar_cdr_from_event (JsonObject *msg, GTimeZone *tz, GError **error)
{
  g_autoptr(RdCallRecord) rec = rd_call_record_new ();
  g_autofree char *type = NULL, *status = NULL, *start = NULL;
  gboolean has_ring = FALSE;
  guint ring;

  rec->call_id = text (msg, "call_id");
  rec->uid = text (msg, "uid");
  if (!check_identity (rec, error))
    return NULL;
  start = text (msg, "time_start");
  if (!rd_yeastar_parse_local_time (start, tz, &rec->start_unix))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "call record %s: unreadable time_start",
                   rec->call_id ? rec->call_id : rec->uid);
      return NULL;
    }
  split_party (text (msg, "call_from"), &rec->from_number, &rec->from_name);
  split_party (text (msg, "call_to"), &rec->to_number, &rec->to_name);
  rec->total_seconds = duration (msg, "call_duration", NULL);
  rec->talk_seconds = MIN (duration (msg, "talk_duration", NULL), rec->total_seconds);
  ring = duration (msg, "ring_duration", &has_ring);
  rec->ring_seconds = has_ring ? ring : rec->total_seconds - rec->talk_seconds;
  type = text (msg, "type");
  rec->direction = rd_direction_from_string (type);
  status = text (msg, "status");
  rec->outcome = outcome_of (status);
  rec->did = text (msg, "did_number");
  rec->recording = text (msg, "recording");
  rec->reason = text (msg, "reason");
  fill_extension (rec);
  return g_steal_pointer (&rec);
}

RdCallRecord *
rd_yeastar_cdr_from_row (JsonObject *row, GTimeZone *tz, GError **error)
{
  g_autoptr(RdCallRecord) rec = rd_call_record_new ();
  g_autofree char *type = NULL, *status = NULL, *time = NULL;
  gboolean has_ring = FALSE;
  gint64 ts = 0;
  guint ring;

  rec->call_id = text (row, "call_id");
  rec->uid = text (row, "uid");
  if (!check_identity (rec, error))
    return NULL;
  time = text (row, "time");
  if (rd_yeastar_json_get_int (row, "timestamp", &ts) && ts > 0)
    rec->start_unix = ts;
  else if (!rd_yeastar_parse_local_time (time, tz, &rec->start_unix))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_PROTOCOL, "call record %s: no usable time",
                   rec->uid ? rec->uid : rec->call_id);
      return NULL;
    }
  split_party (text (row, "call_from"), &rec->from_number, &rec->from_name);
  split_party (text (row, "call_to"), &rec->to_number, &rec->to_name);
  rec->total_seconds = duration (row, "duration", NULL);
  if (rec->total_seconds == 0)
    rec->total_seconds = duration (row, "call_duration", NULL);
  rec->talk_seconds = MIN (duration (row, "talk_duration", NULL), rec->total_seconds);
  ring = duration (row, "ring_duration", &has_ring);
  rec->ring_seconds = has_ring ? ring : rec->total_seconds - rec->talk_seconds;
  type = text (row, "call_type");
  if (type == NULL)
    type = text (row, "type");
  rec->direction = rd_direction_from_string (type);
  status = text (row, "disposition");
  if (status == NULL)
    status = text (row, "status");
  rec->outcome = outcome_of (status);
  rec->did = text (row, "did_number");
  rec->recording = text (row, "recording");
  rec->reason = text (row, "reason");
  fill_extension (rec);
  return g_steal_pointer (&rec);
}
