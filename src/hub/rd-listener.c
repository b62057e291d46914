#include "config.h"

#include "hub/rd-listener.h"

#include "core/rd-error.h"
#include "core/rd-tcp.h"
#include "hub/rd-desk-ratelimit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPTS_PER_WAKEUP  64
#define SWEEP_MS            250
#define MAX_PENDING_CAP     4096

typedef struct _Conn Conn;

struct _Conn
{
  RdListener      *owner;
  GSocket         *socket;       /* to shut it down; owned */
  GIOStream       *stream;       /* weak: the stream libsoup (or our TLS handshake) holds */
  GCancellable    *handshake;    /* the TLS handshake in flight, or NULL */
  char            *peer;
  gint64           accepted_us;
  RdListenerStage  stage;
  gboolean         pending;      /* in the queues (not signed in, not being closed) */
  GList            all_link;     /* in owner->pending */
  GList            peer_link;    /* in its Peer's queue */
};

typedef struct {
  GQueue conns;
} Peer;

struct _RdListener
{
  GObject          parent_instance;

  SoupServer      *server;
  GTlsCertificate *certificate;
  GSocket         *socket;
  GSource         *accept_source;
  guint            port;
  int              spare_fd;       /* kept open, spent when accept() hits the descriptor limit */

  GQueue           pending;        /* Conn, oldest first */
  GHashTable      *peers;          /* peer key → Peer */
  GHashTable      *by_stream;      /* GIOStream* → Conn (every live connection we track) */
  guint            sweep_id;

  guint            max_pending;
  guint            max_per_peer;
  guint            handshake_ms;
  guint            evicted;
  guint            timed_out;
};

G_DEFINE_FINAL_TYPE (RdListener, rd_listener, G_TYPE_OBJECT)

/* ---- descriptor limit ------------------------------------------------------------------- */

guint
rd_listener_descriptor_limit (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/limits", &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "Max open files"))
      {
        const char *p = lines[i] + strlen ("Max open files");
        guint64 soft;

        while (*p == ' ')
          p++;
        if (g_str_has_prefix (p, "unlimited"))
          return G_MAXUINT;
        soft = g_ascii_strtoull (p, NULL, 10);
        return (guint) MIN (soft, G_MAXUINT);
      }
  return 0;
}

/* ---- bookkeeping ------------------------------------------------------------------------ */

static void
unqueue (RdListener *self, Conn *conn)
{
  Peer *peer;

  if (!conn->pending)
    return;
  conn->pending = FALSE;
  g_queue_unlink (&self->pending, &conn->all_link);
  peer = g_hash_table_lookup (self->peers, conn->peer);
  g_queue_unlink (&peer->conns, &conn->peer_link);
  if (g_queue_is_empty (&peer->conns))
    g_hash_table_remove (self->peers, conn->peer);
}

static void
conn_free (Conn *conn)
{
  g_clear_object (&conn->socket);
  g_clear_object (&conn->handshake);
  g_free (conn->peer);
  g_free (conn);
}

/* The stream is gone (libsoup or the WebSocket finished with it): forget the connection. */
static void
on_stream_finalized (gpointer data, GObject *where_the_stream_was)
{
  Conn *conn = data;
  RdListener *self = conn->owner;

  g_hash_table_remove (self->by_stream, where_the_stream_was);
  unqueue (self, conn);
  conn_free (conn);
}

static void
watch_stream (RdListener *self, Conn *conn, GIOStream *stream)
{
  conn->stream = stream;
  g_object_weak_ref (G_OBJECT (stream), on_stream_finalized, conn);
  g_hash_table_insert (self->by_stream, stream, conn);
}

/* Ends @conn now: whatever reads or writes it (TLS, libsoup, the WebSocket) sees it closed and
 * lets go; the weak reference then frees the entry. */
static void
drop (RdListener *self, Conn *conn)
{
  unqueue (self, conn);
  if (conn->handshake != NULL)
    g_cancellable_cancel (conn->handshake);
  if (conn->socket != NULL)
    g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
}

static gboolean
evictable (Conn *conn)
{
  return conn->stage == RD_LISTENER_HANDSHAKE || conn->stage == RD_LISTENER_UPGRADED;
}

static Conn *
oldest_evictable (GQueue *queue)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    if (evictable (l->data))
      return l->data;
  return NULL;
}

/* Makes room for one more pending connection of @peer_key; FALSE when nothing could be closed. */
static gboolean
make_room (RdListener *self, const char *peer_key)
{
  Peer *peer = g_hash_table_lookup (self->peers, peer_key);
  Conn *victim = NULL;

  if (peer != NULL && peer->conns.length >= self->max_per_peer)
    {
      victim = oldest_evictable (&peer->conns);
      if (victim == NULL)
        return FALSE;
      drop (self, victim);
      self->evicted++;
    }
  if (self->pending.length >= self->max_pending)
    {
      GHashTableIter iter;
      gpointer value;
      Peer *largest = NULL;

      g_hash_table_iter_init (&iter, self->peers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (largest == NULL || ((Peer *) value)->conns.length > largest->conns.length)
          largest = value;
      victim = largest != NULL ? oldest_evictable (&largest->conns) : NULL;
      if (victim == NULL)
        victim = oldest_evictable (&self->pending);
      if (victim == NULL)
        return FALSE;
      drop (self, victim);
      self->evicted++;
    }
  return TRUE;
}

static gboolean sweep_cb (gpointer data);

static void
ensure_sweep (RdListener *self)
{
  if (self->sweep_id == 0)
    self->sweep_id = g_timeout_add (SWEEP_MS, sweep_cb, self);
}

/* Closes the connections that did not finish the handshake stage in time. */
static gboolean
sweep_cb (gpointer data)
{
  RdListener *self = data;
  gint64 limit = g_get_monotonic_time () - (gint64) self->handshake_ms * 1000;
  GList *l = self->pending.head;

  while (l != NULL)
    {
      Conn *conn = l->data;

      l = l->next;
      if (conn->accepted_us > limit)
        break;   /* oldest first: the rest are younger */
      if (conn->stage == RD_LISTENER_HANDSHAKE)
        {
          g_debug ("connection from %s did not finish its upgrade in time: closed", conn->peer);
          drop (self, conn);
          self->timed_out++;
        }
    }
  if (g_queue_is_empty (&self->pending))
    {
      self->sweep_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- accepting -------------------------------------------------------------------------- */

static void
hand_over (RdListener *self, Conn *conn, GIOStream *stream)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (conn->socket, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (conn->socket, NULL);
  g_autoptr(GError) error = NULL;

  if (local == NULL || remote == NULL ||
      !soup_server_accept_iostream (self->server, stream, local, remote, &error))
    {
      g_debug ("connection from %s not handed over: %s", conn->peer, error ? error->message : "no address");
      drop (self, conn);
    }
}

static void
tls_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GIOStream) tls = G_IO_STREAM (source);   /* the reference taken for the handshake */
  g_autoptr(GError) error = NULL;
  Conn *conn;
  RdListener *self;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error))
    {
      /* Entries still exist until the stream goes: the weak reference cleans up. */
      conn = g_object_get_data (G_OBJECT (tls), "rd-listener-conn");
      if (conn != NULL)
        {
          g_debug ("TLS handshake with %s failed: %s", conn->peer, error->message);
          drop (conn->owner, conn);
        }
      return;
    }
  conn = g_object_get_data (G_OBJECT (tls), "rd-listener-conn");
  if (conn == NULL)
    return;
  self = conn->owner;
  g_clear_object (&conn->handshake);
  hand_over (self, conn, tls);
}

static void
admit (RdListener *self, GSocket *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autofree char *peer = remote != NULL ? rd_desk_ratelimit_peer_key (remote) : NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) nodelay_error = NULL;
  Peer *queue;
  Conn *conn;

  if (peer == NULL)
    peer = g_strdup ("local");
  /* As libsoup's own listener does: a pop sent right after another frame (an answer, a log
   * confirmed) waited up to 40 ms for the agent's delayed acknowledgement (rd-tcp.h). */
  if (!rd_tcp_socket_set_no_delay (socket, &nodelay_error))
    g_debug ("connection from %s: TCP_NODELAY: %s", peer, nodelay_error->message);
  if (!make_room (self, peer))
    {
      g_debug ("connection from %s refused: every pending connection is signing in", peer);
      self->evicted++;
      g_socket_close (socket, NULL);
      return;
    }

  conn = g_new0 (Conn, 1);
  conn->owner = self;
  conn->socket = g_object_ref (socket);
  conn->peer = g_steal_pointer (&peer);
  conn->accepted_us = g_get_monotonic_time ();
  conn->stage = RD_LISTENER_HANDSHAKE;
  conn->pending = TRUE;
  conn->all_link.data = conn;
  conn->peer_link.data = conn;
  g_queue_push_tail_link (&self->pending, &conn->all_link);
  queue = g_hash_table_lookup (self->peers, conn->peer);
  if (queue == NULL)
    {
      queue = g_new0 (Peer, 1);
      g_hash_table_insert (self->peers, g_strdup (conn->peer), queue);
    }
  g_queue_push_tail_link (&queue->conns, &conn->peer_link);
  ensure_sweep (self);

  connection = g_socket_connection_factory_create_connection (socket);
  if (self->certificate != NULL)
    {
      g_autoptr(GError) error = NULL;
      GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);

      if (tls == NULL)
        {
          g_warning ("No TLS for a connection from %s: %s", conn->peer, error->message);
          watch_stream (self, conn, G_IO_STREAM (connection));
          drop (self, conn);
          return;
        }
      g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_NONE, NULL);
      g_object_set_data (G_OBJECT (tls), "rd-listener-conn", conn);
      watch_stream (self, conn, tls);
      conn->handshake = g_cancellable_new ();
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, conn->handshake,
                                        tls_done, tls);   /* the handshake owns @tls until it ends */
      return;
    }
  watch_stream (self, conn, G_IO_STREAM (connection));
  hand_over (self, conn, G_IO_STREAM (connection));
}

/* accept() failed for want of descriptors: spend the spare one on the waiting connection, close
 * it at once, and take the spare back. Without this the connection stays queued, the socket stays
 * readable and the listener spins without ever accepting again. */
static void
shed_one (RdListener *self)
{
  int fd;

  if (self->spare_fd >= 0)
    {
      close (self->spare_fd);
      self->spare_fd = -1;
    }
  fd = accept4 (g_socket_get_fd (self->socket), NULL, NULL, SOCK_CLOEXEC);
  if (fd >= 0)
    close (fd);
  self->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
}

static gboolean
on_incoming (GSocket *socket, GIOCondition condition, gpointer data)
{
  RdListener *self = data;

  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) client = g_socket_accept (socket, NULL, &error);

      if (client != NULL)
        {
          admit (self, client);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
        {
          g_warning ("Out of file descriptors: a connection was refused (raise LimitNOFILE)");
          shed_one (self);
          break;
        }
      g_debug ("accept: %s", error->message);
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- public API ------------------------------------------------------------------------- */

RdListener *
rd_listener_new (SoupServer *server, GTlsCertificate *certificate)
{
  RdListener *self = g_object_new (RD_TYPE_LISTENER, NULL);

  self->server = g_object_ref (server);
  self->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  return self;
}

gboolean
rd_listener_listen (RdListener *self, GSocketAddress *address, GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (RD_IS_LISTENER (self), FALSE);
  g_return_val_if_fail (self->socket == NULL, FALSE);

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->socket = g_steal_pointer (&socket);
  self->accept_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, NULL);
  return TRUE;
}

guint
rd_listener_get_port (RdListener *self)
{
  g_return_val_if_fail (RD_IS_LISTENER (self), 0);
  return self->port;
}

void
rd_listener_set_limits (RdListener *self, guint max_pending, guint max_pending_per_peer, guint handshake_ms)
{
  g_return_if_fail (RD_IS_LISTENER (self));

  if (max_pending > 0)
    self->max_pending = max_pending;
  if (max_pending_per_peer > 0)
    self->max_per_peer = max_pending_per_peer;
  if (handshake_ms > 0)
    self->handshake_ms = handshake_ms;
}

void
rd_listener_get_limits (RdListener *self, guint *max_pending, guint *max_pending_per_peer)
{
  g_return_if_fail (RD_IS_LISTENER (self));

  if (max_pending != NULL)
    *max_pending = self->max_pending;
  if (max_pending_per_peer != NULL)
    *max_pending_per_peer = self->max_per_peer;
}

static Conn *
find (RdListener *self, GIOStream *stream)
{
  Conn *conn = g_hash_table_lookup (self->by_stream, stream);

  /* A WebSocket's stream is libsoup's wrapper around the one we handed over. */
  if (conn == NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") != NULL)
    {
      g_autoptr(GIOStream) base = NULL;

      g_object_get (stream, "base-iostream", &base, NULL);
      if (base != NULL)
        conn = g_hash_table_lookup (self->by_stream, base);
    }
  return conn;
}

void
rd_listener_set_stage (RdListener *self, GIOStream *stream, RdListenerStage stage)
{
  Conn *conn;

  g_return_if_fail (RD_IS_LISTENER (self));

  if (stream == NULL || (conn = find (self, stream)) == NULL || !conn->pending)
    return;
  conn->stage = stage;
  if (stage == RD_LISTENER_SIGNED_IN)
    unqueue (self, conn);
}

guint
rd_listener_count_pending (RdListener *self)
{
  g_return_val_if_fail (RD_IS_LISTENER (self), 0);
  return self->pending.length;
}

guint
rd_listener_count_evicted (RdListener *self)
{
  g_return_val_if_fail (RD_IS_LISTENER (self), 0);
  return self->evicted;
}

guint
rd_listener_count_timed_out (RdListener *self)
{
  g_return_val_if_fail (RD_IS_LISTENER (self), 0);
  return self->timed_out;
}

void
rd_listener_close (RdListener *self)
{
  g_return_if_fail (RD_IS_LISTENER (self));

  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }
}

static void
rd_listener_dispose (GObject *object)
{
  RdListener *self = RD_LISTENER (object);
  GHashTableIter iter;
  gpointer key, value;

  rd_listener_close (self);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  /* Connections outlive the listener (libsoup holds them); stop watching them. */
  g_hash_table_iter_init (&iter, self->by_stream);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Conn *conn = value;

      g_object_weak_unref (key, on_stream_finalized, conn);
      unqueue (self, conn);
      if (conn->handshake != NULL)
        {
          g_object_set_data (key, "rd-listener-conn", NULL);
          g_cancellable_cancel (conn->handshake);
        }
      conn_free (conn);
      g_hash_table_iter_remove (&iter);
    }
  g_clear_object (&self->server);
  g_clear_object (&self->certificate);
  G_OBJECT_CLASS (rd_listener_parent_class)->dispose (object);
}

static void
rd_listener_finalize (GObject *object)
{
  RdListener *self = RD_LISTENER (object);

  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->by_stream);
  if (self->spare_fd >= 0)
    close (self->spare_fd);
  G_OBJECT_CLASS (rd_listener_parent_class)->finalize (object);
}

static void
rd_listener_class_init (RdListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_listener_dispose;
  object_class->finalize = rd_listener_finalize;
}

static void
rd_listener_init (RdListener *self)
{
  guint limit = rd_listener_descriptor_limit ();

  g_queue_init (&self->pending);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->by_stream = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->max_pending = CLAMP (limit > 0 ? limit / 4 : 256, 16, MAX_PENDING_CAP);
  self->max_per_peer = MAX (8, self->max_pending / 8);
  self->handshake_ms = RD_LISTENER_HANDSHAKE_MS;
  self->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
}
