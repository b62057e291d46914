/* rd-phone-private.h — what rd-phone-text.c (reading numbers) hands to rd-phone.c
 * (classifying them). Internal to the core layer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *digits;      /* "+?[0-9]+" */
  char *extension;   /* digits or NULL */
  gboolean withheld; /* the text or the URI's user part is a withheld word */
} RdPhoneExtracted;

void     rd_phone_extracted_clear (RdPhoneExtracted *ex);
/* Steps 1–5 (see rd-phone-text.c). Returns FALSE with @error set, or TRUE with either
 * ex->withheld or ex->digits set. */
gboolean rd_phone_prepare         (const char        *text,
                                   gsize              len,
                                   RdPhoneExtracted  *ex,
                                   GError           **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RdPhoneExtracted, rd_phone_extracted_clear)

G_END_DECLS
