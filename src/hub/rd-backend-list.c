#include "config.h"

#include "hub/rd-backend-list.h"

#include "crm/rd-crm.h"
#include "pbx/rd-pbx.h"

static const char *
type_name (RdOptionType type)
{
  switch (type)
    {
    case RD_OPTION_UINT:
      return "uint";
    case RD_OPTION_CHOICE:
      return "choice";
    case RD_OPTION_STRING:
    default:
      return "string";
    }
}

static void
set_text (JsonObject *object, const char *member, const char *text)
{
  if (text != NULL)
    json_object_set_string_member (object, member, text);
  else
    json_object_set_null_member (object, member);
}

char *
rd_backend_list_field_name (const char *name)
{
  return g_strdelimit (g_strdup (name), "-", '_');
}

JsonArray *
rd_backend_list_options_to_json (const RdOptionSpec *specs)
{
  JsonArray *array = json_array_new ();

  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    {
      JsonObject *option = json_object_new ();
      g_autofree char *field = rd_backend_list_field_name (spec->name);

      json_object_set_string_member (option, "name", spec->name);
      json_object_set_string_member (option, "field", field);
      json_object_set_string_member (option, "type", type_name (spec->type));
      json_object_set_boolean_member (option, "required", (spec->flags & RD_OPTION_REQUIRED) != 0);
      json_object_set_boolean_member (option, "secret", (spec->flags & RD_OPTION_SECRET) != 0);
      json_object_set_boolean_member (option, "identity", (spec->flags & RD_OPTION_IDENTITY) != 0);
      set_text (option, "label", spec->label);
      set_text (option, "title", spec->title != NULL ? spec->title : spec->label);
      set_text (option, "hint", spec->hint);
      set_text (option, "placeholder", spec->placeholder);
      if (spec->type == RD_OPTION_CHOICE)
        {
          JsonArray *choices = json_array_new ();

          for (guint i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++)
            json_array_add_string_element (choices, spec->choices[i]);
          json_object_set_array_member (option, "choices", choices);
        }
      json_array_add_object_element (array, option);
    }
  return array;
}

static JsonObject *
backend_to_json (const char *kind, const char *name, gboolean is_default, const RdOptionSpec *specs)
{
  JsonObject *backend = json_object_new ();

  json_object_set_string_member (backend, "kind", kind);
  json_object_set_string_member (backend, "name", name != NULL ? name : kind);
  json_object_set_boolean_member (backend, "default", is_default);
  json_object_set_array_member (backend, "options", rd_backend_list_options_to_json (specs));
  return backend;
}

JsonObject *
rd_backend_list_to_json (void)
{
  JsonObject *list = json_object_new ();
  JsonArray *pbx = json_array_new ();
  JsonArray *crm = json_array_new ();
  g_autoptr(GPtrArray) pbx_backends = rd_pbx_list_backends ();
  g_autoptr(GPtrArray) crm_backends = rd_crm_list_backends ();

  /* the lists give the default first */
  for (guint i = 0; i < pbx_backends->len; i++)
    {
      const RdPbxBackend *backend = pbx_backends->pdata[i];

      json_array_add_object_element (pbx, backend_to_json (backend->kind, backend->name, i == 0, backend->options));
    }
  for (guint i = 0; i < crm_backends->len; i++)
    {
      const RdCrmBackend *backend = crm_backends->pdata[i];

      json_array_add_object_element (crm, backend_to_json (backend->kind, backend->name, i == 0, backend->options));
    }
  json_object_set_array_member (list, "pbx", pbx);
  json_object_set_array_member (list, "crm", crm);
  return list;
}

static gboolean
secret_in (const RdOptionSpec *specs, const char *member)
{
  for (const RdOptionSpec *spec = specs; spec != NULL && spec->name != NULL; spec++)
    if (spec->flags & RD_OPTION_SECRET)
      {
        g_autofree char *field = rd_backend_list_field_name (spec->name);

        if (g_str_equal (field, member))
          return TRUE;
      }
  return FALSE;
}

gboolean
rd_backend_list_is_secret_field (const char *member)
{
  g_autoptr(GPtrArray) pbx_backends = rd_pbx_list_backends ();
  g_autoptr(GPtrArray) crm_backends = rd_crm_list_backends ();

  for (guint i = 0; i < pbx_backends->len; i++)
    if (secret_in (((const RdPbxBackend *) pbx_backends->pdata[i])->options, member))
      return TRUE;
  for (guint i = 0; i < crm_backends->len; i++)
    if (secret_in (((const RdCrmBackend *) crm_backends->pdata[i])->options, member))
      return TRUE;
  return FALSE;
}
