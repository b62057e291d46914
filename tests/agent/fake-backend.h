/* fake-backend.h — an in-memory RdDeskBackend for the agent protocol tests.
 *
 * agent-key: extension E with key "key-E" is good, any other key is refused,
 *            extension "5555" with key "key-5555" is refused as unbound.
 * crm-key:   alice@example.com / "alice-key" → extension 2002, user 7 "Alice Zhang";
 *            bob@example.com / "bob-key" → RD_ERROR_NOT_FOUND (no extension bound);
 *            when crm_down is set → RD_ERROR_UNAVAILABLE.
 * dial:      "fail…" → RD_ERROR_BUSINESS; otherwise call id "call-<n>"; "echo:…" → the number itself.
 * recent:    @limit objects for the extension; query "error" → RD_ERROR_UNAVAILABLE.
 * lookup:    "unknown" → no match; "fail" → RD_ERROR_NETWORK; else a match named after the number.
 * create:    a match of @kind named @name (or "New contact").
 * Every call records the extension it was given.
 */
#pragma once

#include "hub/rd-desk-backend.h"

G_BEGIN_DECLS

#define FAKE_TYPE_BACKEND (fake_backend_get_type ())
G_DECLARE_FINAL_TYPE (FakeBackend, fake_backend, FAKE, BACKEND, GObject)

struct _FakeBackend
{
  GObject     parent_instance;
  guint       auth_calls;
  guint       dial_calls;
  guint       other_calls;      /* recent, lookup, create */
  GPtrArray  *extensions_seen;  /* extension argument of every dial/recent/lookup/create */
  char       *last_number;
  gboolean    crm_down;
  JsonObject *status;
};

FakeBackend *fake_backend_new (void);

G_END_DECLS
