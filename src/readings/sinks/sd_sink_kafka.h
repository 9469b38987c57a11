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

#include "sd_util.h"

enum { SD_KAFKA_JSON, SD_KAFKA_RAW, SD_KAFKA_INFLUX };

/* The server's --kafka-* settings (embedded in its config). */
struct sd_sink_kafka_opts {
	char		*brokers;	/* NULL: no Kafka sink */
	char		*topic;
	int		 format;	/* SD_KAFKA_JSON, _RAW, _INFLUX */
	char		**opts;		/* "key=value" for librdkafka */
	size_t		 nopts;
};

struct event_base;
struct sd_events;
struct sd_sink;
struct sd_spool;

/* A sink producing sp's lines as o says; device_tag names the tag whose
 * value is a record's key. */
struct sd_sink *sd_sink_kafka_new(struct event_base *base,
    const struct sd_sink_kafka_opts *o, const char *device_tag,
    struct sd_spool *sp, struct sd_events *events, char err[SD_ERR_LEN]);

/* A cache of the last line's head and what it made (see the .c). */
struct sd_sink_kafka_head;

struct sd_sink_kafka_head *sd_sink_kafka_head_new(void);	/* free() */
const char *sd_sink_kafka_head_key(const struct sd_sink_kafka_head *h,
    size_t *len);

/* Build the record value of one spool line in the configured format,
 * through h: its length, or 0 when the line does not parse or the value
 * does not fit cap. Its key is then sd_sink_kafka_head_key(h). */
size_t sd_sink_kafka_record(struct sd_sink_kafka_head *h, int format,
    const char *device_tag, const char *line, size_t len, char *out,
    size_t cap);

/* Build the record of one spool line in the configured format: the
 * value's length, or 0 when the line does not parse or the value does
 * not fit; the key (the device tag's value, NUL-terminated) and its
 * length. Exposed for tests. */
size_t sd_sink_kafka_value(int format, const char *device_tag,
    const char *line, size_t len, char *out, size_t cap, char *key,
    size_t key_cap, size_t *key_len);

#endif
