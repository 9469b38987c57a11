/*
 * sd_tls.c: the server's TLS context and its connections' SSLs (see
 * sd_tls.h).
 */
#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sd_err.h"
#include "sd_esc.h"
#include "sd_tls.h"

/* A certificate, chain or key file is read on the event loop when a
 * reload asks: it must be small. */
#define SD_TLS_FILE_MAX		(4 << 20)
#define SD_TLS_FILE_MAX_STR	"4 MiB"

/* The errors libevent keeps of one bufferevent (its NUM_ERRORS). */
#define TLS_BEV_ERRORS	8

struct sd_tls {
	SSL_CTX		*ctx;
};

/* OpenSSL's words for error e, or NULL when it has none. */
static const char *
tls_words(unsigned long e)
{
	if (e == 0 || ERR_GET_LIB(e) == 0)
		return NULL;
	return ERR_reason_error_string(e);
}

/* Why the last OpenSSL call failed: the first error of the thread's
 * queue, which is emptied. */
static void
tls_queue_reason(char *buf, size_t len)
{
	const char *r = tls_words(ERR_peek_error());

	snprintf(buf, len, "%s", r != NULL ? r : "refused by OpenSSL");
	ERR_clear_error();
}

/* An encrypted key is refused, never asked for at the terminal. */
static int
tls_no_passphrase(char *buf, int size, int rw, void *arg)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)arg;
	return 0;
}

/* SD_OK when path is a regular file that opens for reading, or err
 * names opt and why not (OpenSSL's words for a missing file or a
 * directory are less plain). */
static int
tls_readable(const char *opt, const char *path, char err[SD_ERR_LEN])
{
	FILE *fp = fopen(path, "r");
	struct stat st;
	const char *why = NULL;

	if (fp == NULL)
		why = strerror(errno);
	else if (fstat(fileno(fp), &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > SD_TLS_FILE_MAX)
		why = "larger than " SD_TLS_FILE_MAX_STR;
	if (fp != NULL)
		fclose(fp);
	if (why == NULL)
		return SD_OK;
	snprintf(err, SD_ERR_LEN, "--%s %.200s: %s", opt, path, why);
	return SD_ERR_INVAL;
}

/* The certificate with its chain, and its key. */
static int
tls_ctx_files(SSL_CTX *ctx, const struct sd_config *cfg,
    char err[SD_ERR_LEN])
{
	char why[SD_ERR_LEN];

	if (tls_readable("tls-cert", cfg->tls_cert, err) != SD_OK ||
	    tls_readable("tls-key", cfg->tls_key, err) != SD_OK)
		return SD_ERR_INVAL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		tls_queue_reason(why, sizeof(why));
		snprintf(err, SD_ERR_LEN, "--tls-cert %.120s: not a PEM "
		    "certificate (%.60s)", cfg->tls_cert, why);
		return SD_ERR_INVAL;
	}
	/* Loading the key checks it against the certificate. */
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		tls_queue_reason(why, sizeof(why));
		snprintf(err, SD_ERR_LEN, "--tls-key %.120s: not the "
		    "certificate's unencrypted PEM key (%.60s)",
		    cfg->tls_key, why);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

/* What every session may be: versions, ciphers, no compression, no
 * renegotiation (a peer could make the server redo the costly part of
 * a handshake at will), and an EOF without close_notify read as an end
 * of stream (devices lose power; the frames say what is whole). */
static int
tls_ctx_params(SSL_CTX *ctx, const struct sd_config *cfg,
    char err[SD_ERR_LEN])
{
	char why[SD_ERR_LEN];
	int min = cfg->tls_min_version == 13 ? TLS1_3_VERSION :
	    TLS1_2_VERSION;

	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* An idle session gives its buffers back: thousands of quiet
	 * devices cost their SSL, not 34 KiB of buffers each. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
	/* TLS 1.3 sends its session tickets after the handshake: a device
	 * that only writes (readings) never reads them, and its close with
	 * them unread is a reset that drops what it sent last. Nothing is
	 * sent that a device did not ask for, as on a plain port. */
	SSL_CTX_set_num_tickets(ctx, 0);
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1) {
		tls_queue_reason(why, sizeof(why));
		snprintf(err, SD_ERR_LEN, "--tls-min-version: %.100s", why);
		return SD_ERR_INVAL;
	}
	if (cfg->tls_ciphers != NULL &&
	    SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers) != 1) {
		tls_queue_reason(why, sizeof(why));
		snprintf(err, SD_ERR_LEN, "--tls-ciphers \"%.100s\": %.100s",
		    cfg->tls_ciphers, why);
		return SD_ERR_INVAL;
	}
	if (cfg->tls_ciphersuites != NULL &&
	    SSL_CTX_set_ciphersuites(ctx, cfg->tls_ciphersuites) != 1) {
		tls_queue_reason(why, sizeof(why));
		snprintf(err, SD_ERR_LEN, "--tls-ciphersuites \"%.100s\": "
		    "%.100s", cfg->tls_ciphersuites, why);
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

int
sd_tls_new(const struct sd_config *cfg, struct sd_tls **out,
    char err[SD_ERR_LEN])
{
	char raw[SD_ERR_LEN];
	struct sd_tls *t;
	int rc = SD_ERR_NOMEM;

	*out = NULL;
	if (cfg->ntls_ports == 0)
		return SD_OK;
	snprintf(err, SD_ERR_LEN, "out of memory");
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto out;
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (t->ctx == NULL)
		goto out_free;
	rc = tls_ctx_params(t->ctx, cfg, err);
	if (rc == SD_OK)
		rc = tls_ctx_files(t->ctx, cfg, err);
	if (rc != SD_OK)
		goto out_ctx;
	*out = t;
	return SD_OK;
out_ctx:
	SSL_CTX_free(t->ctx);
out_free:
	free(t);
out:
	/* File names and cipher lists may hold any byte. */
	memcpy(raw, err, SD_ERR_LEN);
	raw[SD_ERR_LEN - 1] = '\0';
	sd_esc_text(raw, strlen(raw), err, SD_ERR_LEN, 0, NULL);
	return rc;
}

int
sd_tls_cert_digest(const struct sd_tls *t, unsigned char out[32])
{
	X509 *x = t != NULL ? SSL_CTX_get0_certificate(t->ctx) : NULL;
	unsigned n = 0;

	memset(out, 0, 32);
	if (x == NULL || X509_digest(x, EVP_sha256(), out, &n) != 1 ||
	    n != 32) {
		ERR_clear_error();
		return SD_ERR_INVAL;
	}
	return SD_OK;
}

void
sd_tls_free(struct sd_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

struct bufferevent *
sd_tls_bev_new(struct sd_tls *t, struct event_base *base, int fd)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(t->ctx);

	if (ssl == NULL)
		return NULL;
	/* On failure libevent frees ssl (CLOSE_ON_FREE), not fd. */
	bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
sd_tls_session(struct bufferevent *bev, char version[SD_TLS_VERSION_LEN],
    char cipher[SD_TLS_CIPHER_LEN])
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	const char *c = ssl != NULL ? SSL_get_cipher_name(ssl) : NULL;

	snprintf(version, SD_TLS_VERSION_LEN, "%s", ssl != NULL ?
	    SSL_get_version(ssl) : "?");
	snprintf(cipher, SD_TLS_CIPHER_LEN, "%s", c != NULL ? c : "?");
}

/* libevent hands a bufferevent's errors back last first, after the
 * SSL_get_error() code of the failed call (not an OpenSSL error: its
 * library is 0): the first error OpenSSL queued is the last one taken
 * that has a library. */
void
sd_tls_reason(struct bufferevent *bev, const char *def, char *buf,
    size_t len)
{
	const char *r = NULL, *w;
	unsigned long e;
	int n;

	for (n = 0; n < TLS_BEV_ERRORS; n++) {
		e = bufferevent_get_openssl_error(bev);
		if (e == 0)
			break;
		w = tls_words(e);
		if (w != NULL)
			r = w;
	}
	snprintf(buf, len, "%s", r != NULL ? r : def);
}

void
sd_tls_close_notify(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	if (ssl == NULL)
		return;
	SSL_shutdown(ssl);
	ERR_clear_error();
}
