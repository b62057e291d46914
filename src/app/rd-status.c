/* rd-status.c — turning states and error words into sentences. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-status.h"
#include "rd-uri.h"

const char *
rd_status_pbx_label (const char *pbx)
{
  if (g_strcmp0 (pbx, "connected") == 0)
    return _("Connected");
  if (g_strcmp0 (pbx, "connecting") == 0)
    return _("Connecting…");
  if (g_strcmp0 (pbx, "reconnecting") == 0)
    return _("Reconnecting…");
  if (g_strcmp0 (pbx, "failed") == 0)
    return _("Not working");
  if (g_strcmp0 (pbx, "disconnected") == 0)
    return _("Not connected");
  return _("Unknown");
}

const char *
rd_status_crm_label (const char *crm)
{
  if (g_strcmp0 (crm, "connected") == 0)
    return _("Connected");
  if (g_strcmp0 (crm, "failed") == 0)
    return _("Not working");
  if (g_strcmp0 (crm, "disabled") == 0)
    return _("Paused by the administrator");
  if (g_strcmp0 (crm, "not-configured") == 0)
    return _("Not set up");
  return _("Unknown");
}

const char *
rd_status_level_icon (RdStatusLevel level)
{
  switch (level)
    {
    case RD_STATUS_OK: return "emblem-ok-symbolic";
    case RD_STATUS_BUSY: return "content-loading-symbolic";
    case RD_STATUS_WARNING: return "dialog-warning-symbolic";
    case RD_STATUS_ERROR: return "dialog-error-symbolic";
    case RD_STATUS_SETUP: return "preferences-system-symbolic";
    default: return "dialog-question-symbolic";
    }
}

void
rd_status_text_free (RdStatusText *text)
{
  if (text == NULL)
    return;
  g_free (text->title);
  g_free (text->advice);
  g_free (text->summary);
  g_free (text);
}

static char *
who (const char *user_name, const char *extension)
{
  g_autofree char *name = user_name && *user_name ? rd_uri_display_excerpt (user_name, 60) : NULL;
  g_autofree char *ext = extension && *extension ? rd_uri_display_excerpt (extension, 20) : NULL;

  if (name && ext)
    /* TRANSLATORS: "Alice Zhang (extension 2001)" */
    return g_strdup_printf (_("%s (extension %s)"), name, ext);
  if (ext)
    return g_strdup_printf (_("extension %s"), ext);
  if (name)
    return g_strdup (name);
  return g_strdup (_("your extension"));
}

RdStatusText *
rd_status_describe (gboolean configured, RdAgentState state, const char *user_name,
                    const char *extension, const char *pbx, const char *crm,
                    const char *message, const char *last_error)
{
  RdStatusText *t = g_new0 (RdStatusText, 1);
  g_autofree char *detail = NULL;

  if (last_error && *last_error)
    detail = rd_uri_display_excerpt (last_error, 200);
  else if (message && *message)
    detail = rd_uri_display_excerpt (message, 200);

  if (!configured)
    {
      t->level = RD_STATUS_SETUP;
      t->title = g_strdup (_("Ringdesk is not set up yet"));
      t->advice = g_strdup (_("Open Preferences to connect to your company’s Ringdesk hub, or run the hub on this computer."));
      t->summary = g_strdup (_("Not set up"));
      t->icon = "preferences-system-symbolic";
      return t;
    }

  switch (state)
    {
    case RD_AGENT_STATE_DISCONNECTED:
      t->level = RD_STATUS_ERROR;
      t->title = g_strdup (_("Not connected"));
      t->advice = g_strdup (_("Ringdesk is not connected to the hub. Check the hub address in Preferences."));
      t->summary = g_strdup (_("Not connected"));
      t->icon = "network-offline-symbolic";
      return t;

    case RD_AGENT_STATE_CONNECTING:
      t->level = RD_STATUS_BUSY;
      t->title = g_strdup (_("Connecting to the hub…"));
      t->summary = g_strdup (_("Connecting…"));
      t->icon = "network-server-symbolic";
      return t;

    case RD_AGENT_STATE_RECONNECTING:
      t->level = RD_STATUS_ERROR;
      t->title = g_strdup (_("The hub cannot be reached"));
      t->advice = detail
        ? g_strdup_printf (_("%s\nRingdesk keeps trying. Check your network connection and the hub address; if it persists, ask your administrator whether the hub is running."), detail)
        : g_strdup (_("Ringdesk keeps trying. Check your network connection and the hub address; if it persists, ask your administrator whether the hub is running."));
      t->summary = g_strdup (_("Hub unreachable — retrying"));
      t->icon = "network-offline-symbolic";
      return t;

    case RD_AGENT_STATE_AUTH_FAILED:
      t->level = RD_STATUS_ERROR;
      t->title = g_strdup (_("Sign-in was refused"));
      t->advice = detail
        ? g_strdup_printf (_("%s\nCheck your login and key in Preferences. A CRM API key can be created in your CRM user profile; an agent key comes from your administrator."), detail)
        : g_strdup (_("Check your login and key in Preferences. A CRM API key can be created in your CRM user profile; an agent key comes from your administrator."));
      t->summary = g_strdup (_("Sign-in refused"));
      t->icon = "dialog-password-symbolic";
      return t;

    case RD_AGENT_STATE_SIGNED_IN:
    default:
      break;
    }

  g_autofree char *me = who (user_name, extension);
  t->signed_in = TRUE;
  gboolean pbx_ok = g_strcmp0 (pbx, "connected") == 0;
  gboolean crm_ok = g_strcmp0 (crm, "connected") == 0;

  t->title = g_strdup_printf (_("Signed in as %s"), me);
  t->summary = g_strdup_printf (_("Phone system: %s · CRM: %s"),
                                rd_status_pbx_label (pbx), rd_status_crm_label (crm));
  if (!pbx_ok)
    {
      gboolean transient = g_strcmp0 (pbx, "connecting") == 0 || g_strcmp0 (pbx, "reconnecting") == 0;
      t->level = transient ? RD_STATUS_WARNING : RD_STATUS_ERROR;
      t->advice = g_strdup_printf ("%s%s%s",
                                   transient
                                   ? _("The hub is reconnecting to the phone system. Calls will show up again when it is back.")
                                   : _("The hub cannot reach the phone system, so you will not see calls and cannot dial. Tell your administrator."),
                                   detail ? "\n" : "", detail ? detail : "");
    }
  else if (!crm_ok && g_strcmp0 (crm, "not-configured") != 0)
    {
      t->level = RD_STATUS_WARNING;
      t->advice = g_strdup_printf ("%s%s%s",
                                   g_strcmp0 (crm, "disabled") == 0
                                   ? _("Your administrator has paused the CRM connection. Calls are not looked up; they are logged when it resumes.")
                                   : _("The hub cannot reach the CRM right now. Callers are not recognised; calls are logged once it is back."),
                                   detail ? "\n" : "", detail ? detail : "");
    }
  else
    t->level = RD_STATUS_OK;
  t->icon = rd_status_level_icon (t->level);
  return t;
}
