/*
 * sd_rate.h: how many a second, over a sliding window of whole seconds.
 *
 * A counter keeps one slot per second of its window and one for the
 * second now under way, in a fixed array: adding costs the same
 * whatever the count or the time since the last add (at most the
 * window's slots are cleared), and nothing is allocated. The rate is
 * the sum of the last SD_RATE_WINDOW whole seconds over the window's
 * length, so it changes once a second and a steady stream reads
 * steady; the second under way is not counted until it is whole.
 *
 * While less than the window has passed since counting began, the
 * rate is over the whole seconds that have (the second counting began
 * in is not one, unless it began on the second: a part of a second
 * would read as a burst, or a lull): 0 until one has. A clock that goes
 * back stands still until it is past where it was; one that jumps
 * forward by more than the window finds every slot old and reads 0.
 * A slot holds at most 2^32 - 1 a second (it saturates).
 *
 * Times are monotonic nanoseconds (sd_mono_ns).
 */
#ifndef SD_RATE_H
#define SD_RATE_H

#include <stdint.h>

#define SD_RATE_WINDOW	5	/* seconds */
#define SD_RATE_SLOTS	(SD_RATE_WINDOW + 1)

struct sd_rate {
	int64_t		 start;		/* counting began, ns */
	int64_t		 sec;		/* the newest second counted */
	uint32_t	 slot[SD_RATE_SLOTS];	/* at second % SLOTS */
};

/* Start counting at now, from nothing. */
void sd_rate_init(struct sd_rate *r, int64_t now);

/* Count n more at now. */
void sd_rate_add(struct sd_rate *r, int64_t now, uint64_t n);

/* The rate a second at now, over the last whole seconds of the window
 * (see above). */
double sd_rate_get(const struct sd_rate *r, int64_t now);

#endif
