#include "config.h"

#include "agent/rd-agent-client.h"

G_DEFINE_ENUM_TYPE (RdAgentState, rd_agent_state,
  G_DEFINE_ENUM_VALUE (RD_AGENT_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (RD_AGENT_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (RD_AGENT_STATE_SIGNED_IN, "signed-in"),
  G_DEFINE_ENUM_VALUE (RD_AGENT_STATE_RECONNECTING, "reconnecting"),
  G_DEFINE_ENUM_VALUE (RD_AGENT_STATE_AUTH_FAILED, "auth-failed"))
G_DEFINE_BOXED_TYPE (RdAgentMatch, rd_agent_match, rd_agent_match_copy, rd_agent_match_free)
G_DEFINE_BOXED_TYPE (RdAgentCall, rd_agent_call, rd_agent_call_copy, rd_agent_call_free)

RdAgentMatch *
rd_agent_match_copy (const RdAgentMatch *match)
{
  RdAgentMatch *copy;

  if (match == NULL)
    return NULL;
  copy = g_new0 (RdAgentMatch, 1);
  copy->kind = g_strdup (match->kind);
  copy->id = match->id;
  copy->name = g_strdup (match->name);
  copy->company = g_strdup (match->company);
  copy->url = g_strdup (match->url);
  copy->owner = g_strdup (match->owner);
  return copy;
}

void
rd_agent_match_free (RdAgentMatch *match)
{
  if (match == NULL)
    return;
  g_free (match->kind);
  g_free (match->name);
  g_free (match->company);
  g_free (match->url);
  g_free (match->owner);
  g_free (match);
}

RdAgentCall *
rd_agent_call_copy (const RdAgentCall *call)
{
  RdAgentCall *copy;

  if (call == NULL)
    return NULL;
  copy = g_memdup2 (call, sizeof *call);
  copy->event = g_strdup (call->event);
  copy->call_id = g_strdup (call->call_id);
  copy->direction = g_strdup (call->direction);
  copy->number_raw = g_strdup (call->number_raw);
  copy->number_e164 = g_strdup (call->number_e164);
  copy->number_display = g_strdup (call->number_display);
  copy->number_kind = g_strdup (call->number_kind);
  copy->did = g_strdup (call->did);
  copy->match = rd_agent_match_copy (call->match);
  return copy;
}

void
rd_agent_call_free (RdAgentCall *call)
{
  if (call == NULL)
    return;
  g_free (call->event);
  g_free (call->call_id);
  g_free (call->direction);
  g_free (call->number_raw);
  g_free (call->number_e164);
  g_free (call->number_display);
  g_free (call->number_kind);
  g_free (call->did);
  rd_agent_match_free (call->match);
  g_free (call);
}

void
rd_agent_recent_call_free (RdAgentRecentCall *call)
{
  if (call == NULL)
    return;
  g_free (call->call_id);
  g_free (call->direction);
  g_free (call->number);
  g_free (call->name);
  rd_agent_match_free (call->match);
  g_free (call->outcome);
  g_free (call);
}

const char *
rd_agent_state_to_string (RdAgentState state)
{
  switch (state)
    {
    case RD_AGENT_STATE_DISCONNECTED: return "disconnected";
    case RD_AGENT_STATE_CONNECTING: return "connecting";
    case RD_AGENT_STATE_SIGNED_IN: return "signed-in";
    case RD_AGENT_STATE_RECONNECTING: return "reconnecting";
    case RD_AGENT_STATE_AUTH_FAILED: return "auth-failed";
    }
  return "unknown";
}
