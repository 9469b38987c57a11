/*
 * sd_benchsrv.c: the benchmarks' baseline server: the least a libevent
 * server must do for sockdeck's legacy traffic. One loop, one
 * bufferevent per client; it splits the input into frames by their
 * 6-byte header, drops data frames (sensor readings, file bodies)
 * unread, and answers each message frame as the original server did,
 * "[<fd> socket] return data => <text>". No store, no log, no limits
 * beyond a frame cap: what is left of sockdeckd's time is its own.
 *
 * Usage: sd_benchsrv [--port P] HOST     (P 0 or absent: a free port)
 * Prints "listening PORT" once it accepts; exits on SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FRAME_MAX	(1u << 20)	/* a message past this: close */

/* A client: how much of a data frame is still to be skipped. */
struct client {
	uint64_t	 skip;
};

static void
client_free(struct bufferevent *bev, struct client *c)
{
	bufferevent_free(bev);
	free(c);
}

/* Frames in the input: drop data as it comes, answer messages. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct client *c = arg;
	unsigned char h[6], *msg;
	size_t have;
	uint32_t len;
	char head[48];
	int n;

	for (;;) {
		have = evbuffer_get_length(in);
		if (c->skip > 0) {
			n = have < c->skip ? (int)have : (int)c->skip;
			evbuffer_drain(in, (size_t)n);
			c->skip -= (uint64_t)n;
			if (c->skip > 0)
				return;
			continue;
		}
		if (evbuffer_copyout(in, h, 6) != 6)
			return;
		len = (uint32_t)h[2] | (uint32_t)h[3] << 8 |
		    (uint32_t)h[4] << 16 | (uint32_t)h[5] << 24;
		if (h[0] != 0 || h[1] != 0) {
			/* A data frame: skipped, never buffered whole. */
			evbuffer_drain(in, 6);
			c->skip = len;
			continue;
		}
		if (len > FRAME_MAX || len < 12) {
			client_free(bev, c);
			return;
		}
		if (have < 6 + (size_t)len)
			return;
		msg = evbuffer_pullup(in, 6 + (ssize_t)len);
		n = snprintf(head, sizeof(head), "[%d socket] return data => ",
		    (int)bufferevent_getfd(bev));
		bufferevent_write(bev, head, (size_t)n);
		bufferevent_write(bev, msg + 18, len - 12);
		evbuffer_drain(in, 6 + (size_t)len);
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_free(bev, arg);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct event_base *base = evconnlistener_get_base(l);
	struct client *c = calloc(1, sizeof(*c));
	struct bufferevent *bev;
	int one = 1;

	(void)sa;
	(void)salen;
	(void)arg;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	bev = c != NULL ? bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE) : NULL;
	if (bev == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* HOST and port into ss; its length, or 0. */
static socklen_t
address(const char *host, long port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return sizeof(*s6);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct event_base *base;
	struct evconnlistener *l;
	struct event *sint, *sterm;
	socklen_t len;
	long port = 0;
	char *end = NULL;

	if (argc == 4 && strcmp(argv[1], "--port") == 0)
		port = strtol(argv[2], &end, 10);
	if ((argc != 2 && argc != 4) || (end != NULL && (*end != '\0' ||
	    port < 0 || port > 65535))) {
		fprintf(stderr, "usage: sd_benchsrv [--port P] HOST\n");
		return 2;
	}
	len = address(argv[argc - 1], port, &ss);
	if (len == 0) {
		fprintf(stderr, "sd_benchsrv: %s: not an IP address\n",
		    argv[argc - 1]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	if (base == NULL)
		return 1;
	l = evconnlistener_new_bind(base, accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
	    (struct sockaddr *)&ss, (int)len);
	if (l == NULL) {
		perror("sd_benchsrv: listen");
		return 1;
	}
	len = sizeof(ss);
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &len);
	printf("listening %d\n", ss.ss_family == AF_INET6 ?
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	sint = evsignal_new(base, SIGINT, signal_cb, base);
	sterm = evsignal_new(base, SIGTERM, signal_cb, base);
	event_add(sint, NULL);
	event_add(sterm, NULL);
	event_base_dispatch(base);
	event_free(sint);
	event_free(sterm);
	evconnlistener_free(l);
	event_base_free(base);
	return 0;
}
