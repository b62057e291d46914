// rd-phonenumber-shim.cc — the C API of rd-phonenumber-shim.h over libphonenumber.
//
// The only C++ file in the tree. Rules: no exception escapes (every entry point
// catches everything), PhoneNumberUtil::GetInstance() is called exactly once,
// and the library's logger is replaced so nothing is printed to stdout (which
// would corrupt TAP output) — messages go to g_debug instead.
#include "config.h"

#include "core/rd-phonenumber-shim.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <list>
#include <set>
#include <string>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

struct _RdPn
{
  PhoneNumber number;
};

namespace {

class GLibLogger : public i18n::phonenumbers::Logger
{
public:
  void WriteMessage (const std::string &msg) override
  {
    g_debug ("libphonenumber: %s", msg.c_str ());
  }
};

PhoneNumberUtil *instance = nullptr;
std::set<std::string> *supported_regions = nullptr;   // filled once, read-only after

PhoneNumberUtil *
util (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      try
        {
          PhoneNumberUtil *u = PhoneNumberUtil::GetInstance ();
          u->SetLogger (new GLibLogger ());   // takes ownership
          supported_regions = new std::set<std::string> ();
          u->GetSupportedRegions (supported_regions);
          instance = u;
        }
      catch (...)
        {
          g_warning ("libphonenumber failed to initialise");
          instance = nullptr;
        }
      g_once_init_leave (&initialised, 1);
    }
  return instance;
}

/* A number our own clean-up already reduced to "+?[0-9]+" with at least three digits: for such
 * text the first steps of libphonenumber's parse (finding where the number starts, trimming, the
 * viability and extension patterns, digit normalisation) change nothing, yet they are two thirds
 * of its cost. (A number with an extension takes the whole parse: setting the extension on the
 * result would need libprotobuf at link time.) */
bool
plain_digits (const char *text)
{
  const char *p = text[0] == '+' ? text + 1 : text;
  const char *start = p;

  while (*p >= '0' && *p <= '9')
    p++;
  return *p == '\0' && p - start >= 3;
}

}  // namespace

namespace i18n {
namespace phonenumbers {

/* libphonenumber declares its unit test class a friend of PhoneNumberUtil and defines it only in
 * its test program; the shim defines it to call the private steps of PhoneNumberUtil::ParseHelper()
 * (libphonenumber 8.12) that still matter for plain digits, in the same order, and skip the rest.
 * Any error, an unknown region, or a number that starts with a country calling code the library
 * does not know falls back to Parse() itself, so only the successful path is duplicated here.
 * tests/core/test-phone.c compares both over random digit strings in every region. */
class PhoneNumberUtilTest
{
public:
  /* false: let Parse() decide. */
  static bool
  ParsePlainDigits (const PhoneNumberUtil &u, const std::string &digits, const std::string &region,
                    PhoneNumber *number)
  {
    const PhoneMetadata *metadata = u.GetMetadataForRegion (region);
    std::string national (digits);
    PhoneNumber temp;
    int country_code;

    if (metadata == nullptr)
      return false;
    /* MaybeExtractCountryCode(): with a '+' it strips it and normalises (a no-op on digits). */
    if (national[0] == '+')
      {
        national.erase (0, 1);
        if (national.length () <= PhoneNumberUtil::kMinLengthForNsn)
          return false;
        country_code = u.ExtractCountryCode (&national);
        if (country_code == 0)
          return false;
        temp.set_country_code (country_code);
      }
    else if (u.MaybeExtractCountryCode (metadata, false, &national, &temp) != PhoneNumberUtil::NO_PARSING_ERROR)
      return false;

    country_code = temp.country_code ();
    if (country_code != 0)
      {
        std::string number_region;
        u.GetRegionCodeForCountryCode (country_code, &number_region);
        if (number_region != region)
          metadata = u.GetMetadataForRegionOrCallingCode (country_code, number_region);
      }
    else
      country_code = metadata->country_code ();
    if (national.length () < PhoneNumberUtil::kMinLengthForNsn)
      return false;
    if (metadata != nullptr)
      {
        std::string carrier_code;
        std::string potential (national);
        PhoneNumberUtil::ValidationResult length;

        u.MaybeStripNationalPrefixAndCarrierCode (*metadata, &potential, &carrier_code);
        if (!TestGeneralLength (potential, *metadata, &length))
          return false;
        if (length != PhoneNumberUtil::TOO_SHORT && length != PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY &&
            length != PhoneNumberUtil::INVALID_LENGTH)
          national.assign (potential);
      }
    if (national.length () < PhoneNumberUtil::kMinLengthForNsn ||
        national.length () > PhoneNumberUtil::kMaxLengthForNsn)
      return false;
    temp.set_country_code (country_code);
    u.SetItalianLeadingZerosForPhoneNumber (national, &temp);
    temp.set_national_number (g_ascii_strtoull (national.c_str (), nullptr, 10));
    number->CopyFrom (temp);
    return true;
  }

  /* IsValidNumber(): the number's region (for a calling code of one region, that region; for a
   * code shared by several, the first whose patterns take it), then the number against that
   * region's patterns again. Here, when the calling code's main region (listed first) has no
   * leading-digits rule, a number valid there is what IsValidNumber() would find first: one check
   * instead of two; and that check asks the same patterns as the library's type lookup but the
   * common types (fixed line, mobile) first, stopping at the first that takes the number, where
   * the library asks the rare ones first to name the type. Anything else goes to IsValidNumber(). */
  static bool
  IsValid (const PhoneNumberUtil &u, const PhoneNumber &number)
  {
    std::list<std::string> regions;
    const PhoneMetadata *metadata;
    int valid;

    u.GetRegionCodesForCountryCallingCode (number.country_code (), &regions);
    if (regions.empty ())
      return u.IsValidNumber (number);
    metadata = u.GetMetadataForRegionOrCallingCode (number.country_code (), regions.front ());
    if (metadata == nullptr || (regions.size () > 1 && metadata->has_leading_digits ()))
      return u.IsValidNumber (number);
    valid = IsValidForRegion (u, number, *metadata);
    if (valid || regions.size () == 1)
      return valid;
    return u.IsValidNumber (number);
  }

  /* IsValidNumberForRegion() for the region of @metadata, whose calling code is the number's:
   * GetNumberTypeHelper() != UNKNOWN, asked in another order. */
  static bool
  IsValidForRegion (const PhoneNumberUtil &u, const PhoneNumber &number, const PhoneMetadata &metadata)
  {
    std::string nsn;

    u.GetNationalSignificantNumber (number, &nsn);
    if (!u.IsNumberMatchingDesc (nsn, metadata.general_desc ()))
      return false;
    return (!metadata.same_mobile_and_fixed_line_pattern () && u.IsNumberMatchingDesc (nsn, metadata.mobile ())) ||
           u.IsNumberMatchingDesc (nsn, metadata.fixed_line ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.premium_rate ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.toll_free ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.shared_cost ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.voip ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.personal_number ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.pager ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.uan ()) ||
           u.IsNumberMatchingDesc (nsn, metadata.voicemail ());
  }

private:
  /* The library's TestNumberLength(number, metadata) (a static function of its own), for the
   * general description; false where that function would read past an empty length list. */
  static bool
  TestGeneralLength (const std::string &number, const PhoneMetadata &metadata,
                     PhoneNumberUtil::ValidationResult *result)
  {
    /* data() and size() only: the other accessors carry protobuf debug checks that would pull
     * libprotobuf into the link. */
    const PhoneNumberDesc &desc = metadata.general_desc ();
    const int *lengths = desc.possible_length ().data ();
    const int *lengths_end = lengths + desc.possible_length ().size ();
    const int *local = desc.possible_length_local_only ().data ();
    const int *local_end = local + desc.possible_length_local_only ().size ();
    int actual = static_cast<int> (number.length ());

    if (lengths == lengths_end)
      return false;
    if (lengths[0] == -1)
      *result = PhoneNumberUtil::INVALID_LENGTH;
    else if (std::find (local, local_end, actual) != local_end)
      *result = PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY;
    else if (lengths[0] == actual)
      *result = PhoneNumberUtil::IS_POSSIBLE;
    else if (lengths[0] > actual)
      *result = PhoneNumberUtil::TOO_SHORT;
    else if (lengths_end[-1] < actual)
      *result = PhoneNumberUtil::TOO_LONG;
    else
      *result = std::find (lengths + 1, lengths_end, actual) != lengths_end
                  ? PhoneNumberUtil::IS_POSSIBLE : PhoneNumberUtil::INVALID_LENGTH;
    return true;
  }
};

}  // namespace phonenumbers
}  // namespace i18n

namespace {

char *
dup_string (const std::string &s)
{
  return g_strndup (s.data (), s.size ());
}

RdPnParseResult
map_error (PhoneNumberUtil::ErrorType err)
{
  switch (err)
    {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      return RD_PN_PARSE_OK;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return RD_PN_PARSE_INVALID_COUNTRY_CODE;
    case PhoneNumberUtil::NOT_A_NUMBER:
      return RD_PN_PARSE_NOT_A_NUMBER;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
      return RD_PN_PARSE_TOO_SHORT_AFTER_IDD;
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return RD_PN_PARSE_TOO_SHORT_NSN;
    case PhoneNumberUtil::TOO_LONG_NSN:
      return RD_PN_PARSE_TOO_LONG;
    default:
      return RD_PN_PARSE_FAILED;
    }
}

}  // namespace

extern "C" {

static RdPn *
parse (const char *text, const char *region, gboolean shortcut, RdPnParseResult *result)
{
  PhoneNumberUtil *u = util ();
  RdPnParseResult res = RD_PN_PARSE_FAILED;
  RdPn *pn = nullptr;

  if (u != nullptr && text != nullptr)
    {
      try
        {
          std::string r (region != nullptr ? region : "ZZ");

          pn = new RdPn ();
          if (shortcut && plain_digits (text) &&
              i18n::phonenumbers::PhoneNumberUtilTest::ParsePlainDigits (*u, text, r, &pn->number))
            res = RD_PN_PARSE_OK;
          else
            res = map_error (u->Parse (text, r, &pn->number));
        }
      catch (...)
        {
          res = RD_PN_PARSE_FAILED;
        }
      if (res != RD_PN_PARSE_OK)
        {
          delete pn;
          pn = nullptr;
        }
    }
  else if (text == nullptr)
    {
      res = RD_PN_PARSE_NOT_A_NUMBER;
    }
  if (result != nullptr)
    *result = res;
  return pn;
}

RdPn *
rd_pn_parse (const char *text, const char *region, RdPnParseResult *result)
{
  return parse (text, region, TRUE, result);
}

RdPn *
rd_pn_parse_reference (const char *text, const char *region, RdPnParseResult *result)
{
  return parse (text, region, FALSE, result);
}

gboolean
rd_pn_equal (const RdPn *a, const RdPn *b)
{
  g_return_val_if_fail (a != nullptr && b != nullptr, FALSE);
  try
    {
      const PhoneNumber &x = a->number, &y = b->number;

      return x.has_country_code () == y.has_country_code () && x.country_code () == y.country_code () &&
             x.has_national_number () == y.has_national_number () && x.national_number () == y.national_number () &&
             x.has_extension () == y.has_extension () && x.extension () == y.extension () &&
             x.has_italian_leading_zero () == y.has_italian_leading_zero () &&
             x.italian_leading_zero () == y.italian_leading_zero () &&
             x.has_number_of_leading_zeros () == y.has_number_of_leading_zeros () &&
             x.number_of_leading_zeros () == y.number_of_leading_zeros () &&
             x.has_raw_input () == y.has_raw_input () && x.has_country_code_source () == y.has_country_code_source () &&
             x.has_preferred_domestic_carrier_code () == y.has_preferred_domestic_carrier_code ()
               ? TRUE : FALSE;
    }
  catch (...)
    {
      return FALSE;
    }
}

gboolean
rd_pn_is_valid_reference (const RdPn *pn)
{
  g_return_val_if_fail (pn != nullptr, FALSE);
  try
    {
      return util ()->IsValidNumber (pn->number) ? TRUE : FALSE;
    }
  catch (...)
    {
      return FALSE;
    }
}

void
rd_pn_free (RdPn *pn)
{
  delete pn;
}

gboolean
rd_pn_is_valid (const RdPn *pn)
{
  g_return_val_if_fail (pn != nullptr, FALSE);
  try
    {
      return i18n::phonenumbers::PhoneNumberUtilTest::IsValid (*util (), pn->number) ? TRUE : FALSE;
    }
  catch (...)
    {
      return FALSE;
    }
}

char *
rd_pn_format (const RdPn *pn, RdPnFormat format)
{
  PhoneNumberUtil::PhoneNumberFormat f;

  g_return_val_if_fail (pn != nullptr, nullptr);
  switch (format)
    {
    case RD_PN_FORMAT_E164:
      f = PhoneNumberUtil::E164;
      break;
    case RD_PN_FORMAT_INTERNATIONAL:
      f = PhoneNumberUtil::INTERNATIONAL;
      break;
    case RD_PN_FORMAT_NATIONAL:
      f = PhoneNumberUtil::NATIONAL;
      break;
    case RD_PN_FORMAT_RFC3966:
      f = PhoneNumberUtil::RFC3966;
      break;
    default:
      return nullptr;
    }
  try
    {
      std::string out;
      util ()->Format (pn->number, f, &out);
      return dup_string (out);
    }
  catch (...)
    {
      return nullptr;
    }
}

char *
rd_pn_national_significant_number (const RdPn *pn)
{
  g_return_val_if_fail (pn != nullptr, nullptr);
  try
    {
      std::string out;
      util ()->GetNationalSignificantNumber (pn->number, &out);
      return dup_string (out);
    }
  catch (...)
    {
      return nullptr;
    }
}

guint
rd_pn_country_code (const RdPn *pn)
{
  g_return_val_if_fail (pn != nullptr, 0);
  int cc = pn->number.country_code ();
  return cc > 0 ? (guint) cc : 0;
}

char *
rd_pn_region_of_number (const RdPn *pn)
{
  g_return_val_if_fail (pn != nullptr, nullptr);
  try
    {
      std::string out;
      util ()->GetRegionCodeForNumber (pn->number, &out);
      if (out.empty () || out == "ZZ" || out == PhoneNumberUtil::kRegionCodeForNonGeoEntity)
        return nullptr;
      return dup_string (out);
    }
  catch (...)
    {
      return nullptr;
    }
}

gboolean
rd_pn_region_is_supported (const char *region)
{
  PhoneNumberUtil *u = util ();

  if (u == nullptr || region == nullptr)
    return FALSE;
  try
    {
      return supported_regions->count (region) > 0 ? TRUE : FALSE;
    }
  catch (...)
    {
      return FALSE;
    }
}

char *
rd_pn_national_prefix (const char *region)
{
  PhoneNumberUtil *u = util ();

  if (u == nullptr || region == nullptr)
    return nullptr;
  try
    {
      std::string out;
      u->GetNddPrefixForRegion (region, true, &out);
      return out.empty () ? nullptr : dup_string (out);
    }
  catch (...)
    {
      return nullptr;
    }
}

guint
rd_pn_country_code_for_region (const char *region)
{
  PhoneNumberUtil *u = util ();

  if (u == nullptr || region == nullptr)
    return 0;
  try
    {
      int cc = u->GetCountryCodeForRegion (region);
      return cc > 0 ? (guint) cc : 0;
    }
  catch (...)
    {
      return 0;
    }
}

const char *
rd_pn_parse_result_to_string (RdPnParseResult result)
{
  switch (result)
    {
    case RD_PN_PARSE_OK:
      return "ok";
    case RD_PN_PARSE_INVALID_COUNTRY_CODE:
      return "missing or unknown country code";
    case RD_PN_PARSE_NOT_A_NUMBER:
      return "not a phone number";
    case RD_PN_PARSE_TOO_SHORT_AFTER_IDD:
      return "too short after the international prefix";
    case RD_PN_PARSE_TOO_SHORT_NSN:
      return "too short";
    case RD_PN_PARSE_TOO_LONG:
      return "too long";
    case RD_PN_PARSE_FAILED:
    default:
      return "phone number library failure";
    }
}

}  // extern "C"
