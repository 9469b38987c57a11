/*
 * sd_listen.c: listening sockets. Each is opened by hand (so IPv6 can be
 * V6ONLY beside an IPv4 wildcard) and handed to an evconnlistener.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_admit.h"
#include "sd_block.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_listen.h"
#include "sd_prio.h"
#include "sd_proxy.h"
#include "sd_server.h"
#include "sd_throttle.h"

#define SD_BACKLOG	4096	/* the kernel caps it at somaxconn */

/* Clients on l's port, over every address it listens on, with the TLS
 * handshakes and PROXY headers awaited that hold a place. */
static uint32_t
listen_port_clients(const struct sd_listener *l)
{
	const struct sd_server *srv = l->srv;
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i]->port == l->port)
			n += srv->listeners[i]->clients +
			    srv->listeners[i]->handshakes +
			    srv->listeners[i]->proxywaits;
	}
	return n;
}

/* Decide whether a new client may stay; NULL when it may. */
static const char *
listen_refuse(struct sd_listener *l)
{
	const struct sd_config *cfg = l->srv->cfg;

	if (l->srv->stopping)
		return "shutting down";
	if (l->srv->nconns + l->srv->nhandshakes + l->srv->nproxywaits >=
	    cfg->max_clients)
		return "too many clients";
	if (cfg->max_clients_per_port != 0 &&
	    listen_port_clients(l) >= cfg->max_clients_per_port)
		return "too many clients on this port";
	return NULL;
}

int
sd_listen_peer(const struct sockaddr *sa, char *buf, size_t len,
    uint16_t *port)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;
	const void *a = &s4->sin_addr;

	*port = ntohs(s4->sin_port);
	if (sa->sa_family == AF_INET6) {
		a = &s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
	}
	return inet_ntop(sa->sa_family, a, buf, (socklen_t)len) != NULL ?
	    SD_OK : SD_ERR_INVAL;
}

/* Whether sa's address failed too many TLS handshakes lately: a TLS
 * port refuses it before a byte is read (counted). */
static int
listen_tls_throttled(struct sd_listener *l, const struct sockaddr *sa)
{
	struct sd_server *srv = l->srv;
	char peer[INET6_ADDRSTRLEN], key[SD_THROTTLE_KEY];
	uint16_t port;

	if (!l->tls || sd_listen_peer(sa, peer, sizeof(peer), &port) != SD_OK)
		return 0;
	if (sd_admit_peer_key(peer, key, sizeof(key)) != SD_OK)
		snprintf(key, sizeof(key), "%s", peer);
	if (sd_throttle_count(srv->tls_fails, key, sd_mono_ns()) <
	    SD_TLS_FAIL_MAX)
		return 0;
	srv->totals.tls_throttled++;
	return 1;
}

/* Whether the operator blocked sa's address (kick-and-block). */
static int
listen_blocked(struct sd_server *srv, const struct sockaddr *sa)
{
	char peer[INET6_ADDRSTRLEN], key[64];
	uint16_t port;

	if (srv->blocks->n == 0)
		return 0;
	if (sd_listen_peer(sa, peer, sizeof(peer), &port) != SD_OK ||
	    sd_admit_peer_key(peer, key, sizeof(key)) != SD_OK)
		return 0;
	return sd_block_has_addr(srv->blocks, key, sd_mono_ns());
}

/* Refuse fd (from sa) for why: counted, logged (summarised when they
 * come in floods), closed. */
static void
listen_drop(struct sd_server *srv, int fd, const struct sockaddr *sa,
    const char *why)
{
	struct sd_event e = { .kind = SD_EV_DROP };
	char peer[INET6_ADDRSTRLEN] = "";

	sd_listen_peer(sa, peer, sizeof(peer), &e.peer_port);
	e.peer = peer;
	e.reason = why;
	sd_evrate_fire(&srv->evrates, &srv->accept_rate, &e);
	close(fd);
}

void
sd_listen_admit(struct sd_listener *l, int fd, const struct sockaddr *sa,
    int salen)
{
	struct sd_event e = { .kind = SD_EV_DROP };
	const char *why = NULL;
	char peer[INET6_ADDRSTRLEN] = "";
	struct sd_conn *c;

	/* Before a byte is read: the address, then its count. A proxied
	 * TLS port's connection may have waited for its header over a
	 * reload that left no TLS context. */
	if (l->tls && l->srv->tls == NULL)
		why = "TLS turned off (reload)";
	if (why == NULL)
		why = sd_admit_check(l->srv->cfg, sa, l->port);
	if (why == NULL && listen_blocked(l->srv, sa))
		why = "address blocked";
	if (why == NULL && listen_tls_throttled(l, sa))
		why = "too many failed TLS handshakes";
	if (why == NULL)
		sd_admit_take(l->srv->admit, sa,
		    l->srv->cfg->max_clients_per_ip, &why);
	if (why != NULL) {
		listen_drop(l->srv, fd, sa, why);
		return;
	}
	c = sd_conn_new(l->srv, l, fd, sa, salen);
	if (c == NULL && l->srv->cfg->max_clients_per_ip != 0 &&
	    sd_listen_peer(sa, peer, sizeof(peer), &e.peer_port) == SD_OK)
		sd_admit_release(l->srv->admit, peer);
}

/* A connection came: refused for the server's own limits, or admitted
 * by its address; on a proxied port its PROXY header is read first
 * (sd_proxy), and its address is the header's. */
static void
listen_accept_cb(struct evconnlistener *ev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sd_listener *l = arg;
	const char *why = listen_refuse(l);

	(void)ev;
	if (why == NULL && sd_fd_spare_low(fd))
		why = "out of descriptors";
	if (why != NULL) {
		listen_drop(l->srv, fd, sa, why);
		return;
	}
	if (sd_config_proxy_port(l->srv->cfg, l->port))
		sd_proxy_start(l, fd, sa, salen);
	else
		sd_listen_admit(l, fd, sa, salen);
}

static void
listen_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_listener *l = arg;

	(void)fd;
	(void)what;
	if (l->ev != NULL && !l->srv->stopping)
		evconnlistener_enable(l->ev);
}

/* accept() failed (out of fds, most likely): pause this listener for a
 * second rather than spin on the error. */
static void
listen_error_cb(struct evconnlistener *ev, void *arg)
{
	struct sd_listener *l = arg;
	struct sd_event e = { .kind = SD_EV_ERROR };
	struct timeval tv = { 1, 0 };
	char why[SD_ERR_LEN];

	snprintf(why, sizeof(why), "accept on port %u: %s", l->port,
	    strerror(errno));
	e.reason = why;
	sd_events_fire(l->srv->events, &e);
	evconnlistener_disable(ev);
	if (l->retry != NULL)
		evtimer_add(l->retry, &tv);
}

/* Make the socket: SD_OK, or an error with l->reason filled in. */
static int
listen_socket(struct sd_listener *l, evutil_socket_t *out)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss), fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(l->addr, (struct sockaddr *)&ss,
	    &sslen) != 0) {
		snprintf(l->reason, sizeof(l->reason),
		    "not an IP address: %s", l->addr);
		return SD_ERR_INVAL;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(l->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(l->port);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)sslen) != 0 ||
	    listen(fd, SD_BACKLOG) != 0)
		goto fail_close;
	*out = fd;
	return SD_OK;
fail_close:
	snprintf(l->reason, sizeof(l->reason), "%s", strerror(errno));
	close(fd);
	return SD_ERR_INVAL;
fail:
	snprintf(l->reason, sizeof(l->reason), "%s", strerror(errno));
	return SD_ERR_INVAL;
}

int
sd_listen_open(struct sd_listener *l, struct sd_server *srv)
{
	struct sd_event e = { .kind = SD_EV_LISTEN };
	evutil_socket_t fd;

	l->srv = srv;
	l->listening = 0;
	l->legacy = sd_admit_legacy(srv->cfg, l->port);
	l->tls = srv->tls != NULL && sd_config_tls_port(srv->cfg, l->port);
	if (listen_socket(l, &fd) != SD_OK)
		goto fail;
	/* Backlog 0: the socket listens already, with SD_BACKLOG; -1
	 * would listen again with libevent's 128, and a burst of devices
	 * reconnecting after an outage would have SYNs dropped and wait
	 * out TCP's 1 s, 3 s, 7 s retries. */
	l->ev = evconnlistener_new(srv->base, listen_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (l->ev == NULL) {
		close(fd);
		snprintf(l->reason, sizeof(l->reason), "out of memory");
		goto fail;
	}
	evconnlistener_set_error_cb(l->ev, listen_error_cb);
	l->retry = evtimer_new(srv->base, listen_retry_cb, l);
	sd_prio_event(l->retry, SD_PRIO_CONTROL);
	l->listening = 1;
	l->reason[0] = '\0';
	e.port = l->port;
	e.addr = l->addr;
	sd_events_fire(srv->events, &e);
	return SD_OK;
fail:
	e.kind = SD_EV_LISTEN_FAILED;
	e.port = l->port;
	e.addr = l->addr;
	e.reason = l->reason;
	sd_events_fire(srv->events, &e);
	return SD_ERR_INVAL;
}

void
sd_listen_stop(struct sd_listener *l)
{
	if (l->ev != NULL)
		evconnlistener_disable(l->ev);
	if (l->retry != NULL)
		evtimer_del(l->retry);
}

void
sd_listen_close(struct sd_listener *l)
{
	if (l->ev != NULL)
		evconnlistener_free(l->ev);
	if (l->retry != NULL)
		event_free(l->retry);
	l->ev = NULL;
	l->retry = NULL;
	l->listening = 0;
}
