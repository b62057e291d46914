/* rd-recent-calls.h — the agent's recent calls as the hub keeps them, kept fresh for a window.
 *
 * Loads on demand and again whenever the hub logs a call ("call-logged") or the client signs
 * in. A call the hub logged without a CRM record (an unknown number) is looked up again in the
 * hub's phone index, so a record created since (by "Create Contact", or in the CRM) shows its
 * name and link instead of the bare number: within the hub's lookup budget, which dials need too
 * (a few numbers per load; a number found unknown is asked about again after 2 minutes, one
 * created here at once). No GTK. Signal "changed" () after every change of
 * state or calls.
 */
#pragma once

#include <gio/gio.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

typedef enum {
  RD_RECENT_NOT_LOADED,
  RD_RECENT_NOT_SIGNED_IN,
  RD_RECENT_LOADING,       /* the first load (later ones keep the calls shown) */
  RD_RECENT_READY,
  RD_RECENT_FAILED,        /* rd_recent_calls_get_error () says why */
} RdRecentState;

#define RD_TYPE_RECENT_CALLS (rd_recent_calls_get_type ())
G_DECLARE_FINAL_TYPE (RdRecentCalls, rd_recent_calls, RD, RECENT_CALLS, GObject)

RdRecentCalls *rd_recent_calls_new       (RdAgentClient *client,
                                          guint          limit);
/* NULL or "" for all calls. Reloads. */
void           rd_recent_calls_set_query (RdRecentCalls *self,
                                          const char    *query);
const char    *rd_recent_calls_get_query (RdRecentCalls *self);
void           rd_recent_calls_refresh   (RdRecentCalls *self);
RdRecentState  rd_recent_calls_get_state (RdRecentCalls *self);
/* RdAgentRecentCall, newest first; empty before the first load. */
GPtrArray     *rd_recent_calls_get_calls (RdRecentCalls *self);
const char    *rd_recent_calls_get_error (RdRecentCalls *self);
/* Shows @calls (RdAgentRecentCall, copied in) as loaded: for callers that already have them
 * (tests and screenshots). */
void           rd_recent_calls_set_calls (RdRecentCalls *self,
                                          GPtrArray     *calls);
/* Ringdesk created @match for @number: its calls show it now, and every RdRecentCalls of the
 * client looks the number up again at its next load. */
void           rd_recent_calls_record_created (RdRecentCalls      *self,
                                               const char         *number,
                                               const RdAgentMatch *match);

G_END_DECLS
