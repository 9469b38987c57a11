/*
 * sd_pipeline.c: readings to line protocol to the spool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_err.h"
#include "sd_lineproto.h"
#include "sd_pipeline.h"
#include "sd_sink.h"
#include "sd_spool.h"

#define SD_SINKS_MAX	4

struct sd_pipeline {
	struct sd_spool	*spool;
	struct sd_lp_writer *lp;	/* names, extra tags, caches */
	int64_t		 last_ts;
	uint64_t	 count;
	uint64_t	 total;
	int		 failing;
	uint64_t	 spool_max;
	int		 spool_drop;
	struct sd_sink	*sinks[SD_SINKS_MAX];
	size_t		 nsinks;
	int64_t		 now;		/* receipt time of this read */
	struct sd_sensors *sensors;
	uint64_t	 backlog;	/* largest, at the last check */
	uint64_t	 added;		/* bytes appended since */
};

struct sd_pipeline *
sd_pipeline_new(const char *dir, const char *measurement, const char *field,
    const char *device_tag, char err[SD_ERR_LEN])
{
	struct sd_pipeline *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return NULL;
	}
	p->lp = sd_lp_writer_new(measurement, field, device_tag);
	p->sensors = sd_sensors_new();
	if (p->lp == NULL || p->sensors == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		goto fail;
	}
	p->spool = sd_spool_new(dir, err);
	if (p->spool == NULL)
		goto fail;
	return p;
fail:
	sd_lp_writer_free(p->lp);
	sd_sensors_free(p->sensors);
	free(p);
	return NULL;
}

void
sd_pipeline_free(struct sd_pipeline *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsinks; i++)
		p->sinks[i]->ops->free(p->sinks[i]);
	sd_spool_free(p->spool);
	sd_lp_writer_free(p->lp);
	sd_sensors_free(p->sensors);
	free(p);
}

const struct sd_sensors *
sd_pipeline_sensors(const struct sd_pipeline *p)
{
	return p->sensors;
}

int
sd_pipeline_submit(struct sd_pipeline *p, const struct sd_reading_in *r,
    char err[SD_ERR_LEN])
{
	int64_t ts = r->ts_ns;
	char *line;
	size_t n;

	if (ts == 0) {
		ts = p->now != 0 ? p->now : sd_now_ns();
		if (ts <= p->last_ts)
			ts = p->last_ts + 1;
		p->last_ts = ts;
	}
	/* Large writes, early: the buffer goes to the writer once it is
	 * big enough. When the writer has no slot (the disk is behind or
	 * failing), the line is kept all the same and the caller pauses
	 * its connection (sd_pipeline_full()) after this frame. */
	if (sd_spool_buffered(p->spool) >= SD_SPOOL_EAGER)
		sd_pipeline_flush(p, err);
	/* Formatted where it waits to be written: no copy per reading. */
	line = sd_spool_reserve(p->spool, SD_LP_LINE_MAX);
	if (line == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory for readings");
		return SD_ERR_NOMEM;
	}
	n = sd_lp_write(p->lp, r, ts, line, SD_LP_LINE_MAX);
	if (n == 0) {
		snprintf(err, SD_ERR_LEN, "value %g cannot be stored",
		    r->value);
		return SD_ERR_INVAL;
	}
	sd_spool_commit(p->spool, n);
	p->added += n;
	p->count++;
	p->total++;
	/* Kept by the time it came (a device's clock may be anything). */
	sd_sensors_note(p->sensors, r->dev, r->chan, r->chan_len, r->value,
	    ts, p->now != 0 ? p->now : sd_now_ns());
	return SD_OK;
}

int
sd_pipeline_flush(struct sd_pipeline *p, char err[SD_ERR_LEN])
{
	int rc = sd_spool_flush(p->spool, err);

	p->failing = rc != SD_OK;
	return rc;
}

uint64_t
sd_pipeline_collect(struct sd_pipeline *p)
{
	uint64_t n = sd_spool_collect(p->spool);
	size_t i;

	/* Sinks read only what is on disk: kicked when more is. */
	if (n > 0) {
		p->failing = 0;
		for (i = 0; i < p->nsinks; i++)
			p->sinks[i]->ops->kick(p->sinks[i]);
	}
	return n;
}

int
sd_pipeline_wake_fd(const struct sd_pipeline *p)
{
	return sd_spool_wake_fd(p->spool);
}

uint64_t
sd_pipeline_mark(const struct sd_pipeline *p)
{
	return sd_spool_appended(p->spool);
}

uint64_t
sd_pipeline_done(const struct sd_pipeline *p)
{
	return sd_spool_done(p->spool);
}

int
sd_pipeline_behind(const struct sd_pipeline *p)
{
	return sd_spool_buffered(p->spool) > SD_SPOOL_SOFT;
}

int
sd_pipeline_full(const struct sd_pipeline *p)
{
	size_t i;

	/* The writer has every slot in flight and lines piled up behind
	 * them: the disk is the bottleneck (or failing). */
	if (sd_pipeline_behind(p))
		return 1;
	/* Between checks, what was appended since counts too, so a burst
	 * is stopped at the cap rather than at the next check. */
	if (p->nsinks > 0 && !p->spool_drop &&
	    p->backlog + p->added > p->spool_max)
		return 1;
	for (i = 0; i < p->nsinks; i++) {
		if (p->sinks[i]->blocked)
			return 1;
	}
	return 0;
}

void
sd_pipeline_stamp(struct sd_pipeline *p)
{
	p->now = sd_now_ns();
}

void
sd_pipeline_configure(struct sd_pipeline *p, const struct sd_pipeline_opts *o)
{
	uint64_t seg = o->spool_max / 8;

	/* Segments small enough that drop-oldest drops a part, not all. */
	if (seg > SD_SPOOL_SEGMENT)
		seg = SD_SPOOL_SEGMENT;
	if (seg < 4096)
		seg = 4096;
	sd_spool_set_segment_size(p->spool, seg);
	sd_spool_set_fsync(p->spool, (enum sd_fsync_mode)o->fsync);
	sd_spool_set_retain(p->spool, o->spool_retain,
	    o->spool_retain_age);
	sd_lp_writer_tags(p->lp, o->tag_port, o->tag_peer);
	p->spool_max = o->spool_max;
	p->spool_drop = o->spool_drop;
}

struct sd_spool *
sd_pipeline_spool(struct sd_pipeline *p)
{
	return p->spool;
}

int
sd_pipeline_add_sink(struct sd_pipeline *p, struct sd_sink *s)
{
	if (p->nsinks == SD_SINKS_MAX)
		return SD_ERR_NOSPACE;
	p->sinks[p->nsinks++] = s;
	s->ops->kick(s);
	return SD_OK;
}

size_t
sd_pipeline_nsinks(const struct sd_pipeline *p)
{
	return p->nsinks;
}

struct sd_sink *
sd_pipeline_sink(struct sd_pipeline *p, size_t i)
{
	return p->sinks[i];
}

/* A sink whose backlog passed --spool-max: block the senders of
 * readings, or give up its oldest segment. */
static void
pipeline_check_backlog(struct sd_pipeline *p, struct sd_sink *s)
{
	uint64_t backlog = sd_spool_backlog(p->spool, &s->rd.acked), n;
	char why[SD_ERR_LEN];
	int guard = 64;

	if (backlog > p->backlog)
		p->backlog = backlog;

	if (backlog <= p->spool_max) {
		if (s->blocked) {
			s->blocked = 0;
			sd_sink_set_state(s, s->error[0] ? SD_SINK_FAILING :
			    SD_SINK_OK, NULL);
		}
		return;
	}
	if (!p->spool_drop) {
		if (!s->blocked) {
			s->blocked = 1;
			snprintf(why, sizeof(why), "backlog %llu bytes over "
			    "--spool-max: not reading from senders",
			    (unsigned long long)backlog);
			sd_sink_set_state(s, SD_SINK_BLOCKED, why);
		}
		return;
	}
	while (backlog > p->spool_max && guard-- > 0) {
		n = sd_spool_reader_drop_oldest(&s->rd);
		s->dropped += n;
		snprintf(why, sizeof(why), "backlog over --spool-max: "
		    "about %llu oldest readings dropped",
		    (unsigned long long)n);
		sd_sink_rejected(s, 0, why);
		backlog = sd_spool_backlog(p->spool, &s->rd.acked);
	}
}

void
sd_pipeline_check(struct sd_pipeline *p)
{
	size_t i;

	p->backlog = 0;
	p->added = 0;
	for (i = 0; i < p->nsinks; i++)
		pipeline_check_backlog(p, p->sinks[i]);
}

void
sd_pipeline_tick(struct sd_pipeline *p)
{
	struct sd_sink *s;
	size_t i;

	sd_spool_tick(p->spool);
	for (i = 0; i < p->nsinks; i++) {
		s = p->sinks[i];
		s->rate = s->delivered - s->rate_mark;
		s->rate_mark = s->delivered;
	}
}

uint64_t
sd_pipeline_backlog(struct sd_pipeline *p, const struct sd_sink *s)
{
	return sd_spool_backlog(p->spool, &s->rd.acked);
}

uint64_t
sd_pipeline_backlog_lines(struct sd_pipeline *p, const struct sd_sink *s,
    int *exact)
{
	return sd_spool_backlog_lines(p->spool, &s->rd, exact);
}

int
sd_pipeline_failing(const struct sd_pipeline *p)
{
	return p->failing;
}

size_t
sd_pipeline_pending(const struct sd_pipeline *p)
{
	return sd_spool_pending(p->spool);
}

uint64_t
sd_pipeline_take_count(struct sd_pipeline *p)
{
	uint64_t n = p->count;

	p->count = 0;
	return n;
}

uint64_t
sd_pipeline_total(const struct sd_pipeline *p)
{
	return p->total;
}
