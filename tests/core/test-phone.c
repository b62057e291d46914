/* test-phone.c — rd-phone: parsing, classification, URIs, hostile input,
 * same-subscriber and CRM search keys.
 *
 * Expected E.164 / NSN / display strings are libphonenumber 8.12's real output
 * (Debian 12), not guesses: each row was checked against the library. */
#include "config.h"

#include "core/rd-error.h"
#include "core/rd-phone.h"
#include "core/rd-phonenumber-shim.h"

#include <string.h>

/* ---- the real-world table --------------------------------------------- */

typedef struct {
  const char *input;
  const char *region;          /* default region */
  const char *digits;
  const char *e164;
  const char *nsn;
  const char *number_region;
  guint       cc;
  const char *national;
  const char *international;
  const char *extension;
} ExternalCase;

static const ExternalCase external_cases[] = {
  /* China: mobiles, every prefix spelling */
  { "+8613800138000", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "008613800138000", "CN", "008613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "8613800138000", "CN", "8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "13800138000", "CN", "13800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "013800138000", "CN", "013800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "138-0013-8000", "CN", "13800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "+86 138 0013 8000", "US", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "13912345678", "CN", "13912345678", "+8613912345678", "13912345678", "CN", 86, "139 1234 5678", "+86 139 1234 5678", NULL },
  { "+86 186 1234 5678", "CN", "+8618612345678", "+8618612345678", "18612345678", "CN", 86, "186 1234 5678", "+86 186 1234 5678", NULL },
  { "17951 13800138000", "CN", "1795113800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "tel:+86-138-0013-8000", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "sip:+8613800138000@pbx.example.com;user=phone", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "Alice <+8613800138000>", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "Alice<13800138000>", "CN", "13800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  /* China: landlines with area codes */
  { "010 6552 9988", "CN", "01065529988", "+861065529988", "1065529988", "CN", 86, "010 6552 9988", "+86 10 6552 9988", NULL },
  { "(010) 65529988", "CN", "01065529988", "+861065529988", "1065529988", "CN", 86, "010 6552 9988", "+86 10 6552 9988", NULL },
  { "+86 10 6552 9988", "CN", "+861065529988", "+861065529988", "1065529988", "CN", 86, "010 6552 9988", "+86 10 6552 9988", NULL },
  { "861065529988", "CN", "861065529988", "+861065529988", "1065529988", "CN", 86, "010 6552 9988", "+86 10 6552 9988", NULL },
  { "0086-10-65529988", "CN", "00861065529988", "+861065529988", "1065529988", "CN", 86, "010 6552 9988", "+86 10 6552 9988", NULL },
  { "021-6432-1234", "CN", "02164321234", "+862164321234", "2164321234", "CN", 86, "021 6432 1234", "+86 21 6432 1234", NULL },
  { "0086 21 6432 1234", "CN", "00862164321234", "+862164321234", "2164321234", "CN", 86, "021 6432 1234", "+86 21 6432 1234", NULL },
  { "+86 21 6432 1234", "US", "+862164321234", "+862164321234", "2164321234", "CN", 86, "021 6432 1234", "+86 21 6432 1234", NULL },
  { "0755-8888-6666", "CN", "075588886666", "+8675588886666", "75588886666", "CN", 86, "0755 8888 6666", "+86 755 8888 6666", NULL },
  { "+86 755 8888 6666", "CN", "+8675588886666", "+8675588886666", "75588886666", "CN", 86, "0755 8888 6666", "+86 755 8888 6666", NULL },
  /* United States / Canada */
  { "+1 212 555 0142", "US", "+12125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142", "+1 212-555-0142", NULL },
  { "(212) 555-0142", "US", "2125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142", "+1 212-555-0142", NULL },
  { "212.555.0142", "US", "2125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142", "+1 212-555-0142", NULL },
  { "1-212-555-0142", "US", "12125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142", "+1 212-555-0142", NULL },
  { "+1-212-555-0199", "CN", "+12125550199", "+12125550199", "2125550199", "US", 1, "(212) 555-0199", "+1 212-555-0199", NULL },
  { "+1 (646) 555-0123", "US", "+16465550123", "+16465550123", "6465550123", "US", 1, "(646) 555-0123", "+1 646-555-0123", NULL },
  { "1 646 555 0123", "CA", "16465550123", "+16465550123", "6465550123", "US", 1, "(646) 555-0123", "+1 646-555-0123", NULL },
  { "+1 416 555 0123", "CA", "+14165550123", "+14165550123", "4165550123", "CA", 1, "(416) 555-0123", "+1 416-555-0123", NULL },
  { "416-555-0123", "CA", "4165550123", "+14165550123", "4165550123", "CA", 1, "(416) 555-0123", "+1 416-555-0123", NULL },
  { "011 86 138 0013 8000", "US", "0118613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "0086 138 0013 8000", "US", "008613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "011 55 11 91234 5678", "US", "0115511912345678", "+5511912345678", "11912345678", "BR", 55, "(11) 91234-5678", "+55 11 91234-5678", NULL },
  { "tel:+1-212-555-0142;ext=42", "US", "+12125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142 ext. 42", "+1 212-555-0142 ext. 42", "42" },
  { "tel:863-1234;phone-context=+1-212", "US", "+12128631234", "+12128631234", "2128631234", "US", 1, "(212) 863-1234", "+1 212-863-1234", NULL },
  { "tel:+1-212-555-0142;isub=1411", "US", "+12125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142", "+1 212-555-0142", NULL },
  { "sip:+1-212-555-0142;ext=7@pbx;user=phone", "US", "+12125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142 ext. 7", "+1 212-555-0142 ext. 7", "7" },
  /* United Kingdom */
  { "+44 20 7946 0018", "GB", "+442079460018", "+442079460018", "2079460018", "GB", 44, "020 7946 0018", "+44 20 7946 0018", NULL },
  { "020 7946 0018", "GB", "02079460018", "+442079460018", "2079460018", "GB", 44, "020 7946 0018", "+44 20 7946 0018", NULL },
  { "+44 (0)20 7946 0958", "GB", "+4402079460958", "+442079460958", "2079460958", "GB", 44, "020 7946 0958", "+44 20 7946 0958", NULL },
  { "020-7946-0958", "GB", "02079460958", "+442079460958", "2079460958", "GB", 44, "020 7946 0958", "+44 20 7946 0958", NULL },
  { "0044 20 7946 0958", "DE", "00442079460958", "+442079460958", "2079460958", "GB", 44, "020 7946 0958", "+44 20 7946 0958", NULL },
  { "07400 123456", "GB", "07400123456", "+447400123456", "7400123456", "GB", 44, "07400 123456", "+44 7400 123456", NULL },
  { "+44 7400 123456", "GB", "+447400123456", "+447400123456", "7400123456", "GB", 44, "07400 123456", "+44 7400 123456", NULL },
  /* Germany */
  { "+49 30 1234567", "DE", "+49301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
  { "030 1234567", "DE", "0301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
  { "+49 (0)30 1234567", "DE", "+490301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
  { "0049 30 12345678", "FR", "00493012345678", "+493012345678", "3012345678", "DE", 49, "030 12345678", "+49 30 12345678", NULL },
  { "01512 3456789", "DE", "015123456789", "+4915123456789", "15123456789", "DE", 49, "01512 3456789", "+49 1512 3456789", NULL },
  { "+49 171 2345678", "DE", "+491712345678", "+491712345678", "1712345678", "DE", 49, "0171 2345678", "+49 171 2345678", NULL },
  { "0171/2345678", "DE", "01712345678", "+491712345678", "1712345678", "DE", 49, "0171 2345678", "+49 171 2345678", NULL },
  { "callto://+49301234567", "CN", "+49301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
  { "callto:+49 30 1234567", "CN", "+49301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
  { "tel:%2B49%2030%201234567", "CN", "+49301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
  /* France */
  { "+33 1 42 68 53 00", "FR", "+33142685300", "+33142685300", "142685300", "FR", 33, "01 42 68 53 00", "+33 1 42 68 53 00", NULL },
  { "01 42 68 53 00", "FR", "0142685300", "+33142685300", "142685300", "FR", 33, "01 42 68 53 00", "+33 1 42 68 53 00", NULL },
  { "01.42.68.53.00", "FR", "0142685300", "+33142685300", "142685300", "FR", 33, "01 42 68 53 00", "+33 1 42 68 53 00", NULL },
  { "06 12 34 56 78", "FR", "0612345678", "+33612345678", "612345678", "FR", 33, "06 12 34 56 78", "+33 6 12 34 56 78", NULL },
  { "+33 6 12 34 56 78", "US", "+33612345678", "+33612345678", "612345678", "FR", 33, "06 12 34 56 78", "+33 6 12 34 56 78", NULL },
  { "0033 6 12 34 56 78", "DE", "0033612345678", "+33612345678", "612345678", "FR", 33, "06 12 34 56 78", "+33 6 12 34 56 78", NULL },
  /* India */
  { "+91 98765 43210", "IN", "+919876543210", "+919876543210", "9876543210", "IN", 91, "098765 43210", "+91 98765 43210", NULL },
  { "098765 43210", "IN", "09876543210", "+919876543210", "9876543210", "IN", 91, "098765 43210", "+91 98765 43210", NULL },
  { "98765 43210", "IN", "9876543210", "+919876543210", "9876543210", "IN", 91, "098765 43210", "+91 98765 43210", NULL },
  { "+91 22 2345 6789", "IN", "+912223456789", "+912223456789", "2223456789", "IN", 91, "022 2345 6789", "+91 22 2345 6789", NULL },
  { "022 2345 6789", "IN", "02223456789", "+912223456789", "2223456789", "IN", 91, "022 2345 6789", "+91 22 2345 6789", NULL },
  /* Brazil */
  { "+55 11 91234 5678", "BR", "+5511912345678", "+5511912345678", "11912345678", "BR", 55, "(11) 91234-5678", "+55 11 91234-5678", NULL },
  { "(11) 91234-5678", "BR", "11912345678", "+5511912345678", "11912345678", "BR", 55, "(11) 91234-5678", "+55 11 91234-5678", NULL },
  { "+55 (11) 91234-5678", "BR", "+5511912345678", "+5511912345678", "11912345678", "BR", 55, "(11) 91234-5678", "+55 11 91234-5678", NULL },
  { "+55 21 2345-6789", "BR", "+552123456789", "+552123456789", "2123456789", "BR", 55, "(21) 2345-6789", "+55 21 2345-6789", NULL },
  { "(21) 2345-6789", "BR", "2123456789", "+552123456789", "2123456789", "BR", 55, "(21) 2345-6789", "+55 21 2345-6789", NULL },
  /* non-geographic (international freephone): no region */
  { "+800 1234 5678", "CN", "+80012345678", "+80012345678", "12345678", NULL, 800, "1234 5678", "+800 1234 5678", NULL },
  /* extension suffixes */
  { "+86 138 0013 8000 x12", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000 ext. 12", "+86 138 0013 8000 ext. 12", "12" },
  { "+86 138 0013 8000 ext. 12", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000 ext. 12", "+86 138 0013 8000 ext. 12", "12" },
  { "+86 138 0013 8000 EXT 12", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000 ext. 12", "+86 138 0013 8000 ext. 12", "12" },
  { "+86 138 0013 8000;ext=12", "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000 ext. 12", "+86 138 0013 8000 ext. 12", "12" },
  { "212-555-0142 extension 3", "US", "2125550142", "+12125550142", "2125550142", "US", 1, "(212) 555-0142 ext. 3", "+1 212-555-0142 ext. 3", "3" },
  /* Unicode: full-width digits and plus, ideographic space, full-width hyphen, Arabic-Indic digits */
  { "\xef\xbc\x8b\xef\xbc\x98\xef\xbc\x96 \xef\xbc\x91\xef\xbc\x93\xef\xbc\x98 \xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x93 \xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90",
    "CN", "+8613800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  { "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x8d\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x93\xe3\x80\x80\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90",
    "CN", "13800138000", "+8613800138000", "13800138000", "CN", 86, "138 0013 8000", "+86 138 0013 8000", NULL },
  /* left-to-right mark and zero-width space, as pasted from a web page */
  { "\xe2\x80\x8e+44 20 7946\xe2\x80\x8b 0018", "GB", "+442079460018", "+442079460018", "2079460018", "GB", 44, "020 7946 0018", "+44 20 7946 0018", NULL },
  { "+\xd9\xa4\xd9\xa9 \xd9\xa3\xd9\xa0 \xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6\xd9\xa7", "DE",
    "+49301234567", "+49301234567", "301234567", "DE", 49, "030 1234567", "+49 30 1234567", NULL },
};

static void
test_external_table (void)
{
  guint by_region[8] = { 0 };
  static const char *const regions[] = { "CN", "US", "GB", "DE", "FR", "IN", "BR", NULL };

  g_assert_cmpuint (G_N_ELEMENTS (external_cases), >=, 60);
  for (guint i = 0; i < G_N_ELEMENTS (external_cases); i++)
    {
      const ExternalCase *c = &external_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(RdPhoneNumber) n = rd_phone_parse (c->input, -1, c->region, NULL, &error);

      g_test_message ("row %u: %s [%s]", i, c->input, c->region);
      g_assert_no_error (error);
      g_assert_nonnull (n);
      g_assert_cmpstr (rd_number_kind_to_string (n->kind), ==, "external");
      g_assert_cmpstr (n->digits, ==, c->digits);
      g_assert_cmpstr (n->e164, ==, c->e164);
      g_assert_cmpstr (n->nsn, ==, c->nsn);
      g_assert_cmpstr (n->region, ==, c->number_region);
      g_assert_cmpuint (n->country_code, ==, c->cc);
      g_assert_cmpstr (n->national, ==, c->national);
      g_assert_cmpstr (n->international, ==, c->international);
      g_assert_cmpstr (n->extension, ==, c->extension);
      g_assert_true (g_utf8_validate (n->raw, -1, NULL));
      for (guint r = 0; regions[r] != NULL; r++)
        if (g_strcmp0 (n->region, regions[r]) == 0)
          by_region[r]++;
    }
  /* the table covers each of the seven regions of the brief */
  for (guint r = 0; regions[r] != NULL; r++)
    g_assert_cmpuint (by_region[r], >=, 4);
}

static void
test_raw_is_trimmed_input (void)
{
  g_autoptr(RdPhoneNumber) n = rd_phone_parse ("  \t(010) 65529988 \n", -1, "CN", NULL, NULL);

  g_assert_nonnull (n);
  g_assert_cmpstr (n->raw, ==, "(010) 65529988");
  g_assert_cmpstr (n->e164, ==, "+861065529988");
}

/* ---- internal extensions ---------------------------------------------- */

static RdPhoneNumber *
parse_ok (const char *text, const char *region, const RdPhoneRules *rules)
{
  g_autoptr(GError) error = NULL;
  RdPhoneNumber *n = rd_phone_parse (text, -1, region, rules, &error);

  g_assert_no_error (error);
  g_assert_nonnull (n);
  return n;
}

static void
test_internal_length_rule (void)
{
  static const struct { const char *input; RdNumberKind kind; const char *digits; } cases[] = {
    { "2001", RD_NUMBER_INTERNAL, "2001" },
    { "20", RD_NUMBER_INTERNAL, "20" },
    { "200001", RD_NUMBER_INTERNAL, "200001" },
    { "0123", RD_NUMBER_INTERNAL, "0123" },
    { "20-01", RD_NUMBER_INTERNAL, "2001" },
    { "sips:2001@10.0.0.1:5061;transport=tls?subject=x", RD_NUMBER_INTERNAL, "2001" },
    { "sip:2001", RD_NUMBER_INTERNAL, "2001" },
    { "\"Reception\" <sip:6400@pbx.local>", RD_NUMBER_INTERNAL, "6400" },
    { "110", RD_NUMBER_INTERNAL, "110" },        /* service numbers fall in 2..6 (documented) */
    { "10086", RD_NUMBER_INTERNAL, "10086" },
    { "1", RD_NUMBER_INVALID, "1" },              /* below min, not a valid number */
    { "+2001", RD_NUMBER_INVALID, "+2001" },      /* a '+' is never internal */
    { "2001 x5", RD_NUMBER_INVALID, "2001" },     /* an extension suffix is never internal */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(RdPhoneNumber) n = parse_ok (cases[i].input, "CN", NULL);

      g_test_message ("%s", cases[i].input);
      g_assert_cmpstr (rd_number_kind_to_string (n->kind), ==, rd_number_kind_to_string (cases[i].kind));
      g_assert_cmpstr (n->digits, ==, cases[i].digits);
      g_assert_null (n->e164);
      g_assert_null (n->nsn);
      g_assert_null (n->region);
      g_assert_cmpuint (n->country_code, ==, 0);
    }
}

static void
test_internal_custom_rules (void)
{
  RdPhoneRules rules;
  g_autoptr(RdPhoneNumber) a = NULL;
  g_autoptr(RdPhoneNumber) b = NULL;
  g_autoptr(RdPhoneNumber) c = NULL;
  g_autoptr(RdPhoneNumber) d = NULL;
  g_autoptr(RdPhoneNumber) e = NULL;
  g_autoptr(RdPhoneNumber) f = NULL;

  rd_phone_rules_init (&rules);
  g_assert_cmpuint (rules.ext_min_len, ==, 2);
  g_assert_cmpuint (rules.ext_max_len, ==, 6);
  g_assert_null (rules.ext_pattern);

  /* length rule 3..4 */
  rules.ext_min_len = 3;
  rules.ext_max_len = 4;
  a = parse_ok ("20", "CN", &rules);
  g_assert_cmpint (a->kind, ==, RD_NUMBER_INVALID);
  b = parse_ok ("2001", "CN", &rules);
  g_assert_cmpint (b->kind, ==, RD_NUMBER_INTERNAL);

  /* pattern rule: the pattern replaces the length rule */
  rules.ext_pattern = g_strdup ("^[1-9][0-9]{3}$");
  c = parse_ok ("2001", "CN", &rules);
  g_assert_cmpint (c->kind, ==, RD_NUMBER_INTERNAL);
  d = parse_ok ("0123", "CN", &rules);
  g_assert_cmpint (d->kind, ==, RD_NUMBER_INVALID);
  e = parse_ok ("110", "CN", &rules);          /* no longer swallowed as an extension */
  g_assert_cmpint (e->kind, !=, RD_NUMBER_INTERNAL);
  g_clear_pointer (&rules.ext_pattern, g_free);
  rules.ext_pattern = g_strdup ("^8[0-9]{7}$");  /* 8-digit extensions */
  f = parse_ok ("80012345", "CN", &rules);
  g_assert_cmpint (f->kind, ==, RD_NUMBER_INTERNAL);
  rd_phone_rules_clear (&rules);
  g_assert_null (rules.ext_pattern);
}

static void
test_internal_bad_rules (void)
{
  RdPhoneRules rules;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  RdPhoneNumber *n;

  rd_phone_rules_init (&rules);
  rules.ext_pattern = g_strdup ("^[0-9");
  n = rd_phone_parse ("2001", -1, "CN", &rules, &error);
  g_assert_null (n);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "pattern"));
  rd_phone_rules_clear (&rules);

  rd_phone_rules_init (&rules);
  rules.ext_min_len = 7;
  rules.ext_max_len = 3;
  n = rd_phone_parse ("2001", -1, "CN", &rules, &error2);
  g_assert_null (n);
  g_assert_error (error2, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error2->message, "minimum"));
}

/* ---- withheld and invalid --------------------------------------------- */

static void
test_withheld (void)
{
  static const char *const inputs[] = {
    "anonymous", "Anonymous", "ANONYMOUS", "unknown", "Unknown", "private", "PRIVATE",
    "restricted", "Restricted", "withheld", "WithHeld", "", "   ", " \t ", "\"Anonymous\"",
    "sip:anonymous@anonymous.invalid", "SIP:Anonymous@anonymous.invalid;tag=1",
    "sips:anonymous@example.com", "\"Anonymous\" <sip:anonymous@anonymous.invalid>",
    "Private <>", "tel:anonymous", "unavailable", "Private Number", "No Caller ID",
  };
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(RdPhoneNumber) n = parse_ok (inputs[i], "CN", NULL);
      g_auto(GStrv) keys = rd_phone_search_keys (n);

      g_test_message ("'%s'", inputs[i]);
      g_assert_cmpint (n->kind, ==, RD_NUMBER_WITHHELD);
      g_assert_null (n->digits);
      g_assert_null (n->e164);
      g_assert_nonnull (keys);
      g_assert_null (keys[0]);
      g_assert_false (rd_phone_same_subscriber (n, n));
    }
  {
    /* NULL text with len 0 / -1 is an absent caller id */
    g_autoptr(RdPhoneNumber) n = parse_ok (NULL, "CN", NULL);
    g_assert_cmpint (n->kind, ==, RD_NUMBER_WITHHELD);
    g_assert_cmpstr (n->raw, ==, "");
  }
  {
    /* a word that merely contains a withheld word is not withheld */
    g_autoptr(GError) error = NULL;
    g_autoptr(RdPhoneNumber) n = rd_phone_parse ("anonymous2", -1, "CN", NULL, &error);
    g_assert_null (n);
    g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  }
}

static void
test_invalid_numbers (void)
{
  static const struct { const char *input; const char *region; const char *digits; } cases[] = {
    { "+1 555 0100", "US", "+15550100" },
    { "555-0100", "US", "5550100" },
    { "+86 10 1234", "CN", "+86101234" },
    { "99999999999", "CN", "99999999999" },
    { "+999 123456", "CN", "+999123456" },
    { "0", "CN", "0" },
    { "12345678901234567890123", "CN", "12345678901234567890123" },
    { "+8613800138000", NULL, "+8613800138000" },   /* fine without region: see below */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases) - 1; i++)
    {
      g_autoptr(RdPhoneNumber) n = parse_ok (cases[i].input, cases[i].region, NULL);

      g_test_message ("%s", cases[i].input);
      g_assert_cmpint (n->kind, ==, RD_NUMBER_INVALID);
      g_assert_cmpstr (n->digits, ==, cases[i].digits);
      g_assert_null (n->e164);
      g_assert_null (n->nsn);
      g_assert_null (n->national);
      g_assert_null (n->international);
    }
  {
    /* no default region: international numbers still parse, national ones are invalid */
    g_autoptr(RdPhoneNumber) a = parse_ok ("+8613800138000", NULL, NULL);
    g_autoptr(RdPhoneNumber) b = parse_ok ("13800138000", NULL, NULL);
    g_autoptr(RdPhoneNumber) c = parse_ok ("13800138000", "cn", NULL);  /* lower case region */
    g_assert_cmpint (a->kind, ==, RD_NUMBER_EXTERNAL);
    g_assert_cmpstr (a->e164, ==, "+8613800138000");
    g_assert_cmpint (b->kind, ==, RD_NUMBER_INVALID);
    g_assert_cmpstr (c->e164, ==, "+8613800138000");
  }
}

/* ---- hostile input ---------------------------------------------------- */

static void
assert_refused (const char *text, gssize len, const char *region, const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RdPhoneNumber) n = rd_phone_parse (text, len, region, NULL, &error);

  g_assert_null (n);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, message_part);
}

static RdPhoneNumber *
parse_ok_len (const char *text, gssize len)
{
  g_autoptr(GError) error = NULL;
  RdPhoneNumber *n = rd_phone_parse (text, len, "CN", NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (n);
  return n;
}

static void
test_hostile (void)
{
  g_autofree char *big = g_strnfill (10 * 1024, '1');
  g_autofree char *pluses = g_strnfill (500, '+');
  g_autofree char *edge_ok = NULL;
  g_autofree char *edge_long = NULL;
  static const char nul_inside[] = "+8613800138000\0+12125550142";
  static const char invalid_utf8[] = "+86 138\xff\xfe 0013 8000";
  static const char overlong_slash[] = "2001\xc0\xaf";

  assert_refused (big, -1, "CN", "too long");
  assert_refused (big, 10 * 1024, "CN", "too long");
  assert_refused (nul_inside, sizeof nul_inside - 1, "CN", "NUL byte at offset 14");
  assert_refused (invalid_utf8, -1, "CN", "UTF-8");
  assert_refused (overlong_slash, -1, "CN", "UTF-8");
  assert_refused ("-- ( ) ..", -1, "CN", "no digits");
  assert_refused ("+", -1, "CN", "no digits");
  assert_refused (";ext=12", -1, "CN", "no digits");
  assert_refused ("tel:;ext=12", -1, "CN", "no digits");
  assert_refused ("hello", -1, "CN", "Unexpected character 'h'");
  assert_refused ("Bob <>", -1, "CN", "Unexpected character 'B'");
  assert_refused (pluses, -1, "CN", "more than one '+'");
  assert_refused ("+86+138", -1, "CN", "more than one '+'");
  assert_refused ("138+0013", -1, "CN", "'+' after");
  assert_refused ("tel:", -1, "CN", "no number");
  assert_refused ("callto:", -1, "CN", "no number");
  assert_refused ("callto://", -1, "CN", "no number");
  assert_refused ("sip:", -1, "CN", "no user part");
  assert_refused ("sips:", -1, "CN", "no user part");
  assert_refused ("sips:10.0.0.1", -1, "CN", "no user part");
  assert_refused ("sip:alice@example.com", -1, "CN", "Unexpected character 'a'");
  assert_refused ("callto:alice", -1, "CN", "Unexpected character 'a'");
  assert_refused ("http://evil.example/?token=secret", -1, "CN", "Unsupported URI scheme");
  assert_refused ("tel:%00", -1, "CN", "percent-escape");
  assert_refused ("tel:%C3%28", -1, "CN", "percent-escape");
  assert_refused ("tel:%ZZ", -1, "CN", "Malformed tel URI");
  assert_refused ("tel:+1-212-555-0142;<script>=1", -1, "US", "Malformed parameter");
  assert_refused ("+86 138 0013 8000 x", -1, "CN", "extension");
  assert_refused ("+86 138 0013 8000 x1234567890123456", -1, "CN", "extension");
  assert_refused ("+86 138 0013 8000 x12a", -1, "CN", "extension");
  assert_refused ("123456789012345678901234567890", -1, "CN", "too many digits");
  assert_refused ("*97", -1, "CN", "'*'");
  assert_refused ("\xe2\x98\x8e 2001", -1, "CN", "U+260E");
  assert_refused ("2001", -1, "XX", "Unknown region code \"XX\"");
  assert_refused ("2001", -1, "CHN", "Malformed region code");
  assert_refused ("2001", -1, "\xff\xfe", "Malformed region code");

  /* error messages never quote the hostile text itself */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(RdPhoneNumber) n = rd_phone_parse ("http://pbx/?token=SECRET", -1, "CN", NULL, &error);
    g_assert_null (n);
    g_assert_null (strstr (error->message, "SECRET"));
  }

  /* @len is honoured: text past it is never read */
  {
    g_autoptr(RdPhoneNumber) n = parse_ok_len (nul_inside, 14);
    g_assert_cmpstr (n->e164, ==, "+8613800138000");
  }
  {
    g_autoptr(RdPhoneNumber) n = parse_ok_len ("2001999", 4);
    g_assert_cmpint (n->kind, ==, RD_NUMBER_INTERNAL);
    g_assert_cmpstr (n->digits, ==, "2001");
    g_assert_cmpstr (n->raw, ==, "2001");
  }

  /* the length limit is exact */
  edge_ok = g_strdup_printf ("%*s", RD_PHONE_MAX_INPUT, "13800138000");
  {
    g_autoptr(RdPhoneNumber) n = parse_ok (edge_ok, "CN", NULL);
    g_assert_cmpstr (n->e164, ==, "+8613800138000");
  }
  edge_long = g_strdup_printf ("%*s", RD_PHONE_MAX_INPUT + 1, "13800138000");
  assert_refused (edge_long, -1, "CN", "too long");
}

/* ---- URI extraction --------------------------------------------------- */

static void
test_extract_from_uri (void)
{
  static const struct { const char *uri; const char *expected; } ok[] = {
    { "tel:+1-201-555-0123;ext=42", "+12015550123;ext=42" },
    { "tel:+86-138-0013-8000", "+8613800138000" },
    { "TEL:+86.138.0013.8000", "+8613800138000" },
    { "tel:%2B49%20123%20456", "+49123456" },
    { "tel:(010)6552-9988", "01065529988" },
    { "tel:863-1234;phone-context=+1-914-555", "+19145558631234" },
    { "tel:7042;phone-context=example.com", "7042" },
    { "callto://+49123456", "+49123456" },
    { "callto://+49%20123%20456/", "+49123456" },
    { "callto:+49123456", "+49123456" },
    { "callto:%2B49-123-456", "+49123456" },
    { "sip:+8613800138000@pbx.example.com;user=phone", "+8613800138000" },
    { "sips:2001@10.0.0.1:5061;transport=tls?subject=x", "2001" },
    { "sip:2001", "2001" },
    { "sip:%2B86138%2000138000@pbx", "+8613800138000" },
    { "sip:+1-212-555-0142;ext=7@pbx;user=phone", "+12125550142;ext=7" },
    { "<sip:6400@pbx.local>", "6400" },
    { "\"Bob\" <tel:+33142685300>", "+33142685300" },
    { "+86 (138) 0013-8000", "+8613800138000" },
    { "212.555.0142 ext. 9", "2125550142;ext=9" },
    { "\xef\xbc\x8b\xef\xbc\x98\xef\xbc\x96\xef\xbc\x91\xef\xbc\x90", "+8610" },
    { "tel:%EF%BC%8B86%E3%80%80138%EF%BC%8D0013%EF%BC%8D8000", "+8613800138000" },
  };
  static const char *const bad[] = {
    "tel:", "sip:", "callto:", "callto:alice", "sip:alice@example.com", "sips:10.0.0.1",
    "mailto:bob@example.com", "tel:%00", "sip:anonymous@anonymous.invalid", "anonymous", "",
    "tel:%2B%2B49", "tel:++49",
  };
  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *got = rd_phone_extract_from_uri (ok[i].uri, &error);

      g_test_message ("%s", ok[i].uri);
      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, ok[i].expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *got = rd_phone_extract_from_uri (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (got);
      g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (rd_phone_extract_from_uri (NULL, &error));
    g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  }
}

/* ---- same subscriber -------------------------------------------------- */

static gboolean
same (const char *a, const char *region_a, const char *b, const char *region_b)
{
  g_autoptr(RdPhoneNumber) na = parse_ok (a, region_a, NULL);
  g_autoptr(RdPhoneNumber) nb = parse_ok (b, region_b, NULL);
  gboolean ab = rd_phone_same_subscriber (na, nb);

  /* symmetric */
  g_assert_cmpint (ab, ==, rd_phone_same_subscriber (nb, na));
  return ab;
}

static void
test_same_subscriber (void)
{
  static const char *const cn_mobile[] = {
    "+8613800138000", "008613800138000", "13800138000", "tel:+86-138-0013-8000",
    "8613800138000", "013800138000", "+86 138 0013 8000", "sip:+8613800138000@pbx;user=phone",
    "Alice <138 0013 8000>",
  };
  for (guint i = 0; i < G_N_ELEMENTS (cn_mobile); i++)
    for (guint j = 0; j < G_N_ELEMENTS (cn_mobile); j++)
      {
        g_test_message ("%s == %s", cn_mobile[i], cn_mobile[j]);
        g_assert_true (same (cn_mobile[i], "CN", cn_mobile[j], "CN"));
      }
  /* the same number written in other regions */
  g_assert_true (same ("+8613800138000", "CN", "011 86 138 0013 8000", "US"));
  g_assert_true (same ("020 7946 0018", "GB", "+44 20 7946 0018", "DE"));
  g_assert_true (same ("(212) 555-0142", "US", "+1 212 555 0142", "CN"));
  /* different subscribers */
  g_assert_false (same ("+1 212 555 0142", "US", "+1 212 555 0143", "US"));
  g_assert_false (same ("+8613800138000", "CN", "+8613800138001", "CN"));
  g_assert_false (same ("+44 20 7946 0018", "GB", "+49 30 1234567", "DE"));
  g_assert_false (same ("010 6552 9988", "CN", "021 6552 9988", "CN"));
  /* extensions compare by digits */
  g_assert_true (same ("2001", "CN", "sip:2001@pbx", "CN"));
  g_assert_true (same ("20-01", "CN", "2001", "US"));
  g_assert_false (same ("2001", "CN", "2002", "CN"));
  g_assert_false (same ("2001", "CN", "02001", "CN"));
  g_assert_false (same ("2001", "CN", "+8613800132001", "CN"));
  /* ;ext= suffixes must agree when both are present */
  g_assert_true (same ("+1 212 555 0142 x12", "US", "tel:+1-212-555-0142;ext=12", "US"));
  g_assert_false (same ("+1 212 555 0142 x12", "US", "+1 212 555 0142 x13", "US"));
  g_assert_true (same ("+1 212 555 0142 x12", "US", "+1 212 555 0142", "US"));
  /* invalid numbers: tail compare of the significant digits, at least 7 of them */
  g_assert_true (same ("+1 555 0100", "US", "555-0100", "US"));
  g_assert_true (same ("+1 555 0100", "US", "+15550100", "CN"));
  g_assert_false (same ("+1 555 0100", "US", "+1 555 0101", "US"));
  g_assert_false (same ("+999 1234", "CN", "0001234", "CN"));     /* a 4-digit tail is too short */
  g_assert_false (same ("+999 123456", "CN", "0 123 456", "GB"));  /* 6 digits: still too short */
  g_assert_true (same ("+8613800138000", "CN", "8613800138000", "US"));  /* valid vs invalid in US */
  /* withheld never matches, NULL is safe */
  g_assert_false (same ("anonymous", "CN", "anonymous", "CN"));
  g_assert_false (same ("", "CN", "13800138000", "CN"));
  g_assert_false (rd_phone_same_subscriber (NULL, NULL));
}

/* ---- search keys ------------------------------------------------------ */

static void
assert_keys (const char *input, const char *region, const char *const *expected)
{
  g_autoptr(RdPhoneNumber) n = parse_ok (input, region, NULL);
  g_auto(GStrv) keys = rd_phone_search_keys (n);

  g_test_message ("keys of %s", input);
  g_assert_nonnull (keys);
  g_assert_cmpuint (g_strv_length (keys), ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (keys[i], ==, expected[i]);
}

static void
test_search_keys (void)
{
  /* external: e164, nsn, trunk prefix + nsn, last 8 digits of the nsn */
  assert_keys ("13800138000", "CN",
               (const char *const[]) { "+8613800138000", "13800138000", "013800138000", "00138000", NULL });
  assert_keys ("010 6552 9988", "CN",
               (const char *const[]) { "+861065529988", "1065529988", "01065529988", "65529988", NULL });
  assert_keys ("+44 20 7946 0018", "US",
               (const char *const[]) { "+442079460018", "2079460018", "02079460018", "79460018", NULL });
  assert_keys ("(212) 555-0142", "US",
               (const char *const[]) { "+12125550142", "2125550142", "12125550142", "25550142", NULL });
  assert_keys ("+55 11 91234 5678", "BR",
               (const char *const[]) { "+5511912345678", "11912345678", "011912345678", "12345678", NULL });
  /* FR nsn has 9 digits: tail is the last 8 */
  assert_keys ("01 42 68 53 00", "FR",
               (const char *const[]) { "+33142685300", "142685300", "0142685300", "42685300", NULL });
  /* non-geographic, 8-digit nsn: no trunk key, no separate tail */
  assert_keys ("+800 1234 5678", "GB", (const char *const[]) { "+80012345678", "12345678", NULL });
  /* internal: the extension only */
  assert_keys ("sip:2001@pbx", "CN", (const char *const[]) { "2001", NULL });
  /* invalid: digits as given, then the tail */
  assert_keys ("99999999999", "CN", (const char *const[]) { "99999999999", "99999999", NULL });
  assert_keys ("+1 555 0100", "US", (const char *const[]) { "+15550100", NULL });
  /* withheld: empty, never NULL */
  assert_keys ("private", "CN", (const char *const[]) { NULL });
}

/* ---- misc ------------------------------------------------------------- */

static void
test_copy (void)
{
  g_autoptr(RdPhoneNumber) n = parse_ok ("+1 212 555 0142 x7", "US", NULL);
  g_autoptr(RdPhoneNumber) c = rd_phone_number_copy (n);

  g_assert_nonnull (c);
  g_assert_true (c != n);
  g_assert_cmpint (c->kind, ==, n->kind);
  g_assert_cmpstr (c->raw, ==, n->raw);
  g_assert_true (c->raw != n->raw);
  g_assert_cmpstr (c->digits, ==, n->digits);
  g_assert_cmpstr (c->e164, ==, n->e164);
  g_assert_true (c->e164 != n->e164);
  g_assert_cmpstr (c->nsn, ==, n->nsn);
  g_assert_cmpstr (c->region, ==, "US");
  g_assert_cmpuint (c->country_code, ==, 1);
  g_assert_cmpstr (c->national, ==, n->national);
  g_assert_cmpstr (c->international, ==, n->international);
  g_assert_cmpstr (c->extension, ==, "7");
  g_assert_true (rd_phone_same_subscriber (n, c));
  g_assert_null (rd_phone_number_copy (NULL));
  rd_phone_number_free (NULL);
}

static void
test_region_and_kind (void)
{
  g_assert_true (rd_phone_region_is_valid ("CN"));
  g_assert_true (rd_phone_region_is_valid ("cn"));
  g_assert_true (rd_phone_region_is_valid ("US"));
  g_assert_true (rd_phone_region_is_valid ("BR"));
  g_assert_false (rd_phone_region_is_valid ("XX"));
  g_assert_false (rd_phone_region_is_valid ("ZZ"));
  g_assert_false (rd_phone_region_is_valid ("CHN"));
  g_assert_false (rd_phone_region_is_valid (""));
  g_assert_false (rd_phone_region_is_valid (NULL));
  g_assert_cmpstr (rd_number_kind_to_string (RD_NUMBER_EXTERNAL), ==, "external");
  g_assert_cmpstr (rd_number_kind_to_string (RD_NUMBER_INTERNAL), ==, "internal");
  g_assert_cmpstr (rd_number_kind_to_string (RD_NUMBER_WITHHELD), ==, "withheld");
  g_assert_cmpstr (rd_number_kind_to_string (RD_NUMBER_INVALID), ==, "invalid");
}

/* Several threads parse at once from a cold start: libphonenumber is
 * initialised exactly once and gives every thread the same answers. */
static gpointer
parse_thread (gpointer data)
{
  for (guint i = 0; i < 200; i++)
    {
      const ExternalCase *c = &external_cases[i % G_N_ELEMENTS (external_cases)];
      g_autoptr(RdPhoneNumber) n = rd_phone_parse (c->input, -1, c->region, NULL, NULL);

      if (n == NULL || g_strcmp0 (n->e164, c->e164) != 0 || g_strcmp0 (n->national, c->national) != 0)
        return GINT_TO_POINTER (1);
    }
  return GINT_TO_POINTER (0);
}

static void
test_threads (void)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("parse", parse_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (threads[i])), ==, 0);
}

/* Parses @text in @region through the shim's shortcut and through the library alone: both must
 * agree. Returns the national significant number when valid, else NULL. */
static char *
check_shortcut (const char *text, const char *region, guint *parsed, guint *valid)
{
  RdPnParseResult r1 = RD_PN_PARSE_OK, r2 = RD_PN_PARSE_OK;
  RdPn *fast = rd_pn_parse (text, region, &r1);
  RdPn *ref = rd_pn_parse_reference (text, region, &r2);
  char *nsn = NULL;

  if ((fast == NULL) != (ref == NULL) || r1 != r2 || (fast != NULL && !rd_pn_equal (fast, ref)))
    g_error ("\"%s\" in %s: the shortcut parses it %s (%s), the library %s (%s)", text, region,
             fast != NULL ? "fine" : "not", rd_pn_parse_result_to_string (r1),
             ref != NULL ? "fine" : "not", rd_pn_parse_result_to_string (r2));
  if (fast != NULL)
    {
      gboolean v = rd_pn_is_valid (fast);

      if (v != rd_pn_is_valid_reference (ref))
        g_error ("\"%s\" in %s: valid %d by the shortcut, %d by the library", text, region, v, !v);
      (*parsed)++;
      if (v)
        {
          (*valid)++;
          nsn = rd_pn_national_significant_number (fast);
        }
    }
  rd_pn_free (fast);
  rd_pn_free (ref);
  return nsn;
}

/* The shim parses plain digit strings ("+?[0-9]{3,}") through its own sequence of
 * libphonenumber's private steps, and checks validity through the calling code's main region
 * first: both must give exactly what the library's Parse() and IsValidNumber() give. Random
 * digits in every region the library knows, shaped like the inputs that matter (with '+' and a
 * calling code, with the calling code but no '+', with "00", with a trunk prefix, bare), and
 * every valid number found again in all those shapes, in its own region and in a neighbour.
 * RD_PHONE_DIFF_ROUNDS raises the number of random strings per region (default 16). */
static void
test_shim_shortcut (void)
{
  /* prefix, then whether the calling code follows it */
  static const struct { const char *prefix; gboolean cc; } shapes[] = {
    { "+", TRUE }, { "", TRUE }, { "00", TRUE }, { "0", FALSE }, { "1", FALSE }, { "", FALSE },
    { "+", FALSE }, { "0", TRUE }, { "011", TRUE }, { "8", FALSE },
  };
  const char *env = g_getenv ("RD_PHONE_DIFF_ROUNDS");
  guint rounds = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 16;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240527);
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func (g_free);
  guint parsed = 0, valid = 0;

  for (char a = 'A'; a <= 'Z'; a++)
    for (char b = 'A'; b <= 'Z'; b++)
      {
        char region[3] = { a, b, '\0' };

        if (rd_pn_region_is_supported (region))
          g_ptr_array_add (regions, g_strdup (region));
      }
  for (guint ri = 0; ri < regions->len; ri++)
    {
      const char *region = regions->pdata[ri];
      const char *neighbour = regions->pdata[(ri + 1) % regions->len];
      g_autofree char *cc = g_strdup_printf ("%u", rd_pn_country_code_for_region (region));

      for (guint i = 0; i < rounds; i++)
        {
          g_autoptr(GString) text = g_string_new (shapes[i % G_N_ELEMENTS (shapes)].prefix);
          guint len = g_rand_int_range (rand, 2, 14);
          g_autofree char *nsn = NULL;

          if (shapes[i % G_N_ELEMENTS (shapes)].cc)
            g_string_append (text, cc);
          for (guint d = 0; d < len; d++)
            g_string_append_c (text, (char) ('0' + g_rand_int_range (rand, 0, 10)));
          nsn = check_shortcut (text->str, region, &parsed, &valid);
          for (guint k = 0; nsn != NULL && k < G_N_ELEMENTS (shapes); k++)
            {
              g_autofree char *shaped = g_strconcat (shapes[k].prefix, shapes[k].cc ? cc : "", nsn, NULL);
              g_free (check_shortcut (shaped, region, &parsed, &valid));
              g_free (check_shortcut (shaped, neighbour, &parsed, &valid));
            }
        }
    }
  g_test_message ("%u regions, %u numbers parsed, %u valid", regions->len, parsed, valid);
  g_assert_cmpuint (regions->len, >, 200);
  g_assert_cmpuint (valid, >, regions->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* first, so that the threads race on libphonenumber's initialisation */
  g_test_add_func ("/phone/threads", test_threads);
  g_test_add_func ("/phone/external-table", test_external_table);
  g_test_add_func ("/phone/raw-trimmed", test_raw_is_trimmed_input);
  g_test_add_func ("/phone/internal/length", test_internal_length_rule);
  g_test_add_func ("/phone/internal/custom", test_internal_custom_rules);
  g_test_add_func ("/phone/internal/bad-rules", test_internal_bad_rules);
  g_test_add_func ("/phone/withheld", test_withheld);
  g_test_add_func ("/phone/invalid", test_invalid_numbers);
  g_test_add_func ("/phone/hostile", test_hostile);
  g_test_add_func ("/phone/extract-from-uri", test_extract_from_uri);
  g_test_add_func ("/phone/same-subscriber", test_same_subscriber);
  g_test_add_func ("/phone/search-keys", test_search_keys);
  g_test_add_func ("/phone/copy", test_copy);
  g_test_add_func ("/phone/region-and-kind", test_region_and_kind);
  g_test_add_func ("/phone/shim-shortcut", test_shim_shortcut);
  return g_test_run ();
}
