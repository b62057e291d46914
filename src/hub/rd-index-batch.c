#include "config.h"

#include "hub/rd-index-batch.h"

#include <string.h>

char *
rd_index_key_for (const RdPhoneNumber *number)
{
  if (number == NULL)
    return NULL;
  if (number->kind == RD_NUMBER_EXTERNAL && number->e164 != NULL)
    return g_strdup (number->e164);
  if ((number->kind == RD_NUMBER_EXTERNAL || number->kind == RD_NUMBER_INVALID) &&
      number->digits != NULL && strlen (number->digits) >= 5)
    return g_strdup (number->digits);
  return NULL;
}

char **
rd_index_keys_for_numbers (const char * const *numbers, const char *country, const char *region)
{
  GPtrArray *keys = g_ptr_array_new ();
  const char *r = country != NULL && *country != '\0' ? country : region;

  for (guint i = 0; numbers != NULL && numbers[i] != NULL; i++)
    {
      g_autoptr(RdPhoneNumber) number = NULL;
      char *key;
      gboolean dup = FALSE;

      if (*numbers[i] == '\0')
        continue;
      /* The identity only (no display formats): what the index key needs, at half the cost.
       * A record's country unknown to libphonenumber falls back to the default region. */
      number = rd_phone_parse_identity (numbers[i], -1, r, NULL, NULL);
      if (number == NULL && r != region)
        number = rd_phone_parse_identity (numbers[i], -1, region, NULL, NULL);
      key = rd_index_key_for (number);
      for (guint j = 0; key != NULL && j < keys->len && !dup; j++)
        dup = g_str_equal (keys->pdata[j], key);
      if (key == NULL || dup)
        g_free (key);
      else
        g_ptr_array_add (keys, key);
    }
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (keys, FALSE);
}

static void
record_free (RdIndexRecord *rec)
{
  g_free (rec->name);
  g_free (rec->company);
  g_free (rec->write_date);
  g_strfreev (rec->keys);
  g_free (rec);
}

RdIndexBatch *
rd_index_batch_new (RdCrmKind space, GPtrArray *changes, const char *region)
{
  RdIndexBatch *batch = g_new0 (RdIndexBatch, 1);

  batch->space = space;
  batch->records = g_ptr_array_new_full (changes != NULL ? changes->len : 0, (GDestroyNotify) record_free);
  for (guint i = 0; changes != NULL && i < changes->len; i++)
    {
      RdCrmChange *change = changes->pdata[i];
      RdIndexRecord *rec;

      /* A change of another kind than the space holds is a CRM bug: skipped. */
      if (change->id <= 0 || (change->kind & space) == 0 ||
          (change->kind != RD_CRM_KIND_INDIVIDUAL && change->kind != RD_CRM_KIND_COMPANY &&
           change->kind != RD_CRM_KIND_LEAD))
        {
          g_debug ("Phone index: skipping a change with kind %d, id %" G_GINT64_FORMAT, change->kind, change->id);
          continue;
        }
      rec = g_new0 (RdIndexRecord, 1);
      rec->kind = change->kind;
      rec->id = change->id;
      if (change->active)
        {
          rec->keys = rd_index_keys_for_numbers ((const char * const *) change->numbers, change->country_code, region);
          rec->name = g_steal_pointer (&change->name);
          rec->company = g_steal_pointer (&change->company);
          rec->write_date = g_steal_pointer (&change->write_date);
          batch->n_numbers += g_strv_length (rec->keys);
        }
      else
        rec->keys = g_new0 (char *, 1);
      g_ptr_array_add (batch->records, rec);
    }
  return batch;
}

void
rd_index_batch_free (RdIndexBatch *batch)
{
  if (batch == NULL)
    return;
  g_ptr_array_unref (batch->records);
  g_free (batch);
}

typedef struct {
  RdCrmKind  space;
  GPtrArray *changes;
  char      *region;
} BatchJob;

static void
batch_job_free (BatchJob *job)
{
  g_ptr_array_unref (job->changes);
  g_free (job->region);
  g_free (job);
}

static void
batch_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  BatchJob *job = data;

  g_task_return_pointer (task, rd_index_batch_new (job->space, job->changes, job->region),
                         (GDestroyNotify) rd_index_batch_free);
}

void
rd_index_batch_new_async (RdCrmKind space, GPtrArray *changes, const char *region,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  BatchJob *job = g_new0 (BatchJob, 1);

  g_task_set_source_tag (task, rd_index_batch_new_async);
  job->space = space;
  job->changes = g_ptr_array_ref (changes);
  job->region = g_strdup (region);
  g_task_set_task_data (task, job, (GDestroyNotify) batch_job_free);
  g_task_run_in_thread (task, batch_thread);
}

RdIndexBatch *
rd_index_batch_new_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
