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
#include "tui_dash_int.h"
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

/* Feed one JSON text; the model's newest log line after it. */
static const char *
feed_text(struct tui_model *m, const char *text)
{
	json_t *o = json_loads(text, 0, NULL);

	CHECK(o != NULL);
	tui_model_feed(m, o);
	json_decref(o);
	return m->log_count ? tui_model_log_line(m, m->log_count - 1) : "";
}

/* A log line's level is its event's "level"; a server without levels
 * reads info; an error answer is an error. The ring stays bounded and
 * each level stays with its line as old lines go. */
static void
test_log_level(void)
{
	struct tui_model *m = tui_model_new();
	size_t i, last;
	char ev[128];

	CHECK(m != NULL);
	if (m == NULL)
		return;
	feed_text(m, "{\"event\":\"bad-frame\",\"level\":\"error\","
	    "\"id\":3,\"reason\":\"unknown sid\"}");
	CHECK_EQ(tui_model_log_level(m, 0), TUI_LV_ERROR);
	feed_text(m, "{\"event\":\"drop\",\"level\":\"warning\"}");
	CHECK_EQ(tui_model_log_level(m, 1), TUI_LV_WARNING);
	feed_text(m, "{\"event\":\"bad-frame\",\"id\":3}");
	CHECK_EQ(tui_model_log_level(m, 2), TUI_LV_INFO);
	feed_text(m, "{\"error\":\"no such client\"}");
	CHECK_EQ(tui_model_log_level(m, 3), TUI_LV_ERROR);
	for (i = 0; i < TUI_LOG_MAX + 10; i++) {
		snprintf(ev, sizeof(ev), "{\"event\":\"error\",\"level\":"
		    "\"%s\",\"reason\":\"n%zu\"}", i % 3 ? "info" :
		    "error", i);
		feed_text(m, ev);
	}
	CHECK_EQ(m->log_count, TUI_LOG_MAX);
	last = TUI_LOG_MAX - 1;
	i = TUI_LOG_MAX + 9;
	CHECK(strstr(tui_model_log_line(m, last), "n2009") != NULL);
	CHECK_EQ(tui_model_log_level(m, last), i % 3 ? TUI_LV_INFO :
	    TUI_LV_ERROR);
	CHECK_EQ(tui_model_log_level(m, last - 1), (i - 1) % 3 ?
	    TUI_LV_INFO : TUI_LV_ERROR);
	CHECK(strlen(tui_model_log_line(m, last)) < TUI_LOG_LEN);
	tui_model_free(m);
}

/* A client whose row is not in the window (sorted by peer, it is not
 * appended): its file and disconnect lines still say its address,
 * server port and device, learnt from its connect and its message. */
static void
test_log_who_window(void)
{
	struct tui_model *m = tui_model_new();
	const char *l;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	m->clients_sort = 2;
	feed_text(m, "{\"event\":\"connect\",\"id\":7,\"fd\":9,"
	    "\"peer\":\"10.0.0.5\",\"peer_port\":4100,\"port\":5000}");
	CHECK(tui_model_client(m, 7) == NULL);
	feed_text(m, "{\"event\":\"message\",\"id\":7,\"device\":"
	    "\"02:00:00:00:00:77\",\"text\":\"hi\"}");
	l = feed_text(m, "{\"event\":\"file-start\",\"id\":7,\"name\":"
	    "\"f.bin\",\"size\":10}");
	CHECK(strstr(l, "#7    10.0.0.5:4100 on 5000 02:00:00:00:00:77  "
	    "file f.bin started") != NULL);
	l = feed_text(m, "{\"event\":\"disconnect\",\"id\":7,\"peer\":"
	    "\"10.0.0.5\",\"peer_port\":4100,\"reason\":\"bye\"}");
	CHECK(strstr(l, "on 5000 02:00:00:00:00:77  disconnected") != NULL);
	/* Attached late: the disconnect alone says who (a new server
	 * gives id 7 out again: its connect forgets the old one). */
	feed_text(m, "{\"event\":\"connect\",\"id\":7,\"peer\":"
	    "\"10.0.0.6\",\"peer_port\":1,\"port\":5001}");
	l = feed_text(m, "{\"event\":\"disconnect\",\"id\":7,\"peer\":"
	    "\"10.0.0.6\",\"peer_port\":1,\"port\":5001,\"device\":"
	    "\"02:00:00:00:00:99\",\"reason\":\"bye\"}");
	CHECK(strstr(l, "#7    10.0.0.6:1 on 5001 02:00:00:00:00:99  "
	    "disconnected") != NULL);
	tui_model_free(m);
}

/* The Log filter's smart case: lower case matches any case, a capital
 * only its own. */
static void
test_smart_case(void)
{
	const char *s = "Mixed Alpha and ALPHA";

	CHECK(tui_fmt_find(s, "alpha") == s + 6);
	CHECK(tui_fmt_find(s, "Alpha") == s + 6);
	CHECK(tui_fmt_find(s, "ALPHA") == s + 16);
	CHECK(tui_fmt_find(s, "aLpha") == NULL);
	CHECK(tui_fmt_find(s, "mixed a") == s);
	CHECK(tui_fmt_find(s, "") == s);
	CHECK(tui_fmt_find(s, "beta") == NULL);
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
	{ "clock_phase", test_clock_phase },
	{ "clock_never_back", test_clock_never_back },
	{ "clock_whole_seconds", test_clock_whole_seconds },
	{ "log_level", test_log_level },
	{ "log_who_window", test_log_who_window },
	{ "smart_case", test_smart_case },
	{ "sensors_by_channel", test_sensors_by_channel },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
