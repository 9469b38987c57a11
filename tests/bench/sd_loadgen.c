/*
 * sd_loadgen.c: the benchmarks' load generator. N connections from one
 * thread with poll(2), each speaking one of:
 *
 *   legacy  17-byte legacy sensor frames, then a barrier: a legacy
 *           message whose reply says every frame before it was handled
 *   ext     HELLO, SENSOR_BATCH frames of --batch readings, every ack
 *   echo    legacy message round trips, one at a time per connection
 *   mqtt    CONNECT, QoS 0 PUBLISH packets of 17 bytes (an 11-byte
 *           payload, as a legacy frame's), then PINGREQ as the barrier
 *   lines   text lines "aa:bb:cc:dd:ee:NN VALUE\n" (no barrier)
 *   idle    open the connections, one echo on the last, then hold them;
 *           while held, a line "echo K" on stdin asks for K round trips,
 *           one at a time, each on a connection drawn at random from
 *           the whole set: one JSON line of their times, and how many
 *           connections are still open (none closed, none readable)
 *   handshake  TLS only: connect, complete the handshake, send
 *           close_notify and close, over and over on each of the N
 *           connections, for --seconds: handshakes/s and their times
 *
 * at a total --rate or flat out. With --tls every connection speaks TLS
 * (OpenSSL, a context of its own: no session is ever resumed), and its
 * handshake completes before the clock starts (but in handshake mode);
 * the server's certificate is not verified unless --tls-ca names a CA
 * file, so the figures measure the server, not the client's checks.
 * Latencies (echo round trips, batch to ack, handshakes) go into
 * log-linear buckets, HdrHistogram style: 64 sub-buckets per power of
 * two, about 1.5% precision, no samples kept.
 *
 * Usage: see usage() below. With --json it prints one JSON object on
 * stdout when done (idle: when ready); a summary goes to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "sd_err.h"
#include "sd_proto.h"
#include "sd_proto_dec.h"
#include "sd_proto_enc.h"

#define OUT_CAP		(64u << 10)	/* bytes queued per connection */
#define IN_CAP		4096		/* reply bytes kept per connection */
#define HIST_N		3776		/* buckets: see hist_index() */
#define SEQ_RING	4096		/* ext batches in flight per conn */
#define SAMPLE_MAX	10000		/* idle: round trips per "echo K" */
#define SOURCE_MAX	65000		/* --sources: 127.0.0.2 and up */
#define SAMPLE_WAIT_MS	10000		/* idle: a round trip given up */

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT	24
#endif

enum mode { M_LEGACY, M_EXT, M_ECHO, M_MQTT, M_LINES, M_IDLE,
	M_HANDSHAKE };
static const char *const mode_names[] = { "legacy", "ext", "echo", "mqtt",
	"lines", "idle", "handshake" };

/* C_TLS: TCP is up, the TLS handshake under way (--tls only). */
enum cstate { C_CONNECTING, C_TLS, C_HANDSHAKE, C_SENDING, C_BARRIER,
	C_DONE };

struct conn {
	int		 fd;
	enum cstate	 st;
	uint64_t	 sent;		/* messages queued */
	uint64_t	 acked;		/* messages confirmed */
	uint8_t		 dev[SD_MAC_LEN];
	uint8_t		*out;		/* bytes to write */
	size_t		 out_off, out_len;
	char		 in[IN_CAP];	/* reply bytes (echo, barrier) */
	size_t		 in_len;
	int64_t		 t_req;		/* echo: request sent at */
	int64_t		 t_open;	/* handshake: connect started at */
	SSL		*ssl;		/* --tls: the connection's */
	short		 want;		/* --tls, C_TLS: POLLIN or POLLOUT */
	int64_t		*t_batch;	/* ext: batch seq -> sent at */
	struct sd_proto_dec *dec;
};

struct opts {
	enum mode	 mode;
	long		 conns;
	uint64_t	 count;
	double		 rate;
	unsigned	 batch;
	unsigned	 payload;
	double		 hold;		/* idle: seconds, <0: stdin EOF */
	int		 json;
	struct sockaddr_storage sa;
	socklen_t	 salen;
	unsigned	 sources;	/* 127.0.0.2 + i % sources (0: any) */
	long		 first;		/* index of the first connection */
	int		 tls;
	const char	*tls_ca;	/* verify the server against it */
	double		 seconds;	/* handshake: the window */
};

static SSL_CTX *tls_ctx;
static int64_t window_end;		/* handshake: the window's end */
static char tls_said[160];		/* version, cipher, group */

static uint64_t hist[HIST_N];
static uint64_t hist_n, hist_max;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Values under 128 have a bucket each; above, the top 7 bits. */
static unsigned
hist_index(uint64_t v)
{
	int shift;

	if (v < 128)
		return (unsigned)v;
	shift = 63 - __builtin_clzll(v) - 6;
	return (unsigned)(shift * 64) + (unsigned)(v >> shift);
}

/* The middle of bucket i. */
static uint64_t
hist_value(unsigned i)
{
	unsigned shift;

	if (i < 128)
		return i;
	shift = i / 64 - 1;
	return ((uint64_t)(i - shift * 64) << shift) +
	    ((uint64_t)1 << shift) / 2;
}

static void
hist_add(int64_t ns)
{
	uint64_t v = ns > 0 ? (uint64_t)ns : 0;

	hist[hist_index(v)]++;
	hist_n++;
	if (v > hist_max)
		hist_max = v;
}

/* The value at quantile q, in microseconds. */
static double
hist_quantile(double q)
{
	uint64_t want = (uint64_t)((double)hist_n * q), seen = 0;
	unsigned i;

	double v;

	if (hist_n == 0)
		return 0;
	if (want >= hist_n)
		want = hist_n - 1;
	for (i = 0; i < HIST_N; i++) {
		seen += hist[i];
		if (seen > want) {
			/* A bucket's middle may lie past the largest. */
			v = (double)hist_value(i);
			return (v > (double)hist_max ? (double)hist_max : v) /
			    1e3;
		}
	}
	return (double)hist_max / 1e3;
}

static void
usage(void)
{
	fputs(
"usage: sd_loadgen [--mode legacy|ext|echo|mqtt|lines|idle|handshake]\n"
"                  [--conns N] [--count N] [--rate R] [--batch B]\n"
"                  [--payload N] [--hold S] [--sources N] [--first I]\n"
"                  [--tls] [--tls-ca FILE] [--seconds S] [--json]\n"
"                  HOST PORT\n"
"  --count N    messages per connection (readings, ext batches of B\n"
"               readings, round trips, packets, lines)\n"
"  --rate R     messages per second over all connections (0: flat out)\n"
"  --batch B    readings per ext batch (100)\n"
"  --payload N  echo: message text bytes (16)\n"
"  --hold S     idle: seconds to hold the connections (stdin EOF)\n"
"  --sources N  bind connection i to 127.0.0.2 + i mod N before its\n"
"               connect, so N x 28,000 fit the ephemeral ports (an IPv4\n"
"               target on loopback)\n"
"  --first I    number the connections from I (devices, sources): for\n"
"               several load generators on one server\n"
"  --tls        speak TLS (not with idle), each handshake done before\n"
"               the clock starts; the server is not verified unless\n"
"  --tls-ca F   names a CA file to verify it against\n"
"  --seconds S  handshake: how long to go on (5)\n",
	    stderr);
	exit(2);
}

static void
die(const char *what)
{
	fprintf(stderr, "sd_loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A TLS failure: OpenSSL's reason (or errno's), and out. */
static void
tls_die(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	fprintf(stderr, "sd_loadgen: %s: %s\n", what, e != 0 ? buf :
	    strerror(errno));
	exit(1);
}

/* The client context: no session cache (every handshake is a full
 * one), partial writes from a buffer that moves (out_room compacts). */
static void
tls_init(const struct opts *o)
{
	tls_ctx = SSL_CTX_new(TLS_client_method());
	if (tls_ctx == NULL)
		tls_die("SSL_CTX_new");
	SSL_CTX_set_session_cache_mode(tls_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->tls_ca == NULL) {
		SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
		return;
	}
	if (SSL_CTX_load_verify_locations(tls_ctx, o->tls_ca, NULL) != 1)
		tls_die(o->tls_ca);
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, NULL);
}

/* What the first handshake agreed on, for the report. */
static void
tls_note(SSL *ssl)
{
	int nid = (int)SSL_get_negotiated_group(ssl);
	const char *group = nid > 0 ? OBJ_nid2sn(nid) : NULL;

	if (tls_said[0] != '\0')
		return;
	snprintf(tls_said, sizeof(tls_said), "%s %s %s", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl), group != NULL ? group : "?");
}

/* Bytes from c: > 0, 0 at its end, -1 with errno (EAGAIN: none yet). */
static ssize_t
conn_recv(struct conn *c, void *buf, size_t n)
{
	int r, e;

	if (c->ssl == NULL)
		return recv(c->fd, buf, n, MSG_DONTWAIT);
	r = SSL_read(c->ssl, buf, (int)n);
	if (r > 0)
		return r;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		errno = EAGAIN;
	else if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && errno == 0))
		return 0;
	else if (e != SSL_ERROR_SYSCALL)
		errno = EPROTO;
	return -1;
}

/* Bytes to c: how many went, or -1 with errno (EAGAIN: none fit). */
static ssize_t
conn_send(struct conn *c, const void *buf, size_t n)
{
	int r, e;

	if (c->ssl == NULL)
		return send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	r = SSL_write(c->ssl, buf, (int)n);
	if (r > 0)
		return r;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		errno = EAGAIN;
	else if (e != SSL_ERROR_SYSCALL)
		errno = EPROTO;
	return -1;
}

/* Room in c's output buffer, after compacting what was written. */
static size_t
out_room(struct conn *c)
{
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_off > OUT_CAP / 2) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return OUT_CAP - c->out_len;
}

static void
out_put(struct conn *c, const void *p, size_t n)
{
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

/* A legacy message frame with text, queued. */
static void
put_legacy_msg(struct conn *c, const char *text, size_t len)
{
	struct sd_legacy_msg m = { SD_SID_MSG, { 0 }, SD_EVT_MSG, text,
	    (uint32_t)len };
	uint8_t buf[512];
	size_t n;

	memcpy(m.dev, c->dev, SD_MAC_LEN);
	if (sd_proto_enc_legacy_msg(buf, sizeof(buf), &m, &n) == SD_OK)
		out_put(c, buf, n);
}

/* One message of the mode's kind, queued (the caller made room). */
static void
put_one(const struct opts *o, struct conn *c, uint64_t i)
{
	struct sd_legacy_sensor ls;
	uint8_t buf[64];
	size_t n;
	int k;

	/* Values like a thermometer's: 20.00 to 29.99. */
	double v = 20.0 + (double)(i % 1000) / 100.0;

	switch (o->mode) {
	case M_MQTT:
		/* PUBLISH QoS 0, topic "sd", the legacy payload: sid, MAC,
		 * float32 LE: 2 + 4 + 11 = 17 bytes. */
		buf[0] = 0x30;
		buf[1] = 15;
		memcpy(buf + 2, "\x00\x02sd", 4);
		memcpy(&ls.dev, c->dev, SD_MAC_LEN);
		ls.value = (float)v;
		sd_proto_enc_legacy_sensor(buf + 32, 32, &ls, &n);
		memcpy(buf + 6, buf + 32 + 6, 11);
		out_put(c, buf, 17);
		break;
	case M_LINES:
		k = snprintf((char *)buf, sizeof(buf), "%02x:%02x:%02x:%02x:"
		    "%02x:%02x %.2f\n", c->dev[0], c->dev[1], c->dev[2],
		    c->dev[3], c->dev[4], c->dev[5], v);
		out_put(c, buf, (size_t)k);
		break;
	default:
		memcpy(ls.dev, c->dev, SD_MAC_LEN);
		ls.value = (float)v;
		sd_proto_enc_legacy_sensor(buf, sizeof(buf), &ls, &n);
		out_put(c, buf, n);
		break;
	}
}

/* An extension batch of o->batch readings, queued. */
static void
put_batch(const struct opts *o, struct conn *c, int64_t now)
{
	static uint8_t buf[SD_PROTO_MAX_BATCH];
	struct sd_reading r = { 0, 0, "t", 1 };
	struct sd_batch_enc b;
	uint64_t seq = c->sent / o->batch + 1;
	unsigned i;

	sd_proto_batch_begin(&b, buf, sizeof(buf), seq, c->dev);
	for (i = 0; i < o->batch; i++) {
		r.ts_ns = 0;		/* the server's clock */
		r.value = 20.0 + (double)((c->sent + i) % 1000) / 100.0;
		if (sd_proto_batch_add(&b, &r) != SD_OK)
			break;
	}
	out_put(c, buf, sd_proto_batch_finish(&b));
	c->t_batch[seq % SEQ_RING] = now;
	c->sent += i;
}

/* The text of echo request i: its number, then 'x' up to len bytes. */
static void
echo_text(uint64_t i, unsigned len, char *buf)
{
	snprintf(buf, 16, "%08llu", (unsigned long long)(i % 100000000));
	memset(buf + 8, 'x', len - 8);
}

/* Queue what c may send now: the mode's messages up to the rate and
 * the count, then the barrier. */
static void
fill(const struct opts *o, struct conn *c, int64_t now, int64_t start)
{
	double per = o->rate / (double)o->conns;
	uint64_t total = o->mode == M_EXT ? o->count * o->batch : o->count;
	uint64_t allowed = total;
	static const char ping[] = "\xc0\x00";	/* MQTT PINGREQ */
	char text[512];

	if (c->st != C_SENDING)
		return;
	if (per > 0 && start > 0) {
		allowed = (uint64_t)(per * (double)(now - start) / 1e9) + 1;
		if (o->mode == M_EXT)
			allowed *= o->batch;
		if (allowed > total)
			allowed = total;
	}
	switch (o->mode) {
	case M_ECHO:
	case M_IDLE:
		if (c->t_req != 0 || c->sent >= allowed ||
		    out_room(c) < o->payload + 64)
			return;
		echo_text(c->sent, o->payload, text);
		put_legacy_msg(c, text, o->payload);
		c->t_req = now;
		c->sent++;
		return;
	case M_EXT:
		while (c->sent < allowed && out_room(c) > o->batch * 24 + 64 &&
		    (c->sent - c->acked) / o->batch < SEQ_RING - 1)
			put_batch(o, c, now);
		break;
	default:
		while (c->sent < allowed && out_room(c) >= 64)
			put_one(o, c, c->sent++);
		break;
	}
	if (c->sent < total)
		return;
	/* Every message is queued: the barrier. */
	if (o->mode == M_LEGACY) {
		put_legacy_msg(c, "sync", 4);
		c->st = C_BARRIER;
	} else if (o->mode == M_MQTT) {
		out_put(c, ping, 2);
		c->st = C_BARRIER;
	} else if (o->mode == M_LINES) {
		c->st = C_BARRIER;	/* done once written */
	} else
		c->st = C_BARRIER;	/* ext: the last acks */
}

static void
finish(struct conn *c, const struct opts *o)
{
	c->st = C_DONE;
	if (o->mode != M_EXT && o->mode != M_ECHO && o->mode != M_IDLE)
		c->acked = c->sent;
}

/* Extension frames from the server. */
static void
read_ext(const struct opts *o, struct conn *c, const uint8_t *p, size_t n,
    int64_t now)
{
	uint64_t total = o->count * o->batch;
	struct sd_frame f;
	enum sd_dec_ev ev;
	size_t used;

	while (n > 0) {
		ev = sd_proto_dec_feed(c->dec, p, n, &used, &f);
		p += used;
		n -= used;
		if (ev == SD_DEC_NEED_MORE)
			break;
		if (ev != SD_DEC_FRAME)
			continue;
		if (f.kind == SD_K_WELCOME && c->st == C_HANDSHAKE)
			c->st = C_SENDING;
		if (f.kind == SD_K_SENSOR_ACK) {
			hist_add(now - c->t_batch[f.u.ack.seq % SEQ_RING]);
			c->acked = f.u.ack.seq * o->batch;
			if (c->acked > c->sent)
				c->acked = c->sent;
			if (c->acked >= total)
				finish(c, o);
		}
	}
}

/* Reply bytes: a text that ends as the request did is its answer. */
static void
read_text(const struct opts *o, struct conn *c, const uint8_t *p, size_t n,
    int64_t now)
{
	const char *want = c->st == C_BARRIER ? "sync" : NULL;
	char text[512];

	if (n > IN_CAP - c->in_len) {
		/* Keep the end: that is what is compared. */
		size_t drop = n - (IN_CAP - c->in_len);

		if (drop > c->in_len)
			drop = c->in_len;
		memmove(c->in, c->in + drop, c->in_len - drop);
		c->in_len -= drop;
		if (n > IN_CAP) {
			p += n - IN_CAP;
			n = IN_CAP;
		}
	}
	memcpy(c->in + c->in_len, p, n);
	c->in_len += n;
	if (want == NULL) {
		/* Echo: the reply ends with the request's whole text. */
		echo_text(c->sent - 1, o->payload, text);
		if (c->in_len < o->payload || memcmp(c->in + c->in_len -
		    o->payload, text, o->payload) != 0)
			return;
		hist_add(now - c->t_req);
		c->t_req = 0;
		c->in_len = 0;
		if (++c->acked >= o->count)
			finish(c, o);
		return;
	}
	if (c->in_len >= 4 && memcmp(c->in + c->in_len - 4, want, 4) == 0)
		finish(c, o);
}

static void
read_mqtt(const struct opts *o, struct conn *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->st == C_HANDSHAKE && p[i] == 0x20)
			c->st = C_SENDING;	/* CONNACK */
		else if (c->st == C_BARRIER && p[i] == 0xd0)
			finish(c, o);		/* PINGRESP */
	}
}

static void
on_readable(const struct opts *o, struct conn *c, int64_t now)
{
	uint8_t buf[65536];
	ssize_t r;

	/* TLS: a record read may leave whole ones in OpenSSL's buffer,
	 * which poll(2) cannot see. */
	do {
		r = conn_recv(c, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "sd_loadgen: connection %d closed by "
			    "the server\n", c->fd);
			exit(1);
		}
		if (r <= 0)
			return;
		if (o->mode == M_EXT)
			read_ext(o, c, buf, (size_t)r, now);
		else if (o->mode == M_MQTT)
			read_mqtt(o, c, buf, (size_t)r);
		else if (o->mode != M_LINES)
			read_text(o, c, buf, (size_t)r, now);
	} while (c->ssl != NULL && SSL_pending(c->ssl) > 0);
}

static void
on_writable(const struct opts *o, struct conn *c)
{
	ssize_t w;

	if (c->out_off == c->out_len)
		return;
	w = conn_send(c, c->out + c->out_off, c->out_len - c->out_off);
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		die("send");
	if (w > 0)
		c->out_off += (size_t)w;
	if (o->mode == M_LINES && c->st == C_BARRIER &&
	    c->out_off == c->out_len)
		finish(c, o);
}

/* The first words: HELLO (ext) or CONNECT (mqtt). */
static void
handshake(const struct opts *o, struct conn *c, long i)
{
	struct sd_hello h = { SD_PROTO_VERSION, SD_CAP_SENSORS, { 0 },
	    "sd_loadgen", 10, NULL, 0 };
	uint8_t buf[128];
	char id[24];
	size_t n;
	int k;

	if (o->mode == M_EXT) {
		memcpy(h.dev, c->dev, SD_MAC_LEN);
		if (sd_proto_enc_hello(buf, sizeof(buf), &h, &n) == SD_OK)
			out_put(c, buf, n);
		c->dec = calloc(1, sizeof(*c->dec));
		c->t_batch = calloc(SEQ_RING, sizeof(*c->t_batch));
		if (c->dec == NULL || c->t_batch == NULL)
			die("calloc");
		sd_proto_dec_init(c->dec, NULL);
		c->st = C_HANDSHAKE;
		return;
	}
	if (o->mode == M_MQTT) {
		/* CONNECT: MQTT 3.1.1, clean session, keep-alive 60 s. */
		k = snprintf(id, sizeof(id), "sdlg-%ld", i);
		buf[0] = 0x10;
		buf[1] = (uint8_t)(12 + k);
		memcpy(buf + 2, "\x00\x04MQTT\x04\x02\x00\x3c", 10);
		buf[12] = 0;
		buf[13] = (uint8_t)k;
		memcpy(buf + 14, id, (size_t)k);
		out_put(c, buf, 14 + (size_t)k);
		c->st = C_HANDSHAKE;
		return;
	}
	c->st = o->mode == M_IDLE ? C_DONE : C_SENDING;
}

/* Bind fd to source address 127.0.0.2 + k mod o->sources, its port
 * left to connect(): the 4-tuple, not the address, must be unique. */
static void
bind_source(const struct opts *o, int fd, long k)
{
	struct sockaddr_in src = { 0 };
	int one = 1;

	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000002u +
	    (uint32_t)(k % (long)o->sources));
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0)
		die("bind");
}

/* Open connection i (its socket, its connect under way). */
static void
conn_open(const struct opts *o, struct conn *c, long i)
{
	int one = 1;

	c->fd = socket(o->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->sources > 0)
		bind_source(o, c->fd, o->first + i);
	if (connect(c->fd, (const struct sockaddr *)&o->sa, o->salen) != 0 &&
	    errno != EINPROGRESS)
		die("connect");
	c->st = C_CONNECTING;
	c->t_open = now_ns();
	c->dev[0] = 0x02;
	c->dev[2] = (uint8_t)((o->first + i) >> 24);
	c->dev[3] = (uint8_t)((o->first + i) >> 16);
	c->dev[4] = (uint8_t)((o->first + i) >> 8);
	c->dev[5] = (uint8_t)(o->first + i);
	if (o->mode != M_IDLE && o->mode != M_HANDSHAKE && c->out == NULL)
		c->out = malloc(OUT_CAP);
	if (o->mode != M_IDLE && o->mode != M_HANDSHAKE && c->out == NULL)
		die("malloc");
}

static void
conn_connected(const struct opts *o, struct conn *c, long i)
{
	socklen_t len = sizeof(int);
	int err = 0;

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err != 0) {
		errno = err;
		die("connect");
	}
	if (!o->tls) {
		handshake(o, c, i);
		return;
	}
	c->ssl = SSL_new(tls_ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		tls_die("SSL_new");
	SSL_set_connect_state(c->ssl);
	c->st = C_TLS;
	c->want = POLLOUT;
}

/* Handshake mode: c's handshake is done (counted while the window is
 * open); close_notify, close, and connect again. */
static void
tls_again(const struct opts *o, struct conn *c, long i, int64_t now)
{
	if (now <= window_end) {
		hist_add(now - c->t_open);
		c->sent++;
		c->acked++;
	}
	SSL_shutdown(c->ssl);		/* sends close_notify, waits not */
	SSL_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
	if (now < window_end)
		conn_open(o, c, i);
	else
		c->st = C_DONE;
}

/* Go on with c's TLS handshake; once done, the mode's first words. */
static void
tls_step(const struct opts *o, struct conn *c, long i, int64_t now)
{
	int r = SSL_connect(c->ssl), e;

	if (r == 1) {
		tls_note(c->ssl);
		if (o->mode == M_HANDSHAKE)
			tls_again(o, c, i, now);
		else
			handshake(o, c, i);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		c->want = POLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		c->want = POLLOUT;
	else
		tls_die("TLS handshake");
}

static void
raise_fd_limit(long conns)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < (rlim_t)conns + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static double
num(const char *s, double min)
{
	char *end;
	double v = strtod(s, &end);

	if (*end != '\0' || end == s || !(v >= min)) {
		fprintf(stderr, "sd_loadgen: %s: a number, at least %g\n", s,
		    min);
		exit(2);
	}
	return v;
}

static void
parse(int argc, char **argv, struct opts *o)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&o->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o->sa;
	int i, m, port;

	*o = (struct opts){ M_LEGACY, 8, 1000, 0, 100, 16, -1, 0, { 0 }, 0, 0,
	    0, 0, NULL, 5 };
	for (i = 1; i < argc - 2; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(argv[i], "--tls") == 0) {
			o->tls = 1;
			continue;
		}
		if (i + 1 >= argc - 2)
			usage();
		if (strcmp(argv[i], "--mode") == 0) {
			for (m = 0; m <= M_HANDSHAKE; m++)
				if (strcmp(argv[i + 1], mode_names[m]) == 0)
					break;
			if (m > M_HANDSHAKE)
				usage();
			o->mode = (enum mode)m;
		} else if (strcmp(argv[i], "--conns") == 0)
			o->conns = (long)num(argv[i + 1], 1);
		else if (strcmp(argv[i], "--count") == 0)
			o->count = (uint64_t)num(argv[i + 1], 1);
		else if (strcmp(argv[i], "--rate") == 0)
			o->rate = num(argv[i + 1], 0);
		else if (strcmp(argv[i], "--batch") == 0)
			o->batch = (unsigned)num(argv[i + 1], 1);
		else if (strcmp(argv[i], "--payload") == 0)
			o->payload = (unsigned)num(argv[i + 1], 9);
		else if (strcmp(argv[i], "--hold") == 0)
			o->hold = num(argv[i + 1], 0);
		else if (strcmp(argv[i], "--sources") == 0)
			o->sources = (unsigned)num(argv[i + 1], 1);
		else if (strcmp(argv[i], "--first") == 0)
			o->first = (long)num(argv[i + 1], 0);
		else if (strcmp(argv[i], "--tls-ca") == 0)
			o->tls_ca = argv[i + 1];
		else if (strcmp(argv[i], "--seconds") == 0)
			o->seconds = num(argv[i + 1], 0.001);
		else
			usage();
		i++;
	}
	if (i != argc - 2 || o->payload > 500 || o->batch > 2000 ||
	    o->sources > SOURCE_MAX)
		usage();
	/* idle's round trips on demand speak plain TCP only. */
	if ((o->tls_ca != NULL && !o->tls) || (o->tls && o->mode == M_IDLE) ||
	    (o->mode == M_HANDSHAKE && !o->tls))
		usage();
	port = (int)num(argv[argc - 1], 1);
	if (inet_pton(AF_INET, argv[argc - 2], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		o->salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[argc - 2], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		o->salen = sizeof(*s6);
	} else {
		fprintf(stderr, "sd_loadgen: %s: not an IP address\n",
		    argv[argc - 2]);
		exit(2);
	}
	if (o->sources > 0 && s4->sin_family != AF_INET) {
		fprintf(stderr, "sd_loadgen: --sources: an IPv4 target\n");
		exit(2);
	}
}

/* One JSON object (with --json) and a summary on stderr; idle: open,
 * the connections still open. */
static void
report(const struct opts *o, const struct conn *cs, double secs,
    double connect_secs, long open)
{
	uint64_t sent = 0, acked = 0;
	struct rusage ru;
	double cpu;
	long i;

	/* Its own CPU time: whether the load generator was the limit. */
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	for (i = 0; i < o->conns; i++) {
		sent += cs[i].sent;
		acked += cs[i].acked;
	}
	if (secs <= 0)
		secs = 1e-9;
	if (o->json)
		printf("{\"mode\":\"%s\",\"conns\":%ld,\"sent\":%llu,"
		    "\"acked\":%llu,\"seconds\":%.6f,\"sent_per_s\":%.1f,"
		    "\"acked_per_s\":%.1f,\"connect_seconds\":%.6f,"
		    "\"latency_us\":{\"n\":%llu,\"p50\":%.1f,\"p90\":%.1f,"
		    "\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
		    "\"open\":%ld,\"tls\":\"%s\",\"cpu_seconds\":%.3f}\n",
		    mode_names[o->mode], o->conns, (unsigned long long)sent,
		    (unsigned long long)acked, secs, (double)sent / secs,
		    (double)acked / secs, connect_secs,
		    (unsigned long long)hist_n, hist_quantile(0.5),
		    hist_quantile(0.9), hist_quantile(0.99),
		    hist_quantile(0.999), (double)hist_max / 1e3,
		    o->mode == M_IDLE ? open : o->conns, tls_said, cpu);
	fprintf(stderr, "%s: %ld conns, %llu sent, %llu acked in %.3f s: "
	    "%.0f/s; latency p50 %.1f us p99 %.1f us\n", mode_names[o->mode],
	    o->conns, (unsigned long long)sent, (unsigned long long)acked,
	    secs, (double)acked / secs, hist_quantile(0.5),
	    hist_quantile(0.99));
	fflush(stdout);
}

/* Close and free every connection. */
static void
conns_free(struct conn *cs, long n, int reset)
{
	long i;
	struct linger lg = { 1, 0 };

	/* Reset, not FIN, where every byte is confirmed (all modes but
	 * lines): thousands of TIME_WAITs left behind would hold the
	 * ephemeral ports the next run (and other tests) need. */
	for (i = 0; i < n; i++) {
		if (cs[i].fd > 0 && reset) {
			setsockopt(cs[i].fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		}
		SSL_free(cs[i].ssl);
		if (cs[i].fd > 0)
			close(cs[i].fd);
		free(cs[i].out);
		free(cs[i].t_batch);
		if (cs[i].dec != NULL)
			sd_proto_dec_done(cs[i].dec);
		free(cs[i].dec);
	}
	free(cs);
}

/* How many of the n connections are still open: none closed or reset
 * by the server, none with bytes no one asked for. */
static long
idle_open(const struct conn *cs, struct pollfd *pfd, long n)
{
	long i, open = 0;

	for (i = 0; i < n; i++) {
		pfd[i].fd = cs[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, (nfds_t)n, 0) < 0)
		die("poll");
	for (i = 0; i < n; i++)
		open += pfd[i].revents == 0;
	return open;
}

/* One legacy message round trip on c, request seq: its nanoseconds, or
 * -1 when c is closed or no answer came within SAMPLE_WAIT_MS. */
static int64_t
idle_echo(const struct opts *o, struct conn *c, uint64_t seq)
{
	struct sd_legacy_msg m = { SD_SID_MSG, { 0 }, SD_EVT_MSG, NULL, 0 };
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	uint8_t buf[600];
	char text[512];
	int64_t t0, left;
	size_t n;
	ssize_t r;

	echo_text(seq, o->payload, text);
	m.text = text;
	m.len = o->payload;
	memcpy(m.dev, c->dev, SD_MAC_LEN);
	if (sd_proto_enc_legacy_msg(buf, sizeof(buf), &m, &n) != SD_OK)
		return -1;
	c->in_len = 0;
	t0 = now_ns();
	/* An idle socket's send buffer takes a few hundred bytes whole. */
	if (send(c->fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
		return -1;
	for (;;) {
		if (c->in_len >= o->payload && memcmp(c->in + c->in_len -
		    o->payload, text, o->payload) == 0)
			return now_ns() - t0;
		if (c->in_len == IN_CAP) {
			/* Keep the end: that is what is compared. */
			memmove(c->in, c->in + IN_CAP - o->payload, o->payload);
			c->in_len = o->payload;
		}
		left = SAMPLE_WAIT_MS - (now_ns() - t0) / 1000000;
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			die("poll");
		r = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len,
		    MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (r > 0)
			c->in_len += (size_t)r;
	}
}

/* "echo K": K round trips, each on a connection drawn at random from
 * the n, one at a time; one JSON line of their microseconds (-1: not
 * answered) and of the connections still open. */
static void
idle_sample(const struct opts *o, struct conn *cs, struct pollfd *pfd,
    long n, long k)
{
	static uint64_t rnd = 0x9e3779b97f4a7c15ull;
	static uint64_t seq;
	int64_t ns;
	long i;

	printf("{\"samples_us\":[");
	for (i = 0; i < k; i++) {
		/* xorshift64: the same draw every run. */
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		ns = idle_echo(o, &cs[rnd % (uint64_t)n], seq++);
		printf("%s%.1f", i ? "," : "", ns < 0 ? -1.0 :
		    (double)ns / 1e3);
	}
	printf("],\"open\":%ld}\n", idle_open(cs, pfd, n));
	fflush(stdout);
}

/* Hold the connections: --hold seconds, or until stdin ends, answering
 * each "echo K" line on it. */
static void
hold(const struct opts *o, struct conn *cs, struct pollfd *pfd)
{
	char line[64];
	char *end;
	long k;

	if (o->hold >= 0) {
		struct timespec ts = { (time_t)o->hold, (long)((o->hold -
		    (double)(time_t)o->hold) * 1e9) };

		nanosleep(&ts, NULL);
		return;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "echo ", 5) != 0)
			continue;
		k = strtol(line + 5, &end, 10);
		if (k >= 0 && k <= SAMPLE_MAX && (*end == '\n' || !*end))
			idle_sample(o, cs, pfd, o->conns, k);
		else
			printf("{\"error\":\"echo: 0 to %d\"}\n", SAMPLE_MAX);
		fflush(stdout);
	}
}

/* Poll what each connection waits for; returns how many are done. */
static long
turn(const struct opts *o, struct conn *cs, struct pollfd *pfd, long n,
    int64_t start)
{
	int64_t now = now_ns();
	long i, done = 0;
	short ev;

	for (i = 0; i < n; i++) {
		struct conn *c = &cs[i];

		if (start > 0)
			fill(o, c, now, start);
		ev = c->st == C_CONNECTING ? POLLOUT : POLLIN;
		if (c->st != C_CONNECTING && c->out_off < c->out_len)
			ev |= POLLOUT;
		if (c->st == C_TLS)
			ev = c->want;
		pfd[i].fd = c->st == C_DONE && (o->mode == M_IDLE ||
		    o->mode == M_HANDSHAKE) ? -1 : c->fd;
		pfd[i].events = ev;
		pfd[i].revents = 0;
	}
	if (poll(pfd, (nfds_t)n, o->rate > 0 ? 1 : 100) < 0 && errno != EINTR)
		die("poll");
	now = now_ns();
	for (i = 0; i < n; i++) {
		struct conn *c = &cs[i];

		if (c->st == C_TLS) {
			if (pfd[i].revents != 0)
				tls_step(o, c, i, now);
			done += c->st == C_DONE;
			continue;
		}
		if (pfd[i].revents & (POLLERR | POLLHUP) &&
		    c->st == C_CONNECTING)
			conn_connected(o, c, i);
		else if (pfd[i].revents & POLLOUT && c->st == C_CONNECTING)
			conn_connected(o, c, i);
		else if (pfd[i].revents & POLLOUT)
			on_writable(o, c);
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR) &&
		    c->st != C_CONNECTING && c->st != C_TLS)
			on_readable(o, c, now);
		done += c->st == C_DONE;
	}
	return done;
}

/* Handshake mode: --conns connections, each reconnecting as soon as
 * its handshake is done, for --seconds from t0. */
static void
handshakes(const struct opts *o, struct conn *cs, struct pollfd *pfd,
    int64_t t0)
{
	long i;

	window_end = t0 + (int64_t)(o->seconds * 1e9);
	for (i = 0; i < o->conns; i++)
		conn_open(o, &cs[i], i);
	while (turn(o, cs, pfd, o->conns, 0) < o->conns)
		;
	report(o, cs, (double)(window_end - t0) / 1e9, 0, o->conns);
}

/* How many connections are past connecting and their handshake. */
static long
ready(const struct conn *cs, long n)
{
	long i, k = 0;

	for (i = 0; i < n; i++)
		k += cs[i].st == C_SENDING || cs[i].st == C_DONE;
	return k;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct conn *cs;
	struct pollfd *pfd;
	int64_t t0, start = 0, end;
	long opened = 0, last;

	signal(SIGPIPE, SIG_IGN);
	parse(argc, argv, &o);
	raise_fd_limit(o.conns);
	if (o.tls)
		tls_init(&o);
	cs = calloc((size_t)o.conns, sizeof(*cs));
	pfd = calloc((size_t)o.conns, sizeof(*pfd));
	if (cs == NULL || pfd == NULL)
		die("calloc");
	last = o.conns - 1;
	t0 = now_ns();
	if (o.mode == M_HANDSHAKE) {
		handshakes(&o, cs, pfd, t0);
		goto out;
	}
	/* Connect, at most 128 at a time so the listen queue keeps up. */
	while (ready(cs, opened) < o.conns) {
		while (opened < o.conns && opened - ready(cs, opened) < 128) {
			conn_open(&o, &cs[opened], opened);
			opened++;
		}
		turn(&o, cs, pfd, opened, 0);
	}
	start = now_ns();
	if (o.mode == M_IDLE) {
		/* One round trip on the last connection: still served? */
		o.count = 1;
		cs[last].out = malloc(OUT_CAP);
		if (cs[last].out == NULL)
			die("malloc");
		cs[last].st = C_SENDING;
		while (cs[last].st != C_DONE)
			turn(&o, cs, pfd, o.conns, start);
		end = now_ns();
		report(&o, cs, (double)(end - start) / 1e9,
		    (double)(start - t0) / 1e9, idle_open(cs, pfd, o.conns));
		hold(&o, cs, pfd);
		goto out;
	}
	while (turn(&o, cs, pfd, o.conns, start) < o.conns)
		;
	end = now_ns();
	report(&o, cs, (double)(end - start) / 1e9,
	    (double)(start - t0) / 1e9, o.conns);
out:
	conns_free(cs, o.conns, o.mode != M_LINES);
	free(pfd);
	SSL_CTX_free(tls_ctx);
	return 0;
}
