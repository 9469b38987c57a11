/*
 * sd_reload.h: live reload (SIGHUP when headless, "sockdeckd ctl
 * reload"). The settings are parsed again from the same command line
 * and the config file read anew, exactly as at start (flags win); the
 * TLS context is built from them and checked; only when everything
 * loaded does anything change. Then the new settings serve every
 * connection from the next frame on, new connections get the new
 * certificate (open ones keep their session), connections the new
 * allow/deny rules refuse are closed, ports added open and ports
 * removed stop listening (their open connections stay until they end).
 *
 * The settings some module took at start (the data directory, the
 * control socket, the readings pipeline, spool and sinks, --bind,
 * --headless ...) are "restart" settings: a reload says they need a
 * restart and keeps the running value.
 *
 * The module owns the settings in force after a first reload and the
 * TLS context in force: main's start settings stay where main keeps
 * them, for the modules that point into them, until the server is gone.
 */
#ifndef SD_RELOAD_H
#define SD_RELOAD_H

#include <jansson.h>

#include "sd_config.h"
#include "sd_util.h"

struct sd_hlog;
struct sd_server;
struct sd_tls;
struct sd_reload;

/*
 * For srv, whose settings start (main's) came from argc/argv (kept: a
 * reload parses them again) and whose TLS context is tls (owned from
 * now on; NULL: none). hlog, when the events are logged, takes the
 * --log-format of a reload. NULL out of memory.
 */
struct sd_reload *sd_reload_new(struct sd_server *srv, int argc, char **argv,
    const struct sd_config *start, struct sd_tls *tls, struct sd_hlog *hlog);

/* Free the settings and the TLS context in force (after the server). */
void sd_reload_free(struct sd_reload *r);

/* Log to hlog from now on (the dashboard's terminal went away). */
void sd_reload_set_hlog(struct sd_reload *r, struct sd_hlog *hlog);

/*
 * Reload: the answer for the control socket, {"ok":true,"changed":[..],
 * "restart":[..],"opened":[..],"closed":[..],"failed":[{"port":P,
 * "reason":R}],"disconnected":N}, or {"ok":false,"error":WHY} with
 * nothing changed; one reload event says the same. NULL out of memory.
 */
json_t *sd_reload_run(struct sd_reload *r);

#endif
