/* rd-hub-calls.c — the caller lookup (the phone index, then one CRM search), end-of-call
 * records (store + outbox), and the PBX's call signals handed to the live-call table
 * (rd-call-table.c). */
#include "config.h"

#include "hub/rd-hub-private.h"

#include "core/rd-error.h"

/* ---- lookup: index first, then one CRM search ----------------------------- */

GPtrArray *
rd_hub_lookup_local (RdHub *self, const RdPhoneNumber *number)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *matches = rd_phone_index_lookup (self->index, number, &error);

  if (matches == NULL)
    {
      g_warning ("Phone index lookup failed: %s", error->message);
      return g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
    }
  for (guint i = 0; i < matches->len; i++)
    rd_hub_fill_match_url (self, g_ptr_array_index (matches, i));
  return matches;
}

static void
lookup_crm_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RdHub *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = rd_crm_find_by_phone_finish (RD_CRM (source), result, &error);

  if (matches == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Keep the index fresh with what the CRM just told us. */
  for (guint i = 0; i < matches->len; i++)
    {
      RdCrmMatch *match = g_ptr_array_index (matches, i);
      g_autoptr(GError) put_error = NULL;

      if (match->numbers != NULL && !rd_phone_index_put_match (self->index, match, &put_error))
        g_warning ("Phone index update failed: %s", put_error->message);
      rd_hub_fill_match_url (self, match);
    }
  g_task_return_pointer (task, g_steal_pointer (&matches), (GDestroyNotify) g_ptr_array_unref);
}

void
rd_hub_lookup_async (RdHub *self, const RdPhoneNumber *number, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GPtrArray) local = NULL;

  g_task_set_source_tag (task, rd_hub_lookup_async);
  local = rd_hub_lookup_local (self, number);
  if (local->len > 0 || !rd_hub_crm_ready (self) || !rd_phone_index_is_searchable (number))
    {
      g_task_return_pointer (task, g_steal_pointer (&local), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  rd_crm_find_by_phone_async (rd_crm_link_get_crm (self->crm_link), number, RD_CRM_KIND_ALL, cancellable, lookup_crm_cb,
                              g_steal_pointer (&task));
}

GPtrArray *
rd_hub_lookup_finish (RdHub *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- live events: the live-call table ----------------------------------------- */

void
rd_hub_on_call_event (RdPbx *pbx, RdCallEvent *event, RdHub *self)
{
  if (self->calls != NULL)
    rd_call_table_on_event (self->calls, event);
}

void
rd_hub_on_calls_send (RdCallTable *calls, const char *extension, JsonObject *frame, RdHub *self)
{
  if (self->agent_server != NULL)
    rd_desk_server_send_to_extension (self->agent_server, extension, frame);
}

void
rd_hub_on_dial_failed (RdPbx *pbx, const char *call_id, const char *reason, RdHub *self)
{
  if (self->calls != NULL)
    rd_call_table_dial_failed (self->calls, call_id, reason);
}

/* ---- end-of-call records ---------------------------------------------------- */

/* Stores one record and enqueues its CRM work, atomically. Returns TRUE when new. */
static gboolean
intake_record (RdHub *self, const RdCallRecord *record, const RdBinding *binding, GError **error)
{
  const char *remote_raw = record->direction == RD_DIRECTION_INBOUND ? record->from_number : record->to_number;
  g_autoptr(RdPhoneNumber) remote = NULL;
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(JsonObject) match = NULL;
  g_autofree char *match_text = NULL;
  gboolean inserted = FALSE;
  gboolean external;

  external = record->direction == RD_DIRECTION_INBOUND || record->direction == RD_DIRECTION_OUTBOUND;
  if (external)
    {
      g_autoptr(GError) parse_error = NULL;

      remote = rd_hub_parse_number (self, remote_raw, &parse_error);
      if (remote == NULL)
        g_debug ("Call record %s: remote number not usable: %s", record->call_id, parse_error->message);
    }
  if (remote != NULL && rd_phone_index_is_searchable (remote) && rd_crm_link_get_state (self->crm_link) != RD_HUB_CRM_NOT_CONFIGURED)
    {
      local = rd_hub_lookup_local (self, remote);
      if (local->len > 0)
        {
          match = rd_desk_match_to_json (g_ptr_array_index (local, 0));
          match_text = rd_desk_frame_to_text (match, NULL);
        }
    }

  if (!rd_store_begin (self->store, error))
    return FALSE;
  if (!rd_store_call_upsert (self->store, record, match_text, &inserted, error))
    goto fail;
  if (inserted && external && rd_crm_link_get_state (self->crm_link) != RD_HUB_CRM_NOT_CONFIGURED &&
      !rd_outbox_worker_enqueue_call (self->outbox, record, binding, remote, match, error))
    goto fail;
  if (!rd_store_commit (self->store, error))
    goto fail;
  return inserted;

fail:
  rd_store_rollback (self->store);
  return FALSE;
}

void
rd_hub_on_call_record (RdPbx *pbx, RdCallRecord *record, RdHub *self)
{
  g_autoptr(RdBinding) binding = NULL;
  g_autoptr(GError) error = NULL;
  gboolean inserted;

  if (record == NULL || ((record->uid == NULL || *record->uid == '\0') &&
                         (record->call_id == NULL || *record->call_id == '\0')))
    {
      g_warning ("Ignoring a call record without a call id or uid");
      return;
    }

  binding = rd_bindings_get_by_extension (self->bindings, record->extension);
  if (binding != NULL)
    {
      /* Relaxed: a power cut can take back the record only with the mark after it (WAL order),
       * and the PBX then sends it again; the outbox waits for the disk before posting it. */
      rd_store_relaxed_begin (self->store);
      inserted = intake_record (self, record, binding, &error);
      rd_store_relaxed_end (self->store);
      if (error != NULL)
        {
          /* Do not advance the mark past a record we could not keep: catch-up brings it back. */
          g_warning ("Cannot store call record %s: %s", record->call_id ? record->call_id : record->uid,
                     error->message);
          return;
        }
      if (inserted)
        {
          g_debug ("Call %s of extension %s recorded (%s)", record->call_id ? record->call_id : record->uid,
                   record->extension, rd_outcome_to_string (record->outcome));
          if (self->agent_server != NULL && record->call_id != NULL)
            {
              g_autoptr(JsonObject) frame = rd_desk_frame_call_logged (record->call_id, record->outcome,
                                                                        record->total_seconds);

              rd_desk_server_send_to_extension (self->agent_server, record->extension, frame);
            }
          rd_hub_outbox_kick (self);
        }
    }
  if (record->call_id != NULL)
    rd_call_table_forget_dial (self->calls, record->call_id);
  rd_store_relaxed_begin (self->store);
  rd_pbx_link_save_mark (self->pbx_link, pbx);
  rd_store_relaxed_end (self->store);
}
