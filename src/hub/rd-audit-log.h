/* rd-audit-log.h — who changed what on the hub, and when.
 *
 * One row per change made through the administration API (command line or web
 * console) and per console sign-in or sign-out. Entries never hold secrets
 * (the caller passes a detail text without them). Kept for 400 days, at most
 * 100,000 entries; the oldest go first.
 */
#pragma once

#include <glib-object.h>

#include "core/rd-store.h"

G_BEGIN_DECLS

typedef struct {
  gint64  id;
  gint64  time;      /* unix seconds */
  char   *actor;     /* "console:admin", "command line (uid 0)" */
  char   *action;    /* "connect-crm", "sign-in" … */
  char   *detail;    /* may be NULL */
} RdAuditEntry;

void rd_audit_entry_free (RdAuditEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdAuditEntry, rd_audit_entry_free)

#define RD_TYPE_AUDIT_LOG (rd_audit_log_get_type ())
G_DECLARE_FINAL_TYPE (RdAuditLog, rd_audit_log, RD, AUDIT_LOG, GObject)

RdAuditLog *rd_audit_log_new  (RdStore *store, GError **error);
gboolean    rd_audit_log_add  (RdAuditLog *self, const char *actor, const char *action, const char *detail,
                               GError **error);
/* Newest first, at most @limit (0 = all). Element type RdAuditEntry. */
GPtrArray  *rd_audit_log_list (RdAuditLog *self, guint limit, GError **error);

G_END_DECLS
