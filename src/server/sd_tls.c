/*
 * sd_tls.c: the server's TLS context and its connections' SSLs (see
 * sd_tls.h).
 */
#include <errno.h>
#include <fcntl.h>
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
#include <unistd.h>

#include "sd_err.h"
#include "sd_esc.h"
#include "sd_tls.h"
#include "sd_tlsutil.h"

/* A certificate, chain or key file is read again at each reload (on
 * its helper thread): it must be small, for the reload to be short. */
#define SD_TLS_FILE_MAX		(4 << 20)
#define SD_TLS_FILE_MAX_STR	"4 MiB"

/* A client's chain: its certificate, intermediates and the CA. */
#define TLS_VERIFY_DEPTH	4

struct sd_tls {
	SSL_CTX		*ctx;
	int		 identity;	/* SD_TLS_ID_* */
	int		 require;	/* --tls-require-client-cert */
};

/* Why the last OpenSSL call failed: the first error of the thread's
 * queue, which is emptied. */
static void
tls_queue_reason(char *buf, size_t len)
{
	const char *r = sd_tlsu_words(ERR_peek_error());

	snprintf(buf, len, "%s", r != NULL ? r : "refused by OpenSSL");
	ERR_clear_error();
}

/* SD_OK when path is a regular file that opens for reading, or err
 * names opt and why not (OpenSSL's words for a missing file or a
 * directory are less plain). Opened without blocking: a FIFO would wait
 * for a writer, and the server would never start. */
static int
tls_readable(const char *opt, const char *path, char err[SD_ERR_LEN])
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	const char *why = NULL;

	if (fd < 0)
		why = strerror(errno);
	else if (fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > SD_TLS_FILE_MAX)
		why = "larger than " SD_TLS_FILE_MAX_STR;
	if (fd >= 0)
		close(fd);
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
	SSL_CTX_set_default_passwd_cb(ctx, sd_tlsu_no_passphrase);
	/* TLS 1.3 sends its session tickets after the handshake: a device
	 * that only writes (readings) never reads them, and its close with
	 * them unread is a reset that drops what it sent last. Nothing is
	 * sent that a device did not ask for, as on a plain port. */
	SSL_CTX_set_num_tickets(ctx, 0);
	/* Every connection does a full handshake: a resumed session would
	 * skip the client certificate's verification, and the server
	 * would not know the identity it was made for (TLS 1.2's session
	 * cache and tickets; TLS 1.3 gets no ticket above). A device
	 * reconnects seldom; the handshake is what it costs. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
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

/* Mutual TLS (--tls-client-ca): the CAs a client's certificate must
 * chain to, named to clients in the CertificateRequest so that one
 * with several certificates picks the right one. A client with a
 * certificate that does not verify is refused; one without is refused
 * only with --tls-require-client-cert. */
static int
tls_ctx_client_ca(SSL_CTX *ctx, const struct sd_config *cfg,
    char err[SD_ERR_LEN])
{
	STACK_OF(X509_NAME) *names;
	char why[SD_ERR_LEN];
	int mode = SSL_VERIFY_PEER;

	if (cfg->tls_client_ca == NULL)
		return SD_OK;
	if (tls_readable("tls-client-ca", cfg->tls_client_ca, err) != SD_OK)
		return SD_ERR_INVAL;
	names = SSL_load_client_CA_file(cfg->tls_client_ca);
	if (names == NULL || sk_X509_NAME_num(names) == 0 ||
	    SSL_CTX_load_verify_locations(ctx, cfg->tls_client_ca,
	    NULL) != 1) {
		tls_queue_reason(why, sizeof(why));
		snprintf(err, SD_ERR_LEN, "--tls-client-ca %.120s: not PEM "
		    "CA certificates (%.60s)", cfg->tls_client_ca, why);
		sk_X509_NAME_pop_free(names, X509_NAME_free);
		return SD_ERR_INVAL;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	if (cfg->tls_require_client_cert)
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	SSL_CTX_set_verify(ctx, mode, NULL);
	SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	/* Reading PEM to its end may leave an error queued that the first
	 * failed handshake would otherwise be blamed for. */
	ERR_clear_error();
	return SD_OK;
}

int
sd_tls_new(const struct sd_config *cfg, struct sd_tls **out,
    char err[SD_ERR_LEN])
{
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
	if (rc == SD_OK)
		rc = tls_ctx_client_ca(t->ctx, cfg, err);
	if (rc != SD_OK)
		goto out_ctx;
	t->identity = cfg->tls_identity;
	t->require = cfg->tls_require_client_cert;
	*out = t;
	return SD_OK;
out_ctx:
	SSL_CTX_free(t->ctx);
out_free:
	free(t);
out:
	/* File names and cipher lists may hold any byte. */
	sd_tlsu_esc_err(err);
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

int
sd_tls_ca_digest(const struct sd_tls *t, unsigned char out[32])
{
	STACK_OF(X509_OBJECT) *objs;
	unsigned char one[32];
	EVP_MD_CTX *md;
	X509 *x;
	unsigned n = 0;
	int i, got = 0;

	memset(out, 0, 32);
	if (t == NULL || (md = EVP_MD_CTX_new()) == NULL)
		return SD_ERR_INVAL;
	objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(t->ctx));
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (i = 0; objs != NULL && i < sk_X509_OBJECT_num(objs); i++) {
		x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (x == NULL || X509_digest(x, EVP_sha256(), one, &n) != 1)
			continue;
		EVP_DigestUpdate(md, one, n);
		got = 1;
	}
	if (got)
		EVP_DigestFinal_ex(md, out, &n);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return got ? SD_OK : SD_ERR_INVAL;
}

/* What x's dates make of it at now: "expired on 2020-01-02", "not
 * valid before 2030-01-01" into out (its CN, or its whole subject,
 * first), or 0 when it is valid now. */
static int
tls_x509_dates(X509 *x, const time_t *now, const char *what, char *out,
    size_t len)
{
	const ASN1_TIME *after = X509_get0_notAfter(x);
	const ASN1_TIME *before = X509_get0_notBefore(x);
	const ASN1_TIME *at;
	const char *how;
	char name[96] = "?", day[16] = "?";
	struct tm tm;

	if (X509_cmp_time(after, (time_t *)now) < 0) {
		at = after;
		how = "expired on";
	} else if (X509_cmp_time(before, (time_t *)now) > 0) {
		at = before;
		how = "not valid before";
	} else
		return 0;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, name, sizeof(name)) < 0)
		X509_NAME_oneline(X509_get_subject_name(x), name,
		    sizeof(name));
	if (ASN1_TIME_to_tm(at, &tm) == 1)
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	snprintf(out, len, "%s \"%s\" %s %s", what, name, how, day);
	return 1;
}

int
sd_tls_dates(const struct sd_tls *t, time_t now, char out[SD_ERR_LEN])
{
	STACK_OF(X509_OBJECT) *objs;
	X509 *x;
	int i;

	out[0] = '\0';
	if (t == NULL)
		return 0;
	x = SSL_CTX_get0_certificate(t->ctx);
	if (x != NULL && tls_x509_dates(x, &now, "--tls-cert: the "
	    "server's certificate", out, SD_ERR_LEN)) {
		snprintf(out + strlen(out), SD_ERR_LEN - strlen(out),
		    ": clients that check it refuse the server");
		goto out;
	}
	objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(t->ctx));
	for (i = 0; objs != NULL && i < sk_X509_OBJECT_num(objs); i++) {
		x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (x != NULL && tls_x509_dates(x, &now, "--tls-client-ca: "
		    "CA", out, SD_ERR_LEN)) {
			snprintf(out + strlen(out), SD_ERR_LEN - strlen(out),
			    ": no client certificate verifies through it");
			goto out;
		}
	}
out:
	ERR_clear_error();
	/* Names come from a file, and may hold any byte. */
	sd_tlsu_esc_err(out);
	return out[0] != '\0';
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

int
sd_tls_hello_seen(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	/* The server's state leaves TLS_ST_BEFORE once a ClientHello was
	 * read whole. */
	return ssl != NULL && SSL_get_state(ssl) != TLS_ST_BEFORE;
}

/* A client certificate that did not verify is named by the
 * verification's own words ("certificate has expired"), not OpenSSL's
 * "certificate verify failed". */
int
sd_tls_reason(struct bufferevent *bev, const char *def, char *buf,
    size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long first = 0;
	const char *r = sd_tlsu_bev_reason(bev, &first);
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (vr != X509_V_OK) {
		snprintf(buf, len, "%s", X509_verify_cert_error_string(vr));
		return 1;
	}
	snprintf(buf, len, "%s", r != NULL ? r : def);
	return first != 0 && ERR_GET_LIB(first) == ERR_LIB_SSL &&
	    ERR_GET_REASON(first) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
}

/* A copy of the n bytes of a certificate's field, or NULL when it is
 * empty, longer than SD_TLS_IDENTITY_LEN or holds a NUL (an identity
 * is compared whole: a cut or a NUL would make it another's). */
static char *
tls_field_dup(const unsigned char *p, int n)
{
	char *s;

	if (p == NULL || n <= 0 || n >= SD_TLS_IDENTITY_LEN ||
	    memchr(p, '\0', (size_t)n) != NULL)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

/* The subject's first commonName, as UTF-8. */
static char *
tls_peer_cn(X509 *cert)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *u = NULL;
	char *s;
	int n;

	if (i < 0)
		return NULL;
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, i)));
	s = n > 0 ? tls_field_dup(u, n) : NULL;
	OPENSSL_free(u);
	return s;
}

/* The first subjectAltName of type (GEN_URI, GEN_DNS); not a later
 * one when the first is unusable. */
static char *
tls_peer_san(X509 *cert, int type)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name,
	    NULL, NULL);
	const GENERAL_NAME *g;
	char *s = NULL;
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != type)
			continue;
		/* uniformResourceIdentifier and dNSName: IA5Strings. */
		s = tls_field_dup(ASN1_STRING_get0_data(g->d.ia5),
		    ASN1_STRING_length(g->d.ia5));
		break;
	}
	GENERAL_NAMES_free(gens);
	return s;
}

/* "sha256:" and the certificate's (DER) SHA-256 in lowercase hex. */
static char *
tls_peer_fingerprint(X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *s;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return NULL;
	s = malloc(sizeof("sha256:") + 2 * n);
	if (s == NULL)
		return NULL;
	memcpy(s, "sha256:", 7);
	for (i = 0; i < n; i++)
		snprintf(s + 7 + 2 * i, 3, "%02x", md[i]);
	return s;
}

/* The subject as one RFC 2253 line, cut at SD_TLS_SUBJECT_LEN. UTF-8
 * is kept as it is (a name in any script stays readable); controls come
 * escaped by OpenSSL, and every byte is escaped again where shown. */
static char *
tls_peer_subject(X509 *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = malloc(SD_TLS_SUBJECT_LEN);
	int n = -1;

	if (b != NULL && s != NULL && X509_NAME_print_ex(b,
	    X509_get_subject_name(cert), 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		n = BIO_read(b, s, SD_TLS_SUBJECT_LEN - 1);
	BIO_free(b);
	if (s != NULL && n >= 0)
		s[n] = '\0';
	else {
		free(s);
		s = NULL;
	}
	return s;
}

const char *
sd_tls_peer(struct sd_tls *t, struct bufferevent *bev, char **identity,
    char **subject)
{
	static const char *const lacks[] = {
		[SD_TLS_ID_FINGERPRINT] = "client certificate: no fingerprint",
		[SD_TLS_ID_CN] = "client certificate has no usable CN",
		[SD_TLS_ID_URI] = "client certificate has no usable URI",
		[SD_TLS_ID_DNS] = "client certificate has no usable DNS name"
	};
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *cert = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;

	*identity = *subject = NULL;
	/* Without --tls-client-ca nothing was asked for, nor verified. */
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK ||
	    !(SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER))
		return NULL;
	*subject = tls_peer_subject(cert);
	switch (t->identity) {
	case SD_TLS_ID_CN:
		*identity = tls_peer_cn(cert);
		break;
	case SD_TLS_ID_URI:
		*identity = tls_peer_san(cert, GEN_URI);
		break;
	case SD_TLS_ID_DNS:
		*identity = tls_peer_san(cert, GEN_DNS);
		break;
	default:
		*identity = tls_peer_fingerprint(cert);
		break;
	}
	if (*identity == NULL && t->require)
		return lacks[t->identity];
	return NULL;
}

void
sd_tls_close_notify(struct bufferevent *bev)
{
	sd_tlsu_close_notify(bev);
}
