#include "config.h"

#include "core/rd-backend-registry.h"

#include "core/rd-error.h"
#include "core/rd-text.h"

static const char *
kind_of (gconstpointer entry)
{
  return *(const char * const *) entry;
}

static gconstpointer
added_of_kind (RdBackendRegistry *registry, const char *kind)
{
  for (guint i = 0; registry->added != NULL && i < registry->added->len; i++)
    if (g_strcmp0 (kind_of (registry->added->pdata[i]), kind) == 0)
      return registry->added->pdata[i];
  return NULL;
}

void
rd_backend_registry_add (RdBackendRegistry *registry, gconstpointer entry)
{
  g_return_if_fail (registry != NULL && entry != NULL && kind_of (entry) != NULL);
  g_mutex_lock (&registry->lock);
  if (registry->added == NULL)
    registry->added = g_ptr_array_new ();
  for (guint i = 0; i < registry->added->len; i++)
    if (g_strcmp0 (kind_of (registry->added->pdata[i]), kind_of (entry)) == 0)
      {
        g_ptr_array_remove_index (registry->added, i);
        break;
      }
  g_ptr_array_insert (registry->added, 0, (gpointer) entry);
  g_mutex_unlock (&registry->lock);
}

gconstpointer
rd_backend_registry_find (RdBackendRegistry *registry, const gconstpointer *builtins, const char *kind,
                          const char *what, GError **error)
{
  gconstpointer found = NULL;

  if (kind == NULL || *kind == '\0')
    kind = kind_of (builtins[0]);   /* the default, or what replaced it */
  g_mutex_lock (&registry->lock);
  found = added_of_kind (registry, kind);
  g_mutex_unlock (&registry->lock);
  for (guint i = 0; found == NULL && builtins[i] != NULL; i++)
    if (g_strcmp0 (kind_of (builtins[i]), kind) == 0)
      found = builtins[i];
  if (found == NULL)
    {
      g_autofree char *shown = rd_text_clean (kind);

      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unknown kind of %s “%s”", what, shown);
    }
  return found;
}

GPtrArray *
rd_backend_registry_list (RdBackendRegistry *registry, const gconstpointer *builtins)
{
  GPtrArray *list = g_ptr_array_new ();

  g_mutex_lock (&registry->lock);
  for (guint i = 0; builtins[i] != NULL; i++)
    {
      gconstpointer replaced = added_of_kind (registry, kind_of (builtins[i]));

      g_ptr_array_add (list, (gpointer) (replaced != NULL ? replaced : builtins[i]));
    }
  for (guint i = registry->added != NULL ? registry->added->len : 0; i-- > 0;)
    {
      gconstpointer entry = registry->added->pdata[i];
      gboolean builtin = FALSE;

      for (guint j = 0; builtins[j] != NULL && !builtin; j++)
        builtin = g_strcmp0 (kind_of (builtins[j]), kind_of (entry)) == 0;
      if (!builtin)
        g_ptr_array_add (list, (gpointer) entry);
    }
  g_mutex_unlock (&registry->lock);
  return list;
}
