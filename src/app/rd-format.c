/* rd-format.c — see rd-format.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "rd-format.h"
#include "rd-uri.h"

char *
rd_format_middle (const char *text, guint max_chars)
{
  g_autofree char *safe = rd_uri_display_excerpt (text, G_MAXUINT);
  glong len = g_utf8_strlen (safe, -1);
  glong head, tail;

  if (max_chars < 3 || len <= (glong) max_chars)
    return g_steal_pointer (&safe);
  head = (max_chars - 1) / 2 + (max_chars - 1) % 2;
  tail = (max_chars - 1) / 2;
  {
    const char *head_end = g_utf8_offset_to_pointer (safe, head);
    const char *tail_start = g_utf8_offset_to_pointer (safe, len - tail);
    g_autofree char *left = g_strndup (safe, head_end - safe);
    return g_strconcat (g_strchomp (left), "…", g_strchug ((char *) tail_start), NULL);
  }
}

const char *
rd_format_person_name (const RdAgentMatch *match)
{
  const char *name;
  gsize n;

  if (match == NULL || match->name == NULL || *match->name == '\0')
    return NULL;
  name = match->name;
  if (match->company && *match->company)
    {
      n = strlen (match->company);
      if (strncmp (name, match->company, n) == 0 && name[n] == ',' && name[n + 1] == ' ' && name[n + 2])
        return name + n + 2;
    }
  return name;
}

char *
rd_format_number_nowrap (const char *number)
{
  g_autofree char *safe = rd_uri_display_excerpt (number, 64);
  GString *s = g_string_new (NULL);

  for (const char *p = safe; *p; p++)
    {
      if (*p == ' ')
        g_string_append (s, "\xc2\xa0");
      else if (*p == '-')
        g_string_append (s, "\xe2\x80\x91");
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

char *
rd_format_menu_label (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text ? text : ""; *p; p++)
    {
      if (*p == '_')
        g_string_append_c (s, '_');
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

char *
rd_format_duration (guint seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  return g_strdup_printf ("%u:%02u", seconds / 60, seconds % 60);
}

char *
rd_format_time (gint64 unix_seconds, gint64 now_unix)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (unix_seconds);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_unix);
  g_autoptr(GDateTime) yesterday = NULL;

  if (t == NULL || now == NULL)
    return g_strdup ("");
  yesterday = g_date_time_add_days (now, -1);
  if (g_date_time_get_year (t) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (t) == g_date_time_get_day_of_year (now))
    return g_date_time_format (t, "%H:%M");
  if (g_date_time_get_year (t) == g_date_time_get_year (yesterday) &&
      g_date_time_get_day_of_year (t) == g_date_time_get_day_of_year (yesterday))
    {
      g_autofree char *hm = g_date_time_format (t, "%H:%M");
      /* TRANSLATORS: "Yesterday 14:05" */
      return g_strdup_printf (_("Yesterday %s"), hm);
    }
  return g_date_time_format (t, "%x %H:%M");
}

const char *
rd_format_outcome (const char *outcome)
{
  if (g_strcmp0 (outcome, "answered") == 0)
    return _("Answered");
  if (g_strcmp0 (outcome, "no-answer") == 0)
    return _("Not answered");
  if (g_strcmp0 (outcome, "busy") == 0)
    return _("Busy");
  if (g_strcmp0 (outcome, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (outcome, "voicemail") == 0)
    return _("Voicemail");
  return _("Unknown");
}
