/*
 * sd_client.h: the client core of sockdeck: one connection to a server,
 * as a state machine on an event loop (unconnected -> resolving ->
 * connecting -> connected -> closing, with reasons), speaking the
 * extension protocol (HELLO first) or, with legacy set, exactly the
 * bytes of the original client.
 *
 * What happens is reported through struct sd_client_cbs; both front
 * ends, the command line and the TUI, consume it. Files are streamed
 * from disk in bounded pieces as the socket drains, never read whole.
 */
#ifndef SD_CLIENT_H
#define SD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "sd_ctls.h"
#include "sd_proto.h"
#include "sd_util.h"

struct event_base;
struct evdns_base;
struct sd_client;

enum sd_client_state {
	SD_CLIENT_UNCONNECTED,
	SD_CLIENT_RESOLVING,
	SD_CLIENT_CONNECTING,
	SD_CLIENT_CONNECTED,
	SD_CLIENT_CLOSING
};

struct sd_client_cbs {
	void	*arg;
	/* The state changed; reason says why (a failed connect, a close). */
	void	(*state)(enum sd_client_state st, const char *reason,
		    void *arg);
	/* Text from the server: a TEXT frame (kind, ref), or for a legacy
	 * connection raw bytes as they came (kind 0). */
	void	(*text)(int kind, uint32_t ref, const char *text, size_t len,
		    void *arg);
	/* File bytes confirmed sent (queued to the socket) so far. */
	void	(*progress)(uint64_t done, uint64_t size, void *arg);
	/* The server's FILE_RESULT. */
	void	(*result)(const struct sd_file_result *r, void *arg);
	/* Readings up to seq are durable on the server. */
	void	(*acked)(uint64_t seq, void *arg);
	/* An ERROR frame, or a local failure (code 0). */
	void	(*error)(int code, const char *text, void *arg);
};

struct sd_client_opts {
	int		 legacy;
	uint8_t		 dev[SD_MAC_LEN];
	const char	*name;		/* sent in HELLO */
	const char	*token;		/* sent in HELLO; NULL: none */
	unsigned	 timeout;	/* connect timeout, seconds */
	int		 reconnect;	/* after a drop, with backoff */
	struct sd_ctls	*tls;		/* NULL: plain TCP; not owned */
};

struct sd_client *sd_client_new(struct event_base *base,
    struct evdns_base *dns, const struct sd_client_opts *opts,
    const struct sd_client_cbs *cbs);
void sd_client_free(struct sd_client *c);

/* Start connecting to host:port. */
int sd_client_connect(struct sd_client *c, const char *host, int port);

/* Close the connection (after queued output when graceful). A close
 * asked for here is never followed by an automatic reconnect. */
void sd_client_close(struct sd_client *c, int graceful);

/* Connect over TLS with tls from now on (NULL: plain TCP; not owned,
 * kept until changed or the client is freed). SD_ERR_INVAL while a
 * connection is open: close it first. */
int sd_client_set_tls(struct sd_client *c, struct sd_ctls *tls);

/* Turn reconnecting after a drop on or off (1s, 2s, 4s ... 30s). */
void sd_client_set_reconnect(struct sd_client *c, int on);

enum sd_client_state sd_client_state(const struct sd_client *c);

/* The TLS session of the connection (its handshake done), or NULL
 * (plain, or not connected). */
const struct sd_ctls_info *sd_client_tls(const struct sd_client *c);
const char *sd_client_state_name(enum sd_client_state st);

/* Send a message; *id is its MSG id (0 for legacy). */
int sd_client_send_text(struct sd_client *c, const char *text, size_t len,
    uint32_t *id);

/* Send a file; SD_OK or an error with err (missing, unreadable).
 * An extension transfer cut by a dropped connection stays pending and
 * is offered again on the next connect: the server answers with the
 * offset it holds. A legacy one is over with the connection. */
int sd_client_send_file(struct sd_client *c, const char *path,
    char err[SD_ERR_LEN]);

/* Give up the file in flight (FILE_CANCEL; a legacy frame cannot be
 * cut short, so the connection is closed instead). */
void sd_client_cancel_file(struct sd_client *c);

/* The file in flight, sent or waiting for a connection; NULL if none. */
const char *sd_client_file_name(const struct sd_client *c);

/* Send readings of one channel (NULL: none); *seq is the batch
 * number to wait an ack for (0 for legacy, which has no acks). */
int sd_client_send_readings(struct sd_client *c, const double *v, size_t n,
    const char *channel, uint64_t *seq);

/* Bytes queued and not yet written to the socket. */
size_t sd_client_pending(const struct sd_client *c);

/* The device id the original client used: the MAC address of the last
 * interface, in the system's order, that has one (not the loopback, not
 * all zero). SD_ERR_INVAL when none has. */
int sd_client_default_device(uint8_t dev[SD_MAC_LEN]);

/* The same rule over a getifaddrs(3) list. */
struct ifaddrs;
int sd_client_pick_device(const struct ifaddrs *list,
    uint8_t dev[SD_MAC_LEN]);

#endif
