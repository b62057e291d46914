#include "config.h"

#include "hub/rd-hub-config.h"

#include "core/rd-error.h"

#include <string.h>

void
rd_hub_config_clear (RdHubConfig *config)
{
  rd_hub_options_clear (&config->options);
}

static char *
state_dir (void)
{
  const char *dir = g_getenv ("STATE_DIRECTORY");

  if (dir != NULL && *dir != '\0')
    {
      /* systemd may pass several, separated by ':'; the first is ours. */
      g_auto(GStrv) parts = g_strsplit (dir, ":", 2);

      return g_strdup (parts[0]);
    }
  return g_build_filename (g_get_user_data_dir (), "ringdesk-hub", NULL);
}

char *
rd_hub_config_default_socket (void)
{
  const char *dir = g_getenv ("RUNTIME_DIRECTORY");

  if (dir != NULL && *dir != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (dir, ":", 2);

      return g_build_filename (parts[0], "admin.sock", NULL);
    }
  return g_build_filename (g_get_user_runtime_dir (), "ringdesk-hub", "admin.sock", NULL);
}

static char *
get_path (GKeyFile *file, const char *dir, const char *key, GError **error)
{
  g_autofree char *value = g_key_file_get_string (file, "hub", key, NULL);

  if (value == NULL || *g_strstrip (value) == '\0')
    return NULL;
  if (g_path_is_absolute (value) || dir == NULL)
    return g_steal_pointer (&value);
  return g_build_filename (dir, value, NULL);
}

static gboolean
get_uint (GKeyFile *file, const char *group, const char *key, guint max, guint *out, GError **error)
{
  g_autoptr(GError) local = NULL;
  gint64 value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  value = g_key_file_get_int64 (file, group, key, &local);
  if (local != NULL || value < 0 || value > max)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "[%s] %s must be a number from 0 to %u",
                   group, key, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
load_console (RdHubConfig *config, GKeyFile *file, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *address = NULL;

  if (g_key_file_has_key (file, "console", "enabled", NULL) &&
      !g_key_file_get_boolean (file, "console", "enabled", &local))
    {
      if (local != NULL)
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "[console] enabled must be true or false");
          return FALSE;
        }
      g_clear_pointer (&config->options.console_address, g_free);
      return TRUE;
    }
  address = g_key_file_get_string (file, "console", "listen-address", NULL);
  if (address != NULL && *g_strstrip (address) != '\0')
    {
      g_free (config->options.console_address);
      config->options.console_address = g_steal_pointer (&address);
    }
  return get_uint (file, "console", "port", 65535, &config->options.console_port, error);
}

gboolean
rd_hub_config_load (RdHubConfig *config, const char *path, GError **error)
{
  static const char * const forbidden[] = { "api-key", "api_key", "client-secret", "client_secret",
                                            "password", "secret", "key" };
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *dir = NULL;
  g_autofree char *state = state_dir ();
  const char *file_path = path != NULL ? path : RD_HUB_DEFAULT_CONFIG;
  gboolean have_file = FALSE;

  memset (config, 0, sizeof *config);
  config->retry_base = 5;
  config->retry_max = 600;
  config->index_refresh = 45;
  config->index_reconcile = 600;
  config->index_concurrency = 4;
  config->options.console_address = g_strdup ("127.0.0.1");
  config->options.console_port = RD_HUB_DEFAULT_CONSOLE_PORT;

  if (g_file_test (file_path, G_FILE_TEST_EXISTS))
    {
      if (!g_key_file_load_from_file (file, file_path, G_KEY_FILE_NONE, error))
        {
          g_prefix_error (error, "Cannot read %s: ", file_path);
          return FALSE;
        }
      have_file = TRUE;
      dir = g_path_get_dirname (file_path);
    }
  else if (path != NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NOT_FOUND, "The configuration file %s does not exist", path);
      return FALSE;
    }

  if (have_file)
    {
      g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

      for (guint g = 0; groups[g] != NULL; g++)
        for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
          if (g_key_file_has_key (file, groups[g], forbidden[i], NULL))
            {
              g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "%s holds a secret ([%s] %s); secrets belong in the secrets directory or "
                           "systemd credentials, never in the configuration file",
                           file_path, groups[g], forbidden[i]);
              return FALSE;
            }
      config->options.listen_address = g_key_file_get_string (file, "hub", "listen-address", NULL);
      if (!get_uint (file, "hub", "port", 65535, &config->options.port, error) ||
          !get_uint (file, "engine", "retry-base", 86400, &config->retry_base, error) ||
          !get_uint (file, "engine", "retry-max", 7 * 86400, &config->retry_max, error) ||
          !get_uint (file, "engine", "index-refresh", 86400, &config->index_refresh, error) ||
          !get_uint (file, "engine", "index-reconcile", 7 * 86400, &config->index_reconcile, error) ||
          !get_uint (file, "engine", "index-concurrency", 16, &config->index_concurrency, error))
        return FALSE;
      if (!load_console (config, file, error))
        return FALSE;
      config->options.database_path = get_path (file, dir, "database", NULL);
      config->options.tls_certificate = get_path (file, dir, "tls-certificate", NULL);
      config->options.tls_key = get_path (file, dir, "tls-key", NULL);
      config->options.admin_socket = get_path (file, dir, "admin-socket", NULL);
      config->options.secrets_dir = get_path (file, dir, "secrets-dir", NULL);
      if ((config->options.tls_certificate == NULL) != (config->options.tls_key == NULL))
        {
          g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                               "Give both tls-certificate and tls-key, or neither");
          return FALSE;
        }
    }

  if (config->options.database_path == NULL)
    config->options.database_path = g_build_filename (state, "hub.db", NULL);
  if (config->options.secrets_dir == NULL)
    config->options.secrets_dir = g_build_filename (state, "secrets", NULL);
  if (config->options.admin_socket == NULL)
    config->options.admin_socket = rd_hub_config_default_socket ();
  return TRUE;
}
