// rd-phonenumber-shim.cc — the C API of rd-phonenumber-shim.h over libphonenumber.
//
// The only C++ file in the tree. Rules: no exception escapes (every entry point
// catches everything), PhoneNumberUtil::GetInstance() is called exactly once,
// and the library's logger is replaced so nothing is printed to stdout (which
// would corrupt TAP output) — messages go to g_debug instead.
#include "config.h"

#include "core/rd-phonenumber-shim.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

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

RdPn *
rd_pn_parse (const char *text, const char *region, RdPnParseResult *result)
{
  PhoneNumberUtil *u = util ();
  RdPnParseResult res = RD_PN_PARSE_FAILED;
  RdPn *pn = nullptr;

  if (u != nullptr && text != nullptr)
    {
      try
        {
          pn = new RdPn ();
          res = map_error (u->Parse (text, region != nullptr ? region : "ZZ", &pn->number));
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
      return util ()->IsValidNumber (pn->number) ? TRUE : FALSE;
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
