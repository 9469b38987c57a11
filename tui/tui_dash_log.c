/*
 * tui_dash_log.c: the dashboard's Log pane: the model's ring, filtered,
 * paused or followed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

void
tui_dash_draw_log(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	const char *match[TUI_LOG_MAX];
	size_t n = 0, i, total, rows = h > 2 ? (size_t)h - 2 : 0, first;
	char title[160];
	const char *f = d->filter[P_LOG];

	total = m->log_count;
	if (d->paused) {
		/* Lines that came after the pause stay hidden, also once the
		 * ring has dropped older ones. */
		uint64_t newer = m->log_seq - d->paused_seq;

		total = newer >= total ? 0 : total - (size_t)newer;
	}
	for (i = 0; i < total; i++) {
		const char *l = tui_model_log_line(m, i);

		if (f[0] == '\0' || strstr(l, f) != NULL)
			match[n++] = l;
	}
	snprintf(title, sizeof(title), "Log \xe2\x94\x80 filter: %s "
	    "\xe2\x94\x80 %s", f[0] ? f : "(none)",
	    d->paused ? "paused" : (d->log_back ? "scrolled" : "following"));
	if (!d->loop.term.utf8)
		snprintf(title, sizeof(title), "Log - filter: %s - %s",
		    f[0] ? f : "(none)", d->paused ? "paused" :
		    (d->log_back ? "scrolled" : "following"));
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_LOG);
	tui_dash_pane_at(d, P_LOG, y, x, h, w);
	if (d->log_back > n)
		d->log_back = n;
	first = n > rows + d->log_back ? n - rows - d->log_back : 0;
	for (i = 0; i < rows && first + i < n; i++)
		tui_put(y + 1 + (int)i, x + 1, w - 2, match[first + i]);
}

int
tui_dash_log_key(struct tui_dash *d, int ch)
{
	switch (ch) {
	case KEY_END:
	case 'G':
		d->log_back = 0;	/* follow again */
		return TUI_REDRAW;
	default:
		return TUI_DASH_NOT_MINE;
	}
}
