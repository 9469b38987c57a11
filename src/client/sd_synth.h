/*
 * sd_synth.h: the values of a sensor stream the client makes up for
 * testing a server and its sinks: constant, a random walk, or a sine,
 * around a base value, and how many readings are due at a rate.
 * Pure arithmetic: no I/O, no clock of its own (callers pass time).
 */
#ifndef SD_SYNTH_H
#define SD_SYNTH_H

#include <stdint.h>

enum sd_synth_shape {
	SD_SYNTH_CONSTANT,
	SD_SYNTH_WALK,		/* steps of up to 1% of the base */
	SD_SYNTH_SINE		/* base +- 10% over SD_SYNTH_PERIOD s */
};

#define SD_SYNTH_PERIOD	10.0

struct sd_synth {
	enum sd_synth_shape	 shape;
	double			 base;
	double			 rate;		/* readings per second */
	double			 cur;		/* the walk's last value */
	uint64_t		 n;		/* readings made */
	uint64_t		 seed;		/* the walk's PRNG state */
	int64_t			 start_ns;
};

/* Start a stream at time now_ns (any monotonic clock). */
void sd_synth_init(struct sd_synth *s, enum sd_synth_shape shape,
    double base, double rate, int64_t now_ns);

/* How many readings of a stream started at start_ns are due by now_ns
 * in all: the first at once, reading i at i / rate s (rate > 0), with
 * half a period of slack for a timer's jitter. */
uint64_t sd_synth_due_total(int64_t start_ns, int64_t now_ns, double rate);

/* How many readings are due by now_ns that were not made yet, at most
 * max (a stalled loop catches up in bounded steps). */
uint64_t sd_synth_due(const struct sd_synth *s, int64_t now_ns,
    uint64_t max);

/* The next value. */
double sd_synth_next(struct sd_synth *s);

/* "constant", "walk", "sine"; and back (-1 when unknown). */
const char *sd_synth_shape_name(enum sd_synth_shape shape);
int sd_synth_shape_parse(const char *name);

#endif
