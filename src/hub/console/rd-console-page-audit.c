/* rd-console-page-audit.c — the audit log (who changed what, when) and the console's own
 * administrators (add one, change a password, remove one). */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

static void
audit_listed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  RdHtml *html = rd_html_new ();
  JsonArray *entries = reply != NULL ? json_object_get_array_member (reply, "entries") : NULL;

  rd_html_printf (html, "<p class=\"lead\">%s</p>",
                  _("Every change made here or with the ringdesk-hub command, and every console sign-in. Secrets "
                    "are never written here."));
  if (error != NULL)
    rd_console_notice (html, "error", error->message);
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list audit\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  _("Time"), _("Who"), _("What"), _("Details"));
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      g_autofree char *time = rd_console_format_time (json_object_get_int_member_with_default (entry, "time", 0));

      rd_html_printf (html, "<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td class=\"detail\">%s</td></tr>", time,
                      rd_console_str (entry, "actor"), rd_console_str (entry, "action"), rd_console_str (entry, "detail"));
    }
  rd_html_raw (html, "</tbody></table></div>");
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Audit log"), "audit", html);
}

void
rd_console_page_audit (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_int_member (body, "limit", 500);
  rd_console_request_run (req, "audit", body, audit_listed);
}

/* ---- administrators ---------------------------------------------------------------------- */

void
rd_console_page_admins (RdConsoleRequest *req)
{
  RdConsoleAccounts *accounts = rd_console_get_accounts (rd_console_request_get_console (req));
  g_auto(GStrv) names = rd_console_accounts_list (accounts);
  RdHtml *html = rd_html_new ();

  rd_html_printf (html, "<p class=\"lead\">%s</p>",
                  _("Console administrators sign in with a name and password. CRM users of the CRM's Settings group "
                    "may also sign in, with their CRM login and a personal API key."));
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\"><span class=\"sr\">%s</span></th></tr></thead><tbody>", _("Name"), _("Actions"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      rd_html_printf (html, "<tr><td>%s</td><td>", names[i]);
      rd_console_form_open (req, html, "/admins", "inline");
      rd_html_printf (html, "<input type=\"hidden\" name=\"do\" value=\"remove\"><input type=\"hidden\" name=\"name\" "
                      "value=\"%s\"><button type=\"submit\" class=\"danger small\" aria-label=\"%s %s\">%s</button></form>"
                      "</td></tr>", names[i], _("Remove"), names[i], _("Remove"));
    }
  rd_html_raw (html, "</tbody></table></div>");
  rd_html_printf (html, "<section class=\"card\"><h2>%s</h2><p class=\"hint\">%s</p>", _("Add an administrator or set a password"),
                  _("An existing name gets the new password."));
  rd_console_form_open (req, html, "/admins", "stack");
  rd_html_printf (html,
                  "<input type=\"hidden\" name=\"do\" value=\"set\">"
                  "<label for=\"name\">%s</label><input id=\"name\" name=\"name\" maxlength=\"64\" autocomplete=\"off\" required>"
                  "<label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" "
                  "autocomplete=\"new-password\" minlength=\"10\" required>"
                  "<label for=\"repeat\">%s</label><input id=\"repeat\" name=\"repeat\" type=\"password\" "
                  "autocomplete=\"new-password\" minlength=\"10\" required>"
                  "<button type=\"submit\">%s</button></form></section>",
                  _("Name"), _("Password"), _("Repeat the password"), _("Save"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Administrators"), "admins", html);
}

typedef struct {
  RdConsoleRequest *req;
  char             *name;
  gboolean          existed;
} AdminSave;

static void
admin_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AdminSave *data = user_data;
  RdConsoleRequest *req = data->req;
  g_autoptr(GError) error = NULL;

  rd_console_request_refresh (req);
  if (!rd_console_accounts_set_password_finish (RD_CONSOLE_ACCOUNTS (source), result, &error))
    rd_console_request_redirect_with (req, "/admins", error->message, TRUE);
  else
    {
      rd_hub_audit (rd_console_request_get_hub (req), rd_console_request_actor (req),
                    data->existed ? "console-password" : "console-admin-add", data->name);
      rd_console_request_redirect_with (req, "/admins", _("Saved."), FALSE);
    }
  g_object_unref (data->req);
  g_free (data->name);
  g_free (data);
}

void
rd_console_page_admins_post (RdConsoleRequest *req)
{
  RdConsole *console = rd_console_request_get_console (req);
  RdConsoleAccounts *accounts = rd_console_get_accounts (console);
  g_autofree char *name = rd_console_request_field_trimmed (req, "name");
  const char *password = rd_console_request_field (req, "password");
  g_autoptr(GError) error = NULL;
  AdminSave *data;

  if (g_strcmp0 (rd_console_request_field (req, "do"), "remove") == 0)
    {
      if (!rd_console_accounts_remove (accounts, name, &error))
        {
          rd_console_request_redirect_with (req, "/admins", error->message, TRUE);
          return;
        }
      g_autofree char *actor = g_strconcat ("console:", name, NULL);

      rd_hub_audit (rd_console_request_get_hub (req), rd_console_request_actor (req), "console-admin-remove", name);
      rd_console_sessions_end_actor (rd_console_get_sessions (console), actor);
      rd_console_request_refresh (req);
      if (rd_console_request_get_session (req) == NULL)
        rd_console_request_redirect (req, "/signin");
      else
        rd_console_request_redirect_with (req, "/admins", _("Removed; its sessions are closed."), FALSE);
      return;
    }
  if (!rd_console_accounts_check_name (name, NULL))
    {
      rd_console_request_redirect_with (req, "/admins", _("A name is 1 to 64 characters, without control characters."), TRUE);
      return;
    }
  if (!rd_console_accounts_check_password (password, NULL))
    {
      rd_console_request_redirect_with (req, "/admins", _("The password must be at least 10 characters long."), TRUE);
      return;
    }
  if (g_strcmp0 (password, rd_console_request_field (req, "repeat")) != 0)
    {
      rd_console_request_redirect_with (req, "/admins", _("The two passwords differ."), TRUE);
      return;
    }
  data = g_new0 (AdminSave, 1);
  data->req = g_object_ref (req);
  data->name = g_steal_pointer (&name);
  data->existed = rd_console_accounts_exists (accounts, data->name);
  rd_console_accounts_set_password_async (accounts, data->name, password, NULL, admin_saved_cb, data);
}
