/*
 * tui_loop.c: the loop both screens run on (see tui_loop.h).
 */
#include <event2/event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tui_fmt.h"
#include "tui_loop.h"

/* Draw now: the screen, or how big the terminal must be. */
static void
loop_draw(struct tui_loop *l)
{
	char msg[96];
	int h, w;

	getmaxyx(stdscr, h, w);
	erase();
	l->drawn_ns = tui_now_ns();
	l->fits = w >= TUI_LOOP_MIN_W && h >= TUI_LOOP_MIN_H;
	if (l->fits)
		l->ops->draw(l->arg, h, w);
	else {
		snprintf(msg, sizeof(msg), "%s needs at least %dx%d (now "
		    "%dx%d)", l->ops->name, TUI_LOOP_MIN_W, TUI_LOOP_MIN_H,
		    w, h);
		curs_set(0);
		tui_put(0, 0, w, msg);
	}
	refresh();
}

/* The redraw tick: draw when something changed or went stale. */
static void
loop_redraw_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_loop *l = arg;

	(void)fd;
	(void)what;
	if (!l->dirty && (l->ops->stale == NULL ||
	    !l->ops->stale(l->arg, l->drawn_ns)))
		return;
	l->dirty = 0;
	loop_draw(l);
}

/* Read one key; ERR when there is none. */
static int
loop_getkey(const struct tui_loop *l, int *code, wint_t *ch)
{
	int rc;

	if (l->ops->wide) {
		rc = get_wch(ch);
		*code = rc == KEY_CODE_YES;
		return rc == ERR ? ERR : OK;
	}
	rc = getch();
	*code = rc >= KEY_MIN;
	*ch = (wint_t)rc;
	return rc == ERR ? ERR : OK;
}

/* Whether the terminal hung up: its other end closed. Then a read
 * says end of file (or EIO) at once, for ever. */
static int
loop_hung_up(void)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

	return poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* Terminal input: every key waiting, each handler's reaction applied. */
static void
loop_input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_loop *l = arg;
	int code, keys = 0;
	wint_t ch;

	(void)fd;
	(void)what;
	while (loop_getkey(l, &code, &ch) != ERR) {
		keys++;
		if (code && ch == KEY_RESIZE)
			continue;	/* SIGWINCH has it */
		if (tui_loop_react(l, l->ops->key(l->arg, code, ch)))
			return;		/* quit: l may be gone */
	}
	/* Readable and no key: a hung-up terminal stays readable, and this
	 * event (priority 0) would run on every turn, above everything. */
	if (keys == 0 && loop_hung_up()) {
		event_del(l->input);
		l->ops->quit(l->arg, TUI_GONE);
		return;			/* l may be gone */
	}
	/* A key is answered now, once per batch of keys read, not at the
	 * next redraw tick (up to TUI_LOOP_REDRAW_MS later): the tick
	 * coalesces what the server reports, keys are a person's. */
	if (l->dirty) {
		l->dirty = 0;
		loop_draw(l);
	}
}

/* SIGWINCH: take the new size, draw it all. */
static void
loop_winch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_loop *l = arg;

	(void)fd;
	(void)what;
	tui_term_resize();
	l->dirty = 1;
}

int
tui_loop_init(struct tui_loop *l, struct event_base *base,
    const struct tui_loop_ops *ops, void *arg)
{
	struct timeval tick = { 0, TUI_LOOP_REDRAW_MS * 1000 };

	memset(l, 0, sizeof(*l));
	if (tui_term_open(&l->term) != 0)
		return -1;
	l->ops = ops;
	l->arg = arg;
	l->input = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    loop_input_cb, l);
	l->winch = evsignal_new(base, SIGWINCH, loop_winch_cb, l);
	l->redraw = event_new(base, -1, EV_PERSIST, loop_redraw_cb, l);
	if (l->input == NULL || l->winch == NULL || l->redraw == NULL) {
		tui_loop_done(l);
		return -1;
	}
	/* A screen answers first: 0 is the top priority of any base (the
	 * servers' map is src/common/sd_prio.h). */
	event_priority_set(l->input, 0);
	event_priority_set(l->winch, 0);
	event_priority_set(l->redraw, 0);
	event_add(l->input, NULL);
	event_add(l->winch, NULL);
	event_add(l->redraw, &tick);
	l->dirty = 1;
	return 0;
}

void
tui_loop_done(struct tui_loop *l)
{
	if (l->input != NULL)
		event_free(l->input);
	if (l->winch != NULL)
		event_free(l->winch);
	if (l->redraw != NULL)
		event_free(l->redraw);
	l->input = l->winch = l->redraw = NULL;
	tui_term_close(&l->term);
}

void
tui_loop_redraw(struct tui_loop *l)
{
	l->dirty = 1;
}

int
tui_loop_react(struct tui_loop *l, int r)
{
	if ((r & TUI_CLEAR) == TUI_CLEAR)
		clear();
	if (r & TUI_REDRAW)
		l->dirty = 1;
	if (!(r & TUI_QUIT))
		return 0;
	l->ops->quit(l->arg, NULL);
	return 1;
}
