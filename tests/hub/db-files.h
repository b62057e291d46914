/* db-files.h — removes a test's hub database: the store's file, the phone index's file beside
 * it (rd_phone_index_file_for) and their WAL and shared-memory files. */
#pragma once

#include <glib/gstdio.h>

#include "hub/rd-phone-index.h"

static inline void
test_remove_db_files (const char *db)
{
  g_autofree char *index = rd_phone_index_file_for (db);
  const char *files[] = { db, index };

  for (guint i = 0; i < G_N_ELEMENTS (files) && files[i] != NULL; i++)
    {
      g_autofree char *wal = g_strconcat (files[i], "-wal", NULL);
      g_autofree char *shm = g_strconcat (files[i], "-shm", NULL);

      g_unlink (files[i]);
      g_unlink (wal);
      g_unlink (shm);
    }
}
