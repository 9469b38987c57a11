/*
 * sd_spoolscan.h: a segment of the spool read line by line, for the
 * spool tool (stat, verify, repair; replay through sd_spoolrange): one
 * buffer of SD_SPOOLSCAN_BUF bytes whatever the segment's size, each
 * line with its byte offset, whether it ended with a newline, and
 * whether it parses as the store's line protocol (sd_lp_parse, the
 * sinks' own reader). A line longer than the buffer is reported as
 * one bad line, never grown into.
 */
#ifndef SD_SPOOLSCAN_H
#define SD_SPOOLSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "sd_util.h"

#define SD_SPOOLSCAN_BUF	(64u << 10)

struct sd_spoolscan {
	int		 fd;
	uint64_t	 end;	/* bytes of the segment read, at most */
	uint64_t	 foff;	/* file offset of buf[0] */
	size_t		 len;	/* bytes in buf */
	size_t		 at;	/* next line starts here */
	char		*buf;
};

/* One line: p[0..n) as read, without its newline (none, n 0, for a
 * line longer than the buffer: it is bad). */
struct sd_spoolscan_line {
	const char	*p;
	size_t		 n;
	uint64_t	 off;	/* of its first byte in the segment */
	uint64_t	 len;	/* bytes, its newline included */
	int		 whole;	/* it ended with a newline */
	int		 good;	/* it parses as line protocol */
	int64_t		 ts;	/* its timestamp, when good */
};

/* Read fd (a segment) from offset 0 up to end bytes. SD_OK, or
 * SD_ERR_NOMEM. The descriptor stays the caller's. */
int sd_spoolscan_init(struct sd_spoolscan *s, int fd, uint64_t end);
void sd_spoolscan_done(struct sd_spoolscan *s);

/* Read on from offset off (the start of a line) of the segment. */
void sd_spoolscan_seek(struct sd_spoolscan *s, uint64_t off);

/* The next line into l: 1, 0 at the end, -1 on a read error (errno). */
int sd_spoolscan_next(struct sd_spoolscan *s, struct sd_spoolscan_line *l);

#endif
