/* rd-console-backend-form.c — a backend's own settings in the PBX and CRM forms, from its option
 * table (see the header). */
#include "config.h"

#include "hub/console/rd-console-backend-form.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"

#define LIST_KEY "rd-console-backends"

static void
loaded (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  RdConsoleDone then = g_object_steal_data (G_OBJECT (req), "rd-console-backends-then");

  if (reply != NULL)
    g_object_set_data_full (G_OBJECT (req), LIST_KEY, json_object_ref (reply), (GDestroyNotify) json_object_unref);
  then (req, reply, error);
}

void
rd_console_backend_form_load (RdConsoleRequest *req, RdConsoleDone then)
{
  g_object_set_data (G_OBJECT (req), "rd-console-backends-then", then);
  rd_console_request_run (req, "list-backends", NULL, loaded);
}

static JsonArray *
backends_of (RdConsoleRequest *req, const char *family)
{
  JsonObject *list = g_object_get_data (G_OBJECT (req), LIST_KEY);

  return list != NULL && json_object_has_member (list, family) ? json_object_get_array_member (list, family) : NULL;
}

static JsonObject *
find_kind (JsonArray *backends, const char *kind)
{
  for (guint i = 0; kind != NULL && backends != NULL && i < json_array_get_length (backends); i++)
    {
      JsonObject *backend = json_array_get_object_element (backends, i);

      if (g_strcmp0 (rd_console_str (backend, "kind"), kind) == 0)
        return backend;
    }
  return NULL;
}

JsonObject *
rd_console_backend_form_chosen (RdConsoleRequest *req, const char *family, const char *saved_kind)
{
  JsonArray *backends = backends_of (req, family);
  JsonObject *backend = find_kind (backends, rd_console_request_field (req, "kind"));

  if (backend == NULL)
    backend = find_kind (backends, saved_kind);
  if (backend == NULL && backends != NULL && json_array_get_length (backends) > 0)
    backend = json_array_get_object_element (backends, 0);   /* the default comes first */
  return backend;
}

void
rd_console_backend_form_kind (RdConsoleRequest *req, RdHtml *html, const char *family, JsonObject *chosen)
{
  JsonArray *backends = backends_of (req, family);
  const char *kind = rd_console_str (chosen, "kind");

  if (backends == NULL || json_array_get_length (backends) < 2)
    {
      rd_html_printf (html, "<input type=\"hidden\" name=\"kind\" value=\"%s\">", kind);
      return;
    }
  rd_html_printf (html, "<label for=\"kind\">%s</label><div class=\"kind-row\"><select id=\"kind\" name=\"kind\" "
                  "aria-describedby=\"kind-hint\">", _("Type"));
  for (guint i = 0; i < json_array_get_length (backends); i++)
    {
      JsonObject *backend = json_array_get_object_element (backends, i);

      rd_html_printf (html, "<option value=\"%s\"%s>%s</option>", rd_console_str (backend, "kind"),
                      g_str_equal (rd_console_str (backend, "kind"), kind) ? " selected" : "",
                      rd_console_str (backend, "name"));
    }
  /* formnovalidate: switching needs none of the other kind's required fields */
  rd_html_printf (html, "</select><button type=\"submit\" name=\"do\" value=\"kind\" class=\"secondary kind-switch\" "
                  "formnovalidate>%s</button></div><p class=\"hint\" id=\"kind-hint\">%s</p>",
                  _("Show its settings"), _("Each type has settings of its own: after choosing another, its fields "
                                            "are shown here; nothing is saved until you save."));
}

/* The option's text member, translated (the backends' texts are in the "ringdesk" domain). */
static const char *
text_of (RdConsoleRequest *req, JsonObject *option, const char *member)
{
  const char *text = json_object_get_string_member_with_default (option, member, NULL);

  return text != NULL && *text != '\0' ? _(text) : NULL;
}

static void
render_field (RdConsoleRequest *req, RdHtml *html, JsonObject *option, const char *value, const char *secret_kept)
{
  const char *field = rd_console_str (option, "field");
  const char *type = rd_console_str (option, "type");
  const char *title = text_of (req, option, "title");
  const char *hint = text_of (req, option, "hint");
  const char *placeholder = text_of (req, option, "placeholder");
  gboolean required = json_object_get_boolean_member_with_default (option, "required", FALSE);
  gboolean secret = json_object_get_boolean_member_with_default (option, "secret", FALSE);
  g_autofree char *hint_id = g_strconcat (field, "-hint", NULL);
  g_autofree char *described = hint != NULL ? g_strdup_printf (" aria-describedby=\"%s\"", hint_id) : g_strdup ("");

  rd_html_printf (html, "<label for=\"%s\">%s</label>", field, title != NULL ? title : field);
  if (g_str_equal (type, "choice"))
    {
      JsonArray *choices = json_object_get_array_member (option, "choices");

      rd_html_printf (html, "<select id=\"%s\" name=\"%s\"", field, field);
      rd_html_raw (html, described);
      rd_html_raw (html, ">");
      for (guint i = 0; choices != NULL && i < json_array_get_length (choices); i++)
        {
          const char *choice = json_array_get_string_element (choices, i);

          rd_html_printf (html, "<option value=\"%s\"%s>%s</option>", choice,
                          g_strcmp0 (choice, value) == 0 ? " selected" : "", choice);
        }
      rd_html_raw (html, "</select>");
    }
  else if (secret)
    {
      /* never shown back, not even what was just typed */
      rd_html_printf (html, "<input id=\"%s\" name=\"%s\" type=\"password\" autocomplete=\"off\" placeholder=\"%s\"",
                      field, field, secret_kept != NULL ? secret_kept : placeholder != NULL ? placeholder : "");
      if (required && secret_kept == NULL)
        rd_html_raw (html, " required");
      rd_html_raw (html, described);
      rd_html_raw (html, ">");
    }
  else
    {
      rd_html_printf (html, "<input id=\"%s\" name=\"%s\" value=\"%s\" placeholder=\"%s\" autocomplete=\"off\"",
                      field, field, value != NULL ? value : "", placeholder != NULL ? placeholder : "");
      if (g_str_equal (type, "uint"))
        rd_html_raw (html, " type=\"number\" min=\"0\" step=\"1\" inputmode=\"numeric\"");
      if (required)
        rd_html_raw (html, " required");
      rd_html_raw (html, described);
      rd_html_raw (html, ">");
    }
  if (hint != NULL)
    rd_html_printf (html, "<p class=\"hint\" id=\"%s\">%s</p>", hint_id, hint);
}

void
rd_console_backend_form_fields (RdConsoleRequest *req, RdHtml *html, JsonObject *backend, gboolean from_request,
                                JsonObject *saved, const char *secret_kept)
{
  JsonArray *options = backend != NULL ? json_object_get_array_member (backend, "options") : NULL;

  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    {
      JsonObject *option = json_array_get_object_element (options, i);
      const char *field = rd_console_str (option, "field");
      const char *value = NULL;

      if (json_object_get_boolean_member_with_default (option, "secret", FALSE))
        value = NULL;
      else if (from_request)
        value = rd_console_request_field (req, field);
      else if (saved != NULL)
        value = json_object_get_string_member_with_default (saved, field, NULL);
      render_field (req, html, option, value, secret_kept);
    }
}

void
rd_console_backend_form_hidden (RdConsoleRequest *req, RdHtml *html, JsonObject *backend)
{
  JsonArray *options = backend != NULL ? json_object_get_array_member (backend, "options") : NULL;

  rd_html_printf (html, "<input type=\"hidden\" name=\"kind\" value=\"%s\">", rd_console_str (backend, "kind"));
  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    {
      JsonObject *option = json_array_get_object_element (options, i);
      const char *field = rd_console_str (option, "field");
      const char *value = rd_console_request_field (req, field);

      if (!json_object_get_boolean_member_with_default (option, "secret", FALSE) && value != NULL)
        rd_html_printf (html, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", field, value);
    }
}

void
rd_console_backend_form_to_body (RdConsoleRequest *req, JsonObject *backend, JsonObject *body)
{
  JsonArray *options = backend != NULL ? json_object_get_array_member (backend, "options") : NULL;
  g_autofree char *kind = rd_console_request_field_trimmed (req, "kind");

  /* the kind as submitted: one the hub does not have is refused by the hub, in words */
  if (kind != NULL)
    json_object_set_string_member (body, "kind", kind);
  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    {
      JsonObject *option = json_array_get_object_element (options, i);
      const char *field = rd_console_str (option, "field");

      if (json_object_get_boolean_member_with_default (option, "secret", FALSE))
        {
          const char *secret = rd_console_request_field (req, field);

          if (secret != NULL && *secret != '\0')
            json_object_set_string_member (body, field, secret);
        }
      else
        {
          g_autofree char *value = rd_console_request_field_trimmed (req, field);

          if (value != NULL)
            json_object_set_string_member (body, field, value);
        }
    }
}

char *
rd_console_backend_form_identity (RdConsoleRequest *req, JsonObject *backend)
{
  JsonArray *options = backend != NULL ? json_object_get_array_member (backend, "options") : NULL;
  GString *identity = g_string_new (rd_console_str (backend, "kind"));

  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    {
      JsonObject *option = json_array_get_object_element (options, i);
      const char *field = rd_console_str (option, "field");

      if (json_object_get_boolean_member_with_default (option, "identity", FALSE) &&
          !json_object_get_boolean_member_with_default (option, "secret", FALSE))
        g_string_append_printf (identity, "\n%s=%s", field, rd_console_request_field (req, field) ?: "");
    }
  return g_string_free (identity, FALSE);
}
