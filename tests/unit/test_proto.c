/*
 * test_proto.c: the wire-format library, frame by frame and byte by byte.
 *
 * Round trips of every kind, the hex vectors of legacy-wire-format.md and
 * of man/sockdeck-protocol.7, every split of a mixed stream, coalesced
 * frames, garbage, lying lengths, caps, truncation and malformed frames.
 */
#include <stdlib.h>
#include <string.h>

#include "sd_dump.h"
#include "sd_err.h"
#include "sd_proto.h"
#include "sd_proto_dec.h"
#include "sd_proto_enc.h"
#include "sd_test.h"

static const uint8_t DEV[SD_MAC_LEN] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
#define XXH_HELLO 0x9555e8555c62dcfdULL

/* A growing byte string to build streams in. */
struct buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
};

static uint8_t *
buf_room(struct buf *b, size_t n)
{
	uint8_t *np;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		np = realloc(b->p, b->cap);
		if (np == NULL)
			abort();
		b->p = np;
	}
	return b->p + b->len;
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	memcpy(buf_room(b, n), p, n);
	b->len += n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Append whatever an encoder makes; the encoder is called twice, first
 * to learn the size (checking the NOSPACE contract on the way). */
#define ADD(b, fn, ...) do {						\
	size_t n_;							\
	CHECK_EQ(fn(NULL, 0, __VA_ARGS__, &n_), SD_ERR_NOSPACE);	\
	CHECK_EQ(fn(buf_room(b, n_), n_, __VA_ARGS__, &n_), SD_OK);	\
	(b)->len += n_;							\
} while (0)

static void
add_sensor(struct buf *b, float v)
{
	struct sd_legacy_sensor ls;

	memcpy(ls.dev, DEV, 6);
	ls.value = v;
	ADD(b, sd_proto_enc_legacy_sensor, &ls);
}

static void
add_lmsg(struct buf *b, const char *text)
{
	struct sd_legacy_msg lm = { SD_SID_MSG, { 0 }, 1, text,
	    (uint32_t)strlen(text) };

	memcpy(lm.dev, DEV, 6);
	ADD(b, sd_proto_enc_legacy_msg, &lm);
}

/* The frame each example of man/sockdeck-protocol.7 describes, built by
 * the encoders from the values its text gives. */
static int
build_example(const char *name, struct buf *b)
{
	struct sd_legacy_file lf = { { 0 }, 5, 3 };
	struct sd_hello h = { 1, 0xf, { 0 }, "cam-1", 5, NULL, 0 };
	struct sd_welcome w = { 1, 0xf, 12, 1u << 20, 16u << 20,
	    1ULL << 40, "sockdeckd", 9 };
	struct sd_msg m = { 7, "door 3 open", 11 };
	struct sd_text t = { SD_TEXT_REPLY, 7, "ok", 2 };
	struct sd_error e = { SD_EC_TOO_LARGE, SD_T_MSG, 7, "too large", 9 };
	struct sd_ping p = { 0x0102030405060708ULL };
	struct sd_file_offer o = { 1, 5, 0x1122334455667788ULL, "a.txt", 5 };
	struct sd_file_accept a = { 1, 0 };
	struct sd_file_chunk c = { 1, 0, 5 };
	struct sd_file_end fe = { 1, 5, XXH_HELLO };
	struct sd_file_result r = { 1, SD_FILE_OK, 5, XXH_HELLO, "a.txt", 5 };
	struct sd_file_cancel fc = { 1 };
	struct sd_sensor_ack ack = { 1 };
	struct sd_reading r1 = { 1700000000000000000LL, 21.5, "temp", 4 };
	struct sd_reading r2 = { 0, -3.25, "hum", 3 };
	struct sd_batch_enc be;

	memcpy(lf.dev, DEV, 6);
	memcpy(h.dev, DEV, 6);
	if (strcmp(name, "legacy-sensor") == 0)
		add_sensor(b, 21.5f);
	else if (strcmp(name, "legacy-msg") == 0)
		add_lmsg(b, "hi");
	else if (strcmp(name, "legacy-file") == 0) {
		ADD(b, sd_proto_enc_legacy_file, &lf);
		buf_add(b, "abc", 3);
	} else if (strcmp(name, "hello") == 0)
		ADD(b, sd_proto_enc_hello, &h);
	else if (strcmp(name, "welcome") == 0)
		ADD(b, sd_proto_enc_welcome, &w);
	else if (strcmp(name, "msg") == 0)
		ADD(b, sd_proto_enc_msg, &m);
	else if (strcmp(name, "text") == 0)
		ADD(b, sd_proto_enc_text, &t);
	else if (strcmp(name, "error") == 0)
		ADD(b, sd_proto_enc_error, &e);
	else if (strcmp(name, "ping") == 0)
		ADD(b, sd_proto_enc_ping, 0, &p);
	else if (strcmp(name, "pong") == 0)
		ADD(b, sd_proto_enc_ping, 1, &p);
	else if (strcmp(name, "file-offer") == 0)
		ADD(b, sd_proto_enc_file_offer, &o);
	else if (strcmp(name, "file-accept") == 0)
		ADD(b, sd_proto_enc_file_accept, &a);
	else if (strcmp(name, "file-chunk") == 0) {
		ADD(b, sd_proto_enc_file_chunk, &c);
		buf_add(b, "hello", 5);
	} else if (strcmp(name, "file-end") == 0)
		ADD(b, sd_proto_enc_file_end, &fe);
	else if (strcmp(name, "file-result") == 0)
		ADD(b, sd_proto_enc_file_result, &r);
	else if (strcmp(name, "file-cancel") == 0)
		ADD(b, sd_proto_enc_file_cancel, &fc);
	else if (strcmp(name, "sensor-batch") == 0) {
		CHECK_EQ(sd_proto_batch_begin(&be, buf_room(b, 128), 128, 1,
		    DEV), SD_OK);
		CHECK_EQ(sd_proto_batch_add(&be, &r1), SD_OK);
		CHECK_EQ(sd_proto_batch_add(&be, &r2), SD_OK);
		b->len += sd_proto_batch_finish(&be);
	} else if (strcmp(name, "sensor-ack") == 0)
		ADD(b, sd_proto_enc_sensor_ack, &ack);
	else
		return -1;
	return 0;
}

/* The examples of man/sockdeck-protocol.7, in the page's order. */
static const char *const examples[] = {
	"legacy-msg", "legacy-file", "legacy-sensor", "hello", "welcome",
	"msg", "text", "error", "ping", "pong", "file-offer", "file-accept",
	"file-chunk", "file-end", "file-result", "file-cancel",
	"sensor-batch", "sensor-ack",
};
#define NEXAMPLES (sizeof(examples) / sizeof(examples[0]))

/* Every frame kind once, bodies included, as one stream. */
static void
build_stream(struct buf *b)
{
	size_t i;

	for (i = 0; i < NEXAMPLES; i++)
		CHECK_EQ(build_example(examples[i], b), 0);
}

#define STREAM_FRAMES NEXAMPLES	/* FRAME events in build_stream() */

/* Decode in one slice into a transcript. */
static void
dump_whole(struct sd_dump *d, const uint8_t *p, size_t n,
    const struct sd_proto_limits *lim)
{
	sd_dump_init(d);
	sd_dump_decode(d, lim, p, n, NULL, 0);
}

/* Decode and return the first event, which must use the whole buffer
 * (pointers in *f point into p). */
static enum sd_dec_ev
decode_one(const uint8_t *p, size_t n, struct sd_frame *f)
{
	struct sd_proto_dec d;
	enum sd_dec_ev ev;
	size_t used;

	sd_proto_dec_init(&d, NULL);
	memset(f, 0, sizeof(*f));
	ev = sd_proto_dec_feed(&d, p, n, &used, f);
	if (ev == SD_DEC_FRAME && f->kind != SD_K_LEGACY_FILE &&
	    f->kind != SD_K_FILE_CHUNK)
		CHECK_EQ(used, n);
	sd_proto_dec_done(&d);
	return ev;
}

static void
test_legacy_vectors(void)
{
	/* The two examples of legacy-wire-format.md, as the original client
	 * sends them. */
	static const char *sensor =
	    "ff ff 0b 00 00 00 11 aa bb cc dd ee ff 00 00 ac 41";
	static const char *msg =
	    "00 00 0e 00 00 00 22 aa bb cc dd ee ff 01 02 00 00 00 68 69";
	struct sd_legacy_sensor ls = { { 0 }, 21.5f };
	struct sd_legacy_msg lm = { SD_SID_MSG, { 0 }, SD_EVT_MSG, "hi", 2 };
	uint8_t want[64], got[64];
	struct sd_frame f;
	long n;
	size_t len;

	n = sd_test_unhex(sensor, want, sizeof(want));
	CHECK_EQ(n, 17);
	CHECK_EQ(decode_one(want, (size_t)n, &f), SD_DEC_FRAME);
	CHECK_EQ(f.kind, SD_K_LEGACY_SENSOR);
	CHECK(f.u.lsensor.value == 21.5f);
	CHECK(memcmp(f.u.lsensor.dev, DEV, 6) == 0);
	memcpy(ls.dev, DEV, 6);
	CHECK_EQ(sd_proto_enc_legacy_sensor(got, sizeof(got), &ls, &len),
	    SD_OK);
	CHECK_EQ(len, 17);
	CHECK(memcmp(got, want, 17) == 0);

	n = sd_test_unhex(msg, want, sizeof(want));
	CHECK_EQ(n, 20);
	CHECK_EQ(decode_one(want, (size_t)n, &f), SD_DEC_FRAME);
	CHECK_EQ(f.kind, SD_K_LEGACY_MSG);
	CHECK_EQ(f.u.lmsg.len, 2);
	CHECK(memcmp(f.u.lmsg.text, "hi", 2) == 0);
	CHECK_EQ(f.flags, 0);
	memcpy(lm.dev, DEV, 6);
	CHECK_EQ(sd_proto_enc_legacy_msg(got, sizeof(got), &lm, &len), SD_OK);
	CHECK_EQ(len, 20);
	CHECK(memcmp(got, want, 20) == 0);
}

static void
test_roundtrip(void)
{
	struct buf b = { 0 };
	struct sd_proto_dec d;
	struct sd_frame f;
	enum sd_dec_ev ev;
	struct sd_reading r;
	size_t used, off = 0, pos;
	int kinds = 0;

	build_stream(&b);
	sd_proto_dec_init(&d, NULL);
	for (;;) {
		ev = sd_proto_dec_feed(&d, b.p + off, b.len - off, &used, &f);
		off += used;
		if (ev == SD_DEC_NEED_MORE)
			break;
		CHECK(ev != SD_DEC_ERROR);
		if (ev != SD_DEC_FRAME)
			continue;
		kinds++;
		switch (f.kind) {
		case SD_K_LEGACY_FILE:
			CHECK_EQ(f.u.lfile.ext, 5);
			CHECK_EQ(f.u.lfile.size, 3);
			break;
		case SD_K_HELLO:
			CHECK_EQ(f.u.hello.caps, 0xf);
			CHECK(memcmp(f.u.hello.dev, DEV, 6) == 0);
			CHECK_EQ(f.u.hello.name_len, 5);
			CHECK(memcmp(f.u.hello.name, "cam-1", 5) == 0);
			CHECK_EQ(f.u.hello.token_len, 0);
			break;
		case SD_K_WELCOME:
			CHECK_EQ(f.u.welcome.client_id, 12);
			CHECK_EQ(f.u.welcome.max_file, 1ULL << 40);
			CHECK(memcmp(f.u.welcome.name, "sockdeckd", 9) == 0);
			break;
		case SD_K_MSG:
			CHECK_EQ(f.u.msg.id, 7);
			CHECK(memcmp(f.u.msg.text, "door 3 open", 11) == 0);
			break;
		case SD_K_TEXT:
			CHECK_EQ(f.u.text.ref, 7);
			CHECK_EQ(f.u.text.kind, SD_TEXT_REPLY);
			break;
		case SD_K_ERROR:
			CHECK_EQ(f.u.error.code, SD_EC_TOO_LARGE);
			CHECK_EQ(f.u.error.ref_type, SD_T_MSG);
			CHECK_EQ(f.u.error.len, 9);
			break;
		case SD_K_PING:
		case SD_K_PONG:
			CHECK_EQ(f.u.ping.token, 0x0102030405060708ULL);
			break;
		case SD_K_FILE_OFFER:
			CHECK_EQ(f.u.offer.key, 0x1122334455667788ULL);
			CHECK_EQ(f.u.offer.size, 5);
			break;
		case SD_K_FILE_CHUNK:
			CHECK_EQ(f.u.chunk.len, 5);
			break;
		case SD_K_FILE_END:
		case SD_K_FILE_RESULT:
			CHECK_EQ(f.kind == SD_K_FILE_END ? f.u.end.xxh3 :
			    f.u.result.xxh3, XXH_HELLO);
			break;
		case SD_K_SENSOR_BATCH:
			CHECK_EQ(f.u.batch.count, 2);
			pos = 0;
			CHECK(sd_proto_batch_next(&f.u.batch, &pos, &r));
			CHECK_EQ(r.ts_ns, 1700000000000000000LL);
			CHECK(r.value == 21.5);
			CHECK(sd_proto_batch_next(&f.u.batch, &pos, &r));
			CHECK(r.value == -3.25);
			CHECK(memcmp(r.chan, "hum", 3) == 0);
			CHECK(!sd_proto_batch_next(&f.u.batch, &pos, &r));
			break;
		default:
			break;
		}
	}
	CHECK_EQ(off, b.len);
	CHECK_EQ(kinds, STREAM_FRAMES);
	CHECK_EQ(d.stats.errors, 0);
	sd_proto_dec_done(&d);
	buf_free(&b);
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Decode p at every split into two and three slices, byte by byte and
 * in random slices: every transcript must equal the one-slice decode. */
static void
check_all_splits(const uint8_t *p, size_t n, const struct sd_dump *whole)
{
	struct sd_dump part;
	size_t i, k, cuts[2], *all;
	uint64_t seed = 42;

	for (i = 0; i <= n; i++) {
		cuts[0] = i;
		cuts[1] = i + (n - i) / 2;
		for (k = 1; k <= 2; k++) {
			sd_dump_init(&part);
			sd_dump_decode(&part, NULL, p, n, cuts, k);
			CHECK(!part.bad);
			CHECK(strcmp(part.buf, whole->buf) == 0);
			sd_dump_done(&part);
		}
	}
	all = calloc(n + 1, sizeof(*all));
	for (i = 0; i < n; i++)
		all[i] = i;
	sd_dump_init(&part);
	sd_dump_decode(&part, NULL, p, n, all, n);
	CHECK(!part.bad);
	CHECK(strcmp(part.buf, whole->buf) == 0);
	sd_dump_done(&part);
	for (i = 0; i < 100; i++) {
		k = 1 + sd_test_rand(&seed) % (n < 40 ? n : 40);
		for (size_t j = 0; j < k; j++)
			all[j] = sd_test_rand(&seed) % (n + 1);
		qsort(all, k, sizeof(*all), cmp_size);
		sd_dump_init(&part);
		sd_dump_decode(&part, NULL, p, n, all, k);
		CHECK(!part.bad);
		CHECK(strcmp(part.buf, whole->buf) == 0);
		sd_dump_done(&part);
	}
	free(all);
}

static void
test_split_every_boundary(void)
{
	struct buf b = { 0 };
	struct sd_dump whole;
	struct sd_file_cancel fc = { 0x124 };

	/* Every kind, clean. */
	build_stream(&b);
	dump_whole(&whole, b.p, b.len, NULL);
	CHECK(!whole.bad);
	CHECK_EQ(whole.frames, STREAM_FRAMES);
	CHECK_EQ(whole.errors, 0);
	check_all_splits(b.p, b.len, &whole);
	sd_dump_done(&whole);

	/* Garbage that holds the decoder's header window open (a legacy
	 * header needs 18 bytes to judge) over a short frame: the frame and
	 * the one after it must come out whatever the slicing. */
	b.len = 0;
	buf_add(&b, "\x00\x00\x0c\x00\x00\x00", 6);
	ADD(&b, sd_proto_enc_file_cancel, &fc);
	add_sensor(&b, 1);
	buf_add(&b, "\xff\xff\x0c\x00\x00\x00\x22", 7);
	add_sensor(&b, 2);
	build_stream(&b);
	dump_whole(&whole, b.p, b.len, NULL);
	CHECK(!whole.bad);
	CHECK_EQ(whole.frames, STREAM_FRAMES + 3);
	CHECK_EQ(whole.errors, 2);
	check_all_splits(b.p, b.len, &whole);
	sd_dump_done(&whole);
	buf_free(&b);
}

static void
test_coalesced(void)
{
	struct buf b = { 0 };
	struct sd_legacy_sensor ls;
	struct sd_proto_dec d;
	struct sd_frame f;
	enum sd_dec_ev ev;
	size_t used, off = 0, i, n = 100000, bad = 0;

	memcpy(ls.dev, DEV, 6);
	for (i = 0; i < n; i++) {
		ls.value = (float)i;
		ADD(&b, sd_proto_enc_legacy_sensor, &ls);
	}
	sd_proto_dec_init(&d, NULL);
	for (i = 0;; i++) {
		ev = sd_proto_dec_feed(&d, b.p + off, b.len - off, &used, &f);
		off += used;
		if (ev == SD_DEC_NEED_MORE)
			break;
		if (ev != SD_DEC_FRAME || f.u.lsensor.value != (float)i)
			bad++;
	}
	CHECK_EQ(i, n);
	CHECK_EQ(bad, 0);
	CHECK_EQ(d.stats.frames, n);
	CHECK(d.heap == NULL);
	sd_proto_dec_done(&d);
	buf_free(&b);
}

/* The events of a transcript in short: "F:legacy-msg E:unknown frame type
 * END:legacy-file …", for tests that care about order, not fields. */
static void
events_of(const uint8_t *p, size_t n, const struct sd_proto_limits *lim,
    char *out, size_t cap)
{
	struct sd_dump d;
	char *line, *save = NULL, *sp;
	size_t len = 0;

	dump_whole(&d, p, n, lim);
	CHECK(!d.bad);
	out[0] = '\0';
	for (line = strtok_r(d.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *sep = len ? " " : "";

		if (strncmp(line, "FRAME ", 6) == 0) {
			sp = strchr(line + 6, ' ');
			len += (size_t)snprintf(out + len, cap - len,
			    "%sF:%.*s", sep, (int)(sp - line - 6), line + 6);
		} else if (strncmp(line, "END ", 4) == 0) {
			len += (size_t)snprintf(out + len, cap - len, "%sEND",
			    sep);
		} else {
			sp = strstr(line, " kind=");
			len += (size_t)snprintf(out + len, cap - len,
			    "%sE:%.*s", sep, (int)(sp - line - 6), line + 6);
		}
		if (len >= cap)
			abort();
	}
	sd_dump_done(&d);
}

#define EXPECT_EVENTS(p, n, lim, want) do {				\
	char got_[1024];						\
	events_of(p, n, lim, got_, sizeof(got_));			\
	if (strcmp(got_, want) != 0) {					\
		fprintf(stderr, "%s:%d: events\n  got:  %s\n  want: %s\n",\
		    __FILE__, __LINE__, got_, want);			\
		sd_test_failures++;					\
	}								\
} while (0)

static void
test_garbage(void)
{
	struct buf b = { 0 };
	size_t at;

	/* Before, between, after. */
	buf_add(&b, "GARBAGE!", 8);
	add_sensor(&b, 1);
	buf_add(&b, "\x00\x00\x00\x00\x00\x00\x00", 7);
	add_lmsg(&b, "after zeros");
	buf_add(&b, "\xff\xff\x0b\x00", 4);	/* a header cut short */
	add_sensor(&b, 2);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "E:unknown frame type F:legacy-sensor "
	    "E:length inconsistent with frame fields F:legacy-msg "
	    "E:unknown sid F:legacy-sensor");

	/* Inside a header: the size field disagrees, the frame goes, its
	 * text is skipped as garbage, the next frame is kept. */
	buf_free(&b);
	add_lmsg(&b, "broken");
	b.p[14] ^= 0x40;
	add_lmsg(&b, "kept");
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "E:length inconsistent with frame fields F:legacy-msg");

	/* Inside a body: extra bytes make the frame end early; what is left
	 * of it is garbage; the next frame is kept. */
	buf_free(&b);
	add_lmsg(&b, "0123456789");
	at = b.len - 5;
	buf_room(&b, 3);
	memmove(b.p + at + 3, b.p + at, 5);
	memcpy(b.p + at, "\x01\x02\x03", 3);
	b.len += 3;
	add_sensor(&b, 3);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "F:legacy-msg E:unknown frame type F:legacy-sensor");
	buf_free(&b);
}

static void
test_unknown_type(void)
{
	struct buf b = { 0 };

	buf_add(&b, "\x34\x12\x02\x00\x00\x00xy", 8);
	add_sensor(&b, 1);
	buf_add(&b, "\x99\x53\x08\x00\x00\x00\0\0\0\0\0\0\0\0", 14);
	add_sensor(&b, 2);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "E:unknown frame type F:legacy-sensor "
	    "E:unknown frame type F:legacy-sensor");
	buf_free(&b);
}

static void
test_lying_length(void)
{
	struct buf b = { 0 };

	/* Too small: a message whose length is below its size. */
	add_lmsg(&b, "hello");
	b.p[2] -= 1;
	add_sensor(&b, 1);
	/* Too large for a sensor reading. */
	add_sensor(&b, 2);
	b.p[b.len - 17 + 2] = 12;
	add_sensor(&b, 3);
	/* A fixed-size extension frame with the wrong length. */
	buf_add(&b, "\x06\x53\x09\x00\x00\x00", 6);
	add_sensor(&b, 4);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "E:length inconsistent with frame fields F:legacy-sensor "
	    "E:length inconsistent with frame fields F:legacy-sensor "
	    "E:length inconsistent with frame fields F:legacy-sensor");
	buf_free(&b);
}

static void
test_over_cap(void)
{
	struct buf b = { 0 };
	struct sd_proto_dec d;
	struct sd_frame f;
	size_t used;

	/* A 2 GiB message claim: rejected from its first six bytes, nothing
	 * allocated, nothing waited for. */
	buf_add(&b, "\x00\x00\x0c\x00\x00\x80", 6);
	sd_proto_dec_init(&d, NULL);
	CHECK_EQ(sd_proto_dec_feed(&d, b.p, b.len, &used, &f), SD_DEC_ERROR);
	CHECK_EQ(f.err, SD_ERR_CAP);
	CHECK_EQ(f.kind, SD_K_LEGACY_MSG);
	CHECK_EQ(f.length, 0x8000000cu);
	CHECK(d.heap == NULL);
	sd_proto_dec_done(&d);

	add_sensor(&b, 1);
	/* Extension frames over their caps: a 5 KiB HELLO, a 1 GiB chunk. */
	buf_add(&b, "\x01\x53\x00\x14\x00\x00", 6);
	add_sensor(&b, 2);
	buf_add(&b, "\x12\x53\x00\x00\x00\x40", 6);
	add_sensor(&b, 3);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "E:frame larger than the configured cap F:legacy-sensor "
	    "E:frame larger than the configured cap F:legacy-sensor "
	    "E:frame larger than the configured cap F:legacy-sensor");
	buf_free(&b);
}

static void
test_custom_caps(void)
{
	struct sd_proto_limits lim;
	struct buf b = { 0 };

	sd_proto_limits_default(&lim);
	lim.max_msg = 4;
	lim.max_file = 2;
	add_lmsg(&b, "four");
	add_lmsg(&b, "fiver");
	add_sensor(&b, 1);
	EXPECT_EVENTS(b.p, b.len, &lim,
	    "F:legacy-msg E:frame larger than the configured cap "
	    "F:legacy-sensor");
	buf_free(&b);
}

static void
test_truncated(void)
{
	struct buf b = { 0 };
	struct sd_proto_dec d;
	struct sd_frame f;
	size_t used;
	struct sd_legacy_file lf = { { 0 }, 2, 100 };

	/* End of stream inside a header, a small frame and a body. */
	add_sensor(&b, 1);
	EXPECT_EVENTS(b.p, 4, NULL, "E:stream ended inside a frame");
	EXPECT_EVENTS(b.p, 16, NULL, "E:stream ended inside a frame");
	EXPECT_EVENTS(b.p, 17, NULL, "F:legacy-sensor");
	buf_free(&b);
	ADD(&b, sd_proto_enc_legacy_file, &lf);
	buf_add(&b, "partial", 7);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "F:legacy-file E:stream ended inside a frame");

	/* finish() says what was cut short, and leaves a clean decoder. */
	sd_proto_dec_init(&d, NULL);
	while (sd_proto_dec_feed(&d, b.p, b.len, &used, &f) !=
	    SD_DEC_NEED_MORE) {
		b.len -= used;
		memmove(b.p, b.p + used, b.len);
	}
	CHECK(sd_proto_dec_busy(&d));
	CHECK_EQ(sd_proto_dec_finish(&d, &f), SD_DEC_ERROR);
	CHECK_EQ(f.err, SD_ERR_TRUNCATED);
	CHECK_EQ(f.kind, SD_K_LEGACY_FILE);
	CHECK(!sd_proto_dec_busy(&d));
	CHECK_EQ(sd_proto_dec_finish(&d, &f), SD_DEC_NEED_MORE);
	sd_proto_dec_done(&d);
	buf_free(&b);
}

static void
test_malformed(void)
{
	struct buf b = { 0 };
	struct sd_hello h = { 1, 0, { 0 }, "name", 4, NULL, 0 };
	struct sd_reading r = { 0, 1.0, "c", 1 };
	struct sd_batch_enc be;
	size_t at;

	/* HELLO whose name runs past its end. */
	at = b.len;
	ADD(&b, sd_proto_enc_hello, &h);
	b.p[at + 17] = 40;
	add_sensor(&b, 1);
	/* A batch that claims more readings than it holds. */
	at = b.len;
	CHECK_EQ(sd_proto_batch_begin(&be, buf_room(&b, 128), 128, 9, DEV),
	    SD_OK);
	CHECK_EQ(sd_proto_batch_add(&be, &r), SD_OK);
	b.len += sd_proto_batch_finish(&be);
	b.p[at + 20] = 2;
	add_sensor(&b, 2);
	/* FILE_OFFER with a byte too many. */
	buf_add(&b, "\x10\x53\x17\x00\x00\x00", 6);
	buf_add(&b, "\1\0\0\0\5\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 23);
	add_sensor(&b, 3);
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "E:malformed frame F:legacy-sensor "
	    "E:malformed frame F:legacy-sensor "
	    "E:malformed frame F:legacy-sensor");
	buf_free(&b);
}

static void
test_odd_sid_evt(void)
{
	struct sd_legacy_msg lm = { 0x11, { 0 }, 7, "odd", 3 };
	uint8_t p[64];
	size_t n;
	struct sd_frame f;

	memcpy(lm.dev, DEV, 6);
	CHECK_EQ(sd_proto_enc_legacy_msg(p, sizeof(p), &lm, &n), SD_OK);
	CHECK_EQ(decode_one(p, n, &f), SD_DEC_FRAME);
	CHECK_EQ(f.kind, SD_K_LEGACY_MSG);
	CHECK_EQ(f.flags, SD_FRAME_ODD_SID | SD_FRAME_ODD_EVT);
	CHECK_EQ(f.u.lmsg.len, 3);
	CHECK(memcmp(f.u.lmsg.text, "odd", 3) == 0);
}

static void
test_file_streaming(void)
{
	struct buf b = { 0 };
	struct sd_legacy_file lf = { { 0 }, 2, 0 };
	struct sd_file_chunk c = { 9, 1000, 0 };
	struct sd_proto_dec d;
	struct sd_frame f;
	enum sd_dec_ev ev;
	uint8_t *body;
	size_t i, n = 3u << 20, used, off = 0, slice, got = 0, chunk_got = 0;
	uint64_t seed = 7;
	int ends = 0, bad = 0;

	/* A 3 MiB legacy file and a 3 MiB chunk, fed in random slices: the
	 * bodies come out as DATA in order, byte for byte, from the caller's
	 * slices, and the decoder never allocates. */
	body = malloc(n);
	for (i = 0; i < n; i++)
		body[i] = (uint8_t)sd_test_rand(&seed);
	lf.size = (uint32_t)n;
	c.len = (uint32_t)n;
	memcpy(lf.dev, DEV, 6);
	ADD(&b, sd_proto_enc_legacy_file, &lf);
	buf_add(&b, body, n);
	ADD(&b, sd_proto_enc_file_chunk, &c);
	buf_add(&b, body, n);
	add_sensor(&b, 5);

	sd_proto_dec_init(&d, NULL);
	while (off < b.len) {
		slice = 1 + sd_test_rand(&seed) % 70000;
		if (slice > b.len - off)
			slice = b.len - off;
		for (;;) {
			ev = sd_proto_dec_feed(&d, b.p + off, slice, &used, &f);
			off += used;
			slice -= used;
			if (ev == SD_DEC_NEED_MORE)
				break;
			if (d.heap != NULL)
				bad++;
			if (ev == SD_DEC_END)
				ends++;
			if (ev != SD_DEC_DATA)
				continue;
			if (f.data < b.p || f.data + f.data_len > b.p + b.len)
				bad++;
			if (f.kind == SD_K_LEGACY_FILE) {
				if (f.data_off != got ||
				    memcmp(f.data, body + got, f.data_len))
					bad++;
				got += f.data_len;
			} else {
				if (f.data_off != chunk_got ||
				    memcmp(f.data, body + chunk_got,
				    f.data_len))
					bad++;
				chunk_got += f.data_len;
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(got, n);
	CHECK_EQ(chunk_got, n);
	CHECK_EQ(ends, 2);
	CHECK_EQ(d.stats.frames, 3);
	sd_proto_dec_done(&d);
	free(body);
	buf_free(&b);
}

/* A body's end comes on the call after its last byte, and an empty
 * call gives it: a connection paused on that byte feeds nothing when it
 * resumes. An empty call in any other state asks for more. */
static void
test_empty_feed(void)
{
	static const uint8_t none[1];
	struct buf b = { 0 };
	struct sd_legacy_file lf = { { 0 }, 2, 10 };
	struct sd_proto_dec d;
	struct sd_frame f;
	size_t used, off = 0, file_end;

	ADD(&b, sd_proto_enc_legacy_file, &lf);
	buf_add(&b, (const uint8_t *)"0123456789", 10);
	file_end = b.len;
	add_lmsg(&b, "hi");
	sd_proto_dec_init(&d, NULL);
	CHECK_EQ(sd_proto_dec_feed(&d, none, 0, &used, &f), SD_DEC_NEED_MORE);
	CHECK_EQ(sd_proto_dec_feed(&d, b.p, 3, &used, &f), SD_DEC_NEED_MORE);
	off = used;
	CHECK_EQ(sd_proto_dec_feed(&d, none, 0, &used, &f), SD_DEC_NEED_MORE);
	while (off < file_end) {
		CHECK_EQ(sd_proto_dec_feed(&d, b.p + off, file_end - off,
		    &used, &f) != SD_DEC_ERROR, 1);
		off += used;
	}
	CHECK_EQ(sd_proto_dec_feed(&d, none, 0, &used, &f), SD_DEC_END);
	CHECK_EQ(f.kind, SD_K_LEGACY_FILE);
	CHECK_EQ(sd_proto_dec_feed(&d, none, 0, &used, &f), SD_DEC_NEED_MORE);
	CHECK_EQ(sd_proto_dec_feed(&d, b.p + off, 5, &used, &f),
	    SD_DEC_NEED_MORE);
	off += used;
	CHECK_EQ(sd_proto_dec_feed(&d, none, 0, &used, &f), SD_DEC_NEED_MORE);
	CHECK_EQ(sd_proto_dec_feed(&d, b.p + off, b.len - off, &used, &f),
	    SD_DEC_FRAME);
	CHECK_EQ(f.kind, SD_K_LEGACY_MSG);
	sd_proto_dec_done(&d);
	buf_free(&b);
}

static void
test_zero_length_bodies(void)
{
	struct buf b = { 0 };
	struct sd_legacy_file lf = { { 0 }, 0, 0 };
	struct sd_file_chunk c = { 1, 0, 0 };

	ADD(&b, sd_proto_enc_legacy_file, &lf);
	ADD(&b, sd_proto_enc_file_chunk, &c);
	add_lmsg(&b, "");
	EXPECT_EVENTS(b.p, b.len, NULL,
	    "F:legacy-file END F:file-chunk END F:legacy-msg");
	buf_free(&b);
}

static void
test_split_large_message(void)
{
	struct buf b = { 0 };
	struct sd_proto_dec d;
	struct sd_frame f;
	char *text;
	size_t n = 100000, used, half;

	/* A 100 kB message split in two: assembled in a buffer of its own
	 * size, which is gone by the next call. */
	text = malloc(n + 1);
	memset(text, 'x', n);
	text[n] = '\0';
	add_lmsg(&b, text);
	add_sensor(&b, 1);
	half = b.len / 3;
	sd_proto_dec_init(&d, NULL);
	CHECK_EQ(sd_proto_dec_feed(&d, b.p, half, &used, &f),
	    SD_DEC_NEED_MORE);
	CHECK_EQ(used, half);
	CHECK(d.heap != NULL);
	CHECK(sd_proto_dec_busy(&d));
	CHECK_EQ(sd_proto_dec_feed(&d, b.p + half, b.len - half, &used, &f),
	    SD_DEC_FRAME);
	CHECK_EQ(f.kind, SD_K_LEGACY_MSG);
	CHECK_EQ(f.u.lmsg.len, n);
	CHECK(memcmp(f.u.lmsg.text, text, n) == 0);
	half += used;
	CHECK_EQ(sd_proto_dec_feed(&d, b.p + half, b.len - half, &used, &f),
	    SD_DEC_FRAME);
	CHECK_EQ(f.kind, SD_K_LEGACY_SENSOR);
	CHECK(d.heap == NULL);
	sd_proto_dec_done(&d);
	free(text);
	buf_free(&b);
}

static void
test_encoders(void)
{
	struct sd_legacy_msg lm = { SD_SID_MSG, { 0 }, 1, "hello", 5 };
	struct sd_reading r = { 5, 1.5, "channel", 7 };
	struct sd_batch_enc be;
	struct sd_frame f;
	uint8_t p[128];
	size_t n, frame;
	int added = 0;

	/* Too small a buffer: NOSPACE and the size needed. */
	CHECK_EQ(sd_proto_enc_legacy_msg(p, 10, &lm, &n), SD_ERR_NOSPACE);
	CHECK_EQ(n, 23);
	CHECK_EQ(sd_proto_enc_legacy_msg(p, 23, &lm, &n), SD_OK);

	/* A batch fills its buffer and stops cleanly at the first reading
	 * that does not fit; what it built decodes. */
	CHECK_EQ(sd_proto_batch_begin(&be, p, 8, 1, DEV), SD_ERR_NOSPACE);
	CHECK_EQ(sd_proto_batch_begin(&be, p, sizeof(p), 1, DEV), SD_OK);
	while (sd_proto_batch_add(&be, &r) == SD_OK)
		added++;
	CHECK_EQ(added, (128 - 22) / 24);
	frame = sd_proto_batch_finish(&be);
	CHECK_EQ(frame, 22 + (size_t)added * 24);
	CHECK_EQ(decode_one(p, frame, &f), SD_DEC_FRAME);
	CHECK_EQ(f.u.batch.count, added);

	/* Oversized legacy bodies do not fit the u32 size field. */
	lm.len = 0xFFFFFFFFu;
	CHECK_EQ(sd_proto_enc_legacy_msg(p, sizeof(p), &lm, &n),
	    SD_ERR_TOOBIG);
}

static void
test_tables(void)
{
	uint8_t mac[6];
	char s[18];

	CHECK(sd_proto_ext_name(0) == NULL);
	CHECK(sd_proto_ext_name(1) == NULL);
	CHECK(strcmp(sd_proto_ext_name(2), "jpg") == 0);
	CHECK(strcmp(sd_proto_ext_name(10), "zip") == 0);
	CHECK(sd_proto_ext_name(11) == NULL);
	CHECK(sd_proto_ext_name(255) == NULL);
	/* The original client's codes: its eight, else 10. */
	CHECK_EQ(sd_proto_ext_code("PNG", 3), 3);
	CHECK_EQ(sd_proto_ext_code("jpg", 3), 2);
	CHECK_EQ(sd_proto_ext_code("avi", 3), 9);
	CHECK_EQ(sd_proto_ext_code("json.gz", 4), 6);
	CHECK_EQ(sd_proto_ext_code("jpeg", 4), 10);
	CHECK_EQ(sd_proto_ext_code("jp", 2), 10);
	CHECK_EQ(sd_proto_ext_code("zip", 3), 10);
	CHECK_EQ(sd_proto_ext_code("pdf", 3), 10);
	CHECK_EQ(sd_proto_ext_code("", 0), 10);
	CHECK_EQ(sd_proto_ext_code(NULL, 0), 10);
	CHECK_EQ(sd_proto_mac_parse("aa:bb:cc:dd:ee:ff", mac), SD_OK);
	CHECK(memcmp(mac, DEV, 6) == 0);
	CHECK_EQ(sd_proto_mac_parse("AA-BB-CC-DD-EE-FF", mac), SD_OK);
	CHECK(memcmp(mac, DEV, 6) == 0);
	CHECK_EQ(sd_proto_mac_parse("aa:bb:cc:dd:ee", mac), SD_ERR_INVAL);
	CHECK_EQ(sd_proto_mac_parse("aa:bb:cc:dd:ee:fg", mac), SD_ERR_INVAL);
	CHECK_EQ(sd_proto_mac_parse("aabbccddeeff00000", mac), SD_ERR_INVAL);
	sd_proto_mac_str(DEV, s);
	CHECK(strcmp(s, "aa:bb:cc:dd:ee:ff") == 0);
	CHECK(strcmp(sd_proto_kind_name(SD_K_SENSOR_ACK), "sensor-ack") == 0);
	CHECK(strcmp(sd_err_str(SD_ERR_CAP),
	    "frame larger than the configured cap") == 0);
	CHECK(strcmp(sd_err_str(-5), "unknown error") == 0);
}


static void
test_man_examples(void)
{
	const char *root = getenv("SD_SOURCE_ROOT");
	char path[4096], line[256], name[64], hex[2048], events[1024];
	struct buf want = { 0 };
	uint8_t got[256];
	size_t k, hlen = 0;
	FILE *fp;
	long n;
	int found = 0, in = 0;

	CHECK(root != NULL);
	if (root == NULL)
		return;
	snprintf(path, sizeof(path), "%s/man/sockdeck-protocol.7", root);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	hex[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, ".\\\" example: %63s", name) == 1) {
			in = 1;
			hex[0] = '\0';
			hlen = 0;
			continue;
		}
		if (!in || strcmp(line, ".nf\n") == 0 ||
		    strcmp(line, ".ft CR\n") == 0)
			continue;
		if (strcmp(line, ".ft\n") != 0) {
			k = strlen(line);
			CHECK(hlen + k < sizeof(hex));
			if (hlen + k < sizeof(hex)) {
				memcpy(hex + hlen, line, k + 1);
				hlen += k;
			}
			continue;
		}
		in = 0;
		found++;
		n = sd_test_unhex(hex, got, sizeof(got));
		CHECK(n > 0);
		if (build_example(name, &want) != 0) {
			fprintf(stderr, "unknown example %s\n", name);
			sd_test_failures++;
		} else if ((size_t)n != want.len ||
		    memcmp(got, want.p, want.len) != 0) {
			fprintf(stderr, "example %s differs from encoder\n",
			    name);
			sd_test_failures++;
		}
		events_of(got, (size_t)n, NULL, events, sizeof(events));
		if (strstr(events, "E:") != NULL || events[0] != 'F') {
			fprintf(stderr, "example %s: %s\n", name, events);
			sd_test_failures++;
		}
		want.len = 0;
	}
	fclose(fp);
	CHECK_EQ(found, NEXAMPLES);
	buf_free(&want);
}

static const struct sd_test_case cases[] = {
	{ "legacy_vectors", test_legacy_vectors },
	{ "roundtrip", test_roundtrip },
	{ "split_every_boundary", test_split_every_boundary },
	{ "coalesced", test_coalesced },
	{ "garbage", test_garbage },
	{ "unknown_type", test_unknown_type },
	{ "lying_length", test_lying_length },
	{ "over_cap", test_over_cap },
	{ "custom_caps", test_custom_caps },
	{ "truncated", test_truncated },
	{ "malformed", test_malformed },
	{ "odd_sid_evt", test_odd_sid_evt },
	{ "file_streaming", test_file_streaming },
	{ "zero_length_bodies", test_zero_length_bodies },
	{ "empty_feed", test_empty_feed },
	{ "split_large_message", test_split_large_message },
	{ "encoders", test_encoders },
	{ "tables", test_tables },
	{ "man_examples", test_man_examples },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
