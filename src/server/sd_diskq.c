/*
 * sd_diskq.c: file writes off the event loop (see sd_diskq.h).
 *
 * Jobs wait in a FIFO under one lock; the helper takes them one at a
 * time and moves each, done, to a second FIFO. It writes a byte to a
 * pipe when that FIFO goes from empty to not, and the loop's read event
 * hands the results to the callback.
 */
#define _GNU_SOURCE		/* pipe2() */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_diskq.h"
#include "sd_err.h"
#include "sd_prio.h"
#include "sd_util.h"

/* Writes of a file's pieces (up to sd_conn's 256 KiB reads) take their
 * buffers from a pool: allocating that size fresh is an mmap and 64 page
 * faults a piece, which halved the upload rate. Small pieces are
 * allocated to size; the pool holds at most DQ_POOL_MAX buffers (a
 * transfer's backlog, sd_files.c), and is given back when the queue
 * runs dry at the end of a file. */
#define DQ_BIG		(256u << 10)
#define DQ_BIG_MIN	(16u << 10)
#define DQ_POOL_MAX	64

struct dq_job {
	STAILQ_ENTRY(dq_job)	 entry;
	struct sd_diskq_done	 done;
	struct sd_diskq_file	*file;
	char			*data;		/* a write's bytes, a path */
	size_t			 len;		/* a write's length */
	uint64_t		 size;		/* a reopen's expected size */
	int			 pooled;
};

STAILQ_HEAD(dq_list, dq_job);

/* A file in the queue; its last job is part of it, so that job never
 * has to be allocated. Freed on the loop once that job is reported. */
struct sd_diskq_file {
	struct dq_job		 last;		/* its close or commit */
	int			 fd;
	int			 poisoned;	/* a write failed (helper) */
	/* The part file, or the file a close removes; a commit's name. */
	char			 part[SD_DISKQ_PATH_MAX];
	char			 final[SD_DISKQ_PATH_MAX];
	char			 alt[SD_DISKQ_PATH_MAX];
};

struct sd_diskq {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct dq_list		 jobs;		/* queued, not yet run */
	struct dq_list		 done;
	int			 stop;
	uint64_t		 pending;	/* bytes queued, not reported */
	int			 pipefd[2];
	struct event		*ev;
	sd_diskq_cb		 cb;
	void			*arg;
	struct dq_list		 pool;		/* the loop's only */
	size_t			 npool;
};

static void
dq_pool_drop(struct sd_diskq *q)
{
	struct dq_job *j;

	while ((j = STAILQ_FIRST(&q->pool)) != NULL) {
		STAILQ_REMOVE_HEAD(&q->pool, entry);
		free(j);
	}
	q->npool = 0;
}

static void
dq_job_free(struct sd_diskq *q, struct dq_job *j)
{
	if (j == &j->file->last) {
		free(j->file);
		return;
	}
	if (j->pooled && q->npool < DQ_POOL_MAX) {
		STAILQ_INSERT_HEAD(&q->pool, j, entry);
		q->npool++;
		return;
	}
	free(j);
}

/* Close f's descriptor, if it has one; 0 or an errno. */
static int
dq_close_fd(struct sd_diskq_file *f)
{
	int err = 0;

	if (f->fd >= 0 && close(f->fd) != 0)
		err = errno;
	f->fd = -1;
	return err;
}

/* Open a parked file again; 0, or an errno (ESTALE: not what we left). */
static int
dq_reopen(struct sd_diskq_file *f, const char *path, uint64_t size)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);

	if (fd < 0)
		return errno;
	if (sd_fd_spare_low(fd)) {	/* the spare is not for peers */
		close(fd);
		return EMFILE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (uint64_t)st.st_size != size) {
		close(fd);
		return ESTALE;
	}
	f->fd = fd;
	return 0;
}

/* Link a finished part to its name, or to alt when the name was taken
 * meanwhile; 0 or an errno. link() fails rather than replace a file
 * that appeared since the name was reserved; rename() would not. */
static int
dq_link(struct sd_diskq_file *f, int *alt)
{
	if (f->final[0] == '\0')
		return ENAMETOOLONG;
	if (link(f->part, f->final) == 0)
		return 0;
	if (errno != EEXIST || f->alt[0] == '\0')
		return errno;
	if (link(f->part, f->alt) != 0)
		return errno;
	*alt = 1;
	return 0;
}

/* One job, on the helper thread. */
static void
dq_run(struct dq_job *j)
{
	struct sd_diskq_file *f = j->file;
	int err = 0;

	switch (j->done.op) {
	case SD_DQ_WRITE:
		err = f->poisoned ? EIO : sd_write_all(f->fd, j->data, j->len);
		if (err != 0)
			f->poisoned = 1;
		break;
	case SD_DQ_PARK:
		err = dq_close_fd(f);
		break;
	case SD_DQ_REOPEN:
		err = dq_reopen(f, j->data, j->size);
		if (err != 0)
			f->poisoned = 1;
		break;
	case SD_DQ_CLOSE:
		err = dq_close_fd(f);
		if (f->part[0] != '\0')
			unlink(f->part);
		break;
	case SD_DQ_COMMIT:
		err = dq_close_fd(f);
		if (f->poisoned)
			err = EIO;
		if (err == 0)
			err = dq_link(f, &j->done.alt);
		if (f->part[0] != '\0')
			unlink(f->part);
		break;
	}
	j->done.err = err;
}

static void *
dq_main(void *arg)
{
	struct sd_diskq *q = arg;
	struct dq_job *j;
	int wake;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (STAILQ_EMPTY(&q->jobs) && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		j = STAILQ_FIRST(&q->jobs);
		if (j == NULL)
			break;		/* stopping, and nothing left */
		STAILQ_REMOVE_HEAD(&q->jobs, entry);
		pthread_mutex_unlock(&q->lock);
		dq_run(j);
		pthread_mutex_lock(&q->lock);
		wake = STAILQ_EMPTY(&q->done);
		STAILQ_INSERT_TAIL(&q->done, j, entry);
		if (wake && write(q->pipefd[1], "", 1) < 0) {
			/* A full pipe already holds a wake-up. */
		}
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* Results, on the loop, in the order the jobs were queued. */
static void
dq_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sd_diskq *q = arg;
	struct dq_list list = STAILQ_HEAD_INITIALIZER(list);
	struct dq_job *j;
	char drain[64];

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&q->lock);
	STAILQ_CONCAT(&list, &q->done);
	pthread_mutex_unlock(&q->lock);
	while ((j = STAILQ_FIRST(&list)) != NULL) {
		STAILQ_REMOVE_HEAD(&list, entry);
		if (j->done.op == SD_DQ_WRITE)
			q->pending -= j->len;
		else if (q->pending == 0)
			dq_pool_drop(q);	/* a file ended, none waits */
		q->cb(&j->done, q->arg);
		dq_job_free(q, j);
	}
}

struct sd_diskq *
sd_diskq_new(struct event_base *base, sd_diskq_cb cb, void *arg)
{
	struct sd_diskq *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->cb = cb;
	q->arg = arg;
	STAILQ_INIT(&q->jobs);
	STAILQ_INIT(&q->done);
	STAILQ_INIT(&q->pool);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if (pipe2(q->pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
		goto fail_sync;
	q->ev = event_new(base, q->pipefd[0], EV_READ | EV_PERSIST,
	    dq_done_cb, q);
	sd_prio_event(q->ev, SD_PRIO_BACKEND);
	if (q->ev == NULL || event_add(q->ev, NULL) != 0)
		goto fail_pipe;
	if (pthread_create(&q->thread, NULL, dq_main, q) != 0)
		goto fail_pipe;
	return q;
fail_pipe:
	if (q->ev != NULL)
		event_free(q->ev);
	close(q->pipefd[0]);
	close(q->pipefd[1]);
fail_sync:
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
	return NULL;
}

void
sd_diskq_free(struct sd_diskq *q)
{
	struct dq_job *j;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	while ((j = STAILQ_FIRST(&q->done)) != NULL) {
		STAILQ_REMOVE_HEAD(&q->done, entry);
		dq_job_free(q, j);
	}
	dq_pool_drop(q);
	event_free(q->ev);
	close(q->pipefd[0]);
	close(q->pipefd[1]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}

static void
dq_push(struct sd_diskq *q, struct dq_job *j)
{
	pthread_mutex_lock(&q->lock);
	STAILQ_INSERT_TAIL(&q->jobs, j, entry);
	if (j->done.op == SD_DQ_WRITE)
		q->pending += j->len;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

struct sd_diskq_file *
sd_diskq_file(struct sd_diskq *q, int fd, uint64_t tag)
{
	struct sd_diskq_file *f = calloc(1, sizeof(*f));

	(void)q;
	if (f == NULL)
		return NULL;
	f->fd = fd;
	f->last.file = f;
	f->last.done.tag = tag;
	return f;
}

int
sd_diskq_write(struct sd_diskq *q, struct sd_diskq_file *f, const void *p,
    size_t n)
{
	int big = n >= DQ_BIG_MIN && n <= DQ_BIG;
	struct dq_job *j = NULL;

	if (big && (j = STAILQ_FIRST(&q->pool)) != NULL) {
		STAILQ_REMOVE_HEAD(&q->pool, entry);
		q->npool--;
	} else
		j = malloc(sizeof(*j) + (big ? DQ_BIG : n));
	if (j == NULL)
		return SD_ERR_NOMEM;
	memset(j, 0, sizeof(*j));
	j->data = (char *)(j + 1);
	j->pooled = big;
	j->file = f;
	j->len = n;
	j->done.tag = f->last.done.tag;
	j->done.op = SD_DQ_WRITE;
	j->done.bytes = n;
	memcpy(j->data, p, n);
	dq_push(q, j);
	return SD_OK;
}

/* Copy s into a path buffer; "" when it does not fit. */
static void
dq_path(char dst[SD_DISKQ_PATH_MAX], const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= SD_DISKQ_PATH_MAX)
		n = 0;
	memcpy(dst, s != NULL ? s : "", n);
	dst[n] = '\0';
}

void
sd_diskq_close(struct sd_diskq *q, struct sd_diskq_file *f,
    const char *unlink_path)
{
	dq_path(f->part, unlink_path);
	f->last.done.op = SD_DQ_CLOSE;
	dq_push(q, &f->last);
}

void
sd_diskq_commit(struct sd_diskq *q, struct sd_diskq_file *f,
    const char *part, const char *final, const char *alt)
{
	dq_path(f->part, part);
	dq_path(f->final, final);
	dq_path(f->alt, alt);
	if (f->part[0] == '\0')
		f->final[0] = '\0';	/* fails, as ENAMETOOLONG */
	f->last.done.op = SD_DQ_COMMIT;
	dq_push(q, &f->last);
}

/* A job of f that is not a write nor its last: op, with a path. */
static struct dq_job *
dq_job_new(struct sd_diskq_file *f, enum sd_diskq_op op, const char *path)
{
	size_t n = path != NULL ? strlen(path) + 1 : 0;
	struct dq_job *j = calloc(1, sizeof(*j) + n);

	if (j == NULL)
		return NULL;
	j->file = f;
	j->data = (char *)(j + 1);
	if (n > 0)
		memcpy(j->data, path, n);
	j->done.tag = f->last.done.tag;
	j->done.op = op;
	return j;
}

int
sd_diskq_park(struct sd_diskq *q, struct sd_diskq_file *f)
{
	struct dq_job *j = dq_job_new(f, SD_DQ_PARK, NULL);

	if (j == NULL)
		return SD_ERR_NOMEM;
	dq_push(q, j);
	return SD_OK;
}

int
sd_diskq_reopen(struct sd_diskq *q, struct sd_diskq_file *f,
    const char *path, uint64_t size)
{
	struct dq_job *j = dq_job_new(f, SD_DQ_REOPEN, path);

	if (j == NULL)
		return SD_ERR_NOMEM;
	j->size = size;
	dq_push(q, j);
	return SD_OK;
}

uint64_t
sd_diskq_pending(const struct sd_diskq *q)
{
	return q->pending;
}
