/*
 * tui_nodes.c: the fleet view (see tui_nodes.h): its life, the layout,
 * the keys and prompts, the footer and the help. It runs on a tui_loop:
 * key handlers change state and return reactions, the loop draws.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_nodes_int.h"

static const char *const keybar[][2] = {
	{ "?", "Help" }, { "Tab", "Pane" }, { "/", "Filter" },
	{ "b", "Broadcast" }, { "K", "Kick" }, { "q", "Quit" },
};

static const char *const help_lines[] = {
	"sockdeckd fleet keys",
	"",
	"?, F1             this help (any other key closes it)",
	"Tab, Shift-Tab    the client table, the log",
	"Up/Down, k/j      move the selection, scroll the log",
	"PgUp/PgDn         a page up, down",
	"Home/End, g/G     top, bottom (End follows the log again)",
	"b                 broadcast a text: asks for it, then where to:",
	"                  Enter for every node, or a node's number or",
	"                  name (Esc cancels)",
	"K                 disconnect the selected client on its node",
	"                  (asks first)",
	"/                 filter the focused pane as typed (Esc: undo)",
	"F10, q, ^C        quit (the servers go on)",
	"",
	"A row a node: its name (--node-id, else the target), up or down",
	"(why, since when), clients, the server's rates over its window",
	"and its sinks. A node that goes away is tried again, less often",
	"the longer it stays away; its clients leave the table meanwhile.",
};

void
tui_nodes_request(struct tui_nodes *v, size_t i, json_t *req)
{
	if (req == NULL) {
		tui_nodes_log(v, SIZE_MAX, TUI_LV_ERROR, "request refused: "
		    "not UTF-8 text");
		return;
	}
	if (i < v->n && v->node[i].up)
		v->link.request(v->link.ctx, i, req);
	json_decref(req);
}

/* Ask node i for its status and client rows. */
static void
ask_node(struct tui_nodes *v, size_t i)
{
	if (!v->node[i].up)
		return;
	tui_nodes_request(v, i, json_pack("{s:s}", "cmd", "status"));
	tui_nodes_fetch(v, i);
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_nodes *v = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < v->n; i++)
		ask_node(v, i);
}

/* The prompt in the footer. */
static void
draw_prompt(struct tui_nodes *v, int y, int w)
{
	char p[400];
	int n;

	switch (v->mode) {
	case N_BCAST:
		snprintf(p, sizeof(p), "Broadcast: ");
		break;
	case N_BCAST_TO:
		snprintf(p, sizeof(p), "Broadcast \"%.60s\" to (Enter: every "
		    "node; or a node's number or name): ", v->text);
		break;
	case N_FILTER:
		snprintf(p, sizeof(p), "Filter %s: ", v->pane == N_LOG ?
		    "log" : "clients");
		break;
	default:
		snprintf(p, sizeof(p), "Disconnect %s? (y/n)", v->kick_what);
		break;
	}
	tui_attr_on(&v->loop.term, TUI_C_KEY, A_BOLD);
	tui_put(y, 0, w, p);
	tui_attr_off(&v->loop.term, TUI_C_KEY, A_BOLD);
	n = tui_width(p, strlen(p));
	if (v->mode != N_KICK && n < w - 1)
		tui_line_draw(&v->edit, y, n, w - n, 1);
}

static void
draw(void *arg, int h, int w)
{
	struct tui_nodes *v = arg;
	int top, body, th;

	v->drawn_s = tui_now_ns() / 1000000000;
	curs_set(0);
	top = tui_nodes_draw_head(v, h, w);
	body = h - top - 1;
	th = body / 2 > 5 ? body / 2 : 5;
	tui_nodes_draw_table(v, top, th, w);
	tui_nodes_draw_log(v, top + th, body - th, w);
	tui_fill(h - 1, 0, w);
	if (v->mode >= N_BCAST)
		draw_prompt(v, h - 1, w);
	else
		tui_keybar(&v->loop.term, h - 1, w, keybar,
		    sizeof(keybar) / sizeof(keybar[0]));
	if (v->mode == N_HELP)
		v->help_off = tui_help(&v->loop.term, h, w, help_lines,
		    sizeof(help_lines) / sizeof(help_lines[0]), v->help_off);
}

/* The header's times move with the clock. */
static int
stale(void *arg, int64_t drawn_ns)
{
	struct tui_nodes *v = arg;

	(void)drawn_ns;
	return tui_now_ns() / 1000000000 != v->drawn_s;
}

/* Open a prompt: its text starts empty, a filter's with the filter. */
static void
prompt(struct tui_nodes *v, int mode)
{
	tui_line_clear(&v->edit);
	if (mode == N_FILTER) {
		snprintf(v->filter_was, sizeof(v->filter_was), "%s",
		    v->pane == N_LOG ? v->filter_log : v->filter_table);
		tui_line_set(&v->edit, v->filter_was);
	}
	v->mode = mode;
}

/* K: the selected client and its node, asked about. */
static void
ask_kick(struct tui_nodes *v)
{
	struct tui_client *c;
	size_t i;

	c = tui_nodes_selected(v, &i);
	if (c == NULL)
		return;
	v->kick_node = i;
	v->kick_id = c->id;
	snprintf(v->kick_what, sizeof(v->kick_what), strchr(c->peer, ':') ?
	    "#%u [%s]:%d on %s" : "#%u %s:%d on %s", c->id, c->peer,
	    c->peer_port, v->node[i].label);
	v->mode = N_KICK;
}

/* The node a broadcast's answer names: "" every node (SIZE_MAX), a
 * number from 1, or a label; n when none. */
static size_t
node_named(const struct tui_nodes *v, const char *s)
{
	char *end;
	long k;
	size_t i;

	if (s[0] == '\0' || strcmp(s, "all") == 0)
		return SIZE_MAX;
	k = strtol(s, &end, 10);
	if (*end == '\0' && k >= 1 && (size_t)k <= v->n)
		return (size_t)k - 1;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->node[i].label, s) == 0)
			return i;
	return v->n;
}

/* Enter on the broadcast's second question: send it where it says. */
static void
broadcast(struct tui_nodes *v, const char *to)
{
	size_t i, k = node_named(v, to);

	if (k == v->n) {
		tui_nodes_log(v, SIZE_MAX, TUI_LV_ERROR, "broadcast: no node "
		    "%.60s (a number from 1 to %zu, or a name)", to, v->n);
		return;
	}
	for (i = 0; i < v->n; i++) {
		if (k != SIZE_MAX && i != k)
			continue;
		if (!v->node[i].up) {
			tui_nodes_log(v, i, TUI_LV_WARNING, "down: broadcast "
			    "not sent");
			continue;
		}
		tui_nodes_request(v, i, json_pack("{s:s,s:s}", "cmd",
		    "broadcast", "text", v->text));
	}
}

/* The prompt's text changed: a filter follows it at once. */
static void
edited(struct tui_nodes *v)
{
	char *f = v->pane == N_LOG ? v->filter_log : v->filter_table;

	if (v->mode != N_FILTER)
		return;
	tui_line_get(&v->edit, f, sizeof(v->filter_log));
	if (v->pane == N_LOG)
		v->log_back = 0;
}

/* Enter on a prompt. */
static void
prompt_done(struct tui_nodes *v)
{
	char s[sizeof(v->text)];
	int mode = v->mode;

	tui_line_get(&v->edit, s, sizeof(s));
	if (mode == N_FILTER)
		edited(v);
	v->mode = N_NORMAL;
	if (mode == N_BCAST && s[0] != '\0') {
		snprintf(v->text, sizeof(v->text), "%s", s);
		tui_line_clear(&v->edit);
		v->mode = N_BCAST_TO;
	} else if (mode == N_BCAST_TO)
		broadcast(v, s);
}

/* A key while a prompt takes text. */
static int
key_prompt(struct tui_nodes *v, int code, wint_t ch)
{
	if (!code && ch == 27) {
		if (v->mode == N_FILTER)
			snprintf(v->pane == N_LOG ? v->filter_log :
			    v->filter_table, sizeof(v->filter_log), "%s",
			    v->filter_was);
		v->mode = N_NORMAL;
	} else if ((!code && (ch == '\n' || ch == '\r')) ||
	    (code && ch == KEY_ENTER))
		prompt_done(v);
	else if (tui_line_key(&v->edit, code, ch))
		edited(v);
	else
		return TUI_OK;
	return TUI_REDRAW;
}

/* A key a handler leaves to the next. */
#define NOT_MINE	(-1)

/* Up, down, pages, top and bottom: the selection, or the log. */
static int
key_move(struct tui_nodes *v, int code, wint_t ch)
{
	long page = LINES / 3, d;

	if (code)
		d = ch == KEY_DOWN ? 1 : ch == KEY_UP ? -1 :
		    ch == KEY_NPAGE ? page : ch == KEY_PPAGE ? -page :
		    ch == KEY_HOME ? -1000000 : ch == KEY_END ? 1000000 : 0;
	else
		d = ch == 'j' ? 1 : ch == 'k' ? -1 : ch == 'g' ? -1000000 :
		    ch == 'G' ? 1000000 : 0;
	if (d == 0)
		return NOT_MINE;
	if (v->pane == N_TABLE)
		tui_nodes_move(v, d);
	else if (d > 0)
		v->log_back = (size_t)d > v->log_back ? 0 : v->log_back -
		    (size_t)d;
	else
		v->log_back += (size_t)-d;
	return TUI_REDRAW;
}

/* A key with no prompt open. */
static int
key_normal(struct tui_nodes *v, int code, wint_t ch)
{
	int r = key_move(v, code, ch);

	if (r != NOT_MINE)
		return r;
	if (code && ch == KEY_F(1))
		ch = '?';
	else if (code && ch == KEY_F(10))
		ch = 'q';
	else if (code && ch == KEY_BTAB)
		ch = '\t';
	else if (code)
		return TUI_OK;
	switch (ch) {
	case '?':
		v->mode = N_HELP;
		break;
	case '\t':
		v->pane = v->pane == N_TABLE ? N_LOG : N_TABLE;
		break;
	case 'b':
		prompt(v, N_BCAST);
		break;
	case 'K':
		/* Not k: that is up, and one slip would drop a client. */
		ask_kick(v);
		break;
	case '/':
		prompt(v, N_FILTER);
		break;
	case 12:			/* ^L */
		return TUI_CLEAR;
	case 'q':
		return TUI_QUIT | TUI_REDRAW;
	default:
		return TUI_OK;
	}
	return TUI_REDRAW;
}

/* The loop's key hook: characters (get_wch), code 1 for KEY_*. */
static int
key(void *arg, int code, wint_t ch)
{
	struct tui_nodes *v = arg;

	tui_nodes_build(v);
	switch (v->mode) {
	case N_HELP:
		if (code && (ch == KEY_DOWN || ch == KEY_UP)) {
			v->help_off += ch == KEY_DOWN ? 1 : -1;
			return TUI_REDRAW;
		}
		v->mode = N_NORMAL;
		v->help_off = 0;
		return TUI_REDRAW;
	case N_KICK:
		/* Its node may have gone while it asked. */
		if (!code && (ch == 'y' || ch == 'Y') &&
		    !v->node[v->kick_node].up)
			tui_nodes_log(v, v->kick_node, TUI_LV_WARNING, "down: "
			    "#%u not disconnected", v->kick_id);
		else if (!code && (ch == 'y' || ch == 'Y'))
			tui_nodes_request(v, v->kick_node, json_pack(
			    "{s:s,s:I}", "cmd", "kick", "id",
			    (json_int_t)v->kick_id));
		v->mode = N_NORMAL;
		return TUI_REDRAW;
	case N_NORMAL:
		return key_normal(v, code, ch);
	default:
		return key_prompt(v, code, ch);
	}
}

static void
quit(void *arg, const char *why)
{
	struct tui_nodes *v = arg;

	v->link.quit(v->link.ctx, why);
}

static const struct tui_loop_ops nodes_ops = {
	.name = "sockdeckd fleet",
	.wide = 1,
	.key = key,
	.draw = draw,
	.stale = stale,
	.quit = quit,
};

/* Node i's place before it has said anything: the target. */
static int
node_init(struct tui_nodes *v, size_t i, const char *target)
{
	struct tui_nodes_node *nd = &v->node[i];

	nd->m = tui_model_new();
	if (nd->m == NULL)
		return -1;
	snprintf(nd->target, sizeof(nd->target), "%s", target);
	snprintf(nd->why, sizeof(nd->why), "connecting");
	nd->down_ns = tui_now_ns();
	tui_nodes_label(v, i);
	return 0;
}

struct tui_nodes *
tui_nodes_new(struct event_base *base, const struct tui_nodes_link *link,
    const char *const *targets, size_t n, unsigned refresh)
{
	struct timeval every = { refresh > 0 ? (time_t)refresh : 1, 0 };
	struct tui_nodes *v;
	size_t i;

	if (n > TUI_NODES_MAX)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->base = base;
	v->link = *link;
	v->n = n;
	for (i = 0; i < n; i++)
		if (node_init(v, i, targets[i]) != 0)
			goto fail;
	v->poll = event_new(base, -1, EV_PERSIST, poll_cb, v);
	if (v->poll == NULL || tui_loop_init(&v->loop, base, &nodes_ops,
	    v) != 0)
		goto fail;
	event_priority_set(v->poll, 0);	/* with the screen's (tui_loop) */
	event_add(v->poll, &every);
	return v;
fail:
	tui_nodes_free(v);
	return NULL;
}

void
tui_nodes_feed(struct tui_nodes *v, size_t i, json_t *msg)
{
	struct tui_nodes_node *nd;

	if (i >= v->n)
		return;
	nd = &v->node[i];
	if (json_is_array(json_object_get(msg, "clients")))
		nd->fetching = 0;	/* the window asked for */
	if (!tui_model_feed(nd->m, msg))
		return;
	if (json_is_object(json_object_get(msg, "status")))
		tui_nodes_label(v, i);
	tui_nodes_log_sync(v, i);
	tui_loop_redraw(&v->loop);
}

void
tui_nodes_up(struct tui_nodes *v, size_t i)
{
	struct tui_nodes_node *nd;

	if (i >= v->n || v->node[i].up)
		return;
	nd = &v->node[i];
	tui_model_restart(nd->m);
	nd->up = 1;
	nd->fetching = 0;
	nd->why[0] = '\0';
	nd->said_up = 0;	/* once it says its name */
	ask_node(v, i);
	tui_loop_redraw(&v->loop);
}

void
tui_nodes_down(struct tui_nodes *v, size_t i, const char *why,
    unsigned retry_s)
{
	struct tui_nodes_node *nd;

	if (i >= v->n)
		return;
	nd = &v->node[i];
	nd->retry_s = retry_s;
	tui_loop_redraw(&v->loop);
	if (nd->up) {
		/* What it logged before it went, under its name, first. */
		tui_nodes_log_sync(v, i);
		nd->up = 0;
		nd->down_ns = tui_now_ns();
		tui_nodes_log(v, i, TUI_LV_WARNING, "down: %s", why);
	} else if (strcmp(nd->why, why) != 0)
		/* Said once a reason, not at every try that fails. */
		tui_nodes_log(v, i, TUI_LV_WARNING, "not reached: %s", why);
	snprintf(nd->why, sizeof(nd->why), "%s", why);
}

void
tui_nodes_free(struct tui_nodes *v)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->poll != NULL)
		event_free(v->poll);
	tui_loop_done(&v->loop);
	for (i = 0; i < v->n; i++)
		tui_model_free(v->node[i].m);
	free(v);
}
