/*
 * test_prom.c: the Prometheus text writer (src/common/sd_prom): exact
 * lines for families and samples, label values and HELP text escaped so
 * nothing ends a line or a string early, bad names refused, and the
 * body's maximum kept (a line that would pass it is left out whole).
 */
#include <math.h>
#include <string.h>

#include <event2/buffer.h>

#include "sd_prom.h"
#include "sd_test.h"

/* Whether the body of b is want; prints it when not. */
static int
body_is(struct evbuffer *b, const char *want)
{
	size_t n = evbuffer_get_length(b);
	const char *s = (const char *)evbuffer_pullup(b, -1);

	if (n == strlen(want) && (n == 0 || memcmp(s, want, n) == 0))
		return 1;
	fprintf(stderr, "  got:\n%.*s  want:\n%s", (int)n, s ? s : "",
	    want);
	return 0;
}

static void
test_lines(void)
{
	struct evbuffer *b = evbuffer_new();
	struct sd_prom w;
	struct sd_prom_label l[] = { { "port", "5000" }, { "tls", "no" } };

	sd_prom_init(&w, b, 4096);
	sd_prom_family(&w, "sockdeck_x_total", "counter", "Things seen.");
	sd_prom_u64(&w, "sockdeck_x_total", NULL, 0, UINT64_MAX);
	sd_prom_u64(&w, "sockdeck_x_total", l, 2, 0);
	sd_prom_double(&w, "sockdeck_y_seconds", l, 1, 1.5);
	sd_prom_double(&w, "sockdeck_y_seconds", NULL, 0, NAN);
	sd_prom_double(&w, "sockdeck_y_seconds", NULL, 0, INFINITY);
	sd_prom_double(&w, "sockdeck_y_seconds", NULL, 0, -INFINITY);
	CHECK(body_is(b,
	    "# HELP sockdeck_x_total Things seen.\n"
	    "# TYPE sockdeck_x_total counter\n"
	    "sockdeck_x_total 18446744073709551615\n"
	    "sockdeck_x_total{port=\"5000\",tls=\"no\"} 0\n"
	    "sockdeck_y_seconds{port=\"5000\"} 1.5\n"
	    "sockdeck_y_seconds NaN\n"
	    "sockdeck_y_seconds +Inf\n"
	    "sockdeck_y_seconds -Inf\n"));
	CHECK(!w.over && !w.bad);
	evbuffer_free(b);
}

static void
test_escapes(void)
{
	struct evbuffer *b = evbuffer_new();
	struct sd_prom w;
	struct sd_prom_label l[] = { { "why", "a\"b\\c\nd" } };

	sd_prom_init(&w, b, 4096);
	sd_prom_family(&w, "m", "gauge", "back\\slash\nand \"quotes\"");
	sd_prom_u64(&w, "m", l, 1, 7);
	CHECK(body_is(b,
	    "# HELP m back\\\\slash\\nand \"quotes\"\n"
	    "# TYPE m gauge\n"
	    "m{why=\"a\\\"b\\\\c\\nd\"} 7\n"));
	evbuffer_free(b);
}

static void
test_bad_names(void)
{
	static const char *bad[] = { "", "1abc", "a-b", "a b", "a\n",
	    "a{x}" };
	struct evbuffer *b = evbuffer_new();
	struct sd_prom w;
	struct sd_prom_label l[] = { { "__name__", "x" } };
	struct sd_prom_label colon[] = { { "a:b", "x" } };
	size_t i;

	CHECK(sd_prom_name_ok("sockdeck:rule_x", 0));
	CHECK(!sd_prom_name_ok("a:b", 1));
	CHECK(sd_prom_name_ok("_x9", 1));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sd_prom_init(&w, b, 4096);
		sd_prom_u64(&w, bad[i], NULL, 0, 1);
		sd_prom_family(&w, bad[i], "gauge", "x");
		CHECK(w.bad);
	}
	sd_prom_init(&w, b, 4096);
	sd_prom_u64(&w, "m", l, 1, 1);
	CHECK(w.bad);
	sd_prom_init(&w, b, 4096);
	sd_prom_u64(&w, "m", colon, 1, 1);
	CHECK(w.bad);
	CHECK_EQ(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}

static void
test_bounds(void)
{
	struct evbuffer *b = evbuffer_new();
	struct sd_prom w;
	char big[SD_PROM_LINE + 8];
	struct sd_prom_label l[] = { { "v", big } };

	/* "m 1\n" is 4 bytes: two fit in 10, the third is left out. */
	sd_prom_init(&w, b, 10);
	sd_prom_u64(&w, "m", NULL, 0, 1);
	sd_prom_u64(&w, "m", NULL, 0, 2);
	CHECK(!w.over);
	sd_prom_u64(&w, "m", NULL, 0, 3);
	CHECK(w.over);
	CHECK(body_is(b, "m 1\nm 2\n"));
	/* A line longer than SD_PROM_LINE is refused whole. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sd_prom_init(&w, b, 1 << 20);
	sd_prom_u64(&w, "m", l, 1, 1);
	CHECK(w.bad);
	CHECK(body_is(b, "m 1\nm 2\n"));
	evbuffer_free(b);
}

/* A histogram: cumulative buckets with le last among the labels, +Inf,
 * _sum and _count equal to the +Inf bucket. */
static void
test_histogram(void)
{
	struct evbuffer *b = evbuffer_new();
	struct sd_prom w;
	struct sd_prom_label l[] = { { "sink", "influx" } };
	static const double le[] = { 0.01, 1, 3600 };
	static const uint64_t n[] = { 2, 0, 5, 1 };

	sd_prom_init(&w, b, 4096);
	sd_prom_family(&w, "sd_age_seconds", "histogram", "Ages.");
	sd_prom_histogram(&w, "sd_age_seconds", l, 1, le, 3, n, 12.5);
	sd_prom_histogram(&w, "sd_age_seconds", NULL, 0, le, 0, n, 0);
	CHECK(body_is(b, "# HELP sd_age_seconds Ages.\n"
	    "# TYPE sd_age_seconds histogram\n"
	    "sd_age_seconds_bucket{sink=\"influx\",le=\"0.01\"} 2\n"
	    "sd_age_seconds_bucket{sink=\"influx\",le=\"1\"} 2\n"
	    "sd_age_seconds_bucket{sink=\"influx\",le=\"3600\"} 7\n"
	    "sd_age_seconds_bucket{sink=\"influx\",le=\"+Inf\"} 8\n"
	    "sd_age_seconds_sum{sink=\"influx\"} 12.5\n"
	    "sd_age_seconds_count{sink=\"influx\"} 8\n"
	    "sd_age_seconds_bucket{le=\"+Inf\"} 2\n"
	    "sd_age_seconds_sum 0\n"
	    "sd_age_seconds_count 2\n"));
	CHECK(!w.bad && !w.over);
	/* Too many labels to add le to: refused. */
	sd_prom_histogram(&w, "sd_age_seconds", l, SD_PROM_LABELS, le, 3, n,
	    0);
	CHECK(w.bad);
	evbuffer_free(b);
}

static const struct sd_test_case cases[] = {
	{ "lines", test_lines },
	{ "escapes", test_escapes },
	{ "bad_names", test_bad_names },
	{ "bounds", test_bounds },
	{ "histogram", test_histogram },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
