/* rd-keyring.c — the keyring API over ringdesk-keyring.so (libsecret, rd-keyring-backend.h),
 * which is loaded the first time a secret is stored, looked up or cleared. */
#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>
#include <string.h>

#include "rd-keyring.h"
#include "rd-keyring-backend.h"
#include "rd-paths.h"

typedef const RdKeyringBackend *(*GetFunc) (guint version);

/* The module's table, loading it the first time; NULL with an error a user can act on. A
 * failure is not remembered: a later call tries again. */
static const RdKeyringBackend *
backend (GError **error)
{
  static const RdKeyringBackend *table;
  g_autofree char *path = NULL;
  GModule *module;
  GetFunc get = NULL;

  if (table)
    return table;
  path = rd_paths_get_module (RD_KEYRING_BACKEND_MODULE);
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The keyring could not be used: %s could not be loaded (%s). Reinstall Ringdesk."),
                   RD_KEYRING_BACKEND_MODULE, g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, RD_KEYRING_BACKEND_SYMBOL, (gpointer *) &get) || get == NULL ||
      (table = get (RD_KEYRING_BACKEND_VERSION)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The keyring could not be used: %s is from another version. Reinstall Ringdesk."), path);
      g_module_close (module);
      return NULL;
    }
  /* libsecret registers GObject types: it stays for the life of the process. */
  g_module_make_resident (module);
  g_debug ("loaded %s", path);
  return table;
}

const char *
rd_keyring_kind_to_string (RdKeyringKind kind)
{
  switch (kind)
    {
    case RD_KEYRING_AGENT_KEY: return "agent-key";
    case RD_KEYRING_CRM_KEY: return "crm-key";
    case RD_KEYRING_PBX_SECRET: return "pbx-secret";
    case RD_KEYRING_CRM_ADMIN_KEY: return "crm-admin-key";
    default: g_return_val_if_reached ("unknown");
    }
}

static char *
make_label (RdKeyringKind kind, const char *account)
{
  switch (kind)
    {
    case RD_KEYRING_AGENT_KEY: return g_strdup_printf (_("Ringdesk agent key for extension %s"), account);
    case RD_KEYRING_CRM_KEY: return g_strdup_printf (_("Ringdesk CRM API key for %s"), account);
    case RD_KEYRING_PBX_SECRET: return g_strdup_printf (_("Ringdesk PBX client secret for %s"), account);
    case RD_KEYRING_CRM_ADMIN_KEY: return g_strdup_printf (_("Ringdesk CRM administrator key for %s"), account);
    default: g_return_val_if_reached (g_strdup ("Ringdesk"));
    }
}

/* Stores run one at a time, process-wide: libsecret's file backend (used in Flatpak and by
 * the tests) loads, changes and rewrites the whole keyring file per store, so two concurrent
 * stores lose one of the secrets. */
typedef struct {
  RdKeyringKind kind;
  char         *account;
  char         *secret;
} StoreData;

static void
store_data_free (StoreData *d)
{
  g_free (d->account);
  if (d->secret)
    explicit_bzero (d->secret, strlen (d->secret));
  g_free (d->secret);
  g_free (d);
}

static GQueue store_queue = G_QUEUE_INIT;   /* GTask; the head is running */

static void store_next (void);

static void
on_password_stored (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  g_queue_pop_head (&store_queue);
  if (backend (NULL)->store_finish (res, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  store_next ();
}

static void
store_next (void)
{
  GTask *task = g_queue_peek_head (&store_queue);
  const RdKeyringBackend *table;
  GError *error = NULL;
  StoreData *d;
  g_autofree char *label = NULL;

  if (task == NULL)
    return;
  table = backend (&error);
  if (table == NULL)
    {
      g_queue_pop_head (&store_queue);
      g_task_return_error (task, error);
      g_object_unref (task);
      store_next ();
      return;
    }
  d = g_task_get_task_data (task);
  label = make_label (d->kind, d->account);
  table->store (rd_keyring_kind_to_string (d->kind), d->account, label, d->secret, g_task_get_cancellable (task),
                on_password_stored, task);
}

void
rd_keyring_store_async (RdKeyringKind kind, const char *account, const char *secret,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  StoreData *d;

  g_return_if_fail (account != NULL && secret != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_keyring_store_async);
  d = g_new0 (StoreData, 1);
  d->kind = kind;
  d->account = g_strdup (account);
  d->secret = g_strdup (secret);
  g_task_set_task_data (task, d, (GDestroyNotify) store_data_free);
  g_queue_push_tail (&store_queue, task);
  if (g_queue_get_length (&store_queue) == 1)
    store_next ();
}

gboolean
rd_keyring_store_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
rd_keyring_lookup_async (RdKeyringKind kind, const char *account, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  const RdKeyringBackend *table;
  GError *error = NULL;

  g_return_if_fail (account != NULL);

  table = backend (&error);
  if (table == NULL)
    g_task_report_error (NULL, callback, user_data, rd_keyring_lookup_async, error);
  else
    table->lookup (rd_keyring_kind_to_string (kind), account, cancellable, callback, user_data);
}

char *
rd_keyring_lookup_finish (GAsyncResult *result, GError **error)
{
  if (g_async_result_is_tagged (result, rd_keyring_lookup_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return backend (NULL)->lookup_finish (result, error);
}

void
rd_keyring_clear_async (RdKeyringKind kind, const char *account, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  const RdKeyringBackend *table;
  GError *error = NULL;

  g_return_if_fail (account != NULL);

  table = backend (&error);
  if (table == NULL)
    g_task_report_error (NULL, callback, user_data, rd_keyring_clear_async, error);
  else
    table->clear (rd_keyring_kind_to_string (kind), account, cancellable, callback, user_data);
}

gboolean
rd_keyring_clear_finish (GAsyncResult *result, GError **error)
{
  if (g_async_result_is_tagged (result, rd_keyring_clear_async))
    return g_task_propagate_boolean (G_TASK (result), error);
  return backend (NULL)->clear_finish (result, error);
}

void
rd_keyring_free (char *secret)
{
  const RdKeyringBackend *table;

  if (secret == NULL)
    return;
  /* libsecret frees its own (possibly non-pageable) secrets and plain ones alike; without the
   * module, the secret can only be a plain copy (a key the hub on this computer issued). */
  table = backend (NULL);
  if (table != NULL)
    table->free_secret (secret);
  else
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}
