/*
 * sd_attach.c: the control socket's client side on a loop (see
 * sd_attach.h). A line longer than the cap closes the link: a server
 * never sends one.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_attach.h"
#include "sd_err.h"

#define ATTACH_LINE_MAX	(16u << 20)

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
		msg = json_loadb(line, n, 0, NULL);
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

struct sd_attach *
sd_attach_new(struct event_base *base, const char *path,
    const struct sd_attach_cbs *cbs, char err[SD_ERR_LEN])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sd_attach *a;
	json_t *sub;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, SD_ERR_LEN, "%.200s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s (is sockdeckd running?)",
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
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
	bufferevent_setcb(a->bev, attach_read_cb, NULL, attach_event_cb, a);
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	sub = json_pack("{s:s}", "cmd", "subscribe");
	sd_attach_request(a, sub);
	json_decref(sub);
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
