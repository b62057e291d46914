#include "config.h"

#include "core/rd-options.h"

#include "core/rd-error.h"
#include "core/rd-text.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VALUE 1024

struct _RdOptions
{
  gatomicrefcount  ref;
  GHashTable      *values;   /* name → value */
};

G_DEFINE_BOXED_TYPE (RdOptions, rd_options, rd_options_ref, rd_options_unref)

static void
wipe_free (gpointer value)
{
  char *text = value;

  if (text != NULL)
    {
      explicit_bzero (text, strlen (text));
      g_free (text);
    }
}

const RdOptionSpec *
rd_option_spec_find (const RdOptionSpec *specs, const char *name)
{
  if (specs == NULL || name == NULL)
    return NULL;
  for (const RdOptionSpec *spec = specs; spec->name != NULL; spec++)
    if (strcmp (spec->name, name) == 0)
      return spec;
  return NULL;
}

RdOptions *
rd_options_new (void)
{
  RdOptions *self = g_new0 (RdOptions, 1);

  g_atomic_ref_count_init (&self->ref);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, wipe_free);
  return self;
}

RdOptions *
rd_options_ref (RdOptions *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
rd_options_unref (RdOptions *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  g_hash_table_unref (self->values);
  g_free (self);
}

RdOptions *
rd_options_copy (const RdOptions *self)
{
  RdOptions *copy = rd_options_new ();
  GHashTableIter iter;
  gpointer name, value;

  if (self == NULL)
    return copy;
  g_hash_table_iter_init (&iter, self->values);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_hash_table_insert (copy->values, g_strdup (name), g_strdup (value));
  return copy;
}

void
rd_options_set (RdOptions *self, const char *name, const char *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  if (value == NULL)
    g_hash_table_remove (self->values, name);
  else
    g_hash_table_insert (self->values, g_strdup (name), g_strdup (value));
}

const char *
rd_options_get (const RdOptions *self, const char *name)
{
  if (self == NULL || name == NULL)
    return NULL;
  return g_hash_table_lookup (self->values, name);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

const char **
rd_options_list (const RdOptions *self)
{
  const char **names;
  guint n = 0;

  if (self == NULL)
    return g_new0 (const char *, 1);
  names = (const char **) g_hash_table_get_keys_as_array (self->values, &n);
  qsort (names, n, sizeof (char *), compare_names);
  return names;
}

static gboolean
parse_uint (const char *text, guint *out)
{
  guint64 value = 0;

  if (text == NULL || *text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
      if (value > G_MAXUINT)
        return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gint
choice_index (const RdOptionSpec *spec, const char *value)
{
  for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
    if (g_strcmp0 (spec->choices[i], value) == 0)
      return (gint) i;
  return -1;
}

gboolean
rd_options_validate (const RdOptions *self, const RdOptionSpec *specs, GError **error)
{
  g_autofree const char **names = rd_options_list (self);

  for (guint i = 0; names[i] != NULL; i++)
    if (rd_option_spec_find (specs, names[i]) == NULL)
      {
        g_autofree char *valid = rd_text_clean (names[i]);
        g_autofree char *shown = g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), 64));

        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unknown option “%s”", shown);
        return FALSE;
      }
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      const char *value = rd_options_get (self, spec->name);
      guint number;

      if (value == NULL || *value == '\0')
        {
          if (spec->flags & RD_OPTION_REQUIRED)
            {
              g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s is missing or not usable", spec->label);
              return FALSE;
            }
          continue;
        }
      if (!rd_text_is_setting (value, MAX_VALUE))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s is missing or not usable", spec->label);
          return FALSE;
        }
      if (spec->type == RD_OPTION_UINT && !parse_uint (value, &number))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s must be a whole number", spec->label);
          return FALSE;
        }
      if (spec->type == RD_OPTION_CHOICE && choice_index (spec, value) < 0)
        {
          g_autofree char *choices = g_strjoinv (", ", (char **) spec->choices);

          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s must be one of: %s", spec->label, choices);
          return FALSE;
        }
    }
  return TRUE;
}

const char *
rd_options_get_string (const RdOptions *self, const RdOptionSpec *spec)
{
  const char *value;

  g_return_val_if_fail (spec != NULL, NULL);
  value = rd_options_get (self, spec->name);
  return value != NULL && *value != '\0' ? value : NULL;
}

guint
rd_options_get_uint (const RdOptions *self, const RdOptionSpec *spec, guint fallback)
{
  guint value;

  g_return_val_if_fail (spec != NULL && spec->type == RD_OPTION_UINT, fallback);
  return parse_uint (rd_options_get (self, spec->name), &value) ? value : fallback;
}

guint
rd_options_get_choice (const RdOptions *self, const RdOptionSpec *spec)
{
  gint index;

  g_return_val_if_fail (spec != NULL && spec->type == RD_OPTION_CHOICE, 0);
  index = choice_index (spec, rd_options_get (self, spec->name));
  return index > 0 ? (guint) index : 0;
}
