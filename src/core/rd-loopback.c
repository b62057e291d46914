/* rd-loopback.c — see rd-loopback.h. */
#include "config.h"

#include "core/rd-loopback.h"

#include <gio/gio.h>
#include <string.h>

gboolean
rd_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;
  size_t length;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  length = strlen (host);
  if (host[0] == '[' && length > 2 && host[length - 1] == ']')
    bare = g_strndup (host + 1, length - 2);
  else
    bare = g_strdup (host);
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
rd_loopback_url (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  return uri != NULL && rd_loopback_host (g_uri_get_host (uri));
}
