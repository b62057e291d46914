/* rd-console-page-pbx.c — the PBX connection: address, API client id and secret (never shown
 * back), the certificate it presents (with an offer to pin it) and the PBX's time zone. */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

#include "core/rd-tls-pin.h"

/* Is the certificate of @probe (its "AB:CD:…" fingerprint) the one @pin names? Both in the
 * one pin syntax of core/rd-tls-pin.h. */
static gboolean
is_pinned (const char *pin, const char *fingerprint)
{
  g_autofree char *a = pin != NULL && *pin != '\0' ? rd_tls_pin_normalize (pin, NULL) : NULL;
  g_autofree char *b = a != NULL ? rd_tls_pin_normalize (fingerprint, NULL) : NULL;

  return a != NULL && b != NULL && g_str_equal (a, b);
}

static void
render_certificate (RdConsoleRequest *req, RdHtml *html, JsonObject *cert, const char *url, const char *client_id,
                    const char *zone, const char *pin)
{
  gboolean pinned = is_pinned (pin, rd_console_str (cert, "sha256"));

  JsonArray *problems = json_object_get_array_member (cert, "problems");
  gboolean trusted = json_object_get_boolean_member_with_default (cert, "trusted", FALSE);
  g_autofree char *until = rd_console_format_time (json_object_get_int_member_with_default (cert, "not_after", 0));

  rd_html_printf (html, "<section class=\"card\" id=\"certificate\"><h2>%s</h2><table class=\"facts\"><tbody>",
                  _("The certificate the PBX presents"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td><code class=\"fingerprint\">%s</code></td></tr>",
                  _("SHA-256 fingerprint"), rd_console_str (cert, "sha256"));
  if (pin != NULL && *pin != '\0')
    rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td><span class=\"badge badge-%s\">%s</span></td></tr>",
                    _("Pinned"), pinned ? "ok" : "warn",
                    pinned ? _("This is the pinned certificate") : _("Not the pinned certificate"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Subject"), rd_console_str (cert, "subject"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Issuer"), rd_console_str (cert, "issuer"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Valid until"), until);
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s", _("Trusted by this system"), trusted ? _("Yes") : _("No"));
  for (guint i = 0; problems != NULL && i < json_array_get_length (problems); i++)
    rd_html_printf (html, " <span class=\"badge badge-warn\">%s</span>", json_array_get_string_element (problems, i));
  rd_html_raw (html, "</td></tr></tbody></table>");
  rd_html_printf (html, "<p class=\"hint\">%s</p>",
                  _("Compare the fingerprint with the one the PBX's own web portal shows before you pin it. A pinned "
                    "certificate is required to match, whoever signed it."));
  if (pinned)
    {
      rd_html_raw (html, "</section>");
      return;
    }
  rd_console_form_open (req, html, "/pbx", "inline");
  rd_html_printf (html, "<input type=\"hidden\" name=\"url\" value=\"%s\"><input type=\"hidden\" name=\"client_id\" "
                  "value=\"%s\"><input type=\"hidden\" name=\"time_zone\" value=\"%s\">"
                  "<input type=\"hidden\" name=\"cert_sha256\" value=\"%s\">"
                  "<button type=\"submit\" name=\"do\" value=\"pin\">%s</button></form></section>",
                  url, client_id, zone, rd_console_str (cert, "sha256"), _("Pin this certificate"));
}

static void
reply_pbx (RdConsoleRequest *req, guint status_code, const char *problem, const char *info, JsonObject *cert)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  JsonObject *pbx = json_object_get_object_member (status, "pbx");
  const char *state = rd_console_str (pbx, "state");
  gboolean configured = !g_str_equal (state, "not-configured");
  const char *url = rd_console_request_field (req, "url");
  const char *client_id = rd_console_request_field (req, "client_id");
  const char *pin = rd_console_request_field (req, "cert_sha256");
  const char *zone = rd_console_request_field (req, "time_zone");
  gboolean insecure = rd_console_request_checkbox (req, "insecure_http");
  RdHtml *html = rd_html_new ();

  if (url == NULL)
    url = rd_console_str (pbx, "url"), client_id = rd_console_str (pbx, "client_id"),
    pin = rd_console_str (pbx, "cert_sha256"), zone = rd_console_str (pbx, "time_zone"),
    insecure = json_object_get_boolean_member_with_default (pbx, "insecure", FALSE);
  if (problem != NULL)
    rd_console_notice (html, "error", problem);
  if (info != NULL)
    rd_console_notice (html, "info", info);
  if (configured)
    {
      rd_html_printf (html, "<p>%s <span class=\"badge badge-%s\">%s</span></p>", _("State:"),
                      g_str_equal (state, "connected") ? "ok" : "error", rd_console_state_words (req, state));
      if (*rd_console_str (pbx, "message") != '\0')
        rd_console_notice (html, "warn", rd_console_str (pbx, "message"));
    }
  else
    rd_console_notice (html, "info", _("No PBX is connected yet. In the PBX's web portal, enable the API "
                                       "(Integrations → API) and copy its client id and secret here."));
  rd_console_insecure_warnings (req, html, status, TRUE, FALSE);
  if (cert != NULL)
    render_certificate (req, html, cert, url, client_id, zone, pin);

  rd_console_form_open (req, html, "/pbx", "stack card");
  rd_html_printf (html,
                  "<label for=\"url\">%s</label><input id=\"url\" name=\"url\" type=\"url\" value=\"%s\" "
                  "placeholder=\"https://pbx.example.com:8088\" required>", _("PBX address"), url);
  rd_console_insecure_option (req, html, insecure,
                              _("Not recommended: the client secret, which can dial from any extension, and the call "
                                "data would travel unencrypted. Without this, http:// works for a PBX on this computer "
                                "only."));
  rd_html_printf (html,
                  "<label for=\"client_id\">%s</label><input id=\"client_id\" name=\"client_id\" value=\"%s\" "
                  "autocomplete=\"off\" required>"
                  "<label for=\"client_secret\">%s</label><input id=\"client_secret\" name=\"client_secret\" "
                  "type=\"password\" autocomplete=\"off\" placeholder=\"%s\" aria-describedby=\"secret-hint\">"
                  "<p class=\"hint\" id=\"secret-hint\">%s</p>"
                  "<label for=\"cert_sha256\">%s</label><input id=\"cert_sha256\" name=\"cert_sha256\" value=\"%s\" "
                  "aria-describedby=\"pin-hint\"><p class=\"hint\" id=\"pin-hint\">%s</p>"
                  "<label for=\"time_zone\">%s</label><input id=\"time_zone\" name=\"time_zone\" value=\"%s\" "
                  "placeholder=\"Asia/Shanghai\" aria-describedby=\"zone-hint\"><p class=\"hint\" id=\"zone-hint\">%s</p>",
                  _("Client ID"), client_id, _("Client secret"),
                  configured ? _("saved — leave empty to keep") : "",
                  _("The secret can dial from any extension: it stays on the hub and is never shown again."),
                  _("Pinned certificate (SHA-256)"), pin,
                  _("For a self-signed certificate: Check certificate shows it and pins it. Or type its SHA-256 "
                    "fingerprint: 64 hexadecimal digits, with or without colons."),
                  _("PBX time zone"), zone,
                  _("The zone of the times in the PBX's call records (IANA name); empty: the hub's own zone."));
  rd_html_printf (html, "<div class=\"buttons\"><button type=\"submit\" name=\"do\" value=\"probe\" class=\"secondary\">%s"
                  "</button><button type=\"submit\" name=\"do\" value=\"save\">%s</button></div></form>",
                  _("Check certificate"), _("Save"));
  rd_console_request_reply_page (req, status_code, _("PBX connection"), "pbx", html);
}

void
rd_console_page_pbx (RdConsoleRequest *req)
{
  reply_pbx (req, SOUP_STATUS_OK, NULL, NULL, NULL);
}

static void
probed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  if (error != NULL)
    reply_pbx (req, SOUP_STATUS_BAD_REQUEST, error->message, NULL, NULL);
  else
    reply_pbx (req, SOUP_STATUS_OK, NULL, NULL, json_object_get_object_member (reply, "certificate"));
}

static void
saved (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  if (error != NULL)
    reply_pbx (req, SOUP_STATUS_BAD_REQUEST, error->message, NULL, NULL);
  else
    rd_console_request_redirect_with (req, "/pbx", _("The PBX is connected and saved."), FALSE);
}

void
rd_console_page_pbx_post (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) body = json_object_new ();
  const char *action = rd_console_request_field (req, "do");
  const char *secret = rd_console_request_field (req, "client_secret");
  static const char * const fields[] = { "url", "client_id", "cert_sha256", "time_zone" };

  if (g_strcmp0 (action, "pin") == 0)
    {
      reply_pbx (req, SOUP_STATUS_OK, NULL,
                 _("The fingerprint is in the form below. Save to connect with this certificate pinned."), NULL);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *value = rd_console_request_field_trimmed (req, fields[i]);

      if (value != NULL)
        json_object_set_string_member (body, fields[i], value);
    }
  if (g_strcmp0 (action, "probe") == 0)
    {
      rd_console_request_run (req, "probe-certificate", body, probed);
      return;
    }
  if (secret != NULL && *secret != '\0')
    json_object_set_string_member (body, "client_secret", secret);
  if (rd_console_request_checkbox (req, "insecure_http"))
    json_object_set_boolean_member (body, "insecure_http", TRUE);
  rd_console_request_run (req, "connect-pbx", body, saved);
}
