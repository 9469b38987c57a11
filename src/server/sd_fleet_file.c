/*
 * sd_fleet_file.c: the fleet's table on disk (see sd_fleet_file.h).
 *
 * The loop and the helper share only the fields marked "under lock":
 * the loop puts a copy of the table there (at most one at a time), the
 * helper formats and writes it and leaves the result.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_fleet_file.h"
#include "sd_proto.h"

#define FLEET_MAGIC	"sockdeck-devices 1"
#define FLEET_FIELDS	12
#define FLEET_LINE_MAX	400	/* a line's bytes, written or read */
/* The largest time (ns since the epoch, 2116) and interval (ns, some
 * two years) read back: sums and multiples of them must not overflow. */
#define FLEET_TIME_MAX	(INT64_C(1) << 62)
#define FLEET_IVAL_MAX	(INT64_C(1) << 56)

struct sd_fleet_file {
	char			*path;
	char			*tmp;
	pthread_t		 th;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	/* The copy to write: SD_FLEET_MAX records, allocated once (its
	 * pages touched at the first write, not at each), filled by the
	 * loop while the helper is not busy, read by the helper while it
	 * is. */
	struct sd_fleet_rec	*job;
	/* Under lock. */
	size_t			 njob;
	int			 has_job;
	int			 busy;	/* a copy handed over, not written */
	int			 stop;
	int			 failed;	/* not said yet */
	int			 failing;	/* the last write failed */
	char			 err[SD_ERR_LEN];
};

char *
sd_fleet_file_format(const struct sd_fleet_rec *recs, size_t n,
    size_t *len)
{
	size_t cap = 64 + n * FLEET_LINE_MAX, at, i;
	const struct sd_fleet_rec *r;
	char *buf = malloc(cap), mac[18];

	if (buf == NULL)
		return NULL;
	at = (size_t)snprintf(buf, cap, "%s\n", FLEET_MAGIC);
	for (i = 0; i < n; i++) {
		r = &recs[i];
		sd_proto_mac_str(r->mac, mac);
		at += (size_t)snprintf(buf + at, cap - at, "%s %" PRId64
		    " %" PRId64 " %" PRId64 " %" PRId64 " %" PRIu64 " %"
		    PRIu64 " %" PRIu64 " %s %d %d %s\n", mac, r->first_ns,
		    r->last_ns, r->read_ns, r->interval_ns, r->readings,
		    r->files, r->messages, r->ext ? "ext" : "legacy",
		    r->tls, r->silent, r->addr[0] != '\0' ? r->addr : "-");
	}
	at += (size_t)snprintf(buf + at, cap - at, "end %zu\n", n);
	*len = at;
	return buf;
}

/* Split line (NUL-terminated, changed) at single spaces into at most
 * max fields; how many. */
static size_t
fleet_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line, *sp;

	while (n < max) {
		fields[n++] = p;
		sp = strchr(p, ' ');
		if (sp == NULL)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
	return max + 1;		/* more than max */
}

/* A number of the file as int64 (times: not negative). */
static int
fleet_num(const char *s, uint64_t max, int64_t *out)
{
	uint64_t v;

	if (sd_parse_u64(s, 0, max, &v) != SD_OK)
		return SD_ERR_INVAL;
	*out = (int64_t)v;
	return SD_OK;
}

/* Whether s is an address as the file keeps it: printable ASCII (it
 * goes to ctl's JSON, which wants UTF-8, and to terminals). */
static int
fleet_addr_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '!' || s[i] > '~')
			return 0;
	}
	return i < SD_FLEET_ADDR_LEN;
}

/* One device's line into r: SD_OK or SD_ERR_INVAL. */
static int
fleet_parse_line(char *line, struct sd_fleet_rec *r)
{
	static const int64_t max[7] = { FLEET_TIME_MAX, FLEET_TIME_MAX,
	    FLEET_TIME_MAX, FLEET_IVAL_MAX, INT64_MAX, INT64_MAX, INT64_MAX };
	char *f[FLEET_FIELDS + 1];
	int64_t v[7];
	size_t i;

	memset(r, 0, sizeof(*r));
	if (fleet_split(line, f, FLEET_FIELDS) != FLEET_FIELDS ||
	    sd_proto_mac_parse(f[0], r->mac) != SD_OK)
		return SD_ERR_INVAL;
	for (i = 0; i < 7; i++) {
		if (fleet_num(f[1 + i], (uint64_t)max[i], &v[i]) != SD_OK)
			return SD_ERR_INVAL;
	}
	if ((strcmp(f[8], "ext") != 0 && strcmp(f[8], "legacy") != 0) ||
	    (strcmp(f[9], "0") != 0 && strcmp(f[9], "1") != 0) ||
	    (strcmp(f[10], "0") != 0 && strcmp(f[10], "1") != 0) ||
	    !fleet_addr_ok(f[11]))
		return SD_ERR_INVAL;
	r->first_ns = v[0];
	r->last_ns = v[1];
	r->read_ns = v[2];
	r->interval_ns = v[3];
	r->readings = (uint64_t)v[4];
	r->files = (uint64_t)v[5];
	r->messages = (uint64_t)v[6];
	r->ext = f[8][0] == 'e';
	r->tls = f[9][0] == '1';
	r->silent = f[10][0] == '1';
	if (strcmp(f[11], "-") != 0)
		memcpy(r->addr, f[11], strlen(f[11]) + 1);
	return SD_OK;
}

int
sd_fleet_file_parse(const char *text, size_t len, struct sd_fleet_rec *recs,
    size_t *n, char err[SD_ERR_LEN])
{
	char line[FLEET_LINE_MAX + 1];
	const char *p = text, *end = text + len, *nl;
	size_t k = 0, no = 0, ll;
	uint64_t count;

	*n = 0;
	for (; p < end; p = nl + 1) {
		no++;
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : 0;
		if (nl == NULL || ll > FLEET_LINE_MAX || memchr(p, '\0', ll))
			goto bad;
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (no == 1) {
			if (strcmp(line, FLEET_MAGIC) != 0)
				goto bad;
			continue;
		}
		if (strncmp(line, "end ", 4) == 0) {
			if (sd_parse_u64(line + 4, 0, SD_FLEET_MAX, &count) !=
			    SD_OK || count != k || nl + 1 != end)
				goto bad;
			*n = k;
			return SD_OK;
		}
		if (k == SD_FLEET_MAX || fleet_parse_line(line, &recs[k]) !=
		    SD_OK)
			goto bad;
		k++;
	}
	snprintf(err, SD_ERR_LEN, "cut short after line %zu (no end line)",
	    no);
	return SD_ERR_INVAL;
bad:
	snprintf(err, SD_ERR_LEN, "line %zu is not right", no);
	return SD_ERR_INVAL;
}

int
sd_fleet_file_load(struct sd_fleet *f, const char *path,
    char err[SD_ERR_LEN])
{
	struct sd_fleet_rec *recs = NULL;
	char why[SD_ERR_LEN], bad[4096 + 8];
	struct stat st;
	char *text = NULL;
	size_t len, n = 0, i;
	int rc = SD_OK;

	if (lstat(path, &st) != 0 && errno == ENOENT)
		return SD_OK;
	recs = malloc(SD_FLEET_MAX * sizeof(*recs));
	if (recs == NULL) {
		snprintf(err, SD_ERR_LEN, "%s: out of memory", path);
		return SD_ERR_NOMEM;
	}
	if (sd_read_file(path, SD_FLEET_FILE_MAX, &text, &len, why) != SD_OK ||
	    sd_fleet_file_parse(text, len, recs, &n, why) != SD_OK) {
		snprintf(bad, sizeof(bad), "%s.bad", path);
		snprintf(err, SD_ERR_LEN, "the fleet file: %.120s; %s, no "
		    "device remembered", why, rename(path, bad) == 0 ?
		    "set aside as fleet.bad" : "not set aside");
		rc = SD_ERR_INVAL;
		goto out;
	}
	for (i = 0; i < n; i++)
		sd_fleet_restore(f, &recs[i]);
out:
	free(text);
	free(recs);
	return rc;
}

/* Write text to w->tmp, on disk, then rename it to w->path; errno or
 * 0. The temporary file is made anew: whatever had its name (a FIFO,
 * whose open would wait for a reader for ever, and the stop for this
 * thread) is removed first, or the open fails. */
static int
fleet_write(struct sd_fleet_file *w, const char *text, size_t len)
{
	int fd, e;

	if (unlink(w->tmp) != 0)
		errno = 0;	/* mostly: none there */
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (fd < 0)
		return errno;
	e = sd_write_all(fd, text, len);
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(w->tmp, w->path) != 0)
		e = errno;
	if (e != 0)
		unlink(w->tmp);
	return e;
}

/* Seen longest ago first: the file's order, the table's again when it
 * is read back. */
static int
fleet_cmp_seen(const void *a, const void *b)
{
	const struct sd_fleet_rec *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

/* The helper: write each copy the loop hands over, until told to
 * stop (the last copy written first). */
static void *
fleet_thread(void *arg)
{
	struct sd_fleet_file *w = arg;
	size_t n, len;
	char *text;
	int e;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->has_job && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->has_job)
			break;
		n = w->njob;
		w->has_job = 0;
		pthread_mutex_unlock(&w->mu);
		qsort(w->job, n, sizeof(*w->job), fleet_cmp_seen);
		text = sd_fleet_file_format(w->job, n, &len);
		e = text != NULL ? fleet_write(w, text, len) : ENOMEM;
		free(text);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		/* Said once, until a write works again. */
		if (e != 0 && !w->failing) {
			w->failed = 1;
			snprintf(w->err, sizeof(w->err), "cannot write %s: %s",
			    w->path, strerror(e));
		}
		w->failing = e != 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct sd_fleet_file *
sd_fleet_file_new(const char *path, char err[SD_ERR_LEN])
{
	struct sd_fleet_file *w = calloc(1, sizeof(*w));
	size_t n = strlen(path) + 5;

	if (w == NULL)
		goto nomem;
	w->path = strdup(path);
	w->tmp = malloc(n);
	w->job = malloc(SD_FLEET_MAX * sizeof(*w->job));
	if (w->path == NULL || w->tmp == NULL || w->job == NULL)
		goto nomem;
	snprintf(w->tmp, n, "%s.tmp", path);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->th, NULL, fleet_thread, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		goto nomem;
	}
	return w;
nomem:
	snprintf(err, SD_ERR_LEN, "the fleet file's writer: out of "
	    "memory");
	if (w != NULL) {
		free(w->path);
		free(w->tmp);
		free(w->job);
		free(w);
	}
	return NULL;
}

/* Hand a copy of f to the helper; the lock is held. */
static void
fleet_hand(struct sd_fleet_file *w, const struct sd_fleet *f)
{
	w->njob = sd_fleet_snapshot(f, w->job);
	w->has_job = 1;
	w->busy = 1;
	pthread_cond_broadcast(&w->cv);
}

void
sd_fleet_file_save(struct sd_fleet_file *w, const struct sd_fleet *f)
{
	pthread_mutex_lock(&w->mu);
	if (!w->busy)
		fleet_hand(w, f);
	pthread_mutex_unlock(&w->mu);
}

int
sd_fleet_file_failed(struct sd_fleet_file *w, char err[SD_ERR_LEN])
{
	int failed;

	pthread_mutex_lock(&w->mu);
	failed = w->failed;
	if (failed)
		snprintf(err, SD_ERR_LEN, "%s", w->err);
	w->failed = 0;
	pthread_mutex_unlock(&w->mu);
	return failed;
}

void
sd_fleet_file_free(struct sd_fleet_file *w, const struct sd_fleet *f)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	if (f != NULL)
		fleet_hand(w, f);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	free(w->job);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->path);
	free(w->tmp);
	free(w);
}
