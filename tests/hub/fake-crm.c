#include "config.h"

#include "fake-crm.h"

#include "core/rd-error.h"

static void fake_crm_iface_init (RdCrmInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeCrm, fake_crm, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RD_TYPE_CRM, fake_crm_iface_init))

static RdCrmMatch *
match_copy (const RdCrmMatch *match)
{
  RdCrmMatch *copy = g_new0 (RdCrmMatch, 1);

  copy->kind = match->kind;
  copy->id = match->id;
  copy->name = g_strdup (match->name);
  copy->numbers = g_strdupv (match->numbers);
  copy->has_name = match->has_name;
  return copy;
}

static RdCrmMatch *
find_record (FakeCrm *self, RdCrmKind kind, gint64 id)
{
  for (guint i = 0; i < self->records->len; i++)
    {
      RdCrmMatch *match = self->records->pdata[i];

      if (match->kind == kind && match->id == id)
        return match;
    }
  return NULL;
}

/* The failure set up for the next write, if any (and clears it). */
static GError *
take_failure (FakeCrm *self, gboolean *write)
{
  GError *error = NULL;

  *write = TRUE;
  if (self->fail_code < 0)
    return NULL;
  error = g_error_new (RD_ERROR, self->fail_code, "fake CRM failure (%s)", rd_error_code_to_string (self->fail_code));
  *write = self->fail_after_write;
  self->fail_code = -1;
  return error;
}

static char *
entry (RdCrmKind kind, gint64 id, const char *call_key)
{
  return g_strdup_printf ("%s:%" G_GINT64_FORMAT ":%s", rd_crm_kind_to_string (kind), id, call_key);
}

static gboolean
has_entry (GPtrArray *entries, const char *text)
{
  for (guint i = 0; i < entries->len; i++)
    if (g_str_equal (entries->pdata[i], text))
      return TRUE;
  return FALSE;
}

static void
fake_log_call_async (RdCrm *crm, const RdCrmCallLog *log, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  gboolean write;
  GError *error = take_failure (self, &write);

  if (write && find_record (self, log->kind, log->record_id) == NULL)
    {
      g_clear_error (&error);
      error = g_error_new_literal (RD_ERROR, RD_ERROR_NOT_FOUND, "no such record");
      write = FALSE;
    }
  if (write)
    g_ptr_array_add (self->logs, entry (log->kind, log->record_id, log->call_key));
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
fake_schedule_callback_async (RdCrm *crm, const RdCrmCallLog *log, GCancellable *c, GAsyncReadyCallback cb,
                              gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  gboolean write;
  GError *error = take_failure (self, &write);

  if (write)
    g_ptr_array_add (self->callbacks, entry (log->kind, log->record_id, log->call_key));
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
fake_boolean_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
found_async (RdCrm *crm, GPtrArray *entries, RdCrmKind kind, gint64 id, const char *call_key,
             GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  g_autofree char *text = entry (kind, id, call_key);

  g_task_return_boolean (task, has_entry (entries, text));
}

static void
fake_has_call_log_async (RdCrm *crm, RdCrmKind kind, gint64 id, const char *call_key, GCancellable *c,
                         GAsyncReadyCallback cb, gpointer data)
{
  found_async (crm, FAKE_CRM (crm)->logs, kind, id, call_key, c, cb, data);
}

static void
fake_has_callback_async (RdCrm *crm, RdCrmKind kind, gint64 id, const char *call_key, GCancellable *c,
                         GAsyncReadyCallback cb, gpointer data)
{
  found_async (crm, FAKE_CRM (crm)->callbacks, kind, id, call_key, c, cb, data);
}

static gboolean
fake_found_finish (RdCrm *crm, GAsyncResult *res, gboolean *out_found, GError **error)
{
  GError *local = NULL;
  gboolean found = g_task_propagate_boolean (G_TASK (res), &local);

  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  *out_found = found;
  return TRUE;
}

static void
fake_find_by_phone_async (RdCrm *crm, const RdPhoneNumber *number, RdCrmKind kinds, GCancellable *c,
                          GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  GPtrArray *matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);

  self->searches++;
  for (guint i = 0; i < self->records->len; i++)
    {
      RdCrmMatch *match = self->records->pdata[i];

      if ((match->kind & kinds) != 0 && number->e164 != NULL &&
          g_strv_contains ((const char * const *) match->numbers, number->e164))
        g_ptr_array_add (matches, match_copy (match));
    }
  g_task_return_pointer (task, matches, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
fake_find_by_phone_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_create_record_async (RdCrm *crm, RdCrmKind kind, const char *name, const char *number, gint64 owner,
                          GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  g_autoptr(RdPhoneNumber) parsed = rd_phone_parse (number, -1, NULL, NULL, NULL);
  gboolean write;
  GError *error = take_failure (self, &write);
  RdCrmMatch *created = NULL;

  self->creates++;
  if (write)
    created = fake_crm_add_record (self, kind, name, parsed != NULL && parsed->e164 ? parsed->e164 : number);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, match_copy (created), (GDestroyNotify) rd_crm_match_free);
}

static void
fake_get_record_async (RdCrm *crm, RdCrmKind kind, gint64 id, GCancellable *c, GAsyncReadyCallback cb,
                       gpointer data)
{
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  RdCrmMatch *match = find_record (FAKE_CRM (crm), kind, id);

  if (match == NULL)
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_NOT_FOUND, "no such record");
  else
    g_task_return_pointer (task, match_copy (match), (GDestroyNotify) rd_crm_match_free);
}

static RdCrmMatch *
fake_match_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static const RdCrmInfo *
fake_get_info (RdCrm *crm)
{
  return &FAKE_CRM (crm)->info;
}

static char *
fake_record_url (RdCrm *crm, RdCrmKind kind, gint64 id)
{
  return g_strdup_printf ("https://crm.example.com/%s/%" G_GINT64_FORMAT, rd_crm_kind_to_string (kind), id);
}

static void
fake_connect_async (RdCrm *crm, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);

  self->connects++;
  if (self->connect_failures > 0)
    {
      self->connect_failures--;
      g_task_return_new_error (task, RD_ERROR, self->connect_code, "fake connect failure (%s)",
                               rd_error_code_to_string (self->connect_code));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static RdCrmInfo *
fake_connect_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  RdCrmInfo *info;

  if (!g_task_propagate_boolean (G_TASK (res), error))
    return NULL;
  info = g_new0 (RdCrmInfo, 1);
  info->version = g_strdup ("fake");
  return info;
}

static void
fake_probe_async (RdCrm *crm, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);

  FAKE_CRM (crm)->probes++;
  g_task_return_boolean (task, TRUE);
}

static void
fake_authenticate_user_async (RdCrm *crm, const char *login, const char *key, GCancellable *c,
                              GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);

  self->authentications++;
  if (self->user_login != NULL && g_strcmp0 (login, self->user_login) == 0 && g_strcmp0 (key, self->user_key) == 0)
    g_task_return_int (task, self->user_id);
  else
    g_task_return_new_error (task, RD_ERROR, RD_ERROR_AUTH, "fake CRM: wrong login or key");
}

static gint64
fake_authenticate_user_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_int (G_TASK (res), error);
}

static void
fake_list_users_async (RdCrm *crm, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  GPtrArray *users = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_user_free);

  for (guint i = 0; i < self->users->len; i++)
    {
      const RdCrmUser *user = self->users->pdata[i];
      RdCrmUser *copy = g_new0 (RdCrmUser, 1);

      *copy = *user;
      copy->name = g_strdup (user->name);
      copy->login = g_strdup (user->login);
      copy->email = g_strdup (user->email);
      g_ptr_array_add (users, copy);
    }
  g_task_return_pointer (task, users, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
fake_list_users_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* The phone index's enumeration: every record, any time (the fake keeps no write times). */
static void
fake_get_id_bounds_async (RdCrm *crm, RdCrmKind kinds, GCancellable *c, GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  RdCrmIdBounds *bounds = g_new0 (RdCrmIdBounds, 1);

  for (guint i = 0; i < self->records->len; i++)
    {
      RdCrmMatch *match = self->records->pdata[i];

      if ((match->kind & kinds) != 0)
        bounds->max_id = MAX (bounds->max_id, match->id);
    }
  bounds->mark = g_strdup ("fake-mark");
  g_task_return_pointer (task, bounds, (GDestroyNotify) rd_crm_id_bounds_free);
}

static RdCrmIdBounds *
fake_get_id_bounds_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static gint
compare_match_id (gconstpointer a, gconstpointer b)
{
  const RdCrmMatch *x = *(const RdCrmMatch * const *) a;
  const RdCrmMatch *y = *(const RdCrmMatch * const *) b;

  return x->id < y->id ? -1 : x->id > y->id;
}

/* The records of @kinds with first_id <= id < end_id (0: no end), ascending. */
static GPtrArray *
records_in (FakeCrm *self, RdCrmKind kinds, gint64 first_id, gint64 end_id)
{
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < self->records->len; i++)
    {
      RdCrmMatch *match = self->records->pdata[i];

      if ((match->kind & kinds) != 0 && match->id >= first_id && (end_id == 0 || match->id < end_id))
        g_ptr_array_add (found, match);
    }
  g_ptr_array_sort (found, compare_match_id);
  return found;
}

static void
fake_list_records_async (RdCrm *crm, const RdCrmRecordQuery *query, GCancellable *c, GAsyncReadyCallback cb,
                         gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  g_autoptr(GPtrArray) found = records_in (self, query->kinds, query->first_id, query->end_id);
  RdCrmChangePage *page = g_new0 (RdCrmChangePage, 1);

  page->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
  for (guint i = 0; i < found->len; i++)
    {
      RdCrmMatch *match = found->pdata[i];
      RdCrmChange *change;

      if (query->limit > 0 && page->changes->len == query->limit)
        {
          page->more = TRUE;
          break;
        }
      change = g_new0 (RdCrmChange, 1);
      change->kind = match->kind;
      change->id = match->id;
      change->active = TRUE;
      change->numbers = g_strdupv (match->numbers);
      change->name = g_strdup (match->name);
      page->next_after_id = match->id;
      g_ptr_array_add (page->changes, change);
    }
  page->next_mark = g_strdup ("fake-mark");
  g_task_return_pointer (task, page, (GDestroyNotify) rd_crm_change_page_free);
}

static RdCrmChangePage *
fake_list_records_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_list_ids_async (RdCrm *crm, RdCrmKind kinds, gint64 first_id, gint64 end_id, GCancellable *c,
                     GAsyncReadyCallback cb, gpointer data)
{
  FakeCrm *self = FAKE_CRM (crm);
  g_autoptr(GTask) task = g_task_new (crm, c, cb, data);
  g_autoptr(GPtrArray) found = records_in (self, kinds, first_id, end_id);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < found->len; i++)
    g_array_append_val (ids, ((RdCrmMatch *) found->pdata[i])->id);
  g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

static GArray *
fake_list_ids_finish (RdCrm *crm, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
fake_crm_iface_init (RdCrmInterface *iface)
{
  iface->list_users_async = fake_list_users_async;
  iface->list_users_finish = fake_list_users_finish;
  iface->get_id_bounds_async = fake_get_id_bounds_async;
  iface->get_id_bounds_finish = fake_get_id_bounds_finish;
  iface->list_records_async = fake_list_records_async;
  iface->list_records_finish = fake_list_records_finish;
  iface->list_ids_async = fake_list_ids_async;
  iface->list_ids_finish = fake_list_ids_finish;
  iface->authenticate_user_async = fake_authenticate_user_async;
  iface->authenticate_user_finish = fake_authenticate_user_finish;
  iface->connect_async = fake_connect_async;
  iface->connect_finish = fake_connect_finish;
  iface->probe_async = fake_probe_async;
  iface->probe_finish = fake_boolean_finish;
  iface->get_info = fake_get_info;
  iface->find_by_phone_async = fake_find_by_phone_async;
  iface->find_by_phone_finish = fake_find_by_phone_finish;
  iface->get_record_async = fake_get_record_async;
  iface->get_record_finish = fake_match_finish;
  iface->create_record_async = fake_create_record_async;
  iface->create_record_finish = fake_match_finish;
  iface->log_call_async = fake_log_call_async;
  iface->log_call_finish = fake_boolean_finish;
  iface->has_call_log_async = fake_has_call_log_async;
  iface->has_call_log_finish = fake_found_finish;
  iface->schedule_callback_async = fake_schedule_callback_async;
  iface->schedule_callback_finish = fake_boolean_finish;
  iface->has_callback_async = fake_has_callback_async;
  iface->has_callback_finish = fake_found_finish;
  iface->record_url = fake_record_url;
}

static void
fake_crm_finalize (GObject *object)
{
  FakeCrm *self = FAKE_CRM (object);

  g_ptr_array_unref (self->records);
  g_ptr_array_unref (self->logs);
  g_ptr_array_unref (self->callbacks);
  g_ptr_array_unref (self->users);
  g_free (self->info.version);
  g_free (self->user_login);
  g_free (self->user_key);
  G_OBJECT_CLASS (fake_crm_parent_class)->finalize (object);
}

static void
fake_crm_class_init (FakeCrmClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_crm_finalize;
}

static void
fake_crm_init (FakeCrm *self)
{
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
  self->logs = g_ptr_array_new_with_free_func (g_free);
  self->callbacks = g_ptr_array_new_with_free_func (g_free);
  self->users = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_user_free);
  self->info.version = g_strdup ("fake");
  self->info.has_leads = TRUE;
  self->info.leads_enabled = TRUE;
  self->next_id = 100;
  self->fail_code = -1;
}

FakeCrm *
fake_crm_new (void)
{
  return g_object_new (FAKE_TYPE_CRM, NULL);
}

RdCrmMatch *
fake_crm_add_record (FakeCrm *self, RdCrmKind kind, const char *name, const char *e164)
{
  RdCrmMatch *match = g_new0 (RdCrmMatch, 1);

  match->kind = kind;
  match->id = self->next_id++;
  match->name = g_strdup (name);
  match->has_name = TRUE;
  match->numbers = g_new0 (char *, 2);
  match->numbers[0] = g_strdup (e164);
  g_ptr_array_add (self->records, match);
  return match;
}

void
fake_crm_fail_next (FakeCrm *self, RdErrorCode code, gboolean after_write)
{
  self->fail_code = code;
  self->fail_after_write = after_write;
}

void
fake_crm_set_reachable (FakeCrm *self, gboolean reachable, const char *why)
{
  g_signal_emit_by_name (self, "reachability-changed", reachable, why);
}

RdCrmUser *
fake_crm_add_user (FakeCrm *self, gint64 id, const char *name, const char *login, RdCrmUserType type)
{
  RdCrmUser *user = g_new0 (RdCrmUser, 1);

  user->id = id;
  user->name = g_strdup (name);
  user->login = g_strdup (login);
  user->email = g_strdup (login);
  user->type = type;
  g_ptr_array_add (self->users, user);
  return user;
}
