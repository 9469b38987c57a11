/*
 * sd_metrics.h: the monitoring endpoint (--metrics-listen): libevent's
 * HTTP server on the server's own loop, answering GET and HEAD for
 *   /metrics  the totals in Prometheus's text format (sd_prom),
 *   /healthz  200 "ok" while the loop serves,
 *   /readyz   200 "ready" when every configured port listens, the
 *             spool's writes succeed and no sink has been failing for
 *             longer than --ready-sink-grace; else 503, one line per
 *             failing check.
 * Anything else is refused (404, or libevent's 501 for a method other
 * than GET and HEAD); a request may have no body. Nothing a peer sent
 * is ever written back.
 *
 * Bounds: at most SD_METRICS_CONNS connections at once (at the cap the
 * listener stops accepting until one ends, so more wait in the
 * kernel's backlog; an accept that fails, out of descriptors, stops
 * it for a second, said in an error event); request line and headers of at most
 * SD_METRICS_HEADERS bytes, and at most twice that read ahead; a
 * connection idle for SD_METRICS_IDLE seconds is closed by libevent,
 * and one whose next request is not whole SD_METRICS_DEADLINE seconds
 * after it connected or was last answered is shut down (slowloris); a
 * /metrics body of at most SD_METRICS_BODY_MAX bytes (past it: 500).
 *
 * The port is not a device port: its connections are not clients,
 * counted nowhere else, and the address is taken at start only.
 */
#ifndef SD_METRICS_H
#define SD_METRICS_H

#include <stdint.h>

#include "sd_util.h"

#define SD_METRICS_CONNS	16
#define SD_METRICS_HEADERS	4096
#define SD_METRICS_IDLE		5	/* seconds */
#define SD_METRICS_DEADLINE	10	/* seconds */
#define SD_METRICS_BODY_MAX	(1u << 20)

struct sd_server;
struct sd_metrics;

/* Listen on addr ("ADDR:PORT", "[V6]:PORT") for srv, on srv's loop;
 * log_dropped (the headless log's lines lost, or NULL without one) is
 * read at each scrape. NULL with err filled in when it cannot. */
struct sd_metrics *sd_metrics_new(struct sd_server *srv, const char *addr,
    const uint64_t *log_dropped, char err[SD_ERR_LEN]);

/* Close the listener and every HTTP connection; NULL is fine. */
void sd_metrics_free(struct sd_metrics *m);

#endif
