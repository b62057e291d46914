#include "config.h"

#include "hub/console/rd-console-layout.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-private.h"

typedef struct {
  const char *id;
  const char *path;
  const char *label;
} NavItem;

const char *
rd_console_str (JsonObject *object, const char *member)
{
  const char *value = object != NULL ? json_object_get_string_member_with_default (object, member, NULL) : NULL;

  return value != NULL ? value : "";
}

char *
rd_console_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = unix_seconds > 0 ? g_date_time_new_from_unix_utc (unix_seconds) : NULL;

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("—");
}

void
rd_console_notice (RdHtml *html, const char *kind, const char *text)
{
  rd_html_printf (html, "<p class=\"notice notice-%s\" role=\"%s\">%s</p>", kind,
                  g_str_equal (kind, "error") ? "alert" : "status", text);
}

const char *
rd_console_state_words (RdConsoleRequest *req, const char *state)
{
  if (g_strcmp0 (state, "connected") == 0)
    return _("Connected");
  if (g_strcmp0 (state, "connecting") == 0 || g_strcmp0 (state, "reconnecting") == 0)
    return _("Connecting");
  if (g_strcmp0 (state, "disabled") == 0)
    return _("Disabled");
  if (g_strcmp0 (state, "not-configured") == 0)
    return _("Not set up");
  if (g_strcmp0 (state, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (state, "unreachable") == 0)
    return _("Unreachable");
  if (g_strcmp0 (state, "disconnected") == 0)
    return _("Disconnected");
  return state != NULL ? state : "";
}

const char *
rd_console_user_type_words (RdConsoleRequest *req, const char *type)
{
  if (g_strcmp0 (type, "internal") == 0)
    return _("Internal");
  if (g_strcmp0 (type, "portal") == 0)
    return _("Portal");
  if (g_strcmp0 (type, "public") == 0)
    return _("Public");
  return type != NULL ? type : "";
}

void
rd_console_insecure_warnings (RdConsoleRequest *req, RdHtml *html, JsonObject *status, gboolean pbx, gboolean crm)
{
  JsonObject *part;

  part = json_object_get_object_member (status, "pbx");
  if (pbx && part != NULL && json_object_get_boolean_member_with_default (part, "insecure", FALSE))
    rd_console_notice (html, "warn", _("The PBX is reached over plain http:// on another computer: its client secret, "
                                       "access tokens and call data travel unencrypted over the network. Use https:// "
                                       "(pin the certificate if it is self-signed)."));
  part = json_object_get_object_member (status, "crm");
  if (crm && part != NULL && json_object_get_boolean_member_with_default (part, "insecure", FALSE))
    rd_console_notice (html, "warn", _("The CRM is reached over plain http:// on another computer: its API key and "
                                       "call data travel unencrypted over the network. Use https:// (pin the "
                                       "certificate if it is self-signed)."));
}

void
rd_console_crm_notes (RdConsoleRequest *req, RdHtml *html, JsonObject *status, gboolean region, gboolean leads)
{
  JsonObject *part = json_object_get_object_member (status, "crm");

  if (region && part != NULL && json_object_get_string_member_with_default (part, "region_note", NULL) != NULL)
    rd_console_notice (html, "warn", _("The CRM company has no country, so numbers written without +country code cannot "
                                       "be read (no pop, no log for them). Set the company's country in the CRM "
                                       "(Settings → Companies), or give the country on the Call logging page."));
  part = json_object_get_object_member (status, "autocreate");
  if (leads && part != NULL && g_strcmp0 (json_object_get_string_member_with_default (part, "creates", NULL),
                                          "opportunity") == 0)
    rd_console_notice (html, "warn", _("Leads are turned off in the CRM (CRM → Configuration → Settings → Leads): new "
                                       "callers become opportunities in the pipeline. Turn Leads on there to get leads."));
}

void
rd_console_insecure_option (RdConsoleRequest *req, RdHtml *html, gboolean checked, const char *hint)
{
  rd_html_printf (html, "<div class=\"check\"><input type=\"checkbox\" id=\"insecure_http\" name=\"insecure_http\" "
                  "value=\"1\" aria-describedby=\"insecure-hint\"%s><label for=\"insecure_http\">%s</label></div>"
                  "<p class=\"hint\" id=\"insecure-hint\">%s</p>",
                  checked ? " checked" : "", _("Allow plain http:// to another computer"), hint);
}

char *
rd_console_layout_page (RdConsoleRequest *req, const char *title, const char *nav, RdHtml *content)
{
  const NavItem items[] = {
    { "overview", "/overview", _("Overview") },
    { "crm", "/crm", _("CRM connection") },
    { "pbx", "/pbx", _("PBX connection") },
    { "users", "/users", _("Users and extensions") },
    { "sync", "/sync", _("Contact sync") },
    { "autocreate", "/autocreate", _("Auto-create") },
    { "logging", "/logging", _("Call logging") },
    { "activity", "/activity", _("Activity") },
    { "audit", "/audit", _("Audit log") },
    { "admins", "/admins", _("Administrators") },
  };
  RdConsoleSession *session = rd_console_request_get_session (req);
  gboolean signed_in = session != NULL && session->actor != NULL;
  RdHtml *html = rd_html_new ();
  g_autofree char *lang = g_strdelimit (g_strdup (rd_console_request_language (req)), "_", '-');

  rd_html_printf (html,
                  "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<meta name=\"referrer\" content=\"same-origin\">"
                  "<title>%s — %s</title>"
                  "<link rel=\"stylesheet\" href=\"/assets/console.css\">"
                  "<link rel=\"icon\" href=\"/assets/icon.svg\">"
                  "<script src=\"/assets/console.js\" defer></script></head><body>",
                  lang, title, _("Ringdesk hub"));
  rd_html_printf (html, "<a class=\"skip\" href=\"#main\">%s</a>", _("Skip to content"));
  rd_html_printf (html, "<header class=\"top\"><a class=\"brand\" href=\"/\">%s</a>", _("Ringdesk hub"));
  if (signed_in)
    {
      rd_html_raw (html, "<div class=\"who\">");
      rd_html_printf (html, "<span>%s</span>", session->display_name != NULL ? session->display_name : "");
      rd_console_form_open (req, html, "/signout", "inline");
      rd_html_printf (html, "<button type=\"submit\" class=\"link\">%s</button></form></div>", _("Sign out"));
    }
  rd_html_raw (html, "</header>");
  if (signed_in)
    {
      rd_html_printf (html, "<nav aria-label=\"%s\"><ul>", _("Sections"));
      for (guint i = 0; i < G_N_ELEMENTS (items); i++)
        rd_html_printf (html, g_strcmp0 (nav, items[i].id) == 0 ? "<li><a href=\"%s\" aria-current=\"page\">%s</a></li>"
                                                                : "<li><a href=\"%s\">%s</a></li>",
                        items[i].path, items[i].label);
      rd_html_raw (html, "</ul></nav>");
    }
  rd_html_printf (html, "<main id=\"main\" tabindex=\"-1\"><h1>%s</h1>", title);
  if (session != NULL && session->flash != NULL)
    {
      rd_console_notice (html, session->flash_is_error ? "error" : "ok", session->flash);
      g_clear_pointer (&session->flash, g_free);
    }
  rd_html_append_html (html, content);
  rd_html_printf (html, "</main><footer>%s · %s</footer></body></html>\n",
                  "Ringdesk " PACKAGE_VERSION, _("Times are in UTC."));
  return rd_html_free_to_string (html);
}
