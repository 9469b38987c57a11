/*
 * sockdeckd.c: the server program, and the one place that wires the core
 * to a front end: the dashboard when it runs in a terminal, the headless
 * logger otherwise, and the control socket always. "sockdeckd attach"
 * opens the same dashboard on a running server's control socket;
 * "sockdeckd fleet" one view over several (sockdeckd_fleet_main.c);
 * "sockdeckd ctl" is that socket's command-line client. One event loop;
 * SIGTERM shuts down, and SIGINT too (at the dashboard, ^C asks first).
 */
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_attach.h"
#include "sd_config.h"
#include "sd_ctl.h"
#include "sd_ctlconn.h"
#include "sd_datalock.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_hlog.h"
#include "sd_metrics.h"
#include "sd_prio.h"
#include "sd_registry.h"
#include "sd_reload.h"
#include "sd_server.h"
#include "sd_tls.h"
#include "tui_dash.h"
#include "tui_term.h"
#include "sockdeckd_ctl.h"
#include "sockdeckd_device.h"
#include "sockdeckd_fleet.h"
#include "sockdeckd_spool.h"

/* A dashboard and what it talks to: the core in process, or a control
 * socket. */
struct front {
	struct event_base	*base;
	struct tui_dash		*dash;
	struct sd_server	*srv;
	struct sd_attach	*att;
	/* Attached: where to, and the timer that tries again while the
	 * server is gone. */
	struct sd_attach_to	 to;
	struct sd_attach_cbs	 cbs;
	struct event		*retry;
	/* In-process: what going headless needs. */
	const struct sd_config	*cfg;
	struct sd_events	*bus;
	struct sd_hlog		*hlog;
	int			 hup_reloads;	/* started headless */
};

/* The terminal is gone and --keep-on-hangup says the server stays: the
 * dashboard lets go of the terminal, nothing more is written there, and
 * the events go to DATA_DIR/sockdeckd.log as --headless writes them.
 * Called from the dashboard's quit hook, which lets it be freed. */
static void
front_headless(struct front *f)
{
	char path[4096];
	int fd, null;

	tui_dash_free(f->dash);
	f->dash = NULL;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	snprintf(path, sizeof(path), "%s/sockdeckd.log", f->cfg->data_dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	/* The log format in force: a reload may have changed it. */
	sd_hlog_start(f->hlog, f->base, f->bus, fd, f->srv != NULL ?
	    f->srv->cfg->log_json : f->cfg->log_json);
	if (f->srv != NULL)
		sd_reload_set_hlog(f->srv->reload, f->hlog);
}

static void
local_request(void *ctx, json_t *req)
{
	struct front *f = ctx;
	json_t *answer;

	if (f->srv == NULL)
		return;
	answer = sd_ctl_answer(f->srv, req);
	if (answer != NULL) {
		tui_dash_feed(f->dash, answer);
		json_decref(answer);
	}
}

/* The operator quit, or the terminal is gone (why): as SIGHUP, the
 * server shuts down. */
static void
local_quit(void *ctx, const char *why)
{
	struct front *f = ctx;

	if (why != NULL && f->cfg != NULL && f->cfg->keep_on_hangup) {
		front_headless(f);
		return;
	}
	if (f->srv != NULL)
		sd_server_shutdown(f->srv, why != NULL ? why :
		    "quit from the dashboard");
	else
		event_base_loopexit(f->base, NULL);
}

static void
local_event(const struct sd_event *ev, void *arg)
{
	struct front *f = arg;
	json_t *o;

	if (f->dash == NULL)
		return;
	o = sd_event_obj(ev);
	if (o != NULL) {
		tui_dash_feed(f->dash, o);
		json_decref(o);
	}
}

static void
attach_request(void *ctx, json_t *req)
{
	struct front *f = ctx;

	sd_attach_request(f->att, req);
}

static void
attach_quit(void *ctx, const char *why)
{
	struct front *f = ctx;

	(void)why;
	event_base_loopexit(f->base, NULL);
}

static void
attach_msg(json_t *msg, void *arg)
{
	struct front *f = arg;

	tui_dash_feed(f->dash, msg);
}

/* The server went away: say so, and try again every second (the link
 * that broke is freed there, not inside its own callback). */
static void
attach_gone(const char *why, void *arg)
{
	struct front *f = arg;
	struct timeval sec = { 1, 0 };

	tui_dash_gone(f->dash, why);
	if (f->retry != NULL)
		evtimer_add(f->retry, &sec);
}

static void
attach_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct front *f = arg;
	struct timeval sec = { 1, 0 };
	struct sd_attach *a;
	char err[SD_ERR_LEN];

	(void)fd;
	(void)what;
	a = sd_attach_retry(f->base, &f->to, &f->cbs, err);
	if (a == NULL) {
		evtimer_add(f->retry, &sec);
		return;
	}
	sd_attach_free(f->att);
	f->att = a;
	tui_dash_back(f->dash);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sd_server *srv = arg;

	(void)what;
	sd_server_shutdown(srv, sig == SIGINT ? "SIGINT" :
	    sig == SIGHUP ? "SIGHUP" : "SIGTERM");
}

/* SIGHUP: started headless, reload the settings (the event says how it
 * went). Else the terminal went away: with --keep-on-hangup the server
 * stays (headless from now on); else it stops as on SIGTERM. */
static void
sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct front *f = arg;

	if (f->hup_reloads) {
		if (f->srv->reload != NULL)
			sd_reload_ask(f->srv->reload, NULL, NULL, NULL);
		return;
	}
	if (!f->cfg->keep_on_hangup) {
		signal_cb(sig, what, f->srv);
		return;
	}
	if (f->dash != NULL)
		front_headless(f);
}

/* ^C at the dashboard's terminal asks, as q does; without a dashboard
 * (or once its terminal is gone) it stops the server. */
static void
sigint_cb(evutil_socket_t sig, short what, void *arg)
{
	struct front *f = arg;

	if (f->dash != NULL && tui_dash_interrupt(f->dash))
		return;
	signal_cb(sig, what, f->srv);
}

static void
attach_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static void
attach_usage(FILE *fp)
{
	fputs("usage: sockdeckd attach [--control PATH | --data-dir DIR]\n"
	    "                        [--timeout SECS] [--owner USER]\n"
	    "                        [--refresh SECS]\n"
	    "       sockdeckd attach [--ssh-config FILE]\n"
	    "                        [--remote-sockdeckd PATH]\n"
	    "                        [--timeout SECS]\n"
	    "                        [--owner USER] [--refresh SECS]\n"
	    "                        ssh://[USER@]HOST[:PORT][/DATA_DIR]\n"
	    "\n"
	    "Open the dashboard on a running server's control socket\n"
	    "(DATA_DIR/control.sock; ./sockdeck-data by default), or on\n"
	    "one on HOST through ssh (ssh -T -o BatchMode=yes: keys or an\n"
	    "agent, no password) running 'sockdeckd ctl --data-dir DATA_DIR\n"
	    "proxy' there. Quitting it leaves the server running.\n"
	    "\n"
	    "  --timeout SECS      wait this long to connect and for the\n"
	    "                      first answer (5; 0 = for ever)\n"
	    "  --owner USER        trust a socket owned by USER (name or\n"
	    "                      uid), not by you: a socket of another\n"
	    "                      user is refused (over ssh: on HOST)\n"
	    "  --refresh SECS      counters and lists every SECS, events\n"
	    "                      at once (1)\n"
	    "  --ssh-config FILE   ssh's configuration file (ssh -F FILE)\n"
	    "  --remote-sockdeckd PATH\n"
	    "                      sockdeckd on HOST (sockdeckd: on the\n"
	    "                      remote PATH)\n", fp);
}

/* An error of attach's on one line (it may quote a path). */
static void
attach_put_err(const char *err)
{
	fputs("sockdeckd attach: ", stderr);
	sd_put_text(stderr, err, strlen(err));
	fputs("\n", stderr);
}

/* What attach's options say. */
struct attach_opts {
	const char	*control;	/* the socket's path */
	uid_t		 uid;		/* whose socket it must be */
	struct sd_attach_opts link;	/* timeout, refresh, ssh */
	char		 path[4096];	/* DATA_DIR/control.sock */
};

/* Whether arg is an ssh:// target; err says what is wrong with it
 * ("" when nothing). */
static int
sd_ssh_target(const char *arg, char err[SD_ERR_LEN])
{
	err[0] = '\0';
	if (!sd_sshlink_is(arg))
		return 0;
	sd_sshlink_check(arg, err);
	return 1;
}

/* attach's options into o: -1 to go on, else the exit status. */
static int
attach_options(int argc, char **argv, struct attach_opts *o)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "data-dir", required_argument, NULL, 'd' },
		SD_ATTACH_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = "./sockdeck-data";
	char err[SD_ERR_LEN];
	int c, st = SD_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		if (c == 'C')
			o->control = optarg;
		else if (c == 'd')
			dir = optarg;
		else if (!sd_attach_opt(&o->link, c, optarg, &st, err)) {
			attach_usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
		if (st != SD_OK) {
			attach_put_err(err);
			return 2;
		}
	}
	/* One target: ssh://..., instead of --control and --data-dir. */
	if (optind + 1 == argc && o->control == NULL &&
	    sd_ssh_target(argv[optind], err)) {
		o->control = argv[optind++];
		if (err[0] != '\0') {
			attach_put_err(err);
			return 2;
		}
	}
	if (optind < argc) {
		attach_usage(stderr);
		return 2;
	}
	/* Through ssh, --owner is the remote's, passed on as given. */
	if (o->link.ssh.owner != NULL && !sd_sshlink_is(o->control ?
	    o->control : "") && sd_ctlconn_owner(o->link.ssh.owner, &o->uid,
	    err) != SD_OK) {
		attach_put_err(err);
		return 2;
	}
	if (o->control == NULL) {
		snprintf(o->path, sizeof(o->path), "%s/control.sock", dir);
		o->control = o->path;
	}
	return -1;
}

/* "sockdeckd attach": the dashboard on a control socket. The socket is
 * checked, and has answered, before the terminal is: a refusal says why
 * wherever attach runs. */
static int
attach_main(int argc, char **argv)
{
	struct front f = { 0 };
	struct tui_link link = { &f, attach_request, attach_quit };
	struct sd_attach_cbs cbs = { &f, attach_msg, attach_gone };
	struct attach_opts o = { NULL, getuid(), SD_ATTACH_OPTS_INIT, "" };
	struct event *sigint = NULL, *sigterm = NULL;
	char err[SD_ERR_LEN];
	int rc;

	rc = attach_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = 1;
	f.base = sd_prio_base_new();
	if (f.base == NULL)
		return 1;
	f.to.path = o.control;
	f.to.uid = o.uid;
	f.to.ssh = o.link.ssh;
	f.att = sd_attach_new(f.base, &f.to, o.link.timeout, &cbs, err);
	if (f.att == NULL) {
		attach_put_err(err);
		goto out;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sockdeckd attach: needs a terminal\n");
		goto out;
	}
	f.cbs = cbs;
	f.retry = evtimer_new(f.base, attach_retry_cb, &f);
	if (f.retry == NULL) {
		fprintf(stderr, "sockdeckd attach: out of memory\n");
		goto out;
	}
	sd_prio_event(f.retry, SD_PRIO_CONTROL);
	tui_term_catch_fatal_signals();
	f.dash = tui_dash_new(f.base, &link, o.control, o.link.refresh);
	if (f.dash == NULL) {
		fprintf(stderr, "sockdeckd attach: cannot use this terminal\n");
		goto out;
	}
	sigint = evsignal_new(f.base, SIGINT, attach_signal_cb, f.base);
	sigterm = evsignal_new(f.base, SIGTERM, attach_signal_cb, f.base);
	sd_prio_event(sigint, SD_PRIO_CONTROL);
	sd_prio_event(sigterm, SD_PRIO_CONTROL);
	if (sigint != NULL && sigterm != NULL) {
		evsignal_add(sigint, NULL);
		evsignal_add(sigterm, NULL);
		event_base_dispatch(f.base);
		rc = 0;
	}
out:
	tui_dash_free(f.dash);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (f.retry != NULL)
		event_free(f.retry);
	sd_attach_free(f.att);
	event_base_free(f.base);
	return rc;
}

/* Run the server until it is told to stop; the exit status. With
 * dashboard set, the dashboard shows it instead of the headless log.
 * tls is run's to free, the server takes reg (the registry, or NULL);
 * argc and argv are kept for reloads. */
static int
run(const struct sd_config *cfg, struct sd_tls *tls,
    struct sd_registry *reg, int dashboard, int argc, char **argv)
{
	struct event_base *base = sd_prio_base_new();
	struct sd_events *bus = sd_events_new();
	struct sd_hlog hlog = { 0 };
	struct sd_server *srv = NULL;
	struct sd_ctl *ctl = NULL;
	struct sd_metrics *metrics = NULL;
	struct sd_reload *reload = NULL;
	struct event *sigint = NULL, *sigterm = NULL, *sighup = NULL;
	struct front f = { 0 };
	struct tui_link link = { &f, local_request, local_quit };
	char err[SD_ERR_LEN], path[4096];
	int rc = 1;

	if (base == NULL || bus == NULL) {
		fprintf(stderr, "sockdeckd: out of memory\n");
		goto out;
	}
	f.base = base;
	f.cfg = cfg;
	f.bus = bus;
	f.hlog = &hlog;
	if (dashboard) {
		tui_term_catch_fatal_signals();
		f.dash = tui_dash_new(base, &link, NULL,
		    (unsigned)cfg->refresh);
		if (f.dash == NULL)
			dashboard = 0;	/* no usable terminal: log */
		else
			sd_events_subscribe(bus, local_event, &f);
	}
	if (!dashboard)
		sd_hlog_start(&hlog, base, bus, STDOUT_FILENO,
		    cfg->log_json);
	/* A --control path that is not ours to take stops the start
	 * before any port opens (and nothing there is removed). */
	if (sd_ctl_check_path(sd_config_control_path(cfg, path,
	    sizeof(path)), err) != SD_OK) {
		tui_dash_free(f.dash);
		f.dash = NULL;
		fprintf(stderr, "sockdeckd: %s\n", err);
		rc = 2;
		goto out;
	}
	if (sd_server_new(base, cfg, tls, bus, &srv, err) != SD_OK) {
		tui_dash_free(f.dash);
		f.dash = NULL;
		fprintf(stderr, "sockdeckd: %s\n", err);
		goto out;
	}
	sd_server_set_registry(srv, reg, NULL);
	reg = NULL;
	f.srv = srv;
	/* From here the reload module holds the TLS context in force. */
	reload = sd_reload_new(srv, argc, argv, cfg, tls, dashboard ? NULL :
	    &hlog);
	if (reload == NULL) {
		tui_dash_free(f.dash);
		f.dash = NULL;
		fprintf(stderr, "sockdeckd: out of memory\n");
		goto out;
	}
	srv->reload = reload;
	tls = NULL;
	f.hup_reloads = !dashboard;
	ctl = sd_ctl_new(srv, sd_config_control_path(cfg, path, sizeof(path)),
	    err);
	if (ctl == NULL) {
		tui_dash_free(f.dash);
		f.dash = NULL;
		fprintf(stderr, "sockdeckd: %s\n", err);
		goto out;
	}
	if (cfg->metrics_listen != NULL) {
		metrics = sd_metrics_new(srv, cfg->metrics_listen,
		    dashboard ? NULL : &hlog.dropped_total, err);
		if (metrics == NULL) {
			tui_dash_free(f.dash);
			f.dash = NULL;
			fprintf(stderr, "sockdeckd: %s\n", err);
			goto out;
		}
	}
	sigint = evsignal_new(base, SIGINT, sigint_cb, &f);
	sigterm = evsignal_new(base, SIGTERM, signal_cb, srv);
	/* The terminal (or the SSH session) went away: shut down in order
	 * rather than die with readings still in memory. Headless, it is
	 * the daemon's usual "reload" (systemd's ExecReload). */
	sighup = evsignal_new(base, SIGHUP, sighup_cb, &f);
	if (sigint == NULL || sigterm == NULL || sighup == NULL) {
		fprintf(stderr, "sockdeckd: out of memory\n");
		goto out;
	}
	sd_prio_event(sigint, SD_PRIO_CONTROL);
	sd_prio_event(sigterm, SD_PRIO_CONTROL);
	sd_prio_event(sighup, SD_PRIO_CONTROL);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sighup, NULL);
	event_base_dispatch(base);
	rc = 0;
out:
	tui_dash_free(f.dash);
	f.dash = NULL;
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sighup != NULL)
		event_free(sighup);
	sd_metrics_free(metrics);
	sd_ctl_free(ctl);
	sd_reload_stop(reload);	/* a load reads srv's registry */
	sd_server_free(srv);
	sd_registry_free(reg);
	sd_reload_free(reload);	/* srv->cfg may be its */
	sd_tls_free(tls);
	sd_hlog_stop(&hlog, bus);
	sd_events_free(bus);
	if (base != NULL)
		event_base_free(base);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sd_config cfg;
	struct sd_tls *tls = NULL;
	struct sd_registry *reg = NULL;
	char err[SD_ERR_LEN];
	int rc, lockfd;

	/* A write past a file size limit must fail with EFBIG and be
	 * reported like a full disk, not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* glibc gives the top of its heap back to the kernel when more than
	 * M_TRIM_THRESHOLD (128 KiB until an mmap'ed block is freed) is
	 * free there. A TLS connection's input is a 16 KiB chain a record,
	 * freed once parsed: under a flood of readings each record grew the
	 * heap (brk, page faults) and shrank it again (brk, a TLB flush on
	 * every core), a tenth of the loop's time. Fixed thresholds, as
	 * glibc's own adjustment reaches under plain ingest. */
	mallopt(M_MMAP_THRESHOLD, 2 << 20);
	mallopt(M_TRIM_THRESHOLD, 4 << 20);
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return sockdeckd_ctl_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "attach") == 0)
		return attach_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "fleet") == 0)
		return sockdeckd_fleet_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "device") == 0)
		return sockdeckd_device_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "spool") == 0)
		return sockdeckd_spool_main(argc - 1, argv + 1);
	if (sd_config_init(&cfg) != SD_OK) {
		fprintf(stderr, "sockdeckd: out of memory\n");
		return 1;
	}
	rc = sd_config_parse(&cfg, argc, argv, err);
	if (rc != SD_OK) {
		if (rc != 1)
			fprintf(stderr, "sockdeckd: %s\n", err);
		sd_config_done(&cfg);
		return rc == 1 ? 0 : 2;
	}
	/* A data directory others may write to would let them plant
	 * links where the spool writes: refused, like a bad flag. */
	if (sd_server_check_dirs(&cfg, err) != SD_OK) {
		fprintf(stderr, "sockdeckd: %s\n", err);
		sd_config_done(&cfg);
		return 2;
	}
	/* One server a data directory, and no spool repair beside it: the
	 * lock is held until the process ends. */
	lockfd = sd_datalock_take(cfg.data_dir, "sockdeckd", err);
	if (lockfd < 0) {
		fputs("sockdeckd: ", stderr);
		sd_put_text(stderr, err, strlen(err));
		fputs("\n", stderr);
		sd_config_done(&cfg);
		return 1;
	}
	/* A certificate or key that cannot serve is a bad setting too,
	 * found before a port opens. */
	if (sd_tls_new(&cfg, &tls, err) != SD_OK) {
		fprintf(stderr, "sockdeckd: %s\n", err);
		close(lockfd);
		sd_config_done(&cfg);
		return 2;
	}
	/* So is a registry that does not parse: its file and line. */
	if (cfg.devices != NULL &&
	    sd_registry_load(cfg.devices, &reg, err) != SD_OK) {
		fputs("sockdeckd: ", stderr);
		sd_put_text(stderr, err, strlen(err));
		fputs("\n", stderr);
		sd_tls_free(tls);
		close(lockfd);
		sd_config_done(&cfg);
		return 2;
	}
	rc = run(&cfg, tls, reg, !cfg.headless && isatty(STDOUT_FILENO) &&
	    isatty(STDIN_FILENO), argc, argv);
	close(lockfd);
	sd_config_done(&cfg);
	return rc;
}
