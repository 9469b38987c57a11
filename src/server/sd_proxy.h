/*
 * sd_proxy.h: connections to a --proxy-protocol port before they are
 * clients. Each comes from a --proxy-from address (or is refused at
 * accept) and must send a PROXY header (sd_proxyhdr) first, within
 * --tls-handshake-timeout; nothing of it is read as a frame until then.
 * The header is taken off the socket and no byte more, so a TLS port's
 * handshake starts after it on the same descriptor. The header's source
 * address is then admitted (sd_listen_admit) as if it had connected: the
 * allow/deny rules, the per-address cap, the client table and the logs
 * see it. A LOCAL header (a balancer's health check) keeps the
 * connection's own address; one that closes before its first byte after
 * the header is let go without a word.
 */
#ifndef SD_PROXY_H
#define SD_PROXY_H

#include <sys/queue.h>

struct sockaddr;
struct sd_listener;
struct sd_server;

/* Why a connection to a proxied port was refused (the metric's
 * reasons, sd_metrics). */
enum sd_proxy_refusal {
	SD_PROXY_NOT_FROM,	/* from outside --proxy-from */
	SD_PROXY_MISSING,	/* its first bytes are no PROXY header */
	SD_PROXY_INVALID,	/* a broken or unsupported header */
	SD_PROXY_TIMEOUT,	/* no whole header in time */
	SD_PROXY_CLOSED,	/* closed before its header ended */
	SD_PROXY_REFUSAL_COUNT
};

struct sd_proxywait;
TAILQ_HEAD(sd_proxywait_list, sd_proxywait);

/* Take fd (accepted on l from sa) until its header is read; fd is
 * closed (refused, counted and logged) when it may not stay. */
void sd_proxy_start(struct sd_listener *l, int fd,
    const struct sockaddr *sa, int salen);

/* Close every connection still waiting for its header. */
void sd_proxy_close_all(struct sd_server *srv);

#endif
