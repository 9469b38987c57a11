/*
 * tui_dash_clients.c: the dashboard's client table. The model holds a
 * window of the server's table; this pane asks for the rows it shows, in
 * its order, and keeps the selection on the same client as rows move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* The clients filter as the window request carries it: text that is
 * not UTF-8 (a Latin-1 terminal) with '?' for its high bytes, so the
 * request can be sent and its answer recognised. */
static void
sent_filter(struct tui_dash *d, char *buf, size_t len)
{
	json_t *s = json_string(d->filter[P_CLIENTS]);
	size_t i;

	snprintf(buf, len, "%s", d->filter[P_CLIENTS]);
	for (i = 0; s == NULL && buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] >= 0x80)
			buf[i] = '?';
	json_decref(s);
}

/* Whether the model's window is in the order and filter shown. */
static int
window_mine(struct tui_dash *d)
{
	struct tui_model *m = d->m;
	char f[64];

	sent_filter(d, f, sizeof(f));
	return m->clients_sort == d->sort && m->clients_rev == d->sort_rev &&
	    strcmp(m->clients_filter, f) == 0;
}

/* Find the selected client again by its id where the window holds it
 * (rows move as clients come and go), so a key or a click acts on the
 * row the operator sees; else keep the place. */
void
tui_dash_sync_sel(struct tui_dash *d)
{
	struct tui_model *m = d->m;
	struct tui_client *c;
	int mine = window_mine(d);
	size_t i;

	for (i = 0; mine && i < m->nclients_rows; i++) {
		if (m->clients[i].id == d->sel_id && d->sel_id != 0) {
			d->sel = m->clients_off + i;
			return;
		}
	}
	if (d->sel >= m->clients_match)
		d->sel = m->clients_match ? m->clients_match - 1 : 0;
	c = mine ? tui_model_row(m, d->sel) : NULL;
	d->sel_id = c != NULL ? c->id : 0;
}

/* The client row at place i as the pane shows it, or NULL while its
 * window is asked for. */
struct tui_client *
tui_dash_shown_row(struct tui_dash *d, size_t i)
{
	if (!window_mine(d))
		return NULL;
	return tui_model_row(d->m, i);
}

/* Ask the server for the rows around first .. first + rows in the
 * order shown: the model holds a window, never the table. */
void
tui_dash_fetch_window(struct tui_dash *d, size_t first, size_t rows)
{
	size_t off = first > rows ? first - rows : 0;
	size_t lim = 3 * rows + 1;
	json_t *req;
	char f[64];

	if (lim > TUI_WINDOW_MAX)
		lim = TUI_WINDOW_MAX;
	d->fetching = 1;
	d->fetch_ns = tui_now_ns();
	req = json_pack("{s:s,s:s,s:b,s:I,s:I}", "cmd", "clients", "sort",
	    tui_model_sorts[d->sort], "reverse", d->sort_rev, "offset",
	    (json_int_t)off, "limit", (json_int_t)lim);
	sent_filter(d, f, sizeof(f));
	if (req != NULL && f[0] != '\0')
		json_object_set_new(req, "filter", json_string(f));
	tui_dash_request(d, req);
}

/* Before drawing rows first .. first + rows: ask for them when the
 * window misses some, has another order, or clients came or went (at
 * most once a draw, so at most ten times a second; one at a time). */
static void
want_window(struct tui_dash *d, size_t first, size_t rows)
{
	struct tui_model *m = d->m;
	size_t end = m->clients_off + m->nclients_rows;
	int64_t now = tui_now_ns();

	if (d->gone[0] != '\0')
		return;
	if (d->fetching && now - d->fetch_ns < 2000000000)
		return;
	if (!window_mine(d) || m->clients_stale ||
	    first < m->clients_off ||
	    (first + rows > end && end < m->clients_match))
		tui_dash_fetch_window(d, first, rows);
}

/* The table's columns; a layout picks some, each with a width. */
enum {
	C_ID, C_FD, C_PEER, C_PORT, C_DEV, C_NAME, C_PROTO, C_SINCE, C_CONN,
	C_IN, C_OUT, C_FIN, C_FOUT, C_LAST, C_RATE, C_SEC, C_STATE
};

static const struct {
	const char	*head;
	int		 right;		/* numbers align right */
	int		 sort;		/* its key in tui_model_sorts, or -1 */
} cols[] = {
	[C_ID] = { "id", 0, 1 },
	[C_FD] = { "fd", 0, -1 },
	[C_PEER] = { "peer", 0, 2 },
	[C_PORT] = { "port", 0, 5 },
	[C_DEV] = { "device", 0, 6 },
	[C_NAME] = { "name", 0, 7 },
	[C_PROTO] = { "proto", 0, -1 },
	[C_SINCE] = { "since", 0, 0 },
	[C_CONN] = { "connected", 0, 0 },
	[C_IN] = { "in", 1, 3 },
	[C_OUT] = { "out", 1, 4 },
	[C_FIN] = { "frames in", 1, -1 },
	[C_FOUT] = { "frames out", 1, -1 },
	[C_LAST] = { "last", 1, 8 },
	[C_RATE] = { "rate", 1, -1 },
	[C_SEC] = { "sec", 0, -1 },
	[C_STATE] = { "state", 0, 9 },
};

/* Which columns at which width: the seed's four fields (fd, address,
 * port, connect time) are in every one; the last column, the state,
 * takes the rest of the line, at least 16 columns in each layout
 * ("stalled 100% 59m" whole). How the client is secured and identified
 * (sec) is in every one too: below 140 columns in its short form, 5
 * wide, taken from the address (15: "127.0.0.1:52978" whole, a longer
 * one cut with an ellipsis). */
struct lcol {
	int	 col, w;
};
#define LAYOUT_END	{ -1, 0 }
static const struct lcol lay80[] = {
	{ C_ID, 5 }, { C_FD, 4 }, { C_PEER, 15 }, { C_DEV, 17 },
	{ C_SEC, 5 }, { C_SINCE, 8 }, { C_STATE, 0 }, LAYOUT_END
};
static const struct lcol lay100[] = {
	{ C_ID, 5 }, { C_FD, 4 }, { C_PEER, 15 }, { C_DEV, 17 },
	{ C_SEC, 5 }, { C_SINCE, 8 }, { C_IN, 8 }, { C_OUT, 8 },
	{ C_STATE, 0 }, LAYOUT_END
};
static const struct lcol lay110[] = {
	{ C_ID, 5 }, { C_FD, 4 }, { C_PEER, 15 }, { C_PORT, 6 },
	{ C_DEV, 17 }, { C_SEC, 5 }, { C_SINCE, 8 }, { C_IN, 8 },
	{ C_OUT, 8 }, { C_STATE, 0 }, LAYOUT_END
};
static const struct lcol lay120[] = {
	{ C_ID, 5 }, { C_FD, 4 }, { C_PEER, 15 }, { C_PORT, 6 },
	{ C_DEV, 17 }, { C_SEC, 5 }, { C_PROTO, 6 }, { C_SINCE, 8 },
	{ C_IN, 8 }, { C_OUT, 8 }, { C_LAST, 6 }, { C_STATE, 0 },
	LAYOUT_END
};
static const struct lcol lay140[] = {
	{ C_ID, 5 }, { C_FD, 4 }, { C_PEER, 21 }, { C_PORT, 6 },
	{ C_DEV, 17 }, { C_SEC, 12 }, { C_PROTO, 6 }, { C_SINCE, 8 },
	{ C_IN, 8 }, { C_OUT, 8 }, { C_LAST, 6 }, { C_RATE, 7 },
	{ C_STATE, 0 }, LAYOUT_END
};
static const struct lcol lay200[] = {
	{ C_ID, 6 }, { C_FD, 5 }, { C_PEER, 23 }, { C_PORT, 6 },
	{ C_DEV, 17 }, { C_SEC, 17 }, { C_NAME, 16 }, { C_PROTO, 6 },
	{ C_CONN, 19 },
	{ C_IN, 9 }, { C_OUT, 9 }, { C_FIN, 9 }, { C_FOUT, 10 },
	{ C_LAST, 6 }, { C_RATE, 7 }, { C_STATE, 0 }, LAYOUT_END
};

static const struct lcol *
layout(int w)
{
	if (w >= 200)
		return lay200;
	if (w >= 140)
		return lay140;
	if (w >= 120)
		return lay120;
	if (w >= 110)
		return lay110;
	return w >= 100 ? lay100 : lay80;
}

/* Sort keys whose first rows are the largest: the marker points down
 * for them unless reversed. */
static int
sort_desc(int k)
{
	return k == 3 || k == 4;
}

/* The sorted column's marker: which way its values go down the
 * table. */
static const char *
sort_mark(struct tui_dash *d)
{
	int down = sort_desc(d->sort) != d->sort_rev;

	if (d->loop.term.utf8)
		return down ? "\xe2\x96\xbc" : "\xe2\x96\xb2";
	return down ? "v" : "^";
}

/* How c is identified, in a word: its registry name, cert, token or
 * "-" (none, or a --token it has not given). */
static const char *
sec_ident(const struct tui_client *c)
{
	if (c->device_name[0] != '\0')
		return c->device_name;
	if (strncmp(c->auth, "certificate", 11) == 0)
		return "cert";
	if (strcmp(c->auth, "token") == 0 || strcmp(c->auth, "registry") == 0)
		return c->auth;
	return "-";
}

/* The sec column in exactly w columns (out: 3 * w + 1 bytes): "TLS1.3
 * pump-7", "plain token", "plain -"; short (below 12) "plain" for any
 * plain client, else how the TLS client is identified, or "TLS" when
 * it is not. A name too long is cut with an ellipsis. */
static void
sec_text(const struct tui_dash *d, const struct tui_client *c, int w,
    char *out)
{
	const char *id = sec_ident(c);
	char ver[16] = "plain";
	int n = (int)strcspn(c->tls, " ");

	if (c->tls[0] != '\0')
		snprintf(ver, sizeof(ver), "%.*s", n > 8 ? 8 : n, c->tls);
	if (strncmp(ver, "TLSv", 4) == 0)
		memmove(ver + 3, ver + 4, strlen(ver + 4) + 1);
	if (w < 12) {
		tui_dash_fit(d, c->tls[0] == '\0' ? "plain" :
		    strcmp(id, "-") != 0 ? id : "TLS", w, out);
		return;
	}
	n = snprintf(out, (size_t)w + 1, "%s ", ver);
	tui_dash_fit(d, id, w - n, out + n);
}

/* Column col of client c as text; the address and sec in exactly
 * their width w (at most FIT_MAX), cut with an ellipsis. */
#define FIT_MAX		40
static void
cell(const struct tui_dash *d, const struct tui_client *c, int col, int w,
    int64_t now, char *buf, size_t len)
{
	char a[64], b[32];

	switch (col) {
	case C_ID:
		snprintf(buf, len, "%u", c->id);
		break;
	case C_FD:
		snprintf(buf, len, "%d", c->fd);
		break;
	case C_PEER:
		snprintf(a, sizeof(a), strchr(c->peer, ':') ? "[%s]:%d" :
		    "%s:%d", c->peer, c->peer_port);
		tui_dash_fit(d, a, w, buf);
		break;
	case C_PORT:
		snprintf(buf, len, "%d", c->port);
		break;
	case C_DEV:
	case C_NAME:
		snprintf(buf, len, "%s", col == C_DEV ? c->device : c->name);
		break;
	case C_PROTO:
		snprintf(buf, len, "%s", c->proto);
		break;
	case C_SINCE:
	case C_CONN:
		tui_fmt_clock(c->connected_ns, a, sizeof(a));
		tui_fmt_dur((now - c->connected_ns) / 1000000000, b,
		    sizeof(b));
		snprintf(buf, len, col == C_SINCE ? "%s" : "%s (%s)", a, b);
		break;
	case C_IN:
	case C_OUT:
		tui_fmt_bytes((double)(col == C_IN ? c->bytes_in :
		    c->bytes_out), buf, len);
		break;
	case C_FIN:
	case C_FOUT:
		snprintf(buf, len, "%llu", (unsigned long long)(col == C_FIN ?
		    c->frames_in : c->frames_out));
		break;
	case C_LAST:
		tui_fmt_age(c->last_ns ? (now - c->last_ns) / 1000000000 : 0,
		    buf, len);
		break;
	case C_RATE:
		tui_fmt_rate(c->rate, buf, len);
		break;
	case C_SEC:
		sec_text(d, c, w, buf);
		break;
	default:
		snprintf(buf, len, "%s", c->state[0] ? c->state : "new");
		break;
	}
}

/* A row of the table into line. */
static void
row_text(const struct tui_dash *d, const struct lcol *l,
    const struct tui_client *c, int sel, int64_t now, char *line,
    size_t len)
{
	char v[3 * FIT_MAX + 1];
	size_t o;

	o = (size_t)snprintf(line, len, "%s ", sel ? ">" : " ");
	for (; l->col >= 0 && o < len; l++) {
		cell(d, c, l->col, l->w, now, v, sizeof(v));
		if (l->w == 0)
			o += (size_t)snprintf(line + o, len - o, "%s", v);
		else if (l->col == C_PEER || l->col == C_SEC)
			o += (size_t)snprintf(line + o, len - o, "%s ", v);
		else
			o += (size_t)snprintf(line + o, len - o,
			    cols[l->col].right ? "%*.*s " : "%-*.*s ", l->w,
			    l->w, v);
	}
}

/* The headings, the sorted one marked (numbers' to the right, over
 * them); where each is, for clicks. */
static void
draw_heads(struct tui_dash *d, const struct lcol *l, int y, int w)
{
	const char *name;
	char head[48];
	int x = 3, n, hw, marked;

	d->nhead = 0;
	tui_attr_on(&d->loop.term, TUI_C_TITLE, A_BOLD);
	for (; l->col >= 0 && x < w - 1; l++) {
		n = l->w > 0 ? l->w : w - 1 - x;
		if (n > w - 1 - x)
			n = w - 1 - x;
		name = cols[l->col].head;
		marked = cols[l->col].sort == d->sort;
		snprintf(head, sizeof(head), "%s%s%s", name, marked ? " " : "",
		    marked ? sort_mark(d) : "");
		hw = (int)strlen(name) + (marked ? 2 : 0);
		tui_put(y, cols[l->col].right && hw < n ? x + n - hw : x, n,
		    head);
		if (d->nhead < (int)(sizeof(d->head) / sizeof(d->head[0]))) {
			d->head[d->nhead].x = x;
			d->head[d->nhead].w = n + 1;
			d->head[d->nhead++].sort = cols[l->col].sort;
		}
		x += n + 1;
	}
	tui_attr_off(&d->loop.term, TUI_C_TITLE, A_BOLD);
}

/* "Clients (54) - 9/54 - sort: peer ^", then the filter and how many
 * it matched while there is one (last: a long one is what is cut). */
static void
clients_title(struct tui_dash *d, char *buf, size_t len)
{
	struct tui_model *m = d->m;
	const char *sep = d->loop.term.utf8 ? " \xe2\x94\x80 " : " - ";
	const char *f = d->filter[P_CLIENTS];
	char filt[128] = "", blocked[48] = "";

	if (f[0] != '\0')
		snprintf(filt, sizeof(filt), "%sfilter (%zu of %zu): %s", sep,
		    m->clients_match, m->clients_total, f);
	/* Kick-and-block: what is refused, counted where clients are. */
	if (m->nblocked > 0)
		snprintf(blocked, sizeof(blocked), "%s%zu blocked", sep,
		    m->nblocked);
	snprintf(buf, len, "Clients (%zu)%s%zu/%zu%ssort: %s %s%s%s",
	    m->clients_total, sep, m->clients_match ? d->sel + 1 : 0,
	    m->clients_match, sep, tui_model_sorts[d->sort], sort_mark(d),
	    blocked, filt);
}

void
tui_dash_draw_clients(struct tui_dash *d, int y, int h, int w)
{
	struct tui_model *m = d->m;
	const struct lcol *l = layout(w);
	struct tui_client *c;
	char title[256], line[512];
	int64_t now = tui_now_ns();
	size_t i, rows = h > 3 ? (size_t)h - 3 : 0, first;

	first = d->sel >= rows ? d->sel - rows + 1 : 0;
	d->shown = rows;
	want_window(d, first, rows);
	tui_dash_sync_sel(d);
	clients_title(d, title, sizeof(title));
	tui_box(&d->loop.term, y, 0, h, w, title, d->pane == P_CLIENTS);
	tui_dash_pane_at(d, P_CLIENTS, y, 0, h, w);
	draw_heads(d, l, y + 1, w);
	first = d->sel >= rows ? d->sel - rows + 1 : 0;
	d->first_row = first;
	for (i = 0; i < rows && first + i < m->clients_match; i++) {
		c = tui_dash_shown_row(d, first + i);
		if (c == NULL)
			continue;	/* asked for: drawn when it comes */
		row_text(d, l, c, first + i == d->sel, now, line,
		    sizeof(line));
		if (first + i == d->sel && d->pane == P_CLIENTS)
			attron(A_REVERSE);
		tui_fill(y + 2 + (int)i, 1, w - 2);
		tui_put(y + 2 + (int)i, 1, w - 2, line);
		if (first + i == d->sel && d->pane == P_CLIENTS)
			attroff(A_REVERSE);
	}
}

/* s and >: the next sort key; <: the one before; r: reversed. A new
 * key starts in its own direction. */
int
tui_dash_clients_sort(struct tui_dash *d, int ch)
{
	switch (ch) {
	case 's':
	case '>':
		d->sort = (d->sort + 1) % TUI_SORTS;
		d->sort_rev = 0;
		break;
	case '<':
		d->sort = (d->sort + TUI_SORTS - 1) % TUI_SORTS;
		d->sort_rev = 0;
		break;
	case 'r':
		d->sort_rev = !d->sort_rev;
		break;
	default:
		return TUI_DASH_NOT_MINE;
	}
	tui_dash_sync_sel(d);
	return TUI_REDRAW;
}

/* A click on a heading sorts by its column; on the sorted one, the
 * other way. */
int
tui_dash_clients_click_head(struct tui_dash *d, int x)
{
	int i;

	for (i = 0; i < d->nhead; i++) {
		if (x < d->head[i].x || x >= d->head[i].x + d->head[i].w ||
		    d->head[i].sort < 0)
			continue;
		if (d->head[i].sort == d->sort)
			d->sort_rev = !d->sort_rev;
		else {
			d->sort = d->head[i].sort;
			d->sort_rev = 0;
		}
		tui_dash_sync_sel(d);
		break;
	}
	return TUI_REDRAW;
}

int
tui_dash_clients_key(struct tui_dash *d, int ch)
{
	struct tui_client *c;

	switch (ch) {
	case 'K':
		/* Not k: that is up, and one slip would ask to drop a
		 * client. */
		tui_dash_prompt(d, M_KICK);
		return TUI_REDRAW;
	case 'B':
		tui_dash_prompt(d, M_BLOCK);
		return TUI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_dash_sync_sel(d);
		c = tui_dash_shown_row(d, d->sel);
		if (c != NULL)
			tui_dash_detail_open(d, c->id);
		return TUI_REDRAW;
	default:
		return TUI_DASH_NOT_MINE;
	}
}
