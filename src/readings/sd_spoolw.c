/*
 * sd_spoolw.c: the spool's writer thread (see sd_spoolw.h).
 *
 * Jobs sit in a ring of SD_SPOOLW_SLOTS under one lock: from head, the
 * first ndone are done (waiting for the loop to collect them), the next
 * nq - ndone wait for the writer. Only the writer touches the segment's
 * descriptor once it started. File replacements sit in slots of their
 * own: asked (want) and done count up, the data of the newest request
 * kept.
 */
#define _GNU_SOURCE		/* pipe2(), fallocate() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_spool.h"
#include "sd_spoolw.h"

struct spoolw_job {
	char		*buf;		/* a spare one while the slot is free */
	size_t		 cap;
	size_t		 len;
	size_t		 off;		/* written so far (writer) */
	uint32_t	 new_seq;
	uint64_t	 prealloc;
	int		 fsync;		/* enum sd_fsync_mode */
};

struct spoolw_file {
	char		 name[SD_SPOOLW_FILE_MAX];
	char		 data[SD_SPOOLW_FILE_MAX];
	size_t		 len;
	int		 fsync;
	uint64_t	 want;		/* requests made */
	uint64_t	 taken;		/* the newest the writer began */
	uint64_t	 done;		/* the newest it finished */
	int		 err;
	char		 why[SD_ERR_LEN];
};

struct sd_spoolw {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct spoolw_job	 jobs[SD_SPOOLW_SLOTS];
	struct spoolw_file	 files[SD_SPOOLW_FILES];
	unsigned		 nfiles_wanted;	/* slots with want > taken */
	size_t			 head;
	size_t			 nq;
	size_t			 ndone;
	int			 err;		/* errno of the failing job */
	char			 why[SD_ERR_LEN];
	int			 retry;
	int			 quit;
	int			 sync_req;
	int			 woken;		/* a byte is in the pipe */
	int			 pipefd[2];
	/* The writer's own, once it started. */
	int			 fd;
	uint32_t		 seq;
	char			 dir[4096];
};

void
sd_spoolw_prealloc(int fd, uint64_t bytes)
{
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)bytes) != 0)
		errno = 0;
}

void
sd_spoolw_trim(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || ftruncate(fd, st.st_size) != 0)
		return;		/* they stay taken until the segment goes */
}

/* Close the segment written so far (its blocks past the end given back,
 * synced unless told not to) and create job's: 0 or an errno, with why. */
static int
spoolw_switch(struct sd_spoolw *w, const struct spoolw_job *j,
    char why[SD_ERR_LEN])
{
	char path[4096];
	int fd;

	if (w->fd >= 0) {
		sd_spoolw_trim(w->fd);
		if (j->fsync != SD_FSYNC_NO)
			fdatasync(w->fd);
		close(w->fd);
		w->fd = -1;
	}
	snprintf(path, sizeof(path), "%.4000s/readings-%08u.lp", w->dir,
	    j->new_seq);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd < 0 || fchmod(fd, 0640) != 0) {
		snprintf(why, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return errno != 0 ? errno : EIO;
	}
	sd_spoolw_prealloc(fd, j->prealloc);
	w->fd = fd;
	w->seq = j->new_seq;
	return 0;
}

/* Run one job, on the writer: 0 when its bytes are on disk (synced with
 * SD_FSYNC_ALWAYS), or an errno with why (what was written stays). */
static int
spoolw_run(struct sd_spoolw *w, struct spoolw_job *j, char why[SD_ERR_LEN])
{
	ssize_t n;
	int err;

	if (j->new_seq != 0 && j->new_seq != w->seq) {
		err = spoolw_switch(w, j, why);
		if (err != 0)
			return err;
	}
	while (j->off < j->len) {
		n = write(w->fd, j->buf + j->off, j->len - j->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		j->off += (size_t)n;
	}
	if (j->len > 0 && j->fsync == SD_FSYNC_ALWAYS && fdatasync(w->fd) != 0)
		goto fail;
	return 0;
fail:
	err = errno;
	snprintf(why, SD_ERR_LEN, "readings-%08u.lp: %s", w->seq,
	    strerror(err));
	return err;
}

int
sd_spoolw_replace_now(const char *dir, const char *name, const char *data,
    size_t len, int fsync, char why[SD_ERR_LEN])
{
	char path[4096], tmp[4096];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%.4000s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%.4000s/%s.tmp", dir, name);
	if (unlink(tmp) != 0)
		errno = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, 0640) != 0 || write(fd, data, len) != (ssize_t)len ||
	    (fsync == SD_FSYNC_ALWAYS && fdatasync(fd) != 0) ||
	    rename(tmp, path) != 0) {
		err = errno != 0 ? errno : EIO;
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	return 0;
fail:
	err = errno != 0 ? errno : EIO;
out:
	snprintf(why, SD_ERR_LEN, "%.200s: %s", path, strerror(err));
	return err;
}

/* The oldest-numbered slot with a request not begun, or NULL. Called
 * locked. */
static struct spoolw_file *
spoolw_file_next(struct sd_spoolw *w)
{
	size_t i;

	for (i = 0; w->nfiles_wanted > 0 && i < SD_SPOOLW_FILES; i++) {
		if (w->files[i].want > w->files[i].taken)
			return &w->files[i];
	}
	return NULL;
}

/* Do f's newest request: called locked, unlocks while the disk works. */
static void
spoolw_file_run(struct sd_spoolw *w, struct spoolw_file *f)
{
	char name[SD_SPOOLW_FILE_MAX], data[SD_SPOOLW_FILE_MAX];
	char why[SD_ERR_LEN];
	size_t len = f->len;
	uint64_t n = f->want;
	int fsync = f->fsync, err;

	memcpy(name, f->name, sizeof(name));
	memcpy(data, f->data, len);
	f->taken = n;
	w->nfiles_wanted--;
	pthread_mutex_unlock(&w->lock);
	err = sd_spoolw_replace_now(w->dir, name, data, len, fsync, why);
	pthread_mutex_lock(&w->lock);
	f->done = n;
	f->err = err;
	if (err != 0)
		memcpy(f->why, why, sizeof(f->why));
}

/* Tell the loop, once until it drains the pipe. Called locked. */
static void
spoolw_wake(struct sd_spoolw *w)
{
	if (w->woken)
		return;
	w->woken = 1;
	if (write(w->pipefd[1], "", 1) != 1)
		errno = 0;	/* full: the loop is woken already */
}

/* Whether the writer has something to do now. Called locked. */
static int
spoolw_ready(const struct sd_spoolw *w)
{
	if (w->sync_req || w->nfiles_wanted > 0)
		return 1;
	if (w->ndone == w->nq)
		return w->quit;
	return w->err == 0 || w->retry || w->quit;
}

/* The writer thread. */
static void *
spoolw_main(void *arg)
{
	struct sd_spoolw *w = arg;
	struct spoolw_job *j;
	struct spoolw_file *f;
	char why[SD_ERR_LEN];
	int err, fd, last;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!spoolw_ready(w))
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->sync_req) {
			w->sync_req = 0;
			fd = w->fd;
			pthread_mutex_unlock(&w->lock);
			if (fd >= 0)
				fdatasync(fd);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		if ((f = spoolw_file_next(w)) != NULL) {
			spoolw_file_run(w, f);
			spoolw_wake(w);
			continue;
		}
		if (w->ndone == w->nq)
			break;		/* quit, and nothing left */
		last = w->quit;
		w->retry = 0;
		j = &w->jobs[(w->head + w->ndone) % SD_SPOOLW_SLOTS];
		pthread_mutex_unlock(&w->lock);
		err = spoolw_run(w, j, why);
		pthread_mutex_lock(&w->lock);
		w->err = err;
		if (err == 0)
			w->ndone++;
		else
			memcpy(w->why, why, sizeof(w->why));
		spoolw_wake(w);
		if (err != 0 && last)
			break;		/* stopping: tried once more */
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct sd_spoolw *
sd_spoolw_new(const char *dir, int fd, uint32_t seq)
{
	struct sd_spoolw *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if (pipe2(w->pipefd, O_CLOEXEC | O_NONBLOCK) != 0)
		goto out_free;
	w->fd = fd;
	w->seq = seq;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, spoolw_main, w) != 0)
		goto out_pipe;
	return w;
out_pipe:
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	close(w->pipefd[0]);
	close(w->pipefd[1]);
out_free:
	free(w);
	return NULL;
}

int
sd_spoolw_free(struct sd_spoolw *w)
{
	size_t i;
	int fd;

	if (w == NULL)
		return -1;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	for (i = 0; i < SD_SPOOLW_SLOTS; i++)
		free(w->jobs[i].buf);
	close(w->pipefd[0]);
	close(w->pipefd[1]);
	fd = w->fd;
	free(w);
	return fd;
}

int
sd_spoolw_fd(const struct sd_spoolw *w)
{
	return w->pipefd[0];
}

int
sd_spoolw_submit(struct sd_spoolw *w, char **buf, size_t *cap, size_t len,
    uint32_t new_seq, uint64_t prealloc, int fsync)
{
	struct spoolw_job *j;
	char *spare;
	size_t spare_cap;
	int rc = SD_ERR_NOSPACE;

	pthread_mutex_lock(&w->lock);
	if (w->nq == SD_SPOOLW_SLOTS)
		goto out;
	j = &w->jobs[(w->head + w->nq) % SD_SPOOLW_SLOTS];
	spare = j->buf;
	spare_cap = j->cap;
	*j = (struct spoolw_job){ *buf, *cap, len, 0, new_seq, prealloc,
	    fsync };
	*buf = spare;
	*cap = spare_cap;
	w->nq++;
	pthread_cond_signal(&w->cond);
	rc = SD_OK;
out:
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void
sd_spoolw_drain(struct sd_spoolw *w)
{
	char buf[64];

	pthread_mutex_lock(&w->lock);
	while (read(w->pipefd[0], buf, sizeof(buf)) > 0)
		;
	errno = 0;
	w->woken = 0;
	pthread_mutex_unlock(&w->lock);
}

int
sd_spoolw_collect(struct sd_spoolw *w, struct sd_spoolw_done *d)
{
	struct spoolw_job *j;
	int got = 0;

	pthread_mutex_lock(&w->lock);
	if (w->ndone > 0) {
		j = &w->jobs[w->head];
		d->len = j->len;
		d->new_seq = j->new_seq;
		j->len = j->off = 0;
		w->head = (w->head + 1) % SD_SPOOLW_SLOTS;
		w->ndone--;
		w->nq--;
		got = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return got;
}

int
sd_spoolw_error(struct sd_spoolw *w, char err[SD_ERR_LEN])
{
	int e;

	pthread_mutex_lock(&w->lock);
	e = w->err;
	if (e != 0)
		memcpy(err, w->why, SD_ERR_LEN);
	pthread_mutex_unlock(&w->lock);
	return e;
}

void
sd_spoolw_retry(struct sd_spoolw *w)
{
	pthread_mutex_lock(&w->lock);
	w->retry = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
sd_spoolw_sync(struct sd_spoolw *w)
{
	pthread_mutex_lock(&w->lock);
	w->sync_req = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

uint64_t
sd_spoolw_replace(struct sd_spoolw *w, unsigned slot, const char *name,
    const char *data, size_t len, int fsync)
{
	struct spoolw_file *f = &w->files[slot];
	uint64_t n;

	if (len > sizeof(f->data))
		len = sizeof(f->data);	/* not by the contract: cut */
	pthread_mutex_lock(&w->lock);
	snprintf(f->name, sizeof(f->name), "%s", name);
	memcpy(f->data, data, len);
	f->len = len;
	f->fsync = fsync;
	if (f->want == f->taken)
		w->nfiles_wanted++;
	n = ++f->want;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return n;
}

uint64_t
sd_spoolw_replaced(struct sd_spoolw *w, unsigned slot, int *err,
    char why[SD_ERR_LEN])
{
	struct spoolw_file *f = &w->files[slot];
	uint64_t n;

	pthread_mutex_lock(&w->lock);
	n = f->done;
	*err = f->err;
	if (f->err != 0)
		memcpy(why, f->why, SD_ERR_LEN);
	pthread_mutex_unlock(&w->lock);
	return n;
}

size_t
sd_spoolw_inflight(struct sd_spoolw *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->nq;
	pthread_mutex_unlock(&w->lock);
	return n;
}
