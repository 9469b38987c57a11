/* sd_test.c: the unit-test harness (see sd_test.h). */
#include <stdlib.h>
#include <string.h>

#include "sd_test.h"

int sd_test_failures;

static const struct sd_test_case *
sd_test_find(const struct sd_test_case *cases, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	}
	return NULL;
}

/* Exit status 0 when names are exactly the cases, each once. */
static int
sd_test_check(const struct sd_test_case *cases, size_t n, char **names,
    int nnames)
{
	int i, j, bad = 0;

	for (i = 0; i < nnames; i++) {
		if (sd_test_find(cases, n, names[i]) == NULL) {
			fprintf(stderr, "no such case: %s\n", names[i]);
			bad = 1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(names[i], names[j]) == 0) {
				fprintf(stderr, "listed twice: %s\n", names[i]);
				bad = 1;
			}
		}
	}
	for (i = 0; i < (int)n; i++) {
		for (j = 0; j < nnames; j++) {
			if (strcmp(cases[i].name, names[j]) == 0)
				break;
		}
		if (j == nnames) {
			fprintf(stderr, "case not in meson.build: %s\n",
			    cases[i].name);
			bad = 1;
		}
	}
	return bad;
}

static int
sd_test_run(const struct sd_test_case *c)
{
	int before = sd_test_failures;

	c->fn();
	printf("%s %s\n", sd_test_failures == before ? "ok" : "FAIL",
	    c->name);
	return sd_test_failures == before ? 0 : 1;
}

int
sd_test_main(int argc, char **argv, const struct sd_test_case *cases,
    size_t ncases)
{
	const struct sd_test_case *c;
	size_t i;
	int failed = 0;

	if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
		for (i = 0; i < ncases; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--check") == 0)
		return sd_test_check(cases, ncases, argv + 2, argc - 2);
	if (argc >= 2) {
		c = sd_test_find(cases, ncases, argv[1]);
		if (c == NULL) {
			fprintf(stderr, "no such case: %s\n", argv[1]);
			return 2;
		}
		return sd_test_run(c);
	}
	for (i = 0; i < ncases; i++)
		failed += sd_test_run(&cases[i]);
	return failed ? 1 : 0;
}

long
sd_test_unhex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	char *end;
	unsigned long v;

	for (;;) {
		while (*hex == ' ' || *hex == '\n' || *hex == '\t')
			hex++;
		if (*hex == '\0')
			return (long)n;
		v = strtoul(hex, &end, 16);
		if (end == hex || end - hex > 2 || v > 0xff || n == cap)
			return -1;
		buf[n++] = (uint8_t)v;
		hex = end;
	}
}

uint64_t
sd_test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}
