/* rd-test-desktop.h — helpers for tests that drive the real `ringdesk` binary on a private
 * session bus: waiting while the main loop runs (in-process simulators and hub keep
 * serving), child processes whose output never reaches the TAP stream, dbusmock servers
 * and a fake browser that logs the URLs it is asked to open. */
#pragma once

#include <gio/gio.h>

#define RD_TEST_PYTHON "/usr/bin/python3"   /* not the pyenv python3 on PATH */
#define RD_TEST_TIMEOUT_MS 20000

typedef gboolean (*RdTestCond) (gpointer data);

gboolean     rd_test_wait_for          (RdTestCond cond, gpointer data, guint timeout_ms);
void         rd_test_spin              (guint ms);
char        *rd_test_read_file         (const char *path);
guint        rd_test_count_in_file     (const char *path, const char *needle);
gboolean     rd_test_wait_file         (const char *path, const char *needle, guint min);
/* Spawns argv; stdout+stderr go to @log, or are silenced when @log is NULL. */
GSubprocess *rd_test_spawn             (const char *log, GError **error, const char *first, ...) G_GNUC_NULL_TERMINATED;
gboolean     rd_test_subprocess_done   (gpointer subprocess);
gboolean     rd_test_name_has_owner    (gpointer name);   /* on the session bus */
GVariant    *rd_test_dbus_call         (const char *dest, const char *path, const char *iface,
                                        const char *method, GVariant *params, const char *reply_type);
/* dbusmock's notification daemon with @caps (e.g. "body actions persistence"), logging to
 * @log; NULL when dbusmock is not available. */
GSubprocess *rd_test_start_notification_server (const char *caps, const char *log);
/* Makes a desktop file whose Exec logs its URL to @log the default http(s) handler. */
void         rd_test_install_fake_browser (const char *dir, const char *log);
/* ActionInvoked(@id, @action) from the mock notification server. */
void         rd_test_invoke_notification_action (guint id, const char *action);
/* The id the mock gave the first notification whose log line contains @text (ids count
 * from 1 in the order new notifications arrive), or 0. */
guint        rd_test_notification_id   (const char *log, const char *text);
