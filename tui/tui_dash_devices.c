/*
 * tui_dash_devices.c: the dashboard's Devices pane, in the place of the
 * Clients table (Tab): one row per device the server remembers, online,
 * offline or silent (silent ones stand out, in colour or bold). The
 * server's "devices" answer is asked for once a poll while the pane is
 * shown; sorted and filtered here, as Sensors is (the model holds at
 * most TUI_DEVICES_MAX); Enter shows the selected one in full in the
 * pane. A server that refuses the request (an older one) leaves the
 * pane saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* The columns it sorts by, in the order s cycles them. */
enum { DS_STATE, DS_MAC, DS_NAME, DS_LAST, DS_RATE, DS_READINGS,
    DS_ADDRESS, DS_COUNT };
static const char *const sort_names[DS_COUNT] = {
	"state", "mac", "name", "last", "rate", "readings", "address",
};

/* A request unanswered this long is given up (asked again). */
#define ASK_TIMEOUT_NS	5000000000LL

/* The rows as shown: the model's devices filtered, then sorted. */
struct drows {
	size_t		 idx[TUI_DEVICES_MAX];
	size_t		 n;
};

/* The table's columns; a layout picks some, each with a width (0: the
 * rest of the line). */
enum { DC_MAC, DC_NAME, DC_STATE, DC_LAST, DC_RATE, DC_READINGS,
    DC_MESSAGES, DC_FILES, DC_PROTO, DC_FIRST, DC_EVERY, DC_ADDRESS };

static const struct {
	const char	*head;
	int		 right;		/* numbers align right */
	int		 sort;		/* DS_*, or -1 */
} cols[] = {
	[DC_MAC] = { "mac", 0, DS_MAC },
	[DC_NAME] = { "name", 0, DS_NAME },
	[DC_STATE] = { "state", 0, DS_STATE },
	[DC_LAST] = { "last", 1, DS_LAST },
	[DC_RATE] = { "rate", 1, DS_RATE },
	[DC_READINGS] = { "readings", 1, DS_READINGS },
	[DC_MESSAGES] = { "messages", 1, -1 },
	[DC_FILES] = { "files", 1, -1 },
	[DC_PROTO] = { "proto", 0, -1 },
	[DC_FIRST] = { "first", 1, -1 },
	[DC_EVERY] = { "every", 1, -1 },
	[DC_ADDRESS] = { "address", 0, DS_ADDRESS },
};

struct dcol {
	int	 col, w;
};
#define DLAYOUT_END	{ -1, 0 }
/* 80 columns: what the view is for, the address the rest (15, as in
 * Clients: "127.0.0.1:52978" whole). A head's sort mark is one column
 * more. */
static const struct dcol lay80[] = {
	{ DC_MAC, 17 }, { DC_NAME, 10 }, { DC_STATE, 7 }, { DC_LAST, 6 },
	{ DC_RATE, 6 }, { DC_READINGS, 9 }, { DC_ADDRESS, 0 }, DLAYOUT_END
};
static const struct dcol lay120[] = {
	{ DC_MAC, 17 }, { DC_NAME, 16 }, { DC_STATE, 7 }, { DC_LAST, 6 },
	{ DC_RATE, 7 }, { DC_READINGS, 9 }, { DC_MESSAGES, 9 },
	{ DC_FILES, 6 }, { DC_PROTO, 9 }, { DC_ADDRESS, 0 }, DLAYOUT_END
};
static const struct dcol lay160[] = {
	{ DC_MAC, 17 }, { DC_NAME, 24 }, { DC_STATE, 7 }, { DC_LAST, 6 },
	{ DC_RATE, 7 }, { DC_READINGS, 10 }, { DC_MESSAGES, 9 },
	{ DC_FILES, 6 }, { DC_PROTO, 10 }, { DC_FIRST, 6 }, { DC_EVERY, 7 },
	{ DC_ADDRESS, 0 }, DLAYOUT_END
};

static const struct dcol *
layout(int w)
{
	if (w >= 160)
		return lay160;
	return w >= 120 ? lay120 : lay80;
}

/* Silent first: what wants a look. */
static int
state_rank(const char *st)
{
	if (strcmp(st, "silent") == 0)
		return 0;
	return strcmp(st, "online") == 0 ? 1 : 2;
}

static int
cmp_rows(const struct tui_dash *d, const struct tui_device *a,
    const struct tui_device *b, int64_t now)
{
	int c = 0;

	switch (d->dv.sort) {
	case DS_STATE:
		c = state_rank(a->state) - state_rank(b->state);
		break;
	case DS_NAME:
		c = strcmp(a->name, b->name);
		break;
	case DS_LAST:
		c = tui_dash_cmp_num((double)tui_device_age(a, now),
		    (double)tui_device_age(b, now));
		break;
	case DS_RATE:
		c = tui_dash_cmp_num(b->rate, a->rate);	/* busiest first */
		break;
	case DS_READINGS:
		c = tui_dash_cmp_num((double)b->readings, (double)a->readings);
		break;
	case DS_ADDRESS:
		c = strcmp(a->address, b->address);
		break;
	}
	if (c == 0)
		c = strcmp(a->mac, b->mac);
	return d->dv.reverse ? -c : c;
}

/* The sort's context for qsort (the dashboard runs one loop). */
static const struct tui_dash *sort_dash;
static int64_t sort_now;

static int
cmp_idx(const void *a, const void *b)
{
	const struct tui_device *v = sort_dash->m->devices;

	return cmp_rows(sort_dash, &v[*(const size_t *)a],
	    &v[*(const size_t *)b], sort_now);
}

/* Filter (MAC, name, address, state; smart case as the Log's) and
 * sort. */
static void
rows_build(struct tui_dash *d, struct drows *r, int64_t now)
{
	const char *f = d->filter[P_DEVICES];
	const struct tui_device *v;
	size_t i;

	r->n = 0;
	for (i = 0; i < d->m->ndevices; i++) {
		v = &d->m->devices[i];
		if (f[0] != '\0' && tui_fmt_find(v->mac, f) == NULL &&
		    tui_fmt_find(v->name, f) == NULL &&
		    tui_fmt_find(v->address, f) == NULL &&
		    tui_fmt_find(v->state, f) == NULL)
			continue;
		r->idx[r->n++] = i;
	}
	sort_dash = d;
	sort_now = now;
	qsort(r->idx, r->n, sizeof(r->idx[0]), cmp_idx);
}

/* The selected device's place among the rows, found by its MAC as rows
 * move when answers come; else the place it had. */
static size_t
sel_find(struct tui_dash *d, const struct drows *r)
{
	size_t i;

	for (i = 0; i < r->n && d->dv.mac[0] != '\0'; i++) {
		if (strcmp(d->m->devices[r->idx[i]].mac, d->dv.mac) == 0)
			return d->dv.sel = i;
	}
	if (d->dv.sel >= r->n)
		d->dv.sel = r->n > 0 ? r->n - 1 : 0;
	return d->dv.sel;
}

void
tui_dash_devices_move(struct tui_dash *d, long delta)
{
	struct drows r;
	long v;

	rows_build(d, &r, tui_now_ns());
	v = (long)sel_find(d, &r) + delta;
	if (r.n > 0) {
		d->dv.sel = v < 0 ? 0 : (size_t)v >= r.n ? r.n - 1 :
		    (size_t)v;
		snprintf(d->dv.mac, sizeof(d->dv.mac), "%s",
		    d->m->devices[r.idx[d->dv.sel]].mac);
	}
}

void
tui_dash_devices_fetch(struct tui_dash *d)
{
	int64_t now = tui_now_ns();

	if (d->gone[0] != '\0' || d->top != P_DEVICES || d->detail != 0)
		return;
	/* One at a time: a server slow to answer is not asked twice. */
	if (d->dv.asked && now - d->dv.asked_ns < ASK_TIMEOUT_NS)
		return;
	d->dv.asked = 1;
	d->dv.asked_ns = now;
	tui_dash_request(d, json_pack("{s:s,s:i}", "cmd", "devices", "limit",
	    TUI_DEVICES_MAX));
}

int
tui_dash_devices_feed(struct tui_dash *d, json_t *msg)
{
	json_t *e = json_object_get(msg, "error");

	if (!d->dv.asked || json_object_get(msg, "event") != NULL)
		return 0;
	if (json_is_array(json_object_get(msg, "devices"))) {
		d->dv.asked = 0;
		return 0;
	}
	/* An error while devices is asked for is its answer (the rest
	 * of the poll was asked before it, and answers come in order):
	 * said in the pane, and in the log once, not once a poll. */
	if (!json_is_string(e))
		return 0;
	d->dv.asked = 0;
	tui_model_devices_refused(d->m, json_string_value(e));
	return 1;
}

/* Column col of device v as text, in its width w (the name and the
 * address cut with an ellipsis; out: 3 * w + 1 bytes). */
#define FIT_MAX		64
static void
cell(const struct tui_dash *d, const struct tui_device *v, int col, int w,
    int64_t now, char *buf, size_t len)
{
	char a[32];

	switch (col) {
	case DC_MAC:
		snprintf(buf, len, "%s", v->mac);
		break;
	case DC_NAME:
		tui_dash_fit(d, v->name[0] != '\0' ? v->name : "-", w, buf);
		break;
	case DC_STATE:
		snprintf(buf, len, "%s", v->state);
		break;
	case DC_LAST:
		tui_fmt_age(tui_device_age(v, now), buf, len);
		break;
	case DC_RATE:
		tui_fmt_rate(v->rate, buf, len);
		break;
	case DC_READINGS:
	case DC_MESSAGES:
	case DC_FILES:
		snprintf(buf, len, "%llu", (unsigned long long)(col ==
		    DC_READINGS ? v->readings : col == DC_MESSAGES ?
		    v->messages : v->files));
		break;
	case DC_PROTO:
		snprintf(buf, len, "%s%s", v->protocol, v->tls ? "+tls" : "");
		break;
	case DC_FIRST:
		tui_fmt_age(v->first_ns != 0 ? (now - v->first_ns) /
		    1000000000 : 0, buf, len);
		break;
	case DC_EVERY:
		snprintf(a, sizeof(a), "%.3gs", v->interval_s);
		snprintf(buf, len, "%s", v->interval_s > 0 ? a : "-");
		break;
	default:
		tui_dash_fit(d, v->address, w > FIT_MAX ? FIT_MAX : w, buf);
		break;
	}
}

/* A row of the table into line, w columns wide. */
static void
row_text(const struct tui_dash *d, const struct dcol *l,
    const struct tui_device *v, int sel, int w, int64_t now, char *line,
    size_t len)
{
	char c[3 * FIT_MAX + 1];
	size_t o;
	int x = 2, cw;

	o = (size_t)snprintf(line, len, "%s ", sel ? ">" : " ");
	for (; l->col >= 0 && o < len && x < w; l++) {
		cw = l->w > 0 ? l->w : w - x;
		cell(d, v, l->col, cw, now, c, sizeof(c));
		if (l->col == DC_NAME || l->col == DC_ADDRESS)
			o += (size_t)snprintf(line + o, len - o, "%s ", c);
		else
			o += (size_t)snprintf(line + o, len - o,
			    cols[l->col].right ? "%*.*s " : "%-*.*s ", cw, cw,
			    c);
		x += cw + 1;
	}
}

static const char *
sort_mark(const struct tui_dash *d)
{
	if (d->loop.term.utf8)
		return d->dv.reverse ? "\xe2\x96\xbc" : "\xe2\x96\xb2";
	return d->dv.reverse ? "v" : "^";
}

/* The headings, the sorted one marked; where each is, for clicks. */
static void
draw_heads(struct tui_dash *d, const struct dcol *l, int y, int w)
{
	char head[48];
	int x = 3, n, hw, marked;

	d->dv.nhead = 0;
	tui_attr_on(&d->loop.term, TUI_C_TITLE, A_BOLD);
	for (; l->col >= 0 && x < w - 1; l++) {
		n = l->w > 0 ? l->w : w - 1 - x;
		if (n > w - 1 - x)
			n = w - 1 - x;
		marked = cols[l->col].sort == d->dv.sort;
		snprintf(head, sizeof(head), "%s%s", cols[l->col].head,
		    marked ? sort_mark(d) : "");
		hw = (int)strlen(cols[l->col].head) + marked;
		tui_put(y, cols[l->col].right && hw < n ? x + n - hw : x, n,
		    head);
		if (d->dv.nhead < (int)(sizeof(d->dv.head) /
		    sizeof(d->dv.head[0]))) {
			d->dv.head[d->dv.nhead].x = x;
			d->dv.head[d->dv.nhead].w = n + 1;
			d->dv.head[d->dv.nhead++].sort = cols[l->col].sort;
		}
		x += n + 1;
	}
	tui_attr_off(&d->loop.term, TUI_C_TITLE, A_BOLD);
}

/* "Devices (12: 9 online, 2 offline, 1 silent) - 3/12 - sort: state
 * ^", then the filter while there is one. */
static void
draw_title(struct tui_dash *d, const struct drows *r, char *buf,
    size_t len)
{
	struct tui_model *m = d->m;
	const char *sep = d->loop.term.utf8 ? " \xe2\x94\x80 " : " - ";
	char filt[128] = "", held[48] = "";

	if (d->filter[P_DEVICES][0] != '\0')
		snprintf(filt, sizeof(filt), "%sfilter (%zu of %zu): %s", sep,
		    r->n, m->ndevices, d->filter[P_DEVICES]);
	if (m->ndevices < m->devices_total)
		snprintf(held, sizeof(held), ", the first %zu", m->ndevices);
	snprintf(buf, len, "Devices (%zu: %zu online, %zu offline, %zu "
	    "silent%s)%s%zu/%zu%ssort: %s %s%s", m->devices_total,
	    m->devices_online, m->devices_offline, m->devices_silent, held,
	    sep, r->n ? d->dv.sel + 1 : 0, r->n, sep,
	    sort_names[d->dv.sort], sort_mark(d), filt);
}

/* The pane's one line when it has no rows to show: why. */
static void
draw_empty(struct tui_dash *d, int y, int w)
{
	char line[256];

	if (d->m->devices_error[0] != '\0')
		snprintf(line, sizeof(line), "The server does not list "
		    "devices (an older sockdeckd?): %s", d->m->devices_error);
	else if (d->m->devices_ns == 0)
		snprintf(line, sizeof(line), "Asking the server for its "
		    "devices...");
	else
		snprintf(line, sizeof(line), d->m->ndevices > 0 ?
		    "No device matches the filter." : "No device seen yet.");
	if (d->m->devices_error[0] != '\0')
		tui_attr_on(&d->loop.term, TUI_C_WARN, A_BOLD);
	tui_put(y, 2, w - 4, line);
	if (d->m->devices_error[0] != '\0')
		tui_attr_off(&d->loop.term, TUI_C_WARN, A_BOLD);
}

/* One row; a silent device in the warning colour and bold (bold alone
 * where there is no colour), the selected one reversed. */
static void
draw_row(struct tui_dash *d, const struct dcol *l,
    const struct tui_device *v, int sel, int y, int w, int64_t now)
{
	char line[1024];
	int silent = strcmp(v->state, "silent") == 0;

	row_text(d, l, v, sel, w - 2, now, line, sizeof(line));
	if (sel && d->pane == P_DEVICES)
		attron(A_REVERSE);
	if (silent) {
		attron(A_BOLD);
		tui_attr_on(&d->loop.term, TUI_C_WARN, A_BOLD);
	}
	tui_fill(y, 1, w - 2);
	tui_put(y, 1, w - 2, line);
	if (silent) {
		tui_attr_off(&d->loop.term, TUI_C_WARN, A_BOLD);
		attroff(A_BOLD);
	}
	if (sel && d->pane == P_DEVICES)
		attroff(A_REVERSE);
}

/* Device v in full over the pane's rows, from y, label and value a
 * line (Enter; Esc or q: back). */
static void
draw_one(struct tui_dash *d, const struct tui_device *v, int y, int h,
    int w, int64_t now)
{
	char val[8][3 * 64 + 1], t[32], a[16], b[16], line[3 * 64 + 32];
	static const char *const label[8] = { "name", "state", "last seen",
	    "first seen", "address", "protocol", "readings", "messages" };
	int i, vw = w - 16 > 64 ? 64 : w - 16;

	if (vw < 1)
		return;
	tui_dash_fit(d, v->name[0] != '\0' ? v->name :
	    "- (not in the registry)", vw, val[0]);
	snprintf(val[1], sizeof(val[1]), "%s", v->state);
	tui_fmt_age(tui_device_age(v, now), a, sizeof(a));
	tui_fmt_clock(now - tui_device_age(v, now) * 1000000000, t,
	    sizeof(t));
	snprintf(val[2], sizeof(val[2]), "%s ago, at %s", a, t);
	tui_fmt_age(v->first_ns != 0 ? (now - v->first_ns) / 1000000000 : 0,
	    a, sizeof(a));
	tui_fmt_clock(v->first_ns, t, sizeof(t));
	snprintf(val[3], sizeof(val[3]), "%s ago, at %s", a, t);
	tui_dash_fit(d, v->address, vw, val[4]);
	snprintf(a, sizeof(a), "%.3gs", v->interval_s);
	snprintf(val[5], sizeof(val[5]), "%s, %s, usually every %s",
	    v->protocol, v->tls ? "TLS" : "plain", v->interval_s > 0 ? a :
	    "? (not known yet)");
	tui_fmt_rate(v->rate, b, sizeof(b));
	snprintf(val[6], sizeof(val[6]), "%llu (%s)",
	    (unsigned long long)v->readings, b);
	snprintf(val[7], sizeof(val[7]), "%llu, files %llu",
	    (unsigned long long)v->messages, (unsigned long long)v->files);
	for (i = 0; i < 8 && i < h; i++) {
		/* The precision bounds it for the compiler, which loses
		 * track of i. */
		snprintf(line, sizeof(line), "%-12s %.192s", label[i],
		    val[i]);
		tui_put(y + i, 3, w - 5, line);
	}
}

void
tui_dash_draw_devices(struct tui_dash *d, int y, int h, int w)
{
	const struct dcol *l = layout(w);
	struct drows rs, *r = &rs;
	size_t i, sel, rows = h > 3 ? (size_t)h - 3 : 0;
	size_t *top = &d->scroll[P_DEVICES];
	int64_t now = tui_now_ns();
	char title[320];

	rows_build(d, r, now);
	sel = sel_find(d, r);
	tui_dash_in_view(sel, rows, r->n, top);
	/* In full while its row is there (a filter or an answer may take
	 * it away: the table then). */
	d->dv.open = d->dv.open && sel < r->n;
	draw_title(d, r, title, sizeof(title));
	if (d->dv.open)
		snprintf(title, sizeof(title), "Device %s (Esc: back)",
		    d->m->devices[r->idx[sel]].mac);
	tui_box(&d->loop.term, y, 0, h, w, title, d->pane == P_DEVICES);
	tui_dash_pane_at(d, P_DEVICES, y, 0, h, w);
	if (d->dv.open) {
		draw_one(d, &d->m->devices[r->idx[sel]], y + 1, h - 2, w,
		    now);
		return;
	}
	if (h > 2)
		draw_heads(d, l, y + 1, w);
	if (r->n == 0 && h > 3)
		draw_empty(d, y + 2, w);
	for (i = 0; i < rows && *top + i < r->n; i++)
		draw_row(d, l, &d->m->devices[r->idx[*top + i]],
		    *top + i == sel, y + 2 + (int)i, w, now);
}

/* A click on a heading sorts by its column (again: the other way); on
 * row (0: the first shown) selects it. */
int
tui_dash_devices_click(struct tui_dash *d, int row, int x)
{
	int i;

	for (i = 0; row == -1 && i < d->dv.nhead; i++) {
		if (x < d->dv.head[i].x || x >= d->dv.head[i].x +
		    d->dv.head[i].w || d->dv.head[i].sort < 0)
			continue;
		d->dv.reverse = d->dv.head[i].sort == d->dv.sort ?
		    !d->dv.reverse : 0;
		d->dv.sort = d->dv.head[i].sort;
		break;
	}
	if (row >= 0) {
		tui_dash_devices_move(d, 0);
		tui_dash_devices_move(d, (long)(d->scroll[P_DEVICES] +
		    (size_t)row) - (long)d->dv.sel);
	}
	return TUI_REDRAW;
}

const char *
tui_dash_devices_conf(struct tui_dash *d, const char *name)
{
	int i;

	for (i = 0; name != NULL && i < DS_COUNT; i++)
		if (strcmp(sort_names[i], name) == 0)
			d->dv.sort = i;
	return sort_names[d->dv.sort % DS_COUNT];
}

int
tui_dash_devices_key(struct tui_dash *d, int ch)
{
	if (d->dv.open && (ch == 27 || ch == 'q')) {
		d->dv.open = 0;
		return TUI_REDRAW;
	}
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_dash_devices_move(d, 0);
		d->dv.open = d->m->ndevices > 0;
		break;
	case 's':
	case '>':
		d->dv.sort = (d->dv.sort + 1) % DS_COUNT;
		d->dv.reverse = 0;
		break;
	case '<':
		d->dv.sort = (d->dv.sort + DS_COUNT - 1) % DS_COUNT;
		d->dv.reverse = 0;
		break;
	case 'r':
		d->dv.reverse = !d->dv.reverse;
		break;
	default:
		return TUI_DASH_NOT_MINE;
	}
	return TUI_REDRAW;
}
