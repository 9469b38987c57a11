/*
 * tui_dash.c: the dashboard (see tui_dash.h). It runs on a tui_loop:
 * key handlers change state and return reactions (redraw, quit), and the
 * loop draws at most ten times a second, only when something changed.
 */
#include <event2/event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash.h"
#include "tui_loop.h"
#include "tui_model.h"

enum { P_CLIENTS, P_XFERS, P_SENSORS, P_LOG, P_COUNT };
enum { M_NORMAL, M_HELP, M_BROADCAST, M_MESSAGE, M_FILTER, M_KICK, M_QUIT };

struct tui_dash {
	struct event_base	*base;
	struct tui_link		 link;
	struct tui_model	*m;
	char			 attached[256];
	struct tui_loop		 loop;		/* terminal, keys, redraw */
	int64_t			 drawn_up;	/* the uptime on screen */
	struct event		*poll;
	int			 pane;		/* focused */
	int			 bottom;	/* shown at 80x24 */
	int			 mode;
	char			 line[256];	/* prompt input */
	size_t			 line_len;
	uint32_t		 target;	/* client of a prompt */
	size_t			 sel;		/* selected client row */
	size_t			 log_back;	/* lines scrolled up */
	size_t			 scroll[P_COUNT];
	int			 sort;
	int			 paused;
	char			 filter[64];
	char			 gone[128];
	struct {			/* where each pane was drawn */
		int		 y, x, h, w;
	} at[P_COUNT];
	size_t			 first_row;	/* client in the first row */
	uint32_t		 sel_id;	/* the selected client */
	uint64_t		 paused_seq;	/* log lines seen when paused */
	size_t			 shown;		/* client rows the pane shows */
	int			 fetching;	/* a window asked for */
	int64_t			 fetch_ns;	/* when */
};

static void request(struct tui_dash *d, json_t *req);

/* Find the selected client again by its id where the window holds it
 * (rows move as clients come and go), so a key or a click acts on the
 * row the operator sees; else keep the place. */
static void
sync_sel(struct tui_dash *d)
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
static struct tui_client *
shown_row(struct tui_dash *d, size_t i)
{
	if (d->m->clients_sort != d->sort)
		return NULL;
	return tui_model_row(d->m, i);
}

/* Ask the server for the rows around first .. first + rows in the
 * order shown: the model holds a window, never the table. */
static void
fetch_window(struct tui_dash *d, size_t first, size_t rows)
{
	size_t off = first > rows ? first - rows : 0;
	size_t lim = 3 * rows + 1;

	if (lim > TUI_WINDOW_MAX)
		lim = TUI_WINDOW_MAX;
	d->fetching = 1;
	d->fetch_ns = tui_now_ns();
	request(d, json_pack("{s:s,s:s,s:I,s:I}", "cmd", "clients", "sort",
	    tui_model_sorts[d->sort], "offset", (json_int_t)off, "limit",
	    (json_int_t)lim));
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
		fetch_window(d, first, rows);
}

/* Remember where pane p was drawn, for the mouse. */
static void
pane_at(struct tui_dash *d, int p, int y, int x, int h, int w)
{
	d->at[p].y = y;
	d->at[p].x = x;
	d->at[p].h = h;
	d->at[p].w = w;
}

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
static void
draw_header(struct tui_dash *d, int w)
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

static void
draw_clients(struct tui_dash *d, int y, int h, int w)
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
	sync_sel(d);
	snprintf(title, sizeof(title), "Clients (%zu) \xe2\x94\x80 sort: %s",
	    m->clients_total, tui_model_sorts[d->sort]);
	if (!d->loop.term.utf8)
		snprintf(title, sizeof(title), "Clients (%zu) - sort: %s",
		    m->clients_total, tui_model_sorts[d->sort]);
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
		c = shown_row(d, first + i);
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

static void
draw_xfers(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	struct tui_xfer *t;
	char line[512], b[256], done[16], size[16], rate[16], eta[24];
	double f, secs, r;
	int room;
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0, k = 0;
	int64_t now = tui_now_ns();

	tui_box(&d->loop.term, y, x, h, w, "Transfers", d->pane == P_XFERS);
	pane_at(d, P_XFERS, y, x, h, w);
	/* Files in flight first, two lines each (as the sketch has it):
	 * name, client, bar and percent; then bytes, rate and time left.
	 * The newest finished ones after. */
	for (i = m->nxfers; i-- > 0 && k + 1 < rows;) {
		t = &m->xfers[i];
		if (t->state != TUI_XFER_ACTIVE)
			continue;
		f = t->size ? (double)t->bytes / (double)t->size : 0;
		secs = (double)(now - t->start_ns) / 1e9;
		r = secs > 0 ? (double)t->bytes / secs : 0;
		room = w - 40 > 40 ? 40 : (w - 40 < 6 ? 6 : w - 40);
		tui_bar(&d->loop.term, f, b, (size_t)room);
		tui_fmt_bytes((double)t->bytes, done, sizeof(done));
		tui_fmt_bytes((double)t->size, size, sizeof(size));
		tui_fmt_bytes(r, rate, sizeof(rate));
		snprintf(eta, sizeof(eta), "ETA ?");
		if (r > 0) {
			snprintf(eta, sizeof(eta), "ETA ");
			tui_fmt_dur((int64_t)((double)(t->size - t->bytes) / r),
			    eta + 4, sizeof(eta) - 4);
		}
		snprintf(line, sizeof(line), "%-24.24s #%-4u %s %3.0f%%",
		    t->name, t->id, b, f * 100);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		snprintf(line, sizeof(line), "  %s/%s  %s/s  %s", done, size,
		    rate, eta);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
	}
	for (i = m->nxfers; i-- > 0 && k < rows;) {
		t = &m->xfers[i];
		if (t->state == TUI_XFER_ACTIVE)
			continue;
		tui_fmt_bytes((double)t->size, size, sizeof(size));
		snprintf(line, sizeof(line), "%s %-24.24s #%-4u %s %s",
		    t->state == TUI_XFER_DONE ? (d->loop.term.utf8 ?
		    "\xe2\x9c\x93" : "done") : (d->loop.term.utf8 ?
		    "\xe2\x9c\x97" : "FAIL"), t->name, t->id, size,
		    t->state == TUI_XFER_DONE ? "stored" : t->reason);
		if (t->state == TUI_XFER_FAILED)
			tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		if (t->state == TUI_XFER_FAILED)
			tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
	}
}

/* A sparkline of the last n values into buf. */
static void
spark(struct tui_dash *d, const double *v, int n, int width, char *buf)
{
	static const char *const blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = "_.-:=+*#";
	double lo = INFINITY, hi = -INFINITY;
	int i, k, start = n > width ? n - width : 0;
	size_t o = 0;

	for (i = start; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	for (i = start; i < n; i++) {
		/* A spread past double's range (a device sending -1e308 then
		 * 1e308) gives inf/NaN: draw those flat, never index by it. */
		double t = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5;

		if (!isfinite(t) || t < 0 || t > 1)
			t = 0.5;
		k = (int)(t * 7.0 + 0.5);
		if (d->loop.term.utf8) {
			memcpy(buf + o, blocks[k], 3);
			o += 3;
		} else
			buf[o++] = ascii[k];
	}
	buf[o] = '\0';
}

static void
draw_sensors(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	struct tui_sensor *s;
	char title[64], line[512], sp[256];
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0;

	snprintf(title, sizeof(title), "Sensors (%zu device%s)", m->nsensors,
	    m->nsensors == 1 ? "" : "s");
	if (d->scroll[P_SENSORS] + rows > m->nsensors)
		d->scroll[P_SENSORS] = m->nsensors > rows ?
		    m->nsensors - rows : 0;
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_SENSORS);
	pane_at(d, P_SENSORS, y, x, h, w);
	for (i = 0; i < rows && d->scroll[P_SENSORS] + i < m->nsensors; i++) {
		s = &m->sensors[d->scroll[P_SENSORS] + i];
		spark(d, s->hist, s->nhist, 20, sp);
		snprintf(line, sizeof(line), "%-17s %10.4g  %s  %.0f/s",
		    s->device, s->value, sp, s->rate);
		tui_put(y + 1 + (int)i, x + 1, w - 2, line);
	}
}

static void
draw_log(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	const char *match[TUI_LOG_MAX];
	size_t n = 0, i, total, rows = h > 2 ? (size_t)h - 2 : 0, first;
	char title[160];

	total = m->log_count;
	if (d->paused) {
		/* Lines that came after the pause stay hidden, also once the
		 * ring has dropped older ones. */
		uint64_t newer = m->log_seq - d->paused_seq;

		total = newer >= total ? 0 : total - (size_t)newer;
	}
	for (i = 0; i < total; i++) {
		const char *l = tui_model_log_line(m, i);

		if (d->filter[0] == '\0' || strstr(l, d->filter) != NULL)
			match[n++] = l;
	}
	snprintf(title, sizeof(title), "Log \xe2\x94\x80 filter: %s "
	    "\xe2\x94\x80 %s", d->filter[0] ? d->filter : "(none)",
	    d->paused ? "paused" : (d->log_back ? "scrolled" : "following"));
	if (!d->loop.term.utf8)
		snprintf(title, sizeof(title), "Log - filter: %s - %s",
		    d->filter[0] ? d->filter : "(none)", d->paused ? "paused" :
		    (d->log_back ? "scrolled" : "following"));
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_LOG);
	pane_at(d, P_LOG, y, x, h, w);
	if (d->log_back > n)
		d->log_back = n;
	first = n > rows + d->log_back ? n - rows - d->log_back : 0;
	for (i = 0; i < rows && first + i < n; i++)
		tui_put(y + 1 + (int)i, x + 1, w - 2, match[first + i]);
}

static const char *const keybar[][2] = {
	{ "F1/?", "Help" }, { "Tab", "Pane" }, { "/", "Filter" },
	{ "s", "Sort" }, { "b", "Broadcast" }, { "m", "Message" },
	{ "K", "Kick" }, { "p", "Pause" }, { "F10/q", "Quit" },
};

/* The same keys for 80 columns. */
static const char *const keybar_short[][2] = {
	{ "?", "Help" }, { "Tab", "Pane" }, { "/", "Filter" },
	{ "s", "Sort" }, { "b", "Bcast" }, { "m", "Msg" },
	{ "K", "Kick" }, { "p", "Pause" }, { "q", "Quit" },
};

static void
draw_footer(struct tui_dash *d, int y, int w)
{
	size_t n = sizeof(keybar) / sizeof(keybar[0]);
	const char *const (*keys)[2] = w >= 100 ? keybar : keybar_short;
	char prompt[400];

	tui_fill(y, 0, w);
	if (d->mode >= M_BROADCAST) {
		switch (d->mode) {
		case M_BROADCAST:
			snprintf(prompt, sizeof(prompt), "Broadcast: %s",
			    d->line);
			break;
		case M_MESSAGE:
			snprintf(prompt, sizeof(prompt), "Message to #%u: %s",
			    d->target, d->line);
			break;
		case M_FILTER:
			snprintf(prompt, sizeof(prompt), "Filter: %s", d->line);
			break;
		case M_KICK: {
			struct tui_client *c = tui_model_client(d->m,
			    d->target);

			snprintf(prompt, sizeof(prompt), c != NULL &&
			    strchr(c->peer, ':') ? "Disconnect #%u [%s]:%d? "
			    "(y/n)" : "Disconnect #%u %s:%d? (y/n)", d->target,
			    c ? c->peer : "?", c ? c->peer_port : 0);
			break;
		}
		default:
			snprintf(prompt, sizeof(prompt), "Stop the server and "
			    "disconnect %zu client%s? (y/n)",
			    d->m->clients_total,
			    d->m->clients_total == 1 ? "" : "s");
			break;
		}
		tui_attr_on(&d->loop.term, TUI_C_KEY, A_BOLD);
		tui_put(y, 0, w, prompt);
		tui_attr_off(&d->loop.term, TUI_C_KEY, A_BOLD);
		return;
	}
	tui_keybar(&d->loop.term, y, w, keys, n);
}

static const char *const help_lines[] = {
	"sockdeckd dashboard keys",
	"",
	"F1, ?             this help (any key closes it)",
	"Tab, Shift-Tab    next, previous pane",
	"Up/Down, k/j      move the selection, scroll",
	"K                 in Clients: disconnect the selected (asks first)",
	"PgUp/PgDn, ^B/^F  a page up, down",
	"Home/End, g/G     top, bottom (End follows the log again)",
	"b                 broadcast a text to every client",
	"m                 send a text to the selected client",
	"/                 filter the log (empty: no filter)",
	"p                 pause or resume the log",
	"s                 sort clients: connected, id, peer, in, out",
	"mouse             click: focus a pane, pick a client; wheel: scroll",
	"F10, q            quit: stop the server (asks first while clients",
	"                  are connected); attached: detach, the server runs",
};

static void
draw_help(struct tui_dash *d, int h, int w)
{
	tui_help(&d->loop.term, h, w, help_lines,
	    sizeof(help_lines) / sizeof(help_lines[0]));
}

/* The whole screen, h x w (the loop has checked it fits). */
static void
draw(void *arg, int h, int w)
{
	struct tui_dash *d = arg;
	int top = 2, ch, bh, half;

	memset(d->at, 0, sizeof(d->at));	/* panes not drawn: no clicks */
	draw_header(d, w);
	if (h >= 34 && w >= 100) {
		ch = (h - 3) * 35 / 100;
		bh = (h - 3 - ch) / 2;
		half = w / 2;
		draw_clients(d, top, ch, w);
		draw_xfers(d, top + ch, 0, bh, half);
		draw_sensors(d, top + ch, half, bh, w - half);
		draw_log(d, top + ch + bh, 0, h - 1 - top - ch - bh, w);
	} else {
		ch = (h - 3) / 2;
		draw_clients(d, top, ch, w);
		if (d->bottom == P_XFERS)
			draw_xfers(d, top + ch, 0, h - 1 - top - ch, w);
		else if (d->bottom == P_SENSORS)
			draw_sensors(d, top + ch, 0, h - 1 - top - ch, w);
		else
			draw_log(d, top + ch, 0, h - 1 - top - ch, w);
	}
	draw_footer(d, h - 1, w);
	if (d->mode == M_HELP)
		draw_help(d, h, w);
}

static void
request(struct tui_dash *d, json_t *req)
{
	if (req == NULL) {
		/* json_pack refuses text that is not UTF-8 (a Latin-1
		 * terminal): say so rather than drop it silently. */
		tui_model_log(d->m, "not sent: the text is not UTF-8");
		return;
	}
	d->link.request(d->link.ctx, req);
	json_decref(req);
}

/* Every refresh seconds: fresh snapshots. Rows come and go by the
 * events in between; the snapshots bring the counters. */
static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_dash *d = arg;

	(void)fd;
	(void)what;
	if (d->gone[0] != '\0')
		return;
	request(d, json_pack("{s:s}", "cmd", "status"));
	fetch_window(d, d->first_row, d->shown);
	request(d, json_pack("{s:s}", "cmd", "sensors"));
	tui_loop_redraw(&d->loop);
}

/* Keys: each handler changes state and returns tui_loop reactions. */

static void
next_pane(struct tui_dash *d, int step)
{
	d->pane = (d->pane + step + P_COUNT) % P_COUNT;
	if (d->pane != P_CLIENTS)
		d->bottom = d->pane;
}

static void
move_sel(struct tui_dash *d, long delta)
{
	size_t n = d->m->clients_total;
	struct tui_client *c;
	long v;

	if (d->pane == P_CLIENTS) {
		sync_sel(d);
		v = (long)d->sel + delta;
		d->sel = v < 0 ? 0 : (n && (size_t)v >= n ? n - 1 : (size_t)v);
		c = shown_row(d, d->sel);
		d->sel_id = c != NULL ? c->id : 0;
	} else if (d->pane == P_LOG) {
		v = (long)d->log_back - delta;
		d->log_back = v < 0 ? 0 : (size_t)v;
	} else {
		v = (long)d->scroll[d->pane] + delta;
		d->scroll[d->pane] = v < 0 ? 0 : (size_t)v;
	}
}

static void
prompt(struct tui_dash *d, int mode)
{
	struct tui_client *c;

	if ((mode == M_MESSAGE || mode == M_KICK)) {
		sync_sel(d);
		c = shown_row(d, d->sel);
		if (c == NULL)
			return;		/* nobody to pick */
		d->target = c->id;
	}
	d->mode = mode;
	d->line[0] = '\0';
	d->line_len = 0;
}

/* Enter on a prompt. */
static void
prompt_done(struct tui_dash *d)
{
	switch (d->mode) {
	case M_BROADCAST:
		if (d->line_len > 0)
			request(d, json_pack("{s:s,s:s}", "cmd", "broadcast",
			    "text", d->line));
		break;
	case M_MESSAGE:
		if (d->line_len > 0)
			request(d, json_pack("{s:s,s:I,s:s}", "cmd", "send",
			    "id", (json_int_t)d->target, "text", d->line));
		break;
	case M_FILTER:
		snprintf(d->filter, sizeof(d->filter), "%.63s", d->line);
		d->log_back = 0;
		break;
	default:
		break;
	}
	d->mode = M_NORMAL;
}

/* A key while a prompt takes text. */
static int
key_prompt(struct tui_dash *d, int ch)
{
	if (ch == 27) {
		d->mode = M_NORMAL;
		return TUI_REDRAW;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		prompt_done(d);
		return TUI_REDRAW;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		/* Back over a whole UTF-8 character. */
		while (d->line_len > 0 &&
		    ((unsigned char)d->line[--d->line_len] & 0xc0) == 0x80)
			;
		d->line[d->line_len] = '\0';
		return TUI_REDRAW;
	}
	if (ch == 21) {			/* ^U */
		d->line_len = 0;
		d->line[0] = '\0';
		return TUI_REDRAW;
	}
	if (ch >= 32 && ch < 256 && ch != 127 &&
	    d->line_len + 1 < sizeof(d->line)) {
		d->line[d->line_len++] = (char)ch;
		d->line[d->line_len] = '\0';
		return TUI_REDRAW;
	}
	return TUI_OK;
}

/* q, F10 or y on the question: the loop calls tui_dash_quit(). */
static int
want_quit(struct tui_dash *d)
{
	d->mode = M_NORMAL;
	return TUI_QUIT | TUI_REDRAW;
}

/* A key with no prompt open. */
static int
key_normal(struct tui_dash *d, int ch)
{
	int h = LINES;

	switch (ch) {
	case '?':
	case KEY_F(1):
		d->mode = M_HELP;
		break;
	case '\t':
		next_pane(d, 1);
		break;
	case KEY_BTAB:
		next_pane(d, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(d, 1);
		break;
	case KEY_UP:
	case 'k':
		move_sel(d, -1);
		break;
	case 'K':
		/* Not k: that is up, and one slip would ask to drop a
		 * client. */
		if (d->pane == P_CLIENTS)
			prompt(d, M_KICK);
		break;
	case KEY_NPAGE:
	case 6:				/* ^F */
		move_sel(d, h / 3);
		break;
	case KEY_PPAGE:
	case 2:				/* ^B */
		move_sel(d, -h / 3);
		break;
	case KEY_HOME:
	case 'g':
		move_sel(d, -1000000);
		break;
	case KEY_END:
	case 'G':
		move_sel(d, 1000000);
		if (d->pane == P_LOG)
			d->log_back = 0;
		break;
	case 'b':
		prompt(d, M_BROADCAST);
		break;
	case 'm':
		prompt(d, M_MESSAGE);
		break;
	case '/':
		prompt(d, M_FILTER);
		break;
	case 'p':
		d->paused = !d->paused;
		d->paused_seq = d->m->log_seq;
		break;
	case 's':
		d->sort = (d->sort + 1) % 5;
		sync_sel(d);
		break;
	case 'q':
	case KEY_F(10):
		/* Attached, quitting detaches: nothing to ask. */
		if (d->m->clients_total > 0 && d->gone[0] == '\0' &&
		    d->attached[0] == '\0')
			d->mode = M_QUIT;
		else
			return want_quit(d);
		break;
	default:
		return TUI_OK;
	}
	return TUI_REDRAW;
}

/* A click focuses the pane under it; in Clients it selects the row;
 * the wheel scrolls. */
static int
mouse(struct tui_dash *d)
{
	MEVENT me;
	int p, row;

	/* Panes not drawn (a terminal too small) take no clicks. */
	if (getmouse(&me) != OK || d->mode != M_NORMAL || !d->loop.fits)
		return TUI_OK;
	for (p = 0; p < P_COUNT; p++) {
		if (me.y >= d->at[p].y && me.y < d->at[p].y + d->at[p].h &&
		    me.x >= d->at[p].x && me.x < d->at[p].x + d->at[p].w &&
		    d->at[p].h > 0)
			break;
	}
	if (p == P_COUNT)
		return TUI_OK;
	if (me.bstate & BUTTON4_PRESSED) {
		d->pane = p;
		move_sel(d, -3);
		return TUI_REDRAW;
	}
	if (me.bstate & BUTTON5_PRESSED) {
		d->pane = p;
		move_sel(d, 3);
		return TUI_REDRAW;
	}
	d->pane = p;
	if (p != P_CLIENTS) {
		d->bottom = p;
		return TUI_REDRAW;
	}
	row = me.y - d->at[p].y - 2;
	sync_sel(d);
	if (row >= 0 && shown_row(d, d->first_row + (size_t)row) != NULL) {
		d->sel = d->first_row + (size_t)row;
		d->sel_id = shown_row(d, d->sel)->id;
	}
	return TUI_REDRAW;
}

/* The loop's key hook: keys come as bytes (getch), so code is implied
 * by the value (KEY_* codes are above any byte). */
static int
key(void *arg, int code, wint_t wch)
{
	struct tui_dash *d = arg;
	int ch = (int)wch;

	(void)code;
	if (ch == KEY_MOUSE)
		return mouse(d);
	switch (d->mode) {
	case M_HELP:
		d->mode = M_NORMAL;
		return TUI_REDRAW;
	case M_KICK:
	case M_QUIT:
		if ((ch == 'y' || ch == 'Y') && d->mode == M_QUIT)
			return want_quit(d);
		if (ch == 'y' || ch == 'Y')
			request(d, json_pack("{s:s,s:I}", "cmd", "kick",
			    "id", (json_int_t)d->target));
		d->mode = M_NORMAL;
		return TUI_REDRAW;
	case M_NORMAL:
		return key_normal(d, ch);
	default:
		return key_prompt(d, ch);
	}
}

/* The loop's quit hook: the operator asked, and confirmed; or the
 * terminal is gone. */
static void
quit(void *arg, const char *why)
{
	struct tui_dash *d = arg;

	d->link.quit(d->link.ctx, why);
}

/* Draw although nothing was marked when the header's clock moved on:
 * it ticks by the local clock between snapshots. */
static int
stale(void *arg, int64_t drawn_ns)
{
	struct tui_dash *d = arg;

	(void)drawn_ns;
	return tui_model_uptime(d->m, tui_now_ns()) != d->drawn_up;
}

static const struct tui_loop_ops dash_ops = {
	.name = "sockdeckd",
	.wide = 0,
	.key = key,
	.draw = draw,
	.stale = stale,
	.quit = quit,
};

struct tui_dash *
tui_dash_new(struct event_base *base, const struct tui_link *link,
    const char *attached, unsigned refresh)
{
	struct timeval every = { refresh > 0 ? (time_t)refresh : 1, 0 };
	struct tui_dash *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->m = tui_model_new();
	/* The terminal the caller cannot use (unknown TERM) is NULL here,
	 * and the caller falls back to the text log. */
	if (d->m == NULL || tui_loop_init(&d->loop, base, &dash_ops, d) != 0) {
		tui_model_free(d->m);
		free(d);
		return NULL;
	}
	d->base = base;
	d->link = *link;
	d->pane = P_CLIENTS;
	d->bottom = P_LOG;
	if (attached != NULL)
		snprintf(d->attached, sizeof(d->attached), "%s", attached);
	d->poll = event_new(base, -1, EV_PERSIST, poll_cb, d);
	if (d->poll == NULL) {
		tui_dash_free(d);
		return NULL;
	}
	event_priority_set(d->poll, 0);	/* with the screen's (tui_loop) */
	event_add(d->poll, &every);
	/* The first snapshot on the loop's first turn: in-process, the
	 * server is set up by then (a long refresh would otherwise show
	 * an empty header until the next one). */
	event_active(d->poll, EV_TIMEOUT, 1);
	return d;
}

void
tui_dash_feed(struct tui_dash *d, json_t *msg)
{
	if (json_is_array(json_object_get(msg, "clients")))
		d->fetching = 0;	/* the window asked for */
	if (tui_model_feed(d->m, msg))
		tui_loop_redraw(&d->loop);
}

void
tui_dash_gone(struct tui_dash *d, const char *why)
{
	snprintf(d->gone, sizeof(d->gone), "%s", why);
	tui_loop_redraw(&d->loop);
}

void
tui_dash_free(struct tui_dash *d)
{
	if (d == NULL)
		return;
	if (d->poll != NULL)
		event_free(d->poll);
	tui_loop_done(&d->loop);
	tui_model_free(d->m);
	free(d);
}
