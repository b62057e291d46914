/* Fuzz target: one input, read both as a client → hub frame (the hub's request
 * parser and validator) and as a hub → client frame (the client's frame parser). */
#include "config.h"

#include "agent/rd-agent-hub-frame.h"
#include "hub/rd-desk-frames.h"
#include "hub/rd-desk-request.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  g_autoptr(RdDeskRequest) request = rd_desk_request_parse (text, size, NULL);
  g_autoptr(RdAgentHubFrame) frame = rd_agent_hub_frame_parse (text, size, NULL);

  /* What the server does with a request: echo its id in an error reply. */
  if (request != NULL)
    {
      g_autoptr(JsonObject) reply = rd_desk_frame_error (request->id, request->error);
      g_autofree char *reply_text = rd_desk_frame_to_text (reply, NULL);

      g_assert (g_utf8_validate (reply_text, -1, NULL));
      if (request->error == NULL && request->type == RD_DESK_REQUEST_HELLO)
        g_assert (request->method != NULL && request->secret != NULL);
    }
  /* What the client does with a frame: copy what the signals carry. */
  if (frame != NULL && frame->malformed == NULL)
    {
      g_autoptr(RdAgentCall) call = frame->call != NULL ? rd_agent_call_copy (frame->call) : NULL;
      g_autoptr(RdAgentMatch) match = frame->match != NULL ? rd_agent_match_copy (frame->match) : NULL;

      if (call != NULL)
        g_assert (call->call_id != NULL && call->number_display != NULL);
      if (match != NULL)
        g_assert (match->kind != NULL && match->name != NULL);
    }
  return 0;
}
