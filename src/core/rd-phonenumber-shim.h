/* rd-phonenumber-shim.h — a tiny C API over libphonenumber's PhoneNumberUtil.
 *
 * The only C++ in the tree lives behind this header (rd-phonenumber-shim.cc).
 * Every function catches every C++ exception and reports a failure instead;
 * strings returned are owned by the caller (g_free). PhoneNumberUtil is created
 * once (thread-safe, on first use) and its logging is routed to g_debug, so the
 * library never writes to stdout/stderr.
 *
 * This is an internal header of the core layer: other layers use rd-phone.h.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdPn RdPn;   /* one parsed number (opaque) */

typedef enum {
  RD_PN_PARSE_OK,
  RD_PN_PARSE_INVALID_COUNTRY_CODE,   /* no/unknown country code and no usable region */
  RD_PN_PARSE_NOT_A_NUMBER,
  RD_PN_PARSE_TOO_SHORT_AFTER_IDD,
  RD_PN_PARSE_TOO_SHORT_NSN,
  RD_PN_PARSE_TOO_LONG,
  RD_PN_PARSE_FAILED,                 /* the library threw (e.g. out of memory) */
} RdPnParseResult;

typedef enum {
  RD_PN_FORMAT_E164,            /* "+8613800138000" */
  RD_PN_FORMAT_INTERNATIONAL,   /* "+86 138 0013 8000" */
  RD_PN_FORMAT_NATIONAL,        /* "138 0013 8000" */
  RD_PN_FORMAT_RFC3966,         /* "tel:+86-138-0013-8000" */
} RdPnFormat;

/* Parses @text (UTF-8, NUL-terminated) with @region (ISO 3166 alpha-2, or
 * "ZZ"/NULL for none). Returns NULL and sets @result on failure. */
RdPn        *rd_pn_parse                  (const char      *text,
                                           const char      *region,
                                           RdPnParseResult *result);
/* rd_pn_parse() always through the library's whole Parse(): the reference the shortcut rd_pn_parse()
 * takes for plain digits ("+?[0-9]{3,}") is tested against. */
RdPn        *rd_pn_parse_reference        (const char      *text,
                                           const char      *region,
                                           RdPnParseResult *result);
/* Same fields set to the same values (country code, national number, leading zeros, extension). */
gboolean     rd_pn_equal                  (const RdPn *a,
                                           const RdPn *b);
void         rd_pn_free                   (RdPn            *pn);

gboolean     rd_pn_is_valid               (const RdPn *pn);
/* rd_pn_is_valid() through the library's IsValidNumber() alone (what the shortcut is tested against). */
gboolean     rd_pn_is_valid_reference     (const RdPn *pn);
/* NULL only if the library failed. */
char        *rd_pn_format                 (const RdPn *pn,
                                           RdPnFormat  format);
char        *rd_pn_national_significant_number (const RdPn *pn);
guint        rd_pn_country_code           (const RdPn *pn);
/* The region the number belongs to ("CN"), or NULL when unknown / non-geographic. */
char        *rd_pn_region_of_number       (const RdPn *pn);

/* Is @region one of the regions libphonenumber has metadata for? */
gboolean     rd_pn_region_is_supported    (const char *region);
/* The national (trunk) prefix of @region ("0" for CN, "1" for US), or NULL if
 * the region has none or is unknown. */
char        *rd_pn_national_prefix        (const char *region);

/* The country calling code of @region (86 for "CN"), 0 if unknown. */
guint        rd_pn_country_code_for_region (const char *region);

const char  *rd_pn_parse_result_to_string (RdPnParseResult result);

G_END_DECLS
