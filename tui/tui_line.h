/*
 * tui_line.h: a one-line text editor for the front ends' input fields:
 * characters (not bytes) so UTF-8 text edits as people expect, the
 * readline keys (arrows, Home/End, ^A ^E ^U ^K ^W, Backspace, Delete),
 * horizontal scrolling, and a history of submitted lines.
 */
#ifndef TUI_LINE_H
#define TUI_LINE_H

#include <stddef.h>
#include <wchar.h>

#define TUI_LINE_MAX	1024	/* characters in a line */
#define TUI_HIST_MAX	100	/* lines remembered */

struct tui_line {
	wchar_t	 buf[TUI_LINE_MAX + 1];
	size_t	 len;		/* characters */
	size_t	 cur;		/* cursor, 0..len */
	size_t	 first;		/* first character shown */
};

struct tui_hist {
	char	*item[TUI_HIST_MAX];	/* oldest first */
	size_t	 n;
	size_t	 pos;			/* n: the line being typed */
	char	*draft;			/* that line, while browsing */
};

void tui_line_clear(struct tui_line *l);

/* Replace the text with s (UTF-8); the cursor goes to the end. */
void tui_line_set(struct tui_line *l, const char *s);

/* The text as UTF-8 into out (cap bytes, always terminated); characters
 * the locale cannot encode become '?'. Returns the byte count. */
size_t tui_line_get(const struct tui_line *l, char *out, size_t cap);

/* An editing key (code: 1 for a curses KEY_* code, 0 for a character);
 * 1 when the line took it, 0 when it is not an editing key. */
int tui_line_key(struct tui_line *l, int code, wint_t ch);

/* Draw the line in w columns at (y, x), scrolled so the cursor shows;
 * with cursor set, the terminal's cursor is left there. */
void tui_line_draw(struct tui_line *l, int y, int x, int w, int cursor);

/* Remember a submitted line (not empty, not the same as the last). */
void tui_hist_add(struct tui_hist *h, const char *s);

/* Up (-1) or Down (+1) through the history into l. */
void tui_hist_move(struct tui_hist *h, struct tui_line *l, int dir);

void tui_hist_free(struct tui_hist *h);

#endif
