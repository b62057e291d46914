/* rd-odoo-logger.h — call logs and call-back tasks in the chatter (spec §5).
 *
 * Default: a "Call" activity (xml id mail.mail_activity_data_call, found through
 * ir.model.data; fallback: a mail.activity.type named like "call") created on
 * the record and immediately marked done with action_feedback, which posts
 * "Call done" with the note and feedback in the chatter. It is created with
 * mail_activity_quick_update (Odoo sends no "assigned to you" e-mail), for the
 * API user unless the type keeps done activities (17+ keep_done: then for the
 * bound user, whose reports count it) — so the agent is not made a follower of
 * every record it talked to, and the message does not say "originally assigned
 * to"; its author is then set to the bound user's contact (up to 17).
 * Alternative: an internal log note through message_post (`body_is_html` on
 * 17+, `author_id` = the bound user's contact up to 17). Neither sends e-mail.
 * A missed call becomes an open "Call" activity due today (in the log's time
 * zone) for the bound user, who is told as Odoo tells any assignee.
 *
 * The text states direction, both numbers, the agent, the local start time,
 * ring and talk time, the outcome and "Ringdesk call id: <key>", which
 * rd_odoo_logger_find_async() looks for in mail.message bodies on the record;
 * not finding it, it removes open "Call" activities carrying the key (created,
 * but the hub died or timed out before action_feedback), so that the log is
 * written again exactly once.
 * A call-back's note ends in "Ringdesk call-back id: <key>" instead, which
 * rd_odoo_logger_find_callback_async() looks for in the record's activities
 * (open, and archived where done ones are kept) and, for done ones that were
 * deleted, in mail.message bodies (the "… done" message quotes the note).
 * Everything from outside is HTML-escaped; only <p> and <br> are ours.
 */
#pragma once

#include <gio/gio.h>

#include "crm/rd-crm.h"
#include "rd-odoo-features.h"
#include "rd-odoo-transport.h"

G_BEGIN_DECLS

#define RD_ODOO_CALL_KEY_LABEL "Ringdesk call id: "
#define RD_ODOO_CALL_BACK_KEY_LABEL "Ringdesk call-back id: "

/* Ids looked up once per connection (shared, reference counted). */
typedef struct {
  gint64      call_type_id;      /* mail.activity.type of "Call", 0 = unknown, -1 = none */
  int         call_type_keeps;   /* it keeps done activities (17+ keep_done): -1 unknown, 0, 1 */
  gint64      partner_model_id;  /* ir.model ids */
  gint64      lead_model_id;
  GHashTable *user_partners;     /* user id (gint64*) → partner id (gint64*) */
} RdOdooLogIds;

RdOdooLogIds *rd_odoo_log_ids_new   (void);
RdOdooLogIds *rd_odoo_log_ids_ref   (RdOdooLogIds *ids);
void          rd_odoo_log_ids_unref (RdOdooLogIds *ids);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdOdooLogIds, rd_odoo_log_ids_unref)

/* Lines of the log, plain text (NULL-terminated). */
/* "<p>line<br>line…</p>", every line HTML-escaped. */
char         *rd_odoo_call_log_html    (const RdCrmCallLog *log);
/* The same with RD_ODOO_CALL_BACK_KEY_LABEL: the note of a call-back task. */
char         *rd_odoo_call_back_html   (const RdCrmCallLog *log);
/* "Inbound call, 2 min 13 s" (plain, for the activity summary). */
char         *rd_odoo_call_log_summary (const RdCrmCallLog *log);
/* "2 min 13 s", "45 s", "1 h 02 min 03 s" */
char         *rd_odoo_format_duration  (guint seconds);
/* Today's date "YYYY-MM-DD" in @tz (NULL or unknown = UTC). */
char         *rd_odoo_today            (const char *tz);

void          rd_odoo_logger_log_async      (RdOdooTransport *transport, const RdOdooFeatures *features,
                                             RdOdooLogIds *ids, const RdCrmCallLog *log,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void          rd_odoo_logger_callback_async (RdOdooTransport *transport, const RdOdooFeatures *features,
                                             RdOdooLogIds *ids, const RdCrmCallLog *log,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean      rd_odoo_logger_finish         (GAsyncResult *result, GError **error);

void          rd_odoo_logger_find_async     (RdOdooTransport *transport, const char *model, gint64 record_id,
                                             const char *call_key, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void          rd_odoo_logger_find_callback_async (RdOdooTransport *transport, const RdOdooFeatures *features,
                                                  const char *model, gint64 record_id, const char *call_key,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
/* Finishes both look-ups. */
gboolean      rd_odoo_logger_find_finish    (GAsyncResult *result, gboolean *out_found, GError **error);

G_END_DECLS
