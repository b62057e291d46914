/* rd-crm.h — the CRM as the engine sees it. Never names a vendor.
 *
 * An implementation (src/crm/odoo) verifies credentials, detects features,
 * finds records by phone number, creates records, writes call logs and
 * call-back tasks, lists users and enumerates phone-number changes for the
 * hub's own phone index. Errors use RD_ERROR codes (rd-error.h) so callers can
 * tell a bad key (RD_ERROR_AUTH) from a missing right (RD_ERROR_ACCESS), a
 * business refusal, a server fault or a network fault.
 *
 * Signal "reachability-changed" (gboolean reachable, const char *why): requests stopped
 * getting answers from the CRM (why: the last error), or got one again (why: NULL).
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-call.h"
#include "core/rd-options.h"
#include "core/rd-phone.h"

G_BEGIN_DECLS

typedef enum {
  RD_CRM_KIND_NONE       = 0,
  RD_CRM_KIND_INDIVIDUAL = 1 << 0,
  RD_CRM_KIND_COMPANY    = 1 << 1,
  RD_CRM_KIND_LEAD       = 1 << 2,
  RD_CRM_KIND_ALL        = 0x7,
} RdCrmKind;

typedef enum {
  RD_CRM_USER_INTERNAL,
  RD_CRM_USER_PORTAL,
  RD_CRM_USER_PUBLIC,
} RdCrmUserType;

typedef struct {
  char    *version;        /* "17.0", "saas~17.2", "19.0" */
  guint    major, minor;
  gboolean enterprise;
  gboolean has_leads;      /* CRM module installed */
  gboolean leads_enabled;  /* the CRM's "Leads" setting is on: new crm.lead records are leads, not
                            * opportunities (TRUE when unknown) */
  gboolean has_mobile;     /* mobile phone fields exist */
  gboolean has_phone_search; /* server-side normalized phone search exists */
  char    *country_code;   /* company's default country, ISO alpha-2, or NULL */
  char    *timezone;       /* admin user's tz, or NULL */
  gint64   admin_user_id;
  /* The kinds whose records share one sequence of ids (a record keeps its id when
   * it changes kind, e.g. a contact that becomes a company), one mask each,
   * zero-terminated; the phone index enumerates each space on its own. All zero =
   * every kind is a space of its own. */
  RdCrmKind id_spaces[4];
} RdCrmInfo;

typedef struct {
  RdCrmKind kind;          /* exactly one bit */
  gint64    id;
  char     *name;          /* display name */
  char     *first_name;    /* best effort split, may be NULL */
  char     *last_name;     /* may be NULL */
  char     *company;       /* company name, may be NULL */
  char     *email;         /* may be NULL */
  gint64    owner_id;      /* salesperson user id, 0 = none */
  char     *owner_name;    /* may be NULL */
  char    **numbers;       /* every stored number as written in the CRM */
  char     *url;           /* browser URL of the record */
  char     *write_date;    /* CRM's last write stamp, may be NULL */
  gboolean  has_name;      /* the record has a name of its own; FALSE: @name is a
                            * display fallback ("Contact 42", "Lead 42") */
  char     *country_code;  /* the country its national numbers belong to: its own, else its
                            * company's (ISO alpha-2); NULL when neither says (get_record) */
} RdCrmMatch;

typedef struct {
  gint64        id;
  char         *name;
  char         *login;
  char         *email;       /* may be NULL */
  RdCrmUserType type;
  gint64        partner_id;  /* the user's own contact record */
  gboolean      is_admin;    /* may change the CRM's settings (an internal user of its settings group) */
} RdCrmUser;

/* How a call log is written: the hub's setting (crm.log-style), carried by each log. */
typedef enum {
  RD_CRM_LOG_ACTIVITY,      /* a done "Call" activity (default) */
  RD_CRM_LOG_NOTE,          /* an internal log note */
} RdCrmLogStyle;

typedef struct {
  RdCrmKind     kind;           /* target record */
  gint64        record_id;
  gint64        user_id;        /* CRM user the call belongs to (bound user), 0 = admin */
  char         *agent_name;     /* display name of the agent / extension */
  char         *call_key;       /* idempotency key, written into the log text */
  RdDirection   direction;
  char         *from_number;
  char         *to_number;
  gint64        start_unix;
  guint         ring_seconds;
  guint         talk_seconds;
  RdOutcome     outcome;
  char         *timezone;       /* for the local start time; NULL = UTC */
  RdCrmLogStyle style;
} RdCrmCallLog;

typedef struct {
  RdCrmKind kind;
  gint64    id;
  gboolean  active;        /* FALSE: archived or deleted — drop from the index */
  char    **numbers;       /* raw numbers as stored */
  char     *name;
  char     *company;
  char     *country_code;  /* record's country (for national numbers), may be NULL */
  char     *write_date;
} RdCrmChange;

typedef struct {
  GPtrArray *changes;      /* element type RdCrmChange, ascending ids */
  char      *next_mark;    /* the CRM's clock when it answered, less a safety margin: pass it as
                            * RdCrmRecordQuery.since to see what was written from then on */
  gint64     next_after_id;/* when @more: the last id returned (continue after it) */
  gboolean   more;         /* the query's limit cut the answer short */
  gint64     answer_us;    /* how long the CRM took (request sent → reply in), 0 = unknown */
} RdCrmChangePage;

/* Records of one id space for the hub's phone index (list_records). Active records
 * only: archived and deleted ones are found missing by list_ids. */
typedef struct {
  RdCrmKind   kinds;       /* one id space (RdCrmInfo.id_spaces) */
  gint64      first_id;    /* records with first_id <= id < end_id ... */
  gint64      end_id;      /* (0 = no upper bound) */
  const char *since;       /* ... written after this mark (a next_mark; NULL = any time) */
  gint64      newer_than;  /* and also every record with id > newer_than, whenever written
                            * (0 = none; new records) */
  guint       limit;       /* at most this many, lowest ids first; 0 = the backend's maximum */
} RdCrmRecordQuery;

typedef struct {
  gint64  max_id;          /* the highest id in the space, archived records included; 0 = empty */
  char   *mark;            /* the CRM's clock now, less a safety margin (as next_mark) */
} RdCrmIdBounds;

void            rd_crm_info_free        (RdCrmInfo *info);
RdCrmMatch     *rd_crm_match_copy       (const RdCrmMatch *match);
void            rd_crm_match_free       (RdCrmMatch *match);
void            rd_crm_user_free        (RdCrmUser *user);
RdCrmCallLog   *rd_crm_call_log_new     (void);
void            rd_crm_call_log_free    (RdCrmCallLog *log);
void            rd_crm_change_free      (RdCrmChange *change);
void            rd_crm_change_page_free (RdCrmChangePage *page);
void            rd_crm_id_bounds_free   (RdCrmIdBounds *bounds);
const char     *rd_crm_kind_to_string   (RdCrmKind kind);   /* "individual", "company", "lead" */
RdCrmKind       rd_crm_kind_from_string (const char *text); /* also accepts "," lists → flags */
const char     *rd_crm_user_type_to_string (RdCrmUserType type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmInfo, rd_crm_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmMatch, rd_crm_match_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmUser, rd_crm_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmCallLog, rd_crm_call_log_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmChange, rd_crm_change_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmChangePage, rd_crm_change_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCrmIdBounds, rd_crm_id_bounds_free)

#define RD_TYPE_CRM (rd_crm_get_type ())
G_DECLARE_INTERFACE (RdCrm, rd_crm, RD, CRM, GObject)


struct _RdCrmInterface
{
  GTypeInterface parent_iface;

  void        (*connect_async)   (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  RdCrmInfo  *(*connect_finish)  (RdCrm *self, GAsyncResult *res, GError **error);
  const RdCrmInfo *(*get_info)   (RdCrm *self);   /* NULL before a successful connect */

  /* Matches among @kinds, best first: exact E.164 before tail match, individual
   * before company before lead, most recently written first. Archived skipped. */
  void        (*find_by_phone_async)  (RdCrm *self, const RdPhoneNumber *number, RdCrmKind kinds,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GPtrArray  *(*find_by_phone_finish) (RdCrm *self, GAsyncResult *res, GError **error); /* RdCrmMatch */

  void        (*get_record_async)     (RdCrm *self, RdCrmKind kind, gint64 id,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  RdCrmMatch *(*get_record_finish)    (RdCrm *self, GAsyncResult *res, GError **error);

  /* Creates an individual or a lead named @name with @number (international
   * format) in its phone field, owned by @owner_user_id (0 = none). */
  void        (*create_record_async)  (RdCrm *self, RdCrmKind kind, const char *name, const char *number,
                                       gint64 owner_user_id,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  RdCrmMatch *(*create_record_finish) (RdCrm *self, GAsyncResult *res, GError **error);

  void        (*log_call_async)       (RdCrm *self, const RdCrmCallLog *log,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gboolean    (*log_call_finish)      (RdCrm *self, GAsyncResult *res, GError **error);
  /* Was a log carrying @call_key already written on the record? (exactly-once
   * check; a half-written one is cleaned up and does not count) */
  void        (*has_call_log_async)   (RdCrm *self, RdCrmKind kind, gint64 record_id, const char *call_key,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gboolean    (*has_call_log_finish)  (RdCrm *self, GAsyncResult *res, gboolean *out_found, GError **error);
  /* An open "call back" task for log->user_id, due today. */
  void        (*schedule_callback_async)  (RdCrm *self, const RdCrmCallLog *log,
                                           GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gboolean    (*schedule_callback_finish) (RdCrm *self, GAsyncResult *res, GError **error);

  void        (*list_users_async)     (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GPtrArray  *(*list_users_finish)    (RdCrm *self, GAsyncResult *res, GError **error); /* RdCrmUser */

  /* Verifies a user's own login + personal key (agent sign-in); returns the user id. */
  void        (*authenticate_user_async)  (RdCrm *self, const char *login, const char *key,
                                           GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gint64      (*authenticate_user_finish) (RdCrm *self, GAsyncResult *res, GError **error);

  /* The enumeration behind the hub's phone index, by ranges of record ids: cheap
   * for a CRM on a relational database (an index range on the primary key),
   * and independent ranges can be asked for side by side.
   * get_id_bounds: the highest id of a space and a mark of the CRM's clock.
   * list_records: see RdCrmRecordQuery; the answer is ordered by id.
   * list_ids: the ids (gint64, ascending) of the active records of a space with
   * first_id <= id < end_id — what is missing from it was deleted or archived.
   * A space the CRM does not have is RD_ERROR_UNAVAILABLE. */
  void        (*get_id_bounds_async)  (RdCrm *self, RdCrmKind kinds,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  RdCrmIdBounds *(*get_id_bounds_finish) (RdCrm *self, GAsyncResult *res, GError **error);
  void        (*list_records_async)   (RdCrm *self, const RdCrmRecordQuery *query,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  RdCrmChangePage *(*list_records_finish) (RdCrm *self, GAsyncResult *res, GError **error);
  void        (*list_ids_async)       (RdCrm *self, RdCrmKind kinds, gint64 first_id, gint64 end_id,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GArray     *(*list_ids_finish)      (RdCrm *self, GAsyncResult *res, GError **error);

  char       *(*record_url)           (RdCrm *self, RdCrmKind kind, gint64 id);

  /* Was a call-back task for @call_key already scheduled on the record, open,
   * done or archived? (exactly-once check; added after record_url) */
  void        (*has_callback_async)   (RdCrm *self, RdCrmKind kind, gint64 record_id, const char *call_key,
                                       GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gboolean    (*has_callback_finish)  (RdCrm *self, GAsyncResult *res, gboolean *out_found, GError **error);

  /* The cheapest request that tells whether the CRM answers (no credentials needed). */
  void        (*probe_async)          (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gboolean    (*probe_finish)         (RdCrm *self, GAsyncResult *res, GError **error);
};

void             rd_crm_connect_async          (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
RdCrmInfo       *rd_crm_connect_finish         (RdCrm *self, GAsyncResult *res, GError **error);
const RdCrmInfo *rd_crm_get_info               (RdCrm *self);
void             rd_crm_find_by_phone_async    (RdCrm *self, const RdPhoneNumber *number, RdCrmKind kinds,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray       *rd_crm_find_by_phone_finish   (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_get_record_async       (RdCrm *self, RdCrmKind kind, gint64 id,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
RdCrmMatch      *rd_crm_get_record_finish      (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_create_record_async    (RdCrm *self, RdCrmKind kind, const char *name, const char *number,
                                                gint64 owner_user_id,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
RdCrmMatch      *rd_crm_create_record_finish   (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_log_call_async         (RdCrm *self, const RdCrmCallLog *log,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gboolean         rd_crm_log_call_finish        (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_has_call_log_async     (RdCrm *self, RdCrmKind kind, gint64 record_id, const char *call_key,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gboolean         rd_crm_has_call_log_finish    (RdCrm *self, GAsyncResult *res, gboolean *out_found, GError **error);
void             rd_crm_schedule_callback_async(RdCrm *self, const RdCrmCallLog *log,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gboolean         rd_crm_schedule_callback_finish(RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_list_users_async       (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray       *rd_crm_list_users_finish      (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_authenticate_user_async(RdCrm *self, const char *login, const char *key,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gint64           rd_crm_authenticate_user_finish(RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_get_id_bounds_async    (RdCrm *self, RdCrmKind kinds,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
RdCrmIdBounds   *rd_crm_get_id_bounds_finish   (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_list_records_async     (RdCrm *self, const RdCrmRecordQuery *query,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
RdCrmChangePage *rd_crm_list_records_finish    (RdCrm *self, GAsyncResult *res, GError **error);
void             rd_crm_list_ids_async         (RdCrm *self, RdCrmKind kinds, gint64 first_id, gint64 end_id,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GArray          *rd_crm_list_ids_finish        (RdCrm *self, GAsyncResult *res, GError **error);
/* The id spaces of @info (never empty: one per kind when the CRM names none), zero-terminated. */
void             rd_crm_info_id_spaces         (const RdCrmInfo *info, RdCrmKind out[4]);
char            *rd_crm_record_url             (RdCrm *self, RdCrmKind kind, gint64 id);
/* G_IO_ERROR_NOT_SUPPORTED when the backend cannot tell. */
void             rd_crm_has_callback_async     (RdCrm *self, RdCrmKind kind, gint64 record_id, const char *call_key,
                                                GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gboolean         rd_crm_has_callback_finish    (RdCrm *self, GAsyncResult *res, gboolean *out_found, GError **error);
void             rd_crm_probe_async            (RdCrm *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gboolean         rd_crm_probe_finish           (RdCrm *self, GAsyncResult *res, GError **error);

/* Construction without naming the vendor: the one place that picks the backend. */
/* Construction without naming the vendor. The generic settings are here; what only one
 * backend needs (a database name, how call logs are written …) is in @options, checked against
 * that backend's own table (RdCrmBackend.options). */
typedef struct {
  char      *kind;           /* the backend (RdCrmBackend.kind); NULL = the default backend */
  char      *url;            /* "https://mycompany.example.com" */
  char      *login;          /* admin login */
  char      *api_key;        /* never logged */
  char      *cert_sha256;    /* optional pinned certificate (core/rd-tls-pin.h syntax) */
  guint      timeout;        /* seconds per request, 0 = default (20) */
  gboolean   allow_insecure; /* accept plain http:// to another computer (the admin said so) */
  RdOptions *options;        /* the backend's own settings; NULL = none set */
} RdCrmConfig;

void   rd_crm_config_clear (RdCrmConfig *config);
/* Deep copy into @dest (cleared first by the caller). */
void   rd_crm_config_copy  (const RdCrmConfig *config, RdCrmConfig *dest);

/* ---- the backend registry -------------------------------------------------
 *
 * Backends are picked by kind. The built-in ones are listed in rd-crm-backends.c, the one
 * place that names them; rd_crm_register_backend() adds one at run time (tests add fakes).
 */
typedef RdCrm *(*RdCrmNewFunc) (const RdCrmConfig *config, GError **error);

typedef struct {
  const char         *kind;      /* lower case, stored in the hub's settings */
  const char         *name;      /* for people */
  const RdOptionSpec *options;   /* its own settings, terminated by an entry with a NULL name */
  RdCrmNewFunc        new_func;  /* @config->options already validated against @options */
} RdCrmBackend;

/* @backend must stay valid for the life of the process; a kind registered again replaces the
 * older entry. */
void                rd_crm_register_backend (const RdCrmBackend *backend);
/* The backend of @kind (NULL: the default, the first built-in one); NULL with an
 * RD_ERROR_INVALID_INPUT error for an unknown kind. */
const RdCrmBackend *rd_crm_find_backend     (const char *kind, GError **error);
/* Every backend rd_crm_find_backend() can return (const RdCrmBackend *), each kind once, the default
 * first (then the other built-in ones, then those registered at run time). Free the array only. */
GPtrArray          *rd_crm_list_backends    (void);
/* Picks the backend of @config->kind, checks @config->options against its table, builds it. */
RdCrm              *rd_crm_new              (const RdCrmConfig *config, GError **error);

G_END_DECLS
