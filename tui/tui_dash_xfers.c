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

void
tui_dash_draw_xfers(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	struct tui_xfer *t;
	char line[512], b[256], title[64];
	int room = w - 40 > 40 ? 40 : (w - 40 < 6 ? 6 : w - 40);
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0, k = 0;
	int64_t now = tui_now_ns();

	snprintf(title, sizeof(title), "Transfers (%zu in flight)",
	    m->xfers_active);
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_XFERS);
	tui_dash_pane_at(d, P_XFERS, y, x, h, w);
	/* Files in flight first, two lines each: name, client, bar and
	 * percent; then what it does. The newest ended ones after. */
	for (i = 0; i < m->nxfers_live && k + 1 < rows; i++) {
		t = &m->xfers[i];
		tui_bar(&d->loop.term, (double)xfer_pct(t) / 100, b,
		    (size_t)room);
		snprintf(line, sizeof(line), "%-24.24s #%-4u %s %3u%%",
		    t->name, t->client, b, xfer_pct(t));
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		xfer_doing(t, now, line, sizeof(line));
		if (strcmp(t->state, "stalled") == 0)
			tui_attr_on(&d->loop.term, TUI_C_WARN, A_BOLD);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		if (strcmp(t->state, "stalled") == 0)
			tui_attr_off(&d->loop.term, TUI_C_WARN, A_BOLD);
	}
	for (i = m->nxfers_live; i < m->nxfers && k < rows; i++) {
		t = &m->xfers[i];
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
