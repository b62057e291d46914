/* rd-console-page-bind.c — binding users to extensions from the Users page: by hand (a portal
 * or public user only after a confirmation that says why it is risky: the hub's own rule, the
 * CLI's --force) and by e-mail (the dry run's list of pairs first, then the binding). */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

#include "core/rd-error.h"

/* ---- by hand ------------------------------------------------------------------------------ */

static void
force_users_listed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  JsonArray *users = reply != NULL ? json_object_get_array_member (reply, "users") : NULL;
  const char *extension = rd_console_request_field (req, "extension");
  gint64 id = g_ascii_strtoll (rd_console_request_field (req, "user"), NULL, 10);
  JsonObject *user = NULL;
  g_autofree char *who = NULL, *effect = NULL;
  const char *type;
  RdHtml *html;

  for (guint i = 0; users != NULL && i < json_array_get_length (users) && user == NULL; i++)
    if (json_object_get_int_member_with_default (json_array_get_object_element (users, i), "id", 0) == id)
      user = json_array_get_object_element (users, i);
  if (user == NULL)
    {
      rd_console_request_redirect_with (req, "/users", error != NULL ? error->message
                                        : _("The CRM has no such user any more."), TRUE);
      return;
    }
  type = rd_console_str (user, "type");
  who = g_strdup_printf (g_str_equal (type, "public") ? _("%s (%s) is a public user of the CRM, not an employee.")
                                                      : _("%s (%s) is a portal user of the CRM, not an employee."),
                         rd_console_str (user, "name"), rd_console_str (user, "login"));
  effect = g_strdup_printf (_("Portal and public users can change their own name and e-mail address in the CRM's "
                              "portal. Bound to extension %s, this user would be told of its calls with the callers' "
                              "names and CRM records, see its call history from now on, and could place calls from "
                              "it through your PBX, at your cost."), extension);
  html = rd_html_new ();
  rd_html_printf (html, "<div class=\"card confirm\"><p>%s</p><p>%s</p><p>%s</p>", who, effect,
                  _("Bind only if this person really answers this extension's phone."));
  rd_console_form_open (req, html, "/users", "buttons");
  rd_html_printf (html, "<input type=\"hidden\" name=\"do\" value=\"bind\"><input type=\"hidden\" name=\"extension\" "
                  "value=\"%s\"><input type=\"hidden\" name=\"user\" value=\"%s\"><input type=\"hidden\" name=\"force\" "
                  "value=\"1\"><button type=\"submit\" class=\"danger\">%s</button><a class=\"button secondary\" "
                  "href=\"/users\">%s</a></form></div>", extension, rd_console_request_field (req, "user"),
                  _("Bind anyway"), _("Cancel"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK,
                                 g_str_equal (type, "public") ? _("Bind a public user?") : _("Bind a portal user?"),
                                 "users", html);
}

static void
changed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  const char *action = rd_console_request_field (req, "do");

  /* The hub refuses a portal or public user without force: ask, saying why. */
  if (g_error_matches (error, RD_ERROR, RD_ERROR_ACCESS) && g_strcmp0 (action, "bind") == 0 &&
      !rd_console_request_checkbox (req, "force"))
    rd_console_request_run (req, "users", NULL, force_users_listed);
  else if (error != NULL)
    rd_console_request_redirect_with (req, "/users", error->message, TRUE);
  else
    rd_console_request_redirect_with (req, "/users", g_strcmp0 (action, "unbind") == 0 ? _("Unbound.") : _("Bound."),
                                      FALSE);
}

void
rd_console_page_users_post (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  const char *action = rd_console_request_field (req, "do");
  g_autofree char *extension = rd_console_request_field_trimmed (req, "extension");
  g_autofree char *user = rd_console_request_field_trimmed (req, "user");

  if (extension == NULL)
    {
      rd_console_request_redirect_with (req, "/users", _("Choose an extension."), TRUE);
      return;
    }
  json_object_set_string_member (body, "extension", extension);
  if (g_strcmp0 (action, "bind") == 0)
    {
      json_object_set_string_member (body, "user", user != NULL ? user : "");
      if (rd_console_request_checkbox (req, "force"))
        json_object_set_boolean_member (body, "force", TRUE);
      rd_console_request_run (req, "bind", body, changed);
    }
  else
    rd_console_request_run (req, "unbind", body, changed);
}

/* ---- by e-mail ------------------------------------------------------------------------------ */

static const char *
reason_words (RdConsoleRequest *req, JsonObject *entry)
{
  const char *code = rd_console_str (entry, "reason_code");

  if (g_str_equal (code, "not-internal"))
    return _("Not an employee: portal and public users can change their own e-mail. Bind by hand if intended.");
  if (g_str_equal (code, "shared-email"))
    return _("Several internal users have this e-mail address. Bind by hand.");
  if (g_str_equal (code, "user-bound"))
    return _("This user is bound to another extension already.");
  return rd_console_str (entry, "reason");   /* "failed": the hub's error */
}

/* The entries of @plan whose result is @result (or, with @result NULL, every other one). */
static guint
render_plan (RdConsoleRequest *req, RdHtml *html, JsonArray *plan, const char *result, const char *caption)
{
  guint shown = 0;

  for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++)
    {
      JsonObject *entry = json_array_get_object_element (plan, i);
      JsonObject *user = json_object_get_object_member (entry, "user");
      const char *entry_result = rd_console_str (entry, "result");

      if (result != NULL ? !g_str_equal (entry_result, result)
                         : g_str_equal (entry_result, "would-bind") || g_str_equal (entry_result, "bound"))
        continue;
      if (shown++ == 0)
        {
          rd_html_printf (html, "<div class=\"scroll\"><table class=\"list stack plan\"><caption class=\"sr\">%s</caption>"
                          "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
                          caption, _("Extension"), _("CRM user"), _("Kind"));
          if (result == NULL)
            rd_html_printf (html, "<th scope=\"col\">%s</th>", _("Why not"));
          rd_html_raw (html, "</tr></thead><tbody>");
        }
      rd_html_printf (html, "<tr><td><span class=\"ext\">%s</span></td><td data-label=\"%s\">%s<br>"
                      "<span class=\"detail\">%s · %s</span></td><td data-label=\"%s\">%s</td>",
                      rd_console_str (entry, "extension"), _("CRM user"), rd_console_str (user, "name"),
                      rd_console_str (user, "login"), rd_console_str (user, "email"), _("Kind"),
                      rd_console_user_type_words (req, rd_console_str (user, "type")));
      if (result == NULL)
        rd_html_printf (html, "<td data-label=\"%s\">%s</td>", _("Why not"), reason_words (req, entry));
      rd_html_raw (html, "</tr>");
    }
  if (shown > 0)
    rd_html_raw (html, "</tbody></table></div>");
  return shown;
}

static void
render_skipped (RdConsoleRequest *req, RdHtml *html, JsonArray *plan)
{
  RdHtml *rows = rd_html_new ();

  if (render_plan (req, rows, plan, NULL, _("Not bound by e-mail")) > 0)
    {
      rd_html_printf (html, "<section id=\"skipped\"><h2>%s</h2>", _("Not bound by e-mail"));
      rd_html_append_html (html, rows);
      rd_html_raw (html, "</section>");
    }
  else
    rd_html_free (rows);
}

static void
previewed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  JsonArray *plan;
  guint count;
  RdHtml *html;

  if (error != NULL)
    {
      rd_console_request_redirect_with (req, "/users", error->message, TRUE);
      return;
    }
  plan = json_object_get_array_member (reply, "plan");
  html = rd_html_new ();
  rd_html_printf (html, "<section id=\"plan\">");
  count = (guint) json_object_get_int_member_with_default (reply, "bound", 0);
  if (count > 0)
    {
      rd_html_printf (html, "<p>%s</p>", _("These extensions will be bound, each to the internal CRM user with the same "
                                           "e-mail address. Nothing else changes."));
      render_plan (req, html, plan, "would-bind", _("Will be bound"));
    }
  else
    rd_console_notice (html, "info", _("Nothing to bind by e-mail: no unbound extension has the e-mail address of an "
                                       "unbound internal CRM user."));
  rd_html_raw (html, "</section>");
  render_skipped (req, html, plan);
  rd_html_printf (html, "<p class=\"hint after\">%s</p>", _("Not listed: extensions already bound, those without an "
                                                            "e-mail address on the PBX, and those whose address no "
                                                            "CRM user has."));
  if (count > 0)
    {
      rd_console_form_open (req, html, "/users/auto", "buttons");
      rd_html_printf (html, "<input type=\"hidden\" name=\"step\" value=\"apply\"><button type=\"submit\">%s</button>"
                      "<a class=\"button secondary\" href=\"/users\">%s</a></form>", _("Bind as listed"), _("Cancel"));
    }
  else
    rd_html_printf (html, "<p><a class=\"button secondary\" href=\"/users\">%s</a></p>", _("Back to users"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Bind by e-mail"), "users", html);
}

static void
auto_bound (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autofree char *text = NULL;
  JsonArray *plan;
  RdHtml *html;

  if (error != NULL)
    {
      rd_console_request_redirect_with (req, "/users", error->message, TRUE);
      return;
    }
  plan = json_object_get_array_member (reply, "plan");
  html = rd_html_new ();
  text = g_strdup_printf (_("%u extension(s) bound by e-mail."),
                          (guint) json_object_get_int_member_with_default (reply, "bound", 0));
  rd_console_notice (html, "ok", text);
  rd_html_raw (html, "<section id=\"plan\">");
  render_plan (req, html, plan, "bound", _("Bound"));
  rd_html_raw (html, "</section>");
  render_skipped (req, html, plan);
  rd_html_printf (html, "<p><a class=\"button\" href=\"/users\">%s</a></p>", _("Back to users"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Bound by e-mail"), "users", html);
}

void
rd_console_page_users_auto (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  gboolean apply = g_strcmp0 (rd_console_request_field (req, "step"), "apply") == 0;

  json_object_set_boolean_member (body, "auto", TRUE);
  json_object_set_boolean_member (body, "dry_run", !apply);
  rd_console_request_run (req, "bind", body, apply ? auto_bound : previewed);
}
