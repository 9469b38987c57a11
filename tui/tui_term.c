/*
 * tui_term.c: the terminal and the drawing helpers both front ends use
 * (see tui_term.h).
 */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "sd_esc.h"
#include "tui_term.h"

static struct tui_term *active;		/* for the emergency restore */

/* Ctrl-S must be a key, not XOFF: a terminal stopped by flow control
 * would block our writes, and with them the program's whole loop. */
static void
no_flow_control(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &t) != 0)
		return;
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* Each theme's pairs, foreground and background, in enum tui_color's
 * order; -1 is the terminal's own. "light" is for dark text on a light
 * background, where cyan and yellow fade. */
static const struct {
	const char	*name;
	short		 pair[TUI_C_WARN][2];
} themes[] = {
	{ "default", { { COLOR_BLACK, COLOR_CYAN }, { COLOR_CYAN, -1 },
	    { COLOR_BLACK, COLOR_GREEN }, { COLOR_BLACK, COLOR_CYAN },
	    { COLOR_GREEN, -1 }, { COLOR_RED, -1 }, { COLOR_YELLOW, -1 } } },
	{ "light", { { COLOR_WHITE, COLOR_BLUE }, { COLOR_BLUE, -1 },
	    { COLOR_WHITE, COLOR_BLUE }, { COLOR_WHITE, COLOR_BLUE },
	    { COLOR_GREEN, -1 }, { COLOR_RED, -1 }, { COLOR_MAGENTA, -1 } } },
};

static void
colors(struct tui_term *t)
{
	const char *nc = getenv("NO_COLOR");

	t->can_color = has_colors() && (nc == NULL || nc[0] == '\0');
	t->color = t->can_color;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	tui_term_theme(t, "default");
}

int
tui_term_theme(struct tui_term *t, const char *name)
{
	size_t i, k;

	if (strcmp(name, "mono") == 0) {
		t->color = 0;
		return 0;
	}
	for (i = 0; i < sizeof(themes) / sizeof(themes[0]); i++) {
		if (strcmp(themes[i].name, name) != 0)
			continue;
		/* NO_COLOR, or a terminal without colours, stays mono. */
		t->color = t->can_color;
		for (k = 0; t->color && k < TUI_C_WARN; k++)
			init_pair((short)(k + 1), themes[i].pair[k][0],
			    themes[i].pair[k][1]);
		return 0;
	}
	return -1;
}

/* Read seq as key where the terminfo entry does not say it already
 * (ncurses leaks what a second define_key of a known one allocates). */
static void
term_key(const char *seq, int key)
{
	if (key_defined(seq) == 0)
		define_key(seq, key);
}

int
tui_term_open(struct tui_term *t)
{
	const char *cs, *term;

	memset(t, 0, sizeof(*t));
	/* Characters only: numbers must keep their "." for the readings
	 * formatted in this same process. */
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	term = getenv("TERM");
	/* UTF-8 drawing in a UTF-8 locale, except on the old DEC terminals
	 * (and their emulations) that never drew it. */
	t->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0 &&
	    !(term != NULL && (strncmp(term, "vt1", 3) == 0 ||
	    strncmp(term, "vt2", 3) == 0 || strcmp(term, "ansi") == 0));
	/* newterm, unlike initscr, returns NULL for a terminal it does not
	 * know, and the caller can fall back to plain output. */
	t->screen = newterm(NULL, stdout, stdin);
	if (t->screen == NULL)
		return -1;
	set_term(t->screen);
	active = t;
	cbreak();
	no_flow_control();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Clicks and the wheel where the terminal reports them; no drag,
	 * so the terminal's own text selection still works with shift. */
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED |
	    BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	/* Home and End as tmux, screen and the Linux console send them,
	 * whatever TERM says: a user in tmux with TERM=xterm-256color
	 * would otherwise type "[1~" into the line. */
	term_key("\033[1~", KEY_HOME);
	term_key("\033[4~", KEY_END);
	term_key("\033[7~", KEY_HOME);
	term_key("\033[8~", KEY_END);
	term_key("\033[H", KEY_HOME);
	term_key("\033[F", KEY_END);
	/* And F10 (quit) as xterm, tmux and the Linux console send it: a
	 * vt100 entry has no F10 at all. */
	term_key("\033[21~", KEY_F(10));
	colors(t);
	return 0;
}

/* Whether the terminal has an alternate screen (smcup). */
static int
tui_term_has_altscreen(void)
{
	const char *s = tigetstr("smcup");

	return s != NULL && s != (const char *)-1 && *s != '\0';
}

void
tui_term_close(struct tui_term *t)
{
	if (t->screen == NULL)
		return;
	if (active == t) {
		/* Without an alternate screen (vt100, linux) what was drawn
		 * stays after endwin, and the shell writes over it: leave
		 * the screen blank. */
		if (!tui_term_has_altscreen()) {
			clear();
			refresh();
		}
		endwin();
		active = NULL;
	}
	delscreen(t->screen);
	t->screen = NULL;
}

void
tui_term_emergency_restore(void)
{
	if (active != NULL && !isendwin())
		endwin();
}

/* A crash leaves the terminal usable, then dies as it would have. */
static void
fatal_signal(int sig)
{
	tui_term_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
tui_term_catch_fatal_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL,
	    SIGQUIT };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], fatal_signal);
	atexit(tui_term_emergency_restore);
}

void
tui_term_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clear();
}

void
tui_put(int y, int x, int w, const char *s)
{
	wchar_t ws[512];
	char esc[2048];
	size_t n = 0, len, k;
	int cols = 0, cw;
	mbstate_t st;
	wchar_t wc;

	if (w <= 0)
		return;
	/* Peer text is escaped first (controls, C1, bidi, bytes that are
	 * not UTF-8), as in every other place it is shown; 2048 bytes of
	 * it fill more than the 511 columns drawn. */
	len = sd_esc_text(s, strlen(s), esc, sizeof(esc), 0, NULL);
	s = esc;
	memset(&st, 0, sizeof(st));
	while (len > 0 && n + 1 < sizeof(ws) / sizeof(ws[0])) {
		k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			/* A byte this locale cannot read: shown as '?', never
			 * written as it is. */
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (cols + cw > w)
			break;
		ws[n++] = wc;
		cols += cw;
		s += k;
		len -= k;
	}
	/* Cut short: say so with an ellipsis in the last column, not a
	 * word that just stops (padding cut off is no loss). */
	if (len > 0 && s[strspn(s, " ")] != '\0') {
		while (n > 0 && cols + 1 > w)
			cols -= wcwidth(ws[--n]) > 0 ? wcwidth(ws[n]) : 1;
		if (cols + 1 <= w)
			ws[n++] = active != NULL && active->utf8 ? L'\u2026' :
			    L'~';
	}
	ws[n] = L'\0';
	mvaddwstr(y, x, ws);
}

int
tui_width(const char *s, size_t len)
{
	char esc[2048];
	const char *p = esc;
	mbstate_t st;
	wchar_t wc;
	size_t k;
	int cols = 0, cw;

	len = sd_esc_text(s, len, esc, sizeof(esc), 0, NULL);
	memset(&st, 0, sizeof(st));
	while (len > 0) {
		k = mbrtowc(&wc, p, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			k = 1;
			cw = 1;			/* '?' */
		} else
			cw = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		cols += cw;
		p += k;
		len -= k;
	}
	return cols;
}

void
tui_fit(const struct tui_term *t, const char *s, int w, char *out)
{
	size_t n = strlen(s), o = 0;
	int i, cut = n > (size_t)w;

	for (i = 0; i < w; i++) {
		if (cut && i == w - 1) {
			if (t->utf8) {
				memcpy(out + o, "\xe2\x80\xa6", 3);
				o += 3;
			} else
				out[o++] = '~';
		} else if ((size_t)i < n)
			out[o++] = s[i] > 32 && s[i] < 127 ? s[i] : '?';
		else
			out[o++] = ' ';
	}
	out[o] = '\0';
}

void
tui_fill(int y, int x, int w)
{
	if (w > 0)
		mvhline(y, x, ' ', w);
}

void
tui_attr_on(const struct tui_term *t, int color, attr_t mono)
{
	if (t->color)
		attron(COLOR_PAIR(color));
	else
		attron(mono);
}

void
tui_attr_off(const struct tui_term *t, int color, attr_t mono)
{
	if (t->color)
		attroff(COLOR_PAIR(color));
	else
		attroff(mono);
}

void
tui_box(const struct tui_term *t, int y, int x, int h, int w,
    const char *title, int focused)
{
	char s[160];

	if (h < 2 || w < 4)
		return;
	if (t->utf8) {
		/* Wide line drawing: right in any UTF-8 terminal, and what
		 * a screen capture reads back. */
		mvadd_wch(y, x, WACS_ULCORNER);
		mvhline_set(y, x + 1, WACS_HLINE, w - 2);
		mvadd_wch(y, x + w - 1, WACS_URCORNER);
		mvvline_set(y + 1, x, WACS_VLINE, h - 2);
		mvvline_set(y + 1, x + w - 1, WACS_VLINE, h - 2);
		mvadd_wch(y + h - 1, x, WACS_LLCORNER);
		mvhline_set(y + h - 1, x + 1, WACS_HLINE, w - 2);
		mvadd_wch(y + h - 1, x + w - 1, WACS_LRCORNER);
	} else {
		/* ACS: ncurses falls back to + - | where the terminal
		 * has no line drawing. */
		mvaddch(y, x, ACS_ULCORNER);
		mvhline(y, x + 1, ACS_HLINE, w - 2);
		mvaddch(y, x + w - 1, ACS_URCORNER);
		mvvline(y + 1, x, ACS_VLINE, h - 2);
		mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
		mvaddch(y + h - 1, x, ACS_LLCORNER);
		mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
		mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	}
	snprintf(s, sizeof(s), focused ? "[%s]" : " %s ", title);
	if (focused)
		tui_attr_on(t, TUI_C_FOCUS, A_REVERSE);
	else
		tui_attr_on(t, TUI_C_TITLE, A_BOLD);
	tui_put(y, x + 1, w - 2, s);
	if (focused)
		tui_attr_off(t, TUI_C_FOCUS, A_REVERSE);
	else
		tui_attr_off(t, TUI_C_TITLE, A_BOLD);
}

void
tui_bar(const struct tui_term *t, double f, char *buf, size_t w)
{
	size_t i, n, o = 0;

	if (!(f >= 0))
		f = 0;
	if (f > 1)
		f = 1;
	n = (size_t)(f * (double)w);
	for (i = 0; i < w; i++) {
		if (i < n && t->utf8) {
			memcpy(buf + o, "\xe2\x96\x88", 3);
			o += 3;
		} else
			buf[o++] = i < n ? '#' : (t->utf8 ? ' ' : '.');
	}
	buf[o] = '\0';
}

void
tui_keybar(const struct tui_term *t, int y, int w,
    const char *const (*keys)[2], size_t n)
{
	size_t i;
	int x = 0, need;

	tui_fill(y, 0, w);
	for (i = 0; i < n; i++) {
		need = (int)(strlen(keys[i][0]) + strlen(keys[i][1])) + 3;
		/* Narrow terminals keep Quit, last, whatever else goes. */
		if (i + 1 < n && x + need + 8 > w)
			continue;
		mvaddch(y, x++, ' ');
		tui_attr_on(t, TUI_C_KEY, A_REVERSE);
		tui_put(y, x, w - x, keys[i][0]);
		tui_attr_off(t, TUI_C_KEY, A_REVERSE);
		x += (int)strlen(keys[i][0]);
		tui_put(y, x, w - x, " ");
		tui_put(y, x + 1, w - x - 1, keys[i][1]);
		x += (int)strlen(keys[i][1]) + 2;
	}
}

int
tui_help(const struct tui_term *t, int h, int w, const char *const *lines,
    size_t n, int off)
{
	int bw = 72, bh = (int)n + 4, y, x, rows, more;
	char title[64];
	size_t i;

	/* Taller than the screen: a window of the lines, scrolled by off
	 * (kept in range here), and the title says where it is. */
	if (bh > h)
		bh = h;
	rows = bh - 4;
	more = (int)n - rows > 0 ? (int)n - rows : 0;
	off = off < 0 ? 0 : (off > more ? more : off);
	y = (h - bh) / 2;
	x = (w - bw) / 2;
	if (x < 0)
		x = 0;
	for (i = 0; i < (size_t)bh && y + (int)i < h; i++)
		tui_fill(y + (int)i, x, bw);
	if (more > 0)
		snprintf(title, sizeof(title), "Help %d-%zu of %zu %s", off + 1,
		    (size_t)(off + rows), n, t->utf8 ? "\xe2\x86\x91\xe2"
		    "\x86\x93 scroll" : "(Up/Down scroll)");
	else
		snprintf(title, sizeof(title), "Help");
	tui_box(t, y, x, bh, bw, title, 1);
	for (i = 0; i < (size_t)rows && (size_t)off + i < n; i++)
		tui_put(y + 2 + (int)i, x + 2, bw - 4, lines[(size_t)off + i]);
	return off;
}
