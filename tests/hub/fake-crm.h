/* fake-crm.h — an in-memory RdCrm for the hub's unit tests (no network, answers at once from
 * an idle). Records: added with fake_crm_add_record(); find_by_phone matches a record holding
 * the number's E.164 form. Failures: fake_crm_fail_next() makes the next write (log, call-back,
 * create) fail with @code; with @after_write the write happens first (an uncertain failure:
 * the request reached the CRM, the answer was lost). The phone index's enumeration (id
 * bounds, records, ids) answers with every record, whenever written. */
#pragma once

#include "core/rd-error.h"
#include "crm/rd-crm.h"

G_BEGIN_DECLS

#define FAKE_TYPE_CRM (fake_crm_get_type ())
G_DECLARE_FINAL_TYPE (FakeCrm, fake_crm, FAKE, CRM, GObject)

struct _FakeCrm
{
  GObject     parent_instance;
  RdCrmInfo   info;
  GPtrArray  *records;     /* RdCrmMatch */
  GPtrArray  *logs;        /* "kind:id:call_key" of every call log written */
  GPtrArray  *callbacks;   /* "kind:id:call_key" of every call-back scheduled */
  guint       creates;
  guint       searches;
  gint64      next_id;
  int         fail_code;   /* -1: none */
  gboolean    fail_after_write;
  guint       connects;          /* connect calls */
  guint       connect_failures;  /* the next connects that fail with connect_code */
  RdErrorCode connect_code;
  guint       probes;            /* probe calls */
  char       *user_login;        /* the one user authenticate_user knows (NULL: none) … */
  char       *user_key;          /* … its API key … */
  gint64      user_id;           /* … and its id */
  guint       authentications;   /* authenticate_user calls */
  GPtrArray  *users;             /* RdCrmUser: what list_users answers */
};

FakeCrm    *fake_crm_new        (void);
RdCrmMatch *fake_crm_add_record (FakeCrm *self, RdCrmKind kind, const char *name, const char *e164);
/* A user list_users answers with (e-mail = login). */
RdCrmUser  *fake_crm_add_user   (FakeCrm *self, gint64 id, const char *name, const char *login,
                                 RdCrmUserType type);
void        fake_crm_fail_next  (FakeCrm *self, RdErrorCode code, gboolean after_write);
/* Emits "reachability-changed" as a real backend does when requests stop (or start again)
 * getting answers. */
void        fake_crm_set_reachable (FakeCrm *self, gboolean reachable, const char *why);

G_END_DECLS
