/* rd-backend-settings.h — where the hub keeps the settings of its PBX and CRM backends, for any
 * backend: the generic ones are the hub's own; a backend's own options (RdOptionSpec tables,
 * core/rd-options.h) are stored by name:
 *
 *   "<prefix>.kind"       the backend's kind
 *   "<prefix>.<option>"   each option in the store's settings (a CHOICE as the index of its
 *                         value, 0 for the first)
 *   "<prefix>-<option>"   each SECRET option in the secrets directory, never in the database
 *
 * with @prefix "pbx" or "crm". The admin API names an option with '_' for '-'.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-options.h"
#include "core/rd-store.h"
#include "hub/rd-secrets.h"

G_BEGIN_DECLS

/* The saved options of the backend; NULL with an error when a secret cannot be read. A missing
 * option is left unset (the backend's validation says what is missing). */
RdOptions *rd_backend_settings_load         (RdStore *store, RdSecrets *secrets, const char *prefix,
                                             const RdOptionSpec *specs, GError **error);
/* Saves @kind and the options that are not secrets (inside the caller's store transaction);
 * options of @specs unset in @options are removed. */
gboolean   rd_backend_settings_save         (RdStore *store, const char *prefix, const char *kind,
                                             const RdOptionSpec *specs, const RdOptions *options,
                                             GError **error);
/* Saves (or, unset, removes) the SECRET options; before the store transaction. */
gboolean   rd_backend_settings_save_secrets (RdSecrets *secrets, const char *prefix, const RdOptionSpec *specs,
                                             const RdOptions *options, GError **error);
/* Sets each SECRET option of @specs that @options leaves unset to the saved one, if any (a
 * request to the same system that does not repeat its secret). */
void       rd_backend_settings_fill_secrets (RdSecrets *secrets, const char *prefix, const RdOptionSpec *specs,
                                             RdOptions *options);
/* Removes the kind, every option and every secret option of @specs. */
gboolean   rd_backend_settings_clear        (RdStore *store, RdSecrets *secrets, const char *prefix,
                                             const RdOptionSpec *specs, GError **error);
/* Are the saved kind and IDENTITY options those of @kind / @options (the same account)? */
gboolean   rd_backend_settings_same_account (RdStore *store, const char *prefix, const char *kind,
                                             const RdOptionSpec *specs, const RdOptions *options);
/* "database x" for the saved IDENTITY options (option names), for messages; "" without any. */
char      *rd_backend_settings_describe_account (RdStore *store, const char *prefix, const RdOptionSpec *specs);

/* The saved options of @specs that are not secrets, as string members by their admin API names
 * ("client_id"; a CHOICE by its value's name); unset ones are left out. */
JsonObject *rd_backend_settings_to_json     (RdStore *store, const char *prefix, const RdOptionSpec *specs);

/* The options of @specs found as string members of @body ("client_id" for "client-id");
 * members of other types are ignored, as unset. */
RdOptions *rd_backend_settings_from_json    (JsonObject *body, const RdOptionSpec *specs);

G_END_DECLS
