/* rd-local-settings.h — what the hub on this computer ("This computer") is set up with.
 *
 * The generic settings (addresses, the CRM administrator's login, bind-auto …) have their own
 * GSettings keys. A backend's own settings are kept by the backend's kind and its option names
 * (rd-options.h): `local-pbx-kind` and `local-pbx-options` (a{ss}), the same for the CRM. A
 * SECRET option is never in GSettings: it is a keyring item whose kind names the part, the
 * backend and the option ("pbx:<kind>:<option>") and whose account is what names the account:
 * the values of the backend's IDENTITY options (space-separated, in the table's order).
 *
 * Older versions kept the PBX client ID and the CRM database in their own keys
 * (local-pbx-client-id, local-crm-database) and the PBX secret as the keyring item
 * "pbx-secret" by client ID; rd_local_settings_migrate_async() moves them, once.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-options.h"
#include "rd-embedded.h"

G_BEGIN_DECLS

/* The backend of @kind in @backends (RdEmbeddedBackend); NULL or "" the default (the first);
 * NULL when not registered. */
const RdEmbeddedBackend *rd_local_settings_find_backend (GPtrArray *backends, const char *kind);

char      *rd_local_settings_get_kind    (GSettings *settings, RdEmbeddedPart part);
/* The stored (non-secret) options. */
RdOptions *rd_local_settings_get_options (GSettings *settings, RdEmbeddedPart part);
/* Stores @kind and @options' values, except those that @specs says are SECRET (they belong in
 * the keyring). Empties the keys of older versions. Call within g_settings_delay() to apply at once. */
void       rd_local_settings_set         (GSettings *settings, RdEmbeddedPart part, const char *kind,
                                          const RdOptionSpec *specs, const RdOptions *options);

/* The keyring item of a SECRET option: kind, account and the label keyring managers show. */
char      *rd_local_settings_secret_kind    (RdEmbeddedPart part, const char *backend_kind, const char *option);
char      *rd_local_settings_secret_account (const RdOptionSpec *specs, const RdOptions *options);
char      *rd_local_settings_secret_label   (const RdEmbeddedBackend *backend, const RdOptionSpec *spec,
                                             const char *account);

/* Everything the hub on this computer starts with, secrets read from the keyring. */
typedef struct {
  char      *pbx_kind, *pbx_url;
  RdOptions *pbx_options;
  char      *crm_kind, *crm_url, *crm_login, *crm_api_key;
  RdOptions *crm_options;
  gboolean   allow_insecure, bind_auto;
} RdLocalSetup;

void          rd_local_setup_free            (RdLocalSetup *setup);
/* Reads the settings and the keyring (a secret that is not there stays unset: the backend says
 * what is missing). Fails only when the backends cannot be listed (the module is missing). */
void          rd_local_settings_load_async   (GSettings *settings, const RdEmbedded *embedded,
                                              GCancellable *cancellable, GAsyncReadyCallback callback,
                                              gpointer user_data);
RdLocalSetup *rd_local_settings_load_finish  (GAsyncResult *result, GError **error);

/* TRUE when settings of an older version are still to be moved. */
gboolean      rd_local_settings_needs_migration (GSettings *settings);
/* Moves them: the client ID into the default PBX backend's first IDENTITY option, the database into
 * the default CRM backend's, the PBX secret into the default PBX backend's first SECRET option's
 * keyring item; then empties the old keys and clears the old item. Options set since are kept.
 * When the keyring cannot be used the settings are moved and the old keys kept, to try again. */
void          rd_local_settings_migrate_async  (GSettings *settings, const RdEmbedded *embedded,
                                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                                gpointer user_data);
gboolean      rd_local_settings_migrate_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLocalSetup, rd_local_setup_free)

G_END_DECLS
