/* rd-keyring-backend.h — the keyring's libsecret half, as a module loaded the first time a
 * secret is stored, looked up or cleared (ringdesk-keyring.so: in the build folder beside the
 * binary, else PKGLIBDIR).
 *
 * libsecret brings libgcrypt and libgpg-error with it (~0.45 MB of mapped pages). The demo and
 * a hub on this computer that needs no stored secret never touch the keyring, so the app does
 * not link them; rd-keyring.c keeps the API, the labels, the store queue and the wiping, and
 * calls through this table. Secrets cross as plain strings; one that the module returns is
 * freed by its free_secret (libsecret may hand out non-pageable memory).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_KEYRING_BACKEND_MODULE  "ringdesk-keyring.so"
#define RD_KEYRING_BACKEND_SYMBOL  "rd_keyring_backend_get"
#define RD_KEYRING_BACKEND_VERSION 1

typedef struct {
  /* @kind is rd_keyring_kind_to_string()'s; @label is shown by keyring managers. */
  void      (*store)         (const char *kind, const char *account, const char *label, const char *secret,
                              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
  gboolean  (*store_finish)  (GAsyncResult *result, GError **error);
  void      (*lookup)        (const char *kind, const char *account, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  char     *(*lookup_finish) (GAsyncResult *result, GError **error);
  void      (*clear)         (const char *kind, const char *account, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  gboolean  (*clear_finish)  (GAsyncResult *result, GError **error);
  void      (*free_secret)   (char *secret);
} RdKeyringBackend;

G_END_DECLS
