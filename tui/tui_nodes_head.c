/*
 * tui_nodes_head.c: the fleet view's header: a title line with the
 * fleet's totals, then a row per node (its number and name, up or down
 * and why, clients, the server's rates, its sinks), as many as a third
 * of the screen holds; a last row counts the rest. It also owns the
 * nodes' names: the server's node id, else a short form of the target,
 * made unique by the node's number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_nodes_int.h"

/* A target in a few characters: ssh://[USER@]HOST[:PORT][/DIR] is
 * HOST; a path is its last part, or its directory's when it names
 * control.sock. */
static void
short_target(const char *t, char *buf, size_t len)
{
	const char *p = t, *end, *slash;
	size_t n;

	if (strncmp(t, "ssh://", 6) == 0) {
		p = t + 6;
		if (strchr(p, '@') != NULL && strchr(p, '@') < p +
		    strcspn(p, "/"))
			p = strchr(p, '@') + 1;
		n = strcspn(p, ":/");
		snprintf(buf, len, "%.*s", (int)n, p);
		return;
	}
	end = t + strlen(t);
	while (end > t + 1 && end[-1] == '/')
		end--;
	slash = end;
	while (slash > t && slash[-1] != '/')
		slash--;
	if (strncmp(slash, "control.sock", (size_t)(end - slash)) == 0 &&
	    end - slash == 12 && slash > t + 1) {
		end = slash - 1;
		slash = end;
		while (slash > t && slash[-1] != '/')
			slash--;
	}
	snprintf(buf, len, "%.*s", (int)(end - slash), slash);
}

void
tui_nodes_label(struct tui_nodes *v, size_t i)
{
	struct tui_nodes_node *nd = &v->node[i];
	char base[TUI_NODES_LABEL];
	size_t j;

	if (nd->m->node_id[0] != '\0')
		snprintf(base, sizeof(base), "%.*s", TUI_NODES_LABEL - 5,
		    nd->m->node_id);
	else
		short_target(nd->target, base, TUI_NODES_LABEL - 4);
	snprintf(nd->label, sizeof(nd->label), "%s", base);
	for (j = 0; j < v->n; j++) {
		if (j != i && strcmp(v->node[j].label, base) == 0) {
			snprintf(nd->label, sizeof(nd->label), "%.*s#%u",
			    TUI_NODES_LABEL - 5, base, (unsigned)(i + 1) % 100);
			break;
		}
	}
}

int
tui_nodes_head_rows(const struct tui_nodes *v, int h)
{
	int cap = h / 3 > 1 ? h / 3 : 1;

	return (int)v->n <= cap ? (int)v->n : cap;
}

int
tui_nodes_label_width(const struct tui_nodes *v, int lim)
{
	size_t i;
	int w = 4, n;

	for (i = 0; i < v->n; i++) {
		n = (int)strlen(v->node[i].label);
		if (n > w)
			w = n;
	}
	return w < lim ? w : lim;
}

/* What an up node's row says after its name. */
static void
row_up(const struct tui_nodes_node *nd, int wide, char *buf, size_t len)
{
	struct tui_model *m = nd->m;
	char up[32], in[32], rd[32], msg[32];
	const char *sinks = m->sinks_short[0] ? m->sinks_short : "none";

	if (!m->have_status) {
		snprintf(buf, len, "up    (asking)");
		return;
	}
	tui_fmt_dur(tui_model_uptime(m, tui_now_ns()), up, sizeof(up));
	tui_fmt_bytes(m->in_rate, in, sizeof(in));
	tui_fmt_rate(m->readings_rate, rd, sizeof(rd));
	tui_fmt_rate(m->messages_rate, msg, sizeof(msg));
	if (wide)
		snprintf(buf, len, "up    %-9s clients %-5zu in %9s/s  "
		    "readings %-7s messages %-7s sinks %s%s%s", up,
		    m->clients_total, in, rd, msg, sinks,
		    m->failed[0] ? "  FAILED " : "", m->failed);
	else
		snprintf(buf, len, "up   cl %-4zu in %9s/s rd %-6s %s%s",
		    m->clients_total, in, rd, m->failed[0] ? "FAILED " :
		    "sinks ", m->failed[0] ? m->failed : sinks);
}

/* What a down node's row says: since when, how often it is tried,
 * why (without the target in front: the row names it). */
static void
row_down(const struct tui_nodes_node *nd, int wide, char *buf, size_t len)
{
	size_t n = strlen(nd->target);
	const char *why = nd->why;
	char since[16];

	if (strncmp(why, nd->target, n) == 0 && strncmp(why + n, ": ", 2) ==
	    0)
		why += n + 2;
	tui_fmt_clock(nd->down_ns, since, sizeof(since));
	snprintf(buf, len, wide ? "DOWN  since %s, trying every %us: %s" :
	    "DOWN %s every %us: %s", since, nd->retry_s, why);
}

/* Node i's row at y. */
static void
draw_node(struct tui_nodes *v, size_t i, int y, int w, int lw)
{
	struct tui_nodes_node *nd = &v->node[i];
	char name[3 * TUI_NODES_LABEL + 1], what[600], line[800];
	int bad = !nd->up || nd->m->sinks_bad || nd->m->blocked ||
	    nd->m->failed[0];

	tui_fit(&v->loop.term, nd->label, lw, name);
	if (nd->up)
		row_up(nd, w >= 120, what, sizeof(what));
	else
		row_down(nd, w >= 120, what, sizeof(what));
	snprintf(line, sizeof(line), "%2zu %s  %s", i + 1, name, what);
	if (bad)
		tui_attr_on(&v->loop.term, TUI_C_BAD, A_BOLD);
	tui_put(y, 0, w, line);
	if (bad) {
		tui_attr_off(&v->loop.term, TUI_C_BAD, A_BOLD);
		return;
	}
	/* Up and well: the word alone says it, in its colour. */
	tui_attr_on(&v->loop.term, TUI_C_OK, A_BOLD);
	tui_put(y, lw + 5, w - lw - 5, "up");
	tui_attr_off(&v->loop.term, TUI_C_OK, A_BOLD);
}

/* The title line: the fleet's totals, over the nodes that are up. */
static void
draw_title(struct tui_nodes *v, int w)
{
	double in = 0, rd = 0;
	size_t i, up = 0, clients = 0;
	char line[256], a[32], b[32];

	for (i = 0; i < v->n; i++) {
		if (!v->node[i].up)
			continue;
		up++;
		clients += v->node[i].m->clients_total;
		in += v->node[i].m->in_rate;
		rd += v->node[i].m->readings_rate;
	}
	tui_fmt_bytes(in, a, sizeof(a));
	tui_fmt_rate(rd, b, sizeof(b));
	snprintf(line, sizeof(line), " sockdeckd fleet  %zu node%s: %zu up, "
	    "%zu down  clients %zu  in %s/s  readings %s", v->n,
	    v->n == 1 ? "" : "s", up, v->n - up, clients, a, b);
	tui_attr_on(&v->loop.term, TUI_C_HEADER, A_REVERSE);
	tui_fill(0, 0, w);
	tui_put(0, 0, w, line);
	tui_attr_off(&v->loop.term, TUI_C_HEADER, A_REVERSE);
}

int
tui_nodes_draw_head(struct tui_nodes *v, int h, int w)
{
	int k = tui_nodes_head_rows(v, h), lw, y;
	size_t i, rest, down = 0;
	char line[128];

	draw_title(v, w);
	lw = tui_nodes_label_width(v, w >= 120 ? 16 : 10);
	rest = v->n - (size_t)k;
	for (y = 0; y < k; y++) {
		if (rest > 0 && y == k - 1)
			break;
		draw_node(v, (size_t)y, 1 + y, w, lw);
	}
	if (rest == 0)
		return 1 + k;
	/* Those that do not fit: how many, and how many of them down. */
	for (i = (size_t)k - 1; i < v->n; i++)
		down += !v->node[i].up;
	snprintf(line, sizeof(line), "   +%zu more node%s: %zu down (a taller "
	    "terminal shows them)", rest + 1, rest + 1 == 1 ? "" : "s", down);
	if (down > 0)
		tui_attr_on(&v->loop.term, TUI_C_BAD, A_BOLD);
	tui_put(k, 0, w, line);
	if (down > 0)
		tui_attr_off(&v->loop.term, TUI_C_BAD, A_BOLD);
	return 1 + k;
}
