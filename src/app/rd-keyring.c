/* rd-keyring.c — libsecret with a static schema (SECRET_SCHEMA_DONT_MATCH_NAME: gnome-keyring
 * does not search locked keyrings by schema name). */
#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "rd-keyring.h"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APP_ID, SECRET_SCHEMA_DONT_MATCH_NAME,
    {
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  return &schema;
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
    secret_password_wipe (d->secret);
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
  if (secret_password_store_finish (res, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  store_next ();
}

static void
store_next (void)
{
  GTask *task = g_queue_peek_head (&store_queue);
  StoreData *d;
  g_autofree char *label = NULL;

  if (task == NULL)
    return;
  d = g_task_get_task_data (task);
  label = make_label (d->kind, d->account);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, d->secret,
                         g_task_get_cancellable (task), on_password_stored, task,
                         "kind", rd_keyring_kind_to_string (d->kind), "account", d->account, NULL);
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
  g_return_if_fail (account != NULL);

  secret_password_lookup (get_schema (), cancellable, callback, user_data,
                          "kind", rd_keyring_kind_to_string (kind), "account", account, NULL);
}

char *
rd_keyring_lookup_finish (GAsyncResult *result, GError **error)
{
  return secret_password_lookup_finish (result, error);
}

void
rd_keyring_clear_async (RdKeyringKind kind, const char *account, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (account != NULL);

  secret_password_clear (get_schema (), cancellable, callback, user_data,
                         "kind", rd_keyring_kind_to_string (kind), "account", account, NULL);
}

gboolean
rd_keyring_clear_finish (GAsyncResult *result, GError **error)
{
  return secret_password_clear_finish (result, error);
}

void
rd_keyring_free (char *secret)
{
  secret_password_free (secret);
}
