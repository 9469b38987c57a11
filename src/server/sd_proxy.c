/*
 * sd_proxy.c: a proxied port's connections until their PROXY header is
 * read (see sd_proxy.h).
 *
 * The socket is read with MSG_PEEK, the bytes so far (kept here, at
 * most SD_PROXYHDR_MAX) parsed again whole, and only what the parser
 * says is header taken off the socket: while it needs more, all it has
 * seen is header; once done, exactly its length. What follows stays in
 * the socket for the bufferevent (plain or TLS) made after.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_admit.h"
#include "sd_err.h"
#include "sd_listen.h"
#include "sd_prio.h"
#include "sd_proxy.h"
#include "sd_proxyhdr.h"
#include "sd_server.h"

struct sd_proxywait {
	TAILQ_ENTRY(sd_proxywait) entry;
	struct sd_listener	*l;
	int			 fd;
	struct event		*ev;
	struct sockaddr_storage	 sa;		/* the balancer's */
	int			 salen;
	struct sockaddr_storage	 real;		/* the header's */
	int			 header;	/* read: waiting for the
						   first byte after it */
	int64_t			 deadline;	/* mono ns */
	size_t			 have;
	uint8_t			 buf[SD_PROXYHDR_MAX];
};

static const char *const proxy_reasons[SD_PROXY_REFUSAL_COUNT] = {
	"not from --proxy-from", "no PROXY header", "bad PROXY header",
	"no PROXY header in time", "closed before its PROXY header"
};

/* Take w off the list and free it; fd is closed unless keep. */
static void
proxy_free(struct sd_proxywait *w, int keep)
{
	struct sd_server *srv = w->l->srv;

	TAILQ_REMOVE(&srv->proxywaits, w, entry);
	srv->nproxywaits--;
	w->l->proxywaits--;
	event_free(w->ev);
	if (!keep)
		close(w->fd);
	free(w);
}

/* Refuse fd (from sa) for reason, with detail if any: counted and
 * logged like the other refusals at accept. */
static void
proxy_refuse(struct sd_server *srv, const struct sockaddr *sa,
    enum sd_proxy_refusal reason, const char *detail)
{
	struct sd_event e = { .kind = SD_EV_DROP };
	char peer[64] = "", why[160];

	srv->totals.proxy_refused[reason]++;
	if (detail != NULL)
		snprintf(why, sizeof(why), "%s: %.100s", proxy_reasons[reason],
		    detail);
	else
		snprintf(why, sizeof(why), "%s", proxy_reasons[reason]);
	sd_listen_peer(sa, peer, sizeof(peer), &e.peer_port);
	e.peer = peer;
	e.reason = why;
	sd_evrate_fire(&srv->evrates, &srv->accept_rate, &e);
}

/* The header is read (and the first byte after it, or the time is up):
 * w's connection is admitted by its real address. */
static void
proxy_admit(struct sd_proxywait *w)
{
	struct sd_listener *l = w->l;
	struct sockaddr_storage real = w->real;
	int fd = w->fd;

	proxy_free(w, 1);
	sd_listen_admit(l, fd, (struct sockaddr *)&real,
	    real.ss_family == AF_INET6 ? (int)sizeof(struct sockaddr_in6) :
	    (int)sizeof(struct sockaddr_in));
}

/* After the header: a first byte admits; a close before it (a health
 * check's) ends the connection quietly. 0 while w waits on, -1 when it
 * is gone. */
static int
proxy_after(struct sd_proxywait *w)
{
	uint8_t b;
	ssize_t n = recv(w->fd, &b, 1, MSG_PEEK);

	if (n > 0)
		proxy_admit(w);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		proxy_free(w, 0);
	else
		return 0;
	return -1;
}

/* Take n bytes (known to be header) off the socket. */
static int
proxy_take(struct sd_proxywait *w, size_t n)
{
	uint8_t sink[SD_PROXYHDR_MAX];

	return recv(w->fd, sink, n, 0) == (ssize_t)n ? 0 : -1;
}

/* Bytes came: parse what came so far. 0 while w waits on, -1 when it
 * is gone. */
static int
proxy_read(struct sd_proxywait *w)
{
	struct sd_server *srv = w->l->srv;
	struct sd_proxyhdr h;
	enum sd_proxyhdr_rc rc;
	ssize_t n;

	n = recv(w->fd, w->buf + w->have, sizeof(w->buf) - w->have,
	    MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		proxy_refuse(srv, (struct sockaddr *)&w->sa, SD_PROXY_CLOSED,
		    NULL);
		proxy_free(w, 0);
		return -1;
	}
	rc = sd_proxyhdr_parse(w->buf, w->have + (size_t)n, &h);
	if (rc == SD_PROXYHDR_INVALID) {
		proxy_refuse(srv, (struct sockaddr *)&w->sa, h.version == 0 ?
		    SD_PROXY_MISSING : SD_PROXY_INVALID,
		    h.version == 0 ? NULL : h.why);
		proxy_free(w, 0);
		return -1;
	}
	if (rc == SD_PROXYHDR_NEED) {
		if (proxy_take(w, (size_t)n) != 0) {
			proxy_free(w, 0);
			return -1;
		}
		w->have += (size_t)n;
		return 0;
	}
	if (proxy_take(w, h.used - w->have) != 0) {
		proxy_free(w, 0);
		return -1;
	}
	w->real = h.local ? w->sa : h.src;
	w->header = 1;
	return proxy_after(w);
}

/* Wait for bytes until w's deadline (not a fresh one per byte: a
 * header trickled a byte at a time gets no more time than one sent
 * whole). */
static void
proxy_wait(struct sd_proxywait *w)
{
	int64_t left = w->deadline - sd_mono_ns();
	struct timeval tv = { 0, 0 };

	if (left > 0) {
		tv.tv_sec = (time_t)(left / 1000000000);
		tv.tv_usec = (suseconds_t)(left % 1000000000 / 1000);
	}
	event_add(w->ev, &tv);
}

static void
proxy_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_proxywait *w = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		if (w->header) {
			proxy_admit(w);
			return;
		}
		proxy_refuse(w->l->srv, (struct sockaddr *)&w->sa,
		    SD_PROXY_TIMEOUT, NULL);
		proxy_free(w, 0);
		return;
	}
	if ((w->header ? proxy_after(w) : proxy_read(w)) == 0)
		proxy_wait(w);
}

void
sd_proxy_start(struct sd_listener *l, int fd, const struct sockaddr *sa,
    int salen)
{
	struct sd_server *srv = l->srv;
	const struct sd_config *cfg = srv->cfg;
	struct sd_proxywait *w;

	if (!sd_admit_rules_match_sa(cfg->proxy_from, cfg->nproxy_from,
	    sa)) {
		proxy_refuse(srv, sa, SD_PROXY_NOT_FROM, NULL);
		close(fd);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL || (size_t)salen > sizeof(w->sa))
		goto fail;
	w->ev = event_new(srv->base, fd, EV_READ, proxy_cb, w);
	if (w->ev == NULL)
		goto fail;
	/* Like a TLS handshake, behind the clients' traffic. */
	sd_prio_event(w->ev, SD_PRIO_BULK);
	w->l = l;
	w->fd = fd;
	memcpy(&w->sa, sa, (size_t)salen);
	w->salen = salen;
	TAILQ_INSERT_TAIL(&srv->proxywaits, w, entry);
	srv->nproxywaits++;
	l->proxywaits++;
	w->deadline = sd_mono_ns() + (int64_t)cfg->tls_handshake_timeout *
	    1000000000;
	proxy_wait(w);
	return;
fail:
	free(w);
	close(fd);
}

void
sd_proxy_close_all(struct sd_server *srv)
{
	struct sd_proxywait *w;

	while ((w = TAILQ_FIRST(&srv->proxywaits)) != NULL)
		proxy_free(w, 0);
}
