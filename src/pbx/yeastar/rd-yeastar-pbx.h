/* rd-yeastar-pbx.h — the Yeastar P-Series backend of RdPbx (OpenAPI v1.0).
 * Only the built-in backend list (rd-pbx-backends.c) and tests name it. */
#pragma once

#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_TYPE_YEASTAR_PBX (rd_yeastar_pbx_get_type ())
G_DECLARE_FINAL_TYPE (RdYeastarPbx, rd_yeastar_pbx, RD, YEASTAR_PBX, GObject)

/* kind "yeastar"; options: client-id, client-secret (the OpenAPI client), time-zone (IANA id of
 * the zone the PBX writes CDR times in; default: this computer's) */
extern const RdPbxBackend rd_yeastar_pbx_backend;

RdYeastarPbx *rd_yeastar_pbx_new (const RdPbxConfig *config, GError **error);

/* Test hooks — for tests only, production code keeps the defaults:
 * heartbeat interval (25 s), reconnect backoff base / cap (1 s / 60 s),
 * the fraction of the token lifetime after which it is refreshed (0.8), and the
 * page size of list calls (100). 0 keeps a value. */
void rd_yeastar_pbx_set_test_timings (RdYeastarPbx *self, guint heartbeat_ms, guint backoff_base_ms,
                                      guint backoff_max_ms, double refresh_fraction);
void rd_yeastar_pbx_set_page_size    (RdYeastarPbx *self, guint page_size);

G_END_DECLS
