/* rd-admin-client.h — the CLI side of the hub's admin socket (see rd-admin-server.h). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sends one command and waits for the reply. Returns the reply object (with
 * "ok": true), or NULL with an RD_ERROR error carrying the hub's code and message.
 * @body may be NULL. */
JsonObject *rd_admin_client_call (const char  *socket_path,
                                  const char  *command,
                                  JsonObject  *body,
                                  GError     **error);

G_END_DECLS
