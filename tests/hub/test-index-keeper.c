/* The hub's index keeper on its own, with a fake engine context and the Odoo simulator behind
 * the real CRM client: the first fill reported once, nothing while the CRM is not ready, a
 * reconciliation asked for before the first fill run after it, the timers only between start
 * and stop, a replaced CRM's pass forgotten. */
#include "config.h"

#include "fake-context.h"

#include "crm/rd-crm.h"
#include "hub/rd-index-keeper.h"
#include "sim/odoo/rd-sim-odoo.h"

#include <glib/gstdio.h>

#include "db-files.h"

#define ADMIN_KEY "keeper-admin-key"
#define WAIT_MS   15000

typedef struct {
  RdSimOdoo     *sim;
  RdCrm         *crm;
  RdStore       *store;
  RdPhoneIndex  *index;
  FakeContext   *context;
  RdIndexKeeper *keeper;
  char          *dir;
  char          *db;
  gint64         gone;       /* a partner the tests delete */
  guint          filled;
} Fixture;

static void
on_filled (RdIndexKeeper *keeper, Fixture *f)
{
  f->filled++;
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;
  RdCrmInfo *info = rd_crm_connect_finish (RD_CRM (source), result, &error);

  g_assert_no_error (error);
  rd_crm_info_free (info);
  *done = TRUE;
}

static gboolean
wait_for (gboolean (*check) (Fixture *f), Fixture *f, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (!check (f) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return check (f);
}

static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static gboolean
is_filled (Fixture *f)
{
  return rd_index_keeper_is_filled (f->keeper);
}

static gboolean
done_flag (Fixture *f)
{
  return f->filled > 0;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  RdCrmConfig config = { 0 };
  gboolean done = FALSE;

  f->sim = rd_sim_odoo_new ("17.0");
  rd_sim_odoo_set_company_country (f->sim, "CN");
  rd_sim_odoo_add_user (f->sim, "admin", "Administrator", "admin@example.com", ADMIN_KEY, RD_CRM_USER_INTERNAL, TRUE);
  rd_sim_odoo_add_partner (f->sim, "Li Lei", "+86 138 0013 8000", NULL, FALSE, 0, "CN");
  f->gone = rd_sim_odoo_add_partner (f->sim, "Han Meimei", "+86 139 0013 9000", NULL, FALSE, 0, "CN");
  g_assert_true (rd_sim_odoo_start (f->sim, &error));

  config.url = (char *) rd_sim_odoo_get_url (f->sim);
  config.options = rd_options_new ();
  rd_options_set (config.options, "database", rd_sim_odoo_get_database (f->sim));
  config.login = (char *) "admin";
  config.api_key = (char *) ADMIN_KEY;
  f->crm = rd_crm_new (&config, &error);
  g_clear_pointer (&config.options, rd_options_unref);
  g_assert_no_error (error);
  rd_crm_connect_async (f->crm, NULL, connected_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  f->dir = g_dir_make_tmp ("rd-index-keeper-XXXXXX", NULL);
  f->db = g_build_filename (f->dir, "hub.db", NULL);
  f->store = rd_store_open (f->db, &error);
  g_assert_no_error (error);
  f->index = rd_phone_index_new (f->store, &error);
  g_assert_no_error (error);
  rd_phone_index_set_region (f->index, "CN");

  f->context = fake_context_new ();
  f->context->ready = TRUE;
  f->keeper = rd_index_keeper_new (RD_HUB_CONTEXT (f->context));
  rd_index_keeper_set_index (f->keeper, f->index);
  g_signal_connect (f->keeper, "filled", G_CALLBACK (on_filled), f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  rd_index_keeper_set_crm (f->keeper, NULL, NULL);
  g_clear_object (&f->keeper);
  g_clear_object (&f->context);
  g_clear_object (&f->index);
  g_clear_object (&f->store);
  g_clear_object (&f->crm);
  g_clear_object (&f->sim);
  test_remove_db_files (f->db);
  g_rmdir (f->dir);
  g_free (f->db);
  g_free (f->dir);
}

static void
test_fill (Fixture *f, gconstpointer data)
{
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  /* no CRM, then a CRM that is not ready: nothing runs */
  rd_index_keeper_refresh (f->keeper);
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  f->context->ready = FALSE;
  rd_index_keeper_refresh (f->keeper);
  run_for (300);
  g_assert_false (rd_index_keeper_is_filled (f->keeper));
  g_assert_cmpint (rd_index_keeper_get_refreshed (f->keeper), ==, 0);

  f->context->ready = TRUE;
  rd_index_keeper_refresh (f->keeper);
  rd_index_keeper_refresh (f->keeper);   /* one pass at a time */
  g_assert_true (wait_for (is_filled, f, WAIT_MS));
  g_assert_cmpuint (f->filled, ==, 1);
  g_assert_cmpuint (rd_phone_index_count_numbers (f->index), ==, 2);
  g_assert_cmpint (rd_index_keeper_get_refreshed (f->keeper), >=, before);
  g_assert_nonnull (rd_index_keeper_get_sync (f->keeper));

  /* later refreshes are not a first fill */
  rd_index_keeper_refresh (f->keeper);
  run_for (500);
  g_assert_cmpuint (f->filled, ==, 1);

  /* another CRM: not filled until its own first pass */
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  g_assert_false (rd_index_keeper_is_filled (f->keeper));
  rd_index_keeper_refresh (f->keeper);
  g_assert_true (wait_for (is_filled, f, WAIT_MS));
  g_assert_cmpuint (f->filled, ==, 2);
}

static gboolean
one_number (Fixture *f)
{
  return rd_phone_index_count_numbers (f->index) == 1;
}

static void
test_reconcile_after_fill (Fixture *f, gconstpointer data)
{
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  rd_index_keeper_refresh (f->keeper);
  g_assert_true (wait_for (is_filled, f, WAIT_MS));
  g_assert_cmpuint (rd_phone_index_count_numbers (f->index), ==, 2);

  /* a record deleted in the CRM; the hub reconnects (a new pass of the same CRM) and the
   * reconciliation is asked for before the first refresh: it waits for it, then runs */
  rd_sim_odoo_delete (f->sim, "res.partner", f->gone);
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  rd_index_keeper_reconcile (f->keeper);
  run_for (300);
  g_assert_cmpuint (rd_phone_index_count_numbers (f->index), ==, 2);   /* not beside the fill */
  rd_index_keeper_refresh (f->keeper);
  g_assert_true (wait_for (one_number, f, WAIT_MS));
}

static void
test_timers (Fixture *f, gconstpointer data)
{
  rd_index_keeper_set_periods (f->keeper, 1, 0);
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  run_for (1500);
  g_assert_false (rd_index_keeper_is_filled (f->keeper));   /* not started */

  rd_index_keeper_start (f->keeper);
  g_assert_true (wait_for (done_flag, f, WAIT_MS));

  /* stopped: the next refresh does not come */
  rd_index_keeper_stop (f->keeper);
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  run_for (1500);
  g_assert_false (rd_index_keeper_is_filled (f->keeper));
}

static void
test_replaced_pass_forgotten (Fixture *f, gconstpointer data)
{
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  rd_index_keeper_refresh (f->keeper);
  /* replaced while its first pass runs: that pass does not count for the new CRM */
  rd_index_keeper_set_crm (f->keeper, f->crm, NULL);
  run_for (1500);
  g_assert_false (rd_index_keeper_is_filled (f->keeper));
  g_assert_cmpuint (f->filled, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/index-keeper/fill", test_fill);
  ADD ("/index-keeper/reconcile-after-fill", test_reconcile_after_fill);
  ADD ("/index-keeper/timers", test_timers);
  ADD ("/index-keeper/replaced-pass-forgotten", test_replaced_pass_forgotten);
  return g_test_run ();
}
