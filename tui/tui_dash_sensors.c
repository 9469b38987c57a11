/*
 * tui_dash_sensors.c: the dashboard's Sensors pane: the latest value,
 * a sparkline and a rate for each sensor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

/* A sparkline of the last n values into buf. */
static void
spark(struct tui_dash *d, const double *v, int n, int width, char *buf)
{
	static const char *const blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = "_.-:=+*#";
	double lo = INFINITY, hi = -INFINITY;
	int i, k, start = n > width ? n - width : 0;
	size_t o = 0;

	for (i = start; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	for (i = start; i < n; i++) {
		/* A spread past double's range (a device sending -1e308 then
		 * 1e308) gives inf/NaN: draw those flat, never index by it. */
		double t = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5;

		if (!isfinite(t) || t < 0 || t > 1)
			t = 0.5;
		k = (int)(t * 7.0 + 0.5);
		if (d->loop.term.utf8) {
			memcpy(buf + o, blocks[k], 3);
			o += 3;
		} else
			buf[o++] = ascii[k];
	}
	buf[o] = '\0';
}

void
tui_dash_draw_sensors(struct tui_dash *d, int y, int x, int h, int w)
{
	struct tui_model *m = d->m;
	struct tui_sensor *s;
	char title[64], line[512], sp[256];
	size_t i, rows = h > 2 ? (size_t)h - 2 : 0;

	snprintf(title, sizeof(title), "Sensors (%zu device%s)", m->nsensors,
	    m->nsensors == 1 ? "" : "s");
	if (d->scroll[P_SENSORS] + rows > m->nsensors)
		d->scroll[P_SENSORS] = m->nsensors > rows ?
		    m->nsensors - rows : 0;
	tui_box(&d->loop.term, y, x, h, w, title, d->pane == P_SENSORS);
	tui_dash_pane_at(d, P_SENSORS, y, x, h, w);
	for (i = 0; i < rows && d->scroll[P_SENSORS] + i < m->nsensors; i++) {
		s = &m->sensors[d->scroll[P_SENSORS] + i];
		spark(d, s->hist, s->nhist, 20, sp);
		snprintf(line, sizeof(line), "%-17s %10.4g  %s  %.0f/s",
		    s->device, s->value, sp, s->rate);
		tui_put(y + 1 + (int)i, x + 1, w - 2, line);
	}
}

int
tui_dash_sensors_key(struct tui_dash *d, int ch)
{
	(void)d;
	(void)ch;
	return TUI_DASH_NOT_MINE;
}
