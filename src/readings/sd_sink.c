/* sd_sink.c: the part every sink shares (see sd_sink.h). */
#include <stdio.h>
#include <string.h>

#include "sd_err.h"
#include "sd_events.h"
#include "sd_lineproto.h"
#include "sd_sink.h"

const double sd_sink_age_le[SD_SINK_AGE_BUCKETS - 1] = {
	0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600
};

int
sd_sink_init(struct sd_sink *s, const struct sd_sink_ops *ops,
    struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN])
{
	struct sd_event e = { .kind = SD_EV_ERROR };
	char warn[SD_SPOOL_WARN_LEN];
	int rc;

	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->events = events;
	s->ok_mono = sd_mono_ns();
	if (range != NULL) {
		sd_spool_reader_init_range(&s->rd, range, ops->name);
		return SD_OK;
	}
	rc = sd_spool_reader_init(&s->rd, sp, ops->name, warn, err);
	/* A cursor missing or not trusted: readings are delivered again
	 * rather than lost, and the operator hears of it. */
	if (rc == SD_OK && warn[0] != '\0') {
		e.reason = warn;
		sd_events_fire(events, &e);
	}
	return rc;
}

void
sd_sink_done(struct sd_sink *s)
{
	sd_spool_reader_done(&s->rd);
}

const char *
sd_sink_state_name(enum sd_sink_state state)
{
	switch (state) {
	case SD_SINK_OK:
		return "ok";
	case SD_SINK_FAILING:
		return "failing";
	default:
		return "blocked";
	}
}

/* Two reasons tell of the same failure when they differ only in their
 * numbers ("timed out after 10001 ms" and "after 10002 ms"). */
static int
same_failure(const char *a, const char *b)
{
	for (;;) {
		while (*a >= '0' && *a <= '9')
			a++;
		while (*b >= '0' && *b <= '9')
			b++;
		if (*a != *b)
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
}

void
sd_sink_set_state(struct sd_sink *s, enum sd_sink_state state,
    const char *reason)
{
	struct sd_event e = { .kind = SD_EV_SINK };
	int news;

	/* A change of state is said, and so is another failure while
	 * failing (the database came up, but answers 404): each once. */
	news = state != s->state || (reason != NULL &&
	    !same_failure(reason, s->error));
	if (reason != NULL)
		snprintf(s->error, sizeof(s->error), "%s", reason);
	else if (state == SD_SINK_OK)
		s->error[0] = '\0';
	if (!news)
		return;
	if (state == SD_SINK_FAILING && s->state != SD_SINK_FAILING)
		s->failing_mono = sd_mono_ns();
	s->state = state;
	e.name = s->ops->name;
	e.state = sd_sink_state_name(state);
	e.reason = reason;
	sd_events_fire(s->events, &e);
}

void
sd_sink_delivered(struct sd_sink *s, uint64_t n)
{
	s->delivered += n;
	s->ok_mono = sd_mono_ns();
	if (s->state == SD_SINK_FAILING)
		sd_sink_set_state(s, s->blocked ? SD_SINK_BLOCKED :
		    SD_SINK_OK, NULL);
}

void
sd_sink_observe_ts(struct sd_sink *s, int64_t ts, int64_t now)
{
	/* In double: a device may claim any int64 time. */
	double age = ts < now ? ((double)now - (double)ts) / 1e9 : 0;
	size_t i;

	for (i = 0; i + 1 < SD_SINK_AGE_BUCKETS; i++) {
		if (age <= sd_sink_age_le[i])
			break;
	}
	s->age_n[i]++;
	s->age_sum += age;
}

void
sd_sink_observe(struct sd_sink *s, const char *line, size_t len,
    int64_t now)
{
	int64_t ts;

	if (sd_lp_line_ts(line, len, &ts) == SD_OK)
		sd_sink_observe_ts(s, ts, now);
}

double
sd_sink_oldest_age(const struct sd_sink *s, int64_t now)
{
	if (s->oldest_ts == 0 || s->oldest_ts >= now)
		return 0;
	return ((double)now - (double)s->oldest_ts) / 1e9;
}

void
sd_sink_rejected(struct sd_sink *s, uint64_t n, const char *reason)
{
	struct sd_event e = { .kind = SD_EV_REJECT };

	s->rejects += n;
	e.name = s->ops->name;
	e.count = n;
	e.reason = reason;
	sd_events_fire(s->events, &e);
}

uint64_t
sd_sink_count_lines(const char *buf, size_t len)
{
	uint64_t n = 0;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (p == NULL)
			break;
		n++;
		p++;
	}
	return n;
}
