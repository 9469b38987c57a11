/*
 * sd_lineproto.c: InfluxDB line protocol (see sd_lineproto.h): escaping,
 * numbers, the store's line writer and reading a line back.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_lineproto.h"
#include "sd_proto.h"

#define LP_NUM_CACHE	4096	/* float32 texts kept (128 KiB) */
#define LP_FAST_ROOM	32	/* a value's or a timestamp's text, at most */

size_t
sd_lp_escape(const char *s, size_t n, int eq, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 2 < len; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			continue;	/* a newline would end the line */
		if (s[i] == ',' || s[i] == ' ' || (eq && s[i] == '=') ||
		    s[i] == '\\')
			out[o++] = '\\';
		out[o++] = s[i];
	}
	out[o] = '\0';
	return o;
}

size_t
sd_lp_int(int64_t v, char out[SD_LP_INT_MAX])
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "6263646566676869707172737475767778798081828384858687888990919293"
	    "949596979899";
	char b[SD_LP_INT_MAX];
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
	memcpy(out, b + i, sizeof(b) - i);
	return sizeof(b) - i;
}

/* Write m with d digits after the decimal point ("-12.34" for -1234,
 * 2; "0.05" for 5, 2); its length, or 0 when it does not fit len. */
static size_t
lp_fixed(long long m, int d, char *buf, size_t len)
{
	char dig[SD_LP_INT_MAX];
	size_t n = sd_lp_int(m < 0 ? -m : m, dig), o = 0, lead, ud;

	ud = (size_t)d;
	lead = n <= ud ? ud + 1 - n : 0;	/* 5 with d = 2 is 0.05 */
	if ((m < 0) + lead + n + (ud > 0) >= len)
		return 0;
	if (m < 0)
		buf[o++] = '-';
	memset(buf + o, '0', lead);
	memcpy(buf + o + lead, dig, n);
	o += lead + n;
	if (ud > 0) {
		memmove(buf + o - ud + 1, buf + o - ud, ud);
		buf[o - ud] = '.';
		o++;
	}
	buf[o] = '\0';
	return o;
}

/* q is the double nearest a decimal x. (float)q equals the float nearest
 * x unless q sits on (or right next to) a midpoint between two floats,
 * where rounding twice can tip the other way: true there. */
static int
lp_near_tie(double q)
{
	float f = (float)q;
	double df = f, other, mid;

	other = q >= df ? nextafterf(f, INFINITY) : nextafterf(f, -INFINITY);
	mid = (df + other) / 2;
	return fabs(q - mid) <= fabs(df) * 0x1p-50;
}

/* Readings are mostly small numbers with a few decimals: find the
 * fewest decimals that read back as the same float, without printf
 * (this runs for every reading). 0 when the value is not such a one. */
static int
lp_number_fast(double v, int single, char *buf, size_t len)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8 };
	long long m;
	int d;

	if (!(v > -1e9 && v < 1e9))
		return 0;
	for (d = 0; d <= (single ? 8 : 6); d++) {
		m = llround(v * pow10[d]);
		if (m > (1LL << 53) || m < -(1LL << 53))
			return 0;	/* m / 10^d would not be exact */
		if (single ? (float)((double)m / pow10[d]) != (float)v :
		    (double)m / pow10[d] != v)
			continue;
		if (lp_fixed(m, d, buf, len) == 0)
			return 0;
		if (single && !lp_near_tie((double)m / pow10[d]))
			return 1;
		/* Rounded twice (to double, then float) near a tie, or a
		 * double: strto* is the judge. */
		return single ? strtof(buf, NULL) == (float)v :
		    strtod(buf, NULL) == v;
	}
	return 0;
}

void
sd_lp_number(double v, int single, char *buf, size_t len)
{
	int prec;

	if (lp_number_fast(v, single, buf, len))
		return;
	for (prec = single ? 6 : 15; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (single ? strtof(buf, NULL) == (float)v :
		    strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

/* The store's line writer: the names escaped once, the extra tags, and
 * the caches of its fast path. */
struct sd_lp_writer {
	char		*prefix;	/* "sensor,Mac-Address=" escaped */
	char		*field;		/* " value=" escaped */
	int		 tag_port;
	int		 tag_peer;
	/* "sensor,Mac-Address=<dev> value=" of the last device without
	 * tags: a connection's readings come in runs of one device. */
	uint8_t		 head_dev[SD_MAC_LEN];
	char		 head[SD_LP_LINE_MAX];
	size_t		 head_len;
	/* Float32 readings as text, by their bits: sensors report a few
	 * hundred distinct values (a thermometer's 0.01 steps), and
	 * finding a float's shortest decimals is the costliest part of a
	 * line. Two-way sets, so bounded. */
	struct {
		uint32_t	 bits;
		uint8_t		 len;		/* 0: empty */
		char		 s[27];
	} num[LP_NUM_CACHE];
	/* The last timestamp written and its thousand (0: none): the next
	 * one mostly differs only in its last three digits. */
	int64_t		 ts_base;
	char		 ts_text[24];
	size_t		 ts_len;
};

/* The fast path copies these whole into LP_FAST_ROOM bytes. */
_Static_assert(sizeof(((struct sd_lp_writer *)0)->num[0].s) <=
    LP_FAST_ROOM && sizeof(((struct sd_lp_writer *)0)->ts_text) <=
    LP_FAST_ROOM, "LP_FAST_ROOM holds a cached value and a timestamp");

struct sd_lp_writer *
sd_lp_writer_new(const char *measurement, const char *field,
    const char *device_tag)
{
	struct sd_lp_writer *lw = calloc(1, sizeof(*lw));
	char m[SD_LP_NAME_MAX], t[SD_LP_NAME_MAX], f[SD_LP_NAME_MAX];
	size_t n;

	if (lw == NULL)
		return NULL;
	sd_lp_escape(measurement, strlen(measurement), 0, m, sizeof(m));
	sd_lp_escape(device_tag, strlen(device_tag), 1, t, sizeof(t));
	sd_lp_escape(field, strlen(field), 1, f, sizeof(f));
	n = strlen(m) + strlen(t) + 3;
	lw->prefix = malloc(n);
	lw->field = malloc(strlen(f) + 3);
	if (lw->prefix == NULL || lw->field == NULL) {
		sd_lp_writer_free(lw);
		return NULL;
	}
	snprintf(lw->prefix, n, "%s,%s=", m, t);
	snprintf(lw->field, strlen(f) + 3, " %s=", f);
	return lw;
}

void
sd_lp_writer_free(struct sd_lp_writer *lw)
{
	if (lw == NULL)
		return;
	free(lw->prefix);
	free(lw->field);
	free(lw);
}

void
sd_lp_writer_tags(struct sd_lp_writer *lw, int port, int peer)
{
	lw->tag_port = port;
	lw->tag_peer = peer;
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

static void
lp_put_int(struct lp_out *w, int64_t v)
{
	char b[SD_LP_INT_MAX];

	lp_put(w, b, sd_lp_int(v, b));
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
sd_lp_write_line(const struct sd_lp_writer *lw,
    const struct sd_reading_in *r, int64_t ts, char *buf, size_t len)
{
	struct lp_out w = { buf, len, 0, 0 };
	char tmp[300];
	size_t n;

	if (!isfinite(r->value))
		return 0;
	lp_put_str(&w, lw->prefix);
	lp_put_mac(&w, r->dev);
	if (r->chan != NULL && r->chan_len > 0) {
		n = sd_lp_escape(r->chan, r->chan_len, 1, tmp, sizeof(tmp));
		lp_put_str(&w, ",channel=");
		lp_put(&w, tmp, n);
	}
	if (lw->tag_peer && r->peer != NULL) {
		lp_put_str(&w, ",peer=");
		lp_put_str(&w, r->peer);
	}
	if (lw->tag_port && r->port != 0) {
		lp_put_str(&w, ",port=");
		lp_put_int(&w, r->port);
	}
	lp_put_str(&w, lw->field);
	sd_lp_number(r->value, r->single, tmp, sizeof(tmp));
	lp_put_str(&w, tmp);
	if (r->batched) {
		lp_put_str(&w, "," SD_LP_BSEQ "=");
		lp_put_int(&w, (int64_t)r->bseq);
		lp_put_str(&w, "i," SD_LP_BIDX "=");
		lp_put_int(&w, r->bidx);
		lp_put(&w, "i", 1);
	}
	lp_put(&w, " ", 1);
	lp_put_int(&w, ts);
	lp_put(&w, "\n", 1);
	if (w.full)
		return 0;
	w.p[w.o] = '\0';
	return w.o;
}

/* The set of the cache that a float32's bits map to: fully mixed
 * (murmur3's finaliser), since sensor values are arithmetic runs of
 * bit patterns that a plain multiply folds together. */
static size_t
lp_num_set(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (h % (LP_NUM_CACHE / 2)) * 2;
}

/* A reading's value at o, from the cache when it came as a float32
 * seen lately (two ways per set, the newest first); the end. o has
 * room for LP_FAST_ROOM bytes. */
static char *
lp_put_number(struct sd_lp_writer *lw, char *o,
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
	i = lp_num_set(bits);
	if (lw->num[i + 1].len > 0 && lw->num[i + 1].bits == bits)
		i++;
	else if (lw->num[i].len == 0 || lw->num[i].bits != bits) {
		sd_lp_number(r->value, 1, b, sizeof(b));
		n = strlen(b);
		if (n >= sizeof(lw->num[i].s)) {
			memcpy(o, b, n);
			return o + n;
		}
		lw->num[i + 1] = lw->num[i];
		memcpy(lw->num[i].s, b, n);
		lw->num[i].len = (uint8_t)n;
		lw->num[i].bits = bits;
	}
	/* All of s, a fixed size: two moves instead of a call per line;
	 * what lies past len is written over next. */
	memcpy(o, lw->num[i].s, sizeof(lw->num[i].s));
	return o + lw->num[i].len;
}

/* A timestamp at o (room for LP_FAST_ROOM): when it lies in the same
 * thousand as the last one, the last one's text with its three last
 * digits rewritten; the end. */
static char *
lp_put_ts(struct sd_lp_writer *lw, char *o, int64_t ts)
{
	struct lp_out t;
	unsigned low;

	if (lw->ts_base > 0 && ts >= lw->ts_base && ts - lw->ts_base < 1000) {
		low = (unsigned)(ts - lw->ts_base);
		lw->ts_text[lw->ts_len - 1] = (char)('0' + low % 10);
		lw->ts_text[lw->ts_len - 2] = (char)('0' + low / 10 % 10);
		lw->ts_text[lw->ts_len - 3] = (char)('0' + low / 100);
	} else {
		t = (struct lp_out){ lw->ts_text, sizeof(lw->ts_text), 0, 0 };
		lp_put_int(&t, ts);	/* 20 digits at most: it fits */
		lw->ts_len = t.o;
		lw->ts_base = ts >= 1000 ? ts - ts % 1000 : 0;
	}
	memcpy(o, lw->ts_text, sizeof(lw->ts_text));
	return o + lw->ts_len;
}

/* sd_lp_write_line() for the common reading, a device's value with no
 * channel and no extra tags: the head of the line is the device's,
 * built once per run of its readings, and the room for the rest is
 * checked once. */
size_t
sd_lp_write(struct sd_lp_writer *lw, const struct sd_reading_in *r,
    int64_t ts, char *buf, size_t len)
{
	char *o = buf;

	if ((r->chan != NULL && r->chan_len > 0) || lw->tag_peer ||
	    lw->tag_port || r->batched || !isfinite(r->value))
		return sd_lp_write_line(lw, r, ts, buf, len);
	if (lw->head_len == 0 || memcmp(lw->head_dev, r->dev, SD_MAC_LEN)) {
		struct lp_out h = { lw->head, sizeof(lw->head), 0, 0 };

		lp_put_str(&h, lw->prefix);
		lp_put_mac(&h, r->dev);
		lp_put_str(&h, lw->field);
		memcpy(lw->head_dev, r->dev, SD_MAC_LEN);
		lw->head_len = h.full ? 0 : h.o;
	}
	if (lw->head_len == 0 || lw->head_len + 2 * LP_FAST_ROOM > len)
		return sd_lp_write_line(lw, r, ts, buf, len);
	memcpy(o, lw->head, lw->head_len);
	o = lp_put_number(lw, o + lw->head_len, r);
	*o++ = ' ';
	o = lp_put_ts(lw, o, ts);
	*o++ = '\n';
	return (size_t)(o - buf);
}

/* Bytes that can stop a span or escape the next: the scan looks
 * closer only at these (this runs for every byte a sink reads). */
static const unsigned char lp_special[256] = {
	[' '] = 1, [','] = 1, ['='] = 1, ['\\'] = 1,
};

/* The span from *p up to an unescaped stop character (a or b); *p is
 * left on the stop character (or end). Unescaped, it must be 1 to max-1
 * bytes long. */
static int
lp_span(const char **p, const char *end, char a, char b, size_t max,
    struct sd_lp_span *s)
{
	const char *q = *p;
	size_t escapes = 0;

	s->p = q;
	for (;;) {
		while (q < end && !lp_special[(unsigned char)*q])
			q++;
		if (q == end || *q == a || *q == b)
			break;
		if (*q == '\\' && q + 1 < end) {
			q++;
			escapes++;
		}
		q++;
	}
	s->n = (size_t)(q - s->p);
	s->esc = escapes > 0;
	*p = q;
	return s->n > 0 && s->n - escapes < max ? SD_OK : SD_ERR_MALFORMED;
}

/* A decimal number as strtod reads it whole: sign, digits, point,
 * exponent. Checked by hand: strtod per record is too slow for this. */
static int
lp_is_number(const char *s, const char *end)
{
	int digits = 0;

	if (s < end && (*s == '-' || *s == '+'))
		s++;
	for (; s < end && ((*s >= '0' && *s <= '9') || *s == '.'); s++)
		digits += *s != '.';
	if (digits > 0 && s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '-' || *s == '+'))
			s++;
		if (s == end || *s < '0' || *s > '9')
			return 0;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	return digits > 0 && s == end;
}

/* A whole signed decimal in p[0..end) (no strtoll: see above). */
static int
lp_int(const char *p, const char *end, int64_t *out)
{
	uint64_t u = 0;
	int neg = p < end && *p == '-';

	p += neg;
	if (p == end || end - p > 19)
		return SD_ERR_MALFORMED;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return SD_ERR_MALFORMED;
		u = u * 10 + (uint64_t)(*p - '0');
	}
	/* INT64_MIN too: a batch sequence past INT64_MAX is written so. */
	if (u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return SD_ERR_MALFORMED;
	*out = neg && u > 0 ? -(int64_t)(u - 1) - 1 : (int64_t)u;
	return SD_OK;
}

int
sd_lp_parse(const char *line, size_t len, struct sd_lp_view *v)
{
	const char *p = line, *end = line + len;

	v->ntags = 0;
	if (lp_span(&p, end, ',', ' ', SD_LP_NAME_MAX, &v->measurement))
		return SD_ERR_MALFORMED;
	while (p < end && *p == ',') {
		p++;
		if (v->ntags == SD_LP_TAGS_MAX ||
		    lp_span(&p, end, '=', '=', SD_LP_NAME_MAX,
		    &v->tag_key[v->ntags]) || p == end)
			return SD_ERR_MALFORMED;
		p++;
		if (lp_span(&p, end, ',', ' ', SD_LP_NAME_MAX,
		    &v->tag_val[v->ntags]))
			return SD_ERR_MALFORMED;
		v->ntags++;
	}
	if (p == end || *p++ != ' ')
		return SD_ERR_MALFORMED;
	v->head_len = (size_t)(p - line);
	return sd_lp_parse_field(p, (size_t)(end - p), v);
}

/* ",<key>=<int>i" at *p, key being exactly key: the integer. */
static int
lp_int_field(const char **p, const char *end, const char *key,
    int64_t *out)
{
	size_t klen = strlen(key);
	const char *q = *p, *i;

	if (end - q < (ptrdiff_t)klen + 4 || *q != ',' ||
	    memcmp(q + 1, key, klen) != 0 || q[1 + klen] != '=')
		return SD_ERR_MALFORMED;
	q += klen + 2;
	for (i = q; i < end && *i != 'i'; i++)
		;
	if (i == end || lp_int(q, i, out) != SD_OK)
		return SD_ERR_MALFORMED;
	*p = i + 1;
	return SD_OK;
}

int
sd_lp_parse_field(const char *p, size_t len, struct sd_lp_view *v)
{
	const char *end = p + len;
	int64_t s;

	if (lp_span(&p, end, '=', '=', SD_LP_NAME_MAX, &v->field) || p == end)
		return SD_ERR_MALFORMED;
	p++;
	/* 64: no float needs more digits than that to be read back. */
	if (lp_span(&p, end, ',', ' ', 64, &v->value) || p == end ||
	    v->value.esc || !lp_is_number(v->value.p, v->value.p +
	    v->value.n))
		return SD_ERR_MALFORMED;
	v->batched = *p == ',';
	if (v->batched) {
		if (lp_int_field(&p, end, SD_LP_BSEQ, &s) != SD_OK ||
		    lp_int_field(&p, end, SD_LP_BIDX, &v->bidx) != SD_OK ||
		    v->bidx < 0 || p == end || *p != ' ')
			return SD_ERR_MALFORMED;
		v->bseq = (uint64_t)s;
	}
	p++;
	v->ts_text.p = p;
	v->ts_text.n = (size_t)(end - p);
	v->ts_text.esc = 0;
	return lp_int(p, end, &v->ts);
}

size_t
sd_lp_unescape(const struct sd_lp_span *s, char *out, size_t cap)
{
	const char *p = s->p, *end = s->p + s->n;
	size_t o = 0;

	if (cap == 0)
		return 0;
	if (!s->esc) {
		o = s->n < cap ? s->n : cap - 1;
		memcpy(out, p, o);
	} else {
		for (; p < end && o + 1 < cap; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return o;
}

int
sd_lp_line_ts(const char *line, size_t len, int64_t *ts)
{
	size_t end, i;
	uint64_t v = 0, lim;
	int neg;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	end = len;
	while (end > 0 && len - end < SD_LP_INT_MAX && line[end - 1] >= '0' &&
	    line[end - 1] <= '9')
		end--;
	if (end == len || end == 0)
		return SD_ERR_MALFORMED;
	neg = line[end - 1] == '-';
	if (neg && end == 1)
		return SD_ERR_MALFORMED;
	if (line[end - 1 - neg] != ' ')
		return SD_ERR_MALFORMED;
	/* INT64_MAX, or its negation's magnitude. */
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = end; i < len; i++) {
		if (v > (lim - (uint64_t)(line[i] - '0')) / 10)
			return SD_ERR_MALFORMED;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	*ts = neg ? -(int64_t)(v - 1) - 1 : (int64_t)v;
	return SD_OK;
}

double
sd_lp_value(const struct sd_lp_view *v)
{
	char b[64];

	sd_lp_unescape(&v->value, b, sizeof(b));
	return strtod(b, NULL);
}

/* Whether span s reads key (klen bytes) once unescaped. */
static int
lp_span_is(const struct sd_lp_span *s, const char *key, size_t klen)
{
	const char *p = s->p, *end = s->p + s->n;

	if (!s->esc)
		return s->n == klen && memcmp(p, key, klen) == 0;
	for (; p < end; p++, key++, klen--) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (klen == 0 || *key != *p)
			return 0;
	}
	return klen == 0;
}

const struct sd_lp_span *
sd_lp_tag(const struct sd_lp_view *v, const char *key)
{
	size_t i, klen = strlen(key);

	for (i = 0; i < v->ntags; i++) {
		if (lp_span_is(&v->tag_key[i], key, klen))
			return &v->tag_val[i];
	}
	return NULL;
}
