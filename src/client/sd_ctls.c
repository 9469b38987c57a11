/*
 * sd_ctls.c: the client's TLS context and its connections' SSLs (see
 * sd_ctls.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sd_ctls.h"
#include "sd_err.h"
#include "sd_esc.h"
#include "sd_tlsutil.h"

struct sd_ctls {
	SSL_CTX		*ctx;
	int		 insecure;
};

/* "--opt FILE: why": a file that will not open says so in the
 * system's words, before OpenSSL's less plain ones; otherwise what
 * OpenSSL queued last (what, when it queued nothing). */
static int
ctls_file_err(const char *opt, const char *path, const char *what,
    char err[SD_ERR_LEN])
{
	const char *why = sd_tlsu_words(ERR_peek_last_error());
	struct stat st;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		why = strerror(errno);
	else if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (why == NULL)
		why = what;
	if (fp != NULL)
		fclose(fp);
	snprintf(err, SD_ERR_LEN, "--%s %.200s: %s%s%s", opt, path, what,
	    why != what ? ": " : "", why != what ? why : "");
	ERR_clear_error();
	return SD_ERR_INVAL;
}

/* Whom to trust, and the client's own certificate if any. */
static int
ctls_files(SSL_CTX *ctx, const struct sd_ctls_opts *o, char err[SD_ERR_LEN])
{
	if (o->ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1)
			return ctls_file_err("tls-ca", o->ca, "no PEM CA "
			    "certificate", err);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, SD_ERR_LEN, "--tls: the system's CAs cannot be "
		    "loaded (give --tls-ca)");
		ERR_clear_error();
		return SD_ERR_INVAL;
	}
	if (o->cert == NULL)
		return SD_OK;
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1)
		return ctls_file_err("tls-cert", o->cert, "not a PEM "
		    "certificate", err);
	if (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1)
		return ctls_file_err("tls-key", o->key, "not an unencrypted "
		    "PEM key", err);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return ctls_file_err("tls-key", o->key, "not the key of "
		    "--tls-cert", err);
	return SD_OK;
}

int
sd_ctls_new(const struct sd_ctls_opts *o, struct sd_ctls **out,
    char err[SD_ERR_LEN])
{
	struct sd_ctls *t;
	int rc = SD_ERR_NOMEM;

	*out = NULL;
	snprintf(err, SD_ERR_LEN, "out of memory");
	if ((o->cert == NULL) != (o->key == NULL)) {
		snprintf(err, SD_ERR_LEN, "--tls-cert and --tls-key go "
		    "together");
		return SD_ERR_INVAL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return SD_ERR_NOMEM;
	t->insecure = o->insecure;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL)
		goto fail;
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_default_passwd_cb(t->ctx, sd_tlsu_no_passphrase);
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ctx, o->insecure ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	rc = ctls_files(t->ctx, o, err);
	if (rc != SD_OK)
		goto fail;
	*out = t;
	return SD_OK;
fail:
	sd_ctls_free(t);
	sd_tlsu_esc_err(err);
	return rc;
}

void
sd_ctls_free(struct sd_ctls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/* The name or the address the certificate must be for, and SNI. */
static int
ctls_peer(SSL *ssl, const char *host)
{
	unsigned char a[16];
	int ip = inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;

	if (ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

struct bufferevent *
sd_ctls_bev_new(struct sd_ctls *t, struct event_base *base, const char *host)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(t->ctx);

	if (ssl == NULL)
		return NULL;
	if (ctls_peer(ssl, host) != 0) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	/* On failure libevent frees ssl (CLOSE_ON_FREE). */
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* The subject's CN (or the whole subject when it has none), escaped. */
static void
ctls_subject(X509 *x, char *buf, size_t len)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *u = NULL;
	char line[512];
	int n = -1;

	if (i >= 0)
		n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(name, i)));
	if (n >= 0) {
		sd_esc_text((const char *)u, (size_t)n, buf, len, 0, NULL);
		OPENSSL_free(u);
		return;
	}
	X509_NAME_oneline(name, line, sizeof(line));
	sd_esc_text(line, strlen(line), buf, len, 0, NULL);
}

void
sd_ctls_info(const struct sd_ctls *t, struct bufferevent *bev,
    struct sd_ctls_info *out)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *x = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
	const char *c = ssl != NULL ? SSL_get_cipher_name(ssl) : NULL;
	struct tm tm;

	memset(out, 0, sizeof(*out));
	out->insecure = t->insecure;
	snprintf(out->version, sizeof(out->version), "%s", ssl != NULL ?
	    SSL_get_version(ssl) : "?");
	snprintf(out->cipher, sizeof(out->cipher), "%s", c != NULL ? c : "?");
	snprintf(out->subject, sizeof(out->subject), "?");
	snprintf(out->expires, sizeof(out->expires), "?");
	if (x == NULL)
		return;
	ctls_subject(x, out->subject, sizeof(out->subject));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(out->expires, sizeof(out->expires), "%Y-%m-%d", &tm);
}

/* A certificate the check refused is said in the check's words; any
 * other failure in OpenSSL's. OpenSSL records the check's result under
 * --tls-insecure too, where it refused nothing: not said there. */
int
sd_ctls_reason(struct bufferevent *bev, char *buf, size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	long v = ssl != NULL && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) ?
	    SSL_get_verify_result(ssl) : X509_V_OK;
	const char *r = sd_tlsu_bev_reason(bev, NULL);

	if (v != X509_V_OK) {
		snprintf(buf, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(v));
		return 1;
	}
	if (r == NULL)
		return 0;
	snprintf(buf, len, "%s", r);
	return 1;
}
