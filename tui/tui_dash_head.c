/*
 * tui_dash_head.c: the dashboard's two header lines: the server,
 * its ports and rates (the server's, smoothed over its window) on the
 * first; on the second what needs the operator
 * (a server gone, failed ports, sinks, a full spool), never cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* The addresses that fit in room columns, then "+N more" for the
 * rest: the list gives way so the numbers after it never do. */
static void
addr_list(const struct tui_model *m, size_t room, char *buf, size_t len)
{
	char more[32];
	size_t i, o = 0, need, n = m->naddrs;

	/* Reserve the widest "+N more" the list can end with. */
	snprintf(more, sizeof(more), " +%zu more", n);
	buf[0] = '\0';
	for (i = 0; i < n && i < TUI_ADDRS_MAX; i++) {
		need = (o ? 3 : 0) + strlen(m->addrs[i]) +
		    (i + 1 < n ? strlen(more) : 0);
		if (o + need > room || o + need >= len)
			break;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " / " : "",
		    m->addrs[i]);
	}
	if (i < n)
		snprintf(buf + o, len - o, "%s+%zu more", o ? " " : "", n - i);
}

/* What needs the operator, for the right of line 2: ports that failed,
 * the sinks (their reasons dropped when short says so), a spool that
 * holds senders back. */
static void
state_text(const struct tui_model *m, int shortly, char *buf, size_t len)
{
	const char *sinks = shortly ? m->sinks_short : m->sinks;

	snprintf(buf, len, "%s%s%s%s", m->failed[0] ? "FAILED " : "",
	    m->failed, m->failed[0] && (sinks[0] || m->blocked) ? "  " : "",
	    sinks);
	/* Why senders wait: the disk writes behind them, the store fails,
	 * or the sinks' backlog filled --spool-max. */
	if (m->blocked)
		snprintf(buf + strlen(buf), len - strlen(buf),
		    "%sBLOCKED: %s", buf[0] ? "  " : "",
		    strcmp(m->store, "behind") == 0 ? "spool writes behind" :
		    strcmp(m->store, "failing") == 0 ? "spool failing" :
		    "spool full");
}

/* Line 2: what needs the operator first (a server gone, ports that
 * failed, sinks, a full spool) on the right, where it is never cut; the
 * message count whole before it; the addresses take what is left. */
static void
draw_header_state(struct tui_dash *d, int w)
{
	struct tui_model *m = d->m;
	char left[512], right[600], msgs[48], addrs[400];
	int rw, bad = m->failed[0] || m->sinks_bad || m->blocked;
	size_t fixed;

	tui_fill(1, 0, w);
	if (d->gone[0] != '\0') {
		snprintf(left, sizeof(left), " server gone: %s; attaching "
		    "again when it is back (q quits)", d->gone);
		tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(1, 0, w, left);
		tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
		return;
	}
	snprintf(msgs, sizeof(msgs), "messages %llu",
	    (unsigned long long)m->messages);
	/* " addr +N more   messages N  " must fit beside the state. */
	fixed = strlen(msgs) + 24;
	state_text(m, 0, right, sizeof(right));
	if (strlen(right) + fixed > (size_t)w)
		state_text(m, 1, right, sizeof(right));
	rw = right[0] ? (int)strlen(right) + 1 : 0;
	if (rw > w - (int)strlen(msgs) - 4)
		rw = w - (int)strlen(msgs) - 4;
	fixed = strlen(" addr    ") + strlen(msgs) + (rw ? (size_t)rw + 2 : 0);
	addr_list(m, (size_t)w > fixed ? (size_t)w - fixed : 0, addrs,
	    sizeof(addrs));
	snprintf(left, sizeof(left), " addr %s   %s", addrs, msgs);
	tui_put(1, 0, rw ? w - rw - 2 : w, left);
	if (rw <= 0)
		return;
	if (bad)
		tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
	tui_fill(1, w - rw - 1, rw + 1);
	tui_put(1, w - rw, rw, right);
	if (bad)
		tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
}

/* "5000,5002,5004-5010" as "5000,+2" when the line has no room: the
 * first run and how many more. */
static void
ports_short(const char *ports, char *buf, size_t len)
{
	const char *comma = strchr(ports, ',');
	size_t runs = 0;
	const char *p;

	if (comma == NULL) {
		snprintf(buf, len, "%s", ports);
		return;
	}
	for (p = comma; p != NULL; p = strchr(p + 1, ','))
		runs++;
	snprintf(buf, len, "%.*s,+%zu", (int)(comma - ports), ports, runs);
}

/* What the first line may leave out where it is short, in order: the
 * words before the figures, never a figure. */
enum {
	HL_ALL,			/* name, version, ports as given */
	HL_NO_VERSION,		/* "sockdeckd" without its version */
	HL_NO_PORTS,		/* and the ports only as N/M listening */
	HL_NO_NAME		/* and no name: "attached" and figures */
};

/* The first line at width w, the ports as given, leaving out what lvl
 * says: 140 columns and more have the messages rate too, 120 the long
 * words, 80 the short. Every rate is the server's, over its window. */
static void
header_line(struct tui_dash *d, int w, const char *ports, int lvl,
    char *line, size_t len)
{
	struct tui_model *m = d->m;
	char up[32], in[32], out[32], rd[32], msg[32], name[48];
	const char *ver = m->version[0] ? m->version : "?";
	const char *sep = w >= 120 ? "  " : " ";

	tui_fmt_dur(d->drawn_up, up, sizeof(up));
	tui_fmt_bytes(m->in_rate, in, sizeof(in));
	tui_fmt_bytes(m->out_rate, out, sizeof(out));
	tui_fmt_rate(m->readings_rate, rd, sizeof(rd));
	tui_fmt_rate(m->messages_rate, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s%s%s%s%s",
	    lvl < HL_NO_NAME ? " sockdeckd" : "",
	    lvl < HL_NO_VERSION ? " " : "", lvl < HL_NO_VERSION ? ver : "",
	    d->attached[0] ? sep : "", d->attached[0] ? "attached" : "");
	if (lvl >= HL_NO_PORTS)
		ports = "";
	if (w >= 120)
		snprintf(line, len, "%s  up %s  ports %s%s(%d/%d listening)  "
		    "clients %d  in %s/s  out %s/s  readings %s%s%s", name, up,
		    ports, ports[0] ? " " : "", m->nlistening, m->nports,
		    (int)m->clients_total, in, out, rd,
		    w >= 140 ? "  messages " : "", w >= 140 ? msg : "");
	else	/* 80 columns: the same, said shorter */
		snprintf(line, len, "%s up %s ports %s%s%d/%d clients %d in "
		    "%s/s rd %s", name, up, ports, ports[0] ? " " : "",
		    m->nlistening, m->nports, (int)m->clients_total, in, rd);
}

/* The two header lines. */
void
tui_dash_draw_header(struct tui_dash *d, int w)
{
	struct tui_model *m = d->m;
	char line[512], ports[64];
	int lvl;

	d->drawn_up = tui_model_uptime(m, tui_now_ns());
	snprintf(ports, sizeof(ports), "%s", m->ports);
	/* No figures of a server that is not there. */
	if (d->gone[0] != '\0')
		snprintf(line, sizeof(line), " sockdeckd %s%s  server gone",
		    m->version[0] ? m->version : "?",
		    d->attached[0] ? "  attached" : "");
	else {
		lvl = HL_ALL;
		header_line(d, w, ports, lvl, line, sizeof(line));
		/* A long port list gives way, then the words before the
		 * figures, never a figure. */
		if (strlen(line) > (size_t)w) {
			ports_short(m->ports, ports, sizeof(ports));
			header_line(d, w, ports, lvl, line, sizeof(line));
		}
		while (strlen(line) > (size_t)w && lvl < HL_NO_NAME)
			header_line(d, w, ports, ++lvl, line, sizeof(line));
	}
	tui_attr_on(&d->loop.term, TUI_C_HEADER, A_REVERSE);
	tui_fill(0, 0, w);
	tui_put(0, 0, w, line);
	tui_attr_off(&d->loop.term, TUI_C_HEADER, A_REVERSE);
	draw_header_state(d, w);
}
