/*
 * tui_line.c: the one-line editor and its history (see tui_line.h).
 */
#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tui_line.h"

void
tui_line_clear(struct tui_line *l)
{
	l->len = l->cur = l->first = 0;
	l->buf[0] = L'\0';
}

void
tui_line_set(struct tui_line *l, const char *s)
{
	mbstate_t st;
	size_t k, n = strlen(s);
	wchar_t wc;

	tui_line_clear(l);
	memset(&st, 0, sizeof(st));
	while (n > 0 && l->len < TUI_LINE_MAX) {
		k = mbrtowc(&wc, s, n, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		l->buf[l->len++] = wc;
		s += k;
		n -= k;
	}
	l->buf[l->len] = L'\0';
	l->cur = l->len;
}

size_t
tui_line_get(const struct tui_line *l, char *out, size_t cap)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t i, k, o = 0;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < l->len; i++) {
		k = wcrtomb(mb, l->buf[i], &st);
		if (k == (size_t)-1) {
			memset(&st, 0, sizeof(st));
			mb[0] = '?';
			k = 1;
		}
		if (o + k + 1 > cap)
			break;
		memcpy(out + o, mb, k);
		o += k;
	}
	if (cap > 0)
		out[o] = '\0';
	return o;
}

static void
line_delete(struct tui_line *l, size_t from, size_t to)
{
	wmemmove(l->buf + from, l->buf + to, l->len - to + 1);
	l->len -= to - from;
	l->cur = from;
}

static void
line_insert(struct tui_line *l, wchar_t wc)
{
	if (l->len >= TUI_LINE_MAX)
		return;
	wmemmove(l->buf + l->cur + 1, l->buf + l->cur, l->len - l->cur + 1);
	l->buf[l->cur++] = wc;
	l->len++;
}

/* ^W: back over blanks, then over the word before them. */
static void
line_word_back(struct tui_line *l)
{
	size_t i = l->cur;

	while (i > 0 && l->buf[i - 1] == L' ')
		i--;
	while (i > 0 && l->buf[i - 1] != L' ')
		i--;
	line_delete(l, i, l->cur);
}

static int
line_code(struct tui_line *l, wint_t ch)
{
	switch (ch) {
	case KEY_LEFT:
		if (l->cur > 0)
			l->cur--;
		return 1;
	case KEY_RIGHT:
		if (l->cur < l->len)
			l->cur++;
		return 1;
	case KEY_HOME:
		l->cur = 0;
		return 1;
	case KEY_END:
		l->cur = l->len;
		return 1;
	case KEY_BACKSPACE:
		if (l->cur > 0)
			line_delete(l, l->cur - 1, l->cur);
		return 1;
	case KEY_DC:
		if (l->cur < l->len)
			line_delete(l, l->cur, l->cur + 1);
		return 1;
	default:
		return 0;
	}
}

int
tui_line_key(struct tui_line *l, int code, wint_t ch)
{
	if (code)
		return line_code(l, ch);
	switch (ch) {
	case 1:				/* ^A */
		return line_code(l, KEY_HOME);
	case 5:				/* ^E */
		return line_code(l, KEY_END);
	case 2:				/* ^B */
		return line_code(l, KEY_LEFT);
	case 8:				/* ^H */
	case 127:
		return line_code(l, KEY_BACKSPACE);
	case 11:			/* ^K */
		line_delete(l, l->cur, l->len);
		l->cur = l->len;
		return 1;
	case 21:			/* ^U */
		line_delete(l, 0, l->cur);
		return 1;
	case 23:			/* ^W */
		line_word_back(l);
		return 1;
	default:
		break;
	}
	/* Printable characters only: control characters are keys. */
	if (ch < 32 || (ch >= 0x7f && ch < 0xa0) || wcwidth((wchar_t)ch) < 0)
		return 0;
	line_insert(l, (wchar_t)ch);
	return 1;
}

static int
cols(wchar_t wc)
{
	int w = wcwidth(wc);

	return w < 0 ? 1 : w;
}

void
tui_line_draw(struct tui_line *l, int y, int x, int w, int cursor)
{
	int used = 0, at = x;
	size_t i;

	if (w <= 1)
		return;
	/* Scroll so the cursor, and one column after it, are in view. */
	if (l->cur < l->first)
		l->first = l->cur;
	for (;;) {
		used = 0;
		for (i = l->first; i < l->cur; i++)
			used += cols(l->buf[i]);
		if (used < w || l->first >= l->cur)
			break;
		l->first++;
	}
	mvhline(y, x, ' ', w);
	used = 0;
	for (i = l->first; i < l->len; i++) {
		int cw = cols(l->buf[i]);
		wchar_t one[2] = { l->buf[i], L'\0' };

		if (used + cw > w)
			break;
		if (i == l->cur)
			at = x + used;
		mvaddwstr(y, x + used, wcwidth(one[0]) < 0 ? L"?" : one);
		used += cw;
	}
	if (l->cur >= i)
		at = x + used;
	if (cursor)
		move(y, at < x + w ? at : x + w - 1);
}

void
tui_hist_add(struct tui_hist *h, const char *s)
{
	char *copy;

	free(h->draft);
	h->draft = NULL;
	h->pos = h->n;
	if (s[0] == '\0' || (h->n > 0 && strcmp(h->item[h->n - 1], s) == 0))
		return;
	copy = strdup(s);
	if (copy == NULL)
		return;
	if (h->n == TUI_HIST_MAX) {
		free(h->item[0]);
		memmove(h->item, h->item + 1, (h->n - 1) * sizeof(h->item[0]));
		h->n--;
	}
	h->item[h->n++] = copy;
	h->pos = h->n;
}

void
tui_hist_move(struct tui_hist *h, struct tui_line *l, int dir)
{
	char now[TUI_LINE_MAX * 4];

	if ((dir < 0 && h->pos == 0) || (dir > 0 && h->pos >= h->n))
		return;
	if (h->pos == h->n) {
		/* Leaving the line being typed: keep it for the way back. */
		tui_line_get(l, now, sizeof(now));
		free(h->draft);
		h->draft = strdup(now);
	}
	h->pos = dir < 0 ? h->pos - 1 : h->pos + 1;
	if (h->pos == h->n)
		tui_line_set(l, h->draft != NULL ? h->draft : "");
	else
		tui_line_set(l, h->item[h->pos]);
}

void
tui_hist_free(struct tui_hist *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->item[i]);
	free(h->draft);
	memset(h, 0, sizeof(*h));
}
