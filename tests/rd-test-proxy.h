/* rd-test-proxy.h — the process's default proxy resolver, replaced for the tests that prove which
 * connections ask for a proxy (rd-loopback.h): every lookup is counted with its URI; hosts under
 * ".example.test" get the proxy set with rd_test_proxy_set (), everything else "direct://". */
#pragma once

#include <gio/gio.h>

/* Before anything asks GIO for a proxy (first thing in main()). */
void        rd_test_proxy_install (void);
/* "http://127.0.0.1:PORT" or NULL (direct for every host). */
void        rd_test_proxy_set     (const char *proxy_url);
/* Lookups so far, and the URI of the last one (NULL before any). */
guint       rd_test_proxy_lookups (void);
const char *rd_test_proxy_last    (void);
