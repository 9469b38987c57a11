/*
 * tui_fmt.c: numbers and times for people (see tui_fmt.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui_fmt.h"

void
tui_fmt_bytes(double n, char *buf, size_t len)
{
	static const char *const u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;

	while (n >= 1000 && i < 4) {
		n /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", n, u[i]);
}

void
tui_fmt_dur(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %02lld:%02lld", (long long)s / 86400,
		    (long long)s % 86400 / 3600, (long long)s % 3600 / 60);
	else
		snprintf(buf, len, "%lld:%02lld:%02lld", (long long)s / 3600,
		    (long long)s % 3600 / 60, (long long)s % 60);
}

void
tui_fmt_age(int64_t s, char *buf, size_t len)
{
	long long v = s < 0 ? 0 : (long long)s;

	if (v < 60)
		snprintf(buf, len, "%llds", v);
	else if (v < 600)
		snprintf(buf, len, "%lldm%02llds", v / 60, v % 60);
	else if (v < 3600)
		snprintf(buf, len, "%lldm", v / 60);
	else if (v < 36000)
		snprintf(buf, len, "%lldh%02lldm", v / 3600, v % 3600 / 60);
	else if (v < 86400)
		snprintf(buf, len, "%lldh", v / 3600);
	else if (v < 864000)
		snprintf(buf, len, "%lldd%02lldh", v / 86400, v % 86400 / 3600);
	else
		snprintf(buf, len, "%lldd", v / 86400);
}

void
tui_fmt_rate(double r, char *buf, size_t len)
{
	if (!(r > 0))
		snprintf(buf, len, "0/s");
	else if (r < 9.95)
		snprintf(buf, len, "%.1f/s", r);
	else if (r < 100000)
		snprintf(buf, len, "%.0f/s", r);
	else
		snprintf(buf, len, "%.0fk/s", r / 1000);
}

void
tui_fmt_clock(int64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	localtime_r(&sec, &tm);
	snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int64_t
tui_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *
tui_fmt_find(const char *hay, const char *needle)
{
	size_t i, n = strlen(needle);
	int c0;

	for (i = 0; i < n; i++) {
		if (isupper((unsigned char)needle[i]))
			return strstr(hay, needle);
	}
	if (n == 0)
		return hay;
	c0 = tolower((unsigned char)needle[0]);
	for (; *hay != '\0'; hay++) {
		if (tolower((unsigned char)*hay) == c0 &&
		    strncasecmp(hay, needle, n) == 0)
			return hay;
	}
	return NULL;
}
