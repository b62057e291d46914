/* rd-call-table.h — the hub's live-call table: one entry per leg (call id + extension) of a
 * bound extension's call in progress, from its first PBX event to its end.
 *
 * It owns the pop: the caller's CRM record comes from the phone index, else from one CRM
 * search, for which the leg's first frame waits up to 300 ms before it goes out as unknown
 * (a "match" frame follows). Each leg's last state is kept in the store so that a restart
 * can end it for the agent, or carry it on (rd_call_table_restore()). It also remembers which
 * extension dialed which call, so a dial failure reaches that agent.
 *
 * Frames for agents are emitted as RdCallTable::send (extension, frame); the engine hands
 * them to the agent protocol server. What it reads from the engine (settings, region, CRM
 * readiness, the lookup) comes through an RdHubContext. Main context only.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-call.h"
#include "core/rd-store.h"
#include "hub/rd-bindings.h"
#include "hub/rd-hub-context.h"

G_BEGIN_DECLS

#define RD_TYPE_CALL_TABLE (rd_call_table_get_type ())
G_DECLARE_FINAL_TYPE (RdCallTable, rd_call_table, RD, CALL_TABLE, GObject)

/* @context is not referenced: it must outlive the table. */
RdCallTable *rd_call_table_new           (RdHubContext *context, RdStore *store, RdBindings *bindings);
/* A live event from the PBX (legs of unbound extensions are ignored). */
void         rd_call_table_on_event      (RdCallTable *self, const RdCallEvent *event);
/* The legs in progress kept at the last stop: back as live calls (call at start). */
void         rd_call_table_restore       (RdCallTable *self);
/* The live legs (RdCallEvent copies), for a PBX backend to adopt. */
GPtrArray   *rd_call_table_dup_legs      (RdCallTable *self);
/* The "call" frames of @extension's calls in progress (for a signing-in agent). */
JsonArray   *rd_call_table_snapshot      (RdCallTable *self, const char *extension);
/* Ends every live leg for its agent (the PBX they were on is gone). */
void         rd_call_table_end_all       (RdCallTable *self);
/* Remembers which extension dialed @call_id; a later dial failure is sent to that agent. */
void         rd_call_table_remember_dial (RdCallTable *self, const char *call_id, const char *extension);
void         rd_call_table_dial_failed   (RdCallTable *self, const char *call_id, const char *reason);
/* The call ended (its record came): no dial failure can follow. */
void         rd_call_table_forget_dial   (RdCallTable *self, const char *call_id);
/* Calls in the table: distinct call ids among its legs. */
guint        rd_call_table_count_calls   (RdCallTable *self);

G_END_DECLS
