/* fake-pbx.h — an in-memory RdPbx for the hub's unit tests: connected unless told otherwise
 * (fake_pbx_set_state); a phonebook whose contacts are upserted and searched by their remark
 * tag; a high-water mark and a session state that the test sets and reads; stop gives the
 * session back (it becomes NULL) unless @stop_keeps_session; dials are recorded. */
#pragma once

#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define FAKE_TYPE_PBX (fake_pbx_get_type ())
G_DECLARE_FINAL_TYPE (FakePbx, fake_pbx, FAKE, PBX, GObject)

struct _FakePbx
{
  GObject     parent_instance;
  GPtrArray  *contacts;   /* RdPbxContact, as last upserted */
  guint       upserts;
  gint64      next_id;
  RdPbxState  state;
  char       *message;
  gint64      mark;
  char       *session;              /* what dup_session_state() returns */
  gboolean    stop_keeps_session;   /* the PBX could not be told */
  guint       starts;
  GPtrArray  *extensions;           /* RdExtension: what list_extensions answers */
  gboolean    connect_on_start;     /* start, when not connected, connects from an idle */
  guint       adopted;              /* legs handed over by adopt_calls */
  GPtrArray  *dials;                /* "extension>number" of every dial; its call id is "call-<n>" */
  guint       stops;
};

FakePbx *fake_pbx_new           (void);
/* Sets the state and emits "state-changed". */
void     fake_pbx_set_state     (FakePbx *self, RdPbxState state, const char *message);
/* Sets the session and emits "session-changed". */
void     fake_pbx_set_session   (FakePbx *self, const char *session);

void     fake_pbx_add_extension (FakePbx *self, const char *number, const char *name, const char *email);
/* Emits "call-event" for one leg of @call_id. */
void     fake_pbx_emit_event    (FakePbx *self, const char *call_id, const char *extension, RdCallState state,
                                 RdDirection direction, const char *remote);

G_END_DECLS
