#include "config.h"

#include "hub/rd-hub-settings.h"

void
rd_hub_settings_clear (RdHubSettings *settings)
{
  g_clear_pointer (&settings->sync_phonebook_name, g_free);
  g_clear_pointer (&settings->autocreate_prefix, g_free);
  g_clear_pointer (&settings->region, g_free);
}
