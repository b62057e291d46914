/* rd-console-page-users.c — every CRM user (filterable by kind) with their e-mail and extension,
 * binding by hand and by e-mail, and agent keys (issued once, shown with a copy button and a
 * QR code). */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"
#include "hub/console/rd-console-qr.h"

static const char *
type_words (RdConsoleRequest *req, const char *type)
{
  if (g_strcmp0 (type, "internal") == 0)
    return _("Internal");
  if (g_strcmp0 (type, "portal") == 0)
    return _("Portal");
  if (g_strcmp0 (type, "public") == 0)
    return _("Public");
  return type;
}

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
                    types[i], i == 0 ? _("All") : type_words (req, types[i]));
  rd_html_raw (html, "</p>");
}

static void
render_users (RdConsoleRequest *req, RdHtml *html, JsonArray *users, JsonArray *extensions, const char *type)
{
  guint shown = 0;

  rd_html_printf (html, "<section id=\"users\"><h2>%s</h2>", _("CRM users"));
  render_filter (req, html, type);
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list\"><thead><tr><th scope=\"col\">%s</th>"
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
      rd_html_printf (html, "</td><td>%s</td><td>%s</td><td>", rd_console_str (user, "email"),
                      type_words (req, user_type));
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
          rd_html_printf (html, "</select> <button type=\"submit\" class=\"small\">%s</button></form>", _("Bind"));
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
  rd_html_printf (html, "<section id=\"extensions\"><h2>%s</h2><p class=\"hint\">%s</p>", _("Extensions and agent keys"),
                  _("A desktop signs in to the hub as its extension with an agent key, or with the user's own CRM "
                    "login and API key. Issuing a new key ends the old one and signs its desktop out."));
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  _("Extension"), _("Bound user"), _("E-mail on the PBX"), _("Agent key"));
  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    {
      JsonObject *ext = json_array_get_object_element (extensions, i);
      JsonObject *user = bound_user (ext);
      gboolean has_key = json_object_get_boolean_member_with_default (ext, "agent_key", FALSE);

      rd_html_printf (html, "<tr><td><span class=\"ext\">%s</span> %s</td><td>%s</td><td>%s</td><td>",
                      rd_console_str (ext, "number"), rd_console_str (ext, "name"),
                      user != NULL ? rd_console_str (user, "name") : "—", rd_console_str (ext, "email"));
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
                  _("Binds each unbound extension to the unbound CRM user whose e-mail address is the same as the "
                    "extension's (letter case aside). You confirm before anything changes."));
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
extensions_listed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  JsonObject *users_reply = g_object_get_data (G_OBJECT (req), "users");
  const char *type = rd_console_request_field (req, "type");
  RdHtml *html = rd_html_new ();
  JsonArray *extensions = reply != NULL ? json_object_get_array_member (reply, "extensions") : NULL;

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
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Users and extensions"), "users", html);
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

static void
changed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  const char *action = rd_console_request_field (req, "do");

  if (error != NULL)
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
      rd_console_request_run (req, "bind", body, changed);
    }
  else
    rd_console_request_run (req, "unbind", body, changed);
}

/* ---- agent keys ------------------------------------------------------------------------- */

static void
key_issued (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  const char *extension = rd_console_request_field (req, "extension");
  const char *key = rd_console_str (reply, "key");
  g_autoptr(GError) qr_error = NULL;
  g_autofree char *qr = NULL;
  RdHtml *html;

  if (error != NULL)
    {
      rd_console_request_redirect_with (req, "/users", error->message, TRUE);
      return;
    }
  html = rd_html_new ();
  qr = rd_console_qr_svg (key, _("QR code of the agent key"), &qr_error);
  rd_console_notice (html, "warn", _("This key is shown once. Copy it now into Ringdesk on the desktop (Preferences, sign in "
                                     "with “My extension and an agent key”); it is not stored anywhere in readable form."));
  rd_html_printf (html, "<div class=\"card key\"><p>%s <span class=\"ext\">%s</span></p>"
                  "<label for=\"key\">%s</label><div class=\"copy\"><input id=\"key\" class=\"secret\" readonly value=\"%s\">"
                  "<button type=\"button\" class=\"copy-button\" data-copy=\"key\" data-done=\"%s\" hidden>%s</button></div>"
                  "<p>%s <code>%s</code></p>",
                  _("Extension"), extension != NULL ? extension : "", _("Agent key"), key, _("Copied"), _("Copy"),
                  _("Hub address for the desktop:"), rd_console_str (reply, "url"));
  if (qr != NULL)
    {
      /* The SVG is ours (built from the key's modules, no outside text): raw. */
      rd_html_raw (html, "<figure>");
      rd_html_raw (html, qr);
      rd_html_printf (html, "<figcaption>%s</figcaption></figure>",
                      _("The same key as a QR code, to carry it to the desktop with a phone."));
    }
  rd_html_printf (html, "<p><a class=\"button\" href=\"/users\">%s</a></p></div>", _("Done"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("New agent key"), "users", html);
}

void
rd_console_page_users_key (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *extension = rd_console_request_field_trimmed (req, "extension");

  json_object_set_string_member (body, "extension", extension != NULL ? extension : "");
  rd_console_request_run (req, "agent-key", body, key_issued);
}

/* ---- automatic binding ---------------------------------------------------------------------- */

static void
auto_bound (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autofree char *text = NULL;

  if (error != NULL)
    {
      rd_console_request_redirect_with (req, "/users", error->message, TRUE);
      return;
    }
  text = g_strdup_printf (_("%u extension(s) bound by e-mail."),
                          (guint) json_object_get_int_member_with_default (reply, "bound", 0));
  rd_console_request_redirect_with (req, "/users", text, FALSE);
}

void
rd_console_page_users_auto (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  RdHtml *html;

  if (g_strcmp0 (rd_console_request_field (req, "step"), "apply") == 0)
    {
      json_object_set_boolean_member (body, "auto", TRUE);
      rd_console_request_run (req, "bind", body, auto_bound);
      return;
    }
  html = rd_html_new ();
  rd_html_printf (html, "<div class=\"card confirm\"><p>%s</p>",
                  _("Every unbound extension whose e-mail equals an unbound CRM user's e-mail gets bound to that user. "
                    "Existing bindings are not changed."));
  rd_console_form_open (req, html, "/users/auto", "buttons");
  rd_html_printf (html, "<input type=\"hidden\" name=\"step\" value=\"apply\"><button type=\"submit\">%s</button>"
                  "<a class=\"button secondary\" href=\"/users\">%s</a></form></div>", _("Bind now"), _("Cancel"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Bind by e-mail"), "users", html);
}
