/*
 * test_lineproto.c: line protocol as the readings store writes it:
 * escaping of names and tag values, shortest numbers, reading lines back,
 * and values that line protocol cannot carry.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_lineproto.h"
#include "sd_pipeline.h"
#include "sd_sink_kafka.h"
#include "sd_test.h"

static const uint8_t DEV[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

static void
test_escape(void)
{
	char out[128];

	sd_lp_escape("my meas,x", 9, 0, out, sizeof(out));
	CHECK(strcmp(out, "my\\ meas\\,x") == 0);
	sd_lp_escape("a=b c,d\\e", 9, 1, out, sizeof(out));
	CHECK(strcmp(out, "a\\=b\\ c\\,d\\\\e") == 0);
	sd_lp_escape("a=b", 3, 0, out, sizeof(out));
	CHECK(strcmp(out, "a=b") == 0);
	sd_lp_escape("line\nbreak", 10, 1, out, sizeof(out));
	CHECK(strcmp(out, "linebreak") == 0);
	/* Never past the buffer, never a dangling backslash. */
	sd_lp_escape(",,,,,,", 6, 1, out, 6);
	CHECK(strlen(out) <= 5 && strlen(out) % 2 == 0);
}

static void
test_number(void)
{
	char b[64];

	sd_lp_number(21.5, 1, b, sizeof(b));
	CHECK(strcmp(b, "21.5") == 0);
	sd_lp_number((float)0.1, 1, b, sizeof(b));
	CHECK(strcmp(b, "0.1") == 0);
	sd_lp_number(0.1, 0, b, sizeof(b));
	CHECK(strcmp(b, "0.1") == 0);
	sd_lp_number(-3.25, 0, b, sizeof(b));
	CHECK(strcmp(b, "-3.25") == 0);
	sd_lp_number(1.0 / 3.0, 0, b, sizeof(b));
	CHECK(strtod(b, NULL) == 1.0 / 3.0);
	sd_lp_number(1e300, 0, b, sizeof(b));
	CHECK(strtod(b, NULL) == 1e300);
	sd_lp_number(0.05, 0, b, sizeof(b));
	CHECK(strcmp(b, "0.05") == 0);
	sd_lp_number(-20.0, 1, b, sizeof(b));
	CHECK(strcmp(b, "-20") == 0);
	sd_lp_number((float)-0.375, 1, b, sizeof(b));
	CHECK(strcmp(b, "-0.375") == 0);
}

/* Every number written reads back as the same value: random float32 bit
 * patterns, sensor-like values and random doubles. */
static void
test_number_roundtrip(void)
{
	uint64_t seed = 99, r;
	uint32_t bits;
	float f;
	double d;
	char b[64];
	int i, bad = 0;

	for (i = 0; i < 200000; i++) {
		r = sd_test_rand(&seed);
		bits = (uint32_t)r;
		memcpy(&f, &bits, sizeof(f));
		if (i % 2)
			f = (float)((double)(r % 200000) / 1000.0 - 100.0);
		if (!isfinite(f))
			continue;
		sd_lp_number(f, 1, b, sizeof(b));
		if (strtof(b, NULL) != f)
			bad++;
		memcpy(&d, &r, sizeof(d));
		if (i % 2)
			d = (double)(r % 2000000) / 10000.0 - 100.0;
		if (!isfinite(d))
			continue;
		sd_lp_number(d, 0, b, sizeof(b));
		if (strtod(b, NULL) != d)
			bad++;
	}
	/* Every float of a thermometer's range with three decimals, and a
	 * few million consecutive floats around 1. */
	for (i = -2000000; i <= 2000000; i++) {
		f = (float)((double)i / 1000.0);
		sd_lp_number(f, 1, b, sizeof(b));
		if (strtof(b, NULL) != f)
			bad++;
	}
	for (bits = 0x3f000000u; bits < 0x3f300000u; bits++) {
		memcpy(&f, &bits, sizeof(f));
		sd_lp_number(f, 1, b, sizeof(b));
		if (strtof(b, NULL) != f)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

/* A pipeline with odd names writes lines that parse back to the same
 * names and values. */
static void
test_roundtrip(void)
{
	char dir[] = "/tmp/sdlpXXXXXX", err[SD_ERR_LEN], line[1024];
	struct sd_reading_in r = { DEV, 0, 21.5, 0, "t, e=mp", 7, 0, NULL };
	struct sd_pipeline *p;
	struct sd_lp_line l;
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	p = sd_pipeline_new(dir, "my meas", "the value", "Mac,Addr", err);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	n = sd_pipeline_line(p, &r, 1700000000000000001LL, line, sizeof(line));
	CHECK(n > 0 && line[n - 1] == '\n');
	CHECK(strcmp(line, "my\\ meas,Mac\\,Addr=aa:bb:cc:dd:ee:ff,"
	    "channel=t\\,\\ e\\=mp the\\ value=21.5 1700000000000000001\n")
	    == 0);
	CHECK_EQ(sd_lp_parse(line, n - 1, &l), SD_OK);
	CHECK(strcmp(l.measurement, "my meas") == 0);
	CHECK(strcmp(sd_lp_tag(&l, "Mac,Addr"), "aa:bb:cc:dd:ee:ff") == 0);
	CHECK(strcmp(sd_lp_tag(&l, "channel"), "t, e=mp") == 0);
	CHECK(strcmp(l.field, "the value") == 0);
	CHECK(sd_lp_value(&l) == 21.5);
	CHECK_EQ(l.ts, 1700000000000000001LL);
	CHECK(sd_lp_tag(&l, "port") == NULL);

	/* NaN and infinities have no line-protocol form. */
	r.value = NAN;
	CHECK_EQ(sd_pipeline_line(p, &r, 1, line, sizeof(line)), 0);
	r.value = INFINITY;
	CHECK_EQ(sd_pipeline_line(p, &r, 1, line, sizeof(line)), 0);
	CHECK_EQ(sd_pipeline_submit(p, &r, err), SD_ERR_INVAL);
	sd_pipeline_free(p);
	snprintf(line, sizeof(line), "%s/readings-00000001.lp", dir);
	unlink(line);
	rmdir(dir);
}

/* What sd_pipeline_submit() writes (its fast path for untagged readings:
 * a device's head of line, float32 texts cached by their bits in
 * two-way sets, timestamps rewritten in their last digits) is byte for
 * byte what sd_pipeline_line() makes: across devices that alternate, a
 * channel now and then, float32 and double values, more distinct values
 * than the cache holds, and timestamps that jump and go negative. */
static void
test_submit_same_lines(void)
{
	static const uint8_t dev2[6] = { 0x02, 0, 0, 0, 0, 0x7f };
	enum { N = 12000 };
	char dir[] = "/tmp/sdlpXXXXXX", err[SD_ERR_LEN], path[256];
	char *want = malloc((size_t)N * 128), *got = malloc((size_t)N * 128);
	char line[1024];
	struct sd_reading_in r = { DEV, 0, 0, 0, NULL, 0, 0, NULL };
	struct sd_pipeline *p;
	size_t o = 0, n;
	FILE *fp;
	int i;

	CHECK(mkdtemp(dir) != NULL && want != NULL && got != NULL);
	p = sd_pipeline_new(dir, "sensor", "value", "Mac-Address", err);
	CHECK(p != NULL);
	if (p == NULL || want == NULL || got == NULL)
		goto out;
	for (i = 0; i < N; i++) {
		r.dev = i % 7 < 3 ? DEV : dev2;
		r.single = i % 5 != 0;
		r.value = r.single ? (double)(float)(20.0 + (i * 7 % 6000) /
		    100.0) : -i / 3.0;
		r.chan = i % 11 == 5 ? "temp" : NULL;
		r.chan_len = r.chan != NULL ? 4 : 0;
		r.ts_ns = i % 97 == 13 ? -5 - i : 1700000000000000000LL +
		    (int64_t)i * 977 + (i % 50 == 0 ? 1000000 : 0);
		n = sd_pipeline_line(p, &r, r.ts_ns, line, sizeof(line));
		CHECK(n > 0 && o + n < (size_t)N * 128);
		memcpy(want + o, line, n);
		o += n;
		CHECK_EQ(sd_pipeline_submit(p, &r, err), SD_OK);
	}
	CHECK_EQ(sd_pipeline_flush(p, err), SD_OK);
	snprintf(path, sizeof(path), "%s/readings-00000001.lp", dir);
	fp = fopen(path, "rb");
	CHECK(fp != NULL);
	n = fp != NULL ? fread(got, 1, (size_t)N * 128, fp) : 0;
	if (fp != NULL)
		fclose(fp);
	CHECK_EQ(n, o);
	CHECK(memcmp(got, want, o) == 0);
	sd_pipeline_free(p);
	unlink(path);
out:
	rmdir(dir);
	free(want);
	free(got);
}

static void
test_parse_malformed(void)
{
	static const char *const bad[] = {
		"", "m", "m value=1", "m,t value=1 1", "m,t= value=1 1",
		"m value= 1", "m value=x 1", "m value=1 ", "m value=1 1x",
		" value=1 1",
	};
	struct sd_lp_line l;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sd_lp_parse(bad[i], strlen(bad[i]), &l) !=
		    SD_ERR_MALFORMED) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			sd_test_failures++;
		}
	}
	CHECK_EQ(sd_lp_parse("m value=1 -5", 12, &l), SD_OK);
	CHECK_EQ(l.ts, -5);
}

/* What the Kafka sink makes of a line, in each format. */
static void
test_kafka_values(void)
{
	static const char line[] = "sensor,Mac-Address=aa:bb:cc:dd:ee:ff,"
	    "channel=a\\ \"b,port=5000 value=21.5 1700000000000000000";
	char out[512], key[64];
	size_t n;

	n = sd_sink_kafka_value(SD_KAFKA_JSON, "Mac-Address", line,
	    strlen(line), out, sizeof(out), key, sizeof(key));
	out[n] = '\0';
	CHECK(strcmp(key, "aa:bb:cc:dd:ee:ff") == 0);
	CHECK(strcmp(out, "{\"device\":\"aa:bb:cc:dd:ee:ff\",\"value\":21.5,"
	    "\"time\":1700000000000000000,\"channel\":\"a \\\"b\","
	    "\"port\":5000}") == 0);
	n = sd_sink_kafka_value(SD_KAFKA_RAW, "Mac-Address", line,
	    strlen(line), out, sizeof(out), key, sizeof(key));
	out[n] = '\0';
	CHECK(strcmp(out, "21.500000") == 0);
	n = sd_sink_kafka_value(SD_KAFKA_INFLUX, "Mac-Address", line,
	    strlen(line), out, sizeof(out), key, sizeof(key));
	CHECK(n == strlen(line) && memcmp(out, line, n) == 0);
	CHECK_EQ(sd_sink_kafka_value(SD_KAFKA_JSON, "Mac-Address", "junk", 4,
	    out, sizeof(out), key, sizeof(key)), 0);
}

static const struct sd_test_case cases[] = {
	{ "escape", test_escape },
	{ "number", test_number },
	{ "number_roundtrip", test_number_roundtrip },
	{ "roundtrip", test_roundtrip },
	{ "submit_same_lines", test_submit_same_lines },
	{ "parse_malformed", test_parse_malformed },
	{ "kafka_values", test_kafka_values },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
