/* The hub's PBX link on its own, with a fake PBX: the session kept in the secrets as it
 * changes and given back on release, the high-water mark loaded and saved, the PBX's state
 * reported, replacing the PBX, and the PBX made from the saved settings (or the problem). */
#include "config.h"

#include "fake-pbx.h"

#include "core/rd-error.h"
#include "hub/rd-pbx-link.h"

#include <glib/gstdio.h>

typedef struct {
  char      *dir;
  RdStore   *store;
  RdSecrets *secrets;
  RdPbxLink *link;
  guint      state_changes;
} Fixture;

static void
on_state_changed (RdPbxLink *link, Fixture *f)
{
  f->state_changes++;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("rd-pbx-link-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = rd_store_open (":memory:", &error);
  g_assert_no_error (error);
  f->secrets = rd_secrets_new (f->dir, NULL);
  f->link = rd_pbx_link_new (f->store, f->secrets);
  g_signal_connect (f->link, "state-changed", G_CALLBACK (on_state_changed), f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  g_clear_object (&f->link);
  g_clear_object (&f->secrets);
  g_clear_object (&f->store);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

static char *
saved_session (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *session = rd_secrets_get (f->secrets, RD_SECRET_PBX_SESSION, &error);

  g_assert_no_error (error);
  return session;
}

static void
assert_saved_session (Fixture *f, const char *expected)
{
  g_autofree char *session = saved_session (f);

  g_assert_cmpstr (session, ==, expected);
}

static void
test_session (Fixture *f, gconstpointer data)
{
  g_autoptr(FakePbx) first = fake_pbx_new ();
  g_autoptr(FakePbx) second = fake_pbx_new ();

  first->session = g_strdup ("token-1");
  rd_pbx_link_set_pbx (f->link, RD_PBX (first));
  g_assert_true (rd_pbx_link_get_pbx (f->link) == RD_PBX (first));
  assert_saved_session (f, "token-1");   /* kept at once */
  fake_pbx_set_session (first, "token-2");
  assert_saved_session (f, "token-2");   /* and as it changes */

  /* another PBX: the old one is stopped and not listened to any more */
  rd_pbx_link_set_pbx (f->link, RD_PBX (second));
  g_assert_cmpuint (first->stops, ==, 1);
  assert_saved_session (f, NULL);        /* the new one has no session yet */
  fake_pbx_set_session (first, "stale");
  assert_saved_session (f, NULL);
  fake_pbx_set_session (second, "token-3");
  assert_saved_session (f, "token-3");

  /* none: the last one is stopped, its session left as it was */
  rd_pbx_link_set_pbx (f->link, NULL);
  g_assert_null (rd_pbx_link_get_pbx (f->link));
  g_assert_cmpuint (second->stops, ==, 1);
  assert_saved_session (f, "token-3");
}

static void
test_state (Fixture *f, gconstpointer data)
{
  g_autoptr(FakePbx) first = fake_pbx_new ();
  g_autoptr(FakePbx) second = fake_pbx_new ();

  g_assert_false (rd_pbx_link_is_connected (f->link));
  rd_pbx_link_set_pbx (f->link, RD_PBX (first));
  g_assert_cmpuint (f->state_changes, ==, 0);   /* the caller reports what it did */
  g_assert_true (rd_pbx_link_is_connected (f->link));

  fake_pbx_set_state (first, RD_PBX_STATE_RECONNECTING, "no answer");
  g_assert_cmpuint (f->state_changes, ==, 1);
  g_assert_false (rd_pbx_link_is_connected (f->link));
  fake_pbx_set_state (first, RD_PBX_STATE_CONNECTED, NULL);
  g_assert_cmpuint (f->state_changes, ==, 2);
  g_assert_true (rd_pbx_link_is_connected (f->link));

  rd_pbx_link_set_pbx (f->link, RD_PBX (second));
  fake_pbx_set_state (first, RD_PBX_STATE_FAILED, "replaced");
  g_assert_cmpuint (f->state_changes, ==, 2);   /* the replaced PBX is not heard */
  fake_pbx_set_state (second, RD_PBX_STATE_FAILED, "refused");
  g_assert_cmpuint (f->state_changes, ==, 3);
  g_assert_false (rd_pbx_link_is_connected (f->link));
}

static void
test_mark (Fixture *f, gconstpointer data)
{
  g_autoptr(FakePbx) pbx = fake_pbx_new ();
  g_autoptr(FakePbx) other = fake_pbx_new ();
  g_autoptr(GError) error = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  /* nothing saved: from now */
  rd_pbx_link_load_mark (f->link, RD_PBX (pbx), TRUE);
  g_assert_cmpint (pbx->mark, >=, before);
  g_assert_cmpint (pbx->mark, <=, before + 5);
  g_assert_cmpint (rd_pbx_link_get_saved_mark (f->link), ==, pbx->mark);

  /* the same PBX goes on from its saved mark; another one starts from now */
  g_assert_true (rd_store_set_setting_int (f->store, "pbx.high-water-mark", 1000, &error));
  g_assert_no_error (error);
  rd_pbx_link_load_mark (f->link, RD_PBX (pbx), TRUE);
  g_assert_cmpint (pbx->mark, ==, 1000);
  g_assert_cmpint (rd_pbx_link_get_saved_mark (f->link), ==, 1000);
  rd_pbx_link_load_mark (f->link, RD_PBX (other), FALSE);
  g_assert_cmpint (other->mark, >=, before);
  g_assert_cmpint (rd_store_get_setting_int (f->store, "pbx.high-water-mark", 0), ==, 1000);
  rd_pbx_link_load_mark (f->link, RD_PBX (pbx), TRUE);

  /* only the current PBX's mark is saved, and only forward */
  pbx->mark = 2000;
  rd_pbx_link_save_mark (f->link, RD_PBX (pbx));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "pbx.high-water-mark", 0), ==, 1000);
  rd_pbx_link_set_pbx (f->link, RD_PBX (pbx));
  rd_pbx_link_save_mark (f->link, RD_PBX (pbx));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "pbx.high-water-mark", 0), ==, 2000);
  g_assert_cmpint (rd_pbx_link_get_saved_mark (f->link), ==, 2000);
  pbx->mark = 1500;
  rd_pbx_link_save_mark (f->link, RD_PBX (pbx));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "pbx.high-water-mark", 0), ==, 2000);
  other->mark = 9000;
  rd_pbx_link_save_mark (f->link, RD_PBX (other));
  g_assert_cmpint (rd_store_get_setting_int (f->store, "pbx.high-water-mark", 0), ==, 2000);
}

static void
released_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (rd_pbx_link_release_finish (RD_PBX_LINK (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
release (Fixture *f)
{
  gboolean done = FALSE;

  rd_pbx_link_release_async (f->link, NULL, released_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_release (Fixture *f, gconstpointer data)
{
  g_autoptr(FakePbx) pbx = fake_pbx_new ();
  g_autoptr(FakePbx) deaf = fake_pbx_new ();

  release (f);   /* nothing to release */

  pbx->session = g_strdup ("token");
  rd_pbx_link_set_pbx (f->link, RD_PBX (pbx));
  assert_saved_session (f, "token");
  release (f);
  g_assert_null (rd_pbx_link_get_pbx (f->link));
  g_assert_cmpuint (pbx->stops, ==, 1);
  assert_saved_session (f, NULL);        /* given back on the PBX: nothing to keep */
  fake_pbx_set_state (pbx, RD_PBX_STATE_FAILED, NULL);
  g_assert_cmpuint (f->state_changes, ==, 0);

  /* a PBX that could not be told keeps its session for the next start */
  deaf->session = g_strdup ("kept");
  deaf->stop_keeps_session = TRUE;
  rd_pbx_link_set_pbx (f->link, RD_PBX (deaf));
  release (f);
  assert_saved_session (f, "kept");
}

static void
test_dispose_stops (Fixture *f, gconstpointer data)
{
  g_autoptr(FakePbx) pbx = fake_pbx_new ();

  rd_pbx_link_set_pbx (f->link, RD_PBX (pbx));
  g_clear_object (&f->link);
  g_assert_cmpuint (pbx->stops, ==, 1);
}

static void
set (Fixture *f, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (rd_store_set_setting (f->store, key, value, &error));
  g_assert_no_error (error);
}

static void
test_load_saved (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdPbx) pbx = NULL;

  /* nothing saved: nothing to start, and nothing wrong */
  g_assert_null (rd_pbx_link_load_saved (f->link, &error));
  g_assert_no_error (error);
  g_assert_null (rd_pbx_link_get_problem (f->link));

  /* a kind this build does not know */
  set (f, "pbx.url", "https://pbx.example.com");
  set (f, "pbx.kind", "nonesuch");
  g_assert_null (rd_pbx_link_load_saved (f->link, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* a PBX that cannot be made (its client id is missing): the problem status reports */
  set (f, "pbx.kind", "yeastar");
  g_assert_null (rd_pbx_link_load_saved (f->link, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_cmpstr (rd_pbx_link_get_problem (f->link), ==, error->message);
  g_clear_error (&error);
  rd_pbx_link_clear_problem (f->link);
  g_assert_null (rd_pbx_link_get_problem (f->link));

  /* the whole configuration: made, not started, from the saved mark */
  set (f, "pbx.client-id", "client");
  g_assert_true (rd_secrets_set (f->secrets, "pbx-client-secret", "secret", &error));
  g_assert_true (rd_store_set_setting_int (f->store, "pbx.high-water-mark", 1234, &error));
  g_assert_no_error (error);
  pbx = rd_pbx_link_load_saved (f->link, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pbx);
  g_assert_cmpint (rd_pbx_get_high_water_mark (pbx), ==, 1234);
  g_assert_cmpint (rd_pbx_get_state (pbx), ==, RD_PBX_STATE_DISCONNECTED);
  g_assert_null (rd_pbx_link_get_pbx (f->link));   /* the caller wires and sets it */
  g_assert_null (rd_pbx_link_get_problem (f->link));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/pbx-link/session", test_session);
  ADD ("/pbx-link/state", test_state);
  ADD ("/pbx-link/mark", test_mark);
  ADD ("/pbx-link/release", test_release);
  ADD ("/pbx-link/dispose-stops", test_dispose_stops);
  ADD ("/pbx-link/load-saved", test_load_saved);
  return g_test_run ();
}
