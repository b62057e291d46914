/* rd-uri.c — refusing hostile links before they get anywhere. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <gio/gio.h>

#include "core/rd-error.h"
#include "core/rd-phone.h"
#include "rd-uri.h"

static const char * const phone_schemes[] = { "tel", "callto", "sip", "sips", NULL };

gboolean
rd_uri_has_phone_scheme (const char *uri)
{
  g_autofree char *scheme = NULL;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_parse_scheme (uri);
  if (scheme == NULL)
    return FALSE;
  for (guint i = 0; phone_schemes[i]; i++)
    if (g_ascii_strcasecmp (scheme, phone_schemes[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_control_chars (const char *s)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

char *
rd_uri_to_number (const char *uri_or_text, GError **error)
{
  g_autofree char *scheme = NULL;
  g_autofree char *extracted = NULL;
  g_autoptr(GString) number = NULL;
  g_autoptr(GError) local_error = NULL;
  guint digits = 0;

  if (uri_or_text == NULL || *uri_or_text == '\0')
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("The link contains no phone number."));
      return NULL;
    }
  if (strlen (uri_or_text) > RD_PHONE_MAX_INPUT)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("The link is too long to be a phone number."));
      return NULL;
    }
  if (!g_utf8_validate (uri_or_text, -1, NULL) || has_control_chars (uri_or_text))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("The link contains characters that do not belong in a phone number."));
      return NULL;
    }

  /* A link with a long run of digits is a wrong number, not a missing one. */
  {
    guint all_digits = 0;
    for (const char *p = uri_or_text; *p; p = g_utf8_next_char (p))
      if (g_unichar_isdigit (g_utf8_get_char (p)))
        all_digits++;
    if (all_digits > RD_URI_MAX_DIGITS)
      {
        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                     _("The number has too many digits to be a phone number."));
        return NULL;
      }
  }

  scheme = g_uri_parse_scheme (uri_or_text);
  if (scheme)
    {
      char *lower = g_ascii_strdown (scheme, -1);
      g_free (scheme);
      scheme = lower;
    }
  if (scheme && !rd_uri_has_phone_scheme (uri_or_text))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("Ringdesk only dials tel:, callto: and sip: links."));
      return NULL;
    }

  extracted = rd_phone_extract_from_uri (uri_or_text, &local_error);
  if (extracted == NULL)
    {
      if (scheme && g_str_has_prefix (scheme, "sip"))
        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("This SIP address is a name, not a phone number."));
      else
        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("The link contains no phone number."));
      g_debug ("extract failed: %s", local_error ? local_error->message : "?");
      return NULL;
    }

  number = g_string_new (NULL);
  for (const char *p = extracted; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          g_string_append_c (number, *p);
          digits++;
        }
      else if (*p == '+' && number->len == 0)
        g_string_append_c (number, '+');
      else if (*p == '*' || *p == '#')
        g_string_append_c (number, *p);
      else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')')
        continue;
      else if (g_str_has_prefix (p, ";ext=") && digits > 0 && p[5] != '\0' &&
               strspn (p + 5, "0123456789") == strlen (p + 5) && strlen (p + 5) <= 8)
        {
          /* An extension after the main number: the hub's number parser handles it. */
          g_string_append (number, p);
          break;
        }
      else
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       scheme && g_str_has_prefix (scheme, "sip")
                       ? _("This SIP address is a name, not a phone number.")
                       : _("The link contains characters that do not belong in a phone number."));
          return NULL;
        }
    }

  if (digits == 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("The link contains no phone number."));
      return NULL;
    }
  if (digits > RD_URI_MAX_DIGITS)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("The number has too many digits to be a phone number."));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&number), FALSE);
}

gboolean
rd_uri_is_web_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url == NULL || strlen (url) > 4096 || has_control_chars (url) || strchr (url, ' '))
    return FALSE;
  if (!g_utf8_validate (url, -1, NULL))
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;
  return g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

char *
rd_uri_display_excerpt (const char *text, guint max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  guint n = 0;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n == max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f)
        continue;   /* bidi controls could make the text read differently than it is */
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
      n++;
    }
  return g_string_free (out, FALSE);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) addr = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

char *
rd_uri_normalize_hub_url (const char *text, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *trimmed = NULL;
  const char *scheme, *host;
  const char *new_scheme;

  trimmed = g_strstrip (g_strdup (text ? text : ""));
  if (*trimmed == '\0')
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("Enter the hub address."));
      return NULL;
    }
  if (has_control_chars (trimmed) || strchr (trimmed, ' ') || !g_utf8_validate (trimmed, -1, NULL))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, _("The hub address contains spaces or invalid characters."));
      return NULL;
    }
  if (strstr (trimmed, "://") == NULL)
    {
      char *with_scheme = g_strconcat ("wss://", trimmed, NULL);
      g_free (trimmed);
      trimmed = with_scheme;
    }
  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("The hub address is not valid. It looks like wss://hub.example.com:8443"));
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    new_scheme = "wss";
  else if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "http") == 0)
    new_scheme = "ws";
  else
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("The hub address must start with wss:// (or ws:// for a hub on this computer)."));
      return NULL;
    }
  if (g_str_equal (new_scheme, "ws") && !host_is_loopback (host))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("An unencrypted connection (ws://) is only allowed to this computer. Use wss:// for a hub on the network."));
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   _("The hub address must not contain a user name or password."));
      return NULL;
    }
  return g_uri_join (G_URI_FLAGS_NONE, new_scheme, NULL, host, g_uri_get_port (uri),
                     *g_uri_get_path (uri) ? g_uri_get_path (uri) : "", g_uri_get_query (uri), NULL);
}
