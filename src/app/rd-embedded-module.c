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

static void
local_hub_start_async (GObject *hub, const RdEmbeddedPbx *pbx, const RdEmbeddedCrm *crm, gboolean bind_auto,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(RdOptions) pbx_options = rd_options_new ();
  g_autoptr(RdOptions) crm_options = rd_options_new ();
  RdPbxConfig p = { .options = pbx_options };
  RdCrmConfig c = { .options = crm_options };

  if (pbx)
    {
      p.base_url = (char *) pbx->base_url;
      rd_options_set (pbx_options, "client-id", pbx->client_id);
      rd_options_set (pbx_options, "client-secret", pbx->client_secret);
      p.allow_insecure = pbx->allow_insecure;
    }
  if (crm)
    {
      c.url = (char *) crm->url;
      rd_options_set (crm_options, "database", crm->database);
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
  local_hub_issue_agent_key, local_hub_stop_async, local_hub_stop_finish,
  demo_new, demo_start_async, demo_start_finish, demo_get_agent_url, demo_get_agent_key,
  demo_get_odoo_url, demo_play, demo_play_script,
};

G_MODULE_EXPORT const RdEmbedded *rd_embedded_get (guint version);

G_MODULE_EXPORT const RdEmbedded *
rd_embedded_get (guint version)
{
  return version == RD_EMBEDDED_VERSION ? &table : NULL;
}
