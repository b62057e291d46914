/* fake-pbx.h — an in-memory RdPbx for the hub's unit tests: always connected; a phonebook whose
 * contacts are upserted and searched by their remark tag. */
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
};

FakePbx *fake_pbx_new (void);

G_END_DECLS
