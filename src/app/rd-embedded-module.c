/* rd-embedded-module.c — the table ringdesk-embedded.so exports (see rd-embedded.h): thin
 * wrappers over RdLocalHub and RdDemo. */
#include "config.h"

#include <gmodule.h>

#include "rd-demo.h"
#include "rd-embedded.h"
#include "rd-local-hub.h"

static GObject *
local_hub_new (const char *database_path, guint port)
{
  return G_OBJECT (rd_local_hub_new (database_path, port));
}

static RdOptions *
options_from_table (GHashTable *table)
{
  RdOptions *options = rd_options_new ();
  GHashTableIter iter;
  gpointer name, value;

  if (table != NULL)
    {
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, &name, &value))
        rd_options_set (options, name, value);
    }
  return options;
}

/* Empty means the default backend, as NULL does. */
static char *
kind_or_default (const char *kind)
{
  return kind != NULL && *kind != '\0' ? (char *) kind : NULL;
}

static void
local_hub_start_async (GObject *hub, const RdEmbeddedPbx *pbx, const RdEmbeddedCrm *crm, gboolean bind_auto,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(RdOptions) pbx_options = options_from_table (pbx ? pbx->options : NULL);
  g_autoptr(RdOptions) crm_options = options_from_table (crm ? crm->options : NULL);
  RdPbxConfig p = { .options = pbx_options };
  RdCrmConfig c = { .options = crm_options };

  if (pbx)
    {
      p.kind = kind_or_default (pbx->kind);
      p.base_url = (char *) pbx->base_url;
      p.allow_insecure = pbx->allow_insecure;
    }
  if (crm)
    {
      c.kind = kind_or_default (crm->kind);
      c.url = (char *) crm->url;
      c.login = (char *) crm->login;
      c.api_key = (char *) crm->api_key;
      c.allow_insecure = crm->allow_insecure;
    }
  /* Copied by the hub before this returns. */
  rd_local_hub_start_async (RD_LOCAL_HUB (hub), pbx ? &p : NULL, crm ? &c : NULL, bind_auto,
                            cancellable, callback, user_data);
}

static gboolean
local_hub_start_finish (GObject *hub, GAsyncResult *result, GError **error)
{
  return rd_local_hub_start_finish (RD_LOCAL_HUB (hub), result, NULL, error);
}

static char *
local_hub_get_agent_url (GObject *hub)
{
  return rd_local_hub_get_agent_url (RD_LOCAL_HUB (hub));
}

static char *
local_hub_issue_agent_key (GObject *hub, const char *extension, GError **error)
{
  return rd_local_hub_issue_agent_key (RD_LOCAL_HUB (hub), extension, error);
}

static void
local_hub_stop_async (GObject *hub, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  rd_local_hub_stop_async (RD_LOCAL_HUB (hub), cancellable, callback, user_data);
}

static gboolean
local_hub_stop_finish (GObject *hub, GAsyncResult *result, GError **error)
{
  return rd_local_hub_stop_finish (RD_LOCAL_HUB (hub), result, error);
}

/* RdPbxBackend and RdCrmBackend begin with kind, name and options. */
static RdEmbeddedBackend *
backend_new (const char *kind, const char *name, const RdOptionSpec *options)
{
  RdEmbeddedBackend *backend = g_new0 (RdEmbeddedBackend, 1);

  backend->kind = kind;
  backend->name = name;
  backend->options = options;
  return backend;
}

static GPtrArray *
list_backends (RdEmbeddedPart part)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) found = part == RD_EMBEDDED_PBX ? rd_pbx_list_backends () : rd_crm_list_backends ();

  for (guint i = 0; i < found->len; i++)
    {
      if (part == RD_EMBEDDED_PBX)
        {
          const RdPbxBackend *b = found->pdata[i];
          g_ptr_array_add (list, backend_new (b->kind, b->name, b->options));
        }
      else
        {
          const RdCrmBackend *b = found->pdata[i];
          g_ptr_array_add (list, backend_new (b->kind, b->name, b->options));
        }
    }
  return list;
}

static GObject *
demo_new (void)
{
  return G_OBJECT (rd_demo_new ());
}

static void
demo_start_async (GObject *demo, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  rd_demo_start_async (RD_DEMO (demo), cancellable, callback, user_data);
}

static gboolean
demo_start_finish (GObject *demo, GAsyncResult *result, GError **error)
{
  return rd_demo_start_finish (RD_DEMO (demo), result, error);
}

static const char *
demo_get_agent_url (GObject *demo)
{
  return rd_demo_get_agent_url (RD_DEMO (demo));
}

static const char *
demo_get_agent_key (GObject *demo)
{
  return rd_demo_get_agent_key (RD_DEMO (demo));
}

static const char *
demo_get_odoo_url (GObject *demo)
{
  return rd_demo_get_odoo_url (RD_DEMO (demo));
}

static gboolean
demo_play (GObject *demo, const char *what)
{
  return rd_demo_play (RD_DEMO (demo), what);
}

static void
demo_play_script (GObject *demo)
{
  rd_demo_play_script (RD_DEMO (demo));
}

static const RdEmbedded table = {
  local_hub_new, local_hub_start_async, local_hub_start_finish, local_hub_get_agent_url,
  local_hub_issue_agent_key, local_hub_stop_async, local_hub_stop_finish, list_backends,
  demo_new, demo_start_async, demo_start_finish, demo_get_agent_url, demo_get_agent_key,
  demo_get_odoo_url, demo_play, demo_play_script,
};

G_MODULE_EXPORT const RdEmbedded *rd_embedded_get (guint version);

G_MODULE_EXPORT const RdEmbedded *
rd_embedded_get (guint version)
{
  return version == RD_EMBEDDED_VERSION ? &table : NULL;
}
