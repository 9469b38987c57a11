/* sd_util.c: clocks, parsing and formatting helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_esc.h"
#include "sd_util.h"

int64_t
sd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
sd_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
sd_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return SD_ERR_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return SD_ERR_INVAL;
	*out = v;
	return SD_OK;
}

int
sd_parse_ports(const char *item, uint64_t *lo, uint64_t *hi)
{
	char buf[32], *dash;

	if (strlen(item) >= sizeof(buf))
		return SD_ERR_INVAL;
	memcpy(buf, item, strlen(item) + 1);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (sd_parse_u64(buf, 1, 65535, lo) != SD_OK)
		return SD_ERR_INVAL;
	*hi = *lo;
	if (dash != NULL && sd_parse_u64(dash + 1, *lo, 65535, hi) != SD_OK)
		return SD_ERR_INVAL;
	return SD_OK;
}

int
sd_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return SD_ERR_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return SD_ERR_INVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return SD_ERR_INVAL;
	}
	if (shift != 0 && end[1] != '\0' && !(end[1] == 'B' && !end[2]) &&
	    !(end[1] == 'i' && end[2] == 'B' && !end[3]))
		return SD_ERR_INVAL;
	if (v > (UINT64_MAX >> shift))
		return SD_ERR_INVAL;
	*out = (uint64_t)v << shift;
	return SD_OK;
}

#define TIME_SEC_MAX	(INT64_MAX / 1000000000) /* 2262-04-11T23:47:16Z */

/* Whether p starts with the shape pat ('d' a digit, 'T' T or t, other
 * bytes themselves). */
static int
time_shape(const char *p, const char *pat)
{
	for (; *pat != '\0'; p++, pat++) {
		if (*pat == 'd' ? !isdigit((unsigned char)*p) : *pat == 'T' ?
		    (*p != 'T' && *p != 't') : *p != *pat)
			return 0;
	}
	return 1;
}

/* The decimal value of p[0..n). */
static int
time_num(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + p[i] - '0';
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
time_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy -
	    719468;
}

/* RFC 3339 into seconds and nanoseconds. */
static int
time_rfc3339(const char *p, int64_t *sec, int64_t *ns)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int y, mo, d, h, mi, s, off = 0, leap, n = 0;

	*ns = 0;
	if (!time_shape(p, "dddd-dd-ddTdd:dd:dd"))
		return SD_ERR_INVAL;
	y = time_num(p, 4);
	mo = time_num(p + 5, 2);
	d = time_num(p + 8, 2);
	h = time_num(p + 11, 2);
	mi = time_num(p + 14, 2);
	s = time_num(p + 17, 2);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || s > 60)
		return SD_ERR_INVAL;
	p += 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return SD_ERR_INVAL;
		for (; isdigit((unsigned char)*p); p++, n++)
			if (n < 9)
				*ns = *ns * 10 + (*p - '0');
		for (; n < 9; n++)
			*ns *= 10;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		off = 0;
	else if ((*p == '+' || *p == '-') && time_shape(p + 1, "dd:dd") &&
	    p[6] == '\0' && time_num(p + 1, 2) < 24 &&
	    time_num(p + 4, 2) < 60)
		off = (*p == '-' ? -1 : 1) * (time_num(p + 1, 2) * 3600 +
		    time_num(p + 4, 2) * 60);
	else
		return SD_ERR_INVAL;
	/* A leap second counts as the last of its minute. */
	*sec = time_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    (s == 60 ? 59 : s) - off;
	return SD_OK;
}

/* "-N" and a unit (s, m, h, d) before now_ns, into seconds and ns. */
static int
time_relative(const char *s, int64_t now_ns, int64_t *sec, int64_t *ns)
{
	static const struct {
		char		 unit;
		uint64_t	 secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	size_t len = strlen(s);
	uint64_t v;
	char num[24];

	if (len < 3 || len - 2 >= sizeof(num))
		return SD_ERR_INVAL;
	memcpy(num, s + 1, len - 2);
	num[len - 2] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != s[len - 1] || sd_parse_u64(num, 0,
		    TIME_SEC_MAX / units[i].secs, &v) != SD_OK)
			continue;
		*sec = now_ns / 1000000000 - (int64_t)(v * units[i].secs);
		*ns = now_ns % 1000000000;
		return SD_OK;
	}
	return SD_ERR_INVAL;
}

int
sd_parse_time(const char *s, int64_t now_ns, int64_t *out)
{
	int64_t sec = 0, ns = 0;
	uint64_t v;
	int rc;

	if (s == NULL)
		return SD_ERR_INVAL;
	if (s[0] == '-')
		rc = time_relative(s, now_ns, &sec, &ns);
	else if (sd_parse_u64(s, 0, TIME_SEC_MAX, &v) == SD_OK) {
		sec = (int64_t)v;
		rc = SD_OK;
	} else
		rc = time_rfc3339(s, &sec, &ns);
	/* Past INT64_MAX ns, or before the epoch. */
	if (rc != SD_OK || sec < 0 || sec > TIME_SEC_MAX ||
	    (sec == TIME_SEC_MAX && ns > INT64_MAX % 1000000000))
		return SD_ERR_INVAL;
	*out = sec * 1000000000 + ns;
	return SD_OK;
}

void
sd_fmt_rfc3339(int64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ns % 1000000000 / 1000000));
}

void
sd_fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

void
sd_fmt_thousands(uint64_t n, char *buf, size_t len)
{
	char digits[24], out[32];
	size_t nd, i, o = 0;

	nd = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)n);
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}

int
sd_parse_target(const char *s, char *host, size_t len, int *port)
{
	const char *colon;
	uint64_t p;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			return -1;
		snprintf(host, len, "%.*s", (int)(colon - s - 1), s + 1);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s)
			return -1;
		snprintf(host, len, "%.*s", (int)(colon - s), s);
	}
	if (sd_parse_u64(colon + 1, 1, 65535, &p) != SD_OK)
		return -1;
	*port = (int)p;
	return 0;
}

int
sd_fd_spare_low(int fd)
{
	struct rlimit rl;

	return fd >= 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)fd + SD_FD_SPARE >= rl.rlim_cur;
}

int
sd_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sd_secret_equal(const void *u, size_t ulen, const void *s, size_t slen)
{
	const unsigned char *a = u, *b = s;
	unsigned char d = 0;
	size_t i;

	/* Every byte of the secret is looked at, whatever matched. */
	for (i = 0; i < slen; i++)
		d |= (unsigned char)((i < ulen ? a[i] : 0) ^ b[i]);
	return d == 0 && ulen == slen;
}

char *
sd_json_dumps(const struct json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII), *out;
	size_t n, cap;

	/* jansson leaves DEL raw; the escaper turns it into \u007f. */
	if (s == NULL || strchr(s, 0x7f) == NULL)
		return s;
	n = strlen(s);
	cap = n * 6 + 1;
	out = malloc(cap);
	if (out != NULL)
		sd_esc_text(s, n, out, cap, SD_ESC_JSON | SD_ESC_ASCII, NULL);
	free(s);
	return out;
}

void
sd_put_text(FILE *fp, const char *s, size_t n)
{
	char buf[1024];
	size_t used, o;

	while (n > 0) {
		o = sd_esc_text(s, n, buf, sizeof(buf), 0, &used);
		fwrite(buf, 1, o, fp);
		s += used;
		n -= used;
	}
}

void
sd_put_verr(const char *who, const char *fmt, va_list ap)
{
	char buf[SD_ERR_LEN];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s: ", who);
	sd_put_text(stderr, buf, strlen(buf));
	fputs("\n", stderr);
}

/* Read fd to its end into buf (room for max + 1 bytes); the count in
 * *n, max + 1 when there was more. */
static int
util_read_all(int fd, char *buf, size_t max, size_t *n)
{
	ssize_t r;

	*n = 0;
	while (*n <= max) {
		r = read(fd, buf + *n, max + 1 - *n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return SD_ERR_INVAL;
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return SD_OK;
}

int
sd_read_file(const char *path, size_t max, char **out, size_t *n,
    char err[SD_ERR_LEN])
{
	struct stat st;
	char *buf = NULL;
	int fd, rc = SD_ERR_INVAL;

	/* O_NONBLOCK: a FIFO must not hang the open. */
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "%s", strerror(errno));
		return SD_ERR_INVAL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, SD_ERR_LEN, "not a regular file");
		goto out_close;
	}
	buf = malloc(max + 2);
	if (buf == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		rc = SD_ERR_NOMEM;
		goto out_close;
	}
	if (util_read_all(fd, buf, max, n) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "%s", strerror(errno));
		rc = SD_ERR_INVAL;
		goto out_free;
	}
	if (*n > max) {
		snprintf(err, SD_ERR_LEN, "larger than %zu bytes", max);
		goto out_free;
	}
	buf[*n] = '\0';
	*out = buf;
	buf = NULL;
	rc = SD_OK;
out_free:
	free(buf);
out_close:
	close(fd);
	return rc;
}

/* Words joined with spaces (for the texts of ctl and the client). */
char *
sd_join_words(char *const *words, int n)
{
	size_t len = 1, at = 0, k;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			s[at++] = ' ';
		k = strlen(words[i]);
		memcpy(s + at, words[i], k);
		at += k;
	}
	s[at] = '\0';
	return s;
}
