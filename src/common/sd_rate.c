/*
 * sd_rate.c: a rate over a sliding window of whole seconds (see
 * sd_rate.h).
 */
#include <string.h>

#include "sd_rate.h"

#define NS	1000000000LL

/* Second s's slot (s may be before the clock's epoch, in tests). */
static int
rate_idx(int64_t s)
{
	return (int)((s % SD_RATE_SLOTS + SD_RATE_SLOTS) % SD_RATE_SLOTS);
}

/* The second of now, never before the newest one counted: a clock
 * that went back stands still. */
static int64_t
rate_sec(const struct sd_rate *r, int64_t now)
{
	int64_t sec = now / NS;

	return sec > r->sec ? sec : r->sec;
}

/* Move the newest slot on to second sec, clearing the slots of the
 * seconds in between (all of them after a long silence). */
static void
rate_advance(struct sd_rate *r, int64_t sec)
{
	int64_t s;

	if (sec - r->sec >= SD_RATE_SLOTS)
		memset(r->slot, 0, sizeof(r->slot));
	else {
		for (s = r->sec + 1; s <= sec; s++)
			r->slot[rate_idx(s)] = 0;
	}
	r->sec = sec;
}

void
sd_rate_init(struct sd_rate *r, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->start = now;
	r->sec = now / NS;
}

void
sd_rate_add(struct sd_rate *r, int64_t now, uint64_t n)
{
	uint32_t *v;

	rate_advance(r, rate_sec(r, now));
	v = &r->slot[rate_idx(r->sec)];
	*v = n >= UINT32_MAX - *v ? UINT32_MAX : *v + (uint32_t)n;
}

double
sd_rate_get(const struct sd_rate *r, int64_t now)
{
	int64_t sec = rate_sec(r, now), s, lo;
	uint64_t sum = 0;

	/* The first second counting covered whole: a part of one would
	 * read as a burst, or as a lull, for a second. */
	lo = r->start / NS + (r->start % NS != 0);
	if (lo < sec - SD_RATE_WINDOW)
		lo = sec - SD_RATE_WINDOW;
	if (lo >= sec)
		return 0;
	/* Seconds after the newest slot came and went without a count;
	 * slots older than the ring's reach hold other seconds. */
	for (s = lo; s < sec; s++) {
		if (s <= r->sec && s > r->sec - SD_RATE_SLOTS)
			sum += r->slot[rate_idx(s)];
	}
	return (double)sum / (double)(sec - lo);
}
