/* rd-notifier.h — screen pops: desktop notifications (libnotify) and the browser pop.
 *
 * Fed with the agent client's "call" and "match" signals. Decides per the user's pop
 * settings (GSettings: pop-when, pop-crm-only, pop-open-browser, pops-paused) whether to
 * notify and whether to open the caller's record, at most once per call id. Notification
 * buttons activate application actions ("app.open-record", "app.call",
 * "app.create-record", "app.show-window"), so the same actions are mirrored in a menu
 * section (rd_notifier_get_mirror_menu), one entry per number, when the notification
 * server has no "actions" capability (or, for missed calls, no "persistence"). Text from the PBX or CRM is escaped before it reaches a notification body.
 */
#pragma once

#include <gio/gio.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

typedef enum {
  RD_POP_WHEN_RING,
  RD_POP_WHEN_ANSWER,
  RD_POP_WHEN_NEVER,
} RdPopWhen;

typedef struct {
  RdPopWhen when;
  gboolean  crm_only;
  gboolean  open_browser;
  gboolean  paused;
} RdPopPolicy;

typedef enum {
  RD_POP_NONE    = 0,
  RD_POP_NOTIFY  = 1 << 0,
  RD_POP_BROWSER = 1 << 1,
} RdPopAction;

/* Pure decision. @ringing_seen / @answered_seen: what the call has reached so far;
 * @ended: the call is over. @inbound: the call rings this agent (inbound or internal). */
RdPopAction rd_pop_policy_decide (const RdPopPolicy *policy,
                                  gboolean           inbound,
                                  gboolean           ringing_seen,
                                  gboolean           answered_seen,
                                  gboolean           ended,
                                  gboolean           has_match,
                                  gboolean           has_url,
                                  gboolean           already_notified,
                                  gboolean           already_opened);

/* Notification body for a call (escaped: safe for servers that render markup). */
char       *rd_notifier_format_body (const RdAgentMatch *match,
                                     const char         *number_display);

#define RD_TYPE_NOTIFIER (rd_notifier_get_type ())
G_DECLARE_FINAL_TYPE (RdNotifier, rd_notifier, RD, NOTIFIER, GObject)

RdNotifier *rd_notifier_new                (GActionGroup       *actions,
                                            GSettings          *settings);
void        rd_notifier_handle_call        (RdNotifier         *self,
                                            const RdAgentCall  *call);
void        rd_notifier_handle_match       (RdNotifier         *self,
                                            const char         *call_id,
                                            const RdAgentMatch *match);
/* A message under a stable @tag (a new one replaces the old): a refused link, a failed
 * dial, a lost connection, "Calling…". @category: the notification spec's category
 * ("call" for a call being placed, which stays until withdrawn; "call.ended",
 * "network.disconnected", "network.error"…), or NULL. */
void        rd_notifier_show_message       (RdNotifier         *self,
                                            const char         *tag,
                                            const char         *category,
                                            const char         *summary,
                                            const char         *body);
/* A CRM record now exists for @number (created from a button): the menu and the missed-call
 * notifications of that number open it instead of offering to create one. */
void        rd_notifier_record_created     (RdNotifier         *self,
                                            const char         *number,
                                            const RdAgentMatch *match);
void        rd_notifier_withdraw_message   (RdNotifier         *self,
                                            const char         *tag);
gboolean    rd_notifier_server_has_actions (RdNotifier         *self);
GMenuModel *rd_notifier_get_mirror_menu    (RdNotifier         *self);
guint       rd_notifier_get_missed_count   (RdNotifier         *self);
void        rd_notifier_clear_missed       (RdNotifier         *self);

G_END_DECLS
