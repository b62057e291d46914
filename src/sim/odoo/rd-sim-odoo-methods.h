/* rd-sim-odoo-methods.h — model methods as Odoo's call_kw runs them (internal). */
#pragma once

#include "rd-sim-odoo-store.h"

G_BEGIN_DECLS

typedef struct {
  SimStore   *store;
  gint64      uid;
  gint64      partner_id;  /* the caller's contact */
  gboolean    admin;
  gboolean    share;       /* portal / public */
  const char *model;
  const char *method;
  JsonArray  *ids;         /* record methods: the records; NULL for @api.model methods */
  JsonArray  *args;        /* positional arguments after the ids (never NULL) */
  JsonObject *kwargs;      /* named arguments without context (never NULL) */
  JsonObject *context;     /* may be NULL */
  gboolean    json2;
} SimCall;

/* Is @method a record method (ids first) on @model? */
gboolean  sim_method_is_record (const char *method);
JsonNode *sim_call_execute     (SimCall *call, GError **error);
/* Odoo's html_sanitize, simplified: drops script/style/event handlers/javascript: URLs. */
char     *sim_html_sanitize    (const char *html);

G_END_DECLS
