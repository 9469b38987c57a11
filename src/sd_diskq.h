/*
 * sd_diskq.h: file writes off the event loop. One helper thread runs the
 * queued jobs in the order they came (writes, closes, moving a file into
 * place), so the loop never waits for a slow disk; each job's result
 * comes back on the loop, in the same order, through one callback.
 *
 * The queue owns what a job needs: a write's bytes are copied in, paths
 * are copied, and a descriptor given to a close or a commit is the
 * helper's to close (the loop must not touch it again: writes queued
 * before still run first). A write that fails poisons its descriptor:
 * the writes after it are skipped and its commit fails, so a file that
 * missed bytes never reaches its final name.
 */
#ifndef SD_DISKQ_H
#define SD_DISKQ_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sd_diskq;

enum sd_diskq_op { SD_DQ_WRITE, SD_DQ_CLOSE, SD_DQ_COMMIT };

struct sd_diskq_done {
	uint64_t		 tag;	/* the caller's, as queued */
	enum sd_diskq_op	 op;
	int			 err;	/* errno; 0 when it worked */
	size_t			 bytes;	/* a write's length */
};

typedef void (*sd_diskq_cb)(const struct sd_diskq_done *d, void *arg);

struct sd_diskq *sd_diskq_new(struct event_base *base, sd_diskq_cb cb,
    void *arg);

/* Run every job still queued (a shutdown waits for the disk here, once),
 * then stop the helper. No callback runs after this. */
void sd_diskq_free(struct sd_diskq *q);

/* Append n bytes of p to fd. SD_OK, or SD_ERR_NOMEM. */
int sd_diskq_write(struct sd_diskq *q, uint64_t tag, int fd, const void *p,
    size_t n);

/* Close fd, then unlink path unless it is NULL (at once when out of
 * memory). */
int sd_diskq_close(struct sd_diskq *q, uint64_t tag, int fd,
    const char *unlink_path);

/* Close fd, link part to final (never replacing a file there) and
 * unlink part: the file's bytes under its final name, or an error (the
 * part then removed). Out of memory, it does so at once: fd is closed
 * either way. */
int sd_diskq_commit(struct sd_diskq *q, uint64_t tag, int fd,
    const char *part, const char *final);

/* Bytes of writes queued and not yet reported back. */
uint64_t sd_diskq_pending(const struct sd_diskq *q);

#endif
