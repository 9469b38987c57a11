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

static const struct sd_test_case cases[] = {
	{ "age_words", test_age_words },
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
