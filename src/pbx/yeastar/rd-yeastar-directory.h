/* rd-yeastar-directory.h — extensions, phonebooks and company contacts ↔ JSON. */
#pragma once

#include <json-glib/json-glib.h>

#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_YEASTAR_MAX_NAME   255   /* older Yeastar import rules; UNCONFIRMED for the API */
#define RD_YEASTAR_MAX_NUMBER 31

RdExtension  *rd_yeastar_extension_from_json (JsonObject *obj, GError **error);
RdPhonebook  *rd_yeastar_phonebook_from_json (JsonObject *obj, GError **error);
/* Accepts the list/search shape (contact_name, flat business/mobile/…) and the
 * get shape (first_name, last_name, number_list). */
RdPbxContact *rd_yeastar_contact_from_json   (JsonObject *obj, GError **error);
/* The company_contact/create|update body; validates what the PBX would refuse. */
JsonNode     *rd_yeastar_contact_to_json     (const RdPbxContact *contact, gint64 phonebook_id,
                                              GError **error);
gboolean      rd_yeastar_number_type_is_valid (const char *type);

G_END_DECLS
