/*
 * sd_synth.c: made-up sensor values for test streams (see sd_synth.h).
 */
#include <math.h>
#include <string.h>

#include "sd_synth.h"

static const char *const shape_names[] = { "constant", "walk", "sine" };

void
sd_synth_init(struct sd_synth *s, enum sd_synth_shape shape, double base,
    double rate, int64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->shape = shape;
	s->base = base;
	s->cur = base;
	s->rate = rate;
	s->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)now_ns;
	s->start_ns = now_ns;
}

uint64_t
sd_synth_due_total(int64_t start_ns, int64_t now_ns, double rate)
{
	double want = (double)(now_ns - start_ns) / 1e9 * rate;

	/* The first reading goes at once, reading i at i / rate s; half a
	 * period of slack, so a timer of period 1 / rate that fires a
	 * little early sends one then, not none and then two. */
	if (!(want >= 0) || want > 1e18)
		return 0;
	return (uint64_t)(want + 0.5) + 1;
}

uint64_t
sd_synth_due(const struct sd_synth *s, int64_t now_ns, uint64_t max)
{
	uint64_t due = sd_synth_due_total(s->start_ns, now_ns, s->rate);

	if (due <= s->n)
		return 0;
	due -= s->n;
	return due > max ? max : due;
}

/* xorshift64*: a uniform double in [-1, 1). */
static double
stream_rand(struct sd_synth *s)
{
	uint64_t x = s->seed;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->seed = x;
	x *= 0x2545f4914f6cdd1dull;
	return (double)(x >> 11) / (double)(1ull << 52) - 1.0;
}

double
sd_synth_next(struct sd_synth *s)
{
	double t, step = fabs(s->base) > 0 ? fabs(s->base) / 100 : 0.01;

	switch (s->shape) {
	case SD_SYNTH_WALK:
		s->cur += step * stream_rand(s);
		break;
	case SD_SYNTH_SINE:
		/* Time from the reading's index, so the curve is smooth at
		 * any rate and whatever the loop's jitter. */
		t = s->rate > 0 ? (double)s->n / s->rate : 0;
		s->cur = s->base + fabs(s->base) / 10 *
		    sin(2 * M_PI * t / SD_SYNTH_PERIOD);
		break;
	default:
		s->cur = s->base;
		break;
	}
	s->n++;
	return s->cur;
}

const char *
sd_synth_shape_name(enum sd_synth_shape shape)
{
	return (unsigned)shape < 3 ? shape_names[shape] : "?";
}

int
sd_synth_shape_parse(const char *name)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, shape_names[i]) == 0)
			return i;
	return -1;
}
