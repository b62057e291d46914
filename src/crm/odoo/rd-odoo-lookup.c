#include "config.h"

#include "rd-odoo-lookup.h"
#include "rd-odoo-json.h"
#include "rd-odoo-records.h"
#include "core/rd-error.h"

#define LOOKUP_LIMIT 100
#define TAIL_DIGITS  8

/* ---- pure parts --------------------------------------------------------- */

static char *
search_digits (const RdPhoneNumber *number)
{
  const char *src = number->nsn != NULL ? number->nsn : number->digits;
  GString *out = g_string_new (NULL);

  for (const char *p = src; p != NULL && *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (out, *p);
  /* without a valid number, drop international / trunk prefixes the caller id may carry */
  if (number->nsn == NULL)
    {
      if (g_str_has_prefix (out->str, "00"))
        g_string_erase (out, 0, 2);
      else if (out->str[0] == '0')
        g_string_erase (out, 0, 1);
    }
  return g_string_free (out, FALSE);
}

JsonArray *
rd_odoo_lookup_domain (const RdOdooPhoneFields *fields, guint major, const RdPhoneNumber *number)
{
  g_autofree char *digits = NULL;
  JsonArray *domain;

  if (number == NULL || (number->kind != RD_NUMBER_EXTERNAL && number->kind != RD_NUMBER_INVALID))
    return NULL;
  digits = search_digits (number);
  if (strlen (digits) < 3)
    return NULL;

  domain = json_array_new ();
  if (fields->phone_search && major >= 16)
    rd_odoo_domain_add_leaf (domain, "phone_mobile_search", "ilike", rd_odoo_json_string_new (digits));
  else if (fields->phone_search)
    {
      if (fields->phone_sanitized && number->e164 != NULL)
        {
          rd_odoo_domain_add_op (domain, "|");
          rd_odoo_domain_add_leaf (domain, "phone_sanitized", "=", rd_odoo_json_string_new (number->e164));
        }
      rd_odoo_domain_add_leaf (domain, "phone_mobile_search", "ilike", rd_odoo_json_string_new (digits));
    }
  else
    {
      /* "%4%8%5%1%1%2%2%3%3": the tail's digits with anything between, at the end */
      const char *tail = digits + (strlen (digits) > TAIL_DIGITS ? strlen (digits) - TAIL_DIGITS : 0);
      GString *pattern = g_string_new (NULL);

      for (const char *p = tail; *p != '\0'; p++)
        {
          g_string_append_c (pattern, '%');
          g_string_append_c (pattern, *p);
        }
      if (fields->mobile)
        rd_odoo_domain_add_op (domain, "|");
      rd_odoo_domain_add_leaf (domain, "phone", "=ilike", rd_odoo_json_string_new (pattern->str));
      if (fields->mobile)
        rd_odoo_domain_add_leaf (domain, "mobile", "=ilike", rd_odoo_json_string_new (pattern->str));
      g_string_free (pattern, TRUE);
    }
  return domain;
}

RdOdooMatchQuality
rd_odoo_lookup_quality (const RdPhoneNumber *number, char **numbers, const char *region)
{
  RdOdooMatchQuality best = RD_ODOO_MATCH_NONE;

  for (guint i = 0; numbers != NULL && numbers[i] != NULL; i++)
    {
      g_autoptr(RdPhoneNumber) stored = rd_phone_parse (numbers[i], -1, region, NULL, NULL);

      if (stored == NULL)
        continue;
      if (number->e164 != NULL && stored->e164 != NULL && g_str_equal (number->e164, stored->e164))
        return RD_ODOO_MATCH_EXACT;
      if (rd_phone_same_subscriber (number, stored))
        best = RD_ODOO_MATCH_TAIL;
    }
  return best;
}

static guint
kind_rank (RdCrmKind kind)
{
  switch (kind)
    {
    case RD_CRM_KIND_INDIVIDUAL: return 0;
    case RD_CRM_KIND_COMPANY:    return 1;
    default:                     return 2;
    }
}

static gint
compare_matches (gconstpointer a, gconstpointer b, gpointer user_data)
{
  GHashTable *qualities = user_data;
  const RdCrmMatch *ma = *(RdCrmMatch * const *) a;
  const RdCrmMatch *mb = *(RdCrmMatch * const *) b;
  guint qa = GPOINTER_TO_UINT (g_hash_table_lookup (qualities, ma));
  guint qb = GPOINTER_TO_UINT (g_hash_table_lookup (qualities, mb));
  int cmp;

  if (qa != qb)
    return qa < qb ? -1 : 1;
  if (kind_rank (ma->kind) != kind_rank (mb->kind))
    return kind_rank (ma->kind) < kind_rank (mb->kind) ? -1 : 1;
  /* newest first; "YYYY-MM-DD HH:MM:SS" sorts as text; missing dates last */
  cmp = g_strcmp0 (mb->write_date, ma->write_date);
  if (cmp != 0)
    return cmp;
  if (ma->id != mb->id)
    return ma->id > mb->id ? -1 : 1;
  return 0;
}

void
rd_odoo_lookup_sort (GPtrArray *matches, GHashTable *qualities)
{
  g_ptr_array_sort_with_data (matches, compare_matches, qualities);
}

/* ---- countries ---------------------------------------------------------- */

typedef struct {
  GHashTable *codes;
  GArray     *missing;
} Countries;

static void
countries_free (Countries *c)
{
  g_clear_pointer (&c->codes, g_hash_table_unref);
  g_clear_pointer (&c->missing, g_array_unref);
  g_free (c);
}

static void
on_countries (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Countries *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;

  if (reply != NULL)
    rows = rd_odoo_records_from_reply (reply, &error);
  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *row = rows->pdata[i];
      const char *code = rd_odoo_json_get_string (row, "code", NULL);
      gint64 id = rd_odoo_json_get_int (row, "id", 0);

      if (code != NULL && rd_phone_region_is_valid (code))
        g_hash_table_replace (c->codes, g_memdup2 (&id, sizeof id), g_ascii_strup (code, -1));
    }
  /* Countries Odoo did not return (or without a usable code) are remembered as "". */
  for (guint i = 0; i < c->missing->len; i++)
    {
      gint64 id = g_array_index (c->missing, gint64, i);

      if (!g_hash_table_contains (c->codes, &id))
        g_hash_table_replace (c->codes, g_memdup2 (&id, sizeof id), g_strdup (""));
    }
  g_task_return_boolean (task, TRUE);
}

void
rd_odoo_countries_async (RdOdooTransport *transport, GHashTable *country_codes, GPtrArray *rows,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      gint64 id = rd_odoo_json_get_m2o_id (rows->pdata[i], "country_id");

      g_array_append_val (ids, id);
    }
  rd_odoo_country_ids_async (transport, country_codes, ids, cancellable, callback, user_data);
}

void
rd_odoo_country_ids_async (RdOdooTransport *transport, GHashTable *country_codes, GArray *ids,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  GArray *missing = g_array_new (FALSE, FALSE, sizeof (gint64));
  Countries *c = g_new0 (Countries, 1);
  JsonObject *params;
  JsonArray *domain;
  static const char * const fields[] = { "code", NULL };

  c->codes = g_hash_table_ref (country_codes);
  c->missing = missing;
  g_task_set_task_data (task, c, (GDestroyNotify) countries_free);
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      gboolean seen = FALSE;

      if (id <= 0 || g_hash_table_contains (country_codes, &id))
        continue;
      for (guint j = 0; j < missing->len && !seen; j++)
        seen = g_array_index (missing, gint64, j) == id;
      if (!seen)
        g_array_append_val (missing, id);
    }
  if (missing->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  domain = json_array_new ();
  rd_odoo_domain_add_leaf (domain, "id", "in", rd_odoo_json_ids_new ((gint64 *) missing->data, missing->len));
  params = rd_odoo_search_params (domain, fields, NULL, 0);
  rd_odoo_transport_execute_async (transport, "res.country", "search_read", NULL, params,
                                   cancellable, on_countries, g_steal_pointer (&task));
}

gboolean
rd_odoo_countries_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the lookup --------------------------------------------------------- */

typedef enum {
  STEP_PARTNERS,
  STEP_PARTNER_COUNTRIES,
  STEP_CHILDREN,
  STEP_CHILD_COUNTRIES,
  STEP_LEADS,
  STEP_LEAD_COUNTRIES,
  STEP_DONE,
} Step;

typedef struct {
  RdOdooTransport   *transport;
  GHashTable        *country_codes;
  RdPhoneNumber     *number;
  RdCrmKind          kinds;
  RdOdooPhoneFields  partner_fields;
  RdOdooPhoneFields  lead_fields;
  guint              major;
  gboolean           has_leads;
  gboolean           url_paths;
  char              *company_country;
  char             **partner_read;
  char             **lead_read;
  Step               step;
  GPtrArray         *rows;          /* JsonObject of the last search */
  GPtrArray         *matches;       /* RdCrmMatch */
  GHashTable        *qualities;     /* RdCrmMatch* → quality */
  GHashTable        *seen;          /* "model:id" */
  GArray            *company_ids;   /* companies that matched */
} Lookup;

static void
lookup_free (Lookup *l)
{
  g_clear_object (&l->transport);
  g_clear_pointer (&l->country_codes, g_hash_table_unref);
  g_clear_pointer (&l->number, rd_phone_number_free);
  g_free (l->company_country);
  g_strfreev (l->partner_read);
  g_strfreev (l->lead_read);
  g_clear_pointer (&l->rows, g_ptr_array_unref);
  g_clear_pointer (&l->matches, g_ptr_array_unref);
  g_clear_pointer (&l->qualities, g_hash_table_unref);
  g_clear_pointer (&l->seen, g_hash_table_unref);
  g_clear_pointer (&l->company_ids, g_array_unref);
  g_free (l);
}

static void lookup_run (GTask *task);

static void
on_search (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Lookup *l = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = rd_odoo_transport_finish (RD_ODOO_TRANSPORT (source), result, &error);

  g_clear_pointer (&l->rows, g_ptr_array_unref);
  if (reply != NULL)
    l->rows = rd_odoo_records_from_reply (reply, &error);
  if (l->rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  l->step++;   /* → the matching *_COUNTRIES step */
  lookup_run (task);
}

static void
on_countries_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_odoo_countries_finish (result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  lookup_run (task);
}

static void
search (GTask *task, const char *model, JsonArray *domain, char **fields)
{
  Lookup *l = g_task_get_task_data (task);
  JsonObject *params = rd_odoo_search_params (domain, (const char * const *) fields, NULL, LOOKUP_LIMIT);

  rd_odoo_transport_execute_async (l->transport, model, "search_read", NULL, params,
                                   g_task_get_cancellable (task), on_search, task);
}

/* Post-filters l->rows into matches. Returns FALSE with @error on a bad row. */
static gboolean
take_rows (Lookup *l, gboolean lead, gboolean children, GError **error)
{
  const char *base = rd_odoo_transport_get_base_url (l->transport);

  for (guint i = 0; i < l->rows->len; i++)
    {
      JsonObject *row = l->rows->pdata[i];
      g_autoptr(RdCrmMatch) m = NULL;
      g_autofree char *seen_key = NULL;
      gint64 country = rd_odoo_json_get_m2o_id (row, "country_id");
      const char *region = g_hash_table_lookup (l->country_codes, &country);
      RdOdooMatchQuality q;

      m = lead ? rd_odoo_match_from_lead (row, base, l->url_paths, error)
               : rd_odoo_match_from_partner (row, base, l->url_paths, error);
      if (m == NULL)
        return FALSE;
      seen_key = g_strdup_printf ("%s:%" G_GINT64_FORMAT, lead ? "l" : "p", m->id);
      if (g_hash_table_contains (l->seen, seen_key))
        continue;
      if (region == NULL || *region == '\0')
        region = l->company_country;
      q = rd_odoo_lookup_quality (l->number, m->numbers, region);
      if (children && q == RD_ODOO_MATCH_NONE)
        q = RD_ODOO_MATCH_VIA_COMPANY;
      if (q == RD_ODOO_MATCH_NONE)
        continue;
      if (m->kind == RD_CRM_KIND_COMPANY && !children)
        g_array_append_val (l->company_ids, m->id);
      g_hash_table_add (l->seen, g_steal_pointer (&seen_key));
      g_hash_table_insert (l->qualities, m, GUINT_TO_POINTER (q));
      g_ptr_array_add (l->matches, g_steal_pointer (&m));
    }
  return TRUE;
}

static void
lookup_run (GTask *task)
{
  Lookup *l = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  for (;;)
    switch (l->step)
      {
      case STEP_PARTNERS:
        if (l->kinds & (RD_CRM_KIND_INDIVIDUAL | RD_CRM_KIND_COMPANY))
          {
            JsonArray *domain = rd_odoo_lookup_domain (&l->partner_fields, l->major, l->number);
            search (task, RD_ODOO_PARTNER, domain, l->partner_read);
            return;
          }
        l->step = STEP_LEADS;
        break;

      case STEP_PARTNER_COUNTRIES:
      case STEP_CHILD_COUNTRIES:
      case STEP_LEAD_COUNTRIES:
        /* resolve countries once, then come back here with rows known */
        if (l->rows != NULL)
          {
            GPtrArray *rows = l->rows;
            gboolean known = TRUE;

            for (guint i = 0; i < rows->len && known; i++)
              {
                gint64 id = rd_odoo_json_get_m2o_id (rows->pdata[i], "country_id");
                known = id <= 0 || g_hash_table_contains (l->country_codes, &id);
              }
            if (!known)
              {
                rd_odoo_countries_async (l->transport, l->country_codes, rows,
                                         g_task_get_cancellable (task), on_countries_done, task);
                return;
              }
          }
        if (!take_rows (l, l->step == STEP_LEAD_COUNTRIES, l->step == STEP_CHILD_COUNTRIES, &error))
          {
            g_task_return_error (task, g_steal_pointer (&error));
            g_object_unref (task);
            return;
          }
        g_clear_pointer (&l->rows, g_ptr_array_unref);
        l->step = l->step == STEP_PARTNER_COUNTRIES ? STEP_CHILDREN
                : l->step == STEP_CHILD_COUNTRIES ? STEP_LEADS : STEP_DONE;
        break;

      case STEP_CHILDREN:
        if ((l->kinds & RD_CRM_KIND_INDIVIDUAL) && l->company_ids->len > 0)
          {
            JsonArray *domain = json_array_new ();

            rd_odoo_domain_add_leaf (domain, "parent_id", "in",
                                     rd_odoo_json_ids_new ((gint64 *) l->company_ids->data, l->company_ids->len));
            rd_odoo_domain_add_leaf (domain, "is_company", "=", rd_odoo_json_bool_new (FALSE));
            search (task, RD_ODOO_PARTNER, domain, l->partner_read);
            return;
          }
        l->step = STEP_LEADS;
        break;

      case STEP_LEADS:
        if ((l->kinds & RD_CRM_KIND_LEAD) && l->has_leads)
          {
            JsonArray *domain = rd_odoo_lookup_domain (&l->lead_fields, l->major, l->number);
            search (task, RD_ODOO_LEAD, domain, l->lead_read);
            return;
          }
        l->step = STEP_DONE;
        break;

      case STEP_DONE:
        {
          g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);

          rd_odoo_lookup_sort (l->matches, l->qualities);
          for (guint i = 0; i < l->matches->len; i++)
            if (((RdCrmMatch *) l->matches->pdata[i])->kind & l->kinds)
              g_ptr_array_add (out, rd_crm_match_copy (l->matches->pdata[i]));
          g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
          g_object_unref (task);
          return;
        }
      }
}

void
rd_odoo_lookup_async (RdOdooTransport *transport, const RdOdooFeatures *features,
                      GHashTable *country_codes, const RdPhoneNumber *number, RdCrmKind kinds,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(JsonArray) probe = NULL;
  Lookup *l = g_new0 (Lookup, 1);

  g_task_set_source_tag (task, rd_odoo_lookup_async);
  g_task_set_task_data (task, l, (GDestroyNotify) lookup_free);
  l->transport = g_object_ref (transport);
  l->country_codes = g_hash_table_ref (country_codes);
  l->number = rd_phone_number_copy (number);
  l->kinds = kinds & RD_CRM_KIND_ALL;
  l->partner_fields = features->partner;
  l->lead_fields = features->lead;
  l->major = features->info->major;
  l->has_leads = features->info->has_leads;
  l->url_paths = features->url_paths;
  l->company_country = g_strdup (features->info->country_code);
  l->partner_read = rd_odoo_partner_fields (features);
  l->lead_read = rd_odoo_lead_fields (features);
  l->matches = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_match_free);
  l->qualities = g_hash_table_new (NULL, NULL);
  l->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  l->company_ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* Withheld, internal or too short: nothing to search for, no request made. */
  probe = rd_odoo_lookup_domain (&l->partner_fields, l->major, number);
  l->step = probe != NULL ? STEP_PARTNERS : STEP_DONE;
  lookup_run (task);
}

GPtrArray *
rd_odoo_lookup_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
