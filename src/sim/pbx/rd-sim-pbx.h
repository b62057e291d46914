/* rd-sim-pbx.h — an in-process simulator of the Yeastar P-Series OpenAPI (v1.0),
 * for tests and `ringdesk --demo`. It behaves as the spec describes
 * (specs/yeastar-openapi.md): same paths, envelopes and errcodes, mandatory
 * User-Agent, access_token query parameter only, 8 valid tokens per client,
 * the event WebSocket with topic_list / heartbeat / idle timeout, and call
 * scenarios that produce 30011 / 30012 / 30015 events and CDRs.
 *
 * Durations given to the scenario functions are real milliseconds (GLib
 * timeouts on the thread-default main context). Each returns the call id. */
#pragma once

#include <gio/gio.h>

#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_SIM_PBX_DEFAULT_CLIENT_ID "ringdesk-demo"
#define RD_SIM_PBX_DEFAULT_SECRET    "ringdesk-demo-secret"

/* Special "errcodes" for rd_sim_pbx_fail_next(): not PBX errcodes, transport faults. */
#define RD_SIM_PBX_FAIL_GARBAGE  1000001   /* reply with a truncated, non-JSON body */
#define RD_SIM_PBX_FAIL_HTTP_500 1000002   /* reply with HTTP 500 and no envelope */

#define RD_TYPE_SIM_PBX (rd_sim_pbx_get_type ())
G_DECLARE_FINAL_TYPE (RdSimPbx, rd_sim_pbx, RD, SIM_PBX, GObject)

RdSimPbx   *rd_sim_pbx_new (void);
gboolean    rd_sim_pbx_start (RdSimPbx *self, GError **error);      /* 127.0.0.1, port 0, plain HTTP */
gboolean    rd_sim_pbx_start_tls (RdSimPbx *self, GTlsCertificate *certificate, GError **error);
const char *rd_sim_pbx_get_base_url (RdSimPbx *self);               /* "http://127.0.0.1:PORT" */
void        rd_sim_pbx_set_credentials (RdSimPbx *self, const char *client_id, const char *secret);
void        rd_sim_pbx_set_token_lifetimes (RdSimPbx *self, guint access_s, guint refresh_s);
/* Valid access tokens one API client may hold (default 8, as documented; a real PBX was
 * seen refusing the third). get_token and refresh_token beyond it: 60002. */
void        rd_sim_pbx_set_max_tokens (RdSimPbx *self, guint max_tokens);
void        rd_sim_pbx_add_extension (RdSimPbx *self, const char *number, const char *name, const char *email);

char       *rd_sim_pbx_play_inbound (RdSimPbx *self, const char *from, const char *did,
                                     const char * const *ring_extensions, const char *answer_extension,
                                     guint ring_ms, guint talk_ms);
char       *rd_sim_pbx_play_outbound (RdSimPbx *self, const char *extension, const char *to,
                                      gboolean answered, guint ring_ms, guint talk_ms);
char       *rd_sim_pbx_play_internal (RdSimPbx *self, const char *from_ext, const char *to_ext,
                                      gboolean answered, guint ring_ms, guint talk_ms);
char       *rd_sim_pbx_play_busy (RdSimPbx *self, const char *from, const char *extension);
/* A click-to-call placed by another program (the PBX portal, Linkus, another API
 * client): what call/dial does, without a REST reply to this client. */
char       *rd_sim_pbx_play_click_to_call (RdSimPbx *self, const char *extension, const char *to);
char       *rd_sim_pbx_play_transfer (RdSimPbx *self, const char *from, const char *first_ext,
                                      const char *second_ext, guint ring_ms, guint talk_ms);
void        rd_sim_pbx_set_busy_number (RdSimPbx *self, const char *number);        /* call/dial → 30015 User Busy */
void        rd_sim_pbx_set_unreachable_number (RdSimPbx *self, const char *number); /* → 30015 Line Unreachable */
void        rd_sim_pbx_deny_dial_permission (RdSimPbx *self, const char *extension); /* → 30015 NO Dial Permission */
void        rd_sim_pbx_set_dial_timings (RdSimPbx *self, guint ring_ms, guint talk_ms);
/* call/dial rings the caller's own phone first (spec §4.1). Real PBXs report that
 * caller leg as RING (default) or ALERT, and its first 30011 may reach the client
 * before the REST reply does (@event_first: the event goes out at once, the reply
 * 150 ms later) or after it (default: the event 20 ms after the reply). */
void        rd_sim_pbx_set_dial_caller_leg (RdSimPbx *self, const char *member_status, gboolean event_first);

/* misbehaviour */
void        rd_sim_pbx_drop_sockets (RdSimPbx *self);
void        rd_sim_pbx_expire_tokens (RdSimPbx *self);
/* The next @count requests to @endpoint ("get_token", "call/dial", "subscribe", …) get
 * @errcode (any PBX errcode, -1, or RD_SIM_PBX_FAIL_*). */
void        rd_sim_pbx_fail_next (RdSimPbx *self, const char *endpoint, int errcode, guint count);
void        rd_sim_pbx_send_raw (RdSimPbx *self, const char *frame);
void        rd_sim_pbx_set_delay (RdSimPbx *self, guint ms);
void        rd_sim_pbx_set_events_paused (RdSimPbx *self, gboolean paused);
/* A hung event service: sockets stay open, but heartbeats and subscriptions get no answer
 * and no event is pushed (REST still answers). */
void        rd_sim_pbx_set_unresponsive (RdSimPbx *self, gboolean unresponsive);

/* readings of UNCONFIRMED behaviour, and options */
void        rd_sim_pbx_set_msg_as_object (RdSimPbx *self, gboolean as_object);      /* default: JSON string */
void        rd_sim_pbx_set_idle_timeout (RdSimPbx *self, guint ms);                 /* default 60 000 */
void        rd_sim_pbx_set_close_sockets_on_token_expiry (RdSimPbx *self, gboolean close);
void        rd_sim_pbx_set_refresh_revokes_old (RdSimPbx *self, gboolean revokes);
void        rd_sim_pbx_set_cdr_fields (RdSimPbx *self, gboolean with_uid, gboolean rows_with_call_id);
void        rd_sim_pbx_set_cdr_time_scale (RdSimPbx *self, guint factor);           /* CDR seconds = ms × factor / 1000 */
void        rd_sim_pbx_set_time_zone (RdSimPbx *self, GTimeZone *tz);               /* of time_start; default local */
/* call/query (active calls, UNCONFIRMED on P-Series): a call that is over gives an empty
 * data list (default, @errcode 0) or @errcode (60001 DATA NOT FOUND, or 10001 as on
 * firmware without the endpoint). */
void        rd_sim_pbx_set_call_query_gone (RdSimPbx *self, int errcode);
guint       rd_sim_pbx_count_active_calls (RdSimPbx *self);

/* inspection */
guint       rd_sim_pbx_count_valid_tokens (RdSimPbx *self);
guint       rd_sim_pbx_count_sockets (RdSimPbx *self);   /* subscribed */
guint       rd_sim_pbx_count_requests (RdSimPbx *self, const char *endpoint);
GPtrArray  *rd_sim_pbx_list_contacts (RdSimPbx *self, gint64 phonebook_id); /* of RdPbxContact */
gint64      rd_sim_pbx_add_phonebook (RdSimPbx *self, const char *name);
guint       rd_sim_pbx_count_cdrs (RdSimPbx *self);

/* Plays a JSON list of steps: [{"play":"inbound","from":…,"did":…,"ring":["2001"],
 * "answer":"2001","ring_ms":…,"talk_ms":…,"at_ms":…}, {"play":"outbound"|"internal"|
 * "busy"|"transfer", …}]. Each step starts at_ms after loading. */
gboolean    rd_sim_pbx_load_scenario (RdSimPbx *self, const char *json, GError **error);

G_END_DECLS
