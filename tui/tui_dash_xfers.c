/*
 * tui_dash_xfers.c: the dashboard's Transfers pane: files in flight,
 * then the newest finished ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

void
tui_dash_draw_xfers(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	struct tui_xfer *t;
	char line[512], b[256], done[16], size[16], rate[16], eta[24];
	double f, secs, r;
	int room;
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0, k = 0;
	int64_t now = tui_now_ns();

	tui_box(&d->loop.term, y, x, h, w, "Transfers", d->pane == P_XFERS);
	tui_dash_pane_at(d, P_XFERS, y, x, h, w);
	/* Files in flight first, two lines each (as the sketch has it):
	 * name, client, bar and percent; then bytes, rate and time left.
	 * The newest finished ones after. */
	for (i = m->nxfers; i-- > 0 && k + 1 < rows;) {
		t = &m->xfers[i];
		if (t->state != TUI_XFER_ACTIVE)
			continue;
		f = t->size ? (double)t->bytes / (double)t->size : 0;
		secs = (double)(now - t->start_ns) / 1e9;
		r = secs > 0 ? (double)t->bytes / secs : 0;
		room = w - 40 > 40 ? 40 : (w - 40 < 6 ? 6 : w - 40);
		tui_bar(&d->loop.term, f, b, (size_t)room);
		tui_fmt_bytes((double)t->bytes, done, sizeof(done));
		tui_fmt_bytes((double)t->size, size, sizeof(size));
		tui_fmt_bytes(r, rate, sizeof(rate));
		snprintf(eta, sizeof(eta), "ETA ?");
		if (r > 0) {
			snprintf(eta, sizeof(eta), "ETA ");
			tui_fmt_dur((int64_t)((double)(t->size - t->bytes) / r),
			    eta + 4, sizeof(eta) - 4);
		}
		snprintf(line, sizeof(line), "%-24.24s #%-4u %s %3.0f%%",
		    t->name, t->id, b, f * 100);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		snprintf(line, sizeof(line), "  %s/%s  %s/s  %s", done, size,
		    rate, eta);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
	}
	for (i = m->nxfers; i-- > 0 && k < rows;) {
		t = &m->xfers[i];
		if (t->state == TUI_XFER_ACTIVE)
			continue;
		tui_fmt_bytes((double)t->size, size, sizeof(size));
		snprintf(line, sizeof(line), "%s %-24.24s #%-4u %s %s",
		    t->state == TUI_XFER_DONE ? (d->loop.term.utf8 ?
		    "\xe2\x9c\x93" : "done") : (d->loop.term.utf8 ?
		    "\xe2\x9c\x97" : "FAIL"), t->name, t->id, size,
		    t->state == TUI_XFER_DONE ? "stored" : t->reason);
		if (t->state == TUI_XFER_FAILED)
			tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(y + 1 + (int)k++, x + 1, w - 2, line);
		if (t->state == TUI_XFER_FAILED)
			tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
	}
}

int
tui_dash_xfers_key(struct tui_dash *d, int ch)
{
	(void)d;
	(void)ch;
	return TUI_DASH_NOT_MINE;
}
