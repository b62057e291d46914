/* rd-test-proxy.c — see rd-test-proxy.h: RdTestProxy, a GProxyResolver on GIO's extension point,
 * chosen through GIO_USE_PROXY_RESOLVER. */
#include "rd-test-proxy.h"

#define RD_TYPE_TEST_PROXY (rd_test_proxy_get_type ())
G_DECLARE_FINAL_TYPE (RdTestProxy, rd_test_proxy, RD, TEST_PROXY, GObject)

struct _RdTestProxy
{
  GObject parent_instance;
};

static GMutex lock;
static char *proxy_url;
static char *last_uri;
static guint lookups;

static gchar **
lookup (GProxyResolver *resolver, const gchar *uri, GCancellable *cancellable, GError **error)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;
  gchar **out = g_new0 (gchar *, 2);

  g_mutex_lock (&lock);
  lookups++;
  g_free (last_uri);
  last_uri = g_strdup (uri);
  out[0] = g_strdup (proxy_url != NULL && host != NULL && g_str_has_suffix (host, ".example.test") ? proxy_url
                                                                                                    : "direct://");
  g_mutex_unlock (&lock);
  return out;
}

static void
lookup_async (GProxyResolver *resolver, const gchar *uri, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_pointer (task, lookup (resolver, uri, cancellable, NULL), (GDestroyNotify) g_strfreev);
}

static gchar **
lookup_finish (GProxyResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
is_supported (GProxyResolver *resolver)
{
  return TRUE;
}

static void
rd_test_proxy_iface_init (GProxyResolverInterface *iface)
{
  iface->is_supported = is_supported;
  iface->lookup = lookup;
  iface->lookup_async = lookup_async;
  iface->lookup_finish = lookup_finish;
}

G_DEFINE_TYPE_WITH_CODE (RdTestProxy, rd_test_proxy, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER, rd_test_proxy_iface_init))

static void
rd_test_proxy_class_init (RdTestProxyClass *klass)
{
}

static void
rd_test_proxy_init (RdTestProxy *self)
{
}

void
rd_test_proxy_install (void)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "rd-test", TRUE);
  /* Registers GIO's extension points (and nothing asks for a resolver yet). */
  g_proxy_get_default_for_protocol ("rd-test");
  g_io_extension_point_implement (G_PROXY_RESOLVER_EXTENSION_POINT_NAME, RD_TYPE_TEST_PROXY, "rd-test", 0);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (g_proxy_resolver_get_default (), RD_TYPE_TEST_PROXY));
}

void
rd_test_proxy_set (const char *url)
{
  g_mutex_lock (&lock);
  g_free (proxy_url);
  proxy_url = g_strdup (url);
  g_mutex_unlock (&lock);
}

guint
rd_test_proxy_lookups (void)
{
  guint n;

  g_mutex_lock (&lock);
  n = lookups;
  g_mutex_unlock (&lock);
  return n;
}

const char *
rd_test_proxy_last (void)
{
  return last_uri;
}
