/*
 * sockdeckd_spool.c: "sockdeckd spool stat|verify|repair", the spool
 * tool: what is in DATA_DIR/sensors/, whether every line is line
 * protocol, and the repair of what is not (replay, the fourth command,
 * is sockdeckd_replay.c).
 *
 * stat and verify only read, and run beside a server: the data
 * directory's lock (sd_datalock) says whether one runs, and then the
 * newest segment is being written: read up to its last whole line,
 * its tail not called torn. Cursors are read before the segments are
 * listed, so no cursor is ahead of what is listed. Each segment is
 * streamed through one buffer (sd_spoolscan), whatever its size.
 *
 * repair takes the lock (refused while a server runs) and rewrites each
 * segment with a bad line or a torn tail: its good lines to
 * readings-N.lp.repair, the rest to rejects/readings-N.lp.rejects.tmp
 * (each after a "# SEGMENT offset OFF: WHY" line), both synced. Lines
 * move, so a cursor inside the segment moves back by the bytes removed
 * before it. Then a journal (repair.journal: the segment, its sizes,
 * each cursor's old and new offset) is written and synced, and only
 * then are the files renamed into place and the cursors replaced; the
 * journal goes last. A kill at any point leaves the old segment or the
 * new one (renames), and a journal while they and the cursors may
 * disagree: the server refuses to start on it, and the next repair
 * finishes the work from it. Without a journal, what a killed repair
 * left (.repair, .tmp) is thrown away and the segment done again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_config.h"
#include "sd_datalock.h"
#include "sd_err.h"
#include "sd_esc.h"
#include "sd_spool.h"
#include "sd_spoolscan.h"
#include "sd_spoolw.h"
#include "sd_util.h"
#include "sockdeckd_replay.h"
#include "sockdeckd_spool.h"

#define SPOOL_CURSORS	16	/* cursor files looked at, at most */
#define SPOOL_SHOWN	1000	/* problems listed, at most */
#define SPOOL_QUOTE	120	/* bytes of a bad line quoted */

/* What the command line asks. */
struct spool_opts {
	const char	*dir;		/* --data-dir */
	const char	*config;	/* --config */
	int		 json;		/* --json */
};

struct spool_seg {
	uint32_t	 seq;
	uint64_t	 size;		/* at listing */
	uint64_t	 readings;	/* good lines */
	uint64_t	 bad;		/* bad lines */
	uint64_t	 torn;		/* bytes of a torn tail */
	uint64_t	 inflight;	/* bytes of a line being written */
	int64_t		 first_ts;	/* earliest timestamp, 0: none */
	int64_t		 last_ts;	/* latest */
	int		 gone;		/* removed since listed */
};

struct spool_cur {
	char			 name[32];
	int			 state;		/* SD_SPOOL_CURSOR_* */
	struct sd_spool_pos	 pos;
	char			 why[SD_ERR_LEN];
	uint64_t		 back_readings;
	uint64_t		 back_bytes;
	int64_t			 oldest;	/* 0: nothing undelivered */
	uint64_t		 removed;	/* repair: cut before it */
};

/* The spool as listed once. */
struct spool_ctx {
	const struct spool_opts	*o;
	char			 dir[4096];	/* DATA_DIR/sensors */
	struct spool_seg	*segs;
	size_t			 nsegs;
	struct spool_cur	 curs[SPOOL_CURSORS];
	size_t			 ncurs;
	int			 curs_over;
	int			 live;		/* a server holds the lock */
	char			 holder[SD_ERR_LEN];
	uint64_t		 problems;
	json_t			*shown;		/* verify --json */
};

/* A line's visitor: the segment's index, the line. */
typedef int (*spool_visit_fn)(struct spool_ctx *, size_t,
    const struct sd_spoolscan_line *, void *);

void
sockdeckd_spool_usage(FILE *fp)
{
	fputs(
"usage: sockdeckd spool [--data-dir DIR | --config FILE] [--json] COMMAND\n"
"       sockdeckd spool [--data-dir DIR | --config FILE] [--json] replay\n"
"           --sink influx|kafka --since TIME [--until TIME]\n"
"           [--give-up SECS] [the server's --influx-* or --kafka-* options]\n"
"\n"
"  stat                the segments (size, readings, first and last\n"
"                      timestamp), the time range, each sink's cursor\n"
"                      and backlog (readings, bytes, age)\n"
"  verify              every line is line protocol; torn tails and bad\n"
"                      lines by segment and byte offset\n"
"  repair              cut torn tails, move bad lines to\n"
"                      sensors/rejects/, move cursors with the lines\n"
"                      (refused while a server runs)\n"
"  replay              send the readings of since <= time < until again\n"
"                      to one sink, configured as the server's (its\n"
"                      --config file or options); no cursor moves.\n"
"                      While the sink fails it retries, and gives up\n"
"                      after --give-up SECS with nothing delivered\n"
"                      (60; 0: never). Progress on stderr\n"
"\n"
"  TIME                RFC 3339 (2026-12-05T08:00:00Z), Unix seconds,\n"
"                      or -30s, -30m, -2h, -7d (before now)\n"
"\n"
"  -d, --data-dir DIR  the server's data directory (./sockdeck-data)\n"
"  -c, --config FILE   sockdeckd's config file, for its data-dir (and\n"
"                      replay's sink)\n"
"  --json              stat, verify and replay's summary as JSON (ASCII\n"
"                      only)\n"
"\n"
"stat, verify and replay only read, and run beside a server.\n"
"Exit status: 0 clean (repair: clean now; replay: every reading of\n"
"the range delivered), 1 problems found (repair: some left; replay:\n"
"the sink gave up, refused readings, the range could not be read, or\n"
"interrupted), 2 could not run.\n", fp);
}

/* One error line, escaped (it may quote a path). */
static void spool_err(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
spool_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sd_put_verr("sockdeckd spool", fmt, ap);
	va_end(ap);
}

/* Order segments by number, for qsort(). */
static int
spool_seg_cmp(const void *a, const void *b)
{
	const struct spool_seg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The listed segment seq's index, or nsegs. */
static size_t
spool_find(const struct spool_ctx *c, uint32_t seq)
{
	size_t i;

	for (i = 0; i < c->nsegs && c->segs[i].seq < seq; i++)
		;
	return i < c->nsegs && c->segs[i].seq == seq ? i : c->nsegs;
}

/* Keep a regular segment file found in the directory. */
static int
spool_add_seg(struct spool_ctx *c, int dfd, const char *name, uint32_t seq,
    size_t *cap)
{
	struct spool_seg *n;
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		return SD_OK;	/* the server skips it too */
	if (c->nsegs == *cap) {
		if (*cap >= SD_SPOOL_SEGS_MAX) {
			spool_err("%.200s: more than %u segments", c->dir,
			    SD_SPOOL_SEGS_MAX);
			return SD_ERR_NOSPACE;
		}
		*cap = *cap ? *cap * 2 : 64;
		n = realloc(c->segs, *cap * sizeof(*n));
		if (n == NULL)
			return SD_ERR_NOMEM;
		c->segs = n;
	}
	memset(&c->segs[c->nsegs], 0, sizeof(c->segs[0]));
	c->segs[c->nsegs].seq = seq;
	c->segs[c->nsegs++].size = (uint64_t)st.st_size;
	return SD_OK;
}

/* Read the directory: with cursors, the cursor files first (names,
 * then each read); then the segments. */
static int
spool_list(struct spool_ctx *c, int cursors)
{
	struct dirent *de;
	char name[32];
	size_t cap = 0;
	int64_t seq;
	int rc = SD_OK;
	DIR *d = opendir(c->dir);

	if (d == NULL) {
		spool_err("%.200s: %s", c->dir, strerror(errno));
		return SD_ERR_INVAL;
	}
	while (cursors && (de = readdir(d)) != NULL) {
		if (!sd_spool_cursor_of(de->d_name, name))
			continue;
		if (c->ncurs == SPOOL_CURSORS) {
			c->curs_over = 1;
			continue;
		}
		snprintf(c->curs[c->ncurs++].name, sizeof(name), "%s", name);
	}
	for (size_t i = 0; i < c->ncurs; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s.cursor", c->dir,
		    c->curs[i].name);
		c->curs[i].state = sd_spool_cursor_read(path, &c->curs[i].pos,
		    c->curs[i].why);
	}
	rewinddir(d);
	while (rc == SD_OK && (de = readdir(d)) != NULL) {
		seq = sd_spool_seq_of(de->d_name);
		if (seq >= 0)
			rc = spool_add_seg(c, dirfd(d), de->d_name,
			    (uint32_t)seq, &cap);
	}
	closedir(d);
	if (c->nsegs > 1)
		qsort(c->segs, c->nsegs, sizeof(*c->segs), spool_seg_cmp);
	return rc;
}

/* A cursor read as text, checked against the listed segments as the
 * server checks it: its segment gone (older than the newest: counts
 * from the next one), past the end, or not at a line's start. */
static void
spool_cur_check(struct spool_ctx *c, struct spool_cur *k, int fd_of_seg)
{
	const struct spool_seg *s;
	size_t i;
	char b = '\n';

	if (k->state != SD_SPOOL_CURSOR_OK)
		return;
	i = spool_find(c, k->pos.seq);
	if (i == c->nsegs) {
		k->state = c->nsegs > 0 && k->pos.seq < c->segs[c->nsegs -
		    1].seq ? SD_SPOOL_CURSOR_GONE : SD_SPOOL_CURSOR_BAD;
		snprintf(k->why, SD_ERR_LEN, "segment %u is not in the spool",
		    k->pos.seq);
		return;
	}
	s = &c->segs[i];
	if (k->pos.off > s->size) {
		k->state = SD_SPOOL_CURSOR_BAD;
		snprintf(k->why, SD_ERR_LEN, "offset %llu is past the end of "
		    "readings-%08u.lp (%llu bytes)",
		    (unsigned long long)k->pos.off, s->seq,
		    (unsigned long long)s->size);
		return;
	}
	if (k->pos.off == 0 || fd_of_seg < 0)
		return;
	if (pread(fd_of_seg, &b, 1, (off_t)k->pos.off - 1) != 1 || b != '\n') {
		k->state = SD_SPOOL_CURSOR_BAD;
		snprintf(k->why, SD_ERR_LEN, "offset %llu of readings-%08u.lp "
		    "is not the start of a line",
		    (unsigned long long)k->pos.off, s->seq);
	}
}

/* Open segment i for reading, a regular file never through a link. */
static int
spool_open_seg(const struct spool_ctx *c, size_t i)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/readings-%08u.lp", c->dir,
	    c->segs[i].seq);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !(errno == ENOENT && c->live))
		spool_err("%.200s: %s", path, strerror(errno));
	return fd;
}

/* Every line of segment i to visit (a tail without newline in the
 * segment a running server writes is in flight: not visited, counted).
 * SD_OK, or an error said. */
static int
spool_scan(struct spool_ctx *c, size_t i, spool_visit_fn visit, void *arg)
{
	struct spool_seg *s = &c->segs[i];
	struct sd_spoolscan sc;
	struct sd_spoolscan_line l;
	int fd = spool_open_seg(c, i), got, rc = SD_OK;
	size_t k;

	if (fd < 0 && errno == ENOENT && c->live) {
		s->gone = 1;	/* retention removed it since the listing */
		s->size = 0;
		return SD_OK;
	}
	if (fd < 0)
		return SD_ERR_INVAL;
	for (k = 0; k < c->ncurs; k++) {
		if (c->curs[k].state == SD_SPOOL_CURSOR_OK &&
		    c->curs[k].pos.seq == s->seq)
			spool_cur_check(c, &c->curs[k], fd);
	}
	if (sd_spoolscan_init(&sc, fd, s->size) != SD_OK) {
		close(fd);
		spool_err("out of memory");
		return SD_ERR_NOMEM;
	}
	while (rc == SD_OK && (got = sd_spoolscan_next(&sc, &l)) == 1) {
		if (!l.whole && c->live && i + 1 == c->nsegs) {
			s->inflight = l.len;
			break;
		}
		rc = visit(c, i, &l, arg);
	}
	if (rc == SD_OK && got < 0) {
		spool_err("readings-%08u.lp: %s", s->seq, strerror(errno));
		rc = SD_ERR_INVAL;
	}
	sd_spoolscan_done(&sc);
	close(fd);
	return rc;
}

/* Whether line l of segment seq is one cursor k has not delivered. */
static int
spool_undelivered(const struct spool_cur *k, uint32_t seq,
    const struct sd_spoolscan_line *l)
{
	if (k->state == SD_SPOOL_CURSOR_BAD)
		return 1;	/* the sink delivers all again */
	return seq > k->pos.seq || (seq == k->pos.seq && l->off >= k->pos.off);
}

/* stat's visitor: counts, times, each cursor's backlog. */
static int
stat_visit(struct spool_ctx *c, size_t i, const struct sd_spoolscan_line *l,
    void *arg)
{
	struct spool_seg *s = &c->segs[i];
	struct spool_cur *k;
	size_t j;

	(void)arg;
	if (!l->whole) {
		s->torn += l->len;
		return SD_OK;
	}
	if (!l->good) {
		s->bad++;
		return SD_OK;
	}
	s->readings++;
	if (s->first_ts == 0 || l->ts < s->first_ts)
		s->first_ts = l->ts;
	if (s->last_ts == 0 || l->ts > s->last_ts)
		s->last_ts = l->ts;
	for (j = 0; j < c->ncurs; j++) {
		k = &c->curs[j];
		if (!spool_undelivered(k, s->seq, l))
			continue;
		k->back_readings++;
		k->back_bytes += l->len;
		if (k->oldest == 0 || l->ts < k->oldest)
			k->oldest = l->ts;
	}
	return SD_OK;
}

static const char *
spool_cur_state(int state)
{
	return state == SD_SPOOL_CURSOR_OK ? "ok" : state ==
	    SD_SPOOL_CURSOR_GONE ? "gone" : "untrusted";
}

/* A timestamp for people: RFC 3339 UTC, or "-". */
static void
spool_ts(int64_t ns, char buf[40])
{
	if (ns == 0)
		snprintf(buf, 40, "-");
	else
		sd_fmt_rfc3339(ns, buf, 40);
}

/* Seconds from ns to now, never below 0. */
static double
spool_age(int64_t ns)
{
	int64_t d = sd_now_ns() - ns;

	return ns == 0 || d < 0 ? 0.0 : (double)d / 1e9;
}

/* stat as JSON. */
static void
stat_json(const struct spool_ctx *c, uint64_t bytes, uint64_t readings,
    int64_t first, int64_t last)
{
	json_t *o = json_object(), *a = json_array(), *k = json_array();
	const struct spool_seg *s;
	const struct spool_cur *u;
	char name[32], *text;
	size_t i;

	for (i = 0; i < c->nsegs; i++) {
		s = &c->segs[i];
		snprintf(name, sizeof(name), "readings-%08u.lp", s->seq);
		json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:I,s:I,"
		    "s:I,s:I,s:I,s:b}", "name", name, "size",
		    (json_int_t)s->size,
		    "readings", (json_int_t)s->readings, "bad",
		    (json_int_t)s->bad, "torn_bytes", (json_int_t)s->torn,
		    "inflight_bytes", (json_int_t)s->inflight, "first_ts",
		    (json_int_t)s->first_ts, "last_ts",
		    (json_int_t)s->last_ts, "gone", s->gone));
	}
	for (i = 0; i < c->ncurs; i++) {
		u = &c->curs[i];
		json_array_append_new(k, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,"
		    "s:I,s:I,s:f}", "sink", u->name, "state",
		    spool_cur_state(u->state), "why", u->why, "segment",
		    (json_int_t)u->pos.seq, "offset", (json_int_t)u->pos.off,
		    "backlog_readings", (json_int_t)u->back_readings,
		    "backlog_bytes", (json_int_t)u->back_bytes, "oldest_ts",
		    (json_int_t)u->oldest, "backlog_age_s",
		    spool_age(u->oldest)));
	}
	json_object_set_new(o, "dir", json_string(c->dir));
	json_object_set_new(o, "server", c->live ? json_string(c->holder) :
	    json_null());
	json_object_set_new(o, "segments", a);
	json_object_set_new(o, "total_bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "readings", json_integer((json_int_t)readings));
	json_object_set_new(o, "first_ts", json_integer((json_int_t)first));
	json_object_set_new(o, "last_ts", json_integer((json_int_t)last));
	json_object_set_new(o, "sinks", k);
	json_object_set_new(o, "more_cursors", json_boolean(c->curs_over));
	text = sd_json_dumps(o);
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* stat as tables. */
static void
stat_text(const struct spool_ctx *c, uint64_t bytes, uint64_t readings,
    int64_t first, int64_t last)
{
	const struct spool_seg *s;
	const struct spool_cur *u;
	char a[40], b[40], at[64];
	size_t i;

	printf("spool %s%s%s\n", c->dir, c->live ? ", in use by " : "",
	    c->live ? c->holder : "");
	printf("%-20s %12s %10s  %-24s  %s\n", "SEGMENT", "BYTES", "READINGS",
	    "FIRST", "LAST");
	for (i = 0; i < c->nsegs; i++) {
		s = &c->segs[i];
		spool_ts(s->first_ts, a);
		spool_ts(s->last_ts, b);
		printf("readings-%08u.lp %12llu %10llu  %-24s  %s%s\n",
		    s->seq, (unsigned long long)s->size,
		    (unsigned long long)s->readings, a, b,
		    s->bad || s->torn ? "  (problems: spool verify)" :
		    s->inflight ? "  (being written)" : s->gone ?
		    "  (removed by the server meanwhile)" : "");
	}
	spool_ts(first, a);
	spool_ts(last, b);
	printf("total: %zu segments, %llu bytes, %llu readings, %s to %s\n",
	    c->nsegs, (unsigned long long)bytes, (unsigned long long)readings,
	    a, b);
	printf("\n%-12s %-30s %10s %12s %10s\n", "SINK", "CURSOR", "BACKLOG",
	    "BYTES", "AGE");
	for (i = 0; i < c->ncurs; i++) {
		u = &c->curs[i];
		if (u->state == SD_SPOOL_CURSOR_OK)
			snprintf(at, sizeof(at), "readings-%08u.lp:%llu",
			    u->pos.seq, (unsigned long long)u->pos.off);
		else
			snprintf(at, sizeof(at), "%s", spool_cur_state(
			    u->state));
		printf("%-12s %-30s %10llu %12llu %9.1fs\n", u->name, at,
		    (unsigned long long)u->back_readings,
		    (unsigned long long)u->back_bytes, spool_age(u->oldest));
		if (u->state != SD_SPOOL_CURSOR_OK) {
			fputs("  ", stdout);
			sd_put_text(stdout, u->why, strlen(u->why));
			fputs("\n", stdout);
		}
	}
	if (c->curs_over)
		printf("(more than %d cursor files: the others not shown)\n",
		    SPOOL_CURSORS);
}

/* "stat". */
static int
spool_stat(struct spool_ctx *c)
{
	uint64_t bytes = 0, readings = 0;
	int64_t first = 0, last = 0;
	size_t i;

	for (i = 0; i < c->ncurs; i++)
		spool_cur_check(c, &c->curs[i], -1);
	for (i = 0; i < c->nsegs; i++) {
		if (spool_scan(c, i, stat_visit, NULL) != SD_OK)
			return 2;
		bytes += c->segs[i].size;
		readings += c->segs[i].readings;
		if (c->segs[i].first_ts != 0 && (first == 0 ||
		    c->segs[i].first_ts < first))
			first = c->segs[i].first_ts;
		if (c->segs[i].last_ts > last)
			last = c->segs[i].last_ts;
	}
	if (c->o->json)
		stat_json(c, bytes, readings, first, last);
	else
		stat_text(c, bytes, readings, first, last);
	return 0;
}

/* A line's bytes quoted for a terminal: escaped, cut. */
static void
spool_quote(const struct sd_spoolscan_line *l, char *out, size_t len)
{
	size_t n = l->n < SPOOL_QUOTE ? l->n : SPOOL_QUOTE;
	size_t w = sd_esc_text(l->p, n, out, len, SD_ESC_ASCII, NULL);

	if (n < l->n && w + 4 < len)
		memcpy(out + w, "...", 4);
}

/* What is wrong with line l (NULL: nothing). */
static const char *
spool_problem(const struct sd_spoolscan_line *l)
{
	if (!l->whole)
		return "torn tail (no newline)";
	if (l->good)
		return NULL;
	return l->n == 0 && l->len > 1 ? "line longer than 64 KiB" :
	    "not line protocol";
}

/* verify's visitor: each problem said (the first SPOOL_SHOWN). */
static int
verify_visit(struct spool_ctx *c, size_t i,
    const struct sd_spoolscan_line *l, void *arg)
{
	const char *what = spool_problem(l);
	char q[SPOOL_QUOTE * SD_ESC_MAX + 8], name[32];

	(void)arg;
	c->segs[i].readings += l->good;
	if (what == NULL)
		return SD_OK;
	if (c->problems++ >= SPOOL_SHOWN)
		return SD_OK;
	spool_quote(l, q, sizeof(q));
	snprintf(name, sizeof(name), "readings-%08u.lp", c->segs[i].seq);
	if (c->o->json) {
		json_array_append_new(c->shown, json_pack("{s:s,s:I,s:I,s:s,"
		    "s:s}", "segment", name, "offset", (json_int_t)l->off,
		    "bytes", (json_int_t)l->len, "problem", what, "line", q));
		return SD_OK;
	}
	printf("%s:%llu: %s (%llu bytes): %s\n", name,
	    (unsigned long long)l->off, what, (unsigned long long)l->len, q);
	return SD_OK;
}

/* "verify": 0 clean, 1 problems, 2 could not read. */
static int
spool_verify(struct spool_ctx *c)
{
	uint64_t readings = 0;
	json_t *o;
	char *text;
	size_t i;

	c->shown = json_array();
	for (i = 0; i < c->nsegs; i++) {
		if (spool_scan(c, i, verify_visit, NULL) != SD_OK) {
			json_decref(c->shown);
			return 2;
		}
		readings += c->segs[i].readings;
	}
	if (c->o->json) {
		o = json_pack("{s:s,s:I,s:I,s:I,s:o,s:b}", "dir", c->dir,
		    "segments", (json_int_t)c->nsegs, "readings",
		    (json_int_t)readings, "problems", (json_int_t)c->problems,
		    "shown", c->shown, "clean", c->problems == 0);
		text = sd_json_dumps(o);
		if (text != NULL)
			printf("%s\n", text);
		free(text);
		json_decref(o);
	} else {
		json_decref(c->shown);
		if (c->problems > SPOOL_SHOWN)
			printf("... and %llu more\n", (unsigned long long)
			    (c->problems - SPOOL_SHOWN));
		printf("%zu segments, %llu readings, %llu problems%s\n",
		    c->nsegs, (unsigned long long)readings,
		    (unsigned long long)c->problems, c->problems ?
		    " (sockdeckd spool repair fixes them)" : "");
	}
	return c->problems > 0;
}

/* ------------------------------------------------------------ repair */

/* Tests stop a repair at its nth step (SD_FAULT_REPAIR_KILL=n) as a
 * kill -9 would, to prove every step leaves a spool the next repair
 * finishes (integration test 193). */
static void
repair_step(void)
{
#ifdef SD_FAULT_INJECTION
	static long at = -1, count;
	const char *v;

	if (at < 0) {
		v = getenv("SD_FAULT_REPAIR_KILL");
		at = v != NULL ? strtol(v, NULL, 10) : 0;
	}
	if (at > 0 && ++count == at)
		raise(SIGKILL);
#endif
}

/* fsync a directory (a rename or unlink in it made durable). */
static int
repair_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Create path anew (a stale one removed first), 0640, never through a
 * link: its descriptor, or -1 said. */
static int
repair_create(const char *path)
{
	int fd;

	if (unlink(path) != 0 && errno != ENOENT)
		errno = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd < 0 || fchmod(fd, 0640) != 0) {
		spool_err("%.200s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* What rewriting one segment uses. */
struct repair_job {
	size_t		 i;		/* the segment */
	char		 seg[4200];	/* readings-N.lp */
	char		 tmp[4300];	/* readings-N.lp.repair */
	char		 rej[4300];	/* rejects/readings-N.lp.rejects */
	char		 rejtmp[4400];	/* the same, .tmp */
	int		 in;		/* the segment, for long lines */
	int		 out;		/* tmp */
	int		 rout;		/* rejtmp */
	uint64_t	 kept;		/* bytes written to tmp */
	char		 obuf[SD_SPOOLSCAN_BUF]; /* good lines, gathered */
	size_t		 olen;
	uint64_t	 moved;		/* lines to rejects */
	int		 err;		/* a write failed (errno) */
};

static void
repair_paths(const struct spool_ctx *c, uint32_t seq, struct repair_job *j)
{
	snprintf(j->seg, sizeof(j->seg), "%s/readings-%08u.lp", c->dir, seq);
	snprintf(j->tmp, sizeof(j->tmp), "%s.repair", j->seg);
	snprintf(j->rej, sizeof(j->rej), "%s/rejects/readings-%08u.lp.rejects",
	    c->dir, seq);
	snprintf(j->rejtmp, sizeof(j->rejtmp), "%s.tmp", j->rej);
}

/* Write the good lines gathered: 0 or an errno. (A good line is
 * shorter than the scanner's buffer, so it fits an empty one.) */
static int
repair_flush(struct repair_job *j)
{
	int err = sd_write_all(j->out, j->obuf, j->olen);

	j->olen = 0;
	return err;
}

/* A line longer than the scanner's buffer, to rejects from the
 * segment itself, a piece at a time (its newline left out): 0 or an
 * errno. */
static int
repair_copy(struct repair_job *j, const struct sd_spoolscan_line *l)
{
	char buf[65536];
	uint64_t at = l->off, end = l->off + l->len - (uint64_t)l->whole;
	ssize_t n;
	int err = 0;

	while (err == 0 && at < end) {
		n = pread(j->in, buf, end - at < sizeof(buf) ?
		    (size_t)(end - at) : sizeof(buf), (off_t)at);
		if (n <= 0)
			return n < 0 ? errno : EIO;
		err = sd_write_all(j->rout, buf, (size_t)n);
		at += (uint64_t)n;
	}
	return err;
}

/* repair's visitor: good lines to the new segment, others to rejects
 * after a line saying where they were; each cursor past a removed line
 * moves back by its bytes. */
static int
repair_visit(struct spool_ctx *c, size_t i,
    const struct sd_spoolscan_line *l, void *arg)
{
	struct repair_job *j = arg;
	const char *what = spool_problem(l);
	char head[128];
	size_t k;
	int n;

	if (j->err != 0)
		return SD_OK;
	if (what == NULL) {
		if (j->olen + l->len > sizeof(j->obuf))
			j->err = repair_flush(j);
		memcpy(j->obuf + j->olen, l->p, l->len);
		j->olen += l->len;
		j->kept += l->len;
		return SD_OK;
	}
	n = snprintf(head, sizeof(head), "# readings-%08u.lp offset %llu: "
	    "%s\n", c->segs[i].seq, (unsigned long long)l->off, what);
	j->err = sd_write_all(j->rout, head, (size_t)n);
	if (j->err == 0)
		j->err = l->n + l->whole < l->len ? repair_copy(j, l) :
		    sd_write_all(j->rout, l->p, l->n);
	if (j->err == 0)
		j->err = sd_write_all(j->rout, "\n", 1);
	j->moved++;
	for (k = 0; k < c->ncurs; k++) {
		if (c->curs[k].state == SD_SPOOL_CURSOR_OK &&
		    c->curs[k].pos.seq == c->segs[i].seq &&
		    l->off < c->curs[k].pos.off)
			c->curs[k].removed += l->len;
	}
	return SD_OK;
}

/* Copy what rejects/ already holds for this segment (an earlier
 * repair) to the front of the new rejects file. */
static int
repair_keep_rejects(struct repair_job *j)
{
	char buf[65536];
	ssize_t n;
	int fd = open(j->rej, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : errno;
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		rc = sd_write_all(j->rout, buf, (size_t)n);
	if (n < 0 && rc == 0)
		rc = errno;
	close(fd);
	return rc;
}

/* The journal's text: the segment, its new size, each moved cursor
 * with its old and new offset. */
static size_t
repair_journal_text(const struct spool_ctx *c, const struct repair_job *j,
    char *buf, size_t len)
{
	const struct spool_cur *k;
	size_t n, i;

	n = (size_t)snprintf(buf, len, "segment %u %llu\n",
	    c->segs[j->i].seq, (unsigned long long)j->kept);
	for (i = 0; i < c->ncurs && n < len; i++) {
		k = &c->curs[i];
		if (k->state == SD_SPOOL_CURSOR_OK && k->removed > 0 &&
		    k->pos.seq == c->segs[j->i].seq)
			n += (size_t)snprintf(buf + n, len - n, "cursor %s "
			    "%llu %llu\n", k->name,
			    (unsigned long long)k->pos.off,
			    (unsigned long long)(k->pos.off - k->removed));
	}
	return n < len ? n : len;
}

/* Move cursor name from seq:from to seq:to, when it still says from
 * (a rerun after a kill finds some moved already). */
static int
repair_cursor(const struct spool_ctx *c, const char *name, uint32_t seq,
    uint64_t from, uint64_t to)
{
	struct sd_spool_pos pos;
	char path[4200], file[64], line[64], why[SD_ERR_LEN];
	int n;

	snprintf(path, sizeof(path), "%s/%s.cursor", c->dir, name);
	if (sd_spool_cursor_read(path, &pos, why) != SD_SPOOL_CURSOR_OK ||
	    pos.seq != seq || pos.off != from)
		return SD_OK;
	snprintf(file, sizeof(file), "%s.cursor", name);
	n = snprintf(line, sizeof(line), "%u %llu\n", seq,
	    (unsigned long long)to);
	if (sd_spoolw_replace_now(c->dir, file, line, (size_t)n,
	    SD_FSYNC_ALWAYS, why) != 0) {
		spool_err("%s", why);
		return SD_ERR_INVAL;
	}
	printf("%s.cursor: readings-%08u.lp offset %llu -> %llu\n", name, seq,
	    (unsigned long long)from, (unsigned long long)to);
	return SD_OK;
}

/* Do what the journal says, from wherever a kill stopped it: the
 * rejects and the segment renamed into place (when still beside it),
 * the cursors moved, the journal removed. */
static int
repair_finish(struct spool_ctx *c)
{
	char path[4200], rejdir[4200], *text = NULL, *line, *save, name[40];
	char err[SD_ERR_LEN];
	struct repair_job j;
	struct stat st;
	unsigned long long a, b;
	unsigned seq = 0;
	size_t len;
	int rc = SD_ERR_INVAL;

	snprintf(path, sizeof(path), "%s/%s", c->dir, SD_SPOOL_JOURNAL);
	if (sd_read_file(path, 4096, &text, &len, err) != SD_OK) {
		spool_err("%s", err);
		return rc;
	}
	if (sscanf(text, "segment %u %llu\n", &seq, &a) != 2) {
		spool_err("%.200s: not a repair journal", path);
		goto out;
	}
	repair_paths(c, seq, &j);
	snprintf(rejdir, sizeof(rejdir), "%s/rejects", c->dir);
	if ((rename(j.rejtmp, j.rej) != 0 && errno != ENOENT) ||
	    repair_sync_dir(rejdir) != 0)
		goto sys;
	repair_step();
	if (rename(j.tmp, j.seg) != 0 && errno != ENOENT)
		goto sys;
	repair_step();
	if (repair_sync_dir(c->dir) != 0 || lstat(j.seg, &st) != 0)
		goto sys;
	if ((unsigned long long)st.st_size != a) {
		spool_err("%.200s: %llu bytes, the journal says %llu: left "
		    "as it is", j.seg, (unsigned long long)st.st_size, a);
		goto out;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "cursor %31s %llu %llu", name, &a, &b) == 3 &&
		    repair_cursor(c, name, seq, a, b) != SD_OK)
			goto out;
		repair_step();
	}
	/* The cursors' renames reach the disk before the journal goes. */
	if (repair_sync_dir(c->dir) != 0 || unlink(path) != 0 ||
	    repair_sync_dir(c->dir) != 0)
		goto sys;
	rc = SD_OK;
	goto out;
sys:
	spool_err("%.200s: %s", c->dir, strerror(errno));
out:
	free(text);
	return rc;
}

/* Close the two files being written, synced: SD_OK, or the errno said. */
static int
repair_close(struct repair_job *j)
{
	int err = j->err;

	if (err == 0)
		err = repair_flush(j);
	if (err == 0 && (fsync(j->out) != 0 || fsync(j->rout) != 0))
		err = errno;
	close(j->in);
	close(j->out);
	close(j->rout);
	if (err != 0) {
		spool_err("%.200s: %s", j->tmp, strerror(err));
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/* The new segment takes the old one's time: retention by age goes by
 * it, and the readings are as old as they were. */
static void
repair_keep_mtime(const struct repair_job *j)
{
	struct timespec ts[2];
	struct stat st;

	if (lstat(j->seg, &st) != 0)
		return;
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	if (utimensat(AT_FDCWD, j->tmp, ts, AT_SYMLINK_NOFOLLOW) != 0)
		errno = 0;	/* only the age is off */
}

/* Rewrite segment i (it has problems): new segment and rejects beside
 * the old, synced; the journal; then the renames and cursors
 * (repair_finish). */
static int
repair_segment(struct spool_ctx *c, size_t i)
{
	char jtext[4096], jname[64];
	struct repair_job j;
	size_t n, k;

	memset(&j, 0, sizeof(j));
	j.i = i;
	repair_paths(c, c->segs[i].seq, &j);
	for (k = 0; k < c->ncurs; k++)
		c->curs[k].removed = 0;
	j.in = spool_open_seg(c, i);
	if (j.in < 0)
		return SD_ERR_INVAL;
	j.out = repair_create(j.tmp);
	j.rout = j.out < 0 ? -1 : repair_create(j.rejtmp);
	if (j.rout < 0) {
		if (j.out >= 0)
			close(j.out);
		close(j.in);
		return SD_ERR_INVAL;
	}
	j.err = repair_keep_rejects(&j);
	repair_step();
	if (spool_scan(c, i, repair_visit, &j) != SD_OK) {
		j.err = j.err ? j.err : EIO;
		repair_close(&j);
		return SD_ERR_INVAL;
	}
	if (repair_close(&j) != SD_OK)
		return SD_ERR_INVAL;
	repair_keep_mtime(&j);
	repair_step();
	n = repair_journal_text(c, &j, jtext, sizeof(jtext));
	snprintf(jname, sizeof(jname), "%s", SD_SPOOL_JOURNAL);
	if (sd_spoolw_replace_now(c->dir, jname, jtext, n, SD_FSYNC_ALWAYS,
	    jtext) != 0) {
		spool_err("%s", jtext);
		return SD_ERR_INVAL;
	}
	/* The journal is on disk before anything it speaks of moves. */
	if (repair_sync_dir(c->dir) != 0) {
		spool_err("%.200s: %s", c->dir, strerror(errno));
		return SD_ERR_INVAL;
	}
	repair_step();
	printf("readings-%08u.lp: %llu line%s moved to rejects/, %llu of "
	    "%llu bytes kept\n", c->segs[i].seq, (unsigned long long)j.moved,
	    j.moved == 1 ? "" : "s", (unsigned long long)j.kept,
	    (unsigned long long)c->segs[i].size);
	return repair_finish(c);
}

/* What a repair killed before its journal left: thrown away. */
static void
repair_clean(const struct spool_ctx *c)
{
	struct repair_job j;
	size_t i;

	for (i = 0; i < c->nsegs; i++) {
		repair_paths(c, c->segs[i].seq, &j);
		if (unlink(j.tmp) != 0 || unlink(j.rejtmp) != 0)
			errno = 0;	/* mostly: nothing there */
	}
}

/* Whether segment i needs rewriting: a bad line or a torn tail. */
static int
repair_needed(struct spool_ctx *c, size_t i)
{
	if (spool_scan(c, i, stat_visit, NULL) != SD_OK)
		return -1;
	return c->segs[i].bad > 0 || c->segs[i].torn > 0;
}

/* "repair", under the data directory's lock: 0 clean now, 1 not all
 * repaired, 2 could not run. */
static int
spool_repair(struct spool_ctx *c, const char *data_dir)
{
	char err[SD_ERR_LEN], path[4200];
	struct stat st;
	size_t i, fixed = 0;
	int lock, rc = 0, need;

	lock = sd_datalock_take(data_dir, "sockdeckd spool repair", err);
	if (lock < 0) {
		spool_err("%s: repair refused (stop the server first; stat "
		    "and verify work while it runs)", err);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, SD_SPOOL_JOURNAL);
	if (lstat(path, &st) == 0) {
		printf("finishing an interrupted repair\n");
		if (repair_finish(c) != SD_OK) {
			rc = 1;
			goto out;
		}
		/* Segments and cursors as the journal left them. */
		free(c->segs);
		c->segs = NULL;
		c->nsegs = c->ncurs = 0;
		c->curs_over = 0;
		if (spool_list(c, 1) != SD_OK) {
			rc = 2;
			goto out;
		}
	}
	repair_clean(c);
	snprintf(path, sizeof(path), "%s/rejects", c->dir);
	if (mkdir(path, 0750) == 0)
		chmod(path, 0750);
	for (i = 0; i < c->nsegs && rc == 0; i++) {
		need = repair_needed(c, i);
		if (need < 0 || (need && repair_segment(c, i) != SD_OK))
			rc = 1;
		fixed += need > 0;
		c->segs[i].bad = c->segs[i].torn = 0;
	}
	if (rc == 0)
		printf("%zu segment%s repaired, %zu clean\n", fixed,
		    fixed == 1 ? "" : "s", c->nsegs - fixed);
out:
	close(lock);
	return rc;
}

/* ----------------------------------------------------------- command */

/* The options, anywhere on the line: -1 to go on, else the status. */
static int
spool_options(int argc, char **argv, struct spool_opts *o)
{
	static const struct option opts[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "d:c:h", opts, NULL)) != -1) {
		if (c == 'd')
			o->dir = optarg;
		else if (c == 'c')
			o->config = optarg;
		else if (c == 'j')
			o->json = 1;
		else {
			sockdeckd_spool_usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	return -1;
}

/* The data directory: --data-dir, the config file's, or the default. */
static int
spool_data_dir(struct spool_opts *o, struct sd_config *cfg)
{
	char *argv[] = { "sockdeckd", "--config", (char *)o->config, NULL };
	char err[SD_ERR_LEN];

	if (o->dir != NULL)
		return SD_OK;
	if (o->config != NULL &&
	    sd_config_parse(cfg, 3, argv, err) != SD_OK) {
		spool_err("%s", err);
		return SD_ERR_INVAL;
	}
	o->dir = cfg->data_dir;
	return SD_OK;
}

int
sockdeckd_spool_main(int argc, char **argv)
{
	struct spool_opts o = { 0 };
	struct spool_ctx c;
	struct sd_config cfg;
	const char *cmd;
	struct stat st;
	int rc;

	/* replay takes the server's options, which spool_options does
	 * not know. */
	if (sockdeckd_replay_wanted(argc, argv))
		return sockdeckd_replay_main(argc, argv);
	rc = spool_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	cmd = optind + 1 == argc ? argv[optind] : "";
	if (strcmp(cmd, "stat") != 0 && strcmp(cmd, "verify") != 0 &&
	    (strcmp(cmd, "repair") != 0 || o.json)) {
		sockdeckd_spool_usage(stderr);
		return 2;
	}
	if (sd_config_init(&cfg) != SD_OK)
		return 2;
	memset(&c, 0, sizeof(c));
	c.o = &o;
	rc = 2;
	if (spool_data_dir(&o, &cfg) != SD_OK)
		goto out;
	snprintf(c.dir, sizeof(c.dir), "%.4000s/sensors", o.dir);
	if (stat(c.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		spool_err("%.200s: %s", c.dir, errno ? strerror(errno) :
		    "not a directory");
		goto out;
	}
	c.live = sd_datalock_held(o.dir, c.holder);
	if (c.live < 0) {
		spool_err("%s", c.holder);
		goto out;
	}
	if (spool_list(&c, 1) != SD_OK)
		goto out;
	if (strcmp(cmd, "stat") == 0)
		rc = spool_stat(&c);
	else if (strcmp(cmd, "verify") == 0)
		rc = spool_verify(&c);
	else
		rc = spool_repair(&c, o.dir);
out:
	free(c.segs);
	sd_config_done(&cfg);
	return rc;
}
