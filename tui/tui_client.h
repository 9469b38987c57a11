/*
 * tui_client.h: the sockdeck client's screen, an ncurses front end on
 * the program's event loop (stdin, SIGWINCH and a redraw timer are
 * events on it, run by tui_loop). tests/tui/SPEC-client.md says what it
 * shows.
 *
 * It never touches a socket or the client core: what the user asks for
 * goes out through struct tui_client_link, and the program tells it
 * what happened through the tui_client_* calls below.
 */
#ifndef TUI_CLIENT_H
#define TUI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct tui_client;

/* Conversation entries. */
enum tui_say {
	TUI_SAY_YOU,		/* a message sent */
	TUI_SAY_SERVER,		/* a reply */
	TUI_SAY_NOTICE,		/* broadcasts, server notices */
	TUI_SAY_ERROR,		/* error frames, local failures */
	TUI_SAY_FILE,		/* a transfer's outcome */
	TUI_SAY_INFO		/* connection news */
};

/* Sensor form: one reading (shape -1) or a stream (an sd_synth shape:
 * 0 constant, 1 walk, 2 sine) at rate readings/s around value. */
struct tui_sensor_req {
	int		 shape;
	double		 value;
	double		 rate;
	const char	*channel;	/* "" for none */
};

struct tui_client_link {
	void	*ctx;
	void	(*connect_to)(void *ctx, const char *host, int port);
	void	(*disconnect)(void *ctx);
	void	(*send_text)(void *ctx, const char *text);
	void	(*send_file)(void *ctx, const char *path);
	/* Esc: the file in flight, else the stream. */
	void	(*cancel)(void *ctx);
	void	(*sensor)(void *ctx, const struct tui_sensor_req *r);
	void	(*set_reconnect)(void *ctx, int on);
	/* F10 (why NULL), or the terminal is gone (why TUI_GONE,
	 * tui_loop.h). It may free the screen: nothing touches it after. */
	void	(*quit)(void *ctx, const char *why);
};

/* A recent server as the connection bar's list shows it. */
struct tui_recent {
	const char	*target;	/* "host:port" */
	int		 tls;		/* reached over TLS: a lock */
	int		 insecure;	/* with --tls-insecure */
};

struct tui_client_info {
	const char	*device;	/* "aa:bb:cc:dd:ee:ff" */
	const char	*host;		/* shown in the connection bar */
	int		 port;		/* 0: none yet */
	int		 legacy;
	int		 reconnect;
	const struct tui_recent *recent;	/* newest first */
	size_t		 nrecent;
};

/* Take over the terminal; NULL when it cannot be used. */
struct tui_client *tui_client_new(struct event_base *base,
    const struct tui_client_link *link, const struct tui_client_info *info);

/* Give the terminal back as it was. */
void tui_client_free(struct tui_client *t);

/* The connection's state word and why (NULL: no reason), with the
 * protocol once connected ("ext/1", "legacy"). */
void tui_client_state(struct tui_client *t, const char *state,
    const char *reason, const char *proto);

/* The connection's TLS session, shown in the connection bar once
 * connected: version ("TLSv1.3"; NULL: plain TCP), the server
 * certificate's subject and expiry date (peer text: escaped when
 * drawn), and whether nothing was verified (--tls-insecure). Call it
 * before tui_client_state() says connected. */
void tui_client_tls(struct tui_client *t, const char *version,
    const char *subject, const char *expires, int insecure);

/* Where the connection goes (shown in the header and the bar). */
void tui_client_target(struct tui_client *t, const char *host, int port);

/* The recent servers changed (newest first). */
void tui_client_recent(struct tui_client *t, const struct tui_recent *items,
    size_t n);

/* A conversation entry. */
void tui_client_say(struct tui_client *t, enum tui_say kind,
    const char *text, size_t len);

/* A transfer: started (or offered again), bytes so far, and over with a
 * last word for its entry ("stored as ...", "failed: ..."). */
void tui_client_file_start(struct tui_client *t, const char *name,
    uint64_t size);
void tui_client_file_progress(struct tui_client *t, uint64_t done,
    uint64_t size);
/* How a transfer ended: the user's own cancel is no failure (drawn in
 * the plain colour); a failure is. */
enum tui_file_end {
	TUI_FILE_STORED,
	TUI_FILE_FAILED,
	TUI_FILE_CANCELLED
};
void tui_client_file_end(struct tui_client *t, enum tui_file_end how,
    const char *text);

/* Readings sent and acknowledged, and the stream running (desc, e.g.
 * "sine 10/s on temp") or stopped (NULL). */
void tui_client_readings(struct tui_client *t, uint64_t sent,
    uint64_t acked);
void tui_client_stream(struct tui_client *t, const char *desc);


#endif
