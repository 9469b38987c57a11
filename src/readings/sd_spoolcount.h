/*
 * sd_spoolcount.h: lines of spool segments counted off the loop, for
 * the sinks' backlog in readings (sd_spool_backlog_lines): a thread of
 * its own reads segments with a fixed buffer and counts their
 * newlines, so no work in proportion to a file's size runs on the loop.
 *
 * Two kinds of work: the census, once at start, of the segments an
 * earlier run left (each counted whole, up to the size given); and
 * questions, each "lines of segment SEQ before offset OFF", for a
 * reader whose place in line numbers is not known (a cursor in the
 * middle of a segment). Answers are taken by the loop when it likes
 * (once a second); nothing wakes it.
 */
#ifndef SD_SPOOLCOUNT_H
#define SD_SPOOLCOUNT_H

#include <stddef.h>
#include <stdint.h>

#define SD_SPOOLCOUNT_ASKS	16	/* questions open at once, at most */

struct sd_spoolcount;

/* Start the thread for the spool in dir (kept, not copied: it must
 * outlive the counter). NULL out of memory. */
struct sd_spoolcount *sd_spoolcount_new(const char *dir);

/* Stop (the count under way is given up) and free. */
void sd_spoolcount_free(struct sd_spoolcount *c);

/* Count the n segments seq[] whole, up to size[] bytes each. SD_OK, or
 * SD_ERR_NOMEM; SD_ERR_INVAL when a census was asked for already. */
int sd_spoolcount_census(struct sd_spoolcount *c, const uint32_t *seq,
    const uint64_t *size, size_t n);

/* Once the census is done: 1 with *lines (n counts, in the order
 * asked; the caller frees it), once; else 0. */
int sd_spoolcount_census_take(struct sd_spoolcount *c, uint64_t **lines);

/* Ask for the lines of segment seq before offset off, for owner (a
 * tag the answer carries back). SD_OK, or SD_ERR_NOSPACE when
 * SD_SPOOLCOUNT_ASKS are open. */
int sd_spoolcount_ask(struct sd_spoolcount *c, const void *owner,
    uint32_t seq, uint64_t off);

/* The next answer: 1 with its owner and lines, or 0 when none. */
int sd_spoolcount_take(struct sd_spoolcount *c, const void **owner,
    uint64_t *lines);

/* Forget owner's questions (it goes away): no answer comes for them. */
void sd_spoolcount_cancel(struct sd_spoolcount *c, const void *owner);

/* Newlines in fd's bytes [0, end), read with buf (len bytes); a read
 * error ends the count there. For the thread, and for tests. */
uint64_t sd_spoolcount_lines(int fd, uint64_t end, char *buf, size_t len);

#endif
