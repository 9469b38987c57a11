/*
 * tui_nodes_table.c: the fleet view's client table: every node's rows
 * (the first TUI_NODES_ROWS of each, in connection order, as its
 * server's window gives them) one after the other in node order, with
 * the node's name first; a node that is down has none. The selection
 * stays on the same client (node and id) as rows come and go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_nodes_int.h"

void
tui_nodes_fetch(struct tui_nodes *v, size_t i)
{
	struct tui_nodes_node *nd = &v->node[i];

	nd->fetching = 1;
	nd->fetch_ns = tui_now_ns();
	tui_nodes_request(v, i, json_pack("{s:s,s:s,s:I,s:I}", "cmd",
	    "clients", "sort", "connected", "offset", (json_int_t)0, "limit",
	    (json_int_t)TUI_NODES_ROWS));
}

/* Whether client c of node i shows under the filter f: its node, its
 * address, device, name or state holds it. */
static int
row_matches(const struct tui_nodes *v, size_t i, const struct tui_client *c,
    const char *f)
{
	char peer[64];

	if (f[0] == '\0')
		return 1;
	snprintf(peer, sizeof(peer), "%s:%d", c->peer, c->peer_port);
	return tui_fmt_find(v->node[i].label, f) != NULL ||
	    tui_fmt_find(peer, f) != NULL ||
	    tui_fmt_find(c->device, f) != NULL ||
	    tui_fmt_find(c->name, f) != NULL ||
	    tui_fmt_find(c->state, f) != NULL;
}

static struct tui_client *
row_client(struct tui_nodes *v, size_t k)
{
	return &v->node[v->rows[k].node].m->clients[v->rows[k].row];
}

/* The rows, then the selection found again by its client. */
void
tui_nodes_build(struct tui_nodes *v)
{
	struct tui_model *m;
	size_t i, r, k;

	v->nrows = 0;
	for (i = 0; i < v->n; i++) {
		m = v->node[i].m;
		for (r = 0; v->node[i].up && r < m->nclients_rows &&
		    v->nrows < TUI_NODES_TABLE; r++) {
			if (!row_matches(v, i, &m->clients[r],
			    v->filter_table))
				continue;
			v->rows[v->nrows].node = (uint8_t)i;
			v->rows[v->nrows++].row = (uint16_t)r;
		}
	}
	for (k = 0; k < v->nrows && v->sel_id != 0; k++) {
		if (v->rows[k].node == v->sel_node &&
		    row_client(v, k)->id == v->sel_id) {
			v->sel = k;
			return;
		}
	}
	if (v->sel >= v->nrows)
		v->sel = v->nrows > 0 ? v->nrows - 1 : 0;
	v->sel_node = v->nrows > 0 ? v->rows[v->sel].node : 0;
	v->sel_id = v->nrows > 0 ? row_client(v, v->sel)->id : 0;
}

struct tui_client *
tui_nodes_selected(struct tui_nodes *v, size_t *node)
{
	if (v->sel >= v->nrows)
		return NULL;
	*node = v->rows[v->sel].node;
	return row_client(v, v->sel);
}

void
tui_nodes_move(struct tui_nodes *v, long delta)
{
	long s = (long)v->sel + delta;

	if (v->nrows == 0)
		return;
	v->sel = s < 0 ? 0 : (size_t)s >= v->nrows ? v->nrows - 1 :
	    (size_t)s;
	v->sel_node = v->rows[v->sel].node;
	v->sel_id = row_client(v, v->sel)->id;
}

/* Ask the nodes whose rows went stale (a client came or went) for
 * their window again: one request a node at a time. */
static void
want_windows(struct tui_nodes *v)
{
	int64_t now = tui_now_ns();
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (!v->node[i].up || !v->node[i].m->clients_stale)
			continue;
		if (!v->node[i].fetching ||
		    now - v->node[i].fetch_ns > 2000000000)
			tui_nodes_fetch(v, i);
	}
}

/* A row: node, id, address, device, since, then at 120 columns the
 * server port, bytes in and out and the last activity; the state takes
 * the rest. */
static void
row_text(struct tui_nodes *v, size_t k, int lw, int wide, char *line,
    size_t len)
{
	struct tui_client *c = row_client(v, k);
	char name[3 * TUI_NODES_LABEL + 1], peer[64], fpeer[64];
	char since[16], in[16], out[16], last[16];
	int64_t now = tui_now_ns();

	tui_fit(&v->loop.term, v->node[v->rows[k].node].label, lw, name);
	snprintf(peer, sizeof(peer), strchr(c->peer, ':') ? "[%s]:%d" :
	    "%s:%d", c->peer, c->peer_port);
	tui_fit(&v->loop.term, peer, 21, fpeer);
	tui_fmt_clock(c->connected_ns, since, sizeof(since));
	if (!wide) {
		snprintf(line, len, "%s %-5u %s %-17.17s %-8s %s", name,
		    c->id, fpeer, c->device, since, c->state[0] ? c->state :
		    "new");
		return;
	}
	tui_fmt_bytes((double)c->bytes_in, in, sizeof(in));
	tui_fmt_bytes((double)c->bytes_out, out, sizeof(out));
	tui_fmt_age(c->last_ns ? (now - c->last_ns) / 1000000000 : 0, last,
	    sizeof(last));
	snprintf(line, len, "%s %-5u %s %-5d %-17.17s %-8s %8s %8s %5s %s",
	    name, c->id, fpeer, c->port, c->device, since, in, out, last,
	    c->state[0] ? c->state : "new");
}

/* "Clients (5) - 2 of 3 nodes up", what the rows leave out, the
 * filter. */
static void
table_title(struct tui_nodes *v, char *buf, size_t len)
{
	size_t i, total = 0, held = 0, up = 0;
	char more[48] = "", filt[96] = "";

	for (i = 0; i < v->n; i++) {
		if (!v->node[i].up)
			continue;
		up++;
		total += v->node[i].m->clients_total;
		held += v->node[i].m->nclients_rows;
	}
	if (held < total)
		snprintf(more, sizeof(more), " - the first %d of each node",
		    TUI_NODES_ROWS);
	if (v->filter_table[0] != '\0')
		snprintf(filt, sizeof(filt), " - filter (%zu): %s", v->nrows,
		    v->filter_table);
	snprintf(buf, len, "Clients (%zu) - %zu of %zu nodes up%s%s", total,
	    up, v->n, more, filt);
}

void
tui_nodes_draw_table(struct tui_nodes *v, int y, int h, int w)
{
	size_t k, rows = h > 3 ? (size_t)h - 3 : 0;
	int lw = w >= 120 ? 12 : 8, wide = w >= 120;
	char title[256], line[512], head[256];

	want_windows(v);
	tui_nodes_build(v);
	if (v->sel < v->top)
		v->top = v->sel;
	if (rows > 0 && v->sel >= v->top + rows)
		v->top = v->sel - rows + 1;
	if (v->top + rows > v->nrows)
		v->top = v->nrows > rows ? v->nrows - rows : 0;
	table_title(v, title, sizeof(title));
	tui_box(&v->loop.term, y, 0, h, w, title, v->pane == N_TABLE);
	if (wide)
		snprintf(head, sizeof(head), "  %-*s %-5s %-21s %-5s %-17s "
		    "%-8s %8s %8s %5s %s", lw, "node", "id", "peer", "port",
		    "device", "since", "in", "out", "last", "state");
	else
		snprintf(head, sizeof(head), "  %-*s %-5s %-21s %-17s %-8s %s",
		    lw, "node", "id", "peer", "device", "since", "state");
	tui_attr_on(&v->loop.term, TUI_C_TITLE, A_BOLD);
	tui_put(y + 1, 1, w - 2, head);
	tui_attr_off(&v->loop.term, TUI_C_TITLE, A_BOLD);
	for (k = v->top; k < v->nrows && k < v->top + rows; k++) {
		row_text(v, k, lw, wide, line + 2, sizeof(line) - 2);
		line[0] = k == v->sel ? '>' : ' ';
		line[1] = ' ';
		if (k == v->sel && v->pane == N_TABLE)
			attron(A_REVERSE);
		tui_fill(y + 2 + (int)(k - v->top), 1, w - 2);
		tui_put(y + 2 + (int)(k - v->top), 1, w - 2, line);
		if (k == v->sel && v->pane == N_TABLE)
			attroff(A_REVERSE);
	}
}
