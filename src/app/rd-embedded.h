/* rd-embedded.h — the hub that runs inside the app ("This computer", and --demo with its PBX
 * and Odoo simulators), as a module loaded the first time it is needed.
 *
 * A user who signs in to a company hub never needs it, so the app does not link it: the hub,
 * the phone-number library (libphonenumber, protobuf, ICU), SQLite and the simulators stay out
 * of the process that runs all day in the background (bench B4). The module
 * (ringdesk-embedded.so: in the build folder beside the binary, else PKGLIBDIR) exports one
 * table of functions over RdLocalHub and RdDemo; objects cross as GObject.
 */
#pragma once

#include <gio/gio.h>

#include "core/rd-options.h"

G_BEGIN_DECLS

#define RD_EMBEDDED_MODULE  "ringdesk-embedded.so"
#define RD_EMBEDDED_SYMBOL  "rd_embedded_get"
#define RD_EMBEDDED_VERSION 3

typedef enum {
  RD_EMBEDDED_PBX,
  RD_EMBEDDED_CRM,
} RdEmbeddedPart;

/* A registered PBX or CRM backend, as the preferences show it (RdPbxBackend, RdCrmBackend): its
 * strings and table belong to the module, which stays loaded. */
typedef struct {
  const char         *kind;
  const char         *name;      /* for people, not translated (a product name) */
  const RdOptionSpec *options;   /* terminated by an entry with a NULL name */
} RdEmbeddedBackend;

/* @options: the backend's own settings, name → value (secrets included), or NULL; @kind NULL or
 * "": the default backend. */
typedef struct {
  const char *kind;
  const char *base_url;
  GHashTable *options;
  gboolean    allow_insecure;   /* plain http:// to another computer (the admin said so) */
} RdEmbeddedPbx;

typedef struct {
  const char *kind;
  const char *url;
  const char *login;
  const char *api_key;
  GHashTable *options;
  gboolean    allow_insecure;
} RdEmbeddedCrm;

typedef struct {
  /* RdLocalHub (see rd-local-hub.h) */
  GObject    *(*local_hub_new)             (const char *database_path, guint port);
  void        (*local_hub_start_async)     (GObject *hub, const RdEmbeddedPbx *pbx, const RdEmbeddedCrm *crm,
                                            gboolean bind_auto, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
  gboolean    (*local_hub_start_finish)    (GObject *hub, GAsyncResult *result, GError **error);
  char       *(*local_hub_get_agent_url)   (GObject *hub);
  char       *(*local_hub_issue_agent_key) (GObject *hub, const char *extension, GError **error);
  void        (*local_hub_stop_async)      (GObject *hub, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
  gboolean    (*local_hub_stop_finish)     (GObject *hub, GAsyncResult *result, GError **error);
  /* The backends registered (RdEmbeddedBackend), the default first; free with g_ptr_array_unref. */
  GPtrArray  *(*list_backends)             (RdEmbeddedPart part);
  /* RdDemo (see rd-demo.h) */
  GObject    *(*demo_new)                  (void);
  void        (*demo_start_async)          (GObject *demo, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
  gboolean    (*demo_start_finish)         (GObject *demo, GAsyncResult *result, GError **error);
  const char *(*demo_get_agent_url)        (GObject *demo);
  const char *(*demo_get_agent_key)        (GObject *demo);
  const char *(*demo_get_odoo_url)         (GObject *demo);
  gboolean    (*demo_play)                 (GObject *demo, const char *what);
  void        (*demo_play_script)          (GObject *demo);
} RdEmbedded;

/* The module's table, loading it the first time; NULL with an error a user can act on. */
const RdEmbedded *rd_embedded_load (GError **error);
/* For a program that links the hub itself (tests that register backends of their own): @table
 * is used instead of loading the module. */
void              rd_embedded_set_linked (const RdEmbedded *table);

G_END_DECLS
