/*
 * sd_sink_influx.h: the InfluxDB sink. It posts the spool's lines as they
 * are, in batches by count and by time, through libcurl's multi
 * interface driven by the event loop (never a blocking perform), one
 * request at a time so delivery stays in order and the cursor moves only
 * past what InfluxDB confirmed. 5xx, timeouts and connection errors are
 * retried with capped exponential backoff; a 400 is narrowed down by
 * splitting the batch until the bad lines stand alone, and those go to
 * DIR/sensors/rejects.lp.
 */
#ifndef SD_SINK_INFLUX_H
#define SD_SINK_INFLUX_H

#include <stdint.h>

#include "sd_util.h"

/* The server's --influx-* settings (embedded in its config). */
struct sd_sink_influx_opts {
	char		*url;		/* NULL: no InfluxDB sink */
	char		*db;		/* 1.x */
	char		*user;
	char		*password;
	char		*org;		/* 2.x/3.x */
	char		*bucket;
	char		*token;
	uint64_t	 batch;		/* lines per request */
	uint64_t	 flush_ms;	/* a partial batch waits this long */
	uint64_t	 timeout;	/* seconds per request */
	uint64_t	 parallel;	/* requests in flight */
	int		 gzip;
};

struct event_base;
struct sd_events;
struct sd_sink;
struct sd_spool;
struct sd_spoolrange;

/* A sink posting sp's lines (or range's: sd_sink_init) as o says;
 * lines InfluxDB refuses go to DIR/rejects.lp (dir: the data
 * directory). */
struct sd_sink *sd_sink_influx_new(struct event_base *base,
    const struct sd_sink_influx_opts *o, const char *dir,
    struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN]);

#endif
