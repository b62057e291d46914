/* Benchmark (suite "bench", not run by default): fill the phone index with N records
 * (default 1,000,000) in pages of 1000 as a refresh does, then time lookups.
 * Usage: bench-phone-index [N] [DB-PATH] */
#include "config.h"

#include "hub/rd-phone-index.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "db-files.h"

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
  guint hits = 0;
  double fill;

  g_assert_no_error (error);
  index = rd_phone_index_new (store, &error);
  g_assert_no_error (error);
  rd_phone_index_set_region (index, "CN");

  for (guint start = 0; start < n; start += 1000)
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);

      for (guint i = start; i < start + 1000 && i < n; i++)
        {
          RdCrmChange *change = g_new0 (RdCrmChange, 1);

          change->kind = RD_CRM_KIND_INDIVIDUAL;
          change->id = i + 1;
          change->active = TRUE;
          change->name = g_strdup_printf ("Person %u", i);
          change->numbers = g_new0 (char *, 3);
          change->numbers[0] = g_strdup_printf ("138%08u", i);            /* national */
          change->numbers[1] = g_strdup_printf ("+86 10 %08u", i % 100000000);
          change->write_date = g_strdup ("2024-01-01 00:00:00");
          g_ptr_array_add (page, change);
        }
      if (!rd_phone_index_apply (index, RD_CRM_KIND_INDIVIDUAL, page, &error))
        g_error ("%s", error->message);
    }
  fill = g_timer_elapsed (timer, NULL);
  g_print ("fill: %u records, %u numbers in %.1f s (%.0f records/s)\n", n,
           rd_phone_index_count_numbers (index), fill, n / fill);

  g_timer_start (timer);
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *text = g_strdup_printf ("+86138%08u", (i * 7919u) % n);
      g_autoptr(RdPhoneNumber) number = rd_phone_parse (text, -1, "CN", NULL, NULL);
      g_autoptr(GPtrArray) matches = rd_phone_index_lookup (index, number, NULL);

      hits += matches != NULL && matches->len > 0;
    }
  g_print ("lookup (parse + index): %.1f µs each, %u/10000 hits\n", g_timer_elapsed (timer, NULL) * 1e6 / 10000, hits);
  if (argc <= 2)
    {
      g_clear_object (&index);
      g_clear_object (&store);
      test_remove_db_files (db);
      g_rmdir (tmp);
    }
  return hits == 10000 ? 0 : 1;
}
