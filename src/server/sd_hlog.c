/* sd_hlog.c: the headless logger (see sd_hlog.h). */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_hlog.h"
#include "sd_prio.h"
#include "sd_util.h"

#define SD_HLOG_STOP_NS	(2000LL * 1000000)

/* Write what the reader takes now; -1 on an error other than "full". */
static int
hlog_write(struct sd_hlog *h)
{
	struct evbuffer_iovec v;
	ssize_t w;

	while (evbuffer_peek(h->buf, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		if (h->sock)
			w = send(h->fd, v.iov_base, v.iov_len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			w = write(h->fd, v.iov_base, v.iov_len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		evbuffer_drain(h->buf, (size_t)w);
	}
	return 0;
}

/* Write now; what the reader did not take waits for it to be ready. */
static void
hlog_flush(struct sd_hlog *h)
{
	if (hlog_write(h) != 0) {
		/* A log nobody can read any more (EPIPE, EIO): drop it
		 * rather than grow. */
		evbuffer_drain(h->buf, evbuffer_get_length(h->buf));
		return;
	}
	if (evbuffer_get_length(h->buf) > 0)
		event_add(h->writable, NULL);
}

static void
hlog_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hlog_flush(arg);
}

/* Say how many lines a slow reader lost, once there is room again. */
static void
hlog_say_dropped(struct sd_hlog *h)
{
	if (h->dropped == 0)
		return;
	evbuffer_add_printf(h->buf, h->json ? "{\"event\":\"log-dropped\","
	    "\"lines\":%llu}\n" : "log-dropped lines=%llu (the log's reader "
	    "was too slow)\n", (unsigned long long)h->dropped);
	h->dropped = 0;
}

static void
hlog_cb(const struct sd_event *ev, void *arg)
{
	struct sd_hlog *h = arg;
	char line[4096], *s;

	/* The shutdown line is kept whatever waits (once a run): a log
	 * that ends without it reads as a crash. */
	if (evbuffer_get_length(h->buf) >= SD_HLOG_MAX &&
	    ev->kind != SD_EV_SHUTDOWN) {
		h->dropped++;
		h->dropped_total++;
		return;
	}
	hlog_say_dropped(h);
	if (h->json) {
		s = sd_event_json(ev);
		if (s == NULL)
			return;
		evbuffer_add_printf(h->buf, "%s\n", s);
		free(s);
	} else {
		sd_event_text(ev, line, sizeof(line));
		evbuffer_add_printf(h->buf, "%s\n", line);
	}
	if (event_pending(h->writable, EV_WRITE, NULL))
		return;			/* written as the reader takes it */
	/* Written once this turn of the loop has run its callbacks: every
	 * event of the turn in one write, and before any answer of this
	 * turn reaches a socket (an answer is written on the next). */
	if (!h->flushing) {
		h->flushing = 1;
		event_active(h->turn, EV_TIMEOUT, 0);
	}
}

static void
hlog_turn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_hlog *h = arg;

	(void)fd;
	(void)what;
	h->flushing = 0;
	hlog_flush(h);
}

int
sd_hlog_start(struct sd_hlog *h, struct event_base *base,
    struct sd_events *bus, int fd, int json)
{
	struct stat st;
	int fl;

	memset(h, 0, sizeof(*h));
	h->fd = fd;
	h->json = json;
	/* Never wait for a pipe's or a socket's reader (journald, a
	 * pager); files and terminals are written as they are. */
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		h->sock = 1;
	else if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (fl = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	h->buf = evbuffer_new();
	h->turn = event_new(base, -1, 0, hlog_turn_cb, h);
	h->writable = event_new(base, fd, EV_WRITE, hlog_ready_cb, h);
	if (h->buf == NULL || h->turn == NULL || h->writable == NULL)
		return SD_ERR_NOMEM;
	/* In the clients' queue: activated from a client's callback, an
	 * event above it would end the clients' pass (libevent 2.1), so
	 * every message cost a poll of every socket. */
	sd_prio_event(h->turn, SD_PRIO_CLIENT);
	sd_prio_event(h->writable, SD_PRIO_BACKEND);
	h->handle = sd_events_subscribe(bus, hlog_cb, h);
	return h->handle > 0 ? SD_OK : SD_ERR_NOMEM;
}

void
sd_hlog_stop(struct sd_hlog *h, struct sd_events *bus)
{
	struct pollfd p = { h->fd, POLLOUT, 0 };
	int64_t deadline = sd_mono_ns() + SD_HLOG_STOP_NS;

	if (h->handle > 0)
		sd_events_unsubscribe(bus, h->handle);
	h->handle = 0;
	if (h->buf != NULL) {
		hlog_say_dropped(h);
		/* What waits goes to a reader that takes it, for up to two
		 * seconds (by the clock: a pipe takes 64 KiB a write, and
		 * up to 4 MiB can wait). */
		while (evbuffer_get_length(h->buf) > 0 &&
		    hlog_write(h) == 0 && evbuffer_get_length(h->buf) > 0 &&
		    sd_mono_ns() < deadline)
			poll(&p, 1, 100);
		evbuffer_free(h->buf);
	}
	if (h->turn != NULL)
		event_free(h->turn);
	if (h->writable != NULL)
		event_free(h->writable);
	memset(h, 0, sizeof(*h));
}
