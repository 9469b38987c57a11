/*
 * sd_test.h: the unit-test harness.
 *
 * A test program lists its cases in a table and hands it to sd_test_main:
 *   prog            run every case
 *   prog NAME       run one case (meson registers each as its own test)
 *   prog --list     print the case names
 *   prog --check N… exit non-zero unless N… is exactly the case list, so
 *                   meson.build cannot forget to register a case
 * A case fails when any CHECK in it fails; checks go on after a failure so
 * one run shows every broken expectation.
 */
#ifndef SD_TEST_H
#define SD_TEST_H

#include <stdint.h>
#include <stdio.h>

struct sd_test_case {
	const char	*name;
	void		(*fn)(void);
};

extern int sd_test_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: check failed: %s\n",	\
		    __FILE__, __LINE__, __func__, #cond);		\
		sd_test_failures++;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long sd_a_ = (unsigned long long)(a);		\
	unsigned long long sd_b_ = (unsigned long long)(b);		\
	if (sd_a_ != sd_b_) {						\
		fprintf(stderr, "%s:%d: %s: %s == %s: %llu != %llu\n",	\
		    __FILE__, __LINE__, __func__, #a, #b, sd_a_, sd_b_);\
		sd_test_failures++;					\
	}								\
} while (0)

int sd_test_main(int argc, char **argv, const struct sd_test_case *cases,
    size_t ncases);

/* Parse "aa bb cc…" hex into buf; returns the byte count, or -1. */
long sd_test_unhex(const char *hex, uint8_t *buf, size_t cap);

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
uint64_t sd_test_rand(uint64_t *state);

#endif
