#include "config.h"

#include "hub/rd-hub-settings.h"

void
rd_hub_settings_clear (RdHubSettings *settings)
{
  g_clear_pointer (&settings->sync_phonebook_name, g_free);
  g_clear_pointer (&settings->autocreate_prefix, g_free);
  g_clear_pointer (&settings->region, g_free);
}

const char *
rd_hub_settings_region_note (const char *region, RdCrm *crm)
{
  if (region != NULL || crm == NULL || rd_crm_get_info (crm) == NULL)
    return NULL;
  return "The CRM company has no country, so numbers written without +country code cannot be read "
         "(no pop, no log for them). Set the company's country in the CRM (Settings → Companies), "
         "or run “ringdesk-hub region CODE” (e.g. CN, DE, US).";
}

static void
set_string_or_null (JsonObject *object, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonObject *
rd_hub_crm_info_to_json (const RdCrmInfo *info)
{
  JsonObject *object = json_object_new ();

  set_string_or_null (object, "version", info->version);
  json_object_set_int_member (object, "major", info->major);
  json_object_set_boolean_member (object, "enterprise", info->enterprise);
  json_object_set_boolean_member (object, "leads", info->has_leads);
  json_object_set_boolean_member (object, "mobile", info->has_mobile);
  json_object_set_boolean_member (object, "phone_search", info->has_phone_search);
  set_string_or_null (object, "country", info->country_code);
  set_string_or_null (object, "timezone", info->timezone);
  return object;
}
