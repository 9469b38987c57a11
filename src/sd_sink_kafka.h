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

#include "sd_config.h"
#include "sd_util.h"

struct event_base;
struct sd_events;
struct sd_sink;
struct sd_spool;

struct sd_sink *sd_sink_kafka_new(struct event_base *base,
    const struct sd_config *cfg, struct sd_spool *sp,
    struct sd_events *events, char err[SD_ERR_LEN]);

/* Build the record value of one spool line in the configured format;
 * its length, or 0 when the line does not parse. Exposed for tests. */
size_t sd_sink_kafka_value(int format, const char *device_tag,
    const char *line, size_t len, char *out, size_t cap, char *key,
    size_t key_cap);

#endif
