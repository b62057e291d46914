/* rd-yeastar-api.h — authorised OpenAPI calls: token in the query, 10004 → refresh
 * and retry once, and paged list fetching. */
#pragma once

#include "pbx/yeastar/rd-yeastar-client.h"
#include "pbx/yeastar/rd-yeastar-token.h"

G_BEGIN_DECLS

/* Called with the errcode of every failed authorised call (e.g. to switch to FAILED). */
typedef void (*RdYeastarErrcodeFunc) (int errcode, const GError *error, GObject *owner);

typedef struct {
  RdYeastarClient      *client;
  RdYeastarToken       *token;
  RdYeastarErrcodeFunc  on_errcode;
  GObject              *on_errcode_data;  /* held weakly by calls in flight */
} RdYeastarApi;

void        rd_yeastar_api_call_async   (const RdYeastarApi *api, const char *method, const char *endpoint,
                                         const char * const *query, JsonNode *body,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
JsonObject *rd_yeastar_api_call_finish  (GAsyncResult *result, GError **error);

/* Fetches every page of a list endpoint (page / page_size added here) and returns
 * the "data" items (JsonObject, ref'd) of all pages. */
void        rd_yeastar_api_fetch_all_async  (const RdYeastarApi *api, const char *endpoint,
                                             const char * const *query, guint page_size,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
GPtrArray  *rd_yeastar_api_fetch_all_finish (GAsyncResult *result, GError **error);

/* For tests: page size used by the backend's list calls. */
#define RD_YEASTAR_API_MAX_PAGES 10000

G_END_DECLS
