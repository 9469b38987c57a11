/*
 * sd_prom.h: a writer of the Prometheus text exposition format 0.0.4:
 * a family's "# HELP" and "# TYPE" lines, then its samples, each
 * "name{label="value",...} value".
 *
 * Names and label names are checked against the format's grammar (a
 * bad one is the caller's bug: the sample is left out and counted in
 * bad); label values and HELP text are escaped (\\, \" in label values,
 * \n), so no value can end a line or a string early. The body goes
 * into an evbuffer the caller owns and stops growing at the maximum
 * given: a line that would pass it is left out and over is set, so a
 * caller answers with an error rather than a cut body.
 */
#ifndef SD_PROM_H
#define SD_PROM_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define SD_PROM_LINE	1024	/* one line, escaped, at most */
#define SD_PROM_LABELS	8	/* labels of a histogram's sample, le too */

struct sd_prom {
	struct evbuffer	*buf;
	size_t		 max;	/* bytes the body may reach */
	int		 over;	/* a line did not fit under max */
	int		 bad;	/* a name or line was refused */
};

/* A label: name="value". */
struct sd_prom_label {
	const char	*name;
	const char	*value;
};

/* Write into buf (not emptied), up to max bytes in all. */
void sd_prom_init(struct sd_prom *w, struct evbuffer *buf, size_t max);

/* A family's HELP and TYPE lines; type is counter, gauge, histogram,
 * summary or untyped. */
void sd_prom_family(struct sd_prom *w, const char *name, const char *type,
    const char *help);

/* A sample of name with nl labels and an integer value. */
void sd_prom_u64(struct sd_prom *w, const char *name,
    const struct sd_prom_label *l, size_t nl, uint64_t v);

/* The same with a real value (NaN, +Inf and -Inf written as such). */
void sd_prom_double(struct sd_prom *w, const char *name,
    const struct sd_prom_label *l, size_t nl, double v);

/* A histogram's samples for one label set (nl at most
 * SD_PROM_LABELS - 1): name_bucket{...,le="B"} for each of the nb upper
 * bounds le[] (rising) and for +Inf, cumulative, from counts[] (nb + 1
 * counts of their own bucket each, the last +Inf's); then name_sum and
 * name_count. The family's TYPE is histogram. */
void sd_prom_histogram(struct sd_prom *w, const char *name,
    const struct sd_prom_label *l, size_t nl, const double *le, size_t nb,
    const uint64_t *counts, double sum);

/* Whether s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), or with
 * label set a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting __). */
int sd_prom_name_ok(const char *s, int label);

#endif
