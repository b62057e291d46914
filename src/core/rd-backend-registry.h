/* rd-backend-registry.h — the lookup rule shared by the PBX and CRM backend registries
 * (rd_pbx_find_backend(), rd_crm_find_backend()): backends added at run time first, then the
 * built-in ones; no kind means the default: the first built-in one's kind (which a backend added
 * at run time may have replaced).
 *
 * An entry is a backend description whose first member is its kind (`const char *kind`), so
 * RdPbxBackend and RdCrmBackend entries both fit; entries must outlive the process.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GMutex     lock;
  GPtrArray *added;   /* entries added at run time, newest first */
} RdBackendRegistry;

/* A kind added again replaces the older entry. */
void          rd_backend_registry_add  (RdBackendRegistry *registry, gconstpointer entry);
/* @builtins: NULL-terminated. NULL (with an RD_ERROR_INVALID_INPUT error naming @what) for an
 * unknown kind. */
gconstpointer rd_backend_registry_find (RdBackendRegistry *registry, const gconstpointer *builtins,
                                        const char *kind, const char *what, GError **error);
/* Every backend that rd_backend_registry_find() can return, each kind once: the built-in ones in
 * their order (the default first; one replaced at run time is listed where the built-in stood),
 * then those added at run time, oldest first. Free the array only. */
GPtrArray    *rd_backend_registry_list (RdBackendRegistry *registry, const gconstpointer *builtins);

G_END_DECLS
