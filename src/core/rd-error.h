/* rd-error.h — the one error domain shared by every layer.
 *
 * Each layer classifies its failures into these codes so that the engine and the
 * user interface can react (retry, ask for a new key, show a message) without
 * knowing which PBX or CRM produced them. Messages are for humans and must never
 * contain secrets or URLs that carry tokens.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_ERROR (rd_error_quark ())

typedef enum {
  RD_ERROR_FAILED,          /* anything not covered below */
  RD_ERROR_INVALID_INPUT,   /* caller gave bad data (number, URI, option) */
  RD_ERROR_NETWORK,         /* could not reach the peer; retry later */
  RD_ERROR_TIMEOUT,         /* the peer did not answer in time; outcome unknown */
  RD_ERROR_TLS,             /* certificate refused (verification or pin mismatch) */
  RD_ERROR_AUTH,            /* wrong / expired / revoked credentials */
  RD_ERROR_ACCESS,          /* authenticated, but not allowed */
  RD_ERROR_NOT_FOUND,       /* the record / resource does not exist */
  RD_ERROR_CONFLICT,        /* duplicate / already exists / not empty */
  RD_ERROR_BUSINESS,        /* the peer refused on business grounds (validation) */
  RD_ERROR_SERVER,          /* the peer failed internally (5xx, traceback) */
  RD_ERROR_PROTOCOL,        /* the peer's reply was malformed or unexpected */
  RD_ERROR_LIMIT,           /* quota hit (e.g. PBX token pool full), rate limited */
  RD_ERROR_UNAVAILABLE,     /* feature disabled / not installed / API off */
  RD_ERROR_DISABLED,        /* the integration is paused by the administrator */
} RdErrorCode;

GQuark       rd_error_quark      (void);

/* TRUE when retrying the same operation later may succeed (network, timeout,
 * server faults, limits). Used by the outbox to decide between backoff and
 * giving up. */
gboolean     rd_error_is_transient (const GError *error);

/* TRUE when the outcome of the failed request is unknown (timeout or a network
 * error after the request was sent): the caller must check before re-posting. */
gboolean     rd_error_is_uncertain (const GError *error);

const char  *rd_error_code_to_string (RdErrorCode code);

G_END_DECLS
