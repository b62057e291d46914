/* rd-call.h — the normalized call model shared by the PBX layer, the hub and the agent protocol.
 *
 * The PBX backend turns vendor events into RdCallEvent (live, per extension) and
 * RdCallRecord (end of call, the source of truth for logging). Plain boxed structs
 * so they travel through signals, GTask results and JSON without ceremony.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  RD_DIRECTION_UNKNOWN,
  RD_DIRECTION_INBOUND,
  RD_DIRECTION_OUTBOUND,
  RD_DIRECTION_INTERNAL,
} RdDirection;

typedef enum {
  RD_CALL_STATE_RINGING,    /* the extension is being called (inbound/internal callee) */
  RD_CALL_STATE_DIALING,    /* the extension is calling out and hears ringback */
  RD_CALL_STATE_ANSWERED,   /* talking */
  RD_CALL_STATE_HELD,
  RD_CALL_STATE_ENDED,
} RdCallState;

typedef enum {
  RD_OUTCOME_UNKNOWN,
  RD_OUTCOME_ANSWERED,
  RD_OUTCOME_NO_ANSWER,
  RD_OUTCOME_BUSY,
  RD_OUTCOME_FAILED,
  RD_OUTCOME_VOICEMAIL,
} RdOutcome;

/* A live state change for one extension's leg of a call. */
typedef struct {
  char        *call_id;       /* PBX call id, e.g. "1650012665.266" */
  char        *extension;     /* the extension this event is about, e.g. "2002" */
  RdDirection  direction;     /* from the extension's point of view */
  RdCallState  state;
  char        *remote_number; /* raw caller/callee number as the PBX gave it */
  char        *remote_name;   /* optional caller name from the PBX, may be NULL */
  char        *did;           /* dialled number for inbound trunk calls, may be NULL */
  char        *call_path;     /* queue / ring group / IVR path traversed, may be NULL */
  gint64       timestamp_us;  /* wall clock (g_get_real_time) when the state was seen */
} RdCallEvent;

/* End-of-call record (CDR). */
typedef struct {
  char        *call_id;       /* PBX call id, may be NULL for catch-up rows lacking it */
  char        *uid;           /* CDR uid when the PBX provides one, else NULL */
  RdDirection  direction;
  char        *from_number;
  char        *from_name;     /* may be NULL */
  char        *to_number;
  char        *to_name;       /* may be NULL */
  char        *extension;     /* the bound extension involved (answering / calling), may be NULL */
  char        *did;           /* may be NULL */
  gint64       start_unix;    /* seconds, UTC */
  guint        ring_seconds;
  guint        talk_seconds;
  guint        total_seconds;
  RdOutcome    outcome;
  char        *recording;     /* file name or NULL */
  char        *reason;        /* failure reason or NULL */
} RdCallRecord;

#define RD_TYPE_CALL_EVENT  (rd_call_event_get_type ())
#define RD_TYPE_CALL_RECORD (rd_call_record_get_type ())

GType          rd_call_event_get_type   (void) G_GNUC_CONST;
RdCallEvent   *rd_call_event_new        (void);
RdCallEvent   *rd_call_event_copy       (const RdCallEvent *event);
void           rd_call_event_free       (RdCallEvent *event);

GType          rd_call_record_get_type  (void) G_GNUC_CONST;
RdCallRecord  *rd_call_record_new       (void);
RdCallRecord  *rd_call_record_copy      (const RdCallRecord *record);
void           rd_call_record_free      (RdCallRecord *record);
/* "uid:<uid>" when uid is set, else "call:<call_id>"; the exactly-once key. */
char          *rd_call_record_key       (const RdCallRecord *record);

const char    *rd_direction_to_string   (RdDirection direction);   /* "inbound" … */
RdDirection    rd_direction_from_string (const char *text);        /* case-insensitive */
const char    *rd_call_state_to_string  (RdCallState state);       /* "ringing" … */
RdCallState    rd_call_state_from_string(const char *text);
const char    *rd_outcome_to_string     (RdOutcome outcome);       /* "answered", "no-answer" … */
RdOutcome      rd_outcome_from_string   (const char *text);        /* accepts "NO ANSWER", "ANSWERD" too */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCallEvent, rd_call_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCallRecord, rd_call_record_free)

G_END_DECLS
