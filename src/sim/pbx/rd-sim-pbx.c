/* rd-sim-pbx.c — the simulated PBX: HTTP server, tokens, REST endpoints, event socket. */
#include "config.h"

#include "sim/pbx/rd-sim-pbx-private.h"

#include <stdio.h>
#include <string.h>

#include "core/rd-error.h"
#include "core/rd-http-server.h"

#define MAX_VALID_TOKENS 8
#define MAX_AUTH_FAILURES 5     /* then 70004 (threshold UNCONFIRMED) */
#define API_PREFIX "/openapi/v1.0/"

G_DEFINE_FINAL_TYPE (RdSimPbx, rd_sim_pbx, G_TYPE_OBJECT)

enum { SIGNAL_CALL_FINISHED, SIGNAL_EVENT_PUSHED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  int   errcode;
  guint count;
} FailRule;

static const struct { int code; const char *msg; } errmsgs[] = {
  { -2, "INTERNAL SERVER ERROR" }, { -1, "FAILURE" },
  { 10001, "INTERFACE NOT EXISTED" }, { 10004, "TOKEN EXPIRED" }, { 10005, "ACCESS DENIED" },
  { 40001, "PARAMETER SYNTAX ERROR" }, { 40002, "PARAMETER ERROR" }, { 40003, "DUPLICATE KEY VALUE" },
  { 60001, "DATA NOT FOUND" }, { 60002, "MAX LIMITATION EXCEEDED" },
  { 70004, "ACCOUNT IP BLOCKED" }, { 70087, "IP FORBIDDEN" }, { 70091, "CONNECTION_RELATION_EXISTED" },
  { 70093, "PHONEBOOK_NOT_EXISTED" }, { 70123, "API UNAVAILABLE" }, { 70128, "CONTACTS_NOT_EXISTED" },
};

static const char *
errmsg_for (int code)
{
  for (guint i = 0; i < G_N_ELEMENTS (errmsgs); i++)
    if (errmsgs[i].code == code)
      return errmsgs[i].msg;
  return "FAILURE";
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void
extension_free (gpointer data)
{
  SimExtension *e = data;

  g_free (e->number);
  g_free (e->name);
  g_free (e->email);
  g_free (e);
}

static void
token_free (gpointer data)
{
  SimToken *t = data;

  g_free (t->access);
  g_free (t->refresh);
  g_free (t);
}

static void
socket_free (gpointer data)
{
  SimSocket *s = data;

  g_clear_handle_id (&s->idle_id, g_source_remove);
  if (s->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (s->conn, s);
      if (soup_websocket_connection_get_state (s->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (s->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_object_unref (s->conn);
    }
  g_free (s->token);
  g_array_unref (s->topics);
  g_free (s);
}

static void
cdr_free (gpointer data)
{
  SimCdr *c = data;

  json_object_unref (c->event);
  g_free (c);
}

static void
rd_sim_pbx_dispose (GObject *object)
{
  RdSimPbx *self = RD_SIM_PBX (object);

  rd_sim_pbx_cancel_calls (self);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->sockets)
    g_ptr_array_set_size (self->sockets, 0);
  if (self->server)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (rd_sim_pbx_parent_class)->dispose (object);
}

static void
rd_sim_pbx_finalize (GObject *object)
{
  RdSimPbx *self = RD_SIM_PBX (object);

  g_free (self->base_url);
  g_free (self->client_id);
  g_free (self->secret);
  g_free (self->dial_caller_status);
  g_ptr_array_unref (self->tokens);
  g_ptr_array_unref (self->extensions);
  g_ptr_array_unref (self->phonebooks);
  g_ptr_array_unref (self->contacts);
  g_hash_table_unref (self->contact_books);
  g_ptr_array_unref (self->cdrs);
  g_ptr_array_unref (self->sockets);
  g_hash_table_unref (self->fail_rules);
  g_hash_table_unref (self->request_counts);
  g_hash_table_unref (self->busy_numbers);
  g_hash_table_unref (self->unreachable_numbers);
  g_hash_table_unref (self->sources);
  g_hash_table_unref (self->active_calls);
  g_time_zone_unref (self->tz);
  G_OBJECT_CLASS (rd_sim_pbx_parent_class)->finalize (object);
}

static void
rd_sim_pbx_class_init (RdSimPbxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_sim_pbx_dispose;
  object_class->finalize = rd_sim_pbx_finalize;

  /* RdSimPbx::call-finished: (call_id) a scenario ended and its CDR exists. */
  signals[SIGNAL_CALL_FINISHED] = g_signal_new ("call-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* RdSimPbx::event-pushed: (type, call_id or NULL) an event frame is about to be handed to
   * every subscribed socket (emitted just before the writes: after them, on a busy machine, this
   * thread may get the CPU back only once the reader has handled the frame); lets a benchmark
   * time from the moment the PBX emits. */
  signals[SIGNAL_EVENT_PUSHED] = g_signal_new ("event-pushed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
}

static void
rd_sim_pbx_init (RdSimPbx *self)
{
  self->client_id = g_strdup (RD_SIM_PBX_DEFAULT_CLIENT_ID);
  self->secret = g_strdup (RD_SIM_PBX_DEFAULT_SECRET);
  self->access_s = 1800;
  self->refresh_s = 86400;
  self->max_tokens = MAX_VALID_TOKENS;
  self->tokens = g_ptr_array_new_with_free_func (token_free);
  self->extensions = g_ptr_array_new_with_free_func (extension_free);
  self->phonebooks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_pbx_contact_free);
  self->contact_books = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_array_unref);
  self->next_id = 1;
  self->cdrs = g_ptr_array_new_with_free_func (cdr_free);
  self->sockets = g_ptr_array_new_with_free_func (socket_free);
  self->fail_rules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->request_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->idle_ms = 60000;
  self->cdr_with_uid = TRUE;
  self->cdr_scale = 1;
  self->tz = g_time_zone_new_local ();
  self->busy_numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unreachable_numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dial_ring_ms = 300;
  self->dial_talk_ms = 1000;
  self->dial_caller_status = g_strdup ("RING");
  self->sources = g_hash_table_new (NULL, NULL);
  self->active_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_array_unref);

  rd_sim_pbx_add_extension (self, "2001", "Alice Zhang", "alice@example.com");
  rd_sim_pbx_add_extension (self, "2002", "Bob Li", "bob@example.com");
  rd_sim_pbx_add_extension (self, "2003", "Carol Wang", "carol@example.com");
  rd_sim_pbx_add_extension (self, "2004", "Dan Chen", "dan@example.com");
}

RdSimPbx *
rd_sim_pbx_new (void)
{
  return g_object_new (RD_TYPE_SIM_PBX, NULL);
}

/* ---- tokens ------------------------------------------------------------------------- */

static gboolean
token_valid (const SimToken *t, gint64 now)
{
  return !t->revoked && now < t->access_expiry;
}

static SimToken *
find_access (RdSimPbx *self, const char *access)
{
  gint64 now = g_get_monotonic_time ();

  if (access == NULL)
    return NULL;
  for (guint i = 0; i < self->tokens->len; i++)
    {
      SimToken *t = g_ptr_array_index (self->tokens, i);

      if (g_strcmp0 (t->access, access) == 0)
        return token_valid (t, now) ? t : NULL;
    }
  return NULL;
}

guint
rd_sim_pbx_count_valid_tokens (RdSimPbx *self)
{
  gint64 now = g_get_monotonic_time ();
  guint n = 0;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), 0);
  for (guint i = 0; i < self->tokens->len; i++)
    if (token_valid (g_ptr_array_index (self->tokens, i), now))
      n++;
  return n;
}

static char *
random_token (void)
{
  g_autofree char *raw = g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (),
                                          g_random_int (), g_random_int ());
  return g_steal_pointer (&raw);
}

static void
close_sockets_of_invalid_tokens (RdSimPbx *self)
{
  for (guint i = self->sockets->len; i > 0; i--)
    {
      SimSocket *s = g_ptr_array_index (self->sockets, i - 1);

      if (find_access (self, s->token) == NULL)
        g_ptr_array_remove_index (self->sockets, i - 1);
    }
}

static gboolean
on_tick (gpointer user_data)
{
  RdSimPbx *self = user_data;

  if (self->close_on_expiry)
    close_sockets_of_invalid_tokens (self);
  return G_SOURCE_CONTINUE;
}

void
rd_sim_pbx_set_max_tokens (RdSimPbx *self, guint max_tokens)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  self->max_tokens = MAX (max_tokens, 1);
}

void
rd_sim_pbx_expire_tokens (RdSimPbx *self)
{
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (RD_IS_SIM_PBX (self));
  for (guint i = 0; i < self->tokens->len; i++)
    {
      SimToken *t = g_ptr_array_index (self->tokens, i);
      t->access_expiry = MIN (t->access_expiry, now);
    }
}

/* ---- replies -------------------------------------------------------------------------- */

static void
set_json (SoupServerMessage *msg, JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), obj);
  char *text = json_to_string (node, FALSE);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, strlen (text));
}

static JsonObject *
envelope (int errcode)
{
  JsonObject *obj = json_object_new ();

  json_object_set_int_member (obj, "errcode", errcode);
  json_object_set_string_member (obj, "errmsg", errcode == 0 ? "SUCCESS" : errmsg_for (errcode));
  return obj;
}

static void
reply_error (SoupServerMessage *msg, int errcode)
{
  g_autoptr(JsonObject) obj = NULL;

  if (errcode == RD_SIM_PBX_FAIL_HTTP_500)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  if (errcode == RD_SIM_PBX_FAIL_GARBAGE)
    {
      static const char garbage[] = "{\"errcode\":0,\"errmsg\":\"SUCC";
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, garbage, strlen (garbage));
      return;
    }
  obj = envelope (errcode);
  set_json (msg, obj);
}

/* ---- request context ------------------------------------------------------------------ */

typedef struct {
  RdSimPbx          *self;
  SoupServerMessage *msg;
  GHashTable        *query;
  JsonObject        *body;
} Req;

static const char *
q (Req *r, const char *key)
{
  return r->query ? g_hash_table_lookup (r->query, key) : NULL;
}

static const char *
body_string (Req *r, const char *key)
{
  JsonNode *node = r->body && json_object_has_member (r->body, key) ? json_object_get_member (r->body, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
parse_uint (const char *text, guint64 min, guint64 max, guint64 *out)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

/* page / page_size → slice bounds; FALSE when out of range (40002). */
static gboolean
paging (Req *r, guint total, guint *first, guint *count)
{
  guint64 page = 1, size = 10000;

  if (q (r, "page") && !parse_uint (q (r, "page"), 1, G_MAXUINT32, &page))
    return FALSE;
  if (q (r, "page_size") && !parse_uint (q (r, "page_size"), 1, 10000, &size))
    return FALSE;
  *first = (guint) MIN ((page - 1) * size, total);
  *count = (guint) MIN (size, total - *first);
  return TRUE;
}

static void
reply_list (Req *r, GPtrArray *items)
{
  g_autoptr(JsonObject) obj = NULL;
  JsonArray *data;
  guint first, count;

  if (!paging (r, items->len, &first, &count))
    {
      reply_error (r->msg, 40002);
      return;
    }
  obj = envelope (0);
  json_object_set_int_member (obj, "total_number", items->len);
  data = json_array_new ();
  for (guint i = first; i < first + count; i++)
    json_array_add_object_element (data, json_object_ref (g_ptr_array_index (items, i)));
  json_object_set_array_member (obj, "data", data);
  set_json (r->msg, obj);
}

/* ---- endpoints: auth -------------------------------------------------------------------- */

static void
issue_token (RdSimPbx *self, SoupServerMessage *msg)
{
  SimToken *t;
  g_autoptr(JsonObject) obj = NULL;
  gint64 now = g_get_monotonic_time ();

  if (rd_sim_pbx_count_valid_tokens (self) >= self->max_tokens)
    {
      reply_error (msg, 60002);
      return;
    }
  t = g_new0 (SimToken, 1);
  t->access = random_token ();
  t->refresh = random_token ();
  t->access_expiry = now + (gint64) self->access_s * G_USEC_PER_SEC;
  t->refresh_expiry = now + (gint64) self->refresh_s * G_USEC_PER_SEC;
  g_ptr_array_add (self->tokens, t);

  obj = envelope (0);
  json_object_set_int_member (obj, "access_token_expire_time", self->access_s);
  json_object_set_string_member (obj, "access_token", t->access);
  json_object_set_int_member (obj, "refresh_token_expire_time", self->refresh_s);
  json_object_set_string_member (obj, "refresh_token", t->refresh);
  set_json (msg, obj);
}

static void
ep_get_token (Req *r)
{
  RdSimPbx *self = r->self;

  if (self->auth_failures >= MAX_AUTH_FAILURES)
    {
      reply_error (r->msg, 70004);
      return;
    }
  if (g_strcmp0 (body_string (r, "username"), self->client_id) != 0 ||
      g_strcmp0 (body_string (r, "password"), self->secret) != 0)
    {
      /* the errcode for wrong credentials is not documented (UNCONFIRMED) */
      self->auth_failures++;
      reply_error (r->msg, self->auth_failures >= MAX_AUTH_FAILURES ? 70004 : 10005);
      return;
    }
  self->auth_failures = 0;
  issue_token (self, r->msg);
}

static void
ep_refresh_token (Req *r)
{
  RdSimPbx *self = r->self;
  const char *refresh = body_string (r, "refresh_token");
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; refresh != NULL && i < self->tokens->len; i++)
    {
      SimToken *t = g_ptr_array_index (self->tokens, i);

      if (g_strcmp0 (t->refresh, refresh) != 0)
        continue;
      if (t->revoked || t->refresh_used || now >= t->refresh_expiry)
        break;
      if (!self->refresh_revokes_old && rd_sim_pbx_count_valid_tokens (self) >= self->max_tokens)
        {
          reply_error (r->msg, 60002);   /* the pool is full; the refresh token stays usable */
          return;
        }
      t->refresh_used = TRUE;   /* a refresh token works once: the reply carries a new one */
      if (self->refresh_revokes_old)
        t->revoked = TRUE;
      issue_token (self, r->msg);
      return;
    }
  reply_error (r->msg, 10004);
}

static void
ep_del_token (Req *r)
{
  SimToken *t = find_access (r->self, q (r, "access_token"));

  if (t == NULL)
    {
      reply_error (r->msg, 10004);
      return;
    }
  t->revoked = TRUE;
  reply_error (r->msg, 0);
}

/* ---- endpoints: extensions --------------------------------------------------------------- */

SimExtension *
rd_sim_pbx_find_extension (RdSimPbx *self, const char *number)
{
  for (guint i = 0; number != NULL && i < self->extensions->len; i++)
    {
      SimExtension *e = g_ptr_array_index (self->extensions, i);

      if (g_str_equal (e->number, number))
        return e;
    }
  return NULL;
}

static void
ep_extension_list (Req *r)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < r->self->extensions->len; i++)
    {
      SimExtension *e = g_ptr_array_index (r->self->extensions, i);
      JsonObject *o = json_object_new ();

      json_object_set_int_member (o, "id", e->id);
      json_object_set_string_member (o, "number", e->number);
      json_object_set_string_member (o, "caller_id_name", e->name ? e->name : "");
      json_object_set_string_member (o, "email_addr", e->email ? e->email : "");
      json_object_set_string_member (o, "mobile_number", "");
      json_object_set_string_member (o, "role_name", "Employee");
      json_object_set_string_member (o, "presence_status", "available");
      g_ptr_array_add (items, o);
    }
  reply_list (r, items);
}

/* ---- endpoints: phonebooks and contacts ---------------------------------------------------- */

static JsonObject *
find_phonebook (RdSimPbx *self, gint64 id)
{
  for (guint i = 0; i < self->phonebooks->len; i++)
    {
      JsonObject *b = g_ptr_array_index (self->phonebooks, i);

      if (json_object_get_int_member (b, "id") == id)
        return b;
    }
  return NULL;
}

static guint
phonebook_total (RdSimPbx *self, gint64 id)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->contact_books);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GArray *books = value;

      for (guint i = 0; i < books->len; i++)
        if (g_array_index (books, gint64, i) == id)
          n++;
    }
  return n;
}

static void
ep_phonebook_list (Req *r)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < r->self->phonebooks->len; i++)
    {
      JsonObject *b = g_ptr_array_index (r->self->phonebooks, i);
      JsonObject *o = json_object_new ();
      gint64 id = json_object_get_int_member (b, "id");

      json_object_set_int_member (o, "id", id);
      json_object_set_string_member (o, "name", json_object_get_string_member (b, "name"));
      json_object_set_int_member (o, "total", phonebook_total (r->self, id));
      json_object_set_string_member (o, "member_select", "sel_specific");
      g_ptr_array_add (items, o);
    }
  reply_list (r, items);
}

gint64
rd_sim_pbx_add_phonebook (RdSimPbx *self, const char *name)
{
  JsonObject *b;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), 0);
  for (guint i = 0; i < self->phonebooks->len; i++)
    if (g_strcmp0 (json_object_get_string_member (g_ptr_array_index (self->phonebooks, i), "name"), name) == 0)
      return 0;
  b = json_object_new ();
  json_object_set_int_member (b, "id", self->next_id++);
  json_object_set_string_member (b, "name", name);
  g_ptr_array_add (self->phonebooks, b);
  return json_object_get_int_member (b, "id");
}

static void
ep_phonebook_create (Req *r)
{
  const char *name = body_string (r, "name");
  g_autoptr(JsonObject) obj = NULL;
  gint64 id;

  if (name == NULL || *name == '\0')
    {
      reply_error (r->msg, 40002);
      return;
    }
  id = rd_sim_pbx_add_phonebook (r->self, name);
  if (id == 0)
    {
      reply_error (r->msg, 40003);
      return;
    }
  obj = envelope (0);
  json_object_set_int_member (obj, "id", id);
  set_json (r->msg, obj);
}

static RdPbxContact *
find_contact (RdSimPbx *self, gint64 id)
{
  for (guint i = 0; i < self->contacts->len; i++)
    {
      RdPbxContact *c = g_ptr_array_index (self->contacts, i);

      if (c->id == id)
        return c;
    }
  return NULL;
}

static const char *flat_names[][2] = {
  { "business_number", "business" }, { "business_number2", "business2" }, { "business_fax", "business_fax" },
  { "mobile_number", "mobile" }, { "mobile_number2", "mobile2" }, { "home_number", "home" },
  { "home_number2", "home2" }, { "home_fax", "home_fax" }, { "other_number", "other" },
};

static const char *
flat_name (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (flat_names); i++)
    if (g_strcmp0 (type, flat_names[i][0]) == 0)
      return flat_names[i][1];
  return NULL;
}

/* Validates and applies a create/update body. Returns an errcode. */
static int
apply_contact (RdSimPbx *self, JsonObject *body, RdPbxContact *c, gboolean create)
{
  JsonArray *numbers = json_object_has_member (body, "number_list") &&
                       JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "number_list"))
                         ? json_object_get_array_member (body, "number_list") : NULL;
  JsonArray *books = json_object_has_member (body, "phonebook_id_list") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "phonebook_id_list"))
                       ? json_object_get_array_member (body, "phonebook_id_list") : NULL;
  static const char *fields[] = { "first_name", "last_name", "company", "email", "remark" };
  Req fake = { .body = body };

  if (create && (body_string (&fake, "first_name") == NULL || *body_string (&fake, "first_name") == '\0'))
    return 40002;
  if (create && (numbers == NULL || json_array_get_length (numbers) == 0))
    return 40002;
  if (json_object_has_member (body, "number_list") && numbers == NULL)
    return 40002;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *v = body_string (&fake, fields[i]);

      if (json_object_has_member (body, fields[i]) && v == NULL)
        return 40002;
      if (v != NULL && g_utf8_strlen (v, -1) > 255)
        return 40002;
    }
  for (guint i = 0; numbers != NULL && i < json_array_get_length (numbers); i++)
    {
      JsonNode *n = json_array_get_element (numbers, i);
      Req nr;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        return 40002;
      nr = (Req) { .body = json_node_get_object (n) };
      if (flat_name (body_string (&nr, "num_type")) == NULL || body_string (&nr, "number") == NULL ||
          *body_string (&nr, "number") == '\0' || strlen (body_string (&nr, "number")) > 31)
        return 40002;
    }
  for (guint i = 0; books != NULL && i < json_array_get_length (books); i++)
    {
      JsonNode *n = json_array_get_element (books, i);

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
        return 40002;
      if (find_phonebook (self, json_node_get_int (n)) == NULL)
        return 70093;
    }

  /* valid: apply */
  if (body_string (&fake, "first_name")) { g_free (c->first_name); c->first_name = g_strdup (body_string (&fake, "first_name")); }
  if (body_string (&fake, "last_name")) { g_free (c->last_name); c->last_name = g_strdup (body_string (&fake, "last_name")); }
  if (body_string (&fake, "company")) { g_free (c->company); c->company = g_strdup (body_string (&fake, "company")); }
  if (body_string (&fake, "email")) { g_free (c->email); c->email = g_strdup (body_string (&fake, "email")); }
  if (body_string (&fake, "remark")) { g_free (c->remark); c->remark = g_strdup (body_string (&fake, "remark")); }
  if (numbers != NULL)
    {
      /* update replaces the whole list (one reading of an UNCONFIRMED point; clients send it all) */
      g_ptr_array_set_size (c->numbers, 0);
      for (guint i = 0; i < json_array_get_length (numbers); i++)
        {
          Req nr = { .body = json_array_get_object_element (numbers, i) };
          rd_pbx_contact_add_number (c, body_string (&nr, "num_type"), body_string (&nr, "number"));
        }
    }
  if (books != NULL)
    {
      GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 *key = g_new (gint64, 1);

      for (guint i = 0; i < json_array_get_length (books); i++)
        {
          gint64 id = json_array_get_int_element (books, i);
          g_array_append_val (ids, id);
        }
      *key = c->id;
      g_hash_table_replace (self->contact_books, key, ids);
    }
  return 0;
}

static void
ep_contact_create (Req *r)
{
  g_autoptr(RdPbxContact) c = rd_pbx_contact_new ();
  g_autoptr(JsonObject) obj = NULL;
  int errcode;

  if (r->body == NULL)
    {
      reply_error (r->msg, 40001);
      return;
    }
  c->id = r->self->next_id;
  errcode = apply_contact (r->self, r->body, c, TRUE);
  if (errcode != 0)
    {
      reply_error (r->msg, errcode);
      return;
    }
  r->self->next_id++;
  obj = envelope (0);
  json_object_set_int_member (obj, "id", c->id);
  g_ptr_array_add (r->self->contacts, g_steal_pointer (&c));
  set_json (r->msg, obj);
}

static void
ep_contact_update (Req *r)
{
  JsonNode *idn = r->body && json_object_has_member (r->body, "id") ? json_object_get_member (r->body, "id") : NULL;
  RdPbxContact *c;
  int errcode;

  if (idn == NULL || !JSON_NODE_HOLDS_VALUE (idn) || json_node_get_value_type (idn) != G_TYPE_INT64)
    {
      reply_error (r->msg, 40002);
      return;
    }
  c = find_contact (r->self, json_node_get_int (idn));
  if (c == NULL)
    {
      reply_error (r->msg, 70128);
      return;
    }
  errcode = apply_contact (r->self, r->body, c, FALSE);
  reply_error (r->msg, errcode);
}

static JsonObject *
contact_list_item (RdSimPbx *self, const RdPbxContact *c)
{
  JsonObject *o = json_object_new ();
  g_autofree char *name = g_strjoin (" ", c->first_name ? c->first_name : "", c->last_name ? c->last_name : "", NULL);
  GArray *books = g_hash_table_lookup (self->contact_books, &c->id);
  JsonArray *list = json_array_new ();

  json_object_set_int_member (o, "id", c->id);
  json_object_set_string_member (o, "contact_name", g_strstrip (name));
  json_object_set_string_member (o, "company", c->company ? c->company : "");
  json_object_set_string_member (o, "email", c->email ? c->email : "");
  json_object_set_string_member (o, "remark", c->remark ? c->remark : "");
  for (guint i = 0; i < G_N_ELEMENTS (flat_names); i++)
    json_object_set_string_member (o, flat_names[i][1], "");
  for (guint i = 0; i < c->numbers->len; i++)
    {
      RdPbxContactNumber *n = g_ptr_array_index (c->numbers, i);
      json_object_set_string_member (o, flat_name (n->type), n->number);
    }
  for (guint i = 0; books != NULL && i < books->len; i++)
    {
      JsonObject *b = find_phonebook (self, g_array_index (books, gint64, i));
      JsonObject *e = json_object_new ();

      json_object_set_int_member (e, "id", g_array_index (books, gint64, i));
      json_object_set_string_member (e, "name", b ? json_object_get_string_member (b, "name") : "");
      json_array_add_object_element (list, e);
    }
  json_object_set_array_member (o, "phonebook_list", list);
  return o;
}

static gboolean
contains_ci (const char *haystack, const char *needle)
{
  g_autofree char *h = haystack ? g_utf8_casefold (haystack, -1) : NULL;
  g_autofree char *n = g_utf8_casefold (needle, -1);

  return h != NULL && strstr (h, n) != NULL;
}

static void
ep_contact_search (Req *r, gboolean search)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  const char *text = q (r, "search_value");

  if (search && (text == NULL || *text == '\0'))
    {
      reply_error (r->msg, 40002);
      return;
    }
  for (guint i = 0; i < r->self->contacts->len; i++)
    {
      RdPbxContact *c = g_ptr_array_index (r->self->contacts, i);
      gboolean match = !search || contains_ci (c->first_name, text) || contains_ci (c->last_name, text) ||
                       contains_ci (c->company, text) || contains_ci (c->email, text);

      for (guint j = 0; !match && j < c->numbers->len; j++)
        match = contains_ci (((RdPbxContactNumber *) g_ptr_array_index (c->numbers, j))->number, text);
      if (match)
        g_ptr_array_add (items, contact_list_item (r->self, c));
    }
  reply_list (r, items);
}

GPtrArray *
rd_sim_pbx_list_contacts (RdSimPbx *self, gint64 phonebook_id)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_pbx_contact_free);

  g_return_val_if_fail (RD_IS_SIM_PBX (self), out);
  for (guint i = 0; i < self->contacts->len; i++)
    {
      RdPbxContact *c = g_ptr_array_index (self->contacts, i);
      GArray *books = g_hash_table_lookup (self->contact_books, &c->id);
      gboolean member = phonebook_id <= 0;
      RdPbxContact *copy;

      for (guint j = 0; !member && books != NULL && j < books->len; j++)
        member = g_array_index (books, gint64, j) == phonebook_id;
      if (!member)
        continue;
      copy = rd_pbx_contact_new ();
      copy->id = c->id;
      copy->first_name = g_strdup (c->first_name);
      copy->last_name = g_strdup (c->last_name);
      copy->company = g_strdup (c->company);
      copy->email = g_strdup (c->email);
      copy->remark = g_strdup (c->remark);
      for (guint j = 0; j < c->numbers->len; j++)
        {
          RdPbxContactNumber *n = g_ptr_array_index (c->numbers, j);
          rd_pbx_contact_add_number (copy, n->type, n->number);
        }
      g_ptr_array_add (out, copy);
    }
  return out;
}

/* ---- endpoints: CDR and calls ------------------------------------------------------------ */

static gboolean
parse_time_param (RdSimPbx *self, const char *text, gint64 *out)
{
  guint64 v;
  int y, mo, d, h, mi, s;
  g_autoptr(GDateTime) dt = NULL;

  if (parse_uint (text, 0, G_MAXINT64, &v))
    {
      *out = (gint64) v;
      return TRUE;
    }
  if (text == NULL || sscanf (text, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
    return FALSE;
  dt = g_date_time_new (self->tz, y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  *out = g_date_time_to_unix (dt);
  return TRUE;
}

static int
cdr_newest_first (gconstpointer a, gconstpointer b)
{
  const SimCdr *ca = *(SimCdr * const *) a, *cb = *(SimCdr * const *) b;

  return (ca->id < cb->id) - (ca->id > cb->id);
}

static void
ep_cdr_search (Req *r)
{
  g_autoptr(GPtrArray) matched = g_ptr_array_new ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 from = 0, to = G_MAXINT64;

  if ((q (r, "start_time") && !parse_time_param (r->self, q (r, "start_time"), &from)) ||
      (q (r, "end_time") && !parse_time_param (r->self, q (r, "end_time"), &to)))
    {
      reply_error (r->msg, 40002);
      return;
    }
  for (guint i = 0; i < r->self->cdrs->len; i++)
    {
      SimCdr *c = g_ptr_array_index (r->self->cdrs, i);

      if (c->start_unix >= from && c->start_unix <= to)
        g_ptr_array_add (matched, c);
    }
  g_ptr_array_sort (matched, cdr_newest_first);
  for (guint i = 0; i < matched->len; i++)
    g_ptr_array_add (items, rd_sim_pbx_cdr_row (r->self, g_ptr_array_index (matched, i)));
  reply_list (r, items);
}

static void on_delayed_gone (SoupServerMessage *msg, gpointer user_data);
static gboolean unpause (gpointer data);

/* The member list of a call as the PBX has it now; a list where every member hung up
 * (BYE), or NULL, means the call is over. Kept whether events are pushed or not. */
void
rd_sim_pbx_set_call_members (RdSimPbx *self, const char *call_id, JsonArray *members)
{
  gboolean live = FALSE;

  for (guint i = 0; members != NULL && i < json_array_get_length (members); i++)
    {
      JsonObject *wrapper = json_array_get_object_element (members, i);
      GList *kinds = json_object_get_members (wrapper);
      JsonObject *m = kinds ? json_object_get_object_member (wrapper, kinds->data) : NULL;

      if (m != NULL && g_strcmp0 (json_object_get_string_member_with_default (m, "member_status", ""), "BYE") != 0)
        live = TRUE;
      g_list_free (kinds);
    }
  if (live)
    g_hash_table_replace (self->active_calls, g_strdup (call_id), json_array_ref (members));
  else
    g_hash_table_remove (self->active_calls, call_id);
}

guint
rd_sim_pbx_count_active_calls (RdSimPbx *self)
{
  g_return_val_if_fail (RD_IS_SIM_PBX (self), 0);
  return g_hash_table_size (self->active_calls);
}

void
rd_sim_pbx_set_call_query_gone (RdSimPbx *self, int errcode)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  self->query_gone = errcode;
}

/* GET call/query?call_id=… → data:[{call_id, members}] for an active call. Without
 * call_id: every active call. */
static void
ep_call_query (Req *r)
{
  const char *call_id = q (r, "call_id");
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  if (r->self->query_gone == 10001)
    {
      reply_error (r->msg, 10001);
      return;
    }
  g_hash_table_iter_init (&iter, r->self->active_calls);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *o;

      if (call_id != NULL && !g_str_equal (call_id, key))
        continue;
      o = json_object_new ();
      json_object_set_string_member (o, "call_id", key);
      json_object_set_array_member (o, "members", json_array_ref (value));
      g_ptr_array_add (items, o);
    }
  if (items->len == 0 && call_id != NULL && r->self->query_gone != 0)
    {
      reply_error (r->msg, r->self->query_gone);
      return;
    }
  reply_list (r, items);
}

static void
ep_call_dial (Req *r)
{
  const char *caller = body_string (r, "caller");
  const char *callee = body_string (r, "callee");
  g_autofree char *call_id = NULL;
  g_autoptr(JsonObject) obj = NULL;

  if (caller == NULL || *caller == '\0' || callee == NULL || *callee == '\0')
    {
      reply_error (r->msg, 40002);
      return;
    }
  call_id = rd_sim_pbx_new_call_id (r->self);
  obj = envelope (0);
  json_object_set_string_member (obj, "call_id", call_id);
  set_json (r->msg, obj);
  if (r->self->dial_event_first && r->self->delay_ms == 0)
    {
      /* the caller's leg goes out now, the reply after it */
      soup_server_message_pause (r->msg);
      g_signal_connect (r->msg, "disconnected", G_CALLBACK (on_delayed_gone), NULL);
      g_signal_connect (r->msg, "finished", G_CALLBACK (on_delayed_gone), NULL);
      g_timeout_add (150, unpause, g_object_ref (r->msg));
    }
  rd_sim_pbx_handle_dial (r->self, caller, callee, call_id);
}

void
rd_sim_pbx_set_dial_caller_leg (RdSimPbx *self, const char *member_status, gboolean event_first)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  g_return_if_fail (g_strcmp0 (member_status, "RING") == 0 || g_strcmp0 (member_status, "ALERT") == 0);
  g_free (self->dial_caller_status);
  self->dial_caller_status = g_strdup (member_status);
  self->dial_event_first = event_first;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

typedef struct {
  const char *endpoint;
  const char *method;
  gboolean    needs_token;
  void      (*handler) (Req *r);
} Endpoint;

static void ep_contact_list (Req *r) { ep_contact_search (r, FALSE); }
static void ep_contact_search_v (Req *r) { ep_contact_search (r, TRUE); }

static const Endpoint endpoints[] = {
  { "get_token", "POST", FALSE, ep_get_token },
  { "refresh_token", "POST", FALSE, ep_refresh_token },
  { "del_token", "GET", TRUE, ep_del_token },
  { "extension/list", "GET", TRUE, ep_extension_list },
  { "phonebook/list", "GET", TRUE, ep_phonebook_list },
  { "phonebook/create", "POST", TRUE, ep_phonebook_create },
  { "company_contact/create", "POST", TRUE, ep_contact_create },
  { "company_contact/update", "POST", TRUE, ep_contact_update },
  { "company_contact/list", "GET", TRUE, ep_contact_list },
  { "company_contact/search", "GET", TRUE, ep_contact_search_v },
  { "cdr/search", "GET", TRUE, ep_cdr_search },
  { "call/dial", "POST", TRUE, ep_call_dial },
  { "call/query", "GET", TRUE, ep_call_query },
};

static void
count_request (RdSimPbx *self, const char *endpoint)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->request_counts, endpoint));

  g_hash_table_replace (self->request_counts, g_strdup (endpoint), GUINT_TO_POINTER (n + 1));
}

guint
rd_sim_pbx_count_requests (RdSimPbx *self, const char *endpoint)
{
  g_return_val_if_fail (RD_IS_SIM_PBX (self), 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->request_counts, endpoint));
}

/* A queued failure for @endpoint, or 0. */
static int
take_failure (RdSimPbx *self, const char *endpoint)
{
  FailRule *rule = g_hash_table_lookup (self->fail_rules, endpoint);
  int errcode;

  if (rule == NULL)
    return 0;
  errcode = rule->errcode;
  if (--rule->count == 0)
    g_hash_table_remove (self->fail_rules, endpoint);
  return errcode;
}

static void
on_delayed_gone (SoupServerMessage *msg, gpointer user_data)
{
  g_object_set_data (G_OBJECT (msg), "rd-gone", GINT_TO_POINTER (1));
}

static gboolean
unpause (gpointer data)
{
  SoupServerMessage *msg = data;

  /* the client may have given up (timeout) and closed the connection meanwhile */
  if (g_object_get_data (G_OBJECT (msg), "rd-gone") == NULL)
    soup_server_message_unpause (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
handle_api (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  RdSimPbx *self = user_data;
  const char *ua = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "User-Agent");
  const char *method = soup_server_message_get_method (msg);
  const char *endpoint = g_str_has_prefix (path, API_PREFIX) ? path + strlen (API_PREFIX) : NULL;
  const Endpoint *ep = NULL;
  g_autoptr(JsonObject) body = NULL;
  Req r = { self, msg, query, NULL };
  int failure;

  if (self->delay_ms > 0)
    {
      soup_server_message_pause (msg);
      g_signal_connect (msg, "disconnected", G_CALLBACK (on_delayed_gone), NULL);
      g_signal_connect (msg, "finished", G_CALLBACK (on_delayed_gone), NULL);
      g_timeout_add (self->delay_ms, unpause, g_object_ref (msg));
    }
  if (ua == NULL || *ua == '\0')
    {
      reply_error (msg, 40002);
      return;
    }
  for (guint i = 0; endpoint != NULL && i < G_N_ELEMENTS (endpoints); i++)
    if (g_str_equal (endpoints[i].endpoint, endpoint))
      ep = &endpoints[i];
  if (ep == NULL || g_strcmp0 (method, ep->method) != 0)
    {
      reply_error (msg, 10001);
      return;
    }
  count_request (self, ep->endpoint);
  if ((failure = take_failure (self, ep->endpoint)) != 0)
    {
      reply_error (msg, failure);
      return;
    }
  /* the token travels as a query parameter only; Authorization headers are ignored */
  if (ep->needs_token && find_access (self, query ? g_hash_table_lookup (query, "access_token") : NULL) == NULL)
    {
      reply_error (msg, 10004);
      return;
    }
  if (g_str_equal (ep->method, "POST"))
    {
      SoupMessageBody *req_body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (req_body);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          reply_error (msg, 40001);
          return;
        }
      body = json_object_ref (json_node_get_object (root));
      r.body = body;
    }
  ep->handler (&r);
}

/* ---- event socket ---------------------------------------------------------------------------- */

static gboolean
on_socket_idle (gpointer user_data)
{
  SimSocket *s = user_data;

  s->idle_id = 0;
  g_ptr_array_remove (s->owner->sockets, s);   /* closes it */
  return G_SOURCE_REMOVE;
}

static void
socket_touch (SimSocket *s)
{
  g_clear_handle_id (&s->idle_id, g_source_remove);
  s->idle_id = g_timeout_add (s->owner->idle_ms, on_socket_idle, s);
}

static void
send_text (SimSocket *s, const char *text)
{
  if (soup_websocket_connection_get_state (s->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (s->conn, text);
}

static void
on_socket_message (SoupWebsocketConnection *conn, gint type, GBytes *bytes, gpointer user_data)
{
  SimSocket *s = user_data;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = g_strndup (data, len);
  JsonNode *root, *list;

  socket_touch (s);
  if (s->owner->unresponsive)
    return;
  if (g_str_equal (text, "heartbeat"))
    {
      send_text (s, "heartbeat response");
      return;
    }
  if (json_parser_load_from_data (parser, text, -1, NULL) && (root = json_parser_get_root (parser)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "topic_list") &&
      JSON_NODE_HOLDS_ARRAY (list = json_object_get_member (json_node_get_object (root), "topic_list")))
    {
      JsonArray *topics = json_node_get_array (list);
      g_autoptr(GArray) parsed = g_array_new (FALSE, FALSE, sizeof (int));

      for (guint i = 0; i < json_array_get_length (topics); i++)
        {
          JsonNode *t = json_array_get_element (topics, i);
          int v;

          if (!JSON_NODE_HOLDS_VALUE (t) || json_node_get_value_type (t) != G_TYPE_INT64)
            {
              send_text (s, "{\"errcode\":40002,\"errmsg\":\"PARAMETER ERROR\"}");
              return;
            }
          v = (int) json_node_get_int (t);
          g_array_append_val (parsed, v);
        }
      g_array_set_size (s->topics, 0);
      g_array_append_vals (s->topics, parsed->data, parsed->len);
      send_text (s, "{\"errcode\":0,\"errmsg\":\"SUCCESS\"}");
      return;
    }
  send_text (s, "{\"errcode\":40002,\"errmsg\":\"PARAMETER ERROR\"}");
}

static void
on_socket_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  SimSocket *s = user_data;

  g_ptr_array_remove (s->owner->sockets, s);
}

static void
handle_subscribe_check (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                        gpointer user_data)
{
  RdSimPbx *self = user_data;
  const char *ua = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "User-Agent");
  int failure;

  count_request (self, "subscribe");
  if (ua == NULL || *ua == '\0')
    reply_error (msg, 40002);
  else if ((failure = take_failure (self, "subscribe")) != 0)
    reply_error (msg, failure);
  else if (find_access (self, query ? g_hash_table_lookup (query, "access_token") : NULL) == NULL)
    reply_error (msg, 10004);
  /* else: leave the status unset so that the WebSocket upgrade goes ahead */
}

static void
handle_subscribe (SoupServer *server, SoupServerMessage *msg, const char *path,
                  SoupWebsocketConnection *conn, gpointer user_data)
{
  RdSimPbx *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(GHashTable) query = g_uri_get_query (uri) ? soup_form_decode (g_uri_get_query (uri)) : NULL;
  SimSocket *s = g_new0 (SimSocket, 1);

  s->owner = self;
  s->conn = g_object_ref (conn);
  s->token = g_strdup (query ? g_hash_table_lookup (query, "access_token") : NULL);
  s->topics = g_array_new (FALSE, FALSE, sizeof (int));
  g_object_set (conn, "max-incoming-payload-size", (guint64) 65536, NULL);
  g_signal_connect (conn, "message", G_CALLBACK (on_socket_message), s);
  g_signal_connect (conn, "closed", G_CALLBACK (on_socket_closed), s);
  g_ptr_array_add (self->sockets, s);
  socket_touch (s);
}

guint
rd_sim_pbx_count_sockets (RdSimPbx *self)
{
  guint n = 0;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), 0);
  for (guint i = 0; i < self->sockets->len; i++)
    if (((SimSocket *) g_ptr_array_index (self->sockets, i))->topics->len > 0)
      n++;
  return n;
}

static gboolean
has_topic (SimSocket *s, int type)
{
  for (guint i = 0; i < s->topics->len; i++)
    if (g_array_index (s->topics, int, i) == type)
      return TRUE;
  return FALSE;
}

void
rd_sim_pbx_push_event (RdSimPbx *self, int type, JsonObject *msg)
{
  g_autoptr(JsonObject) frame = json_object_new ();
  g_autoptr(JsonNode) msg_node = json_node_init_object (json_node_alloc (), msg);
  g_autoptr(JsonNode) frame_node = NULL;
  g_autofree char *text = NULL;

  if (self->events_paused || self->unresponsive)
    return;
  json_object_set_int_member (frame, "type", type);
  if (type != 30022)
    json_object_set_string_member (frame, "sn", "3631A2124SIM");
  if (self->msg_as_object)
    json_object_set_object_member (frame, "msg", json_object_ref (msg));
  else
    {
      g_autofree char *inner = json_to_string (msg_node, FALSE);
      json_object_set_string_member (frame, "msg", inner);
    }
  frame_node = json_node_init_object (json_node_alloc (), frame);
  text = json_to_string (frame_node, FALSE);
  g_signal_emit (self, signals[SIGNAL_EVENT_PUSHED], 0, type,
                 json_object_get_string_member_with_default (msg, "call_id", NULL));
  for (guint i = 0; i < self->sockets->len; i++)
    {
      SimSocket *s = g_ptr_array_index (self->sockets, i);

      if (has_topic (s, type))
        send_text (s, text);
    }
}

void
rd_sim_pbx_send_raw (RdSimPbx *self, const char *frame)
{
  g_autoptr(GBytes) bytes = NULL;
  SoupWebsocketDataType type;

  g_return_if_fail (RD_IS_SIM_PBX (self));
  /* WebSocket text frames must be UTF-8 (libsoup enforces it): anything else goes
   * out as a binary frame, which the PBX never sends either */
  bytes = g_bytes_new (frame, strlen (frame));
  type = g_utf8_validate (frame, -1, NULL) ? SOUP_WEBSOCKET_DATA_TEXT : SOUP_WEBSOCKET_DATA_BINARY;
  for (guint i = 0; i < self->sockets->len; i++)
    {
      SimSocket *s = g_ptr_array_index (self->sockets, i);

      if (soup_websocket_connection_get_state (s->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_message (s->conn, type, bytes);
    }
}

void
rd_sim_pbx_set_unresponsive (RdSimPbx *self, gboolean unresponsive)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  self->unresponsive = unresponsive;
}

void
rd_sim_pbx_drop_sockets (RdSimPbx *self)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  g_ptr_array_set_size (self->sockets, 0);
}

/* ---- start ------------------------------------------------------------------------------------- */

static gboolean
start_common (RdSimPbx *self, GTlsCertificate *cert, GError **error)
{
  g_autoptr(GInetAddress) addr = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (addr, 0);
  GSList *uris;
  GUri *uri;

  g_return_val_if_fail (RD_IS_SIM_PBX (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  self->server = soup_server_new ("server-header", NULL, "tls-certificate", cert, NULL);
  rd_http_server_close_after_response (self->server);
  soup_server_add_handler (self->server, "/openapi", handle_api, self, NULL);
  soup_server_add_handler (self->server, API_PREFIX "subscribe", handle_subscribe_check, self, NULL);
  soup_server_add_websocket_handler (self->server, API_PREFIX "subscribe", NULL, NULL, handle_subscribe, self, NULL);
  if (!soup_server_listen (self->server, sa, cert ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  uris = soup_server_get_uris (self->server);
  uri = uris->data;
  self->base_url = g_strdup_printf ("%s://127.0.0.1:%d", cert ? "https" : "http", g_uri_get_port (uri));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->tick_id = g_timeout_add (100, on_tick, self);
  return TRUE;
}

gboolean
rd_sim_pbx_start (RdSimPbx *self, GError **error)
{
  return start_common (self, NULL, error);
}

gboolean
rd_sim_pbx_start_tls (RdSimPbx *self, GTlsCertificate *certificate, GError **error)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  return start_common (self, certificate, error);
}

const char *
rd_sim_pbx_get_base_url (RdSimPbx *self)
{
  g_return_val_if_fail (RD_IS_SIM_PBX (self), NULL);
  return self->base_url;
}

/* ---- configuration ---------------------------------------------------------------------------- */

void
rd_sim_pbx_set_credentials (RdSimPbx *self, const char *client_id, const char *secret)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  g_free (self->client_id);
  g_free (self->secret);
  self->client_id = g_strdup (client_id);
  self->secret = g_strdup (secret);
}

void
rd_sim_pbx_set_token_lifetimes (RdSimPbx *self, guint access_s, guint refresh_s)
{
  g_return_if_fail (RD_IS_SIM_PBX (self));
  self->access_s = MAX (access_s, 1);
  self->refresh_s = MAX (refresh_s, 1);
}

void
rd_sim_pbx_add_extension (RdSimPbx *self, const char *number, const char *name, const char *email)
{
  SimExtension *e;

  g_return_if_fail (RD_IS_SIM_PBX (self));
  g_return_if_fail (number != NULL);
  e = rd_sim_pbx_find_extension (self, number);
  if (e == NULL)
    {
      e = g_new0 (SimExtension, 1);
      e->number = g_strdup (number);
      e->id = self->next_id++;
      e->can_dial = TRUE;
      g_ptr_array_add (self->extensions, e);
    }
  g_free (e->name);
  g_free (e->email);
  e->name = g_strdup (name);
  e->email = g_strdup (email);
  if (self->server != NULL)
    {
      g_autoptr(JsonObject) msg = json_object_new ();

      json_object_set_string_member (msg, "ext_number", number);
      json_object_set_string_member (msg, "option", "UPDATE");
      rd_sim_pbx_push_event (self, 30022, msg);
    }
}

void
rd_sim_pbx_fail_next (RdSimPbx *self, const char *endpoint, int errcode, guint count)
{
  FailRule *rule;

  g_return_if_fail (RD_IS_SIM_PBX (self));
  if (count == 0 || errcode == 0)
    {
      g_hash_table_remove (self->fail_rules, endpoint);
      return;
    }
  rule = g_new0 (FailRule, 1);
  rule->errcode = errcode;
  rule->count = count;
  g_hash_table_replace (self->fail_rules, g_strdup (endpoint), rule);
}

void rd_sim_pbx_set_delay (RdSimPbx *self, guint ms) { self->delay_ms = ms; }
void rd_sim_pbx_set_events_paused (RdSimPbx *self, gboolean paused) { self->events_paused = paused; }
void rd_sim_pbx_set_msg_as_object (RdSimPbx *self, gboolean as_object) { self->msg_as_object = as_object; }
void rd_sim_pbx_set_idle_timeout (RdSimPbx *self, guint ms) { self->idle_ms = MAX (ms, 10); }
void rd_sim_pbx_set_close_sockets_on_token_expiry (RdSimPbx *self, gboolean close) { self->close_on_expiry = close; }
void rd_sim_pbx_set_refresh_revokes_old (RdSimPbx *self, gboolean revokes) { self->refresh_revokes_old = revokes; }
void rd_sim_pbx_set_cdr_time_scale (RdSimPbx *self, guint factor) { self->cdr_scale = MAX (factor, 1); }

void
rd_sim_pbx_set_cdr_fields (RdSimPbx *self, gboolean with_uid, gboolean rows_with_call_id)
{
  self->cdr_with_uid = with_uid;
  self->rows_with_call_id = rows_with_call_id;
}

void
rd_sim_pbx_set_time_zone (RdSimPbx *self, GTimeZone *tz)
{
  g_return_if_fail (tz != NULL);
  g_time_zone_unref (self->tz);
  self->tz = g_time_zone_ref (tz);
}

void
rd_sim_pbx_set_busy_number (RdSimPbx *self, const char *number)
{
  g_hash_table_add (self->busy_numbers, g_strdup (number));
}

void
rd_sim_pbx_set_unreachable_number (RdSimPbx *self, const char *number)
{
  g_hash_table_add (self->unreachable_numbers, g_strdup (number));
}

void
rd_sim_pbx_deny_dial_permission (RdSimPbx *self, const char *extension)
{
  SimExtension *e = rd_sim_pbx_find_extension (self, extension);

  if (e != NULL)
    e->can_dial = FALSE;
}

void
rd_sim_pbx_set_dial_timings (RdSimPbx *self, guint ring_ms, guint talk_ms)
{
  self->dial_ring_ms = ring_ms;
  self->dial_talk_ms = talk_ms;
}

guint
rd_sim_pbx_count_cdrs (RdSimPbx *self)
{
  g_return_val_if_fail (RD_IS_SIM_PBX (self), 0);
  return self->cdrs->len;
}

void
rd_sim_pbx_emit_call_finished (RdSimPbx *self, const char *call_id)
{
  g_signal_emit (self, signals[SIGNAL_CALL_FINISHED], 0, call_id);
}
