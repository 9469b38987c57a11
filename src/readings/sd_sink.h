/*
 * sd_sink.h: what every sink (InfluxDB, Kafka) shares: a reader of the
 * spool with its own cursor, a state that changes in one place (and is
 * logged there), and the counters the status shows.
 *
 * A sink embeds struct sd_sink first and fills in its ops. The pipeline
 * owns the sinks: it kicks them when new lines reach the disk, asks for
 * their backlog, and frees them.
 */
#ifndef SD_SINK_H
#define SD_SINK_H

#include <stdint.h>

#include "sd_spool.h"
#include "sd_util.h"

struct sd_events;
struct sd_sink;
struct sd_spoolrange;

/* The histogram of readings' age at delivery: upper bounds in seconds
 * (and +Inf), from a LAN's milliseconds to an hour's backlog. */
#define SD_SINK_AGE_BUCKETS	13	/* the bounds, and +Inf */
extern const double sd_sink_age_le[SD_SINK_AGE_BUCKETS - 1];

enum sd_sink_state {
	SD_SINK_OK,		/* delivering, or waiting for lines */
	SD_SINK_FAILING,	/* retrying: error says why */
	SD_SINK_BLOCKED		/* backlog over --spool-max */
};

struct sd_sink_ops {
	const char	*name;
	/* New lines are on disk. */
	void		(*kick)(struct sd_sink *s);
	/* Release everything (no blocking flush: what was not confirmed
	 * is sent again after a restart). */
	void		(*free)(struct sd_sink *s);
};

struct sd_sink {
	const struct sd_sink_ops *ops;
	struct sd_events	*events;
	struct sd_spool_reader	 rd;
	enum sd_sink_state	 state;
	int			 blocked;	/* over --spool-max */
	char			 error[SD_ERR_LEN];
	uint64_t		 delivered;
	uint64_t		 retries;
	uint64_t		 rejects;
	uint64_t		 dropped;
	uint64_t		 rate;		/* readings/s, last second */
	uint64_t		 rate_mark;
	int64_t			 ok_mono;	/* started, or last delivery */
	int64_t			 failing_mono;	/* became SD_SINK_FAILING */
	/* The first reading the sink holds and has not delivered: its
	 * timestamp (ns, wall clock), 0 when it holds none. */
	int64_t			 oldest_ts;
	uint64_t		 age_n[SD_SINK_AGE_BUCKETS]; /* own bucket's */
	double			 age_sum;	/* seconds */
};

/* Start the common part: the reader of spool sp under ops->name, or,
 * with range (sp NULL), a reader of that range in range mode
 * (sd_spool.h): "sockdeckd spool replay" delivers it with no cursor. */
int sd_sink_init(struct sd_sink *s, const struct sd_sink_ops *ops,
    struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN]);
void sd_sink_done(struct sd_sink *s);

/* Change state; a change is logged as a "sink" event with the reason. */
void sd_sink_set_state(struct sd_sink *s, enum sd_sink_state state,
    const char *reason);

/* Count delivered readings. */
void sd_sink_delivered(struct sd_sink *s, uint64_t n);

/* A line (its newline may be in len) was delivered at now (ns, wall
 * clock): its age into the histogram; one in the future counts as 0 s,
 * one without a timestamp not at all. */
void sd_sink_observe(struct sd_sink *s, const char *line, size_t len,
    int64_t now);

/* The same for a reading whose timestamp is known: ts. */
void sd_sink_observe_ts(struct sd_sink *s, int64_t ts, int64_t now);

/* Seconds since the timestamp of the first reading s holds and has
 * not delivered (now: wall clock, ns); 0 when it holds none, or its
 * time is ahead of now. */
double sd_sink_oldest_age(const struct sd_sink *s, int64_t now);

/* Lines the destination refused for good: counted and logged. */
void sd_sink_rejected(struct sd_sink *s, uint64_t n, const char *reason);

const char *sd_sink_state_name(enum sd_sink_state state);

/* Count lines in buf[0..len). */
uint64_t sd_sink_count_lines(const char *buf, size_t len);

#endif
