/* rd-yeastar-api.c — authorised calls with one retry on 10004, paged lists. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-api.h"

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-json.h"

typedef struct {
  RdYeastarClient     *client;
  RdYeastarToken      *token;
  RdYeastarErrcodeFunc on_errcode;
  GWeakRef             owner;
  char                *method;
  char                *endpoint;
  GStrv                query;
  JsonNode            *body;
  char                *used_token;
  gboolean             retried;
} CallState;

static void
call_state_free (gpointer data)
{
  CallState *st = data;

  g_clear_object (&st->client);
  g_clear_object (&st->token);
  g_weak_ref_clear (&st->owner);
  g_free (st->method);
  g_free (st->endpoint);
  g_strfreev (st->query);
  g_clear_pointer (&st->body, json_node_unref);
  g_free (st->used_token);
  g_free (st);
}

static GStrv
copy_query (const char * const *query)
{
  return query ? g_strdupv ((char **) query) : g_new0 (char *, 1);
}

static void call_with_token (GTask *task);

static void
on_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CallState *st = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonObject *reply;
  int errcode = 0;

  reply = rd_yeastar_client_call_finish (st->client, res, &errcode, &error);
  if (reply != NULL)
    {
      g_task_return_pointer (task, reply, (GDestroyNotify) json_object_unref);
      return;
    }
  if (errcode == RD_YEASTAR_ERRCODE_TOKEN_EXPIRED && !st->retried)
    {
      g_debug ("PBX %s: token expired, refreshing and retrying once", st->endpoint);
      st->retried = TRUE;
      rd_yeastar_token_invalidate (st->token, st->used_token);
      call_with_token (g_steal_pointer (&task));
      return;
    }
  if (errcode != RD_YEASTAR_ERRCODE_TRANSPORT && st->on_errcode != NULL)
    {
      g_autoptr(GObject) owner = g_weak_ref_get (&st->owner);

      if (owner != NULL)
        st->on_errcode (errcode, error, owner);
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_token (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CallState *st = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  g_clear_pointer (&st->used_token, g_free);
  st->used_token = rd_yeastar_token_get_finish (st->token, res, &error);
  if (st->used_token == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  rd_yeastar_client_call_async (st->client, st->method, st->endpoint, st->used_token,
                                (const char * const *) st->query, st->body,
                                cancellable, on_reply, g_steal_pointer (&task));
}

static void
call_with_token (GTask *task)
{
  CallState *st = g_task_get_task_data (task);

  rd_yeastar_token_get_async (st->token, g_task_get_cancellable (task), on_token, task);
}

void
rd_yeastar_api_call_async (const RdYeastarApi *api, const char *method, const char *endpoint,
                           const char * const *query, JsonNode *body, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  CallState *st = g_new0 (CallState, 1);

  g_task_set_source_tag (task, rd_yeastar_api_call_async);
  st->client = g_object_ref (api->client);
  st->token = g_object_ref (api->token);
  st->on_errcode = api->on_errcode;
  g_weak_ref_init (&st->owner, api->on_errcode_data);
  st->method = g_strdup (method);
  st->endpoint = g_strdup (endpoint);
  st->query = copy_query (query);
  st->body = body ? json_node_ref (body) : NULL;
  g_task_set_task_data (task, st, call_state_free);
  call_with_token (task);
}

JsonObject *
rd_yeastar_api_call_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- paged lists -------------------------------------------------------------- */

typedef struct {
  RdYeastarApi api;
  char        *endpoint;
  GStrv        query;
  guint        page_size;
  guint        page;
  GPtrArray   *items;
} FetchState;

static void
fetch_state_free (gpointer data)
{
  FetchState *st = data;

  g_clear_object (&st->api.client);
  g_clear_object (&st->api.token);
  g_clear_object (&st->api.on_errcode_data);
  g_free (st->endpoint);
  g_strfreev (st->query);
  g_clear_pointer (&st->items, g_ptr_array_unref);
  g_free (st);
}

static void fetch_page (GTask *task);

static void
on_page (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchState *st = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = rd_yeastar_api_call_finish (res, &error);
  JsonArray *data;
  gint64 total = -1;
  guint n;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data = rd_yeastar_json_get_array (reply, "data");
  if (data == NULL && json_object_has_member (reply, "data"))
    {
      g_task_return_new_error (task, RD_ERROR, RD_ERROR_PROTOCOL,
                               "PBX %s: \"data\" is not a list", st->endpoint);
      return;
    }
  n = data ? json_array_get_length (data) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (data, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (st->items, json_object_ref (json_node_get_object (node)));
      else
        g_warning ("PBX %s: skipping a list item that is not an object", st->endpoint);
    }
  rd_yeastar_json_get_int (reply, "total_number", &total);
  if (n == 0 || n < st->page_size || (total >= 0 && st->items->len >= total) ||
      st->page >= RD_YEASTAR_API_MAX_PAGES)
    {
      g_task_return_pointer (task, g_steal_pointer (&st->items), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  st->page++;
  fetch_page (g_steal_pointer (&task));
}

static void
fetch_page (GTask *task)
{
  FetchState *st = g_task_get_task_data (task);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *page = g_strdup_printf ("%u", st->page);
  g_autofree char *size = g_strdup_printf ("%u", st->page_size);
  g_auto(GStrv) query = NULL;

  g_strv_builder_addv (b, (const char **) st->query);
  g_strv_builder_add_many (b, "page", page, "page_size", size, NULL);
  query = g_strv_builder_end (b);
  rd_yeastar_api_call_async (&st->api, "GET", st->endpoint, (const char * const *) query, NULL,
                             g_task_get_cancellable (task), on_page, task);
}

void
rd_yeastar_api_fetch_all_async (const RdYeastarApi *api, const char *endpoint,
                                const char * const *query, guint page_size,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  FetchState *st = g_new0 (FetchState, 1);

  g_task_set_source_tag (task, rd_yeastar_api_fetch_all_async);
  st->api.client = g_object_ref (api->client);
  st->api.token = g_object_ref (api->token);
  st->api.on_errcode = api->on_errcode;
  st->api.on_errcode_data = api->on_errcode_data ? g_object_ref (api->on_errcode_data) : NULL;
  st->endpoint = g_strdup (endpoint);
  st->query = copy_query (query);
  st->page_size = CLAMP (page_size, 1, 10000);
  st->page = 1;
  st->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_task_set_task_data (task, st, fetch_state_free);
  fetch_page (task);
}

GPtrArray *
rd_yeastar_api_fetch_all_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
