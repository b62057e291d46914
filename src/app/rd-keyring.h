/* rd-keyring.h — the app's secrets in the keyring (libsecret, one static schema, through
 * ringdesk-keyring.so, loaded on first use: rd-keyring-backend.h).
 *
 * Secrets never go to GSettings or logs. In Flatpak libsecret uses the Secret portal; tests
 * use SECRET_BACKEND=file. Returned secrets are freed with rd_keyring_free (wipes memory).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  RD_KEYRING_AGENT_KEY,      /* account = extension */
  RD_KEYRING_CRM_KEY,        /* account = CRM login */
  RD_KEYRING_CRM_ADMIN_KEY,  /* account = CRM admin login (hub on this computer) */
} RdKeyringKind;

const char *rd_keyring_kind_to_string (RdKeyringKind kind);

/* Every operation is queued and run one at a time, process-wide (see rd-keyring.c). */
void      rd_keyring_store_async   (RdKeyringKind kind, const char *account, const char *secret,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean  rd_keyring_store_finish  (GAsyncResult *result, GError **error);

/* Finishes with NULL and no error when nothing is stored. */
void      rd_keyring_lookup_async  (RdKeyringKind kind, const char *account,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
char     *rd_keyring_lookup_finish (GAsyncResult *result, GError **error);

void      rd_keyring_clear_async   (RdKeyringKind kind, const char *account,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
/* TRUE also when there was nothing to remove. */
gboolean  rd_keyring_clear_finish  (GAsyncResult *result, GError **error);

void      rd_keyring_free          (char *secret);

/* The same for items named by a string: @kind is stored as the item's "kind" attribute (the
 * secret options of the hub on this computer: rd-local-settings.h), @label is what keyring
 * managers show. The _finish functions above finish these too. */
void      rd_keyring_store_item_async  (const char *kind, const char *account, const char *label,
                                        const char *secret, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void      rd_keyring_lookup_item_async (const char *kind, const char *account, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void      rd_keyring_clear_item_async  (const char *kind, const char *account, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);

G_END_DECLS
