/* rd-pbx.h — the PBX as the engine sees it. Never names a vendor.
 *
 * An implementation (src/pbx/yeastar) keeps its own session (tokens, event
 * socket, reconnects) and reports:
 *   - "state-changed" whenever the connection state changes;
 *   - "call-event"    normalized live call events, one per extension leg;
 *   - "call-record"   end-of-call records, live and from catch-up (duplicates
 *                     are possible: consumers dedup on rd_call_record_key());
 *   - "dial-failed"   (call_id, reason) when a call started by dial() fails;
 *   - "extensions-changed" when the PBX reports extension edits;
 *   - "session-changed" when what rd_pbx_dup_session_state() returns changed:
 *     the owner keeps it (it holds credentials: a secret) and hands it to the next
 *     instance in RdPbxConfig.session_state, so that restarts, crashes included,
 *     reuse the PBX session instead of opening new ones. NULL: nothing to keep.
 *
 * After every gap (start, reconnect) the implementation asks the PBX about every
 * call it holds in progress: those the PBX no longer has are reported ENDED (leg by
 * leg, as call-events), the others brought up to date; so a call never stays open
 * because its end fell into a gap. It also catches up end-of-call records from its
 * high-water mark (set with rd_pbx_set_high_water_mark(); it
 * advances as records arrive — read it back with rd_pbx_get_high_water_mark()).
 * All async methods run on the thread-default main context of the caller.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-call.h"
#include "core/rd-options.h"

G_BEGIN_DECLS

typedef enum {
  RD_PBX_STATE_DISCONNECTED,
  RD_PBX_STATE_CONNECTING,
  RD_PBX_STATE_CONNECTED,     /* token valid and event stream subscribed */
  RD_PBX_STATE_RECONNECTING,  /* lost; retrying with backoff */
  RD_PBX_STATE_FAILED,        /* will not retry on its own (bad credentials, API off, IP blocked) */
} RdPbxState;

typedef struct {
  char *id;          /* PBX-internal id */
  char *number;      /* "2001" */
  char *name;        /* caller id name */
  char *email;       /* may be NULL */
  char *mobile;      /* may be NULL */
  char *presence;    /* "available", … or NULL */
} RdExtension;

typedef struct {
  gint64 id;
  char  *name;
  guint  total;      /* number of contacts */
} RdPhonebook;

typedef struct {
  char *type;        /* "business_number", "mobile_number", … */
  char *number;
} RdPbxContactNumber;

typedef struct {
  gint64     id;            /* 0 = not yet on the PBX */
  char      *first_name;
  char      *last_name;
  char      *company;
  char      *email;
  char      *remark;        /* Ringdesk tags its contacts here, e.g. "crm:res.partner:42" */
  GPtrArray *numbers;       /* element type RdPbxContactNumber, full list */
} RdPbxContact;

void          rd_extension_free        (RdExtension *ext);
void          rd_phonebook_free        (RdPhonebook *book);
RdPbxContact *rd_pbx_contact_new       (void);
void          rd_pbx_contact_add_number(RdPbxContact *contact, const char *type, const char *number);
void          rd_pbx_contact_free      (RdPbxContact *contact);
const char   *rd_pbx_state_to_string   (RdPbxState state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdExtension, rd_extension_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdPhonebook, rd_phonebook_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdPbxContact, rd_pbx_contact_free)

#define RD_TYPE_PBX (rd_pbx_get_type ())
G_DECLARE_INTERFACE (RdPbx, rd_pbx, RD, PBX, GObject)

struct _RdPbxInterface
{
  GTypeInterface parent_iface;

  void        (*start)            (RdPbx *self);   /* connect; keeps reconnecting until stop */
  void        (*stop_async)       (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gboolean    (*stop_finish)      (RdPbx *self, GAsyncResult *res, GError **error);
  RdPbxState  (*get_state)        (RdPbx *self);
  const char *(*get_state_message)(RdPbx *self);   /* human text for FAILED / RECONNECTING, or NULL */

  void        (*set_high_water_mark)(RdPbx *self, gint64 unix_seconds);
  gint64      (*get_high_water_mark)(RdPbx *self);

  void        (*dial_async)       (RdPbx *self, const char *extension, const char *number,
                                   GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  char       *(*dial_finish)      (RdPbx *self, GAsyncResult *res, GError **error);   /* call id */

  void        (*list_extensions_async)  (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GPtrArray  *(*list_extensions_finish) (RdPbx *self, GAsyncResult *res, GError **error); /* RdExtension */

  void        (*list_phonebooks_async)  (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GPtrArray  *(*list_phonebooks_finish) (RdPbx *self, GAsyncResult *res, GError **error); /* RdPhonebook */
  void        (*create_phonebook_async) (RdPbx *self, const char *name,
                                         GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gint64      (*create_phonebook_finish)(RdPbx *self, GAsyncResult *res, GError **error); /* id, 0 on error */

  /* Creates (contact->id == 0) or updates (full number list) a company contact in
   * @phonebook_id; returns the contact id. */
  void        (*upsert_contact_async)   (RdPbx *self, gint64 phonebook_id, const RdPbxContact *contact,
                                         GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  gint64      (*upsert_contact_finish)  (RdPbx *self, GAsyncResult *res, GError **error);
  void        (*search_contacts_async)  (RdPbx *self, const char *text,
                                         GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GPtrArray  *(*search_contacts_finish) (RdPbx *self, GAsyncResult *res, GError **error); /* RdPbxContact */

  /* End-of-call records with start in [from, to] (unix seconds), all pages. */
  void        (*fetch_records_async)    (RdPbx *self, gint64 from, gint64 to,
                                         GCancellable *c, GAsyncReadyCallback cb, gpointer data);
  GPtrArray  *(*fetch_records_finish)   (RdPbx *self, GAsyncResult *res, GError **error); /* RdCallRecord */

  char       *(*dup_session_state)      (RdPbx *self);
  /* Legs in progress seen by an earlier instance (RdCallEvent, before start): held as
   * known, reconciled at connect like the backend's own. */
  void        (*adopt_calls)            (RdPbx *self, GPtrArray *legs);
};

void        rd_pbx_start                 (RdPbx *self);
void        rd_pbx_stop_async            (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gboolean    rd_pbx_stop_finish           (RdPbx *self, GAsyncResult *res, GError **error);
RdPbxState  rd_pbx_get_state             (RdPbx *self);
const char *rd_pbx_get_state_message     (RdPbx *self);
void        rd_pbx_set_high_water_mark   (RdPbx *self, gint64 unix_seconds);
gint64      rd_pbx_get_high_water_mark   (RdPbx *self);
void        rd_pbx_dial_async            (RdPbx *self, const char *extension, const char *number,
                                          GCancellable *c, GAsyncReadyCallback cb, gpointer data);
char       *rd_pbx_dial_finish           (RdPbx *self, GAsyncResult *res, GError **error);
void        rd_pbx_list_extensions_async (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray  *rd_pbx_list_extensions_finish(RdPbx *self, GAsyncResult *res, GError **error);
void        rd_pbx_list_phonebooks_async (RdPbx *self, GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray  *rd_pbx_list_phonebooks_finish(RdPbx *self, GAsyncResult *res, GError **error);
void        rd_pbx_create_phonebook_async(RdPbx *self, const char *name,
                                          GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gint64      rd_pbx_create_phonebook_finish(RdPbx *self, GAsyncResult *res, GError **error);
void        rd_pbx_upsert_contact_async  (RdPbx *self, gint64 phonebook_id, const RdPbxContact *contact,
                                          GCancellable *c, GAsyncReadyCallback cb, gpointer data);
gint64      rd_pbx_upsert_contact_finish (RdPbx *self, GAsyncResult *res, GError **error);
void        rd_pbx_search_contacts_async (RdPbx *self, const char *text,
                                          GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray  *rd_pbx_search_contacts_finish(RdPbx *self, GAsyncResult *res, GError **error);
void        rd_pbx_fetch_records_async   (RdPbx *self, gint64 from, gint64 to,
                                          GCancellable *c, GAsyncReadyCallback cb, gpointer data);
GPtrArray  *rd_pbx_fetch_records_finish  (RdPbx *self, GAsyncResult *res, GError **error);
char       *rd_pbx_dup_session_state     (RdPbx *self);
void        rd_pbx_adopt_calls           (RdPbx *self, GPtrArray *legs);

/* Construction without naming the vendor. The generic settings are here; what only one
 * backend needs (API credentials, the time zone of its records …) is in @options, checked
 * against that backend's own table (RdPbxBackend.options). */
typedef struct {
  char      *kind;            /* the backend (RdPbxBackend.kind); NULL = the default backend */
  char      *base_url;        /* "https://pbx.example.com:8088" or "http://192.0.2.10" */
  char      *cert_sha256;     /* optional pinned certificate fingerprint (core/rd-tls-pin.h syntax) */
  char      *user_agent;      /* NULL = "Ringdesk/<version>" */
  guint      request_timeout; /* seconds, 0 = default (15) */
  gboolean   allow_insecure;  /* accept plain http:// to another computer (the admin said so) */
  char      *session_state;   /* optional: what a previous instance's dup_session_state() gave; never logged */
  RdOptions *options;         /* the backend's own settings; NULL = none set */
} RdPbxConfig;

void   rd_pbx_config_clear (RdPbxConfig *config);
/* Deep copy into @dest (cleared first by the caller). */
void   rd_pbx_config_copy  (const RdPbxConfig *config, RdPbxConfig *dest);

/* ---- the backend registry -------------------------------------------------
 *
 * Backends are picked by kind. The built-in ones are listed in rd-pbx-backends.c, the one
 * place that names them; rd_pbx_register_backend() adds one at run time (tests add fakes).
 */
typedef RdPbx *(*RdPbxNewFunc) (const RdPbxConfig *config, GError **error);

typedef struct {
  const char         *kind;      /* "yeastar": lower case, stored in the hub's settings */
  const char         *name;      /* for people */
  const RdOptionSpec *options;   /* its own settings, terminated by an entry with a NULL name */
  RdPbxNewFunc        new_func;  /* @config->options already validated against @options */
} RdPbxBackend;

/* @backend must stay valid for the life of the process; a kind registered again replaces the
 * older entry. */
void                rd_pbx_register_backend (const RdPbxBackend *backend);
/* The backend of @kind (NULL: the default, the first built-in one); NULL with an
 * RD_ERROR_INVALID_INPUT error for an unknown kind. */
const RdPbxBackend *rd_pbx_find_backend     (const char *kind, GError **error);
/* Every backend rd_pbx_find_backend() can return (const RdPbxBackend *), each kind once, the default
 * first (then the other built-in ones, then those registered at run time). Free the array only. */
GPtrArray          *rd_pbx_list_backends    (void);
/* Picks the backend of @config->kind, checks @config->options against its table, builds it. */
RdPbx              *rd_pbx_new              (const RdPbxConfig *config, GError **error);

G_END_DECLS
