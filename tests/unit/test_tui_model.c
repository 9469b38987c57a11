/*
 * test_tui_model.c: the dashboard's model (tui/tui_model) on its own,
 * fed the JSON a server speaks. Its clock: the header's uptime turns
 * when the server's seconds do, whatever the phase of the snapshots,
 * and never goes back.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "sd_test.h"
#include "tui_fmt.h"
#include "tui_model.h"

#define MS	1000000LL

/* Feed a status snapshot saying the server has been up for up_ms. */
static void
feed_up(struct tui_model *m, long long up_ms)
{
	json_t *msg = json_pack("{s:{s:I,s:I}}", "status", "uptime",
	    (json_int_t)(up_ms / 1000), "uptime_ms", (json_int_t)up_ms);

	tui_model_feed(m, msg);
	json_decref(msg);
}

/* Snapshots a second apart whose phase slips from just after a whole
 * second to just before one (a refresh timer and a loop that run a
 * little late): every second is shown, each for about a second. With
 * whole seconds only, 12 was shown for 7 ms (tmux's captures saw 11
 * and then 13: the header stood still 2 s). */
static void
test_clock_phase(void)
{
	struct tui_model *m = tui_model_new();
	int64_t t0;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	feed_up(m, 10010);
	t0 = m->uptime_ns;
	CHECK_EQ(tui_model_uptime(m, t0), 10);
	CHECK_EQ(tui_model_uptime(m, t0 + 989 * MS), 10);
	CHECK_EQ(tui_model_uptime(m, t0 + 991 * MS), 11);
	/* The next one came 1.985 s of the server's later. */
	feed_up(m, 11995);
	t0 = m->uptime_ns;
	CHECK_EQ(tui_model_uptime(m, t0), 11);
	CHECK_EQ(tui_model_uptime(m, t0 + 4 * MS), 11);
	CHECK_EQ(tui_model_uptime(m, t0 + 6 * MS), 12);
	CHECK_EQ(tui_model_uptime(m, t0 + 1004 * MS), 12);
	CHECK_EQ(tui_model_uptime(m, t0 + 1006 * MS), 13);
	tui_model_free(m);
}

/* A snapshot that spent longer on its way says a little less than the
 * clock carried forward: a second shown is not taken back. */
static void
test_clock_never_back(void)
{
	struct tui_model *m = tui_model_new();
	int64_t t0;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	feed_up(m, 20000);
	t0 = m->uptime_ns;
	CHECK_EQ(tui_model_uptime(m, t0 + 1001 * MS), 21);
	feed_up(m, 20990);
	CHECK_EQ(tui_model_uptime(m, m->uptime_ns), 21);
	CHECK_EQ(tui_model_uptime(m, m->uptime_ns + 1011 * MS), 22);
	tui_model_free(m);
}

/* A server without uptime_ms (an older one, over attach): whole
 * seconds still tick. */
static void
test_clock_whole_seconds(void)
{
	struct tui_model *m = tui_model_new();
	json_t *msg = json_pack("{s:{s:I}}", "status", "uptime",
	    (json_int_t)30);
	int64_t t0;

	CHECK(m != NULL && msg != NULL);
	if (m == NULL || msg == NULL)
		goto out;
	tui_model_feed(m, msg);
	t0 = m->uptime_ns;
	CHECK_EQ(tui_model_uptime(m, t0), 30);
	CHECK_EQ(tui_model_uptime(m, t0 + 1000 * MS), 31);
out:
	json_decref(msg);
	tui_model_free(m);
}

/* Ages read as people say them, in at most 5 characters: the client
 * table's `last` column (issue 16: `537s` was drawn). */
static void
test_age_words(void)
{
	static const struct {
		int64_t		 s;
		const char	*want;
	} t[] = {
		{ -3, "0s" }, { 0, "0s" }, { 59, "59s" }, { 60, "1m00s" },
		{ 537, "8m57s" }, { 599, "9m59s" }, { 600, "10m" },
		{ 3599, "59m" }, { 3600, "1h00m" }, { 7500, "2h05m" },
		{ 35999, "9h59m" }, { 36000, "10h" }, { 86399, "23h" },
		{ 86400, "1d00h" }, { 273600, "3d04h" }, { 863999, "9d23h" },
		{ 864000, "10d" }, { 99999LL * 86400, "99999d" },
	};
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tui_fmt_age(t[i].s, buf, sizeof(buf));
		if (strcmp(buf, t[i].want) != 0)
			fprintf(stderr, "%lld s: %s, want %s\n",
			    (long long)t[i].s, buf, t[i].want);
		CHECK(strcmp(buf, t[i].want) == 0);
		CHECK(strlen(buf) <= 5 || t[i].s >= 10000 * 86400LL);
	}
}

/* A sensors answer: one sensor per (device, channel), devices counted
 * once, the history's nulls kept as gaps (not the last value again),
 * silence by about three intervals and never under 2 s. */
static void
test_sensors_by_channel(void)
{
	struct tui_model *m = tui_model_new();
	json_t *hist = json_array(), *msg;
	const struct tui_sensor *s;
	int i;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	for (i = 0; i < 60; i++)
		json_array_append_new(hist, i == 57 ? json_pack("[f,f,f]",
		    1.0, 5.0, 3.0) : json_null());
	msg = json_pack("{s:b,s:i,s:[{s:s,s:s,s:f,s:f,s:f,s:I,s:I,s:o},"
	    "{s:s,s:s,s:f,s:n,s:n,s:I,s:I},{s:s,s:s,s:f,s:I,s:I}]}",
	    "ok", 1, "window", 600, "sensors",
	    "device", "aa:bb:cc:dd:ee:ff", "channel", "temp", "value", 3.0,
	    "min", 1.0, "max", 5.0, "interval_ms", (json_int_t)1000,
	    "age_ms", (json_int_t)2500, "history", hist,
	    "device", "aa:bb:cc:dd:ee:ff", "channel", "hum", "value", 4.0,
	    "min", "max", "interval_ms", (json_int_t)100,
	    "age_ms", (json_int_t)1500,
	    "device", "02:00:00:00:00:02", "channel", "", "value", 7.5,
	    "interval_ms", (json_int_t)0, "age_ms", (json_int_t)99000);
	CHECK(msg != NULL);
	tui_model_feed(m, msg);
	CHECK_EQ(m->nsensors, 3);
	CHECK_EQ(m->nsensor_devs, 2);
	CHECK_EQ(m->sensors_window, 600);
	s = &m->sensors[0];
	CHECK(strcmp(s->channel, "temp") == 0 && s->have && s->min == 1 &&
	    s->max == 5);
	CHECK(s->hist[57].has && s->hist[57].lo == 1 && s->hist[57].hi == 5 &&
	    s->hist[57].last == 3);
	CHECK(!s->hist[56].has && !s->hist[58].has && !s->hist[59].has);
	CHECK(!tui_sensor_silent(s, s->seen_ns));	/* 2.5 s < 3 s */
	CHECK(tui_sensor_silent(s, s->seen_ns + 600 * MS));
	CHECK(!m->sensors[1].have);
	/* 3 x 100 ms is under the 2 s floor: 1.5 s is not silent yet. */
	CHECK(!tui_sensor_silent(&m->sensors[1], m->sensors[1].seen_ns));
	CHECK(tui_sensor_silent(&m->sensors[1], m->sensors[1].seen_ns +
	    600 * MS));
	/* No interval yet: never called silent. */
	CHECK(!tui_sensor_silent(&m->sensors[2], m->sensors[2].seen_ns));
	CHECK_EQ(tui_sensor_age(&m->sensors[2], m->sensors[2].seen_ns), 99);
	json_decref(msg);
	/* The next answer replaces the rows: a forgotten sensor goes. */
	msg = json_pack("{s:b,s:[{s:s,s:s,s:f}]}", "ok", 1, "sensors",
	    "device", "02:00:00:00:00:02", "channel", "", "value", 8.0);
	tui_model_feed(m, msg);
	CHECK_EQ(m->nsensors, 1);
	CHECK_EQ(m->nsensor_devs, 1);
	json_decref(msg);
	tui_model_free(m);
}

static const struct sd_test_case cases[] = {
	{ "age_words", test_age_words },
	{ "sensors_by_channel", test_sensors_by_channel },
	{ "clock_phase", test_clock_phase },
	{ "clock_never_back", test_clock_never_back },
	{ "clock_whole_seconds", test_clock_whole_seconds },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
