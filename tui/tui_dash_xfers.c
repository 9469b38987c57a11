/*
 * tui_dash_xfers.c: the dashboard's Transfers pane: files in flight,
 * then the newest ended ones, every figure the server's account's (its
 * "transfers" answer): the bytes that really came, its smoothed rate,
 * its state. Nothing is worked out here from the events seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* How often file events may ask for the account again. */
#define XFERS_EVERY_NS	250000000LL

/* Ask the server for its transfers: on every poll, and when file events
 * came since the last answer (at most four times a second). Called
 * before drawing, never from an event: in-process the answer comes at
 * once, and the store may be in the middle of what it reports. */
void
tui_dash_xfers_fetch(struct tui_dash *d, int polled)
{
	int64_t now = tui_now_ns();

	if (d->gone[0] != '\0')
		return;
	if (!polled && (!d->m->xfers_stale || now - d->xfers_ns <
	    XFERS_EVERY_NS))
		return;
	d->xfers_ns = now;
	tui_dash_request(d, json_pack("{s:s,s:i}", "cmd", "transfers",
	    "limit", TUI_XFERS_LIVE));
}

/* Whole percent of t, as the server's client state says it. */
static unsigned
xfer_pct(const struct tui_xfer *t)
{
	if (t->size == 0 || t->bytes >= t->size)
		return 100;
	return (unsigned)(t->bytes * 100 / t->size);
}

/* The second line of a file in flight: what it is doing and its
 * figures; a stalled one since when, never a time left. */
static void
xfer_doing(const struct tui_xfer *t, int64_t now, char *line, size_t len)
{
	char done[16], size[16], rate[16], eta[24] = "ETA ?", age[16];
	int64_t idle = t->idle_ms + (now - t->seen_ns) / 1000000;

	tui_fmt_bytes((double)t->bytes, done, sizeof(done));
	tui_fmt_bytes((double)t->size, size, sizeof(size));
	tui_fmt_age(idle / 1000, age, sizeof(age));
	if (strcmp(t->state, "stalled") == 0) {
		snprintf(line, len, "  stalled %u%% %s  %s/%s", xfer_pct(t),
		    age, done, size);
		return;
	}
	if (strcmp(t->state, "receiving") != 0) {
		snprintf(line, len, "  %s%s%s%s  %s/%s", t->state,
		    t->reason[0] ? " (" : "", t->reason, t->reason[0] ? ")" :
		    "", done, size);
		return;
	}
	tui_fmt_bytes(t->rate, rate, sizeof(rate));
	if (t->rate > 0 && t->size > t->bytes) {
		snprintf(eta, sizeof(eta), "ETA ");
		tui_fmt_dur((int64_t)((double)(t->size - t->bytes) / t->rate),
		    eta + 4, sizeof(eta) - 4);
	}
	snprintf(line, len, "  %s/%s  %s/s  %s", done, size, rate, eta);
}

/* An ended transfer in one line of w columns: stored with its size,
 * else the bytes that came of it and how it ended; the name gives way
 * to the figures. */
static void
xfer_ended(struct tui_dash *d, const struct tui_xfer *t, int w, char *line,
    size_t len)
{
	int ok = strcmp(t->state, "stored") == 0;
	int failed = strcmp(t->state, "failed") == 0;
	const char *mark = d->loop.term.utf8 ? (ok ? "\xe2\x9c\x93" :
	    "\xe2\x9c\x97") : (ok ? "done" : "FAIL");
	char done[16], size[16], tail[160];
	int room;

	tui_fmt_bytes((double)t->bytes, done, sizeof(done));
	tui_fmt_bytes((double)t->size, size, sizeof(size));
	if (ok)
		snprintf(tail, sizeof(tail), "%s stored", done);
	else
		snprintf(tail, sizeof(tail), "%s of %s %s%s%s", done, size,
		    t->state, failed ? ": " : "", failed ? t->reason : "");
	/* mark, name, " #1234 ", then the tail whole where it can be */
	room = w - 2 - 5 - 7 - (int)strlen(tail);
	room = room > 24 ? 24 : room < 8 ? 8 : room;
	snprintf(line, len, "%s %-*.*s #%-4u %s", mark, room, room, t->name,
	    t->client, tail);
}

/* How many entries from the first fit in rows lines: two a file in
 * flight, one an ended one. */
static size_t
xfers_fit(const struct tui_model *m, size_t first, size_t rows)
{
	size_t i, k = 0;

	for (i = first; i < m->nxfers; i++) {
		k += i < m->nxfers_live ? 2 : 1;
		if (k > rows)
			break;
	}
	return i - first;
}

/* The first entry of the last full page: scrolling stops there. */
static size_t
xfers_last_top(const struct tui_model *m, size_t rows)
{
	size_t i = m->nxfers, k = 0, need;

	while (i > 0) {
		need = i - 1 < m->nxfers_live ? 2 : 1;
		if (k + need > rows)
			break;
		k += need;
		i--;
	}
	if (i == m->nxfers)		/* not even the last fits */
		return m->nxfers > 0 ? m->nxfers - 1 : 0;
	return i;
}

/* A file in flight in two lines: name, client, bar and percent; then
 * what it does. */
static void
xfer_live(struct tui_dash *d, const struct tui_xfer *t, int y, int x, int w)
{
	char line[512], b[256];
	int room = w - 45 > 40 ? 40 : (w - 45 < 6 ? 6 : w - 45);
	int stalled = strcmp(t->state, "stalled") == 0;

	tui_bar(&d->loop.term, (double)xfer_pct(t) / 100, b, (size_t)room);
	/* Under the ended ones' mark and its space, so "#N" lines up. */
	snprintf(line, sizeof(line), "%s%-24.24s #%-4u %s %3u%%",
	    d->loop.term.utf8 ? "  " : "     ", t->name, t->client, b,
	    xfer_pct(t));
	tui_put(y, x, w - 2, line);
	xfer_doing(t, tui_now_ns(), line, sizeof(line));
	if (stalled)
		tui_attr_on(&d->loop.term, TUI_C_WARN, A_BOLD);
	tui_put(y + 1, x, w - 2, line);
	if (stalled)
		tui_attr_off(&d->loop.term, TUI_C_WARN, A_BOLD);
}

void
tui_dash_draw_xfers(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	const struct tui_xfer *t;
	char line[512], title[96];
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0, k = 0, n;
	size_t *top = &d->scroll[P_XFERS];

	/* Files in flight first, the newest ended ones after; scrolled by
	 * whole entries, never past the last. */
	if (*top > xfers_last_top(m, rows))
		*top = xfers_last_top(m, rows);
	n = xfers_fit(m, *top, rows);
	if (*top > 0 || *top + n < m->nxfers)
		snprintf(title, sizeof(title), "Transfers (%zu in flight)%s"
		    "%zu-%zu/%zu", m->xfers_active, d->loop.term.utf8 ?
		    " \xe2\x94\x80 " : " - ", *top + (n > 0), *top + n,
		    m->nxfers);
	else
		snprintf(title, sizeof(title), "Transfers (%zu in flight)",
		    m->xfers_active);
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_XFERS);
	tui_dash_pane_at(d, P_XFERS, y, x, h, w);
	for (i = *top; i < *top + n; i++) {
		t = &m->xfers[i];
		if (i < m->nxfers_live) {
			xfer_live(d, t, y + 1 + (int)k, x + 1, w);
			k += 2;
			continue;
		}
		xfer_ended(d, t, w, line, sizeof(line));
		if (strcmp(t->state, "stored") != 0)
			tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		if (strcmp(t->state, "stored") != 0)
			tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
	}
}

int
tui_dash_xfers_key(struct tui_dash *d, int ch)
{
	(void)d;
	(void)ch;
	return TUI_DASH_NOT_MINE;
}
