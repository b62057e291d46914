/* rd-test-calls.h — recent calls as the hub reports them, for window tests and screenshots
 * (header-only): a CRM contact of a company, an unknown missed caller, a Chinese contact, a
 * hostile over-long name, an internal call. */
#pragma once

#include "agent/rd-agent-client.h"
#include "rd-recent-calls.h"

#define RD_TEST_HOSTILE "<b>Eve</b> & <i>Co</i> \xe2\x80\xae<span foreground='red'>x</span>"

static inline RdAgentRecentCall *
rd_test_recent_call (const char *direction, const char *number, const char *name, const char *company,
                     gint64 start, guint talk, const char *outcome, const char *url)
{
  RdAgentRecentCall *c = g_new0 (RdAgentRecentCall, 1);

  c->call_id = g_strdup_printf ("%" G_GINT64_FORMAT, start);
  c->direction = g_strdup (direction);
  c->number = g_strdup (number);
  c->name = g_strdup (name);
  c->start = start;
  c->talk = talk;
  c->outcome = g_strdup (outcome);
  if (name)
    {
      c->match = g_new0 (RdAgentMatch, 1);
      c->match->kind = g_strdup ("individual");
      c->match->name = g_strdup (name);
      c->match->company = g_strdup (company);
      c->match->url = g_strdup (url);
    }
  return c;
}

/* Newest first, the way the hub sends them. @long_name adds a caller whose name is hostile
 * markup followed by 200 characters. */
static inline GPtrArray *
rd_test_recent_calls (gint64 now, gboolean long_name)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_agent_recent_call_free);

  g_ptr_array_add (calls, rd_test_recent_call ("inbound", "+86 139 1234 0000", NULL, NULL, now - 300, 0,
                                               "no-answer", NULL));
  g_ptr_array_add (calls, rd_test_recent_call ("inbound", "+86 138 0013 8000", "Acme Shanghai Co., Ltd., Li Wei",
                                               "Acme Shanghai Co., Ltd.", now - 1800, 125, "answered",
                                               "http://127.0.0.1:8069/odoo/res.partner/7"));
  g_ptr_array_add (calls, rd_test_recent_call ("outbound", "+86 21 6888 1234", "王芳", "上海贸易有限公司",
                                               now - 7200, 342, "answered", "http://127.0.0.1:8069/odoo/res.partner/12"));
  if (long_name)
    {
      g_autofree char *pad = g_strnfill (200, 'w');
      g_autofree char *name = g_strconcat (RD_TEST_HOSTILE " Wolfeschlegelstein", pad, " Senior", NULL);
      g_ptr_array_add (calls, rd_test_recent_call ("inbound", "+49 30 12345678", name, NULL, now - 90000, 0,
                                                   "no-answer", "javascript:alert(1)"));
    }
  g_ptr_array_add (calls, rd_test_recent_call ("outbound", "2002", "Bob", NULL, now - 200000, 0, "busy", NULL));
  return calls;
}

/* rd_test_recent_calls (now - @ago, @long_name), loaded into an RdRecentCalls of a client that
 * is not connected (the windows show it as they show what the hub sent). */
static inline RdRecentCalls *
rd_test_sample_recent (gint64 ago, gboolean long_name)
{
  g_autoptr(RdAgentClient) offline = rd_agent_client_new (NULL);
  RdRecentCalls *recent = rd_recent_calls_new (offline, 100);
  g_autoptr(GPtrArray) calls = rd_test_recent_calls (g_get_real_time () / G_USEC_PER_SEC - ago, long_name);

  rd_recent_calls_set_calls (recent, calls);
  return recent;
}
