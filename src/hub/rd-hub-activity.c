/* rd-hub-activity.c — what the hub did, for its administrators: the outbox (with retry),
 * recent calls of every extension with their CRM record and log state, and the audit log. */
#include "config.h"

#include "hub/rd-hub-activity.h"

#include "core/rd-error.h"
#include "hub/rd-desk-frames.h"

#include <string.h>

struct _RdHubActivity
{
  GObject       parent_instance;
  RdHubContext *context;   /* not owned: the engine owns the activity */
  RdHubControl *control;   /* the same engine */
  RdStore      *store;
  RdBindings   *bindings;
  RdAuditLog   *audit;
};

G_DEFINE_FINAL_TYPE (RdHubActivity, rd_hub_activity, G_TYPE_OBJECT)

static const char *
outbox_state_string (RdOutboxState state)
{
  switch (state)
    {
    case RD_OUTBOX_PENDING: return "pending";
    case RD_OUTBOX_CLAIMED: return "working";
    case RD_OUTBOX_DONE: return "done";
    default: return "failed";
    }
}

static void
set_string_or_null (JsonObject *object, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* "call-log:uid:123" → "uid:123"; NULL for items that are not about one call. */
static const char *
call_key_of (const char *item_key)
{
  static const char * const prefixes[] = { "call-log:", "callback:", "auto-create:" };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (item_key, prefixes[i]))
      return item_key + strlen (prefixes[i]);
  return NULL;
}

JsonArray *
rd_hub_activity_list_outbox (RdHubActivity *self, gboolean failed_only, guint limit, GError **error)
{
  g_autoptr(GPtrArray) items = NULL;
  guint states = 1u << RD_OUTBOX_DEAD;
  JsonArray *array;

  g_return_val_if_fail (RD_IS_HUB_ACTIVITY (self), NULL);
  if (!failed_only)
    states |= (1u << RD_OUTBOX_PENDING) | (1u << RD_OUTBOX_CLAIMED);
  items = rd_store_outbox_list (self->store, states, limit, error);
  if (items == NULL)
    return NULL;
  array = json_array_new ();
  for (guint i = 0; i < items->len; i++)
    {
      RdOutboxItem *item = g_ptr_array_index (items, i);
      JsonObject *object = json_object_new ();

      json_object_set_int_member (object, "id", item->id);
      json_object_set_string_member (object, "kind", item->kind);
      json_object_set_string_member (object, "state", outbox_state_string (item->state));
      json_object_set_int_member (object, "attempts", item->attempts);
      json_object_set_int_member (object, "next_attempt", item->next_attempt);
      set_string_or_null (object, "last_error", item->last_error);
      json_object_set_int_member (object, "created", item->created);
      set_string_or_null (object, "call_key", call_key_of (item->key));
      json_array_add_object_element (array, object);
    }
  return array;
}

gboolean
rd_hub_activity_retry_outbox (RdHubActivity *self, gint64 id, guint *out_count, GError **error)
{
  g_autoptr(GPtrArray) dead = NULL;
  guint count = 0;

  g_return_val_if_fail (RD_IS_HUB_ACTIVITY (self), FALSE);

  if (out_count != NULL)
    *out_count = 0;
  if (id < 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Give an item id, or 0 for every failed item");
      return FALSE;
    }
  if (id > 0)
    {
      if (!rd_store_outbox_retry (self->store, id, error))
        return FALSE;
      count = 1;
    }
  else
    {
      dead = rd_store_outbox_list (self->store, 1u << RD_OUTBOX_DEAD, 0, error);
      if (dead == NULL)
        return FALSE;
      for (guint i = 0; i < dead->len; i++)
        {
          if (!rd_store_outbox_retry (self->store, ((RdOutboxItem *) g_ptr_array_index (dead, i))->id, error))
            return FALSE;
          count++;
        }
    }
  if (out_count != NULL)
    *out_count = count;
  g_message ("Outbox: %u item(s) to be retried now", count);
  rd_hub_control_kick_outbox (self->control);
  rd_hub_control_status_changed (self->control);
  return TRUE;
}

static void
fill_match_url (RdHubActivity *self, RdCrmMatch *match)
{
  RdCrm *crm = rd_hub_context_get_crm (self->context);

  if (match->url == NULL && crm != NULL && rd_crm_get_info (crm) != NULL)
    match->url = rd_crm_record_url (crm, match->kind, match->id);
}

/* The stored match of a call, else the record that holds the number now (the phone index). */
static JsonObject *
call_match (RdHubActivity *self, const RdCallRecord *record, const char *match_text)
{
  const char *remote;
  g_autoptr(RdPhoneNumber) number = NULL;
  g_autoptr(GPtrArray) local = NULL;
  JsonObject *match;

  if (match_text != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (json_parser_load_from_data (parser, match_text, -1, NULL) &&
          (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
        {
          match = json_object_ref (json_node_get_object (root));
          if (!json_object_has_member (match, "url") || json_object_get_null_member (match, "url"))
            {
              g_autoptr(RdCrmMatch) with_url = g_new0 (RdCrmMatch, 1);

              with_url->kind = rd_crm_kind_from_string (json_object_get_string_member_with_default (match, "kind", ""));
              with_url->id = json_object_get_int_member_with_default (match, "id", 0);
              fill_match_url (self, with_url);
              set_string_or_null (match, "url", with_url->url);
            }
          return match;
        }
    }
  if (record->direction != RD_DIRECTION_INBOUND && record->direction != RD_DIRECTION_OUTBOUND)
    return NULL;
  remote = record->direction == RD_DIRECTION_INBOUND ? record->from_number : record->to_number;
  number = rd_phone_parse (remote != NULL ? remote : "", -1, rd_hub_context_get_region (self->context), NULL, NULL);
  if (number == NULL || !rd_phone_index_is_searchable (number))
    return NULL;
  local = rd_hub_context_lookup_local (self->context, number);
  if (local->len == 0)
    return NULL;
  fill_match_url (self, g_ptr_array_index (local, 0));
  return rd_desk_match_to_json (g_ptr_array_index (local, 0));
}

static JsonObject *
call_log_state (RdHubActivity *self, const char *call_key)
{
  g_autofree char *key = g_strconcat ("call-log:", call_key, NULL);
  g_autoptr(RdOutboxItem) item = rd_store_outbox_get (self->store, key);
  JsonObject *log;

  if (item == NULL)
    return NULL;
  log = json_object_new ();
  json_object_set_int_member (log, "id", item->id);
  json_object_set_string_member (log, "state", outbox_state_string (item->state));
  json_object_set_int_member (log, "attempts", item->attempts);
  set_string_or_null (log, "error", item->state == RD_OUTBOX_DONE ? NULL : item->last_error);
  return log;
}

JsonArray *
rd_hub_activity_list_calls (RdHubActivity *self, guint limit, GError **error)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  JsonArray *array;

  g_return_val_if_fail (RD_IS_HUB_ACTIVITY (self), NULL);
  records = rd_store_calls_recent (self->store, NULL, limit, &matches, error);
  if (records == NULL)
    return NULL;
  array = json_array_new ();
  for (guint i = 0; i < records->len; i++)
    {
      RdCallRecord *record = g_ptr_array_index (records, i);
      g_autofree char *key = rd_call_record_key (record);
      g_autoptr(RdBinding) binding = rd_bindings_get_by_extension (self->bindings, record->extension);
      JsonObject *object = json_object_new ();
      JsonObject *match = call_match (self, record, g_ptr_array_index (matches, i));
      JsonObject *log = call_log_state (self, key);

      json_object_set_string_member (object, "key", key);
      json_object_set_int_member (object, "start", record->start_unix);
      json_object_set_string_member (object, "direction", rd_direction_to_string (record->direction));
      set_string_or_null (object, "extension", record->extension);
      set_string_or_null (object, "user", binding != NULL ? binding->user_name : NULL);
      set_string_or_null (object, "from", record->from_number);
      set_string_or_null (object, "from_name", record->from_name);
      set_string_or_null (object, "to", record->to_number);
      set_string_or_null (object, "to_name", record->to_name);
      json_object_set_string_member (object, "outcome", rd_outcome_to_string (record->outcome));
      json_object_set_int_member (object, "ring", record->ring_seconds);
      json_object_set_int_member (object, "talk", record->talk_seconds);
      if (match != NULL)
        json_object_set_object_member (object, "match", match);
      else
        json_object_set_null_member (object, "match");
      if (log != NULL)
        json_object_set_object_member (object, "log", log);
      else
        json_object_set_null_member (object, "log");
      json_array_add_object_element (array, object);
    }
  return array;
}

void
rd_hub_activity_audit (RdHubActivity *self, const char *actor, const char *action, const char *detail)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (RD_IS_HUB_ACTIVITY (self));

  if (!rd_audit_log_add (self->audit, actor, action, detail, &error))
    g_warning ("Cannot write the audit log: %s", error->message);
}

JsonArray *
rd_hub_activity_list_audit (RdHubActivity *self, guint limit, GError **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  JsonArray *array;

  g_return_val_if_fail (RD_IS_HUB_ACTIVITY (self), NULL);

  entries = rd_audit_log_list (self->audit, limit, error);
  if (entries == NULL)
    return NULL;
  array = json_array_new ();
  for (guint i = 0; i < entries->len; i++)
    {
      RdAuditEntry *entry = g_ptr_array_index (entries, i);
      JsonObject *object = json_object_new ();

      json_object_set_int_member (object, "id", entry->id);
      json_object_set_int_member (object, "time", entry->time);
      json_object_set_string_member (object, "actor", entry->actor);
      json_object_set_string_member (object, "action", entry->action);
      set_string_or_null (object, "detail", entry->detail);
      json_array_add_object_element (array, object);
    }
  return array;
}

static void
rd_hub_activity_finalize (GObject *object)
{
  RdHubActivity *self = RD_HUB_ACTIVITY (object);

  g_clear_object (&self->store);
  g_clear_object (&self->bindings);
  g_clear_object (&self->audit);
  G_OBJECT_CLASS (rd_hub_activity_parent_class)->finalize (object);
}

static void
rd_hub_activity_class_init (RdHubActivityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_hub_activity_finalize;
}

static void
rd_hub_activity_init (RdHubActivity *self)
{
}

RdHubActivity *
rd_hub_activity_new (RdHubContext *context, RdHubControl *control, RdStore *store, RdBindings *bindings,
                     RdAuditLog *audit)
{
  RdHubActivity *self;

  g_return_val_if_fail (RD_IS_HUB_CONTEXT (context), NULL);
  g_return_val_if_fail (RD_IS_HUB_CONTROL (control), NULL);
  g_return_val_if_fail (RD_IS_STORE (store), NULL);
  g_return_val_if_fail (RD_IS_BINDINGS (bindings), NULL);
  g_return_val_if_fail (RD_IS_AUDIT_LOG (audit), NULL);

  self = g_object_new (RD_TYPE_HUB_ACTIVITY, NULL);
  self->context = context;
  self->control = control;
  self->store = g_object_ref (store);
  self->bindings = g_object_ref (bindings);
  self->audit = g_object_ref (audit);
  return self;
}
