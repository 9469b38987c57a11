/*
 * sd_client.c: the client core (see sd_client.h).
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "sd_client.h"
#include "sd_err.h"
#include "sd_proto_dec.h"
#include "sd_proto_enc.h"
#include "sd_tlsutil.h"

#define CL_CHUNK	(256u << 10)	/* file bytes per chunk */
#define CL_HIGH		(1u << 20)	/* stop reading the file past this */
#define CL_HASH_STEP	(4u << 20)	/* prefix hashed per loop turn */
#define CL_BACKOFF_MAX	30		/* seconds between reconnects */

struct cl_file {
	int		 fd;
	uint64_t	 size;
	uint64_t	 off;		/* next byte to send */
	uint64_t	 hashed;	/* prefix hashed before resuming */
	uint32_t	 xfer;
	uint64_t	 key;
	int		 accepted;
	int		 ended;
	XXH3_state_t	*hash;
	char		 name[256];
};

struct sd_client {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct sd_client_opts	 opts;
	struct sd_client_cbs	 cbs;
	struct bufferevent	*bev;
	struct event		*timer;		/* connect timeout */
	struct event		*pump_ev;	/* more file work */
	struct event		*retry;		/* reconnect after backoff */
	unsigned		 backoff;	/* seconds, 0: none yet */
	char			 host[256];
	int			 port;
	enum sd_client_state	 state;
	struct sd_proto_dec	 dec;
	int			 welcomed;
	int			 tls_up;	/* tls_info holds */
	struct sd_ctls_info	 tls_info;
	uint32_t		 max_chunk;
	uint32_t		 next_id;
	uint64_t		 next_seq;
	struct cl_file		 file;
	char			*chunk;
};

static void cl_pump(struct sd_client *c);

const char *
sd_client_state_name(enum sd_client_state st)
{
	static const char *const names[] = { "unconnected", "resolving",
	    "connecting", "connected", "closing" };

	return (unsigned)st < 5 ? names[st] : "unknown";
}

static void
cl_set_state(struct sd_client *c, enum sd_client_state st,
    const char *reason)
{
	c->state = st;
	if (c->cbs.state != NULL)
		c->cbs.state(st, reason, c->cbs.arg);
}

static void
cl_error(struct sd_client *c, int code, const char *text)
{
	if (c->cbs.error != NULL)
		c->cbs.error(code, text, c->cbs.arg);
}

static void
cl_write(struct sd_client *c, const void *p, size_t n)
{
	if (c->bev != NULL)
		bufferevent_write(c->bev, p, n);
}

static void
cl_file_close(struct sd_client *c)
{
	if (c->file.fd >= 0)
		close(c->file.fd);
	if (c->file.hash != NULL)
		XXH3_freeState(c->file.hash);
	memset(&c->file, 0, sizeof(c->file));
	c->file.fd = -1;
}

/* Close the socket; reason is said with the state change. A drop
 * the user did not ask for (retry) comes back after a backoff when
 * reconnecting is on. */
static void
cl_disconnect(struct sd_client *c, const char *reason, int retry)
{
	struct timeval tv = { 0, 0 };
	char why[SD_ERR_LEN];

	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->tls_up = 0;
	evtimer_del(c->timer);
	evtimer_del(c->retry);
	sd_proto_dec_done(&c->dec);
	/* A legacy body cannot be resumed: that transfer ends here. An
	 * extension one waits for the next WELCOME to be offered again. */
	if (c->opts.legacy)
		cl_file_close(c);
	c->file.accepted = 0;
	c->file.ended = 0;
	if (retry && c->opts.reconnect && c->host[0] != '\0') {
		c->backoff = c->backoff == 0 ? 1 : c->backoff * 2;
		if (c->backoff > CL_BACKOFF_MAX)
			c->backoff = CL_BACKOFF_MAX;
		tv.tv_sec = (time_t)c->backoff;
		evtimer_add(c->retry, &tv);
		snprintf(why, sizeof(why), "%.200s; reconnecting in %u s",
		    reason != NULL ? reason : "closed", c->backoff);
		reason = why;
	}
	cl_set_state(c, SD_CLIENT_UNCONNECTED, reason);
}

static void
cl_drop(struct sd_client *c, const char *reason)
{
	cl_disconnect(c, reason, 1);
}

/* Offer the file in flight (again, after a reconnect: the server's
 * FILE_ACCEPT says where to go on, and the prefix is hashed anew). */
static void
cl_offer(struct sd_client *c)
{
	struct cl_file *f = &c->file;
	struct sd_file_offer o;
	uint8_t buf[400];
	size_t n;

	XXH3_64bits_reset(f->hash);
	f->hashed = 0;
	f->off = 0;
	f->accepted = 0;
	f->ended = 0;
	o.xfer = f->xfer;
	o.size = f->size;
	o.key = f->key;
	o.name = f->name;
	o.name_len = (uint16_t)strlen(f->name);
	if (sd_proto_enc_file_offer(buf, sizeof(buf), &o, &n) == SD_OK)
		cl_write(c, buf, n);
}

/* Frames from the server (extension protocol). */
static void
cl_frame(struct sd_client *c, const struct sd_frame *f)
{
	switch (f->kind) {
	case SD_K_WELCOME:
		c->welcomed = 1;
		c->backoff = 0;
		c->max_chunk = f->u.welcome.max_chunk;
		if (c->max_chunk == 0 || c->max_chunk > CL_CHUNK)
			c->max_chunk = CL_CHUNK;
		/* A file cut by the last drop first: it is offered again
		 * before anything new is asked for. */
		if (c->file.fd >= 0)
			cl_offer(c);
		cl_set_state(c, SD_CLIENT_CONNECTED, NULL);
		break;
	case SD_K_TEXT:
		if (c->cbs.text != NULL)
			c->cbs.text(f->u.text.kind, f->u.text.ref,
			    f->u.text.text, f->u.text.len, c->cbs.arg);
		break;
	case SD_K_ERROR: {
		char t[512];

		snprintf(t, sizeof(t), "%.*s", (int)(f->u.error.len > 400 ?
		    400 : f->u.error.len), f->u.error.text);
		cl_error(c, f->u.error.code, t);
		break;
	}
	case SD_K_FILE_ACCEPT:
		if (c->file.fd < 0 || f->u.accept.xfer != c->file.xfer)
			break;
		c->file.accepted = 1;
		c->file.off = f->u.accept.offset;
		cl_pump(c);
		break;
	case SD_K_FILE_RESULT:
		if (c->file.fd >= 0 && f->u.result.xfer == c->file.xfer)
			cl_file_close(c);
		if (c->cbs.result != NULL)
			c->cbs.result(&f->u.result, c->cbs.arg);
		break;
	case SD_K_SENSOR_ACK:
		if (c->cbs.acked != NULL)
			c->cbs.acked(f->u.ack.seq, c->cbs.arg);
		break;
	default:
		break;
	}
}

static void
cl_read_cb(struct bufferevent *bev, void *arg)
{
	struct sd_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v;
	struct sd_frame f;
	enum sd_dec_ev ev;
	size_t off, used;

	while (c->bev != NULL && evbuffer_peek(in, -1, NULL, &v, 1) > 0 &&
	    v.iov_len > 0) {
		if (c->opts.legacy) {
			/* The original server answered in raw text. */
			if (c->cbs.text != NULL)
				c->cbs.text(0, 0, v.iov_base, v.iov_len,
				    c->cbs.arg);
			evbuffer_drain(in, v.iov_len);
			continue;
		}
		off = 0;
		for (;;) {
			ev = sd_proto_dec_feed(&c->dec, (uint8_t *)v.iov_base +
			    off, v.iov_len - off, &used, &f);
			off += used;
			if (ev == SD_DEC_NEED_MORE)
				break;
			if (ev == SD_DEC_FRAME)
				cl_frame(c, &f);
			if (c->bev == NULL)
				return;
		}
		evbuffer_drain(in, off);
	}
}

static void
cl_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	cl_pump(arg);
}

static void
cl_say_hello(struct sd_client *c)
{
	struct sd_hello h = { SD_PROTO_VERSION, SD_CAP_FILES |
	    SD_CAP_RESUME | SD_CAP_SENSORS | SD_CAP_PING, { 0 }, NULL, 0,
	    NULL, 0 };
	uint8_t buf[600];	/* 6 + 13 + a 255-byte name and token */
	size_t n;

	memcpy(h.dev, c->opts.dev, SD_MAC_LEN);
	h.name = c->opts.name != NULL ? c->opts.name : "sockdeck";
	h.name_len = (uint8_t)strnlen(h.name, 255);
	if (c->opts.token != NULL) {
		h.token = c->opts.token;
		h.token_len = (uint8_t)strnlen(h.token, 255);
	}
	if (sd_proto_enc_hello(buf, sizeof(buf), &h, &n) == SD_OK)
		cl_write(c, buf, n);
}

/* Whether bev's socket is connected to its peer. */
static int
cl_sock_connected(struct bufferevent *bev)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = bufferevent_getfd(bev);

	return fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
}

static void
cl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sd_client *c = arg;
	char why[SD_ERR_LEN];
	int dnserr, err = errno;

	if (what & BEV_EVENT_CONNECTED) {
		evtimer_del(c->timer);
		/* Over TLS: the handshake is done, the certificate checked. */
		if (c->opts.tls != NULL) {
			sd_ctls_info(c->opts.tls, bev, &c->tls_info);
			c->tls_up = 1;
		}
		/* An extension client is connected once WELCOME comes. */
		if (c->opts.legacy) {
			c->backoff = 0;
			cl_set_state(c, SD_CLIENT_CONNECTED, NULL);
		} else
			cl_say_hello(c);
		return;
	}
	dnserr = bufferevent_socket_get_dns_error(bev);
	/* A handshake that failed says why, in one line; so does an
	 * alert that ended a connection, read or left unread. */
	if (c->opts.tls != NULL && dnserr == 0 &&
	    sd_ctls_reason(bev, why + 5, sizeof(why) - 5)) {
		memcpy(why, "TLS: ", 5);
		cl_drop(c, why);
		return;
	}
	/* Over TLS a connect that failed comes as the end of the stream
	 * the handshake was to run on (libevent: a dirty shutdown), with
	 * the connect's errno; a server that closed before its side of
	 * the handshake (one refusing at accept) may have reset the
	 * socket too, and left no errno. */
	if ((what & BEV_EVENT_EOF) && (c->opts.tls == NULL || c->tls_up ||
	    err == 0 || cl_sock_connected(bev))) {
		cl_drop(c, "closed by the server");
		return;
	}
	if (dnserr != 0)
		snprintf(why, sizeof(why), "host not found (%s)",
		    evutil_gai_strerror(dnserr));
	else if (err == 0)	/* an end with no error: not "Success" */
		snprintf(why, sizeof(why), "%s", (what & BEV_EVENT_EOF) ?
		    "closed by the server" : "connection error");
	else
		snprintf(why, sizeof(why), "%s", err == ECONNREFUSED ?
		    "connection refused" : strerror(err));
	cl_drop(c, why);
}

static void
cl_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_client *c = arg;

	(void)fd;
	(void)what;
	/* Connected, and the handshake never ended: most likely a port
	 * that does not speak TLS and waits for a frame of its own. */
	if (c->opts.tls != NULL && c->bev != NULL &&
	    cl_sock_connected(c->bev)) {
		cl_drop(c, "TLS: handshake timed out (is it a TLS port?)");
		return;
	}
	cl_drop(c, "connect timed out");
}

static void
cl_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cl_pump(arg);
}

static void
cl_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_client *c = arg;

	(void)fd;
	(void)what;
	if (c->bev == NULL)
		sd_client_connect(c, c->host, c->port);
}

struct sd_client *
sd_client_new(struct event_base *base, struct evdns_base *dns,
    const struct sd_client_opts *opts, const struct sd_client_cbs *cbs)
{
	struct sd_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->base = base;
	c->dns = dns;
	c->opts = *opts;
	c->cbs = *cbs;
	c->file.fd = -1;
	c->next_id = 1;
	c->next_seq = 1;
	c->max_chunk = CL_CHUNK;
	c->timer = evtimer_new(base, cl_timeout_cb, c);
	c->pump_ev = event_new(base, -1, 0, cl_pump_cb, c);
	c->retry = evtimer_new(base, cl_retry_cb, c);
	c->chunk = malloc(CL_HASH_STEP);
	if (c->timer == NULL || c->pump_ev == NULL || c->retry == NULL ||
	    c->chunk == NULL) {
		sd_client_free(c);
		return NULL;
	}
	return c;
}

void
sd_client_free(struct sd_client *c)
{
	if (c == NULL)
		return;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	sd_proto_dec_done(&c->dec);
	cl_file_close(c);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->pump_ev != NULL)
		event_free(c->pump_ev);
	if (c->retry != NULL)
		event_free(c->retry);
	free(c->chunk);
	free(c);
}

int
sd_client_connect(struct sd_client *c, const char *host, int port)
{
	struct timeval tv = { c->opts.timeout ? c->opts.timeout : 10, 0 };
	struct evutil_addrinfo hints, *ai = NULL;
	int numeric;

	if (c->bev != NULL)
		return SD_ERR_INVAL;
	evtimer_del(c->retry);
	if (host != c->host) {
		snprintf(c->host, sizeof(c->host), "%s", host);
		c->port = port;
		c->backoff = 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	numeric = evutil_getaddrinfo(host, NULL, &hints, &ai) == 0;
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
	c->bev = c->opts.tls != NULL ? sd_ctls_bev_new(c->opts.tls, c->base,
	    host) : bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		return SD_ERR_NOMEM;
	sd_proto_dec_init(&c->dec, NULL);
	c->welcomed = 0;
	bufferevent_setcb(c->bev, cl_read_cb, cl_write_cb, cl_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CL_HIGH / 2, 0);
	/* A file streams in large writes: libevent's 16 KiB a call
	 * would cost a loop turn and a syscall per 16 KiB. */
	bufferevent_set_max_single_write(c->bev, CL_CHUNK);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	cl_set_state(c, numeric ? SD_CLIENT_CONNECTING : SD_CLIENT_RESOLVING,
	    NULL);
	evtimer_add(c->timer, &tv);
	/* Resolves without blocking (evdns) and connects. */
	if (bufferevent_socket_connect_hostname(c->bev, c->dns, AF_UNSPEC,
	    host, port) != 0) {
		cl_drop(c, "cannot start connecting");
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

void
sd_client_close(struct sd_client *c, int graceful)
{
	evtimer_del(c->retry);
	if (c->bev == NULL)
		return;
	if (graceful && evbuffer_get_length(bufferevent_get_output(c->bev)))
		cl_set_state(c, SD_CLIENT_CLOSING, NULL);
	if (c->tls_up)
		sd_tlsu_close_notify(c->bev);
	cl_disconnect(c, "disconnected", 0);
}

int
sd_client_set_tls(struct sd_client *c, struct sd_ctls *tls)
{
	if (c->bev != NULL)
		return SD_ERR_INVAL;
	c->opts.tls = tls;
	return SD_OK;
}

void
sd_client_set_reconnect(struct sd_client *c, int on)
{
	c->opts.reconnect = on;
	if (!on)
		evtimer_del(c->retry);
}

enum sd_client_state
sd_client_state(const struct sd_client *c)
{
	return c->state;
}

const struct sd_ctls_info *
sd_client_tls(const struct sd_client *c)
{
	return c->tls_up ? &c->tls_info : NULL;
}

size_t
sd_client_pending(const struct sd_client *c)
{
	return c->bev != NULL ?
	    evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

int
sd_client_send_text(struct sd_client *c, const char *text, size_t len,
    uint32_t *id)
{
	struct sd_legacy_msg lm = { SD_SID_MSG, { 0 }, SD_EVT_MSG, text,
	    (uint32_t)len };
	struct sd_msg m = { c->next_id, text, (uint32_t)len };
	size_t n, need = len + 32;
	uint8_t *buf = malloc(need);
	int rc;

	if (buf == NULL)
		return SD_ERR_NOMEM;
	memcpy(lm.dev, c->opts.dev, SD_MAC_LEN);
	if (c->opts.legacy)
		rc = sd_proto_enc_legacy_msg(buf, need, &lm, &n);
	else
		rc = sd_proto_enc_msg(buf, need, &m, &n);
	if (rc == SD_OK)
		cl_write(c, buf, n);
	free(buf);
	*id = c->opts.legacy ? 0 : c->next_id++;
	return rc;
}

/* The legacy extension code the original client sent for path: it
 * took the text after the first dot of the (dialog's absolute) path up
 * to the next; so here of the file's name: "a.tar.gz" is "tar", 10. */
static uint8_t
cl_ext_code(const char *path)
{
	const char *base = strrchr(path, '/'), *ext;

	base = base != NULL ? base + 1 : path;
	ext = strchr(base, '.');
	if (ext == NULL)
		return sd_proto_ext_code(NULL, 0);
	ext++;
	return sd_proto_ext_code(ext, strcspn(ext, "."));
}

/* The identity of a file for resuming: its path, size and mtime. */
static uint64_t
cl_file_key(const char *path, const struct stat *st)
{
	char real[PATH_MAX], buf[PATH_MAX + 64];
	int n;

	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	n = snprintf(buf, sizeof(buf), "%s|%lld|%lld", real,
	    (long long)st->st_size, (long long)st->st_mtime);
	return XXH3_64bits(buf, (size_t)n);
}

int
sd_client_send_file(struct sd_client *c, const char *path,
    char err[SD_ERR_LEN])
{
	struct sd_legacy_file lf = { { 0 }, 0, 0 };
	const char *base = strrchr(path, '/');
	uint8_t buf[400];
	struct stat st;
	size_t n;

	if (c->file.fd >= 0) {
		snprintf(err, SD_ERR_LEN, "a file is already being sent");
		return SD_ERR_INVAL;
	}
	/* A legacy frame cannot wait for a connection: its header and its
	 * body must go out on the same one. */
	if (c->opts.legacy && c->bev == NULL) {
		snprintf(err, SD_ERR_LEN, "not connected");
		return SD_ERR_INVAL;
	}
	c->file.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->file.fd < 0 || fstat(c->file.fd, &st) != 0 ||
	    !S_ISREG(st.st_mode)) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path,
		    c->file.fd < 0 ? strerror(errno) : "not a regular file");
		cl_file_close(c);
		return SD_ERR_INVAL;
	}
	snprintf(c->file.name, sizeof(c->file.name), "%s",
	    base != NULL ? base + 1 : path);
	c->file.size = (uint64_t)st.st_size;
	if (c->opts.legacy) {
		if (c->file.size > SD_PROTO_MAX_FILE) {
			snprintf(err, SD_ERR_LEN, "%.200s: over 4 GiB, which "
			    "the legacy format cannot carry", path);
			cl_file_close(c);
			return SD_ERR_TOOBIG;
		}
		memcpy(lf.dev, c->opts.dev, SD_MAC_LEN);
		lf.ext = cl_ext_code(path);
		lf.size = (uint32_t)c->file.size;
		sd_proto_enc_legacy_file(buf, sizeof(buf), &lf, &n);
		cl_write(c, buf, n);
		c->file.accepted = 1;
		cl_pump(c);
		return SD_OK;
	}
	c->file.hash = XXH3_createState();
	if (c->file.hash == NULL || XXH3_64bits_reset(c->file.hash)) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		cl_file_close(c);
		return SD_ERR_NOMEM;
	}
	c->file.xfer = c->next_id++;
	c->file.key = cl_file_key(path, &st);
	cl_offer(c);
	return SD_OK;
}

void
sd_client_cancel_file(struct sd_client *c)
{
	struct sd_file_cancel k = { c->file.xfer };
	uint8_t buf[16];
	size_t n;

	if (c->file.fd < 0)
		return;
	if (c->opts.legacy) {
		/* The frame's header promised every byte of the file. */
		cl_file_close(c);
		cl_drop(c, "closed to cancel the file (a legacy frame "
		    "cannot be cut short)");
		return;
	}
	if (c->welcomed && c->bev != NULL &&
	    sd_proto_enc_file_cancel(buf, sizeof(buf), &k, &n) == SD_OK)
		cl_write(c, buf, n);
	cl_file_close(c);
}

const char *
sd_client_file_name(const struct sd_client *c)
{
	return c->file.fd >= 0 ? c->file.name : NULL;
}

/* Hash the part of the file the server already holds, a step a turn. */
static int
cl_hash_prefix(struct sd_client *c)
{
	struct cl_file *f = &c->file;
	uint64_t want = f->off - f->hashed;
	ssize_t r;

	if (want > CL_HASH_STEP)
		want = CL_HASH_STEP;
	r = pread(f->fd, c->chunk, (size_t)want, (off_t)f->hashed);
	if (r <= 0) {
		cl_error(c, 0, "cannot read the file again to resume");
		return -1;
	}
	XXH3_64bits_update(f->hash, c->chunk, (size_t)r);
	f->hashed += (uint64_t)r;
	/* Next turn: another step, or the first chunk once hashed. */
	event_active(c->pump_ev, EV_TIMEOUT, 0);
	return 0;
}

/* The file's end: FILE_END with the checksum (extension protocol). */
static void
cl_file_end(struct sd_client *c)
{
	struct sd_file_end e = { c->file.xfer, c->file.size,
	    XXH3_64bits_digest(c->file.hash) };
	uint8_t buf[32];
	size_t n;

	c->file.ended = 1;
	if (sd_proto_enc_file_end(buf, sizeof(buf), &e, &n) == SD_OK)
		cl_write(c, buf, n);
}

/* Queue more of the file while the socket takes it. */
static void
cl_pump(struct sd_client *c)
{
	struct cl_file *f = &c->file;
	struct sd_file_chunk k;
	uint8_t hdr[32];
	size_t n, want;
	ssize_t r;

	if (c->bev == NULL || f->fd < 0 || !f->accepted || f->ended)
		return;
	if (f->hash != NULL && f->hashed < f->off) {
		cl_hash_prefix(c);
		return;
	}
	while (f->off < f->size && sd_client_pending(c) < CL_HIGH) {
		want = c->opts.legacy ? CL_CHUNK : c->max_chunk;
		if (want > f->size - f->off)
			want = (size_t)(f->size - f->off);
		r = pread(f->fd, c->chunk, want, (off_t)f->off);
		if (r <= 0) {
			cl_error(c, 0, "the file could not be read");
			cl_drop(c, "file read failed");
			return;
		}
		if (!c->opts.legacy) {
			k.xfer = f->xfer;
			k.offset = f->off;
			k.len = (uint32_t)r;
			sd_proto_enc_file_chunk(hdr, sizeof(hdr), &k, &n);
			cl_write(c, hdr, n);
			XXH3_64bits_update(f->hash, c->chunk, (size_t)r);
			f->hashed += (uint64_t)r;
		}
		cl_write(c, c->chunk, (size_t)r);
		f->off += (uint64_t)r;
		if (c->cbs.progress != NULL)
			c->cbs.progress(f->off, f->size, c->cbs.arg);
	}
	if (f->off == f->size) {
		if (c->opts.legacy)
			cl_file_close(c);	/* the server answers in text */
		else
			cl_file_end(c);
	}
}

static int64_t
cl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
sd_client_send_readings(struct sd_client *c, const double *v, size_t n,
    const char *channel, uint64_t *seq)
{
	struct sd_legacy_sensor ls;
	struct sd_reading r = { 0, 0, channel, 0 };
	struct sd_batch_enc b;
	uint8_t buf[SD_PROTO_MAX_BATCH];
	int64_t now = cl_now_ns();
	size_t i, len;

	*seq = 0;
	if (c->opts.legacy) {
		memcpy(ls.dev, c->opts.dev, SD_MAC_LEN);
		for (i = 0; i < n; i++) {
			ls.value = (float)v[i];
			sd_proto_enc_legacy_sensor(buf, sizeof(buf), &ls, &len);
			cl_write(c, buf, len);
		}
		return SD_OK;
	}
	r.chan_len = channel != NULL ? (uint8_t)strnlen(channel, 255) : 0;
	for (i = 0; i < n;) {
		*seq = c->next_seq++;
		sd_proto_batch_begin(&b, buf, sizeof(buf), *seq, c->opts.dev);
		for (; i < n; i++) {
			r.value = v[i];
			/* Client time, one ns apart: no two readings share a
			 * timestamp downstream. */
			r.ts_ns = now + (int64_t)i;
			if (sd_proto_batch_add(&b, &r) != SD_OK)
				break;
		}
		len = sd_proto_batch_finish(&b);
		cl_write(c, buf, len);
	}
	return SD_OK;
}

/* The original client walked the host's interfaces in the system's
 * order and kept the last hardware address it saw: here the last link
 * (getifaddrs lists them by index) that is not the loopback and has a
 * 6-byte address other than zero. */
int
sd_client_pick_device(const struct ifaddrs *list, uint8_t dev[SD_MAC_LEN])
{
	static const uint8_t zero[SD_MAC_LEN];
	const struct ifaddrs *i;
	const struct sockaddr_ll *sll;
	int rc = SD_ERR_INVAL;

	for (i = list; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL ||
		    i->ifa_addr->sa_family != AF_PACKET ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		sll = (const struct sockaddr_ll *)(const void *)i->ifa_addr;
		if (sll->sll_halen != SD_MAC_LEN ||
		    memcmp(sll->sll_addr, zero, SD_MAC_LEN) == 0)
			continue;
		memcpy(dev, sll->sll_addr, SD_MAC_LEN);
		rc = SD_OK;
	}
	return rc;
}

int
sd_client_default_device(uint8_t dev[SD_MAC_LEN])
{
	struct ifaddrs *ifa;
	int rc;

	if (getifaddrs(&ifa) != 0)
		return SD_ERR_INVAL;
	rc = sd_client_pick_device(ifa, dev);
	freeifaddrs(ifa);
	return rc;
}
