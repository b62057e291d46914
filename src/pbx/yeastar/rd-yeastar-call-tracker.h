/* rd-yeastar-call-tracker.h — turns 30011 "call status changed" member lists into
 * normalized per-extension RdCallEvents.
 *
 * Each 30011 carries the full member list of one call. Per extension member:
 * RING → ringing (dialing, outbound, when the extension is the caller of a
 * call/dial, whether the event comes before or after the REST reply),
 * ALERT / EARLYMEDIA → dialing, ANSWER / ANSWERED → answered, HOLD → held,
 * BYE or disappearance from the list → ended. Each state change is emitted once;
 * identical lists are ignored. Several ringing extensions (queue / ring group):
 * the one that answers goes on, the others end. A new extension in a known call
 * (transfer) gets events under the same call id. */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-call.h"

G_BEGIN_DECLS

#define RD_TYPE_YEASTAR_CALL_TRACKER (rd_yeastar_call_tracker_get_type ())
G_DECLARE_FINAL_TYPE (RdYeastarCallTracker, rd_yeastar_call_tracker, RD, YEASTAR_CALL_TRACKER, GObject)

RdYeastarCallTracker *rd_yeastar_call_tracker_new (void);

/* Feeds one 30011 msg; emits "call-event" (RdCallEvent) for every leg change.
 * A malformed msg changes nothing and sets @error. */
gboolean rd_yeastar_call_tracker_feed      (RdYeastarCallTracker *self, JsonObject *msg, GError **error);
/* A call/dial from @extension to @number is on its way: until its reply, a call
 * whose only member is @extension ringing (RING) or calling (ALERT) is taken for
 * it (the PBX may report the caller's own phone before it replies). Returns a
 * ticket for note_dial / cancel_dial. */
guint    rd_yeastar_call_tracker_begin_dial  (RdYeastarCallTracker *self, const char *extension,
                                              const char *number);
/* call/dial returned @call_id for the dial of @ticket (0 = none was begun). */
void     rd_yeastar_call_tracker_note_dial   (RdYeastarCallTracker *self, guint ticket, const char *call_id,
                                              const char *extension, const char *number);
/* call/dial failed: forget the dial of @ticket. */
void     rd_yeastar_call_tracker_cancel_dial (RdYeastarCallTracker *self, guint ticket);
/* A record or a call-failed event arrived: ends the open legs of the extensions in
 * @parties (NULL-terminated, may be NULL), or every open leg when none of them
 * took part in the call. */
void     rd_yeastar_call_tracker_end_call  (RdYeastarCallTracker *self, const char *call_id,
                                            const char * const *parties);
/* A record without a call id (v1 CDR rows): ends the calls in progress it describes (a
 * leg of one of its extensions with its other party, seen since it began). */
void     rd_yeastar_call_tracker_end_matching (RdYeastarCallTracker *self, const RdCallRecord *record);
/* Unix seconds when the oldest call still in progress was first seen; 0 if none. */
gint64   rd_yeastar_call_tracker_oldest_start (RdYeastarCallTracker *self);
guint    rd_yeastar_call_tracker_count_calls  (RdYeastarCallTracker *self);
/* When the call was last fed (monotonic µs); 0 when it is not in progress. */
gint64   rd_yeastar_call_tracker_last_seen    (RdYeastarCallTracker *self, const char *call_id);
/* The ids of the calls in progress. */
GStrv    rd_yeastar_call_tracker_dup_call_ids (RdYeastarCallTracker *self);
/* Takes a leg seen before a restart as known (no event): later member lists are compared
 * with it, and ending the call ends it. */
void     rd_yeastar_call_tracker_adopt        (RdYeastarCallTracker *self, const RdCallEvent *event);

G_END_DECLS
