/* rd-console-page-activity.c — recent calls of every extension with their CRM record and log
 * state, and the outbox (what is waiting or failed, with Retry). */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

static const char *
direction_words (RdConsoleRequest *req, const char *direction)
{
  if (g_strcmp0 (direction, "inbound") == 0)
    return _("Inbound");
  if (g_strcmp0 (direction, "outbound") == 0)
    return _("Outbound");
  if (g_strcmp0 (direction, "internal") == 0)
    return _("Internal");
  return _("Unknown");
}

static const char *
outcome_words (RdConsoleRequest *req, const char *outcome)
{
  if (g_strcmp0 (outcome, "answered") == 0)
    return _("Answered");
  if (g_strcmp0 (outcome, "no-answer") == 0)
    return _("Missed");
  if (g_strcmp0 (outcome, "busy") == 0)
    return _("Busy");
  if (g_strcmp0 (outcome, "voicemail") == 0)
    return _("Voicemail");
  if (g_strcmp0 (outcome, "failed") == 0)
    return _("Failed");
  return _("Unknown");
}

static const char *
log_words (RdConsoleRequest *req, JsonObject *log, const char **kind)
{
  const char *state = rd_console_str (log, "state");

  *kind = "info";
  if (log == NULL)
    return _("Not logged (no CRM then)");
  if (g_str_equal (state, "done"))
    {
      *kind = "ok";
      return _("Logged");
    }
  if (g_str_equal (state, "failed"))
    {
      *kind = "error";
      return _("Failed");
    }
  *kind = "warn";
  return _("Waiting");
}

void
rd_console_render_calls (RdConsoleRequest *req, RdHtml *html, JsonArray *calls)
{
  guint n = calls != NULL ? json_array_get_length (calls) : 0;

  if (n == 0)
    {
      rd_html_printf (html, "<p class=\"empty\">%s</p>", _("No calls of bound extensions yet."));
      return;
    }
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list calls stack\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  _("Time"), _("Direction"), _("Extension"), _("Other party"), _("Outcome"), _("CRM record"),
                  _("Call log"));
  for (guint i = 0; i < n; i++)
    {
      JsonObject *call = json_array_get_object_element (calls, i);
      gboolean inbound = g_str_equal (rd_console_str (call, "direction"), "inbound");
      JsonNode *match_node = json_object_get_member (call, "match");
      JsonObject *match = match_node != NULL && JSON_NODE_HOLDS_OBJECT (match_node) ? json_node_get_object (match_node) : NULL;
      JsonNode *log_node = json_object_get_member (call, "log");
      JsonObject *log = log_node != NULL && JSON_NODE_HOLDS_OBJECT (log_node) ? json_node_get_object (log_node) : NULL;
      g_autofree char *time = rd_console_format_time (json_object_get_int_member_with_default (call, "start", 0));
      const char *kind;
      const char *log_text = log_words (req, log, &kind);

      /* (at phone width each call is a card: the time on top, every other value under its column's name) */
      rd_html_printf (html, "<tr><td>%s</td><td data-label=\"%s\">%s</td>"
                      "<td data-label=\"%s\">%s<br><span class=\"detail\">%s</span></td><td data-label=\"%s\">%s</td>"
                      "<td data-label=\"%s\">%s</td><td data-label=\"%s\">",
                      time, _("Direction"), direction_words (req, rd_console_str (call, "direction")),
                      _("Extension"), rd_console_str (call, "extension"), rd_console_str (call, "user"),
                      _("Other party"), rd_console_str (call, inbound ? "from" : "to"),
                      _("Outcome"), outcome_words (req, rd_console_str (call, "outcome")), _("CRM record"));
      if (match != NULL && g_str_has_prefix (rd_console_str (match, "url"), "http"))
        rd_html_printf (html, "<a href=\"%s\" rel=\"noreferrer noopener\" target=\"_blank\">%s</a>",
                        rd_console_str (match, "url"), rd_console_str (match, "name"));
      else if (match != NULL)
        rd_html_text (html, rd_console_str (match, "name"));
      else
        rd_html_raw (html, "—");
      rd_html_printf (html, "</td><td data-label=\"%s\"><span class=\"badge badge-%s\">%s</span>", _("Call log"), kind, log_text);
      if (log != NULL && *rd_console_str (log, "error") != '\0')
        rd_html_printf (html, "<br><span class=\"detail\">%s</span>", rd_console_str (log, "error"));
      rd_html_raw (html, "</td></tr>");
    }
  rd_html_raw (html, "</tbody></table></div>");
}

static const char *
item_words (RdConsoleRequest *req, const char *kind)
{
  if (g_strcmp0 (kind, "call-log") == 0)
    return _("Call log");
  if (g_strcmp0 (kind, "callback") == 0)
    return _("Call-back activity");
  if (g_strcmp0 (kind, "auto-create") == 0)
    return _("Create a CRM record");
  if (g_strcmp0 (kind, "phonebook-upsert") == 0)
    return _("Copy a contact to the PBX");
  return kind;
}

static void
render_outbox (RdConsoleRequest *req, RdHtml *html, JsonArray *items)
{
  guint n = items != NULL ? json_array_get_length (items) : 0;

  rd_html_printf (html, "<section id=\"outbox\"><h2>%s</h2><p class=\"hint\">%s</p>", _("Waiting and failed CRM writes"),
                  _("Each write is retried with growing pauses for as long as the CRM is unreachable; a write the CRM "
                    "refuses eight times is marked failed and waits for you. Retry sends it again now."));
  if (n == 0)
    {
      rd_html_printf (html, "<p class=\"empty\">%s</p></section>", _("Nothing is waiting."));
      return;
    }
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list stack\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">"
                  "<span class=\"sr\">%s</span></th></tr></thead><tbody>",
                  _("Queued"), _("What"), _("State"), _("Last error"), _("Actions"));
  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      g_autofree char *created = rd_console_format_time (json_object_get_int_member_with_default (item, "created", 0));
      const char *state = rd_console_str (item, "state");
      gboolean failed = g_str_equal (state, "failed");

      rd_html_printf (html, "<tr><td>%s</td><td data-label=\"%s\">%s</td><td data-label=\"%s\"><span class=\"badge badge-%s\">%s</span></td>"
                      "<td data-label=\"%s\">%s</td><td>",
                      created, _("What"), item_words (req, rd_console_str (item, "kind")), _("State"), failed ? "error" : "warn",
                      failed ? _("Failed") : g_str_equal (state, "working") ? _("Working") : _("Waiting"),
                      _("Last error"), rd_console_str (item, "last_error"));
      if (!g_str_equal (state, "working"))
        {
          g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member_with_default (item, "id", 0));

          rd_console_form_open (req, html, "/retry", "inline");
          rd_html_printf (html, "<input type=\"hidden\" name=\"id\" value=\"%s\"><input type=\"hidden\" name=\"back\" "
                          "value=\"/activity\"><button type=\"submit\">%s</button></form>", id, _("Retry"));
        }
      rd_html_raw (html, "</td></tr>");
    }
  rd_html_raw (html, "</tbody></table></div></section>");
}

static void
outbox_done (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  RdHtml *html = rd_html_new ();
  JsonArray *calls = g_object_get_data (G_OBJECT (req), "calls");

  rd_html_printf (html, "<section><h2>%s</h2>", _("Recent calls"));
  rd_console_render_calls (req, html, calls);
  rd_html_raw (html, "</section>");
  if (reply != NULL)
    render_outbox (req, html, json_object_get_array_member (reply, "items"));
  else
    rd_console_notice (html, "error", error->message);
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Activity"), "activity", html);
}

static void
calls_done (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autoptr(JsonObject) body = json_object_new ();

  if (reply != NULL)
    g_object_set_data_full (G_OBJECT (req), "calls", json_array_ref (json_object_get_array_member (reply, "calls")),
                            (GDestroyNotify) json_array_unref);
  json_object_set_int_member (body, "limit", 200);
  rd_console_request_run (req, "outbox", body, outbox_done);
}

void
rd_console_page_activity (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_int_member (body, "limit", 200);
  rd_console_request_run (req, "calls", body, calls_done);
}

static void
retried (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  const char *back = rd_console_request_field (req, "back");

  if (g_strcmp0 (back, "/overview") != 0)
    back = "/activity";
  if (error != NULL)
    rd_console_request_redirect_with (req, back, error->message, TRUE);
  else
    rd_console_request_redirect_with (req, back, _("Sent again; the result shows here in a moment."), FALSE);
}

void
rd_console_page_retry_post (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  const char *id = rd_console_request_field (req, "id");

  json_object_set_int_member (body, "id", id != NULL ? g_ascii_strtoll (id, NULL, 10) : -1);
  rd_console_request_run (req, "retry", body, retried);
}
