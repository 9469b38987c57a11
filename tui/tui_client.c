/*
 * tui_client.c: the client's screen (see tui_client.h). It runs on a
 * tui_loop: key handlers change state and return reactions (redraw,
 * clear, quit), and the loop draws at most ten times a second, only when
 * something changed.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_client.h"
#include "tui_line.h"
#include "tui_loop.h"
#include "tui_picker.h"

#define CONV_MAX	2000	/* entries kept: a ring */
#define CONV_TEXT	512	/* bytes of an entry's text */

/* The connection bar's columns (it fits 80). */
#define BAR_HOST	9
#define BAR_HOST_W	18
#define BAR_PORT	34
#define BAR_RECONNECT	42
#define BAR_REASON	57

enum { M_INPUT, M_HELP, M_CONNECT, M_FILE, M_SENSOR };
enum { F_VALUE, F_CHANNEL, F_MODE, F_RATE, F_COUNT };

static const char *const say_names[] = { "you", "server", "notice",
	"error", "file", "info" };
static const char *const mode_names[] = { "once", "constant", "walk",
	"sine" };

struct conv_entry {
	int64_t		 ns;
	int		 kind;
	int		 failed;	/* a transfer that did not make it */
	char		 text[CONV_TEXT];
};

struct tui_client {
	struct event_base	*base;
	struct tui_client_link	 link;
	struct tui_loop		 loop;		/* terminal, keys, redraw */
	int			 mode;
	int			 legacy;
	int			 reconnect;
	int			 said_bytes;	/* the locale notice, a line */
	struct tui_loop_ops	 ops;		/* client_ops, wide or not */
	char			 device[32];
	/* The connection. */
	char			 host[256];
	int			 port;
	char			 state[16];
	char			 reason[256];
	char			 proto[16];
	char			 tls_version[16];	/* "": plain */
	char			 tls_subject[256];
	char			 tls_expires[16];
	int			 tls_insecure;
	int64_t			 since_ns;	/* connected at */
	uint64_t		 sent, recv;	/* messages */
	/* The conversation: a ring of CONV_MAX entries. */
	struct conv_entry	*conv;
	uint64_t		 conv_seq;	/* entries ever added */
	size_t			 back;		/* entries scrolled up */
	/* The transfer in flight. */
	int			 xf_active;
	uint64_t		 xf_entry;	/* its entry's seq */
	char			 xf_name[256];
	uint64_t		 xf_done, xf_size, xf_base;
	int64_t			 xf_start_ns;
	/* Readings. */
	uint64_t		 rd_sent, rd_acked;
	char			 stream[128];
	/* The input line, the connection bar, the forms. */
	struct tui_line		 line;
	struct tui_hist		 hist;
	struct tui_line		 f_host, f_port;
	int			 cfield;	/* 0 host, 1 port */
	char			 recent[8][272];
	unsigned char		 recent_tls[8];		/* 2: insecure */
	size_t			 nrecent;
	size_t			 rpos;
	struct tui_picker	 picker;
	struct tui_line		 s_field[F_COUNT];
	int			 s_mode;
	int			 sfield;
	char			 s_msg[128];
};

/* The conversation. */

static struct conv_entry *
conv_at(struct tui_client *t, uint64_t seq)
{
	if (seq >= t->conv_seq || t->conv_seq - seq > CONV_MAX)
		return NULL;
	return &t->conv[seq % CONV_MAX];
}

/* Add an entry; its seq. */
static uint64_t
conv_add(struct tui_client *t, int kind, const char *text, size_t len)
{
	struct conv_entry *e = &t->conv[t->conv_seq % CONV_MAX];
	size_t i;

	if (len >= CONV_TEXT)
		len = CONV_TEXT - 1;
	e->ns = tui_now_ns();
	e->kind = kind;
	e->failed = 0;
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	/* One line per entry: breaks and tabs would cut the screen. */
	for (i = 0; i < len; i++)
		if (e->text[i] == '\n' || e->text[i] == '\r' ||
		    e->text[i] == '\t')
			e->text[i] = ' ';
	if (t->back > 0)
		t->back++;	/* a reader scrolled up stays where he is */
	tui_loop_redraw(&t->loop);
	return t->conv_seq++;
}

static void
conv_addf(struct tui_client *t, int kind, const char *text)
{
	conv_add(t, kind, text, strlen(text));
}

/* Drawing. */

static void
draw_header(struct tui_client *t, int w)
{
	char line[600], target[300], dur[32] = "";
	int ok = strcmp(t->state, "connected") == 0;

	if (t->port > 0)
		snprintf(target, sizeof(target), strchr(t->host, ':') ?
		    "[%s]:%d" : "%s:%d", t->host, t->port);
	else
		snprintf(target, sizeof(target), "(no server)");
	if (ok)
		tui_fmt_dur((tui_now_ns() - t->since_ns) / 1000000000, dur,
		    sizeof(dur));
	tui_attr_on(&t->loop.term, TUI_C_HEADER, A_REVERSE);
	tui_fill(0, 0, w);
	snprintf(line, sizeof(line), " sockdeck  %s  ", target);
	tui_put(0, 0, w, line);
	tui_attr_off(&t->loop.term, TUI_C_HEADER, A_REVERSE);
	/* The state word in its own colour; never colour alone. */
	tui_attr_on(&t->loop.term, ok ? TUI_C_OK : (strcmp(t->state,
	    "unconnected") == 0 ? TUI_C_BAD : TUI_C_WARN), A_BOLD);
	snprintf(line, sizeof(line), "%s %s", t->loop.term.utf8 ?
	    "\xe2\x97\x8f" : "*", t->state);
	tui_put(0, (int)strlen(target) + 12, w, line);
	tui_attr_off(&t->loop.term, ok ? TUI_C_OK : (strcmp(t->state,
	    "unconnected") == 0 ? TUI_C_BAD : TUI_C_WARN), A_BOLD);
	snprintf(line, sizeof(line), "%s%s%s%s%s  %s%s", ok ? " (" : "",
	    ok ? t->proto : "", ok ? ", " : "", ok ? dur : "", ok ? ")" : "",
	    w >= 100 ? "device " : "", t->device);
	/* The counters where there is room for them. */
	if (w >= 100)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    "  sent %llu  recv %llu", (unsigned long long)t->sent,
		    (unsigned long long)t->recv);
	tui_attr_on(&t->loop.term, TUI_C_HEADER, A_REVERSE);
	tui_put(0, (int)strlen(target) + 14 + (int)strlen(t->state), w,
	    line);
	tui_attr_off(&t->loop.term, TUI_C_HEADER, A_REVERSE);
}

/* Put s at column *x of the bar, at most w - *x columns (whole: s fits
 * whole or not at all), with a space after; *x moves past it. */
static void
bar_part(int *x, int w, const char *s, int whole)
{
	int n = tui_width(s, strlen(s));

	if (*x >= w || (whole && *x + n > w))
		return;
	tui_put(1, *x, w - *x, s);
	*x += n + 1;
}

/* The TLS session where the reason goes: the lock and the version,
 * INSECURE in the error colour (the word stays without colours), the
 * server's subject, its expiry. The expiry goes first when room is
 * short, then the subject is cut: what is encrypted and whether it is
 * verified always shows. */
static void
draw_tls(struct tui_client *t, int x, int w)
{
	char s[300];
	int sub;

	snprintf(s, sizeof(s), "%s %s", t->loop.term.utf8 ?
	    "\xf0\x9f\x94\x92" : "[lock]", t->tls_version);
	bar_part(&x, w, s, 1);
	if (t->tls_insecure) {
		tui_attr_on(&t->loop.term, TUI_C_BAD, A_BOLD);
		bar_part(&x, w, "INSECURE", 1);
		tui_attr_off(&t->loop.term, TUI_C_BAD, A_BOLD);
	}
	snprintf(s, sizeof(s), "until %s", t->tls_expires);
	sub = tui_width(t->tls_subject, strlen(t->tls_subject));
	/* The whole subject and the expiry, or what fits of the subject. */
	if (x + sub + 1 + (int)strlen(s) <= w) {
		bar_part(&x, w, t->tls_subject, 1);
		bar_part(&x, w, s, 1);
	} else if (w - x >= 4)
		bar_part(&x, w, t->tls_subject, 0);
}

/* Row 1: Server and Port, editable after ^O, and the last reason (or
 * once connected over TLS, the session). */
static void
draw_bar(struct tui_client *t, int w)
{
	char line[400], port[16];
	int editing = t->mode == M_CONNECT;

	tui_fill(1, 0, w);
	tui_put(1, 1, 8, "Server:");
	tui_put(1, BAR_PORT - 6, 6, "Port:");
	snprintf(line, sizeof(line), "reconnect %s", t->reconnect ? "on" :
	    "off");
	tui_put(1, BAR_RECONNECT, w - BAR_RECONNECT, line);
	if (t->reason[0] != '\0') {
		tui_attr_on(&t->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(1, BAR_REASON, w - BAR_REASON, t->reason);
		tui_attr_off(&t->loop.term, TUI_C_BAD, A_BOLD);
	}
	else if (strcmp(t->state, "connected") == 0 && t->tls_version[0])
		draw_tls(t, BAR_REASON, w);
	if (!editing) {
		snprintf(port, sizeof(port), "%d", t->port);
		tui_put(1, BAR_HOST, BAR_HOST_W, t->host[0] ? t->host : "-");
		tui_put(1, BAR_PORT, 7, t->port > 0 ? port : "-");
		return;
	}
	attron(A_UNDERLINE);
	tui_line_draw(&t->f_port, 1, BAR_PORT, 7, 0);
	tui_line_draw(&t->f_host, 1, BAR_HOST, BAR_HOST_W, 0);
	/* The field in focus last, so the cursor is left in it. */
	if (t->cfield == 1)
		tui_line_draw(&t->f_port, 1, BAR_PORT, 7, 1);
	else
		tui_line_draw(&t->f_host, 1, BAR_HOST, BAR_HOST_W, 1);
	attroff(A_UNDERLINE);
}

/* The recent servers under the bar while it is edited (^O), newest
 * first: a lock for those reached over TLS (INSECURE in the error
 * colour after it for --tls-insecure), the one the fields hold marked. */
static void
draw_recent(struct tui_client *t, int y, int h, int w)
{
	char host[1024], port[64], cur[1100], line[400];
	int bw = w - BAR_HOST + 2 < 60 ? w - BAR_HOST + 2 : 60;
	int x = BAR_HOST - 2, i, n = (int)t->nrecent, sel;

	if (n == 0 || h < 3 || bw < 20)
		return;
	if (n > h - 2)
		n = h - 2;
	tui_line_get(&t->f_host, host, sizeof(host));
	tui_line_get(&t->f_port, port, sizeof(port));
	snprintf(cur, sizeof(cur), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
	    host, port);
	for (i = 0; i < n + 2; i++)
		tui_fill(y + i, x, bw);
	tui_box(&t->loop.term, y, x, n + 2, bw, "Recent", 0);
	for (i = 0; i < n; i++) {
		sel = strcmp(cur, t->recent[i]) == 0;
		snprintf(line, sizeof(line), "%s %s %s", sel ? ">" : " ",
		    t->loop.term.utf8 ? (t->recent_tls[i] ?
		    "\xf0\x9f\x94\x92" : "  ") : (t->recent_tls[i] ?
		    "[lock]" : "      "), t->recent[i]);
		if (sel)
			tui_attr_on(&t->loop.term, TUI_C_KEY, A_REVERSE);
		tui_put(y + 1 + i, x + 1, bw - 2, line);
		if (sel)
			tui_attr_off(&t->loop.term, TUI_C_KEY, A_REVERSE);
		if (t->recent_tls[i] != 2 || tui_width(line, strlen(line)) +
		    10 > bw - 2)
			continue;
		tui_attr_on(&t->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(y + 1 + i, x + 2 + tui_width(line, strlen(line)),
		    9, "INSECURE");
		tui_attr_off(&t->loop.term, TUI_C_BAD, A_BOLD);
	}
}

/* The live line of the transfer in flight. */
static void
fmt_xfer(struct tui_client *t, char *buf, size_t len)
{
	char b[256], done[16], size[16], rate[16], eta[24] = "ETA ?";
	double f = t->xf_size ? (double)t->xf_done / (double)t->xf_size : 0;
	double secs = (double)(tui_now_ns() - t->xf_start_ns) / 1e9;
	double r = secs > 0.05 && t->xf_base != UINT64_MAX ?
	    (double)(t->xf_done - t->xf_base) / secs : 0;

	tui_bar(&t->loop.term, f, b, 20);
	tui_fmt_bytes((double)t->xf_done, done, sizeof(done));
	tui_fmt_bytes((double)t->xf_size, size, sizeof(size));
	tui_fmt_bytes(r, rate, sizeof(rate));
	if (r > 0) {
		snprintf(eta, sizeof(eta), "ETA ");
		tui_fmt_dur((int64_t)((double)(t->xf_size - t->xf_done) / r),
		    eta + 4, sizeof(eta) - 4);
	}
	snprintf(buf, len, "%.120s  %.70s %3.0f%%  %.15s/%.15s  %.15s/s  "
	    "%.23s", t->xf_name, b, f * 100, done, size, rate, eta);
}

static void
draw_conv(struct tui_client *t, int y, int h, int w)
{
	struct conv_entry *e;
	char line[CONV_TEXT + 64], when[32], text[CONV_TEXT];
	size_t rows = h > 2 ? (size_t)h - 2 : 0, n, i;
	uint64_t first;
	int bad;

	n = t->conv_seq < CONV_MAX ? (size_t)t->conv_seq : CONV_MAX;
	if (t->back + rows > n)
		t->back = n > rows ? n - rows : 0;
	tui_box(&t->loop.term, y, 0, h, w, t->back ? "Conversation - scrolled" :
	    "Conversation", 0);
	first = t->conv_seq - (n < rows ? n : rows) - t->back;
	for (i = 0; i < rows && first + i < t->conv_seq - t->back; i++) {
		e = conv_at(t, first + i);
		if (e == NULL)
			continue;
		tui_fmt_clock(e->ns, when, sizeof(when));
		if (e->kind == TUI_SAY_FILE && t->xf_active &&
		    first + i == t->xf_entry)
			fmt_xfer(t, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s", e->text);
		snprintf(line, sizeof(line), "%s %-7s %s", when,
		    say_names[e->kind], text);
		bad = e->kind == TUI_SAY_ERROR || e->failed;
		if (bad)
			tui_attr_on(&t->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(y + 1 + (int)i, 1, w - 2, line);
		if (bad)
			tui_attr_off(&t->loop.term, TUI_C_BAD, A_BOLD);
	}
}

static void
draw_status(struct tui_client *t, int y, int w)
{
	char line[300];

	snprintf(line, sizeof(line), " readings  sent %llu  acked %llu%s%s%s%s",
	    (unsigned long long)t->rd_sent, (unsigned long long)t->rd_acked,
	    t->legacy ? " (legacy: no acks)" : "", t->stream[0] ?
	    "  streaming " : "", t->stream, t->stream[0] ? " (Esc stops)" :
	    "");
	tui_fill(y, 0, w);
	tui_put(y, 0, w, line);
}

static const char *const keys_input[][2] = {
	{ "F1", "Help" }, { "^O", "Connect" }, { "^D", "Disconnect" },
	{ "^F", "Send file" }, { "^S", "Sensors" }, { "Esc", "Cancel" },
	{ "F10", "Quit" },
};
static const char *const keys_connect[][2] = {
	{ "Enter", "Connect" }, { "Tab", "Field" }, { "Up/Down", "Recent" },
	{ "Esc", "Back" }, { "F10", "Quit" },
};
static const char *const keys_file[][2] = {
	{ "Enter", "Open/Send" }, { "Tab", "Complete" },
	{ "Up/Down", "Pick" }, { "Esc", "Back" }, { "F10", "Quit" },
};
static const char *const keys_sensor[][2] = {
	{ "Enter", "Send/Start" }, { "Tab", "Field" },
	{ "Left/Right", "Mode" }, { "Esc", "Back" }, { "F10", "Quit" },
};

static void
draw_footer(struct tui_client *t, int y, int w)
{
#define KEYS(k)	tui_keybar(&t->loop.term, y, w, k, sizeof(k) / sizeof(k[0]))
	switch (t->mode) {
	case M_CONNECT:
		KEYS(keys_connect);
		break;
	case M_FILE:
		KEYS(keys_file);
		break;
	case M_SENSOR:
		KEYS(keys_sensor);
		break;
	default:
		KEYS(keys_input);
		break;
	}
#undef KEYS
}

static void
draw_sensor_form(struct tui_client *t, int y, int x, int h, int w)
{
	static const char *const labels[] = { "Value:", "Channel:", "Mode:",
	    "Rate:" };
	char line[160];
	int i;

	for (i = 0; i < h; i++)
		tui_fill(y + i, x, w);
	tui_box(&t->loop.term, y, x, h, w, "Sensors", 1);
	for (i = 0; i < F_COUNT; i++) {
		if (i == t->sfield)
			tui_attr_on(&t->loop.term, TUI_C_KEY, A_REVERSE);
		tui_put(y + 2 + i, x + 2, 9, labels[i]);
		if (i == t->sfield)
			tui_attr_off(&t->loop.term, TUI_C_KEY, A_REVERSE);
	}
	snprintf(line, sizeof(line), "< %s >   (once, constant, walk, sine)",
	    mode_names[t->s_mode]);
	tui_put(y + 2 + F_MODE, x + 12, w - 14, line);
	tui_put(y + 2 + F_RATE, x + 24, w - 26, "readings/s");
	tui_put(y + 7, x + 2, w - 4, t->s_msg[0] ? t->s_msg :
	    "once: one reading of Value; the others stream around it");
	for (i = 0; i < F_COUNT; i++)
		if (i != F_MODE && i != t->sfield)
			tui_line_draw(&t->s_field[i], y + 2 + i, x + 12,
			    i == F_RATE ? 10 : w - 14, 0);
	if (t->sfield != F_MODE)
		tui_line_draw(&t->s_field[t->sfield], y + 2 + t->sfield,
		    x + 12, t->sfield == F_RATE ? 10 : w - 14, 1);
	curs_set(t->sfield != F_MODE);
}

static const char *const help_lines[] = {
	"sockdeck keys",
	"",
	"text, Enter       send a message (Up/Down: history)",
	"Left/Right, ^A/^E move; Home/End; ^U ^K ^W delete; Del",
	"PgUp/PgDn         scroll the conversation",
	"^O                server and port (Tab field, Up/Down recent,",
	"                  Enter connects, Esc back)",
	"^D                disconnect",
	"^F                pick a file and send it",
	"^S                send a reading or start a stream",
	"^R                auto-reconnect on/off",
	"Esc               cancel the file in flight, or stop the stream",
	"F1, ?             this help (? on an empty line)",
	"F10, ^C           quit",
};

/* The whole screen, h x w (the loop has checked it fits). */
static void
draw(void *arg, int h, int w)
{
	struct tui_client *t = arg;
	int ch = h - 5;

	draw_header(t, w);
	draw_conv(t, 2, ch, w);
	draw_status(t, h - 3, w);
	tui_put(h - 2, 0, 3, " > ");
	draw_footer(t, h - 1, w);
	curs_set(t->mode == M_INPUT || t->mode == M_CONNECT ||
	    t->mode == M_FILE);
	switch (t->mode) {
	case M_HELP:
		draw_bar(t, w);
		(void)tui_help(&t->loop.term, h, w, help_lines,
		    sizeof(help_lines) / sizeof(help_lines[0]), 0);
		curs_set(0);
		break;
	case M_FILE:
		draw_bar(t, w);
		tui_line_draw(&t->line, h - 2, 3, w - 4, 0);
		tui_picker_draw(&t->picker, &t->loop.term, 2, 0, ch, w);
		break;
	case M_SENSOR:
		draw_bar(t, w);
		tui_line_draw(&t->line, h - 2, 3, w - 4, 0);
		draw_sensor_form(t, 4, (w - 70) / 2, 9, 70);
		break;
	case M_CONNECT:
		tui_line_draw(&t->line, h - 2, 3, w - 4, 0);
		draw_recent(t, 2, ch, w);
		draw_bar(t, w);
		break;
	default:
		draw_bar(t, w);
		tui_line_draw(&t->line, h - 2, 3, w - 4, 1);
		break;
	}
}

/* Draw although nothing was marked: a transfer's rate moves on its own,
 * and a connection's age once a second. */
static int
stale(void *arg, int64_t drawn_ns)
{
	struct tui_client *t = arg;

	return t->xf_active || (strcmp(t->state, "connected") == 0 &&
	    tui_now_ns() - drawn_ns >= 1000000000);
}

/* Keys: each handler changes state and returns tui_loop reactions. */

/* Enter on the input line. */
static void
input_enter(struct tui_client *t)
{
	char text[TUI_LINE_MAX * 4];

	tui_line_get(&t->line, text, sizeof(text));
	if (text[0] == '\0')
		return;
	tui_hist_add(&t->hist, text);
	tui_line_clear(&t->line);
	t->back = 0;
	t->said_bytes = 0;	/* the next line's refusal is said too */
	t->link.send_text(t->link.ctx, text);
}

static void
open_connect(struct tui_client *t)
{
	char port[16];

	snprintf(port, sizeof(port), "%d", t->port);
	tui_line_set(&t->f_host, t->host);
	tui_line_set(&t->f_port, t->port > 0 ? port : "");
	t->cfield = 0;
	t->rpos = 0;
	t->mode = M_CONNECT;
}

/* Put recent server i into the fields. */
static void
pick_recent(struct tui_client *t, size_t i)
{
	char host[272];
	const char *s = t->recent[i], *colon;

	if (s[0] == '[' && (colon = strstr(s, "]:")) != NULL) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 1),
		    s + 1);
		colon++;
	} else if ((colon = strrchr(s, ':')) != NULL)
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	else
		return;
	tui_line_set(&t->f_host, host);
	tui_line_set(&t->f_port, colon + 1);
}

/* A key in the connection bar (after ^O). */
static int
key_connect(struct tui_client *t, int code, wint_t ch)
{
	char host[1024], port[64], *end;
	long p;

	int enter = (!code && (ch == '\r' || ch == '\n')) ||
	    (code && ch == KEY_ENTER);

	if (!code && ch == 27) {
		t->mode = M_INPUT;
	} else if ((!code && ch == '\t') || (code && ch == KEY_BTAB) ||
	    (enter && t->cfield == 0 && t->f_port.len == 0)) {
		t->cfield = !t->cfield;
	} else if (enter) {
		tui_line_get(&t->f_host, host, sizeof(host));
		tui_line_get(&t->f_port, port, sizeof(port));
		p = strtol(port, &end, 10);
		if (host[0] == '\0' || *end != '\0' || p < 1 || p > 65535) {
			snprintf(t->reason, sizeof(t->reason), "a host and a "
			    "port from 1 to 65535, please");
			return TUI_REDRAW;
		}
		t->mode = M_INPUT;
		t->link.connect_to(t->link.ctx, host, (int)p);
	} else if (code && (ch == KEY_UP || ch == KEY_DOWN) && t->nrecent) {
		if (ch == KEY_DOWN)
			t->rpos = (t->rpos + 1) % t->nrecent;
		else
			t->rpos = (t->rpos + t->nrecent - 1) % t->nrecent;
		pick_recent(t, t->rpos);
	} else
		tui_line_key(t->cfield ? &t->f_port : &t->f_host, code, ch);
	return TUI_REDRAW;
}

/* A key in the file picker (after ^F). */
static int
key_file(struct tui_client *t, int code, wint_t ch)
{
	char path[PATH_MAX * 2];

	switch (tui_picker_key(&t->picker, code, ch, path, sizeof(path))) {
	case TUI_PICK_CHOSEN:
		tui_picker_done(&t->picker);
		t->mode = M_INPUT;
		t->link.send_file(t->link.ctx, path);
		break;
	case TUI_PICK_CLOSED:
		tui_picker_done(&t->picker);
		t->mode = M_INPUT;
		break;
	default:
		break;
	}
	return TUI_REDRAW;
}

/* Enter in the sensor form. */
static void
sensor_submit(struct tui_client *t)
{
	struct tui_sensor_req r;
	char value[64], rate[64], chan[256], *end;

	tui_line_get(&t->s_field[F_VALUE], value, sizeof(value));
	tui_line_get(&t->s_field[F_RATE], rate, sizeof(rate));
	tui_line_get(&t->s_field[F_CHANNEL], chan, sizeof(chan));
	r.value = strtod(value, &end);
	if (value[0] == '\0' || *end != '\0' || !(r.value == r.value) ||
	    r.value > 1e300 || r.value < -1e300) {
		snprintf(t->s_msg, sizeof(t->s_msg), "Value: a number, "
		    "please");
		t->sfield = F_VALUE;
		return;
	}
	r.rate = strtod(rate, &end);
	if (t->s_mode > 0 && (*end != '\0' || !(r.rate > 0) ||
	    r.rate > 1e6)) {
		snprintf(t->s_msg, sizeof(t->s_msg), "Rate: readings per "
		    "second, above 0 and up to 1000000");
		t->sfield = F_RATE;
		return;
	}
	r.shape = t->s_mode - 1;
	r.channel = chan;
	t->mode = M_INPUT;
	t->link.sensor(t->link.ctx, &r);
}

/* A key in the sensor form (after ^S). */
static int
key_sensor(struct tui_client *t, int code, wint_t ch)
{
	t->s_msg[0] = '\0';
	if (!code && ch == 27)
		t->mode = M_INPUT;
	else if ((!code && (ch == '\r' || ch == '\n')) ||
	    (code && ch == KEY_ENTER))
		sensor_submit(t);
	else if ((!code && ch == '\t') || (code && ch == KEY_DOWN))
		t->sfield = (t->sfield + 1) % F_COUNT;
	else if (code && (ch == KEY_BTAB || ch == KEY_UP))
		t->sfield = (t->sfield + F_COUNT - 1) % F_COUNT;
	else if (t->sfield == F_MODE && ((code && ch == KEY_RIGHT) ||
	    (!code && ch == ' ')))
		t->s_mode = (t->s_mode + 1) % 4;
	else if (t->sfield == F_MODE && code && ch == KEY_LEFT)
		t->s_mode = (t->s_mode + 3) % 4;
	else if (t->sfield != F_MODE)
		tui_line_key(&t->s_field[t->sfield], code, ch);
	return TUI_REDRAW;
}

/* A control key on the input line; TUI_OK when it is not one of ours. */
static int
key_ctrl(struct tui_client *t, wint_t ch)
{
	switch (ch) {
	case 15:			/* ^O */
		open_connect(t);
		return TUI_REDRAW;
	case 4:				/* ^D */
		t->link.disconnect(t->link.ctx);
		return TUI_REDRAW;
	case 6:				/* ^F */
		tui_picker_open(&t->picker);
		t->mode = M_FILE;
		return TUI_REDRAW;
	case 19:			/* ^S */
		t->sfield = F_VALUE;
		t->s_msg[0] = '\0';
		t->mode = M_SENSOR;
		return TUI_REDRAW;
	case 18:			/* ^R */
		t->reconnect = !t->reconnect;
		t->link.set_reconnect(t->link.ctx, t->reconnect);
		return TUI_REDRAW;
	case 12:			/* ^L */
		return TUI_CLEAR;
	case 27:			/* Esc */
		t->link.cancel(t->link.ctx);
		return TUI_REDRAW;
	case '\r':
	case '\n':
		input_enter(t);
		return TUI_REDRAW;
	default:
		return TUI_OK;
	}
}

/* A key on the input line. */
static int
key_input(struct tui_client *t, int code, wint_t ch)
{
	int rows = LINES - 7, r;

	if (!code && ch == '?' && t->line.len == 0) {
		t->mode = M_HELP;
		return TUI_REDRAW;
	}
	if (!code) {
		r = key_ctrl(t, ch);
		if (r == TUI_OK)
			tui_line_key(&t->line, 0, ch);
		return TUI_REDRAW | r;
	}
	if (tui_line_key(&t->line, 1, ch))
		return TUI_REDRAW;
	switch (ch) {
	case KEY_UP:
		tui_hist_move(&t->hist, &t->line, -1);
		break;
	case KEY_DOWN:
		tui_hist_move(&t->hist, &t->line, 1);
		break;
	case KEY_PPAGE:
		t->back += (size_t)(rows > 1 ? rows - 1 : 1);
		break;
	case KEY_NPAGE:
		t->back = t->back > (size_t)rows ? t->back - (size_t)rows : 0;
		break;
	case KEY_ENTER:
		input_enter(t);
		break;
	default:
		return TUI_OK;
	}
	return TUI_REDRAW;
}

/* The loop's key hook. */
static int
key(void *arg, int code, wint_t ch)
{
	struct tui_client *t = arg;

	if (code && (ch == KEY_F(10)))
		return TUI_QUIT | TUI_REDRAW;
	if (code && (ch == KEY_F(1))) {
		t->mode = t->mode == M_HELP ? M_INPUT : M_HELP;
		return TUI_REDRAW;
	}
	if (!code && ch >= 0x80 && ch <= 0xff && MB_CUR_MAX == 1) {
		/* A single-byte locale (C, POSIX) reads keys as bytes: a
		 * non-ASCII character comes as bytes it cannot carry.
		 * Refused, and said why, not dropped with the rest. */
		static const char why[] = "non-ASCII text needs a UTF-8 "
		    "locale (LANG=C.UTF-8): not typed";

		if (!t->said_bytes)
			tui_client_say(t, TUI_SAY_ERROR, why, sizeof(why) - 1);
		t->said_bytes = 1;
		return TUI_REDRAW;
	}
	if (code && ch == KEY_MOUSE) {
		MEVENT me;

		/* The wheel scrolls the conversation. */
		if (getmouse(&me) == OK && t->mode == M_INPUT) {
			if (me.bstate & BUTTON4_PRESSED)
				t->back += 3;
			else if ((me.bstate & BUTTON5_PRESSED))
				t->back = t->back > 3 ? t->back - 3 : 0;
		}
		return TUI_REDRAW;
	}
	switch (t->mode) {
	case M_HELP:
		t->mode = M_INPUT;
		return TUI_REDRAW;
	case M_CONNECT:
		return key_connect(t, code, ch);
	case M_FILE:
		return key_file(t, code, ch);
	case M_SENSOR:
		return key_sensor(t, code, ch);
	default:
		return key_input(t, code, ch);
	}
}

/* The loop's quit hook: F10, or the terminal is gone. */
static void
quit(void *arg, const char *why)
{
	struct tui_client *t = arg;

	t->link.quit(t->link.ctx, why);
}

static const struct tui_loop_ops client_ops = {
	.name = "sockdeck",
	.wide = 1,
	.key = key,
	.draw = draw,
	.stale = stale,
	.quit = quit,
};


/* The program's side. */

struct tui_client *
tui_client_new(struct event_base *base, const struct tui_client_link *link,
    const struct tui_client_info *info)
{
	struct tui_client *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->conv = calloc(CONV_MAX, sizeof(*t->conv));
	/* In a single-byte locale, keys as bytes: get_wch would drop a
	 * line's rest at its first byte that is no character there. The
	 * loop takes the terminal's locale too, but after this choice. */
	setlocale(LC_CTYPE, "");
	t->ops = client_ops;
	t->ops.wide = MB_CUR_MAX > 1;
	if (t->conv == NULL ||
	    tui_loop_init(&t->loop, base, &t->ops, t) != 0) {
		free(t->conv);
		free(t);
		return NULL;
	}
	t->base = base;
	t->link = *link;
	t->legacy = info->legacy;
	t->reconnect = info->reconnect;
	snprintf(t->device, sizeof(t->device), "%s", info->device);
	snprintf(t->state, sizeof(t->state), "unconnected");
	snprintf(t->proto, sizeof(t->proto), "%s", info->legacy ? "legacy" :
	    "ext");
	tui_client_recent(t, info->recent, info->nrecent);
	tui_client_target(t, info->host != NULL ? info->host : "",
	    info->port);
	tui_line_set(&t->s_field[F_VALUE], "20");
	tui_line_set(&t->s_field[F_RATE], "10");
	return t;
}

void
tui_client_free(struct tui_client *t)
{
	if (t == NULL)
		return;
	tui_loop_done(&t->loop);
	tui_picker_done(&t->picker);
	tui_hist_free(&t->hist);
	free(t->conv);
	free(t);
}

void
tui_client_state(struct tui_client *t, const char *state,
    const char *reason, const char *proto)
{
	char line[700];
	int was = strcmp(t->state, "connected") == 0;

	snprintf(t->state, sizeof(t->state), "%s", state);
	if (proto != NULL)
		snprintf(t->proto, sizeof(t->proto), "%s", proto);
	if (strcmp(state, "connected") == 0) {
		t->since_ns = tui_now_ns();
		t->reason[0] = '\0';
		if (t->tls_version[0])
			snprintf(line, sizeof(line), "connected to %s:%d "
			    "(%s, %s%s, server %s, certificate until %s)",
			    t->host, t->port, t->proto, t->tls_version,
			    t->tls_insecure ? " INSECURE: not verified" : "",
			    t->tls_subject, t->tls_expires);
		else
			snprintf(line, sizeof(line), "connected to %s:%d (%s)",
			    t->host, t->port, t->proto);
		conv_addf(t, TUI_SAY_INFO, line);
	} else if (reason != NULL) {
		snprintf(t->reason, sizeof(t->reason), "%s", reason);
		snprintf(line, sizeof(line), "%s: %s", was ? "closed" :
		    "not connected", reason);
		/* A connect that failed (refused, no such host, timed out)
		 * is an error; a connection that ended is news. */
		conv_addf(t, was ? TUI_SAY_INFO : TUI_SAY_ERROR, line);
	}
	tui_loop_redraw(&t->loop);
}

void
tui_client_tls(struct tui_client *t, const char *version,
    const char *subject, const char *expires, int insecure)
{
	snprintf(t->tls_version, sizeof(t->tls_version), "%s",
	    version != NULL ? version : "");
	snprintf(t->tls_subject, sizeof(t->tls_subject), "%s",
	    subject != NULL ? subject : "");
	snprintf(t->tls_expires, sizeof(t->tls_expires), "%s",
	    expires != NULL ? expires : "");
	t->tls_insecure = insecure;
	tui_loop_redraw(&t->loop);
}

void
tui_client_target(struct tui_client *t, const char *host, int port)
{
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	tui_loop_redraw(&t->loop);
}

void
tui_client_recent(struct tui_client *t, const struct tui_recent *items,
    size_t n)
{
	size_t i;

	t->nrecent = n < 8 ? n : 8;
	for (i = 0; i < t->nrecent; i++) {
		snprintf(t->recent[i], sizeof(t->recent[i]), "%s",
		    items[i].target);
		t->recent_tls[i] = !items[i].tls ? 0 : items[i].insecure ?
		    2 : 1;
	}
	tui_loop_redraw(&t->loop);
}

void
tui_client_say(struct tui_client *t, enum tui_say kind, const char *text,
    size_t len)
{
	conv_add(t, kind, text, len);
	if (kind == TUI_SAY_YOU)
		t->sent++;
	else if (kind == TUI_SAY_SERVER || kind == TUI_SAY_NOTICE)
		t->recv++;
}

void
tui_client_file_start(struct tui_client *t, const char *name,
    uint64_t size)
{
	if (!t->xf_active || strcmp(name, t->xf_name) != 0 ||
	    conv_at(t, t->xf_entry) == NULL)
		t->xf_entry = conv_add(t, TUI_SAY_FILE, name, strlen(name));
	snprintf(t->xf_name, sizeof(t->xf_name), "%s", name);
	t->xf_active = 1;
	t->xf_size = size;
	t->xf_done = 0;
	t->xf_base = UINT64_MAX;
	t->xf_start_ns = tui_now_ns();
	tui_loop_redraw(&t->loop);
}

void
tui_client_file_progress(struct tui_client *t, uint64_t done, uint64_t size)
{
	/* A resumed transfer's rate counts from where it went on. */
	if (t->xf_base == UINT64_MAX) {
		t->xf_base = done;
		t->xf_start_ns = tui_now_ns();
	}
	t->xf_done = done;
	t->xf_size = size;
}

void
tui_client_file_end(struct tui_client *t, enum tui_file_end how,
    const char *text)
{
	struct conv_entry *e = conv_at(t, t->xf_entry);
	char line[CONV_TEXT];

	snprintf(line, sizeof(line), "%s  %s", t->xf_name, text);
	if (!t->xf_active || e == NULL)
		e = conv_at(t, conv_add(t, TUI_SAY_FILE, line, strlen(line)));
	else
		snprintf(e->text, sizeof(e->text), "%s", line);
	if (e != NULL)
		e->failed = how == TUI_FILE_FAILED;
	t->xf_active = 0;
	tui_loop_redraw(&t->loop);
}

void
tui_client_readings(struct tui_client *t, uint64_t sent, uint64_t acked)
{
	if (sent != t->rd_sent || acked != t->rd_acked)
		tui_loop_redraw(&t->loop);
	t->rd_sent = sent;
	t->rd_acked = acked;
}

void
tui_client_stream(struct tui_client *t, const char *desc)
{
	snprintf(t->stream, sizeof(t->stream), "%s", desc != NULL ? desc :
	    "");
	tui_loop_redraw(&t->loop);
}
