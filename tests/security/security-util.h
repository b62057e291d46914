/* security-util.h — shared helpers of the security suite (and bench B6): raw TCP and WebSocket
 * clients that keep the default main context running (the hub and the simulators may live on it),
 * a bare hub, binding. Waits are hub-test-util's. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hub/rd-hub.h"

G_BEGIN_DECLS

/* hub-test-util's waits (the default main context runs meanwhile). */
gboolean  sec_wait_until        (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms);
void      sec_wait_ms           (guint ms);

/* A started hub with no PBX or CRM, on a free loopback port, state in memory. */
RdHub    *sec_bare_hub          (void);
/* Binds @extension to @user (see rd_hub_bind_async); the error, or NULL. */
GError   *sec_bind              (RdHub *hub, const char *extension, const char *user, gboolean force);
#define sec_bind_ok(hub, extension, user) \
  G_STMT_START { GError *_e = sec_bind (hub, extension, user, FALSE); g_assert_no_error (_e); } G_STMT_END

/* Sends @request (raw bytes) to 127.0.0.1:@port from a worker thread and reads until the end of
 * the reply head ("\r\n\r\n"), the peer closes, or @timeout_ms passes; the main context iterates
 * meanwhile. Returns the head read so far (maybe empty), or NULL if the connection failed. */
char     *sec_raw_exchange      (guint port, const char *request, guint timeout_ms);

/* Every value of header @name (case-insensitive) in a reply head, in order. */
GPtrArray *sec_header_values    (const char *head, const char *name);

/* A WebSocket upgrade request for @path on 127.0.0.1:@port. */
char     *sec_upgrade_request   (guint port, const char *path);


/* A bare WebSocket client on the default main context, for frames RdAgentClient would never send
 * and for reading close codes. */
typedef struct {
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GPtrArray               *frames;     /* JsonObject, in arrival order */
  guint                    read;       /* frames already returned by sec_ws_next() */
  GError                  *error;
  gboolean                 done;       /* the connect attempt finished */
  gboolean                 closed;
} SecWs;

/* Connects to @url (ws:// or wss://); NULL when the handshake failed (see @error). */
SecWs      *sec_ws_connect        (const char *url, GTlsCertificate *trusted, GError **error);
void        sec_ws_free           (SecWs *ws);
void        sec_ws_send           (SecWs *ws, const char *text);
/* The next frame (owned by @ws), or NULL after @timeout_ms. */
JsonObject *sec_ws_next           (SecWs *ws, guint timeout_ms);
/* Waits for the close; returns the close code (0 = still open after @timeout_ms). */
gushort     sec_ws_wait_closed    (SecWs *ws, guint timeout_ms);
const char *sec_ws_close_reason   (SecWs *ws);
/* hello with an agent key or a session token; returns the first reply frame (welcome or
 * auth-failed) or NULL. */
JsonObject *sec_ws_hello_key      (SecWs *ws, const char *extension, const char *key);
JsonObject *sec_ws_hello_crm      (SecWs *ws, const char *login, const char *key);
JsonObject *sec_ws_hello_token    (SecWs *ws, const char *token);
const char *sec_frame_type        (JsonObject *frame);
const char *sec_frame_error_code  (JsonObject *frame);
/* The session token of a welcome frame. */
const char *sec_welcome_token     (JsonObject *welcome);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecWs, sec_ws_free)

/* ---- raw TCP, for idle, slow-loris and non-reading clients ------------------------------------
 * Sockets are non-blocking; waits run the default main context (the hub may be in-process). */

/* A connection to 127.0.0.1:@port from @source ("127.0.0.2"…; NULL = any); NULL if refused.
 * @rcvbuf > 0 shrinks the receive buffer first (a reader that falls behind at once). */
GSocket    *sec_tcp_open          (guint port, const char *source, int rcvbuf);
/* TRUE once the peer has closed @socket (EOF or reset), without reading its data away. */
gboolean    sec_tcp_closed        (GSocket *socket);
guint       sec_tcp_count_open    (GPtrArray *sockets);
gboolean    sec_tcp_send_all      (GSocket *socket, const char *data, gsize length);
/* The WebSocket upgrade of /agent/v1 on @socket; FALSE when refused. */
gboolean    sec_tcp_ws_upgrade    (GSocket *socket, guint port);
/* A masked text frame, as a client sends it. */
gboolean    sec_tcp_ws_send       (GSocket *socket, const char *text);
/* Reads frames until the hub's close frame and returns its code (0: none within @timeout_ms);
 * text frames go to @texts when not NULL. */
gushort     sec_tcp_ws_read_until_close (GSocket *socket, guint timeout_ms, GPtrArray *texts);
/* Reads the next text frame (NULL after @timeout_ms or at a close). */
char       *sec_tcp_ws_read_text  (GSocket *socket, guint timeout_ms);

G_END_DECLS
