/*
 * sd_attach.c: the control socket's client side on a loop (see
 * sd_attach.h). A line longer than the cap closes the link: a server
 * never sends one. An ssh:// target is the same link on a socket pair
 * whose other end is ssh's stdin and stdout (sd_sshlink).
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_attach.h"
#include "sd_ctlconn.h"
#include "sd_err.h"
#include "sd_prio.h"

#define ATTACH_LINE_MAX	(16u << 20)

/* With the recent events: the dashboard starts with its log. */
static const char attach_sub[] =
    "{\"cmd\":\"subscribe\",\"history\":500}\n";

struct sd_attach {
	struct bufferevent	*bev;
	struct sd_attach_cbs	 cbs;
	int			 closed;
	/* Through ssh: its child and the read end of its stderr. */
	pid_t			 pid;
	int			 errfd;
};

/* Through ssh, what ssh (or the remote proxy) said last is why. */
static void
attach_gone(struct sd_attach *a, const char *why)
{
	char said[SD_ERR_LEN], line[256];

	if (a->closed)
		return;
	a->closed = 1;
	bufferevent_disable(a->bev, EV_READ | EV_WRITE);
	if (a->pid > 0) {
		sd_sshlink_last_err(a->errfd, line, sizeof(line));
		if (line[0] != '\0') {
			snprintf(said, sizeof(said), "ssh: %.200s", line);
			why = said;
		}
	}
	a->cbs.gone(why, a->cbs.arg);
}

static void
attach_read_cb(struct bufferevent *bev, void *arg)
{
	struct sd_attach *a = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_t *msg;
	size_t n;
	char *line;

	while (!a->closed) {
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (line == NULL)
			break;
		/* A peer's text may hold NUL (\u0000): jansson refuses
		 * the whole line without JSON_ALLOW_NUL, and with it the
		 * history the subscription answers with. */
		msg = json_loadb(line, n, JSON_ALLOW_NUL, NULL);
		free(line);
		if (msg != NULL) {
			a->cbs.msg(msg, a->cbs.arg);
			json_decref(msg);
		}
	}
	if (!a->closed && evbuffer_get_length(in) > ATTACH_LINE_MAX)
		attach_gone(a, "answer too long");
}

static void
attach_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & BEV_EVENT_EOF)
		attach_gone(arg, "the server closed the control socket");
	else if (what & BEV_EVENT_ERROR)
		attach_gone(arg, strerror(errno));
}

/* Send the subscription on fd (still blocking, with the send timeout
 * sd_ctlconn_open set) and wait at most timeout seconds (0: for ever)
 * for its answer to begin: SD_OK, or SD_ERR_INVAL with err. */
static int
attach_subscribe(int fd, const char *path, unsigned timeout,
    char err[SD_ERR_LEN])
{
	int64_t deadline = sd_mono_ns() + (int64_t)timeout * 1000000000;
	struct pollfd p = { fd, POLLIN, 0 };
	int64_t left;
	ssize_t r;
	char c;

	r = send(fd, attach_sub, sizeof(attach_sub) - 1, MSG_NOSIGNAL);
	if (r != (ssize_t)sizeof(attach_sub) - 1)
		goto fail;
	for (;;) {
		left = deadline - sd_mono_ns();
		if (timeout > 0 && left <= 0) {
			errno = EAGAIN;
			goto fail;
		}
		r = poll(&p, 1, timeout > 0 ? (int)(left / 1000000 + 1) : -1);
		if (r < 0 && errno != EINTR)
			goto fail;
		if (r > 0)
			break;
	}
	/* Something to read: an answer, or the end of the connection. */
	r = recv(fd, &c, 1, MSG_PEEK);
	if (r == 0 || (r < 0 && errno == ECONNRESET)) {
		snprintf(err, SD_ERR_LEN, "%s: the server closed the "
		    "connection", path);
		return SD_ERR_INVAL;
	}
	if (r > 0)
		return SD_OK;
fail:
	if (r >= 0 || errno == EAGAIN)
		snprintf(err, SD_ERR_LEN, "%s: no answer in %u s (see "
		    "--timeout)", path, timeout);
	else
		snprintf(err, SD_ERR_LEN, "%s: %s", path, strerror(errno));
	return SD_ERR_INVAL;
}

/* An open link: its descriptor, and through ssh, the child and its
 * stderr (pid 0, errfd -1 else). */
struct attach_fds {
	int	fd;
	pid_t	pid;
	int	errfd;
};

static void
attach_fds_close(struct attach_fds *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->errfd >= 0)
		close(l->errfd);
	sd_sshlink_end(l->pid);
}

/* Open to->path, waiting at most timeout (nb: not at all): SD_OK, or
 * SD_ERR_INVAL with err. ssh is started without waiting either way. */
static int
attach_open(const struct sd_attach_to *to, unsigned timeout, int nb,
    struct attach_fds *l, char err[SD_ERR_LEN])
{
	l->pid = 0;
	l->errfd = -1;
	if (sd_sshlink_is(to->path))
		l->fd = sd_sshlink_open(to->path, &to->ssh, &l->pid,
		    &l->errfd, err);
	else if (nb)
		l->fd = sd_ctlconn_open_nb(to->path, to->uid, err);
	else
		l->fd = sd_ctlconn_open(to->path, to->uid, timeout, err);
	return l->fd < 0 ? SD_ERR_INVAL : SD_OK;
}

/* The link on l (non-blocking now), or NULL (l closed). */
static struct sd_attach *
attach_on(struct event_base *base, struct attach_fds *l,
    const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN])
{
	struct sd_attach *a;

	evutil_make_socket_nonblocking(l->fd);
	a = calloc(1, sizeof(*a));
	if (a != NULL)
		a->bev = bufferevent_socket_new(base, l->fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (a == NULL || a->bev == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		free(a);
		attach_fds_close(l);
		return NULL;
	}
	a->pid = l->pid;
	a->errfd = l->errfd;
	a->cbs = *cbs;
	sd_prio_bev(a->bev, SD_PRIO_CONTROL);
	bufferevent_setcb(a->bev, attach_read_cb, NULL, attach_event_cb, a);
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	return a;
}

struct sd_attach *
sd_attach_new(struct event_base *base, const struct sd_attach_to *to,
    unsigned timeout, const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN])
{
	struct attach_fds l;
	char line[256];
	size_t n;

	if (attach_open(to, timeout, 0, &l, err) != SD_OK)
		return NULL;
	if (attach_subscribe(l.fd, to->path, timeout, err) != SD_OK) {
		/* Through ssh, what it said is the reason. */
		if (l.pid > 0) {
			close(l.fd);
			l.fd = -1;
			sd_sshlink_end(l.pid);
			l.pid = 0;
			sd_sshlink_last_err(l.errfd, line, sizeof(line));
			n = strlen(err);
			if (line[0] != '\0' && n + 3 < SD_ERR_LEN)
				snprintf(err + n, SD_ERR_LEN - n, " (%.*s)",
				    (int)(SD_ERR_LEN - n - 4), line);
		}
		attach_fds_close(&l);
		return NULL;
	}
	return attach_on(base, &l, cbs, err);
}

struct sd_attach *
sd_attach_retry(struct event_base *base, const struct sd_attach_to *to,
    const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN])
{
	struct attach_fds l;
	struct sd_attach *a;

	if (attach_open(to, 0, 1, &l, err) != SD_OK)
		return NULL;
	a = attach_on(base, &l, cbs, err);
	if (a != NULL)
		bufferevent_write(a->bev, attach_sub, sizeof(attach_sub) - 1);
	return a;
}

void
sd_attach_request(struct sd_attach *a, json_t *req)
{
	char *s;

	if (a->closed || req == NULL)
		return;
	s = json_dumps(req, JSON_COMPACT);
	if (s == NULL)
		return;
	bufferevent_write(a->bev, s, strlen(s));
	bufferevent_write(a->bev, "\n", 1);
	free(s);
}

int
sd_attach_opt(struct sd_attach_opts *o, int c, const char *arg, int *st,
    char err[SD_ERR_LEN])
{
	*st = SD_OK;
	if (c == 't')
		*st = sd_ctlconn_timeout(arg, &o->timeout, err);
	else if (c == 'r')
		*st = sd_ctlconn_refresh(arg, &o->refresh, err);
	else if (c == 'o')
		o->ssh.owner = arg;
	else if (c == 'F')
		o->ssh.config = arg;
	else if (c == 'R')
		o->ssh.remote = arg;
	else
		return 0;
	return 1;
}

void
sd_attach_free(struct sd_attach *a)
{
	if (a == NULL)
		return;
	bufferevent_free(a->bev);
	if (a->errfd >= 0)
		close(a->errfd);
	sd_sshlink_end(a->pid);
	free(a);
}
