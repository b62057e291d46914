#include "config.h"

#include "security-util.h"

#include "hub-test-util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

gboolean
sec_wait_until (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms)
{
  return hub_wait_until (check, data, timeout_ms);
}

void
sec_wait_ms (guint ms)
{
  hub_wait_ms (ms);
}

RdHub *
sec_bare_hub (void)
{
  RdHubOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  RdHub *hub = rd_hub_new (&options);

  rd_hub_set_index_refresh (hub, 0);
  g_assert_true (rd_hub_start (hub, &error));
  g_assert_no_error (error);
  return hub;
}

typedef struct {
  gboolean  done;
  GError   *error;
} BindOp;

static void
bind_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  BindOp *op = data;

  rd_hub_bind_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static gboolean
bind_done (gpointer data)
{
  return ((BindOp *) data)->done;
}

GError *
sec_bind (RdHub *hub, const char *extension, const char *user, gboolean force)
{
  BindOp op = { 0 };

  rd_hub_bind_async (hub, extension, user, force, NULL, bind_cb, &op);
  g_assert_true (hub_wait_until (bind_done, &op, 10000));
  return op.error;
}

typedef struct {
  guint       port;
  char       *request;
  guint       timeout_ms;
  GString    *reply;
  gboolean    connected;
  gint        done;   /* atomic */
} Exchange;

static gpointer
exchange_thread (gpointer data)
{
  Exchange *ex = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  GSocket *socket;
  char buffer[4096];
  gint64 deadline = g_get_monotonic_time () + (gint64) ex->timeout_ms * 1000;

  g_socket_client_set_timeout (client, (ex->timeout_ms + 999) / 1000);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) ex->port, NULL, NULL);
  if (connection != NULL)
    {
      ex->connected = TRUE;
      socket = g_socket_connection_get_socket (connection);
      g_socket_set_blocking (socket, TRUE);
      if (g_socket_send_with_blocking (socket, ex->request, strlen (ex->request), TRUE, NULL, NULL) > 0)
        while (strstr (ex->reply->str, "\r\n\r\n") == NULL)
          {
            gint64 left = deadline - g_get_monotonic_time ();
            gssize n;

            if (left <= 0)
              break;
            g_socket_set_timeout (socket, (guint) MAX (1, left / G_USEC_PER_SEC));
            n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);
            if (n <= 0)
              break;
            g_string_append_len (ex->reply, buffer, n);
          }
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  g_atomic_int_set (&ex->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
exchange_done (gpointer data)
{
  return g_atomic_int_get (&((Exchange *) data)->done) != 0;
}

char *
sec_raw_exchange (guint port, const char *request, guint timeout_ms)
{
  Exchange ex = { port, g_strdup (request), timeout_ms, g_string_new (NULL), FALSE, 0 };
  GThread *thread = g_thread_new ("raw-exchange", exchange_thread, &ex);
  char *head;

  sec_wait_until (exchange_done, &ex, timeout_ms + 5000);
  g_thread_join (thread);
  g_free (ex.request);
  if (!ex.connected)
    {
      g_string_free (ex.reply, TRUE);
      return NULL;
    }
  head = g_string_free (ex.reply, FALSE);
  if (strstr (head, "\r\n\r\n") != NULL)
    strstr (head, "\r\n\r\n")[2] = '\0';
  return head;
}

GPtrArray *
sec_header_values (const char *head, const char *name)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);

  /* lines[0] is the status line. */
  for (guint i = 1; lines[0] != NULL && lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon != NULL && (gsize) (colon - lines[i]) == strlen (name) &&
          g_ascii_strncasecmp (lines[i], name, strlen (name)) == 0)
        g_ptr_array_add (values, g_strstrip (g_strdup (colon + 1)));
    }
  return values;
}

char *
sec_upgrade_request (guint port, const char *path)
{
  return g_strdup_printf ("GET %s HTTP/1.1\r\n"
                          "Host: 127.0.0.1:%u\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"
                          "\r\n", path, port);
}

/* ---- bare WebSocket client ------------------------------------------------------------ */

static gboolean
accept_trusted (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors, gpointer trusted)
{
  return trusted != NULL && g_tls_certificate_is_same (peer, trusted);
}

static void
ws_message (SoupWebsocketConnection *connection, gint type, GBytes *bytes, SecWs *ws)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (json_parser_load_from_data (parser, data, (gssize) len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_ptr_array_add (ws->frames, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
ws_closed (SoupWebsocketConnection *connection, SecWs *ws)
{
  ws->closed = TRUE;
}

static void
ws_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  SecWs *ws = data;

  ws->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &ws->error);
  if (ws->ws != NULL)
    {
      g_signal_connect (ws->ws, "message", G_CALLBACK (ws_message), ws);
      g_signal_connect (ws->ws, "closed", G_CALLBACK (ws_closed), ws);
    }
  ws->done = TRUE;
}

static gboolean
ws_done (gpointer data)
{
  return ((SecWs *) data)->done;
}

SecWs *
sec_ws_connect (const char *url, GTlsCertificate *trusted, GError **error)
{
  SecWs *ws = g_new0 (SecWs, 1);
  g_autofree char *http = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (g_str_has_prefix (url, "ws://"))
    http = g_strconcat ("http://", url + 5, NULL);
  else if (g_str_has_prefix (url, "wss://"))
    http = g_strconcat ("https://", url + 6, NULL);
  else
    http = g_strdup (url);
  ws->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  ws->session = soup_session_new ();
  msg = soup_message_new ("GET", http);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_trusted), trusted);
  soup_session_websocket_connect_async (ws->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_connected, ws);
  sec_wait_until (ws_done, ws, 10000);
  if (ws->ws == NULL)
    {
      if (ws->error != NULL)
        g_propagate_error (error, g_steal_pointer (&ws->error));
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "WebSocket handshake timed out");
      sec_ws_free (ws);
      return NULL;
    }
  return ws;
}

void
sec_ws_free (SecWs *ws)
{
  if (ws == NULL)
    return;
  if (ws->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (ws->ws, ws);
      if (soup_websocket_connection_get_state (ws->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&ws->ws);
    }
  g_clear_object (&ws->session);
  g_ptr_array_unref (ws->frames);
  g_clear_error (&ws->error);
  g_free (ws);
}

void
sec_ws_send (SecWs *ws, const char *text)
{
  if (soup_websocket_connection_get_state (ws->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (ws->ws, text);
}

static gboolean
ws_has_frame (gpointer data)
{
  SecWs *ws = data;

  return ws->read < ws->frames->len || ws->closed;
}

JsonObject *
sec_ws_next (SecWs *ws, guint timeout_ms)
{
  sec_wait_until (ws_has_frame, ws, timeout_ms);
  if (ws->read < ws->frames->len)
    return g_ptr_array_index (ws->frames, ws->read++);
  return NULL;
}

static gboolean
ws_is_closed (gpointer data)
{
  return ((SecWs *) data)->closed;
}

gushort
sec_ws_wait_closed (SecWs *ws, guint timeout_ms)
{
  if (!sec_wait_until (ws_is_closed, ws, timeout_ms))
    return 0;
  return soup_websocket_connection_get_close_code (ws->ws);
}

const char *
sec_ws_close_reason (SecWs *ws)
{
  return soup_websocket_connection_get_close_data (ws->ws);
}

static JsonObject *
hello (SecWs *ws, const char *auth)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"hello\",\"v\":1,\"auth\":%s}", auth);

  sec_ws_send (ws, text);
  return sec_ws_next (ws, 10000);
}

static char *
json_quote (const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return json_to_string (node, FALSE);
}

JsonObject *
sec_ws_hello_key (SecWs *ws, const char *extension, const char *key)
{
  g_autofree char *e = json_quote (extension);
  g_autofree char *k = json_quote (key);
  g_autofree char *auth = g_strdup_printf ("{\"method\":\"agent-key\",\"extension\":%s,\"key\":%s}", e, k);

  return hello (ws, auth);
}

JsonObject *
sec_ws_hello_crm (SecWs *ws, const char *login, const char *key)
{
  g_autofree char *l = json_quote (login);
  g_autofree char *k = json_quote (key);
  g_autofree char *auth = g_strdup_printf ("{\"method\":\"crm-key\",\"login\":%s,\"key\":%s}", l, k);

  return hello (ws, auth);
}

JsonObject *
sec_ws_hello_token (SecWs *ws, const char *token)
{
  g_autofree char *t = json_quote (token);
  g_autofree char *auth = g_strdup_printf ("{\"method\":\"session\",\"token\":%s}", t);

  return hello (ws, auth);
}

const char *
sec_frame_type (JsonObject *frame)
{
  return frame != NULL ? json_object_get_string_member_with_default (frame, "type", NULL) : NULL;
}

const char *
sec_frame_error_code (JsonObject *frame)
{
  JsonObject *error;

  if (frame == NULL || !json_object_has_member (frame, "error"))
    return NULL;
  error = json_object_get_object_member (frame, "error");
  return error != NULL ? json_object_get_string_member_with_default (error, "code", NULL) : NULL;
}

const char *
sec_welcome_token (JsonObject *welcome)
{
  JsonObject *session;

  if (welcome == NULL || !json_object_has_member (welcome, "session"))
    return NULL;
  session = json_object_get_object_member (welcome, "session");
  return json_object_get_string_member_with_default (session, "token", NULL);
}

/* ---- raw TCP ------------------------------------------------------------------------------- */

GSocket *
sec_tcp_open (guint port, const char *source, int rcvbuf)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (loopback, (guint16) port);
  g_autoptr(GError) error = NULL;

  if (socket == NULL)
    return NULL;
  if (rcvbuf > 0)
    g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, NULL);
  if (source != NULL)
    {
      g_autoptr(GInetAddress) from = g_inet_address_new_from_string (source);
      g_autoptr(GSocketAddress) bind_to = g_inet_socket_address_new (from, 0);

      if (!g_socket_bind (socket, bind_to, FALSE, &error))
        return NULL;
    }
  g_socket_set_blocking (socket, TRUE);
  if (!g_socket_connect (socket, target, NULL, &error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

gboolean
sec_tcp_closed (GSocket *socket)
{
  char byte;
  gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

guint
sec_tcp_count_open (GPtrArray *sockets)
{
  guint open = 0;

  for (guint i = 0; i < sockets->len; i++)
    if (!sec_tcp_closed (g_ptr_array_index (sockets, i)))
      open++;
  return open;
}

gboolean
sec_tcp_send_all (GSocket *socket, const char *data, gsize length)
{
  gsize done = 0;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (done < length)
    {
      gssize n = send (g_socket_get_fd (socket), data + done, length - done, MSG_DONTWAIT | MSG_NOSIGNAL);

      if (n > 0)
        done += (gsize) n;
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, FALSE);
      else
        return FALSE;
    }
  return TRUE;
}

/* Reads into @buffer until it holds @want bytes, the peer closes, or @timeout_ms passes. */
static gboolean
read_exactly (GSocket *socket, GByteArray *buffer, gsize want, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint8 chunk[16384];

  while (buffer->len < want)
    {
      gssize n = recv (g_socket_get_fd (socket), chunk, MIN (sizeof chunk, want - buffer->len), MSG_DONTWAIT);

      if (n > 0)
        g_byte_array_append (buffer, chunk, (guint) n);
      else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
        return FALSE;
      else if (g_get_monotonic_time () >= deadline)
        return FALSE;
      else if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
    }
  return TRUE;
}

gboolean
sec_tcp_ws_upgrade (GSocket *socket, guint port)
{
  g_autofree char *request = sec_upgrade_request (port, "/agent/v1");
  g_autoptr(GByteArray) head = g_byte_array_new ();

  if (!sec_tcp_send_all (socket, request, strlen (request)))
    return FALSE;
  while (head->len < 8192)
    {
      if (!read_exactly (socket, head, head->len + 1, 10000))
        return FALSE;
      if (head->len >= 4 && memcmp (head->data + head->len - 4, "\r\n\r\n", 4) == 0)
        return head->len > 12 && memcmp (head->data, "HTTP/1.1 101", 12) == 0;
    }
  return FALSE;
}

gboolean
sec_tcp_ws_send (GSocket *socket, const char *text)
{
  gsize length = strlen (text);
  g_autoptr(GByteArray) frame = g_byte_array_sized_new ((guint) length + 14);
  guint8 head[14];
  gsize n = 0;
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };

  head[n++] = 0x81;   /* FIN + text */
  if (length < 126)
    head[n++] = 0x80 | (guint8) length;
  else if (length < 65536)
    {
      head[n++] = 0x80 | 126;
      head[n++] = (guint8) (length >> 8);
      head[n++] = (guint8) length;
    }
  else
    {
      head[n++] = 0x80 | 127;
      for (int shift = 56; shift >= 0; shift -= 8)
        head[n++] = (guint8) (length >> shift);
    }
  memcpy (head + n, mask, 4);
  n += 4;
  g_byte_array_append (frame, head, (guint) n);
  for (gsize i = 0; i < length; i++)
    {
      guint8 byte = (guint8) text[i] ^ mask[i % 4];

      g_byte_array_append (frame, &byte, 1);
    }
  return sec_tcp_send_all (socket, (const char *) frame->data, frame->len);
}

/* One frame: its opcode and payload; FALSE at the end of the stream or on timeout. */
static gboolean
read_frame (GSocket *socket, guint timeout_ms, guint8 *opcode, GByteArray *payload)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  guint64 length;
  gsize header = 2;

  if (!read_exactly (socket, buffer, 2, timeout_ms))
    return FALSE;
  *opcode = buffer->data[0] & 0x0f;
  length = buffer->data[1] & 0x7f;
  if (length == 126)
    header = 4;
  else if (length == 127)
    header = 10;
  if (!read_exactly (socket, buffer, header, timeout_ms))
    return FALSE;
  if (header == 4)
    length = ((guint64) buffer->data[2] << 8) | buffer->data[3];
  else if (header == 10)
    {
      length = 0;
      for (gsize i = 2; i < 10; i++)
        length = (length << 8) | buffer->data[i];
    }
  g_byte_array_set_size (payload, 0);
  g_byte_array_set_size (buffer, 0);
  if (!read_exactly (socket, buffer, (gsize) length, timeout_ms))
    return FALSE;
  g_byte_array_append (payload, buffer->data, buffer->len);
  return TRUE;
}

gushort
sec_tcp_ws_read_until_close (GSocket *socket, guint timeout_ms, GPtrArray *texts)
{
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint8 opcode;

  while (g_get_monotonic_time () < deadline)
    {
      guint left = (guint) MAX (1, (deadline - g_get_monotonic_time ()) / 1000);

      if (!read_frame (socket, left, &opcode, payload))
        return 0;
      if (opcode == 0x8)
        return payload->len >= 2 ? (gushort) ((payload->data[0] << 8) | payload->data[1]) : 1005;
      if (opcode == 0x1 && texts != NULL)
        g_ptr_array_add (texts, g_strndup ((const char *) payload->data, payload->len));
    }
  return 0;
}

char *
sec_tcp_ws_read_text (GSocket *socket, guint timeout_ms)
{
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint8 opcode;

  while (g_get_monotonic_time () < deadline)
    {
      guint left = (guint) MAX (1, (deadline - g_get_monotonic_time ()) / 1000);

      if (!read_frame (socket, left, &opcode, payload) || opcode == 0x8)
        return NULL;
      if (opcode == 0x1)
        return g_strndup ((const char *) payload->data, payload->len);
    }
  return NULL;
}
