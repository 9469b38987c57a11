/*
 * test_rate.c: the sliding-window rate (src/common/sd_rate): a steady
 * stream reads steady and right, a burst is spread over the window and
 * then gone, silence decays to 0, the first seconds read right, and
 * clocks that jump either way neither crash nor invent counts.
 */
#include <math.h>

#include "sd_rate.h"
#include "sd_test.h"

#define S	1000000000LL
#define MS	1000000LL
#define T0	(1000 * S + 300 * MS)	/* counting begins mid-second */

/* Whether v is want, to a hundredth. */
static int
near(double v, double want)
{
	if (fabs(v - want) < 0.01)
		return 1;
	fprintf(stderr, "  got %.3f, want %.3f\n", v, want);
	return 0;
}

/* 40 a second, one every 25 ms, from T0 until end; the rate read
 * every 100 ms from T0 + 7 s on is 40 whenever it is read. */
static void
test_steady(void)
{
	struct sd_rate r;
	int64_t t, end = T0 + 20 * S;
	int bad = 0;

	sd_rate_init(&r, T0);
	for (t = T0; t < end; t += 25 * MS) {
		sd_rate_add(&r, t, 1);
		if (t >= T0 + 7 * S && (t - T0) % (100 * MS) == 0 &&
		    fabs(sd_rate_get(&r, t) - 40) > 0.01)
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* The server adds many at a time (a turn's worth): the same. */
	sd_rate_init(&r, T0);
	for (t = T0; t < end; t += 250 * MS)
		sd_rate_add(&r, t, 10);
	CHECK(near(sd_rate_get(&r, end), 40));
}

/* The first whole seconds: 0 before one is whole, then the rate over
 * those there are, never over the window's length. */
static void
test_startup(void)
{
	struct sd_rate r;
	int64_t t;

	sd_rate_init(&r, T0);
	for (t = T0; t < T0 + 3 * S; t += 25 * MS) {
		sd_rate_add(&r, t, 1);
		/* the part of a second counting began in is left out */
		if (t < 1002 * S)
			CHECK(near(sd_rate_get(&r, t), 0));
		else
			CHECK(near(sd_rate_get(&r, t), 40));
	}
	/* begun on the second, that second counts */
	sd_rate_init(&r, 1000 * S);
	sd_rate_add(&r, 1000 * S + 500 * MS, 30);
	CHECK(near(sd_rate_get(&r, 1001 * S), 30));
	CHECK(near(sd_rate_get(&r, 1002 * S), 15));
}

/* A burst of 500 in one second reads 100 a second for the window's
 * five seconds, then 0. */
static void
test_burst(void)
{
	struct sd_rate r;
	int s;

	sd_rate_init(&r, 1000 * S);
	sd_rate_add(&r, 1010 * S + 400 * MS, 500);
	CHECK(near(sd_rate_get(&r, 1010 * S + 900 * MS), 0));
	for (s = 1011; s <= 1015; s++)
		CHECK(near(sd_rate_get(&r, s * S + 500 * MS), 100));
	CHECK(near(sd_rate_get(&r, 1016 * S), 0));
	/* a count past a slot's range saturates, never wraps */
	sd_rate_add(&r, 1020 * S, UINT32_MAX);
	sd_rate_add(&r, 1020 * S, 7);
	CHECK(near(sd_rate_get(&r, 1021 * S), UINT32_MAX / 5.0));
}

/* A stream that stops: the rate falls a fifth a second and is 0 once
 * the window has passed, however long the silence. */
static void
test_idle_decay(void)
{
	struct sd_rate r;
	int64_t t;
	int s;

	sd_rate_init(&r, 1000 * S);
	for (t = 1000 * S; t < 1010 * S; t += 100 * MS)
		sd_rate_add(&r, t, 5);		/* 50 a second */
	for (s = 0; s <= SD_RATE_WINDOW; s++)
		CHECK(near(sd_rate_get(&r, (1010 + s) * S + 1),
		    50.0 * (SD_RATE_WINDOW - s) / SD_RATE_WINDOW));
	CHECK(near(sd_rate_get(&r, 1010 * S + 3600 * S), 0));
	/* and counts again, fresh, after the silence */
	sd_rate_add(&r, 1010 * S + 3600 * S + 1, 20);
	CHECK(near(sd_rate_get(&r, 1010 * S + 3601 * S), 4));
}

/* A clock that jumps forward finds the old counts gone; one that goes
 * back stands still: what it adds is counted once, in the newest
 * second, and nothing is read from slots of other seconds. */
static void
test_clock_jumps(void)
{
	struct sd_rate r;
	int64_t t;

	sd_rate_init(&r, 1000 * S);
	for (t = 1000 * S; t < 1006 * S; t += 100 * MS)
		sd_rate_add(&r, t, 1);		/* 10 a second */
	CHECK(near(sd_rate_get(&r, 1006 * S), 10));
	/* a day forward */
	CHECK(near(sd_rate_get(&r, 1006 * S + 86400 * S), 0));
	sd_rate_add(&r, 1007 * S + 86400 * S, 50);
	CHECK(near(sd_rate_get(&r, 1008 * S + 86400 * S), 10));

	/* an hour back: the clock stands at its newest second */
	sd_rate_init(&r, 1000 * S);
	for (t = 1000 * S; t < 1006 * S; t += 100 * MS)
		sd_rate_add(&r, t, 1);
	sd_rate_add(&r, 1006 * S - 3600 * S, 30);	/* into 1005 */
	CHECK(near(sd_rate_get(&r, 1006 * S - 3600 * S), 10));
	CHECK(near(sd_rate_get(&r, 1006 * S), 16));
	/* back before counting began, and times near 0, read sanely */
	sd_rate_init(&r, 2 * S);
	CHECK(near(sd_rate_get(&r, 0), 0));
	sd_rate_add(&r, 1, 9);
	CHECK(near(sd_rate_get(&r, 3 * S), 9));
}

static const struct sd_test_case cases[] = {
	{ "steady", test_steady },
	{ "startup", test_startup },
	{ "burst", test_burst },
	{ "idle_decay", test_idle_decay },
	{ "clock_jumps", test_clock_jumps },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
