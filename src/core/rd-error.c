#include "config.h"

#include "rd-error.h"

G_DEFINE_QUARK (rd-error-quark, rd_error)

gboolean
rd_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != RD_ERROR)
    return FALSE;

  switch ((RdErrorCode) error->code)
    {
    case RD_ERROR_NETWORK:
    case RD_ERROR_TIMEOUT:
    case RD_ERROR_SERVER:
    case RD_ERROR_LIMIT:
    case RD_ERROR_DISABLED:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
rd_error_is_uncertain (const GError *error)
{
  return error != NULL && error->domain == RD_ERROR &&
         (error->code == RD_ERROR_TIMEOUT || error->code == RD_ERROR_NETWORK ||
          error->code == RD_ERROR_SERVER);
}

const char *
rd_error_code_to_string (RdErrorCode code)
{
  switch (code)
    {
    case RD_ERROR_FAILED: return "failed";
    case RD_ERROR_INVALID_INPUT: return "invalid-input";
    case RD_ERROR_NETWORK: return "network";
    case RD_ERROR_TIMEOUT: return "timeout";
    case RD_ERROR_TLS: return "tls";
    case RD_ERROR_AUTH: return "auth";
    case RD_ERROR_ACCESS: return "access";
    case RD_ERROR_NOT_FOUND: return "not-found";
    case RD_ERROR_CONFLICT: return "conflict";
    case RD_ERROR_BUSINESS: return "business";
    case RD_ERROR_SERVER: return "server";
    case RD_ERROR_PROTOCOL: return "protocol";
    case RD_ERROR_LIMIT: return "limit";
    case RD_ERROR_UNAVAILABLE: return "unavailable";
    case RD_ERROR_DISABLED: return "disabled";
    }
  return "unknown";
}
