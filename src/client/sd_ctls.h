/*
 * sd_ctls.h: the client's TLS (sockdeck --tls), through OpenSSL and
 * libevent's OpenSSL bufferevents.
 *
 * One context (SSL_CTX) is built at start from the options and checked
 * there: a CA, certificate or key file that cannot be used stops the
 * program before it connects. It trusts the system's CAs, or only
 * --tls-ca's; it takes TLS 1.2 and later. Each connection gets an SSL
 * of its own inside its bufferevent, which owns it, set up to check the
 * server's certificate against the name or address connected to (an
 * IPv6 address's zone, "%eth0", left out), and to send that name as SNI
 * (never an address: RFC 6066 forbids it).
 * --tls-insecure checks nothing and still encrypts.
 */
#ifndef SD_CTLS_H
#define SD_CTLS_H

#include <stddef.h>

#include "sd_util.h"

struct bufferevent;
struct event_base;
struct sd_ctls;

struct sd_ctls_opts {
	const char	*ca;		/* NULL: the system's CAs */
	const char	*cert;		/* a client certificate (PEM chain) */
	const char	*key;		/* its key; both or neither */
	int		 insecure;	/* no verification at all */
};

/* A finished handshake, for the screen and --verbose. The texts come
 * from the server's certificate: they are escaped (sd_esc_text) here,
 * and still go through the escaping of wherever they are shown. */
struct sd_ctls_info {
	char	 version[16];		/* "TLSv1.3" */
	char	 cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	char	 subject[256];		/* the CN, or the whole subject */
	char	 expires[16];		/* "2027-12-04" (notAfter, UTC) */
	int	 insecure;
};

/* Build the context: SD_OK with *out set, or SD_ERR_INVAL /
 * SD_ERR_NOMEM with err naming the option, the file and why. */
int sd_ctls_new(const struct sd_ctls_opts *o, struct sd_ctls **out,
    char err[SD_ERR_LEN]);
void sd_ctls_free(struct sd_ctls *t);

/* A bufferevent with no socket yet (connect it with
 * bufferevent_socket_connect_hostname) that does the client's side of
 * the handshake for host once connected; BEV_EVENT_CONNECTED comes
 * when the handshake is done. It owns its SSL and socket; an end
 * without close_notify is an end of stream. NULL out of memory. */
struct bufferevent *sd_ctls_bev_new(struct sd_ctls *t,
    struct event_base *base, const char *host);

/* What the handshake of bev agreed on. */
void sd_ctls_info(const struct sd_ctls *t, struct bufferevent *bev,
    struct sd_ctls_info *out);

/* Why the TLS layer of bev failed or its stream ended: 1 with buf set
 * ("certificate verify failed: unable to get local issuer certificate",
 * or OpenSSL's words, an alert the socket still held unread included:
 * TLS 1.3 refuses a client certificate after the client's handshake is
 * done), 0 when TLS has nothing to say (a socket error or a plain
 * close, then). Takes bev's errors; never blocks. */
int sd_ctls_reason(struct bufferevent *bev, char *buf, size_t len);

#endif
