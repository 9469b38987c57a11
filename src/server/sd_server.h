/*
 * sd_server.h: the server core: one event loop, its listeners, the client
 * registry, the file store and the reading pipeline, and the requests a
 * front end may make (broadcast, send, kick, shut down).
 *
 * Everything an operator may want to see goes out on srv->events; the
 * front ends (headless logger, control socket, dashboard) never touch
 * the structures below: they read answers (sd_ctl_answer: status,
 * clients, sensors; sd_server_port for the ports) and make requests.
 *
 * Calls go one way: server -> listen -> conn -> handle -> {files,
 * pipeline}. The modules below read the shared state here (settings,
 * totals, the bus) but call nothing back in this file; answers that
 * come later (the file store's) find their connection with
 * sd_conn_find().
 */
#ifndef SD_SERVER_H
#define SD_SERVER_H

#include <stdint.h>
#include <sys/queue.h>

#include "sd_config.h"
#include "sd_err.h"
#include "sd_events.h"
#include "sd_evrate.h"
#include "sd_proto.h"
#include "sd_proxy.h"
#include "sd_rate.h"
#include "sd_util.h"

struct event_base;
struct event;
struct sd_conn;
struct sd_files;
struct sd_pipeline;
struct sd_listener;
struct sd_registry;
struct sd_tls;
struct sd_reload;
struct sd_fleet;
struct sd_fleet_file;
struct sd_sink;
struct sd_spool;
struct sd_spoolrange;

struct sd_totals {
	uint64_t	 messages;
	uint64_t	 files;
	uint64_t	 readings;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 bad_frames;
	uint64_t	 connections;
	uint64_t	 tls_handshakes;	/* done: became clients */
	uint64_t	 tls_failed;	/* refused, cut, timed out, closed */
	uint64_t	 tls_timeouts;	/* of those, out of time */
	uint64_t	 reg_refused;	/* frames the registry refused */
	uint64_t	 reg_mismatch;	/* naming another device than the
					   connection's */
	uint64_t	 tls_cert_failed;	/* of those, client's cert */
	uint64_t	 tls_throttled;	/* refused at accept: tls_fails */
	uint64_t	 auth_refused;	/* HELLOs refused for --token */
	uint64_t	 spool_pauses;	/* clients held by SD_HOLD_SPOOL */
	int64_t		 spool_paused_ns;	/* ... for so long, ended */
	/* bad_frames by the decoder's reason (SD_ERR_*), and the file
	 * store's answers by status (SD_FILE_*; others in the last) */
	uint64_t	 bad_by[SD_ERR_COUNT];
	uint64_t	 file_results[SD_FILE_REJECTED + 2];
	uint64_t	 proxy_refused[SD_PROXY_REFUSAL_COUNT];	/* by
					   enum sd_proxy_refusal */
};

/* The totals a second, over the last SD_RATE_WINDOW whole seconds: the
 * figures status gives, the dashboard shows and ctl prints, so they
 * agree. Counted once a turn of a connection, not per frame. */
struct sd_rates {
	struct sd_rate	 messages;
	struct sd_rate	 readings;
	struct sd_rate	 bytes_in;
	struct sd_rate	 bytes_out;
};

TAILQ_HEAD(sd_conn_list, sd_conn);
TAILQ_HEAD(sd_cursor_list, sd_conn_cursor);
struct sd_throttle;

/* Refused HELLOs an address may make in a window before every HELLO of
 * its is refused unheard until the window ends (no token guessing). */
#define SD_HELLO_FAIL_MAX	10
#define SD_HELLO_FAIL_WINDOW	(60 * INT64_C(1000000000))

/* Failed TLS handshakes an address may make in a window before its
 * connections to TLS ports are refused at accept until the window
 * ends: each costs the server a signature, and a wrong certificate
 * tried again and again is a guess. Generous for devices retrying. */
#define SD_TLS_FAIL_MAX		30
#define SD_TLS_FAIL_WINDOW	(60 * INT64_C(1000000000))

struct sd_server {
	struct event_base	*base;
	const struct sd_config	*cfg;
	struct sd_events	*events;
	struct sd_history	*history;	/* for attach */
	/* Each listener is allocated alone: connections point to theirs,
	 * and a reload adds and removes some. A removed one (port gone
	 * from --ports) stays, closed, until its last client ends. */
	struct sd_listener	**listeners;
	size_t			 nlisteners;
	struct sd_reload	*reload;	/* set by main; NULL: none */
	struct sd_conn_list	 conns;
	struct sd_conn_list	 handshakes;	/* TLS, not clients yet */
	size_t			 nhandshakes;
	struct sd_proxywait_list proxywaits;	/* PROXY headers awaited
						   (sd_proxy) */
	size_t			 nproxywaits;
	struct sd_tls		*tls;		/* NULL: no TLS port */
	struct sd_evrate	 tls_rate;	/* failed handshakes */
	struct sd_conn_list	 dead;		/* closed, to be freed */
	struct sd_conn_list	 acks;		/* batches not on disk yet,
						   by ack_need (ackq) */
	struct sd_conn_list	 spool_held;	/* held by SD_HOLD_SPOOL
						   (spoolq) */
	struct sd_conn		**byid;		/* id table (hnext) */
	uint32_t		 byid_mask;	/* its buckets - 1 */
	struct sd_cursor_list	 cursors;	/* sd_conn_cursor in use */
	struct event		*reap;		/* frees the dead */
	size_t			 nconns;
	uint32_t		 next_id;
	struct sd_files		*files;
	struct sd_pipeline	*pipe;
	struct sd_totals	 totals;
	struct sd_rates		 rates;
	struct sd_throttle	*hello_fails;	/* refused HELLOs by address */
	struct sd_throttle	*tls_fails;	/* failed handshakes, too */
	struct sd_throttle	*dev_bytes;	/* --device-rate, by device */
	int64_t			 started_ns;
	int64_t			 started_mono;
	struct event		*tick;		/* once a second */
	struct event		*flush;		/* readings to disk */
	struct event		*spool_ev;	/* the spool's writes done */
	struct event		*stop_timer;	/* shutdown deadline */
	int			 stopping;
	int			 store_failing;	/* said so already */
	struct sd_evrates	 evrates;	/* repeated errors summarised */
	struct sd_evrate	 accept_rate;	/* refusals at accept */
	struct sd_admit		*admit;		/* clients per address */
	struct sd_blocks	*blocks;	/* kick-and-block */
	struct sd_registry	*registry;	/* --devices, or NULL */
	struct sd_fleet		*fleet;		/* every device seen */
	struct sd_fleet_file	*fleet_file;	/* DATA_DIR/fleet */
	int64_t			 fleet_saved;	/* mono: last written */
	uint32_t		 reg_gen;	/* one more each swap */
};

/* Create the data directory, files/ and sensors/ (0750) when missing,
 * and check that each is a directory of this user that group and others
 * cannot write to; err says what is wrong and how to fix it. */
int sd_server_check_dirs(const struct sd_config *cfg, char err[SD_ERR_LEN]);

/* Create the core on base: open the data directories, the listeners
 * (a port that fails is reported and skipped), the file store and the
 * pipeline; tls (sd_tls_new's, or NULL) serves the TLS ports and must
 * outlive the server. SD_OK, or an error with err filled in (for
 * instance no port could be opened). */
int sd_server_new(struct event_base *base, const struct sd_config *cfg,
    struct sd_tls *tls, struct sd_events *events, struct sd_server **out,
    char err[SD_ERR_LEN]);

/* Close everything and free the server; flushes the pipeline. */
void sd_server_free(struct sd_server *srv);

/* The sink kind ("influx" or "kafka") as cfg configures it, reading sp,
 * or replaying range (sp NULL): the server's sinks, and the one of
 * "sockdeckd spool replay", are built here alike. NULL with err when cfg
 * does not configure it or it cannot start. */
struct sd_sink *sd_server_sink_new(const struct sd_config *cfg,
    struct event_base *base, const char *kind, struct sd_spool *sp,
    struct sd_spoolrange *range, struct sd_events *events,
    char err[SD_ERR_LEN]);

/* Requests. */
int sd_server_broadcast(struct sd_server *srv, const char *text, size_t len);
int sd_server_send(struct sd_server *srv, uint32_t id, const char *text,
    size_t len);
int sd_server_kick(struct sd_server *srv, uint32_t id);
/* Kick id and refuse its address (an IPv6 /64 as one) and its device
 * for secs seconds: SD_OK, or SD_ERR_INVAL when there is no such
 * client. */
int sd_server_block(struct sd_server *srv, uint32_t id, int64_t secs);

/* A warning event when srv's TLS context (srv->tls) holds a certificate
 * out of its dates (sd_tls_dates): at start, and at each reload. */
void sd_server_say_tls_dates(struct sd_server *srv);

/* Put reg (sd_registry_load's, or NULL for none) in force, taking
 * it; the one before goes to *old (the caller's to free: a reload frees
 * it off the loop), or is freed here when old is NULL. Every client is
 * looked at again: one whose device is now unknown, revoked, not
 * allowed from its address or not proved by its credential is closed
 * ("revoked at reload: " and why, one disconnect event each). Returns
 * how many were closed. */
size_t sd_server_set_registry(struct sd_server *srv,
    struct sd_registry *reg, struct sd_registry **old);

/* Stop accepting; let transfers finish for the shutdown timeout, then
 * close every client, flush and break the loop. */
void sd_server_shutdown(struct sd_server *srv, const char *reason);

/* Per-port state for status. */
struct sd_port_status {
	uint16_t	 port;
	const char	*addr;
	int		 listening;
	const char	*reason;	/* why it failed */
	uint32_t	 clients;
	int		 tls;		/* a TLS port */
	int		 removed;	/* by a reload; kept for its clients */
	uint64_t	 ended[2];	/* clients gone: legacy, extension */
};

size_t sd_server_nports(const struct sd_server *srv);

/* Open a listener on port at addr (in srv->listeners): SD_OK, or an
 * error with the listener kept, its reason set (shown in status). */
int sd_server_listen_one(struct sd_server *srv, uint16_t port,
    const char *addr, const char **reason);

/* Free the removed listeners whose last connection ended. */
void sd_server_sweep_listeners(struct sd_server *srv);
void sd_server_port(const struct sd_server *srv, size_t i,
    struct sd_port_status *st);

#endif
