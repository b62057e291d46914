/* rd-desk-request.h — parsing and validation of agent → hub frames (private to the
 * agent server; exposed for tests and the fuzz target). Pure: no I/O, no state. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_DESK_MAX_FRAME      (64 * 1024)  /* bytes; larger client frames close with 1009 */
#define RD_DESK_DROP_FRAME     (256 * 1024) /* bytes; libsoup drops the connection, no close frame */
#define RD_DESK_MAX_DEPTH      16           /* JSON nesting accepted in a client frame */
#define RD_DESK_MAX_RECENT     200
#define RD_DESK_DEFAULT_RECENT 50

typedef enum {
  RD_DESK_REQUEST_UNKNOWN,        /* a type this hub does not know: ignored */
  RD_DESK_REQUEST_HELLO,
  RD_DESK_REQUEST_DIAL,
  RD_DESK_REQUEST_RECENT,
  RD_DESK_REQUEST_LOOKUP,
  RD_DESK_REQUEST_CREATE_RECORD,
  RD_DESK_REQUEST_PING,
} RdDeskRequestType;

typedef struct {
  RdDeskRequestType type;
  JsonNode *id;          /* the client's id (string or integer) to echo, NULL if none */
  char     *extension;   /* a top-level "extension" member, NULL if absent */
  GError   *error;       /* set when the frame is JSON but its fields are invalid */

  /* hello */
  char     *method;      /* "agent-key", "crm-key" or "session" */
  char     *who;         /* extension (agent-key) or login (crm-key) */
  char     *secret;      /* key or session token: never log */
  char     *client;      /* client name/version, may be NULL */
  /* dial, lookup, create-record */
  char     *number;
  char     *kind;        /* create-record: "individual" or "lead" */
  char     *name;        /* create-record, may be NULL */
  /* recent */
  guint     limit;
  char     *query;       /* may be NULL */
} RdDeskRequest;

/* NULL with RD_ERROR_INVALID_INPUT when @data is not a JSON object with a string
 * "type" (or is too deep / too large); otherwise a request, whose ->error tells
 * whether its fields are valid. */
RdDeskRequest *rd_desk_request_parse (const char *data, gsize length, GError **error);
void            rd_desk_request_free  (RdDeskRequest *request);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDeskRequest, rd_desk_request_free)

G_END_DECLS
