/*
 * test_fleet.c: the fleet's table and its file (src/server/sd_fleet,
 * sd_fleet_file): the file read back as written; empty, cut short,
 * oversize and malformed files refused with the line named; the table
 * bounded with the device seen longest ago forgotten.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_fleet.h"
#include "sd_fleet_file.h"
#include "sd_test.h"

#define HEAD	"sockdeck-devices 1\n"
#define LINE	"00:11:22:33:44:55 1 2 3 4 5 6 7 legacy 0 1 10.0.0.1:99\n"

static struct sd_fleet_rec recs[SD_FLEET_MAX];

/* Parse text: SD_OK with *n, or the error. */
static int
parse(const char *text, size_t *n)
{
	char err[SD_ERR_LEN];

	return sd_fleet_file_parse(text, strlen(text), recs, n, err);
}

static void
test_roundtrip(void)
{
	struct sd_fleet_rec in[2];
	char *text;
	size_t len, n;

	memset(in, 0, sizeof(in));
	memcpy(in[0].mac, "\x00\x11\x22\x33\x44\x55", 6);
	in[0].first_ns = 1;
	in[0].last_ns = INT64_C(1) << 62;	/* the largest read back */
	in[0].readings = UINT64_C(1) << 62;
	in[0].ext = 1;
	in[0].tls = 1;
	memcpy(in[0].addr, "[2001:db8::1]:5000", 19);
	memcpy(in[1].mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	in[1].silent = 1;
	in[1].interval_ns = 250000000;
	text = sd_fleet_file_format(in, 2, &len);
	CHECK(text != NULL);
	CHECK_EQ(sd_fleet_file_parse(text, len, recs, &n, (char[SD_ERR_LEN]){
	    0 }), SD_OK);
	CHECK_EQ(n, 2);
	CHECK(memcmp(&recs[0], &in[0], sizeof(in[0])) == 0);
	CHECK(memcmp(&recs[1], &in[1], sizeof(in[1])) == 0);
	free(text);
	CHECK_EQ(parse(HEAD "end 0\n", &n), SD_OK);
	CHECK_EQ(n, 0);
	CHECK_EQ(parse(HEAD LINE "end 1\n", &n), SD_OK);
	CHECK(recs[0].silent == 1 && recs[0].messages == 7 &&
	    strcmp(recs[0].addr, "10.0.0.1:99") == 0);
}

static void
test_refused(void)
{
	static const char *const bad[] = {
		"",					/* empty */
		HEAD,					/* no end */
		HEAD LINE,				/* cut at a line */
		HEAD LINE "end 1",			/* no newline */
		HEAD "00:11:22:33:44:55 1 2 3",		/* cut mid-line */
		"sockdeck-devices 2\nend 0\n",		/* other version */
		HEAD LINE "end 2\n",			/* counts more */
		HEAD LINE "end 0\n",			/* counts fewer */
		HEAD "end 0\nmore\n",			/* after the end */
		HEAD "00:11:22:33:44:5 1 2 3 4 5 6 7 legacy 0 0 -\nend 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 legacy 0 0 -\nend 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 legacy 0 0 - x\nend 1\n",
		HEAD "00:11:22:33:44:55 -1 2 3 4 5 6 7 legacy 0 0 -\nend 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 tls 0 0 -\nend 1\n",
		/* Times past 2^62 ns, an interval past 2^56 ns. */
		HEAD "00:11:22:33:44:55 1 4611686018427387905 3 4 5 6 7 "
		    "legacy 0 0 -\nend 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 72057594037927937 5 6 7 "
		    "legacy 0 0 -\nend 1\n",
		/* An address of bytes not printable ASCII. */
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 legacy 0 0 \xff:1\n"
		    "end 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 legacy 0 0 \x1b[2J\n"
		    "end 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 ext 2 0 -\nend 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 ext 0 1\nend 1\n",
		HEAD "00:11:22:33:44:55  1 2 3 4 5 6 7 ext 0 1 -\nend 1\n",
		HEAD "00:11:22:33:44:55 1 2 3 4 5 6 99999999999999999999 ext "
		    "0 1 -\nend 1\n",
	};
	char err[SD_ERR_LEN];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		CHECK_EQ(sd_fleet_file_parse(bad[i], strlen(bad[i]), recs, &n,
		    err), SD_ERR_INVAL);
		CHECK_EQ(n, 0);
		CHECK(strstr(err, "line") != NULL);
	}
	/* A NUL inside a line. */
	CHECK_EQ(sd_fleet_file_parse(HEAD "0\0" "0\nend 0\n", sizeof(HEAD) + 8,
	    recs, &n, err), SD_ERR_INVAL);
}

/* A line longer than any written, and more devices than the table. */
static void
test_bounds(void)
{
	size_t n, at, i, cap = 64 + (SD_FLEET_MAX + 1) * 80;
	char *text = malloc(cap), addr[600];

	CHECK(text != NULL);
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	snprintf(text, cap, HEAD "00:11:22:33:44:55 1 2 3 4 5 6 7 ext 0 0 "
	    "%s\nend 1\n", addr);
	CHECK_EQ(parse(text, &n), SD_ERR_INVAL);
	at = (size_t)snprintf(text, cap, "%s", HEAD);
	for (i = 0; i <= SD_FLEET_MAX; i++)
		at += (size_t)snprintf(text + at, cap - at,
		    "02:00:00:%02x:%02x:%02x 1 1 0 0 0 0 0 legacy 0 0 -\n",
		    (unsigned)(i >> 16),
		    (unsigned)(i >> 8) & 0xff, (unsigned)i & 0xff);
	snprintf(text + at, cap - at, "end %u\n", SD_FLEET_MAX + 1);
	CHECK_EQ(parse(text, &n), SD_ERR_INVAL);
	free(text);
}

/* The table keeps SD_FLEET_MAX devices, forgetting the one seen
 * longest ago; restored devices keep their order and counts. */
static void
test_bounded(void)
{
	struct sd_events *bus = sd_events_new();
	struct sd_fleet *f = sd_fleet_new(bus);
	struct sd_fleet_rec r;
	struct sd_fleet_counts c;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.mac[0] = 2;
	for (i = 0; i < SD_FLEET_MAX + 10; i++) {
		r.mac[3] = (uint8_t)(i >> 16);
		r.mac[4] = (uint8_t)(i >> 8);
		r.mac[5] = (uint8_t)i;
		r.last_ns = (int64_t)i + 1;
		r.readings = i;
		sd_fleet_restore(f, &r);
	}
	sd_fleet_counts(f, &c);
	CHECK_EQ(c.total, SD_FLEET_MAX);
	CHECK_EQ(c.offline, SD_FLEET_MAX);
	CHECK_EQ(sd_fleet_forgotten(f), 10);
	CHECK_EQ(sd_fleet_snapshot(f, recs), SD_FLEET_MAX);
	for (i = 0; i < SD_FLEET_MAX; i++)
		CHECK(recs[i].last_ns > 10 && recs[i].readings ==
		    (uint64_t)recs[i].last_ns - 1);
	sd_fleet_free(f);
	sd_events_free(bus);
}

/* device-back's silence, from the restored file's last reading. */
static void
back_cb(const struct sd_event *ev, void *arg)
{
	if (ev->kind == SD_EV_DEVICE_BACK)
		*(double *)arg = ev->silent_s;
}

static double
back_after(int64_t read_ns)
{
	struct sd_events *bus = sd_events_new();
	struct sd_fleet *f = sd_fleet_new(bus);
	struct sd_fleet_via via = { "10.0.0.1:99", 0, 0, NULL, 0 };
	struct sd_fleet_ref ref = { 0, 0 };
	struct sd_fleet_rec r;
	struct timespec ts;
	double silent = -1e9;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	via.now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	memset(&r, 0, sizeof(r));
	r.mac[0] = 2;
	r.silent = 1;
	r.first_ns = r.last_ns = r.read_ns = read_ns;
	sd_fleet_restore(f, &r);
	sd_events_subscribe(bus, back_cb, &silent);
	sd_fleet_note(f, &ref, r.mac, &via, SD_FLEET_READINGS, 1);
	sd_fleet_leave(f, &ref);
	sd_fleet_free(f);
	sd_events_free(bus);
	return silent;
}

/* A silent device back: how long since its last reading, never less
 * than 0 when the file says it read later than now (a clock that ran
 * ahead, or stepped back since). */
static void
test_back_silence(void)
{
	int64_t now = (int64_t)time(NULL) * 1000000000;
	double s;

	s = back_after(now - 3600 * (int64_t)1000000000);
	CHECK(s > 3590 && s < 3700);
	s = back_after(now + 3600 * (int64_t)1000000000);
	CHECK(s == 0);
}

static const struct sd_test_case cases[] = {
	{ "roundtrip", test_roundtrip },
	{ "refused", test_refused },
	{ "bounds", test_bounds },
	{ "bounded", test_bounded },
	{ "back_silence", test_back_silence },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
