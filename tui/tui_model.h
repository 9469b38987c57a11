/*
 * tui_model.h: what the dashboard shows, kept apart from how: status,
 * clients, transfers, sensors and the log, filled from the JSON a server
 * speaks (the control socket's answers and events, or the same objects
 * handed over in-process). It owns copies only, never core structures,
 * and bounded memory: the log is a ring, the other lists have caps.
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_LOG_MAX	2000
#define TUI_LOG_LEN	200
#define TUI_WINDOW_MAX	256	/* client rows held: a window of the table */
#define TUI_SORTS	10
#define TUI_XFERS_MAX	48	/* transfers held: in flight, then ended */
#define TUI_XFERS_LIVE	32	/* of them in flight at most */
#define TUI_SENSORS_MAX	256
#define TUI_HIST	60
#define TUI_ADDRS_MAX	16
#define TUI_WHO_MAX	4096	/* clients the log remembers, by id */
#define TUI_DEVICES_MAX	1000	/* devices asked for (the server's default) */

struct tui_client {
	uint32_t	 id;
	int		 fd;
	char		 peer[48];
	int		 peer_port;
	int		 port;
	char		 device[18];
	char		 proto[8];
	int64_t		 connected_ns;
	int64_t		 last_ns;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	char		 state[48];
	char		 name[64];	/* from HELLO */
	char		 auth[24];	/* none, token, certificate, ... */
	char		 device_name[64];	/* its registry name, or "" */
	char		 tls[96];	/* "TLSv1.3 CIPHER", "" when plain */
	char		 tls_identity[128];	/* a client certificate's */
	char		 tls_subject[128];	/* its subject (may be cut) */
	uint64_t	 frames_in;
	uint64_t	 frames_out;
	char		 xname[64];	/* its transfer, "" when none */
	uint64_t	 xbytes;
	uint64_t	 xsize;
	double		 rate;		/* messages and readings a second */
};

/* What the log says of a client (address, server port, device), kept
 * by id whether or not its row is in the window: events about it carry
 * only some of it (a file event none). */
struct tui_who {
	uint32_t	 id;
	char		 peer[48];
	int		 peer_port;
	int		 port;
	char		 device[18];
};

/* A transfer as the server's account has it (its "transfers" answer):
 * every figure is the server's, none is worked out here. */
struct tui_xfer {
	uint64_t	 id;
	uint32_t	 client;
	char		 name[128];
	uint64_t	 bytes;		/* what really came */
	uint64_t	 size;
	uint64_t	 offset;	/* resumed from */
	double		 rate;		/* bytes a second, smoothed */
	char		 state[16];	/* receiving, stalled, ... stored */
	char		 reason[96];
	int64_t		 idle_ms;	/* since its last byte, at seen_ns */
	int64_t		 seen_ns;	/* when the answer came */
	int		 ended;
};

/* A device of the server's fleet (its "devices" answer), as that
 * answer had it; an event about it since may have changed its state. */
struct tui_device {
	char		 mac[18];
	char		 name[64];	/* its registry name, "" none */
	char		 state[8];	/* online, offline, silent */
	char		 address[64];	/* "ip:port" it came from last */
	char		 protocol[8];	/* legacy, ext */
	int		 tls;
	int64_t		 last_ms;	/* since it was last seen, at seen_ns */
	int64_t		 first_ns;	/* first seen */
	int64_t		 seen_ns;	/* when the answer came */
	uint64_t	 readings;
	uint64_t	 files;
	uint64_t	 messages;
	double		 interval_s;	/* its usual interval, 0 not known */
	double		 rate;		/* readings a second */
};

/* A bucket of a sensor's history: has == 0 is no data (a gap). */
struct tui_spoint {
	double		 lo, hi, last;
	int		 has;
};

/* A sensor, a (device, channel) pair, as the last answer had it. */
struct tui_sensor {
	char		 device[18];
	char		 channel[64];	/* "" for none (legacy) */
	double		 value;
	double		 min, max;	/* over the window, when have */
	int		 have;
	uint64_t	 count;
	double		 rate;
	int64_t		 age_ms;	/* at seen_ns */
	int64_t		 seen_ns;
	int64_t		 interval_ms;	/* 0: not known */
	struct tui_spoint hist[TUI_HIST];	/* oldest first */
};

/* The server's uptime now, in whole seconds: the last snapshot's figure
 * (in milliseconds, so the seconds turn when the server's do, whenever
 * the snapshot came) carried forward by the local clock, never going
 * back; the header's clock moves every second whatever the refresh and
 * however late a snapshot comes. */
struct tui_model;
int64_t tui_model_uptime(struct tui_model *m, int64_t now_ns);

struct tui_model {
	/* status */
	char		 version[16];
	char		 node_id[72];	/* --node-id, "" from an older one */
	int64_t		 uptime_ms;	/* at uptime_ns */
	int64_t		 uptime_ns;	/* tui_now_ns() it was read at */
	int64_t		 uptime_shown;	/* seconds, the most yet */
	char		 ports[64];
	int		 nlistening;
	int		 nports;
	int		 nclients;
	/* The server's rates over its window (status "rates"). */
	double		 in_rate;
	double		 out_rate;
	double		 readings_rate;
	double		 messages_rate;
	int		 rate_window;	/* seconds */
	/* The addresses a port listens on, each "ADDR IF" (and
	 * "(loopback)"): the header shows as many as fit. */
	char		 addrs[TUI_ADDRS_MAX][80];
	size_t		 naddrs;
	char		 failed[160];	/* ports that do not listen, why */
	uint64_t	 messages;
	size_t		 nblocked;	/* addresses, devices refused */
	char		 sinks[320];	/* each sink's state, rate, backlog */
	char		 sinks_short[160];	/* the same without why */
	int		 sinks_bad;	/* one is failing or blocked */
	int		 blocked;	/* readings wait: reading stopped */
	char		 store[12];	/* ok, behind (the disk), failing */
	int		 have_status;

	/* The client rows are a window of the server's table, in the
	 * order the dashboard asked for: clients_off is the first one's
	 * place in it, clients_total the connections on the server. */
	struct tui_client *clients;	/* TUI_WINDOW_MAX */
	size_t		 nclients_rows;
	size_t		 clients_off;
	size_t		 clients_total;
	int		 clients_sort;	/* index in tui_model_sorts */
	int		 clients_rev;	/* the order reversed */
	char		 clients_filter[64];	/* the rows it matched */
	size_t		 clients_match;	/* places in that order */
	int		 clients_stale;	/* clients came or went since */

	/* One client in full, for the detail view: the last answer
	 * about detail_id, and why it went (empty while connected). */
	uint32_t	 detail_id;
	int		 detail_have;
	struct tui_client detail;
	char		 detail_gone[160];
	int64_t		 detail_gone_ns;	/* when it went, or 0 */

	/* The last transfers answer: the first nxfers_live in flight, the
	 * ended ones after them; xfers_active counts all in flight. */
	struct tui_xfer	 xfers[TUI_XFERS_MAX];
	size_t		 nxfers;
	size_t		 nxfers_live;
	size_t		 xfers_active;
	int		 stall_seconds;
	int		 xfers_stale;	/* a file event came since */

	struct tui_sensor sensors[TUI_SENSORS_MAX];
	size_t		 nsensors;
	size_t		 nsensor_devs;	/* distinct devices among them */
	int		 sensors_window;	/* s the history covers */
	int64_t		 sensors_ns;	/* when the last sensors came */

	/* The last devices answer (the first TUI_DEVICES_MAX of them) and
	 * the server's counts; devices_error is why the server refused
	 * the request ("" while it answers), devices_ns when it last
	 * said either (0: not yet). */
	struct tui_device *devices;	/* TUI_DEVICES_MAX */
	size_t		 ndevices;
	size_t		 devices_total;
	size_t		 devices_online;
	size_t		 devices_offline;
	size_t		 devices_silent;
	char		 devices_error[128];
	int64_t		 devices_ns;

	char		 log[TUI_LOG_MAX][TUI_LOG_LEN];
	unsigned char	 log_level[TUI_LOG_MAX];	/* TUI_LV_* */
	struct tui_who	*who;		/* TUI_WHO_MAX, at id % TUI_WHO_MAX */
	size_t		 log_head;	/* oldest line */
	size_t		 log_count;
	uint64_t	 log_seq;	/* lines ever added */

	int		 gone;		/* the server went away */
	int64_t		 event_ns;	/* the newest event's time */
};

struct tui_model *tui_model_new(void);
void tui_model_free(struct tui_model *m);

/* A server again (attached anew): its figures, rows, transfers and
 * sensors start afresh; the log and the newest event's time stay. */
void tui_model_restart(struct tui_model *m);

/* Take one message: an event, or an answer to status, clients,
 * transfers, sensors or devices. Returns 1 when something visible changed. */
int tui_model_feed(struct tui_model *m, json_t *msg);

/* The server answered the devices request with an error (why): an
 * older server, or one without the command. The log says so once,
 * when it starts refusing; the Devices view says it while it lasts. */
void tui_model_devices_refused(struct tui_model *m, const char *why);

/* Seconds since device v was last seen, now. */
int64_t tui_device_age(const struct tui_device *v, int64_t now_ns);

/* Add a line of our own to the log (a request's outcome). */
void tui_model_log(struct tui_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The i-th log line, oldest first. */
const char *tui_model_log_line(const struct tui_model *m, size_t i);

/* A log line's severity: the level of the server's event it tells of
 * (its JSON "level"), or of the dashboard's own line. */
enum { TUI_LV_INFO, TUI_LV_WARNING, TUI_LV_ERROR };
int tui_model_log_level(const struct tui_model *m, size_t i);

struct tui_client *tui_model_client(struct tui_model *m, uint32_t id);

/* Seconds since sensor s's last reading, now; and whether it has been
 * silent for longer than about three of its usual intervals (never
 * less than 2 s: the answers come once a second). */
int64_t tui_sensor_age(const struct tui_sensor *s, int64_t now_ns);
int tui_sensor_silent(const struct tui_sensor *s, int64_t now_ns);
/* The detail view follows client id (0: none): what the window knows
 * of it now, the rest from the server's "client" answers. */
void tui_model_detail(struct tui_model *m, uint32_t id);

/* The sort keys of the clients request ("sort"), in the order the
 * dashboard cycles them: connected, id, peer, in, out, port, device,
 * name, last, state. */
extern const char *const tui_model_sorts[TUI_SORTS];

/* The client row at place i of the order, or NULL when the window does
 * not hold it. */
struct tui_client *tui_model_row(struct tui_model *m, size_t i);

#endif
