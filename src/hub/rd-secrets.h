/* rd-secrets.h — where the hub keeps its secrets (CRM API key, PBX client secret).
 *
 * Each secret is one file in the secrets directory (created 0700), written
 * atomically with mode 0600; a file readable by group or others is refused.
 * systemd credentials ($CREDENTIALS_DIRECTORY, LoadCredential=) are read when
 * the secrets directory holds no such secret. Without a directory (embedded
 * demo hub) secrets live in memory only. Values never reach a log.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define RD_SECRET_CRM_API_KEY       "crm-api-key"
#define RD_SECRET_PBX_CLIENT_SECRET "pbx-client-secret"
#define RD_SECRET_PBX_SESSION       "pbx-session"   /* the PBX's access/refresh tokens, kept across restarts */

#define RD_TYPE_SECRETS (rd_secrets_get_type ())
G_DECLARE_FINAL_TYPE (RdSecrets, rd_secrets, RD, SECRETS, GObject)

/* @dir and @credentials_dir may be NULL. */
RdSecrets *rd_secrets_new   (const char *dir, const char *credentials_dir);
/* NULL without an error when the secret is not set. */
char      *rd_secrets_get   (RdSecrets *self, const char *name, GError **error);
/* @value NULL removes the secret. */
gboolean   rd_secrets_set   (RdSecrets *self, const char *name, const char *value, GError **error);

/* Reads a secret from a file given by the administrator: the first line, without
 * the line end; refuses empty values and files over 4 KiB. */
char      *rd_secrets_read_file (const char *path, GError **error);

G_END_DECLS
