/*
 * tui_dash_log.c: the dashboard's Log pane: the model's ring, filtered
 * (smart case, matches highlighted and counted), paused or followed;
 * n/N step through the matches (with no filter, through the errors and
 * warnings), and a scrolled view stays put and counts what is new.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* The lines the pane shows, as ring places, oldest first. */
struct log_view {
	uint16_t	 at[TUI_LOG_MAX];
	size_t		 n;
	size_t		 cur;		/* the current match's place in at */
	size_t		 targets;	/* what n/N step through */
	size_t		 cur_k;		/* the current one's count, from 1 */
	size_t		 fresh;		/* new since following or paused */
	size_t		 drawn;		/* shown, added since the last draw */
};

/* What n/N step through: with a filter every line shown (each holds a
 * match), without one the errors and warnings. */
static int
log_target(struct tui_dash *d, size_t i)
{
	return d->filter[P_LOG][0] != '\0' ||
	    tui_model_log_level(d->m, i) != TUI_LV_INFO;
}

static void
log_view(struct tui_dash *d, struct log_view *v)
{
	struct tui_model *m = d->m;
	const char *f = d->filter[P_LOG];
	uint64_t base = m->log_seq - m->log_count, seq;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->cur = SIZE_MAX;
	for (i = 0; i < m->log_count; i++) {
		seq = base + i;
		if (f[0] != '\0' &&
		    tui_fmt_find(tui_model_log_line(m, i), f) == NULL)
			continue;
		/* Lines that came after the pause stay hidden, counted. */
		if (d->paused && seq >= d->paused_seq) {
			v->fresh++;
			continue;
		}
		if (d->log_back > 0 && seq >= d->log_seen)
			v->fresh++;
		if (seq >= d->log_drawn)
			v->drawn++;
		if (log_target(d, i)) {
			v->targets++;
			if (seq + 1 == d->log_cur) {
				v->cur = v->n;
				v->cur_k = v->targets;
			}
		}
		v->at[v->n++] = (uint16_t)i;
	}
}

/* "bravo (3 matches) ─ scrolled, 12 new" and the like. */
static void
log_title(struct tui_dash *d, const struct log_view *v, char *buf,
    size_t len)
{
	const char *f = d->filter[P_LOG];
	const char *dash = d->loop.term.utf8 ? "\xe2\x94\x80" : "-";
	char count[48] = "", state[40];

	if (f[0] != '\0' && v->cur != SIZE_MAX)
		snprintf(count, sizeof(count), " (%zu/%zu)", v->cur_k,
		    v->targets);
	else if (f[0] != '\0')
		snprintf(count, sizeof(count), " (%zu match%s)", v->n,
		    v->n == 1 ? "" : "es");
	else if (v->cur != SIZE_MAX)
		snprintf(count, sizeof(count), " %s problem %zu/%zu", dash,
		    v->cur_k, v->targets);
	snprintf(state, sizeof(state), "%s", d->paused ? "paused" :
	    (d->log_back ? "scrolled" : "following"));
	if (v->fresh > 0 && (d->paused || d->log_back > 0))
		snprintf(state + strlen(state), sizeof(state) - strlen(state),
		    ", %zu new", v->fresh);
	snprintf(buf, len, "Log %s filter: %s%s %s %s", dash,
	    f[0] ? f : "(none)", count, dash, state);
}

/* Reverse each match of the filter in a line drawn at (y, x), w wide,
 * keeping the line's colour. */
static void
log_highlight(struct tui_dash *d, int y, int x, int w, const char *l,
    int pair)
{
	const char *f = d->filter[P_LOG], *p = l, *hit;
	size_t n = strlen(f);
	int c0, c1;

	if (n == 0)
		return;
	while ((hit = tui_fmt_find(p, f)) != NULL) {
		c0 = tui_width(l, (size_t)(hit - l));
		c1 = tui_width(l, (size_t)(hit - l) + n);
		if (c0 >= w)
			break;
		if (c1 > w)
			c1 = w;
		mvchgat(y, x + c0, c1 - c0, A_REVERSE | A_BOLD, (short)pair,
		    NULL);
		p = hit + n;
	}
}

/* A line whose first match ends past the right edge (w columns) is
 * shown from a little before the match, after its time, its client's
 * id and an ellipsis, so what was searched for is on screen at 80
 * columns too. */
static const char *
log_fit(struct tui_dash *d, const char *l, int w, char *buf, size_t len)
{
	const char *f = d->filter[P_LOG], *hit, *from;
	size_t head;

	if (f[0] == '\0' || (hit = tui_fmt_find(l, f)) == NULL ||
	    tui_width(l, (size_t)(hit - l) + strlen(f)) <= w)
		return l;
	head = strspn(l, "0123456789:.");	/* the time, the id */
	head += strspn(l + head, " ");
	if (l[head] == '#') {
		head += strcspn(l + head, " ");
		head += strspn(l + head, " ");
	}
	if (l + head > hit)
		head = 0;
	from = hit;
	while (from > l + head && hit - from < 8)
		from--;
	while (from > l + head && ((unsigned char)*from & 0xc0) == 0x80)
		from--;			/* not inside a character */
	snprintf(buf, len, "%.*s%s%s", (int)head, l,
	    d->loop.term.utf8 ? "\xe2\x80\xa6" : "~", from);
	return buf;
}

/* One line: a gutter (`>` on the current match, E or W for an error
 * or a warning, so they read without colour too), then the text in
 * the colour of its level. */
static void
log_line(struct tui_dash *d, int y, int x, int w, size_t i, int current)
{
	const struct tui_term *t = &d->loop.term;
	int lv = tui_model_log_level(d->m, i), color = 0;
	attr_t mono = A_NORMAL;
	char gutter[3], cut[TUI_LOG_LEN + 8];
	const char *l;

	if (w < 3)
		return;
	l = log_fit(d, tui_model_log_line(d->m, i), w - 2, cut, sizeof(cut));
	if (lv == TUI_LV_ERROR) {
		color = TUI_C_BAD;
		mono = A_BOLD;
	} else if (lv == TUI_LV_WARNING)
		color = TUI_C_WARN;
	snprintf(gutter, sizeof(gutter), "%c%c", current ? '>' : ' ',
	    lv == TUI_LV_ERROR ? 'E' : lv == TUI_LV_WARNING ? 'W' : ' ');
	if (current)
		attron(A_BOLD);
	if (color != 0)
		tui_attr_on(t, color, mono);
	tui_put(y, x, 2, gutter);
	tui_put(y, x + 2, w - 2, l);
	if (color != 0)
		tui_attr_off(t, color, mono);
	attroff(A_BOLD);
	log_highlight(d, y, x + 2, w - 2, l, t->color ? color : 0);
}

/* The first line to show so that the current match is in view, from
 * the middle of the pane when it was not. */
static void
log_bring(struct tui_dash *d, const struct log_view *v, size_t rows)
{
	size_t first = v->n > rows + d->log_back ? v->n - rows -
	    d->log_back : 0;

	d->log_show = 0;
	if (v->cur == SIZE_MAX || rows == 0 ||
	    (v->cur >= first && v->cur < first + rows))
		return;
	first = v->cur > rows / 2 ? v->cur - rows / 2 : 0;
	d->log_back = v->n > first + rows ? v->n - first - rows : 0;
}

void
tui_dash_draw_log(struct tui_dash *d, int y, int x, int h, int w)
{
	struct log_view v;
	struct tui_model *m = d->m;
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0, first;
	char title[200];

	log_view(d, &v);
	if (v.cur == SIZE_MAX)
		d->log_cur = 0;		/* gone from the ring or the filter */
	/* Scrolled, the view stays on its lines as new ones come. */
	if (d->log_back > 0 && !d->paused)
		d->log_back += v.drawn;
	if (d->log_show)
		log_bring(d, &v, rows);
	if (d->log_back > v.n)
		d->log_back = v.n;
	log_title(d, &v, title, sizeof(title));
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_LOG);
	tui_dash_pane_at(d, P_LOG, y, x, h, w);
	first = v.n > rows + d->log_back ? v.n - rows - d->log_back : 0;
	d->log_top = d->log_bot = m->log_seq;
	for (i = 0; i < rows && first + i < v.n; i++) {
		log_line(d, y + 1 + (int)i, x + 1, w - 2, v.at[first + i],
		    first + i == v.cur);
		d->log_bot = m->log_seq - m->log_count + v.at[first + i];
		if (i == 0)
			d->log_top = d->log_bot;
	}
	d->log_drawn = m->log_seq;
	if (d->log_back == 0 && !d->paused)
		d->log_seen = m->log_seq;
}

/* n (dir 1) or N (-1): the next or previous match after the current
 * one, or, with none, the first in view from the top (n) or the last
 * from the bottom (N), as less searches from the screen. */
static void
log_jump(struct tui_dash *d, int dir)
{
	struct log_view v;
	struct tui_model *m = d->m;
	uint64_t base = m->log_seq - m->log_count, seq, found = 0;
	size_t k;

	log_view(d, &v);
	for (k = 0; k < v.n; k++) {
		seq = base + v.at[k];
		if (!log_target(d, v.at[k]))
			continue;
		if (dir > 0 && (d->log_cur ? seq + 1 > d->log_cur :
		    seq >= d->log_top)) {
			found = seq + 1;
			break;
		}
		if (dir < 0 && (d->log_cur ? seq + 1 < d->log_cur :
		    seq <= d->log_bot))
			found = seq + 1;
	}
	if (found != 0) {
		d->log_cur = found;
		d->log_show = 1;
	}
}

int
tui_dash_log_key(struct tui_dash *d, int ch)
{
	switch (ch) {
	case KEY_END:
	case 'G':
	case 'F':
		/* Follow again, as less's F: the bottom, live. */
		d->log_back = 0;
		d->paused = 0;
		d->log_cur = 0;
		return TUI_REDRAW;
	case 'n':
	case 'N':
		log_jump(d, ch == 'n' ? 1 : -1);
		return TUI_REDRAW;
	default:
		return TUI_DASH_NOT_MINE;
	}
}
