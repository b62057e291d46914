/* rd-bindings.h — CRM user ↔ PBX extension bindings and per-extension agent keys.
 *
 * One extension binds to at most one CRM user and one user to at most one
 * extension. Agent keys are random ("rdk_" + 43 base64url characters); only
 * their SHA-256 digest is stored, and they are compared in constant time.
 *
 * A key is issued to a binding: the extension and the CRM user bound to it at the
 * time (none, for an unbound extension). It ends with that binding: unbinding the
 * extension, binding a previously unbound one, clearing the bindings or issuing a
 * new key delete it, and a key whose user is no longer the extension's is refused.
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdBinding, rd_binding_free)

typedef struct {
  gint64  id;
  char   *extension;
  gint64  user_id;      /* the extension's CRM user when issued; 0 = it was unbound */
  gint64  created;      /* unix seconds */
  gint64  last_used;    /* unix seconds of the last sign-in, 0 = never */
} RdAgentKey;

void       rd_agent_key_free (RdAgentKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAgentKey, rd_agent_key_free)

#define RD_TYPE_BINDINGS (rd_bindings_get_type ())
G_DECLARE_FINAL_TYPE (RdBindings, rd_bindings, RD, BINDINGS, GObject)

RdBindings *rd_bindings_new             (RdStore *store, GError **error);

RdBinding  *rd_bindings_get_by_extension (RdBindings *self, const char *extension);
RdBinding  *rd_bindings_get_by_user     (RdBindings *self, gint64 user_id);
/* The binding of the user with CRM login @login (ASCII case ignored), or NULL. */
RdBinding  *rd_bindings_get_by_login    (RdBindings *self, const char *login);
GPtrArray  *rd_bindings_list            (RdBindings *self);   /* RdBinding, by extension */
guint       rd_bindings_count           (RdBindings *self);
/* RD_ERROR_CONFLICT when the extension or the user is already bound elsewhere;
 * binding the same pair again updates the user's names. Binding a previously
 * unbound extension deletes the key it had. */
gboolean    rd_bindings_bind            (RdBindings *self, const RdBinding *binding, GError **error);
/* RD_ERROR_NOT_FOUND when @extension is not bound. Deletes the extension's key. */
gboolean    rd_bindings_unbind          (RdBindings *self, const char *extension, GError **error);
/* Deletes every binding and the keys issued to them. */
gboolean    rd_bindings_clear           (RdBindings *self, GError **error);

/* Is @text a plausible extension number (1–16 digits)? */
gboolean    rd_bindings_extension_is_valid (const char *text);

/* Issues a new key for @extension to its current binding, replacing the old one, whose id
 * goes to *@replaced_id (0 if none). *@key_id: the new key's id. */
char       *rd_bindings_issue_key       (RdBindings *self, const char *extension, gint64 *key_id,
                                         gint64 *replaced_id, GError **error);
/* The key of @extension if @key is it and it still belongs to the extension's binding
 * (a key left over from another binding is deleted); NULL otherwise. */
RdAgentKey *rd_bindings_check_key       (RdBindings *self, const char *extension, const char *key);
RdAgentKey *rd_bindings_get_key         (RdBindings *self, gint64 id);
RdAgentKey *rd_bindings_get_key_of      (RdBindings *self, const char *extension);
GPtrArray  *rd_bindings_list_keys       (RdBindings *self);   /* RdAgentKey, by extension */
gboolean    rd_bindings_has_key         (RdBindings *self, const char *extension);
/* Records a sign-in with key @id at @now_unix. */
void        rd_bindings_touch_key       (RdBindings *self, gint64 id, gint64 now_unix);
/* Deletes key @id; RD_ERROR_NOT_FOUND when there is none. */
gboolean    rd_bindings_revoke_key      (RdBindings *self, gint64 id, GError **error);

G_END_DECLS
