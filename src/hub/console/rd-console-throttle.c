#include "config.h"

#include "hub/console/rd-console-throttle.h"

#define MAX_ENTRIES 10000

typedef struct {
  GArray *failures;   /* gint64 seconds, oldest first */
  gint64  locked_until;
} Entry;

struct _RdConsoleThrottle
{
  GObject     parent_instance;

  GHashTable *entries;     /* "id:NAME" / "ip:ADDRESS" → Entry */
  gint64      clock_offset;
  gint64      crm_minute;
  guint       crm_checks;
};

G_DEFINE_FINAL_TYPE (RdConsoleThrottle, rd_console_throttle, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  g_array_unref (entry->failures);
  g_free (entry);
}

static void
rd_console_throttle_finalize (GObject *object)
{
  g_hash_table_unref (RD_CONSOLE_THROTTLE (object)->entries);
  G_OBJECT_CLASS (rd_console_throttle_parent_class)->finalize (object);
}

static void
rd_console_throttle_class_init (RdConsoleThrottleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_console_throttle_finalize;
}

static void
rd_console_throttle_init (RdConsoleThrottle *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
}

RdConsoleThrottle *
rd_console_throttle_new (void)
{
  return g_object_new (RD_TYPE_CONSOLE_THROTTLE, NULL);
}

void
rd_console_throttle_set_clock_offset (RdConsoleThrottle *self, gint64 seconds)
{
  self->clock_offset = seconds;
}

static gint64
now (RdConsoleThrottle *self)
{
  return g_get_monotonic_time () / G_USEC_PER_SEC + self->clock_offset;
}

static char *
key_for (const char *prefix, const char *value)
{
  g_autofree char *folded = g_utf8_casefold (value != NULL ? value : "", -1);

  return g_strconcat (prefix, folded, NULL);
}

/* Forgets failures older than the window. */
static void
age (RdConsoleThrottle *self, Entry *entry)
{
  gint64 limit = now (self) - RD_CONSOLE_THROTTLE_WINDOW_S;
  guint drop = 0;

  while (drop < entry->failures->len && g_array_index (entry->failures, gint64, drop) < limit)
    drop++;
  if (drop > 0)
    g_array_remove_range (entry->failures, 0, drop);
}

static gint64
wait_for (RdConsoleThrottle *self, const char *key)
{
  Entry *entry = g_hash_table_lookup (self->entries, key);

  if (entry == NULL || entry->locked_until <= now (self))
    return 0;
  return entry->locked_until - now (self);
}

gboolean
rd_console_throttle_allowed (RdConsoleThrottle *self, const char *identity, const char *address,
                             gint64 *out_wait_s)
{
  g_autofree char *id_key = key_for ("id:", identity);
  g_autofree char *ip_key = key_for ("ip:", address);
  gint64 wait = MAX (wait_for (self, id_key), wait_for (self, ip_key));

  if (out_wait_s != NULL)
    *out_wait_s = wait;
  return wait == 0;
}

static void
prune (RdConsoleThrottle *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      age (self, entry);
      if (entry->failures->len == 0 && entry->locked_until <= now (self))
        g_hash_table_iter_remove (&iter);
    }
}

static void
count_failure (RdConsoleThrottle *self, const char *key, guint max)
{
  Entry *entry = g_hash_table_lookup (self->entries, key);
  gint64 t = now (self);

  if (entry == NULL)
    {
      if (g_hash_table_size (self->entries) >= MAX_ENTRIES)
        prune (self);
      entry = g_new0 (Entry, 1);
      entry->failures = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->entries, g_strdup (key), entry);
    }
  age (self, entry);
  g_array_append_val (entry->failures, t);
  if (entry->failures->len >= max)
    {
      entry->locked_until = t + RD_CONSOLE_THROTTLE_LOCK_S;
      g_array_set_size (entry->failures, 0);
      g_message ("Console sign-in locked for %d minutes after repeated failures", RD_CONSOLE_THROTTLE_LOCK_S / 60);
    }
}

void
rd_console_throttle_failed (RdConsoleThrottle *self, const char *identity, const char *address)
{
  g_autofree char *id_key = key_for ("id:", identity);
  g_autofree char *ip_key = key_for ("ip:", address);

  count_failure (self, id_key, RD_CONSOLE_THROTTLE_IDENTITY_MAX);
  count_failure (self, ip_key, RD_CONSOLE_THROTTLE_ADDRESS_MAX);
}

void
rd_console_throttle_succeeded (RdConsoleThrottle *self, const char *identity)
{
  g_autofree char *id_key = key_for ("id:", identity);

  g_hash_table_remove (self->entries, id_key);
}

gboolean
rd_console_throttle_take_crm_check (RdConsoleThrottle *self)
{
  gint64 minute = now (self) / 60;

  if (minute != self->crm_minute)
    {
      self->crm_minute = minute;
      self->crm_checks = 0;
    }
  if (self->crm_checks >= RD_CONSOLE_THROTTLE_CRM_PER_MINUTE)
    return FALSE;
  self->crm_checks++;
  return TRUE;
}
