/*
 * tui_nodes_log.c: the fleet view's log: one ring of lines, each with
 * the name of the node it came from (what each node's model made of
 * its events, escaped there, or the view's own word about a node), in
 * the order they came; filtered as typed, scrolled or following.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_nodes_int.h"

/* The names' column in the log: as wide as the longest name a node
 * has said (4 to 12), so that lines added before the rest said theirs
 * do not stand out. */
static int
log_name_width(const struct tui_nodes *v)
{
	size_t i;
	int w = 4, n;

	for (i = 0; i < v->n; i++) {
		n = (int)strlen(v->node[i].label);
		if (v->node[i].m->node_id[0] != '\0' && n > w)
			w = n;
	}
	return w < 12 ? w : 12;
}

/* Add text under node i's name (the view's own: "fleet"). */
static void
log_add(struct tui_nodes *v, size_t i, int level, const char *text)
{
	size_t at;

	if (v->log_count == TUI_NODES_LOG_MAX) {
		v->log_head = (v->log_head + 1) % TUI_NODES_LOG_MAX;
		v->log_count--;
	} else if (v->log_back > 0)
		v->log_back++;		/* a scrolled view stays put */
	at = (v->log_head + v->log_count++) % TUI_NODES_LOG_MAX;
	snprintf(v->log[at], sizeof(v->log[at]), "%-*s %s",
	    log_name_width(v), i < v->n ? v->node[i].label :
	    "fleet", text);
	v->log_level[at] = (unsigned char)level;
}

void
tui_nodes_log(struct tui_nodes *v, size_t i, int level, const char *fmt,
    ...)
{
	char text[TUI_LOG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_add(v, i, level, text);
	tui_loop_redraw(&v->loop);
}

/* Node i's lines since the last call. A node that answers again waits
 * for its status (its name) first: its history then comes under it. */
void
tui_nodes_log_sync(struct tui_nodes *v, size_t i)
{
	struct tui_nodes_node *nd = &v->node[i];
	struct tui_model *m = nd->m;
	uint64_t fresh = m->log_seq - nd->log_seq;
	size_t k;

	if (nd->up && !m->have_status)
		return;
	if (nd->up && !nd->said_up) {
		log_add(v, i, TUI_LV_INFO, nd->ever_up ? "up again" : "up");
		nd->said_up = 1;
		nd->ever_up = 1;
	}
	if (fresh > m->log_count)
		fresh = m->log_count;	/* the rest went round the ring */
	for (k = m->log_count - (size_t)fresh; k < m->log_count; k++)
		log_add(v, i, tui_model_log_level(m, k),
		    tui_model_log_line(m, k));
	nd->log_seq = m->log_seq;
}

/* Line k (oldest first) and its level. */
static const char *
log_line(const struct tui_nodes *v, size_t k, int *level)
{
	size_t at = (v->log_head + k) % TUI_NODES_LOG_MAX;

	*level = v->log_level[at];
	return v->log[at];
}

/* One line at y, in its level's colour (E or W before it, for a
 * terminal without colours). */
static void
draw_line(struct tui_nodes *v, int y, int w, const char *l, int level)
{
	int color = level == TUI_LV_ERROR ? TUI_C_BAD :
	    level == TUI_LV_WARNING ? TUI_C_WARN : 0;

	tui_put(y, 1, 1, level == TUI_LV_ERROR ? "E" :
	    level == TUI_LV_WARNING ? "W" : " ");
	if (color != 0)
		tui_attr_on(&v->loop.term, color, level == TUI_LV_ERROR ?
		    A_BOLD : A_NORMAL);
	tui_put(y, 3, w - 4, l);
	if (color != 0)
		tui_attr_off(&v->loop.term, color, level == TUI_LV_ERROR ?
		    A_BOLD : A_NORMAL);
}

void
tui_nodes_draw_log(struct tui_nodes *v, int y, int h, int w)
{
	size_t rows = h > 2 ? (size_t)h - 2 : 0, k, n = 0, skip;
	const char *f = v->filter_log, *l;
	char title[160];
	int level, row;

	for (k = 0; k < v->log_count; k++)
		n += tui_fmt_find(log_line(v, k, &level), f) != NULL;
	if (v->log_back + rows > n)
		v->log_back = n > rows ? n - rows : 0;
	snprintf(title, sizeof(title), "Log - filter: %s - %s",
	    f[0] ? f : "(none)", v->log_back ? "scrolled" : "following");
	tui_box(&v->loop.term, y, 0, h, w, title, v->pane == N_LOG);
	/* The last rows lines that match, log_back from the end. */
	skip = n > rows + v->log_back ? n - rows - v->log_back : 0;
	row = 0;
	for (k = 0; k < v->log_count && (size_t)row < rows; k++) {
		l = log_line(v, k, &level);
		if (tui_fmt_find(l, f) == NULL)
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		draw_line(v, y + 1 + row++, w, l, level);
	}
}
