/*
 * sd_sink_influx.c: the InfluxDB sink (see sd_sink_influx.h).
 *
 * Batches are runs of whole lines read from the spool, in order. Up to
 * --influx-parallel of them are in flight at once, each on its own
 * keep-alive connection (InfluxDB parses requests on several cores). The
 * cursor moves past a batch once it and every batch before it are done.
 *
 * A batch is sent as a stack of line ranges: at first one range, the
 * whole batch; a 400 on a range of several lines replaces it with its
 * two halves; a 400 on a single line rejects that line.
 */
#include <curl/curl.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_lineproto.h"
#include "sd_prio.h"
#include "sd_sink.h"
#include "sd_sink_influx.h"
#include "sd_spool.h"

#define IX_READ_MAX	(4u << 20)	/* bytes read from the spool at once */
#define IX_PAR_MAX	8
#define IX_WORK_MAX	64		/* halvings: log2 of 1e6 is 20 */
#define IX_BACKOFF_MIN	100
#define IX_BACKOFF_MAX	30000
#define IX_ANSWER_MAX	1024		/* bytes of an error answer kept */

enum { B_FREE, B_FILLING, B_SENDING, B_WAITING, B_DONE };

struct ix_range {
	uint32_t	 lo;
	uint32_t	 hi;
};

struct influx;

struct ix_batch {
	struct influx		*ix;
	int			 state;
	CURL			*easy;
	struct event		*retry;
	long			 backoff_ms;
	char			*buf;		/* the batch's lines */
	size_t			 len;
	size_t			 cap;
	uint32_t		*line;		/* offsets of line starts */
	uint32_t		 nlines;
	size_t			 line_cap;
	struct sd_spool_pos	 end;		/* after the batch */
	int64_t			 first_mono;	/* when its first line came */
	int64_t			 first_ts;	/* its first line's timestamp */
	struct ix_range		 work[IX_WORK_MAX];
	size_t			 nwork;
	unsigned char		*gz;		/* compressed body */
	size_t			 gz_cap;
	char			 answer[IX_ANSWER_MAX];
	size_t			 answer_len;
	char			 curl_err[CURL_ERROR_SIZE];
};

struct influx {
	struct sd_sink		 base;		/* first */
	const struct sd_sink_influx_opts *o;
	struct event_base	*evb;
	CURLM			*multi;
	struct curl_slist	*headers;
	char			*url;
	char			 rejects[4096];	/* path of rejects.lp */
	struct event		*curl_timer;
	struct event		*wake;		/* a partial batch's age */
	struct ix_batch		 b[IX_PAR_MAX];
	int			 npar;
	int			 head;		/* oldest batch in use */
	int			 count;		/* batches in use */
};

static void ix_kick(struct sd_sink *s);
static void ix_kick_fill(struct influx *ix);
static void ix_send(struct ix_batch *b);
static void ix_check_done(struct influx *ix);

/* libcurl and the loop. */

static void
ix_socket_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct influx *ix = arg;
	int running, action = 0;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(ix->multi, fd, action, &running);
	ix_check_done(ix);
}

static int
ix_curl_socket(CURL *e, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct influx *ix = userp;
	struct event *ev = socketp;
	short kind = EV_PERSIST;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(ix->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, ix->evb, s, kind, ix_socket_cb, ix);
	} else {
		ev = event_new(ix->evb, s, kind, ix_socket_cb, ix);
		if (ev == NULL)
			return -1;
		curl_multi_assign(ix->multi, s, ev);
	}
	/* Bytes on a socket take turns with the clients' (sd_prio.h). */
	sd_prio_event(ev, SD_PRIO_CLIENT);
	event_add(ev, NULL);
	return 0;
}

static void
ix_timeout_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct influx *ix = arg;
	int running;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(ix->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	ix_check_done(ix);
}

static int
ix_curl_timer(CURLM *m, long ms, void *userp)
{
	struct influx *ix = userp;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	(void)m;
	if (ms < 0)
		evtimer_del(ix->curl_timer);
	else
		evtimer_add(ix->curl_timer, &tv);
	return 0;
}

static size_t
ix_answer_cb(char *p, size_t size, size_t n, void *arg)
{
	struct ix_batch *b = arg;
	size_t len = size * n, room = sizeof(b->answer) - 1 - b->answer_len;

	if (len < room)
		room = len;
	memcpy(b->answer + b->answer_len, p, room);
	b->answer_len += room;
	b->answer[b->answer_len] = '\0';
	return len;
}

/* Filling a batch. */

static int
ix_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return SD_OK;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (np == NULL)
		return SD_ERR_NOMEM;
	*p = np;
	*cap = ncap;
	return SD_OK;
}

/* Index the lines of buf[from..len). */
static int
ix_index(struct ix_batch *b, size_t from)
{
	size_t i;

	for (i = from; i < b->len; i++) {
		if (i != from && b->buf[i - 1] != '\n')
			continue;
		if (ix_grow((void **)&b->line, &b->line_cap, b->nlines + 1,
		    sizeof(*b->line)) != SD_OK)
			return SD_ERR_NOMEM;
		b->line[b->nlines++] = (uint32_t)i;
	}
	return SD_OK;
}

static size_t
ix_line_end(const struct ix_batch *b, uint32_t i)
{
	return i + 1 < b->nlines ? b->line[i + 1] : b->len;
}

/* Read more lines into b, up to --influx-batch of them. */
static int
ix_fill(struct ix_batch *b)
{
	struct influx *ix = b->ix;
	struct sd_spool_reader *r = &ix->base.rd;
	size_t got, from = b->len;
	struct sd_spool_pos start;
	char err[SD_ERR_LEN];

	if (b->nlines >= ix->o->batch)
		return SD_OK;
	if (ix_grow((void **)&b->buf, &b->cap, b->len + IX_READ_MAX, 1))
		return SD_ERR_NOMEM;
	if (sd_spool_reader_read(r, b->buf + b->len, IX_READ_MAX, &got,
	    &start, err) != SD_OK) {
		sd_sink_set_state(&ix->base, SD_SINK_FAILING, err);
		return SD_ERR_INVAL;
	}
	if (got == 0)
		return SD_OK;
	b->len += got;
	if (ix_index(b, from) != SD_OK)
		return SD_ERR_NOMEM;
	if (b->nlines > ix->o->batch) {
		/* Give back what is past the batch: it is read again. */
		b->nlines = (uint32_t)ix->o->batch;
		b->len = b->line[b->nlines];
		r->pos.seq = start.seq;
		r->pos.off = start.off + (b->len - from);
	}
	if (from == 0) {
		b->first_mono = sd_mono_ns();
		if (sd_lp_line_ts(b->buf, ix_line_end(b, 0), &b->first_ts) !=
		    SD_OK)
			b->first_ts = 0;
	}
	b->end = r->pos;
	return SD_OK;
}

/* Answers. */

/* rejects.lp for appending: created 0640, never through a link. */
static FILE *
ix_rejects_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	FILE *fp = fd >= 0 ? fdopen(fd, "a") : NULL;

	if (fp == NULL && fd >= 0)
		close(fd);
	return fp;
}

/* Write a refused line to rejects.lp with the reason above it. */
static void
ix_reject(struct ix_batch *b, uint32_t i, long code)
{
	FILE *fp = ix_rejects_open(b->ix->rejects);
	size_t s = b->line[i], e = ix_line_end(b, i), k;
	char why[SD_ERR_LEN];

	for (k = 0; k < b->answer_len; k++) {
		if (b->answer[k] == '\n')
			b->answer[k] = ' ';
	}
	snprintf(why, sizeof(why), "HTTP %ld: %.200s", code, b->answer);
	if (fp != NULL) {
		fprintf(fp, "# %s\n", why);
		fwrite(b->buf + s, 1, e - s, fp);
		fclose(fp);
	}
	sd_sink_rejected(&b->ix->base, 1, why);
}

/* Delivery of b's top range failed in a way that may pass: try again
 * later, waiting longer each time. */
static void
ix_retry(struct ix_batch *b, const char *why)
{
	struct timeval tv;

	b->ix->base.retries++;
	sd_sink_set_state(&b->ix->base, SD_SINK_FAILING, why);
	b->backoff_ms = b->backoff_ms ? b->backoff_ms * 2 : IX_BACKOFF_MIN;
	if (b->backoff_ms > IX_BACKOFF_MAX)
		b->backoff_ms = IX_BACKOFF_MAX;
	tv.tv_sec = b->backoff_ms / 1000;
	tv.tv_usec = (b->backoff_ms % 1000) * 1000;
	b->state = B_WAITING;
	evtimer_add(b->retry, &tv);
}

static void
ix_retry_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct ix_batch *b = arg;

	(void)fd;
	(void)kind;
	ix_send(b);
}

/* b's top range is through (delivered or rejected). */
static void
ix_pop(struct ix_batch *b)
{
	if (--b->nwork > 0) {
		ix_send(b);
		return;
	}
	b->state = B_DONE;
	ix_kick(&b->ix->base);
}

/* The range r of b is delivered: each line's age into the histogram
 * (work the sink does per line anyway: a scan back from its end). */
static void
ix_observe(struct ix_batch *b, struct ix_range r)
{
	int64_t now = sd_now_ns();
	uint32_t i;

	for (i = r.lo; i < r.hi; i++)
		sd_sink_observe(&b->ix->base, b->buf + b->line[i],
		    ix_line_end(b, i) - b->line[i], now);
}

/* Handle InfluxDB's answer to b's top range. */
static void
ix_answer(struct ix_batch *b, CURLcode rc, long code)
{
	struct ix_range top = b->work[b->nwork - 1], mid;
	int bad = code == 400 || code == 413 || code == 422;
	char why[SD_ERR_LEN];

	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", b->curl_err[0] ?
		    b->curl_err : curl_easy_strerror(rc));
		ix_retry(b, why);
		return;
	}
	if (code >= 200 && code < 300) {
		b->backoff_ms = 0;
		ix_observe(b, top);
		sd_sink_delivered(&b->ix->base, top.hi - top.lo);
		ix_pop(b);
		return;
	}
	if (bad && top.hi - top.lo > 1 && b->nwork < IX_WORK_MAX) {
		/* Narrow it down: the two halves, first half on top. */
		mid.lo = top.lo + (top.hi - top.lo) / 2;
		mid.hi = top.hi;
		b->work[b->nwork - 1] = mid;
		b->work[b->nwork].lo = top.lo;
		b->work[b->nwork].hi = mid.lo;
		b->nwork++;
		ix_send(b);
		return;
	}
	if (bad && top.hi - top.lo == 1) {
		ix_reject(b, top.lo, code);
		ix_pop(b);
		return;
	}
	/* 5xx, 429, and 4xx that no line causes (a bad token, a missing
	 * database): said once by the state change, retried with backoff. */
	snprintf(why, sizeof(why), "HTTP %ld: %.200s", code, b->answer);
	ix_retry(b, why);
}

static void
ix_check_done(struct influx *ix)
{
	struct ix_batch *b;
	CURLMsg *m;
	int left;
	long code = 0;

	while ((m = curl_multi_info_read(ix->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &b);
		curl_multi_remove_handle(ix->multi, m->easy_handle);
		ix_answer(b, m->data.result, code);
	}
}

/* Sending. */

/* Compress into b->gz; its length, or 0 on failure. */
static size_t
ix_gzip(struct ix_batch *b, const char *buf, size_t len)
{
	z_stream z;
	size_t bound = compressBound((uLong)len) + 32, out;

	if (ix_grow((void **)&b->gz, &b->gz_cap, bound, 1) != SD_OK)
		return 0;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	z.next_out = b->gz;
	z.avail_out = (uInt)b->gz_cap;
	out = deflate(&z, Z_FINISH) == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return out;
}

/* Post b's top range. */
static void
ix_send(struct ix_batch *b)
{
	struct ix_range top = b->work[b->nwork - 1];
	const char *body = b->buf + b->line[top.lo];
	size_t len = ix_line_end(b, top.hi - 1) - b->line[top.lo];

	if (b->ix->o->gzip) {
		len = ix_gzip(b, body, len);
		body = (const char *)b->gz;
		if (len == 0) {
			ix_retry(b, "cannot compress the batch");
			return;
		}
	}
	b->answer_len = 0;
	b->answer[0] = '\0';
	b->curl_err[0] = '\0';
	curl_easy_setopt(b->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(b->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	b->state = B_SENDING;
	if (curl_multi_add_handle(b->ix->multi, b->easy) != CURLM_OK)
		ix_retry(b, "cannot start a request");
}

/* The cursor moves over the run of done batches at the head, and is
 * saved at the end of the run: a kill then re-sends no more than the
 * batches in flight (SPEC-sinks.md, 57). */
static void
ix_advance(struct influx *ix)
{
	struct ix_batch *b;
	uint32_t n;
	int last;

	while (ix->count > 0 && ix->b[ix->head].state == B_DONE) {
		b = &ix->b[ix->head];
		n = b->nlines;
		b->state = B_FREE;
		b->len = 0;
		b->nlines = 0;
		ix->head = (ix->head + 1) % ix->npar;
		ix->count--;
		last = ix->count == 0 || ix->b[ix->head].state != B_DONE;
		sd_spool_reader_ack(&ix->base.rd, &b->end, n, last);
	}
}

/* Start b when it is full or old enough; else wake when it is old. */
static int
ix_start_if_due(struct influx *ix, struct ix_batch *b)
{
	int64_t age = (sd_mono_ns() - b->first_mono) / 1000000;
	long left;

	if (b->nlines < ix->o->batch &&
	    age < (int64_t)ix->o->flush_ms) {
		left = (long)ix->o->flush_ms - (long)age;
		if (!evtimer_pending(ix->wake, NULL)) {
			struct timeval tv = { left / 1000,
			    (left % 1000) * 1000 };

			evtimer_add(ix->wake, &tv);
		}
		return 0;
	}
	b->work[0].lo = 0;
	b->work[0].hi = b->nlines;
	b->nwork = 1;
	ix_send(b);
	return 1;
}

/* New lines, a batch done, or the wake timer: send what is due. */
static void
ix_kick(struct sd_sink *s)
{
	struct influx *ix = (struct influx *)s;

	ix_kick_fill(ix);
	/* The first reading not delivered leads the oldest batch. */
	s->oldest_ts = ix->count > 0 ? ix->b[ix->head].first_ts : 0;
}

/* ix_kick's work: move the cursor, fill and start batches. */
static void
ix_kick_fill(struct influx *ix)
{
	struct ix_batch *b;
	int tail;

	ix_advance(ix);
	for (;;) {
		tail = (ix->head + ix->count - 1 + ix->npar) % ix->npar;
		if (ix->count > 0 && ix->b[tail].state == B_FILLING)
			b = &ix->b[tail];
		else if (ix->count < ix->npar) {
			b = &ix->b[(ix->head + ix->count) % ix->npar];
			b->state = B_FILLING;
			ix->count++;
		} else
			return;		/* every batch is in flight */
		if (ix_fill(b) != SD_OK || b->nlines == 0) {
			if (b->nlines == 0) {
				b->state = B_FREE;
				ix->count--;
			}
			return;
		}
		if (!ix_start_if_due(ix, b))
			return;
	}
}

static void
ix_wake_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct influx *ix = arg;
	int tail = (ix->head + ix->count - 1 + ix->npar) % ix->npar;

	(void)fd;
	(void)kind;
	if (ix->count > 0 && ix->b[tail].state == B_FILLING)
		ix->b[tail].first_mono = 0;	/* old enough: send it */
	ix_kick(&ix->base);
}

/* Setting up and tearing down. */

static void
ix_free(struct sd_sink *s)
{
	struct influx *ix = (struct influx *)s;
	struct ix_batch *b;
	int i;

	for (i = 0; i < IX_PAR_MAX; i++) {
		b = &ix->b[i];
		if (b->easy != NULL) {
			if (b->state == B_SENDING)
				curl_multi_remove_handle(ix->multi, b->easy);
			curl_easy_cleanup(b->easy);
		}
		if (b->retry != NULL)
			event_free(b->retry);
		free(b->buf);
		free(b->line);
		free(b->gz);
	}
	if (ix->multi != NULL)
		curl_multi_cleanup(ix->multi);
	curl_slist_free_all(ix->headers);
	if (ix->curl_timer != NULL)
		event_free(ix->curl_timer);
	if (ix->wake != NULL)
		event_free(ix->wake);
	sd_sink_done(&ix->base);
	free(ix->url);
	free(ix);
}

static const struct sd_sink_ops ix_ops = {
	.name = "influx",
	.kick = ix_kick,
	.free = ix_free,
};

/* The write URL and headers of the configured API version. */
static int
ix_endpoint(struct influx *ix, CURL *e, char err[SD_ERR_LEN])
{
	const struct sd_sink_influx_opts *o = ix->o;
	char *a, *b, hdr[512];
	size_t n = strlen(o->url) + 1024;
	size_t base = strlen(o->url);

	while (base > 0 && o->url[base - 1] == '/')
		base--;
	ix->url = malloc(n);
	if (ix->url == NULL)
		goto nomem;
	if (o->db != NULL) {
		a = curl_easy_escape(e, o->db, 0);
		snprintf(ix->url, n, "%.*s/write?db=%s&precision=ns",
		    (int)base, o->url, a != NULL ? a : "");
		curl_free(a);
	} else {
		a = curl_easy_escape(e, o->org, 0);
		b = curl_easy_escape(e, o->bucket, 0);
		snprintf(ix->url, n, "%.*s/api/v2/write?org=%s&bucket=%s"
		    "&precision=ns", (int)base, o->url,
		    a != NULL ? a : "", b != NULL ? b : "");
		curl_free(a);
		curl_free(b);
		snprintf(hdr, sizeof(hdr), "Authorization: Token %.400s",
		    o->token);
		ix->headers = curl_slist_append(ix->headers, hdr);
	}
	ix->headers = curl_slist_append(ix->headers,
	    "Content-Type: text/plain; charset=utf-8");
	if (o->gzip)
		ix->headers = curl_slist_append(ix->headers,
		    "Content-Encoding: gzip");
	/* No "Expect: 100-continue" round trip before each body. */
	ix->headers = curl_slist_append(ix->headers, "Expect:");
	if (ix->headers == NULL)
		goto nomem;
	return SD_OK;
nomem:
	snprintf(err, SD_ERR_LEN, "out of memory");
	return SD_ERR_NOMEM;
}

/* One easy handle per batch slot, reused so its connection stays open. */
static int
ix_setup_batch(struct influx *ix, struct ix_batch *b)
{
	const struct sd_sink_influx_opts *o = ix->o;
	CURL *e = curl_easy_init();

	b->ix = ix;
	b->easy = e;
	b->retry = evtimer_new(ix->evb, ix_retry_cb, b);
	if (e == NULL || b->retry == NULL)
		return SD_ERR_NOMEM;
	sd_prio_event(b->retry, SD_PRIO_BACKEND);
	curl_easy_setopt(e, CURLOPT_URL, ix->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, ix->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)o->timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)o->timeout);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ix_answer_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_PRIVATE, b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, b->curl_err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sockdeckd/" SD_VERSION);
	if (o->user != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
		    o->password != NULL ? o->password : "");
	}
	return SD_OK;
}

struct sd_sink *
sd_sink_influx_new(struct event_base *base,
    const struct sd_sink_influx_opts *o, const char *dir,
    struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN])
{
	struct influx *ix = calloc(1, sizeof(*ix));
	CURL *probe = NULL;
	int i, ok;

	if (ix == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, SD_ERR_LEN, "--influx-url: cannot start libcurl");
		free(ix);
		return NULL;
	}
	if (sd_sink_init(&ix->base, &ix_ops, sp, range, events,
	    err) != SD_OK) {
		free(ix);
		return NULL;
	}
	ix->o = o;
	ix->evb = base;
	ix->npar = (int)o->parallel;
	snprintf(ix->rejects, sizeof(ix->rejects), "%.4000s/sensors/"
	    "rejects.lp", dir);
	ix->multi = curl_multi_init();
	ix->curl_timer = evtimer_new(base, ix_timeout_cb, ix);
	ix->wake = evtimer_new(base, ix_wake_cb, ix);
	sd_prio_event(ix->curl_timer, SD_PRIO_BACKEND);
	sd_prio_event(ix->wake, SD_PRIO_BACKEND);
	probe = curl_easy_init();
	ok = ix->multi != NULL && ix->curl_timer != NULL &&
	    ix->wake != NULL && probe != NULL &&
	    ix_endpoint(ix, probe, err) == SD_OK;
	for (i = 0; ok && i < ix->npar; i++)
		ok = ix_setup_batch(ix, &ix->b[i]) == SD_OK;
	if (probe != NULL)
		curl_easy_cleanup(probe);
	if (!ok) {
		snprintf(err, SD_ERR_LEN, "--influx-url: cannot set up");
		ix_free(&ix->base);
		return NULL;
	}
	curl_multi_setopt(ix->multi, CURLMOPT_SOCKETFUNCTION, ix_curl_socket);
	curl_multi_setopt(ix->multi, CURLMOPT_SOCKETDATA, ix);
	curl_multi_setopt(ix->multi, CURLMOPT_TIMERFUNCTION, ix_curl_timer);
	curl_multi_setopt(ix->multi, CURLMOPT_TIMERDATA, ix);
	return &ix->base;
}
