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
#include "sd_spoolrange.h"
#include "sd_spoolcount.h"
#include "sd_spoolw.h"

#define SD_CURSOR_SAVE_NS	(200LL * 1000000)
#define SD_RETRY_NS		(20LL * 1000000)	/* failed writes */
#define SD_SPOOL_BUF		(2u << 20)	/* a fresh buffer */

/* The removal helper: it unlinks segments retention gave up, so the
 * unlink() of a large file never stalls the loop. No socket is touched
 * off the loop. (Writes and syncs are the writer's, sd_spoolw.c.) */
struct spool_syncer {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 quit;
	const char	*dir;		/* the spool's, outlives the thread */
	uint32_t	 rm[SD_SPOOL_RM_QUEUE];	/* segments to unlink */
	size_t		 rm_head;
	size_t		 rm_len;
};

/* A segment of the spool: kept in a list read once at start and then
 * maintained as segments come and go, so nothing asks the disk about
 * segment numbers (a planted readings-99999999.lp costs nothing). */
struct spool_seg {
	uint32_t	 seq;
	uint64_t	 base;		/* spool bytes before it */
	uint64_t	 size;		/* the open one: sp->written */
	int64_t		 mtime;		/* seconds: its last write */
	/* Its lines, once counted (this run's as they are written; an
	 * earlier run's by the census), and the number of its first line:
	 * this run's first segment's is 0, an earlier one's negative. */
	uint64_t	 lines;
	int64_t		 lbase;
	int		 counted;
};

/* A cursor file found at start: until a reader of that name starts, its
 * sink is not configured this run, and where the file says it stands
 * holds retention back as the reader's saved cursor would. */
struct spool_hold {
	char			 name[32];
	struct sd_spool_pos	 pos;
	int			 all;	/* untrusted: hold every segment */
	char			 why[SD_ERR_LEN];
};

/* What the loop knows is on disk (seq, written, path, the list) moves
 * when the writer says a job is done; what it handed the writer but is
 * not done yet (sub_*) is ahead of it, never read. */
struct sd_spool {
	char			*dir;
	char			 path[4096];
	int			 fd;		/* the writer's once it runs */
	uint32_t		 seq;		/* newest segment written to */
	uint64_t		 torn;		/* bytes cut off at start */
	uint64_t		 written;	/* bytes in it on disk */
	uint64_t		 seg_max;
	char			*buf;		/* lines not yet handed over */
	size_t			 len;
	size_t			 cap;
	enum sd_fsync_mode	 fsync;
	struct spool_syncer	*syncer;
	struct sd_spoolw	*w;
	uint32_t		 sub_seq;	/* segment of the last job */
	uint64_t		 sub_written;	/* bytes handed over for it */
	uint64_t		 sub_total;	/* handed over, this run */
	uint64_t		 done_total;	/* of them, on disk */
	size_t			 nrot;		/* segment switches in flight */
	int			 rotate_req;
	int64_t			 retry_mono;	/* a failed write retried */
	struct spool_seg	*segs;		/* by seq; the last is open */
	size_t			 nsegs;
	size_t			 segs_cap;
	uint32_t		 max_seq;	/* highest name, any type */
	struct sd_spool_reader	*readers[SD_SPOOL_READERS];
	size_t			 nreaders;
	uint64_t		 retain_bytes;
	uint64_t		 retain_secs;	/* 0: no age limit */
	struct spool_hold	 holds[SD_SPOOL_HOLDS];
	size_t			 nholds;
	int			 holds_over;	/* more files: hold all */
	char			 notes[SD_SPOOL_NOTES][SD_ERR_LEN];
	size_t			 nnotes;
	char			 slots[SD_SPOOLW_FILES][32]; /* readers' */
	struct sd_spoolcount	*counter;	/* lines, off the loop */
	size_t			 census_n;	/* segments it counts */
	uint64_t		 buf_lines;	/* lines in buf */
	uint64_t		 job_lines[SD_SPOOLW_SLOTS]; /* in flight */
	size_t			 job_head;
	size_t			 njobs;
	uint64_t		 lines_done;	/* on disk, this run */
};

/* Unlink one queued segment (called with the lock released). */
static void
syncer_unlink(const struct spool_syncer *s, uint32_t seq)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/readings-%08u.lp", s->dir, seq);
	if (unlink(path) != 0)
		errno = 0;	/* gone already: what was wanted */
}

/* The helper thread: segment removals. */
static void *
syncer_main(void *arg)
{
	struct spool_syncer *s = arg;
	uint32_t seq;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->rm_len == 0 && !s->quit)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->rm_len == 0 && s->quit)
			break;
		seq = s->rm[s->rm_head];
		s->rm_head = (s->rm_head + 1) % SD_SPOOL_RM_QUEUE;
		s->rm_len--;
		pthread_mutex_unlock(&s->lock);
		syncer_unlink(s, seq);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Start the helper thread for the spool in dir. */
static struct spool_syncer *
syncer_start(const char *dir)
{
	struct spool_syncer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->dir = dir;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, syncer_main, s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Queue segment seq for removal; 0 when the queue is full. */
static int
syncer_post_unlink(struct spool_syncer *s, uint32_t seq)
{
	int ok;

	pthread_mutex_lock(&s->lock);
	ok = s->rm_len < SD_SPOOL_RM_QUEUE;
	if (ok) {
		s->rm[(s->rm_head + s->rm_len) % SD_SPOOL_RM_QUEUE] = seq;
		s->rm_len++;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/* Finish what is queued, then stop the thread. */
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

static void spool_retain(struct sd_spool *);
static void spool_holds_load(struct sd_spool *);
static int cursor_save(struct sd_spool_reader *, char [SD_ERR_LEN]);
static void cursor_request(struct sd_spool_reader *);
static void cursor_done(struct sd_spool *);
static void spool_lines_tick(struct sd_spool *);

static void
spool_seg_path(const struct sd_spool *sp, uint32_t seq, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s/readings-%08u.lp", sp->dir, seq);
}

int64_t
sd_spool_seq_of(const char *name)
{
	char digits[16], again[16];
	size_t n;
	uint64_t v;

	if (strncmp(name, "readings-", 9) != 0)
		return -1;
	name += 9;
	n = strspn(name, "0123456789");
	if (n < 8 || n >= sizeof(digits) || strcmp(name + n, ".lp") != 0)
		return -1;
	memcpy(digits, name, n);
	digits[n] = '\0';
	if (sd_parse_u64(digits, 1, UINT32_MAX, &v) != SD_OK)
		return -1;
	snprintf(again, sizeof(again), "%08u", (unsigned)v);
	return strcmp(again, digits) == 0 ? (int64_t)v : -1;
}

int
sd_spool_cursor_of(const char *entry, char name[32])
{
	size_t n = strlen(entry);

	if (n <= 7 || n - 7 >= 32 || strcmp(entry + n - 7, ".cursor") != 0)
		return 0;
	n -= 7;
	if (strspn(entry, "abcdefghijklmnopqrstuvwxyz0123456789_-") < n)
		return 0;
	memcpy(name, entry, n);
	name[n] = '\0';
	return 1;
}

/* Keep a cursor file found at start, read once the spool is open; past
 * SD_SPOOL_HOLDS of them, every segment is held. */
static void
spool_hold_add(struct sd_spool *sp, const char *name)
{
	if (sp->nholds == SD_SPOOL_HOLDS) {
		sp->holds_over = 1;
		return;
	}
	snprintf(sp->holds[sp->nholds++].name, sizeof(sp->holds[0].name),
	    "%s", name);
}

/* Keep a line for the server to log at start (the first few). */
static void
spool_note(struct sd_spool *sp, const char *what)
{
	if (sp->nnotes < SD_SPOOL_NOTES)
		snprintf(sp->notes[sp->nnotes++], SD_ERR_LEN, "%s", what);
}

/* Order segments by number, for qsort(). */
static int
seg_cmp(const void *a, const void *b)
{
	const struct spool_seg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Room for one more segment in the list, and for the switches in
 * flight; SD_ERR_NOSPACE at the cap. */
static int
spool_segs_grow(struct sd_spool *sp)
{
	size_t ncap = sp->segs_cap ? sp->segs_cap * 2 : 64;
	size_t need = sp->nsegs + sp->nrot;
	struct spool_seg *n;

	if (need < sp->segs_cap)
		return SD_OK;
	if (need >= SD_SPOOL_SEGS_MAX)
		return SD_ERR_NOSPACE;
	if (ncap > SD_SPOOL_SEGS_MAX)
		ncap = SD_SPOOL_SEGS_MAX;
	n = realloc(sp->segs, ncap * sizeof(*n));
	if (n == NULL)
		return SD_ERR_NOMEM;
	sp->segs = n;
	sp->segs_cap = ncap;
	return SD_OK;
}

/* Read the directory once: every regular segment into the list (by
 * number, sizes stacked into bases); anything else that carries a
 * segment's name is never read nor written, and said. Cursor files are
 * kept as holds, every sink's, until readers start. */
static int
spool_scan(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	struct dirent *de;
	struct stat st;
	char why[SD_ERR_LEN], name[32];
	int64_t seq;
	size_t i;
	DIR *d = opendir(sp->dir);

	if (d == NULL) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", sp->dir,
		    strerror(errno));
		return SD_ERR_INVAL;
	}
	while ((de = readdir(d)) != NULL) {
		if (sd_spool_cursor_of(de->d_name, name)) {
			spool_hold_add(sp, name);
			continue;
		}
		seq = sd_spool_seq_of(de->d_name);
		if (seq < 0)
			continue;
		if ((uint32_t)seq > sp->max_seq)
			sp->max_seq = (uint32_t)seq;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
			snprintf(why, sizeof(why), "spool: %.120s/%.40s is "
			    "not a regular file: skipped", sp->dir,
			    de->d_name);
			spool_note(sp, why);
			continue;
		}
		if (spool_segs_grow(sp) != SD_OK) {
			snprintf(err, SD_ERR_LEN, "%.200s: more than %u "
			    "segments", sp->dir, SD_SPOOL_SEGS_MAX);
			closedir(d);
			return SD_ERR_NOSPACE;
		}
		sp->segs[sp->nsegs++] = (struct spool_seg){ .seq =
		    (uint32_t)seq, .size = (uint64_t)st.st_size, .mtime =
		    (int64_t)st.st_mtime };
	}
	closedir(d);
	if (sp->nsegs > 1)
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
	for (i = 1; i < sp->nsegs; i++)
		sp->segs[i].base = sp->segs[i - 1].base +
		    sp->segs[i - 1].size;
	return SD_OK;
}

/* Index of the first listed segment numbered seq or more (nsegs when
 * none): a binary search. */
static size_t
spool_seg_find(const struct sd_spool *sp, uint32_t seq)
{
	size_t lo = 0, hi = sp->nsegs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sp->segs[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The listed segment seq, or NULL. */
static struct spool_seg *
spool_seg_get(const struct sd_spool *sp, uint32_t seq)
{
	size_t i = spool_seg_find(sp, seq);

	return i < sp->nsegs && sp->segs[i].seq == seq ? &sp->segs[i] : NULL;
}

/* The first listed segment after seq (0 when none). */
static uint32_t
spool_seg_next(const struct sd_spool *sp, uint32_t seq)
{
	size_t i;

	if (seq == UINT32_MAX)
		return 0;
	i = spool_seg_find(sp, seq + 1);
	return i < sp->nsegs ? sp->segs[i].seq : 0;
}

/* A crash in mid-write leaves the last segment ending in part of a line
 * (never acknowledged: acks follow whole writes). Cut it off, so the
 * files stay line protocol that other tools read; sp->torn says how
 * many bytes went. */
static void
spool_repair_tail(struct sd_spool *sp, struct spool_seg *seg)
{
	char path[4096], buf[4096];
	struct stat st;
	off_t end, at;
	ssize_t n, i;
	int fd;

	spool_seg_path(sp, seg->seq, path, sizeof(path));
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	sd_spoolw_trim(fd);	/* a crash leaves its preallocation */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
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
	if (at < end && ftruncate(fd, at) == 0) {
		sp->torn = (uint64_t)(end - at);
		end = at;
	}
	seg->size = (uint64_t)end;
out:
	close(fd);
}

uint64_t
sd_spool_torn(const struct sd_spool *sp)
{
	return sp->torn;
}

void
sd_spool_usage(const struct sd_spool *sp, uint64_t *bytes, uint64_t *segs)
{
	*segs = sp->nsegs;
	*bytes = 0;
	if (sp->nsegs > 0)
		*bytes = sp->segs[sp->nsegs - 1].base + sp->written -
		    sp->segs[0].base;
}

/* The closing segment's final size and time, into the list. */
static void
spool_seg_close(struct sd_spool *sp)
{
	struct spool_seg *seg = spool_seg_get(sp, sp->seq);

	if (seg == NULL)
		return;
	seg->size = sp->written;
	seg->mtime = sd_now_ns() / 1000000000;
}

/* The number of the next segment: above every name in the directory
 * and every segment handed to the writer. */
static uint32_t
spool_next_seq(const struct sd_spool *sp)
{
	uint32_t seq = sp->sub_seq > sp->seq ? sp->sub_seq : sp->seq;

	return (seq > sp->max_seq ? seq : sp->max_seq) + 1;
}

/* Start this run's segment, at start (the writer takes it over). Each
 * run starts a new one, so a segment a crash cut mid-line is never
 * appended to. Created (never opened through a link), mode 0640 whatever
 * the umask. */
static int
spool_open_first(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	uint32_t seq = spool_next_seq(sp);
	struct spool_seg *last;
	char path[4096];
	int fd;

	if (spool_segs_grow(sp) != SD_OK || seq == 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: no room for another "
		    "segment", sp->dir);
		return SD_ERR_NOSPACE;
	}
	spool_seg_path(sp, seq, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd < 0 || fchmod(fd, 0640) != 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SD_ERR_INVAL;
	}
	sd_spoolw_prealloc(fd, sp->seg_max);
	last = sp->nsegs > 0 ? &sp->segs[sp->nsegs - 1] : NULL;
	sp->segs[sp->nsegs++] = (struct spool_seg){ .seq = seq,
	    .base = last != NULL ? last->base + last->size : 0,
	    .mtime = sd_now_ns() / 1000000000, .counted = 1 };
	sp->seq = sp->sub_seq = seq;
	memcpy(sp->path, path, sizeof(sp->path));
	sp->fd = fd;
	sp->written = 0;
	return SD_OK;
}

/* Have the segments an earlier run left counted, off the loop: every
 * listed one but this run's first. */
static int
spool_census(struct sd_spool *sp)
{
	uint32_t *seq;
	uint64_t *size;
	size_t i, n = sp->nsegs - 1;
	int rc;

	if (n == 0)
		return SD_OK;
	seq = calloc(n, sizeof(*seq));
	size = calloc(n, sizeof(*size));
	rc = SD_ERR_NOMEM;
	if (seq != NULL && size != NULL) {
		for (i = 0; i < n; i++) {
			seq[i] = sp->segs[i].seq;
			size[i] = sp->segs[i].size;
		}
		rc = sd_spoolcount_census(sp->counter, seq, size, n);
	}
	sp->census_n = n;
	free(seq);
	free(size);
	return rc;
}

/* The census is done: the earlier run's segments still listed (the
 * last of those it counted: retention takes the oldest first) get
 * their lines, and numbers back from this run's first line. */
static void
spool_census_apply(struct sd_spool *sp)
{
	uint64_t *lines;
	size_t m = 0, i;

	if (!sd_spoolcount_census_take(sp->counter, &lines))
		return;
	while (m < sp->nsegs && !sp->segs[m].counted)
		m++;
	for (i = m; i > 0 && m <= sp->census_n; i--) {
		sp->segs[i - 1].lines = lines[sp->census_n - m + i - 1];
		sp->segs[i - 1].lbase = sp->segs[i].lbase -
		    (int64_t)sp->segs[i - 1].lines;
		sp->segs[i - 1].counted = 1;
	}
	free(lines);
}

/* A repair "sockdeckd spool repair" did not finish leaves its journal:
 * the segments or the cursors may be the old ones or the new, and only
 * the repair knows which; the server does not start on them. */
static int
spool_journal_check(const struct sd_spool *sp, char err[SD_ERR_LEN])
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sp->dir, SD_SPOOL_JOURNAL);
	if (lstat(path, &st) != 0)
		return SD_OK;
	snprintf(err, SD_ERR_LEN, "%.150s: a spool repair was interrupted; "
	    "finish it first: sockdeckd spool repair", path);
	return SD_ERR_INVAL;
}

/* Free the parts of sp (its helper thread stopped). */
static void
spool_release(struct sd_spool *sp)
{
	sd_spoolcount_free(sp->counter);
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->segs);
	free(sp->dir);
	free(sp->buf);
	free(sp);
}

struct sd_spool *
sd_spool_new(const char *dir, char err[SD_ERR_LEN])
{
	struct sd_spool *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		goto nomem;
	sp->fd = -1;
	sp->seg_max = SD_SPOOL_SEGMENT;
	sp->cap = SD_SPOOL_BUF;
	sp->retain_bytes = SD_SPOOL_RETAIN;
	sp->dir = strdup(dir);
	sp->buf = malloc(sp->cap);
	if (sp->dir == NULL || sp->buf == NULL)
		goto nomem;
	if (mkdir(dir, 0750) == 0)
		chmod(dir, 0750);
	else if (errno != EEXIST) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", dir, strerror(errno));
		goto fail;
	}
	if (spool_journal_check(sp, err) != SD_OK ||
	    spool_scan(sp, err) != SD_OK)
		goto fail;
	if (sp->nsegs > 0) {
		sp->seq = sp->segs[sp->nsegs - 1].seq;
		spool_repair_tail(sp, &sp->segs[sp->nsegs - 1]);
	}
	if (spool_open_first(sp, err) != SD_OK)
		goto fail;
	spool_holds_load(sp);
	sp->counter = sd_spoolcount_new(sp->dir);
	if (sp->counter == NULL || spool_census(sp) != SD_OK)
		goto nomem;
	sp->syncer = syncer_start(sp->dir);
	if (sp->syncer == NULL)
		goto nomem;
	sp->w = sd_spoolw_new(sp->dir, sp->fd, sp->seq);
	if (sp->w == NULL) {
		syncer_stop(sp->syncer);
		goto nomem;
	}
	return sp;
nomem:
	snprintf(err, SD_ERR_LEN, "out of memory");
fail:
	if (sp != NULL)
		spool_release(sp);
	return NULL;
}

void
sd_spool_free(struct sd_spool *sp)
{
	char err[SD_ERR_LEN];

	if (sp == NULL)
		return;
	sd_spool_flush(sp, err);
	if (sp->w != NULL)
		sp->fd = sd_spoolw_free(sp->w);
	syncer_stop(sp->syncer);
	/* Lines the writer had no slot for: written here, once (the
	 * writer is gone, this is the shutdown). */
	if (sp->fd >= 0 && sp->len > 0 &&
	    write(sp->fd, sp->buf, sp->len) < 0)
		errno = 0;
	if (sp->fd >= 0) {
		sd_spoolw_trim(sp->fd);
		if (sp->fsync != SD_FSYNC_NO)
			fdatasync(sp->fd);
	}
	spool_release(sp);
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
	 * asks, no more (before the first job, the writer has not touched
	 * its descriptor yet; after, the next segment takes the size). */
	if (sp->fd >= 0 && sp->sub_total == 0 && bytes < sp->seg_max) {
		sd_spoolw_trim(sp->fd);
		sd_spoolw_prealloc(sp->fd, bytes);
	}
	sp->seg_max = bytes;
}

char *
sd_spool_reserve(struct sd_spool *sp, size_t len)
{
	size_t ncap = sp->cap ? sp->cap : SD_SPOOL_BUF;
	char *nb;

	while (sp->len + len > ncap)
		ncap *= 2;
	if (ncap != sp->cap || sp->buf == NULL) {
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
	sp->buf_lines++;
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

/* The segment the next job starts (0: it goes on with the last): a new
 * one past the segment size or when asked, unless the list is full. */
static uint32_t
spool_job_seq(struct sd_spool *sp)
{
	uint32_t seq = spool_next_seq(sp);

	if (!sp->rotate_req && sp->sub_written < sp->seg_max)
		return 0;
	if (seq == 0 || spool_segs_grow(sp) != SD_OK)
		return 0;	/* the open one goes on growing */
	return seq;
}

int
sd_spool_flush(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	uint32_t seq;
	size_t len = sp->len;

	if (len > 0 || sp->rotate_req) {
		seq = spool_job_seq(sp);
		if (sd_spoolw_submit(sp->w, &sp->buf, &sp->cap, len, seq,
		    sp->seg_max, (int)sp->fsync) == SD_OK) {
			if (seq != 0) {
				sp->sub_seq = seq;
				sp->sub_written = 0;
				sp->nrot++;
			}
			sp->rotate_req = 0;
			sp->job_lines[(sp->job_head + sp->njobs++) %
			    SD_SPOOLW_SLOTS] = sp->buf_lines;
			sp->buf_lines = 0;
			sp->sub_written += len;
			sp->sub_total += len;
			sp->len = 0;
		}
	}
	if (sd_spoolw_error(sp->w, err) == 0)
		return SD_OK;
	/* A failed write is tried again, at most every SD_RETRY_NS. */
	if (sd_mono_ns() - sp->retry_mono >= SD_RETRY_NS) {
		sp->retry_mono = sd_mono_ns();
		sd_spoolw_retry(sp->w);
	}
	return SD_ERR_INVAL;
}

int
sd_spool_wake_fd(const struct sd_spool *sp)
{
	return sd_spoolw_fd(sp->w);
}

/* A job that began segment seq is done: the one before is closed, the
 * new one listed (its room was taken when the job was handed over). */
static void
spool_seg_begun(struct sd_spool *sp, uint32_t seq)
{
	const struct spool_seg *last = &sp->segs[sp->nsegs - 1];

	spool_seg_close(sp);
	sp->segs[sp->nsegs++] = (struct spool_seg){ .seq = seq,
	    .base = last->base + last->size,
	    .mtime = sd_now_ns() / 1000000000,
	    .lines = 0, .lbase = last->lbase + (int64_t)last->lines,
	    .counted = 1 };
	sp->seq = seq;
	spool_seg_path(sp, seq, sp->path, sizeof(sp->path));
	sp->written = 0;
	sp->nrot--;
}

uint64_t
sd_spool_collect(struct sd_spool *sp)
{
	struct sd_spoolw_done d;
	struct spool_seg *seg;
	uint64_t n = 0;

	sd_spoolw_drain(sp->w);
	while (sd_spoolw_collect(sp->w, &d)) {
		if (d.new_seq != 0)
			spool_seg_begun(sp, d.new_seq);
		sp->written += d.len;
		sp->done_total += d.len;
		n += d.len;
		seg = &sp->segs[sp->nsegs - 1];
		seg->size = sp->written;
		/* Jobs come back in the order they went, each wholly in
		 * one segment: its lines are that segment's. */
		if (sp->njobs > 0) {
			seg->lines += sp->job_lines[sp->job_head];
			sp->lines_done += sp->job_lines[sp->job_head];
			sp->job_head = (sp->job_head + 1) % SD_SPOOLW_SLOTS;
			sp->njobs--;
		}
		seg->mtime = sd_now_ns() / 1000000000;
	}
	cursor_done(sp);
	return n;
}

uint64_t
sd_spool_appended(const struct sd_spool *sp)
{
	return sp->sub_total + sp->len;
}

uint64_t
sd_spool_done(const struct sd_spool *sp)
{
	return sp->done_total;
}

size_t
sd_spool_buffered(const struct sd_spool *sp)
{
	return sp->len;
}

int
sd_spool_rotate(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	/* One switch at a time: until it is done, the reader that asked
	 * sees the old segment as the last, and asks again. */
	if (sp->rotate_req || sp->sub_seq != sp->seq)
		return SD_OK;
	sp->rotate_req = 1;
	return sd_spool_flush(sp, err);
}

void
sd_spool_tick(struct sd_spool *sp)
{
	size_t i;

	/* A cursor that moved since its last save is saved now, even when
	 * no more deliveries come to save it: retention goes by it. */
	for (i = 0; i < sp->nreaders; i++) {
		if (sp->readers[i]->dirty)
			cursor_request(sp->readers[i]);
	}
	spool_retain(sp);
	spool_lines_tick(sp);
	if (sp->fsync == SD_FSYNC_EVERYSEC && sp->done_total > 0)
		sd_spoolw_sync(sp->w);
}

size_t
sd_spool_pending(const struct sd_spool *sp)
{
	return sp->len + (size_t)(sp->sub_total - sp->done_total);
}

const char *
sd_spool_segment(const struct sd_spool *sp)
{
	return sp->path;
}

/* Size of segment seq, from the list (0 when it is not listed). */
static uint64_t
spool_seg_size(const struct sd_spool *sp, uint32_t seq)
{
	const struct spool_seg *seg = spool_seg_get(sp, seq);

	if (seq == sp->seq)
		return sp->written;
	return seg != NULL ? seg->size : 0;
}

/* Where pos lies in the whole spool, in bytes from the oldest listed
 * segment's base (a position in no listed segment counts from the next
 * one's start, so nothing after it is ever left out). */
static uint64_t
spool_abs(const struct sd_spool *sp, const struct sd_spool_pos *pos)
{
	size_t i = spool_seg_find(sp, pos->seq);
	const struct spool_seg *seg;
	uint64_t size;

	if (i == sp->nsegs)
		return sp->segs[sp->nsegs - 1].base + sp->written;
	seg = &sp->segs[i];
	if (seg->seq != pos->seq)
		return seg->base;
	size = seg->seq == sp->seq ? sp->written : seg->size;
	return seg->base + (pos->off < size ? pos->off : size);
}

uint64_t
sd_spool_backlog(struct sd_spool *sp, const struct sd_spool_pos *pos)
{
	uint64_t end = sp->segs[sp->nsegs - 1].base + sp->written;

	return end - spool_abs(sp, pos) + sd_spool_pending(sp);
}

size_t
sd_spool_nnotes(const struct sd_spool *sp)
{
	return sp->nnotes;
}

const char *
sd_spool_note_text(const struct sd_spool *sp, size_t i)
{
	return i < sp->nnotes ? sp->notes[i] : "";
}

void
sd_spool_set_retain(struct sd_spool *sp, uint64_t bytes, uint64_t secs)
{
	sp->retain_bytes = bytes;
	sp->retain_secs = secs;
}

/* How many of the oldest segments lie behind every cursor saved on
 * disk: every reader's, and every cursor file of a sink not configured
 * this run (with neither: every closed segment). The segment a saved
 * cursor names stays, so a restart, even after a kill, finds it; a
 * cursor file that cannot be trusted holds them all; the open segment
 * never goes. */
static size_t
spool_delivered(const struct sd_spool *sp)
{
	size_t d = sp->nsegs - 1, i, k;

	if (sp->holds_over)
		return 0;
	for (i = 0; i < sp->nreaders; i++) {
		k = spool_seg_find(sp, sp->readers[i]->saved.seq);
		if (k < d)
			d = k;
	}
	for (i = 0; i < sp->nholds; i++) {
		k = sp->holds[i].all ? 0 :
		    spool_seg_find(sp, sp->holds[i].pos.seq);
		if (k < d)
			d = k;
	}
	return d;
}

/* Remove delivered segments, oldest first, past --spool-retain (bytes
 * of delivered segments kept) or --spool-retain-age; empty delivered
 * ones go at once. At most a queue's worth per call; the unlinks run on
 * the helper thread. */
static void
spool_retain(struct sd_spool *sp)
{
	int64_t now = sd_now_ns() / 1000000000;
	size_t d = spool_delivered(sp), n = 0;
	const struct spool_seg *old;
	uint64_t kept;

	while (n < d && n < SD_SPOOL_RM_QUEUE) {
		old = &sp->segs[n];
		kept = sp->segs[d].base - old->base;
		if (old->size > 0 && kept <= sp->retain_bytes &&
		    (sp->retain_secs == 0 ||
		    now - old->mtime <= (int64_t)sp->retain_secs))
			break;
		if (!syncer_post_unlink(sp->syncer, old->seq))
			break;
		n++;
	}
	if (n == 0)
		return;
	memmove(sp->segs, sp->segs + n, (sp->nsegs - n) * sizeof(*sp->segs));
	sp->nsegs -= n;
}

/* What reading a cursor file found (sd_spool.h). */
enum {
	CURSOR_GONE = SD_SPOOL_CURSOR_GONE,
	CURSOR_BAD = SD_SPOOL_CURSOR_BAD,
	CURSOR_NONE = SD_SPOOL_CURSOR_NONE,
	CURSOR_OK = SD_SPOOL_CURSOR_OK
};

/* The cursor file of the sink name. */
static void
cursor_path(const struct sd_spool *sp, const char *name, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s/%s.cursor", sp->dir, name);
}

/* The cursor file's name and text for position pos; the text's length. */
static size_t
cursor_text(const struct sd_spool_reader *r, const struct sd_spool_pos *pos,
    char name[SD_SPOOLW_FILE_MAX], char line[SD_SPOOLW_FILE_MAX])
{
	snprintf(name, SD_SPOOLW_FILE_MAX, "%s.cursor", r->name);
	return (size_t)snprintf(line, SD_SPOOLW_FILE_MAX, "%u %llu\n",
	    pos->seq, (unsigned long long)pos->off);
}

/* Write the cursor now, on this thread (when the sink starts, before
 * the loop runs): a crash leaves either cursor, never half of one
 * (sd_spoolw_replace_now). SD_OK, or an error with why. */
static int
cursor_save(struct sd_spool_reader *r, char why[SD_ERR_LEN])
{
	char name[SD_SPOOLW_FILE_MAX], line[SD_SPOOLW_FILE_MAX];
	size_t n = cursor_text(r, &r->acked, name, line);
	int rc = SD_OK;

	if (sd_spoolw_replace_now(r->sp->dir, name, line, n,
	    (int)r->sp->fsync, why) == 0)
		r->saved = r->acked;
	else
		rc = SD_ERR_INVAL;
	r->dirty = 0;
	r->saved_mono = sd_mono_ns();
	return rc;
}

/* The writer's file slot for the reader called name: the one it had (a
 * sink started again), else a free one; -1 when there is none. */
static int
cursor_slot(struct sd_spool *sp, const char *name)
{
	int i, free_slot = -1;

	for (i = 0; i < SD_SPOOLW_FILES; i++) {
		if (strcmp(sp->slots[i], name) == 0)
			return i;
		if (free_slot < 0 && sp->slots[i][0] == '\0')
			free_slot = i;
	}
	if (free_slot >= 0)
		snprintf(sp->slots[free_slot], sizeof(sp->slots[0]), "%s",
		    name);
	return free_slot;
}

/* Save the cursor on the spool's writer, so the loop never waits for the
 * disk (with --fsync always, a sync a save); r->saved moves when the
 * save is done (cursor_done). One save in flight a reader: asked again
 * meanwhile, the newest position follows when it is done. */
static void
cursor_request(struct sd_spool_reader *r)
{
	char name[SD_SPOOLW_FILE_MAX], line[SD_SPOOLW_FILE_MAX];
	char why[SD_ERR_LEN];
	size_t n;

	if (r->slot < 0) {
		cursor_save(r, why);	/* no slot: as the sink starts */
		return;
	}
	if (r->save_req != 0) {
		r->save_force = 1;
		return;
	}
	n = cursor_text(r, &r->acked, name, line);
	r->saving = r->acked;
	r->save_req = sd_spoolw_replace(r->sp->w, (unsigned)r->slot, name,
	    line, n, (int)r->sp->fsync);
	r->save_force = 0;
	r->dirty = 0;
	r->saved_mono = sd_mono_ns();
}

/* The writer finished saves: what they wrote is the saved cursor, and a
 * position asked for meanwhile is saved next. */
static void
cursor_done(struct sd_spool *sp)
{
	struct sd_spool_reader *r;
	char why[SD_ERR_LEN];
	size_t i;
	int err;

	for (i = 0; i < sp->nreaders; i++) {
		r = sp->readers[i];
		if (r->save_req == 0 || sd_spoolw_replaced(sp->w,
		    (unsigned)r->slot, &err, why) != r->save_req)
			continue;
		r->save_req = 0;
		if (err == 0)
			r->saved = r->saving;
		if (r->save_force)
			cursor_request(r);
	}
}

/* Open segment seq for reading: a regular file, never through a link;
 * -1 (errno set) otherwise. */
static int
spool_seg_open_read(const struct sd_spool *sp, uint32_t seq)
{
	char path[4096];
	struct stat st;
	int fd;

	spool_seg_path(sp, seq, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EISDIR;
		fd = -1;
	}
	return fd;
}

/* Is pos the start of a line of a listed segment? why says when not. */
static int
cursor_valid(const struct sd_spool *sp, const struct sd_spool_pos *pos,
    char why[SD_ERR_LEN])
{
	const struct spool_seg *seg = spool_seg_get(sp, pos->seq);
	char c = '\n';
	int fd, ok;

	if (seg == NULL || seg->seq == sp->seq) {
		snprintf(why, SD_ERR_LEN, "segment %u is not in the spool",
		    pos->seq);
		return 0;
	}
	if (pos->off > seg->size) {
		snprintf(why, SD_ERR_LEN, "offset %llu is past the end of "
		    "readings-%08u.lp (%llu bytes)",
		    (unsigned long long)pos->off, pos->seq,
		    (unsigned long long)seg->size);
		return 0;
	}
	if (pos->off == 0)
		return 1;
	fd = spool_seg_open_read(sp, pos->seq);
	ok = fd >= 0 && pread(fd, &c, 1, (off_t)pos->off - 1) == 1 &&
	    c == '\n';
	if (fd >= 0)
		close(fd);
	if (!ok)
		snprintf(why, SD_ERR_LEN, "offset %llu of readings-%08u.lp "
		    "is not the start of a line",
		    (unsigned long long)pos->off, pos->seq);
	return ok;
}

int
sd_spool_cursor_read(const char *path, struct sd_spool_pos *pos,
    char why[SD_ERR_LEN])
{
	char buf[64], *sp_at, *nl;
	struct stat st;
	uint64_t seq, off;
	ssize_t n;
	int fd;

	why[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return CURSOR_NONE;
	if (fd < 0) {
		snprintf(why, SD_ERR_LEN, "%s", strerror(errno));
		return CURSOR_BAD;
	}
	n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, SD_ERR_LEN, "not a regular file");
		return CURSOR_BAD;
	}
	buf[n] = '\0';
	sp_at = strchr(buf, ' ');
	nl = strchr(buf, '\n');
	if (n == 0 || sp_at == NULL || nl == NULL || nl[1] != '\0' ||
	    nl < sp_at) {
		snprintf(why, SD_ERR_LEN, "%s", n == 0 ? "empty" :
		    "not \"SEGMENT OFFSET\"");
		return CURSOR_BAD;
	}
	*sp_at = *nl = '\0';
	if (sd_parse_u64(buf, 1, UINT32_MAX, &seq) != SD_OK ||
	    sd_parse_u64(sp_at + 1, 0, INT64_MAX, &off) != SD_OK) {
		snprintf(why, SD_ERR_LEN, "not \"SEGMENT OFFSET\" "
		    "(%.40s %.40s)", buf, sp_at + 1);
		return CURSOR_BAD;
	}
	pos->seq = (uint32_t)seq;
	pos->off = off;
	return CURSOR_OK;
}

/* Read the cursor file of the sink name: CURSOR_OK with pos when it
 * holds "SEQ OFF\n" naming the start of a line in the spool; CURSOR_NONE
 * when there is none (why empty); CURSOR_GONE with pos and why when it
 * names a segment older than the one being written that is no longer
 * in the spool; CURSOR_BAD with why when it cannot be trusted. */
static int
cursor_load(const struct sd_spool *sp, const char *name,
    struct sd_spool_pos *pos, char why[SD_ERR_LEN])
{
	char path[4096];
	int got;

	cursor_path(sp, name, path, sizeof(path));
	got = sd_spool_cursor_read(path, pos, why);
	if (got != CURSOR_OK)
		return got;
	if (cursor_valid(sp, pos, why))
		return CURSOR_OK;
	return pos->seq < sp->seq && spool_seg_get(sp, pos->seq) == NULL ?
	    CURSOR_GONE : CURSOR_BAD;
}

/* Read each cursor file found at start, with a reader's checks, once
 * the segment being written is open (no cursor names it): a trusted one
 * holds from where it stands, any other from the oldest segment; one
 * deleted since the directory was read, not at all. */
static void
spool_holds_load(struct sd_spool *sp)
{
	char why[SD_ERR_LEN];
	struct spool_hold *h;
	size_t i = 0;
	int got;

	while (i < sp->nholds) {
		h = &sp->holds[i];
		got = cursor_load(sp, h->name, &h->pos, h->why);
		if (got == CURSOR_NONE) {
			*h = sp->holds[--sp->nholds];
			continue;
		}
		h->all = got != CURSOR_OK;
		i++;
	}
	if (!sp->holds_over)
		return;
	snprintf(why, sizeof(why), "spool: more than %d cursor files in "
	    "%.120s: every segment is kept; delete those of sinks gone for "
	    "good", SD_SPOOL_HOLDS, sp->dir);
	spool_note(sp, why);
}

/* A reader of the sink name starts: its own cursor stands for it. */
static void
spool_hold_drop(struct sd_spool *sp, const char *name)
{
	size_t i;

	for (i = 0; i < sp->nholds; i++) {
		if (strcmp(sp->holds[i].name, name) == 0) {
			sp->holds[i] = sp->holds[--sp->nholds];
			return;
		}
	}
}

size_t
sd_spool_nholds(const struct sd_spool *sp)
{
	return sp->nholds;
}

void
sd_spool_hold_text(const struct sd_spool *sp, size_t i,
    char text[SD_SPOOL_WARN_LEN])
{
	const struct spool_hold *h = &sp->holds[i];
	uint64_t end = sp->segs[sp->nsegs - 1].base + sp->written;
	char path[4096];

	cursor_path(sp, h->name, path, sizeof(path));
	if (h->all) {
		snprintf(text, SD_SPOOL_WARN_LEN, "spool: sink %s is not "
		    "configured and its cursor %.200s cannot be trusted "
		    "(%.120s): every segment is kept (%llu bytes so far), "
		    "whatever --spool-retain says, until the sink is "
		    "configured again; delete that file to drop the sink for "
		    "good and release them", h->name, path, h->why,
		    (unsigned long long)(end - sp->segs[0].base));
		return;
	}
	snprintf(text, SD_SPOOL_WARN_LEN, "spool: sink %s is not configured, "
	    "but its cursor %.200s says it has not delivered %llu bytes of "
	    "readings (from readings-%08u.lp, offset %llu): they and every "
	    "later reading are kept, whatever --spool-retain says, until the "
	    "sink is configured again; delete that file to drop the sink for "
	    "good and release them", h->name, path,
	    (unsigned long long)(end - spool_abs(sp, &h->pos)), h->pos.seq,
	    (unsigned long long)h->pos.off);
}

/* Older readings than this run's: something a new cursor must not skip. */
static int
spool_has_old(const struct sd_spool *sp)
{
	return sp->segs[sp->nsegs - 1].base > 0;
}

/* Why a reader starts at the oldest segment kept (r->acked), for its
 * warning: its cursor names segments removed since, so readings it had
 * not delivered were lost; or cannot be trusted; or is missing while
 * older readings are kept (no warning for a new sink of a new spool). */
static void
reader_warn(const struct sd_spool_reader *r, int got,
    const struct sd_spool_pos *pos, const char *why,
    char warn[SD_SPOOL_WARN_LEN])
{
	const struct sd_spool *sp = r->sp;
	char path[4096];
	uint32_t next, n;

	cursor_path(sp, r->name, path, sizeof(path));
	if (got == CURSOR_GONE) {
		next = sp->segs[spool_seg_find(sp, pos->seq)].seq;
		n = next - pos->seq;
		snprintf(warn, SD_SPOOL_WARN_LEN, "%s: cursor %.200s names "
		    "readings-%08u.lp, which is gone: readings this sink had "
		    "not delivered were lost (%u segment%s missing, "
		    "readings-%08u.lp from offset %llu to readings-%08u.lp, "
		    "removed by hand or while the sink was not configured; "
		    "their size is not known); delivering from the oldest "
		    "segment kept, readings-%08u.lp", r->name, path, pos->seq,
		    n, n == 1 ? "" : "s", pos->seq,
		    (unsigned long long)pos->off, next - 1, r->acked.seq);
	} else if (got == CURSOR_BAD)
		snprintf(warn, SD_SPOOL_WARN_LEN, "%s: cursor %.200s cannot be "
		    "trusted (%.200s): delivering again from the oldest "
		    "segment kept, readings-%08u.lp", r->name, path, why,
		    r->acked.seq);
	else if (spool_has_old(sp))
		snprintf(warn, SD_SPOOL_WARN_LEN, "%s: no cursor %.200s: "
		    "delivering from the oldest segment kept, "
		    "readings-%08u.lp", r->name, path, r->acked.seq);
}

/* Ask for the lines before r->acked in its segment (the counter has
 * a question free, or the next tick asks again); acks meanwhile are
 * added up in lines_since. */
static void
reader_count_ask(struct sd_spool_reader *r)
{
	if (r->counting)
		sd_spoolcount_cancel(r->sp->counter, r);
	r->counting = 0;
	r->lines_ok = 0;
	r->count_want = 1;
	if (sd_spoolcount_ask(r->sp->counter, r, r->acked.seq,
	    r->acked.off) != SD_OK)
		return;
	r->count_want = 0;
	r->counting = 1;
	r->count_have = 0;
	r->count_at = r->acked;
	r->lines_since = 0;
}

/* Where r stands in line numbers: known at once at the start of a
 * counted segment, else counted off the loop. */
static void
reader_lines_start(struct sd_spool_reader *r)
{
	const struct spool_seg *seg = spool_seg_get(r->sp, r->acked.seq);

	if (seg != NULL && seg->counted && r->acked.off == 0) {
		r->lines = seg->lbase;
		r->lines_ok = 1;
		return;
	}
	reader_count_ask(r);
}

/* An answer for r (lines before r->count_at in its segment), kept in
 * r until that segment's number is known. */
static void
reader_count_apply(struct sd_spool_reader *r)
{
	const struct spool_seg *seg = spool_seg_get(r->sp, r->count_at.seq);

	if (!r->count_have)
		return;
	if (seg == NULL) {
		r->count_have = 0;
		reader_count_ask(r);	/* removed since: ask again */
		return;
	}
	if (!seg->counted)
		return;
	r->lines = seg->lbase + (int64_t)(r->count_res + r->lines_since);
	r->lines_ok = 1;
	r->count_have = 0;
}

/* Once a second: the census and the counter's answers taken in,
 * questions that found no room asked again. */
static void
spool_lines_tick(struct sd_spool *sp)
{
	struct sd_spool_reader *r;
	const void *owner;
	uint64_t lines;
	size_t i;

	spool_census_apply(sp);
	while (sd_spoolcount_take(sp->counter, &owner, &lines)) {
		for (i = 0; i < sp->nreaders; i++) {
			r = sp->readers[i];
			if (r != owner || !r->counting)
				continue;
			r->counting = 0;
			r->count_have = 1;
			r->count_res = lines;
		}
	}
	for (i = 0; i < sp->nreaders; i++) {
		r = sp->readers[i];
		if (r->count_want && !r->drop_wait)
			reader_count_ask(r);
		reader_count_apply(r);
	}
}

uint64_t
sd_spool_backlog_lines(struct sd_spool *sp, const struct sd_spool_reader *r,
    int *exact)
{
	const struct spool_seg *last = &sp->segs[sp->nsegs - 1];
	uint64_t pending = sp->buf_lines, bytes, mean;
	int64_t end;
	size_t i;

	*exact = r->lines_ok;
	if (r->lines_ok) {
		for (i = 0; i < sp->njobs; i++)
			pending += sp->job_lines[(sp->job_head + i) %
			    SD_SPOOLW_SLOTS];
		end = last->lbase + (int64_t)(last->lines + pending);
		return end > r->lines ? (uint64_t)(end - r->lines) : 0;
	}
	/* Not counted yet: the bytes over this run's mean line. */
	bytes = sd_spool_backlog(sp, &r->acked);
	mean = sp->lines_done > 0 ? sp->done_total / sp->lines_done : 0;
	if (mean == 0)
		mean = SD_SPOOL_LINE_GUESS;
	return (bytes + mean / 2) / mean;
}

int
sd_spool_reader_init(struct sd_spool_reader *r, struct sd_spool *sp,
    const char *name, char warn[SD_SPOOL_WARN_LEN], char err[SD_ERR_LEN])
{
	char why[SD_ERR_LEN], saved[SD_ERR_LEN];
	struct sd_spool_pos pos;
	int got;

	memset(r, 0, sizeof(*r));
	warn[0] = '\0';
	if (sp->nreaders == SD_SPOOL_READERS) {
		snprintf(err, SD_ERR_LEN, "more than %d sinks",
		    SD_SPOOL_READERS);
		return SD_ERR_NOSPACE;
	}
	r->sp = sp;
	r->fd = -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->slot = cursor_slot(sp, r->name);
	spool_hold_drop(sp, r->name);
	got = cursor_load(sp, r->name, &pos, why);
	if (got == CURSOR_OK) {
		r->acked = r->saved = pos;
	} else {
		/* No cursor (the sink is new here), one naming segments
		 * removed since, or one that cannot be trusted: from the
		 * oldest reading kept, saved at once, so the position is
		 * known from now on. */
		r->acked.seq = sp->segs[0].seq;
		r->acked.off = 0;
		reader_warn(r, got, &pos, why, warn);
		if (cursor_save(r, saved) != SD_OK && warn[0] == '\0')
			snprintf(warn, SD_SPOOL_WARN_LEN, "%s: cannot save "
			    "the cursor: %.300s", name, saved);
	}
	r->pos = r->acked;
	sp->readers[sp->nreaders++] = r;
	reader_lines_start(r);
	return SD_OK;
}

void
sd_spool_reader_init_range(struct sd_spool_reader *r,
    struct sd_spoolrange *range, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->slot = -1;
	r->range = range;
	snprintf(r->name, sizeof(r->name), "%s", name);
}

static int
pos_same(const struct sd_spool_pos *a, const struct sd_spool_pos *b)
{
	return a->seq == b->seq && a->off == b->off;
}

int
sd_spool_reader_range_done(const struct sd_spool_reader *r)
{
	return r->range != NULL && sd_spoolrange_ended(r->range) &&
	    pos_same(&r->pos, &r->range_at) && pos_same(&r->acked, &r->pos);
}

/* Range mode's read: from r->pos, seeking when the sink moved it (a
 * rewind, or the end of a read given back). */
static int
reader_range_read(struct sd_spool_reader *r, char *buf, size_t cap,
    size_t *len, struct sd_spool_pos *at, char err[SD_ERR_LEN])
{
	uint64_t n;

	*len = 0;
	if (!pos_same(&r->pos, &r->range_at)) {
		if (sd_spoolrange_seek(r->range, &r->pos, err) != SD_OK)
			goto fail;
		r->range_at = r->pos;
	}
	if (sd_spoolrange_read(r->range, buf, cap, len, &n, at, err) != SD_OK)
		goto fail;
	if (*len > 0) {
		/* A run is one stretch of one segment. */
		r->pos.seq = at->seq;
		r->pos.off = at->off + *len;
		r->range_at = r->pos;
	}
	return SD_OK;
fail:
	r->range_failed = 1;
	return SD_ERR_INVAL;
}

void
sd_spool_reader_done(struct sd_spool_reader *r)
{
	struct sd_spool *sp = r->sp;
	char name_buf[SD_SPOOLW_FILE_MAX], line_buf[SD_SPOOLW_FILE_MAX];
	char why[SD_ERR_LEN];
	size_t i;

	if (sp == NULL)
		return;
	/* The last position goes to the writer even with a save in
	 * flight (the newest request of a slot wins): it is done before
	 * the writer stops, and the sinks stop before the spool. */
	if (r->dirty || r->save_force) {
		if (r->slot >= 0)
			sd_spoolw_replace(sp->w, (unsigned)r->slot, name_buf,
			    line_buf, cursor_text(r, &r->acked, name_buf,
			    line_buf), (int)sp->fsync);
		else
			cursor_save(r, why);
	}
	if (r->fd >= 0)
		close(r->fd);
	sd_spoolcount_cancel(sp->counter, r);
	for (i = 0; i < sp->nreaders; i++) {
		if (sp->readers[i] == r) {
			sp->readers[i] = sp->readers[--sp->nreaders];
			break;
		}
	}
	r->fd = -1;
	r->sp = NULL;
}

/* Open the segment r->pos names; 0 when it is there. */
static int
reader_open(struct sd_spool_reader *r)
{
	if (r->fd >= 0 && r->fd_seq == r->pos.seq)
		return 0;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = spool_seg_open_read(r->sp, r->pos.seq);
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
	uint64_t size;
	uint32_t next;
	ssize_t n;
	char *nl;

	if (r->range != NULL)
		return reader_range_read(r, buf, cap, len, at, err);
	*len = 0;
	for (;;) {
		next = spool_seg_next(sp, r->pos.seq);
		if (reader_open(r) != 0) {
			if (r->pos.seq >= sp->seq || next == 0) {
				snprintf(err, SD_ERR_LEN, "segment %u: %s",
				    r->pos.seq, strerror(errno));
				return SD_ERR_INVAL;
			}
			r->pos.seq = next;	/* removed by hand: go on */
			r->pos.off = 0;
			continue;
		}
		/* Never past what the writer said is done. */
		size = spool_seg_size(sp, r->pos.seq);
		n = 0;
		if (r->pos.off < size)
			n = pread(r->fd, buf, size - r->pos.off < cap ?
			    (size_t)(size - r->pos.off) : cap,
			    (off_t)r->pos.off);
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
		if (r->pos.seq >= sp->seq || next == 0)
			return SD_OK;	/* nothing new yet */
		/* A closed segment ends here; a torn last line (a crash in
		 * mid-write) is skipped. */
		if (n > 0)
			r->torn++;
		r->pos.seq = next;
		r->pos.off = 0;
	}
}

/* Whether a lies before b. */
static int
pos_before(const struct sd_spool_pos *a, const struct sd_spool_pos *b)
{
	return a->seq < b->seq || (a->seq == b->seq && a->off < b->off);
}

void
sd_spool_reader_ack(struct sd_spool_reader *r,
    const struct sd_spool_pos *pos, uint64_t lines, int force)
{
	/* Deliveries confirmed after a drop-oldest lie behind the cursor:
	 * it never moves back. */
	if (!pos_before(&r->acked, pos))
		return;
	r->acked = *pos;
	if (r->range != NULL)
		return;		/* a replay keeps no cursor */
	if (r->drop_wait) {
		/* Past what was read before the drop, the sink's counts
		 * hold again: where it stands is counted anew. */
		if (!pos_before(pos, &r->drop_pos)) {
			r->drop_wait = 0;
			reader_count_ask(r);
		}
	} else if (r->lines_ok)
		r->lines += (int64_t)lines;
	else
		r->lines_since += lines;
	r->dirty = 1;
	if (force || sd_mono_ns() - r->saved_mono >= SD_CURSOR_SAVE_NS)
		cursor_request(r);
}

void
sd_spool_reader_rewind(struct sd_spool_reader *r)
{
	r->pos = r->acked;
}

uint64_t
sd_spool_reader_drop_oldest(struct sd_spool_reader *r)
{
	struct sd_spool_pos next = { 0, 0 };
	const struct spool_seg *seg;
	char err[SD_ERR_LEN];
	uint64_t bytes;
	int64_t exact = -1;

	if (r->range != NULL)
		return 0;
	bytes = spool_seg_size(r->sp, r->acked.seq);
	if (r->acked.seq >= r->sp->seq &&
	    sd_spool_rotate(r->sp, err) != SD_OK)
		return 0;
	next.seq = spool_seg_next(r->sp, r->acked.seq);
	if (next.seq == 0)
		return 0;
	bytes = bytes > r->acked.off ? bytes - r->acked.off : 0;
	seg = spool_seg_get(r->sp, next.seq);
	if (r->lines_ok && !r->drop_wait && seg != NULL && seg->counted)
		exact = seg->lbase - r->lines;
	sd_spool_reader_ack(r, &next, 0, 1);
	if (r->pos.seq < next.seq)
		r->pos = next;
	/* Deliveries of what was read before count lines given up: till
	 * they are past, where the reader stands is not known. */
	sd_spoolcount_cancel(r->sp->counter, r);
	r->counting = 0;
	r->count_have = 0;
	r->count_want = 0;
	r->lines_ok = 0;
	r->drop_wait = 1;
	r->drop_pos = r->pos;
	if (exact >= 0)
		return (uint64_t)exact;
	/* Lines of the store are about 70 bytes: an estimate, said so. */
	return (bytes + SD_SPOOL_LINE_GUESS - 1) / SD_SPOOL_LINE_GUESS;
}
