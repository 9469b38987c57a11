/*
 * tui_nodes_int.h: what the fleet view's parts share inside tui/ (never
 * outside it). tui_nodes.c owns the view's life, its keys, prompts and
 * layout; tui_nodes_head.c the header (a row per node) and the labels;
 * tui_nodes_table.c the merged client table; tui_nodes_log.c the merged
 * log. Each node's figures are a tui_model of its own, fed as the
 * dashboard's is.
 */
#ifndef TUI_NODES_INT_H
#define TUI_NODES_INT_H

#include <event2/event.h>
#include <stdint.h>

#include "tui_line.h"
#include "tui_loop.h"
#include "tui_model.h"
#include "tui_nodes.h"

#define TUI_NODES_ROWS		64	/* client rows asked of each node */
#define TUI_NODES_TABLE		(TUI_NODES_MAX * TUI_NODES_ROWS)
#define TUI_NODES_LOG_MAX	2000	/* merged log lines kept */
#define TUI_NODES_LOG_LEN	(TUI_LOG_LEN + 40)
#define TUI_NODES_LABEL		24	/* a label's bytes at most */

enum { N_TABLE, N_LOG };
enum { N_NORMAL, N_HELP, N_BCAST, N_BCAST_TO, N_KICK, N_FILTER };

/* One node as the view knows it. */
struct tui_nodes_node {
	struct tui_model *m;
	char		 target[256];	/* as given */
	char		 label[TUI_NODES_LABEL];	/* as shown */
	int		 up;		/* answering */
	int		 ever_up;
	int		 said_up;	/* its log said it is up */
	char		 why[160];	/* down: why */
	int64_t		 down_ns;	/* down since (wall clock) */
	unsigned	 retry_s;	/* tried again within */
	uint64_t	 log_seq;	/* model lines copied to the log */
	int		 fetching;	/* a clients window asked for */
	int64_t		 fetch_ns;
};

/* A row of the merged table: node i's model row r. */
struct tui_nodes_row {
	uint8_t		 node;
	uint16_t	 row;
};

struct tui_nodes {
	struct event_base	*base;
	struct tui_nodes_link	 link;
	struct tui_loop		 loop;
	struct event		*poll;
	struct tui_nodes_node	 node[TUI_NODES_MAX];
	size_t			 n;
	int			 pane;		/* focused: N_TABLE, N_LOG */
	int			 mode;
	struct tui_line		 edit;		/* a prompt's text */
	char			 text[256];	/* the broadcast, asked where */
	int64_t			 drawn_s;	/* the second on screen */

	/* The merged table as last built, and the selection, kept on the
	 * same client (node, id) as rows move. */
	struct tui_nodes_row	 rows[TUI_NODES_TABLE];
	size_t			 nrows;
	size_t			 sel;
	size_t			 sel_node;
	uint32_t		 sel_id;
	size_t			 top;		/* first row on screen */
	/* Each pane's filter, live as it is typed (the prompt edits the
	 * focused pane's); filter_was is the one Esc puts back. */
	char			 filter_table[64];
	char			 filter_log[64];
	char			 filter_was[64];
	/* The client a kick asks about. */
	size_t			 kick_node;
	uint32_t		 kick_id;
	char			 kick_what[128];

	/* The merged log: a ring of lines, each with its node's label. */
	char			 log[TUI_NODES_LOG_MAX][TUI_NODES_LOG_LEN];
	unsigned char		 log_level[TUI_NODES_LOG_MAX];
	size_t			 log_head;
	size_t			 log_count;
	size_t			 log_back;	/* lines scrolled up */
	int			 help_off;
};

/* tui_nodes_head.c: the title line and the node rows from row 1; the
 * rows it took. The label of node i once its status said its id. */
int tui_nodes_draw_head(struct tui_nodes *v, int h, int w);
void tui_nodes_label(struct tui_nodes *v, size_t i);
/* The width of a name column: the longest name, within lim. */
int tui_nodes_label_width(const struct tui_nodes *v, int lim);
/* Node rows the header shows at height h (one says the rest). */
int tui_nodes_head_rows(const struct tui_nodes *v, int h);

/* tui_nodes_table.c: the merged table at y, h x w; building it (before
 * keys act on it); the selected row (NULL: none); moving it; asking a
 * node for its window when its rows went stale. */
void tui_nodes_draw_table(struct tui_nodes *v, int y, int h, int w);
void tui_nodes_build(struct tui_nodes *v);
struct tui_client *tui_nodes_selected(struct tui_nodes *v, size_t *node);
void tui_nodes_move(struct tui_nodes *v, long delta);
void tui_nodes_fetch(struct tui_nodes *v, size_t i);

/* tui_nodes_log.c: a line of node i (SIZE_MAX: the view's own) at a
 * level; node i's new model lines into the log; the pane. */
void tui_nodes_log(struct tui_nodes *v, size_t i, int level,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void tui_nodes_log_sync(struct tui_nodes *v, size_t i);
void tui_nodes_draw_log(struct tui_nodes *v, int y, int h, int w);

/* tui_nodes.c: send req to node i (NULL, json_pack refused it: said
 * in the log). */
void tui_nodes_request(struct tui_nodes *v, size_t i, json_t *req);

#endif
