/*
 * sd_spoolscan.c: a segment read line by line (see sd_spoolscan.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_err.h"
#include "sd_lineproto.h"
#include "sd_spoolscan.h"

int
sd_spoolscan_init(struct sd_spoolscan *s, int fd, uint64_t end)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->end = end;
	s->buf = malloc(SD_SPOOLSCAN_BUF);
	return s->buf != NULL ? SD_OK : SD_ERR_NOMEM;
}

void
sd_spoolscan_done(struct sd_spoolscan *s)
{
	free(s->buf);
	s->buf = NULL;
}

void
sd_spoolscan_seek(struct sd_spoolscan *s, uint64_t off)
{
	s->foff = off;
	s->len = 0;
	s->at = 0;
}

/* Move what is left of buf to its start and read more behind it: the
 * bytes added (0 at the end), or -1. */
static ssize_t
scan_fill(struct sd_spoolscan *s)
{
	uint64_t from;
	size_t room;
	ssize_t n;

	memmove(s->buf, s->buf + s->at, s->len - s->at);
	s->foff += s->at;
	s->len -= s->at;
	s->at = 0;
	from = s->foff + s->len;
	room = SD_SPOOLSCAN_BUF - s->len;
	if (from >= s->end || room == 0)
		return 0;
	if (s->end - from < room)
		room = (size_t)(s->end - from);
	do
		n = pread(s->fd, s->buf + s->len, room, (off_t)from);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		s->len += (size_t)n;
	return n;
}

/* The rest of a line longer than the buffer: skipped up to its
 * newline (or the end), its length added to l. -1 on a read error. */
static int
scan_skip_long(struct sd_spoolscan *s, struct sd_spoolscan_line *l)
{
	char *nl;
	ssize_t n;

	for (;;) {
		s->at = s->len;
		n = scan_fill(s);
		if (n < 0)
			return -1;
		if (n == 0) {
			l->whole = 0;
			return 0;
		}
		nl = memchr(s->buf, '\n', s->len);
		if (nl != NULL) {
			s->at = (size_t)(nl - s->buf) + 1;
			l->len += s->at;
			l->whole = 1;
			return 0;
		}
		l->len += s->len;
	}
}

int
sd_spoolscan_next(struct sd_spoolscan *s, struct sd_spoolscan_line *l)
{
	struct sd_lp_view v;
	char *nl = NULL;
	ssize_t n = 1;

	memset(l, 0, sizeof(*l));
	while (n > 0) {
		nl = memchr(s->buf + s->at, '\n', s->len - s->at);
		if (nl != NULL || (s->at == 0 && s->len == SD_SPOOLSCAN_BUF))
			break;
		n = scan_fill(s);
	}
	if (n < 0)
		return -1;
	if (s->at == s->len)
		return 0;
	l->p = s->buf + s->at;
	l->off = s->foff + s->at;
	if (nl != NULL) {
		l->n = (size_t)(nl - l->p);
		l->len = l->n + 1;
		l->whole = 1;
		s->at += l->len;
	} else if (s->len == SD_SPOOLSCAN_BUF && s->at == 0) {
		/* Longer than the buffer: bad whatever follows. */
		l->n = l->len = s->len;
		if (scan_skip_long(s, l) != 0)
			return -1;
		l->p = s->buf;	/* its first bytes are gone: none shown */
		l->n = 0;
		return 1;
	} else {
		l->n = l->len = s->len - s->at;
		s->at = s->len;
	}
	l->good = l->whole && sd_lp_parse(l->p, l->n, &v) == SD_OK;
	l->ts = l->good ? v.ts : 0;
	return 1;
}
