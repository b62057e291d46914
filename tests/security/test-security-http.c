/* The hub's listeners as an attacker or a standard client sees them: the WebSocket handshake,
 * plain HTTP replies. */
#include "config.h"

#include "hub/rd-hub-private.h"
#include "hub-test-util.h"
#include "security-util.h"

#include <string.h>

typedef struct {
  RdHub *hub;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->hub = sec_bare_hub ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->hub);
  sec_wait_ms (20);
}

static char *
joined (GPtrArray *values)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < values->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " | " : "", (char *) g_ptr_array_index (values, i));
  return g_string_free (text, FALSE);
}

/* issue 11 item 1: the 101 reply carried "Connection: close" and "Connection: Upgrade", which
 * aiohttp and Python's websockets refuse. A clean upgrade has one Connection header: Upgrade. */
static void
test_upgrade_connection_header (Fixture *f, gconstpointer data)
{
  g_autofree char *request = sec_upgrade_request (rd_hub_get_port (f->hub), "/agent/v1");
  g_autofree char *head = sec_raw_exchange (rd_hub_get_port (f->hub), request, 5000);
  g_autoptr(GPtrArray) connection = NULL;
  g_autoptr(GPtrArray) upgrade = NULL;
  g_autofree char *all = NULL;

  g_assert_nonnull (head);
  g_test_message ("reply head: %s", head);
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 101"));
  connection = sec_header_values (head, "Connection");
  upgrade = sec_header_values (head, "Upgrade");
  all = joined (connection);
  g_assert_cmpstr (all, ==, "Upgrade");
  g_assert_cmpuint (upgrade->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (upgrade, 0), ==, "websocket");
}

/* Every other reply still closes its connection (the descriptor-leak fix for libsoup 3.2). */
static void
test_plain_reply_closes (Fixture *f, gconstpointer data)
{
  g_autofree char *request = g_strdup_printf ("GET /agent/v1 HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                                              rd_hub_get_port (f->hub));
  g_autofree char *head = sec_raw_exchange (rd_hub_get_port (f->hub), request, 5000);
  g_autoptr(GPtrArray) connection = NULL;
  g_autofree char *all = NULL;

  g_assert_nonnull (head);
  g_assert_false (g_str_has_prefix (head, "HTTP/1.1 101"));
  connection = sec_header_values (head, "Connection");
  all = joined (connection);
  g_assert_cmpstr (all, ==, "close");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Warnings are the hub's reports (e.g. plain http:// to the simulators), not test failures. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add ("/security/http/upgrade-connection-header", Fixture, NULL, setup,
              test_upgrade_connection_header, teardown);
  g_test_add ("/security/http/plain-reply-closes", Fixture, NULL, setup, test_plain_reply_closes, teardown);
  return g_test_run ();
}
