#include "config.h"

#include "hub/console/rd-console-qr.h"

#include "core/rd-error.h"
#include "hub/console/rd-html.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#define QUIET 4

char *
rd_console_qr_svg (const char *text, const char *label, GError **error)
{
  QRcode *code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  g_autoptr(RdHtml) html = NULL;
  int size;

  if (code == NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot make a QR code: %s", g_strerror (errno));
      return NULL;
    }
  size = code->width + 2 * QUIET;
  html = rd_html_new ();
  rd_html_printf (html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"%s\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                  "<path fill=\"#000\" d=\"", size, size, label, size, size);
  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      if (code->data[y * code->width + x] & 1)
        rd_html_printf (html, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
  rd_html_raw (html, "\"/></svg>");
  QRcode_free (code);
  return rd_html_free_to_string (g_steal_pointer (&html));
}
