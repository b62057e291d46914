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
  RD_KEYRING_PBX_SECRET,     /* account = PBX client id (hub on this computer) */
  RD_KEYRING_CRM_ADMIN_KEY,  /* account = CRM admin login (hub on this computer) */
} RdKeyringKind;

const char *rd_keyring_kind_to_string (RdKeyringKind kind);

/* Stores are serialised process-wide (see rd-keyring.c). */
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
gboolean  rd_keyring_clear_finish  (GAsyncResult *result, GError **error);

void      rd_keyring_free          (char *secret);

G_END_DECLS
