/*
 * tui_loop.h: the plumbing both screens (the sockdeckd dashboard and
 * the sockdeck client) run on, written once. A loop owns:
 *   - the terminal: taken at tui_loop_init(), given back at
 *     tui_loop_done() (struct tui_term, which the screen draws with);
 *   - terminal input: stdin as an event on the program's event_base,
 *     read until empty, as characters (get_wch) or bytes (getch);
 *   - SIGWINCH: the new size is taken and the screen redrawn;
 *   - the redraw timer: changes are marked, and drawn at most every
 *     TUI_LOOP_REDRAW_MS, only when something changed (or the screen
 *     says it went stale, e.g. a clock on it moved); a key's redraw is
 *     drawn at once, after the batch of keys read with it;
 *   - the smallest screen drawn: below TUI_LOOP_MIN_W x TUI_LOOP_MIN_H
 *     the loop says how big it must be and the screen draws nothing;
 *   - quit: a key asks for it, the loop calls the screen's quit; so
 *     does a terminal whose other end went away (ssh or tmux gone),
 *     with the reason TUI_GONE, once the loop stopped reading it: a
 *     hung-up terminal is always readable, and its input event, above
 *     everything else on the base, would starve the program.
 *
 * Key handlers never draw and never quit by themselves: they change the
 * screen's state and return reaction flags (htop's Htop_Reaction), and
 * the loop applies them in one place (tui_loop_react) in a fixed order:
 * clear, redraw, then quit. After the quit hook the loop touches neither
 * the screen nor itself, so the hook may free both.
 */
#ifndef TUI_LOOP_H
#define TUI_LOOP_H

#include <stdint.h>
#include <wchar.h>

#include "tui_term.h"

#define TUI_LOOP_MIN_W		80
#define TUI_LOOP_MIN_H		24
#define TUI_LOOP_REDRAW_MS	100

struct event;
struct event_base;

/* What a key handler asks the loop to do; flags, or-ed. */
enum tui_reaction {
	TUI_OK = 0,			/* nothing shows the key */
	TUI_REDRAW = 0x01,		/* draw, once the keys read are done */
	TUI_CLEAR = 0x02 | TUI_REDRAW,	/* repaint every cell (^L) */
	TUI_QUIT = 0x04			/* the operator asked to quit */
};

struct tui_loop_ops {
	const char	*name;	/* "sockdeckd": the too-small notice */
	int		 wide;	/* characters (get_wch), not bytes */
	/* A key: code 1 for a KEY_* code, 0 for a character (a byte when
	 * not wide). Returns enum tui_reaction flags. */
	int		(*key)(void *arg, int code, wint_t ch);
	/* Draw on an erased screen of h x w, at least the minimum; the
	 * loop refreshes the terminal after. */
	void		(*draw)(void *arg, int h, int w);
	/* Optional: 1 to draw although nothing was marked (something on
	 * the screen moves with time); drawn_ns is the last draw. */
	int		(*stale)(void *arg, int64_t drawn_ns);
	/* The operator asked to quit (why NULL), or the terminal is gone
	 * (why TUI_GONE). May free the screen (and the loop in it): the
	 * loop touches nothing after calling it. */
	void		(*quit)(void *arg, const char *why);
};

/* quit's reason when the terminal hung up. */
#define TUI_GONE	"terminal gone"


/* Embedded in a screen; the fields are the loop's, readable. */
struct tui_loop {
	struct tui_term			 term;
	const struct tui_loop_ops	*ops;
	void				*arg;
	struct event			*input;
	struct event			*winch;
	struct event			*redraw;
	int				 dirty;	/* draw at next tick */
	int				 fits;	/* the screen drew last,
						 * not the size notice */
	int64_t				 drawn_ns; /* the last draw */
};

/* Take over the terminal and start input, SIGWINCH and the redraw timer
 * on base; the first tick draws. ops and arg must outlive the loop. -1
 * when the terminal cannot be used or out of memory: nothing is
 * changed then. */
int tui_loop_init(struct tui_loop *l, struct event_base *base,
    const struct tui_loop_ops *ops, void *arg);

/* Stop the events and give the terminal back. Safe to call twice. */
void tui_loop_done(struct tui_loop *l);

/* Something the screen shows changed: draw at the next tick. */
void tui_loop_redraw(struct tui_loop *l);

/* Apply reaction flags r: clear, redraw, then quit. 1 when the quit
 * hook ran (the loop and the screen may be gone), else 0. */
int tui_loop_react(struct tui_loop *l, int r);

#endif
