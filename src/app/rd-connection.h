/* rd-connection.h — how the app reaches its hub, per the user's settings.
 *
 * Owns the agent client and, depending on the mode, nothing more (a hub elsewhere), a hub
 * running in this process ("This computer", secrets from the keyring; an agent key for
 * the extension is issued and kept when none is stored), or the demo (simulators + hub,
 * nothing persisted; the opening calls play after the first sign-in).
 * Signal "changed" (): the hub label, the problem text or the demo changed.
 */
#pragma once

#include <gio/gio.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

#define RD_TYPE_CONNECTION (rd_connection_get_type ())
G_DECLARE_FINAL_TYPE (RdConnection, rd_connection, RD, CONNECTION, GObject)

RdConnection  *rd_connection_new            (GSettings    *settings,
                                             gboolean      demo);
RdAgentClient *rd_connection_get_client     (RdConnection *self);
/* (Re)reads the settings and connects; cancels a connection attempt under way. */
void           rd_connection_reconnect      (RdConnection *self);
void           rd_connection_stop           (RdConnection *self);
/* Set up (or the demo). */
gboolean       rd_connection_is_configured  (RdConnection *self);
/* Still getting ready (hub starting, keyring read, signing in): worth waiting for. */
gboolean       rd_connection_is_starting    (RdConnection *self);
/* "This computer", the hub address, or the demo; NULL before the first connection. */
const char    *rd_connection_get_hub_label  (RdConnection *self);
/* Why the connection cannot work as set up (missing key, PBX refused…), or NULL. */
const char    *rd_connection_get_problem    (RdConnection *self);
/* The running demo's simulated Odoo (its record lists), or NULL when no demo runs. */
const char    *rd_connection_get_demo_url   (RdConnection *self);
/* Plays "answered" or "missed" (see rd-demo.h); FALSE when no demo runs. */
gboolean       rd_connection_play_demo      (RdConnection *self,
                                             const char   *what);

G_END_DECLS
