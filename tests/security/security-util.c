#include "config.h"

#include "security-util.h"

#include <string.h>

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sec_wait_until (gboolean (*check) (gpointer data), gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return check (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
sec_wait_ms (guint ms)
{
  sec_wait_until (never, NULL, ms);
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
