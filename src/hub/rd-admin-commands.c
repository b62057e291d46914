/* rd-admin-commands.c — the administration API behind the CLI and the web console. */
#include "config.h"

#include "hub/rd-admin-commands.h"

#include "core/rd-error.h"
#include "hub/rd-backend-list.h"
#include "hub/rd-backend-settings.h"
#include "hub/rd-hub-private.h"

#include <string.h>

#define DEFAULT_LIST_LIMIT 100
#define MAX_LIST_LIMIT 1000
#define MAX_AUDIT_VALUE 120

typedef struct {
  const char *name;
  gboolean    get;        /* GET on the admin socket */
  gboolean    changes;    /* audited */
} CommandInfo;

static const CommandInfo commands[] = {
  { "status", TRUE, FALSE },
  { "list-backends", TRUE, FALSE },
  { "users", TRUE, FALSE },
  { "extensions", TRUE, FALSE },
  { "agent-keys", TRUE, FALSE },
  { "outbox", FALSE, FALSE },
  { "calls", FALSE, FALSE },
  { "audit", FALSE, FALSE },
  { "test-crm", FALSE, FALSE },
  { "probe-certificate", FALSE, FALSE },
  { "connect-crm", FALSE, TRUE },
  { "connect-pbx", FALSE, TRUE },
  { "bind", FALSE, TRUE },
  { "unbind", FALSE, TRUE },
  { "sync", FALSE, TRUE },
  { "autocreate", FALSE, TRUE },
  { "logging", FALSE, TRUE },
  { "region", FALSE, TRUE },
  { "enable", FALSE, TRUE },
  { "disable", FALSE, TRUE },
  { "disconnect", FALSE, TRUE },
  { "agent-key", FALSE, TRUE },
  { "revoke", FALSE, TRUE },
  { "retry", FALSE, TRUE },
  { "admin-link", FALSE, TRUE },
};

/* Request members whose values are never written anywhere (and every SECRET option of a backend). */
static const char * const secret_members[] = { "api_key", "password", "key", NULL };

static const CommandInfo *
find_command (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

gboolean
rd_admin_command_uses_get (const char *command)
{
  const CommandInfo *info = find_command (command);

  return info != NULL && info->get;
}

gboolean
rd_admin_command_changes (const char *command)
{
  const CommandInfo *info = find_command (command);

  return info != NULL && info->changes;
}

/* ---- request members --------------------------------------------------------------- */

static const char *
get_string (JsonObject *body, const char *name)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_bool (JsonObject *body, const char *name, gboolean fallback)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

/* ---- the running command ------------------------------------------------------ */

typedef struct {
  char       *actor;
  char       *command;
  JsonObject *body;
} Run;

static void
run_free (Run *run)
{
  g_free (run->actor);
  g_free (run->command);
  g_clear_pointer (&run->body, json_object_unref);
  g_free (run);
}

/* "url=https://…, login=admin, api_key=(new)": what the audit log keeps of a request. */
static char *
audit_detail (JsonObject *body)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) members = json_object_get_members (body);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (body, name);
      g_autofree char *value = NULL;

      if (text->len > 0)
        g_string_append (text, ", ");
      if (g_strv_contains (secret_members, name) || rd_backend_list_is_secret_field (name))
        value = g_strdup ("(given)");
      else if (JSON_NODE_HOLDS_VALUE (node))
        {
          GValue v = G_VALUE_INIT;

          json_node_get_value (node, &v);
          if (G_VALUE_HOLDS_STRING (&v))
            value = g_strdup (g_value_get_string (&v));
          else if (G_VALUE_HOLDS_BOOLEAN (&v))
            value = g_strdup (g_value_get_boolean (&v) ? "true" : "false");
          else if (G_VALUE_HOLDS_INT64 (&v))
            value = g_strdup_printf ("%" G_GINT64_FORMAT, g_value_get_int64 (&v));
          else
            value = g_strdup ("…");
          g_value_unset (&v);
        }
      else
        value = g_strdup (JSON_NODE_HOLDS_NULL (node) ? "null" : "…");
      if (g_utf8_strlen (value, -1) > MAX_AUDIT_VALUE)
        {
          char *cut = g_utf8_offset_to_pointer (value, MAX_AUDIT_VALUE);

          *cut = '\0';
          g_string_append_printf (text, "%s=%s…", name, value);
        }
      else
        g_string_append_printf (text, "%s=%s", name, value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
return_result (GTask *task, const GError *error, JsonObject *extra)
{
  RdHub *hub = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  /* A dry run (bind --auto --dry-run) changes nothing and is not audited. */
  if (rd_admin_command_changes (run->command) && !get_bool (run->body, "dry_run", FALSE))
    {
      g_autofree char *detail = audit_detail (run->body);

      if (error == NULL)
        rd_hub_audit (hub, run->actor, run->command, detail);
    }
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_pointer (task, extra != NULL ? json_object_ref (extra) : json_object_new (),
                           (GDestroyNotify) json_object_unref);
}

/* Finishes @task (owned) with @error or @extra. */
static void
finish (GTask *task, const GError *error, JsonObject *extra)
{
  return_result (task, error, extra);
  g_object_unref (task);
}

static void
connect_pbx_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_connect_pbx_finish (RD_HUB (source), result, &error);
  finish (user_data, error, NULL);
}

static int log_style_from (JsonObject *body, GError **error);

static void
connect_crm_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_autoptr(JsonObject) extra = json_object_new ();

  Run *run = g_task_get_task_data (user_data);

  /* the style goes with a CRM that works: set once connected */
  if (rd_hub_connect_crm_finish (RD_HUB (source), result, &error) && get_string (run->body, "log_style") != NULL)
    rd_hub_set_log_style (RD_HUB (source), log_style_from (run->body, NULL), &error);
  if (error == NULL && rd_hub_region_note (RD_HUB (source)) != NULL)
    json_object_set_string_member (extra, "region_note", rd_hub_region_note (RD_HUB (source)));
  finish (user_data, error, extra);
}

static void
object_cb (GObject *source, GAsyncResult *result, gpointer user_data, const char *member,
           JsonObject *(*finish_fn) (RdHub *, GAsyncResult *, GError **))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) found = finish_fn (RD_HUB (source), result, &error);
  g_autoptr(JsonObject) extra = json_object_new ();

  if (found != NULL)
    json_object_set_object_member (extra, member, g_steal_pointer (&found));
  finish (user_data, error, extra);
}

static void
test_crm_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  object_cb (source, result, user_data, "crm", rd_hub_test_crm_finish);
}

static void
probe_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  object_cb (source, result, user_data, "certificate", rd_hub_probe_certificate_finish);
}

static void
bind_auto_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extra = json_object_new ();
  JsonArray *plan = NULL;
  guint bound = rd_hub_bind_auto_finish (RD_HUB (source), result, &plan, &error);

  json_object_set_int_member (extra, "bound", bound);
  json_object_set_boolean_member (extra, "dry_run", get_bool (run->body, "dry_run", FALSE));
  if (plan != NULL)
    json_object_set_array_member (extra, "plan", plan);
  finish (task, error, extra);
}

static void
bind_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_bind_finish (RD_HUB (source), result, &error);
  finish (user_data, error, NULL);
}

static void
sync_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  rd_hub_configure_sync_finish (RD_HUB (source), result, &error);
  finish (user_data, error, NULL);
}

static void
list_cb (GObject *source, GAsyncResult *result, gpointer user_data, gboolean users)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extra = json_object_new ();
  JsonArray *array = users ? rd_hub_list_users_finish (RD_HUB (source), result, &error)
                           : rd_hub_list_extensions_finish (RD_HUB (source), result, &error);

  if (array != NULL)
    json_object_set_array_member (extra, users ? "users" : "extensions", array);
  finish (user_data, error, extra);
}

static void
users_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  list_cb (source, result, user_data, TRUE);
}

static void
extensions_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  list_cb (source, result, user_data, FALSE);
}

static gint64
get_int (JsonObject *body, const char *name, gint64 fallback)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static guint
get_limit (JsonObject *body)
{
  gint64 limit = get_int (body, "limit", DEFAULT_LIST_LIMIT);

  return (guint) CLAMP (limit, 1, MAX_LIST_LIMIT);
}

static RdCrmKind
parse_kinds (const char *text, GError **error)
{
  g_auto(GStrv) parts = NULL;
  RdCrmKind kinds = RD_CRM_KIND_NONE;

  if (text == NULL)
    return RD_CRM_KIND_NONE;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      RdCrmKind one;

      g_strstrip (parts[i]);
      if (*parts[i] == '\0')
        continue;
      one = rd_crm_kind_from_string (parts[i]);
      if (one == RD_CRM_KIND_NONE)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "Unknown kind “%s” (use individual, company, lead)", parts[i]);
          return RD_CRM_KIND_NONE;
        }
      kinds |= one;
    }
  if (kinds == RD_CRM_KIND_NONE)
    g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Give at least one kind");
  return kinds;
}

/* The generic settings, and the backend's own options by their names ("database"). */
static void
crm_config_from (RdCrmConfig *config, JsonObject *body)
{
  const RdCrmBackend *backend = rd_crm_find_backend (get_string (body, "kind"), NULL);

  config->kind = g_strdup (get_string (body, "kind"));   /* unknown: refused by the hub */
  config->options = rd_backend_settings_from_json (body, backend != NULL ? backend->options : NULL);
  config->url = g_strdup (get_string (body, "url"));
  config->login = g_strdup (get_string (body, "login"));
  config->api_key = g_strdup (get_string (body, "api_key"));
  config->cert_sha256 = g_strdup (get_string (body, "cert_sha256"));
  config->allow_insecure = get_bool (body, "insecure_http", FALSE);
}

/* The log style a request asks for: -1 for none (the saved style stays), else RdCrmLogStyle. */
static int
log_style_from (JsonObject *body, GError **error)
{
  const char *style = get_string (body, "log_style");

  if (style == NULL)
    return -1;
  if (g_str_equal (style, "activity"))
    return RD_CRM_LOG_ACTIVITY;
  if (g_str_equal (style, "note"))
    return RD_CRM_LOG_NOTE;
  g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The log style is activity or note");
  return -1;
}

static void
wipe (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
}

/* ---- dispatch ------------------------------------------------------------------------ */

/* Commands that answer at once: fills @extra or @error. */
static void
run_now (RdHub *hub, const char *command, JsonObject *body, JsonObject *extra, GError **error)
{
  if (g_str_equal (command, "status"))
    {
      g_autoptr(JsonObject) status = rd_hub_get_status_json (hub);
      g_autoptr(GList) members = json_object_get_members (status);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (extra, l->data, json_node_copy (json_object_get_member (status, l->data)));
    }
  else if (g_str_equal (command, "list-backends"))
    {
      g_autoptr(JsonObject) list = rd_backend_list_to_json ();

      json_object_set_array_member (extra, "pbx", json_array_ref (json_object_get_array_member (list, "pbx")));
      json_object_set_array_member (extra, "crm", json_array_ref (json_object_get_array_member (list, "crm")));
    }
  else if (g_str_equal (command, "unbind"))
    rd_hub_unbind (hub, get_string (body, "extension"), error);
  else if (g_str_equal (command, "autocreate"))
    {
      const char *calls_text = get_string (body, "calls");
      RdHubCalls calls = calls_text != NULL ? rd_hub_calls_from_string (calls_text, error) : RD_HUB_CALLS_NONE;
      const char *as = get_string (body, "as");
      RdCrmKind kind = RD_CRM_KIND_NONE;

      if (*error == NULL && as != NULL)
        {
          kind = rd_crm_kind_from_string (as);
          if (kind != RD_CRM_KIND_INDIVIDUAL && kind != RD_CRM_KIND_LEAD)
            g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "--as is individual or lead");
        }
      if (*error == NULL &&
          rd_hub_configure_autocreate (hub, get_bool (body, "enabled", FALSE), calls, kind,
                                       get_string (body, "prefix"), error))
        {
          const char *note = NULL;

          json_object_set_string_member (extra, "creates", rd_hub_autocreate_creates (hub, &note));
          if (note != NULL)
            json_object_set_string_member (extra, "note", note);
        }
    }
  else if (g_str_equal (command, "logging"))
    {
      const char *style = get_string (body, "style");

      if (g_strcmp0 (style, "activity") != 0 && g_strcmp0 (style, "note") != 0)
        g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The log style is activity or note");
      else
        rd_hub_set_log_style (hub, g_str_equal (style, "note") ? RD_CRM_LOG_NOTE : RD_CRM_LOG_ACTIVITY, error);
    }
  else if (g_str_equal (command, "region"))
    {
      if (rd_hub_set_region (hub, get_string (body, "region"), error))
        {
          if (rd_hub_region (hub) != NULL)
            json_object_set_string_member (extra, "region", rd_hub_region (hub));
          if (rd_hub_region_note (hub) != NULL)
            json_object_set_string_member (extra, "region_note", rd_hub_region_note (hub));
        }
    }
  else if (g_str_equal (command, "enable") || g_str_equal (command, "disable"))
    rd_hub_set_enabled (hub, g_str_equal (command, "enable"), error);
  else if (g_str_equal (command, "disconnect"))
    rd_hub_disconnect_crm (hub, error);
  else if (g_str_equal (command, "agent-key"))
    {
      g_autofree char *key = rd_hub_issue_agent_key (hub, get_string (body, "extension"), error);

      if (key != NULL)
        {
          g_autofree char *url = rd_hub_get_agent_url (hub);

          json_object_set_string_member (extra, "key", key);
          json_object_set_string_member (extra, "url", url);
          wipe (key);
        }
    }
  else if (g_str_equal (command, "agent-keys"))
    json_object_set_array_member (extra, "keys", rd_hub_list_agent_keys (hub));
  else if (g_str_equal (command, "revoke"))
    {
      JsonNode *id = json_object_get_member (body, "id");
      gint64 key_id = 0;

      if (id != NULL && (!JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_INT64 ||
                         (key_id = json_node_get_int (id)) <= 0))
        g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "“id” must be a key id (a positive integer)");
      else
        rd_hub_revoke_agent_key (hub, key_id, get_string (body, "extension"), error);
    }
  else if (g_str_equal (command, "outbox"))
    {
      JsonArray *items = rd_hub_list_outbox (hub, get_bool (body, "failed_only", FALSE), get_limit (body), error);

      if (items != NULL)
        json_object_set_array_member (extra, "items", items);
    }
  else if (g_str_equal (command, "retry"))
    {
      guint count = 0;

      if (rd_hub_retry_outbox (hub, get_int (body, "id", 0), &count, error))
        json_object_set_int_member (extra, "retried", count);
    }
  else if (g_str_equal (command, "calls"))
    {
      JsonArray *calls = rd_hub_list_calls (hub, get_limit (body), error);

      if (calls != NULL)
        json_object_set_array_member (extra, "calls", calls);
    }
  else if (g_str_equal (command, "audit"))
    {
      JsonArray *entries = rd_hub_list_audit (hub, get_limit (body), error);

      if (entries != NULL)
        json_object_set_array_member (extra, "entries", entries);
    }
  else if (g_str_equal (command, "admin-link"))
    {
      g_autofree char *url = rd_hub_issue_console_link (hub, error);

      if (url != NULL)
        {
          json_object_set_string_member (extra, "url", url);
          json_object_set_int_member (extra, "expires_in", 15 * 60);
        }
    }
  else
    g_set_error_literal (error, RD_ERROR, RD_ERROR_NOT_FOUND, "Unknown command");
}

void
rd_admin_commands_run_async (RdHub *hub, const char *actor, const char *command, JsonObject *body,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Run *run;

  g_return_if_fail (RD_IS_HUB (hub));
  g_return_if_fail (command != NULL);

  task = g_task_new (hub, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_admin_commands_run_async);
  run = g_new0 (Run, 1);
  run->actor = g_strdup (actor != NULL ? actor : "unknown");
  run->command = g_strdup (command);
  run->body = body != NULL ? json_object_ref (body) : json_object_new ();
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  body = run->body;

  g_debug ("Admin command %s by %s", command, run->actor);
  if (g_str_equal (command, "users"))
    rd_hub_list_users_async (hub, cancellable, users_cb, task);
  else if (g_str_equal (command, "extensions"))
    rd_hub_list_extensions_async (hub, cancellable, extensions_cb, task);
  else if (g_str_equal (command, "connect-crm") || g_str_equal (command, "test-crm"))
    {
      RdCrmConfig config = { 0 };
      GError *error = NULL;

      if (log_style_from (body, &error) < 0 && error != NULL)
        {
          finish (task, error, NULL);
          g_error_free (error);
          return;
        }
      crm_config_from (&config, body);
      if (g_str_equal (command, "test-crm"))
        rd_hub_test_crm_async (hub, &config, cancellable, test_crm_cb, task);
      else
        rd_hub_connect_crm_async (hub, &config, cancellable, connect_crm_cb, task);
      wipe (config.api_key);
      rd_crm_config_clear (&config);
    }
  else if (g_str_equal (command, "connect-pbx"))
    {
      RdPbxConfig config = { 0 };

      const RdPbxBackend *backend = rd_pbx_find_backend (get_string (body, "kind"), NULL);

      config.kind = g_strdup (get_string (body, "kind"));   /* unknown: refused by the hub */
      config.options = rd_backend_settings_from_json (body, backend != NULL ? backend->options : NULL);
      config.base_url = g_strdup (get_string (body, "url"));
      config.cert_sha256 = g_strdup (get_string (body, "cert_sha256"));
      config.allow_insecure = get_bool (body, "insecure_http", FALSE);
      rd_hub_connect_pbx_async (hub, &config, cancellable, connect_pbx_cb, task);
      rd_pbx_config_clear (&config);   /* the options bag wipes the secret */
    }
  else if (g_str_equal (command, "probe-certificate"))
    rd_hub_probe_certificate_async (hub, get_string (body, "url"), cancellable, probe_cb, task);
  else if (g_str_equal (command, "bind"))
    {
      if (get_bool (body, "auto", FALSE))
        rd_hub_bind_auto_async (hub, get_bool (body, "dry_run", FALSE), cancellable, bind_auto_cb, task);
      else
        rd_hub_bind_async (hub, get_string (body, "extension"), get_string (body, "user"),
                           get_bool (body, "force", FALSE), cancellable, bind_cb, task);
    }
  else if (g_str_equal (command, "sync"))
    {
      g_autoptr(GError) error = NULL;
      RdCrmKind kinds = parse_kinds (get_string (body, "kinds"), &error);

      if (error != NULL)
        finish (task, error, NULL);
      else
        rd_hub_configure_sync_async (hub, get_bool (body, "enabled", FALSE), kinds, get_string (body, "phonebook"),
                                     cancellable, sync_cb, task);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) extra = json_object_new ();

      run_now (hub, command, body, extra, &error);
      finish (task, error, extra);
    }
}

JsonObject *
rd_admin_commands_run_finish (RdHub *hub, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, hub), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
