/*
 * tui_dash_clients.c: the dashboard's client table. The model holds a
 * window of the server's table; this pane asks for the rows it shows, in
 * its order, and keeps the selection on the same client as rows move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* Find the selected client again by its id where the window holds it
 * (rows move as clients come and go), so a key or a click acts on the
 * row the operator sees; else keep the place. */
void
tui_dash_sync_sel(struct tui_dash *d)
{
	struct tui_model *m = d->m;
	struct tui_client *c;
	size_t i;

	for (i = 0; m->clients_sort == d->sort && i < m->nclients_rows;
	    i++) {
		if (m->clients[i].id == d->sel_id && d->sel_id != 0) {
			d->sel = m->clients_off + i;
			return;
		}
	}
	if (d->sel >= m->clients_total)
		d->sel = m->clients_total ? m->clients_total - 1 : 0;
	c = m->clients_sort == d->sort ? tui_model_row(m, d->sel) : NULL;
	d->sel_id = c != NULL ? c->id : 0;
}

/* The client row at place i as the pane shows it, or NULL while its
 * window is asked for. */
struct tui_client *
tui_dash_shown_row(struct tui_dash *d, size_t i)
{
	if (d->m->clients_sort != d->sort)
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

	if (lim > TUI_WINDOW_MAX)
		lim = TUI_WINDOW_MAX;
	d->fetching = 1;
	d->fetch_ns = tui_now_ns();
	tui_dash_request(d, json_pack("{s:s,s:s,s:I,s:I}", "cmd", "clients",
	    "sort", tui_model_sorts[d->sort], "offset", (json_int_t)off,
	    "limit", (json_int_t)lim));
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
	if (m->clients_sort != d->sort || m->clients_stale ||
	    first < m->clients_off ||
	    (first + rows > end && end < m->clients_total))
		tui_dash_fetch_window(d, first, rows);
}

void
tui_dash_draw_clients(struct tui_dash *d, int y, int h, int w)
{
	struct tui_model *m = d->m;
	struct tui_client *c;
	char title[96], line[512], peer[64], when[16], dur[32], in[16],
	    out[16], last[16];
	int64_t now = tui_now_ns();
	size_t i, rows = h > 3 ? (size_t)h - 3 : 0, first;
	int wide = w >= 120;

	first = d->sel >= rows ? d->sel - rows + 1 : 0;
	d->shown = rows;
	want_window(d, first, rows);
	tui_dash_sync_sel(d);
	snprintf(title, sizeof(title), "Clients (%zu) \xe2\x94\x80 sort: %s",
	    m->clients_total, tui_model_sorts[d->sort]);
	if (!d->loop.term.utf8)
		snprintf(title, sizeof(title), "Clients (%zu) - sort: %s",
		    m->clients_total, tui_model_sorts[d->sort]);
	/* Kick-and-block: what is refused, counted where clients are. */
	if (m->nblocked > 0)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		    " %s %zu blocked", d->loop.term.utf8 ? "\xe2\x94\x80" :
		    "-", m->nblocked);
	tui_box(&d->loop.term, y, 0, h, w, title, d->pane == P_CLIENTS);
	d->at[P_CLIENTS].y = y;
	d->at[P_CLIENTS].x = 0;
	d->at[P_CLIENTS].h = h;
	d->at[P_CLIENTS].w = w;
	if (wide)
		snprintf(line, sizeof(line), "  %-5s %-4s %-21s %-5s %-17s "
		    "%-6s %-19s %8s %8s %5s  %s", "id", "fd", "peer", "port",
		    "device", "proto", "connected", "in", "out", "last",
		    "state");
	else
		snprintf(line, sizeof(line), "  %-5s %-22s %-17s %-18s %s",
		    "id", "peer", "device", "connected", "state");
	tui_attr_on(&d->loop.term, TUI_C_TITLE, A_BOLD);
	tui_put(y + 1, 1, w - 2, line);
	tui_attr_off(&d->loop.term, TUI_C_TITLE, A_BOLD);
	first = d->sel >= rows ? d->sel - rows + 1 : 0;
	d->first_row = first;
	for (i = 0; i < rows && first + i < m->clients_total; i++) {
		c = tui_dash_shown_row(d, first + i);
		if (c == NULL)
			continue;	/* asked for: drawn when it comes */
		snprintf(peer, sizeof(peer), strchr(c->peer, ':') ?
		    "[%s]:%d" : "%s:%d", c->peer, c->peer_port);
		tui_fmt_clock(c->connected_ns, when, sizeof(when));
		tui_fmt_dur((now - c->connected_ns) / 1000000000, dur,
		    sizeof(dur));
		tui_fmt_bytes((double)c->bytes_in, in, sizeof(in));
		tui_fmt_bytes((double)c->bytes_out, out, sizeof(out));
		tui_fmt_age(c->last_ns ? (now - c->last_ns) / 1000000000 : 0,
		    last, sizeof(last));
		snprintf(when + strlen(when), sizeof(when) - strlen(when),
		    "%s", "");
		if (wide)
			snprintf(line, sizeof(line), "%s %-5u %-4d %-21s %-5d "
			    "%-17s %-6s %s (%s) %8s %8s %5s  %s",
			    first + i == d->sel ? ">" : " ", c->id, c->fd,
			    peer, c->port, c->device, c->proto, when, dur, in,
			    out, last, c->state);
		else
			snprintf(line, sizeof(line), "%s %-5u %-22s %-17s "
			    "%s (%s)  %s", first + i == d->sel ? ">" : " ",
			    c->id, peer, c->device, when, dur, c->state);
		if (first + i == d->sel && d->pane == P_CLIENTS)
			attron(A_REVERSE);
		tui_fill(y + 2 + (int)i, 1, w - 2);
		tui_put(y + 2 + (int)i, 1, w - 2, line);
		if (first + i == d->sel && d->pane == P_CLIENTS)
			attroff(A_REVERSE);
	}
}

int
tui_dash_clients_key(struct tui_dash *d, int ch)
{
	switch (ch) {
	case 'K':
		/* Not k: that is up, and one slip would ask to drop a
		 * client. */
		tui_dash_prompt(d, M_KICK);
		return TUI_REDRAW;
	case 'B':
		tui_dash_prompt(d, M_BLOCK);
		return TUI_REDRAW;
	default:
		return TUI_DASH_NOT_MINE;
	}
}
