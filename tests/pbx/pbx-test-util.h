/* pbx-test-util.h — shared helpers for the PBX tests: a simulator plus a backend
 * wired to record everything they emit, and main-loop waiting. */
#pragma once

#include "pbx/rd-pbx.h"
#include "pbx/yeastar/rd-yeastar-pbx.h"
#include "sim/pbx/rd-sim-pbx.h"

typedef struct {
  RdSimPbx  *sim;
  RdPbx     *pbx;
  GPtrArray *events;        /* RdCallEvent */
  GPtrArray *records;       /* RdCallRecord */
  GPtrArray *states;        /* GINT_TO_POINTER (RdPbxState) */
  GPtrArray *dial_failures; /* "call_id|reason" */
  guint      extensions_changed;
  GPtrArray *finished;      /* call ids finished in the sim */
} PbxFixture;

/* Every test calls this once: warnings stay fatal except those a test expects
 * with pbx_test_tolerate(). */
void     pbx_test_init      (int *argc, char ***argv);
void     pbx_test_tolerate  (const char *substring);   /* adds one; NULL clears all; resets the count */
guint    pbx_test_tolerated (void);                    /* tolerated warnings logged since */

void     pbx_fixture_setup    (PbxFixture *f, gconstpointer data);
void     pbx_fixture_teardown (PbxFixture *f, gconstpointer data);
/* Creates f->pbx against f->sim (optionally with a config tweak) with fast test timings. */
/* A Yeastar option bag (NULL leaves an option unset). */
RdOptions *pbx_test_options   (const char *client_id, const char *client_secret, const char *time_zone);
/* @overrides: unset fields (and unset client-id / client-secret options) get the simulator's. */
RdPbx   *pbx_fixture_make_pbx (PbxFixture *f, const RdPbxConfig *overrides);
void     pbx_fixture_connect  (PbxFixture *f);        /* make_pbx if needed, start, wait CONNECTED */
void     pbx_fixture_stop     (PbxFixture *f);

/* Spins the default main context until @cond returns TRUE; fails the test after @timeout_ms. */
typedef gboolean (*PbxCond) (gpointer data);
void     pbx_wait            (PbxCond cond, gpointer data, guint timeout_ms, const char *what);
void     pbx_sleep           (guint ms);
void     pbx_wait_state      (PbxFixture *f, RdPbxState state, guint timeout_ms);
void     pbx_wait_finished   (PbxFixture *f, const char *call_id, guint timeout_ms);
void     pbx_wait_records    (PbxFixture *f, guint n, guint timeout_ms);

/* "2001:ringing,answered,ended" — the sequence of states seen by @extension in @call_id. */
char    *pbx_events_for      (PbxFixture *f, const char *call_id, const char *extension);
const RdCallEvent *pbx_first_event (PbxFixture *f, const char *call_id, const char *extension);
const RdCallRecord *pbx_record_for (PbxFixture *f, const char *call_id, guint index);
guint    pbx_count_records   (PbxFixture *f, const char *call_id);

/* Async plumbing: pass pbx_store_result + &slot (NULL-initialised), then wait. */
GAsyncResult *pbx_wait_result (GAsyncResult **slot, guint timeout_ms);
void          pbx_store_result (GObject *source, GAsyncResult *res, gpointer slot);

/* A TCP relay in front of the simulator, to play the network: every connection to
 * pbx_proxy_get_base_url() is relayed to the simulator. With a close delay, a
 * connection the PBX closed stays open towards the client for that long (a peer
 * or a network slow to tear the TCP connection down after a WebSocket close). */
typedef struct _PbxProxy PbxProxy;
PbxProxy   *pbx_proxy_new             (const char *upstream_base_url);
const char *pbx_proxy_get_base_url    (PbxProxy *proxy);
void        pbx_proxy_set_close_delay (PbxProxy *proxy, guint ms);
void        pbx_proxy_free            (PbxProxy *proxy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbxProxy, pbx_proxy_free)
