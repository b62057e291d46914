/* rd-console-page-signin.c — sign-in (console administrators, CRM administrators), sign-out,
 * and the one-time link of `ringdesk-hub admin-link`. */
#include "config.h"

#include "hub/console/rd-console-i18n.h"
#include "hub/console/rd-console-layout.h"
#include "hub/console/rd-console-private.h"

#include "core/rd-error.h"

#include <string.h>

static gboolean
crm_connected (RdConsoleRequest *req)
{
  g_autoptr(JsonObject) status = rd_hub_get_status_json (rd_console_request_get_hub (req));
  JsonObject *crm = json_object_get_object_member (status, "crm");

  return g_strcmp0 (rd_console_str (crm, "state"), "connected") == 0;
}

static void
reply_signin (RdConsoleRequest *req, guint status, const char *problem)
{
  RdConsoleAccounts *accounts = rd_console_get_accounts (rd_console_request_get_console (req));
  gboolean have_admins = rd_console_accounts_count (accounts) > 0;
  gboolean crm = crm_connected (req);
  RdHtml *html = rd_html_new ();

  if (problem != NULL)
    rd_console_notice (html, "error", problem);
  else if (rd_console_request_field (req, "out") != NULL)
    rd_console_notice (html, "ok", _("You are signed out."));
  if (!have_admins && !crm)
    {
      rd_console_notice (html, "info", _("This hub has no console administrator yet. On the hub, run the command "
                                         "below and open the link it prints; it is valid for 15 minutes, once."));
      rd_html_raw (html, "<pre class=\"command\">sudo ringdesk-hub admin-link</pre>");
    }
  if (have_admins)
    {
      rd_html_printf (html, "<section class=\"card\"><h2>%s</h2>", _("Console administrator"));
      rd_console_form_open (req, html, "/signin", "stack");
      rd_html_printf (html,
                      "<input type=\"hidden\" name=\"method\" value=\"password\">"
                      "<label for=\"name\">%s</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required>"
                      "<label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" "
                      "autocomplete=\"current-password\" required>"
                      "<button type=\"submit\">%s</button></form></section>",
                      _("Name"), _("Password"), _("Sign in"));
    }
  if (crm)
    {
      rd_html_printf (html, "<section class=\"card\"><h2>%s</h2><p class=\"hint\">%s</p>", _("CRM administrator"),
                      _("Members of the CRM's Settings group sign in with their CRM login and a personal API key."));
      rd_console_form_open (req, html, "/signin", "stack");
      rd_html_printf (html,
                      "<input type=\"hidden\" name=\"method\" value=\"crm\">"
                      "<label for=\"login\">%s</label><input id=\"login\" name=\"login\" autocomplete=\"username\" required>"
                      "<label for=\"api_key\">%s</label><input id=\"api_key\" name=\"api_key\" type=\"password\" "
                      "autocomplete=\"off\" required>"
                      "<button type=\"submit\">%s</button></form></section>",
                      _("CRM login"), _("API key"), _("Sign in"));
    }
  if (have_admins || crm)
    rd_html_printf (html, "<p class=\"hint\">%s <code>sudo ringdesk-hub admin-link</code></p>",
                    _("Forgot the password? A new one-time link from the hub lets you set a new one:"));
  rd_console_request_reply_page (req, status, _("Sign in"), NULL, html);
}

void
rd_console_page_signin (RdConsoleRequest *req)
{
  RdConsoleSession *session = rd_console_request_get_session (req);

  if (session != NULL && session->actor != NULL)
    {
      rd_console_request_redirect (req, "/overview");
      return;
    }
  reply_signin (req, SOUP_STATUS_OK, NULL);
}

static char *
wait_text (RdConsoleRequest *req, gint64 wait_s)
{
  return g_strdup_printf (_("Too many failed sign-ins. Try again in %d minutes."), (int) ((wait_s + 59) / 60));
}

typedef struct {
  RdConsoleRequest *req;
  char             *identity;      /* the name or CRM login given */
  char             *throttle_key;  /* "console:NAME" or "crm:LOGIN" */
} SignIn;

static void
sign_in_free (SignIn *data)
{
  g_object_unref (data->req);
  g_free (data->identity);
  g_free (data->throttle_key);
  g_free (data);
}

static void
signed_in (RdConsoleRequest *req, const char *actor, const char *display_name, const char *identity)
{
  RdConsoleThrottle *throttle = rd_console_get_throttle (rd_console_request_get_console (req));

  rd_console_throttle_succeeded (throttle, identity);
  rd_console_request_sign_in (req, actor, display_name);
  rd_hub_audit (rd_console_request_get_hub (req), actor, "sign-in", rd_console_request_get_peer (req));
  rd_console_request_redirect (req, "/overview");
}

static void
refused (RdConsoleRequest *req, const char *identity, const char *message)
{
  RdConsoleThrottle *throttle = rd_console_get_throttle (rd_console_request_get_console (req));

  rd_console_throttle_failed (throttle, identity, rd_console_request_get_peer (req));
  g_message ("Console: refused a sign-in from %s", rd_console_request_get_peer (req));
  reply_signin (req, SOUP_STATUS_UNAUTHORIZED, message);
}

static void
password_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SignIn *data = user_data;
  RdConsoleRequest *req = data->req;
  g_autoptr(GError) error = NULL;

  rd_console_request_refresh (req);
  if (rd_console_accounts_verify_finish (RD_CONSOLE_ACCOUNTS (source), result, &error))
    {
      g_autofree char *actor = g_strconcat ("console:", data->identity, NULL);

      signed_in (req, actor, data->identity, data->throttle_key);
    }
  else if (error != NULL)
    reply_signin (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
  else
    refused (req, data->throttle_key, _("Wrong name or password."));
  sign_in_free (data);
}

static void
crm_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SignIn *data = user_data;
  RdConsoleRequest *req = data->req;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = rd_hub_verify_crm_admin_finish (RD_HUB (source), result, &error);

  rd_console_request_refresh (req);
  if (user != NULL)
    {
      g_autofree char *actor = g_strconcat ("crm:", rd_console_str (user, "login"), NULL);

      signed_in (req, actor, rd_console_str (user, "name"), data->throttle_key);
    }
  else if (g_error_matches (error, RD_ERROR, RD_ERROR_AUTH))
    refused (req, data->throttle_key, _("Wrong login or API key, or not a CRM administrator."));
  else
    reply_signin (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
                  _("The CRM cannot check sign-ins right now; try again later or use a console administrator."));
  sign_in_free (data);
}

void
rd_console_page_signin_post (RdConsoleRequest *req)
{
  RdConsole *console = rd_console_request_get_console (req);
  RdConsoleThrottle *throttle = rd_console_get_throttle (console);
  const char *method = rd_console_request_field (req, "method");
  gboolean crm = g_strcmp0 (method, "crm") == 0;
  const char *identity = rd_console_request_field (req, crm ? "login" : "name");
  const char *secret = rd_console_request_field (req, crm ? "api_key" : "password");
  g_autofree char *identity_key = g_strconcat (crm ? "crm:" : "console:", identity != NULL ? identity : "", NULL);
  SignIn *data;
  gint64 wait = 0;

  if (identity == NULL || secret == NULL || *identity == '\0' || *secret == '\0' || strlen (identity) > 256)
    {
      reply_signin (req, SOUP_STATUS_BAD_REQUEST, crm ? _("Give your CRM login and API key.")
                                                      : _("Give your name and password."));
      return;
    }
  if (!rd_console_throttle_allowed (throttle, identity_key, rd_console_request_get_peer (req), &wait))
    {
      g_autofree char *text = wait_text (req, wait);

      reply_signin (req, 429, text);
      return;
    }
  data = g_new0 (SignIn, 1);
  data->req = g_object_ref (req);
  data->identity = g_strdup (identity);
  data->throttle_key = g_steal_pointer (&identity_key);
  if (crm)
    {
      if (!rd_console_throttle_take_crm_check (throttle))
        {
          sign_in_free (data);
          reply_signin (req, 429,
                        _("Too many CRM sign-ins at once. Wait a minute and try again."));
          return;
        }
      rd_hub_verify_crm_admin_async (rd_console_request_get_hub (req), identity, secret, NULL, crm_checked_cb, data);
    }
  else
    {
      rd_console_accounts_verify_async (rd_console_get_accounts (console), identity, secret, NULL,
                                        password_checked_cb, data);
    }
}

void
rd_console_page_signout (RdConsoleRequest *req)
{
  RdConsoleSession *session = rd_console_request_get_session (req);

  if (session != NULL && session->actor != NULL)
    rd_hub_audit (rd_console_request_get_hub (req), session->actor, "sign-out", NULL);
  rd_console_request_sign_out (req);
  rd_console_request_redirect (req, "/signin?out=1");
}

/* ---- the one-time link ------------------------------------------------------------- */

static void
reply_link_gone (RdConsoleRequest *req)
{
  RdHtml *html = rd_html_new ();

  rd_console_notice (html, "error", _("This sign-in link was already used or has expired. Run the command below "
                                      "on the hub for a new one."));
  rd_html_raw (html, "<pre class=\"command\">sudo ringdesk-hub admin-link</pre>");
  rd_html_printf (html, "<p><a href=\"/signin\">%s</a></p>", _("Sign in"));
  rd_console_request_reply_page (req, SOUP_STATUS_GONE, _("Link expired"), NULL, html);
}

static void
reply_link_form (RdConsoleRequest *req, guint status, const char *problem)
{
  RdHtml *html = rd_html_new ();
  const char *token = rd_console_request_field (req, "t");

  if (problem != NULL)
    rd_console_notice (html, "error", problem);
  rd_html_printf (html, "<p>%s</p>",
                  _("Choose the name and password you will sign in with from now on. Giving the name of an "
                    "existing administrator sets a new password for it."));
  rd_console_form_open (req, html, "/link", "stack card");
  rd_html_printf (html,
                  "<input type=\"hidden\" name=\"t\" value=\"%s\">"
                  "<label for=\"name\">%s</label><input id=\"name\" name=\"name\" autocomplete=\"username\" "
                  "maxlength=\"64\" required>"
                  "<label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" "
                  "autocomplete=\"new-password\" minlength=\"10\" required aria-describedby=\"pw-hint\">"
                  "<p class=\"hint\" id=\"pw-hint\">%s</p>"
                  "<label for=\"repeat\">%s</label><input id=\"repeat\" name=\"repeat\" type=\"password\" "
                  "autocomplete=\"new-password\" minlength=\"10\" required>"
                  "<button type=\"submit\">%s</button></form>",
                  token != NULL ? token : "", _("Name"), _("Password"), _("At least 10 characters."),
                  _("Repeat the password"), _("Save and sign in"));
  rd_console_request_reply_page (req, status, _("Welcome"), NULL, html);
}

void
rd_console_page_link (RdConsoleRequest *req)
{
  RdConsoleSessions *sessions = rd_console_get_sessions (rd_console_request_get_console (req));

  if (!rd_console_sessions_link_valid (sessions, rd_console_request_field (req, "t")))
    {
      reply_link_gone (req);
      return;
    }
  reply_link_form (req, SOUP_STATUS_OK, NULL);
}

typedef struct {
  RdConsoleRequest *req;
  char             *name;
  gboolean          existed;
} LinkSave;

static void
link_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LinkSave *data = user_data;
  RdConsoleRequest *req = data->req;
  g_autoptr(GError) error = NULL;

  rd_console_request_refresh (req);
  if (!rd_console_accounts_set_password_finish (RD_CONSOLE_ACCOUNTS (source), result, &error))
    reply_link_form (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
  else
    {
      g_autofree char *actor = g_strconcat ("console:", data->name, NULL);

      rd_hub_audit (rd_console_request_get_hub (req), actor,
                    data->existed ? "console-password" : "console-admin-add", "one-time link");
      rd_console_request_sign_in (req, actor, data->name);
      rd_hub_audit (rd_console_request_get_hub (req), actor, "sign-in", rd_console_request_get_peer (req));
      rd_console_request_redirect_with (req, "/overview", _("Welcome. Connect the CRM and the PBX to begin."), FALSE);
    }
  g_object_unref (data->req);
  g_free (data->name);
  g_free (data);
}

void
rd_console_page_link_post (RdConsoleRequest *req)
{
  RdConsole *console = rd_console_request_get_console (req);
  RdConsoleSessions *sessions = rd_console_get_sessions (console);
  RdConsoleAccounts *accounts = rd_console_get_accounts (console);
  g_autofree char *name = rd_console_request_field_trimmed (req, "name");
  const char *password = rd_console_request_field (req, "password");
  const char *repeat = rd_console_request_field (req, "repeat");
  const char *token = rd_console_request_field (req, "t");
  LinkSave *data;

  if (!rd_console_sessions_link_valid (sessions, token))
    {
      reply_link_gone (req);
      return;
    }
  if (!rd_console_accounts_check_name (name, NULL))
    {
      reply_link_form (req, SOUP_STATUS_BAD_REQUEST, _("A name is 1 to 64 characters, without control characters."));
      return;
    }
  if (!rd_console_accounts_check_password (password, NULL))
    {
      reply_link_form (req, SOUP_STATUS_BAD_REQUEST, _("The password must be at least 10 characters long."));
      return;
    }
  if (g_strcmp0 (password, repeat) != 0)
    {
      reply_link_form (req, SOUP_STATUS_BAD_REQUEST, _("The two passwords differ."));
      return;
    }
  if (!rd_console_sessions_consume_link (sessions, token))
    {
      reply_link_gone (req);
      return;
    }
  data = g_new0 (LinkSave, 1);
  data->req = g_object_ref (req);
  data->name = g_steal_pointer (&name);
  data->existed = rd_console_accounts_exists (accounts, data->name);
  rd_console_accounts_set_password_async (accounts, data->name, password, NULL, link_saved_cb, data);
}
