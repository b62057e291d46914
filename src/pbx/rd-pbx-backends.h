/* rd-pbx-backends.h — the built-in PBX backends (private to src/pbx). */
#pragma once

#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

/* NULL-terminated; the first one is the default. */
extern const RdPbxBackend * const rd_pbx_builtin_backends[];

G_END_DECLS
