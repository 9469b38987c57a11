/*
 * sd_listen.h: one listening socket per (port, address). A listener that
 * could not open keeps its reason for the status; the others serve.
 */
#ifndef SD_LISTEN_H
#define SD_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "sd_util.h"

struct evconnlistener;
struct event;
struct sd_server;
struct sockaddr;

struct sd_listener {
	struct sd_server	*srv;
	struct evconnlistener	*ev;
	struct event		*retry;		/* after EMFILE */
	uint16_t		 port;
	char			 addr[64];
	int			 listening;
	char			 reason[SD_ERR_LEN];
	uint32_t		 clients;
	uint64_t		 ended[2];	/* clients gone: legacy, ext */
	uint32_t		 handshakes;	/* TLS ones, not clients yet */
	uint32_t		 proxywaits;	/* PROXY headers awaited */
	int			 legacy;	/* takes legacy frames */
	int			 tls;		/* speaks TLS (sd_tls) */
	int			 removed;	/* by a reload: closed, kept
						   while it has clients */
};

/* Open l (port and addr set by the caller); on failure l->reason says
 * why. SD_OK or an error. */
int sd_listen_open(struct sd_listener *l, struct sd_server *srv);

/* Admit fd, accepted on l, by the address sa (the peer's, or the one
 * its PROXY header gave): the allow/deny rules, blocks, the TLS
 * throttle and the per-address cap, then a client (sd_conn) or a
 * refusal (logged, fd closed). */
void sd_listen_admit(struct sd_listener *l, int fd,
    const struct sockaddr *sa, int salen);

/* The numeric address of sa into buf, its port into *port. */
int sd_listen_peer(const struct sockaddr *sa, char *buf, size_t len,
    uint16_t *port);

/* Close l. */
void sd_listen_close(struct sd_listener *l);

/* Stop accepting (shutdown). */
void sd_listen_stop(struct sd_listener *l);

#endif
