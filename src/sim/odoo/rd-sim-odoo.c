#include "config.h"

#include "rd-sim-odoo.h"
#include "rd-sim-odoo-methods.h"
#include "rd-sim-odoo-private.h"
#include "core/rd-error.h"
#include "core/rd-http-server.h"

#include <string.h>

#define DATABASE "ringdesk"

struct _RdSimOdoo
{
  GObject     parent_instance;

  SimVersion  version;
  gboolean    crm;
  gboolean    phone_validation;
  SimStore   *store;          /* created on first use */
  SoupServer *server;
  char       *url;
  GHashTable *keys;           /* api key → gint64* uid */
  GHashTable *passwords;      /* login → password (accepted wherever RPC takes a key, not by JSON-2) */
  GHashTable *admins;         /* uid (as pointer) set */
  GHashTable *login_failures; /* remote address → LoginFailures: res.users._login's cooldown */
  guint       cooldown_after; /* base.login_cooldown_after (0 = off) */
  guint       cooldown_s;     /* base.login_cooldown_duration */
  guint       n_login_failures;
  guint       delay_ms;
  guint       workers;        /* 0: every request is delayed on its own (no queueing) */
  GArray     *worker_free;    /* gint64: monotonic time each worker is free again */
  GHashTable *calls;          /* "model.method" → count (execute_kw and JSON-2) */
  guint       max_pending;    /* most delayed answers held at once */
  gboolean    down;
  GQueue      failures;       /* char* kinds, one per request */
  GPtrArray  *held;           /* SoupServerMessage never answered ("timeout") */
  GHashTable *pending;        /* source id → SoupServerMessage (delayed answers) */
  guint       n_jsonrpc;
  guint       n_json2;
  char       *last_request;
};

G_DEFINE_FINAL_TYPE (RdSimOdoo, rd_sim_odoo, G_TYPE_OBJECT)

static void
rd_sim_odoo_dispose (GObject *object)
{
  RdSimOdoo *self = RD_SIM_ODOO (object);
  GHashTableIter iter;
  gpointer key;

  if (self->pending != NULL)
    {
      g_hash_table_iter_init (&iter, self->pending);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_source_remove (GPOINTER_TO_UINT (key));
      g_clear_pointer (&self->pending, g_hash_table_unref);
    }
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (rd_sim_odoo_parent_class)->dispose (object);
}

static void
rd_sim_odoo_finalize (GObject *object)
{
  RdSimOdoo *self = RD_SIM_ODOO (object);

  sim_store_free (self->store);
  g_free (self->url);
  g_hash_table_unref (self->keys);
  g_hash_table_unref (self->passwords);
  g_hash_table_unref (self->admins);
  g_hash_table_unref (self->login_failures);
  g_queue_clear_full (&self->failures, g_free);
  g_free (self->last_request);
  g_array_unref (self->worker_free);
  g_hash_table_unref (self->calls);
  G_OBJECT_CLASS (rd_sim_odoo_parent_class)->finalize (object);
}

static void
rd_sim_odoo_class_init (RdSimOdooClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_sim_odoo_dispose;
  G_OBJECT_CLASS (klass)->finalize = rd_sim_odoo_finalize;
}

static void
rd_sim_odoo_init (RdSimOdoo *self)
{
  self->crm = TRUE;
  self->phone_validation = TRUE;
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->admins = g_hash_table_new (NULL, NULL);
  self->login_failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Odoo's defaults (ir.config_parameter base.login_cooldown_after / _duration). */
  self->cooldown_after = 10;
  self->cooldown_s = 60;
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_queue_init (&self->failures);
  self->worker_free = g_array_new (FALSE, TRUE, sizeof (gint64));
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
count_call (RdSimOdoo *self, const char *model, const char *method)
{
  g_autofree char *key = g_strdup_printf ("%s.%s", model != NULL ? model : "", method != NULL ? method : "");
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->calls, key));

  g_hash_table_replace (self->calls, g_steal_pointer (&key), GUINT_TO_POINTER (n + 1));
}

guint
rd_sim_odoo_count_calls (RdSimOdoo *self, const char *model, const char *method)
{
  g_autofree char *key = g_strdup_printf ("%s.%s", model, method);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->calls, key));
}

void
rd_sim_odoo_reset_counts (RdSimOdoo *self)
{
  g_hash_table_remove_all (self->calls);
  self->max_pending = 0;
  self->n_jsonrpc = 0;
  self->n_json2 = 0;
}

void
rd_sim_odoo_set_workers (RdSimOdoo *self, guint workers)
{
  self->workers = workers;
  g_array_set_size (self->worker_free, workers);
  for (guint i = 0; i < workers; i++)
    g_array_index (self->worker_free, gint64, i) = 0;
}

RdSimOdoo *
rd_sim_odoo_new (const char *version)
{
  RdSimOdoo *self;
  SimVersion v;

  if (!sim_version_parse (version, &v))
    {
      g_warning ("Unknown Odoo version for the simulator: %s", version ? version : "(null)");
      return NULL;
    }
  self = g_object_new (RD_TYPE_SIM_ODOO, NULL);
  self->version = v;
  return self;
}

void
rd_sim_odoo_set_installed (RdSimOdoo *self, const char *module, gboolean installed)
{
  g_return_if_fail (self->store == NULL);
  if (g_strcmp0 (module, "crm") == 0)
    self->crm = installed;
  else if (g_strcmp0 (module, "phone_validation") == 0)
    self->phone_validation = installed;
  else
    g_warning ("The simulator knows no module %s", module);
}

/* ---- base data ---------------------------------------------------------- */

static gint64
add (SimStore *store, const char *model, const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;
  gint64 id;

  g_assert (node != NULL);
  id = sim_store_create (store, model, json_node_get_object (node), &error);
  if (id == 0)
    g_error ("simulator base data: %s", error->message);
  return id;
}

static void
add_xmlid (SimStore *store, const char *module, const char *name, const char *model, gint64 res_id)
{
  g_autofree char *json = g_strdup_printf ("{\"module\":\"%s\",\"name\":\"%s\",\"model\":\"%s\",\"res_id\":%" G_GINT64_FORMAT "}",
                                           module, name, model, res_id);
  add (store, "ir.model.data", json);
}

static void
base_data (RdSimOdoo *self, SimStore *store)
{
  static const char * const countries[][2] = {
    { "CN", "China" }, { "US", "United States" }, { "GB", "United Kingdom" }, { "DE", "Germany" },
    { "BE", "Belgium" }, { "FR", "France" }, { "HK", "Hong Kong" }, { "SG", "Singapore" },
    { "JP", "Japan" }, { "IN", "India" }, { "NL", "Netherlands" }, { "CH", "Switzerland" },
  };
  static const char * const groups[][2] = {
    { "group_user", "Internal User" }, { "group_portal", "Portal" }, { "group_public", "Public" },
    { "group_system", "Settings" },
  };
  static const char * const types[][3] = {
    { "mail_activity_data_email", "Email", "default" }, { "mail_activity_data_call", "Call", "phonecall" },
    { "mail_activity_data_meeting", "Meeting", "meeting" }, { "mail_activity_data_todo", "To-Do", "default" },
  };
  static const char * const subtypes[][2] = {
    { "mt_comment", "Discussions" }, { "mt_note", "Note" }, { "mt_activities", "Activities" },
  };
  GHashTableIter iter;
  gpointer name;
  g_autoptr(GList) names = NULL;
  gint64 id, partner;

  for (guint i = 0; i < G_N_ELEMENTS (countries); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"code\":\"%s\",\"name\":\"%s\"}", countries[i][0], countries[i][1]);
      add (store, "res.country", json);
    }
  partner = add (store, "res.partner", "{\"name\":\"My Company\",\"is_company\":true}");
  id = add (store, "res.company", "{\"name\":\"My Company\",\"partner_id\":1}");
  add_xmlid (store, "base", "main_company", "res.company", id);
  add_xmlid (store, "base", "main_partner", "res.partner", partner);
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", groups[i][1]);
      add_xmlid (store, "base", groups[i][0], "res.groups", add (store, "res.groups", json));
    }
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\",\"category\":\"%s\"}", types[i][1], types[i][2]);
      add_xmlid (store, "mail", types[i][0], "mail.activity.type", add (store, "mail.activity.type", json));
    }
  for (guint i = 0; i < G_N_ELEMENTS (subtypes); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", subtypes[i][1]);
      add_xmlid (store, "mail", subtypes[i][0], "mail.message.subtype", add (store, "mail.message.subtype", json));
    }
  g_hash_table_iter_init (&iter, store->models);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    names = g_list_prepend (names, name);
  names = g_list_sort (names, (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next)
    {
      SimModel *m = sim_store_model (store, l->data);
      g_autofree char *json = g_strdup_printf ("{\"model\":\"%s\",\"name\":\"%s\"}", m->name, m->description);
      add (store, "ir.model", json);
    }
  /* OdooBot (uid 1) and the public user exist but are archived, as in Odoo */
  add (store, "res.partner", "{\"name\":\"OdooBot\",\"active\":false}");
  add (store, "res.users", "{\"login\":\"__system__\",\"name\":\"OdooBot\",\"partner_id\":2,\"active\":false,\"company_id\":1}");
  add (store, "res.partner", "{\"name\":\"Public user\",\"active\":false}");
  id = add (store, "res.users", "{\"login\":\"public\",\"name\":\"Public user\",\"partner_id\":3,\"active\":false,\"share\":true,\"company_id\":1}");
  {
    SimModel *users = sim_store_model (store, "res.users");
    g_autoptr(JsonObject) vals = json_object_new ();
    g_autoptr(JsonNode) ids = json_from_string ("[3]", NULL);

    json_object_set_member (vals, users->fields->len > 0 && sim_model_field (users, "group_ids") ? "group_ids" : "groups_id",
                            json_node_ref (ids));
    sim_store_write (store, "res.users", id, vals, NULL);
  }
}

SimStore *
rd_sim_odoo_get_store (RdSimOdoo *self)
{
  if (self->store == NULL)
    {
      self->store = sim_store_new (&self->version, self->crm, self->phone_validation);
      base_data (self, self->store);
    }
  return self->store;
}

static SimModel *
model_or_warn (RdSimOdoo *self, const char *model)
{
  SimModel *m = sim_store_model (rd_sim_odoo_get_store (self), model);

  if (m == NULL)
    g_warning ("The simulator has no model %s", model ? model : "(null)");
  return m;
}

/* ---- public API: data --------------------------------------------------- */

const char *
rd_sim_odoo_get_url (RdSimOdoo *self)
{
  return self->url;
}

const char *
rd_sim_odoo_get_database (RdSimOdoo *self)
{
  return DATABASE;
}

void
rd_sim_odoo_set_clock (RdSimOdoo *self, gint64 unix_time)
{
  rd_sim_odoo_get_store (self)->clock = unix_time;
}

gint64
rd_sim_odoo_add_user (RdSimOdoo *self, const char *login, const char *name, const char *email,
                      const char *api_key, RdCrmUserType type, gboolean admin)
{
  SimStore *store = rd_sim_odoo_get_store (self);
  SimModel *partners = sim_store_model (store, "res.partner");
  SimModel *users = sim_store_model (store, "res.users");
  SimRecord *p, *u;
  SimField *gf = sim_model_field (users, "group_ids") ? sim_model_field (users, "group_ids")
                                                      : sim_model_field (users, "groups_id");
  GArray *groups = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 gid;

  g_return_val_if_fail (login != NULL && *login != '\0', 0);
  p = sim_model_new_record (store, partners);
  sim_record_set_string (store, partners, p, "name", name != NULL ? name : login);
  sim_record_set_string (store, partners, p, "email", email);
  u = sim_model_new_record (store, users);
  sim_record_set_string (store, users, u, "login", login);
  sim_record_set_string (store, users, u, "name", name != NULL ? name : login);
  sim_record_set_string (store, users, u, "email", email);
  sim_record_set_int (store, users, u, "partner_id", p->id);
  sim_record_set_int (store, users, u, "company_id", 1);
  sim_record_set_int (store, users, u, "share", type != RD_CRM_USER_INTERNAL);
  gid = type == RD_CRM_USER_INTERNAL ? 1 : type == RD_CRM_USER_PORTAL ? 2 : 3;
  g_array_append_val (groups, gid);
  if (admin && type == RD_CRM_USER_INTERNAL)
    {
      gid = 4;
      g_array_append_val (groups, gid);
      g_hash_table_add (self->admins, GINT_TO_POINTER ((gint) u->id));
    }
  u->v[gf->slot].ids = groups;
  if (api_key != NULL && *api_key != '\0')
    g_hash_table_replace (self->keys, g_strdup (api_key), g_memdup2 (&u->id, sizeof (gint64)));
  return u->id;
}

void
rd_sim_odoo_set_user_tz (RdSimOdoo *self, gint64 user_id, const char *tz)
{
  SimModel *users = model_or_warn (self, "res.users");
  SimRecord *u = sim_model_get (users, user_id);

  g_return_if_fail (u != NULL);
  sim_record_set_string (self->store, users, u, "tz", tz);
}

static void
set_phones (SimStore *store, SimModel *m, SimRecord *rec, const char *phone, const char *mobile)
{
  if (sim_model_field (m, "mobile") != NULL)
    {
      sim_record_set_string (store, m, rec, "phone", phone);
      sim_record_set_string (store, m, rec, "mobile", mobile);
    }
  else
    {
      /* 19 / saas~18.2 have no mobile: it ends up in phone when phone is empty */
      if (mobile != NULL && phone != NULL && *phone != '\0')
        g_debug ("Simulator %u.%u has no mobile field: dropping %s", store->version.major, store->version.minor, mobile);
      sim_record_set_string (store, m, rec, "phone", phone != NULL && *phone != '\0' ? phone : mobile);
    }
}

gint64
rd_sim_odoo_add_partner (RdSimOdoo *self, const char *name, const char *phone, const char *mobile,
                         gboolean is_company, gint64 parent_id, const char *country_code)
{
  SimStore *store = rd_sim_odoo_get_store (self);
  SimModel *m = sim_store_model (store, "res.partner");
  SimRecord *rec;

  g_return_val_if_fail (parent_id == 0 || sim_model_get (m, parent_id) != NULL, 0);
  rec = sim_model_new_record (store, m);
  sim_record_set_string (store, m, rec, "name", name);
  set_phones (store, m, rec, phone, mobile);
  sim_record_set_int (store, m, rec, "is_company", is_company);
  sim_record_set_int (store, m, rec, "parent_id", parent_id);
  sim_record_set_int (store, m, rec, "country_id", sim_store_country_id (store, country_code));
  if (country_code == NULL)
    sim_store_sync_address_from_parent (store, m, rec);
  return rec->id;
}

gint64
rd_sim_odoo_add_lead (RdSimOdoo *self, const char *name, const char *contact_name,
                      const char *partner_name, const char *phone)
{
  SimStore *store = rd_sim_odoo_get_store (self);
  SimModel *m = sim_store_model (store, "crm.lead");
  SimRecord *rec;

  if (m == NULL)
    {
      g_warning ("The simulator has no CRM module installed");
      return 0;
    }
  rec = sim_model_new_record (store, m);
  sim_record_set_string (store, m, rec, "name", name);
  sim_record_set_string (store, m, rec, "contact_name", contact_name);
  sim_record_set_string (store, m, rec, "partner_name", partner_name);
  sim_record_set_string (store, m, rec, "phone", phone);
  return rec->id;
}

void
rd_sim_odoo_set_company_country (RdSimOdoo *self, const char *country_code)
{
  SimStore *store = rd_sim_odoo_get_store (self);
  SimModel *companies = sim_store_model (store, "res.company");

  sim_record_set_int (store, companies, sim_model_get (companies, 1), "country_id",
                      sim_store_country_id (store, country_code));
  sim_store_invalidate_phones (store);
}

char *
rd_sim_odoo_get_string (RdSimOdoo *self, const char *model, gint64 id, const char *field)
{
  SimModel *m = model_or_warn (self, model);
  SimRecord *rec = m != NULL ? sim_model_get (m, id) : NULL;

  return rec != NULL ? g_strdup (sim_record_get_string (m, rec, field)) : NULL;
}

void
rd_sim_odoo_archive (RdSimOdoo *self, const char *model, gint64 id)
{
  SimModel *m = model_or_warn (self, model);
  SimRecord *rec = m != NULL ? sim_model_get (m, id) : NULL;

  g_return_if_fail (rec != NULL && sim_model_field (m, "active") != NULL);
  sim_record_set_int (self->store, m, rec, "active", FALSE);
  rec->write_date = sim_store_now (self->store);
}

void
rd_sim_odoo_set_phone (RdSimOdoo *self, const char *model, gint64 id, const char *phone)
{
  SimModel *m = model_or_warn (self, model);
  SimRecord *rec = m != NULL ? sim_model_get (m, id) : NULL;

  g_return_if_fail (rec != NULL);
  sim_record_set_string (self->store, m, rec, "phone", phone);
  rec->write_date = sim_store_now (self->store);
}

void
rd_sim_odoo_delete (RdSimOdoo *self, const char *model, gint64 id)
{
  g_return_if_fail (model_or_warn (self, model) != NULL);
  sim_store_unlink (self->store, model, id, NULL);
}

JsonObject *
rd_sim_odoo_read (RdSimOdoo *self, const char *model, gint64 id)
{
  SimModel *m = model_or_warn (self, model);

  if (m == NULL || sim_model_get (m, id) == NULL)
    return NULL;
  return sim_store_read_one (self->store, model, id);
}

GPtrArray *
rd_sim_odoo_messages_for (RdSimOdoo *self, const char *model, gint64 id)
{
  SimModel *m = model_or_warn (self, "mail.message");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < m->records->len; i++)
    {
      SimRecord *rec = m->records->pdata[i];

      if (rec != NULL && g_strcmp0 (sim_record_get_string (m, rec, "model"), model) == 0 &&
          sim_record_get_int (m, rec, "res_id") == id)
        g_ptr_array_add (out, g_strdup (sim_record_get_string (m, rec, "body")));
    }
  return out;
}

void
rd_sim_odoo_set_leads_enabled (RdSimOdoo *self, gboolean enabled)
{
  g_return_if_fail (RD_IS_SIM_ODOO (self));
  rd_sim_odoo_get_store (self)->no_leads = !enabled;
}

GArray *
rd_sim_odoo_message_ids_for (RdSimOdoo *self, const char *model, gint64 id)
{
  SimModel *m = model_or_warn (self, "mail.message");
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < m->records->len; i++)
    {
      SimRecord *rec = m->records->pdata[i];

      if (rec != NULL && g_strcmp0 (sim_record_get_string (m, rec, "model"), model) == 0 &&
          sim_record_get_int (m, rec, "res_id") == id)
        g_array_append_val (out, rec->id);
    }
  return out;
}

guint
rd_sim_odoo_count_mails (RdSimOdoo *self)
{
  return rd_sim_odoo_count_records (self, "mail.mail");
}

guint
rd_sim_odoo_count_records (RdSimOdoo *self, const char *model)
{
  SimModel *m = model_or_warn (self, model);

  return m != NULL ? m->live : 0;
}

GArray *
rd_sim_odoo_open_activities (RdSimOdoo *self, const char *model, gint64 id)
{
  SimModel *m = model_or_warn (self, "mail.activity");
  gboolean has_active = sim_model_field (m, "active") != NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < m->records->len; i++)
    {
      SimRecord *rec = m->records->pdata[i];

      if (rec != NULL && g_strcmp0 (sim_record_get_string (m, rec, "res_model"), model) == 0 &&
          sim_record_get_int (m, rec, "res_id") == id &&
          (!has_active || sim_record_get_int (m, rec, "active")))
        g_array_append_val (out, rec->id);
    }
  return out;
}

guint
rd_sim_odoo_count_open_activities (RdSimOdoo *self, const char *model, gint64 id)
{
  g_autoptr(GArray) ids = rd_sim_odoo_open_activities (self, model, id);

  return ids->len;
}

/* ---- public API: misbehaviour ------------------------------------------- */

void
rd_sim_odoo_set_delay (RdSimOdoo *self, guint ms)
{
  self->delay_ms = ms;
}

void
rd_sim_odoo_set_down (RdSimOdoo *self, gboolean down)
{
  self->down = down;
}

void
rd_sim_odoo_fail_next (RdSimOdoo *self, const char *kind, guint count)
{
  static const char * const kinds[] = {
    "none", "500", "503", "malformed", "access-denied", "access-error", "user-error", "timeout", NULL
  };

  g_return_if_fail (kind != NULL && g_strv_contains (kinds, kind));
  for (guint i = 0; i < count; i++)
    g_queue_push_tail (&self->failures, g_strdup (kind));
}

void
rd_sim_odoo_revoke_key (RdSimOdoo *self, const char *api_key)
{
  g_hash_table_remove (self->keys, api_key);
}

guint
rd_sim_odoo_count_requests (RdSimOdoo *self, const char *transport)
{
  if (g_strcmp0 (transport, "jsonrpc") == 0)
    return self->n_jsonrpc;
  if (g_strcmp0 (transport, "json2") == 0)
    return self->n_json2;
  return self->n_jsonrpc + self->n_json2;
}

const char *
rd_sim_odoo_last_request (RdSimOdoo *self)
{
  return self->last_request;
}

/* ---- responses ---------------------------------------------------------- */

static void
respond (SoupServerMessage *msg, guint status, const char *content_type, const char *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  respond (msg, status, "application/json", text);
}

static JsonObject *
error_data (const char *name, const char *message)
{
  JsonObject *data = json_object_new ();
  JsonArray *args = json_array_new ();
  g_autofree char *debug = g_strdup_printf ("Traceback (most recent call last):\n  File \"odoo/http.py\", line 1, in _dispatch\n%s: %s\n",
                                            name, message);

  json_array_add_string_element (args, message);
  json_object_set_string_member (data, "name", name);
  json_object_set_string_member (data, "message", message);
  json_object_set_array_member (data, "arguments", args);
  json_object_set_object_member (data, "context", json_object_new ());
  json_object_set_string_member (data, "debug", debug);
  return data;
}

static void
respond_rpc_error (SoupServerMessage *msg, JsonNode *id, const char *name, const char *message)
{
  g_autoptr(JsonObject) env = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *err = json_object_new ();

  json_object_set_int_member (err, "code", 200);
  json_object_set_string_member (err, "message", "Odoo Server Error");
  json_object_set_object_member (err, "data", error_data (name, message));
  json_object_set_string_member (env, "jsonrpc", "2.0");
  json_object_set_member (env, "id", id != NULL ? json_node_copy (id) : json_node_init_null (json_node_alloc ()));
  json_object_set_object_member (env, "error", err);
  node = json_node_init_object (json_node_alloc (), env);
  respond_json (msg, 200, node);
}

static void
respond_rpc_result (SoupServerMessage *msg, JsonNode *id, JsonNode *result)
{
  g_autoptr(JsonObject) env = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (env, "jsonrpc", "2.0");
  json_object_set_member (env, "id", id != NULL ? json_node_copy (id) : json_node_init_null (json_node_alloc ()));
  json_object_set_member (env, "result", json_node_ref (result));
  node = json_node_init_object (json_node_alloc (), env);
  respond_json (msg, 200, node);
}

static void
respond_json2_error (SoupServerMessage *msg, guint status, const char *name, const char *message)
{
  g_autoptr(JsonObject) body = error_data (name, message);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

  respond_json (msg, status, node);
}

static JsonNode *
version_info (RdSimOdoo *self, gboolean web)
{
  SimVersion *v = &self->version;
  g_autofree char *serie = v->saas ? g_strdup_printf ("saas~%u.%u", v->major, v->minor)
                                   : g_strdup_printf ("%u.%u", v->major, v->minor);
  g_autofree char *full = g_strdup_printf ("%s%s", serie, v->enterprise ? "+e" : "");
  JsonObject *obj = json_object_new ();
  JsonArray *info = json_array_new ();
  JsonNode *node;

  if (v->saas)
    {
      g_autofree char *first = g_strdup_printf ("saas~%u", v->major);
      json_array_add_string_element (info, first);
    }
  else
    json_array_add_int_element (info, v->major);
  json_array_add_int_element (info, v->minor);
  json_array_add_int_element (info, 0);
  json_array_add_string_element (info, "final");
  json_array_add_int_element (info, 0);
  json_array_add_string_element (info, v->enterprise ? "e" : "");
  if (web)
    {
      json_object_set_array_member (obj, "version_info", info);
      json_object_set_string_member (obj, "version", full);
    }
  else
    {
      json_object_set_string_member (obj, "server_version", full);
      json_object_set_array_member (obj, "server_version_info", info);
      json_object_set_string_member (obj, "server_serie", serie);
      json_object_set_int_member (obj, "protocol_version", 1);
    }
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  return node;
}

/* ---- callers ------------------------------------------------------------ */

static gboolean
user_for_key (RdSimOdoo *self, const char *key, gint64 *uid)
{
  SimModel *users = sim_store_model (self->store, "res.users");
  gint64 *found = key != NULL && *key != '\0' ? g_hash_table_lookup (self->keys, key) : NULL;
  SimRecord *u = found != NULL ? sim_model_get (users, *found) : NULL;

  if (u == NULL || !sim_record_get_int (users, u, "active"))
    return FALSE;
  *uid = u->id;
  return TRUE;
}

/* A password is accepted where a key is, for RPC (the non-interactive check tries the password
 * first): login/authenticate and execute_kw. JSON-2 bearer tokens are keys only. */
static gboolean
user_for_credential (RdSimOdoo *self, const char *login, const char *secret, gint64 *uid)
{
  SimModel *users = sim_store_model (self->store, "res.users");
  const char *password = login != NULL ? g_hash_table_lookup (self->passwords, login) : NULL;

  if (user_for_key (self, secret, uid))
    return TRUE;
  if (password == NULL || g_strcmp0 (password, secret) != 0)
    return FALSE;
  for (guint i = 0; i < users->records->len; i++)
    {
      SimRecord *u = g_ptr_array_index (users->records, i);

      if (g_strcmp0 (sim_record_get_string (users, u, "login"), login) == 0 && sim_record_get_int (users, u, "active"))
        {
          *uid = u->id;
          return TRUE;
        }
    }
  return FALSE;
}

static const char *
login_of (RdSimOdoo *self, gint64 uid)
{
  SimModel *users = sim_store_model (self->store, "res.users");
  SimRecord *u = sim_model_get (users, uid);

  return u != NULL ? sim_record_get_string (users, u, "login") : NULL;
}

typedef struct {
  guint  failures;
  gint64 previous_us;
} LoginFailures;

/* res.users._assert_can_auth: failures counted per remote address; past cooldown_after of them,
 * every login from it is refused until cooldown_s after the last one; a success forgets them. */
static gboolean
login_on_cooldown (RdSimOdoo *self, const char *source)
{
  LoginFailures *f = g_hash_table_lookup (self->login_failures, source);

  return self->cooldown_after > 0 && f != NULL && f->failures >= self->cooldown_after &&
         g_get_monotonic_time () - f->previous_us < (gint64) self->cooldown_s * G_USEC_PER_SEC;
}

static void
login_result (RdSimOdoo *self, const char *source, gboolean ok)
{
  LoginFailures *f;

  if (ok)
    {
      g_hash_table_remove (self->login_failures, source);
      return;
    }
  self->n_login_failures++;
  f = g_hash_table_lookup (self->login_failures, source);
  if (f == NULL)
    {
      f = g_new0 (LoginFailures, 1);
      g_hash_table_insert (self->login_failures, g_strdup (source), f);
    }
  f->failures++;
  f->previous_us = g_get_monotonic_time ();
}

static void
fill_caller (RdSimOdoo *self, SimCall *call, gint64 uid)
{
  SimModel *users = sim_store_model (self->store, "res.users");
  SimRecord *u = sim_model_get (users, uid);

  call->store = self->store;
  call->uid = uid;
  call->partner_id = sim_record_get_int (users, u, "partner_id");
  call->share = sim_record_get_int (users, u, "share");
  call->admin = g_hash_table_contains (self->admins, GINT_TO_POINTER ((gint) uid));
}

gboolean
rd_sim_odoo_activity_done (RdSimOdoo *self, gint64 activity_id, const char *feedback)
{
  SimModel *acts = model_or_warn (self, "mail.activity");
  SimRecord *act = acts != NULL ? sim_model_get (acts, activity_id) : NULL;
  g_autoptr(JsonArray) ids = json_array_new ();
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(JsonObject) kwargs = json_object_new ();
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  SimCall call = { 0 };

  g_return_val_if_fail (act != NULL, FALSE);
  fill_caller (self, &call, sim_record_get_int (acts, act, "user_id"));
  json_array_add_int_element (ids, activity_id);
  if (feedback != NULL)
    json_object_set_string_member (kwargs, "feedback", feedback);
  call.model = "mail.activity";
  call.method = "action_feedback";
  call.ids = ids;
  call.args = args;
  call.kwargs = kwargs;
  result = sim_call_execute (&call, &error);
  if (result == NULL)
    g_warning ("simulator: action_feedback failed: %s", error->message);
  return result != NULL;
}

static gboolean
is_str (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING;
}

static gboolean
is_int (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64;
}

static JsonObject *
take_context (JsonObject *kwargs)
{
  JsonNode *ctx = json_object_get_member (kwargs, "context");
  JsonObject *out = NULL;

  if (ctx != NULL && JSON_NODE_HOLDS_OBJECT (ctx))
    out = json_object_ref (json_node_get_object (ctx));
  json_object_remove_member (kwargs, "context");
  return out;
}

/* ---- JSON-RPC ----------------------------------------------------------- */

static void
handle_jsonrpc (RdSimOdoo *self, SoupServerMessage *msg, JsonNode *root)
{
  JsonObject *env = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *id = env != NULL ? json_object_get_member (env, "id") : NULL;
  JsonNode *params_node = env != NULL ? json_object_get_member (env, "params") : NULL;
  JsonObject *params = params_node != NULL && JSON_NODE_HOLDS_OBJECT (params_node) ? json_node_get_object (params_node) : NULL;
  JsonNode *service = params != NULL ? json_object_get_member (params, "service") : NULL;
  JsonNode *method = params != NULL ? json_object_get_member (params, "method") : NULL;
  JsonNode *args_node = params != NULL ? json_object_get_member (params, "args") : NULL;
  JsonArray *args = args_node != NULL && JSON_NODE_HOLDS_ARRAY (args_node) ? json_node_get_array (args_node) : NULL;
  const char *svc, *meth;
  guint n;

  if (!is_str (service) || !is_str (method))
    {
      respond_rpc_error (msg, id, "builtins.KeyError", "'service'");
      return;
    }
  svc = json_node_get_string (service);
  meth = json_node_get_string (method);
  n = args != NULL ? json_array_get_length (args) : 0;

  if (g_str_equal (svc, "common"))
    {
      if (g_str_equal (meth, "version"))
        {
          g_autoptr(JsonNode) v = version_info (self, FALSE);
          respond_rpc_result (msg, id, v);
          return;
        }
      if (g_str_equal (meth, "login") || g_str_equal (meth, "authenticate"))
        {
          SimModel *users = sim_store_model (self->store, "res.users");
          g_autoptr(JsonNode) result = NULL;
          const char *source;
          gint64 uid = 0;

          if (n < (g_str_equal (meth, "login") ? 3u : 4u) || !is_str (json_array_get_element (args, 0)) ||
              !is_str (json_array_get_element (args, 1)) || !is_str (json_array_get_element (args, 2)))
            {
              respond_rpc_error (msg, id, "builtins.TypeError",
                                 "exp_authenticate() missing required positional arguments");
              return;
            }
          if (!g_str_equal (json_array_get_string_element (args, 0), DATABASE))
            {
              respond_rpc_error (msg, id, "psycopg2.OperationalError", "FATAL:  database does not exist");
              return;
            }
          /* AccessDenied is swallowed: a wrong login or key gives false, and so does a login
           * during the cooldown, right or wrong. */
          source = soup_server_message_get_remote_host (msg);
          if (source == NULL)
            source = "unknown";
          if (login_on_cooldown (self, source))
            uid = 0;
          else
            {
              if (user_for_credential (self, json_array_get_string_element (args, 1),
                                       json_array_get_string_element (args, 2), &uid))
                {
                  SimRecord *u = sim_model_get (users, uid);
                  if (g_strcmp0 (sim_record_get_string (users, u, "login"), json_array_get_string_element (args, 1)) != 0)
                    uid = 0;
                }
              login_result (self, source, uid > 0);
            }
          result = uid > 0 ? json_node_init_int (json_node_alloc (), uid) : json_node_init_boolean (json_node_alloc (), FALSE);
          respond_rpc_result (msg, id, result);
          return;
        }
    }
  else if (g_str_equal (svc, "db") && (g_str_equal (meth, "list") || g_str_equal (meth, "server_version")))
    {
      g_autoptr(JsonNode) result = NULL;

      if (g_str_equal (meth, "list"))
        result = json_from_string ("[\"" DATABASE "\"]", NULL);
      else
        {
          g_autofree char *text = g_strdup_printf ("%u.%u", self->version.major, self->version.minor);
          result = json_node_init_string (json_node_alloc (), text);
        }
      respond_rpc_result (msg, id, result);
      return;
    }
  else if (g_str_equal (svc, "object") && (g_str_equal (meth, "execute_kw") || g_str_equal (meth, "execute")))
    {
      gboolean kw = g_str_equal (meth, "execute_kw");
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) result = NULL;
      g_autoptr(JsonArray) positional = json_array_new ();
      g_autoptr(JsonObject) kwargs = NULL;
      g_autoptr(JsonObject) context = NULL;
      g_autoptr(JsonArray) ids = NULL;
      SimCall call = { 0 };
      gint64 uid = 0;

      if (n < 5 || !is_str (json_array_get_element (args, 0)) || !is_str (json_array_get_element (args, 3)) ||
          !is_str (json_array_get_element (args, 4)))
        {
          respond_rpc_error (msg, id, "builtins.TypeError", "execute_kw() missing required positional arguments");
          return;
        }
      if (!g_str_equal (json_array_get_string_element (args, 0), DATABASE))
        {
          respond_rpc_error (msg, id, "psycopg2.OperationalError", "FATAL:  database does not exist");
          return;
        }
      if (!is_int (json_array_get_element (args, 1)) || !is_str (json_array_get_element (args, 2)) ||
          !(user_for_key (self, json_array_get_string_element (args, 2), &uid) ||
            user_for_credential (self, login_of (self, json_array_get_int_element (args, 1)),
                                 json_array_get_string_element (args, 2), &uid)) ||
          uid != json_array_get_int_element (args, 1))
        {
          respond_rpc_error (msg, id, "odoo.exceptions.AccessDenied", "Access Denied");
          return;
        }
      if (kw)
        {
          JsonNode *a = n > 5 ? json_array_get_element (args, 5) : NULL;
          JsonNode *k = n > 6 ? json_array_get_element (args, 6) : NULL;

          if ((a != NULL && !JSON_NODE_HOLDS_ARRAY (a)) || (k != NULL && !JSON_NODE_HOLDS_OBJECT (k) && !JSON_NODE_HOLDS_NULL (k)))
            {
              respond_rpc_error (msg, id, "builtins.TypeError", "execute_kw() arguments must be a list and a dict");
              return;
            }
          if (a != NULL)
            for (guint i = 0; i < json_array_get_length (json_node_get_array (a)); i++)
              json_array_add_element (positional, json_node_copy (json_array_get_element (json_node_get_array (a), i)));
          if (k != NULL && JSON_NODE_HOLDS_OBJECT (k))
            {
              g_autoptr(JsonNode) dup = json_node_copy (k);
              kwargs = json_object_ref (json_node_get_object (dup));
            }
        }
      else
        for (guint i = 5; i < n; i++)
          json_array_add_element (positional, json_node_copy (json_array_get_element (args, i)));
      if (kwargs == NULL)
        kwargs = json_object_new ();
      context = take_context (kwargs);

      call.model = json_array_get_string_element (args, 3);
      call.method = json_array_get_string_element (args, 4);
      count_call (self, call.model, call.method);
      if (sim_method_is_record (call.method) && json_array_get_length (positional) > 0)
        {
          JsonNode *first = json_array_get_element (positional, 0);

          if (JSON_NODE_HOLDS_ARRAY (first))
            ids = json_array_ref (json_node_get_array (first));
          else if (is_int (first))
            {
              ids = json_array_new ();
              json_array_add_int_element (ids, json_node_get_int (first));
            }
          json_array_remove_element (positional, 0);
        }
      fill_caller (self, &call, uid);
      call.ids = ids;
      call.args = positional;
      call.kwargs = kwargs;
      call.context = context;
      result = sim_call_execute (&call, &error);
      if (result == NULL)
        {
          respond_rpc_error (msg, id, error->domain == SIM_EXC ? sim_exc_name (error->code) : "builtins.Exception",
                             error->message);
          return;
        }
      respond_rpc_result (msg, id, result);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf ("Method not available %s.%s", svc, meth);
    respond_rpc_error (msg, id, "builtins.NameError", text);
  }
}

/* ---- JSON-2 ------------------------------------------------------------- */

static void
handle_json2 (RdSimOdoo *self, SoupServerMessage *msg, const char *path, JsonNode *root)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *db = soup_message_headers_get_one (headers, "X-Odoo-Database");
  g_auto(GStrv) parts = g_strsplit (path + strlen ("/json/2/"), "/", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) kwargs = NULL;
  g_autoptr(JsonObject) context = NULL;
  g_autoptr(JsonArray) ids = NULL;
  g_autoptr(JsonArray) positional = json_array_new ();
  g_autoptr(JsonNode) result = NULL;
  SimCall call = { 0 };
  gint64 uid = 0;

  if (auth == NULL || g_ascii_strncasecmp (auth, "bearer ", 7) != 0 || !user_for_key (self, auth + 7, &uid))
    {
      respond_json2_error (msg, 401, "werkzeug.exceptions.Unauthorized", "Invalid apikey");
      return;
    }
  if (db != NULL && !g_str_equal (db, DATABASE))
    {
      respond_json2_error (msg, 404, "werkzeug.exceptions.NotFound", "The database does not exist.");
      return;
    }
  if (g_strv_length (parts) != 2 || *parts[0] == '\0' || *parts[1] == '\0')
    {
      respond_json2_error (msg, 404, "werkzeug.exceptions.NotFound", "The requested URL was not found on the server.");
      return;
    }
  if (sim_store_model (self->store, parts[0]) == NULL)
    {
      g_autofree char *text = g_strdup_printf ("Object %s doesn't exist", parts[0]);
      respond_json2_error (msg, 404, "werkzeug.exceptions.NotFound", text);
      return;
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      respond_json2_error (msg, 400, "werkzeug.exceptions.BadRequest", "The request body must be a JSON object.");
      return;
    }
  {
    g_autoptr(JsonNode) dup = json_node_copy (root);
    kwargs = json_object_ref (json_node_get_object (dup));
  }
  context = take_context (kwargs);
  if (json_object_has_member (kwargs, "ids"))
    {
      JsonNode *n = json_object_get_member (kwargs, "ids");

      if (!sim_method_is_record (parts[1]))
        {
          g_autofree char *text = g_strdup_printf ("cannot call %s.%s with ids", parts[0], parts[1]);
          respond_json2_error (msg, 422, "werkzeug.exceptions.UnprocessableEntity", text);
          return;
        }
      if (!JSON_NODE_HOLDS_ARRAY (n))
        {
          respond_json2_error (msg, 422, "werkzeug.exceptions.UnprocessableEntity", "ids must be a list");
          return;
        }
      ids = json_array_ref (json_node_get_array (n));
      json_object_remove_member (kwargs, "ids");
    }
  else if (sim_method_is_record (parts[1]))
    ids = json_array_new ();
  fill_caller (self, &call, uid);
  call.model = parts[0];
  call.method = parts[1];
  count_call (self, call.model, call.method);
  call.ids = ids;
  call.args = positional;
  call.kwargs = kwargs;
  call.context = context;
  call.json2 = TRUE;
  result = sim_call_execute (&call, &error);
  if (result == NULL)
    {
      SimException exc = error->domain == SIM_EXC ? (SimException) error->code : SIM_EXC_VALUE_ERROR;
      guint status = sim_exc_http_status (exc);

      if (exc == SIM_EXC_TYPE_ERROR)
        status = 422;   /* bad arguments */
      if (exc == SIM_EXC_ATTRIBUTE_ERROR)
        {
          respond_json2_error (msg, 404, "werkzeug.exceptions.NotFound", error->message);   /* unknown method */
          return;
        }
      respond_json2_error (msg, status, sim_exc_name (exc), error->message);
      return;
    }
  respond_json (msg, 200, result);
}

/* ---- dispatch ----------------------------------------------------------- */

static gboolean
on_delay_done (gpointer data)
{
  SoupServerMessage *msg = data;
  RdSimOdoo *self = g_object_get_data (G_OBJECT (msg), "rd-sim");
  guint source = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "rd-source"));

  soup_server_message_unpause (msg);
  g_hash_table_remove (self->pending, GUINT_TO_POINTER (source));
  return G_SOURCE_REMOVE;
}

/* When the answer to a request that arrives now goes out: after the delay, or, with workers,
 * after the delay once a worker is free (FIFO), as an Odoo with that many worker processes. */
static guint
due_in_ms (RdSimOdoo *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *best;

  if (self->workers == 0)
    return self->delay_ms;
  best = &g_array_index (self->worker_free, gint64, 0);
  for (guint i = 1; i < self->worker_free->len; i++)
    if (g_array_index (self->worker_free, gint64, i) < *best)
      best = &g_array_index (self->worker_free, gint64, i);
  *best = MAX (*best, now) + (gint64) self->delay_ms * 1000;
  return (guint) ((*best - now + 999) / 1000);
}

static void
delay (RdSimOdoo *self, SoupServerMessage *msg)
{
  guint source;

  if (self->delay_ms == 0)
    return;
  soup_server_message_pause (msg);
  g_object_set_data (G_OBJECT (msg), "rd-sim", self);
  source = g_timeout_add (due_in_ms (self), on_delay_done, msg);
  g_object_set_data (G_OBJECT (msg), "rd-source", GUINT_TO_POINTER (source));
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (source), g_object_ref (msg));
  self->max_pending = MAX (self->max_pending, g_hash_table_size (self->pending));
}

guint
rd_sim_odoo_max_in_flight (RdSimOdoo *self)
{
  return self->max_pending;
}

/* Applies a queued failure; TRUE when the request is answered (or held). */
static gboolean
misbehave (RdSimOdoo *self, SoupServerMessage *msg, gboolean json2)
{
  g_autofree char *kind = g_queue_pop_head (&self->failures);

  if (kind == NULL || g_str_equal (kind, "none"))
    return FALSE;
  g_debug ("simulator misbehaves: %s", kind);
  if (g_str_equal (kind, "500"))
    respond (msg, 500, "text/html", "<!DOCTYPE html><title>500 Internal Server Error</title><h1>Internal Server Error</h1>");
  else if (g_str_equal (kind, "503"))
    respond (msg, 503, "text/html", "<!DOCTYPE html><title>503 Service Unavailable</title>");
  else if (g_str_equal (kind, "malformed"))
    respond (msg, 200, "application/json", "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": [{\"id\": 1, \"name\": \"tru");
  else if (g_str_equal (kind, "timeout"))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (self->held, g_object_ref (msg));
      return TRUE;
    }
  else
    {
      const char *name = g_str_equal (kind, "access-denied") ? "odoo.exceptions.AccessDenied"
                       : g_str_equal (kind, "access-error") ? "odoo.exceptions.AccessError"
                       : "odoo.exceptions.UserError";
      const char *text = g_str_equal (kind, "access-denied") ? "Access Denied"
                       : g_str_equal (kind, "access-error") ? "You are not allowed to access this document."
                       : "The operation cannot be completed.";
      if (json2)
        respond_json2_error (msg, g_str_equal (kind, "access-denied") ? 401 : g_str_equal (kind, "access-error") ? 403 : 422,
                             g_str_equal (kind, "access-denied") ? "werkzeug.exceptions.Unauthorized" : name, text);
      else
        respond_rpc_error (msg, NULL, name, text);
    }
  delay (self, msg);
  return TRUE;
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  RdSimOdoo *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean jsonrpc = g_str_equal (path, "/jsonrpc") || g_str_equal (path, "/web/webclient/version_info");
  gboolean json2 = g_str_has_prefix (path, "/json/2/");
  gboolean web_version = g_str_equal (path, "/web/version");
  gboolean v19 = SIM_V_AT_LEAST (&self->version, 19, 0);
  SoupMessageBody *body;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;

  /* The server's clock, as Odoo's replies tell it: the simulator's own (rd_sim_odoo_set_clock). */
  {
    g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (sim_store_now (rd_sim_odoo_get_store (self)));
    g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);

    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Date", date);
  }
  if (self->down)
    {
      GIOStream *stream = soup_server_message_steal_connection (msg);

      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      return;
    }
  if (json2 || web_version)
    self->n_json2++;
  else if (jsonrpc)
    self->n_jsonrpc++;
  if ((json2 || web_version) && !v19)
    {
      respond (msg, 404, "text/html", "<!DOCTYPE html><title>404: Not Found</title><h1>Not Found</h1>");
      return;
    }
  if (!jsonrpc && !json2 && !web_version)
    {
      if (!g_str_equal (method, "GET"))
        respond (msg, 405, "text/plain", "Method Not Allowed");
      else
        sim_pages_handle (self->store, msg, path, query);
      return;
    }

  body = soup_server_message_get_request_body (msg);
  bytes = soup_message_body_flatten (body);
  g_free (self->last_request);
  self->last_request = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (misbehave (self, msg, json2 || web_version))
    return;
  if (web_version)
    {
      g_autoptr(JsonNode) v = version_info (self, TRUE);
      respond_json (msg, 200, v);
    }
  else if (!g_str_equal (method, "POST"))
    respond (msg, 405, "text/plain", "Method Not Allowed");
  else
    {
      root = g_bytes_get_size (bytes) > 0 ? json_from_string (self->last_request, NULL) : NULL;
      if (json2)
        handle_json2 (self, msg, path, root);
      else if (root == NULL)
        respond (msg, 400, "text/html", "<!DOCTYPE html><title>400 Bad Request</title><p>Invalid JSON data</p>");
      else if (g_str_equal (path, "/web/webclient/version_info"))
        {
          g_autoptr(JsonNode) v = version_info (self, FALSE);
          respond_rpc_result (msg, JSON_NODE_HOLDS_OBJECT (root) ? json_object_get_member (json_node_get_object (root), "id") : NULL, v);
        }
      else
        handle_jsonrpc (self, msg, root);
    }
  delay (self, msg);
}

static gboolean
start_common (RdSimOdoo *self, GTlsCertificate *certificate, GError **error)
{
  GSList *uris;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (self->server == NULL, FALSE);
  rd_sim_odoo_get_store (self);
  self->server = soup_server_new ("server-header", "Werkzeug/2.0.2 Python/3.10.12",
                                  "tls-certificate", certificate, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  rd_http_server_close_after_response (self->server);
  if (!soup_server_listen_local (self->server, 0,
                                 SOUP_SERVER_LISTEN_IPV4_ONLY | (certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0),
                                 &local))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_NETWORK, "The Odoo simulator could not listen: %s", local->message);
      g_clear_object (&self->server);
      return FALSE;
    }
  uris = soup_server_get_uris (self->server);
  g_assert (uris != NULL);
  self->url = g_strdup_printf ("%s://127.0.0.1:%d", certificate != NULL ? "https" : "http",
                               g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

void
rd_sim_odoo_set_password (RdSimOdoo *self, const char *login, const char *password)
{
  g_return_if_fail (RD_IS_SIM_ODOO (self) && login != NULL);
  if (password == NULL)
    g_hash_table_remove (self->passwords, login);
  else
    g_hash_table_replace (self->passwords, g_strdup (login), g_strdup (password));
}

void
rd_sim_odoo_set_login_cooldown (RdSimOdoo *self, guint after, guint seconds)
{
  g_return_if_fail (RD_IS_SIM_ODOO (self));
  self->cooldown_after = after;
  self->cooldown_s = seconds;
  g_hash_table_remove_all (self->login_failures);
}

guint
rd_sim_odoo_count_login_failures (RdSimOdoo *self)
{
  g_return_val_if_fail (RD_IS_SIM_ODOO (self), 0);
  return self->n_login_failures;
}

gboolean
rd_sim_odoo_login_on_cooldown (RdSimOdoo *self, const char *source)
{
  g_return_val_if_fail (RD_IS_SIM_ODOO (self), FALSE);
  return login_on_cooldown (self, source != NULL ? source : "127.0.0.1");
}

gboolean
rd_sim_odoo_start (RdSimOdoo *self, GError **error)
{
  return start_common (self, NULL, error);
}

gboolean
rd_sim_odoo_start_tls (RdSimOdoo *self, GTlsCertificate *certificate, GError **error)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  return start_common (self, certificate, error);
}
