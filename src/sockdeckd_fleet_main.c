/*
 * sockdeckd_fleet_main.c: "sockdeckd fleet TARGET...", one screen
 * (tui_nodes) over several servers. It owns a link a node (sd_attach:
 * a control socket, or ssh running "sockdeckd ctl proxy" on a host),
 * the timers that try a node again while it is down, less often the
 * longer it stays away, and so the ssh children: a link freed is its
 * child killed and reaped. No node is waited for: one that cannot be
 * reached shows down with why, and the others show meanwhile.
 */
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_attach.h"
#include "sd_ctlconn.h"
#include "sd_err.h"
#include "sd_prio.h"
#include "tui_nodes.h"
#include "tui_term.h"
#include "sockdeckd_fleet.h"

#define FLEET_BACKOFF_MAX	10	/* seconds between tries at most */

struct fleet;

/* One target and its link. */
struct fleet_node {
	struct fleet		*f;
	size_t			 i;
	struct sd_attach_to	 to;
	struct sd_attach	*att;
	struct event		*retry;		/* the next try */
	struct event		*wait;		/* for its first answer */
	unsigned		 backoff;	/* s before the next try */
	int			 answered;	/* since att was made */
	char			 path[4096];	/* DIR/control.sock */
};

struct fleet {
	struct event_base	*base;
	struct tui_nodes	*view;
	struct fleet_node	 node[TUI_NODES_MAX];
	size_t			 n;
	unsigned		 timeout;	/* s for a first answer */
	unsigned		 refresh;
};

static void
fleet_usage(FILE *fp)
{
	fprintf(fp, "usage: sockdeckd fleet [--ssh-config FILE] "
	    "[--remote-sockdeckd PATH]\n"
	    "                       [--owner USER] [--refresh SECS] "
	    "[--timeout SECS]\n"
	    "                       TARGET...\n"
	    "\n"
	    "One screen over several running servers (at most %d): a row\n"
	    "a node, their clients in one table, their events in one log.\n"
	    "TARGET is a control socket, a data directory (its\n"
	    "control.sock) or ssh://[USER@]HOST[:PORT][/DATA_DIR] (as for\n"
	    "attach). A node that cannot be reached, or goes away, shows\n"
	    "down and is tried again (every 1, 2, 4, 8, then %d s).\n"
	    "Quitting it leaves the servers running.\n"
	    "\n"
	    "  --timeout SECS      a node that has not answered this long\n"
	    "                      after connecting is down (5; 0 = never)\n"
	    "  --owner USER        trust sockets owned by USER (name or\n"
	    "                      uid), not by you (over ssh: on HOST)\n"
	    "  --refresh SECS      counters and rows every SECS, events at\n"
	    "                      once (1)\n"
	    "  --ssh-config FILE   ssh's configuration file (ssh -F FILE)\n"
	    "  --remote-sockdeckd PATH\n"
	    "                      sockdeckd on the hosts (sockdeckd: on\n"
	    "                      their PATH)\n", TUI_NODES_MAX,
	    FLEET_BACKOFF_MAX);
}

/* An error of fleet's on one line (it may quote a path). */
static void
fleet_put_err(const char *err)
{
	fputs("sockdeckd fleet: ", stderr);
	sd_put_text(stderr, err, strlen(err));
	fputs("\n", stderr);
}

/* Node nd is down (why): say so, and try again after its backoff,
 * doubled for the next time. Its link, when it has one, is freed by
 * the try, not here: this may run inside the link's own callback. */
static void
fleet_down(struct fleet_node *nd, const char *why)
{
	struct timeval tv = { (time_t)nd->backoff, 0 };

	evtimer_del(nd->wait);
	tui_nodes_down(nd->f->view, nd->i, why, nd->backoff);
	evtimer_add(nd->retry, &tv);
	nd->backoff = nd->backoff * 2 > FLEET_BACKOFF_MAX ?
	    FLEET_BACKOFF_MAX : nd->backoff * 2;
}

static void
fleet_msg(json_t *msg, void *arg)
{
	struct fleet_node *nd = arg;

	if (!nd->answered) {
		nd->answered = 1;
		nd->backoff = 1;
		evtimer_del(nd->wait);
		tui_nodes_up(nd->f->view, nd->i);
	}
	tui_nodes_feed(nd->f->view, nd->i, msg);
}

static void
fleet_gone(const char *why, void *arg)
{
	fleet_down(arg, why);
}

/* Try node nd (again): its old link goes first. */
static void
fleet_try_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_node *nd = arg;
	struct sd_attach_cbs cbs = { nd, fleet_msg, fleet_gone };
	struct timeval tv = { (time_t)nd->f->timeout, 0 };
	char err[SD_ERR_LEN];

	(void)fd;
	(void)what;
	sd_attach_free(nd->att);
	nd->att = NULL;
	nd->answered = 0;
	nd->att = sd_attach_retry(nd->f->base, &nd->to, &cbs, err);
	if (nd->att == NULL) {
		fleet_down(nd, err);
		return;
	}
	if (nd->f->timeout > 0)
		evtimer_add(nd->wait, &tv);
}

/* Connected, and nothing came in --timeout seconds. */
static void
fleet_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_node *nd = arg;
	char why[64];

	(void)fd;
	(void)what;
	sd_attach_free(nd->att);
	nd->att = NULL;
	snprintf(why, sizeof(why), "no answer in %u s (see --timeout)",
	    nd->f->timeout);
	fleet_down(nd, why);
}

static void
fleet_request(void *ctx, size_t i, json_t *req)
{
	struct fleet *f = ctx;

	if (i < f->n && f->node[i].att != NULL)
		sd_attach_request(f->node[i].att, req);
}

static void
fleet_quit(void *ctx, const char *why)
{
	struct fleet *f = ctx;

	(void)why;
	event_base_loopexit(f->base, NULL);
}

static void
fleet_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* Where target t is: an ssh:// URL as it is, a directory's
 * control.sock, else the path as given. SD_OK, or SD_ERR_INVAL with
 * err for a URL that is refused. */
static int
fleet_target(struct fleet_node *nd, const char *t, char err[SD_ERR_LEN])
{
	struct stat st;
	size_t n = strlen(t);

	nd->to.path = t;
	if (sd_sshlink_is(t))
		return sd_sshlink_check(t, err);
	if (stat(t, &st) == 0 && S_ISDIR(st.st_mode)) {
		while (n > 1 && t[n - 1] == '/')
			n--;
		snprintf(nd->path, sizeof(nd->path), "%.*s/control.sock",
		    (int)n, t);
		nd->to.path = nd->path;
	}
	return SD_OK;
}

/* fleet's options into o: -1 to go on, else the exit status. */
static int
fleet_options(int argc, char **argv, struct sd_attach_opts *o)
{
	static const struct option opts[] = {
		SD_ATTACH_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char err[SD_ERR_LEN];
	int c, st = SD_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!sd_attach_opt(o, c, optarg, &st, err)) {
			fleet_usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
		if (st != SD_OK) {
			fleet_put_err(err);
			return 2;
		}
	}
	if (optind == argc) {
		fleet_usage(stderr);
		return 2;
	}
	if (argc - optind > TUI_NODES_MAX) {
		snprintf(err, sizeof(err), "%d targets: at most %d",
		    argc - optind, TUI_NODES_MAX);
		fleet_put_err(err);
		return 2;
	}
	return -1;
}

/* The targets into f's nodes, each with o's settings: -1 to go on,
 * else the exit status. --owner is looked up here for the local ones
 * (through ssh, it is the remote's, passed on as given). */
static int
fleet_targets(int argc, char **argv, struct fleet *f,
    const struct sd_attach_opts *o)
{
	char err[SD_ERR_LEN];
	int local = 0, k;
	uid_t uid = getuid();

	for (k = optind; k < argc; k++)
		local |= !sd_sshlink_is(argv[k]);
	if (local && o->ssh.owner != NULL &&
	    sd_ctlconn_owner(o->ssh.owner, &uid, err) != SD_OK) {
		fleet_put_err(err);
		return 2;
	}
	for (k = optind; k < argc; k++) {
		struct fleet_node *nd = &f->node[f->n];

		nd->f = f;
		nd->i = f->n++;
		nd->to.uid = uid;
		nd->to.ssh = o->ssh;
		nd->backoff = 1;
		if (fleet_target(nd, argv[k], err) != SD_OK) {
			fleet_put_err(err);
			return 2;
		}
	}
	return -1;
}

/* Each node's timers, and its first try on the loop's first turn. */
static int
fleet_timers(struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		f->node[i].retry = evtimer_new(f->base, fleet_try_cb,
		    &f->node[i]);
		f->node[i].wait = evtimer_new(f->base, fleet_wait_cb,
		    &f->node[i]);
		if (f->node[i].retry == NULL || f->node[i].wait == NULL)
			return -1;
		sd_prio_event(f->node[i].retry, SD_PRIO_CONTROL);
		sd_prio_event(f->node[i].wait, SD_PRIO_CONTROL);
		event_active(f->node[i].retry, EV_TIMEOUT, 1);
	}
	return 0;
}

/* The view on the terminal, the signals that end it, the loop. */
static int
fleet_run(struct fleet *f)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct tui_nodes_link link = { f, fleet_request, fleet_quit };
	const char *targets[TUI_NODES_MAX];
	struct event *sig[3] = { NULL, NULL, NULL };
	size_t i;
	int rc = 1;

	for (i = 0; i < f->n; i++)
		targets[i] = f->node[i].to.path;
	tui_term_catch_fatal_signals();
	f->view = tui_nodes_new(f->base, &link, targets, f->n, f->refresh);
	if (f->view == NULL) {
		fprintf(stderr, "sockdeckd fleet: cannot use this terminal\n");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		sig[i] = evsignal_new(f->base, sigs[i], fleet_signal_cb,
		    f->base);
		if (sig[i] == NULL)
			goto out;
		sd_prio_event(sig[i], SD_PRIO_CONTROL);
		evsignal_add(sig[i], NULL);
	}
	if (fleet_timers(f) == 0) {
		event_base_dispatch(f->base);
		rc = 0;
	}
out:
	tui_nodes_free(f->view);
	f->view = NULL;
	for (i = 0; i < 3; i++)
		if (sig[i] != NULL)
			event_free(sig[i]);
	return rc;
}

/* Every link (its ssh child killed and reaped) and timer. */
static void
fleet_free_nodes(struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		sd_attach_free(f->node[i].att);
		if (f->node[i].retry != NULL)
			event_free(f->node[i].retry);
		if (f->node[i].wait != NULL)
			event_free(f->node[i].wait);
	}
}

int
sockdeckd_fleet_main(int argc, char **argv)
{
	struct sd_attach_opts o = SD_ATTACH_OPTS_INIT;
	struct fleet *f;
	int rc;

	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return 1;
	rc = fleet_options(argc, argv, &o);
	if (rc < 0)
		rc = fleet_targets(argc, argv, f, &o);
	f->timeout = o.timeout;
	f->refresh = o.refresh;
	if (rc >= 0)
		goto out;
	rc = 1;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sockdeckd fleet: needs a terminal\n");
		goto out;
	}
	f->base = sd_prio_base_new();
	if (f->base != NULL)
		rc = fleet_run(f);
out:
	fleet_free_nodes(f);
	if (f->base != NULL)
		event_base_free(f->base);
	free(f);
	return rc;
}
