/* sd_lineproto.c: InfluxDB line protocol (see sd_lineproto.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_lineproto.h"

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

/* Write m with d digits after the decimal point ("-12.34" for -1234,
 * 2); its length. */
static size_t
lp_fixed(long long m, int d, char *buf, size_t len)
{
	char b[32];
	size_t i = sizeof(b), n;
	unsigned long long u = m < 0 ? 0ULL - (unsigned long long)m :
	    (unsigned long long)m;
	int k = 0;

	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
		if (++k == d)
			b[--i] = '.';
	} while (u != 0 || k <= d);
	if (b[i] == '.')
		b[--i] = '0';
	if (m < 0)
		b[--i] = '-';
	n = sizeof(b) - i;
	if (n >= len)
		return 0;
	memcpy(buf, b + i, n);
	buf[n] = '\0';
	return n;
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
	if (u > (uint64_t)INT64_MAX)
		return SD_ERR_MALFORMED;
	*out = neg ? -(int64_t)u : (int64_t)u;
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

int
sd_lp_parse_field(const char *p, size_t len, struct sd_lp_view *v)
{
	const char *end = p + len;

	if (lp_span(&p, end, '=', '=', SD_LP_NAME_MAX, &v->field) || p == end)
		return SD_ERR_MALFORMED;
	p++;
	/* 64: no float needs more digits than that to be read back. */
	if (lp_span(&p, end, ' ', ' ', 64, &v->value) || p == end ||
	    v->value.esc || !lp_is_number(v->value.p, v->value.p +
	    v->value.n))
		return SD_ERR_MALFORMED;
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
