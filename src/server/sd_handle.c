/*
 * sd_handle.c: the one switch from decoded events to handlers, plus the
 * small handlers: HELLO, PING, bad and unexpected frames.
 */
#include <stdio.h>
#include <string.h>

#include "sd_admit.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_handle.h"
#include "sd_proto_enc.h"
#include "sd_server.h"
#include "sd_throttle.h"

/* The decoder discarded bytes: say so, and tell an extension client. */
static void
handle_bad(struct sd_conn *c, const struct sd_frame *f)
{
	struct sd_event e = { .kind = SD_EV_BAD_FRAME };
	char why[SD_ERR_LEN];

	snprintf(why, sizeof(why), "%s", sd_err_str(f->err));
	if (f->kind != SD_K_NONE)
		snprintf(why, sizeof(why), "%s (%s, length %u)",
		    sd_err_str(f->err), sd_proto_kind_name(f->kind), f->length);
	c->srv->totals.bad_frames++;
	e.id = c->id;
	e.reason = why;
	sd_evrate_fire(&c->srv->evrates, &c->evrate, &e);
	sd_conn_send_error(c, f->err == SD_ERR_CAP ? SD_EC_TOO_LARGE :
	    SD_EC_MALFORMED, f->type, 0, why);
	/* A device whose file is over --max-file hears why, as it would
	 * after any other failed upload. */
	if (!c->ext && f->kind == SD_K_LEGACY_FILE && f->err == SD_ERR_CAP) {
		snprintf(why, sizeof(why), "file upload failed: larger than "
		    "%llu bytes", (unsigned long long)c->srv->cfg->max_file);
		sd_conn_write(c, why, strlen(why));
	}
}

/* Keep the printable part of a client's name. */
static void
handle_copy_name(char *dst, size_t len, const char *src, size_t n)
{
	size_t i, o = 0;

	/* Printable ASCII only: the name goes into JSON and on screens. */
	for (i = 0; i < n && o + 1 < len; i++) {
		if (src[i] >= 0x20 && src[i] < 0x7f)
			dst[o++] = src[i];
	}
	dst[o] = '\0';
}

/* Refuse a HELLO: tell the client why, and close once it has heard. */
static void
handle_hello_refuse(struct sd_conn *c, uint16_t code, const char *why)
{
	sd_conn_send_error(c, code, SD_T_HELLO, 0, why);
	sd_conn_drain(c, why);
}

/* With --token: whether h carries it. Every refusal counts against the
 * address, and an address over the limit is not even compared. */
static int
handle_token_ok(struct sd_conn *c, const struct sd_hello *h)
{
	const char *token = c->srv->cfg->token;
	struct sd_throttle *t = c->srv->hello_fails;
	int64_t now = sd_mono_ns();
	char who[SD_THROTTLE_KEY];

	if (token == NULL)
		return 1;
	if (sd_admit_peer_key(c->peer, who, sizeof(who)) != SD_OK)
		snprintf(who, sizeof(who), "%s", c->peer);
	if (sd_throttle_count(t, who, now) >= SD_HELLO_FAIL_MAX) {
		handle_hello_refuse(c, SD_EC_LIMIT,
		    "too many refused HELLOs from this address");
		return 0;
	}
	if (sd_secret_equal(h->token, h->token_len, token, strlen(token))) {
		c->authed = 1;
		return 1;
	}
	sd_throttle_add(t, who, 1, now);
	handle_hello_refuse(c, SD_EC_AUTH, "token refused");
	return 0;
}

static void
handle_hello(struct sd_conn *c, const struct sd_frame *f)
{
	const struct sd_hello *h = &f->u.hello;
	const struct sd_config *cfg = c->srv->cfg;
	struct sd_event e = { .kind = SD_EV_HELLO };
	struct sd_welcome w = { SD_PROTO_VERSION, SD_CAP_FILES |
	    SD_CAP_RESUME | SD_CAP_SENSORS | SD_CAP_PING, c->id,
	    (uint32_t)cfg->max_msg, c->dec.lim.max_chunk, cfg->max_file,
	    cfg->server_name, (uint8_t)strlen(cfg->server_name) };
	uint8_t buf[512];
	char dev[18];
	size_t n;

	c->ext = 1;
	/* One identity per connection: a second HELLO could swap the
	 * device under transfers and readings already in flight. */
	if (c->hello) {
		handle_hello_refuse(c, SD_EC_UNEXPECTED, "HELLO sent twice");
		return;
	}
	c->hello = 1;
	if (!handle_token_ok(c, h))
		return;
	memcpy(c->dev, h->dev, SD_MAC_LEN);
	c->has_dev = 1;
	handle_copy_name(c->name, sizeof(c->name), h->name, h->name_len);
	if (sd_proto_enc_welcome(buf, sizeof(buf), &w, &n) == SD_OK &&
	    sd_conn_write(c, buf, n) != SD_OK)
		return;
	sd_conn_device(c, dev);
	e.id = c->id;
	e.name = c->name;
	e.device = dev;
	e.version = h->version;
	sd_events_fire(c->srv->events, &e);
}

static void
handle_ping(struct sd_conn *c, const struct sd_frame *f)
{
	uint8_t buf[32];
	size_t n;

	if (sd_proto_enc_ping(buf, sizeof(buf), 1, &f->u.ping, &n) == SD_OK)
		sd_conn_write(c, buf, n);
}

/* A frame only the server sends, or an ERROR from the client. */
static void
handle_unexpected(struct sd_conn *c, const struct sd_frame *f)
{
	struct sd_event e = { .kind = SD_EV_BAD_FRAME };
	char why[SD_ERR_LEN];

	if (f->kind == SD_K_ERROR) {
		snprintf(why, sizeof(why), "client error %u: %.*s",
		    f->u.error.code, (int)(f->u.error.len > 200 ? 200 :
		    f->u.error.len), f->u.error.text);
		e.kind = SD_EV_ERROR;
	} else
		snprintf(why, sizeof(why), "unexpected %s frame",
		    sd_proto_kind_name(f->kind));
	e.id = c->id;
	e.reason = why;
	sd_evrate_fire(&c->srv->evrates, &c->evrate, &e);
	if (f->kind != SD_K_ERROR)
		sd_conn_send_error(c, SD_EC_UNEXPECTED, f->type, 0, why);
}

/* With --token, the extension protocol is for clients that presented
 * it: an extension frame before HELLO is refused as a wrong token is.
 * The legacy protocol, which has no HELLO, is not affected. */
static int
handle_refused(struct sd_conn *c, const struct sd_frame *f)
{
	if (c->ext || c->srv->cfg->token == NULL)
		return 0;
	switch (f->kind) {
	case SD_K_LEGACY_MSG:
	case SD_K_LEGACY_SENSOR:
	case SD_K_LEGACY_FILE:
	case SD_K_HELLO:
		return 0;
	default:
		break;
	}
	c->ext = 1;		/* it speaks frames: the answer is one */
	sd_conn_send_error(c, SD_EC_AUTH, f->type, 0,
	    "HELLO with the token first");
	sd_conn_drain(c, "extension frame before HELLO");
	return 1;
}

void
sd_handle_event(struct sd_conn *c, enum sd_dec_ev ev,
    const struct sd_frame *f)
{
	switch (ev) {
	case SD_DEC_ERROR:
		handle_bad(c, f);
		return;
	case SD_DEC_DATA:
		sd_handle_file_data(c, f);
		return;
	case SD_DEC_END:
		sd_handle_file_body_end(c, f);
		return;
	default:
		break;
	}
	c->frames_in++;
	if (sd_admit_legacy_refused(c, f) || handle_refused(c, f))
		return;
	switch (f->kind) {
	case SD_K_LEGACY_MSG:
	case SD_K_MSG:
		sd_handle_msg(c, f);
		break;
	case SD_K_LEGACY_SENSOR:
	case SD_K_SENSOR_BATCH:
		sd_handle_sensor(c, f);
		break;
	case SD_K_LEGACY_FILE:
	case SD_K_FILE_OFFER:
	case SD_K_FILE_CHUNK:
	case SD_K_FILE_END:
	case SD_K_FILE_CANCEL:
		sd_handle_file(c, f);
		break;
	case SD_K_HELLO:
		handle_hello(c, f);
		break;
	case SD_K_PING:
		handle_ping(c, f);
		break;
	case SD_K_PONG:
		break;
	default:
		handle_unexpected(c, f);
		break;
	}
}
