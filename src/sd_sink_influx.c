/*
 * sd_sink_influx.c: the InfluxDB sink (see sd_sink_influx.h).
 *
 * A batch is a run of whole lines read from the spool. It is sent as a
 * stack of line ranges: at first one range, the whole batch; a 400 on a
 * range of several lines replaces it with its two halves; a 400 on a
 * single line rejects that line. When the stack is empty the cursor moves
 * to the batch's end.
 */
#include <curl/curl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_sink.h"
#include "sd_sink_influx.h"
#include "sd_spool.h"

#define IX_READ_MAX	(4u << 20)	/* bytes read from the spool at once */
#define IX_BACKOFF_MIN	100
#define IX_BACKOFF_MAX	30000
#define IX_ANSWER_MAX	1024		/* bytes of an error answer kept */

struct ix_range {
	uint32_t	 lo;
	uint32_t	 hi;
};

struct influx {
	struct sd_sink		 base;		/* first */
	const struct sd_config	*cfg;
	struct event_base	*evb;
	CURLM			*multi;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*url;
	char			 rejects[4096];	/* path of rejects.lp */
	struct event		*curl_timer;
	struct event		*wake;		/* batch age, retry */
	int			 waiting;	/* wake is for a retry */
	int			 in_flight;

	char			*buf;		/* the batch's lines */
	size_t			 len;
	size_t			 cap;
	uint32_t		*line;		/* offsets of line starts */
	uint32_t		 nlines;
	size_t			 line_cap;
	struct sd_spool_pos	 end;		/* after the batch */
	int64_t			 first_mono;	/* when its first line came */

	struct ix_range		*work;
	size_t			 nwork;
	size_t			 work_cap;

	unsigned char		*gz;		/* compressed body */
	size_t			 gz_cap;
	char			 answer[IX_ANSWER_MAX];
	size_t			 answer_len;
	char			 curl_err[CURL_ERROR_SIZE];
	long			 backoff_ms;
};

static void ix_kick(struct sd_sink *s);
static void ix_send(struct influx *ix);

/* libcurl and the loop. */

static void
ix_check_done(struct influx *ix);

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
	struct influx *ix = arg;
	size_t len = size * n, room = sizeof(ix->answer) - 1 - ix->answer_len;

	if (len < room)
		room = len;
	memcpy(ix->answer + ix->answer_len, p, room);
	ix->answer_len += room;
	ix->answer[ix->answer_len] = '\0';
	return len;
}

/* The batch. */

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
ix_index(struct influx *ix, size_t from)
{
	size_t i;

	for (i = from; i < ix->len; i++) {
		if (i != from && ix->buf[i - 1] != '\n')
			continue;
		if (ix_grow((void **)&ix->line, &ix->line_cap,
		    ix->nlines + 1, sizeof(*ix->line)) != SD_OK)
			return SD_ERR_NOMEM;
		ix->line[ix->nlines++] = (uint32_t)i;
	}
	return SD_OK;
}

/* Read more lines into the batch, up to --influx-batch of them. */
static int
ix_fill(struct influx *ix)
{
	struct sd_spool_reader *r = &ix->base.rd;
	size_t want = IX_READ_MAX, got, from = ix->len;
	struct sd_spool_pos start = r->pos;
	char err[SD_ERR_LEN];

	if (ix->nlines >= ix->cfg->influx_batch)
		return SD_OK;
	if (ix_grow((void **)&ix->buf, &ix->cap, ix->len + want, 1) != SD_OK)
		return SD_ERR_NOMEM;
	if (sd_spool_reader_read(r, ix->buf + ix->len, want, &got, err) !=
	    SD_OK) {
		sd_sink_set_state(&ix->base, SD_SINK_FAILING, err);
		return SD_ERR_INVAL;
	}
	if (got == 0)
		return SD_OK;
	ix->len += got;
	if (ix_index(ix, from) != SD_OK)
		return SD_ERR_NOMEM;
	if (ix->nlines > ix->cfg->influx_batch) {
		/* Give back what is past the batch: it is read again. */
		ix->nlines = (uint32_t)ix->cfg->influx_batch;
		ix->len = ix->line[ix->nlines];
		r->pos.seq = start.seq;
		r->pos.off = start.off + (ix->len - from);
	}
	if (from == 0)
		ix->first_mono = sd_mono_ns();
	ix->end = r->pos;
	return SD_OK;
}

static size_t
ix_line_end(const struct influx *ix, uint32_t i)
{
	return i + 1 < ix->nlines ? ix->line[i + 1] : ix->len;
}

/* Write a refused line to rejects.lp with the reason above it. */
static void
ix_reject(struct influx *ix, uint32_t i, long code)
{
	FILE *fp = fopen(ix->rejects, "a");
	size_t a = ix->line[i], b = ix_line_end(ix, i), k;
	char why[SD_ERR_LEN];

	for (k = 0; k < ix->answer_len; k++) {
		if (ix->answer[k] == '\n')
			ix->answer[k] = ' ';
	}
	snprintf(why, sizeof(why), "HTTP %ld: %.200s", code, ix->answer);
	if (fp != NULL) {
		fprintf(fp, "# %s\n", why);
		fwrite(ix->buf + a, 1, b - a, fp);
		fclose(fp);
	}
	sd_sink_rejected(&ix->base, 1, why);
}

static void
ix_wake_in(struct influx *ix, long ms, int retry)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	ix->waiting = retry;
	evtimer_add(ix->wake, &tv);
}

/* Delivery of the top range failed in a way that may pass: try again
 * later, waiting longer each time. */
static void
ix_retry(struct influx *ix, const char *why)
{
	ix->base.retries++;
	sd_sink_set_state(&ix->base, SD_SINK_FAILING, why);
	ix->backoff_ms = ix->backoff_ms ? ix->backoff_ms * 2 : IX_BACKOFF_MIN;
	if (ix->backoff_ms > IX_BACKOFF_MAX)
		ix->backoff_ms = IX_BACKOFF_MAX;
	ix_wake_in(ix, ix->backoff_ms, 1);
}

/* The top range is through (delivered or rejected). */
static void
ix_pop(struct influx *ix)
{
	ix->nwork--;
	if (ix->nwork > 0)
		return;
	/* The whole batch is done: move the cursor, start the next. */
	sd_spool_reader_ack(&ix->base.rd, &ix->end, 0);
	ix->len = 0;
	ix->nlines = 0;
}

/* Handle InfluxDB's answer to the top range. */
static void
ix_answer(struct influx *ix, CURLcode rc, long code)
{
	struct ix_range top = ix->work[ix->nwork - 1], mid;
	char why[SD_ERR_LEN];

	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", ix->curl_err[0] ?
		    ix->curl_err : curl_easy_strerror(rc));
		ix_retry(ix, why);
		return;
	}
	if (code >= 200 && code < 300) {
		ix->backoff_ms = 0;
		sd_sink_delivered(&ix->base, top.hi - top.lo);
		ix_pop(ix);
		ix_kick(&ix->base);
		return;
	}
	if ((code == 400 || code == 413 || code == 422) &&
	    top.hi - top.lo > 1) {
		/* Narrow it down: the two halves, first half on top. */
		mid.lo = top.lo + (top.hi - top.lo) / 2;
		mid.hi = top.hi;
		ix->work[ix->nwork - 1] = mid;
		ix->work[ix->nwork].lo = top.lo;
		ix->work[ix->nwork].hi = mid.lo;
		ix->nwork++;
		ix_send(ix);
		return;
	}
	if (code == 400 || code == 413 || code == 422) {
		ix_reject(ix, top.lo, code);
		ix_pop(ix);
		ix_kick(&ix->base);
		return;
	}
	/* 5xx, 429, and 4xx that no line causes (a bad token, a missing
	 * database): said once by the state change, retried with backoff. */
	snprintf(why, sizeof(why), "HTTP %ld: %.200s", code, ix->answer);
	ix_retry(ix, why);
}

static void
ix_check_done(struct influx *ix)
{
	CURLMsg *m;
	int left;
	long code = 0;

	while ((m = curl_multi_info_read(ix->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		curl_multi_remove_handle(ix->multi, m->easy_handle);
		ix->in_flight = 0;
		ix_answer(ix, m->data.result, code);
	}
}

/* Compress buf into ix->gz; its length, or 0 on failure. */
static size_t
ix_gzip(struct influx *ix, const char *buf, size_t len)
{
	z_stream z;
	size_t bound = compressBound((uLong)len) + 32, out;

	if (ix_grow((void **)&ix->gz, &ix->gz_cap, bound, 1) != SD_OK)
		return 0;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	z.next_out = ix->gz;
	z.avail_out = (uInt)ix->gz_cap;
	out = deflate(&z, Z_FINISH) == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return out;
}

/* Post the top range. */
static void
ix_send(struct influx *ix)
{
	struct ix_range top = ix->work[ix->nwork - 1];
	const char *body = ix->buf + ix->line[top.lo];
	size_t len = ix_line_end(ix, top.hi - 1) - ix->line[top.lo];

	if (ix->cfg->influx_gzip) {
		len = ix_gzip(ix, body, len);
		body = (const char *)ix->gz;
		if (len == 0) {
			ix_retry(ix, "cannot compress the batch");
			return;
		}
	}
	ix->answer_len = 0;
	ix->answer[0] = '\0';
	ix->curl_err[0] = '\0';
	curl_easy_setopt(ix->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(ix->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	if (curl_multi_add_handle(ix->multi, ix->easy) != CURLM_OK) {
		ix_retry(ix, "cannot start a request");
		return;
	}
	ix->in_flight = 1;
}

/* New lines, a batch done, or a timer: send what is due. */
static void
ix_kick(struct sd_sink *s)
{
	struct influx *ix = (struct influx *)s;
	int64_t age;
	long left;

	if (ix->in_flight || (ix->waiting && evtimer_pending(ix->wake, NULL)))
		return;
	if (ix->nwork > 0) {
		ix_send(ix);		/* a range waiting for its retry */
		return;
	}
	if (ix_fill(ix) != SD_OK || ix->nlines == 0)
		return;
	age = (sd_mono_ns() - ix->first_mono) / 1000000;
	if (ix->nlines < ix->cfg->influx_batch &&
	    age < (int64_t)ix->cfg->influx_flush_ms) {
		/* A partial batch waits for more lines, or for its time. */
		left = (long)ix->cfg->influx_flush_ms - (long)age;
		if (!evtimer_pending(ix->wake, NULL))
			ix_wake_in(ix, left, 0);
		return;
	}
	evtimer_del(ix->wake);
	ix->work[0].lo = 0;
	ix->work[0].hi = ix->nlines;
	ix->nwork = 1;
	ix_send(ix);
}

static void
ix_wake_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct influx *ix = arg;

	(void)fd;
	(void)kind;
	if (!ix->waiting && ix->nwork == 0 && ix->nlines > 0) {
		/* The batch is old enough: send it as it is. */
		ix->first_mono = 0;
	}
	ix->waiting = 0;
	ix_kick(&ix->base);
}

static void
ix_free(struct sd_sink *s)
{
	struct influx *ix = (struct influx *)s;

	if (ix->in_flight)
		curl_multi_remove_handle(ix->multi, ix->easy);
	if (ix->easy != NULL)
		curl_easy_cleanup(ix->easy);
	if (ix->multi != NULL)
		curl_multi_cleanup(ix->multi);
	curl_slist_free_all(ix->headers);
	if (ix->curl_timer != NULL)
		event_free(ix->curl_timer);
	if (ix->wake != NULL)
		event_free(ix->wake);
	sd_sink_done(&ix->base);
	free(ix->url);
	free(ix->buf);
	free(ix->line);
	free(ix->work);
	free(ix->gz);
	free(ix);
}

static const struct sd_sink_ops ix_ops = {
	.name = "influx",
	.kick = ix_kick,
	.free = ix_free,
};

/* The write URL and headers of the configured API version. */
static int
ix_endpoint(struct influx *ix, char err[SD_ERR_LEN])
{
	const struct sd_config *cfg = ix->cfg;
	char *a, *b = NULL, hdr[512];
	size_t n = strlen(cfg->influx_url) + 1024;
	size_t base = strlen(cfg->influx_url);

	while (base > 0 && cfg->influx_url[base - 1] == '/')
		base--;
	ix->url = malloc(n);
	if (ix->url == NULL)
		goto nomem;
	if (cfg->influx_db != NULL) {
		a = curl_easy_escape(ix->easy, cfg->influx_db, 0);
		snprintf(ix->url, n, "%.*s/write?db=%s&precision=ns",
		    (int)base, cfg->influx_url, a != NULL ? a : "");
		curl_free(a);
		if (cfg->influx_user != NULL) {
			curl_easy_setopt(ix->easy, CURLOPT_USERNAME,
			    cfg->influx_user);
			curl_easy_setopt(ix->easy, CURLOPT_PASSWORD,
			    cfg->influx_password != NULL ?
			    cfg->influx_password : "");
		}
	} else {
		a = curl_easy_escape(ix->easy, cfg->influx_org, 0);
		b = curl_easy_escape(ix->easy, cfg->influx_bucket, 0);
		snprintf(ix->url, n, "%.*s/api/v2/write?org=%s&bucket=%s"
		    "&precision=ns", (int)base, cfg->influx_url,
		    a != NULL ? a : "", b != NULL ? b : "");
		curl_free(a);
		curl_free(b);
		snprintf(hdr, sizeof(hdr), "Authorization: Token %.400s",
		    cfg->influx_token);
		ix->headers = curl_slist_append(ix->headers, hdr);
	}
	ix->headers = curl_slist_append(ix->headers,
	    "Content-Type: text/plain; charset=utf-8");
	if (cfg->influx_gzip)
		ix->headers = curl_slist_append(ix->headers,
		    "Content-Encoding: gzip");
	if (ix->headers == NULL)
		goto nomem;
	return SD_OK;
nomem:
	snprintf(err, SD_ERR_LEN, "out of memory");
	return SD_ERR_NOMEM;
}

/* The one easy handle, reused so the connection stays open. */
static void
ix_setup_easy(struct influx *ix)
{
	CURL *e = ix->easy;

	curl_easy_setopt(e, CURLOPT_URL, ix->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, ix->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)ix->cfg->influx_timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
	    (long)ix->cfg->influx_timeout);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ix_answer_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, ix);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ix->curl_err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sockdeckd/" SD_VERSION);
	/* No "Expect: 100-continue" round trip before each body. */
	ix->headers = curl_slist_append(ix->headers, "Expect:");
}

struct sd_sink *
sd_sink_influx_new(struct event_base *base, const struct sd_config *cfg,
    struct sd_spool *sp, struct sd_events *events, char err[SD_ERR_LEN])
{
	struct influx *ix = calloc(1, sizeof(*ix));

	if (ix == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, SD_ERR_LEN, "--influx-url: cannot start libcurl");
		free(ix);
		return NULL;
	}
	if (sd_sink_init(&ix->base, &ix_ops, sp, events, err) != SD_OK) {
		free(ix);
		return NULL;
	}
	ix->cfg = cfg;
	ix->evb = base;
	snprintf(ix->rejects, sizeof(ix->rejects), "%.4000s/sensors/"
	    "rejects.lp", cfg->data_dir);
	ix->multi = curl_multi_init();
	ix->easy = curl_easy_init();
	ix->curl_timer = evtimer_new(base, ix_timeout_cb, ix);
	ix->wake = evtimer_new(base, ix_wake_cb, ix);
	ix->work_cap = 64;
	ix->work = calloc(ix->work_cap, sizeof(*ix->work));
	if (ix->multi == NULL || ix->easy == NULL || ix->curl_timer == NULL ||
	    ix->wake == NULL || ix->work == NULL ||
	    ix_endpoint(ix, err) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "--influx-url: cannot set up");
		ix_free(&ix->base);
		return NULL;
	}
	ix_setup_easy(ix);
	curl_multi_setopt(ix->multi, CURLMOPT_SOCKETFUNCTION, ix_curl_socket);
	curl_multi_setopt(ix->multi, CURLMOPT_SOCKETDATA, ix);
	curl_multi_setopt(ix->multi, CURLMOPT_TIMERFUNCTION, ix_curl_timer);
	curl_multi_setopt(ix->multi, CURLMOPT_TIMERDATA, ix);
	return &ix->base;
}
