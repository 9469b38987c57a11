/*
 * sd_attach.h: the client side of the control socket on an event loop,
 * for a dashboard attached to a running server: requests go out as JSON
 * lines, answers and events come back one JSON object at a time.
 */
#ifndef SD_ATTACH_H
#define SD_ATTACH_H

#include <jansson.h>
#include <sys/types.h>

#include "sd_sshlink.h"
#include "sd_util.h"

struct event_base;
struct sd_attach;

/* Where to attach: a control socket's path, or an ssh:// target (then
 * through ssh as ssh says, see sd_sshlink.h). */
struct sd_attach_to {
	const char		*path;
	uid_t			 uid;	/* whose socket it must be */
	struct sd_sshlink_opts	 ssh;
};

/* The command-line settings attach and fleet share: --timeout (5),
 * --refresh (1), and for ssh --ssh-config, --remote-sockdeckd and
 * --owner (kept as given: a local socket's caller looks it up). */
struct sd_attach_opts {
	unsigned		 timeout;	/* s to connect and answer */
	unsigned		 refresh;	/* s between snapshots */
	struct sd_sshlink_opts	 ssh;
};
#define SD_ATTACH_OPTS_INIT	{ 5, 1, { NULL, "sockdeckd", NULL } }

/* Their rows for getopt_long (<getopt.h>), codes 't', 'o', 'r', 'F'
 * and 'R'. */
#define SD_ATTACH_LONGOPTS \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "owner", required_argument, NULL, 'o' }, \
	{ "refresh", required_argument, NULL, 'r' }, \
	{ "ssh-config", required_argument, NULL, 'F' }, \
	{ "remote-sockdeckd", required_argument, NULL, 'R' }

/* Option c of SD_ATTACH_LONGOPTS with its arg into o: 1 when it is one
 * of them (*st SD_OK, or SD_ERR_INVAL with err naming the option), 0
 * when it is not. */
int sd_attach_opt(struct sd_attach_opts *o, int c, const char *arg,
    int *st, char err[SD_ERR_LEN]);

struct sd_attach_cbs {
	void	*arg;
	/* An answer or an event. */
	void	(*msg)(json_t *msg, void *arg);
	/* The server closed the socket, or it failed. */
	void	(*gone)(const char *why, void *arg);
};

/* Connect to to->path as sd_ctlconn_open does (a socket owned by uid
 * and served by a process of uid, else refused), or start ssh for an
 * ssh:// target; subscribe to events and wait for the answer to begin;
 * NULL with err when the socket is refused, cannot be reached, or has
 * not answered in timeout seconds (0: for ever). It blocks that long:
 * call it before the loop runs. */
struct sd_attach *sd_attach_new(struct event_base *base,
    const struct sd_attach_to *to, unsigned timeout,
    const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN]);

/* The same without blocking, to re-attach from the loop: connect (a
 * server whose backlog is full is an error) and send the subscription;
 * its answer comes through cbs like any other, and a server that does
 * not answer is found gone as always. */
struct sd_attach *sd_attach_retry(struct event_base *base,
    const struct sd_attach_to *to, const struct sd_attach_cbs *cbs,
    char err[SD_ERR_LEN]);

/* Send one request (not taken). */
void sd_attach_request(struct sd_attach *a, json_t *req);

/* Close the link; an ssh child is killed and reaped. */
void sd_attach_free(struct sd_attach *a);

#endif
