#include "config.h"

#include "hub/rd-secrets.h"

#include "core/rd-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECRET 4096

struct _RdSecrets
{
  GObject     parent_instance;

  char       *dir;
  char       *credentials_dir;
  GHashTable *memory;    /* name → value, when dir is NULL */
};

G_DEFINE_FINAL_TYPE (RdSecrets, rd_secrets, G_TYPE_OBJECT)

static void
free_secret (gpointer data)
{
  char *text = data;

  if (text != NULL)
    {
      explicit_bzero (text, strlen (text));
      g_free (text);
    }
}

static void
rd_secrets_finalize (GObject *object)
{
  RdSecrets *self = RD_SECRETS (object);

  g_free (self->dir);
  g_free (self->credentials_dir);
  g_hash_table_unref (self->memory);
  G_OBJECT_CLASS (rd_secrets_parent_class)->finalize (object);
}

static void
rd_secrets_class_init (RdSecretsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_secrets_finalize;
}

static void
rd_secrets_init (RdSecrets *self)
{
  self->memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_secret);
}

RdSecrets *
rd_secrets_new (const char *dir, const char *credentials_dir)
{
  RdSecrets *self = g_object_new (RD_TYPE_SECRETS, NULL);

  self->dir = dir != NULL && *dir != '\0' ? g_strdup (dir) : NULL;
  self->credentials_dir = credentials_dir != NULL && *credentials_dir != '\0'
                          ? g_strdup (credentials_dir) : NULL;
  return self;
}

static gboolean
name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Reads the first line of @path; @strict refuses files open to group or others. */
static char *
read_secret_file (const char *path, gboolean strict, gboolean *out_missing, GError **error)
{
  g_autofree char *contents = NULL;
  struct stat st;
  int fd;
  ssize_t n;
  char *end;

  if (out_missing != NULL)
    *out_missing = FALSE;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT && out_missing != NULL)
        {
          *out_missing = TRUE;
          return NULL;
        }
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot read the secret file %s: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "The secret file %s is not a regular file", path);
      return NULL;
    }
  if (strict && (st.st_mode & 0077) != 0)
    {
      close (fd);
      g_set_error (error, RD_ERROR, RD_ERROR_ACCESS,
                   "The secret file %s is readable by other users; run chmod 600 on it", path);
      return NULL;
    }
  contents = g_malloc0 (MAX_SECRET + 2);
  n = read (fd, contents, MAX_SECRET + 1);
  close (fd);
  if (n < 0 || n > MAX_SECRET)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   n < 0 ? "Cannot read the secret file %s" : "The secret file %s is too large", path);
      explicit_bzero (contents, MAX_SECRET + 2);
      return NULL;
    }
  end = strpbrk (contents, "\r\n");
  if (end != NULL)
    *end = '\0';
  if (*contents == '\0' || !g_utf8_validate (contents, -1, NULL))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The secret file %s holds no usable value", path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

char *
rd_secrets_read_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  return read_secret_file (path, FALSE, NULL, error);
}

char *
rd_secrets_get (RdSecrets *self, const char *name, GError **error)
{
  gboolean missing = FALSE;
  char *value;

  g_return_val_if_fail (RD_IS_SECRETS (self), NULL);
  g_return_val_if_fail (name_is_valid (name), NULL);

  if (self->dir == NULL)
    {
      value = g_strdup (g_hash_table_lookup (self->memory, name));
      if (value != NULL)
        return value;
    }
  else
    {
      g_autofree char *path = g_build_filename (self->dir, name, NULL);

      value = read_secret_file (path, TRUE, &missing, error);
      if (value != NULL || !missing)
        return value;
    }

  if (self->credentials_dir != NULL)
    {
      g_autofree char *path = g_build_filename (self->credentials_dir, name, NULL);

      value = read_secret_file (path, FALSE, &missing, error);
      if (value != NULL || !missing)
        return value;
    }
  return NULL;
}

gboolean
rd_secrets_set (RdSecrets *self, const char *name, const char *value, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *tmp = NULL;
  gsize len;
  int fd;

  g_return_val_if_fail (RD_IS_SECRETS (self), FALSE);
  g_return_val_if_fail (name_is_valid (name), FALSE);

  if (self->dir == NULL)
    {
      if (value == NULL)
        g_hash_table_remove (self->memory, name);
      else
        g_hash_table_replace (self->memory, g_strdup (name), g_strdup (value));
      return TRUE;
    }

  path = g_build_filename (self->dir, name, NULL);
  if (value == NULL)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot remove the secret %s: %s",
                       name, g_strerror (errno));
          return FALSE;
        }
      return TRUE;
    }

  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot create the secrets directory %s: %s",
                   self->dir, g_strerror (errno));
      return FALSE;
    }
  tmp = g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot write the secret %s: %s",
                   name, g_strerror (errno));
      return FALSE;
    }
  len = strlen (value);
  if (fchmod (fd, 0600) != 0 || write (fd, value, len) != (ssize_t) len ||
      write (fd, "\n", 1) != 1 || fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      g_unlink (tmp);
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot write the secret %s: %s",
                   name, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot store the secret %s: %s",
                   name, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
