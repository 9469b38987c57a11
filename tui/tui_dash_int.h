/*
 * tui_dash_int.h: what the dashboard's panes share inside tui/ (never
 * outside it): the dashboard's state, and each pane's drawing and
 * movement. tui_dash.c lays the panes out, owns the keys and the
 * prompts; each pane's file draws it from the model and keeps its own
 * place (selection, scroll, filter).
 */
#ifndef TUI_DASH_INT_H
#define TUI_DASH_INT_H

#include <event2/event.h>
#include <jansson.h>

#include "tui_conf.h"
#include "tui_dash.h"
#include "tui_loop.h"
#include "tui_model.h"

enum { P_CLIENTS, P_DEVICES, P_XFERS, P_SENSORS, P_LOG, P_COUNT };
enum { M_NORMAL, M_HELP, M_BROADCAST, M_MESSAGE, M_FILTER, M_KICK, M_QUIT,
    M_BLOCK, M_RELOAD };

struct tui_dash {
	struct event_base	*base;
	struct tui_link		 link;
	struct tui_model	*m;
	char			 attached[256];
	struct tui_loop		 loop;		/* terminal, keys, redraw */
	int64_t			 drawn_up;	/* the uptime on screen */
	struct event		*poll;
	int			 pane;		/* focused */
	int			 top;		/* Clients or Devices */
	int			 bottom;	/* shown at 80x24 */
	int			 mode;
	char			 line[256];	/* prompt input */
	size_t			 line_len;
	uint32_t		 target;	/* client of a prompt */
	size_t			 sel;		/* selected client row */
	size_t			 log_back;	/* lines scrolled up */
	size_t			 scroll[P_COUNT];
	int			 sort;
	int			 paused;
	int			 term_gone;	/* the terminal hung up */
	int			 help_off;	/* the help's first line */
	struct tui_conf		 conf;		/* as loaded, then saved */
	char			 conf_path[4096];	/* "": none */
	/* Each pane's filter, live as it is typed; filter_was is the one
	 * Esc on the prompt puts back, filter_pane the pane it edits. */
	char			 filter[P_COUNT][64];
	char			 filter_was[64];
	int			 filter_pane;
	char			 gone[128];
	struct {			/* where each pane was drawn */
		int		 y, x, h, w;
	} at[P_COUNT];
	size_t			 first_row;	/* client in the first row */
	uint32_t		 sel_id;	/* the selected client */
	uint64_t		 paused_seq;	/* log lines seen when paused */
	size_t			 shown;		/* client rows the pane shows */
	int			 fetching;	/* a window asked for */
	int64_t			 fetch_ns;	/* when */
	int64_t			 xfers_ns;	/* transfers last asked for */
	/* The Log pane's place, by line number (model's log_seq counts):
	 * n/N's current match (number + 1, 0 none), brought into view
	 * once; the lines there were when it last followed (what is new
	 * since) and when it was last drawn (a scrolled view stays put);
	 * the first and last line on screen. */
	uint64_t		 log_cur;
	int			 log_show;
	uint64_t		 log_seen;
	uint64_t		 log_drawn;
	uint64_t		 log_top, log_bot;
	struct {			/* Sensors (tui_dash_sensors.c) */
		int		 window;	/* index: 1 min, 10 min, 1 h */
		int		 sort;		/* column */
		int		 reverse;
		int		 chart;		/* the selected one's, open */
		size_t		 sel;		/* row */
		char		 dev[18];	/* the selected sensor */
		char		 chan[64];
	} sv;
	struct {			/* Devices (tui_dash_devices.c) */
		int		 sort;
		int		 reverse;
		size_t		 sel;		/* row */
		char		 mac[18];	/* the selected device */
		int		 open;		/* it in full (Enter) */
		int		 asked;		/* devices asked, unanswered */
		int64_t		 asked_ns;
		struct {	/* headings, for clicks */
			int	 x, w, sort;
		} head[16];
		int		 nhead;
	} dv;
	int			 sort_rev;	/* the client order reversed */
	struct {			/* client headings, for clicks */
		int		 x, w, sort;
	} head[16];
	int			 nhead;
	uint32_t		 detail;	/* client in full view, or 0 */
	size_t			 detail_back;	/* its log scrolled up */
};

/* Send a request to the server (tui_dash.c); NULL (json_pack refused
 * the text) is said in the log. */
void tui_dash_request(struct tui_dash *d, json_t *req);

/* Remember where pane p was drawn, for the mouse. */
void tui_dash_pane_at(struct tui_dash *d, int p, int y, int x, int h,
    int w);

/* The Sensors table's sort columns (tui_dash_sensors.c). */
#define TUI_DASH_SENSOR_COLS	5
extern const char *const tui_dash_sensor_cols[TUI_DASH_SENSOR_COLS];

/* How long B (kick-and-block) refuses a client's address and device. */
#define TUI_DASH_BLOCK_SECS	600

/* A pane's own keys, tried before the dashboard's with the pane
 * focused and no prompt open: enum tui_reaction flags, or
 * TUI_DASH_NOT_MINE to let the dashboard have the key. */
#define TUI_DASH_NOT_MINE	(-1)
int tui_dash_clients_key(struct tui_dash *d, int ch);
int tui_dash_xfers_key(struct tui_dash *d, int ch);
int tui_dash_sensors_key(struct tui_dash *d, int ch);
/* Move the Sensors selection by delta rows (the wheel, the pages). */
void tui_dash_sensors_move(struct tui_dash *d, long delta);
/* A click at column x of the Sensors heads, counted from the pane's
 * first column inside its border. */
int tui_dash_sensors_click_head(struct tui_dash *d, int x);
int tui_dash_log_key(struct tui_dash *d, int ch);

/* s in exactly w columns: padded, or cut with an ellipsis; bytes that
 * are not printable ASCII read '?' (columns stay aligned; tui_put
 * escapes what is left). out holds 3 * w + 1 bytes. */
void tui_dash_fit(const struct tui_dash *d, const char *s, int w,
    char *out);

/* -1, 0 or 1 as a is below, equal to or above b (a table's sort). */
int tui_dash_cmp_num(double a, double b);

/* The first of rows lines (*top) of a table of n that keeps row sel in
 * view, moving as little as it can. */
void tui_dash_in_view(size_t sel, size_t rows, size_t n, size_t *top);

/* Open a prompt (M_MESSAGE and M_KICK take the selected client). */
void tui_dash_prompt(struct tui_dash *d, int mode);

/* tui_dash_head.c: the two header lines. */
void tui_dash_draw_header(struct tui_dash *d, int w);

/* tui_dash_clients.c: the client table, a window of the server's. */
void tui_dash_draw_clients(struct tui_dash *d, int y, int h, int w);
void tui_dash_sync_sel(struct tui_dash *d);
struct tui_client *tui_dash_shown_row(struct tui_dash *d, size_t i);
void tui_dash_fetch_window(struct tui_dash *d, size_t first, size_t rows);
/* s, <, >, r: the client order; a click at column x of the headings. */
int tui_dash_clients_sort(struct tui_dash *d, int ch);
int tui_dash_clients_click_head(struct tui_dash *d, int x);

/* tui_dash_devices.c: the fleet, in the Clients table's place while
 * d->top is P_DEVICES. fetch asks for the server's devices then (one
 * request at a time); feed takes a message before the model: 1 when it
 * was the server refusing the request (said in the pane, not logged
 * again); click is at row (-1: the headings) and column x. */
void tui_dash_draw_devices(struct tui_dash *d, int y, int h, int w);
void tui_dash_devices_fetch(struct tui_dash *d);
int tui_dash_devices_feed(struct tui_dash *d, json_t *msg);
void tui_dash_devices_move(struct tui_dash *d, long delta);
int tui_dash_devices_click(struct tui_dash *d, int row, int x);
int tui_dash_devices_key(struct tui_dash *d, int ch);
/* The Devices sort as dashboard.conf names it: set by name (a name not
 * known leaves it), and returned. */
const char *tui_dash_devices_conf(struct tui_dash *d, const char *name);

/* tui_dash_detail.c: one client in full, below the header, while
 * d->detail is set; its keys come first. */
void tui_dash_detail_open(struct tui_dash *d, uint32_t id);
void tui_dash_detail_fetch(struct tui_dash *d);
void tui_dash_draw_detail(struct tui_dash *d, int y, int h, int w);
int tui_dash_detail_key(struct tui_dash *d, int ch);

/* tui_dash_xfers.c: ask for the server's transfers (polled: the
 * refresh's; else only when file events came, at most 4 a second). */
void tui_dash_xfers_fetch(struct tui_dash *d, int polled);

/* tui_dash_xfers.c, tui_dash_sensors.c, tui_dash_log.c: the other
 * panes, at y, x, h x w. */
void tui_dash_draw_xfers(struct tui_dash *d, int y, int x, int h, int w);
void tui_dash_draw_sensors(struct tui_dash *d, int y, int x, int h, int w);
void tui_dash_draw_log(struct tui_dash *d, int y, int x, int h, int w);

/* Sensors: the window asked for (60, 600 or 3600 s); the selected
 * sensor (NULL: none shown); its chart over h x w from row y, when open
 * (tui_dash_chart.c): 1 when it drew. */
int tui_dash_sensors_window(const struct tui_dash *d);
const struct tui_sensor *tui_dash_sensor_selected(struct tui_dash *d);
int tui_dash_draw_chart(struct tui_dash *d, int y, int h, int w);

#endif
