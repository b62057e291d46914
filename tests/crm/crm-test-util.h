/* crm-test-util.h — waiting for async results in the CRM tests. */
#pragma once

#include <gio/gio.h>

static inline void
crm_test_store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the default main context until @slot is set; returns it (owned). */
static inline GAsyncResult *
crm_test_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}
