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

#include "sd_config.h"
#include "sd_util.h"

struct event_base;
struct sd_events;
struct sd_sink;
struct sd_spool;

struct sd_sink *sd_sink_influx_new(struct event_base *base,
    const struct sd_config *cfg, struct sd_spool *sp,
    struct sd_events *events, char err[SD_ERR_LEN]);

#endif
