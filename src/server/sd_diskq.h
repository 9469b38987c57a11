/*
 * sd_diskq.h: file writes off the event loop. One helper thread runs the
 * queued jobs in the order they came (writes, closes, moving a file into
 * place), so the loop never waits for a slow disk; each job's result
 * comes back on the loop, in the same order, through one callback.
 *
 * A file enters the queue with sd_diskq_file() when it is opened; that
 * reserves its last job (the close, or the commit into place), so ending
 * a file never fails, even out of memory. From then on the descriptor is
 * the queue's: the loop must not touch it again. A write's bytes are
 * copied in. A write that fails poisons its file: the writes after it
 * are skipped and its commit fails, so a file that missed bytes never
 * reaches its final name.
 */
#ifndef SD_DISKQ_H
#define SD_DISKQ_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sd_diskq;
struct sd_diskq_file;

#define SD_DISKQ_PATH_MAX	4096

enum sd_diskq_op {
	SD_DQ_WRITE, SD_DQ_CLOSE, SD_DQ_COMMIT, SD_DQ_PARK, SD_DQ_REOPEN
};

struct sd_diskq_done {
	uint64_t		 tag;	/* the file's, as given */
	enum sd_diskq_op	 op;
	int			 err;	/* errno; 0 when it worked */
	size_t			 bytes;	/* a write's length */
	int			 alt;	/* a commit went to its alt name */
};

typedef void (*sd_diskq_cb)(const struct sd_diskq_done *d, void *arg);

struct sd_diskq *sd_diskq_new(struct event_base *base, sd_diskq_cb cb,
    void *arg);

/* Run every job still queued (a shutdown waits for the disk here, once),
 * then stop the helper. No callback runs after this. */
void sd_diskq_free(struct sd_diskq *q);

/* fd, just opened, into the queue under tag; NULL out of memory (fd
 * is then still the caller's). */
struct sd_diskq_file *sd_diskq_file(struct sd_diskq *q, int fd,
    uint64_t tag);

/* Append n bytes of p to the file. SD_OK, or SD_ERR_NOMEM. */
int sd_diskq_write(struct sd_diskq *q, struct sd_diskq_file *f,
    const void *p, size_t n);

/* The file's last job: close it, then unlink path unless it is NULL.
 * f is gone after this. */
void sd_diskq_close(struct sd_diskq *q, struct sd_diskq_file *f,
    const char *unlink_path);

/* The file's last job: close it, link part to final (never replacing a
 * file there; when final is taken by then, to alt, and done.alt says so)
 * and unlink part; an error (the part removed) when a write failed. f is
 * gone after this. Paths longer than SD_DISKQ_PATH_MAX - 1 fail with
 * ENAMETOOLONG (alt may be NULL: no second try). */
void sd_diskq_commit(struct sd_diskq *q, struct sd_diskq_file *f,
    const char *part, const char *final, const char *alt);

/* Close f's descriptor once the writes queued before are done, and keep
 * f (a parked transfer holds no descriptor). SD_OK, or SD_ERR_NOMEM (f
 * then keeps its descriptor). */
int sd_diskq_park(struct sd_diskq *q, struct sd_diskq_file *f);

/* Open a parked f's path again (O_WRONLY|O_APPEND|O_NOFOLLOW) and check
 * that it is a regular file of size bytes; when not, f is poisoned (its
 * writes skipped, its commit failing) and the job reports the errno
 * (ESTALE for a file that changed). SD_OK, or SD_ERR_NOMEM. */
int sd_diskq_reopen(struct sd_diskq *q, struct sd_diskq_file *f,
    const char *path, uint64_t size);

/* Bytes of writes queued and not yet reported back. */
uint64_t sd_diskq_pending(const struct sd_diskq *q);

#endif
