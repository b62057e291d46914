/* rd-desk-tokens.h — agent session tokens (private to the agent server).
 *
 * A token is 32 random bytes in hex, handed to the client once in "welcome". The store
 * (table agent_session of the hub's SQLite database, so sessions survive a hub restart) keeps
 * only its SHA-256, the identity it is bound to (extension, CRM user, the agent key it came
 * from) and its expiry. A token is single use: resuming consumes it and the server issues a
 * successor with the same expiry, so a session never outlives the sign-in that created it.
 */
#pragma once

#include "core/rd-store.h"
#include "hub/rd-desk-backend.h"

G_BEGIN_DECLS

#define RD_DESK_TOKEN_LENGTH 64   /* hex characters */

typedef struct _RdDeskTokens RdDeskTokens;

/* @store: where tokens are kept; NULL = a private in-memory database (tests). */
RdDeskTokens   *rd_desk_tokens_new              (RdStore *store, GError **error);
void             rd_desk_tokens_free             (RdDeskTokens *self);
/* A new token bound to @identity, valid until @expires_unix (wall clock, s). */
char            *rd_desk_tokens_issue            (RdDeskTokens *self, const RdDeskIdentity *identity,
                                                   gint64 expires_unix, gint64 now_unix, GError **error);
/* Consumes @token: its identity and expiry, or NULL when unknown, malformed or expired. */
RdDeskIdentity *rd_desk_tokens_take             (RdDeskTokens *self, const char *token,
                                                   gint64 now_unix, gint64 *expires_unix);
/* Forgets the tokens of @extension (all of them when @key_id is 0, else those that came from
 * that agent key); returns how many. */
guint            rd_desk_tokens_revoke           (RdDeskTokens *self, const char *extension, gint64 key_id);
/* Tokens not yet used or expired. */
guint            rd_desk_tokens_count            (RdDeskTokens *self, gint64 now_unix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDeskTokens, rd_desk_tokens_free)

G_END_DECLS
