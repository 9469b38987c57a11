/*
 * test_tui_loop.c: the loop both screens run on (tui/tui_loop), driven
 * through a pseudo-terminal: keys are typed into the pty's master, the
 * loop reads them on the slave (our stdin and stdout), and what it
 * writes is read back from the master.
 *
 * A made-up screen answers each key with a reaction: 'o' TUI_OK, 'r'
 * TUI_REDRAW, 'c' TUI_CLEAR, 'q' TUI_QUIT | TUI_REDRAW (its quit hook
 * frees the screen and the loop, as a program may).
 */
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "sd_test.h"
#include "tui_fmt.h"
#include "tui_loop.h"

#define OUT_MAX		65536	/* terminal output kept */
#define DEADLINE_NS	10000000000LL	/* a bound for a loaded machine */

struct screen {
	struct tui_loop	 loop;
	int		 keys;		/* keys seen */
	wint_t		 last;		/* the last one */
	int		 last_code;
	int		 draws;
	int		 draw_h, draw_w;
	int		 quits;
	int		 stale;		/* what the stale hook says */
};

/* The pty and what came out of it. */
static int master = -1;
static int saved_in = -1, saved_out = -1;
static char out[OUT_MAX];
static size_t outlen;
static struct event_base *base;
static struct event *drain;
static int quits_seen;		/* quit hooks run (they free) */
static const char *quit_why;	/* the last one's reason */

/* The made-up screen's key hook. */
static int
scr_key(void *arg, int code, wint_t ch)
{
	struct screen *s = arg;

	s->keys++;
	s->last = ch;
	s->last_code = code;
	if (code)
		return TUI_OK;
	switch (ch) {
	case 'r':
		return TUI_REDRAW;
	case 'c':
		return TUI_CLEAR;
	case 'q':
		return TUI_QUIT | TUI_REDRAW;
	default:
		return TUI_OK;
	}
}

/* Its draw hook: count, remember the size. */
static void
scr_draw(void *arg, int h, int w)
{
	struct screen *s = arg;

	s->draws++;
	s->draw_h = h;
	s->draw_w = w;
	mvaddstr(1, 1, "screen drawn");
}

/* Its stale hook. */
static int
scr_stale(void *arg, int64_t drawn_ns)
{
	struct screen *s = arg;

	(void)drawn_ns;
	return s->stale;
}

/* Its quit hook: free everything, as a program may. */
static void
scr_quit(void *arg, const char *why)
{
	struct screen *s = arg;

	quits_seen++;
	quit_why = why;
	tui_loop_done(&s->loop);
	free(s);
	event_base_loopbreak(base);
}

static const struct tui_loop_ops scr_ops_bytes = {
	"sdtest", 0, scr_key, scr_draw, scr_stale, scr_quit
};
static const struct tui_loop_ops scr_ops_wide = {
	"sdtest", 1, scr_key, scr_draw, scr_stale, scr_quit
};

/* Keep what the terminal was sent; a full pty would block the loop. */
static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096];
	ssize_t n;

	(void)what;
	(void)arg;
	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return;
	if ((size_t)n > sizeof(out) - 1 - outlen)
		n = (ssize_t)(sizeof(out) - 1 - outlen);
	memcpy(out + outlen, buf, (size_t)n);
	outlen += (size_t)n;
	out[outlen] = '\0';
}

/* Size the pty. */
static void
pty_size(int rows, int cols)
{
	struct winsize ws = { 0 };

	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	ioctl(master, TIOCSWINSZ, &ws);
}

/* A pty of rows x cols as stdin and stdout; 0, or -1. */
static int
pty_open(int rows, int cols)
{
	int slave;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
		return -1;
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0)
		return -1;
	pty_size(rows, cols);
	fflush(stdout);
	saved_in = dup(STDIN_FILENO);
	saved_out = dup(STDOUT_FILENO);
	dup2(slave, STDIN_FILENO);
	dup2(slave, STDOUT_FILENO);
	close(slave);
	setenv("TERM", "xterm", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	unsetenv("NO_COLOR");
	unsetenv("LINES");		/* the size is the pty's */
	unsetenv("COLUMNS");
	base = event_base_new();
	drain = event_new(base, master, EV_READ | EV_PERSIST, drain_cb, NULL);
	if (base == NULL || drain == NULL)
		return -1;
	event_add(drain, NULL);
	return 0;
}

/* Give stdin and stdout back. */
static void
pty_close(void)
{
	if (drain != NULL)
		event_free(drain);
	drain = NULL;
	if (base != NULL)
		event_base_free(base);
	fflush(stdout);
	dup2(saved_in, STDIN_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	close(saved_in);
	close(saved_out);
	if (master >= 0)
		close(master);
	master = -1;
}

/* Type keys into the terminal. */
static void
type(const char *keys)
{
	CHECK((size_t)write(master, keys, strlen(keys)) == strlen(keys));
}

/* Run the loop until *v reaches want, or the deadline; *v. */
static int
run_until(const int *v, int want)
{
	int64_t end = tui_now_ns() + DEADLINE_NS;

	while (*v < want && tui_now_ns() < end)
		event_base_loop(base, EVLOOP_ONCE);
	return *v;
}

/* Run the loop until the terminal was sent s, or the deadline. */
static int
run_until_out(const char *s, size_t from)
{
	int64_t end = tui_now_ns() + DEADLINE_NS;

	while (strstr(out + from, s) == NULL && tui_now_ns() < end)
		event_base_loop(base, EVLOOP_ONCE);
	return strstr(out + from, s) != NULL;
}

/* A screen on the loop; NULL when the terminal cannot be used. */
static struct screen *
screen_new(const struct tui_loop_ops *ops)
{
	struct screen *s = calloc(1, sizeof(*s));

	if (s == NULL || tui_loop_init(&s->loop, base, ops, s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Its end, when no quit freed it. */
static void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	tui_loop_done(&s->loop);
	free(s);
}

/* A pty of rows x cols with a screen on it; NULL (a failed check) when
 * either cannot be had. */
static struct screen *
start(int rows, int cols, const struct tui_loop_ops *ops)
{
	struct screen *s = NULL;

	CHECK(pty_open(rows, cols) == 0);
	if (base != NULL)
		s = screen_new(ops);
	CHECK(s != NULL);
	return s;
}

/* The first tick draws; keys answered TUI_OK draw nothing; a burst of
 * keys answered TUI_REDRAW draws once, with the keys (not at the next
 * tick: a key is answered at once). */
static void
test_reactions(void)
{
	struct screen *s;

	s = start(24, 80, &scr_ops_bytes);
	if (s == NULL)
		goto out;
	CHECK_EQ(run_until(&s->draws, 1), 1);
	CHECK_EQ(s->draw_h, 24);
	CHECK_EQ(s->draw_w, 80);
	CHECK(s->loop.fits);
	type("ooo");
	CHECK_EQ(run_until(&s->keys, 3), 3);
	CHECK(!s->loop.dirty);		/* nothing to draw */
	type("rrrr");
	CHECK_EQ(run_until(&s->keys, 7), 7);
	CHECK(!s->loop.dirty && s->draws == 2);	/* drawn with them */
	CHECK_EQ(run_until(&s->draws, 2), 2);
	CHECK(!s->loop.dirty);
	/* A change from outside a key (a feed) marks the same way. */
	tui_loop_redraw(&s->loop);
	CHECK_EQ(run_until(&s->draws, 3), 3);
	CHECK_EQ(s->quits, 0);
out:
	screen_free(s);
	pty_close();
}

/* A quit applies the redraw, calls the hook once, and then touches
 * nothing: the hook freed the screen and the loop (ASan would say), and
 * the keys typed after the quit are not handed to a freed screen. */
static void
test_quit_frees(void)
{
	struct screen *s;

	quits_seen = 0;
	s = start(24, 80, &scr_ops_bytes);
	if (s == NULL)
		goto out;
	CHECK_EQ(run_until(&s->draws, 1), 1);
	type("oqrrr");
	CHECK_EQ(run_until(&quits_seen, 1), 1);
	/* The loop's events went with it: more keys reach nobody. */
	type("q");
	event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK_EQ(quits_seen, 1);
	CHECK(quit_why == NULL);	/* the operator's */
out:
	pty_close();
}

/* The terminal's other end closes (ssh or tmux went away): the loop
 * stops reading it and quits with TUI_GONE, once. A hung-up terminal
 * is readable for ever: read on, the input event would run on every
 * turn and the loop never sleep. */
static void
test_hangup(void)
{
	struct screen *s;

	quits_seen = 0;
	quit_why = NULL;
	s = start(24, 80, &scr_ops_wide);
	if (s == NULL)
		goto out;
	CHECK_EQ(run_until(&s->draws, 1), 1);
	event_free(drain);
	drain = NULL;
	close(master);
	master = -1;
	CHECK_EQ(run_until(&quits_seen, 1), 1);
	CHECK(quit_why != NULL && strcmp(quit_why, TUI_GONE) == 0);
	/* Nothing is left on the base: it has nothing to run. */
	CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	CHECK_EQ(quits_seen, 1);
out:
	pty_close();
}

/* TUI_CLEAR repaints every cell (the terminal is sent a clear screen);
 * TUI_REDRAW does not. */
static void
test_clear(void)
{
	struct screen *s;
	size_t mark;

	s = start(24, 80, &scr_ops_bytes);
	if (s == NULL)
		goto out;
	CHECK_EQ(run_until(&s->draws, 1), 1);
	CHECK(run_until_out("screen drawn", 0));
	mark = outlen;
	type("r");
	CHECK_EQ(run_until(&s->draws, 2), 2);
	/* Nothing on the screen changed: no clear, no repaint. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK(strstr(out + mark, "\033[2J") == NULL);
	CHECK(strstr(out + mark, "screen drawn") == NULL);
	mark = outlen;
	type("c");
	CHECK_EQ(run_until(&s->draws, 3), 3);
	CHECK(run_until_out("screen drawn", mark));
	CHECK(strstr(out + mark, "\033[2J") != NULL);
out:
	screen_free(s);
	pty_close();
}

/* Below 80x24 the loop says so and the screen draws nothing; SIGWINCH
 * to a size that fits draws the screen. */
static void
test_too_small(void)
{
	struct screen *s;

	s = start(20, 60, &scr_ops_bytes);
	if (s == NULL)
		goto out;
	CHECK(run_until_out("sdtest needs at least 80x24 (now 60x20)", 0));
	CHECK_EQ(s->draws, 0);
	CHECK(!s->loop.fits);
	pty_size(30, 100);
	raise(SIGWINCH);
	CHECK_EQ(run_until(&s->draws, 1), 1);
	CHECK_EQ(s->draw_h, 30);
	CHECK_EQ(s->draw_w, 100);
	CHECK(s->loop.fits);
out:
	screen_free(s);
	pty_close();
}

/* Keys as characters (the client's line editor) or as bytes (the
 * dashboard's prompts build UTF-8 themselves); KEY_* codes either way. */
static void
test_keys_wide_and_bytes(void)
{
	struct screen *s;

	s = start(24, 80, &scr_ops_wide);
	if (s == NULL)
		goto out;
	type("\xc3\xa9");		/* U+00E9 */
	CHECK_EQ(run_until(&s->keys, 1), 1);
	CHECK_EQ(s->last, 0xe9);
	CHECK_EQ(s->last_code, 0);
	type("\033OB");			/* xterm's Down (keypad mode) */
	CHECK_EQ(run_until(&s->keys, 2), 2);
	CHECK_EQ(s->last, KEY_DOWN);
	CHECK_EQ(s->last_code, 1);
	screen_free(s);
	s = screen_new(&scr_ops_bytes);
	CHECK(s != NULL);
	if (s == NULL)
		goto out;
	type("\xc3\xa9");
	CHECK_EQ(run_until(&s->keys, 2), 2);
	CHECK_EQ(s->last, 0xa9);
	CHECK_EQ(s->last_code, 0);
	type("\033OB");
	CHECK_EQ(run_until(&s->keys, 3), 3);
	CHECK_EQ(s->last, KEY_DOWN);
	CHECK_EQ(s->last_code, 1);
out:
	screen_free(s);
	pty_close();
}

/* A screen that says it went stale is drawn with nothing marked. */
static void
test_stale(void)
{
	struct screen *s;

	s = start(24, 80, &scr_ops_bytes);
	if (s == NULL)
		goto out;
	CHECK_EQ(run_until(&s->draws, 1), 1);
	s->stale = 1;
	CHECK_EQ(run_until(&s->draws, 3), 3);
	CHECK_EQ(s->keys, 0);
out:
	screen_free(s);
	pty_close();
}

static const struct sd_test_case cases[] = {
	{ "reactions", test_reactions },
	{ "quit_frees", test_quit_frees },
	{ "hangup", test_hangup },
	{ "clear", test_clear },
	{ "too_small", test_too_small },
	{ "keys_wide_and_bytes", test_keys_wide_and_bytes },
	{ "stale", test_stale },
};

int
main(int argc, char **argv)
{
	return sd_test_main(argc, argv, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
