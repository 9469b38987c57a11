/*
 * test_util.c: sd_util's parsing: points in time (RFC 3339, Unix
 * seconds, relative), their edges and what is refused.
 */
#include <string.h>

#include "sd_err.h"
#include "sd_test.h"
#include "sd_util.h"

#define NOW	1796457600123456789LL	/* 2026-12-05T08:00:00.123456789Z */

/* Whether s parses (with NOW) to want ns. */
static int
time_is(const char *s, int64_t want)
{
	int64_t got = -1;

	if (sd_parse_time(s, NOW, &got) != SD_OK || got != want) {
		fprintf(stderr, "  \"%s\": got %lld, want %lld\n", s,
		    (long long)got, (long long)want);
		return 0;
	}
	return 1;
}

static void
test_time_forms(void)
{
	CHECK(time_is("2026-12-05T08:00:00Z", 1796457600000000000LL));
	CHECK(time_is("2026-12-05t08:00:00z", 1796457600000000000LL));
	CHECK(time_is("2026-12-05T09:30:00+01:30", 1796457600000000000LL));
	CHECK(time_is("2026-12-05T00:00:00-08:00", 1796457600000000000LL));
	CHECK(time_is("2026-12-05T08:00:00.5Z", 1796457600500000000LL));
	CHECK(time_is("2026-12-05T08:00:00.123456789123Z",
	    1796457600123456789LL));
	CHECK(time_is("1970-01-01T00:00:00Z", 0));
	CHECK(time_is("2000-02-29T00:00:00Z", 951782400000000000LL));
	CHECK(time_is("2016-12-31T23:59:60Z", 1483228799000000000LL));
	CHECK(time_is("2262-04-11T23:47:16.854775807Z", INT64_MAX));
	CHECK(time_is("9223372036", 9223372036000000000LL));
	CHECK(time_is("1796457600", 1796457600000000000LL));
	CHECK(time_is("0", 0));
	CHECK(time_is("-2h", NOW - 7200LL * 1000000000));
	CHECK(time_is("-30m", NOW - 1800LL * 1000000000));
	CHECK(time_is("-45s", NOW - 45LL * 1000000000));
	CHECK(time_is("-7d", NOW - 7LL * 86400 * 1000000000));
	CHECK(time_is("-0s", NOW));
}

static void
test_time_refused(void)
{
	static const char *const bad[] = {
		"", "-", "-h", "-2", "-2w", "-2H", "--2h", "-2hh", "- 2h",
		"-+2h", "-99999999999999999999d", "-30000000d",
		"2026-12-05", "2026-12-05T08:00:00", "2026-12-05 08:00:00Z",
		"2026-12-05T08:00Z", "2026-13-05T08:00:00Z",
		"2026-00-05T08:00:00Z", "2026-12-00T08:00:00Z",
		"2026-12-32T08:00:00Z", "2026-02-29T08:00:00Z",
		"1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-12-05T24:00:00Z", "2026-12-05T08:60:00Z",
		"2026-12-05T08:00:61Z", "2026-12-05T08:00:00.Z",
		"2026-12-05T08:00:00+0100", "2026-12-05T08:00:00+24:00",
		"2026-12-05T08:00:00+01:60", "2026-12-05T08:00:00Zx",
		"2026-12-05T08:00:00+01:00x", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+00:01", "9223372037", "+5",
		"2262-04-11T23:47:16.854775808Z", "2262-04-11T23:47:17Z",
		"9999-12-31T23:59:59Z", "-9223372037s",
		"12a", "1.5", "2026-12-05T08:00:00ZZ",
	};
	int64_t out = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sd_parse_time(bad[i], NOW, &out) != SD_ERR_INVAL) {
			fprintf(stderr, "  \"%s\" taken\n", bad[i]);
			sd_test_failures++;
		}
	}
	CHECK_EQ(out, 42);
	CHECK(sd_parse_time(NULL, NOW, &out) == SD_ERR_INVAL);
	/* Before the epoch by a relative time. */
	CHECK(sd_parse_time("-1d", 1000000000LL, &out) == SD_ERR_INVAL);
}

static const struct sd_test_case cases[] = {
	{ "time_forms", test_time_forms },
	{ "time_refused", test_time_refused },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
