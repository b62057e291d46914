/* rd-bindings.h — CRM user ↔ PBX extension bindings and per-extension agent keys.
 *
 * One extension binds to at most one CRM user and one user to at most one
 * extension. Agent keys are random ("rdk_" + 43 base64url characters); only
 * their SHA-256 digest is stored, and they are compared in constant time.
 */
#pragma once

#include <glib-object.h>

#include "core/rd-store.h"

G_BEGIN_DECLS

typedef struct {
  char   *extension;
  gint64  user_id;
  char   *user_name;
  char   *user_login;
  char   *user_email;
  char   *how;          /* "auto" or "manual" */
  gint64  created;      /* unix seconds */
} RdBinding;

void       rd_binding_free (RdBinding *binding);
RdBinding *rd_binding_copy (const RdBinding *binding);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdBinding, rd_binding_free)

#define RD_TYPE_BINDINGS (rd_bindings_get_type ())
G_DECLARE_FINAL_TYPE (RdBindings, rd_bindings, RD, BINDINGS, GObject)

RdBindings *rd_bindings_new             (RdStore *store, GError **error);

RdBinding  *rd_bindings_get_by_extension (RdBindings *self, const char *extension);
RdBinding  *rd_bindings_get_by_user     (RdBindings *self, gint64 user_id);
GPtrArray  *rd_bindings_list            (RdBindings *self);   /* RdBinding, by extension */
guint       rd_bindings_count           (RdBindings *self);
/* RD_ERROR_CONFLICT when the extension or the user is already bound elsewhere;
 * binding the same pair again updates the user's names. */
gboolean    rd_bindings_bind            (RdBindings *self, const RdBinding *binding, GError **error);
/* RD_ERROR_NOT_FOUND when @extension is not bound. */
gboolean    rd_bindings_unbind          (RdBindings *self, const char *extension, GError **error);
gboolean    rd_bindings_clear           (RdBindings *self, GError **error);

/* Is @text a plausible extension number (1–16 digits)? */
gboolean    rd_bindings_extension_is_valid (const char *text);

/* Issues a new key for @extension, replacing the old one. */
char       *rd_bindings_issue_key       (RdBindings *self, const char *extension, GError **error);
gboolean    rd_bindings_check_key       (RdBindings *self, const char *extension, const char *key);
gboolean    rd_bindings_has_key         (RdBindings *self, const char *extension);
gboolean    rd_bindings_revoke_key      (RdBindings *self, const char *extension, GError **error);

G_END_DECLS
