/* rd-admin-commands.h — the hub's administration API, one implementation for every front-end.
 *
 * The command-line tool (through the admin socket, rd-admin-server.c) and the web console
 * (src/hub/console) both run their commands here: the same names, the same JSON members,
 * the same checks and the same error messages. Every command that changes something is
 * written to the audit log with the actor that asked for it; secrets in the request are
 * never written there. See docs/hub-admin.md for the command list.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hub/rd-hub.h"

G_BEGIN_DECLS

/* Is @command read with GET on the admin socket (status, users, extensions)? */
gboolean    rd_admin_command_uses_get      (const char *command);
/* Does @command change the hub (and so go into the audit log)? */
gboolean    rd_admin_command_changes       (const char *command);

/* Runs @command with the JSON members of @body (may be NULL). @actor names who asked
 * ("console:admin", "command line (uid 0)"). The result holds the reply members
 * (without "ok"); errors are RD_ERROR codes. An unknown command is RD_ERROR_NOT_FOUND. */
void        rd_admin_commands_run_async    (RdHub *hub, const char *actor, const char *command,
                                            JsonObject *body, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
JsonObject *rd_admin_commands_run_finish   (RdHub *hub, GAsyncResult *result, GError **error);

G_END_DECLS
