/* rd-phone.h — phone numbers done right (plain C API over a libphonenumber shim).
 *
 * Every number that enters Ringdesk — a PBX caller id, a CRM phone field, a
 * tel:/callto:/sip: URI — goes through rd_phone_parse() with a default region
 * (ISO 3166 alpha-2, e.g. "CN") and the site's internal-extension rules.
 *
 * Classification, in this order:
 *  - WITHHELD: empty / blank text, or (case-insensitive, optionally quoted)
 *    "anonymous", "unknown", "private", "restricted", "withheld", "unavailable",
 *    "private number", "unknown number", "blocked", "no caller id" — as the whole
 *    text, as the display name of an empty `Name <>`, or as the user part of a
 *    URI (`sip:anonymous@anonymous.invalid`, `tel:anonymous`).
 *  - INTERNAL: no '+', no extension suffix, digits only, and either
 *    rules->ext_pattern matches the digits or (no pattern) the digit count is in
 *    [ext_min_len, ext_max_len]. Nothing else is consulted, so with the default
 *    2..6 rule short service numbers (110, 112, 911, 10086) are INTERNAL; a site
 *    that wants them external sets a pattern such as "^[1-9]\d{3}$".
 *  - EXTERNAL: libphonenumber says the number is valid, parsed with the default
 *    region (its national trunk prefix and international prefix are honoured:
 *    "0…", "00…", "011…" from US/CA; "86…" in CN when that makes it valid);
 *    "00…" is also accepted as an international prefix in regions whose own
 *    prefix differs. All of e164, nsn, country_code, national, international are
 *    set; region is NULL only for non-geographic numbers (+800 …).
 *  - INVALID: everything else with digits (too short, unknown range, no region
 *    for a national number). Only raw, digits and extension are set.
 *
 * Accepted text: a caller id (`+86 (138) 0013-8000`, `Name <number>`,
 * `"Name" <sip:…>`), or a tel:, callto: (`callto://+49…` host or `callto:+49…`
 * path), sip: or sips: URI (the user part; a host-only URI is taken only when
 * the host is a bare number). Percent-escapes are decoded in URIs; RFC 3966
 * separators `-.()` plus space, tab and '/' are dropped; `;ext=N`, `x N`,
 * `ext N`, `ext. N`, `extension N` give the extension; `;phone-context=+…`
 * prefixes a local tel number; other URI parameters are ignored. Every Unicode
 * decimal digit (full-width U+FF10..U+FF19, Arabic-Indic, …), full-width '＋',
 * dashes, parentheses and wide spaces are folded to ASCII first. Anything else
 * (letters, '*', '#', a second '+') is an RD_ERROR_INVALID_INPUT whose message
 * names the offending character but never quotes the input.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RD_NUMBER_EXTERNAL,   /* a public number; e164 and nsn are set when valid */
  RD_NUMBER_INTERNAL,   /* a PBX extension (per RdPhoneRules) */
  RD_NUMBER_WITHHELD,   /* anonymous / unknown / private / restricted / empty */
  RD_NUMBER_INVALID,    /* digits, but not a number libphonenumber accepts */
} RdNumberKind;

/* How to recognise internal extensions. Defaults: 2..6 digits, no pattern. */
typedef struct {
  guint  ext_min_len;
  guint  ext_max_len;
  char  *ext_pattern;   /* optional GRegex, anchored by the caller, e.g. "^[1-9]\\d{3}$"; NULL = length rule */
} RdPhoneRules;

typedef struct {
  RdNumberKind kind;
  char *raw;            /* the input as given (valid UTF-8 copy, trimmed) */
  char *digits;         /* the dialable digits extracted (leading '+' kept), e.g. "+8613800138000" / "2001" */
  char *e164;           /* "+8613800138000"; NULL unless EXTERNAL and valid */
  char *nsn;            /* national significant number "13800138000"; NULL unless EXTERNAL */
  char *region;         /* "CN"; NULL unless EXTERNAL */
  guint country_code;   /* 86; 0 unless EXTERNAL */
  char *national;       /* "138 0013 8000" (display, national format) */
  char *international;  /* "+86 138 0013 8000" (display, international format) */
  char *extension;      /* ";ext=42" / "x42" suffix digits, or NULL */
} RdPhoneNumber;

#define RD_PHONE_MAX_INPUT 1024  /* longer input is refused with RD_ERROR_INVALID_INPUT */

void           rd_phone_rules_init   (RdPhoneRules *rules);   /* fills the defaults */
void           rd_phone_rules_clear  (RdPhoneRules *rules);

/* Parses caller-id text or a tel:/callto:/sip:/sips: URI. Never crashes on
 * hostile input: over-long text, NUL bytes (pass the real @len), invalid UTF-8
 * or text with no digits give a GError (RD_ERROR_INVALID_INPUT). Withheld ids
 * ("anonymous", "" …) are not errors: they return kind RD_NUMBER_WITHHELD.
 * @len may be -1 for a NUL-terminated string. @rules may be NULL (defaults). */
RdPhoneNumber *rd_phone_parse        (const char          *text,
                                      gssize               len,
                                      const char          *default_region,
                                      const RdPhoneRules  *rules,
                                      GError             **error);
/* rd_phone_parse() for bulk work (a phone index of millions of CRM numbers): the
 * same classification, raw, digits, extension, e164, nsn and country_code, but
 * no region, national or international (NULL): those run libphonenumber's
 * pattern matching again and cost more than the parse. Like rd_phone_parse(),
 * callable from any thread (the library instance and pattern cache are shared
 * under locks). */
RdPhoneNumber *rd_phone_parse_identity (const char         *text,
                                        gssize              len,
                                        const char         *default_region,
                                        const RdPhoneRules *rules,
                                        GError            **error);
RdPhoneNumber *rd_phone_number_copy  (const RdPhoneNumber *number);
void           rd_phone_number_free  (RdPhoneNumber       *number);

/* Same subscriber: equal E.164 when both are valid externals; otherwise equal
 * digits after stripping international/trunk prefixes (NSN tail compare).
 * Details: WITHHELD never matches anything (not even itself); an INTERNAL
 * number matches only equal digits; when both carry an extension the
 * extensions must be equal; a tail match (one number's significant digits end
 * with the other's) needs at least 7 digits on the shorter side. NULL-safe. */
gboolean       rd_phone_same_subscriber (const RdPhoneNumber *a,
                                         const RdPhoneNumber *b);

/* The keys a CRM lookup needs, most specific first: e164, nsn, national digits
 * with trunk prefix, last 8 digits. NULL-terminated; never NULL for EXTERNAL.
 * Exactly, with duplicates dropped (free with g_strfreev):
 *  - EXTERNAL: e164 "+8613800138000", nsn "13800138000", trunk prefix of the
 *    number's region + nsn "013800138000" (US: "1" + nsn; omitted when the
 *    region has no trunk prefix), the last 8 digits of the nsn "00138000"
 *    (omitted when the nsn has 8 digits or fewer);
 *  - INTERNAL: the digits ("2001");
 *  - INVALID: the digits as extracted ("+15550100"), then the last 8 digits;
 *  - WITHHELD: an empty vector (never NULL). */
char         **rd_phone_search_keys  (const RdPhoneNumber *number);

/* The number from a tel:/callto:/sip:/sips: URI (or plain text), un-escaped and
 * with visual separators removed, before any region logic.
 * Result: "+?[0-9]+", followed by ";ext=N" when the input carries an extension
 * ("tel:+1-201-555-0123;ext=42" -> "+12015550123;ext=42"). A withheld identity
 * or a URI without a number is an RD_ERROR_INVALID_INPUT. */
char          *rd_phone_extract_from_uri (const char *uri, GError **error);

/* Is @region a known ISO region code ("CN", "US", …)? */
gboolean       rd_phone_region_is_valid (const char *region);

const char    *rd_number_kind_to_string (RdNumberKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdPhoneNumber, rd_phone_number_free)

G_END_DECLS
