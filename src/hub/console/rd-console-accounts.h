/* rd-console-accounts.h — the web console's own administrators.
 *
 * A name and a password, stored as an Argon2id hash (libargon2, the reference
 * implementation: 64 MiB of memory, 3 passes, one lane, 16-byte random salt, in the
 * PHC string format), so a stolen database costs an attacker 64 MiB and tens of
 * milliseconds per guess on any hardware — GPUs and ASICs gain little against a
 * memory-hard function, unlike against PBKDF2. Hashing and checking run on a worker
 * thread; checking is constant-time. A check of an unknown name still hashes, so
 * timing does not tell which names exist.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-store.h"

G_BEGIN_DECLS

#define RD_CONSOLE_PASSWORD_MIN 10
#define RD_CONSOLE_PASSWORD_MAX 256
#define RD_CONSOLE_NAME_MAX 64

#define RD_TYPE_CONSOLE_ACCOUNTS (rd_console_accounts_get_type ())
G_DECLARE_FINAL_TYPE (RdConsoleAccounts, rd_console_accounts, RD, CONSOLE_ACCOUNTS, GObject)

RdConsoleAccounts *rd_console_accounts_new     (RdStore *store, GError **error);
guint              rd_console_accounts_count   (RdConsoleAccounts *self);
/* Names, sorted. */
GStrv              rd_console_accounts_list    (RdConsoleAccounts *self);
gboolean           rd_console_accounts_exists  (RdConsoleAccounts *self, const char *name);
/* Is @name usable (1–64 characters, no control characters, no leading/trailing space)? */
gboolean           rd_console_accounts_check_name (const char *name, GError **error);
gboolean           rd_console_accounts_check_password (const char *password, GError **error);

/* Creates @name or replaces its password. */
void               rd_console_accounts_set_password_async  (RdConsoleAccounts *self, const char *name,
                                                            const char *password, GCancellable *cancellable,
                                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean           rd_console_accounts_set_password_finish (RdConsoleAccounts *self, GAsyncResult *result,
                                                            GError **error);
/* TRUE (no error) when @password is @name's; FALSE without error when not. */
void               rd_console_accounts_verify_async  (RdConsoleAccounts *self, const char *name,
                                                      const char *password, GCancellable *cancellable,
                                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean           rd_console_accounts_verify_finish (RdConsoleAccounts *self, GAsyncResult *result,
                                                      GError **error);
/* RD_ERROR_CONFLICT for the last account; RD_ERROR_NOT_FOUND for an unknown one. */
gboolean           rd_console_accounts_remove  (RdConsoleAccounts *self, const char *name, GError **error);

/* The Argon2id encoding of @password (worker-thread safe). */
char              *rd_console_password_hash    (const char *password, GError **error);
gboolean           rd_console_password_verify  (const char *encoded, const char *password);

G_END_DECLS
