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
#include <unistd.h>

#include "sd_diskq.h"
#include "sd_err.h"

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
	int			 pooled;
	int			 fd;
	char			*path;		/* unlink, or commit's part */
	char			*final;		/* commit's final name */
	size_t			 len;
	char			 data[];	/* a write's bytes */
};

STAILQ_HEAD(dq_list, dq_job);

struct sd_diskq {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct dq_list		 todo;
	struct dq_list		 done;
	int			 stop;
	uint64_t		 pending;	/* bytes queued, not reported */
	int			 pipefd[2];
	struct event		*ev;
	sd_diskq_cb		 cb;
	void			*arg;
	struct dq_list		 pool;		/* the loop's only */
	size_t			 npool;
	/* Descriptors a write failed on (the helper's only). */
	int			*bad;
	size_t			 nbad;
	size_t			 badcap;
};

static void
dq_job_free(struct sd_diskq *q, struct dq_job *j)
{
	free(j->path);
	free(j->final);
	if (j->pooled && q->npool < DQ_POOL_MAX) {
		STAILQ_INSERT_HEAD(&q->pool, j, entry);
		q->npool++;
		return;
	}
	free(j);
}

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

static int
dq_bad_find(struct sd_diskq *q, int fd)
{
	size_t i;

	for (i = 0; i < q->nbad; i++) {
		if (q->bad[i] == fd)
			return (int)i;
	}
	return -1;
}

/* Remember fd's failure (helper thread). If there is no room to, the
 * write's error still goes back; the commit then checks nothing more. */
static void
dq_bad_add(struct sd_diskq *q, int fd)
{
	int *nb;

	if (dq_bad_find(q, fd) >= 0)
		return;
	if (q->nbad == q->badcap) {
		nb = realloc(q->bad, (q->badcap * 2 + 8) * sizeof(*nb));
		if (nb == NULL)
			return;
		q->bad = nb;
		q->badcap = q->badcap * 2 + 8;
	}
	q->bad[q->nbad++] = fd;
}

/* fd is closed: forget its failure. */
static void
dq_bad_forget(struct sd_diskq *q, int fd)
{
	int i = dq_bad_find(q, fd);

	if (i >= 0)
		q->bad[i] = q->bad[--q->nbad];
}

static int
dq_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One job, on the helper thread. */
static void
dq_run(struct sd_diskq *q, struct dq_job *j)
{
	int err = 0, bad = dq_bad_find(q, j->fd) >= 0;

	switch (j->done.op) {
	case SD_DQ_WRITE:
		err = bad ? EIO : dq_write_all(j->fd, j->data, j->len);
		if (err != 0)
			dq_bad_add(q, j->fd);
		break;
	case SD_DQ_CLOSE:
		dq_bad_forget(q, j->fd);
		if (close(j->fd) != 0)
			err = errno;
		if (j->path != NULL)
			unlink(j->path);
		break;
	case SD_DQ_COMMIT:
		dq_bad_forget(q, j->fd);
		if (close(j->fd) != 0 && !bad)
			err = errno;
		if (bad)
			err = EIO;
		/* link() fails rather than replace a file that appeared
		 * since the name was reserved; rename() would not. */
		if (err == 0 && link(j->path, j->final) != 0)
			err = errno;
		unlink(j->path);
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
		while (STAILQ_EMPTY(&q->todo) && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		j = STAILQ_FIRST(&q->todo);
		if (j == NULL)
			break;		/* stopping, and nothing left */
		STAILQ_REMOVE_HEAD(&q->todo, entry);
		pthread_mutex_unlock(&q->lock);
		dq_run(q, j);
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
	STAILQ_INIT(&q->todo);
	STAILQ_INIT(&q->done);
	STAILQ_INIT(&q->pool);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if (pipe2(q->pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
		goto fail_sync;
	q->ev = event_new(base, q->pipefd[0], EV_READ | EV_PERSIST,
	    dq_done_cb, q);
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
	free(q->bad);
	free(q);
}

static int
dq_push(struct sd_diskq *q, struct dq_job *j)
{
	pthread_mutex_lock(&q->lock);
	STAILQ_INSERT_TAIL(&q->todo, j, entry);
	if (j->done.op == SD_DQ_WRITE)
		q->pending += j->len;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return SD_OK;
}

static struct dq_job *
dq_job_new(struct sd_diskq *q, uint64_t tag, enum sd_diskq_op op, int fd,
    size_t len)
{
	int big = len >= DQ_BIG_MIN && len <= DQ_BIG;
	struct dq_job *j = NULL;

	if (big && (j = STAILQ_FIRST(&q->pool)) != NULL) {
		STAILQ_REMOVE_HEAD(&q->pool, entry);
		q->npool--;
		memset(j, 0, sizeof(*j));
	} else
		j = calloc(1, sizeof(*j) + (big ? DQ_BIG : len));
	if (j == NULL)
		return NULL;
	j->pooled = big;
	j->done.tag = tag;
	j->done.op = op;
	j->done.bytes = len;
	j->fd = fd;
	j->len = len;
	return j;
}

int
sd_diskq_write(struct sd_diskq *q, uint64_t tag, int fd, const void *p,
    size_t n)
{
	struct dq_job *j = dq_job_new(q, tag, SD_DQ_WRITE, fd, n);

	if (j == NULL)
		return SD_ERR_NOMEM;
	memcpy(j->data, p, n);
	return dq_push(q, j);
}

int
sd_diskq_close(struct sd_diskq *q, uint64_t tag, int fd,
    const char *unlink_path)
{
	struct dq_job *j = dq_job_new(q, tag, SD_DQ_CLOSE, fd, 0);

	if (j != NULL && unlink_path != NULL &&
	    (j->path = strdup(unlink_path)) == NULL) {
		dq_job_free(q, j);
		j = NULL;
	}
	if (j == NULL) {
		/* Out of memory: close here rather than leak the fd. */
		close(fd);
		if (unlink_path != NULL)
			unlink(unlink_path);
		return SD_ERR_NOMEM;
	}
	return dq_push(q, j);
}

int
sd_diskq_commit(struct sd_diskq *q, uint64_t tag, int fd, const char *part,
    const char *final)
{
	struct dq_job *j = dq_job_new(q, tag, SD_DQ_COMMIT, fd, 0);

	if (j != NULL) {
		j->path = strdup(part);
		j->final = strdup(final);
	}
	if (j == NULL || j->path == NULL || j->final == NULL) {
		if (j != NULL)
			dq_job_free(q, j);
		close(fd);
		unlink(part);
		return SD_ERR_NOMEM;
	}
	return dq_push(q, j);
}

uint64_t
sd_diskq_pending(const struct sd_diskq *q)
{
	return q->pending;
}
