/*
 * tui_dash_head.c: the dashboard's two header lines: the server,
 * its ports and rates on the first; on the second what needs the operator
 * (a server gone, failed ports, sinks, a full spool), never cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* Line 2: what needs the operator first (a server gone, ports that
 * failed, sinks, a full spool) on the right, where it is never cut;
 * the addresses and counts take the room that is left. */
static void
draw_header_state(struct tui_dash *d, int w)
{
	struct tui_model *m = d->m;
	char left[512], right[600];
	int rw;

	tui_fill(1, 0, w);
	if (d->gone[0] != '\0') {
		snprintf(left, sizeof(left), " server gone: %s (q quits)",
		    d->gone);
		tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(1, 0, w, left);
		tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
		return;
	}
	snprintf(right, sizeof(right), "%s%s%s%s", m->failed[0] ? "FAILED " :
	    "", m->failed, m->failed[0] && (m->sinks[0] || m->blocked) ?
	    "  " : "", m->sinks);
	/* Why senders wait: the disk writes behind them, the store fails,
	 * or the sinks' backlog filled --spool-max. */
	if (m->blocked)
		snprintf(right + strlen(right), sizeof(right) - strlen(right),
		    "%sBLOCKED: %s", right[0] ? "  " : "",
		    strcmp(m->store, "behind") == 0 ? "spool writes behind" :
		    strcmp(m->store, "failing") == 0 ? "spool failing" :
		    "spool full");
	rw = (int)strlen(right) + 1;
	if (rw > w - 20)
		rw = w - 20;
	snprintf(left, sizeof(left), " addr %s   messages %llu", m->addrs,
	    (unsigned long long)m->messages);
	tui_put(1, 0, right[0] ? w - rw - 2 : w, left);
	if (right[0] == '\0')
		return;
	if (m->failed[0] || m->sinks_bad || m->blocked)
		tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
	tui_fill(1, w - rw - 1, rw + 1);
	tui_put(1, w - rw, rw, right);
	if (m->failed[0] || m->sinks_bad || m->blocked)
		tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
}

/* The two header lines. */
void
tui_dash_draw_header(struct tui_dash *d, int w)
{
	struct tui_model *m = d->m;
	char up[32], in[32], out[32], line[512];

	d->drawn_up = tui_model_uptime(m, tui_now_ns());
	tui_fmt_dur(d->drawn_up, up, sizeof(up));
	tui_fmt_bytes(m->in_rate, in, sizeof(in));
	tui_fmt_bytes(m->out_rate, out, sizeof(out));
	if (w >= 120)
		snprintf(line, sizeof(line), " sockdeckd %s%s  up %s  ports %s"
		    " (%d/%d listening)  clients %d  in %s/s  out %s/s  "
		    "readings %.0f/s", m->version[0] ? m->version : "?",
		    d->attached[0] ? "  attached" : "", up, m->ports,
		    m->nlistening, m->nports, (int)m->clients_total, in, out,
		    m->readings_rate);
	else	/* 80 columns: the same, said shorter */
		snprintf(line, sizeof(line), " sockdeckd %s%s up %s ports %s "
		    "%d/%d clients %d in %s/s rd %.0f/s",
		    m->version[0] ? m->version : "?",
		    d->attached[0] ? " attached" : "", up, m->ports,
		    m->nlistening, m->nports, (int)m->clients_total, in,
		    m->readings_rate);
	tui_attr_on(&d->loop.term, TUI_C_HEADER, A_REVERSE);
	tui_fill(0, 0, w);
	tui_put(0, 0, w, line);
	tui_attr_off(&d->loop.term, TUI_C_HEADER, A_REVERSE);
	draw_header_state(d, w);
}
