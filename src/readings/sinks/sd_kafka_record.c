/*
 * sd_kafka_record.c: what the Kafka sink makes of a spool line (see
 * sd_kafka_record.h): JSON written by hand (this runs for every
 * record), numbers kept as written where JSON reads them so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_kafka_record.h"
#include "sd_lineproto.h"

#define REC_HEAD_MAX	1024		/* a line's head, to compare */
#define REC_RECORD_MAX	2048		/* JSON around one value, at most */

/* What lines with the same head (measurement and tags) make alike: the
 * key and the JSON around value and time. A connection's readings come
 * in runs, so most lines find their head here: a memcmp instead of a
 * parse of their tags and a JSON escape of their device. */
struct sd_kafka_record_head {
	char	 line[REC_HEAD_MAX];
	size_t	 len;			/* 0: none kept */
	char	 key[SD_LP_NAME_MAX];
	size_t	 key_len;
	char	 pre[REC_RECORD_MAX];	/* {"device":"…","value": */
	size_t	 pre_len;
	/* ,"channel":"…","port":N,"node":"…"} */
	char	 post[REC_RECORD_MAX];
	size_t	 post_len;
	char	 node[SD_KAFKA_NODE_MAX + 1];	/* --node-id; "": none */
};

/* Append n bytes at o when they fit; o past cap marks an overflow. */
static size_t
rec_putn(char *out, size_t cap, size_t o, const char *s, size_t n)
{
	if (o >= cap || n >= cap - o)
		return cap;
	memcpy(out + o, s, n);
	return o + n;
}

#define rec_put(out, cap, o, lit) rec_putn(out, cap, o, lit, sizeof(lit) - 1)

/* Append span s, its line-protocol escapes undone, as a JSON string. */
static size_t
rec_json_str(char *out, size_t cap, size_t o, const struct sd_lp_span *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = s->p, *end = s->p + s->n;
	unsigned char c;

	if (o >= cap)
		return cap;
	out[o++] = '"';
	for (; p < end && o + 8 < cap; p++) {
		if (s->esc && *p == '\\' && p + 1 < end)
			p++;
		c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else
			out[o++] = (char)c;
	}
	if (p < end || o >= cap)
		return cap;
	out[o++] = '"';
	return o;
}

static size_t
rec_put_int(char *out, size_t cap, size_t o, long long v)
{
	char b[SD_LP_INT_MAX];

	return rec_putn(out, cap, o, b, sd_lp_int(v, b));
}

static const char *
rec_digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* ,"seq":S,"index":I of an extension reading: the sequence as the
 * device sent it (unsigned; the line holds its bits as signed). */
static size_t
rec_put_batch(char *out, size_t cap, size_t o, const struct sd_lp_view *v)
{
	char b[SD_LP_INT_MAX + 1];
	uint64_t s = v->bseq;
	size_t i = sizeof(b);

	do {
		b[--i] = (char)('0' + s % 10);
		s /= 10;
	} while (s != 0);
	o = rec_put(out, cap, o, ",\"seq\":");
	o = rec_putn(out, cap, o, b + i, sizeof(b) - i);
	o = rec_put(out, cap, o, ",\"index\":");
	return rec_put_int(out, cap, o, v->bidx);
}

/* Whether p[0..n) is a number as JSON writes one: line protocol also
 * takes "+1", ".5", "1." and leading zeros. */
static int
rec_json_number(const char *p, size_t n)
{
	const char *end = p + n, *q;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if ((q = rec_digits(p, end)) != p)
		p = q;
	else
		return 0;
	if (p < end && *p == '.') {
		q = rec_digits(p + 1, end);
		if (q == p + 1)
			return 0;
		p = q;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		q = rec_digits(p, end);
		if (q == p)
			return 0;
		p = q;
	}
	return p == end;
}

/* The value as JSON: as written when JSON reads it so, else rewritten
 * (a value no double holds, such as +1e999, makes no record). */
static size_t
rec_put_value(char *out, size_t cap, size_t o, const struct sd_lp_span *v)
{
	char b[64];
	double d;
	int n;

	if (rec_json_number(v->p, v->n))
		return rec_putn(out, cap, o, v->p, v->n);
	sd_lp_unescape(v, b, sizeof(b));
	d = strtod(b, NULL);
	if (!isfinite(d))
		return cap;
	n = snprintf(b, sizeof(b), "%.17g", d);
	return rec_putn(out, cap, o, b, (size_t)n);
}

/* A tag's value as a number, as strtol reads it (0 when it is none). */
static long
rec_tag_long(const struct sd_lp_span *s)
{
	char b[SD_LP_NAME_MAX];

	sd_lp_unescape(s, b, sizeof(b));
	return strtol(b, NULL, 10);
}

/* Fill h from a parsed line: its key, the JSON around its value and
 * time, and its head (when short enough to keep). SD_ERR_MALFORMED
 * when the JSON does not fit a record. */
static int
rec_head_fill(struct sd_kafka_record_head *h, const char *device_tag,
    const char *line, const struct sd_lp_view *v)
{
	static const struct sd_lp_span none = { "", 0, 0 };
	const struct sd_lp_span *dev, *chan, *port;
	size_t o;

	h->len = 0;
	dev = sd_lp_tag(v, device_tag);
	if (dev == NULL)
		dev = &none;
	h->key_len = sd_lp_unescape(dev, h->key, sizeof(h->key));
	o = rec_put(h->pre, sizeof(h->pre), 0, "{\"device\":");
	o = rec_json_str(h->pre, sizeof(h->pre), o, dev);
	h->pre_len = rec_put(h->pre, sizeof(h->pre), o, ",\"value\":");
	o = 0;
	chan = sd_lp_tag(v, "channel");
	if (chan != NULL) {
		o = rec_put(h->post, sizeof(h->post), o, ",\"channel\":");
		o = rec_json_str(h->post, sizeof(h->post), o, chan);
	}
	port = sd_lp_tag(v, "port");
	if (port != NULL) {
		o = rec_put(h->post, sizeof(h->post), o, ",\"port\":");
		o = rec_put_int(h->post, sizeof(h->post), o,
		    rec_tag_long(port));
	}
	if (h->node[0] != '\0') {
		/* --node-id is checked to need no JSON escape. */
		o = rec_put(h->post, sizeof(h->post), o, ",\"node\":\"");
		o = rec_putn(h->post, sizeof(h->post), o, h->node,
		    strlen(h->node));
		o = rec_put(h->post, sizeof(h->post), o, "\"");
	}
	h->post_len = rec_put(h->post, sizeof(h->post), o, "}");
	if (h->pre_len >= sizeof(h->pre) || h->post_len >= sizeof(h->post))
		return SD_ERR_MALFORMED;
	if (v->head_len <= sizeof(h->line)) {
		memcpy(h->line, line, v->head_len);
		h->len = v->head_len;
	}
	return SD_OK;
}

struct sd_kafka_record_head *
sd_kafka_record_head_new(void)
{
	return calloc(1, sizeof(struct sd_kafka_record_head));
}

void
sd_kafka_record_head_node(struct sd_kafka_record_head *h, const char *node)
{
	snprintf(h->node, sizeof(h->node), "%s", node != NULL ? node : "");
	h->len = 0;
}

const char *
sd_kafka_record_head_key(const struct sd_kafka_record_head *h, size_t *len)
{
	*len = h->key_len;
	return h->key;
}

size_t
sd_kafka_record_make(struct sd_kafka_record_head *h, int format,
    const char *device_tag, const char *line, size_t len, char *out,
    size_t cap)
{
	struct sd_lp_view v;
	size_t o;

	if (h->len > 0 && len > h->len && memcmp(line, h->line, h->len) == 0) {
		if (sd_lp_parse_field(line + h->len, len - h->len, &v) != SD_OK)
			return 0;
	} else if (sd_lp_parse(line, len, &v) != SD_OK ||
	    rec_head_fill(h, device_tag, line, &v) != SD_OK)
		return 0;
	if (format == SD_KAFKA_INFLUX)
		return rec_putn(out, cap, 0, line, len) < cap ? len : 0;
	if (format == SD_KAFKA_RAW) {
		o = (size_t)snprintf(out, cap, "%f", sd_lp_value(&v));
		return o < cap ? o : 0;
	}
	o = rec_putn(out, cap, 0, h->pre, h->pre_len);
	o = rec_put_value(out, cap, o, &v.value);
	o = rec_put(out, cap, o, ",\"time\":");
	/* The digits as written, unless JSON would not read them so (a
	 * leading zero): 19 divisions cost more than the rest. */
	if (v.ts_text.p[0] != '0' && v.ts_text.p[0] != '-')
		o = rec_putn(out, cap, o, v.ts_text.p, v.ts_text.n);
	else
		o = rec_put_int(out, cap, o, v.ts);
	if (v.batched)
		o = rec_put_batch(out, cap, o, &v);
	o = rec_putn(out, cap, o, h->post, h->post_len);
	return o < cap ? o : 0;
}

size_t
sd_kafka_record_value(int format, const char *device_tag, const char *line,
    size_t len, char *out, size_t cap, char *key, size_t key_cap,
    size_t *key_len)
{
	struct sd_kafka_record_head h = { .len = 0 };
	size_t n = sd_kafka_record_make(&h, format, device_tag, line, len,
	    out, cap);

	*key_len = 0;
	if (n > 0 && key_cap > 0) {
		*key_len = h.key_len < key_cap ? h.key_len : key_cap - 1;
		memcpy(key, h.key, *key_len);
		key[*key_len] = '\0';
	}
	return n;
}
