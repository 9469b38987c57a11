/*
 * tui_dash_chart.c: the selected sensor's chart, over the whole screen
 * below the header (Enter in Sensors; Esc or q returns): each bucket of
 * the window drawn from its min to its max, nothing where no reading
 * came; braille dots (2 x 4 a cell) on a UTF-8 terminal, '#' cells
 * otherwise; a y axis labelled with the window's max, middle and min and
 * a time axis from the window's start to now.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui_dash_int.h"

#define LABEL_W		10	/* "%9s" and the axis */
#define PLOT_MAX	400	/* columns drawn at most */

struct plot {
	const struct tui_sensor *s;
	double		 lo, hi;
	int		 cols, rows;	/* cells */
	int		 dx, dy;	/* dots a cell: 2 x 4, or 1 x 1 */
};

/* The dot row (0 at the top) of value v. */
static int
dot_row(const struct plot *p, double v)
{
	int n = p->rows * p->dy;
	double t = p->hi > p->lo ? (v - p->lo) / (p->hi - p->lo) : 0.5;

	if (!isfinite(t) || t < 0 || t > 1)
		t = 0.5;
	return (int)((1 - t) * (n - 1) + 0.5);
}

/* Is the dot at (column x, row y) on: does the bucket of x reach y?
 * A bucket after one with data reaches back to that one's last value
 * too, so the buckets join up in a line; after a gap it does not. */
static int
dot_on(const struct plot *p, int x, int y)
{
	const struct tui_spoint *b, *pb;
	int i = x * TUI_HIST / (p->cols * p->dx);
	double lo, hi;

	b = &p->s->hist[i];
	if (!b->has)
		return 0;
	lo = b->lo;
	hi = b->hi;
	pb = i > 0 ? &p->s->hist[i - 1] : NULL;
	if (pb != NULL && pb->has) {
		lo = fmin(lo, pb->last);
		hi = fmax(hi, pb->last);
	}
	return y >= dot_row(p, hi) && y <= dot_row(p, lo);
}

/* Cell row r of the plot into buf. */
static void
plot_row(const struct plot *p, int r, char *buf)
{
	/* Braille dot bits by (column, row) in the cell. */
	static const int bit[2][4] = { { 0x01, 0x02, 0x04, 0x40 },
	    { 0x08, 0x10, 0x20, 0x80 } };
	size_t o = 0;
	int c, i, j, b;

	for (c = 0; c < p->cols; c++) {
		b = 0;
		for (i = 0; i < p->dx; i++)
			for (j = 0; j < p->dy; j++)
				if (dot_on(p, c * p->dx + i, r * p->dy + j))
					b |= p->dx == 2 ? bit[i][j] : 1;
		if (p->dx == 1)
			buf[o++] = b ? '#' : ' ';
		else if (b == 0)
			buf[o++] = ' ';
		else {
			buf[o++] = (char)0xe2;
			buf[o++] = (char)(0xa0 | b >> 6);
			buf[o++] = (char)(0x80 | (b & 0x3f));
		}
	}
	buf[o] = '\0';
}

/* "-10m" for a window of 600 s; "now" for 0. */
static void
ago(int secs, char *buf, size_t len)
{
	if (secs == 0)
		snprintf(buf, len, "now");
	else if (secs % 3600 == 0)
		snprintf(buf, len, "-%dh", secs / 3600);
	else if (secs % 60 == 0)
		snprintf(buf, len, "-%dm", secs / 60);
	else
		snprintf(buf, len, "-%ds", secs);
}

/* The time axis under the plot: the start, the middle and now. */
static void
time_axis(int win, int cols, char *buf)
{
	char a[16], m[16];
	int n, mid;

	memset(buf, ' ', (size_t)cols);
	buf[cols] = '\0';
	ago(win, a, sizeof(a));
	ago(win / 2, m, sizeof(m));
	n = (int)strlen(a);
	if (cols < n + 4)
		return;
	memcpy(buf, a, (size_t)n);
	mid = cols / 2 - (int)strlen(m) / 2;
	if (mid > n + 1 && mid + (int)strlen(m) < cols - 4)
		memcpy(buf + mid, m, strlen(m));
	memcpy(buf + cols - 3, "now", 3);
}

static void
fmt_label(double v, char *buf, size_t len)
{
	int p;

	for (p = 6; p > 0; p--) {
		snprintf(buf, len, "%.*g", p, v);
		if (strlen(buf) <= LABEL_W - 1)
			return;
	}
}

/* The line above the plot: which sensor, its figures, the keys. */
static void
chart_title(struct tui_dash *d, const struct tui_sensor *s, int y, int w)
{
	char line[512], age[16];
	int win = tui_dash_sensors_window(d);

	tui_fmt_age(tui_sensor_age(s, tui_now_ns()), age, sizeof(age));
	snprintf(line, sizeof(line), "%s %s  last %g  min %g  max %g  "
	    "%.1f/s  age %s%s  window %s  (w: window, Esc: back)",
	    s->device, s->channel[0] ? s->channel : "-", s->value,
	    s->have ? s->min : NAN, s->have ? s->max : NAN, s->rate, age,
	    tui_sensor_silent(s, tui_now_ns()) ? " silent" : "",
	    win == 60 ? "1 min" : win == 600 ? "10 min" : "1 h");
	tui_attr_on(&d->loop.term, TUI_C_TITLE, A_BOLD);
	tui_put(y, 0, w, line);
	tui_attr_off(&d->loop.term, TUI_C_TITLE, A_BOLD);
}

/* The y axis label of cell row r, or blanks. */
static void
y_label(const struct plot *p, int r, char *buf, size_t len)
{
	char v[32] = "";

	if (p->hi == p->lo) {
		/* One value: one label, in the middle where it is drawn. */
		if (r == (p->rows * p->dy - 1) / 2 / p->dy)
			fmt_label(p->lo, v, sizeof(v));
	} else if (r == 0)
		fmt_label(p->hi, v, sizeof(v));
	else if (r == p->rows - 1)
		fmt_label(p->lo, v, sizeof(v));
	else if (r == p->rows / 2 && p->rows >= 5)
		fmt_label((p->lo + p->hi) / 2, v, sizeof(v));
	snprintf(buf, len, "%9s", v);
}

int
tui_dash_draw_chart(struct tui_dash *d, int y, int h, int w)
{
	const struct tui_sensor *s;
	struct plot p = { 0 };
	char line[4 * PLOT_MAX + 64], lab[32], axis[PLOT_MAX + 1];
	const char *bar = d->loop.term.utf8 ? "\xe2\x94\x82" : "|";
	int r;

	/* A click elsewhere took the focus: the chart is closed. */
	if (d->pane != P_SENSORS)
		d->sv.chart = 0;
	if (!d->sv.chart)
		return 0;
	for (r = 0; r < h; r++)
		tui_fill(y + r, 0, w);
	s = tui_dash_sensor_selected(d);
	if (s == NULL) {
		tui_put(y, 0, w, "No such sensor now (Esc: back)");
		return 1;
	}
	chart_title(d, s, y, w);
	p.s = s;
	p.cols = w - LABEL_W > PLOT_MAX ? PLOT_MAX : w - LABEL_W;
	p.rows = h - 2;
	p.dx = d->loop.term.utf8 ? 2 : 1;
	p.dy = d->loop.term.utf8 ? 4 : 1;
	if (p.cols < 1 || p.rows < 1)
		return 1;
	p.lo = s->have ? s->min : 0;
	p.hi = s->have ? s->max : 0;
	for (r = 0; r < p.rows; r++) {
		y_label(&p, r, lab, sizeof(lab));
		snprintf(line, sizeof(line), "%s%s", lab, bar);
		tui_put(y + 1 + r, 0, LABEL_W, line);
		plot_row(&p, r, line);
		tui_put(y + 1 + r, LABEL_W, p.cols, line);
	}
	time_axis(tui_dash_sensors_window(d), p.cols, axis);
	tui_put(y + h - 1, LABEL_W, p.cols, axis);
	if (!s->have)
		tui_put(y + 1 + p.rows / 2, LABEL_W + 2, p.cols - 2,
		    "no readings in this window");
	return 1;
}
