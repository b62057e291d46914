/* rd-hub-config.h — the hub's start-up settings from a keyfile (no secrets in it).
 *
 *   [hub]
 *   listen-address=127.0.0.1       # non-loopback needs tls-certificate + tls-key
 *   port=8443
 *   database=/var/lib/ringdesk-hub/hub.db
 *   tls-certificate=/etc/ringdesk/tls/hub.pem
 *   tls-key=/etc/ringdesk/tls/hub.key
 *   admin-socket=/run/ringdesk-hub/admin.sock
 *   secrets-dir=/var/lib/ringdesk-hub/secrets
 *   [console]
 *   enabled=true                    # the web console (default on)
 *   listen-address=127.0.0.1        # non-loopback needs the [hub] TLS certificate
 *   port=8470
 *   [engine]
 *   retry-base=5                    # outbox backoff, seconds
 *   retry-max=600
 *   index-refresh=45                # phone index refresh period, seconds
 *   index-reconcile=600             # period of its reconciliation (deleted/archived records)
 *   index-concurrency=4             # first-fill requests in flight at most
 *
 * Defaults follow systemd ($STATE_DIRECTORY, $RUNTIME_DIRECTORY) and fall back
 * to the XDG user directories. Relative paths are relative to the keyfile.
 */
#pragma once

#include "hub/rd-hub.h"

G_BEGIN_DECLS

typedef struct {
  RdHubOptions options;
  guint        retry_base;
  guint        retry_max;
  guint        index_refresh;
  guint        index_reconcile;
  guint        index_concurrency;
} RdHubConfig;

#define RD_HUB_DEFAULT_CONFIG SYSCONFDIR "/ringdesk/hub.conf"
#define RD_HUB_DEFAULT_CONSOLE_PORT 8470

/* Loads @path (NULL = the default, which may be absent); fills defaults. A
 * missing explicit @path, a malformed file or a secret found in it is an error. */
gboolean rd_hub_config_load          (RdHubConfig *config, const char *path, GError **error);
void     rd_hub_config_clear         (RdHubConfig *config);
/* The admin socket path the CLI talks to when none is given. */
char    *rd_hub_config_default_socket (void);

G_END_DECLS
