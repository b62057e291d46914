/* rd-console-page-users.c — the Users and extensions page: every CRM user (filterable by kind)
 * with their e-mail and extension and a bind / unbind control, every PBX extension with its user,
 * and the agent keys. What the controls do is in rd-console-page-bind.c and
 * rd-console-page-keys.c. */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

static JsonObject *
bound_user (JsonObject *extension)
{
  JsonNode *node = json_object_get_member (extension, "user");

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
render_filter (RdConsoleRequest *req, RdHtml *html, const char *type)
{
  static const char * const types[] = { "all", "internal", "portal", "public" };

  rd_html_printf (html, "<p class=\"filter\" role=\"group\" aria-label=\"%s\">%s ", _("Show"), _("Show:"));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    rd_html_printf (html, g_strcmp0 (type, types[i]) == 0 ? "<a href=\"/users?type=%s\" aria-current=\"true\">%s</a> "
                                                           : "<a href=\"/users?type=%s\">%s</a> ",
                    types[i], i == 0 ? _("All") : rd_console_user_type_words (req, types[i]));
  rd_html_raw (html, "</p>");
}

static void
render_users (RdConsoleRequest *req, RdHtml *html, JsonArray *users, JsonArray *extensions, const char *type)
{
  guint shown = 0;

  rd_html_printf (html, "<section id=\"users\"><h2>%s</h2>", _("CRM users"));
  render_filter (req, html, type);
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list stack\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  _("Name"), _("E-mail"), _("Kind"), _("Extension"));
  for (guint i = 0; users != NULL && i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *user_type = rd_console_str (user, "type");
      const char *extension = rd_console_str (user, "extension");
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member_with_default (user, "id", 0));

      if (g_strcmp0 (type, "all") != 0 && g_strcmp0 (type, user_type) != 0)
        continue;
      shown++;
      rd_html_printf (html, "<tr><td>%s<br><span class=\"detail\">%s</span>", rd_console_str (user, "name"),
                      rd_console_str (user, "login"));
      if (json_object_get_boolean_member_with_default (user, "admin", FALSE))
        rd_html_printf (html, " <span class=\"badge badge-info\">%s</span>", _("Settings"));
      rd_html_printf (html, "</td><td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td><td data-label=\"%s\">",
                      _("E-mail"), rd_console_str (user, "email"), _("Kind"), rd_console_user_type_words (req, user_type),
                      _("Extension"));
      if (*extension != '\0')
        {
          rd_console_form_open (req, html, "/users", "inline");
          rd_html_printf (html, "<span class=\"ext\">%s</span> <input type=\"hidden\" name=\"do\" value=\"unbind\">"
                          "<input type=\"hidden\" name=\"extension\" value=\"%s\">"
                          "<button type=\"submit\" class=\"secondary small\" aria-label=\"%s %s\">%s</button></form>",
                          extension, extension, _("Unbind"), rd_console_str (user, "name"), _("Unbind"));
        }
      else
        {
          g_autofree char *select_id = g_strconcat ("ext-", id, NULL);

          rd_console_form_open (req, html, "/users", "inline");
          rd_html_printf (html, "<input type=\"hidden\" name=\"do\" value=\"bind\"><input type=\"hidden\" name=\"user\" "
                          "value=\"%s\"><label class=\"sr\" for=\"%s\">%s %s</label><select id=\"%s\" name=\"extension\">"
                          "<option value=\"\">—</option>", id, select_id, _("Extension for"),
                          rd_console_str (user, "name"), select_id);
          for (guint j = 0; extensions != NULL && j < json_array_get_length (extensions); j++)
            {
              JsonObject *ext = json_array_get_object_element (extensions, j);

              if (bound_user (ext) == NULL)
                rd_html_printf (html, "<option value=\"%s\">%s %s</option>", rd_console_str (ext, "number"),
                                rd_console_str (ext, "number"), rd_console_str (ext, "name"));
            }
          /* A portal or public user is bound only after a confirmation that says why it is risky. */
          rd_html_printf (html, "</select> <button type=\"submit\" class=\"small\">%s</button></form>",
                          g_strcmp0 (user_type, "internal") == 0 ? _("Bind") : _("Bind…"));
        }
      rd_html_raw (html, "</td></tr>");
    }
  rd_html_raw (html, "</tbody></table></div>");
  if (shown == 0)
    rd_html_printf (html, "<p class=\"empty\">%s</p>", _("No CRM user of this kind."));
  rd_html_raw (html, "</section>");
}

static void
render_extensions (RdConsoleRequest *req, RdHtml *html, JsonArray *extensions)
{
  rd_html_printf (html, "<section id=\"extensions\"><h2>%s</h2><p class=\"hint\">%s</p>", _("Extensions"),
                  _("A desktop signs in to the hub as its extension with an agent key, or with the user's own CRM "
                    "login and API key. Issuing a new key ends the old one and signs its desktop out."));
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list stack\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  _("Extension"), _("Bound user"), _("E-mail on the PBX"), _("Agent key"));
  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    {
      JsonObject *ext = json_array_get_object_element (extensions, i);
      JsonObject *user = bound_user (ext);
      gboolean has_key = json_object_get_boolean_member_with_default (ext, "agent_key", FALSE);

      rd_html_printf (html, "<tr><td><span class=\"ext\">%s</span> %s</td><td data-label=\"%s\">%s</td>"
                      "<td data-label=\"%s\">%s</td><td data-label=\"%s\">",
                      rd_console_str (ext, "number"), rd_console_str (ext, "name"), _("Bound user"),
                      user != NULL ? rd_console_str (user, "name") : "—", _("E-mail on the PBX"),
                      rd_console_str (ext, "email"), _("Agent key"));
      rd_html_printf (html, "%s ", has_key ? _("Issued") : _("None"));
      rd_console_form_open (req, html, "/users/key", "inline");
      rd_html_printf (html, "<input type=\"hidden\" name=\"extension\" value=\"%s\"><button type=\"submit\" "
                      "class=\"secondary small\" aria-label=\"%s %s\">%s</button></form>",
                      rd_console_str (ext, "number"), has_key ? _("Issue a new key for") : _("Issue a key for"),
                      rd_console_str (ext, "number"), has_key ? _("New key") : _("Issue key"));
      rd_html_raw (html, "</td></tr>");
    }
  rd_html_raw (html, "</tbody></table></div></section>");
}

static void
render_auto (RdConsoleRequest *req, RdHtml *html)
{
  rd_html_printf (html, "<section id=\"auto\" class=\"card\"><h2>%s</h2><p>%s</p>", _("Bind by e-mail"),
                  _("Binds each unbound extension to the internal CRM user (an employee) whose e-mail address is the "
                    "extension's, letter case aside. Portal and public users are never bound this way: they can "
                    "change their own e-mail. You see the list of pairs before anything changes."));
  rd_console_form_open (req, html, "/users/auto", "inline");
  rd_html_printf (html, "<input type=\"hidden\" name=\"step\" value=\"preview\"><button type=\"submit\">%s</button></form>"
                  "</section>", _("Preview automatic binding"));
}

static gboolean
pbx_missing (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));

  return g_str_equal (rd_console_str (json_object_get_object_member (status, "pbx"), "state"), "not-configured");
}

static void
keys_listed (RdConsoleRequest *req, JsonObject *keys_reply, const GError *keys_error)
{
  JsonObject *users_reply = g_object_get_data (G_OBJECT (req), "users");
  JsonObject *reply = g_object_get_data (G_OBJECT (req), "extensions");
  const GError *error = g_object_get_data (G_OBJECT (req), "extensions-error");
  const char *type = rd_console_request_field (req, "type");
  RdHtml *html = rd_html_new ();
  JsonArray *extensions = reply != NULL ? json_object_get_array_member (reply, "extensions") : NULL;
  JsonArray *keys;

  if (type == NULL || (!g_str_equal (type, "internal") && !g_str_equal (type, "portal") && !g_str_equal (type, "public")))
    type = "all";
  if (users_reply == NULL)
    {
      rd_console_notice (html, "info", _("Connect the CRM first: its users are listed here to bind them to extensions."));
      rd_html_printf (html, "<p><a class=\"button\" href=\"/crm\">%s</a></p>", _("Connect the CRM"));
    }
  if (error != NULL && pbx_missing (req))
    {
      rd_console_notice (html, "info", _("Connect the PBX to list its extensions."));
      rd_html_printf (html, "<p><a class=\"button\" href=\"/pbx\">%s</a></p>", _("Connect the PBX"));
    }
  else if (error != NULL)
    rd_console_notice (html, "warn", error->message);
  if (users_reply != NULL && extensions != NULL)
    render_auto (req, html);
  if (users_reply != NULL)
    render_users (req, html, json_object_get_array_member (users_reply, "users"), extensions, type);
  if (extensions != NULL)
    render_extensions (req, html, extensions);
  else if (error == NULL)
    rd_console_notice (html, "info", _("Connect the PBX to list its extensions."));
  keys = keys_reply != NULL ? json_object_get_array_member (keys_reply, "keys") : NULL;
  if (keys != NULL && (extensions != NULL || json_array_get_length (keys) > 0))
    rd_console_render_agent_keys (req, html, keys);
  else if (keys_error != NULL)
    rd_console_notice (html, "warn", keys_error->message);
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Users and extensions"), "users", html);
}

static void
extensions_listed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  if (reply != NULL)
    g_object_set_data_full (G_OBJECT (req), "extensions", json_object_ref (reply), (GDestroyNotify) json_object_unref);
  if (error != NULL)
    g_object_set_data_full (G_OBJECT (req), "extensions-error", g_error_copy (error), (GDestroyNotify) g_error_free);
  rd_console_request_run (req, "agent-keys", NULL, keys_listed);
}

static void
users_listed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  if (reply != NULL)
    g_object_set_data_full (G_OBJECT (req), "users", json_object_ref (reply), (GDestroyNotify) json_object_unref);
  rd_console_request_run (req, "extensions", NULL, extensions_listed);
}

void
rd_console_page_users (RdConsoleRequest *req)
{
  rd_console_request_run (req, "users", NULL, users_listed);
}
