/*
 * sd_conn.c: a client connection on a bufferevent (so TLS can come in
 * later as a filter or an SSL bufferevent without touching the rest).
 * Input is fed to the decoder chain by chain, straight from libevent's
 * buffers; every decoded event goes to sd_handle_event().
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

#include "sd_conn.h"
#include "sd_err.h"
#include "sd_files.h"
#include "sd_listen.h"
#include "sd_pipeline.h"
#include "sd_proto_enc.h"
#include "sd_server.h"

#define SD_CONN_MAX_READ	(256u << 10)	/* per read() */
#define SD_CONN_HIGH_WATER	(512u << 10)	/* unparsed input */
#define SD_CONN_READ_TURNS	16		/* reads more a callback */
#define SD_CONN_LIBEVENT_READ	4096		/* libevent 2.1 a turn */

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

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

struct sd_conn *
sd_conn_new(struct sd_server *srv, struct sd_listener *lst, int fd,
    const struct sockaddr *sa, int salen)
{
	const struct sd_config *cfg = srv->cfg;
	struct sd_event e = { .kind = SD_EV_CONNECT };
	struct sd_proto_limits lim;
	struct timeval idle = { (time_t)cfg->idle_timeout, 0 };
	struct sd_conn *c;

	(void)salen;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail_free;
	c->srv = srv;
	c->lst = lst;
	c->fd = fd;
	c->id = ++srv->next_id;
	sd_evrate_init(&c->evrate, c->id);
	c->port = lst->port;
	c->connected_ns = c->last_active_ns = sd_now_ns();
	conn_peer(c, sa);
	conn_limits(cfg, &lim);
	sd_proto_dec_init(&c->dec, &lim);
	conn_sockopts(fd, cfg);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	bufferevent_set_max_single_read(c->bev, SD_CONN_MAX_READ);
	bufferevent_setwatermark(c->bev, EV_READ, 0, SD_CONN_HIGH_WATER);
	if (cfg->idle_timeout != 0)
		bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);

	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	srv->totals.connections++;
	lst->clients++;
	e.id = c->id;
	e.fd = fd;
	e.peer = c->peer;
	e.peer_port = c->peer_port;
	e.port = c->port;
	sd_events_fire(srv->events, &e);
	return c;
fail_free:
	free(c);
fail:
	close(fd);
	return NULL;
}

static void
conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_conn *c = arg;

	(void)fd;
	(void)what;
	sd_proto_dec_done(&c->dec);
	free(c);
}

void
sd_conn_close(struct sd_conn *c, const char *reason)
{
	struct sd_server *srv = c->srv;
	struct sd_event e = { .kind = SD_EV_DISCONNECT };

	if (c->state == SD_CONN_DEAD)
		return;
	c->state = SD_CONN_DEAD;
	if (c->xfer != NULL)
		sd_files_detach(srv->files, c->xfer, reason);
	if (c->lxfer != NULL)
		sd_files_detach(srv->files, c->lxfer, reason);
	c->xfer = c->lxfer = c->body = NULL;
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->nconns--;
	c->lst->clients--;
	sd_evrate_done(&srv->evrates, &c->evrate);
	sd_admit_release(srv->admit, c->peer);
	if (c->resume_ev != NULL)
		event_free(c->resume_ev);
	c->resume_ev = NULL;
	bufferevent_free(c->bev);
	c->bev = NULL;
	e.id = c->id;
	e.peer = c->peer;
	e.peer_port = c->peer_port;
	e.reason = reason;
	sd_events_fire(srv->events, &e);
	/* Callbacks up the stack may still hold c: free it from the loop. */
	if (event_base_once(srv->base, -1, EV_TIMEOUT, conn_free_cb, c,
	    NULL) != 0)
		conn_free_cb(-1, 0, c);
}

void
sd_conn_drain(struct sd_conn *c, const char *reason)
{
	if (c->state != SD_CONN_OPEN)
		return;
	c->state = SD_CONN_DRAINING;
	c->drain_reason = reason;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		sd_conn_close(c, reason);
}

int
sd_conn_write(struct sd_conn *c, const void *p, size_t len)
{
	struct evbuffer *out;
	struct sd_event e = { .kind = SD_EV_DROP };

	if (c->state == SD_CONN_DEAD)
		return SD_ERR_INVAL;
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

/* Feed what is buffered to the decoder, chain by chain, until it is
 * used up, the connection closes or a stage behind it pauses it. */
static void
conn_process(struct sd_conn *c)
{
	static const uint8_t none[1];
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	struct sd_frame f;
	enum sd_dec_ev ev;
	size_t off, used;

	/* A body's end is reported on the call after its last byte: a
	 * connection paused on that byte has it now, bytes or not (a
	 * legacy sender sends nothing more until it is answered). */
	while (c->state == SD_CONN_OPEN && !c->paused &&
	    (ev = sd_proto_dec_feed(&c->dec, none, 0, &used, &f)) !=
	    SD_DEC_NEED_MORE)
		sd_handle_event(c, ev, &f);
	while (c->state == SD_CONN_OPEN && !c->paused &&
	    evbuffer_peek(in, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		off = 0;
		for (;;) {
			ev = sd_proto_dec_feed(&c->dec,
			    (const uint8_t *)v.iov_base + off,
			    v.iov_len - off, &used, &f);
			off += used;
			if (ev == SD_DEC_NEED_MORE)
				break;
			sd_handle_event(c, ev, &f);
			if (c->state != SD_CONN_OPEN || c->paused)
				break;
		}
		c->bytes_in += off;
		c->srv->totals.bytes_in += off;
		if (c->state == SD_CONN_DEAD)
			return;
		evbuffer_drain(in, off);
	}
}

/* libevent 2.1 reads at most 4 KiB a turn of the loop (2.2 makes it
 * settable): a file streaming in cost a loop turn, an ioctl and a readv
 * per 4 KiB, and ran at half the speed of nc. Once what came is parsed,
 * read on from the socket in large pieces while it has more, a bounded
 * number of times so the other clients get their turn. Only on a plain
 * socket: a TLS bufferevent must read through its own layer. EOF and
 * errors are left for libevent's next read to report. */
static void
conn_read_more(struct sd_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	ssize_t r;
	int turn;

	struct evbuffer *out = bufferevent_get_output(c->bev);

	for (turn = 0; turn < SD_CONN_READ_TURNS; turn++) {
		/* Answers piling up (a client that sends requests faster
		 * than it reads the replies) wait for the socket to take
		 * them before more requests are read: reading on would
		 * fill the output cap and drop the client. */
		if (c->state != SD_CONN_OPEN || c->paused ||
		    evbuffer_get_length(in) >= SD_CONN_HIGH_WATER ||
		    evbuffer_get_length(out) >= c->srv->cfg->out_buffer / 4)
			return;
		/* A socket bufferevent keeps its input's end frozen but
		 * while it reads itself; so do we. */
		evbuffer_unfreeze(in, 0);
		r = -1;
		if (evbuffer_reserve_space(in, SD_CONN_MAX_READ, &v, 1) == 1)
			r = recv(c->fd, v.iov_base, v.iov_len, MSG_DONTWAIT);
		if (r > 0) {
			v.iov_len = (size_t)r;
			evbuffer_commit_space(in, &v, 1);
		}
		evbuffer_freeze(in, 0);
		if (r <= 0)
			return;
		conn_process(c);
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct sd_conn *c = arg;
	size_t had = evbuffer_get_length(bufferevent_get_input(bev));

	c->last_active_ns = sd_now_ns();
	sd_pipeline_stamp(c->srv->pipe);
	conn_process(c);
	/* Less than libevent's cap came: the socket had no more, and a
	 * recv() now would only say EAGAIN (a syscall per message of an
	 * echo or a device's reading). */
	if (had >= SD_CONN_LIBEVENT_READ)
		conn_read_more(c);
}

static void
conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == SD_CONN_OPEN && !c->paused) {
		sd_pipeline_stamp(c->srv->pipe);
		conn_process(c);
	}
}

void
sd_conn_pause(struct sd_conn *c)
{
	if (c->paused || c->state != SD_CONN_OPEN)
		return;
	c->paused = 1;
	bufferevent_disable(c->bev, EV_READ);
}

void
sd_conn_resume(struct sd_conn *c)
{
	if (!c->paused || c->state != SD_CONN_OPEN)
		return;
	c->paused = 0;
	bufferevent_enable(c->bev, EV_READ);
	/* Input already buffered would wait for the next packet: parse it
	 * now, from the loop rather than from under the caller. */
	if (c->resume_ev == NULL)
		c->resume_ev = evtimer_new(c->srv->base, conn_resume_cb, c);
	if (c->resume_ev != NULL)
		event_active(c->resume_ev, EV_TIMEOUT, 0);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct sd_conn *c = arg;

	(void)bev;
	if (c->state == SD_CONN_DRAINING)
		sd_conn_close(c, c->drain_reason);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sd_conn *c = arg;
	struct sd_event e = { .kind = SD_EV_DROP };
	char why[SD_ERR_LEN];

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		e.id = c->id;
		e.reason = "idle timeout";
		sd_events_fire(c->srv->events, &e);
		sd_conn_close(c, "idle timeout");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
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
		sd_conn_close(c, "closed by peer");
	}
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
