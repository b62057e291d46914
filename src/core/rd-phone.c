/* rd-phone.c — classification, comparison and CRM search keys of phone numbers on top of
 * the libphonenumber shim (step 6 of rd_phone_parse(); steps 1–5, reading the text, are in
 * rd-phone-text.c): the internal extension rule first, then libphonenumber.
 */
#include "config.h"

#include "core/rd-phone.h"
#include "core/rd-error.h"
#include "core/rd-phone-private.h"
#include "core/rd-phonenumber-shim.h"

#include <string.h>

/* rd_phone_same_subscriber(): minimum digits for a tail match involving a
 * number libphonenumber could not validate. */
#define MIN_TAIL_DIGITS 7
/* rd_phone_search_keys(): length of the tail key. */
#define TAIL_KEY_DIGITS 8

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
is_internal (const RdPhoneExtracted *ex, const RdPhoneRules *rules, gboolean *internal, GError **error)
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
normalize_region (const char *region, GError **error)
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
  g_auto(RdPhoneExtracted) ex = { 0 };
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
  region = normalize_region (default_region, error);
  if (region == NULL)
    return NULL;

  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strnlen (text, RD_PHONE_MAX_INPUT + 1);

  if (!rd_phone_prepare (text, (gsize) len, &ex, error))
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
