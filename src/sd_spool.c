/*
 * sd_spool.c: line-protocol segments, their readers and cursors (see
 * sd_spool.h).
 */
#define _GNU_SOURCE		/* fallocate(), FALLOC_FL_KEEP_SIZE */
#include <dirent.h>
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

#define SD_CURSOR_SAVE_NS	(200LL * 1000000)

/* The everysec helper: it only ever calls fdatasync() on a descriptor
 * the loop hands it (a dup, closed here), so a slow disk never stalls
 * the loop. No socket is touched off the loop. */
struct spool_syncer {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 fd;		/* -1: nothing to do */
	int		 quit;
};

struct sd_spool {
	char			*dir;
	char			 path[4096];
	int			 fd;
	uint32_t		 seq;		/* segment being written */
	uint32_t		 first_seq;	/* this run's first */
	uint64_t		 torn;		/* bytes cut off at start */
	uint64_t		 written;	/* bytes in this segment */
	uint64_t		 seg_max;
	char			*buf;
	size_t			 len;
	size_t			 cap;
	enum sd_fsync_mode	 fsync;
	struct spool_syncer	*syncer;
};

static void *
syncer_main(void *arg)
{
	struct spool_syncer *s = arg;
	int fd;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->fd < 0 && !s->quit)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->fd < 0 && s->quit)
			break;
		fd = s->fd;
		s->fd = -1;
		pthread_mutex_unlock(&s->lock);
		fdatasync(fd);
		close(fd);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static struct spool_syncer *
syncer_start(void)
{
	struct spool_syncer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, syncer_main, s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Hand fd (a dup the syncer closes) over; a sync still pending is
 * replaced, since the newer one covers it. */
static void
syncer_post(struct spool_syncer *s, int fd)
{
	pthread_mutex_lock(&s->lock);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void
syncer_stop(struct spool_syncer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->quit = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

static void
spool_seg_path(const struct sd_spool *sp, uint32_t seq, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s/readings-%08u.lp", sp->dir, seq);
}

/* The highest segment number already in dir (0 when none). */
static uint32_t
spool_last_seq(const char *dir)
{
	struct dirent *de;
	unsigned n, max = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "readings-%8u.lp", &n) == 1 && n > max)
			max = n;
	}
	closedir(d);
	return max;
}

/* A segment's blocks taken at once, its size left as it is: appends
 * then skip the filesystem's allocation per page, which is about 40% of
 * a write's kernel time on ext4 (log.preallocate in Kafka's brokers).
 * Best effort: without fallocate, or short of a segment's room, the
 * filesystem allocates as writes come. */
static void
spool_seg_prealloc(int fd, uint64_t bytes)
{
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)bytes) != 0)
		errno = 0;
}

/* Give back the blocks a segment took past its end. */
static void
spool_seg_trim(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || ftruncate(fd, st.st_size) != 0)
		return;		/* they stay taken until the segment goes */
}

/* A crash in mid-write leaves the last segment ending in part of a line
 * (never acknowledged: acks follow whole writes). Cut it off, so the
 * files stay line protocol that other tools read; sp->torn says how
 * many bytes went. */
static void
spool_repair_tail(struct sd_spool *sp)
{
	char path[4096], buf[4096];
	struct stat st;
	off_t end, at;
	ssize_t n, i;
	int fd;

	spool_seg_path(sp, sp->seq, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	spool_seg_trim(fd);	/* a crash leaves its preallocation */
	if (fstat(fd, &st) != 0 || st.st_size == 0)
		goto out;
	end = st.st_size;
	for (at = end; at > 0; at -= n) {
		n = at > (off_t)sizeof(buf) ? (ssize_t)sizeof(buf) :
		    (ssize_t)at;
		if (pread(fd, buf, (size_t)n, at - n) != n)
			goto out;
		for (i = n; i > 0 && buf[i - 1] != '\n'; i--)
			;
		if (i > 0) {
			at = at - n + i;
			break;
		}
	}
	if (at < 0)
		at = 0;
	if (at < end && ftruncate(fd, at) == 0)
		sp->torn = (uint64_t)(end - at);
out:
	close(fd);
}

uint64_t
sd_spool_torn(const struct sd_spool *sp)
{
	return sp->torn;
}

/* Start segment seq + 1. Each run starts a new one, so a segment a crash
 * cut mid-line is never appended to. */
static int
spool_open_next(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	char path[4096];
	int fd;

	/* The closing segment gives back its blocks before the next takes
	 * any: a crash between the two leaves none past an end (the next
	 * start trims only the newest segment). */
	if (sp->fd >= 0)
		spool_seg_trim(sp->fd);
	spool_seg_path(sp, sp->seq + 1, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		return SD_ERR_INVAL;
	}
	spool_seg_prealloc(fd, sp->seg_max);
	if (sp->fd >= 0) {
		/* A closed segment is synced whole: on the loop only when
		 * the user asked for always, else by the helper thread. */
		if (sp->fsync == SD_FSYNC_ALWAYS)
			fdatasync(sp->fd);
		if (sp->fsync == SD_FSYNC_EVERYSEC && sp->syncer != NULL)
			syncer_post(sp->syncer, sp->fd);
		else
			close(sp->fd);
	}
	sp->seq++;
	memcpy(sp->path, path, sizeof(sp->path));
	sp->fd = fd;
	sp->written = 0;
	return SD_OK;
}

struct sd_spool *
sd_spool_new(const char *dir, char err[SD_ERR_LEN])
{
	struct sd_spool *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		goto nomem;
	sp->fd = -1;
	sp->seg_max = SD_SPOOL_SEGMENT;
	sp->cap = 256u << 10;
	sp->dir = strdup(dir);
	sp->buf = malloc(sp->cap);
	if (sp->dir == NULL || sp->buf == NULL)
		goto nomem;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", dir, strerror(errno));
		goto fail;
	}
	sp->seq = spool_last_seq(dir);
	if (sp->seq > 0)
		spool_repair_tail(sp);
	if (spool_open_next(sp, err) != SD_OK)
		goto fail;
	sp->first_seq = sp->seq;
	sp->syncer = syncer_start();
	if (sp->syncer == NULL)
		goto nomem;
	return sp;
nomem:
	snprintf(err, SD_ERR_LEN, "out of memory");
fail:
	if (sp != NULL) {
		if (sp->fd >= 0)
			close(sp->fd);
		free(sp->dir);
		free(sp->buf);
		free(sp);
	}
	return NULL;
}

void
sd_spool_free(struct sd_spool *sp)
{
	char err[SD_ERR_LEN];

	if (sp == NULL)
		return;
	sd_spool_flush(sp, err);
	syncer_stop(sp->syncer);
	if (sp->fd >= 0) {
		spool_seg_trim(sp->fd);
		if (sp->fsync != SD_FSYNC_NO)
			fdatasync(sp->fd);
		close(sp->fd);
	}
	free(sp->dir);
	free(sp->buf);
	free(sp);
}

void
sd_spool_set_fsync(struct sd_spool *sp, enum sd_fsync_mode mode)
{
	sp->fsync = mode;
}

void
sd_spool_set_segment_size(struct sd_spool *sp, uint64_t bytes)
{
	/* The segment open now was sized before: take what the new size
	 * asks, no more. */
	if (sp->fd >= 0 && bytes < sp->seg_max) {
		spool_seg_trim(sp->fd);
		spool_seg_prealloc(sp->fd, bytes);
	}
	sp->seg_max = bytes;
}

char *
sd_spool_reserve(struct sd_spool *sp, size_t len)
{
	size_t ncap = sp->cap;
	char *nb;

	while (sp->len + len > ncap)
		ncap *= 2;
	if (ncap != sp->cap) {
		nb = realloc(sp->buf, ncap);
		if (nb == NULL)
			return NULL;
		sp->buf = nb;
		sp->cap = ncap;
	}
	return sp->buf + sp->len;
}

void
sd_spool_commit(struct sd_spool *sp, size_t n)
{
	sp->len += n;
}

int
sd_spool_append(struct sd_spool *sp, const char *line, size_t len)
{
	char *at = sd_spool_reserve(sp, len);

	if (at == NULL)
		return SD_ERR_NOMEM;
	memcpy(at, line, len);
	sd_spool_commit(sp, len);
	return SD_OK;
}

int
sd_spool_flush(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	size_t off = 0;
	ssize_t w;
	int rc = SD_OK;

	if (sp->fd < 0 && spool_open_next(sp, err) != SD_OK)
		return SD_ERR_INVAL;
	while (off < sp->len) {
		w = write(sp->fd, sp->buf + off, sp->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, SD_ERR_LEN, "%.200s: %s", sp->path,
			    strerror(errno));
			rc = SD_ERR_INVAL;
			break;
		}
		off += (size_t)w;
	}
	/* Lines written leave the buffer; the rest waits for a retry. A
	 * short write can cut a line: the retry appends its tail. */
	memmove(sp->buf, sp->buf + off, sp->len - off);
	sp->len -= off;
	sp->written += off;
	if (off > 0 && sp->fsync == SD_FSYNC_ALWAYS && fdatasync(sp->fd) != 0)
		rc = SD_ERR_INVAL;
	if (rc == SD_OK && sp->written >= sp->seg_max)
		rc = spool_open_next(sp, err);
	return rc;
}

int
sd_spool_rotate(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	if (sd_spool_flush(sp, err) != SD_OK)
		return SD_ERR_INVAL;
	return spool_open_next(sp, err);
}

void
sd_spool_tick(struct sd_spool *sp)
{
	int fd;

	if (sp->fsync != SD_FSYNC_EVERYSEC || sp->fd < 0 || sp->written == 0)
		return;
	fd = dup(sp->fd);
	if (fd >= 0)
		syncer_post(sp->syncer, fd);
}

size_t
sd_spool_pending(const struct sd_spool *sp)
{
	return sp->len;
}

const char *
sd_spool_segment(const struct sd_spool *sp)
{
	return sp->path;
}

/* Size on disk of segment seq. */
static uint64_t
spool_seg_size(const struct sd_spool *sp, uint32_t seq)
{
	char path[4096];
	struct stat st;

	if (seq == sp->seq)
		return sp->written;
	spool_seg_path(sp, seq, path, sizeof(path));
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

uint64_t
sd_spool_backlog(struct sd_spool *sp, const struct sd_spool_pos *pos)
{
	uint64_t n = sp->len;
	uint32_t seq;

	for (seq = pos->seq; seq <= sp->seq; seq++)
		n += spool_seg_size(sp, seq);
	return n > pos->off ? n - pos->off : 0;
}

static void
cursor_path(const struct sd_spool_reader *r, char *buf, size_t len,
    int tmp)
{
	snprintf(buf, len, "%s/%s.cursor%s", r->sp->dir, r->name,
	    tmp ? ".tmp" : "");
}

/* Write the cursor: a temporary file renamed over the old one, so a
 * crash leaves either cursor, never half of one. */
static void
cursor_save(struct sd_spool_reader *r)
{
	char path[4096], tmp[4096], line[64];
	int fd, n;

	cursor_path(r, path, sizeof(path), 0);
	cursor_path(r, tmp, sizeof(tmp), 1);
	n = snprintf(line, sizeof(line), "%u %llu\n", r->acked.seq,
	    (unsigned long long)r->acked.off);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) == n &&
	    (r->sp->fsync != SD_FSYNC_ALWAYS || fdatasync(fd) == 0)) {
		close(fd);
		rename(tmp, path);
	} else {
		close(fd);
		unlink(tmp);
	}
	r->dirty = 0;
	r->saved_mono = sd_mono_ns();
}

int
sd_spool_reader_init(struct sd_spool_reader *r, struct sd_spool *sp,
    const char *name, char err[SD_ERR_LEN])
{
	char path[4096];
	unsigned seq;
	unsigned long long off;
	FILE *fp;

	memset(r, 0, sizeof(*r));
	r->sp = sp;
	r->fd = -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->acked.seq = sp->first_seq;
	cursor_path(r, path, sizeof(path), 0);
	fp = fopen(path, "r");
	if (fp != NULL) {
		if (fscanf(fp, "%u %llu", &seq, &off) == 2 && seq >= 1 &&
		    seq <= sp->seq) {
			r->acked.seq = seq;
			r->acked.off = off;
		}
		fclose(fp);
	} else if (errno != ENOENT) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		return SD_ERR_INVAL;
	}
	r->pos = r->acked;
	return SD_OK;
}

void
sd_spool_reader_done(struct sd_spool_reader *r)
{
	if (r->sp == NULL)
		return;
	if (r->dirty)
		cursor_save(r);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->sp = NULL;
}

/* Open the segment r->pos names; 0 when it is there. */
static int
reader_open(struct sd_spool_reader *r)
{
	char path[4096];

	if (r->fd >= 0 && r->fd_seq == r->pos.seq)
		return 0;
	if (r->fd >= 0)
		close(r->fd);
	spool_seg_path(r->sp, r->pos.seq, path, sizeof(path));
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	r->fd_seq = r->pos.seq;
	return r->fd >= 0 ? 0 : -1;
}

/* The last newline in buf[0..n), or NULL. */
static char *
spool_last_nl(char *buf, size_t n)
{
	while (n > 0) {
		if (buf[--n] == '\n')
			return buf + n;
	}
	return NULL;
}

int
sd_spool_reader_read(struct sd_spool_reader *r, char *buf, size_t cap,
    size_t *len, struct sd_spool_pos *at, char err[SD_ERR_LEN])
{
	const struct sd_spool *sp = r->sp;
	ssize_t n;
	char *nl;

	*len = 0;
	for (;;) {
		if (reader_open(r) != 0) {
			if (r->pos.seq >= sp->seq) {
				snprintf(err, SD_ERR_LEN, "segment %u: %s",
				    r->pos.seq, strerror(errno));
				return SD_ERR_INVAL;
			}
			r->pos.seq++;	/* removed by hand: go on */
			r->pos.off = 0;
			continue;
		}
		n = pread(r->fd, buf, cap, (off_t)r->pos.off);
		if (n < 0) {
			snprintf(err, SD_ERR_LEN, "segment %u: %s", r->pos.seq,
			    strerror(errno));
			return SD_ERR_INVAL;
		}
		nl = spool_last_nl(buf, (size_t)n);
		if (nl != NULL) {
			*at = r->pos;
			*len = (size_t)(nl - buf) + 1;
			r->pos.off += *len;
			return SD_OK;
		}
		if (r->pos.seq >= sp->seq)
			return SD_OK;	/* nothing new yet */
		/* A closed segment ends here; a torn last line (a crash in
		 * mid-write) is skipped. */
		if (n > 0)
			r->torn++;
		r->pos.seq++;
		r->pos.off = 0;
	}
}

void
sd_spool_reader_ack(struct sd_spool_reader *r,
    const struct sd_spool_pos *pos, int force)
{
	/* Deliveries confirmed after a drop-oldest lie behind the cursor:
	 * it never moves back. */
	if (pos->seq < r->acked.seq ||
	    (pos->seq == r->acked.seq && pos->off <= r->acked.off))
		return;
	r->acked = *pos;
	r->dirty = 1;
	if (force || sd_mono_ns() - r->saved_mono >= SD_CURSOR_SAVE_NS)
		cursor_save(r);
}

void
sd_spool_reader_rewind(struct sd_spool_reader *r)
{
	r->pos = r->acked;
}

uint64_t
sd_spool_reader_drop_oldest(struct sd_spool_reader *r)
{
	uint64_t bytes = spool_seg_size(r->sp, r->acked.seq);
	struct sd_spool_pos next = { r->acked.seq + 1, 0 };
	char err[SD_ERR_LEN];

	if (r->acked.seq >= r->sp->seq &&
	    sd_spool_rotate(r->sp, err) != SD_OK)
		return 0;
	bytes = bytes > r->acked.off ? bytes - r->acked.off : 0;
	sd_spool_reader_ack(r, &next, 1);
	if (r->pos.seq < next.seq)
		r->pos = next;
	/* Lines of the store are about 70 bytes: an estimate, said so. */
	return (bytes + 69) / 70;
}
