/*
 * sd_tlsutil.c: OpenSSL helpers both TLS ends share (see sd_tlsutil.h).
 */
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>

#include "sd_esc.h"
#include "sd_tlsutil.h"

/* The errors libevent keeps of one bufferevent (its NUM_ERRORS). */
#define TLSU_BEV_ERRORS	3

const char *
sd_tlsu_words(unsigned long e)
{
	if (e == 0 || ERR_GET_LIB(e) == 0)
		return NULL;
	return ERR_reason_error_string(e);
}

int
sd_tlsu_no_passphrase(char *buf, int size, int rw, void *arg)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)arg;
	return 0;
}

/* libevent hands a bufferevent's errors back last first, after the
 * SSL_get_error() code of the failed call (not an OpenSSL error: its
 * library is 0): the first error OpenSSL queued is the last one taken
 * that has a library. */
const char *
sd_tlsu_bev_reason(struct bufferevent *bev, unsigned long *first)
{
	const char *r = NULL, *w;
	unsigned long e, f = 0;
	int n;

	for (n = 0; n < TLSU_BEV_ERRORS; n++) {
		e = bufferevent_get_openssl_error(bev);
		if (e == 0)
			break;
		w = sd_tlsu_words(e);
		if (w != NULL) {
			r = w;
			f = e;
		}
	}
	if (first != NULL)
		*first = f;
	return r;
}

void
sd_tlsu_close_notify(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	if (ssl == NULL)
		return;
	SSL_shutdown(ssl);
	ERR_clear_error();
}

void
sd_tlsu_esc_err(char err[SD_ERR_LEN])
{
	char raw[SD_ERR_LEN];

	memcpy(raw, err, SD_ERR_LEN);
	raw[SD_ERR_LEN - 1] = '\0';
	sd_esc_text(raw, strlen(raw), err, SD_ERR_LEN, 0, NULL);
}
