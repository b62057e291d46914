/* rd-hub-desk.c — the engine as the agent protocol's backend (RdDeskBackend). */
#include "config.h"

#include "hub/rd-hub-desk.h"

#include "core/rd-error.h"
#include "hub/rd-desk-frames.h"
#include "hub/rd-desk-server.h"

#include <string.h>

#define RECENT_SCAN_MAX 1000

struct _RdHubDesk
{
  GObject       parent_instance;
  RdHubContext *context;   /* not owned: the engine owns the desk */
  RdStore      *store;
  RdBindings   *bindings;
  RdPhoneIndex *index;
  RdCallTable  *calls;
};

static void rd_hub_desk_backend_init (RdDeskBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RdHubDesk, rd_hub_desk, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_DESK_BACKEND, rd_hub_desk_backend_init))

/* The engine is gone (the desk was disposed with it): nothing may reach it any more. */
static gboolean
check_engine (RdHubDesk *self, GError **error)
{
  if (self->context != NULL)
    return TRUE;
  g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The hub is stopping");
  return FALSE;
}

static RdPhoneNumber *
parse_number (RdHubDesk *self, const char *text, GError **error)
{
  return rd_phone_parse (text != NULL ? text : "", -1, rd_hub_context_get_region (self->context), NULL, error);
}

static void
fill_match_url (RdHubDesk *self, RdCrmMatch *match)
{
  RdCrm *crm = self->context != NULL ? rd_hub_context_get_crm (self->context) : NULL;

  if (match->url == NULL && crm != NULL && rd_crm_get_info (crm) != NULL)
    match->url = rd_crm_record_url (crm, match->kind, match->id);
}

static JsonObject *
desk_get_status (RdDeskBackend *backend)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  JsonObject *status = json_object_new ();
  const char *link_message = "The hub is stopping";
  const char *crm = self->context != NULL ? rd_hub_context_crm_status (self->context, &link_message) : "failed";
  const char *message = NULL;
  RdPbx *pbx = self->context != NULL ? rd_hub_context_get_pbx (self->context) : NULL;

  json_object_set_string_member (status, "hub", "ok");
  json_object_set_string_member (status, "pbx", pbx != NULL ? rd_pbx_state_to_string (rd_pbx_get_state (pbx))
                                                            : "disconnected");
  if (g_str_equal (crm, "connecting"))
    {
      crm = "failed";
      message = "Connecting to the CRM";
    }
  json_object_set_string_member (status, "crm", crm);
  if (message == NULL && (g_str_equal (crm, "failed") || g_str_equal (crm, "unreachable")))
    message = link_message;
  if (message == NULL && pbx != NULL && rd_pbx_get_state (pbx) != RD_PBX_STATE_CONNECTED)
    message = rd_pbx_get_state_message (pbx);
  if (message != NULL)
    json_object_set_string_member (status, "message", message);
  else
    json_object_set_null_member (status, "message");
  return status;
}

/* Why CRM work cannot be done now, or TRUE. */
static gboolean
check_crm (RdHubDesk *self, GError **error)
{
  const char *message = NULL;
  const char *state;

  if (!check_engine (self, error))
    return FALSE;
  state = rd_hub_context_crm_status (self->context, &message);

  if (g_str_equal (state, "not-configured"))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The CRM is not configured on this hub");
      return FALSE;
    }
  if (g_str_equal (state, "disabled"))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_DISABLED, "The CRM integration is disabled");
      return FALSE;
    }
  if (!g_str_equal (state, "connected") || rd_hub_context_get_crm (self->context) == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The CRM is not reachable: %s",
                   message != NULL ? message : "connecting");
      return FALSE;
    }
  return TRUE;
}

/* ---- authenticate ------------------------------------------------------------ */

static RdDeskIdentity *
identity_for (const char *extension, const RdBinding *binding, gint64 key_id)
{
  RdDeskIdentity *identity = g_new0 (RdDeskIdentity, 1);

  identity->extension = g_strdup (extension);
  identity->key_id = key_id;
  if (binding != NULL)
    {
      identity->user_id = binding->user_id;
      identity->user_name = g_strdup (binding->user_name);
    }
  return identity;
}

/* A resumed session holds while its extension is bound to the same user (or still unbound)
 * and, for an agent key's session, while that key exists. */
static gboolean
hub_identity_is_current (RdDeskBackend *backend, const RdDeskIdentity *identity)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (self->bindings, identity->extension);
  g_autoptr(RdAgentKey) key = NULL;

  if ((binding != NULL ? binding->user_id : 0) != identity->user_id)
    return FALSE;
  if (identity->key_id == 0)
    return identity->user_id != 0;   /* a CRM key's session needs its user bound */
  key = rd_bindings_get_key (self->bindings, identity->key_id);
  if (key == NULL || g_strcmp0 (key->extension, identity->extension) != 0 || key->user_id != identity->user_id)
    return FALSE;
  rd_bindings_touch_key (self->bindings, key->id, g_get_real_time () / G_USEC_PER_SEC);
  return TRUE;
}

static void
crm_user_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHubDesk *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdBinding) binding = NULL;
  gint64 user_id = rd_crm_authenticate_user_finish (RD_CRM (source), result, &error);

  if (user_id <= 0)
    {
      if (error == NULL || (error->domain == RD_ERROR && error->code == RD_ERROR_AUTH))
        {
          g_clear_error (&error);
          error = g_error_new_literal (RD_ERROR, RD_ERROR_AUTH, RD_DESK_WRONG_CREDENTIALS);
        }
      else if (rd_error_is_transient (error))
        g_prefix_error (&error, "The CRM could not check the key: ");
      if (error->domain == RD_ERROR && rd_error_is_transient (error))
        error->code = RD_ERROR_UNAVAILABLE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  binding = rd_bindings_get_by_user (self->bindings, user_id);
  if (binding == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, RD_DESK_WRONG_CREDENTIALS);
      return;
    }
  g_task_return_pointer (task, identity_for (binding->extension, binding, 0), (GDestroyNotify) rd_desk_identity_free);
}

#define UNBOUND_DELAY_MIN_MS 150
#define UNBOUND_DELAY_MAX_MS 450

static gboolean
refuse_later (gpointer data)
{
  g_autoptr(GTask) task = data;

  g_task_return_error (task, g_error_copy (g_task_get_task_data (task)));
  return G_SOURCE_REMOVE;
}

static void
hub_authenticate_async (RdDeskBackend *backend, const char *method, const char *who, const char *key,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, hub_authenticate_async);
  if (g_strcmp0 (method, "agent-key") == 0)
    {
      g_autoptr(RdBinding) binding = NULL;
      g_autoptr(RdAgentKey) agent_key = rd_bindings_check_key (self->bindings, who, key);

      if (agent_key == NULL)
        {
          g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, RD_DESK_WRONG_CREDENTIALS);
          return;
        }
      rd_bindings_touch_key (self->bindings, agent_key->id, g_get_real_time () / G_USEC_PER_SEC);
      binding = rd_bindings_get_by_extension (self->bindings, who);
      g_task_return_pointer (task, identity_for (who, binding, agent_key->id), (GDestroyNotify) rd_desk_identity_free);
      return;
    }
  if (g_strcmp0 (method, "crm-key") == 0)
    {
      g_autoptr(RdBinding) bound = rd_bindings_get_by_login (self->bindings, who);

      /* Only a bound user can sign in: anyone else is refused here, without asking the CRM (no
       * oracle for their credentials, no failures towards its login cooldown), after about the
       * time a check takes, with the same answer as a wrong key. */
      if (bound == NULL)
        {
          g_task_set_task_data (task, g_error_new_literal (RD_ERROR, RD_ERROR_AUTH, RD_DESK_WRONG_CREDENTIALS),
                                (GDestroyNotify) g_error_free);
          g_timeout_add (g_random_int_range (UNBOUND_DELAY_MIN_MS, UNBOUND_DELAY_MAX_MS), refuse_later,
                         g_steal_pointer (&task));
          return;
        }
      if (!check_crm (self, &error))
        {
          if (error->code == RD_ERROR_DISABLED)
            error->code = RD_ERROR_UNAVAILABLE;
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (who == NULL || *who == '\0' || key == NULL || *key == '\0')
        {
          g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, "Wrong CRM login or API key");
          return;
        }
      rd_crm_authenticate_user_async (rd_hub_context_get_crm (self->context), who, key, cancellable, crm_user_cb,
                                      g_steal_pointer (&task));
      return;
    }
  g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, "Unknown sign-in method");
}

static RdDeskIdentity *
hub_authenticate_finish (RdDeskBackend *backend, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- dial ------------------------------------------------------------------------ */

typedef struct {
  char *extension;
} DialData;

static void
dial_data_free (DialData *data)
{
  g_free (data->extension);
  g_free (data);
}

static void
dial_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHubDesk *self = g_task_get_source_object (task);
  DialData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *call_id = rd_pbx_dial_finish (RD_PBX (source), result, &error);

  if (call_id == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_call_table_remember_dial (self->calls, call_id, data->extension);
  g_task_return_pointer (task, g_steal_pointer (&call_id), g_free);
}

static void
hub_dial_async (RdDeskBackend *backend, const char *extension, const char *number,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdPhoneNumber) parsed = NULL;
  DialData *data;
  const char *target;
  RdPbx *pbx;

  g_task_set_source_tag (task, hub_dial_async);
  if (!check_engine (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pbx = rd_hub_context_get_pbx (self->context);
  if (pbx == NULL || rd_pbx_get_state (pbx) != RD_PBX_STATE_CONNECTED)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_UNAVAILABLE, "The PBX is not connected");
      return;
    }
  parsed = parse_number (self, number, &error);
  if (parsed == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (parsed->kind == RD_NUMBER_WITHHELD || parsed->digits == NULL || *parsed->digits == '\0')
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "There is no number to dial");
      return;
    }
  if (parsed->kind == RD_NUMBER_INTERNAL && g_strcmp0 (parsed->digits, extension) == 0)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "An extension cannot call itself");
      return;
    }
  target = parsed->e164 != NULL ? parsed->e164 : parsed->digits;
  data = g_new0 (DialData, 1);
  data->extension = g_strdup (extension);
  g_task_set_task_data (task, data, (GDestroyNotify) dial_data_free);
  g_message ("Extension %s dials out", extension);
  rd_pbx_dial_async (pbx, extension, target, cancellable, dial_cb, g_steal_pointer (&task));
}

static char *
hub_dial_finish (RdDeskBackend *backend, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- recent calls ------------------------------------------------------------------- */

static gboolean
contains_casefold (const char *haystack, const char *needle_folded)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle_folded) != NULL;
}

/* An agent sees the calls of its extension made while the extension's current binding held:
 * from the bind (or, for an unbound extension, from its agent key's issue) on. */
static gint64
history_start (RdHubDesk *self, const char *extension)
{
  g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (self->bindings, extension);
  g_autoptr(RdAgentKey) key = NULL;

  if (binding != NULL)
    return binding->created;
  key = rd_bindings_get_key_of (self->bindings, extension);
  return key != NULL ? key->created : G_MAXINT64;
}

static JsonArray *
hub_recent_calls (RdDeskBackend *backend, const char *extension, guint limit, const char *query, GError **error)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  g_autoptr(GPtrArray) matches = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *needle = NULL;
  JsonArray *calls;
  gint64 since;

  if (!check_engine (self, error))
    return NULL;
  limit = CLAMP (limit, 1, 200);
  if (query != NULL && *query != '\0')
    {
      if (!g_utf8_validate (query, -1, NULL) || strlen (query) > 256)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The search text is not usable");
          return NULL;
        }
      needle = g_utf8_casefold (query, -1);
    }
  records = rd_store_calls_recent (self->store, extension, needle != NULL ? RECENT_SCAN_MAX : limit, &matches, error);
  if (records == NULL)
    return NULL;
  since = history_start (self, extension);

  calls = json_array_new ();
  for (guint i = 0; i < records->len && json_array_get_length (calls) < limit; i++)
    {
      RdCallRecord *record = g_ptr_array_index (records, i);
      const char *match_text = matches != NULL && i < matches->len ? g_ptr_array_index (matches, i) : NULL;
      const char *remote_raw = record->direction == RD_DIRECTION_INBOUND ? record->from_number : record->to_number;
      g_autoptr(RdPhoneNumber) remote = parse_number (self, remote_raw, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *match = NULL;

      /* Newest first: the first call from before the binding ends the list. */
      if (record->start_unix < since)
        break;
      if (match_text != NULL && json_parser_load_from_data (parser, match_text, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        match = json_node_get_object (json_parser_get_root (parser));
      if (needle != NULL &&
          !contains_casefold (remote_raw, needle) &&
          !(remote != NULL && contains_casefold (remote->e164, needle)) &&
          !(remote != NULL && contains_casefold (remote->digits, needle)) &&
          !(match != NULL && contains_casefold (json_object_get_string_member_with_default (match, "name", NULL), needle)) &&
          !contains_casefold (record->direction == RD_DIRECTION_INBOUND ? record->from_name : record->to_name, needle))
        continue;
      json_array_add_object_element (calls, rd_desk_recent_call_to_json (record, remote, match));
    }
  return calls;
}

/* ---- lookup -------------------------------------------------------------------------- */

typedef struct {
  char          *raw;
  RdPhoneNumber *number;
} LookupData;

static void
lookup_data_free (LookupData *data)
{
  g_free (data->raw);
  g_clear_pointer (&data->number, rd_phone_number_free);
  g_free (data);
}

static void
lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  LookupData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_hub_context_lookup_finish (RD_HUB_CONTEXT (source), result, &error);
  JsonObject *reply;
  JsonArray *list;

  if (matches == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  reply = json_object_new ();
  json_object_set_object_member (reply, "number", rd_desk_number_to_json (data->raw, data->number));
  list = json_array_new ();
  for (guint i = 0; i < matches->len; i++)
    json_array_add_object_element (list, rd_desk_match_to_json (g_ptr_array_index (matches, i)));
  if (matches->len > 0)
    json_object_set_object_member (reply, "match", rd_desk_match_to_json (g_ptr_array_index (matches, 0)));
  else
    json_object_set_null_member (reply, "match");
  json_object_set_array_member (reply, "matches", list);
  g_task_return_pointer (task, reply, (GDestroyNotify) json_object_unref);
}

static void
hub_lookup_async (RdDeskBackend *backend, const char *extension, const char *number,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  LookupData *data;

  g_task_set_source_tag (task, hub_lookup_async);
  if (!check_engine (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!check_crm (self, &error) && error->code != RD_ERROR_UNAVAILABLE)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_error (&error);
  data = g_new0 (LookupData, 1);
  data->raw = g_strdup (number);
  data->number = parse_number (self, number, &error);
  g_task_set_task_data (task, data, (GDestroyNotify) lookup_data_free);
  if (data->number == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_hub_context_lookup_async (self->context, data->number, cancellable, lookup_cb, g_steal_pointer (&task));
}

static JsonObject *
hub_lookup_finish (RdDeskBackend *backend, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- create-record -------------------------------------------------------------------- */

static void
created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHubDesk *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdCrmMatch) match = rd_crm_create_record_finish (RD_CRM (source), result, &error);
  g_autoptr(GError) index_error = NULL;

  if (match == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (match->numbers == NULL || match->numbers[0] == NULL)
    {
      g_strfreev (match->numbers);
      match->numbers = g_strdupv ((char *[]) { g_task_get_task_data (task), NULL });
    }
  if (!rd_phone_index_put_match (self->index, match, &index_error))
    g_warning ("Phone index update failed: %s", index_error->message);
  fill_match_url (self, match);
  g_task_return_pointer (task, rd_desk_match_to_json (match), (GDestroyNotify) json_object_unref);
}

static void
hub_create_record_async (RdDeskBackend *backend, const char *extension, const char *number,
                         const char *kind, const char *name, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  RdHubDesk *self = RD_HUB_DESK (backend);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdPhoneNumber) parsed = NULL;
  g_autoptr(RdBinding) binding = NULL;
  g_autoptr(GPtrArray) existing = NULL;
  g_autofree char *record_name = NULL;
  RdCrmKind crm_kind = kind != NULL ? rd_crm_kind_from_string (kind) : RD_CRM_KIND_NONE;

  g_task_set_source_tag (task, hub_create_record_async);
  if (!check_crm (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (crm_kind != RD_CRM_KIND_INDIVIDUAL && crm_kind != RD_CRM_KIND_LEAD)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "A new record is an individual or a lead");
      return;
    }
  if (name != NULL && (!g_utf8_validate (name, -1, NULL) || strlen (name) > 256))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "The name is not usable");
      return;
    }
  parsed = parse_number (self, number, &error);
  if (parsed == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (parsed->e164 == NULL)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_INVALID_INPUT, "“%s” is not a valid public number",
                               parsed->raw ? parsed->raw : "");
      return;
    }
  existing = rd_hub_context_lookup_local (self->context, parsed);
  if (existing->len > 0)
    {
      RdCrmMatch *match = g_ptr_array_index (existing, 0);

      g_task_return_new_error (task, RD_ERROR, RD_ERROR_CONFLICT, "This number already belongs to %s",
                               match->name ? match->name : "a CRM record");
      return;
    }
  binding = rd_bindings_get_by_extension (self->bindings, extension);
  if (name != NULL)
    record_name = g_strstrip (g_strdup (name));
  if (record_name == NULL || *record_name == '\0')
    {
      g_free (record_name);
      record_name = g_strconcat (rd_hub_context_get_settings (self->context)->autocreate_prefix,
                                 parsed->international, NULL);
    }
  g_task_set_task_data (task, g_strdup (parsed->international), g_free);
  rd_crm_create_record_async (rd_hub_context_get_crm (self->context), crm_kind, record_name, parsed->international,
                              binding != NULL ? binding->user_id : 0, cancellable, created_cb,
                              g_steal_pointer (&task));
}

static JsonObject *
hub_create_record_finish (RdDeskBackend *backend, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonArray *
hub_live_calls (RdDeskBackend *backend, const char *extension)
{
  return rd_call_table_snapshot (RD_HUB_DESK (backend)->calls, extension);
}

static void
rd_hub_desk_backend_init (RdDeskBackendInterface *iface)
{
  iface->authenticate_async = hub_authenticate_async;
  iface->authenticate_finish = hub_authenticate_finish;
  iface->get_status = desk_get_status;
  iface->live_calls = hub_live_calls;
  iface->dial_async = hub_dial_async;
  iface->dial_finish = hub_dial_finish;
  iface->recent_calls = hub_recent_calls;
  iface->lookup_async = hub_lookup_async;
  iface->lookup_finish = hub_lookup_finish;
  iface->create_record_async = hub_create_record_async;
  iface->create_record_finish = hub_create_record_finish;
  iface->identity_is_current = hub_identity_is_current;
}

static void
rd_hub_desk_dispose (GObject *object)
{
  /* the engine is going: answers still in flight must not reach it */
  RD_HUB_DESK (object)->context = NULL;
  G_OBJECT_CLASS (rd_hub_desk_parent_class)->dispose (object);
}

static void
rd_hub_desk_finalize (GObject *object)
{
  RdHubDesk *self = RD_HUB_DESK (object);

  g_clear_object (&self->store);
  g_clear_object (&self->bindings);
  g_clear_object (&self->index);
  g_clear_object (&self->calls);
  G_OBJECT_CLASS (rd_hub_desk_parent_class)->finalize (object);
}

static void
rd_hub_desk_class_init (RdHubDeskClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_hub_desk_dispose;
  G_OBJECT_CLASS (klass)->finalize = rd_hub_desk_finalize;
}

static void
rd_hub_desk_init (RdHubDesk *self)
{
}

RdHubDesk *
rd_hub_desk_new (RdHubContext *context, RdStore *store, RdBindings *bindings, RdPhoneIndex *index,
                 RdCallTable *calls)
{
  RdHubDesk *self;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (context), NULL);
  g_return_val_if_fail (RD_IS_STORE (store), NULL);
  g_return_val_if_fail (RD_IS_BINDINGS (bindings), NULL);
  g_return_val_if_fail (RD_IS_PHONE_INDEX (index), NULL);
  g_return_val_if_fail (RD_IS_CALL_TABLE (calls), NULL);

  self = g_object_new (RD_TYPE_HUB_DESK, NULL);
  self->context = context;
  self->store = g_object_ref (store);
  self->bindings = g_object_ref (bindings);
  self->index = g_object_ref (index);
  self->calls = g_object_ref (calls);
  return self;
}
