/* rd-html.h — building HTML where every outside text is escaped.
 *
 * rd_html_printf() escapes every %s argument (g_markup_printf_escaped rules: & < > " '
 * become entities), so a CRM or PBX name can never open a tag or leave an attribute;
 * only the format itself, which is our own text, carries markup. rd_html_text()
 * escapes one text; rd_html_raw() appends trusted markup (ours, or already built here).
 * Invalid UTF-8 is repaired before escaping.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdHtml RdHtml;

RdHtml *rd_html_new             (void);
void    rd_html_free            (RdHtml *html);
char   *rd_html_free_to_string  (RdHtml *html);
gsize   rd_html_length          (RdHtml *html);

void    rd_html_raw             (RdHtml *html, const char *markup);
void    rd_html_text            (RdHtml *html, const char *text);
void    rd_html_printf          (RdHtml *html, const char *format, ...) G_GNUC_PRINTF (2, 3);
void    rd_html_append_html     (RdHtml *html, RdHtml *other);   /* consumes @other */

/* An escaped copy of @text (NULL → ""). */
char   *rd_html_escape          (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdHtml, rd_html_free)

G_END_DECLS
