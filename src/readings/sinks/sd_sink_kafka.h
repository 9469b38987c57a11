/*
 * sd_sink_kafka.h: the Kafka sink. librdkafka produces every spool line
 * as one record (key: the device, value: JSON, the original's bare
 * number, or the line itself) with acks=all and the idempotent producer;
 * its delivery reports are served from the event loop through the queue
 * wake-up pipe, never by a blocking flush. The cursor moves over records
 * confirmed in order; a failed record makes the sink produce again from
 * the cursor, so every reading arrives at least once.
 */
#ifndef SD_SINK_KAFKA_H
#define SD_SINK_KAFKA_H

#include <stddef.h>

#include "sd_kafka_record.h"
#include "sd_util.h"

/* The server's --kafka-* settings (embedded in its config). */
struct sd_sink_kafka_opts {
	char		*brokers;	/* NULL: no Kafka sink */
	char		*topic;
	int		 format;	/* SD_KAFKA_JSON, _RAW, _INFLUX */
	char		**opts;		/* "key=value" for librdkafka */
	size_t		 nopts;
	char		*node_id;	/* --node-id: in each JSON record */
};

struct event_base;
struct sd_events;
struct sd_sink;
struct sd_spool;
struct sd_spoolrange;

/* A sink producing sp's lines (or range's: sd_sink_init) as o says;
 * device_tag names the tag whose value is a record's key. */
struct sd_sink *sd_sink_kafka_new(struct event_base *base,
    const struct sd_sink_kafka_opts *o, const char *device_tag,
    struct sd_spool *sp, struct sd_spoolrange *range,
    struct sd_events *events, char err[SD_ERR_LEN]);

#endif
