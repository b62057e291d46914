/* rd-agent-hub-frame.h — parsing of hub → agent frames into plain structs (private
 * to the client; exposed for tests and the fuzz target). Pure: no I/O, no state. */
#pragma once

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

#define RD_AGENT_MAX_HUB_FRAME (1024 * 1024)  /* bytes; recent-result can be large */

typedef enum {
  RD_AGENT_HUB_FRAME_UNKNOWN,       /* a type this client does not know: ignored */
  RD_AGENT_HUB_FRAME_WELCOME,
  RD_AGENT_HUB_FRAME_AUTH_FAILED,
  RD_AGENT_HUB_FRAME_STATUS,
  RD_AGENT_HUB_FRAME_CALL,
  RD_AGENT_HUB_FRAME_MATCH,
  RD_AGENT_HUB_FRAME_DIAL_FAILED,
  RD_AGENT_HUB_FRAME_CALL_LOGGED,
  RD_AGENT_HUB_FRAME_PONG,
  RD_AGENT_HUB_FRAME_ERROR,
  RD_AGENT_HUB_FRAME_DIAL_RESULT,
  RD_AGENT_HUB_FRAME_RECENT_RESULT,
  RD_AGENT_HUB_FRAME_LOOKUP_RESULT,
  RD_AGENT_HUB_FRAME_CREATE_RESULT,
} RdAgentHubFrameType;

typedef struct {
  RdAgentHubFrameType type;
  gint64        id;              /* echoed request id, 0 if none */
  GError       *malformed;       /* set when a known frame has missing / wrong-typed fields */
  GError       *error;           /* auth-failed, error, or a result with ok:false */
  guint         retry_after;     /* auth-failed, seconds */

  /* welcome */
  char         *extension;
  gint64        user_id;
  char         *user_name;
  char         *token;           /* never log */
  gint64        token_expires;   /* unix seconds */
  /* welcome, status */
  gboolean      has_status;
  char         *pbx_status;
  char         *crm_status;
  char         *status_message;
  /* call */
  RdAgentCall  *call;
  /* welcome: the calls in progress the hub knows for us (RdAgentCall), NULL when it does not say */
  GPtrArray    *live_calls;
  /* match, dial-failed, call-logged, dial-result */
  char         *call_id;
  char         *reason;
  char         *outcome;
  guint         duration;
  /* match, lookup-result, create-result */
  RdAgentMatch *match;
  /* recent-result: RdAgentRecentCall */
  GPtrArray    *recent;
} RdAgentHubFrame;

/* NULL with RD_ERROR_PROTOCOL when @data is not a JSON object with a string "type". */
RdAgentHubFrame *rd_agent_hub_frame_parse (const char *data, gsize length, GError **error);
void             rd_agent_hub_frame_free  (RdAgentHubFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentHubFrame, rd_agent_hub_frame_free)

G_END_DECLS
