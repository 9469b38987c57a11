/*
 * test_sensorstat.c: the sensors table (src/readings/sd_sensorstat):
 * keyed by (device, channel), bounded with the one silent longest
 * replaced, a smoothed interval, and history buckets in which a second
 * without readings is a gap, not the last value again.
 */
#include <string.h>

#include "sd_sensorstat.h"
#include "sd_test.h"

#define S	1000000000LL
#define T0	(1700000000LL * S)	/* a whole ten seconds */

static const uint8_t dev_a[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t dev_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static const struct sd_sensor *
find(const struct sd_sensors *t, const uint8_t *dev, const char *chan)
{
	const struct sd_sensor *s;
	size_t i;

	for (i = 0; i < sd_sensors_count(t); i++) {
		s = sd_sensors_get(t, i);
		if (memcmp(s->dev, dev, 6) == 0 &&
		    s->chan_len == strlen(chan) &&
		    memcmp(s->chan, chan, s->chan_len) == 0)
			return s;
	}
	return NULL;
}

static void
test_keyed_by_channel(void)
{
	struct sd_sensors *t = sd_sensors_new();
	const struct sd_sensor *s;

	sd_sensors_note(t, dev_a, "temp", 4, 21.5, 0, T0);
	sd_sensors_note(t, dev_a, "hum", 3, 40, 0, T0);
	sd_sensors_note(t, dev_a, NULL, 0, 1, 0, T0);
	sd_sensors_note(t, dev_b, "temp", 4, 3, 0, T0);
	sd_sensors_note(t, dev_a, "temp", 4, 22.5, 0, T0 + S);
	CHECK_EQ(sd_sensors_count(t), 4);
	s = find(t, dev_a, "temp");
	CHECK(s != NULL && s->value == 22.5 && s->count == 2);
	s = find(t, dev_a, "");
	CHECK(s != NULL && s->value == 1);
	s = find(t, dev_b, "temp");
	CHECK(s != NULL && s->value == 3 && s->count == 1);
	sd_sensors_free(t);
}

static void
test_history_gap(void)
{
	struct sd_sensors *t = sd_sensors_new();
	struct sd_sensor_point pt[SD_SENSOR_BUCKETS];
	const struct sd_sensor *s;
	double lo = -1, hi = -1;
	uint64_t n;

	/* Seconds 0 and 1 of a minute: 1, 5 then 3; then silence. */
	sd_sensors_note(t, dev_a, "t", 1, 1, 0, T0);
	sd_sensors_note(t, dev_a, "t", 1, 5, 0, T0 + S / 2);
	sd_sensors_note(t, dev_a, "t", 1, 3, 0, T0 + S);
	s = find(t, dev_a, "t");
	n = sd_sensor_history(s, sd_sensor_window(60), T0 + 4 * S, pt, &lo,
	    &hi);
	CHECK_EQ(n, 3);
	CHECK(lo == 1 && hi == 5);
	/* ... 55: second 0, 56: second 1, 57-59: gaps up to now. */
	CHECK(pt[55].n == 2 && pt[55].min == 1 && pt[55].max == 5 &&
	    pt[55].last == 5);
	CHECK(pt[56].n == 1 && pt[56].last == 3);
	CHECK(pt[57].n == 0 && pt[58].n == 0 && pt[59].n == 0);
	CHECK(pt[54].n == 0);
	/* A minute later the ring's old buckets are not this minute's. */
	lo = hi = -1;
	n = sd_sensor_history(s, 0, T0 + 61 * S, pt, &lo, &hi);
	CHECK_EQ(n, 0);
	CHECK(lo == -1 && hi == -1);
	/* The ten-minute window still holds them, in one 10 s bucket. */
	n = sd_sensor_history(s, sd_sensor_window(600), T0 + 61 * S, pt,
	    &lo, &hi);
	CHECK_EQ(n, 3);
	CHECK(pt[53].n == 3 && pt[53].min == 1 && pt[53].max == 5 &&
	    pt[53].last == 3);
	CHECK(pt[59].n == 0);
	sd_sensors_free(t);
}

static void
test_windows(void)
{
	CHECK_EQ(sd_sensor_window(60), 0);
	CHECK_EQ(sd_sensor_window(600), 1);
	CHECK_EQ(sd_sensor_window(3600), 2);
	CHECK_EQ(sd_sensor_window(90000), 2);
	CHECK_EQ(sd_sensor_window(0), 0);
	CHECK_EQ(sd_sensor_step(0), 1);
	CHECK_EQ(sd_sensor_step(1), 10);
	CHECK_EQ(sd_sensor_step(2), 60);
}

static void
test_interval_and_rate(void)
{
	struct sd_sensors *t = sd_sensors_new();
	const struct sd_sensor *s;
	int i;

	/* Four a second for 20 s; readings of one read count once. */
	for (i = 0; i < 80; i++) {
		sd_sensors_note(t, dev_a, "t", 1, i, 0, T0 + i * S / 4);
		sd_sensors_note(t, dev_a, "t", 1, i, 0, T0 + i * S / 4);
	}
	s = find(t, dev_a, "t");
	CHECK(s->interval_ns > S / 4 - S / 100 &&
	    s->interval_ns < S / 4 + S / 100);
	CHECK(sd_sensor_rate(s, T0 + 20 * S) == 8);
	CHECK(sd_sensor_rate(s, T0 + 40 * S) == 0);
	/* Heard for two seconds only: eight a second, not 1.6. */
	CHECK(sd_sensor_rate(s, T0 + 2 * S) == 8);
	sd_sensors_free(t);
}

static void
test_bound_replaces_oldest(void)
{
	struct sd_sensors *t = sd_sensors_new();
	char name[16];
	int i, n;

	for (i = 0; i < SD_SENSORS_MAX; i++) {
		n = snprintf(name, sizeof(name), "c%d", i);
		sd_sensors_note(t, dev_a, name, (size_t)n, i, 0, T0 + i);
	}
	/* c0 is heard again: c1 is now the one silent longest. */
	sd_sensors_note(t, dev_a, "c0", 2, 0, 0, T0 + S);
	sd_sensors_note(t, dev_b, "new", 3, 1, 0, T0 + 2 * S);
	CHECK_EQ(sd_sensors_count(t), SD_SENSORS_MAX);
	CHECK_EQ(sd_sensors_forgotten(t), 1);
	CHECK(find(t, dev_a, "c1") == NULL);
	CHECK(find(t, dev_a, "c0") != NULL);
	CHECK(find(t, dev_b, "new") != NULL);
	/* Many more: the table stays at its bound, the newest kept. */
	for (i = 0; i < 10 * SD_SENSORS_MAX; i++) {
		n = snprintf(name, sizeof(name), "m%d", i);
		sd_sensors_note(t, dev_b, name, (size_t)n, i, 0, T0 + 3 * S +
		    i);
	}
	CHECK_EQ(sd_sensors_count(t), SD_SENSORS_MAX);
	CHECK_EQ(sd_sensors_forgotten(t), 1 + 10 * SD_SENSORS_MAX);
	CHECK(find(t, dev_b, "m2559") != NULL);
	CHECK(find(t, dev_b, "new") == NULL);
	/* A replaced sensor comes back as new. */
	sd_sensors_note(t, dev_a, "c1", 2, 7, 0, T0 + 9 * S);
	CHECK(find(t, dev_a, "c1") != NULL &&
	    find(t, dev_a, "c1")->count == 1);
	sd_sensors_free(t);
}

static const struct sd_test_case cases[] = {
	{ "keyed_by_channel", test_keyed_by_channel },
	{ "history_gap", test_history_gap },
	{ "windows", test_windows },
	{ "interval_and_rate", test_interval_and_rate },
	{ "bound_replaces_oldest", test_bound_replaces_oldest },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
