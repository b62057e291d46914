/* rd-keyring.c — the keyring API over ringdesk-keyring.so (libsecret, rd-keyring-backend.h),
 * which is loaded the first time a secret is stored, looked up or cleared. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "rd-keyring.h"
#include "rd-keyring-backend.h"
#include "rd-module.h"

/* The module's table, loading it the first time; NULL with an error a user can act on. A
 * failure is not remembered: a later call tries again. */
static const RdKeyringBackend *
backend (GError **error)
{
  static const RdKeyringBackend *table;
  g_autoptr(GError) local = NULL;

  if (table == NULL &&
      (table = rd_module_load (RD_KEYRING_BACKEND_MODULE, RD_KEYRING_BACKEND_SYMBOL, RD_KEYRING_BACKEND_VERSION,
                               &local)) == NULL)
    /* TRANSLATORS: %s says what is wrong with the keyring's module */
    g_set_error (error, local->domain, local->code, _("The keyring could not be used: %s. Reinstall Ringdesk."),
                 local->message);
  return table;
}

const char *
rd_keyring_kind_to_string (RdKeyringKind kind)
{
  switch (kind)
    {
    case RD_KEYRING_AGENT_KEY: return "agent-key";
    case RD_KEYRING_CRM_KEY: return "crm-key";
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
    case RD_KEYRING_CRM_ADMIN_KEY: return g_strdup_printf (_("Ringdesk CRM administrator key for %s"), account);
    default: g_return_val_if_reached (g_strdup ("Ringdesk"));
    }
}

/* Operations run one at a time, process-wide: libsecret's file backend (used in Flatpak and by
 * the tests) loads, changes and rewrites the whole keyring file per store, so two concurrent
 * stores lose one of the secrets, and a store while a lookup is still opening the file is lost
 * to later lookups. */
typedef enum { OP_STORE, OP_LOOKUP, OP_CLEAR } Op;

typedef struct {
  Op    op;
  char *kind;
  char *account;
  char *label;    /* OP_STORE */
  char *secret;   /* OP_STORE */
} OpData;

static void
op_data_free (OpData *d)
{
  g_free (d->kind);
  g_free (d->account);
  g_free (d->label);
  if (d->secret)
    explicit_bzero (d->secret, strlen (d->secret));
  g_free (d->secret);
  g_free (d);
}

static GQueue queue = G_QUEUE_INIT;   /* GTask, waiting */
static gboolean running;

static void run_next (void);

static void
on_op_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OpData *d = g_task_get_task_data (task);
  const RdKeyringBackend *table = backend (NULL);
  GError *error = NULL;

  running = FALSE;
  switch (d->op)
    {
    case OP_STORE:
      if (table->store_finish (res, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;
    case OP_LOOKUP:
      {
        char *secret = table->lookup_finish (res, &error);

        if (error != NULL)
          g_task_return_error (task, error);
        else
          g_task_return_pointer (task, secret, (GDestroyNotify) table->free_secret);
      }
      break;
    case OP_CLEAR:
      /* FALSE without an error: there was nothing to remove, which is as good. */
      table->clear_finish (res, &error);
      if (error != NULL)
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      break;
    default:
      g_assert_not_reached ();
    }
  run_next ();
}

static void
run_next (void)
{
  const RdKeyringBackend *table;
  GError *error = NULL;
  GTask *task;
  OpData *d;

  if (running || (task = g_queue_pop_head (&queue)) == NULL)
    return;
  table = backend (&error);
  if (table == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      run_next ();
      return;
    }
  running = TRUE;
  d = g_task_get_task_data (task);
  switch (d->op)
    {
    case OP_STORE:
      table->store (d->kind, d->account, d->label, d->secret, g_task_get_cancellable (task), on_op_done, task);
      break;
    case OP_LOOKUP:
      table->lookup (d->kind, d->account, g_task_get_cancellable (task), on_op_done, task);
      break;
    case OP_CLEAR:
      table->clear (d->kind, d->account, g_task_get_cancellable (task), on_op_done, task);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
enqueue (Op op, const char *kind, const char *account, const char *label, const char *secret,
         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  OpData *d = g_new0 (OpData, 1);

  g_task_set_source_tag (task, enqueue);
  d->op = op;
  d->kind = g_strdup (kind);
  d->account = g_strdup (account);
  d->label = g_strdup (label);
  d->secret = g_strdup (secret);
  g_task_set_task_data (task, d, (GDestroyNotify) op_data_free);
  g_queue_push_tail (&queue, task);
  run_next ();
}

void
rd_keyring_store_item_async (const char *kind, const char *account, const char *label, const char *secret,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (kind != NULL && account != NULL && label != NULL && secret != NULL);
  enqueue (OP_STORE, kind, account, label, secret, cancellable, callback, user_data);
}

void
rd_keyring_store_async (RdKeyringKind kind, const char *account, const char *secret,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *label = NULL;

  g_return_if_fail (account != NULL && secret != NULL);
  label = make_label (kind, account);
  rd_keyring_store_item_async (rd_keyring_kind_to_string (kind), account, label, secret, cancellable, callback,
                               user_data);
}

gboolean
rd_keyring_store_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
rd_keyring_lookup_item_async (const char *kind, const char *account, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (kind != NULL && account != NULL);
  enqueue (OP_LOOKUP, kind, account, NULL, NULL, cancellable, callback, user_data);
}

void
rd_keyring_lookup_async (RdKeyringKind kind, const char *account, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  rd_keyring_lookup_item_async (rd_keyring_kind_to_string (kind), account, cancellable, callback, user_data);
}

char *
rd_keyring_lookup_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
rd_keyring_clear_item_async (const char *kind, const char *account, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (kind != NULL && account != NULL);
  enqueue (OP_CLEAR, kind, account, NULL, NULL, cancellable, callback, user_data);
}

void
rd_keyring_clear_async (RdKeyringKind kind, const char *account, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  rd_keyring_clear_item_async (rd_keyring_kind_to_string (kind), account, cancellable, callback, user_data);
}

gboolean
rd_keyring_clear_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
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
