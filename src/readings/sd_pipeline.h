/*
 * sd_pipeline.h: where every sensor reading goes. A reading becomes one
 * line of InfluxDB line protocol (measurement, device tag, optional
 * channel tag, one field, a nanosecond timestamp) appended to the spool;
 * the sinks (InfluxDB, Kafka) read the spool from their own cursors.
 *
 * Server timestamps strictly increase, so no two readings share one and
 * none can overwrite another downstream.
 */
#ifndef SD_PIPELINE_H
#define SD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "sd_lineproto.h"
#include "sd_proto.h"
#include "sd_sensorstat.h"
#include "sd_util.h"

struct sd_pipeline;
struct sd_sink;
struct sd_spool;

/* The server's settings the readings take (embedded in its config). */
struct sd_pipeline_opts {
	char		*measurement;	/* line protocol names */
	char		*field;
	char		*device_tag;
	int		 tag_port;	/* --extra-tags port */
	int		 tag_peer;	/* --extra-tags peer */
	uint64_t	 spool_max;
	int		 spool_drop;	/* --spool-full drop-oldest */
	uint64_t	 spool_retain;	/* delivered bytes kept */
	uint64_t	 spool_retain_age;	/* seconds, 0: any age */
	int		 fsync;		/* enum sd_fsync_mode */
};


/* names: measurement, field and device tag, as configured. */
struct sd_pipeline *sd_pipeline_new(const char *dir, const char *measurement,
    const char *field, const char *device_tag, char err[SD_ERR_LEN]);
void sd_pipeline_free(struct sd_pipeline *p);

/* Add one reading. SD_OK; SD_ERR_INVAL for a value line protocol cannot
 * carry (NaN, infinity), with err; SD_ERR_NOMEM when it cannot be kept. */
int sd_pipeline_submit(struct sd_pipeline *p, const struct sd_reading_in *r,
    char err[SD_ERR_LEN]);

/* Readings decoded from now on were received now: one clock read per
 * read from a socket, not one per reading. */
void sd_pipeline_stamp(struct sd_pipeline *p);

/* Hand buffered lines to the spool's writer now; an error with err
 * while its writes fail. They are on disk once sd_pipeline_done()
 * passes what sd_pipeline_mark() said after the last of them. */
int sd_pipeline_flush(struct sd_pipeline *p, char err[SD_ERR_LEN]);

/* The descriptor to watch for reading: writes finished. Then
 * sd_pipeline_collect() takes them in and kicks the sinks; it returns
 * the bytes that reached the disk. */
int sd_pipeline_wake_fd(const struct sd_pipeline *p);
uint64_t sd_pipeline_collect(struct sd_pipeline *p);

/* Bytes appended this run, and of them on disk (see sd_spool.h). */
uint64_t sd_pipeline_mark(const struct sd_pipeline *p);
uint64_t sd_pipeline_done(const struct sd_pipeline *p);

/* True while the disk is behind: every write in flight, and more than
 * SD_SPOOL_SOFT waiting behind them. */
int sd_pipeline_behind(const struct sd_pipeline *p);

/* True while connections sending readings should wait: the disk is
 * behind or failing, or a sink's backlog is over --spool-max. */
int sd_pipeline_full(const struct sd_pipeline *p);

/* True while writes to the store fail; bytes waiting to be written. */
int sd_pipeline_failing(const struct sd_pipeline *p);
size_t sd_pipeline_pending(const struct sd_pipeline *p);

/* Segment size, fsync, extra tags and the backlog policy from o. */
void sd_pipeline_configure(struct sd_pipeline *p,
    const struct sd_pipeline_opts *o);

/* The spool, for the sinks to read. */
struct sd_spool *sd_pipeline_spool(struct sd_pipeline *p);

/* Hand a sink to the pipeline, which kicks it when lines reach the disk
 * and frees it. */
int sd_pipeline_add_sink(struct sd_pipeline *p, struct sd_sink *s);
size_t sd_pipeline_nsinks(const struct sd_pipeline *p);
struct sd_sink *sd_pipeline_sink(struct sd_pipeline *p, size_t i);

/* Bytes s has not delivered. */
uint64_t sd_pipeline_backlog(struct sd_pipeline *p, const struct sd_sink *s);

/* Readings s has not delivered; *exact clear when estimated (see
 * sd_spool_backlog_lines). */
uint64_t sd_pipeline_backlog_lines(struct sd_pipeline *p,
    const struct sd_sink *s, int *exact);

/* Apply --spool-max: block senders or drop the oldest (every 100 ms). */
void sd_pipeline_check(struct sd_pipeline *p);

/* Once a second: everysec fsync, delivery rates. */
void sd_pipeline_tick(struct sd_pipeline *p);

/* Each sensor, a (device, channel) pair, with its last value and
 * history (sd_sensorstat.h), for the dashboard and `ctl sensors`. */
const struct sd_sensors *sd_pipeline_sensors(const struct sd_pipeline *p);

/* Readings stored since the last call, and in all. */
uint64_t sd_pipeline_take_count(struct sd_pipeline *p);
uint64_t sd_pipeline_total(const struct sd_pipeline *p);

#endif
