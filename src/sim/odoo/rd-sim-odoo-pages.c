/* JS-free pages for --demo: /web (record list), /mail/view, /odoo/<model>/<id>. */
#include "config.h"

#include "rd-sim-odoo-private.h"

#include <string.h>

static void
page (SoupServerMessage *msg, guint status, const char *title, const char *inner)
{
  g_autofree char *title_e = g_markup_escape_text (title, -1);
  g_autofree char *html = g_strdup_printf ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"
                                           "<body><h1>%s</h1>%s</body></html>", title_e, title_e, inner);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, html, strlen (html));
}

static void
append_text (GString *out, const char *text)
{
  g_autofree char *e = g_markup_escape_text (text != NULL ? text : "", -1);
  g_string_append (out, e);
}

static void
record_page (SimStore *store, SoupServerMessage *msg, const char *model_name, gint64 id)
{
  SimModel *model = sim_store_model (store, model_name);
  SimRecord *rec = model != NULL ? sim_model_get (model, id) : NULL;
  SimModel *messages = sim_store_model (store, "mail.message");
  g_autoptr(GString) inner = g_string_new ("<dl>");
  g_autofree char *name = NULL;
  static const char * const shown[] = { "phone", "mobile", "email", "email_from", "contact_name", "partner_name", NULL };

  if (rec == NULL || !model->thread)
    {
      page (msg, 404, "Record not found", "<p>The record does not exist or has been deleted.</p>");
      return;
    }
  name = sim_store_display_name (store, model, rec);
  for (guint i = 0; shown[i] != NULL; i++)
    {
      const char *v = sim_record_get_string (model, rec, shown[i]);
      if (v == NULL)
        continue;
      g_string_append_printf (inner, "<dt>%s</dt><dd>", shown[i]);
      append_text (inner, v);
      g_string_append (inner, "</dd>");
    }
  g_string_append (inner, "</dl><h2>Chatter</h2><ul class=\"chatter\">");
  for (guint i = messages->records->len; i > 0; i--)
    {
      SimRecord *m = messages->records->pdata[i - 1];

      if (m == NULL || g_strcmp0 (sim_record_get_string (messages, m, "model"), model_name) != 0 ||
          sim_record_get_int (messages, m, "res_id") != id)
        continue;
      /* bodies are stored sanitized HTML, as Odoo renders them */
      g_string_append (inner, "<li>");
      g_string_append (inner, sim_record_get_string (messages, m, "body") != NULL ? sim_record_get_string (messages, m, "body") : "");
      g_string_append (inner, "</li>");
    }
  g_string_append (inner, "</ul><p><a href=\"/web\">All records</a></p>");
  page (msg, 200, name, inner->str);
}

static void
list_page (SimStore *store, SoupServerMessage *msg)
{
  static const char * const models[] = { "res.partner", "crm.lead" };
  g_autoptr(GString) inner = g_string_new (NULL);

  for (guint k = 0; k < G_N_ELEMENTS (models); k++)
    {
      SimModel *m = sim_store_model (store, models[k]);
      SimField *active;
      guint shown = 0;

      if (m == NULL)
        continue;
      active = sim_model_field (m, "active");
      g_string_append_printf (inner, "<h2>%s</h2><ul>", m->description);
      for (guint i = 0; i < m->records->len && shown < 500; i++)
        {
          SimRecord *rec = m->records->pdata[i];
          g_autofree char *name = NULL;

          if (rec == NULL || (active != NULL && !rec->v[active->slot].i))
            continue;
          name = sim_store_display_name (store, m, rec);
          g_string_append_printf (inner, "<li><a href=\"/mail/view?model=%s&amp;res_id=%" G_GINT64_FORMAT "\">",
                                  m->name, rec->id);
          append_text (inner, name);
          g_string_append (inner, "</a></li>");
          shown++;
        }
      g_string_append (inner, "</ul>");
    }
  page (msg, 200, "Odoo (simulator)", inner->str);
}

void
sim_pages_handle (SimStore *store, SoupServerMessage *msg, const char *path, GHashTable *query)
{
  gboolean paths = SIM_V_AT_LEAST (&store->version, 17, 2);

  if (g_str_equal (path, "/web") || g_str_equal (path, "/") || g_str_equal (path, "/odoo"))
    {
      list_page (store, msg);
      return;
    }
  if (g_str_equal (path, "/mail/view"))
    {
      const char *model = query != NULL ? g_hash_table_lookup (query, "model") : NULL;
      const char *res_id = query != NULL ? g_hash_table_lookup (query, "res_id") : NULL;
      guint64 id = 0;

      if (model == NULL || res_id == NULL || !g_ascii_string_to_unsigned (res_id, 10, 1, G_MAXINT64, &id, NULL) ||
          sim_store_model (store, model) == NULL)
        {
          page (msg, 404, "Record not found", "<p>The link is invalid.</p>");
          return;
        }
      if (paths)
        {
          g_autofree char *escaped = g_uri_escape_string (model, NULL, FALSE);
          g_autofree char *target = g_strdup_printf ("/odoo/%s/%" G_GUINT64_FORMAT, escaped, id);
          soup_server_message_set_redirect (msg, SOUP_STATUS_SEE_OTHER, target);
          return;
        }
      /* before saas~17.2 Odoo redirects to /web#…, whose fragment never reaches a server */
      record_page (store, msg, model, (gint64) id);
      return;
    }
  if (paths && g_str_has_prefix (path, "/odoo/"))
    {
      g_auto(GStrv) parts = g_strsplit (path + strlen ("/odoo/"), "/", -1);
      guint64 id = 0;
      const char *model;

      if (g_strv_length (parts) == 2 && g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64, &id, NULL))
        {
          model = g_str_equal (parts[0], "contacts") ? "res.partner" : g_str_equal (parts[0], "crm") ? "crm.lead" : parts[0];
          record_page (store, msg, model, (gint64) id);
          return;
        }
    }
  page (msg, 404, "404: Not Found", "<p>The page you were looking for could not be found.</p>");
}
