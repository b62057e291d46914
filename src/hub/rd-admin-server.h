/* rd-admin-server.h — the hub's local administration endpoint.
 *
 * HTTP + JSON over a Unix socket created with mode 0600 (in a 0700 directory),
 * so only the hub's own user (and root) can administer it. Every command is
 * `POST /v1/<command>` with a JSON object body (GET for status, users,
 * extensions); replies are `{"ok":true,…}` or
 * `{"ok":false,"error":{"code":"conflict","message":"…"}}` with a 4xx/5xx status.
 * See docs/hub-admin.md for the command list.
 */
#pragma once

#include <gio/gio.h>

#include "hub/rd-hub.h"

G_BEGIN_DECLS

#define RD_TYPE_ADMIN_SERVER (rd_admin_server_get_type ())
G_DECLARE_FINAL_TYPE (RdAdminServer, rd_admin_server, RD, ADMIN_SERVER, GObject)

/* Holds a weak reference on @hub. */
RdAdminServer *rd_admin_server_new    (RdHub *hub);
/* Creates the socket at @path (replacing a stale one; refusing a live one). */
gboolean       rd_admin_server_listen (RdAdminServer *self, const char *path, GError **error);
/* Stops listening and removes the socket file. */
void           rd_admin_server_close  (RdAdminServer *self);

G_END_DECLS
