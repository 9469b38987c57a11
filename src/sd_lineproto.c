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

/* Copy an escaped token from *p up to an unescaped stop character (a or
 * b) into out, unescaping it; *p is left on the stop character (or end).
 * This runs for every record a sink builds: no strchr per byte. */
static int
lp_token(const char **p, const char *end, char a, char b, char *out,
    size_t len)
{
	size_t o = 0;

	while (*p < end && **p != a && **p != b) {
		if (**p == '\\' && *p + 1 < end)
			(*p)++;
		if (o + 1 >= len)
			return SD_ERR_MALFORMED;
		out[o++] = **p;
		(*p)++;
	}
	out[o] = '\0';
	return o > 0 ? SD_OK : SD_ERR_MALFORMED;
}

/* A decimal number as strtod reads it whole: sign, digits, point,
 * exponent. Checked by hand: strtod per record is too slow for this. */
static int
lp_is_number(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; (*s >= '0' && *s <= '9') || *s == '.'; s++)
		digits += *s != '.';
	if (digits > 0 && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return digits > 0 && *s == '\0';
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
sd_lp_parse(const char *line, size_t len, struct sd_lp_line *l)
{
	const char *p = line, *end = line + len;

	l->ntags = 0;
	if (lp_token(&p, end, ',', ' ', l->measurement, sizeof(l->measurement)))
		return SD_ERR_MALFORMED;
	while (p < end && *p == ',') {
		p++;
		if (l->ntags == SD_LP_TAGS_MAX ||
		    lp_token(&p, end, '=', '=', l->tag_key[l->ntags],
		    SD_LP_NAME_MAX) || p == end)
			return SD_ERR_MALFORMED;
		p++;
		if (lp_token(&p, end, ',', ' ', l->tag_val[l->ntags],
		    SD_LP_NAME_MAX))
			return SD_ERR_MALFORMED;
		l->ntags++;
	}
	if (p == end || *p++ != ' ' ||
	    lp_token(&p, end, '=', '=', l->field, sizeof(l->field)) || p == end)
		return SD_ERR_MALFORMED;
	p++;
	if (lp_token(&p, end, ' ', ' ', l->value_text, sizeof(l->value_text)) ||
	    p == end)
		return SD_ERR_MALFORMED;
	if (!lp_is_number(l->value_text))
		return SD_ERR_MALFORMED;
	p++;
	return lp_int(p, end, &l->ts);
}

double
sd_lp_value(const struct sd_lp_line *l)
{
	return strtod(l->value_text, NULL);
}

const char *
sd_lp_tag(const struct sd_lp_line *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->ntags; i++) {
		if (strcmp(l->tag_key[i], key) == 0)
			return l->tag_val[i];
	}
	return NULL;
}
