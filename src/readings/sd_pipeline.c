/*
 * sd_pipeline.c: readings to line protocol to the spool.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_lineproto.h"
#include "sd_pipeline.h"
#include "sd_sink.h"
#include "sd_spool.h"

#define SD_LINE_MAX	1024
#define SD_NUM_CACHE	4096	/* float32 texts kept (128 KiB) */
#define SD_SINKS_MAX	4
#define SD_FAST_ROOM	32	/* a value's or a timestamp's text, at most */

struct sd_pipeline {
	struct sd_spool	*spool;
	char		*prefix;	/* "sensor,Mac-Address=" escaped */
	char		*field;		/* " value=" escaped */
	int64_t		 last_ts;
	uint64_t	 count;
	uint64_t	 total;
	int		 failing;
	int		 tag_port;
	int		 tag_peer;
	uint64_t	 spool_max;
	int		 spool_drop;
	struct sd_sink	*sinks[SD_SINKS_MAX];
	size_t		 nsinks;
	int64_t		 now;		/* receipt time of this read */
	struct sd_device_stat *devs;	/* SD_DEVICES_MAX */
	size_t		 ndevs;
	size_t		 dev_hint;	/* last one found */
	uint64_t	 backlog;	/* largest, at the last check */
	uint64_t	 added;		/* bytes appended since */
	/* "sensor,Mac-Address=<dev> value=" of the last device without
	 * tags: a connection's readings come in runs of one device. */
	uint8_t		 head_dev[SD_MAC_LEN];
	char		 head[SD_LINE_MAX];
	size_t		 head_len;
	/* Float32 readings as text, by their bits: sensors report a few
	 * hundred distinct values (a thermometer's 0.01 steps), and
	 * finding a float's shortest decimals is the costliest part of a
	 * line. Two-way sets, so bounded. */
	struct {
		uint32_t	 bits;
		uint8_t		 len;		/* 0: empty */
		char		 s[27];
	} num[SD_NUM_CACHE];
	/* The last timestamp written and its thousand (0: none): the next
	 * one mostly differs only in its last three digits. */
	int64_t		 ts_base;
	char		 ts_text[24];
	size_t		 ts_len;
};

/* The fast path copies these whole into SD_FAST_ROOM bytes. */
_Static_assert(sizeof(((struct sd_pipeline *)0)->num[0].s) <= SD_FAST_ROOM &&
    sizeof(((struct sd_pipeline *)0)->ts_text) <= SD_FAST_ROOM,
    "SD_FAST_ROOM holds a cached value and a timestamp");

struct sd_pipeline *
sd_pipeline_new(const char *dir, const char *measurement, const char *field,
    const char *device_tag, char err[SD_ERR_LEN])
{
	struct sd_pipeline *p = calloc(1, sizeof(*p));
	char m[256], t[256], f[256];
	size_t n;

	if (p == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return NULL;
	}
	sd_lp_escape(measurement, strlen(measurement), 0, m, sizeof(m));
	sd_lp_escape(device_tag, strlen(device_tag), 1, t, sizeof(t));
	sd_lp_escape(field, strlen(field), 1, f, sizeof(f));
	n = strlen(m) + strlen(t) + 3;
	p->prefix = malloc(n);
	p->field = malloc(strlen(f) + 3);
	if (p->prefix == NULL || p->field == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	snprintf(p->prefix, n, "%s,%s=", m, t);
	snprintf(p->field, strlen(f) + 3, " %s=", f);
	p->devs = calloc(SD_DEVICES_MAX, sizeof(*p->devs));
	p->spool = sd_spool_new(dir, err);
	if (p->spool == NULL || p->devs == NULL)
		goto fail;
	return p;
fail:
	sd_spool_free(p->spool);
	free(p->devs);
	free(p->prefix);
	free(p->field);
	free(p);
	return NULL;
}

void
sd_pipeline_free(struct sd_pipeline *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsinks; i++)
		p->sinks[i]->ops->free(p->sinks[i]);
	sd_spool_free(p->spool);
	free(p->devs);
	free(p->prefix);
	free(p->field);
	free(p);
}

/* Bounded appends for one line. */
struct lp_out {
	char	*p;
	size_t	 len;
	size_t	 o;
	int	 full;
};

static void
lp_put(struct lp_out *w, const char *s, size_t n)
{
	if (w->full || n >= w->len - w->o) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->o, s, n);
	w->o += n;
}

static void
lp_put_str(struct lp_out *w, const char *s)
{
	lp_put(w, s, strlen(s));
}

/* Decimal digits of v, written without printf (this runs per reading),
 * two at a time: a timestamp has 19. */
static void
lp_put_int(struct lp_out *w, int64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "6263646566676869707172737475767778798081828384858687888990919293"
	    "949596979899";
	char b[24];
	size_t i = sizeof(b);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	while (u >= 100) {
		i -= 2;
		memcpy(b + i, pairs + (u % 100) * 2, 2);
		u /= 100;
	}
	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		b[--i] = '-';
	lp_put(w, b + i, sizeof(b) - i);
}

static void
lp_put_mac(struct lp_out *w, const uint8_t *mac)
{
	static const char hex[] = "0123456789abcdef";
	char b[17];
	int i;

	for (i = 0; i < SD_MAC_LEN; i++) {
		b[i * 3] = hex[mac[i] >> 4];
		b[i * 3 + 1] = hex[mac[i] & 15];
		if (i < SD_MAC_LEN - 1)
			b[i * 3 + 2] = ':';
	}
	lp_put(w, b, sizeof(b));
}

size_t
sd_pipeline_line(const struct sd_pipeline *p, const struct sd_reading_in *r,
    int64_t ts, char *buf, size_t len)
{
	struct lp_out w = { buf, len, 0, 0 };
	char tmp[300];
	size_t n;

	if (!isfinite(r->value))
		return 0;
	lp_put_str(&w, p->prefix);
	lp_put_mac(&w, r->dev);
	if (r->chan != NULL && r->chan_len > 0) {
		n = sd_lp_escape(r->chan, r->chan_len, 1, tmp, sizeof(tmp));
		lp_put_str(&w, ",channel=");
		lp_put(&w, tmp, n);
	}
	if (p->tag_peer && r->peer != NULL) {
		lp_put_str(&w, ",peer=");
		lp_put_str(&w, r->peer);
	}
	if (p->tag_port && r->port != 0) {
		lp_put_str(&w, ",port=");
		lp_put_int(&w, r->port);
	}
	lp_put_str(&w, p->field);
	sd_lp_number(r->value, r->single, tmp, sizeof(tmp));
	lp_put_str(&w, tmp);
	lp_put(&w, " ", 1);
	lp_put_int(&w, ts);
	lp_put(&w, "\n", 1);
	if (w.full)
		return 0;
	w.p[w.o] = '\0';
	return w.o;
}

/* Keep the device's latest value. Devices mostly send in runs, so the
 * last one found is tried first; a full table forgets the device heard
 * from least recently. */
static void
pipeline_note_device(struct sd_pipeline *p, const struct sd_reading_in *r,
    int64_t ts)
{
	struct sd_device_stat *d = NULL;
	size_t i, old = 0;

	if (p->devs == NULL)
		return;
	if (p->dev_hint < p->ndevs &&
	    memcmp(p->devs[p->dev_hint].dev, r->dev, SD_MAC_LEN) == 0)
		d = &p->devs[p->dev_hint];
	for (i = 0; d == NULL && i < p->ndevs; i++) {
		if (memcmp(p->devs[i].dev, r->dev, SD_MAC_LEN) == 0) {
			d = &p->devs[i];
			p->dev_hint = i;
		} else if (p->devs[i].last_ns < p->devs[old].last_ns)
			old = i;
	}
	if (d == NULL) {
		i = p->ndevs < SD_DEVICES_MAX ? p->ndevs++ : old;
		d = &p->devs[i];
		memset(d, 0, sizeof(*d));
		memcpy(d->dev, r->dev, SD_MAC_LEN);
		p->dev_hint = i;
	}
	d->value = r->value;
	d->count++;
	d->last_ns = ts;
}

const struct sd_device_stat *
sd_pipeline_devices(const struct sd_pipeline *p, size_t *n)
{
	*n = p->ndevs;
	return p->devs;
}

/* The set of the cache that a float32's bits map to: fully mixed
 * (murmur3's finaliser), since sensor values are arithmetic runs of
 * bit patterns that a plain multiply folds together. */
static size_t
num_set(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (h % (SD_NUM_CACHE / 2)) * 2;
}

/* A reading's value at o, from the cache when it came as a float32
 * seen lately (two ways per set, the newest first); the end. o has
 * room for SD_FAST_ROOM bytes. */
static char *
pipeline_put_number(struct sd_pipeline *p, char *o,
    const struct sd_reading_in *r)
{
	float f = (float)r->value;
	uint32_t bits;
	size_t i, n;
	char b[64];

	if (!r->single) {
		sd_lp_number(r->value, 0, b, sizeof(b));
		n = strlen(b);
		memcpy(o, b, n);
		return o + n;
	}
	memcpy(&bits, &f, sizeof(bits));
	i = num_set(bits);
	if (p->num[i + 1].len > 0 && p->num[i + 1].bits == bits)
		i++;
	else if (p->num[i].len == 0 || p->num[i].bits != bits) {
		sd_lp_number(r->value, 1, b, sizeof(b));
		n = strlen(b);
		if (n >= sizeof(p->num[i].s)) {
			memcpy(o, b, n);
			return o + n;
		}
		p->num[i + 1] = p->num[i];
		memcpy(p->num[i].s, b, n);
		p->num[i].len = (uint8_t)n;
		p->num[i].bits = bits;
	}
	/* All of s, a fixed size: two moves instead of a call per line;
	 * what lies past len is written over next. */
	memcpy(o, p->num[i].s, sizeof(p->num[i].s));
	return o + p->num[i].len;
}

/* A timestamp at o (room for SD_FAST_ROOM): when it lies in the same
 * thousand as the last one, the last one's text with its three last
 * digits rewritten; the end. */
static char *
pipeline_put_ts(struct sd_pipeline *p, char *o, int64_t ts)
{
	struct lp_out t;
	unsigned low;

	if (p->ts_base > 0 && ts >= p->ts_base && ts - p->ts_base < 1000) {
		low = (unsigned)(ts - p->ts_base);
		p->ts_text[p->ts_len - 1] = (char)('0' + low % 10);
		p->ts_text[p->ts_len - 2] = (char)('0' + low / 10 % 10);
		p->ts_text[p->ts_len - 3] = (char)('0' + low / 100);
	} else {
		t = (struct lp_out){ p->ts_text, sizeof(p->ts_text), 0, 0 };
		lp_put_int(&t, ts);	/* 20 digits at most: it fits */
		p->ts_len = t.o;
		p->ts_base = ts >= 1000 ? ts - ts % 1000 : 0;
	}
	memcpy(o, p->ts_text, sizeof(p->ts_text));
	return o + p->ts_len;
}

/* sd_pipeline_line() for the common reading, a device's value with no
 * channel and no extra tags: the head of the line is the device's,
 * built once per run of its readings, and the room for the rest is
 * checked once. */
static size_t
pipeline_line_fast(struct sd_pipeline *p, const struct sd_reading_in *r,
    int64_t ts, char *buf, size_t len)
{
	char *o = buf;

	if ((r->chan != NULL && r->chan_len > 0) || p->tag_peer ||
	    p->tag_port || !isfinite(r->value))
		return sd_pipeline_line(p, r, ts, buf, len);
	if (p->head_len == 0 || memcmp(p->head_dev, r->dev, SD_MAC_LEN)) {
		struct lp_out h = { p->head, sizeof(p->head), 0, 0 };

		lp_put_str(&h, p->prefix);
		lp_put_mac(&h, r->dev);
		lp_put_str(&h, p->field);
		memcpy(p->head_dev, r->dev, SD_MAC_LEN);
		p->head_len = h.full ? 0 : h.o;
	}
	if (p->head_len == 0 || p->head_len + 2 * SD_FAST_ROOM > len)
		return sd_pipeline_line(p, r, ts, buf, len);
	memcpy(o, p->head, p->head_len);
	o = pipeline_put_number(p, o + p->head_len, r);
	*o++ = ' ';
	o = pipeline_put_ts(p, o, ts);
	*o++ = '\n';
	return (size_t)(o - buf);
}

int
sd_pipeline_submit(struct sd_pipeline *p, const struct sd_reading_in *r,
    char err[SD_ERR_LEN])
{
	int64_t ts = r->ts_ns;
	char *line;
	size_t n;

	if (ts == 0) {
		ts = p->now != 0 ? p->now : sd_now_ns();
		if (ts <= p->last_ts)
			ts = p->last_ts + 1;
		p->last_ts = ts;
	}
	/* Over the soft cap the buffer is written out first; if the disk
	 * fails, the line is kept all the same and the caller pauses its
	 * connection (sd_pipeline_full()) after this frame. */
	if (sd_spool_pending(p->spool) + SD_LINE_MAX > SD_SPOOL_SOFT)
		sd_pipeline_flush(p, err);
	else if (!p->failing && sd_spool_pending(p->spool) >= SD_SPOOL_EAGER)
		sd_pipeline_flush(p, err);	/* large writes, early */
	/* Formatted where it waits to be written: no copy per reading. */
	line = sd_spool_reserve(p->spool, SD_LINE_MAX);
	if (line == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory for readings");
		return SD_ERR_NOMEM;
	}
	n = pipeline_line_fast(p, r, ts, line, SD_LINE_MAX);
	if (n == 0) {
		snprintf(err, SD_ERR_LEN, "value %g cannot be stored",
		    r->value);
		return SD_ERR_INVAL;
	}
	sd_spool_commit(p->spool, n);
	p->added += n;
	p->count++;
	p->total++;
	pipeline_note_device(p, r, ts);
	return SD_OK;
}

int
sd_pipeline_flush(struct sd_pipeline *p, char err[SD_ERR_LEN])
{
	size_t before = sd_spool_pending(p->spool), i;
	int rc = sd_spool_flush(p->spool, err);

	p->failing = rc != SD_OK;
	if (sd_spool_pending(p->spool) < before) {
		for (i = 0; i < p->nsinks; i++)
			p->sinks[i]->ops->kick(p->sinks[i]);
	}
	return rc;
}

int
sd_pipeline_full(const struct sd_pipeline *p)
{
	size_t i;

	if (p->failing && sd_spool_pending(p->spool) > SD_SPOOL_SOFT)
		return 1;
	/* Between checks, what was appended since counts too, so a burst
	 * is stopped at the cap rather than at the next check. */
	if (p->nsinks > 0 && !p->spool_drop &&
	    p->backlog + p->added > p->spool_max)
		return 1;
	for (i = 0; i < p->nsinks; i++) {
		if (p->sinks[i]->blocked)
			return 1;
	}
	return 0;
}

void
sd_pipeline_stamp(struct sd_pipeline *p)
{
	p->now = sd_now_ns();
}

void
sd_pipeline_configure(struct sd_pipeline *p, const struct sd_pipeline_opts *o)
{
	uint64_t seg = o->spool_max / 8;

	/* Segments small enough that drop-oldest drops a part, not all. */
	if (seg > SD_SPOOL_SEGMENT)
		seg = SD_SPOOL_SEGMENT;
	if (seg < 4096)
		seg = 4096;
	sd_spool_set_segment_size(p->spool, seg);
	sd_spool_set_fsync(p->spool, (enum sd_fsync_mode)o->fsync);
	sd_spool_set_retain(p->spool, o->spool_retain,
	    o->spool_retain_age);
	p->tag_port = o->tag_port;
	p->tag_peer = o->tag_peer;
	p->spool_max = o->spool_max;
	p->spool_drop = o->spool_drop;
}

struct sd_spool *
sd_pipeline_spool(struct sd_pipeline *p)
{
	return p->spool;
}

int
sd_pipeline_add_sink(struct sd_pipeline *p, struct sd_sink *s)
{
	if (p->nsinks == SD_SINKS_MAX)
		return SD_ERR_NOSPACE;
	p->sinks[p->nsinks++] = s;
	s->ops->kick(s);
	return SD_OK;
}

size_t
sd_pipeline_nsinks(const struct sd_pipeline *p)
{
	return p->nsinks;
}

struct sd_sink *
sd_pipeline_sink(struct sd_pipeline *p, size_t i)
{
	return p->sinks[i];
}

/* A sink whose backlog passed --spool-max: block the senders of
 * readings, or give up its oldest segment. */
static void
pipeline_check_backlog(struct sd_pipeline *p, struct sd_sink *s)
{
	uint64_t backlog = sd_spool_backlog(p->spool, &s->rd.acked), n;
	char why[SD_ERR_LEN];
	int guard = 64;

	if (backlog > p->backlog)
		p->backlog = backlog;

	if (backlog <= p->spool_max) {
		if (s->blocked) {
			s->blocked = 0;
			sd_sink_set_state(s, s->error[0] ? SD_SINK_FAILING :
			    SD_SINK_OK, NULL);
		}
		return;
	}
	if (!p->spool_drop) {
		if (!s->blocked) {
			s->blocked = 1;
			snprintf(why, sizeof(why), "backlog %llu bytes over "
			    "--spool-max: not reading from senders",
			    (unsigned long long)backlog);
			sd_sink_set_state(s, SD_SINK_BLOCKED, why);
		}
		return;
	}
	while (backlog > p->spool_max && guard-- > 0) {
		n = sd_spool_reader_drop_oldest(&s->rd);
		s->dropped += n;
		snprintf(why, sizeof(why), "backlog over --spool-max: "
		    "about %llu oldest readings dropped",
		    (unsigned long long)n);
		sd_sink_rejected(s, 0, why);
		backlog = sd_spool_backlog(p->spool, &s->rd.acked);
	}
}

void
sd_pipeline_check(struct sd_pipeline *p)
{
	size_t i;

	p->backlog = 0;
	p->added = 0;
	for (i = 0; i < p->nsinks; i++)
		pipeline_check_backlog(p, p->sinks[i]);
}

void
sd_pipeline_tick(struct sd_pipeline *p)
{
	struct sd_sink *s;
	size_t i;

	sd_spool_tick(p->spool);
	for (i = 0; i < p->nsinks; i++) {
		s = p->sinks[i];
		s->rate = s->delivered - s->rate_mark;
		s->rate_mark = s->delivered;
	}
}

uint64_t
sd_pipeline_backlog(struct sd_pipeline *p, const struct sd_sink *s)
{
	return sd_spool_backlog(p->spool, &s->rd.acked);
}

int
sd_pipeline_failing(const struct sd_pipeline *p)
{
	return p->failing;
}

size_t
sd_pipeline_pending(const struct sd_pipeline *p)
{
	return sd_spool_pending(p->spool);
}

uint64_t
sd_pipeline_take_count(struct sd_pipeline *p)
{
	uint64_t n = p->count;

	p->count = 0;
	return n;
}

uint64_t
sd_pipeline_total(const struct sd_pipeline *p)
{
	return p->total;
}
