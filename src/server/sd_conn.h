/*
 * sd_conn.h: one client connection: its bufferevent, its decoder and
 * what the registry shows of it.
 *
 * A connection is created by a listener and owned by the server's
 * registry. sd_conn_close() takes it out of the registry at once (so a
 * disconnect shows immediately) and moves it, bufferevent and all, to
 * the server's dead list, which sd_conn_free_dead() empties from its own
 * event: a callback that still holds a closed connection (or its
 * buffers) never touches freed memory; code that may have closed it
 * checks sd_conn_dead() before acting on it again.
 *
 * On a TLS port (sd_tls) a connection is first a handshake: it holds
 * its place (the clients' caps count it) on the server's handshakes
 * list, with no id, no registry row and no events, until its handshake
 * is done (then it joins the registry as any client does, its connect
 * event saying the version and cipher) or fails or runs out of
 * --tls-handshake-timeout (then one drop event says why, summarised
 * with the others, and it is closed).
 */
#ifndef SD_CONN_H
#define SD_CONN_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/queue.h>

#include "sd_evrate.h"
#include "sd_fleet.h"
#include "sd_proto.h"
#include "sd_proto_dec.h"
#include "sd_rate.h"
#include "sd_tls.h"

struct bufferevent;
struct event;
struct sd_server;
struct sd_listener;
struct sd_xfer;

/* Why a connection is not read (backpressure); it is read again when
 * every stage that holds it has released it. */
enum sd_hold {
	SD_HOLD_DISK = 1 << 0,	/* its file's bytes wait for the disk */
	SD_HOLD_SPOOL = 1 << 1,	/* the readings spool is full or failing */
	SD_HOLD_RATE = 1 << 2,	/* its device spent its --device-rate */
	SD_HOLD_TURN = 1 << 3,	/* its last turn left input unparsed */
	SD_HOLD_OUT = 1 << 4	/* its answers wait for it to read them */
};

/* The holds that are the server's own backpressure (shown as paused):
 * a turn's end and a peer's unread answers are not. */
#define SD_HOLD_PAUSED	(SD_HOLD_DISK | SD_HOLD_SPOOL | SD_HOLD_RATE)

enum sd_conn_state {
	SD_CONN_HANDSHAKE,	/* TLS handshake under way: no client yet */
	SD_CONN_OPEN,		/* reading and answering */
	SD_CONN_DRAINING,	/* no more reading; closes once output is out */
	SD_CONN_DEAD		/* closed, waiting to be freed */
};

struct sd_conn {
	TAILQ_ENTRY(sd_conn)	 entry;
	struct sd_server	*srv;
	struct sd_listener	*lst;
	struct bufferevent	*bev;
	enum sd_conn_state	 state;
	uint32_t		 id;
	int			 fd;
	char			 peer[INET6_ADDRSTRLEN];
	uint16_t		 peer_port;
	uint16_t		 port;		/* the server's port */
	int			 tls;		/* on a TLS port */
	char			 tls_version[SD_TLS_VERSION_LEN];
	char			 tls_cipher[SD_TLS_CIPHER_LEN];
	/* A verified client certificate (mutual TLS), NULL without one:
	 * its identity as --tls-identity takes it ("sha256:HEX" for the
	 * fingerprint, else the CN, URI or DNS name) and its subject,
	 * both as the certificate has them (escape before showing). */
	char			*tls_identity;
	char			*tls_subject;
	int64_t			 connected_ns;
	int64_t			 last_active_ns;	/* wall clock */
	int64_t			 active_ns;	/* last whole frame, mono */
	int64_t			 frame_start_ns;	/* 0: between frames */
	int64_t			 drain_start_ns;
	int64_t			 deadline_ns;	/* timer armed for, mono */
	struct event		*deadline_ev;
	uint8_t			 dev[SD_MAC_LEN];
	int			 has_dev;
	int			 ext;		/* speaks extension frames */
	int			 hello;		/* said HELLO (once only) */
	int			 authed;	/* presented --token */
	char			 name[64];	/* from HELLO */
	/* With a registry (sd_handle_reg): the device last admitted, its
	 * name, and whether the connection is bound to it (a HELLO or a
	 * certificate proved it: no other device may be named). Copies,
	 * since a reload swaps the registry. */
	int			 reg_seen;	/* a frame was admitted */
	int			 reg_bound;
	uint32_t		 reg_gen;	/* srv->reg_gen it was for */
	uint8_t			 reg_mac[SD_MAC_LEN];
	char			 reg_name[64];
	int			 has_reg_sha;	/* HELLO's token's SHA-256 */
	uint8_t			 reg_sha[32];
	struct sd_fleet_ref	 fleet;		/* its device in the fleet */
	char			 fleet_addr[SD_FLEET_ADDR_LEN];	/* "" or
					   peer:port, formatted once */
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 frames_in;
	uint64_t		 frames_out;
	struct sd_rate		 rate;		/* messages and readings */
	struct sd_proto_dec	 dec;
	struct sd_xfer		*xfer;		/* extension transfer offered */
	struct sd_xfer		*lxfer;		/* legacy file being received */
	struct sd_xfer		*body;		/* where DATA goes, or NULL */
	uint64_t		 ack_seq;	/* batch waiting for the disk */
	uint64_t		 ack_need;	/* its end (mark) */
	int			 ack_pending;	/* on srv->acks */
	TAILQ_ENTRY(sd_conn)	 ackq;
	unsigned		 holds;		/* SD_HOLD_*: why not read */
	int64_t			 out_held_ns;	/* SD_HOLD_OUT since */
	uint8_t			 rate_dev[SD_MAC_LEN];	/* first device */
	int			 has_rate_dev;
	uint32_t		 block_gen;	/* sd_blocks.gen when */
	uint8_t			 block_dev[SD_MAC_LEN];	/* was not blocked */
	struct event		*rate_ev;	/* ends SD_HOLD_RATE */
	int			 answers_owed;	/* files the store finishes */
	struct event		*resume_ev;	/* its next turn */
	int64_t			 bulk_until_ns;	/* busy: in SD_PRIO_BULK */
	char			*drain_reason;	/* malloc'd, or NULL */
	enum sd_ev_level	 close_level;	/* its disconnect's, or KIND */
	struct sd_evrate	 evrate;	/* its repeated errors */
	struct sd_conn		*hnext;		/* in its srv->byid bucket */
	unsigned		 ncursors;	/* sd_conn_cursors at it */
	TAILQ_ENTRY(sd_conn)	 spoolq;	/* on srv->spool_held */
	int64_t			 spool_held_ns;	/* since, mono */
};

/* Take an accepted socket; NULL when out of memory (fd closed). */
struct sd_conn *sd_conn_new(struct sd_server *srv, struct sd_listener *lst,
    int fd, const struct sockaddr *sa, int salen);

/* Close now (output not yet sent is dropped), say why, and free the
 * connection from the loop. A handshake that never made a client is
 * closed without a word: its caller said why. */
void sd_conn_close(struct sd_conn *c, const char *reason);

/* The open (or draining) connection with id, or NULL: for answers that
 * come back later (the file store's), whose connection may be gone. */
struct sd_conn *sd_conn_find(struct sd_server *srv, uint32_t id);

/* The id table of srv (buckets for max_clients, capped): SD_OK or
 * SD_ERR_NOMEM. Freed by sd_conn_table_free(). */
int sd_conn_table_init(struct sd_server *srv);
void sd_conn_table_free(struct sd_server *srv);

/*
 * A place in srv->conns for answers written a piece at a time: it
 * survives the connection it points at being closed (sd_conn_close
 * moves it on to the next). Start puts it at the first connection,
 * next returns the connection it is at and moves on (NULL at the end),
 * stop forgets it; a started cursor must be stopped before it is freed.
 */
struct sd_conn_cursor {
	TAILQ_ENTRY(sd_conn_cursor)	 entry;
	struct sd_conn			*at;
};
void sd_conn_cursor_start(struct sd_server *srv, struct sd_conn_cursor *cur);
struct sd_conn *sd_conn_cursor_next(struct sd_conn_cursor *cur);
void sd_conn_cursor_stop(struct sd_server *srv, struct sd_conn_cursor *cur);

/* Free every closed connection; only from outside their callbacks. */
void sd_conn_free_dead(struct sd_server *srv);

/* Stop reading, send what is queued, then close saying why. */
void sd_conn_drain(struct sd_conn *c, const char *reason);

static inline int
sd_conn_dead(const struct sd_conn *c)
{
	return c->state == SD_CONN_DEAD;
}

/* Queue bytes; drops the client when its output passes the cap. Returns
 * SD_OK, or an error when the connection was closed. */
int sd_conn_write(struct sd_conn *c, const void *p, size_t len);

/* Queue a frame built by an sd_proto_enc_* call into a scratch buffer. */
int sd_conn_send_text(struct sd_conn *c, uint8_t kind, uint32_t ref,
    const char *text, size_t len);
int sd_conn_send_error(struct sd_conn *c, uint16_t code, uint16_t ref_type,
    uint32_t ref_id, const char *text);

/* Backpressure: stage why stops reading c, or lets it go on; c is read
 * again once no stage holds it. */
void sd_conn_hold(struct sd_conn *c, enum sd_hold why);
void sd_conn_release(struct sd_conn *c, enum sd_hold why);

/* How c was identified: "registry" (--devices admitted it), else by a
 * client certificate, --token, both, or not at all: "certificate",
 * "certificate, token", "certificate, no token", "token", "no token",
 * "none". */
const char *sd_conn_auth(const struct sd_conn *c);

/* The device id as text, or "" when none was seen. */
void sd_conn_device(const struct sd_conn *c, char buf[18]);

#endif
