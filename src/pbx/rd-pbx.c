/* rd-pbx.c — the PBX interface: signals, dispatch wrappers, helper types, and the
 * one place that picks a backend. */
#include "config.h"

#include "pbx/rd-pbx.h"

#include <string.h>

#include "core/rd-backend-registry.h"
#include "core/rd-error.h"
#include "pbx/rd-pbx-backends.h"

G_DEFINE_INTERFACE (RdPbx, rd_pbx, G_TYPE_OBJECT)

static void
rd_pbx_default_init (RdPbxInterface *iface)
{
  /**
   * RdPbx::state-changed:
   * @state: the new #RdPbxState
   * @message: (nullable): human text for FAILED / RECONNECTING
   */
  g_signal_new ("state-changed", RD_TYPE_PBX, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  /** RdPbx::call-event: a normalized live event for one extension leg. */
  g_signal_new ("call-event", RD_TYPE_PBX, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, RD_TYPE_CALL_EVENT);
  /** RdPbx::call-record: an end-of-call record (live or catch-up). */
  g_signal_new ("call-record", RD_TYPE_PBX, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, RD_TYPE_CALL_RECORD);
  /** RdPbx::dial-failed: (call_id, reason) the PBX reported a failed call. */
  g_signal_new ("dial-failed", RD_TYPE_PBX, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /** RdPbx::extensions-changed: the PBX reported an extension edit. */
  g_signal_new ("extensions-changed", RD_TYPE_PBX, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
  /** RdPbx::session-changed: what rd_pbx_dup_session_state() returns changed. */
  g_signal_new ("session-changed", RD_TYPE_PBX, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
}

#define IFACE(self) RD_PBX_GET_IFACE (self)

void
rd_pbx_start (RdPbx *self)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->start (self);
}

void
rd_pbx_stop_async (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->stop_async (self, c, cb, data);
}

gboolean
rd_pbx_stop_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), FALSE);
  return IFACE (self)->stop_finish (self, res, error);
}

RdPbxState
rd_pbx_get_state (RdPbx *self)
{
  g_return_val_if_fail (RD_IS_PBX (self), RD_PBX_STATE_DISCONNECTED);
  return IFACE (self)->get_state (self);
}

const char *
rd_pbx_get_state_message (RdPbx *self)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->get_state_message (self);
}

void
rd_pbx_set_high_water_mark (RdPbx *self, gint64 unix_seconds)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->set_high_water_mark (self, unix_seconds);
}

gint64
rd_pbx_get_high_water_mark (RdPbx *self)
{
  g_return_val_if_fail (RD_IS_PBX (self), 0);
  return IFACE (self)->get_high_water_mark (self);
}

void
rd_pbx_dial_async (RdPbx *self, const char *extension, const char *number,
                   GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->dial_async (self, extension, number, c, cb, data);
}

char *
rd_pbx_dial_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->dial_finish (self, res, error);
}

void
rd_pbx_list_extensions_async (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->list_extensions_async (self, c, cb, data);
}

GPtrArray *
rd_pbx_list_extensions_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->list_extensions_finish (self, res, error);
}

void
rd_pbx_list_phonebooks_async (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->list_phonebooks_async (self, c, cb, data);
}

GPtrArray *
rd_pbx_list_phonebooks_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->list_phonebooks_finish (self, res, error);
}

void
rd_pbx_create_phonebook_async (RdPbx *self, const char *name,
                               GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->create_phonebook_async (self, name, c, cb, data);
}

gint64
rd_pbx_create_phonebook_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), 0);
  return IFACE (self)->create_phonebook_finish (self, res, error);
}

void
rd_pbx_upsert_contact_async (RdPbx *self, gint64 phonebook_id, const RdPbxContact *contact,
                             GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->upsert_contact_async (self, phonebook_id, contact, c, cb, data);
}

gint64
rd_pbx_upsert_contact_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), 0);
  return IFACE (self)->upsert_contact_finish (self, res, error);
}

void
rd_pbx_search_contacts_async (RdPbx *self, const char *text,
                              GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->search_contacts_async (self, text, c, cb, data);
}

GPtrArray *
rd_pbx_search_contacts_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->search_contacts_finish (self, res, error);
}

void
rd_pbx_fetch_records_async (RdPbx *self, gint64 from, gint64 to,
                            GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->fetch_records_async (self, from, to, c, cb, data);
}

GPtrArray *
rd_pbx_fetch_records_finish (RdPbx *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->fetch_records_finish (self, res, error);
}

/* ---- helper types ------------------------------------------------------- */

void
rd_extension_free (RdExtension *ext)
{
  if (ext == NULL)
    return;
  g_free (ext->id);
  g_free (ext->number);
  g_free (ext->name);
  g_free (ext->email);
  g_free (ext->mobile);
  g_free (ext->presence);
  g_free (ext);
}

void
rd_phonebook_free (RdPhonebook *book)
{
  if (book == NULL)
    return;
  g_free (book->name);
  g_free (book);
}

static void
contact_number_free (gpointer data)
{
  RdPbxContactNumber *n = data;

  g_free (n->type);
  g_free (n->number);
  g_free (n);
}

RdPbxContact *
rd_pbx_contact_new (void)
{
  RdPbxContact *contact = g_new0 (RdPbxContact, 1);

  contact->numbers = g_ptr_array_new_with_free_func (contact_number_free);
  return contact;
}

void
rd_pbx_contact_add_number (RdPbxContact *contact, const char *type, const char *number)
{
  RdPbxContactNumber *n;

  g_return_if_fail (contact != NULL);
  g_return_if_fail (type != NULL && number != NULL);
  n = g_new0 (RdPbxContactNumber, 1);
  n->type = g_strdup (type);
  n->number = g_strdup (number);
  g_ptr_array_add (contact->numbers, n);
}

void
rd_pbx_contact_free (RdPbxContact *contact)
{
  if (contact == NULL)
    return;
  g_free (contact->first_name);
  g_free (contact->last_name);
  g_free (contact->company);
  g_free (contact->email);
  g_free (contact->remark);
  g_clear_pointer (&contact->numbers, g_ptr_array_unref);
  g_free (contact);
}

const char *
rd_pbx_state_to_string (RdPbxState state)
{
  switch (state)
    {
    case RD_PBX_STATE_DISCONNECTED: return "disconnected";
    case RD_PBX_STATE_CONNECTING: return "connecting";
    case RD_PBX_STATE_CONNECTED: return "connected";
    case RD_PBX_STATE_RECONNECTING: return "reconnecting";
    case RD_PBX_STATE_FAILED: return "failed";
    }
  return "unknown";
}

void
rd_pbx_config_clear (RdPbxConfig *config)
{
  if (config == NULL)
    return;
  g_clear_pointer (&config->kind, g_free);
  g_clear_pointer (&config->base_url, g_free);
  g_clear_pointer (&config->cert_sha256, g_free);
  g_clear_pointer (&config->user_agent, g_free);
  if (config->session_state != NULL)
    explicit_bzero (config->session_state, strlen (config->session_state));
  g_clear_pointer (&config->session_state, g_free);
  g_clear_pointer (&config->options, rd_options_unref);
  config->request_timeout = 0;
  config->allow_insecure = FALSE;
}

void
rd_pbx_config_copy (const RdPbxConfig *config, RdPbxConfig *dest)
{
  g_return_if_fail (config != NULL && dest != NULL);
  dest->kind = g_strdup (config->kind);
  dest->base_url = g_strdup (config->base_url);
  dest->cert_sha256 = g_strdup (config->cert_sha256);
  dest->user_agent = g_strdup (config->user_agent);
  dest->request_timeout = config->request_timeout;
  dest->allow_insecure = config->allow_insecure;
  dest->session_state = g_strdup (config->session_state);
  dest->options = rd_options_copy (config->options);
}

char *
rd_pbx_dup_session_state (RdPbx *self)
{
  g_return_val_if_fail (RD_IS_PBX (self), NULL);
  return IFACE (self)->dup_session_state (self);
}

void
rd_pbx_adopt_calls (RdPbx *self, GPtrArray *legs)
{
  g_return_if_fail (RD_IS_PBX (self));
  IFACE (self)->adopt_calls (self, legs);
}

/* ---- the backend registry ------------------------------------------------ */

static RdBackendRegistry registry;

void
rd_pbx_register_backend (const RdPbxBackend *backend)
{
  g_return_if_fail (backend != NULL && backend->kind != NULL && backend->new_func != NULL);
  rd_backend_registry_add (&registry, backend);
}

const RdPbxBackend *
rd_pbx_find_backend (const char *kind, GError **error)
{
  return rd_backend_registry_find (&registry, (const gconstpointer *) rd_pbx_builtin_backends, kind, "PBX",
                                   error);
}

GPtrArray *
rd_pbx_list_backends (void)
{
  return rd_backend_registry_list (&registry, (const gconstpointer *) rd_pbx_builtin_backends);
}

RdPbx *
rd_pbx_new (const RdPbxConfig *config, GError **error)
{
  const RdPbxBackend *backend;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  backend = rd_pbx_find_backend (config->kind, error);
  if (backend == NULL || !rd_options_validate (config->options, backend->options, error))
    return NULL;
  return backend->new_func (config, error);
}
