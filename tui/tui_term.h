/*
 * tui_term.h: what the two front ends (the sockdeckd dashboard and the
 * sockdeck client) share about the terminal: taking it over and giving
 * it back on every path, colours as semantic ids with a monochrome
 * fallback (no colours, or NO_COLOR), UTF-8 or ASCII line drawing, and
 * the small drawing helpers both screens are made of.
 *
 * One terminal per process: tui_term_open() remembers it for
 * tui_term_emergency_restore(), which a signal handler may call.
 */
#ifndef TUI_TERM_H
#define TUI_TERM_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "tui_fmt.h"

/* Semantic colour ids; each has a monochrome attribute beside it. */
enum tui_color {
	TUI_C_HEADER = 1,	/* the top line */
	TUI_C_TITLE,		/* box titles, column heads */
	TUI_C_FOCUS,		/* the focused box's title */
	TUI_C_KEY,		/* key names in the footer, prompts */
	TUI_C_OK,		/* good news: connected, verified */
	TUI_C_BAD,		/* failures */
	TUI_C_WARN		/* in between: connecting, closing */
};

struct tui_term {
	SCREEN	*screen;
	int	 utf8;		/* draw UTF-8 lines, blocks and marks */
	int	 color;		/* colours, not the monochrome scheme */
	int	 can_color;	/* the terminal has them, NO_COLOR unset */
};

/* Colours by theme: "default", "light" (for light backgrounds) or
 * "mono" (attributes only, as under NO_COLOR, which no theme
 * overrides). 0, or -1 for a name not known (nothing changes). */
int tui_term_theme(struct tui_term *t, const char *name);

/* Take over the terminal on stdin/stdout: cbreak, no echo, keypad,
 * non-blocking input, no XON/XOFF (so ^S and ^Q are keys), hidden
 * cursor, mouse clicks and wheel. -1 when the terminal is unknown;
 * nothing is changed then. */
int tui_term_open(struct tui_term *t);

/* Give the terminal back as it was. Safe to call twice. */
void tui_term_close(struct tui_term *t);

/* Restore the terminal from a fatal signal handler or atexit. */
void tui_term_emergency_restore(void);

/* On a crash (SIGSEGV, SIGABRT, ...) and at exit, give the terminal
 * back first; the crash then goes on as it would have. */
void tui_term_catch_fatal_signals(void);

/* SIGWINCH: take the new size and clear for a full redraw. */
void tui_term_resize(void);

/* Write s at (y, x) in at most w columns, counted in characters; bytes
 * the locale cannot read and control characters show as '?'. */
void tui_put(int y, int x, int w, const char *s);

/* The columns tui_put() gives the first len bytes of s (escaped as it
 * escapes them): where a part of a line it drew begins and ends. */
int tui_width(const char *s, size_t len);

/* s in exactly w columns: padded, or cut with an ellipsis; bytes that
 * are not printable ASCII read '?' (columns stay aligned; tui_put
 * escapes what is left). out holds 3 * w + 1 bytes. */
void tui_fit(const struct tui_term *t, const char *s, int w, char *out);

/* Blank w columns at (y, x). */
void tui_fill(int y, int x, int w);

/* Semantic colour on and off (mono: the attribute without colours). */
void tui_attr_on(const struct tui_term *t, int color, attr_t mono);
void tui_attr_off(const struct tui_term *t, int color, attr_t mono);

/* A box with a title; the focused one is drawn [title], highlighted. */
void tui_box(const struct tui_term *t, int y, int x, int h, int w,
    const char *title, int focused);

/* A progress bar of w cells for fraction f into buf (3 * w + 1 bytes
 * at least). */
void tui_bar(const struct tui_term *t, double f, char *buf, size_t w);

/* The htop-style footer: keys[i][0] highlighted, keys[i][1] after it.
 * On a narrow line the last key (Quit) stays, others go. */
void tui_keybar(const struct tui_term *t, int y, int w,
    const char *const (*keys)[2], size_t n);

/* A centred box titled Help with lines in it, from line off when they
 * do not all fit (the title then says which it shows); returns off as
 * drawn, kept in range. */
int tui_help(const struct tui_term *t, int h, int w,
    const char *const *lines, size_t n, int off);

#endif
