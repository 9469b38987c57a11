/*
 * sockdeckd_proxy.c: "sockdeckd ctl proxy" (see sockdeckd_proxy.h). A
 * process of its own with a poll(2) loop and two bounded buffers, one
 * each way. stdin and stdout stay blocking (they may be a terminal that
 * a shell shares with us); they are only read after POLLIN and written
 * after POLLOUT, at most PIPE_BUF bytes at a time, which a pipe or a
 * socket that polled writable takes without blocking. The socket is
 * ours alone and non-blocking.
 *
 * The end of stdin is passed on as shutdown(SHUT_WR): the server still
 * answers what it was asked, and the relay ends when the socket does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_util.h"
#include "sockdeckd_proxy.h"

#define PROXY_BUF	65536

/* One direction: bytes read from one side, not yet written to the
 * other. */
struct proxy_dir {
	char	buf[PROXY_BUF];
	size_t	off, len;
	int	eof;		/* the reading side ended */
};

/* Read into d from fd: 0, or -1 on an error (errno). The end sets
 * d->eof. */
static int
proxy_fill(struct proxy_dir *d, int fd)
{
	ssize_t r;

	if (d->off > 0 && d->len > 0)
		memmove(d->buf, d->buf + d->off, d->len);
	d->off = 0;
	r = read(fd, d->buf + d->len, sizeof(d->buf) - d->len);
	if (r > 0)
		d->len += (size_t)r;
	else if (r == 0 || errno == ECONNRESET)
		d->eof = 1;
	else if (errno != EINTR && errno != EAGAIN)
		return -1;
	return 0;
}

/* Write what d holds to fd, at most PIPE_BUF at once: 0, or -1 on an
 * error (errno; EPIPE when the reader is gone). */
static int
proxy_drain(struct proxy_dir *d, int fd)
{
	size_t n = d->len < PIPE_BUF ? d->len : PIPE_BUF;
	ssize_t w;

	w = write(fd, d->buf + d->off, n);
	if (w > 0) {
		d->off += (size_t)w;
		d->len -= (size_t)w;
		if (d->len == 0)
			d->off = 0;
	} else if (w < 0 && errno != EINTR && errno != EAGAIN)
		return -1;
	return 0;
}

static void
proxy_err(const char *path, const char *what)
{
	fputs("sockdeckd ctl proxy: ", stderr);
	sd_put_text(stderr, path, strlen(path));
	fprintf(stderr, ": %s: %s\n", what, strerror(errno));
}

/* One round of the loop: -1 to stop (rc set), else 0. */
static int
proxy_step(struct proxy_dir *up, struct proxy_dir *down, int fd,
    const char *path, int *shut, int *rc)
{
	struct pollfd p[3] = {
		{ STDIN_FILENO, 0, 0 }, { fd, 0, 0 }, { STDOUT_FILENO, 0, 0 }
	};

	if (!up->eof && up->len < sizeof(up->buf))
		p[0].events = POLLIN;
	if (!down->eof && down->len < sizeof(down->buf))
		p[1].events |= POLLIN;
	if (up->len > 0)
		p[1].events |= POLLOUT;
	if (down->len > 0)
		p[2].events = POLLOUT;
	if (p[0].events == 0)
		p[0].fd = -1;
	if (poll(p, 3, -1) < 0) {
		if (errno == EINTR)
			return 0;
		proxy_err(path, "poll");
		return -1;
	}
	/* The reader of stdout gone: nobody wants the rest. */
	if (p[2].revents & (POLLERR | POLLHUP))
		return -1;
	if ((p[2].revents & POLLOUT) && proxy_drain(down, STDOUT_FILENO)) {
		if (errno != EPIPE)
			proxy_err(path, "stdout");
		*rc = errno == EPIPE ? 0 : 1;
		return -1;
	}
	if (p[0].revents & POLLNVAL)
		up->eof = 1;	/* no stdin at all: nothing to send */
	else if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    proxy_fill(up, STDIN_FILENO)) {
		proxy_err(path, "stdin");
		up->eof = 1;
	}
	if ((p[1].revents & POLLOUT) && proxy_drain(up, fd)) {
		/* The server stopped reading: what it sends is still
		 * relayed until it ends. */
		up->len = 0;
		up->eof = 1;
	}
	if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    proxy_fill(down, fd)) {
		proxy_err(path, "read");
		down->eof = 1;
		*rc = 1;
	}
	if (up->eof && up->len == 0 && !*shut) {
		shutdown(fd, SHUT_WR);
		*shut = 1;
	}
	return down->eof && down->len == 0 ? -1 : 0;
}

int
sockdeckd_proxy_run(int fd, const char *path)
{
	static struct proxy_dir up, down;	/* 128 KiB: not the stack */
	int shut = 0, rc = 0;
	int fl;

	/* A reader that went away is EPIPE, not the end of the process. */
	signal(SIGPIPE, SIG_IGN);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		proxy_err(path, "fcntl");
		close(fd);
		return 1;
	}
	while (proxy_step(&up, &down, fd, path, &shut, &rc) == 0)
		;
	close(fd);
	return rc;
}
