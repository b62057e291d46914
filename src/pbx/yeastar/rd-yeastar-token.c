/* rd-yeastar-token.c — access token lifecycle. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-token.h"

#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-json.h"

#define MAX_RETIRE_DELAY_MS 5000
#define STATE_VERSION 1
#define MAX_LIFETIME_S (366 * 24 * 3600)

struct _RdYeastarToken
{
  GObject          parent_instance;

  RdYeastarClient *client;
  char            *client_id;
  char            *client_secret;
  double           fraction;

  char            *access;
  char            *refresh;
  gint64           access_expiry;   /* monotonic µs */
  gint64           refresh_expiry;
  gint64           access_lifetime; /* s, as the PBX gave it */
  gboolean         stale;

  gboolean         in_flight;
  GTask           *revoke_pending;  /* a revoke waiting for the token request in flight */
  GQueue           waiters;         /* GTask */
  GCancellable    *cancellable;     /* in-flight requests; cancelled on revoke/dispose */
  guint            refresh_source;
  GPtrArray       *retiring;        /* superseded access tokens awaiting del_token */
  guint            retire_source;
};

G_DEFINE_FINAL_TYPE (RdYeastarToken, rd_yeastar_token, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_STATE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void acquire (RdYeastarToken *self);

static void
rd_yeastar_token_dispose (GObject *object)
{
  RdYeastarToken *self = RD_YEASTAR_TOKEN (object);
  GTask *task;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->retire_source, g_source_remove);
  if (self->revoke_pending != NULL)
    {
      g_task_return_new_error (self->revoke_pending, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Token manager disposed");
      g_clear_object (&self->revoke_pending);
    }
  while ((task = g_queue_pop_head (&self->waiters)) != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Token manager disposed");
      g_object_unref (task);
    }
  g_clear_object (&self->client);
  G_OBJECT_CLASS (rd_yeastar_token_parent_class)->dispose (object);
}

static void
rd_yeastar_token_finalize (GObject *object)
{
  RdYeastarToken *self = RD_YEASTAR_TOKEN (object);

  g_free (self->client_id);
  g_free (self->client_secret);
  g_free (self->access);
  g_free (self->refresh);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->retiring, g_ptr_array_unref);
  G_OBJECT_CLASS (rd_yeastar_token_parent_class)->finalize (object);
}

static void
rd_yeastar_token_class_init (RdYeastarTokenClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_yeastar_token_dispose;
  object_class->finalize = rd_yeastar_token_finalize;

  /* A new access token replaced the previous one (refresh or re-login). */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* What rd_yeastar_token_dup_state() returns changed: keep it (a new token, one retired). */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_yeastar_token_init (RdYeastarToken *self)
{
  self->fraction = 0.8;
  self->cancellable = g_cancellable_new ();
  self->retiring = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&self->waiters);
}

RdYeastarToken *
rd_yeastar_token_new (RdYeastarClient *client, const char *client_id, const char *client_secret)
{
  RdYeastarToken *self;

  g_return_val_if_fail (RD_IS_YEASTAR_CLIENT (client), NULL);

  self = g_object_new (RD_TYPE_YEASTAR_TOKEN, NULL);
  self->client = g_object_ref (client);
  self->client_id = g_strdup (client_id ? client_id : "");
  self->client_secret = g_strdup (client_secret ? client_secret : "");
  return self;
}

void
rd_yeastar_token_set_refresh_fraction (RdYeastarToken *self, double fraction)
{
  g_return_if_fail (RD_IS_YEASTAR_TOKEN (self));
  self->fraction = CLAMP (fraction, 0.1, 0.95);
}

static gboolean
access_usable (RdYeastarToken *self)
{
  /* keep a second of margin: a token about to expire is as good as expired */
  return self->access != NULL && !self->stale &&
         g_get_monotonic_time () + G_USEC_PER_SEC / 2 < self->access_expiry;
}

static void
finish_waiters (RdYeastarToken *self, const GError *error)
{
  GQueue waiters = self->waiters;
  GTask *task;

  g_queue_init (&self->waiters);
  while ((task = g_queue_pop_head (&waiters)) != NULL)
    {
      if (!g_task_return_error_if_cancelled (task))
        {
          if (error != NULL)
            g_task_return_error (task, g_error_copy (error));
          else
            g_task_return_pointer (task, g_strdup (self->access), g_free);
        }
      g_object_unref (task);
    }
}

/* ---- retiring superseded tokens -------------------------------------------- */

/* A del_token that did not reach the PBX leaves the token valid there: it stays in
 * the state to be retired by whoever takes that state over. An expired or unknown
 * token (10004) is gone anyway. */
static gboolean
token_may_live_on (int errcode)
{
  return errcode != RD_YEASTAR_ERRCODE_TOKEN_EXPIRED;
}

typedef struct {
  RdYeastarToken *self;
  char           *token;
} Retiring;

static void
on_del_token_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Retiring *r = user_data;
  g_autoptr(GError) error = NULL;
  int errcode = 0;
  g_autoptr(JsonObject) reply = rd_yeastar_client_call_finish (RD_YEASTAR_CLIENT (source), res, &errcode, &error);

  if (reply == NULL)
    g_debug ("del_token: %s", error->message);
  if (reply == NULL && token_may_live_on (errcode) && r->self->retiring != NULL)
    {
      g_ptr_array_add (r->self->retiring, g_steal_pointer (&r->token));
      g_signal_emit (r->self, signals[SIGNAL_STATE_CHANGED], 0);
    }
  g_object_unref (r->self);
  g_free (r->token);
  g_free (r);
}

static void
del_token (RdYeastarToken *self, char *token, GCancellable *cancellable, GAsyncReadyCallback callback,
           gpointer user_data)
{
  rd_yeastar_client_call_async (self->client, "GET", "del_token", token, NULL, NULL, cancellable, callback,
                                user_data);
}

static gboolean
retire_now (gpointer user_data)
{
  RdYeastarToken *self = user_data;
  g_autoptr(GPtrArray) tokens = g_steal_pointer (&self->retiring);

  self->retire_source = 0;
  self->retiring = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < tokens->len; i++)
    {
      Retiring *r = g_new0 (Retiring, 1);

      r->self = g_object_ref (self);
      r->token = g_strdup (g_ptr_array_index (tokens, i));
      del_token (self, r->token, NULL, on_del_token_done, r);
    }
  if (tokens->len > 0)
    g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
retire (RdYeastarToken *self, char *token, gint64 lifetime_ms)
{
  guint delay;

  g_ptr_array_add (self->retiring, token);
  if (self->retire_source != 0)
    return;
  /* give sockets opened with the old token time to be replaced first */
  delay = (guint) MIN (MAX_RETIRE_DELAY_MS, lifetime_ms * (1.0 - self->fraction) / 2);
  self->retire_source = g_timeout_add (delay, retire_now, self);
}

/* ---- acquiring -------------------------------------------------------------- */

static gboolean
on_refresh_due (gpointer user_data)
{
  RdYeastarToken *self = user_data;

  self->refresh_source = 0;
  g_debug ("access token at %.0f%% of its lifetime: refreshing", self->fraction * 100);
  if (!self->in_flight)
    acquire (self);
  return G_SOURCE_REMOVE;
}

static gboolean
store (RdYeastarToken *self, JsonObject *reply, GError **error)
{
  const char *access = rd_yeastar_json_get_string (reply, "access_token");
  const char *refresh = rd_yeastar_json_get_string (reply, "refresh_token");
  gint64 access_s = 0, refresh_s = 0, now = g_get_monotonic_time ();
  char *previous;

  if (access == NULL || *access == '\0' ||
      !rd_yeastar_json_get_int (reply, "access_token_expire_time", &access_s) || access_s <= 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL,
                           "PBX token reply lacks an access token or its lifetime");
      return FALSE;
    }
  access_s = MIN (access_s, MAX_LIFETIME_S);
  if (!rd_yeastar_json_get_int (reply, "refresh_token_expire_time", &refresh_s) || refresh_s <= 0)
    refresh_s = 0;
  refresh_s = MIN (refresh_s, MAX_LIFETIME_S);

  previous = g_steal_pointer (&self->access);
  self->access = g_strdup (access);
  self->access_expiry = now + access_s * G_USEC_PER_SEC;
  self->access_lifetime = access_s;
  g_clear_pointer (&self->refresh, g_free);
  if (refresh != NULL && *refresh != '\0' && refresh_s > 0)
    {
      self->refresh = g_strdup (refresh);
      self->refresh_expiry = now + refresh_s * G_USEC_PER_SEC;
    }
  self->stale = FALSE;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->refresh_source = g_timeout_add ((guint) (access_s * 1000 * self->fraction), on_refresh_due, self);

  if (previous != NULL && g_strcmp0 (previous, self->access) != 0)
    retire (self, previous, access_s * 1000);
  else
    g_free (previous);
  g_debug ("new access token, valid %" G_GINT64_FORMAT " s", access_s);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
  return TRUE;
}

static void revoke_now (RdYeastarToken *self, GTask *task);

static void
acquired (RdYeastarToken *self, JsonObject *reply, const GError *call_error)
{
  g_autoptr(GError) error = NULL;
  gboolean had_token = self->access != NULL;

  self->in_flight = FALSE;
  if (self->revoke_pending != NULL)
    {
      /* stopping: what the PBX just issued is revoked with the rest, not used */
      if (reply != NULL)
        store (self, reply, NULL);
      revoke_now (self, g_steal_pointer (&self->revoke_pending));
      return;
    }
  if (reply != NULL && store (self, reply, &error))
    {
      finish_waiters (self, NULL);
      if (had_token)
        g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      return;
    }
  if (error == NULL)
    error = g_error_copy (call_error);
  finish_waiters (self, error);
}

static void
on_get_token_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdYeastarToken) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  int errcode = 0;

  reply = rd_yeastar_client_call_finish (RD_YEASTAR_CLIENT (source), res, &errcode, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* revoked or disposed: waiters were already answered */
  if (reply == NULL && errcode == RD_YEASTAR_ERRCODE_MAX_LIMIT)
    {
      g_clear_error (&error);
      /* The PBX does not say how many it allows (8 per the docs, fewer on some PBXs), nor who
       * holds them: say what is known. */
      error = g_error_new (RD_ERROR, RD_ERROR_LIMIT,
                           "The PBX issues no more access tokens to this API client: its pool of valid "
                           "tokens is full (errcode 60002). Other programs using the same Client ID, "
                           "or earlier runs that did not release theirs, hold them; stop those, or wait "
                           "until their tokens expire (at most 30 minutes).");
    }
  else if (reply == NULL && errcode != RD_YEASTAR_ERRCODE_TRANSPORT && errcode != -2 &&
           !rd_yeastar_errcode_is_fatal (errcode))
    {
      /* Which errcode a wrong Client ID / Secret gives is not documented. */
      g_autofree char *detail = g_strdup (error->message);

      g_clear_error (&error);
      error = g_error_new (RD_ERROR, RD_ERROR_AUTH,
                           "The PBX refused the API Client ID or Client Secret (%s)", detail);
    }
  if (reply == NULL)
    g_debug ("get_token failed: %s", error->message);
  acquired (self, reply, error);
}

static void
get_token (RdYeastarToken *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, self->client_id);
  json_builder_set_member_name (b, "password");
  json_builder_add_string_value (b, self->client_secret);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  rd_yeastar_client_call_async (self->client, "POST", "get_token", NULL, NULL, body,
                                self->cancellable, on_get_token_done, g_object_ref (self));
}

static void
on_refresh_token_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdYeastarToken) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

  reply = rd_yeastar_client_call_finish (RD_YEASTAR_CLIENT (source), res, NULL, &error);
  if (reply != NULL)
    {
      acquired (self, reply, NULL);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->revoke_pending != NULL)
    {
      acquired (self, NULL, error);
      return;
    }
  g_debug ("refresh_token failed (%s): falling back to get_token", error->message);
  g_clear_pointer (&self->refresh, g_free);
  get_token (self);
}

static void
acquire (RdYeastarToken *self)
{
  self->in_flight = TRUE;
  if (self->refresh != NULL && g_get_monotonic_time () + G_USEC_PER_SEC < self->refresh_expiry)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "refresh_token");
      json_builder_add_string_value (b, self->refresh);
      json_builder_end_object (b);
      body = json_builder_get_root (b);
      rd_yeastar_client_call_async (self->client, "POST", "refresh_token", NULL, NULL, body,
                                    self->cancellable, on_refresh_token_done, g_object_ref (self));
      return;
    }
  get_token (self);
}

void
rd_yeastar_token_get_async (RdYeastarToken *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (RD_IS_YEASTAR_TOKEN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_yeastar_token_get_async);
  if (access_usable (self))
    {
      g_task_return_pointer (task, g_strdup (self->access), g_free);
      return;
    }
  g_queue_push_tail (&self->waiters, g_steal_pointer (&task));
  if (!self->in_flight)
    acquire (self);
}

char *
rd_yeastar_token_get_finish (RdYeastarToken *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
rd_yeastar_token_invalidate (RdYeastarToken *self, const char *stale)
{
  g_return_if_fail (RD_IS_YEASTAR_TOKEN (self));
  if (self->access != NULL && g_strcmp0 (stale, self->access) == 0)
    self->stale = TRUE;
}

/* ---- revoke ------------------------------------------------------------------ */

typedef struct {
  guint      pending;
  GPtrArray *kept;     /* tokens the PBX could not be told to revoke */
} Revoke;

static void
revoke_free (gpointer data)
{
  Revoke *revoke = data;

  g_ptr_array_unref (revoke->kept);
  g_free (revoke);
}

typedef struct {
  GTask *task;
  char  *token;
} RevokeOne;

static void
on_revoke_one (GObject *source, GAsyncResult *res, gpointer user_data)
{
  RevokeOne *one = user_data;
  g_autoptr(GTask) task = one->task;
  g_autofree char *token = one->token;
  RdYeastarToken *self = g_task_get_source_object (task);
  Revoke *revoke = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  int errcode = 0;
  g_autoptr(JsonObject) reply = rd_yeastar_client_call_finish (RD_YEASTAR_CLIENT (source), res, &errcode, &error);

  g_free (one);
  if (reply == NULL)
    {
      g_debug ("del_token: %s", error->message);
      if (token_may_live_on (errcode))
        g_ptr_array_add (revoke->kept, g_steal_pointer (&token));
    }
  if (--revoke->pending > 0)
    return;
  /* what could not be revoked is handed to the next holder of the state */
  for (guint i = 0; i < revoke->kept->len; i++)
    g_ptr_array_add (self->retiring, g_strdup (g_ptr_array_index (revoke->kept, i)));
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

static void
revoke_now (RdYeastarToken *self, GTask *task)
{
  g_autoptr(GPtrArray) tokens = g_steal_pointer (&self->retiring);
  GCancellable *cancellable = g_task_get_cancellable (task);
  Revoke *revoke;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->retire_source, g_source_remove);
  self->retiring = g_ptr_array_new_with_free_func (g_free);
  if (self->access != NULL)
    g_ptr_array_add (tokens, g_steal_pointer (&self->access));
  g_clear_pointer (&self->refresh, g_free);
  self->access_expiry = self->refresh_expiry = 0;

  if (tokens->len == 0)
    {
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  revoke = g_new0 (Revoke, 1);
  revoke->pending = tokens->len;
  revoke->kept = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, revoke, revoke_free);
  for (guint i = 0; i < tokens->len; i++)
    {
      RevokeOne *one = g_new0 (RevokeOne, 1);

      one->task = g_object_ref (task);
      one->token = g_strdup (g_ptr_array_index (tokens, i));
      del_token (self, one->token, cancellable, on_revoke_one, one);
    }
  g_object_unref (task);
}

void
rd_yeastar_token_revoke_async (RdYeastarToken *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RD_IS_YEASTAR_TOKEN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_yeastar_token_revoke_async);

  /* waiters get a cancellation; nothing new is asked for */
  finish_waiters (self, &(GError) { G_IO_ERROR, G_IO_ERROR_CANCELLED, (char *) "Token revoked" });
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->retire_source, g_source_remove);
  if (self->in_flight || self->revoke_pending != NULL)
    {
      /* A token request is on its way: the PBX may issue that token whatever we do now,
       * so wait for it and revoke it too rather than leave it valid in the PBX's pool. */
      if (self->revoke_pending != NULL)
        {
          g_task_return_boolean (task, TRUE);   /* one revoke at a time is enough */
          g_object_unref (task);
          return;
        }
      self->revoke_pending = task;
      return;
    }
  revoke_now (self, task);
}

gboolean
rd_yeastar_token_revoke_finish (RdYeastarToken *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- state across restarts ------------------------------------------------------ */

static gint64
monotonic_to_unix (gint64 monotonic_us)
{
  return (g_get_real_time () + (monotonic_us - g_get_monotonic_time ())) / G_USEC_PER_SEC;
}

static gint64
unix_to_monotonic (gint64 unix_s)
{
  return g_get_monotonic_time () + (unix_s * G_USEC_PER_SEC - g_get_real_time ());
}

static char *
identity (RdYeastarToken *self)
{
  g_autofree char *origin = rd_yeastar_client_dup_origin (self->client);

  return g_strdup_printf ("%s %s", origin, self->client_id);
}

char *
rd_yeastar_token_dup_state (RdYeastarToken *self)
{
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *who = NULL;

  g_return_val_if_fail (RD_IS_YEASTAR_TOKEN (self), NULL);
  if (self->access == NULL && self->refresh == NULL && self->retiring->len == 0)
    return NULL;
  who = identity (self);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "v");
  json_builder_add_int_value (b, STATE_VERSION);
  json_builder_set_member_name (b, "pbx");
  json_builder_add_string_value (b, who);
  if (self->access != NULL)
    {
      json_builder_set_member_name (b, "access");
      json_builder_add_string_value (b, self->access);
      json_builder_set_member_name (b, "access_expires");
      json_builder_add_int_value (b, monotonic_to_unix (self->access_expiry));
      json_builder_set_member_name (b, "access_lifetime");
      json_builder_add_int_value (b, self->access_lifetime);
    }
  if (self->refresh != NULL)
    {
      json_builder_set_member_name (b, "refresh");
      json_builder_add_string_value (b, self->refresh);
      json_builder_set_member_name (b, "refresh_expires");
      json_builder_add_int_value (b, monotonic_to_unix (self->refresh_expiry));
    }
  json_builder_set_member_name (b, "retiring");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->retiring->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (self->retiring, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static gboolean
state_token (JsonObject *o, const char *member, char **out)
{
  const char *v = rd_yeastar_json_get_string (o, member);

  if (v == NULL || *v == '\0' || strlen (v) > 512)
    return FALSE;
  for (const char *p = v; *p; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;
  *out = g_strdup (v);
  return TRUE;
}

gboolean
rd_yeastar_token_restore (RdYeastarToken *self, const char *state, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *who = NULL;
  g_autofree char *access = NULL, *refresh = NULL;
  gint64 version = 0, access_expires = 0, refresh_expires = 0, lifetime = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  JsonNode *root;
  JsonObject *o;
  JsonArray *retiring;

  g_return_val_if_fail (RD_IS_YEASTAR_TOKEN (self), FALSE);
  g_return_val_if_fail (self->access == NULL && self->refresh == NULL, FALSE);

  if (state == NULL || !json_parser_load_from_data (parser, state, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "the saved PBX session is unreadable");
      return FALSE;
    }
  o = json_node_get_object (root);
  who = identity (self);
  if (!rd_yeastar_json_get_int (o, "v", &version) || version != STATE_VERSION ||
      g_strcmp0 (rd_yeastar_json_get_string (o, "pbx"), who) != 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "the saved PBX session belongs to another PBX or API client");
      return FALSE;
    }

  retiring = rd_yeastar_json_get_array (o, "retiring");
  for (guint i = 0; retiring != NULL && i < json_array_get_length (retiring) && i < 16; i++)
    {
      JsonNode *n = json_array_get_element (retiring, i);

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING &&
          *json_node_get_string (n) != '\0')
        g_ptr_array_add (self->retiring, g_strdup (json_node_get_string (n)));
    }
  if (state_token (o, "refresh", &refresh) && rd_yeastar_json_get_int (o, "refresh_expires", &refresh_expires) &&
      refresh_expires > now + 1 && refresh_expires - now <= MAX_LIFETIME_S)
    {
      self->refresh = g_steal_pointer (&refresh);
      self->refresh_expiry = unix_to_monotonic (refresh_expires);
    }
  if (state_token (o, "access", &access) && rd_yeastar_json_get_int (o, "access_expires", &access_expires) &&
      access_expires - now <= MAX_LIFETIME_S)
    {
      if (!rd_yeastar_json_get_int (o, "access_lifetime", &lifetime) || lifetime <= 0 || lifetime > MAX_LIFETIME_S)
        lifetime = MAX (1, access_expires - now);
      if (access_expires > now + 1)
        {
          gint64 remaining_ms = (access_expires - now) * 1000;
          gint64 due_ms = remaining_ms - (gint64) (lifetime * 1000 * (1.0 - self->fraction));

          self->access = g_steal_pointer (&access);
          self->access_expiry = unix_to_monotonic (access_expires);
          self->access_lifetime = lifetime;
          self->refresh_source = g_timeout_add ((guint) CLAMP (due_ms, 0, G_MAXUINT), on_refresh_due, self);
        }
    }
  g_debug ("PBX session taken over: %s access token, %s refresh token, %u to revoke",
           self->access ? "a valid" : "no", self->refresh ? "a" : "no", self->retiring->len);
  if (self->retiring->len > 0 && self->retire_source == 0)
    self->retire_source = g_idle_add (retire_now, self);
  return TRUE;
}
