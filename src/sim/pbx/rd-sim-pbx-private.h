/* rd-sim-pbx-private.h — state shared by the simulator's server (rd-sim-pbx.c)
 * and its call engine (rd-sim-pbx-calls.c). */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sim/pbx/rd-sim-pbx.h"

G_BEGIN_DECLS

typedef struct {
  char     *number;
  char     *name;
  char     *email;
  gint64    id;
  gboolean  can_dial;
} SimExtension;

typedef struct {
  char   *access;
  char   *refresh;
  gint64  access_expiry;    /* monotonic µs */
  gint64  refresh_expiry;
  gboolean revoked;
  gboolean refresh_used;
} SimToken;

typedef struct {
  SoupWebsocketConnection *conn;
  RdSimPbx                *owner;
  char                    *token;
  GArray                  *topics;   /* int */
  guint                    idle_id;
} SimSocket;

typedef struct {
  gint64      id;          /* sequence */
  gint64      start_unix;
  JsonObject *event;       /* 30012 msg */
} SimCdr;

struct _RdSimPbx
{
  GObject       parent_instance;

  SoupServer   *server;
  char         *base_url;
  char         *client_id;
  char         *secret;
  guint         access_s, refresh_s;
  guint         max_tokens;
  GPtrArray    *tokens;         /* SimToken */
  guint         auth_failures;
  GPtrArray    *extensions;     /* SimExtension */
  GPtrArray    *phonebooks;     /* JsonObject {id,name} */
  GPtrArray    *contacts;       /* RdPbxContact, with phonebook ids in contact_books */
  GHashTable   *contact_books;  /* contact id (gint64*) → GArray of gint64 */
  gint64        next_id;
  GPtrArray    *cdrs;           /* SimCdr */
  GPtrArray    *sockets;        /* SimSocket */
  GHashTable   *fail_rules;     /* endpoint → FailRule */
  GHashTable   *request_counts; /* endpoint → count */
  guint         delay_ms;
  gboolean      events_paused;
  gboolean      unresponsive;
  gboolean      msg_as_object;
  guint         idle_ms;
  gboolean      close_on_expiry;
  gboolean      refresh_revokes_old;
  gboolean      cdr_with_uid;
  gboolean      rows_with_call_id;
  guint         cdr_scale;
  GTimeZone    *tz;
  GHashTable   *busy_numbers;
  GHashTable   *unreachable_numbers;
  guint         dial_ring_ms, dial_talk_ms;
  char         *dial_caller_status;   /* "RING" or "ALERT" */
  gboolean      dial_event_first;
  guint         call_seq;
  GHashTable   *sources;        /* pending scenario timeouts: source id set */
  GHashTable   *active_calls;   /* call id → JsonArray: the member list the PBX has now */
  int           query_gone;     /* call/query of an ended call: 0 = empty data, else this errcode */
  guint         tick_id;
};

/* rd-sim-pbx.c */
SimExtension *rd_sim_pbx_find_extension (RdSimPbx *self, const char *number);
void          rd_sim_pbx_push_event     (RdSimPbx *self, int type, JsonObject *msg);
void          rd_sim_pbx_emit_call_finished (RdSimPbx *self, const char *call_id);

/* rd-sim-pbx.c: what call/query reports */
void          rd_sim_pbx_set_call_members (RdSimPbx *self, const char *call_id, JsonArray *members);

/* rd-sim-pbx-calls.c */
void          rd_sim_pbx_handle_dial    (RdSimPbx *self, const char *caller, const char *callee,
                                         const char *call_id);
char         *rd_sim_pbx_new_call_id    (RdSimPbx *self);
JsonObject   *rd_sim_pbx_cdr_row        (RdSimPbx *self, const SimCdr *cdr);
void          rd_sim_pbx_cancel_calls   (RdSimPbx *self);

G_END_DECLS
