/*
 * sd_spool.c: line-protocol segments (see sd_spool.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_spool.h"

struct sd_spool {
	char		*dir;
	char		 path[4096];
	int		 fd;
	unsigned	 seq;		/* segment number */
	uint64_t	 written;	/* bytes in this segment */
	char		*buf;
	size_t		 len;
	size_t		 cap;
};

/* The highest segment number already in dir (0 when none). */
static unsigned
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

/* Start segment seq + 1. Each run starts a new one, so a segment a crash
 * cut mid-line is never appended to. */
static int
spool_open_next(struct sd_spool *sp, char err[SD_ERR_LEN])
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->seq++;
	snprintf(sp->path, sizeof(sp->path), "%s/readings-%08u.lp", sp->dir,
	    sp->seq);
	sp->fd = open(sp->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644);
	sp->written = 0;
	if (sp->fd < 0) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", sp->path,
		    strerror(errno));
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

struct sd_spool *
sd_spool_new(const char *dir, char err[SD_ERR_LEN])
{
	struct sd_spool *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		goto nomem;
	sp->fd = -1;
	sp->dir = strdup(dir);
	sp->cap = 256u << 10;
	sp->buf = malloc(sp->cap);
	if (sp->dir == NULL || sp->buf == NULL)
		goto nomem;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, SD_ERR_LEN, "%.200s: %s", dir, strerror(errno));
		goto fail;
	}
	sp->seq = spool_last_seq(dir);
	if (spool_open_next(sp, err) != SD_OK)
		goto fail;
	return sp;
nomem:
	snprintf(err, SD_ERR_LEN, "out of memory");
fail:
	if (sp != NULL) {
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
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->dir);
	free(sp->buf);
	free(sp);
}

int
sd_spool_append(struct sd_spool *sp, const char *line, size_t len)
{
	size_t ncap = sp->cap;
	char *nb;

	while (sp->len + len > ncap)
		ncap *= 2;
	if (ncap != sp->cap) {
		nb = realloc(sp->buf, ncap);
		if (nb == NULL)
			return SD_ERR_NOMEM;
		sp->buf = nb;
		sp->cap = ncap;
	}
	memcpy(sp->buf + sp->len, line, len);
	sp->len += len;
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
	if (rc == SD_OK && sp->written >= SD_SPOOL_SEGMENT)
		rc = spool_open_next(sp, err);
	return rc;
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
