/* rd-keyring-backend.c — the table ringdesk-keyring.so exports (see rd-keyring-backend.h):
 * libsecret with a static schema (SECRET_SCHEMA_DONT_MATCH_NAME: gnome-keyring does not search
 * locked keyrings by schema name). */
#include "config.h"

#include <gmodule.h>
#include <libsecret/secret.h>

#include "rd-keyring-backend.h"

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

static void
store (const char *kind, const char *account, const char *label, const char *secret,
       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret, cancellable, callback,
                         user_data, "kind", kind, "account", account, NULL);
}

static void
lookup (const char *kind, const char *account, GCancellable *cancellable, GAsyncReadyCallback callback,
        gpointer user_data)
{
  secret_password_lookup (get_schema (), cancellable, callback, user_data, "kind", kind, "account", account,
                          NULL);
}

static void
clear (const char *kind, const char *account, GCancellable *cancellable, GAsyncReadyCallback callback,
       gpointer user_data)
{
  secret_password_clear (get_schema (), cancellable, callback, user_data, "kind", kind, "account", account,
                         NULL);
}

G_MODULE_EXPORT const RdKeyringBackend *rd_keyring_backend_get (guint version);

G_MODULE_EXPORT const RdKeyringBackend *
rd_keyring_backend_get (guint version)
{
  static const RdKeyringBackend table = {
    .store = store,
    .store_finish = secret_password_store_finish,
    .lookup = lookup,
    .lookup_finish = secret_password_lookup_finish,
    .clear = clear,
    .clear_finish = secret_password_clear_finish,
    .free_secret = secret_password_free,
  };

  return version == RD_KEYRING_BACKEND_VERSION ? &table : NULL;
}
