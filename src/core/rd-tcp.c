/* rd-tcp.c — TCP options of the hub's connections. */
#include "config.h"

#include "rd-tcp.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

GSocket *
rd_tcp_socket_of (GIOStream *stream)
{
  /* A GTlsConnection has "base-io-stream", libsoup's SoupIOStream "base-iostream". */
  static const char * const bases[] = { "base-io-stream", "base-iostream" };

  for (guint depth = 0; stream != NULL && depth < 4; depth++)
    {
      const char *base = NULL;
      g_autoptr(GIOStream) inner = NULL;

      if (G_IS_SOCKET_CONNECTION (stream))
        return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
      for (guint i = 0; i < G_N_ELEMENTS (bases) && base == NULL; i++)
        if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), bases[i]) != NULL)
          base = bases[i];
      if (base == NULL)
        return NULL;
      g_object_get (stream, base, &inner, NULL);
      stream = inner;   /* its wrapper keeps it */
    }
  return NULL;
}

static gboolean
is_tcp (GSocket *socket)
{
  GSocketFamily family = socket != NULL ? g_socket_get_family (socket) : G_SOCKET_FAMILY_INVALID;

  /* An accepted socket may not know its protocol (GLib reports "default"): a stream in an
   * internet family is TCP. */
  return (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6) &&
         g_socket_get_socket_type (socket) == G_SOCKET_TYPE_STREAM;
}

gboolean
rd_tcp_socket_set_no_delay (GSocket *socket, GError **error)
{
  if (!is_tcp (socket))
    return TRUE;
  return g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, error);
}

gboolean
rd_tcp_get_no_delay (GIOStream *stream)
{
  GSocket *socket = rd_tcp_socket_of (stream);
  gint value = 0;

  return is_tcp (socket) && g_socket_get_option (socket, IPPROTO_TCP, TCP_NODELAY, &value, NULL) && value != 0;
}
