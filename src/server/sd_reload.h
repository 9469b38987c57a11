/*
 * sd_reload.h: live reload (SIGHUP when headless, "sockdeckd ctl
 * reload", the dashboard's R). The settings are parsed again from the
 * same command line and the config file read anew, exactly as at start
 * (flags win); the TLS context is built from them and checked, and the
 * device registry read again; only when everything loaded does
 * anything change. Then the new settings serve every connection from
 * the next frame on, new connections get the new certificate (open
 * ones keep their session), connections the new allow/deny rules or
 * registry refuse are closed, ports added open and ports removed stop
 * listening (their open connections stay until they end).
 *
 * Two steps: the loading (the files read and parsed, the TLS context
 * built) runs on a helper thread, so the loop serves every client and
 * the control socket meanwhile; the apply step (the swap, the ports,
 * the disconnections, the answer and the reload event) runs on the
 * loop when the helper is done. One reload runs at a time: a request
 * made while one runs waits for it to end, and then for one more
 * reload that starts then and serves every request made meanwhile, so
 * an answer always reflects the files as they were when it was asked
 * for, or later. Settings and contexts a reload retires are freed on
 * the helper too.
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
#include <stdint.h>
#include <sys/queue.h>

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
 * --log-format of a reload. Starts the helper thread. NULL out of
 * memory (or no thread).
 */
struct sd_reload *sd_reload_new(struct sd_server *srv, int argc, char **argv,
    const struct sd_config *start, struct sd_tls *tls, struct sd_hlog *hlog);

/* Stop the helper, waiting for a load under way to end (its result is
 * dropped, nobody is answered). Before the server is freed: a load
 * reads the registry in force. Idempotent; NULL is a no-op. */
void sd_reload_stop(struct sd_reload *r);

/* sd_reload_stop, then free the settings and the TLS context in force
 * (after the server). */
void sd_reload_free(struct sd_reload *r);

/* Log to hlog from now on (the dashboard's terminal went away). */
void sd_reload_set_hlog(struct sd_reload *r, struct sd_hlog *hlog);

/*
 * One who waits for a reload's answer, kept in the asker (a control
 * client): cb gets, on the loop, {"ok":true,"changed":[..],
 * "restart":[..],"opened":[..],"closed":[..],"failed":[{"port":P,
 * "reason":R}],"disconnected":N}, or {"ok":false,"error":WHY} with
 * nothing changed (the caller releases it; NULL out of memory). The
 * fields are the module's.
 */
struct sd_reload_wait {
	TAILQ_ENTRY(sd_reload_wait)	 entry;
	uint64_t			 gen;	/* the reload answering */
	int				 queued;
	void	(*cb)(json_t *answer, void *arg);
	void				*arg;
};

/*
 * Ask for a reload. w (NULL: nobody waits; else one not waiting yet)
 * is answered once, from a later turn of the loop, unless forgotten
 * first. Each reload that runs
 * ends in one reload event saying how it went (unless the server exits
 * first).
 */
void sd_reload_ask(struct sd_reload *r, struct sd_reload_wait *w,
    void (*cb)(json_t *answer, void *arg), void *arg);

/* w's asker is going: it is not answered (nothing if it was). */
void sd_reload_forget(struct sd_reload *r, struct sd_reload_wait *w);

#endif
