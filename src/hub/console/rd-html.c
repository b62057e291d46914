#include "config.h"

#include "hub/console/rd-html.h"

#include <stdarg.h>

struct _RdHtml
{
  GString *text;
};

RdHtml *
rd_html_new (void)
{
  RdHtml *html = g_new0 (RdHtml, 1);

  html->text = g_string_sized_new (4096);
  return html;
}

void
rd_html_free (RdHtml *html)
{
  if (html == NULL)
    return;
  g_string_free (html->text, TRUE);
  g_free (html);
}

char *
rd_html_free_to_string (RdHtml *html)
{
  char *text = g_string_free (html->text, FALSE);

  g_free (html);
  return text;
}

gsize
rd_html_length (RdHtml *html)
{
  return html->text->len;
}

void
rd_html_raw (RdHtml *html, const char *markup)
{
  if (markup != NULL)
    g_string_append (html->text, markup);
}

char *
rd_html_escape (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return g_strdup ("");
  if (g_utf8_validate (text, -1, NULL))
    return g_markup_escape_text (text, -1);
  valid = g_utf8_make_valid (text, -1);
  return g_markup_escape_text (valid, -1);
}

void
rd_html_text (RdHtml *html, const char *text)
{
  g_autofree char *escaped = rd_html_escape (text);

  g_string_append (html->text, escaped);
}

void
rd_html_printf (RdHtml *html, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (html->text, text);
}

void
rd_html_append_html (RdHtml *html, RdHtml *other)
{
  g_string_append_len (html->text, other->text->str, (gssize) other->text->len);
  rd_html_free (other);
}
