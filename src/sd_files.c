/*
 * sd_files.c: the file store (see sd_files.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "sd_diskq.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_files.h"

#define SD_NAME_MAX		200	/* bytes of a stored name */
#define SD_RESUME_NS		(3600LL * 1000000000)
#define SD_PROGRESS_NS		(250LL * 1000000)
/* Bytes accepted and not yet on disk: a sender is paused past the first
 * (its own) or the second (everyone's), and goes on below a quarter.
 * Less than 16 MiB a transfer, and pausing cost a third of the upload
 * rate (tests/bench/run --only file). */
#define SD_FILES_BACKLOG	(16u << 20)
#define SD_FILES_BACKLOG_ALL	(64u << 20)

struct xfer {
	struct sd_xfer		 pub;		/* first: the public view */
	TAILQ_ENTRY(xfer)	 entry;
	uint64_t		 tag;		/* names its queued jobs */
	struct sd_diskq_file	*dqf;		/* its file, in the queue */
	char			*part;		/* path of NAME.part */
	XXH3_state_t		*hash;		/* extension transfers */
	int64_t			 last_progress;
	int64_t			 detached_at;
	uint64_t		 queued;	/* bytes not yet written */
	int			 err;		/* errno of a failed write */
	int			 waiting;	/* its sender is paused */
	int			 finishing;	/* moving into place */
	uint64_t		 fin_hash;
};

struct sd_files {
	char			*dir;
	struct sd_events	*events;
	struct sd_diskq		*dq;
	struct sd_files_cbs	 cbs;
	uint64_t		 next_tag;
	TAILQ_HEAD(, xfer)	 xfers;
	size_t			 active;
};

static void
files_event(struct sd_files *fs, enum sd_ev_kind kind, const struct xfer *x,
    const char *reason)
{
	struct sd_event e = { .kind = kind };

	e.id = x->pub.client;
	e.name = x->pub.name;
	e.size = x->pub.size;
	e.bytes = x->pub.done;
	e.offset = kind == SD_EV_FILE_START ? x->pub.done : 0;
	e.reason = reason;
	sd_events_fire(fs->events, &e);
}

/* NAME.part files of an earlier run can never be resumed (the transfer
 * state lived in that process): remove them, and say so. */
static void
files_remove_stale(struct sd_files *fs)
{
	struct sd_event e = { .kind = SD_EV_FILE_FAILED };
	struct dirent *de;
	char path[4096];
	size_t n;
	DIR *d = opendir(fs->dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".part") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fs->dir, de->d_name);
		if (unlink(path) != 0)
			continue;
		e.name = de->d_name;
		e.reason = "partial file of an earlier run removed";
		sd_events_fire(fs->events, &e);
	}
	closedir(d);
}

static void files_done(const struct sd_diskq_done *d, void *arg);

struct sd_files *
sd_files_new(const char *dir, struct event_base *base,
    struct sd_events *events, const struct sd_files_cbs *cbs,
    char err[SD_ERR_LEN])
{
	struct sd_files *fs = calloc(1, sizeof(*fs));

	if (fs != NULL)
		fs->dir = strdup(dir);
	if (fs != NULL && fs->dir != NULL)
		fs->dq = sd_diskq_new(base, files_done, fs);
	if (fs == NULL || fs->dir == NULL || fs->dq == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		if (fs != NULL)
			free(fs->dir);
		free(fs);
		return NULL;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", dir, strerror(errno));
		sd_diskq_free(fs->dq);
		free(fs->dir);
		free(fs);
		return NULL;
	}
	fs->events = events;
	fs->cbs = *cbs;
	TAILQ_INIT(&fs->xfers);
	files_remove_stale(fs);
	return fs;
}

/* Forget x; its descriptor goes to the disk queue to be closed after
 * the writes queued before (and its .part removed when remove_part). */
static void
xfer_free(struct sd_files *fs, struct xfer *x, int remove_part)
{
	TAILQ_REMOVE(&fs->xfers, x, entry);
	if (x->pub.client != 0)
		fs->active--;
	if (x->dqf != NULL)
		sd_diskq_close(fs->dq, x->dqf, remove_part ? x->part : NULL);
	if (x->hash != NULL)
		XXH3_freeState(x->hash);
	free(x->part);
	free(x->pub.name);
	free(x);
}

void
sd_files_free(struct sd_files *fs)
{
	struct xfer *x;

	if (fs == NULL)
		return;
	/* Interrupted extension transfers stay on disk as .part files. */
	while ((x = TAILQ_FIRST(&fs->xfers)) != NULL)
		xfer_free(fs, x, x->pub.legacy && !x->finishing);
	sd_diskq_free(fs->dq);		/* every queued write lands */
	free(fs->dir);
	free(fs);
}

/* Copy name with " (n)" before its extension (n > 0). */
static void
files_numbered(const char *name, unsigned n, char *out, size_t len)
{
	const char *dot = strrchr(name, '.');
	int stem;

	if (n == 0) {
		snprintf(out, len, "%s", name);
		return;
	}
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem = (int)(dot - name);
	snprintf(out, len, "%.*s (%u)%s", stem, name, n, dot);
}

static int
files_taken(struct sd_files *fs, const char *name)
{
	char path[4096];
	struct stat st;
	struct xfer *x;

	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (x->pub.name != NULL && strcmp(x->pub.name, name) == 0)
			return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", fs->dir, name);
	if (lstat(path, &st) == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s.part", fs->dir, name);
	return lstat(path, &st) == 0;
}

/* Reserve a free name for want and open its .part. */
static int
files_create(struct sd_files *fs, struct xfer *x, const char *want,
    char err[SD_ERR_LEN])
{
	char name[SD_NAME_MAX + 32], path[4096];
	unsigned n;
	int fd;

	for (n = 0; n < 10000; n++) {
		files_numbered(want, n, name, sizeof(name));
		if (!files_taken(fs, name))
			break;
	}
	snprintf(path, sizeof(path), "%s/%s.part", fs->dir, name);
	x->pub.name = strdup(name);
	x->part = strdup(path);
	if (x->pub.name == NULL || x->part == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		free(x->part);
		x->part = NULL;	/* not ours to remove */
		return SD_ERR_INVAL;
	}
	x->dqf = sd_diskq_file(fs->dq, fd, x->tag);
	if (x->dqf == NULL) {
		close(fd);	/* nothing queued on it yet */
		unlink(path);
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	return SD_OK;
}

static struct xfer *
xfer_new(struct sd_files *fs, uint32_t client)
{
	struct xfer *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->tag = ++fs->next_tag;
	x->pub.client = client;
	TAILQ_INSERT_TAIL(&fs->xfers, x, entry);
	fs->active++;
	return x;
}

int
sd_files_begin_legacy(struct sd_files *fs, uint32_t client, uint8_t ext,
    uint64_t size, struct sd_xfer **out, char err[SD_ERR_LEN])
{
	const char *suffix = sd_proto_ext_name(ext);
	char want[64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	struct xfer *x;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(want, sizeof(want), "%s-%u.%s", stamp, client,
	    suffix != NULL ? suffix : "bin");
	x = xfer_new(fs, client);
	if (x == NULL) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	x->pub.legacy = 1;
	x->pub.size = size;
	if (files_create(fs, x, want, err) != SD_OK) {
		xfer_free(fs, x, 0);
		return SD_ERR_INVAL;
	}
	files_event(fs, SD_EV_FILE_START, x, NULL);
	*out = &x->pub;
	return SD_OK;
}

/* An interrupted transfer of this very file, if the store holds one. */
static struct xfer *
files_find(struct sd_files *fs, const uint8_t *dev, uint64_t key,
    uint64_t size)
{
	struct xfer *x;

	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (!x->pub.legacy && x->pub.key == key &&
		    x->pub.size == size &&
		    memcmp(x->pub.dev, dev, SD_MAC_LEN) == 0)
			return x;
	}
	return NULL;
}

int
sd_files_offer(struct sd_files *fs, uint32_t client,
    const uint8_t dev[SD_MAC_LEN], uint64_t key, uint64_t size,
    const char *name, size_t name_len, uint32_t xfer_id,
    struct sd_xfer **out, char err[SD_ERR_LEN])
{
	char want[SD_NAME_MAX + 1];
	struct xfer *x = files_find(fs, dev, key, size);

	if (x != NULL && x->pub.client == 0 && x->err != 0) {
		xfer_free(fs, x, 1);	/* its bytes did not all land */
		x = NULL;
	}
	if (x != NULL && x->pub.client != 0) {
		snprintf(err, SD_ERR_LEN, "client %u is sending this file",
		    x->pub.client);
		return SD_ERR_TOOBIG;
	}
	if (x != NULL) {
		x->pub.client = client;
		x->pub.xfer_id = xfer_id;
		fs->active++;
		files_event(fs, SD_EV_FILE_START, x, NULL);
		*out = &x->pub;
		return SD_OK;
	}
	sd_files_safe_name(name, name_len, want, sizeof(want));
	x = xfer_new(fs, client);
	if (x != NULL)
		x->hash = XXH3_createState();
	if (x == NULL || x->hash == NULL ||
	    XXH3_64bits_reset(x->hash) != XXH_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		if (x != NULL)
			xfer_free(fs, x, 0);
		return SD_ERR_NOMEM;
	}
	x->pub.xfer_id = xfer_id;
	memcpy(x->pub.dev, dev, SD_MAC_LEN);
	x->pub.key = key;
	x->pub.size = size;
	if (files_create(fs, x, want, err) != SD_OK) {
		xfer_free(fs, x, 0);
		return SD_ERR_INVAL;
	}
	files_event(fs, SD_EV_FILE_START, x, NULL);
	*out = &x->pub;
	return SD_OK;
}

int
sd_files_write(struct sd_files *fs, struct sd_xfer *pub, const void *p,
    size_t n, char err[SD_ERR_LEN])
{
	struct xfer *x = (struct xfer *)pub;
	int64_t now;

	if (sd_diskq_write(fs->dq, x->dqf, p, n) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	if (x->hash != NULL)
		XXH3_64bits_update(x->hash, p, n);
	x->queued += n;
	x->pub.done += n;
	now = sd_mono_ns();
	if (now - x->last_progress >= SD_PROGRESS_NS) {
		x->last_progress = now;
		files_event(fs, SD_EV_FILE_PROGRESS, x, NULL);
	}
	return SD_OK;
}

int
sd_files_backlogged(struct sd_files *fs, struct sd_xfer *pub)
{
	struct xfer *x = (struct xfer *)pub;

	if (x->queued < SD_FILES_BACKLOG &&
	    sd_diskq_pending(fs->dq) < SD_FILES_BACKLOG_ALL)
		return 0;
	x->waiting = 1;
	return 1;
}

/* Senders paused on the backlog go on once it is below a quarter. */
static void
files_wake(struct sd_files *fs)
{
	struct xfer *x;

	if (sd_diskq_pending(fs->dq) > SD_FILES_BACKLOG_ALL / 4)
		return;
	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (!x->waiting || x->queued > SD_FILES_BACKLOG / 4)
			continue;
		x->waiting = 0;
		if (x->pub.client != 0)
			fs->cbs.drained(x->pub.client, fs->cbs.arg);
	}
}

static void
files_result(struct sd_files *fs, struct xfer *x, int status,
    const char *why)
{
	struct sd_files_result r = { x->pub.client, x->pub.xfer_id,
	    x->pub.legacy, status, x->pub.done, x->fin_hash, x->pub.name };
	struct sd_event e = { .kind = SD_EV_FILE_DONE };

	if (status != SD_FILE_OK)
		files_event(fs, SD_EV_FILE_FAILED, x, why);
	else {
		e.id = x->pub.client;
		e.name = x->pub.name;
		e.size = x->pub.done;
		e.xxh3 = x->fin_hash;
		e.has_xxh3 = x->hash != NULL;
		sd_events_fire(fs->events, &e);
	}
	if (x->pub.client != 0)
		fs->cbs.finished(&r, fs->cbs.arg);
	xfer_free(fs, x, status != SD_FILE_OK);
}

void
sd_files_finish(struct sd_files *fs, struct sd_xfer *pub, uint64_t size,
    uint64_t xxh3)
{
	struct xfer *x = (struct xfer *)pub;
	char path[4096];

	x->fin_hash = x->hash != NULL ? XXH3_64bits_digest(x->hash) : 0;
	x->waiting = 0;
	if (!pub->legacy && (size != pub->done || size != pub->size)) {
		files_result(fs, x, SD_FILE_SIZE,
		    "size does not match the offer");
		return;
	}
	if (!pub->legacy && xxh3 != x->fin_hash) {
		files_result(fs, x, SD_FILE_CHECKSUM, "checksum mismatch");
		return;
	}
	if (x->err != 0) {
		files_result(fs, x, SD_FILE_IO, strerror(x->err));
		return;
	}
	/* Closed and linked into place after its last write; the answer
	 * comes with the queue's (files_done). */
	snprintf(path, sizeof(path), "%s/%s", fs->dir, pub->name);
	x->finishing = 1;
	sd_diskq_commit(fs->dq, x->dqf, x->part, path);
	x->dqf = NULL;
}

static struct xfer *
files_by_tag(struct sd_files *fs, uint64_t tag)
{
	struct xfer *x;

	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (x->tag == tag)
			return x;
	}
	return NULL;
}

/* A write that failed ends its transfer: the sender hears why (the
 * callback), and what it sends after is dropped. One that is moving
 * into place fails there instead (the queue refuses its commit). */
static void
files_write_failed(struct sd_files *fs, struct xfer *x, int err)
{
	char why[SD_ERR_LEN];

	x->err = err;
	if (x->finishing)
		return;
	snprintf(why, sizeof(why), "cannot write: %s", strerror(err));
	if (x->pub.client != 0)
		fs->cbs.failed(x->pub.client, &x->pub, why, fs->cbs.arg);
	sd_files_abort(fs, &x->pub, why);
}

/* The disk queue's answers, on the loop. */
static void
files_done(const struct sd_diskq_done *d, void *arg)
{
	struct sd_files *fs = arg;
	struct xfer *x = files_by_tag(fs, d->tag);

	if (x != NULL && d->op == SD_DQ_WRITE) {
		x->queued -= d->bytes;
		if (d->err != 0 && x->err == 0)
			files_write_failed(fs, x, d->err);
	} else if (x != NULL && d->op == SD_DQ_COMMIT)
		files_result(fs, x, d->err == 0 ? SD_FILE_OK : SD_FILE_IO,
		    strerror(x->err != 0 ? x->err : d->err));
	files_wake(fs);
}

void
sd_files_detach(struct sd_files *fs, struct sd_xfer *pub, const char *reason)
{
	struct xfer *x = (struct xfer *)pub;
	char why[SD_ERR_LEN];

	if (pub->legacy) {
		sd_files_abort(fs, pub, reason);
		return;
	}
	snprintf(why, sizeof(why), "%s; resumable from byte %llu", reason,
	    (unsigned long long)pub->done);
	files_event(fs, SD_EV_FILE_FAILED, x, why);
	pub->client = 0;
	x->waiting = 0;
	fs->active--;
	x->detached_at = sd_mono_ns();
}

void
sd_files_abort(struct sd_files *fs, struct sd_xfer *pub, const char *reason)
{
	struct xfer *x = (struct xfer *)pub;

	files_event(fs, SD_EV_FILE_FAILED, x, reason);
	xfer_free(fs, x, 1);
}

void
sd_files_expire(struct sd_files *fs)
{
	struct xfer *x, *next;
	int64_t now = sd_mono_ns();

	for (x = TAILQ_FIRST(&fs->xfers); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (x->pub.client == 0 && now - x->detached_at > SD_RESUME_NS)
			xfer_free(fs, x, 1);
	}
}

size_t
sd_files_active(const struct sd_files *fs)
{
	return fs->active;
}

/* Characters a stored name never has: C0 and C1 controls, DEL, ':',
 * and the invisible ones that make a name read other than it is
 * (bidi overrides turn "x\u202egnp.exe" into "xexe.png"). */
static int
name_char_ok(long cp)
{
	return cp != ':' && !sd_utf8_unsafe(cp);
}

/* Cut name (o bytes) to fit len, keeping a short extension and never
 * cutting a character in half. */
static void
name_fit(char *name, size_t o, size_t len)
{
	char *dot = strrchr(name, '.');
	size_t ext = dot != NULL && dot != name && o - (size_t)(dot - name) <=
	    16 ? o - (size_t)(dot - name) : 0;
	size_t keep;

	if (o < len)
		return;
	if (ext + 1 >= len)
		ext = 0;
	keep = len - 1 - ext;
	while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80)
		keep--;
	memmove(name + keep, name + o - ext, ext + 1);
}

void
sd_files_safe_name(const char *in, size_t n, char *out, size_t len)
{
	const unsigned char *u = (const unsigned char *)in;
	char name[1024];
	size_t i, start = 0, o = 0, k;
	long cp;

	/* Only the last path component, whichever separator was used. */
	for (i = 0; i < n; i++) {
		if (in[i] == '/' || in[i] == '\\')
			start = i + 1;
	}
	for (i = start; i < n && o + 5 < sizeof(name); i += k) {
		cp = sd_utf8_decode(u + i, n - i, &k);
		if (cp >= 0 && !name_char_ok(cp))
			continue;
		if (cp < 0)
			name[o++] = '_';	/* not UTF-8: said as '_' */
		else if (o == 0 && cp == '.')
			name[o++] = '_';	/* no hidden files, no ".." */
		else {
			memcpy(name + o, in + i, k);
			o += k;
		}
	}
	name[o] = '\0';
	/* NAME.part is what an upload in flight is called, and what a
	 * restart removes: a finished file is never named so. */
	if (o >= 5 && strcmp(name + o - 5, ".part") == 0)
		name[o++] = '_';
	name[o] = '\0';
	name_fit(name, o, len);
	snprintf(out, len, "%s", o > 0 ? name : "file");
}
