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

/* Lines the destination refused for good: counted and logged. */
void sd_sink_rejected(struct sd_sink *s, uint64_t n, const char *reason);

const char *sd_sink_state_name(enum sd_sink_state state);

/* Count lines in buf[0..len). */
uint64_t sd_sink_count_lines(const char *buf, size_t len);

#endif
