/* rd-phone.c — caller-id / URI parsing, classification, comparison and CRM
 * search keys on top of the libphonenumber shim.
 *
 * Pipeline of rd_phone_parse():
 *   1. check the bytes: length <= RD_PHONE_MAX_INPUT, no NUL inside @len, valid UTF-8;
 *   2. fold characters: every Unicode decimal digit (full-width U+FF10..U+FF19,
 *      Arabic-Indic, …) to ASCII, full-width '＋' to '+', full-width / typographic
 *      dashes, parentheses, dots and spaces to their ASCII forms; drop invisible
 *      format characters (LRM, zero-width space, BOM); trim;
 *   3. unwrap a `Name <number>` / `"Name" <sip:…>` caller id;
 *   4. withheld words (see is_withheld_word()) or empty -> RD_NUMBER_WITHHELD;
 *   5. extract the dialable string: URI scheme handling (tel:, callto:, sip:, sips:),
 *      percent-escapes, RFC 3966 parameters (ext=, phone-context=), visual
 *      separators, `x123` / `ext. 123` suffixes -> "+?[0-9]+" plus extension digits;
 *   6. classify: internal extension rule first, then libphonenumber.
 */
#include "config.h"

#include "core/rd-phone.h"
#include "core/rd-error.h"
#include "core/rd-phonenumber-shim.h"

#include <string.h>

#define DEFAULT_EXT_MIN_LEN 2
#define DEFAULT_EXT_MAX_LEN 6
/* More digits than this is not a phone number at all (E.164 allows 15, plus an
 * international prefix of up to 4): refused with an error rather than INVALID. */
#define MAX_DIGITS 24
#define MAX_EXTENSION_DIGITS 15
/* rd_phone_same_subscriber(): minimum digits for a tail match involving a
 * number libphonenumber could not validate. */
#define MIN_TAIL_DIGITS 7
/* rd_phone_search_keys(): length of the tail key. */
#define TAIL_KEY_DIGITS 8

static const char *const withheld_words[] = {
  "anonymous", "unknown", "private", "restricted", "withheld", "unavailable",
  "private number", "unknown number", "blocked", "no caller id",
};

const char *
rd_number_kind_to_string (RdNumberKind kind)
{
  switch (kind)
    {
    case RD_NUMBER_EXTERNAL:
      return "external";
    case RD_NUMBER_INTERNAL:
      return "internal";
    case RD_NUMBER_WITHHELD:
      return "withheld";
    case RD_NUMBER_INVALID:
      return "invalid";
    default:
      return "unknown";
    }
}

void
rd_phone_rules_init (RdPhoneRules *rules)
{
  g_return_if_fail (rules != NULL);
  rules->ext_min_len = DEFAULT_EXT_MIN_LEN;
  rules->ext_max_len = DEFAULT_EXT_MAX_LEN;
  rules->ext_pattern = NULL;
}

void
rd_phone_rules_clear (RdPhoneRules *rules)
{
  g_return_if_fail (rules != NULL);
  g_clear_pointer (&rules->ext_pattern, g_free);
}

void
rd_phone_number_free (RdPhoneNumber *number)
{
  if (number == NULL)
    return;
  g_free (number->raw);
  g_free (number->digits);
  g_free (number->e164);
  g_free (number->nsn);
  g_free (number->region);
  g_free (number->national);
  g_free (number->international);
  g_free (number->extension);
  g_free (number);
}

RdPhoneNumber *
rd_phone_number_copy (const RdPhoneNumber *number)
{
  RdPhoneNumber *copy;

  if (number == NULL)
    return NULL;
  copy = g_new0 (RdPhoneNumber, 1);
  copy->kind = number->kind;
  copy->raw = g_strdup (number->raw);
  copy->digits = g_strdup (number->digits);
  copy->e164 = g_strdup (number->e164);
  copy->nsn = g_strdup (number->nsn);
  copy->region = g_strdup (number->region);
  copy->country_code = number->country_code;
  copy->national = g_strdup (number->national);
  copy->international = g_strdup (number->international);
  copy->extension = g_strdup (number->extension);
  return copy;
}

/* ---- step 1 and 2: bytes and characters -------------------------------- */

static gboolean
check_bytes (const char *text, gsize len, GError **error)
{
  const char *end = NULL;
  const char *nul;

  if (len > RD_PHONE_MAX_INPUT)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Phone number text is too long (%" G_GSIZE_FORMAT " bytes, at most %d)",
                   len, RD_PHONE_MAX_INPUT);
      return FALSE;
    }
  nul = memchr (text, '\0', len);
  if (nul != NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Phone number text contains a NUL byte at offset %" G_GSIZE_FORMAT,
                   (gsize) (nul - text));
      return FALSE;
    }
  if (!g_utf8_validate_len (text, len, &end))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Phone number text is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
                   (gsize) (end - text));
      return FALSE;
    }
  return TRUE;
}

/* Maps look-alike characters to ASCII; returns 0 for "keep as is". */
static char
fold_char (gunichar c)
{
  if (c < 0x80)
    return (char) c;
  if (g_unichar_isdigit (c))
    {
      int v = g_unichar_digit_value (c);
      if (v >= 0 && v <= 9)
        return (char) ('0' + v);
      return 0;
    }
  switch (c)
    {
    case 0xFF0B:                     /* FULLWIDTH PLUS SIGN */
      return '+';
    case 0xFF0D: case 0x2010: case 0x2011: case 0x2012:
    case 0x2013: case 0x2014: case 0x2015: case 0x2212: case 0x30FC:
      return '-';
    case 0xFF08:
      return '(';
    case 0xFF09:
      return ')';
    case 0xFF0E: case 0x3002:
      return '.';
    case 0xFF0F:
      return '/';
    case 0xFF1B:
      return ';';
    case 0xFF1D:
      return '=';
    case 0x00A0: case 0x2002: case 0x2003: case 0x2007: case 0x2009:
    case 0x200A: case 0x202F: case 0x3000:
      return ' ';
    default:
      return 0;
    }
}

/* @text is valid UTF-8 of @len bytes without NULs. Returns a trimmed copy with
 * look-alike characters folded to ASCII. */
static char *
fold_text (const char *text, gsize len)
{
  GString *out = g_string_sized_new (len + 1);
  const char *p = text;
  const char *end = text + len;

  while (p < end)
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);
      char folded = fold_char (c);

      if (c >= 0x80 && g_unichar_type (c) == G_UNICODE_FORMAT)
        ;   /* LRM/RLM, zero-width space, BOM: invisible in copied numbers */
      else if (folded != 0)
        g_string_append_c (out, folded);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  g_strstrip (out->str);
  out->len = strlen (out->str);
  return g_string_free (out, FALSE);
}

/* ---- step 3 and 4: caller-id wrapper and withheld ids ------------------ */

static gboolean
is_withheld_word (const char *text)
{
  g_autofree char *copy = g_strstrip (g_ascii_strdown (text, -1));
  gsize n = strlen (copy);

  /* strip one level of quotes: "Anonymous" */
  if (n >= 2 && copy[0] == '"' && copy[n - 1] == '"')
    {
      copy[n - 1] = '\0';
      memmove (copy, copy + 1, n - 1);
      g_strstrip (copy);
    }
  if (copy[0] == '\0')
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (withheld_words); i++)
    if (g_str_equal (copy, withheld_words[i]))
      return TRUE;
  return FALSE;
}

/* `Name <number>` / `"Name" <sip:2001@pbx>` -> the part in angle brackets; an
 * empty `<>` yields the name (which may be a withheld word). */
static char *
unwrap_caller_id (const char *text)
{
  gsize n = strlen (text);
  const char *open;
  char *inner;

  if (n < 2 || text[n - 1] != '>' || (open = strrchr (text, '<')) == NULL)
    return g_strdup (text);
  inner = g_strstrip (g_strndup (open + 1, text + n - 1 - (open + 1)));
  if (inner[0] != '\0')
    return inner;
  g_free (inner);
  return g_strstrip (g_strndup (text, open - text));
}

/* ---- step 5: extraction ------------------------------------------------ */

typedef struct {
  char *digits;      /* "+?[0-9]+" */
  char *extension;   /* digits or NULL */
  gboolean withheld; /* the URI's user part is a withheld word */
} Extracted;

static void
extracted_clear (Extracted *ex)
{
  g_clear_pointer (&ex->digits, g_free);
  g_clear_pointer (&ex->extension, g_free);
  ex->withheld = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Extracted, extracted_clear)

static void
describe_char (const char *p, char out[16])
{
  gunichar c = g_utf8_get_char (p);

  if (c < 0x80 && g_ascii_isprint ((char) c))
    g_snprintf (out, 16, "'%c'", (char) c);
  else
    g_snprintf (out, 16, "U+%04X", c);
}

static gboolean
is_separator (char c)
{
  /* RFC 3966 visual separators plus what people type: space, tab, slash */
  return c == '-' || c == '.' || c == '(' || c == ')' || c == ' ' || c == '\t' || c == '/';
}

/* Collects the digits of an extension starting at @p; only separators may
 * surround them. */
static gboolean
take_extension (const char *p, char **extension, GError **error)
{
  GString *ext = g_string_new (NULL);

  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (ext, *p);
      else if (!is_separator (*p) && *p != '=' && *p != ':')
        {
          char what[16];
          describe_char (p, what);
          g_string_free (ext, TRUE);
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "Unexpected character %s in the extension of a phone number", what);
          return FALSE;
        }
    }
  if (ext->len == 0 || ext->len > MAX_EXTENSION_DIGITS)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Phone number extension must have 1 to %d digits (has %" G_GSIZE_FORMAT ")",
                   MAX_EXTENSION_DIGITS, ext->len);
      g_string_free (ext, TRUE);
      return FALSE;
    }
  g_free (*extension);
  *extension = g_string_free (ext, FALSE);
  return TRUE;
}

/* Length of an extension marker at @p ("ext.", "ext", "extension", "x", "#"
 * is not one), or 0. */
static gsize
extension_marker (const char *p)
{
  if (g_ascii_strncasecmp (p, "extension", 9) == 0)
    return 9;
  if (g_ascii_strncasecmp (p, "ext", 3) == 0)
    return p[3] == '.' ? 4 : 3;
  if (g_ascii_tolower (*p) == 'x')
    return 1;
  return 0;
}

/* The number part of a tel URI / SIP user part / plain text: '+', digits,
 * separators, then an optional extension suffix. */
static gboolean
scan_number (const char *text, GString *digits, char **extension, GError **error)
{
  gboolean plus = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      gsize marker;

      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p == '+')
        {
          if (plus || digits->len > 0)
            {
              g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                                   plus ? "Phone number has more than one '+'"
                                        : "Phone number has a '+' after its first digit");
              return FALSE;
            }
          plus = TRUE;
          g_string_append_c (digits, '+');
        }
      else if (is_separator (*p))
        continue;
      else if (digits->len > 0 && (marker = extension_marker (p)) > 0)
        return take_extension (p + marker, extension, error);
      else
        {
          char what[16];
          describe_char (p, what);
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "Unexpected character %s in a phone number", what);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
unescape (const char *text, const char *what, GError **error)
{
  char *out;

  if (text == NULL)
    return g_strdup ("");
  out = g_uri_unescape_string (text, NULL);
  if (out == NULL || !g_utf8_validate (out, -1, NULL))
    {
      g_free (out);
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Invalid percent-escape in the %s", what);
      return NULL;
    }
  return out;
}

/* Splits "number;ext=42;phone-context=+1-914" at the first ';', scans the
 * number and applies the parameters. @part is already unescaped. */
static gboolean
extract_dialable (const char *part, Extracted *ex, GError **error)
{
  g_auto(GStrv) pieces = g_strsplit (part, ";", -1);
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree char *context = NULL;
  g_autofree char *number = g_strstrip (g_strdup (pieces[0] != NULL ? pieces[0] : ""));
  gsize n_digits;

  if (number[0] != '\0' && is_withheld_word (number))
    {
      ex->withheld = TRUE;
      return TRUE;
    }
  if (!scan_number (number, digits, &ex->extension, error))
    return FALSE;

  for (guint i = 1; pieces[i] != NULL; i++)
    {
      char *param = g_strstrip (pieces[i]);
      char *eq = strchr (param, '=');
      gsize name_len = eq != NULL ? (gsize) (eq - param) : strlen (param);

      if (name_len == 0 && eq == NULL)
        continue;                                   /* "123;" */
      if (name_len == 0 || strspn (param, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != name_len)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Malformed parameter after a phone number");
          return FALSE;
        }
      if (eq != NULL && name_len == 3 && g_ascii_strncasecmp (param, "ext", 3) == 0)
        {
          if (!take_extension (eq + 1, &ex->extension, error))
            return FALSE;
        }
      else if (eq != NULL && name_len == 13 && g_ascii_strncasecmp (param, "phone-context", 13) == 0)
        {
          g_free (context);
          context = g_strdup (eq + 1);
        }
      /* isub=, postd=, user=, transport=, … carry no number */
    }

  /* RFC 3966 local number with a global context: "863-1234;phone-context=+1-914-555" */
  if (context != NULL && context[0] == '+' && digits->len > 0 && digits->str[0] != '+')
    {
      g_autoptr(GString) prefix = g_string_new (NULL);
      g_autofree char *unused_ext = NULL;

      if (!scan_number (context, prefix, &unused_ext, error))
        return FALSE;
      if (unused_ext != NULL)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Malformed phone-context parameter");
          return FALSE;
        }
      g_string_prepend (digits, prefix->str);
    }

  if (digits->len == 0 || (digits->len == 1 && digits->str[0] == '+'))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "Phone number contains no digits");
      return FALSE;
    }
  n_digits = digits->len - (digits->str[0] == '+' ? 1 : 0);
  if (n_digits > MAX_DIGITS)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Phone number has too many digits (%" G_GSIZE_FORMAT ", at most %d)",
                   n_digits, MAX_DIGITS);
      return FALSE;
    }
  ex->digits = g_string_free (g_steal_pointer (&digits), FALSE);
  return TRUE;
}

/* Returns the lower-cased scheme if @text starts with "scheme:", else NULL. */
static char *
uri_scheme (const char *text)
{
  const char *p = text;

  if (!g_ascii_isalpha (*p))
    return NULL;
  while (g_ascii_isalnum (*p) || *p == '+' || *p == '.' || *p == '-')
    p++;
  if (*p != ':')
    return NULL;
  return g_ascii_strdown (text, p - text);
}

/* SIP user part: "user@host;params" -> "user"; "2001;transport=udp" (no
 * user) -> the host only when it is a bare number (never an IP address). */
static char *
sip_user (const char *userinfo, const char *path, GError **error)
{
  const char *at;

  if (userinfo != NULL && userinfo[0] != '\0')
    return unescape (userinfo, "SIP user part", error);
  at = path != NULL ? strchr (path, '@') : NULL;
  if (at != NULL)
    {
      g_autofree char *user = g_strndup (path, at - path);
      return unescape (user, "SIP user part", error);
    }
  if (path != NULL && path[0] != '\0')
    {
      g_autofree char *host = g_strndup (path, strcspn (path, ";?"));
      gsize skip = host[0] == '+' ? 1 : 0;

      if (host[skip] != '\0' && strspn (host + skip, "0123456789") == strlen (host + skip))
        return g_steal_pointer (&host);
    }
  g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "SIP URI has no user part with a number");
  return NULL;
}

/* @text is folded, trimmed, unwrapped and not a withheld word. */
static gboolean
extract (const char *text, Extracted *ex, GError **error)
{
  g_autofree char *scheme = uri_scheme (text);
  g_autofree char *part = NULL;
  g_autofree char *folded = NULL;
  g_autofree char *userinfo = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;

  if (scheme == NULL)
    return extract_dialable (text, ex, error);

  if (!g_str_equal (scheme, "tel") && !g_str_equal (scheme, "callto") &&
      !g_str_equal (scheme, "sip") && !g_str_equal (scheme, "sips"))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Unsupported URI scheme \"%.16s\" (expected tel, callto, sip or sips)", scheme);
      return FALSE;
    }
  /* Keep escapes (we unescape the one part we need) and accept non-DNS hosts
   * such as "+49 123" in callto://+49%20123. */
  if (!g_uri_split (text, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL,
                    &userinfo, &host, NULL, &path, NULL, NULL, NULL))
    {
      /* GUri's message may quote the input: keep hostile text out of logs */
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Malformed %s URI (bad escape, port or authority)", scheme);
      return FALSE;
    }

  if (g_str_equal (scheme, "sip") || g_str_equal (scheme, "sips"))
    {
      if (host != NULL && (path == NULL || path[0] == '\0'))
        part = sip_user (userinfo, host, error);    /* "sip://2001@pbx" */
      else
        part = sip_user (NULL, path, error);
    }
  else if (host != NULL && host[0] != '\0')
    part = unescape (host, "URI host", error);       /* callto://+49123, tel://… */
  else
    {
      g_autofree char *trimmed = g_strndup (path != NULL ? path : "",
                                            path != NULL ? strcspn (path, "/") : 0);
      part = unescape (trimmed, "URI", error);
    }
  if (part == NULL)
    return FALSE;
  /* escapes may have produced full-width digits, wide spaces, … */
  folded = fold_text (part, strlen (part));
  if (folded[0] == '\0')
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The %s URI carries no number", scheme);
      return FALSE;
    }
  return extract_dialable (folded, ex, error);
}

/* Steps 1–5 for both public entry points. Returns FALSE with @error set, or
 * TRUE with either ex->withheld or ex->digits set. */
static gboolean
prepare (const char *text, gsize len, Extracted *ex, GError **error)
{
  g_autofree char *folded = NULL;
  g_autofree char *unwrapped = NULL;

  if (!check_bytes (text, len, error))
    return FALSE;
  folded = fold_text (text, len);
  unwrapped = unwrap_caller_id (folded);
  if (is_withheld_word (unwrapped))
    {
      ex->withheld = TRUE;
      return TRUE;
    }
  return extract (unwrapped, ex, error);
}

char *
rd_phone_extract_from_uri (const char *uri, GError **error)
{
  g_auto(Extracted) ex = { 0 };

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "No URI given");
      return NULL;
    }
  if (!prepare (uri, strnlen (uri, RD_PHONE_MAX_INPUT + 1), &ex, error))
    return NULL;
  if (ex.withheld)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "The identity is withheld: there is no number to extract");
      return NULL;
    }
  if (ex.extension != NULL)
    return g_strconcat (ex.digits, ";ext=", ex.extension, NULL);
  return g_steal_pointer (&ex.digits);
}

/* ---- step 6: classification -------------------------------------------- */

G_LOCK_DEFINE_STATIC (pattern_cache);
static GHashTable *pattern_cache;   /* pattern -> GRegex, bounded */

static GRegex *
compile_pattern (const char *pattern, GError **error)
{
  GRegex *regex = NULL;
  g_autoptr(GError) local_error = NULL;

  G_LOCK (pattern_cache);
  if (pattern_cache == NULL)
    pattern_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_regex_unref);
  regex = g_hash_table_lookup (pattern_cache, pattern);
  if (regex != NULL)
    g_regex_ref (regex);
  G_UNLOCK (pattern_cache);
  if (regex != NULL)
    return regex;

  regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &local_error);
  if (regex == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Invalid internal extension pattern: %s", local_error->message);
      return NULL;
    }
  G_LOCK (pattern_cache);
  if (g_hash_table_size (pattern_cache) >= 16)
    g_hash_table_remove_all (pattern_cache);
  g_hash_table_replace (pattern_cache, g_strdup (pattern), g_regex_ref (regex));
  G_UNLOCK (pattern_cache);
  return regex;
}

/* The internal-extension rule (kept simple on purpose): a number is INTERNAL
 * when it has no '+', no extension suffix, only digits, and
 *  - with rules->ext_pattern: the pattern matches the digits;
 *  - otherwise: its length is in [ext_min_len, ext_max_len].
 * Nothing else is consulted: short service numbers (110, 112, 911, 10086) are
 * INTERNAL under the default 2..6 length rule. A site that needs them external
 * sets a pattern (e.g. "^[1-9]\\d{3}$"), and then they go to libphonenumber. */
static gboolean
is_internal (const Extracted *ex, const RdPhoneRules *rules, gboolean *internal, GError **error)
{
  gsize n = strlen (ex->digits);

  *internal = FALSE;
  if (ex->digits[0] == '+' || ex->extension != NULL)
    return TRUE;
  if (rules->ext_pattern != NULL && rules->ext_pattern[0] != '\0')
    {
      g_autoptr(GRegex) regex = compile_pattern (rules->ext_pattern, error);
      if (regex == NULL)
        return FALSE;
      *internal = g_regex_match (regex, ex->digits, 0, NULL);
      return TRUE;
    }
  *internal = n >= MAX (rules->ext_min_len, 1) && n <= rules->ext_max_len;
  return TRUE;
}

static RdPn *
parse_valid (const char *digits, const char *extension, const char *region)
{
  g_autofree char *text = extension != NULL ? g_strconcat (digits, ";ext=", extension, NULL)
                                            : g_strdup (digits);
  RdPnParseResult result = RD_PN_PARSE_OK;
  RdPn *pn = rd_pn_parse (text, region, &result);

  if (pn != NULL && rd_pn_is_valid (pn))
    return pn;
  g_debug ("not a valid number in region %s: %s", region,
           pn != NULL ? "invalid" : rd_pn_parse_result_to_string (result));
  g_clear_pointer (&pn, rd_pn_free);

  /* "00" is the ITU international prefix; libphonenumber only strips the
   * region's own IDD (e.g. 011 for US), so retry "0049…" as "+49…". */
  if (digits[0] == '0' && digits[1] == '0' && digits[2] != '0')
    {
      g_autofree char *plus = extension != NULL ? g_strconcat ("+", digits + 2, ";ext=", extension, NULL)
                                                : g_strconcat ("+", digits + 2, NULL);
      pn = rd_pn_parse (plus, region, &result);
      if (pn != NULL && rd_pn_is_valid (pn))
        return pn;
      g_clear_pointer (&pn, rd_pn_free);
    }
  return NULL;
}

static char *
normalise_region (const char *region, GError **error)
{
  g_autofree char *upper = NULL;

  if (region == NULL || region[0] == '\0')
    return g_strdup ("ZZ");
  upper = g_ascii_strup (region, -1);
  if (strlen (region) != 2 || !rd_pn_region_is_supported (upper))
    {
      if (strlen (region) == 2 && g_ascii_isalpha (region[0]) && g_ascii_isalpha (region[1]))
        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                     "Unknown region code \"%s\" (expected an ISO 3166 alpha-2 code such as CN)", upper);
      else
        g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                             "Malformed region code (expected an ISO 3166 alpha-2 code such as CN)");
      return NULL;
    }
  return g_steal_pointer (&upper);
}

gboolean
rd_phone_region_is_valid (const char *region)
{
  g_autofree char *upper = NULL;

  if (region == NULL || strlen (region) != 2)
    return FALSE;
  upper = g_ascii_strup (region, -1);
  return rd_pn_region_is_supported (upper);
}

static RdPhoneNumber *
parse (const char          *text,
       gssize               len,
       const char          *default_region,
       const RdPhoneRules  *rules,
       gboolean             formats,
       GError             **error)
{
  g_autoptr(RdPhoneNumber) number = NULL;
  g_autofree char *region = NULL;
  RdPhoneRules default_rules;
  g_auto(Extracted) ex = { 0 };
  gboolean internal = FALSE;
  RdPn *pn;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (text != NULL || len <= 0, NULL);

  if (rules == NULL)
    {
      rd_phone_rules_init (&default_rules);
      rules = &default_rules;
    }
  if (rules->ext_pattern == NULL && rules->ext_min_len > rules->ext_max_len)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "Invalid internal extension rule: minimum length %u is above maximum %u",
                   rules->ext_min_len, rules->ext_max_len);
      return NULL;
    }
  region = normalise_region (default_region, error);
  if (region == NULL)
    return NULL;

  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strnlen (text, RD_PHONE_MAX_INPUT + 1);

  if (!prepare (text, (gsize) len, &ex, error))
    return NULL;
  number = g_new0 (RdPhoneNumber, 1);
  number->raw = g_strstrip (g_strndup (text, len));
  if (ex.withheld)
    {
      number->kind = RD_NUMBER_WITHHELD;
      return g_steal_pointer (&number);
    }
  if (!is_internal (&ex, rules, &internal, error))
    return NULL;
  number->digits = g_steal_pointer (&ex.digits);
  number->extension = g_steal_pointer (&ex.extension);
  if (internal)
    {
      number->kind = RD_NUMBER_INTERNAL;
      return g_steal_pointer (&number);
    }

  pn = parse_valid (number->digits, number->extension, region);
  if (pn == NULL)
    {
      number->kind = RD_NUMBER_INVALID;
      return g_steal_pointer (&number);
    }
  number->kind = RD_NUMBER_EXTERNAL;
  number->e164 = rd_pn_format (pn, RD_PN_FORMAT_E164);
  number->nsn = rd_pn_national_significant_number (pn);
  number->country_code = rd_pn_country_code (pn);
  if (formats)
    {
      /* Region lookup and the two display formats run libphonenumber's pattern matching again:
       * they cost more than the parse itself. */
      number->region = rd_pn_region_of_number (pn);
      number->national = rd_pn_format (pn, RD_PN_FORMAT_NATIONAL);
      number->international = rd_pn_format (pn, RD_PN_FORMAT_INTERNATIONAL);
    }
  rd_pn_free (pn);
  if (number->e164 == NULL || number->nsn == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_FAILED,
                           "The phone number library failed to format a valid number");
      return NULL;
    }
  return g_steal_pointer (&number);
}

RdPhoneNumber *
rd_phone_parse (const char          *text,
                gssize               len,
                const char          *default_region,
                const RdPhoneRules  *rules,
                GError             **error)
{
  return parse (text, len, default_region, rules, TRUE, error);
}

RdPhoneNumber *
rd_phone_parse_identity (const char          *text,
                         gssize               len,
                         const char          *default_region,
                         const RdPhoneRules  *rules,
                         GError             **error)
{
  return parse (text, len, default_region, rules, FALSE, error);
}

/* ---- comparison and search keys ---------------------------------------- */

/* Digits that identify the subscriber: the NSN when known, else the digits
 * without '+' and without leading zeros (international / trunk prefixes). */
static const char *
significant_digits (const RdPhoneNumber *n)
{
  const char *d;

  if (n->nsn != NULL)
    return n->nsn;
  d = n->digits;
  if (*d == '+')
    return d + 1;
  while (*d == '0')
    d++;
  return d;
}

gboolean
rd_phone_same_subscriber (const RdPhoneNumber *a,
                          const RdPhoneNumber *b)
{
  const char *sa, *sb;
  gsize la, lb;

  if (a == NULL || b == NULL)
    return FALSE;
  if (a->kind == RD_NUMBER_WITHHELD || b->kind == RD_NUMBER_WITHHELD)
    return FALSE;
  if (a->digits == NULL || b->digits == NULL)
    return FALSE;
  if (a->extension != NULL && b->extension != NULL && !g_str_equal (a->extension, b->extension))
    return FALSE;
  if (a->e164 != NULL && b->e164 != NULL)
    return g_str_equal (a->e164, b->e164);
  if (a->kind == RD_NUMBER_INTERNAL || b->kind == RD_NUMBER_INTERNAL)
    return g_str_equal (a->digits, b->digits);

  /* at least one side could not be validated: tail compare */
  sa = significant_digits (a);
  sb = significant_digits (b);
  la = strlen (sa);
  lb = strlen (sb);
  if (la == lb)
    return la > 0 && g_str_equal (sa, sb);
  if (MIN (la, lb) < MIN_TAIL_DIGITS)
    return FALSE;
  return la < lb ? g_str_has_suffix (sb, sa) : g_str_has_suffix (sa, sb);
}

static void
add_key (GPtrArray *keys, char *key)
{
  if (key == NULL || key[0] == '\0')
    {
      g_free (key);
      return;
    }
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (g_ptr_array_index (keys, i), key))
      {
        g_free (key);
        return;
      }
  g_ptr_array_add (keys, key);
}

static char *
tail (const char *digits)
{
  gsize n = strlen (digits);

  if (n <= TAIL_KEY_DIGITS)
    return NULL;
  return g_strdup (digits + n - TAIL_KEY_DIGITS);
}

char **
rd_phone_search_keys (const RdPhoneNumber *number)
{
  GPtrArray *keys = g_ptr_array_new ();

  g_return_val_if_fail (number != NULL, NULL);
  switch (number->kind)
    {
    case RD_NUMBER_EXTERNAL:
      add_key (keys, g_strdup (number->e164));
      add_key (keys, g_strdup (number->nsn));
      if (number->region != NULL && number->nsn != NULL)
        {
          g_autofree char *ndd = rd_pn_national_prefix (number->region);
          if (ndd != NULL)
            add_key (keys, g_strconcat (ndd, number->nsn, NULL));
        }
      if (number->nsn != NULL)
        add_key (keys, tail (number->nsn));
      break;
    case RD_NUMBER_INTERNAL:
      add_key (keys, g_strdup (number->digits));
      break;
    case RD_NUMBER_INVALID:
      if (number->digits != NULL)
        {
          add_key (keys, g_strdup (number->digits));
          add_key (keys, tail (number->digits[0] == '+' ? number->digits + 1 : number->digits));
        }
      break;
    case RD_NUMBER_WITHHELD:
    default:
      break;
    }
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (keys, FALSE);
}
