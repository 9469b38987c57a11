/*
 * sd_kafka_record.h: a spool line as a Kafka record, in the format the
 * sink is set to: JSON ({"device":…,"value":…,"time":…[,"seq":…,
 * "index":…][,"channel":…][,"port":…][,"node":…]}, seq and index an
 * extension reading's batch_seq and batch_idx fields), the original's
 * bare number (raw), or the line itself (influx). The key is the device
 * tag's value. Pure formatting: no I/O.
 */
#ifndef SD_KAFKA_RECORD_H
#define SD_KAFKA_RECORD_H

#include <stddef.h>

enum { SD_KAFKA_JSON, SD_KAFKA_RAW, SD_KAFKA_INFLUX };

#define SD_KAFKA_NODE_MAX	64	/* --node-id's length at most */

/* A cache of the last line's head and what it made (see the .c). */
struct sd_kafka_record_head;

struct sd_kafka_record_head *sd_kafka_record_head_new(void);	/* free() */
/* The node id that h's JSON records carry from now on (NULL or "":
 * none); the caller has checked it needs no JSON escape. */
void sd_kafka_record_head_node(struct sd_kafka_record_head *h,
    const char *node);
const char *sd_kafka_record_head_key(const struct sd_kafka_record_head *h,
    size_t *len);

/* Build the record value of one spool line in the configured format,
 * through h: its length, or 0 when the line does not parse or the value
 * does not fit cap. Its key is then sd_kafka_record_head_key(h). */
size_t sd_kafka_record_make(struct sd_kafka_record_head *h, int format,
    const char *device_tag, const char *line, size_t len, char *out,
    size_t cap);

/* Build the record of one spool line in the configured format: the
 * value's length, or 0 when the line does not parse or the value does
 * not fit; the key (the device tag's value, NUL-terminated) and its
 * length. Exposed for tests. */
size_t sd_kafka_record_value(int format, const char *device_tag,
    const char *line, size_t len, char *out, size_t cap, char *key,
    size_t key_cap, size_t *key_len);

#endif
