/*
 * tui_dash.h: the sockdeckd dashboard, an ncurses front end on the
 * program's event loop (stdin, SIGWINCH and its timers are events; the
 * terminal plumbing is tui_loop's).
 *
 * It speaks to a server through a struct tui_link only: requests go out
 * as the control socket's JSON requests, and answers and events come in
 * through tui_dash_feed(). The program wires the link to the core in
 * process, or to a control socket (attach): the dashboard is the same.
 */
#ifndef TUI_DASH_H
#define TUI_DASH_H

#include <jansson.h>

struct event_base;
struct tui_dash;

struct tui_link {
	void	*ctx;
	/* Send a request ({"cmd": ...}); its answer comes back through
	 * tui_dash_feed(). The link does not take req. */
	void	(*request)(void *ctx, json_t *req);
	/* The operator asked to quit (confirmed; why NULL), or the
	 * terminal is gone (why TUI_GONE, tui_loop.h). It may free the
	 * dashboard: nothing touches it after. */
	void	(*quit)(void *ctx, const char *why);
};

/* Take over the terminal. attached names the control socket when the
 * server runs elsewhere, NULL in-process. Every refresh seconds (at
 * least 1) it asks for fresh snapshots (status, clients, sensors);
 * events change the model at once, between them. NULL when the terminal
 * cannot be used. */
struct tui_dash *tui_dash_new(struct event_base *base,
    const struct tui_link *link, const char *attached, unsigned refresh);

/* An event or an answer from the server. */
void tui_dash_feed(struct tui_dash *d, json_t *msg);

/* SIGINT (^C at the terminal): as q, it asks first while clients are
 * connected in-process, and a second ^C on the question says yes.
 * 0 when the terminal is gone and nobody can be asked: the caller
 * stops as it would without a dashboard. The quit hook may have run
 * (and freed d). */
int tui_dash_interrupt(struct tui_dash *d);

/* The server went away (attached): say so, without the figures of a
 * server that is no longer there; q quits. */
void tui_dash_gone(struct tui_dash *d, const char *why);

/* Attached again (the server came back): the server's figures start
 * afresh, the log goes on. */
void tui_dash_back(struct tui_dash *d);

/* Give the terminal back as it was. Safe to call twice. */
void tui_dash_free(struct tui_dash *d);


#endif
