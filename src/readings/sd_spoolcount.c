/*
 * sd_spoolcount.c: segments' lines counted on a thread of their own
 * (see sd_spoolcount.h).
 *
 * A newline count with memchr over a 64 KiB buffer, not sd_spoolscan:
 * a sink moves past every whole line, parsed or not, so the count a
 * backlog needs is the newlines, and parsing each line would only make
 * the census slower.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_spoolcount.h"

#define COUNT_BUF	(64u << 10)

enum { ASK_FREE, ASK_OPEN, ASK_DONE };

struct count_ask {
	int		 state;
	const void	*owner;		/* NULL: cancelled */
	uint32_t	 seq;
	uint64_t	 off;
	uint64_t	 lines;
};

struct sd_spoolcount {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 quit;
	const char	*dir;
	char		*buf;		/* the thread's */
	struct count_ask asks[SD_SPOOLCOUNT_ASKS];
	uint32_t	*cseq;		/* the census: asked, */
	uint64_t	*csize;
	uint64_t	*clines;	/* counted, */
	size_t		 cn;
	int		 cstate;	/* 0 none, 1 open, 2 done, 3 taken */
};

uint64_t
sd_spoolcount_lines(int fd, uint64_t end, char *buf, size_t len)
{
	uint64_t at = 0, n = 0;
	const char *p, *e;
	ssize_t got;

	while (at < end) {
		got = pread(fd, buf, end - at < len ? (size_t)(end - at) : len,
		    (off_t)at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		e = buf + got;
		p = memchr(buf, '\n', (size_t)got);
		while (p != NULL) {
			n++;
			p++;
			p = memchr(p, '\n', (size_t)(e - p));
		}
		at += (uint64_t)got;
	}
	return n;
}

/* Lines of segment seq before off (0 when it cannot be opened). */
static uint64_t
count_segment(struct sd_spoolcount *c, uint32_t seq, uint64_t off)
{
	char path[4096];
	uint64_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/readings-%08u.lp", c->dir, seq);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = sd_spoolcount_lines(fd, off, c->buf, COUNT_BUF);
	close(fd);
	return n;
}

/* Answer the open questions (lock held; released while counting). */
static void
count_asks(struct sd_spoolcount *c)
{
	struct count_ask *a;
	uint64_t n;
	size_t i;

	for (i = 0; i < SD_SPOOLCOUNT_ASKS && !c->quit; i++) {
		a = &c->asks[i];
		if (a->state != ASK_OPEN)
			continue;
		pthread_mutex_unlock(&c->lock);
		n = count_segment(c, a->seq, a->off);
		pthread_mutex_lock(&c->lock);
		a->lines = n;
		a->state = a->owner != NULL ? ASK_DONE : ASK_FREE;
	}
}

/* Count the census, segment by segment, questions answered between
 * (lock held; released while counting). */
static void
count_census(struct sd_spoolcount *c)
{
	uint64_t n;
	size_t i;

	for (i = 0; i < c->cn && !c->quit; i++) {
		pthread_mutex_unlock(&c->lock);
		n = count_segment(c, c->cseq[i], c->csize[i]);
		pthread_mutex_lock(&c->lock);
		c->clines[i] = n;
		count_asks(c);
	}
	if (!c->quit)
		c->cstate = 2;
}

/* Whether a question is open. */
static int
count_has_ask(const struct sd_spoolcount *c)
{
	size_t i;

	for (i = 0; i < SD_SPOOLCOUNT_ASKS; i++) {
		if (c->asks[i].state == ASK_OPEN)
			return 1;
	}
	return 0;
}

static void *
count_main(void *arg)
{
	struct sd_spoolcount *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->quit) {
		if (c->cstate == 1)
			count_census(c);
		else if (count_has_ask(c))
			count_asks(c);
		else
			pthread_cond_wait(&c->cond, &c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct sd_spoolcount *
sd_spoolcount_new(const char *dir)
{
	struct sd_spoolcount *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->dir = dir;
	c->buf = malloc(COUNT_BUF);
	if (c->buf == NULL)
		goto fail;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->thread, NULL, count_main, c) != 0) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->cond);
		goto fail;
	}
	return c;
fail:
	free(c->buf);
	free(c);
	return NULL;
}

void
sd_spoolcount_free(struct sd_spoolcount *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->quit = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->cseq);
	free(c->csize);
	if (c->cstate != 3)
		free(c->clines);
	free(c->buf);
	free(c);
}

int
sd_spoolcount_census(struct sd_spoolcount *c, const uint32_t *seq,
    const uint64_t *size, size_t n)
{
	uint32_t *s = malloc((n ? n : 1) * sizeof(*s));
	uint64_t *z = malloc((n ? n : 1) * sizeof(*z));
	uint64_t *l = calloc(n ? n : 1, sizeof(*l));
	int rc = SD_OK;

	if (s == NULL || z == NULL || l == NULL) {
		rc = SD_ERR_NOMEM;
		goto out;
	}
	memcpy(s, seq, n * sizeof(*s));
	memcpy(z, size, n * sizeof(*z));
	pthread_mutex_lock(&c->lock);
	if (c->cstate != 0)
		rc = SD_ERR_INVAL;
	else {
		c->cseq = s;
		c->csize = z;
		c->clines = l;
		c->cn = n;
		c->cstate = 1;
		s = NULL;
		z = NULL;
		l = NULL;
		pthread_cond_signal(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
out:
	free(s);
	free(z);
	free(l);
	return rc;
}

int
sd_spoolcount_census_take(struct sd_spoolcount *c, uint64_t **lines)
{
	int got = 0;

	pthread_mutex_lock(&c->lock);
	if (c->cstate == 2) {
		*lines = c->clines;
		c->cstate = 3;
		got = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return got;
}

int
sd_spoolcount_ask(struct sd_spoolcount *c, const void *owner, uint32_t seq,
    uint64_t off)
{
	size_t i;
	int rc = SD_ERR_NOSPACE;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SD_SPOOLCOUNT_ASKS; i++) {
		if (c->asks[i].state != ASK_FREE)
			continue;
		c->asks[i] = (struct count_ask){ ASK_OPEN, owner, seq, off, 0 };
		pthread_cond_signal(&c->cond);
		rc = SD_OK;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
sd_spoolcount_take(struct sd_spoolcount *c, const void **owner,
    uint64_t *lines)
{
	size_t i;
	int got = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SD_SPOOLCOUNT_ASKS; i++) {
		if (c->asks[i].state != ASK_DONE)
			continue;
		*owner = c->asks[i].owner;
		*lines = c->asks[i].lines;
		c->asks[i].state = ASK_FREE;
		got = 1;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return got;
}

void
sd_spoolcount_cancel(struct sd_spoolcount *c, const void *owner)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SD_SPOOLCOUNT_ASKS; i++) {
		if (c->asks[i].owner != owner)
			continue;
		c->asks[i].owner = NULL;
		if (c->asks[i].state == ASK_DONE)
			c->asks[i].state = ASK_FREE;
	}
	pthread_mutex_unlock(&c->lock);
}
