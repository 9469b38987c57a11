/*
 * sd_conn.c: a client connection on a bufferevent: a socket one on a
 * plain port, an OpenSSL one (sd_tls) on a TLS port, the rest the same.
 * Input is fed to the decoder chain by chain, straight from libevent's
 * buffers; every decoded event goes to sd_handle_event(). What touches
 * the socket itself is plain-only (conn_read_more) or holds for both
 * (socket options, shutdown() at close).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_admit.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_files.h"
#include "sd_handle.h"
#include "sd_listen.h"
#include "sd_pipeline.h"
#include "sd_prio.h"
#include "sd_proto_enc.h"
#include "sd_server.h"
#include "sd_throttle.h"
#include "sd_tls.h"

#define SD_CONN_MAX_READ	(256u << 10)	/* per read() */
#define SD_CONN_TLS_READ	16384		/* a TLS record's plaintext */
#define SD_CONN_HIGH_WATER	(512u << 10)	/* unparsed input */
#define SD_CONN_LIBEVENT_READ	4096		/* libevent 2.1 a turn */
/* A connection's turn of the loop: what is parsed and handled in one
 * callback at most; the rest waits in its input for its next turn, so
 * one busy connection cannot hold the loop. */
#define SD_CONN_TURN_BYTES	(1u << 20)	/* bytes parsed */
#define SD_CONN_TURN_EVENTS	512		/* decoded frames, chunks */
#define SD_CONN_BULK_NS		(100LL * 1000000) /* busy after a full turn */

/* What is left of a connection's turn. */
struct conn_budget {
	size_t		bytes;
	unsigned	events;
};

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void conn_deadline_cb(evutil_socket_t fd, short what, void *arg);
static void conn_resume_cb(evutil_socket_t fd, short what, void *arg);
static void conn_spool_unhold(struct sd_conn *c);
/* How a handshake failed (conn_handshake_failed). */
enum conn_hs_fail {
	CONN_HS_REFUSED,	/* by OpenSSL, or the peer left */
	CONN_HS_TIMEOUT,	/* --tls-handshake-timeout */
	CONN_HS_CERT		/* the client's certificate */
};

static void conn_handshake_failed(struct sd_conn *c, const char *why,
    enum conn_hs_fail how);

/* Decoder caps from the server's limits. */
static void
conn_limits(const struct sd_config *cfg, struct sd_proto_limits *lim)
{
	sd_proto_limits_default(lim);
	lim->max_msg = (uint32_t)cfg->max_msg;
	if (cfg->max_file < lim->max_file)
		lim->max_file = (uint32_t)cfg->max_file;
}

/* Keep-alive reaps half-open connections of devices that lost power. */
static void
conn_sockopts(int fd, const struct sd_config *cfg)
{
	int on = 1, idle = (int)cfg->keepalive, intvl, cnt = 3;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (cfg->keepalive == 0)
		return;
	intvl = idle / 3 > 0 ? idle / 3 : 1;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static void
conn_peer(struct sd_conn *c, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, c->peer, sizeof(c->peer));
		c->peer_port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, c->peer, sizeof(c->peer));
		c->peer_port = ntohs(s4->sin_port);
	}
}

/*
 * One timer per connection stands for three deadlines (or, while a TLS
 * handshake is under way, for --tls-handshake-timeout alone), whichever
 * is first: no whole frame for --idle-timeout (bytes of garbage or of a
 * header do not count, so a trickle cannot keep a connection), a frame
 * begun and not finished within --frame-timeout (bytes of a file body
 * count as progress), and a drain whose peer does not read its last
 * answers within --frame-timeout; and, as long, answers left unread
 * (SD_HOLD_OUT). Activity only moves timestamps: the
 * timer is re-armed when it fires early, or brought forward when a
 * frame starts.
 */
static int64_t
conn_deadline(const struct sd_conn *c, const char **why)
{
	const struct sd_config *cfg = c->srv->cfg;
	int64_t sec = 1000000000, at = INT64_MAX, frame;

	frame = (int64_t)(cfg->frame_timeout ? cfg->frame_timeout : 30) * sec;
	if (c->state == SD_CONN_HANDSHAKE) {
		*why = "handshake timeout";
		return c->active_ns + (int64_t)cfg->tls_handshake_timeout * sec;
	}
	if (c->state == SD_CONN_DRAINING) {
		*why = "drain timeout";
		return c->drain_start_ns + frame;
	}
	if (cfg->idle_timeout != 0) {
		at = c->active_ns + (int64_t)cfg->idle_timeout * sec;
		*why = "idle timeout";
	}
	if (cfg->frame_timeout != 0 && c->frame_start_ns != 0 &&
	    c->frame_start_ns + frame < at) {
		at = c->frame_start_ns + frame;
		*why = "frame timeout";
	}
	if ((c->holds & SD_HOLD_OUT) && c->out_held_ns + frame < at) {
		at = c->out_held_ns + frame;
		*why = "answers not read";
	}
	return at;
}

/* Arm the timer for the first deadline, unless it is armed for it or
 * for an earlier time already (then it re-arms itself when it fires). */
static void
conn_deadline_arm(struct sd_conn *c, int64_t now)
{
	const char *why;
	int64_t at = conn_deadline(c, &why), d;
	struct timeval tv;

	if (at == INT64_MAX ||
	    (evtimer_pending(c->deadline_ev, NULL) && c->deadline_ns <= at))
		return;
	d = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(d / 1000000000);
	tv.tv_usec = (suseconds_t)(d % 1000000000 / 1000);
	c->deadline_ns = at;
	evtimer_add(c->deadline_ev, &tv);
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_conn *c = arg;
	struct sd_event e = { .kind = SD_EV_DROP };
	int64_t now = sd_mono_ns();
	const char *why;

	(void)fd;
	(void)what;
	/* A client the server holds back is not late: its clocks start
	 * again when it is read again. One that does not read its answers
	 * is held by its own doing. */
	if ((c->holds & ~(unsigned)SD_HOLD_OUT) != 0 &&
	    c->state == SD_CONN_OPEN) {
		c->active_ns = now;
		if (c->frame_start_ns != 0)
			c->frame_start_ns = now;
	}
	if (conn_deadline(c, &why) > now) {
		conn_deadline_arm(c, now);
		return;
	}
	if (c->state == SD_CONN_HANDSHAKE) {
		conn_handshake_failed(c, why, CONN_HS_TIMEOUT);
		return;
	}
	e.id = c->id;
	e.reason = why;
	sd_events_fire(c->srv->events, &e);
	c->close_level = SD_LV_WARNING;		/* too slow, not an error */
	sd_conn_close(c, why);
}

/* c joins the registry as a client: an id (given in order, so the
 * registry's order is the ids'), the counts, and its connect event (with
 * its TLS version and cipher on a TLS port). */
static void
conn_register(struct sd_conn *c)
{
	struct sd_server *srv = c->srv;
	struct sd_event e = { .kind = SD_EV_CONNECT };

	c->state = SD_CONN_OPEN;
	c->id = ++srv->next_id;
	sd_evrate_init(&c->evrate, c->id);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	c->hnext = srv->byid[c->id & srv->byid_mask];
	srv->byid[c->id & srv->byid_mask] = c;
	srv->nconns++;
	srv->totals.connections++;
	c->lst->clients++;
	e.id = c->id;
	e.fd = c->fd;
	e.peer = c->peer;
	e.peer_port = c->peer_port;
	e.port = c->port;
	if (c->tls) {
		e.tls_version = c->tls_version;
		e.tls_cipher = c->tls_cipher;
		e.tls_identity = c->tls_identity;
		e.tls_subject = c->tls_subject;
	}
	sd_events_fire(srv->events, &e);
}

/* A TLS connection holds its place on the handshakes list meanwhile.
 * Its handshake starts with the peer's first bytes: a bufferevent is
 * made able to write, and a socket that can be written would have
 * libevent try the handshake at once, OpenSSL taking its buffers (34
 * KiB) for a peer that may never speak. libevent waits for the socket
 * itself when the handshake has something to send. */
static void
conn_handshake_start(struct sd_conn *c)
{
	bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_enable(c->bev, EV_READ);
	c->state = SD_CONN_HANDSHAKE;
	TAILQ_INSERT_TAIL(&c->srv->handshakes, c, entry);
	c->srv->nhandshakes++;
	c->lst->handshakes++;
}

/* Take c off the handshakes list. */
static void
conn_handshake_end(struct sd_conn *c)
{
	TAILQ_REMOVE(&c->srv->handshakes, c, entry);
	c->srv->nhandshakes--;
	c->lst->handshakes--;
}

/* The handshake is done: c becomes a client, its idle clock starting
 * now, unless its certificate lacks the identity a required one must
 * have. libevent gave the session's events new priorities, as it made
 * them afresh: c's own are set again. */
static void
conn_handshake_done(struct sd_conn *c)
{
	const char *refused = sd_tls_peer(c->srv->tls, c->bev,
	    &c->tls_identity, &c->tls_subject);

	if (refused != NULL) {
		conn_handshake_failed(c, refused, CONN_HS_CERT);
		return;
	}
	conn_handshake_end(c);
	c->srv->totals.tls_handshakes++;
	sd_tls_session(c->bev, c->tls_version, c->tls_cipher);
	sd_prio_bev(c->bev, SD_PRIO_CLIENT);
	bufferevent_enable(c->bev, EV_WRITE);
	c->active_ns = sd_mono_ns();
	conn_register(c);
	conn_deadline_arm(c, c->active_ns);
}

/*
 * A handshake that did not finish (OpenSSL refused it, the client's
 * certificate did not do, the peer left, or its time ran out): counted
 * against its address once its ClientHello came (too many and the
 * address is refused at accept for the rest of the window: each costs
 * the server a signature; a TCP health check that connects and leaves
 * costs none and is not counted), said
 * in one drop event summarised with the other failed handshakes (a
 * scan or a flood of them is a few lines), and closed (sd_conn_close
 * counts it failed). It was never a client: no disconnect follows.
 */
static void
conn_handshake_failed(struct sd_conn *c, const char *why,
    enum conn_hs_fail how)
{
	struct sd_server *srv = c->srv;
	struct sd_event e = { .kind = SD_EV_DROP };
	char reason[SD_ERR_LEN], key[SD_THROTTLE_KEY];

	if (how == CONN_HS_TIMEOUT) {
		srv->totals.tls_timeouts++;
		snprintf(reason, sizeof(reason), "TLS %s (%llu s)", why,
		    (unsigned long long)srv->cfg->tls_handshake_timeout);
	} else
		snprintf(reason, sizeof(reason), "TLS handshake failed: %s",
		    why);
	if (how == CONN_HS_CERT)
		srv->totals.tls_cert_failed++;
	if (sd_admit_peer_key(c->peer, key, sizeof(key)) != SD_OK)
		snprintf(key, sizeof(key), "%s", c->peer);
	if (sd_tls_hello_seen(c->bev))
		sd_throttle_add(srv->tls_fails, key, 1, sd_mono_ns());
	e.peer = c->peer;
	e.peer_port = c->peer_port;
	e.port = c->port;
	e.reason = reason;
	sd_evrate_fire(&srv->evrates, &srv->tls_rate, &e);
	sd_conn_close(c, reason);
}

struct sd_conn *
sd_conn_new(struct sd_server *srv, struct sd_listener *lst, int fd,
    const struct sockaddr *sa, int salen)
{
	const struct sd_config *cfg = srv->cfg;
	struct sd_proto_limits lim;
	struct sd_conn *c;

	(void)salen;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->tls = lst->tls;
	if (c->tls)
		c->bev = sd_tls_bev_new(srv->tls, srv->base, fd);
	else
		c->bev = bufferevent_socket_new(srv->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail_free;
	c->srv = srv;
	c->lst = lst;
	c->fd = fd;
	c->state = c->tls ? SD_CONN_HANDSHAKE : SD_CONN_OPEN;
	c->port = lst->port;
	c->connected_ns = c->last_active_ns = sd_now_ns();
	c->active_ns = sd_mono_ns();
	sd_rate_init(&c->rate, c->active_ns);
	c->deadline_ev = evtimer_new(srv->base, conn_deadline_cb, c);
	if (c->deadline_ev == NULL)
		goto fail_bev;
	/* A handshake costs the server a signature: a flood of them waits
	 * in BULK behind the clients' traffic (conn_handshake_done puts a
	 * client where the others are). */
	sd_prio_bev(c->bev, c->tls ? SD_PRIO_BULK : SD_PRIO_CLIENT);
	sd_prio_event(c->deadline_ev, SD_PRIO_CLIENT);
	conn_peer(c, sa);
	conn_limits(cfg, &lim);
	sd_proto_dec_init(&c->dec, &lim);
	conn_sockopts(fd, cfg);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* libevent's TLS bufferevent reads one record a callback into space
	 * reserved for the whole maximum: 256 KiB asked per 16 KiB record
	 * is a fresh chain from the top of the heap (brk, page faults) each
	 * time the parser has drained the last one. */
	bufferevent_set_max_single_read(c->bev, c->tls ? SD_CONN_TLS_READ :
	    SD_CONN_MAX_READ);
	/* All it may have pending in one write (libevent's 16 KiB would
	 * take a turn of the clients' priority per 16 KiB, and a control
	 * client's broadcasts, one a turn, would outpace it). */
	bufferevent_set_max_single_write(c->bev,
	    (ev_ssize_t)cfg->out_buffer);
	bufferevent_setwatermark(c->bev, EV_READ, 0, SD_CONN_HIGH_WATER);
	conn_deadline_arm(c, c->active_ns);
	if (c->tls)
		conn_handshake_start(c);
	else {
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		conn_register(c);
	}
	return c;
fail_bev:
	bufferevent_free(c->bev);
	free(c);
	return NULL;		/* the bufferevent closed fd */
fail_free:
	free(c);
fail:
	close(fd);
	return NULL;
}

/* At most this many buckets, whatever --max-clients says (a
 * descriptor each bounds the connections long before). */
#define CONN_BUCKETS_MAX	(UINT32_C(1) << 20)

int
sd_conn_table_init(struct sd_server *srv)
{
	uint32_t n = 64;

	while (n < CONN_BUCKETS_MAX && n < srv->cfg->max_clients)
		n <<= 1;
	srv->byid = calloc(n, sizeof(*srv->byid));
	if (srv->byid == NULL)
		return SD_ERR_NOMEM;
	srv->byid_mask = n - 1;
	return SD_OK;
}

/* Free the id table (the connections are gone by then). */
void
sd_conn_table_free(struct sd_server *srv)
{
	free(srv->byid);
	srv->byid = NULL;
}

/* Take c out of its bucket. */
static void
conn_unhash(struct sd_conn *c)
{
	struct sd_conn **p = &c->srv->byid[c->id & c->srv->byid_mask];

	while (*p != NULL && *p != c)
		p = &(*p)->hnext;
	if (*p == c)
		*p = c->hnext;
	c->hnext = NULL;
}

/* Ids are handed out in order, so a bucket holds one live connection
 * unless more than the table's size are open: the walk is O(1). */
struct sd_conn *
sd_conn_find(struct sd_server *srv, uint32_t id)
{
	struct sd_conn *c;

	for (c = srv->byid[id & srv->byid_mask]; c != NULL; c = c->hnext) {
		if (c->id == id)
			return c;
	}
	return NULL;
}

/* Point cur at c (or at the end), keeping each connection's count of
 * the cursors at it: closing one no cursor is at costs nothing. */
static void
conn_cursor_at(struct sd_conn_cursor *cur, struct sd_conn *c)
{
	if (cur->at != NULL)
		cur->at->ncursors--;
	cur->at = c;
	if (c != NULL)
		c->ncursors++;
}

void
sd_conn_cursor_start(struct sd_server *srv, struct sd_conn_cursor *cur)
{
	cur->at = NULL;
	conn_cursor_at(cur, TAILQ_FIRST(&srv->conns));
	TAILQ_INSERT_TAIL(&srv->cursors, cur, entry);
}

struct sd_conn *
sd_conn_cursor_next(struct sd_conn_cursor *cur)
{
	struct sd_conn *c = cur->at;

	if (c != NULL)
		conn_cursor_at(cur, TAILQ_NEXT(c, entry));
	return c;
}

void
sd_conn_cursor_stop(struct sd_server *srv, struct sd_conn_cursor *cur)
{
	TAILQ_REMOVE(&srv->cursors, cur, entry);
	conn_cursor_at(cur, NULL);
}

/* Free the connections closed since the last turn. Nothing up the stack
 * holds one here: this runs from its own event, never from inside a
 * connection's callback. */
void
sd_conn_free_dead(struct sd_server *srv)
{
	struct sd_conn *c;

	while ((c = TAILQ_FIRST(&srv->dead)) != NULL) {
		TAILQ_REMOVE(&srv->dead, c, entry);
		bufferevent_free(c->bev);
		sd_proto_dec_done(&c->dec);
		free(c->drain_reason);
		free(c->tls_identity);
		free(c->tls_subject);
		free(c);
	}
}

/*
 * Closing happens inside the connection's own callbacks (a reply that
 * overflows the output, a bad frame, a kick during a broadcast), with
 * callers up the stack still holding c and its buffers. So close only
 * marks: it stops every callback and all I/O, takes c out of the
 * registry and parks it on the server's dead list with its bufferevent
 * intact; the server's reaper frees it from the loop. A caller that may
 * have closed c checks sd_conn_dead() and touches nothing but c's memory.
 */
void
sd_conn_close(struct sd_conn *c, const char *reason)
{
	struct sd_server *srv = c->srv;
	struct sd_event e = { .kind = SD_EV_DISCONNECT };
	struct sd_conn_cursor *cur;
	enum sd_conn_state was = c->state;
	char dev[18];

	if (c->state == SD_CONN_DEAD)
		return;
	if (c->holds & SD_HOLD_SPOOL)
		conn_spool_unhold(c);
	c->state = SD_CONN_DEAD;
	if (c->ack_pending) {
		TAILQ_REMOVE(&srv->acks, c, ackq);
		c->ack_pending = 0;
	}
	if (c->xfer != NULL)
		sd_files_detach(srv->files, c->xfer, reason);
	if (c->lxfer != NULL)
		sd_files_detach(srv->files, c->lxfer, reason);
	c->xfer = c->lxfer = c->body = NULL;
	/* Answers being written from the registry skip c from now on. */
	TAILQ_FOREACH(cur, &srv->cursors, entry) {
		if (c->ncursors == 0)
			break;
		if (cur->at == c)
			conn_cursor_at(cur, TAILQ_NEXT(c, entry));
	}
	/* Every handshake that made no client is counted once here, the
	 * server's own closes (shutdown, a block) too. */
	if (was == SD_CONN_HANDSHAKE) {
		conn_handshake_end(c);
		srv->totals.tls_failed++;
	} else {
		conn_unhash(c);
		TAILQ_REMOVE(&srv->conns, c, entry);
		srv->nconns--;
		c->lst->clients--;
		c->lst->ended[c->ext ? 1 : 0]++;
	}
	TAILQ_INSERT_TAIL(&srv->dead, c, entry);
	sd_evrate_done(&srv->evrates, &c->evrate);
	sd_admit_release(srv->admit, c->peer);
	if (c->resume_ev != NULL)
		event_free(c->resume_ev);
	c->resume_ev = NULL;
	event_free(c->deadline_ev);
	c->deadline_ev = NULL;
	if (c->rate_ev != NULL)
		event_free(c->rate_ev);
	c->rate_ev = NULL;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	/* The peer hears the close now, not when the reaper runs. */
	shutdown(c->fd, SHUT_RDWR);
	event_active(srv->reap, EV_TIMEOUT, 0);
	if (was == SD_CONN_HANDSHAKE)
		return;
	sd_fleet_leave(srv->fleet, &c->fleet);
	e.id = c->id;
	e.peer = c->peer;
	e.peer_port = c->peer_port;
	/* Who it was, for a reader that never saw its row or HELLO. */
	e.port = c->port;
	sd_conn_device(c, dev);
	e.device = c->has_dev ? dev : NULL;
	e.reason = reason;
	e.level = c->close_level;
	sd_events_fire(srv->events, &e);
}

/* The output of a draining c is out: a TLS session ends in order
 * (close_notify), then c closes saying why. */
static void
conn_drained(struct sd_conn *c, const char *reason)
{
	if (c->tls)
		sd_tls_close_notify(c->bev);
	sd_conn_close(c, reason);
}

void
sd_conn_drain(struct sd_conn *c, const char *reason)
{
	if (c->state != SD_CONN_OPEN)
		return;
	c->state = SD_CONN_DRAINING;
	/* A copy: the reason may be a handler's answer, gone by the time
	 * the output is out. */
	c->drain_reason = strdup(reason);
	c->drain_start_ns = sd_mono_ns();
	conn_deadline_arm(c, c->drain_start_ns);
	bufferevent_disable(c->bev, EV_READ);
	/* Closed once all is out, not at SD_HOLD_OUT's watermark. */
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_drained(c, reason);
}

#ifdef SD_FAULT_INJECTION
/* Tests close the connection of every Nth write in the process
 * (SD_FAULT_CLOSE_WRITE=N), to prove that every path that writes
 * survives the connection closing under it (integration test 37). */
static int
conn_fault(void)
{
	static long every = -1, count;
	const char *v;

	if (every < 0) {
		v = getenv("SD_FAULT_CLOSE_WRITE");
		every = v != NULL ? strtol(v, NULL, 10) : 0;
	}
	return every > 0 && ++count % every == 0;
}
#else
#define conn_fault()	0
#endif

int
sd_conn_write(struct sd_conn *c, const void *p, size_t len)
{
	struct evbuffer *out;
	struct sd_event e = { .kind = SD_EV_DROP };

	if (c->state == SD_CONN_DEAD)
		return SD_ERR_INVAL;
	if (conn_fault()) {
		sd_conn_close(c, "fault injected");
		return SD_ERR_INVAL;
	}
	out = bufferevent_get_output(c->bev);
	/* The cap is on what a client leaves unread: one answer to a client
	 * that has read everything goes out whatever its size (it is
	 * bounded by --max-msg). */
	if (evbuffer_get_length(out) > 0 &&
	    evbuffer_get_length(out) + len > c->srv->cfg->out_buffer) {
		/* A client that does not read must not grow our memory. */
		e.id = c->id;
		e.reason = "output buffer full";
		sd_events_fire(c->srv->events, &e);
		c->close_level = SD_LV_WARNING;
		sd_conn_close(c, "output buffer full");
		return SD_ERR_NOSPACE;
	}
	if (evbuffer_add(out, p, len) != 0) {
		sd_conn_close(c, "out of memory");
		return SD_ERR_NOMEM;
	}
	c->bytes_out += len;
	c->frames_out++;
	c->srv->totals.bytes_out += len;
	sd_rate_add(&c->srv->rates.bytes_out, sd_mono_ns(), len);
	return SD_OK;
}

int
sd_conn_send_text(struct sd_conn *c, uint8_t kind, uint32_t ref,
    const char *text, size_t len)
{
	struct sd_text t = { kind, ref, text, (uint32_t)len };
	uint8_t small[512], *buf = small;
	size_t n;
	int rc;

	if (!c->ext)
		return sd_conn_write(c, text, len);
	if (len > UINT32_MAX - 16)
		return SD_ERR_TOOBIG;
	if (len + 16 > sizeof(small)) {
		buf = malloc(len + 16);
		if (buf == NULL)
			return SD_ERR_NOMEM;
	}
	rc = sd_proto_enc_text(buf, len + 16, &t, &n);
	if (rc == SD_OK)
		rc = sd_conn_write(c, buf, n);
	if (buf != small)
		free(buf);
	return rc;
}

int
sd_conn_send_error(struct sd_conn *c, uint16_t code, uint16_t ref_type,
    uint32_t ref_id, const char *text)
{
	struct sd_error e = { code, ref_type, ref_id, text,
	    (uint32_t)strlen(text) };
	uint8_t buf[512];
	size_t n;

	if (!c->ext)
		return SD_OK;
	if (e.len > sizeof(buf) - 16)
		e.len = sizeof(buf) - 16;
	if (sd_proto_enc_error(buf, sizeof(buf), &e, &n) != SD_OK)
		return SD_ERR_INVAL;
	return sd_conn_write(c, buf, n);
}

/* One decoded event: whole frames and body bytes are the activity the
 * deadlines look at (see conn_deadline). */
static void
conn_event(struct sd_conn *c, enum sd_dec_ev ev, const struct sd_frame *f,
    int64_t now)
{
	if (ev == SD_DEC_FRAME || ev == SD_DEC_END || ev == SD_DEC_DATA) {
		c->active_ns = now;
		c->frame_start_ns = ev == SD_DEC_DATA ? now : 0;
	}
	sd_handle_event(c, ev, f);
}

/* The device's window is over: its budget is whole again. */
static void
conn_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sd_conn_release(arg, SD_HOLD_RATE);
}

/* --device-rate: n more bytes came from c's device. Over its budget,
 * c is read no more until the device's window ends (backpressure: the
 * device's own TCP window fills, nobody else waits). A device is the
 * first id the connection used, at its address: a peer elsewhere that
 * claims the id spends its own budget, not the device's, and a legacy
 * sender that changes the id in every frame gains nothing by it. */
static void
conn_rate(struct sd_conn *c, size_t n, int64_t now)
{
	struct sd_server *srv = c->srv;
	char dev[18], key[SD_THROTTLE_KEY];
	int64_t left;
	struct timeval tv;

	if (srv->cfg->device_rate == 0 || !c->has_dev || n == 0 ||
	    c->state != SD_CONN_OPEN)
		return;
	if (!c->has_rate_dev) {
		memcpy(c->rate_dev, c->dev, SD_MAC_LEN);
		c->has_rate_dev = 1;
	}
	sd_proto_mac_str(c->rate_dev, dev);
	snprintf(key, sizeof(key), "%s@%s", dev, c->peer);
	if (sd_throttle_add(srv->dev_bytes, key, n, now) <
	    srv->cfg->device_rate)
		return;
	if (c->rate_ev == NULL) {
		c->rate_ev = evtimer_new(srv->base, conn_rate_cb, c);
		sd_prio_event(c->rate_ev, SD_PRIO_CLIENT);
	}
	if (c->rate_ev == NULL)
		return;
	left = sd_throttle_left(srv->dev_bytes, key, now);
	tv.tv_sec = (time_t)(left / 1000000000);
	tv.tv_usec = (suseconds_t)(left % 1000000000 / 1000);
	sd_conn_hold(c, SD_HOLD_RATE);
	evtimer_add(c->rate_ev, &tv);
}

/* After a pass: a frame left half read starts its clock. */
static void
conn_frame_clock(struct sd_conn *c, int64_t now)
{
	if (c->state != SD_CONN_OPEN)
		return;
	if (!sd_proto_dec_busy(&c->dec))
		c->frame_start_ns = 0;
	else if (c->frame_start_ns == 0) {
		c->frame_start_ns = now;
		conn_deadline_arm(c, now);
	}
}

/*
 * Answers piling up (a client that sends requests faster than it reads
 * the replies) stop the parsing of its requests, already buffered or
 * not, until the peer has read most of them: parsing on would pass
 * --out-buffer and drop a client that is only slow. The write
 * callback releases it; one that does not read at all is dropped
 * after --frame-timeout (conn_deadline).
 */
static void
conn_out_check(struct sd_conn *c, int64_t now)
{
	size_t cap = c->srv->cfg->out_buffer;

	if (c->state != SD_CONN_OPEN || (c->holds & SD_HOLD_OUT) ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) < cap / 2)
		return;
	c->out_held_ns = now;
	bufferevent_setwatermark(c->bev, EV_WRITE, cap / 4, 0);
	sd_conn_hold(c, SD_HOLD_OUT);
	conn_deadline_arm(c, now);
}

/* Feed what is buffered to the decoder, chain by chain, until it is
 * used up, the connection closes, a stage behind it pauses it or the
 * turn's budget b is spent. */
static void
conn_parse(struct sd_conn *c, struct conn_budget *b, int64_t now)
{
	static const uint8_t none[1];
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	struct sd_frame f;
	enum sd_dec_ev ev;
	size_t off, used, len, fed = 0;

	/* A body's end is reported on the call after its last byte: a
	 * connection paused on that byte has it now, bytes or not (a
	 * legacy sender sends nothing more until it is answered). */
	while (c->state == SD_CONN_OPEN && !c->holds && b->events > 0 &&
	    (ev = sd_proto_dec_feed(&c->dec, none, 0, &used, &f)) !=
	    SD_DEC_NEED_MORE) {
		b->events--;
		conn_event(c, ev, &f, now);
		conn_out_check(c, now);
	}
	while (c->state == SD_CONN_OPEN && !c->holds && b->events > 0 &&
	    b->bytes > 0 && evbuffer_peek(in, -1, NULL, &v, 1) > 0 &&
	    v.iov_len > 0) {
		len = v.iov_len < b->bytes ? v.iov_len : b->bytes;
		off = 0;
		for (;;) {
			ev = sd_proto_dec_feed(&c->dec,
			    (const uint8_t *)v.iov_base + off, len - off,
			    &used, &f);
			off += used;
			if (ev == SD_DEC_NEED_MORE)
				break;
			b->events--;
			conn_event(c, ev, &f, now);
			conn_out_check(c, now);
			if (c->state != SD_CONN_OPEN || c->holds ||
			    b->events == 0)
				break;
		}
		b->bytes -= off;
		c->bytes_in += off;
		c->srv->totals.bytes_in += off;
		fed += off;
		if (c->state == SD_CONN_DEAD)
			return;
		evbuffer_drain(in, off);
	}
	conn_frame_clock(c, now);
	conn_rate(c, fed, now);
}

/* What a turn of c brought, into the rates: the server's, and c's
 * messages and readings. Once a turn, not once a frame: a flood's
 * frames cost no more than they did. */
static void
conn_count(struct sd_conn *c, const struct sd_totals *was, int64_t now)
{
	const struct sd_totals *t = &c->srv->totals;
	struct sd_rates *r = &c->srv->rates;
	uint64_t msgs = t->messages - was->messages;
	uint64_t rds = t->readings - was->readings;

	if (msgs > 0)
		sd_rate_add(&r->messages, now, msgs);
	if (rds > 0)
		sd_rate_add(&r->readings, now, rds);
	if (t->bytes_in > was->bytes_in)
		sd_rate_add(&r->bytes_in, now, t->bytes_in - was->bytes_in);
	if (msgs + rds > 0)
		sd_rate_add(&c->rate, now, msgs + rds);
}

/* Parse what c has buffered, within b, and count what it brought (c
 * may be closed after: it is freed only from the loop). */
static void
conn_process(struct sd_conn *c, struct conn_budget *b)
{
	struct sd_totals was = c->srv->totals;
	int64_t now = sd_mono_ns();

	conn_parse(c, b, now);
	conn_count(c, &was, now);
}

/* libevent 2.1 reads at most 4 KiB a turn of the loop (2.2 makes it
 * settable): a file streaming in cost a loop turn, an ioctl and a readv
 * per 4 KiB, and ran at half the speed of nc. Once what came is parsed,
 * read on from the socket in large pieces while it has more and the
 * turn's budget lasts, so the other clients get their turn. Only on a
 * plain socket: a TLS bufferevent must read through its own layer. EOF
 * and errors are left for libevent's next read to report. */
static void
conn_read_more(struct sd_conn *c, struct conn_budget *b)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evbuffer_iovec v;
	size_t want;
	ssize_t r;

	for (;;) {
		/* Answers piling up (a client that sends requests faster
		 * than it reads the replies) wait for the socket to take
		 * them before more requests are read: reading on would
		 * fill the output cap and drop the client. */
		if (c->state != SD_CONN_OPEN || c->holds ||
		    b->bytes == 0 || b->events == 0 ||
		    evbuffer_get_length(in) >= SD_CONN_HIGH_WATER ||
		    evbuffer_get_length(out) >= c->srv->cfg->out_buffer / 4)
			return;
		want = b->bytes < SD_CONN_MAX_READ ? b->bytes :
		    SD_CONN_MAX_READ;
		/* A socket bufferevent keeps its input's end frozen but
		 * while it reads itself; so do we. */
		evbuffer_unfreeze(in, 0);
		r = -1;
		if (evbuffer_reserve_space(in, (ev_ssize_t)want, &v, 1) == 1)
			r = recv(c->fd, v.iov_base, want, MSG_DONTWAIT);
		if (r > 0) {
			v.iov_len = (size_t)r;
			evbuffer_commit_space(in, &v, 1);
		}
		evbuffer_freeze(in, 0);
		if (r <= 0)
			return;
		conn_process(c, b);
	}
}

/* c's resume event (made on first use), in priority p: SD_PRIO_BULK
 * for a turn that follows a used-up one, so fresh input from quiet
 * clients goes first (sd_prio.h). NULL out of memory. */
static struct event *
conn_resume_ev(struct sd_conn *c, enum sd_prio p)
{
	if (c->resume_ev == NULL)
		c->resume_ev = evtimer_new(c->srv->base, conn_resume_cb, c);
	/* Not while it is active: libevent refuses, and it runs soon. */
	if (c->resume_ev != NULL &&
	    !event_pending(c->resume_ev, EV_TIMEOUT, NULL))
		sd_prio_event(c->resume_ev, p);
	return c->resume_ev;
}

/* A connection that used up a whole turn is busy for SD_CONN_BULK_NS
 * from then: its reads, writes and next turns run in SD_PRIO_BULK, so
 * a quiet client's message is read before them (sd_prio.h). Priorities
 * cannot change while an event is active: then it is tried next turn. */
static void
conn_busy(struct sd_conn *c, int used_up, int64_t now)
{
	int was = c->bulk_until_ns != 0;

	if (used_up)
		c->bulk_until_ns = now + SD_CONN_BULK_NS;
	else if (was && now >= c->bulk_until_ns)
		c->bulk_until_ns = 0;
	if ((c->bulk_until_ns != 0) != was)
		sd_prio_bev(c->bev, was ? SD_PRIO_CLIENT : SD_PRIO_BULK);
}

/* The priority c's next turn runs in. */
static enum sd_prio
conn_prio(const struct sd_conn *c)
{
	return c->bulk_until_ns != 0 ? SD_PRIO_BULK : SD_PRIO_CLIENT;
}

/*
 * One turn of c: parse what is buffered (and, when more may wait in
 * the socket, read on) within SD_CONN_TURN_BYTES and _EVENTS. What is
 * left over waits in the input for c's next turn: resume_ev, a timer
 * due at once in the floods' priority, runs on the loop's next turn,
 * after the timers, the control socket and fresh input of the others. Till
 * then c is held (SD_HOLD_TURN): no more is read, and an end of stream
 * is not seen before the bytes that came ahead of it are parsed.
 */
static void
conn_turn(struct sd_conn *c, int more)
{
	struct conn_budget b = { SD_CONN_TURN_BYTES, SD_CONN_TURN_EVENTS };
	struct timeval now = { 0, 0 };

	sd_pipeline_stamp(c->srv->pipe);
	conn_process(c, &b);
	if (more && !c->tls)
		conn_read_more(c, &b);
	if (c->state != SD_CONN_OPEN)
		return;
	conn_busy(c, b.events == 0 || b.bytes == 0, sd_mono_ns());
	if (c->holds || (b.events > 0 &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0))
		return;
	if (conn_resume_ev(c, conn_prio(c)) == NULL)
		return;		/* the next packet's read parses it */
	sd_conn_hold(c, SD_HOLD_TURN);
	evtimer_add(c->resume_ev, &now);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct sd_conn *c = arg;
	size_t had = evbuffer_get_length(bufferevent_get_input(bev));

	c->last_active_ns = sd_now_ns();
	/* Less than libevent's cap came: the socket had no more, and a
	 * recv() now would only say EAGAIN (a syscall per message of an
	 * echo or a device's reading). */
	conn_turn(c, had >= SD_CONN_LIBEVENT_READ);
}

/* c's next turn: after a pause, or input its last turn left. */
static void
conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state != SD_CONN_OPEN)
		return;
	if (c->holds & SD_HOLD_TURN) {
		c->holds &= ~(unsigned)SD_HOLD_TURN;
		if (c->holds == 0)
			bufferevent_enable(c->bev, EV_READ);
	}
	if (!c->holds)
		conn_turn(c, 1);
}

/* Off srv->spool_held: the pause's time counts in the totals. */
static void
conn_spool_unhold(struct sd_conn *c)
{
	TAILQ_REMOVE(&c->srv->spool_held, c, spoolq);
	c->srv->totals.spool_paused_ns += sd_mono_ns() - c->spool_held_ns;
}

void
sd_conn_hold(struct sd_conn *c, enum sd_hold why)
{
	if (c->state != SD_CONN_OPEN)
		return;
	if (c->holds == 0)
		bufferevent_disable(c->bev, EV_READ);
	if ((why & SD_HOLD_SPOOL) && !(c->holds & SD_HOLD_SPOOL)) {
		TAILQ_INSERT_TAIL(&c->srv->spool_held, c, spoolq);
		c->srv->totals.spool_pauses++;
		c->spool_held_ns = sd_mono_ns();
	}
	c->holds |= why;
}

void
sd_conn_release(struct sd_conn *c, enum sd_hold why)
{
	if (c->state != SD_CONN_OPEN || !(c->holds & why))
		return;
	if (why & c->holds & SD_HOLD_SPOOL)
		conn_spool_unhold(c);
	c->holds &= ~(unsigned)why;
	if (c->holds != 0)
		return;
	bufferevent_enable(c->bev, EV_READ);
	/* Input already buffered would wait for the next packet: parse it
	 * now, from the loop rather than from under the caller. */
	if (conn_resume_ev(c, conn_prio(c)) != NULL)
		event_active(c->resume_ev, EV_TIMEOUT, 0);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct sd_conn *c = arg;

	if (c->state == SD_CONN_DRAINING)
		conn_drained(c, c->drain_reason != NULL ? c->drain_reason :
		    "refused");
	else if (c->state == SD_CONN_OPEN && (c->holds & SD_HOLD_OUT)) {
		/* Read down to a quarter (conn_out_check's watermark). */
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		sd_conn_release(c, SD_HOLD_OUT);
	}
}

/* Why c's bufferevent failed: errno's words, or on a TLS port
 * OpenSSL's when it said something. Returns 1 when the client's
 * certificate was why (sd_tls_reason). */
static int
conn_error_reason(struct sd_conn *c, int err, short what, char *buf,
    size_t len)
{
	const char *def = (what & BEV_EVENT_EOF) ? "closed by the peer" :
	    err != 0 ? strerror(err) : "connection error";

	if (c->tls)
		return sd_tls_reason(c->bev, def, buf, len);
	snprintf(buf, len, "%s", def);
	return 0;
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sd_conn *c = arg;
	struct sd_event e = { .kind = SD_EV_DROP };
	char why[SD_ERR_LEN];
	enum conn_hs_fail how;
	int err = errno;

	(void)bev;
	if (c->state == SD_CONN_HANDSHAKE) {
		if (what & BEV_EVENT_CONNECTED)
			conn_handshake_done(c);
		else if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
			how = conn_error_reason(c, err, what, why,
			    sizeof(why)) ? CONN_HS_CERT : CONN_HS_REFUSED;
			conn_handshake_failed(c, why, how);
		}
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		conn_error_reason(c, err, what, why, sizeof(why));
		c->close_level = SD_LV_WARNING;
		sd_conn_close(c, why);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		struct sd_frame f;

		/* A frame cut short by the close is said once. */
		if (sd_proto_dec_finish(&c->dec, &f) == SD_DEC_ERROR &&
		    c->body == NULL) {
			e.kind = SD_EV_BAD_FRAME;
			e.id = c->id;
			e.reason = sd_err_str(f.err);
			sd_events_fire(c->srv->events, &e);
		}
		/* A peer that ended its TLS session in order is
		 * answered in kind. */
		if (c->tls)
			sd_tls_close_notify(c->bev);
		sd_conn_close(c, "closed by peer");
	}
}

const char *
sd_conn_auth(const struct sd_conn *c)
{
	int token = c->srv->cfg->token != NULL;

	if (c->reg_seen)
		return "registry";
	if (c->tls_identity != NULL)
		return !token ? "certificate" : c->authed ?
		    "certificate, token" : "certificate, no token";
	return !token ? "none" : c->authed ? "token" : "no token";
}

void
sd_conn_device(const struct sd_conn *c, char buf[18])
{
	if (!c->has_dev) {
		buf[0] = '\0';
		return;
	}
	sd_proto_mac_str(c->dev, buf);
}
