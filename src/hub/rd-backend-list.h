/* rd-backend-list.h — the PBX and CRM backends this program has (core/rd-backend-registry.h), as
 * JSON: what the admin API's list-backends answers, what `ringdesk-hub backends` prints and what
 * the web console builds its forms from.
 *
 *   {"pbx": [BACKEND…], "crm": [BACKEND…]}   the default of each first
 *   BACKEND  {"kind", "name", "default": bool, "options": [OPTION…]}
 *   OPTION   {"name": "client-id", "field": "client_id" (the admin API's member), "type":
 *             "string"|"uint"|"choice", "required", "secret", "identity": bool, "label", "title",
 *             "hint", "placeholder" (English: whoever shows them translates them), "choices": […]
 *             (a choice only)}
 */
#pragma once

#include <json-glib/json-glib.h>

#include "core/rd-options.h"

G_BEGIN_DECLS

JsonObject *rd_backend_list_to_json        (void);
/* One option table (terminated by an entry with a NULL name) as an array of OPTION. */
JsonArray  *rd_backend_list_options_to_json (const RdOptionSpec *specs);
/* The admin API's name of the option @name: '_' for '-'. Free it. */
char       *rd_backend_list_field_name      (const char *name);
/* Is @member a SECRET option of some backend, by its admin API name? */
gboolean    rd_backend_list_is_secret_field (const char *member);

G_END_DECLS
