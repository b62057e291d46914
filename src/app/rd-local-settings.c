/* rd-local-settings.c — see rd-local-settings.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-keyring.h"
#include "rd-local-settings.h"

#define LEGACY_PBX_SECRET "pbx-secret"   /* the keyring item of older versions, by client ID */

static const char *
key_for (RdEmbeddedPart part, const char *what)
{
  static const char *keys[][2] = {
    { "local-pbx-kind", "local-crm-kind" },
    { "local-pbx-options", "local-crm-options" },
  };

  return keys[g_str_equal (what, "kind") ? 0 : 1][part == RD_EMBEDDED_PBX ? 0 : 1];
}

const RdEmbeddedBackend *
rd_local_settings_find_backend (GPtrArray *backends, const char *kind)
{
  if (backends == NULL || backends->len == 0)
    return NULL;
  if (kind == NULL || *kind == '\0')
    return backends->pdata[0];
  for (guint i = 0; i < backends->len; i++)
    if (g_str_equal (((RdEmbeddedBackend *) backends->pdata[i])->kind, kind))
      return backends->pdata[i];
  return NULL;
}

char *
rd_local_settings_get_kind (GSettings *settings, RdEmbeddedPart part)
{
  return g_settings_get_string (settings, key_for (part, "kind"));
}

RdOptions *
rd_local_settings_get_options (GSettings *settings, RdEmbeddedPart part)
{
  g_autoptr(GVariant) dict = g_settings_get_value (settings, key_for (part, "options"));
  RdOptions *options = rd_options_new ();
  GVariantIter iter;
  const char *name, *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    rd_options_set (options, name, value);
  return options;
}

void
rd_local_settings_set (GSettings *settings, RdEmbeddedPart part, const char *kind, const RdOptionSpec *specs,
                       const RdOptions *options)
{
  g_autofree const char **names = rd_options_list (options);
  GVariantBuilder dict;

  g_variant_builder_init (&dict, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      const RdOptionSpec *spec = rd_option_spec_find (specs, names[i]);

      if (spec != NULL && !(spec->flags & RD_OPTION_SECRET))
        g_variant_builder_add (&dict, "{ss}", names[i], rd_options_get (options, names[i]));
    }
  g_settings_set_string (settings, key_for (part, "kind"), kind ? kind : "");
  g_settings_set_value (settings, key_for (part, "options"), g_variant_builder_end (&dict));
  /* Saved anew: what an older version left is no longer what the user wants. */
  g_settings_reset (settings, part == RD_EMBEDDED_PBX ? "local-pbx-client-id" : "local-crm-database");
}

char *
rd_local_settings_secret_kind (RdEmbeddedPart part, const char *backend_kind, const char *option)
{
  return g_strdup_printf ("%s:%s:%s", part == RD_EMBEDDED_PBX ? "pbx" : "crm", backend_kind, option);
}

char *
rd_local_settings_secret_account (const RdOptionSpec *specs, const RdOptions *options)
{
  GString *account = g_string_new (NULL);

  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_IDENTITY)
      {
        const char *value = rd_options_get (options, spec->name);

        if (account->len > 0)
          g_string_append_c (account, ' ');
        g_string_append (account, value ? value : "");
      }
  return g_string_free (account, FALSE);
}

char *
rd_local_settings_secret_label (const RdEmbeddedBackend *backend, const RdOptionSpec *spec, const char *account)
{
  const char *title = spec->title ? spec->title : spec->label;

  /* TRANSLATORS: shown by keyring managers: "Ringdesk: Yeastar P-Series, Client secret (for 5f2a…)" */
  return *account != '\0'
         ? g_strdup_printf (_("Ringdesk: %s, %s (for %s)"), backend->name, _(title), account)
         : g_strdup_printf (_("Ringdesk: %s, %s"), backend->name, _(title));
}

/* ---- loading ----------------------------------------------------------------------------- */

typedef struct {
  RdOptions *options;   /* borrowed from the setup */
  char      *option;
  char      *kind;
  char      *account;
} Lookup;

static void
lookup_free (Lookup *l)
{
  g_free (l->option);
  g_free (l->kind);
  g_free (l->account);
  g_free (l);
}

typedef struct {
  RdLocalSetup *setup;
  GQueue        lookups;   /* Lookup, the head is running */
} LoadData;

static void
load_data_free (LoadData *d)
{
  g_queue_clear_full (&d->lookups, (GDestroyNotify) lookup_free);
  rd_local_setup_free (d->setup);
  g_free (d);
}

void
rd_local_setup_free (RdLocalSetup *setup)
{
  if (setup == NULL)
    return;
  g_free (setup->pbx_kind);
  g_free (setup->pbx_url);
  rd_options_unref (setup->pbx_options);
  g_free (setup->crm_kind);
  g_free (setup->crm_url);
  g_free (setup->crm_login);
  rd_keyring_free (setup->crm_api_key);
  rd_options_unref (setup->crm_options);
  g_free (setup);
}

static void load_next (GTask *task);

static void
on_admin_key (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *d = g_task_get_task_data (task);

  d->setup->crm_api_key = rd_keyring_lookup_finish (res, NULL);
  g_task_return_pointer (task, g_steal_pointer (&d->setup), (GDestroyNotify) rd_local_setup_free);
}

static void
on_secret (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  LoadData *d = g_task_get_task_data (task);
  Lookup *l = g_queue_pop_head (&d->lookups);
  g_autoptr(GError) error = NULL;
  char *secret = rd_keyring_lookup_finish (res, &error);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("The %s could not be read from the keyring: %s", l->kind, error->message);
  if (secret != NULL)
    rd_options_set (l->options, l->option, secret);
  rd_keyring_free (secret);
  lookup_free (l);
  load_next (task);
}

static void
load_next (GTask *task)
{
  LoadData *d = g_task_get_task_data (task);
  Lookup *l = g_queue_peek_head (&d->lookups);

  if (l != NULL)
    rd_keyring_lookup_item_async (l->kind, l->account, g_task_get_cancellable (task), on_secret, task);
  else
    rd_keyring_lookup_async (RD_KEYRING_CRM_ADMIN_KEY, d->setup->crm_login, g_task_get_cancellable (task),
                             on_admin_key, task);
}

/* Queues a lookup for each SECRET option of the backend of @kind. */
static void
queue_secrets (LoadData *d, const RdEmbedded *embedded, RdEmbeddedPart part, const char *kind, RdOptions *options)
{
  g_autoptr(GPtrArray) backends = embedded->list_backends (part);
  const RdEmbeddedBackend *backend = rd_local_settings_find_backend (backends, kind);
  g_autofree char *account = NULL;

  if (backend == NULL)
    return;   /* the hub says the kind is unknown */
  account = rd_local_settings_secret_account (backend->options, options);
  for (const RdOptionSpec *spec = backend->options; spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_SECRET)
      {
        Lookup *l = g_new0 (Lookup, 1);

        l->options = options;
        l->option = g_strdup (spec->name);
        l->kind = rd_local_settings_secret_kind (part, backend->kind, spec->name);
        l->account = g_strdup (account);
        g_queue_push_tail (&d->lookups, l);
      }
}

void
rd_local_settings_load_async (GSettings *settings, const RdEmbedded *embedded, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  LoadData *d = g_new0 (LoadData, 1);
  RdLocalSetup *s = g_new0 (RdLocalSetup, 1);

  g_task_set_source_tag (task, rd_local_settings_load_async);
  d->setup = s;
  g_task_set_task_data (task, d, (GDestroyNotify) load_data_free);
  s->pbx_kind = rd_local_settings_get_kind (settings, RD_EMBEDDED_PBX);
  s->pbx_url = g_settings_get_string (settings, "local-pbx-url");
  s->pbx_options = rd_local_settings_get_options (settings, RD_EMBEDDED_PBX);
  s->crm_kind = rd_local_settings_get_kind (settings, RD_EMBEDDED_CRM);
  s->crm_url = g_settings_get_string (settings, "local-crm-url");
  s->crm_login = g_settings_get_string (settings, "local-crm-login");
  s->crm_options = rd_local_settings_get_options (settings, RD_EMBEDDED_CRM);
  s->allow_insecure = g_settings_get_boolean (settings, "local-insecure-http");
  s->bind_auto = g_settings_get_boolean (settings, "local-bind-auto");
  queue_secrets (d, embedded, RD_EMBEDDED_PBX, s->pbx_kind, s->pbx_options);
  queue_secrets (d, embedded, RD_EMBEDDED_CRM, s->crm_kind, s->crm_options);
  load_next (task);
}

RdLocalSetup *
rd_local_settings_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- moving an older version's settings --------------------------------------------------- */

gboolean
rd_local_settings_needs_migration (GSettings *settings)
{
  g_autofree char *client_id = g_settings_get_string (settings, "local-pbx-client-id");
  g_autofree char *database = g_settings_get_string (settings, "local-crm-database");

  return *client_id != '\0' || *database != '\0';
}

static const RdOptionSpec *
first_with (const RdOptionSpec *specs, RdOptionFlags flag)
{
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if (spec->flags & flag)
      return spec;
  return NULL;
}

/* Puts @value in the default backend's first IDENTITY option, unless options were saved since.
 * Returns that backend (NULL: nothing to move to). */
static const RdEmbeddedBackend *
migrate_identity (GSettings *settings, const RdEmbedded *embedded, RdEmbeddedPart part, const char *legacy_key,
                  GPtrArray **out_backends)
{
  g_autofree char *value = g_settings_get_string (settings, legacy_key);
  g_autoptr(RdOptions) options = rd_local_settings_get_options (settings, part);
  g_autofree const char **names = rd_options_list (options);
  const RdEmbeddedBackend *backend;
  const RdOptionSpec *identity;

  *out_backends = embedded->list_backends (part);
  backend = rd_local_settings_find_backend (*out_backends, NULL);
  if (*value == '\0' || backend == NULL || (identity = first_with (backend->options, RD_OPTION_IDENTITY)) == NULL)
    return NULL;
  if (names[0] == NULL)
    {
      rd_options_set (options, identity->name, value);
      g_settings_set_string (settings, key_for (part, "kind"), backend->kind);
      g_settings_set_value (settings, key_for (part, "options"),
                            g_variant_new_parsed ("{%s: %s}", identity->name, value));
    }
  return backend;
}

typedef struct {
  GSettings *settings;
  GPtrArray *pbx_backends;
  char      *client_id;
  char      *kind;        /* the new item's */
  char      *account;
  char      *label;
} MigrateData;

static void
migrate_data_free (MigrateData *d)
{
  g_object_unref (d->settings);
  g_clear_pointer (&d->pbx_backends, g_ptr_array_unref);
  g_free (d->client_id);
  g_free (d->kind);
  g_free (d->account);
  g_free (d->label);
  g_free (d);
}

static void
migrate_done (GTask *task)
{
  MigrateData *d = g_task_get_task_data (task);

  g_settings_reset (d->settings, "local-pbx-client-id");
  g_settings_reset (d->settings, "local-crm-database");
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_legacy_cleared (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  /* Moved already: an old copy that stays behind does no harm. */
  if (!rd_keyring_clear_finish (res, &error))
    g_warning ("The older PBX secret could not be removed from the keyring: %s", error->message);
  migrate_done (task);
}

static void
on_moved (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  MigrateData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!rd_keyring_store_finish (res, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  rd_keyring_clear_item_async (LEGACY_PBX_SECRET, d->client_id, g_task_get_cancellable (task), on_legacy_cleared,
                               task);
}

static void
on_legacy_secret (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  MigrateData *d = g_task_get_task_data (task);
  GError *error = NULL;
  char *secret = rd_keyring_lookup_finish (res, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (secret == NULL || d->kind == NULL)
    {
      rd_keyring_free (secret);
      migrate_done (task);
      return;
    }
  rd_keyring_store_item_async (d->kind, d->account, d->label, secret, g_task_get_cancellable (task), on_moved, task);
  rd_keyring_free (secret);
}

void
rd_local_settings_migrate_async (GSettings *settings, const RdEmbedded *embedded, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  MigrateData *d = g_new0 (MigrateData, 1);
  g_autoptr(GPtrArray) crm_backends = NULL;
  const RdEmbeddedBackend *pbx;
  const RdOptionSpec *secret;

  g_task_set_source_tag (task, rd_local_settings_migrate_async);
  d->settings = g_object_ref (settings);
  g_task_set_task_data (task, d, (GDestroyNotify) migrate_data_free);
  if (!rd_local_settings_needs_migration (settings))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  d->client_id = g_settings_get_string (settings, "local-pbx-client-id");
  pbx = migrate_identity (settings, embedded, RD_EMBEDDED_PBX, "local-pbx-client-id", &d->pbx_backends);
  migrate_identity (settings, embedded, RD_EMBEDDED_CRM, "local-crm-database", &crm_backends);
  if (pbx == NULL)
    {
      migrate_done (task);
      return;
    }
  /* The secret went with the client ID: it goes to the new item of the account the ID names. */
  if ((secret = first_with (pbx->options, RD_OPTION_SECRET)) != NULL)
    {
      g_autoptr(RdOptions) options = rd_options_new ();

      rd_options_set (options, first_with (pbx->options, RD_OPTION_IDENTITY)->name, d->client_id);
      d->kind = rd_local_settings_secret_kind (RD_EMBEDDED_PBX, pbx->kind, secret->name);
      d->account = rd_local_settings_secret_account (pbx->options, options);
      d->label = rd_local_settings_secret_label (pbx, secret, d->account);
    }
  rd_keyring_lookup_item_async (LEGACY_PBX_SECRET, d->client_id, cancellable, on_legacy_secret, task);
}

gboolean
rd_local_settings_migrate_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
