#include "config.h"

#include "hub/rd-backend-settings.h"

#include <string.h>

static char *
setting_key (const char *prefix, const char *name)
{
  return g_strconcat (prefix, ".", name, NULL);
}

static char *
secret_name (const char *prefix, const char *name)
{
  return g_strconcat (prefix, "-", name, NULL);
}

static gint
choice_index (const RdOptionSpec *spec, const char *value)
{
  for (guint i = 0; value != NULL && spec->choices[i] != NULL; i++)
    if (strcmp (spec->choices[i], value) == 0)
      return (gint) i;
  return -1;
}

RdOptions *
rd_backend_settings_load (RdStore *store, RdSecrets *secrets, const char *prefix, const RdOptionSpec *specs,
                          GError **error)
{
  g_autoptr(RdOptions) options = rd_options_new ();

  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      g_autofree char *value = NULL;

      if (spec->flags & RD_OPTION_SECRET)
        {
          g_autofree char *name = secret_name (prefix, spec->name);
          g_autoptr(GError) local_error = NULL;

          value = rd_secrets_get (secrets, name, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
        }
      else
        {
          g_autofree char *key = setting_key (prefix, spec->name);

          value = rd_store_get_setting (store, key);
          if (value != NULL && spec->type == RD_OPTION_CHOICE)
            {
              gint64 index = g_ascii_strtoll (value, NULL, 10);
              guint n = g_strv_length ((char **) spec->choices);

              g_free (value);
              value = index >= 0 && index < n ? g_strdup (spec->choices[index]) : NULL;
            }
        }
      rd_options_set (options, spec->name, value);
      if (value != NULL)
        explicit_bzero (value, strlen (value));
    }
  return g_steal_pointer (&options);
}

gboolean
rd_backend_settings_save (RdStore *store, const char *prefix, const char *kind, const RdOptionSpec *specs,
                          const RdOptions *options, GError **error)
{
  g_autofree char *kind_key = setting_key (prefix, "kind");

  if (!rd_store_set_setting (store, kind_key, kind, error))
    return FALSE;
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      g_autofree char *key = setting_key (prefix, spec->name);
      const char *value = rd_options_get_string (options, spec);
      gboolean ok;

      if (spec->flags & RD_OPTION_SECRET)
        continue;
      if (spec->type == RD_OPTION_CHOICE)
        ok = value == NULL ? rd_store_set_setting (store, key, NULL, error)
                           : rd_store_set_setting_int (store, key, MAX (choice_index (spec, value), 0), error);
      else
        ok = rd_store_set_setting (store, key, value, error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

gboolean
rd_backend_settings_save_secrets (RdSecrets *secrets, const char *prefix, const RdOptionSpec *specs,
                                  const RdOptions *options, GError **error)
{
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_SECRET)
      {
        g_autofree char *name = secret_name (prefix, spec->name);

        if (!rd_secrets_set (secrets, name, rd_options_get_string (options, spec), error))
          return FALSE;
      }
  return TRUE;
}

void
rd_backend_settings_fill_secrets (RdSecrets *secrets, const char *prefix, const RdOptionSpec *specs,
                                  RdOptions *options)
{
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if ((spec->flags & RD_OPTION_SECRET) && rd_options_get_string (options, spec) == NULL)
      {
        g_autofree char *name = secret_name (prefix, spec->name);
        g_autofree char *value = rd_secrets_get (secrets, name, NULL);

        if (value != NULL)
          {
            rd_options_set (options, spec->name, value);
            explicit_bzero (value, strlen (value));
          }
      }
}

gboolean
rd_backend_settings_clear (RdStore *store, RdSecrets *secrets, const char *prefix, const RdOptionSpec *specs,
                           GError **error)
{
  g_autofree char *kind_key = setting_key (prefix, "kind");

  if (!rd_store_set_setting (store, kind_key, NULL, error))
    return FALSE;
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      g_autofree char *key = setting_key (prefix, spec->name);
      g_autofree char *name = secret_name (prefix, spec->name);

      if ((spec->flags & RD_OPTION_SECRET) ? !rd_secrets_set (secrets, name, NULL, error)
                                           : !rd_store_set_setting (store, key, NULL, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
rd_backend_settings_same_account (RdStore *store, const char *prefix, const char *kind,
                                  const RdOptionSpec *specs, const RdOptions *options)
{
  g_autofree char *kind_key = setting_key (prefix, "kind");
  g_autofree char *saved_kind = rd_store_get_setting (store, kind_key);

  /* a hub saved before kinds were recorded had the default backend */
  if (saved_kind != NULL && g_strcmp0 (saved_kind, kind) != 0)
    return FALSE;
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if ((spec->flags & RD_OPTION_IDENTITY) && !(spec->flags & RD_OPTION_SECRET))
      {
        g_autofree char *key = setting_key (prefix, spec->name);
        g_autofree char *saved = rd_store_get_setting (store, key);

        if (g_strcmp0 (saved, rd_options_get_string (options, spec)) != 0)
          return FALSE;
      }
  return TRUE;
}

char *
rd_backend_settings_describe_account (RdStore *store, const char *prefix, const RdOptionSpec *specs)
{
  GString *text = g_string_new (NULL);

  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if ((spec->flags & RD_OPTION_IDENTITY) && !(spec->flags & RD_OPTION_SECRET))
      {
        g_autofree char *key = setting_key (prefix, spec->name);
        g_autofree char *saved = rd_store_get_setting (store, key);

        g_string_append_printf (text, "%s%s %s", text->len > 0 ? ", " : "", spec->name, saved ? saved : "?");
      }
  return g_string_free (text, FALSE);
}

JsonObject *
rd_backend_settings_to_json (RdStore *store, const char *prefix, const RdOptionSpec *specs)
{
  JsonObject *object = json_object_new ();

  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      g_autofree char *key = setting_key (prefix, spec->name);
      g_autofree char *member = NULL;
      g_autofree char *value = NULL;
      const char *text;

      if (spec->flags & RD_OPTION_SECRET)
        continue;
      value = rd_store_get_setting (store, key);
      text = value;
      if (value != NULL && spec->type == RD_OPTION_CHOICE)
        {
          gint64 index = g_ascii_strtoll (value, NULL, 10);

          text = index >= 0 && index < g_strv_length ((char **) spec->choices) ? spec->choices[index] : NULL;
        }
      if (text == NULL)
        continue;
      member = g_strdelimit (g_strdup (spec->name), "-", '_');
      json_object_set_string_member (object, member, text);
    }
  return object;
}

RdOptions *
rd_backend_settings_from_json (JsonObject *body, const RdOptionSpec *specs)
{
  RdOptions *options = rd_options_new ();

  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      g_autofree char *member = g_strdelimit (g_strdup (spec->name), "-", '_');
      JsonNode *node = body != NULL ? json_object_get_member (body, member) : NULL;

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        rd_options_set (options, spec->name, json_node_get_string (node));
    }
  return options;
}
