/*
 * sd_sensorstat.c: each sensor's last value, interval and history (see
 * sd_sensorstat.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_sensorstat.h"

#define HASH_SIZE	(2 * SD_SENSORS_MAX)	/* a power of two */

static const int widths[SD_SENSOR_WINDOWS] = { 1, 10, 60 };

struct sd_sensors {
	struct sd_sensor *s;		/* SD_SENSORS_MAX slots */
	size_t		 n;
	int		 head[HASH_SIZE];
	int		 oldest, newest;	/* order last heard */
	uint64_t	 seed;
	uint64_t	 forgotten;
};

struct sd_sensors *
sd_sensors_new(void)
{
	struct sd_sensors *t = calloc(1, sizeof(*t));
	struct timespec ts;
	size_t i;

	if (t == NULL)
		return NULL;
	/* Pages of slots never used are never touched. */
	t->s = calloc(SD_SENSORS_MAX, sizeof(*t->s));
	if (t->s == NULL) {
		free(t);
		return NULL;
	}
	for (i = 0; i < HASH_SIZE; i++)
		t->head[i] = -1;
	t->oldest = t->newest = -1;
	/* A seed a peer cannot guess keeps its names from piling into one
	 * chain (a chain is at most the table all the same). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)(uintptr_t)t ^ (uint64_t)ts.tv_sec << 32;
	return t;
}

void
sd_sensors_free(struct sd_sensors *t)
{
	if (t == NULL)
		return;
	free(t->s);
	free(t);
}

static size_t
key_hash(const struct sd_sensors *t, const uint8_t *dev, const char *chan,
    size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
	size_t i;

	for (i = 0; i < 6; i++)
		h = (h ^ dev[i]) * 0x100000001b3ULL;
	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)chan[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return (size_t)(h & (HASH_SIZE - 1));
}

/* Take slot i out of the order last heard. */
static void
order_unlink(struct sd_sensors *t, int i)
{
	struct sd_sensor *s = &t->s[i];

	if (s->older >= 0)
		t->s[s->older].newer = s->newer;
	else
		t->oldest = s->newer;
	if (s->newer >= 0)
		t->s[s->newer].older = s->older;
	else
		t->newest = s->older;
}

/* Put slot i at the newest end. */
static void
order_push(struct sd_sensors *t, int i)
{
	t->s[i].older = t->newest;
	t->s[i].newer = -1;
	if (t->newest >= 0)
		t->s[t->newest].newer = i;
	else
		t->oldest = i;
	t->newest = i;
}

/* Take slot i out of its hash chain. */
static void
hash_unlink(struct sd_sensors *t, int i)
{
	const struct sd_sensor *s = &t->s[i];
	int *p = &t->head[key_hash(t, s->dev, s->chan, s->chan_len)];

	while (*p >= 0 && *p != i)
		p = &t->s[*p].hnext;
	if (*p == i)
		*p = s->hnext;
}

/* Whether slot s is (dev, chan). */
static int
slot_is(const struct sd_sensor *s, const uint8_t *dev, const char *chan,
    size_t n)
{
	return s->chan_len == n && memcmp(s->dev, dev, 6) == 0 &&
	    memcmp(s->chan, chan, n) == 0;
}

/* The slot for (dev, chan): found, a free one, or the one silent
 * longest, made over. The sensor heard last is tried first, before
 * the hash: a connection's readings come a turn of the loop at a time,
 * from one device most often. */
static int
find_or_take(struct sd_sensors *t, const uint8_t *dev, const char *chan,
    size_t n)
{
	size_t h;
	struct sd_sensor *s;
	int i;

	if (t->newest >= 0 && slot_is(&t->s[t->newest], dev, chan, n))
		return t->newest;
	h = key_hash(t, dev, chan, n);
	for (i = t->head[h]; i >= 0; i = t->s[i].hnext) {
		if (slot_is(&t->s[i], dev, chan, n))
			return i;
	}
	if (t->n < SD_SENSORS_MAX)
		i = (int)t->n++;
	else {
		i = t->oldest;
		hash_unlink(t, i);
		order_unlink(t, i);
		t->forgotten++;
	}
	s = &t->s[i];
	memset(s, 0, sizeof(*s));
	memcpy(s->dev, dev, 6);
	memcpy(s->chan, chan, n);
	s->chan_len = (uint8_t)n;
	s->hnext = t->head[h];
	t->head[h] = i;
	order_push(t, i);
	return i;
}

static void
bucket_add(struct sd_sensor_bucket *b, uint32_t period, double v)
{
	if (b->period != period) {
		b->period = period;
		b->n = 0;
		b->min = b->max = v;
	}
	if (v < b->min)
		b->min = v;
	if (v > b->max)
		b->max = v;
	b->last = v;
	b->n++;
}

void
sd_sensors_note(struct sd_sensors *t, const uint8_t *dev, const char *chan,
    size_t chan_len, double value, int64_t ts_ns, int64_t now_ns)
{
	struct sd_sensor *s;
	uint32_t sec = now_ns > 0 ? (uint32_t)(now_ns / 1000000000) : 0;
	int64_t dt;
	int i, w;

	if (chan == NULL || chan_len == 0) {
		chan = "";
		chan_len = 0;
	}
	if (chan_len > SD_SENSOR_CHAN_MAX)
		chan_len = SD_SENSOR_CHAN_MAX;
	i = find_or_take(t, dev, chan, chan_len);
	s = &t->s[i];
	if (t->newest != i) {
		order_unlink(t, i);
		order_push(t, i);
	}
	/* Readings of one read share a receipt time: the interval is
	 * between reads that bring the sensor's readings. */
	dt = now_ns - s->recv_ns;
	if (s->count > 0 && dt > 0)
		s->interval_ns = s->interval_ns == 0 ? dt :
		    (3 * s->interval_ns + dt) / 4;
	if (s->count == 0 || now_ns > s->recv_ns)
		s->recv_ns = now_ns;
	s->value = value;
	s->last_ns = ts_ns;
	s->count++;
	for (w = 0; w < SD_SENSOR_WINDOWS; w++)
		bucket_add(&s->hist[w][sec / widths[w] % SD_SENSOR_BUCKETS],
		    sec / widths[w], value);
}

size_t
sd_sensors_count(const struct sd_sensors *t)
{
	return t->n;
}

const struct sd_sensor *
sd_sensors_get(const struct sd_sensors *t, size_t i)
{
	return i < t->n ? &t->s[i] : NULL;
}

uint64_t
sd_sensors_forgotten(const struct sd_sensors *t)
{
	return t->forgotten;
}

int
sd_sensor_window(long secs)
{
	int w;

	for (w = 0; w < SD_SENSOR_WINDOWS - 1; w++) {
		if (secs <= (long)widths[w] * SD_SENSOR_BUCKETS)
			break;
	}
	return w;
}

int
sd_sensor_step(int window)
{
	return widths[window];
}

uint64_t
sd_sensor_history(const struct sd_sensor *s, int w, int64_t now_ns,
    struct sd_sensor_point out[SD_SENSOR_BUCKETS], double *lo, double *hi)
{
	const struct sd_sensor_bucket *b;
	uint32_t now = (uint32_t)(now_ns / 1000000000) / widths[w], p;
	uint64_t total = 0;
	int i;

	for (i = 0; i < SD_SENSOR_BUCKETS; i++) {
		p = now - (uint32_t)(SD_SENSOR_BUCKETS - 1 - i);
		b = &s->hist[w][p % SD_SENSOR_BUCKETS];
		memset(&out[i], 0, sizeof(out[i]));
		if (b->period != p || b->n == 0 || p == 0)
			continue;
		out[i].min = b->min;
		out[i].max = b->max;
		out[i].last = b->last;
		out[i].n = b->n;
		if (total == 0 || b->min < *lo)
			*lo = b->min;
		if (total == 0 || b->max > *hi)
			*hi = b->max;
		total += b->n;
	}
	return total;
}

double
sd_sensor_rate(const struct sd_sensor *s, int64_t now_ns)
{
	const struct sd_sensor_bucket *b;
	uint32_t now = (uint32_t)(now_ns / 1000000000), p, first = 0;
	uint64_t n = 0;

	/* Whole seconds only; a sensor heard for less than ten of them
	 * is counted over those it was heard in, not over ten. */
	for (p = now - 10; p != now; p++) {
		b = &s->hist[0][p % SD_SENSOR_BUCKETS];
		if (b->period != p)
			continue;
		if (n == 0)
			first = p;
		n += b->n;
	}
	return n == 0 ? 0 : (double)n / (now - first);
}
