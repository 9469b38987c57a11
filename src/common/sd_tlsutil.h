/*
 * sd_tlsutil.h: what the server's TLS (server/sd_tls) and the client's
 * (client/sd_ctls) do alike with OpenSSL and libevent's OpenSSL
 * bufferevents: OpenSSL's words for a failure, a key never asked a
 * passphrase for at the terminal, close_notify without blocking. A
 * library of its own (tlsutil_dep), so only the roles that speak TLS
 * link OpenSSL.
 */
#ifndef SD_TLSUTIL_H
#define SD_TLSUTIL_H

#include <stddef.h>

#include "sd_util.h"

struct bufferevent;

/* OpenSSL's words for error e, or NULL when it has none. */
const char *sd_tlsu_words(unsigned long e);

/* A passphrase callback that gives none: an encrypted key is refused. */
int sd_tlsu_no_passphrase(char *buf, int size, int rw, void *arg);

/* Why the TLS layer of bev failed, in OpenSSL's words, or NULL when it
 * recorded nothing with words; *first (may be NULL) is then the error
 * they are for, else 0. Takes bev's errors. */
const char *sd_tlsu_bev_reason(struct bufferevent *bev,
    unsigned long *first);

/* Say close_notify if the socket takes it now; never blocks. */
void sd_tlsu_close_notify(struct bufferevent *bev);

/* Escape err in place (it names files, which may hold any byte). */
void sd_tlsu_esc_err(char err[SD_ERR_LEN]);

#endif
