/* rd-options.h — a backend's own settings, carried through the generic interfaces.
 *
 * Each PBX or CRM backend declares the settings it needs as a table of RdOptionSpec (name,
 * type, flags, label) and reads them into its own typed struct; the engine and the admin API
 * handle them only through this table and an RdOptions bag (name → text), so a new backend
 * brings new settings without changing RdPbxConfig, RdCrmConfig or the hub.
 *
 * Names are lower-case words joined by '-' ("client-id"); the admin API spells them with '_'
 * ("client_id"). Values are text: a CHOICE is one of its choices' names, a UINT decimal digits.
 * Values are wiped from memory when the bag is freed (a bag may hold secrets).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  RD_OPTION_STRING,   /* any clean text (no control characters), at most 1,024 bytes */
  RD_OPTION_UINT,     /* decimal digits, up to G_MAXUINT */
  RD_OPTION_CHOICE,   /* one of @choices; the first is the default */
} RdOptionType;

typedef enum {
  RD_OPTION_REQUIRED = 1 << 0,   /* must be set and not empty */
  RD_OPTION_SECRET   = 1 << 1,   /* a credential: kept with the secrets, never logged or shown */
  RD_OPTION_IDENTITY = 1 << 2,   /* with the URL, names the account: another value is another system */
} RdOptionFlags;

/* The texts for people are English, marked with N_() in the backend's table; whoever shows them
 * (the app, the web console) translates them into its reader's language through the "ringdesk"
 * gettext domain. */
typedef struct {
  const char         *name;
  RdOptionType        type;
  RdOptionFlags       flags;
  const char         *label;        /* in a sentence: "PBX client id" ("The PBX client id is missing …") */
  const char * const *choices;      /* CHOICE: NULL-terminated */
  const char         *title;        /* a form field's label: "Client ID" (NULL: @label) */
  const char         *hint;         /* one sentence shown with the field, or NULL */
  const char         *placeholder;  /* an example value shown in an empty field, or NULL */
} RdOptionSpec;

/* The spec called @name in @specs (terminated by an entry with a NULL name), or NULL. */
const RdOptionSpec *rd_option_spec_find (const RdOptionSpec *specs, const char *name);

typedef struct _RdOptions RdOptions;

#define RD_TYPE_OPTIONS (rd_options_get_type ())
GType       rd_options_get_type  (void) G_GNUC_CONST;

RdOptions  *rd_options_new       (void);
RdOptions  *rd_options_ref       (RdOptions *self);
void        rd_options_unref     (RdOptions *self);
RdOptions  *rd_options_copy      (const RdOptions *self);   /* NULL gives an empty bag */
/* @value NULL unsets @name. */
void        rd_options_set       (RdOptions *self, const char *name, const char *value);
/* NULL when unset; @self may be NULL. */
const char *rd_options_get       (const RdOptions *self, const char *name);
/* The names set, sorted (free the array only). */
const char **rd_options_list     (const RdOptions *self);

/* Checks @self against @specs: every name known, every REQUIRED value set and not empty, every
 * value well-formed for its type. RD_ERROR_INVALID_INPUT saying which option is wrong. */
gboolean    rd_options_validate  (const RdOptions *self, const RdOptionSpec *specs, GError **error);

/* Typed reads of a validated bag (@spec from the backend's table). */
const char *rd_options_get_string (const RdOptions *self, const RdOptionSpec *spec);   /* NULL if unset or empty */
guint       rd_options_get_uint   (const RdOptions *self, const RdOptionSpec *spec, guint fallback);
/* The index of the value in @spec->choices; 0 (the default) when unset. */
guint       rd_options_get_choice (const RdOptions *self, const RdOptionSpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdOptions, rd_options_unref)

G_END_DECLS
