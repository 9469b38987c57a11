/*
 * sd_spool.h: the on-disk store of readings: append-only segments of
 * InfluxDB line protocol under DIR/sensors/ (readings-NNNNNNNN.lp), the
 * one durable copy that people read and grep and that sinks will read
 * from. Lines gather in a buffer and are written in large appends; a
 * failed write keeps them buffered for the next try. Past SD_SPOOL_SOFT
 * the pipeline pauses the connections that send readings, so the buffer
 * stays within SD_SPOOL_SOFT plus one frame's lines per connection.
 */
#ifndef SD_SPOOL_H
#define SD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "sd_util.h"

#define SD_SPOOL_SEGMENT	(64ULL << 20)	/* rotate past this */
#define SD_SPOOL_SOFT		(1u << 20)	/* buffered: ask to pause */

struct sd_spool;

struct sd_spool *sd_spool_new(const char *dir, char err[SD_ERR_LEN]);

/* Write what is buffered, then free. */
void sd_spool_free(struct sd_spool *sp);

/* Buffer one line (with its newline); SD_ERR_NOMEM when it cannot. */
int sd_spool_append(struct sd_spool *sp, const char *line, size_t len);

/* Write the buffer out; SD_OK, or an error with err (the lines stay). */
int sd_spool_flush(struct sd_spool *sp, char err[SD_ERR_LEN]);

/* Bytes waiting in the buffer. */
size_t sd_spool_pending(const struct sd_spool *sp);

/* Name of the segment being written, for status. */
const char *sd_spool_segment(const struct sd_spool *sp);

#endif
