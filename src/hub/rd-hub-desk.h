/* rd-hub-desk.h — the engine as the agent protocol's backend (RdDeskBackend): agent sign-in
 * (agent keys, CRM keys of bound users), the status frame's fields, dial, recent calls,
 * lookup, create-record, the live calls of a signing-in agent.
 *
 * It owns no state of its own: it reads the bindings and agent keys, the call rows, the
 * phone index and the live-call table it is given, and the rest (the CRM and PBX, their
 * state, the settings, the region, the caller lookup) through an RdHubContext. The desk
 * server (rd-desk-server.h) hands it the signed-in session's own extension for dial,
 * recent, lookup and create-record, so an agent never acts for another one. Main context only.
 */
#pragma once

#include "core/rd-store.h"
#include "hub/rd-bindings.h"
#include "hub/rd-call-table.h"
#include "hub/rd-desk-backend.h"
#include "hub/rd-hub-context.h"
#include "hub/rd-phone-index.h"

G_BEGIN_DECLS

#define RD_TYPE_HUB_DESK (rd_hub_desk_get_type ())
G_DECLARE_FINAL_TYPE (RdHubDesk, rd_hub_desk, RD, HUB_DESK, GObject)

/* @context is not referenced: the engine disposes the desk (g_object_run_dispose()) when it
 * goes, and from then on every request is refused as "The hub is stopping". The others are
 * referenced. */
RdHubDesk *rd_hub_desk_new (RdHubContext *context, RdStore *store, RdBindings *bindings,
                            RdPhoneIndex *index, RdCallTable *calls);

G_END_DECLS
