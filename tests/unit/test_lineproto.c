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
#include "sd_kafka_record.h"
#include "sd_spoolrange.h"
#include "sd_spoolscan.h"
#include "sd_test.h"

/* Whether span s (may be NULL) reads want once unescaped. */
static int
span_is(const struct sd_lp_span *s, const char *want)
{
	char b[SD_LP_NAME_MAX];

	return s != NULL && sd_lp_unescape(s, b, sizeof(b)) == strlen(want) &&
	    strcmp(b, want) == 0;
}

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

/* Integers as printf writes them, at the edges of int64 and of the
 * two-digit steps. */
static void
test_integer(void)
{
	static const int64_t v[] = { 0, 1, -1, 9, 10, 99, 100, -100, 101,
	    1000, 1700000000000000001LL, INT64_MAX, INT64_MIN,
	    INT64_MIN + 1, -9876543210LL };
	char b[SD_LP_INT_MAX + 1], want[32];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = sd_lp_int(v[i], b);
		b[n] = '\0';
		snprintf(want, sizeof(want), "%lld", (long long)v[i]);
		if (strcmp(b, want) != 0) {
			fprintf(stderr, "sd_lp_int: %s, expected %s\n", b,
			    want);
			sd_test_failures++;
		}
	}
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
	struct sd_reading_in r = { DEV, 0, 21.5, 0, "t, e=mp", 7, 0, NULL,
	    0, 0, 0 };
	struct sd_lp_writer *lw;
	struct sd_pipeline *p;
	struct sd_lp_view l;
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	lw = sd_lp_writer_new("my meas", "the value", "Mac,Addr");
	p = sd_pipeline_new(dir, "my meas", "the value", "Mac,Addr", err);
	CHECK(p != NULL && lw != NULL);
	if (p == NULL || lw == NULL)
		return;
	n = sd_lp_write_line(lw, &r, 1700000000000000001LL, line, sizeof(line));
	CHECK(n > 0 && line[n - 1] == '\n');
	CHECK(strcmp(line, "my\\ meas,Mac\\,Addr=aa:bb:cc:dd:ee:ff,"
	    "channel=t\\,\\ e\\=mp the\\ value=21.5 1700000000000000001\n")
	    == 0);
	CHECK_EQ(sd_lp_parse(line, n - 1, &l), SD_OK);
	CHECK(span_is(&l.measurement, "my meas"));
	CHECK(span_is(sd_lp_tag(&l, "Mac,Addr"), "aa:bb:cc:dd:ee:ff"));
	CHECK(span_is(sd_lp_tag(&l, "channel"), "t, e=mp"));
	CHECK(span_is(&l.field, "the value"));
	CHECK(sd_lp_value(&l) == 21.5);
	CHECK_EQ(l.ts, 1700000000000000001LL);
	CHECK(sd_lp_tag(&l, "port") == NULL);
	CHECK(sd_lp_tag(&l, "Mac,Add") == NULL);
	CHECK(sd_lp_tag(&l, "Mac,Addr,") == NULL);
	CHECK(sd_lp_tag(&l, "channe") == NULL);

	/* NaN and infinities have no line-protocol form. */
	r.value = NAN;
	CHECK_EQ(sd_lp_write_line(lw, &r, 1, line, sizeof(line)), 0);
	r.value = INFINITY;
	CHECK_EQ(sd_lp_write_line(lw, &r, 1, line, sizeof(line)), 0);
	CHECK_EQ(sd_pipeline_submit(p, &r, err), SD_ERR_INVAL);
	sd_pipeline_free(p);
	sd_lp_writer_free(lw);
	snprintf(line, sizeof(line), "%s/readings-00000001.lp", dir);
	unlink(line);
	rmdir(dir);
}

/* What sd_pipeline_submit() writes (its fast path for untagged readings:
 * a device's head of line, float32 texts cached by their bits in
 * two-way sets, timestamps rewritten in their last digits) is byte for
 * byte what sd_lp_write_line() makes: across devices that alternate, a
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
	struct sd_reading_in r = { DEV, 0, 0, 0, NULL, 0, 0, NULL, 0, 0, 0 };
	struct sd_lp_writer *lw = sd_lp_writer_new("sensor", "value",
	    "Mac-Address");
	struct sd_pipeline *p;
	size_t o = 0, n;
	FILE *fp;
	int i;

	CHECK(mkdtemp(dir) != NULL && want != NULL && got != NULL);
	p = sd_pipeline_new(dir, "sensor", "value", "Mac-Address", err);
	CHECK(p != NULL && lw != NULL);
	if (p == NULL || lw == NULL || want == NULL || got == NULL)
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
		n = sd_lp_write_line(lw, &r, r.ts_ns, line, sizeof(line));
		CHECK(n > 0 && o + n < (size_t)N * 128);
		memcpy(want + o, line, n);
		o += n;
		CHECK_EQ(sd_pipeline_submit(p, &r, err), SD_OK);
	}
	CHECK_EQ(sd_pipeline_flush(p, err), SD_OK);
	/* A flush hands the lines to the spool's writer thread; freeing
	 * the pipeline waits until they are written. */
	sd_pipeline_free(p);
	p = NULL;
	snprintf(path, sizeof(path), "%s/readings-00000001.lp", dir);
	fp = fopen(path, "rb");
	CHECK(fp != NULL);
	n = fp != NULL ? fread(got, 1, (size_t)N * 128, fp) : 0;
	if (fp != NULL)
		fclose(fp);
	CHECK_EQ(n, o);
	CHECK(memcmp(got, want, o) == 0);
	unlink(path);
out:
	sd_lp_writer_free(lw);
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
		" value=1 1", "m value=1e 1", "m value=. 1", "m value=\\1 1",
		"m value=1 99999999999999999999",
	};
	struct sd_lp_view l;
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

/* The record of a line in format (NUL-terminated: "" when none), its
 * key in key. */
static const char *
kafka_rec(int format, const char *tag, const char *line, char *out,
    size_t cap, char key[SD_LP_NAME_MAX], size_t *key_len)
{
	size_t n = sd_kafka_record_value(format, tag, line, strlen(line), out,
	    cap - 1, key, SD_LP_NAME_MAX, key_len);

	out[n] = '\0';
	return out;
}

/* What the Kafka sink makes of a line, in each format. */
static void
test_kafka_values(void)
{
	static const char line[] = "sensor,Mac-Address=aa:bb:cc:dd:ee:ff,"
	    "channel=a\\ \"b,port=5000 value=21.5 1700000000000000000";
	static const char esc[] = "m,Mac\\=Address=a\\,b\x01\\\\ value=1 2";
#define J(v, t) "{\"device\":\"\",\"value\":" v ",\"time\":" t "}"
	static const char *const json[][2] = {
		{ "m value=1 -007", J("1", "-7") },
		{ "m value=1 0012", J("1", "12") },
		{ "m value=+1.50 7", J("1.5", "7") },
		{ "m value=.5 7", J("0.5", "7") },
		{ "m value=007 7", J("7", "7") },
		{ "m value=-0.25e-3 7", J("-0.25e-3", "7") },
		{ "m value=+1e999 7", "" },
	};
#undef J
	const char *tag = "Mac-Address";
	char out[512], key[SD_LP_NAME_MAX];
	size_t n, i, key_len;

	CHECK(strcmp(kafka_rec(SD_KAFKA_JSON, tag, line, out, sizeof(out),
	    key, &key_len), "{\"device\":\"aa:bb:cc:dd:ee:ff\",\"value\":21.5,"
	    "\"time\":1700000000000000000,\"channel\":\"a \\\"b\","
	    "\"port\":5000}") == 0);
	CHECK(strcmp(key, "aa:bb:cc:dd:ee:ff") == 0);
	CHECK_EQ(key_len, 17);
	CHECK(strcmp(kafka_rec(SD_KAFKA_RAW, tag, line, out, sizeof(out), key,
	    &key_len), "21.500000") == 0);
	CHECK(strcmp(kafka_rec(SD_KAFKA_INFLUX, tag, line, out, sizeof(out),
	    key, &key_len), line) == 0);
	CHECK(strcmp(kafka_rec(SD_KAFKA_JSON, tag, "junk", out, sizeof(out),
	    key, &key_len), "") == 0);

	/* Escapes in the tag's key and value are undone; JSON's own
	 * escapes are made, control characters included. */
	CHECK(strcmp(kafka_rec(SD_KAFKA_JSON, "Mac=Address", esc, out,
	    sizeof(out), key, &key_len), "{\"device\":\"a,b\\u0001\\\\\","
	    "\"value\":1,\"time\":2}") == 0);
	CHECK(strcmp(key, "a,b\x01\\") == 0);
	CHECK_EQ(key_len, 5);

	/* The time as JSON reads it (no leading zeros); numbers line
	 * protocol takes and JSON does not are rewritten, and one no
	 * double holds makes no record. */
	for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
		if (strcmp(kafka_rec(SD_KAFKA_JSON, "d", json[i][0], out,
		    sizeof(out), key, &key_len), json[i][1]) != 0) {
			fprintf(stderr, "\"%s\" made '%s', not '%s'\n",
			    json[i][0], out, json[i][1]);
			sd_test_failures++;
		}
		CHECK_EQ(key_len, 0);
	}

	/* A value that does not fit is no value, not a cut one. */
	for (n = 1; n < 80; n++)
		CHECK_EQ(sd_kafka_record_value(SD_KAFKA_JSON, tag, line,
		    strlen(line), out, n, key, sizeof(key), &key_len), 0);
}

/* Records made through one head cache, line after line, are those made
 * from each line alone: across heads that alternate, heads that are a
 * prefix of the next, escapes, a broken tail behind a known head, and
 * a head too long to keep. */
static void
test_kafka_head_cache(void)
{
	static const char *const lines[] = {
		"sensor,Mac-Address=aa value=1 10",
		"sensor,Mac-Address=aa value=2 11",
		"sensor,Mac-Address=aa,channel=t value=3 12",
		"sensor,Mac-Address=aa value=4 13",
		"sensor,Mac-Address=aab value=5 14",
		"sensor,Mac-Address=aa value=x 15",
		"sensor,Mac-Address=aa value=6 0016",
		"sensor,Mac-Address=a\\ b,port=7 value=7 17",
		"sensor,Mac-Address=a\\ b,port=7 value=8 18",
		"sensor,Mac-Address=a\\ b,port=7 other=9 19",
		"sensor,Mac-Address=a\\ b,port=7 value=10",
		"sensor,Mac-Address=aa value=11 -20",
		NULL,	/* a head longer than the cache keeps */
		NULL,
		"sensor,Mac-Address=aa value=12 21",
	};
	enum { N = sizeof(lines) / sizeof(lines[0]) };
	struct sd_kafka_record_head *h = sd_kafka_record_head_new();
	char big[2][1400], out[2][2048], key[SD_LP_NAME_MAX];
	const char *line, *hkey;
	size_t i, n, m, key_len, hkey_len;
	int f;

	CHECK(h != NULL);
	if (h == NULL)
		return;
	for (i = 0; i < 2; i++)
		snprintf(big[i], sizeof(big[i]), "m,Mac-Address=dd,a=%0200d,"
		    "b=%0200d,c=%0200d,d=%0200d,e=%0200d value=%zu 9",
		    0, 0, 0, 0, 0, i + 1);
	for (f = SD_KAFKA_JSON; f <= SD_KAFKA_INFLUX; f++) {
		for (i = 0; i < N; i++) {
			line = lines[i] != NULL ? lines[i] : big[i % 2];
			n = sd_kafka_record_make(h, f, "Mac-Address", line,
			    strlen(line), out[0], sizeof(out[0]));
			m = sd_kafka_record_value(f, "Mac-Address", line,
			    strlen(line), out[1], sizeof(out[1]), key,
			    sizeof(key), &key_len);
			hkey = sd_kafka_record_head_key(h, &hkey_len);
			CHECK_EQ(n, m);
			if (n != m || n == 0)
				continue;
			CHECK(memcmp(out[0], out[1], n) == 0);
			CHECK(hkey_len == key_len &&
			    memcmp(hkey, key, key_len) == 0);
		}
	}
	free(h);
}

#define CHECK_SEQ(a, b)	CHECK(strcmp((a), (b)) == 0)

/* --node-id in every JSON record, also those whose head is cached, and
 * a new node id is not hidden by the cache; raw and influx unchanged. */
static void
test_kafka_node(void)
{
	static const char a[] = "sensor,Mac-Address=aa,channel=t value=1 5";
	static const char b[] = "sensor,Mac-Address=aa,channel=t value=2 6";
	struct sd_kafka_record_head *h = sd_kafka_record_head_new();
	char out[512];
	size_t n;

	CHECK(h != NULL);
	if (h == NULL)
		return;
	sd_kafka_record_head_node(h, "n-1.b_c");
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", a,
	    strlen(a), out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, "{\"device\":\"aa\",\"value\":1,\"time\":5,"
	    "\"channel\":\"t\",\"node\":\"n-1.b_c\"}");
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", b,
	    strlen(b), out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, "{\"device\":\"aa\",\"value\":2,\"time\":6,"
	    "\"channel\":\"t\",\"node\":\"n-1.b_c\"}");
	sd_kafka_record_head_node(h, "other");
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", b,
	    strlen(b), out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, "{\"device\":\"aa\",\"value\":2,\"time\":6,"
	    "\"channel\":\"t\",\"node\":\"other\"}");
	n = sd_kafka_record_make(h, SD_KAFKA_INFLUX, "Mac-Address", b,
	    strlen(b), out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, b);
	sd_kafka_record_head_node(h, NULL);
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", a,
	    strlen(a), out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, "{\"device\":\"aa\",\"value\":1,\"time\":5,"
	    "\"channel\":\"t\"}");
	free(h);
}

/* An extension reading's line holds its batch's sequence and its index
 * as integer fields; its JSON record "seq" (unsigned, as the device sent
 * it) and "index"; a line without them (legacy, or written before them)
 * has neither; fields not as the store writes them are refused. */
static void
test_kafka_batch(void)
{
	static const char *const bad[] = {
		"m,Mac-Address=aa value=1,batch_seq=1i 5",
		"m,Mac-Address=aa value=1,batch_idx=1i,batch_seq=1i 5",
		"m,Mac-Address=aa value=1,batch_seq=1,batch_idx=0i 5",
		"m,Mac-Address=aa value=1,batch_seq=1i,batch_idx=-1i 5",
		"m,Mac-Address=aa value=1,batch_seq=i,batch_idx=0i 5",
		"m,Mac-Address=aa value=1,batch_seq=1i,batch_idx=0i,x=1i 5",
		"m,Mac-Address=aa value=1, 5",
	};
	struct sd_reading_in r = { .dev = DEV, .value = 2.5, .chan = "t",
	    .chan_len = 1, .batched = 1, .bseq = 7, .bidx = 3 };
	struct sd_kafka_record_head *h = sd_kafka_record_head_new();
	struct sd_lp_writer *lw = sd_lp_writer_new("m", "value",
	    "Mac-Address");
	struct sd_lp_view v;
	char line[256], out[512];
	size_t i, n;

	CHECK(h != NULL && lw != NULL);
	if (h == NULL || lw == NULL)
		goto out;
	n = sd_lp_write(lw, &r, 5, line, sizeof(line));
	CHECK_SEQ(line, "m,Mac-Address=aa:bb:cc:dd:ee:ff,channel=t "
	    "value=2.5,batch_seq=7i,batch_idx=3i 5\n");
	CHECK(sd_lp_parse(line, n - 1, &v) == SD_OK && v.batched &&
	    v.bseq == 7 && v.bidx == 3 && v.ts == 5 && sd_lp_value(&v) == 2.5);
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", line,
	    n - 1, out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, "{\"device\":\"aa:bb:cc:dd:ee:ff\",\"value\":2.5,"
	    "\"time\":5,\"seq\":7,\"index\":3,\"channel\":\"t\"}");
	/* The same head, cached: another sequence, the 64th bit set. */
	r.bseq = UINT64_MAX - 1;
	r.bidx = 0;
	n = sd_lp_write(lw, &r, 6, line, sizeof(line));
	CHECK(strstr(line, ",batch_seq=-2i,batch_idx=0i 6\n") != NULL);
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", line,
	    n - 1, out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK(strstr(out, ",\"seq\":18446744073709551614,\"index\":0,")
	    != NULL);
	r.bseq = (uint64_t)1 << 63;
	n = sd_lp_write(lw, &r, 7, line, sizeof(line));
	CHECK(sd_lp_parse(line, n - 1, &v) == SD_OK && v.bseq == r.bseq);
	/* A legacy reading, and a line written before the fields. */
	r = (struct sd_reading_in){ .dev = DEV, .value = 1, .single = 1 };
	n = sd_lp_write(lw, &r, 8, line, sizeof(line));
	CHECK_SEQ(line, "m,Mac-Address=aa:bb:cc:dd:ee:ff value=1 8\n");
	n = sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address", line,
	    n - 1, out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_SEQ(out, "{\"device\":\"aa:bb:cc:dd:ee:ff\",\"value\":1,"
	    "\"time\":8}");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(sd_lp_parse(bad[i], strlen(bad[i]), &v) != SD_OK);
		CHECK(sd_kafka_record_make(h, SD_KAFKA_JSON, "Mac-Address",
		    bad[i], strlen(bad[i]), out, sizeof(out)) == 0);
	}
out:
	sd_lp_writer_free(lw);
	free(h);
}

/* A temporary file holding n bytes of text; its descriptor. */
static int
scan_file(const char *text, size_t n)
{
	char path[] = "/tmp/sd-scan-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return -1;
	unlink(path);
	CHECK(write(fd, text, n) == (ssize_t)n);
	return fd;
}

/* What the spool tool's scanner makes of text: each line's offset,
 * length, whole and good into got ("OFF:LEN:wg " a line, w/g or -, as
 * many as fit), and how many lines into *count. */
static void
scan_all(const char *text, size_t n, uint64_t end, char *got, size_t cap,
    size_t *count)
{
	struct sd_spoolscan s;
	struct sd_spoolscan_line l;
	size_t o = 0;
	int fd = scan_file(text, n), r;

	got[0] = '\0';
	CHECK(sd_spoolscan_init(&s, fd, end) == SD_OK);
	while ((r = sd_spoolscan_next(&s, &l)) == 1) {
		(*count)++;
		if (o + 48 < cap)
			o += (size_t)snprintf(got + o, cap - o,
			    "%llu:%llu:%c%c ", (unsigned long long)l.off,
			    (unsigned long long)l.len, l.whole ? 'w' : '-',
			    l.good ? 'g' : '-');
	}
	CHECK_EQ(r, 0);
	sd_spoolscan_done(&s);
	close(fd);
}

/* The spool tool's scanner: empty, whole, torn, bad and empty lines,
 * a size limit (a segment being written), and lines at and past its
 * 64 KiB buffer, one line spanning two reads. */
static void
test_spoolscan(void)
{
	static const char good[] = "m,d=a v=1 1\n";
	static const char two[] = "m,d=a v=1 1\nbad\n\nm,d=a v=2 2";
	size_t big = 2 * SD_SPOOLSCAN_BUF + 100, i, n = 0;
	char got[512], *t = malloc(3 * SD_SPOOLSCAN_BUF);

	CHECK(t != NULL);
	if (t == NULL)
		return;
	scan_all("", 0, 0, got, sizeof(got), &n);
	CHECK(strcmp(got, "") == 0);
	scan_all(two, 26, 26, got, sizeof(got), &n);
	CHECK(strcmp(got, "0:12:wg 12:4:w- 16:1:w- 17:9:-- ") == 0);
	/* Read up to 16 bytes only: the rest is not there yet. */
	scan_all(two, 26, 16, got, sizeof(got), &n);
	CHECK(strcmp(got, "0:12:wg 12:4:w- ") == 0);
	/* A line filling the buffer with its newline is whole; one byte
	 * more and it is too long (bad, its length still right); a good
	 * line after each, and one crossing the first read's end. */
	memset(t, 'x', 3 * SD_SPOOLSCAN_BUF);
	t[SD_SPOOLSCAN_BUF - 1] = '\n';
	memcpy(t + SD_SPOOLSCAN_BUF, good, 12);
	t[SD_SPOOLSCAN_BUF + 12 + SD_SPOOLSCAN_BUF] = '\n';
	memcpy(t + 2 * SD_SPOOLSCAN_BUF + 13, good, 12);
	scan_all(t, 2 * SD_SPOOLSCAN_BUF + 25, 2 * SD_SPOOLSCAN_BUF + 25, got,
	    sizeof(got), &n);
	CHECK(strcmp(got, "0:65536:w- 65536:12:wg 65548:65537:w- "
	    "131085:12:wg ") == 0);
	/* Many short lines: every one found, across every read. */
	for (i = 0; i + 12 <= big; i += 12)
		memcpy(t + i, good, 12);
	n = 0;
	scan_all(t, i, i, got, sizeof(got), &n);
	CHECK(strncmp(got, "0:12:wg 12:12:wg ", 17) == 0);
	CHECK_EQ(n, i / 12);
	free(t);
}

/* Write a segment of the spool in dir. */
static void
range_seg(const char *dir, unsigned seq, const char *text)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/readings-%08u.lp", dir, seq);
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	fputs(text, fp);
	fclose(fp);
}

/* Whether the next run read is n lines of text from seq:off. */
static int
range_run(struct sd_spoolrange *r, const char *text, uint64_t want_n,
    uint32_t seq, uint64_t off)
{
	static char buf[SD_SPOOLSCAN_BUF];
	struct sd_spool_pos at = { 0, 0 };
	char err[SD_ERR_LEN];
	uint64_t n;
	size_t len;

	if (sd_spoolrange_read(r, buf, sizeof(buf), &len, &n, &at, err) !=
	    SD_OK || len != strlen(text) || memcmp(buf, text, len) != 0 ||
	    n != want_n || (len > 0 && (at.seq != seq || at.off != off))) {
		fprintf(stderr, "  run %.*s (%llu lines at %u:%llu), want "
		    "%s\n", (int)len, buf, (unsigned long long)n, at.seq,
		    (unsigned long long)at.off, text);
		return 0;
	}
	return 1;
}

/* spool replay's reader: the range [150, 300) over segments with lines
 * out of the range, a bad line, a line being written, a segment
 * removed after listing; runs stay within one segment and end at each
 * line passed over, so their positions are true. */
static void
test_spoolrange(void)
{
	char dir[] = "/tmp/sd-spoolrange-XXXXXX", path[600];
	struct sd_spoolrange r;
	char err[SD_ERR_LEN];

	CHECK(mkdtemp(dir) != NULL);
	range_seg(dir, 1, "m,d=a v=1 100\nm,d=a v=2 200\nbad\n"
	    "m,d=a v=3 300\nm,d=a v=4 50\n");
	range_seg(dir, 2, "m,d=a v=5 250\nm,d=a v=6 260\nm,d=a v=7 27");
	range_seg(dir, 3, "m,d=a v=9 200\n");
	range_seg(dir, 4, "m,d=a v=8 150\nm,d=a v=10 10\nm,d=a v=11 160\n");
	CHECK(sd_spoolrange_open(&r, dir, 150, 300, err) == SD_OK);
	snprintf(path, sizeof(path), "%s/readings-00000003.lp", dir);
	CHECK(unlink(path) == 0);
	/* Not ended while a line is held for the next read (v=3 after
	 * v=2's run) or a segment is left; ended as soon as the read that
	 * gave the last run found the end of the last segment. */
	CHECK(!sd_spoolrange_ended(&r));
	CHECK(range_run(&r, "m,d=a v=2 200\n", 1, 1, 14));
	CHECK(!sd_spoolrange_ended(&r));
	CHECK(range_run(&r, "m,d=a v=5 250\nm,d=a v=6 260\n", 2, 2, 0));
	CHECK(range_run(&r, "m,d=a v=8 150\n", 1, 4, 0));
	CHECK(range_run(&r, "m,d=a v=11 160\n", 1, 4, 28));
	CHECK(sd_spoolrange_ended(&r));
	CHECK(range_run(&r, "", 0, 0, 0));
	CHECK(sd_spoolrange_ended(&r));
	CHECK_EQ(r.lines, 5);
	CHECK_EQ(r.gone, 1);
	/* Back into a run (a sink's rewind), past the segment gone (it
	 * counts once), to one gone, to the end of one. */
	CHECK(sd_spoolrange_seek(&r, &(struct sd_spool_pos){ 2, 14 },
	    err) == SD_OK);
	CHECK(!sd_spoolrange_ended(&r));
	CHECK(range_run(&r, "m,d=a v=6 260\n", 1, 2, 14));
	CHECK(range_run(&r, "m,d=a v=8 150\n", 1, 4, 0));
	CHECK(sd_spoolrange_seek(&r, &(struct sd_spool_pos){ 3, 0 },
	    err) == SD_OK);
	CHECK(range_run(&r, "m,d=a v=8 150\n", 1, 4, 0));
	CHECK(sd_spoolrange_seek(&r, &(struct sd_spool_pos){ 4, 28 },
	    err) == SD_OK);
	CHECK(range_run(&r, "m,d=a v=11 160\n", 1, 4, 28));
	CHECK(sd_spoolrange_seek(&r, &(struct sd_spool_pos){ 4, 43 },
	    err) == SD_OK);
	CHECK(range_run(&r, "", 0, 0, 0));
	CHECK(sd_spoolrange_ended(&r));
	CHECK_EQ(r.gone, 1);
	CHECK_EQ(r.bad, 1);
	sd_spoolrange_close(&r);
	for (unsigned i = 1; i <= 4; i++) {
		snprintf(path, sizeof(path), "%s/readings-%08u.lp", dir, i);
		unlink(path);
	}
	CHECK(rmdir(dir) == 0);
	/* No directory: an error that names it. */
	CHECK(sd_spoolrange_open(&r, dir, 0, 1, err) == SD_ERR_INVAL);
	CHECK(strstr(err, dir) != NULL);
}

/* A stored line's timestamp, read back from its end: with or without
 * its newline, negative, at the int64 limits; anything that does not end
 * in " <int64>" is refused. */
static void
test_line_ts(void)
{
	static const struct { const char *line; int64_t ts; } good[] = {
		{ "m,d=a v=1 1700000000000000000\n", 1700000000000000000 },
		{ "m,d=a v=1 1700000000000000000", 1700000000000000000 },
		{ "m,d=a v=1 0\n", 0 },
		{ "m,d=a v=1 -5\n", -5 },
		{ " 7", 7 },
		{ "m v=1 9223372036854775807\n", INT64_MAX },
		{ "m v=1 -9223372036854775808\n", INT64_MIN },
		{ "m,d=a\\ b v=1 42\n", 42 },
	};
	static const char *bad[] = {
		"", "\n", "1700000000000000000\n", "m v=1\n", "m v=1 \n",
		"m v=1 12a\n", "m v=1 -\n", "m v=1 --5\n",
		"m v=1 9223372036854775808\n", "m v=1 -9223372036854775809\n",
		"m v=1 123456789012345678901\n", "m v=1 1\n\n", "-5",
		"m v=1\t5\n",
	};
	int64_t ts;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ts = 1;
		CHECK(sd_lp_line_ts(good[i].line, strlen(good[i].line), &ts) ==
		    SD_OK);
		CHECK(ts == good[i].ts);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(sd_lp_line_ts(bad[i], strlen(bad[i]), &ts) ==
		    SD_ERR_MALFORMED);
	/* Only len bytes are looked at. */
	CHECK(sd_lp_line_ts("m v=1 12345", 9, &ts) == SD_OK && ts == 123);
}

static const struct sd_test_case cases[] = {
	{ "escape", test_escape },
	{ "number", test_number },
	{ "integer", test_integer },
	{ "number_roundtrip", test_number_roundtrip },
	{ "roundtrip", test_roundtrip },
	{ "submit_same_lines", test_submit_same_lines },
	{ "parse_malformed", test_parse_malformed },
	{ "kafka_values", test_kafka_values },
	{ "kafka_head_cache", test_kafka_head_cache },
	{ "kafka_node", test_kafka_node },
	{ "kafka_batch", test_kafka_batch },
	{ "spoolscan", test_spoolscan },
	{ "spoolrange", test_spoolrange },
	{ "line_ts", test_line_ts },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
