#include "config.h"

#include "hub/console/rd-console-catalog.h"

#include "core/rd-error.h"

#include <string.h>

#define MO_MAGIC 0x950412de
#define MO_MAGIC_SWAPPED 0xde120495

struct _RdConsoleCatalog
{
  GObject     parent_instance;

  char       *language;
  GMappedFile *file;
  GHashTable *strings;   /* msgid → translation (pointers into the mapped file) */
};

G_DEFINE_FINAL_TYPE (RdConsoleCatalog, rd_console_catalog, G_TYPE_OBJECT)

static void
rd_console_catalog_finalize (GObject *object)
{
  RdConsoleCatalog *self = RD_CONSOLE_CATALOG (object);

  g_clear_pointer (&self->strings, g_hash_table_unref);
  g_clear_pointer (&self->file, g_mapped_file_unref);
  g_free (self->language);
  G_OBJECT_CLASS (rd_console_catalog_parent_class)->finalize (object);
}

static void
rd_console_catalog_class_init (RdConsoleCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_console_catalog_finalize;
}

static void
rd_console_catalog_init (RdConsoleCatalog *self)
{
  self->strings = g_hash_table_new (g_str_hash, g_str_equal);
}

static guint32
read_u32 (const guint8 *data, gsize offset, gboolean swapped)
{
  guint32 value;

  memcpy (&value, data + offset, 4);
  return swapped ? GUINT32_SWAP_LE_BE (value) : value;
}

/* A string of the table at @table_offset, entry @i: NUL-terminated inside the file, or NULL. */
static const char *
table_string (const guint8 *data, gsize size, guint32 table_offset, guint32 i, gboolean swapped)
{
  gsize entry = (gsize) table_offset + (gsize) i * 8;
  guint32 length, offset;

  if (entry + 8 > size)
    return NULL;
  length = read_u32 (data, entry, swapped);
  offset = read_u32 (data, entry + 4, swapped);
  if ((gsize) offset + length >= size || data[offset + length] != '\0')
    return NULL;
  return (const char *) data + offset;
}

RdConsoleCatalog *
rd_console_catalog_load (const char *localedir, const char *language, const char *domain, GError **error)
{
  g_autoptr(RdConsoleCatalog) self = g_object_new (RD_TYPE_CONSOLE_CATALOG, NULL);
  g_autofree char *mo_name = g_strconcat (domain, ".mo", NULL);
  g_autofree char *path = g_build_filename (localedir, language, "LC_MESSAGES", mo_name, NULL);
  const guint8 *data;
  gsize size;
  guint32 magic, count, originals, translations;
  gboolean swapped;

  self->file = g_mapped_file_new (path, FALSE, error);
  if (self->file == NULL)
    return NULL;
  data = (const guint8 *) g_mapped_file_get_contents (self->file);
  size = g_mapped_file_get_length (self->file);
  if (size < 20)
    goto malformed;
  memcpy (&magic, data, 4);
  if (magic != MO_MAGIC && magic != MO_MAGIC_SWAPPED)
    goto malformed;
  swapped = magic == MO_MAGIC_SWAPPED;
  count = read_u32 (data, 8, swapped);
  originals = read_u32 (data, 12, swapped);
  translations = read_u32 (data, 16, swapped);
  for (guint32 i = 0; i < count; i++)
    {
      const char *msgid = table_string (data, size, originals, i, swapped);
      const char *msgstr = table_string (data, size, translations, i, swapped);

      if (msgid == NULL || msgstr == NULL)
        goto malformed;
      if (*msgid != '\0' && *msgstr != '\0' && g_utf8_validate (msgstr, -1, NULL))
        g_hash_table_insert (self->strings, (gpointer) msgid, (gpointer) msgstr);
    }
  self->language = g_strdup (language);
  return g_steal_pointer (&self);

malformed:
  g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "%s is not a gettext catalogue", path);
  return NULL;
}

const char *
rd_console_catalog_language (RdConsoleCatalog *self)
{
  g_return_val_if_fail (RD_IS_CONSOLE_CATALOG (self), NULL);
  return self->language;
}

const char *
rd_console_catalog_get (RdConsoleCatalog *self, const char *msgid)
{
  const char *found;

  if (self == NULL)
    return msgid;
  found = g_hash_table_lookup (self->strings, msgid);
  return found != NULL ? found : msgid;
}

/* "zh-cn" → the available "zh_CN"; "zh" → the first available "zh_…"; else NULL. */
static const char *
match_tag (const char *tag, const char * const *available)
{
  g_autofree char *wanted = g_strdelimit (g_strdup (tag), "-", '_');

  for (guint i = 0; available[i] != NULL; i++)
    if (g_ascii_strcasecmp (available[i], wanted) == 0)
      return available[i];
  for (guint i = 0; available[i] != NULL; i++)
    {
      gsize len = strlen (wanted);

      if (strchr (wanted, '_') == NULL && g_ascii_strncasecmp (available[i], wanted, len) == 0 &&
          (available[i][len] == '_' || available[i][len] == '\0'))
        return available[i];
    }
  /* "de_AT" → "de" */
  if (strchr (wanted, '_') != NULL)
    {
      *strchr (wanted, '_') = '\0';
      for (guint i = 0; available[i] != NULL; i++)
        if (g_ascii_strcasecmp (available[i], wanted) == 0)
          return available[i];
    }
  return NULL;
}

const char *
rd_console_catalog_negotiate (const char *accept_language, const char * const *available)
{
  g_auto(GStrv) parts = NULL;
  const char *best = NULL;
  double best_q = 0.0;

  if (accept_language == NULL || available == NULL)
    return NULL;
  parts = g_strsplit (accept_language, ",", 32);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (parts[i], ";", 4);
      const char *tag = g_strstrip (fields[0]);
      double q = 1.0;

      for (guint j = 1; fields[j] != NULL; j++)
        {
          const char *param = g_strstrip (fields[j]);

          if (g_str_has_prefix (param, "q="))
            q = g_ascii_strtod (param + 2, NULL);
        }
      if (*tag == '\0' || q <= best_q || strlen (tag) > 35)
        continue;
      if (g_ascii_strncasecmp (tag, "en", 2) == 0 && (tag[2] == '\0' || tag[2] == '-' || tag[2] == '_'))
        {
          best = NULL;   /* English is the source language */
          best_q = q;
          continue;
        }
      {
        const char *found = match_tag (tag, available);

        if (found != NULL)
          {
            best = found;
            best_q = q;
          }
      }
    }
  return best;
}
