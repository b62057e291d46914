/* security-util.h — shared helpers of the security suite: raw TCP clients on a worker thread (so
 * the hub and the simulators keep running on the main context), waits, a bare hub. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs the default main context until @check returns TRUE or @timeout_ms passes. */
gboolean  sec_wait_until        (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms);
void      sec_wait_ms           (guint ms);

/* Sends @request (raw bytes) to 127.0.0.1:@port from a worker thread and reads until the end of
 * the reply head ("\r\n\r\n"), the peer closes, or @timeout_ms passes; the main context iterates
 * meanwhile. Returns the head read so far (maybe empty), or NULL if the connection failed. */
char     *sec_raw_exchange      (guint port, const char *request, guint timeout_ms);

/* Every value of header @name (case-insensitive) in a reply head, in order. */
GPtrArray *sec_header_values    (const char *head, const char *name);

/* A WebSocket upgrade request for @path on 127.0.0.1:@port. */
char     *sec_upgrade_request   (guint port, const char *path);

G_END_DECLS
