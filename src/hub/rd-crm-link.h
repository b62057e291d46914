/* rd-crm-link.h — the hub's link to its CRM: the CRM object it works with, the link's state as
 * the hub reports it (not configured, connecting, connected, failed, unreachable) and its last
 * error, the retries of a connection that failed for a passing reason (5 s, doubling, up to
 * 5 min) and, while the CRM does not answer, a probe every 3 s until it does.
 *
 * Signals: "state-changed" () when the state or the message changed on its own (a connection
 * attempt's outcome, reachability); "connected" (RdCrmInfo) when rd_crm_link_connect()
 * succeeded; "reachable-again" () when an unreachable CRM answers again. Changes made with
 * rd_crm_link_set_crm() / rd_crm_link_set_state() emit nothing: the caller reports them.
 * Main context only.
 */
#pragma once

#include "crm/rd-crm.h"

G_BEGIN_DECLS

typedef enum {
  RD_HUB_CRM_NOT_CONFIGURED,
  RD_HUB_CRM_CONNECTING,
  RD_HUB_CRM_CONNECTED,
  RD_HUB_CRM_FAILED,
  RD_HUB_CRM_UNREACHABLE,    /* connected before, requests get no answer now: probed until they do */
} RdHubCrmState;

#define RD_TYPE_CRM_LINK (rd_crm_link_get_type ())
G_DECLARE_FINAL_TYPE (RdCrmLink, rd_crm_link, RD, CRM_LINK, GObject)

RdCrmLink     *rd_crm_link_new             (void);
/* The CRM to work with from now on (NULL: none): requests of the old one are cancelled, its
 * retry and probe stop; the state becomes CONNECTING (NOT_CONFIGURED without a CRM). */
void           rd_crm_link_set_crm         (RdCrmLink *self, RdCrm *crm);
RdCrm         *rd_crm_link_get_crm         (RdCrmLink *self);
/* Cancelled when the CRM is replaced or the link stops: for requests made for this CRM. */
GCancellable  *rd_crm_link_get_cancellable (RdCrmLink *self);
RdHubCrmState  rd_crm_link_get_state       (RdCrmLink *self);
const char    *rd_crm_link_get_message     (RdCrmLink *self);   /* the last error, or NULL */
/* Sets the state as the caller found it (a verified connect, refused credentials). */
void           rd_crm_link_set_state       (RdCrmLink *self, RdHubCrmState state, const char *message);
/* Connects the CRM (state CONNECTING); retried after a passing failure. */
void           rd_crm_link_connect         (RdCrmLink *self);
/* Cancels everything for good (the hub is stopping). */
void           rd_crm_link_stop            (RdCrmLink *self);
/* Test hook: retry delays and probe period in seconds (0 keeps a value). */
void           rd_crm_link_set_timings     (RdCrmLink *self, guint retry_min, guint retry_max, guint probe);

G_END_DECLS
