/* rd-console-i18n.h — translation marks for the console's page code.
 *
 * _("…") translates into the language of the request being answered (a variable
 * named req must be in scope); N_("…") only marks. xgettext finds both (po/POTFILES.in). */
#pragma once

#include "hub/console/rd-console-request.h"

#define _(String) rd_console_request_gettext (req, String)
#define N_(String) (String)
