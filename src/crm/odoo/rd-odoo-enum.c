#include "config.h"

#include "rd-odoo-enum.h"
#include "rd-odoo-json.h"
#include "rd-odoo-lookup.h"
#include "rd-odoo-records.h"
#include "rd-odoo-rows.h"
#include "core/rd-error.h"
#include "core/rd-phone.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  RdOdooTransport *transport;
  GHashTable      *country_codes;
  RdCrmKind        kinds;
  RdCrmRecordQuery query;        /* query.since points at @since */
  char            *since;
  guint            limit;
  RdOdooRaw       *raw;
  /* worker thread results */
  GPtrArray       *changes;      /* RdCrmChange */
  GArray          *country_ids;  /* gint64, one per change */
  GArray          *ids;          /* list_ids */
  char            *mark;
  gboolean         lean;         /* records: the lean partner fields (rd_odoo_index_fields) */
  gint64           sent_us;      /* monotonic time the request went out */
  gint64           answer_us;
} Enum;

static void
enum_free (Enum *e)
{
  g_clear_object (&e->transport);
  g_clear_pointer (&e->country_codes, g_hash_table_unref);
  g_free (e->since);
  g_clear_pointer (&e->raw, rd_odoo_raw_free);
  g_clear_pointer (&e->changes, g_ptr_array_unref);
  g_clear_pointer (&e->country_ids, g_array_unref);
  g_clear_pointer (&e->ids, g_array_unref);
  g_free (e->mark);
  g_free (e);
}

static GTask *
enum_task (RdOdooTransport *transport, RdCrmKind kinds, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  Enum *e = g_new0 (Enum, 1);

  g_task_set_source_tag (task, tag);
  e->transport = g_object_ref (transport);
  e->kinds = kinds;
  g_task_set_task_data (task, e, (GDestroyNotify) enum_free);
  return task;
}

static void
task_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

#define FAIL(task, error) G_STMT_START { task_fail ((task), (error)); return; } G_STMT_END

/* The model of a space, or NULL with @error set. */
static const char *
space_model (const RdOdooFeatures *features, RdCrmKind kinds, GError **error)
{
  const char *model = rd_odoo_model_for_kind (kinds);

  if (model == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "Records are listed for contacts or for leads, not both at once");
      return NULL;
    }
  if (kinds == RD_CRM_KIND_LEAD && !features->info->has_leads)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_UNAVAILABLE, "The CRM app is not installed in Odoo");
      return NULL;
    }
  return model;
}

/* The kind part of a domain: partners are individuals or companies by is_company. */
static void
add_kind_leaf (JsonArray *domain, RdCrmKind kinds)
{
  if (kinds == RD_CRM_KIND_INDIVIDUAL || kinds == RD_CRM_KIND_COMPANY)
    rd_odoo_domain_add_leaf (domain, "is_company", "=", rd_odoo_json_bool_new (kinds == RD_CRM_KIND_COMPANY));
}

static char *
server_mark (RdOdooTransport *transport)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (rd_odoo_transport_server_now (transport) -
                                                          RD_ODOO_MARK_MARGIN_S);

  return g_date_time_format (t, "%Y-%m-%d %H:%M:%S");
}

gboolean
rd_odoo_enum_mark_is_valid (const char *mark)
{
  int y, mo, d, h, mi, s;
  char tail;

  return mark != NULL && strlen (mark) == 19 &&
         sscanf (mark, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) == 6 &&
         mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

/* ---- bounds ------------------------------------------------------------- */

/* Every country at once (a few hundred rows), so that no page of records has to wait for a
 * res.country read of its own. */
static void
on_all_countries (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = reply != NULL ? rd_odoo_records_from_reply (reply, &error) : NULL;
  RdCrmIdBounds *bounds;

  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  for (guint i = 0; i < rows->len; i++)
    {
      const char *code = rd_odoo_json_get_string (rows->pdata[i], "code", NULL);
      gint64 id = rd_odoo_json_get_int (rows->pdata[i], "id", 0);

      g_hash_table_replace (e->country_codes, g_memdup2 (&id, sizeof id),
                            g_ascii_strup (code != NULL && rd_phone_region_is_valid (code) ? code : "", -1));
    }
  bounds = g_new0 (RdCrmIdBounds, 1);
  bounds->max_id = e->query.first_id;
  bounds->mark = g_steal_pointer (&e->mark);
  g_task_return_pointer (task, bounds, (GDestroyNotify) rd_crm_id_bounds_free);
  g_object_unref (task);
}

static void
on_bounds (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = reply != NULL ? rd_odoo_records_from_reply (reply, &error) : NULL;
  static const char * const fields[] = { "code", NULL };

  if (rows == NULL)
    FAIL (task, g_steal_pointer (&error));
  e->query.first_id = rows->len > 0 ? rd_odoo_json_get_int (rows->pdata[0], "id", 0) : 0;   /* the max id */
  e->mark = server_mark (e->transport);
  rd_odoo_transport_execute_async (e->transport, "res.country", "search_read", NULL,
                                   rd_odoo_search_params (json_array_new (), fields, NULL, 0),
                                   g_task_get_cancellable (task), on_all_countries, task);
}

void
rd_odoo_enum_bounds_async (RdOdooTransport *transport, const RdOdooFeatures *features, GHashTable *country_codes,
                           RdCrmKind kinds, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *task = enum_task (transport, kinds, cancellable, callback, user_data, rd_odoo_enum_bounds_async);
  Enum *e = g_task_get_task_data (task);
  static const char * const fields[] = { "id", NULL };
  static const gboolean both[] = { TRUE, FALSE };
  g_autoptr(GError) error = NULL;
  const char *model = space_model (features, kinds, &error);
  JsonArray *domain, *actives;

  if (model == NULL)
    FAIL (task, g_steal_pointer (&error));
  e->country_codes = g_hash_table_ref (country_codes);
  domain = json_array_new ();
  actives = json_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    json_array_add_boolean_element (actives, both[i]);
  rd_odoo_domain_add_leaf (domain, "active", "in", json_node_init_array (json_node_alloc (), actives));
  json_array_unref (actives);
  add_kind_leaf (domain, kinds);
  rd_odoo_transport_execute_async (transport, model, "search_read", NULL,
                                   rd_odoo_search_params (domain, fields, "id desc", 1),
                                   g_task_get_cancellable (task), on_bounds, task);
}

RdCrmIdBounds *
rd_odoo_enum_bounds_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- records ------------------------------------------------------------ */

/* Does @id belong to what @q asked for? */
static gboolean
query_wants (const RdCrmRecordQuery *q, gint64 id)
{
  if (q->newer_than > 0 && id > q->newer_than)
    return TRUE;
  return id >= q->first_id && (q->end_id == 0 || id < q->end_id);
}

static gboolean
range_empty (const RdCrmRecordQuery *q)
{
  return q->end_id != 0 && q->end_id <= q->first_id;
}

/* The general way: a JSON tree, then each row. */
static gboolean
parse_rows (Enum *e, GError **error)
{
  g_autoptr(JsonNode) reply = rd_odoo_raw_parse (e->raw, error);
  g_autoptr(GPtrArray) rows = reply != NULL ? rd_odoo_records_from_reply (reply, error) : NULL;

  if (rows == NULL)
    return FALSE;
  e->changes = g_ptr_array_new_full (rows->len, (GDestroyNotify) rd_crm_change_free);
  e->country_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      gint64 country_id = 0;
      RdCrmChange *change = rd_odoo_change_from_row (rows->pdata[i], e->kinds, &country_id, error);

      if (change == NULL)
        return FALSE;
      g_ptr_array_add (e->changes, change);
      g_array_append_val (e->country_ids, country_id);
    }
  return TRUE;
}

/* Worker thread: the reply's rows → changes. */
static void
records_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Enum *e = data;
  g_autoptr(GError) error = NULL;
  gint64 last = 0;

  /* Pages of lean partner rows are read straight from the text; anything else the general way. */
  if (e->lean)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (e->raw->body, &len);

      e->country_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      e->changes = rd_odoo_rows_read (text, len, e->raw->status, e->raw->json2, e->kinds, e->country_ids);
      if (e->changes == NULL)
        g_clear_pointer (&e->country_ids, g_array_unref);
    }
  if (e->changes == NULL && !parse_rows (e, &error))
    {
      g_clear_pointer (&e->raw, rd_odoo_raw_free);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_pointer (&e->raw, rd_odoo_raw_free);
  for (guint i = 0; i < e->changes->len; i++)
    {
      RdCrmChange *change = e->changes->pdata[i];

      /* The hub trusts the answer to cover exactly the ids it asked for (it drops what is not
       * there): a reply out of order or out of range would corrupt its index. */
      if (change->id <= last || !query_wants (&e->query, change->id))
        {
          g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL,
                                   "Odoo answered with records other than those asked for");
          return;
        }
      last = change->id;
    }
  if (e->changes->len > e->limit)
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo answered with more records than asked for");
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
records_return (GTask *task)
{
  Enum *e = g_task_get_task_data (task);
  RdCrmChangePage *page = g_new0 (RdCrmChangePage, 1);

  for (guint i = 0; i < e->changes->len; i++)
    {
      RdCrmChange *change = e->changes->pdata[i];
      gint64 id = g_array_index (e->country_ids, gint64, i);
      const char *code = id > 0 ? g_hash_table_lookup (e->country_codes, &id) : NULL;

      if (code != NULL && *code != '\0')
        change->country_code = g_strdup (code);
    }
  page->changes = g_steal_pointer (&e->changes);
  page->next_mark = g_steal_pointer (&e->mark);
  page->more = page->changes->len >= e->limit;
  page->answer_us = e->answer_us;
  if (page->more)
    page->next_after_id = ((RdCrmChange *) page->changes->pdata[page->changes->len - 1])->id;
  g_task_return_pointer (task, page, (GDestroyNotify) rd_crm_change_page_free);
  g_object_unref (task);
}

static void
on_record_countries (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_odoo_countries_finish (result, &error))
    FAIL (task, g_steal_pointer (&error));
  records_return (task);
}

static void
on_records_parsed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    FAIL (task, g_steal_pointer (&error));
  /* Countries come from the connection's cache; one res.country read for new ones. */
  rd_odoo_country_ids_async (e->transport, e->country_codes, e->country_ids,
                             g_task_get_cancellable (task), on_record_countries, task);
}

/* The reply to @task's request, unparsed, handed to @thread_func on a worker thread; @done then
 * runs back here. */
static void
parse_in_thread (GTask *task, GObject *source, GAsyncResult *result, GTaskThreadFunc thread_func,
                 GAsyncReadyCallback done)
{
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) parse = NULL;

  e->raw = rd_odoo_transport_finish_raw (RD_ODOO_TRANSPORT (source), result, &error);
  if (e->raw == NULL)
    FAIL (task, g_steal_pointer (&error));
  e->answer_us = g_get_monotonic_time () - e->sent_us;
  e->mark = server_mark (e->transport);
  parse = g_task_new (NULL, g_task_get_cancellable (task), done, task);
  g_task_set_task_data (parse, e, NULL);
  g_task_run_in_thread (parse, thread_func);
}

static void
on_records (GObject *source, GAsyncResult *result, gpointer user_data)
{
  parse_in_thread (user_data, source, result, records_thread, on_records_parsed);
}

/* @domain gets the conjunction of @leaves (consumed). */
static void
add_conjunction (JsonArray *domain, GPtrArray *leaves)
{
  for (guint i = 1; i < leaves->len; i++)
    rd_odoo_domain_add_op (domain, "&");
  for (guint i = 0; i < leaves->len; i++)
    json_array_add_element (domain, json_node_copy (leaves->pdata[i]));
}

static JsonNode *
leaf (const char *field, const char *op, JsonNode *value)
{
  JsonArray *arr = json_array_new ();
  JsonNode *node;

  rd_odoo_domain_add_leaf (arr, field, op, value);
  node = json_node_ref (json_array_get_element (arr, 0));
  json_array_unref (arr);
  return node;
}

void
rd_odoo_enum_records_async (RdOdooTransport *transport, const RdOdooFeatures *features,
                            GHashTable *country_codes, const RdCrmRecordQuery *query,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = enum_task (transport, query->kinds, cancellable, callback, user_data, rd_odoo_enum_records_async);
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) range = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_auto(GStrv) fields = NULL;
  const char *model = space_model (features, query->kinds, &error);
  gboolean lean = FALSE;
  JsonArray *domain;
  JsonObject *params;

  if (model == NULL)
    FAIL (task, g_steal_pointer (&error));
  if (query->since != NULL && !rd_odoo_enum_mark_is_valid (query->since))
    FAIL (task, g_error_new_literal (RD_ERROR, RD_ERROR_INVALID_INPUT,
                                                 "The change mark must be “YYYY-MM-DD HH:MM:SS”"));
  e->country_codes = g_hash_table_ref (country_codes);
  e->query = *query;
  e->since = g_strdup (query->since);
  e->query.since = e->since;
  e->query.first_id = MAX (query->first_id, 0);
  e->query.newer_than = MAX (query->newer_than, 0);
  e->limit = query->limit == 0 || query->limit > RD_ODOO_ENUM_MAX_LIMIT ? RD_ODOO_ENUM_MAX_LIMIT : query->limit;

  domain = json_array_new ();
  add_kind_leaf (domain, query->kinds);
  if (!range_empty (&e->query))
    {
      if (e->query.first_id > 0)
        g_ptr_array_add (range, leaf ("id", ">=", rd_odoo_json_int_new (e->query.first_id)));
      if (e->query.end_id > 0)
        g_ptr_array_add (range, leaf ("id", "<", rd_odoo_json_int_new (e->query.end_id)));
      if (e->since != NULL)
        g_ptr_array_add (range, leaf ("write_date", ">", rd_odoo_json_string_new (e->since)));
    }
  if (e->query.newer_than > 0 && !range_empty (&e->query) && range->len > 0)
    {
      rd_odoo_domain_add_op (domain, "|");
      rd_odoo_domain_add_leaf (domain, "id", ">", rd_odoo_json_int_new (e->query.newer_than));
      add_conjunction (domain, range);
    }
  else if (e->query.newer_than > 0 && range_empty (&e->query))
    rd_odoo_domain_add_leaf (domain, "id", ">", rd_odoo_json_int_new (e->query.newer_than));
  else if (range_empty (&e->query))
    {
      /* Nothing asked for: an empty page, no request. */
      json_array_unref (domain);
      e->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
      e->country_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      e->mark = server_mark (transport);
      records_return (task);
      return;
    }
  else
    add_conjunction (domain, range);

  fields = rd_odoo_index_fields (features, query->kinds, &lean);
  e->lean = lean;
  params = rd_odoo_search_params (domain, (const char * const *) fields, "id asc", e->limit);
  if (lean)
    json_object_set_string_member (params, "load", "");
  e->sent_us = g_get_monotonic_time ();
  rd_odoo_transport_execute_raw_async (transport, model, "search_read", NULL, params,
                                       g_task_get_cancellable (task), on_records, task);
}

RdCrmChangePage *
rd_odoo_enum_records_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- ids ---------------------------------------------------------------- */

static void
ids_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Enum *e = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_raw_parse (e->raw, &error);
  JsonArray *arr;
  gint64 last = 0;

  g_clear_pointer (&e->raw, rd_odoo_raw_free);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (reply))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL, "Odoo's search reply is not a list of ids");
      return;
    }
  arr = json_node_get_array (reply);
  e->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), json_array_get_length (arr));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      gint64 id = rd_odoo_json_node_int (json_array_get_element (arr, i), 0);

      /* Ascending and inside the range, or the caller would forget records that exist. */
      if (id <= last || id < e->query.first_id || (e->query.end_id > 0 && id >= e->query.end_id))
        {
          g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL,
                                   "Odoo's search reply holds ids other than those asked for");
          return;
        }
      last = id;
      g_array_append_val (e->ids, id);
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_ids_parsed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    FAIL (task, g_steal_pointer (&error));
  g_task_return_pointer (task, g_steal_pointer (&e->ids), (GDestroyNotify) g_array_unref);
  g_object_unref (task);
}

static void
on_ids (GObject *source, GAsyncResult *result, gpointer user_data)
{
  parse_in_thread (user_data, source, result, ids_thread, on_ids_parsed);
}

void
rd_odoo_enum_ids_async (RdOdooTransport *transport, const RdOdooFeatures *features, RdCrmKind kinds,
                        gint64 first_id, gint64 end_id, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = enum_task (transport, kinds, cancellable, callback, user_data, rd_odoo_enum_ids_async);
  Enum *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  const char *model = space_model (features, kinds, &error);
  JsonArray *domain;

  if (model == NULL)
    FAIL (task, g_steal_pointer (&error));
  e->query.kinds = kinds;
  e->query.first_id = MAX (first_id, 0);
  e->query.end_id = MAX (end_id, 0);
  if (range_empty (&e->query))
    {
      g_task_return_pointer (task, g_array_new (FALSE, FALSE, sizeof (gint64)), (GDestroyNotify) g_array_unref);
      g_object_unref (task);
      return;
    }
  domain = json_array_new ();
  add_kind_leaf (domain, kinds);
  if (e->query.first_id > 0)
    rd_odoo_domain_add_leaf (domain, "id", ">=", rd_odoo_json_int_new (e->query.first_id));
  if (e->query.end_id > 0)
    rd_odoo_domain_add_leaf (domain, "id", "<", rd_odoo_json_int_new (e->query.end_id));
  rd_odoo_transport_execute_raw_async (transport, model, "search", NULL,
                                       rd_odoo_search_params (domain, NULL, "id asc", 0),
                                       g_task_get_cancellable (task), on_ids, task);
}

GArray *
rd_odoo_enum_ids_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
