/* rd-hub-admin.c — the integration's administration: connect, bind, sync, auto-create,
 * enable / disable, disconnect, agent keys. Each operation verifies before it saves. */
#include "config.h"

#include "hub/rd-hub-admin.h"

#include "core/rd-error.h"
#include "core/rd-text.h"
#include "core/rd-tls-pin.h"
#include "hub/rd-backend-settings.h"
#include "hub/rd-tls-probe.h"

#include <string.h>

struct _RdHubAdmin
{
  GObject         parent_instance;
  RdHubContext   *context;        /* not owned: the engine owns the admin */
  RdHubControl   *control;        /* the same engine */
  RdStore        *store;
  RdSecrets      *secrets;
  RdBindings     *bindings;
  RdPhoneIndex   *index;
  RdCrmLink      *crm_link;
  RdPbxLink      *pbx_link;
  RdCallTable    *calls;
  RdOutboxWorker *outbox;
  RdDeskServer   *agent_server;   /* or NULL */
};

G_DEFINE_FINAL_TYPE (RdHubAdmin, rd_hub_admin, G_TYPE_OBJECT)

#define PBX_VERIFY_TIMEOUT_S 20
#define MAX_PREFIX 64

/* The address and pin rules of core/rd-tls-pin.h, checked before anything is contacted. */
static gboolean
check_server (const char *url, const char *pin, gboolean allow_insecure, const char *what, GError **error)
{
  g_autofree char *digest = NULL;

  if (url == NULL || !rd_text_is_setting (url, 2048))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s address must be an http:// or https:// URL", what);
      return FALSE;
    }
  if (pin != NULL && *pin != '\0' && (digest = rd_tls_pin_normalize (pin, error)) == NULL)
    return FALSE;
  return rd_tls_pin_check_url (url, pin != NULL && *pin != '\0', allow_insecure, what, error);
}

static gboolean
require_field (const char *value, const char *what, GError **error)
{
  if (value == NULL || *value == '\0' || !rd_text_is_setting (value, 1024))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s is missing or not usable", what);
      return FALSE;
    }
  return TRUE;
}

/* Why numbers without a country code cannot be read, or NULL. */
static const char *
region_note (RdHubAdmin *self)
{
  return rd_hub_settings_region_note (rd_hub_context_get_region (self->context), rd_hub_context_get_crm (self->context));
}

static gboolean
require_crm_configured (RdHubAdmin *self, GError **error)
{
  if (rd_crm_link_get_state (self->crm_link) == RD_HUB_CRM_NOT_CONFIGURED)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "No CRM is connected; run connect-crm first");
      return FALSE;
    }
  return TRUE;
}

static gboolean
require_crm_connected (RdHubAdmin *self, GError **error)
{
  if (!require_crm_configured (self, error))
    return FALSE;
  if (rd_crm_link_get_state (self->crm_link) != RD_HUB_CRM_CONNECTED)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The CRM is not reachable: %s",
                   rd_crm_link_get_message (self->crm_link) ? rd_crm_link_get_message (self->crm_link) : "connecting");
      return FALSE;
    }
  return TRUE;
}

static gboolean
require_pbx_connected (RdHubAdmin *self, GError **error)
{
  RdPbx *pbx = rd_pbx_link_get_pbx (self->pbx_link);

  if (pbx == NULL || rd_pbx_get_state (pbx) != RD_PBX_STATE_CONNECTED)
    {
      const char *message = pbx != NULL ? rd_pbx_get_state_message (pbx) : NULL;

      g_set_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The PBX is not connected%s%s",
                   message ? ": " : "; run connect-pbx first", message ? message : "");
      return FALSE;
    }
  return TRUE;
}

/* ---- connect the PBX --------------------------------------------------------- */

typedef struct {
  RdPbx       *pbx;
  RdPbxConfig  config;
  const RdPbxBackend *backend;
  gulong       handler;
  guint        timeout_id;
  gboolean     replaced;    /* the running connection to the same PBX was released to verify */
} PbxConnect;

static void
pbx_connect_free (PbxConnect *data)
{
  if (data->handler != 0)
    g_signal_handler_disconnect (data->pbx, data->handler);
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_object (&data->pbx);
  rd_pbx_config_clear (&data->config);
  g_free (data);
}

static void
candidate_stopped_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  rd_pbx_stop_finish (RD_PBX (source), result, NULL);
}

static void
pbx_connect_done (GTask *task, gboolean connected, const char *reason)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  PbxConnect *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *old_url = NULL;
  gboolean ok;

  g_signal_handler_disconnect (data->pbx, data->handler);
  data->handler = 0;
  g_clear_handle_id (&data->timeout_id, g_source_remove);

  if (!connected)
    {
      rd_hub_control_detach_pbx (self->control, data->pbx);
      rd_pbx_stop_async (data->pbx, NULL, candidate_stopped_cb, NULL);
      if (data->replaced)
        rd_hub_control_start_saved_pbx (self->control);   /* back to what worked */
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_FAILED, "Could not connect to the PBX: %s",
                               reason && *reason ? reason : "no reason given");
      g_object_unref (task);
      return;
    }

  old_url = rd_store_get_setting (self->store, "pbx.url");
  ok = rd_backend_settings_save_secrets (self->secrets, "pbx", data->backend->options, data->config.options, &error) &&
       rd_store_begin (self->store, &error);
  if (ok)
    {
      ok = rd_store_set_setting (self->store, "pbx.url", data->config.base_url, &error) &&
           rd_backend_settings_save (self->store, "pbx", data->backend->kind, data->backend->options,
                                     data->config.options, &error) &&
           rd_store_set_setting (self->store, "pbx.cert-sha256", data->config.cert_sha256, &error) &&
           rd_store_set_setting_int (self->store, "pbx.insecure", data->config.allow_insecure, &error) &&
           (g_strcmp0 (old_url, data->config.base_url) == 0 ||
            rd_store_set_setting_int (self->store, "pbx.high-water-mark", rd_pbx_link_get_saved_mark (self->pbx_link), &error)) &&
           rd_store_commit (self->store, &error);
      if (!ok)
        rd_store_rollback (self->store);
    }
  if (!ok)
    {
      rd_hub_control_detach_pbx (self->control, data->pbx);
      rd_pbx_stop_async (data->pbx, NULL, candidate_stopped_cb, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  g_message ("PBX connected and saved");
  rd_pbx_link_clear_problem (self->pbx_link);
  if (g_strcmp0 (old_url, data->config.base_url) != 0)
    rd_call_table_end_all (self->calls);   /* calls on the PBX we leave are no longer ours to follow */
  rd_hub_control_set_pbx (self->control, data->pbx);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Verifying is one attempt: the first failure is the answer (the administrator sees
 * the reason at once and can run the command again), not a retry loop that would keep
 * the command waiting for PBX_VERIFY_TIMEOUT_S. */
static void
candidate_state_cb (RdPbx *pbx, int state, const char *message, gpointer user_data)
{
  if (state == RD_PBX_STATE_CONNECTED)
    pbx_connect_done (user_data, TRUE, NULL);
  else if (state == RD_PBX_STATE_FAILED || state == RD_PBX_STATE_RECONNECTING)
    pbx_connect_done (user_data, FALSE, message);
}

static gboolean
candidate_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  PbxConnect *data = g_task_get_task_data (task);
  const char *message = rd_pbx_get_state_message (data->pbx);

  data->timeout_id = 0;
  pbx_connect_done (task, FALSE, message ? message : "no answer in time");
  return G_SOURCE_REMOVE;
}

/* Verification starts: one attempt, answered by the first state it reaches (or the timeout). */
static void
start_candidate (GTask *task)
{
  PbxConnect *data = g_task_get_task_data (task);

  data->timeout_id = g_timeout_add_seconds (PBX_VERIFY_TIMEOUT_S, candidate_timeout_cb, task);
  rd_pbx_start (data->pbx);   /* the task is owned by the pending verification */
}

static void
replaced_pbx_released_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  rd_pbx_link_release_finish (RD_PBX_LINK (source), result, NULL);
  start_candidate (user_data);
}

void
rd_hub_admin_connect_pbx_async (RdHubAdmin *self, const RdPbxConfig *config, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_url = NULL;
  g_autofree char *saved_url = NULL;
  g_autoptr(RdOptions) options = NULL;
  const RdPbxBackend *backend;
  gboolean same_account;
  PbxConnect *data;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));
  g_return_if_fail (config != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_admin_connect_pbx_async);
  if (!rd_hub_control_is_running (self->control))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
      return;
    }
  /* The saved secret only ever goes back to the saved PBX: pointing the hub at another address
   * must not hand it over (it can dial from any extension). */
  saved_url = rd_store_get_setting (self->store, "pbx.url");
  options = rd_options_copy (config->options);
  if (!check_server (config->base_url, config->cert_sha256, config->allow_insecure, "PBX", &error) ||
      (backend = rd_pbx_find_backend (config->kind, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (saved_url != NULL && g_strcmp0 (saved_url, config->base_url) == 0)
    rd_backend_settings_fill_secrets (self->secrets, "pbx", backend->options, options);
  if (!rd_options_validate (options, backend->options, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (PbxConnect, 1);
  rd_pbx_config_copy (config, &data->config);
  g_clear_pointer (&data->config.session_state, g_free);   /* a new connection starts its own session */
  g_free (data->config.kind);
  data->config.kind = g_strdup (backend->kind);
  g_clear_pointer (&data->config.options, rd_options_unref);
  data->config.options = g_steal_pointer (&options);
  data->backend = backend;
  g_task_set_task_data (task, data, (GDestroyNotify) pbx_connect_free);

  data->pbx = rd_pbx_new (&data->config, &error);
  if (data->pbx == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The same PBX keeps its catch-up mark; a new one starts from now. */
  old_url = rd_store_get_setting (self->store, "pbx.url");
  same_account = rd_backend_settings_same_account (self->store, "pbx", backend->kind, backend->options,
                                                   data->config.options);
  rd_pbx_link_load_mark (self->pbx_link, data->pbx, g_strcmp0 (old_url, config->base_url) == 0);
  if (g_strcmp0 (old_url, config->base_url) == 0)
    {
      g_autoptr(GPtrArray) legs = rd_call_table_dup_legs (self->calls);

      rd_pbx_adopt_calls (data->pbx, legs);   /* the same PBX: its calls go on */
    }

  /* Records that arrive while verifying are kept: wire the engine before starting. */
  rd_hub_control_attach_pbx (self->control, data->pbx);
  data->handler = g_signal_connect (data->pbx, "state-changed", G_CALLBACK (candidate_state_cb), task);

  /* Connecting the same PBX with the same API client again (a new secret, a new pin): the
   * running connection gives its token back first, so that verifying does not need a second
   * one from a PBX that may allow a single token per client. */
  if (rd_pbx_link_get_pbx (self->pbx_link) != NULL && g_strcmp0 (old_url, config->base_url) == 0 && same_account)
    {
      data->replaced = TRUE;
      rd_hub_control_detach_pbx (self->control, rd_pbx_link_get_pbx (self->pbx_link));
      rd_pbx_link_release_async (self->pbx_link, NULL, replaced_pbx_released_cb, g_steal_pointer (&task));
      rd_hub_control_status_changed (self->control);
      return;
    }
  start_candidate (g_steal_pointer (&task));
}

gboolean
rd_hub_admin_connect_pbx_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- connect the CRM ---------------------------------------------------------- */

typedef struct {
  RdCrm       *crm;
  RdCrmConfig  config;
  const RdCrmBackend *backend;
} CrmConnect;

static void
crm_connect_free (CrmConnect *data)
{
  g_clear_object (&data->crm);
  rd_crm_config_clear (&data->config);
  g_free (data);
}

static void
crm_verified_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHubAdmin *self = g_task_get_source_object (task);
  CrmConnect *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmInfo) info = rd_crm_connect_finish (RD_CRM (source), result, &error);
  g_autofree char *old_url = NULL;
  gboolean first;
  gboolean ok;

  if (info == NULL)
    {
      g_prefix_error (&error, "Could not connect to the CRM: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  old_url = rd_store_get_setting (self->store, "crm.url");
  first = old_url == NULL;
  ok = rd_secrets_set (self->secrets, RD_SECRET_CRM_API_KEY, data->config.api_key, &error) &&
       rd_backend_settings_save_secrets (self->secrets, "crm", data->backend->options, data->config.options, &error) &&
       rd_store_begin (self->store, &error);
  if (ok)
    {
      ok = rd_store_set_setting (self->store, "crm.url", data->config.url, &error) &&
           rd_backend_settings_save (self->store, "crm", data->backend->kind, data->backend->options,
                                     data->config.options, &error) &&
           rd_store_set_setting (self->store, "crm.login", data->config.login, &error) &&
           rd_store_set_setting (self->store, "crm.cert-sha256", data->config.cert_sha256, &error) &&
           rd_store_set_setting_int (self->store, "crm.insecure", data->config.allow_insecure, &error) &&
           (!first || rd_store_set_setting_int (self->store, "crm.enabled", 1, &error)) &&
           rd_store_commit (self->store, &error);
      if (!ok)
        rd_store_rollback (self->store);
    }
  if (!ok)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  rd_hub_control_reload_settings (self->control);
  rd_hub_control_set_crm (self->control, data->crm);
  rd_crm_link_set_state (self->crm_link, RD_HUB_CRM_CONNECTED, NULL);
  rd_phone_index_set_region (self->index, rd_hub_context_get_region (self->context));
  g_message ("CRM connected and saved (version %s)", info->version ? info->version : "unknown");
  if (region_note (self) != NULL)
    g_warning ("%s", region_note (self));
  rd_hub_control_status_changed (self->control);
  rd_hub_control_refresh_index (self->control);
  rd_hub_control_kick_outbox (self->control);
  g_task_return_boolean (task, TRUE);
}

void
rd_hub_admin_connect_crm_async (RdHubAdmin *self, const RdCrmConfig *config, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_url = NULL;
  g_autofree char *saved_key = NULL;
  g_autoptr(RdOptions) options = NULL;
  const RdCrmBackend *backend;
  CrmConnect *data;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));
  g_return_if_fail (config != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_admin_connect_crm_async);
  if (!rd_hub_control_is_running (self->control))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
      return;
    }
  old_url = rd_store_get_setting (self->store, "crm.url");
  if (config->api_key == NULL && old_url != NULL)
    saved_key = rd_secrets_get (self->secrets, RD_SECRET_CRM_API_KEY, NULL);
  options = rd_options_copy (config->options);
  if (!check_server (config->url, config->cert_sha256, config->allow_insecure, "CRM", &error) ||
      (backend = rd_crm_find_backend (config->kind, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (old_url != NULL)   /* the one CRM there is: its saved secrets, unless given again */
    rd_backend_settings_fill_secrets (self->secrets, "crm", backend->options, options);
  if (!rd_options_validate (options, backend->options, &error) ||
      !require_field (config->login, "administrator login", &error) ||
      !require_field (saved_key != NULL ? saved_key : config->api_key, "API key", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (old_url != NULL && (g_strcmp0 (old_url, config->url) != 0 ||
                          !rd_backend_settings_same_account (self->store, "crm", backend->kind, backend->options,
                                                             options)))
    {
      g_autofree char *account = rd_backend_settings_describe_account (self->store, "crm", backend->options);

      g_task_return_new_error (task, RD_ERROR, RD_ERROR_CONFLICT,
                               "This hub is connected to another CRM (%s%s%s); run disconnect first",
                               old_url, *account ? ", " : "", account);
      return;
    }

  data = g_new0 (CrmConnect, 1);
  rd_crm_config_copy (config, &data->config);
  g_free (data->config.kind);
  data->config.kind = g_strdup (backend->kind);
  g_clear_pointer (&data->config.options, rd_options_unref);
  data->config.options = g_steal_pointer (&options);
  if (saved_key != NULL)
    {
      g_free (data->config.api_key);
      data->config.api_key = g_strdup (saved_key);
      explicit_bzero (saved_key, strlen (saved_key));
    }
  data->backend = backend;
  g_task_set_task_data (task, data, (GDestroyNotify) crm_connect_free);
  data->crm = rd_crm_new (&data->config, &error);
  if (data->crm == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_crm_connect_async (data->crm, cancellable, crm_verified_cb, g_steal_pointer (&task));
}

gboolean
rd_hub_admin_connect_crm_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- users and extensions -------------------------------------------------------- */

/* Fetches CRM users and/or PBX extensions, then calls @then. */
typedef void (*ListsReady) (GTask *task, GPtrArray *users, GPtrArray *extensions);

typedef struct {
  ListsReady  then;
  gboolean    want_users;
  gboolean    want_extensions;
  GPtrArray  *users;        /* RdCrmUser */
  GPtrArray  *extensions;   /* RdExtension */
  char       *extension;    /* bind: the extension asked for */
  char       *user;         /* bind: id, login or e-mail */
  gboolean    force;        /* bind: a non-internal user too */
  gboolean    dry_run;      /* bind --auto: only say what would be done */
  JsonArray  *plan;         /* bind --auto: what was (or would be) done */
} Lists;

static void
lists_free (Lists *lists)
{
  g_clear_pointer (&lists->users, g_ptr_array_unref);
  g_clear_pointer (&lists->extensions, g_ptr_array_unref);
  g_free (lists->extension);
  g_free (lists->user);
  g_clear_pointer (&lists->plan, json_array_unref);
  g_free (lists);
}

static void lists_step (GTask *task);

static void
users_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Lists *lists = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  lists->users = rd_crm_list_users_finish (RD_CRM (source), result, &error);
  if (lists->users == NULL)
    {
      g_prefix_error (&error, "Could not list the CRM users: ");
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  lists_step (task);
}

static void
extensions_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Lists *lists = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  lists->extensions = rd_pbx_list_extensions_finish (RD_PBX (source), result, &error);
  if (lists->extensions == NULL)
    {
      g_prefix_error (&error, "Could not list the PBX extensions: ");
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  lists_step (task);
}

static void
lists_step (GTask *task)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  Lists *lists = g_task_get_task_data (task);

  if (lists->want_users && lists->users == NULL)
    rd_crm_list_users_async (rd_crm_link_get_crm (self->crm_link), g_task_get_cancellable (task), users_listed_cb,
                             task);
  else if (lists->want_extensions && lists->extensions == NULL)
    rd_pbx_list_extensions_async (rd_pbx_link_get_pbx (self->pbx_link), g_task_get_cancellable (task),
                                  extensions_listed_cb, task);
  else
    {
      lists->then (task, lists->users, lists->extensions);
      g_object_unref (task);
    }
}

static void
fetch_lists (RdHubAdmin *self, gboolean users, gboolean extensions, Lists *lists, ListsReady then,
             gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, source_tag);
  lists->then = then;
  lists->want_users = users;
  lists->want_extensions = extensions;
  g_task_set_task_data (task, lists, (GDestroyNotify) lists_free);
  if ((users && !require_crm_connected (self, &error)) || (extensions && !require_pbx_connected (self, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  lists_step (task);
}

static gboolean
same_email (const char *a, const char *b)
{
  g_autofree char *ta = NULL, *tb = NULL;
  g_autofree char *fa = NULL, *fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  ta = g_strstrip (g_strdup (a));
  tb = g_strstrip (g_strdup (b));
  fa = g_utf8_casefold (ta, -1);
  fb = g_utf8_casefold (tb, -1);
  return *fa != '\0' && g_str_equal (fa, fb);
}

static void
set_nullable (JsonObject *object, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* Ends the sessions of @extension (those of agent key @key_id only, when not 0). */
static void
end_sessions (RdHubAdmin *self, const char *extension, gint64 key_id, const char *reason)
{
  if (self->agent_server != NULL)
    rd_desk_server_revoke (self->agent_server, extension, key_id, reason);
}

/* A binding of @extension to @user (borrowing their strings). */
static RdBinding
binding_of (const char *extension, const RdCrmUser *user, const char *how)
{
  RdBinding binding = { 0 };

  binding.extension = (char *) extension;
  binding.user_id = user->id;
  binding.user_name = user->name;
  binding.user_login = user->login;
  binding.user_email = user->email;
  binding.how = (char *) how;
  return binding;
}

static JsonObject *
user_json (const RdCrmUser *user)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", user->id);
  set_nullable (object, "name", user->name);
  set_nullable (object, "login", user->login);
  set_nullable (object, "email", user->email);
  json_object_set_string_member (object, "type", rd_crm_user_type_to_string (user->type));
  return object;
}

/* @why: the reason as a stable code ("not-internal", "shared-email", "user-bound", "failed") for
 * front-ends that say it in their own words; @reason: the same in English. */
static void
plan_add (JsonArray *plan, const char *extension, const RdCrmUser *user, const char *result, const char *why,
          const char *reason)
{
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, "extension", extension);
  json_object_set_object_member (entry, "user", user_json (user));
  json_object_set_string_member (entry, "result", result);
  set_nullable (entry, "reason_code", why);
  set_nullable (entry, "reason", reason);
  json_array_add_object_element (plan, entry);
}

/* Auto-bind trusts an e-mail address, which its owner may be able to change: only internal
 * users (employees) are bound this way, and only when one of them has the address. A portal or
 * public user, who can set their own address in the portal, is only ever bound by hand. */
static void
bind_auto_ready (GTask *task, GPtrArray *users, GPtrArray *extensions)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  Lists *lists = g_task_get_task_data (task);
  JsonArray *plan = json_array_new ();
  guint bound = 0;

  for (guint i = 0; i < extensions->len; i++)
    {
      RdExtension *ext = g_ptr_array_index (extensions, i);
      g_autoptr(RdBinding) existing = rd_bindings_get_by_extension (self->bindings, ext->number);
      g_autoptr(RdBinding) taken = NULL;
      g_autoptr(GError) error = NULL;
      RdCrmUser *internal = NULL, *other = NULL;
      guint n_internal = 0;
      RdBinding binding = { 0 };

      if (existing != NULL || ext->email == NULL || !rd_bindings_extension_is_valid (ext->number))
        continue;
      for (guint j = 0; j < users->len; j++)
        {
          RdCrmUser *user = g_ptr_array_index (users, j);

          if (!same_email (user->email, ext->email) && !same_email (user->login, ext->email))
            continue;
          if (user->type == RD_CRM_USER_INTERNAL)
            {
              internal = user;
              n_internal++;
            }
          else if (other == NULL)
            other = user;
        }
      if (n_internal == 0)
        {
          if (other != NULL)
            plan_add (plan, ext->number, other, "skipped", "not-internal",
                      "not an internal user: portal and public users can change their own e-mail; "
                      "bind by hand (--force) if this is intended");
          continue;
        }
      if (n_internal > 1)
        {
          plan_add (plan, ext->number, internal, "skipped", "shared-email",
                    "several internal users have this e-mail; bind by hand");
          continue;
        }
      taken = rd_bindings_get_by_user (self->bindings, internal->id);
      if (taken != NULL)
        {
          g_autofree char *reason = g_strdup_printf ("already bound to extension %s", taken->extension);

          plan_add (plan, ext->number, internal, "skipped", "user-bound", reason);
          continue;
        }
      if (lists->dry_run)
        {
          plan_add (plan, ext->number, internal, "would-bind", NULL, NULL);
          bound++;
          continue;
        }
      binding = binding_of (ext->number, internal, "auto");
      if (rd_bindings_bind (self->bindings, &binding, &error))
        {
          g_message ("Bound extension %s to CRM user %" G_GINT64_FORMAT " by e-mail", ext->number, internal->id);
          end_sessions (self, ext->number, 0, RD_DESK_REVOKED_REBOUND);
          plan_add (plan, ext->number, internal, "bound", NULL, NULL);
          bound++;
        }
      else
        {
          g_warning ("Auto-bind of extension %s failed: %s", ext->number, error->message);
          plan_add (plan, ext->number, internal, "failed", "failed", error->message);
        }
    }
  lists->plan = plan;
  if (!lists->dry_run)
    rd_hub_control_status_changed (self->control);
  g_task_return_int (task, bound);
}

void
rd_hub_admin_bind_auto_async (RdHubAdmin *self, gboolean dry_run, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  Lists *lists;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));
  lists = g_new0 (Lists, 1);
  lists->dry_run = dry_run;
  fetch_lists (self, TRUE, TRUE, lists, bind_auto_ready, rd_hub_admin_bind_auto_async, cancellable, callback,
               user_data);
}

guint
rd_hub_admin_bind_auto_finish (RdHubAdmin *self, GAsyncResult *result, JsonArray **plan, GError **error)
{
  Lists *lists;
  gssize bound;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  bound = g_task_propagate_int (G_TASK (result), error);
  lists = g_task_get_task_data (G_TASK (result));
  if (plan != NULL)
    *plan = lists->plan != NULL ? json_array_ref (lists->plan) : json_array_new ();
  return bound > 0 ? (guint) bound : 0;
}

static void
bind_ready (GTask *task, GPtrArray *users, GPtrArray *extensions)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  Lists *lists = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdBinding) before = NULL;
  RdCrmUser *user = NULL;
  gboolean ext_found = FALSE;
  gchar *end = NULL;
  gint64 id = g_ascii_strtoll (lists->user, &end, 10);
  RdBinding binding = { 0 };

  for (guint i = 0; i < extensions->len && !ext_found; i++)
    ext_found = g_strcmp0 (((RdExtension *) g_ptr_array_index (extensions, i))->number, lists->extension) == 0;
  if (!ext_found)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NOT_FOUND, "The PBX has no extension %s", lists->extension);
      return;
    }
  for (guint i = 0; i < users->len && user == NULL; i++)
    {
      RdCrmUser *candidate = g_ptr_array_index (users, i);

      if ((end != NULL && *end == '\0' && end != lists->user && candidate->id == id) ||
          g_strcmp0 (candidate->login, lists->user) == 0 || same_email (candidate->email, lists->user))
        user = candidate;
    }
  if (user == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NOT_FOUND, "The CRM has no user “%s”", lists->user);
      return;
    }
  if (user->type != RD_CRM_USER_INTERNAL && !lists->force)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_ACCESS,
                               "“%s” is a %s user, not an employee: such users can change their own name and "
                               "e-mail in the portal, and with an extension would see its calls with caller "
                               "details and dial out on your PBX. Bind anyway with --force if this is intended",
                               user->login ? user->login : lists->user, rd_crm_user_type_to_string (user->type));
      return;
    }
  binding = binding_of (lists->extension, user, "manual");
  before = rd_bindings_get_by_extension (self->bindings, lists->extension);
  if (!rd_bindings_bind (self->bindings, &binding, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (user->type != RD_CRM_USER_INTERNAL)
    g_message ("Bound extension %s to CRM user %" G_GINT64_FORMAT ", a %s user (forced)", lists->extension, user->id,
               rd_crm_user_type_to_string (user->type));
  else
    g_message ("Bound extension %s to CRM user %" G_GINT64_FORMAT, lists->extension, user->id);
  /* A session of the unbound extension must not become the new user's. */
  if (before == NULL)
    end_sessions (self, lists->extension, 0, RD_DESK_REVOKED_REBOUND);
  rd_hub_control_status_changed (self->control);
  g_task_return_boolean (task, TRUE);
}

void
rd_hub_admin_bind_async (RdHubAdmin *self, const char *extension, const char *user, gboolean force,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Lists *lists;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));

  if (!rd_bindings_extension_is_valid (extension) || user == NULL || !rd_text_is_setting (user, 256) || *user == '\0')
    {
      g_task_report_new_error (self, callback, user_data, rd_hub_admin_bind_async, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Usage: bind EXTENSION USER (user id, login or e-mail)");
      return;
    }
  lists = g_new0 (Lists, 1);
  lists->extension = g_strdup (extension);
  lists->user = g_strdup (user);
  lists->force = force;
  fetch_lists (self, TRUE, TRUE, lists, bind_ready, rd_hub_admin_bind_async, cancellable, callback, user_data);
}

gboolean
rd_hub_admin_bind_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
rd_hub_admin_unbind (RdHubAdmin *self, const char *extension, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (!rd_bindings_unbind (self->bindings, extension, error))
    return FALSE;
  end_sessions (self, extension, 0, RD_DESK_REVOKED_UNBOUND);
  g_message ("Unbound extension %s; its agent key and sessions ended", extension);
  rd_hub_control_status_changed (self->control);
  return TRUE;
}

static void
users_ready (GTask *task, GPtrArray *users, GPtrArray *extensions)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < users->len; i++)
    {
      RdCrmUser *user = g_ptr_array_index (users, i);
      g_autoptr(RdBinding) binding = rd_bindings_get_by_user (self->bindings, user->id);
      JsonObject *object = user_json (user);

      json_object_set_boolean_member (object, "admin", user->is_admin);
      set_nullable (object, "extension", binding != NULL ? binding->extension : NULL);
      json_array_add_object_element (array, object);
    }
  g_task_return_pointer (task, array, (GDestroyNotify) json_array_unref);
}

void
rd_hub_admin_list_users_async (RdHubAdmin *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (RD_IS_HUB_ADMIN (self));
  fetch_lists (self, TRUE, FALSE, g_new0 (Lists, 1), users_ready, rd_hub_admin_list_users_async,
               cancellable, callback, user_data);
}

JsonArray *
rd_hub_admin_list_users_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
extensions_ready (GTask *task, GPtrArray *users, GPtrArray *extensions)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < extensions->len; i++)
    {
      RdExtension *ext = g_ptr_array_index (extensions, i);
      g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (self->bindings, ext->number);
      JsonObject *object = json_object_new ();

      set_nullable (object, "number", ext->number);
      set_nullable (object, "name", ext->name);
      set_nullable (object, "email", ext->email);
      set_nullable (object, "extension_id", ext->id);
      json_object_set_boolean_member (object, "agent_key", rd_bindings_has_key (self->bindings, ext->number));
      if (binding != NULL)
        {
          JsonObject *user = json_object_new ();

          json_object_set_int_member (user, "id", binding->user_id);
          set_nullable (user, "name", binding->user_name);
          set_nullable (user, "login", binding->user_login);
          json_object_set_string_member (user, "how", binding->how);
          json_object_set_object_member (object, "user", user);
        }
      else
        json_object_set_null_member (object, "user");
      json_array_add_object_element (array, object);
    }
  g_task_return_pointer (task, array, (GDestroyNotify) json_array_unref);
}

void
rd_hub_admin_list_extensions_async (RdHubAdmin *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (RD_IS_HUB_ADMIN (self));
  fetch_lists (self, FALSE, TRUE, g_new0 (Lists, 1), extensions_ready, rd_hub_admin_list_extensions_async,
               cancellable, callback, user_data);
}

JsonArray *
rd_hub_admin_list_extensions_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- contact sync ------------------------------------------------------------------ */

typedef struct {
  gboolean   enabled;
  RdCrmKind  kinds;
  char      *phonebook;
} SyncRequest;

static void
sync_request_free (SyncRequest *request)
{
  g_free (request->phonebook);
  g_free (request);
}

static void
sync_save (GTask *task, gint64 phonebook_id, const char *phonebook_name)
{
  RdHubAdmin *self = g_task_get_source_object (task);
  SyncRequest *request = g_task_get_task_data (task);
  RdHubSettings s = *rd_hub_context_get_settings (self->context);
  g_autoptr(GError) error = NULL;

  s.sync_enabled = request->enabled;
  if (request->kinds != RD_CRM_KIND_NONE)
    s.sync_kinds = request->kinds;
  if (phonebook_id > 0)
    {
      s.sync_phonebook_id = phonebook_id;
      s.sync_phonebook_name = (char *) phonebook_name;
    }
  if (s.sync_enabled && s.sync_phonebook_id <= 0)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Choose the phonebook for synced contacts (--phonebook NAME or ID)");
      return;
    }
  /* s shares strings with self->settings; save copies them into the store first. */
  s.sync_phonebook_name = g_strdup (s.sync_phonebook_name);
  s.autocreate_prefix = g_strdup (s.autocreate_prefix);
  s.region = g_strdup (s.region);
  if (!rd_hub_control_save_settings (self->control, &s, &error))
    {
      rd_hub_settings_clear (&s);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_hub_settings_clear (&s);
  g_message ("Contact sync %s", request->enabled ? "on" : "off");
  g_task_return_boolean (task, TRUE);
}

static void
phonebook_created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncRequest *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gint64 id = rd_pbx_create_phonebook_finish (RD_PBX (source), result, &error);

  if (id <= 0)
    {
      if (error == NULL)
        error = g_error_new_literal (RD_ERROR, RD_ERROR_PROTOCOL, "The PBX returned no phonebook id");
      g_prefix_error (&error, "Could not create the phonebook “%s”: ", request->phonebook);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_message ("Created phonebook %" G_GINT64_FORMAT " for synced contacts", id);
  sync_save (task, id, request->phonebook);
}

static void
phonebooks_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHubAdmin *self = g_task_get_source_object (task);
  SyncRequest *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) books = rd_pbx_list_phonebooks_finish (RD_PBX (source), result, &error);
  gchar *end = NULL;
  gint64 id = g_ascii_strtoll (request->phonebook, &end, 10);
  gboolean numeric = end != request->phonebook && *end == '\0' && id > 0;
  RdPhonebook *book = NULL;

  if (books == NULL)
    {
      g_prefix_error (&error, "Could not list the PBX phonebooks: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < books->len && book == NULL; i++)
    {
      RdPhonebook *candidate = g_ptr_array_index (books, i);

      if ((numeric && candidate->id == id) || g_strcmp0 (candidate->name, request->phonebook) == 0)
        book = candidate;
    }
  if (book == NULL && numeric)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_NOT_FOUND, "The PBX has no phonebook %" G_GINT64_FORMAT, id);
      return;
    }
  if (book == NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      rd_pbx_create_phonebook_async (rd_pbx_link_get_pbx (self->pbx_link), request->phonebook, cancellable,
                                     phonebook_created_cb, g_steal_pointer (&task));
      return;
    }
  if (book->id != rd_hub_context_get_settings (self->context)->sync_phonebook_id && book->total > 0)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_CONFLICT,
                               "The phonebook “%s” already holds %u contacts; contacts can only be synced "
                               "into an empty phonebook (choose another, or give a new name to create one)",
                               book->name ? book->name : "?", book->total);
      return;
    }
  sync_save (task, book->id, book->name);
}

void
rd_hub_admin_configure_sync_async (RdHubAdmin *self, gboolean enabled, RdCrmKind kinds, const char *phonebook,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SyncRequest *request;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_admin_configure_sync_async);
  if (!require_crm_configured (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if ((kinds & ~RD_CRM_KIND_ALL) != 0)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Kinds are individual, company and lead");
      return;
    }
  if (phonebook != NULL && (*phonebook == '\0' || !rd_text_is_setting (phonebook, 127)))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "The phonebook name is not usable");
      return;
    }
  request = g_new0 (SyncRequest, 1);
  request->enabled = enabled;
  request->kinds = kinds;
  request->phonebook = g_strdup (phonebook);
  g_task_set_task_data (task, request, (GDestroyNotify) sync_request_free);

  if (phonebook == NULL)
    {
      sync_save (task, 0, NULL);
      return;
    }
  if (!require_pbx_connected (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_pbx_list_phonebooks_async (rd_pbx_link_get_pbx (self->pbx_link), cancellable, phonebooks_listed_cb,
                                g_steal_pointer (&task));
}

gboolean
rd_hub_admin_configure_sync_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- auto-create, region, enable ----------------------------------------------------- */

/* Saves a modified copy of the settings; @edit changes the copy. */
static gboolean
update_settings (RdHubAdmin *self, void (*edit) (RdHubSettings *s, gconstpointer data), gconstpointer data,
                 GError **error)
{
  RdHubSettings s = { 0 };
  gboolean ok;

  s = *rd_hub_context_get_settings (self->context);
  s.sync_phonebook_name = g_strdup (s.sync_phonebook_name);
  s.autocreate_prefix = g_strdup (s.autocreate_prefix);
  s.region = g_strdup (s.region);
  edit (&s, data);
  ok = rd_hub_control_save_settings (self->control, &s, error);
  rd_hub_settings_clear (&s);
  return ok;
}

typedef struct {
  gboolean    enabled;
  RdHubCalls  calls;
  RdCrmKind   kind;
  const char *prefix;
} AutocreateEdit;

static void
edit_autocreate (RdHubSettings *s, gconstpointer data)
{
  const AutocreateEdit *edit = data;

  s->autocreate_enabled = edit->enabled;
  if (edit->calls != RD_HUB_CALLS_NONE)
    s->autocreate_calls = edit->calls;
  if (edit->kind != RD_CRM_KIND_NONE)
    s->autocreate_kind = edit->kind;
  if (edit->prefix != NULL)
    {
      g_free (s->autocreate_prefix);
      s->autocreate_prefix = g_strdup (edit->prefix);
    }
}

gboolean
rd_hub_admin_configure_autocreate (RdHubAdmin *self, gboolean enabled, RdHubCalls calls, RdCrmKind kind,
                                   const char *prefix, GError **error)
{
  AutocreateEdit edit = { enabled, calls, kind, prefix };

  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (!require_crm_configured (self, error))
    return FALSE;
  if ((calls & ~RD_HUB_CALLS_BOTH) != 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Call types are inbound and outbound");
      return FALSE;
    }
  if (kind != RD_CRM_KIND_NONE && kind != RD_CRM_KIND_INDIVIDUAL && kind != RD_CRM_KIND_LEAD)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "New records are individuals or leads");
      return FALSE;
    }
  if (prefix != NULL && !rd_text_is_setting (prefix, MAX_PREFIX))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The name prefix must be text of at most %d bytes without control characters", MAX_PREFIX);
      return FALSE;
    }
  if (!update_settings (self, edit_autocreate, &edit, error))
    return FALSE;
  g_message ("Auto-create %s", enabled ? "on" : "off");
  return TRUE;
}

static void
edit_region (RdHubSettings *s, gconstpointer data)
{
  g_free (s->region);
  s->region = g_strdup (data);
}

gboolean
rd_hub_admin_set_region (RdHubAdmin *self, const char *region, GError **error)
{
  g_autofree char *upper = region != NULL && *region != '\0' ? g_ascii_strup (region, -1) : NULL;

  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (upper != NULL && !rd_phone_region_is_valid (upper))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” is not a known region code (e.g. CN, US, FR)",
                   region);
      return FALSE;
    }
  return update_settings (self, edit_region, upper, error);
}

static void
edit_enabled (RdHubSettings *s, gconstpointer data)
{
  s->enabled = GPOINTER_TO_INT (data);
}

gboolean
rd_hub_admin_set_enabled (RdHubAdmin *self, gboolean enabled, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (!require_crm_configured (self, error))
    return FALSE;
  if (!update_settings (self, edit_enabled, GINT_TO_POINTER (enabled), error))
    return FALSE;
  g_message ("CRM integration %s", enabled ? "enabled" : "disabled (calls are still recorded and queued)");
  if (enabled)
    {
      rd_hub_control_refresh_index (self->control);
      rd_hub_control_kick_outbox (self->control);
    }
  return TRUE;
}

/* ---- disconnect ---------------------------------------------------------------------- */

gboolean
rd_hub_admin_disconnect_crm (RdHubAdmin *self, GError **error)
{
  static const char * const keys[] = {
    "crm.url", "crm.login", "crm.cert-sha256", "crm.log-style", "crm.enabled", "crm.insecure",
    "sync.enabled", "sync.kinds", "sync.phonebook-id", "sync.phonebook-name",
    "autocreate.enabled", "autocreate.calls", "autocreate.kind", "autocreate.prefix",
  };
  g_autoptr(GPtrArray) bound = NULL;
  g_autofree char *kind = NULL;
  const RdCrmBackend *backend;
  gint64 epoch;

  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (!require_crm_configured (self, error))
    return FALSE;
  kind = rd_store_get_setting (self->store, "crm.kind");
  backend = rd_crm_find_backend (kind, NULL);   /* unknown: only the kind itself to clear */

  bound = rd_bindings_list (self->bindings);
  epoch = rd_hub_context_get_settings (self->context)->epoch + 1;
  if (!rd_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!rd_store_set_setting (self->store, keys[i], NULL, error))
      goto fail;
  if (!rd_backend_settings_clear (self->store, self->secrets, "crm", backend ? backend->options : NULL, error) ||
      !rd_store_set_setting_int (self->store, "crm.epoch", epoch, error) ||
      !rd_bindings_clear (self->bindings, error) ||
      !rd_outbox_worker_clear_sync_map (self->outbox, error) ||
      !rd_phone_index_clear (self->index, error) ||
      !rd_store_commit (self->store, error))
    goto fail;
  if (!rd_secrets_set (self->secrets, RD_SECRET_CRM_API_KEY, NULL, error))
    g_prefix_error (error, "Disconnected, but ");

  rd_hub_control_set_crm (self->control, NULL);
  rd_hub_control_reload_settings (self->control);
  for (guint i = 0; i < bound->len; i++)
    end_sessions (self, ((RdBinding *) g_ptr_array_index (bound, i))->extension, 0,
                  RD_DESK_REVOKED_CRM_DISCONNECTED);
  g_message ("CRM disconnected; bindings and options cleared, the synced phonebook stays on the PBX");
  rd_hub_control_status_changed (self->control);
  return error == NULL || *error == NULL;

fail:
  rd_store_rollback (self->store);
  return FALSE;
}

/* ---- agent keys --------------------------------------------------------------------- */

char *
rd_hub_admin_issue_agent_key (RdHubAdmin *self, const char *extension, GError **error)
{
  gint64 id = 0, replaced = 0;
  char *key;

  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), NULL);

  if (!rd_hub_control_is_running (self->control))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
      return NULL;
    }
  key = rd_bindings_issue_key (self->bindings, extension, &id, &replaced, error);
  if (key == NULL)
    return NULL;
  if (replaced != 0)
    end_sessions (self, extension, replaced, RD_DESK_REVOKED_KEY_REISSUED);
  g_message ("Issued agent key %" G_GINT64_FORMAT " for extension %s", id, extension);
  return key;
}

/* ---- test a CRM, probe a certificate, log style ------------------------------------ */

static void
crm_tested_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmInfo) info = rd_crm_connect_finish (RD_CRM (source), result, &error);

  if (info == NULL)
    {
      g_prefix_error (&error, "Could not connect to the CRM: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, rd_hub_crm_info_to_json (info), (GDestroyNotify) json_object_unref);
}

void
rd_hub_admin_test_crm_async (RdHubAdmin *self, const RdCrmConfig *config, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrm) crm = NULL;
  g_autofree char *saved_url = NULL;
  const RdCrmBackend *backend;
  RdCrmConfig test = { 0 };

  g_return_if_fail (RD_IS_HUB_ADMIN (self));
  g_return_if_fail (config != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_admin_test_crm_async);
  if (!rd_hub_control_is_running (self->control))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
      return;
    }
  test = *config;
  test.options = rd_options_copy (config->options);
  saved_url = rd_store_get_setting (self->store, "crm.url");
  backend = rd_crm_find_backend (config->kind, &error);
  /* The saved key only goes to the saved CRM, never to another address. */
  if (backend != NULL && saved_url != NULL && g_strcmp0 (saved_url, config->url) == 0 &&
      rd_backend_settings_same_account (self->store, "crm", backend->kind, backend->options, config->options))
    {
      test.api_key = config->api_key == NULL ? rd_secrets_get (self->secrets, RD_SECRET_CRM_API_KEY, NULL)
                                             : g_strdup (config->api_key);
      rd_backend_settings_fill_secrets (self->secrets, "crm", backend->options, test.options);
    }
  else
    test.api_key = g_strdup (config->api_key);
  if (backend != NULL &&
      check_server (config->url, config->cert_sha256, config->allow_insecure, "CRM", &error) &&
      rd_options_validate (test.options, backend->options, &error) &&
      require_field (config->login, "administrator login", &error) &&
      require_field (test.api_key, "API key", &error))
    crm = rd_crm_new (&test, &error);
  if (test.api_key != NULL)
    explicit_bzero (test.api_key, strlen (test.api_key));
  g_free (test.api_key);
  rd_options_unref (test.options);
  if (crm == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_crm_connect_async (crm, cancellable, crm_tested_cb, g_steal_pointer (&task));
}

JsonObject *
rd_hub_admin_test_crm_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
probed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *found = rd_tls_probe_finish (result, &error);

  if (found == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, found, (GDestroyNotify) json_object_unref);
}

void
rd_hub_admin_probe_certificate_async (RdHubAdmin *self, const char *url, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_admin_probe_certificate_async);
  if (!check_server (url, NULL, TRUE, "server", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_tls_probe_async (url, cancellable, probed_cb, g_steal_pointer (&task));
}

JsonObject *
rd_hub_admin_probe_certificate_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
rd_hub_admin_set_log_style (RdHubAdmin *self, RdCrmLogStyle style, GError **error)
{
  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (!require_crm_configured (self, error))
    return FALSE;
  if (style != RD_CRM_LOG_ACTIVITY && style != RD_CRM_LOG_NOTE)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The log style is activity or note");
      return FALSE;
    }
  if (!rd_store_set_setting_int (self->store, "crm.log-style", style, error))
    return FALSE;
  g_message ("Calls are logged as %s", style == RD_CRM_LOG_NOTE ? "notes" : "done activities");
  rd_hub_control_status_changed (self->control);
  return TRUE;
}

/* ---- CRM administrators (web console sign-in) ---------------------------------------- */

#define CRM_ADMIN_REFUSED "Wrong login or API key, or not an administrator of the CRM"

typedef struct {
  gint64 uid;
} AdminCheck;

static void
admin_users_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AdminCheck *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = rd_crm_list_users_finish (RD_CRM (source), result, &error);

  if (users == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < users->len; i++)
    {
      RdCrmUser *user = g_ptr_array_index (users, i);

      if (user->id == check->uid && user->is_admin && user->type == RD_CRM_USER_INTERNAL)
        {
          JsonObject *found = json_object_new ();

          json_object_set_int_member (found, "id", user->id);
          set_nullable (found, "name", user->name);
          set_nullable (found, "login", user->login);
          g_task_return_pointer (task, found, (GDestroyNotify) json_object_unref);
          return;
        }
    }
  g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, CRM_ADMIN_REFUSED);
}

static void
admin_authenticated_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AdminCheck *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  check->uid = rd_crm_authenticate_user_finish (RD_CRM (source), result, &error);
  if (check->uid <= 0)
    {
      if (error != NULL && !g_error_matches (error, RD_ERROR, RD_ERROR_AUTH) && rd_error_is_transient (error))
        g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The CRM cannot check sign-ins right now: %s",
                                 error->message);
      else
        g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, CRM_ADMIN_REFUSED);
      return;
    }
  cancellable = g_task_get_cancellable (task);   /* before the task is handed on: arguments have no order */
  rd_crm_list_users_async (RD_CRM (source), cancellable, admin_users_cb, g_steal_pointer (&task));
}

void
rd_hub_admin_verify_crm_admin_async (RdHubAdmin *self, const char *login, const char *key, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (RD_IS_HUB_ADMIN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_hub_admin_verify_crm_admin_async);
  g_task_set_task_data (task, g_new0 (AdminCheck, 1), g_free);
  if (!require_crm_connected (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (login == NULL || key == NULL || *login == '\0' || *key == '\0')
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, CRM_ADMIN_REFUSED);
      return;
    }
  rd_crm_authenticate_user_async (rd_crm_link_get_crm (self->crm_link), login, key, cancellable, admin_authenticated_cb,
                                  g_steal_pointer (&task));
}

JsonObject *
rd_hub_admin_verify_crm_admin_finish (RdHubAdmin *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- agent keys: list, revoke ------------------------------------------------------ */

JsonArray *
rd_hub_admin_list_agent_keys (RdHubAdmin *self)
{
  g_autoptr(GPtrArray) keys = NULL;
  JsonArray *array = json_array_new ();

  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), array);

  if (self->bindings == NULL)
    return array;
  keys = rd_bindings_list_keys (self->bindings);
  for (guint i = 0; i < keys->len; i++)
    {
      RdAgentKey *key = g_ptr_array_index (keys, i);
      g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (self->bindings, key->extension);
      JsonObject *object = json_object_new ();

      json_object_set_int_member (object, "id", key->id);
      json_object_set_string_member (object, "extension", key->extension);
      if (key->user_id != 0 && binding != NULL && binding->user_id == key->user_id)
        {
          JsonObject *user = json_object_new ();

          json_object_set_int_member (user, "id", binding->user_id);
          set_nullable (user, "name", binding->user_name);
          set_nullable (user, "login", binding->user_login);
          json_object_set_object_member (object, "user", user);
        }
      else
        json_object_set_null_member (object, "user");
      json_object_set_int_member (object, "created", key->created);
      if (key->last_used > 0)
        json_object_set_int_member (object, "last_used", key->last_used);
      else
        json_object_set_null_member (object, "last_used");
      json_object_set_int_member (object, "sessions",
                                  self->agent_server != NULL
                                  ? rd_desk_server_count_key_sessions (self->agent_server, key->id) : 0);
      json_array_add_object_element (array, object);
    }
  return array;
}

gboolean
rd_hub_admin_revoke_agent_key (RdHubAdmin *self, gint64 id, const char *extension, GError **error)
{
  g_autoptr(RdAgentKey) key = NULL;

  g_return_val_if_fail (RD_IS_HUB_ADMIN (self), FALSE);

  if (self->bindings == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is not running");
      return FALSE;
    }
  if (id > 0)
    key = rd_bindings_get_key (self->bindings, id);
  else if (extension != NULL)
    key = rd_bindings_get_key_of (self->bindings, extension);
  else
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Give the id of the key to revoke");
      return FALSE;
    }
  if (key == NULL || (id > 0 && extension != NULL && g_strcmp0 (key->extension, extension) != 0))
    {
      if (id > 0)
        g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "There is no agent key %" G_GINT64_FORMAT, id);
      else
        g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "Extension %s has no agent key", extension);
      return FALSE;
    }
  if (!rd_bindings_revoke_key (self->bindings, key->id, error))
    return FALSE;
  end_sessions (self, key->extension, key->id, RD_DESK_REVOKED_KEY_REVOKED);
  g_message ("Revoked agent key %" G_GINT64_FORMAT " of extension %s", key->id, key->extension);
  rd_hub_control_status_changed (self->control);
  return TRUE;
}

/* ---- the object ------------------------------------------------------------------------ */

static void
rd_hub_admin_finalize (GObject *object)
{
  RdHubAdmin *self = RD_HUB_ADMIN (object);

  g_clear_object (&self->store);
  g_clear_object (&self->secrets);
  g_clear_object (&self->bindings);
  g_clear_object (&self->index);
  g_clear_object (&self->crm_link);
  g_clear_object (&self->pbx_link);
  g_clear_object (&self->calls);
  g_clear_object (&self->outbox);
  g_clear_object (&self->agent_server);
  G_OBJECT_CLASS (rd_hub_admin_parent_class)->finalize (object);
}

static void
rd_hub_admin_class_init (RdHubAdminClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_hub_admin_finalize;
}

static void
rd_hub_admin_init (RdHubAdmin *self)
{
}

RdHubAdmin *
rd_hub_admin_new (RdHubContext *context, RdHubControl *control, const RdHubAdminParts *parts)
{
  RdHubAdmin *self;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (context), NULL);
  g_return_val_if_fail (RD_IS_HUB_CONTROL (control), NULL);
  g_return_val_if_fail (parts != NULL, NULL);
  g_return_val_if_fail (RD_IS_STORE (parts->store) && RD_IS_SECRETS (parts->secrets) &&
                        RD_IS_BINDINGS (parts->bindings) && RD_IS_PHONE_INDEX (parts->index) &&
                        RD_IS_CRM_LINK (parts->crm_link) && RD_IS_PBX_LINK (parts->pbx_link) &&
                        RD_IS_CALL_TABLE (parts->calls) && RD_IS_OUTBOX_WORKER (parts->outbox), NULL);

  self = g_object_new (RD_TYPE_HUB_ADMIN, NULL);
  self->context = context;
  self->control = control;
  self->store = g_object_ref (parts->store);
  self->secrets = g_object_ref (parts->secrets);
  self->bindings = g_object_ref (parts->bindings);
  self->index = g_object_ref (parts->index);
  self->crm_link = g_object_ref (parts->crm_link);
  self->pbx_link = g_object_ref (parts->pbx_link);
  self->calls = g_object_ref (parts->calls);
  self->outbox = g_object_ref (parts->outbox);
  self->agent_server = parts->desk_server != NULL ? g_object_ref (parts->desk_server) : NULL;
  return self;
}
