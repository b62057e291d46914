/* rd-yeastar-frame.h — one text frame of the OpenAPI event WebSocket:
 * the literal "heartbeat response", a reply envelope {"errcode":…}, or an event
 * {"type":30011,"sn":"…","msg":"{…}"} whose msg is a JSON string or an object. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_YEASTAR_MAX_FRAME (1024 * 1024)  /* larger frames are refused */

typedef enum {
  RD_YEASTAR_FRAME_HEARTBEAT,
  RD_YEASTAR_FRAME_REPLY,
  RD_YEASTAR_FRAME_EVENT,
} RdYeastarFrameKind;

typedef struct {
  RdYeastarFrameKind kind;
  int         type;      /* EVENT: event id, e.g. 30011 */
  int         errcode;   /* REPLY */
  char       *errmsg;    /* REPLY, may be NULL */
  JsonObject *msg;       /* EVENT: the decoded payload */
} RdYeastarFrame;

gboolean rd_yeastar_frame_parse (const char *data, gsize len, RdYeastarFrame *frame, GError **error);
void     rd_yeastar_frame_clear (RdYeastarFrame *frame);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RdYeastarFrame, rd_yeastar_frame_clear)

G_END_DECLS
