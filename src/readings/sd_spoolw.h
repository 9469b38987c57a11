/*
 * sd_spoolw.h: the spool's writer, a thread of its own that owns the
 * segment being written, so no write, fsync or segment switch of the
 * spool runs on the event loop.
 *
 * The loop hands it full buffers (at most SD_SPOOLW_SLOTS in flight;
 * the buffer handed over is swapped for a spare one, so steady state
 * allocates nothing). Jobs run in the order they came; each is done
 * when its bytes are written (and, with SD_FSYNC_ALWAYS, synced). A byte
 * on a pipe (sd_spoolw_fd()) tells the loop that jobs are done, and
 * sd_spoolw_collect() hands them back in order. A write that fails
 * keeps its job at the head, and it is tried again on
 * sd_spoolw_retry(): what was written stays written, the rest follows.
 *
 * It also replaces small files of the spool's directory (the sinks'
 * cursors) for the loop: a file a slot, the newest request of a slot
 * wins, done between two jobs; the same pipe says when.
 */
#ifndef SD_SPOOLW_H
#define SD_SPOOLW_H

#include <stddef.h>
#include <stdint.h>

#include "sd_util.h"

#define SD_SPOOLW_SLOTS	16	/* buffers in flight, at most */
#define SD_SPOOLW_FILES	8	/* small files replaced, one a slot */
#define SD_SPOOLW_FILE_MAX 64	/* bytes of such a file, names too */

struct sd_spoolw;

/* A finished job, as collect() returns it. */
struct sd_spoolw_done {
	size_t		 len;		/* bytes now on disk */
	uint32_t	 new_seq;	/* nonzero: they began this segment */
};

/* Take fd (segment seq, open for appending) over; the thread starts.
 * NULL out of memory. */
struct sd_spoolw *sd_spoolw_new(const char *dir, int fd, uint32_t seq);

/* Run what is queued (once each), stop, and give the descriptor back
 * (-1 when there is none). */
int sd_spoolw_free(struct sd_spoolw *w);

/* The descriptor the loop watches for reading: jobs are done. */
int sd_spoolw_fd(const struct sd_spoolw *w);

/* Queue len bytes of *buf (capacity *cap): *buf and *cap are swapped
 * for a spare buffer (or NULL and 0). new_seq nonzero starts that
 * segment first, preallocated to prealloc bytes; fsync (an enum
 * sd_fsync_mode) says whether the job syncs its bytes (always) and the
 * segment it closes (not no). SD_OK, or SD_ERR_NOSPACE when every slot
 * is in flight (nothing changed). */
int sd_spoolw_submit(struct sd_spoolw *w, char **buf, size_t *cap,
    size_t len, uint32_t new_seq, uint64_t prealloc, int fsync);

/* The next finished job into d, oldest first: 1, or 0 when none. */
int sd_spoolw_collect(struct sd_spoolw *w, struct sd_spoolw_done *d);

/* Empty the wake-up pipe (before collecting). */
void sd_spoolw_drain(struct sd_spoolw *w);

/* 0 while writes work, else the errno of the failing job, with err. */
int sd_spoolw_error(struct sd_spoolw *w, char err[SD_ERR_LEN]);

/* Try the failing job again. */
void sd_spoolw_retry(struct sd_spoolw *w);

/* Sync the segment being written, between two jobs (everysec). */
void sd_spoolw_sync(struct sd_spoolw *w);

/* Jobs queued and not collected. */
size_t sd_spoolw_inflight(struct sd_spoolw *w);

/* Replace dir/name with the len bytes of data, through dir/name.tmp
 * (created anew, never through a link, mode 0640; synced when fsync is
 * SD_FSYNC_ALWAYS) renamed over it, so a crash leaves the old file or
 * the new one. On the calling thread: 0 or an errno, with why. */
int sd_spoolw_replace_now(const char *dir, const char *name,
    const char *data, size_t len, int fsync, char why[SD_ERR_LEN]);

/* The same on the writer, in slot (below SD_SPOOLW_FILES; name and data
 * shorter than SD_SPOOLW_FILE_MAX), over a request of the slot not yet
 * begun. The request's number (counting from 1). */
uint64_t sd_spoolw_replace(struct sd_spoolw *w, unsigned slot,
    const char *name, const char *data, size_t len, int fsync);

/* The number of slot's last request done (0: none), its errno in *err
 * (with why). */
uint64_t sd_spoolw_replaced(struct sd_spoolw *w, unsigned slot, int *err,
    char why[SD_ERR_LEN]);

/* A segment's blocks taken at once, its size left as it is: appends
 * then skip the filesystem's allocation per page, which is about 40% of
 * a write's kernel time on ext4 (log.preallocate in Kafka's brokers).
 * Best effort: without fallocate, or short of a segment's room, the
 * filesystem allocates as writes come. */
void sd_spoolw_prealloc(int fd, uint64_t bytes);

/* Give back the blocks a segment took past its end. */
void sd_spoolw_trim(int fd);

#endif
