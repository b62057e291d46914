/* The hub's CRM link on its own, with a fake CRM: connecting, retries after passing failures
 * only, the unreachable state and its probe, replacing the CRM. */
#include "config.h"

#include "fake-crm.h"

#include "hub/rd-crm-link.h"

#define WAIT_MS 10000

typedef struct {
  RdCrmLink *link;
  FakeCrm   *crm;
  guint      state_changes;
  guint      connected;
  guint      reachable_again;
} Fixture;

static void
on_state_changed (RdCrmLink *link, Fixture *f)
{
  f->state_changes++;
}

static void
on_connected (RdCrmLink *link, RdCrmInfo *info, Fixture *f)
{
  g_assert_cmpstr (info->version, ==, "fake");
  f->connected++;
}

static void
on_reachable_again (RdCrmLink *link, Fixture *f)
{
  f->reachable_again++;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->link = rd_crm_link_new ();
  f->crm = fake_crm_new ();
  rd_crm_link_set_timings (f->link, 1, 1, 1);
  g_signal_connect (f->link, "state-changed", G_CALLBACK (on_state_changed), f);
  g_signal_connect (f->link, "connected", G_CALLBACK (on_connected), f);
  g_signal_connect (f->link, "reachable-again", G_CALLBACK (on_reachable_again), f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  rd_crm_link_stop (f->link);
  g_clear_object (&f->link);
  g_clear_object (&f->crm);
}

static gboolean
wait_state (Fixture *f, RdHubCrmState state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (rd_crm_link_get_state (f->link) != state && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return rd_crm_link_get_state (f->link) == state;
}

static void
run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
}

static void
test_connect (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_NOT_CONFIGURED);
  rd_crm_link_connect (f->link);   /* no CRM: nothing to do */
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_NOT_CONFIGURED);
  rd_crm_link_set_crm (f->link, RD_CRM (f->crm));
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_CONNECTING);
  g_assert_true (rd_crm_link_get_crm (f->link) == RD_CRM (f->crm));
  rd_crm_link_connect (f->link);
  g_assert_true (wait_state (f, RD_HUB_CRM_CONNECTED));
  g_assert_cmpuint (f->connected, ==, 1);
  g_assert_null (rd_crm_link_get_message (f->link));
}

/* A passing failure (the network) is retried until the CRM answers; a refusal (a bad key) is
 * not retried: it waits for the administrator. */
static void
test_retries (Fixture *f, gconstpointer data)
{
  f->crm->connect_failures = 2;
  f->crm->connect_code = RD_ERROR_NETWORK;
  rd_crm_link_set_crm (f->link, RD_CRM (f->crm));
  rd_crm_link_connect (f->link);
  g_assert_true (wait_state (f, RD_HUB_CRM_FAILED));
  g_assert_nonnull (g_strrstr (rd_crm_link_get_message (f->link), "network"));
  g_assert_true (wait_state (f, RD_HUB_CRM_CONNECTED));
  g_assert_cmpuint (f->crm->connects, ==, 3);
  g_assert_cmpuint (f->connected, ==, 1);
  g_assert_cmpuint (f->state_changes, ==, 2);   /* the two failures */

  f->crm->connect_failures = 1;
  f->crm->connect_code = RD_ERROR_AUTH;
  rd_crm_link_connect (f->link);
  g_assert_true (wait_state (f, RD_HUB_CRM_FAILED));
  run_for (1500);
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_FAILED);
  g_assert_cmpuint (f->crm->connects, ==, 4);
}

/* Requests without an answer make the CRM unreachable at once; a probe runs until it answers
 * again, and work resumes ("reachable-again"). */
static void
test_unreachable (Fixture *f, gconstpointer data)
{
  rd_crm_link_set_crm (f->link, RD_CRM (f->crm));
  rd_crm_link_connect (f->link);
  g_assert_true (wait_state (f, RD_HUB_CRM_CONNECTED));
  f->state_changes = 0;

  fake_crm_set_reachable (f->crm, FALSE, "no answer in 20 s");
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_UNREACHABLE);
  g_assert_cmpstr (rd_crm_link_get_message (f->link), ==, "no answer in 20 s");
  fake_crm_set_reachable (f->crm, FALSE, "no answer in 20 s");   /* the same again: no news */
  g_assert_cmpuint (f->state_changes, ==, 1);
  /* probes are timed in whole seconds (g_timeout_add_seconds): the first may come up to a
   * second late, more on a loaded machine */
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

    while (f->crm->probes == 0 && g_get_monotonic_time () < deadline)
      run_for (50);
  }
  g_assert_cmpuint (f->crm->probes, >=, 1);

  fake_crm_set_reachable (f->crm, TRUE, NULL);
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_CONNECTED);
  g_assert_null (rd_crm_link_get_message (f->link));
  g_assert_cmpuint (f->reachable_again, ==, 1);
  g_assert_cmpuint (f->state_changes, ==, 2);
  {
    guint probes = f->crm->probes;

    run_for (1500);
    g_assert_cmpuint (f->crm->probes, ==, probes);   /* the probe stopped */
  }

  /* a CRM that never connected is not "unreachable": its connect attempt says what failed */
  rd_crm_link_set_crm (f->link, RD_CRM (f->crm));
  fake_crm_set_reachable (f->crm, FALSE, "no answer");
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_CONNECTING);
}

/* Replacing the CRM (or stopping) drops the old one's retry, probe and signals. */
static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr(FakeCrm) other = fake_crm_new ();

  f->crm->connect_failures = 5;
  f->crm->connect_code = RD_ERROR_NETWORK;
  rd_crm_link_set_crm (f->link, RD_CRM (f->crm));
  rd_crm_link_connect (f->link);
  g_assert_true (wait_state (f, RD_HUB_CRM_FAILED));
  rd_crm_link_set_crm (f->link, RD_CRM (other));
  run_for (1500);
  g_assert_cmpuint (f->crm->connects, ==, 1);       /* no retry of the old one */
  fake_crm_set_reachable (f->crm, FALSE, "old");     /* the old one is not listened to */
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_CONNECTING);

  rd_crm_link_set_crm (f->link, NULL);
  g_assert_cmpint (rd_crm_link_get_state (f->link), ==, RD_HUB_CRM_NOT_CONFIGURED);
  g_assert_null (rd_crm_link_get_cancellable (f->link));

  rd_crm_link_set_crm (f->link, RD_CRM (other));
  other->connect_failures = 1;
  other->connect_code = RD_ERROR_NETWORK;
  rd_crm_link_connect (f->link);
  g_assert_true (wait_state (f, RD_HUB_CRM_FAILED));
  rd_crm_link_stop (f->link);
  run_for (1500);
  g_assert_cmpuint (other->connects, ==, 1);         /* stopped: no retry */
}

/* The link warns about failures and outages as it should; any other warning fails the test. */
static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if ((level & G_LOG_LEVEL_WARNING) != 0 && message != NULL &&
      (g_str_has_prefix (message, "CRM connection failed") || g_str_has_prefix (message, "CRM unreachable")))
    {
      g_test_message ("expected warning: %s", message);
      return;
    }
  if ((level & G_LOG_LEVEL_WARNING) != 0)
    {
      g_printerr ("unexpected warning: %s\n", message);
      g_test_fail ();
      return;
    }
  if ((level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) == 0)
    g_log_default_handler (domain, level, message, data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_default_handler (log_handler, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/crm-link/connect", test_connect);
  ADD ("/crm-link/retries", test_retries);
  ADD ("/crm-link/unreachable", test_unreachable);
  ADD ("/crm-link/replace", test_replace);
#undef ADD
  return g_test_run ();
}
