/* rd-console-qr.h — a QR code as inline SVG (libqrencode), for agent keys. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An <svg> element (error correction M, 4-module quiet zone) holding @text; NULL on failure. */
char *rd_console_qr_svg (const char *text, const char *label, GError **error);

G_END_DECLS
