/* sd_spoolrange.c: a time range read from the segments (see
 * sd_spoolrange.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_spoolrange.h"

/* Order segment numbers, for qsort(). */
static int
range_seq_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Keep segment seq in the list, growing it to at most the cap. */
static int
range_add(struct sd_spoolrange *r, uint32_t seq, size_t *cap,
    char err[SD_ERR_LEN])
{
	uint32_t *n;

	if (r->nsegs == *cap) {
		if (*cap >= SD_SPOOL_SEGS_MAX) {
			snprintf(err, SD_ERR_LEN, "%.200s: more than %u "
			    "segments", r->dir, SD_SPOOL_SEGS_MAX);
			return SD_ERR_NOSPACE;
		}
		*cap = *cap ? *cap * 2 : 64;
		n = realloc(r->segs, *cap * sizeof(*n));
		if (n == NULL) {
			snprintf(err, SD_ERR_LEN, "out of memory");
			return SD_ERR_NOMEM;
		}
		r->segs = n;
	}
	r->segs[r->nsegs++] = seq;
	return SD_OK;
}

int
sd_spoolrange_open(struct sd_spoolrange *r, const char *dir,
    int64_t since, int64_t until, char err[SD_ERR_LEN])
{
	struct dirent *de;
	size_t cap = 0;
	int64_t seq;
	int rc = SD_OK;
	DIR *d;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->since = since;
	r->until = until;
	snprintf(r->dir, sizeof(r->dir), "%.4000s", dir);
	d = opendir(dir);
	if (d == NULL) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", dir, strerror(errno));
		return SD_ERR_INVAL;
	}
	while (rc == SD_OK) {
		de = readdir(d);
		if (de == NULL)
			break;
		seq = sd_spool_seq_of(de->d_name);
		if (seq >= 0)
			rc = range_add(r, (uint32_t)seq, &cap, err);
	}
	closedir(d);
	if (r->nsegs > 1)
		qsort(r->segs, r->nsegs, sizeof(*r->segs), range_seq_cmp);
	if (rc != SD_OK)
		sd_spoolrange_close(r);
	return rc;
}

/* Close the segment being read. */
static void
range_seg_close(struct sd_spoolrange *r)
{
	if (r->fd < 0)
		return;
	sd_spoolscan_done(&r->scan);
	close(r->fd);
	r->fd = -1;
	r->held = 0;
}

void
sd_spoolrange_close(struct sd_spoolrange *r)
{
	range_seg_close(r);
	free(r->segs);
	r->segs = NULL;
	r->nsegs = 0;
}

/* Open the next listed segment that is still there: SD_OK (r->fd -1
 * when none is left), or an error with err. */
static int
range_seg_open(struct sd_spoolrange *r, char err[SD_ERR_LEN])
{
	char path[4200];
	struct stat st;
	int rc;

	while (r->fd < 0 && r->next < r->nsegs) {
		r->seq = r->segs[r->next++];
		snprintf(path, sizeof(path), "%s/readings-%08u.lp", r->dir,
		    r->seq);
		r->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (r->fd < 0 && errno == ENOENT) {
			/* Out of the list, so a seek back counts it once. */
			r->next--;
			memmove(&r->segs[r->next], &r->segs[r->next + 1],
			    (r->nsegs - r->next - 1) * sizeof(*r->segs));
			r->nsegs--;
			r->gone++;
			continue;
		}
		if (r->fd < 0 || fstat(r->fd, &st) != 0) {
			snprintf(err, SD_ERR_LEN, "%.200s: %s", path,
			    strerror(errno));
			range_seg_close(r);
			return SD_ERR_INVAL;
		}
		rc = sd_spoolscan_init(&r->scan, r->fd, (uint64_t)st.st_size);
		if (rc != SD_OK) {
			snprintf(err, SD_ERR_LEN, "out of memory");
			close(r->fd);
			r->fd = -1;
			return rc;
		}
	}
	return SD_OK;
}

/* The next line of the open segment into r->line (held): 1, 0 at the
 * segment's end (closed), -1 on a read error with err. */
static int
range_line(struct sd_spoolrange *r, char err[SD_ERR_LEN])
{
	int got;

	if (r->held)
		return 1;
	got = sd_spoolscan_next(&r->scan, &r->line);
	if (got < 0) {
		snprintf(err, SD_ERR_LEN, "readings-%08u.lp: %s", r->seq,
		    strerror(errno));
		return -1;
	}
	/* A line with no newline at the end is being written (or torn):
	 * not yet; one longer than the buffer (none of it kept) is bad. */
	if (got == 0 || (!r->line.whole && r->line.n > 0)) {
		range_seg_close(r);
		return 0;
	}
	r->held = 1;
	return 1;
}

int
sd_spoolrange_read(struct sd_spoolrange *r, char *buf, size_t cap,
    size_t *len, uint64_t *n, struct sd_spool_pos *at, char err[SD_ERR_LEN])
{
	const struct sd_spoolscan_line *l = &r->line;
	int got, in;

	*len = 0;
	*n = 0;
	for (;;) {
		if (range_seg_open(r, err) != SD_OK)
			return SD_ERR_INVAL;
		if (r->fd < 0)
			break;		/* the end */
		got = range_line(r, err);
		if (got < 0)
			return SD_ERR_INVAL;
		if (got == 0 && *len > 0)
			break;		/* a run ends with its segment */
		if (got == 0)
			continue;
		in = l->good && l->ts >= r->since && l->ts < r->until;
		if (*len > 0 && (!in || *len + l->len > cap))
			break;		/* held: read next time */
		if (in && l->len > cap) {
			snprintf(err, SD_ERR_LEN, "a line of %llu bytes: "
			    "no room", (unsigned long long)l->len);
			return SD_ERR_NOSPACE;
		}
		r->held = 0;
		if (!in) {
			r->bad += !l->good;
			continue;
		}
		if (*len == 0) {
			at->seq = r->seq;
			at->off = l->off;
		}
		memcpy(buf + *len, l->p, l->n);
		buf[*len + l->n] = '\n';
		*len += l->len;
		(*n)++;
	}
	r->lines += *n;
	return SD_OK;
}

int
sd_spoolrange_seek(struct sd_spoolrange *r, const struct sd_spool_pos *pos,
    char err[SD_ERR_LEN])
{
	size_t i;

	range_seg_close(r);
	for (i = 0; i < r->nsegs && r->segs[i] < pos->seq; i++)
		;
	r->next = i;
	if (i == r->nsegs || r->segs[i] != pos->seq)
		return SD_OK;	/* never listed: from the next one */
	if (range_seg_open(r, err) != SD_OK)
		return SD_ERR_INVAL;
	if (r->fd >= 0 && r->seq == pos->seq)
		sd_spoolscan_seek(&r->scan, pos->off);
	return SD_OK;
}

int
sd_spoolrange_ended(const struct sd_spoolrange *r)
{
	return r->fd < 0 && r->next >= r->nsegs;
}
