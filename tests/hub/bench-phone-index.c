/* Benchmark (suite "bench", not run by default): fill the phone index with N records
 * (default 1,000,000) in pages of 10,000 as the first fill does (keys parsed and written on the
 * index's worker thread and writer connection, rd_phone_index_apply_async), numbers in an order
 * unrelated to the ids as in a real CRM, then time lookups. Prints the wall time and the
 * process's CPU time (user + system) per record.
 * Usage: bench-phone-index [N] [DB-PATH] */
#include "config.h"

#include "hub/rd-phone-index.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "db-files.h"

#define PAGE 10000

/* A number of record @i: distinct for i < 10^8, scattered over the key space. */
static guint
scatter (guint i)
{
  return (guint) (((guint64) i * 2654435761u) % 100000000u);
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
applied_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_phone_index_apply_finish (RD_PHONE_INDEX (source), result, &error))
    g_error ("%s", error->message);
  (*pending)--;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 1000000;
  g_autofree char *tmp = g_dir_make_tmp ("rd-bench-XXXXXX", NULL);
  g_autofree char *db = argc > 2 ? g_strdup (argv[2]) : g_build_filename (tmp, "bench.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RdStore) store = rd_store_open (db, &error);
  g_autoptr(RdPhoneIndex) index = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  guint hits = 0, pending = 0;
  double fill, cpu = cpu_seconds ();

  g_assert_no_error (error);
  index = rd_phone_index_new (store, &error);
  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");

  for (guint start = 0; start < n; start += PAGE)
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);

      for (guint i = start; i < start + PAGE && i < n; i++)
        {
          RdCrmChange *change = g_new0 (RdCrmChange, 1);

          change->kind = RD_CRM_KIND_INDIVIDUAL;
          change->id = i + 1;
          change->active = TRUE;
          change->name = g_strdup_printf ("Person %u", i);
          change->numbers = g_new0 (char *, 3);
          change->numbers[0] = g_strdup_printf ("138%08u", scatter (i));            /* national */
          change->numbers[1] = g_strdup_printf ("+86 10 %08u", scatter (i + 500000000u % 100000000u));
          change->write_date = g_strdup ("2024-01-01 00:00:00");
          g_ptr_array_add (page, change);
        }
      /* Two pages at a time, as the fill keeps about two in flight. */
      pending++;
      rd_phone_index_apply_async (index, RD_CRM_KIND_INDIVIDUAL, page, NULL, applied_cb, &pending);
      while (pending >= 2)
        g_main_context_iteration (NULL, TRUE);
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);
  fill = g_timer_elapsed (timer, NULL);
  cpu = cpu_seconds () - cpu;
  g_print ("fill: %u records, %u numbers in %.1f s (%.0f records/s), CPU %.1f s (%.1f us a record)\n", n,
           rd_phone_index_count_numbers (index), fill, n / fill, cpu, cpu * 1e6 / n);

  g_timer_start (timer);
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *text = g_strdup_printf ("+86138%08u", scatter ((i * 7919u) % n));
      g_autoptr(RdPhoneNumber) number = rd_phone_parse (text, -1, "CN", NULL, NULL);
      g_autoptr(GPtrArray) matches = rd_phone_index_lookup (index, number, NULL);

      hits += matches != NULL && matches->len > 0;
    }
  g_print ("lookup (parse + index): %.1f us each, %u/10000 hits\n", g_timer_elapsed (timer, NULL) * 1e6 / 10000, hits);
  if (argc <= 2)
    {
      g_clear_object (&index);
      g_clear_object (&store);
      test_remove_db_files (db);
      g_rmdir (tmp);
    }
  return hits == 10000 ? 0 : 1;
}
