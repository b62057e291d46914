/* rd-console-page-crm.c — the CRM connection: the form with Test before Save, the version and
 * features found, and Disable / Enable / Disconnect behind a confirmation that says what each
 * keeps and clears. */
#include "config.h"

#include "hub/console/rd-console-backend-form.h"
#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

#include <string.h>

static const char *
yes_no (RdConsoleRequest *req, JsonObject *object, const char *member)
{
  return json_object_get_boolean_member_with_default (object, member, FALSE) ? _("Yes") : _("No");
}

static const char *
or_dash (const char *text)
{
  return text != NULL && *text != '\0' ? text : "—";
}

static void
render_features (RdConsoleRequest *req, RdHtml *html, JsonObject *features, const char *heading)
{
  rd_html_printf (html, "<section class=\"card\" id=\"features\"><h2>%s</h2><table class=\"facts\"><tbody>", heading);
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Version"), rd_console_str (features, "version"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Edition"),
                  json_object_get_boolean_member_with_default (features, "enterprise", FALSE) ? _("Enterprise")
                                                                                              : _("Community"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Leads (CRM app)"), yes_no (req, features, "leads"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Mobile numbers"), yes_no (req, features, "mobile"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Phone number search"),
                  yes_no (req, features, "phone_search"));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Company country"),
                  or_dash (rd_console_str (features, "country")));
  rd_html_printf (html, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", _("Time zone"),
                  or_dash (rd_console_str (features, "timezone")));
  rd_html_raw (html, "</tbody></table></section>");
}

/* The page; @problem an error to show; @tested the features a test found; the form keeps
 * the submitted values (never the key). */
static void
reply_crm (RdConsoleRequest *req, guint status_code, const char *problem, JsonObject *tested)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  JsonObject *crm = json_object_get_object_member (status, "crm");
  const char *state = rd_console_str (crm, "state");
  gboolean configured = !g_str_equal (state, "not-configured");
  const char *url = rd_console_request_field (req, "url");
  const char *login = rd_console_request_field (req, "login");
  const char *pin = rd_console_request_field (req, "cert_sha256");
  RdConsoleSession *session = rd_console_request_get_session (req);
  gboolean have_tested_key = session != NULL && session->tested_crm_key != NULL;
  gboolean insecure = rd_console_request_checkbox (req, "insecure_http");
  gboolean from_request = url != NULL;
  JsonObject *backend = rd_console_backend_form_chosen (req, "crm", rd_console_str (crm, "kind"));
  gboolean saved_kind = configured && g_str_equal (rd_console_str (backend, "kind"), rd_console_str (crm, "kind"));
  RdHtml *html = rd_html_new ();

  if (!from_request)
    url = rd_console_str (crm, "url"), login = rd_console_str (crm, "login"), pin = rd_console_str (crm, "cert_sha256"),
    insecure = json_object_get_boolean_member_with_default (crm, "insecure", FALSE);

  if (problem != NULL)
    rd_console_notice (html, "error", problem);
  if (configured)
    {
      rd_html_printf (html, "<p>%s <span class=\"badge badge-%s\">%s</span></p>", _("State:"),
                      g_str_equal (state, "connected") ? "ok" : g_str_equal (state, "disabled") ? "warn" : "error",
                      rd_console_state_words (req, state));
      if (*rd_console_str (crm, "message") != '\0')
        rd_console_notice (html, "warn", rd_console_str (crm, "message"));
    }
  else if (tested == NULL)
    rd_console_notice (html, "info", _("No CRM is connected yet. Enter the CRM's address and settings, and the login "
                                       "and API key of a CRM administrator (in the CRM: Preferences → Account Security "
                                       "→ New API Key). Test shows what the hub finds; Save connects."));
  rd_console_insecure_warnings (req, html, status, FALSE, TRUE);

  if (tested != NULL)
    render_features (req, html, tested, _("Test passed: this is what the hub found"));

  rd_console_form_open (req, html, "/crm", "stack card");
  rd_console_backend_form_kind (req, html, "crm", backend);
  rd_html_printf (html,
                  "<label for=\"url\">%s</label><input id=\"url\" name=\"url\" type=\"url\" value=\"%s\" "
                  "placeholder=\"https://mycompany.odoo.com\" required>", _("CRM address"), url);
  rd_console_insecure_option (req, html, insecure,
                              _("Not recommended: the administrator's API key and the call data would travel "
                                "unencrypted. Without this, http:// works for a CRM on this computer only."));
  rd_console_backend_form_fields (req, html, backend, from_request, saved_kind ? json_object_get_object_member (crm, "options") : NULL,
                                  saved_kind ? _("saved — leave empty to keep") : NULL);
  rd_html_printf (html,
                  "<label for=\"login\">%s</label><input id=\"login\" name=\"login\" value=\"%s\" autocomplete=\"off\" required>"
                  "<label for=\"api_key\">%s</label><input id=\"api_key\" name=\"api_key\" type=\"password\" "
                  "autocomplete=\"off\" placeholder=\"%s\" aria-describedby=\"key-hint\">"
                  "<p class=\"hint\" id=\"key-hint\">%s</p>"
                  "<label for=\"cert_sha256\">%s</label><input id=\"cert_sha256\" name=\"cert_sha256\" value=\"%s\" "
                  "aria-describedby=\"pin-hint\"><p class=\"hint\" id=\"pin-hint\">%s</p>",
                  _("Administrator login"), login, _("API key"),
                  have_tested_key ? _("tested — leave empty to use it") : configured ? _("saved — leave empty to keep") : "",
                  _("The key is never shown again, not even here."),
                  _("Certificate fingerprint (optional)"), pin,
                  _("Only for a self-hosted CRM with a self-signed certificate: its SHA-256 fingerprint, 64 "
                    "hexadecimal digits, with or without colons."));
  rd_html_printf (html, "<div class=\"buttons\"><button type=\"submit\" name=\"do\" value=\"test\" class=\"secondary\">%s</button>"
                  "<button type=\"submit\" name=\"do\" value=\"save\">%s</button></div></form>",
                  _("Test"), _("Save"));

  if (configured && tested == NULL && json_object_has_member (crm, "features"))
    render_features (req, html, json_object_get_object_member (crm, "features"), _("Version and features"));

  if (configured)
    {
      rd_html_printf (html, "<section class=\"card\"><h2>%s</h2><div class=\"buttons\">", _("Pause or disconnect"));
      if (json_object_get_boolean_member_with_default (crm, "enabled", TRUE))
        rd_html_printf (html, "<a class=\"button secondary\" href=\"/crm/confirm?action=disable\">%s</a>", _("Disable…"));
      else
        rd_html_printf (html, "<a class=\"button\" href=\"/crm/confirm?action=enable\">%s</a>", _("Enable…"));
      rd_html_printf (html, "<a class=\"button danger\" href=\"/crm/confirm?action=disconnect\">%s</a></div></section>",
                      _("Disconnect…"));
    }
  rd_console_request_reply_page (req, status_code, _("CRM connection"), "crm", html);
}

static void
page_loaded (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  reply_crm (req, error != NULL ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_OK,
             error != NULL ? error->message : NULL, NULL);
}

void
rd_console_page_crm (RdConsoleRequest *req)
{
  rd_console_backend_form_load (req, page_loaded);
}

/* The backend the submitted form is for. */
static JsonObject *
submitted_backend (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));

  return rd_console_backend_form_chosen (req, "crm", rd_console_str (json_object_get_object_member (status, "crm"),
                                                                     "kind"));
}

/* What a tested key is good for: the same CRM (address, kind, the settings that name the account)
 * and login. */
static char *
tested_identity (RdConsoleRequest *req)
{
  g_autofree char *account = rd_console_backend_form_identity (req, submitted_backend (req));

  return g_strjoin ("\n", rd_console_request_field (req, "url") ?: "", account,
                    rd_console_request_field (req, "login") ?: "", NULL);
}

static void
tested (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  RdConsoleSession *session = rd_console_request_get_session (req);

  if (error != NULL)
    {
      reply_crm (req, SOUP_STATUS_BAD_REQUEST, error->message, NULL);
      return;
    }
  if (session != NULL)
    {
      const char *key = rd_console_request_field (req, "api_key");

      /* Save may use the key just tested, for the same CRM and login, without asking again. */
      if (key != NULL && *key != '\0')
        {
          rd_console_session_forget_tested_crm (session);
          session->tested_crm_key = g_strdup (key);
          session->tested_crm = tested_identity (req);
        }
    }
  reply_crm (req, SOUP_STATUS_OK, NULL, json_object_get_object_member (reply, "crm"));
}

static void
saved (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  RdConsoleSession *session = rd_console_request_get_session (req);

  if (error != NULL)
    {
      reply_crm (req, SOUP_STATUS_BAD_REQUEST, error->message, NULL);
      return;
    }
  if (session != NULL)
    rd_console_session_forget_tested_crm (session);
  rd_console_request_redirect_with (req, "/crm", _("The CRM is connected and saved."), FALSE);
}

static void
post_loaded (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  RdConsoleSession *session = rd_console_request_get_session (req);
  const char *key = rd_console_request_field (req, "api_key");
  g_autofree char *identity = NULL;
  const char *action = rd_console_request_field (req, "do");
  gboolean test = g_strcmp0 (action, "test") == 0;
  static const char * const fields[] = { "url", "login", "cert_sha256" };

  if (error != NULL)
    {
      reply_crm (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message, NULL);
      return;
    }
  if (g_strcmp0 (action, "kind") == 0)   /* another kind chosen: its fields, nothing saved */
    {
      reply_crm (req, SOUP_STATUS_OK, NULL, NULL);
      return;
    }
  identity = tested_identity (req);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *value = rd_console_request_field_trimmed (req, fields[i]);

      if (value != NULL)
        json_object_set_string_member (body, fields[i], value);
    }
  rd_console_backend_form_to_body (req, submitted_backend (req), body);
  if (rd_console_request_checkbox (req, "insecure_http"))
    json_object_set_boolean_member (body, "insecure_http", TRUE);
  if (key != NULL && *key != '\0')
    json_object_set_string_member (body, "api_key", key);
  else if (session != NULL && session->tested_crm_key != NULL && g_strcmp0 (session->tested_crm, identity) == 0)
    json_object_set_string_member (body, "api_key", session->tested_crm_key);
  rd_console_request_run (req, test ? "test-crm" : "connect-crm", body, test ? tested : saved);
}

void
rd_console_page_crm_post (RdConsoleRequest *req)
{
  rd_console_backend_form_load (req, post_loaded);
}

/* ---- disable, enable, disconnect ------------------------------------------------------- */

void
rd_console_page_crm_confirm (RdConsoleRequest *req)
{
  const char *action = rd_console_request_field (req, "action");
  RdHtml *html = rd_html_new ();
  const char *title, *keeps, *clears, *button;

  if (g_strcmp0 (action, "disable") == 0)
    {
      title = _("Disable the CRM integration?");
      keeps = _("Keeps: every setting, the CRM connection and its API key, the bindings, agent keys, the phone index. "
                "Calls are still recorded and their CRM writes are queued, to be sent when you enable again.");
      clears = _("Stops until you enable again: caller lookups (pops show the number only), call logs, auto-create, "
                 "contact sync and index refreshes.");
      button = _("Disable");
    }
  else if (g_strcmp0 (action, "enable") == 0)
    {
      title = _("Enable the CRM integration?");
      keeps = _("Keeps: everything as it was set.");
      clears = _("Resumes: lookups, the phone index, and the CRM writes queued while disabled are sent now.");
      button = _("Enable");
    }
  else if (g_strcmp0 (action, "disconnect") == 0)
    {
      title = _("Disconnect the CRM?");
      keeps = _("Keeps: the PBX connection, the recorded calls, and the synced phonebook with its contacts on the PBX "
                "(no longer updated).");
      clears = _("Clears: the CRM address, login and API key, every user binding (their agents are signed out), the "
                 "contact sync and auto-create settings, the phone index, and the CRM writes still queued for this CRM. "
                 "Connecting a CRM again starts from scratch.");
      button = _("Disconnect");
    }
  else
    {
      rd_console_request_redirect (req, "/crm");
      rd_html_free (html);
      return;
    }
  rd_html_printf (html, "<div class=\"card confirm\"><p>%s</p><p>%s</p>", keeps, clears);
  rd_console_form_open (req, html, "/crm/state", "buttons");
  rd_html_printf (html, "<input type=\"hidden\" name=\"action\" value=\"%s\">"
                  "<button type=\"submit\" class=\"%s\">%s</button><a class=\"button secondary\" href=\"/crm\">%s</a>"
                  "</form></div>", action, g_str_equal (action, "disconnect") ? "danger" : "", button, _("Cancel"));
  rd_console_request_reply_page (req, SOUP_STATUS_OK, title, "crm", html);
}

static void
state_changed (RdConsoleRequest *req, JsonObject *reply, const GError *error)
{
  const char *action = rd_console_request_field (req, "action");

  if (error != NULL)
    rd_console_request_redirect_with (req, "/crm", error->message, TRUE);
  else
    rd_console_request_redirect_with (req, "/crm",
                                      g_str_equal (action, "disable") ? _("Disabled. Settings are kept; calls are queued.")
                                      : g_str_equal (action, "enable") ? _("Enabled. Queued CRM writes are being sent.")
                                      : _("Disconnected. The synced phonebook stays on the PBX."), FALSE);
}

void
rd_console_page_crm_state (RdConsoleRequest *req)
{
  const char *action = rd_console_request_field (req, "action");

  if (g_strcmp0 (action, "disable") != 0 && g_strcmp0 (action, "enable") != 0 &&
      g_strcmp0 (action, "disconnect") != 0)
    {
      rd_console_request_redirect (req, "/crm");
      return;
    }
  rd_console_request_run (req, action, NULL, state_changed);
}
