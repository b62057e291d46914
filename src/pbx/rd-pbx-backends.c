/* rd-pbx-backends.c — the built-in PBX backends: the one place that names them. A new backend
 * adds its RdPbxBackend here (and its sources to meson.build); nothing else changes. */
#include "config.h"

#include "pbx/rd-pbx-backends.h"

#include "pbx/yeastar/rd-yeastar-pbx.h"

const RdPbxBackend * const rd_pbx_builtin_backends[] = {
  &rd_yeastar_pbx_backend,   /* the default */
  NULL,
};
