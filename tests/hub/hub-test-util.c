#include "config.h"

#include "hub-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

void
hub_sims_start (HubSims *sims)
{
  g_autoptr(GError) error = NULL;

  memset (sims, 0, sizeof *sims);
  sims->tmp = g_dir_make_tmp ("rd-hub-test-XXXXXX", &error);
  g_assert_no_error (error);

  sims->pbx = rd_sim_pbx_new ();
  rd_sim_pbx_add_extension (sims->pbx, "2001", "Alice Zhang", "alice@example.com");
  rd_sim_pbx_add_extension (sims->pbx, "2002", "Bob Li", "Bob@Example.COM");
  rd_sim_pbx_add_extension (sims->pbx, "2003", "Carol Wu", "carol@elsewhere.org");
  rd_sim_pbx_add_extension (sims->pbx, "2004", "Front desk", NULL);
  g_assert_true (rd_sim_pbx_start (sims->pbx, &error));
  g_assert_no_error (error);

  sims->odoo = rd_sim_odoo_new ("17.0");
  g_assert_nonnull (sims->odoo);
  rd_sim_odoo_set_company_country (sims->odoo, "CN");
  sims->admin_id = rd_sim_odoo_add_user (sims->odoo, "admin", "Administrator", "admin@example.com", ADMIN_KEY,
                                         RD_CRM_USER_INTERNAL, TRUE);
  sims->alice_id = rd_sim_odoo_add_user (sims->odoo, "alice", "Alice Zhang", "alice@example.com", ALICE_KEY,
                                         RD_CRM_USER_INTERNAL, FALSE);
  sims->bob_id = rd_sim_odoo_add_user (sims->odoo, "bob", "Bob Li", "bob@example.com", NULL,
                                       RD_CRM_USER_PORTAL, FALSE);
  sims->carol_id = rd_sim_odoo_add_user (sims->odoo, "carol", "Carol Wu", "carol@example.com", NULL,
                                         RD_CRM_USER_PUBLIC, FALSE);
  sims->dave_id = rd_sim_odoo_add_user (sims->odoo, "dave", "Dave <script>", "dave@example.com", NULL,
                                        RD_CRM_USER_INTERNAL, FALSE);
  sims->li_lei = rd_sim_odoo_add_partner (sims->odoo, "Li Lei", "138 0013 8000", NULL, FALSE, 0, NULL);
  sims->acme = rd_sim_odoo_add_partner (sims->odoo, "Acme Ltd", ACME_NUMBER, NULL, TRUE, 0, NULL);
  sims->no_name = rd_sim_odoo_add_partner (sims->odoo, "", NO_NAME_NUMBER, NULL, FALSE, 0, NULL);
  sims->lead = rd_sim_odoo_add_lead (sims->odoo, "Big deal", "Wang Wu", NULL, LEAD_NUMBER);
  g_assert_true (rd_sim_odoo_start (sims->odoo, &error));
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
hub_sims_stop (HubSims *sims)
{
  g_clear_object (&sims->pbx);
  g_clear_object (&sims->odoo);
  if (sims->tmp != NULL)
    remove_tree (sims->tmp);
  g_clear_pointer (&sims->tmp, g_free);
}

typedef struct {
  gboolean  done;
  GError   *error;
} Op;

static void
bool_op_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Op *op = user_data;

  if (g_async_result_is_tagged (result, rd_hub_connect_pbx_async))
    rd_hub_connect_pbx_finish (RD_HUB (source), result, &op->error);
  else
    rd_hub_connect_crm_finish (RD_HUB (source), result, &op->error);
  op->done = TRUE;
}

static gboolean
op_done (gpointer data)
{
  return ((Op *) data)->done;
}

static gboolean
index_ready (gpointer data)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (data);

  return json_object_get_boolean_member (status, "index_ready");
}

RdHub *
hub_new_connected (HubSims *sims, const char *db)
{
  return hub_new_connected_full (sims, db, 0);
}

RdHub *
hub_new_connected_full (HubSims *sims, const char *db, guint crm_timeout)
{
  RdHub *hub = hub_new_connecting (sims, db, crm_timeout);

  g_assert_true (hub_wait_until (index_ready, hub, 20000));
  return hub;
}

RdHub *
hub_new_connecting (HubSims *sims, const char *db, guint crm_timeout)
{
  g_autofree char *secrets = g_build_filename (sims->tmp, "secrets", NULL);
  RdHubOptions options = { 0 };
  RdPbxConfig pbx = { 0 };
  RdCrmConfig crm = { 0 };
  g_autoptr(GError) error = NULL;
  Op op = { 0 };
  RdHub *hub;

  options.database_path = (char *) db;
  options.secrets_dir = secrets;
  hub = rd_hub_new (&options);
  rd_hub_set_retry_policy (hub, 1, 2);
  rd_hub_set_index_refresh (hub, 0);
  g_assert_true (rd_hub_start (hub, &error));
  g_assert_no_error (error);

  pbx.base_url = (char *) rd_sim_pbx_get_base_url (sims->pbx);
  pbx.options = rd_options_new ();
  rd_options_set (pbx.options, "client-id", (char *) RD_SIM_PBX_DEFAULT_CLIENT_ID);
  rd_options_set (pbx.options, "client-secret", (char *) RD_SIM_PBX_DEFAULT_SECRET);
  rd_hub_connect_pbx_async (hub, &pbx, NULL, bool_op_cb, &op);
  g_clear_pointer (&pbx.options, rd_options_unref);
  g_assert_true (hub_wait_until (op_done, &op, 20000));
  g_assert_no_error (op.error);

  op.done = FALSE;
  crm.url = (char *) rd_sim_odoo_get_url (sims->odoo);
  crm.options = rd_options_new ();
  rd_options_set (crm.options, "database", (char *) rd_sim_odoo_get_database (sims->odoo));
  crm.login = (char *) "admin";
  crm.api_key = (char *) ADMIN_KEY;
  crm.timeout = crm_timeout;
  rd_hub_connect_crm_async (hub, &crm, NULL, bool_op_cb, &op);
  g_clear_pointer (&crm.options, rd_options_unref);
  g_assert_true (hub_wait_until (op_done, &op, 20000));
  g_assert_no_error (op.error);
  return hub;
}

gboolean
hub_outbox_idle (gpointer hub)
{
  RdStore *store = rd_hub_get_store (hub);

  return rd_store_outbox_count (store, RD_OUTBOX_PENDING) == 0 &&
         rd_store_outbox_count (store, RD_OUTBOX_CLAIMED) == 0;
}

guint
hub_count_logs (RdSimOdoo *odoo, const char *model, gint64 id)
{
  g_autoptr(GPtrArray) bodies = rd_sim_odoo_messages_for (odoo, model, id);
  guint count = 0;

  for (guint i = 0; bodies != NULL && i < bodies->len; i++)
    if (strstr (g_ptr_array_index (bodies, i), "Ringdesk call id: ") != NULL)
      count++;
  return count;
}
