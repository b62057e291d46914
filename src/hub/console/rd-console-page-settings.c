/* rd-console-page-settings.c — Contact sync, Auto-create and Call logging: the settings of
 * each, with the effect explained in a line. */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

#include <string.h>

static JsonObject *
status_part (RdConsoleRequest *req, JsonObject **out_status, const char *part)
{
  *out_status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  return json_object_get_object_member (*out_status, part);
}

static gboolean
crm_missing (RdConsoleRequest *req, RdHtml *html, JsonObject *status)
{
  JsonObject *crm = json_object_get_object_member (status, "crm");

  if (!g_str_equal (rd_console_str (crm, "state"), "not-configured"))
    return FALSE;
  rd_console_notice (html, "info", _("Connect the CRM first; these settings belong to the CRM connection."));
  rd_html_printf (html, "<p><a class=\"button\" href=\"/crm\">%s</a></p>", _("Connect the CRM"));
  return TRUE;
}

/* A checkbox whose field (and id) is @field. */
static void
checkbox (RdHtml *html, const char *field, gboolean checked, const char *label)
{
  rd_html_printf (html, "<div class=\"check\"><input type=\"checkbox\" id=\"%s\" name=\"%s\" value=\"on\"%s>"
                  "<label for=\"%s\">%s</label></div>", field, field, checked ? " checked" : "", field, label);
}

static void
radio (RdHtml *html, const char *name, const char *value, gboolean checked, const char *label)
{
  g_autofree char *id = g_strconcat (name, "-", value, NULL);

  rd_html_printf (html, "<div class=\"check\"><input type=\"radio\" id=\"%s\" name=\"%s\" value=\"%s\"%s>"
                  "<label for=\"%s\">%s</label></div>", id, name, value, checked ? " checked" : "", id, label);
}

static gboolean
list_has (const char *list, const char *word)
{
  g_auto(GStrv) words = g_strsplit (list != NULL ? list : "", ",", -1);

  return g_strv_contains ((const char * const *) words, word);
}

/* "individual,company" from the checked boxes named @name among @values. */
static char *
checked_list (RdConsoleRequest *req, const char *name, const char * const *values)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; values[i] != NULL; i++)
    {
      g_autofree char *field = g_strconcat (name, "-", values[i], NULL);

      if (rd_console_request_checkbox (req, field))
        g_string_append_printf (list, "%s%s", list->len > 0 ? "," : "", values[i]);
    }
  return g_string_free (list, list->len == 0);
}

static void
saved (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  const char *path = rd_console_request_get_path (req);

  if (error != NULL)
    rd_console_request_redirect_with (req, path, error->message, TRUE);
  else
    rd_console_request_redirect_with (req, path, _("Saved."), FALSE);
}

/* ---- contact sync ------------------------------------------------------------------------ */

void
rd_console_page_sync (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) status = NULL;
  JsonObject *sync = status_part (req, &status, "sync");
  RdHtml *html = rd_html_new ();
  const char *kinds = rd_console_str (sync, "kinds");

  if (!crm_missing (req, html, status))
    {
      rd_html_printf (html, "<p class=\"lead\">%s</p>",
                      _("When a CRM contact calls, the hub copies it into a phonebook of the PBX that Ringdesk owns, so "
                        "desk phones show the caller's name. The phonebook is read-only for people on the PBX."));
      rd_console_form_open (req, html, "/sync", "stack card");
      checkbox (html, "enabled", json_object_get_boolean_member_with_default (sync, "enabled", FALSE),
                _("Sync CRM contacts into the PBX phonebook"));
      rd_html_printf (html, "<fieldset><legend>%s</legend>", _("Which records"));
      checkbox (html, "kind-individual", list_has (kinds, "individual"), _("People"));
      checkbox (html, "kind-company", list_has (kinds, "company"), _("Companies"));
      checkbox (html, "kind-lead", list_has (kinds, "lead"), _("Leads"));
      rd_html_printf (html, "</fieldset><label for=\"phonebook\">%s</label><input id=\"phonebook\" name=\"phonebook\" "
                      "value=\"%s\" maxlength=\"127\" aria-describedby=\"book-hint\"><p class=\"hint\" id=\"book-hint\">%s</p>"
                      "<button type=\"submit\">%s</button></form>",
                      _("Phonebook"), rd_console_str (sync, "phonebook"),
                      _("An empty phonebook of the PBX, or a new name to create one. A phonebook that already holds "
                        "contacts is refused, so nothing of yours is overwritten."), _("Save"));
    }
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Contact sync"), "sync", html);
}

void
rd_console_page_sync_post (RdConsoleRequest *req)
{
  static const char * const kinds[] = { "individual", "company", "lead", NULL };
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *list = checked_list (req, "kind", kinds);
  g_autofree char *phonebook = rd_console_request_field_trimmed (req, "phonebook");
  g_autoptr(JsonObject) status = NULL;
  JsonObject *sync = status_part (req, &status, "sync");

  json_object_set_boolean_member (body, "enabled", rd_console_request_checkbox (req, "enabled"));
  if (list != NULL)
    json_object_set_string_member (body, "kinds", list);
  /* The phonebook is only sent when it changes: an unchanged one keeps its contacts. */
  if (phonebook != NULL && g_strcmp0 (phonebook, rd_console_str (sync, "phonebook")) != 0)
    json_object_set_string_member (body, "phonebook", phonebook);
  rd_console_request_run (req, "sync", body, saved);
}

/* ---- auto-create -------------------------------------------------------------------------- */

void
rd_console_page_autocreate (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) status = NULL;
  JsonObject *autocreate = status_part (req, &status, "autocreate");
  RdHtml *html = rd_html_new ();
  const char *calls = rd_console_str (autocreate, "calls");
  gboolean lead = g_str_equal (rd_console_str (autocreate, "as"), "lead");

  if (!crm_missing (req, html, status))
    {
      rd_console_crm_notes (req, html, status, FALSE, TRUE);
      rd_html_printf (html, "<p class=\"lead\">%s</p>",
                      _("A call of a bound extension with a number the CRM does not know creates a CRM record for that "
                        "number, owned by the extension's user; the call is then logged on it."));
      rd_console_form_open (req, html, "/autocreate", "stack card");
      checkbox (html, "enabled", json_object_get_boolean_member_with_default (autocreate, "enabled", FALSE),
                _("Create unknown callers in the CRM"));
      rd_html_printf (html, "<fieldset><legend>%s</legend>", _("For which calls"));
      checkbox (html, "calls-inbound", list_has (calls, "inbound"), _("Inbound calls"));
      checkbox (html, "calls-outbound", list_has (calls, "outbound"), _("Outbound calls"));
      rd_html_printf (html, "</fieldset><fieldset><legend>%s</legend>", _("Create as"));
      radio (html, "as", "individual", !lead, _("Contact"));
      radio (html, "as", "lead", lead, _("Lead"));
      rd_html_printf (html, "</fieldset><label for=\"prefix\">%s</label><input id=\"prefix\" name=\"prefix\" value=\"%s\" "
                      "maxlength=\"64\" aria-describedby=\"prefix-hint\"><p class=\"hint\" id=\"prefix-hint\">%s</p>"
                      "<button type=\"submit\">%s</button></form>",
                      _("Name prefix"), rd_console_str (autocreate, "prefix"),
                      _("The new record is named with this prefix followed by the number."), _("Save"));
    }
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Auto-create"), "autocreate", html);
}

void
rd_console_page_autocreate_post (RdConsoleRequest *req)
{
  static const char * const directions[] = { "inbound", "outbound", NULL };
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *calls = checked_list (req, "calls", directions);
  const char *as = rd_console_request_field (req, "as");
  const char *prefix = rd_console_request_field (req, "prefix");

  json_object_set_boolean_member (body, "enabled", rd_console_request_checkbox (req, "enabled"));
  if (calls != NULL)
    json_object_set_string_member (body, "calls", calls);
  if (as != NULL)
    json_object_set_string_member (body, "as", as);
  if (prefix != NULL)
    json_object_set_string_member (body, "prefix", prefix);
  rd_console_request_run (req, "autocreate", body, saved);
}

/* ---- call logging ------------------------------------------------------------------------------ */

void
rd_console_page_logging (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) status = NULL;
  JsonObject *crm = status_part (req, &status, "crm");
  RdHtml *html = rd_html_new ();
  gboolean note = g_str_equal (rd_console_str (crm, "log_style"), "note");
  const char *region = rd_console_str (crm, "region_setting");
  const char *effective = rd_console_str (crm, "region");

  if (!crm_missing (req, html, status))
    {
      rd_console_crm_notes (req, html, status, TRUE, FALSE);
      rd_html_printf (html, "<p class=\"lead\">%s</p>",
                      _("Every call of a bound extension is written once on the caller's CRM record, as the bound user: "
                        "direction, numbers, time, ring and talk time, outcome. A missed inbound call also leaves a "
                        "\"call back\" activity for that user."));
      rd_console_form_open (req, html, "/logging", "stack card");
      rd_html_printf (html, "<fieldset><legend>%s</legend>", _("Write each call as"));
      radio (html, "style", "activity", !note, _("A done \"Call\" activity (shows in the activity history)"));
      radio (html, "style", "note", note, _("An internal note in the chatter"));
      rd_html_printf (html, "</fieldset><label for=\"region\">%s</label><input id=\"region\" name=\"region\" value=\"%s\" "
                      "placeholder=\"%s\" maxlength=\"2\" aria-describedby=\"region-hint\"><p class=\"hint\" "
                      "id=\"region-hint\">%s</p><button type=\"submit\">%s</button></form>",
                      _("Country of numbers without a country code"), region, effective,
                      _("Two letters such as CN or FR; empty: the CRM company's country."), _("Save"));
    }
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Call logging"), "logging", html);
}

static void
style_saved (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *region = rd_console_request_field_trimmed (req, "region");

  if (error != NULL)
    {
      saved (req, NULL, error);
      return;
    }
  if (region != NULL)
    json_object_set_string_member (body, "region", region);
  rd_console_request_run (req, "region", body, saved);
}

void
rd_console_page_logging_post (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  const char *style = rd_console_request_field (req, "style");

  json_object_set_string_member (body, "style", style != NULL ? style : "");
  rd_console_request_run (req, "logging", body, style_saved);
}
