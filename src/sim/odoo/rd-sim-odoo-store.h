/* rd-sim-odoo-store.h — the simulator's in-memory Odoo database (internal).
 *
 * Models with a field schema, compact records (one 8-byte slot per stored field,
 * ids dense per model so a record is found by index), Odoo's domain language,
 * `active` filtering, ordering, Odoo-shaped reads and Odoo-shaped errors. One
 * million partners take a few hundred MB. Versions change the schema (no
 * `mobile` from saas~18.2, `group_ids` on 19, `active` on activities from 17)
 * and the behaviour of `phone_mobile_search` (spec §2.3).
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Exceptions, named like Odoo's Python classes. */
typedef enum {
  SIM_EXC_ACCESS_DENIED,     /* odoo.exceptions.AccessDenied */
  SIM_EXC_ACCESS_ERROR,      /* odoo.exceptions.AccessError */
  SIM_EXC_USER_ERROR,        /* odoo.exceptions.UserError */
  SIM_EXC_VALIDATION_ERROR,  /* odoo.exceptions.ValidationError */
  SIM_EXC_MISSING_ERROR,     /* odoo.exceptions.MissingError */
  SIM_EXC_VALUE_ERROR,       /* builtins.ValueError */
  SIM_EXC_TYPE_ERROR,        /* builtins.TypeError */
  SIM_EXC_ATTRIBUTE_ERROR,   /* builtins.AttributeError */
  SIM_EXC_KEY_ERROR,         /* builtins.KeyError */
} SimException;

#define SIM_EXC (sim_exc_quark ())
GQuark      sim_exc_quark (void);
const char *sim_exc_name  (SimException exc);
guint       sim_exc_http_status (SimException exc);   /* JSON-2 */

typedef struct {
  guint    major, minor;
  gboolean saas;
  gboolean enterprise;
} SimVersion;

gboolean    sim_version_parse (const char *text, SimVersion *out);
static inline gboolean
sim_version_at_least (const SimVersion *v, guint major, guint minor)
{
  return v->major > major || (v->major == major && v->minor >= minor);
}
#define SIM_V_AT_LEAST(v, ma, mi) sim_version_at_least ((v), (ma), (mi))

typedef enum {
  SIM_CHAR, SIM_HTML, SIM_SELECTION, SIM_BOOL, SIM_INT, SIM_M2O, SIM_M2M, SIM_O2M,
  SIM_DATE, SIM_DATETIME, SIM_PHONE_SANITIZED, SIM_PHONE_SEARCH, SIM_DISPLAY_NAME,
  SIM_COMPLETE_NAME,     /* res.partner.complete_name (16+): the display name, stored */
  SIM_COMPANY_NAME,      /* res.partner.commercial_company_name: stored */
} SimType;

typedef struct {
  char    *name;
  SimType  type;
  char    *relation;     /* comodel of m2o / m2m / o2m */
  char    *inverse;      /* o2m: the comodel's m2o */
  gboolean required;
  int      slot;         /* -1: not stored (computed / search-only / id / dates) */
  gint64   default_i;    /* bool / int default */
  char    *default_s;    /* char / selection default */
} SimField;

typedef union {
  char   *s;
  gint64  i;
  GArray *ids;           /* gint64 */
} SimValue;

typedef struct {
  gint64   id;
  gint64   create_date;
  gint64   write_date;
  SimValue v[];
} SimRecord;

typedef struct {
  char       *name;
  char       *description;
  GPtrArray  *fields;      /* SimField* */
  GHashTable *by_name;
  guint       n_slots;
  GPtrArray  *records;     /* index = id - 1; NULL once deleted */
  guint       live;
  gboolean    thread;      /* inherits mail.thread */
  char       *order;       /* default order */
} SimModel;

typedef struct {
  SimVersion  version;
  gboolean    crm;
  gboolean    phone_validation;
  GHashTable *models;      /* name → SimModel* */
  gint64      clock;       /* fixed "now" (unix), 0 = real time */
  gboolean    no_leads;    /* CRM settings: "Leads" turned off (crm.group_use_lead) */
} SimStore;

SimStore   *sim_store_new          (const SimVersion *version, gboolean crm, gboolean phone_validation);
void        sim_store_free         (SimStore *store);
gint64      sim_store_now          (SimStore *store);
SimModel   *sim_store_model        (SimStore *store, const char *name);
SimField   *sim_model_field        (SimModel *model, const char *name);
SimRecord  *sim_model_get          (SimModel *model, gint64 id);

/* Writes: @vals is an Odoo-shaped dict; errors in SIM_EXC. */
gint64      sim_store_create       (SimStore *store, const char *model, JsonObject *vals, GError **error);
gboolean    sim_store_write        (SimStore *store, const char *model, gint64 id, JsonObject *vals, GError **error);
gboolean    sim_store_unlink       (SimStore *store, const char *model, gint64 id, GError **error);

/* Convenience setters for the C API (no validation beyond types). */
void        sim_record_set_string  (SimStore *store, SimModel *model, SimRecord *rec, const char *field, const char *value);
void        sim_record_set_int     (SimStore *store, SimModel *model, SimRecord *rec, const char *field, gint64 value);
const char *sim_record_get_string  (SimModel *model, SimRecord *rec, const char *field);
gint64      sim_record_get_int     (SimModel *model, SimRecord *rec, const char *field);
/* A new record with defaults, no validation (bulk loading). */
SimRecord  *sim_model_new_record   (SimStore *store, SimModel *model);

/* Searching: ids in order. @context may be NULL. */
GArray     *sim_store_search       (SimStore *store, const char *model, JsonNode *domain, JsonObject *context,
                                    const char *order, gint64 offset, gint64 limit, GError **error);
/* Reads @fields (NULL = all) of @ids as Odoo does. */
JsonNode   *sim_store_read         (SimStore *store, const char *model, GArray *ids, JsonNode *fields, GError **error);
/* The same with read(load=…): @classic FALSE gives many2one fields as bare ids. */
JsonNode   *sim_store_read_full    (SimStore *store, const char *model, GArray *ids, JsonNode *fields,
                                    gboolean classic, GError **error);
JsonObject *sim_store_read_one     (SimStore *store, const char *model, gint64 id);
char       *sim_store_display_name (SimStore *store, SimModel *model, SimRecord *rec);
/* The value of a computed name field (display_name, complete_name, commercial_company_name). */
char       *sim_store_computed_string (SimStore *store, SimModel *model, SimRecord *rec, SimField *f);
/* phone_sanitized as Odoo computes it (cached in the record). */
const char *sim_store_phone_sanitized (SimStore *store, SimModel *model, SimRecord *rec);
/* Forget every cached phone_sanitized (company country changed). */
void        sim_store_invalidate_phones (SimStore *store);
/* The company's country code or NULL. */
const char *sim_store_company_country (SimStore *store);
gint64      sim_store_country_id      (SimStore *store, const char *code);   /* creates unknown codes */
char       *sim_format_datetime       (gint64 unix_time);

void        sim_store_sync_address_from_parent (SimStore *store, SimModel *model, SimRecord *rec);

G_END_DECLS
