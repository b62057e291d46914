/* rd-desk-frames.h — builders of the hub → agent frames (docs/agent-protocol.md).
 *
 * Pure functions: each returns a new JsonObject (free with json_object_unref) and
 * never keeps or modifies its arguments; objects passed in are deep-copied.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-call.h"
#include "core/rd-phone.h"
#include "crm/rd-crm.h"

G_BEGIN_DECLS

/* Engine-facing builders. */
JsonObject *rd_desk_frame_call            (const RdCallEvent *event, const RdPhoneNumber *number /* nullable */,
                                            JsonObject *match /* nullable, not consumed */, gboolean lookup_pending);
JsonObject *rd_desk_frame_match           (const char *call_id, JsonObject *match /* nullable */);
JsonObject *rd_desk_frame_dial_failed     (const char *call_id, const char *reason);
JsonObject *rd_desk_frame_call_logged     (const char *call_id, RdOutcome outcome, guint duration);
JsonObject *rd_desk_frame_status          (JsonObject *status_fields /* not consumed */);
JsonObject *rd_desk_match_to_json         (const RdCrmMatch *match);  /* kind,id,name,company,url,owner */
JsonObject *rd_desk_number_to_json        (const char *raw, const RdPhoneNumber *number /* nullable */);
JsonObject *rd_desk_recent_call_to_json   (const RdCallRecord *record, const RdPhoneNumber *remote /* nullable */,
                                            JsonObject *match /* nullable, not consumed */);

/* Server-side frames (sign-in and replies). @id is the request's id node (nullable). */
JsonObject *rd_desk_frame_welcome         (const char *extension, gint64 user_id, const char *user_name,
                                            const char *token, gint64 expires_unix,
                                            JsonObject *status_fields /* nullable, not consumed */);
JsonObject *rd_desk_frame_auth_failed     (const GError *error, guint retry_after);
JsonObject *rd_desk_frame_error           (JsonNode *id, const GError *error);
/* A reply of @type ("dial-result", "pong" …) carrying @id. */
JsonObject *rd_desk_frame_reply           (const char *type, JsonNode *id);
/* {code, message} for @error; codes are rd_error_code_to_string() names. */
JsonObject *rd_desk_error_to_json         (const GError *error);

/* A deep copy of @object (json_node_copy() only adds a reference). */
JsonObject *rd_desk_json_object_copy      (JsonObject *object);
/* Compact UTF-8 text of @frame. */
char       *rd_desk_frame_to_text         (JsonObject *frame, gsize *length);

G_END_DECLS
