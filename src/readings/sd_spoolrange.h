/*
 * sd_spoolrange.h: the readings of a time range read from the spool's
 * segments, for "sockdeckd spool replay": no struct sd_spool (opening
 * one would start a segment and cut the tail of the one a running
 * server writes), no cursor file read or written, so it runs beside a
 * server and leaves its sinks as they were.
 *
 * The range is since <= timestamp < until. Segments are in the order
 * readings arrived, not in their timestamps' (a device's clock, and a
 * batch kept while it was offline, may be anything), so no segment is
 * skipped by its first or last line: every one is read, through one
 * SD_SPOOLSCAN_BUF buffer whatever its size. The segments are listed at
 * open, and each is read up to its size when it is opened: what the
 * server writes later is not in the replay, and a line it is writing
 * (no newline yet) neither. A segment removed meanwhile (the server's
 * retention) is counted in gone and passed over.
 *
 * Reads give runs of in-range lines that stand together in one segment,
 * as sd_spool_reader_read() does, so a sink's positions (the run's
 * start and its length) stay true: lines out of the range, and lines
 * that do not parse, end a run and are passed over.
 */
#ifndef SD_SPOOLRANGE_H
#define SD_SPOOLRANGE_H

#include <stddef.h>
#include <stdint.h>

#include "sd_spool.h"
#include "sd_spoolscan.h"
#include "sd_util.h"

struct sd_spoolrange {
	char			 dir[4096];	/* DATA_DIR/sensors */
	int64_t			 since;
	int64_t			 until;
	uint32_t		*segs;		/* listed at open */
	size_t			 nsegs;
	size_t			 next;		/* segs[] to open next */
	int			 fd;		/* -1: none open */
	uint32_t		 seq;		/* of fd */
	struct sd_spoolscan	 scan;
	struct sd_spoolscan_line line;		/* read, not yet given */
	int			 held;
	uint64_t		 lines;		/* given, read again included */
	uint64_t		 bad;		/* lines that do not parse */
	uint64_t		 gone;		/* segments removed meanwhile */
};

/* List dir's segments (at most SD_SPOOL_SEGS_MAX) for the range
 * [since, until). SD_OK, or an error with err. */
int sd_spoolrange_open(struct sd_spoolrange *r, const char *dir,
    int64_t since, int64_t until, char err[SD_ERR_LEN]);
void sd_spoolrange_close(struct sd_spoolrange *r);

/* The next run of in-range lines into buf (at most cap bytes, cap at
 * least SD_SPOOLSCAN_BUF): *len bytes (0 at the end), *n lines, from
 * *at. SD_OK, or an error with err (a segment that cannot be read). */
int sd_spoolrange_read(struct sd_spoolrange *r, char *buf, size_t cap,
    size_t *len, uint64_t *n, struct sd_spool_pos *at, char err[SD_ERR_LEN]);

/* Read on from pos (a run's start, or a place inside one: the start of
 * a line), as a sink does after a failed delivery or to give back the
 * end of a read. A segment removed since counts in gone, and the read
 * goes on at the next one. SD_OK, or an error with err. */
int sd_spoolrange_seek(struct sd_spoolrange *r, const struct sd_spool_pos *pos,
    char err[SD_ERR_LEN]);

/* Whether every listed segment was read to its end (nothing is held):
 * the next read gives nothing, until a seek back. */
int sd_spoolrange_ended(const struct sd_spoolrange *r);

#endif
