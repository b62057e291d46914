#include "config.h"

#include "hub/rd-hub-private.h"

#include "core/rd-error.h"
#include "core/rd-http-server.h"
#include "core/rd-tls-pin.h"
#include "hub/rd-backend-settings.h"

#include <string.h>
#include <unistd.h>

enum {
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (RdHub, rd_hub, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_HUB_CONTEXT, rd_hub_parts_context_iface_init)
                               G_IMPLEMENT_INTERFACE (RD_TYPE_HUB_CONTROL, rd_hub_parts_control_iface_init))


/* ---- options and settings ------------------------------------------------ */

void
rd_hub_options_clear (RdHubOptions *options)
{
  if (options == NULL)
    return;
  g_clear_pointer (&options->listen_address, g_free);
  g_clear_pointer (&options->database_path, g_free);
  g_clear_pointer (&options->tls_certificate, g_free);
  g_clear_pointer (&options->tls_key, g_free);
  g_clear_pointer (&options->admin_socket, g_free);
  g_clear_pointer (&options->secrets_dir, g_free);
  g_clear_pointer (&options->console_address, g_free);
  options->port = 0;
  options->console_port = 0;
}

const char *
rd_hub_kind_string (RdCrmKind kinds, char buffer[64])
{
  static const RdCrmKind order[] = { RD_CRM_KIND_INDIVIDUAL, RD_CRM_KIND_COMPANY, RD_CRM_KIND_LEAD };

  buffer[0] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (kinds & order[i])
      {
        if (buffer[0] != '\0')
          g_strlcat (buffer, ",", 64);
        g_strlcat (buffer, rd_crm_kind_to_string (order[i]), 64);
      }
  return buffer;
}

RdHubCalls
rd_hub_calls_from_string (const char *text, GError **error)
{
  RdHubCalls calls = RD_HUB_CALLS_NONE;
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (g_ascii_strcasecmp (parts[i], "inbound") == 0)
        calls |= RD_HUB_CALLS_INBOUND;
      else if (g_ascii_strcasecmp (parts[i], "outbound") == 0)
        calls |= RD_HUB_CALLS_OUTBOUND;
      else if (g_ascii_strcasecmp (parts[i], "both") == 0)
        calls |= RD_HUB_CALLS_BOTH;
      else if (*parts[i] != '\0')
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "Unknown call type “%s” (use inbound, outbound)", parts[i]);
          return RD_HUB_CALLS_NONE;
        }
    }
  if (calls == RD_HUB_CALLS_NONE)
    g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Give at least one call type");
  return calls;
}

static const char *
calls_to_string (RdHubCalls calls)
{
  switch (calls & RD_HUB_CALLS_BOTH)
    {
    case RD_HUB_CALLS_INBOUND: return "inbound";
    case RD_HUB_CALLS_OUTBOUND: return "outbound";
    case RD_HUB_CALLS_BOTH: return "inbound,outbound";
    default: return "";
    }
}

void
rd_hub_load_settings (RdHub *self)
{
  RdHubSettings *s = &self->settings;
  g_autofree char *kinds = NULL;
  g_autofree char *calls = NULL;
  g_autofree char *kind = NULL;

  rd_hub_settings_clear (s);
  s->enabled = rd_store_get_setting_int (self->store, "crm.enabled", 1) != 0;
  s->epoch = rd_store_get_setting_int (self->store, "crm.epoch", 1);
  s->sync_enabled = rd_store_get_setting_int (self->store, "sync.enabled", 0) != 0;
  kinds = rd_store_get_setting (self->store, "sync.kinds");
  s->sync_kinds = kinds != NULL ? rd_crm_kind_from_string (kinds) : RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY;
  s->sync_phonebook_id = rd_store_get_setting_int (self->store, "sync.phonebook-id", 0);
  s->sync_phonebook_name = rd_store_get_setting (self->store, "sync.phonebook-name");
  s->autocreate_enabled = rd_store_get_setting_int (self->store, "autocreate.enabled", 0) != 0;
  calls = rd_store_get_setting (self->store, "autocreate.calls");
  s->autocreate_calls = calls != NULL ? rd_hub_calls_from_string (calls, NULL) : RD_HUB_CALLS_BOTH;
  kind = rd_store_get_setting (self->store, "autocreate.kind");
  s->autocreate_kind = kind != NULL && rd_crm_kind_from_string (kind) == RD_CRM_KIND_LEAD
                       ? RD_CRM_KIND_LEAD : RD_CRM_KIND_INDIVIDUAL;
  s->autocreate_prefix = rd_store_get_setting (self->store, "autocreate.prefix");
  if (s->autocreate_prefix == NULL)
    s->autocreate_prefix = g_strdup (RD_HUB_DEFAULT_PREFIX);
  s->region = rd_store_get_setting (self->store, "phone.region");
  if (self->index != NULL)
    rd_phone_index_set_region (self->index, rd_hub_region (self));
}

gboolean
rd_hub_save_settings (RdHub *self, const RdHubSettings *s, GError **error)
{
  char kinds[64];
  gboolean ok;

  if (!rd_store_begin (self->store, error))
    return FALSE;
  ok = rd_store_set_setting_int (self->store, "crm.enabled", s->enabled, error) &&
       rd_store_set_setting_int (self->store, "crm.epoch", s->epoch, error) &&
       rd_store_set_setting_int (self->store, "sync.enabled", s->sync_enabled, error) &&
       rd_store_set_setting (self->store, "sync.kinds", rd_hub_kind_string (s->sync_kinds, kinds), error) &&
       rd_store_set_setting_int (self->store, "sync.phonebook-id", s->sync_phonebook_id, error) &&
       rd_store_set_setting (self->store, "sync.phonebook-name", s->sync_phonebook_name, error) &&
       rd_store_set_setting_int (self->store, "autocreate.enabled", s->autocreate_enabled, error) &&
       rd_store_set_setting (self->store, "autocreate.calls", calls_to_string (s->autocreate_calls), error) &&
       rd_store_set_setting (self->store, "autocreate.kind", rd_crm_kind_to_string (s->autocreate_kind), error) &&
       rd_store_set_setting (self->store, "autocreate.prefix", s->autocreate_prefix, error) &&
       rd_store_set_setting (self->store, "phone.region", s->region, error);
  if (!ok || !rd_store_commit (self->store, error))
    {
      rd_store_rollback (self->store);
      return FALSE;
    }
  rd_hub_load_settings (self);
  rd_hub_emit_status (self);
  return TRUE;
}

const char *
rd_hub_region (RdHub *self)
{
  const RdCrmInfo *info;

  if (self->settings.region != NULL)
    return self->settings.region;
  info = rd_hub_get_crm (self) != NULL ? rd_crm_get_info (rd_hub_get_crm (self)) : NULL;
  if (info != NULL && info->country_code != NULL && rd_phone_region_is_valid (info->country_code))
    return info->country_code;
  return NULL;
}

const char *
rd_hub_region_note (RdHub *self)
{
  return rd_hub_settings_region_note (rd_hub_region (self), rd_hub_get_crm (self));
}

RdPhoneNumber *
rd_hub_parse_number (RdHub *self, const char *text, GError **error)
{
  return rd_phone_parse (text != NULL ? text : "", -1, rd_hub_region (self), NULL, error);
}

gboolean
rd_hub_crm_ready (RdHub *self)
{
  return rd_crm_link_get_crm (self->crm_link) != NULL &&
         rd_crm_link_get_state (self->crm_link) == RD_HUB_CRM_CONNECTED && self->settings.enabled;
}

const char *
rd_hub_crm_state_string (RdHub *self)
{
  if (rd_crm_link_get_state (self->crm_link) == RD_HUB_CRM_NOT_CONFIGURED)
    return "not-configured";
  if (!self->settings.enabled)
    return "disabled";
  switch (rd_crm_link_get_state (self->crm_link))
    {
    case RD_HUB_CRM_CONNECTED: return "connected";
    case RD_HUB_CRM_CONNECTING: return "connecting";
    case RD_HUB_CRM_UNREACHABLE: return "unreachable";
    default: return "failed";
    }
}

const char *
rd_hub_autocreate_creates (RdHub *self, const char **out_note)
{
  const RdCrmInfo *info = rd_hub_get_crm (self) != NULL ? rd_crm_get_info (rd_hub_get_crm (self)) : NULL;

  if (out_note != NULL)
    *out_note = NULL;
  if (self->settings.autocreate_kind != RD_CRM_KIND_LEAD)
    return "individual";
  if (info != NULL && info->has_leads && !info->leads_enabled)
    {
      /* Odoo makes crm.lead records opportunities then, and shows leads nowhere */
      if (out_note != NULL)
        *out_note = "Leads are turned off in the CRM (CRM → Configuration → Settings → Leads): "
                    "new callers become opportunities in the pipeline. Turn Leads on there to get leads.";
      return "opportunity";
    }
  return "lead";
}

void
rd_hub_emit_status (RdHub *self)
{
  if (self->agent_server != NULL)
    {
      g_autoptr(JsonObject) fields = rd_desk_backend_get_status (RD_DESK_BACKEND (self->desk));
      g_autoptr(JsonObject) frame = rd_desk_frame_status (fields);

      rd_desk_server_broadcast (self->agent_server, frame);
    }
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

void
rd_hub_fill_match_url (RdHub *self, RdCrmMatch *match)
{
  RdCrm *crm = rd_hub_get_crm (self);

  if (match->url == NULL && crm != NULL && rd_crm_get_info (crm) != NULL)
    match->url = rd_crm_record_url (crm, match->kind, match->id);
}

/* ---- backends ------------------------------------------------------------- */

RdCrm *
rd_hub_create_crm (RdHub *self, const RdCrmConfig *config, GError **error)
{
  return rd_crm_new (config, error);
}

static void
on_pbx_state_changed (RdPbxLink *link, RdHub *self)
{
  rd_hub_emit_status (self);
}

void
rd_hub_set_pbx (RdHub *self, RdPbx *pbx)
{
  RdPbx *old = rd_pbx_link_get_pbx (self->pbx_link);

  if (old == pbx)
    return;
  if (old != NULL)
    g_signal_handlers_disconnect_by_data (old, self);
  rd_pbx_link_set_pbx (self->pbx_link, pbx);
  if (pbx != NULL)
    rd_hub_attach_pbx (self, pbx);
  rd_hub_emit_status (self);
}

void
rd_hub_attach_pbx (RdHub *self, RdPbx *pbx)
{
  /* Handlers may already be connected (connect-pbx wires the candidate before verifying). */
  if (g_signal_handler_find (pbx, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self) != 0)
    return;
  g_signal_connect (pbx, "call-event", G_CALLBACK (rd_hub_on_call_event), self);
  g_signal_connect (pbx, "call-record", G_CALLBACK (rd_hub_on_call_record), self);
  g_signal_connect (pbx, "dial-failed", G_CALLBACK (rd_hub_on_dial_failed), self);
}

static void
on_crm_state_changed (RdCrmLink *link, RdHub *self)
{
  rd_hub_emit_status (self);
}

static void
on_crm_reachable_again (RdCrmLink *link, RdHub *self)
{
  rd_hub_outbox_kick (self);
  rd_hub_refresh_index (self);
}

static void
on_crm_connected (RdCrmLink *link, RdCrmInfo *info, RdHub *self)
{
  if (rd_hub_region_note (self) != NULL)
    g_warning ("%s", rd_hub_region_note (self));
  rd_phone_index_set_region (self->index, rd_hub_region (self));
  rd_hub_emit_status (self);
  rd_hub_refresh_index (self);
  rd_hub_outbox_kick (self);
}

void
rd_hub_set_crm (RdHub *self, RdCrm *crm)
{
  rd_crm_link_set_crm (self->crm_link, crm);
  rd_index_keeper_set_crm (self->index_keeper, crm, rd_crm_link_get_cancellable (self->crm_link));
}

/* Starts the PBX from saved settings. */
void
rd_hub_start_saved_pbx (RdHub *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdPbx) pbx = rd_pbx_link_load_saved (self->pbx_link, &error);
  g_autoptr(GPtrArray) legs = NULL;

  if (pbx == NULL)
    {
      if (error != NULL)
        g_warning ("PBX not started: %s", error->message);
      return;
    }
  legs = rd_call_table_dup_legs (self->calls);
  rd_pbx_adopt_calls (pbx, legs);   /* checked with the PBX once connected */
  rd_hub_set_pbx (self, pbx);
  rd_pbx_start (pbx);
}

/* ---- CRM connection ------------------------------------------------------- */

static void
on_index_filled (RdIndexKeeper *keeper, RdHub *self)
{
  rd_hub_emit_status (self);
}

void
rd_hub_refresh_index (RdHub *self)
{
  rd_index_keeper_refresh (self->index_keeper);
}

static void
connect_saved_crm (RdHub *self)
{
  RdCrmConfig config = { 0 };
  const RdCrmBackend *backend;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrm) crm = NULL;

  if (rd_crm_link_get_crm (self->crm_link) != NULL)
    {
      rd_crm_link_connect (self->crm_link);
      return;
    }
  config.url = rd_store_get_setting (self->store, "crm.url");
  if (config.url == NULL)
    return;
  config.kind = rd_store_get_setting (self->store, "crm.kind");
  config.login = rd_store_get_setting (self->store, "crm.login");
  config.cert_sha256 = rd_store_get_setting (self->store, "crm.cert-sha256");
  config.allow_insecure = rd_store_get_setting_int (self->store, "crm.insecure", 0) != 0;
  config.api_key = rd_secrets_get (self->secrets, RD_SECRET_CRM_API_KEY, &error);
  backend = config.api_key != NULL ? rd_crm_find_backend (config.kind, &error) : NULL;
  if (backend != NULL)
    config.options = rd_backend_settings_load (self->store, self->secrets, "crm", backend->options, &error);
  if (config.options != NULL)
    crm = rd_hub_create_crm (self, &config, &error);
  rd_crm_config_clear (&config);
  if (crm == NULL)
    {
      rd_crm_link_set_state (self->crm_link, RD_HUB_CRM_FAILED,
                             error ? error->message : "The CRM API key is missing; run connect-crm again");
      g_warning ("CRM not started: %s", rd_crm_link_get_message (self->crm_link));
      return;
    }
  rd_hub_set_crm (self, crm);
  rd_crm_link_connect (self->crm_link);
}

/* ---- lifecycle ------------------------------------------------------------ */

static void
rd_hub_dispose (GObject *object)
{
  RdHub *self = RD_HUB (object);

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  rd_index_keeper_stop (self->index_keeper);
  g_signal_handlers_disconnect_by_data (self->index_keeper, self);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  rd_hub_outbox_stop (self);
  if (self->admin_server != NULL)
    rd_admin_server_close (self->admin_server);
  g_clear_object (&self->admin_server);
  if (self->console != NULL)
    rd_console_close (self->console);
  g_clear_object (&self->console);
  if (self->listener != NULL)
    rd_listener_close (self->listener);
  g_clear_object (&self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->agent_server);
  if (self->desk != NULL)
    g_object_run_dispose (G_OBJECT (self->desk));   /* sessions may outlive the hub for a moment */
  g_clear_object (&self->desk);
  if (self->crm_link != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->crm_link, self);
      rd_crm_link_stop (self->crm_link);
      rd_hub_set_crm (self, NULL);
    }
  if (self->pbx_link != NULL)
    {
      /* not stopped first (rd_hub_stop_async): the connection must not outlive the hub,
       * whoever else still holds the PBX object for a moment */
      if (rd_pbx_link_get_pbx (self->pbx_link) != NULL)
        g_signal_handlers_disconnect_by_data (rd_pbx_link_get_pbx (self->pbx_link), self);
      g_signal_handlers_disconnect_by_data (self->pbx_link, self);
      rd_pbx_link_set_pbx (self->pbx_link, NULL);
    }
  if (self->calls != NULL)
    {
      /* lookups in flight hold the table: it must not reach the hub any more */
      g_signal_handlers_disconnect_by_data (self->calls, self);
      g_object_run_dispose (G_OBJECT (self->calls));
    }
  g_clear_object (&self->calls);
  G_OBJECT_CLASS (rd_hub_parent_class)->dispose (object);
}

static void
rd_hub_finalize (GObject *object)
{
  RdHub *self = RD_HUB (object);

  rd_hub_options_clear (&self->options);
  rd_hub_settings_clear (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->activity);
  g_clear_object (&self->admin);
  g_clear_object (&self->index);
  g_clear_object (&self->bindings);
  g_clear_object (&self->audit);
  g_clear_object (&self->secrets);
  g_clear_object (&self->store);
  g_clear_object (&self->pbx_link);
  g_clear_object (&self->outbox);
  g_clear_object (&self->crm_link);
  g_clear_object (&self->index_keeper);
  G_OBJECT_CLASS (rd_hub_parent_class)->finalize (object);
}

static void
rd_hub_class_init (RdHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_hub_dispose;
  object_class->finalize = rd_hub_finalize;

  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", RD_TYPE_HUB, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_hub_init (RdHub *self)
{
  self->cancellable = g_cancellable_new ();
  self->crm_link = rd_crm_link_new ();
  g_signal_connect (self->crm_link, "state-changed", G_CALLBACK (on_crm_state_changed), self);
  g_signal_connect (self->crm_link, "connected", G_CALLBACK (on_crm_connected), self);
  g_signal_connect (self->crm_link, "reachable-again", G_CALLBACK (on_crm_reachable_again), self);
  self->retry_base = 5;
  self->retry_max = 600;
  self->index_keeper = rd_index_keeper_new (RD_HUB_CONTEXT (self));
  g_signal_connect (self->index_keeper, "filled", G_CALLBACK (on_index_filled), self);
}

RdHub *
rd_hub_new (const RdHubOptions *options)
{
  RdHub *self = g_object_new (RD_TYPE_HUB, NULL);

  if (options != NULL)
    {
      self->options.listen_address = g_strdup (options->listen_address);
      self->options.port = options->port;
      self->options.database_path = g_strdup (options->database_path);
      self->options.tls_certificate = g_strdup (options->tls_certificate);
      self->options.tls_key = g_strdup (options->tls_key);
      self->options.admin_socket = g_strdup (options->admin_socket);
      self->options.secrets_dir = g_strdup (options->secrets_dir);
      self->options.console_address = g_strdup (options->console_address);
      self->options.console_port = options->console_port;
    }
  return self;
}

void
rd_hub_set_retry_policy (RdHub *self, guint base_seconds, guint max_seconds)
{
  g_return_if_fail (RD_IS_HUB (self));
  self->retry_base = MAX (base_seconds, 1);
  self->retry_max = MAX (max_seconds, self->retry_base);
  if (self->store != NULL)
    rd_store_outbox_set_backoff (self->store, self->retry_base, self->retry_max);
}

void
rd_hub_set_index_refresh (RdHub *self, guint seconds)
{
  guint reconcile;

  g_return_if_fail (RD_IS_HUB (self));
  rd_index_keeper_get_periods (self->index_keeper, NULL, &reconcile);
  rd_index_keeper_set_periods (self->index_keeper, seconds, reconcile);
}

void
rd_hub_set_index_reconcile (RdHub *self, guint seconds)
{
  guint refresh;

  g_return_if_fail (RD_IS_HUB (self));
  rd_index_keeper_get_periods (self->index_keeper, &refresh, NULL);
  rd_index_keeper_set_periods (self->index_keeper, refresh, seconds);
}

void
rd_hub_set_index_limits (RdHub *self, const RdIndexSyncLimits *limits)
{
  g_return_if_fail (RD_IS_HUB (self));
  g_return_if_fail (limits != NULL);
  rd_index_keeper_set_limits (self->index_keeper, limits);
}

static gboolean
listen_agent (RdHub *self, GError **error)
{
  const char *address = self->options.listen_address != NULL ? self->options.listen_address : "127.0.0.1";
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  guint limit, max_pending = 0, max_per_peer = 0;

  if (g_str_equal (address, "localhost"))
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The listen address “%s” is not an IP address", address);
      return FALSE;
    }
  if (self->options.port > 65535)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The port %u is out of range", self->options.port);
      return FALSE;
    }

  self->tls = self->options.tls_certificate != NULL && self->options.tls_key != NULL;
  if (!self->tls && !g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Listening on %s needs a TLS certificate and key; plain HTTP is for loopback only",
                   address);
      return FALSE;
    }

  if (self->tls)
    {
      certificate = g_tls_certificate_new_from_files (self->options.tls_certificate, self->options.tls_key, error);
      if (certificate == NULL)
        {
          g_prefix_error (error, "Cannot load the TLS certificate: ");
          return FALSE;
        }
    }
  /* Connections are accepted (and TLS is done) by the listener, which caps and times out those
   * that have not signed in yet, then handed to this server. */
  self->server = soup_server_new ("server-header", "ringdesk-hub", NULL);
  rd_http_server_close_after_response (self->server);
  self->listener = rd_listener_new (self->server, certificate);

  self->desk = rd_hub_desk_new (RD_HUB_CONTEXT (self), self->store, self->bindings, self->index, self->calls);
  self->agent_server = rd_desk_server_new (RD_DESK_BACKEND (self->desk));
  if (!rd_desk_server_set_store (self->agent_server, self->store, error))
    return FALSE;
  rd_desk_server_set_listener (self->agent_server, self->listener);
  rd_desk_server_attach (self->agent_server, self->server);

  socket_address = g_inet_socket_address_new (inet, (guint16) self->options.port);
  if (!rd_listener_listen (self->listener, socket_address, error))
    {
      g_prefix_error (error, "Cannot listen on %s port %u: ", address, self->options.port);
      return FALSE;
    }
  self->port = rd_listener_get_port (self->listener);
  limit = rd_listener_descriptor_limit ();
  rd_listener_get_limits (self->listener, &max_pending, &max_per_peer);
  if (limit > 0 && limit < 4096)
    g_message ("Warning: this process may open only %u files: that limits the agents signed in at once to a few "
               "hundred. Raise it (LimitNOFILE= in the service, ulimit -n in a shell); see docs/hub-admin.md",
               limit);
  g_debug ("Pending agent connections: at most %u, %u per address", max_pending, max_per_peer);
  return TRUE;
}

static gboolean
start_console (RdHub *self, GError **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (self->tls)
    {
      certificate = g_tls_certificate_new_from_files (self->options.tls_certificate, self->options.tls_key, error);
      if (certificate == NULL)
        {
          g_prefix_error (error, "Cannot load the TLS certificate: ");
          return FALSE;
        }
    }
  self->console = rd_console_new (self, self->store);
  return rd_console_listen (self->console, self->options.console_address, self->options.console_port,
                            certificate, error);
}

gboolean
rd_hub_start (RdHub *self, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  self->store = rd_store_open (self->options.database_path ? self->options.database_path : ":memory:", error);
  if (self->store == NULL)
    return FALSE;
  rd_store_outbox_set_backoff (self->store, self->retry_base, self->retry_max);
  self->bindings = rd_bindings_new (self->store, error);
  if (self->bindings == NULL)
    return FALSE;
  self->index = rd_phone_index_new (self->store, error);
  if (self->index == NULL)
    return FALSE;
  rd_index_keeper_set_index (self->index_keeper, self->index);
  self->audit = rd_audit_log_new (self->store, error);
  if (self->audit == NULL)
    return FALSE;
  self->secrets = rd_secrets_new (self->options.secrets_dir, g_getenv ("CREDENTIALS_DIRECTORY"));
  self->pbx_link = rd_pbx_link_new (self->store, self->secrets);
  g_signal_connect (self->pbx_link, "state-changed", G_CALLBACK (on_pbx_state_changed), self);
  rd_hub_load_settings (self);
  if (!rd_hub_outbox_init (self, error))
    return FALSE;
  self->calls = rd_call_table_new (RD_HUB_CONTEXT (self), self->store, self->bindings);
  g_signal_connect (self->calls, "send", G_CALLBACK (rd_hub_on_calls_send), self);
  rd_call_table_restore (self->calls);
  self->activity = rd_hub_activity_new (RD_HUB_CONTEXT (self), RD_HUB_CONTROL (self), self->store, self->bindings,
                                        self->audit);

  if (!listen_agent (self, error))
    return FALSE;
  {
    RdHubAdminParts parts = {
      .store = self->store, .secrets = self->secrets, .bindings = self->bindings, .index = self->index,
      .crm_link = self->crm_link, .pbx_link = self->pbx_link, .calls = self->calls, .outbox = self->outbox,
      .desk_server = self->agent_server,
    };

    self->admin = rd_hub_admin_new (RD_HUB_CONTEXT (self), RD_HUB_CONTROL (self), &parts);
  }

  if (self->options.admin_socket != NULL)
    {
      self->admin_server = rd_admin_server_new (self);
      if (!rd_admin_server_listen (self->admin_server, self->options.admin_socket, error))
        return FALSE;
    }
  if (self->options.console_address != NULL && !start_console (self, error))
    return FALSE;

  self->started = TRUE;
  g_message ("Listening for agents on %s://%s:%u/agent/v1", self->tls ? "wss" : "ws",
             self->options.listen_address ? self->options.listen_address : "127.0.0.1", self->port);
  rd_hub_start_saved_pbx (self);
  connect_saved_crm (self);
  rd_index_keeper_start (self->index_keeper);
  rd_hub_outbox_kick (self);
  return TRUE;
}

guint
rd_hub_get_port (RdHub *self)
{
  g_return_val_if_fail (RD_IS_HUB (self), 0);
  return self->port;
}

char *
rd_hub_get_agent_url (RdHub *self)
{
  const char *address;
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (RD_IS_HUB (self), NULL);

  address = self->options.listen_address != NULL ? self->options.listen_address : "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL || g_inet_address_get_is_any (inet))
    address = inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "::1" : "127.0.0.1";
  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%u/agent/v1", self->tls ? "wss" : "ws", address, self->port);
  return g_strdup_printf ("%s://%s:%u/agent/v1", self->tls ? "wss" : "ws", address, self->port);
}

char *
rd_hub_issue_console_link (RdHub *self, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB (self), NULL);

  if (self->console == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE,
                           "The web console is switched off ([console] enabled=false in the configuration)");
      return NULL;
    }
  return rd_console_issue_link (self->console, error);
}

static void
pbx_released_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  rd_pbx_link_release_finish (RD_PBX_LINK (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

void
rd_hub_stop_async (RdHub *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (RD_IS_HUB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_stop_async);
  self->stopping = TRUE;
  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  rd_index_keeper_stop (self->index_keeper);
  rd_hub_outbox_stop (self);
  if (self->admin_server != NULL)
    rd_admin_server_close (self->admin_server);
  if (self->console != NULL)
    rd_console_close (self->console);
  if (self->listener != NULL)
    rd_listener_close (self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  rd_crm_link_stop (self->crm_link);

  if (self->pbx_link != NULL && rd_pbx_link_get_pbx (self->pbx_link) != NULL)
    {
      g_signal_handlers_disconnect_by_data (rd_pbx_link_get_pbx (self->pbx_link), self);
      rd_pbx_link_release_async (self->pbx_link, cancellable, pbx_released_cb, g_steal_pointer (&task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

gboolean
rd_hub_stop_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- status --------------------------------------------------------------- */

static void
set_string_or_null (JsonObject *object, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* Calls in progress: distinct call ids among the live legs. */
static guint
count_live_calls (RdHub *self)
{
  return self->calls != NULL ? rd_call_table_count_calls (self->calls) : 0;
}

/* What an administrator must know about the hub's own set-up (human sentences). */
static JsonArray *
status_warnings (const char *pbx_url, const char *crm_url)
{
  JsonArray *warnings = json_array_new ();

  if (rd_tls_pin_url_is_insecure (pbx_url))
    json_array_add_string_element (warnings, "The PBX is reached over plain http:// (allowed with --insecure-http): "
                                             "its client secret, tokens and call data travel unencrypted");
  if (rd_tls_pin_url_is_insecure (crm_url))
    json_array_add_string_element (warnings, "The CRM is reached over plain http:// (allowed with --insecure-http): "
                                             "its API key and call data travel unencrypted");
  return warnings;
}

/* The first fill under way: how far it got (the CRM gives no total to count down from). */
static void
index_fill_to_json (RdHub *self, JsonObject *status)
{
  RdCrmKind kind;
  gint64 read;

  RdIndexSync *sync = rd_index_keeper_get_sync (self->index_keeper);

  if (rd_index_keeper_is_filled (self->index_keeper) || sync == NULL || !rd_index_sync_get_fill (sync, &kind, &read))
    return;
  json_object_set_int_member (status, "index_fill_read", read);
  /* The contacts' space holds individuals and companies; the console says "people". */
  json_object_set_string_member (status, "index_fill_kind",
                                 rd_crm_kind_to_string (kind & RD_CRM_KIND_INDIVIDUAL ? RD_CRM_KIND_INDIVIDUAL : kind));
}

/* The backend's "kind" (NULL: none configured) and its "options" that are not secrets, by their
 * admin API names: whatever the backend, nothing here names one. */
static void
backend_to_json (RdHub *self, JsonObject *object, const char *prefix, gboolean configured)
{
  g_autofree char *key = g_strconcat (prefix, ".kind", NULL);
  g_autofree char *kind = rd_store_get_setting (self->store, key);
  const RdOptionSpec *specs = NULL;

  if (g_str_equal (prefix, "pbx"))
    {
      const RdPbxBackend *backend = kind != NULL || configured ? rd_pbx_find_backend (kind, NULL) : NULL;

      specs = backend != NULL ? backend->options : NULL;
      if (kind == NULL && backend != NULL)   /* saved before kinds were recorded: the default */
        kind = g_strdup (backend->kind);
    }
  else
    {
      const RdCrmBackend *backend = kind != NULL || configured ? rd_crm_find_backend (kind, NULL) : NULL;

      specs = backend != NULL ? backend->options : NULL;
      if (kind == NULL && backend != NULL)
        kind = g_strdup (backend->kind);
    }
  set_string_or_null (object, "kind", kind);
  json_object_set_object_member (object, "options", rd_backend_settings_to_json (self->store, prefix, specs));
}

JsonObject *
rd_hub_get_status_json (RdHub *self)
{
  JsonObject *status = json_object_new ();
  JsonObject *pbx = json_object_new ();
  JsonObject *crm = json_object_new ();
  JsonObject *sync = json_object_new ();
  JsonObject *autocreate = json_object_new ();
  JsonObject *outbox = json_object_new ();
  RdPbx *current;
  g_autofree char *pbx_url = NULL;
  g_autofree char *pbx_pin = NULL;
  g_autofree char *crm_pin = NULL;
  g_autofree char *crm_url = NULL;
  g_autofree char *crm_login = NULL;
  const RdCrmInfo *info;
  char kinds[64];

  g_return_val_if_fail (RD_IS_HUB (self), status);

  json_object_set_string_member (status, "hub", self->started ? "ok" : "stopped");
  json_object_set_string_member (status, "version", PACKAGE_VERSION);
  json_object_set_int_member (status, "port", self->port);
  json_object_set_boolean_member (status, "tls", self->tls);

  if (self->store == NULL)
    {
      json_object_unref (pbx);
      json_object_unref (crm);
      json_object_unref (sync);
      json_object_unref (autocreate);
      json_object_unref (outbox);
      return status;
    }

  current = rd_hub_get_pbx (self);
  pbx_url = rd_store_get_setting (self->store, "pbx.url");
  pbx_pin = rd_store_get_setting (self->store, "pbx.cert-sha256");
  json_object_set_string_member (pbx, "state", current != NULL ? rd_pbx_state_to_string (rd_pbx_get_state (current))
                                                                : pbx_url != NULL ? "failed" : "not-configured");
  set_string_or_null (pbx, "message", current != NULL ? rd_pbx_get_state_message (current)
                                                      : self->pbx_link != NULL ? rd_pbx_link_get_problem (self->pbx_link)
                                                                               : NULL);
  set_string_or_null (pbx, "url", pbx_url);
  set_string_or_null (pbx, "cert_sha256", pbx_pin);
  backend_to_json (self, pbx, "pbx", pbx_url != NULL);
  json_object_set_boolean_member (pbx, "insecure", rd_tls_pin_url_is_insecure (pbx_url));
  json_object_set_object_member (status, "pbx", pbx);

  crm_url = rd_store_get_setting (self->store, "crm.url");
  crm_login = rd_store_get_setting (self->store, "crm.login");
  info = rd_crm_link_get_crm (self->crm_link) != NULL ? rd_crm_get_info (rd_crm_link_get_crm (self->crm_link)) : NULL;
  json_object_set_string_member (crm, "state", rd_hub_crm_state_string (self));
  set_string_or_null (crm, "message", rd_crm_link_get_message (self->crm_link));
  set_string_or_null (crm, "url", crm_url);
  backend_to_json (self, crm, "crm", crm_url != NULL);
  set_string_or_null (crm, "login", crm_login);
  set_string_or_null (crm, "version", info != NULL ? info->version : NULL);
  crm_pin = rd_store_get_setting (self->store, "crm.cert-sha256");
  set_string_or_null (crm, "cert_sha256", crm_pin);
  json_object_set_string_member (crm, "log_style",
                                 rd_store_get_setting_int (self->store, "crm.log-style", RD_CRM_LOG_ACTIVITY)
                                 == RD_CRM_LOG_NOTE ? "note" : "activity");
  if (info != NULL)
    json_object_set_object_member (crm, "features", rd_hub_crm_info_to_json (info));
  set_string_or_null (crm, "region", rd_hub_region (self));
  set_string_or_null (crm, "region_setting", self->settings.region);   /* NULL: the CRM company's */
  set_string_or_null (crm, "region_note", rd_hub_region_note (self));
  json_object_set_boolean_member (crm, "enabled", self->settings.enabled);
  json_object_set_boolean_member (crm, "insecure", rd_tls_pin_url_is_insecure (crm_url));
  json_object_set_object_member (status, "crm", crm);
  json_object_set_array_member (status, "warnings", status_warnings (pbx_url, crm_url));

  json_object_set_boolean_member (sync, "enabled", self->settings.sync_enabled);
  json_object_set_string_member (sync, "kinds", rd_hub_kind_string (self->settings.sync_kinds, kinds));
  json_object_set_int_member (sync, "phonebook_id", self->settings.sync_phonebook_id);
  set_string_or_null (sync, "phonebook", self->settings.sync_phonebook_name);
  json_object_set_object_member (status, "sync", sync);

  json_object_set_boolean_member (autocreate, "enabled", self->settings.autocreate_enabled);
  json_object_set_string_member (autocreate, "calls", calls_to_string (self->settings.autocreate_calls));
  json_object_set_string_member (autocreate, "as", rd_crm_kind_to_string (self->settings.autocreate_kind));
  {
    const char *note = NULL;

    json_object_set_string_member (autocreate, "creates", rd_hub_autocreate_creates (self, &note));
    set_string_or_null (autocreate, "note", note);
  }
  json_object_set_string_member (autocreate, "prefix", self->settings.autocreate_prefix);
  json_object_set_object_member (status, "autocreate", autocreate);

  json_object_set_int_member (status, "bindings", rd_bindings_count (self->bindings));
  json_object_set_int_member (status, "agents",
                              self->agent_server ? rd_desk_server_count_sessions (self->agent_server) : 0);
  if (self->listener != NULL)
    {
      JsonObject *connections = json_object_new ();
      guint max_pending = 0, max_per_peer = 0;

      rd_listener_get_limits (self->listener, &max_pending, &max_per_peer);
      json_object_set_int_member (connections, "pending", rd_listener_count_pending (self->listener));
      json_object_set_int_member (connections, "max_pending", max_pending);
      json_object_set_int_member (connections, "max_pending_per_address", max_per_peer);
      json_object_set_int_member (connections, "closed_by_caps", rd_listener_count_evicted (self->listener));
      json_object_set_int_member (connections, "timed_out", rd_listener_count_timed_out (self->listener));
      json_object_set_object_member (status, "connections", connections);
    }
  json_object_set_int_member (outbox, "pending", rd_store_outbox_count (self->store, RD_OUTBOX_PENDING) +
                                                 rd_store_outbox_count (self->store, RD_OUTBOX_CLAIMED));
  json_object_set_int_member (outbox, "done", rd_store_outbox_count (self->store, RD_OUTBOX_DONE));
  json_object_set_int_member (outbox, "dead", rd_store_outbox_count (self->store, RD_OUTBOX_DEAD));
  json_object_set_object_member (status, "outbox", outbox);
  json_object_set_int_member (status, "index_numbers", rd_phone_index_count_numbers (self->index));
  json_object_set_boolean_member (status, "index_ready", rd_index_keeper_is_filled (self->index_keeper));
  if (rd_index_keeper_get_sync (self->index_keeper) != NULL)
    json_object_set_object_member (status, "index", rd_index_sync_get_status (rd_index_keeper_get_sync (self->index_keeper)));
  index_fill_to_json (self, status);
  json_object_set_boolean_member (status, "console", self->console != NULL);
  if (self->console != NULL)
    {
      g_autofree char *console_url = rd_console_get_url (self->console);

      json_object_set_string_member (status, "console_url", console_url);
    }
  json_object_set_int_member (status, "index_refreshed", rd_index_keeper_get_refreshed (self->index_keeper));
  json_object_set_int_member (status, "calls_in_progress", count_live_calls (self));
  return status;
}

/* ---- accessors for tests --------------------------------------------------- */

RdStore *
rd_hub_get_store (RdHub *self)
{
  return self->store;
}

RdPhoneIndex *
rd_hub_get_phone_index (RdHub *self)
{
  return self->index;
}

RdDeskServer *
rd_hub_get_agent_server (RdHub *self)
{
  return self->agent_server;
}

RdListener *
rd_hub_get_listener (RdHub *self)
{
  return self->listener;
}

RdPbx *
rd_hub_get_pbx (RdHub *self)
{
  return self->pbx_link != NULL ? rd_pbx_link_get_pbx (self->pbx_link) : NULL;
}

RdCrm *
rd_hub_get_crm (RdHub *self)
{
  return rd_crm_link_get_crm (self->crm_link);
}
