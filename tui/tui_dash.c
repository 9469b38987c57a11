/*
 * tui_dash.c: the dashboard (see tui_dash.h). It runs on a tui_loop:
 * key handlers change state and return reactions (redraw, quit), and the
 * loop draws at most ten times a second, only when something changed.
 * This file lays the panes out and owns keys, prompts, the footer and
 * the help; each pane draws itself (tui_dash_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* Remember where pane p was drawn, for the mouse. */
void
tui_dash_pane_at(struct tui_dash *d, int p, int y, int x, int h, int w)
{
	d->at[p].y = y;
	d->at[p].x = x;
	d->at[p].h = h;
	d->at[p].w = w;
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
			snprintf(prompt, sizeof(prompt), "Filter %s: %s",
			    d->filter_pane == P_LOG ? "log" :
			    d->filter_pane == P_CLIENTS ? "clients" :
			    d->filter_pane == P_DEVICES ? "devices" :
			    "sensors", d->line);
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
		case M_BLOCK: {
			struct tui_client *c = tui_model_client(d->m,
			    d->target);

			snprintf(prompt, sizeof(prompt), "Disconnect #%u and "
			    "refuse %s%s%s for 10 minutes? (y/n)", d->target,
			    c ? c->peer : "?", c && c->device[0] ? " and " :
			    "", c ? c->device : "");
			break;
		}
		case M_RELOAD:
			snprintf(prompt, sizeof(prompt), "Reload the "
			    "settings, the config file and the TLS files? "
			    "(y/n)");
			break;
		default:
			/* The clients asked about may leave while it asks. */
			snprintf(prompt, sizeof(prompt), "Stop the server and "
			    "disconnect %zu client%s? (y/n)",
			    d->m->clients_total,
			    d->m->clients_total == 1 ? "" : "s");
			if (d->m->clients_total == 0)
				snprintf(prompt, sizeof(prompt),
				    "Stop the server? (y/n)");
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
	"F1, ?             this help (Up/Down scroll it where it does not",
	"                  fit; any other key closes it)",
	"Tab, Shift-Tab    next, previous pane (Devices: Tab from Clients)",
	"Up/Down, k/j      move the selection, scroll",
	"K                 in Clients: disconnect the selected (asks first)",
	"B                 in Clients: disconnect it and refuse its address",
	"                  and device for 10 minutes (asks first)",
	"Enter             Clients, Devices: the one in full (Esc, q: back)",
	"PgUp/PgDn, ^B/^F  a page up, down",
	"Home/End, g/G     top, bottom (End follows the log again)",
	"b                 broadcast a text to every client",
	"m                 send a text to the selected client",
	"/                 filter the focused pane (not Transfers: the Log)",
	"                  as typed; the Log in smart case (Esc: undo)",
	"n, N              in Log: next, previous match (no filter: error)",
	"F                 in Log: follow again, as less (so does End)",
	"p                 pause or resume the log",
	"s, >, <, r        sort the focused table by the next, previous",
	"                  column; reverse (or click a head)",
	"w, Enter          in Sensors: window 1m/10m/1h; chart (Esc: back)",
	"T                 theme: default, light (light terminals), mono",
	"R                 reload the settings (asks first; the log's",
	"                  reload line says what changed, or why not)",
	"mouse             click: focus a pane, pick a client, sort by a",
	"                  head (again: reversed); wheel: scroll",
	"F10, q, ^C        quit: stop the server (asks first while clients",
	"                  are connected); attached: detach, the server runs",
	"",
	"Rates (the header, Clients' rate, Transfers) are the server's, each",
	"smoothed over the last 5 s (whole seconds): a steady stream reads",
	"steady. A file with no byte for --stall-seconds reads stalled, with",
	"since when; an ended one, the bytes that really came.",
};

static void
draw_help(struct tui_dash *d, int h, int w)
{
	d->help_off = tui_help(&d->loop.term, h, w, help_lines,
	    sizeof(help_lines) / sizeof(help_lines[0]), d->help_off);
}

/* The table on top: Clients, or Devices in its place. */
static void
draw_top(struct tui_dash *d, int y, int h, int w)
{
	if (d->top == P_DEVICES)
		tui_dash_draw_devices(d, y, h, w);
	else
		tui_dash_draw_clients(d, y, h, w);
}

/* The whole screen, h x w (the loop has checked it fits). */
static void
draw(void *arg, int h, int w)
{
	struct tui_dash *d = arg;
	int top = 2, ch, bh, half;

	memset(d->at, 0, sizeof(d->at));	/* panes not drawn: no clicks */
	tui_dash_xfers_fetch(d, 0);
	tui_dash_draw_header(d, w);
	if (tui_dash_draw_chart(d, top, h - 1 - top, w)) {
		draw_footer(d, h - 1, w);
		if (d->mode == M_HELP)
			draw_help(d, h, w);
		return;
	}
	if (d->detail != 0)
		tui_dash_draw_detail(d, top, h - 1 - top, w);
	else if (h >= 34 && w >= 100) {
		ch = (h - 3) * 35 / 100;
		bh = (h - 3 - ch) / 2;
		half = w / 2;
		draw_top(d, top, ch, w);
		tui_dash_draw_xfers(d, top + ch, 0, bh, half);
		tui_dash_draw_sensors(d, top + ch, half, bh, w - half);
		tui_dash_draw_log(d, top + ch + bh, 0, h - 1 - top - ch - bh,
		    w);
	} else {
		ch = (h - 3) / 2;
		draw_top(d, top, ch, w);
		bh = h - 1 - top - ch;
		if (d->bottom == P_XFERS)
			tui_dash_draw_xfers(d, top + ch, 0, bh, w);
		else if (d->bottom == P_SENSORS)
			tui_dash_draw_sensors(d, top + ch, 0, bh, w);
		else
			tui_dash_draw_log(d, top + ch, 0, bh, w);
	}
	draw_footer(d, h - 1, w);
	if (d->mode == M_HELP)
		draw_help(d, h, w);
}

void
tui_dash_fit(const struct tui_dash *d, const char *s, int w, char *out)
{
	tui_fit(&d->loop.term, s, w, out);
}

int
tui_dash_cmp_num(double a, double b)
{
	return a < b ? -1 : a > b;
}

void
tui_dash_in_view(size_t sel, size_t rows, size_t n, size_t *top)
{
	if (sel < *top)
		*top = sel;
	else if (rows > 0 && sel >= *top + rows)
		*top = sel - rows + 1;
	if (*top + rows > n)
		*top = n > rows ? n - rows : 0;
}

void
tui_dash_request(struct tui_dash *d, json_t *req)
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
	tui_dash_request(d, json_pack("{s:s}", "cmd", "status"));
	tui_dash_fetch_window(d, d->first_row, d->shown);
	tui_dash_xfers_fetch(d, 1);
	tui_dash_request(d, json_pack("{s:s,s:i}", "cmd", "sensors",
	    "window", tui_dash_sensors_window(d)));
	tui_dash_detail_fetch(d);
	tui_dash_devices_fetch(d);	/* last: see tui_dash_devices_feed */
	tui_loop_redraw(&d->loop);
}

/* Keys: each handler changes state and returns tui_loop reactions. */

/* Focus pane p: the table on top or the pane below shows it. */
static void
focus(struct tui_dash *d, int p)
{
	d->pane = p;
	if (p == P_CLIENTS || p == P_DEVICES)
		d->top = p;
	else
		d->bottom = p;
	tui_dash_devices_fetch(d);	/* at once, not at the next poll */
}

static void
next_pane(struct tui_dash *d, int step)
{
	focus(d, (d->pane + step + P_COUNT) % P_COUNT);
}

static void
move_sel(struct tui_dash *d, long delta)
{
	size_t n = d->m->clients_match;
	struct tui_client *c;
	long v;

	if (d->pane == P_CLIENTS) {
		tui_dash_sync_sel(d);
		v = (long)d->sel + delta;
		d->sel = v < 0 ? 0 : (n && (size_t)v >= n ? n - 1 : (size_t)v);
		c = tui_dash_shown_row(d, d->sel);
		d->sel_id = c != NULL ? c->id : 0;
	} else if (d->pane == P_LOG) {
		v = (long)d->log_back - delta;
		d->log_back = v < 0 ? 0 : (size_t)v;
	} else if (d->pane == P_SENSORS) {
		/* Its drawing keeps the selection in view: move that. */
		tui_dash_sensors_move(d, delta);
	} else if (d->pane == P_DEVICES) {
		tui_dash_devices_move(d, delta);
	} else {
		v = (long)d->scroll[d->pane] + delta;
		d->scroll[d->pane] = v < 0 ? 0 : (size_t)v;
	}
}

/* Panes that filter their own rows; "/" elsewhere filters the log. */
static const int filters_own[P_COUNT] = {
	[P_CLIENTS] = 1, [P_LOG] = 1, [P_SENSORS] = 1, [P_DEVICES] = 1,
};

void
tui_dash_prompt(struct tui_dash *d, int mode)
{
	struct tui_client *c;

	if (mode == M_MESSAGE || mode == M_KICK || mode == M_BLOCK) {
		tui_dash_sync_sel(d);
		c = tui_dash_shown_row(d, d->sel);
		if (c == NULL)
			return;		/* nobody to pick */
		d->target = c->id;
	}
	d->mode = mode;
	d->line[0] = '\0';
	d->line_len = 0;
	if (mode == M_FILTER) {
		/* Edit the pane's filter in place: it applies as it is
		 * typed, and Esc puts the old one back. */
		d->filter_pane = filters_own[d->pane] ? d->pane : P_LOG;
		snprintf(d->filter_was, sizeof(d->filter_was), "%s",
		    d->filter[d->filter_pane]);
		snprintf(d->line, sizeof(d->line), "%s", d->filter_was);
		d->line_len = strlen(d->line);
	}
}

/* The prompt's text changed: a filter follows it at once. */
static void
prompt_edited(struct tui_dash *d)
{
	if (d->mode != M_FILTER)
		return;
	snprintf(d->filter[d->filter_pane], sizeof(d->filter[0]), "%.63s",
	    d->line);
	if (d->filter_pane == P_LOG)
		d->log_back = 0;
}

/* Enter on a prompt. */
static void
prompt_done(struct tui_dash *d)
{
	switch (d->mode) {
	case M_BROADCAST:
		if (d->line_len > 0)
			tui_dash_request(d, json_pack("{s:s,s:s}", "cmd",
			    "broadcast", "text", d->line));
		break;
	case M_MESSAGE:
		if (d->line_len > 0)
			tui_dash_request(d, json_pack("{s:s,s:I,s:s}", "cmd",
			    "send", "id", (json_int_t)d->target, "text",
			    d->line));
		break;
	case M_FILTER:
		prompt_edited(d);
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
		if (d->mode == M_FILTER)
			snprintf(d->filter[d->filter_pane],
			    sizeof(d->filter[0]), "%s", d->filter_was);
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
		prompt_edited(d);
		return TUI_REDRAW;
	}
	if (ch == 21) {			/* ^U */
		d->line_len = 0;
		d->line[0] = '\0';
		prompt_edited(d);
		return TUI_REDRAW;
	}
	if (ch >= 32 && ch < 256 && ch != 127 &&
	    d->line_len + 1 < sizeof(d->line)) {
		d->line[d->line_len++] = (char)ch;
		d->line[d->line_len] = '\0';
		prompt_edited(d);
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

/* q, F10 and ^C: in-process with clients connected, the question
 * first; attached, quitting detaches: nothing to ask. */
static int
ask_quit(struct tui_dash *d)
{
	if (d->m->clients_total > 0 && d->gone[0] == '\0' &&
	    d->attached[0] == '\0') {
		d->mode = M_QUIT;
		return TUI_REDRAW;
	}
	return want_quit(d);
}

static const char *const theme_names[] = { "default", "light", "mono" };
static const char *const pane_names[P_COUNT] = {
	[P_XFERS] = "transfers", [P_SENSORS] = "sensors", [P_LOG] = "log",
};

/* T: the next theme, at once. */
static void
next_theme(struct tui_dash *d)
{
	size_t i, n = sizeof(theme_names) / sizeof(theme_names[0]);

	for (i = 0; i < n && strcmp(theme_names[i], d->conf.theme) != 0; i++)
		;
	snprintf(d->conf.theme, sizeof(d->conf.theme), "%s",
	    theme_names[(i + 1) % n]);
	tui_term_theme(&d->loop.term, d->conf.theme);
}

/* The settings a previous dashboard left (tui_conf.h); a value not
 * known is left at its default. */
static void
conf_apply(struct tui_dash *d)
{
	struct tui_conf *c = &d->conf;
	int i;

	snprintf(c->theme, sizeof(c->theme), "default");
	if (tui_conf_path(d->conf_path, sizeof(d->conf_path)) != 0 ||
	    tui_conf_load(c, d->conf_path) != 0) {
		d->conf_path[0] = '\0';	/* unreadable: not overwritten */
		return;
	}
	if (tui_term_theme(&d->loop.term, c->theme) != 0)
		snprintf(c->theme, sizeof(c->theme), "default");
	for (i = 0; i < TUI_SORTS; i++)
		if (strcmp(tui_model_sorts[i], c->sort) == 0)
			d->sort = i;
	d->sort_rev = c->reverse != 0;
	for (i = 0; i < P_COUNT; i++)
		if (pane_names[i] != NULL &&
		    strcmp(pane_names[i], c->pane) == 0)
			d->bottom = i;
	for (i = 0; i < TUI_DASH_SENSOR_COLS; i++)
		if (strcmp(tui_dash_sensor_cols[i], c->sensors_sort) == 0)
			d->sv.sort = i;
	d->sv.reverse = c->sensors_reverse != 0;
	tui_dash_devices_conf(d, c->devices_sort);
	d->dv.reverse = c->devices_reverse != 0;
	for (i = 2; i >= 0; i--) {	/* 1 min unless it names another */
		d->sv.window = i;
		if (tui_dash_sensors_window(d) == c->window)
			break;
	}
	if (i < 0)
		d->sv.window = 0;
	snprintf(d->filter[P_LOG], sizeof(d->filter[0]), "%s",
	    c->filter_log);
	snprintf(d->filter[P_CLIENTS], sizeof(d->filter[0]), "%s",
	    c->filter_clients);
	snprintf(d->filter[P_SENSORS], sizeof(d->filter[0]), "%s",
	    c->filter_sensors);
	snprintf(d->filter[P_DEVICES], sizeof(d->filter[0]), "%s",
	    c->filter_devices);
}

/* What this dashboard leaves to the next one. */
static void
conf_save(struct tui_dash *d)
{
	struct tui_conf *c = &d->conf;

	if (d->conf_path[0] == '\0')
		return;
	snprintf(c->sort, sizeof(c->sort), "%s", tui_model_sorts[d->sort]);
	c->reverse = d->sort_rev;
	snprintf(c->sensors_sort, sizeof(c->sensors_sort), "%s",
	    tui_dash_sensor_cols[d->sv.sort % TUI_DASH_SENSOR_COLS]);
	c->sensors_reverse = d->sv.reverse;
	snprintf(c->devices_sort, sizeof(c->devices_sort), "%s",
	    tui_dash_devices_conf(d, NULL));
	c->devices_reverse = d->dv.reverse;
	c->window = tui_dash_sensors_window(d);
	snprintf(c->pane, sizeof(c->pane), "%s", pane_names[d->bottom] ?
	    pane_names[d->bottom] : "log");
	snprintf(c->filter_log, sizeof(c->filter_log), "%s",
	    d->filter[P_LOG]);
	snprintf(c->filter_clients, sizeof(c->filter_clients), "%s",
	    d->filter[P_CLIENTS]);
	snprintf(c->filter_sensors, sizeof(c->filter_sensors), "%s",
	    d->filter[P_SENSORS]);
	snprintf(c->filter_devices, sizeof(c->filter_devices), "%s",
	    d->filter[P_DEVICES]);
	tui_conf_save(c, d->conf_path);
}

/* A key with no prompt open. */
static int
key_normal(struct tui_dash *d, int ch)
{
	static int (*const pane_key[P_COUNT])(struct tui_dash *, int) = {
		[P_CLIENTS] = tui_dash_clients_key,
		[P_DEVICES] = tui_dash_devices_key,
		[P_XFERS] = tui_dash_xfers_key,
		[P_SENSORS] = tui_dash_sensors_key,
		[P_LOG] = tui_dash_log_key,
	};
	int h = LINES, r;

	r = d->detail != 0 ? tui_dash_detail_key(d, ch) :
	    pane_key[d->pane](d, ch);
	if (r != TUI_DASH_NOT_MINE)
		return r;

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
		break;
	case 'b':
		tui_dash_prompt(d, M_BROADCAST);
		break;
	case 'm':
		tui_dash_prompt(d, M_MESSAGE);
		break;
	case '/':
		tui_dash_prompt(d, M_FILTER);
		break;
	case 'p':
		d->paused = !d->paused;
		d->paused_seq = d->m->log_seq;
		break;
	case 's':
	case '<':
	case '>':
	case 'r':
		return tui_dash_clients_sort(d, ch);
	case 'T':
		next_theme(d);
		return TUI_CLEAR;
	case 'R':
		d->mode = M_RELOAD;
		break;
	case 'q':
	case KEY_F(10):
		return ask_quit(d);
	default:
		return TUI_OK;
	}
	return TUI_REDRAW;
}

/* A click focuses the pane under it; in Clients and Devices it selects
 * the row; on a heading of Clients, Devices or Sensors it sorts; the
 * wheel scrolls. */
static int
mouse(struct tui_dash *d)
{
	MEVENT me;
	int p, row, head;

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
	focus(d, p);
	row = me.y - d->at[p].y - 2;
	head = row == -1 && (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED));
	if (head && p == P_SENSORS)
		return tui_dash_sensors_click_head(d, me.x - d->at[p].x - 1);
	if (p == P_DEVICES && (head || row >= 0))
		return tui_dash_devices_click(d, row, me.x);
	if (p != P_CLIENTS)
		return TUI_REDRAW;
	if (head)
		return tui_dash_clients_click_head(d, me.x);
	tui_dash_sync_sel(d);
	if (row >= 0 &&
	    tui_dash_shown_row(d, d->first_row + (size_t)row) != NULL) {
		d->sel = d->first_row + (size_t)row;
		d->sel_id = tui_dash_shown_row(d, d->sel)->id;
	}
	return TUI_REDRAW;
}

/* In the help: the arrows and pages scroll it where it does not fit;
 * any other key closes it. */
static int
key_help(struct tui_dash *d, int ch)
{
	size_t n = sizeof(help_lines) / sizeof(help_lines[0]);

	if ((int)n + 4 <= LINES)
		ch = 0;		/* it all shows: any key closes */
	switch (ch) {
	case KEY_DOWN:
	case 'j':
		d->help_off++;
		break;
	case KEY_UP:
	case 'k':
		d->help_off--;
		break;
	case KEY_NPAGE:
		d->help_off += 10;
		break;
	case KEY_PPAGE:
		d->help_off -= 10;
		break;
	default:
		d->mode = M_NORMAL;
		d->help_off = 0;
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
		return key_help(d, ch);
	case M_KICK:
	case M_BLOCK:
	case M_QUIT:
	case M_RELOAD:
		if ((ch == 'y' || ch == 'Y') && d->mode == M_QUIT)
			return want_quit(d);
		if ((ch == 'y' || ch == 'Y') && d->mode == M_RELOAD) {
			/* The answer is the reload event, in the log. */
			tui_dash_request(d, json_pack("{s:s}", "cmd",
			    "reload"));
			d->mode = M_NORMAL;
			return TUI_REDRAW;
		}
		if (ch == 'y' || ch == 'Y')
			tui_dash_request(d, json_pack("{s:s,s:I,s:I}", "cmd",
			    d->mode == M_BLOCK ? "block" : "kick", "id",
			    (json_int_t)d->target, "secs",
			    (json_int_t)TUI_DASH_BLOCK_SECS));
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

	if (why != NULL && strcmp(why, TUI_GONE) == 0)
		d->term_gone = 1;
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
	d->top = P_CLIENTS;
	d->bottom = P_LOG;
	conf_apply(d);
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
	if (tui_dash_devices_feed(d, msg)) {
		tui_loop_redraw(&d->loop);
		return;
	}
	if (tui_model_feed(d->m, msg))
		tui_loop_redraw(&d->loop);
}

int
tui_dash_interrupt(struct tui_dash *d)
{
	if (d->term_gone)
		return 0;
	/* ^C on the question answers it; else it asks, as q does. */
	if (d->mode == M_QUIT) {
		tui_loop_react(&d->loop, want_quit(d));
		return 1;
	}
	d->mode = M_NORMAL;
	tui_loop_react(&d->loop, ask_quit(d));
	return 1;
}

void
tui_dash_gone(struct tui_dash *d, const char *why)
{
	if (d->gone[0] == '\0')
		tui_model_log(d->m, "server gone: %s", why);
	snprintf(d->gone, sizeof(d->gone), "%s", why);
	tui_loop_redraw(&d->loop);
}

void
tui_dash_back(struct tui_dash *d)
{
	d->gone[0] = '\0';
	d->fetching = 0;
	d->dv.asked = 0;
	tui_model_restart(d->m);
	tui_model_log(d->m, "attached again");
	event_active(d->poll, EV_TIMEOUT, 1);
	tui_loop_redraw(&d->loop);
}

void
tui_dash_free(struct tui_dash *d)
{
	if (d == NULL)
		return;
	if (d->poll != NULL)
		event_free(d->poll);
	conf_save(d);
	tui_loop_done(&d->loop);
	tui_model_free(d->m);
	free(d);
}
