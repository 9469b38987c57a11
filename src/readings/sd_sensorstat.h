/*
 * sd_sensorstat.h: what the server remembers of each sensor, a (device,
 * channel) pair, for the dashboard and `ctl sensors`: its last value and
 * time, a count, its usual interval, and a bounded history.
 *
 * The history is kept by the time the server received the readings (a
 * device's own clock may be anything): three rings of
 * SD_SENSOR_BUCKETS buckets, one a second (the last minute), one per ten
 * seconds (ten minutes) and one a minute (an hour). Each bucket holds
 * the min, max and last value and the count of its readings, and the
 * number of the period it is for: a bucket whose number is not the one
 * asked for has no data, so a silent sensor reads as a gap, never as
 * its last value repeated.
 *
 * The table holds SD_SENSORS_MAX sensors. A reading costs a hash lookup
 * and three bucket updates whatever the table holds; when it is full a
 * new sensor takes the place of the one silent longest (a list in the
 * order last heard), and sd_sensors_forgotten() counts those.
 */
#ifndef SD_SENSORSTAT_H
#define SD_SENSORSTAT_H

#include <stddef.h>
#include <stdint.h>

#define SD_SENSORS_MAX		256	/* (device, channel) pairs kept */
#define SD_SENSOR_BUCKETS	60	/* buckets in each window */
#define SD_SENSOR_CHAN_MAX	255	/* a channel's bytes (chan_len) */
#define SD_SENSOR_WINDOWS	3	/* 60 s, 600 s, 3600 s */

struct sd_sensor_bucket {
	double		 min;
	double		 max;
	double		 last;
	uint32_t	 n;		/* readings in it */
	uint32_t	 period;	/* received s / width; 0: never */
};

struct sd_sensor {
	uint8_t		 dev[6];
	uint8_t		 chan_len;	/* 0: no channel (legacy) */
	char		 chan[SD_SENSOR_CHAN_MAX + 1];
	double		 value;
	uint64_t	 count;
	int64_t		 last_ns;	/* the reading's own timestamp */
	int64_t		 recv_ns;	/* when the last one came */
	int64_t		 interval_ns;	/* smoothed inter-arrival, 0: none */
	struct sd_sensor_bucket hist[SD_SENSOR_WINDOWS][SD_SENSOR_BUCKETS];
	/* The table's own links (indices, -1: none). */
	int		 hnext;		/* hash chain */
	int		 older, newer;	/* order last heard */
};

/* One bucket of a window as asked for: n == 0 is "no data". */
struct sd_sensor_point {
	double		 min;
	double		 max;
	double		 last;
	uint32_t	 n;
};

struct sd_sensors;

struct sd_sensors *sd_sensors_new(void);
void sd_sensors_free(struct sd_sensors *t);

/* A reading of dev (6 bytes) on chan (chan_len bytes, 0 for none; only
 * the first SD_SENSOR_CHAN_MAX count) with its timestamp ts_ns, received
 * at now_ns. */
void sd_sensors_note(struct sd_sensors *t, const uint8_t *dev,
    const char *chan, size_t chan_len, double value, int64_t ts_ns,
    int64_t now_ns);

/* The sensors held, in slots 0 .. n-1 (a slot keeps its sensor until
 * it is replaced). */
size_t sd_sensors_count(const struct sd_sensors *t);
const struct sd_sensor *sd_sensors_get(const struct sd_sensors *t,
    size_t i);

/* Sensors replaced to make room for new ones, since the start. */
uint64_t sd_sensors_forgotten(const struct sd_sensors *t);

/* The window index (0, 1, 2) for a window of secs seconds (60, 600,
 * 3600; anything else: the nearest not shorter, at most 3600), and its
 * bucket width in seconds. */
int sd_sensor_window(long secs);
int sd_sensor_step(int window);

/* The SD_SENSOR_BUCKETS buckets of window w ending with the one now_ns
 * falls in, oldest first, into out; *lo and *hi get the min and max
 * over them. Returns the readings in the window (0: no data, *lo and
 * *hi untouched). */
uint64_t sd_sensor_history(const struct sd_sensor *s, int w, int64_t now_ns,
    struct sd_sensor_point out[SD_SENSOR_BUCKETS], double *lo, double *hi);

/* Readings a second over the last ten whole seconds (over fewer when
 * the first reading in them came later). */
double sd_sensor_rate(const struct sd_sensor *s, int64_t now_ns);

#endif
