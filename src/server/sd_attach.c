/*
 * sd_attach.c: the control socket's client side on a loop (see
 * sd_attach.h). A line longer than the cap closes the link: a server
 * never sends one.
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
};

static void
attach_gone(struct sd_attach *a, const char *why)
{
	if (a->closed)
		return;
	a->closed = 1;
	bufferevent_disable(a->bev, EV_READ | EV_WRITE);
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

/* The link on fd (non-blocking now), or NULL (fd closed). */
static struct sd_attach *
attach_on(struct event_base *base, int fd, const struct sd_attach_cbs *cbs,
    char err[SD_ERR_LEN])
{
	struct sd_attach *a;

	evutil_make_socket_nonblocking(fd);
	a = calloc(1, sizeof(*a));
	if (a != NULL)
		a->bev = bufferevent_socket_new(base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (a == NULL || a->bev == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		free(a);
		close(fd);
		return NULL;
	}
	a->cbs = *cbs;
	sd_prio_bev(a->bev, SD_PRIO_CONTROL);
	bufferevent_setcb(a->bev, attach_read_cb, NULL, attach_event_cb, a);
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	return a;
}

struct sd_attach *
sd_attach_new(struct event_base *base, const char *path, uid_t uid,
    unsigned timeout, const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN])
{
	int fd;

	fd = sd_ctlconn_open(path, uid, timeout, err);
	if (fd < 0)
		return NULL;
	if (attach_subscribe(fd, path, timeout, err) != SD_OK) {
		close(fd);
		return NULL;
	}
	return attach_on(base, fd, cbs, err);
}

struct sd_attach *
sd_attach_retry(struct event_base *base, const char *path, uid_t uid,
    const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN])
{
	struct sd_attach *a;
	int fd;

	fd = sd_ctlconn_open_nb(path, uid, err);
	if (fd < 0)
		return NULL;
	a = attach_on(base, fd, cbs, err);
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

void
sd_attach_free(struct sd_attach *a)
{
	if (a == NULL)
		return;
	bufferevent_free(a->bev);
	free(a);
}
