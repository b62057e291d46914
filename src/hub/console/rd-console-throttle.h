/* rd-console-throttle.h — sign-in rate limiting for the web console.
 *
 * Failed sign-ins are counted per identity (the name or CRM login tried) and per
 * client address, in a sliding window. An identity is locked after
 * RD_CONSOLE_THROTTLE_IDENTITY_MAX failures (so guessing one account's password is
 * slow whatever the address), an address after RD_CONSOLE_THROTTLE_ADDRESS_MAX (so
 * one client cannot try many accounts) — the identity limit is the lower, so one
 * client behind a shared address cannot lock out another's account in passing.
 * A lock lasts RD_CONSOLE_THROTTLE_LOCK_S. A success clears the identity's count.
 * CRM key checks also draw on a hub-wide budget, so an attacker never makes the
 * hub trip the CRM's own login cooldown for everyone.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define RD_CONSOLE_THROTTLE_WINDOW_S 900
#define RD_CONSOLE_THROTTLE_LOCK_S 900
#define RD_CONSOLE_THROTTLE_IDENTITY_MAX 5
#define RD_CONSOLE_THROTTLE_ADDRESS_MAX 20
#define RD_CONSOLE_THROTTLE_CRM_PER_MINUTE 20

#define RD_TYPE_CONSOLE_THROTTLE (rd_console_throttle_get_type ())
G_DECLARE_FINAL_TYPE (RdConsoleThrottle, rd_console_throttle, RD, CONSOLE_THROTTLE, GObject)

RdConsoleThrottle *rd_console_throttle_new      (void);
/* May @identity try from @address now? If not, *@out_wait_s tells for how long not. */
gboolean           rd_console_throttle_allowed  (RdConsoleThrottle *self, const char *identity,
                                                 const char *address, gint64 *out_wait_s);
void               rd_console_throttle_failed   (RdConsoleThrottle *self, const char *identity, const char *address);
void               rd_console_throttle_succeeded (RdConsoleThrottle *self, const char *identity);
/* Takes one CRM verification from the hub-wide budget; FALSE when it is spent for this minute. */
gboolean           rd_console_throttle_take_crm_check (RdConsoleThrottle *self);
void               rd_console_throttle_set_clock_offset (RdConsoleThrottle *self, gint64 seconds);

G_END_DECLS
