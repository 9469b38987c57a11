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
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "sd_diskq.h"
#include "sd_err.h"
#include "sd_esc.h"
#include "sd_events.h"
#include "sd_files.h"
#include "sd_files_name.h"
#include "sd_rate.h"

#define SD_NAME_MAX		200	/* bytes of a stored name */
#define SD_NAME_BUF		(SD_NAME_MAX + 64)	/* with a suffix */
#define SD_NAME_TRIES		16	/* " (n)" names tried, then unique */
#define SD_ADDR_LEN		64
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
	TAILQ_ENTRY(xfer)	 pentry;	/* in parked, oldest first */
	int			 parked;
	int			 closed;	/* its descriptor is parked */
	char			 addr[SD_ADDR_LEN];	/* owner's */
	int			 authed;	/* owner presented --token */
	char			*alt;		/* name if its own is taken */
	uint64_t		 queued;	/* bytes not yet written */
	int			 err;		/* errno of a failed write */
	int			 waiting;	/* its sender is paused */
	int			 finishing;	/* moving into place */
	uint64_t		 fin_hash;
	uint64_t		 id;		/* in the account */
	uint64_t		 offset;	/* resumed from */
	int64_t			 started_ns;	/* wall clock */
	int64_t			 quiet_from;	/* mono: silence counts from */
	struct sd_rate		 rate;		/* bytes a second */
};

struct sd_files {
	char			*dir;
	struct sd_events	*events;
	struct sd_diskq		*dq;
	struct sd_files_cbs	 cbs;
	uint64_t		 next_tag;
	TAILQ_HEAD(, xfer)	 xfers;
	TAILQ_HEAD(, xfer)	 parked;
	size_t			 active;
	size_t			 nparked;
	int64_t			 stall_ns;	/* --stall-seconds */
	uint64_t		 next_id;	/* the account's */
	struct sd_xferlog	 ended;
};

static void
files_event(struct sd_files *fs, enum sd_ev_kind kind, const struct xfer *x,
    const char *state, const char *reason)
{
	struct sd_event e = { .kind = kind };

	e.id = x->pub.client;
	e.state = state;
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
		e.state = sd_xfer_state_name(SD_XS_FAILED);
		e.reason = "partial file of an earlier run removed";
		sd_events_fire(fs->events, &e);
	}
	closedir(d);
}

static void files_done(const struct sd_diskq_done *d, void *arg);

/* Create the files directory 0750 whatever the umask (one that exists
 * keeps the mode its owner gave it). */
static int
files_mkdir(const char *dir, char err[SD_ERR_LEN])
{
	if (mkdir(dir, 0750) == 0 && chmod(dir, 0750) == 0)
		return SD_OK;
	if (errno == EEXIST)
		return SD_OK;
	snprintf(err, SD_ERR_LEN, "%.200s: %s", dir, strerror(errno));
	return SD_ERR_INVAL;
}

struct sd_files *
sd_files_new(const char *dir, struct event_base *base,
    struct sd_events *events, const struct sd_files_cbs *cbs,
    uint64_t stall_secs, char err[SD_ERR_LEN])
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
	if (files_mkdir(dir, err) != SD_OK) {
		sd_diskq_free(fs->dq);
		free(fs->dir);
		free(fs);
		return NULL;
	}
	fs->events = events;
	fs->cbs = *cbs;
	fs->stall_ns = (int64_t)stall_secs * 1000000000;
	TAILQ_INIT(&fs->xfers);
	TAILQ_INIT(&fs->parked);
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
	if (x->parked) {
		TAILQ_REMOVE(&fs->parked, x, pentry);
		fs->nparked--;
	}
	if (x->dqf != NULL)
		sd_diskq_close(fs->dq, x->dqf, remove_part ? x->part : NULL);
	if (x->hash != NULL)
		XXH3_freeState(x->hash);
	free(x->part);
	free(x->alt);
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

/* Copy name with " (YYYYmmdd-HHMMSS-PID-N)" before its extension: a
 * name no other transfer of any run has (N counts in this process). */
static void
files_unique(struct sd_files *fs, const char *name, char *out, size_t len)
{
	const char *dot = strrchr(name, '.');
	time_t now = time(NULL);
	char stamp[32];
	struct tm tm;
	int stem;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem = (int)(dot - name);
	snprintf(out, len, "%.*s (%s-%ld-%llu)%s", stem, name, stamp,
	    (long)getpid(), (unsigned long long)++fs->next_tag, dot);
}

/* A free name for want: want itself or " (n)" for a few n, else one
 * unique by construction (so the cost never grows with the copies). */
static void
files_pick(struct sd_files *fs, const char *want, char *out, size_t len)
{
	unsigned n;

	for (n = 0; n < SD_NAME_TRIES; n++) {
		files_numbered(want, n, out, len);
		if (!files_taken(fs, out))
			return;
	}
	files_unique(fs, want, out, len);
}

/* Open a new NAME.part 0640 whatever the umask, never through a link;
 * a descriptor, or -1 with errno. */
static int
files_open_part(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);

	/* Transfers held open by peers must not eat the descriptors kept
	 * for the spool and the control socket. */
	if (sd_fd_spare_low(fd)) {
		close(fd);
		unlink(path);
		errno = EMFILE;
		return -1;
	}
	if (fd >= 0)
		(void)fchmod(fd, 0640);	/* failing, umask's is narrower */
	return fd;
}

/* Reserve a free name for want and open its .part. */
static int
files_create(struct sd_files *fs, struct xfer *x, const char *want,
    char err[SD_ERR_LEN])
{
	char name[SD_NAME_BUF], path[4096];
	int fd;

	files_pick(fs, want, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s.part", fs->dir, name);
	fd = files_open_part(path);
	if (fd < 0 && errno == EEXIST) {
		/* Taken since we looked (or a link planted there). */
		files_unique(fs, want, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s.part", fs->dir, name);
		fd = files_open_part(path);
	}
	if (fd < 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", path, strerror(errno));
		return SD_ERR_INVAL;
	}
	x->pub.name = strdup(name);
	x->part = strdup(path);
	if (x->pub.name == NULL || x->part == NULL) {
		close(fd);
		unlink(path);
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
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

/* x begins, or begins again (resumed): a new entry of the account from
 * the bytes it holds, and its start event. */
static void
files_begin(struct sd_files *fs, struct xfer *x)
{
	int64_t now = sd_mono_ns();

	x->id = ++fs->next_id;
	x->offset = x->pub.done;
	x->started_ns = sd_now_ns();
	x->pub.last_ns = x->quiet_from = now;
	x->pub.stalled = 0;
	sd_rate_init(&x->rate, now);
	files_event(fs, SD_EV_FILE_START, x, NULL, NULL);
}

/* Whether need more bytes fit on the files filesystem with the margin
 * to spare; SD_ERR_INVAL with err when not. A filesystem that cannot
 * say is let be: a write that fails still ends the transfer. */
static int
files_room(struct sd_files *fs, uint64_t need, char err[SD_ERR_LEN])
{
	struct statvfs sv;
	uint64_t avail;

	if (statvfs(fs->dir, &sv) != 0)
		return SD_OK;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail >= SD_FILES_ROOM_MARGIN &&
	    need <= avail - SD_FILES_ROOM_MARGIN)
		return SD_OK;
	snprintf(err, SD_ERR_LEN, "no room: %llu bytes claimed, %llu free "
	    "on the server's disk (%u MiB kept free)",
	    (unsigned long long)need, (unsigned long long)avail,
	    SD_FILES_ROOM_MARGIN >> 20);
	return SD_ERR_INVAL;
}

int
sd_files_begin_legacy(struct sd_files *fs, uint32_t client,
    const uint8_t *dev, uint8_t ext, uint64_t size, struct sd_xfer **out,
    char err[SD_ERR_LEN])
{
	const char *suffix = sd_proto_ext_name(ext);
	char want[64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	struct xfer *x;

	if (files_room(fs, size, err) != SD_OK)
		return SD_ERR_INVAL;
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
	memcpy(x->pub.dev, dev, SD_MAC_LEN);
	if (files_create(fs, x, want, err) != SD_OK) {
		xfer_free(fs, x, 0);
		return SD_ERR_INVAL;
	}
	files_begin(fs, x);
	*out = &x->pub;
	return SD_OK;
}

/* Whether x is the file (device, key, size) names. */
static int
files_same(const struct xfer *x, const uint8_t *dev, uint64_t key,
    uint64_t size)
{
	return !x->pub.legacy && x->pub.key == key && x->pub.size == size &&
	    memcmp(x->pub.dev, dev, SD_MAC_LEN) == 0;
}

/* Whether who may have x, which another connection began: from x's
 * owner's address, or with the token. */
static int
files_may_take(const struct xfer *x, const struct sd_files_peer *who)
{
	return who->authed || (!x->authed && strcmp(x->addr, who->addr) == 0);
}

/*
 * The transfer of this very file who may resume or must wait for: a
 * parked one it may take, else a live one it could take (so sending it
 * twice at once is refused); NULL when it is to get a fresh one.
 */
static struct xfer *
files_find(struct sd_files *fs, const struct sd_files_peer *who,
    const struct sd_file_offer *o)
{
	struct xfer *x;

	TAILQ_FOREACH(x, &fs->parked, pentry) {
		if (files_same(x, who->dev, o->key, o->size) &&
		    files_may_take(x, who))
			return x;
	}
	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (x->pub.client != 0 && files_same(x, who->dev, o->key,
		    o->size) && files_may_take(x, who))
			return x;
	}
	return NULL;
}

/* Record who owns x now. */
static void
files_own(struct xfer *x, const struct sd_files_peer *who, uint32_t xfer_id)
{
	x->pub.client = who->client;
	x->pub.xfer_id = xfer_id;
	x->authed = who->authed;
	snprintf(x->addr, sizeof(x->addr), "%s", who->addr);
}

/* Take parked x back for who: its descriptor opened again (off the
 * loop, in order; a file that changed fails it there). */
static int
files_resume(struct sd_files *fs, struct xfer *x,
    const struct sd_files_peer *who, uint32_t xfer_id, char err[SD_ERR_LEN])
{
	if (files_room(fs, x->pub.size - x->pub.done, err) != SD_OK)
		return SD_ERR_INVAL;
	if (x->closed && sd_diskq_reopen(fs->dq, x->dqf, x->part,
	    x->pub.done) != SD_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		return SD_ERR_NOMEM;
	}
	x->closed = 0;
	TAILQ_REMOVE(&fs->parked, x, pentry);
	fs->nparked--;
	x->parked = 0;
	files_own(x, who, xfer_id);
	fs->active++;
	files_begin(fs, x);
	return SD_OK;
}

int
sd_files_offer(struct sd_files *fs, const struct sd_files_peer *who,
    const struct sd_file_offer *o, struct sd_xfer **out,
    char err[SD_ERR_LEN])
{
	char want[SD_NAME_MAX + 1];
	struct xfer *x = files_find(fs, who, o);
	int rc;

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
		rc = files_resume(fs, x, who, o->xfer, err);
		if (rc == SD_OK)
			*out = &x->pub;
		return rc;
	}
	if (files_room(fs, o->size, err) != SD_OK)
		return SD_ERR_INVAL;
	sd_files_name_clean(o->name, o->name_len, want, sizeof(want));
	x = xfer_new(fs, who->client);
	if (x != NULL)
		x->hash = XXH3_createState();
	if (x == NULL || x->hash == NULL ||
	    XXH3_64bits_reset(x->hash) != XXH_OK) {
		snprintf(err, SD_ERR_LEN, "out of memory");
		if (x != NULL)
			xfer_free(fs, x, 0);
		return SD_ERR_NOMEM;
	}
	files_own(x, who, o->xfer);
	memcpy(x->pub.dev, who->dev, SD_MAC_LEN);
	x->pub.key = o->key;
	x->pub.size = o->size;
	if (files_create(fs, x, want, err) != SD_OK) {
		xfer_free(fs, x, 0);
		return SD_ERR_INVAL;
	}
	files_begin(fs, x);
	*out = &x->pub;
	return SD_OK;
}

/* The silence x's stall is judged by: since its last byte, or since
 * the server last held its sender back. */
static int64_t
files_quiet_since(const struct xfer *x)
{
	return x->pub.last_ns > x->quiet_from ? x->pub.last_ns : x->quiet_from;
}

/* x stalls (on), or bytes come again: its flag, and one event each way
 * (window: the stall time, then how long it brought nothing). */
static void
files_stall(struct sd_files *fs, struct xfer *x, int on, int64_t now)
{
	struct sd_event e = { .kind = SD_EV_FILE_STALL };

	x->pub.stalled = on;
	e.id = x->pub.client;
	e.name = x->pub.name;
	e.size = x->pub.size;
	e.bytes = x->pub.done;
	e.state = sd_xfer_state_name(on ? SD_XS_STALLED : SD_XS_RECEIVING);
	e.window = (uint64_t)((now - files_quiet_since(x)) / 1000000000);
	sd_events_fire(fs->events, &e);
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
	if (x->pub.stalled)
		files_stall(fs, x, 0, now);
	x->pub.last_ns = now;
	sd_rate_add(&x->rate, now, n);
	if (now - x->last_progress >= SD_PROGRESS_NS) {
		x->last_progress = now;
		files_event(fs, SD_EV_FILE_PROGRESS, x, NULL, NULL);
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

/* Why x waits on the server (its bytes on the disk queue, or its
 * connection held), or NULL. */
static const char *
files_held(struct sd_files *fs, const struct xfer *x)
{
	if (x->waiting)
		return "disk";
	return fs->cbs.held != NULL ? fs->cbs.held(x->pub.client,
	    fs->cbs.arg) : NULL;
}

/* What the account says of x, in flight, at now (mono) and wall. */
static void
files_info(struct sd_files *fs, const struct xfer *x, int64_t now,
    int64_t wall, struct sd_xfer_info *t)
{
	static const uint8_t none[SD_MAC_LEN];

	memset(t, 0, sizeof(*t));
	t->id = x->id;
	t->client = x->pub.client;
	memcpy(t->dev, x->pub.dev, SD_MAC_LEN);
	t->has_dev = memcmp(x->pub.dev, none, SD_MAC_LEN) != 0;
	t->legacy = x->pub.legacy;
	t->name = x->pub.name;
	t->size = x->pub.size;
	t->bytes = x->pub.done;
	t->offset = x->offset;
	t->written = x->pub.done - x->queued;
	t->rate = sd_rate_get(&x->rate, now);
	t->started_ns = x->started_ns;
	t->last_ns = wall - (now - x->pub.last_ns);
	t->why = x->finishing ? NULL : files_held(fs, x);
	t->state = SD_XS_RECEIVING;
	if (x->finishing)
		t->state = SD_XS_STORING;
	else if (t->why != NULL)
		t->state = SD_XS_WAITING;
	else if (x->pub.stalled)
		t->state = SD_XS_STALLED;
}

/* x, in flight, ended as end (why): into the account's ring, and a
 * file-failed event with its bytes unless it was stored. A parked one
 * ended when its sender went. */
static void
files_ended(struct sd_files *fs, struct xfer *x, enum sd_xfer_state end,
    const char *why)
{
	struct sd_xfer_info t;
	int64_t wall = sd_now_ns();

	if (end != SD_XS_STORED)
		files_event(fs, SD_EV_FILE_FAILED, x, sd_xfer_state_name(end),
		    why);
	if (x->pub.client == 0)
		return;
	files_info(fs, x, sd_mono_ns(), wall, &t);
	t.state = end;
	t.why = end == SD_XS_STORED ? NULL : why;
	t.ended_ns = wall;
	t.rate = 0;
	sd_xferlog_add(&fs->ended, &t);
}

static void
files_result(struct sd_files *fs, struct xfer *x, int status,
    const char *why)
{
	struct sd_files_result r = { x->pub.client, x->pub.xfer_id,
	    x->pub.legacy, status, x->pub.done, x->fin_hash, x->pub.name,
	    x->pub.dev };
	struct sd_event e = { .kind = SD_EV_FILE_DONE };

	files_ended(fs, x, status == SD_FILE_OK ? SD_XS_STORED : SD_XS_FAILED,
	    why);
	if (status == SD_FILE_OK) {
		e.id = x->pub.client;
		e.name = x->pub.name;
		e.size = x->pub.done;
		e.bytes = x->pub.done;
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
	char path[4096], alt[4096];

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
	/* Closed and linked into place after its last write (or under a
	 * unique name, should its own be taken by then); the answer comes
	 * with the queue's (files_done). */
	snprintf(path, sizeof(path), "%s/%s", fs->dir, pub->name);
	files_unique(fs, pub->name, alt, sizeof(alt));
	x->alt = strdup(alt);
	snprintf(alt, sizeof(alt), "%s/%s", fs->dir, x->alt != NULL ?
	    x->alt : "");
	x->finishing = 1;
	sd_diskq_commit(fs->dq, x->dqf, x->part, path, x->alt != NULL ? alt :
	    NULL);
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
files_write_failed(struct sd_files *fs, struct xfer *x, int err,
    enum sd_diskq_op op)
{
	char why[SD_ERR_LEN];

	x->err = err;
	if (x->finishing)
		return;
	if (op == SD_DQ_REOPEN && err == ESTALE)
		snprintf(why, sizeof(why), "cannot resume: the partial file "
		    "changed on disk");
	else
		snprintf(why, sizeof(why), "cannot %s: %s", op ==
		    SD_DQ_REOPEN ? "resume" : "write", strerror(err));
	if (x->pub.client != 0)
		fs->cbs.failed(x->pub.client, &x->pub, why, fs->cbs.arg);
	sd_files_abort(fs, &x->pub, SD_XS_FAILED, why);
}

/* The disk queue's answers, on the loop. */
static void
files_done(const struct sd_diskq_done *d, void *arg)
{
	struct sd_files *fs = arg;
	struct xfer *x = files_by_tag(fs, d->tag);

	if (x != NULL && d->op == SD_DQ_WRITE)
		x->queued -= d->bytes;
	if (x != NULL && d->op == SD_DQ_COMMIT) {
		if (d->err == 0 && d->alt && x->alt != NULL) {
			free(x->pub.name);
			x->pub.name = x->alt;
			x->alt = NULL;
		}
		files_result(fs, x, d->err == 0 ? SD_FILE_OK : SD_FILE_IO,
		    strerror(x->err != 0 ? x->err : d->err));
	} else if (x != NULL && d->err != 0 && x->err == 0)
		files_write_failed(fs, x, d->err, d->op);
	files_wake(fs);
}

/* The oldest parked transfer of x's device (by_addr: of x's address),
 * when there are more than max of them. */
/* Whether y counts against x's device: x's owner could resume it. A
 * peer that claims another's device id cannot push that device's
 * transfers out any more than it can take them. */
static int
files_same_owner(const struct xfer *y, const struct xfer *x)
{
	return memcmp(y->pub.dev, x->pub.dev, SD_MAC_LEN) == 0 &&
	    (x->authed || (!y->authed && strcmp(y->addr, x->addr) == 0));
}

static struct xfer *
files_parked_over(struct sd_files *fs, const struct xfer *x, int by_addr,
    size_t max)
{
	struct xfer *y, *oldest = NULL;
	size_t n = 0;

	TAILQ_FOREACH(y, &fs->parked, pentry) {
		if (by_addr ? strcmp(y->addr, x->addr) != 0 :
		    !files_same_owner(y, x))
			continue;
		if (oldest == NULL)
			oldest = y;
		n++;
	}
	return n > max ? oldest : NULL;
}

/* x was just parked: past a bound, the oldest parked transfer goes (its
 * .part removed, one event). Each bound passes by one at most. */
static void
files_park_bound(struct sd_files *fs, struct xfer *x)
{
	struct xfer *y;

	y = files_parked_over(fs, x, 0, SD_FILES_PARKED_DEV);
	if (y != NULL)
		sd_files_abort(fs, &y->pub, SD_XS_FAILED, "evicted: too "
		    "many parked transfers of this device");
	y = files_parked_over(fs, x, 1, SD_FILES_PARKED_PEER);
	if (y != NULL)
		sd_files_abort(fs, &y->pub, SD_XS_FAILED, "evicted: too "
		    "many parked transfers from this address");
	y = TAILQ_FIRST(&fs->parked);
	if (fs->nparked > SD_FILES_PARKED_ALL && y != NULL)
		sd_files_abort(fs, &y->pub, SD_XS_FAILED, "evicted: too "
		    "many parked transfers");
}

void
sd_files_detach(struct sd_files *fs, struct sd_xfer *pub, const char *reason)
{
	struct xfer *x = (struct xfer *)pub;
	char why[SD_ERR_LEN];

	if (pub->legacy) {
		sd_files_abort(fs, pub, SD_XS_DISCONNECTED, reason);
		return;
	}
	snprintf(why, sizeof(why), "%s; resumable from byte %llu", reason,
	    (unsigned long long)pub->done);
	files_ended(fs, x, SD_XS_DISCONNECTED, why);
	pub->client = 0;
	x->waiting = 0;
	fs->active--;
	x->detached_at = sd_mono_ns();
	/* Out of memory, it keeps its descriptor: still correct. */
	if (!x->closed && sd_diskq_park(fs->dq, x->dqf) == SD_OK)
		x->closed = 1;
	TAILQ_INSERT_TAIL(&fs->parked, x, pentry);
	fs->nparked++;
	x->parked = 1;
	files_park_bound(fs, x);
}

void
sd_files_abort(struct sd_files *fs, struct sd_xfer *pub,
    enum sd_xfer_state end, const char *reason)
{
	struct xfer *x = (struct xfer *)pub;

	files_ended(fs, x, end, reason);
	xfer_free(fs, x, 1);
}

void
sd_files_expire(struct sd_files *fs)
{
	struct xfer *x;
	int64_t now = sd_mono_ns();

	/* Parked oldest first: the ones to drop are at the head. */
	while ((x = TAILQ_FIRST(&fs->parked)) != NULL &&
	    now - x->detached_at > SD_RESUME_NS)
		xfer_free(fs, x, 1);
}

size_t
sd_files_active(const struct sd_files *fs)
{
	return fs->active;
}

void
sd_files_tick(struct sd_files *fs)
{
	int64_t now = sd_mono_ns();
	struct xfer *x;

	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (x->pub.client == 0 || x->finishing || x->pub.stalled)
			continue;
		/* Held back by the server, it is not the sender's silence:
		 * the clock starts again once it is read again. */
		if (files_held(fs, x) != NULL)
			x->quiet_from = now;
		else if (now - files_quiet_since(x) >= fs->stall_ns)
			files_stall(fs, x, 1, now);
	}
}

size_t
sd_files_list(struct sd_files *fs, size_t limit, sd_files_info_cb cb,
    void *arg)
{
	int64_t now = sd_mono_ns(), wall = sd_now_ns();
	struct sd_xfer_info t;
	struct xfer *x;
	size_t n = 0;

	TAILQ_FOREACH(x, &fs->xfers, entry) {
		if (n == limit)
			break;
		if (x->pub.client == 0)
			continue;
		files_info(fs, x, now, wall, &t);
		cb(&t, arg);
		n++;
	}
	return fs->active;
}

const struct sd_xferlog *
sd_files_ended(const struct sd_files *fs)
{
	return &fs->ended;
}
