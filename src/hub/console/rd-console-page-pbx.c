/* rd-console-page-pbx.c — the PBX connection: its kind and address, the backend's own settings
 * (rd-console-backend-form.h; secrets never shown back), and the certificate it presents (with an
 * offer to pin it). */
#include "config.h"

#include "hub/console/rd-console-backend-form.h"
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
render_certificate (RdConsoleRequest *req, RdHtml *html, JsonObject *cert, const char *url, JsonObject *backend,
                    const char *pin)
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
  rd_html_printf (html, "<input type=\"hidden\" name=\"url\" value=\"%s\">", url);
  rd_console_backend_form_hidden (req, html, backend);
  if (rd_console_request_checkbox (req, "insecure_http"))
    rd_html_raw (html, "<input type=\"hidden\" name=\"insecure_http\" value=\"on\">");
  rd_html_printf (html, "<input type=\"hidden\" name=\"cert_sha256\" value=\"%s\">"
                  "<button type=\"submit\" name=\"do\" value=\"pin\">%s</button></form></section>",
                  rd_console_str (cert, "sha256"), _("Pin this certificate"));
}

static void
reply_pbx (RdConsoleRequest *req, guint status_code, const char *problem, const char *info, JsonObject *cert)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  JsonObject *pbx = json_object_get_object_member (status, "pbx");
  const char *state = rd_console_str (pbx, "state");
  gboolean configured = !g_str_equal (state, "not-configured");
  const char *url = rd_console_request_field (req, "url");
  const char *pin = rd_console_request_field (req, "cert_sha256");
  gboolean insecure = rd_console_request_checkbox (req, "insecure_http");
  gboolean from_request = url != NULL;
  JsonObject *backend = rd_console_backend_form_chosen (req, "pbx", rd_console_str (pbx, "kind"));
  gboolean saved_kind = configured && g_str_equal (rd_console_str (backend, "kind"), rd_console_str (pbx, "kind"));
  RdHtml *html = rd_html_new ();

  if (!from_request)
    url = rd_console_str (pbx, "url"), pin = rd_console_str (pbx, "cert_sha256"),
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
    rd_console_notice (html, "info", _("No PBX is connected yet. Enter its address and the settings below; the hint "
                                       "under each setting says where the PBX shows it."));
  rd_console_insecure_warnings (req, html, status, TRUE, FALSE);
  if (cert != NULL)
    render_certificate (req, html, cert, url, backend, pin);

  rd_console_form_open (req, html, "/pbx", "stack card");
  rd_console_backend_form_kind (req, html, "pbx", backend);
  rd_html_printf (html,
                  "<label for=\"url\">%s</label><input id=\"url\" name=\"url\" type=\"url\" value=\"%s\" "
                  "placeholder=\"https://pbx.example.com:8088\" required>", _("PBX address"), url);
  rd_console_insecure_option (req, html, insecure,
                              _("Not recommended: the PBX's credentials, which can dial from any extension, and the "
                                "call data would travel unencrypted. Without this, http:// works for a PBX on this "
                                "computer only."));
  rd_console_backend_form_fields (req, html, backend, from_request, saved_kind ? json_object_get_object_member (pbx, "options") : NULL,
                                  saved_kind ? _("saved — leave empty to keep") : NULL);
  rd_html_printf (html,
                  "<label for=\"cert_sha256\">%s</label><input id=\"cert_sha256\" name=\"cert_sha256\" value=\"%s\" "
                  "aria-describedby=\"pin-hint\"><p class=\"hint\" id=\"pin-hint\">%s</p>",
                  _("Pinned certificate (SHA-256)"), pin,
                  _("For a self-signed certificate: Check certificate shows it and pins it. Or type its SHA-256 "
                    "fingerprint: 64 hexadecimal digits, with or without colons."));
  rd_html_printf (html, "<div class=\"buttons\"><button type=\"submit\" name=\"do\" value=\"probe\" class=\"secondary\">%s"
                  "</button><button type=\"submit\" name=\"do\" value=\"save\">%s</button></div></form>",
                  _("Check certificate"), _("Save"));
  rd_console_request_reply_page (req, status_code, _("PBX connection"), "pbx", html);
}

static void
page_loaded (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  reply_pbx (req, error != NULL ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_OK,
             error != NULL ? error->message : NULL, NULL, NULL);
}

void
rd_console_page_pbx (RdConsoleRequest *req)
{
  rd_console_backend_form_load (req, page_loaded);
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

static void
post_loaded (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) status = NULL;
  const char *action = rd_console_request_field (req, "do");
  JsonObject *backend;
  g_autofree char *url = NULL;
  g_autofree char *pin = NULL;

  if (error != NULL)
    {
      reply_pbx (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message, NULL, NULL);
      return;
    }
  if (g_strcmp0 (action, "pin") == 0)
    {
      reply_pbx (req, SOUP_STATUS_OK, NULL,
                 _("The fingerprint is in the form below. Save to connect with this certificate pinned."), NULL);
      return;
    }
  if (g_strcmp0 (action, "kind") == 0)   /* another kind chosen: its fields, nothing saved */
    {
      reply_pbx (req, SOUP_STATUS_OK, NULL, NULL, NULL);
      return;
    }
  status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  backend = rd_console_backend_form_chosen (req, "pbx",
                                            rd_console_str (json_object_get_object_member (status, "pbx"), "kind"));
  url = rd_console_request_field_trimmed (req, "url");
  pin = rd_console_request_field_trimmed (req, "cert_sha256");
  if (url != NULL)
    json_object_set_string_member (body, "url", url);
  if (g_strcmp0 (action, "probe") == 0)
    {
      rd_console_request_run (req, "probe-certificate", body, probed);
      return;
    }
  if (pin != NULL)
    json_object_set_string_member (body, "cert_sha256", pin);
  rd_console_backend_form_to_body (req, backend, body);
  if (rd_console_request_checkbox (req, "insecure_http"))
    json_object_set_boolean_member (body, "insecure_http", TRUE);
  rd_console_request_run (req, "connect-pbx", body, saved);
}

void
rd_console_page_pbx_post (RdConsoleRequest *req)
{
  rd_console_backend_form_load (req, post_loaded);
}
