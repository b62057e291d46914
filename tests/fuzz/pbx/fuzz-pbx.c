/* fuzz-pbx.c — one input = one event WebSocket text frame, fed through the frame
 * parser, then the call tracker (30011) or the CDR parser (30012) and, for any
 * object, the contact and CDR-row parsers. Nothing may crash, leak or abort. */
#include "config.h"

#include <stdint.h>

#include "pbx/yeastar/rd-yeastar-call-tracker.h"
#include "pbx/yeastar/rd-yeastar-cdr.h"
#include "pbx/yeastar/rd-yeastar-directory.h"
#include "pbx/yeastar/rd-yeastar-frame.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static RdYeastarCallTracker *tracker;

static void
on_event (RdYeastarCallTracker *t, RdCallEvent *event, gpointer user_data)
{
  /* touch every field the way a consumer would */
  g_autofree char *s = g_strdup_printf ("%s %s %s %s %s %s", event->call_id, event->extension,
                                        rd_call_state_to_string (event->state),
                                        event->remote_number ? event->remote_number : "",
                                        event->did ? event->did : "", event->call_path ? event->call_path : "");
  (void) s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(RdYeastarFrame) frame = { 0 };
  g_autoptr(GError) error = NULL;

  if (tracker == NULL)
    {
      tracker = rd_yeastar_call_tracker_new ();
      g_signal_connect (tracker, "call-event", G_CALLBACK (on_event), NULL);
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    }
  if (!rd_yeastar_frame_parse ((const char *) data, size, &frame, &error) || frame.kind != RD_YEASTAR_FRAME_EVENT)
    return 0;

  switch (frame.type)
    {
    case 30011:
      {
        g_autoptr(GError) e = NULL;
        rd_yeastar_call_tracker_feed (tracker, frame.msg, &e);
      }
      break;
    case 30012:
      {
        g_autoptr(GError) e = NULL;
        g_autoptr(RdCallRecord) record = rd_yeastar_cdr_from_event (frame.msg, NULL, &e);

        if (record != NULL)
          {
            g_autofree char *key = rd_call_record_key (record);
            const char *parties[] = { record->from_number, record->to_number, NULL };

            rd_yeastar_call_tracker_end_call (tracker, record->call_id, parties[0] ? parties : NULL);
          }
      }
      break;
    default:
      break;
    }
  {
    g_autoptr(RdCallRecord) row = rd_yeastar_cdr_from_row (frame.msg, NULL, NULL);
    g_autoptr(RdPbxContact) contact = rd_yeastar_contact_from_json (frame.msg, NULL);
    g_autoptr(RdExtension) ext = rd_yeastar_extension_from_json (frame.msg, NULL);

    if (contact != NULL)
      {
        g_autoptr(JsonNode) body = rd_yeastar_contact_to_json (contact, 1, NULL);
        (void) body;
      }
  }
  return 0;
}
