/*
 * tui_nodes.h: the screen of "sockdeckd fleet", one view over several
 * servers (nodes): a row per node in the header, one client table with
 * a node column, one log with each line's node, broadcast to all nodes
 * or one, kick on the node the client is on. (Not the Devices view of
 * one server's fleet: that is tui_dash_devices.c.)
 *
 * Like the dashboard it speaks to the servers only through a link:
 * requests go out as control socket JSON to node i, answers and events
 * come back through tui_nodes_feed(). Which nodes are up is the
 * program's to say (tui_nodes_up, tui_nodes_down): it owns the links
 * and their reconnecting.
 */
#ifndef TUI_NODES_H
#define TUI_NODES_H

#include <jansson.h>
#include <stddef.h>

#define TUI_NODES_MAX		16	/* targets at most */

struct event_base;
struct tui_nodes;

struct tui_nodes_link {
	void	*ctx;
	/* Send a request to node i; its answer comes back through
	 * tui_nodes_feed(). Not taken; dropped while the node is down. */
	void	(*request)(void *ctx, size_t i, json_t *req);
	/* The operator quit (why NULL), or the terminal is gone (why
	 * TUI_GONE). It may free the view: nothing touches it after. */
	void	(*quit)(void *ctx, const char *why);
};

/* Take over the terminal for n nodes (at most TUI_NODES_MAX) named by
 * targets (as given: the label until a node says its id), all down
 * until tui_nodes_up(). Every refresh seconds (at least 1) it asks the
 * nodes that are up for their status and clients. NULL when the
 * terminal cannot be used. */
struct tui_nodes *tui_nodes_new(struct event_base *base,
    const struct tui_nodes_link *link, const char *const *targets,
    size_t n, unsigned refresh);

/* An answer or an event from node i. */
void tui_nodes_feed(struct tui_nodes *v, size_t i, json_t *msg);

/* Node i answers (first, or again): its figures start afresh and it is
 * asked for them at once. */
void tui_nodes_up(struct tui_nodes *v, size_t i);

/* Node i is down (or could not be reached): why, and the seconds until
 * it is tried again. Its clients leave the table; its log says so. */
void tui_nodes_down(struct tui_nodes *v, size_t i, const char *why,
    unsigned retry_s);

/* Give the terminal back as it was. Safe with NULL. */
void tui_nodes_free(struct tui_nodes *v);

#endif
