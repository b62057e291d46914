/* rd-local-hub.h — a hub running inside the app on loopback ("This computer", and --demo).
 *
 * Starts an RdHub, connects the phone system and the CRM with the given settings, binds
 * users automatically if asked, and hands out the agent URL and per-extension keys. The
 * secrets are passed in at every start (they live in the keyring, or only in memory for
 * the demo) and are never written by this object.
 */
#pragma once

#include <gio/gio.h>

#include "crm/rd-crm.h"
#include "hub/rd-hub.h"
#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_TYPE_LOCAL_HUB (rd_local_hub_get_type ())
G_DECLARE_FINAL_TYPE (RdLocalHub, rd_local_hub, RD, LOCAL_HUB, GObject)

/* @database_path: NULL = in memory. @port: 0 = any free loopback port. */
RdLocalHub *rd_local_hub_new           (const char          *database_path,
                                        guint                port);
/* Starts the hub (if not yet running), then connects @pbx and @crm (each may be NULL)
 * and binds users when @bind_auto. The hub keeps running when a connection fails, so
 * that the user can correct the settings; the error says which part failed. */
void        rd_local_hub_start_async   (RdLocalHub          *self,
                                        const RdPbxConfig   *pbx,
                                        const RdCrmConfig   *crm,
                                        gboolean             bind_auto,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Returns the number of users bound by this start (0 when @bind_auto was FALSE). */
gboolean    rd_local_hub_start_finish  (RdLocalHub          *self,
                                        GAsyncResult        *result,
                                        guint               *out_bound,
                                        GError             **error);
RdHub      *rd_local_hub_get_hub       (RdLocalHub          *self);
char       *rd_local_hub_get_agent_url (RdLocalHub          *self);
char       *rd_local_hub_issue_agent_key (RdLocalHub        *self,
                                          const char        *extension,
                                          GError           **error);
void        rd_local_hub_stop_async    (RdLocalHub          *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean    rd_local_hub_stop_finish   (RdLocalHub          *self,
                                        GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
