/*
 * tui_dash_detail.c: one client in full, below the header (Enter on a
 * client row): every field the server keeps of it, the last readings of
 * its device and its own lines of the log. Esc or q goes back to the
 * table. A client that goes while it is shown stays on screen, its last
 * known fields under a line that says when it went and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_dash_int.h"

#define DETAIL_FIELDS	24

void
tui_dash_detail_open(struct tui_dash *d, uint32_t id)
{
	d->detail = id;
	d->detail_back = 0;
	tui_model_detail(d->m, id);
	tui_dash_detail_fetch(d);
}

/* Ask for the client's fields (on opening, then at every refresh) while
 * it is there to ask about. */
void
tui_dash_detail_fetch(struct tui_dash *d)
{
	if (d->detail == 0 || d->m->detail_gone[0] != '\0' ||
	    d->gone[0] != '\0')
		return;
	tui_dash_request(d, json_pack("{s:s,s:I}", "cmd", "client", "id",
	    (json_int_t)d->detail));
}

/* The last reading of each of the device's channels, as many as fit
 * in cols columns (and len bytes), then how many more: never a value
 * cut in the middle. */
static void
readings(struct tui_dash *d, const struct tui_client *c, char *buf,
    size_t len, int cols)
{
	struct tui_model *m = d->m;
	const struct tui_sensor *s;
	char one[128];
	size_t i, o = 0, more = 0;
	size_t cap = cols > 0 && (size_t)cols < len ? (size_t)cols : len - 1;
	int k;

	buf[0] = '\0';
	for (i = 0; c->device[0] != '\0' && i < m->nsensors; i++) {
		s = &m->sensors[i];
		if (strcmp(s->device, c->device) != 0)
			continue;
		k = snprintf(one, sizeof(one), "%s%s%s%g (%llu so far)",
		    o ? ", " : "", s->channel, s->channel[0] ? " " : "",
		    s->value, (unsigned long long)s->count);
		/* Room kept for ", +N more". */
		if (more > 0 || k < 0 || o + (size_t)k + 11 > cap) {
			more++;
			continue;
		}
		memcpy(buf + o, one, (size_t)k + 1);
		o += (size_t)k;
	}
	if (more > 0)
		snprintf(buf + o, len - o, "%s+%zu more", o ? ", " : "", more);
	else if (o == 0)
		snprintf(buf, len, "none");
}

/* The fields as label and value, in the order shown; a value gets cols
 * columns. */
static size_t
fields(struct tui_dash *d, const struct tui_client *c, char f[][2][128],
    int cols)
{
	/* A client that went: its times as they were then. */
	int64_t gone = d->m->detail_gone_ns;
	int64_t now = gone != 0 ? gone : tui_now_ns();
	const char *ago = gone != 0 ? "before it went" : "ago";
	char a[32], b[32], r[128];
	size_t n = 0;

#define FIELD(label, ...) do {						\
	snprintf(f[n][0], sizeof(f[n][0]), "%s", label);		\
	snprintf(f[n][1], sizeof(f[n][1]), __VA_ARGS__);		\
	n++;								\
} while (0)
	FIELD("id", "#%u", c->id);
	FIELD("fd", "%d", c->fd);
	FIELD("peer", strchr(c->peer, ':') ? "[%s]:%d" : "%s:%d", c->peer,
	    c->peer_port);
	FIELD("server port", "%d", c->port);
	FIELD("device", "%s", c->device[0] ? c->device : "-");
	FIELD("name", "%s", c->name[0] ? c->name : "-");
	FIELD("protocol", "%s", strcmp(c->proto, "ext") == 0 ? "extension" :
	    c->proto);
	/* With a registry, the device it was admitted as. */
	FIELD("auth", "%s%s%s", c->auth[0] ? c->auth : "-",
	    c->device_name[0] ? " " : "", c->device_name);
	FIELD("tls", "%s", c->tls[0] ? c->tls : "no");
	/* A certificate may name its device in a SAN alone, its subject
	 * empty: either says there was one. */
	if (c->tls_subject[0] != '\0' || c->tls_identity[0] != '\0') {
		FIELD("cert subject", "%s", c->tls_subject[0] ?
		    c->tls_subject : "-");
		FIELD("identity", "%s", c->tls_identity[0] ?
		    c->tls_identity : "-");
	}
	FIELD("state", "%s", d->m->detail_gone[0] ? "gone" : c->state);
	tui_fmt_clock(c->connected_ns, a, sizeof(a));
	tui_fmt_dur((now - c->connected_ns) / 1000000000, b, sizeof(b));
	FIELD("connected", gone != 0 ? "%s, for %s" : "%s, %s ago", a, b);
	tui_fmt_age(c->last_ns ? (now - c->last_ns) / 1000000000 : 0, a,
	    sizeof(a));
	FIELD("last active", "%s %s", a, ago);
	tui_fmt_bytes((double)c->bytes_in, a, sizeof(a));
	tui_fmt_bytes((double)c->bytes_out, b, sizeof(b));
	FIELD("bytes", "%s in, %s out", a, b);
	FIELD("frames", "%llu in, %llu out",
	    (unsigned long long)c->frames_in,
	    (unsigned long long)c->frames_out);
	tui_fmt_rate(c->rate, a, sizeof(a));
	FIELD("rate", "%s over 5 s", a);	/* messages and readings */
	if (c->xname[0] != '\0')
		FIELD("transfer", "%s %llu/%llu bytes", c->xname,
		    (unsigned long long)c->xbytes,
		    (unsigned long long)c->xsize);
	else
		FIELD("transfer", "none");
	readings(d, c, r, sizeof(r), cols);
	FIELD("readings", "%s", r);
#undef FIELD
	return n;
}

/* The log lines about the client: those that name it "#ID" (the
 * model starts every line about a client so). */
static size_t
own_log(struct tui_dash *d, const char **match)
{
	struct tui_model *m = d->m;
	char tag[16];
	const char *l, *p;
	size_t i, n = 0, len;

	len = (size_t)snprintf(tag, sizeof(tag), "#%u", d->detail);
	for (i = 0; i < m->log_count; i++) {
		l = tui_model_log_line(m, i);
		p = strstr(l, tag);
		if (p != NULL && (p == l || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			match[n++] = l;
	}
	return n;
}

void
tui_dash_draw_detail(struct tui_dash *d, int y, int h, int w)
{
	struct tui_model *m = d->m;
	static const char *match[TUI_LOG_MAX];
	char f[DETAIL_FIELDS][2][128], title[96], line[300];
	const struct tui_client *c = &m->detail;
	int r = y + 1, half = (w - 2) / 2, rows, x;
	size_t n, i, nl, first;

	snprintf(title, sizeof(title), "Client #%u%s%s", d->detail,
	    m->detail_gone[0] ? " - gone" : "", "  (Esc: back)");
	tui_box(&d->loop.term, y, 0, h, w, title, 1);
	if (m->detail_gone[0] != '\0') {
		tui_attr_on(&d->loop.term, TUI_C_BAD, A_BOLD);
		tui_put(r++, 2, w - 4, m->detail_gone);
		tui_attr_off(&d->loop.term, TUI_C_BAD, A_BOLD);
	}
	if (!m->detail_have) {
		tui_put(r++, 2, w - 4, "asking the server...");
		return;
	}
	n = fields(d, c, f, half - 15);
	for (i = 0; i < n && r + (int)(i / 2) < y + h - 1; i++) {
		x = 2 + (int)(i % 2) * half;
		tui_put(r + (int)(i / 2), x, 12, f[i][0]);
		tui_put(r + (int)(i / 2), x + 13, half - 15, f[i][1]);
	}
	r += (int)((n + 1) / 2) + 1;
	nl = own_log(d, match);
	if (r >= y + h - 1)
		return;
	snprintf(line, sizeof(line), "Log of #%u (%zu line%s)", d->detail,
	    nl, nl == 1 ? "" : "s");
	tui_attr_on(&d->loop.term, TUI_C_TITLE, A_BOLD);
	tui_put(r++, 2, w - 4, line);
	tui_attr_off(&d->loop.term, TUI_C_TITLE, A_BOLD);
	rows = y + h - 1 - r;
	if (rows <= 0)
		return;
	if (d->detail_back > nl)
		d->detail_back = nl;
	first = nl > (size_t)rows + d->detail_back ?
	    nl - (size_t)rows - d->detail_back : 0;
	for (i = 0; (int)i < rows && first + i < nl; i++)
		tui_put(r + (int)i, 2, w - 4, match[first + i]);
}

/* Keys while the view is open: back, scroll its log; help and quit
 * pass; the table's keys wait until it is back. */
int
tui_dash_detail_key(struct tui_dash *d, int ch)
{
	switch (ch) {
	case 27:
	case 'q':
		d->detail = 0;
		tui_model_detail(d->m, 0);
		return TUI_REDRAW;
	case KEY_UP:
	case 'k':
		d->detail_back++;
		return TUI_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (d->detail_back > 0)
			d->detail_back--;
		return TUI_REDRAW;
	case KEY_HOME:
	case 'g':
		d->detail_back = TUI_LOG_MAX;
		return TUI_REDRAW;
	case KEY_END:
	case 'G':
		d->detail_back = 0;
		return TUI_REDRAW;
	case '?':
	case KEY_F(1):
	case KEY_F(10):
		return TUI_DASH_NOT_MINE;
	default:
		return TUI_OK;
	}
}
