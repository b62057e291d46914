/* rd-console-page-keys.c — agent keys on the Users page: the list (extension, user, created,
 * last used, signed in now) with Revoke behind a confirmation, and a new key shown once with a
 * copy button and a QR code. The commands are the CLI's: agent-keys, agent-key, revoke. */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"
#include "hub/console/rd-console-qr.h"

static JsonObject *
key_user (JsonObject *key)
{
  JsonNode *node = json_object_get_member (key, "user");

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gint64
key_id (JsonObject *key)
{
  return json_object_get_int_member_with_default (key, "id", 0);
}

void
rd_console_render_agent_keys (RdConsoleRequest *req, RdHtml *html, JsonArray *keys)
{
  guint n = keys != NULL ? json_array_get_length (keys) : 0;

  rd_html_printf (html, "<section id=\"keys\"><h2>%s</h2><p class=\"hint\">%s</p>", _("Agent keys"),
                  _("A key signs one desktop in as its extension, for as long as the extension stays bound to the same "
                    "user. Revoke a key to sign its desktop out at once: a lost laptop, someone who left."));
  if (n == 0)
    {
      rd_html_printf (html, "<p class=\"empty\">%s</p></section>",
                      _("No agent key is in use. Issue one for an extension in the list above."));
      return;
    }
  rd_html_printf (html, "<div class=\"scroll\"><table class=\"list stack\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                  "<th scope=\"col\"><span class=\"sr\">%s</span></th></tr></thead><tbody>",
                  _("Extension"), _("User"), _("Issued"), _("Last used"), _("Signed in now"), _("Action"));
  for (guint i = 0; i < n; i++)
    {
      JsonObject *key = json_array_get_object_element (keys, i);
      JsonObject *user = key_user (key);
      g_autofree char *created = rd_console_format_time (json_object_get_int_member_with_default (key, "created", 0));
      g_autofree char *used = rd_console_format_time (json_object_get_int_member_with_default (key, "last_used", 0));
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, key_id (key));
      gint64 sessions = json_object_get_int_member_with_default (key, "sessions", 0);

      rd_html_printf (html, "<tr><td><span class=\"ext\">%s</span></td><td data-label=\"%s\">",
                      rd_console_str (key, "extension"), _("User"));
      if (user != NULL)
        rd_html_printf (html, "%s<br><span class=\"detail\">%s</span>", rd_console_str (user, "name"),
                        rd_console_str (user, "login"));
      else
        rd_html_raw (html, "—");
      rd_html_printf (html, "</td><td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td><td data-label=\"%s\">",
                      _("Issued"), created, _("Last used"),
                      json_object_get_int_member_with_default (key, "last_used", 0) > 0 ? used : _("Never"),
                      _("Signed in now"));
      if (sessions > 0)
        rd_html_printf (html, "<span class=\"badge badge-ok\">%s</span>", _("Yes"));
      else
        rd_html_printf (html, "%s", _("No"));
      rd_html_raw (html, "</td><td>");
      rd_console_form_open (req, html, "/users/revoke", "inline");
      rd_html_printf (html, "<input type=\"hidden\" name=\"id\" value=\"%s\"><button type=\"submit\" "
                      "class=\"secondary small\" aria-label=\"%s %s\">%s</button></form></td></tr>",
                      id, _("Revoke the key of extension"), rd_console_str (key, "extension"), _("Revoke…"));
    }
  rd_html_raw (html, "</tbody></table></div></section>");
}

/* ---- revoke ------------------------------------------------------------------------------ */

static void
revoked (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  if (error != NULL)
    rd_console_request_redirect_with (req, "/users#keys", error->message, TRUE);
  else
    rd_console_request_redirect_with (req, "/users#keys", _("Key revoked. A desktop signed in with it was signed out."),
                                      FALSE);
}

static void
revoke_listed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  JsonArray *keys = reply != NULL ? json_object_get_array_member (reply, "keys") : NULL;
  gint64 id = g_ascii_strtoll (rd_console_request_field (req, "id"), NULL, 10);
  JsonObject *key = NULL, *user;
  g_autofree char *created = NULL, *used = NULL, *what = NULL;
  RdHtml *html;

  for (guint i = 0; keys != NULL && i < json_array_get_length (keys) && key == NULL; i++)
    if (key_id (json_array_get_object_element (keys, i)) == id)
      key = json_array_get_object_element (keys, i);
  if (key == NULL)
    {
      rd_console_request_redirect_with (req, "/users#keys", error != NULL ? error->message
                                        : _("This key does not exist any more."), TRUE);
      return;
    }
  user = key_user (key);
  created = rd_console_format_time (json_object_get_int_member_with_default (key, "created", 0));
  used = rd_console_format_time (json_object_get_int_member_with_default (key, "last_used", 0));
  what = user != NULL ? g_strdup_printf (_("The agent key of extension %s, bound to %s (%s), issued %s."),
                                         rd_console_str (key, "extension"), rd_console_str (user, "name"),
                                         rd_console_str (user, "login"), created)
                      : g_strdup_printf (_("The agent key of extension %s, issued %s."),
                                         rd_console_str (key, "extension"), created);
  html = rd_html_new ();
  rd_html_printf (html, "<div class=\"card confirm\"><p>%s</p><p>%s</p>", what,
                  json_object_get_int_member_with_default (key, "sessions", 0) > 0
                  ? _("A desktop is signed in with it now: it is signed out at once and cannot sign in with this key "
                      "again.")
                  : _("No desktop is signed in with it now; none can sign in with it afterwards."));
  rd_html_printf (html, "<p>%s</p>", _("The extension stays bound to its user. Issue a new key when the desktop needs "
                                       "one."));
  rd_console_form_open (req, html, "/users/revoke", "buttons");
  rd_html_printf (html, "<input type=\"hidden\" name=\"id\" value=\"%s\"><input type=\"hidden\" name=\"extension\" "
                  "value=\"%s\"><input type=\"hidden\" name=\"step\" value=\"apply\">"
                  "<button type=\"submit\" class=\"danger\">%s</button><a class=\"button secondary\" href=\"/users#keys\">"
                  "%s</a></form></div>", rd_console_request_field (req, "id"), rd_console_str (key, "extension"),
                  _("Revoke key"), _("Cancel"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, _("Revoke this agent key?"), "users", html);
}

void
rd_console_page_users_revoke (RdConsoleRequest *req)
{
  const char *text = rd_console_request_field (req, "id");
  g_autofree char *extension = rd_console_request_field_trimmed (req, "extension");
  g_autoptr(JsonObject) body = json_object_new ();
  char *end = NULL;
  gint64 id = text != NULL ? g_ascii_strtoll (text, &end, 10) : 0;

  if (id <= 0 || end == NULL || *end != '\0')
    {
      rd_console_request_redirect_with (req, "/users#keys", _("This key does not exist any more."), TRUE);
      return;
    }
  if (g_strcmp0 (rd_console_request_field (req, "step"), "apply") != 0)
    {
      rd_console_request_run (req, "agent-keys", NULL, revoke_listed);
      return;
    }
  /* The extension too: the key revoked is the one the confirmation named, or none. */
  json_object_set_int_member (body, "id", id);
  if (extension != NULL)
    json_object_set_string_member (body, "extension", extension);
  rd_console_request_run (req, "revoke", body, revoked);
}

/* ---- issue ----------------------------------------------------------------------------------- */

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
  rd_html_printf (html, "<p><a class=\"button\" href=\"/users#keys\">%s</a></p></div>", _("Done"));
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
