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

void
rd_keyring_store_async (RdKeyringKind kind, const char *account, const char *secret,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *label = NULL;

  g_return_if_fail (account != NULL && secret != NULL);

  label = make_label (kind, account);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                         cancellable, callback, user_data,
                         "kind", rd_keyring_kind_to_string (kind), "account", account, NULL);
}

gboolean
rd_keyring_store_finish (GAsyncResult *result, GError **error)
{
  return secret_password_store_finish (result, error);
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
