/* rd-connection.c — see rd-connection.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-connection.h"
#include "rd-demo.h"
#include "rd-embedded.h"
#include "rd-keyring.h"
#include "rd-local-settings.h"

struct _RdConnection {
  GObject        parent_instance;

  GSettings     *settings;
  RdAgentClient *client;
  const RdEmbedded *embedded;    /* the module, once "This computer" or the demo needs it */
  GObject       *local_hub;      /* RdLocalHub: "This computer" only */
  GObject       *demo;           /* RdDemo: --demo only */
  GCancellable  *cancellable;    /* the current connection attempt */
  char          *hub_label;
  char          *problem;
  guint          demo_mode : 1;
  guint          demo_script_played : 1;
  guint          preparing : 1;  /* reading the keyring / starting a hub */
};

G_DEFINE_FINAL_TYPE (RdConnection, rd_connection, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_problem (RdConnection *self, char *problem)   /* takes ownership */
{
  g_free (self->problem);
  self->problem = problem;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
start_client (RdConnection *self, const char *url, const char *label)
{
  g_free (self->hub_label);
  self->hub_label = g_strdup (label ? label : url);
  self->preparing = FALSE;
  rd_agent_client_set_hub_url (self->client, url);
  rd_agent_client_start (self->client);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- signing in --------------------------------------------------------------------- */

typedef struct {
  RdConnection *self;
  gboolean      agent_key;
  char         *account;
} CredData;

static void
cred_data_free (CredData *d)
{
  g_object_unref (d->self);
  g_free (d->account);
  g_free (d);
}

static void
on_issued_key_stored (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!rd_keyring_store_finish (res, &error))
    g_warning ("The agent key could not be kept in the keyring (a new one is issued at the next start): %s",
               error->message);
}

static void
on_secret (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CredData *d = user_data;
  RdConnection *self = d->self;
  g_autoptr(GError) error = NULL;
  char *secret = rd_keyring_lookup_finish (res, &error);
  g_autofree char *url = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cred_data_free (d);
      return;
    }
  if (d->agent_key && self->local_hub)
    {
      /* The hub runs here: issue this extension's key ourselves, and keep it. A kept key may
       * have ended since (a key ends with the binding it was issued to), so issue one each time. */
      rd_keyring_free (g_steal_pointer (&secret));
      g_clear_error (&error);
      secret = self->embedded->local_hub_issue_agent_key (self->local_hub, d->account, &error);
      if (secret)
        rd_keyring_store_async (RD_KEYRING_AGENT_KEY, d->account, secret, NULL, on_issued_key_stored, NULL);
    }
  if (secret == NULL)
    {
      self->preparing = FALSE;
      set_problem (self, error
                   ? g_strdup_printf (_("The keyring could not be read: %s"), error->message)
                   : g_strdup (_("No key is saved for this sign-in. Enter it in Preferences → Sign In.")));
      cred_data_free (d);
      return;
    }

  if (d->agent_key)
    rd_agent_client_set_agent_key (self->client, d->account, secret);
  else
    rd_agent_client_set_crm_key (self->client, d->account, secret);
  rd_keyring_free (secret);

  if (self->local_hub)
    {
      url = self->embedded->local_hub_get_agent_url (self->local_hub);
      rd_agent_client_set_pinned_certificate (self->client, NULL);
      start_client (self, url, _("This computer"));
    }
  else
    {
      g_autofree char *pin = g_settings_get_string (self->settings, "hub-certificate");
      url = g_settings_get_string (self->settings, "hub-url");
      rd_agent_client_set_pinned_certificate (self->client, *pin ? pin : NULL);
      start_client (self, url, NULL);
    }
  cred_data_free (d);
}

static void
sign_in (RdConnection *self)
{
  CredData *d = g_new0 (CredData, 1);

  d->self = g_object_ref (self);
  d->agent_key = g_settings_get_enum (self->settings, "sign-in-method") == 1;
  d->account = g_settings_get_string (self->settings, d->agent_key ? "extension" : "crm-login");
  rd_keyring_lookup_async (d->agent_key ? RD_KEYRING_AGENT_KEY : RD_KEYRING_CRM_KEY, d->account,
                           self->cancellable, on_secret, d);
}

/* ---- "This computer" ---------------------------------------------------------------- */

static void
on_local_started (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!self->embedded->local_hub_start_finish (source, res, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("The hub on this computer is not fully working: %s", error->message);
      set_problem (self, g_strdup (error->message));
    }
  sign_in (self);   /* the hub listens even when the PBX or the CRM is not reachable yet */
}

/* The options as the module takes them; secret values are wiped when it is freed. */
static void
wipe_free (gpointer text)
{
  rd_keyring_free (text);
}

static GHashTable *
options_table (const RdOptions *options)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, wipe_free);
  g_autofree const char **names = rd_options_list (options);

  for (guint i = 0; names[i] != NULL; i++)
    g_hash_table_insert (table, g_strdup (names[i]), g_strdup (rd_options_get (options, names[i])));
  return table;
}

static void
on_local_setup (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdLocalSetup) s = rd_local_settings_load_finish (res, &error);
  g_autoptr(GHashTable) pbx_options = NULL;
  g_autoptr(GHashTable) crm_options = NULL;

  if (s == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  pbx_options = options_table (s->pbx_options);
  crm_options = options_table (s->crm_options);
  {
    RdEmbeddedPbx pbx = { s->pbx_kind, s->pbx_url, pbx_options, s->allow_insecure };
    RdEmbeddedCrm crm = { s->crm_kind, s->crm_url, s->crm_login, s->crm_api_key ? s->crm_api_key : "",
                          crm_options, s->allow_insecure };

    self->embedded->local_hub_start_async (self->local_hub, &pbx, &crm, s->bind_auto, self->cancellable,
                                           on_local_started, g_object_ref (self));
  }
}

/* The module with the hub, loaded the first time; FALSE (and the problem said) without it. */
static gboolean
ensure_embedded (RdConnection *self)
{
  g_autoptr(GError) error = NULL;

  if (self->embedded == NULL && (self->embedded = rd_embedded_load (&error)) == NULL)
    {
      g_warning ("%s", error->message);
      self->preparing = FALSE;
      set_problem (self, g_strdup (error->message));
    }
  return self->embedded != NULL;
}

static void
start_local_hub (RdConnection *self)
{
  if (!ensure_embedded (self))
    return;
  if (self->local_hub == NULL)
    {
      g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "ringdesk", NULL);
      g_autofree char *db = g_build_filename (dir, "hub.sqlite", NULL);

      g_mkdir_with_parents (dir, 0700);
      self->local_hub = self->embedded->local_hub_new (db, g_settings_get_uint (self->settings, "local-port"));
    }
  rd_local_settings_load_async (self->settings, self->embedded, self->cancellable, on_local_setup,
                                g_object_ref (self));
}

/* ---- demo ------------------------------------------------------------------------------ */

static void
on_demo_started (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!self->embedded->demo_start_finish (source, res, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->preparing = FALSE;
      set_problem (self, g_strdup_printf (_("The demo could not start: %s"), error->message));
      return;
    }
  rd_agent_client_set_agent_key (self->client, RD_DEMO_EXTENSION, self->embedded->demo_get_agent_key (self->demo));
  start_client (self, self->embedded->demo_get_agent_url (self->demo), _("Demo hub on this computer"));
}

static void
on_client_state (RdAgentClient *client, GParamSpec *pspec, RdConnection *self)
{
  if (self->demo && !self->demo_script_played &&
      rd_agent_client_get_state (client) == RD_AGENT_STATE_SIGNED_IN)
    {
      self->demo_script_played = TRUE;
      self->embedded->demo_play_script (self->demo);
    }
}

static void
on_local_hub_stopped (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* The table is loaded for good by now; the connection may already be gone. */
  if (!rd_embedded_load (NULL)->local_hub_stop_finish (source, res, &error))
    g_warning ("The hub on this computer did not stop cleanly: %s", error->message);
}

/* ---- public ---------------------------------------------------------------------------- */

static void
connect_configured (RdConnection *self)
{
  self->preparing = FALSE;
  if (!g_settings_get_boolean (self->settings, "configured"))
    return;
  self->preparing = TRUE;
  if (g_settings_get_enum (self->settings, "hub-mode") == 1)
    start_local_hub (self);
  else
    {
      /* A hub elsewhere now: the one that ran here stops (its calls stay in its database). */
      if (self->local_hub)
        self->embedded->local_hub_stop_async (self->local_hub, NULL, on_local_hub_stopped, NULL);
      g_clear_object (&self->local_hub);
      sign_in (self);
    }
}

static void
on_migrated (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_local_settings_migrate_finish (res, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("The PBX secret of an older version could not be moved in the keyring (tried again at the next "
                 "start): %s", error->message);
    }
  connect_configured (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
rd_connection_reconnect (RdConnection *self)
{
  g_return_if_fail (RD_IS_CONNECTION (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->problem, g_free);

  if (self->demo_mode)
    {
      if (self->demo == NULL && ensure_embedded (self))
        {
          self->preparing = TRUE;
          self->demo = self->embedded->demo_new ();
          self->embedded->demo_start_async (self->demo, self->cancellable, on_demo_started, g_object_ref (self));
        }
      else if (self->demo && self->embedded->demo_get_agent_url (self->demo))
        {
          rd_agent_client_stop (self->client);
          rd_agent_client_start (self->client);
        }
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      return;
    }

  rd_agent_client_stop (self->client);
  self->preparing = FALSE;
  if (rd_local_settings_needs_migration (self->settings) && rd_embedded_load (NULL) != NULL)
    {
      /* Settings of an older version of "This computer": moved once, before anything reads them. */
      self->preparing = TRUE;
      rd_local_settings_migrate_async (self->settings, rd_embedded_load (NULL), self->cancellable, on_migrated,
                                       g_object_ref (self));
    }
  else
    connect_configured (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
rd_connection_stop (RdConnection *self)
{
  g_return_if_fail (RD_IS_CONNECTION (self));

  g_cancellable_cancel (self->cancellable);
  rd_agent_client_stop (self->client);
}

RdAgentClient *
rd_connection_get_client (RdConnection *self)
{
  g_return_val_if_fail (RD_IS_CONNECTION (self), NULL);
  return self->client;
}

gboolean
rd_connection_is_configured (RdConnection *self)
{
  g_return_val_if_fail (RD_IS_CONNECTION (self), FALSE);
  return self->demo_mode || g_settings_get_boolean (self->settings, "configured");
}

gboolean
rd_connection_is_starting (RdConnection *self)
{
  RdAgentState state;

  g_return_val_if_fail (RD_IS_CONNECTION (self), FALSE);

  state = rd_agent_client_get_state (self->client);
  return self->preparing || state == RD_AGENT_STATE_CONNECTING || state == RD_AGENT_STATE_RECONNECTING;
}

const char *
rd_connection_get_hub_label (RdConnection *self)
{
  g_return_val_if_fail (RD_IS_CONNECTION (self), NULL);
  return self->hub_label;
}

const char *
rd_connection_get_problem (RdConnection *self)
{
  g_return_val_if_fail (RD_IS_CONNECTION (self), NULL);
  return self->problem;
}

const char *
rd_connection_get_demo_url (RdConnection *self)
{
  g_return_val_if_fail (RD_IS_CONNECTION (self), NULL);
  return self->demo && self->embedded->demo_get_agent_url (self->demo)
         ? self->embedded->demo_get_odoo_url (self->demo) : NULL;
}

gboolean
rd_connection_play_demo (RdConnection *self, const char *what)
{
  g_return_val_if_fail (RD_IS_CONNECTION (self), FALSE);
  return rd_connection_get_demo_url (self) && self->embedded->demo_play (self->demo, what);
}

static void
rd_connection_dispose (GObject *object)
{
  RdConnection *self = RD_CONNECTION (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->client)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      rd_agent_client_stop (self->client);
    }
  g_clear_object (&self->client);
  g_clear_object (&self->demo);
  g_clear_object (&self->local_hub);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (rd_connection_parent_class)->dispose (object);
}

static void
rd_connection_finalize (GObject *object)
{
  RdConnection *self = RD_CONNECTION (object);

  g_free (self->hub_label);
  g_free (self->problem);
  G_OBJECT_CLASS (rd_connection_parent_class)->finalize (object);
}

static void
rd_connection_class_init (RdConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_connection_dispose;
  object_class->finalize = rd_connection_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_connection_init (RdConnection *self)
{
  self->cancellable = g_cancellable_new ();
  self->client = rd_agent_client_new (NULL);
  g_signal_connect (self->client, "notify::state", G_CALLBACK (on_client_state), self);
}

RdConnection *
rd_connection_new (GSettings *settings, gboolean demo)
{
  RdConnection *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (RD_TYPE_CONNECTION, NULL);
  self->settings = g_object_ref (settings);
  self->demo_mode = demo;
  return self;
}
