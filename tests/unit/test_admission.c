/*
 * test_admission.c: the pieces admission control is made of: the
 * constant-size throttle table and the secret comparison.
 */
#include <stdio.h>
#include <string.h>

#include "sd_test.h"
#include "sd_throttle.h"
#include "sd_util.h"

#define SEC	INT64_C(1000000000)

static struct sd_throttle t;

/* Counts add up inside a window and start again after it. */
static void
test_throttle_window(void)
{
	sd_throttle_init(&t, 10 * SEC);
	CHECK_EQ(sd_throttle_count(&t, "10.0.0.1", 0), 0);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", 1, 0), 1);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", 4, 5 * SEC), 5);
	CHECK_EQ(sd_throttle_count(&t, "10.0.0.1", 9 * SEC), 5);
	CHECK_EQ(sd_throttle_left(&t, "10.0.0.1", 9 * SEC), SEC);
	CHECK_EQ(sd_throttle_count(&t, "10.0.0.1", 10 * SEC), 0);
	CHECK_EQ(sd_throttle_left(&t, "10.0.0.1", 10 * SEC), 0);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", 2, 11 * SEC), 2);
	CHECK_EQ(sd_throttle_add(&t, "10.0.0.1", UINT64_MAX, 11 * SEC),
	    UINT64_MAX);
}

/* Keys do not share counts unless they share a slot, and then the
 * newcomer takes the slot over: memory stays constant for any number of
 * keys. */
static void
test_throttle_keys(void)
{
	char key[SD_THROTTLE_KEY];
	unsigned i, seen = 0;

	sd_throttle_init(&t, 10 * SEC);
	sd_throttle_add(&t, "a", 3, 0);
	CHECK_EQ(sd_throttle_count(&t, "b", 0), 0);
	CHECK_EQ(sd_throttle_count(&t, "a", 0), 3);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "fd00::%x", i);
		sd_throttle_add(&t, key, 1, 0);
	}
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "fd00::%x", i);
		seen += sd_throttle_count(&t, key, 0) > 0;
	}
	CHECK(seen <= SD_THROTTLE_SLOTS);
	CHECK(seen > SD_THROTTLE_SLOTS / 2);
	/* A key longer than a slot is cut, not overrun. */
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	CHECK_EQ(sd_throttle_add(&t, key, 1, 0), 1);
	CHECK_EQ(sd_throttle_add(&t, key, 1, 0), 2);
}

/* Equal only when every byte and the length match. */
static void
test_secret_equal(void)
{
	static const char s[] = "s3cret-tok";

	CHECK(sd_secret_equal("s3cret-tok", 10, s, 10));
	CHECK(!sd_secret_equal("s", 1, s, 10));
	CHECK(!sd_secret_equal("", 0, s, 10));
	CHECK(!sd_secret_equal("s3cret-to", 9, s, 10));
	CHECK(!sd_secret_equal("s3cret-tokx", 11, s, 10));
	CHECK(!sd_secret_equal("s3cret-toK", 10, s, 10));
	CHECK(!sd_secret_equal("t3cret-tok", 10, s, 10));
	CHECK(!sd_secret_equal("s3cret-tok\0", 11, s, 10));
}

static const struct sd_test_case cases[] = {
	{ "throttle_window", test_throttle_window },
	{ "throttle_keys", test_throttle_keys },
	{ "secret_equal", test_secret_equal },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
