/*
 * sd_tls.h: TLS on the ports of --tls-ports, through OpenSSL and
 * libevent's OpenSSL bufferevents.
 *
 * One context (SSL_CTX) is built at start from --tls-cert, --tls-key,
 * --tls-min-version, --tls-ciphers, --tls-ciphersuites and, for mutual
 * TLS, --tls-client-ca, --tls-require-client-cert and --tls-identity,
 * and checked there: a file that cannot be read, a key that is not the
 * certificate's or a cipher list OpenSSL refuses stops the start.
 * Everything it needs is built here from the config, so a new context
 * is a whole new configuration. No session is ever resumed. It
 * takes no compression and no renegotiation, and a peer that closes
 * without close_notify (a device losing power) is an end of stream, not
 * an error. Each connection on a TLS port gets an SSL of its own inside
 * its bufferevent, which owns it (freed with the bufferevent). The SSL
 * holds a reference to its SSL_CTX: a reload frees the old struct
 * sd_tls while sessions made from it go on (nothing of a connection
 * points into struct sd_tls itself; a handshake that ends after a
 * reload is checked against the new one's settings). Files over 4 MiB
 * are refused: each reload reads them again.
 */
#ifndef SD_TLS_H
#define SD_TLS_H

#include <stddef.h>
#include <time.h>

#include "sd_config.h"
#include "sd_util.h"

struct bufferevent;
struct event_base;
struct sd_tls;

/* A negotiated session, for clients and events: "TLSv1.3" and
 * "TLS_AES_256_GCM_SHA384". */
#define SD_TLS_VERSION_LEN	16
#define SD_TLS_CIPHER_LEN	64
/* A client certificate's identity (a longer field is none) and its
 * subject (a longer one is cut). */
#define SD_TLS_IDENTITY_LEN	256
#define SD_TLS_SUBJECT_LEN	512

/*
 * Build the context for cfg's TLS ports: SD_OK with *out set (NULL when
 * cfg names no TLS port), or SD_ERR_INVAL / SD_ERR_NOMEM with err
 * naming the option and OpenSSL's reason. Freed by sd_tls_free().
 */
int sd_tls_new(const struct sd_config *cfg, struct sd_tls **out,
    char err[SD_ERR_LEN]);
void sd_tls_free(struct sd_tls *t);

/* The SHA-256 of the certificate t serves (a reload compares them: the
 * same path may hold a new certificate): SD_OK, or an error with out
 * zeroed (t NULL). */
int sd_tls_cert_digest(const struct sd_tls *t, unsigned char out[32]);

/* A SHA-256 over the client CAs of --tls-client-ca that t trusts (the
 * same CAs give the same digest): SD_OK, or an error with out zeroed
 * (t NULL, or no client CA). */
int sd_tls_ca_digest(const struct sd_tls *t, unsigned char out[32]);

/* Whether a certificate t holds is out of its dates at now: the
 * server's own (--tls-cert) or a CA of --tls-client-ca, expired or not
 * valid yet; out says which, when and what it does, for the operator
 * (the first found; the server's own first). 0 when all are valid. */
int sd_tls_dates(const struct sd_tls *t, time_t now, char out[SD_ERR_LEN]);

/* A bufferevent that accepts a TLS handshake on fd and owns fd and its
 * SSL (BEV_OPT_CLOSE_ON_FREE), with dirty shutdowns allowed; NULL out
 * of memory (fd is then left open). */
struct bufferevent *sd_tls_bev_new(struct sd_tls *t, struct event_base *base,
    int fd);

/* The version and cipher a finished handshake agreed on. */
void sd_tls_session(struct bufferevent *bev, char version[SD_TLS_VERSION_LEN],
    char cipher[SD_TLS_CIPHER_LEN]);

/* Why the TLS layer of bev failed, in OpenSSL's words ("wrong version
 * number", "no shared cipher", "certificate has expired"): the first
 * error it recorded, or what is passed as def when it recorded none.
 * Takes bev's errors. Returns 1 when the client's certificate was the
 * reason (missing when required, or not verified), else 0. */
int sd_tls_reason(struct bufferevent *bev, const char *def, char *buf,
    size_t len);

/*
 * After a handshake with --tls-client-ca: the verified client
 * certificate's identity as --tls-identity takes it and its subject
 * (RFC 2253, one line), each malloc'd for the caller, or NULL (no
 * certificate, or out of memory). Both hold the certificate's bytes:
 * escape them before showing. Returns NULL, or why the client is
 * refused: with --tls-require-client-cert, a certificate that lacks
 * the identity's field (without it, such a client is admitted with no
 * identity, as one without a certificate is).
 */
const char *sd_tls_peer(struct sd_tls *t, struct bufferevent *bev,
    char **identity, char **subject);

/* Say close_notify: all that was queued for the peer is out and the
 * server ends the session in order. Never blocks; when the socket
 * cannot take the alert now, it is not sent. */
void sd_tls_close_notify(struct bufferevent *bev);

/* Whether the peer's ClientHello came whole: a peer that left before
 * (a TCP health check, a port scan) cost the server no signature. */
int sd_tls_hello_seen(struct bufferevent *bev);

#endif
