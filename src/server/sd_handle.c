/*
 * sd_handle.c: the one switch from decoded events to handlers, plus the
 * small handlers: HELLO, PING, bad and unexpected frames.
 */
#include <stdio.h>
#include <string.h>

#include "sd_admit.h"
#include "sd_block.h"
#include "sd_conn.h"
#include "sd_err.h"
#include "sd_handle.h"
#include "sd_listen.h"
#include "sd_proto_enc.h"
#include "sd_server.h"
#include "sd_throttle.h"

/* The decoder discarded bytes: say so, and tell an extension client. */
static enum sd_hres
handle_bad(struct sd_conn *c, const struct sd_frame *f, struct sd_hout *out)
{
	struct sd_event e = { .kind = SD_EV_BAD_FRAME };
	char why[SD_ERR_LEN];

	snprintf(why, sizeof(why), "%s", sd_err_str(f->err));
	if (f->kind != SD_K_NONE)
		snprintf(why, sizeof(why), "%s (%s, length %u)",
		    sd_err_str(f->err), sd_proto_kind_name(f->kind), f->length);
	c->srv->totals.bad_frames++;
	c->srv->totals.bad_by[f->err >= 0 && f->err < SD_ERR_COUNT ? f->err :
	    SD_OK]++;
	e.id = c->id;
	e.reason = why;
	sd_evrate_fire(&c->srv->evrates, &c->evrate, &e);
	/* A device whose file is over --max-file hears why, as it would
	 * after any other failed upload. */
	if (!c->ext && f->kind == SD_K_LEGACY_FILE && f->err == SD_ERR_CAP) {
		snprintf(out->why, sizeof(out->why), "file upload failed: "
		    "larger than %llu bytes",
		    (unsigned long long)c->srv->cfg->max_file);
		sd_conn_write(c, out->why, strlen(out->why));
	}
	return sd_handle_say(out, SD_H_ERROR, f->err == SD_ERR_CAP ?
	    SD_EC_TOO_LARGE : SD_EC_MALFORMED, 0, why);
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

/* With --token: whether h carries it (SD_H_OK), or the refusal. Every
 * refusal counts against the address, and an address over the limit is
 * not even compared. */
static enum sd_hres
handle_token(struct sd_conn *c, const struct sd_hello *h,
    struct sd_hout *out)
{
	const char *token = c->srv->cfg->token;
	struct sd_throttle *t = c->srv->hello_fails;
	int64_t now = sd_mono_ns();
	char who[SD_THROTTLE_KEY];

	if (token == NULL)
		return SD_H_OK;
	if (sd_admit_peer_key(c->peer, who, sizeof(who)) != SD_OK)
		snprintf(who, sizeof(who), "%s", c->peer);
	if (sd_throttle_count(t, who, now) >= SD_HELLO_FAIL_MAX) {
		c->srv->totals.auth_refused++;
		return sd_handle_say(out, SD_H_REFUSE, SD_EC_LIMIT, 0,
		    "too many refused HELLOs from this address");
	}
	if (sd_secret_equal(h->token, h->token_len, token, strlen(token))) {
		c->authed = 1;
		return SD_H_OK;
	}
	c->srv->totals.auth_refused++;
	sd_throttle_add(t, who, 1, now);
	return sd_handle_say(out, SD_H_REFUSE, SD_EC_AUTH, 0,
	    "token refused");
}

static enum sd_hres
handle_hello(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	const struct sd_hello *h = &f->u.hello;
	const struct sd_config *cfg = c->srv->cfg;
	struct sd_event e = { .kind = SD_EV_HELLO };
	struct sd_welcome w = { SD_PROTO_VERSION, SD_CAP_FILES |
	    SD_CAP_RESUME | SD_CAP_SENSORS | SD_CAP_PING, c->id,
	    (uint32_t)cfg->max_msg, c->dec.lim.max_chunk, cfg->max_file,
	    cfg->server_name, (uint8_t)strlen(cfg->server_name) };
	enum sd_hres res;
	uint8_t buf[512];
	char dev[18];
	size_t n;

	c->ext = 1;
	/* One identity per connection: a second HELLO could swap the
	 * device under transfers and readings already in flight. */
	if (c->hello)
		return sd_handle_say(out, SD_H_REFUSE, SD_EC_UNEXPECTED, 0,
		    "HELLO sent twice");
	c->hello = 1;
	res = handle_token(c, h, out);
	if (res != SD_H_OK)
		return res;
	memcpy(c->dev, h->dev, SD_MAC_LEN);
	c->has_dev = 1;
	handle_copy_name(c->name, sizeof(c->name), h->name, h->name_len);
	if (sd_proto_enc_welcome(buf, sizeof(buf), &w, &n) == SD_OK &&
	    sd_conn_write(c, buf, n) != SD_OK)
		return SD_H_OK;		/* closed: nobody to welcome */
	sd_handle_fleet(c, c->dev, SD_FLEET_SEEN, 0);
	sd_conn_device(c, dev);
	e.id = c->id;
	e.name = c->name;
	e.device = dev;
	e.version = h->version;
	e.auth = sd_conn_auth(c);
	e.device_name = c->reg_seen ? c->reg_name : NULL;
	sd_events_fire(c->srv->events, &e);
	return SD_H_OK;
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
static enum sd_hres
handle_unexpected(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
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
	if (f->kind == SD_K_ERROR)
		return SD_H_OK;		/* never an error about an error */
	return sd_handle_say(out, SD_H_ERROR, SD_EC_UNEXPECTED, 0, why);
}

/* Whether f is a legacy device frame. */
static int
handle_is_legacy(const struct sd_frame *f)
{
	return f->kind == SD_K_LEGACY_MSG || f->kind == SD_K_LEGACY_SENSOR ||
	    f->kind == SD_K_LEGACY_FILE;
}

/* A legacy frame on a port without legacy: refused, and an event. Apart
 * from handle_gate so that the event (170 bytes) is not cleared on the
 * way of every frame (it was, inlined: a tenth of a sensor flood). */
static enum sd_hres
handle_no_legacy(struct sd_conn *c, struct sd_hout *out)
{
	static const char nolegacy[] = "legacy frame on a port without "
	    "legacy";
	struct sd_event e = { .kind = SD_EV_BAD_FRAME };

	e.id = c->id;
	e.reason = nolegacy;
	sd_evrate_fire(&c->srv->evrates, &c->evrate, &e);
	return sd_handle_say(out, SD_H_REFUSE, SD_EC_UNSUPPORTED, 0,
	    nolegacy);
}

const uint8_t *
sd_handle_frame_dev(const struct sd_frame *f)
{
	switch (f->kind) {
	case SD_K_LEGACY_MSG:
		return f->u.lmsg.dev;
	case SD_K_LEGACY_SENSOR:
		return f->u.lsensor.dev;
	case SD_K_LEGACY_FILE:
		return f->u.lfile.dev;
	case SD_K_HELLO:
		return f->u.hello.dev;
	case SD_K_SENSOR_BATCH:
		return f->u.batch.dev;
	default:
		return NULL;
	}
}

/* A frame naming a device the operator blocked closes the connection.
 * Asked only while a device is blocked, and again on one connection
 * only when its device or the table changed. */
static int
handle_dev_blocked(struct sd_conn *c, const struct sd_frame *f)
{
	struct sd_blocks *b = c->srv->blocks;
	const uint8_t *dev;

	if (b->ndev == 0 || (dev = sd_handle_frame_dev(f)) == NULL)
		return 0;
	if (c->block_gen == b->gen &&
	    memcmp(c->block_dev, dev, SD_MAC_LEN) == 0)
		return 0;
	if (sd_block_has_device(b, dev, sd_mono_ns()))
		return 1;
	c->block_gen = b->gen;
	memcpy(c->block_dev, dev, SD_MAC_LEN);
	return 0;
}

/* Frames this connection may not send at all: legacy frames on a port
 * without legacy (--legacy off); with --token or --devices, extension
 * frames before HELLO (refused as a wrong token is; the legacy
 * protocol, which has no HELLO, is not affected); with --devices, a
 * frame the registry does not admit (sd_handle_reg.c). */
static enum sd_hres
handle_gate(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	const struct sd_server *srv = c->srv;

	if (handle_is_legacy(f) && !c->lst->legacy)
		return handle_no_legacy(c, out);
	if (handle_dev_blocked(c, f)) {
		sd_handle_say(out, SD_H_CLOSE, 0, 0, "device blocked");
		return SD_H_CLOSE;
	}
	if (!c->ext && (srv->cfg->token != NULL || srv->registry != NULL) &&
	    !handle_is_legacy(f) && f->kind != SD_K_HELLO) {
		c->ext = 1;	/* it speaks frames: the answer is one */
		sd_handle_say(out, SD_H_REFUSE, SD_EC_AUTH, 0,
		    "HELLO with the token first");
		out->reason = "extension frame before HELLO";
		return SD_H_REFUSE;
	}
	if (srv->registry != NULL)
		return sd_handle_registry(c, f, out);
	return SD_H_OK;
}

void
sd_handle_fleet(struct sd_conn *c, const uint8_t *mac,
    enum sd_fleet_what what, uint64_t n)
{
	/* The frame's read's time: no clock read a frame, and the frames
	 * of one read are no interval. */
	struct sd_fleet_via via = { c->fleet_addr, c->ext, c->tls,
	    c->srv->registry, c->active_ns };

	/* Closed: it left the fleet already (sd_fleet_leave), and must
	 * not speak for a device again. */
	if (sd_conn_dead(c))
		return;
	if (c->fleet_addr[0] == '\0')
		snprintf(c->fleet_addr, sizeof(c->fleet_addr), strchr(c->peer,
		    ':') ? "[%s]:%u" : "%s:%u", c->peer, c->peer_port);
	sd_fleet_note(c->srv->fleet, &c->fleet, mac, &via, what, n);
}

enum sd_hres
sd_handle_say(struct sd_hout *out, enum sd_hres res, uint16_t code,
    uint32_t ref_id, const char *why)
{
	out->code = code;
	out->ref_id = ref_id;
	out->reason = NULL;
	if (why != out->why)
		snprintf(out->why, sizeof(out->why), "%s", why);
	return res;
}

/* The one place a handler's outcome becomes an answer: the ERROR frame
 * (extension clients only, about the frame of type ref_type), and for a
 * refusal the drain; nothing on a connection already closed. */
static void
handle_outcome(struct sd_conn *c, enum sd_hres res,
    const struct sd_hout *out, uint16_t ref_type)
{
	const char *reason = out->reason != NULL ? out->reason : out->why;

	if (res == SD_H_OK || sd_conn_dead(c))
		return;
	/* Refused or closed by the server (a token refused, a HELLO
	 * twice): its disconnect is an error, not a client leaving. */
	if (res != SD_H_ERROR)
		c->close_level = SD_LV_ERROR;
	if (res == SD_H_CLOSE) {
		sd_conn_close(c, reason);
		return;
	}
	sd_conn_send_error(c, out->code, ref_type, out->ref_id, out->why);
	if (res == SD_H_REFUSE && !sd_conn_dead(c))
		sd_conn_drain(c, reason);
}

/* A frame to its handler. */
static enum sd_hres
handle_frame(struct sd_conn *c, const struct sd_frame *f,
    struct sd_hout *out)
{
	enum sd_hres res = handle_gate(c, f, out);

	if (res != SD_H_OK)
		return res;
	switch (f->kind) {
	case SD_K_LEGACY_MSG:
	case SD_K_MSG:
		return sd_handle_msg(c, f, out);
	case SD_K_LEGACY_SENSOR:
	case SD_K_SENSOR_BATCH:
		return sd_handle_sensor(c, f, out);
	case SD_K_LEGACY_FILE:
	case SD_K_FILE_OFFER:
	case SD_K_FILE_CHUNK:
	case SD_K_FILE_END:
	case SD_K_FILE_CANCEL:
		return sd_handle_file(c, f, out);
	case SD_K_HELLO:
		return handle_hello(c, f, out);
	case SD_K_PING:
		handle_ping(c, f);
		return SD_H_OK;
	case SD_K_PONG:
		return SD_H_OK;
	default:
		return handle_unexpected(c, f, out);
	}
}

void
sd_handle_event(struct sd_conn *c, enum sd_dec_ev ev,
    const struct sd_frame *f)
{
	struct sd_hout out;
	enum sd_hres res;

	/* Not "= { 0 }": that clears all of why[] for every reading, a
	 * tenth of the loop's time under a flood of sensor frames. */
	out.code = 0;
	out.ref_id = 0;
	out.reason = NULL;
	out.why[0] = '\0';

	switch (ev) {
	case SD_DEC_ERROR:
		res = handle_bad(c, f, &out);
		break;
	case SD_DEC_DATA:
		sd_handle_file_data(c, f);
		return;
	case SD_DEC_END:
		sd_handle_file_body_end(c, f);
		return;
	default:
		c->frames_in++;
		res = handle_frame(c, f, &out);
		break;
	}
	handle_outcome(c, res, &out, f->type);
}
