/* rd-phone.h — phone numbers done right (plain C API over a libphonenumber shim).
 *
 * Every number that enters Ringdesk — a PBX caller id, a CRM phone field, a
 * tel:/callto:/sip: URI — goes through rd_phone_parse() with a default region
 * (ISO 3166 alpha-2, e.g. "CN") and the site's internal-extension rules.
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
RdPhoneNumber *rd_phone_number_copy  (const RdPhoneNumber *number);
void           rd_phone_number_free  (RdPhoneNumber       *number);

/* Same subscriber: equal E.164 when both are valid externals; otherwise equal
 * digits after stripping international/trunk prefixes (NSN tail compare). */
gboolean       rd_phone_same_subscriber (const RdPhoneNumber *a,
                                         const RdPhoneNumber *b);

/* The keys a CRM lookup needs, most specific first: e164, nsn, national digits
 * with trunk prefix, last 8 digits. NULL-terminated; never NULL for EXTERNAL. */
char         **rd_phone_search_keys  (const RdPhoneNumber *number);

/* The number from a tel:/callto:/sip:/sips: URI (or plain text), un-escaped and
 * with visual separators removed, before any region logic. */
char          *rd_phone_extract_from_uri (const char *uri, GError **error);

/* Is @region a known ISO region code ("CN", "US", …)? */
gboolean       rd_phone_region_is_valid (const char *region);

const char    *rd_number_kind_to_string (RdNumberKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdPhoneNumber, rd_phone_number_free)

G_END_DECLS
