#include "config.h"

#include "rd-sim-odoo-store.h"
#include "core/rd-phone.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (sim-odoo-exception-quark, sim_exc)

/* phone_sanitized not computed yet */
static char uncomputed[] = "";
#define UNCOMPUTED (uncomputed)

const char *
sim_exc_name (SimException exc)
{
  switch (exc)
    {
    case SIM_EXC_ACCESS_DENIED:    return "odoo.exceptions.AccessDenied";
    case SIM_EXC_ACCESS_ERROR:     return "odoo.exceptions.AccessError";
    case SIM_EXC_USER_ERROR:       return "odoo.exceptions.UserError";
    case SIM_EXC_VALIDATION_ERROR: return "odoo.exceptions.ValidationError";
    case SIM_EXC_MISSING_ERROR:    return "odoo.exceptions.MissingError";
    case SIM_EXC_VALUE_ERROR:      return "builtins.ValueError";
    case SIM_EXC_TYPE_ERROR:       return "builtins.TypeError";
    case SIM_EXC_ATTRIBUTE_ERROR:  return "builtins.AttributeError";
    case SIM_EXC_KEY_ERROR:        return "builtins.KeyError";
    }
  return "builtins.Exception";
}

guint
sim_exc_http_status (SimException exc)
{
  switch (exc)
    {
    case SIM_EXC_ACCESS_DENIED:
    case SIM_EXC_ACCESS_ERROR:     return 403;
    case SIM_EXC_MISSING_ERROR:    return 404;
    case SIM_EXC_USER_ERROR:
    case SIM_EXC_VALIDATION_ERROR: return 422;
    default:                       return 500;
    }
}

gboolean
sim_version_parse (const char *text, SimVersion *out)
{
  guint64 major, minor = 0;
  g_auto(GStrv) parts = NULL;
  g_autofree char *copy = NULL;
  char *plus;

  memset (out, 0, sizeof *out);
  if (text == NULL)
    return FALSE;
  copy = g_strdup (text);
  if ((plus = strchr (copy, '+')) != NULL)
    {
      out->enterprise = g_str_equal (plus, "+e");
      *plus = '\0';
    }
  if (g_str_has_prefix (copy, "saas~"))
    {
      out->saas = TRUE;
      memmove (copy, copy + 5, strlen (copy + 5) + 1);
    }
  parts = g_strsplit (copy, ".", 2);
  if (!g_ascii_string_to_unsigned (parts[0], 10, 14, 99, &major, NULL))
    return FALSE;
  if (parts[1] != NULL && !g_ascii_string_to_unsigned (parts[1], 10, 0, 9, &minor, NULL))
    return FALSE;
  out->major = (guint) major;
  out->minor = (guint) minor;
  return TRUE;
}

char *
sim_format_datetime (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("1970-01-01 00:00:00");
}

static gboolean
parse_datetime (const char *text, gint64 *out)
{
  int y, mo, d, h = 0, mi = 0, s = 0;
  g_autoptr(GDateTime) dt = NULL;
  gsize len = strlen (text);

  if (len == 19 && sscanf (text, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6)
    ;
  else if (len == 10 && sscanf (text, "%4d-%2d-%2d", &y, &mo, &d) == 3)
    ;
  else
    return FALSE;
  dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  *out = g_date_time_to_unix (dt);
  return TRUE;
}

/* ---- schema ------------------------------------------------------------- */

static void
field_free (SimField *f)
{
  g_free (f->name);
  g_free (f->relation);
  g_free (f->inverse);
  g_free (f->default_s);
  g_free (f);
}

static SimModel *
model_new (const char *name, const char *description, const char *order, gboolean thread)
{
  SimModel *m = g_new0 (SimModel, 1);

  m->name = g_strdup (name);
  m->description = g_strdup (description);
  m->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  m->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  m->records = g_ptr_array_new ();
  m->order = g_strdup (order);
  m->thread = thread;
  return m;
}

static SimField *
add_field (SimModel *m, const char *name, SimType type, const char *relation)
{
  SimField *f = g_new0 (SimField, 1);

  f->name = g_strdup (name);
  f->type = type;
  f->relation = g_strdup (relation);
  switch (type)
    {
    case SIM_O2M:
    case SIM_PHONE_SEARCH:
    case SIM_DISPLAY_NAME:
    case SIM_COMPLETE_NAME:   /* stored in Odoo; computed on read here */
    case SIM_COMPANY_NAME:
      f->slot = -1;
      break;
    default:
      f->slot = (int) m->n_slots++;
    }
  g_ptr_array_add (m->fields, f);
  g_hash_table_insert (m->by_name, f->name, f);
  return f;
}

static void
add_meta (SimModel *m)
{
  /* id, create_date, write_date live in the record header */
  SimField *f;
  static const char * const names[] = { "id", "create_date", "write_date" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      f = g_new0 (SimField, 1);
      f->name = g_strdup (names[i]);
      f->type = i == 0 ? SIM_INT : SIM_DATETIME;
      f->slot = -1;
      g_ptr_array_add (m->fields, f);
      g_hash_table_insert (m->by_name, f->name, f);
    }
  f = g_new0 (SimField, 1);
  f->name = g_strdup ("display_name");
  f->type = SIM_DISPLAY_NAME;
  f->slot = -1;
  g_ptr_array_add (m->fields, f);
  g_hash_table_insert (m->by_name, f->name, f);
}

static void
model_free (SimModel *m)
{
  for (guint i = 0; i < m->records->len; i++)
    {
      SimRecord *rec = m->records->pdata[i];

      if (rec == NULL)
        continue;
      for (guint j = 0; j < m->fields->len; j++)
        {
          SimField *f = m->fields->pdata[j];

          if (f->slot < 0)
            continue;
          if (f->type == SIM_M2M && rec->v[f->slot].ids != NULL)
            g_array_unref (rec->v[f->slot].ids);
          else if ((f->type == SIM_CHAR || f->type == SIM_HTML || f->type == SIM_SELECTION ||
                    f->type == SIM_DATE || f->type == SIM_PHONE_SANITIZED) &&
                   rec->v[f->slot].s != UNCOMPUTED)
            g_free (rec->v[f->slot].s);
        }
      g_free (rec);
    }
  g_ptr_array_unref (m->records);
  g_ptr_array_unref (m->fields);
  g_hash_table_unref (m->by_name);
  g_free (m->name);
  g_free (m->description);
  g_free (m->order);
  g_free (m);
}

static void
add_phone_fields (SimStore *store, SimModel *m)
{
  add_field (m, "phone", SIM_CHAR, NULL);
  if (!SIM_V_AT_LEAST (&store->version, 18, 2))
    add_field (m, "mobile", SIM_CHAR, NULL);
  if (store->phone_validation)
    {
      add_field (m, "phone_sanitized", SIM_PHONE_SANITIZED, NULL);
      add_field (m, "phone_mobile_search", SIM_PHONE_SEARCH, NULL);
    }
}

static void
register_model (SimStore *store, SimModel *m)
{
  add_meta (m);
  g_hash_table_insert (store->models, m->name, m);
}

SimStore *
sim_store_new (const SimVersion *version, gboolean crm, gboolean phone_validation)
{
  SimStore *store = g_new0 (SimStore, 1);
  SimModel *m;
  SimField *f;

  store->version = *version;
  store->crm = crm;
  store->phone_validation = phone_validation;
  store->models = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) model_free);

  m = model_new ("res.partner", "Contact", "name asc, id desc", TRUE);
  f = add_field (m, "name", SIM_CHAR, NULL);
  add_field (m, "is_company", SIM_BOOL, NULL);
  add_field (m, "parent_id", SIM_M2O, "res.partner");
  f = add_field (m, "child_ids", SIM_O2M, "res.partner");
  f->inverse = g_strdup ("parent_id");
  f = add_field (m, "type", SIM_SELECTION, NULL);
  f->default_s = g_strdup ("contact");
  add_phone_fields (store, m);
  add_field (m, "email", SIM_CHAR, NULL);
  add_field (m, "user_id", SIM_M2O, "res.users");
  add_field (m, "country_id", SIM_M2O, "res.country");
  f = add_field (m, "active", SIM_BOOL, NULL);
  f->default_i = TRUE;
  /* Stored computed names (display_name itself is stored up to 15, then computed). */
  if (SIM_V_AT_LEAST (version, 16, 0))
    add_field (m, "complete_name", SIM_COMPLETE_NAME, NULL);
  add_field (m, "commercial_company_name", SIM_COMPANY_NAME, NULL);
  register_model (store, m);

  if (crm)
    {
      m = model_new ("crm.lead", "Lead", "id desc", TRUE);
      f = add_field (m, "name", SIM_CHAR, NULL);
      f->required = TRUE;
      f = add_field (m, "type", SIM_SELECTION, NULL);
      f->default_s = g_strdup ("lead");
      add_field (m, "contact_name", SIM_CHAR, NULL);
      add_field (m, "partner_name", SIM_CHAR, NULL);
      add_field (m, "partner_id", SIM_M2O, "res.partner");
      add_phone_fields (store, m);
      add_field (m, "email_from", SIM_CHAR, NULL);
      add_field (m, "user_id", SIM_M2O, "res.users");
      add_field (m, "country_id", SIM_M2O, "res.country");
      f = add_field (m, "active", SIM_BOOL, NULL);
      f->default_i = TRUE;
      register_model (store, m);
    }

  m = model_new ("res.users", "User", "name asc, login asc", FALSE);
  f = add_field (m, "login", SIM_CHAR, NULL);
  f->required = TRUE;
  add_field (m, "name", SIM_CHAR, NULL);
  add_field (m, "email", SIM_CHAR, NULL);
  add_field (m, "partner_id", SIM_M2O, "res.partner");
  add_field (m, "share", SIM_BOOL, NULL);
  f = add_field (m, "active", SIM_BOOL, NULL);
  f->default_i = TRUE;
  add_field (m, SIM_V_AT_LEAST (version, 19, 0) ? "group_ids" : "groups_id", SIM_M2M, "res.groups");
  add_field (m, "tz", SIM_CHAR, NULL);
  add_field (m, "company_id", SIM_M2O, "res.company");
  f = add_field (m, "notification_type", SIM_SELECTION, NULL);   /* "email" (default) or "inbox" */
  f->default_s = g_strdup ("email");
  register_model (store, m);

  m = model_new ("res.groups", "Access Groups", "name asc", FALSE);
  add_field (m, "name", SIM_CHAR, NULL);
  register_model (store, m);

  m = model_new ("res.company", "Companies", "id asc", FALSE);
  add_field (m, "name", SIM_CHAR, NULL);
  add_field (m, "partner_id", SIM_M2O, "res.partner");
  add_field (m, "country_id", SIM_M2O, "res.country");
  register_model (store, m);

  m = model_new ("res.country", "Country", "name asc", FALSE);
  add_field (m, "name", SIM_CHAR, NULL);
  add_field (m, "code", SIM_CHAR, NULL);
  register_model (store, m);

  m = model_new ("ir.model", "Models", "model asc", FALSE);
  add_field (m, "model", SIM_CHAR, NULL);
  add_field (m, "name", SIM_CHAR, NULL);
  register_model (store, m);

  m = model_new ("ir.model.data", "Model Data", "module asc, name asc, id asc", FALSE);
  add_field (m, "module", SIM_CHAR, NULL);
  add_field (m, "name", SIM_CHAR, NULL);
  add_field (m, "model", SIM_CHAR, NULL);
  add_field (m, "res_id", SIM_INT, NULL);
  register_model (store, m);

  m = model_new ("mail.activity.type", "Activity Type", "id asc", FALSE);
  add_field (m, "name", SIM_CHAR, NULL);
  add_field (m, "category", SIM_SELECTION, NULL);
  if (SIM_V_AT_LEAST (version, 17, 0))
    add_field (m, "keep_done", SIM_BOOL, NULL);
  register_model (store, m);

  m = model_new ("mail.activity", "Activity", "date_deadline asc, id asc", FALSE);
  f = add_field (m, "res_model_id", SIM_M2O, "ir.model");
  f->required = TRUE;
  add_field (m, "res_model", SIM_CHAR, NULL);
  f = add_field (m, "res_id", SIM_INT, NULL);
  f->required = TRUE;
  add_field (m, "activity_type_id", SIM_M2O, "mail.activity.type");
  add_field (m, "summary", SIM_CHAR, NULL);
  add_field (m, "note", SIM_HTML, NULL);
  f = add_field (m, "date_deadline", SIM_DATE, NULL);
  f->required = TRUE;
  add_field (m, "user_id", SIM_M2O, "res.users");
  if (SIM_V_AT_LEAST (version, 17, 0))
    {
      f = add_field (m, "active", SIM_BOOL, NULL);
      f->default_i = TRUE;
    }
  register_model (store, m);

  m = model_new ("mail.message.subtype", "Message subtypes", "id asc", FALSE);
  add_field (m, "name", SIM_CHAR, NULL);
  register_model (store, m);

  m = model_new ("mail.message", "Message", "id desc", FALSE);
  add_field (m, "model", SIM_CHAR, NULL);
  add_field (m, "res_id", SIM_INT, NULL);
  add_field (m, "body", SIM_HTML, NULL);
  f = add_field (m, "message_type", SIM_SELECTION, NULL);
  f->default_s = g_strdup ("notification");
  add_field (m, "subtype_id", SIM_M2O, "mail.message.subtype");
  add_field (m, "author_id", SIM_M2O, "res.partner");
  add_field (m, "mail_activity_type_id", SIM_M2O, "mail.activity.type");
  add_field (m, "date", SIM_DATETIME, NULL);
  register_model (store, m);

  /* the outgoing e-mail queue */
  m = model_new ("mail.mail", "Outgoing Mails", "id desc", FALSE);
  add_field (m, "subject", SIM_CHAR, NULL);
  add_field (m, "body_html", SIM_HTML, NULL);
  add_field (m, "recipient_ids", SIM_M2M, "res.partner");
  add_field (m, "model", SIM_CHAR, NULL);
  add_field (m, "res_id", SIM_INT, NULL);
  f = add_field (m, "state", SIM_SELECTION, NULL);
  f->default_s = g_strdup ("outgoing");
  register_model (store, m);

  return store;
}

void
sim_store_free (SimStore *store)
{
  if (store == NULL)
    return;
  g_hash_table_unref (store->models);
  g_free (store);
}

gint64
sim_store_now (SimStore *store)
{
  return store->clock != 0 ? store->clock : g_get_real_time () / G_USEC_PER_SEC;
}

SimModel *
sim_store_model (SimStore *store, const char *name)
{
  return name != NULL ? g_hash_table_lookup (store->models, name) : NULL;
}

SimField *
sim_model_field (SimModel *model, const char *name)
{
  return name != NULL ? g_hash_table_lookup (model->by_name, name) : NULL;
}

SimRecord *
sim_model_get (SimModel *model, gint64 id)
{
  if (id <= 0 || (guint64) id > model->records->len)
    return NULL;
  return model->records->pdata[id - 1];
}

static gboolean
is_string_type (SimType t)
{
  return t == SIM_CHAR || t == SIM_HTML || t == SIM_SELECTION || t == SIM_DATE || t == SIM_PHONE_SANITIZED;
}

SimRecord *
sim_model_new_record (SimStore *store, SimModel *model)
{
  SimRecord *rec = g_malloc0 (sizeof (SimRecord) + model->n_slots * sizeof (SimValue));

  rec->id = (gint64) model->records->len + 1;
  rec->create_date = rec->write_date = sim_store_now (store);
  for (guint i = 0; i < model->fields->len; i++)
    {
      SimField *f = model->fields->pdata[i];

      if (f->slot < 0)
        continue;
      if (f->type == SIM_PHONE_SANITIZED)
        rec->v[f->slot].s = UNCOMPUTED;
      else if (is_string_type (f->type))
        rec->v[f->slot].s = g_strdup (f->default_s);
      else if (f->type == SIM_BOOL || f->type == SIM_INT)
        rec->v[f->slot].i = f->default_i;
    }
  g_ptr_array_add (model->records, rec);
  model->live++;
  return rec;
}

static void
invalidate_phone (SimModel *model, SimRecord *rec)
{
  SimField *f = sim_model_field (model, "phone_sanitized");

  if (f == NULL)
    return;
  if (rec->v[f->slot].s != UNCOMPUTED)
    g_free (rec->v[f->slot].s);
  rec->v[f->slot].s = UNCOMPUTED;
}

static gboolean
affects_phone (const char *field)
{
  return g_str_equal (field, "phone") || g_str_equal (field, "mobile") || g_str_equal (field, "country_id");
}

void
sim_record_set_string (SimStore *store, SimModel *model, SimRecord *rec, const char *field, const char *value)
{
  SimField *f = sim_model_field (model, field);

  g_return_if_fail (f != NULL && f->slot >= 0 && is_string_type (f->type));
  g_free (rec->v[f->slot].s);
  rec->v[f->slot].s = value != NULL && *value != '\0' ? g_strdup (value) : NULL;
  if (affects_phone (field))
    invalidate_phone (model, rec);
}

void
sim_record_set_int (SimStore *store, SimModel *model, SimRecord *rec, const char *field, gint64 value)
{
  SimField *f = sim_model_field (model, field);

  g_return_if_fail (f != NULL && f->slot >= 0 && !is_string_type (f->type) && f->type != SIM_M2M);
  rec->v[f->slot].i = value;
  if (affects_phone (field))
    invalidate_phone (model, rec);
}

const char *
sim_record_get_string (SimModel *model, SimRecord *rec, const char *field)
{
  SimField *f = sim_model_field (model, field);

  if (f == NULL || f->slot < 0 || !is_string_type (f->type) || rec->v[f->slot].s == UNCOMPUTED)
    return NULL;
  return rec->v[f->slot].s;
}

gint64
sim_record_get_int (SimModel *model, SimRecord *rec, const char *field)
{
  SimField *f = sim_model_field (model, field);

  if (g_strcmp0 (field, "id") == 0)
    return rec->id;
  if (f == NULL || f->slot < 0 || is_string_type (f->type) || f->type == SIM_M2M)
    return 0;
  return rec->v[f->slot].i;
}

/* ---- computed values ---------------------------------------------------- */

const char *
sim_store_company_country (SimStore *store)
{
  SimModel *companies = sim_store_model (store, "res.company");
  SimModel *countries = sim_store_model (store, "res.country");
  SimRecord *company = sim_model_get (companies, 1);
  SimRecord *country;

  if (company == NULL)
    return NULL;
  country = sim_model_get (countries, sim_record_get_int (companies, company, "country_id"));
  return country != NULL ? sim_record_get_string (countries, country, "code") : NULL;
}

gint64
sim_store_country_id (SimStore *store, const char *code)
{
  SimModel *countries = sim_store_model (store, "res.country");
  g_autofree char *upper = NULL;
  SimRecord *rec;

  if (code == NULL || *code == '\0')
    return 0;
  upper = g_ascii_strup (code, -1);
  for (guint i = 0; i < countries->records->len; i++)
    {
      rec = countries->records->pdata[i];
      if (rec != NULL && g_strcmp0 (sim_record_get_string (countries, rec, "code"), upper) == 0)
        return rec->id;
    }
  rec = sim_model_new_record (store, countries);
  sim_record_set_string (store, countries, rec, "code", upper);
  sim_record_set_string (store, countries, rec, "name", upper);
  return rec->id;
}

void
sim_store_invalidate_phones (SimStore *store)
{
  static const char * const models[] = { "res.partner", "crm.lead" };

  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      SimModel *m = sim_store_model (store, models[i]);

      for (guint j = 0; m != NULL && j < m->records->len; j++)
        if (m->records->pdata[j] != NULL)
          invalidate_phone (m, m->records->pdata[j]);
    }
}

/* _phone_get_number_fields(): mobile first, then phone (≤18); phone only (19). */
static void
number_fields (SimModel *model, const char *out[3])
{
  guint n = 0;

  if (sim_model_field (model, "mobile") != NULL)
    out[n++] = "mobile";
  out[n++] = "phone";
  out[n] = NULL;
}

const char *
sim_store_phone_sanitized (SimStore *store, SimModel *model, SimRecord *rec)
{
  SimField *f = sim_model_field (model, "phone_sanitized");
  const char *fields[3];
  const char *region = NULL;
  SimModel *countries;
  SimRecord *country;

  if (f == NULL)
    return NULL;
  if (rec->v[f->slot].s != UNCOMPUTED)
    return rec->v[f->slot].s;

  /* record country, else the company's (phone_validation _phone_format) */
  countries = sim_store_model (store, "res.country");
  country = sim_model_get (countries, sim_record_get_int (model, rec, "country_id"));
  if (country != NULL)
    region = sim_record_get_string (countries, country, "code");
  if (region == NULL)
    region = sim_store_company_country (store);

  rec->v[f->slot].s = NULL;
  number_fields (model, fields);
  for (guint i = 0; fields[i] != NULL; i++)
    {
      const char *raw = sim_record_get_string (model, rec, fields[i]);
      g_autoptr(RdPhoneNumber) parsed = NULL;

      if (raw == NULL)
        continue;
      parsed = rd_phone_parse (raw, -1, region, NULL, NULL);
      if (parsed != NULL && parsed->e164 != NULL)
        {
          rec->v[f->slot].s = g_strdup (parsed->e164);
          break;
        }
    }
  return rec->v[f->slot].s;
}

char *
sim_store_display_name (SimStore *store, SimModel *model, SimRecord *rec)
{
  const char *name = sim_record_get_string (model, rec, "name");

  if (g_str_equal (model->name, "res.partner"))
    {
      SimRecord *parent = sim_model_get (model, sim_record_get_int (model, rec, "parent_id"));

      if (parent != NULL && !sim_record_get_int (model, rec, "is_company"))
        {
          const char *pname = sim_record_get_string (model, parent, "name");
          return g_strdup_printf ("%s, %s", pname ? pname : "", name ? name : "");
        }
    }
  if (g_str_equal (model->name, "ir.model.data"))
    return g_strdup_printf ("%s.%s", sim_record_get_string (model, rec, "module"), name);
  if (name == NULL && sim_model_field (model, "name") == NULL)
    return g_strdup_printf ("%s,%" G_GINT64_FORMAT, model->name, rec->id);
  return g_strdup (name != NULL ? name : "");
}

/* commercial_company_name: a company's own name, else the name of the company at the top of
 * the contact's parents (if any). */
static char *
commercial_company_name (SimModel *model, SimRecord *rec)
{
  SimRecord *p = rec;

  for (guint depth = 0; p != NULL && depth < 32; depth++)
    {
      SimRecord *parent = sim_model_get (model, sim_record_get_int (model, p, "parent_id"));

      if (parent == NULL || sim_record_get_int (model, p, "is_company"))
        break;
      p = parent;
    }
  if (p == NULL || !sim_record_get_int (model, p, "is_company"))
    return NULL;
  return g_strdup (sim_record_get_string (model, p, "name"));
}

char *
sim_store_computed_string (SimStore *store, SimModel *model, SimRecord *rec, SimField *f)
{
  switch (f->type)
    {
    case SIM_DISPLAY_NAME:
    case SIM_COMPLETE_NAME:
      return sim_store_display_name (store, model, rec);
    case SIM_COMPANY_NAME:
      return commercial_company_name (model, rec);
    default:
      return NULL;
    }
}

/* A contact created under a company takes the company's address, country included
 * (res.partner._fields_sync; seen on Odoo 17 over RPC). */
void
sim_store_sync_address_from_parent (SimStore *store, SimModel *model, SimRecord *rec)
{
  SimRecord *parent = sim_model_get (model, sim_record_get_int (model, rec, "parent_id"));

  if (parent != NULL && sim_record_get_int (model, rec, "country_id") == 0)
    sim_record_set_int (store, model, rec, "country_id", sim_record_get_int (model, parent, "country_id"));
}

/* ---- writes ------------------------------------------------------------- */

static gboolean
node_is_false (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node) ||
         (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
          !json_node_get_boolean (node));
}

static gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_int (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
node_is_bool (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

/* m2m commands: [[6, 0, ids]], [[4, id]], or a plain id list (19) */
static gboolean
m2m_ids (JsonNode *node, GArray *ids)
{
  JsonArray *arr;

  if (node_is_false (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  arr = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *el = json_array_get_element (arr, i);

      if (node_is_int (el))
        {
          gint64 id = json_node_get_int (el);
          g_array_append_val (ids, id);
        }
      else if (JSON_NODE_HOLDS_ARRAY (el))
        {
          JsonArray *cmd = json_node_get_array (el);
          gint64 op = json_array_get_length (cmd) > 0 && node_is_int (json_array_get_element (cmd, 0))
                      ? json_array_get_int_element (cmd, 0) : -1;

          if (op == 6 && json_array_get_length (cmd) == 3)
            {
              g_array_set_size (ids, 0);
              if (!m2m_ids (json_array_get_element (cmd, 2), ids))
                return FALSE;
            }
          else if (op == 4 && json_array_get_length (cmd) >= 2 && node_is_int (json_array_get_element (cmd, 1)))
            {
              gint64 id = json_array_get_int_element (cmd, 1);
              g_array_append_val (ids, id);
            }
          else
            return FALSE;
        }
      else
        return FALSE;
    }
  return TRUE;
}

static gboolean
assign (SimStore *store, SimModel *model, SimRecord *rec, SimField *f, JsonNode *value, GError **error)
{
  if (f->slot < 0 || f->type == SIM_PHONE_SANITIZED)
    {
      /* computed fields without inverse: Odoo ignores them on write */
      return TRUE;
    }
  switch (f->type)
    {
    case SIM_CHAR:
    case SIM_HTML:
    case SIM_SELECTION:
    case SIM_DATE:
      if (!node_is_false (value) && !node_is_string (value))
        break;
      if (f->type == SIM_DATE && node_is_string (value))
        {
          gint64 t;
          if (!parse_datetime (json_node_get_string (value), &t) || strlen (json_node_get_string (value)) != 10)
            {
              g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR,
                           "time data '%s' does not match format '%%Y-%%m-%%d'", json_node_get_string (value));
              return FALSE;
            }
        }
      sim_record_set_string (store, model, rec, f->name, node_is_string (value) ? json_node_get_string (value) : NULL);
      return TRUE;
    case SIM_BOOL:
      if (!node_is_bool (value) && !node_is_false (value))
        break;
      rec->v[f->slot].i = node_is_bool (value) && json_node_get_boolean (value);
      return TRUE;
    case SIM_INT:
      if (!node_is_int (value) && !node_is_false (value))
        break;
      rec->v[f->slot].i = node_is_int (value) ? json_node_get_int (value) : 0;
      return TRUE;
    case SIM_M2O:
      if (node_is_false (value))
        {
          sim_record_set_int (store, model, rec, f->name, 0);
          return TRUE;
        }
      if (!node_is_int (value))
        break;
      if (sim_model_get (sim_store_model (store, f->relation), json_node_get_int (value)) == NULL)
        {
          g_set_error (error, SIM_EXC, SIM_EXC_VALIDATION_ERROR,
                       "The operation cannot be completed: the record %s(%" G_GINT64_FORMAT ",) referenced by %s does not exist.",
                       f->relation, json_node_get_int (value), f->name);
          return FALSE;
        }
      sim_record_set_int (store, model, rec, f->name, json_node_get_int (value));
      return TRUE;
    case SIM_M2M:
      {
        g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

        if (!m2m_ids (value, ids))
          break;
        if (rec->v[f->slot].ids != NULL)
          g_array_unref (rec->v[f->slot].ids);
        rec->v[f->slot].ids = g_steal_pointer (&ids);
        return TRUE;
      }
    case SIM_DATETIME:
      {
        gint64 t;
        if (!node_is_string (value) || !parse_datetime (json_node_get_string (value), &t))
          break;
        rec->v[f->slot].i = t;
        return TRUE;
      }
    default:
      break;
    }
  g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Wrong value for %s.%s", model->name, f->name);
  return FALSE;
}

static gboolean
check_vals (SimModel *model, JsonObject *vals, GError **error)
{
  g_autoptr(GList) members = json_object_get_members (vals);

  for (GList *l = members; l != NULL; l = l->next)
    {
      SimField *f = sim_model_field (model, l->data);

      if (f == NULL || g_str_equal (f->name, "id"))
        {
          g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid field '%s' on model '%s'",
                       (const char *) l->data, model->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_required (SimModel *model, SimRecord *rec, GError **error)
{
  for (guint i = 0; i < model->fields->len; i++)
    {
      SimField *f = model->fields->pdata[i];
      gboolean empty;

      if (!f->required)
        continue;
      empty = is_string_type (f->type) ? rec->v[f->slot].s == NULL : rec->v[f->slot].i == 0;
      if (empty)
        {
          g_set_error (error, SIM_EXC, SIM_EXC_VALIDATION_ERROR,
                       "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
                       "- Delete: another model requires the record being deleted.\n\nModel: %s (%s), Field: %s (%s)",
                       model->description, model->name, f->name, f->name);
          return FALSE;
        }
    }
  /* res_partner_check_name: contacts need a name */
  if (g_str_equal (model->name, "res.partner") && sim_record_get_string (model, rec, "name") == NULL &&
      g_strcmp0 (sim_record_get_string (model, rec, "type"), "contact") == 0)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_VALIDATION_ERROR, "Contacts require a name");
      return FALSE;
    }
  return TRUE;
}

static void
record_destroy (SimModel *model, SimRecord *rec)
{
  for (guint j = 0; j < model->fields->len; j++)
    {
      SimField *f = model->fields->pdata[j];

      if (f->slot < 0)
        continue;
      if (f->type == SIM_M2M && rec->v[f->slot].ids != NULL)
        g_array_unref (rec->v[f->slot].ids);
      else if (is_string_type (f->type) && rec->v[f->slot].s != UNCOMPUTED)
        g_free (rec->v[f->slot].s);
    }
  g_free (rec);
}

gint64
sim_store_create (SimStore *store, const char *model_name, JsonObject *vals, GError **error)
{
  SimModel *model = sim_store_model (store, model_name);
  g_autoptr(GList) members = NULL;
  SimRecord *rec;

  g_return_val_if_fail (model != NULL, 0);
  if (!check_vals (model, vals, error))
    return 0;
  rec = sim_model_new_record (store, model);
  members = json_object_get_members (vals);
  for (GList *l = members; l != NULL; l = l->next)
    if (!assign (store, model, rec, sim_model_field (model, l->data), json_object_get_member (vals, l->data), error))
      goto fail;
  if (!check_required (model, rec, error))
    goto fail;
  if (g_str_equal (model_name, "res.partner") && !json_object_has_member (vals, "country_id"))
    sim_store_sync_address_from_parent (store, model, rec);
  return rec->id;

fail:
  /* the transaction is rolled back: the id stays consumed, like a sequence */
  model->records->pdata[rec->id - 1] = NULL;
  model->live--;
  record_destroy (model, rec);
  return 0;
}

gboolean
sim_store_write (SimStore *store, const char *model_name, gint64 id, JsonObject *vals, GError **error)
{
  SimModel *model = sim_store_model (store, model_name);
  SimRecord *rec = model != NULL ? sim_model_get (model, id) : NULL;
  g_autoptr(GList) members = NULL;

  if (rec == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_MISSING_ERROR,
                   "Record does not exist or has been deleted.\n(Record: %s(%" G_GINT64_FORMAT ",), User: 2)",
                   model_name, id);
      return FALSE;
    }
  if (!check_vals (model, vals, error))
    return FALSE;
  members = json_object_get_members (vals);
  for (GList *l = members; l != NULL; l = l->next)
    if (!assign (store, model, rec, sim_model_field (model, l->data), json_object_get_member (vals, l->data), error))
      return FALSE;
  if (!check_required (model, rec, error))
    return FALSE;
  rec->write_date = sim_store_now (store);
  return TRUE;
}

gboolean
sim_store_unlink (SimStore *store, const char *model_name, gint64 id, GError **error)
{
  SimModel *model = sim_store_model (store, model_name);
  SimRecord *rec = model != NULL ? sim_model_get (model, id) : NULL;

  if (rec == NULL)
    {
      g_set_error (error, SIM_EXC, SIM_EXC_MISSING_ERROR, "Record does not exist or has been deleted.");
      return FALSE;
    }
  model->records->pdata[id - 1] = NULL;
  model->live--;
  record_destroy (model, rec);
  return TRUE;
}

/* ---- domains ------------------------------------------------------------ */

typedef enum { N_AND, N_OR, N_NOT, N_LEAF, N_TRUE, N_FALSE } NodeKind;

typedef struct Node Node;
struct Node {
  NodeKind  kind;
  Node     *a, *b;
  /* leaf */
  SimField *field;
  char     *op;
  JsonNode *value;
  gboolean  value_false;
  char     *text;        /* string value (ilike: lower-cased pattern) */
  GArray   *ints;        /* in / not in for ints */
  GPtrArray *strs;       /* in / not in for strings */
  gboolean  in_has_false;
  gint64    num;
  /* phone search */
  char     *term;
  gboolean  prefix;      /* input started with + or 00 */
  gboolean  digits_only; /* 14 crm.lead */
  gboolean  any_op;      /* 14/15: operator ignored */
};

static void
node_free (Node *n)
{
  if (n == NULL)
    return;
  node_free (n->a);
  node_free (n->b);
  g_free (n->op);
  g_clear_pointer (&n->value, json_node_unref);
  g_free (n->text);
  g_clear_pointer (&n->ints, g_array_unref);
  g_clear_pointer (&n->strs, g_ptr_array_unref);
  g_free (n->term);
  g_free (n);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static const char * const operators[] = {
  "=", "!=", "<>", "<", ">", "<=", ">=", "like", "ilike", "not like", "not ilike", "=like", "=ilike",
  "in", "not in", NULL
};

static gboolean
is_negative (const char *op)
{
  return g_str_equal (op, "!=") || g_str_equal (op, "<>") || g_str_equal (op, "not like") ||
         g_str_equal (op, "not ilike") || g_str_equal (op, "not in");
}

static char *
strip_phone (const char *value, gboolean digits_only)
{
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (digits_only ? !(g_ascii_isdigit (*p) || *p == '+')
                      : (g_ascii_isspace (*p) || strchr ("\\./()-", *p) != NULL))
        continue;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
prepare_phone_leaf (SimStore *store, SimModel *model, Node *n, GError **error)
{
  const char *value;
  g_autofree char *stripped = NULL;
  gboolean v14_lead = store->version.major == 14 && g_str_equal (model->name, "crm.lead");

  if (n->value_false || node_is_bool (n->value))
    {
      if (!g_str_equal (n->op, "=") && !g_str_equal (n->op, "!="))
        goto bad;
      return TRUE;   /* set / not set */
    }
  if (!node_is_string (n->value))
    goto bad;
  value = json_node_get_string (n->value);
  stripped = g_strstrip (g_strdup (value));
  if (strlen (stripped) < 3)
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_USER_ERROR,
                           v14_lead ? "Please enter at least 3 digits when searching on phone / mobile."
                                    : "Please enter at least 3 characters when searching a Phone/Mobile number.");
      return FALSE;
    }
  n->prefix = g_str_has_prefix (stripped, "+") || g_str_has_prefix (stripped, "00");
  n->digits_only = v14_lead;
  n->any_op = store->version.major <= 15;
  if (v14_lead)
    {
      g_autofree char *digits = strip_phone (stripped, TRUE);
      GString *t = g_string_new (NULL);

      for (const char *p = digits; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (t, *p);
      /* value.replace('+', '').replace('00', '', 1) */
      if (n->prefix && g_str_has_prefix (t->str, "00") && !g_str_has_prefix (stripped, "+"))
        g_string_erase (t, 0, 2);
      n->term = g_string_free (t, FALSE);
    }
  else
    {
      const char *rest = stripped + (stripped[0] == '+' ? 1 : n->prefix ? 2 : 0);
      n->term = strip_phone (rest, FALSE);
    }
  if (!n->any_op && !g_str_equal (n->op, "=") && !g_str_equal (n->op, "!=") &&
      !g_str_equal (n->op, "like") && !g_str_equal (n->op, "ilike") && !g_str_equal (n->op, "not like") &&
      !g_str_equal (n->op, "not ilike") && !g_str_equal (n->op, "=like") && !g_str_equal (n->op, "=ilike"))
    goto bad;
  return TRUE;

bad:
  g_set_error (error, SIM_EXC, SIM_EXC_USER_ERROR, "Unsupported operator %s on phone_mobile_search", n->op);
  return FALSE;
}

static gboolean
prepare_leaf (SimStore *store, SimModel *model, JsonArray *leaf, Node *n, GError **error)
{
  JsonNode *fnode = json_array_get_element (leaf, 0);
  JsonNode *onode = json_array_get_element (leaf, 1);
  const char *fname;
  g_autofree char *repr = NULL;

  n->value = json_node_ref (json_array_get_element (leaf, 2));
  n->value_false = node_is_false (n->value) && !node_is_bool (n->value) ? TRUE : node_is_false (n->value);

  /* TRUE_LEAF (1, '=', 1) / FALSE_LEAF (0, '=', 1) */
  if (node_is_int (fnode) && node_is_string (onode) && g_str_equal (json_node_get_string (onode), "=") &&
      node_is_int (n->value) && json_node_get_int (n->value) == 1)
    {
      n->kind = json_node_get_int (fnode) == 1 ? N_TRUE : N_FALSE;
      if (json_node_get_int (fnode) == 1 || json_node_get_int (fnode) == 0)
        return TRUE;
    }
  if (!node_is_string (fnode) || !node_is_string (onode) ||
      !g_strv_contains (operators, json_node_get_string (onode)))
    goto invalid;
  fname = json_node_get_string (fnode);
  n->kind = N_LEAF;
  n->op = g_ascii_strdown (json_node_get_string (onode), -1);
  n->field = sim_model_field (model, fname);
  if (n->field == NULL)
    {
      g_autofree char *leaf_text = NULL;
      g_autoptr(JsonNode) wrap = json_node_init_array (json_node_alloc (), leaf);
      g_autoptr(JsonGenerator) gen = json_generator_new ();

      json_generator_set_root (gen, wrap);
      leaf_text = json_generator_to_data (gen, NULL);
      g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid field %s.%s in leaf %s", model->name, fname, leaf_text);
      return FALSE;
    }
  if (n->field->type == SIM_PHONE_SEARCH)
    return prepare_phone_leaf (store, model, n, error);

  if (g_str_equal (n->op, "in") || g_str_equal (n->op, "not in"))
    {
      JsonArray *arr;

      if (!JSON_NODE_HOLDS_ARRAY (n->value))
        {
          /* Odoo accepts a scalar and wraps it */
          JsonArray *wrap = json_array_new ();
          json_array_add_element (wrap, json_node_copy (n->value));
          json_node_unref (n->value);
          n->value = json_node_init_array (json_node_alloc (), wrap);
          json_array_unref (wrap);
        }
      arr = json_node_get_array (n->value);
      n->ints = g_array_new (FALSE, FALSE, sizeof (gint64));
      n->strs = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *el = json_array_get_element (arr, i);

          if (node_is_int (el))
            {
              gint64 v = json_node_get_int (el);
              g_array_append_val (n->ints, v);
            }
          else if (node_is_bool (el))
            {
              gint64 v = json_node_get_boolean (el);
              if (n->field->type == SIM_BOOL)
                g_array_append_val (n->ints, v);
              else if (!v)
                n->in_has_false = TRUE;
              else
                goto invalid_value;
            }
          else if (node_is_string (el))
            g_ptr_array_add (n->strs, g_strdup (json_node_get_string (el)));
          else if (JSON_NODE_HOLDS_NULL (el))
            n->in_has_false = TRUE;
          else
            goto invalid_value;
        }
      return TRUE;
    }

  switch (n->field->type)
    {
    case SIM_INT:
    case SIM_M2O:
    case SIM_M2M:
      if (node_is_int (n->value))
        n->num = json_node_get_int (n->value);
      else if (!n->value_false)
        goto invalid_value;
      if (strstr (n->op, "like") != NULL)
        goto invalid_value;
      return TRUE;
    case SIM_BOOL:
      if (!node_is_bool (n->value) && !n->value_false)
        goto invalid_value;
      n->num = node_is_bool (n->value) && json_node_get_boolean (n->value);
      return TRUE;
    case SIM_DATETIME:
      if (n->value_false)
        return TRUE;
      if (!node_is_string (n->value) || !parse_datetime (json_node_get_string (n->value), &n->num))
        {
          g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid datetime value in domain");
          return FALSE;
        }
      return TRUE;
    case SIM_O2M:
      goto invalid;
    default:
      if (n->value_false)
        return TRUE;
      if (!node_is_string (n->value))
        goto invalid_value;
      if (g_str_equal (n->op, "like") || g_str_equal (n->op, "not like"))
        n->text = g_strdup_printf ("%%%s%%", json_node_get_string (n->value));
      else if (g_str_equal (n->op, "ilike") || g_str_equal (n->op, "not ilike"))
        {
          g_autofree char *lower = g_utf8_strdown (json_node_get_string (n->value), -1);
          n->text = g_strdup_printf ("%%%s%%", lower);
        }
      else if (g_str_equal (n->op, "=ilike"))
        n->text = g_utf8_strdown (json_node_get_string (n->value), -1);
      else
        n->text = g_strdup (json_node_get_string (n->value));
      return TRUE;
    }

invalid_value:
  g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid value for %s.%s with operator %s",
               model->name, n->field ? n->field->name : "?", n->op ? n->op : "?");
  return FALSE;
invalid:
  g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid leaf in domain for model %s", model->name);
  return FALSE;
}

static Node *
parse_term (SimStore *store, SimModel *model, JsonArray *domain, guint *pos, guint depth, GError **error)
{
  JsonNode *el;
  g_autoptr(Node) n = NULL;

  if (depth > 64)
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Domain too deep");
      return NULL;
    }
  if (*pos >= json_array_get_length (domain))
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid domain: missing operand");
      return NULL;
    }
  el = json_array_get_element (domain, (*pos)++);
  n = g_new0 (Node, 1);
  if (node_is_string (el))
    {
      const char *op = json_node_get_string (el);

      if (g_str_equal (op, "&") || g_str_equal (op, "|"))
        {
          n->kind = op[0] == '&' ? N_AND : N_OR;
          if ((n->a = parse_term (store, model, domain, pos, depth + 1, error)) == NULL ||
              (n->b = parse_term (store, model, domain, pos, depth + 1, error)) == NULL)
            return NULL;
          return g_steal_pointer (&n);
        }
      if (g_str_equal (op, "!"))
        {
          n->kind = N_NOT;
          if ((n->a = parse_term (store, model, domain, pos, depth + 1, error)) == NULL)
            return NULL;
          return g_steal_pointer (&n);
        }
    }
  else if (el != NULL && JSON_NODE_HOLDS_ARRAY (el) && json_array_get_length (json_node_get_array (el)) == 3)
    {
      if (!prepare_leaf (store, model, json_node_get_array (el), n, error))
        return NULL;
      return g_steal_pointer (&n);
    }
  g_set_error_literal (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid domain term");
  return NULL;
}

static gboolean
mentions_active (Node *n)
{
  if (n == NULL)
    return FALSE;
  if (n->kind == N_LEAF && g_str_equal (n->field->name, "active"))
    return TRUE;
  return mentions_active (n->a) || mentions_active (n->b);
}

static Node *
parse_domain (SimStore *store, SimModel *model, JsonNode *domain, GError **error)
{
  JsonArray *arr;
  Node *root = NULL;
  guint pos = 0;

  if (domain == NULL || node_is_false (domain))
    return g_new0 (Node, 1);   /* N_AND with no children: handled as TRUE below */
  if (!JSON_NODE_HOLDS_ARRAY (domain))
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid domain: not a list");
      return NULL;
    }
  arr = json_node_get_array (domain);
  while (pos < json_array_get_length (arr))
    {
      Node *t = parse_term (store, model, arr, &pos, 0, error);

      if (t == NULL)
        {
          node_free (root);
          return NULL;
        }
      if (root == NULL)
        root = t;
      else
        {
          Node *and = g_new0 (Node, 1);
          and->kind = N_AND;
          and->a = root;
          and->b = t;
          root = and;
        }
    }
  if (root == NULL)
    {
      root = g_new0 (Node, 1);
      root->kind = N_TRUE;
    }
  return root;
}

/* SQL LIKE on UCS-4 text: % any run, _ one character, \ escapes. */
static gboolean
like_ucs4 (const gunichar *s, const gunichar *p)
{
  const gunichar *star_p = NULL, *star_s = NULL;

  while (*s != 0)
    {
      if (*p == '\\' && p[1] != 0 && p[1] == *s)
        {
          p += 2;
          s++;
        }
      else if (*p == '%')
        {
          star_p = ++p;
          star_s = s;
        }
      else if (*p != 0 && *p != '\\' && (*p == '_' || *p == *s))
        {
          p++;
          s++;
        }
      else if (star_p != NULL)
        {
          p = star_p;
          s = ++star_s;
        }
      else
        return FALSE;
    }
  while (*p == '%')
    p++;
  return *p == 0;
}

static gboolean
like (const char *text, const char *pattern, gboolean fold)
{
  g_autofree char *lower = fold ? g_utf8_strdown (text, -1) : NULL;
  g_autofree gunichar *s = g_utf8_to_ucs4_fast (fold ? lower : text, -1, NULL);
  g_autofree gunichar *p = g_utf8_to_ucs4_fast (pattern, -1, NULL);

  return like_ucs4 (s, p);
}

static gboolean
phone_one (Node *n, const char *raw)
{
  g_autofree char *stored = NULL;
  const char *op = n->op;

  if (raw == NULL)
    return FALSE;
  stored = strip_phone (raw, n->digits_only);
  if (n->digits_only)
    {
      if (n->prefix)
        return (g_str_has_prefix (stored, "00") && g_str_has_prefix (stored + 2, n->term)) ||
               (g_str_has_prefix (stored, "+") && g_str_has_prefix (stored + 1, n->term));
      return strstr (stored, n->term) != NULL;
    }
  if (n->any_op || strstr (op, "like") != NULL)
    {
      if (n->prefix)
        return (g_str_has_prefix (stored, "00") && g_str_has_prefix (stored + 2, n->term)) ||
               (g_str_has_prefix (stored, "+") && g_str_has_prefix (stored + 1, n->term));
      return strstr (stored, n->term) != NULL;
    }
  /* = / != : exact on the stripped value */
  if (n->prefix)
    return (g_str_has_prefix (stored, "00") && g_str_equal (stored + 2, n->term)) ||
           (g_str_has_prefix (stored, "+") && g_str_equal (stored + 1, n->term));
  return g_str_equal (stored, n->term);
}

static gboolean
eval_phone (SimStore *store, SimModel *model, SimRecord *rec, Node *n)
{
  const char *fields[3];
  gboolean any = FALSE, all_not = TRUE;

  /* 14 partners / 15: hard-coded phone + mobile; 16+: _phone_get_number_fields() */
  number_fields (model, fields);
  if (n->term == NULL)
    {
      gboolean set = FALSE;
      gboolean want_set = (g_str_equal (n->op, "!=")) == n->value_false;

      for (guint i = 0; fields[i] != NULL; i++)
        set = set || sim_record_get_string (model, rec, fields[i]) != NULL;
      return set == want_set;
    }
  for (guint i = 0; fields[i] != NULL; i++)
    {
      const char *raw = sim_record_get_string (model, rec, fields[i]);
      gboolean m = phone_one (n, raw);

      any = any || m;
      if (raw != NULL && m)
        all_not = FALSE;
    }
  if (!n->any_op && !n->digits_only && is_negative (n->op))
    return all_not;
  return any;
}

static gint
cmp_int (gint64 a, gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static gboolean
apply_cmp (const char *op, gint c)
{
  if (g_str_equal (op, "=")) return c == 0;
  if (g_str_equal (op, "!=") || g_str_equal (op, "<>")) return c != 0;
  if (g_str_equal (op, "<")) return c < 0;
  if (g_str_equal (op, ">")) return c > 0;
  if (g_str_equal (op, "<=")) return c <= 0;
  if (g_str_equal (op, ">=")) return c >= 0;
  return FALSE;
}

static gboolean
eval_leaf (SimStore *store, SimModel *model, SimRecord *rec, Node *n)
{
  SimField *f = n->field;
  gboolean in = g_str_equal (n->op, "in"), not_in = g_str_equal (n->op, "not in");

  switch (f->type)
    {
    case SIM_PHONE_SEARCH:
      return eval_phone (store, model, rec, n);

    case SIM_INT:
    case SIM_M2O:
    case SIM_BOOL:
      {
        gint64 v = g_str_equal (f->name, "id") ? rec->id : rec->v[f->slot].i;

        if (in || not_in)
          {
            gboolean found = n->in_has_false && v == 0;
            for (guint i = 0; i < n->ints->len && !found; i++)
              found = g_array_index (n->ints, gint64, i) == v;
            return in ? found : !found;
          }
        if (n->value_false && f->type != SIM_BOOL)
          return apply_cmp (n->op, v == 0 ? 0 : 1);
        if (f->type != SIM_BOOL && v == 0 && !g_str_equal (n->op, "!="))
          return FALSE;   /* NULL compares false in SQL */
        return apply_cmp (n->op, cmp_int (v, n->num));
      }

    case SIM_M2M:
      {
        GArray *ids = rec->v[f->slot].ids;
        gboolean found = FALSE;

        for (guint i = 0; ids != NULL && i < ids->len && !found; i++)
          {
            gint64 v = g_array_index (ids, gint64, i);
            if (in || not_in)
              for (guint j = 0; j < n->ints->len && !found; j++)
                found = g_array_index (n->ints, gint64, j) == v;
            else
              found = v == n->num;
          }
        return (in || g_str_equal (n->op, "=")) ? found : !found;
      }

    case SIM_DATETIME:
      {
        gint64 v = g_str_equal (f->name, "write_date") ? rec->write_date
                 : g_str_equal (f->name, "create_date") ? rec->create_date : rec->v[f->slot].i;
        if (n->value_false)
          return apply_cmp (n->op, v == 0 ? 0 : 1);
        return apply_cmp (n->op, cmp_int (v, n->num));
      }

    default:
      {
        g_autofree char *display = NULL;
        const char *v;

        if (f->type == SIM_DISPLAY_NAME || f->type == SIM_COMPLETE_NAME || f->type == SIM_COMPANY_NAME)
          v = display = sim_store_computed_string (store, model, rec, f);
        else if (f->type == SIM_PHONE_SANITIZED)
          v = sim_store_phone_sanitized (store, model, rec);
        else
          v = rec->v[f->slot].s;

        if (in || not_in)
          {
            gboolean found = v == NULL ? n->in_has_false : FALSE;
            for (guint i = 0; v != NULL && i < n->strs->len && !found; i++)
              found = g_str_equal (n->strs->pdata[i], v);
            return in ? found : !found;
          }
        if (n->value_false)
          {
            if (g_str_equal (n->op, "=")) return v == NULL;
            if (g_str_equal (n->op, "!=") || g_str_equal (n->op, "<>")) return v != NULL;
            return FALSE;
          }
        if (g_str_equal (n->op, "!=") || g_str_equal (n->op, "<>"))
          return v == NULL || !g_str_equal (v, n->text);
        if (g_str_equal (n->op, "not like") || g_str_equal (n->op, "not ilike"))
          return v == NULL || !like (v, n->text, n->op[4] == 'i');
        if (v == NULL)
          return FALSE;
        if (g_str_equal (n->op, "like") || g_str_equal (n->op, "=like"))
          return like (v, n->text, FALSE);
        if (g_str_equal (n->op, "ilike") || g_str_equal (n->op, "=ilike"))
          return like (v, n->text, TRUE);
        return apply_cmp (n->op, strcmp (v, n->text));
      }
    }
}

static gboolean
eval (SimStore *store, SimModel *model, SimRecord *rec, Node *n)
{
  switch (n->kind)
    {
    case N_AND:
      return (n->a == NULL || eval (store, model, rec, n->a)) && (n->b == NULL || eval (store, model, rec, n->b));
    case N_OR:
      return eval (store, model, rec, n->a) || eval (store, model, rec, n->b);
    case N_NOT:
      return !eval (store, model, rec, n->a);
    case N_TRUE:
      return TRUE;
    case N_FALSE:
      return FALSE;
    case N_LEAF:
      return eval_leaf (store, model, rec, n);
    }
  return FALSE;
}

/* ---- ordering ----------------------------------------------------------- */

typedef struct {
  SimStore  *store;
  SimModel  *model;
  SimField  *fields[8];
  gboolean   desc[8];
  guint      n;
} Order;

static gboolean
parse_order (SimModel *model, const char *spec, Order *order, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ",", -1);

  order->n = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      SimField *f;
      guint nw;

      g_strstrip (parts[i]);
      if (*parts[i] == '\0')
        continue;
      words = g_strsplit_set (parts[i], " \t", -1);
      nw = 0;
      for (guint j = 0; words[j] != NULL; j++)
        if (*words[j] != '\0')
          words[nw++] = words[j];
      f = sim_model_field (model, words[0]);
      if (f == NULL || order->n >= G_N_ELEMENTS (order->fields) || nw > 2 ||
          (nw == 2 && g_ascii_strcasecmp (words[1], "asc") != 0 && g_ascii_strcasecmp (words[1], "desc") != 0) ||
          f->type == SIM_O2M || f->type == SIM_M2M || f->type == SIM_PHONE_SEARCH)
        {
          g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid \"order\" specified (%s).", spec);
          return FALSE;
        }
      order->fields[order->n] = f;
      order->desc[order->n] = nw == 2 && g_ascii_strcasecmp (words[1], "desc") == 0;
      order->n++;
    }
  return TRUE;
}

static gint
compare_records (gconstpointer pa, gconstpointer pb, gpointer data)
{
  Order *o = data;
  SimRecord *a = *(SimRecord * const *) pa;
  SimRecord *b = *(SimRecord * const *) pb;

  for (guint i = 0; i < o->n; i++)
    {
      SimField *f = o->fields[i];
      gint c = 0;

      if (g_str_equal (f->name, "id"))
        c = cmp_int (a->id, b->id);
      else if (g_str_equal (f->name, "write_date"))
        c = cmp_int (a->write_date, b->write_date);
      else if (g_str_equal (f->name, "create_date"))
        c = cmp_int (a->create_date, b->create_date);
      else if (f->type == SIM_DISPLAY_NAME || f->type == SIM_COMPLETE_NAME || f->type == SIM_COMPANY_NAME)
        {
          g_autofree char *da = sim_store_computed_string (o->store, o->model, a, f);
          g_autofree char *db = sim_store_computed_string (o->store, o->model, b, f);
          c = g_strcmp0 (da, db);
        }
      else if (f->type == SIM_PHONE_SANITIZED)
        c = g_strcmp0 (sim_store_phone_sanitized (o->store, o->model, a),
                       sim_store_phone_sanitized (o->store, o->model, b));
      else if (is_string_type (f->type))
        {
          /* NULLs last in ascending order, like PostgreSQL */
          const char *sa = a->v[f->slot].s, *sb = b->v[f->slot].s;
          c = sa == NULL ? (sb == NULL ? 0 : 1) : sb == NULL ? -1 : strcmp (sa, sb);
        }
      else
        c = cmp_int (a->v[f->slot].i, b->v[f->slot].i);
      if (c != 0)
        return o->desc[i] ? -c : c;
    }
  return cmp_int (a->id, b->id);
}

/* The ids a domain that is a plain conjunction keeps at most, from its top-level `id` leaves
 * (>, >=, <, <=, =): *lo <= id < *hi. Records are stored by id, so a search walks only that
 * range, as PostgreSQL walks the primary key's index. A domain with "|" or "!" at the top
 * gives no bound (*lo = 1, *hi = G_MAXINT64): PostgreSQL would OR two index ranges, the
 * simulator scans. */
static void
domain_id_range (JsonNode *domain, gint64 *lo, gint64 *hi)
{
  JsonArray *arr;

  *lo = 1;
  *hi = G_MAXINT64;
  if (domain == NULL || !JSON_NODE_HOLDS_ARRAY (domain))
    return;
  arr = json_node_get_array (domain);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *term = json_array_get_element (arr, i);
      JsonArray *leaf;
      const char *op;
      gint64 n;

      if (JSON_NODE_HOLDS_VALUE (term))
        {
          if (json_node_get_value_type (term) == G_TYPE_STRING && g_strcmp0 (json_node_get_string (term), "&") == 0)
            continue;
          *lo = 1;
          *hi = G_MAXINT64;
          return;   /* "|" or "!": not a plain conjunction */
        }
      if (!JSON_NODE_HOLDS_ARRAY (term) || json_array_get_length (leaf = json_node_get_array (term)) != 3 ||
          !JSON_NODE_HOLDS_VALUE (json_array_get_element (leaf, 0)) ||
          g_strcmp0 (json_array_get_string_element (leaf, 0), "id") != 0 ||
          !JSON_NODE_HOLDS_VALUE (json_array_get_element (leaf, 1)) ||
          json_node_get_value_type (json_array_get_element (leaf, 1)) != G_TYPE_STRING ||
          !JSON_NODE_HOLDS_VALUE (json_array_get_element (leaf, 2)) ||
          json_node_get_value_type (json_array_get_element (leaf, 2)) != G_TYPE_INT64)
        continue;
      op = json_array_get_string_element (leaf, 1);
      n = json_array_get_int_element (leaf, 2);
      if (g_str_equal (op, ">"))
        *lo = MAX (*lo, n + 1);
      else if (g_str_equal (op, ">="))
        *lo = MAX (*lo, n);
      else if (g_str_equal (op, "<"))
        *hi = MIN (*hi, n);
      else if (g_str_equal (op, "<="))
        *hi = MIN (*hi, n + 1);
      else if (g_str_equal (op, "="))
        {
          *lo = MAX (*lo, n);
          *hi = MIN (*hi, n + 1);
        }
    }
}

GArray *
sim_store_search (SimStore *store, const char *model_name, JsonNode *domain, JsonObject *context,
                  const char *order_spec, gint64 offset, gint64 limit, GError **error)
{
  SimModel *model = sim_store_model (store, model_name);
  g_autoptr(Node) root = NULL;
  g_autoptr(GPtrArray) hits = g_ptr_array_new ();
  GArray *ids;
  Order order = { store, model, { NULL }, { FALSE }, 0 };
  gboolean active_test = TRUE;
  SimField *active = sim_model_field (model, "active");
  gboolean by_id;
  guint64 enough;
  gint64 lo, hi;

  g_return_val_if_fail (model != NULL, NULL);
  root = parse_domain (store, model, domain, error);
  if (root == NULL)
    return NULL;
  if (!parse_order (model, order_spec != NULL && *order_spec != '\0' ? order_spec : model->order, &order, error))
    return NULL;
  if (context != NULL && json_object_has_member (context, "active_test") &&
      node_is_bool (json_object_get_member (context, "active_test")))
    active_test = json_object_get_boolean_member (context, "active_test");
  /* archived records are hidden unless the domain mentions `active` */
  if (active == NULL || mentions_active (root))
    active_test = FALSE;
  /* Ordered by id alone: records are stored in that order, so the scan stops once it has the page. */
  by_id = order.n == 1 && g_str_equal (order.fields[0]->name, "id") && !order.desc[0];
  enough = by_id && limit > 0 ? (guint64) MAX (offset, 0) + (guint64) limit : G_MAXUINT64;

  domain_id_range (domain, &lo, &hi);
  for (guint i = (guint) MIN ((guint64) MAX (lo - 1, 0), (guint64) model->records->len);
       i < model->records->len && (gint64) i + 1 < hi && hits->len < enough; i++)
    {
      SimRecord *rec = model->records->pdata[i];

      if (rec == NULL || (active_test && !rec->v[active->slot].i))
        continue;
      if (eval (store, model, rec, root))
        g_ptr_array_add (hits, rec);
    }
  g_ptr_array_sort_with_data (hits, compare_records, &order);
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = (guint) MIN ((guint64) MAX (offset, 0), hits->len); i < hits->len; i++)
    {
      if (limit > 0 && ids->len >= (guint64) limit)
        break;
      g_array_append_val (ids, ((SimRecord *) hits->pdata[i])->id);
    }
  return ids;
}

/* ---- reading ------------------------------------------------------------ */

static JsonNode *
value_node (SimStore *store, SimModel *model, SimRecord *rec, SimField *f, gboolean classic)
{
  JsonNode *node = json_node_alloc ();

  if (g_str_equal (f->name, "id"))
    return json_node_init_int (node, rec->id);
  if (g_str_equal (f->name, "write_date") || g_str_equal (f->name, "create_date"))
    {
      g_autofree char *text = sim_format_datetime (f->name[0] == 'w' ? rec->write_date : rec->create_date);
      return json_node_init_string (node, text);
    }
  switch (f->type)
    {
    case SIM_DISPLAY_NAME:
    case SIM_COMPLETE_NAME:
    case SIM_COMPANY_NAME:
      {
        g_autofree char *text = sim_store_computed_string (store, model, rec, f);
        return text != NULL ? json_node_init_string (node, text) : json_node_init_boolean (node, FALSE);
      }
    case SIM_PHONE_SANITIZED:
      {
        const char *text = sim_store_phone_sanitized (store, model, rec);
        return text != NULL ? json_node_init_string (node, text) : json_node_init_boolean (node, FALSE);
      }
    case SIM_PHONE_SEARCH:
      return json_node_init_boolean (node, FALSE);
    case SIM_BOOL:
      return json_node_init_boolean (node, rec->v[f->slot].i != 0);
    case SIM_INT:
      return json_node_init_int (node, rec->v[f->slot].i);
    case SIM_DATETIME:
      if (rec->v[f->slot].i == 0)
        return json_node_init_boolean (node, FALSE);
      else
        {
          g_autofree char *text = sim_format_datetime (rec->v[f->slot].i);
          return json_node_init_string (node, text);
        }
    case SIM_M2O:
      {
        SimModel *co = sim_store_model (store, f->relation);
        SimRecord *target = co != NULL ? sim_model_get (co, rec->v[f->slot].i) : NULL;
        g_autofree char *name = NULL;
        JsonArray *pair;

        if (target == NULL)
          return json_node_init_boolean (node, FALSE);
        if (!classic)
          return json_node_init_int (node, target->id);
        name = sim_store_display_name (store, co, target);
        pair = json_array_new ();
        json_array_add_int_element (pair, target->id);
        json_array_add_string_element (pair, name);
        json_node_init_array (node, pair);
        json_array_unref (pair);
        return node;
      }
    case SIM_M2M:
    case SIM_O2M:
      {
        JsonArray *arr = json_array_new ();

        if (f->type == SIM_M2M)
          {
            GArray *ids = rec->v[f->slot].ids;
            for (guint i = 0; ids != NULL && i < ids->len; i++)
              json_array_add_int_element (arr, g_array_index (ids, gint64, i));
          }
        else
          {
            SimModel *co = sim_store_model (store, f->relation);
            SimField *inv = sim_model_field (co, f->inverse);
            SimField *co_active = sim_model_field (co, "active");

            for (guint i = 0; i < co->records->len; i++)
              {
                SimRecord *r = co->records->pdata[i];
                if (r != NULL && r->v[inv->slot].i == rec->id && (co_active == NULL || r->v[co_active->slot].i))
                  json_array_add_int_element (arr, r->id);
              }
          }
        json_node_init_array (node, arr);
        json_array_unref (arr);
        return node;
      }
    default:
      return rec->v[f->slot].s != NULL ? json_node_init_string (node, rec->v[f->slot].s)
                                       : json_node_init_boolean (node, FALSE);
    }
}

JsonNode *
sim_store_read (SimStore *store, const char *model_name, GArray *ids, JsonNode *fields, GError **error)
{
  return sim_store_read_full (store, model_name, ids, fields, TRUE, error);
}

JsonNode *
sim_store_read_full (SimStore *store, const char *model_name, GArray *ids, JsonNode *fields, gboolean classic,
                     GError **error)
{
  SimModel *model = sim_store_model (store, model_name);
  g_autoptr(GPtrArray) wanted = g_ptr_array_new ();
  JsonArray *out;

  g_return_val_if_fail (model != NULL, NULL);
  if (fields == NULL || node_is_false (fields) ||
      (JSON_NODE_HOLDS_ARRAY (fields) && json_array_get_length (json_node_get_array (fields)) == 0))
    {
      for (guint i = 0; i < model->fields->len; i++)
        g_ptr_array_add (wanted, model->fields->pdata[i]);
    }
  else if (JSON_NODE_HOLDS_ARRAY (fields))
    {
      JsonArray *arr = json_node_get_array (fields);

      g_ptr_array_add (wanted, sim_model_field (model, "id"));
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *el = json_array_get_element (arr, i);
          SimField *f = node_is_string (el) ? sim_model_field (model, json_node_get_string (el)) : NULL;

          if (f == NULL)
            {
              g_set_error (error, SIM_EXC, SIM_EXC_VALUE_ERROR, "Invalid field %s on model %s",
                           node_is_string (el) ? json_node_get_string (el) : "?", model->name);
              return NULL;
            }
          if (!g_ptr_array_find (wanted, f, NULL))
            g_ptr_array_add (wanted, f);
        }
    }
  else
    {
      g_set_error_literal (error, SIM_EXC, SIM_EXC_TYPE_ERROR, "fields must be a list of field names");
      return NULL;
    }

  out = json_array_new ();
  for (guint i = 0; i < ids->len; i++)
    {
      SimRecord *rec = sim_model_get (model, g_array_index (ids, gint64, i));
      JsonObject *obj;

      if (rec == NULL)
        {
          json_array_unref (out);
          g_set_error (error, SIM_EXC, SIM_EXC_MISSING_ERROR,
                       "Record does not exist or has been deleted.\n(Record: %s(%" G_GINT64_FORMAT ",), User: 2)",
                       model->name, g_array_index (ids, gint64, i));
          return NULL;
        }
      obj = json_object_new ();
      for (guint j = 0; j < wanted->len; j++)
        {
          SimField *f = wanted->pdata[j];
          json_object_set_member (obj, f->name, value_node (store, model, rec, f, classic));
        }
      json_array_add_object_element (out, obj);
    }
  {
    JsonNode *result = json_node_new (JSON_NODE_ARRAY);

    json_node_take_array (result, out);
    return result;
  }
}

JsonObject *
sim_store_read_one (SimStore *store, const char *model_name, gint64 id)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(JsonNode) node = NULL;

  g_array_append_val (ids, id);
  node = sim_store_read (store, model_name, ids, NULL, NULL);
  if (node == NULL)
    return NULL;
  return json_object_ref (json_array_get_object_element (json_node_get_array (node), 0));
}
