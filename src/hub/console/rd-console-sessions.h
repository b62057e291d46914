/* rd-console-sessions.h — web console sessions, their CSRF tokens, and one-time sign-in links.
 *
 * Every visitor gets a session (anonymous until signed in) held in memory only: a
 * restart signs everyone out. The browser holds a random 256-bit token in an HttpOnly,
 * SameSite=Strict cookie; the table is keyed by the token's SHA-256, so a memory
 * dump does not hand out live cookies. Signing in issues a new token (no fixation).
 * A session ends after SESSION_IDLE_S without a request, after SESSION_MAX_S in all,
 * or at sign-out. Each session has its own CSRF token, required in every form.
 *
 * One-time links (`ringdesk-hub admin-link`) are valid for 15 minutes and for one use.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define RD_CONSOLE_SESSION_IDLE_S (30 * 60)
#define RD_CONSOLE_SESSION_MAX_S (12 * 3600)
#define RD_CONSOLE_LINK_LIFETIME_S (15 * 60)

typedef struct {
  char     *csrf;            /* form token */
  char     *actor;           /* NULL = not signed in; "console:NAME" or "crm:LOGIN" */
  char     *display_name;
  char     *link;            /* a one-time link token this visitor opened, not yet used */
  char     *flash;           /* a message for the next page, shown once */
  gboolean  flash_is_error;
  char     *tested_crm_key;  /* the API key of the last successful CRM test (never sent back) */
  char     *tested_crm;      /* "url\nlogin\ndatabase" it was tested with */
  gint64    created;         /* monotonic seconds */
  gint64    last_seen;
} RdConsoleSession;

#define RD_TYPE_CONSOLE_SESSIONS (rd_console_sessions_get_type ())
G_DECLARE_FINAL_TYPE (RdConsoleSessions, rd_console_sessions, RD, CONSOLE_SESSIONS, GObject)

RdConsoleSessions *rd_console_sessions_new     (void);

/* The live session of @token (touching it), or NULL when unknown or expired. */
RdConsoleSession  *rd_console_sessions_lookup  (RdConsoleSessions *self, const char *token);
/* A new anonymous session; *@out_token is its cookie value. */
RdConsoleSession  *rd_console_sessions_create  (RdConsoleSessions *self, char **out_token);
/* Signs the session of *@token in as @actor: it moves to a new token (returned in *@token). */
RdConsoleSession  *rd_console_sessions_sign_in (RdConsoleSessions *self, char **token, const char *actor,
                                                const char *display_name);
void               rd_console_sessions_end     (RdConsoleSessions *self, const char *token);
/* Ends every signed-in session of @actor (a removed account). */
void               rd_console_sessions_end_actor (RdConsoleSessions *self, const char *actor);
/* Does @candidate equal the session's CSRF token (constant time)? */
gboolean           rd_console_session_check_csrf (RdConsoleSession *session, const char *candidate);
void               rd_console_session_set_flash  (RdConsoleSession *session, const char *text, gboolean error);
void               rd_console_session_forget_tested_crm (RdConsoleSession *session);
guint              rd_console_sessions_count   (RdConsoleSessions *self);

/* One-time links: a new token; is it valid now; use it (TRUE once). */
char              *rd_console_sessions_issue_link   (RdConsoleSessions *self);
gboolean           rd_console_sessions_link_valid   (RdConsoleSessions *self, const char *token);
gboolean           rd_console_sessions_consume_link (RdConsoleSessions *self, const char *token);

/* Test hook: a clock offset in seconds added to the monotonic clock. */
void               rd_console_sessions_set_clock_offset (RdConsoleSessions *self, gint64 seconds);

/* 32 random bytes, base64url without padding (43 characters). */
char              *rd_console_random_token     (void);
/* Constant-time comparison of two NUL-terminated strings. */
gboolean           rd_console_equal_secret     (const char *a, const char *b);

G_END_DECLS
