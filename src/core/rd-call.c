#include "config.h"

#include "rd-call.h"

#include <string.h>

G_DEFINE_BOXED_TYPE (RdCallEvent, rd_call_event, rd_call_event_copy, rd_call_event_free)
G_DEFINE_BOXED_TYPE (RdCallRecord, rd_call_record, rd_call_record_copy, rd_call_record_free)

RdCallEvent *
rd_call_event_new (void)
{
  return g_new0 (RdCallEvent, 1);
}

RdCallEvent *
rd_call_event_copy (const RdCallEvent *event)
{
  RdCallEvent *copy;

  g_return_val_if_fail (event != NULL, NULL);

  copy = g_memdup2 (event, sizeof *event);
  copy->call_id = g_strdup (event->call_id);
  copy->extension = g_strdup (event->extension);
  copy->remote_number = g_strdup (event->remote_number);
  copy->remote_name = g_strdup (event->remote_name);
  copy->did = g_strdup (event->did);
  copy->call_path = g_strdup (event->call_path);
  return copy;
}

void
rd_call_event_free (RdCallEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->call_id);
  g_free (event->extension);
  g_free (event->remote_number);
  g_free (event->remote_name);
  g_free (event->did);
  g_free (event->call_path);
  g_free (event);
}

RdCallRecord *
rd_call_record_new (void)
{
  return g_new0 (RdCallRecord, 1);
}

RdCallRecord *
rd_call_record_copy (const RdCallRecord *record)
{
  RdCallRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_memdup2 (record, sizeof *record);
  copy->call_id = g_strdup (record->call_id);
  copy->uid = g_strdup (record->uid);
  copy->from_number = g_strdup (record->from_number);
  copy->from_name = g_strdup (record->from_name);
  copy->to_number = g_strdup (record->to_number);
  copy->to_name = g_strdup (record->to_name);
  copy->extension = g_strdup (record->extension);
  copy->did = g_strdup (record->did);
  copy->recording = g_strdup (record->recording);
  copy->reason = g_strdup (record->reason);
  return copy;
}

void
rd_call_record_free (RdCallRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->call_id);
  g_free (record->uid);
  g_free (record->from_number);
  g_free (record->from_name);
  g_free (record->to_number);
  g_free (record->to_name);
  g_free (record->extension);
  g_free (record->did);
  g_free (record->recording);
  g_free (record->reason);
  g_free (record);
}

char *
rd_call_record_key (const RdCallRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);

  if (record->uid != NULL && *record->uid != '\0')
    return g_strconcat ("uid:", record->uid, NULL);
  return g_strconcat ("call:", record->call_id ? record->call_id : "", NULL);
}

typedef struct {
  int         value;
  const char *name;
} Names;

static const Names direction_names[] = {
  { RD_DIRECTION_UNKNOWN, "unknown" },
  { RD_DIRECTION_INBOUND, "inbound" },
  { RD_DIRECTION_OUTBOUND, "outbound" },
  { RD_DIRECTION_INTERNAL, "internal" },
  { 0, NULL }
};

static const Names state_names[] = {
  { RD_CALL_STATE_RINGING, "ringing" },
  { RD_CALL_STATE_DIALING, "dialing" },
  { RD_CALL_STATE_ANSWERED, "answered" },
  { RD_CALL_STATE_HELD, "held" },
  { RD_CALL_STATE_ENDED, "ended" },
  { 0, NULL }
};

static const Names outcome_names[] = {
  { RD_OUTCOME_UNKNOWN, "unknown" },
  { RD_OUTCOME_ANSWERED, "answered" },
  { RD_OUTCOME_NO_ANSWER, "no-answer" },
  { RD_OUTCOME_BUSY, "busy" },
  { RD_OUTCOME_FAILED, "failed" },
  { RD_OUTCOME_VOICEMAIL, "voicemail" },
  { 0, NULL }
};

static const char *
name_of (const Names *names, int value)
{
  for (guint i = 0; names[i].name != NULL; i++)
    if (names[i].value == value)
      return names[i].name;
  return names[0].name;
}

static int
value_of (const Names *names, const char *text)
{
  if (text == NULL)
    return names[0].value;
  for (guint i = 0; names[i].name != NULL; i++)
    if (g_ascii_strcasecmp (names[i].name, text) == 0)
      return names[i].value;
  return names[0].value;
}

const char *
rd_direction_to_string (RdDirection direction)
{
  return name_of (direction_names, direction);
}

RdDirection
rd_direction_from_string (const char *text)
{
  g_autofree char *norm = text ? g_strstrip (g_strdup (text)) : NULL;

  return value_of (direction_names, norm);
}

const char *
rd_call_state_to_string (RdCallState state)
{
  return name_of (state_names, state);
}

RdCallState
rd_call_state_from_string (const char *text)
{
  return value_of (state_names, text);
}

const char *
rd_outcome_to_string (RdOutcome outcome)
{
  return name_of (outcome_names, outcome);
}

RdOutcome
rd_outcome_from_string (const char *text)
{
  g_autofree char *norm = NULL;

  if (text == NULL)
    return RD_OUTCOME_UNKNOWN;

  /* PBX spellings: "ANSWERED", doc typo "ANSWERD", "NO ANSWER", "NO_ANSWER", "BUSY" … */
  norm = g_strstrip (g_ascii_strdown (text, -1));
  g_strdelimit (norm, " _", '-');
  if (g_str_equal (norm, "answerd"))
    return RD_OUTCOME_ANSWERED;
  if (g_str_equal (norm, "noanswer") || g_str_equal (norm, "abandoned"))
    return RD_OUTCOME_NO_ANSWER;
  return value_of (outcome_names, norm);
}
