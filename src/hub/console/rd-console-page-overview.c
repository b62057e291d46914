/* rd-console-page-overview.c — the hub at a glance, and what to do next. */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

static void
state_row (RdConsoleRequest *req, RdHtml *html, const char *what, JsonObject *part, const char *link)
{
  const char *state = rd_console_str (part, "state");
  const char *message = rd_console_str (part, "message");
  const char *kind = g_str_equal (state, "connected") ? "ok" : g_str_equal (state, "not-configured") ? "info"
                   : g_str_equal (state, "disabled") || g_str_equal (state, "connecting") ? "warn" : "error";

  rd_html_printf (html, "<tr><th scope=\"row\"><a href=\"%s\">%s</a></th><td><span class=\"badge badge-%s\">%s</span>",
                  link, what, kind, rd_console_state_words (req, state));
  if (*message != '\0')
    rd_html_printf (html, "<br><span class=\"detail\">%s</span>", message);
  rd_html_raw (html, "</td></tr>");
}

/* The first thing left to set up, as a call to action. */
static void
next_step (RdConsoleRequest *req, RdHtml *html, JsonObject *status)
{
  JsonObject *crm = json_object_get_object_member (status, "crm");
  JsonObject *pbx = json_object_get_object_member (status, "pbx");
  const char *text = NULL;
  const char *link = NULL;
  const char *label = NULL;

  if (g_str_equal (rd_console_str (crm, "state"), "not-configured"))
    text = _("Next: connect the CRM (its address, database, an administrator's login and API key)."),
    link = "/crm", label = _("Connect the CRM");
  else if (g_str_equal (rd_console_str (pbx, "state"), "not-configured"))
    text = _("Next: connect the PBX with the client id and secret of its API."),
    link = "/pbx", label = _("Connect the PBX");
  else if (json_object_get_int_member_with_default (status, "bindings", 0) == 0)
    text = _("Next: bind CRM users to their extensions; only bound extensions are tracked."),
    link = "/users", label = _("Bind users");
  else if (json_object_get_int_member_with_default (status, "agents", 0) == 0)
    text = _("Next: issue an agent key for each desktop, or let users sign in with their CRM API key."),
    link = "/users", label = _("Agent keys");
  if (text == NULL)
    return;
  rd_html_printf (html, "<div class=\"next\"><p>%s</p><a class=\"button\" href=\"%s\">%s</a></div>", text, link, label);
}

static void
calls_done (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  JsonObject *outbox = json_object_get_object_member (status, "outbox");
  gint64 failed = outbox != NULL ? json_object_get_int_member_with_default (outbox, "dead", 0) : 0;
  gint64 refreshed = json_object_get_int_member_with_default (status, "index_refreshed", 0);
  g_autofree char *refreshed_text = rd_console_format_time (refreshed);
  RdHtml *html = rd_html_new ();

  next_step (req, html, status);
  rd_console_insecure_warnings (req, html, status, TRUE, TRUE);
  rd_console_crm_notes (req, html, status, TRUE, TRUE);
  rd_html_printf (html, "<section><h2>%s</h2><table class=\"facts\"><tbody>", _("Connections"));
  state_row (req, html, _("CRM"), json_object_get_object_member (status, "crm"), "/crm");
  state_row (req, html, _("PBX"), json_object_get_object_member (status, "pbx"), "/pbx");
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s %s</td></tr>", _("Hub"),
                  g_str_equal (rd_console_str (status, "hub"), "ok") ? _("Running") : _("Stopped"),
                  rd_console_str (status, "version"));
  rd_html_raw (html, "</tbody></table></section>");

  rd_html_printf (html, "<section><h2>%s</h2><ul class=\"tiles\">", _("Now"));
  rd_html_printf (html, "<li><span class=\"figure\" id=\"agents\">%" G_GINT64_FORMAT "</span>%s</li>",
                  json_object_get_int_member_with_default (status, "agents", 0), _("agents online"));
  rd_html_printf (html, "<li><span class=\"figure\" id=\"live\">%" G_GINT64_FORMAT "</span>%s</li>",
                  json_object_get_int_member_with_default (status, "calls_in_progress", 0), _("calls in progress"));
  rd_html_printf (html, "<li><span class=\"figure\">%" G_GINT64_FORMAT "</span>%s</li>",
                  json_object_get_int_member_with_default (status, "bindings", 0), _("bound extensions"));
  rd_html_printf (html, "<li><span class=\"figure\">%" G_GINT64_FORMAT "</span>%s</li>",
                  outbox != NULL ? json_object_get_int_member_with_default (outbox, "pending", 0) : 0,
                  _("CRM writes waiting"));
  rd_html_printf (html, "<li><span class=\"figure%s\">%" G_GINT64_FORMAT "</span>%s</li>",
                  failed > 0 ? " bad" : "", failed, _("CRM writes failed"));
  rd_html_raw (html, "</ul>");
  if (failed > 0)
    {
      rd_console_form_open (req, html, "/retry", "inline");
      rd_html_printf (html, "<input type=\"hidden\" name=\"id\" value=\"0\"><input type=\"hidden\" name=\"back\" "
                      "value=\"/overview\"><button type=\"submit\">%s</button></form> <a href=\"/activity#outbox\">%s</a>",
                      _("Retry all failed"), _("See what failed"));
    }
  rd_html_raw (html, "</section>");

  rd_html_printf (html, "<section><h2>%s</h2><p>", _("Phone index"));
  rd_html_printf (html, _("%u numbers; last refreshed %s."),
                  (guint) json_object_get_int_member_with_default (status, "index_numbers", 0), refreshed_text);
  if (!json_object_get_boolean_member_with_default (status, "index_ready", FALSE) &&
      g_str_equal (rd_console_str (json_object_get_object_member (status, "crm"), "state"), "connected"))
    {
      rd_html_printf (html, " %s", _("Filling from the CRM now; until it is full, callers are also looked up in the CRM directly."));
      if (json_object_has_member (status, "index_fill_read"))
        {
          const char *kind = rd_console_str (status, "index_fill_kind");

          rd_html_raw (html, "</p><p id=\"index-fill\">");
          rd_html_printf (html, _("Progress: %u records read so far; now reading %s."),
                          (guint) json_object_get_int_member (status, "index_fill_read"),
                          g_str_equal (kind, "individual") ? _("people")
                          : g_str_equal (kind, "company") ? _("companies") : _("leads"));
        }
    }
  rd_html_raw (html, "</p></section>");

  rd_html_printf (html, "<section><h2>%s</h2>", _("Recent calls"));
  if (reply != NULL)
    rd_console_render_calls (req, html, json_object_get_array_member (reply, "calls"));
  else
    rd_console_notice (html, "error", error->message);
  rd_html_printf (html, "<p><a href=\"/activity\">%s</a></p></section>", _("All activity"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Overview"), "overview", html);
}

void
rd_console_page_overview (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_int_member (body, "limit", 5);
  rd_console_request_run (req, "calls", body, calls_done);
}
