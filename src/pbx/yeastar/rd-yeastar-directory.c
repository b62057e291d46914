/* rd-yeastar-directory.c — extensions, phonebooks and contacts ↔ JSON. */
#include "config.h"

#include "pbx/yeastar/rd-yeastar-directory.h"

#include <string.h>

#include "core/rd-error.h"
#include "pbx/yeastar/rd-yeastar-json.h"

static const struct {
  const char *type;   /* write shape: number_list[].num_type */
  const char *flat;   /* read shape of list/search */
} number_types[] = {
  { "business_number", "business" },
  { "business_number2", "business2" },
  { "business_fax", "business_fax" },
  { "mobile_number", "mobile" },
  { "mobile_number2", "mobile2" },
  { "home_number", "home" },
  { "home_number2", "home2" },
  { "home_fax", "home_fax" },
  { "other_number", "other" },
};

gboolean
rd_yeastar_number_type_is_valid (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (number_types); i++)
    if (g_strcmp0 (type, number_types[i].type) == 0)
      return TRUE;
  return FALSE;
}

static char *
text (JsonObject *obj, const char *name)
{
  return rd_yeastar_json_dup_field (obj, name, RD_YEASTAR_MAX_NAME);
}

RdExtension *
rd_yeastar_extension_from_json (JsonObject *obj, GError **error)
{
  g_autoptr(RdExtension) ext = g_new0 (RdExtension, 1);

  ext->id = text (obj, "id");
  ext->number = text (obj, "number");
  if (ext->number == NULL)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "extension without a number");
      return NULL;
    }
  ext->name = text (obj, "caller_id_name");
  ext->email = text (obj, "email_addr");
  ext->mobile = text (obj, "mobile_number");
  ext->presence = text (obj, "presence_status");
  return g_steal_pointer (&ext);
}

RdPhonebook *
rd_yeastar_phonebook_from_json (JsonObject *obj, GError **error)
{
  g_autoptr(RdPhonebook) book = g_new0 (RdPhonebook, 1);
  gint64 total = 0;

  if (!rd_yeastar_json_get_int (obj, "id", &book->id) || book->id <= 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "phonebook without an id");
      return NULL;
    }
  book->name = text (obj, "name");
  if (rd_yeastar_json_get_int (obj, "total", &total))
    book->total = (guint) CLAMP (total, 0, G_MAXUINT);
  return g_steal_pointer (&book);
}

RdPbxContact *
rd_yeastar_contact_from_json (JsonObject *obj, GError **error)
{
  g_autoptr(RdPbxContact) contact = rd_pbx_contact_new ();
  JsonArray *list;

  if (!rd_yeastar_json_get_int (obj, "id", &contact->id) || contact->id <= 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_PROTOCOL, "company contact without an id");
      return NULL;
    }
  contact->first_name = text (obj, "first_name");
  contact->last_name = text (obj, "last_name");
  if (contact->first_name == NULL && contact->last_name == NULL)
    contact->first_name = text (obj, "contact_name");
  contact->company = text (obj, "company");
  contact->email = text (obj, "email");
  contact->remark = text (obj, "remark");

  list = rd_yeastar_json_get_array (obj, "number_list");
  if (list != NULL)
    {
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *node = json_array_get_element (list, i);
          g_autofree char *type = NULL, *number = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          type = text (json_node_get_object (node), "num_type");
          number = text (json_node_get_object (node), "number");
          if (type != NULL && number != NULL)
            rd_pbx_contact_add_number (contact, type, number);
        }
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (number_types); i++)
        {
          g_autofree char *number = text (obj, number_types[i].flat);

          if (number != NULL)
            rd_pbx_contact_add_number (contact, number_types[i].type, number);
        }
    }
  return g_steal_pointer (&contact);
}

static gboolean
check_length (const char *what, const char *value, gsize max, GError **error)
{
  if (value != NULL && g_utf8_strlen (value, -1) > (glong) max)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "contact %s longer than %" G_GSIZE_FORMAT " characters",
                   what, max);
      return FALSE;
    }
  if (value != NULL && !g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "contact %s is not valid UTF-8", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_blank (const char *value)
{
  if (value == NULL)
    return TRUE;
  for (; *value; value++)
    if (!g_ascii_isspace (*value))
      return FALSE;
  return TRUE;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value ? value : "");
}

JsonNode *
rd_yeastar_contact_to_json (const RdPbxContact *contact, gint64 phonebook_id, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (is_blank (contact->first_name))
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "a PBX contact needs a first name");
      return NULL;
    }
  if (contact->numbers == NULL || contact->numbers->len == 0)
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "a PBX contact needs at least one number");
      return NULL;
    }
  if (!check_length ("first name", contact->first_name, RD_YEASTAR_MAX_NAME, error) ||
      !check_length ("last name", contact->last_name, RD_YEASTAR_MAX_NAME, error) ||
      !check_length ("company", contact->company, RD_YEASTAR_MAX_NAME, error) ||
      !check_length ("e-mail", contact->email, RD_YEASTAR_MAX_NAME, error) ||
      !check_length ("remark", contact->remark, RD_YEASTAR_MAX_NAME, error))
    return NULL;

  json_builder_begin_object (b);
  if (contact->id > 0)
    {
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, contact->id);
    }
  add_string (b, "first_name", contact->first_name);
  add_string (b, "last_name", contact->last_name);
  add_string (b, "company", contact->company);
  add_string (b, "email", contact->email);
  add_string (b, "remark", contact->remark);
  if (phonebook_id > 0)
    {
      json_builder_set_member_name (b, "phonebook_id_list");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, phonebook_id);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "number_list");
  json_builder_begin_array (b);
  for (guint i = 0; i < contact->numbers->len; i++)
    {
      const RdPbxContactNumber *n = g_ptr_array_index (contact->numbers, i);

      if (!rd_yeastar_number_type_is_valid (n->type))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "unknown contact number type “%s”",
                       n->type ? n->type : "");
          return NULL;
        }
      if (n->number == NULL || *n->number == '\0' || strlen (n->number) > RD_YEASTAR_MAX_NUMBER)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "contact numbers must have 1 to %d characters", RD_YEASTAR_MAX_NUMBER);
          return NULL;
        }
      json_builder_begin_object (b);
      add_string (b, "num_type", n->type);
      add_string (b, "number", n->number);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
