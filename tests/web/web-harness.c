/* web-harness — the world the browser tests of the web console run against: the PBX and Odoo
 * simulators (with hostile names among the seed people) and a hub with its web console, all on
 * loopback. Prints one JSON line with the addresses and credentials, then takes commands on
 * stdin, one per line, answering each with one line (the hub also has a second kind of PBX, "lab",
 * whose fields the PBX page shows when it is chosen):
 *   call EXTENSION FROM      plays an answered inbound call from FROM (→ "ok CALL_ID")
 *   ring EXTENSION FROM      a call that rings for 4 s, unanswered (→ "ok CALL_ID")
 *   logs                     the number of call logs written in the simulated CRM (→ "ok N")
 *   crm-down, crm-up         the simulated CRM stops answering, answers again (→ "ok")
 *   crm-delay MS             the simulated CRM answers each request MS milliseconds late (→ "ok")
 *   company-country CODE|-   the simulated CRM's company country (- = none) (→ "ok")
 *   leads on|off             the simulated CRM's Leads setting (→ "ok")
 *   agent EXTENSION KEY      a desktop (the app's agent client) signs in with an agent key (→ "ok")
 *   agent-state              that desktop's state and, once the hub ended its access, the reason
 *                            (→ "ok signed-in -", "ok auth-failed key-revoked", …)
 *   elsewhere pbx|odoo       that simulator's address as another computer's: http://0.0.0.0:PORT
 *                            (not loopback for the hub's rule, yet Linux connects it here) (→ "ok URL")
 *   tls-server               an https:// server presenting the PBX simulator's self-signed
 *                            certificate, to look at and pin (→ "ok URL")
 *   quit                     stops everything (→ "ok")
 */
#include "config.h"

#include "../hub/hub-test-util.h"

#include "agent/rd-agent-client.h"
#include "core/rd-error.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <unistd.h>

#define HOSTILE_USER "<img src=x onerror=\"document.title='pwned'\">Mallory"
#define HOSTILE_PARTNER "<script>window.pwned=1</script>Evil Corp"
#define HOSTILE_EXTENSION "\"><b>Evil</b> desk"
#define HOSTILE_NUMBER "+86 21 6666 0000"

typedef struct {
  HubSims           sims;
  RdHub            *hub;
  GMainLoop        *loop;
  GDataInputStream *input;
  gint64            hostile_partner;
  RdAgentClient    *agent;
  SoupServer       *tls_server;
} Harness;

static void read_next (Harness *h);

static char *
start_tls_server (Harness *h)
{
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "pbx", "sim-pbx-cert.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  char *text;

  if (h->tls_server == NULL)
    {
      certificate = g_tls_certificate_new_from_file (path, &error);
      if (certificate == NULL)
        return g_strdup_printf ("error %s", error->message);
      h->tls_server = soup_server_new ("tls-certificate", certificate, NULL);
      if (!soup_server_listen_local (h->tls_server, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
        {
          g_clear_object (&h->tls_server);
          return g_strdup_printf ("error %s", error->message);
        }
    }
  uris = soup_server_get_uris (h->tls_server);
  text = g_strdup_printf ("ok https://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return text;
}

static void
reply (const char *text)
{
  printf ("%s\n", text);
  fflush (stdout);
}

static void
command (Harness *h, char *line)
{
  g_auto(GStrv) words = g_strsplit (g_strstrip (line), " ", 3);
  guint n = g_strv_length (words);

  if (n == 3 && (g_str_equal (words[0], "call") || g_str_equal (words[0], "ring")))
    {
      const char * const ring[] = { words[1], NULL };
      gboolean keep_ringing = g_str_equal (words[0], "ring");
      g_autofree char *id = rd_sim_pbx_play_inbound (h->sims.pbx, words[2], "02188880000", ring,
                                                     keep_ringing ? NULL : words[1], keep_ringing ? 4000 : 400, 600);
      g_autofree char *text = g_strdup_printf ("ok %s", id);

      reply (text);
    }
  else if (n == 2 && g_str_equal (words[0], "company-country"))
    {
      rd_sim_odoo_set_company_country (h->sims.odoo, g_str_equal (words[1], "-") ? NULL : words[1]);
      reply ("ok");
    }
  else if (n == 2 && g_str_equal (words[0], "leads") && (g_str_equal (words[1], "on") || g_str_equal (words[1], "off")))
    {
      rd_sim_odoo_set_leads_enabled (h->sims.odoo, g_str_equal (words[1], "on"));
      reply ("ok");
    }
  else if (n == 2 && g_str_equal (words[0], "crm-delay"))
    {
      rd_sim_odoo_set_delay (h->sims.odoo, (guint) g_ascii_strtoull (words[1], NULL, 10));
      reply ("ok");
    }
  else if (n == 1 && g_str_equal (words[0], "logs"))
    {
      g_autoptr(GPtrArray) messages = rd_sim_odoo_messages_for (h->sims.odoo, "res.partner", h->sims.li_lei);
      g_autofree char *text = g_strdup_printf ("ok %u", messages != NULL ? messages->len : 0);

      reply (text);
    }
  else if (n == 1 && (g_str_equal (words[0], "crm-down") || g_str_equal (words[0], "crm-up")))
    {
      rd_sim_odoo_set_down (h->sims.odoo, g_str_equal (words[0], "crm-down"));
      reply ("ok");
    }
  else if (n == 3 && g_str_equal (words[0], "agent"))
    {
      g_autofree char *url = rd_hub_get_agent_url (h->hub);

      if (h->agent != NULL)
        rd_agent_client_stop (h->agent);
      g_clear_object (&h->agent);
      h->agent = rd_agent_client_new (url);
      rd_agent_client_set_agent_key (h->agent, words[1], words[2]);
      rd_agent_client_start (h->agent);
      reply ("ok");
    }
  else if (n == 1 && g_str_equal (words[0], "agent-state"))
    {
      g_autofree char *text = NULL;

      if (h->agent == NULL)
        text = g_strdup ("error no agent");
      else
        text = g_strdup_printf ("ok %s %s", rd_agent_state_to_string (rd_agent_client_get_state (h->agent)),
                                rd_agent_client_get_revoked_reason (h->agent) ?: "-");
      reply (text);
    }
  else if (n == 2 && g_str_equal (words[0], "elsewhere") &&
           (g_str_equal (words[1], "pbx") || g_str_equal (words[1], "odoo")))
    {
      g_autoptr(GUri) uri = g_uri_parse (g_str_equal (words[1], "pbx") ? rd_sim_pbx_get_base_url (h->sims.pbx)
                                                                         : rd_sim_odoo_get_url (h->sims.odoo),
                                         G_URI_FLAGS_NONE, NULL);
      g_autofree char *text = g_strdup_printf ("ok http://0.0.0.0:%d", g_uri_get_port (uri));

      reply (text);
    }
  else if (n == 1 && g_str_equal (words[0], "tls-server"))
    {
      g_autofree char *text = start_tls_server (h);

      reply (text);
    }
  else if (n == 1 && g_str_equal (words[0], "quit"))
    {
      reply ("ok");
      g_main_loop_quit (h->loop);
      return;
    }
  else
    reply ("error unknown command");
}

static void
line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Harness *h = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);

  if (line == NULL)
    {
      g_main_loop_quit (h->loop);   /* the test runner went away */
      return;
    }
  command (h, line);
  if (g_main_loop_is_running (h->loop))
    read_next (h);
}

static void
read_next (Harness *h)
{
  g_data_input_stream_read_line_async (h->input, G_PRIORITY_DEFAULT, NULL, line_cb, h);
}

/* A second kind of PBX, so that the PBX page offers a choice: its settings are one of each kind the
 * console turns into a field (text, password, number, list). The browser only looks at them. */
static const char * const lab_modes[] = { "events", "polling", NULL };

static const RdOptionSpec lab_pbx_options[] = {
  { "tenant", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "lab PBX tenant", NULL, "Tenant",
    "The tenant's name on the lab PBX.", "acme-1" },
  { "token", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET, "lab PBX token", NULL, "Access token", NULL, NULL },
  { "mode", RD_OPTION_CHOICE, 0, "event delivery", lab_modes, "Event delivery", NULL, NULL },
  { "poll-seconds", RD_OPTION_UINT, 0, "polling interval", NULL, "Polling interval (seconds)", NULL, "30" },
  { NULL },
};

static RdPbx *
lab_pbx_new (const RdPbxConfig *config, GError **error)
{
  g_set_error_literal (error, RD_ERROR, RD_ERROR_FAILED, "The lab PBX is only for looking at");
  return NULL;
}

static const RdPbxBackend lab_pbx_backend = {
  .kind = "lab", .name = "Lab PBX", .options = lab_pbx_options, .new_func = lab_pbx_new,
};

int
main (int argc, char **argv)
{
  Harness h = { 0 };
  RdHubOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *console = NULL;
  g_autoptr(GInputStream) stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);

  rd_pbx_register_backend (&lab_pbx_backend);
  hub_sims_start (&h.sims);
  {
    /* The PBX keeps its call records in its own zone; the test tells the hub which (Asia/Shanghai). */
    g_autoptr(GTimeZone) shanghai = g_time_zone_new_identifier ("Asia/Shanghai");

    rd_sim_pbx_set_time_zone (h.sims.pbx, shanghai);
  }
  rd_sim_odoo_add_user (h.sims.odoo, "mallory", HOSTILE_USER, "mallory@example.com", NULL, RD_CRM_USER_INTERNAL, FALSE);
  h.hostile_partner = rd_sim_odoo_add_partner (h.sims.odoo, HOSTILE_PARTNER, HOSTILE_NUMBER, NULL, TRUE, 0, NULL);
  rd_sim_pbx_add_extension (h.sims.pbx, "2005", HOSTILE_EXTENSION, "mallory@example.com");

  options.database_path = g_build_filename (h.sims.tmp, "hub.db", NULL);
  options.secrets_dir = g_build_filename (h.sims.tmp, "secrets", NULL);
  options.admin_socket = g_build_filename (h.sims.tmp, "admin.sock", NULL);
  options.console_address = g_strdup ("127.0.0.1");
  h.hub = rd_hub_new (&options);
  rd_hub_set_retry_policy (h.hub, 1, 2);
  if (!rd_hub_start (h.hub, &error))
    {
      g_printerr ("web-harness: %s\n", error->message);
      return 1;
    }
  {
    g_autoptr(JsonObject) status = rd_hub_get_status_json (h.hub);

    console = g_strdup (json_object_get_string_member_with_default (status, "console_url", ""));
  }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "console");
  json_builder_add_string_value (builder, console);
  json_builder_set_member_name (builder, "admin_socket");
  json_builder_add_string_value (builder, options.admin_socket);
  json_builder_set_member_name (builder, "pbx_url");
  json_builder_add_string_value (builder, rd_sim_pbx_get_base_url (h.sims.pbx));
  json_builder_set_member_name (builder, "pbx_client_id");
  json_builder_add_string_value (builder, RD_SIM_PBX_DEFAULT_CLIENT_ID);
  json_builder_set_member_name (builder, "pbx_secret");
  json_builder_add_string_value (builder, RD_SIM_PBX_DEFAULT_SECRET);
  json_builder_set_member_name (builder, "odoo_url");
  json_builder_add_string_value (builder, rd_sim_odoo_get_url (h.sims.odoo));
  json_builder_set_member_name (builder, "odoo_database");
  json_builder_add_string_value (builder, rd_sim_odoo_get_database (h.sims.odoo));
  json_builder_set_member_name (builder, "odoo_login");
  json_builder_add_string_value (builder, "admin");
  json_builder_set_member_name (builder, "odoo_key");
  json_builder_add_string_value (builder, ADMIN_KEY);
  json_builder_set_member_name (builder, "alice_key");
  json_builder_add_string_value (builder, ALICE_KEY);
  json_builder_set_member_name (builder, "known_caller");
  json_builder_add_string_value (builder, LI_LEI_NUMBER);
  json_builder_set_member_name (builder, "hostile_caller");
  json_builder_add_string_value (builder, HOSTILE_NUMBER);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  reply (text);

  h.loop = g_main_loop_new (NULL, FALSE);
  h.input = g_data_input_stream_new (stdin_stream);
  read_next (&h);
  g_main_loop_run (h.loop);

  g_clear_object (&h.input);
  if (h.agent != NULL)
    rd_agent_client_stop (h.agent);
  g_clear_object (&h.agent);
  if (h.tls_server != NULL)
    soup_server_disconnect (h.tls_server);
  g_clear_object (&h.tls_server);
  g_clear_object (&h.hub);
  hub_sims_stop (&h.sims);
  g_main_loop_unref (h.loop);
  rd_hub_options_clear (&options);
  return 0;
}
