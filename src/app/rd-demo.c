/* rd-demo.c — see rd-demo.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "core/rd-error.h"
#include "rd-demo.h"
#include "rd-demo-resources.h"
#include "rd-local-hub.h"
#include "sim/odoo/rd-sim-odoo.h"
#include "sim/pbx/rd-sim-pbx.h"

#define DEMO_PBX_CLIENT_ID "ringdesk-demo"
#define DEMO_DID           "+862180001000"
#define DEMO_UNKNOWN       "+8613912340000"   /* not in the seed: the "unknown caller" */
#define SEED_RESOURCE      "/io/github/ringdesk/Ringdesk/demo/demo-seed.json"

struct _RdDemo {
  GObject     parent_instance;

  char       *dir;          /* temporary: hub database, seed copy */
  RdSimPbx   *pbx;
  RdSimOdoo  *odoo;
  RdLocalHub *hub;
  char       *agent_url;
  char       *agent_key;
  char       *contact_number;   /* a seeded contact's phone, for the known caller */
  char       *odoo_url;
  guint       script_id;
};

G_DEFINE_FINAL_TYPE (RdDemo, rd_demo, G_TYPE_OBJECT)

static char *
random_secret (const char *prefix)
{
  GString *s = g_string_new (prefix);

  for (int i = 0; i < 32; i++)
    g_string_append_c (s, "0123456789abcdef"[g_random_int_range (0, 16)]);
  return g_string_free (s, FALSE);
}

typedef struct {
  char *contact_number;   /* the first person with a phone: the "known caller" */
  char *admin_login;      /* the seed's administrator, whose key the hub uses */
  char *admin_key;
} SeedFacts;

static void
seed_facts_clear (SeedFacts *f)
{
  g_clear_pointer (&f->contact_number, g_free);
  g_clear_pointer (&f->admin_login, g_free);
  g_clear_pointer (&f->admin_key, g_free);
}

static gboolean
read_seed (const char *json, gsize len, SeedFacts *out, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *partners, *users;

  if (!json_parser_load_from_data (parser, json, len, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad;
  root = json_node_get_object (json_parser_get_root (parser));
  partners = json_object_get_array_member (root, "partners");
  users = json_object_get_array_member (root, "users");
  if (partners == NULL || users == NULL)
    goto bad;

  for (guint i = 0; i < json_array_get_length (partners) && out->contact_number == NULL; i++)
    {
      JsonObject *rec = json_array_get_object_element (partners, i);
      const char *phone;

      if (rec == NULL || json_object_get_boolean_member_with_default (rec, "is_company", FALSE))
        continue;
      phone = json_object_get_string_member_with_default (rec, "mobile", NULL);
      if (phone == NULL || *phone == '\0')
        phone = json_object_get_string_member_with_default (rec, "phone", NULL);
      if (phone && *phone)
        out->contact_number = g_strdup (phone);
    }
  for (guint i = 0; i < json_array_get_length (users) && out->admin_login == NULL; i++)
    {
      JsonObject *u = json_array_get_object_element (users, i);

      if (u && json_object_get_boolean_member_with_default (u, "admin", FALSE) &&
          json_object_get_string_member_with_default (u, "api_key", NULL))
        {
          out->admin_login = g_strdup (json_object_get_string_member (u, "login"));
          out->admin_key = g_strdup (json_object_get_string_member (u, "api_key"));
        }
    }
  if (out->contact_number && out->admin_login)
    return TRUE;

bad:
  g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
               "The demo seed has no contact with a phone number or no administrator with an API key");
  return FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SeedFacts, seed_facts_clear)

static void
on_hub_started (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdDemo *self = g_task_get_source_object (task);
  GError *error = NULL;
  guint bound = 0;

  if (!rd_local_hub_start_finish (RD_LOCAL_HUB (source), res, &bound, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_debug ("demo: %u users bound", bound);
  self->agent_key = rd_local_hub_issue_agent_key (self->hub, RD_DEMO_EXTENSION, &error);
  if (self->agent_key == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  self->agent_url = rd_local_hub_get_agent_url (self->hub);
  g_task_return_boolean (task, TRUE);
}

void
rd_demo_start_async (RdDemo *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) seed = NULL;
  g_autofree char *seed_path = NULL, *db_path = NULL;
  g_autofree char *pbx_secret = random_secret ("");
  g_auto(SeedFacts) facts = { 0 };
  RdPbxConfig pbx = { 0 };
  RdCrmConfig crm = { 0 };
  g_autoptr(RdOptions) pbx_options = NULL;
  g_autoptr(RdOptions) crm_options = NULL;
  GError *error = NULL;

  g_return_if_fail (RD_IS_DEMO (self));
  g_return_if_fail (self->pbx == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_demo_start_async);

  self->dir = g_dir_make_tmp ("ringdesk-demo-XXXXXX", &error);
  if (self->dir == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The phone system: two extensions, our API client. */
  self->pbx = rd_sim_pbx_new ();
  rd_sim_pbx_set_credentials (self->pbx, DEMO_PBX_CLIENT_ID, pbx_secret);
  rd_sim_pbx_add_extension (self->pbx, "2001", "Alice", "alice@example.com");
  rd_sim_pbx_add_extension (self->pbx, "2002", "Bob", "bob@example.com");
  /* Click-to-call as on a real phone: your phone rings, then the other side for a while. */
  rd_sim_pbx_set_dial_timings (self->pbx, 2500, 15000);
  if (!rd_sim_pbx_start (self->pbx, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Odoo: the simulator's demo seed (contacts, the administrator, Alice and Bob). */
  if (!g_resources_get_info (SEED_RESOURCE, 0, NULL, NULL, NULL))
    rd_demo_register_resource ();
  seed = g_resources_lookup_data (SEED_RESOURCE, 0, &error);
  if (seed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  seed_path = g_build_filename (self->dir, "demo-seed.json", NULL);
  if (!g_file_set_contents (seed_path, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  self->odoo = rd_sim_odoo_new ("18.0");   /* record URLs /odoo/<model>/<id>: a page per record */
  if (!read_seed (g_bytes_get_data (seed, NULL), g_bytes_get_size (seed), &facts, &error) ||
      !rd_sim_odoo_load_seed (self->odoo, seed_path, &error) ||
      !rd_sim_odoo_start (self->odoo, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  self->contact_number = g_strdup (facts.contact_number);
  self->odoo_url = g_strconcat (rd_sim_odoo_get_url (self->odoo), "/web", NULL);   /* the record lists */

  /* The hub, with a throw-away database. */
  db_path = g_build_filename (self->dir, "hub.sqlite", NULL);
  self->hub = rd_local_hub_new (db_path, 0);
  pbx.base_url = (char *) rd_sim_pbx_get_base_url (self->pbx);
  pbx.options = pbx_options = rd_options_new ();
  rd_options_set (pbx_options, "client-id", DEMO_PBX_CLIENT_ID);
  rd_options_set (pbx_options, "client-secret", pbx_secret);
  crm.url = (char *) rd_sim_odoo_get_url (self->odoo);
  crm.options = crm_options = rd_options_new ();
  rd_options_set (crm_options, "database", rd_sim_odoo_get_database (self->odoo));
  crm.login = facts.admin_login;
  crm.api_key = facts.admin_key;
  rd_local_hub_start_async (self->hub, &pbx, &crm, TRUE, cancellable, on_hub_started,
                            g_steal_pointer (&task));
}

gboolean
rd_demo_start_finish (RdDemo *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
rd_demo_get_agent_url (RdDemo *self)
{
  g_return_val_if_fail (RD_IS_DEMO (self), NULL);
  return self->agent_url;
}

const char *
rd_demo_get_agent_key (RdDemo *self)
{
  g_return_val_if_fail (RD_IS_DEMO (self), NULL);
  return self->agent_key;
}

const char *
rd_demo_get_odoo_url (RdDemo *self)
{
  g_return_val_if_fail (RD_IS_DEMO (self), NULL);
  return self->odoo_url;
}

gboolean
rd_demo_play (RdDemo *self, const char *what)
{
  static const char * const ring[] = { RD_DEMO_EXTENSION, NULL };
  g_autofree char *call_id = NULL;

  g_return_val_if_fail (RD_IS_DEMO (self), FALSE);

  if (self->pbx == NULL || self->agent_url == NULL)
    return FALSE;
  if (g_strcmp0 (what, "answered") == 0)
    call_id = rd_sim_pbx_play_inbound (self->pbx, self->contact_number ? self->contact_number : DEMO_UNKNOWN,
                                       DEMO_DID, ring, RD_DEMO_EXTENSION, 3000, 6000);
  else if (g_strcmp0 (what, "missed") == 0)
    call_id = rd_sim_pbx_play_inbound (self->pbx, DEMO_UNKNOWN, DEMO_DID, ring, NULL, 4000, 0);
  else
    return FALSE;
  g_debug ("demo: playing %s call %s", what, call_id);
  return call_id != NULL;
}

static gboolean
play_missed (gpointer user_data)
{
  RdDemo *self = user_data;

  self->script_id = 0;
  rd_demo_play (self, "missed");
  return G_SOURCE_REMOVE;
}

void
rd_demo_play_script (RdDemo *self)
{
  g_return_if_fail (RD_IS_DEMO (self));

  rd_demo_play (self, "answered");
  g_clear_handle_id (&self->script_id, g_source_remove);
  self->script_id = g_timeout_add_seconds (14, play_missed, self);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
rd_demo_dispose (GObject *object)
{
  RdDemo *self = RD_DEMO (object);

  g_clear_handle_id (&self->script_id, g_source_remove);
  g_clear_object (&self->hub);
  g_clear_object (&self->odoo);
  g_clear_object (&self->pbx);
  if (self->dir)
    remove_dir (self->dir);
  g_clear_pointer (&self->dir, g_free);
  G_OBJECT_CLASS (rd_demo_parent_class)->dispose (object);
}

static void
rd_demo_finalize (GObject *object)
{
  RdDemo *self = RD_DEMO (object);

  g_free (self->agent_url);
  g_free (self->agent_key);
  g_free (self->contact_number);
  g_free (self->odoo_url);
  G_OBJECT_CLASS (rd_demo_parent_class)->finalize (object);
}

static void
rd_demo_class_init (RdDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_demo_dispose;
  G_OBJECT_CLASS (klass)->finalize = rd_demo_finalize;
}

static void
rd_demo_init (RdDemo *self)
{
}

RdDemo *
rd_demo_new (void)
{
  return g_object_new (RD_TYPE_DEMO, NULL);
}
