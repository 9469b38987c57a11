/*
 * tui_dash_sensors.c: the dashboard's Sensors pane: one row per sensor,
 * a (device, channel) pair: its last value, min and max over the window,
 * rate, age and a sparkline of the window; silent ones dim and marked.
 * Sorted and filtered here (the model holds at most TUI_SENSORS_MAX),
 * and Enter opens the selected one's chart over the whole screen.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui_dash_int.h"

enum { SC_DEVICE, SC_CHANNEL, SC_VALUE, SC_RATE, SC_AGE, SC_COUNT };

/* The columns it sorts by, as the heads and dashboard.conf name them. */
const char *const tui_dash_sensor_cols[TUI_DASH_SENSOR_COLS] = {
	"device", "channel", "value", "rate", "age",
};

static const int windows[] = { 60, 600, 3600 };
#define NWINDOWS	(int)(sizeof(windows) / sizeof(windows[0]))

/* The rows as shown: the model's sensors filtered, then sorted. */
struct srows {
	size_t		 idx[TUI_SENSORS_MAX];
	size_t		 n;
};

int
tui_dash_sensors_window(const struct tui_dash *d)
{
	return windows[d->sv.window % NWINDOWS];
}

static const char *
window_name(int secs)
{
	return secs == 60 ? "1 min" : secs == 600 ? "10 min" : "1 h";
}

/* Case-insensitive: does s hold needle? */
static int
has_text(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s != '\0'; s++) {
		if (strncasecmp(s, needle, n) == 0)
			return 1;
	}
	return n == 0;
}

static const char *
chan_name(const struct tui_sensor *s)
{
	return s->channel[0] != '\0' ? s->channel : "-";
}

static int
cmp_rows(const struct tui_dash *d, const struct tui_sensor *a,
    const struct tui_sensor *b, int64_t now)
{
	int c = 0;

	switch (d->sv.sort) {
	case SC_CHANNEL:
		c = strcmp(a->channel, b->channel);
		break;
	case SC_VALUE:
		c = tui_dash_cmp_num(a->value, b->value);
		break;
	case SC_RATE:
		c = tui_dash_cmp_num(a->rate, b->rate);
		break;
	case SC_AGE:
		c = tui_dash_cmp_num((double)tui_sensor_age(a, now),
		    (double)tui_sensor_age(b, now));
		break;
	}
	if (c == 0)
		c = strcmp(a->device, b->device);
	if (c == 0)
		c = strcmp(a->channel, b->channel);
	return d->sv.reverse ? -c : c;
}

/* Filter and sort (an insertion sort: at most TUI_SENSORS_MAX rows,
 * stable). */
static void
rows_build(struct tui_dash *d, struct srows *r, int64_t now)
{
	struct tui_model *m = d->m;
	const char *f = d->filter[P_SENSORS];
	size_t i, j, k;

	r->n = 0;
	for (i = 0; i < m->nsensors; i++) {
		if (f[0] != '\0' && !has_text(m->sensors[i].device, f) &&
		    !has_text(chan_name(&m->sensors[i]), f))
			continue;
		for (j = r->n; j > 0; j--) {
			k = r->idx[j - 1];
			if (cmp_rows(d, &m->sensors[k], &m->sensors[i],
			    now) <= 0)
				break;
			r->idx[j] = k;
		}
		r->idx[j] = i;
		r->n++;
	}
}

/* The selected sensor's place among the rows: found by its key, as
 * rows move when the answers come; else the place it had. */
static size_t
sel_find(struct tui_dash *d, const struct srows *r)
{
	const struct tui_sensor *s;
	size_t i;

	for (i = 0; i < r->n; i++) {
		s = &d->m->sensors[r->idx[i]];
		if (strcmp(s->device, d->sv.dev) == 0 &&
		    strcmp(s->channel, d->sv.chan) == 0)
			return d->sv.sel = i;
	}
	if (d->sv.sel >= r->n)
		d->sv.sel = r->n > 0 ? r->n - 1 : 0;
	return d->sv.sel;
}

static void
sel_set(struct tui_dash *d, const struct srows *r, size_t i)
{
	const struct tui_sensor *s;

	if (r->n == 0)
		return;
	d->sv.sel = i < r->n ? i : r->n - 1;
	s = &d->m->sensors[r->idx[d->sv.sel]];
	snprintf(d->sv.dev, sizeof(d->sv.dev), "%s", s->device);
	snprintf(d->sv.chan, sizeof(d->sv.chan), "%s", s->channel);
}

/* v in at most w columns: fewer digits until it fits. */
static void
fmt_num(double v, int w, char *buf, size_t len)
{
	int p;

	for (p = 5; p > 0; p--) {
		snprintf(buf, len, "%.*g", p, v);
		if ((int)strlen(buf) <= w)
			return;
	}
}

static void
fmt_rate(double r, char *buf, size_t len)
{
	if (r >= 9.95 || r == floor(r))
		snprintf(buf, len, "%.0f/s", r);
	else
		snprintf(buf, len, "%.1f/s", r);
}

/* The newest bucket with data among hist[a .. b): NULL for a gap. */
static const struct tui_spoint *
group_last(const struct tui_sensor *s, int a, int b)
{
	while (b-- > a) {
		if (s->hist[b].has)
			return &s->hist[b];
	}
	return NULL;
}

/* The bounds of s's history (its min and max over the window). */
static int
hist_range(const struct tui_sensor *s, double *lo, double *hi)
{
	int i, have = 0;

	for (i = 0; i < TUI_HIST; i++) {
		if (!s->hist[i].has)
			continue;
		if (!have || s->hist[i].lo < *lo)
			*lo = s->hist[i].lo;
		if (!have || s->hist[i].hi > *hi)
			*hi = s->hist[i].hi;
		have = 1;
	}
	return have;
}

/* A value's place between lo and hi, 0 to 1: a spread past double's
 * range (-1e308 and 1e308) gives inf/NaN; those draw in the middle. */
static double
scale(double v, double lo, double hi)
{
	double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;

	return isfinite(t) && t >= 0 && t <= 1 ? t : 0.5;
}

/* A sparkline of the window in width columns into buf (3 * width + 1
 * bytes): each column the last value of its buckets, a blank where no
 * reading came. */
static void
spark(const struct tui_dash *d, const struct tui_sensor *s, int width,
    char *buf)
{
	static const char *const blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = "_.-:=+*#";
	const struct tui_spoint *p;
	double lo = 0, hi = 0;
	int c, a, b, k;
	size_t o = 0;

	hist_range(s, &lo, &hi);
	for (c = 0; c < width; c++) {
		a = c * TUI_HIST / width;
		b = (c + 1) * TUI_HIST / width;
		p = group_last(s, a, b > a ? b : a + 1);
		if (p == NULL) {
			buf[o++] = ' ';
			continue;
		}
		k = (int)(scale(p->last, lo, hi) * 7.0 + 0.5);
		if (d->loop.term.utf8) {
			memcpy(buf + o, blocks[k], 3);
			o += 3;
		} else
			buf[o++] = ascii[k];
	}
	buf[o] = '\0';
}

/* The columns before the sparkline, with and without min and max. */
#define ROW_FIXED_WIDE	70
#define ROW_FIXED	52

/* The columns a pane w wide shows: min and max need room. */
static int
wide_rows(int w)
{
	return w - 2 >= 78;
}

/* The columns before the sparkline, as draw_row() lays them out, each
 * followed by a space: their heads are drawn, and clicked, by this. */
static const struct scol {
	const char	*head;		/* NULL: the sort's name */
	int		 sort;		/* SC_*, or -1: not a sort */
	int		 w;
	int		 right;		/* numbers: aligned right */
	int		 wide;		/* only where min and max show */
} scols[] = {
	{ NULL, SC_DEVICE, 17, 0, 0 },
	{ NULL, SC_CHANNEL, 8, 0, 0 },
	{ NULL, SC_VALUE, 8, 1, 0 },
	{ "min", -1, 8, 1, 1 },
	{ "max", -1, 8, 1, 1 },
	{ NULL, SC_RATE, 7, 1, 0 },
	{ NULL, SC_AGE, 6, 1, 0 },
};
#define NSCOLS		(int)(sizeof(scols) / sizeof(scols[0]))

/* The column heads, the sorted one marked: padded by the columns they
 * take, as the UTF-8 mark is one column in three bytes. */
static void
draw_heads(struct tui_dash *d, int y, int x, int w)
{
	const char *mark = d->loop.term.utf8 ? (d->sv.reverse ?
	    "\xe2\x96\xbc" : "\xe2\x96\xb2") : (d->sv.reverse ? "v" : "^");
	const struct scol *c;
	const char *name;
	char line[256];
	size_t o = 0;
	int i, pad, wide = wide_rows(w + 2);

	for (i = 0; i < NSCOLS; i++) {
		c = &scols[i];
		if (c->wide && !wide)
			continue;
		name = c->sort >= 0 ? tui_dash_sensor_cols[c->sort] : c->head;
		pad = c->w - (int)strlen(name) - (c->sort == d->sv.sort);
		if (pad < 0)
			pad = 0;
		if (c->right)
			o += (size_t)snprintf(line + o, sizeof(line) - o,
			    "%*s", pad, "");
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s",
		    name, c->sort == d->sv.sort ? mark : "");
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%*s ",
		    c->right ? 0 : pad, "");
	}
	snprintf(line + o, sizeof(line) - o, " history");
	tui_attr_on(&d->loop.term, TUI_C_TITLE, A_BOLD);
	tui_put(y, x, w, line);
	tui_attr_off(&d->loop.term, TUI_C_TITLE, A_BOLD);
}

/* One sensor's row, w columns at (y, x). */
static void
draw_row(struct tui_dash *d, const struct tui_sensor *s, int y, int x,
    int w, int64_t now)
{
	char line[1024], dev[32], chan[40], val[16], lo[16], hi[16];
	char rate[16], age[16], sp[3 * 256 + 1];
	int silent = tui_sensor_silent(s, now), wide = wide_rows(w + 2);
	int sw = w - (wide ? ROW_FIXED_WIDE : ROW_FIXED);

	tui_dash_fit(d, s->device, 17, dev);
	tui_dash_fit(d, chan_name(s), 8, chan);
	fmt_num(s->value, 8, val, sizeof(val));
	fmt_rate(s->rate, rate, sizeof(rate));
	snprintf(age, sizeof(age), "%s", silent ? "~" : "");
	tui_fmt_age(tui_sensor_age(s, now), age + strlen(age),
	    sizeof(age) - strlen(age));
	if (wide) {
		fmt_num(s->min, 8, lo, sizeof(lo));
		fmt_num(s->max, 8, hi, sizeof(hi));
		snprintf(line, sizeof(line), "%s %s %8s %8s %8s %7s %6s  ",
		    dev, chan, val, s->have ? lo : "-", s->have ? hi : "-",
		    rate, age);
	} else
		snprintf(line, sizeof(line), "%s %s %8s %7s %6s  ", dev, chan,
		    val, rate, age);
	if (sw > 256)
		sw = 256;
	if (sw > 0) {
		spark(d, s, sw, sp);
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    "%s", sp);
	}
	if (silent)
		attron(A_DIM);
	tui_put(y, x, w, line);
	if (silent)
		attroff(A_DIM);
}

static void
draw_title(struct tui_dash *d, const struct srows *r, char *title,
    size_t len)
{
	struct tui_model *m = d->m;
	int o;

	o = snprintf(title, len, "Sensors (%zu device%s, %zu channel%s) %s",
	    m->nsensor_devs, m->nsensor_devs == 1 ? "" : "s", m->nsensors,
	    m->nsensors == 1 ? "" : "s",
	    window_name(tui_dash_sensors_window(d)));
	if (d->filter[P_SENSORS][0] != '\0' && o > 0 && (size_t)o < len)
		snprintf(title + o, len - (size_t)o, " /%s: %zu",
		    d->filter[P_SENSORS], r->n);
}

const struct tui_sensor *
tui_dash_sensor_selected(struct tui_dash *d)
{
	struct srows r;
	size_t i;

	rows_build(d, &r, tui_now_ns());
	i = sel_find(d, &r);
	return i < r.n ? &d->m->sensors[r.idx[i]] : NULL;
}

void
tui_dash_draw_sensors(struct tui_dash *d, int y, int x, int h, int w)
{
	struct srows r;
	char title[160];
	size_t i, sel, rows = h > 3 ? (size_t)h - 3 : 0;
	size_t *top = &d->scroll[P_SENSORS];
	int64_t now = tui_now_ns();

	rows_build(d, &r, now);
	sel = sel_find(d, &r);
	tui_dash_in_view(sel, rows, r.n, top);
	draw_title(d, &r, title, sizeof(title));
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_SENSORS);
	tui_dash_pane_at(d, P_SENSORS, y, x, h, w);
	if (h > 2)
		draw_heads(d, y + 1, x + 1, w - 2);
	for (i = 0; i < rows && *top + i < r.n; i++) {
		if (d->pane == P_SENSORS && *top + i == sel)
			attron(A_REVERSE);
		draw_row(d, &d->m->sensors[r.idx[*top + i]], y + 2 + (int)i,
		    x + 1, w - 2, now);
		if (d->pane == P_SENSORS && *top + i == sel)
			attroff(A_REVERSE);
	}
}

/* A click at column x of the heads (0: the pane's first inside) sorts
 * by that column; on the sorted one, the other way, as in Clients. */
int
tui_dash_sensors_click_head(struct tui_dash *d, int x)
{
	int i, at = 0, wide = wide_rows(d->at[P_SENSORS].w);

	for (i = 0; i < NSCOLS; i++) {
		if (scols[i].wide && !wide)
			continue;
		if (x >= at && x <= at + scols[i].w && scols[i].sort >= 0) {
			d->sv.reverse = scols[i].sort == d->sv.sort ?
			    !d->sv.reverse : 0;
			d->sv.sort = scols[i].sort;
			break;
		}
		at += scols[i].w + 1;
	}
	return TUI_REDRAW;
}

/* Ask for the sensors now (the window changed). */
static void
refetch(struct tui_dash *d)
{
	if (d->gone[0] == '\0')
		tui_dash_request(d, json_pack("{s:s,s:i}", "cmd", "sensors",
		    "window", tui_dash_sensors_window(d)));
}

void
tui_dash_sensors_move(struct tui_dash *d, long delta)
{
	struct srows r;
	long v;

	rows_build(d, &r, tui_now_ns());
	v = (long)sel_find(d, &r) + delta;
	sel_set(d, &r, v < 0 ? 0 : (size_t)v);
}

/* Keys while the chart is open: it takes them all but help and F10. */
static int
chart_key(struct tui_dash *d, int ch)
{
	switch (ch) {
	case 27:
	case 'q':
		d->sv.chart = 0;
		return TUI_REDRAW;
	case '?':
	case KEY_F(1):
	case KEY_F(10):
		return TUI_DASH_NOT_MINE;
	case 'w':
		d->sv.window = (d->sv.window + 1) % NWINDOWS;
		refetch(d);
		return TUI_REDRAW;
	case KEY_UP:
	case 'k':
		tui_dash_sensors_move(d, -1);
		return TUI_REDRAW;
	case KEY_DOWN:
	case 'j':
		tui_dash_sensors_move(d, 1);
		return TUI_REDRAW;
	}
	return TUI_OK;
}

int
tui_dash_sensors_key(struct tui_dash *d, int ch)
{
	if (d->sv.chart)
		return chart_key(d, ch);
	switch (ch) {
	case 'w':
		d->sv.window = (d->sv.window + 1) % NWINDOWS;
		refetch(d);
		break;
	case 's':
	case '>':
		d->sv.sort = (d->sv.sort + 1) % SC_COUNT;
		break;
	case '<':
		d->sv.sort = (d->sv.sort + SC_COUNT - 1) % SC_COUNT;
		break;
	case 'r':
		d->sv.reverse = !d->sv.reverse;
		break;
	case KEY_UP:
	case 'k':
		tui_dash_sensors_move(d, -1);
		break;
	case KEY_DOWN:
	case 'j':
		tui_dash_sensors_move(d, 1);
		break;
	case KEY_PPAGE:
	case 2:				/* ^B */
		tui_dash_sensors_move(d, -10);
		break;
	case KEY_NPAGE:
	case 6:				/* ^F */
		tui_dash_sensors_move(d, 10);
		break;
	case KEY_HOME:
	case 'g':
		tui_dash_sensors_move(d, -TUI_SENSORS_MAX);
		break;
	case KEY_END:
	case 'G':
		tui_dash_sensors_move(d, TUI_SENSORS_MAX);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_dash_sensors_move(d, 0);
		d->sv.chart = d->m->nsensors > 0;
		break;
	default:
		return TUI_DASH_NOT_MINE;
	}
	return TUI_REDRAW;
}
