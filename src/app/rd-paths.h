/* rd-paths.h — where Ringdesk finds its translations, settings schema and loadable parts:
 * under the install prefix, or, when the binary runs from a meson build folder (e.g.
 * tools/run-demo.sh), in that folder. The build folder is recognised at run time from the
 * binary's own location (meson's "<target>.p" folder beside it), so no build path is compiled
 * into an installed binary. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The build folder this binary runs from, or NULL when it is installed. */
const char *rd_paths_get_build_root  (void);
/* <build>/po or the installed LOCALEDIR. */
const char *rd_paths_get_locale_dir  (void);
/* <build>/data (compiled schema), or NULL when installed (the default schema path applies). */
const char *rd_paths_get_schema_dir  (void);
/* A module of the app (@name: "ringdesk-embedded.so", …): <build>/src/app/@name or the
 * installed PKGLIBDIR/@name. */
char       *rd_paths_get_module      (const char *name);

G_END_DECLS
